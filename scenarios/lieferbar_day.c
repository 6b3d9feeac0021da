/*
 * lieferbar_day.c: a synthetic LieferBar day on a region (dorf/lieferbar.h): parcels that the
 * region's open shops have ready for its households, and volunteers living there.
 *
 * The platform's own order and volunteer tables come later; until then a day is drawn from
 * the region with a seeded generator (splitmix64, Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014), so that the same seed gives the same day on
 * every machine. Whether a shop is open comes from its parsed opening_hours (engine/
 * opening_hours.c); a shop without usable hours counts as open 08:00-18:00 on working days.
 * The proportions used are documented at dorf_lieferbar_day_generate().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/lieferbar.h"

#define MAX_COUNT 100000
/* What a place without usable opening hours counts as (working days are Mo-Sa in Germany). */
#define DEFAULT_HOURS "Mo-Sa 08:00-18:00; PH off"
/* Public holidays: those common to all of Germany (the region does not name its state). */
#define HOLIDAY_REGION NULL

/* Parcels become ready on a quarter hour between these minutes of the day. */
#define READY_FIRST_MIN (8 * 60)
#define READY_LAST_MIN (16 * 60)
#define READY_STEP_MIN 15
#define READY_SLOTS ((READY_LAST_MIN - READY_FIRST_MIN) / READY_STEP_MIN + 1)
/* A shop must stay open this long after a parcel's ready time. */
#define MIN_OPEN_AFTER_READY_MIN 15
#define TRIP_STAY_S 600.0

