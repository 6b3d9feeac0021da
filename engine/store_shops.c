/*
 * store_shops.c: BestellBar's places and shops (dorf/market.h), on either store (SpatiaLite or
 * PostGIS, through sql.h): listing the region's places, claiming one as a shop, reading and
 * listing shops, on the region's `place` table and the `shop` table of migration 3. A claim
 * checks the place and writes the shop in one write transaction (holding the single writer
 * lock, sql_begin), so a place is never claimed twice. Lists filter by position in SQL: places
 * through their spatial index (SpatiaLite's R*Tree idx_place_geom, or PostGIS's GiST index),
 * shops by their lon/lat columns, then exactly by box or by the squared distance on the local
 * tangent plane, which also sorts them. All values are bound parameters.
 */
#include <stdio.h>
#include <string.h>

#include "store_market_internal.h"

/* ---- places ------------------------------------------------------------------------------ */

/*
 * Places are found through the spatial index of their geometry: SpatiaLite's R*Tree table
 * (idx_place_geom) on SQLite, the GiST index through && with the box on PostgreSQL. The rest is
 * one statement for both; every derived table is named, as PostgreSQL requires, and a
 * parameter tested with IS NULL is cast first, since PostgreSQL cannot type a NULL it meets
 * there before any other use.
 */
#define LIST_PLACES_SQL(index_filter)                                                              \
    "SELECT osm_type, osm_id, category, osm_key, osm_value, name, opening_hours, oh_ok, lon, lat," \
    "       shop_id, d2 FROM ("                                                                    \
    "  SELECT *, " D2_SQL " AS d2 FROM ("                                                          \
    "    SELECT p.id AS pid, p.osm_type, p.osm_id, p.category, p.osm_key, p.osm_value, p.name,"    \
    "           p.opening_hours,"                                                                  \
    "           CASE WHEN p.opening_hours_error IS NULL THEN 1 ELSE 0 END AS oh_ok,"               \
    "           ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,"                                         \
    "           (SELECT s.id FROM shop AS s WHERE s.osm_type = p.osm_type"                         \
    "              AND s.osm_id = p.osm_id) AS shop_id"                                            \
    "    FROM place AS p"                                                                          \
    "    WHERE " index_filter                                                                      \
    " AND (CAST(:category AS TEXT) IS NULL OR p.category = :category)) AS boxed"                   \
    "  ) AS measured"                                                                              \
    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist = 1 THEN d2 END, pid LIMIT :limit"

static const char list_places_sqlite[] =
    LIST_PLACES_SQL("p.id IN (SELECT pkid FROM idx_place_geom WHERE xmax >= :minlon"
                    " AND xmin <= :maxlon AND ymax >= :minlat AND ymin <= :maxlat)");
static const char list_places_pg[] =
    LIST_PLACES_SQL("p.geom && ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)");

dorf_status dorf_store_list_places(dorf_store *store, dorf_arena *arena, const char *category,
                                   const dorf_geo_query *q, dorf_place_summary **out,
                                   size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_category cat;
    if (category && dorf_category_from_name(category, &cat) != DORF_OK) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown category '%s'", category);
    }
    struct geo g;
    dorf_status st = market_geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, s->dialect == SQL_POSTGRES ? list_places_pg : list_places_sqlite,
                                &stmt)) != DORF_OK) {
        return st;
    }
    market_bind_geo(stmt, &g);
    market_bind_text(stmt, ":category", category);
    struct reader r = {arena, 0};
    dorf_place_summary *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        dorf_place_summary *p = &items[n++];
        const unsigned char *type = sql_column_text(stmt, 0);
        p->osm_type = type ? (char)type[0] : '?';
        p->osm_id = sql_column_int64(stmt, 1);
        p->category = market_col_text(&r, stmt, 2);
        p->osm_key = market_col_text(&r, stmt, 3);
        p->osm_value = market_col_text(&r, stmt, 4);
        p->name = market_col_text(&r, stmt, 5);
        p->opening_hours = market_col_text(&r, stmt, 6);
        p->opening_hours_valid = p->opening_hours && sql_column_int(stmt, 7);
        p->lon_deg = sql_column_double(stmt, 8);
        p->lat_deg = sql_column_double(stmt, 9);
        p->shop_id = sql_column_int64(stmt, 10);
        p->distance_m = market_geo_distance(&g, sql_column_double(stmt, 11));
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing places");
    } else if (rc != SQL_DONE) {
        st = sql_store_fail(s, "listing places");
    } else {
        *out = items;
        *count = n;
    }
    sql_finalize(stmt);
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

static const char get_shop_sql[] = SHOP_SELECT_SQL " WHERE s.id = :id) AS measured";

static const char list_shops_sql[] =
    SHOP_SELECT_SQL " WHERE (:owner = 0 OR s.owner_id = :owner)) AS measured"
                    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist = 1 THEN d2 END, id"
                    " LIMIT :limit";

static void read_shop(struct reader *r, sql_stmt *stmt, const struct geo *g, dorf_shop *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    const unsigned char *type = sql_column_text(stmt, 1);
    out->osm_type = type ? (char)type[0] : '?';
    out->osm_id = sql_column_int64(stmt, 2);
    out->owner_id = sql_column_int64(stmt, 3);
    out->name = market_col_text(r, stmt, 4);
    out->category = market_col_text(r, stmt, 5);
    out->opening_hours = market_col_text(r, stmt, 6);
    out->lon_deg = sql_column_double(stmt, 7);
    out->lat_deg = sql_column_double(stmt, 8);
    out->created_at = sql_column_int64(stmt, 9);
    out->distance_m = g ? market_geo_distance(g, sql_column_double(stmt, 10)) : -1;
}

