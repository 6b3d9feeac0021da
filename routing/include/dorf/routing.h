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
 * store and written to the cache (a failure to write the cache is only logged). For a
 * PostgreSQL `db_path` the cache is in the cache folder instead (dorf_store_derived_path).
 */
dorf_status dorf_graph_open(dorf_ctx *ctx, dorf_store *store, const char *db_path, dorf_mode mode,
                            dorf_graph **out);

/* Writes the graph to `path` (via a temporary file renamed into place). */
dorf_status dorf_graph_save(dorf_ctx *ctx, const dorf_graph *graph, const char *path);

/*
 * Maps a graph of `mode` saved by dorf_graph_save(). DORF_EVERSION when the file is from
 * another version of dorf, another region (`fingerprint`, see dorf_region_fingerprint) or
 * another mode; DORF_EPARSE when it is damaged.
 */
dorf_status dorf_graph_load(dorf_ctx *ctx, const char *path, dorf_mode mode, uint64_t fingerprint,
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

/* The same hash for the region in a store, from its stamp (a few rows, not the region). */
dorf_status dorf_store_fingerprint(dorf_ctx *ctx, dorf_store *store, uint64_t *out);

/* Where a coordinate lies on the road network. */
typedef struct dorf_snap {
    uint32_t segment; /* index of the road segment */
    double fraction;  /* position along the segment, 0 at its from node, 1 at its to node */
    double lon_deg;   /* the snapped point */
    double lat_deg;
    double distance_m; /* from the given coordinate to the snapped point */
} dorf_snap;

/*
 * Snaps (lon, lat) to the nearest point of a segment this graph's mode may use.
 * DORF_ENOTFOUND (with the distance in the message) when none lies within max_distance_m.
 */
dorf_status dorf_graph_snap(dorf_ctx *ctx, const dorf_graph *graph, double lon_deg, double lat_deg,
                            double max_distance_m, dorf_snap *out);

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
    DORF_ALG_DIJKSTRA = 0, /* the reference */
    DORF_ALG_BIDIJKSTRA,   /* bidirectional Dijkstra */
} dorf_algorithm;

/*
 * The fastest route from `from` to `to`. With `route` NULL only the time is computed
 * (*time_s). DORF_ENOTFOUND when `to` cannot be reached from `from`.
 */
dorf_status dorf_route_find(dorf_router *router, dorf_algorithm alg, const dorf_snap *from,
                            const dorf_snap *to, double *time_s, dorf_route *route);

/*
 * Reach (reach.c): one search from one or many sources to every node within a time limit,
 * for coverage ("time from each household to the nearest shop") and isochrones.
 */

#define DORF_REACH_NONE UINT32_MAX /* time_ms and source of a node beyond the limit */

/*
 * The result of a reach search. time_ms and source are dense arrays indexed by node id, so a
 * caller reads a node's time in O(1); `reached` lists the reached nodes for iterating. The
 * fields after `reached_count` are private to reach.c. Start from a zeroed struct; a result
 * may be passed to dorf_reach() again (its memory is reused) and is freed with
 * dorf_reach_release().
 */
typedef struct dorf_reach_result {
    const dorf_graph *graph; /* the graph searched (not owned) */
    int reverse;             /* 0: times from the nearest source; 1: times to the nearest */
    uint32_t limit_ms;       /* the search's limit, milliseconds */
    uint32_t node_count;     /* length of time_ms and source */
    uint32_t *time_ms;       /* [node_count]: travel time, DORF_REACH_NONE beyond the limit */
    uint32_t *source;        /* [node_count]: index into the sources of a nearest one */
    uint32_t *reached;       /* [reached_count]: reached nodes by increasing time */
    uint32_t reached_count;
    /* private */
    struct dorf_reach_seed *seeds; /* the sources, sorted by segment and fraction */
    size_t seed_count, seed_cap;
} dorf_reach_result;

/*
 * Times from the nearest of `sources` (source_count >= 0 snapped points of the router's
 * graph) to every node reachable within `limit_s` seconds (INFINITY: no limit), in one
 * search seeded with all sources at once. A node is reached when its time is <= the limit.
 * With `reverse` 1 the search runs over the arcs backwards and gives the times from every
 * node to its nearest source (the sources are then destinations: shops, doctors).
 * Times add the arcs' integer milliseconds exactly as dorf_route_find() does, so both
 * agree to the millisecond. *out is filled as described at dorf_reach_result; on failure it
 * is released. Errors: DORF_EINVAL for a source outside the graph or a negative or NaN
 * limit; DORF_ENOMEM.
 */
