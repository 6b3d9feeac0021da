/*
 * bench_tiles.c: how fast dorf cuts base map tiles, without its cache, on one thread.
 *
 *   dorf_bench_tiles [--rounds N] DB TILES SIZES
 *
 * Loads the region of DB and builds its base map (tile_base.h) as `dorf serve` does on the
 * first tile request, then renders every tile listed in TILES (lines "z x y") N times (default
 * 3) in a row, calling the renderer directly (no HTTP, no cache). Writes "z x y bytes" per
 * tile to SIZES and prints, per zoom and in all, the tiles, the best round's seconds and the
 * bytes, as lines "zoom Z TILES SECONDS BYTES" (and "load SECONDS" for loading and building)
 * for tests/bench/tiles/run to put beside PostGIS. A program, not a test: it never fails on
 * timing; it exits 1 when the region cannot be loaded or a tile cannot be made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/store.h"
#include "mvt.h"
#include "tile_base.h"

#define MAX_ZOOM 22

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct tile {
    unsigned z;
    uint32_t x, y;
    size_t bytes;
};

int main(int argc, char **argv) {
    int rounds = 3;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--rounds") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (argc - first != 3 || rounds < 1) {
        fprintf(stderr, "usage: dorf_bench_tiles [--rounds N] DB TILES SIZES\n");
        return 2;
    }
    const char *db = argv[first], *list = argv[first + 1], *sizes = argv[first + 2];
    FILE *in = fopen(list, "r");
    if (!in) {
        perror(list);
        return 1;
    }
    struct tile *tiles = NULL;
    size_t n = 0, cap = 0;
    unsigned z;
    unsigned long x, y;
    while (fscanf(in, "%u %lu %lu", &z, &x, &y) == 3) {
        if (z > MAX_ZOOM || x >> z || y >> z) {
            fprintf(stderr, "%s: tile %u/%lu/%lu is not on the grid\n", list, z, x, y);
            return 1;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            tiles = realloc(tiles, cap * sizeof *tiles);
            if (!tiles) {
                return 1;
            }
        }
        tiles[n++] = (struct tile){z, (uint32_t)x, (uint32_t)y, 0};
    }
    fclose(in);

    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    tile_base *base = NULL;
    double t0 = now_s();
    if (!ctx || dorf_store_open(ctx, db, DORF_STORE_READONLY, &store) != DORF_OK ||
        dorf_store_load_region(store, &region) != DORF_OK ||
        tile_base_build(ctx, region, &base) != DORF_OK) {
        fprintf(stderr, "dorf_bench_tiles: %s\n", ctx ? dorf_ctx_errmsg(ctx) : "out of memory");
        return 1;
    }
    printf("load %.6f\n", now_s() - t0);
    dorf_store_close(store);

    tile_work *work = tile_work_new();
    mvt_encoder *enc = mvt_encoder_new();
    double best[MAX_ZOOM + 1];
    for (int k = 0; k <= MAX_ZOOM; k++) {
        best[k] = 1e300;
    }
    for (int r = 0; r < rounds; r++) {
        double spent[MAX_ZOOM + 1] = {0};
        for (size_t i = 0; i < n; i++) {
            const uint8_t *data;
            size_t size;
            double a = now_s();
            if (tile_base_render(base, work, tiles[i].z, tiles[i].x, tiles[i].y, enc) != 0 ||
                mvt_encoder_finish(enc, &data, &size) != 0) {
                fprintf(stderr, "dorf_bench_tiles: out of memory\n");
                return 1;
            }
            spent[tiles[i].z] += now_s() - a;
            tiles[i].bytes = size;
        }
        for (int k = 0; k <= MAX_ZOOM; k++) {
            best[k] = spent[k] < best[k] ? spent[k] : best[k];
        }
    }
    FILE *out = fopen(sizes, "w");
    if (!out) {
        perror(sizes);
        return 1;
    }
    for (int k = 0; k <= MAX_ZOOM; k++) {
        size_t count = 0, bytes = 0;
        for (size_t i = 0; i < n; i++) {
            if (tiles[i].z == (unsigned)k) {
                count++;
                bytes += tiles[i].bytes;
            }
        }
        if (count) {
            printf("zoom %d %zu %.6f %zu\n", k, count, best[k], bytes);
        }
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%u %u %u %zu\n", tiles[i].z, (unsigned)tiles[i].x, (unsigned)tiles[i].y,
                tiles[i].bytes);
    }
    fclose(out);
    mvt_encoder_free(enc);
    tile_work_free(work);
    tile_base_free(base);
    dorf_ctx_free(ctx);
    free(tiles);
    return 0;
}
