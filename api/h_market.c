/*
 * h_market.c: BestellBar over HTTP (docs/api.md, "BestellBar"): the region's places with their
 * opening hours, shops claimed from them, products, and orders with their state machine.
 *
 * Places, shops and products are public; claiming a shop and changing products need the shop
 * role, ordering the citizen role. Object-level access is the store's (dorf/market.h): an
 * order, or a product of another's shop, answers 404 to everyone but its citizen and its
 * shop's owner, the same as an id that does not exist. Every input is checked here first
 * (unknown fields, types, lengths, ranges), so that a 4xx answer never leaves anything
 * stored; the store checks again.
 *
 * Lists take bbox=minlon,minlat,maxlon,maxlat (at most 5 degrees each way) or
 * near=lon,lat&radius=metres (1 to 50000), sort=distance|id and limit= (1 to 1000, default
 * 100); places and shops also sort=travel_time&mode=walk|bike|car with near= (travel.h): the
 * 1000 nearest within the radius are fetched, timed on the roads and the fastest listed.
 * Lists of places and shops are JSON arrays, or with format=geojson an RFC 7946
 * FeatureCollection of Points (application/geo+json). "open_now" is the place's OSM
 * opening_hours evaluated at the request's time in German local time (CET/CEST) with the
 * public holidays common to all of Germany; null when the place gives no hours or they do
 * not parse.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/arena.h"
#include "dorf/market.h"
#include "dorf/opening_hours.h"
#include "json_util.h"
#include "routes.h"
#include "travel.h"

#define MAX_BBOX_DEG 5.0
#define MAX_RADIUS_M 50000
#define MAX_OSM_ID 9007199254740991LL /* 2^53 - 1: exact in every JSON reader */

/* ---- shared helpers --------------------------------------------------------------------- */

/* Turns a store failure into an answer; `conflict` is the code for DORF_ECONFLICT. */
static void store_error(api_request *req, api_response *res, dorf_status st, const char *conflict) {
    const char *msg = dorf_ctx_errmsg(req->ctx);
    if (!msg || !*msg) {
        msg = dorf_strerror(st);
    }
    switch (st) {
    case DORF_ENOTFOUND:
        api_error(res, 404, "not_found", "%s", msg);
        break;
    case DORF_ECONFLICT:
        api_error(res, 409, conflict, "%s", msg);
        break;
    case DORF_EINVAL:
        api_error(res, 422, "unprocessable", "%s", msg);
        break;
    case DORF_ENOMEM:
        api_error(res, 503, "unavailable", "out of memory; try again");
        break;
    default:
        fprintf(stderr, "dorf serve: %s %s: %s\n", req->method, req->path, msg);
        api_error(res, 500, "internal", "the request could not be completed");
        break;
    }
}

/* A per-request arena; answers 503 when there is none. */
static dorf_arena *request_arena(api_response *res) {
    dorf_arena *a = dorf_arena_new();
    if (!a) {
        api_error(res, 503, "unavailable", "out of memory; try again");
    }
    return a;
}

/* The path parameter `i` as an id, or 0 after a 404. */
static int64_t path_id(const api_request *req, size_t i, const char *what, api_response *res) {
    int64_t id = api_param_id(req, i);
    if (id <= 0) {
        api_error(res, 404, "not_found", "no %s '%.32s'", what,
                  i < req->param_count && req->params[i] ? req->params[i] : "");
    }
    return id;
}

/* A JSON number for a coordinate, rounded to 1e-7 degrees (about 1 cm). */
static json_t *coord(double v) {
    return json_real(round(v * 1e7) / 1e7);
}

static json_t *string_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

static int64_t user_id(const api_request *req) {
    return req->user ? req->user->id : 0;
}

/* ---- list arguments --------------------------------------------------------------------- */

static int parse_lonlat(const char *s, double *lon, double *lat) {
    char *end;
    *lon = strtod(s, &end);
    if (end == s || *end != ',') {
        return -1;
    }
    const char *t = end + 1;
    *lat = strtod(t, &end);
    if (end == t || *end != '\0') {
        return -1;
    }
    return isfinite(*lon) && isfinite(*lat) && *lon >= -180 && *lon <= 180 && *lat >= -90 &&
                   *lat <= 90
               ? 0
               : -1;
}

