/*
 * test_isochrone.c: isochrone polygons (routing/isochrone.c), checked with GEOS: valid,
 * nested, containing the source and every node reached in time, growing with the limit,
 * oriented as RFC 7946 asks, and leaving out what is beyond reach; exact areas on the
 * hand-made graph of fixture.h; failure paths; and the same properties on the real extract.
 */
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/routing.h"
#include "fixture.h"
#include "shared_extract.h"

static GEOSContextHandle_t geos;

static dorf_snap at(uint32_t segment, double fraction) {
    dorf_snap s = {segment, fraction, 0, 0, 0};
    return s;
}

/* Twice the signed area of a ring in degrees (positive counter-clockwise). */
static double ring_area2(const dorf_isochrone *iso, const dorf_iso_ring *r) {
    double sum = 0;
    const dorf_point *p = &iso->points[r->point_first];
    for (size_t i = 1; i < r->point_count; i++) {
        sum += (p[i - 1].lon_deg - p[0].lon_deg) * (p[i].lat_deg - p[0].lat_deg) -
               (p[i].lon_deg - p[0].lon_deg) * (p[i - 1].lat_deg - p[0].lat_deg);
    }
    return sum;
}

/* Checks the layout and orientation of an isochrone and returns it as a GEOS geometry. */
static GEOSGeometry *to_geos(const dorf_isochrone *iso) {
    GEOSGeometry **polys = calloc(iso->polygon_count + 1, sizeof *polys);
    for (size_t p = 0; p < iso->polygon_count; p++) {
        const dorf_iso_polygon *poly = &iso->polygons[p];
        GEOSGeometry *rings[64];
        CHECK(poly->ring_count >= 1 && poly->ring_count <= 64);
        CHECK(poly->ring_first + poly->ring_count <= iso->ring_count);
        size_t nr = poly->ring_count < 64 ? poly->ring_count : 64;
        for (size_t k = 0; k < nr; k++) {
            const dorf_iso_ring *r = &iso->rings[poly->ring_first + k];
            CHECK(r->point_count >= 4 && r->point_first + r->point_count <= iso->point_count);
            const dorf_point *pt = &iso->points[r->point_first];
            CHECK(pt[0].lon_deg == pt[r->point_count - 1].lon_deg &&
                  pt[0].lat_deg == pt[r->point_count - 1].lat_deg);
            /* RFC 7946: exterior rings counter-clockwise, holes clockwise. */
            CHECK(k == 0 ? ring_area2(iso, r) > 0 : ring_area2(iso, r) < 0);
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(geos, (unsigned)r->point_count, 2);
            for (size_t i = 0; i < r->point_count; i++) {
                GEOSCoordSeq_setXY_r(geos, cs, (unsigned)i, pt[i].lon_deg, pt[i].lat_deg);
            }
            rings[k] = GEOSGeom_createLinearRing_r(geos, cs);
        }
        polys[p] = GEOSGeom_createPolygon_r(geos, rings[0], rings + 1, (unsigned)nr - 1);
    }
    GEOSGeometry *g =
        GEOSGeom_createCollection_r(geos, GEOS_MULTIPOLYGON, polys, (unsigned)iso->polygon_count);
    free(polys);
    return g;
}

static int covers_point(const GEOSGeometry *g, double lon, double lat) {
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geos, lon, lat);
    int yes = GEOSCovers_r(geos, g, pt) == 1;
    GEOSGeom_destroy_r(geos, pt);
    return yes;
}

/* Valid, nested, growing; returns the geometries (caller destroys). */
static void check_nested(const dorf_isochrone *iso, size_t n, GEOSGeometry **geoms) {
    for (size_t i = 0; i < n; i++) {
        geoms[i] = to_geos(&iso[i]);
        CHECK(geoms[i] != NULL);
        CHECK(iso[i].polygon_count >= 1);
        CHECK_EQ_INT(GEOSisValid_r(geos, geoms[i]), 1);
        if (i > 0) {
            CHECK(iso[i].limit_s > iso[i - 1].limit_s);
            /* Overlay rounding leaves slivers far below a millimetre; allow one. */
            GEOSGeometry *grown = GEOSBuffer_r(geos, geoms[i], 1e-8, 2);
            CHECK_EQ_INT(GEOSCovers_r(geos, grown, geoms[i - 1]), 1);
            GEOSGeom_destroy_r(geos, grown);
            CHECK(iso[i].area_m2 > iso[i - 1].area_m2);
        }
    }
}

struct env {
    dorf_ctx *ctx;
    dorf_region *region;
    dorf_graph *graph;
    dorf_router *router;
};

static int env_open(struct env *e, dorf_mode mode) {
    e->ctx = dorf_ctx_new();
    e->region = fixture_region(e->ctx);
    e->graph = NULL;
    e->router = NULL;
    return e->region && dorf_graph_build(e->ctx, e->region, mode, &e->graph) == DORF_OK &&
           dorf_router_new(e->ctx, e->graph, &e->router) == DORF_OK;
}

