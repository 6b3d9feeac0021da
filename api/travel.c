/*
 * travel.c: ordering list items by travel time from a point (travel.h).
 *
 * The graphs are opened lazily, one per mode, each under its own mutex, so that the first
 * walking request (which may build the graph from the region, seconds for a district) does not
 * hold up requests by car. An opened graph stays until the server stops; a failure to open is
 * not remembered, so the next request tries again. The graphs are read-only and shared; each
 * request allocates its own router and reach result (dorf/routing.h) and frees them before it
 * answers. One reach search from the origin gives the times to every item (Dijkstra's
 * algorithm, stopped at a limit), instead of one route per item.
 */
#include "travel.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/routing.h"

/* A slow pace of each mode, metres per second, for the search's limit. */
static const double slow_pace_mps[DORF_MODE_COUNT] = {
    [DORF_MODE_WALK] = 4.0 / 3.6,
    [DORF_MODE_BIKE] = 12.0 / 3.6,
    [DORF_MODE_CAR] = 20.0 / 3.6,
};

#define DETOUR_FACTOR 3.0
#define LIMIT_SLACK_S 900.0

struct api_travel {
    char *db_path;
    pthread_mutex_t lock[DORF_MODE_COUNT];
    dorf_graph *graph[DORF_MODE_COUNT]; /* NULL until opened */
};

api_travel *api_travel_new(const char *db_path) {
    api_travel *t = calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    if (!(t->db_path = strdup(db_path))) {
        free(t);
        return NULL;
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        pthread_mutex_init(&t->lock[m], NULL);
    }
    return t;
}

void api_travel_free(api_travel *t) {
    if (!t) {
        return;
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(t->graph[m]);
        pthread_mutex_destroy(&t->lock[m]);
    }
    free(t->db_path);
    free(t);
}

int api_travel_args_read(const api_request *req, const char *sort, int has_near,
                         api_travel_args *out, api_response *res) {
    memset(out, 0, sizeof *out);
    const char *mode = api_query(req, "mode");
    if (!sort || strcmp(sort, "travel_time") != 0) {
        if (mode) {
            api_error(res, 400, "bad_query",
                      "the query argument 'mode' goes with sort=travel_time");
            return -1;
        }
        return 0;
    }
    if (!mode) {
        api_error(res, 400, "bad_query",
                  "sort=travel_time needs the query argument 'mode' (walk, bike or car)");
        return -1;
    }
    int found = 0;
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (strcmp(mode, dorf_mode_name((dorf_mode)m)) == 0) {
            out->mode = (dorf_mode)m;
            found = 1;
        }
    }
    if (!found) {
        api_error(res, 400, "bad_query",
                  "the query argument 'mode' must be walk, bike or car, not '%.16s'", mode);
        return -1;
    }
    if (!has_near) {
        api_error(res, 400, "bad_query",
                  "sort=travel_time needs the query argument 'near' (lon,lat: the origin)");
        return -1;
    }
    out->on = 1;
    return 0;
}

/* The graph of `mode`, opened on first use; NULL after an error answer on `res`. */
static const dorf_graph *graph_of(api_request *req, api_response *res, dorf_mode mode) {
    api_travel *t = api_server_travel(req->server);
    pthread_mutex_lock(&t->lock[mode]);
    dorf_status st = DORF_OK;
    if (!t->graph[mode]) {
        st = dorf_graph_open(req->ctx, req->store, t->db_path, mode, &t->graph[mode]);
    }
    const dorf_graph *g = t->graph[mode];
    pthread_mutex_unlock(&t->lock[mode]);
    if (st == DORF_ENOMEM) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return NULL;
    }
    if (st != DORF_OK) {
        fprintf(stderr, "dorf serve: %s %s: %s\n", req->method, req->path,
                dorf_ctx_errmsg(req->ctx));
        api_error(res, 500, "internal", "the road network for %s cannot be opened",
                  dorf_mode_name(mode));
        return NULL;
    }
    if (dorf_graph_arc_count(g) == 0) {
        api_error(res, 400, "bad_query",
                  "the region has no roads for mode '%s'; sort=travel_time cannot be answered",
                  dorf_mode_name(mode));
        return NULL;
    }
    return g;
}

static int item_cmp(const void *pa, const void *pb) {
    const api_travel_item *a = pa, *b = pb;
    int ra = !isnan(a->time_s), rb = !isnan(b->time_s);
    if (ra != rb) {
        return rb - ra;
    }
    if (ra && a->time_s != b->time_s) {
        return a->time_s < b->time_s ? -1 : 1;
    }
    if (a->distance_m != b->distance_m) {
        return a->distance_m < b->distance_m ? -1 : 1;
    }
    return (a->index > b->index) - (a->index < b->index);
}

int api_travel_order(api_request *req, api_response *res, const api_travel_args *args,
                     double origin_lon_deg, double origin_lat_deg, double radius_m,
                     api_travel_item *items, size_t n) {
    const dorf_graph *g = graph_of(req, res, args->mode);
    if (!g) {
        return -1;
    }
    dorf_snap origin;
    dorf_status st = dorf_graph_snap(req->ctx, g, origin_lon_deg, origin_lat_deg,
                                     API_TRAVEL_MAX_SNAP_M, &origin);
    if (st == DORF_ENOTFOUND) {
        dorf_ctx_clear_error(req->ctx);
        api_error(res, 400, "bad_query", "'near' lies more than %.0f m from any road for mode '%s'",
                  API_TRAVEL_MAX_SNAP_M, dorf_mode_name(args->mode));
        return -1;
    }
    dorf_router *router = NULL;
    dorf_reach_result reach = {0};
    double limit_s = DETOUR_FACTOR * radius_m / slow_pace_mps[args->mode] + LIMIT_SLACK_S;
    if (st == DORF_OK) {
        st = dorf_router_new(req->ctx, g, &router);
    }
    if (st == DORF_OK) {
        st = dorf_reach(router, &origin, 1, limit_s, 0, &reach);
    }
    for (size_t i = 0; i < n && st == DORF_OK; i++) {
        dorf_snap at;
        items[i].time_s = NAN;
        if (dorf_graph_snap(req->ctx, g, items[i].lon_deg, items[i].lat_deg, API_TRAVEL_MAX_SNAP_M,
                            &at) != DORF_OK) {
            dorf_ctx_clear_error(req->ctx);
            continue;
        }
        double t = 0;
        if (dorf_reach_time_at(&reach, &at, &t) == DORF_OK) {
            items[i].time_s = t;
        }
    }
    dorf_reach_release(&reach);
    dorf_router_free(router);
    if (st == DORF_ENOMEM) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return -1;
    }
    if (st != DORF_OK) {
        fprintf(stderr, "dorf serve: %s %s: %s\n", req->method, req->path,
                dorf_ctx_errmsg(req->ctx));
        api_error(res, 500, "internal", "the request could not be completed");
        return -1;
    }
    qsort(items, n, sizeof *items, item_cmp);
    return 0;
}

json_t *api_travel_time_json(double time_s) {
    return isnan(time_s) ? json_null() : json_real(round(time_s * 10) / 10);
}
