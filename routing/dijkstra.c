/*
 * dijkstra.c: the router and the reference searches: Dijkstra's algorithm (E. W. Dijkstra,
 * "A note on two problems in connexion with graphs", 1959) and its bidirectional form, from
 * a snapped point to a snapped point, and the assembly of the route's shape.
 *
 * A snapped point lies inside a segment, so a search starts from the segment's end nodes
 * with the share of the arc's time still to go (its "anchors"), and ends at the nodes from
 * which the target's segment is entered, adding the share of the arc up to the target.
 */
#include <math.h>
#include <string.h>

#include "dorf/alloc.h"
#include "search_internal.h"

dorf_status search_init(dorf_ctx *ctx, struct search *s, uint32_t n) {
    memset(s, 0, sizeof *s);
    size_t count = n ? n : 1;
    s->dist = dorf_malloc(count * sizeof *s->dist);
    s->parent = dorf_malloc(count * sizeof *s->parent);
    s->touched = dorf_malloc(count * sizeof *s->touched);
    s->heap.items = dorf_malloc(count * sizeof *s->heap.items);
    s->heap.pos = dorf_malloc(count * sizeof *s->heap.pos);
    if (!s->dist || !s->parent || !s->touched || !s->heap.items || !s->heap.pos) {
        search_release(s);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory for a route search");
    }
    memset(s->dist, 0xff, count * sizeof *s->dist);
    memset(s->heap.pos, 0xff, count * sizeof *s->heap.pos);
    return DORF_OK;
}

void search_release(struct search *s) {
    dorf_free(s->dist);
    dorf_free(s->parent);
    dorf_free(s->touched);
    dorf_free(s->heap.items);
    dorf_free(s->heap.pos);
    memset(s, 0, sizeof *s);
}

void search_reset(struct search *s) {
    for (uint32_t i = 0; i < s->touched_count; i++) {
        s->dist[s->touched[i]] = INF_MS;
        s->heap.pos[s->touched[i]] = HEAP_ABSENT;
    }
    s->touched_count = 0;
    s->heap.size = 0;
}

dorf_status dorf_router_new(dorf_ctx *ctx, const dorf_graph *g, dorf_router **out) {
    dorf_router *r = dorf_calloc(1, sizeof *r);
    if (!r) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    r->ctx = ctx;
    r->g = g;
    dorf_status st = search_init(ctx, &r->fwd, g->node_count);
    if (st == DORF_OK) {
        st = search_init(ctx, &r->bwd, g->node_count);
    }
    if (st != DORF_OK) {
        dorf_router_free(r);
        return st;
    }
    *out = r;
    return DORF_OK;
}

void dorf_router_free(dorf_router *r) {
    if (r) {
        search_release(&r->fwd);
        search_release(&r->bwd);
        dorf_free(r);
    }
}

uint32_t partial_ms(const dorf_graph *g, uint32_t arc, double fraction) {
    double ms = g->weight[arc] * fraction;
    return (uint32_t)lround(ms < 0 ? 0 : ms);
}

/* The node a snapped point at a segment's end (fraction 0 or 1) stands on: the from node is
 * the forward arc's tail or the backward arc's head, the to node the other way round. */
static uint32_t snap_end_node(const dorf_graph *g, const dorf_snap *snap) {
    uint32_t fwd = g->seg_arc[2 * snap->segment], bwd = g->seg_arc[2 * snap->segment + 1];
    if (snap->fraction <= 0) {
        return fwd != NO_ARC ? g->tail[fwd] : g->head[bwd];
    }
    return fwd != NO_ARC ? g->head[fwd] : g->tail[bwd];
}

