/*
 * h_ogc.c: OGC API Features, Part 1: Core (OGC 17-069r4) with GeoJSON (RFC 7946) under /ogc,
 * so that QGIS, GDAL's OAPIF driver (`ogrinfo OAPIF:http://HOST:PORT/ogc`) and other GIS
 * programs read the village's public layers: places, road segments, located DorfNews events
 * and the base map's land cover, water, waterways and railways (dorf/features.h; docs/api.md,
 * "OGC API Features"). Households, buildings and anything about people are not published.
 *
 * Resources: the landing page (/ogc), the conformance declaration, the collections and each
 * collection's items, one page at a time (limit, offset; next and prev links), filtered by
 * bbox and, for events, by datetime. Query parameters are checked by ogc_query.c; any other
 * parameter is a 400, so that a filter this server does not know never returns everything.
 * Links are absolute (as the standard recommends, and as GDAL follows them), built from the
 * request's Host header when it is a well-formed host[:port], else from the address the
 * connection came in on. Features are ordered by row id, so following next links lists each
 * feature once while the data does not change.
 */
#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dorf/features.h"
#include "dorf/market.h"
#include "dorf/opening_hours.h"
#include "json_util.h"
#include "ogc_query.h"
#include "routes.h"

#define TYPE_JSON "application/json"
#define TYPE_GEOJSON "application/geo+json"
#define TYPE_OPENAPI "application/vnd.oai.openapi+json;version=3.0"
#define CONF "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
#define MAX_ARGS 32

/* A public layer. */
struct collection {
    const char *id;
    const char *title;
    const char *description;
    dorf_feature_layer layer;
    unsigned params; /* what its items take (OGC_PARAM_*) */
};

static const struct collection collections[] = {
    {"places", "Places",
     "Shops and services of the region from OpenStreetMap: category, address, contact, opening "
     "hours and whether they are open at the time of the request (German local time and "
     "public holidays). Feature ids are the OSM element: n123 (node), w123 (way), r123 "
     "(relation).",
     DORF_LAYER_PLACES, OGC_PARAMS_ITEMS},
    {"roads", "Road segments",
     "The road network as dorf routes on it: one feature per stretch of an OSM way between two "
     "junctions, with its class (OSM highway), name, length, surface, speed limit and the modes "
     "allowed in each direction. Feature ids are row ids and change when the region is "
     "imported again.",
     DORF_LAYER_ROADS, OGC_PARAMS_ITEMS},
    {"events", "Events",
     "DorfNews events that have a place, as the public event list shows them (title, text, "
     "times; no author). Filter by time with datetime. Feature ids are the post ids.",
     DORF_LAYER_EVENTS, OGC_PARAMS_TIMED_ITEMS},
    {"landcover", "Land cover",
     "The base map's areas of land use and vegetation (forest, farmland, meadow, residential "
     "...) from OpenStreetMap, with their kind and name. Feature ids are the OSM element: "
     "w123 (way), r123 (relation).",
     DORF_LAYER_LANDCOVER, OGC_PARAMS_ITEMS},
    {"water", "Water areas",
     "Lakes, ponds, river areas and wetlands of the base map, with their kind and name. "
     "Feature ids are the OSM element: w123 (way), r123 (relation).",
     DORF_LAYER_WATER, OGC_PARAMS_ITEMS},
    {"waterways", "Waterways",
     "Rivers, streams, canals and ditches of the base map as lines, with their kind (the OSM "
     "waterway value) and name. Feature ids are the OSM element: w123 (way), r123 (relation).",
     DORF_LAYER_WATERWAYS, OGC_PARAMS_ITEMS},
    {"railways", "Railways",
     "Railway lines of the base map, with their kind (the OSM railway value) and name. "
     "Feature ids are the OSM element: w123 (way), r123 (relation).",
     DORF_LAYER_RAILWAYS, OGC_PARAMS_ITEMS},
};
#define COLLECTION_COUNT (sizeof collections / sizeof collections[0])

/* ---- requests and links ----------------------------------------------------------------- */

