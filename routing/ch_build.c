/*
 * ch_build.c: preprocessing for contraction hierarchies (R. Geisberger, P. Sanders,
 * D. Schultes, D. Delling, "Contraction Hierarchies: Faster and Simpler Hierarchical Routing
 * in Road Networks", WEA 2008).
 *
 * Nodes are contracted one at a time, least important first: contracting v removes it from
 * the remaining graph and, for each pair of a neighbour u before it and w after it, adds a
 * shortcut u -> w remembering v, unless a witness search (Dijkstra from u that avoids v)
 * finds a path at most as fast. Witness searches stop after a number of settled nodes or
 * hops, or once every target is settled; a witness they miss only costs one superfluous
 * shortcut, never a wrong answer. Importance is twice the edge difference (shortcuts added
 * minus edges removed), plus the difference in original arcs those edges stand for, the
 * number of contracted neighbours and the node's level in the hierarchy; it is kept in a
 * priority queue, updated for the neighbours of each contracted node and checked lazily when
 * a node comes up. Nodes with very many neighbour pairs are not simulated (every pair counts
 * as a shortcut), which keeps dense late stages from costing a cube of the degree.
 * Every time is integer milliseconds, as in the graph, so shortcuts add exactly.
 */
#include <string.h>

#include "ch_internal.h"
#include "dorf/alloc.h"

/* Limits of witness searches, while estimating importance and while contracting: settled
 * nodes, and hops (edges) from the search's source. Hop limits keep the searches cheap when
 * the remaining graph grows dense late in the contraction (grid-like street networks). */
#define SIMULATE_SETTLE_LIMIT 10u
#define CONTRACT_SETTLE_LIMIT 500u
#define SIMULATE_HOP_LIMIT 1u
/* A node with more neighbour pairs than this is not simulated: every pair is counted as a
 * shortcut. Dense nodes late in the contraction would otherwise cost a witness search per
 * neighbour at every update (cubic in the degree), and they come last in the order anyway. */
#define SIMULATE_MAX_PAIRS 256u
#define CONTRACT_HOP_LIMIT 5u

/* An edge of the remaining graph: mid is an arc id or CH_SHORTCUT | middle graph node. */
struct cedge {
    uint32_t other;
    uint32_t weight;
    uint32_t mid;
    uint32_t hops; /* original arcs the edge stands for (1 for an arc) */
};

struct clist {
    struct cedge *e;
    size_t count, cap;
};

/* An edge of the finished hierarchy, by graph node ids, in travel direction. */
struct fedge {
    uint32_t from, to, weight, mid;
};

struct builder {
    dorf_ctx *ctx;
    const dorf_graph *g;
    uint32_t n;
    struct clist *out, *in;
    uint32_t *deleted, *level, *stamp;
    /* Witness search. */
    uint32_t *wdist, *wtouched;
    uint8_t *whops;
    uint8_t *wtarget; /* 1 for the targets of the running witness search */
    uint32_t wtouched_count;
    struct heap wheap;
    /* Priority queue of uncontracted nodes, a binary heap on prio. */
    int32_t *prio;
    uint32_t *pq, *pq_pos;
    uint32_t pq_size;
    struct fedge *final;
    size_t final_count, final_cap;
    uint32_t shortcuts;
    int oom;
};

static inline uint32_t sum_ms(uint32_t a, uint32_t b) {
    uint64_t s = (uint64_t)a + b;
    return s >= INF_MS ? INF_MS - 1 : (uint32_t)s;
}

static struct cedge *clist_find(struct clist *l, uint32_t other) {
    for (size_t i = 0; i < l->count; i++) {
        if (l->e[i].other == other) {
            return &l->e[i];
        }
    }
    return NULL;
}

static void clist_remove(struct clist *l, uint32_t other) {
    for (size_t i = 0; i < l->count; i++) {
        if (l->e[i].other == other) {
            l->e[i] = l->e[--l->count];
            return;
        }
    }
}

