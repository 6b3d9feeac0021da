/*
 * tile_cache.c: the tile cache of tile_cache.h: a hash table with chaining over the entries
 * and a doubly linked list in order of use (the head is the most recent). A lookup moves its
 * entry to the head; an insertion evicts from the tail until the bytes fit. One mutex guards
 * everything; the work under it is a hash lookup and a copy of at most one tile.
 */
#include "tile_cache.h"

#include <pthread.h>
#include <string.h>

#include "dorf/alloc.h"

#define ENTRY_CHARGE 64 /* bytes counted per entry beside its body (its bookkeeping) */

struct entry {
    uint64_t generation;
    uint64_t key; /* z, x, y packed */
    struct entry *next_in_slot;
    struct entry *newer, *older;
    uint8_t *data;
    size_t size;
};

struct tile_cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, count;
    struct entry **slots;
    size_t slot_count; /* a power of two */
    struct entry *newest, *oldest;
};

static uint64_t pack(unsigned z, uint32_t x, uint32_t y) {
    /* z < 32 and x, y < 2^29 at z <= 29: room for all of them. */
    return (uint64_t)z << 58 | (uint64_t)(x & 0x1fffffffu) << 29 | (y & 0x1fffffffu);
}

static size_t slot_of(const tile_cache *c, uint64_t generation, uint64_t key) {
    uint64_t h = (key ^ (generation * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return (size_t)(h >> 32) & (c->slot_count - 1);
}

tile_cache *tile_cache_new(size_t max_bytes) {
    tile_cache *c = dorf_calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->slot_count = 4096;
    if (!(c->slots = dorf_calloc(c->slot_count, sizeof *c->slots))) {
        dorf_free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void unlink_use(tile_cache *c, struct entry *e) {
    if (e->newer) {
        e->newer->older = e->older;
    } else {
        c->newest = e->older;
    }
    if (e->older) {
        e->older->newer = e->newer;
    } else {
        c->oldest = e->newer;
    }
    e->newer = e->older = NULL;
}

static void link_newest(tile_cache *c, struct entry *e) {
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest) {
        c->newest->newer = e;
    }
    c->newest = e;
    if (!c->oldest) {
        c->oldest = e;
    }
}

static void remove_entry(tile_cache *c, struct entry *e) {
    struct entry **p = &c->slots[slot_of(c, e->generation, e->key)];
    while (*p && *p != e) {
        p = &(*p)->next_in_slot;
    }
    if (*p) {
        *p = e->next_in_slot;
    }
    unlink_use(c, e);
    c->bytes -= e->size + ENTRY_CHARGE;
    c->count--;
    dorf_free(e->data);
    dorf_free(e);
}

static struct entry *find(tile_cache *c, uint64_t generation, uint64_t key) {
    for (struct entry *e = c->slots[slot_of(c, generation, key)]; e; e = e->next_in_slot) {
        if (e->key == key && e->generation == generation) {
            return e;
        }
    }
    return NULL;
}

/* Doubles the table when it is more than full on average, so chains stay short. */
static void maybe_grow(tile_cache *c) {
    if (c->count < c->slot_count) {
        return;
    }
    size_t n = c->slot_count * 2;
    struct entry **slots = dorf_calloc(n, sizeof *slots);
    if (!slots) {
        return; /* longer chains, still correct */
    }
    struct entry **old = c->slots;
    size_t old_n = c->slot_count;
    c->slots = slots;
    c->slot_count = n;
    for (size_t i = 0; i < old_n; i++) {
        struct entry *e = old[i];
        while (e) {
            struct entry *next = e->next_in_slot;
            size_t s = slot_of(c, e->generation, e->key);
            e->next_in_slot = slots[s];
            slots[s] = e;
            e = next;
        }
    }
    dorf_free(old);
}

void tile_cache_clear(tile_cache *c) {
    pthread_mutex_lock(&c->lock);
    while (c->oldest) {
        remove_entry(c, c->oldest);
    }
    pthread_mutex_unlock(&c->lock);
}

void tile_cache_free(tile_cache *c) {
    if (!c) {
        return;
    }
    tile_cache_clear(c);
    dorf_free(c->slots);
    pthread_mutex_destroy(&c->lock);
    dorf_free(c);
}

int tile_cache_get(tile_cache *c, uint64_t generation, unsigned z, uint32_t x, uint32_t y,
                   uint8_t **data, size_t *size) {
    *data = NULL;
    *size = 0;
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, generation, pack(z, x, y));
    if (e) {
        unlink_use(c, e);
        link_newest(c, e);
        if (e->size == 0) {
            hit = 1;
        } else if ((*data = dorf_malloc(e->size))) {
            memcpy(*data, e->data, e->size);
            *size = e->size;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void tile_cache_put(tile_cache *c, uint64_t generation, unsigned z, uint32_t x, uint32_t y,
                    const uint8_t *data, size_t size) {
    if (size + ENTRY_CHARGE > c->max_bytes) {
        return;
    }
    struct entry *e = dorf_calloc(1, sizeof *e);
    if (!e || (size && !(e->data = dorf_malloc(size)))) {
        dorf_free(e);
        return;
    }
    if (size) {
        memcpy(e->data, data, size);
    }
    e->size = size;
    e->generation = generation;
    e->key = pack(z, x, y);
    pthread_mutex_lock(&c->lock);
    struct entry *old = find(c, generation, e->key);
    if (old) {
        remove_entry(c, old);
    }
    while (c->oldest && c->bytes + size + ENTRY_CHARGE > c->max_bytes) {
        remove_entry(c, c->oldest);
    }
    maybe_grow(c);
    size_t s = slot_of(c, generation, e->key);
    e->next_in_slot = c->slots[s];
    c->slots[s] = e;
    link_newest(c, e);
    c->bytes += size + ENTRY_CHARGE;
    c->count++;
    pthread_mutex_unlock(&c->lock);
}

void tile_cache_usage(tile_cache *c, size_t *entries, size_t *bytes) {
    pthread_mutex_lock(&c->lock);
    *entries = c->count;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}
