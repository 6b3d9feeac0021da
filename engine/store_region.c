/*
 * store_region.c: writing the region into the store, SpatiaLite or PostGIS.
 *
 * A region is replaced in one transaction (delete the old rows, insert the new), so readers
 * see either the old region or the new one, and an interrupt or failure mid-way rolls back
 * to the old. write_all() puts the rows column by column through a small row interface
 * (put_int, put_text, put_geometry ... end_row) with two ends: on SQLite each row binds and
 * steps a prepared INSERT, geometries going in as WKB through SpatiaLite's GeomFromWKB; on
 * PostgreSQL the rows of a table stream through one COPY FROM STDIN in text format (a row per
 * line, tab-separated), one round trip per table instead of one per row, geometries as hex WKB
 * that the column's type reads and gives its SRID (4326). On PostgreSQL the old rows are
 * deleted, not truncated: TRUNCATE would make readers on other connections wait for the
 * commit, and show empty tables to a snapshot taken before it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "store_sql.h"

/* How often (in rows) the writer reports progress and polls for an interrupt. */
#define ROWS_PER_TICK 4096

/* PostgreSQL: COPY text is sent to the server in pieces of about this many bytes. */
#define COPY_CHUNK (256 * 1024)

/* The region's tables, in the order the writer fills them. */
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

/*
 * Each table's columns in both spellings, in the order write_all() puts them. Row ids are
 * given (1, 2, ... in region order) where PostgreSQL's tables have no identity column; on
 * SQLite these are the ids it would give a freshly emptied table anyway. A point is two
 * values on SQLite (MakePoint's lon and lat) and one on PostgreSQL (its WKB).
 */
static const char *const insert_sql[INS_COUNT] = {
    "INSERT INTO region_meta(key, value) VALUES (?, ?)",
    "INSERT INTO road_node(id, osm_id, lon, lat) VALUES (?, ?, ?, ?)",
    "INSERT INTO road_edge(id, from_node, to_node, osm_way_id, highway, length_m, maxspeed_kmh,"
    " access_forward, access_backward, name, surface, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326))",
    "INSERT INTO turn_restriction(id, osm_relation_id, from_way_id, via_node, to_way_id, kind,"
    " only_turn, modes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO building(id, osm_type, osm_id, kind, lon, lat, area_m2, levels, households,"
    " household_source, geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " CastToMultiPolygon(GeomFromWKB(?, 4326)))",
    "INSERT INTO household(id, building_id, persons) VALUES (?, ?, ?)",
    "INSERT INTO address(id, osm_id, street, housenumber, postcode, city, building_id, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO place(id, osm_type, osm_id, category, osm_key, osm_value, shop, name,"
    " opening_hours, opening_hours_error, phone, website, street, housenumber, postcode, city,"
    " geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO map_feature(id, osm_type, osm_id, layer, kind, name, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326))",
    "INSERT INTO settlement(id, osm_type, osm_id, kind, name, population, geom)"
    " VALUES (?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))",
    "INSERT INTO import_issue(kind, osm_type, osm_id, detail) VALUES (?, ?, ?, ?)",
};

/* What the writer is doing while it fills each table, for messages. */
static const char *const writing[INS_COUNT] = {
    "writing region facts",      "writing road nodes",    "writing road edges",
    "writing turn restrictions", "writing buildings",     "writing households",
    "writing addresses",         "writing places",        "writing map features",
    "writing settlements",       "writing import issues",
};

static const char *const copy_sql[INS_COUNT] = {
    "COPY region_meta(key, value) FROM STDIN",
    "COPY road_node(id, osm_id, lon, lat) FROM STDIN",
    "COPY road_edge(id, from_node, to_node, osm_way_id, highway, length_m, maxspeed_kmh,"
    " access_forward, access_backward, name, surface, geom) FROM STDIN",
    "COPY turn_restriction(id, osm_relation_id, from_way_id, via_node, to_way_id, kind,"
    " only_turn, modes) FROM STDIN",
    "COPY building(id, osm_type, osm_id, kind, lon, lat, area_m2, levels, households,"
    " household_source, geom) FROM STDIN",
    "COPY household(id, building_id, persons) FROM STDIN",
    "COPY address(id, osm_id, street, housenumber, postcode, city, building_id, geom) FROM STDIN",
    "COPY place(id, osm_type, osm_id, category, osm_key, osm_value, shop, name, opening_hours,"
    " opening_hours_error, phone, website, street, housenumber, postcode, city, geom) FROM STDIN",
    "COPY map_feature(id, osm_type, osm_id, layer, kind, name, geom) FROM STDIN",
    "COPY settlement(id, osm_type, osm_id, kind, name, population, geom) FROM STDIN",
    "COPY import_issue(kind, osm_type, osm_id, detail) FROM STDIN",
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
    int copy;  /* PostgreSQL: rows go through COPY; SQLite: through insert statements */
    int table; /* the INS_ table being written */
    int col;   /* the parameters (SQLite) or columns (PostgreSQL) so far in the current row */
    int in_copy;
    int oom;
    sql_stmt *stmt[INS_COUNT];
    char *text; /* PostgreSQL: COPY text not yet sent */
    size_t text_len;
    size_t text_cap;
    uint64_t rows;
    uint64_t total;
    unsigned char *wkb;
    size_t wkb_cap;
};

