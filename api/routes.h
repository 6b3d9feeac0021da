/*
 * routes.h: the route tables of the endpoint modules, as routes.c collects them.
 *
 * Each endpoint module (h_*.c) exports one table and its length; adding a module means
 * declaring its table here and adding one line to each list in routes.c.
 */
#ifndef DORF_API_ROUTES_H
#define DORF_API_ROUTES_H

#include <stddef.h>

#include "api_internal.h"

/* server.c: GET /health. */
extern const api_route api_routes_server[];
extern const size_t api_routes_server_count;

/* jobs.c: GET /api/jobs/{id}. */
extern const api_route api_routes_jobs[];
extern const size_t api_routes_jobs_count;

/* h_accounts.c: registration, login, sessions. */
extern const api_route api_routes_accounts[];
extern const size_t api_routes_accounts_count;

/* h_lieferbar.c: volunteers' availability, parcels and route proposals. */
extern const api_route api_routes_lieferbar[];
extern const size_t api_routes_lieferbar_count;

/* h_market.c: BestellBar places, shops, products and orders. */
extern const api_route api_routes_market[];
extern const size_t api_routes_market_count;

/* h_posts.c: DorfNews (news, events, iCalendar feed) and DorfFunk (channels, replies, SSE). */
extern const api_route api_routes_posts[];
extern const size_t api_routes_posts_count;

/* h_ogc.c: OGC API Features (landing page, conformance, collections, items) under /ogc. */
extern const api_route api_routes_ogc[];
extern const size_t api_routes_ogc_count;

/* h_tiles.c: vector tiles (base map, live layers, parcels), TileJSON and the map style. */
extern const api_route api_routes_tiles[];
extern const size_t api_routes_tiles_count;

/* h_exports.c: research exports (a job) and their files. */
extern const api_route api_routes_exports[];
extern const size_t api_routes_exports_count;

/* All tables (routes.c), in the order they are searched, and the length of each. */
extern const api_route *const api_route_tables[];
extern const size_t *const api_route_table_sizes[];
extern const size_t api_route_table_count;

#endif
