/*
 * tile_cache.h: a bounded in-memory cache of encoded tiles, least recently used out first.
 *
 * Entries are keyed by a generation (which region load made them) and z/x/y, so a tile of an
 * older region is never served: the owner bumps the generation when it reloads and the old
 * entries age out (or are dropped at once with tile_cache_clear). The bytes held (tile bodies
 * plus a fixed charge per entry) never exceed the bound given at creation. All functions
 * take the cache's own lock, so any thread may call them.
 */
#ifndef DORF_API_TILE_CACHE_H
#define DORF_API_TILE_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tile_cache tile_cache;

/* A cache holding at most `max_bytes`; NULL when out of memory. */
tile_cache *tile_cache_new(size_t max_bytes);

/* Frees the cache and its entries. Accepts NULL. */
void tile_cache_free(tile_cache *cache);

/*
 * Looks up a tile. On a hit, *data is a dorf_malloc'ed copy of its bytes (NULL for an empty
 * tile; dorf_free it) and *size its length, and 1 is returned; on a miss (or out of memory)
 * 0.
 */
int tile_cache_get(tile_cache *cache, uint64_t generation, unsigned z, uint32_t x, uint32_t y,
                   uint8_t **data, size_t *size);

/*
 * Stores a copy of a tile's bytes (size may be 0), replacing an entry of the same key and
 * evicting the least recently used entries to stay within the bound. A tile larger than the
 * bound is not stored. Out of memory simply leaves it out.
 */
void tile_cache_put(tile_cache *cache, uint64_t generation, unsigned z, uint32_t x, uint32_t y,
                    const uint8_t *data, size_t size);

/* Drops every entry. */
void tile_cache_clear(tile_cache *cache);

/* Entries and bytes held now (for tests and the log). */
void tile_cache_usage(tile_cache *cache, size_t *entries, size_t *bytes);

#endif
