/*
 * store_sqlite_market.c: BestellBar's shops, products and orders in the SpatiaLite store
 * (dorf/market.h), on the platform tables of migration 3 and the region's `place` table.
 *
 * Every write is one transaction. Those that check and then write (claiming a shop, placing
 * an order, moving an order) begin it with BEGIN IMMEDIATE, which takes the database's write
 * lock first, so no other connection can change what was checked before the write commits.
 * Stock is taken with `UPDATE ... SET stock = stock - q WHERE id = ? AND stock >= q`: a
 * product short of stock changes no row, the order is rolled back as a whole, and stock can
 * never go negative (the table's CHECK would refuse it anyway). Reads of a record with its
 * parts (an order and its items, a list) run in one deferred transaction, which in WAL mode
 * is one consistent snapshot that does not block writers.
 *
 * Lists filter by position in SQL: places through their SpatiaLite R*Tree (idx_place_geom),
 * platform rows by their lon/lat columns, then exactly by box or by the squared distance on
 * the local tangent plane, which also sorts them. All values are bound parameters.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/market.h"
#include "store_sqlite.h"

/* Metres per degree of latitude on the mean Earth sphere (R = 6371008.8 m). */
#define M_PER_DEG 111195.08

/* ---- small helpers ---------------------------------------------------------------------- */

static dorf_status begin(struct sqlite_store *s, int immediate) {
    return sqlite_store_exec(s, immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

static dorf_status commit(struct sqlite_store *s) {
    return sqlite_store_exec(s, "COMMIT");
}

static void rollback(struct sqlite_store *s) {
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static void bind_name_int(sqlite3_stmt *stmt, const char *name, int64_t v) {
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i > 0) {
        sqlite3_bind_int64(stmt, i, v);
    }
}

static void bind_name_double(sqlite3_stmt *stmt, const char *name, double v) {
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i > 0) {
        sqlite3_bind_double(stmt, i, v);
    }
}

static void bind_name_text(sqlite3_stmt *stmt, const char *name, const char *v) {
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i > 0) {
        if (v) {
            sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(stmt, i);
        }
    }
}

/* Copies text columns into the caller's arena; remembers running out of memory. */
struct reader {
    dorf_arena *arena;
    int oom;
};

static const char *col_text(struct reader *r, sqlite3_stmt *stmt, int col) {
    const unsigned char *t = sqlite3_column_text(stmt, col);
    if (!t) {
        return NULL;
    }
    char *copy =
        dorf_arena_strndup(r->arena, (const char *)t, (size_t)sqlite3_column_bytes(stmt, col));
    if (!copy) {
        r->oom = 1;
    }
    return copy;
}

/* Makes room for `need` elements in an arena array, doubling; 0 on success. */
static int arena_grow(dorf_arena *arena, void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) {
        return 0;
    }
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) {
        n *= 2;
    }
    void *bigger = dorf_arena_alloc(arena, n * size);
    if (!bigger) {
        return -1;
    }
    if (*items) {
        memcpy(bigger, *items, *cap * size);
    }
    *items = bigger;
    *cap = n;
    return 0;
}

static dorf_status audit(struct sqlite_store *s, int64_t now, int64_t user_id, const char *action,
                         const char *object, const char *detail) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(s,
                                          "INSERT INTO audit_log (at, user_id, action, object,"
                                          " detail) VALUES (?, ?, ?, ?, ?)",
                                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, now);
    if (user_id > 0) {
        sqlite3_bind_int64(stmt, 2, user_id);
    } else {
        sqlite3_bind_null(stmt, 2);
    }
    sqlite3_bind_text(stmt, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, object, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, detail, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        st = sqlite_store_fail(s, "writing the audit log");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Runs a statement that returns nothing; `what` names it in the error. */
static dorf_status step_done(struct sqlite_store *s, sqlite3_stmt *stmt, const char *what) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        return sqlite_store_fail(s, what);
    }
    return DORF_OK;
}

/* ---- where a list looks ------------------------------------------------------------------ */

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

static int valid_lon(double v) {
    return isfinite(v) && v >= -180 && v <= 180;
}

static int valid_lat(double v) {
    return isfinite(v) && v >= -90 && v <= 90;
}

static dorf_status geo_from_query(dorf_ctx *ctx, const dorf_geo_query *q, struct geo *g) {
    memset(g, 0, sizeof *g);
    g->min_lon = -180;
    g->min_lat = -90;
    g->max_lon = 180;
    g->max_lat = 90;
    g->max_d2 = HUGE_VAL;
    g->ky = M_PER_DEG;
    g->kx = M_PER_DEG;
    g->limit = DORF_MARKET_DEFAULT_LIST;
    if (!q) {
        return DORF_OK;
    }
    if (q->limit > DORF_MARKET_MAX_LIST) {
        return dorf_fail(ctx, DORF_EINVAL, "a list holds at most %d rows", DORF_MARKET_MAX_LIST);
    }
    if (q->limit) {
        g->limit = (int64_t)q->limit;
    }
    switch (q->kind) {
    case DORF_GEO_ANY:
        if (q->by_distance) {
            return dorf_fail(ctx, DORF_EINVAL, "sorting by distance needs a point or a box");
        }
        return DORF_OK;
    case DORF_GEO_BBOX:
        if (!valid_lon(q->min_lon_deg) || !valid_lon(q->max_lon_deg) ||
            !valid_lat(q->min_lat_deg) || !valid_lat(q->max_lat_deg) ||
            q->min_lon_deg >= q->max_lon_deg || q->min_lat_deg >= q->max_lat_deg) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "a box needs min < max within lon -180..180 and lat -90..90");
        }
        g->min_lon = q->min_lon_deg;
        g->min_lat = q->min_lat_deg;
        g->max_lon = q->max_lon_deg;
        g->max_lat = q->max_lat_deg;
        g->lon0 = (q->min_lon_deg + q->max_lon_deg) / 2;
        g->lat0 = (q->min_lat_deg + q->max_lat_deg) / 2;
        break;
    case DORF_GEO_NEAR:
        if (!valid_lon(q->lon_deg) || !valid_lat(q->lat_deg) || !isfinite(q->radius_m) ||
            q->radius_m <= 0 || q->radius_m > 1e6) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "a point needs lon -180..180, lat -90..90 and a radius of 0..1000 km");
        }
        g->lon0 = q->lon_deg;
        g->lat0 = q->lat_deg;
        g->max_d2 = q->radius_m * q->radius_m;
        break;
    default:
        return dorf_fail(ctx, DORF_EINVAL, "unknown kind of area");
    }
    g->has_ref = 1;
    g->by_distance = q->by_distance != 0;
    g->kx = cos(g->lat0 * M_PI / 180) * M_PER_DEG;
    if (q->kind == DORF_GEO_NEAR) {
        /* The circle's bounding box, for the index; near the poles it is every longitude. */
        const double dlat = q->radius_m / g->ky;
        const double dlon = g->kx > 1 ? q->radius_m / g->kx : 360;
        g->min_lat = fmax(-90, g->lat0 - dlat);
        g->max_lat = fmin(90, g->lat0 + dlat);
        g->min_lon = fmax(-180, g->lon0 - dlon);
        g->max_lon = fmin(180, g->lon0 + dlon);
    }
    return DORF_OK;
}

