/*
 * dorf/coverage.h: who reaches which service in how many minutes.
 *
 * Coverage is, for every household of a region, the travel time to the nearest place of each
 * category that is open at a given local time, by walking, cycling and driving. It runs one
 * multi-source search per category and mode (seeded with every open place of the category,
 * run backwards over the road graph so that each node learns its time *to* the nearest
 * place), not one search per household: the cost grows with the road network, not with the
 * number of households.
 *
 * What counts:
 * - a household stands at its building's point (a point on the footprint), snapped to the
 *   nearest road the mode may use; the walk from the door to that road is not counted, nor
 *   the one from the road to the shop's door, so times equal dorf_route_find() between the
 *   snapped points;
 * - a place is open when its opening_hours say so at the time; a place without opening_hours
 *   (bus stops, many surgeries) counts as open, and so does one whose value dorf cannot parse,
 *   unless `strict_hours` is set (then only places whose hours say open count);
 * - a household or place farther than `max_snap_m` from a road the mode may use is not
 *   reached by that mode; nor is a place beyond the search limit.
 *
 * The results are summarised per settlement (each household belongs to the nearest named
 * settlement in a straight line), per INSPIRE grid cell (EPSG:3035, 1 km or 100 m, cells named
 * as CRS3035RES1000mN2984000E4433000 after their lower-left corner) and for the whole region:
 * households and persons, and the persons who reach the nearest open place within each
 * threshold (e.g. 5, 10, 15, 30 minutes).
 */
#ifndef DORF_COVERAGE_H
#define DORF_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/opening_hours.h"
#include "dorf/routing.h"
#include "dorf/tables.h"

#define DORF_COVERAGE_MAX_THRESHOLDS 8

/*
 * How a household gets to a service: walking, cycling and driving (dorf_mode's values), or
 * having it brought by a LieferBar volunteer (DORF_COVERAGE_LIEFERBAR). Coverage arrays and
 * the `modes` bits are indexed by these.
 */
enum { DORF_COVERAGE_LIEFERBAR = DORF_MODE_COUNT, DORF_COVERAGE_ACCESS_COUNT };

/* "walk", "bike", "car", "lieferbar". */
const char *dorf_coverage_access_name(unsigned access);

/*
 * A LieferBar volunteer pool, as coverage models it (a documented approximation of the
 * optimiser's model, docs/scenarios.md): `volunteers` volunteers live at households drawn at
 * random in proportion to their persons (reproducible from `seed`); each runs one errand by
 * `mode`: from home to an open place of the category, to the household, and home again, in
 * at most `round_trip_s`. A household is served when some volunteer can run that errand for
 * some open place; its time is the parcel's travel time (home to place to household) of the
 * best such errand. Volunteers' availability windows and capacities are not modelled.
 */
typedef struct dorf_coverage_pool {
    size_t volunteers;   /* 0: no LieferBar access computed */
    dorf_mode mode;      /* how they travel */
    double round_trip_s; /* 0: 1800 */
    uint64_t seed;
} dorf_coverage_pool;

typedef struct dorf_coverage_options {
    dorf_local_time at;         /* when the places must be open (local time) */
    const char *holiday_region; /* "DE-BY" ...; NULL: the holidays common to Germany */
    dorf_category categories[DORF_CAT_COUNT];
    size_t category_count;   /* 0: grocery, bakery, pharmacy, doctor, post, bus stop */
    unsigned modes;          /* DORF_ACCESS_* bits; 0: walking, cycling and driving */
    double limit_s;          /* searches stop here; beyond is "not reached"; 0: 3600 */
    double max_snap_m;       /* 0: 500 */
    int strict_hours;        /* 1: places without parsed opening hours count as closed */
    dorf_coverage_pool pool; /* LieferBar access when pool.volunteers > 0 */
} dorf_coverage_options;

