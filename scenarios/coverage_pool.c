/*
 * coverage_pool.c: LieferBar as an access mode for coverage (dorf/coverage.h describes the
 * approximation). Each volunteer costs two searches (from home, and back home: the reverse
 * search gives every building's time to the home), each open place one (from the place); then
 * for each building and category the best errand home -> place -> building -> home within the
 * round-trip budget is a minimum over places x volunteers of three table lookups.
 */
#include <math.h>
#include <string.h>

#include "coverage_internal.h"
#include "dorf/alloc.h"

/* xorshift64*: a small reproducible generator for drawing the volunteers' homes. */
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

/* The household whose cumulative persons first exceed `target` (binary search). */
static size_t pick(const double *cumulative, size_t n, double target) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cumulative[mid] <= target) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n ? lo : n - 1;
}

/* A reach search, counted; the time at `points[i]` into row[i] (INFINITY beyond the limit). */
struct reader {
    dorf_ctx *ctx;
    dorf_router *router;
    dorf_reach_result reach;
    dorf_coverage *out;
    uint64_t done, total;
};

static dorf_status search(struct reader *r, const dorf_snap *from, double limit_s, int reverse,
                          const dorf_snap *points, const uint8_t *ok, size_t n, float *row,
                          size_t stride) {
    dorf_status st = dorf_reach(r->router, from, 1, limit_s, reverse, &r->reach);
    if (st != DORF_OK) {
        return st;
    }
    r->out->searches++;
    for (size_t i = 0; i < n; i++) {
        double t;
        row[i * stride] =
            ok[i] && dorf_reach_time_at(&r->reach, &points[i], &t) == DORF_OK ? (float)t : INFINITY;
    }
    dorf_progress(r->ctx, "coverage: LieferBar", ++r->done, r->total);
    if (dorf_ctx_interrupted(r->ctx)) {
        return dorf_fail(r->ctx, DORF_EINTR, "interrupted while computing coverage");
    }
    return DORF_OK;
}