static void bind_geo(sqlite3_stmt *stmt, const struct geo *g) {
    bind_name_double(stmt, ":minlon", g->min_lon);
    bind_name_double(stmt, ":minlat", g->min_lat);
    bind_name_double(stmt, ":maxlon", g->max_lon);
    bind_name_double(stmt, ":maxlat", g->max_lat);
    bind_name_double(stmt, ":lon0", g->lon0);
    bind_name_double(stmt, ":lat0", g->lat0);
    bind_name_double(stmt, ":kx", g->kx);
    bind_name_double(stmt, ":ky", g->ky);
    /* SQLite has no infinity literal for binding; a huge finite value does. */
    bind_name_double(stmt, ":maxd2", isfinite(g->max_d2) ? g->max_d2 : 1e300);
    bind_name_int(stmt, ":bydist", g->by_distance);
    bind_name_int(stmt, ":limit", g->limit);
}

static double geo_distance(const struct geo *g, double d2) {
    return g->has_ref ? sqrt(d2) : -1;
}

/* The squared distance in m^2 of the columns `lon` and `lat` from the reference point. */
#define D2_SQL                                                                                     \
    "((lon - :lon0) * :kx) * ((lon - :lon0) * :kx) + ((lat - :lat0) * :ky) * ((lat - :lat0) * "    \
    ":ky)"
#define GEO_WHERE_SQL                                                                              \
    " lon BETWEEN :minlon AND :maxlon AND lat BETWEEN :minlat AND :maxlat AND d2 <= :maxd2"

/* ---- places ------------------------------------------------------------------------------ */

static const char list_places_sql[] =
    "SELECT osm_type, osm_id, category, osm_key, osm_value, name, opening_hours, oh_ok, lon, lat,"
    "       shop_id, d2 FROM ("
    "  SELECT *, " D2_SQL " AS d2 FROM ("
    "    SELECT p.id AS pid, p.osm_type, p.osm_id, p.category, p.osm_key, p.osm_value, p.name,"
    "           p.opening_hours, p.opening_hours_error IS NULL AS oh_ok, X(p.geom) AS lon,"
    "           Y(p.geom) AS lat,"
    "           (SELECT s.id FROM shop AS s WHERE s.osm_type = p.osm_type"
    "              AND s.osm_id = p.osm_id) AS shop_id"
    "    FROM place AS p"
    "    WHERE p.id IN (SELECT pkid FROM idx_place_geom WHERE xmax >= :minlon"
    "                   AND xmin <= :maxlon AND ymax >= :minlat AND ymin <= :maxlat)"
    "      AND (:category IS NULL OR p.category = :category)))"
    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist THEN d2 END, pid LIMIT :limit";

dorf_status dorf_store_list_places(dorf_store *store, dorf_arena *arena, const char *category,
                                   const dorf_geo_query *q, dorf_place_summary **out,
                                   size_t *count) {
    *out = NULL;
    *count = 0;
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_category cat;
    if (category && dorf_category_from_name(category, &cat) != DORF_OK) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown category '%s'", category);
    }
    struct geo g;
    dorf_status st = geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    if ((st = sqlite_store_prepare(s, list_places_sql, &stmt)) != DORF_OK) {
        return st;
    }
    bind_geo(stmt, &g);
    bind_name_text(stmt, ":category", category);
    struct reader r = {arena, 0};
    dorf_place_summary *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        dorf_place_summary *p = &items[n++];
        const unsigned char *type = sqlite3_column_text(stmt, 0);
        p->osm_type = type ? (char)type[0] : '?';
        p->osm_id = sqlite3_column_int64(stmt, 1);
        p->category = col_text(&r, stmt, 2);
        p->osm_key = col_text(&r, stmt, 3);
        p->osm_value = col_text(&r, stmt, 4);
        p->name = col_text(&r, stmt, 5);
        p->opening_hours = col_text(&r, stmt, 6);
        p->opening_hours_valid = p->opening_hours && sqlite3_column_int(stmt, 7);
        p->lon_deg = sqlite3_column_double(stmt, 8);
        p->lat_deg = sqlite3_column_double(stmt, 9);
        p->shop_id = sqlite3_column_int64(stmt, 10);
        p->distance_m = geo_distance(&g, sqlite3_column_double(stmt, 11));
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing places");
    } else if (rc != SQLITE_DONE) {
        st = sqlite_store_fail(s, "listing places");
    } else {
        *out = items;
        *count = n;
    }
    sqlite3_finalize(stmt);
    return st;
}

/* ---- shops ------------------------------------------------------------------------------- */

#define SHOP_SELECT_SQL                                                                            \
    "SELECT id, osm_type, osm_id, owner_id, name, category, opening_hours, lon, lat, created_at,"  \
    "       d2 FROM ("                                                                             \
    "  SELECT s.id, s.osm_type, s.osm_id, s.owner_id, s.name, p.category, p.opening_hours,"        \
    "         s.lon, s.lat, s.created_at, " D2_SQL " AS d2"                                        \
    "  FROM shop AS s LEFT JOIN place AS p ON p.id = (SELECT id FROM place"                        \
    "    WHERE osm_type = s.osm_type AND osm_id = s.osm_id ORDER BY id LIMIT 1)"