/* What a list asks for beyond the store's query: sort=travel_time. */
struct travel_sort {
    api_travel_args args;
    size_t limit; /* the list's limit; the store is asked for more */
};

/* bbox=, near=, radius=, sort=, mode=, limit= into *q and *travel; -1 after a 400. */
static int geo_args(const api_request *req, dorf_geo_query *q, struct travel_sort *travel,
                    api_response *res) {
    memset(q, 0, sizeof *q);
    const char *bbox_text = api_query(req, "bbox");
    const char *near = api_query(req, "near");
    const char *radius_text = api_query(req, "radius");
    const char *sort = api_query(req, "sort");
    int64_t limit = DORF_MARKET_DEFAULT_LIST;
    if (api_query_int(req, "limit", API_OPTIONAL, 1, DORF_MARKET_MAX_LIST, &limit, res) != 0) {
        return -1;
    }
    q->limit = (size_t)limit;
    if (bbox_text && near) {
        api_error(res, 400, "bad_query", "give either 'bbox' or 'near', not both");
        return -1;
    }
    if (bbox_text) {
        double b[4];
        if (api_query_bbox(req, "bbox", API_REQUIRED, b, res) != 0) {
            return -1;
        }
        if (!(b[0] < b[2] && b[1] < b[3])) {
            api_error(res, 400, "bad_query",
                      "'bbox' must have minlon < maxlon and minlat < maxlat");
            return -1;
        }
        if (b[2] - b[0] > MAX_BBOX_DEG || b[3] - b[1] > MAX_BBOX_DEG) {
            api_error(res, 400, "bad_query", "'bbox' may span at most %g degrees each way",
                      MAX_BBOX_DEG);
            return -1;
        }
        q->kind = DORF_GEO_BBOX;
        q->min_lon_deg = b[0];
        q->min_lat_deg = b[1];
        q->max_lon_deg = b[2];
        q->max_lat_deg = b[3];
    } else if (near) {
        if (parse_lonlat(near, &q->lon_deg, &q->lat_deg) != 0) {
            api_error(res, 400, "bad_query",
                      "'near' must be lon,lat in degrees (lon -180..180, lat -90..90)");
            return -1;
        }
        int64_t radius = 0;
        if (!radius_text) {
            api_error(res, 400, "bad_query", "'near' needs 'radius' (metres, 1 to %d)",
                      MAX_RADIUS_M);
            return -1;
        }
        if (api_query_int(req, "radius", API_REQUIRED, 1, MAX_RADIUS_M, &radius, res) != 0) {
            return -1;
        }
        q->kind = DORF_GEO_NEAR;
        q->radius_m = (double)radius;
    } else if (radius_text) {
        api_error(res, 400, "bad_query", "'radius' needs 'near'");
        return -1;
    }
    if (sort && strcmp(sort, "distance") == 0) {
        if (q->kind == DORF_GEO_ANY) {
            api_error(res, 400, "bad_query", "sort=distance needs 'bbox' or 'near'");
            return -1;
        }
        q->by_distance = 1;
    } else if (sort && strcmp(sort, "id") != 0 && strcmp(sort, "travel_time") != 0) {
        api_error(res, 400, "bad_query", "'sort' is 'distance', 'travel_time' or 'id'");
        return -1;
    }
    memset(travel, 0, sizeof *travel);
    if (api_travel_args_read(req, sort, q->kind == DORF_GEO_NEAR, &travel->args, res) != 0) {
        return -1;
    }
    if (travel->args.on) {
        /* The nearest by straight line, as many as a list may hold, then by travel time. */
        q->by_distance = 1;
        travel->limit = q->limit;
        q->limit = DORF_MARKET_MAX_LIST;
    }
    return 0;
}

/*
 * With sort=travel_time, the items of a list fetched nearest first (positions filled in by the
 * caller, index = position in the list) are put in order of travel time and cut to the list's
 * limit (*n). 0, or -1 after an error answer.
 */
