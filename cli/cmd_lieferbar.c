/*
 * cmd_lieferbar.c: `dorf lieferbar plan`: plans a LieferBar day of the region (parcels from
 * its shops to its households, carried by volunteers) on real travel times, and writes the
 * routes as GeoJSON (dorf/lieferbar.h). Until the platform's own orders exist, the day is a
 * synthetic one, reproducible from its seed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/lieferbar.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out, "usage: dorf lieferbar plan --db FILE [options]\n\n"
                 "Plans a LieferBar day: the open parcels of the region, from its shops to its\n"
                 "households, for the volunteers available that day, on real travel times by\n"
                 "foot, bike and car. Every route keeps within what its volunteer offered: their\n"
                 "time, their bag and the detour they accept beyond a trip they make anyway.\n"
                 "Until the platform keeps orders, the day is synthetic, the same for the same\n"
                 "region, date, seed and counts. Writes the routes, their stops and the parcels\n"
                 "left unserved as GeoJSON, and a summary to standard error.\n\n"
                 "options:\n"
                 "  --db FILE            the region database\n"
                 "  --date YYYY-MM-DD    the day (default today): which shops are open\n"
                 "  --parcels N          parcels of the synthetic day (default 30)\n"
                 "  --volunteers N       volunteers of the synthetic day (default 10)\n"
                 "  --seed N             seed of the synthetic day and the optimiser (default 1)\n"
                 "  --time SECONDS       the optimiser's time budget (default 2)\n"
                 "  --max-snap METRES    farthest a home, shop or household may lie from a road\n"
                 "                       (default 500)\n"
                 "  --out FILE           write the GeoJSON there instead of to standard output\n"
                 "  --quiet              print no summary\n"
                 "  --help               show this help\n");
}

/* A whole number in [0, max]; -1 when malformed or out of range. */
static int parse_count(const char *text, unsigned long long max, unsigned long long *out) {
    char *end = NULL;
    errno = 0;
    if (*text < '0' || *text > '9') {
        return -1;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end != '\0' || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

static void print_summary(const dorf_lieferbar_day *day, const dorf_lieferbar_plan *plan,
                          const char *out_path) {
    static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                           "Friday", "Saturday", "Sunday"};
    const dorf_local_time *d = &day->date;
    size_t no_road = 0;
    for (size_t i = 0; i < plan->unserved_count; i++) {
        no_road += plan->unserved[i].reason == DORF_LIEFERBAR_NO_ROAD;
    }
    fprintf(stderr, "LieferBar, %s %04d-%02d-%02d (seed %llu): %zu parcels, %zu volunteers\n",
            weekdays[dorf_weekday(d->year, d->month, d->day)], d->year, d->month, d->day,
            (unsigned long long)day->seed, day->parcel_count, day->volunteer_count);
    for (size_t r = 0; r < plan->route_count; r++) {
        const dorf_lieferbar_route *route = &plan->routes[r];
        const dorf_lieferbar_volunteer *v = &day->volunteers[route->volunteer];
        char from[8], back[8];
        dorf_lieferbar_format_time(route->departure_s, from);
        dorf_lieferbar_format_time(route->return_s, back);
        fprintf(stderr,
                "  volunteer %-4u %-4s %s-%s  %zu parcel%s, travel %.0f min, detour %.0f of "
                "%.0f min%s\n",
                v->id, dorf_mode_name(v->mode), from, back, route->parcel_count,
                route->parcel_count == 1 ? "" : "s", route->travel_s / 60, route->detour_s / 60,
                v->max_detour_s / 60, v->has_trip ? " (on their own trip)" : "");
    }
    fprintf(stderr, "  served     %zu of %zu parcels by %zu volunteers", plan->parcels_served,
            day->parcel_count, plan->volunteers_used);
    if (plan->volunteers_unusable) {
        fprintf(stderr, " (%zu volunteers could not take part)", plan->volunteers_unusable);
    }
    fprintf(stderr, "\n  unserved   %zu", plan->unserved_count);
    if (no_road) {
        fprintf(stderr, " (%zu not near a road)", no_road);
    }
    fprintf(stderr, "\n  travel     %.0f min, of which detours %.0f min\n", plan->travel_s / 60,
            plan->detour_s / 60);
    fprintf(stderr, "  optimiser  %.2f s, %llu iterations\n", plan->optimiser_s,
            (unsigned long long)plan->stats.iterations);
    if (out_path) {
        fprintf(stderr, "  routes     %s\n", out_path);
    }
}

/* Writes the plan to `path` (standard output when NULL); on failure removes the file. */
static dorf_status write_plan(dorf_ctx *ctx, const dorf_lieferbar_plan *plan, const char *path) {
    if (!path) {
        return dorf_lieferbar_plan_write_geojson(ctx, plan, stdout);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    }
    dorf_status st = dorf_lieferbar_plan_write_geojson(ctx, plan, f);
    if (fclose(f) != 0 && st == DORF_OK) {
        st = dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    }
    if (st != DORF_OK) {
        dorf_fail_prefix(ctx, st, "%s", path);
        unlink(path);
    }
    return st;
}

static int run_plan(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"date", required_argument, NULL, 'D'},
        {"parcels", required_argument, NULL, 'p'},
        {"volunteers", required_argument, NULL, 'v'},
        {"seed", required_argument, NULL, 's'},
        {"time", required_argument, NULL, 't'},
        {"max-snap", required_argument, NULL, 'm'},
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *date_text = NULL, *out_path = NULL;
    unsigned long long parcels = 30, volunteers = 10, seed = 1;
    dorf_lieferbar_plan_options opt = {2.0, 0, 1, 500};
    int quiet = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'D':
            date_text = optarg;
            break;
        case 'p':
            if (parse_count(optarg, 100000, &parcels) != 0) {
                return cli_usage_error("lieferbar plan", "--parcels takes 0 to 100000, not '%s'",
                                       optarg);
            }
            break;
        case 'v':
            if (parse_count(optarg, 100000, &volunteers) != 0) {
                return cli_usage_error("lieferbar plan", "--volunteers takes 0 to 100000, not '%s'",
                                       optarg);
            }
            break;
        case 's':
            if (parse_count(optarg, UINT64_MAX, &seed) != 0) {
                return cli_usage_error("lieferbar plan",
                                       "--seed takes a whole number from 0, not '%s'", optarg);
            }
            break;
        case 't':
            if (cli_parse_number(optarg, 0.01, 86400, &opt.time_limit_s) != 0) {
                return cli_usage_error("lieferbar plan",
                                       "--time takes seconds from 0.01 to 86400, not '%s'", optarg);
            }
            break;
        case 'm':
            if (cli_parse_number(optarg, 1, 1e5, &opt.max_snap_m) != 0) {
                return cli_usage_error("lieferbar plan", "--max-snap takes a distance in metres");
            }
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("lieferbar plan", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("lieferbar plan", "--db FILE is required");
    }
    if (optind != argc) {
        return cli_usage_error("lieferbar plan", "unexpected argument '%s'", argv[optind]);
    }
    dorf_local_time date = {0, 0, 0, 0};
    if (date_text) {
        if (dorf_lieferbar_parse_date(ctx, date_text, &date) != DORF_OK) {
            return cli_usage_error("lieferbar plan", "--date: %s", dorf_ctx_errmsg(ctx));
        }
    } else {
        date = cli_today();
    }
    opt.seed = seed;

    cli_progress_attach(ctx);
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_lieferbar_day *day = NULL;
    dorf_lieferbar_plan *plan = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_store_load_region(store, &region);
    }
    if (st == DORF_OK) {
        st = dorf_lieferbar_day_generate(ctx, region, date, seed, (size_t)parcels,
                                         (size_t)volunteers, &day);
    }
    /* The plan needs the roads only, through the caches; the region can go. */
    dorf_region_free(region);
    if (st == DORF_OK) {
        st = dorf_lieferbar_plan_day(ctx, store, db, day, &opt, &plan);
    }
    if (st == DORF_OK && plan->interrupted) {
        st = dorf_fail(ctx, DORF_EINTR, "interrupted; no plan written");
    }
    cli_progress_done();
    if (st == DORF_OK) {
        st = write_plan(ctx, plan, out_path);
    }
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else if (!quiet) {
        print_summary(day, plan, out_path);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    dorf_store_close(store);
    return rc;
}

int cmd_lieferbar(dorf_ctx *ctx, int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "plan") != 0) {
        return cli_usage_error("lieferbar", "unknown subcommand '%s' (there is: plan)", argv[1]);
    }
    return run_plan(ctx, argc - 1, argv + 1);
}
