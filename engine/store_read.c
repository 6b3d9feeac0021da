/*
 * store_read.c: reading the region back from the store, SpatiaLite or PostGIS: the whole
 * model (dorf_store_load_region), the counts `dorf info` shows, and the import's issue list.
 *
 * The SQL is the same on both: geometries come back as WKB through ST_AsBinary and points
 * through ST_X and ST_Y, names that SpatiaLite and PostGIS both know, and rows in id order,
 * so that a region loads identically from either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "store_sql.h"

/* Copies column `col` of the current row into the region's arena; NULL stays NULL. */
static const char *column_text(dorf_region *r, sql_stmt *stmt, int col) {
    const unsigned char *t = sql_column_text(stmt, col);
    if (!t) {
        return NULL;
    }
    return dorf_arena_strndup(r->arena, (const char *)t, (size_t)sql_column_bytes(stmt, col));
}

/* Copies a text column that may not be NULL; sets *oom when the copy fails. */
static const char *column_text_req(dorf_region *r, sql_stmt *stmt, int col, int *oom) {
    const char *t = column_text(r, stmt, col);
    if (!t && sql_column_type(stmt, col) != SQL_NULL) {
        *oom = 1;
    }
    return t;
}

static uint32_t get_u32(const unsigned char *p, int little) {
    uint32_t v;
    if (little) {
        v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    } else {
        v = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    }
    return v;
}

static double get_f64(const unsigned char *p, int little) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = little ? p[i] : p[7 - i];
    }
    double d;
    memcpy(&d, b, 8);
    return d;
}

/* Appends the points of a WKB LineString to the region; EPARSE if it is not one. */
static dorf_status decode_linestring(dorf_ctx *ctx, dorf_region *r, const unsigned char *wkb,
                                     int size, dorf_road_edge *e) {
    if (size < 9 || (wkb[0] != 0 && wkb[0] != 1)) {
        return dorf_fail(ctx, DORF_EPARSE, "road edge geometry is not WKB");
    }
    int little = wkb[0];
    uint32_t type = get_u32(wkb + 1, little);
    uint32_t n = get_u32(wkb + 5, little);
    if (type != 2 || n < 2 || (size_t)size < 9 + (size_t)n * 16) {
        return dorf_fail(ctx, DORF_EPARSE, "road edge geometry is not a WKB LineString");
    }
    e->point_first = (uint32_t)r->point_count;
    e->point_count = n;
    for (uint32_t i = 0; i < n; i++) {
        dorf_point p = {get_f64(wkb + 9 + i * 16, little), get_f64(wkb + 17 + i * 16, little)};
        dorf_status st = dorf_region_add_point(ctx, r, p, NULL);
        if (st != DORF_OK) {
            return st;
        }
    }
    return DORF_OK;
}

static dorf_status load_meta(struct sql_store *s, dorf_region *r, int *found) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "SELECT key, value FROM region_meta", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int rc;
    int oom = 0;
    *found = 0;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        const char *key = (const char *)sql_column_text(stmt, 0);
        const char *value = (const char *)sql_column_text(stmt, 1);
        dorf_region_meta *m = &r->meta;
        *found = 1;
        if (strcmp(key, "source") == 0) {
            m->source = column_text_req(r, stmt, 1, &oom);
        } else if (strcmp(key, "imported_at") == 0) {
            m->imported_at = column_text_req(r, stmt, 1, &oom);
        } else if (strcmp(key, "crs_epsg") == 0) {
            m->crs_epsg = atoi(value);
        } else if (strcmp(key, "min_lon") == 0) {
            m->min_lon_deg = strtod(value, NULL);
        } else if (strcmp(key, "min_lat") == 0) {
            m->min_lat_deg = strtod(value, NULL);
        } else if (strcmp(key, "max_lon") == 0) {
            m->max_lon_deg = strtod(value, NULL);
        } else if (strcmp(key, "max_lat") == 0) {
            m->max_lat_deg = strtod(value, NULL);
        } else if (strcmp(key, "persons_per_household") == 0) {
            m->persons_per_household = strtod(value, NULL);
        }
    }
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "reading region facts");
    }
    return oom ? dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory loading the region") : DORF_OK;
}

