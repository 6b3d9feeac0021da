/*
 * dorf/alloc.h: the allocation functions all dorf code uses instead of malloc and friends.
 *
 * They behave as the C library's functions. Built with -DDORF_FAULT_INJECTION they can be
 * told to fail the n-th call, so that tests can walk every allocation site of an operation
 * and check that each failure is reported cleanly (the technique of SQLite's fault simulator).
 */
#ifndef DORF_ALLOC_H
#define DORF_ALLOC_H

#include <stddef.h>

void *dorf_malloc(size_t size);
void *dorf_calloc(size_t count, size_t size);
void *dorf_realloc(void *ptr, size_t size);
/* Frees `ptr`; accepts NULL. */
void dorf_free(void *ptr);
/* A malloc'ed copy of `s`, or NULL when `s` is NULL or out of memory. */
char *dorf_strdup(const char *s);

/*
 * Grows the array `*items` of `*cap` elements of `elem_size` bytes so that it holds at least
 * `need` elements, doubling its capacity. Returns 0 on success, -1 when out of memory (the
 * array is then unchanged).
 */
int dorf_grow(void **items, size_t *cap, size_t need, size_t elem_size);

/*
 * Fault injection: from now on, the `n`-th allocation (1-based) and, if `sticky`, every one
 * after it, fails. n = 0 turns injection off. Returns the number of allocations counted since
 * the last call. Without DORF_FAULT_INJECTION these do nothing and return 0.
 */
unsigned long dorf_alloc_fail_after(unsigned long n, int sticky);

#endif
