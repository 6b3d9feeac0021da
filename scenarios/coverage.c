/*
 * coverage.c: travel times from every household to the nearest open place of each category,
 * one backward multi-source search per category and mode (dorf/coverage.h).
 *
 * Households share their building's point, so each mode snaps the buildings with households
 * once and each search reads one time per building; the households then copy their
 * building's time. Opening hours are parsed once per place and evaluated at the given time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage_internal.h"
#include "dorf/alloc.h"

static const dorf_category default_categories[] = {
    DORF_CAT_GROCERY, DORF_CAT_BAKERY, DORF_CAT_PHARMACY,
    DORF_CAT_DOCTOR,  DORF_CAT_POST,   DORF_CAT_BUS_STOP,
};

const char *dorf_coverage_access_name(unsigned access) {
    return access < DORF_MODE_COUNT            ? dorf_mode_name((dorf_mode)access)
           : access == DORF_COVERAGE_LIEFERBAR ? "lieferbar"
                                               : "?";
}

void dorf_coverage_release(dorf_coverage *coverage) {
    if (!coverage) {
        return;
    }
    dorf_free(coverage->time_s);
    memset(coverage, 0, sizeof *coverage);
}

/* Whether place `p` counts as open at `at` (see dorf/coverage.h). */
dorf_status coverage_place_is_open(dorf_ctx *ctx, const dorf_place *p,
                                   const dorf_coverage_options *opt, int *open) {
    if (!p->opening_hours || p->opening_hours_error) {
        *open = !opt->strict_hours;
        return DORF_OK;
    }
    dorf_opening_hours *oh = NULL;
    dorf_status st = dorf_opening_hours_parse(ctx, p->opening_hours, &oh);
    if (st == DORF_ENOMEM) {
        return st;
    }
    if (st != DORF_OK) {
        /* The import recorded it as parsed; a newer parser may differ. Treat as unknown. */
        dorf_ctx_clear_error(ctx);
        *open = !opt->strict_hours;
        return DORF_OK;
    }
    *open = dorf_opening_hours_is_open(oh, opt->holiday_region, opt->at);
    dorf_opening_hours_free(oh);
    return DORF_OK;
}

static dorf_status check_options(dorf_ctx *ctx, const dorf_coverage_options *opt,
                                 const dorf_graph *const graphs[DORF_MODE_COUNT], unsigned modes) {
    const dorf_local_time *t = &opt->at;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->minute < 0 ||
        t->minute > 1439) {
        return dorf_fail(ctx, DORF_EINVAL, "coverage time %04d-%02d-%02d minute %d is not valid",
                         t->year, t->month, t->day, t->minute);
    }
    if (opt->category_count > DORF_CAT_COUNT) {
        return dorf_fail(ctx, DORF_EINVAL, "at most %d categories", DORF_CAT_COUNT);
    }
    for (size_t i = 0; i < opt->category_count; i++) {
        if ((unsigned)opt->categories[i] >= DORF_CAT_COUNT) {
            return dorf_fail(ctx, DORF_EINVAL, "unknown category %d", (int)opt->categories[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (opt->categories[j] == opt->categories[i]) {
                return dorf_fail(ctx, DORF_EINVAL, "category %s is named twice",
                                 dorf_category_name(opt->categories[i]));
            }
        }
    }
    if (!(opt->limit_s >= 0) || isinf(opt->limit_s) || !(opt->max_snap_m >= 0)) {
        return dorf_fail(ctx, DORF_EINVAL, "the search limit and snap distance must be >= 0");
    }
    if (modes & ~7u) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown modes 0x%x", modes);
    }
    const dorf_coverage_pool *pool = &opt->pool;
    if (pool->volunteers > 100000 || (unsigned)pool->mode >= DORF_MODE_COUNT ||
        !(pool->round_trip_s >= 0) || pool->round_trip_s > 86400) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "the volunteer pool takes 0 to 100000 volunteers, a mode and a round "
                         "trip of at most a day");
    }
    if (pool->volunteers && (!graphs || !graphs[pool->mode])) {
        return dorf_fail(ctx, DORF_EINVAL, "no road graph for the volunteers' mode (%s) given",
                         dorf_mode_name(pool->mode));
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if ((modes & (1u << m)) && (!graphs || !graphs[m])) {
            return dorf_fail(ctx, DORF_EINVAL, "no road graph for %s given",
                             dorf_mode_name((dorf_mode)m));
        }
    }
    return DORF_OK;
}

