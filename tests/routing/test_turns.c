/*
 * test_turns.c: turn restrictions on the hand-made graph of fixture.h. Way ids: A-B 1,
 * B-C 2, B-D 3, D-E 4, E-C 5 (segment index + 1); B is fixture node 1.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dorf/routing.h"
#include "fixture.h"

/* Car time in seconds from `from` to `to` (fractions on segments) under one restriction. */
static double car_time(const char *kind, int only, int64_t from_way, int64_t to_way, uint8_t modes,
                       dorf_mode mode, dorf_snap from, dorf_snap to, dorf_route *route) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    if (kind) {
        dorf_turn_restriction t = {99, from_way, B, to_way, only, modes, kind};
        dorf_region_add_restriction(ctx, r, &t);
    }
    dorf_graph *g = NULL;
    dorf_router *router = NULL;
    double t = -2;
    for (int alg = 0; alg < 2; alg++) {
        double t_alg = -2;
        if (!g) {
            CHECK_EQ_INT(dorf_graph_build(ctx, r, mode, &g), DORF_OK);
            CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
        }
        dorf_status st = dorf_route_find(router, (dorf_algorithm)alg, &from, &to, &t_alg,
                                         alg == 0 ? route : NULL);
        if (st == DORF_ENOTFOUND) {
            t_alg = -1;
        }
        CHECK(alg == 0 || t_alg == t); /* both algorithms agree */
        t = t_alg;
    }
    dorf_router_free(router);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
    return t;
}

static dorf_snap at(uint32_t segment, double fraction) {
    dorf_snap s = {segment, fraction, 0, 0, 0};
    return s;
}

static void test_no_left_turn_sends_cars_around(void) {
    /* Without it A -> D is A-B-D (24 s); with it A-B-C-E-D (48 s). */
    CHECK_NEAR(car_time(NULL, 0, 0, 0, 0, DORF_MODE_CAR, at(S_AB, 0), at(S_DE, 0), NULL), 24.0,
               1e-9);
    CHECK_NEAR(car_time("no_left_turn", 0, 1, 3, DORF_ACCESS_CAR | DORF_ACCESS_BIKE, DORF_MODE_CAR,
                        at(S_AB, 0), at(S_DE, 0), NULL),
               48.0, 1e-9);
}

static void test_only_straight_on_forbids_every_other_turn(void) {
    CHECK_NEAR(car_time("only_straight_on", 1, 1, 2, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_AB, 0),
                        at(S_DE, 0), NULL),
               48.0, 1e-9);
    /* Straight on is still allowed: A to C. */
    CHECK_NEAR(car_time("only_straight_on", 1, 1, 2, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_AB, 0),
                        at(S_BC, 1), NULL),
               24.0, 1e-9);
}

static void test_restriction_binds_only_its_modes(void) {
    /* A car-only restriction leaves bikes their short way (100 m at 16 km/h = 22.5 s each). */
    CHECK_NEAR(car_time("no_left_turn", 0, 1, 3, DORF_ACCESS_CAR, DORF_MODE_BIKE, at(S_AB, 0),
                        at(S_DE, 0), NULL),
               45.0, 1e-9);
    CHECK_NEAR(car_time("no_left_turn", 0, 1, 3, DORF_ACCESS_CAR, DORF_MODE_WALK, at(S_AB, 0),
                        at(S_DE, 0), NULL),
               144.0, 1e-9);
}

static void test_restriction_does_not_bind_other_approaches(void) {
    /* From C, turning into B->D is not from way 1: allowed (C-B-D = 24 s). */
    CHECK_NEAR(car_time("no_left_turn", 0, 1, 3, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_BC, 1),
                        at(S_DE, 0), NULL),
               24.0, 1e-9);
}

static void test_no_u_turn_forbids_only_turning_back(void) {
    /* From the middle of A-B heading east, back to A: the way back needs a U-turn at B
     * (A-B is a dead end at A, so a car starting towards B can turn at B or start west). */
    CHECK_NEAR(car_time("no_u_turn", 0, 1, 1, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_AB, 0.5),
                        at(S_AB, 0.4), NULL),
               1.2, 1e-9); /* direct, westwards along the segment */
    CHECK_NEAR(car_time("no_u_turn", 0, 1, 1, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_AB, 0.5),
                        at(S_BC, 1), NULL),
               18.0, 1e-9); /* B onwards to C is not a U-turn */
}

static void test_route_through_expanded_junction_has_no_extra_points(void) {
    dorf_route route = {0};
    /* B is expanded for cars by the restriction; C to A passes through it. */
    double t = car_time("no_left_turn", 0, 1, 3, DORF_ACCESS_CAR, DORF_MODE_CAR, at(S_BC, 1),
                        at(S_AB, 0), &route);
    CHECK_NEAR(t, 24.0, 1e-9);
    /* C, B, A: the expanded junction adds no points of its own. */
    CHECK_EQ_INT(route.point_count, 3);
    dorf_route_release(&route);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_no_left_turn_sends_cars_around);
    RUN(test_only_straight_on_forbids_every_other_turn);
    RUN(test_restriction_binds_only_its_modes);
    RUN(test_restriction_does_not_bind_other_approaches);
    RUN(test_no_u_turn_forbids_only_turning_back);
    RUN(test_route_through_expanded_junction_has_no_extra_points);
    return check_summary();
}