static dorf_status load_rows(struct sql_store *s, dorf_region *r);

dorf_status sql_store_load_region(dorf_store *store, dorf_region **out) {
    struct sql_store *s = (struct sql_store *)store;
    dorf_region *r = NULL;
    *out = NULL;
    dorf_status st = dorf_region_new(store->ctx, &r);
    if (st != DORF_OK) {
        return st;
    }
    /* One read transaction, so that the region read is one consistent snapshot. */
    if ((st = sql_store_begin(s, 0)) != DORF_OK) {
        dorf_region_free(r);
        return st;
    }
    int found = 0;
    st = load_meta(s, r, &found);
    if (st == DORF_OK && !found) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND,
                       "%s holds no region yet; run `dorf import --db %s EXTRACT`", s->path,
                       s->path);
    }
    if (st == DORF_OK) {
        st = load_rows(s, r);
    }
    sql_commit(s->conn);
    if (st != DORF_OK) {
        dorf_region_free(r);
        return st;
    }
    *out = r;
    return DORF_OK;
}

static const char load_nodes_sql[] = "SELECT id, osm_id, lon, lat FROM road_node ORDER BY id";
static const char load_edges_sql[] =
    "SELECT from_node, to_node, osm_way_id, highway, length_m, maxspeed_kmh, access_forward,"
    " access_backward, name, surface, ST_AsBinary(geom) FROM road_edge ORDER BY id";
static const char load_restrictions_sql[] =
    "SELECT osm_relation_id, from_way_id, via_node, to_way_id, kind, only_turn, modes"
    " FROM turn_restriction ORDER BY id";
static const char load_buildings_sql[] =
    "SELECT id, osm_type, osm_id, kind, lon, lat, area_m2, levels, households, household_source,"
    " ST_AsBinary(geom) FROM building ORDER BY id";
static const char load_households_sql[] = "SELECT building_id, persons FROM household ORDER BY id";
static const char load_addresses_sql[] =
    "SELECT osm_id, street, housenumber, postcode, city, building_id, ST_X(geom), ST_Y(geom)"
    " FROM address ORDER BY id";
static const char load_places_sql[] =
    "SELECT osm_type, osm_id, category, osm_key, osm_value, shop, name, opening_hours,"
    " opening_hours_error, phone, website, street, housenumber, postcode, city, ST_X(geom), "
    "ST_Y(geom)"
    " FROM place ORDER BY id";

static const char load_map_features_sql[] =
    "SELECT osm_type, osm_id, layer, kind, name, ST_AsBinary(geom) FROM map_feature ORDER BY id";

static const char load_settlements_sql[] = "SELECT osm_type, osm_id, kind, name, population, "
                                           "ST_X(geom), ST_Y(geom) FROM settlement ORDER BY id";

static dorf_household_source household_source_from_name(const char *name) {
    for (int i = DORF_HH_NONE; i <= DORF_HH_RESIDENTIAL_AREA; i++) {
        if (name && strcmp(name, dorf_household_source_name((dorf_household_source)i)) == 0) {
            return (dorf_household_source)i;
        }
    }
    return DORF_HH_NONE;
}

