/*
 * test_export.c: the anonymised export's tables (scenarios/export*.c), built in memory.
 *
 * The perturbation table has the documented moments and never publishes a non-empty count
 * as zero. On a crafted region (eight groups of households a couple of kilometres apart, one
 * of them with 3 households, below k = 5) the small group's cell is published nowhere, its
 * orders carry no cell, and every published total equals the sum of its published cells,
 * so subtracting the neighbours from a row, column or region total recovers nothing of it.
 * Pseudonyms differ between exports with different keys; figures do not, as long as the
 * record secret is the same. What the export reads from a store (dorf_store_load_activity,
 * dorf_store_secret) is checked on a store of its own, SpatiaLite or, when DORF_TEST_PG
 * names a server, PostGIS (tests/test_store.h; ctest's scenarios/test_export@postgis).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/activity.h"
#include "dorf/alloc.h"
#include "dorf/erase.h"
#include "dorf/export.h"
#include "dorf/platform.h"
#include "test_store.h"

/* ---- the perturbation table ---- */

static void test_the_perturbation_table_has_its_documented_moments(void) {
    const int D = DORF_EXPORT_CKM_MAX_DEVIATION;
    for (int64_t n = 0; n <= 40; n++) {
        double sum = 0, mean = 0, var = 0;
        for (int d = -D; d <= D; d++) {
            double p = dorf_export_ckm_probability(n, d);
            CHECK(p >= 0);
            if (n > 0 && n + d < 1) {
                CHECK(p == 0); /* a non-empty count is never published as zero */
            }
            sum += p;
            mean += d * p;
            var += d * d * p;
        }
        CHECK_NEAR(sum, 1, 1e-12);
        if (n > D) {
            CHECK_NEAR(mean, 0, 1e-12);
            CHECK_NEAR(var - mean * mean, DORF_EXPORT_CKM_VARIANCE, 1e-9);
        }
    }
    CHECK(dorf_export_ckm_probability(1, 1) > 0); /* 1 is not always published as 1 */
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_cell_keys_select_deviations_with_the_table_s_frequencies(void) {
    uint64_t seed = 0x9e3779b97f4a7c15u;
    const int N = 200000;
    double sum = 0, sq = 0;
    int zero_from_one = 0, out_of_range = 0;
    for (int i = 0; i < N; i++) {
        uint64_t key = xorshift(&seed);
        int64_t v = dorf_export_ckm_perturb(10, key);
        CHECK_EQ_INT(v, dorf_export_ckm_perturb(10, key)); /* same key, same figure */
        sum += (double)(v - 10);
        sq += (double)((v - 10) * (v - 10));
        out_of_range += llabs(v - 10) > DORF_EXPORT_CKM_MAX_DEVIATION;
        zero_from_one += dorf_export_ckm_perturb(1, key) < 1;
    }
    CHECK_NEAR(sum / N, 0, 0.01);
    CHECK_NEAR(sq / N, DORF_EXPORT_CKM_VARIANCE, 0.02);
    CHECK_EQ_INT(out_of_range, 0);
    CHECK_EQ_INT(zero_from_one, 0);
    CHECK_EQ_INT(dorf_export_ckm_perturb(0, 12345), 0);
}

/* ---- a crafted region ---- */

#define GROUPS 8
#define SMALL 2 /* the group below k */

static const double group_lon[GROUPS] = {11.40, 11.43, 11.46, 11.49, 11.40, 11.43, 11.46, 11.49};
static const double group_lat[GROUPS] = {50.00, 50.00, 50.00, 50.00, 50.03, 50.03, 50.03, 50.03};

static dorf_region *crafted_region(dorf_ctx *ctx) {
    dorf_region *r = NULL;
    if (dorf_region_new(ctx, &r) != DORF_OK) {
        return NULL;
    }
    for (int g = 0; g < GROUPS; g++) {
        int households = g == SMALL ? 3 : 10;
        for (int i = 0; i < households; i++) {
            dorf_building b = {0};
            b.osm_id = 1000 * (g + 1) + i;
            b.kind = "house";
            b.lon_deg = group_lon[g]; /* a block of flats: one point, one cell */
            b.lat_deg = group_lat[g];
            b.area_m2 = 100;
            b.households = 1;
            dorf_household h = {(uint32_t)r->building_count, 2.0};
            if (dorf_region_add_building(ctx, r, &b, NULL) != DORF_OK ||
                dorf_region_add_household(ctx, r, &h) != DORF_OK) {
                dorf_region_free(r);
                return NULL;
            }
        }
    }
    dorf_place shop = {0};
    shop.osm_id = 77;
    shop.osm_type = 'n';
    shop.category = DORF_CAT_BAKERY;
    shop.name = "Backstube Probe";
    shop.lon_deg = group_lon[0];
    shop.lat_deg = group_lat[0];
    if (dorf_region_add_place(ctx, r, &shop) != DORF_OK) {
        dorf_region_free(r);
        return NULL;
    }
    return r;
}

/* Two orders per group: one collected at the shop, one delivered home. */
static void crafted_activity(dorf_activity_order *orders, dorf_activity_parcel *parcels,
                             dorf_activity *a) {
    memset(a, 0, sizeof *a);
    for (int g = 0; g < GROUPS; g++) {
        for (int delivery = 0; delivery < 2; delivery++) {
            dorf_activity_order *o = &orders[a->order_count];
            memset(o, 0, sizeof *o);
            o->id = 500 + (int64_t)a->order_count;
            o->citizen_id = 900 + g;
            o->shop_osm_type = 'n';
            o->shop_osm_id = 77;
            o->shop_lon_deg = group_lon[0];
            o->shop_lat_deg = group_lat[0];
            o->delivery = delivery;
            o->dropoff_lon_deg = delivery ? group_lon[g] : NAN;
            o->dropoff_lat_deg = delivery ? group_lat[g] : NAN;
            o->state = delivery ? DORF_ORDER_DELIVERED : DORF_ORDER_COLLECTED;
            o->items = 2;
            o->total_cents = 499;
            o->created_at = 1795000000 + 3600 * g;
            a->order_count++;
            if (delivery) {
                dorf_activity_parcel *p = &parcels[a->parcel_count++];
                memset(p, 0, sizeof *p);
                p->id = 700 + g;
                p->order_id = o->id;
                p->volunteer_id = 950;
                strcpy(p->state, "delivered");
                strcpy(p->mode, "bike");
                p->pickup_lon_deg = o->shop_lon_deg;
                p->pickup_lat_deg = o->shop_lat_deg;
                p->dropoff_lon_deg = o->dropoff_lon_deg;
                p->dropoff_lat_deg = o->dropoff_lat_deg;
                p->size = 1;
                p->created_at = o->created_at;
                p->updated_at = o->created_at + 7200;
            }
        }
    }
    a->orders = orders;
    a->parcels = parcels;
}

static const dorf_table *table_named(const dorf_export *x, const char *name) {
    size_t n = 0;
    const dorf_table *t = dorf_export_tables(x, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            return &t[i];
        }
    }
    return NULL;
}

