/*
 * node_snap.h: node-to-node queries through dorf's point-to-point API, shared by the routing
 * comparison tools (export_graph.c, bench_routing.c).
 *
 * dorf_route_find() routes between snapped points on segments. A point at an end of a segment
 * is the end node itself, but which nodes a search starts from depends on which arcs the
 * segment has (dijkstra.c's snap_anchors): a source at fraction f seeds the head of each of
 * the segment's arcs, a target is entered from the tail of each. So that the search starts at
 * exactly node v with cost 0, a source is put at the head end of an arc entering v (fraction 1
 * of a forward arc, fraction 0 of an arc against its segment), and a target at the tail end
 * of an arc leaving v. The snap also seeds the segment's far end through the segment's other
 * arc (a source may set off either way along its segment), so the arc is chosen such that the
 * other arc, if the segment has one, starts at v (source) or ends at v (target): then that
 * seed is a path a search from v could take as well, and the result is the node-to-node time.
 * Where turn restrictions expand a junction into several nodes (DORF_GRAPH_TURN), the other
 * arc may belong to another copy of the junction; such arcs are not used, and a node without
 * a usable arc is not offered for node-to-node queries.
 *
 * Node ids outside these tools are dorf node indices + 1 (pgRouting's convention of positive
 * vertex ids); arc ids are arc indices + 1.
 */
#ifndef DORF_BENCH_NODE_SNAP_H
#define DORF_BENCH_NODE_SNAP_H

#include <stdint.h>
#include <stdlib.h>

#include "dorf/routing.h"

/* Where a node may be snapped: the arc index of one entering and one leaving segment arc. */
struct node_arcs {
    uint32_t in_arc;  /* UINT32_MAX: no segment arc enters the node */
    uint32_t out_arc; /* UINT32_MAX: no segment arc leaves the node */
};

/* Arc is a road segment's arc, not a zero-time turn arc inside an expanded junction. */
static inline int node_snap_is_segment(uint32_t segment) {
#ifdef DORF_GRAPH_TURN
    return segment != DORF_GRAPH_TURN;
#else
    (void)segment;
    return 1;
#endif
}

/* For every node, one entering and one leaving segment arc. Returns a malloc'ed array. */
static inline struct node_arcs *node_snap_index(const dorf_graph *g) {
    uint32_t n = dorf_graph_node_count(g), m = dorf_graph_arc_count(g);
    struct node_arcs *na = malloc((n ? n : 1) * sizeof *na);
    if (!na) {
        return NULL;
    }
    for (uint32_t v = 0; v < n; v++) {
        na[v].in_arc = na[v].out_arc = UINT32_MAX;
    }
    /* The arcs of each segment: seg_arc[2 s] along it, seg_arc[2 s + 1] against it. */
    uint32_t segments = 0;
    for (uint32_t a = 0; a < m; a++) {
        uint32_t tail, head, ms, seg;
        int against;
        dorf_graph_arc(g, a, &tail, &head, &ms, &seg, &against);
        if (node_snap_is_segment(seg) && seg + 1 > segments) {
            segments = seg + 1;
        }
    }
    uint32_t *seg_arc = malloc(2 * (size_t)(segments ? segments : 1) * sizeof *seg_arc);
    if (!seg_arc) {
        free(na);
        return NULL;
    }
    for (size_t i = 0; i < 2 * (size_t)segments; i++) {
        seg_arc[i] = UINT32_MAX;
    }
    for (uint32_t a = 0; a < m; a++) {
        uint32_t tail, head, ms, seg;
        int against;
        dorf_graph_arc(g, a, &tail, &head, &ms, &seg, &against);
        if (node_snap_is_segment(seg)) {
            seg_arc[2 * (size_t)seg + (against ? 1 : 0)] = a;
        }
    }
    for (uint32_t a = 0; a < m; a++) {
        uint32_t tail, head, ms, seg;
        int against;
        dorf_graph_arc(g, a, &tail, &head, &ms, &seg, &against);
        if (!node_snap_is_segment(seg)) {
            continue;
        }
        uint32_t other = seg_arc[2 * (size_t)seg + (against ? 0 : 1)];
        uint32_t o_tail = UINT32_MAX, o_head = UINT32_MAX, o_ms, o_seg;
        int o_against;
        if (other != UINT32_MAX) {
            dorf_graph_arc(g, other, &o_tail, &o_head, &o_ms, &o_seg, &o_against);
        }
        if (na[head].in_arc == UINT32_MAX && (other == UINT32_MAX || o_tail == head)) {
            na[head].in_arc = a;
        }
        if (na[tail].out_arc == UINT32_MAX && (other == UINT32_MAX || o_head == tail)) {
            na[tail].out_arc = a;
        }
    }
    free(seg_arc);
    return na;
}

/*
 * The snap of node `v` as a source (`as_target` 0) or a target. Returns 0, or -1 when no
 * segment arc enters (source) or leaves (target) the node.
 */
static inline int node_snap(const dorf_graph *g, const struct node_arcs *na, uint32_t v,
                            int as_target, dorf_snap *out) {
    uint32_t a = as_target ? na[v].out_arc : na[v].in_arc;
    if (a == UINT32_MAX) {
        return -1;
    }
    uint32_t tail, head, ms, seg;
    int against;
    dorf_graph_arc(g, a, &tail, &head, &ms, &seg, &against);
    out->segment = seg;
    /* Source: the arc's head end; target: its tail end. Against the segment, head is `from`. */
    out->fraction = as_target ? (against ? 1.0 : 0.0) : (against ? 0.0 : 1.0);
    dorf_graph_node_position(g, v, &out->lon_deg, &out->lat_deg);
    out->distance_m = 0;
    return 0;
}

#endif
