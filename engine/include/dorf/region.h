/*
 * dorf/region.h: the region model: roads, buildings, households, addresses and places.
 *
 * A dorf_region is the in-memory form of one imported region, as the importer builds it and
 * the store saves and loads it. It is a set of plain arrays with 32-bit indices between them
 * (an edge names its nodes by index into `nodes`), so that layers above can turn it into
 * their own compact structures without chasing pointers. Strings point into the region's
 * arena and live as long as the region.
 *
 * Coordinates are WGS84 longitude/latitude in degrees (EPSG:4326). Metric quantities (lengths,
 * areas) were computed in the region's metric CRS (`crs_epsg`, the UTM zone of the region).
 */
#ifndef DORF_REGION_H
#define DORF_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/context.h"

/* Travel modes. */
typedef enum dorf_mode {
    DORF_MODE_WALK = 0,
    DORF_MODE_BIKE,
    DORF_MODE_CAR,
    DORF_MODE_COUNT
} dorf_mode;

/* Bit masks of modes, as stored in dorf_road_edge.access_forward/backward. */
enum {
    DORF_ACCESS_WALK = 1u << DORF_MODE_WALK,
    DORF_ACCESS_BIKE = 1u << DORF_MODE_BIKE,
    DORF_ACCESS_CAR = 1u << DORF_MODE_CAR,
};

/* "walk", "bike", "car". */
const char *dorf_mode_name(dorf_mode mode);

/* OSM highway classes that dorf distinguishes; everything routable maps to one of them. */
typedef enum dorf_highway {
    DORF_HW_MOTORWAY = 0,
    DORF_HW_MOTORWAY_LINK,
    DORF_HW_TRUNK,
    DORF_HW_TRUNK_LINK,
    DORF_HW_PRIMARY,
    DORF_HW_PRIMARY_LINK,
    DORF_HW_SECONDARY,
    DORF_HW_SECONDARY_LINK,
    DORF_HW_TERTIARY,
    DORF_HW_TERTIARY_LINK,
    DORF_HW_UNCLASSIFIED,
    DORF_HW_RESIDENTIAL,
    DORF_HW_LIVING_STREET,
    DORF_HW_SERVICE,
    DORF_HW_TRACK,
    DORF_HW_ROAD,
    DORF_HW_PEDESTRIAN,
    DORF_HW_FOOTWAY,
    DORF_HW_PATH,
    DORF_HW_CYCLEWAY,
    DORF_HW_BRIDLEWAY,
    DORF_HW_STEPS,
    DORF_HW_COUNT
} dorf_highway;

/* The OSM value of a class ("residential"). */
const char *dorf_highway_name(dorf_highway hw);

/* The class of an OSM highway value; DORF_EINVAL (no message) if it is not routable. */
dorf_status dorf_highway_from_osm(const char *value, dorf_highway *out);

/* Categories of places (shops and services), in the words planners use. */
typedef enum dorf_category {
    DORF_CAT_GROCERY = 0, /* supermarket, convenience, general store, farm shop */
    DORF_CAT_BAKERY,
    DORF_CAT_BUTCHER,
    DORF_CAT_PHARMACY,
    DORF_CAT_DOCTOR,
    DORF_CAT_DENTIST,
    DORF_CAT_HOSPITAL,
    DORF_CAT_POST, /* post office or parcel counter */
    DORF_CAT_POST_BOX,
    DORF_CAT_BANK,
    DORF_CAT_ATM,
    DORF_CAT_SCHOOL,
    DORF_CAT_KINDERGARTEN,
    DORF_CAT_BUS_STOP,
    DORF_CAT_RAIL_STATION,
    DORF_CAT_RESTAURANT, /* restaurant, fast food */
    DORF_CAT_CAFE,
    DORF_CAT_PUB, /* pub, bar, biergarten */
    DORF_CAT_TOWN_HALL,
    DORF_CAT_FUEL,
    DORF_CAT_LIBRARY,
    DORF_CAT_COMMUNITY, /* community centre, social facility */
    DORF_CAT_PLACE_OF_WORSHIP,
    DORF_CAT_FIRE_STATION,
    DORF_CAT_POLICE,
    DORF_CAT_SHOP_OTHER, /* any other shop=* */
    DORF_CAT_OTHER,      /* any other amenity or service worth keeping */
    DORF_CAT_COUNT
} dorf_category;

/* The category's name as used in the CLI, JSON and SQL ("grocery", "bus_stop"). */
const char *dorf_category_name(dorf_category cat);

/* The category named `name`; DORF_EINVAL (no message) if there is none. */
dorf_status dorf_category_from_name(const char *name, dorf_category *out);

/* A junction or end point of the road graph. */
typedef struct dorf_road_node {
    int64_t osm_id;
    double lon_deg;
    double lat_deg;
} dorf_road_node;