static int travel_order(api_request *req, api_response *res, const struct travel_sort *travel,
                        const dorf_geo_query *q, api_travel_item *items, size_t *n) {
    if (api_travel_order(req, res, &travel->args, q->lon_deg, q->lat_deg, q->radius_m, items, *n) !=
        0) {
        return -1;
    }
    if (*n > travel->limit) {
        *n = travel->limit;
    }
    return 0;
}

/* An arena array of n travel items (at least one); NULL after a 503. */
static api_travel_item *travel_items(dorf_arena *arena, size_t n, api_response *res) {
    api_travel_item *items = dorf_arena_alloc(arena, (n ? n : 1) * sizeof *items);
    if (!items) {
        api_error(res, 503, "unavailable", "out of memory; try again");
    }
    return items;
}

/* format=json (default) or format=geojson: 1 for GeoJSON, 0 for JSON, -1 after a 400. */
static int geojson_arg(const api_request *req, api_response *res) {
    const char *f = api_query(req, "format");
    if (!f || strcmp(f, "json") == 0) {
        return 0;
    }
    if (strcmp(f, "geojson") == 0) {
        return 1;
    }
    api_error(res, 400, "bad_query", "'format' is 'json' or 'geojson'");
    return -1;
}

/*
 * Answers a list: `items` (objects with "lon" and "lat") as a JSON array, or as a
 * FeatureCollection whose features carry the other members as properties.
 */
static void answer_list(api_response *res, json_t *items, int geojson) {
    if (!geojson) {
        api_json(res, 200, items);
        return;
    }
    json_t *features = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *lon = json_incref(json_object_get(item, "lon"));
        json_t *lat = json_incref(json_object_get(item, "lat"));
        json_t *id = json_incref(json_object_get(item, "id"));
        json_t *props = json_deep_copy(item);
        json_object_del(props, "lon");
        json_object_del(props, "lat");
        json_t *f = json_pack("{s:s, s:{s:s, s:[o, o]}, s:o}", "type", "Feature", "geometry",
                              "type", "Point", "coordinates", lon, lat, "properties", props);
        if (f && id && !json_is_null(id)) {
            json_object_set(f, "id", id);
        }
        json_decref(id);
        json_array_append_new(features, f);
    }
    json_decref(items);
    api_json(res, 200, json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features));
    res->content_type = "application/geo+json";
}

/* ---- places ------------------------------------------------------------------------------ */

/* A map list's rows as the store fetched them, nearest first. */
typedef struct located_rows {
    const void *rows;
    size_t row_size;
    size_t lon, lat, distance; /* offsets of the row's lon_deg, lat_deg, distance_m (doubles) */
    json_t *(*to_json)(api_request *req, const void *row);
} located_rows;

static double row_double(const located_rows *r, size_t i, size_t offset) {
    double x;
    memcpy(&x, (const char *)r->rows + i * r->row_size + offset, sizeof x);
    return x;
}

/*
 * Answers a map list of n rows: in the order fetched, or with sort=travel_time in order of
 * travel time from the origin (cut to the limit, each row with its travel_time_s).
 */
static void answer_located(api_request *req, api_response *res, dorf_arena *arena,
                           const struct travel_sort *travel, const dorf_geo_query *q,
                           const located_rows *r, size_t n, int geojson) {
    api_travel_item *order = NULL;
    if (travel->args.on) {
        if (!(order = travel_items(arena, n, res))) {
            return;
        }
        for (size_t i = 0; i < n; i++) {
            order[i] = (api_travel_item){row_double(r, i, r->lon), row_double(r, i, r->lat),
                                         row_double(r, i, r->distance), i, NAN};
        }
        if (travel_order(req, res, travel, q, order, &n) != 0) {
            return;
        }
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        size_t row = order ? order[i].index : i;
        json_t *o = r->to_json(req, (const char *)r->rows + row * r->row_size);
        if (o && order) {
            json_object_set_new(o, "travel_time_s", api_travel_time_json(order[i].time_s));
        }
        json_array_append_new(items, o);
    }
    answer_list(res, items, geojson);
}