static void env_close(struct env *e) {
    dorf_router_free(e->router);
    dorf_graph_free(e->graph);
    dorf_region_free(e->region);
    dorf_ctx_free(e->ctx);
}

static void test_fixture_isochrones_are_valid_nested_and_contain_the_source(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_WALK));
    dorf_snap src = at(S_AB, 0.5); /* 11.5005, 50.0; 36 s walking from A and from B */
    /* A and B at 36 s, C and D at 108 s, E at 180 s. */
    const double limits[] = {60, 100, 130, 400};
    dorf_isochrone iso[4];
    GEOSGeometry *g[4] = {0};
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 4, NULL, iso), DORF_OK);
    check_nested(iso, 4, g);
    for (int i = 0; i < 4; i++) {
        CHECK(covers_point(g[i], 11.5005, 50.0));
        /* F-G lies apart from the rest: never reached. */
        CHECK(!covers_point(g[i], 11.5105, 50.010));
    }
    /* 60 s: 36 s to A or B, then 24 s on: a third of B-C and B-D, C and D not. */
    CHECK(covers_point(g[0], 11.5014, 50.0));
    CHECK(!covers_point(g[0], 11.5025, 50.0));
    /* 400 s reach everything but F-G: E and the 50 m around it. */
    CHECK(covers_point(g[3], 11.502, 50.001));
    CHECK(covers_point(g[3], 11.502, 50.001 + 35 / 111195.0));
    CHECK(!covers_point(g[3], 11.502, 50.001 + 65 / 111195.0));
    for (int i = 0; i < 4; i++) {
        GEOSGeom_destroy_r(geos, g[i]);
    }
    dorf_isochrones_release(iso, 4);
    env_close(&e);
}

static void test_area_is_that_of_the_buffered_stretch(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_WALK));
    /* 30 s walking from the middle of A-B: 30 / 72 of A-B each way. */
    dorf_snap src = at(S_AB, 0.5);
    double limit = 30;
    dorf_isochrone iso;
    dorf_isochrone_options opt = {.buffer_m = 20, .simplify_m = 1e-3};
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, &limit, 1, &opt, &iso), DORF_OK);
    /* A-B's shape is 0.001 degrees of longitude long (its 100 m are only its length). */
    double len = 2 * 30.0 / 72 * 0.001 * 111195 * cos(50 * M_PI / 180);
    /* A rectangle and two half discs, each as GEOS draws a circle: 32 chords. */
    double disc = 0.5 * 32 * sin(2 * M_PI / 32) * 20 * 20;
    CHECK_NEAR(iso.area_m2, len * 40 + disc, 0.01 * (len * 40 + disc));
    CHECK_EQ_INT(iso.polygon_count, 1);
    CHECK_EQ_INT(iso.ring_count, 1);
    dorf_isochrones_release(&iso, 1);
    env_close(&e);
}

static void test_limits_come_back_in_the_order_given(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR));
    dorf_snap src = at(S_AB, 0);
    const double limits[] = {30, 10, 20};
    dorf_isochrone iso[3];
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 3, NULL, iso), DORF_OK);
    CHECK_NEAR(iso[0].limit_s, 30, 0);
    CHECK_NEAR(iso[1].limit_s, 10, 0);
    CHECK_NEAR(iso[2].limit_s, 20, 0);
    CHECK(iso[1].area_m2 < iso[2].area_m2 && iso[2].area_m2 < iso[0].area_m2);
    dorf_isochrones_release(iso, 3);
    env_close(&e);
}

static void test_reverse_isochrone_follows_the_oneway_backwards(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR));
    /* Into D within 13 s by car: from B (B->D, 12 s) and from E, not from C (24 s). */
    dorf_snap d = at(S_DE, 0);
    double limit = 13;
    dorf_isochrone_options opt = {.buffer_m = 20, .reverse = 1};
    dorf_isochrone iso;
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &d, &limit, 1, &opt, &iso), DORF_OK);
    GEOSGeometry *g = to_geos(&iso);
    CHECK(covers_point(g, 11.501, 50.0));   /* B */
    CHECK(covers_point(g, 11.502, 50.001)); /* E */
    CHECK(!covers_point(g, 11.502, 50.0));  /* C */
    GEOSGeom_destroy_r(geos, g);
    dorf_isochrones_release(&iso, 1);
    /* Out of D, B is 36 s away. */
    opt.reverse = 0;
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &d, &limit, 1, &opt, &iso), DORF_OK);
    g = to_geos(&iso);
    CHECK(!covers_point(g, 11.501, 50.0));
    CHECK(covers_point(g, 11.502, 50.001));
    GEOSGeom_destroy_r(geos, g);
    dorf_isochrones_release(&iso, 1);
    env_close(&e);
}

