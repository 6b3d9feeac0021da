/*
 * test_erase.c: erasing a person (engine/store_erase.c). A two-person village (Erika, who is
 * erased, and her neighbour Nora) with shops, orders, parcels, posts and replies both ways,
 * a block, a report, availability and sessions is built with plain SQL; after the erasure
 * every table is checked, and the database's files are read as bytes and must hold none of
 * Erika's strings or drop-off coordinates: on SpatiaLite the file and its write-ahead log
 * right after the erasure, on PostGIS the files of the schema's tables, indexes and TOAST
 * after the operator's VACUUM FULL (DORF_ERASE_VACUUM_SQL) and a CHECKPOINT, which is what
 * dorf/erase.h says PostgreSQL needs. Atomicity is proven the way SQLite proves its own: every
 * statement of the erasure is made to fail in turn (a trigger that raises an error), on both
 * stores, and so is every SQLite allocation (a counting allocator installed with
 * SQLITE_CONFIG_MALLOC, SpatiaLite only); each failure must leave the store exactly as it was.
 * Runs on PostGIS when DORF_TEST_PG names a server (tests/test_store.h; engine/test_erase@postgis).
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
#include "test_store.h"

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
    char name[64];  /* for test_store_location */
    char path[512]; /* the location: a file, or a PostgreSQL URI */
    int64_t erika;
    int64_t nora;
    int64_t erika_post;
    int64_t nora_post;
    int64_t nora_reply; /* to Erika's post */
};

static unsigned char *read_file(const char *path, size_t *size);

static int on_pg(void) {
    return test_store_pg() != NULL;
}

static sql_conn *open_raw(const char *path) {
    sql_conn *c = test_store_connect(path);
    sqlite3 *db = sql_sqlite_db(c);
    if (db) {
        sqlite3_busy_timeout(db, 5000);
    }
    return c;
}

static void exec(sql_conn *db, const char *sql) {
    if (sql_exec(db, sql) != SQL_OK) {
        fprintf(stderr, "  SQL failed: %s\n  in: %.200s\n", sql_errmsg(db), sql);
        CHECK(0);
    }
}

