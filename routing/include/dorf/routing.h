/*
 * dorf/routing.h: routing on the region's roads for walking, cycling and driving.
 *
 * A dorf_graph is the road network as one travel mode sees it: a compact directed graph in
 * compressed sparse row form, whose arcs carry travel times in milliseconds computed from
 * the mode's profile (docs/routing.md). It is built from a stored region and kept in a cache
 * file beside the database, which later runs map into memory instead of rebuilding.
 *
 * Coordinates are snapped to the nearest road segment the mode may use; a route runs from
 * the snapped point, along the segment, through the graph, to the snapped target point.
 * Searches need a dorf_router: the per-thread working memory of the search algorithms.
 * A graph is read-only once built and may be shared by threads, each with its own router.
 */
#ifndef DORF_ROUTING_H
#define DORF_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/region.h"
#include "dorf/store.h"

typedef struct dorf_graph dorf_graph;
typedef struct dorf_router dorf_router;

/* Travel speed of a segment for a mode, in km/h, from its class, surface and speed limit. */
double dorf_profile_speed_kmh(dorf_mode mode, const dorf_road_edge *segment);

/*
 * Builds the graph of `mode` from a region. *out is freed with dorf_graph_free().
 * Errors: DORF_ENOMEM; DORF_EINVAL when the region is too large for 32-bit ids.
 */
dorf_status dorf_graph_build(dorf_ctx *ctx, const dorf_region *region, dorf_mode mode,
                             dorf_graph **out);

/*
 * The graph of `mode` for the region in `store` at `db_path`: mapped from the cache file
 * `<db_path>.<mode>.graph` when that file belongs to the stored region, else built from the
 * store and written to the cache (a failure to write the cache is only logged).
 */
dorf_status dorf_graph_open(dorf_ctx *ctx, dorf_store *store, const char *db_path,
                            dorf_mode mode, dorf_graph **out);

/* Writes the graph to `path` (via a temporary file renamed into place). */
dorf_status dorf_graph_save(dorf_ctx *ctx, const dorf_graph *graph, const char *path);

/*
 * Maps a graph saved by dorf_graph_save(). DORF_EVERSION when the file is from another
 * version of dorf or another region (`fingerprint`, see dorf_region_fingerprint), DORF_EPARSE
 * when it is damaged.
 */
dorf_status dorf_graph_load(dorf_ctx *ctx, const char *path, uint64_t fingerprint,
                            dorf_graph **out);

/* Frees a graph (unmapping it if it was loaded). Accepts NULL. */
void dorf_graph_free(dorf_graph *graph);

dorf_mode dorf_graph_mode(const dorf_graph *graph);
uint32_t dorf_graph_node_count(const dorf_graph *graph);
uint32_t dorf_graph_arc_count(const dorf_graph *graph);
/* Bytes the graph's arrays take (mapped or allocated). */
size_t dorf_graph_memory_bytes(const dorf_graph *graph);

/* The "segment" of a turn arc: a zero-time arc inside a junction with turn restrictions. */
#define DORF_GRAPH_TURN UINT32_MAX

/*
 * Arc `arc` (0 <= arc < arc count): its tail and head node, travel time in milliseconds,
 * and the road segment it runs along (*against: 1 when it runs from the segment's to node
 * to its from node). Junctions where turn restrictions bind the mode are expanded into
 * several nodes at the same position, joined by turn arcs (segment DORF_GRAPH_TURN, time 0).
 */
void dorf_graph_arc(const dorf_graph *graph, uint32_t arc, uint32_t *tail, uint32_t *head,
                    uint32_t *time_ms, uint32_t *segment, int *against);

/* Position of node `node` in degrees. */
void dorf_graph_node_position(const dorf_graph *graph, uint32_t node, double *lon_deg,
                              double *lat_deg);

/* A hash of what makes a region's graph: its import time and counts. */
uint64_t dorf_region_fingerprint(const dorf_region *region);

/* Where a coordinate lies on the road network. */
typedef struct dorf_snap {
    uint32_t segment;   /* index of the road segment */
    double fraction;    /* position along the segment, 0 at its from node, 1 at its to node */
    double lon_deg;     /* the snapped point */
    double lat_deg;
    double distance_m;  /* from the given coordinate to the snapped point */
} dorf_snap;

/*
 * Snaps (lon, lat) to the nearest point of a segment this graph's mode may use.
 * DORF_ENOTFOUND (with the distance in the message) when none lies within max_distance_m.
 */
dorf_status dorf_graph_snap(dorf_ctx *ctx, const dorf_graph *graph, double lon_deg,
                            double lat_deg, double max_distance_m, dorf_snap *out);

/* A new router (search workspace) for `graph`; free with dorf_router_free(). */
dorf_status dorf_router_new(dorf_ctx *ctx, const dorf_graph *graph, dorf_router **out);
void dorf_router_free(dorf_router *router);

/* A route: time and length, and its shape as points (owned by the route). */
typedef struct dorf_route {
    double time_s;
    double length_m;
    dorf_point *points;
    size_t point_count;
} dorf_route;

/* Frees what a route holds (not the struct). */
void dorf_route_release(dorf_route *route);

/* Search algorithms; all return the same travel time. */
typedef enum dorf_algorithm {
    DORF_ALG_DIJKSTRA = 0,   /* the reference */
    DORF_ALG_BIDIJKSTRA,     /* bidirectional Dijkstra */
} dorf_algorithm;

/*
 * The fastest route from `from` to `to`. With `route` NULL only the time is computed
 * (*time_s). DORF_ENOTFOUND when `to` cannot be reached from `from`.
 */
dorf_status dorf_route_find(dorf_router *router, dorf_algorithm alg, const dorf_snap *from,
                            const dorf_snap *to, double *time_s, dorf_route *route);

#endif
