/*
 * map_classes.c: which OSM areas and lines the base map draws, and as what.
 *
 * The classes are few and coarse on purpose: a village map shows woods, fields, meadows,
 * built-up land and water, not the hundred values OSM distinguishes. The tables map a tag
 * value to the class the tiles carry; the first table whose key the feature has decides.
 */
#include <string.h>

#include "import_internal.h"

struct class_rule {
    const char *value; /* the tag's value; NULL ends the table */
    const char *kind;  /* the class drawn */
};

static const struct class_rule natural_areas[] = {
    {"wood", "forest"},    {"scrub", "scrub"}, {"heath", "heath"}, {"grassland", "meadow"},
    {"bare_rock", "rock"}, {"scree", "rock"},  {"sand", "sand"},   {NULL, NULL},
};

static const struct class_rule landuse_areas[] = {
    {"forest", "forest"},
    {"farmland", "farmland"},
    {"meadow", "meadow"},
    {"grass", "grass"},
    {"village_green", "grass"},
    {"recreation_ground", "grass"},
    {"orchard", "orchard"},
    {"vineyard", "orchard"},
    {"allotments", "allotments"},
    {"residential", "residential"},
    {"farmyard", "farmyard"},
    {"industrial", "industrial"},
    {"commercial", "commercial"},
    {"retail", "commercial"},
    {"cemetery", "cemetery"},
    {"quarry", "quarry"},
    {"landfill", "quarry"},
    {"reservoir", "water"},
    {"basin", "water"},
    {"railway", "railway"},
    {NULL, NULL},
};

static const struct class_rule leisure_areas[] = {
    {"park", "park"},
    {"garden", "park"},
    {"playground", "park"},
    {"pitch", "sport"},
    {"sports_centre", "sport"},
    {"golf_course", "sport"},
    {"nature_reserve", NULL}, /* a boundary, not a surface */
    {NULL, NULL},
};

static const struct class_rule waterway_lines[] = {
    {"river", "river"}, {"stream", "stream"}, {"canal", "canal"},
    {"ditch", "ditch"}, {"drain", "ditch"},   {NULL, NULL},
};

static const struct class_rule railway_lines[] = {
    {"rail", "rail"}, {"light_rail", "rail"}, {"narrow_gauge", "narrow_gauge"},
    {"tram", "tram"}, {"preserved", "rail"},  {"disused", "disused"},
    {NULL, NULL},
};

/* The class `rules` give `value`; NULL when the value is not listed (or listed as none). */
static const char *lookup(const struct class_rule *rules, const char *value) {
    for (; value && rules->value; rules++) {
        if (strcmp(rules->value, value) == 0) {
            return rules->kind;
        }
    }
    return NULL;
}

int classify_map_area(const struct osm_tags *tags, dorf_map_layer *layer, const char **kind) {
    const char *k;
    /* Water first: a reservoir is landuse=reservoir and often natural=water as well. */
    const char *natural = osm_tag(tags, "natural");
    const char *waterway = osm_tag(tags, "waterway");
    if ((natural && (strcmp(natural, "water") == 0 || strcmp(natural, "wetland") == 0)) ||
        (waterway && strcmp(waterway, "riverbank") == 0) || osm_tag(tags, "water")) {
        *layer = DORF_MAP_WATER;
        *kind = natural && strcmp(natural, "wetland") == 0 ? "wetland" : "water";
        return 1;
    }
    if ((k = lookup(landuse_areas, osm_tag(tags, "landuse")))) {
        *layer = strcmp(k, "water") == 0 ? DORF_MAP_WATER : DORF_MAP_LANDCOVER;
        *kind = k;
        return 1;
    }
    if ((k = lookup(natural_areas, natural)) ||
        (k = lookup(leisure_areas, osm_tag(tags, "leisure")))) {
        *layer = DORF_MAP_LANDCOVER;
        *kind = k;
        return 1;
    }
    const char *amenity = osm_tag(tags, "amenity");
    if (amenity && strcmp(amenity, "grave_yard") == 0) {
        *layer = DORF_MAP_LANDCOVER;
        *kind = "cemetery";
        return 1;
    }
    return 0;
}

int classify_map_line(const struct osm_tags *tags, dorf_map_layer *layer, const char **kind) {
    const char *k;
    if ((k = lookup(waterway_lines, osm_tag(tags, "waterway")))) {
        *layer = DORF_MAP_WATERWAY;
        *kind = k;
        return 1;
    }
    if ((k = lookup(railway_lines, osm_tag(tags, "railway")))) {
        *layer = DORF_MAP_RAILWAY;
        *kind = k;
        return 1;
    }
    return 0;
}