/* What one mode's searches share. */
struct mode_work {
    dorf_router *router;
    dorf_snap *building_snap; /* per building; valid when building_ok */
    uint8_t *building_ok;
    dorf_snap *sources; /* scratch: the open places of one category */
    float *building_time;
    dorf_reach_result reach;
};

/* Snaps `lon, lat`; *ok = 0 when no road of the mode lies within max_snap_m. */
dorf_status coverage_snap_point(dorf_ctx *ctx, const dorf_graph *g, double lon, double lat,
                                double max_m, dorf_snap *out, uint8_t *ok) {
    dorf_status st = dorf_graph_snap(ctx, g, lon, lat, max_m, out);
    *ok = st == DORF_OK;
    if (st == DORF_ENOTFOUND) {
        dorf_ctx_clear_error(ctx);
        return DORF_OK;
    }
    return st;
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

dorf_status dorf_coverage_compute(dorf_ctx *ctx, const dorf_region *region,
                                  const dorf_graph *const graphs[DORF_MODE_COUNT],
                                  const dorf_coverage_options *options, dorf_coverage *out) {
    memset(out, 0, sizeof *out);
    dorf_coverage_options opt = *options;
    if (opt.category_count == 0) {
        opt.category_count = sizeof default_categories / sizeof default_categories[0];
        memcpy(opt.categories, default_categories, sizeof default_categories);
    }
    unsigned modes = opt.modes ? opt.modes : 7u;
    if (opt.limit_s == 0) {
        opt.limit_s = 3600;
    }
    if (opt.max_snap_m == 0) {
        opt.max_snap_m = 500;
    }
    dorf_status st = check_options(ctx, &opt, graphs, modes);
    if (st != DORF_OK) {
        return st;
    }
    const size_t H = region->household_count;
    const size_t C = opt.category_count;
    const size_t B = region->building_count;
    const size_t P = region->place_count;
    out->household_count = H;
    out->category_count = C;
    memcpy(out->categories, opt.categories, C * sizeof opt.categories[0]);
    out->modes = modes;
    out->limit_s = opt.limit_s;
    out->at = opt.at;

    int category_index[DORF_CAT_COUNT];
    for (int c = 0; c < DORF_CAT_COUNT; c++) {
        category_index[c] = -1;
    }
    for (size_t c = 0; c < C; c++) {
        category_index[opt.categories[c]] = (int)c;
    }
    struct mode_work w = {0};
    uint8_t *place_open = dorf_calloc(P ? P : 1, 1);
    uint8_t *has_households = dorf_calloc(B ? B : 1, 1);
    out->time_s = dorf_malloc((H ? H : 1) * C * DORF_COVERAGE_ACCESS_COUNT * sizeof *out->time_s);
    w.building_snap = dorf_malloc((B ? B : 1) * sizeof *w.building_snap);
    w.building_ok = dorf_calloc(B ? B : 1, 1);
    w.building_time = dorf_malloc((B ? B : 1) * sizeof *w.building_time);
    w.sources = dorf_malloc((P ? P : 1) * sizeof *w.sources);
    dorf_snap *place_snap = dorf_malloc((P ? P : 1) * sizeof *place_snap);
    uint8_t *place_ok = dorf_calloc(P ? P : 1, 1);
    if (!place_open || !has_households || !out->time_s || !w.building_snap || !w.building_ok ||
        !w.building_time || !w.sources || !place_snap || !place_ok) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for coverage");
        goto done;
    }
    for (size_t i = 0; i < H * C * DORF_COVERAGE_ACCESS_COUNT; i++) {
        out->time_s[i] = NAN;
    }
    for (size_t p = 0; p < P && st == DORF_OK; p++) {
        int ci = category_index[region->places[p].category];
        if (ci < 0) {
            continue;
        }
        int open = 0;
        st = coverage_place_is_open(ctx, &region->places[p], &opt, &open);
        place_open[p] = (uint8_t)open;
        out->total_places[ci]++;
        out->open_places[ci] += (size_t)open;
    }
    for (size_t h = 0; h < H; h++) {
        has_households[region->households[h].building] = 1;
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t total = 0, step = 0;
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        total += (modes & (1u << m)) ? C : 0;
    }
    for (int m = 0; m < DORF_MODE_COUNT && st == DORF_OK; m++) {
        if (!(modes & (1u << m))) {
            continue;
        }
        const dorf_graph *g = graphs[m];
        if ((st = dorf_router_new(ctx, g, &w.router)) != DORF_OK) {
            break;
        }
        for (size_t b = 0; b < B && st == DORF_OK; b++) {
            w.building_ok[b] = 0;
            if (has_households[b]) {
                st = coverage_snap_point(ctx, g, region->buildings[b].lon_deg,
                                         region->buildings[b].lat_deg, opt.max_snap_m,
                                         &w.building_snap[b], &w.building_ok[b]);
            }
        }
        for (size_t p = 0; p < P && st == DORF_OK; p++) {
            place_ok[p] = 0;
            if (place_open[p]) {
                st = coverage_snap_point(ctx, g, region->places[p].lon_deg,
                                         region->places[p].lat_deg, opt.max_snap_m, &place_snap[p],
                                         &place_ok[p]);
            }
        }
        for (size_t c = 0; c < C && st == DORF_OK; c++) {
            size_t n = 0;
            for (size_t p = 0; p < P; p++) {
                if (place_ok[p] && category_index[region->places[p].category] == (int)c) {
                    w.sources[n++] = place_snap[p];
                }
            }
            for (size_t b = 0; b < B; b++) {
                w.building_time[b] = INFINITY;
            }
            if (n > 0) {
                /* Backwards: each node's time to its nearest source, i.e. to the nearest place. */
                if ((st = dorf_reach(w.router, w.sources, n, opt.limit_s, 1, &w.reach)) !=
                    DORF_OK) {
                    break;
                }
                out->searches++;
                for (size_t b = 0; b < B; b++) {
                    double t;
                    if (w.building_ok[b] &&
                        dorf_reach_time_at(&w.reach, &w.building_snap[b], &t) == DORF_OK) {
                        w.building_time[b] = (float)t;
                    }
                }
            }
            for (size_t h = 0; h < H; h++) {
                out->time_s[(h * C + c) * DORF_COVERAGE_ACCESS_COUNT + (size_t)m] =
                    w.building_time[region->households[h].building];
            }
            dorf_progress(ctx, "coverage", ++step, total);
            if (dorf_ctx_interrupted(ctx)) {
                st = dorf_fail(ctx, DORF_EINTR, "interrupted while computing coverage");
            }
        }
        dorf_router_free(w.router);
        w.router = NULL;
    }
    if (st == DORF_OK && opt.pool.volunteers > 0) {
        out->modes |= 1u << DORF_COVERAGE_LIEFERBAR;
        st = coverage_pool_times(ctx, region, graphs[opt.pool.mode], &opt.pool, opt.max_snap_m,
                                 place_open, category_index, out);
    }
    out->search_s = seconds_since(&t0);

done:
    dorf_reach_release(&w.reach);
    dorf_router_free(w.router);
    dorf_free(place_open);
    dorf_free(has_households);
    dorf_free(w.building_snap);
    dorf_free(w.building_ok);
    dorf_free(w.building_time);
    dorf_free(w.sources);
    dorf_free(place_snap);
    dorf_free(place_ok);
    if (st != DORF_OK) {
        dorf_coverage_release(out);
    }
    return st;
}