static json_t *place_json(api_request *req, const dorf_place_summary *p) {
    char osm[32];
    snprintf(osm, sizeof osm, "%c%lld", p->osm_type, (long long)p->osm_id);
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "id", osm, "osm_type",
        p->osm_type == 'n'   ? "node"
        : p->osm_type == 'w' ? "way"
                             : "relation",
        "osm_id", (json_int_t)p->osm_id, "name", string_or_null(p->name), "category",
        p->category ? p->category : "other", "kind", string_or_null(p->osm_value), "opening_hours",
        string_or_null(p->opening_hours), "open_now", api_open_now_json(req, p->opening_hours),
        "lon", coord(p->lon_deg), "lat", coord(p->lat_deg));
    if (!o) {
        return NULL;
    }
    json_object_set_new(o, "shop_id", p->shop_id ? json_integer(p->shop_id) : json_null());
    if (p->distance_m >= 0) {
        json_object_set_new(o, "distance_m", json_real(round(p->distance_m * 10) / 10));
    }
    return o;
}

static json_t *place_row_json(api_request *req, const void *row) {
    return place_json(req, row);
}

static void h_places(api_request *req, api_response *res) {
    const char *category = api_query(req, "category");
    dorf_category cat;
    if (category && dorf_category_from_name(category, &cat) != DORF_OK) {
        api_error(res, 400, "bad_query", "unknown category '%.40s'", category);
        return;
    }
    dorf_geo_query q;
    struct travel_sort travel;
    int geojson = geojson_arg(req, res);
    if (geojson < 0 || geo_args(req, &q, &travel, res) != 0) {
        return;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_place_summary *places = NULL;
    size_t n = 0;
    dorf_status st = dorf_store_list_places(req->store, arena, category, &q, &places, &n);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        located_rows rows = {places,
                             sizeof *places,
                             offsetof(dorf_place_summary, lon_deg),
                             offsetof(dorf_place_summary, lat_deg),
                             offsetof(dorf_place_summary, distance_m),
                             place_row_json};
        answer_located(req, res, arena, &travel, &q, &rows, n, geojson);
    }
    dorf_arena_free(arena);
}

/* ---- shops ------------------------------------------------------------------------------- */

static json_t *shop_json(api_request *req, const dorf_shop *s) {
    char osm[32];
    snprintf(osm, sizeof osm, "%c%lld", s->osm_type, (long long)s->osm_id);
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o}", "id", (json_int_t)s->id,
                  "name", s->name ? s->name : "", "place", osm, "category",
                  string_or_null(s->category), "opening_hours", string_or_null(s->opening_hours),
                  "open_now", api_open_now_json(req, s->opening_hours), "owner_id",
                  json_integer(s->owner_id), "created_at", (json_int_t)s->created_at, "lon",
                  coord(s->lon_deg), "lat", coord(s->lat_deg));
    if (o && s->distance_m >= 0) {
        json_object_set_new(o, "distance_m", json_real(round(s->distance_m * 10) / 10));
    }
    return o;
}

static json_t *shop_row_json(api_request *req, const void *row) {
    return shop_json(req, row);
}