static void test_bad_input_is_refused(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_WALK));
    dorf_snap src = at(S_AB, 0.5), bad = at(42, 0.5);
    dorf_isochrone iso[2];
    double limits[] = {60, 0};
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 2, NULL, iso), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(e.ctx), "time limit");
    CHECK(iso[0].points == NULL);
    limits[1] = NAN;
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 2, NULL, iso), DORF_EINVAL);
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 0, NULL, iso), DORF_EINVAL);
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &bad, limits, 1, NULL, iso), DORF_EINVAL);
    dorf_isochrone_options opt = {.buffer_m = -5};
    CHECK_EQ_INT(dorf_isochrones(e.ctx, e.router, &src, limits, 1, &opt, iso), DORF_EINVAL);
    env_close(&e);
}

static void test_allocation_failures_are_reported(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_WALK));
    dorf_snap src = at(S_AB, 0.5);
    const double limits[] = {100, 300};
    int failures = 0;
    for (unsigned long n = 1; n < 500; n++) {
        dorf_isochrone iso[2];
        dorf_alloc_fail_after(n, 0);
        dorf_status st = dorf_isochrones(e.ctx, e.router, &src, limits, 2, NULL, iso);
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK(iso[1].area_m2 > iso[0].area_m2);
            dorf_isochrones_release(iso, 2);
            if (calls < n) {
                break;
            }
            continue;
        }
        failures++;
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(iso[0].points == NULL && iso[1].points == NULL);
    }
#ifdef DORF_FAULT_INJECTION
    CHECK(failures > 5);
#endif
    env_close(&e);
}

/* The real extract: walking and driving around a village north of Bayreuth. */
static void test_real_extract_isochrones(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    for (int m = 0; r && m < DORF_MODE_COUNT; m += 2) {
        dorf_graph *g = NULL;
        dorf_router *router = NULL;
        dorf_snap src;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
        CHECK_EQ_INT(dorf_graph_snap(ctx, g, 11.579, 49.997, 500, &src), DORF_OK);
        if (!router) {
            dorf_graph_free(g);
            continue;
        }
        const double limits[] = {300, 600, 900};
        dorf_isochrone iso[3];
        GEOSGeometry *geoms[3] = {0};
        CHECK_EQ_INT(dorf_isochrones(ctx, router, &src, limits, 3, NULL, iso), DORF_OK);
        check_nested(iso, 3, geoms);
        /* Every node reached within a limit lies inside that limit's isochrone. */
        dorf_reach_result res = {0};
        CHECK_EQ_INT(dorf_reach(router, &src, 1, 900, 0, &res), DORF_OK);
        int outside = 0;
        for (int k = 0; k < 3; k++) {
            CHECK(covers_point(geoms[k], src.lon_deg, src.lat_deg));
            const GEOSPreparedGeometry *prep = GEOSPrepare_r(geos, geoms[k]);
            for (uint32_t i = 0; i < res.reached_count; i++) {
                uint32_t v = res.reached[i];
                if (res.time_ms[v] > limits[k] * 1000) {
                    break;
                }
                double lon, lat;
                dorf_graph_node_position(g, v, &lon, &lat);
                GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geos, lon, lat);
                outside += GEOSPreparedCovers_r(geos, prep, pt) != 1;
                GEOSGeom_destroy_r(geos, pt);
            }
            GEOSPreparedGeom_destroy_r(geos, prep);
        }
        /* 5 km east of the village: beyond 15 minutes' walk (and, at 11.7, the extract). */
        CHECK(!covers_point(geoms[2], m == DORF_MODE_WALK ? 11.649 : 11.75, 49.997));
        printf("  %s: %.2f, %.2f, %.2f km2 in 5, 10, 15 min; %u nodes reached, %d outside\n",
               dorf_mode_name((dorf_mode)m), iso[0].area_m2 / 1e6, iso[1].area_m2 / 1e6,
               iso[2].area_m2 / 1e6, res.reached_count, outside);
        CHECK_EQ_INT(outside, 0);
        for (int k = 0; k < 3; k++) {
            GEOSGeom_destroy_r(geos, geoms[k]);
        }
        dorf_reach_release(&res);
        dorf_isochrones_release(iso, 3);
        dorf_router_free(router);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    geos = GEOS_init_r();
    RUN(test_fixture_isochrones_are_valid_nested_and_contain_the_source);
    RUN(test_area_is_that_of_the_buffered_stretch);
    RUN(test_limits_come_back_in_the_order_given);
    RUN(test_reverse_isochrone_follows_the_oneway_backwards);
    RUN(test_bad_input_is_refused);
    RUN(test_allocation_failures_are_reported);
    RUN(test_real_extract_isochrones);
    GEOS_finish_r(geos);
    return check_summary();
}
