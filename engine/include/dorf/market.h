/*
 * dorf/market.h: BestellBar, the village marketplace: shops claimed from the region's places,
 * their products, and citizens' orders with their life cycle.
 *
 * A shop is a place of the region (found by its OSM type and id) that a user with the shop
 * role has claimed; it keeps the place's name and position. Orders go to one shop, take
 * their items' prices when placed and take the ordered quantities out of stock at once, so
 * that two citizens can never buy the same last loaf: a product's stock never goes below
 * zero whatever the number of concurrent orders. An order then moves through the states
 *
 *     placed -> accepted -> ready -> collected
 *                                 -> handed_over -> delivered     (delivery orders, LieferBar)
 *     placed, accepted -> cancelled (by the citizen);  placed -> rejected (by the shop)
 *
 * and any other move is refused. Cancelling or rejecting puts the items back into stock.
 * Handing an order over to LieferBar creates its parcel. Every change of an order is written
 * to the audit log in the same transaction as the change itself.
 *
 * Object-level access is part of the contract: functions that act for a user take the user's
 * id and answer DORF_ENOTFOUND (never "forbidden") for objects that are not theirs, so that
 * nobody learns which ids exist. Lists are read from one snapshot of the database.
 *
 * Lists and records that hold strings are allocated from an arena the caller passes and frees.
 * Money is in euro cents, positions are WGS84 lon/lat in degrees, times are seconds since the
 * epoch (UTC). Both stores keep it (store_shops.c, store_products.c, store_orders.c).
 */
#ifndef DORF_MARKET_H
#define DORF_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/context.h"
#include "dorf/opening_hours.h"
#include "dorf/store.h"

/* Limits the store enforces (the API refuses larger values before they get here). */
#define DORF_MARKET_MAX_NAME 200                 /* bytes of a product's name */
#define DORF_MARKET_MAX_UNIT 32                  /* bytes of a product's unit ("kg", "Stück") */
#define DORF_MARKET_MAX_PRICE_CENTS 1000000000LL /* per unit */
#define DORF_MARKET_MAX_STOCK 10000000LL
#define DORF_MARKET_MAX_QUANTITY 1000LL /* per item of an order */
#define DORF_MARKET_MAX_ITEMS 100       /* items (distinct products) per order */
#define DORF_MARKET_MAX_LIST 1000       /* rows per list */
#define DORF_MARKET_DEFAULT_LIST 100

/* The hours a parcel handed to LieferBar may take from the moment it is ready. */
#define DORF_MARKET_DELIVERY_WINDOW_S (8 * 3600)

typedef enum dorf_order_state {
    DORF_ORDER_PLACED = 0,
    DORF_ORDER_ACCEPTED,
    DORF_ORDER_READY,
    DORF_ORDER_COLLECTED,
    DORF_ORDER_HANDED_OVER,
    DORF_ORDER_DELIVERED,
    DORF_ORDER_CANCELLED,
    DORF_ORDER_REJECTED,
    DORF_ORDER_STATE_COUNT
} dorf_order_state;

/* The state's name as used in SQL and JSON ("handed_over"). */
const char *dorf_order_state_name(dorf_order_state state);

/* The state named `name`; DORF_EINVAL (no message) if there is none. */
dorf_status dorf_order_state_from_name(const char *name, dorf_order_state *out);

/* Who may move an order: its citizen, the owner of its shop, or LieferBar (the delivery). */
enum dorf_order_party {
    DORF_PARTY_CITIZEN = 1u << 0,
    DORF_PARTY_SHOP = 1u << 1,
    DORF_PARTY_LIEFERBAR = 1u << 2,
};

/*
 * The parties (DORF_PARTY_* bits) that may move an order from `from` to `to`; 0 when the move
 * is illegal. `delivery` is the order's delivery flag (only delivery orders are handed over).
 */
unsigned dorf_order_transition_parties(dorf_order_state from, dorf_order_state to, int delivery);

/*
 * The local civil time in Germany (CET, or CEST from the last Sunday of March to the last
 * Sunday of October at 01:00 UTC, the EU rule since 1996) at `utc_s`, as the opening-hours
 * evaluator wants it.
 */
dorf_local_time dorf_market_local_time(int64_t utc_s);

/*
 * Where a list looks: anywhere, inside a box, or within a radius of a point; and whether it
 * is sorted by distance (from the point, or from the box's centre) instead of by id.
 * Distances are on the local tangent plane (equirectangular), which is exact to well under a
 * metre at the radii allowed here (up to 50 km).
 */
typedef enum dorf_geo_kind { DORF_GEO_ANY = 0, DORF_GEO_BBOX, DORF_GEO_NEAR } dorf_geo_kind;

