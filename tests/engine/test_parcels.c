/*
 * test_parcels.c: LieferBar's availabilities and parcels in the store (engine/store_parcels.c):
 * the legal and illegal moves of a parcel, who may see and move it, and that of concurrent
 * claims exactly one wins: threads with their own stores on one location, released together
 * at a barrier over many trials of one parcel, and sweeping over many parcels in different
 * orders. Runs on SpatiaLite, and on PostGIS when DORF_TEST_PG names a server
 * (tests/test_store.h; ctest's engine/test_parcels@postgis).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/lieferbar_store.h"
#include "dorf/platform.h"
#include "dorf/store.h"
#include "test_store.h"

static dorf_store *open_store(dorf_ctx *ctx, const char *name, unsigned flags) {
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, test_store_location(name), flags, &s);
    if (st != DORF_OK) {
        fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(ctx));
    }
    CHECK_EQ_INT(st, DORF_OK);
    return s;
}

/* Runs SQL on a connection of the test's own (the marketplace's part of the set-up). */
static void sql(const char *name, const char *text) {
    sql_conn *c = test_store_connect(test_store_location(name));
    if (sql_exec(c, text) != SQL_OK) {
        fprintf(stderr, "  sql: %s\n", sql_errmsg(c));
        CHECK(0);
    }
    test_store_close(c);
}

/* One integer from the store's tables; -1 when there is no row. */
static int64_t query_int(const char *name, const char *text) {
    int64_t v = test_store_query_int(name, text);
    CHECK(v != -2);
    return v;
}

/* A shop of `owner`, and `n` handed-over delivery orders with their open parcels 1..n. */
static void add_shop_and_parcels(const char *name, int64_t owner, int64_t citizen, int n) {
    char text[1024];
    snprintf(text, sizeof text,
             "INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at)"
             " VALUES (1, 'n', 42, %lld, 'Bäckerei Test', 11.58, 49.95, 1000);",
             (long long)owner);
    sql(name, text);
    for (int i = 1; i <= n; i++) {
        snprintf(text, sizeof text,
                 "INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon,"
                 " dropoff_lat, total_cents, created_at, updated_at) VALUES (%d, %lld, 1,"
                 " 'handed_over', 1, 11.59, 49.96, 350, 1000, 1000);"
                 "INSERT INTO parcel (id, order_id, state, pickup_lon, pickup_lat, dropoff_lon,"
                 " dropoff_lat, ready_at, due_from, due_until, size, created_at, updated_at)"
                 " VALUES (%d, %d, 'open', %f, 49.95, 11.59, 49.96, 1000, 1000, 30000, 1, 1000,"
                 " 1000);",
                 i, (long long)citizen, i, i, 11.58 + 0.001 * i);
        sql(name, text);
    }
}