struct arg_list {
    ogc_arg args[MAX_ARGS];
    size_t count;
    int overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    (void)kind;
    struct arg_list *l = cls;
    if (l->count == MAX_ARGS) {
        l->overflow = 1;
        return MHD_NO;
    }
    l->args[l->count++] = (ogc_arg){key, value};
    return MHD_YES;
}

/* The request's query arguments, checked against `accepted`; 0, or -1 after a 400. */
static int read_query(const api_request *req, unsigned accepted, ogc_query *q, api_response *res) {
    struct arg_list l = {.count = 0};
    if (req->connection) {
        MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, collect_arg, &l);
    }
    if (l.overflow) {
        api_error(res, 400, "bad_query", "at most %d query parameters are taken", MAX_ARGS);
        return -1;
    }
    char msg[256];
    if (ogc_query_parse(l.args, l.count, accepted, q, msg, sizeof msg) != 0) {
        api_error(res, 400, "bad_query", "%s", msg);
        return -1;
    }
    return 0;
}

/*
 * "http://HOST[:PORT]" (https behind a proxy saying X-Forwarded-Proto: https): from the Host
 * header when it is well-formed (api_origin_of_host), else the address the connection came in on.
 */
static void base_url(const api_request *req, char *buf, size_t size) {
    if (api_origin_of_host(api_header(req, MHD_HTTP_HEADER_HOST),
                           api_header(req, "X-Forwarded-Proto"), buf, size) == 0) {
        return;
    }
    snprintf(buf, size, "http://127.0.0.1");
    const union MHD_ConnectionInfo *ci =
        req->connection
            ? MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CONNECTION_FD)
            : NULL;
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&addr, &len) != 0) {
        return;
    }
    char ip[INET6_ADDRSTRLEN];
    if (addr.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)&addr;
        if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip)) {
            snprintf(buf, size, "http://%s:%u", ip, (unsigned)ntohs(a->sin_port));
        }
    } else if (addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)&addr;
        if (inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip)) {
            snprintf(buf, size, "http://[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
        }
    }
}

static json_t *link_json(const char *href, const char *rel, const char *type, const char *title) {
    json_t *l = json_pack("{s:s, s:s, s:s}", "href", href, "rel", rel, "type", type);
    if (l && title) {
        json_object_set_new(l, "title", json_string(title));
    }
    return l;
}

/* Appends "name=value" (the value percent-encoded) to a query string being built in buf. */
static void add_param(char *buf, size_t size, const char *name, const char *value) {
    size_t used = strlen(buf);
    int n = snprintf(buf + used, size - used, "%c%s=", strchr(buf, '?') ? '&' : '?', name);
    if (n < 0 || (size_t)n >= size - used) {
        return;
    }
    used += (size_t)n;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)value; *c && used + 4 < size; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~,:", *c)) {
            buf[used++] = (char)*c;
        } else {
            buf[used++] = '%';
            buf[used++] = hex[*c >> 4];
            buf[used++] = hex[*c & 15];
        }
    }
    buf[used] = '\0';
}

/* The shortest decimal that reads back as exactly `v`, so every page filters the same box. */
static void shortest(double v, char *buf, size_t size) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

/*
 * The href of an items page of collection `c` at `offset`, with the request's filters in
 * canonical form (numbers as parsed, times in UTC), so that every link means what was asked.
 */
