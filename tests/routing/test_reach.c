/*
 * test_reach.c: reach searches (routing/reach.c): exact times and cut segments on the
 * hand-made graph of fixture.h; multi-source searches against the minimum of single-source
 * ones; reverse searches against forward searches on the reversed graph; failure paths; and,
 * on the real extract, reach times against dorf_route_find() times.
 */
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

#define NONE DORF_REACH_NONE

static dorf_snap at(uint32_t segment, double fraction) {
    dorf_snap s = {segment, fraction, 0, 0, 0};
    return s;
}

/* The fixture with every segment's directions swapped: the reversed problem. */
static dorf_region *reversed_fixture(dorf_ctx *ctx) {
    dorf_region *r = fixture_region(ctx);
    for (size_t i = 0; r && i < r->edge_count; i++) {
        uint8_t f = r->edges[i].access_forward;
        r->edges[i].access_forward = r->edges[i].access_backward;
        r->edges[i].access_backward = f;
    }
    return r;
}

/* A graph and router of the fixture (or its reverse) for one mode. */
struct env {
    dorf_ctx *ctx;
    dorf_region *region;
    dorf_graph *graph;
    dorf_router *router;
};

static int env_open(struct env *e, dorf_mode mode, int reversed) {
    e->ctx = dorf_ctx_new();
    e->region = reversed ? reversed_fixture(e->ctx) : fixture_region(e->ctx);
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

static void test_times_from_a_corner_are_exact(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_reach_result res = {0};
    dorf_snap src = at(S_AB, 0);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 30, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.limit_ms, 30000);
    CHECK_EQ_INT(res.time_ms[A], 0);
    CHECK_EQ_INT(res.time_ms[B], 12000);
    CHECK_EQ_INT(res.time_ms[C], 24000);
    CHECK_EQ_INT(res.time_ms[D], 24000);
    CHECK_EQ_INT(res.time_ms[E], NONE); /* 36 s away */
    CHECK_EQ_INT(res.time_ms[F], NONE);
    CHECK_EQ_INT(res.time_ms[G], NONE);
    CHECK_EQ_INT(res.reached_count, 4);
    for (uint32_t i = 0; i < res.reached_count; i++) {
        CHECK_EQ_INT(res.source[res.reached[i]], 0);
        CHECK(i == 0 || res.time_ms[res.reached[i - 1]] <= res.time_ms[res.reached[i]]);
    }
    CHECK_EQ_INT(res.source[E], NONE);
    double t = -1;
    CHECK_EQ_INT(dorf_reach_time_at(&res, &(dorf_snap){S_DE, 0.25, 0, 0, 0}, &t), DORF_OK);
    CHECK_NEAR(t, 27.0, 1e-9);
    CHECK_EQ_INT(dorf_reach_time_at(&res, &(dorf_snap){S_DE, 0.75, 0, 0, 0}, &t), DORF_ENOTFOUND);
    /* Unlimited: E too, by either side of the block. */
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, INFINITY, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.time_ms[E], 36000);
    CHECK_EQ_INT(res.reached_count, 5);
    dorf_reach_release(&res);
    env_close(&e);
}

