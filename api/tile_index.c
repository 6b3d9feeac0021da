/*
 * tile_index.c: the packed Hilbert R-tree of tile_index.h.
 *
 * Layout (as in flatbush): nodes are stored level by level, the leaves (the items, in Hilbert
 * order) first and the root last. boxes[4 * i ..] is node i's box; index[i] is, for a leaf, the
 * item's number and, for an inner node, the position of its first child (its children are the
 * next NODE_SIZE nodes of the level below, or fewer at the level's end). level_end[k] is one
 * past the last node of level k. The Hilbert value is taken on a 2^16 x 2^16 grid over the
 * extent of all boxes, after Hilbert (1891) in the iterative form of Warren's "Hacker's
 * Delight" (xy to d with rotations).
 */
#include "tile_index.h"

#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"

#define NODE_SIZE 16
#define MAX_LEVELS 16 /* 16^8 > 2^31 items: far more than needed */

struct tile_index {
    size_t items;
    size_t nodes;
    double *boxes;
    uint32_t *index;
    size_t level_end[MAX_LEVELS];
    size_t levels;
};

static uint64_t hilbert(uint32_t x, uint32_t y) {
    const uint32_t n = 1u << 16;
    uint64_t d = 0;
    for (uint32_t s = n / 2; s > 0; s /= 2) {
        uint32_t rx = (x & s) > 0;
        uint32_t ry = (y & s) > 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void tile_index_free(tile_index *t) {
    if (t) {
        dorf_free(t->boxes);
        dorf_free(t->index);
        dorf_free(t);
    }
}

int tile_index_build(const double *boxes, size_t n, tile_index **out) {
    *out = NULL;
    if (n >= (size_t)1 << 31) {
        return -1;
    }
    tile_index *t = dorf_calloc(1, sizeof *t);
    if (!t) {
        return -1;
    }
    t->items = n;
    /* Count the nodes level by level; even one item gets a root above it. */
    size_t count = n, total = n;
    t->level_end[0] = n;
    t->levels = 1;
    uint64_t *order = NULL;
    if (n == 0) {
        *out = t;
        return 0;
    }
    do {
        count = (count + NODE_SIZE - 1) / NODE_SIZE;
        total += count;
        t->level_end[t->levels++] = total;
    } while (count > 1);
    t->nodes = total;
    t->boxes = dorf_malloc(4 * total * sizeof *t->boxes);
    t->index = dorf_malloc(total * sizeof *t->index);
    order = dorf_malloc(n * sizeof *order);
    if (!t->boxes || !t->index || !order) {
        goto fail;
    }
    double minx = boxes[0], miny = boxes[1], maxx = boxes[2], maxy = boxes[3];
    for (size_t i = 1; i < n; i++) {
        const double *b = boxes + 4 * i;
        minx = b[0] < minx ? b[0] : minx;
        miny = b[1] < miny ? b[1] : miny;
        maxx = b[2] > maxx ? b[2] : maxx;
        maxy = b[3] > maxy ? b[3] : maxy;
    }
    double w = maxx - minx, h = maxy - miny;
    const double grid = 65535.0;
    for (size_t i = 0; i < n; i++) {
        const double *b = boxes + 4 * i;
        uint32_t hx = w > 0 ? (uint32_t)(grid * ((b[0] + b[2]) / 2 - minx) / w) : 0;
        uint32_t hy = h > 0 ? (uint32_t)(grid * ((b[1] + b[3]) / 2 - miny) / h) : 0;
        /* The Hilbert value above, the item below: sorting sorts both, ties by item. */
        order[i] = hilbert(hx, hy) << 31 | i;
    }
    qsort(order, n, sizeof *order, cmp_u64);
    for (size_t i = 0; i < n; i++) {
        uint32_t item = (uint32_t)(order[i] & 0x7fffffffu);
        memcpy(t->boxes + 4 * i, boxes + 4 * (size_t)item, 4 * sizeof *boxes);
        t->index[i] = item;
    }
    /* Each level's nodes group up to NODE_SIZE consecutive nodes of the level below. */
    size_t pos = n;
    for (size_t level = 1; level < t->levels; level++) {
        size_t begin = level == 1 ? 0 : t->level_end[level - 2];
        size_t end = t->level_end[level - 1];
        for (size_t c = begin; c < end; c += NODE_SIZE) {
            size_t last = c + NODE_SIZE < end ? c + NODE_SIZE : end;
            double *b = t->boxes + 4 * pos;
            memcpy(b, t->boxes + 4 * c, 4 * sizeof *b);
            for (size_t k = c + 1; k < last; k++) {
                const double *cb = t->boxes + 4 * k;
                b[0] = cb[0] < b[0] ? cb[0] : b[0];
                b[1] = cb[1] < b[1] ? cb[1] : b[1];
                b[2] = cb[2] > b[2] ? cb[2] : b[2];
                b[3] = cb[3] > b[3] ? cb[3] : b[3];
            }
            t->index[pos] = (uint32_t)c;
            pos++;
        }
    }
    dorf_free(order);
    *out = t;
    return 0;

fail:
    dorf_free(order);
    tile_index_free(t);
    return -1;
}

void tile_hits_free(tile_hits *hits) {
    dorf_free(hits->items);
    memset(hits, 0, sizeof *hits);
}

int tile_index_search(const tile_index *t, double minx, double miny, double maxx, double maxy,
                      tile_hits *hits) {
    hits->n = 0;
    if (t->nodes == 0) {
        return 0;
    }
    /* Depth-first: at most (NODE_SIZE - 1) pending nodes per level, plus the root. */
    size_t stack[NODE_SIZE * MAX_LEVELS];
    size_t top = 0;
    stack[top++] = t->nodes - 1;
    while (top > 0) {
        size_t node = stack[--top];
        size_t first, end;
        if (node < t->items) {
            continue; /* not reached: leaves are never pushed */
        }
        first = t->index[node];
        /* The children's level ends at the first level end past them. */
        end = first + NODE_SIZE;
        for (size_t k = 0; k < t->levels; k++) {
            if (t->level_end[k] > first) {
                end = end < t->level_end[k] ? end : t->level_end[k];
                break;
            }
        }
        for (size_t c = first; c < end; c++) {
            const double *b = t->boxes + 4 * c;
            if (b[2] < minx || b[0] > maxx || b[3] < miny || b[1] > maxy) {
                continue;
            }
            if (c < t->items) {
                if (dorf_grow((void **)&hits->items, &hits->cap, hits->n + 1,
                              sizeof *hits->items) != 0) {
                    return -1;
                }
                hits->items[hits->n++] = t->index[c];
            } else {
                stack[top++] = c;
            }
        }
    }
    if (hits->n > 1) {
        qsort(hits->items, hits->n, sizeof *hits->items, cmp_u32);
    }
    return 0;
}
