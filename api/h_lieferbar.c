/*
 * h_lieferbar.c: LieferBar over HTTP (docs/api.md, "LieferBar"): volunteers publish their
 * availability, see open parcels on the map, claim them (one at a time or a route's worth
 * at once), and report them picked up and delivered.
 *
 * Every endpoint needs the volunteer role and acts for the caller only: availabilities and
 * claimed parcels of others answer 404 (dorf/lieferbar_store.h). Claiming is decided by the
 * store's conditional UPDATE, so concurrent claims of one parcel give one 200 and 409s.
 * Lists are JSON arrays or, with format=geojson, RFC 7946 FeatureCollections of Points at
 * the pickup (application/geo+json), as the marketplace's lists are (h_market.c). Route proposals
 * (h_lieferbar_routes.c) run as jobs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/lieferbar_store.h"
#include "h_lieferbar.h"
#include "json_util.h"
#include "routes.h"

#define MAX_TIME_S 4102444800LL /* 2100-01-01: later times are typing errors */

void lieferbar_store_error(api_response *res, dorf_status st, dorf_ctx *ctx) {
    const char *msg = dorf_ctx_errmsg(ctx);
    if (!msg || !*msg) {
        msg = dorf_strerror(st);
    }
    switch (st) {
    case DORF_ENOTFOUND:
        api_error(res, 404, "not_found", "%s", msg);
        break;
    case DORF_ECONFLICT:
        api_error(res, 409, "conflict", "%s", msg);
        break;
    case DORF_EINVAL:
        api_error(res, 400, "bad_request", "%s", msg);
        break;
    default:
        api_error(res, 500, "internal", "the store failed");
        break;
    }
}

/* A position object {"lon": .., "lat": ..}; on error a 400 naming `key`. */
static int body_position(const api_request *req, const char *key, unsigned flags, int *present,
                         double *lon, double *lat, api_response *res) {
    json_t *v = json_object_get(req->body, key);
    *present = 0;
    if (!v || json_is_null(v)) {
        if (flags & API_OPTIONAL) {
            return 0;
        }
        api_error(res, 400, "missing_field", "the field \"%s\" is required", key);
        return -1;
    }
    json_t *x = json_object_get(v, "lon");
    json_t *y = json_object_get(v, "lat");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(x) ||
        !json_is_number(y)) {
        api_error(res, 400, "bad_field", "\"%s\" must be an object {\"lon\": .., \"lat\": ..}",
                  key);
        return -1;
    }
    *lon = json_number_value(x);
    *lat = json_number_value(y);
    if (!(*lon >= -180 && *lon <= 180 && *lat >= -90 && *lat <= 90)) {
        api_error(res, 400, "bad_field",
                  "\"%s\" must lie on the globe (lon -180..180, lat -90..90)", key);
        return -1;
    }
    *present = 1;
    return 0;
}

static json_t *position_object(double lon, double lat) {
    return json_pack("{s:f, s:f}", "lon", lon, "lat", lat);
}

static json_t *availability_json(const dorf_availability *a) {
    return json_pack("{s:I, s:s, s:i, s:I, s:I, s:i, s:o, s:o}", "id", (json_int_t)a->id, "mode",
                     a->mode, "capacity", (int)a->capacity, "from_at", (json_int_t)a->from_at,
                     "until_at", (json_int_t)a->until_at, "max_detour_s", (int)a->max_detour_s,
                     "home", position_object(a->home_lon_deg, a->home_lat_deg), "trip",
                     a->has_trip ? position_object(a->trip_lon_deg, a->trip_lat_deg) : json_null());
}

