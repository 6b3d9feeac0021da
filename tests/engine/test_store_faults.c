/*
 * test_store_faults.c: every database write, every dorf allocation and every SQLite
 * allocation of the platform's store operations may fail, and each failure must come back as
 * an error with a message, leave a store that passes its integrity check (on SQLite PRAGMA
 * integrity_check, the spatial indexes, PRAGMA foreign_key_check), and have applied the
 * operation entirely or not at all. Likewise a region import: after any failure the region
 * is what it was (on SQLite the file byte for byte). SQLite's fault simulator is the model:
 * count the calls of one clean run, then fail the first, the second, ... until the operation
 * no longer reaches the fault. Write faults come from the store's VFS shim
 * (engine/fault_vfs.c), once as a single failure and once "sticky" (every write after the n-th
 * fails too, so the rollback cannot write either); SQLite's allocations are wrapped through
 * SQLITE_CONFIG_MALLOC here.
 *
 * Run as engine/test_store_faults@postgis (DORF_TEST_PG, tests/test_store.h) the same loops
 * fail the n-th libpq call instead (sql_fault_postgres_fail_after): once without reaching the
 * server, once by cutting the connection first, as a dropped network does; dorf's allocations
 * fail as on SQLite. Leaks are for the ASan build to find. Needs DORF_FAULT_INJECTION (debug
 * and asan presets).
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/lieferbar_store.h"
#include "dorf/market.h"
#include "dorf/platform.h"
#include "dorf/store.h"
#include "test_store.h"

#ifdef DORF_FAULT_INJECTION
#include "fault_vfs.h"

#if defined(__SANITIZE_ADDRESS__)
#define DORF_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DORF_LSAN 1
#endif
#endif
#ifdef DORF_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---- SQLite's allocator, failing the n-th allocation on request ---- */

static sqlite3_mem_methods sqlite_mem;
static unsigned long sqlite_alloc_count;
static unsigned long sqlite_alloc_at;
static int sqlite_alloc_sticky;

static int sqlite_alloc_fails(void) {
    sqlite_alloc_count++;
    return sqlite_alloc_at != 0 && (sqlite_alloc_count == sqlite_alloc_at ||
                                    (sqlite_alloc_sticky && sqlite_alloc_count > sqlite_alloc_at));
}

/*
 * While set, SQLite's allocations are not leak-checked (see __lsan_default_suppressions).
 * dorf's own allocations are, and so are SQLite's in every other loop, which drive the same
 * error paths of dorf's code with write faults.
 */
static int sqlite_leaks_ignored;

static void *ignore_leak(void *p) {
#ifdef DORF_LSAN
    if (p && sqlite_leaks_ignored) {
        __lsan_ignore_object(p);
    }
#endif
    return p;
}

static void *w_malloc(int n) {
    return sqlite_alloc_fails() ? NULL : ignore_leak(sqlite_mem.xMalloc(n));
}

static void w_free(void *p) {
    sqlite_mem.xFree(p);
}

static void *w_realloc(void *p, int n) {
    return sqlite_alloc_fails() ? NULL : ignore_leak(sqlite_mem.xRealloc(p, n));
}

static int w_size(void *p) {
    return sqlite_mem.xSize(p);
}

static int w_roundup(int n) {
    return sqlite_mem.xRoundup(n);
}

static int w_init(void *app) {
    return sqlite_mem.xInit(app);
}

static void w_shutdown(void *app) {
    sqlite_mem.xShutdown(app);
}

/* Wraps SQLite's allocator; must run before SQLite initialises (first thing in main). */
static int wrap_sqlite_malloc(void) {
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_mem) != SQLITE_OK) {
        return -1;
    }
    static sqlite3_mem_methods wrapped;
    wrapped = (sqlite3_mem_methods){w_malloc,  w_free, w_realloc,  w_size,
                                    w_roundup, w_init, w_shutdown, sqlite_mem.pAppData};
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) == SQLITE_OK ? 0 : -1;
}

/* ---- the kinds of fault, behind one interface ---- */