/* Reads one row of `table` (the statement's current row) into the region. */
static dorf_status load_row(struct sql_store *s, dorf_region *r, int table, sql_stmt *stmt) {
    dorf_ctx *ctx = s->base.ctx;
    int oom = 0;
    dorf_status st = DORF_OK;
    switch (table) {
    case 0: {
        dorf_road_node n = {sql_column_int64(stmt, 1), sql_column_double(stmt, 2),
                            sql_column_double(stmt, 3)};
        if (sql_column_int64(stmt, 0) != (int64_t)r->node_count + 1) {
            return dorf_fail(ctx, DORF_EIO, "%s: road node ids are not contiguous", s->path);
        }
        return dorf_region_add_node(ctx, r, &n, NULL);
    }
    case 1: {
        dorf_road_edge e = {0};
        e.from = (uint32_t)(sql_column_int64(stmt, 0) - 1);
        e.to = (uint32_t)(sql_column_int64(stmt, 1) - 1);
        e.osm_way_id = sql_column_int64(stmt, 2);
        if (dorf_highway_from_osm((const char *)sql_column_text(stmt, 3), &e.highway) != DORF_OK) {
            return dorf_fail(ctx, DORF_EIO, "%s: road edge of way %lld has unknown class %s",
                             s->path, (long long)e.osm_way_id, sql_column_text(stmt, 3));
        }
        e.length_m = sql_column_double(stmt, 4);
        e.maxspeed_kmh = (float)sql_column_double(stmt, 5);
        e.access_forward = (uint8_t)sql_column_int(stmt, 6);
        e.access_backward = (uint8_t)sql_column_int(stmt, 7);
        e.name = column_text_req(r, stmt, 8, &oom);
        e.surface = column_text_req(r, stmt, 9, &oom);
        if (e.from >= r->node_count || e.to >= r->node_count) {
            return dorf_fail(ctx, DORF_EIO, "%s: road edge refers to a missing node", s->path);
        }
        const unsigned char *wkb = sql_column_blob(stmt, 10);
        if (!wkb && sql_column_type(stmt, 10) != SQL_NULL) {
            return dorf_fail(ctx, DORF_ENOMEM, "out of memory loading the region");
        }
        st = decode_linestring(ctx, r, wkb, sql_column_bytes(stmt, 10), &e);
        if (st == DORF_OK) {
            st = dorf_region_add_edge(ctx, r, &e);
        }
        break;
    }
    case 2: {
        dorf_turn_restriction t = {0};
        t.osm_relation_id = sql_column_int64(stmt, 0);
        t.from_way_id = sql_column_int64(stmt, 1);
        t.via_node = (uint32_t)(sql_column_int64(stmt, 2) - 1);
        t.to_way_id = sql_column_int64(stmt, 3);
        t.kind = column_text_req(r, stmt, 4, &oom);
        t.only = sql_column_int(stmt, 5);
        t.modes = (uint8_t)sql_column_int(stmt, 6);
        st = dorf_region_add_restriction(ctx, r, &t);
        break;
    }
    case 3: {
        dorf_building b = {0};
        const unsigned char *type = sql_column_text(stmt, 1);
        b.osm_is_relation = type && type[0] == 'r';
        b.osm_id = sql_column_int64(stmt, 2);
        b.kind = column_text_req(r, stmt, 3, &oom);
        b.lon_deg = sql_column_double(stmt, 4);
        b.lat_deg = sql_column_double(stmt, 5);
        b.area_m2 = sql_column_double(stmt, 6);
        b.levels = sql_column_int(stmt, 7);
        b.households = sql_column_int(stmt, 8);
        b.household_source = household_source_from_name((const char *)sql_column_text(stmt, 9));
        const void *blob = sql_column_blob(stmt, 10);
        b.wkb_size = (size_t)sql_column_bytes(stmt, 10);
        unsigned char *wkb = dorf_arena_alloc(r->arena, b.wkb_size);
        if (!wkb || (!blob && sql_column_type(stmt, 10) != SQL_NULL)) {
            oom = 1; /* a geometry without its bytes: they could not be decoded into memory */
        } else if (b.wkb_size) {
            memcpy(wkb, blob, b.wkb_size);
        }
        b.wkb = wkb;
        st = dorf_region_add_building(ctx, r, &b, NULL);
        break;
    }
    case 4: {
        dorf_household h = {(uint32_t)(sql_column_int64(stmt, 0) - 1), sql_column_double(stmt, 1)};
        st = dorf_region_add_household(ctx, r, &h);
        break;
    }
    case 5: {
        dorf_address a = {0};
        a.osm_id = sql_column_int64(stmt, 0);
        a.street = column_text_req(r, stmt, 1, &oom);
        a.housenumber = column_text_req(r, stmt, 2, &oom);
        a.postcode = column_text_req(r, stmt, 3, &oom);
        a.city = column_text_req(r, stmt, 4, &oom);
        a.building =
            sql_column_type(stmt, 5) == SQL_NULL ? -1 : (int32_t)(sql_column_int64(stmt, 5) - 1);
        a.lon_deg = sql_column_double(stmt, 6);
        a.lat_deg = sql_column_double(stmt, 7);
        st = dorf_region_add_address(ctx, r, &a);
        break;
    }
    case 7: {
        dorf_map_feature f = {0};
        const unsigned char *type = sql_column_text(stmt, 0);
        f.osm_type = type && type[0] == 'r' ? 'r' : 'w';
        f.osm_id = sql_column_int64(stmt, 1);
        if (dorf_map_layer_from_name((const char *)sql_column_text(stmt, 2), &f.layer) != DORF_OK) {
            return dorf_fail(ctx, DORF_EIO, "%s: map feature %c%lld has unknown layer %s", s->path,
                             f.osm_type, (long long)f.osm_id, sql_column_text(stmt, 2));
        }
        f.kind = column_text_req(r, stmt, 3, &oom);
        f.name = column_text_req(r, stmt, 4, &oom);
        const void *blob = sql_column_blob(stmt, 5);
        f.wkb_size = (size_t)sql_column_bytes(stmt, 5);
        unsigned char *wkb = dorf_arena_alloc(r->arena, f.wkb_size ? f.wkb_size : 1);
        if (!wkb || (!blob && sql_column_type(stmt, 5) != SQL_NULL)) {
            oom = 1;
        } else if (f.wkb_size) {
            memcpy(wkb, blob, f.wkb_size);
        }
        f.wkb = wkb;
        st = dorf_region_add_map_feature(ctx, r, &f);
        break;
    }
    case 8: {
        dorf_settlement t = {0};
        const unsigned char *type = sql_column_text(stmt, 0);
        t.osm_type = type ? (char)type[0] : 'n';
        t.osm_id = sql_column_int64(stmt, 1);
        t.kind = column_text_req(r, stmt, 2, &oom);
        t.name = column_text_req(r, stmt, 3, &oom);
        t.population = sql_column_type(stmt, 4) == SQL_NULL ? -1 : sql_column_int64(stmt, 4);
        t.lon_deg = sql_column_double(stmt, 5);
        t.lat_deg = sql_column_double(stmt, 6);
        st = dorf_region_add_settlement(ctx, r, &t);
        break;
    }
    default: {
        dorf_place p = {0};
        const unsigned char *type = sql_column_text(stmt, 0);
        p.osm_type = type ? (char)type[0] : 'n';
        p.osm_id = sql_column_int64(stmt, 1);
        if (dorf_category_from_name((const char *)sql_column_text(stmt, 2), &p.category) !=
            DORF_OK) {
            p.category = DORF_CAT_OTHER;
        }
        const char **text[] = {&p.osm_key,       &p.osm_value,           &p.shop,     &p.name,
                               &p.opening_hours, &p.opening_hours_error, &p.phone,    &p.website,
                               &p.street,        &p.housenumber,         &p.postcode, &p.city};
        for (int i = 0; i < (int)(sizeof text / sizeof text[0]); i++) {
            *text[i] = column_text_req(r, stmt, 3 + i, &oom);
        }
        p.lon_deg = sql_column_double(stmt, 15);
        p.lat_deg = sql_column_double(stmt, 16);
        st = dorf_region_add_place(ctx, r, &p);
        break;
    }
    }
    if (oom) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory loading the region");
    }
    return st;
}

