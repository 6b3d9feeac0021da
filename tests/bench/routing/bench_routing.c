/*
 * bench_routing.c: dorf_bench_routing, the dorf side of the routing benchmark
 * (tests/bench/routing/run, which puts pgRouting, Routino and SpatiaLite beside it).
 *
 *   dorf_bench_routing --db FILE [--mode MODE] --pairs FILE [--matrix FILE]
 *                      [--matrix-out PREFIX] [--min-seconds S]
 *
 * Measures, on the region in FILE:
 *   - loading the region from the store, building the mode's graph (dorf_graph_build),
 *     saving it and mapping it back from the cache file (dorf_graph_load, median of 5),
 *     and the graph's memory (dorf_graph_memory_bytes) per million arcs;
 *   - node-to-node queries (node_snap.h) over the pairs in --pairs (source,target lines of
 *     node ids, as dorf_export_graph prints them) with every algorithm routing.h offers: one
 *     untimed pass, whose times must agree between the algorithms, then whole passes over
 *     the pairs until --min-seconds (default 0.5) have gone by; the mean time per query;
 *   - a many-to-many matrix over the node ids in --matrix (one a line): every ordered pair of
 *     distinct nodes, as point-to-point queries with each algorithm, as one one-to-many
 *     search per source (dorf_reach, "reach"), and with the contraction hierarchy's bucket
 *     matrix (dorf_ch_matrix, "ch-matrix"); each written as source,target,time_s to
 *     PREFIX.NAME.csv with --matrix-out, and every method's cells checked against the first's;
 *   - with contraction hierarchies: their build time, shortcuts and memory, and queries
 *     (dorf_ch_route) in the same loop as the other algorithms.
 * Times are wall-clock (CLOCK_MONOTONIC) on one thread. Output is one "key value ..." line per
 * figure, for the run script to read. Exit codes: 0, 1 on a failure, 2 on usage.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dorf/context.h"
#include "dorf/routing.h"
#include "dorf/store.h"
#include "node_snap.h"

/*
 * Contraction hierarchies and one-to-many searches are measured when routing.h declares them:
 * CMake defines DORF_BENCH_HAVE_CH (dorf_ch_build, dorf_ch_route, dorf_ch_matrix) and
 * DORF_BENCH_HAVE_REACH (dorf_reach) after reading the header, so this program builds
 * against a routing layer with or without them; without, it prints "... not in routing.h".
 */
#define ALG_CH (-1) /* not a dorf_algorithm: queries through dorf_ch_route */

static const struct {
    int alg;
    const char *name;
} algorithms[] = {
    {DORF_ALG_DIJKSTRA, "dijkstra"},
    {DORF_ALG_BIDIJKSTRA, "bidijkstra"},
#ifdef DORF_BENCH_HAVE_CH
    {ALG_CH, "ch"},
#endif
};
#define ALGORITHM_COUNT (sizeof algorithms / sizeof algorithms[0])

/* What a query needs: the router of the plain graph, and the CH's when there is one. */
struct query_env {
    dorf_ctx *ctx;
    dorf_router *router;
#ifdef DORF_BENCH_HAVE_CH
    dorf_ch *ch;
    dorf_ch_router *ch_router;
#endif
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads lines of one or two node ids (1-based) into `ids`; returns the count of lines, -1. */
static long read_ids(const char *path, int per_line, uint32_t node_count, uint32_t **ids) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 256, n = 0;
    uint32_t *out = malloc(cap * sizeof *out);
    char line[128];
    while (out && fgets(line, sizeof line, f)) {
        unsigned long a = 0, b = 0;
        int got = per_line == 2 ? sscanf(line, "%lu,%lu", &a, &b) : sscanf(line, "%lu", &a);
        if (got != per_line) {
            continue;
        }
        if (a < 1 || a > node_count || (per_line == 2 && (b < 1 || b > node_count))) {
            fprintf(stderr, "%s: node id out of range: %s", path, line);
            free(out);
            fclose(f);
            return -1;
        }
        if (n + 2 > cap) {
            uint32_t *grown = realloc(out, 2 * cap * sizeof *out);
            if (!grown) {
                free(out);
                out = NULL;
                break;
            }
            out = grown;
            cap *= 2;
        }
        out[n++] = (uint32_t)(a - 1);
        if (per_line == 2) {
            out[n++] = (uint32_t)(b - 1);
        }
    }
    fclose(f);
    if (!out) {
        fprintf(stderr, "out of memory reading %s\n", path);
        return -1;
    }
    *ids = out;
    return (long)(n / (size_t)per_line);
}