/* POST /api/availability */
static void post_availability(api_request *req, api_response *res) {
    static const char *const fields[] = {"from_at",      "until_at", "mode", "capacity",
                                         "max_detour_s", "home",     "trip", NULL};
    dorf_availability a = {0};
    int64_t from_at = 0, until_at = 0, capacity = 0, detour = 0;
    const char *mode = NULL;
    int has_home = 0;
    if (api_body_only(req, fields, res) ||
        api_body_int(req, "from_at", API_REQUIRED, 0, MAX_TIME_S, &from_at, res) ||
        api_body_int(req, "until_at", API_REQUIRED, 0, MAX_TIME_S, &until_at, res) ||
        api_body_string(req, "mode", API_REQUIRED, 8, &mode, res) ||
        api_body_int(req, "capacity", API_REQUIRED, 1, DORF_AVAILABILITY_MAX_CAPACITY, &capacity,
                     res) ||
        api_body_int(req, "max_detour_s", API_REQUIRED, 0, DORF_AVAILABILITY_MAX_DETOUR_S, &detour,
                     res) ||
        body_position(req, "home", API_REQUIRED, &has_home, &a.home_lon_deg, &a.home_lat_deg,
                      res) ||
        body_position(req, "trip", API_OPTIONAL, &a.has_trip, &a.trip_lon_deg, &a.trip_lat_deg,
                      res)) {
        return;
    }
    if (strcmp(mode, "walk") != 0 && strcmp(mode, "bike") != 0 && strcmp(mode, "car") != 0) {
        api_error(res, 400, "bad_field", "\"mode\" must be \"walk\", \"bike\" or \"car\"");
        return;
    }
    if (until_at <= from_at || until_at - from_at > DORF_AVAILABILITY_MAX_SPAN_S) {
        api_error(res, 400, "bad_field",
                  "\"until_at\" must lie after \"from_at\", at most 24 hours later");
        return;
    }
    a.volunteer_id = req->user->id;
    snprintf(a.mode, sizeof a.mode, "%s", mode);
    a.capacity = (int32_t)capacity;
    a.from_at = from_at;
    a.until_at = until_at;
    a.max_detour_s = (int32_t)detour;
    dorf_status st = dorf_store_availability_add(req->store, &a, req->now, &a.id);
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    snprintf(res->location, sizeof res->location, "/api/availability/%lld", (long long)a.id);
    api_json(res, 201, availability_json(&a));
}