static void items_href(const char *base, const struct collection *c, const ogc_query *q,
                       int64_t offset, char *buf, size_t size) {
    snprintf(buf, size, "%s/ogc/collections/%s/items", base, c->id);
    char value[160];
    if (q->has_f) {
        add_param(buf, size, "f", "json");
    }
    if (q->has_bbox) {
        char n[4][32];
        for (int i = 0; i < 4; i++) {
            shortest(q->bbox[i], n[i], sizeof n[i]);
        }
        snprintf(value, sizeof value, "%s,%s,%s,%s", n[0], n[1], n[2], n[3]);
        add_param(buf, size, "bbox", value);
    }
    if (q->has_bbox_crs) {
        add_param(buf, size, "bbox-crs", OGC_CRS84);
    }
    if (q->has_datetime) {
        char from[32] = "..";
        char until[32] = "..";
        if (q->time_from != INT64_MIN) {
            ogc_time_format(q->time_from, from, sizeof from);
        }
        if (q->time_until != INT64_MAX) {
            ogc_time_format(q->time_until, until, sizeof until);
        }
        if (q->time_from == q->time_until) {
            snprintf(value, sizeof value, "%s", from);
        } else {
            snprintf(value, sizeof value, "%s/%s", from, until);
        }
        add_param(buf, size, "datetime", value);
    }
    snprintf(value, sizeof value, "%lld", (long long)q->limit);
    add_param(buf, size, "limit", value);
    if (offset > 0) {
        snprintf(value, sizeof value, "%lld", (long long)offset);
        add_param(buf, size, "offset", value);
    }
}

/* The collection named by path parameter 0, or NULL after a 404. */
static const struct collection *find_collection(const api_request *req, api_response *res) {
    const char *id = req->param_count > 0 ? req->params[0] : "";
    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        if (strcmp(id, collections[i].id) == 0) {
            return &collections[i];
        }
    }
    api_error(res, 404, "not_found",
              "no collection '%.40s'; there are places, roads, events, landcover, water, "
              "waterways and railways",
              id);
    return NULL;
}

/* Turns a store failure into an answer (the detail goes to the server's log, not the client). */
static void store_error(const api_request *req, api_response *res, dorf_status st) {
    if (st == DORF_ENOMEM) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    fprintf(stderr, "dorf serve: %s %s: %s\n", req->method, req->path, dorf_ctx_errmsg(req->ctx));
    api_error(res, 500, "internal", "the request could not be completed");
}

/* ---- landing page, conformance, collections ---------------------------------------------- */

static void h_landing(api_request *req, api_response *res) {
    ogc_query q;
    if (read_query(req, OGC_PARAM_F, &q, res) != 0) {
        return;
    }
    char base[300];
    char href[400];
    base_url(req, base, sizeof base);
    json_t *links = json_array();
    snprintf(href, sizeof href, "%s/ogc", base);
    json_array_append_new(links, link_json(href, "self", TYPE_JSON, "This document"));
    snprintf(href, sizeof href, "%s/api", base);
    json_array_append_new(links,
                          link_json(href, "service-desc", TYPE_OPENAPI, "The API definition"));
    snprintf(href, sizeof href, "%s/ogc/conformance", base);
    json_array_append_new(
        links, link_json(href, "conformance", TYPE_JSON, "The standards this server conforms to"));
    snprintf(href, sizeof href, "%s/ogc/collections", base);
    json_array_append_new(links, link_json(href, "data", TYPE_JSON, "The public layers"));
    api_json(res, 200,
             json_pack("{s:s, s:s, s:o}", "title", "dorf: the village's public layers",
                       "description",
                       "Places, road segments and events of the region, as OGC API Features "
                       "(GeoJSON). Open this URL in QGIS or with ogrinfo OAPIF:URL.",
                       "links", links));
}

static void h_conformance(api_request *req, api_response *res) {
    ogc_query q;
    if (read_query(req, OGC_PARAM_F, &q, res) != 0) {
        return;
    }
    api_json(res, 200,
             json_pack("{s:[s, s, s]}", "conformsTo", CONF "core", CONF "geojson", CONF "oas30"));
}

/*
 * The extent of a layer; an empty one takes the region's (the extent of its roads, else its
 * places, else the world), since a collection's bbox is required.
 */
static dorf_status layer_extent(api_request *req, dorf_feature_layer layer,
                                dorf_feature_extent *out) {
    dorf_status st = dorf_store_feature_extent(req->store, layer, out);
    static const dorf_feature_layer fallback[] = {DORF_LAYER_ROADS, DORF_LAYER_PLACES};
    for (size_t i = 0; st == DORF_OK && !out->has_bbox && i < 2; i++) {
        dorf_feature_extent other;
        st = dorf_store_feature_extent(req->store, fallback[i], &other);
        if (st == DORF_OK && other.has_bbox) {
            out->has_bbox = 1;
            memcpy(out->bbox, other.bbox, sizeof out->bbox);
        }
    }
    if (st == DORF_OK && !out->has_bbox) {
        const double world[4] = {-180, -90, 180, 90};
        memcpy(out->bbox, world, sizeof world);
    }
    return st;
}