int snap_anchors(const dorf_graph *g, const dorf_snap *snap, int as_target, struct anchor *out) {
    int n = 0;
    uint32_t fwd = g->seg_arc[2 * snap->segment], bwd = g->seg_arc[2 * snap->segment + 1];
    double f = snap->fraction;
    if (fwd != NO_ARC) {
        /* Forward arc from -> to: a source goes on to `to`; a target is entered from `from`. */
        out[n++] = as_target ? (struct anchor){g->tail[fwd], partial_ms(g, fwd, f), fwd}
                             : (struct anchor){g->head[fwd], partial_ms(g, fwd, 1 - f), fwd};
    }
    if (bwd != NO_ARC) {
        out[n++] = as_target ? (struct anchor){g->tail[bwd], partial_ms(g, bwd, 1 - f), bwd}
                             : (struct anchor){g->head[bwd], partial_ms(g, bwd, f), bwd};
    }
    if (n > 0 && (f <= 0 || f >= 1)) {
        out[n++] = (struct anchor){snap_end_node(g, snap), 0, AT_NODE_ARC};
    }
    return n;
}

/* Time along one segment from `from` to `to` when both lie on it, or INF_MS. */
uint32_t same_segment_ms(const dorf_graph *g, const dorf_snap *from, const dorf_snap *to) {
    if (from->segment != to->segment) {
        return INF_MS;
    }
    uint32_t fwd = g->seg_arc[2 * from->segment], bwd = g->seg_arc[2 * from->segment + 1];
    if (to->fraction >= from->fraction && fwd != NO_ARC) {
        return partial_ms(g, fwd, to->fraction - from->fraction);
    }
    if (to->fraction <= from->fraction && bwd != NO_ARC) {
        return partial_ms(g, bwd, from->fraction - to->fraction);
    }
    return INF_MS;
}

/* One-directional Dijkstra. Writes the best time and the target anchor that gave it. */
static uint32_t run_dijkstra(dorf_router *r, const struct anchor *src, int nsrc,
                             const struct anchor *dst, int ndst, int *best_dst) {
    const dorf_graph *g = r->g;
    struct search *s = &r->fwd;
    for (int i = 0; i < nsrc; i++) {
        search_reach(s, src[i].node, src[i].cost_ms, SEED_ARC);
    }
    uint32_t best = INF_MS;
    while (s->heap.size && heap_min_key(&s->heap) < best) {
        struct heap_entry e = heap_pop(&s->heap);
        for (int i = 0; i < ndst; i++) {
            if (dst[i].node == e.node && add_ms(e.key, dst[i].cost_ms) < best) {
                best = add_ms(e.key, dst[i].cost_ms);
                *best_dst = i;
            }
        }
        for (uint32_t a = g->first_out[e.node]; a < g->first_out[e.node + 1]; a++) {
            search_reach(s, g->head[a], add_ms(e.key, g->weight[a]), a);
        }
    }
    return best;
}

/*
 * Bidirectional Dijkstra: a forward search from the source anchors and a backward search
 * from the target anchors; it stops when the two smallest keys together reach the best
 * meeting found. Writes the meeting node (NO_NODE when the direct same-segment time wins).
 */
