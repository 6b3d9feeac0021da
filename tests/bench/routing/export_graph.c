/*
 * export_graph.c: dorf_export_graph, a mode's road graph in the forms other routers read, and
 * dorf's own node-to-node times, for the comparison with pgRouting, SpatiaLite and Routino
 * (tests/routing/test_pgrouting.sh, tests/bench/routing/run).
 *
 *   dorf_export_graph --db FILE [--mode MODE] edges
 *       one CSV row per arc in pgRouting's edge table form, with a header:
 *       id,source,target,cost,reverse_cost,x1,y1,x2,y2 where cost is the arc's time in seconds
 *       (dorf's integer milliseconds / 1000), reverse_cost is -1 (each direction of a road is
 *       its own arc), and x, y are the end nodes' lon, lat in degrees.
 *   dorf_export_graph --db FILE [--mode MODE] nodes
 *       id,lon,lat of every node.
 *   dorf_export_graph --db FILE [--mode MODE] pairs N SEED
 *       N random pairs source,target of distinct nodes that a node-to-node query can start and
 *       end at (node_snap.h), from a fixed pseudo-random sequence for SEED.
 *   dorf_export_graph --db FILE [--mode MODE] sample N SEED
 *       N distinct random nodes that can be both a source and a target, one id a line.
 *   dorf_export_graph --db FILE [--mode MODE] [--algorithm ALG] [--snapped] times
 *       reads source,target lines on stdin and prints source,target,time_s with dorf's time
 *       (dorf_route_find, Dijkstra unless --algorithm bidijkstra; --algorithm ch builds the
 *       contraction hierarchy and uses dorf_ch_route, when routing.h has it), -1 when
 *       unreachable.
 *       With --snapped the points are not placed on the nodes by node_snap.h but snapped
 *       from the nodes' coordinates by dorf_graph_snap, as `dorf route` would, and each
 *       line ends with the two snap distances in metres.
 *
 * Ids are dorf's node and arc indices + 1. The graph comes from dorf_graph_open (the cache
 * file beside the database, built when missing). Exit codes: 0, 1 on a failure, 2 on usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/context.h"
#include "dorf/routing.h"
#include "dorf/store.h"
#include "node_snap.h"

#ifdef DORF_BENCH_HAVE_CH
#define ALGORITHMS "dijkstra|bidijkstra|ch"
#else
#define ALGORITHMS "dijkstra|bidijkstra"
#endif
#define ALG_CH (-1) /* not a dorf_algorithm: dorf_ch_route */

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf_export_graph --db FILE [--mode walk|bike|car] [--algorithm " ALGORITHMS
            "] [--snapped] edges|nodes|pairs N SEED|sample N SEED|times\n");
}

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators"). */
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

static int print_edges(const dorf_graph *g) {
    printf("id,source,target,cost,reverse_cost,x1,y1,x2,y2\n");
    for (uint32_t a = 0; a < dorf_graph_arc_count(g); a++) {
        uint32_t tail, head, ms, seg;
        int against;
        double x1, y1, x2, y2;
        dorf_graph_arc(g, a, &tail, &head, &ms, &seg, &against);
        dorf_graph_node_position(g, tail, &x1, &y1);
        dorf_graph_node_position(g, head, &x2, &y2);
        printf("%u,%u,%u,%u.%03u,-1,%.7f,%.7f,%.7f,%.7f\n", a + 1, tail + 1, head + 1, ms / 1000,
               ms % 1000, x1, y1, x2, y2);
    }
    return 0;
}

static int print_nodes(const dorf_graph *g) {
    printf("id,lon,lat\n");
    for (uint32_t v = 0; v < dorf_graph_node_count(g); v++) {
        double lon, lat;
        dorf_graph_node_position(g, v, &lon, &lat);
        printf("%u,%.7f,%.7f\n", v + 1, lon, lat);
    }
    return 0;
}

