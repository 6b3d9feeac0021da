/*
 * test_tile_base.c: tests of api/tile_base.c on a hand-made village (roads of several
 * classes, a one-way street, buildings, places, land cover, a lake with an island, a river, a
 * railway), tiles read back with the independent decoder of mvt_decode.h: which layers and
 * features each zoom shows, their properties, geometry inside the buffered tile with the
 * required winding, tiny polygons left out below zoom 16, empty tiles far away, a region
 * without map features, a malformed footprint that is skipped, and every allocation failure
 * of building and rendering reported cleanly.
 */
#include <stdlib.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/region.h"
#include "mvt.h"
#include "mvt_decode.h"
#include "tile_base.h"
#include "tile_geom.h"

static dec_tile tile;

#define LON0 11.50
#define LAT0 50.00

/* ---- a hand-made region ---- */

struct wkb_buf {
    unsigned char b[4096];
    size_t n;
};

static void put_u32(struct wkb_buf *w, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        w->b[w->n++] = (unsigned char)(v >> (8 * i));
    }
}

static void put_f64(struct wkb_buf *w, double d) {
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    for (int i = 0; i < 8; i++) {
        w->b[w->n++] = (unsigned char)(v >> (8 * i));
    }
}

/* A box ring as a WKB Polygon (little endian), with an optional box hole. */
static void wkb_box(struct wkb_buf *w, const double *box, const double *hole) {
    w->b[w->n++] = 1;
    put_u32(w, 3);
    put_u32(w, hole ? 2 : 1);
    for (int r = 0; r < (hole ? 2 : 1); r++) {
        const double *b = r == 0 ? box : hole;
        put_u32(w, 5);
        double xy[10] = {b[0], b[1], b[2], b[1], b[2], b[3], b[0], b[3], b[0], b[1]};
        for (int i = 0; i < 10; i++) {
            put_f64(w, xy[i]);
        }
    }
}

/* A WKB LineString through n lon/lat points. */
static void wkb_line(struct wkb_buf *w, const double *xy, uint32_t n) {
    w->b[w->n++] = 1;
    put_u32(w, 2);
    put_u32(w, n);
    for (uint32_t i = 0; i < 2 * n; i++) {
        put_f64(w, xy[i]);
    }
}

static const unsigned char *copy_blob(dorf_region *r, const struct wkb_buf *w) {
    unsigned char *p = dorf_arena_alloc(r->arena, w->n);
    memcpy(p, w->b, w->n);
    return p;
}

static void add_feature(dorf_ctx *ctx, dorf_region *r, dorf_map_layer layer, const char *kind,
                        const char *name, const struct wkb_buf *w) {
    dorf_map_feature f = {.osm_id = (int64_t)r->map_feature_count + 1,
                          .osm_type = 'w',
                          .layer = layer,
                          .kind = kind,
                          .name = name,
                          .wkb = copy_blob(r, w),
                          .wkb_size = w->n};
    CHECK_EQ_INT(dorf_region_add_map_feature(ctx, r, &f), DORF_OK);
}

/* A road from (lon0, lat0) to (lon1, lat1) through its midpoint. */
static void add_road(dorf_ctx *ctx, dorf_region *r, dorf_highway hw, const char *name, double lon0,
                     double lat0, double lon1, double lat1, uint8_t fwd, uint8_t bwd) {
    uint32_t a, b, first, ignored;
    dorf_road_node na = {(int64_t)r->node_count + 1, lon0, lat0};
    dorf_road_node nb = {(int64_t)r->node_count + 2, lon1, lat1};
    dorf_region_add_node(ctx, r, &na, &a);
    dorf_region_add_node(ctx, r, &nb, &b);
    dorf_region_add_point(ctx, r, (dorf_point){lon0, lat0}, &first);
    dorf_region_add_point(ctx, r, (dorf_point){(lon0 + lon1) / 2, (lat0 + lat1) / 2}, &ignored);
    dorf_region_add_point(ctx, r, (dorf_point){lon1, lat1}, &ignored);
    dorf_road_edge e = {.from = a,
                        .to = b,
                        .point_first = first,
                        .point_count = 3,
                        .osm_way_id = (int64_t)r->edge_count + 100,
                        .length_m = 100,
                        .highway = hw,
                        .access_forward = fwd,
                        .access_backward = bwd,
                        .name = name};
    CHECK_EQ_INT(dorf_region_add_edge(ctx, r, &e), DORF_OK);
}