static const char get_shop_sql[] = SHOP_SELECT_SQL " WHERE s.id = :id)";

static const char list_shops_sql[] =
    SHOP_SELECT_SQL " WHERE (:owner = 0 OR s.owner_id = :owner))"
                    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist THEN d2 END, id"
                    " LIMIT :limit";

static void read_shop(struct reader *r, sqlite3_stmt *stmt, const struct geo *g, dorf_shop *out) {
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(stmt, 0);
    const unsigned char *type = sqlite3_column_text(stmt, 1);
    out->osm_type = type ? (char)type[0] : '?';
    out->osm_id = sqlite3_column_int64(stmt, 2);
    out->owner_id = sqlite3_column_int64(stmt, 3);
    out->name = col_text(r, stmt, 4);
    out->category = col_text(r, stmt, 5);
    out->opening_hours = col_text(r, stmt, 6);
    out->lon_deg = sqlite3_column_double(stmt, 7);
    out->lat_deg = sqlite3_column_double(stmt, 8);
    out->created_at = sqlite3_column_int64(stmt, 9);
    out->distance_m = g ? geo_distance(g, sqlite3_column_double(stmt, 10)) : -1;
}

dorf_status dorf_store_shop_claim(dorf_store *store, int64_t owner_id, char osm_type,
                                  int64_t osm_id, int64_t now, int64_t *id) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (osm_type != 'n' && osm_type != 'w' && osm_type != 'r') {
        return dorf_fail(store->ctx, DORF_EINVAL, "an OSM type is 'n', 'w' or 'r'");
    }
    const char type_text[2] = {osm_type, '\0'};
    sqlite3_stmt *stmt = NULL;
    dorf_status st = begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    /* The place, and whether it is claimed already, in one look. */
    if ((st = sqlite_store_prepare(s,
                                   "SELECT p.category, p.shop, coalesce(p.name, p.osm_value),"
                                   " X(p.geom), Y(p.geom), (SELECT s.id FROM shop AS s WHERE"
                                   " s.osm_type = p.osm_type AND s.osm_id = p.osm_id),"
                                   " (SELECT count(*) FROM app_user WHERE id = ?3)"
                                   " FROM place AS p WHERE p.osm_type = ?1 AND p.osm_id = ?2"
                                   " ORDER BY p.id LIMIT 1",
                                   &stmt)) != DORF_OK) {
        goto fail;
    }
    sqlite3_bind_text(stmt, 1, type_text, 1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, osm_id);
    sqlite3_bind_int64(stmt, 3, owner_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "the region has no place %c%lld", osm_type,
                       (long long)osm_id);
        goto fail;
    }
    if (rc != SQLITE_ROW) {
        st = sqlite_store_fail(s, "looking up a place");
        goto fail;
    }
    const char *category = (const char *)sqlite3_column_text(stmt, 0);
    const char *shop_tag = (const char *)sqlite3_column_text(stmt, 1);
    if (!dorf_market_place_is_shop(category, shop_tag)) {
        st = dorf_fail(store->ctx, DORF_EINVAL, "place %c%lld is a %s, not a shop", osm_type,
                       (long long)osm_id, category ? category : "place");
        goto fail;
    }
    if (sqlite3_column_type(stmt, 5) != SQLITE_NULL) {
        st = dorf_fail(store->ctx, DORF_ECONFLICT, "place %c%lld is claimed already (shop %lld)",
                       osm_type, (long long)osm_id, (long long)sqlite3_column_int64(stmt, 5));
        goto fail;
    }
    if (sqlite3_column_int(stmt, 6) != 1) {
        st = dorf_fail(store->ctx, DORF_EINVAL, "no user %lld", (long long)owner_id);
        goto fail;
    }
    sqlite3_stmt *ins = NULL;
    if ((st = sqlite_store_prepare(s,
                                   "INSERT INTO shop (osm_type, osm_id, owner_id, name, lon, lat,"
                                   " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   &ins)) != DORF_OK) {
        goto fail;
    }
    sqlite3_bind_text(ins, 1, type_text, 1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, osm_id);
    sqlite3_bind_int64(ins, 3, owner_id);
    sqlite3_bind_value(ins, 4, sqlite3_column_value(stmt, 2));
    sqlite3_bind_double(ins, 5, sqlite3_column_double(stmt, 3));
    sqlite3_bind_double(ins, 6, sqlite3_column_double(stmt, 4));
    sqlite3_bind_int64(ins, 7, now);
    st = step_done(s, ins, "claiming a shop");
    sqlite3_finalize(ins);
    if (st != DORF_OK) {
        goto fail;
    }
    const int64_t shop_id = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(stmt);
    stmt = NULL;
    char object[32];
    char detail[32];
    snprintf(object, sizeof object, "shop/%lld", (long long)shop_id);
    snprintf(detail, sizeof detail, "place %c%lld", osm_type, (long long)osm_id);
    if ((st = audit(s, now, owner_id, "shop.claim", object, detail)) != DORF_OK ||
        (st = commit(s)) != DORF_OK) {
        goto fail;
    }
    *id = shop_id;
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    rollback(s);
    return st;
}

dorf_status dorf_store_shop_get(dorf_store *store, dorf_arena *arena, int64_t id, dorf_shop *out) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(s, get_shop_sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    struct geo g;
    geo_from_query(store->ctx, NULL, &g);
    bind_geo(stmt, &g);
    bind_name_int(stmt, ":id", id);
    struct reader r = {arena, 0};
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        read_shop(&r, stmt, NULL, out);
        if (r.oom) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a shop");
        }
    } else if (rc == SQLITE_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no shop %lld", (long long)id);
    } else {
        st = sqlite_store_fail(s, "reading a shop");
    }
    sqlite3_finalize(stmt);
    return st;
}

