/*
 * tile_path.c: the tile address of a request path (tile_path.h). Numbers are read digit by
 * digit with a bound, never with strtol, so that no input can overflow or be read past its
 * end; the messages quote at most a few bytes of the input.
 */
#include "tile_path.h"

#include <stdio.h>
#include <string.h>

/*
 * Reads the decimal number at the start of s into *out (at most `max`); *end points after it.
 * 0, or -1 when s does not start with a number in range in canonical form.
 */
static int read_number(const char *s, uint64_t max, uint64_t *out, const char **end) {
    uint64_t v = 0;
    size_t i = 0;
    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9')) {
        return -1;
    }
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max) {
            return -1;
        }
    }
    *out = v;
    *end = s + i;
    return 0;
}

int tile_path_parse(const char *z, const char *x, const char *y_file, tile_addr *out, char *msg,
                    size_t msg_size) {
    uint64_t zv, xv, yv;
    const char *end;
    if (msg_size) {
        msg[0] = '\0';
    }
    if (read_number(z, TILE_PATH_MAX_ZOOM, &zv, &end) != 0 || *end != '\0') {
        snprintf(msg, msg_size, "the zoom '%.12s' must be a whole number from 0 to %d", z,
                 TILE_PATH_MAX_ZOOM);
        return -1;
    }
    uint64_t max = ((uint64_t)1 << zv) - 1;
    if (read_number(x, max, &xv, &end) != 0 || *end != '\0') {
        snprintf(msg, msg_size,
                 "the column '%.12s' must be a whole number from 0 to %llu at zoom %u", x,
                 (unsigned long long)max, (unsigned)zv);
        return -1;
    }
    if (read_number(y_file, max, &yv, &end) != 0) {
        snprintf(msg, msg_size, "the row '%.12s' must be a whole number from 0 to %llu at zoom %u",
                 y_file, (unsigned long long)max, (unsigned)zv);
        return -1;
    }
    if (strcmp(end, ".mvt") != 0) {
        snprintf(msg, msg_size, "a tile is named {y}.mvt; '%.16s' is not", y_file);
        return -1;
    }
    out->z = (unsigned)zv;
    out->x = (uint32_t)xv;
    out->y = (uint32_t)yv;
    return 0;
}