/* A coordinate rounded to 1e-7 degrees (about 1 cm): down for a minimum, up for a maximum. */
static json_t *bound(double v, int up, double lo, double hi) {
    double r = up ? ceil(v * 1e7) / 1e7 : floor(v * 1e7) / 1e7;
    return json_real(r < lo ? lo : r > hi ? hi : r);
}

static json_t *collection_json(api_request *req, const struct collection *c, const char *base,
                               dorf_status *st) {
    dorf_feature_extent ext;
    if ((*st = layer_extent(req, c->layer, &ext)) != DORF_OK) {
        return NULL;
    }
    json_t *bbox = json_pack("[[o, o, o, o]]", bound(ext.bbox[0], 0, -180, 180),
                             bound(ext.bbox[1], 0, -90, 90), bound(ext.bbox[2], 1, -180, 180),
                             bound(ext.bbox[3], 1, -90, 90));
    json_t *extent = json_pack("{s:{s:o, s:s}}", "spatial", "bbox", bbox, "crs", OGC_CRS84);
    if (c->layer == DORF_LAYER_EVENTS) {
        char from[32];
        char until[32];
        json_t *interval =
            ext.has_time ? json_pack("[[s, s]]", ogc_time_format(ext.time_min, from, sizeof from),
                                     ogc_time_format(ext.time_max, until, sizeof until))
                         : json_pack("[[n, n]]");
        json_object_set_new(extent, "temporal",
                            json_pack("{s:o, s:s}", "interval", interval, "trs",
                                      "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"));
    }
    char self[400];
    char items[400];
    snprintf(self, sizeof self, "%s/ogc/collections/%s", base, c->id);
    snprintf(items, sizeof items, "%s/ogc/collections/%s/items", base, c->id);
    json_t *links = json_pack("[o, o]", link_json(self, "self", TYPE_JSON, "This collection"),
                              link_json(items, "items", TYPE_GEOJSON, "Its features"));
    return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:o, s:o}", "id", c->id, "title", c->title,
                     "description", c->description, "itemType", "feature", "crs", OGC_CRS84,
                     "extent", extent, "links", links);
}

static void h_collections(api_request *req, api_response *res) {
    ogc_query q;
    if (read_query(req, OGC_PARAM_F, &q, res) != 0) {
        return;
    }
    char base[300];
    char self[400];
    base_url(req, base, sizeof base);
    snprintf(self, sizeof self, "%s/ogc/collections", base);
    json_t *list = json_array();
    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        dorf_status st = DORF_OK;
        json_t *c = collection_json(req, &collections[i], base, &st);
        if (st != DORF_OK) {
            json_decref(list);
            store_error(req, res, st);
            return;
        }
        json_array_append_new(list, c);
    }
    api_json(res, 200,
             json_pack("{s:[o], s:o}", "links", link_json(self, "self", TYPE_JSON, "The layers"),
                       "collections", list));
}

static void h_collection(api_request *req, api_response *res) {
    const struct collection *c = find_collection(req, res);
    ogc_query q;
    if (!c || read_query(req, OGC_PARAM_F, &q, res) != 0) {
        return;
    }
    char base[300];
    base_url(req, base, sizeof base);
    dorf_status st = DORF_OK;
    json_t *o = collection_json(req, c, base, &st);
    if (st != DORF_OK) {
        store_error(req, res, st);
        return;
    }
    api_json(res, 200, o);
}

/* ---- features ---------------------------------------------------------------------------- */

static json_t *text(const char *s) {
    return s ? json_string(s) : json_null();
}

static json_t *coord(double v) {
    return json_real(round(v * 1e7) / 1e7);
}

static json_t *time_json(int64_t t) {
    char buf[32];
    return json_string(ogc_time_format(t, buf, sizeof buf));
}