dorf_status dorf_store_list_shops(dorf_store *store, dorf_arena *arena, int64_t owner_id,
                                  const dorf_geo_query *q, dorf_shop **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct geo g;
    dorf_status st = geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    if ((st = sqlite_store_prepare(s, list_shops_sql, &stmt)) != DORF_OK) {
        return st;
    }
    bind_geo(stmt, &g);
    bind_name_int(stmt, ":owner", owner_id);
    struct reader r = {arena, 0};
    dorf_shop *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_shop(&r, stmt, &g, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing shops");
    } else if (rc != SQLITE_DONE) {
        st = sqlite_store_fail(s, "listing shops");
    } else {
        *out = items;
        *count = n;
    }
    sqlite3_finalize(stmt);
    return st;
}

/* ---- products ---------------------------------------------------------------------------- */

static dorf_status check_text(dorf_ctx *ctx, const char *what, const char *v, size_t max) {
    if (!v || !*v || strlen(v) > max) {
        return dorf_fail(ctx, DORF_EINVAL, "a product's %s has 1 to %zu bytes", what, max);
    }
    return DORF_OK;
}

static dorf_status check_range(dorf_ctx *ctx, const char *what, int64_t v, int64_t max) {
    if (v < 0 || v > max) {
        return dorf_fail(ctx, DORF_EINVAL, "a product's %s is 0 to %lld", what, (long long)max);
    }
    return DORF_OK;
}

/* 1 when `user_id` owns shop `shop_id`, 0 when not (or no such shop); -1 on error. */
static int owns_shop(struct sqlite_store *s, int64_t user_id, int64_t shop_id) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite_store_prepare(s, "SELECT owner_id FROM shop WHERE id = ?", &stmt) != DORF_OK) {
        return -1;
    }
    sqlite3_bind_int64(stmt, 1, shop_id);
    int rc = sqlite3_step(stmt);
    int result = -1;
    if (rc == SQLITE_ROW) {
        result = sqlite3_column_int64(stmt, 0) == user_id && user_id > 0;
    } else if (rc == SQLITE_DONE) {
        result = 0;
    } else {
        sqlite_store_fail(s, "looking up a shop");
    }
    sqlite3_finalize(stmt);
    return result;
}

/* DORF_OK when shop `shop_id` exists, DORF_ENOTFOUND (with a message) when not. */
static dorf_status shop_exists(struct sqlite_store *s, int64_t shop_id) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(s, "SELECT 1 FROM shop WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, shop_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        st = dorf_fail(s->base.ctx, DORF_ENOTFOUND, "no shop %lld", (long long)shop_id);
    } else if (rc != SQLITE_ROW) {
        st = sqlite_store_fail(s, "looking up a shop");
    }
    sqlite3_finalize(stmt);
    return st;
}

dorf_status dorf_store_product_add(dorf_store *store, int64_t user_id, int64_t shop_id,
                                   const dorf_product *p, int64_t now, int64_t *id) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st;
    if ((st = check_text(store->ctx, "name", p->name, DORF_MARKET_MAX_NAME)) != DORF_OK ||
        (st = check_text(store->ctx, "unit", p->unit, DORF_MARKET_MAX_UNIT)) != DORF_OK ||
        (st = check_range(store->ctx, "price", p->price_cents, DORF_MARKET_MAX_PRICE_CENTS)) !=
            DORF_OK ||
        (st = check_range(store->ctx, "stock", p->stock, DORF_MARKET_MAX_STOCK)) != DORF_OK) {
        return st;
    }
    if ((st = begin(s, 1)) != DORF_OK) {
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    int owner = owns_shop(s, user_id, shop_id);
    if (owner < 0) {
        st = DORF_EIO;
        goto fail;
    }
    if (!owner) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no shop %lld", (long long)shop_id);
        goto fail;
    }
    if ((st = sqlite_store_prepare(s,
                                   "INSERT INTO product (shop_id, name, price_cents, unit, stock,"
                                   " active) VALUES (?, ?, ?, ?, ?, ?)",
                                   &stmt)) != DORF_OK) {
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, shop_id);
    sqlite3_bind_text(stmt, 2, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, p->price_cents);
    sqlite3_bind_text(stmt, 4, p->unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, p->stock);
    sqlite3_bind_int(stmt, 6, p->active ? 1 : 0);
    if ((st = step_done(s, stmt, "adding a product")) != DORF_OK) {
        goto fail;
    }
    const int64_t product_id = sqlite3_last_insert_rowid(s->db);
    char object[32];
    snprintf(object, sizeof object, "product/%lld", (long long)product_id);
    if ((st = audit(s, now, user_id, "product.add", object, NULL)) != DORF_OK ||
        (st = commit(s)) != DORF_OK) {
        goto fail;
    }
    sqlite3_finalize(stmt);
    *id = product_id;
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    rollback(s);
    return st;
}

