/*
 * cmd_scenario.c: `dorf scenario run`: a what-if scenario (dorf/scenario.h) evaluated against
 * the baseline: coverage before and after its edits, who loses or gains access per category
 * and mode, per settlement and grid cell; printed, written as tables and as an HTML report.
 * The stored region is opened read-only and never changed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/coverage.h"
#include "dorf/scenario.h"
#include "dorf/store.h"

#define MAX_FILE_BYTES (1u << 20)

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf scenario run --db FILE [options] SCENARIO.json\n\n"
            "Evaluates a what-if scenario (edits: close or open a place, change its opening\n"
            "hours, close a road; docs/scenarios.md) against the region's baseline: coverage\n"
            "before and after, the persons losing and gaining access per category and mode,\n"
            "and the most affected settlements. The region itself is never changed.\n\n"
            "options:\n"
            "  --db FILE            the region database (made by `dorf import`)\n"
            "  --at WHEN            when places must be open (overrides the file's \"at\"):\n"
            "                       \"Tue 10:00\" or \"2026-12-01 10:00\"\n"
            "  --modes LIST         walk,bike,car (default all three)\n"
            "  --thresholds LIST    minutes, increasing (default 5,10,15,30); the middle one\n"
            "                       (15) is the one the summary and report rank by\n"
            "  --holidays CODE      public holidays for PH rules, e.g. DE-BY\n"
            "  --volunteers N       the baseline's LieferBar pool (default 0; a \"volunteers\"\n"
            "                       edit sets the scenario's)\n"
            "  --out FILE           write the change per region, settlement and 1 km and\n"
            "                       100 m cell (.gpkg, .csv, .geojson, .fgb)\n"
            "  --report FILE.html   write a self-contained HTML report (map, charts, tables)\n"
            "  --quiet              print nothing but errors\n"
            "  --help               show this help\n");
}

/* Reads the whole file (at most MAX_FILE_BYTES) into a malloc'ed buffer. */
static dorf_status read_file(dorf_ctx *ctx, const char *path, char **text, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return dorf_fail(ctx, errno == ENOENT ? DORF_ENOTFOUND : DORF_EIO, "%s: %s", path,
                         strerror(errno));
    }
    char *buf = malloc(MAX_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return dorf_fail(ctx, buf ? DORF_EIO : DORF_ENOMEM, "%s: cannot read it", path);
    }
    if (n > MAX_FILE_BYTES) {
        free(buf);
        return dorf_fail(ctx, DORF_EINVAL, "%s: larger than %u bytes; not a scenario file", path,
                         MAX_FILE_BYTES);
    }
    *text = buf;
    *size = n;
    return DORF_OK;
}

static const char *place_label(const dorf_region *r, char type, int64_t id) {
    for (size_t i = 0; i < r->place_count; i++) {
        if (r->places[i].osm_type == type && r->places[i].osm_id == id) {
            return r->places[i].name ? r->places[i].name
                                     : dorf_category_name(r->places[i].category);
        }
    }
    return "?";
}

