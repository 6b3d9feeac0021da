/*
 * import_internal.h: the pieces of the OSM importer and how they fit together.
 *
 *   osm_source.c     find out what kind of file an extract is; unpack gzip to a temp file
 *   osm_reader.c     the elements of an extract: PBF through readosm (framing checked first)
 *   osm_xml.c        ... and OSM XML through dorf's own expat reader
 *   osm_tags.c       tag lists, and the "other_tags" strings of GDAL's OSM driver
 *   road_profile.c   which modes may use a way, in which direction, how fast (OSM tags)
 *   categories.c     which place category a set of tags belongs to
 *   osm_roads.c      element pass: nodes, highway ways, turn restrictions -> road graph
 *   osm_features.c   OGR pass: buildings, places, addresses
 *   households.c     households per building from flats, addresses or floor area
 *   osm_import.c     dorf_import_osm(): runs the passes and fills the report
 */
#ifndef DORF_IMPORT_INTERNAL_H
#define DORF_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/importers.h"

/* ---- osm_tags.c ---- */

/* A borrowed list of tags; keys and values point into someone else's memory. */
struct osm_tags {
    const char **keys;
    const char **values;
    size_t count;
    size_t cap;
};

/* The value of `key`, or NULL. */
const char *osm_tag(const struct osm_tags *tags, const char *key);

/* True when the value of `key` is one of "yes", "true", "1". */
int osm_tag_is_yes(const struct osm_tags *tags, const char *key);

/* Appends a tag (pointers are borrowed). -1 when out of memory. */
int osm_tags_add(struct osm_tags *tags, const char *key, const char *value);

/* Frees the list's arrays (not the strings). */
void osm_tags_release(struct osm_tags *tags);

/*
 * Parses GDAL's "other_tags" encoding, `"key"=>"value","key2"=>"value2"` with backslash
 * escapes, appending copies (in `arena`) of every pair to `tags`. DORF_EPARSE with the
 * position when the text does not follow that form.
 */
dorf_status osm_parse_other_tags(dorf_ctx *ctx, dorf_arena *arena, const char *text,
                                 struct osm_tags *tags);

/* ---- road_profile.c ---- */

/* What a highway way means for routing. */
struct road_attrs {
    dorf_highway highway;
    uint8_t access_forward; /* DORF_ACCESS_* */
    uint8_t access_backward;
    float maxspeed_kmh; /* 0 when not given or not understood */
};

/*
 * Reads a way's tags. Returns 1 and fills *out when the way is a road some mode may use;
 * returns 0 and points *why at a short reason ("not a routable highway class", "area",
 * "no access for walking, cycling or driving") when it is not.
 */
int road_attrs_from_tags(const struct osm_tags *tags, struct road_attrs *out, const char **why);

/* Parses an OSM maxspeed value into km/h; 0 when not understood. */
float osm_parse_maxspeed(const char *value);

/* ---- categories.c ---- */

/*
 * Classifies a feature as a place. Returns 1 and fills *cat, *key and *value (the tag that
 * decided, borrowed from `tags`) when it is one; 0 when the feature is no shop or service.
 */
int classify_place(const struct osm_tags *tags, dorf_category *cat, const char **key,
                   const char **value);

/* ---- map_classes.c ---- */

/*
 * Classifies an area (closed way or multipolygon) for the base map: 1 and *layer (landcover
 * or water) and *kind (a static class name) when it is drawn, 0 when not.
 */
int classify_map_area(const struct osm_tags *tags, dorf_map_layer *layer, const char **kind);

/* The same for a line: waterways and railways. */
int classify_map_line(const struct osm_tags *tags, dorf_map_layer *layer, const char **kind);

/* ---- households.c ---- */

/* What the household estimate knows about one building. */
struct building_facts {
    const char *kind; /* building=* */
    double area_m2;
    int levels;              /* building:levels, 0 when not given */
    int flats;               /* building:flats, -1 when not given */
    int addresses;           /* distinct addresses on or inside the building */
    int in_residential_area; /* its location lies in a landuse=residential area */
};

/* Estimated households of a building, and how they were estimated. */
int estimate_households(const struct building_facts *b, dorf_household_source *source);

/* What the features pass learns about a building beyond dorf_building. */
struct building_extra {
    int flats; /* building:flats, -1 when not given */
};

/* What the features pass hands to the household estimate, beyond the region itself. */
struct feature_extras {
    struct building_extra *buildings; /* parallel to region->buildings */
    size_t buildings_cap;
    dorf_arena *arena;                     /* owns the WKB below */
    const unsigned char **residential_wkb; /* landuse=residential areas, WKB in EPSG:4326 */
    size_t *residential_size;
    size_t residential_count, residential_cap;
};

