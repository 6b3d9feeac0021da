/*
 * test_lieferbar.c: LieferBar on a region (scenarios/lieferbar_*.c). The synthetic day is
 * reproducible from its seed and plausible (pickups at shops open at the ready time, sane
 * windows, capacities by mode); a region without shops or households is refused with a
 * message. On the real extract a planned day keeps every promise made to a volunteer, checked
 * against travel times this test computes itself (dorf_ch_route between the stops' places),
 * not the plan's own numbers; its GeoJSON parses and holds one feature per route, stop and
 * unserved parcel. Places off the roads make parcels unserved and volunteers idle, not a crash.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/lieferbar.h"
#include "dorf/opening_hours.h"
#include "dorf/routing.h"
#include "routing/shared_extract.h"

#define EPS 1e-6
#define MAX_SNAP_M 500.0

static char tmpdir[256];
static const dorf_local_time tuesday = {2026, 12, 1, 0};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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

/* Stores `region` in a new database tmpdir/name; NULL on failure. */
static dorf_store *store_region(dorf_ctx *ctx, const dorf_region *region, const char *name,
                                char *path, size_t path_size) {
    snprintf(path, path_size, "%s/%s", tmpdir, name);
    dorf_store *store = NULL;
    if (dorf_store_open(ctx, path, DORF_STORE_CREATE, &store) != DORF_OK ||
        dorf_store_replace_region(store, region) != DORF_OK) {
        fprintf(stderr, "  storing the region: %s\n", dorf_ctx_errmsg(ctx));
        dorf_store_close(store);
        return NULL;
    }
    return store;
}

static void test_dates_are_parsed_strictly(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_local_time d;
    CHECK_EQ_INT(dorf_lieferbar_parse_date(ctx, "2026-12-01", &d), DORF_OK);
    CHECK(d.year == 2026 && d.month == 12 && d.day == 1 && d.minute == 0);
    CHECK_EQ_INT(dorf_lieferbar_parse_date(ctx, "2028-02-29", &d), DORF_OK);
    static const char *const bad[] = {"2026-02-29", "2026-13-01",  "2026-12-1", "26-12-01",
                                      "2026/12/01", "2026-12-01x", "",          "tomorrow",
                                      "2026-00-10", "2026-04-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(dorf_lieferbar_parse_date(ctx, bad[i], &d), DORF_EINVAL);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "YYYY-MM-DD");
    }
    dorf_ctx_free(ctx);
}

/* True when two days hold the same parcels and volunteers. */
static int same_day(const dorf_lieferbar_day *a, const dorf_lieferbar_day *b) {
    if (a->parcel_count != b->parcel_count || a->volunteer_count != b->volunteer_count) {
        return 0;
    }
    for (size_t i = 0; i < a->parcel_count; i++) {
        const dorf_lieferbar_parcel *p = &a->parcels[i], *q = &b->parcels[i];
        if (p->id != q->id || p->size != q->size || p->shop_place != q->shop_place ||
            p->ready_s != q->ready_s || p->pickup_until_s != q->pickup_until_s ||
            p->household != q->household || p->dropoff_from_s != q->dropoff_from_s ||
            p->dropoff_until_s != q->dropoff_until_s || strcmp(p->shop_name, q->shop_name) != 0) {
            return 0;
        }
    }
    for (size_t i = 0; i < a->volunteer_count; i++) {
        const dorf_lieferbar_volunteer *v = &a->volunteers[i], *w = &b->volunteers[i];
        if (v->id != w->id || v->home_household != w->home_household || v->mode != w->mode ||
            v->capacity != w->capacity || v->available_from_s != w->available_from_s ||
            v->available_until_s != w->available_until_s || v->max_detour_s != w->max_detour_s ||
            v->has_trip != w->has_trip || v->trip_place != w->trip_place ||
            v->trip_from_s != w->trip_from_s || v->trip_until_s != w->trip_until_s) {
            return 0;
        }
    }
    return 1;
}