static dorf_status load_rows(struct sql_store *s, dorf_region *r) {
    static const char *const queries[] = {
        load_nodes_sql,     load_edges_sql,        load_restrictions_sql,
        load_buildings_sql, load_households_sql,   load_addresses_sql,
        load_places_sql,    load_map_features_sql, load_settlements_sql,
    };
    for (int table = 0; table < (int)(sizeof queries / sizeof queries[0]); table++) {
        sql_stmt *stmt = NULL;
        dorf_status st = sql_store_prepare(s, queries[table], &stmt);
        if (st != DORF_OK) {
            return st;
        }
        int rc;
        while ((rc = sql_step(stmt)) == SQL_ROW) {
            if ((st = load_row(s, r, table, stmt)) != DORF_OK) {
                break;
            }
        }
        if (st == DORF_OK && rc != SQL_DONE) {
            st = sql_store_fail(s, "loading the region");
        }
        sql_finalize(stmt);
        if (st != DORF_OK) {
            return st;
        }
    }
    return DORF_OK;
}

/* Runs a query returning one number; *out stays 0 when the result is NULL. */
static dorf_status query_number(struct sql_store *s, const char *sql, double *out) {
    return sql_store_query_double(s, sql, "summarising the region", out);
}

dorf_status sql_store_summarize(dorf_store *store, dorf_region_summary *out) {
    struct sql_store *s = (struct sql_store *)store;
    dorf_region *r = NULL;
    dorf_status st = dorf_region_new(store->ctx, &r);
    if (st != DORF_OK) {
        return st;
    }
    out->schema_version = s->version;
    int found = 0;
    if ((st = sql_store_begin(s, 0)) != DORF_OK) {
        dorf_region_free(r);
        return st;
    }
    if ((st = load_meta(s, r, &found)) != DORF_OK || !found) {
        goto done;
    }
    out->has_region = 1;
    snprintf(out->source, sizeof out->source, "%s", r->meta.source ? r->meta.source : "");
    snprintf(out->imported_at, sizeof out->imported_at, "%s",
             r->meta.imported_at ? r->meta.imported_at : "");
    out->crs_epsg = r->meta.crs_epsg;
    out->min_lon_deg = r->meta.min_lon_deg;
    out->min_lat_deg = r->meta.min_lat_deg;
    out->max_lon_deg = r->meta.max_lon_deg;
    out->max_lat_deg = r->meta.max_lat_deg;

    struct {
        const char *sql;
        uint64_t *count;
    } counts[] = {
        {"SELECT count(DISTINCT osm_way_id) FROM road_edge", &out->road_ways},
        {"SELECT count(*) FROM road_node", &out->road_nodes},
        {"SELECT count(*) FROM road_edge", &out->road_edges},
        {"SELECT count(*) FROM turn_restriction", &out->turn_restrictions},
        {"SELECT count(*) FROM building", &out->buildings},
        {"SELECT count(*) FROM building WHERE households > 0", &out->residential_buildings},
        {"SELECT count(*) FROM household", &out->households},
        {"SELECT count(*) FROM address", &out->addresses},
        {"SELECT count(*) FROM place", &out->places},
        {"SELECT count(*) FROM place WHERE shop IS NOT NULL", &out->shops},
        {"SELECT count(*) FROM place WHERE opening_hours IS NOT NULL", &out->opening_hours},
        {"SELECT count(*) FROM place WHERE opening_hours_error IS NOT NULL",
         &out->opening_hours_unparsed},
        {"SELECT count(*) FROM settlement", &out->settlements},
        {"SELECT count(*) FROM import_issue", &out->import_issues},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        double v = 0;
        if ((st = query_number(s, counts[i].sql, &v)) != DORF_OK) {
            goto done;
        }
        *counts[i].count = (uint64_t)v;
    }
    if ((st = query_number(s, "SELECT sum(persons) FROM household", &out->persons)) != DORF_OK) {
        goto done;
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT sum(length_m) / 1000.0 FROM road_edge"
                 " WHERE ((access_forward | access_backward) & %d) != 0",
                 1 << m);
        if ((st = query_number(s, sql, &out->road_km[m])) != DORF_OK) {
            goto done;
        }
    }
    for (int l = 0; l < DORF_MAP_LAYER_COUNT; l++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM map_feature WHERE layer = '%s'",
                 dorf_map_layer_name((dorf_map_layer)l));
        double v = 0;
        if ((st = query_number(s, sql, &v)) != DORF_OK) {
            goto done;
        }
        out->map_features[l] = (uint64_t)v;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, "SELECT category, count(*) FROM place GROUP BY category",
                                &stmt)) != DORF_OK) {
        goto done;
    }
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        dorf_category cat;
        if (dorf_category_from_name((const char *)sql_column_text(stmt, 0), &cat) == DORF_OK) {
            out->places_by_category[cat] = (uint64_t)sql_column_int64(stmt, 1);
        }
    }
    if (rc != SQL_DONE) {
        st = sql_store_fail(s, "counting places");
    }
    sql_finalize(stmt);

