/*
 * bench_coverage.c: dorf_bench_coverage, the time of a full coverage baseline (every household
 * x the default six categories x walking, cycling and driving) and of its summaries, for
 * tests/bench/coverage/run; and the search sources for the peer (pgRouting) beside it.
 *
 *   dorf_bench_coverage --db FILE [--at "2026-12-01 10:00"] [--repeat N] [--sources DIR]
 *
 * Prints `key value` lines: households, persons, categories, modes, searches, coverage_s (the
 * fastest of N runs of dorf_coverage_compute: snapping and searching), coverage_median_s,
 * summary_s (region, settlements and both grids), and reached_<mode> (households reaching a
 * grocery). With --sources, writes DIR/<mode>-<category>.txt: the graph node ids (index + 1,
 * as dorf_export_graph numbers them) nearest to each open place of the category, one a line,
 * which the peer's multi-source searches start from.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/coverage.h"
#include "dorf/store.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The node at the nearer end of the snapped segment, or -1 (no arc runs along it). */
static int64_t nearest_node(const dorf_graph *g, const dorf_snap *s) {
    uint32_t arcs = dorf_graph_arc_count(g);
    for (uint32_t a = 0; a < arcs; a++) {
        uint32_t tail, head, ms, segment;
        int against;
        dorf_graph_arc(g, a, &tail, &head, &ms, &segment, &against);
        if (segment == s->segment) {
            uint32_t from = against ? head : tail, to = against ? tail : head;
            return s->fraction < 0.5 ? from : to;
        }
    }
    return -1;
}

static int write_sources(dorf_ctx *ctx, const char *dir, const dorf_region *r,
                         dorf_graph *const *graphs, const dorf_coverage *cov) {
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        for (size_t c = 0; c < cov->category_count; c++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s-%s.txt", dir, dorf_mode_name((dorf_mode)m),
                     dorf_category_name(cov->categories[c]));
            FILE *f = fopen(path, "w");
            if (!f) {
                perror(path);
                return -1;
            }
            for (size_t p = 0; p < r->place_count; p++) {
                const dorf_place *pl = &r->places[p];
                if (pl->category != cov->categories[c]) {
                    continue;
                }
                int open = 1;
                if (pl->opening_hours && !pl->opening_hours_error) {
                    dorf_opening_hours *oh = NULL;
                    if (dorf_opening_hours_parse(ctx, pl->opening_hours, &oh) == DORF_OK) {
                        open = dorf_opening_hours_is_open(oh, NULL, cov->at);
                    }
                    dorf_opening_hours_free(oh);
                }
                dorf_snap s;
                if (open &&
                    dorf_graph_snap(ctx, graphs[m], pl->lon_deg, pl->lat_deg, 500, &s) == DORF_OK) {
                    int64_t node = nearest_node(graphs[m], &s);
                    if (node >= 0) {
                        fprintf(f, "%lld\n", (long long)node + 1);
                    }
                }
            }
            fclose(f);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"at", required_argument, NULL, 'a'},
        {"repeat", required_argument, NULL, 'r'},
        {"sources", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *at = "2026-12-01 10:00", *sources = NULL;
    int repeat = 5, c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'a':
            at = optarg;
            break;
        case 'r':
            repeat = atoi(optarg);
            break;
        case 's':
            sources = optarg;
            break;
        default:
            fprintf(stderr, "usage: dorf_bench_coverage --db FILE [--at WHEN] [--repeat N] "
                            "[--sources DIR]\n");
            return 2;
        }
    }
    if (!db || repeat < 1 || repeat > 1000) {
        fprintf(stderr, "dorf_bench_coverage: --db FILE is required; --repeat 1..1000\n");
        return 2;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_graph *graphs[DORF_MODE_COUNT] = {NULL};
    dorf_coverage_options opt;
    memset(&opt, 0, sizeof opt);
    int rc = 1;
    const dorf_local_time today = {2026, 11, 27, 0};
    if (dorf_coverage_parse_time(ctx, at, today, &opt.at) != DORF_OK ||
        dorf_store_open(ctx, db, 0, &store) != DORF_OK ||
        dorf_store_load_region(store, &region) != DORF_OK) {
        goto done;
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (dorf_graph_open(ctx, store, db, (dorf_mode)m, &graphs[m]) != DORF_OK) {
            goto done;
        }
    }
    double times[1000];
    dorf_coverage cov;
    memset(&cov, 0, sizeof cov);
    for (int i = 0; i < repeat; i++) {
        dorf_coverage_release(&cov);
        double t0 = now_s();
        if (dorf_coverage_compute(ctx, region, (const dorf_graph *const *)graphs, &opt, &cov) !=
            DORF_OK) {
            goto done;
        }
        times[i] = now_s() - t0;
    }
    qsort(times, (size_t)repeat, sizeof times[0], compare_double);
    const double thresholds[] = {300, 600, 900, 1800};
    const dorf_zone_kind kinds[] = {DORF_ZONE_REGION, DORF_ZONE_SETTLEMENT, DORF_ZONE_GRID_1KM,
                                    DORF_ZONE_GRID_100M};
    double t0 = now_s();
    for (int k = 0; k < 4; k++) {
        dorf_coverage_summary s;
        if (dorf_coverage_summarize(ctx, region, &cov, kinds[k], thresholds, 4, &s) != DORF_OK) {
            dorf_coverage_release(&cov);
            goto done;
        }
        dorf_coverage_summary_release(&s);
    }
    double summary_s = now_s() - t0;
    printf("households %zu\npersons %.0f\ncategories %zu\nmodes 3\nsearches %llu\n",
           cov.household_count, dorf_region_persons(region), cov.category_count,
           (unsigned long long)cov.searches);
    printf("coverage_s %.6f\ncoverage_median_s %.6f\nsummary_s %.6f\n", times[0], times[repeat / 2],
           summary_s);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        size_t reached = 0;
        for (size_t h = 0; h < cov.household_count; h++) {
            reached += isfinite(dorf_coverage_time(&cov, h, 0, (dorf_mode)m));
        }
        printf("reached_%s %zu\n", dorf_mode_name((dorf_mode)m), reached);
    }
    rc = sources && write_sources(ctx, sources, region, graphs, &cov) != 0 ? 1 : 0;
    dorf_coverage_release(&cov);

done:
    if (rc != 0 && *dorf_ctx_errmsg(ctx)) {
        fprintf(stderr, "dorf_bench_coverage: %s\n", dorf_ctx_errmsg(ctx));
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(graphs[m]);
    }
    dorf_region_free(region);
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    return rc;
}
