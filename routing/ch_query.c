/*
 * ch_query.c: point-to-point queries on a contraction hierarchy (Geisberger et al., WEA
 * 2008) and the unpacking of their paths into arcs of the graph.
 *
 * A query is a bidirectional Dijkstra that only goes upwards: forward from the source's
 * anchors along `up` edges, backward from the target's anchors along `down` edges; the
 * shortest path is the best sum at a node both reach. A direction stops once its smallest
 * key cannot improve the best sum. Stall-on-demand skips relaxing a node when a higher
 * neighbour already reached proves its tentative time is not the shortest. The route's
 * path of ranks is unpacked by replacing every shortcut with its two halves, recursively
 * (with an explicit stack), and its shape is assembled by dijkstra.c exactly as
 * dorf_route_find assembles its own; a route within a single segment wins when faster.
 */
#include <string.h>

#include "ch_internal.h"
#include "dorf/alloc.h"

struct dorf_ch_router {
    dorf_ctx *ctx;
    const dorf_ch *ch;
    struct search fwd, bwd;
    uint32_t *path;
    size_t path_cap;
    uint32_t *arcs;
    size_t arcs_cap;
};

dorf_status dorf_ch_router_new(dorf_ctx *ctx, const dorf_ch *ch, dorf_ch_router **out) {
    *out = NULL;
    dorf_ch_router *r = dorf_calloc(1, sizeof *r);
    if (!r) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    r->ctx = ctx;
    r->ch = ch;
    dorf_status st = search_init(ctx, &r->fwd, ch->node_count);
    if (st == DORF_OK) {
        st = search_init(ctx, &r->bwd, ch->node_count);
    }
    if (st != DORF_OK) {
        dorf_ch_router_free(r);
        return st;
    }
    *out = r;
    return DORF_OK;
}

void dorf_ch_router_free(dorf_ch_router *r) {
    if (r) {
        search_release(&r->fwd);
        search_release(&r->bwd);
        dorf_free(r->path);
        dorf_free(r->arcs);
        dorf_free(r);
    }
}

struct rank_pair {
    uint32_t x, y;
};

int ch_unpack(const dorf_ch *ch, const uint32_t *path, uint32_t n, uint32_t **arcs, size_t *count,
              size_t *cap) {
    struct rank_pair *stack = NULL;
    size_t depth = 0, stack_cap = 0;
    int rc = 0;
    for (uint32_t i = n; i-- > 1;) {
        if (dorf_grow((void **)&stack, &stack_cap, depth + 1, sizeof *stack) != 0) {
            rc = -1;
            goto done;
        }
        stack[depth++] = (struct rank_pair){path[i - 1], path[i]};
    }
    while (depth) {
        struct rank_pair p = stack[--depth];
        int up;
        uint32_t e = ch_find_edge(ch, p.x, p.y, &up);
        if (e == NO_ARC) {
            rc = -1;
            goto done;
        }
        uint32_t mid = up ? ch->up_mid[e] : ch->down_mid[e];
        if (!(mid & CH_SHORTCUT)) {
            if (dorf_grow((void **)arcs, cap, *count + 1, sizeof **arcs) != 0) {
                rc = -1;
                goto done;
            }
            (*arcs)[(*count)++] = mid;
            continue;
        }
        uint32_t m = mid & ~CH_SHORTCUT;
        if (dorf_grow((void **)&stack, &stack_cap, depth + 2, sizeof *stack) != 0) {
            rc = -1;
            goto done;
        }
        stack[depth++] = (struct rank_pair){m, p.y};
        stack[depth++] = (struct rank_pair){p.x, m};
    }
done:
    dorf_free(stack);
    return rc;
}

/* The bidirectional upward search; writes the meeting rank (NO_NODE when none). */
static uint32_t ch_search(dorf_ch_router *r, const struct anchor *src, int nsrc,
                          const struct anchor *dst, int ndst, uint32_t *meet) {
    const dorf_ch *ch = r->ch;
    struct search *f = &r->fwd, *b = &r->bwd;
    for (int i = 0; i < nsrc; i++) {
        search_reach(f, ch->rank[src[i].node], src[i].cost_ms, SEED_ARC);
    }
    for (int i = 0; i < ndst; i++) {
        search_reach(b, ch->rank[dst[i].node], dst[i].cost_ms, SEED_ARC);
    }
    uint32_t best = INF_MS;
    *meet = NO_NODE;
    for (;;) {
        uint32_t kf = heap_min_key(&f->heap), kb = heap_min_key(&b->heap);
        int fwd_on = f->heap.size && kf < best, bwd_on = b->heap.size && kb < best;
        if (!fwd_on && !bwd_on) {
            break;
        }
        int forward = fwd_on && (!bwd_on || kf <= kb);
        struct search *s = forward ? f : b, *o = forward ? b : f;
        struct heap_entry e = heap_pop(&s->heap);
        uint32_t v = e.node;
        if (o->dist[v] != INF_MS && add_ms(e.key, o->dist[v]) < best) {
            best = add_ms(e.key, o->dist[v]);
            *meet = v;
        }
        if (forward) {
            if (ch_stalled(s, ch->down, ch->down_first[v], ch->down_first[v + 1], e.key)) {
                continue;
            }
            for (uint32_t k = ch->up_first[v]; k < ch->up_first[v + 1]; k++) {
                search_reach(s, ch->up[k].other, add_ms(e.key, ch->up[k].weight), v);
            }
        } else {
            if (ch_stalled(s, ch->up, ch->up_first[v], ch->up_first[v + 1], e.key)) {
                continue;
            }
            for (uint32_t k = ch->down_first[v]; k < ch->down_first[v + 1]; k++) {
                search_reach(s, ch->down[k].other, add_ms(e.key, ch->down[k].weight), v);
            }
        }
    }
    return best;
}

