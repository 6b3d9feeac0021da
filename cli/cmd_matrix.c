/*
 * cmd_matrix.c: `dorf matrix`: travel times from each point of one CSV file to each point of
 * another, as CSV, computed on the contraction hierarchy of the mode (dorf_ch_matrix).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dorf/alloc.h"
#include "dorf/routing.h"
#include "points_csv.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf matrix --db FILE --from A.csv --to B.csv [--mode walk|bike|car]\n"
            "                   [--out OUT.csv] [--max-snap METRES]\n\n"
            "Prints the travel time from each point of A.csv to each point of B.csv as CSV\n"
            "with the columns from_id,to_id,time_s (time_s empty when unreachable). The input\n"
            "files start with a header line naming their columns, id,lon,lat or lon,lat (then\n"
            "the ids are the row numbers, 1 for the first point); coordinates in degrees\n"
            "(WGS84), each snapped to the nearest road the mode may use.\n\n"
            "options:\n"
            "  --db FILE            the region database\n"
            "  --mode MODE          walk, bike or car (default car)\n"
            "  --from FILE          the sources (CSV)\n"
            "  --to FILE            the targets (CSV)\n"
            "  --out FILE           write the matrix there instead of to standard output\n"
            "  --max-snap METRES    farthest a point may lie from a road (default 1000)\n"
            "  --help               show this help\n");
}

struct points {
    struct cli_points csv;
    dorf_snap *snaps;
};

static void points_release(struct points *p) {
    cli_points_release(&p->csv);
    dorf_free(p->snaps);
    memset(p, 0, sizeof *p);
}

/* Reads the points of a CSV file and snaps each to the graph. */
static dorf_status read_points(dorf_ctx *ctx, const dorf_graph *g, const char *path,
                               double max_snap, struct points *pts) {
    FILE *f = fopen(path, "r");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    }
    dorf_status st = cli_points_read(ctx, f, path, &pts->csv);
    fclose(f);
    if (st != DORF_OK) {
        return st;
    }
    pts->snaps = dorf_malloc(pts->csv.count * sizeof *pts->snaps);
    if (!pts->snaps) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", path);
    }
    for (size_t i = 0; i < pts->csv.count; i++) {
        const struct cli_point *pt = &pts->csv.items[i];
        if ((st = dorf_graph_snap(ctx, g, pt->lon_deg, pt->lat_deg, max_snap, &pts->snaps[i])) !=
            DORF_OK) {
            return dorf_fail_prefix(ctx, st, "%s:%ld", path, pt->line);
        }
    }
    return DORF_OK;
}

/* Writes the matrix as CSV; nonzero on a write error. */
static int write_matrix(FILE *out, const struct points *from, const struct points *to,
                        const double *times) {
    fprintf(out, "from_id,to_id,time_s\n");
    for (size_t i = 0; i < from->csv.count; i++) {
        for (size_t j = 0; j < to->csv.count; j++) {
            double t = times[i * to->csv.count + j];
            const char *a = from->csv.items[i].id, *b = to->csv.items[j].id;
            if (isinf(t)) {
                fprintf(out, "%s,%s,\n", a, b);
            } else {
                fprintf(out, "%s,%s,%.3f\n", a, b, t);
            }
        }
    }
    return ferror(out) || fflush(out) != 0;
}

int cmd_matrix(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},   {"mode", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},  {"max-snap", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *from_path = NULL, *to_path = NULL, *out_path = NULL;
    dorf_mode mode = DORF_MODE_CAR;
    double max_snap = 1000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            if (cli_parse_mode(optarg, &mode) != 0) {
                return cli_usage_error("matrix", "--mode takes walk, bike or car, not '%s'",
                                       optarg);
            }
            break;
        case 'f':
            from_path = optarg;
            break;
        case 't':
            to_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 's':
            if (cli_parse_number(optarg, 1e-3, 1e7, &max_snap) != 0) {
                return cli_usage_error("matrix", "--max-snap takes a distance in metres");
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("matrix", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("matrix", "--db FILE is required");
    }
    if (!from_path || !to_path) {
        return cli_usage_error("matrix", "--from FILE and --to FILE are required");
    }
    if (optind != argc) {
        return cli_usage_error("matrix", "unexpected argument '%s'", argv[optind]);
    }
    cli_progress_attach(ctx);
    dorf_store *store = NULL;
    dorf_graph *graph = NULL;
    dorf_ch *ch = NULL;
    struct points from = {0}, to = {0};
    double *times = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_graph_open(ctx, store, db, mode, &graph);
    }
    if (st == DORF_OK) {
        st = read_points(ctx, graph, from_path, max_snap, &from);
    }
    if (st == DORF_OK) {
        st = read_points(ctx, graph, to_path, max_snap, &to);
    }
    if (st == DORF_OK) {
        st = dorf_ch_open(ctx, graph, db, &ch);
    }
    if (st == DORF_OK) {
        if (to.csv.count && from.csv.count > SIZE_MAX / to.csv.count / sizeof *times) {
            st = dorf_fail(ctx, DORF_EINVAL, "a %zu x %zu matrix is too large", from.csv.count,
                           to.csv.count);
        } else if (!(times = dorf_malloc(from.csv.count * to.csv.count * sizeof *times))) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for a %zu x %zu matrix", from.csv.count,
                           to.csv.count);
        }
    }
    if (st == DORF_OK) {
        st = dorf_ch_matrix(ctx, ch, from.snaps, from.csv.count, to.snaps, to.csv.count, times);
    }
    cli_progress_done();
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else {
        FILE *out = out_path ? fopen(out_path, "w") : stdout;
        if (!out) {
            fprintf(stderr, "dorf: %s: %s\n", out_path, strerror(errno));
            rc = EXIT_RUNTIME;
        } else {
            int bad = write_matrix(out, &from, &to, times);
            if (out_path) {
                bad = fclose(out) != 0 || bad;
            }
            if (bad) {
                fprintf(stderr, "dorf: cannot write the matrix to %s\n",
                        out_path ? out_path : "standard output");
                rc = EXIT_RUNTIME;
            }
        }
    }
    dorf_free(times);
    points_release(&from);
    points_release(&to);
    dorf_ch_free(ch);
    dorf_graph_free(graph);
    dorf_store_close(store);
    return rc;
}
