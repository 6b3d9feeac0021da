/*
 * test_erase.c: erasing a person (engine/store_sqlite_erase.c). A two-person village (Erika,
 * who is erased, and her neighbour Nora) with shops, orders, parcels, posts and replies both
 * ways, a block, a report, availability and sessions is built with plain SQL; after the
 * erasure every table is checked, and the database file and its write-ahead log are read as
 * bytes and must hold none of Erika's strings or drop-off coordinates. Atomicity is proven
 * the way SQLite proves its own: every statement of the erasure is made to fail in turn (a
 * trigger that raises an error) and so is every SQLite allocation (a counting allocator
 * installed with SQLITE_CONFIG_MALLOC); each failure must leave the file exactly as it was.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/erase.h"
#include "dorf/platform.h"
#include "dorf/posts.h"
#include "dorf/store.h"

static char tmpdir[256];

/* ---- a counting allocator for SQLite: fails the n-th allocation once armed ---------------- */

static sqlite3_mem_methods real_mem;
static long fail_countdown; /* 0: off; else the allocation that fails (1: the next) */
static int fault_fired;

static int should_fail(void) {
    if (fail_countdown > 0 && --fail_countdown == 0) {
        fault_fired = 1;
        return 1;
    }
    return 0;
}

static void *counting_malloc(int n) {
    return should_fail() ? NULL : real_mem.xMalloc(n);
}

static void *counting_realloc(void *p, int n) {
    return should_fail() ? NULL : real_mem.xRealloc(p, n);
}

static void install_counting_allocator(void) {
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
    sqlite3_mem_methods m = real_mem;
    m.xMalloc = counting_malloc;
    m.xRealloc = counting_realloc;
    sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

/* ---- the village ------------------------------------------------------------------------- */

/* Erika's strings; none may survive the erasure anywhere in the files. */
static const char *const erika_strings[] = {
    "erika.zqx7@example.org",    /* e-mail */
    "Erika Quixmusterfrau",      /* name */
    "ERIKA-POST-lawnmower-9931", /* post body */
    "ERIKA-TITLE-lending-4471",  /* post title */
    "ERIKA-REPLY-thanks-5532",   /* her reply to Nora */
    "ERIKA-REPORT-reason-6613",  /* a report she filed */
    "198.51.100.237",            /* her address in a failed login's audit detail */
};
/* Her home (drop-off of her orders, home of her availability), as stored doubles. */
static const double erika_places[] = {13.4242424242, 52.1717171717, 13.5151515151, 52.2323232323};

struct village {
    char path[512];
    int64_t erika;
    int64_t nora;
    int64_t erika_post;
    int64_t nora_post;
    int64_t nora_reply; /* to Erika's post */
};

static unsigned char *read_file(const char *path, size_t *size);

static sqlite3 *open_raw(const char *path) {
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "  SQL failed: %s\n  in: %.200s\n", err ? err : "?", sql);
        CHECK(0);
    }
    sqlite3_free(err);
}

static int64_t query_int(sqlite3 *db, const char *sql) {
    sqlite3_stmt *stmt = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "  prepare failed: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        CHECK(0);
        return v;
    }
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        v = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return v;
}

static int64_t add_user(dorf_store *s, const char *email, const char *name, unsigned roles) {
    dorf_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$not-a-real-hash");
    u.roles = roles;
    u.created_at = 1000;
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &u, &id), DORF_OK);
    return id;
}

static int64_t add_post(dorf_store *s, int64_t author, int64_t parent, const char *title,
                        const char *body) {
    dorf_post p;
    memset(&p, 0, sizeof p);
    p.kind = DORF_POST_FUNK;
    snprintf(p.channel, sizeof p.channel, "lending");
    p.author_id = author;
    p.parent_id = parent;
    p.title = (char *)title;
    p.body = (char *)body;
    if (!parent) {
        /* Erika's post is at her home; Nora's elsewhere. */
        int hers = strncmp(title, "ERIKA", 5) == 0;
        p.has_location = 1;
        p.lon_deg = hers ? erika_places[2] : 13.39;
        p.lat_deg = hers ? erika_places[3] : 52.09;
    }
    int64_t id = 0;
    dorf_status st = dorf_store_post_create(s, &p, 2000, &id);
    CHECK_EQ_INT(st, DORF_OK);
    return id;
}

