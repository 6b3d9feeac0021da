/*
 * tile_base.h: the base map of a region as Mapbox Vector Tiles: the region's land cover,
 * water, waterways, railways, roads, buildings and places, projected once and indexed, then
 * cut into any tile on request.
 *
 * Layers and their properties (docs/api.md, "Vector tiles"):
 *
 *   landcover  polygons  class                      water     polygons  class, name
 *   waterway   lines     class, name                railway   lines     class
 *   roads      lines     class, name, oneway        buildings polygons  kind
 *   places     points    id, name, category, subclass
 *
 * Which features a zoom shows is tile_base_minzoom()'s rule: major roads from zoom 6 to 9,
 * tertiary from 10, minor roads from 12, service roads and tracks from 13, paths from 14;
 * land cover, water, rivers and railways from 8; buildings from 13; places from 12. Below
 * zoom 16 polygons smaller than TILE_BASE_MIN_AREA square tile units are left out and lines
 * and rings are simplified with a tolerance of one tile unit; zoom 16 (and the deeper zooms
 * that clients normally overzoom from it) keeps every feature and every vertex.
 *
 * A tile_base is built once per region load and is read-only afterwards: any number of threads
 * may render tiles from it at once, each with a tile_work of its own.
 */
#ifndef DORF_API_TILE_BASE_H
#define DORF_API_TILE_BASE_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/region.h"
#include "mvt.h"

#define TILE_EXTENT 4096      /* tile units across a tile */
#define TILE_BUFFER 64        /* tile units around the tile that features keep */
#define TILE_BASE_MAX_ZOOM 16 /* the deepest zoom with its own content; clients overzoom */
#define TILE_BASE_MIN_AREA 64 /* square tile units: smaller polygons are left out below z16 */

typedef struct tile_base tile_base;

/* The base map's layers, in the order they are written into a tile (bottom to top). */
typedef enum tile_base_layer {
    TILE_LANDCOVER = 0,
    TILE_WATER,
    TILE_WATERWAY,
    TILE_RAILWAY,
    TILE_ROADS,
    TILE_BUILDINGS,
    TILE_PLACES,
    TILE_BASE_LAYER_COUNT
} tile_base_layer;

/* The layer's name in tiles ("roads"). */
const char *tile_base_layer_name(tile_base_layer layer);

/* The names of the layer's properties, NULL-terminated. */
const char *const *tile_base_layer_fields(tile_base_layer layer);

/*
 * The smallest zoom at which a feature of `layer` and class `kind` is drawn: for roads `kind`
 * is the highway name (dorf_highway_name), for waterways and railways the OSM value; other
 * layers ignore it.
 */
unsigned tile_base_minzoom(tile_base_layer layer, const char *kind);

/*
 * Builds the base map of `region`, which it takes over: the region is freed with the base
 * (also when building fails). Geometry that cannot be read (a malformed WKB blob) is skipped.
 * *out is freed with tile_base_free(). DORF_ENOMEM on failure (message in ctx).
 */
dorf_status tile_base_build(dorf_ctx *ctx, dorf_region *region, tile_base **out);

/* Frees the base and its region. Accepts NULL. */
void tile_base_free(tile_base *base);

/*
 * The box around the region in lon/lat degrees (west, south, east, north): the region's
 * recorded bounds, or the features' when it has none; 0 when the region is empty.
 */
int tile_base_bounds(const tile_base *base, double out[4]);

/* The number of features of `layer` (whatever their zoom). */
size_t tile_base_count(const tile_base *base, tile_base_layer layer);

/* Scratch space for rendering, one per thread. */
typedef struct tile_work tile_work;

/* NULL when out of memory. */
tile_work *tile_work_new(void);

/* Accepts NULL. */
void tile_work_free(tile_work *work);

/*
 * Writes the base map's layers of tile z/x/y into `enc` (which is reset first; read the
 * bytes with mvt_encoder_finish). A tile without features is empty (0 bytes). 0, or -1 when
 * out of memory.
 */
int tile_base_render(const tile_base *base, tile_work *work, unsigned z, uint32_t x, uint32_t y,
                     mvt_encoder *enc);

#endif
