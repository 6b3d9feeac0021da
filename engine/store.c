/*
 * store.c: picks the store backend for a location and dispatches the public store calls.
 */
#include <string.h>

#include "store_internal.h"

int dorf_store_is_postgres(const char *location) {
    static const char *const prefixes[] = {"postgresql://", "postgres://", "host=", "hostaddr=",
                                           "dbname=",       "service=",    "port=", "user="};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strncmp(location, prefixes[i], strlen(prefixes[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

dorf_status dorf_store_open(dorf_ctx *ctx, const char *location, unsigned flags, dorf_store **out) {
    *out = NULL;
    if (!location || !*location) {
        return dorf_fail(ctx, DORF_EINVAL, "no database given; pass --db FILE");
    }
    if (dorf_store_is_postgres(location)) {
        return dorf_store_pg_open(ctx, location, flags, out);
    }
    return dorf_store_sqlite_open(ctx, location, flags, out);
}

void dorf_store_close(dorf_store *store) {
    if (store) {
        store->ops->close(store);
    }
}

int dorf_store_schema_version(void) {
    return DORF_SCHEMA_VERSION;
}

int dorf_store_version(const dorf_store *store) {
    return store->ops->version(store);
}

dorf_status dorf_store_replace_region(dorf_store *store, const dorf_region *region) {
    return store->ops->replace_region(store, region);
}

dorf_status dorf_store_load_region(dorf_store *store, dorf_region **out) {
    return store->ops->load_region(store, out);
}

dorf_status dorf_store_summarize(dorf_store *store, dorf_region_summary *out) {
    memset(out, 0, sizeof *out);
    return store->ops->summarize(store, out);
}

dorf_status dorf_store_stamp(dorf_store *store, dorf_region_stamp *out) {
    memset(out, 0, sizeof *out);
    return store->ops->stamp(store, out);
}

dorf_status dorf_store_each_issue(dorf_store *store, const char *kind,
                                  int (*fn)(void *user, const dorf_import_issue *issue),
                                  void *user) {
    return store->ops->each_issue(store, kind, fn, user);
}

dorf_status dorf_store_check(dorf_store *store) {
    return store->ops->check(store);
}
