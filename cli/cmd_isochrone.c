/*
 * cmd_isochrone.c: `dorf isochrone`: the areas reached from a point within several times, as
 * a GeoJSON FeatureCollection (RFC 7946), one Feature per time limit.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dorf/routing.h"

#define MAX_LIMITS 32

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf isochrone --db FILE [--mode walk|bike|car] --minutes M[,M...] LON,LAT\n\n"
            "Prints the areas reached from the coordinate within each time as a GeoJSON\n"
            "FeatureCollection: one Feature per time, in the order given, whose geometry is a\n"
            "Polygon or MultiPolygon (the roads reached, widened by --buffer) and whose\n"
            "properties are minutes, area_m2, mode and snap_m. The areas nest: each contains\n"
            "those of the smaller times. The coordinate is snapped to the nearest road the\n"
            "mode may use.\n\n"
            "options:\n"
            "  --db FILE            the region database\n"
            "  --mode MODE          walk, bike or car (default walk)\n"
            "  --minutes LIST       comma-separated times in minutes, e.g. 5,10,15\n"
            "  --buffer METRES      distance reached on each side of a road (default 50 for\n"
            "                       walking, 100 otherwise)\n"
            "  --reverse            areas from which the coordinate is reached in time\n"
            "  --max-snap METRES    farthest the coordinate may lie from a road (default 1000)\n"
            "  --help               show this help\n");
}

static json_t *ring_json(const dorf_isochrone *iso, const dorf_iso_ring *ring) {
    json_t *coords = json_array();
    for (size_t i = 0; coords && i < ring->point_count; i++) {
        const dorf_point *p = &iso->points[ring->point_first + i];
        if (json_array_append_new(coords, json_pack("[f,f]", p->lon_deg, p->lat_deg)) != 0) {
            json_decref(coords);
            return NULL;
        }
    }
    return coords;
}

static json_t *polygon_json(const dorf_isochrone *iso, const dorf_iso_polygon *poly) {
    json_t *rings = json_array();
    for (size_t r = 0; rings && r < poly->ring_count; r++) {
        if (json_array_append_new(rings, ring_json(iso, &iso->rings[poly->ring_first + r])) != 0) {
            json_decref(rings);
            return NULL;
        }
    }
    return rings;
}

static json_t *isochrone_feature(const dorf_isochrone *iso, double minutes, dorf_mode mode,
                                 const dorf_snap *snap) {
    json_t *geometry = NULL;
    if (iso->polygon_count == 1) {
        geometry = json_pack("{s:s, s:o*}", "type", "Polygon", "coordinates",
                             polygon_json(iso, &iso->polygons[0]));
    } else {
        json_t *polys = json_array();
        for (size_t p = 0; polys && p < iso->polygon_count; p++) {
            if (json_array_append_new(polys, polygon_json(iso, &iso->polygons[p])) != 0) {
                json_decref(polys);
                polys = NULL;
            }
        }
        geometry = json_pack("{s:s, s:o*}", "type", "MultiPolygon", "coordinates", polys);
    }
    if (!geometry || !json_object_get(geometry, "coordinates")) {
        json_decref(geometry);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:{s:f, s:f, s:s, s:f}}", "type", "Feature", "geometry", geometry,
                     "properties", "minutes", minutes, "area_m2", round(iso->area_m2), "mode",
                     dorf_mode_name(mode), "snap_m", round(snap->distance_m * 10) / 10);
}

int cmd_isochrone(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},      {"mode", required_argument, NULL, 'm'},
        {"minutes", required_argument, NULL, 't'}, {"buffer", required_argument, NULL, 'b'},
        {"reverse", no_argument, NULL, 'r'},       {"max-snap", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    dorf_mode mode = DORF_MODE_WALK;
    double minutes[MAX_LIMITS], limits_s[MAX_LIMITS];
    int n = 0;
    double max_snap = 1000;
    dorf_isochrone_options opt = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            if (cli_parse_mode(optarg, &mode) != 0) {
                return cli_usage_error("isochrone", "--mode takes walk, bike or car, not '%s'",
                                       optarg);
            }
            break;
        case 't':
            n = cli_parse_minutes(optarg, minutes, MAX_LIMITS);
            if (n < 0) {
                return cli_usage_error("isochrone",
                                       "--minutes takes up to %d comma-separated times in "
                                       "minutes between 0 and 1440 (e.g. 5,10,15), not '%s'",
                                       MAX_LIMITS, optarg);
            }
            break;
        case 'b':
            if (cli_parse_number(optarg, 1, 10000, &opt.buffer_m) != 0) {
                return cli_usage_error("isochrone", "--buffer takes a width in metres (1-10000)");
            }
            break;
        case 'r':
            opt.reverse = 1;
            break;
        case 's':
            if (cli_parse_number(optarg, 1e-3, 1e7, &max_snap) != 0) {
                return cli_usage_error("isochrone", "--max-snap takes a distance in metres");
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("isochrone", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("isochrone", "--db FILE is required");
    }
    if (n == 0) {
        return cli_usage_error("isochrone", "--minutes M[,M...] is required");
    }
    if (argc - optind != 1) {
        return cli_usage_error("isochrone", "expected one coordinate LON,LAT");
    }
    double lon, lat;
    if (cli_parse_lonlat(argv[optind], &lon, &lat) != 0) {
        return cli_usage_error("isochrone", "'%s' is not LON,LAT in degrees (e.g. 11.57,49.99)",
                               argv[optind]);
    }
    for (int i = 0; i < n; i++) {
        limits_s[i] = minutes[i] * 60;
    }
    dorf_store *store = NULL;
    dorf_graph *graph = NULL;
    dorf_router *router = NULL;
    dorf_snap snap;
    dorf_isochrone iso[MAX_LIMITS];
    int have_iso = 0;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_graph_open(ctx, store, db, mode, &graph);
    }
    if (st == DORF_OK) {
        st = dorf_graph_snap(ctx, graph, lon, lat, max_snap, &snap);
    }
    if (st == DORF_OK) {
        st = dorf_router_new(ctx, graph, &router);
    }
    if (st == DORF_OK) {
        st = dorf_isochrones(ctx, router, &snap, limits_s, (size_t)n, &opt, iso);
        have_iso = st == DORF_OK;
    }
    int rc = EXIT_OK;
    if (st == DORF_OK) {
        json_t *features = json_array();
        for (int i = 0; features && i < n; i++) {
            if (json_array_append_new(features,
                                      isochrone_feature(&iso[i], minutes[i], mode, &snap)) != 0) {
                json_decref(features);
                features = NULL;
            }
        }
        json_t *fc = json_pack("{s:s, s:o*}", "type", "FeatureCollection", "features", features);
        if (!fc || !features || json_dumpf(fc, stdout, JSON_REAL_PRECISION(10)) != 0 ||
            putchar('\n') == EOF || fflush(stdout) != 0) {
            fprintf(stderr, "dorf: cannot write the isochrones\n");
            rc = EXIT_RUNTIME;
        }
        json_decref(fc);
    } else {
        rc = cli_report_failure(ctx, st);
    }
    if (have_iso) {
        dorf_isochrones_release(iso, (size_t)n);
    }
    dorf_router_free(router);
    dorf_graph_free(graph);
    dorf_store_close(store);
    return rc;
}
