/*
 * travel.h: lists ordered by travel time from a point (travel.c), for the map-aware lists of
 * places, shops and posts (sort=travel_time&mode=walk|bike|car with near=lon,lat).
 *
 * The server owns one api_travel: the road graphs of the three modes, each opened on first use
 * (dorf_graph_open, cached beside the database) under a lock and then shared read-only by all
 * request threads. A request orders its items with one reach search from the snapped origin
 * (dorf_reach) on a router of its own, and reads each item's time at its snapped position.
 */
#ifndef DORF_API_TRAVEL_H
#define DORF_API_TRAVEL_H

#include <stddef.h>

#include "api_internal.h"
#include "dorf/region.h"

#define API_TRAVEL_MAX_SNAP_M 500.0 /* origin and items snap to roads at most this far away */

typedef struct api_travel api_travel;

/* The graphs of the database at `db_path` (not opened yet); NULL when out of memory. */
api_travel *api_travel_new(const char *db_path);

/* Frees the graphs. Accepts NULL. No request may be using them. */
void api_travel_free(api_travel *travel);

/* The server's graphs (server.c). */
api_travel *api_server_travel(api_server *server);

/* What sort=travel_time asks for. */
typedef struct api_travel_args {
    int on;         /* 1: sort=travel_time was given */
    dorf_mode mode; /* from mode= */
} api_travel_args;

/*
 * Reads mode= for a list whose sort= is `sort` (NULL when absent) into *out. With
 * sort=travel_time, mode= is required and must be walk, bike or car, and `has_near` must be
 * set; mode= without sort=travel_time is refused. 0, or -1 after a 400 ("bad_query").
 */
int api_travel_args_read(const api_request *req, const char *sort, int has_near,
                         api_travel_args *out, api_response *res);

/* A list item to order: its position and straight-line distance from the origin. */
typedef struct api_travel_item {
    double lon_deg;
    double lat_deg;
    double distance_m;
    size_t index;  /* the caller's: where the item is in its own list */
    double time_s; /* written: travel time from the origin; NAN when it cannot be reached */
} api_travel_item;

/*
 * Sets each item's time_s from (origin_lon_deg, origin_lat_deg) by `args->mode`, and sorts
 * the items by it: reachable ones by increasing time, then the others; ties by distance_m,
 * then index. An item is unreachable when it lies more than API_TRAVEL_MAX_SNAP_M from a road
 * the mode may use, when no route leads to it, or when the time exceeds the search's limit
 * (three times `radius_m` at a slow pace of the mode, plus a quarter of an hour). 0, or -1
 * after an error answer on `res`: 400 when the region has no roads for the mode or the origin
 * lies too far from them, 503 out of memory, 500 when the graph cannot be opened.
 */
int api_travel_order(api_request *req, api_response *res, const api_travel_args *args,
                     double origin_lon_deg, double origin_lat_deg, double radius_m,
                     api_travel_item *items, size_t n);

/* A JSON value for an item's time: seconds rounded to a tenth, or null. */
json_t *api_travel_time_json(double time_s);

#endif