/*
 * Shop 1 is Nora's, shop 2 Erika's. Erika ordered from shop 1 twice: order 1 delivered by
 * Nora (parcel 1), order 2 still placed. Nora ordered from shop 2: order 3 handed over with
 * parcel 2 claimed by Erika, order 4 delivered by Erika (parcel 3).
 */
static const char village_sql[] =
    "INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at) VALUES"
    " (1, 'n', 101, :nora, 'Hofladen Nord', 13.40, 52.10, 1000),"
    " (2, 'n', 102, :erika, 'Eier am Weg', 13.41, 52.11, 1000);"
    "INSERT INTO product (id, shop_id, name, price_cents, unit, stock) VALUES"
    " (1, 1, 'Milch', 120, 'l', 10), (2, 2, 'Eier', 300, '10 Stück', 20);"
    "INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon, dropoff_lat,"
    " total_cents, created_at, updated_at) VALUES"
    " (1, :erika, 1, 'delivered', 1, 13.4242424242, 52.1717171717, 240, 1000, 1100),"
    " (2, :erika, 1, 'placed', 1, 13.4242424242, 52.1717171717, 360, 1200, 1200),"
    " (3, :nora, 2, 'handed_over', 1, 13.39, 52.09, 300, 1300, 1300),"
    " (4, :nora, 2, 'delivered', 1, 13.39, 52.09, 600, 1000, 1100);"
    "INSERT INTO order_item (order_id, product_id, quantity, price_cents) VALUES"
    " (1, 1, 2, 120), (2, 1, 3, 120), (3, 2, 1, 300), (4, 2, 2, 300);"
    "INSERT INTO parcel (id, order_id, state, volunteer_id, pickup_lon, pickup_lat, dropoff_lon,"
    " dropoff_lat, ready_at, due_from, due_until, size, created_at, updated_at) VALUES"
    " (1, 1, 'delivered', :nora, 13.40, 52.10, 13.4242424242, 52.1717171717, 1000, 1000, 2000,"
    "  1, 1000, 1100),"
    " (2, 3, 'claimed', :erika, 13.41, 52.11, 13.39, 52.09, 1300, 1300, 2300, 1, 1300, 1300),"
    " (3, 4, 'delivered', :erika, 13.41, 52.11, 13.39, 52.09, 1000, 1000, 2000, 1, 1000, 1100);"
    "INSERT INTO availability (volunteer_id, mode, capacity, from_at, until_at, max_detour_s,"
    " home_lon, home_lat) VALUES (:erika, 'bike', 2, 1000, 5000, 600, 13.5151515151,"
    " 52.2323232323), (:nora, 'car', 4, 1000, 5000, 900, 13.39, 52.09);"
    "INSERT INTO user_block (user_id, blocked_id) VALUES (:erika, :nora), (:nora, :erika);"
    "INSERT INTO session (token_hash, user_id, created_at, expires_at) VALUES"
    " (zeroblob(32), :erika, 1000, 99999), (randomblob(32), :erika, 1000, 99999),"
    " (x'0101010101010101010101010101010101010101010101010101010101010101', :nora, 1000,"
    "  99999);"
    "INSERT INTO report (post_id, reporter_id, reason, created_at) VALUES"
    " (:nora_post, :erika, 'ERIKA-REPORT-reason-6613', 2100),"
    " (:erika_post, :nora, 'spam', 2100);"
    "INSERT INTO audit_log (at, user_id, action, object, detail) VALUES"
    " (1000, :erika, 'register', 'user', NULL),"
    " (1001, :erika, 'login_failed', 'user', '198.51.100.237'),"
    " (1002, :nora, 'register', 'user', NULL);";

