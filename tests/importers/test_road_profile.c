/*
 * test_road_profile.c: tests of importers/road_profile.c, what an OSM highway way allows.
 *
 * Each test builds a way's tags with osm_tags_add() and checks the modes road_attrs_from_tags()
 * grants per direction, or the reason it refuses the way. The expectations are the rules of the
 * file comment of road_profile.c: default access per class, access keys from the general to the
 * specific, oneway for vehicles only (cyclists exempt on contraflow), and the speed limit.
 */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "import_internal.h"

#define WALK DORF_ACCESS_WALK
#define BIKE DORF_ACCESS_BIKE
#define CAR DORF_ACCESS_CAR
#define ALL (DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR)

/* The outcome of reading one way: whether it is a road, its attributes or why it is not. */
struct way {
    int routable;
    struct road_attrs attrs;
    const char *why;
};

/*
 * Reads a way given as NULL-terminated key, value, key, value ... pairs. The attributes are
 * poisoned first so that a field the function forgets to fill shows up as a wrong value.
 */
static struct way read_way(const char *const *kv) {
    struct osm_tags tags = {0};
    struct way w;
    memset(&w, 0xA5, sizeof w);
    w.why = NULL;
    for (size_t i = 0; kv[i]; i += 2) {
        if (osm_tags_add(&tags, kv[i], kv[i + 1]) != 0) {
            CHECK(!"out of memory building tags");
        }
    }
    w.routable = road_attrs_from_tags(&tags, &w.attrs, &w.why);
    osm_tags_release(&tags);
    return w;
}

#define WAY(...) read_way((const char *const[]){__VA_ARGS__, NULL})

/* Checks that a way is a road with the given access masks in each direction. */
#define CHECK_ACCESS(w, forward, backward)                                                         \
    do {                                                                                           \
        CHECK_EQ_INT((w).routable, 1);                                                             \
        CHECK_EQ_INT((w).attrs.access_forward, (forward));                                         \
        CHECK_EQ_INT((w).attrs.access_backward, (backward));                                       \
    } while (0)

/* Checks that a way is refused, with a non-empty reason. */
#define CHECK_REFUSED(w)                                                                           \
    do {                                                                                           \
        CHECK_EQ_INT((w).routable, 0);                                                             \
        CHECK((w).why != NULL && (w).why[0] != '\0');                                              \
    } while (0)

/* ---- default access per class ---- */

static void test_each_highway_class_has_its_default_access(void) {
    static const struct {
        const char *highway;
        dorf_highway cls;
        int access;
    } cases[] = {
        {"motorway", DORF_HW_MOTORWAY, CAR},
        {"motorway_link", DORF_HW_MOTORWAY_LINK, CAR},
        {"trunk", DORF_HW_TRUNK, ALL},
        {"trunk_link", DORF_HW_TRUNK_LINK, ALL},
        {"primary", DORF_HW_PRIMARY, ALL},
        {"primary_link", DORF_HW_PRIMARY_LINK, ALL},
        {"secondary", DORF_HW_SECONDARY, ALL},
        {"secondary_link", DORF_HW_SECONDARY_LINK, ALL},
        {"tertiary", DORF_HW_TERTIARY, ALL},
        {"tertiary_link", DORF_HW_TERTIARY_LINK, ALL},
        {"unclassified", DORF_HW_UNCLASSIFIED, ALL},
        {"residential", DORF_HW_RESIDENTIAL, ALL},
        {"living_street", DORF_HW_LIVING_STREET, ALL},
        {"service", DORF_HW_SERVICE, ALL},
        {"track", DORF_HW_TRACK, WALK | BIKE},
        {"road", DORF_HW_ROAD, ALL},
        {"pedestrian", DORF_HW_PEDESTRIAN, WALK},
        {"footway", DORF_HW_FOOTWAY, WALK},
        {"path", DORF_HW_PATH, WALK | BIKE},
        {"cycleway", DORF_HW_CYCLEWAY, WALK | BIKE},
        {"bridleway", DORF_HW_BRIDLEWAY, WALK},
        {"steps", DORF_HW_STEPS, WALK},
    };
    CHECK_EQ_INT(sizeof cases / sizeof cases[0], DORF_HW_COUNT);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct way w = WAY("highway", cases[i].highway);
        if (cases[i].cls == DORF_HW_MOTORWAY) {
            CHECK_ACCESS(w, cases[i].access, 0); /* implied oneway, tested below */
        } else {
            CHECK_ACCESS(w, cases[i].access, cases[i].access);
        }
        CHECK_EQ_INT(w.attrs.highway, cases[i].cls);
        if (w.attrs.highway != cases[i].cls) {
            fprintf(stderr, "    highway=%s\n", cases[i].highway);
        }
    }
}

