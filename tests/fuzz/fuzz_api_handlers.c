/*
 * fuzz_api_handlers.c: libFuzzer target for every endpoint that takes a request body (POST,
 * PUT, PATCH, DELETE): the handler itself, after the same body parsing as `dorf serve`
 * (api_parse_body with the server's depth limit), as a logged-in user holding every role,
 * against a small region with platform data.
 *
 * Input: one byte choosing the route (modulo the number of such routes, in the order of
 * routes.c; its quotient modulo 3 chooses, where the route has a path parameter, an id of the
 * caller's own object, of another user's, or of an open parcel), then the JSON body (none when
 * empty). DORF_FUZZ_LIST_ROUTES=1 lists the routes by first byte, DORF_FUZZ_VERBOSE=1 prints
 * each answer.
 *
 * Set-up, once (LLVMFuzzerInitialize): tests/data/village.osm imported into a SpatiaLite store
 * in a temporary directory (/dev/shm when there is one), with two users (the caller, every
 * role, and another one), a shop of each with a product, an order of each still "placed",
 * three handed over (their parcels claimed by the caller, claimed by the other, and open), an
 * availability of each, news, an event, DorfFunk posts with a reply, and the caller's
 * session; then a server started on that file (port 0, one thread) so that handlers find its
 * events hub and options. Handlers run on a store of
 * their own on a copy of it, put back to the pristine content after every execution with
 * SQLite's backup API (reopening the store instead costs ten times as much: SpatiaLite
 * registers its functions on every connection). So an input's outcome does not depend on the
 * ones before it (a finding replays alone), and erasing a user or deleting a post does not
 * starve later inputs.
 *
 * What is replaced, and why (linker --wrap, see CMakeLists.txt): api_job_submit frees the
 * job's argument and answers with a made-up id, so route proposals and exports are checked up
 * to the queueing but never run (no optimiser, no GDAL); api_auth_hash_password and
 * api_auth_check_password use a fast stand-in (FNV-1a), because argon2id at 64 MiB takes
 * tenths of a second per call and would hold the target to a few executions per second.
 *
 * Checks beyond "no crash, no leak": the status is 200..599 (0, "no answer", fails); 500 is
 * never allowed and 503 only as "busy" or "unavailable" (what a job queue or a missing export
 * module answers); 204 has no body; any other status has a JSON body, an error status
 * {"error": {"code": string, "message": string}} and a success status an object or array
 * without "error"; 201 and 202 name a Location.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "auth.h"
#include "dorf/api.h"
#include "dorf/importers.h"
#include "dorf/lieferbar_store.h"
#include "dorf/market.h"
#include "dorf/platform.h"
#include "dorf/posts.h"
#include "dorf/store.h"
#include "jobs.h"
#include "json_util.h"
#include "routes.h"
#include "store_sql.h"

#ifndef DORF_TEST_DATA
#error "DORF_TEST_DATA (the tests/data directory) must be defined"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the linker's --wrap puts in place of api_job_submit and the password functions. */
dorf_status __wrap_api_job_submit(const api_request *req, api_job_fn fn, void *arg,
                                  void (*free_arg)(void *), char job_id[API_JOB_ID_SIZE]);
int __wrap_api_auth_hash_password(const char *password, char out[128]);
int __wrap_api_auth_check_password(const char *hash, const char *password);

#define NOW 1795000000 /* 2026-11-18, a Wednesday: the seeds' times lie around it */
#define PASSWORD "fuzz-password-1"
#define TOKEN "fuzz-session-token-0000000000000000000000000"
#define MAX_ROUTES 64

/* Object ids by kind: [0] the caller's own, [1] another user's, [2] a second one (the open
   parcel; for the other kinds the caller's own again). */
enum id_kind { ID_USER, ID_SHOP, ID_PRODUCT, ID_ORDER, ID_PARCEL, ID_AVAILABILITY, ID_POST, KINDS };

