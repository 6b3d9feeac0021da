/*
 * test_store.c: the store on either backend (tests/test_store.h: SpatiaLite files, or PostGIS
 * schemas when DORF_TEST_PG is set): creating, migrating and refusing databases, saving and
 * loading a region, atomic replacement (also interrupted and failed), the store's own check,
 * and the messages when a database cannot be reached. What only one backend has (WAL mode,
 * PRAGMA application_id, migration from older files, files that are not SQLite) runs on
 * SpatiaLite only and says "skip" on PostGIS; PostgreSQL's equivalents of the refusals (a
 * schema holding other tables, a newer schema version, a read-only open) run on PostGIS.
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/store.h"
#include "store_internal.h"
#include "test_store.h"

/* Says that `test` does not apply to this backend; returns 1 when it should be skipped. */
static int skip_unless(int applies, const char *test, const char *why) {
    if (!applies) {
        printf("skip %s on %s: %s\n", test, test_store_backend(), why);
    }
    return !applies;
}

#define SPATIALITE_ONLY(why) skip_unless(!test_store_pg(), __func__, why)
#define POSTGIS_ONLY(why) skip_unless(test_store_pg() != NULL, __func__, why)

/* Runs SQL without results (one or more statements) on the database at store `name`. */
static int exec_on(const char *name, const char *sql) {
    sql_conn *c = test_store_connect(test_store_location(name));
    int rc = sql_exec(c, sql);
    if (rc != SQL_OK) {
        fprintf(stderr, "  %s: %s\n", sql, sql_errmsg(c));
    }
    test_store_close(c);
    return rc;
}

static void put_u32(unsigned char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

/* A little-endian WKB polygon: the square [lon, lon+d] x [lat, lat+d]. */
static unsigned char *square_wkb(dorf_arena *a, double lon, double lat, double d, size_t *size) {
    double ring[5][2] = {
        {lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}};
    *size = 1 + 4 + 4 + 4 + 5 * 16;
    unsigned char *w = dorf_arena_alloc(a, *size);
    w[0] = 1;
    put_u32(w + 1, 3);
    put_u32(w + 5, 1);
    put_u32(w + 9, 5);
    memcpy(w + 13, ring, sizeof ring);
    return w;
}

/* A two-junction region with one of everything; `tag` distinguishes versions of it. */
static dorf_region *make_region(dorf_ctx *ctx, int tag) {
    dorf_region *r = NULL;
    if (dorf_region_new(ctx, &r) != DORF_OK) {
        return NULL;
    }
    r->meta.source = dorf_arena_strdup(r->arena, tag == 1 ? "first.osm" : "second.osm");
    r->meta.imported_at = "2026-11-27T10:00:00Z";
    r->meta.crs_epsg = 25832;
    r->meta.min_lon_deg = 11.5;
    r->meta.min_lat_deg = 50.0;
    r->meta.max_lon_deg = 11.6;
    r->meta.max_lat_deg = 50.1;
    dorf_road_node a = {101, 11.5, 50.0}, b = {102, 11.501, 50.0};
    dorf_region_add_node(ctx, r, &a, NULL);
    dorf_region_add_node(ctx, r, &b, NULL);
    dorf_region_add_point(ctx, r, (dorf_point){11.5, 50.0}, NULL);
    dorf_region_add_point(ctx, r, (dorf_point){11.5005, 50.0001}, NULL);
    dorf_region_add_point(ctx, r, (dorf_point){11.501, 50.0}, NULL);
    dorf_road_edge e = {.from = 0,
                        .to = 1,
                        .point_first = 0,
                        .point_count = 3,
                        .osm_way_id = 7,
                        .length_m = 72.5 * tag,
                        .maxspeed_kmh = 30,
                        .highway = DORF_HW_RESIDENTIAL,
                        .access_forward = 7,
                        .access_backward = 1,
                        .name = "Hauptstraße",
                        .surface = NULL};
    dorf_region_add_edge(ctx, r, &e);
    dorf_turn_restriction t = {9, 7, 1, 8, 0, DORF_ACCESS_CAR, "no_left_turn"};
    dorf_region_add_restriction(ctx, r, &t);
    dorf_building bld = {.osm_id = 55,
                         .kind = "house",
                         .lon_deg = 11.50005,
                         .lat_deg = 50.00005,
                         .area_m2 = 80,
                         .levels = 2,
                         .households = 1,
                         .household_source = DORF_HH_DEFAULT};
    bld.wkb = square_wkb(r->arena, 11.5, 50.0, 0.0001, &bld.wkb_size);
    dorf_region_add_building(ctx, r, &bld, NULL);
    dorf_household hh = {0, 2.0};
    dorf_region_add_household(ctx, r, &hh);
    dorf_address ad = {.osm_id = 56,
                       .street = "Hauptstraße",
                       .housenumber = "1",
                       .lon_deg = 11.50005,
                       .lat_deg = 50.00005,
                       .building = 0};
    dorf_region_add_address(ctx, r, &ad);
    dorf_place p = {.osm_id = 57,
                    .osm_type = 'n',
                    .category = DORF_CAT_BAKERY,
                    .osm_key = "shop",
                    .osm_value = "bakery",
                    .shop = "bakery",
                    .name = tag == 1 ? "Bäckerei Alt" : "Bäckerei Neu",
                    .lon_deg = 11.5002,
                    .lat_deg = 50.0002,
                    .opening_hours = "Mo-Fr 06:00-12:00"};
    dorf_region_add_place(ctx, r, &p);
    dorf_map_feature wood = {.osm_id = 59,
                             .osm_type = 'w',
                             .layer = DORF_MAP_LANDCOVER,
                             .kind = "forest",
                             .name = "Gemeindewald"};
    wood.wkb = square_wkb(r->arena, 11.49, 49.99, 0.005, &wood.wkb_size);
    dorf_region_add_map_feature(ctx, r, &wood);
    dorf_settlement village = {.osm_id = 60,
                               .osm_type = 'n',
                               .kind = "village",
                               .name = "Beispieldorf",
                               .lon_deg = 11.502,
                               .lat_deg = 50.001,
                               .population = 312};
    dorf_region_add_settlement(ctx, r, &village);
    dorf_import_issue is = {"opening_hours", 'n', 58, "at character 4: expected a weekday"};
    dorf_region_add_issue(ctx, r, &is);
    return r;
}

/* Opens the store `name` (tests/test_store.h) with `flags`; NULL (and why) on failure. */
static dorf_store *open_store(dorf_ctx *ctx, const char *name, unsigned flags) {
    const char *path = test_store_location(name);
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, path, flags, &s);
    if (st != DORF_OK) {
        fprintf(stderr, "  open %s: %s\n", path, dorf_ctx_errmsg(ctx));
    }
    return s;
}

