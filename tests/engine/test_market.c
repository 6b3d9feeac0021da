/*
 * test_market.c: BestellBar in the store (engine/store_shops.c, store_products.c,
 * store_orders.c, market.c): listing places, claiming shops, products, orders and stock, every
 * move of the order state machine for every party, object-level access, and stock under
 * concurrent orders from many connections (threads) and many processes (as several API nodes)
 * at once. Runs on SpatiaLite, or on PostGIS when DORF_TEST_PG names a server
 * (tests/test_store.h; ctest runs engine/test_market and engine/test_market@postgis).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dorf/lieferbar_store.h"
#include "dorf/market.h"
#include "dorf/platform.h"
#include "dorf/store.h"
#include "test_store.h"

/* The store of the running test's fixture (a name for test_store_location). */
static char db_name[64];

/* The village: two shops, a pharmacy, a farm shop far out, and a church. */
static dorf_region *make_region(dorf_ctx *ctx) {
    dorf_region *r = NULL;
    if (dorf_region_new(ctx, &r) != DORF_OK) {
        return NULL;
    }
    r->meta.source = "test";
    r->meta.imported_at = "2026-11-27T10:00:00Z";
    r->meta.crs_epsg = 25832;
    r->meta.min_lon_deg = 11.4;
    r->meta.min_lat_deg = 49.9;
    r->meta.max_lon_deg = 11.7;
    r->meta.max_lat_deg = 50.1;
    const dorf_place places[] = {
        {.osm_id = 300,
         .osm_type = 'n',
         .category = DORF_CAT_BAKERY,
         .osm_key = "shop",
         .osm_value = "bakery",
         .shop = "bakery",
         .name = "Bäckerei Beispiel",
         .lon_deg = 11.5005,
         .lat_deg = 50.0005,
         .opening_hours = "Mo-Fr 06:00-12:00"},
        {.osm_id = 310,
         .osm_type = 'w',
         .category = DORF_CAT_GROCERY,
         .osm_key = "shop",
         .osm_value = "supermarket",
         .shop = "supermarket",
         .name = "Dorfladen",
         .lon_deg = 11.502,
         .lat_deg = 50.0,
         .opening_hours = NULL},
        {.osm_id = 301,
         .osm_type = 'n',
         .category = DORF_CAT_PHARMACY,
         .osm_key = "amenity",
         .osm_value = "pharmacy",
         .name = "Dorf-Apotheke",
         .lon_deg = 11.5015,
         .lat_deg = 50.0005,
         .opening_hours = "Mo-Xx 08:00-12:00",
         .opening_hours_error = "at character 4: expected a weekday"},
        {.osm_id = 302,
         .osm_type = 'n',
         .category = DORF_CAT_PLACE_OF_WORSHIP,
         .osm_key = "amenity",
         .osm_value = "place_of_worship",
         .name = "Dorfkirche",
         .lon_deg = 11.5012,
         .lat_deg = 49.9995},
        {.osm_id = 303,
         .osm_type = 'n',
         .category = DORF_CAT_GROCERY,
         .osm_key = "shop",
         .osm_value = "farm",
         .shop = "farm",
         .name = "Hofladen",
         .lon_deg = 11.65,
         .lat_deg = 50.05},
    };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        dorf_region_add_place(ctx, r, &places[i]);
    }
    return r;
}

static int64_t make_user(dorf_store *s, const char *email, unsigned roles) {
    dorf_user u = {0};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", email);
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    u.roles = roles;
    int64_t id = 0;
    if (dorf_store_user_create(s, &u, &id) != DORF_OK) {
        return 0;
    }
    return id;
}

/* A fresh store with the village, a shop owner, two citizens, a volunteer and the bakery
   claimed. */
struct fixture {
    dorf_ctx *ctx;
    dorf_store *store;
    dorf_arena *arena;
    int64_t owner, citizen, other, volunteer, shop;
};

static int counter;

static int setup(struct fixture *f) {
    memset(f, 0, sizeof *f);
    snprintf(db_name, sizeof db_name, "market%d", counter++);
    f->ctx = dorf_ctx_new();
    f->arena = dorf_arena_new();
    dorf_region *r = make_region(f->ctx);
    if (dorf_store_open(f->ctx, test_store_location(db_name), DORF_STORE_CREATE, &f->store) !=
            DORF_OK ||
        dorf_store_replace_region(f->store, r) != DORF_OK) {
        fprintf(stderr, "  setup: %s\n", dorf_ctx_errmsg(f->ctx));
        dorf_region_free(r);
        return -1;
    }
    dorf_region_free(r);
    f->owner = make_user(f->store, "owner@example.org", DORF_ROLE_SHOP);
    f->citizen = make_user(f->store, "citizen@example.org", DORF_ROLE_CITIZEN);
    f->other = make_user(f->store, "other@example.org", DORF_ROLE_CITIZEN | DORF_ROLE_SHOP);
    f->volunteer = make_user(f->store, "volunteer@example.org", DORF_ROLE_VOLUNTEER);
    if (!f->owner || !f->citizen || !f->other || !f->volunteer ||
        dorf_store_shop_claim(f->store, f->owner, 'n', 300, 1000, &f->shop) != DORF_OK) {
        fprintf(stderr, "  setup: %s\n", dorf_ctx_errmsg(f->ctx));
        return -1;
    }
    return 0;
}

/* CHECKs that `call` succeeded, and says why when it did not. */
#define CHECK_OK(f, call)                                                                          \
    do {                                                                                           \
        dorf_status check_ok_ = (call);                                                            \
        if (check_ok_ != DORF_OK) {                                                                \
            fprintf(stderr, "  %s\n", dorf_ctx_errmsg((f)->ctx));                                  \
        }                                                                                          \
        CHECK_EQ_INT(check_ok_, DORF_OK);                                                          \
    } while (0)

