/*
 * cmd_coverage.c: `dorf coverage`: who reaches which service in how many minutes
 * (dorf/coverage.h), printed for the region (and per settlement on request) and written per
 * settlement and INSPIRE grid cell for GIS users.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dorf/coverage.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf coverage --db FILE --at WHEN [options]\n\n"
            "For every household, the travel time to the nearest place of each category that\n"
            "is open at WHEN, walking, cycling and driving; printed as the share of persons\n"
            "within each threshold for the whole region, and written per settlement and per\n"
            "INSPIRE grid cell (1 km and 100 m, EPSG:3035) with --out.\n\n"
            "options:\n"
            "  --db FILE            the region database (made by `dorf import`)\n"
            "  --at WHEN            \"Tue 10:00\" (the next Tuesday from today) or\n"
            "                       \"2026-12-01 10:00\"\n"
            "  --categories LIST    comma-separated categories (default\n"
            "                       grocery,bakery,pharmacy,doctor,post,bus_stop)\n"
            "  --modes LIST         comma-separated: walk,bike,car (default all three)\n"
            "  --thresholds LIST    minutes, increasing (default 5,10,15,30)\n"
            "  --limit MINUTES      longest search; farther is \"not reached\" (default 60)\n"
            "  --holidays CODE      public holidays for PH rules, e.g. DE-BY (default: those\n"
            "                       common to all of Germany)\n"
            "  --strict-hours       places without understood opening hours count as closed\n"
            "                       (default: as open, e.g. bus stops)\n"
            "  --settlements        also print the share per settlement\n"
            "  --volunteers N       also LieferBar access: N volunteers living at households\n"
            "                       (drawn by persons) each running one errand home, place,\n"
            "                       household, home (docs/scenarios.md)\n"
            "  --volunteer-mode M   how they travel: walk, bike (default) or car\n"
            "  --round-trip MIN     the longest errand (default 30)\n"
            "  --seed N             which households the volunteers live at (default 1)\n"
            "  --out FILE           write the summaries (.gpkg: one layer each for the region,\n"
            "                       settlements, 1 km and 100 m cells; .csv, .geojson, .fgb:\n"
            "                       one file each, FILE-<layer>.<ext>)\n"
            "  --quiet              print nothing but errors\n"
            "  --help               show this help\n\n"
            "Times are on the road network between the points where the household's building\n"
            "and the place meet the nearest road the mode may use (docs/scenarios.md).\n");
}

/*
 * Splits a comma-separated list in place; returns the number of items, or cap + 1 when there
 * are too many or one is empty ("5,,10", "5,").
 */
static size_t split_list(char *text, char **items, size_t cap) {
    size_t n = 0;
    for (char *p = text;;) {
        char *comma = strchr(p, ',');
        if (comma) {
            *comma = '\0';
        }
        if (*p == '\0' || n == cap) {
            return cap + 1;
        }
        items[n++] = p;
        if (!comma) {
            return n;
        }
        p = comma + 1;
    }
}

