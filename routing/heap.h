/*
 * heap.h: an indexed 4-ary min-heap of graph nodes keyed by travel time, with decrease-key,
 * for the search algorithms. A 4-ary heap is shallower than a binary one and its children
 * share a cache line, which is what Dijkstra spends its time on.
 *
 * The caller owns `pos` (one entry per node, HEAP_ABSENT when the node is not in the heap)
 * and resets it for the nodes it touched; the heap itself holds at most node_count entries.
 */
#ifndef DORF_HEAP_H
#define DORF_HEAP_H

#include <stdint.h>

#define HEAP_ABSENT UINT32_MAX

struct heap_entry {
    uint32_t key;
    uint32_t node;
};

struct heap {
    struct heap_entry *items;
    uint32_t *pos;
    uint32_t size;
};

static inline void heap_place(struct heap *h, uint32_t i, struct heap_entry e) {
    h->items[i] = e;
    h->pos[e.node] = i;
}

static inline void heap_sift_up(struct heap *h, uint32_t i, struct heap_entry e) {
    while (i > 0) {
        uint32_t parent = (i - 1) / 4;
        if (h->items[parent].key <= e.key) {
            break;
        }
        heap_place(h, i, h->items[parent]);
        i = parent;
    }
    heap_place(h, i, e);
}

/* Inserts `node` with `key`, or lowers its key if it is in the heap with a larger one. */
static inline void heap_push_or_decrease(struct heap *h, uint32_t node, uint32_t key) {
    uint32_t i = h->pos[node];
    if (i == HEAP_ABSENT) {
        i = h->size++;
    } else if (h->items[i].key <= key) {
        return;
    }
    heap_sift_up(h, i, (struct heap_entry){key, node});
}

/* Removes and returns the entry with the smallest key; the heap must not be empty. */
static inline struct heap_entry heap_pop(struct heap *h) {
    struct heap_entry top = h->items[0];
    h->pos[top.node] = HEAP_ABSENT;
    struct heap_entry last = h->items[--h->size];
    if (h->size == 0) {
        return top;
    }
    uint32_t i = 0;
    for (;;) {
        uint32_t first = 4 * i + 1;
        if (first >= h->size) {
            break;
        }
        uint32_t best = first;
        uint32_t end = first + 4 < h->size ? first + 4 : h->size;
        for (uint32_t c = first + 1; c < end; c++) {
            if (h->items[c].key < h->items[best].key) {
                best = c;
            }
        }
        if (h->items[best].key >= last.key) {
            break;
        }
        heap_place(h, i, h->items[best]);
        i = best;
    }
    heap_place(h, i, last);
    return top;
}

static inline uint32_t heap_min_key(const struct heap *h) {
    return h->size ? h->items[0].key : UINT32_MAX;
}

#endif
