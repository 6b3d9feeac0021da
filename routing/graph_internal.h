/*
 * graph_internal.h: the layout of a dorf_graph, shared by the routing sources.
 *
 * All arrays of a graph live in one block that starts with struct graph_header, so that the
 * block can be written to a file as it is and mapped back (dorf_graph_save/load). Arcs are
 * stored twice over: by tail (first_out/head, for forward searches) and by head
 * (first_in/in_arc, for backward searches). Travel times are integer milliseconds, so that
 * every algorithm adds the same numbers and agrees to the millisecond.
 */
#ifndef DORF_GRAPH_INTERNAL_H
#define DORF_GRAPH_INTERNAL_H

#include <stdint.h>

#include "dorf/routing.h"

#define GRAPH_MAGIC "DORFGRF"
#define GRAPH_LAYOUT_VERSION 2u
#define NO_ARC UINT32_MAX
#define NO_NODE UINT32_MAX
#define INF_MS UINT32_MAX

enum graph_array {
    GA_FIRST_OUT,       /* uint32[node_count + 1] */
    GA_HEAD,            /* uint32[arc_count] */
    GA_WEIGHT,          /* uint32[arc_count], milliseconds */
    GA_ARC_SEGMENT,     /* uint32[arc_count]: segment << 1 | 1 when against the segment's direction,
                         * or DORF_GRAPH_TURN for a turn arc inside an expanded junction */
    GA_TAIL,            /* uint32[arc_count] */
    GA_FIRST_IN,        /* uint32[node_count + 1] */
    GA_IN_ARC,          /* uint32[arc_count]: arc ids grouped by head */
    GA_NODE_LON,        /* double[node_count] */
    GA_NODE_LAT,        /* double[node_count] */
    GA_SEG_ARC,         /* uint32[2 * segment_count]: forward arc, backward arc (NO_ARC if none) */
    GA_SEG_LENGTH,      /* double[segment_count], metres */
    GA_SEG_POINT_FIRST, /* uint32[segment_count] */
    GA_SEG_POINT_COUNT, /* uint32[segment_count] */
    GA_POINTS,          /* double[2 * point_count]: lon, lat */
    GA_COUNT
};

struct graph_header {
    char magic[8];
    uint32_t layout_version;
    uint32_t mode;
    uint64_t fingerprint;
    uint32_t node_count;
    uint32_t arc_count;
    uint32_t segment_count;
    uint32_t point_count;
    uint64_t offset[GA_COUNT];
    uint64_t total_size;
};

/* A piece of a segment's shape: the line from point `piece` to point `piece + 1`. */
struct snap_item {
    uint32_t segment;
    uint32_t piece; /* index into the graph's points */
};

/*
 * A uniform grid over the pieces of the segments the mode may use, for snapping. Built in
 * memory when a graph is built or loaded; distances use a local equirectangular projection
 * around the grid's origin, exact to well under 1 % within a region.
 */
struct snap_grid {
    double lon0, lat0; /* origin (south-west corner) */
    double m_per_lon, m_per_lat;
    double cell_m;
    uint32_t cols, rows;
    uint32_t *cell_first; /* cols * rows + 1 */
    struct snap_item *items;
};

struct dorf_graph {
    struct graph_header *hdr;
    size_t block_size;
    int mapped; /* block is an mmap of a cache file */
    dorf_mode mode;
    uint32_t node_count, arc_count, segment_count;
    const uint32_t *first_out, *head, *weight, *arc_segment, *tail, *first_in, *in_arc;
    const double *node_lon, *node_lat;
    const uint32_t *seg_arc;
    const double *seg_length;
    const uint32_t *seg_point_first, *seg_point_count;
    const double *points;
    struct snap_grid grid;
};

/* An arc before the graph is laid out. */
struct raw_arc {
    uint32_t tail;
    uint32_t head;
    uint32_t weight;  /* milliseconds */
    uint32_t segment; /* segment << 1 | against, or DORF_GRAPH_TURN */
};

/* Nodes and arcs of a graph being built. */
struct raw_graph {
    struct raw_arc *arcs;
    size_t arc_count, arc_cap;
    double *lon, *lat;
    size_t node_count, node_cap;
};

void raw_graph_release(struct raw_graph *rg);

/*
 * Expands each junction where a turn restriction binds `mode` (turns.c): the junction gets
 * one node per arriving and one per leaving arc, joined by zero-time turn arcs for exactly
 * the turns allowed, so that ordinary searches obey the restrictions.
 */
dorf_status graph_expand_turns(dorf_ctx *ctx, const dorf_region *r, dorf_mode mode,
                               struct raw_graph *rg);

/* Points the array pointers of `g` into its block. */
void graph_bind_arrays(dorf_graph *g);

/*
 * Sets snappable[s] for each segment: 1 when the mode may use it and both its ends lie in a
 * large strongly connected component (components.c), so that routes lead to and from it
 * (within that component: two large components unconnected by roads stay unconnected).
 */
dorf_status graph_mark_snappable(dorf_ctx *ctx, const dorf_graph *g, uint8_t *snappable);

/*
 * Where the cache file `<mode>.<ext>` ("graph", "ch") of the store at `db_path` lives
 * (dorf_store_derived_path: beside a file, or in the cache folder for PostgreSQL), in path.
 * *cached is 0, with a warning logged, when no cache folder can be had: the caller then
 * builds without a cache. DORF_EINVAL (the path does not fit) is the only error.
 */
dorf_status graph_cache_path(dorf_ctx *ctx, const char *db_path, dorf_mode mode, const char *ext,
                             char *path, size_t size, int *cached);

/* Builds the snapping grid of a bound graph, over its snappable segments. */
dorf_status graph_build_snap_grid(dorf_ctx *ctx, dorf_graph *g);

#endif
