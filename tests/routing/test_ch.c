/*
 * test_ch.c: contraction hierarchies (routing/ch_*.c). Exact answers on the hand-made graph
 * of fixture.h; on the real extract, for every mode, CH times equal Dijkstra's to the
 * millisecond on 10,000 random snapped pairs, the bucket matrix equals them cell by cell,
 * routes come out as dorf_route_find's; and the cache file round trip, with damaged and
 * foreign files refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/routing.h"
#include "fixture.h"
#include "shared_extract.h"

static dorf_snap at(uint32_t segment, double fraction) {
    dorf_snap s = {segment, fraction, 0, 0, 0};
    return s;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CH travel time in seconds, or -1 when unreachable, on the fixture. */
static double ch_time(dorf_mode mode, dorf_snap from, dorf_snap to) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_ch *ch = NULL;
    dorf_ch_router *router = NULL;
    double t = -2;
    if (dorf_graph_build(ctx, r, mode, &g) == DORF_OK && dorf_ch_build(ctx, g, &ch) == DORF_OK &&
        dorf_ch_router_new(ctx, ch, &router) == DORF_OK) {
        dorf_status st = dorf_ch_route(router, &from, &to, &t, NULL);
        if (st == DORF_ENOTFOUND) {
            t = -1;
        } else if (st != DORF_OK) {
            fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        }
    }
    dorf_ch_router_free(router);
    dorf_ch_free(ch);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
    return t;
}

static void test_fixture_times_are_exact(void) {
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0), at(S_DE, 0)), 24.0, 1e-9);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_DE, 0), at(S_AB, 0)), 48.0, 1e-9); /* oneway */
    CHECK_NEAR(ch_time(DORF_MODE_WALK, at(S_DE, 0), at(S_AB, 0)), 144.0, 1e-9);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0), at(S_DE, 1)), 36.0, 1e-9);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0.5), at(S_FG, 0.5)), -1, 0);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0.5), at(S_DE, 0.5)), 24.0, 1e-9);
}

static void test_same_segment_direct_or_around_the_oneway(void) {
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0.2), at(S_AB, 0.8)), 7.2, 1e-9);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_AB, 0.8), at(S_AB, 0.2)), 7.2, 1e-9);
    CHECK_NEAR(ch_time(DORF_MODE_CAR, at(S_BD, 0.8), at(S_BD, 0.2)), 40.8, 1e-9);
}

/* Every pair of 3 positions on every segment of the fixture, all modes: CH == Dijkstra. */
static void test_fixture_all_pairs_equal_dijkstra(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    int compared = 0, mismatches = 0;
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph *g = NULL;
        dorf_ch *ch = NULL;
        dorf_router *dr = NULL;
        dorf_ch_router *cr = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_OK);
        CHECK_EQ_INT(dorf_router_new(ctx, g, &dr), DORF_OK);
        CHECK_EQ_INT(dorf_ch_router_new(ctx, ch, &cr), DORF_OK);
        static const double fr[] = {0, 0.3, 1};
        for (int a = 0; cr && a < 18; a++) {
            for (int b = 0; b < 18; b++) {
                dorf_snap s = at((uint32_t)(a / 3), fr[a % 3]),
                          t = at((uint32_t)(b / 3), fr[b % 3]);
                double t1 = -1, t2 = -1;
                dorf_route r1 = {0}, r2 = {0};
                dorf_status s1 = dorf_route_find(dr, DORF_ALG_DIJKSTRA, &s, &t, &t1, &r1);
                dorf_status s2 = dorf_ch_route(cr, &s, &t, &t2, &r2);
                compared++;
                if (s1 != s2 || t1 != t2 || (s1 == DORF_OK && r1.time_s != r2.time_s)) {
                    mismatches++;
                }
                dorf_route_release(&r1);
                dorf_route_release(&r2);
            }
        }
        dorf_ch_router_free(cr);
        dorf_router_free(dr);
        dorf_ch_free(ch);
        dorf_graph_free(g);
    }
    printf("  fixture: %d pairs compared, %d mismatches\n", compared, mismatches);
    CHECK_EQ_INT(mismatches, 0);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_route_shape_is_dijkstras(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_ch *ch = NULL;
    dorf_ch_router *router = NULL;
    dorf_route route = {0};
    dorf_snap from = {0}, to = {0};
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &g), DORF_OK);
    CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_OK);
    CHECK_EQ_INT(dorf_graph_snap(ctx, g, 11.5005, 50.0001, 100, &from), DORF_OK);
    CHECK_EQ_INT(dorf_graph_snap(ctx, g, 11.5015, 50.0011, 100, &to), DORF_OK);
    CHECK_EQ_INT(dorf_ch_router_new(ctx, ch, &router), DORF_OK);
    CHECK_EQ_INT(dorf_ch_route(router, &from, &to, NULL, &route), DORF_OK);
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
    dorf_ch_router_free(router);
    dorf_ch_free(ch);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_matrix_on_the_fixture(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_ch *ch = NULL;
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &g), DORF_OK);
    CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_OK);
    dorf_snap src[] = {at(S_AB, 0), at(S_DE, 0), at(S_AB, 0.2)};
    dorf_snap dst[] = {at(S_DE, 0), at(S_AB, 0), at(S_FG, 0.5), at(S_AB, 0.8)};
    double t[12];
    CHECK_EQ_INT(dorf_ch_matrix(ctx, ch, src, 3, dst, 4, t), DORF_OK);
    CHECK_NEAR(t[0], 24.0, 1e-9);
    CHECK_NEAR(t[1], 0.0, 1e-9);
    CHECK(isinf(t[2]));
    CHECK_NEAR(t[4], 0.0, 1e-9);
    CHECK_NEAR(t[5], 48.0, 1e-9);
    CHECK_NEAR(t[11], 7.2, 1e-9); /* same segment, directly */
    dorf_snap bad = at(99, 0);
    CHECK_EQ_INT(dorf_ch_matrix(ctx, ch, &bad, 1, dst, 1, t), DORF_EINVAL);
    CHECK_EQ_INT(dorf_ch_matrix(ctx, ch, src, 0, dst, 0, t), DORF_OK);
    dorf_ch_free(ch);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void random_snaps(dorf_ctx *ctx, const dorf_region *r, const dorf_graph *g, dorf_snap *s,
                         int n) {
    for (int k = 0; k < n; k++) {
        double lon =
            r->meta.min_lon_deg + (r->meta.max_lon_deg - r->meta.min_lon_deg) * rand() / RAND_MAX;
        double lat =
            r->meta.min_lat_deg + (r->meta.max_lat_deg - r->meta.min_lat_deg) * rand() / RAND_MAX;
        CHECK_EQ_INT(dorf_graph_snap(ctx, g, lon, lat, 1e6, &s[k]), DORF_OK);
    }
}

