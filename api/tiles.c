/*
 * tiles.c: the shared state of the vector tiles (tiles.h).
 *
 * Two locks: `lock` guards the pointer to the loaded base map, its reference counts, the time
 * of the last check and the worker pool, and is only ever held for a few instructions;
 * `load_lock` serialises checking the stamp and loading, which reads the database and may
 * take a second for a district, so that one request loads while the others wait for it (and
 * then find it loaded) and no two requests load the same region at once. A loaded base map
 * carries a reference count: the state holds one, each request one more; swapping in a new
 * base map drops the state's, and whoever drops the last frees it.
 */
#include "tiles.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "tile_cache.h"

#define POOL_MAX 16 /* idle render buffers kept */

struct loaded {
    tile_base *base;
    unsigned refs;
    uint64_t generation;
    dorf_region_stamp stamp;
    char stamp_hex[24];
};

struct api_tiles {
    pthread_mutex_t lock;
    pthread_mutex_t load_lock;
    struct loaded *current; /* NULL until loaded */
    int64_t checked_at;     /* when the stamp was last compared (seconds) */
    uint64_t generations;
    tile_cache *cache;
    api_tiles_worker *pool[POOL_MAX];
    size_t pool_n;
};

api_tiles *api_tiles_new(void) {
    api_tiles *t = dorf_calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    if (!(t->cache = tile_cache_new(API_TILES_CACHE_BYTES))) {
        dorf_free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->load_lock, NULL);
    return t;
}

static void loaded_free(struct loaded *l) {
    if (l) {
        tile_base_free(l->base);
        dorf_free(l);
    }
}

static void worker_free(api_tiles_worker *w) {
    if (w) {
        mvt_encoder_free(w->enc);
        tile_work_free(w->work);
        dorf_free(w);
    }
}

void api_tiles_free(api_tiles *t) {
    if (!t) {
        return;
    }
    loaded_free(t->current);
    tile_cache_free(t->cache);
    for (size_t i = 0; i < t->pool_n; i++) {
        worker_free(t->pool[i]);
    }
    pthread_mutex_destroy(&t->lock);
    pthread_mutex_destroy(&t->load_lock);
    dorf_free(t);
}

static int same_stamp(const dorf_region_stamp *a, const dorf_region_stamp *b) {
    return strcmp(a->imported_at, b->imported_at) == 0 && a->road_nodes == b->road_nodes &&
           a->road_edges == b->road_edges && a->turn_restrictions == b->turn_restrictions;
}

/* FNV-1a over the stamp's fields, as 16 hex digits. */
static void stamp_hash(const dorf_region_stamp *s, char out[24]) {
    uint64_t h = 14695981039346656037ull;
    char text[160];
    int n = snprintf(text, sizeof text, "%s|%llu|%llu|%llu", s->imported_at,
                     (unsigned long long)s->road_nodes, (unsigned long long)s->road_edges,
                     (unsigned long long)s->turn_restrictions);
    for (int i = 0; i < n && i < (int)sizeof text; i++) {
        h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    }
    snprintf(out, 24, "%016llx", (unsigned long long)h);
}

/* Takes a reference on the current base map into *ref; with t->lock held. */
static void hold_current(api_tiles *t, api_tiles_ref *ref) {
    struct loaded *l = t->current;
    l->refs++;
    ref->base = l->base;
    ref->generation = l->generation;
    memcpy(ref->stamp, l->stamp_hex, sizeof ref->stamp);
    ref->loaded = l;
}

/* 1 (and *ref held) when a base map is loaded and was checked recently enough. */
static int hold_if_fresh(api_tiles *t, int64_t now, api_tiles_ref *ref) {
    pthread_mutex_lock(&t->lock);
    int fresh = t->current && now - t->checked_at < API_TILES_CHECK_S && now >= t->checked_at;
    if (fresh) {
        hold_current(t, ref);
    }
    pthread_mutex_unlock(&t->lock);
    return fresh;
}