/*
 * A road segment between two graph nodes, as one OSM way split at the nodes it shares with
 * other roads. Each segment yields a directed edge per direction that a mode may travel:
 * access_forward (from -> to) and access_backward (to -> from) are DORF_ACCESS_* masks.
 * Its shape is points[point_first .. point_first + point_count) of the region, from `from`
 * to `to` inclusive.
 */
typedef struct dorf_road_edge {
    uint32_t from;        /* index into nodes */
    uint32_t to;          /* index into nodes */
    uint32_t point_first; /* index into points */
    uint32_t point_count; /* >= 2 */
    int64_t osm_way_id;
    double length_m;
    float maxspeed_kmh; /* 0 when OSM does not say */
    dorf_highway highway;
    uint8_t access_forward;
    uint8_t access_backward;
    const char *name;    /* NULL when unnamed */
    const char *surface; /* OSM surface=*, NULL when not given */
} dorf_road_edge;

/* A turn restriction (OSM type=restriction) over a via node. */
typedef struct dorf_turn_restriction {
    int64_t osm_relation_id;
    int64_t from_way_id;
    uint32_t via_node; /* index into nodes */
    int64_t to_way_id;
    int only;         /* 1: "only_*" (mandatory turn), 0: "no_*" (forbidden turn) */
    uint8_t modes;    /* DORF_ACCESS_* it applies to (except= removes modes) */
    const char *kind; /* OSM value, e.g. "no_left_turn" */
} dorf_turn_restriction;

typedef struct dorf_point {
    double lon_deg;
    double lat_deg;
} dorf_point;

/* How a building's household count was estimated (see docs/import.md). */
typedef enum dorf_household_source {
    DORF_HH_NONE = 0,        /* not residential */
    DORF_HH_FLATS,           /* building:flats */
    DORF_HH_ADDRESSES,       /* number of addresses in or on the building */
    DORF_HH_FLOOR_AREA,      /* floor area / area per dwelling */
    DORF_HH_DEFAULT,         /* a house: one household */
    DORF_HH_RESIDENTIAL_AREA /* a house-sized building of unknown use in a residential area */
} dorf_household_source;

const char *dorf_household_source_name(dorf_household_source src);

typedef struct dorf_building {
    int64_t osm_id; /* way id, or relation id for multipolygons */
    int osm_is_relation;
    const char *kind; /* OSM building=* value */
    double lon_deg;   /* a point inside the footprint (centroid or point on surface) */
    double lat_deg;
    double area_m2; /* footprint area */
    int levels;     /* building:levels, 0 when not given */
    int households; /* estimated, 0 when not residential */
    dorf_household_source household_source;
    const unsigned char *wkb; /* footprint, WKB (multi)polygon in EPSG:4326 */
    size_t wkb_size;
} dorf_building;

typedef struct dorf_household {
    uint32_t building; /* index into buildings */
    double persons;    /* estimated persons */
} dorf_household;

typedef struct dorf_address {
    int64_t osm_id;
    const char *street;
    const char *housenumber;
    const char *postcode;
    const char *city;
    double lon_deg;
    double lat_deg;
    int32_t building; /* index into buildings, -1 when not inside one */
} dorf_address;

typedef struct dorf_place {
    int64_t osm_id;
    char osm_type; /* 'n' node, 'w' way, 'r' relation */
    dorf_category category;
    const char *osm_key;   /* the tag that classified it, e.g. "shop" */
    const char *osm_value; /* e.g. "bakery" */
    const char *shop;      /* shop=* value when the place is (also) a shop, else NULL */
    const char *name;
    double lon_deg;
    double lat_deg;
    const char *opening_hours;       /* raw OSM value, NULL when not given */
    const char *opening_hours_error; /* why it could not be parsed, NULL when it parsed */
    const char *phone;
    const char *website;
    const char *street;
    const char *housenumber;
    const char *postcode;
    const char *city;
} dorf_place;

/*
 * Something the importer skipped or could only partly use, kept so that `dorf info` and the
 * import report can say what and why: kind "opening_hours" (value not understood), "way"
 * (references nodes missing from the extract), "restriction" (incomplete relation) ...
 */
/*
 * What the base map draws beside roads, buildings and places; not used for routing. The
 * layers are those of the vector tiles (docs/api.md).
 */
typedef enum dorf_map_layer {
    DORF_MAP_LANDCOVER = 0, /* land use, vegetation, parks: polygons */
    DORF_MAP_WATER,         /* lakes, ponds, river areas: polygons */
    DORF_MAP_WATERWAY,      /* rivers, streams, canals, ditches: lines */
    DORF_MAP_RAILWAY,       /* railway lines */
    DORF_MAP_LAYER_COUNT
} dorf_map_layer;

/* "landcover", "water", "waterway", "railway". */
const char *dorf_map_layer_name(dorf_map_layer layer);

/* DORF_EINVAL (without a message) for an unknown name. */
dorf_status dorf_map_layer_from_name(const char *name, dorf_map_layer *out);