/* The anchor among `a` whose node has rank `x` and whose cost is `cost`. */
static uint32_t anchor_arc(const dorf_ch *ch, const struct anchor *a, int na, uint32_t x,
                           uint32_t cost) {
    uint32_t arc = NO_ARC;
    for (int i = 0; i < na; i++) {
        if (ch->rank[a[i].node] == x && a[i].cost_ms == cost && arc == NO_ARC) {
            arc = a[i].arc;
        }
    }
    return arc;
}

/* Unpacks the route through `meet` into r->arcs and assembles it. */
static dorf_status ch_build_route(dorf_ch_router *r, const dorf_snap *from, const dorf_snap *to,
                                  const struct anchor *src, int nsrc, const struct anchor *dst,
                                  int ndst, uint32_t meet, uint32_t best, dorf_route *route) {
    const dorf_ch *ch = r->ch;
    size_t n = 0;
    for (uint32_t v = meet; v != SEED_ARC; v = r->fwd.parent[v]) {
        n++;
    }
    for (uint32_t v = r->bwd.parent[meet]; v != SEED_ARC; v = r->bwd.parent[v]) {
        n++;
    }
    if (dorf_grow((void **)&r->path, &r->path_cap, n, sizeof *r->path) != 0) {
        return dorf_fail(r->ctx, DORF_ENOMEM, "out of memory unpacking a route");
    }
    size_t i = 0;
    for (uint32_t v = meet; v != SEED_ARC; v = r->fwd.parent[v]) {
        i++;
    }
    size_t k = i;
    for (uint32_t v = meet; v != SEED_ARC; v = r->fwd.parent[v]) {
        r->path[--k] = v;
    }
    for (uint32_t v = r->bwd.parent[meet]; v != SEED_ARC; v = r->bwd.parent[v]) {
        r->path[i++] = v;
    }
    uint32_t first = r->path[0], last = r->path[n - 1];
    uint32_t s_arc = anchor_arc(ch, src, nsrc, first, r->fwd.dist[first]);
    uint32_t t_arc = anchor_arc(ch, dst, ndst, last, r->bwd.dist[last]);
    size_t narcs = 0;
    if (s_arc == NO_ARC || t_arc == NO_ARC) {
        return dorf_fail(r->ctx, DORF_EINVAL, "the route does not start at its anchors");
    }
    if (ch_unpack(ch, r->path, (uint32_t)n, &r->arcs, &narcs, &r->arcs_cap) != 0) {
        return dorf_fail(r->ctx, DORF_ENOMEM, "out of memory unpacking a route");
    }
    return route_assemble(r->ctx, ch->g, from, to, s_arc, r->arcs, narcs, t_arc, best, route);
}

dorf_status dorf_ch_route(dorf_ch_router *r, const dorf_snap *from, const dorf_snap *to,
                          double *time_s, dorf_route *route) {
    const dorf_graph *g = r->ch->g;
    if (from->segment >= g->segment_count || to->segment >= g->segment_count) {
        return dorf_fail(r->ctx, DORF_EINVAL, "snapped point outside this graph");
    }
    struct anchor src[MAX_ANCHORS], dst[MAX_ANCHORS];
    int nsrc = snap_anchors(g, from, 0, src), ndst = snap_anchors(g, to, 1, dst);
    uint32_t direct = same_segment_ms(g, from, to);
    uint32_t meet = NO_NODE;
    uint32_t best = ch_search(r, src, nsrc, dst, ndst, &meet);
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
    } else {
        if (time_s) {
            *time_s = best / 1000.0;
        }
        if (route && use_direct) {
            st = route_assemble(r->ctx, g, from, to, NO_ARC, NULL, 0, NO_ARC, best, route);
        } else if (route) {
            st = ch_build_route(r, from, to, src, nsrc, dst, ndst, meet, best, route);
        }
    }
    search_reset(&r->fwd);
    search_reset(&r->bwd);
    return st;
}
