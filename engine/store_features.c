/*
 * store_features.c: the region's public layers as pages of features (dorf/features.h), in
 * the SpatiaLite or the PostGIS store: places (table place), road segments (road_edge), the
 * public events among the posts of DorfNews (post, kind 'event', located, not hidden, not a
 * reply) and the base map's land cover, water, waterways and railways (map_feature, one
 * layer at a time).
 *
 * A page is two statements in one read transaction (one consistent snapshot that does not
 * block writers: WAL mode on SQLite, REPEATABLE READ on PostgreSQL): a count of everything
 * that matches and the page itself, in row id order with LIMIT and OFFSET. With a box,
 * places, road segments and base-map features are first looked up in their spatial index,
 * which finds a superset: SpatiaLite's R*Tree (idx_place_geom, idx_road_edge_geom,
 * idx_map_feature_geom) or PostGIS's GiST index (the && operator), both of single-precision
 * bounds rounded outwards. They are then tested exactly: a place's point must lie in the box
 * (edges included); a line or area must meet it (Intersects, through GEOS on both, against
 * the box, or against the point or line a box of zero width or height is, since GEOS answers
 * wrongly for a degenerate polygon). Events have no spatial index; their lon/lat columns are
 * compared directly. The two dialects differ only in these spatial tests, in the extents and
 * in the name of the GeoJSON writer; their statements stand side by side below. Every value
 * is a bound parameter; the statements are fixed strings. Text is copied into the caller's
 * arena (the helpers of store_market_internal.h), road shapes are decoded from their WKB,
 * base-map geometries handed out as GeoJSON text (AsGeoJSON, ST_AsGeoJSON).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dorf/features.h"
#include "store_market_internal.h"

/* ---- the statements ---------------------------------------------------------------------- */

#define BOX_IN_RTREE(index)                                                                        \
    " IN (SELECT pkid FROM " index " WHERE xmax >= :minlon AND xmin <= :maxlon"                    \
    " AND ymax >= :minlat AND ymin <= :maxlat)"

/* PostGIS: the GiST index's test (bounding boxes overlap, rounded outwards as the R*Tree's). */
#define BOX_OVERLAPS(g) " " g " && ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)"

#define PLACE_COLUMNS                                                                              \
    "p.osm_type, p.osm_id, p.category, p.osm_key, p.osm_value, p.name, p.opening_hours,"           \
    " p.opening_hours_error, p.phone, p.website, p.street, p.housenumber, p.postcode, p.city,"     \
    " ST_X(p.geom), ST_Y(p.geom)"
#define PLACE_EXACTLY_IN_BOX                                                                       \
    " ST_X(p.geom) BETWEEN :minlon AND :maxlon AND ST_Y(p.geom) BETWEEN :minlat AND :maxlat"
#define PLACE_IN_BOX " WHERE p.id" BOX_IN_RTREE("idx_place_geom") " AND" PLACE_EXACTLY_IN_BOX
#define PLACE_IN_BOX_PG " WHERE" BOX_OVERLAPS("p.geom") " AND" PLACE_EXACTLY_IN_BOX

#define ROAD_COLUMNS                                                                               \
    "e.id, e.osm_way_id, e.highway, e.name, e.surface, e.length_m, e.maxspeed_kmh,"                \
    " e.access_forward, e.access_backward, ST_AsBinary(e.geom)"

/* Whether geometry `g` meets the box; a box of zero width or height is a line or a point. */
#define MEETS_BOX(g)                                                                               \
    " (CASE WHEN :minlon < :maxlon AND :minlat < :maxlat"                                          \
    "   THEN Intersects(" g ", BuildMbr(:minlon, :minlat, :maxlon, :maxlat, 4326))"                \
    " WHEN :minlon = :maxlon AND :minlat = :maxlat"                                                \
    "   THEN Intersects(" g ", MakePoint(:minlon, :minlat, 4326))"                                 \
    " ELSE Intersects(" g ", MakeLine(MakePoint(:minlon, :minlat, 4326),"                          \
    "   MakePoint(:maxlon, :maxlat, 4326))) END) = 1"
