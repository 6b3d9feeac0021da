/*
 * router.h: matching a request's method and path against the route tables of the endpoint
 * modules (routes.c lists them).
 *
 * A pattern is a path of segments separated by '/'; a segment "{name}" matches any one
 * non-empty segment of the path and becomes a parameter, every other segment must be equal.
 * No regular expressions, no wildcards over several segments: matching is a linear walk over
 * both strings, so it is safe on any input.
 */
#ifndef DORF_API_ROUTER_H
#define DORF_API_ROUTER_H

#include <stddef.h>

#include "api_internal.h"

/* Where one parameter lies in the path: path[start .. start + len). */
typedef struct api_span {
    size_t start;
    size_t len;
} api_span;

/*
 * Matches `path` (without query string) against `pattern`. On a match returns the number of
 * parameters and fills spans[0 .. n); returns -1 when the path does not match or has more than
 * API_MAX_PARAMS parameters.
 */
int api_pattern_match(const char *pattern, const char *path, api_span spans[API_MAX_PARAMS]);

typedef enum api_match {
    API_MATCH_FOUND,     /* *route and the spans are set */
    API_MATCH_NO_PATH,   /* no route has this path: 404 */
    API_MATCH_NO_METHOD, /* the path exists with other methods, listed in `allow`: 405 */
} api_match;

/*
 * Finds the route for `method` and `path` in the tables of routes.c. HEAD is answered by GET
 * routes. `allow` (of `allow_size` bytes) receives the methods the path supports, separated by
 * ", ", when the result is API_MATCH_NO_METHOD.
 */
api_match api_router_find(const char *method, const char *path, const api_route **route,
                          api_span spans[API_MAX_PARAMS], size_t *span_count, char *allow,
                          size_t allow_size);

#endif