static void teardown(struct fixture *f) {
    dorf_store_close(f->store);
    dorf_arena_free(f->arena);
    dorf_ctx_free(f->ctx);
}

static int64_t add_product(struct fixture *f, const char *name, int64_t price, int64_t stock) {
    dorf_product p = {
        .name = name, .unit = "Stück", .price_cents = price, .stock = stock, .active = 1};
    int64_t id = 0;
    if (dorf_store_product_add(f->store, f->owner, f->shop, &p, 1000, &id) != DORF_OK) {
        fprintf(stderr, "  add_product: %s\n", dorf_ctx_errmsg(f->ctx));
    }
    return id;
}

static int64_t stock_of(struct fixture *f, int64_t product) {
    dorf_product p;
    if (dorf_store_product_get(f->store, f->arena, product, &p) != DORF_OK) {
        return -999;
    }
    return p.stock;
}

/* One integer from the fixture's store, through its own connection. */
static int64_t count_rows(const char *sql) {
    return test_store_query_int(db_name, sql);
}

static dorf_status order(struct fixture *f, int64_t citizen, int64_t product, int64_t quantity,
                         int delivery, int64_t *id) {
    dorf_order_line line = {product, quantity};
    dorf_order_request req = {.citizen_id = citizen,
                              .shop_id = f->shop,
                              .lines = &line,
                              .line_count = 1,
                              .delivery = delivery,
                              .dropoff_lon_deg = 11.503,
                              .dropoff_lat_deg = 50.001};
    return dorf_store_order_place(f->store, &req, 2000, id, NULL);
}

/* ---- pure parts -------------------------------------------------------------------------- */

static void test_local_time_follows_german_summer_time(void) {
    dorf_local_time t = dorf_market_local_time(1774745940); /* 2026-03-29 00:59 UTC */
    CHECK_EQ_INT(t.day, 29);
    CHECK_EQ_INT(t.minute, 1 * 60 + 59);
    t = dorf_market_local_time(1774746000); /* 01:00 UTC: clocks jump to 03:00 */
    CHECK_EQ_INT(t.minute, 3 * 60);
    t = dorf_market_local_time(1792889940); /* 2026-10-25 00:59 UTC, still summer */
    CHECK_EQ_INT(t.minute, 2 * 60 + 59);
    t = dorf_market_local_time(1792890000); /* 01:00 UTC: back to 02:00 */
    CHECK_EQ_INT(t.minute, 2 * 60);
    t = dorf_market_local_time(1798759800); /* 2026-12-31 23:30 UTC is New Year in Berlin */
    CHECK_EQ_INT(t.year, 2027);
    CHECK_EQ_INT(t.month, 1);
    CHECK_EQ_INT(t.day, 1);
    CHECK_EQ_INT(t.minute, 30);
    t = dorf_market_local_time(930830400); /* 1999-07-01 12:00 UTC */
    CHECK_EQ_INT(t.year, 1999);
    CHECK_EQ_INT(t.month, 7);
    CHECK_EQ_INT(t.minute, 14 * 60);
}

static void test_state_names_round_trip(void) {
    for (int i = 0; i < DORF_ORDER_STATE_COUNT; i++) {
        dorf_order_state s;
        CHECK_EQ_INT(dorf_order_state_from_name(dorf_order_state_name((dorf_order_state)i), &s),
                     DORF_OK);
        CHECK_EQ_INT(s, i);
    }
    dorf_order_state s;
    CHECK_EQ_INT(dorf_order_state_from_name("shipped", &s), DORF_EINVAL);
    CHECK_EQ_INT(dorf_order_state_from_name(NULL, &s), DORF_EINVAL);
}

static void test_only_delivery_orders_are_handed_over(void) {
    CHECK_EQ_INT(dorf_order_transition_parties(DORF_ORDER_READY, DORF_ORDER_HANDED_OVER, 1),
                 DORF_PARTY_SHOP);
    CHECK_EQ_INT(dorf_order_transition_parties(DORF_ORDER_READY, DORF_ORDER_HANDED_OVER, 0), 0);
    CHECK_EQ_INT(dorf_order_transition_parties(DORF_ORDER_READY, DORF_ORDER_ACCEPTED, 1), 0);
    CHECK_EQ_INT(dorf_order_transition_parties(DORF_ORDER_PLACED, DORF_ORDER_PLACED, 0), 0);
}

/* ---- places and shops -------------------------------------------------------------------- */