static void test_day_is_reproducible_from_its_seed(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    dorf_lieferbar_day *a = NULL, *b = NULL, *c = NULL, *more = NULL;
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 7, 40, 12, &a), DORF_OK);
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 7, 40, 12, &b), DORF_OK);
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 8, 40, 12, &c), DORF_OK);
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 7, 60, 12, &more), DORF_OK);
    if (a && b && c && more) {
        CHECK_EQ_INT(a->parcel_count, 40);
        CHECK_EQ_INT(a->volunteer_count, 12);
        CHECK(same_day(a, b));
        CHECK(!same_day(a, c));
        /* More parcels leave the volunteers and the first parcels as they were. */
        more->parcel_count = 40;
        CHECK(same_day(a, more));
        CHECK_EQ_INT(a->parcels[0].id, 1);
        CHECK_EQ_INT(a->volunteers[11].id, 12);
    }
    dorf_lieferbar_day_free(a);
    dorf_lieferbar_day_free(b);
    dorf_lieferbar_day_free(c);
    dorf_lieferbar_day_free(more);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* Open at `minute` of `date`, evaluated here: its own hours, else 8-18 Monday to Saturday. */
static int shop_open(dorf_ctx *ctx, const dorf_place *p, dorf_local_time date, int minute) {
    dorf_local_time t = date;
    t.minute = minute;
    dorf_opening_hours *oh = NULL;
    if (p->opening_hours && !p->opening_hours_error &&
        dorf_opening_hours_parse(ctx, p->opening_hours, &oh) == DORF_OK) {
        int open = dorf_opening_hours_is_open(oh, NULL, t);
        dorf_opening_hours_free(oh);
        return open;
    }
    dorf_ctx_clear_error(ctx);
    int wd = dorf_weekday(date.year, date.month, date.day);
    return wd <= 5 && !dorf_is_public_holiday(NULL, date.year, date.month, date.day) &&
           minute >= 8 * 60 && minute < 18 * 60;
}

/* Every property the generator promises, on `day` of `r`. */
static void check_day_is_plausible(dorf_ctx *ctx, const dorf_region *r,
                                   const dorf_lieferbar_day *day) {
    static const int32_t capacity[DORF_MODE_COUNT] = {2, 3, 6};
    int trips = 0;
    for (size_t i = 0; i < day->parcel_count; i++) {
        const dorf_lieferbar_parcel *p = &day->parcels[i];
        CHECK(p->shop_place < r->place_count);
        if (p->shop_place >= r->place_count) {
            continue;
        }
        const dorf_place *shop = &r->places[p->shop_place];
        CHECK(dorf_lieferbar_is_shop(shop));
        CHECK(shop->osm_id == p->shop_osm_id && shop->lon_deg == p->pickup_lon_deg);
        CHECK(shop_open(ctx, shop, day->date, (int)(p->ready_s / 60)));
        CHECK(shop_open(ctx, shop, day->date, (int)((p->pickup_until_s - 1) / 60)));
        CHECK(p->ready_s >= 8 * 3600 && p->ready_s <= 16 * 3600);
        CHECK(p->pickup_until_s >= p->ready_s + 13 * 60);
        CHECK(p->household < r->household_count);
        const dorf_building *b = &r->buildings[r->households[p->household].building];
        CHECK(b->lon_deg == p->dropoff_lon_deg && b->lat_deg == p->dropoff_lat_deg);
        double len = p->dropoff_until_s - p->dropoff_from_s;
        CHECK(len >= 2 * 3600 && len <= 4 * 3600);
        CHECK(p->dropoff_from_s >= 14 * 3600 && p->dropoff_from_s <= 18 * 3600);
        CHECK(p->dropoff_from_s >= p->ready_s + 3600);
        CHECK(p->size == 1 || p->size == 2);
    }
    for (size_t i = 0; i < day->volunteer_count; i++) {
        const dorf_lieferbar_volunteer *v = &day->volunteers[i];
        CHECK(v->home_household < r->household_count);
        CHECK(v->mode >= 0 && v->mode < DORF_MODE_COUNT);
        CHECK_EQ_INT(v->capacity, capacity[v->mode]);
        double len = v->available_until_s - v->available_from_s;
        CHECK(v->available_from_s >= 9 * 3600 && v->available_until_s <= 22 * 3600);
        CHECK(len >= 3 * 3600 - EPS && len <= 6 * 3600);
        CHECK(v->max_detour_s >= 15 * 60 && v->max_detour_s <= 30 * 60);
        if (v->has_trip) {
            trips++;
            CHECK(dorf_lieferbar_is_shop(&r->places[v->trip_place]));
            CHECK(v->trip_from_s >= v->available_from_s + 1800);
            CHECK(v->trip_until_s + 3600 <= v->available_until_s);
            CHECK(shop_open(ctx, &r->places[v->trip_place], day->date, (int)(v->trip_from_s / 60)));
            CHECK(v->trip_stay_s > 0);
        }
    }
    if (day->volunteer_count >= 40) {
        CHECK(trips > (int)day->volunteer_count / 4 && trips < (int)day->volunteer_count * 3 / 4);
    }
}