/* One query; the time in seconds, -1 when unreachable, -2 on another failure. */
static double query(const struct query_env *env, int alg, const dorf_snap *from,
                    const dorf_snap *to) {
    double t = -1;
    dorf_status st;
#ifdef DORF_BENCH_HAVE_CH
    if (alg == ALG_CH) {
        st = dorf_ch_route(env->ch_router, from, to, &t, NULL);
    } else
#endif
    {
        st = dorf_route_find(env->router, (dorf_algorithm)alg, from, to, &t, NULL);
    }
    if (st == DORF_ENOTFOUND) {
        dorf_ctx_clear_error(env->ctx);
        return -1;
    }
    return st == DORF_OK ? t : -2;
}

static int bench_queries(const struct query_env *env, const dorf_snap *src, const dorf_snap *dst,
                         long n, double min_s) {
    double *reference = malloc((size_t)(n ? n : 1) * sizeof *reference);
    if (!reference) {
        return -1;
    }
    long found = 0;
    for (size_t k = 0; k < ALGORITHM_COUNT; k++) {
        long mismatches = 0;
        for (long i = 0; i < n; i++) {
            double t = query(env, algorithms[k].alg, &src[i], &dst[i]);
            if (t < -1.5) {
                fprintf(stderr, "dorf_bench_routing: %s\n", dorf_ctx_errmsg(env->ctx));
                free(reference);
                return -1;
            }
            if (k == 0) {
                reference[i] = t;
                found += t >= 0;
            } else if (t != reference[i]) {
                mismatches++;
                if (mismatches <= 5) {
                    fprintf(stderr, "mismatch: %s %.3f s, %s %.3f s for pair %ld\n",
                            algorithms[0].name, reference[i], algorithms[k].name, t, i + 1);
                }
            }
        }
        long runs = 0;
        double t0 = now_s(), elapsed = 0;
        do {
            for (long i = 0; i < n; i++) {
                (void)query(env, algorithms[k].alg, &src[i], &dst[i]);
            }
            runs++;
            elapsed = now_s() - t0;
        } while (elapsed < min_s);
        printf("query %s mean_us %.2f queries %ld found %ld mismatches %ld\n", algorithms[k].name,
               elapsed / (double)(runs * n) * 1e6, runs * n, found, mismatches);
    }
#ifndef DORF_BENCH_HAVE_CH
    printf("query ch not in routing.h\n");
#endif
    free(reference);
    return 0;
}

/* Writes a matrix as source,target,time_s lines (-1: unreachable) to PREFIX.NAME.csv. */
static int write_matrix(const char *prefix, const char *name, const uint32_t *ids, long n,
                        const double *cell) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%s.csv", prefix, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++) {
            if (i != j) {
                fprintf(f, "%u,%u,%.3f\n", ids[i] + 1, ids[j] + 1, cell[i * n + j]);
            }
        }
    }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* Reports a matrix's time and how many cells differ from the reference (by > 0.5 ms). */
static void report_matrix(const char *name, long n, double seconds, const double *cell,
                          const double *reference) {
    long found = 0, differ = 0;
    for (long c = 0; c < n * n; c++) {
        found += c % (n + 1) != 0 && cell[c] >= 0;
        double d = cell[c] - reference[c];
        differ += (cell[c] < 0) != (reference[c] < 0) || d > 0.0005 || d < -0.0005;
    }
    printf("matrix %s %ldx%ld total_s %.6f found %ld differ %ld\n", name, n, n, seconds, found,
           differ);
}

static int bench_matrix(const struct query_env *env, const dorf_graph *g,
                        const struct node_arcs *na, const uint32_t *ids, long n,
                        const char *out_prefix) {
    dorf_snap *as_src = malloc((size_t)n * sizeof *as_src);
    dorf_snap *as_dst = malloc((size_t)n * sizeof *as_dst);
    double *reference = malloc((size_t)n * (size_t)n * sizeof *reference);
    double *cell = malloc((size_t)n * (size_t)n * sizeof *cell);
    int rc = -1;
    if (!as_src || !as_dst || !reference || !cell) {
        goto done;
    }
    for (long i = 0; i < n; i++) {
        if (node_snap(g, na, ids[i], 0, &as_src[i]) != 0 ||
            node_snap(g, na, ids[i], 1, &as_dst[i]) != 0) {
            fprintf(stderr, "dorf_bench_routing: matrix node %u has no arc in or out\n",
                    ids[i] + 1);
            goto done;
        }
    }
    /* Point-to-point queries with each algorithm; the first is the reference. */
    for (size_t k = 0; k < ALGORITHM_COUNT; k++) {
        double *out = k == 0 ? reference : cell;
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            for (long j = 0; j < n; j++) {
                out[i * n + j] = i == j ? 0 : query(env, algorithms[k].alg, &as_src[i], &as_dst[j]);
            }
        }
        char name[64];
        snprintf(name, sizeof name, "%s-point-to-point", algorithms[k].name);
        report_matrix(name, n, now_s() - t0, out, reference);
        if (out_prefix && write_matrix(out_prefix, algorithms[k].name, ids, n, out) != 0) {
            goto done;
        }
    }