static void test_limit_cuts_segments_part_way(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_reach_result res = {0};
    dorf_reach_part p[4];
    dorf_snap src = at(S_AB, 0);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 30, 0, &res), DORF_OK);
    /* D is reached at 24 s: 6 of D-E's 12 s. */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_DE, 30, p, 4), 1);
    CHECK_NEAR(p[0].from_fraction, 0, 0);
    CHECK_NEAR(p[0].to_fraction, 0.5, 1e-12);
    /* E-C is entered from C, its to node. */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_EC, 30, p, 4), 1);
    CHECK_NEAR(p[0].from_fraction, 0.5, 1e-12);
    CHECK_NEAR(p[0].to_fraction, 1, 0);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_BD, 30, p, 4), 1);
    CHECK_NEAR(p[0].to_fraction - p[0].from_fraction, 1, 0);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_FG, 30, p, 4), 0);
    /* A smaller limit than the search's. */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_BD, 15, p, 4), 1);
    CHECK_NEAR(p[0].to_fraction, 0.25, 1e-12);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_BD, 12, p, 4), 0);
    /* From the middle of B-C, D and E are both reached at 18 s and D-E's middle is not. */
    src = at(S_BC, 0.5);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 20, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.time_ms[D], 18000);
    CHECK_EQ_INT(res.time_ms[E], 18000);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_DE, 20, p, 4), 2);
    CHECK_NEAR(p[0].from_fraction, 0, 0);
    CHECK_NEAR(p[0].to_fraction, 1.0 / 6, 1e-12);
    CHECK_NEAR(p[1].from_fraction, 5.0 / 6, 1e-12);
    CHECK_NEAR(p[1].to_fraction, 1, 0);
    /* With room for one only, the count still says two. */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_DE, 20, p, 1), 2);
    CHECK_NEAR(p[0].to_fraction, 1.0 / 6, 1e-12);
    dorf_reach_release(&res);
    env_close(&e);
}

static void test_source_in_the_middle_of_a_segment(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_reach_result res = {0};
    dorf_reach_part p[4];
    dorf_snap src = at(S_AB, 0.5);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 3, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.reached_count, 0); /* A and B are 6 s away */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_AB, 3, p, 4), 1);
    CHECK_NEAR(p[0].from_fraction, 0.25, 1e-12);
    CHECK_NEAR(p[0].to_fraction, 0.75, 1e-12);
    double t = -1;
    CHECK_EQ_INT(dorf_reach_time_at(&res, &(dorf_snap){S_AB, 0.6, 0, 0, 0}, &t), DORF_OK);
    CHECK_NEAR(t, 1.2, 1e-9);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 6, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.time_ms[A], 6000);
    CHECK_EQ_INT(res.time_ms[B], 6000);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_AB, 6, p, 4), 1);
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_BC, 6, p, 4), 0);
    dorf_reach_release(&res);
    env_close(&e);
}

static void test_oneway_segment_is_reached_from_its_start_only(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_reach_result res = {0};
    dorf_reach_part p[4];
    dorf_snap src = at(S_DE, 0); /* at D: B->D may not be driven backwards */
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, 40, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.time_ms[B], 36000); /* D-E-C-B */
    CHECK_EQ_INT(dorf_reach_segment_parts(&res, S_BD, 40, p, 4), 1);
    CHECK_NEAR(p[0].from_fraction, 0, 0);
    CHECK_NEAR(p[0].to_fraction, 1.0 / 3, 1e-12);
    dorf_reach_release(&res);
    env_close(&e);
}

static void test_reverse_times_are_times_to_the_source(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_reach_result res = {0};
    dorf_snap dst = at(S_DE, 0); /* D */
    CHECK_EQ_INT(dorf_reach(e.router, &dst, 1, INFINITY, 1, &res), DORF_OK);
    CHECK_EQ_INT(res.reverse, 1);
    CHECK_EQ_INT(res.time_ms[D], 0);
    CHECK_EQ_INT(res.time_ms[B], 12000);
    CHECK_EQ_INT(res.time_ms[A], 24000);
    CHECK_EQ_INT(res.time_ms[C], 24000);
    CHECK_EQ_INT(res.time_ms[E], 12000);
    /* and each equals the route time to D */
    for (uint32_t seg = S_AB; seg <= S_EC; seg++) {
        for (double f = 0; f <= 1; f += 0.25) {
            dorf_snap p = at(seg, f);
            double route = -1, reach = -2;
            CHECK_EQ_INT(dorf_route_find(e.router, DORF_ALG_DIJKSTRA, &p, &dst, &route, NULL),
                         DORF_OK);
            CHECK_EQ_INT(dorf_reach_time_at(&res, &p, &reach), DORF_OK);
            CHECK_NEAR(reach, route, 0);
        }
    }
    dorf_reach_release(&res);
    env_close(&e);
}