static void run_with_ids(sqlite3 *db, const char *sql, const struct village *v) {
    /* Named parameters work only in one statement at a time: substitute the ids as text. */
    char *text = malloc(strlen(sql) * 2 + 1);
    const struct {
        const char *name;
        int64_t value;
    } ids[] = {{":nora_post", v->nora_post},
               {":erika_post", v->erika_post},
               {":erika", v->erika},
               {":nora", v->nora}};
    size_t at = 0;
    for (const char *p = sql; *p;) {
        size_t i = 0;
        for (; i < sizeof ids / sizeof *ids; i++) {
            size_t n = strlen(ids[i].name);
            if (strncmp(p, ids[i].name, n) == 0) {
                at += (size_t)sprintf(text + at, "%lld", (long long)ids[i].value);
                p += n;
                break;
            }
        }
        if (i == sizeof ids / sizeof *ids) {
            text[at++] = *p++;
        }
    }
    text[at] = '\0';
    exec(db, text);
    free(text);
}

static dorf_store *open_store(dorf_ctx *ctx, const char *path) {
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, path, DORF_STORE_CREATE, &s);
    if (st != DORF_OK) {
        fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(ctx));
    }
    CHECK_EQ_INT(st, DORF_OK);
    return s;
}

static void build_village(dorf_ctx *ctx, const char *name, struct village *v) {
    memset(v, 0, sizeof *v);
    snprintf(v->path, sizeof v->path, "%s/%s", tmpdir, name);
    dorf_store *s = open_store(ctx, v->path);
    v->nora = add_user(s, "nora@example.org", "Nora Nachbarin",
                       DORF_ROLE_CITIZEN | DORF_ROLE_SHOP | DORF_ROLE_VOLUNTEER);
    v->erika = add_user(s, erika_strings[0], erika_strings[1],
                        DORF_ROLE_CITIZEN | DORF_ROLE_SHOP | DORF_ROLE_VOLUNTEER);
    v->erika_post = add_post(s, v->erika, 0, erika_strings[3], erika_strings[2]);
    v->nora_post = add_post(s, v->nora, 0, "Leiter zu verleihen", "Nora's ladder, any day");
    v->nora_reply = add_post(s, v->nora, v->erika_post, "", "Nora would borrow it on Friday");
    add_post(s, v->erika, v->nora_post, "", erika_strings[4]);
    dorf_store_close(s);
    sqlite3 *db = open_raw(v->path);
    exec(db, "PRAGMA foreign_keys = ON");
    run_with_ids(db, village_sql, v);
    sqlite3_close(db);
}

/* Copies file `from` to `to` (both closed, without a WAL: the last close checkpoints). */
static void copy_file(const char *from, const char *to) {
    size_t n = 0;
    unsigned char *bytes = read_file(from, &n);
    FILE *f = fopen(to, "wb");
    CHECK(bytes && f && fwrite(bytes, 1, n, f) == n);
    if (f) {
        fclose(f);
    }
    free(bytes);
}

/* Every row of the platform's tables as text: equal dumps mean an unchanged store. */
static char *dump(const char *path) {
    static const char *const tables[] = {"app_user",   "session",    "shop",       "product",
                                         "shop_order", "order_item", "parcel",     "availability",
                                         "post",       "report",     "user_block", "audit_log"};
    sqlite3 *db = open_raw(path);
    size_t cap = 1 << 16;
    size_t len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char sql[128];
        /* Session token hashes are blobs: hex makes every column printable. */
        if (strcmp(tables[t], "session") == 0) {
            snprintf(sql, sizeof sql,
                     "SELECT hex(token_hash), user_id, created_at, expires_at FROM session"
                     " ORDER BY token_hash");
        } else {
            snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[t]);
        }
        sqlite3_stmt *stmt = NULL;
        CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
        while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(stmt); c++) {
                const unsigned char *v = sqlite3_column_text(stmt, c);
                size_t n = (v ? strlen((const char *)v) : 4) + 2;
                if (len + n + 1 > cap) {
                    cap = (len + n + 1) * 2;
                    out = realloc(out, cap);
                }
                len += (size_t)sprintf(out + len, "%s%c", v ? (const char *)v : "NULL",
                                       c + 1 < sqlite3_column_count(stmt) ? '|' : '\n');
            }
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return out;
}

/* ---- reading the files as bytes ---------------------------------------------------------- */

