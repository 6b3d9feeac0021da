/*
 * shared_extract.h: the real extract the routing tests check properties on
 * ($DORF_SHARED_DATA/osm/north-bayreuth.osm.pbf, set by ctest).
 */
#ifndef DORF_TEST_ROUTING_SHARED_EXTRACT_H
#define DORF_TEST_ROUTING_SHARED_EXTRACT_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dorf/importers.h"

/* The imported extract, or NULL (saying "skipped") when ../shared/data is not there. */
__attribute__((unused)) static dorf_region *real_region(dorf_ctx *ctx) {
    const char *shared = getenv("DORF_SHARED_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/osm/north-bayreuth.osm.pbf", shared ? shared : "");
    if (!shared || access(path, R_OK) != 0) {
        printf("  (no ../shared/data: skipped)\n");
        return NULL;
    }
    dorf_region *r = NULL;
    CHECK_EQ_INT(dorf_import_osm(ctx, path, NULL, &r, NULL), DORF_OK);
    return r;
}

#endif
