/*
 * tile_style.c: TileJSON documents (TileJSON 3.0.0, github.com/mapbox/tilejson-spec) and the
 * MapLibre style (MapLibre style specification, version 8) of dorf's tiles (tile_style.h).
 *
 * The style's layers are kept below as one JSON text, so that the look can be read and changed
 * in one place; the sources and the centre are filled in per request. Colours are muted
 * (paper-coloured land, soft greens, light blue water, white minor roads, warm major roads) so
 * that the platform's own markers stand out; line widths grow with the zoom exponentially.
 */
#include "tile_style.h"

#include <stdio.h>
#include <string.h>

#include "tile_base.h"
#include "tile_geom.h"

static const char *const source_names[TILE_SOURCE_COUNT] = {"base", "live", "parcels"};

const char *tile_source_name(tile_source source) {
    return source < TILE_SOURCE_COUNT ? source_names[source] : "unknown";
}

/* {"field": "type description", ...} of a base layer. */
static json_t *base_fields(tile_base_layer layer) {
    json_t *o = json_object();
    for (const char *const *f = tile_base_layer_fields(layer); o && *f; f++) {
        const char *what = strcmp(*f, "oneway") == 0 ? "Boolean" : "String";
        json_object_set_new(o, *f, json_string(what));
    }
    return o;
}

static json_t *vector_layer(const char *id, json_t *fields, unsigned minzoom, unsigned maxzoom,
                            const char *description) {
    return json_pack("{s:s, s:o, s:i, s:i, s:s}", "id", id, "fields", fields, "minzoom",
                     (int)minzoom, "maxzoom", (int)maxzoom, "description", description);
}

static json_t *vector_layers(tile_source source) {
    json_t *a = json_array();
    if (!a) {
        return NULL;
    }
    if (source == TILE_SOURCE_BASE) {
        static const char *const about[TILE_BASE_LAYER_COUNT] = {
            "land use and vegetation",  "lakes, ponds and river areas",
            "rivers, streams, ditches", "railway lines",
            "roads and paths",          "building footprints",
            "shops and services",
        };
        static const unsigned minzoom[TILE_BASE_LAYER_COUNT] = {8, 8, 8, 8, 6, 13, 12};
        for (int l = 0; l < TILE_BASE_LAYER_COUNT; l++) {
            json_array_append_new(a, vector_layer(tile_base_layer_name(l), base_fields(l),
                                                  minzoom[l], TILE_BASE_MAX_ZOOM, about[l]));
        }
    } else if (source == TILE_SOURCE_LIVE) {
        json_array_append_new(a, vector_layer("events",
                                              json_pack("{s:s, s:s, s:s}", "id", "Number", "title",
                                                        "String", "starts_at", "Number"),
                                              0, TILE_BASE_MAX_ZOOM,
                                              "events that have not ended, with a place"));
        json_array_append_new(a, vector_layer("posts",
                                              json_pack("{s:s, s:s, s:s}", "id", "Number", "kind",
                                                        "String", "title", "String"),
                                              0, TILE_BASE_MAX_ZOOM, "news with a place"));
    } else {
        json_array_append_new(
            a,
            vector_layer(
                "parcels",
                json_pack("{s:s, s:s, s:s}", "id", "Number", "state", "String", "end", "String"), 0,
                TILE_BASE_MAX_ZOOM, "open parcels: a point at the pickup and one at the drop-off"));
    }
    return a;
}

static json_t *bounds_json(const double *b) {
    if (!b) {
        return json_pack("[f, f, f, f]", -180.0, -TILE_MAX_LAT_DEG, 180.0, TILE_MAX_LAT_DEG);
    }
    return json_pack("[f, f, f, f]", b[0], b[1], b[2], b[3]);
}