/* GET /api/availability: the caller's own. */
static void get_availability(api_request *req, api_response *res) {
    dorf_arena *arena = dorf_arena_new();
    dorf_availability *list = NULL;
    size_t n = 0;
    dorf_status st = arena
                         ? dorf_store_availability_list(req->store, arena, req->user->id, &list, &n)
                         : DORF_ENOMEM;
    if (st != DORF_OK) {
        dorf_arena_free(arena);
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++) {
        if (json_array_append_new(array, availability_json(&list[i])) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    dorf_arena_free(arena);
    api_json(res, 200, array);
}

/* DELETE /api/availability/{id} */
static void delete_availability(api_request *req, api_response *res) {
    int64_t id = api_param_id(req, 0);
    dorf_status st = id > 0
                         ? dorf_store_availability_delete(req->store, req->user->id, id, req->now)
                         : dorf_fail(req->ctx, DORF_ENOTFOUND, "no such availability");
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    res->status = 204;
}

/* Parses "lon,lat" into two numbers on the globe. */
static int parse_lonlat(const char *s, double *lon, double *lat) {
    char *end = NULL;
    *lon = strtod(s, &end);
    if (end == s || *end != ',') {
        return -1;
    }
    const char *t = end + 1;
    *lat = strtod(t, &end);
    if (end == t || *end || !(*lon >= -180 && *lon <= 180 && *lat >= -90 && *lat <= 90)) {
        return -1;
    }
    return 0;
}

int lieferbar_geo_query(const api_request *req, api_response *res, dorf_geo_query *q) {
    memset(q, 0, sizeof *q);
    double bbox[4];
    const char *near = api_query(req, "near");
    const char *sort = api_query(req, "sort");
    int64_t radius = 0, limit = 0;
    if (api_query_bbox(req, "bbox", API_OPTIONAL, bbox, res) ||
        api_query_int(req, "radius", API_OPTIONAL, 1, 50000, &radius, res) ||
        api_query_int(req, "limit", API_OPTIONAL, 1, DORF_MARKET_MAX_LIST, &limit, res)) {
        return -1;
    }
    if (api_query(req, "bbox") && near) {
        api_error(res, 400, "bad_query", "give either 'bbox' or 'near', not both");
        return -1;
    }
    if (api_query(req, "bbox")) {
        q->kind = DORF_GEO_BBOX;
        q->min_lon_deg = bbox[0];
        q->min_lat_deg = bbox[1];
        q->max_lon_deg = bbox[2];
        q->max_lat_deg = bbox[3];
    } else if (near) {
        if (parse_lonlat(near, &q->lon_deg, &q->lat_deg) != 0) {
            api_error(res, 400, "bad_query", "the query argument 'near' must be lon,lat");
            return -1;
        }
        if (!radius) {
            api_error(res, 400, "bad_query", "'near' needs 'radius' (metres, 1 to 50000)");
            return -1;
        }
        q->kind = DORF_GEO_NEAR;
        q->radius_m = (double)radius;
    } else if (radius) {
        api_error(res, 400, "bad_query", "'radius' needs 'near'");
        return -1;
    }
    if (sort) {
        if (strcmp(sort, "distance") != 0 && strcmp(sort, "id") != 0) {
            api_error(res, 400, "bad_query", "the query argument 'sort' must be distance or id");
            return -1;
        }
        q->by_distance = strcmp(sort, "distance") == 0;
        if (q->by_distance && q->kind == DORF_GEO_ANY) {
            api_error(res, 400, "bad_query", "sort=distance needs 'bbox' or 'near'");
            return -1;
        }
    }
    q->limit = (size_t)limit;
    return 0;
}

/* A parcel as a JSON object with the pickup as "lon", "lat" (NULL out of memory). */
static json_t *parcel_row(const dorf_parcel *p) {
    json_t *row = json_pack(
        "{s:I, s:s, s:I, s:I, s:s, s:f, s:f, s:{s:f, s:f}, s:I, s:I, s:I, s:i, s:I}", "id",
        (json_int_t)p->id, "state", dorf_parcel_state_name(p->state), "order_id",
        (json_int_t)p->order_id, "shop_id", (json_int_t)p->shop_id, "shop",
        p->shop_name ? p->shop_name : "", "lon", p->pickup_lon_deg, "lat", p->pickup_lat_deg,
        "dropoff", "lon", p->dropoff_lon_deg, "lat", p->dropoff_lat_deg, "ready_at",
        (json_int_t)p->ready_at, "due_from", (json_int_t)p->due_from, "due_until",
        (json_int_t)p->due_until, "size", (int)p->size, "updated_at", (json_int_t)p->updated_at);
    if (row && p->volunteer_id) {
        json_object_set_new(row, "volunteer_id", json_integer(p->volunteer_id));
    }
    if (row && p->distance_m >= 0) {
        json_object_set_new(row, "distance_m", json_real(round(p->distance_m * 10) / 10));
    }
    return row;
}

json_t *lieferbar_parcel_json(const dorf_parcel *p, int geojson) {
    json_t *row = parcel_row(p);
    if (!row || !geojson) {
        return row;
    }
    json_object_del(row, "lon");
    json_object_del(row, "lat");
    return json_pack("{s:s, s:I, s:{s:s, s:[f,f]}, s:o}", "type", "Feature", "id",
                     (json_int_t)p->id, "geometry", "type", "Point", "coordinates",
                     p->pickup_lon_deg, p->pickup_lat_deg, "properties", row);
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

/* GET /api/parcels */
static void get_parcels(api_request *req, api_response *res) {
    dorf_geo_query q;
    const char *mine = api_query(req, "mine");
    int geojson = geojson_arg(req, res);
    if (geojson < 0 || lieferbar_geo_query(req, res, &q)) {
        return;
    }
    if (mine && strcmp(mine, "true") != 0) {
        api_error(res, 400, "bad_query", "'mine' is 'true' or absent");
        return;
    }
    dorf_arena *arena = dorf_arena_new();
    dorf_parcel *list = NULL;
    size_t n = 0;
    dorf_status st =
        arena ? dorf_store_list_parcels(req->store, arena, mine ? req->user->id : 0, &q, &list, &n)
              : DORF_ENOMEM;
    if (st != DORF_OK) {
        dorf_arena_free(arena);
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    json_t *features = json_array();
    for (size_t i = 0; features && i < n; i++) {
        if (json_array_append_new(features, lieferbar_parcel_json(&list[i], geojson)) != 0) {
            json_decref(features);
            features = NULL;
        }
    }
    dorf_arena_free(arena);
    if (!features) {
        api_error(res, 500, "internal", "out of memory");
        return;
    }
    if (geojson) {
        api_json(res, 200,
                 json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features));
        res->content_type = "application/geo+json";
    } else {
        api_json(res, 200, features);
    }
}

/* Answers with the caller's view of parcel `id` after a change. */
static void answer_parcel(api_request *req, api_response *res, int64_t id) {
    dorf_arena *arena = dorf_arena_new();
    dorf_parcel p;
    dorf_status st =
        arena ? dorf_store_parcel_get(req->store, arena, req->user->id, id, &p) : DORF_ENOMEM;
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
    } else {
        api_json(res, 200, lieferbar_parcel_json(&p, 0));
    }
    dorf_arena_free(arena);
}

typedef dorf_status (*parcel_move)(dorf_store *store, int64_t volunteer_id, int64_t id,
                                   int64_t now);

static void move_parcel(api_request *req, api_response *res, parcel_move fn) {
    int64_t id = api_param_id(req, 0);
    if (id <= 0) {
        api_error(res, 404, "not_found", "no such parcel");
        return;
    }
    dorf_status st = fn(req->store, req->user->id, id, req->now);
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    answer_parcel(req, res, id);
}

static void post_claim(api_request *req, api_response *res) {
    move_parcel(req, res, dorf_store_parcel_claim);
}

static void post_release(api_request *req, api_response *res) {
    move_parcel(req, res, dorf_store_parcel_release);
}

static void post_picked_up(api_request *req, api_response *res) {
    move_parcel(req, res, dorf_store_parcel_picked_up);
}

static void post_delivered(api_request *req, api_response *res) {
    move_parcel(req, res, dorf_store_parcel_delivered);
}

int lieferbar_body_ids(const api_request *req, const char *key, int64_t *ids, size_t *n,
                       api_response *res) {
    json_t *v = json_object_get(req->body, key);
    size_t count = json_array_size(v);
    if (!json_is_array(v) || count < 1 || count > DORF_PARCELS_MAX_CLAIM) {
        api_error(res, 400, "bad_field", "\"%s\" must be an array of 1 to %d parcel ids", key,
                  DORF_PARCELS_MAX_CLAIM);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) < 1) {
            api_error(res, 400, "bad_field", "\"%s\"[%zu] must be a parcel id", key, i);
            return -1;
        }
        ids[i] = json_integer_value(x);
        for (size_t j = 0; j < i; j++) {
            if (ids[j] == ids[i]) {
                api_error(res, 400, "bad_field", "\"%s\" lists parcel %lld twice", key,
                          (long long)ids[i]);
                return -1;
            }
        }
    }
    *n = count;
    return 0;
}