dorf_status api_tiles_acquire(api_tiles *t, dorf_store *store, dorf_ctx *ctx, int64_t now,
                              api_tiles_ref *ref) {
    memset(ref, 0, sizeof *ref);
    if (hold_if_fresh(t, now, ref)) {
        return DORF_OK;
    }
    pthread_mutex_lock(&t->load_lock);
    dorf_status st = DORF_OK;
    if (hold_if_fresh(t, now, ref)) { /* another request loaded it meanwhile */
        goto done;
    }
    dorf_region_stamp stamp;
    memset(&stamp, 0, sizeof stamp);
    st = dorf_store_stamp(store, &stamp);
    if (st == DORF_OK && t->current && same_stamp(&stamp, &t->current->stamp)) {
        pthread_mutex_lock(&t->lock);
        t->checked_at = now;
        hold_current(t, ref);
        pthread_mutex_unlock(&t->lock);
        goto done;
    }
    struct loaded *l = NULL;
    dorf_region *region = NULL;
    if (st == DORF_OK) {
        st = dorf_store_load_region(store, &region);
    }
    if (st == DORF_OK) {
        if (!(l = dorf_calloc(1, sizeof *l))) {
            dorf_region_free(region);
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory loading the region for tiles");
        } else {
            st = tile_base_build(ctx, region, &l->base);
        }
    }
    if (st != DORF_OK) {
        dorf_free(l);
        /* Serve the older base map rather than nothing, and try again at the next check. */
        pthread_mutex_lock(&t->lock);
        if (t->current && st != DORF_ENOTFOUND) {
            t->checked_at = now;
            hold_current(t, ref);
            st = DORF_OK;
        }
        pthread_mutex_unlock(&t->lock);
        goto done;
    }
    l->stamp = stamp;
    stamp_hash(&stamp, l->stamp_hex);
    l->refs = 1; /* the state's own */
    pthread_mutex_lock(&t->lock);
    struct loaded *old = t->current;
    l->generation = ++t->generations;
    t->current = l;
    t->checked_at = now;
    hold_current(t, ref);
    int free_old = old && --old->refs == 0;
    pthread_mutex_unlock(&t->lock);
    if (free_old) {
        loaded_free(old);
    }
    tile_cache_clear(t->cache);
done:
    pthread_mutex_unlock(&t->load_lock);
    return st;
}

void api_tiles_release(api_tiles *t, api_tiles_ref *ref) {
    struct loaded *l = ref->loaded;
    if (!l) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    int last = --l->refs == 0;
    pthread_mutex_unlock(&t->lock);
    if (last) {
        loaded_free(l);
    }
    memset(ref, 0, sizeof *ref);
}

api_tiles_worker *api_tiles_worker_get(api_tiles *t) {
    api_tiles_worker *w = NULL;
    pthread_mutex_lock(&t->lock);
    if (t->pool_n > 0) {
        w = t->pool[--t->pool_n];
    }
    pthread_mutex_unlock(&t->lock);
    if (w) {
        return w;
    }
    if (!(w = dorf_calloc(1, sizeof *w)) || !(w->enc = mvt_encoder_new()) ||
        !(w->work = tile_work_new())) {
        worker_free(w);
        return NULL;
    }
    return w;
}

void api_tiles_worker_put(api_tiles *t, api_tiles_worker *w) {
    if (!w) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    if (t->pool_n < POOL_MAX) {
        t->pool[t->pool_n++] = w;
        w = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    worker_free(w);
}

int api_tiles_base_tile(api_tiles *t, const api_tiles_ref *ref, tile_addr a, uint8_t **data,
                        size_t *size) {
    *data = NULL;
    *size = 0;
    if (tile_cache_get(t->cache, ref->generation, a.z, a.x, a.y, data, size)) {
        return 0;
    }
    api_tiles_worker *w = api_tiles_worker_get(t);
    if (!w) {
        return -1;
    }
    int rc = -1;
    const uint8_t *bytes;
    size_t n;
    if (tile_base_render(ref->base, w->work, a.z, a.x, a.y, w->enc) == 0 &&
        mvt_encoder_finish(w->enc, &bytes, &n) == 0) {
        if (n == 0) {
            rc = 0;
        } else if ((*data = dorf_malloc(n))) {
            memcpy(*data, bytes, n);
            *size = n;
            rc = 0;
        }
        if (rc == 0) {
            tile_cache_put(t->cache, ref->generation, a.z, a.x, a.y, bytes, n);
        }
    }
    api_tiles_worker_put(t, w);
    return rc;
}
