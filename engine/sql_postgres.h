/*
 * sql_postgres.h: the PostgreSQL half of sql.h (sql_postgres.c), called by sql.c's dispatch.
 * Each function has the meaning of its sql_* namesake.
 */
#ifndef DORF_SQL_POSTGRES_H
#define DORF_SQL_POSTGRES_H

#include <stddef.h>
#include <stdint.h>

#include "sql.h"

typedef struct pg_conn pg_conn;
typedef struct pg_stmt pg_stmt;

pg_conn *pg_connect(const char *conninfo, char *err, size_t err_size);
void pg_close(pg_conn *c);
char *pg_describe(const pg_conn *c);
const char *pg_errmsg(pg_conn *c);
sql_error_kind pg_error_kind(pg_conn *c);
int64_t pg_changes(pg_conn *c);
int64_t pg_last_insert_rowid(pg_conn *c);
int pg_exec(pg_conn *c, const char *sql);
int pg_begin(pg_conn *c, int write);
int pg_commit(pg_conn *c);
void pg_rollback(pg_conn *c);
int pg_in_transaction(pg_conn *c);

int pg_prepare(pg_conn *c, const char *sql, pg_stmt **out);
int pg_bind(pg_stmt *st, int i, int kind, const void *v, size_t n, int copy);
int pg_bind_parameter_index(pg_stmt *st, const char *name);
int pg_bind_parameter_count(pg_stmt *st);
int pg_clear_bindings(pg_stmt *st);
int pg_step(pg_stmt *st);
int pg_column_count(pg_stmt *st);
int pg_column_type(pg_stmt *st, int col);
const char *pg_column_raw(pg_stmt *st, int col); /* text form, NULL for NULL */
const void *pg_column_blob(pg_stmt *st, int col, int *bytes);
int pg_reset(pg_stmt *st);
void pg_finalize(pg_stmt *st);
int pg_copy_begin(pg_conn *c, const char *sql);
int pg_copy_put(pg_conn *c, const char *data, size_t len);
int pg_copy_end(pg_conn *c, const char *abort_reason);

/*
 * libpq's multi-line messages made one line, in place: each run of white space with a line
 * break or tab in it becomes one space, or nothing at the end.
 */
void pg_one_line(char *text);

/* A notice processor that drops the server's notices (set on every connection dorf makes). */
void pg_quiet_notices(void *arg, const char *message);

/* Binding kinds for pg_bind. */
enum { PG_BIND_NULL, PG_BIND_INT64, PG_BIND_DOUBLE, PG_BIND_TEXT, PG_BIND_BLOB };

#endif