static struct {
    char dir[256];
    char pristine[300];
    char work[300];
    unsigned char *image; /* the pristine database file */
    size_t image_size;
    sqlite3 *pristine_db; /* read-only, the source of every reset */
    dorf_ctx *ctx;        /* the handlers' store and its context */
    dorf_store *store;
    dorf_server *server;
    const api_route *routes[MAX_ROUTES];
    size_t route_count;
    int64_t ids[KINDS][3];
    api_user user;
} fz;

static void die(const char *what, dorf_ctx *ctx) {
    fprintf(stderr, "fuzz_api_handlers: %s%s%s\n", what, ctx ? ": " : "",
            ctx ? dorf_ctx_errmsg(ctx) : "");
    exit(1);
}

dorf_status __wrap_api_job_submit(const api_request *req, api_job_fn fn, void *arg,
                                  void (*free_arg)(void *), char job_id[API_JOB_ID_SIZE]) {
    (void)req;
    (void)fn;
    if (free_arg) {
        free_arg(arg);
    }
    memset(job_id, 'f', API_JOB_ID_SIZE - 1);
    job_id[API_JOB_ID_SIZE - 1] = '\0';
    return DORF_OK;
}

/* "fuzz$", the password's length and its FNV-1a hash: of fixed size whatever the length of the
   password (up to the 256 bytes registration allows), as an argon2id string is. */
int __wrap_api_auth_hash_password(const char *password, char out[128]) {
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *c = (const unsigned char *)password; *c; c++) {
        h = (h ^ *c) * 1099511628211u;
    }
    snprintf(out, 128, "fuzz$%zu$%016llx", strlen(password), (unsigned long long)h);
    return 0;
}

int __wrap_api_auth_check_password(const char *hash, const char *password) {
    char expected[128];
    __wrap_api_auth_hash_password(password, expected);
    return strcmp(hash, expected) == 0;
}

static int64_t make_user(dorf_store *s, dorf_ctx *ctx, const char *email, unsigned roles) {
    dorf_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", email);
    __wrap_api_auth_hash_password(PASSWORD, u.password_hash);
    u.roles = roles;
    u.created_at = NOW - 86400;
    int64_t id = 0;
    if (dorf_store_user_create(s, &u, &id) != DORF_OK) {
        die("creating a user", ctx);
    }
    return id;
}

static int64_t make_post(dorf_store *s, dorf_ctx *ctx, dorf_post_kind kind, int64_t author,
                         int64_t parent) {
    dorf_post p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.author_id = author;
    p.parent_id = parent;
    if (kind == DORF_POST_FUNK) {
        snprintf(p.channel, sizeof p.channel, "help");
    }
    p.title = parent ? "" : "Titel";
    p.body = "Text";
    if (!parent) {
        p.has_location = 1;
        p.lon_deg = 11.501;
        p.lat_deg = 50.0005;
    }
    if (kind == DORF_POST_EVENT) {
        p.has_starts = 1;
        p.starts_at = NOW + 86400;
    }
    int64_t id = 0;
    if (dorf_store_post_create(s, &p, NOW - 3600, &id) != DORF_OK) {
        die("creating a post", ctx);
    }
    return id;
}

/* A shop of `owner` on place n`osm_id`, with a product; the ids into the slot `who`. */
static void make_shop(dorf_store *s, dorf_ctx *ctx, int64_t owner, int64_t osm_id, int who) {
    if (dorf_store_shop_claim(s, owner, 'n', osm_id, NOW - 80000, &fz.ids[ID_SHOP][who]) !=
        DORF_OK) {
        die("claiming a shop", ctx);
    }
    dorf_product p = {
        .name = "Roggenbrot", .unit = "Stück", .price_cents = 350, .stock = 1000, .active = 1};
    if (dorf_store_product_add(s, owner, fz.ids[ID_SHOP][who], &p, NOW - 80000,
                               &fz.ids[ID_PRODUCT][who]) != DORF_OK) {
        die("adding a product", ctx);
    }
}

