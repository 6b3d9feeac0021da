/*
 * test_categories.c: tests of importers/categories.c, which category of place a feature is.
 *
 * The rules under test are those of the file comment: a table of (key, value) -> category tried
 * in order, first match wins (a supermarket with an ATM is a grocery); any other shop=* is
 * shop_other; a few amenities, offices and crafts are "other"; shop=no and shop=vacant are no
 * shop; bus stops mapped only as public_transport=platform with bus=yes are bus stops.
 */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "import_internal.h"

/* The outcome of classifying one feature. */
struct result {
    int is_place;
    dorf_category cat;
    const char *key;
    const char *value;
};

/* Classifies a feature given as NULL-terminated key, value, key, value ... pairs. */
static struct result classify(const char *const *kv) {
    struct osm_tags tags = {0};
    struct result r = {0, DORF_CAT_COUNT, NULL, NULL};
    for (size_t i = 0; kv[i]; i += 2) {
        if (osm_tags_add(&tags, kv[i], kv[i + 1]) != 0) {
            CHECK(!"out of memory building tags");
        }
    }
    r.is_place = classify_place(&tags, &r.cat, &r.key, &r.value);
    osm_tags_release(&tags);
    return r;
}

#define CLASSIFY(...) classify((const char *const[]){__VA_ARGS__, NULL})

/* Checks that a feature is a place of `category`, decided by the tag `k`=`v`. */
#define CHECK_PLACE(r, category, k, v)                                                             \
    do {                                                                                           \
        CHECK_EQ_INT((r).is_place, 1);                                                             \
        CHECK_STR(dorf_category_name((r).cat), dorf_category_name(category));                      \
        CHECK_STR((r).key, (k));                                                                   \
        CHECK_STR((r).value, (v));                                                                 \
    } while (0)

static void test_every_category_family_is_recognised(void) {
    static const struct {
        const char *key;
        const char *value;
        dorf_category cat;
    } cases[] = {
        {"shop", "supermarket", DORF_CAT_GROCERY},
        {"shop", "convenience", DORF_CAT_GROCERY},
        {"shop", "general", DORF_CAT_GROCERY},
        {"shop", "farm", DORF_CAT_GROCERY},
        {"shop", "greengrocer", DORF_CAT_GROCERY},
        {"shop", "bakery", DORF_CAT_BAKERY},
        {"shop", "pastry", DORF_CAT_BAKERY},
        {"shop", "butcher", DORF_CAT_BUTCHER},
        {"amenity", "pharmacy", DORF_CAT_PHARMACY},
        {"healthcare", "pharmacy", DORF_CAT_PHARMACY},
        {"amenity", "doctors", DORF_CAT_DOCTOR},
        {"healthcare", "doctor", DORF_CAT_DOCTOR},
        {"amenity", "dentist", DORF_CAT_DENTIST},
        {"healthcare", "dentist", DORF_CAT_DENTIST},
        {"amenity", "hospital", DORF_CAT_HOSPITAL},
        {"amenity", "post_office", DORF_CAT_POST},
        {"post_office", "post_partner", DORF_CAT_POST},
        {"amenity", "parcel_locker", DORF_CAT_POST},
        {"amenity", "post_box", DORF_CAT_POST_BOX},
        {"amenity", "bank", DORF_CAT_BANK},
        {"amenity", "atm", DORF_CAT_ATM},
        {"amenity", "school", DORF_CAT_SCHOOL},
        {"amenity", "kindergarten", DORF_CAT_KINDERGARTEN},
        {"amenity", "childcare", DORF_CAT_KINDERGARTEN},
        {"highway", "bus_stop", DORF_CAT_BUS_STOP},
        {"railway", "station", DORF_CAT_RAIL_STATION},
        {"railway", "halt", DORF_CAT_RAIL_STATION},
        {"amenity", "restaurant", DORF_CAT_RESTAURANT},
        {"amenity", "fast_food", DORF_CAT_RESTAURANT},
        {"amenity", "cafe", DORF_CAT_CAFE},
        {"amenity", "pub", DORF_CAT_PUB},
        {"amenity", "bar", DORF_CAT_PUB},
        {"amenity", "biergarten", DORF_CAT_PUB},
        {"amenity", "townhall", DORF_CAT_TOWN_HALL},
        {"amenity", "fuel", DORF_CAT_FUEL},
        {"amenity", "library", DORF_CAT_LIBRARY},
        {"amenity", "community_centre", DORF_CAT_COMMUNITY},
        {"amenity", "social_facility", DORF_CAT_COMMUNITY},
        {"amenity", "nursing_home", DORF_CAT_COMMUNITY},
        {"amenity", "place_of_worship", DORF_CAT_PLACE_OF_WORSHIP},
        {"amenity", "fire_station", DORF_CAT_FIRE_STATION},
        {"amenity", "police", DORF_CAT_POLICE},
        {"shop", "hardware", DORF_CAT_SHOP_OTHER},
        {"shop", "hairdresser", DORF_CAT_SHOP_OTHER},
        {"shop", "yes", DORF_CAT_SHOP_OTHER},
        {"amenity", "veterinary", DORF_CAT_OTHER},
        {"amenity", "car_repair", DORF_CAT_OTHER},
        {"amenity", "recycling", DORF_CAT_OTHER},
        {"healthcare", "physiotherapist", DORF_CAT_OTHER},
        {"craft", "carpenter", DORF_CAT_OTHER},
        {"office", "insurance", DORF_CAT_OTHER},
        {"tourism", "hotel", DORF_CAT_OTHER},
        {"tourism", "guest_house", DORF_CAT_OTHER},
    };
    int seen[DORF_CAT_COUNT] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct result r = CLASSIFY(cases[i].key, cases[i].value);
        CHECK_PLACE(r, cases[i].cat, cases[i].key, cases[i].value);
        if (!r.is_place || r.cat != cases[i].cat) {
            fprintf(stderr, "    %s=%s\n", cases[i].key, cases[i].value);
        }
        seen[cases[i].cat] = 1;
    }
    /* The table above must cover every category, so that a new one gets a case here. */
    for (int c = 0; c < DORF_CAT_COUNT; c++) {
        CHECK(seen[c]);
        if (!seen[c]) {
            fprintf(stderr, "    no case for category %s\n", dorf_category_name((dorf_category)c));
        }
    }
}