static size_t column(const dorf_table *t, const char *name) {
    for (size_t c = 0; c < t->column_count; c++) {
        if (strcmp(t->columns[c].name, name) == 0) {
            return c;
        }
    }
    return (size_t)-1;
}

static const dorf_value *cell_at(const dorf_table *t, size_t row, const char *name) {
    size_t c = column(t, name);
    return c == (size_t)-1 ? NULL : &t->values[row * t->column_count + c];
}

struct built {
    dorf_ctx *ctx;
    dorf_region *region;
    dorf_activity_order orders[2 * GROUPS];
    dorf_activity_parcel parcels[GROUPS];
    dorf_activity activity;
    dorf_export_options opt;
};

static dorf_export *build(struct built *b, unsigned k, double epsilon, uint8_t record_byte,
                          uint8_t pseudonym_byte) {
    dorf_export_options_init(&b->opt, (dorf_local_time){2026, 11, 27, 0});
    b->opt.k = k;
    b->opt.epsilon = epsilon;
    uint8_t secret[32], key[32];
    memset(secret, record_byte, sizeof secret);
    memset(key, pseudonym_byte, sizeof key);
    dorf_export *x = NULL;
    if (dorf_export_build(b->ctx, b->region, &b->activity, NULL, NULL, &b->opt, secret, key, &x) !=
        DORF_OK) {
        fprintf(stderr, "  building the export: %s\n", dorf_ctx_errmsg(b->ctx));
    }
    return x;
}

static int setup(struct built *b) {
    memset(b, 0, sizeof *b);
    b->ctx = dorf_ctx_new();
    b->region = b->ctx ? crafted_region(b->ctx) : NULL;
    crafted_activity(b->orders, b->parcels, &b->activity);
    return b->region ? 0 : -1;
}