/* A delivery order of `citizen` at shop slot `who`; handed over (with its parcel) if asked. */
static int64_t make_order(dorf_store *s, dorf_ctx *ctx, int64_t citizen, int who, int64_t owner,
                          int hand_over) {
    dorf_order_line line = {fz.ids[ID_PRODUCT][who], 2};
    dorf_order_request r = {.citizen_id = citizen,
                            .shop_id = fz.ids[ID_SHOP][who],
                            .lines = &line,
                            .line_count = 1,
                            .delivery = 1,
                            .dropoff_lon_deg = 11.503,
                            .dropoff_lat_deg = 50.001};
    int64_t id = 0;
    if (dorf_store_order_place(s, &r, NOW - 7200, &id, NULL) != DORF_OK) {
        die("placing an order", ctx);
    }
    static const dorf_order_state steps[] = {DORF_ORDER_ACCEPTED, DORF_ORDER_READY,
                                             DORF_ORDER_HANDED_OVER};
    for (size_t i = 0; hand_over && i < sizeof steps / sizeof steps[0]; i++) {
        if (dorf_store_order_transition(s, owner, id, steps[i], NOW - 7000 + (int64_t)i) !=
            DORF_OK) {
            die("moving an order on", ctx);
        }
    }
    return id;
}

static void make_availability(dorf_store *s, dorf_ctx *ctx, int64_t volunteer, int who) {
    dorf_availability a = {.volunteer_id = volunteer,
                           .mode = "bike",
                           .capacity = 3,
                           .from_at = NOW - 3600,
                           .until_at = NOW + 7200,
                           .max_detour_s = 1200,
                           .home_lon_deg = 11.502,
                           .home_lat_deg = 50.0008};
    if (dorf_store_availability_add(s, &a, NOW - 3600, &fz.ids[ID_AVAILABILITY][who]) != DORF_OK) {
        die("adding an availability", ctx);
    }
}