/* Adds the edge u -> w, or lowers the one there (a tie keeps the first, as searches do). */
static void add_edge(struct builder *b, uint32_t u, uint32_t w, uint32_t weight, uint32_t mid,
                     uint32_t hops) {
    struct cedge *fwd = clist_find(&b->out[u], w);
    if (fwd) {
        if (weight < fwd->weight) {
            struct cedge *bwd = clist_find(&b->in[w], u);
            fwd->weight = bwd->weight = weight;
            fwd->mid = bwd->mid = mid;
            fwd->hops = bwd->hops = hops;
        }
        return;
    }
    if (dorf_grow((void **)&b->out[u].e, &b->out[u].cap, b->out[u].count + 1,
                  sizeof(struct cedge)) != 0 ||
        dorf_grow((void **)&b->in[w].e, &b->in[w].cap, b->in[w].count + 1, sizeof(struct cedge)) !=
            0) {
        b->oom = 1;
        return;
    }
    b->out[u].e[b->out[u].count++] = (struct cedge){w, weight, mid, hops};
    b->in[w].e[b->in[w].count++] = (struct cedge){u, weight, mid, hops};
}

/* Dijkstra from `source` in the remaining graph without `avoid`, up to `max_ms`. */
static void witness_search(struct builder *b, uint32_t source, uint32_t avoid, uint32_t max_ms,
                           uint32_t settle_limit, uint32_t hop_limit, uint32_t targets) {
    struct heap *h = &b->wheap;
    b->wdist[source] = 0;
    b->whops[source] = 0;
    b->wtouched[b->wtouched_count++] = source;
    heap_push_or_decrease(h, source, 0);
    uint32_t settled = 0;
    while (h->size && heap_min_key(h) <= max_ms && settled++ < settle_limit) {
        struct heap_entry e = heap_pop(h);
        /* Once every target is settled its distance is final: nothing more to learn. */
        if (b->wtarget[e.node] && --targets == 0) {
            break;
        }
        if (b->whops[e.node] >= hop_limit) {
            continue; /* reached, but not expanded further */
        }
        const struct clist *l = &b->out[e.node];
        uint8_t hops = (uint8_t)(b->whops[e.node] + 1);
        for (size_t i = 0; i < l->count; i++) {
            uint32_t x = l->e[i].other;
            uint32_t d = sum_ms(e.key, l->e[i].weight);
            if (x == avoid || d > max_ms) {
                continue;
            }
            if (b->wdist[x] == INF_MS) {
                b->wtouched[b->wtouched_count++] = x;
            } else if (b->wdist[x] <= d) {
                continue;
            }
            b->wdist[x] = d;
            b->whops[x] = hops;
            heap_push_or_decrease(h, x, d);
        }
    }
}

static void witness_reset(struct builder *b) {
    for (uint32_t i = 0; i < b->wtouched_count; i++) {
        b->wdist[b->wtouched[i]] = INF_MS;
        b->wheap.pos[b->wtouched[i]] = HEAP_ABSENT;
    }
    b->wtouched_count = 0;
    b->wheap.size = 0;
}

/*
 * The shortcuts contracting v needs: counted only (`simulate`), or added. The out-edges of
 * v are not touched by adding, so iterating them while adding is safe.
 */
static uint32_t contract(struct builder *b, uint32_t v, int simulate, uint32_t *hops_added) {
    uint32_t count = 0;
    *hops_added = 0;
    const struct clist *in = &b->in[v], *out = &b->out[v];
    if (simulate && (uint64_t)in->count * out->count > SIMULATE_MAX_PAIRS) {
        for (size_t i = 0; i < in->count; i++) {
            for (size_t k = 0; k < out->count; k++) {
                if (out->e[k].other != in->e[i].other) {
                    count++;
                    *hops_added += in->e[i].hops + out->e[k].hops;
                }
            }
        }
        return count;
    }
    for (size_t i = 0; i < in->count; i++) {
        uint32_t u = in->e[i].other, wu = in->e[i].weight;
        uint32_t max_ms = 0;
        int targets = 0;
        for (size_t k = 0; k < out->count; k++) {
            if (out->e[k].other != u) {
                uint32_t d = sum_ms(wu, out->e[k].weight);
                max_ms = d > max_ms ? d : max_ms;
                targets++;
            }
        }
        if (!targets) {
            continue; /* nothing but the way back to u */
        }
        for (size_t k = 0; k < out->count; k++) {
            b->wtarget[out->e[k].other] = out->e[k].other != u;
        }
        witness_search(b, u, v, max_ms, simulate ? SIMULATE_SETTLE_LIMIT : CONTRACT_SETTLE_LIMIT,
                       simulate ? SIMULATE_HOP_LIMIT : CONTRACT_HOP_LIMIT, (uint32_t)targets);
        for (size_t k = 0; k < out->count; k++) {
            b->wtarget[out->e[k].other] = 0;
        }
        for (size_t k = 0; k < out->count; k++) {
            uint32_t w = out->e[k].other;
            uint32_t d = sum_ms(wu, out->e[k].weight);
            if (w == u || b->wdist[w] <= d) {
                continue;
            }
            count++;
            *hops_added += in->e[i].hops + out->e[k].hops;
            if (!simulate) {
                add_edge(b, u, w, d, CH_SHORTCUT | v, in->e[i].hops + out->e[k].hops);
            }
        }
        witness_reset(b);
    }
    return count;
}