static void test_pickups_are_shops_open_at_the_ready_time(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    dorf_lieferbar_day *day = NULL;
    /* The bakery opens Mo-Fr 06:00-12:00; the pharmacy's hours do not parse (8-18 then). */
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 3, 200, 100, &day), DORF_OK);
    if (day) {
        check_day_is_plausible(ctx, r, day);
        int bakery_late = 0;
        for (size_t i = 0; i < day->parcel_count; i++) {
            bakery_late |= strcmp(day->parcels[i].shop_name, "Bäckerei Beispiel") == 0 &&
                           day->parcels[i].ready_s > 12 * 3600 - 15 * 60;
        }
        CHECK(!bakery_late);
    }
    dorf_lieferbar_day_free(day);
    /* Saturday: the bakery until 11:00, the pharmacy by default until 18:00. */
    dorf_local_time saturday = {2026, 12, 5, 0};
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, saturday, 3, 100, 10, &day), DORF_OK);
    if (day) {
        check_day_is_plausible(ctx, r, day);
    }
    dorf_lieferbar_day_free(day);
    dorf_region_free(r);

    dorf_region *real = real_region(ctx);
    if (real) {
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, real, tuesday, 11, 300, 100, &day), DORF_OK);
        if (day) {
            check_day_is_plausible(ctx, real, day);
        }
        dorf_lieferbar_day_free(day);
    }
    dorf_region_free(real);
    dorf_ctx_free(ctx);
}

static void test_region_without_shops_or_households_is_refused(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    dorf_lieferbar_day *day = NULL;
    if (r) {
        /* Sunday 2026-11-29: the bakery is closed, the pharmacy by default too. */
        dorf_local_time sunday = {2026, 11, 29, 0};
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, sunday, 1, 5, 2, &day), DORF_EEMPTY);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "open on Sunday 2026-11-29");
        CHECK(day == NULL);
        /* Christmas Day, a Friday: the bakery's hours have no "PH off", so it opens; the
         * pharmacy, without usable hours, is closed on public holidays. */
        dorf_local_time christmas = {2026, 12, 25, 0};
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, christmas, 1, 50, 2, &day), DORF_OK);
        for (size_t i = 0; day && i < day->parcel_count; i++) {
            CHECK_STR(day->parcels[i].shop_name, "Bäckerei Beispiel");
        }
        dorf_lieferbar_day_free(day);
        day = NULL;
        size_t households = r->household_count;
        r->household_count = 0;
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 1, 5, 2, &day), DORF_EEMPTY);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "no households");
        r->household_count = households;
        r->place_count = 0;
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 1, 5, 2, &day), DORF_EEMPTY);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "no shops");
        dorf_local_time bad = {2026, 2, 30, 0};
        CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, bad, 1, 5, 2, &day), DORF_EINVAL);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* The stop's place: where the test looks up travel times. */
