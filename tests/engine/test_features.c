/*
 * test_features.c: the public layers as pages of features (engine/store_features.c,
 * dorf/features.h), on either store (tests/test_store.h), on a hand-made village: a 5 x 5 grid of
 * places, three road segments (one straight with a bend point, one diagonal whose bounding box
 * covers ground the line never touches, one far away), DorfNews posts of every kind, of which only
 * the located, visible events are public, and base-map features (an L-shaped forest, a square lake,
 * a stream). Checks counts and pages against what the fixture holds, exact box tests (box edges,
 * degenerate boxes, boxes inside a line's bounding box but off the line), time intervals, single
 * features, extents, refused queries and allocation failures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/features.h"
#include "dorf/platform.h"
#include "dorf/posts.h"
#include "dorf/store.h"
#include "test_store.h"

#define GRID 5
#define T0 1790000000LL /* 2026-09-21, a time within the years events may have */

/* Place (i, j) of the grid: lon 11.50 + 0.01 i, lat 50.00 + 0.01 j, node 1000 + 5 j + i. */
static double grid_lon(int i) {
    return 11.50 + 0.01 * i;
}
static double grid_lat(int j) {
    return 50.00 + 0.01 * j;
}

/* WKB (little-endian) of a polygon (as a MultiPolygon when `multi`) or a LineString. */
struct wkb {
    unsigned char bytes[1024];
    size_t size;
};

static void wkb_u32(struct wkb *w, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        w->bytes[w->size++] = (unsigned char)(v >> (8 * i));
    }
}

static void wkb_points(struct wkb *w, const double (*xy)[2], size_t n) {
    wkb_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        memcpy(w->bytes + w->size, xy[i], 16); /* little-endian doubles on every host dorf runs */
        w->size += 16;
    }
}

static struct wkb wkb_geometry(int type, const double (*xy)[2], size_t n) {
    struct wkb w = {.size = 0};
    if (type == 6) {
        w.bytes[w.size++] = 1;
        wkb_u32(&w, 6);
        wkb_u32(&w, 1);
    }
    w.bytes[w.size++] = 1;
    wkb_u32(&w, type == 6 ? 3 : (uint32_t)type);
    if (type != 2) {
        wkb_u32(&w, 1); /* one ring */
    }
    wkb_points(&w, xy, n);
    return w;
}

/* An L-shaped forest (its bounding box covers a square it leaves out), a lake, a stream. */
static const double forest[][2] = {{11.80, 50.00}, {11.90, 50.00}, {11.90, 50.02}, {11.82, 50.02},
                                   {11.82, 50.10}, {11.80, 50.10}, {11.80, 50.00}};
static const double lake[][2] = {
    {11.84, 50.06}, {11.86, 50.06}, {11.86, 50.08}, {11.84, 50.08}, {11.84, 50.06}};
static const double stream[][2] = {{11.80, 50.20}, {11.90, 50.30}};