/* Every node time, node source and segment stretch of two results agree. */
static void check_same_reach(const dorf_reach_result *a, const dorf_reach_result *b,
                             uint32_t segments, double limit_s) {
    CHECK_EQ_INT(a->node_count, b->node_count);
    CHECK_EQ_INT(a->reached_count, b->reached_count);
    for (uint32_t v = 0; v < a->node_count && v < b->node_count; v++) {
        CHECK_EQ_INT(a->time_ms[v], b->time_ms[v]);
    }
    for (uint32_t s = 0; s < segments; s++) {
        dorf_reach_part pa[8], pb[8];
        size_t na = dorf_reach_segment_parts(a, s, limit_s, pa, 8);
        size_t nb = dorf_reach_segment_parts(b, s, limit_s, pb, 8);
        CHECK_EQ_INT(na, nb);
        for (size_t i = 0; i < na && i < nb && i < 8; i++) {
            CHECK_NEAR(pa[i].from_fraction, pb[i].from_fraction, 1e-12);
            CHECK_NEAR(pa[i].to_fraction, pb[i].to_fraction, 1e-12);
        }
    }
}

static void test_reverse_equals_forward_on_the_reversed_graph(void) {
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        struct env e, r;
        CHECK(env_open(&e, (dorf_mode)m, 0));
        CHECK(env_open(&r, (dorf_mode)m, 1));
        dorf_reach_result back = {0}, fwd = {0};
        const dorf_snap sources[] = {at(S_AB, 0.3), at(S_BD, 0.9), at(S_EC, 0.5), at(S_FG, 0.1)};
        const double limits[] = {10, 25, 40, 100, 300, INFINITY};
        for (size_t i = 0; i < 4; i++) {
            for (size_t k = 0; k < 6; k++) {
                CHECK_EQ_INT(dorf_reach(e.router, &sources[i], 1, limits[k], 1, &back), DORF_OK);
                CHECK_EQ_INT(dorf_reach(r.router, &sources[i], 1, limits[k], 0, &fwd), DORF_OK);
                check_same_reach(&back, &fwd, 6, limits[k]);
                for (double f = 0; f <= 1; f += 0.1) {
                    dorf_snap p = at(S_DE, f);
                    double tb = -1, tf = -2;
                    dorf_status sb = dorf_reach_time_at(&back, &p, &tb);
                    CHECK_EQ_INT(sb, dorf_reach_time_at(&fwd, &p, &tf));
                    CHECK(sb != DORF_OK || tb == tf);
                }
            }
        }
        dorf_reach_release(&back);
        dorf_reach_release(&fwd);
        env_close(&e);
        env_close(&r);
    }
}

