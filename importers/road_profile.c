/*
 * road_profile.c: what an OSM highway way allows: which of walking, cycling and driving may
 * use it, in which direction, and its speed limit (signed, or implied by a zone value such as
 * DE:urban; DE:motorway is read as the advisory 130 km/h).
 *
 * Defaults per highway class start from the German column of the OSM wiki page "OSM tags
 * for routing/Access restrictions", with two deliberate departures for rural regions: walking
 * is allowed on cycleways and bridleways (in villages they double as footpaths), and trunk
 * roads (Bundesstraßen) are open to all modes unless tagged motorroad=yes. Access tags
 * override the defaults from the general to the specific (access < vehicle < motor_vehicle
 * < motorcar for cars; access < vehicle < bicycle for bikes; access < foot for walking). Oneway
 * applies to vehicles: oneway=yes/-1, roundabouts and motorways; cyclists are exempt where
 * oneway:bicycle=no or a contraflow cycleway is tagged. docs/import.md lists the resulting table.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

/* Default access for each class: walk, bike, car. */
static const uint8_t default_access[DORF_HW_COUNT] = {
    [DORF_HW_MOTORWAY] = DORF_ACCESS_CAR,
    [DORF_HW_MOTORWAY_LINK] = DORF_ACCESS_CAR,
    [DORF_HW_TRUNK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_TRUNK_LINK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_PRIMARY] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_PRIMARY_LINK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_SECONDARY] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_SECONDARY_LINK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_TERTIARY] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_TERTIARY_LINK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_UNCLASSIFIED] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_RESIDENTIAL] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_LIVING_STREET] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_SERVICE] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    /* Farm and forest tracks: in Germany motor traffic is almost always barred by sign. */
    [DORF_HW_TRACK] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE,
    [DORF_HW_ROAD] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR,
    [DORF_HW_PEDESTRIAN] = DORF_ACCESS_WALK,
    [DORF_HW_FOOTWAY] = DORF_ACCESS_WALK,
    [DORF_HW_PATH] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE,
    [DORF_HW_CYCLEWAY] = DORF_ACCESS_WALK | DORF_ACCESS_BIKE,
    [DORF_HW_BRIDLEWAY] = DORF_ACCESS_WALK,
    [DORF_HW_STEPS] = DORF_ACCESS_WALK,
};

/* 1 allowed, 0 forbidden, -1 the value says nothing we act on. */
static int access_value(const char *v) {
    if (!v) {
        return -1;
    }
    static const char *const yes[] = {"yes",         "designated", "permissive",
                                      "destination", "delivery",   "customers",
                                      "official",    "dismount",   "discouraged"};
    static const char *const no[] = {"no",
                                     "private",
                                     "agricultural",
                                     "forestry",
                                     "use_sidepath",
                                     "agricultural;forestry",
                                     "forestry;agricultural",
                                     "military",
                                     "emergency"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(v, yes[i]) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (strcmp(v, no[i]) == 0) {
            return 0;
        }
    }
    return -1;
}

/* Applies the access keys in order from general to specific; the last one that speaks wins. */
static int mode_allowed(const struct osm_tags *tags, int allowed, const char *const *keys,
                        size_t n) {
    for (size_t i = 0; i < n; i++) {
        int a = access_value(osm_tag(tags, keys[i]));
        if (a >= 0) {
            allowed = a;
        }
    }
    return allowed;
}

float osm_parse_maxspeed(const char *value) {
    if (!value) {
        return 0;
    }
    static const struct {
        const char *name;
        float kmh;
    } zones[] = {
        {"DE:urban", 50},  {"DE:rural", 100},  {"DE:living_street", 7}, {"DE:bicycle_road", 30},
        {"DE:zone30", 30}, {"DE:zone:30", 30}, {"DE:zone20", 20},       {"DE:motorway", 130},
        {"walk", 7},       {"AT:urban", 50},   {"AT:rural", 100},       {"CH:urban", 50},
        {"CH:rural", 80},  {"FR:urban", 50},   {"FR:rural", 80},
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcmp(value, zones[i].name) == 0) {
            return zones[i].kmh;
        }
    }
    /* Plain decimal numbers only: strtod alone would also take "nan", "inf" and hex. */
    if (!isdigit((unsigned char)value[0])) {
        return 0;
    }
    char *end = NULL;
    double v = strtod(value, &end);
    while (*end == ' ') {
        end++;
    }
    if (strcmp(end, "mph") == 0) {
        v *= 1.609344;
    } else if (*end != '\0' && strcmp(end, "km/h") != 0 && strcmp(end, "kmh") != 0) {
        return 0;
    }
    if (!(v > 0 && v <= 300) || strchr(value, 'x') || strchr(value, 'X')) {
        return 0;
    }
    return (float)v;
}