done:
    sql_commit(s->conn);
    dorf_region_free(r);
    return st;
}

dorf_status sql_store_each_issue(dorf_store *store, const char *kind,
                                 int (*fn)(void *user, const dorf_import_issue *issue),
                                 void *user) {
    struct sql_store *s = (struct sql_store *)store;
    sql_stmt *stmt = NULL;
    /* The cast gives PostgreSQL the parameter's type when it is NULL (every kind). */
    dorf_status st = sql_store_prepare(s,
                                       "SELECT kind, osm_type, osm_id, detail FROM import_issue"
                                       " WHERE CAST(?1 AS TEXT) IS NULL OR kind = ?1 ORDER BY id",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (kind) {
        sql_bind_text(stmt, 1, kind, -1, SQL_STATIC);
    }
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        const unsigned char *type = sql_column_text(stmt, 1);
        dorf_import_issue issue = {
            .kind = (const char *)sql_column_text(stmt, 0),
            .osm_type = type ? (char)type[0] : '?',
            .osm_id = sql_column_int64(stmt, 2),
            .detail = (const char *)sql_column_text(stmt, 3),
        };
        if (fn(user, &issue) != 0) {
            rc = SQL_DONE;
            break;
        }
    }
    if (rc != SQL_DONE) {
        st = sql_store_fail(s, "reading import issues");
    }
    sql_finalize(stmt);
    return st;
}