enum fault {
    FAULT_WRITE,         /* the n-th write, sync or truncate through the store's VFS */
    FAULT_WRITE_STICKY,  /* ... and every one after it */
    FAULT_DORF_ALLOC,    /* the n-th dorf_malloc and friends */
    FAULT_SQLITE_ALLOC,  /* the n-th allocation inside SQLite */
    FAULT_PG_CALL,       /* the n-th libpq call fails without reaching the server */
    FAULT_PG_DISCONNECT, /* the n-th libpq call finds its connection cut */
    FAULT_KINDS
};

static const char *const fault_names[FAULT_KINDS] = {"write",           "sticky write",
                                                     "dorf allocation", "SQLite allocation",
                                                     "libpq call",      "libpq disconnect"};

/* The kinds that apply to the backend under test. */
static int fault_applies(enum fault kind) {
    int pg = test_store_pg() != NULL;
    switch (kind) {
    case FAULT_WRITE:
    case FAULT_WRITE_STICKY:
    case FAULT_SQLITE_ALLOC:
        return !pg;
    case FAULT_PG_CALL:
    case FAULT_PG_DISCONNECT:
        return pg;
    default:
        return 1;
    }
}

/* Arms fault `kind` at call n (0: off); returns the calls counted since the last arming. */
static unsigned long fault_arm(enum fault kind, unsigned long n) {
    switch (kind) {
    case FAULT_WRITE:
    case FAULT_WRITE_STICKY:
        return dorf_fault_vfs_fail_after(n, kind == FAULT_WRITE_STICKY);
    case FAULT_DORF_ALLOC:
        return dorf_alloc_fail_after(n, 0);
    case FAULT_SQLITE_ALLOC: {
        unsigned long counted = sqlite_alloc_count;
        sqlite_alloc_count = 0;
        sqlite_alloc_at = n;
        sqlite_alloc_sticky = 0;
        return counted;
    }
    case FAULT_PG_CALL:
    case FAULT_PG_DISCONNECT:
        return sql_fault_postgres_fail_after(n, kind == FAULT_PG_DISCONNECT);
    case FAULT_KINDS:
        break;
    }
    return 0;
}

/*
 * The n to try after `n`: every one up to `dense`, then growing steps (about 40 more tries per
 * tenfold), so that operations with thousands of SQLite allocations stay within a minute
 * under ASan. The steps are stated in the output.
 */
static unsigned long next_n(unsigned long n, unsigned long dense) {
    if (n < dense) {
        return n + 1;
    }
    unsigned long step = n / 16;
    return n + (step > 0 ? step : 1);
}

/* ---- the fixture: a platform store with a shop, products, orders ready and parcels ---- */

#define PARCELS 600
#define READY_ORDERS 600
#define INITIAL_STOCK 100000

/* The platform store's location (tests/test_store.h: a file in /dev/shm, or a PG schema). */
static const char *store_path;

struct fixture {
    int64_t shop_owner, citizen, volunteer;
    int64_t product[2];
    int64_t next_parcel; /* the next open parcel to claim */
    int64_t next_ready;  /* the next ready order to hand over */
    int next_user;       /* for distinct e-mail addresses */
};

/*
 * The test's own connection to the store (on SQLite through the default VFS, never faulted;
 * on PostgreSQL one whose calls are counted only while a fault is armed, and none is then),
 * kept open across runs; each query reads the latest commit.
 */
static sql_conn *raw_db;

static sql_conn *raw_open(void) {
    if (!raw_db) {
        raw_db = test_store_connect(store_path);
    }
    return raw_db;
}

static void raw_close(void) {
    if (raw_db) {
        test_store_close(raw_db);
    }
    raw_db = NULL;
}

static void raw_exec(const char *text) {
    sql_conn *db = raw_open();
    if (sql_exec(db, text) != SQL_OK) {
        fprintf(stderr, "  sql: %s\n", sql_errmsg(db));
        CHECK(0);
    }
}