static void teardown(struct built *b) {
    dorf_region_free(b->region);
    dorf_ctx_free(b->ctx);
}

/* True when `name` is one of the published cells. */
static int published(const dorf_table *cells, const char *name) {
    for (size_t r = 0; name && r < cells->row_count; r++) {
        if (strcmp(cell_at(cells, r, "cell")->s, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_a_small_cell_is_suppressed_everywhere_and_totals_reveal_nothing(void) {
    struct built b;
    CHECK(setup(&b) == 0);
    dorf_export *x = build(&b, 5, 0, 1, 2);
    CHECK(x != NULL);
    if (!x) {
        teardown(&b);
        return;
    }
    dorf_export_summary sum;
    dorf_export_counts(x, &sum);
    CHECK_EQ_INT(sum.cells_with_households, GROUPS);
    CHECK_EQ_INT(sum.cells_suppressed, 1);
    CHECK_EQ_INT(sum.households_suppressed, 3);
    const dorf_table *cells = table_named(x, "cells");
    const dorf_table *totals = table_named(x, "totals");
    CHECK(cells && totals);
    if (!cells || !totals) {
        dorf_export_free(x);
        teardown(&b);
        return;
    }
    CHECK_EQ_INT(cells->row_count, GROUPS - 1);
    CHECK(cells->geometry == DORF_TABLE_BOX && cells->epsg == 3035);
    for (size_t r = 0; r < cells->row_count; r++) {
        int64_t h = cell_at(cells, r, "households")->i;
        CHECK(h >= 10 - DORF_EXPORT_CKM_MAX_DEVIATION && h <= 10 + DORF_EXPORT_CKM_MAX_DEVIATION);
        CHECK_CONTAINS(cell_at(cells, r, "cell")->s, "CRS3035RES1000mN");
        const double *box = &cells->coords[r * 4];
        CHECK_NEAR(box[2] - box[0], 1000, 1e-9);
        CHECK(fmod(box[0], 1000) == 0 && fmod(box[1], 1000) == 0);
    }
    /* Every total is the sum of the published cells it covers: region, rows, columns. */
    const char *counted[] = {"households", "persons", "orders_pickup", "orders_delivery",
                             "parcels_delivered"};
    size_t rows = 0, cols = 0;
    for (size_t t = 0; t < totals->row_count; t++) {
        const char *level = cell_at(totals, t, "level")->s;
        const char *zone = cell_at(totals, t, "zone")->s;
        int64_t members = 0, want[5] = {0};
        for (size_t r = 0; r < cells->row_count; r++) {
            const char *name = cell_at(cells, r, "cell")->s;
            char pattern[48];
            snprintf(pattern, sizeof pattern, level[0] == 'r' && level[1] == 'o' ? "%sE" : "%s",
                     zone);
            int in = strcmp(level, "region") == 0 ||
                     (strcmp(level, "row") == 0 && strstr(name, pattern)) ||
                     (strcmp(level, "column") == 0 &&
                      strcmp(name + strlen(name) - strlen(zone), zone) == 0);
            if (!in) {
                continue;
            }
            members++;
            for (int c = 0; c < 5; c++) {
                want[c] += cell_at(cells, r, counted[c])->i;
            }
        }
        rows += strcmp(level, "row") == 0;
        cols += strcmp(level, "column") == 0;
        CHECK(members > 0);
        CHECK_EQ_INT(cell_at(totals, t, "cells")->i, members);
        for (int c = 0; c < 5; c++) {
            /* total - (published members) = 0: the suppressed cell is in no total */
            CHECK_EQ_INT(cell_at(totals, t, counted[c])->i - want[c], 0);
        }
    }
    CHECK(rows >= 2 && cols >= 4);
    /* The small cell's orders: counted nowhere, carrying no cell; the others carry theirs. */
    const dorf_table *orders = table_named(x, "orders");
    size_t without_cell = 0;
    for (size_t r = 0; orders && r < orders->row_count; r++) {
        const char *cell = cell_at(orders, r, "cell")->s;
        without_cell += cell == NULL;
        CHECK(cell == NULL || published(cells, cell));
    }
    CHECK_EQ_INT(without_cell, 1); /* the delivery to the small group */
    const dorf_table *weekly = table_named(x, "orders_weekly");
    int64_t weekly_deliveries = 0;
    for (size_t r = 0; weekly && r < weekly->row_count; r++) {
        CHECK(published(cells, cell_at(weekly, r, "cell")->s));
        if (strcmp(cell_at(weekly, r, "fulfilment")->s, "delivery") == 0) {
            weekly_deliveries++;
        }
    }
    CHECK_EQ_INT(weekly_deliveries, GROUPS - 1);
    const dorf_table *deliveries = table_named(x, "deliveries");
    for (size_t r = 0; deliveries && r < deliveries->row_count; r++) {
        const char *cell = cell_at(deliveries, r, "dropoff_cell")->s;
        CHECK(cell == NULL || published(cells, cell));
        CHECK_EQ_INT(strlen(cell_at(deliveries, r, "period")->s), 10); /* a day, no hour */
        CHECK_CONTAINS(cell_at(deliveries, r, "week")->s, "2026-W");
    }
    dorf_export_free(x);

    /* With k = 3 the same group is published. */
    x = build(&b, 3, 0, 1, 2);
    dorf_export_counts(x, &sum);
    CHECK_EQ_INT(sum.cells_suppressed, 0);
    dorf_export_free(x);
    teardown(&b);
}

static void test_pseudonyms_change_with_the_key_and_figures_with_the_secret_only(void) {
    struct built b;
    CHECK(setup(&b) == 0);
    dorf_export *one = build(&b, 5, 0, 1, 2), *two = build(&b, 5, 0, 1, 3);
    dorf_export *same = build(&b, 5, 0, 1, 2), *other = build(&b, 5, 0, 9, 2);
    CHECK(one && two && same && other);
    if (one && two && same && other) {
        const dorf_table *o1 = table_named(one, "orders"), *o2 = table_named(two, "orders");
        const dorf_table *o3 = table_named(same, "orders");
        size_t common = 0, equal = 0;
        for (size_t i = 0; i < o1->row_count; i++) {
            const char *p = cell_at(o1, i, "order_id")->s;
            const char *c = cell_at(o1, i, "citizen")->s;
            CHECK(strlen(p) == 32 && strlen(c) == 32);
            equal += strcmp(p, cell_at(o3, i, "order_id")->s) == 0;
            for (size_t j = 0; j < o2->row_count; j++) {
                common += strcmp(p, cell_at(o2, j, "order_id")->s) == 0;
                common += strcmp(c, cell_at(o2, j, "citizen")->s) == 0;
            }
        }
        CHECK_EQ_INT(common, 0);
        CHECK_EQ_INT(equal, o1->row_count);
        /* Figures: equal under the same secret whatever the pseudonym key, else not. */
        const dorf_table *c1 = table_named(one, "cells"), *c2 = table_named(two, "cells");
        const dorf_table *c4 = table_named(other, "cells");
        size_t differ_key = 0, differ_secret = 0;
        for (size_t r = 0; r < c1->row_count; r++) {
            for (const char *col = "households"; col; col = col[0] == 'h' ? "persons" : NULL) {
                differ_key += cell_at(c1, r, col)->i != cell_at(c2, r, col)->i;
                differ_secret += cell_at(c1, r, col)->i != cell_at(c4, r, col)->i;
            }
        }
        CHECK_EQ_INT(differ_key, 0);
        CHECK(differ_secret > 0);
    }
    dorf_export_free(one);
    dorf_export_free(two);
    dorf_export_free(same);
    dorf_export_free(other);
    teardown(&b);
}

static void test_laplace_noise_keeps_counts_whole_and_not_negative(void) {
    struct built b;
    CHECK(setup(&b) == 0);
    dorf_export *x = build(&b, 5, 0.1, 1, 2);
    CHECK(x != NULL);
    const dorf_table *cells = x ? table_named(x, "cells") : NULL;
    int64_t spread = 0;
    for (size_t r = 0; cells && r < cells->row_count; r++) {
        int64_t h = cell_at(cells, r, "households")->i;
        CHECK(h >= 0);
        spread += llabs(h - 10);
    }
    CHECK(spread > 0); /* scale 10: seven cells all exact would be a broken generator */
    dorf_export_free(x);
    teardown(&b);
}

static void test_bad_options_are_refused_with_what_to_do(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_export_options o;
    dorf_export_options_init(&o, (dorf_local_time){2026, 11, 27, 0});
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_OK);
    CHECK_EQ_INT(o.coverage.at.day, 1); /* the next Tuesday: 2026-12-01 */
    CHECK_EQ_INT(o.coverage.at.minute, 600);
    o.k = 1;
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "at least 2");
    o.k = 5;
    o.format = "shp";
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "gpkg, csv, geojson or fgb");
    o.format = "GeoJSON";
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_OK);
    o.epsilon = -1;
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_EINVAL);
    o.epsilon = NAN;
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_EINVAL);
    o.epsilon = 0;
    o.cell_m = 250;
    CHECK_EQ_INT(dorf_export_check_options(ctx, &o), DORF_EINVAL);
    dorf_ctx_free(ctx);
}