/* Random pairs (sample == 0) or distinct nodes usable both ways (sample == 1). */
static int print_random(const dorf_graph *g, const struct node_arcs *na, long count, uint64_t seed,
                        int sample) {
    uint32_t n = dorf_graph_node_count(g);
    uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
    uint32_t usable = 0;
    for (uint32_t v = 0; v < n; v++) {
        usable += na[v].in_arc != UINT32_MAX && na[v].out_arc != UINT32_MAX;
    }
    if (usable < 2 || (sample && count > (long)usable)) {
        fprintf(stderr, "dorf_export_graph: only %u usable nodes\n", usable);
        return 1;
    }
    uint8_t *taken = sample ? calloc(n, 1) : NULL;
    if (sample && !taken) {
        fprintf(stderr, "dorf_export_graph: out of memory\n");
        return 1;
    }
    for (long i = 0; i < count;) {
        uint32_t s = (uint32_t)(next_random(&state) % n);
        if (sample) {
            if (!taken[s] && na[s].in_arc != UINT32_MAX && na[s].out_arc != UINT32_MAX) {
                taken[s] = 1;
                printf("%u\n", s + 1);
                i++;
            }
            continue;
        }
        uint32_t t = (uint32_t)(next_random(&state) % n);
        if (s != t && na[s].in_arc != UINT32_MAX && na[t].out_arc != UINT32_MAX) {
            printf("%u,%u\n", s + 1, t + 1);
            i++;
        }
    }
    free(taken);
    return 0;
}

static int print_times(dorf_ctx *ctx, const dorf_graph *g, const struct node_arcs *na, int alg,
                       int snapped) {
    dorf_router *router = NULL;
#ifdef DORF_BENCH_HAVE_CH
    dorf_ch *ch = NULL;
    dorf_ch_router *ch_router = NULL;
    if (alg == ALG_CH && (dorf_ch_build(ctx, g, &ch) != DORF_OK ||
                          dorf_ch_router_new(ctx, ch, &ch_router) != DORF_OK)) {
        fprintf(stderr, "dorf_export_graph: %s\n", dorf_ctx_errmsg(ctx));
        dorf_ch_free(ch);
        return 1;
    }
#endif
    if (dorf_router_new(ctx, g, &router) != DORF_OK) {
        fprintf(stderr, "dorf_export_graph: %s\n", dorf_ctx_errmsg(ctx));
#ifdef DORF_BENCH_HAVE_CH
        dorf_ch_router_free(ch_router);
        dorf_ch_free(ch);
#endif
        return 1;
    }
    uint32_t n = dorf_graph_node_count(g);
    char line[256];
    int rc = 0;
    long lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        unsigned long s, t;
        if (sscanf(line, "%lu,%lu", &s, &t) != 2) {
            continue; /* a header or an empty line */
        }
        if (s < 1 || s > n || t < 1 || t > n) {
            fprintf(stderr, "dorf_export_graph: line %ld: no node %lu or %lu\n", lineno, s, t);
            rc = 1;
            break;
        }
        dorf_snap from, to;
        int ok;
        if (snapped) {
            double lon, lat;
            dorf_graph_node_position(g, (uint32_t)(s - 1), &lon, &lat);
            ok = dorf_graph_snap(ctx, g, lon, lat, 50, &from) == DORF_OK;
            dorf_graph_node_position(g, (uint32_t)(t - 1), &lon, &lat);
            ok = ok && dorf_graph_snap(ctx, g, lon, lat, 50, &to) == DORF_OK;
        } else {
            ok = node_snap(g, na, (uint32_t)(s - 1), 0, &from) == 0 &&
                 node_snap(g, na, (uint32_t)(t - 1), 1, &to) == 0;
        }
        if (!ok) {
            printf("%lu,%lu,nosnap\n", s, t);
            dorf_ctx_clear_error(ctx);
            continue;
        }
        double time_s = -1;
        dorf_status st;
#ifdef DORF_BENCH_HAVE_CH
        if (alg == ALG_CH) {
            st = dorf_ch_route(ch_router, &from, &to, &time_s, NULL);
        } else
#endif
        {
            st = dorf_route_find(router, (dorf_algorithm)alg, &from, &to, &time_s, NULL);
        }
        if (st == DORF_ENOTFOUND) {
            time_s = -1;
            dorf_ctx_clear_error(ctx);
        } else if (st != DORF_OK) {
            fprintf(stderr, "dorf_export_graph: %s\n", dorf_ctx_errmsg(ctx));
            rc = 1;
            break;
        }
        if (snapped) {
            printf("%lu,%lu,%.3f,%.2f,%.2f\n", s, t, time_s, from.distance_m, to.distance_m);
        } else {
            printf("%lu,%lu,%.3f\n", s, t, time_s);
        }
    }
    dorf_router_free(router);