dorf_status dorf_reach(dorf_router *router, const dorf_snap *sources, size_t source_count,
                       double limit_s, int reverse, dorf_reach_result *out);

/* Frees what a reach result holds and zeroes it. Accepts NULL. */
void dorf_reach_release(dorf_reach_result *result);

/*
 * The travel time between a snapped point and its nearest source (from the source to the
 * point, or from the point to the source in a reverse result), in seconds, counting a
 * source on the point's own segment directly as dorf_route_find() does. DORF_ENOTFOUND
 * (no message) when the point is beyond the result's limit; DORF_EINVAL for a point
 * outside the graph.
 */
dorf_status dorf_reach_time_at(const dorf_reach_result *result, const dorf_snap *point,
                               double *time_s);

/* A stretch of a segment between two fractions (0 at its from node, 1 at its to node). */
typedef struct dorf_reach_part {
    double from_fraction;
    double to_fraction; /* > from_fraction */
} dorf_reach_part;

/*
 * The stretches of `segment` reached within `limit_s` (at most the result's limit): a
 * segment whose from node is reached at t, with an arc of time w, is reached up to fraction
 * (limit - t) / w; one whose to node is reached, from the other end; one holding a source,
 * around it. Writes up to `cap` disjoint stretches of positive length, in increasing order,
 * to `parts` and returns how many there are (which may exceed `cap`; a segment without
 * sources has at most 2).
 */
size_t dorf_reach_segment_parts(const dorf_reach_result *result, uint32_t segment, double limit_s,
                                dorf_reach_part *parts, size_t cap);

/* Number of road segments in the graph (segment ids run from 0 to this count - 1). */
uint32_t dorf_graph_segment_count(const dorf_graph *graph);

/*
 * Isochrones (isochrone.c): the area reached from a point within each of several time
 * limits, as polygons for maps (GeoJSON).
 */

/* How the reached roads are turned into areas; zeroes mean the defaults below. */
typedef struct dorf_isochrone_options {
    double buffer_m;    /* width around each reached road; default 50 (walk), 100 (bike, car) */
    double simplify_m;  /* tolerance of the outline's simplification; default buffer_m / 5 */
    double min_hole_m2; /* holes smaller than this are filled; default (4 * buffer_m)^2 */
    int reverse;        /* 1: the area from which the point is reached within the limit */
} dorf_isochrone_options;

/*
 * One isochrone: a multipolygon in WGS84 degrees, laid out flat and ready for GeoJSON.
 * Polygon p consists of rings[p.ring_first .. p.ring_first + p.ring_count): its exterior,
 * then its holes. Ring r is points[r.point_first .. r.point_first + r.point_count), closed
 * (the last point repeats the first), exterior rings counter-clockwise and holes clockwise
 * (RFC 7946, section 3.1.6).
 */
typedef struct dorf_iso_polygon {
    size_t ring_first;
    size_t ring_count;
} dorf_iso_polygon;

typedef struct dorf_iso_ring {
    size_t point_first;
    size_t point_count;
} dorf_iso_ring;

typedef struct dorf_isochrone {
    double limit_s;
    double area_m2; /* in the local metric frame used for buffering */
    dorf_iso_polygon *polygons;
    size_t polygon_count;
    dorf_iso_ring *rings;
    size_t ring_count;
    dorf_point *points;
    size_t point_count;
} dorf_isochrone;

/*
 * The isochrones of `source` for `n` time limits `limits_s` (seconds, > 0, any order), from
 * one reach search to the largest limit. Each is the union of the buffers around every road
 * stretch reached within its limit (dorf_reach_segment_parts), computed with GEOS in a local
 * equirectangular frame around the source (metres; exact to ~0.2 % within 15 km),
 * simplified and turned back to degrees. The isochrones are nested: each contains those of
 * the smaller limits (up to the overlay's rounding: slivers far below a square millimetre).
 * `options` NULL means the defaults. Fills out[0 .. n) in the order of `limits_s`; free with
 * dorf_isochrones_release(). Errors: DORF_EINVAL (bad limits or options, source outside the graph),
 * DORF_ENOMEM, DORF_EIO when GEOS fails.
 */