/* ---- what the export reads from a store ---- */

/*
 * Two orders (one delivered by a volunteer on a bike, one collected by a person who is then
 * erased) come back with their items, positions and states; the erased citizen is 0 and has
 * no drop-off; the parcel carries the mode of the availability covering its delivery. The
 * first secret kept for a name stays: a second candidate is ignored.
 */
static void test_the_store_hands_the_export_its_activity_and_keeps_one_secret(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    const char *where = test_store_location("activity");
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, where, DORF_STORE_CREATE, &s), DORF_OK);
    if (!s) {
        fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_free(ctx);
        return;
    }
    int64_t owner = test_store_add_user(s, "owner@x.org", DORF_ROLE_SHOP);
    int64_t anna = test_store_add_user(s, "anna@x.org", DORF_ROLE_CITIZEN);
    int64_t bert = test_store_add_user(s, "bert@x.org", DORF_ROLE_CITIZEN);
    int64_t vera = test_store_add_user(s, "vera@x.org", DORF_ROLE_VOLUNTEER);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at)"
             " VALUES (1, 'n', 77, %lld, 'Backstube Probe', 11.4, 50.0, 1000);"
             "INSERT INTO product (id, shop_id, name, price_cents, unit, stock) VALUES"
             " (1, 1, 'Brot', 250, 'Laib', 10);"
             "INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon,"
             " dropoff_lat, total_cents, created_at, updated_at) VALUES"
             " (1, %lld, 1, 'delivered', 1, 11.43, 50.03, 750, 2000, 5000),"
             " (2, %lld, 1, 'collected', 0, NULL, NULL, 250, 2100, 2200);"
             "INSERT INTO order_item (order_id, product_id, quantity, price_cents) VALUES"
             " (1, 1, 3, 250), (2, 1, 1, 250);"
             "INSERT INTO parcel (id, order_id, state, volunteer_id, pickup_lon, pickup_lat,"
             " dropoff_lon, dropoff_lat, ready_at, due_from, due_until, size, created_at,"
             " updated_at) VALUES (1, 1, 'delivered', %lld, 11.4, 50.0, 11.43, 50.03, 2000,"
             " 2000, 6000, 2, 2000, 5000);"
             "INSERT INTO availability (volunteer_id, mode, capacity, from_at, until_at,"
             " max_detour_s, home_lon, home_lat) VALUES"
             " (%lld, 'car', 4, 1000, 3000, 600, 11.4, 50.0),"
             " (%lld, 'bike', 2, 4000, 6000, 600, 11.4, 50.0)",
             (long long)owner, (long long)anna, (long long)bert, (long long)vera, (long long)vera,
             (long long)vera);
    sql_conn *c = test_store_connect(where);
    if (sql_exec(c, sql) != SQL_OK) {
        fprintf(stderr, "  sql: %s\n", sql_errmsg(c));
        CHECK(0);
    }
    test_store_close(c);
    dorf_erase_report erased;
    CHECK_EQ_INT(dorf_store_user_erase(s, bert, 7000, &erased), DORF_OK);
    CHECK_EQ_INT(erased.orders, 1);

    dorf_arena *arena = dorf_arena_new();
    dorf_activity a;
    CHECK_EQ_INT(dorf_store_load_activity(s, arena, &a), DORF_OK);
    CHECK_EQ_INT(a.order_count, 2);
    CHECK_EQ_INT(a.parcel_count, 1);
    if (a.order_count == 2 && a.parcel_count == 1) {
        CHECK_EQ_INT(a.orders[0].id, 1);
        CHECK_EQ_INT(a.orders[0].citizen_id, anna);
        CHECK_EQ_INT(a.orders[0].shop_osm_type, 'n');
        CHECK_EQ_INT(a.orders[0].shop_osm_id, 77);
        CHECK_NEAR(a.orders[0].shop_lon_deg, 11.4, 1e-12);
        CHECK_EQ_INT(a.orders[0].delivery, 1);
        CHECK_NEAR(a.orders[0].dropoff_lat_deg, 50.03, 1e-12);
        CHECK_EQ_INT(a.orders[0].state, DORF_ORDER_DELIVERED);
        CHECK_EQ_INT(a.orders[0].items, 3);
        CHECK_EQ_INT(a.orders[0].total_cents, 750);
        CHECK_EQ_INT(a.orders[0].created_at, 2000);
        CHECK_EQ_INT(a.orders[1].citizen_id, 0); /* erased */
        CHECK_EQ_INT(a.orders[1].delivery, 0);
        CHECK(isnan(a.orders[1].dropoff_lon_deg));
        CHECK_EQ_INT(a.orders[1].state, DORF_ORDER_COLLECTED);
        CHECK_EQ_INT(a.orders[1].items, 1);
        CHECK_EQ_INT(a.parcels[0].order_id, 1);
        CHECK_EQ_INT(a.parcels[0].volunteer_id, vera);
        CHECK_STR(a.parcels[0].state, "delivered");
        CHECK_STR(a.parcels[0].mode, "bike"); /* the window around 5000, not the car's */
        CHECK_EQ_INT(a.parcels[0].size, 2);
        CHECK_EQ_INT(a.parcels[0].updated_at, 5000);
    }
    dorf_arena_free(arena);

    uint8_t first[DORF_STORE_SECRET_SIZE], second[DORF_STORE_SECRET_SIZE];
    uint8_t got[DORF_STORE_SECRET_SIZE];
    memset(first, 0xa5, sizeof first);
    memset(second, 0x5a, sizeof second);
    CHECK_EQ_INT(dorf_store_secret(s, "export-record-keys", first, got), DORF_OK);
    CHECK(memcmp(got, first, sizeof got) == 0);
    CHECK_EQ_INT(dorf_store_secret(s, "export-record-keys", second, got), DORF_OK);
    CHECK(memcmp(got, first, sizeof got) == 0);
    CHECK_EQ_INT(dorf_store_secret(s, "another", second, got), DORF_OK);
    CHECK(memcmp(got, second, sizeof got) == 0);
    CHECK_EQ_INT(test_store_query_int("activity", "SELECT count(*) FROM store_secret"), 2);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