static void test_places_are_listed_by_category_box_and_distance(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    dorf_place_summary *p = NULL;
    size_t n = 0;
    CHECK_OK(&f, dorf_store_list_places(f.store, f.arena, NULL, NULL, &p, &n));
    CHECK_EQ_INT(n, 5);
    if (n != 5) {
        teardown(&f);
        return;
    }
    CHECK_EQ_INT(p[0].distance_m, -1);

    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, "grocery", NULL, &p, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, "spaceport", NULL, &p, &n), DORF_EINVAL);

    dorf_geo_query box = {.kind = DORF_GEO_BBOX,
                          .min_lon_deg = 11.5,
                          .min_lat_deg = 50.0,
                          .max_lon_deg = 11.51,
                          .max_lat_deg = 50.01};
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, NULL, &box, &p, &n), DORF_OK);
    CHECK_EQ_INT(n, 3); /* bakery, grocery (on the edge), pharmacy; not the church or farm */

    dorf_geo_query near = {.kind = DORF_GEO_NEAR,
                           .lon_deg = 11.5015,
                           .lat_deg = 50.0005,
                           .radius_m = 200,
                           .by_distance = 1};
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, NULL, &near, &p, &n), DORF_OK);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(p[0].osm_id, 301); /* at the point itself */
    CHECK_NEAR(p[0].distance_m, 0, 0.01);
    for (size_t i = 1; i < n; i++) {
        CHECK(p[i].distance_m >= p[i - 1].distance_m);
        CHECK(p[i].distance_m <= 200);
    }
    CHECK_EQ_INT(p[1].osm_id, 310); /* (0.0005, -0.0005) degrees away: ~66.1 m */
    CHECK_NEAR(p[1].distance_m, 66.1, 0.5);
    CHECK_EQ_INT(p[2].osm_id, 300); /* 0.001 degrees of longitude west: ~71.5 m */
    CHECK_NEAR(p[2].distance_m, 71.5, 0.5);
    CHECK_EQ_INT(p[2].shop_id, f.shop);
    CHECK_EQ_INT(p[1].shop_id, 0);
    CHECK_STR(p[2].opening_hours, "Mo-Fr 06:00-12:00");
    CHECK_EQ_INT(p[2].opening_hours_valid, 1);
    CHECK_EQ_INT(p[0].opening_hours_valid, 0);

    near.limit = 2;
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, NULL, &near, &p, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);

    dorf_geo_query bad = {.kind = DORF_GEO_BBOX,
                          .min_lon_deg = 11.6,
                          .min_lat_deg = 50.0,
                          .max_lon_deg = 11.5,
                          .max_lat_deg = 50.01};
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, NULL, &bad, &p, &n), DORF_EINVAL);
    dorf_geo_query sort_nowhere = {.by_distance = 1};
    CHECK_EQ_INT(dorf_store_list_places(f.store, f.arena, NULL, &sort_nowhere, &p, &n),
                 DORF_EINVAL);
    teardown(&f);
}

static void test_shop_claims_are_checked(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'n', 300, 1000, &id), DORF_ECONFLICT);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "claimed already");
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'n', 302, 1000, &id), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "not a shop");
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'n', 999, 1000, &id), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'w', 300, 1000, &id), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'x', 300, 1000, &id), DORF_EINVAL);
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, 9999, 'w', 310, 1000, &id), DORF_EINVAL);
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'w', 310, 1000, &id), DORF_OK);
    CHECK(id > 0 && id != f.shop);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop"), 2);

    dorf_shop shop;
    CHECK_EQ_INT(dorf_store_shop_get(f.store, f.arena, f.shop, &shop), DORF_OK);
    CHECK_STR(shop.name, "Bäckerei Beispiel");
    CHECK_STR(shop.category, "bakery");
    CHECK_STR(shop.opening_hours, "Mo-Fr 06:00-12:00");
    CHECK_EQ_INT(shop.owner_id, f.owner);
    CHECK_NEAR(shop.lon_deg, 11.5005, 1e-9);
    CHECK_EQ_INT(dorf_store_shop_get(f.store, f.arena, 12345, &shop), DORF_ENOTFOUND);

    dorf_shop *shops = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_list_shops(f.store, f.arena, 0, NULL, &shops, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(dorf_store_list_shops(f.store, f.arena, f.other, NULL, &shops, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(shops[0].id, id);
    dorf_geo_query near = {.kind = DORF_GEO_NEAR,
                           .lon_deg = 11.502,
                           .lat_deg = 50.0,
                           .radius_m = 1000,
                           .by_distance = 1};
    CHECK_EQ_INT(dorf_store_list_shops(f.store, f.arena, 0, &near, &shops, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(shops[0].id, id);
    CHECK_EQ_INT(shops[1].id, f.shop);
    CHECK(shops[1].distance_m > shops[0].distance_m);
    near.limit = 1; /* a page of one: the nearest */
    CHECK_EQ_INT(dorf_store_list_shops(f.store, f.arena, 0, &near, &shops, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(shops[0].id, id);
    CHECK_NEAR(shops[0].distance_m, 0, 0.01);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM audit_log WHERE action = 'shop.claim'"), 2);
    teardown(&f);
}

/* ---- products ---------------------------------------------------------------------------- */

static void test_products_belong_to_their_shop_owner(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Roggenbrot'); DROP TABLE product; --", 350, 10);
    CHECK(bread > 0);
    dorf_product p = {.name = "Semmel", .unit = "Stück", .price_cents = 40, .stock = 5};
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_product_add(f.store, f.other, f.shop, &p, 1000, &id), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_product_add(f.store, f.owner, 777, &p, 1000, &id), DORF_ENOTFOUND);
    p.price_cents = -1;
    CHECK_EQ_INT(dorf_store_product_add(f.store, f.owner, f.shop, &p, 1000, &id), DORF_EINVAL);
    p.price_cents = 40;
    p.stock = DORF_MARKET_MAX_STOCK + 1;
    CHECK_EQ_INT(dorf_store_product_add(f.store, f.owner, f.shop, &p, 1000, &id), DORF_EINVAL);
    p.stock = 5;
    p.name = "";
    CHECK_EQ_INT(dorf_store_product_add(f.store, f.owner, f.shop, &p, 1000, &id), DORF_EINVAL);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM product"), 1);

    dorf_product got;
    CHECK_EQ_INT(dorf_store_product_get(f.store, f.arena, bread, &got), DORF_OK);
    CHECK_STR(got.name, "Roggenbrot'); DROP TABLE product; --");
    CHECK_EQ_INT(got.active, 1);

    dorf_product_change c = {
        .fields = DORF_PRODUCT_PRICE | DORF_PRODUCT_ACTIVE, .price_cents = 399, .active = 0};
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.other, bread, &c, 1000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, 4242, &c, 1000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_product_get(f.store, f.arena, bread, &got), DORF_OK);
    CHECK_EQ_INT(got.price_cents, 350);
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, bread, &c, 1000), DORF_OK);
    CHECK_EQ_INT(dorf_store_product_get(f.store, f.arena, bread, &got), DORF_OK);
    CHECK_EQ_INT(got.price_cents, 399);
    CHECK_EQ_INT(got.active, 0);
    CHECK_EQ_INT(got.stock, 10);
    dorf_product_change none = {0};
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, bread, &none, 1000), DORF_EINVAL);

    int64_t semmel = add_product(&f, "Semmel", 40, 100);
    dorf_product *list = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_list_products(f.store, f.arena, f.shop, 0, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, semmel);
    CHECK_EQ_INT(dorf_store_list_products(f.store, f.arena, f.shop, 1, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(dorf_store_list_products(f.store, f.arena, 999, 1, &list, &n), DORF_ENOTFOUND);
    teardown(&f);
}

/* ---- orders ------------------------------------------------------------------------------ */

static void test_orders_take_stock_and_keep_prices(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Brot", 350, 10);
    int64_t rolls = add_product(&f, "Semmel", 40, 3);
    dorf_order_line lines[] = {{bread, 2}, {rolls, 3}};
    dorf_order_request req = {
        .citizen_id = f.citizen, .shop_id = f.shop, .lines = lines, .line_count = 2};
    int64_t id = 0;
    int64_t short_product = -1;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, &short_product), DORF_OK);
    CHECK_EQ_INT(short_product, 0);
    CHECK_EQ_INT(stock_of(&f, bread), 8);
    CHECK_EQ_INT(stock_of(&f, rolls), 0);

    /* A price change later does not change the order. */
    dorf_product_change c = {.fields = DORF_PRODUCT_PRICE, .price_cents = 500};
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, bread, &c, 2100), DORF_OK);
    dorf_order o;
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.citizen, id, &o), DORF_OK);
    CHECK_EQ_INT(o.total_cents, 2 * 350 + 3 * 40);
    CHECK_EQ_INT(o.state, DORF_ORDER_PLACED);
    CHECK_EQ_INT(o.item_count, 2);
    CHECK_EQ_INT(o.items[0].product_id, bread);
    CHECK_EQ_INT(o.items[0].price_cents, 350);
    CHECK_STR(o.items[1].name, "Semmel");
    CHECK_STR(o.shop_name, "Bäckerei Beispiel");
    CHECK_EQ_INT(o.shop_owner_id, f.owner);
    CHECK_EQ_INT(o.delivery, 0);

    /* Out of stock: nothing changes, the short product is named. */
    lines[0].quantity = 1;
    lines[1].quantity = 1;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, &short_product), DORF_ECONFLICT);
    CHECK_EQ_INT(short_product, rolls);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "Semmel");
    CHECK_EQ_INT(stock_of(&f, bread), 8);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop_order"), 1);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM order_item"), 2);

    /* Malformed orders. */
    dorf_order_line dup[] = {{bread, 1}, {bread, 1}};
    req.lines = dup;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    dup[1].product_id = 9999;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    dup[1].product_id = rolls;
    dup[1].quantity = 0;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    dup[1].quantity = DORF_MARKET_MAX_QUANTITY + 1;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    req.line_count = 0;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    req.line_count = 1;
    req.delivery = 1;
    req.dropoff_lon_deg = 200;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    req.delivery = 0;
    req.shop_id = 4711;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_ENOTFOUND);

    /* A product of another shop, and one taken off sale. */
    int64_t other_shop = 0;
    CHECK_EQ_INT(dorf_store_shop_claim(f.store, f.other, 'w', 310, 1000, &other_shop), DORF_OK);
    req.shop_id = other_shop;
    dup[0].product_id = bread;
    dup[0].quantity = 1;
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    req.shop_id = f.shop;
    c = (dorf_product_change){.fields = DORF_PRODUCT_ACTIVE, .active = 0};
    CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, bread, &c, 2100), DORF_OK);
    CHECK_EQ_INT(dorf_store_order_place(f.store, &req, 2000, &id, NULL), DORF_EINVAL);
    CHECK_EQ_INT(stock_of(&f, bread), 8);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop_order"), 1);
    teardown(&f);
}