typedef struct dorf_geo_query {
    dorf_geo_kind kind;
    double min_lon_deg, min_lat_deg, max_lon_deg, max_lat_deg; /* DORF_GEO_BBOX */
    double lon_deg, lat_deg, radius_m;                         /* DORF_GEO_NEAR */
    int by_distance;                                           /* needs BBOX or NEAR */
    size_t limit; /* 0: DORF_MARKET_DEFAULT_LIST; at most DORF_MARKET_MAX_LIST */
} dorf_geo_query;

/* A place of the region, as the map lists it. Strings belong to the caller's arena. */
typedef struct dorf_place_summary {
    char osm_type; /* 'n', 'w', 'r' */
    int64_t osm_id;
    const char *category;      /* dorf_category_name() */
    const char *osm_key;       /* "shop", "amenity" ... */
    const char *osm_value;     /* "bakery" ... */
    const char *name;          /* NULL when unnamed */
    const char *opening_hours; /* raw OSM value, NULL when not given */
    int opening_hours_valid;   /* 1 when the value parsed at import */
    double lon_deg;
    double lat_deg;
    int64_t shop_id;   /* the BestellBar shop that claimed it, 0 when none */
    double distance_m; /* from the query's point or box centre; -1 when it has none */
} dorf_place_summary;

/*
 * Lists the region's places of `category` (a dorf_category_name(), NULL: any) matching `q`.
 * *out (an array of *count places) is allocated from `arena`. DORF_EINVAL for an unknown
 * category or an unusable query, DORF_EIO.
 */
dorf_status dorf_store_list_places(dorf_store *store, dorf_arena *arena, const char *category,
                                   const dorf_geo_query *q, dorf_place_summary **out,
                                   size_t *count);

/* A claimed shop, with its place's category and opening hours (NULL when the place is gone). */
typedef struct dorf_shop {
    int64_t id;
    char osm_type;
    int64_t osm_id;
    int64_t owner_id;
    const char *name;
    const char *category;      /* NULL when the place is no longer in the region */
    const char *opening_hours; /* NULL when not given (or the place is gone) */
    double lon_deg;
    double lat_deg;
    int64_t created_at;
    double distance_m; /* as in dorf_place_summary */
} dorf_shop;

/*
 * True for places a shop may claim: anything tagged shop=*, and the categories that sell
 * (grocery, bakery, butcher, pharmacy, shop_other).
 */
int dorf_market_place_is_shop(const char *category, const char *shop_tag);

/*
 * `owner_id` claims the region's place (osm_type, osm_id) as a shop; *id receives the shop's
 * id. DORF_ENOTFOUND when the region has no such place, DORF_EINVAL when it is not shop-like
 * (dorf_market_place_is_shop) or the user does not exist, DORF_ECONFLICT when it is claimed
 * already, DORF_EIO. Checking the shop role is the caller's business.
 */
dorf_status dorf_store_shop_claim(dorf_store *store, int64_t owner_id, char osm_type,
                                  int64_t osm_id, int64_t now, int64_t *id);

/* The shop `id` (strings from `arena`). DORF_ENOTFOUND (with a message), DORF_EIO. */
dorf_status dorf_store_shop_get(dorf_store *store, dorf_arena *arena, int64_t id, dorf_shop *out);

/* Lists shops matching `q`, all (owner_id 0) or those of one owner. As dorf_store_list_places. */
dorf_status dorf_store_list_shops(dorf_store *store, dorf_arena *arena, int64_t owner_id,
                                  const dorf_geo_query *q, dorf_shop **out, size_t *count);

typedef struct dorf_product {
    int64_t id;
    int64_t shop_id;
    const char *name;
    const char *unit;
    int64_t price_cents;
    int64_t stock;
    int active;
} dorf_product;

/*
 * Adds a product (name, unit, price_cents, stock, active from `p`; its ids are ignored) to
 * shop `shop_id` on behalf of `user_id`; *id receives the new id. DORF_ENOTFOUND when the shop
 * does not exist or is not the user's, DORF_EINVAL for values outside the limits above.
 */
dorf_status dorf_store_product_add(dorf_store *store, int64_t user_id, int64_t shop_id,
                                   const dorf_product *p, int64_t now, int64_t *id);

/* Which fields of a dorf_product_change are set. */
enum dorf_product_field {
    DORF_PRODUCT_NAME = 1u << 0,
    DORF_PRODUCT_UNIT = 1u << 1,
    DORF_PRODUCT_PRICE = 1u << 2,
    DORF_PRODUCT_STOCK = 1u << 3,
    DORF_PRODUCT_ACTIVE = 1u << 4,
};

typedef struct dorf_product_change {
    unsigned fields; /* DORF_PRODUCT_* bits: which of the values below to set */
    const char *name;
    const char *unit;
    int64_t price_cents;
    int64_t stock; /* the new stock, absolute */
    int active;
} dorf_product_change;

