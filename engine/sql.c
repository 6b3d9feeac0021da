/*
 * sql.c: dispatches each sql.h call to SQLite or to the PostgreSQL driver (sql_postgres.c).
 * The SQLite side passes straight through; it costs one branch per call.
 */
#include "sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "sql_postgres.h"

#define SAVEPOINTS_MAX 16

struct sql_conn {
    sqlite3 *lite; /* exactly one of lite and pg is set */
    pg_conn *pg;
    /* PostgreSQL: per open savepoint, whether it began the transaction. */
    int savepoint_depth;
    unsigned char savepoint_began[SAVEPOINTS_MAX];
};

struct sql_stmt {
    sql_conn *conn;
    sqlite3_stmt *lite;
    pg_stmt *pg;
};

sql_conn *sql_wrap_sqlite(sqlite3 *db) {
    sql_conn *c = dorf_calloc(1, sizeof *c);
    if (c) {
        c->lite = db;
    }
    return c;
}

sql_conn *sql_connect_postgres(const char *conninfo, char *err, size_t err_size) {
    sql_conn *c = dorf_calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (!(c->pg = pg_connect(conninfo, err, err_size))) {
        dorf_free(c);
        return NULL;
    }
    return c;
}

void sql_close(sql_conn *c) {
    if (c) {
        pg_close(c->pg);
        dorf_free(c);
    }
}

sql_dialect sql_dialect_of(const sql_conn *c) {
    return c->pg ? SQL_POSTGRES : SQL_SQLITE;
}

char *sql_describe(const sql_conn *c) {
    return c->pg ? pg_describe(c->pg) : NULL;
}

sqlite3 *sql_sqlite_db(const sql_conn *c) {
    return c->lite;
}

const char *sql_errmsg(sql_conn *c) {
    return c->pg ? pg_errmsg(c->pg) : sqlite3_errmsg(c->lite);
}

sql_error_kind sql_error_kind_of(sql_conn *c) {
    if (c->pg) {
        return pg_error_kind(c->pg);
    }
    int code = sqlite3_extended_errcode(c->lite);
    switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return SQL_ERR_NONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SQL_ERR_BUSY;
    case SQLITE_NOMEM:
        return SQL_ERR_NOMEM;
    case SQLITE_CONSTRAINT:
        if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
            return SQL_ERR_UNIQUE;
        }
        if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
            return SQL_ERR_FOREIGN_KEY;
        }
        return SQL_ERR_CHECK;
    default:
        return SQL_ERR_OTHER;
    }
}

int64_t sql_changes(sql_conn *c) {
    return c->pg ? pg_changes(c->pg) : sqlite3_changes64(c->lite);
}

int64_t sql_last_insert_rowid(sql_conn *c) {
    return c->pg ? pg_last_insert_rowid(c->pg) : sqlite3_last_insert_rowid(c->lite);
}

int sql_exec(sql_conn *c, const char *sql) {
    return c->pg ? pg_exec(c->pg, sql) : sqlite3_exec(c->lite, sql, NULL, NULL, NULL);
}