/* Drives a fresh order to `state` along legal moves; 0 when it could not. */
static int64_t order_in_state(struct fixture *f, int64_t product, dorf_order_state state,
                              int delivery) {
    int64_t id = 0;
    if (order(f, f->citizen, product, 1, delivery, &id) != DORF_OK) {
        return 0;
    }
    static const dorf_order_state path_collect[] = {DORF_ORDER_ACCEPTED, DORF_ORDER_READY,
                                                    DORF_ORDER_COLLECTED};
    static const dorf_order_state path_deliver[] = {DORF_ORDER_ACCEPTED, DORF_ORDER_READY,
                                                    DORF_ORDER_HANDED_OVER};
    dorf_status st = DORF_OK;
    switch (state) {
    case DORF_ORDER_PLACED:
        break;
    case DORF_ORDER_CANCELLED:
        st = dorf_store_order_transition(f->store, f->citizen, id, state, 3000);
        break;
    case DORF_ORDER_REJECTED:
        st = dorf_store_order_transition(f->store, f->owner, id, state, 3000);
        break;
    case DORF_ORDER_DELIVERED:
        for (int i = 0; i < 3 && st == DORF_OK; i++) {
            st = dorf_store_order_transition(f->store, f->owner, id, path_deliver[i], 3000);
        }
        if (st == DORF_OK) {
            /* LieferBar delivers the order with its parcel (store_parcels.c). */
            dorf_order o;
            st = dorf_store_order_get(f->store, f->arena, f->citizen, id, &o);
            if (st == DORF_OK) {
                st = dorf_store_parcel_claim(f->store, f->volunteer, o.parcel_id, 4000);
            }
            if (st == DORF_OK) {
                st = dorf_store_parcel_picked_up(f->store, f->volunteer, o.parcel_id, 4000);
            }
            if (st == DORF_OK) {
                st = dorf_store_parcel_delivered(f->store, f->volunteer, o.parcel_id, 4000);
            }
        }
        break;
    case DORF_ORDER_HANDED_OVER:
        for (int i = 0; i < 3 && st == DORF_OK; i++) {
            st = dorf_store_order_transition(f->store, f->owner, id, path_deliver[i], 3000);
        }
        break;
    default:
        for (int i = 0; i < 3 && st == DORF_OK && path_collect[i] <= state; i++) {
            st = dorf_store_order_transition(f->store, f->owner, id, path_collect[i], 3000);
        }
        break;
    }
    if (st != DORF_OK) {
        fprintf(stderr, "  order_in_state %s: %s\n", dorf_order_state_name(state),
                dorf_ctx_errmsg(f->ctx));
        return 0;
    }
    return id;
}