/*
 * Changes product `product_id` on behalf of `user_id`, who must own its shop. Prices changed
 * here apply to later orders only. DORF_ENOTFOUND when the product does not exist or is not
 * the user's, DORF_EINVAL for values outside the limits or no fields, DORF_EIO.
 */
dorf_status dorf_store_product_update(dorf_store *store, int64_t user_id, int64_t product_id,
                                      const dorf_product_change *change, int64_t now);

/* The product `id` (any shop's; strings from `arena`). DORF_ENOTFOUND, DORF_EIO. */
dorf_status dorf_store_product_get(dorf_store *store, dorf_arena *arena, int64_t id,
                                   dorf_product *out);

/*
 * Lists the products of shop `shop_id` by id: only the active ones, unless `all`.
 * DORF_ENOTFOUND when the shop does not exist.
 */
dorf_status dorf_store_list_products(dorf_store *store, dorf_arena *arena, int64_t shop_id, int all,
                                     dorf_product **out, size_t *count);

typedef struct dorf_order_line {
    int64_t product_id;
    int64_t quantity;
} dorf_order_line;

typedef struct dorf_order_item {
    int64_t product_id;
    int64_t quantity;
    int64_t price_cents; /* per unit, when the order was placed */
    const char *name;    /* the product's current name and unit */
    const char *unit;
} dorf_order_item;

typedef struct dorf_order {
    int64_t id;
    int64_t citizen_id;
    int64_t shop_id;
    int64_t shop_owner_id;
    const char *shop_name;
    dorf_order_state state;
    int delivery;
    double dropoff_lon_deg; /* when delivery */
    double dropoff_lat_deg;
    int64_t total_cents;
    int64_t created_at;
    int64_t updated_at;
    int64_t parcel_id; /* the LieferBar parcel once handed over, else 0 */
    dorf_order_item *items;
    size_t item_count;
} dorf_order;

/* What a citizen orders. */
typedef struct dorf_order_request {
    int64_t citizen_id;
    int64_t shop_id;
    const dorf_order_line *lines;
    size_t line_count; /* 1 .. DORF_MARKET_MAX_ITEMS, each product once */
    int delivery;
    double dropoff_lon_deg; /* required when delivery */
    double dropoff_lat_deg;
} dorf_order_request;

/*
 * Places an order in one transaction: checks that every product is an active product of the
 * shop, takes each quantity out of stock and records the order (state "placed") with its
 * total at the current prices; *id receives its id. When any product is short, nothing
 * changes: DORF_ECONFLICT naming the product, whose id goes to *short_product (may be NULL).
 * DORF_ENOTFOUND when the shop does not exist, DORF_EINVAL for empty or oversized orders,
 * quantities outside 1..DORF_MARKET_MAX_QUANTITY, a product listed twice, a product that is
 * not the shop's or not active, or a delivery without a valid drop-off; DORF_EIO.
 */
dorf_status dorf_store_order_place(dorf_store *store, const dorf_order_request *req, int64_t now,
                                   int64_t *id, int64_t *short_product);

/*
 * The order `order_id` with its items, if `user_id` is its citizen or its shop's owner;
 * DORF_ENOTFOUND (with a message that does not tell which) otherwise. Strings from `arena`.
 */
dorf_status dorf_store_order_get(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                 int64_t order_id, dorf_order *out);

/*
 * Lists the orders `user_id` may see (those they placed and those to shops they own), with
 * items, newest first, or by the distance of their shop when q->by_distance; `state` (may be
 * NULL) keeps only orders in that state; q (may be NULL) filters by the shop's position.
 */
dorf_status dorf_store_list_orders(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                   const dorf_order_state *state, const dorf_geo_query *q,
                                   dorf_order **out, size_t *count);

/*
 * Moves order `order_id` to state `to` on behalf of `user_id` (its citizen or its shop's
 * owner), in one transaction with what the move implies: cancelling or rejecting puts the
 * items back into stock; handing over creates the order's LieferBar parcel (pickup at the
 * shop, drop-off at the order's, ready now, due within DORF_MARKET_DELIVERY_WINDOW_S, size 1);
 * and an audit log row. DORF_ENOTFOUND when the order is not the user's, DORF_ECONFLICT
 * ("order 5 is 'ready'; it cannot become 'accepted'") when the move is illegal or not this
 * user's to make, DORF_EIO. LieferBar's move, handed over to delivered, is not made here: it
 * travels with the parcel (dorf_store_parcel_delivered in dorf/lieferbar_store.h).
 */
dorf_status dorf_store_order_transition(dorf_store *store, int64_t user_id, int64_t order_id,
                                        dorf_order_state to, int64_t now);

#endif