static void stop_place(const dorf_lieferbar_day *day, const dorf_lieferbar_volunteer *v,
                       const dorf_lieferbar_stop *s, double *lon, double *lat) {
    if (s->kind == DORF_LIEFERBAR_TRIP) {
        *lon = v->trip_lon_deg;
        *lat = v->trip_lat_deg;
    } else if (s->kind == DORF_LIEFERBAR_PICKUP) {
        *lon = day->parcels[s->parcel].pickup_lon_deg;
        *lat = day->parcels[s->parcel].pickup_lat_deg;
    } else {
        *lon = day->parcels[s->parcel].dropoff_lon_deg;
        *lat = day->parcels[s->parcel].dropoff_lat_deg;
    }
}

/* Travel time between two places for a mode, computed here on the hierarchy. */
struct timer {
    dorf_ctx *ctx;
    dorf_graph *graph[DORF_MODE_COUNT];
    dorf_ch *ch[DORF_MODE_COUNT];
    dorf_ch_router *router[DORF_MODE_COUNT];
};

static double leg_time(struct timer *t, dorf_mode m, double lon0, double lat0, double lon1,
                       double lat1) {
    dorf_snap a, b;
    double time_s = INFINITY;
    if (dorf_graph_snap(t->ctx, t->graph[m], lon0, lat0, MAX_SNAP_M, &a) != DORF_OK ||
        dorf_graph_snap(t->ctx, t->graph[m], lon1, lat1, MAX_SNAP_M, &b) != DORF_OK) {
        return INFINITY;
    }
    if (lon0 == lon1 && lat0 == lat1) {
        return 0;
    }
    if (dorf_ch_route(t->router[m], &a, &b, &time_s, NULL) != DORF_OK) {
        return INFINITY;
    }
    return time_s;
}

struct route_check {
    double travel_s;
    double detour_s;
    int trip_left_out;
};

/*
 * Checks a route against what its volunteer accepted, from times computed here: it starts
 * and ends at home within the availability, each stop's service starts within its window
 * and no sooner than one can get there, the bag never overflows, each parcel is picked up
 * before it is dropped off, and the travel beyond the volunteer's own trip stays within
 * their detour.
 */
static struct route_check check_route(struct timer *t, const dorf_lieferbar_day *day,
                                      const dorf_lieferbar_route *r, unsigned char *seen) {
    struct route_check out = {0, 0, 0};
    const dorf_lieferbar_volunteer *v = &day->volunteers[r->volunteer];
    double lon = v->home_lon_deg, lat = v->home_lat_deg;
    double clock = r->departure_s;
    int32_t load = 0;
    int trip = 0;
    CHECK(r->departure_s >= v->available_from_s - EPS);
    for (size_t k = 0; k < r->stop_count; k++) {
        const dorf_lieferbar_stop *s = &r->stops[k];
        double slon, slat;
        stop_place(day, v, s, &slon, &slat);
        CHECK(slon == s->lon_deg && slat == s->lat_deg);
        double leg = leg_time(t, v->mode, lon, lat, slon, slat);
        CHECK(isfinite(leg));
        out.travel_s += leg;
        double arrive = clock + leg;
        CHECK(s->service_start_s >= arrive - 1e-3);
        double from, until;
        if (s->kind == DORF_LIEFERBAR_TRIP) {
            from = v->trip_from_s;
            until = v->trip_until_s;
            CHECK(s->service_s == v->trip_stay_s);
            trip++;
        } else {
            const dorf_lieferbar_parcel *p = &day->parcels[s->parcel];
            if (s->kind == DORF_LIEFERBAR_PICKUP) {
                from = p->ready_s;
                until = p->pickup_until_s;
                load += p->size;
                CHECK(s->service_s == DORF_LIEFERBAR_PICKUP_SERVICE_S);
                CHECK(seen[s->parcel] == 0);
                seen[s->parcel] = 1;
            } else {
                from = p->dropoff_from_s;
                until = p->dropoff_until_s;
                load -= p->size;
                CHECK(s->service_s == DORF_LIEFERBAR_DROPOFF_SERVICE_S);
                CHECK(seen[s->parcel] == 1); /* picked up before, on this route */
                seen[s->parcel] = 2;
            }
        }
        CHECK(s->service_start_s >= from - EPS && s->service_start_s <= until + EPS);
        CHECK(load >= 0 && load <= v->capacity);
        CHECK_EQ_INT(s->load, load);
        clock = s->service_start_s + s->service_s;
        lon = slon;
        lat = slat;
    }
    double back = leg_time(t, v->mode, lon, lat, v->home_lon_deg, v->home_lat_deg);
    out.travel_s += back;
    CHECK(clock + back <= v->available_until_s + 1e-3);
    CHECK(r->return_s <= v->available_until_s + 1e-3);
    CHECK_EQ_INT(load, 0);
    CHECK(trip <= v->has_trip);
    /* Without their trip (dorf_lieferbar_plan_day keeps such a route only when all of its
     * travel is within the detour), the route is a tour of its own. */
    out.trip_left_out = v->has_trip && !trip;
    double base = 0;
    if (trip) {
        base = leg_time(t, v->mode, v->home_lon_deg, v->home_lat_deg, v->trip_lon_deg,
                        v->trip_lat_deg) +
               leg_time(t, v->mode, v->trip_lon_deg, v->trip_lat_deg, v->home_lon_deg,
                        v->home_lat_deg);
    }
    out.detour_s = out.travel_s - base;
    CHECK(out.detour_s <= v->max_detour_s + 1e-3);
    CHECK_NEAR(out.travel_s, r->travel_s, 1e-3);
    CHECK_NEAR(out.detour_s, r->detour_s, 1e-3);
    CHECK(r->shape_count >= 2);
    return out;
}

