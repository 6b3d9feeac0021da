/*
 * test_coverage.c: coverage (scenarios/coverage*.c). On the hand-made village the answers are
 * known: a butcher open only on Monday mornings is reached on Monday and by nobody on
 * Tuesday; on Sunday the only bakery is closed and nobody reaches one; a place without
 * understood opening hours counts as open unless the hours are strict. On the real extract
 * every household's time equals the best of single-source routes (dorf_route_find) to each
 * open place, and the summaries partition the households: per settlement, per 1 km and per
 * 100 m cell, the zones add up to the region.
 */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/coverage.h"
#include "dorf/importers.h"
#include "routing/shared_extract.h"

#define MAX_SNAP_M 500.0

static dorf_region *village(dorf_ctx *ctx) {
    const char *dir = getenv("DORF_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/village.osm", dir ? dir : "tests/data");
    dorf_region *r = NULL;
    if (dorf_import_osm(ctx, path, NULL, &r, NULL) != DORF_OK) {
        fprintf(stderr, "  importing the village: %s\n", dorf_ctx_errmsg(ctx));
    }
    return r;
}

struct graphs {
    dorf_graph *g[DORF_MODE_COUNT];
};

static int build_graphs(dorf_ctx *ctx, const dorf_region *r, struct graphs *gs) {
    memset(gs, 0, sizeof *gs);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (dorf_graph_build(ctx, r, (dorf_mode)m, &gs->g[m]) != DORF_OK) {
            return -1;
        }
    }
    return 0;
}

static void free_graphs(struct graphs *gs) {
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(gs->g[m]);
    }
}

static size_t category_position(const dorf_coverage *cov, dorf_category cat) {
    for (size_t c = 0; c < cov->category_count; c++) {
        if (cov->categories[c] == cat) {
            return c;
        }
    }
    return (size_t)-1;
}

/* Households (of all) that reach category `cat` by `mode` at all. */
static size_t households_reaching(const dorf_coverage *cov, dorf_category cat, unsigned mode) {
    size_t c = category_position(cov, cat), n = 0;
    for (size_t h = 0; h < cov->household_count; h++) {
        n += isfinite(dorf_coverage_time(cov, h, c, mode));
    }
    return n;
}

static dorf_status run(dorf_ctx *ctx, const dorf_region *r, struct graphs *gs, dorf_local_time at,
                       int strict, dorf_coverage *cov) {
    dorf_coverage_options opt = {.at = at, .strict_hours = strict};
    const dorf_category cats[] = {DORF_CAT_BAKERY, DORF_CAT_BUTCHER, DORF_CAT_PHARMACY,
                                  DORF_CAT_BUS_STOP, DORF_CAT_DOCTOR};
    memcpy(opt.categories, cats, sizeof cats);
    opt.category_count = sizeof cats / sizeof cats[0];
    return dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs->g, &opt, cov);
}