dorf_status dorf_isochrones(dorf_ctx *ctx, dorf_router *router, const dorf_snap *source,
                            const double *limits_s, size_t n, const dorf_isochrone_options *options,
                            dorf_isochrone *out);

/* Frees what `n` isochrones hold (not the array). Accepts NULL. */
void dorf_isochrones_release(dorf_isochrone *isochrones, size_t n);

/*
 * Contraction hierarchies (Geisberger et al., WEA 2008): a graph preprocessed once so that
 * point-to-point queries and travel time matrices settle a few hundred nodes instead of a
 * good part of the graph. Times are exactly those of dorf_route_find (same milliseconds).
 * A dorf_ch refers to its graph, which must outlive it; it is read-only once built and may
 * be shared by threads, each with its own dorf_ch_router.
 */
typedef struct dorf_ch dorf_ch;
typedef struct dorf_ch_router dorf_ch_router;

/*
 * Builds the hierarchy of `graph` (seconds for a district; reports progress as
 * "contracting" and polls the context's interrupt flag). *out is freed with dorf_ch_free().
 * Errors: DORF_ENOMEM; DORF_EINTR when interrupted.
 */
dorf_status dorf_ch_build(dorf_ctx *ctx, const dorf_graph *graph, dorf_ch **out);

/*
 * The hierarchy of `graph`, whose store lies at `db_path`: mapped from the cache file
 * `<db_path>.<mode>.ch` when that file belongs to this graph, else built and written there
 * (a failure to write the cache is only logged; PostgreSQL: in the cache folder, as for
 * dorf_graph_open). Errors as dorf_ch_build().
 */
dorf_status dorf_ch_open(dorf_ctx *ctx, const dorf_graph *graph, const char *db_path,
                         dorf_ch **out);

/* Writes the hierarchy to `path` (via a temporary file renamed into place). DORF_EIO. */
dorf_status dorf_ch_save(dorf_ctx *ctx, const dorf_ch *ch, const char *path);

/*
 * Maps a hierarchy saved by dorf_ch_save() for `graph`. DORF_ENOTFOUND when the file does
 * not exist; DORF_EVERSION when it is from another version of dorf or belongs to another
 * graph (region, mode or size); DORF_EPARSE when it is damaged (every index, edge and
 * shortcut is checked before use).
 */
dorf_status dorf_ch_load(dorf_ctx *ctx, const dorf_graph *graph, const char *path, dorf_ch **out);

/* Frees a hierarchy (unmapping it if it was loaded). Accepts NULL. */
void dorf_ch_free(dorf_ch *ch);

/* Number of shortcuts the hierarchy added to the graph's arcs. */
uint32_t dorf_ch_shortcut_count(const dorf_ch *ch);
/* Bytes the hierarchy's arrays take (mapped or allocated). */
size_t dorf_ch_memory_bytes(const dorf_ch *ch);

/* A new query workspace for `ch`; free with dorf_ch_router_free() (accepts NULL). */
dorf_status dorf_ch_router_new(dorf_ctx *ctx, const dorf_ch *ch, dorf_ch_router **out);
void dorf_ch_router_free(dorf_ch_router *router);

/*
 * The fastest route from `from` to `to`, as dorf_route_find() computes it: *time_s when
 * `time_s` is not NULL, and with `route` not NULL its shape and length too (release with
 * dorf_route_release()). Equally fast routes may take a different (equally fast) way.
 * DORF_ENOTFOUND when `to` cannot be reached; DORF_EINVAL for a snap outside the graph.
 */
dorf_status dorf_ch_route(dorf_ch_router *router, const dorf_snap *from, const dorf_snap *to,
                          double *time_s, dorf_route *route);

/*
 * Travel times in seconds from each of `n` sources to each of `m` targets into times_s
 * (row-major, n * m, caller-allocated): times_s[i * m + j] from sources[i] to targets[j],
 * INFINITY when unreachable. Uses buckets (Knopp et al., ALENEX 2007): n + m searches.
 * Errors: DORF_EINVAL (a snap outside the graph, a matrix too large), DORF_ENOMEM,
 * DORF_EINTR when interrupted (times_s then partly written).
 */
dorf_status dorf_ch_matrix(dorf_ctx *ctx, const dorf_ch *ch, const dorf_snap *sources, size_t n,
                           const dorf_snap *targets, size_t m, double *times_s);

#endif
