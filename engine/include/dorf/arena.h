/*
 * dorf/arena.h: a region allocator for per-request and per-import work.
 *
 * Allocations come from large blocks and are released all at once by dorf_arena_free(), so
 * code that builds many small objects (strings of an import, the JSON of a request) has no
 * free() calls to forget. Memory is aligned for any scalar type. Not thread-safe.
 */
#ifndef DORF_ARENA_H
#define DORF_ARENA_H

#include <stddef.h>

typedef struct dorf_arena dorf_arena;

/* A new, empty arena. NULL when out of memory. */
dorf_arena *dorf_arena_new(void);

/* Frees the arena and everything allocated from it. Accepts NULL. */
void dorf_arena_free(dorf_arena *arena);

/* `size` bytes, zeroed, aligned to max_align_t. NULL when out of memory. */
void *dorf_arena_alloc(dorf_arena *arena, size_t size);

/* A copy of the first `len` bytes of `s` with a terminating NUL. NULL when out of memory. */
char *dorf_arena_strndup(dorf_arena *arena, const char *s, size_t len);

/* A copy of the NUL-terminated string `s`; NULL when `s` is NULL or out of memory. */
char *dorf_arena_strdup(dorf_arena *arena, const char *s);

/* Bytes handed out so far (for reports and tests). */
size_t dorf_arena_used(const dorf_arena *arena);

#endif