/* POST /api/parcels/claim {"parcels": [ids]}: all of them in one transaction, or none. */
static void post_claim_all(api_request *req, api_response *res) {
    static const char *const fields[] = {"parcels", NULL};
    int64_t ids[DORF_PARCELS_MAX_CLAIM];
    int64_t taken[DORF_PARCELS_MAX_CLAIM];
    size_t n = 0, taken_count = 0;
    if (api_body_only(req, fields, res) || lieferbar_body_ids(req, "parcels", ids, &n, res)) {
        return;
    }
    dorf_status st = dorf_store_parcels_claim_all(req->store, req->user->id, ids, n, req->now,
                                                  taken, &taken_count);
    if (st == DORF_ECONFLICT || st == DORF_ENOTFOUND) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < taken_count; i++) {
            json_array_append_new(list, json_integer(taken[i]));
        }
        api_json(res, 409,
                 json_pack("{s:{s:s, s:s, s:o}}", "error", "code", "conflict", "message",
                           dorf_ctx_errmsg(req->ctx), "parcels", list ? list : json_array()));
        return;
    }
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        json_array_append_new(list, json_integer(ids[i]));
    }
    api_json(res, 200, json_pack("{s:o}", "claimed", list));
}

const api_route api_routes_lieferbar[] = {
    {"POST", "/api/availability", DORF_ROLE_VOLUNTEER, post_availability,
     "publish when, how and how much you can carry"},
    {"GET", "/api/availability", DORF_ROLE_VOLUNTEER, get_availability,
     "your published availabilities"},
    {"DELETE", "/api/availability/{id}", DORF_ROLE_VOLUNTEER, delete_availability,
     "withdraw an availability"},
    {"GET", "/api/parcels", DORF_ROLE_VOLUNTEER, get_parcels,
     "open parcels (or mine=true: yours) on the map"},
    {"POST", "/api/parcels/claim", DORF_ROLE_VOLUNTEER, post_claim_all,
     "claim several parcels (a proposed route) at once: all or none"},
    {"POST", "/api/parcels/{id}/claim", DORF_ROLE_VOLUNTEER, post_claim, "claim an open parcel"},
    {"POST", "/api/parcels/{id}/release", DORF_ROLE_VOLUNTEER, post_release,
     "give a claimed parcel back"},
    {"POST", "/api/parcels/{id}/picked-up", DORF_ROLE_VOLUNTEER, post_picked_up,
     "report a parcel picked up at the shop"},
    {"POST", "/api/parcels/{id}/delivered", DORF_ROLE_VOLUNTEER, post_delivered,
     "report a parcel delivered"},
    {"POST", "/api/routes", DORF_ROLE_VOLUNTEER, lieferbar_post_route,
     "propose an optimised route over open parcels (a job)"},
};
const size_t api_routes_lieferbar_count =
    sizeof api_routes_lieferbar / sizeof api_routes_lieferbar[0];