#define POINT_PG(x, y) "ST_SetSRID(ST_MakePoint(" x ", " y "), 4326)"
#define MEETS_BOX_PG(g)                                                                            \
    BOX_OVERLAPS(g)                                                                                \
    " AND ST_Intersects(" g ", CASE WHEN :minlon < :maxlon AND :minlat < :maxlat"                  \
    "   THEN ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)"                            \
    " WHEN :minlon = :maxlon AND :minlat = :maxlat"                                                \
    "   THEN " POINT_PG(":minlon", ":minlat") " ELSE ST_MakeLine(" POINT_PG(                       \
        ":minlon", ":minlat") ", " POINT_PG(":maxlon", ":maxlat") ") END)"
#define ROAD_MEETS_BOX " WHERE e.id" BOX_IN_RTREE("idx_road_edge_geom") " AND" MEETS_BOX("e.geom")
#define ROAD_MEETS_BOX_PG " WHERE" MEETS_BOX_PG("e.geom")

#define BASEMAP_COLUMNS "m.osm_type, m.osm_id, m.kind, m.name, AsGeoJSON(m.geom, 7)"
#define BASEMAP_COLUMNS_PG "m.osm_type, m.osm_id, m.kind, m.name, ST_AsGeoJSON(m.geom, 7)"
#define BASEMAP_OF_LAYER " WHERE m.layer = :layer"
#define BASEMAP_MEETS_BOX                                                                          \
    BASEMAP_OF_LAYER " AND m.id" BOX_IN_RTREE("idx_map_feature_geom") " AND" MEETS_BOX("m.geom")
#define BASEMAP_MEETS_BOX_PG BASEMAP_OF_LAYER " AND" MEETS_BOX_PG("m.geom")

/* What GET /api/events shows to everyone, restricted to events that have a place. */
#define EVENT_PUBLIC                                                                               \
    " kind = 'event' AND parent_id IS NULL AND hidden = 0 AND lon IS NOT NULL"                     \
    " AND lat IS NOT NULL AND starts_at IS NOT NULL"
#define EVENT_COLUMNS "id, official, title, body, starts_at, ends_at, created_at, lon, lat"
#define EVENT_WHERE                                                                                \
    " WHERE" EVENT_PUBLIC " AND (:hasbox = 0 OR (lon BETWEEN :minlon AND :maxlon"                  \
    " AND lat BETWEEN :minlat AND :maxlat)) AND (:hastime = 0 OR (starts_at <= :until"             \
    " AND coalesce(ends_at, starts_at) >= :from))"

#define PAGE " LIMIT :limit OFFSET :offset"
#define MATCHED_PG ", count(*) OVER ()"

/*
 * The four statements of a layer: count and page, over everything and within a box; one set
 * per dialect (indexed by sql_dialect), as the spatial tests are spelt differently. On
 * PostgreSQL a page also carries the number of all matches as its last column (a window
 * count, taken before LIMIT), so that a page is one round trip to the server instead of four
 * (begin, count, page, commit); the count statement is run only for a page that came back
 * empty past its first row.
 */
struct layer_sql {
    const char *count_all;
    const char *count_box;
    const char *page_all;
    const char *page_box;
};

static const struct layer_sql place_sql[2] = {
    [SQL_SQLITE] =
        {
            "SELECT count(*) FROM place AS p",
            "SELECT count(*) FROM place AS p" PLACE_IN_BOX,
            "SELECT " PLACE_COLUMNS " FROM place AS p ORDER BY p.id" PAGE,
            "SELECT " PLACE_COLUMNS " FROM place AS p" PLACE_IN_BOX " ORDER BY p.id" PAGE,
        },
    [SQL_POSTGRES] =
        {
            "SELECT count(*) FROM place AS p",
            "SELECT count(*) FROM place AS p" PLACE_IN_BOX_PG,
            "SELECT " PLACE_COLUMNS MATCHED_PG " FROM place AS p ORDER BY p.id" PAGE,
            "SELECT " PLACE_COLUMNS MATCHED_PG " FROM place AS p" PLACE_IN_BOX_PG
            " ORDER BY p.id" PAGE,
        },
};