static dorf_region *make_region(dorf_ctx *ctx) {
    dorf_region *r = NULL;
    if (dorf_region_new(ctx, &r) != DORF_OK) {
        return NULL;
    }
    r->meta.source = "test";
    r->meta.imported_at = "2026-11-27T10:00:00Z";
    r->meta.crs_epsg = 25832;
    r->meta.min_lon_deg = 11.4;
    r->meta.min_lat_deg = 49.9;
    r->meta.max_lon_deg = 11.8;
    r->meta.max_lat_deg = 50.4;
    for (int j = 0; j < GRID; j++) {
        for (int i = 0; i < GRID; i++) {
            dorf_place p = {.osm_type = 'n',
                            .osm_id = 1000 + GRID * j + i,
                            .category = DORF_CAT_BAKERY,
                            .osm_key = "shop",
                            .osm_value = "bakery",
                            .name = "Bäckerei",
                            .lon_deg = grid_lon(i),
                            .lat_deg = grid_lat(j)};
            if (i == 0 && j == 0) {
                p.opening_hours = "Mo-Sa 06:00-12:00";
                p.phone = "+49 921 1234";
                p.website = "https://example.org";
                p.street = "Hauptstraße";
                p.housenumber = "1";
                p.postcode = "95463";
                p.city = "Bindlach";
            }
            dorf_region_add_place(ctx, r, &p);
        }
    }
    /* Nodes A, B (a straight road with a bend point), C, D (a diagonal), E, F (far away). */
    const dorf_road_node nodes[] = {{1, 11.50, 50.00}, {2, 11.60, 50.00}, {3, 11.50, 50.10},
                                    {4, 11.60, 50.20}, {5, 11.70, 50.30}, {6, 11.71, 50.30}};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        dorf_region_add_node(ctx, r, &nodes[i], NULL);
    }
    const dorf_point points[] = {{11.50, 50.00}, {11.55, 50.00}, {11.60, 50.00}, {11.50, 50.10},
                                 {11.60, 50.20}, {11.70, 50.30}, {11.71, 50.30}};
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        dorf_region_add_point(ctx, r, points[i], NULL);
    }
    const dorf_road_edge edges[] = {
        {.from = 0,
         .to = 1,
         .point_first = 0,
         .point_count = 3,
         .osm_way_id = 70,
         .length_m = 7150.5,
         .maxspeed_kmh = 50,
         .highway = DORF_HW_RESIDENTIAL,
         .access_forward = 7,
         .access_backward = 1,
         .name = "Hauptstraße",
         .surface = "asphalt"},
        {.from = 2,
         .to = 3,
         .point_first = 3,
         .point_count = 2,
         .osm_way_id = 71,
         .length_m = 13000,
         .highway = DORF_HW_TRACK,
         .access_forward = 3,
         .access_backward = 3},
        {.from = 4,
         .to = 5,
         .point_first = 5,
         .point_count = 2,
         .osm_way_id = 72,
         .length_m = 715,
         .highway = DORF_HW_SERVICE,
         .access_forward = 7,
         .access_backward = 7},
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        dorf_region_add_edge(ctx, r, &edges[i]);
    }
    /* The region copies nothing: the WKB must outlive it, hence static. */
    static struct wkb shapes[3];
    shapes[0] = wkb_geometry(6, forest, sizeof forest / sizeof forest[0]);
    shapes[1] = wkb_geometry(6, lake, sizeof lake / sizeof lake[0]);
    shapes[2] = wkb_geometry(2, stream, sizeof stream / sizeof stream[0]);
    const dorf_map_feature map[] = {
        {801, 'r', DORF_MAP_LANDCOVER, "forest", "Hohe Warte", shapes[0].bytes, shapes[0].size},
        {802, 'w', DORF_MAP_WATER, "water", "Dorfweiher", shapes[1].bytes, shapes[1].size},
        {803, 'w', DORF_MAP_WATERWAY, "stream", NULL, shapes[2].bytes, shapes[2].size},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        dorf_region_add_map_feature(ctx, r, &map[i]);
    }
    return r;
}

typedef struct fixture {
    dorf_ctx *ctx;
    dorf_store *store;
    dorf_arena *arena;
    int64_t author;
    int64_t event1, event2, hidden, unlocated, news;
} fixture;

static int64_t add_post(fixture *f, dorf_post_kind kind, int located, double lon, double lat,
                        int64_t starts, int64_t ends) {
    dorf_post p = {.kind = kind, .author_id = f->author};
    p.title = (char *)(kind == DORF_POST_EVENT ? "Dorffest" : "Neuigkeit");
    p.body = (char *)"Am Anger, ab 18 Uhr";
    p.has_location = located;
    p.lon_deg = lon;
    p.lat_deg = lat;
    if (kind == DORF_POST_EVENT) {
        p.has_starts = 1;
        p.starts_at = starts;
        p.has_ends = ends != 0;
        p.ends_at = ends;
    }
    int64_t id = 0;
    if (dorf_store_post_create(f->store, &p, T0, &id) != DORF_OK) {
        fprintf(stderr, "  add_post: %s\n", dorf_ctx_errmsg(f->ctx));
    }
    return id;
}