static void test_every_move_is_checked_for_every_party(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Brot", 350, 100000);
    int legal_moves = 0;
    for (int delivery = 0; delivery <= 1; delivery++) {
        for (int from = 0; from < DORF_ORDER_STATE_COUNT; from++) {
            if (!delivery && (from == DORF_ORDER_HANDED_OVER || from == DORF_ORDER_DELIVERED)) {
                continue; /* not reachable without delivery */
            }
            for (int to = 0; to < DORF_ORDER_STATE_COUNT; to++) {
                const unsigned allowed = dorf_order_transition_parties(
                    (dorf_order_state)from, (dorf_order_state)to, delivery);
                const int64_t actors[] = {f.citizen, f.owner, f.other};
                const unsigned party[] = {DORF_PARTY_CITIZEN, DORF_PARTY_SHOP, 0};
                for (int a = 0; a < 3; a++) {
                    int64_t id = order_in_state(&f, bread, (dorf_order_state)from, delivery);
                    CHECK(id > 0);
                    dorf_status st = dorf_store_order_transition(f.store, actors[a], id,
                                                                 (dorf_order_state)to, 5000);
                    dorf_order o;
                    dorf_store_order_get(f.store, f.arena, f.citizen, id, &o);
                    if (!party[a]) {
                        CHECK_EQ_INT(st, DORF_ENOTFOUND);
                        CHECK_EQ_INT(o.state, from);
                    } else if (allowed & party[a]) {
                        CHECK_EQ_INT(st, DORF_OK);
                        CHECK_EQ_INT(o.state, to);
                        legal_moves++;
                    } else {
                        CHECK_EQ_INT(st, DORF_ECONFLICT);
                        CHECK_EQ_INT(o.state, from);
                    }
                }
            }
        }
    }
    /* placed->{accepted,rejected,cancelled}, accepted->{ready,cancelled}, ready->collected,
       each with and without delivery, and ready->handed_over with delivery. */
    CHECK_EQ_INT(legal_moves, 2 * 6 + 1);

    int64_t id = order_in_state(&f, bread, DORF_ORDER_READY, 0);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.owner, id, DORF_ORDER_ACCEPTED, 5000),
                 DORF_ECONFLICT);
    char want[96];
    snprintf(want, sizeof want, "order %lld is 'ready'; it cannot become 'accepted'",
             (long long)id);
    CHECK_STR(dorf_ctx_errmsg(f.ctx), want);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.owner, 99999, DORF_ORDER_ACCEPTED, 5000),
                 DORF_ENOTFOUND);
    /* Every successful move left exactly one audit row. */
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM audit_log WHERE action = 'order.transition'"),
                 count_rows("SELECT count(*) FROM audit_log WHERE action = 'order.transition'"
                            " AND detail LIKE '% -> %'"));
    CHECK(count_rows("SELECT count(*) FROM audit_log WHERE action = 'order.transition'") > 50);
    CHECK_EQ_INT(dorf_store_check(f.store), DORF_OK);
    teardown(&f);
}

static void test_cancel_and_reject_restore_stock(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Brot", 350, 10);
    int64_t a = 0;
    int64_t b = 0;
    CHECK_EQ_INT(order(&f, f.citizen, bread, 4, 0, &a), DORF_OK);
    CHECK_EQ_INT(order(&f, f.other, bread, 5, 0, &b), DORF_OK);
    CHECK_EQ_INT(stock_of(&f, bread), 1);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.owner, a, DORF_ORDER_ACCEPTED, 3000),
                 DORF_OK);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.citizen, a, DORF_ORDER_CANCELLED, 3000),
                 DORF_OK);
    CHECK_EQ_INT(stock_of(&f, bread), 5);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.owner, b, DORF_ORDER_REJECTED, 3000),
                 DORF_OK);
    CHECK_EQ_INT(stock_of(&f, bread), 10);
    /* Cancelling twice does not put the items back twice. */
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.citizen, a, DORF_ORDER_CANCELLED, 3000),
                 DORF_ECONFLICT);
    CHECK_EQ_INT(stock_of(&f, bread), 10);
    teardown(&f);
}

static void test_handing_over_creates_the_parcel(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Brot", 350, 10);
    int64_t id = order_in_state(&f, bread, DORF_ORDER_READY, 1);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM parcel"), 0);
    CHECK_EQ_INT(dorf_store_order_transition(f.store, f.owner, id, DORF_ORDER_HANDED_OVER, 7000),
                 DORF_OK);
    CHECK_EQ_INT(count_rows("SELECT count(*) FROM parcel WHERE state = 'open' AND size = 1"
                            " AND ready_at = 7000 AND due_from = 7000 AND due_until = 7000 + 28800"
                            " AND abs(pickup_lon - 11.5005) < 1e-9"
                            " AND abs(pickup_lat - 50.0005) < 1e-9"
                            " AND abs(dropoff_lon - 11.503) < 1e-9"
                            " AND abs(dropoff_lat - 50.001) < 1e-9"),
                 1);
    dorf_order o;
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.owner, id, &o), DORF_OK);
    CHECK(o.parcel_id > 0);
    CHECK_EQ_INT(o.state, DORF_ORDER_HANDED_OVER);
    CHECK_NEAR(o.dropoff_lon_deg, 11.503, 1e-9);
    teardown(&f);
}