/* The first column of the first row of `text` with %lld arguments; -1 when there is none. */
static int64_t raw_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int64_t raw_int(const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sql_conn *db = raw_open();
    sql_stmt *stmt = NULL;
    int64_t v = -1;
    if (sql_prepare(db, text, &stmt) == SQL_OK && sql_step(stmt) == SQL_ROW &&
        sql_column_type(stmt, 0) != SQL_NULL) {
        v = sql_column_int64(stmt, 0);
    }
    sql_finalize(stmt);
    return v;
}

static void make_fixture(struct fixture *fx) {
    memset(fx, 0, sizeof *fx);
    store_path = test_store_location("platform.dorf");
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, store_path, DORF_STORE_CREATE, &s), DORF_OK);
    if (!s) {
        fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_free(ctx);
        return;
    }
    fx->shop_owner = test_store_add_user(s, "shop@x.org", DORF_ROLE_SHOP);
    fx->citizen = test_store_add_user(s, "citizen@x.org", DORF_ROLE_CITIZEN);
    fx->volunteer = test_store_add_user(s, "vol@x.org", DORF_ROLE_VOLUNTEER);
    dorf_store_close(s);
    dorf_ctx_free(ctx);

    /* The marketplace's set-up in SQL: one shop, two products, ready orders, open parcels. */
    char text[1024];
    snprintf(text, sizeof text,
             "INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at)"
             " VALUES (1, 'n', 42, %lld, 'Dorfladen', 11.58, 49.95, 1000);"
             "INSERT INTO product (id, shop_id, name, price_cents, unit, stock)"
             " VALUES (1, 1, 'Roggenbrot', 350, 'Stück', %d), (2, 1, 'Milch', 119, 'l', %d);",
             (long long)fx->shop_owner, INITIAL_STOCK, INITIAL_STOCK);
    raw_exec(text);
    fx->product[0] = 1;
    fx->product[1] = 2;
    sql_conn *db = raw_open();
    CHECK_EQ_INT(sql_exec(db, "BEGIN"), SQL_OK);
    for (int i = 1; i <= PARCELS + READY_ORDERS; i++) {
        /* Orders 1..PARCELS are handed over with an open parcel; the rest are ready. */
        snprintf(text, sizeof text,
                 "INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon,"
                 " dropoff_lat, total_cents, created_at, updated_at) VALUES (%d, %lld, 1, '%s',"
                 " 1, 11.59, 49.96, 350, 1000, 1000);"
                 "INSERT INTO order_item (order_id, product_id, quantity, price_cents)"
                 " VALUES (%d, 1, 1, 350);",
                 i, (long long)fx->citizen, i <= PARCELS ? "handed_over" : "ready", i);
        CHECK_EQ_INT(sql_exec(db, text), SQL_OK);
        if (i <= PARCELS) {
            snprintf(text, sizeof text,
                     "INSERT INTO parcel (id, order_id, state, pickup_lon, pickup_lat,"
                     " dropoff_lon, dropoff_lat, ready_at, due_from, due_until, size, created_at,"
                     " updated_at) VALUES (%d, %d, 'open', 11.58, 49.95, 11.59, 49.96, 1000,"
                     " 1000, 30000, 1, 1000, 1000);",
                     i, i);
            CHECK_EQ_INT(sql_exec(db, text), SQL_OK);
        }
    }
    CHECK_EQ_INT(sql_exec(db, "COMMIT"), SQL_OK);
    if (test_store_pg()) {
        /* The rows above were given their ids: move the identity sequences past them. */
        raw_exec("SELECT setval('shop_id_seq', 1), setval('product_id_seq', 2),"
                 " setval('shop_order_id_seq', (SELECT max(id) FROM shop_order)),"
                 " setval('parcel_id_seq', (SELECT max(id) FROM parcel))");
    }
    fx->next_parcel = 1;
    fx->next_ready = PARCELS + 1;
}

/* ---- the operations, each with what "all" and "none" look like ---- */

/* What an operation's check reads before it runs. */
struct before {
    int64_t stock[2];
    int64_t orders, items, audit, users, parcels;
};