static void test_a_parcel_goes_from_open_to_delivered_with_its_order(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "life.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    int64_t vol = test_store_add_user(s, "vol@x.org", DORF_ROLE_VOLUNTEER);
    add_shop_and_parcels("life.dorf", shop, citizen, 1);

    dorf_arena *arena = dorf_arena_new();
    dorf_parcel *list = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(list[0].state, DORF_PARCEL_OPEN);
        CHECK_STR(list[0].shop_name, "Bäckerei Test");
        CHECK_EQ_INT(list[0].shop_id, 1);
    }
    CHECK_EQ_INT(dorf_store_parcel_claim(s, vol, 1, 2000), DORF_OK);
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, vol, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(dorf_store_parcel_picked_up(s, vol, 1, 2100), DORF_OK);
    CHECK_EQ_INT(dorf_store_parcel_delivered(s, vol, 1, 2200), DORF_OK);
    CHECK_EQ_INT(query_int("life.dorf", "SELECT state = 'delivered' FROM shop_order WHERE id = 1"),
                 1);
    CHECK_EQ_INT(query_int("life.dorf", "SELECT updated_at FROM shop_order WHERE id = 1"), 2200);
    dorf_parcel p;
    CHECK_EQ_INT(dorf_store_parcel_get(s, arena, vol, 1, &p), DORF_OK);
    CHECK_EQ_INT(p.state, DORF_PARCEL_DELIVERED);
    CHECK_EQ_INT(p.volunteer_id, vol);
    CHECK_EQ_INT(p.updated_at, 2200);
    /* Delivered parcels leave the volunteer's working list. */
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, vol, NULL, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(query_int("life.dorf", "SELECT count(*) FROM audit_log WHERE object = 'parcel/1'"),
                 4);
    dorf_arena_free(arena);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_illegal_moves_are_refused_and_change_nothing(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "illegal.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    int64_t vol = test_store_add_user(s, "vol@x.org", DORF_ROLE_VOLUNTEER);
    int64_t other = test_store_add_user(s, "other@x.org", DORF_ROLE_VOLUNTEER);
    add_shop_and_parcels("illegal.dorf", shop, citizen, 2);

    /* Open parcels cannot be picked up, delivered or released. */
    CHECK_EQ_INT(dorf_store_parcel_picked_up(s, vol, 1, 2000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_delivered(s, vol, 1, 2000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_release(s, vol, 1, 2000), DORF_ENOTFOUND);
    /* Unknown parcels are not found; claimed ones conflict. */
    CHECK_EQ_INT(dorf_store_parcel_claim(s, vol, 99, 2000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_claim(s, vol, 1, 2000), DORF_OK);
    CHECK_EQ_INT(dorf_store_parcel_claim(s, other, 1, 2000), DORF_ECONFLICT);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "parcel 1 was claimed by someone else");
    CHECK_EQ_INT(dorf_store_parcel_claim(s, vol, 1, 2000), DORF_ECONFLICT);
    /* Skipping picked_up is illegal. */
    CHECK_EQ_INT(dorf_store_parcel_delivered(s, vol, 1, 2000), DORF_ECONFLICT);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "is 'claimed'; it cannot become 'delivered'");
    /* Another volunteer sees nothing of it. */
    dorf_arena *arena = dorf_arena_new();
    dorf_parcel p;
    CHECK_EQ_INT(dorf_store_parcel_get(s, arena, other, 1, &p), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_get(s, arena, other, 2, &p), DORF_OK);
    CHECK_EQ_INT(dorf_store_parcel_picked_up(s, other, 1, 2000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_release(s, other, 1, 2000), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_parcel_delivered(s, other, 1, 2000), DORF_ENOTFOUND);
    /* Released, it is open again, for anyone. */
    CHECK_EQ_INT(dorf_store_parcel_release(s, vol, 1, 2100), DORF_OK);
    CHECK_EQ_INT(query_int("illegal.dorf", "SELECT volunteer_id IS NULL FROM parcel WHERE id = 1"),
                 1);
    CHECK_EQ_INT(dorf_store_parcel_claim(s, other, 1, 2200), DORF_OK);
    CHECK_EQ_INT(dorf_store_parcel_picked_up(s, other, 1, 2300), DORF_OK);
    CHECK_EQ_INT(dorf_store_parcel_release(s, other, 1, 2300), DORF_ECONFLICT);
    CHECK_EQ_INT(dorf_store_parcel_picked_up(s, other, 1, 2300), DORF_ECONFLICT);

    /* An order that is no longer handed over cannot be delivered: nothing changes. */
    sql("illegal.dorf", "UPDATE shop_order SET state = 'cancelled' WHERE id = 1");
    CHECK_EQ_INT(dorf_store_parcel_delivered(s, other, 1, 2400), DORF_ECONFLICT);
    CHECK_EQ_INT(query_int("illegal.dorf", "SELECT state = 'picked_up' FROM parcel WHERE id = 1"),
                 1);
    CHECK_EQ_INT(query_int("illegal.dorf",
                           "SELECT count(*) FROM audit_log WHERE action = 'parcel.delivered'"),
                 0);
    dorf_arena_free(arena);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_claiming_several_takes_all_or_none(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "all.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    int64_t vol = test_store_add_user(s, "vol@x.org", DORF_ROLE_VOLUNTEER);
    int64_t other = test_store_add_user(s, "other@x.org", DORF_ROLE_VOLUNTEER);
    add_shop_and_parcels("all.dorf", shop, citizen, 4);
    CHECK_EQ_INT(dorf_store_parcel_claim(s, other, 3, 2000), DORF_OK);

    int64_t ids[] = {1, 2, 3, 77};
    int64_t taken[4];
    size_t taken_count = 0;
    CHECK_EQ_INT(dorf_store_parcels_claim_all(s, vol, ids, 4, 2100, taken, &taken_count),
                 DORF_ECONFLICT);
    CHECK_EQ_INT(taken_count, 2);
    CHECK_EQ_INT(taken[0], 3);
    CHECK_EQ_INT(taken[1], 77);
    CHECK_EQ_INT(query_int("all.dorf", "SELECT count(*) FROM parcel WHERE state = 'open'"), 3);
    int64_t twice[] = {1, 1};
    CHECK_EQ_INT(dorf_store_parcels_claim_all(s, vol, twice, 2, 2100, taken, &taken_count),
                 DORF_EINVAL);
    CHECK_EQ_INT(dorf_store_parcels_claim_all(s, vol, ids, 2, 2100, taken, &taken_count), DORF_OK);
    CHECK_EQ_INT(taken_count, 0);
    CHECK_EQ_INT(query_int("all.dorf", "SELECT count(*) FROM parcel WHERE volunteer_id = 3"), 2);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_lists_filter_by_box_and_radius_and_sort_by_distance(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "geo.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    add_shop_and_parcels("geo.dorf", shop, citizen, 5); /* pickups at lon 11.581 .. 11.585 */
    dorf_arena *arena = dorf_arena_new();
    dorf_parcel *list = NULL;
    size_t n = 0;
    dorf_geo_query q = {0};
    q.kind = DORF_GEO_BBOX;
    q.min_lon_deg = 11.5815;
    q.min_lat_deg = 49.9;
    q.max_lon_deg = 11.5835;
    q.max_lat_deg = 50.0;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, &q, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 2);
    q = (dorf_geo_query){0};
    q.kind = DORF_GEO_NEAR;
    q.lon_deg = 11.5851;
    q.lat_deg = 49.95;
    q.radius_m = 250; /* 0.001 degrees of longitude are about 72 m here */
    q.by_distance = 1;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, &q, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_EQ_INT(list[0].id, 5);
        CHECK_EQ_INT(list[3].id, 2);
        CHECK(list[0].distance_m < list[1].distance_m);
        CHECK_NEAR(list[1].distance_m, 78.7, 0.5); /* 0.0011 degrees */
    }
    q.limit = 1;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, &q, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    q = (dorf_geo_query){0};
    q.by_distance = 1;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, &q, &list, &n), DORF_EINVAL);
    q.kind = DORF_GEO_NEAR;
    q.radius_m = 1e6;
    CHECK_EQ_INT(dorf_store_list_parcels(s, arena, 0, &q, &list, &n), DORF_EINVAL);
    dorf_arena_free(arena);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_availability_is_checked_and_private(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "avail.dorf", DORF_STORE_CREATE);
    int64_t vol = test_store_add_user(s, "vol@x.org", DORF_ROLE_VOLUNTEER);
    int64_t other = test_store_add_user(s, "other@x.org", DORF_ROLE_VOLUNTEER);
    dorf_availability a = {0};
    a.volunteer_id = vol;
    snprintf(a.mode, sizeof a.mode, "bike");
    a.capacity = 3;
    a.from_at = 10000;
    a.until_at = 20000;
    a.max_detour_s = 900;
    a.home_lon_deg = 11.58;
    a.home_lat_deg = 49.95;
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_availability_add(s, &a, 1000, &id), DORF_OK);
    CHECK(id > 0);

    dorf_availability bad = a;
    bad.until_at = bad.from_at;
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);
    bad = a;
    bad.until_at = bad.from_at + 24 * 3600 + 1;
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);
    bad = a;
    snprintf(bad.mode, sizeof bad.mode, "bus");
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);
    bad = a;
    bad.capacity = 21;
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);
    bad = a;
    bad.has_trip = 1;
    bad.trip_lat_deg = 91;
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);
    bad = a;
    bad.volunteer_id = 999;
    CHECK_EQ_INT(dorf_store_availability_add(s, &bad, 1000, &id), DORF_EINVAL);

    dorf_arena *arena = dorf_arena_new();
    dorf_availability *list = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_availability_list(s, arena, vol, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_STR(list[0].mode, "bike");
        CHECK_EQ_INT(list[0].has_trip, 0);
        CHECK_EQ_INT(list[0].until_at, 20000);
    }
    CHECK_EQ_INT(dorf_store_availability_list(s, arena, other, &list, &n), DORF_OK);
    CHECK_EQ_INT(n, 0);
    dorf_availability got;
    CHECK_EQ_INT(dorf_store_availability_get(s, other, 1, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_availability_delete(s, other, 1, 1100), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_availability_get(s, vol, 1, &got), DORF_OK);
    CHECK_EQ_INT(dorf_store_availability_delete(s, vol, 1, 1100), DORF_OK);
    CHECK_EQ_INT(dorf_store_availability_delete(s, vol, 1, 1100), DORF_ENOTFOUND);
    CHECK_EQ_INT(
        query_int("avail.dorf", "SELECT count(*) FROM audit_log WHERE action <> 'register'"), 2);
    dorf_arena_free(arena);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

/* ---- concurrency ---- */

#define THREADS 8
#define TRIALS 200

struct race {
    pthread_barrier_t start;
    pthread_barrier_t end;
    int64_t parcel; /* set by the main thread before each start */
    int64_t volunteers[THREADS];
    dorf_status results[THREADS];
};

struct racer {
    struct race *race;
    int index;
    dorf_store *store;
    dorf_ctx *ctx;
};

static void *racer_main(void *arg) {
    struct racer *r = arg;
    for (int t = 0; t < TRIALS; t++) {
        pthread_barrier_wait(&r->race->start);
        r->race->results[r->index] = dorf_store_parcel_claim(
            r->store, r->race->volunteers[r->index], r->race->parcel, 3000 + t);
        pthread_barrier_wait(&r->race->end);
    }
    return NULL;
}

static void test_of_concurrent_claims_exactly_one_wins(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "race.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    struct race race;
    memset(&race, 0, sizeof race);
    for (int i = 0; i < THREADS; i++) {
        char email[64];
        snprintf(email, sizeof email, "vol%d@x.org", i);
        race.volunteers[i] = test_store_add_user(s, email, DORF_ROLE_VOLUNTEER);
    }
    add_shop_and_parcels("race.dorf", shop, citizen, TRIALS);
    pthread_barrier_init(&race.start, NULL, THREADS + 1);
    pthread_barrier_init(&race.end, NULL, THREADS + 1);
    struct racer racers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        racers[i] = (struct racer){&race, i, NULL, dorf_ctx_new()};
        racers[i].store = open_store(racers[i].ctx, "race.dorf", 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ_INT(pthread_create(&threads[i], NULL, racer_main, &racers[i]), 0);
    }
    int bad_trials = 0;
    int conflicts = 0;
    char q[128];
    for (int t = 0; t < TRIALS; t++) {
        race.parcel = t + 1;
        pthread_barrier_wait(&race.start);
        pthread_barrier_wait(&race.end);
        int wins = 0;
        int winner = -1;
        for (int i = 0; i < THREADS; i++) {
            if (race.results[i] == DORF_OK) {
                wins++;
                winner = i;
            } else if (race.results[i] == DORF_ECONFLICT) {
                conflicts++;
            } else {
                fprintf(stderr, "  trial %d thread %d: %s\n", t, i, dorf_ctx_errmsg(racers[i].ctx));
            }
        }
        snprintf(q, sizeof q, "SELECT volunteer_id FROM parcel WHERE id = %d", t + 1);
        if (wins != 1 || query_int("race.dorf", q) != race.volunteers[winner]) {
            bad_trials++;
        }
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        dorf_store_close(racers[i].store);
        dorf_ctx_free(racers[i].ctx);
    }
    printf("     %d trials of %d concurrent claims: %d with other than one winner, %d conflicts\n",
           TRIALS, THREADS, bad_trials, conflicts);
    CHECK_EQ_INT(bad_trials, 0);
    CHECK_EQ_INT(conflicts, TRIALS * (THREADS - 1));
    CHECK_EQ_INT(
        query_int("race.dorf", "SELECT count(*) FROM audit_log WHERE action = 'parcel.claim'"),
        TRIALS);
    pthread_barrier_destroy(&race.start);
    pthread_barrier_destroy(&race.end);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

/*
 * Every thread, with a store of its own, claims all of the same open parcels one by one,
 * each thread in another order (forwards or backwards, from another start), so that claims
 * meet on every parcel at different moments. Each parcel must end with exactly one
 * volunteer, the one thread told DORF_OK; every other answer must be DORF_ECONFLICT.
 */
#define SWEEP_PARCELS 60

struct sweeper {
    pthread_barrier_t *start;
    int index;
    int64_t volunteer;
    dorf_store *store;
    dorf_ctx *ctx;
    dorf_status results[SWEEP_PARCELS]; /* by parcel id - 1 */
};

static void *sweeper_main(void *arg) {
    struct sweeper *w = arg;
    pthread_barrier_wait(w->start);
    for (int k = 0; k < SWEEP_PARCELS; k++) {
        int p = w->index % 2 ? SWEEP_PARCELS - 1 - k : k;
        p = (p + 7 * w->index) % SWEEP_PARCELS;
        w->results[p] = dorf_store_parcel_claim(w->store, w->volunteer, p + 1, 4000 + k);
        if (w->results[p] != DORF_OK && w->results[p] != DORF_ECONFLICT) {
            fprintf(stderr, "  thread %d, parcel %d: %s\n", w->index, p + 1,
                    dorf_ctx_errmsg(w->ctx));
        }
    }
    return NULL;
}

static void test_volunteers_sweeping_over_the_same_parcels_take_each_exactly_once(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_store(ctx, "sweep.dorf", DORF_STORE_CREATE);
    int64_t shop = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    int64_t citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    static struct sweeper sweepers[THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        char email[64];
        snprintf(email, sizeof email, "sweeper%d@x.org", i);
        memset(&sweepers[i], 0, sizeof sweepers[i]);
        sweepers[i].start = &start;
        sweepers[i].index = i;
        sweepers[i].volunteer = test_store_add_user(s, email, DORF_ROLE_VOLUNTEER);
        sweepers[i].ctx = dorf_ctx_new();
        sweepers[i].store = open_store(sweepers[i].ctx, "sweep.dorf", 0);
    }
    add_shop_and_parcels("sweep.dorf", shop, citizen, SWEEP_PARCELS);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ_INT(pthread_create(&threads[i], NULL, sweeper_main, &sweepers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    int bad_parcels = 0;
    int other_answers = 0;
    int wins_of[THREADS] = {0};
    for (int p = 0; p < SWEEP_PARCELS; p++) {
        int wins = 0;
        int winner = -1;
        for (int i = 0; i < THREADS; i++) {
            if (sweepers[i].results[p] == DORF_OK) {
                wins++;
                winner = i;
            } else if (sweepers[i].results[p] != DORF_ECONFLICT) {
                other_answers++;
            }
        }
        char q[160];
        snprintf(q, sizeof q, "SELECT volunteer_id FROM parcel WHERE id = %d AND state = 'claimed'",
                 p + 1);
        if (wins != 1 || query_int("sweep.dorf", q) != sweepers[winner].volunteer) {
            bad_parcels++;
        } else {
            wins_of[winner]++;
        }
    }
    printf("     %d threads over %d parcels: %d parcels with other than one winner, %d answers"
           " other than ok or conflict; parcels per thread:",
           THREADS, SWEEP_PARCELS, bad_parcels, other_answers);
    for (int i = 0; i < THREADS; i++) {
        printf(" %d", wins_of[i]);
    }
    printf("\n");
    CHECK_EQ_INT(bad_parcels, 0);
    CHECK_EQ_INT(other_answers, 0);
    CHECK_EQ_INT(query_int("sweep.dorf", "SELECT count(*) FROM parcel WHERE state <> 'claimed'"),
                 0);
    CHECK_EQ_INT(
        query_int("sweep.dorf", "SELECT count(*) FROM audit_log WHERE action = 'parcel.claim'"),
        SWEEP_PARCELS);
    for (int i = 0; i < THREADS; i++) {
        dorf_store_close(sweepers[i].store);
        dorf_ctx_free(sweepers[i].ctx);
    }
    pthread_barrier_destroy(&start);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("store: %s\n", test_store_backend());
    RUN(test_a_parcel_goes_from_open_to_delivered_with_its_order);
    RUN(test_illegal_moves_are_refused_and_change_nothing);
    RUN(test_claiming_several_takes_all_or_none);
    RUN(test_lists_filter_by_box_and_radius_and_sort_by_distance);
    RUN(test_availability_is_checked_and_private);
    RUN(test_of_concurrent_claims_exactly_one_wins);
    RUN(test_volunteers_sweeping_over_the_same_parcels_take_each_exactly_once);
    test_store_cleanup();
    return check_summary();
}