static void test_orders_are_seen_only_by_their_citizen_and_shop(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t bread = add_product(&f, "Brot", 350, 10);
    int64_t mine = 0;
    int64_t theirs = 0;
    CHECK_EQ_INT(order(&f, f.citizen, bread, 1, 0, &mine), DORF_OK);
    CHECK_EQ_INT(order(&f, f.other, bread, 1, 1, &theirs), DORF_OK);
    dorf_order o;
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.citizen, mine, &o), DORF_OK);
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.citizen, theirs, &o), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.owner, theirs, &o), DORF_OK);
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, 0, mine, &o), DORF_ENOTFOUND);

    dorf_order *list = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.citizen, NULL, NULL, &list, &n),
                 DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, mine);
    CHECK_EQ_INT(list[0].item_count, 1);
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, NULL, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(list[0].id, theirs); /* newest first */
    dorf_order_state placed = DORF_ORDER_PLACED;
    dorf_order_state ready = DORF_ORDER_READY;
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, &ready, NULL, &list, &n),
                 DORF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, &placed, NULL, &list, &n),
                 DORF_OK);
    CHECK_EQ_INT(n, 2);
    dorf_geo_query page = {.limit = 1}; /* anywhere, newest first */
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, NULL, &page, &list, &n),
                 DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, theirs);
    CHECK_EQ_INT(list[0].delivery, 1);
    /* Both orders are at the shop; equally far, the newer comes first. */
    dorf_geo_query at_shop = {.kind = DORF_GEO_NEAR,
                              .lon_deg = 11.5005,
                              .lat_deg = 50.0005,
                              .radius_m = 10,
                              .by_distance = 1};
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, NULL, &at_shop, &list, &n),
                 DORF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(list[0].id, theirs);
    CHECK_EQ_INT(list[1].id, mine);
    dorf_geo_query far = {
        .kind = DORF_GEO_NEAR, .lon_deg = 11.65, .lat_deg = 50.05, .radius_m = 100};
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, f.owner, NULL, &far, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(dorf_store_list_orders(f.store, f.arena, 0, NULL, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);

    /* The citizen cannot move the other's order, and it does not change. */
    CHECK_EQ_INT(
        dorf_store_order_transition(f.store, f.citizen, theirs, DORF_ORDER_CANCELLED, 3000),
        DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_order_get(f.store, f.arena, f.other, theirs, &o), DORF_OK);
    CHECK_EQ_INT(o.state, DORF_ORDER_PLACED);
    teardown(&f);
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define THREADS 8
#define ATTEMPTS 3

struct racer {
    pthread_barrier_t *start;
    int64_t citizen, shop, product;
    int64_t quantity; /* 0: random 1..3 per attempt */
    unsigned seed;
    int64_t bought;
    int placed;
    int refused;
    int errors;
    char error[256];
};

static void *race(void *arg) {
    struct racer *r = arg;
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    if (!ctx || dorf_store_open(ctx, test_store_location(db_name), 0, &store) != DORF_OK) {
        r->errors++;
        snprintf(r->error, sizeof r->error, "%s", ctx ? dorf_ctx_errmsg(ctx) : "no context");
        pthread_barrier_wait(r->start);
        dorf_ctx_free(ctx);
        return NULL;
    }
    pthread_barrier_wait(r->start);
    for (int i = 0; i < ATTEMPTS; i++) {
        int64_t q = r->quantity ? r->quantity : 1 + (int64_t)(rand_r(&r->seed) % 3);
        dorf_order_line line = {r->product, q};
        dorf_order_request req = {
            .citizen_id = r->citizen, .shop_id = r->shop, .lines = &line, .line_count = 1};
        int64_t id = 0;
        int64_t short_product = 0;
        dorf_status st = dorf_store_order_place(store, &req, 2000, &id, &short_product);
        if (st == DORF_OK) {
            r->bought += q;
            r->placed++;
        } else if (st == DORF_ECONFLICT && short_product == r->product) {
            r->refused++;
        } else {
            r->errors++;
            snprintf(r->error, sizeof r->error, "%s", dorf_ctx_errmsg(ctx));
        }
    }
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    return NULL;
}

static void test_concurrent_orders_never_oversell(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    const int trials = 40;
    int64_t product = add_product(&f, "Letzte Brezen", 90, 0);
    int total_refused = 0;
    for (int trial = 0; trial < trials; trial++) {
        const int64_t initial = 3 + trial % 7; /* fewer units than attempts */
        const int mixed = trial % 2;           /* odd trials order 1..3 units at a time */
        dorf_product_change c = {.fields = DORF_PRODUCT_STOCK, .stock = initial};
        CHECK_EQ_INT(dorf_store_product_update(f.store, f.owner, product, &c, 2000), DORF_OK);
        const int64_t orders_before = count_rows("SELECT count(*) FROM shop_order");
        const int64_t units_before = count_rows("SELECT coalesce(sum(quantity), 0)"
                                                " FROM order_item");
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, THREADS);
        struct racer racers[THREADS];
        pthread_t threads[THREADS];
        for (int i = 0; i < THREADS; i++) {
            racers[i] = (struct racer){.start = &start,
                                       .citizen = i % 2 ? f.citizen : f.other,
                                       .shop = f.shop,
                                       .product = product,
                                       .quantity = mixed ? 0 : 1,
                                       .seed = (unsigned)(trial * 100 + i)};
            pthread_create(&threads[i], NULL, race, &racers[i]);
        }
        int64_t bought = 0;
        int placed = 0;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(threads[i], NULL);
            if (racers[i].errors) {
                fprintf(stderr, "  trial %d thread %d: %s\n", trial, i, racers[i].error);
            }
            CHECK_EQ_INT(racers[i].errors, 0);
            bought += racers[i].bought;
            placed += racers[i].placed;
            total_refused += racers[i].refused;
        }
        pthread_barrier_destroy(&start);
        const int64_t final = stock_of(&f, product);
        CHECK(final >= 0);
        CHECK_EQ_INT(bought, initial - final);
        CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop_order") - orders_before, placed);
        CHECK_EQ_INT(count_rows("SELECT coalesce(sum(quantity), 0) FROM order_item") - units_before,
                     bought);
        if (!mixed) {
            CHECK_EQ_INT(final, 0); /* 24 attempts of one unit for at most 9 units */
            CHECK_EQ_INT(bought, initial);
        } else {
            CHECK(final < 3); /* someone would have taken 3 units had they been there */
        }
    }
    CHECK(total_refused > 0);
    CHECK_EQ_INT(dorf_store_check(f.store), DORF_OK);
    teardown(&f);
}

