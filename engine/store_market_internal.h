/*
 * store_market_internal.h: the helpers BestellBar's store files share (defined in
 * store_market.c; used by store_shops.c, store_products.c and store_orders.c, on SpatiaLite and
 * PostGIS alike): transactions, binding by parameter name, reading text into an arena, the audit
 * log, and where a list looks.
 */
#ifndef DORF_STORE_MARKET_INTERNAL_H
#define DORF_STORE_MARKET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/market.h"
#include "store_sql.h"

/* Metres per degree of latitude on the mean Earth sphere (R = 6371008.8 m). */
#define M_PER_DEG 111195.08

/* ---- transactions and statements ---- */

/*
 * A write transaction holding the database's single writer lock from its start when
 * `immediate` (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), else a read transaction
 * that sees one snapshot (sql_begin).
 */
dorf_status market_begin(struct sql_store *s, int immediate);

dorf_status market_commit(struct sql_store *s);

/* Rolls back the open transaction, if there is one; keeps the error already recorded. */
void market_rollback(struct sql_store *s);

/* Bind `v` to the named parameter (":name") when the statement has it; NULL text binds NULL. */
void market_bind_int(sql_stmt *stmt, const char *name, int64_t v);
void market_bind_double(sql_stmt *stmt, const char *name, double v);
void market_bind_text(sql_stmt *stmt, const char *name, const char *v);

/* Runs a statement that returns nothing; `what` names it in the error. */
dorf_status market_step_done(struct sql_store *s, sql_stmt *stmt, const char *what);

/* Writes an audit_log row (user_id <= 0: nobody); inside the caller's transaction. */
dorf_status market_audit(struct sql_store *s, int64_t now, int64_t user_id, const char *action,
                         const char *object, const char *detail);

/* DORF_OK when shop `shop_id` exists, DORF_ENOTFOUND (with a message) when not. */
dorf_status market_shop_exists(struct sql_store *s, int64_t shop_id);

/* ---- reading into the caller's arena ---- */

/* Copies text columns into the caller's arena; remembers running out of memory. */
struct reader {
    dorf_arena *arena;
    int oom;
};

/* Column `col` as text copied into r->arena; NULL for SQL NULL or (setting r->oom) no memory. */
const char *market_col_text(struct reader *r, sql_stmt *stmt, int col);

/* Makes room for `need` elements in an arena array, doubling; 0 on success. */
int market_arena_grow(dorf_arena *arena, void **items, size_t *cap, size_t need, size_t size);

/* ---- where a list looks ---- */

/* A dorf_geo_query turned into the values the list statements bind. */
struct geo {
    double min_lon, min_lat, max_lon, max_lat; /* always a box: the world when unrestricted */
    double lon0, lat0;                         /* reference point for distances */
    double kx, ky;                             /* metres per degree of lon and lat there */
    double max_d2;                             /* squared radius in m^2 */
    int has_ref;
    int by_distance;
    int64_t limit;
};

/* 1 when `v` is a finite longitude (-180..180) or latitude (-90..90). */
int market_valid_lon(double v);
int market_valid_lat(double v);

/* Checks `q` (NULL: anywhere, default limit) and fills `g`; DORF_EINVAL with a message. */
dorf_status market_geo_from_query(dorf_ctx *ctx, const dorf_geo_query *q, struct geo *g);

/* Binds :minlon .. :maxlat, :lon0, :lat0, :kx, :ky, :maxd2, :bydist and :limit. */
void market_bind_geo(sql_stmt *stmt, const struct geo *g);

/* The distance in m for a squared distance `d2`, or -1 when the query had no reference point. */
double market_geo_distance(const struct geo *g, double d2);

/*
 * The squared distance in m^2 of the columns `lon` and `lat` from the reference point, and the
 * filter of a list by box and radius: plain arithmetic, the same on both databases.
 */
#define D2_SQL                                                                                     \
    "((lon - :lon0) * :kx) * ((lon - :lon0) * :kx) + ((lat - :lat0) * :ky) * ((lat - :lat0) * "    \
    ":ky)"
#define GEO_WHERE_SQL                                                                              \
    " lon BETWEEN :minlon AND :maxlon AND lat BETWEEN :minlat AND :maxlat AND d2 <= :maxd2"

#endif