static void h_shop_claim(api_request *req, api_response *res) {
    static const char *const fields[] = {"osm_type", "osm_id", NULL};
    const char *type = NULL;
    int64_t osm_id = 0;
    if (api_body_only(req, fields, res) ||
        api_body_string(req, "osm_type", API_REQUIRED, 8, &type, res) ||
        api_body_int(req, "osm_id", API_REQUIRED, 1, MAX_OSM_ID, &osm_id, res)) {
        return;
    }
    char t = 0;
    if (strcmp(type, "node") == 0 || strcmp(type, "n") == 0) {
        t = 'n';
    } else if (strcmp(type, "way") == 0 || strcmp(type, "w") == 0) {
        t = 'w';
    } else if (strcmp(type, "relation") == 0 || strcmp(type, "r") == 0) {
        t = 'r';
    } else {
        api_error(res, 400, "bad_field", "the field 'osm_type' must be node, way or relation");
        return;
    }
    int64_t id = 0;
    dorf_status st = dorf_store_shop_claim(req->store, req->user->id, t, osm_id, req->now, &id);
    if (st != DORF_OK) {
        store_error(req, res, st, "already_claimed");
        return;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_shop shop;
    if ((st = dorf_store_shop_get(req->store, arena, id, &shop)) != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        snprintf(res->location, sizeof res->location, "/api/shops/%lld", (long long)id);
        api_json(res, 201, shop_json(req, &shop));
    }
    dorf_arena_free(arena);
}

static void h_shops(api_request *req, api_response *res) {
    dorf_geo_query q;
    struct travel_sort travel;
    int geojson = geojson_arg(req, res);
    if (geojson < 0 || geo_args(req, &q, &travel, res) != 0) {
        return;
    }
    int64_t owner = 0;
    const char *mine = api_query(req, "mine");
    if (mine) {
        if (strcmp(mine, "true") != 0 || !req->user) {
            api_error(res, 400, "bad_query", "'mine' is 'true' and needs a session");
            return;
        }
        owner = req->user->id;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_shop *shops = NULL;
    size_t n = 0;
    dorf_status st = dorf_store_list_shops(req->store, arena, owner, &q, &shops, &n);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        located_rows rows = {shops,
                             sizeof *shops,
                             offsetof(dorf_shop, lon_deg),
                             offsetof(dorf_shop, lat_deg),
                             offsetof(dorf_shop, distance_m),
                             shop_row_json};
        answer_located(req, res, arena, &travel, &q, &rows, n, geojson);
    }
    dorf_arena_free(arena);
}

static void h_shop(api_request *req, api_response *res) {
    int64_t id = path_id(req, 0, "shop", res);
    if (!id) {
        return;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_shop shop;
    dorf_status st = dorf_store_shop_get(req->store, arena, id, &shop);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        api_json(res, 200, shop_json(req, &shop));
    }
    dorf_arena_free(arena);
}

/* ---- products ---------------------------------------------------------------------------- */

static json_t *product_json(const dorf_product *p) {
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:b}", "id", (json_int_t)p->id, "shop_id",
                     (json_int_t)p->shop_id, "name", p->name ? p->name : "", "unit",
                     p->unit ? p->unit : "", "price_cents", (json_int_t)p->price_cents, "stock",
                     (json_int_t)p->stock, "active", p->active);
}

static void h_products(api_request *req, api_response *res) {
    int64_t shop_id = path_id(req, 0, "shop", res);
    if (!shop_id) {
        return;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_shop shop;
    dorf_product *products = NULL;
    size_t n = 0;
    dorf_status st = dorf_store_shop_get(req->store, arena, shop_id, &shop);
    if (st == DORF_OK) {
        const int owner = req->user && req->user->id == shop.owner_id;
        st = dorf_store_list_products(req->store, arena, shop_id, owner, &products, &n);
    }
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(items, product_json(&products[i]));
        }
        api_json(res, 200, items);
    }
    dorf_arena_free(arena);
}

static void answer_product(api_request *req, api_response *res, int64_t id, unsigned status) {
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_product p;
    dorf_status st = dorf_store_product_get(req->store, arena, id, &p);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        if (status == 201) {
            snprintf(res->location, sizeof res->location, "/api/products/%lld", (long long)id);
        }
        api_json(res, status, product_json(&p));
    }
    dorf_arena_free(arena);
}

static void h_product_add(api_request *req, api_response *res) {
    static const char *const fields[] = {"name", "price_cents", "unit", "stock", "active", NULL};
    int64_t shop_id = path_id(req, 0, "shop", res);
    if (!shop_id) {
        return;
    }
    dorf_product p = {.active = 1};
    if (api_body_only(req, fields, res) ||
        api_body_string(req, "name", API_REQUIRED | API_PLAIN_TEXT, DORF_MARKET_MAX_NAME, &p.name,
                        res) ||
        api_body_int(req, "price_cents", API_REQUIRED, 0, DORF_MARKET_MAX_PRICE_CENTS,
                     &p.price_cents, res) ||
        api_body_string(req, "unit", API_REQUIRED | API_PLAIN_TEXT, DORF_MARKET_MAX_UNIT, &p.unit,
                        res) ||
        api_body_int(req, "stock", API_REQUIRED, 0, DORF_MARKET_MAX_STOCK, &p.stock, res) ||
        api_body_bool(req, "active", API_OPTIONAL, &p.active, res)) {
        return;
    }
    int64_t id = 0;
    dorf_status st = dorf_store_product_add(req->store, req->user->id, shop_id, &p, req->now, &id);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
        return;
    }
    answer_product(req, res, id, 201);
}

