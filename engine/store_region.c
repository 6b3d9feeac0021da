/*
 * store_region.c: writing the region into the SpatiaLite store.
 *
 * A region is replaced in one transaction (delete the old rows, insert the new), so readers
 * see either the old region or the new one, and an interrupt or failure mid-way rolls back
 * to the old. Geometries travel as WKB through SpatiaLite's GeomFromWKB/AsBinary.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "store_sql.h"

/* How often (in rows) the writer reports progress and polls for an interrupt. */
#define ROWS_PER_TICK 4096

/* Statement texts, in the order the writer uses them. */
enum {
    INS_META,
    INS_NODE,
    INS_EDGE,
    INS_RESTRICTION,
    INS_BUILDING,
    INS_HOUSEHOLD,
    INS_ADDRESS,
    INS_PLACE,
    INS_MAP_FEATURE,
    INS_SETTLEMENT,
    INS_ISSUE,
    INS_COUNT
};

static const char *const insert_sql[INS_COUNT] = {
    "INSERT INTO region_meta(key, value) VALUES (?, ?)",
    "INSERT INTO road_node(id, osm_id, lon, lat) VALUES (?, ?, ?, ?)",
    "INSERT INTO road_edge(id, from_node, to_node, osm_way_id, highway, length_m, maxspeed_kmh,"
    " access_forward, access_backward, name, surface, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326))",
    "INSERT INTO turn_restriction(osm_relation_id, from_way_id, via_node, to_way_id, kind,"
    " only_turn, modes) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO building(id, osm_type, osm_id, kind, lon, lat, area_m2, levels, households,"
    " household_source, geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " CastToMultiPolygon(GeomFromWKB(?, 4326)))",
    "INSERT INTO household(building_id, persons) VALUES (?, ?)",
    "INSERT INTO address(osm_id, street, housenumber, postcode, city, building_id, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO place(osm_type, osm_id, category, osm_key, osm_value, shop, name, opening_hours,"
    " opening_hours_error, phone, website, street, housenumber, postcode, city, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO map_feature(id, osm_type, osm_id, layer, kind, name, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326))",
    "INSERT INTO settlement(osm_type, osm_id, kind, name, population, geom)"
    " VALUES (?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO import_issue(kind, osm_type, osm_id, detail) VALUES (?, ?, ?, ?)",
};

/*
 * The spatial indexes are taken down for the bulk write and built again at its end, inside
 * the same transaction: SpatiaLite's per-row index triggers build and parse SQL for every
 * row, which made them most of an import's writing time.
 */
static const char drop_spatial_indexes_sql[] =
    "SELECT DisableSpatialIndex('road_edge', 'geom'), DisableSpatialIndex('building', 'geom'),"
    "       DisableSpatialIndex('address', 'geom'), DisableSpatialIndex('place', 'geom'),"
    "       DisableSpatialIndex('map_feature', 'geom');"
    "DROP TABLE IF EXISTS idx_road_edge_geom;"
    "DROP TABLE IF EXISTS idx_building_geom;"
    "DROP TABLE IF EXISTS idx_address_geom;"
    "DROP TABLE IF EXISTS idx_place_geom;"
    "DROP TABLE IF EXISTS idx_map_feature_geom;";

static const char create_spatial_indexes_sql[] =
    "SELECT CreateSpatialIndex('road_edge', 'geom'), CreateSpatialIndex('building', 'geom'),"
    "       CreateSpatialIndex('address', 'geom'), CreateSpatialIndex('place', 'geom'),"
    "       CreateSpatialIndex('map_feature', 'geom');";

/*
 * Runs the statements of `sql` inside the region's transaction, for SpatiaLite's index
 * functions: they report a failure by returning 0 (and printing it), not as an SQL error, and
 * an I/O or memory error inside them can make SQLite roll the whole transaction back. Carrying
 * on would then write the rest of the region outside any transaction, one autocommit at a
 * time, over the old region. So every value a statement returns must be 1, and the
 * transaction must still be open afterwards.
 */
