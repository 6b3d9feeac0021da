/*
 * ch_matrix.c: many-to-many travel times on a contraction hierarchy with buckets (S. Knopp,
 * P. Sanders, D. Schultes, F. Schulz, D. Wagner, "Computing Many-to-Many Shortest Paths
 * Using Highway Hierarchies", ALENEX 2007).
 *
 * One backward upward search per target leaves, at every node it settles, an entry (target,
 * time to the target) in that node's bucket. One forward upward search per source then
 * scans the buckets of the nodes it settles: the best sum per target is the time. Both kinds
 * of search run until their queue is empty and use stall-on-demand: a stalled node's time is
 * provably not the shortest, so its bucket entries could never win. So n + m small searches
 * replace n * m point-to-point queries.
 */
#include <math.h>
#include <string.h>

#include "ch_internal.h"
#include "dorf/alloc.h"

struct bucket_entry {
    uint32_t node;
    uint32_t target;
    uint32_t dist;
};

/*
 * Runs an upward search from the anchors until its queue is empty (`forward`: along up
 * edges; else backwards along down edges) and writes the nodes settled and not stalled, with
 * their times, to `out`; returns their number (at most the node count).
 */
static uint32_t upward_search(const dorf_ch *ch, struct search *s, int forward,
                              const struct anchor *anchors, int nanchors, struct heap_entry *out) {
    for (int i = 0; i < nanchors; i++) {
        search_reach(s, ch->rank[anchors[i].node], anchors[i].cost_ms, SEED_ARC);
    }
    const struct ch_edge *relax = forward ? ch->up : ch->down;
    const uint32_t *relax_first = forward ? ch->up_first : ch->down_first;
    const struct ch_edge *stall = forward ? ch->down : ch->up;
    const uint32_t *stall_first = forward ? ch->down_first : ch->up_first;
    uint32_t count = 0;
    while (s->heap.size) {
        struct heap_entry e = heap_pop(&s->heap);
        uint32_t v = e.node;
        if (ch_stalled(s, stall, stall_first[v], stall_first[v + 1], e.key)) {
            continue;
        }
        out[count++] = e;
        for (uint32_t k = relax_first[v]; k < relax_first[v + 1]; k++) {
            search_reach(s, relax[k].other, add_ms(e.key, relax[k].weight), v);
        }
    }
    search_reset(s);
    return count;
}

dorf_status dorf_ch_matrix(dorf_ctx *ctx, const dorf_ch *ch, const dorf_snap *sources, size_t n,
                           const dorf_snap *targets, size_t m, double *times_s) {
    const dorf_graph *g = ch->g;
    for (size_t i = 0; i < n + m; i++) {
        const dorf_snap *p = i < n ? &sources[i] : &targets[i - n];
        if (p->segment >= g->segment_count) {
            return dorf_fail(ctx, DORF_EINVAL, "snapped point outside this graph");
        }
    }
    if (m >= UINT32_MAX || (m && n > SIZE_MAX / m / sizeof *times_s)) {
        return dorf_fail(ctx, DORF_EINVAL, "matrix too large");
    }
    struct search s;
    dorf_status st = search_init(ctx, &s, ch->node_count);
    if (st != DORF_OK) {
        return st;
    }
    struct bucket_entry *entries = NULL, *sorted = NULL;
    size_t count = 0, cap = 0;
    uint32_t *first = dorf_calloc((size_t)ch->node_count + 1, sizeof *first);
    uint32_t *row = dorf_malloc((m ? m : 1) * sizeof *row);
    struct heap_entry *space = dorf_malloc(((size_t)ch->node_count + 1) * sizeof *space);
    if (!first || !row || !space) {
        goto oom;
    }
    for (size_t j = 0; j < m; j++) {
        struct anchor a[MAX_ANCHORS];
        int na = snap_anchors(g, &targets[j], 1, a);
        uint32_t settled = upward_search(ch, &s, 0, a, na, space);
        if (dorf_grow((void **)&entries, &cap, count + settled, sizeof *entries) != 0) {
            goto oom;
        }
        for (uint32_t k = 0; k < settled; k++) {
            entries[count++] = (struct bucket_entry){space[k].node, (uint32_t)j, space[k].key};
        }
    }
    /* Buckets: the entries grouped by node (counting sort). */
    sorted = dorf_malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted) {
        goto oom;
    }
    for (size_t i = 0; i < count; i++) {
        first[entries[i].node + 1]++;
    }
    for (uint32_t v = 0; v < ch->node_count; v++) {
        first[v + 1] += first[v];
    }
    for (size_t i = 0; i < count; i++) {
        sorted[first[entries[i].node]++] = entries[i];
    }
    memmove(first + 1, first, (size_t)ch->node_count * sizeof *first);
    first[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (dorf_ctx_interrupted(ctx)) {
            st = dorf_fail(ctx, DORF_EINTR, "interrupted while computing a matrix");
            goto fail;
        }
        memset(row, 0xff, m * sizeof *row);
        struct anchor a[MAX_ANCHORS];
        int na = snap_anchors(g, &sources[i], 0, a);
        uint32_t settled = upward_search(ch, &s, 1, a, na, space);
        for (uint32_t q = 0; q < settled; q++) {
            uint32_t v = space[q].node, d = space[q].key;
            for (uint32_t k = first[v]; k < first[v + 1]; k++) {
                uint32_t t = add_ms(d, sorted[k].dist);
                if (t < row[sorted[k].target]) {
                    row[sorted[k].target] = t;
                }
            }
        }
        for (size_t j = 0; j < m; j++) {
            if (sources[i].segment == targets[j].segment) {
                uint32_t direct = same_segment_ms(g, &sources[i], &targets[j]);
                row[j] = direct < row[j] ? direct : row[j];
            }
            times_s[i * m + j] = row[j] == INF_MS ? INFINITY : row[j] / 1000.0;
        }
    }
    goto fail;
oom:
    st = dorf_fail(ctx, DORF_ENOMEM, "out of memory computing a %zu x %zu matrix", n, m);
fail:
    search_release(&s);
    dorf_free(entries);
    dorf_free(sorted);
    dorf_free(first);
    dorf_free(row);
    dorf_free(space);
    return st;
}