static void print_edits(const dorf_scenario *s, const dorf_region *base) {
    for (size_t i = 0; i < s->edit_count; i++) {
        const dorf_edit *e = &s->edits[i];
        switch (e->kind) {
        case DORF_EDIT_CLOSE_PLACE:
            printf("  %zu. close %c%lld (%s)\n", i + 1, e->osm_type, (long long)e->osm_id,
                   place_label(base, e->osm_type, e->osm_id));
            break;
        case DORF_EDIT_SET_HOURS:
            printf("  %zu. opening hours of %c%lld (%s): %s\n", i + 1, e->osm_type,
                   (long long)e->osm_id, place_label(base, e->osm_type, e->osm_id),
                   e->opening_hours);
            break;
        case DORF_EDIT_ADD_PLACE:
            printf("  %zu. open %s (%s) at %.5f,%.5f%s%s\n", i + 1, e->name,
                   dorf_category_name(e->category), e->lon_deg, e->lat_deg,
                   e->opening_hours ? ", " : "", e->opening_hours ? e->opening_hours : "");
            break;
        case DORF_EDIT_CLOSE_ROAD:
            printf("  %zu. close way %lld for %s%s%s\n", i + 1, (long long)e->osm_id,
                   e->modes & DORF_ACCESS_WALK ? "walk " : "",
                   e->modes & DORF_ACCESS_BIKE ? "bike " : "",
                   e->modes & DORF_ACCESS_CAR ? "car" : "");
            break;
        case DORF_EDIT_VOLUNTEERS:
            printf("  %zu. a LieferBar pool of %zu volunteers by %s, errands of at most %g min\n",
                   i + 1, e->pool.volunteers, dorf_mode_name(e->pool.mode),
                   e->pool.round_trip_s / 60);
            break;
        }
    }
}

static void print_change(const dorf_coverage *cov, const dorf_coverage_summary *s) {
    size_t t = s->threshold_count / 2;
    double persons = s->zones[0].persons;
    printf("\nwithin %g min          before      after    lost persons  gained persons\n",
           s->thresholds_s[t] / 60);
    for (size_t c = 0; c < cov->category_count; c++) {
        for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
            if (!(cov->modes & (1u << m))) {
                continue;
            }
            size_t i = dorf_coverage_within_index(s, 0, c, (unsigned)m, t);
            printf("%-12s %-9s %5.1f%% %9.1f%% %15.0f %15.0f\n",
                   dorf_category_name(cov->categories[c]), dorf_coverage_access_name((unsigned)m),
                   persons > 0 ? 100 * s->before_within[i] / persons : 0,
                   persons > 0 ? 100 * s->persons_within[i] / persons : 0, s->persons_lost[i],
                   s->persons_gained[i]);
        }
    }
}

/* The settlements with the most persons losing access (any category and mode), at most 10. */
static void print_affected(const dorf_coverage_summary *s) {
    size_t t = s->threshold_count / 2;
    size_t n = s->zone_count;
    double *net = calloc(n ? n : 1, sizeof *net);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    if (!net || !order) {
        free(net);
        free(order);
        return;
    }
    dorf_coverage_rank_change(s, t, order, net);
    printf("\nmost affected settlements (persons gaining minus losing access within %g min,\n"
           "summed over categories and modes):\n",
           s->thresholds_s[t] / 60);
    size_t shown = 0;
    for (size_t k = 0; k < n && shown < 10 && net[order[k]] != 0; k++, shown++) {
        printf("  ");
        cli_print_padded(s->zones[order[k]].name, 28);
        printf(" %6.0f persons, net %+.0f\n", s->zones[order[k]].persons, net[order[k]]);
    }
    if (shown == 0) {
        printf("  none: no settlement's access changes\n");
    }
    free(net);
    free(order);
}

