/*
 * coverage_summary.c: coverage summed per settlement, per INSPIRE grid cell or for the whole
 * region (dorf_coverage_summarize).
 *
 * Each building with households gets a zone key: the index of its nearest settlement, or its
 * cell's row and column in EPSG:3035 (through PROJ). The distinct keys, sorted, are the zones;
 * households are then added to their building's zone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/coverage.h"
#include "inspire_grid.h"

void dorf_coverage_summary_release(dorf_coverage_summary *s) {
    if (!s) {
        return;
    }
    dorf_free(s->zones);
    dorf_free(s->persons_within);
    dorf_free(s->persons_reached);
    dorf_free(s->time_person_s);
    dorf_free(s->before_within);
    dorf_free(s->persons_lost);
    dorf_free(s->persons_gained);
    memset(s, 0, sizeof *s);
}

/* The nearest settlement to (lon, lat) in a straight line; -1 when there is none. */
static int64_t nearest_settlement(const dorf_region *r, double lon, double lat) {
    int64_t best = -1;
    double best_d = INFINITY;
    double k = cos(lat * M_PI / 180.0);
    for (size_t i = 0; i < r->settlement_count; i++) {
        double dx = (r->settlements[i].lon_deg - lon) * k;
        double dy = r->settlements[i].lat_deg - lat;
        double d = dx * dx + dy * dy;
        if (d < best_d) {
            best_d = d;
            best = (int64_t)i;
        }
    }
    return best;
}

/* Zone keys per building with households (UINT64_MAX for the others). */
static dorf_status building_keys(dorf_ctx *ctx, const dorf_region *r, dorf_zone_kind kind,
                                 double cell_m, const uint8_t *has_households, uint64_t *keys) {
    inspire_grid grid = {0};
    dorf_status st = cell_m > 0 ? inspire_grid_open(ctx, cell_m, &grid) : DORF_OK;
    for (size_t b = 0; b < r->building_count && st == DORF_OK; b++) {
        keys[b] = UINT64_MAX;
        if (!has_households[b]) {
            continue;
        }
        const dorf_building *bd = &r->buildings[b];
        if (kind == DORF_ZONE_REGION) {
            keys[b] = 0;
        } else if (kind == DORF_ZONE_SETTLEMENT) {
            int64_t s = nearest_settlement(r, bd->lon_deg, bd->lat_deg);
            keys[b] = s < 0 ? (uint64_t)r->settlement_count : (uint64_t)s;
        } else {
            st = inspire_grid_cell(ctx, &grid, bd->lon_deg, bd->lat_deg, &keys[b]);
        }
    }
    inspire_grid_close(&grid);
    return st;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts settlement zones by name, then id, for reading. */
static int compare_zone_name(const void *a, const void *b) {
    const dorf_coverage_zone *x = a, *y = b;
    int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
    return c ? c : strcmp(x->id, y->id);
}

static void describe_zone(const dorf_region *r, dorf_zone_kind kind, double cell_m, uint64_t key,
                          dorf_coverage_zone *z) {
    memset(z, 0, sizeof *z);
    if (kind == DORF_ZONE_REGION) {
        snprintf(z->id, sizeof z->id, "region");
    } else if (kind == DORF_ZONE_SETTLEMENT) {
        if (key >= r->settlement_count) {
            snprintf(z->id, sizeof z->id, "none");
            z->name = "(no settlement)";
            z->x = z->y = NAN;
        } else {
            const dorf_settlement *s = &r->settlements[key];
            snprintf(z->id, sizeof z->id, "%c%lld", s->osm_type, (long long)s->osm_id);
            z->name = s->name;
            z->x = s->lon_deg;
            z->y = s->lat_deg;
        }
    } else {
        inspire_cell_name(cell_m, key, z->id);
        inspire_cell_corner(cell_m, key, &z->x, &z->y);
    }
}

/* The zones of `kind` and each household's zone (*hh_zone, malloc'ed), for a summary. */
static dorf_status assign_zones(dorf_ctx *ctx, const dorf_region *region, dorf_zone_kind kind,
                                double cell_m, dorf_coverage_summary *out, size_t **hh_zone) {
    const size_t B = region->building_count, H = region->household_count;
    uint8_t *has = dorf_calloc(B ? B : 1, 1);
    uint64_t *keys = dorf_malloc((B ? B : 1) * sizeof *keys);
    uint64_t *sorted = dorf_malloc((B ? B : 1) * sizeof *sorted);
    size_t *zone_of_key = NULL;
    *hh_zone = dorf_malloc((H ? H : 1) * sizeof **hh_zone);
    dorf_status st = DORF_OK;
    if (!has || !keys || !sorted || !*hh_zone) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory summarising coverage");
        goto done;
    }
    for (size_t h = 0; h < H; h++) {
        has[region->households[h].building] = 1;
    }
    if ((st = building_keys(ctx, region, kind, cell_m, has, keys)) != DORF_OK) {
        goto done;
    }
    size_t n = 0;
    for (size_t b = 0; b < B; b++) {
        if (keys[b] != UINT64_MAX) {
            sorted[n++] = keys[b];
        }
    }
    qsort(sorted, n, sizeof *sorted, compare_u64);
    size_t zones = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || sorted[i] != sorted[i - 1]) {
            sorted[zones++] = sorted[i];
        }
    }
    if (kind == DORF_ZONE_REGION && zones == 0) {
        sorted[zones++] = 0; /* the region is one zone even without households */
    }
    out->zones = dorf_calloc(zones ? zones : 1, sizeof *out->zones);
    zone_of_key = dorf_malloc((zones ? zones : 1) * sizeof *zone_of_key);
    if (!out->zones || !zone_of_key) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory summarising coverage");
        goto done;
    }
    out->zone_count = zones;
    for (size_t z = 0; z < zones; z++) {
        describe_zone(region, kind, cell_m, sorted[z], &out->zones[z]);
        zone_of_key[z] = z;
    }
    if (kind == DORF_ZONE_SETTLEMENT) {
        /* Sort by name; zone_of_key maps a key's rank to its zone's new position. */
        for (size_t z = 0; z < zones; z++) {
            out->zones[z].households = (uint32_t)z; /* the key rank, briefly */
        }
        qsort(out->zones, zones, sizeof *out->zones, compare_zone_name);
        for (size_t z = 0; z < zones; z++) {
            zone_of_key[out->zones[z].households] = z;
            out->zones[z].households = 0;
        }
    }
    for (size_t h = 0; h < H; h++) {
        uint64_t key = keys[region->households[h].building];
        uint64_t *hit = bsearch(&key, sorted, zones, sizeof *sorted, compare_u64);
        size_t z = zone_of_key[hit - sorted];
        (*hh_zone)[h] = z;
        out->zones[z].households++;
        out->zones[z].persons += region->households[h].persons;
    }