dorf_status dorf_store_product_update(dorf_store *store, int64_t user_id, int64_t product_id,
                                      const dorf_product_change *c, int64_t now) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = DORF_OK;
    if (!(c->fields & (DORF_PRODUCT_NAME | DORF_PRODUCT_UNIT | DORF_PRODUCT_PRICE |
                       DORF_PRODUCT_STOCK | DORF_PRODUCT_ACTIVE))) {
        return dorf_fail(store->ctx, DORF_EINVAL, "nothing to change");
    }
    if (((c->fields & DORF_PRODUCT_NAME) &&
         (st = check_text(store->ctx, "name", c->name, DORF_MARKET_MAX_NAME)) != DORF_OK) ||
        ((c->fields & DORF_PRODUCT_UNIT) &&
         (st = check_text(store->ctx, "unit", c->unit, DORF_MARKET_MAX_UNIT)) != DORF_OK) ||
        ((c->fields & DORF_PRODUCT_PRICE) &&
         (st = check_range(store->ctx, "price", c->price_cents, DORF_MARKET_MAX_PRICE_CENTS)) !=
             DORF_OK) ||
        ((c->fields & DORF_PRODUCT_STOCK) &&
         (st = check_range(store->ctx, "stock", c->stock, DORF_MARKET_MAX_STOCK)) != DORF_OK)) {
        return st;
    }
    if ((st = begin(s, 1)) != DORF_OK) {
        return st;
    }
    sqlite3_stmt *stmt = NULL;
    if ((st = sqlite_store_prepare(
             s,
             "UPDATE product SET"
             " name = CASE WHEN :set_name THEN :name ELSE name END,"
             " unit = CASE WHEN :set_unit THEN :unit ELSE unit END,"
             " price_cents = CASE WHEN :set_price THEN :price ELSE price_cents END,"
             " stock = CASE WHEN :set_stock THEN :stock ELSE stock END,"
             " active = CASE WHEN :set_active THEN :active ELSE active END"
             " WHERE id = :id AND shop_id IN (SELECT id FROM shop WHERE owner_id = :user)",
             &stmt)) != DORF_OK) {
        goto fail;
    }
    bind_name_int(stmt, ":set_name", (c->fields & DORF_PRODUCT_NAME) != 0);
    bind_name_text(stmt, ":name", (c->fields & DORF_PRODUCT_NAME) ? c->name : NULL);
    bind_name_int(stmt, ":set_unit", (c->fields & DORF_PRODUCT_UNIT) != 0);
    bind_name_text(stmt, ":unit", (c->fields & DORF_PRODUCT_UNIT) ? c->unit : NULL);
    bind_name_int(stmt, ":set_price", (c->fields & DORF_PRODUCT_PRICE) != 0);
    bind_name_int(stmt, ":price", c->price_cents);
    bind_name_int(stmt, ":set_stock", (c->fields & DORF_PRODUCT_STOCK) != 0);
    bind_name_int(stmt, ":stock", c->stock);
    bind_name_int(stmt, ":set_active", (c->fields & DORF_PRODUCT_ACTIVE) != 0);
    bind_name_int(stmt, ":active", c->active ? 1 : 0);
    bind_name_int(stmt, ":id", product_id);
    bind_name_int(stmt, ":user", user_id);
    if ((st = step_done(s, stmt, "changing a product")) != DORF_OK) {
        goto fail;
    }
    if (sqlite3_changes(s->db) != 1) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no product %lld", (long long)product_id);
        goto fail;
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "product/%lld", (long long)product_id);
    snprintf(detail, sizeof detail, "fields %#x", c->fields);
    if ((st = audit(s, now, user_id, "product.update", object, detail)) != DORF_OK ||
        (st = commit(s)) != DORF_OK) {
        goto fail;
    }
    sqlite3_finalize(stmt);
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    rollback(s);
    return st;
}

#define PRODUCT_COLUMNS "id, shop_id, name, unit, price_cents, stock, active"

static void read_product(struct reader *r, sqlite3_stmt *stmt, dorf_product *out) {
    out->id = sqlite3_column_int64(stmt, 0);
    out->shop_id = sqlite3_column_int64(stmt, 1);
    out->name = col_text(r, stmt, 2);
    out->unit = col_text(r, stmt, 3);
    out->price_cents = sqlite3_column_int64(stmt, 4);
    out->stock = sqlite3_column_int64(stmt, 5);
    out->active = sqlite3_column_int(stmt, 6);
}

dorf_status dorf_store_product_get(dorf_store *store, dorf_arena *arena, int64_t id,
                                   dorf_product *out) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sqlite3_stmt *stmt = NULL;
    dorf_status st =
        sqlite_store_prepare(s, "SELECT " PRODUCT_COLUMNS " FROM product WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, id);
    struct reader r = {arena, 0};
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        read_product(&r, stmt, out);
        if (r.oom) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a product");
        }
    } else if (rc == SQLITE_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no product %lld", (long long)id);
    } else {
        st = sqlite_store_fail(s, "reading a product");
    }
    sqlite3_finalize(stmt);
    return st;
}

dorf_status dorf_store_list_products(dorf_store *store, dorf_arena *arena, int64_t shop_id, int all,
                                     dorf_product **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sqlite3_stmt *stmt = NULL;
    dorf_status st = begin(s, 0);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = shop_exists(s, shop_id)) != DORF_OK ||
        (st = sqlite_store_prepare(s,
                                   "SELECT " PRODUCT_COLUMNS " FROM product WHERE shop_id = ?"
                                   " AND (? OR active) ORDER BY id",
                                   &stmt)) != DORF_OK) {
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, shop_id);
    sqlite3_bind_int(stmt, 2, all ? 1 : 0);
    struct reader r = {arena, 0};
    dorf_product *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_product(&r, stmt, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing products");
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        st = sqlite_store_fail(s, "listing products");
        goto fail;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if ((st = commit(s)) != DORF_OK) {
        goto fail;
    }
    *out = items;
    *count = n;
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    rollback(s);
    return st;
}

/* ---- orders ------------------------------------------------------------------------------ */

static dorf_status check_order_request(dorf_ctx *ctx, const dorf_order_request *req) {
    if (req->line_count == 0 || req->line_count > DORF_MARKET_MAX_ITEMS || !req->lines) {
        return dorf_fail(ctx, DORF_EINVAL, "an order has 1 to %d items", DORF_MARKET_MAX_ITEMS);
    }
    for (size_t i = 0; i < req->line_count; i++) {
        const dorf_order_line *l = &req->lines[i];
        if (l->quantity < 1 || l->quantity > DORF_MARKET_MAX_QUANTITY) {
            return dorf_fail(ctx, DORF_EINVAL, "the quantity of product %lld is not 1 to %lld",
                             (long long)l->product_id, DORF_MARKET_MAX_QUANTITY);
        }
        for (size_t j = 0; j < i; j++) {
            if (req->lines[j].product_id == l->product_id) {
                return dorf_fail(ctx, DORF_EINVAL, "product %lld is listed twice",
                                 (long long)l->product_id);
            }
        }
    }
    if (req->delivery && (!valid_lon(req->dropoff_lon_deg) || !valid_lat(req->dropoff_lat_deg))) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "a delivery needs a drop-off within lon -180..180 and "
                         "lat -90..90");
    }
    return DORF_OK;
}