static void test_multi_source_equals_minimum_over_single_sources(void) {
    srand(4242);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        struct env e;
        CHECK(env_open(&e, (dorf_mode)m, 0));
        dorf_reach_result multi = {0}, single = {0};
        for (int round = 0; round < 50; round++) {
            dorf_snap src[4];
            for (int i = 0; i < 4; i++) {
                /* Often two sources on one segment, to exercise merging their stretches. */
                src[i] = at((uint32_t)(rand() % 3), rand() / (double)RAND_MAX);
            }
            double limit = 5 + rand() % 200;
            int reverse = round % 2;
            CHECK_EQ_INT(dorf_reach(e.router, src, 4, limit, reverse, &multi), DORF_OK);
            uint32_t best[7];
            for (int v = 0; v < 7; v++) {
                best[v] = NONE;
            }
            for (int i = 0; i < 4; i++) {
                CHECK_EQ_INT(dorf_reach(e.router, &src[i], 1, limit, reverse, &single), DORF_OK);
                for (int v = 0; v < 7; v++) {
                    best[v] = single.time_ms[v] < best[v] ? single.time_ms[v] : best[v];
                }
            }
            for (int v = 0; v < 7; v++) {
                CHECK_EQ_INT(multi.time_ms[v], best[v]);
                if (best[v] != NONE) {
                    /* The source named is one at that time. */
                    uint32_t s = multi.source[v];
                    CHECK(s < 4);
                    CHECK_EQ_INT(
                        dorf_reach(e.router, &src[s < 4 ? s : 0], 1, limit, reverse, &single),
                        DORF_OK);
                    CHECK_EQ_INT(single.time_ms[v], best[v]);
                }
            }
            /* Points: the multi-source time is the smallest single-source time. */
            for (uint32_t seg = 0; seg < 6; seg++) {
                for (double f = 0; f <= 1; f += 0.125) {
                    dorf_snap p = at(seg, f);
                    double tm = -1, ts = INFINITY;
                    dorf_status st = dorf_reach_time_at(&multi, &p, &tm);
                    for (int i = 0; i < 4; i++) {
                        double t;
                        dorf_reach(e.router, &src[i], 1, limit, reverse, &single);
                        if (dorf_reach_time_at(&single, &p, &t) == DORF_OK && t < ts) {
                            ts = t;
                        }
                    }
                    CHECK_EQ_INT(st, isfinite(ts) ? DORF_OK : DORF_ENOTFOUND);
                    CHECK(st != DORF_OK || tm == ts);
                    /* A reached point lies on a reached stretch. */
                    dorf_reach_part parts[16];
                    size_t n = dorf_reach_segment_parts(&multi, seg, limit, parts, 16);
                    int inside = 0;
                    for (size_t k = 0; k < n && k < 16; k++) {
                        inside |=
                            f >= parts[k].from_fraction - 1e-3 && f <= parts[k].to_fraction + 1e-3;
                        CHECK(k == 0 || parts[k].from_fraction > parts[k - 1].to_fraction);
                    }
                    /* (At a node, a point may be reached without its segment.) */
                    CHECK(st != DORF_OK || inside || f == 0 || f == 1 ||
                          tm * 1000 >= multi.limit_ms);
                }
            }
        }
        dorf_reach_release(&multi);
        dorf_reach_release(&single);
        env_close(&e);
    }
}

static void test_bad_input_is_refused(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_WALK, 0));
    dorf_reach_result res = {0};
    dorf_snap src = at(S_AB, 0.5), bad = at(99, 0.5), off = at(S_AB, 1.5);
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, -1, 0, &res), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(e.ctx), "limit");
    CHECK_EQ_INT(dorf_reach(e.router, &src, 1, NAN, 0, &res), DORF_EINVAL);
    CHECK_EQ_INT(dorf_reach(e.router, &bad, 1, 10, 0, &res), DORF_EINVAL);
    CHECK_EQ_INT(dorf_reach(e.router, &off, 1, 10, 0, &res), DORF_EINVAL);
    CHECK(res.time_ms == NULL);
    /* No sources: nothing is reached. */
    CHECK_EQ_INT(dorf_reach(e.router, NULL, 0, 10, 0, &res), DORF_OK);
    CHECK_EQ_INT(res.reached_count, 0);
    double t;
    CHECK_EQ_INT(dorf_reach_time_at(&res, &src, &t), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_reach_time_at(&res, &bad, &t), DORF_EINVAL);
    dorf_reach_release(&res);
    dorf_reach_release(&res); /* twice is harmless */
    dorf_reach_release(NULL);
    env_close(&e);
}

/* Every allocation of a search made to fail in turn: a clean DORF_ENOMEM, and no leak. */
static void test_allocation_failures_are_reported(void) {
    struct env e;
    CHECK(env_open(&e, DORF_MODE_CAR, 0));
    dorf_snap src[2] = {at(S_AB, 0.5), at(S_EC, 0.5)};
    int failures = 0;
    for (unsigned long n = 1; n < 100; n++) {
        dorf_reach_result res = {0};
        dorf_alloc_fail_after(n, 0);
        dorf_status st = dorf_reach(e.router, src, 2, 100, 0, &res);
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK_EQ_INT(res.time_ms[E], 6000);
            dorf_reach_release(&res);
            if (calls < n) {
                break;
            }
            continue;
        }
        failures++;
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(res.time_ms == NULL);
    }
