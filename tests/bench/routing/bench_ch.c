/*
 * bench_ch.c: timing of contraction hierarchies beside Dijkstra and bidirectional Dijkstra
 * on the real extract: preprocessing, shortcuts, average query time over 10,000 random
 * snapped pairs per mode, and a 100 x 100 matrix. A program, not a test; build by hand on
 * the release build:
 *   cmake --preset release && cmake --build build/release -j2
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Irouting/include -Iengine/include \
 *      -Iimporters/include tests/bench/routing/bench_ch.c build/release/routing/libdorf_routing.a \
 *      build/release/importers/libdorf_importers.a build/release/engine/libdorf_engine.a \
 *      $(pkg-config --libs readosm expat zlib proj sqlite3 spatialite geos gdal) -lm -o
 * /tmp/bench_ch /tmp/bench_ch ../shared/data/osm/north-bayreuth.osm.pbf
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dorf/importers.h"
#include "dorf/routing.h"

#define PAIRS 10000

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bench_ch EXTRACT.osm.pbf\n");
        return 2;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = NULL;
    if (dorf_import_osm(ctx, argv[1], NULL, &r, NULL) != DORF_OK) {
        fprintf(stderr, "%s\n", dorf_ctx_errmsg(ctx));
        return 1;
    }
    static dorf_snap s[PAIRS][2];
    static dorf_snap src[100], dst[100];
    static double mat[100 * 100];
    printf("%-5s %7s %7s %9s %9s %10s %10s %10s %8s %8s %10s\n", "mode", "nodes", "arcs",
           "shortcuts", "build_ms", "dijk_us", "bidijk_us", "ch_us", "ratio", "route_us",
           "100x100_ms");
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph *g = NULL;
        dorf_ch *ch = NULL;
        dorf_router *dr = NULL;
        dorf_ch_router *cr = NULL;
        dorf_graph_build(ctx, r, (dorf_mode)m, &g);
        double t0 = now_s();
        dorf_ch_build(ctx, g, &ch);
        double build = now_s() - t0;
        dorf_router_new(ctx, g, &dr);
        dorf_ch_router_new(ctx, ch, &cr);
        srand(99);
        for (int i = 0; i < PAIRS; i++) {
            for (int k = 0; k < 2; k++) {
                double lon = r->meta.min_lon_deg +
                             (r->meta.max_lon_deg - r->meta.min_lon_deg) * rand() / RAND_MAX;
                double lat = r->meta.min_lat_deg +
                             (r->meta.max_lat_deg - r->meta.min_lat_deg) * rand() / RAND_MAX;
                dorf_graph_snap(ctx, g, lon, lat, 1e6, &s[i][k]);
            }
        }
        double t, sum = 0, times[4];
        for (int alg = 0; alg < 3; alg++) {
            t0 = now_s();
            for (int i = 0; i < PAIRS; i++) {
                if (alg < 2) {
                    dorf_route_find(dr, (dorf_algorithm)alg, &s[i][0], &s[i][1], &t, NULL);
                } else {
                    dorf_ch_route(cr, &s[i][0], &s[i][1], &t, NULL);
                }
                sum += t;
            }
            times[alg] = (now_s() - t0) / PAIRS * 1e6;
        }
        t0 = now_s();
        for (int i = 0; i < PAIRS; i++) {
            dorf_route route = {0};
            dorf_ch_route(cr, &s[i][0], &s[i][1], NULL, &route);
            dorf_route_release(&route);
        }
        times[3] = (now_s() - t0) / PAIRS * 1e6;
        for (int i = 0; i < 100; i++) {
            src[i] = s[i][0];
            dst[i] = s[i][1];
        }
        t0 = now_s();
        dorf_ch_matrix(ctx, ch, src, 100, dst, 100, mat);
        double matrix = now_s() - t0;
        printf("%-5s %7u %7u %9u %9.1f %10.2f %10.2f %10.2f %8.1f %8.2f %10.2f\n",
               dorf_mode_name((dorf_mode)m), dorf_graph_node_count(g), dorf_graph_arc_count(g),
               dorf_ch_shortcut_count(ch), build * 1e3, times[0], times[1], times[2],
               times[0] / times[2], times[3], matrix * 1e3);
        (void)sum;
        dorf_ch_router_free(cr);
        dorf_router_free(dr);
        dorf_ch_free(ch);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
    return 0;
}
