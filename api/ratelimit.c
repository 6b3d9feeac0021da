/*
 * ratelimit.c: fixed-window rate limits in a fixed-size table (ratelimit.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "dorf/alloc.h"
#include "ratelimit.h"

typedef struct slot {
    uint64_t key_hash;
    int64_t window_start;
    unsigned count;
} slot;

struct api_ratelimit {
    pthread_mutex_t lock;
    slot *slots;
    unsigned mask;
};

api_ratelimit *api_ratelimit_new(unsigned slots) {
    unsigned n = 64;
    while (n < slots && n < (1u << 24)) {
        n <<= 1;
    }
    api_ratelimit *r = dorf_calloc(1, sizeof *r);
    if (!r) {
        return NULL;
    }
    r->slots = dorf_calloc(n, sizeof *r->slots);
    if (!r->slots || pthread_mutex_init(&r->lock, NULL) != 0) {
        dorf_free(r->slots);
        dorf_free(r);
        return NULL;
    }
    r->mask = n - 1;
    return r;
}

void api_ratelimit_free(api_ratelimit *r) {
    if (!r) {
        return;
    }
    pthread_mutex_destroy(&r->lock);
    dorf_free(r->slots);
    dorf_free(r);
}

/* FNV-1a, 64 bit. */
static uint64_t hash_key(const char *key) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
        h = (h ^ *c) * 0x100000001b3ULL;
    }
    return h;
}

int api_ratelimit_allow(api_ratelimit *r, const char *key, unsigned limit, unsigned window_s,
                        int64_t now, unsigned *retry_after_s) {
    uint64_t h = hash_key(key);
    int64_t window = window_s ? (int64_t)window_s : 1;
    int64_t start = now - now % window;
    pthread_mutex_lock(&r->lock);
    slot *s = &r->slots[h & r->mask];
    if (s->key_hash != h || s->window_start != start) {
        /* A new window, or the slot's last user has moved on: start counting afresh unless
           the slot still counts another key in the current window (then share it). */
        if (s->window_start != start) {
            s->count = 0;
        }
        s->key_hash = h;
        s->window_start = start;
    }
    int allowed = s->count < limit;
    if (allowed) {
        s->count++;
    } else if (retry_after_s) {
        *retry_after_s = (unsigned)(start + window - now);
    }
    pthread_mutex_unlock(&r->lock);
    return allowed;
}