static int setup(fixture *f, const char *name) {
    memset(f, 0, sizeof *f);
    const char *path = test_store_location(name);
    f->ctx = dorf_ctx_new();
    f->arena = dorf_arena_new();
    dorf_region *r = make_region(f->ctx);
    if (!r || dorf_store_open(f->ctx, path, DORF_STORE_CREATE, &f->store) != DORF_OK ||
        dorf_store_replace_region(f->store, r) != DORF_OK) {
        fprintf(stderr, "  setup: %s\n", dorf_ctx_errmsg(f->ctx));
        dorf_region_free(r);
        return -1;
    }
    dorf_region_free(r);
    dorf_user u = {0};
    snprintf(u.email, sizeof u.email, "anna@example.org");
    snprintf(u.name, sizeof u.name, "Anna");
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    u.roles = DORF_ROLE_CITIZEN;
    if (dorf_store_user_create(f->store, &u, &f->author) != DORF_OK) {
        return -1;
    }
    f->event1 = add_post(f, DORF_POST_EVENT, 1, 11.5, 50.0, T0 + 1000, T0 + 2000);
    f->news = add_post(f, DORF_POST_NEWS, 1, 11.5, 50.0, 0, 0);
    f->hidden = add_post(f, DORF_POST_EVENT, 1, 11.5, 50.0, T0 + 1000, 0);
    f->unlocated = add_post(f, DORF_POST_EVENT, 0, 0, 0, T0 + 1000, 0);
    f->event2 = add_post(f, DORF_POST_EVENT, 1, 11.6, 50.1, T0 + 3000, 0);
    if (dorf_store_post_set_hidden(f->store, f->hidden, f->author, 1, T0) != DORF_OK) {
        return -1;
    }
    return f->event1 && f->event2 && f->hidden && f->unlocated && f->news ? 0 : -1;
}

static void teardown(fixture *f) {
    dorf_store_close(f->store);
    dorf_arena_free(f->arena);
    dorf_ctx_free(f->ctx);
}

static dorf_feature_query box_query(double minlon, double minlat, double maxlon, double maxlat) {
    dorf_feature_query q = {.has_bbox = 1, .limit = DORF_FEATURES_MAX_LIMIT};
    q.bbox[0] = minlon;
    q.bbox[1] = minlat;
    q.bbox[2] = maxlon;
    q.bbox[3] = maxlat;
    return q;
}

/* The ids of the road segments matching `q`, as "1,2" (empty when none); *matched set. */
static const char *road_ids(fixture *f, const dorf_feature_query *q, int64_t *matched) {
    static char buf[64];
    dorf_road_feature *rows = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (dorf_store_road_features(f->store, f->arena, q, &rows, &n, matched) != DORF_OK) {
        fprintf(stderr, "  road_ids: %s\n", dorf_ctx_errmsg(f->ctx));
        return "error";
    }
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%lld", i ? "," : "", (long long)rows[i].id);
    }
    return buf;
}

/* Same for events. */
static const char *event_ids(fixture *f, const dorf_feature_query *q, int64_t *matched) {
    static char buf[64];
    dorf_event_feature *rows = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (dorf_store_event_features(f->store, f->arena, q, &rows, &n, matched) != DORF_OK) {
        fprintf(stderr, "  event_ids: %s\n", dorf_ctx_errmsg(f->ctx));
        return "error";
    }
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%lld", i ? "," : "", (long long)rows[i].id);
    }
    return buf;
}

/* ---- places ------------------------------------------------------------------------------ */

static void test_pages_of_places_list_every_place_once_in_order(void) {
    fixture f;
    CHECK(setup(&f, "pages") == 0);
    int seen[GRID * GRID] = {0};
    int64_t last = -1;
    int64_t offset = 0;
    int pages = 0;
    for (;;) {
        dorf_feature_query q = {.offset = offset, .limit = 7};
        dorf_place_feature *rows = NULL;
        size_t n = 0;
        int64_t matched = -1;
        CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
        CHECK_EQ_INT(matched, GRID * GRID);
        if (n == 0) {
            break;
        }
        CHECK(n <= 7);
        for (size_t i = 0; i < n; i++) {
            int64_t k = rows[i].osm_id - 1000;
            CHECK(k >= 0 && k < GRID * GRID);
            if (k >= 0 && k < GRID * GRID) {
                seen[k]++;
                /* The fixture adds places in osm id order, so row order is osm id order. */
                CHECK(rows[i].osm_id > last);
                last = rows[i].osm_id;
                CHECK_NEAR(rows[i].lon_deg, grid_lon((int)(k % GRID)), 1e-9);
                CHECK_NEAR(rows[i].lat_deg, grid_lat((int)(k / GRID)), 1e-9);
            }
        }
        offset += (int64_t)n;
        pages++;
    }
    CHECK_EQ_INT(pages, (GRID * GRID + 6) / 7);
    for (int k = 0; k < GRID * GRID; k++) {
        CHECK_EQ_INT(seen[k], 1);
    }
    teardown(&f);
}