static void test_opening_hours_decide_who_is_reached(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    struct graphs gs;
    CHECK(r && build_graphs(ctx, r, &gs) == 0);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    CHECK(r->household_count > 0);
    const dorf_local_time monday = {2026, 11, 30, 10 * 60}, tuesday = {2026, 12, 1, 10 * 60},
                          sunday = {2026, 11, 29, 10 * 60};
    dorf_coverage cov = {0};
    CHECK_EQ_INT(run(ctx, r, &gs, monday, 0, &cov), DORF_OK);
    size_t butcher = category_position(&cov, DORF_CAT_BUTCHER);
    CHECK_EQ_INT(cov.open_places[butcher], 1);
    CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BUTCHER, DORF_MODE_WALK), r->household_count);
    dorf_coverage_release(&cov);

    /* Tuesday: the butcher is shut, the bakery open. */
    CHECK_EQ_INT(run(ctx, r, &gs, tuesday, 0, &cov), DORF_OK);
    CHECK_EQ_INT(cov.open_places[butcher], 0);
    CHECK_EQ_INT(cov.total_places[butcher], 1);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BUTCHER, (dorf_mode)m), 0);
    }
    CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BAKERY, DORF_MODE_WALK), r->household_count);
    /* No doctor's hours: the surgery counts as open; the pharmacy's hours do not parse. */
    CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_DOCTOR, DORF_MODE_WALK), r->household_count);
    CHECK_EQ_INT(cov.open_places[category_position(&cov, DORF_CAT_PHARMACY)], 1);
    CHECK(cov.searches > 0);
    dorf_coverage_release(&cov);

    /* Sunday: the only bakery is closed, so nobody reaches one by any mode. */
    CHECK_EQ_INT(run(ctx, r, &gs, sunday, 0, &cov), DORF_OK);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BAKERY, (dorf_mode)m), 0);
    }
    dorf_coverage_release(&cov);

    /* Strict hours: only places whose understood hours say open count. */
    CHECK_EQ_INT(run(ctx, r, &gs, tuesday, 1, &cov), DORF_OK);
    CHECK_EQ_INT(cov.open_places[category_position(&cov, DORF_CAT_PHARMACY)], 0);
    CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BUS_STOP, DORF_MODE_CAR), 0);
    CHECK_EQ_INT(households_reaching(&cov, DORF_CAT_BAKERY, DORF_MODE_CAR), r->household_count);
    dorf_coverage_release(&cov);
    free_graphs(&gs);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_a_missing_graph_and_bad_options_are_refused(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    struct graphs gs;
    CHECK(r && build_graphs(ctx, r, &gs) == 0);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    dorf_coverage cov = {0};
    dorf_coverage_options opt = {.at = {2026, 12, 1, 600}, .modes = DORF_ACCESS_BIKE};
    const dorf_graph *only_walk[DORF_MODE_COUNT] = {gs.g[DORF_MODE_WALK], NULL, NULL};
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, only_walk, &opt, &cov), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "bike");
    opt.modes = 0;
    opt.at.minute = 1440;
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &cov),
                 DORF_EINVAL);
    opt.at.minute = 600;
    opt.category_count = 2;
    opt.categories[0] = opt.categories[1] = DORF_CAT_BAKERY;
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &cov),
                 DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "twice");
    CHECK(cov.time_s == NULL);
    free_graphs(&gs);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_times_are_parsed_as_planners_write_them(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    const dorf_local_time friday = {2026, 11, 27, 0};
    dorf_local_time t;
    CHECK_EQ_INT(dorf_coverage_parse_time(ctx, "Tue 10:00", friday, &t), DORF_OK);
    CHECK(t.year == 2026 && t.month == 12 && t.day == 1 && t.minute == 600);
    CHECK_EQ_INT(dorf_coverage_parse_time(ctx, "friday 8:30", friday, &t), DORF_OK);
    CHECK(t.day == 27 && t.month == 11 && t.minute == 510);
    CHECK_EQ_INT(dorf_coverage_parse_time(ctx, "Mo 23:59", (dorf_local_time){2026, 12, 31, 0}, &t),
                 DORF_OK);
    CHECK(t.year == 2027 && t.month == 1 && t.day == 4 && t.minute == 1439);
    CHECK_EQ_INT(dorf_coverage_parse_time(ctx, "2028-02-29T07:05", friday, &t), DORF_OK);
    CHECK(t.year == 2028 && t.month == 2 && t.day == 29 && t.minute == 425);
    const char *bad[] = {"Tuesday",          "Tue 25:00",        "Tue 10:60", "Xx 10:00",
                         "Tue 10:0",         "2026-02-29 10:00", "",          "2026-12-01 10:00x",
                         "2026-13-01 10:00", "Tue  10:00",       "Tue 1000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dorf_coverage_parse_time(ctx, bad[i], friday, &t) != DORF_EINVAL) {
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "Tue 10:00");
    dorf_ctx_free(ctx);
}