static void h_product_update(api_request *req, api_response *res) {
    static const char *const fields[] = {"name", "price_cents", "unit", "stock", "active", NULL};
    int64_t id = path_id(req, 0, "product", res);
    if (!id) {
        return;
    }
    dorf_product_change c = {0};
    if (api_body_only(req, fields, res) ||
        api_body_string(req, "name", API_OPTIONAL | API_PLAIN_TEXT, DORF_MARKET_MAX_NAME, &c.name,
                        res) ||
        api_body_int(req, "price_cents", API_OPTIONAL, 0, DORF_MARKET_MAX_PRICE_CENTS,
                     &c.price_cents, res) ||
        api_body_string(req, "unit", API_OPTIONAL | API_PLAIN_TEXT, DORF_MARKET_MAX_UNIT, &c.unit,
                        res) ||
        api_body_int(req, "stock", API_OPTIONAL, 0, DORF_MARKET_MAX_STOCK, &c.stock, res) ||
        api_body_bool(req, "active", API_OPTIONAL, &c.active, res)) {
        return;
    }
    /* A field sent as null is refused: it would mean "unset", which no product field can be. */
    static const unsigned bits[] = {DORF_PRODUCT_NAME, DORF_PRODUCT_PRICE, DORF_PRODUCT_UNIT,
                                    DORF_PRODUCT_STOCK, DORF_PRODUCT_ACTIVE};
    for (size_t i = 0; fields[i]; i++) {
        json_t *v = json_object_get(req->body, fields[i]);
        if (json_is_null(v)) {
            api_error(res, 400, "bad_field", "the field '%s' cannot be null", fields[i]);
            return;
        }
        if (v) {
            c.fields |= bits[i];
        }
    }
    if (!c.fields) {
        api_error(res, 400, "bad_request",
                  "nothing to change: send name, price_cents, unit, stock or active");
        return;
    }
    dorf_status st = dorf_store_product_update(req->store, req->user->id, id, &c, req->now);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
        return;
    }
    answer_product(req, res, id, 200);
}

/* ---- orders ------------------------------------------------------------------------------ */

static json_t *order_json(const dorf_order *o) {
    json_t *items = json_array();
    for (size_t i = 0; i < o->item_count; i++) {
        const dorf_order_item *it = &o->items[i];
        json_array_append_new(
            items,
            json_pack("{s:I, s:o, s:o, s:I, s:I}", "product_id", (json_int_t)it->product_id, "name",
                      string_or_null(it->name), "unit", string_or_null(it->unit), "quantity",
                      (json_int_t)it->quantity, "price_cents", (json_int_t)it->price_cents));
    }
    json_t *dropoff = o->delivery ? json_pack("{s:o, s:o}", "lon", coord(o->dropoff_lon_deg), "lat",
                                              coord(o->dropoff_lat_deg))
                                  : json_null();
    return json_pack("{s:I, s:{s:I, s:o}, s:I, s:s, s:b, s:o, s:I, s:o, s:o, s:I, s:I}", "id",
                     (json_int_t)o->id, "shop", "id", (json_int_t)o->shop_id, "name",
                     string_or_null(o->shop_name), "citizen_id", (json_int_t)o->citizen_id, "state",
                     dorf_order_state_name(o->state), "delivery", o->delivery, "dropoff", dropoff,
                     "total_cents", (json_int_t)o->total_cents, "items", items, "parcel_id",
                     o->parcel_id ? json_integer(o->parcel_id) : json_null(), "created_at",
                     (json_int_t)o->created_at, "updated_at", (json_int_t)o->updated_at);
}

static void answer_order(api_request *req, api_response *res, int64_t id, unsigned status) {
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_order o;
    dorf_status st = dorf_store_order_get(req->store, arena, user_id(req), id, &o);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        if (status == 201) {
            snprintf(res->location, sizeof res->location, "/api/orders/%lld", (long long)id);
        }
        api_json(res, status, order_json(&o));
    }
    dorf_arena_free(arena);
}

