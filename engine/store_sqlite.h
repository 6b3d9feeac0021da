/*
 * store_sqlite.h: the SpatiaLite store's handle and the small SQLite helpers its source files
 * share (store_sqlite.c: opening and migrations; store_sqlite_region.c: writing the region;
 * store_sqlite_read.c: reading and summarising it).
 */
#ifndef DORF_STORE_SQLITE_H
#define DORF_STORE_SQLITE_H

#include <sqlite3.h>

#include "store_internal.h"

struct sqlite_store {
    struct dorf_store base;
    sqlite3 *db;
    void *spatialite_cache;
    char *path;
    int version;
    int readonly;
};

/* Prepares `sql` on the store's connection; on failure records what and where in ctx. */
dorf_status sqlite_store_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **out);

/* Runs SQL without results (one or more statements, no parameters). */
dorf_status sqlite_store_exec(struct sqlite_store *s, const char *sql);

/*
 * The SQLite store behind `store`, or NULL (with a DORF_EINVAL message in its context) when
 * `store` is another backend: the platform's store functions (store_sqlite_accounts.c,
 * _shops.c, _products.c, _orders.c, _parcels.c, _posts.c) exist only for SQLite so far.
 */
struct sqlite_store *sqlite_store_of(dorf_store *store);

/* Records the connection's last error as a DORF_EIO failure, prefixed by `what`. */
dorf_status sqlite_store_fail(struct sqlite_store *s, const char *what);

/* The region half of the interface (store_sqlite_region.c and store_sqlite_read.c). */
dorf_status sqlite_store_replace_region(dorf_store *store, const dorf_region *region);
dorf_status sqlite_store_load_region(dorf_store *store, dorf_region **out);
dorf_status sqlite_store_summarize(dorf_store *store, dorf_region_summary *out);
dorf_status sqlite_store_stamp(dorf_store *store, dorf_region_stamp *out);
dorf_status sqlite_store_each_issue(dorf_store *store, const char *kind,
                                    int (*fn)(void *user, const dorf_import_issue *issue),
                                    void *user);

#endif
