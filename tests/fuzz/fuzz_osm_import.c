/*
 * fuzz_osm_import.c: libFuzzer target for the whole OSM import (importers/): the input is
 * written to a file and imported as an extract a user might pass, through content sniffing,
 * gzip, readosm, GDAL's OSM driver, GEOS and the household estimate. An import may fail, but
 * only with a status and a message; a success must give a region whose indices are in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dorf/importers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_region(const dorf_region *r) {
    for (size_t i = 0; i < r->edge_count; i++) {
        const dorf_road_edge *e = &r->edges[i];
        if (e->from >= r->node_count || e->to >= r->node_count || e->point_count < 2 ||
            (size_t)e->point_first + e->point_count > r->point_count || !(e->length_m >= 0)) {
            abort();
        }
    }
    for (size_t i = 0; i < r->household_count; i++) {
        if (r->households[i].building >= r->building_count) {
            abort();
        }
    }
    for (size_t i = 0; i < r->address_count; i++) {
        if (r->addresses[i].building >= (int32_t)r->building_count) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/dorf-fuzz-osm-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        return 0;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = NULL;
    if (ctx && dorf_import_osm(ctx, path, NULL, &r, NULL) == DORF_OK) {
        check_region(r);
    } else if (ctx && (r != NULL || dorf_ctx_errmsg(ctx)[0] == '\0')) {
        abort(); /* a failure must hand out nothing and say why */
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
    unlink(path);
    return 0;
}
