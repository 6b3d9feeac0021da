/*
 * cmd_import.c: `dorf import --db FILE EXTRACT`.
 *
 * The extract is read completely before the database is touched; the region is then written
 * in one transaction. A failure or Ctrl-C at any point leaves an existing database as it was,
 * and a database this run created is removed again.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/importers.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out, "usage: dorf import --db DB [options] EXTRACT\n\n"
                 "Builds the region in DB from an OpenStreetMap extract (.osm, .osm.pbf, or\n"
                 "either gzip-compressed): the road graph for walking, cycling and driving,\n"
                 "buildings with estimated households, addresses, shops and services with their\n"
                 "opening hours. Re-importing replaces the region atomically and keeps the\n"
                 "platform data (orders, posts ...). Ctrl-C leaves the database unchanged.\n\n"
                 "options:\n"
                 "  --db DB                        the region database: a file (created if\n"
                 "                                 missing) or postgresql://USER@HOST/DATABASE\n"
                 "  --persons-per-household N      persons per estimated household (default 2.0)\n"
                 "  --quiet                        print nothing on success\n"
                 "  --verbose                      log each phase; twice: each skipped object too\n"
                 "  --help                         show this help\n");
}

/* Checks up front that a new database could be created at `path`. */
static int can_create(const char *path, char *why, size_t why_size) {
    char *copy = strdup(path);
    if (!copy) {
        snprintf(why, why_size, "out of memory");
        return 0;
    }
    const char *dir = dirname(copy);
    int ok = access(dir, W_OK | X_OK) == 0;
    if (!ok) {
        snprintf(why, why_size, "cannot create %s: directory %s is %s", path, dir,
                 errno == ENOENT ? "missing" : "not writable");
    }
    free(copy);
    return ok;
}

static void remove_database(const char *path) {
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char name[4096];
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
}

static void print_report(const char *extract, const char *db, const dorf_import_report *r,
                         const dorf_region *region, double seconds) {
    printf("imported %s into %s in %.2f s\n", extract, db, seconds);
    printf("  roads         %llu ways -> %zu segments between %zu nodes",
           (unsigned long long)r->road_ways, region->edge_count, region->node_count);
    printf(" (%llu highway ways not routable, %llu cut at the extract's edge)\n",
           (unsigned long long)r->skipped_not_routable,
           (unsigned long long)r->skipped_missing_nodes);
    printf("  restrictions  %llu turn restrictions (%llu skipped)\n",
           (unsigned long long)r->restrictions, (unsigned long long)r->skipped_restrictions);
    printf("  buildings     %llu (%llu residential, %llu households, about %.0f persons)\n",
           (unsigned long long)r->buildings, (unsigned long long)r->residential_buildings,
           (unsigned long long)r->households, r->persons);
    printf("  addresses     %llu\n", (unsigned long long)r->addresses);
    printf("  places        %llu (%llu with opening hours, %llu of them not understood)\n",
           (unsigned long long)r->places, (unsigned long long)r->opening_hours,
           (unsigned long long)r->opening_hours_unparsed);
    printf("  map           %llu land cover and water areas, waterways and railways; %llu "
           "settlements\n",
           (unsigned long long)r->map_features, (unsigned long long)r->settlements);
    if (region->issue_count) {
        printf("  %zu import issues recorded: see `dorf info --db %s --issues`\n",
               region->issue_count, db);
    }
}

int cmd_import(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"persons-per-household", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    int quiet = 0;
    int verbose = 0;
    dorf_import_options opts = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'p': {
            if (cli_parse_number(optarg, 0.01, 20, &opts.persons_per_household) != 0) {
                return cli_usage_error("import",
                                       "--persons-per-household takes a number from 0.01 to "
                                       "20, not '%s'",
                                       optarg);
            }
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("import", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("import", "--db FILE is required");
    }
    if (optind != argc - 1) {
        return cli_usage_error("import", "expected exactly one EXTRACT file, got %d",
                               argc - optind);
    }
    const char *extract = argv[optind];

    if (verbose) {
        dorf_ctx_set_log(ctx, verbose > 1 ? DORF_LOG_DEBUG : DORF_LOG_INFO, NULL, NULL);
    }
    /* A PostgreSQL database is never created here: it must exist, so it is opened first. */
    const int pg = dorf_store_is_postgres(db);
    struct stat sb;
    int existed = pg || stat(db, &sb) == 0;
    char why[4200];
    if (!existed && !can_create(db, why, sizeof why)) {
        fprintf(stderr, "dorf: %s\n", why);
        return EXIT_RUNTIME;
    }
    /* Open an existing database first, so that a wrong --db fails before a long import. */
    dorf_store *store = NULL;
    dorf_status st;
    if (existed && (st = dorf_store_open(ctx, db, 0, &store)) != DORF_OK) {
        return cli_report_failure(ctx, st);
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cli_progress_attach(ctx);
    dorf_region *region = NULL;
    dorf_import_report report;
    dorf_import_osm_fn import_osm = NULL;
    st = cli_load_importer(ctx, &import_osm);
    if (st == DORF_OK) {
        st = import_osm(ctx, extract, &opts, &region, &report);
    }
    if (st == DORF_OK && !store) {
        st = dorf_store_open(ctx, db, DORF_STORE_CREATE, &store);
    }
    if (st == DORF_OK) {
        st = dorf_store_replace_region(store, region);
    }
    cli_progress_done();
    dorf_store_close(store);
    if (st != DORF_OK) {
        dorf_region_free(region);
        if (!existed) {
            remove_database(db);
        }
        return cli_report_failure(ctx, st);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet) {
        char label[4096];
        print_report(extract, dorf_store_redact_location(db, label, sizeof label), &report, region,
                     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    dorf_region_free(region);
    return EXIT_OK;
}
