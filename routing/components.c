/*
 * components.c: the strongly connected components of a graph (Kosaraju's algorithm, as in
 * Sharir, "A strong-connectivity algorithm and its applications in data flow analysis",
 * 1981), with iterative depth-first searches so that long roads cannot overflow the stack.
 *
 * Snapping uses them: a point snapped onto a piece of road that cannot be left (a one-way
 * road cut off at the extract's edge, a car park aisle mapped without its entrance) would
 * make every route to or from it fail, so only segments inside large components are offered.
 */
#include <string.h>

#include "dorf/alloc.h"
#include "graph_internal.h"

/* Components with at least this many nodes (or the largest, if smaller) take snapped points. */
#define MIN_SNAP_COMPONENT 200u

dorf_status graph_mark_snappable(dorf_ctx *ctx, const dorf_graph *g, uint8_t *snappable) {
    uint32_t n = g->node_count;
    size_t count = n ? n : 1;
    uint32_t *order = dorf_malloc(count * sizeof *order);
    uint32_t *stack = dorf_malloc(count * sizeof *stack);
    uint32_t *next = dorf_malloc(count * sizeof *next);
    uint32_t *comp = dorf_malloc(count * sizeof *comp);
    uint32_t *size = dorf_calloc(count, sizeof *size);
    if (!order || !stack || !next || !comp || !size) {
        dorf_free(order);
        dorf_free(stack);
        dorf_free(next);
        dorf_free(comp);
        dorf_free(size);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory finding connected roads");
    }
    /* Pass 1: nodes in order of finishing a forward depth-first search. */
    uint32_t finished = 0;
    memset(comp, 0xff, count * sizeof *comp); /* doubles as "visited" in pass 1 */
    for (uint32_t root = 0; root < n; root++) {
        if (comp[root] != UINT32_MAX) {
            continue;
        }
        uint32_t depth = 0;
        stack[depth++] = root;
        comp[root] = 0;
        next[root] = g->first_out[root];
        while (depth) {
            uint32_t v = stack[depth - 1];
            if (next[v] < g->first_out[v + 1]) {
                uint32_t w = g->head[next[v]++];
                if (comp[w] == UINT32_MAX) {
                    comp[w] = 0;
                    next[w] = g->first_out[w];
                    stack[depth++] = w;
                }
            } else {
                order[finished++] = v;
                depth--;
            }
        }
    }
    /* Pass 2: backward searches in reverse finishing order; each one is a component. */
    memset(comp, 0xff, count * sizeof *comp);
    uint32_t components = 0, largest = 0;
    for (uint32_t k = n; k-- > 0;) {
        uint32_t root = order[k];
        if (comp[root] != UINT32_MAX) {
            continue;
        }
        uint32_t c = components++;
        uint32_t depth = 0;
        stack[depth++] = root;
        comp[root] = c;
        while (depth) {
            uint32_t v = stack[--depth];
            size[c]++;
            for (uint32_t i = g->first_in[v]; i < g->first_in[v + 1]; i++) {
                uint32_t w = g->tail[g->in_arc[i]];
                if (comp[w] == UINT32_MAX) {
                    comp[w] = c;
                    stack[depth++] = w;
                }
            }
        }
        if (size[c] > largest) {
            largest = size[c];
        }
    }
    uint32_t threshold = largest < MIN_SNAP_COMPONENT ? largest : MIN_SNAP_COMPONENT;
    for (uint32_t s = 0; s < g->segment_count; s++) {
        uint32_t a = g->seg_arc[2 * s] != NO_ARC ? g->seg_arc[2 * s] : g->seg_arc[2 * s + 1];
        snappable[s] = a != NO_ARC && size[comp[g->tail[a]]] >= threshold &&
                       size[comp[g->head[a]]] >= threshold;
    }
    dorf_free(order);
    dorf_free(stack);
    dorf_free(next);
    dorf_free(comp);
    dorf_free(size);
    return DORF_OK;
}
