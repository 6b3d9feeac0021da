/*
 * tile_style.h: the JSON documents that describe dorf's vector tiles to map clients: TileJSON
 * 3.0.0 for each tile source and a MapLibre style (style specification version 8) that draws
 * the base map and the live layers.
 *
 * URLs in them are absolute, made from `origin` ("http://127.0.0.1:8080"), which the caller
 * builds from the request with api_origin_of_host() (json_util.h). The style uses no glyphs and no
 * sprite (none are served, and there is no outside server to fetch them from), so it has no
 * symbol layers: names are shown by the portal in HTML popups.
 */
#ifndef DORF_API_TILE_STYLE_H
#define DORF_API_TILE_STYLE_H

#include <jansson.h>
#include <stddef.h>

/* The tile sources. */
typedef enum tile_source {
    TILE_SOURCE_BASE = 0, /* the region's base map (tile_base.h) */
    TILE_SOURCE_LIVE,     /* located events and news */
    TILE_SOURCE_PARCELS,  /* open LieferBar parcels, for volunteers */
    TILE_SOURCE_COUNT
} tile_source;

/* "base", "live", "parcels". */
const char *tile_source_name(tile_source source);

/*
 * The TileJSON 3.0.0 document of `source`: tiles URL, bounds (west, south, east, north in
 * degrees; NULL: the whole Web Mercator square), center, zooms, vector_layers with their
 * fields, attribution. NULL when out of memory.
 */
json_t *tile_style_tilejson(tile_source source, const char *origin, const double *bounds);

/*
 * The MapLibre style: sources "base" and "live" by their TileJSON URLs, layers drawing them,
 * centred on `bounds` (NULL: the whole world at zoom 1). NULL when out of memory.
 */
json_t *tile_style_document(const char *origin, const double *bounds);

#endif