static void test_way_without_maxspeed_has_speed_zero(void) {
    struct way w = WAY("highway", "residential");
    CHECK_EQ_INT(w.routable, 1);
    CHECK(w.attrs.maxspeed_kmh == 0.0f);
}

static void test_way_takes_its_speed_limit_from_maxspeed(void) {
    struct way w = WAY("highway", "secondary", "maxspeed", "70");
    CHECK_EQ_INT(w.routable, 1);
    CHECK_NEAR(w.attrs.maxspeed_kmh, 70.0, 1e-4);
    w = WAY("highway", "residential", "maxspeed", "DE:urban");
    CHECK_NEAR(w.attrs.maxspeed_kmh, 50.0, 1e-4);
}

/* ---- access tags from the general to the specific ---- */

static void test_access_no_with_foot_yes_allows_only_walking(void) {
    struct way w = WAY("highway", "residential", "access", "no", "foot", "yes");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_access_no_with_vehicle_yes_allows_bikes_and_cars_but_not_walking(void) {
    struct way w = WAY("highway", "residential", "access", "no", "vehicle", "yes");
    CHECK_ACCESS(w, BIKE | CAR, BIKE | CAR);
}

static void test_vehicle_no_bars_bikes_and_cars_but_not_walking(void) {
    struct way w = WAY("highway", "unclassified", "vehicle", "no");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_bicycle_yes_overrides_vehicle_no_for_bikes_only(void) {
    struct way w = WAY("highway", "unclassified", "vehicle", "no", "bicycle", "yes");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
}

static void test_motor_vehicle_no_bars_cars_only(void) {
    struct way w = WAY("highway", "tertiary", "motor_vehicle", "no");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
}

static void test_motorcar_yes_overrides_motor_vehicle_no(void) {
    struct way w = WAY("highway", "tertiary", "motor_vehicle", "no", "motorcar", "yes");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_motor_vehicle_yes_overrides_vehicle_no_for_cars(void) {
    struct way w = WAY("highway", "tertiary", "vehicle", "no", "motor_vehicle", "yes");
    CHECK_ACCESS(w, WALK | CAR, WALK | CAR);
}

static void test_motorcar_no_overrides_access_yes(void) {
    struct way w = WAY("highway", "service", "access", "yes", "motorcar", "no");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
}

static void test_bicycle_no_bars_bikes_only(void) {
    struct way w = WAY("highway", "primary", "bicycle", "no");
    CHECK_ACCESS(w, WALK | CAR, WALK | CAR);
}

static void test_foot_no_bars_walking_only(void) {
    struct way w = WAY("highway", "primary", "foot", "no");
    CHECK_ACCESS(w, BIKE | CAR, BIKE | CAR);
}

static void test_specific_key_wins_whatever_order_the_tags_come_in(void) {
    /* The specific key listed before the general one must still win. */
    struct way w = WAY("highway", "residential", "motorcar", "yes", "foot", "yes", "access", "no");
    CHECK_ACCESS(w, WALK | CAR, WALK | CAR);
}

static void test_access_keys_grant_modes_the_class_lacks(void) {
    struct way w = WAY("highway", "footway", "bicycle", "yes");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
    w = WAY("highway", "pedestrian", "motor_vehicle", "destination");
    CHECK_ACCESS(w, WALK | CAR, WALK | CAR);
}

static void test_designated_and_destination_allow(void) {
    struct way w = WAY("highway", "path", "foot", "designated", "bicycle", "designated");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
    w = WAY("highway", "residential", "access", "destination");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_unknown_access_value_leaves_the_default(void) {
    struct way w = WAY("highway", "residential", "motor_vehicle", "unknown_value");
    CHECK_ACCESS(w, ALL, ALL);
    w = WAY("highway", "footway", "bicycle", "maybe");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_access_private_refuses_the_way_with_no_access_reason(void) {
    struct way w = WAY("highway", "service", "access", "private");
    CHECK_REFUSED(w);
    CHECK_CONTAINS(w.why, "no access");
}

static void test_access_no_refuses_the_way(void) {
    struct way w = WAY("highway", "residential", "access", "no");
    CHECK_REFUSED(w);
    CHECK_CONTAINS(w.why, "no access");
}

static void test_agricultural_and_forestry_bar_cars(void) {
    struct way w = WAY("highway", "track", "tracktype", "grade1", "motor_vehicle", "agricultural");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
    w = WAY("highway", "unclassified", "motor_vehicle", "agricultural;forestry");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
    w = WAY("highway", "service", "vehicle", "forestry");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_access_private_with_foot_yes_keeps_walking(void) {
    struct way w = WAY("highway", "service", "access", "private", "foot", "yes");
    CHECK_ACCESS(w, WALK, WALK);
}

/* ---- tracks and motorroads ---- */

static void test_track_is_closed_to_cars_by_default(void) {
    struct way w = WAY("highway", "track");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
    w = WAY("highway", "track", "tracktype", "grade2");
    CHECK_ACCESS(w, WALK | BIKE, WALK | BIKE);
}

static void test_track_with_tracktype_grade1_allows_cars(void) {
    struct way w = WAY("highway", "track", "tracktype", "grade1");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_track_with_motor_vehicle_yes_allows_cars(void) {
    struct way w = WAY("highway", "track", "motor_vehicle", "yes");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_motorroad_yes_on_trunk_allows_only_cars(void) {
    struct way w = WAY("highway", "trunk", "motorroad", "yes");
    CHECK_ACCESS(w, CAR, CAR);
    w = WAY("highway", "trunk_link", "motorroad", "yes");
    CHECK_ACCESS(w, CAR, CAR);
}

static void test_motorroad_no_on_trunk_keeps_all_modes(void) {
    struct way w = WAY("highway", "trunk", "motorroad", "no");
    CHECK_ACCESS(w, ALL, ALL);
}

/* ---- oneway ---- */

static void test_oneway_yes_allows_vehicles_only_forward(void) {
    struct way w = WAY("highway", "residential", "oneway", "yes");
    CHECK_ACCESS(w, ALL, WALK);
}

static void test_oneway_true_and_1_mean_yes(void) {
    struct way w = WAY("highway", "residential", "oneway", "true");
    CHECK_ACCESS(w, ALL, WALK);
    w = WAY("highway", "residential", "oneway", "1");
    CHECK_ACCESS(w, ALL, WALK);
}

static void test_oneway_minus_one_allows_vehicles_only_backward(void) {
    struct way w = WAY("highway", "residential", "oneway", "-1");
    CHECK_ACCESS(w, WALK, ALL);
}

static void test_oneway_no_allows_both_directions(void) {
    struct way w = WAY("highway", "residential", "oneway", "no");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_roundabout_is_oneway(void) {
    struct way w = WAY("highway", "tertiary", "junction", "roundabout");
    CHECK_ACCESS(w, ALL, WALK);
    w = WAY("highway", "tertiary", "junction", "circular");
    CHECK_ACCESS(w, ALL, WALK);
}

static void test_roundabout_with_oneway_no_is_two_way(void) {
    struct way w = WAY("highway", "tertiary", "junction", "roundabout", "oneway", "no");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_roundabout_with_oneway_minus_one_runs_backward(void) {
    struct way w = WAY("highway", "tertiary", "junction", "roundabout", "oneway", "-1");
    CHECK_ACCESS(w, WALK, ALL);
}

static void test_motorway_is_oneway_for_cars(void) {
    struct way w = WAY("highway", "motorway");
    CHECK_ACCESS(w, CAR, 0);
}

static void test_motorway_with_oneway_no_is_two_way(void) {
    struct way w = WAY("highway", "motorway", "oneway", "no");
    CHECK_ACCESS(w, CAR, CAR);
}

static void test_other_junctions_are_not_oneway(void) {
    struct way w = WAY("highway", "tertiary", "junction", "yes");
    CHECK_ACCESS(w, ALL, ALL);
}

static void test_oneway_bicycle_no_lets_bikes_ride_against_oneway(void) {
    struct way w = WAY("highway", "residential", "oneway", "yes", "oneway:bicycle", "no");
    CHECK_ACCESS(w, ALL, WALK | BIKE);
    w = WAY("highway", "residential", "oneway", "-1", "oneway:bicycle", "no");
    CHECK_ACCESS(w, WALK | BIKE, ALL);
}

static void test_cycleway_opposite_lets_bikes_ride_against_oneway(void) {
    struct way w = WAY("highway", "residential", "oneway", "yes", "cycleway", "opposite");
    CHECK_ACCESS(w, ALL, WALK | BIKE);
    w = WAY("highway", "residential", "oneway", "yes", "cycleway", "opposite_lane");
    CHECK_ACCESS(w, ALL, WALK | BIKE);
}

static void test_cycleway_lane_does_not_exempt_bikes_from_oneway(void) {
    struct way w = WAY("highway", "residential", "oneway", "yes", "cycleway", "lane");
    CHECK_ACCESS(w, ALL, WALK);
}

static void test_contraflow_exemption_is_for_bikes_not_cars(void) {
    struct way w = WAY("highway", "residential", "junction", "roundabout", "oneway:bicycle", "no");
    CHECK_ACCESS(w, ALL, WALK | BIKE);
}

static void test_walking_ignores_oneway_on_a_footway(void) {
    struct way w = WAY("highway", "footway", "oneway", "yes");
    CHECK_ACCESS(w, WALK, WALK);
    w = WAY("highway", "pedestrian", "oneway", "-1");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_oneway_and_access_combine(void) {
    /* A one-way bus lane open to bikes: bikes forward only, walkers both ways, no cars. */
    struct way w =
        WAY("highway", "service", "oneway", "yes", "motor_vehicle", "no", "bicycle", "yes");
    CHECK_ACCESS(w, WALK | BIKE, WALK);
}

/* ---- ways that are not roads ---- */

static void test_area_yes_is_refused_as_area(void) {
    struct way w = WAY("highway", "pedestrian", "area", "yes");
    CHECK_REFUSED(w);
    CHECK_STR(w.why, "area");
}

static void test_area_no_is_a_road(void) {
    struct way w = WAY("highway", "pedestrian", "area", "no");
    CHECK_ACCESS(w, WALK, WALK);
}

static void test_non_routable_classes_are_refused_with_a_reason(void) {
    static const char *const classes[] = {
        "proposed", "construction", "platform", "bus_stop",    "abandoned",
        "raceway",  "elevator",     "corridor", "Residential", ""};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        struct way w = WAY("highway", classes[i]);
        CHECK_REFUSED(w);
        if (w.routable) {
            fprintf(stderr, "    highway=%s was taken as a road\n", classes[i]);
        }
    }
}

static void test_non_routable_class_reason_differs_from_area_and_access(void) {
    struct way w = WAY("highway", "construction", "construction", "residential");
    CHECK_REFUSED(w);
    CHECK(w.why && strcmp(w.why, "area") != 0 && !strstr(w.why, "no access"));
}

static void test_way_without_highway_is_refused(void) {
    struct way w = WAY("railway", "rail");
    CHECK_REFUSED(w);
    struct osm_tags none = {0};
    struct road_attrs attrs;
    const char *why = NULL;
    CHECK_EQ_INT(road_attrs_from_tags(&none, &attrs, &why), 0);
    CHECK(why != NULL && why[0] != '\0');
}

/* ---- osm_parse_maxspeed ---- */

static void test_maxspeed_plain_number_is_kmh(void) {
    CHECK_NEAR(osm_parse_maxspeed("50"), 50.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("100"), 100.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("7.5"), 7.5, 1e-4);
}

static void test_maxspeed_with_kmh_unit(void) {
    CHECK_NEAR(osm_parse_maxspeed("50 km/h"), 50.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("60 kmh"), 60.0, 1e-4);
}

static void test_maxspeed_in_mph_is_converted(void) {
    CHECK_NEAR(osm_parse_maxspeed("30 mph"), 30 * 1.609344, 1e-3);
    CHECK_NEAR(osm_parse_maxspeed("20mph"), 20 * 1.609344, 1e-3);
}

static void test_maxspeed_zones_are_looked_up(void) {
    CHECK_NEAR(osm_parse_maxspeed("DE:urban"), 50.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("DE:rural"), 100.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("DE:zone30"), 30.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("DE:living_street"), 7.0, 1e-4);
    CHECK_NEAR(osm_parse_maxspeed("AT:rural"), 100.0, 1e-4);
}

static void test_maxspeed_walk_is_walking_pace(void) {
    CHECK_NEAR(osm_parse_maxspeed("walk"), 7.0, 1e-4);
}

static void test_maxspeed_not_understood_is_zero(void) {
    static const char *const values[] = {
        "none",       "signals", "variable", "fast", "",         "50 knots", "50;30",
        "DE:nowhere", "0",       "-30",      "1000", "de:urban", "mph",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        float v = osm_parse_maxspeed(values[i]);
        CHECK(v == 0.0f);
        if (v != 0.0f) {
            fprintf(stderr, "    maxspeed=\"%s\" gave %g\n", values[i], (double)v);
        }
    }
    CHECK(osm_parse_maxspeed(NULL) == 0.0f);
}

static void test_maxspeed_nan_and_infinity_are_zero(void) {
    /* strtod() reads these as numbers; they are not speed limits and must not reach routing. */
    static const char *const values[] = {"nan", "NaN", "inf", "infinity"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        float v = osm_parse_maxspeed(values[i]);
        CHECK(v == 0.0f);
        if (v != 0.0f) {
            fprintf(stderr, "    maxspeed=\"%s\" gave %g\n", values[i], (double)v);
        }
    }
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_each_highway_class_has_its_default_access);
    RUN(test_way_without_maxspeed_has_speed_zero);
    RUN(test_way_takes_its_speed_limit_from_maxspeed);
    RUN(test_access_no_with_foot_yes_allows_only_walking);
    RUN(test_access_no_with_vehicle_yes_allows_bikes_and_cars_but_not_walking);
    RUN(test_vehicle_no_bars_bikes_and_cars_but_not_walking);
    RUN(test_bicycle_yes_overrides_vehicle_no_for_bikes_only);
    RUN(test_motor_vehicle_no_bars_cars_only);
    RUN(test_motorcar_yes_overrides_motor_vehicle_no);
    RUN(test_motor_vehicle_yes_overrides_vehicle_no_for_cars);
    RUN(test_motorcar_no_overrides_access_yes);
    RUN(test_bicycle_no_bars_bikes_only);
    RUN(test_foot_no_bars_walking_only);
    RUN(test_specific_key_wins_whatever_order_the_tags_come_in);
    RUN(test_access_keys_grant_modes_the_class_lacks);
    RUN(test_designated_and_destination_allow);
    RUN(test_unknown_access_value_leaves_the_default);
    RUN(test_access_private_refuses_the_way_with_no_access_reason);
    RUN(test_access_no_refuses_the_way);
    RUN(test_agricultural_and_forestry_bar_cars);
    RUN(test_access_private_with_foot_yes_keeps_walking);
    RUN(test_track_is_closed_to_cars_by_default);
    RUN(test_track_with_tracktype_grade1_allows_cars);
    RUN(test_track_with_motor_vehicle_yes_allows_cars);
    RUN(test_motorroad_yes_on_trunk_allows_only_cars);
    RUN(test_motorroad_no_on_trunk_keeps_all_modes);
    RUN(test_oneway_yes_allows_vehicles_only_forward);
    RUN(test_oneway_true_and_1_mean_yes);
    RUN(test_oneway_minus_one_allows_vehicles_only_backward);
    RUN(test_oneway_no_allows_both_directions);
    RUN(test_roundabout_is_oneway);
    RUN(test_roundabout_with_oneway_no_is_two_way);
    RUN(test_roundabout_with_oneway_minus_one_runs_backward);
    RUN(test_motorway_is_oneway_for_cars);
    RUN(test_motorway_with_oneway_no_is_two_way);
    RUN(test_other_junctions_are_not_oneway);
    RUN(test_oneway_bicycle_no_lets_bikes_ride_against_oneway);
    RUN(test_cycleway_opposite_lets_bikes_ride_against_oneway);
    RUN(test_cycleway_lane_does_not_exempt_bikes_from_oneway);
    RUN(test_contraflow_exemption_is_for_bikes_not_cars);
    RUN(test_walking_ignores_oneway_on_a_footway);
    RUN(test_oneway_and_access_combine);
    RUN(test_area_yes_is_refused_as_area);
    RUN(test_area_no_is_a_road);
    RUN(test_non_routable_classes_are_refused_with_a_reason);
    RUN(test_non_routable_class_reason_differs_from_area_and_access);
    RUN(test_way_without_highway_is_refused);
    RUN(test_maxspeed_plain_number_is_kmh);
    RUN(test_maxspeed_with_kmh_unit);
    RUN(test_maxspeed_in_mph_is_converted);
    RUN(test_maxspeed_zones_are_looked_up);
    RUN(test_maxspeed_walk_is_walking_pace);
    RUN(test_maxspeed_not_understood_is_zero);
    RUN(test_maxspeed_nan_and_infinity_are_zero);
    return check_summary();
}
