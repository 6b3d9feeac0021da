/*
 * test_scenario.c: what-if scenarios (scenarios/scenario*.c). A scenario file is read with
 * clear errors for what is wrong and where; its edits are applied to a view of the baseline
 * that leaves the baseline untouched; on the hand-made village, closing the only bakery drops
 * bakery coverage to zero, a new place is reached, new opening hours decide, and closing the
 * main street for cars changes car times and leaves walking times alone; the change
 * summaries count exactly the households whose access changed; the HTML report is
 * self-contained.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/coverage.h"
#include "dorf/importers.h"
#include "dorf/scenario.h"

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

static dorf_scenario *parse(dorf_ctx *ctx, const char *json) {
    dorf_scenario *s = NULL;
    if (dorf_scenario_parse(ctx, "test.json", json, strlen(json), &s) != DORF_OK) {
        fprintf(stderr, "  parse: %s\n", dorf_ctx_errmsg(ctx));
    }
    return s;
}

static void expect_refused(dorf_ctx *ctx, const char *json, const char *needle) {
    dorf_scenario *s = NULL;
    dorf_status st = dorf_scenario_parse(ctx, "bad.json", json, strlen(json), &s);
    if (st != DORF_EPARSE || s != NULL || !strstr(dorf_ctx_errmsg(ctx), needle)) {
        fprintf(stderr, "  %s\n  -> %d '%s', expected '%s'\n", json, st, dorf_ctx_errmsg(ctx),
                needle);
        CHECK(0);
    }
    dorf_scenario_free(s);
}

static void test_a_scenario_file_is_read_and_checked(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_scenario *s = parse(ctx, "{\"name\": \"Bäckerei zu\", \"at\": \"Tue 10:00\","
                                  " \"categories\": [\"bakery\", \"post\"], \"edits\": ["
                                  "{\"close\": \"n300\"},"
                                  "{\"open\": {\"name\": \"Paketstation\", \"category\": \"post\","
                                  " \"lon\": 11.5015, \"lat\": 50.0005}},"
                                  "{\"hours\": {\"place\": \"w2200\", \"opening_hours\": \"Mo\"}},"
                                  "{\"close_road\": {\"way\": 1001, \"modes\": [\"car\"]}}]}");
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->name, "Bäckerei zu");
        CHECK_STR(s->at, "Tue 10:00");
        CHECK(s->category_count == 2 && s->categories[1] == DORF_CAT_POST);
        CHECK_EQ_INT(s->edit_count, 4);
        CHECK(s->edits[0].kind == DORF_EDIT_CLOSE_PLACE && s->edits[0].osm_type == 'n' &&
              s->edits[0].osm_id == 300);
        CHECK(s->edits[1].kind == DORF_EDIT_ADD_PLACE && s->edits[1].category == DORF_CAT_POST &&
              s->edits[1].opening_hours == NULL);
        CHECK(s->edits[2].kind == DORF_EDIT_SET_HOURS && s->edits[2].osm_type == 'w');
        CHECK(s->edits[3].kind == DORF_EDIT_CLOSE_ROAD && s->edits[3].modes == DORF_ACCESS_CAR);
        CHECK(dorf_scenario_changes_roads(s));
    }
    dorf_scenario_free(s);

    expect_refused(ctx, "{\"name\": \"x\", \"edits\": [", "bad.json:1:");
    expect_refused(ctx, "[]", "a JSON object");
    expect_refused(ctx, "{\"name\": \"x\", \"edit\": []}", "bad.json: edit: unknown member");
    expect_refused(ctx, "{\"edits\": [{\"close\": \"n1\"}]}", "name: required");
    expect_refused(ctx, "{\"name\": \"x\", \"edits\": []}", "edits: required");
    expect_refused(ctx, "{\"name\": \"x\", \"edits\": [{\"close\": \"300\"}]}",
                   "edits[0].close: name the place");
    expect_refused(ctx, "{\"name\": \"x\", \"edits\": [{\"close\": \"n1\", \"open\": {}}]}",
                   "edits[0]: an edit is an object with one member");
    expect_refused(ctx,
                   "{\"name\": \"x\", \"edits\": [{\"close\": \"n1\"}, {\"open\": {\"name\": "
                   "\"a\", \"category\": \"post\", \"lon\": 200, \"lat\": 50}}]}",
                   "edits[1].open: lon and lat");
    expect_refused(ctx,
                   "{\"name\": \"x\", \"edits\": [{\"open\": {\"name\": \"a\", \"category\": "
                   "\"spaceport\", \"lon\": 11, \"lat\": 50}}]}",
                   "category");
    expect_refused(ctx,
                   "{\"name\": \"x\", \"edits\": [{\"close_road\": {\"way\": 5, \"modes\": "
                   "[\"car\", \"boat\"]}}]}",
                   "modes");
    expect_refused(ctx, "{\"name\": \"x\", \"edits\": [{\"volunteers\": {\"add\": 10}}]}",
                   "volunteers: unknown member 'add'");
    expect_refused(ctx,
                   "{\"name\": \"x\", \"edits\": [{\"volunteers\": {\"count\": 5, \"mode\": "
                   "\"boat\"}}]}",
                   "mode");
    dorf_scenario *pool = parse(ctx, "{\"name\": \"pool\", \"edits\": [{\"volunteers\": "
                                     "{\"count\": 12, \"round_trip_min\": 20}}]}");
    dorf_coverage_pool p = {0, DORF_MODE_CAR, 0, 99};
    CHECK(pool && dorf_scenario_pool(pool, &p) == 1);
    CHECK(p.volunteers == 12 && p.mode == DORF_MODE_BIKE && p.round_trip_s == 1200 && p.seed == 99);
    CHECK(pool && !dorf_scenario_changes_roads(pool));
    dorf_scenario_free(pool);
    expect_refused(ctx, "{\"name\": \"x\", \"name\": \"y\", \"edits\": [{\"close\": \"n1\"}]}",
                   "duplicate");
    expect_refused(ctx, "{\"name\": \"a\\u0000b\", \"edits\": [{\"close\": \"n1\"}]}", "not JSON");
    expect_refused(ctx, "{\"name\": \"a\\u0001b\", \"edits\": [{\"close\": \"n1\"}]}",
                   "name: required: 1 to 200 characters");
    expect_refused(ctx,
                   "{\"name\": \"x\", \"categories\": [\"bakery\", \"bakery\"], \"edits\": "
                   "[{\"close\": \"n1\"}]}",
                   "named twice");
    expect_refused(ctx, "{\"name\": \"x\", \"edits\": [{\"close\": \"n99999999999999999999\"}]}",
                   "name the place");
    dorf_ctx_free(ctx);
}

/* Households reaching `cat` by `mode` within the limit. */
static size_t reaching(const dorf_coverage *cov, size_t c, dorf_mode mode) {
    size_t n = 0;
    for (size_t h = 0; h < cov->household_count; h++) {
        n += isfinite(dorf_coverage_time(cov, h, c, mode));
    }
    return n;
}

