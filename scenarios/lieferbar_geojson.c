/*
 * lieferbar_geojson.c: a LieferBar plan as an RFC 7946 GeoJSON FeatureCollection
 * (dorf/lieferbar.h): the routes as LineStrings of their road geometry, their stops and the
 * parcels left unserved as Points. Built as a jansson tree and dumped in one go; a plan of a
 * district's day is a few hundred kilobytes.
 */
#include <math.h>
#include <stdio.h>

#include <jansson.h>

#include "dorf/lieferbar.h"

void dorf_lieferbar_format_time(double time_s, char buf[8]) {
    int minutes = 0;
    if (isfinite(time_s) && time_s > 0) {
        minutes = time_s < 6000 * 60.0 ? (int)floor(time_s / 60.0 + 1e-6) : 99 * 60 + 59;
    }
    if (minutes > 99 * 60 + 59) {
        minutes = 99 * 60 + 59;
    }
    snprintf(buf, 8, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
}

/* RFC 7946 positions: longitude, latitude; 7 decimals are about a centimetre. */
static json_t *position(double lon, double lat) {
    return json_pack("[f,f]", round(lon * 1e7) / 1e7, round(lat * 1e7) / 1e7);
}

static json_t *point_feature(double lon, double lat, json_t *properties) {
    return json_pack("{s:s, s:{s:s, s:o}, s:o}", "type", "Feature", "geometry", "type", "Point",
                     "coordinates", position(lon, lat), "properties", properties);
}

/* The parcel's id as JSON, or null for the stop of a volunteer's own trip. */
static json_t *parcel_id(const dorf_lieferbar_day *day, uint32_t parcel) {
    return parcel == DORF_LIEFERBAR_NONE ? json_null() : json_integer(day->parcels[parcel].id);
}

static json_t *stop_properties(const dorf_lieferbar_day *day, const dorf_lieferbar_stop *s,
                               uint32_t volunteer_id) {
    char arrival[8], time[8], from[8], until[8];
    dorf_lieferbar_format_time(s->arrival_s, arrival);
    dorf_lieferbar_format_time(s->service_start_s, time);
    json_t *props = json_pack(
        "{s:s, s:o, s:I, s:s, s:s, s:s?, s:I}", "kind", dorf_lieferbar_stop_kind_name(s->kind),
        "parcel", parcel_id(day, s->parcel), "volunteer", (json_int_t)volunteer_id, "time", time,
        "arrival", arrival, "place", s->name, "load", (json_int_t)s->load);
    if (props && s->kind == DORF_LIEFERBAR_DROPOFF) {
        const dorf_lieferbar_parcel *pc = &day->parcels[s->parcel];
        dorf_lieferbar_format_time(pc->dropoff_from_s, from);
        dorf_lieferbar_format_time(pc->dropoff_until_s, until);
        if (json_object_set_new(props, "window", json_pack("[s,s]", from, until)) != 0) {
            json_decref(props);
            props = NULL;
        }
    }
    return props;
}

static json_t *route_feature(const dorf_lieferbar_day *day, const dorf_lieferbar_route *r) {
    const dorf_lieferbar_volunteer *v = &day->volunteers[r->volunteer];
    json_t *coords = json_array();
    json_t *parcels = json_array();
    json_t *stops = json_array();
    int bad = !coords || !parcels || !stops;
    for (size_t i = 0; !bad && i < r->shape_count; i++) {
        bad = json_array_append_new(coords, position(r->shape[i].lon_deg, r->shape[i].lat_deg));
    }
    for (size_t i = 0; !bad && i < r->stop_count; i++) {
        const dorf_lieferbar_stop *s = &r->stops[i];
        if (s->kind == DORF_LIEFERBAR_PICKUP) {
            bad = json_array_append_new(parcels, parcel_id(day, s->parcel));
        }
        char time[8];
        dorf_lieferbar_format_time(s->service_start_s, time);
        bad = bad || json_array_append_new(stops, json_pack("{s:s, s:o, s:s?, s:s}", "kind",
                                                            dorf_lieferbar_stop_kind_name(s->kind),
                                                            "parcel", parcel_id(day, s->parcel),
                                                            "place", s->name, "time", time));
    }
    if (bad) {
        json_decref(coords);
        json_decref(parcels);
        json_decref(stops);
        return NULL;
    }
    char departure[8], back[8];
    dorf_lieferbar_format_time(r->departure_s, departure);
    dorf_lieferbar_format_time(r->return_s, back);
    return json_pack("{s:s, s:{s:s, s:o}, s:{s:s, s:I, s:s, s:I, s:o, s:f, s:f, s:f, s:s, s:s, "
                     "s:o}}",
                     "type", "Feature", "geometry", "type", "LineString", "coordinates", coords,
                     "properties", "kind", "route", "volunteer", (json_int_t)v->id, "mode",
                     dorf_mode_name(v->mode), "capacity", (json_int_t)v->capacity, "parcels",
                     parcels, "travel_s", round(r->travel_s * 10) / 10, "detour_s",
                     round(r->detour_s * 10) / 10, "max_detour_s", v->max_detour_s, "departure",
                     departure, "return", back, "stops", stops);
}

static json_t *unserved_feature(const dorf_lieferbar_day *day, const dorf_lieferbar_unserved *u) {
    const dorf_lieferbar_parcel *pc = &day->parcels[u->parcel];
    json_t *props =
        json_pack("{s:s, s:I, s:s, s:s}", "kind", "unserved", "parcel", (json_int_t)pc->id, "shop",
                  pc->shop_name, "reason", dorf_lieferbar_unserved_reason_name(u->reason));
    return props ? point_feature(pc->dropoff_lon_deg, pc->dropoff_lat_deg, props) : NULL;
}

static json_t *collection(const dorf_lieferbar_plan *plan) {
    const dorf_lieferbar_day *day = plan->day;
    json_t *features = json_array();
    int bad = !features;
    for (size_t r = 0; !bad && r < plan->route_count; r++) {
        bad = json_array_append_new(features, route_feature(day, &plan->routes[r]));
    }
    for (size_t r = 0; !bad && r < plan->route_count; r++) {
        const dorf_lieferbar_route *route = &plan->routes[r];
        uint32_t vid = day->volunteers[route->volunteer].id;
        for (size_t k = 0; !bad && k < route->stop_count; k++) {
            const dorf_lieferbar_stop *s = &route->stops[k];
            json_t *props = stop_properties(day, s, vid);
            bad = !props ||
                  json_array_append_new(features, point_feature(s->lon_deg, s->lat_deg, props));
        }
    }
    for (size_t u = 0; !bad && u < plan->unserved_count; u++) {
        bad = json_array_append_new(features, unserved_feature(day, &plan->unserved[u]));
    }
    if (bad) {
        json_decref(features);
        return NULL;
    }
    return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
}

dorf_status dorf_lieferbar_plan_write_geojson(dorf_ctx *ctx, const dorf_lieferbar_plan *plan,
                                              FILE *out) {
    json_t *root = collection(plan);
    if (!root) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory writing the plan as GeoJSON");
    }
    int bad = json_dumpf(root, out, JSON_REAL_PRECISION(12)) != 0;
    json_decref(root);
    bad = fputc('\n', out) == EOF || bad;
    bad = fflush(out) != 0 || ferror(out) || bad;
    return bad ? dorf_fail(ctx, DORF_EIO, "cannot write the plan as GeoJSON") : DORF_OK;
}