/* ---- opening, migrating, refusing ---- */

static void test_missing_file_without_create_is_not_found(void) {
    if (SPATIALITE_ONLY("a server's database always exists before dorf connects")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = NULL;
    const char *path = test_store_location("absent.dorf");
    CHECK_EQ_INT(dorf_store_open(ctx, path, 0, &s), DORF_ENOTFOUND);
    CHECK(s == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "dorf import");
    CHECK(access(path, F_OK) != 0); /* nothing was created */
    dorf_ctx_free(ctx);
}

static void test_new_store_is_at_current_version(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "new", DORF_STORE_CREATE);
    CHECK(s != NULL);
    CHECK_EQ_INT(s ? dorf_store_version(s) : -1, dorf_store_schema_version());
    CHECK_EQ_INT(s ? dorf_store_check(s) : DORF_EINVAL, DORF_OK);
    dorf_store_close(s);
    /* The version is kept in the database, where the next dorf reads it. */
    CHECK_EQ_INT(test_store_query_int("new", test_store_pg() ? "SELECT version FROM dorf_schema"
                                                             : "PRAGMA user_version"),
                 dorf_store_schema_version());
    dorf_ctx_free(ctx);
}

static void test_new_file_is_in_wal_mode_and_marked_as_dorf(void) {
    if (SPATIALITE_ONLY("WAL mode and application_id are SQLite's")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store_close(open_store(ctx, "wal", DORF_STORE_CREATE));
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(test_store_location("wal"), &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0x646f7266);
    sqlite3_finalize(st);
    sqlite3_close(db);
    dorf_ctx_free(ctx);
}

static void test_old_schema_is_migrated_and_keeps_its_rows(void) {
    if (SPATIALITE_ONLY("no dorf has written an older PostgreSQL schema")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    const char *path = test_store_location("old.dorf");
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_sqlite_open_at_version(ctx, path, DORF_STORE_CREATE, 1, &s), DORF_OK);
    CHECK(s && dorf_store_version(s) == 1);
    dorf_store_close(s);
    /* A row written by the "old dorf". */
    CHECK_EQ_INT(exec_on("old.dorf", "INSERT INTO region_meta VALUES ('source', 'old.osm')"),
                 SQL_OK);
    s = open_store(ctx, "old.dorf", 0);
    CHECK(s && dorf_store_version(s) == dorf_store_schema_version());
    dorf_region_summary sum;
    CHECK(s && dorf_store_summarize(s, &sum) == DORF_OK);
    CHECK_STR(sum.source, "old.osm");
    CHECK_EQ_INT(sum.turn_restrictions, 0); /* the table migration 2 added is there, empty */
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_read_only_open_refuses_to_migrate(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    const char *name = "old-ro";
    if (!test_store_pg()) {
        dorf_store *s = NULL;
        dorf_store_sqlite_open_at_version(ctx, test_store_location(name), DORF_STORE_CREATE, 1, &s);
        dorf_store_close(s);
    }
    /* On PostgreSQL the schema is empty: version 0, the first migration not yet run. */
    const char *version_sql = test_store_pg() ? "SELECT count(*) FROM pg_tables"
                                                " WHERE schemaname = current_schema()"
                                              : "PRAGMA user_version";
    const long long before = test_store_query_int(name, version_sql);
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, test_store_location(name), DORF_STORE_READONLY, &s),
                 DORF_EVERSION);
    CHECK(s == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "needs migrating");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "without read-only");
    /* Nothing was migrated: the same version (or, on PostgreSQL, still no tables at all). */
    CHECK_EQ_INT(test_store_query_int(name, version_sql), before);
    CHECK_EQ_INT(before, test_store_pg() ? 0 : 1);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_newer_schema_is_refused_and_left_alone(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    const char *name = "future";
    dorf_store_close(open_store(ctx, name, DORF_STORE_CREATE));
    CHECK_EQ_INT(exec_on(name, test_store_pg() ? "UPDATE dorf_schema SET version = 99"
                                               : "PRAGMA user_version = 99"),
                 SQL_OK);
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, test_store_location(name), 0, &s), DORF_EVERSION);
    CHECK(s == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "newer dorf");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "99");
    CHECK_EQ_INT(test_store_query_int(name, test_store_pg() ? "SELECT version FROM dorf_schema"
                                                            : "PRAGMA user_version"),
                 99);
    dorf_ctx_free(ctx);
}