/* The region and the platform data every execution starts from, in fz.pristine. */
static void make_store(dorf_ctx *ctx) {
    dorf_region *region = NULL;
    if (dorf_import_osm(ctx, DORF_TEST_DATA "/village.osm", NULL, &region, NULL) != DORF_OK) {
        die("importing tests/data/village.osm", ctx);
    }
    dorf_store *s = NULL;
    if (dorf_store_open(ctx, fz.pristine, DORF_STORE_CREATE, &s) != DORF_OK ||
        dorf_store_replace_region(s, region) != DORF_OK) {
        die("writing the region", ctx);
    }
    dorf_region_free(region);

    int64_t self = make_user(s, ctx, "fuzz@example.org", DORF_ROLE_ALL);
    int64_t other = make_user(s, ctx, "other@example.org",
                              DORF_ROLE_CITIZEN | DORF_ROLE_SHOP | DORF_ROLE_VOLUNTEER);
    fz.ids[ID_USER][0] = self;
    fz.ids[ID_USER][1] = other;
    fz.user.id = self;
    fz.user.roles = DORF_ROLE_ALL;
    snprintf(fz.user.name, sizeof fz.user.name, "fuzz@example.org");
    unsigned char hash[32];
    api_auth_token_hash(TOKEN, hash);
    if (dorf_store_session_create(s, hash, self, NOW - 60, NOW + 3600) != DORF_OK) {
        die("creating a session", ctx);
    }

    make_shop(s, ctx, self, 300, 0);  /* Bäckerei Beispiel */
    make_shop(s, ctx, other, 303, 1); /* Metzgerei Montag */
    /* The caller's order at the other's shop, handed over: the caller's parcel to carry is
       the other's order, and an order of the caller's stays "placed" at their own shop. */
    int64_t handed = make_order(s, ctx, self, 1, other, 1);
    fz.ids[ID_ORDER][0] = make_order(s, ctx, self, 0, self, 0);
    fz.ids[ID_ORDER][1] = make_order(s, ctx, other, 1, other, 0);
    dorf_order order;
    dorf_arena *arena = dorf_arena_new();
    if (!arena || dorf_store_order_get(s, arena, self, handed, &order) != DORF_OK ||
        !order.parcel_id) {
        die("finding the handed-over order's parcel", ctx);
    }
    fz.ids[ID_PARCEL][0] = order.parcel_id;
    dorf_arena_free(arena);
    /* Parcels: the caller's (claimed by the caller), the other volunteer's (claimed by them,
       not the caller's to move) and an open one. */
    if (dorf_store_parcel_claim(s, self, fz.ids[ID_PARCEL][0], NOW - 600) != DORF_OK) {
        die("claiming the caller's parcel", ctx);
    }
    for (int who = 1; who <= 2; who++) {
        int64_t id = make_order(s, ctx, other, 1, other, 1);
        if (!(arena = dorf_arena_new()) || dorf_store_order_get(s, arena, other, id, &order) ||
            !order.parcel_id) {
            die("finding a handed-over order's parcel", ctx);
        }
        fz.ids[ID_PARCEL][who] = order.parcel_id;
        dorf_arena_free(arena);
    }
    if (dorf_store_parcel_claim(s, other, fz.ids[ID_PARCEL][1], NOW - 600) != DORF_OK) {
        die("claiming the other's parcel", ctx);
    }
    for (int k = 0; k < KINDS; k++) {
        if (!fz.ids[k][2]) {
            fz.ids[k][2] = fz.ids[k][0];
        }
    }

    make_availability(s, ctx, self, 0);
    make_availability(s, ctx, other, 1);
    make_post(s, ctx, DORF_POST_NEWS, self, 0);
    make_post(s, ctx, DORF_POST_EVENT, self, 0);
    fz.ids[ID_POST][0] = make_post(s, ctx, DORF_POST_FUNK, self, 0);
    fz.ids[ID_POST][1] = make_post(s, ctx, DORF_POST_FUNK, other, 0);
    make_post(s, ctx, DORF_POST_FUNK, other, fz.ids[ID_POST][0]);
    dorf_store_close(s);
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)n)) && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    if (f) {
        fclose(f);
    }
    *size = n > 0 ? (size_t)n : 0;
    return data;
}

/* Makes the working database a copy of the pristine one (without WAL and index). */
static void restore_work(void) {
    char side[320];
    snprintf(side, sizeof side, "%s-wal", fz.work);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", fz.work);
    unlink(side);
    int fd = open(fz.work, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, fz.image, fz.image_size) != (ssize_t)fz.image_size || close(fd)) {
        die("restoring the working database", NULL);
    }
}

/* Puts the working store's content back to the pristine one, through its own connection. */
static void reset_work(void) {
    sqlite3 *db = sql_store_of(fz.store)->db;
    sqlite3_backup *b = sqlite3_backup_init(db, "main", fz.pristine_db, "main");
    if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK) {
        fprintf(stderr, "fuzz_api_handlers: resetting the store: %s\n", sqlite3_errmsg(db));
        abort();
    }
}

/* Removes the temporary directory at exit (the server's connections are closed by then or
   do not matter: the files are unlinked either way). */
static void remove_files(void) {
    static const char *const names[] = {
        "work.dorf",         "work.dorf-wal",       "work.dorf-shm",
        "region.dorf",       "region.dorf-wal",     "region.dorf-shm",
        "region.dorf.tiles", "region.dorf.exports", "exports"};
    char path[320];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fz.dir, names[i]);
        if (unlink(path) != 0 && errno == EISDIR) {
            rmdir(path);
        }
    }
    rmdir(fz.dir);
}