static uint32_t run_bidijkstra(dorf_router *r, const struct anchor *src, int nsrc,
                               const struct anchor *dst, int ndst, uint32_t *meet) {
    const dorf_graph *g = r->g;
    struct search *f = &r->fwd, *b = &r->bwd;
    for (int i = 0; i < nsrc; i++) {
        search_reach(f, src[i].node, src[i].cost_ms, SEED_ARC);
    }
    for (int i = 0; i < ndst; i++) {
        search_reach(b, dst[i].node, dst[i].cost_ms, SEED_ARC);
    }
    uint32_t best = INF_MS;
    *meet = NO_NODE;
    while (f->heap.size || b->heap.size) {
        uint32_t kf = heap_min_key(&f->heap), kb = heap_min_key(&b->heap);
        if (add_ms(kf == INF_MS ? 0 : kf, kb == INF_MS ? 0 : kb) >= best) {
            break;
        }
        int forward = kf <= kb;
        struct search *s = forward ? f : b, *o = forward ? b : f;
        struct heap_entry e = heap_pop(&s->heap);
        if (o->dist[e.node] != INF_MS && add_ms(e.key, o->dist[e.node]) < best) {
            best = add_ms(e.key, o->dist[e.node]);
            *meet = e.node;
        }
        if (forward) {
            for (uint32_t a = g->first_out[e.node]; a < g->first_out[e.node + 1]; a++) {
                uint32_t d = add_ms(e.key, g->weight[a]);
                search_reach(s, g->head[a], d, a);
                if (o->dist[g->head[a]] != INF_MS && add_ms(d, o->dist[g->head[a]]) < best) {
                    best = add_ms(d, o->dist[g->head[a]]);
                    *meet = g->head[a];
                }
            }
        } else {
            for (uint32_t k = g->first_in[e.node]; k < g->first_in[e.node + 1]; k++) {
                uint32_t a = g->in_arc[k];
                uint32_t d = add_ms(e.key, g->weight[a]);
                search_reach(s, g->tail[a], d, a);
                if (o->dist[g->tail[a]] != INF_MS && add_ms(d, o->dist[g->tail[a]]) < best) {
                    best = add_ms(d, o->dist[g->tail[a]]);
                    *meet = g->tail[a];
                }
            }
        }
    }
    return best;
}

void dorf_route_release(dorf_route *route) {
    if (route) {
        dorf_free(route->points);
        memset(route, 0, sizeof *route);
    }
}

/* Route shape assembly: appends points, skipping a repeat of the last one. */
struct shape {
    dorf_point *pts;
    size_t count, cap;
    double length_m;
    int oom;
};

static void shape_add(struct shape *sh, double lon, double lat) {
    if (sh->count && sh->pts[sh->count - 1].lon_deg == lon &&
        sh->pts[sh->count - 1].lat_deg == lat) {
        return;
    }
    if (dorf_grow((void **)&sh->pts, &sh->cap, sh->count + 1, sizeof *sh->pts) != 0) {
        sh->oom = 1;
        return;
    }
    sh->pts[sh->count++] = (dorf_point){lon, lat};
}

/* Length of the shape piece from point i-1 to point i, in the units snapping uses. */
static double piece_length(const double *p, uint32_t i) {
    double dx = (p[2 * i] - p[2 * i - 2]) * cos(p[2 * i + 1] * M_PI / 180.0);
    return hypot(dx, p[2 * i + 1] - p[2 * i - 1]);
}

/* The point at fraction `f` of a shape of `n` points and total length `total`. */
static dorf_point point_at(const double *p, uint32_t n, double total, double f, uint32_t *next) {
    double want = f * total, cum = 0;
    for (uint32_t i = 1; i < n; i++) {
        double len = piece_length(p, i);
        if (cum + len >= want || i == n - 1) {
            double u = len > 0 ? (want - cum) / len : 0;
            u = u < 0 ? 0 : u > 1 ? 1 : u;
            *next = i;
            return (dorf_point){p[2 * i - 2] + u * (p[2 * i] - p[2 * i - 2]),
                                p[2 * i - 1] + u * (p[2 * i + 1] - p[2 * i - 1])};
        }
        cum += len;
    }
    *next = n;
    return (dorf_point){p[0], p[1]};
}

/*
 * Appends the part of segment `s` between fractions f0 and f1 (f0 > f1: walked backwards),
 * measured by length along its shape as snapping measures it.
 */