static json_t *place_json(api_request *req, const dorf_place_feature *p) {
    char id[32];
    snprintf(id, sizeof id, "%c%lld", p->osm_type, (long long)p->osm_id);
    json_t *props = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", text(p->name),
        "category", text(p->category), "subclass", text(p->osm_value), "opening_hours",
        text(p->opening_hours), "open_now",
        api_open_now_json(req, p->opening_hours_error ? NULL : p->opening_hours), "street",
        text(p->street), "housenumber", text(p->housenumber), "postcode", text(p->postcode), "city",
        text(p->city), "phone", text(p->phone), "website", text(p->website));
    return json_pack("{s:s, s:s, s:{s:s, s:[o, o]}, s:o}", "type", "Feature", "id", id, "geometry",
                     "type", "Point", "coordinates", coord(p->lon_deg), coord(p->lat_deg),
                     "properties", props);
}

/* "walk,bike,car" for an access mask, "" for none. */
static json_t *modes_json(unsigned mask) {
    char buf[32] = "";
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (mask & (1u << m)) {
            size_t used = strlen(buf);
            snprintf(buf + used, sizeof buf - used, "%s%s", used ? "," : "",
                     dorf_mode_name((dorf_mode)m));
        }
    }
    return json_string(buf);
}

static json_t *road_json(const dorf_road_feature *e) {
    json_t *coords = json_array();
    for (size_t i = 0; i < e->point_count; i++) {
        json_array_append_new(
            coords, json_pack("[o, o]", coord(e->points[i].lon_deg), coord(e->points[i].lat_deg)));
    }
    /* One-way for some mode: it may go one way along the segment but not the other. */
    const unsigned differ = e->access_forward ^ e->access_backward;
    json_t *props =
        json_pack("{s:o, s:o, s:f, s:b, s:o, s:o, s:o, s:o, s:I}", "class", text(e->highway),
                  "name", text(e->name), "length_m", round(e->length_m * 10) / 10, "oneway",
                  differ != 0, "surface", text(e->surface), "maxspeed_kmh",
                  e->maxspeed_kmh > 0 ? json_real(e->maxspeed_kmh) : json_null(), "modes_forward",
                  modes_json(e->access_forward), "modes_backward", modes_json(e->access_backward),
                  "osm_way_id", (json_int_t)e->osm_way_id);
    return json_pack("{s:s, s:I, s:{s:s, s:o}, s:o}", "type", "Feature", "id", (json_int_t)e->id,
                     "geometry", "type", "LineString", "coordinates", coords, "properties", props);
}

static json_t *event_json(const dorf_event_feature *ev) {
    json_t *props =
        json_pack("{s:o, s:o, s:b, s:o, s:o, s:o}", "title", text(ev->title), "body",
                  text(ev->body), "official", ev->official, "starts_at", time_json(ev->starts_at),
                  "ends_at", ev->has_ends ? time_json(ev->ends_at) : json_null(), "created_at",
                  time_json(ev->created_at));
    return json_pack("{s:s, s:I, s:{s:s, s:[o, o]}, s:o}", "type", "Feature", "id",
                     (json_int_t)ev->id, "geometry", "type", "Point", "coordinates",
                     coord(ev->lon_deg), coord(ev->lat_deg), "properties", props);
}

/* The base map's layer of a collection of base-map features. */
static dorf_map_layer map_layer(const struct collection *c) {
    return (dorf_map_layer)(c->layer - DORF_LAYER_LANDCOVER);
}

static json_t *basemap_json(const dorf_basemap_feature *m) {
    char id[32];
    snprintf(id, sizeof id, "%c%lld", m->osm_type, (long long)m->osm_id);
    json_t *geometry = json_loads(m->geometry_json, 0, NULL);
    return json_pack("{s:s, s:s, s:o, s:{s:o, s:o}}", "type", "Feature", "id", id, "geometry",
                     geometry ? geometry : json_null(), "properties", "kind", text(m->kind), "name",
                     text(m->name));
}