static void test_value_is_borrowed_from_the_tags(void) {
    const char *value = "bakery";
    struct osm_tags tags = {0};
    CHECK_EQ_INT(osm_tags_add(&tags, "name", "Beck"), 0);
    CHECK_EQ_INT(osm_tags_add(&tags, "shop", value), 0);
    dorf_category cat = DORF_CAT_COUNT;
    const char *key = NULL;
    const char *got = NULL;
    CHECK_EQ_INT(classify_place(&tags, &cat, &key, &got), 1);
    CHECK(got == value);
    CHECK_STR(key, "shop");
    osm_tags_release(&tags);
}

static void test_supermarket_with_atm_is_grocery(void) {
    struct result r = CLASSIFY("amenity", "atm", "shop", "supermarket");
    CHECK_PLACE(r, DORF_CAT_GROCERY, "shop", "supermarket");
}

static void test_fuel_station_with_shop_yes_is_fuel(void) {
    struct result r = CLASSIFY("shop", "yes", "amenity", "fuel");
    CHECK_PLACE(r, DORF_CAT_FUEL, "amenity", "fuel");
}

static void test_bank_with_atm_is_bank(void) {
    struct result r = CLASSIFY("atm", "yes", "amenity", "bank");
    CHECK_PLACE(r, DORF_CAT_BANK, "amenity", "bank");
}

static void test_bakery_with_cafe_is_bakery(void) {
    struct result r = CLASSIFY("amenity", "cafe", "shop", "bakery");
    CHECK_PLACE(r, DORF_CAT_BAKERY, "shop", "bakery");
}

static void test_named_amenity_beats_any_other_shop(void) {
    struct result r = CLASSIFY("shop", "chemist", "amenity", "pharmacy");
    CHECK_PLACE(r, DORF_CAT_PHARMACY, "amenity", "pharmacy");
    r = CLASSIFY("shop", "kiosk", "amenity", "post_office");
    CHECK_PLACE(r, DORF_CAT_POST, "amenity", "post_office");
}

static void test_any_other_shop_beats_other_amenities(void) {
    struct result r = CLASSIFY("amenity", "vending_machine", "shop", "florist");
    CHECK_PLACE(r, DORF_CAT_SHOP_OTHER, "shop", "florist");
}