static int parse_categories(char *text, dorf_coverage_options *opt) {
    char *items[DORF_CAT_COUNT + 1];
    size_t n = split_list(text, items, DORF_CAT_COUNT);
    if (n == 0 || n > DORF_CAT_COUNT) {
        return cli_usage_error("coverage", "--categories takes 1 to %d categories", DORF_CAT_COUNT);
    }
    for (size_t i = 0; i < n; i++) {
        if (dorf_category_from_name(items[i], &opt->categories[i]) != DORF_OK) {
            return cli_usage_error("coverage",
                                   "--categories: unknown category '%s' (`dorf info` lists the "
                                   "region's categories)",
                                   items[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (opt->categories[j] == opt->categories[i]) {
                return cli_usage_error("coverage", "--categories: '%s' is named twice", items[i]);
            }
        }
    }
    opt->category_count = n;
    return 0;
}

static const char *weekday_name(const dorf_local_time *t) {
    static const char *const names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
    return names[dorf_weekday(t->year, t->month, t->day)];
}

static void print_share(double part, double whole) {
    if (whole > 0) {
        printf(" %8.1f%%", 100.0 * part / whole);
    } else {
        printf(" %9s", "-");
    }
}

static void print_region(const dorf_coverage *cov, const dorf_coverage_summary *s) {
    const dorf_coverage_zone *z = &s->zones[0];
    printf("%-14s %9s %-9s", "category", "open/all", "mode");
    for (size_t t = 0; t < s->threshold_count; t++) {
        char label[32];
        snprintf(label, sizeof label, "<=%g min", s->thresholds_s[t] / 60);
        printf(" %9s", label);
    }
    printf(" %9s %12s\n", "mean min", "not reached");
    for (size_t c = 0; c < cov->category_count; c++) {
        for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
            if (!(cov->modes & (1u << m))) {
                continue;
            }
            char places[48];
            snprintf(places, sizeof places, "%zu/%zu", cov->open_places[c], cov->total_places[c]);
            printf("%-14s %9s %-9s", dorf_category_name(cov->categories[c]), places,
                   dorf_coverage_access_name((unsigned)m));
            for (size_t t = 0; t < s->threshold_count; t++) {
                print_share(s->persons_within[dorf_coverage_within_index(s, 0, c, m, t)],
                            z->persons);
            }
            size_t i = dorf_coverage_cell_index(s, 0, c, (unsigned)m);
            double reached = s->persons_reached[i];
            if (reached > 0) {
                printf(" %9.1f", s->time_person_s[i] / reached / 60);
            } else {
                printf(" %9s", "-");
            }
            printf("   ");
            print_share(z->persons - reached, z->persons);
            printf("\n");
        }
    }
}

/* Per settlement and mode: the share within the middle threshold for each category. */
static void print_settlements(const dorf_coverage *cov, const dorf_coverage_summary *s) {
    size_t t = s->threshold_count / 2;
    for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
        if (!(cov->modes & (1u << m))) {
            continue;
        }
        printf("\nshare of persons within %g min by %s, per settlement:\n%-24s %7s",
               s->thresholds_s[t] / 60, dorf_coverage_access_name((unsigned)m), "settlement",
               "persons");
        for (size_t c = 0; c < cov->category_count; c++) {
            printf(" %9.9s", dorf_category_name(cov->categories[c]));
        }
        printf("\n");
        for (size_t z = 0; z < s->zone_count; z++) {
            cli_print_padded(s->zones[z].name, 24);
            printf(" %7.0f", s->zones[z].persons);
            for (size_t c = 0; c < cov->category_count; c++) {
                print_share(s->persons_within[dorf_coverage_within_index(s, z, c, m, t)],
                            s->zones[z].persons);
            }
            printf("\n");
        }
    }
}

