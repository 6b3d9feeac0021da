/*
 * ch_internal.h: the layout of a dorf_ch (contraction hierarchy), shared by ch_build.c,
 * ch_file.c, ch_query.c and ch_matrix.c.
 *
 * Nodes are numbered by rank (their position in the contraction order), so that the upper
 * levels, where every search ends up, lie together in memory. Each node keeps two lists of
 * edges to higher-ranked nodes: `up` holds the edges leaving it (for forward searches),
 * `down` the edges arriving at it from higher nodes (for backward searches; named for the
 * direction the edge is travelled). An edge is either an arc of the graph (`mid` is its arc
 * id) or a shortcut (`mid` is CH_SHORTCUT | the rank of the node it skips, which is lower
 * than both its ends). Between two nodes there is at most one edge per direction, so a path
 * of ranks unpacks without ambiguity. Like the graph, everything lives in one block behind a
 * header, written to the cache file as it is and mapped back.
 */
#ifndef DORF_CH_INTERNAL_H
#define DORF_CH_INTERNAL_H

#include <stdint.h>

#include "search_internal.h"

#define CH_MAGIC "DORFCH1"
#define CH_LAYOUT_VERSION 2u
#define CH_SHORTCUT 0x80000000u

enum ch_array {
    CA_RANK,       /* uint32[node_count]: graph node -> rank */
    CA_UP_FIRST,   /* uint32[node_count + 1], by rank */
    CA_UP_EDGE,    /* struct ch_edge[up_count]: other = head rank */
    CA_UP_MID,     /* uint32[up_count] */
    CA_DOWN_FIRST, /* uint32[node_count + 1], by rank */
    CA_DOWN_EDGE,  /* struct ch_edge[down_count]: other = tail rank */
    CA_DOWN_MID,   /* uint32[down_count] */
    CA_COUNT
};

/* An edge as searches read it: the other end (by rank) and the time in milliseconds. */
struct ch_edge {
    uint32_t other;
    uint32_t weight;
};

struct ch_header {
    char magic[8];
    uint32_t layout_version;
    uint32_t mode;
    uint64_t fingerprint; /* of the graph's region */
    uint32_t node_count;
    uint32_t arc_count; /* of the graph */
    uint32_t up_count;
    uint32_t down_count;
    uint32_t shortcut_count;
    uint32_t payload_crc; /* CRC-32 (zlib) of the block after this header, set when saved */
    uint64_t offset[CA_COUNT];
    uint64_t total_size;
};

struct dorf_ch {
    const dorf_graph *g;
    struct ch_header *hdr;
    size_t block_size;
    int mapped;
    uint32_t node_count;
    const uint32_t *rank;
    const uint32_t *up_first, *up_mid, *down_first, *down_mid;
    const struct ch_edge *up, *down;
};

/* Lays the arrays of `h` out after it (8-byte aligned); returns the block's size. */
uint64_t ch_layout(struct ch_header *h);

/* Points the array pointers of `ch` into its block. */
void ch_bind_arrays(dorf_ch *ch);

/*
 * Index of the edge from rank `x` to rank `y` (x != y): in ch->up (*is_up = 1) when x is the
 * lower, else in ch->down. NO_ARC when there is none.
 */
static inline uint32_t ch_find_edge(const dorf_ch *ch, uint32_t x, uint32_t y, int *is_up) {
    if (x < y) {
        *is_up = 1;
        for (uint32_t e = ch->up_first[x]; e < ch->up_first[x + 1]; e++) {
            if (ch->up[e].other == y) {
                return e;
            }
        }
    } else {
        *is_up = 0;
        for (uint32_t e = ch->down_first[y]; e < ch->down_first[y + 1]; e++) {
            if (ch->down[e].other == x) {
                return e;
            }
        }
    }
    return NO_ARC;
}

/*
 * Appends to *arcs (growing it, capacity *cap) the graph arcs of the path of ranks
 * `path[0..n)`. Returns 0, or -1 when out of memory or an edge is missing (damaged).
 */
int ch_unpack(const dorf_ch *ch, const uint32_t *path, uint32_t n, uint32_t **arcs, size_t *count,
              size_t *cap);

/*
 * Stall-on-demand: true when a node's tentative time `d` is beaten by reaching it from a
 * higher node through edges[first..last) (edges pointing down to it), so that its search
 * need not go on from it.
 */
static inline int ch_stalled(const struct search *s, const struct ch_edge *edges, uint32_t first,
                             uint32_t last, uint32_t d) {
    for (uint32_t e = first; e < last; e++) {
        uint32_t du = s->dist[edges[e].other];
        if (du != INF_MS && (uint64_t)du + edges[e].weight < d) {
            return 1;
        }
    }
    return 0;
}

#endif