static int64_t query_int(sql_conn *db, const char *sql) {
    sql_stmt *stmt = NULL;
    int64_t v = -1;
    if (sql_prepare(db, sql, &stmt) != SQL_OK) {
        fprintf(stderr, "  prepare failed: %s\n  in: %s\n", sql_errmsg(db), sql);
        CHECK(0);
        return v;
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        v = sql_column_int64(stmt, 0);
    } else if (rc != SQL_DONE) {
        fprintf(stderr, "  query failed: %s\n  in: %s\n", sql_errmsg(db), sql);
        CHECK(0);
    }
    sql_finalize(stmt);
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
    " (:blob_zero, :erika, 1000, 99999), (:blob_random, :erika, 1000, 99999),"
    " (:blob_ones, :nora, 1000, 99999);"
    "INSERT INTO report (post_id, reporter_id, reason, created_at) VALUES"
    " (:nora_post, :erika, 'ERIKA-REPORT-reason-6613', 2100),"
    " (:erika_post, :nora, 'spam', 2100);"
    "INSERT INTO audit_log (at, user_id, action, object, detail) VALUES"
    " (1000, :erika, 'register', 'user', NULL),"
    " (1001, :erika, 'login_failed', 'user', '198.51.100.237'),"
    " (1002, :nora, 'register', 'user', NULL);";

/* 32 bytes of 0x01 as an SQLite blob literal. */
#define BLOB_ONES_SQLITE "x'0101010101010101010101010101010101010101010101010101010101010101'"

static void run_with_ids(sql_conn *db, const char *sql, const struct village *v) {
    /*
     * Named parameters work only in one statement at a time: substitute the ids as text, and
     * the session tokens as each dialect spells a 32-byte blob.
     */
    char ids_text[4][24];
    snprintf(ids_text[0], sizeof ids_text[0], "%lld", (long long)v->nora_post);
    snprintf(ids_text[1], sizeof ids_text[1], "%lld", (long long)v->erika_post);
    snprintf(ids_text[2], sizeof ids_text[2], "%lld", (long long)v->erika);
    snprintf(ids_text[3], sizeof ids_text[3], "%lld", (long long)v->nora);
    int pg = sql_dialect_of(db) == SQL_POSTGRES;
    const struct {
        const char *name;
        const char *value;
    } ids[] = {
        {":nora_post", ids_text[0]},
        {":erika_post", ids_text[1]},
        {":erika", ids_text[2]},
        {":nora", ids_text[3]},
        {":blob_zero", pg ? "decode(repeat('00', 32), 'hex')" : "zeroblob(32)"},
        {":blob_random",
         pg ? "decode(md5(random()::text) || md5(random()::text), 'hex')" : "randomblob(32)"},
        {":blob_ones", pg ? "decode(repeat('01', 32), 'hex')" : BLOB_ONES_SQLITE},
    };
    char *text = malloc(strlen(sql) * 2 + 1024);
    size_t at = 0;
    for (const char *p = sql; *p;) {
        size_t i = 0;
        for (; i < sizeof ids / sizeof *ids; i++) {
            size_t n = strlen(ids[i].name);
            if (strncmp(p, ids[i].name, n) == 0) {
                at += (size_t)sprintf(text + at, "%s", ids[i].value);
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

/* The village's rows were given their ids; PostgreSQL's identity sequences must move past them. */
static const char sync_identities_sql[] =
    "SELECT setval(pg_get_serial_sequence('shop', 'id'), (SELECT max(id) FROM shop));"
    "SELECT setval(pg_get_serial_sequence('product', 'id'), (SELECT max(id) FROM product));"
    "SELECT setval(pg_get_serial_sequence('shop_order', 'id'), (SELECT max(id) FROM shop_order));"
    "SELECT setval(pg_get_serial_sequence('parcel', 'id'), (SELECT max(id) FROM parcel))";

static void build_village(dorf_ctx *ctx, const char *name, struct village *v) {
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    snprintf(v->path, sizeof v->path, "%s", test_store_location(name));
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
    sql_conn *db = open_raw(v->path);
    if (on_pg()) {
        run_with_ids(db, village_sql, v);
        exec(db, sync_identities_sql);
    } else {
        exec(db, "PRAGMA foreign_keys = ON");
        run_with_ids(db, village_sql, v);
    }
    test_store_close(db);
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
    sql_conn *db = open_raw(path);
    size_t cap = 1 << 16;
    size_t len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char sql[160];
        /* Session token hashes are blobs: hex makes every column printable. */
        if (strcmp(tables[t], "session") == 0) {
            snprintf(sql, sizeof sql,
                     "SELECT %s, user_id, created_at, expires_at FROM session ORDER BY 1",
                     on_pg() ? "encode(token_hash, 'hex')" : "hex(token_hash)");
        } else {
            /* The first one or two columns are each table's key. */
            snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", tables[t]);
        }
        sql_stmt *stmt = NULL;
        CHECK_EQ_INT(sql_prepare(db, sql, &stmt), SQL_OK);
        while (stmt && sql_step(stmt) == SQL_ROW) {
            for (int c = 0; c < sql_column_count(stmt); c++) {
                const unsigned char *v = sql_column_text(stmt, c);
                size_t n = (v ? strlen((const char *)v) : 4) + 2;
                if (len + n + 1 > cap) {
                    cap = (len + n + 1) * 2;
                    out = realloc(out, cap);
                }
                len += (size_t)sprintf(out + len, "%s%c", v ? (const char *)v : "NULL",
                                       c + 1 < sql_column_count(stmt) ? '|' : '\n');
            }
        }
        sql_finalize(stmt);
    }
    test_store_close(db);
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

/*
 * A double as the store keeps it on disk: SQLite's records hold 8 bytes, big-endian IEEE 754;
 * PostgreSQL's float8 is the machine's own representation.
 */
static void double_bytes(double d, unsigned char out[8]) {
    if (on_pg()) {
        memcpy(out, &d, 8);
        return;
    }
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

#define MAX_FILES 256

/*
 * The files that hold the store's rows, into files[] (malloc'ed; *count of them): SQLite's
 * database and WAL, or on PostgreSQL the main fork of every table, index, TOAST table and
 * TOAST index of the village's schema, after a CHECKPOINT has written the server's dirty
 * pages into them. 0 when PostgreSQL does not let the test see its files (not a superuser).
 */
static int store_files(const char *path, char **files, int *count) {
    *count = 0;
    if (!on_pg()) {
        char wal[600];
        snprintf(wal, sizeof wal, "%s-wal", path);
        files[(*count)++] = strdup(path);
        files[(*count)++] = strdup(wal);
        return 1;
    }
    sql_conn *db = open_raw(path);
    int ok = sql_exec(db, "CHECKPOINT") == SQL_OK;
    sql_stmt *stmt = NULL;
    ok = ok &&
         sql_prepare(db,
                     "WITH mine AS (SELECT oid, reltoastrelid FROM pg_class"
                     "  WHERE relnamespace = current_schema()::regnamespace),"
                     " toast AS (SELECT reltoastrelid AS oid FROM mine"
                     "  WHERE reltoastrelid <> 0)"
                     " SELECT current_setting('data_directory') || '/'"
                     "  || pg_relation_filepath(c.oid) FROM pg_class c"
                     " WHERE c.relkind IN ('r', 'i', 't')"
                     " AND (c.oid IN (SELECT oid FROM mine) OR c.oid IN (SELECT oid FROM toast)"
                     "  OR c.oid IN (SELECT indexrelid FROM pg_index"
                     "   WHERE indrelid IN (SELECT oid FROM toast)))",
                     &stmt) == SQL_OK;
    int rc = SQL_DONE;
    while (ok && *count < MAX_FILES && (rc = sql_step(stmt)) == SQL_ROW) {
        const unsigned char *file = sql_column_text(stmt, 0);
        if (file) {
            files[(*count)++] = strdup((const char *)file);
        }
    }
    ok = ok && rc == SQL_DONE;
    if (!ok) {
        fprintf(stderr, "  cannot list the server's files: %s\n", sql_errmsg(db));
    }
    sql_finalize(stmt);
    test_store_close(db);
    return ok;
}

/* How many of Erika's strings and places the store's files hold. */
static int traces_of_erika(const char *path, int verbose) {
    char *files[MAX_FILES];
    int file_count = 0;
    CHECK(store_files(path, files, &file_count));
    int found = 0;
    for (int f = 0; f < file_count; f++) {
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
    for (int f = 0; f < file_count; f++) {
        free(files[f]);
    }
    return found;
}

/*
 * What dorf/erase.h tells a PostgreSQL operator to run after erasures: VACUUM FULL of the
 * tables an erasure changes (each statement on its own: VACUUM refuses a transaction block),
 * then a CHECKPOINT, after which the old files are gone.
 */
static void operator_vacuum(const char *path) {
    sql_conn *db = open_raw(path);
    exec(db, DORF_ERASE_VACUUM_SQL);
    exec(db, "CHECKPOINT");
    test_store_close(db);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_erasure_removes_the_person_and_keeps_everyone_elses_records(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    struct village v;
    build_village(ctx, "village.dorf", &v);
    CHECK(traces_of_erika(v.path, 0) > 0); /* the scan can see her before */
    sql_conn *db = open_raw(v.path);
    int64_t orders_shop1 = query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 1");
    int64_t orders_shop2 = query_int(db, "SELECT count(*) FROM shop_order WHERE shop_id = 2");
    int64_t revenue = query_int(db, "SELECT sum(total_cents) FROM shop_order");
    int64_t posts = query_int(db, "SELECT count(*) FROM post");
    int64_t milk = query_int(db, "SELECT stock FROM product WHERE id = 1");
    test_store_close(db);

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
    CHECK_EQ_INT(r.checkpointed, on_pg() ? 0 : 1); /* PostgreSQL: the operator's VACUUM */
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
    if (!on_pg()) {
        /* PostgreSQL checks every foreign key at each statement: no row could violate one. */
        CHECK_EQ_INT(query_int(db, "PRAGMA foreign_key_check"), -1); /* no violating row */
    }
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
    test_store_close(db);

    if (on_pg()) {
        /* The old row versions are still in the tables' files until the operator's VACUUM. */
        printf("     before VACUUM FULL, Erika's strings and places are found %d times in the"
               " server's files\n",
               traces_of_erika(v.path, 0));
        operator_vacuum(v.path);
    }
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
    sql_conn *db = open_raw(v.path);
    /* One "deleted" account holds every remaining record: nothing links them to a person. */
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM app_user"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT author_id) FROM post"), 1);
    CHECK_EQ_INT(query_int(db, "SELECT count(DISTINCT citizen_id) FROM shop_order"), 1);
    int64_t deleted = query_int(db, "SELECT id FROM app_user");
    test_store_close(db);
    s = open_store(ctx, v.path);
    CHECK_EQ_INT(dorf_store_user_erase(s, deleted, 5002, &r), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "deleted");
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

/*
 * Makes every `op` on `table` fail with "injected failure" (drop_injected undoes it): an SQLite
 * trigger that raises, or a PostgreSQL row trigger whose function raises an exception.
 */
static void inject(const char *path, const char *op, const char *table) {
    char sql[512];
    if (on_pg()) {
        snprintf(sql, sizeof sql,
                 "CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger"
                 " LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'injected failure'; END$$;"
                 "CREATE TRIGGER injected BEFORE %s ON %s FOR EACH ROW"
                 " EXECUTE FUNCTION injected_failure()",
                 op, table);
    } else {
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER injected BEFORE %s ON %s BEGIN"
                 " SELECT RAISE(ABORT, 'injected failure'); END",
                 op, table);
    }
    sql_conn *db = open_raw(path);
    exec(db, sql);
    test_store_close(db);
}

static void drop_injected(const char *path, const char *table) {
    char sql[128];
    snprintf(sql, sizeof sql, on_pg() ? "DROP TRIGGER injected ON %s" : "DROP TRIGGER injected",
             table);
    sql_conn *db = open_raw(path);
    exec(db, sql);
    test_store_close(db);
}

/*
 * Each table the erasure writes refuses in turn: the erasure fails and nothing changes.
 * After an erasure that went through (the table saw no such statement) the next round needs
 * the village back: on SpatiaLite a copy of the pristine file, on PostGIS a new schema.
 */
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
    if (!on_pg()) {
        copy_file(v.path, pristine);
    }
    char *before = dump(v.path);
    int failures = 0;
    int villages = 1;
    int spoilt = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        for (size_t o = 0; o < 3; o++) {
            if (spoilt && !on_pg()) {
                copy_file(pristine, v.path); /* an erasure that succeeded is undone */
            } else if (spoilt) {
                char name[64];
                snprintf(name, sizeof name, "statements%d", villages++);
                build_village(ctx, name, &v);
                free(before);
                before = dump(v.path); /* a new random session token */
            }
            spoilt = 0;
            inject(v.path, ops[o], tables[t]);
            dorf_store *s = open_store(ctx, v.path);
            dorf_erase_report r;
            dorf_status st = dorf_store_user_erase(s, v.erika, 5000, &r);
            dorf_store_close(s);
            drop_injected(v.path, tables[t]);
            if (st == DORF_OK) {
                spoilt = 1;
                continue; /* this table sees no such statement */
            }
            failures++;
            CHECK_EQ_INT(st, DORF_EIO);
            CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "injected failure");
            char *after = dump(v.path);
            if (strcmp(after, before) != 0) {
                fprintf(stderr, "  %s on %s changed the store\n", ops[o], tables[t]);
                spoilt = 1;
            }
            CHECK_STR(after, before);
            free(after);
        }
    }
    /* Every table the erasure writes made it fail at least once. */
    CHECK(failures >= (int)(sizeof tables / sizeof *tables));
    printf("     %d of %zu injected failures hit the erasure; %d villages built\n", failures,
           3 * sizeof tables / sizeof *tables, villages);
    if (!on_pg()) {
        unlink(pristine);
    }
    free(before);
    dorf_ctx_free(ctx);
}

/* Every SQLite allocation of the erasure fails in turn: all or nothing each time. */
static void test_every_failed_allocation_leaves_all_or_nothing(void) {
    if (on_pg()) {
        printf("     skipped on postgis: it fails SQLite's own allocations (SQLITE_CONFIG_MALLOC);"
               " the server's are out of reach\n");
        return;
    }
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
    sql_conn *db = open_raw(v.path);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM app_user WHERE id = %lld", (long long)v.erika);
    CHECK_EQ_INT(query_int(db, sql), 0);
    CHECK_EQ_INT(query_int(db, "SELECT count(*) FROM availability"), 1);
    test_store_close(db);
    free(before);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    install_counting_allocator();
    CHECK_INIT(argc, argv);
    printf("store: %s\n", test_store_backend());
    RUN(test_erasure_removes_the_person_and_keeps_everyone_elses_records);
    RUN(test_unknown_user_is_not_found_and_changes_nothing);
    RUN(test_the_deleted_account_is_shared_and_cannot_be_erased);
    RUN(test_a_failing_statement_leaves_everything_as_it_was);
    RUN(test_every_failed_allocation_leaves_all_or_nothing);
    test_store_cleanup();
    return check_summary();
}