#ifdef DORF_BENCH_HAVE_CH
    dorf_ch_router_free(ch_router);
    dorf_ch_free(ch);
#endif
    return rc;
}

int main(int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"mode", required_argument, NULL, 'm'},
        {"algorithm", required_argument, NULL, 'a'},
        {"snapped", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    dorf_mode mode = DORF_MODE_CAR;
    int alg = DORF_ALG_DIJKSTRA;
    int snapped = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm': {
            int found = 0;
            for (int m = 0; m < DORF_MODE_COUNT; m++) {
                if (strcmp(optarg, dorf_mode_name((dorf_mode)m)) == 0) {
                    mode = (dorf_mode)m;
                    found = 1;
                }
            }
            if (!found) {
                usage(stderr);
                return 2;
            }
            break;
        }
        case 'a':
            if (strcmp(optarg, "dijkstra") == 0) {
                alg = DORF_ALG_DIJKSTRA;
            } else if (strcmp(optarg, "bidijkstra") == 0) {
                alg = DORF_ALG_BIDIJKSTRA;
#ifdef DORF_BENCH_HAVE_CH
            } else if (strcmp(optarg, "ch") == 0) {
                alg = ALG_CH;
#endif
            } else {
                usage(stderr);
                return 2;
            }
            break;
        case 's':
            snapped = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!db || optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    long count = 0;
    unsigned long long seed = 0;
    int is_random = strcmp(cmd, "pairs") == 0 || strcmp(cmd, "sample") == 0;
    if (is_random) {
        if (argc - optind != 3 || (count = strtol(argv[optind + 1], NULL, 10)) <= 0) {
            usage(stderr);
            return 2;
        }
        seed = strtoull(argv[optind + 2], NULL, 10);
    } else if (argc - optind != 1 || (strcmp(cmd, "edges") != 0 && strcmp(cmd, "nodes") != 0 &&
                                      strcmp(cmd, "times") != 0)) {
        usage(stderr);
        return 2;
    }

    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    dorf_graph *g = NULL;
    struct node_arcs *na = NULL;
    int rc = 1;
    if (!ctx) {
        fprintf(stderr, "dorf_export_graph: out of memory\n");
        return 1;
    }
    if (dorf_store_open(ctx, db, DORF_STORE_READONLY, &store) != DORF_OK ||
        dorf_graph_open(ctx, store, db, mode, &g) != DORF_OK) {
        fprintf(stderr, "dorf_export_graph: %s\n", dorf_ctx_errmsg(ctx));
        goto done;
    }
    if (!(na = node_snap_index(g))) {
        fprintf(stderr, "dorf_export_graph: out of memory\n");
        goto done;
    }
    if (strcmp(cmd, "edges") == 0) {
        rc = print_edges(g);
    } else if (strcmp(cmd, "nodes") == 0) {
        rc = print_nodes(g);
    } else if (is_random) {
        rc = print_random(g, na, count, seed, strcmp(cmd, "sample") == 0);
    } else {
        rc = print_times(ctx, g, na, alg, snapped);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dorf_export_graph: cannot write the output\n");
        rc = 1;
    }
done:
    free(na);
    dorf_graph_free(g);
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    return rc;
}
