/*
 * cmd_route.c: `dorf route`: the fastest route between two coordinates, as GeoJSON.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dorf/routing.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf route --db FILE [--mode walk|bike|car] [options] LON,LAT LON,LAT\n\n"
            "Prints the fastest route from the first coordinate to the second as a GeoJSON\n"
            "Feature (a LineString with time_s, length_m and the snap distances). Each\n"
            "coordinate is snapped to the nearest road the mode may use.\n\n"
            "options:\n"
            "  --db FILE            the region database\n"
            "  --mode MODE          walk, bike or car (default car)\n"
            "  --algorithm ALG      ch (contraction hierarchies, kept in DB.MODE.ch), dijkstra\n"
            "                       or bidijkstra (default ch)\n"
            "  --max-snap METRES    farthest a coordinate may lie from a road (default 1000)\n"
            "  --help               show this help\n");
}

static json_t *route_feature(const dorf_route *route, dorf_mode mode, const dorf_snap *from,
                             const dorf_snap *to) {
    json_t *coords = json_array();
    for (size_t i = 0; i < route->point_count; i++) {
        json_array_append_new(
            coords, json_pack("[f,f]", route->points[i].lon_deg, route->points[i].lat_deg));
    }
    return json_pack("{s:s, s:{s:s, s:o}, s:{s:s, s:f, s:f, s:f, s:f}}", "type", "Feature",
                     "geometry", "type", "LineString", "coordinates", coords, "properties", "mode",
                     dorf_mode_name(mode), "time_s", route->time_s, "length_m", route->length_m,
                     "from_snap_m", from->distance_m, "to_snap_m", to->distance_m);
}

int cmd_route(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"mode", required_argument, NULL, 'm'},
        {"algorithm", required_argument, NULL, 'a'},
        {"max-snap", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    dorf_mode mode = DORF_MODE_CAR;
    dorf_algorithm alg = DORF_ALG_BIDIJKSTRA;
    int use_ch = 1, ch_asked = 0; /* ch is the default; bidijkstra if it cannot be had */
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
                return cli_usage_error("route", "--mode takes walk, bike or car, not '%s'", optarg);
            }
            break;
        case 'a':
            use_ch = 0;
            if (strcmp(optarg, "ch") == 0) {
                use_ch = ch_asked = 1;
            } else if (strcmp(optarg, "dijkstra") == 0) {
                alg = DORF_ALG_DIJKSTRA;
            } else if (strcmp(optarg, "bidijkstra") == 0) {
                alg = DORF_ALG_BIDIJKSTRA;
            } else {
                return cli_usage_error("route", "--algorithm takes ch, dijkstra or bidijkstra");
            }
            break;
        case 's':
            if (cli_parse_number(optarg, 1e-3, 1e7, &max_snap) != 0) {
                return cli_usage_error("route", "--max-snap takes a distance in metres");
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("route", "unknown option");
        }
    }
    if (!db) {
        return cli_usage_error("route", "--db FILE is required");
    }
    double lon[2], lat[2];
    if (argc - optind != 2) {
        return cli_usage_error("route", "expected two coordinates LON,LAT LON,LAT");
    }
    for (int i = 0; i < 2; i++) {
        if (cli_parse_lonlat(argv[optind + i], &lon[i], &lat[i]) != 0) {
            return cli_usage_error("route", "'%s' is not LON,LAT in degrees (e.g. 11.57,49.99)",
                                   argv[optind + i]);
        }
    }
    dorf_store *store = NULL;
    dorf_graph *graph = NULL;
    dorf_router *router = NULL;
    dorf_snap snap[2];
    dorf_route route = {0};
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st == DORF_OK) {
        st = dorf_graph_open(ctx, store, db, mode, &graph);
    }
    for (int i = 0; i < 2 && st == DORF_OK; i++) {
        st = dorf_graph_snap(ctx, graph, lon[i], lat[i], max_snap, &snap[i]);
    }
    dorf_ch *ch = NULL;
    dorf_ch_router *ch_router = NULL;
    if (st == DORF_OK && use_ch) {
        st = dorf_ch_open(ctx, graph, db, &ch);
        if (st != DORF_OK && st != DORF_EINTR && !ch_asked) {
            dorf_log(ctx, DORF_LOG_WARN, "using bidirectional Dijkstra: %s", dorf_ctx_errmsg(ctx));
            dorf_ctx_clear_error(ctx);
            use_ch = 0;
            st = DORF_OK;
        }
    }
    if (st == DORF_OK && use_ch) {
        st = dorf_ch_router_new(ctx, ch, &ch_router);
        if (st == DORF_OK) {
            st = dorf_ch_route(ch_router, &snap[0], &snap[1], NULL, &route);
        }
    } else if (st == DORF_OK) {
        st = dorf_router_new(ctx, graph, &router);
        if (st == DORF_OK) {
            st = dorf_route_find(router, alg, &snap[0], &snap[1], NULL, &route);
        }
    }
    int rc = EXIT_OK;
    if (st == DORF_OK) {
        json_t *feature = route_feature(&route, mode, &snap[0], &snap[1]);
        if (!feature || json_dumpf(feature, stdout, JSON_REAL_PRECISION(10)) != 0) {
            fprintf(stderr, "dorf: cannot write the route\n");
            rc = EXIT_RUNTIME;
        }
        putchar('\n');
        json_decref(feature);
    } else {
        rc = cli_report_failure(ctx, st);
    }
    dorf_route_release(&route);
    dorf_router_free(router);
    dorf_ch_router_free(ch_router);
    dorf_ch_free(ch);
    dorf_graph_free(graph);
    dorf_store_close(store);
    return rc;
}