static void test_foreign_sqlite_and_non_sqlite_files_are_refused(void) {
    if (SPATIALITE_ONLY("files; see test_schema_with_other_tables_is_refused")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    const char *path = test_store_location("other.sqlite");
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE notes(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, path, 0, &s), DORF_EVERSION);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "not a dorf region");

    const char *text = test_store_location("text.dorf");
    FILE *f = fopen(text, "w");
    fputs("this is not a database, just some text that is long enough to look at\n", f);
    fclose(f);
    CHECK_EQ_INT(dorf_store_open(ctx, text, 0, &s), DORF_EVERSION);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "not an SQLite database");
    dorf_ctx_free(ctx);
}

static void test_schema_with_other_tables_is_refused(void) {
    if (POSTGIS_ONLY("see test_foreign_sqlite_and_non_sqlite_files_are_refused")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    const char *name = "other";
    CHECK_EQ_INT(exec_on(name, "CREATE TABLE notes(x integer)"), SQL_OK);
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, test_store_location(name), DORF_STORE_CREATE, &s),
                 DORF_EVERSION);
    CHECK(s == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "not dorf's");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "127.0.0.1"); /* which server */
    /* Left as it was: dorf added no table of its own. */
    CHECK_EQ_INT(test_store_query_int(name, "SELECT count(*) FROM pg_tables"
                                            " WHERE schemaname = current_schema()"),
                 1);
    dorf_ctx_free(ctx);
}

static void test_unwritable_location_is_an_io_error(void) {
    if (SPATIALITE_ONLY("file paths")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, "/nonexistent-dir/r.dorf", DORF_STORE_CREATE, &s), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "/nonexistent-dir/r.dorf");
    /* The directory the test's files are in. */
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", test_store_location("anything"));
    *strrchr(dir, '/') = '\0';
    CHECK_EQ_INT(dorf_store_open(ctx, dir, DORF_STORE_CREATE, &s), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "directory");
    dorf_ctx_free(ctx);
}

