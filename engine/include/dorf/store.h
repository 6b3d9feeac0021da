/*
 * dorf/store.h: where a region and its platform data are kept.
 *
 * A store is one database: a SpatiaLite file by default, or a PostgreSQL/PostGIS database
 * named by a postgresql:// URI or libpq keywords. Both hold the same tables and behave the
 * same through this interface. All SQL lives behind it; nothing above the engine writes SQL.
 *
 * The schema is versioned: opening a store written by an older dorf migrates it in place,
 * one numbered migration per transaction; a store written by a newer dorf is refused.
 */
#ifndef DORF_STORE_H
#define DORF_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/region.h"

typedef struct dorf_store dorf_store;

enum dorf_store_flags {
    DORF_STORE_READONLY = 1u << 0, /* never write; fail if the schema needs migrating */
    DORF_STORE_CREATE = 1u << 1,   /* create the database if it does not exist */
};

/*
 * Opens the store at `location` (a file path, or a postgresql:// URI) and brings its schema
 * to this build's version. *out is closed with dorf_store_close(). Errors: DORF_ENOTFOUND
 * (no such database and no DORF_STORE_CREATE), DORF_EIO (cannot open or write),
 * DORF_EVERSION (written by a newer dorf, or not a dorf database), DORF_EINVAL (unknown scheme).
 */
dorf_status dorf_store_open(dorf_ctx *ctx, const char *location, unsigned flags, dorf_store **out);

/*
 * 1 when `location` names a PostgreSQL database rather than a file: a postgresql:// or
 * postgres:// URI (postgresql:// alone takes everything from the PG* environment variables),
 * or a libpq keyword string starting with host=, hostaddr=, dbname=, service=, port= or user=.
 */
int dorf_store_is_postgres(const char *location);

/*
 * `location` as it may be shown or logged: a postgresql:// URI without the password of its
 * user part or a password= parameter, a libpq keyword string without its password= item, a
 * file path as it is. Written into out (size bytes, cut when longer, always terminated);
 * returns out. (store_location.c)
 */
const char *dorf_store_redact_location(const char *location, char *out, size_t size);

/*
 * Where a file derived from the store at `location` (such as a routing cache) is kept, for
 * `suffix` such as "car.graph": `<location>.<suffix>` beside a SpatiaLite file; for PostgreSQL
 * `pg-<hash>.<suffix>` in the cache folder ($DORF_CACHE_DIR, else $XDG_CACHE_HOME/dorf, else
 * $HOME/.cache/dorf, else /tmp/dorf-cache-<uid>; made when missing), the hash taken over the
 * location without its password. Writes the path into out (size bytes). DORF_EINVAL when it
 * does not fit, DORF_EIO when no cache folder can be made.
 */
dorf_status dorf_store_derived_path(dorf_ctx *ctx, const char *location, const char *suffix,
                                    char *out, size_t size);

/* Closes the store. Accepts NULL. */
void dorf_store_close(dorf_store *store);

/* The schema version this build writes. */
int dorf_store_schema_version(void);

/* The schema version the open store is at (equal to dorf_store_schema_version() once open). */
int dorf_store_version(const dorf_store *store);

/*
 * Replaces the stored region with `region`, atomically: after a failure or an interrupt
 * (the context's interrupt flag, polled while writing) the previous region is untouched.
 * Platform data (orders, posts ...) is kept. Reports progress as "writing region".
 */
dorf_status dorf_store_replace_region(dorf_store *store, const dorf_region *region);

/*
 * Loads the stored region into a new dorf_region (*out, freed with dorf_region_free).
 * DORF_ENOTFOUND when nothing has been imported yet.
 */
dorf_status dorf_store_load_region(dorf_store *store, dorf_region **out);

/* What a store holds, as `dorf info` shows it. */
typedef struct dorf_region_summary {
    int schema_version;
    int has_region;
    char source[512];
    char imported_at[32];
    int crs_epsg;
    double min_lon_deg, min_lat_deg, max_lon_deg, max_lat_deg;
    uint64_t road_ways; /* distinct OSM ways in the road graph */
    uint64_t road_nodes;
    uint64_t road_edges;             /* segments */
    double road_km[DORF_MODE_COUNT]; /* length of segments each mode may use (either way) */
    uint64_t turn_restrictions;
    uint64_t buildings;
    uint64_t residential_buildings;
    uint64_t households;
    double persons;
    uint64_t addresses;
    uint64_t places;
    uint64_t places_by_category[DORF_CAT_COUNT];
    uint64_t shops;         /* places tagged shop=* (whatever their category) */
    uint64_t opening_hours; /* places with an opening_hours value */
    uint64_t opening_hours_unparsed;
    uint64_t map_features[DORF_MAP_LAYER_COUNT]; /* base-map features per layer */
    uint64_t settlements;
    uint64_t import_issues;
} dorf_region_summary;

/* Fills *out with counts and facts about the store's region (has_region = 0 if none). */
dorf_status dorf_store_summarize(dorf_store *store, dorf_region_summary *out);

/* What identifies a stored region's road network, cheaply (for the routing caches). */
typedef struct dorf_region_stamp {
    char imported_at[32];
    uint64_t road_nodes;
    uint64_t road_edges;
    uint64_t turn_restrictions;
} dorf_region_stamp;

/*
 * Fills *out from facts written with the region (a few rows, whatever the region's size).
 * DORF_ENOTFOUND when nothing has been imported yet.
 */
dorf_status dorf_store_stamp(dorf_store *store, dorf_region_stamp *out);

/*
 * Calls `fn` for each recorded import issue of `kind` (NULL: every kind), in import order,
 * until it returns non-zero.
 */
dorf_status dorf_store_each_issue(dorf_store *store, const char *kind,
                                  int (*fn)(void *user, const dorf_import_issue *issue),
                                  void *user);

/*
 * Checks the database's own consistency (page structure, indexes, foreign keys).
 * DORF_EIO with the first problem found in the context's message.
 */
dorf_status dorf_store_check(dorf_store *store);

#endif