static const struct layer_sql road_sql[2] = {
    [SQL_SQLITE] =
        {
            "SELECT count(*) FROM road_edge AS e",
            "SELECT count(*) FROM road_edge AS e" ROAD_MEETS_BOX,
            "SELECT " ROAD_COLUMNS " FROM road_edge AS e ORDER BY e.id" PAGE,
            "SELECT " ROAD_COLUMNS " FROM road_edge AS e" ROAD_MEETS_BOX " ORDER BY e.id" PAGE,
        },
    [SQL_POSTGRES] =
        {
            "SELECT count(*) FROM road_edge AS e",
            "SELECT count(*) FROM road_edge AS e" ROAD_MEETS_BOX_PG,
            "SELECT " ROAD_COLUMNS MATCHED_PG " FROM road_edge AS e ORDER BY e.id" PAGE,
            "SELECT " ROAD_COLUMNS MATCHED_PG " FROM road_edge AS e" ROAD_MEETS_BOX_PG
            " ORDER BY e.id" PAGE,
        },
};

/* Events bind :hasbox instead, so one statement serves both with and without a box. */
#define EVENT_SQL(matched)                                                                         \
    {                                                                                              \
        "SELECT count(*) FROM post" EVENT_WHERE, "SELECT count(*) FROM post" EVENT_WHERE,          \
            "SELECT " EVENT_COLUMNS matched " FROM post" EVENT_WHERE " ORDER BY id" PAGE,          \
            "SELECT " EVENT_COLUMNS matched " FROM post" EVENT_WHERE " ORDER BY id" PAGE,          \
    }
static const struct layer_sql event_sql[2] = {
    [SQL_SQLITE] = EVENT_SQL(""), [SQL_POSTGRES] = EVENT_SQL(MATCHED_PG)};

static const struct layer_sql basemap_sql[2] = {
    [SQL_SQLITE] =
        {
            "SELECT count(*) FROM map_feature AS m" BASEMAP_OF_LAYER,
            "SELECT count(*) FROM map_feature AS m" BASEMAP_MEETS_BOX,
            "SELECT " BASEMAP_COLUMNS " FROM map_feature AS m" BASEMAP_OF_LAYER
            " ORDER BY m.id" PAGE,
            "SELECT " BASEMAP_COLUMNS " FROM map_feature AS m" BASEMAP_MEETS_BOX
            " ORDER BY m.id" PAGE,
        },
    [SQL_POSTGRES] =
        {
            "SELECT count(*) FROM map_feature AS m" BASEMAP_OF_LAYER,
            "SELECT count(*) FROM map_feature AS m" BASEMAP_MEETS_BOX_PG,
            "SELECT " BASEMAP_COLUMNS_PG MATCHED_PG " FROM map_feature AS m" BASEMAP_OF_LAYER
            " ORDER BY m.id" PAGE,
            "SELECT " BASEMAP_COLUMNS_PG MATCHED_PG " FROM map_feature AS m" BASEMAP_MEETS_BOX_PG
            " ORDER BY m.id" PAGE,
        },
};

static const char place_by_osm_sql[] = "SELECT " PLACE_COLUMNS " FROM place AS p"
                                       " WHERE p.osm_type = :type AND p.osm_id = :osm"
                                       " ORDER BY p.id LIMIT 1";
static const char road_by_id_sql[] = "SELECT " ROAD_COLUMNS " FROM road_edge AS e WHERE e.id = :id";
#define BASEMAP_BY_OSM                                                                             \
    " FROM map_feature AS m WHERE m.layer = :layer AND m.osm_type = :type AND m.osm_id = :osm"     \
    " ORDER BY m.id LIMIT 1"