/* Every household's time is the best single-source route to an open place of the category. */
static void test_times_match_single_source_routes_on_the_real_extract(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    struct graphs gs;
    CHECK(build_graphs(ctx, r, &gs) == 0);
    dorf_coverage cov = {0};
    dorf_coverage_options opt = {.at = {2026, 12, 1, 600}};
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &cov),
                 DORF_OK);
    CHECK_EQ_INT(cov.category_count, 6);
    CHECK(cov.searches > 0 && cov.searches <= 18);
    size_t checked = 0, finite = 0;
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_router *router = NULL;
        CHECK_EQ_INT(dorf_router_new(ctx, gs.g[m], &router), DORF_OK);
        for (size_t c = 0; c < cov.category_count && router; c++) {
            /* The open places of the category and their snaps, as coverage sees them. */
            dorf_snap places[64];
            size_t n = 0;
            for (size_t p = 0; p < r->place_count && n < 64; p++) {
                const dorf_place *pl = &r->places[p];
                if (pl->category != cov.categories[c]) {
                    continue;
                }
                int open = 1;
                if (pl->opening_hours && !pl->opening_hours_error) {
                    dorf_opening_hours *oh = NULL;
                    CHECK_EQ_INT(dorf_opening_hours_parse(ctx, pl->opening_hours, &oh), DORF_OK);
                    open = oh && dorf_opening_hours_is_open(oh, NULL, opt.at);
                    dorf_opening_hours_free(oh);
                }
                if (open && dorf_graph_snap(ctx, gs.g[m], pl->lon_deg, pl->lat_deg, MAX_SNAP_M,
                                            &places[n]) == DORF_OK) {
                    n++;
                }
            }
            /* Every 97th household: about 30 per category and mode. */
            for (size_t h = (size_t)m + c; h < r->household_count; h += 97) {
                const dorf_building *b = &r->buildings[r->households[h].building];
                double best = INFINITY;
                dorf_snap from;
                if (dorf_graph_snap(ctx, gs.g[m], b->lon_deg, b->lat_deg, MAX_SNAP_M, &from) ==
                    DORF_OK) {
                    for (size_t k = 0; k < n; k++) {
                        double t;
                        if (dorf_route_find(router, DORF_ALG_DIJKSTRA, &from, &places[k], &t,
                                            NULL) == DORF_OK &&
                            t < best) {
                            best = t;
                        }
                    }
                }
                if (best > 3600) {
                    best = INFINITY; /* beyond the search limit */
                }
                float got = dorf_coverage_time(&cov, h, c, (dorf_mode)m);
                if (isinf(best) ? !isinf(got) : fabs(got - best) > 0.002) {
                    fprintf(stderr, "  household %zu, %s by %s: coverage %.3f s, routes %.3f s\n",
                            h, dorf_category_name(cov.categories[c]), dorf_mode_name((dorf_mode)m),
                            got, best);
                    CHECK(0);
                }
                checked++;
                finite += isfinite(best);
            }
        }
        dorf_router_free(router);
    }
    CHECK(checked > 400);
    CHECK(finite > checked / 3);
    printf("  %zu household times checked against single-source routes (%zu reached)\n", checked,
           finite);

    /* The summaries partition the households and persons. */
    const double thresholds[] = {300, 600, 900, 1800};
    dorf_coverage_summary region_sum, parts[3];
    CHECK_EQ_INT(
        dorf_coverage_summarize(ctx, r, &cov, DORF_ZONE_REGION, thresholds, 4, &region_sum),
        DORF_OK);
    CHECK_EQ_INT(region_sum.zone_count, 1);
    CHECK_EQ_INT(region_sum.zones[0].households, r->household_count);
    CHECK_NEAR(region_sum.zones[0].persons, dorf_region_persons(r), 1e-6);
    const dorf_zone_kind kinds[3] = {DORF_ZONE_SETTLEMENT, DORF_ZONE_GRID_1KM, DORF_ZONE_GRID_100M};
    regex_t cell_id;
    CHECK(regcomp(&cell_id, "^CRS3035RES(1000|100)mN[0-9]{7}E[0-9]{7}$", REG_EXTENDED) == 0);
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(dorf_coverage_summarize(ctx, r, &cov, kinds[k], thresholds, 4, &parts[k]),
                     DORF_OK);
        uint64_t households = 0;
        double persons = 0, within = 0;
        for (size_t z = 0; z < parts[k].zone_count; z++) {
            households += parts[k].zones[z].households;
            persons += parts[k].zones[z].persons;
            within +=
                parts[k]
                    .persons_within[dorf_coverage_within_index(&parts[k], z, 0, DORF_MODE_CAR, 2)];
            for (size_t t = 1; t < 4; t++) {
                CHECK(parts[k].persons_within[dorf_coverage_within_index(&parts[k], z, 1,
                                                                         DORF_MODE_WALK, t)] >=
                      parts[k].persons_within[dorf_coverage_within_index(&parts[k], z, 1,
                                                                         DORF_MODE_WALK, t - 1)]);
            }
            if (k > 0) {
                CHECK(regexec(&cell_id, parts[k].zones[z].id, 0, NULL, 0) == 0);
            }
        }
        CHECK_EQ_INT(households, r->household_count);
        CHECK_NEAR(persons, region_sum.zones[0].persons, 1e-6);
        CHECK_NEAR(within,
                   region_sum.persons_within[dorf_coverage_within_index(&region_sum, 0, 0,
                                                                        DORF_MODE_CAR, 2)],
                   1e-6);
    }
    regfree(&cell_id);
    CHECK(parts[0].zone_count > 20 && parts[0].zone_count <= r->settlement_count);
    CHECK(parts[2].zone_count > parts[1].zone_count);

    /* The table: one row per zone, category and mode, with its geometry. */
    dorf_coverage_table table = {0};
    CHECK_EQ_INT(dorf_coverage_table_build(ctx, &cov, &parts[1], &table), DORF_OK);
    CHECK_EQ_INT(table.table.row_count, parts[1].zone_count * 6 * 3);
    CHECK(table.table.geometry == DORF_TABLE_BOX && table.table.epsg == 3035);
    CHECK_STR(table.table.columns[8].name, "persons_10min");
    CHECK_STR(table.table.columns[9].name, "share_10min");
    CHECK_NEAR(table.table.coords[2] - table.table.coords[0], 1000, 1e-9);
    dorf_coverage_table_release(&table);

    dorf_coverage_summary_release(&region_sum);
    for (int k = 0; k < 3; k++) {
        dorf_coverage_summary_release(&parts[k]);
    }
    dorf_coverage_release(&cov);
    free_graphs(&gs);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* Households the LieferBar pool serves for category index c. */
