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
    uint32_t *dist;   /* milliseconds, INF_MS when not reached */
    uint32_t *parent; /* arc by which the node was reached, NO_ARC or SEED_ARC */
    struct heap heap;
    uint32_t *touched;
    uint32_t touched_count;
};

/* The most anchors a snapped point has: one per direction of its segment, and its node. */
#define MAX_ANCHORS 3

/* The "arc" of an anchor that is the snapped point's own node (the point lies at a segment's
 * end): nothing of a segment is travelled to or from it. */
#define AT_NODE_ARC (UINT32_MAX - 2)

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

/* a + b in milliseconds, saturating at INF_MS (which stands for "not reached"). */
static inline uint32_t add_ms(uint32_t a, uint32_t b) {
    return a > INF_MS - b ? INF_MS : a + b;
}

/* Sets dist[node] = d (and parent) if smaller, and queues the node. */
static inline void search_reach(struct search *s, uint32_t node, uint32_t d, uint32_t parent) {
    if (d == INF_MS) {
        return; /* a saturated sum: as good as unreachable, and INF_MS marks "untouched" */
    }
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
 * The anchors of a snapped point (at most MAX_ANCHORS): as a source, the nodes it leads to;
 * as a target (`as_target`), the nodes it is reached from, with the remaining cost. A point
 * at a segment's end is also anchored at that node itself at no cost (arc AT_NODE_ARC), so
 * that it does not inherit the direction of whichever segment it was snapped onto.
 */
int snap_anchors(const dorf_graph *g, const dorf_snap *snap, int as_target, struct anchor *out);

/* Travel time of `fraction` of arc `a`, rounded to milliseconds. */
uint32_t partial_ms(const dorf_graph *g, uint32_t arc, double fraction);

/* Time along one segment from `from` to `to` when both lie on it (and it may be travelled
 * that way), else INF_MS. */
uint32_t same_segment_ms(const dorf_graph *g, const dorf_snap *from, const dorf_snap *to);

/*
 * Fills `route` (its points allocated, see dorf_route_release): with s_arc NO_ARC directly
 * along the one segment of `from` and `to`; else from `from` along the rest of source anchor
 * arc s_arc, through arcs[0..narcs), into target anchor arc t_arc up to `to` (an anchor arc
 * AT_NODE_ARC adds no piece of segment). DORF_ENOMEM.
 */
dorf_status route_assemble(dorf_ctx *ctx, const dorf_graph *g, const dorf_snap *from,
                           const dorf_snap *to, uint32_t s_arc, const uint32_t *arcs, size_t narcs,
                           uint32_t t_arc, uint32_t time_ms, dorf_route *route);

#endif