static void test_place_box_includes_its_edges_and_nothing_else(void) {
    fixture f;
    CHECK(setup(&f, "placebox") == 0);
    /* Columns 1..2 and rows 1..3, the box's edges exactly on the places. */
    dorf_feature_query q = box_query(grid_lon(1), grid_lat(1), grid_lon(2), grid_lat(3));
    dorf_place_feature *rows = NULL;
    size_t n = 0;
    int64_t matched = 0;
    CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(matched, 2 * 3);
    CHECK_EQ_INT(n, 2 * 3);
    for (size_t i = 0; i < n; i++) {
        int64_t k = rows[i].osm_id - 1000;
        CHECK(k % GRID >= 1 && k % GRID <= 2 && k / GRID >= 1 && k / GRID <= 3);
    }
    /* A hair inside the outer places leaves them out. */
    q = box_query(grid_lon(1) + 1e-9, grid_lat(1) + 1e-9, grid_lon(2), grid_lat(3));
    CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(matched, 1 * 2);
    /* A box of zero size on one place finds it. */
    q = box_query(grid_lon(4), grid_lat(4), grid_lon(4), grid_lat(4));
    CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(n ? rows[0].osm_id : 0, 1000 + GRID * 4 + 4);
    /* Far away: none, and a page past the end is empty but still counts. */
    q = box_query(0, 0, 1, 1);
    CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(matched, 0);
    CHECK_EQ_INT(n, 0);
    dorf_feature_query all = {.offset = INT64_MAX, .limit = 10};
    CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &all, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(matched, GRID * GRID);
    CHECK_EQ_INT(n, 0);
    teardown(&f);
}

static void test_a_place_is_found_by_its_osm_element(void) {
    fixture f;
    CHECK(setup(&f, "place") == 0);
    dorf_place_feature p;
    CHECK_EQ_INT(dorf_store_place_feature(f.store, f.arena, 'n', 1000, &p), DORF_OK);
    CHECK_EQ_INT(p.osm_type, 'n');
    CHECK_STR(p.name, "Bäckerei");
    CHECK_STR(p.category, "bakery");
    CHECK_STR(p.osm_value, "bakery");
    CHECK_STR(p.opening_hours, "Mo-Sa 06:00-12:00");
    CHECK(p.opening_hours_error == NULL);
    CHECK_STR(p.phone, "+49 921 1234");
    CHECK_STR(p.website, "https://example.org");
    CHECK_STR(p.street, "Hauptstraße");
    CHECK_STR(p.housenumber, "1");
    CHECK_STR(p.postcode, "95463");
    CHECK_STR(p.city, "Bindlach");
    CHECK_NEAR(p.lon_deg, 11.50, 1e-9);
    CHECK_EQ_INT(dorf_store_place_feature(f.store, f.arena, 'n', 1001, &p), DORF_OK);
    CHECK(p.phone == NULL && p.opening_hours == NULL);
    CHECK_EQ_INT(dorf_store_place_feature(f.store, f.arena, 'w', 1000, &p), DORF_ENOTFOUND);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "w1000");
    CHECK_EQ_INT(dorf_store_place_feature(f.store, f.arena, 'n', 999, &p), DORF_ENOTFOUND);
    teardown(&f);
}

/* ---- roads ------------------------------------------------------------------------------- */