/*
 * Importance of v: the edge difference (shortcuts added minus edges removed), the difference
 * in original arcs those stand for (which keeps shortcuts from growing long, as Geisberger et
 * al. weigh it), contracted neighbours, and depth in the hierarchy.
 */
static int32_t priority(struct builder *b, uint32_t v) {
    uint32_t hops_added = 0;
    int32_t added = (int32_t)contract(b, v, 1, &hops_added);
    int32_t removed = (int32_t)(b->in[v].count + b->out[v].count);
    int64_t hops_removed = 0;
    for (size_t i = 0; i < b->in[v].count; i++) {
        hops_removed += b->in[v].e[i].hops;
    }
    for (size_t i = 0; i < b->out[v].count; i++) {
        hops_removed += b->out[v].e[i].hops;
    }
    return 2 * (added - removed) + (int32_t)((int64_t)hops_added - hops_removed) +
           (int32_t)b->deleted[v] + (int32_t)b->level[v];
}

/* The priority queue: a binary heap of nodes ordered by prio, then by node id. */
static int pq_less(const struct builder *b, uint32_t x, uint32_t y) {
    return b->prio[x] < b->prio[y] || (b->prio[x] == b->prio[y] && x < y);
}

static void pq_place(struct builder *b, uint32_t i, uint32_t v) {
    b->pq[i] = v;
    b->pq_pos[v] = i;
}