#define SIDE 100 /* 100 sources x 100 targets = 10,000 pairs per mode */

/*
 * On the real extract, per mode: 10,000 pairs (100 x 100 random snapped points, plus pairs
 * on one segment) where CH and Dijkstra agree to the millisecond and on reachability; the
 * bucket matrix over the same points agrees in every cell; every 20th pair also as a full
 * route, which must have Dijkstra's time and, unless an equally fast way exists, its length.
 */
static void test_ch_equals_dijkstra_on_the_real_extract(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    srand(4711);
    static dorf_snap src[SIDE], dst[SIDE];
    static double ref[SIDE * SIDE], mat[SIDE * SIDE];
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph *g = NULL;
        dorf_ch *ch = NULL;
        dorf_router *dr = NULL;
        dorf_ch_router *cr = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        double t0 = now_s();
        CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_OK);
        double build_s = now_s() - t0;
        CHECK_EQ_INT(dorf_router_new(ctx, g, &dr), DORF_OK);
        CHECK_EQ_INT(dorf_ch_router_new(ctx, ch, &cr), DORF_OK);
        if (!cr || !dr) {
            break;
        }
        random_snaps(ctx, r, g, src, SIDE);
        random_snaps(ctx, r, g, dst, SIDE);
        /* Some targets on the sources' own segments, ahead and behind. */
        for (int k = 0; k < 10; k++) {
            dst[k] = src[k];
            dst[k].fraction = k % 2 ? src[k].fraction * 0.5 : 0.5 + src[k].fraction * 0.5;
        }
        int compared = 0, unreachable = 0, mismatches = 0, routes = 0, route_bad = 0,
            same_length = 0;
        for (int i = 0; i < SIDE; i++) {
            for (int j = 0; j < SIDE; j++) {
                double t1 = -1, t2 = -1;
                dorf_status a = dorf_route_find(dr, DORF_ALG_DIJKSTRA, &src[i], &dst[j], &t1, NULL);
                dorf_status b = dorf_ch_route(cr, &src[i], &dst[j], &t2, NULL);
                ref[i * SIDE + j] = a == DORF_OK ? t1 : INFINITY;
                compared++;
                unreachable += a == DORF_ENOTFOUND;
                if (a != b || (a == DORF_OK && lround(t1 * 1000) != lround(t2 * 1000))) {
                    if (mismatches++ < 5) {
                        fprintf(stderr, "  %s pair %d,%d: dijkstra %d %.3f, ch %d %.3f\n",
                                dorf_mode_name((dorf_mode)m), i, j, a, t1, b, t2);
                    }
                }
                if ((i * SIDE + j) % 20 == 0 && a == DORF_OK) {
                    dorf_route r1 = {0}, r2 = {0};
                    routes++;
                    if (dorf_route_find(dr, DORF_ALG_DIJKSTRA, &src[i], &dst[j], NULL, &r1) !=
                            DORF_OK ||
                        dorf_ch_route(cr, &src[i], &dst[j], NULL, &r2) != DORF_OK ||
                        r1.time_s != r2.time_s || r2.point_count < 1 ||
                        r2.points[0].lon_deg != r1.points[0].lon_deg ||
                        r2.points[r2.point_count - 1].lat_deg !=
                            r1.points[r1.point_count - 1].lat_deg) {
                        route_bad++;
                    }
                    same_length += fabs(r1.length_m - r2.length_m) < 1e-6;
                    dorf_route_release(&r1);
                    dorf_route_release(&r2);
                }
            }
        }
        t0 = now_s();
        CHECK_EQ_INT(dorf_ch_matrix(ctx, ch, src, SIDE, dst, SIDE, mat), DORF_OK);
        double matrix_s = now_s() - t0;
        int cell_mismatches = 0;
        for (int k = 0; k < SIDE * SIDE; k++) {
            int same =
                isinf(ref[k]) ? isinf(mat[k]) : lround(ref[k] * 1000) == lround(mat[k] * 1000);
            cell_mismatches += !same;
        }
        printf("  %s: %u nodes, %u arcs, %u shortcuts, built in %.2f s; %d pairs compared, "
               "%d unreachable, %d mismatches; %d routes, %d bad, %d of the same length; "
               "%dx%d matrix in %.3f s, %d cell mismatches\n",
               dorf_mode_name((dorf_mode)m), dorf_graph_node_count(g), dorf_graph_arc_count(g),
               dorf_ch_shortcut_count(ch), build_s, compared, unreachable, mismatches, routes,
               route_bad, same_length, SIDE, SIDE, matrix_s, cell_mismatches);
        CHECK(compared >= 10000);
        CHECK_EQ_INT(mismatches, 0);
        CHECK_EQ_INT(route_bad, 0);
        CHECK(same_length >= routes * 9 / 10);
        CHECK_EQ_INT(cell_mismatches, 0);
        dorf_ch_router_free(cr);
        dorf_router_free(dr);
        dorf_ch_free(ch);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(fwrite(data, 1, size, f), size);
        fclose(f);
    }
}