static dorf_status coverage_of(dorf_ctx *ctx, const dorf_region *r, dorf_local_time at,
                               dorf_category cat, dorf_coverage *out) {
    dorf_graph *g[DORF_MODE_COUNT] = {NULL};
    dorf_status st = DORF_OK;
    for (int m = 0; m < DORF_MODE_COUNT && st == DORF_OK; m++) {
        st = dorf_graph_build(ctx, r, (dorf_mode)m, &g[m]);
    }
    dorf_coverage_options opt = {.at = at, .category_count = 1};
    opt.categories[0] = cat;
    if (st == DORF_OK) {
        st = dorf_coverage_compute(ctx, r, (const dorf_graph *const *)g, &opt, out);
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(g[m]);
    }
    return st;
}

static void test_edits_change_the_view_not_the_baseline(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *base = village(ctx);
    CHECK(base != NULL);
    if (!base) {
        dorf_ctx_free(ctx);
        return;
    }
    const dorf_local_time tuesday = {2026, 12, 1, 600}, monday = {2026, 11, 30, 600};
    size_t places = base->place_count;
    const dorf_place *first = base->places;
    dorf_coverage before = {0}, after = {0};

    /* Closing the only bakery: nobody reaches one; the baseline still has it. */
    dorf_scenario *s = parse(ctx, "{\"name\": \"close\", \"edits\": [{\"close\": \"n300\"}]}");
    dorf_scenario_region *e = NULL;
    CHECK(s && dorf_scenario_apply(ctx, base, s, &e) == DORF_OK);
    if (e) {
        const dorf_region *v = dorf_scenario_region_get(e);
        CHECK_EQ_INT(v->place_count, places - 1);
        CHECK(v->households == base->households && v->edges == base->edges);
        CHECK_EQ_INT(coverage_of(ctx, base, tuesday, DORF_CAT_BAKERY, &before), DORF_OK);
        CHECK_EQ_INT(coverage_of(ctx, v, tuesday, DORF_CAT_BAKERY, &after), DORF_OK);
        for (int m = 0; m < DORF_MODE_COUNT; m++) {
            CHECK_EQ_INT(reaching(&before, 0, (dorf_mode)m), base->household_count);
            CHECK_EQ_INT(reaching(&after, 0, (dorf_mode)m), 0);
        }
        /* The change summary: every person within 15 min before is lost, none gained. */
        const double thresholds[] = {300, 900};
        dorf_coverage_summary sum;
        CHECK_EQ_INT(dorf_coverage_summarize_change(ctx, base, &before, &after, DORF_ZONE_REGION,
                                                    thresholds, 2, &sum),
                     DORF_OK);
        size_t i = dorf_coverage_within_index(&sum, 0, 0, DORF_MODE_WALK, 1);
        CHECK_NEAR(sum.before_within[i], dorf_region_persons(base), 1e-9);
        CHECK_NEAR(sum.persons_lost[i], dorf_region_persons(base), 1e-9);
        CHECK_NEAR(sum.persons_within[i], 0, 1e-9);
        CHECK_NEAR(sum.persons_gained[i], 0, 1e-9);
        dorf_coverage_summary_release(&sum);
        dorf_coverage_release(&before);
        dorf_coverage_release(&after);
    }
    dorf_scenario_region_free(e);
    dorf_scenario_free(s);
    CHECK(base->place_count == places && base->places == first);
    CHECK_EQ_INT(base->places[0].osm_id, 300);

    /* A new post office is reached; the butcher open on Tuesdays too is reached then. */
    s = parse(ctx, "{\"name\": \"open\", \"edits\": [{\"open\": {\"name\": \"Post\", "
                   "\"category\": \"post\", \"lon\": 11.5015, \"lat\": 50.0005, "
                   "\"opening_hours\": \"Mo-Fr 08:00-18:00\"}}, {\"hours\": {\"place\": "
                   "\"n303\", \"opening_hours\": \"Mo,Tu 08:00-12:00\"}}]}");
    e = NULL;
    CHECK(s && dorf_scenario_apply(ctx, base, s, &e) == DORF_OK);
    if (e) {
        const dorf_region *v = dorf_scenario_region_get(e);
        CHECK_EQ_INT(v->place_count, places + 1);
        CHECK_EQ_INT(coverage_of(ctx, v, tuesday, DORF_CAT_POST, &after), DORF_OK);
        CHECK_EQ_INT(reaching(&after, 0, DORF_MODE_WALK), base->household_count);
        dorf_coverage_release(&after);
        CHECK_EQ_INT(coverage_of(ctx, v, tuesday, DORF_CAT_BUTCHER, &after), DORF_OK);
        CHECK_EQ_INT(reaching(&after, 0, DORF_MODE_WALK), base->household_count);
        dorf_coverage_release(&after);
        CHECK_EQ_INT(coverage_of(ctx, base, tuesday, DORF_CAT_BUTCHER, &after), DORF_OK);
        CHECK_EQ_INT(reaching(&after, 0, DORF_MODE_WALK), 0);
        dorf_coverage_release(&after);
    }
    dorf_scenario_region_free(e);
    dorf_scenario_free(s);

    /*
     * Closing Hauptstraße (way 1001) for cars: walking times unchanged, car times changed for
     * some households. (Not "never shorter": the butcher on Hauptstraße then meets the car
     * network on Kirchweg, nearer to some houses.)
     */
    s = parse(ctx, "{\"name\": \"road\", \"edits\": [{\"close_road\": {\"way\": 1001, "
                   "\"modes\": [\"car\"]}}]}");
    e = NULL;
    CHECK(s && dorf_scenario_apply(ctx, base, s, &e) == DORF_OK);
    if (e) {
        const dorf_region *v = dorf_scenario_region_get(e);
        CHECK(v->edges != base->edges);
        int closed = 0, untouched = 1;
        for (size_t k = 0; k < v->edge_count; k++) {
            if (v->edges[k].osm_way_id == 1001) {
                closed += !(v->edges[k].access_forward & DORF_ACCESS_CAR) &&
                          !(v->edges[k].access_backward & DORF_ACCESS_CAR) &&
                          (v->edges[k].access_forward & DORF_ACCESS_WALK);
                untouched &= (base->edges[k].access_forward & DORF_ACCESS_CAR) != 0;
            }
        }
        CHECK(closed > 0 && untouched);
        CHECK_EQ_INT(coverage_of(ctx, base, monday, DORF_CAT_BUTCHER, &before), DORF_OK);
        CHECK_EQ_INT(coverage_of(ctx, v, monday, DORF_CAT_BUTCHER, &after), DORF_OK);
        int changed = 0;
        for (size_t h = 0; h < base->household_count; h++) {
            float b = dorf_coverage_time(&before, h, 0, DORF_MODE_CAR);
            float a = dorf_coverage_time(&after, h, 0, DORF_MODE_CAR);
            changed += !(a == b);
            CHECK(dorf_coverage_time(&before, h, 0, DORF_MODE_WALK) ==
                  dorf_coverage_time(&after, h, 0, DORF_MODE_WALK));
        }
        CHECK(changed > 0);
        dorf_coverage_release(&before);
        dorf_coverage_release(&after);
    }
    dorf_scenario_region_free(e);
    dorf_scenario_free(s);

    /* Edits that do not fit the region. */
    const char *bad[][2] = {
        {"{\"name\": \"x\", \"edits\": [{\"close\": \"n999\"}]}", "no place n999"},
        {"{\"name\": \"x\", \"edits\": [{\"close\": \"n300\"}, {\"close\": \"n300\"}]}",
         "no open place n300"},
        {"{\"name\": \"x\", \"edits\": [{\"close_road\": {\"way\": 424242}}]}", "way 424242"},
        {"{\"name\": \"x\", \"edits\": [{\"open\": {\"name\": \"a\", \"category\": \"post\", "
         "\"lon\": 13.4, \"lat\": 52.5}}]}",
         "outside the region"},
        {"{\"name\": \"x\", \"edits\": [{\"hours\": {\"place\": \"n300\", \"opening_hours\": "
         "\"Mo-Xx 08:00\"}}]}",
         "edit 1: opening_hours"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        s = parse(ctx, bad[k][0]);
        e = NULL;
        dorf_status st = s ? dorf_scenario_apply(ctx, base, s, &e) : DORF_EPARSE;
        if (st != DORF_EINVAL || e || !strstr(dorf_ctx_errmsg(ctx), bad[k][1])) {
            fprintf(stderr, "  %s -> %d '%s'\n", bad[k][0], st, dorf_ctx_errmsg(ctx));
            CHECK(0);
        }
        dorf_scenario_free(s);
    }
    CHECK(base->place_count == places);
    dorf_region_free(base);
    dorf_ctx_free(ctx);
}

static void test_the_report_is_one_self_contained_page(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *base = village(ctx);
    dorf_scenario *s = parse(ctx, "{\"name\": \"Bakery <closes> & more\", \"edits\": "
                                  "[{\"close\": \"n300\"}]}");
    dorf_scenario_region *e = NULL;
    CHECK(base && s && dorf_scenario_apply(ctx, base, s, &e) == DORF_OK);
    if (!e) {
        dorf_scenario_free(s);
        dorf_region_free(base);
        dorf_ctx_free(ctx);
        return;
    }
    const dorf_local_time tuesday = {2026, 12, 1, 600};
    dorf_coverage before = {0}, after = {0};
    CHECK_EQ_INT(coverage_of(ctx, base, tuesday, DORF_CAT_BAKERY, &before), DORF_OK);
    CHECK_EQ_INT(coverage_of(ctx, dorf_scenario_region_get(e), tuesday, DORF_CAT_BAKERY, &after),
                 DORF_OK);
    const double thresholds[] = {300, 600, 900, 1800};
    dorf_coverage_summary sums[3];
    const dorf_zone_kind kinds[3] = {DORF_ZONE_REGION, DORF_ZONE_SETTLEMENT, DORF_ZONE_GRID_1KM};
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(dorf_coverage_summarize_change(ctx, base, &before, &after, kinds[k],
                                                    thresholds, 4, &sums[k]),
                     DORF_OK);
    }
    char *html = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&html, &size);
    dorf_scenario_report_input in = {s, base, &after, &sums[0], &sums[1], &sums[2]};
    CHECK_EQ_INT(dorf_scenario_report_html(ctx, &in, f), DORF_OK);
    fclose(f);
    CHECK(html && size > 2000);
    if (html) {
        CHECK(strncmp(html, "<!doctype html>", 15) == 0);
        CHECK_CONTAINS(html, "Bakery &lt;closes&gt; &amp; more");
        CHECK(!strstr(html, "<closes>"));
        CHECK_CONTAINS(html, "Close Bäckerei Beispiel (n300)");
        CHECK_CONTAINS(html, "<svg");
        CHECK_CONTAINS(html, "Beispieldorf"); /* the settlement, in the table */
        CHECK_CONTAINS(html, "OpenStreetMap contributors");
        /* Nothing fetched from elsewhere: no src, no links, no url() in styles. */
        CHECK(!strstr(html, "src=") && !strstr(html, "href=") && !strstr(html, "url("));
        CHECK(!strstr(html, "<script"));
    }
    free(html);
    for (int k = 0; k < 3; k++) {
        dorf_coverage_summary_release(&sums[k]);
    }
    dorf_coverage_release(&before);
    dorf_coverage_release(&after);
    dorf_scenario_region_free(e);
    dorf_scenario_free(s);
    dorf_region_free(base);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_a_scenario_file_is_read_and_checked);
    RUN(test_edits_change_the_view_not_the_baseline);
    RUN(test_the_report_is_one_self_contained_page);
    return check_summary();
}