/* One page of a layer's features as a JSON array; *matched is the count of all that match. */
static dorf_status fetch_page(api_request *req, dorf_arena *arena, const struct collection *c,
                              const dorf_feature_query *fq, json_t *features, int64_t *matched) {
    size_t n = 0;
    dorf_status st;
    switch (c->layer) {
    case DORF_LAYER_PLACES: {
        dorf_place_feature *rows = NULL;
        st = dorf_store_place_features(req->store, arena, fq, &rows, &n, matched);
        for (size_t i = 0; st == DORF_OK && i < n; i++) {
            json_array_append_new(features, place_json(req, &rows[i]));
        }
        break;
    }
    case DORF_LAYER_ROADS: {
        dorf_road_feature *rows = NULL;
        st = dorf_store_road_features(req->store, arena, fq, &rows, &n, matched);
        for (size_t i = 0; st == DORF_OK && i < n; i++) {
            json_array_append_new(features, road_json(&rows[i]));
        }
        break;
    }
    case DORF_LAYER_EVENTS: {
        dorf_event_feature *rows = NULL;
        st = dorf_store_event_features(req->store, arena, fq, &rows, &n, matched);
        for (size_t i = 0; st == DORF_OK && i < n; i++) {
            json_array_append_new(features, event_json(&rows[i]));
        }
        break;
    }
    default: {
        dorf_basemap_feature *rows = NULL;
        st = dorf_store_basemap_features(req->store, arena, map_layer(c), fq, &rows, &n, matched);
        for (size_t i = 0; st == DORF_OK && i < n; i++) {
            json_array_append_new(features, basemap_json(&rows[i]));
        }
        break;
    }
    }
    return st;
}

static void h_items(api_request *req, api_response *res) {
    const struct collection *c = find_collection(req, res);
    ogc_query q;
    if (!c || read_query(req, c->params, &q, res) != 0) {
        return;
    }
    dorf_feature_query fq = {.has_bbox = q.has_bbox,
                             .has_time = q.has_datetime,
                             .time_from = q.time_from,
                             .time_until = q.time_until,
                             .offset = q.offset,
                             .limit = (size_t)q.limit};
    memcpy(fq.bbox, q.bbox, sizeof fq.bbox);
    dorf_arena *arena = dorf_arena_new();
    if (!arena) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    json_t *features = json_array();
    int64_t matched = 0;
    dorf_status st = fetch_page(req, arena, c, &fq, features, &matched);
    dorf_arena_free(arena);
    if (st != DORF_OK) {
        json_decref(features);
        store_error(req, res, st);
        return;
    }
    const int64_t returned = (int64_t)json_array_size(features);
    char base[300];
    char href[1024];
    base_url(req, base, sizeof base);
    json_t *links = json_array();
    items_href(base, c, &q, q.offset, href, sizeof href);
    json_array_append_new(links, link_json(href, "self", TYPE_GEOJSON, "This page"));
    /* returned > 0 only when offset < matched, so offset + returned <= matched: no overflow. */
    if (returned > 0 && q.offset + returned < matched) {
        items_href(base, c, &q, q.offset + returned, href, sizeof href);
        json_array_append_new(links, link_json(href, "next", TYPE_GEOJSON, "The next page"));
    }
    if (q.offset > 0) {
        items_href(base, c, &q, q.offset > q.limit ? q.offset - q.limit : 0, href, sizeof href);
        json_array_append_new(links, link_json(href, "prev", TYPE_GEOJSON, "The previous page"));
    }
    snprintf(href, sizeof href, "%s/ogc/collections/%s", base, c->id);
    json_array_append_new(links, link_json(href, "collection", TYPE_JSON, "The collection"));
    char now[32];
    api_json(res, 200,
             json_pack("{s:s, s:o, s:I, s:I, s:s, s:o}", "type", "FeatureCollection", "features",
                       features, "numberMatched", (json_int_t)matched, "numberReturned",
                       (json_int_t)returned, "timeStamp",
                       ogc_time_format(req->now, now, sizeof now), "links", links));
    res->content_type = TYPE_GEOJSON;
}

