/*
 * coverage_internal.h: what the coverage modules share inside the scenarios library.
 */
#ifndef DORF_SCENARIOS_COVERAGE_INTERNAL_H
#define DORF_SCENARIOS_COVERAGE_INTERNAL_H

#include "dorf/coverage.h"

/* Whether place `p` counts as open at opt->at (coverage.c; dorf/coverage.h says how). */
dorf_status coverage_place_is_open(dorf_ctx *ctx, const dorf_place *p,
                                   const dorf_coverage_options *opt, int *open);

/* Snaps (lon, lat) to `g`; *ok = 0 when no road of the mode lies within max_m (coverage.c). */
dorf_status coverage_snap_point(dorf_ctx *ctx, const dorf_graph *g, double lon, double lat,
                                double max_m, dorf_snap *out, uint8_t *ok);

/*
 * LieferBar access (coverage_pool.c): fills out->time_s for DORF_COVERAGE_LIEFERBAR from the
 * pool's errands on graph `g` (the pool's mode). `place_open` flags the places that count as
 * open, `category_index` maps a category to its index in `out` (-1: not asked for). Adds its
 * searches to out->searches; polls the interrupt flag. DORF_ENOMEM, DORF_EINTR.
 */
dorf_status coverage_pool_times(dorf_ctx *ctx, const dorf_region *region, const dorf_graph *g,
                                const dorf_coverage_pool *pool, double max_snap_m,
                                const uint8_t *place_open, const int *category_index,
                                dorf_coverage *out);

#endif
