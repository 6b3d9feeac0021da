/*
 * arena.c: a bump allocator over a chain of blocks. Small requests share blocks of at least
 * 64 KiB; a request larger than half a block gets a block of its own so that a big array does
 * not waste the rest of the current block.
 */
#include "dorf/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "dorf/alloc.h"

#define ARENA_BLOCK_SIZE (64 * 1024)

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct dorf_arena {
    struct arena_block *head;
    size_t used;
};

dorf_arena *dorf_arena_new(void) {
    return dorf_calloc(1, sizeof(dorf_arena));
}

void dorf_arena_free(dorf_arena *arena) {
    if (!arena) {
        return;
    }
    struct arena_block *b = arena->head;
    while (b) {
        struct arena_block *next = b->next;
        dorf_free(b);
        b = next;
    }
    dorf_free(arena);
}

static struct arena_block *new_block(size_t size) {
    if (size > SIZE_MAX - sizeof(struct arena_block)) {
        return NULL;
    }
    struct arena_block *b = dorf_malloc(sizeof *b + size);
    if (b) {
        b->next = NULL;
        b->size = size;
        b->used = 0;
    }
    return b;
}

void *dorf_arena_alloc(dorf_arena *arena, size_t size) {
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX - align) {
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    if (size == 0) {
        size = align;
    }
    struct arena_block *b = arena->head;
    if (size > ARENA_BLOCK_SIZE / 2) {
        /* A dedicated block, linked behind the current one so that the current keeps serving. */
        struct arena_block *big = new_block(size);
        if (!big) {
            return NULL;
        }
        big->used = size;
        if (b) {
            big->next = b->next;
            b->next = big;
        } else {
            arena->head = big;
        }
        arena->used += size;
        memset(big->data, 0, size);
        return big->data;
    }
    if (!b || b->size - b->used < size) {
        b = new_block(ARENA_BLOCK_SIZE);
        if (!b) {
            return NULL;
        }
        b->next = arena->head;
        arena->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    arena->used += size;
    memset(p, 0, size);
    return p;
}

char *dorf_arena_strndup(dorf_arena *arena, const char *s, size_t len) {
    char *copy = dorf_arena_alloc(arena, len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *dorf_arena_strdup(dorf_arena *arena, const char *s) {
    return s ? dorf_arena_strndup(arena, s, strlen(s)) : NULL;
}

size_t dorf_arena_used(const dorf_arena *arena) {
    return arena->used;
}