static unsigned char *read_file(const char *path, size_t *size) {
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL; /* a WAL that does not exist holds nothing */
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    *size = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static int contains(const unsigned char *hay, size_t n, const void *needle, size_t m) {
    for (size_t i = 0; hay && m <= n && i <= n - m; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A double as SQLite stores it in a record: 8 bytes, big-endian IEEE 754. */
static void double_bytes(double d, unsigned char out[8]) {
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

/* How many of Erika's strings and places the database file and its WAL hold. */
static int traces_of_erika(const char *path, int verbose) {
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    const char *files[] = {path, wal};
    int found = 0;
    for (int f = 0; f < 2; f++) {
        size_t n = 0;
        unsigned char *bytes = read_file(files[f], &n);
        for (size_t i = 0; i < sizeof erika_strings / sizeof *erika_strings; i++) {
            if (contains(bytes, n, erika_strings[i], strlen(erika_strings[i]))) {
                if (verbose)
                    fprintf(stderr, "  %s holds \"%s\"\n", files[f], erika_strings[i]);
                found++;
            }
        }
        for (size_t i = 0; i < sizeof erika_places / sizeof *erika_places; i++) {
            unsigned char b[8];
            double_bytes(erika_places[i], b);
            if (contains(bytes, n, b, 8)) {
                if (verbose)
                    fprintf(stderr, "  %s holds the coordinate %.10f\n", files[f], erika_places[i]);
                found++;
            }
        }
        free(bytes);
    }
    return found;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_erasure_removes_the_person_and_keeps_everyone_elses_records(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "village.dorf", &v);
    CHECK(traces_of_erika(v.path, 0) > 0); /* the scan can see her before */
    sqlite3 *db = open_raw(v.path);
    int64_t orders_shop1 = query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 1");
    int64_t orders_shop2 = query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 2");
    int64_t revenue = query_int(db, "SELECT sum(total_cents) FROM shop_order");
    int64_t posts = query_int(db, "SELECT count(*) FROM post");
    int64_t milk = query_int(db, "SELECT stock FROM product WHERE id = 1");
    sqlite3_close(db);

    dorf_store *s = open_store(ctx, v.path);
    dorf_erase_report r;
    CHECK_EQ_INT(dorf_store_user_erase(s, v.erika, 5000, &r), DORF_OK);
    CHECK_EQ_INT(r.sessions, 2);
    CHECK_EQ_INT(r.availability, 1);
    CHECK_EQ_INT(r.blocks, 2);
    CHECK_EQ_INT(r.reports, 1);
    CHECK_EQ_INT(r.posts, 2);
    CHECK_EQ_INT(r.orders, 2);
    CHECK_EQ_INT(r.orders_cancelled, 1);
    CHECK_EQ_INT(r.parcels, 1);
    CHECK_EQ_INT(r.parcels_reopened, 1);
    CHECK_EQ_INT(r.parcels_delivered, 1);
    CHECK_EQ_INT(r.shops, 1);
    CHECK_EQ_INT(r.audit_rows, 3); /* two of the test's and the account's "register" */
    CHECK_EQ_INT(r.checkpointed, 1);
    CHECK_EQ_INT(dorf_store_check(s), DORF_OK);

    /* Nora's reply to the erased post is readable, and the post shows its author as deleted. */
    dorf_post p;
    memset(&p, 0, sizeof p);
    CHECK_EQ_INT(dorf_store_post_get(s, v.nora_reply, v.nora, 0, &p), DORF_OK);
    CHECK_STR(p.body, "Nora would borrow it on Friday");
    CHECK_EQ_INT(p.parent_id, v.erika_post);
    dorf_post_clear(&p);
    CHECK_EQ_INT(dorf_store_post_get(s, v.erika_post, v.nora, 0, &p), DORF_OK);
    CHECK_STR(p.author_name, DORF_ERASED_NAME);
    CHECK_STR(p.body, "");
    CHECK_STR(p.title, "");
    CHECK_EQ_INT(p.has_location, 0);
    CHECK_EQ_INT(p.reply_count, 1);
    dorf_post_clear(&p);
    dorf_user u;
    CHECK_EQ_INT(dorf_store_user_get(s, v.erika, &u), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_by_email(s, erika_strings[0], &u), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_get(s, v.nora, &u), DORF_OK);
    dorf_store_close(s);

    db = open_raw(v.path);
    CHECK_EQ_INT(query_int(db, "PRAGMA foreign_key_check"), -1); /* no violating row */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM post"), posts);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 1"), orders_shop1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 2"), orders_shop2);
    CHECK_EQ_INT(query_int(db, "SELECT sum(total_cents) FROM shop_order"), revenue);
    /* Her placed order went back to stock; the delivered one stays delivered. */
    CHECK_EQ_INT(query_int(db, "SELECT stock FROM product WHERE id = 1"), milk + 3);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM shop_order WHERE id = 2 AND state ="
                               " 'cancelled'"),
                 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM shop_order WHERE id = 1 AND state ="
                               " 'delivered' AND dropoff_lon IS NULL AND dropoff_lat IS NULL"),
                 1);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM app_user WHERE email = '%s' AND name = '%s' AND roles = 0",
             DORF_ERASED_EMAIL, DORF_ERASED_NAME);
    CHECK_EQ_INT(query_int(db, sql), 1);
    const char *gone[] = {
        "SELECT count(*) FROM session WHERE user_id NOT IN (SELECT id FROM app_user)",
        "SELECT count(*) FROM session",
        "SELECT count(*) FROM availability",
        "SELECT count(*) FROM user_block",
        "SELECT count(*) FROM report",
        "SELECT count(*) FROM parcel WHERE dropoff_lon = 13.4242424242",
        "SELECT count(*) FROM parcel WHERE volunteer_id IS NOT NULL AND volunteer_id <> 1",
        "SELECT count(*) FROM audit_log WHERE detail LIKE '%198.51%'",
    };
    const int64_t want[] = {0, 1, 1, 0, 1, 0, 0, 0};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        int64_t got = query_int(db, gone[i]);
        if (got != want[i]) {
            fprintf(stderr, "  %s: %lld, expected %lld\n", gone[i], (long long)got,
                    (long long)want[i]);
        }
        CHECK_EQ_INT(got, want[i]);
    }
    /* Nora's parcel that Erika had claimed is open again; the shop has no owner to sell. */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM parcel WHERE id = 2 AND state = 'open'"
                               " AND volunteer_id IS NULL"),
                 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM parcel WHERE id = 1 AND volunteer_id = 1"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM product WHERE shop_id = 2 AND active = 1"), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM product WHERE shop_id = 1 AND active = 1"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM audit_log WHERE action = 'erase' AND"
                               " user_id IS NULL AND detail LIKE 'sessions 2,%'"),
                 1);
    sqlite3_close(db);

    CHECK_EQ_INT(traces_of_erika(v.path, 1), 0);
    dorf_ctx_free(ctx);
}