static void test_road_segments_carry_their_shape_and_attributes(void) {
    fixture f;
    CHECK(setup(&f, "roads") == 0);
    dorf_feature_query q = {.limit = 10};
    dorf_road_feature *rows = NULL;
    size_t n = 0;
    int64_t matched = 0;
    CHECK_EQ_INT(dorf_store_road_features(f.store, f.arena, &q, &rows, &n, &matched), DORF_OK);
    CHECK_EQ_INT(matched, 3);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(rows[0].id, 1);
        CHECK_EQ_INT(rows[0].osm_way_id, 70);
        CHECK_STR(rows[0].highway, "residential");
        CHECK_STR(rows[0].name, "Hauptstraße");
        CHECK_STR(rows[0].surface, "asphalt");
        CHECK_NEAR(rows[0].length_m, 7150.5, 1e-9);
        CHECK_NEAR(rows[0].maxspeed_kmh, 50, 1e-9);
        CHECK_EQ_INT(rows[0].access_forward, 7);
        CHECK_EQ_INT(rows[0].access_backward, 1);
        CHECK_EQ_INT(rows[0].point_count, 3);
        CHECK_NEAR(rows[0].points[1].lon_deg, 11.55, 1e-12);
        CHECK_NEAR(rows[0].points[2].lat_deg, 50.00, 1e-12);
        CHECK(rows[1].name == NULL && rows[1].surface == NULL);
        CHECK_NEAR(rows[1].maxspeed_kmh, 0, 0);
        CHECK_EQ_INT(rows[2].id, 3);
    }
    dorf_road_feature e;
    CHECK_EQ_INT(dorf_store_road_feature(f.store, f.arena, 2, &e), DORF_OK);
    CHECK_STR(e.highway, "track");
    CHECK_EQ_INT(e.point_count, 2);
    CHECK_NEAR(e.points[1].lat_deg, 50.20, 1e-12);
    CHECK_EQ_INT(dorf_store_road_feature(f.store, f.arena, 4, &e), DORF_ENOTFOUND);
    teardown(&f);
}

static void test_road_box_is_tested_against_the_line_not_its_bounding_box(void) {
    fixture f;
    CHECK(setup(&f, "roadbox") == 0);
    int64_t matched = 0;
    dorf_feature_query q = box_query(11.52, 49.99, 11.58, 50.01);
    CHECK_STR(road_ids(&f, &q, &matched), "1");
    CHECK_EQ_INT(matched, 1);
    /* Inside the diagonal's bounding box, but the line passes lon 11.51 at lat 50.11. */
    q = box_query(11.51, 50.18, 11.52, 50.19);
    CHECK_STR(road_ids(&f, &q, &matched), "");
    CHECK_EQ_INT(matched, 0);
    q = box_query(11.545, 50.14, 11.555, 50.16);
    CHECK_STR(road_ids(&f, &q, &matched), "2");
    /* Degenerate boxes: a vertical line across road 1, a point on its bend, a point beside. */
    q = box_query(11.53, 49.99, 11.53, 50.01);
    CHECK_STR(road_ids(&f, &q, &matched), "1");
    q = box_query(11.55, 50.00, 11.55, 50.00);
    CHECK_STR(road_ids(&f, &q, &matched), "1");
    q = box_query(11.55, 50.001, 11.55, 50.001);
    CHECK_STR(road_ids(&f, &q, &matched), "");
    /* A box around everything, paged one by one. */
    q = box_query(11, 49, 12, 51);
    q.limit = 1;
    q.offset = 1;
    CHECK_STR(road_ids(&f, &q, &matched), "2");
    CHECK_EQ_INT(matched, 3);
    teardown(&f);
}

/* ---- events ------------------------------------------------------------------------------ */

static void test_only_located_visible_events_are_public(void) {
    fixture f;
    CHECK(setup(&f, "events") == 0);
    int64_t matched = 0;
    char want[64];
    snprintf(want, sizeof want, "%lld,%lld", (long long)f.event1, (long long)f.event2);
    dorf_feature_query q = {.limit = 100};
    CHECK_STR(event_ids(&f, &q, &matched), want);
    CHECK_EQ_INT(matched, 2);
    dorf_event_feature ev;
    CHECK_EQ_INT(dorf_store_event_feature(f.store, f.arena, f.event1, &ev), DORF_OK);
    CHECK_STR(ev.title, "Dorffest");
    CHECK_STR(ev.body, "Am Anger, ab 18 Uhr");
    CHECK_EQ_INT(ev.starts_at, T0 + 1000);
    CHECK(ev.has_ends);
    CHECK_EQ_INT(ev.ends_at, T0 + 2000);
    CHECK_EQ_INT(ev.created_at, T0);
    CHECK_NEAR(ev.lon_deg, 11.5, 1e-12);
    CHECK_EQ_INT(dorf_store_event_feature(f.store, f.arena, f.event2, &ev), DORF_OK);
    CHECK(!ev.has_ends);
    CHECK_EQ_INT(dorf_store_event_feature(f.store, f.arena, f.hidden, &ev), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_event_feature(f.store, f.arena, f.unlocated, &ev), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_event_feature(f.store, f.arena, f.news, &ev), DORF_ENOTFOUND);
    q = box_query(11.55, 50.05, 11.65, 50.15);
    snprintf(want, sizeof want, "%lld", (long long)f.event2);
    CHECK_STR(event_ids(&f, &q, &matched), want);
    teardown(&f);
}

