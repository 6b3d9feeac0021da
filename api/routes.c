/*
 * routes.c: the list of every endpoint module's route table, searched by the router in this
 * order. A module adds its table with one line in each of the two lists below (and its
 * extern declarations in routes.h). The lists are kept one module per line, by hand.
 */
#include "routes.h"

/* clang-format off */
const api_route *const api_route_tables[] = {
    api_routes_server,
    api_routes_jobs,
    api_routes_accounts,
    api_routes_lieferbar,
    api_routes_market,
    api_routes_posts,
    api_routes_ogc,
    api_routes_tiles,
    api_routes_exports,
};
/* clang-format on */

/* clang-format off */
const size_t *const api_route_table_sizes[] = {
    &api_routes_server_count,
    &api_routes_jobs_count,
    &api_routes_accounts_count,
    &api_routes_lieferbar_count,
    &api_routes_market_count,
    &api_routes_posts_count,
    &api_routes_ogc_count,
    &api_routes_tiles_count,
    &api_routes_exports_count,
};
/* clang-format on */

_Static_assert(sizeof api_route_tables / sizeof api_route_tables[0] ==
                   sizeof api_route_table_sizes / sizeof api_route_table_sizes[0],
               "each route table needs its size");

const size_t api_route_table_count = sizeof api_route_tables / sizeof api_route_tables[0];
