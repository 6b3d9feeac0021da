/*
 * sql.h: one database connection, SQLite or PostgreSQL, behind SQLite's calling conventions.
 *
 * The store's modules are written once against this interface and run on both backends. The
 * calls mirror SQLite's own (prepare, bind, step, column, reset, finalize) so that code reads
 * as SQLite code does, and the SQLite driver is a thin pass-through. The PostgreSQL driver
 * (libpq) turns SQLite's placeholders (?, ?NNN, :name, @name, $name) into $N, prepares each
 * distinct statement once per connection (by its text and its parameters' types), runs it
 * when it is first stepped and hands out the rows of its result.
 *
 * SQL passed here must be valid in both dialects unless the caller picks it by sql_dialect_of().
 * The portable subset: INTEGER columns holding 0/1 for booleans, ON CONFLICT DO NOTHING,
 * RETURNING, lower(), coalesce(), CASE, no SQLite-only functions.
 *
 * A connection is used by one thread at a time.
 */
#ifndef DORF_SQL_H
#define DORF_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sql_conn sql_conn;
typedef struct sql_stmt sql_stmt;

typedef enum sql_dialect { SQL_SQLITE, SQL_POSTGRES } sql_dialect;

/* Result codes, equal to SQLite's. */
enum {
    SQL_OK = SQLITE_OK,
    SQL_ERROR = SQLITE_ERROR,
    SQL_ROW = SQLITE_ROW,
    SQL_DONE = SQLITE_DONE,
};

/* Column types, equal to SQLite's. */
enum {
    SQL_INTEGER = SQLITE_INTEGER,
    SQL_FLOAT = SQLITE_FLOAT,
    SQL_TEXT = SQLITE_TEXT,
    SQL_BLOB = SQLITE_BLOB,
    SQL_NULL = SQLITE_NULL,
};

/* Lifetime of bound text and blobs, as in SQLite: kept until rebound or finalized, or copied. */
#define SQL_STATIC SQLITE_STATIC
#define SQL_TRANSIENT SQLITE_TRANSIENT

/* What kind of failure the connection's last error was. */
typedef enum sql_error_kind {
    SQL_ERR_NONE,
    SQL_ERR_OTHER,
    SQL_ERR_UNIQUE, /* a UNIQUE or PRIMARY KEY constraint */
    SQL_ERR_FOREIGN_KEY,
    SQL_ERR_CHECK,      /* a CHECK or NOT NULL constraint */
    SQL_ERR_BUSY,       /* locked by another connection, or a serialization failure */
    SQL_ERR_CONNECTION, /* the server cannot be reached; the next call reconnects */
    SQL_ERR_NOMEM,      /* out of memory */
} sql_error_kind;

/* ---- connections ---- */

/* Wraps an open SQLite connection (still owned and closed by the caller). NULL: no memory. */
sql_conn *sql_wrap_sqlite(sqlite3 *db);

/*
 * Connects to PostgreSQL. `conninfo` is a postgresql:// URI or a libpq keyword string; PG*
 * environment variables fill in what it leaves out. On failure returns NULL and writes why
 * into err (a line without a trailing newline).
 */
sql_conn *sql_connect_postgres(const char *conninfo, char *err, size_t err_size);

/* Closes a PostgreSQL connection, or releases the wrapper of an SQLite one. Accepts NULL. */
void sql_close(sql_conn *c);

sql_dialect sql_dialect_of(const sql_conn *c);

/*
 * Where a PostgreSQL connection goes, for messages, without its password:
 * "postgresql://USER@HOST:PORT/DATABASE". Allocated (dorf_free); NULL for SQLite or no memory.
 */
char *sql_describe(const sql_conn *c);

/* The SQLite connection behind `c`, or NULL for PostgreSQL. */
sqlite3 *sql_sqlite_db(const sql_conn *c);

/* The connection's last error message (never NULL) and its kind. */
const char *sql_errmsg(sql_conn *c);
sql_error_kind sql_error_kind_of(sql_conn *c);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t sql_changes(sql_conn *c);

/*
 * The id the last INSERT into a table with an integer key gave its row. On PostgreSQL this
 * asks the server (lastval()); should that fail it returns 0, and the open transaction can no
 * longer commit: sql_commit rolls it back and fails with the reason.
 */
int64_t sql_last_insert_rowid(sql_conn *c);

/* Runs statements without parameters or results (several, separated by ';'). */
int sql_exec(sql_conn *c, const char *sql);