json_t *tile_style_tilejson(tile_source source, const char *origin, const double *bounds) {
    char url[512];
    snprintf(url, sizeof url, "%s/tiles/%s/{z}/{x}/{y}.mvt", origin, tile_source_name(source));
    static const char *const names[TILE_SOURCE_COUNT] = {
        "dorf base map", "dorf live: events and news", "dorf LieferBar parcels"};
    double cx = bounds ? (bounds[0] + bounds[2]) / 2 : 0;
    double cy = bounds ? (bounds[1] + bounds[3]) / 2 : 0;
    return json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s, s:i, s:i, s:o, s:[f, f, i], s:o}",
                     "tilejson", "3.0.0", "name", names[source < TILE_SOURCE_COUNT ? source : 0],
                     "version", "1.0.0", "tiles", url, "scheme", "xyz", "attribution",
                     "\xc2\xa9 OpenStreetMap contributors, ODbL", "minzoom", 0, "maxzoom",
                     TILE_BASE_MAX_ZOOM, "bounds", bounds_json(bounds), "center", cx, cy,
                     bounds ? 12 : 1, "vector_layers", vector_layers(source));
}

/* The style's layers, bottom to top. */
static const char style_layers[] =
    "["
    "{\"id\":\"background\",\"type\":\"background\",\"paint\":{\"background-color\":\"#f4f1ea\"}},"
    "{\"id\":\"landcover\",\"type\":\"fill\",\"source\":\"base\",\"source-layer\":\"landcover\","
    " \"paint\":{\"fill-color\":[\"match\",[\"get\",\"class\"],"
    "  [\"forest\",\"wood\"],\"#cfe0c0\",[\"meadow\",\"grass\",\"heath\",\"scrub\"],\"#e2ecce\","
    "  \"farmland\",\"#eeeed8\",\"orchard\",\"#dce9c6\",[\"park\",\"recreation_ground\"],"
    "  \"#d6eac8\",\"cemetery\",\"#d9e4d2\",\"residential\",\"#ebe6de\","
    "  [\"industrial\",\"commercial\",\"retail\"],\"#e6e0e4\",\"#e8ecdc\"],"
    "  \"fill-opacity\":0.85}},"
    "{\"id\":\"water\",\"type\":\"fill\",\"source\":\"base\",\"source-layer\":\"water\","
    " \"paint\":{\"fill-color\":[\"match\",[\"get\",\"class\"],\"wetland\",\"#c9dde0\","
    "  \"#aacbe4\"]}},"
    "{\"id\":\"waterway\",\"type\":\"line\",\"source\":\"base\",\"source-layer\":\"waterway\","
    " \"layout\":{\"line-cap\":\"round\",\"line-join\":\"round\"},"
    " \"paint\":{\"line-color\":\"#aacbe4\",\"line-width\":[\"interpolate\",[\"exponential\",1.4],"
    "  [\"zoom\"],8,[\"match\",[\"get\",\"class\"],[\"river\",\"canal\"],1,0.3],"
    "  16,[\"match\",[\"get\",\"class\"],[\"river\",\"canal\"],8,2.5]]}},"
    "{\"id\":\"buildings\",\"type\":\"fill\",\"source\":\"base\",\"source-layer\":\"buildings\","
    " \"minzoom\":13,\"paint\":{\"fill-color\":\"#dcd3ca\",\"fill-outline-color\":\"#c7bbb0\"}},"
    "{\"id\":\"railway\",\"type\":\"line\",\"source\":\"base\",\"source-layer\":\"railway\","
    " \"paint\":{\"line-color\":\"#a3a09b\",\"line-dasharray\":[3,2],"
    "  \"line-width\":[\"interpolate\",[\"exponential\",1.4],[\"zoom\"],8,0.6,16,2.5]}},"
    "{\"id\":\"roads-path\",\"type\":\"line\",\"source\":\"base\",\"source-layer\":\"roads\","
    " \"filter\":[\"in\",[\"get\",\"class\"],[\"literal\",[\"footway\",\"path\",\"cycleway\","
    "  \"bridleway\",\"steps\",\"track\"]]],"
    " \"paint\":{\"line-color\":\"#b4a794\",\"line-dasharray\":[2,1.5],"
    "  \"line-width\":[\"interpolate\",[\"exponential\",1.4],[\"zoom\"],13,0.5,16,1.6]}},"
    "{\"id\":\"roads-casing\",\"type\":\"line\",\"source\":\"base\",\"source-layer\":\"roads\","
    " \"filter\":[\"!\",[\"in\",[\"get\",\"class\"],[\"literal\",[\"footway\",\"path\","
    "  \"cycleway\",\"bridleway\",\"steps\",\"track\"]]]],"
    " \"layout\":{\"line-cap\":\"round\",\"line-join\":\"round\"},"
    " \"paint\":{\"line-color\":\"#cdc5b8\",\"line-width\":[\"interpolate\",[\"exponential\",1.5],"
    "  [\"zoom\"],10,1,13,3,16,[\"match\",[\"get\",\"class\"],[\"motorway\",\"trunk\","
    "  \"primary\",\"secondary\"],18,[\"tertiary\"],15,[\"service\"],7,12]]}},"
    "{\"id\":\"roads\",\"type\":\"line\",\"source\":\"base\",\"source-layer\":\"roads\","
    " \"filter\":[\"!\",[\"in\",[\"get\",\"class\"],[\"literal\",[\"footway\",\"path\","
    "  \"cycleway\",\"bridleway\",\"steps\",\"track\"]]]],"
    " \"layout\":{\"line-cap\":\"round\",\"line-join\":\"round\"},"
    " \"paint\":{\"line-color\":[\"match\",[\"get\",\"class\"],"
    "  [\"motorway\",\"motorway_link\",\"trunk\",\"trunk_link\"],\"#e9b96e\","
    "  [\"primary\",\"primary_link\",\"secondary\",\"secondary_link\"],\"#f3d48f\","
    "  [\"tertiary\",\"tertiary_link\"],\"#fbeab9\",\"#ffffff\"],"
    "  \"line-width\":[\"interpolate\",[\"exponential\",1.5],[\"zoom\"],6,0.5,10,1,13,2,"
    "  16,[\"match\",[\"get\",\"class\"],[\"motorway\",\"trunk\",\"primary\",\"secondary\"],15,"
    "  [\"tertiary\"],12,[\"service\"],5,9]]}},"
    "{\"id\":\"places\",\"type\":\"circle\",\"source\":\"base\",\"source-layer\":\"places\","
    " \"minzoom\":12,\"paint\":{\"circle-color\":[\"match\",[\"get\",\"category\"],"
    "  [\"grocery\",\"bakery\",\"butcher\",\"shop_other\"],\"#2e7d32\","
    "  [\"pharmacy\",\"doctor\",\"dentist\",\"hospital\"],\"#c62828\","
    "  [\"post\",\"post_box\",\"bank\",\"atm\"],\"#f9a825\","
    "  [\"school\",\"kindergarten\",\"library\",\"community\"],\"#6a1b9a\","
    "  [\"bus_stop\",\"rail_station\"],\"#1565c0\","
    "  [\"restaurant\",\"cafe\",\"pub\"],\"#ef6c00\","
    "  [\"town_hall\",\"fire_station\",\"police\",\"place_of_worship\"],\"#5d4037\",\"#757575\"],"
    "  \"circle-radius\":[\"interpolate\",[\"linear\"],[\"zoom\"],12,2.5,16,6],"
    "  \"circle-stroke-color\":\"#ffffff\",\"circle-stroke-width\":1}},"
    "{\"id\":\"posts\",\"type\":\"circle\",\"source\":\"live\",\"source-layer\":\"posts\","
    " \"paint\":{\"circle-color\":\"#5e35b1\",\"circle-radius\":6,"
    "  \"circle-stroke-color\":\"#ffffff\",\"circle-stroke-width\":2}},"
    "{\"id\":\"events\",\"type\":\"circle\",\"source\":\"live\",\"source-layer\":\"events\","
    " \"paint\":{\"circle-color\":\"#d81b60\",\"circle-radius\":7,"
    "  \"circle-stroke-color\":\"#ffffff\",\"circle-stroke-width\":2}}"
    "]";

json_t *tile_style_document(const char *origin, const double *bounds) {
    char base[512], live[512];
    snprintf(base, sizeof base, "%s/tiles/base.json", origin);
    snprintf(live, sizeof live, "%s/tiles/live.json", origin);
    json_t *layers = json_loads(style_layers, 0, NULL);
    if (!layers) {
        return NULL;
    }
    double cx = bounds ? (bounds[0] + bounds[2]) / 2 : 0;
    double cy = bounds ? (bounds[1] + bounds[3]) / 2 : 0;
    return json_pack("{s:i, s:s, s:[f, f], s:i, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:o}", "version", 8,
                     "name", "dorf", "center", cx, cy, "zoom", bounds ? 12 : 1, "sources", "base",
                     "type", "vector", "url", base, "live", "type", "vector", "url", live, "layers",
                     layers);
}
