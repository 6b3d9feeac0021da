/*
 * store_internal.h: the store interface as its implementations see it.
 *
 * A backend fills a dorf_store_ops table; store.c picks the backend from the location and
 * dispatches every public dorf_store_* call through it, so that layers above never know
 * which database they talk to.
 */
#ifndef DORF_STORE_INTERNAL_H
#define DORF_STORE_INTERNAL_H

#include "dorf/store.h"

struct dorf_store_ops {
    const char *name;
    void (*close)(dorf_store *store);
    int (*version)(const dorf_store *store);
    dorf_status (*replace_region)(dorf_store *store, const dorf_region *region);
    dorf_status (*load_region)(dorf_store *store, dorf_region **out);
    dorf_status (*summarize)(dorf_store *store, dorf_region_summary *out);
    dorf_status (*stamp)(dorf_store *store, dorf_region_stamp *out);
    dorf_status (*each_issue)(dorf_store *store, const char *kind,
                              int (*fn)(void *user, const dorf_import_issue *issue), void *user);
    dorf_status (*check)(dorf_store *store);
};

/* Every backend's handle starts with this header. */
struct dorf_store {
    const struct dorf_store_ops *ops;
    dorf_ctx *ctx;
};

/* The schema version of this build; each backend has exactly this many migrations. */
#define DORF_SCHEMA_VERSION 7

/* "dorf" in ASCII: marks SQLite files as dorf regions (PRAGMA application_id). */
#define DORF_SQLITE_APPLICATION_ID 0x646f7266

dorf_status dorf_store_sqlite_open(dorf_ctx *ctx, const char *path, unsigned flags,
                                   dorf_store **out);

/* Connects to PostgreSQL at `location` (URI or libpq keywords) and migrates its schema. */
dorf_status dorf_store_pg_open(dorf_ctx *ctx, const char *location, unsigned flags,
                               dorf_store **out);

/*
 * For tests: open a SpatiaLite store and migrate it only up to `version`, so that a test
 * can make a file "written by an older dorf" and check that opening it migrates it.
 */
dorf_status dorf_store_sqlite_open_at_version(dorf_ctx *ctx, const char *path, unsigned flags,
                                              int version, dorf_store **out);

#endif