/* The "items" of an order: 1..DORF_MARKET_MAX_ITEMS objects {product_id, quantity}. */
static int order_lines(const api_request *req, dorf_order_line *lines, size_t *count,
                       api_response *res) {
    json_t *items = json_object_get(req->body, "items");
    if (!items || json_is_null(items)) {
        api_error(res, 400, "missing_field", "the field 'items' is required");
        return -1;
    }
    if (!json_is_array(items) || json_array_size(items) < 1 ||
        json_array_size(items) > DORF_MARKET_MAX_ITEMS) {
        api_error(res, 400, "bad_field", "the field 'items' must be a list of 1 to %d items",
                  DORF_MARKET_MAX_ITEMS);
        return -1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *pid = json_object_get(item, "product_id");
        json_t *qty = json_object_get(item, "quantity");
        if (!json_is_object(item) || json_object_size(item) != 2 || !json_is_integer(pid) ||
            !json_is_integer(qty)) {
            api_error(res, 400, "bad_field",
                      "the field 'items[%zu]' must be {\"product_id\": integer, \"quantity\": "
                      "integer}",
                      i);
            return -1;
        }
        if (json_integer_value(pid) < 1) {
            api_error(res, 400, "bad_field", "the field 'items[%zu].product_id' must be positive",
                      i);
            return -1;
        }
        if (json_integer_value(qty) < 1 || json_integer_value(qty) > DORF_MARKET_MAX_QUANTITY) {
            api_error(res, 400, "bad_field",
                      "the field 'items[%zu].quantity' must lie between 1 and %lld", i,
                      DORF_MARKET_MAX_QUANTITY);
            return -1;
        }
        lines[i].product_id = json_integer_value(pid);
        lines[i].quantity = json_integer_value(qty);
        for (size_t j = 0; j < i; j++) {
            if (lines[j].product_id == lines[i].product_id) {
                api_error(res, 400, "bad_field", "the field 'items' lists product %lld twice",
                          (long long)lines[i].product_id);
                return -1;
            }
        }
    }
    *count = json_array_size(items);
    return 0;
}

/* The "dropoff" of an order: {lon, lat} in degrees. */
static int order_dropoff(const api_request *req, double *lon, double *lat, api_response *res) {
    json_t *v = json_object_get(req->body, "dropoff");
    json_t *x = json_object_get(v, "lon");
    json_t *y = json_object_get(v, "lat");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(x) ||
        !json_is_number(y)) {
        api_error(res, 400, "bad_field", "the field 'dropoff' must be {\"lon\": .., \"lat\": ..}");
        return -1;
    }
    *lon = json_number_value(x);
    *lat = json_number_value(y);
    if (!(*lon >= -180 && *lon <= 180 && *lat >= -90 && *lat <= 90)) {
        api_error(res, 400, "bad_field",
                  "the field 'dropoff' must have lon in [-180, 180] and lat in [-90, 90]");
        return -1;
    }
    return 0;
}

static void h_order_place(api_request *req, api_response *res) {
    static const char *const fields[] = {"shop_id", "items", "delivery", "dropoff", NULL};
    int64_t shop_id = 0;
    int delivery = 0;
    dorf_order_line lines[DORF_MARKET_MAX_ITEMS];
    size_t count = 0;
    if (api_body_only(req, fields, res) ||
        api_body_int(req, "shop_id", API_REQUIRED, 1, INT64_MAX, &shop_id, res) ||
        order_lines(req, lines, &count, res) ||
        api_body_bool(req, "delivery", API_OPTIONAL, &delivery, res)) {
        return;
    }
    json_t *dropoff = json_object_get(req->body, "dropoff");
    dorf_order_request order = {.citizen_id = req->user->id,
                                .shop_id = shop_id,
                                .lines = lines,
                                .line_count = count,
                                .delivery = delivery};
    if (delivery) {
        if (!dropoff || json_is_null(dropoff)) {
            api_error(res, 400, "missing_field", "a delivery needs the field 'dropoff'");
            return;
        }
        if (order_dropoff(req, &order.dropoff_lon_deg, &order.dropoff_lat_deg, res) != 0) {
            return;
        }
    } else if (dropoff && !json_is_null(dropoff)) {
        api_error(res, 400, "bad_field", "the field 'dropoff' is only for \"delivery\": true");
        return;
    }
    int64_t id = 0;
    int64_t short_product = 0;
    dorf_status st = dorf_store_order_place(req->store, &order, req->now, &id, &short_product);
    if (st == DORF_ECONFLICT && short_product) {
        json_t *body =
            json_pack("{s:{s:s, s:s, s:I}}", "error", "code", "out_of_stock", "message",
                      dorf_ctx_errmsg(req->ctx), "product_id", (json_int_t)short_product);
        api_json(res, 409, body);
        return;
    }
    if (st != DORF_OK) {
        store_error(req, res, st, "out_of_stock");
        return;
    }
    answer_order(req, res, id, 201);
}

