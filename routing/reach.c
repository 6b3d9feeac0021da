/*
 * reach.c: one search from many sources to every node within a time limit, and what follows
 * from it: the time at any snapped point and the stretches of each segment that are reached.
 *
 * It is Dijkstra's algorithm (dijkstra.c) seeded with the anchors of every source at once,
 * which computes the distance from the nearest source (a "multi-source" or "super-source"
 * search: a virtual node joined to every anchor by an arc of the anchor's cost), stopped at
 * the limit by never queueing a node beyond it. The reverse search runs over the arcs by
 * head (first_in/in_arc) from the sources' target anchors and gives times to the nearest
 * source. Times are the graph's integer milliseconds added as dorf_route_find() adds them,
 * so that a reach time and a route time are equal, not merely close.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "search_internal.h"

/* A source as the result keeps it, sorted by segment and fraction for the segment queries. */
struct dorf_reach_seed {
    uint32_t segment;
    uint32_t index; /* in the caller's array of sources */
    double fraction;
};

static int seed_cmp(const void *pa, const void *pb) {
    const struct dorf_reach_seed *a = pa, *b = pb;
    if (a->segment != b->segment) {
        return a->segment < b->segment ? -1 : 1;
    }
    if (a->fraction != b->fraction) {
        return a->fraction < b->fraction ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

void dorf_reach_release(dorf_reach_result *res) {
    if (res) {
        dorf_free(res->time_ms);
        dorf_free(res->source);
        dorf_free(res->reached);
        dorf_free(res->seeds);
        memset(res, 0, sizeof *res);
    }
}

/*
 * Makes `res` ready for a search on `g` with `n` sources: reuses its arrays when they were
 * made for this graph (putting back only the nodes the last search reached), else allocates.
 */
static dorf_status prepare(dorf_ctx *ctx, const dorf_graph *g, size_t n, dorf_reach_result *res) {
    if (res->time_ms && res->graph == g && res->node_count == g->node_count) {
        for (uint32_t i = 0; i < res->reached_count; i++) {
            res->time_ms[res->reached[i]] = DORF_REACH_NONE;
            res->source[res->reached[i]] = DORF_REACH_NONE;
        }
    } else {
        dorf_reach_release(res);
        size_t count = g->node_count ? g->node_count : 1;
        res->time_ms = dorf_malloc(count * sizeof *res->time_ms);
        res->source = dorf_malloc(count * sizeof *res->source);
        res->reached = dorf_malloc(count * sizeof *res->reached);
        if (!res->time_ms || !res->source || !res->reached) {
            dorf_reach_release(res);
            return dorf_fail(ctx, DORF_ENOMEM, "out of memory for a reach search");
        }
        memset(res->time_ms, 0xff, count * sizeof *res->time_ms);
        memset(res->source, 0xff, count * sizeof *res->source);
    }
    res->graph = g;
    res->node_count = g->node_count;
    res->reached_count = 0;
    res->seed_count = 0;
    if (dorf_grow((void **)&res->seeds, &res->seed_cap, n ? n : 1, sizeof *res->seeds) != 0) {
        dorf_reach_release(res);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory for a reach search");
    }
    return DORF_OK;
}

/* Queues `node` at `d` from source `src` unless it is beyond the limit or already nearer. */
static inline void relax(struct search *s, dorf_reach_result *res, uint32_t node, uint32_t d,
                         uint32_t arc, uint32_t src) {
    if (d <= res->limit_ms && d < s->dist[node]) {
        search_reach(s, node, d, arc);
        res->source[node] = src;
    }
}

dorf_status dorf_reach(dorf_router *r, const dorf_snap *sources, size_t source_count,
                       double limit_s, int reverse, dorf_reach_result *out) {
    const dorf_graph *g = r->g;
    if (!(limit_s >= 0)) {
        dorf_reach_release(out);
        return dorf_fail(r->ctx, DORF_EINVAL, "a reach limit must be a time >= 0 s, not %g",
                         limit_s);
    }
    if (source_count >= UINT32_MAX) {
        dorf_reach_release(out);
        return dorf_fail(r->ctx, DORF_EINVAL, "too many sources for one reach search");
    }
    for (size_t i = 0; i < source_count; i++) {
        if (sources[i].segment >= g->segment_count ||
            !(sources[i].fraction >= 0 && sources[i].fraction <= 1)) {
            dorf_reach_release(out);
            return dorf_fail(r->ctx, DORF_EINVAL, "source %zu is not a point of this graph", i);
        }
    }
    dorf_status st = prepare(r->ctx, g, source_count, out);
    if (st != DORF_OK) {
        return st;
    }
    out->reverse = reverse ? 1 : 0;
    /* One millisecond short of INF_MS, so that "unlimited" still compares below it. */
    out->limit_ms = limit_s * 1000.0 >= INF_MS - 1 ? INF_MS - 1 : (uint32_t)llround(limit_s * 1e3);

    struct search *s = &r->fwd;
    for (size_t i = 0; i < source_count; i++) {
        struct anchor a[MAX_ANCHORS];
        int na = snap_anchors(g, &sources[i], out->reverse, a);
        for (int k = 0; k < na; k++) {
            relax(s, out, a[k].node, a[k].cost_ms, SEED_ARC, (uint32_t)i);
        }
        out->seeds[i] =
            (struct dorf_reach_seed){sources[i].segment, (uint32_t)i, sources[i].fraction};
    }
    out->seed_count = source_count;
    if (source_count > 1) {
        qsort(out->seeds, source_count, sizeof *out->seeds, seed_cmp);
    }
    /* Only nodes within the limit are ever queued, so every queued node is reached. */
    while (s->heap.size) {
        struct heap_entry e = heap_pop(&s->heap);
        uint32_t v = e.node, src = out->source[v];
        out->time_ms[v] = e.key;
        out->reached[out->reached_count++] = v;
        if (!out->reverse) {
            for (uint32_t a = g->first_out[v]; a < g->first_out[v + 1]; a++) {
                relax(s, out, g->head[a], add_ms(e.key, g->weight[a]), a, src);
            }
        } else {
            for (uint32_t k = g->first_in[v]; k < g->first_in[v + 1]; k++) {
                uint32_t a = g->in_arc[k];
                relax(s, out, g->tail[a], add_ms(e.key, g->weight[a]), a, src);
            }
        }
    }
    search_reset(s);
    return DORF_OK;
}

/* The first seed on `segment` (seed_count when none). */
static size_t first_seed(const dorf_reach_result *res, uint32_t segment) {
    size_t lo = 0, hi = res->seed_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (res->seeds[mid].segment < segment) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Time along one segment from fraction `from` to fraction `to`, or INF_MS (as dijkstra.c). */
static uint32_t along_segment_ms(const dorf_graph *g, uint32_t segment, double from, double to) {
    uint32_t fwd = g->seg_arc[2 * segment], bwd = g->seg_arc[2 * segment + 1];
    if (to >= from && fwd != NO_ARC) {
        return partial_ms(g, fwd, to - from);
    }
    if (to <= from && bwd != NO_ARC) {
        return partial_ms(g, bwd, from - to);
    }
    return INF_MS;
}

dorf_status dorf_reach_time_at(const dorf_reach_result *res, const dorf_snap *p, double *time_s) {
    const dorf_graph *g = res->graph;
    if (!g || p->segment >= g->segment_count || !(p->fraction >= 0 && p->fraction <= 1)) {
        return DORF_EINVAL;
    }
    /* Forward, the point is a destination entered from its anchors; reverse, a start. */
    struct anchor a[MAX_ANCHORS];
    int na = snap_anchors(g, p, !res->reverse, a);
    uint32_t best = INF_MS;
    for (int k = 0; k < na; k++) {
        uint32_t t = res->time_ms[a[k].node];
        if (t != DORF_REACH_NONE && add_ms(t, a[k].cost_ms) < best) {
            best = add_ms(t, a[k].cost_ms);
        }
    }
    for (size_t i = first_seed(res, p->segment);
         i < res->seed_count && res->seeds[i].segment == p->segment; i++) {
        double f = res->seeds[i].fraction;
        uint32_t t = res->reverse ? along_segment_ms(g, p->segment, p->fraction, f)
                                  : along_segment_ms(g, p->segment, f, p->fraction);
        if (t < best) {
            best = t;
        }
    }
    if (best > res->limit_ms) {
        return DORF_ENOTFOUND;
    }
    *time_s = best / 1000.0;
    return DORF_OK;
}

/* Merges stretches given in increasing order of their start into disjoint ones. */
struct part_list {
    dorf_reach_part *parts;
    size_t cap, count;
    double lo, hi;
    int open;
};

static void part_flush(struct part_list *pl) {
    if (pl->open) {
        if (pl->count < pl->cap) {
            pl->parts[pl->count] = (dorf_reach_part){pl->lo, pl->hi};
        }
        pl->count++;
        pl->open = 0;
    }
}

static void part_add(struct part_list *pl, double lo, double hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > 1 ? 1 : hi;
    if (!(hi > lo)) {
        return;
    }
    if (pl->open && lo <= pl->hi) {
        pl->hi = hi > pl->hi ? hi : pl->hi;
        return;
    }
    part_flush(pl);
    pl->lo = lo;
    pl->hi = hi;
    pl->open = 1;
}

size_t dorf_reach_segment_parts(const dorf_reach_result *res, uint32_t segment, double limit_s,
                                dorf_reach_part *parts, size_t cap) {
    const dorf_graph *g = res->graph;
    if (!g || segment >= g->segment_count || !(limit_s >= 0)) {
        return 0;
    }
    double limit = limit_s * 1000.0 < res->limit_ms ? limit_s * 1000.0 : res->limit_ms;
    uint32_t fwd = g->seg_arc[2 * segment], bwd = g->seg_arc[2 * segment + 1];
    double w_fwd = fwd != NO_ARC ? g->weight[fwd] : INFINITY;
    double w_bwd = bwd != NO_ARC ? g->weight[bwd] : INFINITY;
    /*
     * The stretch at the from node is travelled forward from it (forward search) or backward
     * to it (reverse search); likewise at the to node. Around a source, a forward search goes
     * on along the forward arc after it and the backward arc before it, and a reverse search
     * arrives the other way round.
     */
    uint32_t n_from = NO_NODE, n_to = NO_NODE;
    if (fwd != NO_ARC) {
        n_from = g->tail[fwd];
        n_to = g->head[fwd];
    } else if (bwd != NO_ARC) {
        n_from = g->head[bwd];
        n_to = g->tail[bwd];
    } else {
        return 0;
    }
    double w_at_from = res->reverse ? w_bwd : w_fwd;
    double w_at_to = res->reverse ? w_fwd : w_bwd;
    double t_from = res->time_ms[n_from], t_to = res->time_ms[n_to];
    double reach_from = t_from <= limit ? (limit - t_from) / w_at_from : -1;
    double reach_to = t_to <= limit ? (limit - t_to) / w_at_to : -1;
    double w_after = res->reverse ? w_bwd : w_fwd, w_before = res->reverse ? w_fwd : w_bwd;

    struct part_list pl = {parts, cap, 0, 0, 0, 0};
    if (reach_from >= 0) {
        part_add(&pl, 0, reach_from);
    }
    double to_start = reach_to >= 0 ? 1 - reach_to : INFINITY;
    int to_done = !(reach_to >= 0);
    /* Seeds in order of fraction have stretches in order of start (same speeds each). */
    for (size_t i = first_seed(res, segment);
         i < res->seed_count && res->seeds[i].segment == segment; i++) {
        double f = res->seeds[i].fraction;
        double lo = f - limit / w_before, hi = f + limit / w_after;
        if (!to_done && to_start <= lo) {
            part_add(&pl, to_start, 1);
            to_done = 1;
        }
        part_add(&pl, lo, hi);
    }
    if (!to_done) {
        part_add(&pl, to_start, 1);
    }
    part_flush(&pl);
    return pl.count;
}
