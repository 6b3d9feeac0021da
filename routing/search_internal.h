/*
 * search_internal.h: the working memory of one search direction, shared by the routing
 * algorithms (dijkstra.c, and those built on it).
 *
 * dist and parent hold values only for the nodes listed in `touched`; search_reset() puts
 * exactly those back, so a query costs time in proportion to what it explored, not to the
 * size of the graph.
 */
#ifndef DORF_SEARCH_INTERNAL_H
#define DORF_SEARCH_INTERNAL_H

#include "graph_internal.h"
#include "heap.h"

#define SEED_ARC (UINT32_MAX - 1) /* parent of a node reached directly from a snapped point */

struct search {
    uint32_t *dist;      /* milliseconds, INF_MS when not reached */
    uint32_t *parent;    /* arc by which the node was reached, NO_ARC or SEED_ARC */
    struct heap heap;
    uint32_t *touched;
    uint32_t touched_count;
};

/* Where a snapped point joins the graph: reach `node` after `cost_ms` along `arc`. */
struct anchor {
    uint32_t node;
    uint32_t cost_ms;
    uint32_t arc;
};

struct dorf_router {
    dorf_ctx *ctx;
    const dorf_graph *g;
    struct search fwd, bwd;
};

dorf_status search_init(dorf_ctx *ctx, struct search *s, uint32_t node_count);
void search_release(struct search *s);
void search_reset(struct search *s);

/* Sets dist[node] = d (and parent) if smaller, and queues the node. */
static inline void search_reach(struct search *s, uint32_t node, uint32_t d, uint32_t parent) {
    if (s->dist[node] == INF_MS) {
        s->touched[s->touched_count++] = node;
    } else if (s->dist[node] <= d) {
        return;
    }
    s->dist[node] = d;
    s->parent[node] = parent;
    heap_push_or_decrease(&s->heap, node, d);
}

/*
 * The anchors of a snapped point: as a source, the nodes it leads to (count 0..2); as a
 * target (`as_target`), the nodes it is reached from, with the remaining cost.
 */
int snap_anchors(const dorf_graph *g, const dorf_snap *snap, int as_target, struct anchor *out);

/* Travel time of `fraction` of arc `a`, rounded to milliseconds. */
uint32_t partial_ms(const dorf_graph *g, uint32_t arc, double fraction);

#endif