#ifdef DORF_BENCH_HAVE_REACH
    {
        /* One one-to-many search per source, to every node (no time limit). */
        dorf_reach_result res = {0};
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            if (dorf_reach(env->router, &as_src[i], 1, INFINITY, 0, &res) != DORF_OK) {
                fprintf(stderr, "dorf_bench_routing: %s\n", dorf_ctx_errmsg(env->ctx));
                dorf_reach_release(&res);
                goto done;
            }
            for (long j = 0; j < n; j++) {
                double t = -1;
                dorf_status st = i == j ? DORF_OK : dorf_reach_time_at(&res, &as_dst[j], &t);
                cell[i * n + j] = i == j ? 0 : st == DORF_OK ? t : -1;
            }
        }
        dorf_reach_release(&res);
        report_matrix("reach-one-to-many", n, now_s() - t0, cell, reference);
        if (out_prefix && write_matrix(out_prefix, "reach", ids, n, cell) != 0) {
            goto done;
        }
    }
#else
    printf("matrix reach not in routing.h\n");
#endif
#ifdef DORF_BENCH_HAVE_CH
    {
        double t0 = now_s();
        if (dorf_ch_matrix(env->ctx, env->ch, as_src, (size_t)n, as_dst, (size_t)n, cell) !=
            DORF_OK) {
            fprintf(stderr, "dorf_bench_routing: %s\n", dorf_ctx_errmsg(env->ctx));
            goto done;
        }
        double elapsed = now_s() - t0;
        for (long c = 0; c < n * n; c++) {
            cell[c] = c % (n + 1) == 0 ? 0 : isinf(cell[c]) ? -1 : cell[c];
        }
        report_matrix("ch-matrix", n, elapsed, cell, reference);
        if (out_prefix && write_matrix(out_prefix, "ch-matrix", ids, n, cell) != 0) {
            goto done;
        }
    }
#else
    printf("matrix ch-matrix not in routing.h\n");
#endif
    rc = 0;
done:
    free(as_src);
    free(as_dst);
    free(reference);
    free(cell);
    return rc;
}