int sql_begin(sql_conn *c, int write) {
    if (c->pg) {
        return pg_begin(c->pg, write);
    }
    return sqlite3_exec(c->lite, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
}

int sql_commit(sql_conn *c) {
    c->savepoint_depth = 0;
    return c->pg ? pg_commit(c->pg) : sqlite3_exec(c->lite, "COMMIT", NULL, NULL, NULL);
}

void sql_rollback(sql_conn *c) {
    c->savepoint_depth = 0;
    if (c->pg) {
        pg_rollback(c->pg);
    } else if (!sqlite3_get_autocommit(c->lite)) {
        sqlite3_exec(c->lite, "ROLLBACK", NULL, NULL, NULL);
    }
}

int sql_in_transaction(sql_conn *c) {
    return c->pg ? pg_in_transaction(c->pg) : !sqlite3_get_autocommit(c->lite);
}

int sql_savepoint(sql_conn *c) {
    if (c->lite) {
        return sqlite3_exec(c->lite, "SAVEPOINT dorf_change", NULL, NULL, NULL);
    }
    if (c->savepoint_depth == SAVEPOINTS_MAX) {
        return SQLITE_MISUSE;
    }
    /* PostgreSQL has savepoints only inside a transaction block. */
    int began = !pg_in_transaction(c->pg);
    int rc = began ? pg_begin(c->pg, 1) : pg_exec(c->pg, "SAVEPOINT dorf_change");
    if (rc == SQL_OK) {
        c->savepoint_began[c->savepoint_depth++] = (unsigned char)began;
    }
    return rc;
}

int sql_release(sql_conn *c) {
    if (c->lite) {
        return sqlite3_exec(c->lite, "RELEASE dorf_change", NULL, NULL, NULL);
    }
    if (c->savepoint_depth == 0) {
        return SQLITE_MISUSE;
    }
    return c->savepoint_began[--c->savepoint_depth] ? pg_commit(c->pg)
                                                    : pg_exec(c->pg, "RELEASE dorf_change");
}

void sql_rollback_to(sql_conn *c) {
    if (c->lite) {
        sqlite3_exec(c->lite, "ROLLBACK TO dorf_change; RELEASE dorf_change", NULL, NULL, NULL);
        return;
    }
    if (c->savepoint_depth == 0) {
        return;
    }
    if (c->savepoint_began[--c->savepoint_depth]) {
        pg_rollback(c->pg);
    } else {
        pg_exec(c->pg, "ROLLBACK TO dorf_change; RELEASE dorf_change");
    }
}

int sql_prepare(sql_conn *c, const char *sql, sql_stmt **out) {
    *out = NULL;
    sql_stmt *st = dorf_calloc(1, sizeof *st);
    if (!st) {
        return SQLITE_NOMEM;
    }
    st->conn = c;
    int rc = c->pg ? pg_prepare(c->pg, sql, &st->pg)
                   : sqlite3_prepare_v2(c->lite, sql, -1, &st->lite, NULL);
    if (rc != SQL_OK) {
        dorf_free(st);
        return rc;
    }
    *out = st;
    return SQL_OK;
}

int sql_bind_int64(sql_stmt *st, int i, int64_t v) {
    return st->pg ? pg_bind(st->pg, i, PG_BIND_INT64, &v, sizeof v, 1)
                  : sqlite3_bind_int64(st->lite, i, v);
}

int sql_bind_int(sql_stmt *st, int i, int v) {
    return sql_bind_int64(st, i, v);
}

int sql_bind_double(sql_stmt *st, int i, double v) {
    return st->pg ? pg_bind(st->pg, i, PG_BIND_DOUBLE, &v, sizeof v, 1)
                  : sqlite3_bind_double(st->lite, i, v);
}

int sql_bind_text(sql_stmt *st, int i, const char *v, int n, void (*lifetime)(void *)) {
    if (!st->pg) {
        return sqlite3_bind_text(st->lite, i, v, n, lifetime);
    }
    if (!v) {
        return pg_bind(st->pg, i, PG_BIND_NULL, NULL, 0, 0);
    }
    return pg_bind(st->pg, i, PG_BIND_TEXT, v, n < 0 ? strlen(v) : (size_t)n,
                   lifetime != SQL_STATIC);
}

int sql_bind_blob(sql_stmt *st, int i, const void *v, int n, void (*lifetime)(void *)) {
    if (!st->pg) {
        return sqlite3_bind_blob(st->lite, i, v, n, lifetime);
    }
    if (!v) {
        return pg_bind(st->pg, i, PG_BIND_NULL, NULL, 0, 0);
    }
    return pg_bind(st->pg, i, PG_BIND_BLOB, v, (size_t)n, lifetime != SQL_STATIC);
}

int sql_bind_null(sql_stmt *st, int i) {
    return st->pg ? pg_bind(st->pg, i, PG_BIND_NULL, NULL, 0, 0) : sqlite3_bind_null(st->lite, i);
}

int sql_bind_parameter_index(sql_stmt *st, const char *name) {
    return st->pg ? pg_bind_parameter_index(st->pg, name)
                  : sqlite3_bind_parameter_index(st->lite, name);
}

int sql_bind_parameter_count(sql_stmt *st) {
    return st->pg ? pg_bind_parameter_count(st->pg) : sqlite3_bind_parameter_count(st->lite);
}

int sql_clear_bindings(sql_stmt *st) {
    return st->pg ? pg_clear_bindings(st->pg) : sqlite3_clear_bindings(st->lite);
}

int sql_step(sql_stmt *st) {
    return st->pg ? pg_step(st->pg) : sqlite3_step(st->lite);
}

int sql_column_count(sql_stmt *st) {
    return st->pg ? pg_column_count(st->pg) : sqlite3_column_count(st->lite);
}

int sql_column_type(sql_stmt *st, int col) {
    return st->pg ? pg_column_type(st->pg, col) : sqlite3_column_type(st->lite, col);
}

int64_t sql_column_int64(sql_stmt *st, int col) {
    if (!st->pg) {
        return sqlite3_column_int64(st->lite, col);
    }
    const char *v = pg_column_raw(st->pg, col);
    if (!v) {
        return 0;
    }
    if (v[0] == 't' && v[1] == '\0') { /* a boolean */
        return 1;
    }
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') {
        return (int64_t)strtod(v, NULL); /* a number with a fraction, as SQLite casts it */
    }
    return n;
}