static const char *const basemap_by_osm_sql[2] = {
    [SQL_SQLITE] = "SELECT " BASEMAP_COLUMNS BASEMAP_BY_OSM,
    [SQL_POSTGRES] = "SELECT " BASEMAP_COLUMNS_PG BASEMAP_BY_OSM,
};
static const char event_by_id_sql[] =
    "SELECT " EVENT_COLUMNS " FROM post WHERE id = :id AND" EVENT_PUBLIC;

/* ---- reading rows ------------------------------------------------------------------------ */

/* Reads the current row into `item`; 0, or -1 when a geometry is unusable (r->oom: memory). */
typedef int (*row_reader)(struct reader *r, sql_stmt *stmt, void *item);

static int read_place(struct reader *r, sql_stmt *stmt, void *item) {
    dorf_place_feature *p = item;
    const unsigned char *type = sql_column_text(stmt, 0);
    p->osm_type = type ? (char)type[0] : '?';
    p->osm_id = sql_column_int64(stmt, 1);
    p->category = market_col_text(r, stmt, 2);
    p->osm_key = market_col_text(r, stmt, 3);
    p->osm_value = market_col_text(r, stmt, 4);
    p->name = market_col_text(r, stmt, 5);
    p->opening_hours = market_col_text(r, stmt, 6);
    p->opening_hours_error = market_col_text(r, stmt, 7);
    p->phone = market_col_text(r, stmt, 8);
    p->website = market_col_text(r, stmt, 9);
    p->street = market_col_text(r, stmt, 10);
    p->housenumber = market_col_text(r, stmt, 11);
    p->postcode = market_col_text(r, stmt, 12);
    p->city = market_col_text(r, stmt, 13);
    p->lon_deg = sql_column_double(stmt, 14);
    p->lat_deg = sql_column_double(stmt, 15);
    return 0;
}

static uint32_t wkb_u32(const unsigned char *p, int little) {
    return little
               ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static double wkb_f64(const unsigned char *p, int little) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = little ? p[i] : p[7 - i];
    }
    double d;
    memcpy(&d, b, sizeof d);
    return d;
}

/* A WKB LineString (2D, either byte order) as an arena array of points; -1 if it is not one. */
static int read_linestring(struct reader *r, const unsigned char *wkb, size_t size,
                           dorf_road_feature *e) {
    if (!wkb || size < 9 || (wkb[0] != 0 && wkb[0] != 1)) {
        return -1;
    }
    const int little = wkb[0];
    const uint32_t n = wkb_u32(wkb + 5, little);
    if (wkb_u32(wkb + 1, little) != 2 || n < 2 || (size - 9) / 16 < n) {
        return -1;
    }
    dorf_point *points = dorf_arena_alloc(r->arena, (size_t)n * sizeof *points);
    if (!points) {
        r->oom = 1;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        points[i].lon_deg = wkb_f64(wkb + 9 + (size_t)i * 16, little);
        points[i].lat_deg = wkb_f64(wkb + 17 + (size_t)i * 16, little);
    }
    e->points = points;
    e->point_count = n;
    return 0;
}

static int read_road(struct reader *r, sql_stmt *stmt, void *item) {
    dorf_road_feature *e = item;
    e->id = sql_column_int64(stmt, 0);
    e->osm_way_id = sql_column_int64(stmt, 1);
    e->highway = market_col_text(r, stmt, 2);
    e->name = market_col_text(r, stmt, 3);
    e->surface = market_col_text(r, stmt, 4);
    e->length_m = sql_column_double(stmt, 5);
    e->maxspeed_kmh = sql_column_double(stmt, 6); /* NULL reads as 0: unknown */
    e->access_forward = (unsigned)sql_column_int(stmt, 7);
    e->access_backward = (unsigned)sql_column_int(stmt, 8);
    const unsigned char *wkb = sql_column_blob(stmt, 9);
    if (!wkb && sql_column_type(stmt, 9) != SQL_NULL) {
        r->oom = 1; /* a value without its bytes: they could not be decoded into memory */
        return 0;
    }
    return read_linestring(r, wkb, (size_t)sql_column_bytes(stmt, 9), e);
}

