/*
 * dorf/lieferbar.h: LieferBar on a region: a day of parcels and volunteers, planned with the
 * pickup-and-delivery optimiser of dorf/vrp.h on the region's real travel times.
 *
 * A LieferBar day is what the platform will know on a delivery day: parcels that shops have
 * ready for households, and volunteers who offered to carry some on the way (each with a
 * travel mode, a bag of limited capacity, a window of availability, the extra travel time
 * they accept, and perhaps a trip they make anyway, to a shop or the town centre). Until the
 * platform's own order tables exist, dorf_lieferbar_day_generate() makes a plausible day,
 * reproducible from a seed. dorf_lieferbar_plan_day() snaps every place to the roads of each
 * mode in use, computes travel-time matrices on the contraction hierarchies, maps the day
 * onto a dorf_vrp_problem (docs/routing.md, "LieferBar on a region") and turns the
 * optimiser's solution into routes with their road geometry, which
 * dorf_lieferbar_plan_write_geojson() writes as GeoJSON.
 *
 * Times of day are seconds since midnight of the day's date, local civil time.
 */
#ifndef DORF_LIEFERBAR_H
#define DORF_LIEFERBAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dorf/arena.h"
#include "dorf/context.h"
#include "dorf/opening_hours.h"
#include "dorf/region.h"
#include "dorf/store.h"
#include "dorf/vrp.h"

#define DORF_LIEFERBAR_NONE UINT32_MAX /* no parcel (a stop of a volunteer's own trip) */

/* Someone who offered to carry parcels on a day. */
typedef struct dorf_lieferbar_volunteer {
    uint32_t id;
    uint32_t home_household; /* index into the region's households */
    double home_lon_deg;     /* the household's building */
    double home_lat_deg;
    dorf_mode mode;
    int32_t capacity;         /* parcel size units the bag holds: walk 2, bike 3, car 6 */
    double available_from_s;  /* leaves home no earlier */
    double available_until_s; /* and is back by then */
    double max_detour_s;      /* extra travel time accepted beyond their own trip */
    /* A trip made anyway (has_trip 1): home, the destination, home. */
    int has_trip;
    uint32_t trip_place;   /* index into the region's places */
    const char *trip_name; /* the place's name, or its kind when unnamed */
    double trip_lon_deg;
    double trip_lat_deg;
    double trip_from_s; /* arrives at the destination within this window */
    double trip_until_s;
    double trip_stay_s; /* time spent there */
} dorf_lieferbar_volunteer;

/* A parcel a shop has ready for a household. */
typedef struct dorf_lieferbar_parcel {
    uint32_t id;
    int32_t size;        /* units of a volunteer's capacity, >= 1 */
    uint32_t shop_place; /* index into the region's places */
    int64_t shop_osm_id;
    char shop_osm_type;    /* 'n', 'w', 'r' */
    const char *shop_name; /* the place's name, or its kind when unnamed */
    double pickup_lon_deg;
    double pickup_lat_deg;
    double ready_s;         /* may be picked up from then (the shop is open then) */
    double pickup_until_s;  /* until the shop closes (service starts 2 minutes before) */
    uint32_t household;     /* index into the region's households */
    double dropoff_lon_deg; /* the household's building */
    double dropoff_lat_deg;
    double dropoff_from_s; /* the household accepts it within this window */
    double dropoff_until_s;
} dorf_lieferbar_parcel;

/* A day of LieferBar. Strings and arrays belong to `arena`; free with dorf_lieferbar_day_free. */
typedef struct dorf_lieferbar_day {
    dorf_arena *arena;
    dorf_local_time date; /* minute 0 */
    uint64_t seed;        /* the seed it was generated from */
    dorf_lieferbar_volunteer *volunteers;
    size_t volunteer_count;
    dorf_lieferbar_parcel *parcels;
    size_t parcel_count;
} dorf_lieferbar_day;

/*
 * Parses a date "YYYY-MM-DD" (a real calendar date from 1900 to 2999) into *out (minute 0).
 * DORF_EINVAL with a message naming the text when it is not one.
 */
dorf_status dorf_lieferbar_parse_date(dorf_ctx *ctx, const char *text, dorf_local_time *out);

/*
 * True when parcels may be picked up at `place`: groceries, bakeries, butchers, pharmacies,
 * post offices and parcel shops, and other retail shops (shop=florist, beverages, books ...;
 * not services such as hairdressers or car repair).
 */
bool dorf_lieferbar_is_shop(const dorf_place *place);