/* ---- several processes, as several API nodes on one database ------------------------------ */

#define PROCS_MAX 4

struct node_result {
    int opened;
    int placed;
    int refused;       /* DORF_ECONFLICT naming a product of the order as short */
    int errors;        /* anything else */
    int64_t bought[2]; /* units of each product in the orders this node placed */
    char error[200];
};

struct node_plan {
    int64_t citizen, shop;
    int64_t products[2];
    int attempts;
    int mixed; /* 1: every other order also takes one unit of products[1], listed first */
};

/* One node (a forked process): opens its own store on the fixture's location, says it is
   ready, waits for the start, places its orders of one unit each, and writes what happened. */
static void node_main(const struct node_plan *plan, int node, int ready_fd, int go_fd, int out_fd) {
    struct node_result r = {0};
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    if (ctx && dorf_store_open(ctx, test_store_location(db_name), 0, &store) == DORF_OK) {
        r.opened = 1;
    } else {
        snprintf(r.error, sizeof r.error, "%s", ctx ? dorf_ctx_errmsg(ctx) : "no context");
    }
    char byte = 'r';
    if (write(ready_fd, &byte, 1) != 1 || read(go_fd, &byte, 1) != 1) {
        r.opened = 0;
    }
    for (int i = 0; r.opened && i < plan->attempts; i++) {
        const int both = plan->mixed && (i + node) % 2 == 1;
        /* Both orders of lines occur, so two nodes may take the products' rows in either order. */
        dorf_order_line lines[2] = {{plan->products[0], 1}, {plan->products[1], 1}};
        if (both && node % 2) {
            lines[0].product_id = plan->products[1];
            lines[1].product_id = plan->products[0];
        }
        dorf_order_request req = {.citizen_id = plan->citizen,
                                  .shop_id = plan->shop,
                                  .lines = lines,
                                  .line_count = both ? 2 : 1};
        int64_t id = 0;
        int64_t short_product = 0;
        dorf_status st = dorf_store_order_place(store, &req, 2000, &id, &short_product);
        if (st == DORF_OK) {
            r.placed++;
            r.bought[0]++;
            r.bought[1] += both;
        } else if (st == DORF_ECONFLICT && strstr(dorf_ctx_errmsg(ctx), "is short") &&
                   (short_product == plan->products[0] ||
                    (both && short_product == plan->products[1]))) {
            r.refused++;
        } else {
            r.errors++;
            snprintf(r.error, sizeof r.error, "%s: %s", dorf_strerror(st), dorf_ctx_errmsg(ctx));
        }
    }
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    if (write(out_fd, &r, sizeof r) != (ssize_t)sizeof r) {
        _exit(1);
    }
}

/*
 * Runs `procs` nodes of `plan` at once and sums their results into `total`; 0 when every node
 * ran and exited cleanly. The fixture's own store is closed meanwhile: a forked child must not
 * inherit an open connection (SQLite's locks, or a libpq socket shared with the parent).
 */
static int run_nodes(struct fixture *f, const struct node_plan *plan, int procs,
                     struct node_result *total) {
    memset(total, 0, sizeof *total);
    dorf_store_close(f->store);
    f->store = NULL;
    int ready[2];
    int go[2];
    int out[PROCS_MAX][2];
    pid_t pids[PROCS_MAX];
    int failed = 0;
    if (procs > PROCS_MAX || pipe(ready) != 0 || pipe(go) != 0) {
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < procs; i++) {
        if (pipe(out[i]) != 0 || (pids[i] = fork()) < 0) {
            perror("fork");
            exit(1);
        }
        if (pids[i] == 0) {
            node_main(plan, i, ready[1], go[0], out[i][1]);
            _exit(0); /* no atexit handlers, no flushing of the parent's buffers */
        }
        close(out[i][1]);
    }
    char bytes[PROCS_MAX];
    int have = 0;
    while (have < procs) {
        ssize_t n = read(ready[0], bytes, (size_t)(procs - have));
        if (n <= 0) {
            failed = 1;
            break;
        }
        have += (int)n;
    }
    memset(bytes, 'g', sizeof bytes);
    if (write(go[1], bytes, (size_t)procs) != procs) {
        failed = 1;
    }
    for (int i = 0; i < procs; i++) {
        struct node_result r;
        if (read(out[i][0], &r, sizeof r) != (ssize_t)sizeof r) {
            failed = 1;
            memset(&r, 0, sizeof r);
        }
        close(out[i][0]);
        int status = 0;
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            failed = 1;
        }
        if (!r.opened || r.errors) {
            fprintf(stderr, "  node %d: %s\n", i, r.error);
        }
        total->opened += r.opened;
        total->placed += r.placed;
        total->refused += r.refused;
        total->errors += r.errors;
        total->bought[0] += r.bought[0];
        total->bought[1] += r.bought[1];
    }
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
    if (dorf_store_open(f->ctx, test_store_location(db_name), 0, &f->store) != DORF_OK) {
        fprintf(stderr, "  reopening: %s\n", dorf_ctx_errmsg(f->ctx));
        failed = 1;
    }
    return failed ? -1 : 0;
}