static void test_unreachable_postgres_server_is_a_clear_io_error(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = NULL;
    /* Port 1 on loopback: nothing listens there, so the connection is refused at once. */
    CHECK_EQ_INT(dorf_store_open(ctx, "postgresql://dorf:secret@127.0.0.1:1/dorf", 0, &s),
                 DORF_EIO);
    CHECK(s == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "cannot connect to PostgreSQL");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "127.0.0.1");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "port 1 ");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "server is running");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "--db");
    CHECK(strstr(dorf_ctx_errmsg(ctx), "secret") == NULL); /* never echo the password */
    /* The same for a libpq keyword string. */
    CHECK_EQ_INT(dorf_store_open(ctx, "host=127.0.0.1 port=1 dbname=dorf password=secret", 0, &s),
                 DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "port 1 ");
    CHECK(strstr(dorf_ctx_errmsg(ctx), "secret") == NULL);
    dorf_ctx_free(ctx);
}

/* ---- the region ---- */

static void test_region_round_trips_through_the_store(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *in = make_region(ctx, 1);
    dorf_store *s = open_store(ctx, "trip", DORF_STORE_CREATE);
    CHECK_EQ_INT(dorf_store_replace_region(s, in), DORF_OK);
    dorf_region *out = NULL;
    CHECK_EQ_INT(dorf_store_load_region(s, &out), DORF_OK);
    CHECK(out != NULL);
    if (out) {
        CHECK_EQ_INT(out->node_count, 2);
        CHECK_EQ_INT(out->nodes[1].osm_id, 102);
        CHECK_NEAR(out->nodes[1].lon_deg, 11.501, 0); /* doubles come back exactly */
        CHECK_EQ_INT(out->edge_count, 1);
        const dorf_road_edge *e = &out->edges[0];
        CHECK(e->from == 0 && e->to == 1 && e->osm_way_id == 7);
        CHECK_EQ_INT(e->highway, DORF_HW_RESIDENTIAL);
        CHECK_NEAR(e->length_m, 72.5, 1e-9);
        CHECK_NEAR(e->maxspeed_kmh, 30, 1e-6);
        CHECK(e->access_forward == 7 && e->access_backward == 1);
        CHECK_STR(e->name, "Hauptstraße");
        CHECK(e->surface == NULL);
        CHECK_EQ_INT(e->point_count, 3);
        CHECK_NEAR(out->points[e->point_first + 1].lon_deg, 11.5005, 0);
        CHECK_NEAR(out->points[e->point_first + 1].lat_deg, 50.0001, 0);
        CHECK_EQ_INT(out->restriction_count, 1);
        CHECK_STR(out->restrictions[0].kind, "no_left_turn");
        CHECK_EQ_INT(out->restrictions[0].via_node, 1);
        CHECK_EQ_INT(out->restrictions[0].osm_relation_id, 9);
        CHECK_EQ_INT(out->restrictions[0].modes, DORF_ACCESS_CAR);
        CHECK_EQ_INT(out->building_count, 1);
        const dorf_building *b = &out->buildings[0];
        CHECK_EQ_INT(b->households, 1);
        CHECK_EQ_INT(b->household_source, DORF_HH_DEFAULT);
        CHECK_EQ_INT(b->levels, 2);
        CHECK_STR(b->kind, "house");
        CHECK(!b->osm_is_relation && b->osm_id == 55);
        /* The footprint went in as a Polygon and comes back as that Polygon's MultiPolygon. */
        const dorf_building *bin = &in->buildings[0];
        CHECK_EQ_INT(b->wkb_size, bin->wkb_size + 9);
        CHECK(b->wkb_size == bin->wkb_size + 9 && b->wkb[0] == 1 && b->wkb[1] == 6 &&
              memcmp(b->wkb + 9, bin->wkb, bin->wkb_size) == 0);
        CHECK_EQ_INT(out->household_count, 1);
        CHECK_NEAR(out->households[0].persons, 2.0, 0);
        CHECK_EQ_INT(out->address_count, 1);
        CHECK_EQ_INT(out->addresses[0].building, 0);
        CHECK_STR(out->addresses[0].street, "Hauptstraße");
        CHECK(out->addresses[0].postcode == NULL);
        CHECK_NEAR(out->addresses[0].lat_deg, 50.00005, 0);
        CHECK_EQ_INT(out->place_count, 1);
        CHECK_STR(out->places[0].name, "Bäckerei Alt");
        CHECK_STR(out->places[0].shop, "bakery");
        CHECK_STR(out->places[0].opening_hours, "Mo-Fr 06:00-12:00");
        CHECK(out->places[0].phone == NULL);
        CHECK_EQ_INT(out->places[0].category, DORF_CAT_BAKERY);
        CHECK_EQ_INT(out->places[0].osm_type, 'n');
        CHECK_NEAR(out->places[0].lon_deg, 11.5002, 0);
        CHECK_EQ_INT(out->map_feature_count, 1);
        const dorf_map_feature *m = &out->map_features[0];
        CHECK(m->osm_id == 59 && m->osm_type == 'w' && m->layer == DORF_MAP_LANDCOVER);
        CHECK_STR(m->kind, "forest");
        CHECK_STR(m->name, "Gemeindewald");
        CHECK(m->wkb_size == in->map_features[0].wkb_size &&
              memcmp(m->wkb, in->map_features[0].wkb, m->wkb_size) == 0);
        CHECK_EQ_INT(out->settlement_count, 1);
        const dorf_settlement *t = &out->settlements[0];
        CHECK(t->osm_id == 60 && t->osm_type == 'n' && t->population == 312);
        CHECK_STR(t->kind, "village");
        CHECK_STR(t->name, "Beispieldorf");
        CHECK_NEAR(t->lon_deg, 11.502, 0);
        CHECK_EQ_INT(out->meta.crs_epsg, 25832);
        CHECK_STR(out->meta.source, "first.osm");
        CHECK_STR(out->meta.imported_at, "2026-11-27T10:00:00Z");
        CHECK_NEAR(out->meta.max_lat_deg, 50.1, 0);
    }
    dorf_region_summary sum;
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK(sum.has_region && sum.road_edges == 1 && sum.buildings == 1 && sum.shops == 1);
    CHECK_EQ_INT(sum.road_ways, 1);
    CHECK_EQ_INT(sum.residential_buildings, 1);
    CHECK_EQ_INT(sum.opening_hours, 1);
    CHECK_EQ_INT(sum.places_by_category[DORF_CAT_BAKERY], 1);
    CHECK_EQ_INT(sum.import_issues, 1);
    CHECK_EQ_INT(sum.map_features[DORF_MAP_LANDCOVER], 1);
    CHECK_EQ_INT(sum.map_features[DORF_MAP_WATER], 0);
    CHECK_EQ_INT(sum.settlements, 1);
    CHECK_NEAR(sum.road_km[DORF_MODE_CAR], 0.0725, 1e-9);
    CHECK_NEAR(sum.road_km[DORF_MODE_WALK], 0.0725, 1e-9);
    CHECK_NEAR(sum.persons, 2.0, 1e-12);
    CHECK_EQ_INT(sum.schema_version, dorf_store_schema_version());
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    dorf_region_free(out);
    dorf_region_free(in);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_text_with_tabs_newlines_and_backslashes_is_kept(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *in = make_region(ctx, 1);
    /* What a text column separator or escape would be in PostgreSQL's COPY format. */
    const char *name = "Tab\there, line\nbreak, back\\slash \\N, \\t, CR\r, Ümlaut";
    in->places[0].name = name;
    in->places[0].phone = "";
    in->edges[0].name = "\\";
    dorf_store *s = open_store(ctx, "text", DORF_STORE_CREATE);
    CHECK_EQ_INT(dorf_store_replace_region(s, in), DORF_OK);
    dorf_region *out = NULL;
    CHECK_EQ_INT(dorf_store_load_region(s, &out), DORF_OK);
    if (out) {
        CHECK_STR(out->places[0].name, name);
        CHECK_STR(out->places[0].phone, ""); /* empty text stays text, not NULL */
        CHECK_STR(out->edges[0].name, "\\");
    }
    dorf_region_free(out);
    dorf_region_free(in);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_stamp_names_the_stored_network_without_counting(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "stamp", DORF_STORE_CREATE);
    dorf_region_stamp stamp;
    CHECK_EQ_INT(dorf_store_stamp(s, &stamp), DORF_ENOTFOUND);
    dorf_region *r = make_region(ctx, 1);
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    CHECK_EQ_INT(dorf_store_stamp(s, &stamp), DORF_OK);
    CHECK_STR(stamp.imported_at, "2026-11-27T10:00:00Z");
    CHECK_EQ_INT(stamp.road_nodes, 2);
    CHECK_EQ_INT(stamp.road_edges, 1);
    CHECK_EQ_INT(stamp.turn_restrictions, 1);
    dorf_region_free(r);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_store_without_region_says_so(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "empty", DORF_STORE_CREATE);
    dorf_region *r = NULL;
    CHECK_EQ_INT(dorf_store_load_region(s, &r), DORF_ENOTFOUND);
    CHECK(r == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "dorf import");
    dorf_region_summary sum;
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK_EQ_INT(sum.has_region, 0);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_replace_swaps_the_whole_region(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "swap", DORF_STORE_CREATE);
    dorf_region *first = make_region(ctx, 1), *second = make_region(ctx, 2);
    second->issue_count = 0;
    CHECK_EQ_INT(dorf_store_replace_region(s, first), DORF_OK);
    CHECK_EQ_INT(dorf_store_replace_region(s, second), DORF_OK);
    dorf_region *out = NULL;
    CHECK_EQ_INT(dorf_store_load_region(s, &out), DORF_OK);
    CHECK(out && out->edge_count == 1 && out->place_count == 1 && out->household_count == 1);
    CHECK(out && fabs(out->edges[0].length_m - 145.0) < 1e-9);
    CHECK(out && strcmp(out->places[0].name, "Bäckerei Neu") == 0);
    CHECK(out && strcmp(out->meta.source, "second.osm") == 0);
    /* Nothing of the first region is left over, not even the issue the second lacks. */
    dorf_region_summary sum;
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK_EQ_INT(sum.import_issues, 0);
    CHECK_EQ_INT(sum.road_nodes, 2);
    CHECK_EQ_INT(test_store_query_int("swap", "SELECT count(*) FROM region_meta"), 11);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    dorf_region_free(out);
    dorf_region_free(first);
    dorf_region_free(second);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_interrupted_replace_leaves_previous_region(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "atomic", DORF_STORE_CREATE);
    dorf_region *first = make_region(ctx, 1);
    CHECK_EQ_INT(dorf_store_replace_region(s, first), DORF_OK);
    /* A big second region, so that the writer passes a polling point. */
    dorf_region *big = make_region(ctx, 2);
    for (int i = 0; i < 10000; i++) {
        dorf_road_node n = {1000 + i, 11.5 + i * 1e-6, 50.0};
        dorf_region_add_node(ctx, big, &n, NULL);
    }
    static volatile sig_atomic_t stop = 1;
    dorf_ctx_set_interrupt_flag(ctx, &stop);
    CHECK_EQ_INT(dorf_store_replace_region(s, big), DORF_EINTR);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "unchanged");
    dorf_ctx_set_interrupt_flag(ctx, NULL);
    dorf_region_summary sum;
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK_STR(sum.source, "first.osm");
    CHECK_EQ_INT(sum.road_nodes, 2);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    /* The connection is usable again: the big region goes in when not interrupted. */
    CHECK_EQ_INT(dorf_store_replace_region(s, big), DORF_OK);
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK_EQ_INT(sum.road_nodes, 10002);
    dorf_region_free(first);
    dorf_region_free(big);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_failed_replace_leaves_previous_region(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "fk", DORF_STORE_CREATE);
    dorf_region *first = make_region(ctx, 1);
    CHECK_EQ_INT(dorf_store_replace_region(s, first), DORF_OK);
    dorf_region *bad = make_region(ctx, 2);
    bad->households[0].building = 42; /* no such building: a foreign key violation */
    CHECK_EQ_INT(dorf_store_replace_region(s, bad), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "households");
    dorf_region *out = NULL;
    CHECK_EQ_INT(dorf_store_load_region(s, &out), DORF_OK);
    CHECK(out && strcmp(out->places[0].name, "Bäckerei Alt") == 0 && out->household_count == 1);
    /* A bad value of a later table (a latitude out of range) fails the same way. */
    dorf_region *worse = make_region(ctx, 2);
    worse->settlements[0].name = NULL; /* settlement names are NOT NULL */
    CHECK_EQ_INT(dorf_store_replace_region(s, worse), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "settlements");
    dorf_region_summary sum;
    CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
    CHECK_STR(sum.source, "first.osm");
    CHECK_EQ_INT(sum.settlements, 1);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    dorf_region_free(out);
    dorf_region_free(first);
    dorf_region_free(bad);
    dorf_region_free(worse);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_read_only_store_refuses_to_replace_the_region(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = make_region(ctx, 1);
    dorf_store *s = open_store(ctx, "ro", DORF_STORE_CREATE);
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    dorf_store_close(s);
    s = open_store(ctx, "ro", DORF_STORE_READONLY);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_EINVAL);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "read-only");
        dorf_region *out = NULL;
        CHECK_EQ_INT(dorf_store_load_region(s, &out), DORF_OK); /* reading works */
        CHECK(out && out->place_count == 1);
        dorf_region_free(out);
    }
    dorf_store_close(s);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static int count_issue(void *user, const dorf_import_issue *issue) {
    (*(int *)user)++;
    return strcmp(issue->kind, "opening_hours") != 0;
}