dorf_status sql_store_stamp(dorf_store *store, dorf_region_stamp *out) {
    struct sql_store *s = (struct sql_store *)store;
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s,
        "SELECT key, value FROM region_meta"
        " WHERE key IN ('imported_at', 'road_nodes', 'road_edges', 'turn_restrictions')",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int rc, found = 0;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        const char *key = (const char *)sql_column_text(stmt, 0);
        const char *value = (const char *)sql_column_text(stmt, 1);
        if (strcmp(key, "imported_at") == 0) {
            snprintf(out->imported_at, sizeof out->imported_at, "%s", value);
        } else if (strcmp(key, "road_nodes") == 0) {
            out->road_nodes = strtoull(value, NULL, 10);
        } else if (strcmp(key, "road_edges") == 0) {
            out->road_edges = strtoull(value, NULL, 10);
        } else {
            out->turn_restrictions = strtoull(value, NULL, 10);
        }
        found++;
    }
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "reading region facts");
    }
    if (found == 0) {
        return dorf_fail(store->ctx, DORF_ENOTFOUND,
                         "%s holds no region yet; run `dorf import --db %s EXTRACT`", s->path,
                         s->path);
    }
    if (found < 4) {
        /* Written before the counts were kept with the region: count once. */
        dorf_region_summary sum;
        memset(&sum, 0, sizeof sum);
        if ((st = sql_store_summarize(store, &sum)) != DORF_OK) {
            return st;
        }
        out->road_nodes = sum.road_nodes;
        out->road_edges = sum.road_edges;
        out->turn_restrictions = sum.turn_restrictions;
    }
    return DORF_OK;
}