static int timer_open(struct timer *t, dorf_ctx *ctx, dorf_store *store, const char *db) {
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (dorf_graph_open(ctx, store, db, (dorf_mode)m, &t->graph[m]) != DORF_OK ||
            dorf_ch_open(ctx, t->graph[m], db, &t->ch[m]) != DORF_OK ||
            dorf_ch_router_new(ctx, t->ch[m], &t->router[m]) != DORF_OK) {
            fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
            return 0;
        }
    }
    return 1;
}

static void timer_close(struct timer *t) {
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_ch_router_free(t->router[m]);
        dorf_ch_free(t->ch[m]);
        dorf_graph_free(t->graph[m]);
    }
}

/* Checks every route of the plan and that each parcel is served once or listed unserved. */
static void check_plan(struct timer *t, const dorf_lieferbar_plan *plan) {
    const dorf_lieferbar_day *day = plan->day;
    unsigned char *seen = calloc(day->parcel_count + 1, 1);
    double travel = 0, detour = 0;
    int left_out = 0;
    for (size_t r = 0; r < plan->route_count; r++) {
        struct route_check c = check_route(t, day, &plan->routes[r], seen);
        travel += c.travel_s;
        detour += c.detour_s;
        left_out += c.trip_left_out;
        CHECK(plan->routes[r].parcel_count > 0);
        CHECK(r == 0 || plan->routes[r].volunteer > plan->routes[r - 1].volunteer);
    }
    size_t served = 0;
    for (size_t i = 0; i < day->parcel_count; i++) {
        CHECK(seen[i] == 0 || seen[i] == 2);
        served += seen[i] == 2;
    }
    for (size_t u = 0; u < plan->unserved_count; u++) {
        CHECK(seen[plan->unserved[u].parcel] == 0);
        seen[plan->unserved[u].parcel] = 3;
    }
    CHECK_EQ_INT(served, plan->parcels_served);
    CHECK_EQ_INT(served + plan->unserved_count, day->parcel_count);
    CHECK_EQ_INT(plan->volunteers_used, plan->route_count);
    CHECK_NEAR(travel, plan->travel_s, 1e-2);
    CHECK_NEAR(detour, plan->detour_s, 1e-2);
    if (left_out) {
        printf("  (the optimiser left out the own trip of %d volunteers with parcels)\n", left_out);
    }
    free(seen);
}