/* The result of one coverage run. */
typedef struct dorf_coverage {
    size_t household_count; /* the region's households, in its order */
    size_t category_count;
    dorf_category categories[DORF_CAT_COUNT];
    unsigned modes; /* bits 1 << access (DORF_ACCESS_* and 1 << DORF_COVERAGE_LIEFERBAR) */
    double limit_s;
    dorf_local_time at;
    size_t open_places[DORF_CAT_COUNT];  /* per category index: open at `at` */
    size_t total_places[DORF_CAT_COUNT]; /* per category index: in the region */
    /*
     * time_s[(h * category_count + c) * DORF_COVERAGE_ACCESS_COUNT + a]: seconds from
     * household h to the nearest open place of category index c by access a (for LieferBar:
     * the parcel's travel time); INFINITY when none is reached within the limit, NAN for an
     * access that was not computed.
     */
    float *time_s;
    uint64_t searches; /* graph searches run (multi-source, and the pool's) */
    double search_s;   /* wall-clock time of snapping and searching, seconds */
} dorf_coverage;

/*
 * Computes coverage for `region` with the graphs of each mode in `modes` (graphs[mode]; those
 * of other modes may be NULL). Reports progress ("coverage", searches done of all) and polls
 * the context's interrupt flag between searches. *out is released with
 * dorf_coverage_release(). Errors: DORF_EINVAL (a graph missing for a requested mode, bad
 * options), DORF_EINTR, DORF_ENOMEM.
 */
dorf_status dorf_coverage_compute(dorf_ctx *ctx, const dorf_region *region,
                                  const dorf_graph *const graphs[DORF_MODE_COUNT],
                                  const dorf_coverage_options *options, dorf_coverage *out);

/* Frees what a coverage result holds and zeroes it. Accepts NULL. */
void dorf_coverage_release(dorf_coverage *coverage);

/* Seconds from household h to the nearest open place of category index c by `access`. */
static inline float dorf_coverage_time(const dorf_coverage *cov, size_t h, size_t c,
                                       unsigned access) {
    return cov->time_s[(h * cov->category_count + c) * DORF_COVERAGE_ACCESS_COUNT + access];
}

/*
 * Reads when coverage is wanted: "Tue 10:00" (the next Tuesday on or after `today`, at
 * 10:00), "2026-12-01 10:00" or "2026-12-01T10:00". Weekdays as OSM writes them (Mo Tu We Th
 * Fr Sa Su) or in English (Mon, Tue ... Sunday), case-insensitive. DORF_EINVAL with a message
 * saying what is expected otherwise.
 */
dorf_status dorf_coverage_parse_time(dorf_ctx *ctx, const char *text, dorf_local_time today,
                                     dorf_local_time *out);

/* How results are summarised. */
typedef enum dorf_zone_kind {
    DORF_ZONE_REGION = 0, /* one zone: the whole region */
    DORF_ZONE_SETTLEMENT, /* per named settlement */
    DORF_ZONE_GRID_1KM,   /* per INSPIRE 1 km cell */
    DORF_ZONE_GRID_100M,  /* per INSPIRE 100 m cell */
} dorf_zone_kind;

typedef struct dorf_coverage_zone {
    char id[80];      /* "region", the settlement's "n123", or the cell's INSPIRE id */
    const char *name; /* the settlement's name; NULL for other zones */
    double x, y;      /* settlement: lon, lat; cell: lower-left corner (east, north, EPSG:3035) */
    uint32_t households;
    double persons;
} dorf_coverage_zone;

/* Coverage summed per zone. Indices: z zone, c category index, m mode, t threshold. */
typedef struct dorf_coverage_summary {
    dorf_zone_kind kind;
    double cell_m; /* 1000 or 100 for grids, else 0 */
    size_t zone_count;
    dorf_coverage_zone *zones; /* sorted by id (settlements: by name) */
    size_t category_count;
    size_t threshold_count;
    double thresholds_s[DORF_COVERAGE_MAX_THRESHOLDS]; /* increasing */
    double *persons_within;  /* [((z * C + c) * DORF_COVERAGE_ACCESS_COUNT + a) * T + t] */
    double *persons_reached; /* [(z * C + c) * DORF_COVERAGE_ACCESS_COUNT + a]: reached */
    double *time_person_s;   /* same index: sum of time x persons over those reached */
    /*
     * Filled by dorf_coverage_summarize_change only (else NULL), indexed as persons_within:
     * persons within the threshold before the change, and persons who were within it before
     * and are not after (lost) or the other way round (gained).
     */
    double *before_within;
    double *persons_lost;
    double *persons_gained;
} dorf_coverage_summary;