static dorf_region *village(dorf_ctx *ctx, int with_map_features) {
    dorf_region *r = NULL;
    CHECK_EQ_INT(dorf_region_new(ctx, &r), DORF_OK);
    const uint8_t all = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR;
    const uint8_t walk = DORF_ACCESS_WALK;
    add_road(ctx, r, DORF_HW_MOTORWAY, "A 9", LON0 - 0.01, LAT0, LON0 + 0.01, LAT0, DORF_ACCESS_CAR,
             DORF_ACCESS_CAR);
    add_road(ctx, r, DORF_HW_RESIDENTIAL, "Dorfstraße", LON0, LAT0 - 0.001, LON0, LAT0 + 0.001, all,
             all);
    /* One way for cars, open backward only: drawn from its end to its start. */
    add_road(ctx, r, DORF_HW_RESIDENTIAL, "Einbahnweg", LON0 + 0.001, LAT0 + 0.0005, LON0 + 0.002,
             LAT0 + 0.0005, walk, all);
    add_road(ctx, r, DORF_HW_FOOTWAY, NULL, LON0 - 0.001, LAT0 + 0.0002, LON0 - 0.002,
             LAT0 + 0.0002, walk, walk);

    struct wkb_buf w = {.n = 0};
    double house[4] = {LON0 + 0.0003, LAT0 + 0.0003, LON0 + 0.0005, LAT0 + 0.0004};
    wkb_box(&w, house, NULL);
    dorf_building b = {.osm_id = 1,
                       .kind = "house",
                       .lon_deg = LON0 + 0.0004,
                       .lat_deg = LAT0 + 0.00035,
                       .wkb = copy_blob(r, &w),
                       .wkb_size = w.n};
    dorf_region_add_building(ctx, r, &b, NULL);
    dorf_building broken = b;
    broken.osm_id = 2;
    broken.wkb_size = 7; /* cut short: skipped */
    dorf_region_add_building(ctx, r, &broken, NULL);

    dorf_place p = {.osm_id = 300,
                    .osm_type = 'n',
                    .category = DORF_CAT_BAKERY,
                    .osm_key = "shop",
                    .osm_value = "bakery",
                    .name = "Bäckerei Beispiel",
                    .lon_deg = LON0 + 0.0002,
                    .lat_deg = LAT0 + 0.0001};
    dorf_region_add_place(ctx, r, &p);
    p.osm_id = 7;
    p.osm_type = 'w';
    p.category = DORF_CAT_PHARMACY;
    p.osm_value = "pharmacy";
    p.name = NULL;
    p.lon_deg = LON0 + 0.5; /* far away */
    dorf_region_add_place(ctx, r, &p);

    if (with_map_features) {
        w.n = 0;
        double forest[4] = {LON0 - 0.02, LAT0 - 0.02, LON0 + 0.02, LAT0 + 0.02};
        wkb_box(&w, forest, NULL);
        add_feature(ctx, r, DORF_MAP_LANDCOVER, "forest", NULL, &w);
        w.n = 0;
        double tiny[4] = {LON0 - 0.003, LAT0 - 0.003, LON0 - 0.003 + 2e-6, LAT0 - 0.003 + 2e-6};
        wkb_box(&w, tiny, NULL);
        add_feature(ctx, r, DORF_MAP_LANDCOVER, "grass", NULL, &w);
        w.n = 0;
        double lake[4] = {LON0 - 0.004, LAT0 - 0.002, LON0 - 0.002, LAT0 - 0.001};
        double island[4] = {LON0 - 0.0035, LAT0 - 0.0018, LON0 - 0.0025, LAT0 - 0.0012};
        wkb_box(&w, lake, island);
        add_feature(ctx, r, DORF_MAP_WATER, "water", "Dorfweiher", &w);
        w.n = 0;
        double river[6] = {LON0 - 0.01,  LAT0 - 0.005, LON0,
                           LAT0 - 0.004, LON0 + 0.01,  LAT0 - 0.005};
        wkb_line(&w, river, 3);
        add_feature(ctx, r, DORF_MAP_WATERWAY, "river", "Main", &w);
        w.n = 0;
        double rail[4] = {LON0 - 0.01, LAT0 + 0.003, LON0 + 0.01, LAT0 + 0.003};
        wkb_line(&w, rail, 2);
        add_feature(ctx, r, DORF_MAP_RAILWAY, "rail", NULL, &w);
    }
    return r;
}

