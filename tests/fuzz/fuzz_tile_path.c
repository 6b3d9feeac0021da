/*
 * fuzz_tile_path.c: libFuzzer target for the tile address parser (api/tile_path.c) that reads
 * the {z}/{x}/{y}.mvt segments of every tile request. The input is split at its first two
 * '/' into the three segments (as the router hands them over). Checks, beyond "no crash": an
 * accepted address is within the grid (z <= 22, x and y below 2^z) and prints back to exactly
 * the input (one canonical spelling per tile, so caches and ETags see one URL per tile); a
 * refused one comes with a non-empty message that fits its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 256) {
        return 0;
    }
    char *copy = malloc(size + 1);
    if (!copy) {
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    /* A path is a C string: the router never sees past a NUL byte, nor does the parser. */
    size = strlen(copy);
    char *seg[3] = {copy, "", ""};
    char *slash = strchr(copy, '/');
    if (slash) {
        *slash = '\0';
        seg[1] = slash + 1;
        char *second = strchr(seg[1], '/');
        if (second) {
            *second = '\0';
            seg[2] = second + 1;
        }
    }
    tile_addr t;
    char msg[64];
    int rc = tile_path_parse(seg[0], seg[1], seg[2], &t, msg, sizeof msg);
    if (rc == 0) {
        if (t.z > TILE_PATH_MAX_ZOOM || (uint64_t)t.x >> t.z || (uint64_t)t.y >> t.z) {
            abort();
        }
        char back[80];
        snprintf(back, sizeof back, "%u/%u/%u.mvt", t.z, (unsigned)t.x, (unsigned)t.y);
        if (strlen(back) != size || memcmp(back, data, size) != 0) {
            abort();
        }
    } else if (rc != -1 || msg[0] == '\0' || strlen(msg) >= sizeof msg) {
        abort();
    }
    free(copy);
    return 0;
}
