/*
 * fuzz_ch_cache.c: libFuzzer target for loading contraction-hierarchy cache files
 * (routing/ch_file.c) against a real graph: the village fixture's car graph, built once.
 * The input's fingerprint and checksum fields are overwritten with the graph's fingerprint and
 * the input's own checksum, so that the fuzzer reaches the structural checks. A cache that loads
 * must be safe to query: routes and a small matrix are computed with it. Run from the repository
 * root (scripts/run-fuzz does), so that tests/data is found.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "ch_internal.h"
#include "dorf/importers.h"
#include "dorf/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dorf_graph *village_graph(void) {
    static dorf_graph *graph;
    static int tried;
    if (!tried) {
        tried = 1;
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_region *r = NULL;
        if (dorf_import_osm(ctx, "tests/data/village.osm", NULL, &r, NULL) != DORF_OK ||
            dorf_graph_build(ctx, r, DORF_MODE_CAR, &graph) != DORF_OK) {
            fprintf(stderr, "fuzz_ch_cache: %s\n", dorf_ctx_errmsg(ctx));
            abort();
        }
        dorf_region_free(r);
        dorf_ctx_free(ctx);
    }
    return graph;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const dorf_graph *g = village_graph();
    char path[] = "/tmp/dorf-fuzz-ch-XXXXXX";
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
    if (size >= sizeof(struct ch_header)) {
        uint64_t fingerprint = g->hdr->fingerprint;
        fseek(f, (long)offsetof(struct ch_header, fingerprint), SEEK_SET);
        fwrite(&fingerprint, sizeof fingerprint, 1, f);
        uint32_t crc =
            (uint32_t)crc32_z(0, data + sizeof(struct ch_header), size - sizeof(struct ch_header));
        fseek(f, (long)offsetof(struct ch_header, payload_crc), SEEK_SET);
        fwrite(&crc, sizeof crc, 1, f);
    }
    fclose(f);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_ch *ch = NULL;
    if (ctx && dorf_ch_load(ctx, g, path, &ch) == DORF_OK) {
        dorf_ch_router *router = NULL;
        dorf_snap s[3];
        const double where[3][2] = {{11.5, 50.0}, {11.503, 50.0}, {11.502, 50.001}};
        int snapped = 1;
        for (int i = 0; i < 3; i++) {
            snapped &= dorf_graph_snap(ctx, g, where[i][0], where[i][1], 1e4, &s[i]) == DORF_OK;
        }
        if (snapped && dorf_ch_router_new(ctx, ch, &router) == DORF_OK) {
            double t = 0;
            dorf_route route = {0};
            dorf_ch_route(router, &s[0], &s[1], &t, &route);
            dorf_route_release(&route);
            double times[9];
            dorf_ch_matrix(ctx, ch, s, 3, s, 3, times);
        }
        dorf_ch_router_free(router);
        dorf_ch_free(ch);
    }
    dorf_ctx_free(ctx);
    unlink(path);
    return 0;
}