static size_t read_file(const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f) {
        return 0;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)size);
    size_t got = *out ? fread(*out, 1, (size_t)size, f) : 0;
    fclose(f);
    return got;
}

/* The cache: saved, loaded (and used), found by dorf_ch_open; damaged or foreign refused. */
static void test_cache_round_trip_and_refusals(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *car = NULL, *walk = NULL;
    dorf_ch *ch = NULL, *loaded = NULL;
    char dir[] = "/tmp/dorf-ch-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], db[256], cache[256];
    snprintf(path, sizeof path, "%s/car.ch", dir);
    snprintf(db, sizeof db, "%s/region.dorf", dir);
    snprintf(cache, sizeof cache, "%s/region.dorf.car.ch", dir);
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &car), DORF_OK);
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_WALK, &walk), DORF_OK);
    CHECK_EQ_INT(dorf_ch_build(ctx, car, &ch), DORF_OK);
    CHECK_EQ_INT(dorf_ch_save(ctx, ch, path), DORF_OK);
    CHECK_EQ_INT(dorf_ch_load(ctx, car, path, &loaded), DORF_OK);
    if (loaded) {
        CHECK_EQ_INT(dorf_ch_shortcut_count(loaded), dorf_ch_shortcut_count(ch));
        dorf_ch_router *cr = NULL;
        double t = 0;
        dorf_snap s = at(S_DE, 0), d = at(S_AB, 0);
        CHECK_EQ_INT(dorf_ch_router_new(ctx, loaded, &cr), DORF_OK);
        CHECK_EQ_INT(dorf_ch_route(cr, &s, &d, &t, NULL), DORF_OK);
        CHECK_NEAR(t, 48.0, 1e-9);
        dorf_ch_router_free(cr);
        dorf_ch_free(loaded);
        loaded = NULL;
    }
    /* Foreign: the car hierarchy for the walking graph. */
    CHECK_EQ_INT(dorf_ch_load(ctx, walk, path, &loaded), DORF_EVERSION);
    CHECK(loaded == NULL);
    char *bytes = NULL;
    size_t size = read_file(path, &bytes);
    CHECK(size > 200);
    char bad_path[300];
    snprintf(bad_path, sizeof bad_path, "%s/bad.ch", dir);
    if (bytes) {
        /* Truncated. */
        write_file(bad_path, bytes, size - 8);
        CHECK_EQ_INT(dorf_ch_load(ctx, car, bad_path, &loaded), DORF_EPARSE);
        /* Each byte of the arrays set to 0xff in turn: refused, or harmless. */
        int refused = 0, accepted = 0;
        for (size_t k = 120; k < size; k++) {
            char saved = bytes[k];
            bytes[k] = (char)0xff;
            write_file(bad_path, bytes, size);
            dorf_status st = dorf_ch_load(ctx, car, bad_path, &loaded);
            if (st == DORF_OK) {
                accepted++;
                /* Whatever was accepted never answers faster than the true time. */
                dorf_ch_router *cr = NULL;
                double t = 0;
                dorf_snap s = at(S_DE, 0), d = at(S_AB, 0);
                if (dorf_ch_router_new(ctx, loaded, &cr) == DORF_OK) {
                    dorf_status q = dorf_ch_route(cr, &s, &d, &t, NULL);
                    CHECK(q != DORF_OK || t >= 48.0);
                }
                dorf_ch_router_free(cr);
                dorf_ch_free(loaded);
                loaded = NULL;
            } else {
                refused++;
                CHECK(st == DORF_EPARSE || st == DORF_EVERSION);
            }
            bytes[k] = saved;
        }
        printf("  damaged copies: %d refused, %d accepted (bytes without meaning)\n", refused,
               accepted);
        CHECK(refused > 0);
        /* Not a cache at all. */
        write_file(bad_path,
                   "hello, this is not a hierarchy at all, but long enough to map..."
                   "................................................................"
                   "................................................................",
                   190);
        CHECK_EQ_INT(dorf_ch_load(ctx, car, bad_path, &loaded), DORF_EPARSE);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "not a dorf hierarchy cache");
    }
    free(bytes);
    snprintf(bad_path, sizeof bad_path, "%s/missing.ch", dir);
    CHECK_EQ_INT(dorf_ch_load(ctx, car, bad_path, &loaded), DORF_ENOTFOUND);
    /* dorf_ch_open builds and writes <db>.car.ch, then maps it. */
    dorf_ch *opened = NULL;
    CHECK_EQ_INT(dorf_ch_open(ctx, car, db, &opened), DORF_OK);
    CHECK(access(cache, R_OK) == 0);
    dorf_ch_free(opened);
    opened = NULL;
    CHECK_EQ_INT(dorf_ch_open(ctx, car, db, &opened), DORF_OK);
    dorf_ch_free(opened);
    unlink(cache);
    unlink(path);
    snprintf(bad_path, sizeof bad_path, "%s/bad.ch", dir);
    unlink(bad_path);
    rmdir(dir);
    dorf_ch_free(ch);
    dorf_graph_free(car);
    dorf_graph_free(walk);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static volatile sig_atomic_t stop_now = 1;

