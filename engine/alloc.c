/*
 * alloc.c: dorf's allocation functions, with optional fault injection.
 *
 * With DORF_FAULT_INJECTION defined every allocation is counted and the n-th can be made to
 * fail on purpose (SQLite's fault simulator works the same way); tests use it to prove that
 * each allocation failure is reported cleanly. The counters are process-wide test
 * instrumentation, not program state, and are only compiled into fault-injection builds.
 */
#include "dorf/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef DORF_FAULT_INJECTION
static unsigned long alloc_count;
static unsigned long alloc_fail_at;
static int alloc_fail_sticky;

static int should_fail(void) {
    alloc_count++;
    if (alloc_fail_at == 0) {
        return 0;
    }
    return alloc_count == alloc_fail_at || (alloc_fail_sticky && alloc_count > alloc_fail_at);
}

unsigned long dorf_alloc_fail_after(unsigned long n, int sticky) {
    unsigned long counted = alloc_count;
    alloc_count = 0;
    alloc_fail_at = n;
    alloc_fail_sticky = sticky;
    return counted;
}
#else
static int should_fail(void) {
    return 0;
}

unsigned long dorf_alloc_fail_after(unsigned long n, int sticky) {
    (void)n;
    (void)sticky;
    return 0;
}
#endif

void *dorf_malloc(size_t size) {
    return should_fail() ? NULL : malloc(size ? size : 1);
}

void *dorf_calloc(size_t count, size_t size) {
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *dorf_realloc(void *ptr, size_t size) {
    return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

void dorf_free(void *ptr) {
    free(ptr);
}

char *dorf_strdup(const char *s) {
    if (!s) {
        return NULL;
    }
    size_t len = strlen(s) + 1;
    char *copy = dorf_malloc(len);
    if (copy) {
        memcpy(copy, s, len);
    }
    return copy;
}

int dorf_grow(void **items, size_t *cap, size_t need, size_t elem_size) {
    if (need <= *cap) {
        return 0;
    }
    size_t new_cap = *cap ? *cap : 16;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2) {
            return -1;
        }
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / elem_size) {
        return -1;
    }
    void *grown = dorf_realloc(*items, new_cap * elem_size);
    if (!grown) {
        return -1;
    }
    *items = grown;
    *cap = new_cap;
    return 0;
}