static int read_event(struct reader *r, sql_stmt *stmt, void *item) {
    dorf_event_feature *ev = item;
    ev->id = sql_column_int64(stmt, 0);
    ev->official = sql_column_int(stmt, 1) != 0;
    ev->title = market_col_text(r, stmt, 2);
    ev->body = market_col_text(r, stmt, 3);
    ev->starts_at = sql_column_int64(stmt, 4);
    ev->has_ends = sql_column_type(stmt, 5) != SQL_NULL;
    ev->ends_at = ev->has_ends ? sql_column_int64(stmt, 5) : 0;
    ev->created_at = sql_column_int64(stmt, 6);
    ev->lon_deg = sql_column_double(stmt, 7);
    ev->lat_deg = sql_column_double(stmt, 8);
    return 0;
}

static int read_basemap(struct reader *r, sql_stmt *stmt, void *item) {
    dorf_basemap_feature *m = item;
    const unsigned char *type = sql_column_text(stmt, 0);
    m->osm_type = type ? (char)type[0] : '?';
    m->osm_id = sql_column_int64(stmt, 1);
    m->kind = market_col_text(r, stmt, 2);
    m->name = market_col_text(r, stmt, 3);
    m->geometry_json = market_col_text(r, stmt, 4);
    /* AsGeoJSON gives NULL for a geometry it cannot write. */
    return m->geometry_json || r->oom ? 0 : -1;
}

/* ---- pages ------------------------------------------------------------------------------- */

/* DORF_OK when `q` is usable for a layer (`timed`: one that has times), else DORF_EINVAL. */
static dorf_status check_query(dorf_ctx *ctx, const dorf_feature_query *q, int timed) {
    if (!q || q->limit < 1 || q->limit > DORF_FEATURES_MAX_LIMIT) {
        return dorf_fail(ctx, DORF_EINVAL, "a page holds 1 to %d features",
                         DORF_FEATURES_MAX_LIMIT);
    }
    if (q->offset < 0) {
        return dorf_fail(ctx, DORF_EINVAL, "the offset of a page cannot be negative");
    }
    if (q->has_bbox && !(market_valid_lon(q->bbox[0]) && market_valid_lat(q->bbox[1]) &&
                         market_valid_lon(q->bbox[2]) && market_valid_lat(q->bbox[3]) &&
                         q->bbox[0] <= q->bbox[2] && q->bbox[1] <= q->bbox[3])) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "a box needs min <= max within lon -180..180 and lat -90..90");
    }
    if (q->has_time && !timed) {
        return dorf_fail(ctx, DORF_EINVAL, "this layer has no times to select by");
    }
    if (q->has_time && q->time_from > q->time_until) {
        return dorf_fail(ctx, DORF_EINVAL, "a time interval must not end before it starts");
    }
    return DORF_OK;
}

static void bind_query(sql_stmt *stmt, const dorf_feature_query *q) {
    market_bind_int(stmt, ":hasbox", q->has_bbox);
    market_bind_double(stmt, ":minlon", q->bbox[0]);
    market_bind_double(stmt, ":minlat", q->bbox[1]);
    market_bind_double(stmt, ":maxlon", q->bbox[2]);
    market_bind_double(stmt, ":maxlat", q->bbox[3]);
    market_bind_int(stmt, ":hastime", q->has_time);
    market_bind_int(stmt, ":from", q->time_from);
    market_bind_int(stmt, ":until", q->time_until);
    market_bind_int(stmt, ":limit", (int64_t)q->limit);
    market_bind_int(stmt, ":offset", q->offset);
}

/* The number of rows `sql` counts for `q`. */
static dorf_status count_rows(struct sql_store *s, const char *sql, const dorf_feature_query *q,
                              const char *map_layer, const char *what, int64_t *matched) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    bind_query(stmt, q);
    market_bind_text(stmt, ":layer", map_layer);
    if (sql_step(stmt) == SQL_ROW) {
        *matched = sql_column_int64(stmt, 0);
    } else {
        st = sql_store_fail(s, what);
    }
    sql_finalize(stmt);
    return st;
}

