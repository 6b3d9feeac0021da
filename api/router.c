/*
 * router.c: matches methods and paths against the route tables (router.h).
 *
 * Both the pattern and the path are walked segment by segment, once; a route table is
 * searched linearly, which is fast enough for the few hundred routes of the platform.
 */
#include <stdio.h>
#include <string.h>

#include "router.h"
#include "routes.h"

/* Length of the segment starting at s (up to the next '/' or the end). */
static size_t segment_len(const char *s) {
    return strcspn(s, "/");
}

int api_pattern_match(const char *pattern, const char *path, api_span spans[API_MAX_PARAMS]) {
    const char *p = pattern;
    const char *q = path;
    int n = 0;
    if (*p != '/' || *q != '/') {
        return -1;
    }
    while (*p == '/' && *q == '/') {
        p++;
        q++;
        size_t plen = segment_len(p);
        size_t qlen = segment_len(q);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (qlen == 0 || n == API_MAX_PARAMS) {
                return -1;
            }
            spans[n].start = (size_t)(q - path);
            spans[n].len = qlen;
            n++;
        } else if (plen != qlen || memcmp(p, q, plen) != 0) {
            return -1;
        }
        p += plen;
        q += qlen;
    }
    return *p == '\0' && *q == '\0' ? n : -1;
}

/* Appends `method` to the Allow list unless it is there already. */
static void allow_add(char *allow, size_t size, const char *method) {
    size_t used = strlen(allow);
    const char *c = allow;
    size_t mlen = strlen(method);
    while (*c) {
        size_t len = strcspn(c, ",");
        if (len == mlen && memcmp(c, method, len) == 0) {
            return;
        }
        c += len;
        c += strspn(c, ", ");
    }
    snprintf(allow + used, size - used, "%s%s", used ? ", " : "", method);
}

api_match api_router_find(const char *method, const char *path, const api_route **route,
                          api_span spans[API_MAX_PARAMS], size_t *span_count, char *allow,
                          size_t allow_size) {
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    int path_known = 0;
    if (allow_size > 0) {
        allow[0] = '\0';
    }
    for (size_t t = 0; t < api_route_table_count; t++) {
        const api_route *table = api_route_tables[t];
        size_t count = *api_route_table_sizes[t];
        for (size_t i = 0; i < count; i++) {
            api_span found[API_MAX_PARAMS];
            int n = api_pattern_match(table[i].pattern, path, found);
            if (n < 0) {
                continue;
            }
            if (strcmp(table[i].method, want) == 0) {
                *route = &table[i];
                memcpy(spans, found, (size_t)n * sizeof found[0]);
                *span_count = (size_t)n;
                return API_MATCH_FOUND;
            }
            path_known = 1;
            if (allow_size > 0) {
                allow_add(allow, allow_size, table[i].method);
                if (strcmp(table[i].method, "GET") == 0) {
                    allow_add(allow, allow_size, "HEAD");
                }
            }
        }
    }
    return path_known ? API_MATCH_NO_METHOD : API_MATCH_NO_PATH;
}