/* ---- the row interface: SQLite binds, PostgreSQL writes COPY text ---- */

/* Appends `n` bytes to the COPY text; notes a failure to grow in w->oom. */
static void append(struct writer *w, const char *bytes, size_t n) {
    if (w->oom || dorf_grow((void **)&w->text, &w->text_cap, w->text_len + n, 1) != 0) {
        w->oom = 1;
        return;
    }
    memcpy(w->text + w->text_len, bytes, n);
    w->text_len += n;
}

/* Starts a column of COPY text: every column but a row's first follows a tab. */
static void append_separator(struct writer *w) {
    if (w->col++ > 0) {
        append(w, "\t", 1);
    }
}

static void put_null(struct writer *w) {
    if (w->copy) {
        append_separator(w);
        append(w, "\\N", 2);
    } else {
        sql_bind_null(w->stmt[w->table], ++w->col);
    }
}

static void put_int(struct writer *w, int64_t v) {
    if (w->copy) {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
        append_separator(w);
        append(w, buf, (size_t)n);
    } else {
        sql_bind_int64(w->stmt[w->table], ++w->col, v);
    }
}

static void put_double(struct writer *w, double v) {
    if (w->copy) {
        char buf[32];
        int n = isnan(v)   ? snprintf(buf, sizeof buf, "NaN")
                : isinf(v) ? snprintf(buf, sizeof buf, v > 0 ? "Infinity" : "-Infinity")
                           : snprintf(buf, sizeof buf, "%.17g", v);
        append_separator(w);
        append(w, buf, (size_t)n);
    } else {
        sql_bind_double(w->stmt[w->table], ++w->col, v);
    }
}

/* Text, or NULL for NULL. `copy`: SQLite must copy it (it does not outlive the row). */
static void put_text_as(struct writer *w, const char *text, int copy) {
    if (!text) {
        put_null(w);
    } else if (w->copy) {
        append_separator(w);
        /* COPY's text format escapes the backslash and the characters that end a column. */
        const char *run = text;
        for (const char *p = text;; p++) {
            const char *escape = *p == '\\'   ? "\\\\"
                                 : *p == '\t' ? "\\t"
                                 : *p == '\n' ? "\\n"
                                 : *p == '\r' ? "\\r"
                                              : NULL;
            if (escape || !*p) {
                append(w, run, (size_t)(p - run));
                if (!*p) {
                    break;
                }
                append(w, escape, 2);
                run = p + 1;
            }
        }
    } else {
        sql_bind_text(w->stmt[w->table], ++w->col, text, -1, copy ? SQL_TRANSIENT : SQL_STATIC);
    }
}

static void put_text(struct writer *w, const char *text) {
    put_text_as(w, text, 0);
}

/* An OSM element type ('n', 'w', 'r') as one-letter text. */
static void put_type(struct writer *w, char type) {
    const char text[2] = {type, '\0'};
    put_text_as(w, text, 1);
}

static void append_hex(struct writer *w, const unsigned char *bytes, size_t n) {
    static const char digits[] = "0123456789abcdef";
    if (w->oom || dorf_grow((void **)&w->text, &w->text_cap, w->text_len + 2 * n, 1) != 0) {
        w->oom = 1;
        return;
    }
    char *out = w->text + w->text_len;
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[bytes[i] >> 4];
        *out++ = digits[bytes[i] & 15];
    }
    w->text_len += 2 * n;
}

/*
 * A WKB geometry. `multi`: the column holds MultiPolygons, and a Polygon is made one (SQLite:
 * CastToMultiPolygon; PostgreSQL: the Polygon wrapped in a MultiPolygon's header).
 */