static void read_before(struct before *b) {
    b->stock[0] = raw_int("SELECT stock FROM product WHERE id = 1");
    b->stock[1] = raw_int("SELECT stock FROM product WHERE id = 2");
    b->orders = raw_int("SELECT count(*) FROM shop_order");
    b->items = raw_int("SELECT count(*) FROM order_item");
    b->audit = raw_int("SELECT count(*) FROM audit_log");
    b->users = raw_int("SELECT count(*) FROM app_user");
    b->parcels = raw_int("SELECT count(*) FROM parcel");
}

/* 1 when nothing of the operation is in the file. */
static int unchanged(const struct before *b) {
    struct before now;
    read_before(&now);
    return memcmp(b, &now, sizeof now) == 0;
}

struct op {
    const char *name;
    /* Runs the operation once on `s`; *out receives the new row's id where there is one. */
    dorf_status (*run)(dorf_store *s, struct fixture *fx, int64_t *out);
    /* 1 when the operation is entirely in the file (then advances fx to fresh objects). */
    int (*applied)(const struct before *b, struct fixture *fx);
};

static const dorf_order_line order_lines[2] = {{1, 2}, {2, 3}};

static dorf_status run_order(dorf_store *s, struct fixture *fx, int64_t *out) {
    dorf_order_request req = {fx->citizen, 1, order_lines, 2, 1, 11.6, 49.97};
    return dorf_store_order_place(s, &req, 2000, out, NULL);
}

static int applied_order(const struct before *b, struct fixture *fx) {
    (void)fx;
    int64_t id = raw_int("SELECT max(id) FROM shop_order");
    return raw_int("SELECT stock FROM product WHERE id = 1") == b->stock[0] - 2 &&
           raw_int("SELECT stock FROM product WHERE id = 2") == b->stock[1] - 3 &&
           raw_int("SELECT count(*) FROM shop_order") == b->orders + 1 &&
           raw_int("SELECT count(*) FROM order_item") == b->items + 2 &&
           raw_int("SELECT count(*) FROM audit_log") == b->audit + 1 &&
           raw_int("SELECT total_cents FROM shop_order WHERE id = %lld AND state = 'placed'",
                   (long long)id) == 2 * 350 + 3 * 119 &&
           raw_int("SELECT count(*) FROM order_item WHERE order_id = %lld AND ((product_id = 1"
                   " AND quantity = 2 AND price_cents = 350) OR (product_id = 2 AND quantity = 3"
                   " AND price_cents = 119))",
                   (long long)id) == 2 &&
           raw_int("SELECT count(*) FROM audit_log WHERE action = 'order.place' AND"
                   " object = 'order/%lld'",
                   (long long)id) == 1;
}

static dorf_status run_claim(dorf_store *s, struct fixture *fx, int64_t *out) {
    *out = fx->next_parcel;
    return dorf_store_parcel_claim(s, fx->volunteer, fx->next_parcel, 2000);
}

static int applied_claim(const struct before *b, struct fixture *fx) {
    int64_t id = fx->next_parcel;
    int yes = raw_int("SELECT count(*) FROM parcel WHERE id = %lld AND state = 'claimed' AND"
                      " volunteer_id = %lld AND updated_at = 2000",
                      (long long)id, (long long)fx->volunteer) == 1 &&
              raw_int("SELECT count(*) FROM audit_log") == b->audit + 1;
    if (yes) {
        fx->next_parcel++;
    }
    return yes;
}

static int unchanged_claim(struct fixture *fx) {
    return raw_int("SELECT count(*) FROM parcel WHERE id = %lld AND state = 'open' AND"
                   " volunteer_id IS NULL",
                   (long long)fx->next_parcel) == 1;
}

static dorf_status run_register(dorf_store *s, struct fixture *fx, int64_t *out) {
    dorf_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "person%d@x.org", fx->next_user);
    snprintf(u.name, sizeof u.name, "Person %d", fx->next_user);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$hash-%d", fx->next_user);
    u.roles = DORF_ROLE_CITIZEN | DORF_ROLE_VOLUNTEER;
    u.created_at = 2000;
    return dorf_store_user_create(s, &u, out);
}