int road_attrs_from_tags(const struct osm_tags *tags, struct road_attrs *out, const char **why) {
    const char *hw = osm_tag(tags, "highway");
    if (!hw) {
        *why = "no highway tag";
        return 0;
    }
    if (dorf_highway_from_osm(hw, &out->highway) != DORF_OK) {
        *why = "not a routable highway class";
        return 0;
    }
    if (osm_tag_is_yes(tags, "area")) {
        *why = "area";
        return 0;
    }
    uint8_t access = default_access[out->highway];
    const char *tracktype = osm_tag(tags, "tracktype");
    if (out->highway == DORF_HW_TRACK && tracktype && strcmp(tracktype, "grade1") == 0) {
        access |= DORF_ACCESS_CAR; /* paved tracks are usually open to local traffic */
    }
    if ((out->highway == DORF_HW_TRUNK || out->highway == DORF_HW_TRUNK_LINK) &&
        osm_tag_is_yes(tags, "motorroad")) {
        access = DORF_ACCESS_CAR;
    }

    static const char *const walk_keys[] = {"access", "foot"};
    static const char *const bike_keys[] = {"access", "vehicle", "bicycle"};
    static const char *const car_keys[] = {"access", "vehicle", "motor_vehicle", "motorcar"};
    uint8_t allowed = 0;
    if (mode_allowed(tags, (access & DORF_ACCESS_WALK) != 0, walk_keys, 2)) {
        allowed |= DORF_ACCESS_WALK;
    }
    if (mode_allowed(tags, (access & DORF_ACCESS_BIKE) != 0, bike_keys, 3)) {
        allowed |= DORF_ACCESS_BIKE;
    }
    if (mode_allowed(tags, (access & DORF_ACCESS_CAR) != 0, car_keys, 4)) {
        allowed |= DORF_ACCESS_CAR;
    }
    if (allowed == 0) {
        *why = "no access for walking, cycling or driving";
        return 0;
    }

    /* Direction: 1 forward only, -1 backward only, 0 both ways (for vehicles). */
    int oneway = 0;
    const char *ow = osm_tag(tags, "oneway");
    const char *junction = osm_tag(tags, "junction");
    if (ow && (strcmp(ow, "yes") == 0 || strcmp(ow, "true") == 0 || strcmp(ow, "1") == 0)) {
        oneway = 1;
    } else if (ow && strcmp(ow, "-1") == 0) {
        oneway = -1;
    } else if (!ow || strcmp(ow, "no") != 0) {
        if ((junction &&
             (strcmp(junction, "roundabout") == 0 || strcmp(junction, "circular") == 0)) ||
            out->highway == DORF_HW_MOTORWAY) {
            oneway = 1;
        }
    }
    uint8_t vehicles_oneway = DORF_ACCESS_CAR | DORF_ACCESS_BIKE;
    const char *ow_bike = osm_tag(tags, "oneway:bicycle");
    const char *cycleway = osm_tag(tags, "cycleway");
    if ((ow_bike && strcmp(ow_bike, "no") == 0) ||
        (cycleway && strncmp(cycleway, "opposite", 8) == 0)) {
        vehicles_oneway = DORF_ACCESS_CAR;
    }
    out->access_forward = allowed;
    out->access_backward = allowed;
    if (oneway == 1) {
        out->access_backward = allowed & (uint8_t)~vehicles_oneway;
    } else if (oneway == -1) {
        out->access_forward = allowed & (uint8_t)~vehicles_oneway;
    }
    out->maxspeed_kmh = osm_parse_maxspeed(osm_tag(tags, "maxspeed"));
    return 1;
}
