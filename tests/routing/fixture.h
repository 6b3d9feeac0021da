/*
 * fixture.h: a hand-made road graph with known answers, for the routing tests.
 *
 *        D ------ E          all segments 100 m, residential (car 30 km/h: 12 s each;
 *        ^        |          walking 5 km/h: 72 s each)
 *        | oneway |          B -> D is one-way for vehicles (walking both ways)
 *   A ---B------- C          F -- G lies apart from the rest
 *
 *   A 11.500,50.000  B 11.501,50.000  C 11.502,50.000  D 11.501,50.001  E 11.502,50.001
 *   F 11.510,50.010  G 11.511,50.010
 */
#ifndef DORF_TEST_ROUTING_FIXTURE_H
#define DORF_TEST_ROUTING_FIXTURE_H

#include "dorf/region.h"

enum { A, B, C, D, E, F, G };
enum { S_AB, S_BC, S_BD, S_DE, S_EC, S_FG };

__attribute__((unused)) static dorf_region *fixture_region(dorf_ctx *ctx) {
    static const double pos[][2] = {{11.500, 50.000}, {11.501, 50.000}, {11.502, 50.000},
                                    {11.501, 50.001}, {11.502, 50.001}, {11.510, 50.010},
                                    {11.511, 50.010}};
    static const int seg[][2] = {{A, B}, {B, C}, {B, D}, {D, E}, {E, C}, {F, G}};
    dorf_region *r = NULL;
    if (dorf_region_new(ctx, &r) != DORF_OK) {
        return NULL;
    }
    r->meta.imported_at = "2026-11-27T00:00:00Z";
    for (int i = 0; i < 7; i++) {
        dorf_road_node n = {1000 + i, pos[i][0], pos[i][1]};
        dorf_region_add_node(ctx, r, &n, NULL);
    }
    for (int i = 0; i < 6; i++) {
        dorf_road_edge e = {0};
        e.from = (uint32_t)seg[i][0];
        e.to = (uint32_t)seg[i][1];
        e.point_first = (uint32_t)r->point_count;
        e.point_count = 2;
        e.osm_way_id = 1 + i;
        e.length_m = 100;
        e.highway = DORF_HW_RESIDENTIAL;
        e.access_forward = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR;
        e.access_backward = i == S_BD ? DORF_ACCESS_WALK : e.access_forward;
        dorf_region_add_point(ctx, r, (dorf_point){pos[e.from][0], pos[e.from][1]}, NULL);
        dorf_region_add_point(ctx, r, (dorf_point){pos[e.to][0], pos[e.to][1]}, NULL);
        dorf_region_add_edge(ctx, r, &e);
    }
    return r;
}

#endif
