/*
 * categories.c: which category of place (dorf/region.h) an OSM feature is.
 *
 * The rules are a table of (key, value) -> category, tried in order; the first match wins,
 * so a supermarket that also has an ATM is a grocery. Any other shop=* is "shop_other", and
 * a handful of amenities and offices worth keeping are "other". The table is documented in
 * docs/import.md; keep the two in step.
 */
#include <string.h>

#include "import_internal.h"

struct rule {
    const char *key;
    const char *value; /* NULL: any value */
    dorf_category cat;
};

static const struct rule rules[] = {
    {"shop", "supermarket", DORF_CAT_GROCERY},
    {"shop", "convenience", DORF_CAT_GROCERY},
    {"shop", "general", DORF_CAT_GROCERY},
    {"shop", "greengrocer", DORF_CAT_GROCERY},
    {"shop", "farm", DORF_CAT_GROCERY},
    {"shop", "grocery", DORF_CAT_GROCERY},
    {"shop", "food", DORF_CAT_GROCERY},
    {"shop", "deli", DORF_CAT_GROCERY},
    {"shop", "health_food", DORF_CAT_GROCERY},
    {"shop", "bakery", DORF_CAT_BAKERY},
    {"shop", "pastry", DORF_CAT_BAKERY},
    {"shop", "butcher", DORF_CAT_BUTCHER},
    {"amenity", "pharmacy", DORF_CAT_PHARMACY},
    {"healthcare", "pharmacy", DORF_CAT_PHARMACY},
    {"amenity", "doctors", DORF_CAT_DOCTOR},
    {"amenity", "clinic", DORF_CAT_DOCTOR},
    {"healthcare", "doctor", DORF_CAT_DOCTOR},
    {"healthcare", "centre", DORF_CAT_DOCTOR},
    {"amenity", "dentist", DORF_CAT_DENTIST},
    {"healthcare", "dentist", DORF_CAT_DENTIST},
    {"amenity", "hospital", DORF_CAT_HOSPITAL},
    {"healthcare", "hospital", DORF_CAT_HOSPITAL},
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
    {"amenity", "ice_cream", DORF_CAT_CAFE},
    {"amenity", "pub", DORF_CAT_PUB},
    {"amenity", "bar", DORF_CAT_PUB},
    {"amenity", "biergarten", DORF_CAT_PUB},
    {"amenity", "townhall", DORF_CAT_TOWN_HALL},
    {"amenity", "fuel", DORF_CAT_FUEL},
    {"amenity", "library", DORF_CAT_LIBRARY},
    {"amenity", "community_centre", DORF_CAT_COMMUNITY},
    {"amenity", "social_facility", DORF_CAT_COMMUNITY},
    {"amenity", "place_of_worship", DORF_CAT_PLACE_OF_WORSHIP},
    {"amenity", "fire_station", DORF_CAT_FIRE_STATION},
    {"amenity", "police", DORF_CAT_POLICE},
    {"shop", NULL, DORF_CAT_SHOP_OTHER},
    {"amenity", "car_repair", DORF_CAT_OTHER},
    {"amenity", "veterinary", DORF_CAT_OTHER},
    {"amenity", "marketplace", DORF_CAT_OTHER},
    {"amenity", "recycling", DORF_CAT_OTHER},
    {"amenity", "charging_station", DORF_CAT_OTHER},
    {"amenity", "car_sharing", DORF_CAT_OTHER},
    {"amenity", "bicycle_rental", DORF_CAT_OTHER},
    {"amenity", "vending_machine", DORF_CAT_OTHER},
    {"amenity", "public_bookcase", DORF_CAT_OTHER},
    {"amenity", "nursing_home", DORF_CAT_COMMUNITY},
    {"healthcare", NULL, DORF_CAT_OTHER},
    {"craft", NULL, DORF_CAT_OTHER},
    {"office", NULL, DORF_CAT_OTHER},
    {"tourism", "hotel", DORF_CAT_OTHER},
    {"tourism", "guest_house", DORF_CAT_OTHER},
};

int classify_place(const struct osm_tags *tags, dorf_category *cat, const char **key,
                   const char **value) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const char *v = osm_tag(tags, rules[i].key);
        if (!v || strcmp(v, "no") == 0 || strcmp(v, "vacant") == 0) {
            continue;
        }
        if (rules[i].value && strcmp(v, rules[i].value) != 0) {
            continue;
        }
        *cat = rules[i].cat;
        *key = rules[i].key;
        *value = v;
        return 1;
    }
    /* Stops mapped as public_transport=platform with bus=yes, no highway=bus_stop. */
    const char *pt = osm_tag(tags, "public_transport");
    if (pt && strcmp(pt, "platform") == 0 && osm_tag_is_yes(tags, "bus")) {
        *cat = DORF_CAT_BUS_STOP;
        *key = "public_transport";
        *value = pt;
        return 1;
    }
    return 0;
}