/* splitmix64: a 64-bit state advanced by a Weyl sequence and mixed; passes BigCrush. */
struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r) {
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), with the 53 bits a double holds. */
static double rng_unit(struct rng *r) {
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n >= 1 (Lemire's multiply-shift; the bias is below 2^-32 for our n). */
static uint32_t rng_below(struct rng *r, uint32_t n) {
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Retail shop=* values of "shop_other" places that hand out goods (not services). */
static const char *const retail_shops[] = {
    "beverages",     "bicycle",        "books",         "chemist",     "cheese",
    "clothes",       "coffee",         "confectionery", "deli",        "department_store",
    "doityourself",  "electronics",    "farm",          "florist",     "garden_centre",
    "gift",          "greengrocer",    "hardware",      "health_food", "houseware",
    "kiosk",         "medical_supply", "mobile_phone",  "newsagent",   "optician",
    "organic",       "pastry",         "pet",           "seafood",     "shoes",
    "sports",        "stationery",     "tea",           "tobacco",     "toys",
    "variety_store", "wine",
};

bool dorf_lieferbar_is_shop(const dorf_place *place) {
    switch (place->category) {
    case DORF_CAT_GROCERY:
    case DORF_CAT_BAKERY:
    case DORF_CAT_BUTCHER:
    case DORF_CAT_PHARMACY:
    case DORF_CAT_POST:
        return true;
    case DORF_CAT_SHOP_OTHER:
        for (size_t i = 0; place->shop && i < sizeof retail_shops / sizeof retail_shops[0]; i++) {
            if (strcmp(place->shop, retail_shops[i]) == 0) {
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

/* The place's schedule: its own when it parses, else the default. *out freed by the caller. */
static dorf_status place_schedule(dorf_ctx *ctx, const dorf_place *place,
                                  dorf_opening_hours **out) {
    if (place->opening_hours && !place->opening_hours_error) {
        dorf_status st = dorf_opening_hours_parse(ctx, place->opening_hours, out);
        if (st != DORF_EPARSE) {
            return st;
        }
        dorf_ctx_clear_error(ctx);
    }
    return dorf_opening_hours_parse(ctx, DEFAULT_HOURS, out);
}

dorf_status dorf_lieferbar_place_is_open(dorf_ctx *ctx, const dorf_place *place, dorf_local_time t,
                                         bool *open) {
    dorf_opening_hours *oh = NULL;
    dorf_status st = place_schedule(ctx, place, &oh);
    if (st != DORF_OK) {
        return st;
    }
    *open = dorf_opening_hours_is_open(oh, HOLIDAY_REGION, t);
    dorf_opening_hours_free(oh);
    return DORF_OK;
}

static int days_in_month(int year, int month) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : len[month - 1];
}

static bool valid_date(dorf_local_time d) {
    return d.year >= 1900 && d.year <= 2999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= days_in_month(d.year, d.month);
}

dorf_status dorf_lieferbar_parse_date(dorf_ctx *ctx, const char *text, dorf_local_time *out) {
    dorf_local_time d = {0, 0, 0, 0};
    int ok = text && strlen(text) == 10 && text[4] == '-' && text[7] == '-';
    for (int i = 0; ok && i < 10; i++) {
        ok = i == 4 || i == 7 || (text[i] >= '0' && text[i] <= '9');
    }
    if (ok) {
        d.year = atoi(text);
        d.month = atoi(text + 5);
        d.day = atoi(text + 8);
        ok = valid_date(d);
    }
    if (!ok) {
        return dorf_fail(ctx, DORF_EINVAL, "'%s' is not a date YYYY-MM-DD (e.g. 2026-12-01)",
                         text ? text : "(null)");
    }
    *out = d;
    return DORF_OK;
}

/* A shop open on the day, with the quarter hours at which a parcel may be ready there. */
struct shop {
    uint32_t place;
    int slot_count;
    int slot_min[READY_SLOTS];
    int close_min[READY_SLOTS]; /* when it closes after that slot (1440: not that day) */
};

struct gen {
    dorf_ctx *ctx;
    const dorf_region *region;
    dorf_local_time date;
    struct rng rng;
    dorf_opening_hours **hours; /* [place_count], shops only */
    struct shop *shops;         /* open on the day */
    size_t shop_count;
    size_t shops_in_region;
    double *persons_cum; /* [household_count]: cumulative persons, for weighted draws */
    dorf_lieferbar_day *day;
};

/* When the shop closes after minute `minute` of the day (at which it is open). */
static int closing_minute(const dorf_opening_hours *oh, dorf_local_time date, int minute) {
    dorf_local_time t = date, next;
    t.minute = minute;
    bool opens = false;
    if (dorf_opening_hours_next_change(oh, HOLIDAY_REGION, t, &next, &opens) != DORF_OK ||
        next.year != date.year || next.month != date.month || next.day != date.day) {
        return 24 * 60;
    }
    return next.minute;
}

/* Finds the shops and their ready slots on the day. */
static dorf_status find_shops(struct gen *g) {
    const dorf_region *r = g->region;
    g->hours = dorf_calloc(r->place_count ? r->place_count : 1, sizeof *g->hours);
    g->shops = dorf_calloc(r->place_count ? r->place_count : 1, sizeof *g->shops);
    if (!g->hours || !g->shops) {
        return dorf_fail(g->ctx, DORF_ENOMEM, "out of memory listing shops");
    }
    for (size_t i = 0; i < r->place_count; i++) {
        if (!dorf_lieferbar_is_shop(&r->places[i])) {
            continue;
        }
        g->shops_in_region++;
        dorf_status st = place_schedule(g->ctx, &r->places[i], &g->hours[i]);
        if (st != DORF_OK) {
            return st;
        }
        struct shop *s = &g->shops[g->shop_count];
        s->place = (uint32_t)i;
        for (int m = READY_FIRST_MIN; m <= READY_LAST_MIN; m += READY_STEP_MIN) {
            dorf_local_time t = g->date;
            t.minute = m;
            if (!dorf_opening_hours_is_open(g->hours[i], HOLIDAY_REGION, t)) {
                continue;
            }
            int close = closing_minute(g->hours[i], g->date, m);
            if (close >= m + MIN_OPEN_AFTER_READY_MIN) {
                s->slot_min[s->slot_count] = m;
                s->close_min[s->slot_count] = close;
                s->slot_count++;
            }
        }
        if (s->slot_count > 0) {
            g->shop_count++;
        }
    }
    static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                           "Friday", "Saturday", "Sunday"};
    if (g->shops_in_region == 0) {
        return dorf_fail(g->ctx, DORF_EEMPTY,
                         "the region has no shops to pick parcels up at (groceries, bakeries, "
                         "butchers, pharmacies, post offices or other retail shops)");
    }
    if (g->shop_count == 0) {
        return dorf_fail(g->ctx, DORF_EEMPTY,
                         "none of the region's %zu shops is open on %s %04d-%02d-%02d between "
                         "08:00 and 16:00; choose another date",
                         g->shops_in_region,
                         weekdays[dorf_weekday(g->date.year, g->date.month, g->date.day)],
                         g->date.year, g->date.month, g->date.day);
    }
    return DORF_OK;
}

static dorf_status weigh_households(struct gen *g) {
    const dorf_region *r = g->region;
    if (r->household_count == 0) {
        return dorf_fail(g->ctx, DORF_EEMPTY, "the region has no households to deliver to");
    }
    g->persons_cum = dorf_malloc(r->household_count * sizeof *g->persons_cum);
    if (!g->persons_cum) {
        return dorf_fail(g->ctx, DORF_ENOMEM, "out of memory weighing households");
    }
    double sum = 0;
    for (size_t i = 0; i < r->household_count; i++) {
        double p = r->households[i].persons;
        sum += p > 0 && isfinite(p) ? p : 1.0;
        g->persons_cum[i] = sum;
    }
    return DORF_OK;
}

/* A household drawn with probability proportional to its persons. */
static uint32_t draw_household(struct gen *g) {
    size_t n = g->region->household_count;
    double x = rng_unit(&g->rng) * g->persons_cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->persons_cum[mid] > x) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return (uint32_t)lo;
}

static void household_position(const dorf_region *r, uint32_t h, double *lon, double *lat) {
    const dorf_building *b = &r->buildings[r->households[h].building];
    *lon = b->lon_deg;
    *lat = b->lat_deg;
}

/* The place's name for people: its name, else its kind ("bakery"). Copied into the day. */
static const char *place_label(struct gen *g, const dorf_place *p) {
    const char *label = p->name && *p->name ? p->name
                        : p->osm_value      ? p->osm_value
                                            : dorf_category_name(p->category);
    return dorf_arena_strdup(g->day->arena, label);
}

/* Straight-line distance in metres (equirectangular; fine within a district). */
static double distance_m(double lon0, double lat0, double lon1, double lat1) {
    double dx = (lon1 - lon0) * cos((lat0 + lat1) / 2 * M_PI / 180) * 111320.0;
    double dy = (lat1 - lat0) * 110574.0;
    return sqrt(dx * dx + dy * dy);
}

/*
 * The (up to) three shops of the day nearest (lon, lat) within max_m, open at `minute` when
 * it is >= 0, nearest first, into near[]; returns how many there are.
 */
static int nearest_shops(const struct gen *g, double lon, double lat, double max_m, int minute,
                         uint32_t near[3]) {
    double near_m[3];
    int n = 0;
    dorf_local_time t = g->date;
    t.minute = minute;
    for (size_t i = 0; i < g->shop_count; i++) {
        const dorf_place *place = &g->region->places[g->shops[i].place];
        double d = distance_m(lon, lat, place->lon_deg, place->lat_deg);
        if (d > max_m || (minute >= 0 && !dorf_opening_hours_is_open(g->hours[g->shops[i].place],
                                                                     HOLIDAY_REGION, t))) {
            continue;
        }
        int k = n < 3 ? n++ : 3;
        for (; k > 0 && near_m[k - 1] > d; k--) {
            if (k < 3) {
                near[k] = near[k - 1];
                near_m[k] = near_m[k - 1];
            }
        }
        if (k < 3) {
            near[k] = (uint32_t)i;
            near_m[k] = d;
        }
    }
    return n;
}

/*
 * Gives a volunteer a trip to one of the three shops nearest their home that are open when
 * they would arrive, within reach of their mode, if there is one.
 */
static dorf_status plan_trip(struct gen *g, dorf_lieferbar_volunteer *v) {
    static const double reach_m[DORF_MODE_COUNT] = {2000, 8000, 30000};
    /* Arrive from half an hour after leaving, in an hour's window, and leave two hours to
     * spare for the window, the stay and the way back. */
    int first = (int)(v->available_from_s / 60) + 30;
    int last = (int)(v->available_until_s / 60) - 120;
    if (last < first) {
        return DORF_OK;
    }
    int from_min = first + 30 * (int)rng_below(&g->rng, (uint32_t)((last - first) / 30 + 1));
    uint32_t pick = rng_below(&g->rng, 3);
    uint32_t near[3];
    int n = nearest_shops(g, v->home_lon_deg, v->home_lat_deg, reach_m[v->mode], from_min, near);
    if (n == 0) {
        return DORF_OK;
    }
    uint32_t shop = g->shops[near[pick % (uint32_t)n]].place;
    const dorf_place *place = &g->region->places[shop];
    v->has_trip = 1;
    v->trip_place = shop;
    if (!(v->trip_name = place_label(g, place))) {
        return dorf_fail(g->ctx, DORF_ENOMEM, "out of memory generating volunteers");
    }
    v->trip_lon_deg = place->lon_deg;
    v->trip_lat_deg = place->lat_deg;
    v->trip_from_s = from_min * 60.0;
    v->trip_until_s = (from_min + 60) * 60.0;
    v->trip_stay_s = TRIP_STAY_S;
    return DORF_OK;
}

/*
 * A parcel for a household drawn by persons, from one of the three shops of the day nearest
 * to it (people order from the shops they know), ready at one of the shop's slots.
 */
static dorf_status make_parcel(struct gen *g, uint32_t index) {
    dorf_lieferbar_parcel *pc = &g->day->parcels[index];
    pc->household = draw_household(g);
    household_position(g->region, pc->household, &pc->dropoff_lon_deg, &pc->dropoff_lat_deg);
    uint32_t near[3];
    int n = nearest_shops(g, pc->dropoff_lon_deg, pc->dropoff_lat_deg, INFINITY, -1, near);
    const struct shop *s = &g->shops[near[rng_below(&g->rng, (uint32_t)n)]];
    const dorf_place *place = &g->region->places[s->place];
    int slot = (int)rng_below(&g->rng, (uint32_t)s->slot_count);
    pc->id = index + 1;
    pc->shop_place = s->place;
    pc->shop_osm_id = place->osm_id;
    pc->shop_osm_type = place->osm_type;
    if (!(pc->shop_name = place_label(g, place))) {
        return dorf_fail(g->ctx, DORF_ENOMEM, "out of memory generating parcels");
    }
    pc->pickup_lon_deg = place->lon_deg;
    pc->pickup_lat_deg = place->lat_deg;
    pc->ready_s = s->slot_min[slot] * 60.0;
    pc->pickup_until_s = s->close_min[slot] * 60.0 - DORF_LIEFERBAR_PICKUP_SERVICE_S;
    /* From 14:00 to 18:00 on the half hour, but an hour after the ready time at the soonest. */
    int from_min = 14 * 60 + 30 * (int)rng_below(&g->rng, 9);
    int soonest = s->slot_min[slot] + 60;
    if (from_min < soonest) {
        from_min = (soonest + 29) / 30 * 30;
    }
    int length_min = 120 + 30 * (int)rng_below(&g->rng, 5);
    pc->dropoff_from_s = from_min * 60.0;
    pc->dropoff_until_s = (from_min + length_min) * 60.0;
    pc->size = rng_unit(&g->rng) < 0.75 ? 1 : 2;
    return DORF_OK;
}

static dorf_status make_volunteer(struct gen *g, uint32_t index) {
    static const int32_t capacity[DORF_MODE_COUNT] = {2, 3, 6};
    dorf_lieferbar_volunteer *v = &g->day->volunteers[index];
    v->id = index + 1;
    v->home_household = rng_below(&g->rng, (uint32_t)g->region->household_count);
    household_position(g->region, v->home_household, &v->home_lon_deg, &v->home_lat_deg);
    double m = rng_unit(&g->rng);
    v->mode = m < 0.2 ? DORF_MODE_WALK : m < 0.6 ? DORF_MODE_BIKE : DORF_MODE_CAR;
    v->capacity = capacity[v->mode];
    int from_min = 9 * 60 + 30 * (int)rng_below(&g->rng, 15);
    int until_min = from_min + 180 + 30 * (int)rng_below(&g->rng, 7);
    if (until_min > 22 * 60) {
        until_min = 22 * 60;
    }
    v->available_from_s = from_min * 60.0;
    v->available_until_s = until_min * 60.0;
    v->max_detour_s = (15 + 5 * (int)rng_below(&g->rng, 4)) * 60.0;
    v->trip_place = UINT32_MAX;
    if (rng_unit(&g->rng) < 0.5) {
        return plan_trip(g, v);
    }
    return DORF_OK;
}

static void gen_release(struct gen *g) {
    for (size_t i = 0; g->hours && i < g->region->place_count; i++) {
        dorf_opening_hours_free(g->hours[i]);
    }
    dorf_free(g->hours);
    dorf_free(g->shops);
    dorf_free(g->persons_cum);
}

dorf_status dorf_lieferbar_day_generate(dorf_ctx *ctx, const dorf_region *region,
                                        dorf_local_time date, uint64_t seed, size_t parcel_count,
                                        size_t volunteer_count, dorf_lieferbar_day **out) {
    *out = NULL;
    date.minute = 0;
    if (!valid_date(date)) {
        return dorf_fail(ctx, DORF_EINVAL, "%04d-%02d-%02d is not a date", date.year, date.month,
                         date.day);
    }
    if (parcel_count > MAX_COUNT || volunteer_count > MAX_COUNT) {
        return dorf_fail(ctx, DORF_EINVAL, "at most %d parcels and %d volunteers", MAX_COUNT,
                         MAX_COUNT);
    }
    struct gen g = {0};
    g.ctx = ctx;
    g.region = region;
    g.date = date;
    g.rng.state = seed;
    dorf_status st = find_shops(&g);
    if (st == DORF_OK) {
        st = weigh_households(&g);
    }
    dorf_lieferbar_day *day = NULL;
    if (st == DORF_OK) {
        day = dorf_calloc(1, sizeof *day);
        if (!day || !(day->arena = dorf_arena_new())) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory generating a day");
        }
    }
    if (st == DORF_OK) {
        g.day = day;
        day->date = date;
        day->seed = seed;
        day->parcels = dorf_arena_alloc(day->arena, (parcel_count + 1) * sizeof *day->parcels);
        day->volunteers =
            dorf_arena_alloc(day->arena, (volunteer_count + 1) * sizeof *day->volunteers);
        if (!day->parcels || !day->volunteers) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory generating a day");
        }
    }
    /* Volunteers first, then parcels, each from its own stream: more parcels leave the
     * volunteers of a seed as they were. */
    uint64_t parcel_state = rng_next(&g.rng);
    for (size_t i = 0; st == DORF_OK && i < volunteer_count; i++) {
        st = make_volunteer(&g, (uint32_t)i);
        day->volunteer_count = i + 1;
    }
    g.rng.state = parcel_state;
    for (size_t i = 0; st == DORF_OK && i < parcel_count; i++) {
        st = make_parcel(&g, (uint32_t)i);
        day->parcel_count = i + 1;
    }
    gen_release(&g);
    if (st != DORF_OK) {
        dorf_lieferbar_day_free(day);
        return st;
    }
    *out = day;
    return DORF_OK;
}

void dorf_lieferbar_day_free(dorf_lieferbar_day *day) {
    if (day) {
        dorf_arena_free(day->arena);
        dorf_free(day);
    }
}