dorf_status dorf_store_order_place(dorf_store *store, const dorf_order_request *req, int64_t now,
                                   int64_t *id, int64_t *short_product) {
    if (short_product) {
        *short_product = 0;
    }
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = check_order_request(store->ctx, req);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_stmt *product = NULL;
    sqlite3_stmt *take = NULL;
    sqlite3_stmt *ins = NULL;
    if ((st = begin(s, 1)) != DORF_OK) {
        return st;
    }
    if ((st = shop_exists(s, req->shop_id)) != DORF_OK) {
        goto fail;
    }
    if ((st = sqlite_store_prepare(s,
                                   "SELECT shop_id, active, price_cents, name, stock FROM product"
                                   " WHERE id = ?",
                                   &product)) != DORF_OK ||
        (st = sqlite_store_prepare(s,
                                   "UPDATE product SET stock = stock - ?1 WHERE id = ?2"
                                   " AND stock >= ?1",
                                   &take)) != DORF_OK) {
        goto fail;
    }
    int64_t total = 0;
    int64_t *prices = dorf_calloc(req->line_count, sizeof *prices);
    if (!prices) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory placing an order");
        goto fail;
    }
    for (size_t i = 0; i < req->line_count && st == DORF_OK; i++) {
        const dorf_order_line *l = &req->lines[i];
        sqlite3_reset(product);
        sqlite3_bind_int64(product, 1, l->product_id);
        int rc = sqlite3_step(product);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            st = sqlite_store_fail(s, "looking up a product");
        } else if (rc == SQLITE_DONE || sqlite3_column_int64(product, 0) != req->shop_id) {
            st = dorf_fail(store->ctx, DORF_EINVAL, "shop %lld sells no product %lld",
                           (long long)req->shop_id, (long long)l->product_id);
        } else if (!sqlite3_column_int(product, 1)) {
            st = dorf_fail(store->ctx, DORF_EINVAL, "product %lld (%s) is not on sale",
                           (long long)l->product_id, (const char *)sqlite3_column_text(product, 3));
        } else {
            prices[i] = sqlite3_column_int64(product, 2);
            total += prices[i] * l->quantity;
            sqlite3_reset(take);
            sqlite3_bind_int64(take, 1, l->quantity);
            sqlite3_bind_int64(take, 2, l->product_id);
            if ((st = step_done(s, take, "taking stock")) == DORF_OK &&
                sqlite3_changes(s->db) != 1) {
                /* `product` still holds the row as it was read in this transaction. */
                st = dorf_fail(store->ctx, DORF_ECONFLICT,
                               "product %lld (%s) is short: %lld in stock, %lld ordered",
                               (long long)l->product_id,
                               (const char *)sqlite3_column_text(product, 3),
                               (long long)sqlite3_column_int64(product, 4), (long long)l->quantity);
                if (short_product) {
                    *short_product = l->product_id;
                }
            }
        }
    }
    if (st != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    if ((st = sqlite_store_prepare(s,
                                   "INSERT INTO shop_order (citizen_id, shop_id, state, delivery,"
                                   " dropoff_lon, dropoff_lat, total_cents, created_at, updated_at)"
                                   " VALUES (?, ?, 'placed', ?, ?, ?, ?, ?, ?)",
                                   &ins)) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    sqlite3_bind_int64(ins, 1, req->citizen_id);
    sqlite3_bind_int64(ins, 2, req->shop_id);
    sqlite3_bind_int(ins, 3, req->delivery ? 1 : 0);
    if (req->delivery) {
        sqlite3_bind_double(ins, 4, req->dropoff_lon_deg);
        sqlite3_bind_double(ins, 5, req->dropoff_lat_deg);
    } else {
        sqlite3_bind_null(ins, 4);
        sqlite3_bind_null(ins, 5);
    }
    sqlite3_bind_int64(ins, 6, total);
    sqlite3_bind_int64(ins, 7, now);
    sqlite3_bind_int64(ins, 8, now);
    if ((st = step_done(s, ins, "placing an order")) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    const int64_t order_id = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(ins);
    ins = NULL;
    if ((st = sqlite_store_prepare(s,
                                   "INSERT INTO order_item (order_id, product_id, quantity,"
                                   " price_cents) VALUES (?, ?, ?, ?)",
                                   &ins)) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    for (size_t i = 0; i < req->line_count && st == DORF_OK; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, order_id);
        sqlite3_bind_int64(ins, 2, req->lines[i].product_id);
        sqlite3_bind_int64(ins, 3, req->lines[i].quantity);
        sqlite3_bind_int64(ins, 4, prices[i]);
        st = step_done(s, ins, "recording an order's items");
    }
    dorf_free(prices);
    if (st != DORF_OK) {
        goto fail;
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "order/%lld", (long long)order_id);
    snprintf(detail, sizeof detail, "placed at shop %lld, %lld cents", (long long)req->shop_id,
             (long long)total);
    if ((st = audit(s, now, req->citizen_id, "order.place", object, detail)) != DORF_OK ||
        (st = commit(s)) != DORF_OK) {
        goto fail;
    }
    sqlite3_finalize(product);
    sqlite3_finalize(take);
    sqlite3_finalize(ins);
    *id = order_id;
    return DORF_OK;

fail:
    sqlite3_finalize(product);
    sqlite3_finalize(take);
    sqlite3_finalize(ins);
    rollback(s);
    return st;
}

#define ORDER_SELECT_SQL                                                                           \
    "SELECT o.id, o.citizen_id, o.shop_id, s.owner_id, s.name, o.state, o.delivery,"               \
    " o.dropoff_lon, o.dropoff_lat, o.total_cents, o.created_at, o.updated_at,"                    \
    " (SELECT id FROM parcel WHERE order_id = o.id), s.lon AS lon, s.lat AS lat"                   \
    " FROM shop_order AS o JOIN shop AS s ON s.id = o.shop_id"

static const char get_order_sql[] =
    ORDER_SELECT_SQL " WHERE o.id = :id AND (o.citizen_id = :user OR s.owner_id = :user)";

static const char list_orders_sql[] =
    "SELECT * FROM (SELECT *, " D2_SQL " AS d2 FROM (" ORDER_SELECT_SQL
    " WHERE (o.citizen_id = :user OR s.owner_id = :user)"
    " AND (:state IS NULL OR o.state = :state)))"
    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist THEN d2 END, id DESC LIMIT :limit";

static const char order_items_sql[] =
    "SELECT i.product_id, i.quantity, i.price_cents, p.name, p.unit FROM order_item AS i"
    " JOIN product AS p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY i.rowid";

static void read_order(struct reader *r, sqlite3_stmt *stmt, dorf_order *out) {
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(stmt, 0);
    out->citizen_id = sqlite3_column_int64(stmt, 1);
    out->shop_id = sqlite3_column_int64(stmt, 2);
    out->shop_owner_id = sqlite3_column_int64(stmt, 3);
    out->shop_name = col_text(r, stmt, 4);
    dorf_order_state state = DORF_ORDER_PLACED;
    dorf_order_state_from_name((const char *)sqlite3_column_text(stmt, 5), &state);
    out->state = state;
    out->delivery = sqlite3_column_int(stmt, 6);
    out->dropoff_lon_deg = sqlite3_column_double(stmt, 7);
    out->dropoff_lat_deg = sqlite3_column_double(stmt, 8);
    out->total_cents = sqlite3_column_int64(stmt, 9);
    out->created_at = sqlite3_column_int64(stmt, 10);
    out->updated_at = sqlite3_column_int64(stmt, 11);
    out->parcel_id = sqlite3_column_int64(stmt, 12);
}

/* Reads the items of `order` with the prepared order_items_sql statement. */
static dorf_status read_items(struct sqlite_store *s, struct reader *r, sqlite3_stmt *stmt,
                              dorf_order *order) {
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, order->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (arena_grow(r->arena, (void **)&order->items, &cap, order->item_count + 1,
                       sizeof *order->items) != 0) {
            return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading an order");
        }
        dorf_order_item *it = &order->items[order->item_count++];
        it->product_id = sqlite3_column_int64(stmt, 0);
        it->quantity = sqlite3_column_int64(stmt, 1);
        it->price_cents = sqlite3_column_int64(stmt, 2);
        it->name = col_text(r, stmt, 3);
        it->unit = col_text(r, stmt, 4);
    }
    if (rc != SQLITE_DONE) {
        return sqlite_store_fail(s, "reading an order's items");
    }
    if (r->oom) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading an order");
    }
    return DORF_OK;
}