/* Writes the plan's GeoJSON, parses it back and checks its features. */
static void check_geojson(dorf_ctx *ctx, const dorf_lieferbar_plan *plan) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) {
        return;
    }
    CHECK_EQ_INT(dorf_lieferbar_plan_write_geojson(ctx, plan, f), DORF_OK);
    rewind(f);
    json_error_t err;
    json_t *root = json_loadf(f, 0, &err);
    fclose(f);
    CHECK(root != NULL);
    if (!root) {
        fprintf(stderr, "  GeoJSON line %d: %s\n", err.line, err.text);
        return;
    }
    CHECK_STR(json_string_value(json_object_get(root, "type")), "FeatureCollection");
    json_t *features = json_object_get(root, "features");
    size_t stops = 0, lines = 0, points = 0, unserved = 0;
    for (size_t r = 0; r < plan->route_count; r++) {
        stops += plan->routes[r].stop_count;
    }
    CHECK_EQ_INT(json_array_size(features), plan->route_count + stops + plan->unserved_count);
    for (size_t i = 0; i < json_array_size(features); i++) {
        json_t *ft = json_array_get(features, i);
        json_t *geom = json_object_get(ft, "geometry");
        json_t *props = json_object_get(ft, "properties");
        const char *type = json_string_value(json_object_get(geom, "type"));
        const char *kind = json_string_value(json_object_get(props, "kind"));
        CHECK_STR(json_string_value(json_object_get(ft, "type")), "Feature");
        if (type && strcmp(type, "LineString") == 0) {
            lines++;
            CHECK_STR(kind, "route");
            CHECK(json_array_size(json_object_get(geom, "coordinates")) >= 2);
            CHECK(json_is_integer(json_object_get(props, "volunteer")));
            CHECK(json_is_string(json_object_get(props, "mode")));
            CHECK(json_array_size(json_object_get(props, "stops")) >= 2);
            const char *dep = json_string_value(json_object_get(props, "departure"));
            CHECK(dep && strlen(dep) == 5 && dep[2] == ':');
            CHECK(json_is_number(json_object_get(props, "detour_s")));
        } else if (type && strcmp(type, "Point") == 0) {
            json_t *c = json_object_get(geom, "coordinates");
            CHECK(json_array_size(c) == 2);
            CHECK(kind != NULL);
            if (kind && strcmp(kind, "unserved") == 0) {
                unserved++;
                const char *reason = json_string_value(json_object_get(props, "reason"));
                CHECK(reason &&
                      (strcmp(reason, "unserved") == 0 || strcmp(reason, "no road nearby") == 0));
            } else {
                points++;
                CHECK(json_is_integer(json_object_get(props, "volunteer")));
                CHECK(json_is_string(json_object_get(props, "time")));
            }
        } else {
            CHECK(0 && "unexpected geometry");
        }
    }
    CHECK_EQ_INT(lines, plan->route_count);
    CHECK_EQ_INT(points, stops);
    CHECK_EQ_INT(unserved, plan->unserved_count);
    json_decref(root);
}