static int64_t sold_of(int64_t product) {
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(quantity), 0) FROM order_item WHERE product_id = %lld",
             (long long)product);
    return count_rows(sql);
}

static void set_stock(struct fixture *f, int64_t product, int64_t stock) {
    dorf_product_change c = {.fields = DORF_PRODUCT_STOCK, .stock = stock};
    CHECK_OK(f, dorf_store_product_update(f->store, f->owner, product, &c, 2000));
}

static void test_last_item_goes_to_exactly_one_of_two_processes(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t last = add_product(&f, "Letzter Stollen", 1500, 0);
    int64_t plenty = add_product(&f, "Semmel", 40, 1000);
    const struct node_plan plan = {.citizen = f.citizen,
                                   .shop = f.shop,
                                   .products = {last, plenty},
                                   .attempts = 1,
                                   .mixed = 0};
    const int trials = 12;
    for (int trial = 0; trial < trials && f.store; trial++) {
        set_stock(&f, last, 1);
        const int64_t orders_before = count_rows("SELECT count(*) FROM shop_order");
        struct node_result total;
        CHECK_EQ_INT(run_nodes(&f, &plan, 2, &total), 0);
        CHECK_EQ_INT(total.opened, 2);
        CHECK_EQ_INT(total.errors, 0);
        CHECK_EQ_INT(total.placed, 1);
        CHECK_EQ_INT(total.refused, 1);
        CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop_order") - orders_before, 1);
        if (f.store) {
            CHECK_EQ_INT(stock_of(&f, last), 0);
        }
    }
    CHECK_EQ_INT(sold_of(last), trials);
    CHECK_EQ_INT(count_rows("SELECT min(stock) FROM product"), 0);
    if (f.store) {
        CHECK_EQ_INT(dorf_store_check(f.store), DORF_OK);
    }
    teardown(&f);
}

static void test_orders_from_several_processes_never_oversell(void) {
    struct fixture f;
    if (setup(&f) != 0) {
        CHECK(0);
        return;
    }
    int64_t a = add_product(&f, "Brezen", 90, 0);
    int64_t b = add_product(&f, "Krapfen", 150, 0);
    const struct node_plan plan = {
        .citizen = f.other, .shop = f.shop, .products = {a, b}, .attempts = 6, .mixed = 1};
    const int trials = 4;
    int refused = 0;
    for (int trial = 0; trial < trials && f.store; trial++) {
        /* 24 orders want one unit of a each, 12 of them one of b too: both run out. */
        const int64_t initial_a = 5 + trial;
        const int64_t initial_b = 3;
        set_stock(&f, a, initial_a);
        set_stock(&f, b, initial_b);
        const int64_t orders_before = count_rows("SELECT count(*) FROM shop_order");
        const int64_t audit_before =
            count_rows("SELECT count(*) FROM audit_log WHERE action = 'order.place'");
        const int64_t sold_a = sold_of(a);
        const int64_t sold_b = sold_of(b);
        struct node_result total;
        CHECK_EQ_INT(run_nodes(&f, &plan, PROCS_MAX, &total), 0);
        CHECK_EQ_INT(total.opened, PROCS_MAX);
        CHECK_EQ_INT(total.errors, 0);
        CHECK_EQ_INT(total.placed + total.refused, PROCS_MAX * plan.attempts);
        refused += total.refused;
        if (!f.store) {
            break;
        }
        const int64_t final_a = stock_of(&f, a);
        const int64_t final_b = stock_of(&f, b);
        CHECK(final_a >= 0 && final_b >= 0);
        /* 12 orders of a alone cannot all succeed on at most 8 units, so a runs out. */
        CHECK_EQ_INT(final_a, 0);
        /* What left the stock is exactly what the placed orders hold, product by product:
           a refused order took nothing, not even its lines before the short one. */
        CHECK_EQ_INT(initial_a - final_a, total.bought[0]);
        CHECK_EQ_INT(initial_b - final_b, total.bought[1]);
        CHECK_EQ_INT(sold_of(a) - sold_a, total.bought[0]);
        CHECK_EQ_INT(sold_of(b) - sold_b, total.bought[1]);
        CHECK_EQ_INT(count_rows("SELECT count(*) FROM shop_order") - orders_before, total.placed);
        CHECK_EQ_INT(count_rows("SELECT count(*) FROM audit_log WHERE action = 'order.place'") -
                         audit_before,
                     total.placed);
    }
    CHECK(refused >= trials * (PROCS_MAX * plan.attempts - 8));
    if (f.store) {
        CHECK_EQ_INT(dorf_store_check(f.store), DORF_OK);
    }
    teardown(&f);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("backend: %s\n", test_store_backend());
    RUN(test_local_time_follows_german_summer_time);
    RUN(test_state_names_round_trip);
    RUN(test_only_delivery_orders_are_handed_over);
    RUN(test_places_are_listed_by_category_box_and_distance);
    RUN(test_shop_claims_are_checked);
    RUN(test_products_belong_to_their_shop_owner);
    RUN(test_orders_take_stock_and_keep_prices);
    RUN(test_every_move_is_checked_for_every_party);
    RUN(test_cancel_and_reject_restore_stock);
    RUN(test_handing_over_creates_the_parcel);
    RUN(test_orders_are_seen_only_by_their_citizen_and_shop);
    RUN(test_concurrent_orders_never_oversell);
    RUN(test_last_item_goes_to_exactly_one_of_two_processes);
    RUN(test_orders_from_several_processes_never_oversell);
    test_store_cleanup();
    return check_summary();
}