static size_t served(const dorf_coverage *cov, size_t c) {
    return households_reaching(cov, cov->categories[c], DORF_COVERAGE_LIEFERBAR);
}

static void test_a_volunteer_pool_brings_what_is_open(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    struct graphs gs;
    CHECK(r && build_graphs(ctx, r, &gs) == 0);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    dorf_coverage cov = {0};
    dorf_coverage_options opt = {.at = {2026, 12, 1, 600}, .category_count = 2};
    opt.categories[0] = DORF_CAT_BAKERY;
    opt.categories[1] = DORF_CAT_BUTCHER;
    opt.pool = (dorf_coverage_pool){3, DORF_MODE_BIKE, 1800, 7};
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &cov),
                 DORF_OK);
    CHECK(cov.modes & (1u << DORF_COVERAGE_LIEFERBAR));
    /* A village a few hundred metres wide: every household is served with the bakery... */
    CHECK_EQ_INT(served(&cov, 0), r->household_count);
    /* ...but not with the butcher's goods on a Tuesday: it is shut. */
    CHECK_EQ_INT(served(&cov, 1), 0);
    for (size_t h = 0; h < cov.household_count; h++) {
        /* The parcel leaves the volunteer's home, so it is never faster than cycling from the
         * bakery, and a served household is always reachable by bike. */
        float parcel = dorf_coverage_time(&cov, h, 0, DORF_COVERAGE_LIEFERBAR);
        float bike = dorf_coverage_time(&cov, h, 0, DORF_MODE_BIKE);
        CHECK(isfinite(bike) && parcel >= bike - 0.002f);
    }
    dorf_coverage_release(&cov);
    /* Errands of five seconds (some 20 m by bike): nobody can be served. */
    opt.pool.round_trip_s = 5;
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &cov),
                 DORF_OK);
    CHECK_EQ_INT(served(&cov, 0), 0);
    dorf_coverage_release(&cov);
    /* A pool whose mode has no graph is refused. */
    const dorf_graph *no_car[DORF_MODE_COUNT] = {gs.g[0], gs.g[1], NULL};
    opt.modes = DORF_ACCESS_WALK;
    opt.pool.mode = DORF_MODE_CAR;
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, no_car, &opt, &cov), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "volunteers' mode (car)");
    free_graphs(&gs);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* On the real extract: a larger pool (the same first volunteers, more after) serves a superset. */
static void test_more_volunteers_serve_more_households(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    struct graphs gs;
    CHECK(build_graphs(ctx, r, &gs) == 0);
    dorf_coverage small = {0}, large = {0};
    dorf_coverage_options opt = {.at = {2026, 12, 1, 600}, .modes = DORF_ACCESS_BIKE};
    opt.pool = (dorf_coverage_pool){5, DORF_MODE_BIKE, 1800, 3};
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &small),
                 DORF_OK);
    opt.pool.volunteers = 40;
    CHECK_EQ_INT(dorf_coverage_compute(ctx, r, (const dorf_graph *const *)gs.g, &opt, &large),
                 DORF_OK);
    size_t grew = 0;
    for (size_t c = 0; c < small.category_count; c++) {
        for (size_t h = 0; h < small.household_count; h++) {
            float a = dorf_coverage_time(&small, h, c, DORF_COVERAGE_LIEFERBAR);
            float b = dorf_coverage_time(&large, h, c, DORF_COVERAGE_LIEFERBAR);
            CHECK(!(b > a)); /* never slower, never lost */
            grew += isinf(a) && isfinite(b);
        }
        CHECK(served(&large, c) >= served(&small, c));
    }
    CHECK(grew > 0);
    CHECK(served(&large, 0) > 0 && served(&large, 0) < r->household_count);
    printf("  grocery by LieferBar: 5 volunteers serve %zu households, 40 serve %zu of %zu\n",
           served(&small, 0), served(&large, 0), r->household_count);
    dorf_coverage_release(&small);
    dorf_coverage_release(&large);
    free_graphs(&gs);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_opening_hours_decide_who_is_reached);
    RUN(test_a_missing_graph_and_bad_options_are_refused);
    RUN(test_times_are_parsed_as_planners_write_them);
    RUN(test_times_match_single_source_routes_on_the_real_extract);
    RUN(test_a_volunteer_pool_brings_what_is_open);
    RUN(test_more_volunteers_serve_more_households);
    return check_summary();
}