int sql_column_int(sql_stmt *st, int col) {
    return st->pg ? (int)sql_column_int64(st, col) : sqlite3_column_int(st->lite, col);
}

double sql_column_double(sql_stmt *st, int col) {
    if (!st->pg) {
        return sqlite3_column_double(st->lite, col);
    }
    const char *v = pg_column_raw(st->pg, col);
    return v ? strtod(v, NULL) : 0.0;
}

const unsigned char *sql_column_text(sql_stmt *st, int col) {
    return st->pg ? (const unsigned char *)pg_column_raw(st->pg, col)
                  : sqlite3_column_text(st->lite, col);
}

const void *sql_column_blob(sql_stmt *st, int col) {
    if (!st->pg) {
        return sqlite3_column_blob(st->lite, col);
    }
    int bytes;
    return pg_column_blob(st->pg, col, &bytes);
}

int sql_column_bytes(sql_stmt *st, int col) {
    if (!st->pg) {
        return sqlite3_column_bytes(st->lite, col);
    }
    if (pg_column_type(st->pg, col) == SQL_BLOB) {
        int bytes = 0;
        pg_column_blob(st->pg, col, &bytes);
        return bytes;
    }
    const char *v = pg_column_raw(st->pg, col);
    return v ? (int)strlen(v) : 0;
}

int sql_reset(sql_stmt *st) {
    return st->pg ? pg_reset(st->pg) : sqlite3_reset(st->lite);
}

void sql_finalize(sql_stmt *st) {
    if (!st) {
        return;
    }
    if (st->pg) {
        pg_finalize(st->pg);
    } else {
        sqlite3_finalize(st->lite);
    }
    dorf_free(st);
}

sql_conn *sql_db_handle(sql_stmt *st) {
    return st->conn;
}

int sql_copy_begin(sql_conn *c, const char *copy_sql) {
    return c->pg ? pg_copy_begin(c->pg, copy_sql) : SQL_ERROR;
}

int sql_copy_put(sql_conn *c, const char *data, size_t len) {
    return c->pg ? pg_copy_put(c->pg, data, len) : SQL_ERROR;
}

int sql_copy_end(sql_conn *c, const char *abort_reason) {
    return c->pg ? pg_copy_end(c->pg, abort_reason) : SQL_ERROR;
}