/* A stand-in for the GDAL table writer: exports are queued, never run (see the top). */
static dorf_status no_tables_write(dorf_ctx *ctx, const char *path, const char *format,
                                   const dorf_table *tables, size_t count) {
    (void)path;
    (void)format;
    (void)tables;
    (void)count;
    return dorf_fail(ctx, DORF_EIO, "not in the fuzz target");
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fz.dir, sizeof fz.dir, "%s/dorf-fuzz-api-XXXXXX", base);
    if (!mkdtemp(fz.dir)) {
        die("making a temporary directory", NULL);
    }
    snprintf(fz.pristine, sizeof fz.pristine, "%s/region.dorf", fz.dir);
    snprintf(fz.work, sizeof fz.work, "%s/work.dorf", fz.dir);
    dorf_ctx *ctx = dorf_ctx_new();
    if (!ctx || api_auth_init() != 0) {
        die("starting", NULL);
    }
    make_store(ctx);
    if (!(fz.image = read_file(fz.pristine, &fz.image_size))) {
        die("reading the pristine database", NULL);
    }

    /* Static: the server keeps the pointer (dorf_server_options.export_dir is not copied). */
    static char exports[300];
    snprintf(exports, sizeof exports, "%s/exports", fz.dir);
    dorf_server_options opt;
    dorf_server_options_init(&opt);
    opt.db = fz.pristine;
    opt.threads = 1;
    opt.web_dir = "";
    opt.write_tables = no_tables_write;
    opt.export_dir = exports;
    if (dorf_server_start(ctx, &opt, &fz.server) != DORF_OK) {
        die("starting the server", ctx);
    }
    dorf_ctx_free(ctx);

    for (size_t t = 0; t < api_route_table_count; t++) {
        for (size_t i = 0; i < *api_route_table_sizes[t]; i++) {
            const api_route *r = &api_route_tables[t][i];
            if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
                fz.route_count < MAX_ROUTES) {
                fz.routes[fz.route_count++] = r;
            }
        }
    }
    restore_work();
    free(fz.image); /* later resets copy from pristine_db */
    fz.image = NULL;
    if (!(fz.ctx = dorf_ctx_new()) || dorf_store_open(fz.ctx, fz.work, 0, &fz.store) != DORF_OK ||
        sqlite3_open_v2(fz.pristine, &fz.pristine_db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        die("opening the working database", fz.ctx);
    }
    /* DORF_FUZZ_LIST_ROUTES=1: the route of each first byte, for writing seeds. */
    for (size_t i = 0; getenv("DORF_FUZZ_LIST_ROUTES") && i < fz.route_count; i++) {
        fprintf(stderr, "%02zx %s %s\n", i, fz.routes[i]->method, fz.routes[i]->pattern);
    }
    /* The server stays up until the process ends (libFuzzer has no hook to stop it); the
       files go then. */
    atexit(remove_files);
    return 0;
}

/* The kind of object a path parameter names, from the path segment before it. */
static int kind_of(const char *pattern, const char *brace) {
    static const struct {
        const char *segment;
        enum id_kind kind;
    } kinds[] = {{"/users/", ID_USER},       {"/shops/", ID_SHOP},
                 {"/products/", ID_PRODUCT}, {"/orders/", ID_ORDER},
                 {"/parcels/", ID_PARCEL},   {"/availability/", ID_AVAILABILITY},
                 {"/posts/", ID_POST}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].segment);
        if ((size_t)(brace - pattern) >= n && strncmp(brace - n, kinds[i].segment, n) == 0) {
            return (int)kinds[i].kind;
        }
    }
    return -1;
}

/* Fills the path and its parameters for route `r` with ids of the slot `which` (fz.ids). */
static void fill_path(const api_route *r, int which, api_request *req, char *path, size_t path_size,
                      char params[API_MAX_PARAMS][32]) {
    size_t used = 0;
    path[0] = '\0';
    for (const char *p = r->pattern; *p && used + 32 < path_size;) {
        if (*p != '{') {
            path[used++] = *p++;
            path[used] = '\0';
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end || req->param_count >= API_MAX_PARAMS) {
            abort(); /* a route table we cannot read */
        }
        char *value = params[req->param_count];
        int kind = kind_of(r->pattern, p);
        if (kind >= 0) {
            snprintf(value, 32, "%lld", (long long)fz.ids[kind][which]);
        } else {
            snprintf(value, 32, "%s", which == 1 ? "lending" : "help"); /* {channel} */
        }
        req->params[req->param_count++] = value;
        used += (size_t)snprintf(path + used, path_size - used, "%s", value);
        p = end + 1;
    }
}