static dorf_status exec_in_transaction(struct sql_store *s, const char *sql, const char *what) {
    dorf_status st = DORF_OK;
    const char *next = sql;
    while (st == DORF_OK && next && *next) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(s->db, next, -1, &stmt, &next) != SQLITE_OK) {
            return sql_store_fail(s, what);
        }
        if (!stmt) {
            break; /* only white space left */
        }
        int rc;
        int refused = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(stmt); i++) {
                refused |= sqlite3_column_int(stmt, i) != 1;
            }
        }
        if (rc != SQLITE_DONE) {
            st = sql_store_fail(s, what);
        } else if (refused) {
            st = dorf_fail(s->base.ctx, DORF_EIO,
                           "%s: %s: SpatiaLite refused (its message is above)", s->path, what);
        }
        sqlite3_finalize(stmt);
    }
    if (st == DORF_OK && !sql_in_transaction(s->conn)) {
        st = dorf_fail(s->base.ctx, DORF_EIO,
                       "%s: %s: the database rolled the import back after an error (disk full or "
                       "failing?); the previous region is kept",
                       s->path, what);
    }
    return st;
}

/* Order matters: rows that others refer to are deleted last. */
static const char clear_region_sql[] = "DELETE FROM household;"
                                       "DELETE FROM address;"
                                       "DELETE FROM building;"
                                       "DELETE FROM turn_restriction;"
                                       "DELETE FROM road_edge;"
                                       "DELETE FROM road_node;"
                                       "DELETE FROM place;"
                                       "DELETE FROM map_feature;"
                                       "DELETE FROM settlement;"
                                       "DELETE FROM import_issue;"
                                       "DELETE FROM region_meta;";

struct writer {
    struct sql_store *s;
    sql_stmt *stmt[INS_COUNT];
    uint64_t rows;
    uint64_t total;
    unsigned char *wkb;
    size_t wkb_cap;
};

static void bind_text_or_null(sql_stmt *stmt, int col, const char *text) {
    if (text) {
        sql_bind_text(stmt, col, text, -1, SQL_STATIC);
    } else {
        sql_bind_null(stmt, col);
    }
}

/* Steps and resets an insert; polls the interrupt flag every ROWS_PER_TICK rows. */
static dorf_status step_insert(struct writer *w, int which, const char *what) {
    sql_stmt *stmt = w->stmt[which];
    int rc = sql_step(stmt);
    sql_reset(stmt);
    sql_clear_bindings(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(w->s, what);
    }
    if (++w->rows % ROWS_PER_TICK == 0) {
        dorf_progress(w->s->base.ctx, "writing region", w->rows, w->total);
        if (dorf_ctx_interrupted(w->s->base.ctx)) {
            return dorf_fail(w->s->base.ctx, DORF_EINTR,
                             "interrupted while writing; the previous region is unchanged");
        }
    }
    return DORF_OK;
}

static void put_u32(unsigned char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

/* Encodes an edge's shape as a little-endian WKB LineString into w->wkb. */
static dorf_status encode_linestring(struct writer *w, const dorf_region *r,
                                     const dorf_road_edge *e, size_t *size) {
    size_t need = 9 + (size_t)e->point_count * 16;
    if (dorf_grow((void **)&w->wkb, &w->wkb_cap, need, 1) != 0) {
        return dorf_fail(w->s->base.ctx, DORF_ENOMEM, "out of memory encoding a road shape");
    }
    unsigned char *p = w->wkb;
    *p++ = 1; /* little endian: dorf builds only on little-endian hosts (checked in CMake) */
    put_u32(p, 2);
    put_u32(p + 4, e->point_count);
    p += 8;
    for (uint32_t i = 0; i < e->point_count; i++) {
        const dorf_point *pt = &r->points[e->point_first + i];
        memcpy(p, &pt->lon_deg, 8);
        memcpy(p + 8, &pt->lat_deg, 8);
        p += 16;
    }
    *size = need;
    return DORF_OK;
}

static dorf_status write_meta(struct writer *w, const char *key, const char *value) {
    sql_stmt *stmt = w->stmt[INS_META];
    sql_bind_text(stmt, 1, key, -1, SQL_STATIC);
    sql_bind_text(stmt, 2, value ? value : "", -1, SQL_TRANSIENT);
    return step_insert(w, INS_META, "writing region facts");
}

static dorf_status write_meta_number(struct writer *w, const char *key, double value) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return write_meta(w, key, buf);
}

