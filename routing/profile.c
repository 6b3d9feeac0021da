/*
 * profile.c: how fast each mode moves on each kind of road.
 *
 * Cars: a typical free-flow speed per highway class (rural Germany), lowered to the signed
 * limit where OSM gives one (a 30 zone, a living street) but never raised by it: a
 * secondary road signed 100 km/h is still driven at about 70 on average. Bikes: 16 km/h on
 * paved ways, slower on unpaved surfaces and tracks, walking pace in pedestrian zones.
 * Walking: 5 km/h, 2 km/h (horizontal) on steps. docs/routing.md has the table.
 */
#include <string.h>

#include "dorf/routing.h"

static const double car_kmh[DORF_HW_COUNT] = {
    [DORF_HW_MOTORWAY] = 120,     [DORF_HW_MOTORWAY_LINK] = 60,  [DORF_HW_TRUNK] = 90,
    [DORF_HW_TRUNK_LINK] = 50,    [DORF_HW_PRIMARY] = 80,        [DORF_HW_PRIMARY_LINK] = 50,
    [DORF_HW_SECONDARY] = 70,     [DORF_HW_SECONDARY_LINK] = 40, [DORF_HW_TERTIARY] = 60,
    [DORF_HW_TERTIARY_LINK] = 40, [DORF_HW_UNCLASSIFIED] = 45,   [DORF_HW_RESIDENTIAL] = 30,
    [DORF_HW_LIVING_STREET] = 7,  [DORF_HW_SERVICE] = 15,        [DORF_HW_TRACK] = 15,
    [DORF_HW_ROAD] = 30,          [DORF_HW_PEDESTRIAN] = 5,      [DORF_HW_FOOTWAY] = 5,
    [DORF_HW_PATH] = 5,           [DORF_HW_CYCLEWAY] = 5,        [DORF_HW_BRIDLEWAY] = 5,
    [DORF_HW_STEPS] = 2,
};

static int is_unpaved(const char *surface) {
    static const char *const unpaved[] = {"unpaved",     "gravel",      "dirt",     "ground",
                                          "grass",       "earth",       "mud",      "sand",
                                          "pebblestone", "grass_paver", "woodchips"};
    if (!surface) {
        return 0;
    }
    for (size_t i = 0; i < sizeof unpaved / sizeof unpaved[0]; i++) {
        if (strcmp(surface, unpaved[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static double bike_kmh(const dorf_road_edge *e) {
    double v = 16;
    switch (e->highway) {
    case DORF_HW_TRACK:
    case DORF_HW_PATH:
    case DORF_HW_BRIDLEWAY:
        v = 12;
        break;
    case DORF_HW_LIVING_STREET:
    case DORF_HW_FOOTWAY:
        v = 10;
        break;
    case DORF_HW_PEDESTRIAN:
    case DORF_HW_STEPS:
        v = 5; /* pushing the bike */
        break;
    default:
        break;
    }
    if (is_unpaved(e->surface) && v > 10) {
        v = 10;
    } else if (e->surface &&
               (strcmp(e->surface, "compacted") == 0 || strcmp(e->surface, "fine_gravel") == 0) &&
               v > 14) {
        v = 14;
    }
    return v;
}

double dorf_profile_speed_kmh(dorf_mode mode, const dorf_road_edge *e) {
    switch (mode) {
    case DORF_MODE_WALK:
        return e->highway == DORF_HW_STEPS ? 2 : 5;
    case DORF_MODE_BIKE: {
        double v = bike_kmh(e);
        return e->maxspeed_kmh > 0 && e->maxspeed_kmh < v ? e->maxspeed_kmh : v;
    }
    case DORF_MODE_CAR:
    default: {
        double v = car_kmh[e->highway];
        return e->maxspeed_kmh > 0 && e->maxspeed_kmh < v ? e->maxspeed_kmh : v;
    }
    }
}