typedef struct dorf_map_feature {
    int64_t osm_id;
    char osm_type; /* 'w' way or 'r' relation */
    dorf_map_layer layer;
    /*
     * The class drawn, one short lower-case word: for landcover e.g. "forest", "farmland",
     * "meadow", "grass", "orchard", "residential", "industrial", "cemetery", "park"; "water"
     * or "wetland" for water; the OSM waterway=* or railway=* value for lines.
     */
    const char *kind;
    const char *name;         /* NULL when unnamed */
    const unsigned char *wkb; /* EPSG:4326; (multi)polygon, or (multi)linestring for lines */
    size_t wkb_size;
} dorf_map_feature;

/*
 * A named settlement (OSM place=city, town, village, hamlet, isolated_dwelling, suburb,
 * quarter, neighbourhood): what coverage figures are reported per. Households belong to the
 * nearest one (scenarios).
 */
typedef struct dorf_settlement {
    int64_t osm_id;
    char osm_type;    /* 'n', 'w' or 'r' */
    const char *kind; /* the OSM place=* value */
    const char *name; /* never NULL: unnamed places are not kept */
    double lon_deg;
    double lat_deg;
    int64_t population; /* OSM population=*, -1 when not given */
} dorf_settlement;

typedef struct dorf_import_issue {
    const char *kind;
    char osm_type; /* 'n', 'w', 'r' */
    int64_t osm_id;
    const char *detail;
} dorf_import_issue;

/* Facts about the region as a whole. */
typedef struct dorf_region_meta {
    const char *source;      /* path of the extract it was imported from */
    const char *imported_at; /* ISO 8601 UTC */
    int crs_epsg;            /* metric CRS, e.g. 25832 */
    double min_lon_deg, min_lat_deg, max_lon_deg, max_lat_deg;
    double persons_per_household;
} dorf_region_meta;

/* A region: the arrays and their counts. Build one with dorf_region_new and the add functions. */
typedef struct dorf_region {
    dorf_arena *arena; /* owns every string and WKB blob */
    dorf_region_meta meta;
    dorf_road_node *nodes;
    size_t node_count, node_cap;
    dorf_road_edge *edges;
    size_t edge_count, edge_cap;
    dorf_point *points;
    size_t point_count, point_cap;
    dorf_turn_restriction *restrictions;
    size_t restriction_count, restriction_cap;
    dorf_building *buildings;
    size_t building_count, building_cap;
    dorf_household *households;
    size_t household_count, household_cap;
    dorf_address *addresses;
    size_t address_count, address_cap;
    dorf_place *places;
    size_t place_count, place_cap;
    dorf_map_feature *map_features;
    size_t map_feature_count, map_feature_cap;
    dorf_settlement *settlements;
    size_t settlement_count, settlement_cap;
    dorf_import_issue *issues;
    size_t issue_count, issue_cap;
} dorf_region;

/* A new empty region; *out is freed with dorf_region_free. DORF_ENOMEM on failure. */
dorf_status dorf_region_new(dorf_ctx *ctx, dorf_region **out);

/* Frees a region and all it owns. Accepts NULL. */
void dorf_region_free(dorf_region *region);

/*
 * Append a copy of the struct to the region's array and (optionally) write its index to
 * *index. Strings and blobs in the struct must already belong to region->arena. DORF_ENOMEM
 * when the array cannot grow.
 */
dorf_status dorf_region_add_node(dorf_ctx *ctx, dorf_region *r, const dorf_road_node *n,
                                 uint32_t *index);
dorf_status dorf_region_add_point(dorf_ctx *ctx, dorf_region *r, dorf_point p, uint32_t *index);
dorf_status dorf_region_add_edge(dorf_ctx *ctx, dorf_region *r, const dorf_road_edge *e);
dorf_status dorf_region_add_restriction(dorf_ctx *ctx, dorf_region *r,
                                        const dorf_turn_restriction *t);
dorf_status dorf_region_add_building(dorf_ctx *ctx, dorf_region *r, const dorf_building *b,
                                     uint32_t *index);
dorf_status dorf_region_add_household(dorf_ctx *ctx, dorf_region *r, const dorf_household *h);
dorf_status dorf_region_add_address(dorf_ctx *ctx, dorf_region *r, const dorf_address *a);
dorf_status dorf_region_add_place(dorf_ctx *ctx, dorf_region *r, const dorf_place *p);
dorf_status dorf_region_add_map_feature(dorf_ctx *ctx, dorf_region *r, const dorf_map_feature *f);
dorf_status dorf_region_add_settlement(dorf_ctx *ctx, dorf_region *r, const dorf_settlement *s);
dorf_status dorf_region_add_issue(dorf_ctx *ctx, dorf_region *r, const dorf_import_issue *i);

/* Sum of estimated persons over all households. */
double dorf_region_persons(const dorf_region *r);

#endif
