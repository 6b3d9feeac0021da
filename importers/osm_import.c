/*
 * osm_import.c: dorf_import_osm(): an OSM extract in, a region model out.
 *
 * The passes run one after another on the same prepared file: roads (readosm), buildings,
 * places and addresses (OGR), then households (GEOS). Any failure frees the partial region,
 * so the caller either gets a complete region or none.
 */
#include <stdio.h>
#include <time.h>

#include "dorf/alloc.h"
#include "import_internal.h"

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void set_imported_at(dorf_region *r) {
    char buf[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    r->meta.imported_at = dorf_arena_strdup(r->arena, buf);
}

dorf_status dorf_import_osm(dorf_ctx *ctx, const char *path, const dorf_import_options *options,
                            dorf_region **out, dorf_import_report *report) {
    dorf_import_options defaults = {0};
    dorf_import_report scratch_report;
    if (!options) {
        options = &defaults;
    }
    if (!report) {
        report = &scratch_report;
    }
    *report = (dorf_import_report){0};
    *out = NULL;
    if (options->persons_per_household < 0 || options->persons_per_household > 20) {
        return dorf_fail(ctx, DORF_EINVAL, "persons per household must be between 0 and 20, not %g",
                         options->persons_per_household);
    }

    struct osm_source src;
    dorf_status st = osm_source_open(ctx, path, options->temp_dir, &src);
    if (st != DORF_OK) {
        return st;
    }
    dorf_region *r = NULL;
    struct feature_extras extra = {0};
    struct outer_tags *outer = NULL;
    if ((st = dorf_region_new(ctx, &r)) != DORF_OK) {
        goto fail;
    }
    r->meta.source = dorf_arena_strdup(r->arena, path);
    set_imported_at(r);
    if (options->persons_per_household > 0) {
        r->meta.persons_per_household = options->persons_per_household;
    }
    if (!r->meta.source || !r->meta.imported_at) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
        goto fail;
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((st = outer_tags_new(ctx, &outer)) != DORF_OK ||
        (st = import_roads(ctx, &src, r, report, outer)) != DORF_OK) {
        goto fail;
    }
    report->seconds_roads = seconds_since(&t0);
    dorf_log(ctx, DORF_LOG_INFO,
             "roads: %llu nodes, %llu ways, %llu relations read; %zu segments between %zu nodes "
             "(%.2f s)",
             (unsigned long long)report->osm_nodes, (unsigned long long)report->osm_ways,
             (unsigned long long)report->osm_relations, r->edge_count, r->node_count,
             report->seconds_roads);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((st = import_features(ctx, &src, r, report, outer, &extra)) != DORF_OK) {
        goto fail;
    }
    report->seconds_features = seconds_since(&t0);
    dorf_log(ctx, DORF_LOG_INFO,
             "features: %llu OGR features; %zu buildings, %zu places, %zu addresses (%.2f s)",
             (unsigned long long)report->ogr_features, r->building_count, r->place_count,
             r->address_count, report->seconds_features);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((st = build_households(ctx, r, &extra, report)) != DORF_OK) {
        goto fail;
    }
    report->seconds_households = seconds_since(&t0);
    dorf_log(ctx, DORF_LOG_INFO, "households: %llu in %llu buildings (%.2f s)",
             (unsigned long long)report->households,
             (unsigned long long)report->residential_buildings, report->seconds_households);
    for (size_t i = 0; i < r->issue_count; i++) {
        const dorf_import_issue *is = &r->issues[i];
        dorf_log(ctx, DORF_LOG_DEBUG, "skipped %s %c%lld: %s", is->kind, is->osm_type,
                 (long long)is->osm_id, is->detail);
    }
    if (r->edge_count == 0 && r->building_count == 0 && r->place_count == 0) {
        st = dorf_fail(ctx, DORF_EEMPTY,
                       "the extract holds no roads, buildings or places; nothing to import");
        goto fail;
    }
    feature_extras_release(&extra);
    outer_tags_free(outer);
    osm_source_close(&src);
    *out = r;
    return DORF_OK;

fail:
    feature_extras_release(&extra);
    outer_tags_free(outer);
    dorf_region_free(r);
    osm_source_close(&src);
    if (st != DORF_ENOMEM && st != DORF_EINTR) {
        return dorf_fail_prefix(ctx, st, "%s", path);
    }
    return st;
}
