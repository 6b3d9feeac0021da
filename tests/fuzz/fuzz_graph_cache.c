/*
 * fuzz_graph_cache.c: libFuzzer target for loading graph cache files (routing/graph.c).
 * A cache lives beside the database and may be damaged or replaced; loading must refuse
 * anything inconsistent. The fingerprint is taken from the input itself, so that the fuzzer
 * gets past that check and reaches the structural validation. A graph that loads must be
 * safe to snap onto and route on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dorf/routing.h"
#include "graph_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/dorf-fuzz-graph-XXXXXX";
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
    uint64_t fingerprint = 0;
    uint32_t mode = 0;
    if (size >= sizeof(struct graph_header)) {
        memcpy(&fingerprint, data + offsetof(struct graph_header, fingerprint), sizeof fingerprint);
        memcpy(&mode, data + offsetof(struct graph_header, mode), sizeof mode);
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_graph *g = NULL;
    if (ctx && dorf_graph_load(ctx, path, (dorf_mode)(mode % DORF_MODE_COUNT), fingerprint, &g) ==
                   DORF_OK) {
        dorf_router *router = NULL;
        dorf_snap a, b;
        if (dorf_router_new(ctx, g, &router) == DORF_OK &&
            dorf_graph_snap(ctx, g, 11.5, 50.0, 1e7, &a) == DORF_OK &&
            dorf_graph_snap(ctx, g, 11.6, 50.1, 1e7, &b) == DORF_OK) {
            double t = 0;
            dorf_route route = {0};
            dorf_route_find(router, DORF_ALG_BIDIJKSTRA, &a, &b, &t, &route);
            dorf_route_release(&route);
        }
        dorf_router_free(router);
        dorf_graph_free(g);
    }
    dorf_ctx_free(ctx);
    unlink(path);
    return 0;
}