done:
    dorf_free(has);
    dorf_free(keys);
    dorf_free(sorted);
    dorf_free(zone_of_key);
    return st;
}

static dorf_status check_thresholds(dorf_ctx *ctx, const double *thresholds_s, size_t n) {
    if (n < 1 || n > DORF_COVERAGE_MAX_THRESHOLDS) {
        return dorf_fail(ctx, DORF_EINVAL, "between 1 and %d thresholds",
                         DORF_COVERAGE_MAX_THRESHOLDS);
    }
    for (size_t t = 0; t < n; t++) {
        if (!(thresholds_s[t] > 0) || isinf(thresholds_s[t]) ||
            (t > 0 && thresholds_s[t] <= thresholds_s[t - 1])) {
            return dorf_fail(ctx, DORF_EINVAL, "thresholds must be positive and increasing");
        }
    }
    return DORF_OK;
}

/* Adds household h's times in `cov` to the sums of zone z. */
static void add_household(dorf_coverage_summary *out, const dorf_coverage *cov, size_t h, size_t z,
                          double p) {
    for (size_t c = 0; c < cov->category_count; c++) {
        for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
            float t = dorf_coverage_time(cov, h, c, (unsigned)m);
            if (!isfinite(t)) {
                continue;
            }
            size_t i = dorf_coverage_cell_index(out, z, c, (unsigned)m);
            out->persons_reached[i] += p;
            out->time_person_s[i] += (double)t * p;
            for (size_t k = 0; k < out->threshold_count; k++) {
                if (t <= out->thresholds_s[k]) {
                    out->persons_within[dorf_coverage_within_index(out, z, c, (unsigned)m, k)] += p;
                }
            }
        }
    }
}

/* Whether a time is within a threshold (NaN, a mode not computed, never is). */
static int within(float t, double threshold_s) {
    return isfinite(t) && t <= threshold_s;
}

