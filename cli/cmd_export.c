/*
 * cmd_export.c: `dorf export`: the anonymised export for researchers (dorf/export.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dorf/export.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf export --db FILE --out DIR [options]\n\n"
            "Writes an anonymised export of the region's platform activity for researchers\n"
            "into the new directory DIR: figures per INSPIRE grid cell (households, persons,\n"
            "orders by week and category, parcels delivered, volunteers' distances, coverage\n"
            "per category and mode) and pseudonymised order and delivery tables, with\n"
            "manifest.json. Cells with fewer than k households are suppressed everywhere,\n"
            "counts are perturbed, ids become pseudonyms under a key used once, times are\n"
            "coarsened. No name, e-mail address, exact position or text leaves (see\n"
            "docs/export.md).\n\n"
            "options:\n"
            "  --db FILE        the region database\n"
            "  --out DIR        the export's directory; must not exist\n"
            "  --grid SIZE      1km (default) or 100m cells (EPSG:3035)\n"
            "  --k N            suppress cells with fewer than N households (default 5, at\n"
            "                   least 2)\n"
            "  --epsilon E      Laplace noise with this epsilon on each count, instead of the\n"
            "                   cell-key method (default)\n"
            "  --format F       gpkg (default, one file), csv, geojson or fgb (a file each)\n"
            "  --time GRAIN     events' times to the day (default) or hour\n"
            "  --at WHEN        coverage at this local time (default: next Tuesday 10:00)\n"
            "  --quiet          print nothing but errors\n"
            "  --help           show this help\n");
}

int cmd_export(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"grid", required_argument, NULL, 'g'},
        {"k", required_argument, NULL, 'k'},
        {"epsilon", required_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"time", required_argument, NULL, 't'},
        {"at", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dorf_local_time today = cli_today();
    dorf_export_options opt;
    dorf_export_options_init(&opt, today);
    const char *db = NULL, *out = NULL, *at = NULL;
    int quiet = 0, c;
    double v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'g':
            if (strcmp(optarg, "1km") == 0) {
                opt.cell_m = 1000;
            } else if (strcmp(optarg, "100m") == 0) {
                opt.cell_m = 100;
            } else {
                return cli_usage_error("export", "--grid takes 1km or 100m, not '%s'", optarg);
            }
            break;
        case 'k':
            if (cli_parse_number(optarg, 0, 1e6, &v) != 0 || v != (double)(unsigned)v) {
                return cli_usage_error("export", "--k takes a whole number of households (at "
                                                 "least 2, e.g. 5)");
            }
            opt.k = (unsigned)v;
            break;
        case 'e':
            if (cli_parse_number(optarg, 1e-6, 1e6, &opt.epsilon) != 0) {
                return cli_usage_error("export", "--epsilon takes a positive number, e.g. 1");
            }
            break;
        case 'f':
            opt.format = optarg;
            break;
        case 't':
            if (strcmp(optarg, "day") == 0 || strcmp(optarg, "hour") == 0) {
                opt.time_grain = optarg[0] == 'h' ? DORF_EXPORT_HOUR : DORF_EXPORT_DAY;
            } else {
                return cli_usage_error("export", "--time takes day or hour, not '%s'", optarg);
            }
            break;
        case 'a':
            at = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("export", "unknown option");
        }
    }
    if (!db || !out) {
        return cli_usage_error("export", "--db FILE and --out DIR are required");
    }
    if (optind < argc) {
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    }
    if (at && dorf_coverage_parse_time(ctx, at, today, &opt.coverage.at) != DORF_OK) {
        return cli_usage_error("export", "--at: %s", dorf_ctx_errmsg(ctx));
    }
    if (dorf_export_check_options(ctx, &opt) != DORF_OK) {
        return cli_usage_error("export", "%s", dorf_ctx_errmsg(ctx));
    }
    dorf_tables_write_fn write = NULL;
    dorf_store *store = NULL;
    dorf_status st = cli_load_table_writer(ctx, &write);
    if (st == DORF_OK) {
        st = dorf_store_open(ctx, db, 0, &store);
    }
    if (!quiet) {
        cli_progress_attach(ctx);
    }
    dorf_export_summary sum;
    if (st == DORF_OK) {
        st = dorf_export_run(ctx, store, db, &opt, write, out, &sum);
    }
    cli_progress_done();
    dorf_store_close(store);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    if (!quiet) {
        printf("exported to %s/ (%zu data file%s and manifest.json)\n"
               "  cells of %s with households or activity: %zu; published %zu, suppressed %zu "
               "(fewer than %u households; %zu households in them)\n"
               "  noise: %s; %zu orders and %zu parcels pseudonymised\n",
               sum.directory, sum.files, sum.files == 1 ? "" : "s",
               opt.cell_m == 1000 ? "1 km" : "100 m", sum.cells_with_households,
               sum.cells_published, sum.cells_suppressed, opt.k, sum.households_suppressed,
               opt.epsilon > 0 ? "Laplace" : "cell-key method", sum.orders, sum.parcels);
    }
    return EXIT_OK;
}