static void test_build_stops_when_interrupted(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    dorf_ch *ch = NULL;
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &g), DORF_OK);
    dorf_ctx_set_interrupt_flag(ctx, &stop_now);
    CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_EINTR);
    CHECK(ch == NULL);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_every_allocation_failure_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    dorf_graph *g = NULL;
    CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_CAR, &g), DORF_OK);
    dorf_alloc_fail_after(0, 0);
    dorf_ch *ch = NULL;
    CHECK_EQ_INT(dorf_ch_build(ctx, g, &ch), DORF_OK);
    unsigned long calls = dorf_alloc_fail_after(0, 0);
    dorf_ch_free(ch);
    for (unsigned long n = 1; calls && n <= calls; n++) {
        ch = NULL;
        dorf_alloc_fail_after(n, 1);
        dorf_status st = dorf_ch_build(ctx, g, &ch);
        dorf_alloc_fail_after(0, 0);
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(ch == NULL);
    }
    printf("  %lu allocation sites of the build failed in turn\n", calls);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_fixture_times_are_exact);
    RUN(test_same_segment_direct_or_around_the_oneway);
    RUN(test_fixture_all_pairs_equal_dijkstra);
    RUN(test_route_shape_is_dijkstras);
    RUN(test_matrix_on_the_fixture);
    RUN(test_cache_round_trip_and_refusals);
    RUN(test_build_stops_when_interrupted);
    RUN(test_every_allocation_failure_is_reported);
    RUN(test_ch_equals_dijkstra_on_the_real_extract);
    return check_summary();
}