int main(int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"mode", required_argument, NULL, 'm'},
        {"pairs", required_argument, NULL, 'p'},
        {"matrix", required_argument, NULL, 'x'},
        {"matrix-out", required_argument, NULL, 'o'},
        {"min-seconds", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *pairs_path = NULL, *matrix_path = NULL, *matrix_out = NULL;
    dorf_mode mode = DORF_MODE_CAR;
    double min_s = 0.5;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            mode = DORF_MODE_COUNT;
            for (int m = 0; m < DORF_MODE_COUNT; m++) {
                if (strcmp(optarg, dorf_mode_name((dorf_mode)m)) == 0) {
                    mode = (dorf_mode)m;
                }
            }
            if (mode == DORF_MODE_COUNT) {
                fprintf(stderr, "dorf_bench_routing: --mode takes walk, bike or car\n");
                return 2;
            }
            break;
        case 'p':
            pairs_path = optarg;
            break;
        case 'x':
            matrix_path = optarg;
            break;
        case 'o':
            matrix_out = optarg;
            break;
        case 's':
            min_s = strtod(optarg, NULL);
            break;
        case 'h':
        default:
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: dorf_bench_routing --db FILE [--mode MODE] --pairs FILE "
                    "[--matrix FILE] [--matrix-out PREFIX] [--min-seconds S]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (!db || !pairs_path || optind != argc) {
        fprintf(stderr, "dorf_bench_routing: --db and --pairs are required (see --help)\n");
        return 2;
    }

    int rc = 1;
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_graph *built = NULL, *g = NULL;
    dorf_router *router = NULL;
    struct query_env env = {0};
    struct node_arcs *na = NULL;
    uint32_t *pairs = NULL, *mids = NULL;
    dorf_snap *src = NULL, *dst = NULL;
    char cache[4096];
    snprintf(cache, sizeof cache, "%s.bench-%ld.%s.graph", db, (long)getpid(),
             dorf_mode_name(mode));
    if (!ctx || dorf_store_open(ctx, db, DORF_STORE_READONLY, &store) != DORF_OK) {
        goto fail;
    }
    double t0 = now_s();
    if (dorf_store_load_region(store, &region) != DORF_OK) {
        goto fail;
    }
    double t1 = now_s();
    if (dorf_graph_build(ctx, region, mode, &built) != DORF_OK) {
        goto fail;
    }
    double t2 = now_s();
    if (dorf_graph_save(ctx, built, cache) != DORF_OK) {
        goto fail;
    }
    double t3 = now_s();
    printf("region_load_s %.6f\n", t1 - t0);
    printf("graph_build_s %.6f\n", t2 - t1);
    printf("graph_save_s %.6f\n", t3 - t2);
    double loads[5];
    for (int i = 0; i < 5; i++) {
        dorf_graph_free(g);
        g = NULL;
        double a = now_s();
        if (dorf_graph_load(ctx, cache, mode, dorf_region_fingerprint(region), &g) != DORF_OK) {
            goto fail;
        }
        loads[i] = now_s() - a;
    }
    qsort(loads, 5, sizeof loads[0], cmp_double);
    printf("cache_load_s %.6f\n", loads[2]);
    size_t bytes = dorf_graph_memory_bytes(g);
    uint32_t arcs = dorf_graph_arc_count(g);
    printf("nodes %u\narcs %u\nmemory_bytes %zu\n", dorf_graph_node_count(g), arcs, bytes);
    printf("memory_mb_per_million_arcs %.1f\n", arcs ? bytes / 1e6 / (arcs / 1e6) : 0.0);
    dorf_region_free(region);
    region = NULL;

    if (!(na = node_snap_index(g)) || dorf_router_new(ctx, g, &router) != DORF_OK) {
        goto fail;
    }
    env.ctx = ctx;
    env.router = router;
#ifdef DORF_BENCH_HAVE_CH
    double c0 = now_s();
    if (dorf_ch_build(ctx, g, &env.ch) != DORF_OK) {
        goto fail;
    }
    printf("ch_build_s %.6f\n", now_s() - c0);
    printf("ch_shortcuts %u\nch_memory_bytes %zu\n", dorf_ch_shortcut_count(env.ch),
           dorf_ch_memory_bytes(env.ch));
    if (dorf_ch_router_new(ctx, env.ch, &env.ch_router) != DORF_OK) {
        goto fail;
    }
#endif
    long n = read_ids(pairs_path, 2, dorf_graph_node_count(g), &pairs);
    if (n < 0) {
        goto fail_quiet;
    }
    src = malloc((size_t)(n ? n : 1) * sizeof *src);
    dst = malloc((size_t)(n ? n : 1) * sizeof *dst);
    if (!src || !dst) {
        goto fail_quiet;
    }
    for (long i = 0; i < n; i++) {
        if (node_snap(g, na, pairs[2 * i], 0, &src[i]) != 0 ||
            node_snap(g, na, pairs[2 * i + 1], 1, &dst[i]) != 0) {
            fprintf(stderr, "dorf_bench_routing: pair %ld: a node without arcs\n", i + 1);
            goto fail_quiet;
        }
    }
    if (bench_queries(&env, src, dst, n, min_s) != 0) {
        goto fail_quiet;
    }
    if (matrix_path) {
        long m = read_ids(matrix_path, 1, dorf_graph_node_count(g), &mids);
        if (m < 0 || bench_matrix(&env, g, na, mids, m, matrix_out) != 0) {
            goto fail_quiet;
        }
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "dorf_bench_routing: %s\n", ctx ? dorf_ctx_errmsg(ctx) : "out of memory");
fail_quiet:
done:
    unlink(cache);
    free(src);
    free(dst);
    free(pairs);
    free(mids);
    free(na);
#ifdef DORF_BENCH_HAVE_CH
    dorf_ch_router_free(env.ch_router);
    dorf_ch_free(env.ch);
#endif
    dorf_router_free(router);
    dorf_graph_free(g);
    dorf_graph_free(built);
    dorf_region_free(region);
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    return rc;
}
