/*
 * fuzz_static_path.c: the portal's path mapping (api/static.c, api_static_map_path), which
 * turns a decoded URL path from outside into a file name below the portal directory.
 * Besides memory errors, it checks the promise of static.h on every input: an accepted path
 * maps to a relative name without an empty, ".", ".." or hidden segment, without a
 * backslash or any byte outside the allowed set, that reaches node_modules only through the
 * vendor prefix; and the content-type lookup accepts whatever the mapping produced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "static.h"

static int allowed(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '@' || c == '+' || c == '-' || c == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) {
        return 0;
    }
    char *path = malloc(size + 1);
    if (!path) {
        return 0;
    }
    memcpy(path, data, size);
    path[size] = '\0';
    /* A small buffer now and then, to exercise the length checks. */
    char out[1024];
    size_t out_size = size > 0 && (data[0] & 1) ? 24 : sizeof out;
    api_static_kind kind = api_static_map_path(path, out, out_size);
    if (kind != API_STATIC_BAD) {
        size_t n = strlen(out);
        if (n == 0 || n >= out_size || out[0] == '/' || out[n - 1] == '/') {
            abort();
        }
        const char *seg = out;
        for (;;) {
            const char *end = strchr(seg, '/');
            size_t len = end ? (size_t)(end - seg) : strlen(seg);
            if (len == 0 || seg[0] == '.') {
                abort(); /* empty, ".", ".." or hidden */
            }
            /* node_modules only as the first segment of the vendor prefix. */
            if (len == 12 && memcmp(seg, "node_modules", 12) == 0 &&
                !(kind == API_STATIC_VENDOR && seg == out)) {
                abort();
            }
            for (size_t i = 0; i < len; i++) {
                if (!allowed((unsigned char)seg[i])) {
                    abort();
                }
            }
            if (!end) {
                break;
            }
            seg = end + 1;
        }
        if (kind == API_STATIC_VENDOR &&
            strncmp(out, API_STATIC_VENDOR_DIR, strlen(API_STATIC_VENDOR_DIR)) != 0) {
            abort();
        }
        (void)api_static_content_type(out);
    }
    free(path);
    return 0;
}
