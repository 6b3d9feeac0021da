/*
 * dorf/features.h: the region's public layers as pages of features, for OGC API Features
 * (docs/api.md, "OGC API Features") and anything else that serves them to GIS programs.
 *
 * The public layers: the region's places (shops and services from OpenStreetMap), its road
 * segments, the DorfNews events that have a location and are not hidden, and the base map's
 * land cover, water areas, waterways and railways. Nothing
 * here reads households, buildings, accounts or any other personal data; an event carries
 * only what the public event list shows, without its author.
 *
 * A page is asked for with a dorf_feature_query: an optional box (CRS84 longitude/latitude in
 * degrees, min <= max, edges included), for events an optional time interval, and an offset
 * and a limit. Features come in a stable order (by their row id), so consecutive pages with
 * growing offsets list every matching feature exactly once as long as the data does not
 * change in between. Each page also tells how many features match in all; both are read from
 * one snapshot of the database. Places, road segments and base-map features are found through
 * their SpatiaLite spatial indexes (the R*Trees idx_place_geom, idx_road_edge_geom and
 * idx_map_feature_geom), then tested exactly: a place lies in the box, a line or area meets it.
 *
 * Strings and arrays of the results are allocated from an arena the caller passes and frees.
 * Times are seconds since the epoch (UTC). Both stores implement it (store_features.c); on
 * PostGIS a page is one statement, with the count of all matches taken in the same query.
 */
#ifndef DORF_FEATURES_H
#define DORF_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/context.h"
#include "dorf/region.h"
#include "dorf/store.h"

/* The most features one page may hold. */
#define DORF_FEATURES_MAX_LIMIT 10000

/* What a page holds. Zero-initialise, then set what applies. */
typedef struct dorf_feature_query {
    int has_bbox;       /* only features inside (places) or meeting (roads, events) the box */
    double bbox[4];     /* min lon, min lat, max lon, max lat; degrees, min <= max */
    int has_time;       /* events only: those whose time meets [time_from, time_until] */
    int64_t time_from;  /* INT64_MIN: open start */
    int64_t time_until; /* INT64_MAX: open end */
    int64_t offset;     /* features to skip, >= 0 */
    size_t limit;       /* 1 .. DORF_FEATURES_MAX_LIMIT */
} dorf_feature_query;

/* A place. Strings are NULL when OSM does not give them. */
typedef struct dorf_place_feature {
    char osm_type; /* 'n', 'w', 'r' */
    int64_t osm_id;
    const char *category;  /* dorf_category_name() */
    const char *osm_key;   /* the tag that classified it: "shop", "amenity" ... */
    const char *osm_value; /* its value: "bakery" ... */
    const char *name;
    const char *opening_hours;       /* the raw OSM value */
    const char *opening_hours_error; /* why it did not parse at import; NULL when it did */
    const char *phone;
    const char *website;
    const char *street;
    const char *housenumber;
    const char *postcode;
    const char *city;
    double lon_deg;
    double lat_deg;
} dorf_place_feature;

/* A road segment: the stretch of one OSM way between two junctions. */
typedef struct dorf_road_feature {
    int64_t id; /* row id of road_edge; changes on re-import */
    int64_t osm_way_id;
    const char *highway; /* one of the highway classes (dorf_highway_name()) */
    const char *name;    /* NULL when unnamed */
    const char *surface; /* NULL when not given */
    double length_m;
    double maxspeed_kmh;      /* 0: unknown */
    unsigned access_forward;  /* DORF_ACCESS_* bits, from the first point to the last */
    unsigned access_backward; /* and back */
    const dorf_point *points; /* the shape, first to last */
    size_t point_count;       /* >= 2 */
} dorf_road_feature;

/* A public event: located, not hidden, not a reply. */
typedef struct dorf_event_feature {
    int64_t id; /* the post's id */
    int official;
    const char *title;
    const char *body;
    int64_t starts_at;
    int has_ends;
    int64_t ends_at;
    int64_t created_at;
    double lon_deg;
    double lat_deg;
} dorf_event_feature;

/*
 * A feature of the base map (table map_feature): land cover, water areas, waterways or
 * railways, as the importer classified them (dorf_map_feature in dorf/region.h).
 */