/* ---- rendering ---- */

struct fixture {
    dorf_ctx *ctx;
    tile_base *base;
    tile_work *work;
    mvt_encoder *enc;
};

static void setup(struct fixture *f, int with_map_features) {
    f->ctx = dorf_ctx_new();
    CHECK_EQ_INT(tile_base_build(f->ctx, village(f->ctx, with_map_features), &f->base), DORF_OK);
    f->work = tile_work_new();
    f->enc = mvt_encoder_new();
}

static void teardown(struct fixture *f) {
    tile_base_free(f->base);
    tile_work_free(f->work);
    mvt_encoder_free(f->enc);
    dorf_ctx_free(f->ctx);
}

/* Renders the tile at zoom z around lon/lat into `tile`; returns its size in bytes. */
static size_t render_at(struct fixture *f, unsigned z, double lon, double lat) {
    double wx, wy;
    tile_project(lon, lat, &wx, &wy);
    uint32_t x = (uint32_t)(wx * (1u << z)), y = (uint32_t)(wy * (1u << z));
    CHECK_EQ_INT(tile_base_render(f->base, f->work, z, x, y, f->enc), 0);
    const uint8_t *data;
    size_t size;
    CHECK_EQ_INT(mvt_encoder_finish(f->enc, &data, &size), 0);
    dec_tile_read(data, size, &tile);
    CHECK(!tile.bad);
    return size;
}

static size_t count(const char *layer) {
    const dec_layer *l = dec_find_layer(&tile, layer);
    return l ? l->nfeatures : 0;
}

/* The feature of `layer` whose property key has the string value, or NULL. */
static const dec_feature *find(const char *layer, const char *key, const char *value,
                               const dec_layer **lp) {
    const dec_layer *l = dec_find_layer(&tile, layer);
    *lp = l;
    for (size_t i = 0; l && i < l->nfeatures; i++) {
        const dec_value *v = dec_prop(l, &l->features[i], key);
        if (v && v->kind == 1 && strcmp(v->s, value) == 0) {
            return &l->features[i];
        }
    }
    return NULL;
}

static void test_each_zoom_shows_its_layers(void) {
    struct fixture f;
    setup(&f, 1);
    render_at(&f, 6, LON0, LAT0);
    CHECK_EQ_INT(count("roads"), 1); /* the motorway only */
    CHECK_EQ_INT(count("landcover"), 0);
    render_at(&f, 8, LON0, LAT0);
    CHECK_EQ_INT(count("roads"), 1);
    CHECK_EQ_INT(count("landcover"), 1); /* the forest; the grass is tiny */
    CHECK_EQ_INT(count("waterway"), 1);
    CHECK_EQ_INT(count("railway"), 1);
    CHECK_EQ_INT(count("buildings"), 0);
    CHECK_EQ_INT(count("places"), 0);
    render_at(&f, 12, LON0, LAT0);
    CHECK_EQ_INT(count("roads"), 3); /* and the residential streets, no footway */
    CHECK_EQ_INT(count("places"), 1);
    CHECK_EQ_INT(count("buildings"), 0);
    render_at(&f, 14, LON0, LAT0);
    CHECK_EQ_INT(count("roads"), 4);
    CHECK_EQ_INT(count("buildings"), 1); /* the malformed one is skipped */
    CHECK_EQ_INT(count("water"), 1);
    CHECK_EQ_INT(tile_base_count(f.base, TILE_BUILDINGS), 1);
    CHECK_EQ_INT(tile_base_count(f.base, TILE_PLACES), 2);
    CHECK_EQ_INT(tile_base_count(f.base, TILE_LANDCOVER), 2);
    /* Layers come in their fixed order, bottom to top. */
    CHECK_STR(tile.layers[0].name, "landcover");
    CHECK_STR(tile.layers[tile.nlayers - 1].name, "places");
    teardown(&f);
}