/* Frees what a feature_extras holds (not the struct itself). */
void feature_extras_release(struct feature_extras *x);

/*
 * Assigns address points to the buildings that contain them (GEOS), counts distinct
 * addresses per building, estimates households per building (writing them into the
 * buildings) and adds one household record per estimated household.
 */
dorf_status build_households(dorf_ctx *ctx, dorf_region *region, const struct feature_extras *extra,
                             dorf_import_report *report);

/* ---- osm_reader.c, osm_xml.c ---- */

/* OSM elements as the passes see them; everything is borrowed for the callback's duration. */
struct osm_node_elem {
    int64_t id;
    double lon_deg;
    double lat_deg;
    const struct osm_tags *tags;
};

struct osm_way_elem {
    int64_t id;
    const int64_t *refs;
    size_t ref_count;
    const struct osm_tags *tags;
};

struct osm_member {
    char type; /* 'n', 'w', 'r' */
    int64_t id;
    const char *role; /* "" when not given */
};

struct osm_relation_elem {
    int64_t id;
    const struct osm_member *members;
    size_t member_count;
    const struct osm_tags *tags;
};

/*
 * Receives the elements of an extract in file order. A callback returns DORF_OK to go on;
 * any other status stops the reading, and osm_read returns it (the callback records the
 * message). NULL callbacks skip that kind of element.
 */
struct osm_handler {
    void *user;
    dorf_status (*node)(void *user, const struct osm_node_elem *node);
    dorf_status (*way)(void *user, const struct osm_way_elem *way);
    dorf_status (*relation)(void *user, const struct osm_relation_elem *relation);
};

struct osm_source;

/*
 * Reads every element of the extract. PBF goes through readosm; OSM XML through dorf's own
 * expat reader (osm_xml.c), which checks every attribute it uses, because readosm's XML
 * reader crashes on elements that lack one. DORF_EPARSE names the line and what is wrong.
 */
dorf_status osm_read(dorf_ctx *ctx, const struct osm_source *src, const struct osm_handler *h);

/* The expat-based OSM XML reader behind osm_read. */
dorf_status osm_read_xml(dorf_ctx *ctx, const char *path, const struct osm_handler *h);

/* ---- outer_tags.c ---- */

/* Tags of old-style multipolygons (type=multipolygon with the area's tags on the outer way). */
struct outer_tags;

dorf_status outer_tags_new(dorf_ctx *ctx, struct outer_tags **out);
void outer_tags_free(struct outer_tags *o);

/* Called for every way and relation of the element pass; remember what old-style needs. */
dorf_status outer_tags_way(struct outer_tags *o, dorf_ctx *ctx, const struct osm_way_elem *way);
dorf_status outer_tags_relation(struct outer_tags *o, dorf_ctx *ctx,
                                const struct osm_relation_elem *rel);

/* After the element pass: the tags of the outer way of old-style relation `relation_id`, or
 * NULL when it is not one. */
const struct osm_tags *outer_tags_for(struct outer_tags *o, int64_t relation_id);

/* ---- osm_source.c ---- */

enum osm_format { OSM_XML, OSM_PBF };

/* An extract made ready for readosm and OGR (both want an uncompressed file named by type). */
struct osm_source {
    char *path;     /* the file to read */
    char *temp_dir; /* a directory we made, removed by osm_source_close; NULL if none */
    enum osm_format format;
};

/* Inspects `path` (by content, not by name) and unpacks gzip. */
dorf_status osm_source_open(dorf_ctx *ctx, const char *path, const char *temp_dir,
                            struct osm_source *out);
void osm_source_close(struct osm_source *src);

/* ---- projection ---- */

/* EPSG code of the metric CRS for a region centred at lon/lat: ETRS89/UTM in Europe. */
int metric_crs_for(double lon_deg, double lat_deg);

/* ---- osm_roads.c / osm_features.c ---- */

dorf_status import_roads(dorf_ctx *ctx, const struct osm_source *src, dorf_region *region,
                         dorf_import_report *report, struct outer_tags *outer);

/*
 * Reads buildings, places and addresses through OGR, in the region's metric CRS for areas.
 * Fills *extra (zeroed by the caller, released with feature_extras_release even on failure).
 */
dorf_status import_features(dorf_ctx *ctx, const struct osm_source *src, dorf_region *region,
                            dorf_import_report *report, struct outer_tags *outer,
                            struct feature_extras *extra);

#endif