dorf_status dorf_store_order_get(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                 int64_t order_id, dorf_order *out) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sqlite3_stmt *stmt = NULL;
    sqlite3_stmt *items = NULL;
    dorf_status st = begin(s, 0);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sqlite_store_prepare(s, get_order_sql, &stmt)) != DORF_OK ||
        (st = sqlite_store_prepare(s, order_items_sql, &items)) != DORF_OK) {
        goto fail;
    }
    bind_name_int(stmt, ":id", order_id);
    bind_name_int(stmt, ":user", user_id);
    struct reader r = {arena, 0};
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
        goto fail;
    }
    if (rc != SQLITE_ROW) {
        st = sqlite_store_fail(s, "reading an order");
        goto fail;
    }
    read_order(&r, stmt, out);
    if ((st = read_items(s, &r, items, out)) != DORF_OK) {
        goto fail;
    }
    sqlite3_finalize(stmt);
    sqlite3_finalize(items);
    return commit(s);

fail:
    sqlite3_finalize(stmt);
    sqlite3_finalize(items);
    rollback(s);
    return st;
}

dorf_status dorf_store_list_orders(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                   const dorf_order_state *state, const dorf_geo_query *q,
                                   dorf_order **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct geo g;
    dorf_status st = geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    if (state && (unsigned)*state >= DORF_ORDER_STATE_COUNT) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown order state");
    }
    sqlite3_stmt *stmt = NULL;
    sqlite3_stmt *items_stmt = NULL;
    if ((st = begin(s, 0)) != DORF_OK) {
        return st;
    }
    if ((st = sqlite_store_prepare(s, list_orders_sql, &stmt)) != DORF_OK ||
        (st = sqlite_store_prepare(s, order_items_sql, &items_stmt)) != DORF_OK) {
        goto fail;
    }
    bind_geo(stmt, &g);
    bind_name_int(stmt, ":user", user_id > 0 ? user_id : -1);
    bind_name_text(stmt, ":state", state ? dorf_order_state_name(*state) : NULL);
    struct reader r = {arena, 0};
    dorf_order *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_order(&r, stmt, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing orders");
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        st = sqlite_store_fail(s, "listing orders");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if ((st = read_items(s, &r, items_stmt, &items[i])) != DORF_OK) {
            goto fail;
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_finalize(items_stmt);
    stmt = items_stmt = NULL;
    if ((st = commit(s)) != DORF_OK) {
        goto fail;
    }
    *out = items;
    *count = n;
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    sqlite3_finalize(items_stmt);
    rollback(s);
    return st;
}

/* What a move needs to know about an order, read inside the move's transaction. */
struct order_row {
    dorf_order_state state;
    int64_t citizen_id;
    int64_t owner_id;
    int delivery;
    double dropoff_lon, dropoff_lat;
    double shop_lon, shop_lat;
};

static dorf_status read_order_row(struct sqlite_store *s, int64_t order_id, struct order_row *o) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(
        s,
        "SELECT o.state, o.citizen_id, s.owner_id, o.delivery, o.dropoff_lon, o.dropoff_lat,"
        " s.lon, s.lat FROM shop_order AS o JOIN shop AS s ON s.id = o.shop_id WHERE o.id = ?",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, order_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        o->state = DORF_ORDER_STATE_COUNT;
        dorf_order_state_from_name((const char *)sqlite3_column_text(stmt, 0), &o->state);
        o->citizen_id = sqlite3_column_int64(stmt, 1);
        o->owner_id = sqlite3_column_int64(stmt, 2);
        o->delivery = sqlite3_column_int(stmt, 3);
        o->dropoff_lon = sqlite3_column_double(stmt, 4);
        o->dropoff_lat = sqlite3_column_double(stmt, 5);
        o->shop_lon = sqlite3_column_double(stmt, 6);
        o->shop_lat = sqlite3_column_double(stmt, 7);
    } else if (rc == SQLITE_DONE) {
        st = dorf_fail(s->base.ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
    } else {
        st = sqlite_store_fail(s, "reading an order");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Sets the order's state and writes the audit row (inside the caller's transaction). */
static dorf_status set_state(struct sqlite_store *s, int64_t user_id, int64_t order_id,
                             dorf_order_state from, dorf_order_state to, int64_t now) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(s,
                                          "UPDATE shop_order SET state = ?, updated_at = ?"
                                          " WHERE id = ? AND state = ?",
                                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_text(stmt, 1, dorf_order_state_name(to), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, order_id);
    sqlite3_bind_text(stmt, 4, dorf_order_state_name(from), -1, SQLITE_STATIC);
    st = step_done(s, stmt, "changing an order's state");
    sqlite3_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sqlite3_changes(s->db) != 1) {
        return dorf_fail(s->base.ctx, DORF_EIO, "order %lld changed under a write lock",
                         (long long)order_id);
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "order/%lld", (long long)order_id);
    snprintf(detail, sizeof detail, "%s -> %s", dorf_order_state_name(from),
             dorf_order_state_name(to));
    return audit(s, now, user_id, "order.transition", object, detail);
}

static dorf_status restore_stock(struct sqlite_store *s, int64_t order_id) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st =
        sqlite_store_prepare(s,
                             "UPDATE product SET stock = stock + (SELECT quantity FROM order_item"
                             " WHERE order_id = ?1 AND product_id = product.id)"
                             " WHERE id IN (SELECT product_id FROM order_item WHERE order_id = ?1)",
                             &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, order_id);
    st = step_done(s, stmt, "putting items back into stock");
    sqlite3_finalize(stmt);
    return st;
}

