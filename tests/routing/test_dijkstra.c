/*
 * test_dijkstra.c: routes on the hand-made graph of fixture.h, whose answers are known, with
 * both reference algorithms; and, on the real extract, that the two agree on random pairs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dorf/importers.h"
#include "dorf/routing.h"
#include "fixture.h"
#include "shared_extract.h"

static const dorf_algorithm algorithms[] = {DORF_ALG_DIJKSTRA, DORF_ALG_BIDIJKSTRA};

static dorf_snap at(uint32_t segment, double fraction) {
    dorf_snap s = {segment, fraction, 0, 0, 0};
    return s;
}

/* Travel time in seconds, or -1 when unreachable, by `alg`. */
static double time_between(dorf_mode mode, dorf_algorithm alg, dorf_snap from, dorf_snap to) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_router *router = NULL;
    double t = -2;
    if (dorf_graph_build(ctx, r, mode, &g) == DORF_OK &&
        dorf_router_new(ctx, g, &router) == DORF_OK) {
        dorf_status st = dorf_route_find(router, alg, &from, &to, &t, NULL);
        if (st == DORF_ENOTFOUND) {
            t = -1;
        } else if (st != DORF_OK) {
            fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        }
    }
    dorf_router_free(router);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
    return t;
}

static void test_car_follows_the_oneway_street(void) {
    for (int i = 0; i < 2; i++) {
        /* A to D: A-B, B->D = 200 m at 30 km/h. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0), at(S_DE, 0)), 24.0,
                   1e-9);
        /* D to A may not use D->B: D-E-C-B-A = 400 m. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_DE, 0), at(S_AB, 0)), 48.0,
                   1e-9);
    }
}

static void test_walking_ignores_oneway(void) {
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(time_between(DORF_MODE_WALK, algorithms[i], at(S_DE, 0), at(S_AB, 0)), 144.0,
                   1e-9);
    }
}

static void test_equal_cost_alternatives_give_the_one_time(void) {
    for (int i = 0; i < 2; i++) {
        /* A to E: A-B-D-E and A-B-C-E are both 300 m. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0), at(S_DE, 1)), 36.0,
                   1e-9);
    }
}

static void test_unreachable_target_is_not_found(void) {
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0.5), at(S_FG, 0.5)), -1, 0);
    }
}

static void test_route_starts_and_ends_in_the_middle_of_segments(void) {
    for (int i = 0; i < 2; i++) {
        /* Half of A-B, then B->D, then half of D-E: 200 m. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0.5), at(S_DE, 0.5)), 24.0,
                   1e-9);
    }
}

static void test_same_segment_goes_directly_or_around_a_oneway(void) {
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0.2), at(S_AB, 0.8)), 7.2,
                   1e-9);
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_AB, 0.8), at(S_AB, 0.2)), 7.2,
                   1e-9);
        /* Backwards on the oneway B->D: forward to D, round D-E-C-B, then into B->D again. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_BD, 0.8), at(S_BD, 0.2)), 40.8,
                   1e-9);
    }
}

static void test_point_on_a_junction_does_not_inherit_one_way(void) {
    for (int i = 0; i < 2; i++) {
        /* D as the end of the one-way B->D or as the start of D-E: the same place, the same
         * time from the middle of D-E (50 m west), not the way round through B. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_DE, 0.5), at(S_BD, 1)), 6.0,
                   1e-9);
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_DE, 0.5), at(S_DE, 0)), 6.0,
                   1e-9);
        /* Starting at B as the start of B->D may still go west to A. */
        CHECK_NEAR(time_between(DORF_MODE_CAR, algorithms[i], at(S_BD, 0), at(S_AB, 0)), 12.0,
                   1e-9);
    }
}

static void test_route_shape_runs_from_point_to_point(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_router *router = NULL;
    dorf_route route = {0};
    dorf_snap from = {0}, to = {0};
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &g), DORF_OK);
    CHECK_EQ_INT(dorf_graph_snap(ctx, g, 11.5005, 50.0001, 100, &from), DORF_OK);
    CHECK_EQ_INT(dorf_graph_snap(ctx, g, 11.5015, 50.0011, 100, &to), DORF_OK);
    CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(dorf_route_find(router, algorithms[i], &from, &to, NULL, &route), DORF_OK);
        CHECK_NEAR(route.time_s, 24.0, 0.01);
        CHECK_NEAR(route.length_m, 200.0, 0.5);
        CHECK_EQ_INT(route.point_count, 4); /* snap, B, D, snap */
        if (route.point_count == 4) {
            CHECK_NEAR(route.points[0].lon_deg, 11.5005, 1e-9);
            CHECK_NEAR(route.points[1].lon_deg, 11.501, 1e-12);
            CHECK_NEAR(route.points[2].lat_deg, 50.001, 1e-12);
            CHECK_NEAR(route.points[3].lon_deg, 11.5015, 1e-9);
        }
        dorf_route_release(&route);
    }
    dorf_router_free(router);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* On the real extract: Dijkstra and bidirectional Dijkstra agree to the millisecond. */
static void test_bidirectional_equals_dijkstra_on_the_real_extract(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    srand(12345);
    for (int m = 0; r && m < DORF_MODE_COUNT; m++) {
        dorf_graph *g = NULL;
        dorf_router *router = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
        int compared = 0, unreachable = 0, mismatches = 0;
        for (int i = 0; i < 300 && router; i++) {
            dorf_snap s[2];
            for (int k = 0; k < 2; k++) {
                double lon = r->meta.min_lon_deg +
                             (r->meta.max_lon_deg - r->meta.min_lon_deg) * rand() / RAND_MAX;
                double lat = r->meta.min_lat_deg +
                             (r->meta.max_lat_deg - r->meta.min_lat_deg) * rand() / RAND_MAX;
                dorf_graph_snap(ctx, g, lon, lat, 1e6, &s[k]);
            }
            double t1 = -1, t2 = -1;
            dorf_status a = dorf_route_find(router, DORF_ALG_DIJKSTRA, &s[0], &s[1], &t1, NULL);
            dorf_status b = dorf_route_find(router, DORF_ALG_BIDIJKSTRA, &s[0], &s[1], &t2, NULL);
            if (a != b || (a == DORF_OK && t1 != t2)) {
                mismatches++;
            }
            compared += a == DORF_OK;
            unreachable += a == DORF_ENOTFOUND;
        }
        printf("  %s: %d pairs routed, %d unreachable, %d mismatches\n",
               dorf_mode_name((dorf_mode)m), compared, unreachable, mismatches);
        CHECK_EQ_INT(mismatches, 0);
        CHECK_EQ_INT(unreachable, 0); /* snapping keeps to the connected network */
        dorf_router_free(router);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_car_follows_the_oneway_street);
    RUN(test_walking_ignores_oneway);
    RUN(test_equal_cost_alternatives_give_the_one_time);
    RUN(test_unreachable_target_is_not_found);
    RUN(test_route_starts_and_ends_in_the_middle_of_segments);
    RUN(test_same_segment_goes_directly_or_around_a_oneway);
    RUN(test_point_on_a_junction_does_not_inherit_one_way);
    RUN(test_route_shape_runs_from_point_to_point);
    RUN(test_bidirectional_equals_dijkstra_on_the_real_extract);
    return check_summary();
}