int cmd_coverage(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"at", required_argument, NULL, 'a'},
        {"categories", required_argument, NULL, 'c'},
        {"modes", required_argument, NULL, 'm'},
        {"thresholds", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {"holidays", required_argument, NULL, 'H'},
        {"strict-hours", no_argument, NULL, 's'},
        {"settlements", no_argument, NULL, 'S'},
        {"volunteers", required_argument, NULL, 'V'},
        {"volunteer-mode", required_argument, NULL, 'M'},
        {"round-trip", required_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 'E'},
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *at = NULL, *out = NULL;
    int quiet = 0, settlements = 0;
    dorf_coverage_options opt;
    memset(&opt, 0, sizeof opt);
    opt.pool = (dorf_coverage_pool){0, DORF_MODE_BIKE, 1800, 1};
    double thresholds[DORF_COVERAGE_MAX_THRESHOLDS] = {300, 600, 900, 1800};
    size_t threshold_count = 4;
    int c, n;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'a':
            at = optarg;
            break;
        case 'c':
            if (parse_categories(optarg, &opt) != 0) {
                return EXIT_USAGE;
            }
            break;
        case 'm':
            if (cli_parse_modes(optarg, &opt.modes) != 0) {
                return cli_usage_error("coverage",
                                       "--modes takes walk, bike and/or car, comma-separated, "
                                       "not '%s'",
                                       optarg);
            }
            break;
        case 't':
            if ((n = cli_parse_thresholds(optarg, thresholds, DORF_COVERAGE_MAX_THRESHOLDS)) < 0) {
                return cli_usage_error("coverage", THRESHOLDS_USAGE, optarg);
            }
            threshold_count = (size_t)n;
            break;
        case 'l': {
            double minutes;
            if (cli_parse_number(optarg, 1, 1440, &minutes) != 0) {
                return cli_usage_error("coverage", "--limit takes 1 to 1440 minutes");
            }
            opt.limit_s = minutes * 60;
            break;
        }
        case 'H':
            opt.holiday_region = optarg;
            break;
        case 's':
            opt.strict_hours = 1;
            break;
        case 'S':
            settlements = 1;
            break;
        case 'V':
        case 'E': {
            double v, max = c == 'V' ? 100000 : 1e15;
            if (cli_parse_number(optarg, 0, max, &v) != 0 || v != (double)(uint64_t)v) {
                return cli_usage_error("coverage", "%s takes a whole number from 0 to %g",
                                       c == 'V' ? "--volunteers" : "--seed", max);
            }
            if (c == 'V') {
                opt.pool.volunteers = (size_t)v;
            } else {
                opt.pool.seed = (uint64_t)v;
            }
            break;
        }
        case 'R': {
            double minutes;
            if (cli_parse_number(optarg, 1, 1440, &minutes) != 0) {
                return cli_usage_error("coverage", "--round-trip takes 1 to 1440 minutes");
            }
            opt.pool.round_trip_s = minutes * 60;
            break;
        }
        case 'M':
            if (cli_parse_mode(optarg, &opt.pool.mode) != 0) {
                return cli_usage_error("coverage",
                                       "--volunteer-mode: '%s' is not walk, bike or car", optarg);
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("coverage", "unknown option");
        }
    }
    if (!db || !at) {
        return cli_usage_error("coverage", "--db FILE and --at WHEN are required");
    }
    if (optind < argc) {
        return cli_usage_error("coverage", "unexpected argument '%s'", argv[optind]);
    }
    dorf_local_time today = cli_today();
    if (dorf_coverage_parse_time(ctx, at, today, &opt.at) != DORF_OK) {
        return cli_usage_error("coverage", "--at: %s", dorf_ctx_errmsg(ctx));
    }
    if (opt.limit_s == 0) {
        opt.limit_s = 3600;
    }
    if (thresholds[threshold_count - 1] > opt.limit_s) {
        return cli_usage_error("coverage",
                               "the largest threshold (%g min) exceeds --limit (%g min)",
                               thresholds[threshold_count - 1] / 60, opt.limit_s / 60);
    }
    unsigned modes = opt.modes ? opt.modes : 7u;
    unsigned graphs_needed = modes | (opt.pool.volunteers ? 1u << opt.pool.mode : 0);

    if (!quiet) {
        cli_progress_attach(ctx);
    }
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_graph *graphs[DORF_MODE_COUNT] = {NULL};
    dorf_coverage cov;
    memset(&cov, 0, sizeof cov);
    dorf_coverage_summary sums[4];
    memset(sums, 0, sizeof sums);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_store_load_region(store, &region);
    }
    for (int m = 0; m < DORF_MODE_COUNT && st == DORF_OK; m++) {
        if (graphs_needed & (1u << m)) {
            st = dorf_graph_open(ctx, store, db, (dorf_mode)m, &graphs[m]);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == DORF_OK) {
        st = dorf_coverage_compute(ctx, region, (const dorf_graph *const *)graphs, &opt, &cov);
    }
    static const dorf_zone_kind kinds[4] = {DORF_ZONE_REGION, DORF_ZONE_SETTLEMENT,
                                            DORF_ZONE_GRID_1KM, DORF_ZONE_GRID_100M};
    for (int k = 0; k < 4 && st == DORF_OK; k++) {
        st = dorf_coverage_summarize(ctx, region, &cov, kinds[k], thresholds, threshold_count,
                                     &sums[k]);
    }
    cli_progress_done();
    if (st == DORF_OK && out) {
        st = cli_write_coverage_tables(ctx, out, &cov, sums, 4);
    }
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else if (!quiet) {
        printf("coverage on %s %04d-%02d-%02d at %02d:%02d: %zu households (%.0f persons), "
               "%zu settlement%s\n",
               weekday_name(&cov.at), cov.at.year, cov.at.month, cov.at.day, cov.at.minute / 60,
               cov.at.minute % 60, cov.household_count, sums[0].zones[0].persons,
               sums[1].zone_count, sums[1].zone_count == 1 ? "" : "s");
        printf("%llu searches in %.3f s (region and graphs loaded in %.3f s)\n\n",
               (unsigned long long)cov.searches, cov.search_s,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
        print_region(&cov, &sums[0]);
        if (settlements) {
            print_settlements(&cov, &sums[1]);
        }
        if (out) {
            printf("\nwritten: %s (%zu settlement%s, %zu cells of 1 km, %zu of 100 m)\n", out,
                   sums[1].zone_count, sums[1].zone_count == 1 ? "" : "s", sums[2].zone_count,
                   sums[3].zone_count);
        }
    }
    for (int k = 0; k < 4; k++) {
        dorf_coverage_summary_release(&sums[k]);
    }
    dorf_coverage_release(&cov);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(graphs[m]);
    }
    dorf_region_free(region);
    dorf_store_close(store);
    return rc;
}