static dorf_status create_parcel(struct sqlite_store *s, int64_t order_id,
                                 const struct order_row *o, int64_t now) {
    sqlite3_stmt *stmt = NULL;
    dorf_status st = sqlite_store_prepare(
        s,
        "INSERT INTO parcel (order_id, state, pickup_lon, pickup_lat, dropoff_lon, dropoff_lat,"
        " ready_at, due_from, due_until, size, created_at, updated_at)"
        " VALUES (?1, 'open', ?2, ?3, ?4, ?5, ?6, ?6, ?7, 1, ?6, ?6)",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sqlite3_bind_int64(stmt, 1, order_id);
    sqlite3_bind_double(stmt, 2, o->shop_lon);
    sqlite3_bind_double(stmt, 3, o->shop_lat);
    sqlite3_bind_double(stmt, 4, o->dropoff_lon);
    sqlite3_bind_double(stmt, 5, o->dropoff_lat);
    sqlite3_bind_int64(stmt, 6, now);
    sqlite3_bind_int64(stmt, 7, now + DORF_MARKET_DELIVERY_WINDOW_S);
    st = step_done(s, stmt, "creating a parcel");
    sqlite3_finalize(stmt);
    return st;
}

static dorf_status illegal(dorf_ctx *ctx, int64_t order_id, dorf_order_state from,
                           dorf_order_state to) {
    return dorf_fail(ctx, DORF_ECONFLICT, "order %lld is '%s'; it cannot become '%s'",
                     (long long)order_id, dorf_order_state_name(from), dorf_order_state_name(to));
}

dorf_status dorf_store_order_transition(dorf_store *store, int64_t user_id, int64_t order_id,
                                        dorf_order_state to, int64_t now) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if ((unsigned)to >= DORF_ORDER_STATE_COUNT) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown order state");
    }
    dorf_status st = begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    struct order_row o;
    if ((st = read_order_row(s, order_id, &o)) != DORF_OK) {
        goto fail;
    }
    unsigned parties = 0;
    if (user_id > 0 && o.citizen_id == user_id) {
        parties |= DORF_PARTY_CITIZEN;
    }
    if (user_id > 0 && o.owner_id == user_id) {
        parties |= DORF_PARTY_SHOP;
    }
    if (!parties) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
        goto fail;
    }
    if (o.state >= DORF_ORDER_STATE_COUNT ||
        !(dorf_order_transition_parties(o.state, to, o.delivery) & parties)) {
        st = illegal(store->ctx, order_id, o.state, to);
        goto fail;
    }
    if ((st = set_state(s, user_id, order_id, o.state, to, now)) != DORF_OK) {
        goto fail;
    }
    if ((to == DORF_ORDER_CANCELLED || to == DORF_ORDER_REJECTED) &&
        (st = restore_stock(s, order_id)) != DORF_OK) {
        goto fail;
    }
    if (to == DORF_ORDER_HANDED_OVER && (st = create_parcel(s, order_id, &o, now)) != DORF_OK) {
        goto fail;
    }
    if ((st = commit(s)) != DORF_OK) {
        goto fail;
    }
    return DORF_OK;

fail:
    rollback(s);
    return st;
}

dorf_status dorf_store_order_deliver(dorf_store *store, int64_t volunteer_id, int64_t order_id,
                                     int64_t now) {
    struct sqlite_store *s = sqlite_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    struct order_row o;
    sqlite3_stmt *stmt = NULL;
    if ((st = read_order_row(s, order_id, &o)) != DORF_OK) {
        goto fail;
    }
    if (o.state >= DORF_ORDER_STATE_COUNT ||
        !(dorf_order_transition_parties(o.state, DORF_ORDER_DELIVERED, o.delivery) &
          DORF_PARTY_LIEFERBAR)) {
        st = illegal(store->ctx, order_id, o.state, DORF_ORDER_DELIVERED);
        goto fail;
    }
    if ((st = set_state(s, volunteer_id, order_id, o.state, DORF_ORDER_DELIVERED, now)) !=
        DORF_OK) {
        goto fail;
    }
    if ((st = sqlite_store_prepare(s,
                                   "UPDATE parcel SET state = 'delivered', updated_at = ?"
                                   " WHERE order_id = ?",
                                   &stmt)) != DORF_OK) {
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_int64(stmt, 2, order_id);
    if ((st = step_done(s, stmt, "marking a parcel delivered")) != DORF_OK) {
        goto fail;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if ((st = commit(s)) != DORF_OK) {
        goto fail;
    }
    return DORF_OK;

fail:
    sqlite3_finalize(stmt);
    rollback(s);
    return st;
}