/* A positive decimal id with nothing around it (at most 18 digits), or 0. */
static int64_t feature_number(const char *s) {
    int64_t v = 0;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9' && n < 18; n++) {
        v = v * 10 + (s[n] - '0');
    }
    return n > 0 && s[n] == '\0' && s[0] != '0' ? v : 0;
}

static void h_item(api_request *req, api_response *res) {
    const struct collection *c = find_collection(req, res);
    ogc_query q;
    if (!c || read_query(req, OGC_PARAM_F, &q, res) != 0) {
        return;
    }
    const char *fid = req->param_count > 1 ? req->params[1] : "";
    /* Places and the base map are named by their OSM element, the others by a number. */
    const int is_place = c->layer == DORF_LAYER_PLACES;
    const int is_osm = is_place || c->layer >= DORF_LAYER_LANDCOVER;
    const char *types = is_place ? "nwr" : "wr";
    const int64_t number = feature_number(is_osm && fid[0] ? fid + 1 : fid);
    if (number == 0 || (is_osm && !strchr(types, fid[0]))) {
        api_error(res, 404, "not_found", "no feature '%.40s' in %s (ids look like %s)", fid, c->id,
                  is_place ? "n123, w123 or r123"
                  : is_osm ? "w123 or r123"
                           : "123");
        return;
    }
    dorf_arena *arena = dorf_arena_new();
    if (!arena) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    json_t *feature = NULL;
    dorf_status st;
    if (is_place) {
        dorf_place_feature p;
        if ((st = dorf_store_place_feature(req->store, arena, fid[0], number, &p)) == DORF_OK) {
            feature = place_json(req, &p);
        }
    } else if (c->layer == DORF_LAYER_ROADS) {
        dorf_road_feature e;
        if ((st = dorf_store_road_feature(req->store, arena, number, &e)) == DORF_OK) {
            feature = road_json(&e);
        }
    } else if (c->layer == DORF_LAYER_EVENTS) {
        dorf_event_feature ev;
        if ((st = dorf_store_event_feature(req->store, arena, number, &ev)) == DORF_OK) {
            feature = event_json(&ev);
        }
    } else {
        dorf_basemap_feature m;
        if ((st = dorf_store_basemap_feature(req->store, arena, map_layer(c), fid[0], number,
                                             &m)) == DORF_OK) {
            feature = basemap_json(&m);
        }
    }
    dorf_arena_free(arena);
    if (st == DORF_OK && !feature) {
        st = DORF_ENOMEM;
    }
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no feature '%.40s' in %s", fid, c->id);
        return;
    }
    if (st != DORF_OK) {
        store_error(req, res, st);
        return;
    }
    char base[300];
    char self[400];
    char coll[400];
    base_url(req, base, sizeof base);
    snprintf(self, sizeof self, "%s/ogc/collections/%s/items/%s", base, c->id, fid);
    snprintf(coll, sizeof coll, "%s/ogc/collections/%s", base, c->id);
    json_object_set_new(feature, "links",
                        json_pack("[o, o]", link_json(self, "self", TYPE_GEOJSON, "This feature"),
                                  link_json(coll, "collection", TYPE_JSON, "The collection")));
    api_json(res, 200, feature);
    res->content_type = TYPE_GEOJSON;
}

const api_route api_routes_ogc[] = {
    {"GET", "/ogc", 0, h_landing, "OGC API Features: the landing page"},
    {"GET", "/ogc/conformance", 0, h_conformance, "OGC API Features: the conformance classes"},
    {"GET", "/ogc/collections", 0, h_collections, "OGC API Features: the public layers"},
    {"GET", "/ogc/collections/{collectionId}", 0, h_collection,
     "OGC API Features: one layer with its extent"},
    {"GET", "/ogc/collections/{collectionId}/items", 0, h_items,
     "OGC API Features: a page of a layer's features (bbox, datetime, limit, offset)"},
    {"GET", "/ogc/collections/{collectionId}/items/{featureId}", 0, h_item,
     "OGC API Features: one feature"},
};

const size_t api_routes_ogc_count = sizeof api_routes_ogc / sizeof api_routes_ogc[0];
