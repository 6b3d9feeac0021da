/*
 * dorf/scenario.h: what-if scenarios for planners: a file of edits to the baseline region
 * (close or open a place, change its opening hours, close a road), evaluated in memory.
 * The stored region is never changed.
 *
 * A scenario file is JSON:
 *
 *   {
 *     "name": "Bakery in Harsdorf closes",           required, 1-200 characters
 *     "description": "What if ...",                  optional
 *     "at": "Tue 10:00",                             optional: when coverage is computed
 *     "categories": ["bakery", "grocery"],           optional: which categories
 *     "edits": [                                     required, 1-1000 edits
 *       {"close": "n123456"},                        a place (OSM type and id) closes
 *       {"open": {"name": "Paketstation", "category": "post", "lon": 11.5, "lat": 50.0,
 *                 "opening_hours": "Mo-Sa 07:00-20:00"}},   a new place (hours optional)
 *       {"hours": {"place": "n123456", "opening_hours": "Mo-Fr 08:00-12:00"}},
 *       {"close_road": {"way": 987654, "modes": ["car"]}}   every segment of an OSM way,
 *                                                    for the modes named (default all)
 *       {"volunteers": {"count": 20, "mode": "bike", "round_trip_min": 30}}
 *                                                    a LieferBar volunteer pool (coverage.h,
 *                                                    dorf_coverage_pool); mode and round trip
 *                                                    optional (bike, 30)
 *     ]
 *   }
 *
 * Unknown members are refused (a typo must not silently change the meaning).
 */
#ifndef DORF_SCENARIO_H
#define DORF_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dorf/coverage.h"
#include "dorf/region.h"

typedef enum dorf_edit_kind {
    DORF_EDIT_CLOSE_PLACE = 0,
    DORF_EDIT_ADD_PLACE,
    DORF_EDIT_SET_HOURS,
    DORF_EDIT_CLOSE_ROAD,
    DORF_EDIT_VOLUNTEERS,
} dorf_edit_kind;

typedef struct dorf_edit {
    dorf_edit_kind kind;
    char osm_type;  /* CLOSE_PLACE, SET_HOURS: the place's; CLOSE_ROAD: 'w' */
    int64_t osm_id; /* the place, or the way */
    /* ADD_PLACE */
    const char *name;
    dorf_category category;
    double lon_deg, lat_deg;
    const char *opening_hours; /* ADD_PLACE, SET_HOURS; NULL: none given (always open) */
    unsigned modes;            /* CLOSE_ROAD: DORF_ACCESS_* closed */
    dorf_coverage_pool pool;   /* VOLUNTEERS (seed 0) */
} dorf_edit;

typedef struct dorf_scenario {
    const char *name;
    const char *description; /* NULL when not given */
    const char *at;          /* NULL when not given */
    dorf_category categories[DORF_CAT_COUNT];
    size_t category_count; /* 0 when not given */
    dorf_edit *edits;
    size_t edit_count;
    dorf_arena *arena; /* owns the strings and edits */
} dorf_scenario;

/*
 * Parses a scenario file's text (`size` bytes, need not be NUL-terminated); `source` names
 * it in messages ("close-bakery.json: edits[2].close: ..."). *out is freed with
 * dorf_scenario_free(). Errors: DORF_EPARSE (not JSON, or not a scenario: what and where),
 * DORF_ENOMEM.
 */
dorf_status dorf_scenario_parse(dorf_ctx *ctx, const char *source, const char *text, size_t size,
                                dorf_scenario **out);

void dorf_scenario_free(dorf_scenario *scenario);

/*
 * The volunteer pool the scenario sets (its last "volunteers" edit) into *pool, keeping the
 * pool's seed: 1; 0 when the scenario leaves the pool alone.
 */
int dorf_scenario_pool(const dorf_scenario *scenario, dorf_coverage_pool *pool);

/* Whether any edit changes the roads (then the graphs must be built from the edited region). */
int dorf_scenario_changes_roads(const dorf_scenario *scenario);

/*
 * The baseline as the scenario changes it: a region that shares the baseline's arrays except
 * those edited (places; road segments), so `base` must outlive it and is never changed.
 * Checks each edit against the baseline: the places and ways named exist, opening hours parse,
 * a new place lies inside the region's extent. Errors: DORF_EINVAL (an edit that does not fit
 * the region: which and why), DORF_ENOMEM. Free with dorf_scenario_region_free().
 */
typedef struct dorf_scenario_region dorf_scenario_region;

dorf_status dorf_scenario_apply(dorf_ctx *ctx, const dorf_region *base,
                                const dorf_scenario *scenario, dorf_scenario_region **out);

const dorf_region *dorf_scenario_region_get(const dorf_scenario_region *edited);

void dorf_scenario_region_free(dorf_scenario_region *edited);

/* What a scenario report shows: the scenario, and coverage change summaries of it. */
typedef struct dorf_scenario_report_input {
    const dorf_scenario *scenario;
    const dorf_region *base;                  /* the baseline (place names, source) */
    const dorf_coverage *coverage;            /* after the edits: categories, modes, time */
    const dorf_coverage_summary *region;      /* change summaries (dorf_coverage_summarize_ */
    const dorf_coverage_summary *settlements; /* change) of the same thresholds */
    const dorf_coverage_summary *grid;        /* 1 km cells */
} dorf_scenario_report_input;

/*
 * Writes a self-contained HTML page (no outside resources: styles inline, the map and the
 * chart as inline SVG; readable when printed): the scenario and its edits, the share of
 * persons within the middle threshold before and after per category and mode, the persons
 * losing and gaining access, a map of the 1 km cells coloured by the change for the category
 * and mode that changes most, and the most affected settlements. DORF_EIO when writing fails.
 */
dorf_status dorf_scenario_report_html(dorf_ctx *ctx, const dorf_scenario_report_input *in,
                                      FILE *out);

#endif