static void shape_add_segment(struct shape *sh, const dorf_graph *g, uint32_t s, double f0,
                              double f1) {
    uint32_t n = g->seg_point_count[s];
    const double *p = &g->points[2 * (size_t)g->seg_point_first[s]];
    double total = 0;
    for (uint32_t i = 1; i < n; i++) {
        total += piece_length(p, i);
    }
    sh->length_m += fabs(f1 - f0) * g->seg_length[s];
    double lo = f0 < f1 ? f0 : f1, hi = f0 < f1 ? f1 : f0;
    uint32_t ia = 0, ib = 0; /* shape points strictly between lo and hi: [ia, ib) */
    dorf_point a = point_at(p, n, total, lo, &ia), b = point_at(p, n, total, hi, &ib);
    if (f0 <= f1) {
        shape_add(sh, a.lon_deg, a.lat_deg);
        for (uint32_t i = ia; i < ib; i++) {
            shape_add(sh, p[2 * i], p[2 * i + 1]);
        }
        shape_add(sh, b.lon_deg, b.lat_deg);
    } else {
        shape_add(sh, b.lon_deg, b.lat_deg);
        for (uint32_t i = ib; i-- > ia;) {
            shape_add(sh, p[2 * i], p[2 * i + 1]);
        }
        shape_add(sh, a.lon_deg, a.lat_deg);
    }
}

/* Appends a whole arc's segment in the arc's direction. */
static void shape_add_arc(struct shape *sh, const dorf_graph *g, uint32_t arc, double from_f,
                          double to_f) {
    if (g->arc_segment[arc] == DORF_GRAPH_TURN) {
        return; /* a turn inside a junction has no shape */
    }
    uint32_t s = g->arc_segment[arc] >> 1;
    int reversed = g->arc_segment[arc] & 1;
    if (reversed) {
        shape_add_segment(sh, g, s, 1 - from_f, 1 - to_f);
    } else {
        shape_add_segment(sh, g, s, from_f, to_f);
    }
}

/* Collects the arcs of the forward tree from `node` back to a seed, in travel order. */
static uint32_t *forward_arcs(const struct search *s, const dorf_graph *g, uint32_t node,
                              uint32_t *count) {
    uint32_t n = 0;
    for (uint32_t v = node; s->parent[v] != SEED_ARC; v = g->tail[s->parent[v]]) {
        n++;
    }
    uint32_t *arcs = dorf_malloc((n ? n : 1) * sizeof *arcs);
    if (!arcs) {
        return NULL;
    }
    uint32_t i = n;
    for (uint32_t v = node; s->parent[v] != SEED_ARC; v = g->tail[s->parent[v]]) {
        arcs[--i] = s->parent[v];
    }
    *count = n;
    return arcs;
}