dorf_status dorf_store_shop_claim(dorf_store *store, int64_t owner_id, char osm_type,
                                  int64_t osm_id, int64_t now, int64_t *id) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (osm_type != 'n' && osm_type != 'w' && osm_type != 'r') {
        return dorf_fail(store->ctx, DORF_EINVAL, "an OSM type is 'n', 'w' or 'r'");
    }
    const char type_text[2] = {osm_type, '\0'};
    sql_stmt *stmt = NULL;
    dorf_status st = market_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    /* The place, and whether it is claimed already, in one look. */
    if ((st = sql_store_prepare(s,
                                "SELECT p.category, p.shop, coalesce(p.name, p.osm_value),"
                                " ST_X(p.geom), ST_Y(p.geom), (SELECT s.id FROM shop AS s WHERE"
                                " s.osm_type = p.osm_type AND s.osm_id = p.osm_id),"
                                " (SELECT count(*) FROM app_user WHERE id = ?3)"
                                " FROM place AS p WHERE p.osm_type = ?1 AND p.osm_id = ?2"
                                " ORDER BY p.id LIMIT 1",
                                &stmt)) != DORF_OK) {
        goto fail;
    }
    sql_bind_text(stmt, 1, type_text, 1, SQL_STATIC);
    sql_bind_int64(stmt, 2, osm_id);
    sql_bind_int64(stmt, 3, owner_id);
    int rc = sql_step(stmt);
    if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "the region has no place %c%lld", osm_type,
                       (long long)osm_id);
        goto fail;
    }
    if (rc != SQL_ROW) {
        st = sql_store_fail(s, "looking up a place");
        goto fail;
    }
    const char *category = (const char *)sql_column_text(stmt, 0);
    const char *shop_tag = (const char *)sql_column_text(stmt, 1);
    if (!dorf_market_place_is_shop(category, shop_tag)) {
        st = dorf_fail(store->ctx, DORF_EINVAL, "place %c%lld is a %s, not a shop", osm_type,
                       (long long)osm_id, category ? category : "place");
        goto fail;
    }
    if (sql_column_type(stmt, 5) != SQL_NULL) {
        st = dorf_fail(store->ctx, DORF_ECONFLICT, "place %c%lld is claimed already (shop %lld)",
                       osm_type, (long long)osm_id, (long long)sql_column_int64(stmt, 5));
        goto fail;
    }
    if (sql_column_int(stmt, 6) != 1) {
        st = dorf_fail(store->ctx, DORF_EINVAL, "no user %lld", (long long)owner_id);
        goto fail;
    }
    sql_stmt *ins = NULL;
    if ((st = sql_store_prepare(s,
                                "INSERT INTO shop (osm_type, osm_id, owner_id, name, lon, lat,"
                                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                &ins)) != DORF_OK) {
        goto fail;
    }
    sql_bind_text(ins, 1, type_text, 1, SQL_STATIC);
    sql_bind_int64(ins, 2, osm_id);
    sql_bind_int64(ins, 3, owner_id);
    sql_bind_text(ins, 4, (const char *)sql_column_text(stmt, 2), -1, SQL_TRANSIENT);
    sql_bind_double(ins, 5, sql_column_double(stmt, 3));
    sql_bind_double(ins, 6, sql_column_double(stmt, 4));
    sql_bind_int64(ins, 7, now);
    st = market_step_done(s, ins, "claiming a shop");
    sql_finalize(ins);
    if (st != DORF_OK) {
        goto fail;
    }
    const int64_t shop_id = sql_last_insert_rowid(s->conn);
    sql_finalize(stmt);
    stmt = NULL;
    char object[32];
    char detail[32];
    snprintf(object, sizeof object, "shop/%lld", (long long)shop_id);
    snprintf(detail, sizeof detail, "place %c%lld", osm_type, (long long)osm_id);
    if ((st = market_audit(s, now, owner_id, "shop.claim", object, detail)) != DORF_OK ||
        (st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    *id = shop_id;
    return DORF_OK;

fail:
    sql_finalize(stmt);
    market_rollback(s);
    return st;
}

dorf_status dorf_store_shop_get(dorf_store *store, dorf_arena *arena, int64_t id, dorf_shop *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, get_shop_sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    struct geo g;
    market_geo_from_query(store->ctx, NULL, &g);
    market_bind_geo(stmt, &g);
    market_bind_int(stmt, ":id", id);
    struct reader r = {arena, 0};
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        read_shop(&r, stmt, NULL, out);
        if (r.oom) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a shop");
        }
    } else if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no shop %lld", (long long)id);
    } else {
        st = sql_store_fail(s, "reading a shop");
    }
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_list_shops(dorf_store *store, dorf_arena *arena, int64_t owner_id,
                                  const dorf_geo_query *q, dorf_shop **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct geo g;
    dorf_status st = market_geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, list_shops_sql, &stmt)) != DORF_OK) {
        return st;
    }
    market_bind_geo(stmt, &g);
    market_bind_int(stmt, ":owner", owner_id);
    struct reader r = {arena, 0};
    dorf_shop *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_shop(&r, stmt, &g, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing shops");
    } else if (rc != SQL_DONE) {
        st = sql_store_fail(s, "listing shops");
    } else {
        *out = items;
        *count = n;
    }
    sql_finalize(stmt);
    return st;
}