static void test_plan_keeps_within_what_volunteers_accepted(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    if (!r) {
        dorf_ctx_free(ctx);
        return;
    }
    char db[512];
    dorf_store *store = store_region(ctx, r, "real.dorf", db, sizeof db);
    dorf_lieferbar_day *day = NULL;
    dorf_lieferbar_plan *plan = NULL;
    struct timer t;
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 42, 20, 6, &day), DORF_OK);
    dorf_lieferbar_plan_options opt = {0.5, 0, 1, 0};
    double t0 = now_s();
    if (store && day) {
        dorf_status st = dorf_lieferbar_plan_day(ctx, store, db, day, &opt, &plan);
        CHECK_EQ_INT(st, DORF_OK);
        if (st != DORF_OK) {
            fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        }
    }
    double t1 = now_s();
    if (plan && timer_open(&t, ctx, store, db)) {
        check_plan(&t, plan);
        check_geojson(ctx, plan);
        CHECK(plan->parcels_served > 0);
        CHECK(!plan->interrupted);
        double max_detour = 0;
        for (size_t i = 0; i < plan->route_count; i++) {
            max_detour = fmax(max_detour, plan->routes[i].detour_s);
        }
        printf("  20 parcels, 6 volunteers: %zu served by %zu volunteers, %zu unserved, travel "
               "%.1f min, detours %.1f min (largest %.1f), %zu volunteers unusable; planned in "
               "%.2f s (optimiser %.2f s, %llu iterations)\n",
               plan->parcels_served, plan->volunteers_used, plan->unserved_count,
               plan->travel_s / 60, plan->detour_s / 60, max_detour / 60, plan->volunteers_unusable,
               t1 - t0, plan->optimiser_s, (unsigned long long)plan->stats.iterations);
        timer_close(&t);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);

    /* A bigger day: 60 parcels, 20 volunteers. */
    plan = NULL;
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 5, 60, 20, &day), DORF_OK);
    if (store && day) {
        t0 = now_s();
        CHECK_EQ_INT(dorf_lieferbar_plan_day(ctx, store, db, day, &opt, &plan), DORF_OK);
        t1 = now_s();
    }
    if (plan && timer_open(&t, ctx, store, db)) {
        check_plan(&t, plan);
        check_geojson(ctx, plan);
        printf("  60 parcels, 20 volunteers: %zu served by %zu volunteers, detours %.1f min; "
               "planned in %.2f s\n",
               plan->parcels_served, plan->volunteers_used, plan->detour_s / 60, t1 - t0);
        timer_close(&t);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    dorf_store_close(store);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_places_off_the_roads_leave_parcels_unserved(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_ctx_set_log(ctx, DORF_LOG_ERROR, NULL, NULL);
    dorf_region *r = village(ctx);
    char db[512];
    dorf_store *store = r ? store_region(ctx, r, "village.dorf", db, sizeof db) : NULL;
    dorf_lieferbar_day *day = NULL;
    dorf_lieferbar_plan *plan = NULL;
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 9, 6, 4, &day), DORF_OK);
    if (store && day) {
        /* Parcel 1 goes to a household 30 km away, volunteer 1 lives there. */
        day->parcels[0].dropoff_lon_deg += 0.4;
        day->volunteers[0].home_lon_deg += 0.4;
        dorf_lieferbar_plan_options opt = {0.2, 0, 1, 0};
        CHECK_EQ_INT(dorf_lieferbar_plan_day(ctx, store, db, day, &opt, &plan), DORF_OK);
    }
    if (plan) {
        CHECK_EQ_INT(plan->volunteers_unusable, 1);
        int found = 0;
        for (size_t u = 0; u < plan->unserved_count; u++) {
            found |=
                plan->unserved[u].parcel == 0 && plan->unserved[u].reason == DORF_LIEFERBAR_NO_ROAD;
        }
        CHECK(found);
        for (size_t i = 0; i < plan->route_count; i++) {
            CHECK(plan->routes[i].volunteer != 0);
        }
        CHECK_EQ_INT(plan->parcels_served + plan->unserved_count, 6);
        struct timer t;
        if (timer_open(&t, ctx, store, db)) {
            check_plan(&t, plan);
            timer_close(&t);
        }
        check_geojson(ctx, plan);
        printf("  village: %zu of 6 parcels served by %zu volunteers\n", plan->parcels_served,
               plan->volunteers_used);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    /* A day without volunteers plans nothing, and says so in GeoJSON too. */
    plan = NULL;
    CHECK_EQ_INT(dorf_lieferbar_day_generate(ctx, r, tuesday, 9, 3, 0, &day), DORF_OK);
    if (store && day) {
        CHECK_EQ_INT(dorf_lieferbar_plan_day(ctx, store, db, day, NULL, &plan), DORF_OK);
    }
    if (plan) {
        CHECK_EQ_INT(plan->route_count, 0);
        CHECK_EQ_INT(plan->unserved_count, 3);
        check_geojson(ctx, plan);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    dorf_store_close(store);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

#ifdef DORF_FAULT_INJECTION
/* Generates a day on the village and plans it; returns the first failure's status. */
static dorf_status generate_and_plan(dorf_ctx *ctx, const dorf_region *r, dorf_store *store,
                                     const char *db) {
    dorf_lieferbar_day *day = NULL;
    dorf_lieferbar_plan *plan = NULL;
    /* An iteration limit makes the optimiser's allocations the same on every run. */
    dorf_lieferbar_plan_options opt = {60, 30, 1, 0};
    dorf_status st = dorf_lieferbar_day_generate(ctx, r, tuesday, 4, 5, 3, &day);
    if (st == DORF_OK) {
        st = dorf_lieferbar_plan_day(ctx, store, db, day, &opt, &plan);
    }
    if (st == DORF_OK) {
        FILE *f = fopen("/dev/null", "w");
        st = dorf_lieferbar_plan_write_geojson(ctx, plan, f);
        fclose(f);
    }
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    return st;
}

static void test_every_allocation_failure_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_ctx_set_log(ctx, DORF_LOG_QUIET, NULL, NULL);
    dorf_region *r = village(ctx);
    char db[512];
    dorf_store *store = r ? store_region(ctx, r, "faults.dorf", db, sizeof db) : NULL;
    if (!store) {
        CHECK(0);
        dorf_region_free(r);
        dorf_ctx_free(ctx);
        return;
    }
    /* Once to write the graph and hierarchy caches, then count the allocations. */
    CHECK_EQ_INT(generate_and_plan(ctx, r, store, db), DORF_OK);
    dorf_alloc_fail_after(0, 0);
    CHECK_EQ_INT(generate_and_plan(ctx, r, store, db), DORF_OK);
    unsigned long total = dorf_alloc_fail_after(0, 0);
    unsigned long failures = 0;
    for (unsigned long n = 1; n <= total; n++) {
        dorf_ctx_clear_error(ctx);
        dorf_alloc_fail_after(n, 0);
        dorf_status st = generate_and_plan(ctx, r, store, db);
        dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            continue;
        }
        failures++;
        if (st != DORF_ENOMEM || dorf_ctx_errmsg(ctx)[0] == '\0') {
            fprintf(stderr, "  allocation %lu of %lu: %s: '%s'\n", n, total, dorf_strerror(st),
                    dorf_ctx_errmsg(ctx));
            CHECK(0);
            break;
        }
    }
    CHECK(failures > 20);
    printf("  %lu allocations, %lu injected failures reported as out of memory\n", total, failures);
    dorf_store_close(store);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}
#endif

static void test_times_are_formatted_as_hours_and_minutes(void) {
    char buf[8];
    dorf_lieferbar_format_time(0, buf);
    CHECK_STR(buf, "00:00");
    dorf_lieferbar_format_time(15 * 3600 + 59 * 60 + 59.9, buf);
    CHECK_STR(buf, "15:59");
    dorf_lieferbar_format_time(14 * 3600 - 1e-9, buf);
    CHECK_STR(buf, "14:00");
    dorf_lieferbar_format_time(25 * 3600, buf);
    CHECK_STR(buf, "25:00");
    dorf_lieferbar_format_time(NAN, buf);
    CHECK_STR(buf, "00:00");
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/dorf-test-lieferbar-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_dates_are_parsed_strictly);
    RUN(test_times_are_formatted_as_hours_and_minutes);
    RUN(test_day_is_reproducible_from_its_seed);
    RUN(test_pickups_are_shops_open_at_the_ready_time);
    RUN(test_region_without_shops_or_households_is_refused);
    RUN(test_places_off_the_roads_leave_parcels_unserved);
    RUN(test_plan_keeps_within_what_volunteers_accepted);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_summary();
}