static void test_events_are_selected_by_overlapping_time(void) {
    fixture f;
    CHECK(setup(&f, "times") == 0);
    char one[32];
    char two[32];
    char both[64];
    snprintf(one, sizeof one, "%lld", (long long)f.event1);
    snprintf(two, sizeof two, "%lld", (long long)f.event2);
    snprintf(both, sizeof both, "%s,%s", one, two);
    const struct {
        int64_t from, until;
        const char *want;
    } cases[] = {
        {T0 + 1500, T0 + 2500, one},  /* overlaps event 1's span */
        {T0 + 2000, T0 + 2000, one},  /* its last second counts */
        {T0 + 2001, T0 + 2999, ""},   /* between the two */
        {T0 + 3000, T0 + 3000, two},  /* the instant event 2 starts */
        {INT64_MIN, T0 + 999, ""},    /* open start, before both */
        {INT64_MIN, T0 + 1000, one},  /* open start up to event 1's start */
        {T0 + 2500, INT64_MAX, two},  /* open end */
        {INT64_MIN, INT64_MAX, both}, /* open both ways */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dorf_feature_query q = {
            .has_time = 1, .time_from = cases[i].from, .time_until = cases[i].until, .limit = 10};
        int64_t matched = 0;
        const char *got = event_ids(&f, &q, &matched);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "  case %zu: got '%s', want '%s'\n", i, got, cases[i].want);
            CHECK(0);
        }
    }
    teardown(&f);
}

/* ---- the base map ------------------------------------------------------------------------ */

/* The number of `layer` features meeting the box, or -1. */
static int64_t basemap_count(fixture *f, dorf_map_layer layer, double minlon, double minlat,
                             double maxlon, double maxlat) {
    dorf_feature_query q = box_query(minlon, minlat, maxlon, maxlat);
    dorf_basemap_feature *rows = NULL;
    size_t n = 0;
    int64_t matched = 0;
    if (dorf_store_basemap_features(f->store, f->arena, layer, &q, &rows, &n, &matched) !=
        DORF_OK) {
        fprintf(stderr, "  basemap_count: %s\n", dorf_ctx_errmsg(f->ctx));
        return -1;
    }
    return (int64_t)n == matched ? matched : -1;
}