static void test_import_issues_can_be_listed_by_kind(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "issues", DORF_STORE_CREATE);
    dorf_region *r = make_region(ctx, 1);
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    int n = 0;
    CHECK_EQ_INT(dorf_store_each_issue(s, "opening_hours", count_issue, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    n = 0;
    CHECK_EQ_INT(dorf_store_each_issue(s, "way", count_issue, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);
    n = 0;
    CHECK_EQ_INT(dorf_store_each_issue(s, NULL, count_issue, &n), DORF_OK); /* every kind */
    CHECK_EQ_INT(n, 1);
    dorf_region_free(r);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

/* ---- the store's own check ---- */

static void test_check_finds_a_row_that_refers_to_a_missing_row(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = make_region(ctx, 1);
    dorf_store *s = open_store(ctx, "orphan", DORF_STORE_CREATE);
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    /* A household of a building that does not exist, written past the foreign keys (SQLite
     * enforces them only when asked; PostgreSQL's triggers do not fire for a replica). */
    CHECK_EQ_INT(exec_on("orphan", test_store_pg() ? "SET session_replication_role = replica;"
                                                     " INSERT INTO household VALUES (7, 999, 1.0)"
                                                   : "INSERT INTO household VALUES (7, 999, 1.0)"),
                 SQL_OK);
    CHECK_EQ_INT(dorf_store_check(s), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "household");
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "missing building row");
    dorf_region_free(r);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_check_finds_a_missing_spatial_index(void) {
    if (POSTGIS_ONLY("SpatiaLite's index check is CheckSpatialIndex (test_store_faults)")) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "noindex", DORF_STORE_CREATE);
    CHECK_EQ_INT(exec_on("noindex", "DROP INDEX place_geom"), SQL_OK);
    CHECK_EQ_INT(dorf_store_check(s), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "spatial index of place");
    CHECK_EQ_INT(exec_on("noindex", "CREATE INDEX place_geom ON place USING GIST (geom)"), SQL_OK);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    /* An identity sequence behind the ids in use. */
    CHECK_EQ_INT(exec_on("noindex", "INSERT INTO import_issue(id, kind, osm_type, osm_id, detail)"
                                    " VALUES (50, 'x', 'n', 1, '')"),
                 SQL_OK);
    CHECK_EQ_INT(dorf_store_check(s), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "import_issue_id_seq");
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("backend: %s\n", test_store_backend());
    RUN(test_missing_file_without_create_is_not_found);
    RUN(test_new_store_is_at_current_version);
    RUN(test_new_file_is_in_wal_mode_and_marked_as_dorf);
    RUN(test_old_schema_is_migrated_and_keeps_its_rows);
    RUN(test_read_only_open_refuses_to_migrate);
    RUN(test_newer_schema_is_refused_and_left_alone);
    RUN(test_foreign_sqlite_and_non_sqlite_files_are_refused);
    RUN(test_schema_with_other_tables_is_refused);
    RUN(test_unwritable_location_is_an_io_error);
    RUN(test_unreachable_postgres_server_is_a_clear_io_error);
    RUN(test_region_round_trips_through_the_store);
    RUN(test_text_with_tabs_newlines_and_backslashes_is_kept);
    RUN(test_stamp_names_the_stored_network_without_counting);
    RUN(test_store_without_region_says_so);
    RUN(test_replace_swaps_the_whole_region);
    RUN(test_interrupted_replace_leaves_previous_region);
    RUN(test_failed_replace_leaves_previous_region);
    RUN(test_read_only_store_refuses_to_replace_the_region);
    RUN(test_import_issues_can_be_listed_by_kind);
    RUN(test_check_finds_a_row_that_refers_to_a_missing_row);
    RUN(test_check_finds_a_missing_spatial_index);
    test_store_cleanup();
    return check_summary();
}