static void test_tiny_polygons_are_kept_only_at_the_deepest_zoom(void) {
    struct fixture f;
    setup(&f, 1);
    const dec_layer *l;
    render_at(&f, 15, LON0 - 0.003, LAT0 - 0.003);
    CHECK(find("landcover", "class", "grass", &l) == NULL);
    render_at(&f, 16, LON0 - 0.003, LAT0 - 0.003);
    CHECK(find("landcover", "class", "grass", &l) != NULL);
    teardown(&f);
}

static void test_properties_and_directions(void) {
    struct fixture f;
    setup(&f, 1);
    render_at(&f, 14, LON0, LAT0);
    const dec_layer *l;
    const dec_feature *r = find("roads", "name", "Einbahnweg", &l);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(dec_prop(l, r, "class")->s, "residential");
        CHECK_EQ_INT(dec_prop(l, r, "oneway")->kind, 7);
        CHECK_EQ_INT(dec_prop(l, r, "oneway")->i, 1);
        /* Drawn in the direction cars may go: from east to west. */
        CHECK(r->npts >= 2 && r->xy[0] > r->xy[2 * r->npts - 2]);
    }
    r = find("roads", "name", "Dorfstraße", &l);
    CHECK(r && dec_prop(l, r, "oneway")->i == 0);
    r = find("roads", "class", "footway", &l);
    CHECK(r && dec_prop(l, r, "name") == NULL);
    const dec_feature *p = find("places", "id", "n300", &l);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(dec_prop(l, p, "name")->s, "Bäckerei Beispiel");
        CHECK_STR(dec_prop(l, p, "category")->s, "bakery");
        CHECK_STR(dec_prop(l, p, "subclass")->s, "bakery");
        CHECK_EQ_INT(p->type, MVT_POINT);
    }
    CHECK(find("places", "id", "w7", &l) == NULL); /* far away */
    const dec_feature *water = find("water", "name", "Dorfweiher", &l);
    CHECK(water != NULL);
    if (water) {
        CHECK_STR(dec_prop(l, water, "class")->s, "water");
        CHECK_EQ_INT(water->type, MVT_POLYGON);
        CHECK_EQ_INT(water->nparts, 2);
        CHECK(dec_ring_area2(water, 0) > 0); /* exterior: clockwise on screen */
        CHECK(dec_ring_area2(water, 1) < 0); /* the island */
        CHECK(water->closed[0] && water->closed[1]);
    }
    const dec_feature *house = find("buildings", "kind", "house", &l);
    CHECK(house && house->nparts == 1 && dec_ring_area2(house, 0) > 0);
    teardown(&f);
}

static void test_geometry_stays_within_the_buffer(void) {
    struct fixture f;
    setup(&f, 1);
    for (unsigned z = 8; z <= 18; z++) {
        render_at(&f, z, LON0 + 0.0004, LAT0 + 0.00035);
        int inside = 1;
        for (size_t i = 0; i < tile.pool_used; i++) {
            const dec_feature *ft = &tile.pool[i];
            for (size_t k = 0; k < 2 * ft->npts; k++) {
                inside &= ft->xy[k] >= -TILE_BUFFER && ft->xy[k] <= TILE_EXTENT + TILE_BUFFER;
            }
        }
        CHECK(inside);
        CHECK(count("landcover") == 1);
    }
    /* At zoom 18 the forest covers the whole buffered tile: one square ring. */
    const dec_layer *l;
    const dec_feature *forest = find("landcover", "class", "forest", &l);
    CHECK(forest && forest->nparts == 1);
    if (forest) {
        int64_t side = TILE_EXTENT + 2 * TILE_BUFFER;
        CHECK_EQ_INT(dec_ring_area2(forest, 0), 2 * side * side);
    }
    teardown(&f);
}

