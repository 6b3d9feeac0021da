/*
 * cmd_info.c: `dorf info --db FILE`: what a region holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out, "usage: dorf info --db FILE [--issues[=KIND]]\n\n"
                 "Prints what the region in FILE holds: counts per layer and category, the\n"
                 "bounding box and the metric CRS.\n\n"
                 "options:\n"
                 "  --db FILE        the region database\n"
                 "  --issues         also list what the import skipped or did not understand\n"
                 "  --issues=KIND    only issues of KIND (opening_hours, way, restriction)\n"
                 "  --help           show this help\n");
}

static int print_issue(void *user, const dorf_import_issue *issue) {
    (void)user;
    const char *type = issue->osm_type == 'n'   ? "node"
                       : issue->osm_type == 'w' ? "way"
                                                : "relation";
    printf("  %-14s %s/%lld: %s\n", issue->kind, type, (long long)issue->osm_id, issue->detail);
    return 0;
}

static void print_summary(const char *db, const dorf_region_summary *s) {
    printf("region         %s (schema version %d)\n", db, s->schema_version);
    if (!s->has_region) {
        printf("nothing imported yet: run `dorf import --db %s EXTRACT`\n", db);
        return;
    }
    printf("source         %s\n", s->source);
    printf("imported at    %s\n", s->imported_at);
    printf("crs            EPSG:%d\n", s->crs_epsg);
    printf("bbox           %.6f,%.6f,%.6f,%.6f (min lon, min lat, max lon, max lat; WGS84)\n",
           s->min_lon_deg, s->min_lat_deg, s->max_lon_deg, s->max_lat_deg);
    printf("road ways      %llu\n", (unsigned long long)s->road_ways);
    printf("road nodes     %llu\n", (unsigned long long)s->road_nodes);
    printf("road segments  %llu\n", (unsigned long long)s->road_edges);
    printf("road km        walk %.1f, bike %.1f, car %.1f\n", s->road_km[DORF_MODE_WALK],
           s->road_km[DORF_MODE_BIKE], s->road_km[DORF_MODE_CAR]);
    printf("restrictions   %llu\n", (unsigned long long)s->turn_restrictions);
    printf("buildings      %llu (%llu residential)\n", (unsigned long long)s->buildings,
           (unsigned long long)s->residential_buildings);
    printf("households     %llu (about %.0f persons)\n", (unsigned long long)s->households,
           s->persons);
    printf("addresses      %llu\n", (unsigned long long)s->addresses);
    printf("places         %llu (%llu shops)\n", (unsigned long long)s->places,
           (unsigned long long)s->shops);
    for (int c = 0; c < DORF_CAT_COUNT; c++) {
        if (s->places_by_category[c]) {
            printf("  %-18s %llu\n", dorf_category_name((dorf_category)c),
                   (unsigned long long)s->places_by_category[c]);
        }
    }
    printf("opening hours  %llu (%llu not understood)\n", (unsigned long long)s->opening_hours,
           (unsigned long long)s->opening_hours_unparsed);
    printf("settlements    %llu\n", (unsigned long long)s->settlements);
    printf("map features   landcover %llu, water %llu, waterways %llu, railways %llu\n",
           (unsigned long long)s->map_features[DORF_MAP_LANDCOVER],
           (unsigned long long)s->map_features[DORF_MAP_WATER],
           (unsigned long long)s->map_features[DORF_MAP_WATERWAY],
           (unsigned long long)s->map_features[DORF_MAP_RAILWAY]);
    printf("import issues  %llu\n", (unsigned long long)s->import_issues);
}

int cmd_info(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"issues", optional_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    int issues = 0;
    const char *issue_kind = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'i':
            issues = 1;
            issue_kind = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("info", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("info", "--db FILE is required");
    }
    if (optind != argc) {
        return cli_usage_error("info", "unexpected argument '%s'", argv[optind]);
    }
    dorf_store *store = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    dorf_region_summary summary;
    st = dorf_store_summarize(store, &summary);
    if (st == DORF_OK) {
        char label[4096]; /* a PostgreSQL location without its password */
        print_summary(dorf_store_redact_location(db, label, sizeof label), &summary);
    }
    if (st == DORF_OK && issues) {
        printf("issues%s%s:\n", issue_kind ? " of kind " : "", issue_kind ? issue_kind : "");
        st = dorf_store_each_issue(store, issue_kind, print_issue, NULL);
    }
    dorf_store_close(store);
    return st == DORF_OK ? EXIT_OK : cli_report_failure(ctx, st);
}