static int applied_register(const struct before *b, struct fixture *fx) {
    int yes = raw_int("SELECT count(*) FROM app_user") == b->users + 1 &&
              raw_int("SELECT count(*) FROM app_user WHERE email = 'person%d@x.org' AND"
                      " name = 'Person %d' AND password_hash = '$argon2id$hash-%d' AND"
                      " roles = %u AND created_at = 2000",
                      fx->next_user, fx->next_user, fx->next_user,
                      (unsigned)(DORF_ROLE_CITIZEN | DORF_ROLE_VOLUNTEER)) == 1;
    if (yes) {
        fx->next_user++;
    }
    return yes;
}

static dorf_status run_hand_over(dorf_store *s, struct fixture *fx, int64_t *out) {
    *out = fx->next_ready;
    return dorf_store_order_transition(s, fx->shop_owner, fx->next_ready, DORF_ORDER_HANDED_OVER,
                                       2000);
}

static int applied_hand_over(const struct before *b, struct fixture *fx) {
    int64_t id = fx->next_ready;
    int yes = raw_int("SELECT count(*) FROM shop_order WHERE id = %lld AND"
                      " state = 'handed_over' AND updated_at = 2000",
                      (long long)id) == 1 &&
              raw_int("SELECT count(*) FROM parcel WHERE order_id = %lld AND state = 'open'",
                      (long long)id) == 1 &&
              raw_int("SELECT count(*) FROM parcel") == b->parcels + 1 &&
              raw_int("SELECT count(*) FROM audit_log") == b->audit + 1;
    if (yes) {
        fx->next_ready++;
    }
    return yes;
}

static int unchanged_hand_over(struct fixture *fx) {
    return raw_int("SELECT count(*) FROM shop_order WHERE id = %lld AND state = 'ready'",
                   (long long)fx->next_ready) == 1 &&
           raw_int("SELECT count(*) FROM parcel WHERE order_id = %lld",
                   (long long)fx->next_ready) == 0;
}

/* The store, reopened, passes its own check; 0 when it does. */
static int store_checks_out(dorf_ctx *ctx) {
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, store_path, 0, &s);
    if (st == DORF_OK) {
        st = dorf_store_check(s);
    }
    if (st != DORF_OK) {
        fprintf(stderr, "  store check: %s\n", dorf_ctx_errmsg(ctx));
    }
    dorf_store_close(s);
    return st == DORF_OK ? 0 : -1;
}

struct tally {
    unsigned long tries, failures, applied_anyway;
};

/*
 * Runs `op` with fault `kind` at n = 1, 2, ... until a run no longer reaches the fault.
 * Each run: open the store, arm, run, disarm, close; the error must be an I/O or memory error
 * with a message; the reopened store must pass its check; the operation must be in the file
 * entirely (then the next run uses fresh objects) or not at all.
 */
static void fault_loop(const struct op *op, enum fault kind, struct fixture *fx, struct tally *t) {
    dorf_ctx *ctx = dorf_ctx_new();
    unsigned long dense = kind == FAULT_SQLITE_ALLOC ? 300 : 100000;
    for (unsigned long n = 1; n < 1000000; n = next_n(n, dense)) {
        struct before b;
        read_before(&b);
        dorf_store *s = NULL;
        dorf_ctx_clear_error(ctx);
        if (dorf_store_open(ctx, store_path, 0, &s) != DORF_OK) {
            fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(ctx));
            CHECK(0);
            break;
        }
        int64_t id = 0;
        fault_arm(kind, n);
        dorf_status st = op->run(s, fx, &id);
        unsigned long calls = fault_arm(kind, 0);
        dorf_store_close(s);
        t->tries++;
        int ok = store_checks_out(ctx) == 0;
        if (st == DORF_OK) {
            ok = ok && op->applied(&b, fx);
            if (!ok) {
                fprintf(stderr, "  %s, %s %lu: reported success but is not in the file\n", op->name,
                        fault_names[kind], n);
            }
        } else {
            t->failures++;
            const char *msg = dorf_ctx_errmsg(ctx);
            if ((st != DORF_EIO && st != DORF_ENOMEM) || !msg[0]) {
                fprintf(stderr, "  %s, %s %lu: %s, message '%s'\n", op->name, fault_names[kind], n,
                        dorf_strerror(st), msg);
                ok = 0;
            }
            int none = unchanged(&b);
            if (op->run == run_claim) {
                none = none && unchanged_claim(fx);
            } else if (op->run == run_hand_over) {
                none = none && unchanged_hand_over(fx);
            }
            /* An I/O error on COMMIT leaves the outcome open, as in SQLite: all is legal. */
            if (!none && op->applied(&b, fx)) {
                t->applied_anyway++;
            } else if (!none) {
                fprintf(stderr, "  %s, %s %lu: partly applied after '%s'\n", op->name,
                        fault_names[kind], n, msg);
                ok = 0;
            }
        }
        CHECK(ok);
        if (!ok || (st == DORF_OK && calls < n)) {
            break; /* a clean run that never reached call n: every site was tried */
        }
        if (n >= 999999) {
            fprintf(stderr, "  %s, %s: still failing after %lu tries\n", op->name,
                    fault_names[kind], n);
            CHECK(0);
        }
    }
    dorf_ctx_free(ctx);
}

