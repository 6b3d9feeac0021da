/*
 * turns.c: turn restrictions, by expanding the junctions they apply to.
 *
 * A junction v with a restriction for the mode is replaced by one node per arc arriving at
 * v and one per arc leaving it (all at v's position); arriving arcs end in their own node,
 * leaving arcs start from theirs, and a zero-time turn arc joins an arriving node to a
 * leaving node for each turn the restrictions allow. Junctions without restrictions stay
 * single nodes, so the graph grows only where OSM maps a restriction, and every search
 * algorithm obeys the restrictions without knowing about them.
 *
 * A turn from arriving arc i to leaving arc j is forbidden by a no_* restriction whose from
 * way is i's way and whose to way is j's way (no_u_turn: only the way back along the same
 * segment), and by an only_* restriction from i's way whose to way is not j's way.
 */
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "graph_internal.h"

/* Does restriction `t` (at this junction) forbid the turn from arc `in` to arc `out`? */
static int forbids(const dorf_region *r, const dorf_turn_restriction *t, const struct raw_arc *in,
                   const struct raw_arc *out) {
    int64_t from_way = r->edges[in->segment >> 1].osm_way_id;
    int64_t to_way = r->edges[out->segment >> 1].osm_way_id;
    if (from_way != t->from_way_id) {
        return 0;
    }
    if (t->only) {
        return to_way != t->to_way_id;
    }
    if (t->kind && strcmp(t->kind, "no_u_turn") == 0) {
        return (in->segment >> 1) == (out->segment >> 1);
    }
    return to_way == t->to_way_id;
}

/* An item (arc or restriction) keyed by its junction, for grouping by sorting. */
struct by_node {
    uint32_t node;
    uint32_t item;
};

static int by_node_cmp(const void *x, const void *y) {
    const struct by_node *a = x, *b = y;
    if (a->node != b->node) {
        return a->node < b->node ? -1 : 1;
    }
    return (a->item > b->item) - (a->item < b->item);
}

/* The first index whose node is >= v. */
static size_t lower_bound(const struct by_node *items, size_t n, uint32_t v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (items[mid].node < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

dorf_status graph_expand_turns(dorf_ctx *ctx, const dorf_region *r, dorf_mode mode,
                               struct raw_graph *rg) {
    const uint8_t bit = (uint8_t)(1u << mode);
    size_t original_nodes = rg->node_count;
    /* restricted[v]: 1 when a restriction for this mode has v as its via node. */
    uint8_t *restricted = dorf_calloc(original_nodes ? original_nodes : 1, 1);
    if (!restricted) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
    }
    size_t junctions = 0;
    for (size_t i = 0; i < r->restriction_count; i++) {
        const dorf_turn_restriction *t = &r->restrictions[i];
        if ((t->modes & bit) && t->via_node < original_nodes && !restricted[t->via_node]) {
            restricted[t->via_node] = 1;
            junctions++;
        }
    }
    if (junctions == 0) {
        dorf_free(restricted);
        return DORF_OK;
    }
    /* Give every arc touching a restricted junction its own node there. */
    size_t segment_arcs = rg->arc_count;
    uint32_t *in_node = dorf_malloc((segment_arcs ? segment_arcs : 1) * sizeof *in_node);
    uint32_t *out_node = dorf_malloc((segment_arcs ? segment_arcs : 1) * sizeof *out_node);
    struct by_node *leaving = NULL, *rules = NULL;
    dorf_status st = DORF_OK;
    if (!in_node || !out_node) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
        goto done;
    }
    for (size_t a = 0; a < segment_arcs; a++) {
        struct raw_arc *arc = &rg->arcs[a];
        in_node[a] = out_node[a] = NO_NODE;
        uint32_t ends[2] = {arc->head, arc->tail};
        for (int k = 0; k < 2; k++) {
            uint32_t v = ends[k];
            if (!restricted[v]) {
                continue;
            }
            if (dorf_grow((void **)&rg->lon, &rg->node_cap, rg->node_count + 1, sizeof *rg->lon) !=
                0) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
                goto done;
            }
            double *lat = dorf_realloc(rg->lat, rg->node_cap * sizeof *rg->lat);
            if (!lat) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
                goto done;
            }
            rg->lat = lat;
            uint32_t copy = (uint32_t)rg->node_count++;
            rg->lon[copy] = rg->lon[v];
            rg->lat[copy] = rg->lat[v];
            if (k == 0) {
                in_node[a] = copy;
            } else {
                out_node[a] = copy;
            }
        }
    }
    /* Leaving arcs grouped by junction, so that each arriving arc meets only its own. */
    size_t leaving_count = 0;
    for (size_t a = 0; a < segment_arcs; a++) {
        leaving_count += out_node[a] != NO_NODE;
    }
    leaving = dorf_malloc((leaving_count ? leaving_count : 1) * sizeof *leaving);
    rules = dorf_malloc((r->restriction_count ? r->restriction_count : 1) * sizeof *rules);
    if (!leaving || !rules) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
        goto done;
    }
    leaving_count = 0;
    for (size_t a = 0; a < segment_arcs; a++) {
        if (out_node[a] != NO_NODE) {
            leaving[leaving_count++] = (struct by_node){rg->arcs[a].tail, (uint32_t)a};
        }
    }
    qsort(leaving, leaving_count, sizeof *leaving, by_node_cmp);
    size_t rule_count = 0;
    for (size_t k = 0; k < r->restriction_count; k++) {
        if (r->restrictions[k].modes & bit) {
            rules[rule_count++] = (struct by_node){r->restrictions[k].via_node, (uint32_t)k};
        }
    }
    qsort(rules, rule_count, sizeof *rules, by_node_cmp);
    /* Turn arcs: for each arriving arc, every allowed leaving arc of its junction. */
    for (size_t i = 0; i < segment_arcs && st == DORF_OK; i++) {
        if (in_node[i] == NO_NODE) {
            continue;
        }
        uint32_t v = rg->arcs[i].head;
        size_t lo = lower_bound(leaving, leaving_count, v);
        size_t rule_lo = lower_bound(rules, rule_count, v);
        for (size_t l = lo; l < leaving_count && leaving[l].node == v; l++) {
            uint32_t j = leaving[l].item;
            int allowed = 1;
            for (size_t k = rule_lo; k < rule_count && rules[k].node == v && allowed; k++) {
                allowed = !forbids(r, &r->restrictions[rules[k].item], &rg->arcs[i], &rg->arcs[j]);
            }
            if (!allowed) {
                continue;
            }
            if (dorf_grow((void **)&rg->arcs, &rg->arc_cap, rg->arc_count + 1, sizeof *rg->arcs) !=
                0) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory expanding turn restrictions");
                break;
            }
            rg->arcs[rg->arc_count++] =
                (struct raw_arc){in_node[i], out_node[j], 0, DORF_GRAPH_TURN};
        }
    }
    /* Only now re-point the segment arcs, so that the loop above could match them by v. */
    for (size_t a = 0; a < segment_arcs && st == DORF_OK; a++) {
        if (in_node[a] != NO_NODE) {
            rg->arcs[a].head = in_node[a];
        }
        if (out_node[a] != NO_NODE) {
            rg->arcs[a].tail = out_node[a];
        }
    }

done:
    dorf_free(leaving);
    dorf_free(rules);
    dorf_free(restricted);
    dorf_free(in_node);
    dorf_free(out_node);
    return st;
}