/*
 * Whether `place` is open at `t`: by its parsed opening_hours when it has some that parse;
 * otherwise it counts as open 08:00-18:00 on working days (Monday to Saturday, except the
 * public holidays common to all of Germany). Public holidays in opening hours ("PH") are
 * those common to all of Germany too. DORF_ENOMEM; a value that does not parse is no error.
 */
dorf_status dorf_lieferbar_place_is_open(dorf_ctx *ctx, const dorf_place *place, dorf_local_time t,
                                         bool *open);

/*
 * Generates a synthetic, plausible day on `date` (its minute is ignored), the same for the
 * same region, date, seed and counts on every machine:
 *   - parcels: for a household drawn with probability proportional to its persons, from one
 *     of the three shops (dorf_lieferbar_is_shop) nearest to it that open that day; ready on
 *     a quarter hour between 08:00 and 16:00 when the shop is open and stays open at least
 *     15 minutes more, to be picked up until it closes; dropped off within a window of 2 to
 *     4 hours starting between 14:00 and 18:00 and at least an hour after the ready time;
 *     size 1 (three in four) or 2.
 *   - volunteers: living in a household drawn uniformly; walking (1 in 5), cycling (2 in 5)
 *     or driving (2 in 5) with capacity 2, 3 or 6; available from between 09:00 and 16:00 for
 *     3 to 6 hours (not past 22:00); accepting 15, 20, 25 or 30 minutes of detour; about half
 *     going anyway to one of the three shops nearest home that are open then (within 2 km on
 *     foot, 8 km by bike), arriving within an hour's window and staying 10 minutes.
 * Ids run from 1. *out is freed with dorf_lieferbar_day_free(). Errors: DORF_EEMPTY with a
 * message when the region has no shops, none is open on that date, or it has no households;
 * DORF_EINVAL for an invalid date or counts over 100,000; DORF_ENOMEM.
 */
dorf_status dorf_lieferbar_day_generate(dorf_ctx *ctx, const dorf_region *region,
                                        dorf_local_time date, uint64_t seed, size_t parcel_count,
                                        size_t volunteer_count, dorf_lieferbar_day **out);

/* Frees a day. Accepts NULL. */
void dorf_lieferbar_day_free(dorf_lieferbar_day *day);

/* What dorf_lieferbar_plan_day() may spend and how it treats places; zeroes mean the defaults. */
typedef struct dorf_lieferbar_plan_options {
    double time_limit_s;     /* the optimiser's wall-clock budget; 0: 1 second */
    uint64_t max_iterations; /* 0: none; with a limit the plan is reproducible */
    uint64_t seed;           /* of the optimiser's random choices */
    double max_snap_m;       /* farthest a place may lie from a road of a mode; 0: 500 m */
} dorf_lieferbar_plan_options;

typedef enum dorf_lieferbar_stop_kind {
    DORF_LIEFERBAR_PICKUP = 0, /* at the shop */
    DORF_LIEFERBAR_DROPOFF,    /* at the household's door */
    DORF_LIEFERBAR_TRIP,       /* the destination of the volunteer's own trip */
} dorf_lieferbar_stop_kind;

/* "pickup", "dropoff", "trip". */
const char *dorf_lieferbar_stop_kind_name(dorf_lieferbar_stop_kind kind);

/* Time spent at a stop: handing over at the shop, at the door; the trip's stay is its own. */
#define DORF_LIEFERBAR_PICKUP_SERVICE_S 120.0
#define DORF_LIEFERBAR_DROPOFF_SERVICE_S 60.0

typedef struct dorf_lieferbar_stop {
    dorf_lieferbar_stop_kind kind;
    uint32_t parcel;  /* index into the day's parcels; DORF_LIEFERBAR_NONE for the trip */
    const char *name; /* the shop or trip destination; NULL at a household */
    double lon_deg;   /* the place as given (not snapped) */
    double lat_deg;
    double arrival_s;       /* arrives */
    double service_start_s; /* starts the handover (after waiting, if early) */
    double service_s;       /* time spent */
    int32_t load;           /* parcel units carried when leaving */
} dorf_lieferbar_stop;

/* One volunteer's route: from home through its stops back home. */
typedef struct dorf_lieferbar_route {
    uint32_t volunteer; /* index into the day's volunteers */
    dorf_lieferbar_stop *stops;
    size_t stop_count;
    size_t parcel_count;
    double departure_s;   /* leaves home, just in time for the first stop */
    double return_s;      /* back home */
    double travel_s;      /* travel time of the whole route (without waiting and stops) */
    double base_travel_s; /* travel time of the volunteer's own trip (0 without one) */
    double detour_s;      /* travel_s - base_travel_s */
    dorf_point *shape;    /* road geometry of the whole route, home to home */
    size_t shape_count;
} dorf_lieferbar_route;

