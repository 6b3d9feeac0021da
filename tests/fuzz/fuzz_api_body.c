/*
 * fuzz_api_body.c: libFuzzer target for what `dorf serve` does with a request before any
 * handler runs: the router's pattern matching (api/router.c) on an arbitrary path and the
 * parsing of an arbitrary body with the depth limit (api/json_util.c).
 * Input: the path up to the first newline, the body after it.
 * Checks, beyond "no crash": parameters lie inside the path, are non-empty and hold no '/';
 * a body that parses is an object or array no deeper than the limit; a refused one has an
 * error body with a code.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The depth of a parsed value, counted on the tree. */
static unsigned tree_depth(json_t *v) {
    unsigned deepest = 0;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            unsigned d = tree_depth(x);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            unsigned d = tree_depth(x);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    return 0;
}

static void check_spans(const char *path, const api_span *spans, size_t n) {
    size_t len = strlen(path);
    for (size_t i = 0; i < n; i++) {
        if (spans[i].len == 0 || spans[i].start + spans[i].len > len ||
            memchr(path + spans[i].start, '/', spans[i].len)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    size_t path_len = nl ? (size_t)(nl - data) : size;
    char *path = malloc(path_len + 1);
    if (!path) {
        return 0;
    }
    memcpy(path, data, path_len);
    path[path_len] = '\0'; /* an embedded NUL just shortens the path, as in libmicrohttpd */

    static const char *const patterns[] = {"/health", "/api/shops/{id}/products",
                                           "/api/{a}/{b}/{c}/{d}", "/api/jobs/{id}", "/{x}"};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        api_span spans[API_MAX_PARAMS];
        int n = api_pattern_match(patterns[i], path, spans);
        if (n > API_MAX_PARAMS) {
            abort();
        }
        if (n >= 0) {
            check_spans(path, spans, (size_t)n);
        }
    }
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT"};
    const api_route *route = NULL;
    api_span spans[API_MAX_PARAMS];
    size_t span_count = 0;
    char allow[128];
    api_match m = api_router_find(methods[path_len % 4], path, &route, spans, &span_count, allow,
                                  sizeof allow);
    if (m == API_MATCH_FOUND) {
        check_spans(path, spans, span_count);
    }

    if (nl) {
        const char *body = (const char *)nl + 1;
        size_t body_len = size - path_len - 1;
        api_response res = {0};
        json_t *parsed = NULL;
        enum { MAX_DEPTH = 32 };
        if (api_parse_body(body, body_len, MAX_DEPTH, &parsed, &res) == 0) {
            if (!parsed || (!json_is_object(parsed) && !json_is_array(parsed)) ||
                tree_depth(parsed) > MAX_DEPTH || res.status != 0) {
                abort();
            }
        } else if (parsed || res.status != 400 ||
                   !json_is_string(json_object_get(json_object_get(res.json, "error"), "code"))) {
            abort();
        }
        json_decref(parsed);
        json_decref(res.json);
    }
    free(path);
    return 0;
}
