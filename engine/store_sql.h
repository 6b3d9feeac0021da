/*
 * store_sql.h: the handle both stores share, and the small helpers their source files use.
 *
 * The SpatiaLite store (store_sqlite.c) and the PostGIS store (store_pg.c) differ in how they
 * open a database and migrate its schema; everything else (store_region.c, store_read.c,
 * store_features.c, and the platform's store_accounts.c, _shops.c, _products.c, _orders.c,
 * _parcels.c, _posts.c, _erase.c, _activity.c) is written once against sql.h, and picks SQL
 * by s->dialect only where the two databases spell a thing differently (spatial indexes,
 * geometry constructors, maintenance).
 */
#ifndef DORF_STORE_SQL_H
#define DORF_STORE_SQL_H

#include "sql.h"
#include "store_internal.h"

struct sql_store {
    struct dorf_store base;
    sql_conn *conn;
    sql_dialect dialect;
    sqlite3 *db;            /* the SQLite connection, NULL on PostgreSQL */
    void *spatialite_cache; /* SpatiaLite's per-connection state, SQLite only */
    char *path;             /* where the store is, for messages (never a password) */
    char *location;         /* PostgreSQL: the location as opened (may hold a password) */
    int version;
    int readonly;
};

/* Prepares `sql` on the store's connection; on failure records what and where in ctx. */
dorf_status sql_store_prepare(struct sql_store *s, const char *sql, sql_stmt **out);

/* Runs SQL without results (one or more statements, no parameters). */
dorf_status sql_store_exec(struct sql_store *s, const char *sql);

/*
 * Transactions (sql_begin): a write transaction holds the single writer lock from its start,
 * a read transaction sees one snapshot. Rollback keeps the error already recorded in ctx.
 */
dorf_status sql_store_begin(struct sql_store *s, int write);
dorf_status sql_store_commit(struct sql_store *s);
void sql_store_rollback(struct sql_store *s);

/*
 * The store behind `store` as the shared handle. Every store is one today; the check stays so
 * that a future backend that is not SQL gets a clear message instead of a crash.
 */
struct sql_store *sql_store_of(dorf_store *store);

/*
 * The first column of the first row of `sql` (no parameters): as an integer or a double, 0 for
 * NULL, and -1 (the integer) or 0 (the double) when there is no row. A failure is recorded as
 * `what` ("counting the parcels").
 */
dorf_status sql_store_query_int64(struct sql_store *s, const char *sql, const char *what,
                                  int64_t *out);
dorf_status sql_store_query_double(struct sql_store *s, const char *sql, const char *what,
                                   double *out);

/* Records the connection's last error as a DORF_EIO failure, prefixed by `what`. */
dorf_status sql_store_fail(struct sql_store *s, const char *what);

/* The region half of the interface (store_region.c and store_read.c), shared by both stores. */
dorf_status sql_store_replace_region(dorf_store *store, const dorf_region *region);
dorf_status sql_store_load_region(dorf_store *store, dorf_region **out);
dorf_status sql_store_summarize(dorf_store *store, dorf_region_summary *out);
dorf_status sql_store_stamp(dorf_store *store, dorf_region_stamp *out);
dorf_status sql_store_each_issue(dorf_store *store, const char *kind,
                                 int (*fn)(void *user, const dorf_import_issue *issue), void *user);

#endif
