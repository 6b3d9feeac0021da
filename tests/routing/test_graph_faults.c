/*
 * test_graph_faults.c: every allocation of building a graph (with an expanded junction),
 * snapping, routing with a shape and writing and mapping the cache may fail; each failure
 * must come back as DORF_ENOMEM (or, for the cache, as an I/O status) with nothing leaked
 * (ASan/LSan builds check that). Needs DORF_FAULT_INJECTION (the debug and asan presets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/routing.h"
#include "fixture.h"

#ifdef DORF_FAULT_INJECTION
/* Builds, snaps and routes once; returns the first failure's status, or DORF_OK. */
static dorf_status build_snap_route(dorf_ctx *ctx, const dorf_region *r, const char *cache) {
    dorf_graph *g = NULL, *loaded = NULL;
    dorf_router *router = NULL;
    dorf_route route = {0};
    dorf_snap a, b;
    dorf_status st = dorf_graph_build(ctx, r, DORF_MODE_CAR, &g);
    if (st == DORF_OK) {
        st = dorf_graph_snap(ctx, g, 11.5005, 50.0001, 100, &a);
    }
    if (st == DORF_OK) {
        st = dorf_graph_snap(ctx, g, 11.5015, 50.0011, 100, &b);
    }
    if (st == DORF_OK) {
        st = dorf_router_new(ctx, g, &router);
    }
    if (st == DORF_OK) {
        st = dorf_route_find(router, DORF_ALG_BIDIJKSTRA, &a, &b, NULL, &route);
    }
    if (st == DORF_OK) {
        st = dorf_graph_save(ctx, g, cache);
    }
    if (st == DORF_OK) {
        st = dorf_graph_load(ctx, cache, DORF_MODE_CAR, dorf_region_fingerprint(r), &loaded);
    }
    dorf_route_release(&route);
    dorf_router_free(router);
    dorf_graph_free(loaded);
    dorf_graph_free(g);
    return st;
}

static void test_every_allocation_failure_in_graph_and_route_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = fixture_region(ctx);
    /* A restriction at B, so that the junction expansion runs too. */
    dorf_turn_restriction t = {99, 1, B, 3, 0, DORF_ACCESS_CAR, "no_left_turn"};
    dorf_region_add_restriction(ctx, r, &t);
    char cache[] = "/tmp/dorf-test-graph-faults-XXXXXX";
    int fd = mkstemp(cache);
    CHECK(fd >= 0);
    close(fd);
    dorf_alloc_fail_after(0, 0);
    CHECK_EQ_INT(build_snap_route(ctx, r, cache), DORF_OK);
    unsigned long total = dorf_alloc_fail_after(0, 0);
    CHECK(total > 10);
    unsigned long failures = 0;
    for (unsigned long n = 1; n <= total; n++) {
        dorf_ctx_clear_error(ctx);
        dorf_alloc_fail_after(n, 0);
        dorf_status st = build_snap_route(ctx, r, cache);
        dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            continue;
        }
        failures++;
        if (st != DORF_ENOMEM || dorf_ctx_errmsg(ctx)[0] == '\0') {
            fprintf(stderr, "  allocation %lu of %lu: %s: '%s'\n", n, total, dorf_strerror(st),
                    dorf_ctx_errmsg(ctx));
            CHECK(0);
            break;
        }
    }
    printf("  %lu allocations, %lu injected failures reported as out of memory\n", total, failures);
    CHECK(failures > total / 2);
    unlink(cache);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}
#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_in_graph_and_route_is_reported);
#else
    printf("built without DORF_FAULT_INJECTION: nothing to test here\n");
#endif
    return check_summary();
}