static const struct op ops[] = {
    {"order placement", run_order, applied_order},
    {"parcel claim", run_claim, applied_claim},
    {"registration", run_register, applied_register},
    {"hand-over (order to parcel)", run_hand_over, applied_hand_over},
};

static void test_every_fault_in_platform_writes_is_reported_and_atomic(void) {
    struct fixture fx;
    make_fixture(&fx);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        for (int kind = 0; kind < FAULT_KINDS; kind++) {
            if (!fault_applies((enum fault)kind)) {
                continue;
            }
            struct tally t = {0};
            fault_loop(&ops[i], (enum fault)kind, &fx, &t);
            printf("  %-28s %-18s %4lu runs, %4lu injected failures reported, %lu applied "
                   "despite the error\n",
                   ops[i].name, fault_names[kind], t.tries, t.failures, t.applied_anyway);
            /* Every operation writes, and SQLite allocates for every one. */
            if (kind != FAULT_DORF_ALLOC) {
                CHECK(t.failures > 0);
            }
        }
    }
    /* Stock is what the placed orders took, and nothing else. */
    CHECK_EQ_INT(raw_int("SELECT stock FROM product WHERE id = 1"),
                 INITIAL_STOCK - raw_int("SELECT sum(quantity) FROM order_item JOIN shop_order"
                                         " ON order_id = id WHERE product_id = 1 AND"
                                         " state = 'placed'"));
    CHECK_EQ_INT(raw_int("SELECT count(*) FROM parcel p JOIN shop_order o ON o.id = p.order_id"
                         " WHERE o.state != 'handed_over' OR o.delivery != 1"),
                 0);
    raw_close();
}

/* ---- importing over an existing region ---- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ULL;
    }
    return h;
}

/* The region's tables, each with the column it is ordered by. */
static const char *const region_tables[][2] = {
    {"region_meta", "key"}, {"road_node", "id"},   {"road_edge", "id"},  {"building", "id"},
    {"household", "id"},    {"address", "id"},     {"place", "id"},      {"turn_restriction", "id"},
    {"import_issue", "id"}, {"map_feature", "id"}, {"settlement", "id"},
};

/*
 * A hash of everything stored about the region, or 0 when it cannot be read: on SQLite
 * FNV-1a over the file's bytes; on PostgreSQL over the md5 of every row's text, table by
 * table, in key order (the server's files are not ours to read).
 */