dorf_status dorf_route_find(dorf_router *r, dorf_algorithm alg, const dorf_snap *from,
                            const dorf_snap *to, double *time_s, dorf_route *route) {
    const dorf_graph *g = r->g;
    if (from->segment >= g->segment_count || to->segment >= g->segment_count) {
        return dorf_fail(r->ctx, DORF_EINVAL, "snapped point outside this graph");
    }
    struct anchor src[MAX_ANCHORS], dst[MAX_ANCHORS];
    int nsrc = snap_anchors(g, from, 0, src), ndst = snap_anchors(g, to, 1, dst);
    uint32_t direct = same_segment_ms(g, from, to);
    uint32_t best = INF_MS, meet = NO_NODE;
    int best_dst = -1;
    if (alg == DORF_ALG_BIDIJKSTRA) {
        best = run_bidijkstra(r, src, nsrc, dst, ndst, &meet);
    } else {
        best = run_dijkstra(r, src, nsrc, dst, ndst, &best_dst);
        meet = best_dst >= 0 ? dst[best_dst].node : NO_NODE;
    }
    dorf_status st = DORF_OK;
    int use_direct = direct <= best;
    if (use_direct) {
        best = direct;
    }
    if (best == INF_MS) {
        st = dorf_fail(r->ctx, DORF_ENOTFOUND,
                       "no %s route from %.6f,%.6f to %.6f,%.6f (not connected by roads this "
                       "mode may use)",
                       dorf_mode_name(g->mode), from->lon_deg, from->lat_deg, to->lon_deg,
                       to->lat_deg);
        goto done;
    }
    if (time_s) {
        *time_s = best / 1000.0;
    }
    if (!route) {
        goto done;
    }
    if (use_direct) {
        st = route_assemble(r->ctx, g, from, to, NO_ARC, NULL, 0, NO_ARC, best, route);
        goto done;
    }
    /* The arcs from a source anchor to the meeting node, then (bidirectional) on to a
     * target anchor; and the anchors at both ends. */
    uint32_t narcs = 0, nback = 0;
    uint32_t *arcs = forward_arcs(&r->fwd, g, meet, &narcs);
    uint32_t last = meet;
    if (arcs && alg == DORF_ALG_BIDIJKSTRA) {
        for (uint32_t v = meet; r->bwd.parent[v] != SEED_ARC; v = g->head[r->bwd.parent[v]]) {
            nback++;
        }
        uint32_t *all = dorf_realloc(arcs, ((size_t)narcs + nback + 1) * sizeof *arcs);
        if (!all) {
            dorf_free(arcs);
            arcs = NULL;
        } else {
            arcs = all;
            for (; r->bwd.parent[last] != SEED_ARC; last = g->head[r->bwd.parent[last]]) {
                arcs[narcs++] = r->bwd.parent[last];
            }
        }
    }
    if (!arcs) {
        st = dorf_fail(r->ctx, DORF_ENOMEM, "out of memory assembling a route");
        goto done;
    }
    uint32_t first = narcs ? g->tail[arcs[0]] : meet;
    uint32_t s_arc = NO_ARC, t_arc = NO_ARC;
    for (int i = 0; i < nsrc && s_arc == NO_ARC; i++) {
        if (src[i].node == first && r->fwd.dist[first] == src[i].cost_ms) {
            s_arc = src[i].arc;
        }
    }
    if (alg == DORF_ALG_BIDIJKSTRA) {
        for (int i = 0; i < ndst && t_arc == NO_ARC; i++) {
            if (dst[i].node == last && r->bwd.dist[last] == dst[i].cost_ms) {
                t_arc = dst[i].arc;
            }
        }
    } else {
        t_arc = dst[best_dst].arc;
    }
    st = route_assemble(r->ctx, g, from, to, s_arc, arcs, narcs, t_arc, best, route);
    dorf_free(arcs);

done:
    search_reset(&r->fwd);
    search_reset(&r->bwd);
    return st;
}

dorf_status route_assemble(dorf_ctx *ctx, const dorf_graph *g, const dorf_snap *from,
                           const dorf_snap *to, uint32_t s_arc, const uint32_t *arcs, size_t narcs,
                           uint32_t t_arc, uint32_t time_ms, dorf_route *route) {
    struct shape sh = {0};
    if (s_arc == NO_ARC) {
        shape_add_segment(&sh, g, from->segment, from->fraction, to->fraction);
    } else {
        double f = from->fraction, t = to->fraction;
        if (s_arc == AT_NODE_ARC) {
            uint32_t v = snap_end_node(g, from);
            shape_add(&sh, g->node_lon[v], g->node_lat[v]);
        } else {
            shape_add_arc(&sh, g, s_arc, (g->arc_segment[s_arc] & 1) ? 1 - f : f, 1);
        }
        for (size_t i = 0; i < narcs; i++) {
            shape_add_arc(&sh, g, arcs[i], 0, 1);
        }
        if (t_arc != AT_NODE_ARC) {
            shape_add_arc(&sh, g, t_arc, 0, (g->arc_segment[t_arc] & 1) ? 1 - t : t);
        } else {
            uint32_t v = snap_end_node(g, to);
            shape_add(&sh, g->node_lon[v], g->node_lat[v]);
        }
    }
    if (sh.oom) {
        dorf_free(sh.pts);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory assembling a route");
    }
    route->time_s = time_ms / 1000.0;
    route->length_m = sh.length_m;
    route->points = sh.pts;
    route->point_count = sh.count;
    return DORF_OK;
}
