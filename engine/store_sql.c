/*
 * store_sql.c: the helpers every store source file uses on the shared handle (store_sql.h).
 */
#include "store_sql.h"

dorf_status sql_store_fail(struct sql_store *s, const char *what) {
    dorf_status code = sql_error_kind_of(s->conn) == SQL_ERR_NOMEM ? DORF_ENOMEM : DORF_EIO;
    return dorf_fail(s->base.ctx, code, "%s: %s: %s", s->path, what, sql_errmsg(s->conn));
}

dorf_status sql_store_prepare(struct sql_store *s, const char *sql, sql_stmt **out) {
    int rc = sql_prepare(s->conn, sql, out);
    if (rc == SQLITE_NOMEM && !*out) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "%s: out of memory preparing a statement",
                         s->path);
    }
    if (rc != SQL_OK) {
        return sql_store_fail(s, "preparing a statement");
    }
    return DORF_OK;
}

dorf_status sql_store_exec(struct sql_store *s, const char *sql) {
    if (sql_exec(s->conn, sql) != SQL_OK) {
        return dorf_fail(s->base.ctx, DORF_EIO, "%s: %s", s->path, sql_errmsg(s->conn));
    }
    return DORF_OK;
}

dorf_status sql_store_begin(struct sql_store *s, int write) {
    if (sql_begin(s->conn, write) != SQL_OK) {
        return sql_store_fail(s, write ? "starting a write" : "starting a read");
    }
    return DORF_OK;
}

dorf_status sql_store_commit(struct sql_store *s) {
    if (sql_commit(s->conn) != SQL_OK) {
        return sql_store_fail(s, "committing");
    }
    return DORF_OK;
}

void sql_store_rollback(struct sql_store *s) {
    sql_rollback(s->conn);
}

/* Steps `sql` once; 1 with a row, 0 without, -1 after recording the failure as `what`. */
static int first_row(struct sql_store *s, const char *sql, const char *what, sql_stmt **stmt) {
    if (sql_store_prepare(s, sql, stmt) != DORF_OK) {
        return -1;
    }
    int rc = sql_step(*stmt);
    if (rc != SQL_ROW && rc != SQL_DONE) {
        sql_store_fail(s, what);
        return -1;
    }
    return rc == SQL_ROW;
}

dorf_status sql_store_query_int64(struct sql_store *s, const char *sql, const char *what,
                                  int64_t *out) {
    sql_stmt *stmt = NULL;
    int row = first_row(s, sql, what, &stmt);
    if (row >= 0) {
        *out = row ? sql_column_int64(stmt, 0) : -1;
    }
    sql_finalize(stmt);
    return row >= 0 ? DORF_OK : dorf_ctx_status(s->base.ctx);
}

dorf_status sql_store_query_double(struct sql_store *s, const char *sql, const char *what,
                                   double *out) {
    sql_stmt *stmt = NULL;
    int row = first_row(s, sql, what, &stmt);
    if (row >= 0) {
        *out = row ? sql_column_double(stmt, 0) : 0;
    }
    sql_finalize(stmt);
    return row >= 0 ? DORF_OK : dorf_ctx_status(s->base.ctx);
}

struct sql_store *sql_store_of(dorf_store *store) {
    if (!store) {
        return NULL;
    }
    return (struct sql_store *)store;
}
