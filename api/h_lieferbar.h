/*
 * h_lieferbar.h: what the two halves of LieferBar's endpoints share: h_lieferbar.c
 * (availability, parcels, claims) and h_lieferbar_routes.c (route proposals as jobs).
 */
#ifndef DORF_API_H_LIEFERBAR_H
#define DORF_API_H_LIEFERBAR_H

#include <jansson.h>

#include "api_internal.h"
#include "dorf/lieferbar_store.h"

/* Turns a store failure into its answer: 404, 409, 400 or 500, with the context's message. */
void lieferbar_store_error(api_response *res, dorf_status st, dorf_ctx *ctx);

/*
 * Reads the map query of a list: bbox=minlon,minlat,maxlon,maxlat or near=lon,lat&radius=m
 * (1 to 50000), sort=distance|id, limit=1..1000. 0, or -1 after a 400 on `res`.
 */
int lieferbar_geo_query(const api_request *req, api_response *res, dorf_geo_query *q);

/*
 * A parcel as a JSON object (pickup as "lon", "lat", "dropoff": {lon, lat}) or, with geojson
 * 1, as a GeoJSON Feature whose Point is the pickup. A new reference; NULL out of memory.
 */
json_t *lieferbar_parcel_json(const dorf_parcel *p, int geojson);

/*
 * Reads the body's array `key` of 1 to DORF_PARCELS_MAX_CLAIM distinct positive ids into ids
 * (room for DORF_PARCELS_MAX_CLAIM). 0, or -1 after a 400 on `res`.
 */
int lieferbar_body_ids(const api_request *req, const char *key, int64_t *ids, size_t *n,
                       api_response *res);

/* POST /api/routes (h_lieferbar_routes.c). */
void lieferbar_post_route(api_request *req, api_response *res);

#endif