static void check_error_body(const api_response *res) {
    json_t *error = json_object_get(res->json, "error");
    if (!json_is_object(error) || !json_is_string(json_object_get(error, "code")) ||
        !json_is_string(json_object_get(error, "message"))) {
        fprintf(stderr, "status %u without an error body {\"error\": {\"code\", \"message\"}}\n",
                res->status);
        abort();
    }
}

static void check_response(const api_route *r, const api_response *res) {
    unsigned s = res->status;
    if (s < 200 || s > 599 || s == 500 || (s > 500 && s != 503)) {
        fprintf(stderr, "%s %s answered %u\n", r->method, r->pattern, s);
        abort();
    }
    if (res->text || res->stream) {
        fprintf(stderr, "%s %s answered a text or streamed body\n", r->method, r->pattern);
        abort();
    }
    if (s == 204) {
        if (res->json) {
            abort();
        }
        return;
    }
    if (!json_is_object(res->json) && !json_is_array(res->json)) {
        fprintf(stderr, "%s %s answered %u without a JSON body\n", r->method, r->pattern, s);
        abort();
    }
    if (s >= 400) {
        check_error_body(res);
        const char *code =
            json_string_value(json_object_get(json_object_get(res->json, "error"), "code"));
        if (s == 503 && strcmp(code, "busy") != 0 && strcmp(code, "unavailable") != 0) {
            abort();
        }
    } else if (json_object_get(res->json, "error")) {
        fprintf(stderr, "%s %s answered %u with an error body\n", r->method, r->pattern, s);
        abort();
    }
    if ((s == 201 || s == 202) && !res->location[0]) {
        fprintf(stderr, "%s %s answered %u without a Location\n", r->method, r->pattern, s);
        abort();
    }
    char *text = json_dumps(res->json, 0);
    if (!text) {
        abort(); /* a body that cannot be written out (invalid UTF-8 ...) */
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || fz.route_count == 0) {
        return 0;
    }
    const api_route *r = fz.routes[data[0] % fz.route_count];
    int which = (data[0] / fz.route_count) % 3;
    const char *body = (const char *)data + 1;
    size_t body_len = size - 1;

    dorf_ctx_clear_error(fz.ctx);
    api_request req = {0};
    api_response res = {0};
    char path[256];
    char params[API_MAX_PARAMS][32];
    req.method = r->method;
    req.user = &fz.user;
    req.token = TOKEN;
    req.client_ip = "127.0.0.1";
    req.store = fz.store;
    req.ctx = fz.ctx;
    req.server = api_server_of(fz.server);
    req.now = NOW;
    fill_path(r, which, &req, path, sizeof path, params);
    req.path = path;

    /* As the server does: no body is no body; a body that does not parse never reaches the
       handler (fuzz_api_body checks that answer). */
    if (body_len == 0 || api_parse_body(body, body_len, 32, &req.body, &res) == 0) {
        r->handler(&req, &res);
        if (getenv("DORF_FUZZ_VERBOSE")) { /* which answer each input got, for the seeds */
            json_t *e = json_object_get(res.json, "error");
            fprintf(stderr, "%s %s: %u %s\n", r->method, path, res.status,
                    e ? json_string_value(json_object_get(e, "message")) : "");
        }
        check_response(r, &res);
    }
    json_decref(req.body);
    json_decref(res.json);
    free(res.text);
    if (res.stream_free) {
        res.stream_free(res.stream_cls);
    }
    reset_work();
    return 0;
}