#ifdef DORF_FAULT_INJECTION
    CHECK(failures > 0);
#endif
    env_close(&e);
}

/* On the real extract: reach times equal route times to the millisecond. */
static void test_reach_equals_route_times_on_the_real_extract(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    srand(777);
    for (int m = 0; r && m < DORF_MODE_COUNT; m++) {
        dorf_graph *g = NULL;
        dorf_router *router = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
        if (!router) {
            dorf_graph_free(g);
            continue;
        }
        /* A node as a snapped point: the start of an arc leaving it, so it is entered at 0. */
        uint32_t nodes = dorf_graph_node_count(g), arcs = dorf_graph_arc_count(g);
        dorf_snap *at_node = calloc(nodes, sizeof *at_node);
        int *has = calloc(nodes, sizeof *has);
        /* Leaving a node, the point is the start of an arc into it, so it is left at 0. */
        dorf_snap *from_node = calloc(nodes, sizeof *from_node);
        int *has_from = calloc(nodes, sizeof *has_from);
        for (uint32_t a = 0; a < arcs; a++) {
            uint32_t tail, head, w, seg;
            int against;
            dorf_graph_arc(g, a, &tail, &head, &w, &seg, &against);
            if (seg == DORF_GRAPH_TURN) {
                continue; /* inside a junction expanded for turn restrictions */
            }
            at_node[tail] = at(seg, against ? 1 : 0);
            has[tail] = 1;
            from_node[head] = at(seg, against ? 0 : 1);
            has_from[head] = 1;
        }
        double limit = m == DORF_MODE_WALK ? 3600 : m == DORF_MODE_BIKE ? 1200 : 900;
        dorf_reach_result fwd = {0}, back = {0}, multi = {0};
        int compared = 0, reached = 0, mismatches = 0;
        for (int round = 0; round < 3; round++) {
            dorf_snap src;
            double lon = r->meta.min_lon_deg + (r->meta.max_lon_deg - r->meta.min_lon_deg) *
                                                   (0.3 + 0.4 * rand() / RAND_MAX);
            double lat = r->meta.min_lat_deg + (r->meta.max_lat_deg - r->meta.min_lat_deg) *
                                                   (0.3 + 0.4 * rand() / RAND_MAX);
            CHECK_EQ_INT(dorf_graph_snap(ctx, g, lon, lat, 1e6, &src), DORF_OK);
            CHECK_EQ_INT(dorf_reach(router, &src, 1, limit, 0, &fwd), DORF_OK);
            CHECK_EQ_INT(dorf_reach(router, &src, 1, limit, 1, &back), DORF_OK);
            for (int i = 0; i < 150; i++) {
                uint32_t v = (uint32_t)(rand() % nodes);
                if (!has[v] || !has_from[v]) {
                    continue;
                }
                double to = -1, from = -1;
                dorf_status a =
                    dorf_route_find(router, DORF_ALG_DIJKSTRA, &src, &at_node[v], &to, NULL);
                dorf_status b =
                    dorf_route_find(router, DORF_ALG_DIJKSTRA, &from_node[v], &src, &from, NULL);
                uint32_t want_to = a == DORF_OK && llround(to * 1000) <= llround(limit * 1000)
                                       ? (uint32_t)llround(to * 1000)
                                       : NONE;
                uint32_t want_from = b == DORF_OK && llround(from * 1000) <= llround(limit * 1000)
                                         ? (uint32_t)llround(from * 1000)
                                         : NONE;
                if (fwd.time_ms[v] != want_to || back.time_ms[v] != want_from) {
                    printf("    node %u: reach %u/%u, route %u/%u\n", v, fwd.time_ms[v],
                           back.time_ms[v], want_to, want_from);
                }
                mismatches += fwd.time_ms[v] != want_to;
                mismatches += back.time_ms[v] != want_from;
                compared += 2;
                reached += (want_to != NONE) + (want_from != NONE);
            }
            /* Random points: the time at a snapped point equals the route time. */
            for (int i = 0; i < 50; i++) {
                dorf_snap p;
                double plon = r->meta.min_lon_deg +
                              (r->meta.max_lon_deg - r->meta.min_lon_deg) * rand() / RAND_MAX;
                double plat = r->meta.min_lat_deg +
                              (r->meta.max_lat_deg - r->meta.min_lat_deg) * rand() / RAND_MAX;
                dorf_graph_snap(ctx, g, plon, plat, 1e6, &p);
                double route = -1, t = -1;
                dorf_status a =
                    dorf_route_find(router, DORF_ALG_BIDIJKSTRA, &src, &p, &route, NULL);
                dorf_status b = dorf_reach_time_at(&fwd, &p, &t);
                int within = a == DORF_OK && route <= limit;
                if (within ? (b != DORF_OK || t != route) : b != DORF_ENOTFOUND) {
                    printf("    point: reach %d %.3f, route %d %.3f\n", b, t, a, route);
                }
                mismatches += within ? (b != DORF_OK || t != route) : b != DORF_ENOTFOUND;
                compared++;
            }
        }
        /* Three sources at once: the minimum of the three searches, node by node. */
        dorf_snap three[3];
        for (int i = 0; i < 3; i++) {
            double lon = r->meta.min_lon_deg +
                         (r->meta.max_lon_deg - r->meta.min_lon_deg) * rand() / RAND_MAX;
            double lat = r->meta.min_lat_deg +
                         (r->meta.max_lat_deg - r->meta.min_lat_deg) * rand() / RAND_MAX;
            dorf_graph_snap(ctx, g, lon, lat, 1e6, &three[i]);
        }
        uint32_t *best = malloc(nodes * sizeof *best);
        for (uint32_t v = 0; best && v < nodes; v++) {
            best[v] = NONE;
        }
        for (int i = 0; best && i < 3; i++) {
            CHECK_EQ_INT(dorf_reach(router, &three[i], 1, limit, 0, &fwd), DORF_OK);
            for (uint32_t v = 0; v < nodes; v++) {
                best[v] = fwd.time_ms[v] < best[v] ? fwd.time_ms[v] : best[v];
            }
        }
        CHECK_EQ_INT(dorf_reach(router, three, 3, limit, 0, &multi), DORF_OK);
        int multi_mismatches = 0;
        for (uint32_t v = 0; best && v < nodes; v++) {
            multi_mismatches += multi.time_ms[v] != best[v];
        }
        printf("  %s: %d node and point times compared (%d within %.0f s), %d mismatches; "
               "3 sources reach %u nodes, %d mismatches\n",
               dorf_mode_name((dorf_mode)m), compared, reached, limit, mismatches,
               multi.reached_count, multi_mismatches);
        CHECK(reached > 50);
        CHECK_EQ_INT(mismatches, 0);
        CHECK_EQ_INT(multi_mismatches, 0);
        free(best);
        free(at_node);
        free(has);
        free(from_node);
        free(has_from);
        dorf_reach_release(&fwd);
        dorf_reach_release(&back);
        dorf_reach_release(&multi);
        dorf_router_free(router);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_times_from_a_corner_are_exact);
    RUN(test_limit_cuts_segments_part_way);
    RUN(test_source_in_the_middle_of_a_segment);
    RUN(test_oneway_segment_is_reached_from_its_start_only);
    RUN(test_reverse_times_are_times_to_the_source);
    RUN(test_reverse_equals_forward_on_the_reversed_graph);
    RUN(test_multi_source_equals_minimum_over_single_sources);
    RUN(test_bad_input_is_refused);
    RUN(test_allocation_failures_are_reported);
    RUN(test_reach_equals_route_times_on_the_real_extract);
    return check_summary();
}