static void test_unknown_user_is_not_found_and_changes_nothing(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "unknown.dorf", &v);
    char *before = dump(v.path);
    dorf_store *s = open_store(ctx, v.path);
    dorf_erase_report r;
    CHECK_EQ_INT(dorf_store_user_erase(s, v.erika + 100, 5000, &r), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_erase(s, 0, 5000, &r), DORF_ENOTFOUND);
    CHECK_EQ_INT(r.sessions, 0);
    dorf_store_close(s);
    char *after = dump(v.path);
    CHECK_STR(after, before);
    free(before);
    free(after);
    dorf_ctx_free(ctx);
}

static void test_the_deleted_account_is_shared_and_cannot_be_erased(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "twice.dorf", &v);
    dorf_store *s = open_store(ctx, v.path);
    dorf_erase_report r;
    CHECK_EQ_INT(dorf_store_user_erase(s, v.erika, 5000, &r), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_erase(s, v.nora, 5001, &r), DORF_OK);
    CHECK_EQ_INT(r.orders, 2);
    CHECK_EQ_INT(r.shops, 1);
    dorf_store_close(s);
    sqlite3 *db = open_raw(v.path);
    /* One "deleted" account holds every remaining record: nothing links them to a person. */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM app_user"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT author_id) FROM post"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT citizen_id) FROM shop_order"), 1);
    int64_t deleted = query_int(db, "SELECT id FROM app_user");
    sqlite3_close(db);
    s = open_store(ctx, v.path);
    CHECK_EQ_INT(dorf_store_user_erase(s, deleted, 5002, &r), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "deleted");
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