static uint64_t region_hash(const char *location) {
    uint64_t h = 1469598103934665603ULL;
    if (!test_store_pg()) {
        FILE *f = fopen(location, "rb");
        if (!f) {
            return 0;
        }
        unsigned char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
            h = fnv1a(h, buf, n);
        }
        fclose(f);
        return h;
    }
    sql_conn *c = test_store_connect(location);
    for (size_t i = 0; i < sizeof region_tables / sizeof region_tables[0] && h; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.%s)), '-') FROM %s t",
                 region_tables[i][1], region_tables[i][0]);
        sql_stmt *st = NULL;
        if (sql_prepare(c, sql, &st) == SQL_OK && sql_step(st) == SQL_ROW) {
            const unsigned char *md5 = sql_column_text(st, 0);
            h = fnv1a(h, md5, strlen((const char *)md5));
        } else {
            fprintf(stderr, "  %s: %s\n", sql, sql_errmsg(c));
            h = 0;
        }
        sql_finalize(st);
    }
    test_store_close(c);
    return h;
}

static char fixture_osm[4096];

static const char *village(void) {
    const char *dir = getenv("DORF_TEST_DATA");
    snprintf(fixture_osm, sizeof fixture_osm, "%s/village.osm", dir ? dir : "tests/data");
    return fixture_osm;
}

/*
 * Imports the village and replaces the stored region with it (as `dorf import` does), with
 * fault `kind` armed at n for the whole of it (import and write, or only the write when
 * `region` is given); *calls receives the calls counted.
 */
static dorf_status import_with_fault(dorf_ctx *ctx, const char *path, dorf_region *region,
                                     enum fault kind, unsigned long n, unsigned long *calls) {
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, path, 0, &s);
    if (st != DORF_OK) {
        return st;
    }
    dorf_region *r = region;
    fault_arm(kind, n);
    if (!region) {
        st = dorf_import_osm(ctx, village(), NULL, &r, NULL);
        if (st == DORF_OK) {
            r->meta.source = "second";
        }
    }
    if (st == DORF_OK) {
        st = dorf_store_replace_region(s, r);
    }
    *calls = fault_arm(kind, 0);
    if (!region) {
        dorf_region_free(r);
    }
    dorf_store_close(s);
    return st;
}

/* Writes the region as "first" again; returns the file's new hash (0 on failure). */
static uint64_t restore_first(dorf_ctx *ctx, const char *path, dorf_region *r) {
    dorf_store *s = NULL;
    if (dorf_store_open(ctx, path, 0, &s) != DORF_OK) {
        return 0;
    }
    r->meta.source = "first";
    dorf_status st = dorf_store_replace_region(s, r);
    if (st == DORF_OK) {
        st = dorf_store_check(s);
    }
    r->meta.source = "second";
    dorf_store_close(s);
    return st == DORF_OK ? region_hash(path) : 0;
}

/* 1 when the file holds the region written as `source` and passes the store's check. */
static int region_is(dorf_ctx *ctx, const char *path, const char *source) {
    dorf_store *s = NULL;
    dorf_region_summary sum;
    int yes = dorf_store_open(ctx, path, DORF_STORE_READONLY, &s) == DORF_OK &&
              dorf_store_check(s) == DORF_OK && dorf_store_summarize(s, &sum) == DORF_OK &&
              strcmp(sum.source, source) == 0;
    dorf_store_close(s);
    return yes;
}

/*
 * The n to try after `n` when a clean run makes `total` calls and about `budget` runs are
 * affordable: every call of the first third of the budget and of the last sixth (where the
 * commit and its sync are), evenly spaced calls between them.
 */
static unsigned long plan_next(unsigned long n, unsigned long total, unsigned long budget) {
    unsigned long head = budget / 3, tail = budget / 6;
    if (total <= budget || n < head || n + tail >= total) {
        return n + 1;
    }
    unsigned long step = (total - head - tail) / (budget - head - tail) + 1;
    return n + step + tail > total ? total - tail : n + step;
}