static void test_base_map_layers_are_separate_and_tested_against_their_shapes(void) {
    fixture f;
    CHECK(setup(&f, "basemap") == 0);
    dorf_feature_query all = {.limit = 10};
    dorf_basemap_feature *rows = NULL;
    size_t n = 0;
    int64_t matched = 0;
    CHECK_EQ_INT(dorf_store_basemap_features(f.store, f.arena, DORF_MAP_LANDCOVER, &all, &rows, &n,
                                             &matched),
                 DORF_OK);
    CHECK_EQ_INT(matched, 1);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(rows[0].osm_type, 'r');
        CHECK_EQ_INT(rows[0].osm_id, 801);
        CHECK_STR(rows[0].kind, "forest");
        CHECK_STR(rows[0].name, "Hohe Warte");
        CHECK_CONTAINS(rows[0].geometry_json, "\"MultiPolygon\"");
        CHECK_CONTAINS(rows[0].geometry_json, "[11.82,50.1]");
    }
    CHECK_EQ_INT(
        dorf_store_basemap_features(f.store, f.arena, DORF_MAP_RAILWAY, &all, &rows, &n, &matched),
        DORF_OK);
    CHECK_EQ_INT(matched, 0);
    /* Inside the forest's bounding box but in the corner the L leaves out: not in it. */
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_LANDCOVER, 11.85, 50.05, 11.86, 50.06), 0);
    /* Wholly inside the forest, no corner of it in the box: in it. */
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_LANDCOVER, 11.805, 50.03, 11.81, 50.04), 1);
    /* The lake is water, not land cover; a degenerate box across it finds it. */
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_WATER, 11.85, 50.0, 11.85, 50.2), 1);
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_WATERWAY, 11.85, 50.0, 11.85, 50.2), 0);
    /* The stream passes lon 11.85 at lat 50.25. */
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_WATERWAY, 11.849, 50.249, 11.851, 50.251), 1);
    CHECK_EQ_INT(basemap_count(&f, DORF_MAP_WATERWAY, 11.81, 50.28, 11.82, 50.29), 0);
    dorf_basemap_feature m;
    CHECK_EQ_INT(dorf_store_basemap_feature(f.store, f.arena, DORF_MAP_WATER, 'w', 802, &m),
                 DORF_OK);
    CHECK_STR(m.name, "Dorfweiher");
    CHECK_EQ_INT(dorf_store_basemap_feature(f.store, f.arena, DORF_MAP_LANDCOVER, 'w', 802, &m),
                 DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_basemap_feature(f.store, f.arena, DORF_MAP_WATERWAY, 'w', 803, &m),
                 DORF_OK);
    CHECK(m.name == NULL);
    CHECK_CONTAINS(m.geometry_json, "LineString");
    dorf_feature_extent x;
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_WATER, &x), DORF_OK);
    CHECK(x.has_bbox);
    CHECK_NEAR(x.bbox[0], 11.84, 1e-5);
    CHECK_NEAR(x.bbox[3], 50.08, 1e-5);
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_RAILWAYS, &x), DORF_OK);
    CHECK(!x.has_bbox);
    CHECK_EQ_INT(
        dorf_store_basemap_features(f.store, f.arena, (dorf_map_layer)9, &all, &rows, &n, &matched),
        DORF_EINVAL);
    teardown(&f);
}

/* ---- extents and refusals ---------------------------------------------------------------- */

static void test_extents_cover_the_layers(void) {
    fixture f;
    CHECK(setup(&f, "extent") == 0);
    dorf_feature_extent x;
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_PLACES, &x), DORF_OK);
    CHECK(x.has_bbox && !x.has_time);
    /* The R*Tree keeps single-precision bounds, rounded outwards: within 1e-5 degrees (PostGIS
     * gives the points' exact bounds). */
    CHECK(x.bbox[0] <= grid_lon(0) && x.bbox[0] > grid_lon(0) - 1e-5);
    CHECK(x.bbox[1] <= grid_lat(0) && x.bbox[1] > grid_lat(0) - 1e-5);
    CHECK(x.bbox[2] >= grid_lon(GRID - 1) && x.bbox[2] < grid_lon(GRID - 1) + 1e-5);
    CHECK(x.bbox[3] >= grid_lat(GRID - 1) && x.bbox[3] < grid_lat(GRID - 1) + 1e-5);
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_ROADS, &x), DORF_OK);
    CHECK_NEAR(x.bbox[0], 11.50, 1e-5);
    CHECK_NEAR(x.bbox[3], 50.30, 1e-5);
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_EVENTS, &x), DORF_OK);
    CHECK(x.has_bbox && x.has_time);
    CHECK_NEAR(x.bbox[0], 11.5, 1e-12);
    CHECK_NEAR(x.bbox[1], 50.0, 1e-12);
    CHECK_NEAR(x.bbox[2], 11.6, 1e-12);
    CHECK_NEAR(x.bbox[3], 50.1, 1e-12);
    CHECK_EQ_INT(x.time_min, T0 + 1000);
    CHECK_EQ_INT(x.time_max, T0 + 3000);
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, (dorf_feature_layer)7, &x), DORF_EINVAL);
    /* No events: an extent without a box or times. */
    CHECK_EQ_INT(dorf_store_post_set_hidden(f.store, f.event1, f.author, 1, T0), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_set_hidden(f.store, f.event2, f.author, 1, T0), DORF_OK);
    CHECK_EQ_INT(dorf_store_feature_extent(f.store, DORF_LAYER_EVENTS, &x), DORF_OK);
    CHECK(!x.has_bbox && !x.has_time);
    teardown(&f);
}