/* Each table the erasure writes refuses in turn: the erasure fails and nothing changes. */
static void test_a_failing_statement_leaves_everything_as_it_was(void) {
    static const char *const tables[] = {"session", "availability", "user_block", "report",
                                         "post",    "product",      "parcel",     "shop_order",
                                         "shop",    "audit_log",    "app_user"};
    static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "statements.dorf", &v);
    char pristine[600];
    snprintf(pristine, sizeof pristine, "%s.pristine", v.path);
    copy_file(v.path, pristine);
    char *before = dump(v.path);
    int failures = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        for (size_t o = 0; o < 3; o++) {
            copy_file(pristine, v.path); /* an erasure that succeeded is undone */
            char sql[256];
            snprintf(sql, sizeof sql,
                     "CREATE TRIGGER injected BEFORE %s ON %s BEGIN"
                     " SELECT RAISE(ABORT, 'injected failure'); END",
                     ops[o], tables[t]);
            sqlite3 *db = open_raw(v.path);
            exec(db, sql);
            sqlite3_close(db);
            dorf_store *s = open_store(ctx, v.path);
            dorf_erase_report r;
            dorf_status st = dorf_store_user_erase(s, v.erika, 5000, &r);
            dorf_store_close(s);
            db = open_raw(v.path);
            exec(db, "DROP TRIGGER injected");
            sqlite3_close(db);
            if (st == DORF_OK) {
                continue; /* this table sees no such statement */
            }
            failures++;
            CHECK_EQ_INT(st, DORF_EIO);
            CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "injected failure");
            char *after = dump(v.path);
            if (strcmp(after, before) != 0) {
                fprintf(stderr, "  %s on %s changed the store\n", ops[o], tables[t]);
            }
            CHECK_STR(after, before);
            free(after);
        }
    }
    /* Every table the erasure writes made it fail at least once. */
    CHECK(failures >= (int)(sizeof tables / sizeof *tables));
    free(before);
    dorf_ctx_free(ctx);
}

/* Every SQLite allocation of the erasure fails in turn: all or nothing each time. */
static void test_every_failed_allocation_leaves_all_or_nothing(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "memory.dorf", &v);
    char *before = dump(v.path);
    int injected = 0;
    int done = 0;
    dorf_store *s = open_store(ctx, v.path);
    for (long n = 1; n < 100000 && !done; n++) {
        dorf_erase_report r;
        fault_fired = 0;
        fail_countdown = n;
        dorf_status st = dorf_store_user_erase(s, v.erika, 5000, &r);
        fail_countdown = 0;
        if (!fault_fired) {
            CHECK_EQ_INT(st, DORF_OK);
            done = 1;
            break;
        }
        injected++;
        if (st == DORF_OK) {
            /* The failure hit after the commit (the checkpoint): the erasure stands. */
            done = 1;
            break;
        }
        char *after = dump(v.path);
        if (strcmp(after, before) != 0) {
            fprintf(stderr, "  allocation %ld: failed with %d but changed the store\n", n, st);
            CHECK(0);
            free(after);
            break;
        }
        free(after);
    }
    dorf_store_close(s);
    CHECK(done);
    CHECK(injected > 20);
    fprintf(stderr, "  %d allocations failed in turn\n", injected);
    /* Whatever way it ended, the store holds the whole erasure now. */
    sqlite3 *db = open_raw(v.path);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM app_user WHERE id = %lld", (long long)v.erika);
    CHECK_EQ_INT(query_int(db, sql), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM availability"), 1);
    sqlite3_close(db);
    free(before);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    install_counting_allocator();
    CHECK_INIT(argc, argv);
    char tmpl[] = "/tmp/dorf-test-erase-XXXXXX";
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s", tmpl);
    RUN(test_erasure_removes_the_person_and_keeps_everyone_elses_records);
    RUN(test_unknown_user_is_not_found_and_changes_nothing);
    RUN(test_the_deleted_account_is_shared_and_cannot_be_erased);
    RUN(test_a_failing_statement_leaves_everything_as_it_was);
    RUN(test_every_failed_allocation_leaves_all_or_nothing);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_summary();
}
