/*
 * test_import_faults.c: every allocation dorf makes while importing and storing a region may
 * fail, and each failure must come back as DORF_ENOMEM with a message, with no partial
 * region handed out and the stored region untouched (SQLite's fault-simulator technique).
 * Needs a build with DORF_FAULT_INJECTION (the debug and asan presets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/store.h"

#ifdef DORF_FAULT_INJECTION
static char fixture[4096];

static const char *village(void) {
    const char *dir = getenv("DORF_TEST_DATA");
    snprintf(fixture, sizeof fixture, "%s/village.osm", dir ? dir : "tests/data");
    return fixture;
}

static void test_every_allocation_failure_in_import_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    /* Count the allocations of one clean import. */
    dorf_alloc_fail_after(0, 0);
    dorf_region *r = NULL;
    CHECK_EQ_INT(dorf_import_osm(ctx, village(), NULL, &r, NULL), DORF_OK);
    dorf_region_free(r);
    unsigned long total = dorf_alloc_fail_after(0, 0);
    CHECK(total > 20); /* arenas and growing arrays: few, large allocations */
    unsigned long failures = 0;
    for (unsigned long n = 1; n <= total; n++) {
        dorf_ctx_clear_error(ctx);
        dorf_alloc_fail_after(n, 0);
        r = NULL;
        dorf_status st = dorf_import_osm(ctx, village(), NULL, &r, NULL);
        dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            dorf_region_free(r);
            continue; /* that allocation had a fallback or was after the last use */
        }
        failures++;
        if (st != DORF_ENOMEM || r != NULL || dorf_ctx_errmsg(ctx)[0] == '\0') {
            fprintf(stderr, "  allocation %lu of %lu: status %s, region %p, message '%s'\n", n,
                    total, dorf_strerror(st), (void *)r, dorf_ctx_errmsg(ctx));
            CHECK(0);
            break;
        }
    }
    printf("  %lu allocations, %lu injected failures reported as out of memory\n", total, failures);
    CHECK(failures > total / 2);
    dorf_ctx_free(ctx);
}

static void test_every_allocation_failure_in_store_write_leaves_old_region(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    char dir[] = "/tmp/dorf-test-faults-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/r.dorf", dir);
    dorf_region *r = NULL;
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_import_osm(ctx, village(), NULL, &r, NULL), DORF_OK);
    CHECK_EQ_INT(dorf_store_open(ctx, path, DORF_STORE_CREATE, &s), DORF_OK);
    if (!r || !s) {
        dorf_region_free(r);
        dorf_store_close(s);
        dorf_ctx_free(ctx);
        return;
    }
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    /* A second region to write, distinguishable by its source. */
    r->meta.source = "second";
    dorf_alloc_fail_after(0, 0);
    CHECK_EQ_INT(dorf_store_replace_region(s, r), DORF_OK);
    r->meta.source = "third";
    unsigned long total = dorf_alloc_fail_after(0, 0);
    for (unsigned long n = 1; n <= total; n++) {
        dorf_alloc_fail_after(n, 1);
        dorf_status st = dorf_store_replace_region(s, r);
        dorf_alloc_fail_after(0, 0);
        dorf_region_summary sum;
        CHECK_EQ_INT(dorf_store_summarize(s, &sum), DORF_OK);
        if (st == DORF_OK) {
            CHECK_STR(sum.source, "third");
            break;
        }
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK_STR(sum.source, "second");
        CHECK_EQ_INT(sum.road_edges, r->edge_count);
        CHECK_EQ_INT(dorf_store_check(s), DORF_OK);
    }
    printf("  %lu allocations while writing\n", total);
    dorf_region_free(r);
    dorf_store_close(s);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    dorf_ctx_free(ctx);
}

#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_in_import_is_reported);
    RUN(test_every_allocation_failure_in_store_write_leaves_old_region);
#else
    printf("built without DORF_FAULT_INJECTION: nothing to test here\n");
#endif
    return check_summary();
}