typedef enum dorf_lieferbar_unserved_reason {
    DORF_LIEFERBAR_NOT_PLANNED = 0, /* no volunteer could take it (windows, detours, bags) */
    DORF_LIEFERBAR_NO_ROAD,         /* shop or household too far from the roads of every mode */
} dorf_lieferbar_unserved_reason;

/* "unserved", "no road nearby". */
const char *dorf_lieferbar_unserved_reason_name(dorf_lieferbar_unserved_reason reason);

typedef struct dorf_lieferbar_unserved {
    uint32_t parcel; /* index into the day's parcels */
    dorf_lieferbar_unserved_reason reason;
} dorf_lieferbar_unserved;

/*
 * A plan for a day: the routes of the volunteers who carry at least one parcel (ordered by
 * volunteer), and the parcels left behind. Refers to its day, which must outlive it.
 */
typedef struct dorf_lieferbar_plan {
    dorf_arena *arena; /* owns everything below */
    const dorf_lieferbar_day *day;
    dorf_lieferbar_route *routes;
    size_t route_count;
    dorf_lieferbar_unserved *unserved; /* by parcel index */
    size_t unserved_count;
    size_t parcels_served;
    size_t volunteers_used;     /* = route_count */
    size_t volunteers_unusable; /* home or trip not near a road, or trip impossible in time */
    double travel_s;            /* over all routes */
    double detour_s;            /* over all routes */
    double optimiser_s;         /* wall-clock time of dorf_vrp_solve */
    dorf_vrp_stats stats;       /* what the optimiser did */
    int interrupted;            /* 1: the optimiser stopped early at the interrupt flag */
} dorf_lieferbar_plan;

/*
 * Plans `day` on the roads of the region stored in `store` at `db_path` (for the graph and
 * hierarchy caches beside it, see dorf_graph_open and dorf_ch_open): every place is snapped
 * for each mode in use within options->max_snap_m (a parcel whose shop or household no mode
 * can reach is unserved, reason DORF_LIEFERBAR_NO_ROAD; a volunteer whose home or trip
 * cannot be snapped, or whose trip cannot be made within the windows, is not used; each with
 * a warning logged), travel-time matrices per mode come from dorf_ch_matrix, and
 * dorf_vrp_solve plans the routes (details in docs/routing.md). Every route keeps within
 * what its volunteer accepted: capacity, windows, and travel at most their trip's plus
 * max_detour_s. Reports progress ("travel times", "optimising", "drawing routes"). When the
 * interrupt flag is set during optimisation the best plan so far is returned with
 * interrupted 1; before it, DORF_EINTR. `options` NULL means the defaults. *out is freed with
 * dorf_lieferbar_plan_free(). Errors: those of the store, graphs and hierarchies, DORF_ENOMEM,
 * DORF_EIO when GLPK fails, DORF_EINTR.
 */
dorf_status dorf_lieferbar_plan_day(dorf_ctx *ctx, dorf_store *store, const char *db_path,
                                    const dorf_lieferbar_day *day,
                                    const dorf_lieferbar_plan_options *options,
                                    dorf_lieferbar_plan **out);

/* Frees a plan. Accepts NULL. */
void dorf_lieferbar_plan_free(dorf_lieferbar_plan *plan);

/*
 * Writes the plan as an RFC 7946 GeoJSON FeatureCollection: for each route a LineString of
 * its road geometry (properties kind "route", volunteer, mode, parcels, travel_s, detour_s,
 * max_detour_s, departure, return and the ordered stops, times as "HH:MM"); a Point per stop
 * (kind "pickup", "dropoff" or "trip", parcel, volunteer, time, place); a Point per unserved
 * parcel at its household (kind "unserved", parcel, shop, reason "unserved" or "no road
 * nearby"). DORF_EIO when writing fails, DORF_ENOMEM.
 */
dorf_status dorf_lieferbar_plan_write_geojson(dorf_ctx *ctx, const dorf_lieferbar_plan *plan,
                                              FILE *out);

/* "HH:MM" of a time of day in seconds (rounded down to the minute; 24:00 and later too). */
void dorf_lieferbar_format_time(double time_s, char buf[8]);

#endif