/*
 * Steps `stmt` and reads every row into a new arena array of `item_size` elements; with
 * `matched_column`, also the value of the rows' last column (the window count of PostgreSQL's
 * pages), which stays as it was when there is no row.
 */
static dorf_status read_rows(struct sql_store *s, dorf_arena *arena, sql_stmt *stmt,
                             size_t item_size, row_reader read, const char *what, void **out,
                             size_t *count, int64_t *matched_column) {
    struct reader r = {arena, 0};
    void *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int bad = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(arena, &items, &cap, n + 1, item_size) != 0) {
            r.oom = 1;
            break;
        }
        void *item = (char *)items + n * item_size;
        memset(item, 0, item_size);
        if (n == 0 && matched_column) {
            *matched_column = sql_column_int64(stmt, sql_column_count(stmt) - 1);
        }
        n++;
        if (read(&r, stmt, item) != 0) {
            bad = 1;
            break;
        }
    }
    if (r.oom) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory %s", what);
    }
    if (bad) {
        return dorf_fail(s->base.ctx, DORF_EPARSE, "%s: %s: a stored geometry cannot be read",
                         s->path, what);
    }
    if (rc != SQL_DONE) {
        return sql_store_fail(s, what);
    }
    *out = items;
    *count = n;
    return DORF_OK;
}