static dorf_status write_all(struct writer *w, const dorf_region *r) {
    dorf_status st;
    const dorf_region_meta *m = &r->meta;
    if ((st = write_meta(w, "source", m->source)) != DORF_OK ||
        (st = write_meta(w, "imported_at", m->imported_at)) != DORF_OK ||
        (st = write_meta_number(w, "crs_epsg", m->crs_epsg)) != DORF_OK ||
        (st = write_meta_number(w, "min_lon", m->min_lon_deg)) != DORF_OK ||
        (st = write_meta_number(w, "min_lat", m->min_lat_deg)) != DORF_OK ||
        (st = write_meta_number(w, "max_lon", m->max_lon_deg)) != DORF_OK ||
        (st = write_meta_number(w, "max_lat", m->max_lat_deg)) != DORF_OK ||
        (st = write_meta_number(w, "persons_per_household", m->persons_per_household)) != DORF_OK ||
        (st = write_meta_number(w, "road_nodes", (double)r->node_count)) != DORF_OK ||
        (st = write_meta_number(w, "road_edges", (double)r->edge_count)) != DORF_OK ||
        (st = write_meta_number(w, "turn_restrictions", (double)r->restriction_count)) != DORF_OK) {
        return st;
    }
    for (size_t i = 0; i < r->node_count; i++) {
        sql_stmt *stmt = w->stmt[INS_NODE];
        sql_bind_int64(stmt, 1, (int64_t)i + 1);
        sql_bind_int64(stmt, 2, r->nodes[i].osm_id);
        sql_bind_double(stmt, 3, r->nodes[i].lon_deg);
        sql_bind_double(stmt, 4, r->nodes[i].lat_deg);
        if ((st = step_insert(w, INS_NODE, "writing road nodes")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->edge_count; i++) {
        const dorf_road_edge *e = &r->edges[i];
        sql_stmt *stmt = w->stmt[INS_EDGE];
        size_t wkb_size = 0;
        if ((st = encode_linestring(w, r, e, &wkb_size)) != DORF_OK) {
            return st;
        }
        sql_bind_int64(stmt, 1, (int64_t)i + 1);
        sql_bind_int64(stmt, 2, (int64_t)e->from + 1);
        sql_bind_int64(stmt, 3, (int64_t)e->to + 1);
        sql_bind_int64(stmt, 4, e->osm_way_id);
        sql_bind_text(stmt, 5, dorf_highway_name(e->highway), -1, SQL_STATIC);
        sql_bind_double(stmt, 6, e->length_m);
        if (e->maxspeed_kmh > 0) {
            sql_bind_double(stmt, 7, e->maxspeed_kmh);
        }
        sql_bind_int(stmt, 8, e->access_forward);
        sql_bind_int(stmt, 9, e->access_backward);
        bind_text_or_null(stmt, 10, e->name);
        bind_text_or_null(stmt, 11, e->surface);
        sql_bind_blob(stmt, 12, w->wkb, (int)wkb_size, SQL_STATIC);
        if ((st = step_insert(w, INS_EDGE, "writing road edges")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->restriction_count; i++) {
        const dorf_turn_restriction *t = &r->restrictions[i];
        sql_stmt *stmt = w->stmt[INS_RESTRICTION];
        sql_bind_int64(stmt, 1, t->osm_relation_id);
        sql_bind_int64(stmt, 2, t->from_way_id);
        sql_bind_int64(stmt, 3, (int64_t)t->via_node + 1);
        sql_bind_int64(stmt, 4, t->to_way_id);
        sql_bind_text(stmt, 5, t->kind, -1, SQL_STATIC);
        sql_bind_int(stmt, 6, t->only ? 1 : 0);
        sql_bind_int(stmt, 7, t->modes);
        if ((st = step_insert(w, INS_RESTRICTION, "writing turn restrictions")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->building_count; i++) {
        const dorf_building *b = &r->buildings[i];
        sql_stmt *stmt = w->stmt[INS_BUILDING];
        sql_bind_int64(stmt, 1, (int64_t)i + 1);
        sql_bind_text(stmt, 2, b->osm_is_relation ? "r" : "w", 1, SQL_STATIC);
        sql_bind_int64(stmt, 3, b->osm_id);
        sql_bind_text(stmt, 4, b->kind ? b->kind : "yes", -1, SQL_STATIC);
        sql_bind_double(stmt, 5, b->lon_deg);
        sql_bind_double(stmt, 6, b->lat_deg);
        sql_bind_double(stmt, 7, b->area_m2);
        sql_bind_int(stmt, 8, b->levels);
        sql_bind_int(stmt, 9, b->households);
        sql_bind_text(stmt, 10, dorf_household_source_name(b->household_source), -1, SQL_STATIC);
        sql_bind_blob(stmt, 11, b->wkb, (int)b->wkb_size, SQL_STATIC);
        if ((st = step_insert(w, INS_BUILDING, "writing buildings")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->household_count; i++) {
        sql_stmt *stmt = w->stmt[INS_HOUSEHOLD];
        sql_bind_int64(stmt, 1, (int64_t)r->households[i].building + 1);
        sql_bind_double(stmt, 2, r->households[i].persons);
        if ((st = step_insert(w, INS_HOUSEHOLD, "writing households")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->address_count; i++) {
        const dorf_address *a = &r->addresses[i];
        sql_stmt *stmt = w->stmt[INS_ADDRESS];
        sql_bind_int64(stmt, 1, a->osm_id);
        bind_text_or_null(stmt, 2, a->street);
        bind_text_or_null(stmt, 3, a->housenumber);
        bind_text_or_null(stmt, 4, a->postcode);
        bind_text_or_null(stmt, 5, a->city);
        if (a->building >= 0) {
            sql_bind_int64(stmt, 6, (int64_t)a->building + 1);
        }
        sql_bind_double(stmt, 7, a->lon_deg);
        sql_bind_double(stmt, 8, a->lat_deg);
        if ((st = step_insert(w, INS_ADDRESS, "writing addresses")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->place_count; i++) {
        const dorf_place *p = &r->places[i];
        sql_stmt *stmt = w->stmt[INS_PLACE];
        char type[2] = {p->osm_type, '\0'};
        sql_bind_text(stmt, 1, type, 1, SQL_TRANSIENT);
        sql_bind_int64(stmt, 2, p->osm_id);
        sql_bind_text(stmt, 3, dorf_category_name(p->category), -1, SQL_STATIC);
        bind_text_or_null(stmt, 4, p->osm_key);
        bind_text_or_null(stmt, 5, p->osm_value);
        const char *const text[] = {
            p->shop,     p->name,    p->opening_hours, p->opening_hours_error,
            p->phone,    p->website, p->street,        p->housenumber,
            p->postcode, p->city};
        for (int k = 0; k < (int)(sizeof text / sizeof text[0]); k++) {
            bind_text_or_null(stmt, 6 + k, text[k]);
        }
        sql_bind_double(stmt, 16, p->lon_deg);
        sql_bind_double(stmt, 17, p->lat_deg);
        if ((st = step_insert(w, INS_PLACE, "writing places")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->map_feature_count; i++) {
        const dorf_map_feature *f = &r->map_features[i];
        sql_stmt *stmt = w->stmt[INS_MAP_FEATURE];
        char type[2] = {f->osm_type, '\0'};
        sql_bind_int64(stmt, 1, (int64_t)i + 1);
        sql_bind_text(stmt, 2, type, 1, SQL_TRANSIENT);
        sql_bind_int64(stmt, 3, f->osm_id);
        sql_bind_text(stmt, 4, dorf_map_layer_name(f->layer), -1, SQL_STATIC);
        sql_bind_text(stmt, 5, f->kind, -1, SQL_STATIC);
        bind_text_or_null(stmt, 6, f->name);
        sql_bind_blob(stmt, 7, f->wkb, (int)f->wkb_size, SQL_STATIC);
        if ((st = step_insert(w, INS_MAP_FEATURE, "writing map features")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->settlement_count; i++) {
        const dorf_settlement *t = &r->settlements[i];
        sql_stmt *stmt = w->stmt[INS_SETTLEMENT];
        char type[2] = {t->osm_type, '\0'};
        sql_bind_text(stmt, 1, type, 1, SQL_TRANSIENT);
        sql_bind_int64(stmt, 2, t->osm_id);
        sql_bind_text(stmt, 3, t->kind, -1, SQL_STATIC);
        sql_bind_text(stmt, 4, t->name, -1, SQL_STATIC);
        if (t->population >= 0) {
            sql_bind_int64(stmt, 5, t->population);
        }
        sql_bind_double(stmt, 6, t->lon_deg);
        sql_bind_double(stmt, 7, t->lat_deg);
        if ((st = step_insert(w, INS_SETTLEMENT, "writing settlements")) != DORF_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < r->issue_count; i++) {
        const dorf_import_issue *is = &r->issues[i];
        sql_stmt *stmt = w->stmt[INS_ISSUE];
        char type[2] = {is->osm_type, '\0'};
        sql_bind_text(stmt, 1, is->kind, -1, SQL_STATIC);
        sql_bind_text(stmt, 2, type, 1, SQL_TRANSIENT);
        sql_bind_int64(stmt, 3, is->osm_id);
        sql_bind_text(stmt, 4, is->detail ? is->detail : "", -1, SQL_STATIC);
        if ((st = step_insert(w, INS_ISSUE, "writing import issues")) != DORF_OK) {
            return st;
        }
    }
    return DORF_OK;
}

/*
 * The commit hook of a region write: refuses every commit but the write's own COMMIT. After
 * SQLite has rolled the transaction back on an I/O error inside one of SpatiaLite's index
 * functions, the function's remaining statements run in autocommit mode; this turns each of
 * their commits into a rollback, so that nothing of a failed write reaches the file.
 */
static int commit_only_when_told(void *may_commit) {
    return !*(const int *)may_commit;
}

dorf_status sql_store_replace_region(dorf_store *store, const dorf_region *region) {
    struct sql_store *s = (struct sql_store *)store;
    if (s->readonly) {
        return dorf_fail(store->ctx, DORF_EINVAL, "%s is open read-only", s->path);
    }
    struct writer w = {.s = s};
    w.total = 8 + region->node_count + region->edge_count + region->restriction_count +
              region->building_count + region->household_count + region->address_count +
              region->place_count + region->map_feature_count + region->settlement_count +
              region->issue_count;
    /* A large page cache for the bulk write: the R*Tree indexes and the tables would otherwise
     * be written out and read back many times over (2 MiB is SQLite's default). */
    dorf_status st = sql_store_exec(s, "PRAGMA cache_size = -262144; BEGIN IMMEDIATE");
    if (st != DORF_OK) {
        return st;
    }
    int may_commit = 0;
    sqlite3_commit_hook(s->db, commit_only_when_told, &may_commit);
    for (int i = 0; i < INS_COUNT && st == DORF_OK; i++) {
        st = sql_store_prepare(s, insert_sql[i], &w.stmt[i]);
    }
    if (st == DORF_OK) {
        st = exec_in_transaction(s, drop_spatial_indexes_sql, "dropping the spatial indexes");
    }
    if (st == DORF_OK) {
        st = sql_store_exec(s, clear_region_sql);
    }
    if (st == DORF_OK) {
        st = write_all(&w, region);
    }
    if (st == DORF_OK) {
        dorf_progress(store->ctx, "indexing region", 0, 1);
        st = exec_in_transaction(s, create_spatial_indexes_sql, "building the spatial indexes");
    }
    for (int i = 0; i < INS_COUNT; i++) {
        sql_finalize(w.stmt[i]);
    }
    dorf_free(w.wkb);
    if (st == DORF_OK) {
        dorf_progress(store->ctx, "writing region", w.total, w.total);
        may_commit = 1;
        st = sql_store_commit(s);
    }
    if (st != DORF_OK) {
        sql_store_rollback(s);
    }
    sqlite3_commit_hook(s->db, NULL, NULL);
    sqlite3_exec(s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
    return st;
}