static void test_unusable_queries_are_refused_with_a_message(void) {
    fixture f;
    CHECK(setup(&f, "refused") == 0);
    dorf_feature_query bad[7];
    memset(bad, 0, sizeof bad);
    bad[0].limit = 0;
    bad[1].limit = DORF_FEATURES_MAX_LIMIT + 1;
    bad[2] = (dorf_feature_query){.limit = 1, .offset = -1};
    bad[3] = box_query(11.6, 50, 11.5, 50.1);
    bad[4] = box_query(11.5, 50, 11.6, 91);
    bad[5] = (dorf_feature_query){.limit = 1, .has_time = 1, .time_from = 0, .time_until = 10};
    bad[6] = box_query(11.5, 50, 11.6, 50.1);
    bad[6].bbox[2] = NAN;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dorf_place_feature *rows = NULL;
        size_t n = 7;
        int64_t matched = 7;
        dorf_ctx_clear_error(f.ctx);
        CHECK_EQ_INT(dorf_store_place_features(f.store, f.arena, &bad[i], &rows, &n, &matched),
                     DORF_EINVAL);
        CHECK(rows == NULL && n == 0 && matched == 0);
        CHECK(strlen(dorf_ctx_errmsg(f.ctx)) > 10);
    }
    /* An interval that ends before it starts. */
    dorf_feature_query q = {.limit = 1, .has_time = 1, .time_from = 10, .time_until = 9};
    dorf_event_feature *ev = NULL;
    size_t n = 0;
    int64_t matched = 0;
    CHECK_EQ_INT(dorf_store_event_features(f.store, f.arena, &q, &ev, &n, &matched), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "interval");
    teardown(&f);
}

/* Every allocation of a page made to fail in turn: DORF_ENOMEM, and the store works after. */
static void test_allocation_failures_leave_the_store_usable(void) {
    fixture f;
    CHECK(setup(&f, "faults") == 0);
    int failures = 0;
    for (unsigned long k = 1; k < 200; k++) {
        dorf_arena *arena = dorf_arena_new();
        if (!arena) {
            break;
        }
        dorf_feature_query q = {.limit = 100};
        dorf_road_feature *rows = NULL;
        size_t n = 0;
        int64_t matched = 0;
        dorf_alloc_fail_after(k, 0);
        dorf_status st = dorf_store_road_features(f.store, arena, &q, &rows, &n, &matched);
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        dorf_arena_free(arena);
        if (st == DORF_OK) {
            CHECK_EQ_INT(n, 3);
            if (calls < k) {
                break;
            }
            continue;
        }
        failures++;
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(rows == NULL && n == 0);
        CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "out of memory");
    }
#ifdef DORF_FAULT_INJECTION
    CHECK(failures > 0);
#endif
    /* No transaction was left open: a write and another read go through. */
    CHECK(add_post(&f, DORF_POST_EVENT, 1, 11.55, 50.05, T0 + 5000, 0) > 0);
    int64_t matched = 0;
    dorf_feature_query q = {.limit = 10};
    event_ids(&f, &q, &matched);
    CHECK_EQ_INT(matched, 3);
    teardown(&f);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("backend: %s\n", test_store_backend());
    RUN(test_pages_of_places_list_every_place_once_in_order);
    RUN(test_place_box_includes_its_edges_and_nothing_else);
    RUN(test_a_place_is_found_by_its_osm_element);
    RUN(test_road_segments_carry_their_shape_and_attributes);
    RUN(test_road_box_is_tested_against_the_line_not_its_bounding_box);
    RUN(test_only_located_visible_events_are_public);
    RUN(test_events_are_selected_by_overlapping_time);
    RUN(test_base_map_layers_are_separate_and_tested_against_their_shapes);
    RUN(test_extents_cover_the_layers);
    RUN(test_unusable_queries_are_refused_with_a_message);
    RUN(test_allocation_failures_leave_the_store_usable);
    test_store_cleanup();
    return check_summary();
}
