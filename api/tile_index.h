/*
 * tile_index.h: a static spatial index over boxes: a packed Hilbert R-tree, built once from
 * all boxes and then only searched (in the manner of Vladimir Agafonkin's flatbush).
 *
 * Items are numbered 0 .. n-1 in the order their boxes were given. The tree sorts them by the
 * Hilbert value of their boxes' centres and packs them into nodes of up to 16 children, level
 * by level, in two flat arrays; a search walks the tree with a small explicit stack. A built
 * index is read-only, so any number of threads may search it at once.
 */
#ifndef DORF_API_TILE_INDEX_H
#define DORF_API_TILE_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct tile_index tile_index;

/*
 * Builds the index over `n` boxes: boxes[4 * i .. 4 * i + 3] = min x, min y, max x, max y of
 * item i (min <= max). *out is freed with tile_index_free(); with n = 0 it is an empty index.
 * Returns 0, or -1 when out of memory (or n >= 2^31).
 */
int tile_index_build(const double *boxes, size_t n, tile_index **out);

/* Frees the index. Accepts NULL. */
void tile_index_free(tile_index *index);

/* A growable list of item numbers, for search results. */
typedef struct tile_hits {
    uint32_t *items;
    size_t n, cap;
} tile_hits;

/*
 * Appends to `hits` (after emptying it) every item whose box intersects the box min x, min y,
 * max x, max y (touching counts), in ascending item order. Returns 0, or -1 when out of
 * memory.
 */
int tile_index_search(const tile_index *index, double minx, double miny, double maxx, double maxy,
                      tile_hits *hits);

/* Frees the list's array. */
void tile_hits_free(tile_hits *hits);

#endif