static void pq_sift_up(struct builder *b, uint32_t i) {
    uint32_t v = b->pq[i];
    while (i > 0 && pq_less(b, v, b->pq[(i - 1) / 2])) {
        pq_place(b, i, b->pq[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    pq_place(b, i, v);
}

static void pq_sift_down(struct builder *b, uint32_t i) {
    uint32_t v = b->pq[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= b->pq_size) {
            break;
        }
        if (c + 1 < b->pq_size && pq_less(b, b->pq[c + 1], b->pq[c])) {
            c++;
        }
        if (!pq_less(b, b->pq[c], v)) {
            break;
        }
        pq_place(b, i, b->pq[c]);
        i = c;
    }
    pq_place(b, i, v);
}

static void pq_update(struct builder *b, uint32_t v, int32_t prio) {
    int32_t old = b->prio[v];
    b->prio[v] = prio;
    if (prio < old) {
        pq_sift_up(b, b->pq_pos[v]);
    } else {
        pq_sift_down(b, b->pq_pos[v]);
    }
}

static uint32_t pq_pop(struct builder *b) {
    uint32_t v = b->pq[0];
    b->pq_pos[v] = HEAP_ABSENT;
    if (--b->pq_size > 0) {
        b->pq[0] = b->pq[b->pq_size];
        pq_sift_down(b, 0);
    }
    return v;
}

static void keep_final(struct builder *b, uint32_t from, uint32_t to, const struct cedge *e) {
    if (dorf_grow((void **)&b->final, &b->final_cap, b->final_count + 1, sizeof *b->final) != 0) {
        b->oom = 1;
        return;
    }
    b->final[b->final_count++] = (struct fedge){from, to, e->weight, e->mid};
}

/* Contracts v for good: shortcuts in, its edges out to the hierarchy, neighbours updated. */
static void contract_for_good(struct builder *b, uint32_t v, uint32_t v_stamp) {
    uint32_t hops_added = 0;
    b->shortcuts += contract(b, v, 0, &hops_added);
    struct clist *in = &b->in[v], *out = &b->out[v];
    for (size_t i = 0; i < out->count; i++) {
        keep_final(b, v, out->e[i].other, &out->e[i]);
        clist_remove(&b->in[out->e[i].other], v);
    }
    for (size_t i = 0; i < in->count; i++) {
        keep_final(b, in->e[i].other, v, &in->e[i]);
        clist_remove(&b->out[in->e[i].other], v);
    }
    for (int side = 0; side < 2; side++) {
        struct clist *l = side ? in : out;
        for (size_t i = 0; i < l->count; i++) {
            uint32_t x = l->e[i].other;
            if (b->stamp[x] == v_stamp) {
                continue;
            }
            b->stamp[x] = v_stamp;
            b->deleted[x]++;
            if (b->level[x] < b->level[v] + 1) {
                b->level[x] = b->level[v] + 1;
            }
            pq_update(b, x, priority(b, x));
        }
    }
    dorf_free(in->e);
    dorf_free(out->e);
    memset(in, 0, sizeof *in);
    memset(out, 0, sizeof *out);
}

static void builder_release(struct builder *b) {
    for (uint32_t v = 0; b->out && v < b->n; v++) {
        dorf_free(b->out[v].e);
    }
    for (uint32_t v = 0; b->in && v < b->n; v++) {
        dorf_free(b->in[v].e);
    }
    dorf_free(b->out);
    dorf_free(b->in);
    dorf_free(b->deleted);
    dorf_free(b->level);
    dorf_free(b->stamp);
    dorf_free(b->wdist);
    dorf_free(b->wtouched);
    dorf_free(b->whops);
    dorf_free(b->wtarget);
    dorf_free(b->wheap.items);
    dorf_free(b->wheap.pos);
    dorf_free(b->prio);
    dorf_free(b->pq);
    dorf_free(b->pq_pos);
    dorf_free(b->final);
}

/* Lays out the hierarchy's block from the contraction order and the kept edges. */
static dorf_status assemble(struct builder *b, const uint32_t *order, dorf_ch **out) {
    const dorf_graph *g = b->g;
    struct ch_header h = {0};
    memcpy(h.magic, CH_MAGIC, sizeof CH_MAGIC);
    h.layout_version = CH_LAYOUT_VERSION;
    h.mode = (uint32_t)g->mode;
    h.fingerprint = g->hdr->fingerprint;
    h.node_count = g->node_count;
    h.arc_count = g->arc_count;
    h.shortcut_count = b->shortcuts;
    uint32_t *rank = dorf_malloc(((size_t)b->n + 1) * sizeof *rank);
    if (!rank) {
        return dorf_fail(b->ctx, DORF_ENOMEM, "out of memory building the hierarchy");
    }
    for (uint32_t i = 0; i < b->n; i++) {
        rank[order[i]] = i;
    }
    for (size_t i = 0; i < b->final_count; i++) {
        if (rank[b->final[i].from] < rank[b->final[i].to]) {
            h.up_count++;
        } else {
            h.down_count++;
        }
    }
    uint64_t size = ch_layout(&h);
    dorf_ch *ch = dorf_calloc(1, sizeof *ch);
    void *block = dorf_calloc(1, (size_t)size);
    if (!ch || !block) {
        dorf_free(rank);
        dorf_free(ch);
        dorf_free(block);
        return dorf_fail(b->ctx, DORF_ENOMEM, "out of memory building the hierarchy");
    }
    memcpy(block, &h, sizeof h);
    ch->g = g;
    ch->hdr = block;
    ch->block_size = (size_t)size;
    ch_bind_arrays(ch);
    memcpy((uint32_t *)ch->rank, rank, (size_t)b->n * sizeof *rank);
    uint32_t *up_first = (uint32_t *)ch->up_first, *down_first = (uint32_t *)ch->down_first;
    for (size_t i = 0; i < b->final_count; i++) {
        uint32_t x = rank[b->final[i].from], y = rank[b->final[i].to];
        if (x < y) {
            up_first[x + 1]++;
        } else {
            down_first[y + 1]++;
        }
    }
    for (uint32_t v = 0; v < b->n; v++) {
        up_first[v + 1] += up_first[v];
        down_first[v + 1] += down_first[v];
    }
    /* Place edges, using rank[] beyond n as nothing: a fill cursor per node instead. */
    uint32_t *fill_up = b->wtouched, *fill_down = b->stamp; /* both n long, free by now */
    memcpy(fill_up, up_first, (size_t)b->n * sizeof *fill_up);
    memcpy(fill_down, down_first, (size_t)b->n * sizeof *fill_down);
    struct ch_edge *up = (struct ch_edge *)ch->up, *down = (struct ch_edge *)ch->down;
    uint32_t *up_mid = (uint32_t *)ch->up_mid, *down_mid = (uint32_t *)ch->down_mid;
    for (size_t i = 0; i < b->final_count; i++) {
        const struct fedge *f = &b->final[i];
        uint32_t x = rank[f->from], y = rank[f->to];
        uint32_t mid = f->mid & CH_SHORTCUT ? CH_SHORTCUT | rank[f->mid & ~CH_SHORTCUT] : f->mid;
        if (x < y) {
            uint32_t e = fill_up[x]++;
            up[e] = (struct ch_edge){y, f->weight};
            up_mid[e] = mid;
        } else {
            uint32_t e = fill_down[y]++;
            down[e] = (struct ch_edge){x, f->weight};
            down_mid[e] = mid;
        }
    }
    dorf_free(rank);
    *out = ch;
    return DORF_OK;
}

dorf_status dorf_ch_build(dorf_ctx *ctx, const dorf_graph *g, dorf_ch **out) {
    *out = NULL;
    struct builder b = {.ctx = ctx, .g = g, .n = g->node_count};
    size_t n = b.n ? b.n : 1;
    b.out = dorf_calloc(n, sizeof *b.out);
    b.in = dorf_calloc(n, sizeof *b.in);
    b.deleted = dorf_calloc(n, sizeof *b.deleted);
    b.level = dorf_calloc(n, sizeof *b.level);
    b.stamp = dorf_malloc(n * sizeof *b.stamp);
    b.wdist = dorf_malloc(n * sizeof *b.wdist);
    b.wtouched = dorf_malloc(n * sizeof *b.wtouched);
    b.whops = dorf_malloc(n * sizeof *b.whops);
    b.wtarget = dorf_calloc(n, sizeof *b.wtarget);
    b.wheap.items = dorf_malloc(n * sizeof *b.wheap.items);
    b.wheap.pos = dorf_malloc(n * sizeof *b.wheap.pos);
    b.prio = dorf_malloc(n * sizeof *b.prio);
    b.pq = dorf_malloc(n * sizeof *b.pq);
    b.pq_pos = dorf_malloc(n * sizeof *b.pq_pos);
    uint32_t *order = dorf_malloc(n * sizeof *order);
    dorf_status st = DORF_OK;
    if (!b.out || !b.in || !b.deleted || !b.level || !b.stamp || !b.wdist || !b.wtouched ||
        !b.whops || !b.wtarget || !b.wheap.items || !b.wheap.pos || !b.prio || !b.pq || !b.pq_pos ||
        !order) {
        goto oom;
    }
    memset(b.stamp, 0xff, n * sizeof *b.stamp);
    memset(b.wdist, 0xff, n * sizeof *b.wdist);
    memset(b.wheap.pos, 0xff, n * sizeof *b.wheap.pos);
    for (uint32_t a = 0; a < g->arc_count && !b.oom; a++) {
        if (g->tail[a] != g->head[a]) {
            add_edge(&b, g->tail[a], g->head[a], g->weight[a], a, 1);
        }
    }
    if (b.oom) {
        goto oom;
    }
    for (uint32_t v = 0; v < b.n; v++) {
        b.prio[v] = priority(&b, v);
        b.pq[v] = v;
        b.pq_pos[v] = v;
    }
    b.pq_size = b.n;
    for (uint32_t i = b.n / 2; i-- > 0;) {
        pq_sift_down(&b, i);
    }
    uint32_t done = 0;
    while (b.pq_size) {
        if ((done & 255) == 0) {
            if (dorf_ctx_interrupted(ctx)) {
                st = dorf_fail(ctx, DORF_EINTR, "interrupted while building the hierarchy");
                goto fail;
            }
            dorf_progress(ctx, "contracting", done, b.n);
        }
        uint32_t v = b.pq[0];
        int32_t p = priority(&b, v);
        if (p > b.prio[v]) {
            /* Lazy update: it became less attractive since it was queued. */
            pq_update(&b, v, p);
            if (b.pq[0] != v) {
                continue;
            }
        }
        pq_pop(&b);
        order[done++] = v;
        contract_for_good(&b, v, v);
        if (b.oom) {
            goto oom;
        }
    }
    dorf_progress(ctx, "contracting", b.n, b.n);
    st = assemble(&b, order, out);
    goto fail;
oom:
    st = dorf_fail(ctx, DORF_ENOMEM, "out of memory building the %s hierarchy",
                   dorf_mode_name(g->mode));
fail:
    dorf_free(order);
    builder_release(&b);
    return st;
}