/*
 * Sums `coverage` per zone of `kind` with the thresholds given (1 to
 * DORF_COVERAGE_MAX_THRESHOLDS, in seconds, increasing). A region without settlements has
 * one settlement zone, "none". *out is released with dorf_coverage_summary_release().
 * Errors: DORF_EINVAL, DORF_EIO (the grid's CRS cannot be set up), DORF_ENOMEM.
 */
dorf_status dorf_coverage_summarize(dorf_ctx *ctx, const dorf_region *region,
                                    const dorf_coverage *coverage, dorf_zone_kind kind,
                                    const double *thresholds_s, size_t threshold_count,
                                    dorf_coverage_summary *out);

/*
 * The same for a change: `after` summed as above, and beside it what `before` (the baseline,
 * same region and categories, e.g. before a scenario's edits) had and who lost or gained
 * access per threshold. Errors as dorf_coverage_summarize, and DORF_EINVAL when the two
 * coverages do not match.
 */
dorf_status dorf_coverage_summarize_change(dorf_ctx *ctx, const dorf_region *region,
                                           const dorf_coverage *before, const dorf_coverage *after,
                                           dorf_zone_kind kind, const double *thresholds_s,
                                           size_t threshold_count, dorf_coverage_summary *out);

void dorf_coverage_summary_release(dorf_coverage_summary *summary);

/*
 * The zones of a change summary ranked by how much their access changed within threshold t:
 * net[z] = persons gaining minus persons losing access, summed over categories and access
 * modes (a person losing the bakery on foot and by bike counts twice); order lists the zones
 * by decreasing |net|, ties by zone order. Both arrays hold summary->zone_count entries, given
 * by the caller. Requires a change summary (persons_lost set).
 */
void dorf_coverage_rank_change(const dorf_coverage_summary *summary, size_t t, size_t *order,
                               double *net);

/* Index into persons_within. */
static inline size_t dorf_coverage_within_index(const dorf_coverage_summary *s, size_t z, size_t c,
                                                unsigned a, size_t t) {
    return ((z * s->category_count + c) * DORF_COVERAGE_ACCESS_COUNT + a) * s->threshold_count + t;
}

/* Index into persons_reached and time_person_s. */
static inline size_t dorf_coverage_cell_index(const dorf_coverage_summary *s, size_t z, size_t c,
                                              unsigned a) {
    return (z * s->category_count + c) * DORF_COVERAGE_ACCESS_COUNT + a;
}

/*
 * The summary as a table for GIS users (dorf/tables.h), one row per zone, category and mode:
 * zone, name, category, mode, households, persons, persons_<N>min and share_<N>min per
 * threshold (for a change summary also before_<N>min, lost_<N>min and gained_<N>min),
 * reached_persons, mean_min (person-weighted, over those reached). Settlements
 * carry their point (EPSG:4326), cells their square (EPSG:3035), the region no geometry.
 * The table points into `storage`, which the caller frees with dorf_coverage_table_release().
 */
typedef struct dorf_coverage_table {
    dorf_table table;
    dorf_column *columns;
    dorf_value *values;
    double *coords;
    char *names; /* column names and cell texts */
} dorf_coverage_table;

dorf_status dorf_coverage_table_build(dorf_ctx *ctx, const dorf_coverage *coverage,
                                      const dorf_coverage_summary *summary,
                                      dorf_coverage_table *out);

void dorf_coverage_table_release(dorf_coverage_table *table);

#endif