static void h_orders(api_request *req, api_response *res) {
    dorf_geo_query q;
    struct travel_sort travel;
    if (geo_args(req, &q, &travel, res) != 0) {
        return;
    }
    if (travel.args.on) {
        api_error(res, 400, "bad_query", "orders sort by 'distance' or 'id', not by travel time");
        return;
    }
    const char *state_text = api_query(req, "state");
    dorf_order_state state;
    if (state_text && dorf_order_state_from_name(state_text, &state) != DORF_OK) {
        api_error(res, 400, "bad_query",
                  "'state' is one of placed, accepted, ready, collected, handed_over, delivered, "
                  "cancelled, rejected");
        return;
    }
    dorf_arena *arena = request_arena(res);
    if (!arena) {
        return;
    }
    dorf_order *orders = NULL;
    size_t n = 0;
    dorf_status st = dorf_store_list_orders(req->store, arena, req->user->id,
                                            state_text ? &state : NULL, &q, &orders, &n);
    if (st != DORF_OK) {
        store_error(req, res, st, "conflict");
    } else {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(items, order_json(&orders[i]));
        }
        api_json(res, 200, items);
    }
    dorf_arena_free(arena);
}

static void h_order(api_request *req, api_response *res) {
    int64_t id = path_id(req, 0, "order", res);
    if (id) {
        answer_order(req, res, id, 200);
    }
}

static void h_order_transition(api_request *req, api_response *res) {
    static const char *const fields[] = {"state", NULL};
    int64_t id = path_id(req, 0, "order", res);
    const char *name = NULL;
    if (!id || api_body_only(req, fields, res) ||
        api_body_string(req, "state", API_REQUIRED, 32, &name, res)) {
        return;
    }
    dorf_order_state to;
    if (dorf_order_state_from_name(name, &to) != DORF_OK) {
        api_error(res, 400, "bad_field",
                  "the field 'state' is one of accepted, ready, collected, handed_over, "
                  "cancelled, rejected");
        return;
    }
    dorf_status st = dorf_store_order_transition(req->store, req->user->id, id, to, req->now);
    if (st != DORF_OK) {
        store_error(req, res, st, "illegal_transition");
        return;
    }
    answer_order(req, res, id, 200);
}

#define CITIZEN_OR_SHOP (DORF_ROLE_CITIZEN | DORF_ROLE_SHOP)

const api_route api_routes_market[] = {
    {"GET", "/api/places", 0, h_places, "List the region's places with opening hours"},
    {"POST", "/api/shops", DORF_ROLE_SHOP, h_shop_claim, "Claim a place as your shop"},
    {"GET", "/api/shops", 0, h_shops, "List shops"},
    {"GET", "/api/shops/{id}", 0, h_shop, "A shop with its opening hours"},
    {"GET", "/api/shops/{id}/products", 0, h_products, "A shop's products"},
    {"POST", "/api/shops/{id}/products", DORF_ROLE_SHOP, h_product_add,
     "Add a product to your shop"},
    {"PATCH", "/api/products/{id}", DORF_ROLE_SHOP, h_product_update, "Change your product"},
    {"POST", "/api/orders", DORF_ROLE_CITIZEN, h_order_place, "Place an order"},
    {"GET", "/api/orders", CITIZEN_OR_SHOP, h_orders, "Your orders, or your shops' orders"},
    {"GET", "/api/orders/{id}", CITIZEN_OR_SHOP, h_order, "One of your orders"},
    {"POST", "/api/orders/{id}/transition", CITIZEN_OR_SHOP, h_order_transition,
     "Move an order to its next state"},
};

const size_t api_routes_market_count = sizeof api_routes_market / sizeof api_routes_market[0];