static void put_geometry(struct writer *w, const unsigned char *wkb, size_t size, int multi) {
    if (!w->copy) {
        sql_bind_blob(w->stmt[w->table], ++w->col, wkb, (int)size, SQL_STATIC);
        return;
    }
    append_separator(w);
    if (multi && size >= 5) {
        const int little = wkb[0] == 1;
        const uint32_t type = little ? (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 |
                                           (uint32_t)wkb[3] << 16 | (uint32_t)wkb[4] << 24
                                     : (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 |
                                           (uint32_t)wkb[2] << 16 | (uint32_t)wkb[1] << 24;
        if (type == 3) {
            /* Little endian, MultiPolygon (6), one member: the Polygon as it is. */
            static const unsigned char header[9] = {1, 6, 0, 0, 0, 1, 0, 0, 0};
            append_hex(w, header, sizeof header);
        }
    }
    append_hex(w, wkb, size);
}

static void put_point(struct writer *w, double lon_deg, double lat_deg) {
    if (!w->copy) {
        sql_bind_double(w->stmt[w->table], ++w->col, lon_deg);
        sql_bind_double(w->stmt[w->table], ++w->col, lat_deg);
        return;
    }
    /* Little endian (dorf builds only on little-endian hosts, checked in CMake), Point (1). */
    unsigned char wkb[21] = {1, 1, 0, 0, 0};
    memcpy(wkb + 5, &lon_deg, 8);
    memcpy(wkb + 13, &lat_deg, 8);
    append_separator(w);
    append_hex(w, wkb, sizeof wkb);
}

/* Sends the COPY text gathered so far. */
static dorf_status send_text(struct writer *w, const char *what) {
    if (w->text_len > 0 && sql_copy_put(w->s->conn, w->text, w->text_len) != SQL_OK) {
        return sql_store_fail(w->s, what);
    }
    w->text_len = 0;
    return DORF_OK;
}

/* Starts writing the rows of `table`. */
static dorf_status begin_table(struct writer *w, int table) {
    w->table = table;
    w->col = 0;
    if (!w->copy) {
        return DORF_OK;
    }
    if (sql_copy_begin(w->s->conn, copy_sql[table]) != SQL_OK) {
        return sql_store_fail(w->s, writing[table]);
    }
    w->in_copy = 1;
    return DORF_OK;
}

/* Finishes the rows of the current table; on PostgreSQL this is where a bad row shows. */
static dorf_status end_table(struct writer *w) {
    const char *what = writing[w->table];
    if (!w->copy) {
        return DORF_OK;
    }
    dorf_status st = send_text(w, what);
    w->in_copy = 0;
    if (sql_copy_end(w->s->conn, st == DORF_OK ? NULL : "sending the rows failed") != SQL_OK &&
        st == DORF_OK) {
        st = sql_store_fail(w->s, what);
    }
    return st;
}

/* Ends a row: SQLite steps and resets its insert; polls the interrupt flag every tick. */
static dorf_status end_row(struct writer *w) {
    const char *what = writing[w->table];
    if (w->copy) {
        append(w, "\n", 1);
        w->col = 0;
        if (w->oom) {
            return dorf_fail(w->s->base.ctx, DORF_ENOMEM, "out of memory %s", what);
        }
        dorf_status st = w->text_len >= COPY_CHUNK ? send_text(w, what) : DORF_OK;
        if (st != DORF_OK) {
            return st;
        }
    } else {
        sql_stmt *stmt = w->stmt[w->table];
        int rc = sql_step(stmt);
        sql_reset(stmt);
        sql_clear_bindings(stmt);
        w->col = 0;
        if (rc != SQL_DONE) {
            return sql_store_fail(w->s, what);
        }
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

/* ---- the region's rows ---- */

static dorf_status write_meta(struct writer *w, const char *key, const char *value) {
    put_text(w, key);
    put_text_as(w, value ? value : "", 1);
    return end_row(w);
}

static dorf_status write_meta_number(struct writer *w, const char *key, double value) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return write_meta(w, key, buf);
}

static dorf_status write_meta_rows(struct writer *w, const dorf_region *r) {
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
    return DORF_OK;
}

/* Writes the rows of table `table` (INS_NODE ...): row i of the region's array of it. */
static dorf_status write_row(struct writer *w, const dorf_region *r, int table, size_t i) {
    dorf_status st;
    switch (table) {
    case INS_NODE:
        put_int(w, (int64_t)i + 1);
        put_int(w, r->nodes[i].osm_id);
        put_double(w, r->nodes[i].lon_deg);
        put_double(w, r->nodes[i].lat_deg);
        return end_row(w);
    case INS_EDGE: {
        const dorf_road_edge *e = &r->edges[i];
        size_t wkb_size = 0;
        if ((st = encode_linestring(w, r, e, &wkb_size)) != DORF_OK) {
            return st;
        }
        put_int(w, (int64_t)i + 1);
        put_int(w, (int64_t)e->from + 1);
        put_int(w, (int64_t)e->to + 1);
        put_int(w, e->osm_way_id);
        put_text(w, dorf_highway_name(e->highway));
        put_double(w, e->length_m);
        if (e->maxspeed_kmh > 0) {
            put_double(w, e->maxspeed_kmh);
        } else {
            put_null(w);
        }
        put_int(w, e->access_forward);
        put_int(w, e->access_backward);
        put_text(w, e->name);
        put_text(w, e->surface);
        put_geometry(w, w->wkb, wkb_size, 0);
        return end_row(w);
    }
    case INS_RESTRICTION: {
        const dorf_turn_restriction *t = &r->restrictions[i];
        put_int(w, (int64_t)i + 1);
        put_int(w, t->osm_relation_id);
        put_int(w, t->from_way_id);
        put_int(w, (int64_t)t->via_node + 1);
        put_int(w, t->to_way_id);
        put_text(w, t->kind);
        put_int(w, t->only ? 1 : 0);
        put_int(w, t->modes);
        return end_row(w);
    }
    case INS_BUILDING: {
        const dorf_building *b = &r->buildings[i];
        put_int(w, (int64_t)i + 1);
        put_type(w, b->osm_is_relation ? 'r' : 'w');
        put_int(w, b->osm_id);
        put_text(w, b->kind ? b->kind : "yes");
        put_double(w, b->lon_deg);
        put_double(w, b->lat_deg);
        put_double(w, b->area_m2);
        put_int(w, b->levels);
        put_int(w, b->households);
        put_text(w, dorf_household_source_name(b->household_source));
        put_geometry(w, b->wkb, b->wkb_size, 1);
        return end_row(w);
    }
    case INS_HOUSEHOLD:
        put_int(w, (int64_t)i + 1);
        put_int(w, (int64_t)r->households[i].building + 1);
        put_double(w, r->households[i].persons);
        return end_row(w);
    case INS_ADDRESS: {
        const dorf_address *a = &r->addresses[i];
        put_int(w, (int64_t)i + 1);
        put_int(w, a->osm_id);
        put_text(w, a->street);
        put_text(w, a->housenumber);
        put_text(w, a->postcode);
        put_text(w, a->city);
        if (a->building >= 0) {
            put_int(w, (int64_t)a->building + 1);
        } else {
            put_null(w);
        }
        put_point(w, a->lon_deg, a->lat_deg);
        return end_row(w);
    }
    case INS_PLACE: {
        const dorf_place *p = &r->places[i];
        put_int(w, (int64_t)i + 1);
        put_type(w, p->osm_type);
        put_int(w, p->osm_id);
        put_text(w, dorf_category_name(p->category));
        put_text(w, p->osm_key);
        put_text(w, p->osm_value);
        const char *const text[] = {
            p->shop,     p->name,    p->opening_hours, p->opening_hours_error,
            p->phone,    p->website, p->street,        p->housenumber,
            p->postcode, p->city};
        for (size_t k = 0; k < sizeof text / sizeof text[0]; k++) {
            put_text(w, text[k]);
        }
        put_point(w, p->lon_deg, p->lat_deg);
        return end_row(w);
    }
    case INS_MAP_FEATURE: {
        const dorf_map_feature *f = &r->map_features[i];
        put_int(w, (int64_t)i + 1);
        put_type(w, f->osm_type);
        put_int(w, f->osm_id);
        put_text(w, dorf_map_layer_name(f->layer));
        put_text(w, f->kind);
        put_text(w, f->name);
        put_geometry(w, f->wkb, f->wkb_size, 0);
        return end_row(w);
    }
    case INS_SETTLEMENT: {
        const dorf_settlement *t = &r->settlements[i];
        put_int(w, (int64_t)i + 1);
        put_type(w, t->osm_type);
        put_int(w, t->osm_id);
        put_text(w, t->kind);
        put_text(w, t->name);
        if (t->population >= 0) {
            put_int(w, t->population);
        } else {
            put_null(w);
        }
        put_point(w, t->lon_deg, t->lat_deg);
        return end_row(w);
    }
    default: {
        const dorf_import_issue *is = &r->issues[i];
        put_text(w, is->kind);
        put_type(w, is->osm_type);
        put_int(w, is->osm_id);
        put_text(w, is->detail ? is->detail : "");
        return end_row(w);
    }
    }
}

static dorf_status write_all(struct writer *w, const dorf_region *r) {
    const size_t counts[INS_COUNT] = {
        [INS_NODE] = r->node_count,
        [INS_EDGE] = r->edge_count,
        [INS_RESTRICTION] = r->restriction_count,
        [INS_BUILDING] = r->building_count,
        [INS_HOUSEHOLD] = r->household_count,
        [INS_ADDRESS] = r->address_count,
        [INS_PLACE] = r->place_count,
        [INS_MAP_FEATURE] = r->map_feature_count,
        [INS_SETTLEMENT] = r->settlement_count,
        [INS_ISSUE] = r->issue_count,
    };
    dorf_status st = begin_table(w, INS_META);
    if (st == DORF_OK) {
        st = write_meta_rows(w, r);
    }
    if (st == DORF_OK) {
        st = end_table(w);
    }
    for (int table = INS_NODE; table < INS_COUNT && st == DORF_OK; table++) {
        /* An empty table needs no COPY (nor anything else). */
        if (counts[table] == 0) {
            continue;
        }
        st = begin_table(w, table);
        for (size_t i = 0; i < counts[table] && st == DORF_OK; i++) {
            st = write_row(w, r, table, i);
        }
        if (st == DORF_OK) {
            st = end_table(w);
        }
    }
    return st;
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

/* The SpatiaLite write: spatial indexes down and up again around the rows, a commit hook. */
static dorf_status replace_on_sqlite(struct sql_store *s, struct writer *w,
                                     const dorf_region *region) {
    dorf_store *store = &s->base;
    /* A large page cache for the bulk write: the R*Tree indexes and the tables would otherwise
     * be written out and read back many times over (2 MiB is SQLite's default). */
    dorf_status st = sql_store_exec(s, "PRAGMA cache_size = -262144; BEGIN IMMEDIATE");
    if (st != DORF_OK) {
        return st;
    }
    int may_commit = 0;
    sqlite3_commit_hook(s->db, commit_only_when_told, &may_commit);
    for (int i = 0; i < INS_COUNT && st == DORF_OK; i++) {
        st = sql_store_prepare(s, insert_sql[i], &w->stmt[i]);
    }
    if (st == DORF_OK) {
        st = exec_in_transaction(s, drop_spatial_indexes_sql, "dropping the spatial indexes");
    }
    if (st == DORF_OK) {
        st = sql_store_exec(s, clear_region_sql);
    }
    if (st == DORF_OK) {
        st = write_all(w, region);
    }
    if (st == DORF_OK) {
        dorf_progress(store->ctx, "indexing region", 0, 1);
        st = exec_in_transaction(s, create_spatial_indexes_sql, "building the spatial indexes");
    }
    for (int i = 0; i < INS_COUNT; i++) {
        sql_finalize(w->stmt[i]);
    }
    if (st == DORF_OK) {
        dorf_progress(store->ctx, "writing region", w->total, w->total);
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

/* The PostGIS write: one transaction under the writer lock, the rows by COPY. */
static dorf_status replace_on_postgres(struct sql_store *s, struct writer *w,
                                       const dorf_region *region) {
    w->copy = 1;
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    st = sql_store_exec(s, clear_region_sql);
    if (st == DORF_OK) {
        st = write_all(w, region);
    }
    if (w->in_copy) {
        /* A failure or an interrupt inside a table: the server drops the COPY's rows. */
        sql_copy_end(s->conn, "the region write stopped");
        w->in_copy = 0;
    }
    dorf_free(w->text);
    if (st == DORF_OK) {
        dorf_progress(s->base.ctx, "writing region", w->total, w->total);
        st = sql_store_commit(s);
    }
    if (st != DORF_OK) {
        sql_store_rollback(s);
    }
    return st;
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
    dorf_status st = s->dialect == SQL_POSTGRES ? replace_on_postgres(s, &w, region)
                                                : replace_on_sqlite(s, &w, region);
    dorf_free(w.wkb);
    return st;
}
