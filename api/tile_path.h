/*
 * tile_path.h: reading the tile address of a request path, /tiles/{source}/{z}/{x}/{y}.mvt.
 *
 * A pure function of its strings (no server, no allocation), so that the fuzz target
 * tests/fuzz/fuzz_tile_path.c calls it directly.
 */
#ifndef DORF_API_TILE_PATH_H
#define DORF_API_TILE_PATH_H

#include <stddef.h>
#include <stdint.h>

#define TILE_PATH_MAX_ZOOM 22

/* A tile of the Web Mercator grid: 0 <= x, y < 2^z. */
typedef struct tile_addr {
    unsigned z;
    uint32_t x;
    uint32_t y;
} tile_addr;

/*
 * Parses the path segments `z`, `x` and `y_file` ("{y}.mvt"): decimal numbers without sign,
 * spaces or leading zeros, z at most TILE_PATH_MAX_ZOOM, x and y below 2^z, and y followed
 * by exactly ".mvt". Returns 0 with *out set, or -1 with a message for people in msg (of
 * msg_size bytes, always terminated) that says which part is wrong and what is allowed.
 */
int tile_path_parse(const char *z, const char *x, const char *y_file, tile_addr *out, char *msg,
                    size_t msg_size);

#endif