typedef struct dorf_basemap_feature {
    char osm_type; /* 'w' or 'r' */
    int64_t osm_id;
    const char *kind; /* "forest", "meadow", "water", "stream" ... */
    const char *name; /* NULL when unnamed */
    /* The geometry as a GeoJSON geometry object (text), coordinates to 1e-7 degrees. */
    const char *geometry_json;
} dorf_basemap_feature;

typedef enum dorf_feature_layer {
    DORF_LAYER_PLACES = 0,
    DORF_LAYER_ROADS,
    DORF_LAYER_EVENTS,
    DORF_LAYER_LANDCOVER, /* the base map's layers, dorf_map_layer order */
    DORF_LAYER_WATER,
    DORF_LAYER_WATERWAYS,
    DORF_LAYER_RAILWAYS,
} dorf_feature_layer;

/* Where and when a layer's features lie. */
typedef struct dorf_feature_extent {
    int has_bbox; /* 0: the layer is empty */
    double bbox[4];
    int has_time;     /* events: 0 when there are none */
    int64_t time_min; /* the earliest start */
    int64_t time_max; /* the latest end (or start, for events without an end) */
} dorf_feature_extent;

/*
 * One page of places for `q` (`has_time` must be 0): *out (an array of *count places, from
 * `arena`) and *matched, the number of places that match `q` without offset and limit.
 * DORF_EINVAL for an unusable query (message says what), DORF_ENOMEM, DORF_EIO.
 */
dorf_status dorf_store_place_features(dorf_store *store, dorf_arena *arena,
                                      const dorf_feature_query *q, dorf_place_feature **out,
                                      size_t *count, int64_t *matched);

/* The place of OSM element `osm_type` ('n', 'w', 'r') `osm_id`. DORF_ENOTFOUND, DORF_EIO. */
dorf_status dorf_store_place_feature(dorf_store *store, dorf_arena *arena, char osm_type,
                                     int64_t osm_id, dorf_place_feature *out);

/* One page of road segments, as dorf_store_place_features(). */
dorf_status dorf_store_road_features(dorf_store *store, dorf_arena *arena,
                                     const dorf_feature_query *q, dorf_road_feature **out,
                                     size_t *count, int64_t *matched);

/* The road segment with row id `id`. DORF_ENOTFOUND, DORF_EPARSE (bad geometry), DORF_EIO. */
dorf_status dorf_store_road_feature(dorf_store *store, dorf_arena *arena, int64_t id,
                                    dorf_road_feature *out);

/*
 * One page of public events, as dorf_store_place_features(); with `has_time` only those whose
 * time (starts_at to ends_at, or the instant starts_at) meets [time_from, time_until].
 */
dorf_status dorf_store_event_features(dorf_store *store, dorf_arena *arena,
                                      const dorf_feature_query *q, dorf_event_feature **out,
                                      size_t *count, int64_t *matched);

/* The public event with post id `id`. DORF_ENOTFOUND (also when hidden or unlocated), DORF_EIO. */
dorf_status dorf_store_event_feature(dorf_store *store, dorf_arena *arena, int64_t id,
                                     dorf_event_feature *out);

/*
 * One page of the base map's features of `layer`, as dorf_store_place_features(); a feature
 * is in a box when its geometry meets it. DORF_EINVAL also for an unknown layer.
 */
dorf_status dorf_store_basemap_features(dorf_store *store, dorf_arena *arena, dorf_map_layer layer,
                                        const dorf_feature_query *q, dorf_basemap_feature **out,
                                        size_t *count, int64_t *matched);

/* The base map's feature of `layer` from OSM element `osm_type` `osm_id`. DORF_ENOTFOUND. */
dorf_status dorf_store_basemap_feature(dorf_store *store, dorf_arena *arena, dorf_map_layer layer,
                                       char osm_type, int64_t osm_id, dorf_basemap_feature *out);

/*
 * The extent of `layer`'s features. The box of places and roads comes from their spatial
 * index, whose single-precision bounds are rounded outwards, so it may be a few centimetres
 * larger than the data. DORF_EINVAL (unknown layer), DORF_EIO.
 */
dorf_status dorf_store_feature_extent(dorf_store *store, dorf_feature_layer layer,
                                      dorf_feature_extent *out);

#endif