static dorf_status summarize(dorf_ctx *ctx, const dorf_region *region, const dorf_coverage *before,
                             const dorf_coverage *cov, dorf_zone_kind kind,
                             const double *thresholds_s, size_t threshold_count,
                             dorf_coverage_summary *out) {
    memset(out, 0, sizeof *out);
    dorf_status st = check_thresholds(ctx, thresholds_s, threshold_count);
    if (st != DORF_OK) {
        return st;
    }
    if (cov->household_count != region->household_count ||
        (before && (before->household_count != cov->household_count ||
                    before->category_count != cov->category_count ||
                    memcmp(before->categories, cov->categories,
                           cov->category_count * sizeof cov->categories[0]) != 0))) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "the coverage belongs to another region or other categories");
    }
    out->kind = kind;
    out->cell_m = kind == DORF_ZONE_GRID_1KM ? 1000 : kind == DORF_ZONE_GRID_100M ? 100 : 0;
    out->category_count = cov->category_count;
    out->threshold_count = threshold_count;
    memcpy(out->thresholds_s, thresholds_s, threshold_count * sizeof *thresholds_s);
    size_t *hh_zone = NULL;
    if ((st = assign_zones(ctx, region, kind, out->cell_m, out, &hh_zone)) != DORF_OK) {
        goto done;
    }
    const size_t C = cov->category_count, T = threshold_count;
    size_t cells = out->zone_count * C * DORF_COVERAGE_ACCESS_COUNT;
    out->persons_within = dorf_calloc(cells * T + 1, sizeof *out->persons_within);
    out->persons_reached = dorf_calloc(cells + 1, sizeof *out->persons_reached);
    out->time_person_s = dorf_calloc(cells + 1, sizeof *out->time_person_s);
    if (before) {
        out->before_within = dorf_calloc(cells * T + 1, sizeof *out->before_within);
        out->persons_lost = dorf_calloc(cells * T + 1, sizeof *out->persons_lost);
        out->persons_gained = dorf_calloc(cells * T + 1, sizeof *out->persons_gained);
    }
    if (!out->persons_within || !out->persons_reached || !out->time_person_s ||
        (before && (!out->before_within || !out->persons_lost || !out->persons_gained))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory summarising coverage");
        goto done;
    }
    for (size_t h = 0; h < region->household_count; h++) {
        size_t z = hh_zone[h];
        double p = region->households[h].persons;
        add_household(out, cov, h, z, p);
        for (size_t c = 0; before && c < C; c++) {
            for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
                float was = dorf_coverage_time(before, h, c, (unsigned)m);
                float is = dorf_coverage_time(cov, h, c, (unsigned)m);
                for (size_t k = 0; k < T; k++) {
                    size_t i = dorf_coverage_within_index(out, z, c, (unsigned)m, k);
                    int a = within(was, thresholds_s[k]), b = within(is, thresholds_s[k]);
                    out->before_within[i] += a ? p : 0;
                    out->persons_lost[i] += a && !b ? p : 0;
                    out->persons_gained[i] += !a && b ? p : 0;
                }
            }
        }
    }

done:
    dorf_free(hh_zone);
    if (st != DORF_OK) {
        dorf_coverage_summary_release(out);
    }
    return st;
}

dorf_status dorf_coverage_summarize(dorf_ctx *ctx, const dorf_region *region,
                                    const dorf_coverage *cov, dorf_zone_kind kind,
                                    const double *thresholds_s, size_t threshold_count,
                                    dorf_coverage_summary *out) {
    return summarize(ctx, region, NULL, cov, kind, thresholds_s, threshold_count, out);
}

dorf_status dorf_coverage_summarize_change(dorf_ctx *ctx, const dorf_region *region,
                                           const dorf_coverage *before, const dorf_coverage *after,
                                           dorf_zone_kind kind, const double *thresholds_s,
                                           size_t threshold_count, dorf_coverage_summary *out) {
    return summarize(ctx, region, before, after, kind, thresholds_s, threshold_count, out);
}

void dorf_coverage_rank_change(const dorf_coverage_summary *s, size_t t, size_t *order,
                               double *net) {
    for (size_t z = 0; z < s->zone_count; z++) {
        order[z] = z;
        net[z] = 0;
        for (size_t c = 0; c < s->category_count; c++) {
            for (unsigned a = 0; a < DORF_COVERAGE_ACCESS_COUNT; a++) {
                size_t i = dorf_coverage_within_index(s, z, c, a, t);
                net[z] += s->persons_gained[i] - s->persons_lost[i];
            }
        }
    }
    /* Insertion sort, stable: a region has a few hundred settlements at most. */
    for (size_t i = 1; i < s->zone_count; i++) {
        size_t key = order[i], j = i;
        for (; j > 0 && fabs(net[order[j - 1]]) < fabs(net[key]); j--) {
            order[j] = order[j - 1];
        }
        order[j] = key;
    }
}