/* ---- transactions ---- */

/*
 * Begins a transaction. A write transaction takes the database's single writer lock at once
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so writers
 * never interleave and every check-then-write inside is safe. A read transaction sees one
 * snapshot (SQLite: deferred BEGIN; PostgreSQL: REPEATABLE READ).
 */
int sql_begin(sql_conn *c, int write);
int sql_commit(sql_conn *c);
/* Rolls back the open transaction, if there is one; keeps the last error message. */
void sql_rollback(sql_conn *c);
/* 1 inside a transaction. */
int sql_in_transaction(sql_conn *c);

/*
 * Savepoints nest a change inside the caller's transaction, or make it one (a write
 * transaction) when there is none. Each sql_savepoint is ended by one sql_release (keep) or
 * one sql_rollback_to (undo); at most 16 are open at once.
 */
int sql_savepoint(sql_conn *c);
int sql_release(sql_conn *c);
void sql_rollback_to(sql_conn *c);

#ifdef DORF_FAULT_INJECTION
/*
 * For tests (DORF_FAULT_INJECTION builds): from now on the n-th libpq call that talks to the
 * server (1-based; every PQexec, PQprepare, PQexecPrepared) fails: without reaching the
 * server, or, with `disconnect`, by cutting the connection's socket first so that libpq fails
 * as on a dropped network. n = 0 turns it off. Returns the calls counted since the last call.
 * Process-wide, like dorf_alloc_fail_after().
 */
unsigned long sql_fault_postgres_fail_after(unsigned long n, int disconnect);
#endif

/* ---- statements ---- */

int sql_prepare(sql_conn *c, const char *sql, sql_stmt **out);
int sql_bind_int64(sql_stmt *st, int i, int64_t v);
int sql_bind_int(sql_stmt *st, int i, int v);
int sql_bind_double(sql_stmt *st, int i, double v);
int sql_bind_text(sql_stmt *st, int i, const char *v, int n, void (*lifetime)(void *));
int sql_bind_blob(sql_stmt *st, int i, const void *v, int n, void (*lifetime)(void *));
int sql_bind_null(sql_stmt *st, int i);
/* The index of a named parameter (":name" with its prefix), or 0. */
int sql_bind_parameter_index(sql_stmt *st, const char *name);
int sql_bind_parameter_count(sql_stmt *st);
int sql_clear_bindings(sql_stmt *st);

/* SQL_ROW for each row, then SQL_DONE; anything else is an error (sql_errmsg). */
int sql_step(sql_stmt *st);

int sql_column_count(sql_stmt *st);
int sql_column_type(sql_stmt *st, int col);
int64_t sql_column_int64(sql_stmt *st, int col);
int sql_column_int(sql_stmt *st, int col);
double sql_column_double(sql_stmt *st, int col);
/* Valid until the next step, reset or finalize; NULL for SQL NULL. */
const unsigned char *sql_column_text(sql_stmt *st, int col);
const void *sql_column_blob(sql_stmt *st, int col);
int sql_column_bytes(sql_stmt *st, int col);

/* Makes the statement ready to run again (bindings are kept). */
int sql_reset(sql_stmt *st);
/* Accepts NULL. */
void sql_finalize(sql_stmt *st);

/* The connection a statement belongs to. */
sql_conn *sql_db_handle(sql_stmt *st);

/* ---- bulk loading (PostgreSQL only) ---- */

/*
 * Starts `copy_sql`, a "COPY table(columns) FROM STDIN" (text format: a row per line, columns
 * separated by tabs, \N for NULL, backslash escapes), normally inside the caller's
 * transaction. The rows then go in through sql_copy_put, in pieces of any size, and
 * sql_copy_end ends it; nothing else may run on the connection in between. A failing row
 * (a constraint, a malformed value) is reported by sql_copy_end. On SQLite, which has no
 * COPY, sql_copy_begin fails with SQL_ERROR.
 */
int sql_copy_begin(sql_conn *c, const char *copy_sql);
int sql_copy_put(sql_conn *c, const char *data, size_t len);
/*
 * Ends the copy started by sql_copy_begin; call it also after sql_copy_put failed. With
 * `abort_reason` NULL the rows are kept (SQL_OK) or the copy's error is returned; otherwise
 * the server discards them and the copy fails, which fails the transaction.
 */
int sql_copy_end(sql_conn *c, const char *abort_reason);

#endif