static void test_tiles_without_features_are_empty(void) {
    struct fixture f;
    setup(&f, 1);
    CHECK_EQ_INT(render_at(&f, 14, -70.0, -30.0), 0);
    CHECK_EQ_INT(render_at(&f, 3, LON0, LAT0), 0); /* nothing is drawn below zoom 6 */
    double b[4];
    CHECK_EQ_INT(tile_base_bounds(f.base, b), 1);
    CHECK_NEAR(b[0], LON0 - 0.02, 1e-9);
    CHECK_NEAR(b[2], LON0 + 0.5, 1e-9);
    CHECK_NEAR(b[1], LAT0 - 0.02, 1e-9);
    CHECK_NEAR(b[3], LAT0 + 0.02, 1e-9);
    teardown(&f);
}

static void test_a_region_without_map_features_works(void) {
    struct fixture f;
    setup(&f, 0);
    render_at(&f, 14, LON0, LAT0);
    CHECK_EQ_INT(count("landcover"), 0);
    CHECK_EQ_INT(count("water"), 0);
    CHECK_EQ_INT(count("roads"), 4);
    CHECK_EQ_INT(count("places"), 1);
    teardown(&f);
}

static void test_zoom_rules(void) {
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "motorway"), 6);
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "secondary"), 9);
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "tertiary"), 10);
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "residential"), 12);
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "track"), 13);
    CHECK_EQ_INT(tile_base_minzoom(TILE_ROADS, "path"), 14);
    CHECK_EQ_INT(tile_base_minzoom(TILE_WATERWAY, "stream"), 11);
    CHECK_EQ_INT(tile_base_minzoom(TILE_RAILWAY, "abandoned"), 13);
    CHECK_EQ_INT(tile_base_minzoom(TILE_BUILDINGS, NULL), 13);
    CHECK_EQ_INT(tile_base_minzoom(TILE_PLACES, NULL), 12);
}

#ifdef DORF_FAULT_INJECTION
/* Every allocation of building the base map and of rendering fails in turn: reported, no leak. */
static void test_every_allocation_failure_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    for (unsigned long n = 1;; n++) {
        dorf_region *r = village(ctx, 1);
        tile_base *base = NULL;
        tile_work *work = NULL;
        mvt_encoder *enc = NULL;
        dorf_alloc_fail_after(n, 1);
        dorf_status st = tile_base_build(ctx, r, &base);
        int rendered = -1;
        if (st == DORF_OK && (work = tile_work_new()) && (enc = mvt_encoder_new())) {
            rendered = tile_base_render(base, work, 14, 8715, 5556, enc);
        }
        unsigned long used = dorf_alloc_fail_after(0, 0);
        CHECK(st == DORF_OK || (st == DORF_ENOMEM && base == NULL));
        tile_base_free(base);
        tile_work_free(work);
        mvt_encoder_free(enc);
        if (used < n) { /* nothing failed: the whole path ran */
            CHECK_EQ_INT(st, DORF_OK);
            CHECK_EQ_INT(rendered, 0);
            CHECK(n > 50); /* the loop did walk the allocations */
            break;
        }
        if (n > 100000) {
            CHECK(!"the loop over allocation failures did not end");
            break;
        }
    }
    dorf_ctx_free(ctx);
}
#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_each_zoom_shows_its_layers);
    RUN(test_tiny_polygons_are_kept_only_at_the_deepest_zoom);
    RUN(test_properties_and_directions);
    RUN(test_geometry_stays_within_the_buffer);
    RUN(test_tiles_without_features_are_empty);
    RUN(test_a_region_without_map_features_works);
    RUN(test_zoom_rules);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    return check_summary();
}