dorf_status coverage_pool_times(dorf_ctx *ctx, const dorf_region *region, const dorf_graph *g,
                                const dorf_coverage_pool *pool, double max_snap_m,
                                const uint8_t *place_open, const int *category_index,
                                dorf_coverage *out) {
    const size_t H = region->household_count, B = region->building_count;
    const size_t C = out->category_count, V = pool->volunteers;
    const double budget = pool->round_trip_s > 0 ? pool->round_trip_s : 1800;
    /* The open places asked for, in one list. */
    size_t P = 0;
    for (size_t p = 0; p < region->place_count; p++) {
        P += place_open[p] && category_index[region->places[p].category] >= 0;
    }
    struct reader r = {.ctx = ctx, .out = out, .total = 2 * V + P};
    size_t *place = dorf_malloc((P ? P : 1) * sizeof *place);
    dorf_snap *place_snap = dorf_malloc((P ? P : 1) * sizeof *place_snap);
    uint8_t *place_ok = dorf_calloc(P ? P : 1, 1);
    dorf_snap *bsnap = dorf_malloc((B ? B : 1) * sizeof *bsnap);
    uint8_t *bok = dorf_calloc(B ? B : 1, 1);
    double *cumulative = dorf_malloc((H ? H : 1) * sizeof *cumulative);
    float *home_to_place = dorf_malloc((V ? V : 1) * (P ? P : 1) * sizeof(float));
    float *building_to_home = dorf_malloc((B ? B : 1) * (V ? V : 1) * sizeof(float));
    float *place_to_building = dorf_malloc((P ? P : 1) * (B ? B : 1) * sizeof(float));
    float *best = dorf_malloc((B ? B : 1) * (C ? C : 1) * sizeof(float));
    dorf_status st = DORF_OK;
    if (!place || !place_snap || !place_ok || !bsnap || !bok || !cumulative || !home_to_place ||
        !building_to_home || !place_to_building || !best) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for LieferBar coverage");
        goto done;
    }
    if ((st = dorf_router_new(ctx, g, &r.router)) != DORF_OK) {
        goto done;
    }
    P = 0;
    for (size_t p = 0; p < region->place_count && st == DORF_OK; p++) {
        if (place_open[p] && category_index[region->places[p].category] >= 0) {
            st = coverage_snap_point(ctx, g, region->places[p].lon_deg, region->places[p].lat_deg,
                                     max_snap_m, &place_snap[P], &place_ok[P]);
            place[P++] = p;
        }
    }
    for (size_t h = 0; h < H; h++) {
        bok[region->households[h].building] = 1; /* to snap, below */
    }
    for (size_t b = 0; b < B && st == DORF_OK; b++) {
        uint8_t ok = 0;
        if (bok[b]) {
            st = coverage_snap_point(ctx, g, region->buildings[b].lon_deg,
                                     region->buildings[b].lat_deg, max_snap_m, &bsnap[b], &ok);
        }
        bok[b] = ok;
    }
    /* The volunteers' homes: households drawn in proportion to their persons. */
    double total = 0;
    for (size_t h = 0; h < H; h++) {
        total += region->households[h].persons;
        cumulative[h] = total;
    }
    uint64_t state = pool->seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t v = 0; v < V && st == DORF_OK; v++) {
        size_t home = 0;
        int ok = 0;
        if (H > 0 && total > 0) {
            double u = (double)(next_random(&state) >> 11) / 9007199254740992.0;
            home = region->households[pick(cumulative, H, u * total)].building;
            ok = bok[home];
        }
        for (size_t j = 0; j < P; j++) {
            home_to_place[v * P + j] = INFINITY;
        }
        for (size_t b = 0; b < B; b++) {
            building_to_home[b * V + v] = INFINITY;
        }
        if (!ok) {
            continue; /* a home off the roads: this volunteer runs no errands */
        }
        st = search(&r, &bsnap[home], budget, 0, place_snap, place_ok, P, home_to_place + v * P, 1);
        if (st == DORF_OK) {
            st = search(&r, &bsnap[home], budget, 1, bsnap, bok, B, building_to_home + v, V);
        }
    }
    for (size_t j = 0; j < P && st == DORF_OK; j++) {
        if (!place_ok[j]) {
            for (size_t b = 0; b < B; b++) {
                place_to_building[j * B + b] = INFINITY;
            }
            continue;
        }
        st = search(&r, &place_snap[j], budget, 0, bsnap, bok, B, place_to_building + j * B, 1);
    }
    if (st != DORF_OK) {
        goto done;
    }
    for (size_t i = 0; i < B * C; i++) {
        best[i] = INFINITY;
    }
    for (size_t j = 0; j < P; j++) {
        size_t c = (size_t)category_index[region->places[place[j]].category];
        for (size_t b = 0; b < B; b++) {
            float to_building = place_to_building[j * B + b];
            if (!isfinite(to_building)) {
                continue;
            }
            for (size_t v = 0; v < V; v++) {
                float parcel = home_to_place[v * P + j] + to_building;
                if (parcel + building_to_home[b * V + v] <= budget && parcel < best[b * C + c]) {
                    best[b * C + c] = parcel;
                }
            }
        }
    }
    for (size_t h = 0; h < H; h++) {
        size_t b = region->households[h].building;
        for (size_t c = 0; c < C; c++) {
            out->time_s[(h * C + c) * DORF_COVERAGE_ACCESS_COUNT + DORF_COVERAGE_LIEFERBAR] =
                best[b * C + c];
        }
    }

done:
    dorf_reach_release(&r.reach);
    dorf_router_free(r.router);
    dorf_free(place);
    dorf_free(place_snap);
    dorf_free(place_ok);
    dorf_free(bsnap);
    dorf_free(bok);
    dorf_free(cumulative);
    dorf_free(home_to_place);
    dorf_free(building_to_home);
    dorf_free(place_to_building);
    dorf_free(best);
    return st;
}