#ifdef DORF_FAULT_INJECTION
/* Every allocation of a build, made to fail in turn: an error with a message, no export, no
   leak (the ASan build checks), and the next build succeeds again. */
static void test_every_allocation_failure_is_reported(void) {
    struct built b;
    CHECK(setup(&b) == 0);
    dorf_export_options_init(&b.opt, (dorf_local_time){2026, 11, 27, 0});
    uint8_t secret[32] = {1}, key[32] = {2};
    unsigned long n = 1, failures = 0;
    for (;; n++) {
        dorf_export *x = NULL;
        dorf_ctx_clear_error(b.ctx);
        dorf_alloc_fail_after(n, 0);
        dorf_status st =
            dorf_export_build(b.ctx, b.region, &b.activity, NULL, NULL, &b.opt, secret, key, &x);
        unsigned long counted = dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK(x != NULL);
            dorf_export_free(x);
            if (counted < n) {
                break; /* the n-th allocation never came: every one has failed once */
            }
            continue; /* a failure that was absorbed (none is, so far) */
        }
        failures++;
        CHECK(x == NULL);
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(dorf_ctx_errmsg(b.ctx)[0] != '\0');
    }
    CHECK(failures > 20);
    printf("  %lu allocations, each failed once\n", failures);
    teardown(&b);
}
#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("store: %s\n", test_store_backend());
    RUN(test_the_perturbation_table_has_its_documented_moments);
    RUN(test_cell_keys_select_deviations_with_the_table_s_frequencies);
    RUN(test_a_small_cell_is_suppressed_everywhere_and_totals_reveal_nothing);
    RUN(test_pseudonyms_change_with_the_key_and_figures_with_the_secret_only);
    RUN(test_laplace_noise_keeps_counts_whole_and_not_negative);
    RUN(test_bad_options_are_refused_with_what_to_do);
    RUN(test_the_store_hands_the_export_its_activity_and_keeps_one_secret);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    test_store_cleanup();
    return check_summary();
}