/* A page of a layer: the count and the rows, from one snapshot. `sql`: the layer's pair. */
static dorf_status page(dorf_store *store, dorf_arena *arena, const dorf_feature_query *q,
                        int timed, const char *map_layer, const struct layer_sql *sql,
                        size_t item_size, row_reader read, const char *what, void **out,
                        size_t *count, int64_t *matched) {
    *out = NULL;
    *count = 0;
    *matched = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql = &sql[s->dialect];
    dorf_status st = check_query(store->ctx, q, timed);
    if (st != DORF_OK) {
        return st;
    }
    if (s->dialect == SQL_POSTGRES) {
        /* One statement is one snapshot: the page and its count agree without a transaction. */
        sql_stmt *stmt = NULL;
        int64_t n_matched = -1;
        st = sql_store_prepare(s, q->has_bbox ? sql->page_box : sql->page_all, &stmt);
        if (st == DORF_OK) {
            bind_query(stmt, q);
            market_bind_text(stmt, ":layer", map_layer);
            st = read_rows(s, arena, stmt, item_size, read, what, out, count, &n_matched);
        }
        sql_finalize(stmt);
        if (st == DORF_OK && n_matched < 0) {
            /* No row: nothing matches, or the page lies past the last match. */
            n_matched = 0;
            if (q->offset > 0) {
                st = count_rows(s, q->has_bbox ? sql->count_box : sql->count_all, q, map_layer,
                                what, &n_matched);
            }
        }
        if (st != DORF_OK) {
            *out = NULL;
            *count = 0;
            return st;
        }
        *matched = n_matched;
        return DORF_OK;
    }
    if ((st = market_begin(s, 0)) != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    int64_t n_matched = 0;
    st = count_rows(s, q->has_bbox ? sql->count_box : sql->count_all, q, map_layer, what,
                    &n_matched);
    if (st == DORF_OK && q->offset < n_matched) {
        st = sql_store_prepare(s, q->has_bbox ? sql->page_box : sql->page_all, &stmt);
        if (st == DORF_OK) {
            bind_query(stmt, q);
            market_bind_text(stmt, ":layer", map_layer);
            st = read_rows(s, arena, stmt, item_size, read, what, out, count, NULL);
        }
    }
    sql_finalize(stmt);
    if (st == DORF_OK) {
        st = market_commit(s);
    }
    if (st != DORF_OK) {
        market_rollback(s);
        *out = NULL;
        *count = 0;
        return st;
    }
    *matched = n_matched;
    return DORF_OK;
}

dorf_status dorf_store_place_features(dorf_store *store, dorf_arena *arena,
                                      const dorf_feature_query *q, dorf_place_feature **out,
                                      size_t *count, int64_t *matched) {
    return page(store, arena, q, 0, NULL, place_sql, sizeof **out, read_place, "reading places",
                (void **)out, count, matched);
}

dorf_status dorf_store_road_features(dorf_store *store, dorf_arena *arena,
                                     const dorf_feature_query *q, dorf_road_feature **out,
                                     size_t *count, int64_t *matched) {
    return page(store, arena, q, 0, NULL, road_sql, sizeof **out, read_road,
                "reading road segments", (void **)out, count, matched);
}

dorf_status dorf_store_event_features(dorf_store *store, dorf_arena *arena,
                                      const dorf_feature_query *q, dorf_event_feature **out,
                                      size_t *count, int64_t *matched) {
    return page(store, arena, q, 1, NULL, event_sql, sizeof **out, read_event, "reading events",
                (void **)out, count, matched);
}

/* The name of a base-map layer as stored, or NULL for a value that is none. */
static const char *basemap_layer(dorf_map_layer layer) {
    return (unsigned)layer < DORF_MAP_LAYER_COUNT ? dorf_map_layer_name(layer) : NULL;
}

dorf_status dorf_store_basemap_features(dorf_store *store, dorf_arena *arena, dorf_map_layer layer,
                                        const dorf_feature_query *q, dorf_basemap_feature **out,
                                        size_t *count, int64_t *matched) {
    *out = NULL;
    *count = 0;
    *matched = 0;
    const char *name = basemap_layer(layer);
    if (!name) {
        return dorf_fail(store->ctx, DORF_EINVAL, "no such layer of the base map (%d)", (int)layer);
    }
    return page(store, arena, q, 0, name, basemap_sql, sizeof **out, read_basemap,
                "reading the base map", (void **)out, count, matched);
}

/* ---- single features --------------------------------------------------------------------- */

/* Reads the one row `stmt` finds into `item`; DORF_ENOTFOUND (with `missing`) when none. */
static dorf_status one_row(struct sql_store *s, dorf_arena *arena, sql_stmt *stmt, size_t item_size,
                           row_reader read, const char *what, const char *missing, void *item) {
    void *items = NULL;
    size_t n = 0;
    dorf_status st = read_rows(s, arena, stmt, item_size, read, what, &items, &n, NULL);
    if (st == DORF_OK && n == 0) {
        st = dorf_fail(s->base.ctx, DORF_ENOTFOUND, "%s", missing);
    }
    if (st == DORF_OK) {
        memcpy(item, items, item_size);
    }
    return st;
}

dorf_status dorf_store_place_feature(dorf_store *store, dorf_arena *arena, char osm_type,
                                     int64_t osm_id, dorf_place_feature *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, place_by_osm_sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    const char type[2] = {osm_type, '\0'};
    market_bind_text(stmt, ":type", type);
    market_bind_int(stmt, ":osm", osm_id);
    char missing[64];
    snprintf(missing, sizeof missing, "no place %c%lld", osm_type, (long long)osm_id);
    st = one_row(s, arena, stmt, sizeof *out, read_place, "reading a place", missing, out);
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_road_feature(dorf_store *store, dorf_arena *arena, int64_t id,
                                    dorf_road_feature *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, road_by_id_sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    market_bind_int(stmt, ":id", id);
    char missing[64];
    snprintf(missing, sizeof missing, "no road segment %lld", (long long)id);
    st = one_row(s, arena, stmt, sizeof *out, read_road, "reading a road segment", missing, out);
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_event_feature(dorf_store *store, dorf_arena *arena, int64_t id,
                                     dorf_event_feature *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, event_by_id_sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    market_bind_int(stmt, ":id", id);
    char missing[64];
    snprintf(missing, sizeof missing, "no public event %lld", (long long)id);
    st = one_row(s, arena, stmt, sizeof *out, read_event, "reading an event", missing, out);
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_basemap_feature(dorf_store *store, dorf_arena *arena, dorf_map_layer layer,
                                       char osm_type, int64_t osm_id, dorf_basemap_feature *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    const char *name = basemap_layer(layer);
    if (!name) {
        return dorf_fail(store->ctx, DORF_EINVAL, "no such layer of the base map (%d)", (int)layer);
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, basemap_by_osm_sql[s->dialect], &stmt);
    if (st != DORF_OK) {
        return st;
    }
    const char type[2] = {osm_type, '\0'};
    market_bind_text(stmt, ":layer", name);
    market_bind_text(stmt, ":type", type);
    market_bind_int(stmt, ":osm", osm_id);
    char missing[96];
    snprintf(missing, sizeof missing, "no %s feature %c%lld", name, osm_type, (long long)osm_id);
    st = one_row(s, arena, stmt, sizeof *out, read_basemap, "reading the base map", missing, out);
    sql_finalize(stmt);
    return st;
}

/* ---- extents ----------------------------------------------------------------------------- */

/* PostGIS: the count and bounds of `table`'s geometries (`where`: which rows). */
#define EXTENT_PG(table, where)                                                                    \
    "SELECT n, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), NULL, NULL"                         \
    " FROM (SELECT count(*) AS n, ST_Extent(geom) AS b FROM " table where ") AS x"

dorf_status dorf_store_feature_extent(dorf_store *store, dorf_feature_layer layer,
                                      dorf_feature_extent *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    /*
     * SpatiaLite reads the bounds from the R*Tree (single precision, rounded outwards);
     * PostGIS aggregates them with ST_Extent.
     */
    const int pg = s->dialect == SQL_POSTGRES;
    const char *sql;
    switch (layer) {
    case DORF_LAYER_PLACES:
        sql = pg ? EXTENT_PG("place", "")
                 : "SELECT count(*), min(xmin), min(ymin), max(xmax), max(ymax), NULL, NULL"
                   " FROM idx_place_geom";
        break;
    case DORF_LAYER_ROADS:
        sql = pg ? EXTENT_PG("road_edge", "")
                 : "SELECT count(*), min(xmin), min(ymin), max(xmax), max(ymax), NULL, NULL"
                   " FROM idx_road_edge_geom";
        break;
    case DORF_LAYER_EVENTS:
        sql = "SELECT count(*), min(lon), min(lat), max(lon), max(lat), min(starts_at),"
              " max(coalesce(ends_at, starts_at)) FROM post WHERE" EVENT_PUBLIC;
        break;
    case DORF_LAYER_LANDCOVER:
    case DORF_LAYER_WATER:
    case DORF_LAYER_WATERWAYS:
    case DORF_LAYER_RAILWAYS:
        sql = pg ? EXTENT_PG("map_feature", " WHERE layer = :layer")
                 : "SELECT count(*), min(r.xmin), min(r.ymin), max(r.xmax), max(r.ymax), NULL, NULL"
                   " FROM map_feature AS m JOIN idx_map_feature_geom AS r ON r.pkid = m.id"
                   " WHERE m.layer = :layer";
        break;
    default:
        return dorf_fail(store->ctx, DORF_EINVAL, "no such layer of features (%d)", (int)layer);
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (layer >= DORF_LAYER_LANDCOVER) {
        market_bind_text(stmt, ":layer",
                         dorf_map_layer_name((dorf_map_layer)(layer - DORF_LAYER_LANDCOVER)));
    }
    if (sql_step(stmt) != SQL_ROW) {
        st = sql_store_fail(s, "reading the extent of a layer");
    } else if (sql_column_int64(stmt, 0) > 0) {
        out->has_bbox = 1;
        for (int i = 0; i < 4; i++) {
            out->bbox[i] = sql_column_double(stmt, 1 + i);
        }
        if (sql_column_type(stmt, 5) != SQL_NULL) {
            out->has_time = 1;
            out->time_min = sql_column_int64(stmt, 5);
            out->time_max = sql_column_int64(stmt, 6);
        }
    }
    sql_finalize(stmt);
    return st;
}