/* Writes the HTML report under a temporary name and renames it into place. */
static dorf_status write_report(dorf_ctx *ctx, const char *path,
                                const dorf_scenario_report_input *in) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    /* mkstemp makes the file private; a report is a normal file, readable as umask allows. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        close(fd);
        unlink(tmp);
        return dorf_fail(ctx, DORF_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    FILE *f = fdopen(fd, "w");
    dorf_status st = f ? dorf_scenario_report_html(ctx, in, f) : DORF_EIO;
    if (f && fclose(f) != 0 && st == DORF_OK) {
        st = dorf_fail(ctx, DORF_EIO, "writing %s: %s", path, strerror(errno));
    }
    if (!f) {
        close(fd);
        st = dorf_fail(ctx, DORF_EIO, "cannot write %s", path);
    }
    if (st == DORF_OK && rename(tmp, path) != 0) {
        st = dorf_fail(ctx, DORF_EIO, "cannot move the report to %s: %s", path, strerror(errno));
    }
    if (st != DORF_OK) {
        unlink(tmp);
    }
    return st;
}

static int run(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"at", required_argument, NULL, 'a'},
        {"modes", required_argument, NULL, 'm'},
        {"thresholds", required_argument, NULL, 't'},
        {"holidays", required_argument, NULL, 'H'},
        {"out", required_argument, NULL, 'o'},
        {"report", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"volunteers", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *at = NULL, *out = NULL, *report = NULL, *holidays = NULL;
    unsigned modes = 0;
    int quiet = 0, c, n;
    /* The baseline's volunteer pool (--volunteers; none by default), by bike, 30-min errands. */
    dorf_coverage_pool base_pool = {0, DORF_MODE_BIKE, 1800, 1};
    double thresholds[DORF_COVERAGE_MAX_THRESHOLDS] = {300, 600, 900, 1800};
    size_t threshold_count = 4;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'a':
            at = optarg;
            break;
        case 'm':
            if (cli_parse_modes(optarg, &modes) != 0) {
                return cli_usage_error("scenario run",
                                       "--modes takes walk, bike and/or car, comma-separated, "
                                       "not '%s'",
                                       optarg);
            }
            break;
        case 't':
            if ((n = cli_parse_thresholds(optarg, thresholds, DORF_COVERAGE_MAX_THRESHOLDS)) < 0) {
                return cli_usage_error("scenario run", THRESHOLDS_USAGE, optarg);
            }
            threshold_count = (size_t)n;
            break;
        case 'H':
            holidays = optarg;
            break;
        case 'V': {
            double count;
            if (cli_parse_number(optarg, 0, 100000, &count) != 0 ||
                count != (double)(size_t)count) {
                return cli_usage_error("scenario run", "--volunteers takes 0 to 100000");
            }
            base_pool.volunteers = (size_t)count;
            break;
        }
        case 'o':
            out = optarg;
            break;
        case 'r':
            report = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("scenario run", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("scenario run", "--db FILE is required");
    }
    if (optind + 1 != argc) {
        return cli_usage_error("scenario run", "name one scenario file");
    }
    if (thresholds[threshold_count - 1] > 3600) {
        return cli_usage_error("scenario run", "thresholds above 60 minutes are not searched");
    }
    const char *path = argv[optind];
    char *text = NULL;
    size_t size = 0;
    dorf_scenario *scenario = NULL;
    dorf_status st = read_file(ctx, path, &text, &size);
    if (st == DORF_OK) {
        st = dorf_scenario_parse(ctx, path, text, size, &scenario);
    }
    free(text);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    dorf_coverage_options opt;
    memset(&opt, 0, sizeof opt);
    opt.modes = modes;
    opt.holiday_region = holidays;
    opt.pool = base_pool;
    opt.category_count = scenario->category_count;
    memcpy(opt.categories, scenario->categories, sizeof opt.categories);
    const char *when = at ? at : scenario->at;
    if (!when) {
        dorf_scenario_free(scenario);
        return cli_usage_error("scenario run",
                               "say when places must be open: --at \"Tue 10:00\", or \"at\" in "
                               "the scenario file");
    }
    dorf_local_time today = cli_today();
    if (dorf_coverage_parse_time(ctx, when, today, &opt.at) != DORF_OK) {
        dorf_scenario_free(scenario);
        return cli_usage_error("scenario run", "%s: %s", at ? "--at" : "the file's \"at\"",
                               dorf_ctx_errmsg(ctx));
    }
    unsigned use = modes ? modes : 7u;

    if (!quiet) {
        cli_progress_attach(ctx);
    }
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_scenario_region *edited = NULL;
    dorf_graph *base_graphs[DORF_MODE_COUNT] = {NULL}, *edit_graphs[DORF_MODE_COUNT] = {NULL};
    dorf_coverage before, after;
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    dorf_coverage_summary sums[4];
    memset(sums, 0, sizeof sums);
    st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_store_load_region(store, &region);
    }
    if (st == DORF_OK) {
        st = dorf_scenario_apply(ctx, region, scenario, &edited);
    }
    int roads = st == DORF_OK && dorf_scenario_changes_roads(scenario);
    /* The pool after the edits; its volunteers need the graph of their mode too. */
    dorf_coverage_options after_opt = opt;
    dorf_scenario_pool(scenario, &after_opt.pool);
    if (after_opt.pool.volunteers > 0) {
        use |= 1u << after_opt.pool.mode;
    }
    if (opt.pool.volunteers > 0) {
        use |= 1u << opt.pool.mode;
    }
    for (int m = 0; m < DORF_MODE_COUNT && st == DORF_OK; m++) {
        if (!(use & (1u << m))) {
            continue;
        }
        st = dorf_graph_open(ctx, store, db, (dorf_mode)m, &base_graphs[m]);
        if (st == DORF_OK && roads) {
            st = dorf_graph_build(ctx, dorf_scenario_region_get(edited), (dorf_mode)m,
                                  &edit_graphs[m]);
        }
    }
    if (st == DORF_OK) {
        st = dorf_coverage_compute(ctx, region, (const dorf_graph *const *)base_graphs, &opt,
                                   &before);
    }
    if (st == DORF_OK) {
        st = dorf_coverage_compute(ctx, dorf_scenario_region_get(edited),
                                   (const dorf_graph *const *)(roads ? edit_graphs : base_graphs),
                                   &after_opt, &after);
    }
    static const dorf_zone_kind kinds[4] = {DORF_ZONE_REGION, DORF_ZONE_SETTLEMENT,
                                            DORF_ZONE_GRID_1KM, DORF_ZONE_GRID_100M};
    for (int k = 0; k < 4 && st == DORF_OK; k++) {
        st = dorf_coverage_summarize_change(ctx, region, &before, &after, kinds[k], thresholds,
                                            threshold_count, &sums[k]);
    }
    cli_progress_done();
    if (st == DORF_OK && out) {
        st = cli_write_coverage_tables(ctx, out, &after, sums, 4);
    }
    if (st == DORF_OK && report) {
        dorf_scenario_report_input in = {.scenario = scenario,
                                         .base = region,
                                         .coverage = &after,
                                         .region = &sums[0],
                                         .settlements = &sums[1],
                                         .grid = &sums[2]};
        st = write_report(ctx, report, &in);
    }
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else if (!quiet) {
        printf("scenario: %s\n", scenario->name);
        print_edits(scenario, region);
        printf("coverage on %04d-%02d-%02d at %02d:%02d, %zu households (%.0f persons); %llu + "
               "%llu searches\n",
               after.at.year, after.at.month, after.at.day, after.at.minute / 60,
               after.at.minute % 60, after.household_count, sums[0].zones[0].persons,
               (unsigned long long)before.searches, (unsigned long long)after.searches);
        print_change(&after, &sums[0]);
        print_affected(&sums[1]);
        if (out) {
            printf("\nwritten: %s\n", out);
        }
        if (report) {
            printf("report: %s\n", report);
        }
    }
    for (int k = 0; k < 4; k++) {
        dorf_coverage_summary_release(&sums[k]);
    }
    dorf_coverage_release(&before);
    dorf_coverage_release(&after);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(base_graphs[m]);
        dorf_graph_free(edit_graphs[m]);
    }
    dorf_scenario_region_free(edited);
    dorf_region_free(region);
    dorf_store_close(store);
    dorf_scenario_free(scenario);
    return rc;
}

int cmd_scenario(dorf_ctx *ctx, int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "run") != 0) {
        return cli_usage_error("scenario", "unknown subcommand '%s' (there is: run)", argv[1]);
    }
    return run(ctx, argc - 1, argv + 1);
}