static void test_every_fault_in_an_import_keeps_the_previous_region(void) {
    const char *path = test_store_location("r.dorf");
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = NULL;
    dorf_store *s = NULL;
    CHECK_EQ_INT(dorf_import_osm(ctx, village(), NULL, &r, NULL), DORF_OK);
    CHECK_EQ_INT(dorf_store_open(ctx, path, DORF_STORE_CREATE, &s), DORF_OK);
    dorf_store_close(s);
    uint64_t before = r ? restore_first(ctx, path, r) : 0;
    CHECK(before != 0);
    if (!before) {
        dorf_region_free(r);
        dorf_ctx_free(ctx);
        return;
    }
    /* Each run rewrites the whole region with its spatial indexes: ~40 runs per kind. */
    const unsigned long budget = 40;
    for (int kind = 0; kind < FAULT_KINDS; kind++) {
        if (!fault_applies((enum fault)kind)) {
            continue;
        }
        /* Allocation faults of dorf's own cover the reading of the extract too. */
        dorf_region *given = kind == FAULT_DORF_ALLOC ? NULL : r;
        unsigned long total = 0, tries = 0, failures = 0, calls = 0, survived = 0;
        /* One clean run counts the calls; then the first region goes back. */
        CHECK_EQ_INT(import_with_fault(ctx, path, given, (enum fault)kind, 0, &total), DORF_OK);
        before = restore_first(ctx, path, r);
        CHECK(before != 0);
        int done = 0;
        sqlite_leaks_ignored = kind == FAULT_SQLITE_ALLOC;
        for (unsigned long n = 1; n <= total + 1 && !done; n = plan_next(n, total, budget)) {
            dorf_ctx_clear_error(ctx);
            tries++;
            dorf_status st = import_with_fault(ctx, path, given, (enum fault)kind, n, &calls);
            if (st == DORF_OK) {
                CHECK(region_hash(path) != before);
                if (calls < n) {
                    done = 1; /* a clean run: the fault lay beyond the last call */
                    break;
                }
                /*
                 * SQLite survives some allocation failures (a page cache that cannot grow);
                 * then the new region must be complete and sound. Back to the first one.
                 */
                CHECK_EQ_INT(kind, FAULT_SQLITE_ALLOC);
                CHECK(region_is(ctx, path, "second"));
                survived++;
                before = restore_first(ctx, path, r);
                CHECK(before != 0);
                continue;
            }
            failures++;
            const char *msg = dorf_ctx_errmsg(ctx);
            if ((st != DORF_EIO && st != DORF_ENOMEM) || !msg[0]) {
                fprintf(stderr, "  import, %s %lu: %s, message '%s'\n", fault_names[kind], n,
                        dorf_strerror(st), msg);
                CHECK(0);
                break;
            }
            if (region_hash(path) != before) {
                fprintf(stderr, "  import, %s %lu: the stored region changed after '%s'\n",
                        fault_names[kind], n, msg);
                CHECK(0);
                break;
            }
        }
        sqlite_leaks_ignored = 0;
        CHECK(done);
        printf("  %-28s %-18s %5lu calls, %3lu runs, %3lu injected failures, region unchanged "
               "after each; %lu survived%s\n",
               kind == FAULT_DORF_ALLOC ? "import and region write" : "region write",
               fault_names[kind], total, tries, failures, survived,
               total > budget ? " (sampled)" : "");
        CHECK(failures > 0);
        before = restore_first(ctx, path, r);
        CHECK(before != 0);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

#endif

/*
 * For the ASan build: SpatiaLite 5.0's index functions leak memory of their own and strings
 * or result tables of SQLite's when SQLite runs out of memory inside them. The first kind is
 * suppressed by the library's name; the second is allocated by SQLite, whose frames stop the
 * fast unwinder, so those allocations are marked instead (sqlite_leaks_ignored, only while the
 * region write runs with SQLite allocation faults).
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void) {
    return "leak:libspatialite.so\n";
}

int main(int argc, char **argv) {
#ifdef DORF_FAULT_INJECTION
    if (wrap_sqlite_malloc() != 0) {
        fprintf(stderr, "cannot wrap SQLite's allocator (SQLite initialised already?)\n");
        return 1;
    }
#endif
    CHECK_INIT(argc, argv);
    printf("backend: %s\n", test_store_backend());
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_fault_in_platform_writes_is_reported_and_atomic);
    RUN(test_every_fault_in_an_import_keeps_the_previous_region);
    test_store_cleanup();
#else
    printf("built without DORF_FAULT_INJECTION: nothing to test here\n");
#endif
    return check_summary();
}
