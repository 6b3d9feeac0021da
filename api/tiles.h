/*
 * tiles.h: the vector tiles' shared state in `dorf serve`: the region's base map in memory,
 * kept current, a bounded cache of encoded base tiles, and reusable render buffers.
 *
 * The server owns one api_tiles (server.c; api_server_tiles). The first base tile request
 * loads the region (dorf_store_load_region) and builds its base map (tile_base.h) under a
 * lock; later requests share it. At most every API_TILES_CHECK_S seconds a request compares
 * the stored region's stamp (dorf_store_stamp) with the loaded one and, when a new import
 * replaced the region, loads it again: requests that hold the old base map finish with it
 * (it is freed when the last lets go), the cache is emptied, and the generation and the
 * stamp's hash (used in ETags) change.
 */
#ifndef DORF_API_TILES_H
#define DORF_API_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "api_internal.h"
#include "mvt.h"
#include "tile_base.h"
#include "tile_path.h"

#define API_TILES_CHECK_S 5                      /* seconds between checks of the stamp */
#define API_TILES_CACHE_BYTES ((size_t)64 << 20) /* 64 MiB of cached base tiles */

typedef struct api_tiles api_tiles;

/* The state, with nothing loaded yet; NULL when out of memory. */
api_tiles *api_tiles_new(void);

/* Frees it. Accepts NULL. No request may be using it. */
void api_tiles_free(api_tiles *tiles);

/* The server's tiles (server.c). */
api_tiles *api_server_tiles(api_server *server);

/* A request's hold on the loaded base map. */
typedef struct api_tiles_ref {
    const tile_base *base;
    uint64_t generation; /* which load it is (1, 2, ...) */
    char stamp[24];      /* a hash of the region's stamp, hex: the ETags' first part */
    void *loaded;        /* private */
} api_tiles_ref;

/*
 * Holds the current base map in *ref, loading it through `store` when none is loaded or the
 * stored region changed (checked when `now`, seconds, is API_TILES_CHECK_S past the last
 * check). Release it with api_tiles_release(). DORF_ENOTFOUND when no region has been
 * imported; DORF_EIO or DORF_ENOMEM (message in ctx) when loading fails and no older base
 * map can stand in.
 */
dorf_status api_tiles_acquire(api_tiles *tiles, dorf_store *store, dorf_ctx *ctx, int64_t now,
                              api_tiles_ref *ref);

/* Lets go of a hold (the base map is freed when it was replaced and this was the last). */
void api_tiles_release(api_tiles *tiles, api_tiles_ref *ref);

/*
 * The encoded base tile `t` of the held base map: from the cache, or rendered and cached.
 * *data is dorf_malloc'ed (dorf_free it; NULL when the tile is empty), *size its length.
 * 0, or -1 out of memory.
 */
int api_tiles_base_tile(api_tiles *tiles, const api_tiles_ref *ref, tile_addr t, uint8_t **data,
                        size_t *size);

/* A render buffer pair from the pool (or new); NULL out of memory. Give it back with put. */
typedef struct api_tiles_worker {
    mvt_encoder *enc;
    tile_work *work;
} api_tiles_worker;

api_tiles_worker *api_tiles_worker_get(api_tiles *tiles);
void api_tiles_worker_put(api_tiles *tiles, api_tiles_worker *worker);

#endif
