/*
 * siting_candidates.c: candidate locations generated from the region when the user gives none
 * (dorf_siting_generate_candidates; the rule is in dorf/siting.h).
 *
 * Farthest-point thinning (Gonzalez 1985, the greedy k-centre heuristic) spreads the kept
 * candidates over the settled area: each new one is the eligible building farthest from those
 * kept, so no part of the region with households is left far from every candidate. Distances
 * are straight lines in a local equirectangular frame (metres), ample for spreading points.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "coverage_internal.h"
#include "dorf/alloc.h"
#include "dorf/siting.h"

/* Metres per degree of latitude (mean), for the local frame. */
#define M_PER_DEG 111195.0

dorf_status dorf_siting_generate_candidates(dorf_ctx *ctx, const dorf_region *region,
                                            const dorf_graph *graph, size_t max_count,
                                            double max_road_m, dorf_siting_candidate **out,
                                            size_t *count) {
    *out = NULL;
    *count = 0;
    if (max_road_m == 0) {
        max_road_m = 50;
    }
    if (max_count == 0 || !(max_road_m > 0) || isinf(max_road_m)) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "generating candidates needs a count of at least 1 and a road distance "
                         "> 0");
    }
    if (!graph) {
        return dorf_fail(ctx, DORF_EINVAL, "no road graph given to generate candidates");
    }
    const size_t B = region->building_count;
    uint8_t *kept = dorf_calloc(B ? B : 1, 1); /* first: has households; then: kept */
    uint32_t *eligible = dorf_malloc((B ? B : 1) * sizeof *eligible);
    double *xy = dorf_malloc((B ? B : 1) * 2 * sizeof *xy);
    double *dist = dorf_malloc((B ? B : 1) * sizeof *dist);
    dorf_status st = DORF_OK;
    if (!kept || !eligible || !xy || !dist) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory generating candidates");
        goto done;
    }
    double total = 0, cx = 0, cy = 0;
    for (size_t h = 0; h < region->household_count; h++) {
        const dorf_household *hh = &region->households[h];
        const dorf_building *b = &region->buildings[hh->building];
        kept[hh->building] = 1;
        total += hh->persons;
        cx += hh->persons * b->lon_deg;
        cy += hh->persons * b->lat_deg;
    }
    size_t n = 0;
    for (size_t b = 0; b < B && st == DORF_OK; b++) {
        if (kept[b]) {
            dorf_snap snap;
            uint8_t ok = 0;
            st = coverage_snap_point(ctx, graph, region->buildings[b].lon_deg,
                                     region->buildings[b].lat_deg, max_road_m, &snap, &ok);
            if (ok) {
                eligible[n++] = (uint32_t)b;
            }
        }
    }
    if (st != DORF_OK) {
        goto done;
    }
    if (n == 0) {
        st = dorf_fail(ctx, DORF_EEMPTY,
                       "no building with households lies within %g m of a road for %s: no "
                       "candidates to generate; give them as a CSV file",
                       max_road_m, dorf_mode_name(dorf_graph_mode(graph)));
        goto done;
    }
    if (total > 0) {
        cx /= total;
        cy /= total;
    } else {
        cx = region->buildings[eligible[0]].lon_deg;
        cy = region->buildings[eligible[0]].lat_deg;
    }
    const double kx = M_PER_DEG * cos(cy * M_PI / 180.0);
    size_t first = 0;
    for (size_t e = 0; e < n; e++) {
        const dorf_building *b = &region->buildings[eligible[e]];
        xy[2 * e] = (b->lon_deg - cx) * kx;
        xy[2 * e + 1] = (b->lat_deg - cy) * M_PER_DEG;
        dist[e] = hypot(xy[2 * e], xy[2 * e + 1]);
        if (dist[e] < dist[first]) {
            first = e;
        }
    }
    const size_t keep = max_count < n ? max_count : n;
    *out = dorf_calloc(keep, sizeof **out);
    if (!*out) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory generating candidates");
        goto done;
    }
    for (size_t e = 0; e < n; e++) {
        dist[e] = INFINITY;
        kept[e] = 0; /* now per eligible building */
    }
    for (size_t next = first, k = 0; k < keep; k++) {
        const dorf_building *b = &region->buildings[eligible[next]];
        dorf_siting_candidate *c = &(*out)[k];
        snprintf(c->id, sizeof c->id, "%c%lld", b->osm_is_relation ? 'r' : 'w',
                 (long long)b->osm_id);
        c->lon_deg = b->lon_deg;
        c->lat_deg = b->lat_deg;
        kept[next] = 1;
        const double x = xy[2 * next], y = xy[2 * next + 1];
        size_t far = SIZE_MAX;
        for (size_t e = 0; e < n; e++) {
            double d = hypot(xy[2 * e] - x, xy[2 * e + 1] - y);
            dist[e] = d < dist[e] ? d : dist[e];
            if (!kept[e] && (far == SIZE_MAX || dist[e] > dist[far])) {
                far = e;
            }
        }
        next = far;
    }
    *count = keep;
done:
    dorf_free(kept);
    dorf_free(eligible);
    dorf_free(xy);
    dorf_free(dist);
    if (st != DORF_OK) {
        dorf_free(*out);
        *out = NULL;
    }
    return st;
}