static void test_shop_no_is_not_a_place(void) {
    struct result r = CLASSIFY("shop", "no", "name", "Alter Laden");
    CHECK_EQ_INT(r.is_place, 0);
}

static void test_shop_vacant_is_not_a_place(void) {
    struct result r = CLASSIFY("shop", "vacant");
    CHECK_EQ_INT(r.is_place, 0);
}

static void test_vacant_shop_with_atm_is_an_atm(void) {
    struct result r = CLASSIFY("shop", "vacant", "amenity", "atm");
    CHECK_PLACE(r, DORF_CAT_ATM, "amenity", "atm");
}

static void test_platform_with_bus_yes_is_a_bus_stop(void) {
    struct result r = CLASSIFY("public_transport", "platform", "bus", "yes");
    CHECK_PLACE(r, DORF_CAT_BUS_STOP, "public_transport", "platform");
}

static void test_highway_bus_stop_decides_before_platform(void) {
    struct result r = CLASSIFY("public_transport", "platform", "bus", "yes", "highway", "bus_stop");
    CHECK_PLACE(r, DORF_CAT_BUS_STOP, "highway", "bus_stop");
}

static void test_platform_without_bus_is_not_a_place(void) {
    struct result r = CLASSIFY("public_transport", "platform");
    CHECK_EQ_INT(r.is_place, 0);
    r = CLASSIFY("public_transport", "platform", "tram", "yes");
    CHECK_EQ_INT(r.is_place, 0);
    r = CLASSIFY("public_transport", "platform", "bus", "no");
    CHECK_EQ_INT(r.is_place, 0);
}

static void test_stop_position_with_bus_yes_is_not_a_place(void) {
    /* The stop position lies on the road; only the platform is where people wait. */
    struct result r = CLASSIFY("public_transport", "stop_position", "bus", "yes");
    CHECK_EQ_INT(r.is_place, 0);
}

static void test_unknown_tags_are_not_places(void) {
    static const char *const features[][2] = {
        {"amenity", "bench"},        {"amenity", "parking"}, {"leisure", "park"},
        {"tourism", "attraction"},   {"railway", "rail"},    {"highway", "residential"},
        {"building", "yes"},         {"name", "Dorfplatz"},  {"landuse", "retail"},
        {"amenity", "waste_basket"},
    };
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
        struct result r = CLASSIFY(features[i][0], features[i][1]);
        CHECK_EQ_INT(r.is_place, 0);
        if (r.is_place) {
            fprintf(stderr, "    %s=%s taken as a place\n", features[i][0], features[i][1]);
        }
    }
}

static void test_feature_without_tags_is_not_a_place(void) {
    struct osm_tags none = {0};
    dorf_category cat = DORF_CAT_COUNT;
    const char *key = NULL;
    const char *value = NULL;
    CHECK_EQ_INT(classify_place(&none, &cat, &key, &value), 0);
}

static void test_values_are_matched_exactly(void) {
    struct result r = CLASSIFY("amenity", "Pharmacy");
    CHECK_EQ_INT(r.is_place, 0);
    r = CLASSIFY("shop", "Supermarket");
    CHECK_PLACE(r, DORF_CAT_SHOP_OTHER, "shop", "Supermarket");
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_every_category_family_is_recognised);
    RUN(test_value_is_borrowed_from_the_tags);
    RUN(test_supermarket_with_atm_is_grocery);
    RUN(test_fuel_station_with_shop_yes_is_fuel);
    RUN(test_bank_with_atm_is_bank);
    RUN(test_bakery_with_cafe_is_bakery);
    RUN(test_named_amenity_beats_any_other_shop);
    RUN(test_any_other_shop_beats_other_amenities);
    RUN(test_shop_no_is_not_a_place);
    RUN(test_shop_vacant_is_not_a_place);
    RUN(test_vacant_shop_with_atm_is_an_atm);
    RUN(test_platform_with_bus_yes_is_a_bus_stop);
    RUN(test_highway_bus_stop_decides_before_platform);
    RUN(test_platform_without_bus_is_not_a_place);
    RUN(test_stop_position_with_bus_yes_is_not_a_place);
    RUN(test_unknown_tags_are_not_places);
    RUN(test_feature_without_tags_is_not_a_place);
    RUN(test_values_are_matched_exactly);
    return check_summary();
}
