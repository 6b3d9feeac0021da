/*
 * test_jobs.c: tests of api/jobs.c, the server's job queue, on a running server
 * (api/server.c) over an empty database: jobs run and report their result, only their owner
 * sees them, failures carry the context's message, and stopping the server runs every
 * accepted job to its end.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dorf/api.h"
#include "dorf/store.h"
#include "jobs.h"
#include "routes.h"

static char db_path[64];
static atomic_int jobs_run;
static atomic_int args_freed;

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Waits for `n` milliseconds of arg and returns {"n": arg}. */
static dorf_status slow_job(void *arg, dorf_store *store, dorf_ctx *ctx, json_t **result) {
    (void)ctx;
    CHECK(store != NULL);
    int *n = arg;
    sleep_ms(*n);
    atomic_fetch_add(&jobs_run, 1);
    *result = json_pack("{s:i}", "n", *n);
    return DORF_OK;
}

static dorf_status failing_job(void *arg, dorf_store *store, dorf_ctx *ctx, json_t **result) {
    (void)arg;
    (void)store;
    (void)result;
    return dorf_fail(ctx, DORF_EINVAL, "no volunteers on that day");
}

static void free_int(void *arg) {
    atomic_fetch_add(&args_freed, 1);
    free(arg);
}

static int *new_int(int v) {
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

static dorf_server *start(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_server_options opt;
    dorf_server_options_init(&opt);
    opt.db = db_path;
    opt.port = 0;
    opt.threads = 1;
    dorf_server *server = NULL;
    dorf_status st = dorf_server_start(ctx, &opt, &server);
    if (st != DORF_OK) {
        fprintf(stderr, "  cannot start: %s\n", dorf_ctx_errmsg(ctx));
    }
    CHECK_EQ_INT(st, DORF_OK);
    CHECK(server && dorf_server_port(server) > 0);
    dorf_ctx_free(ctx);
    return server;
}

/* GET /api/jobs/{id} as `user` (NULL: without a session); the answer in *res. */
static void get_job(dorf_server *server, const char *id, const api_user *user, api_response *res) {
    dorf_ctx *ctx = dorf_ctx_new();
    api_request req = {0};
    req.method = "GET";
    req.path = "/api/jobs/x";
    req.params[0] = id;
    req.param_count = 1;
    req.user = user;
    req.server = api_server_of(server);
    req.ctx = ctx;
    memset(res, 0, sizeof *res);
    api_routes_jobs[0].handler(&req, res);
    dorf_ctx_free(ctx);
}

/* Polls a job until it is no longer queued or running; its state. */
static const char *wait_for(dorf_server *server, const char *id, const api_user *user,
                            api_response *res) {
    for (int i = 0; i < 500; i++) {
        json_decref(res->json);
        get_job(server, id, user, res);
        const char *state = json_string_value(json_object_get(res->json, "state"));
        if (!state || (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0)) {
            return state ? state : "";
        }
        sleep_ms(10);
    }
    return "timeout";
}

static void test_a_job_runs_and_its_owner_gets_the_result(void) {
    dorf_server *server = start();
    if (!server) {
        return;
    }
    api_user owner = {.id = 7, .roles = 1};
    api_user other = {.id = 8, .roles = 1};
    dorf_ctx *ctx = dorf_ctx_new();
    api_request req = {0};
    req.server = api_server_of(server);
    req.ctx = ctx;
    req.user = &owner;
    char id[API_JOB_ID_SIZE] = "";
    CHECK_EQ_INT(api_job_submit(&req, slow_job, new_int(20), free_int, id), DORF_OK);
    CHECK_EQ_INT(strlen(id), 32);

    api_response res = {0};
    api_job_accepted(&res, id);
    CHECK_EQ_INT(res.status, 202);
    CHECK(strncmp(res.location, "/api/jobs/", 10) == 0 && strcmp(res.location + 10, id) == 0);
    json_decref(res.json);
    res.json = NULL;

    CHECK_STR(wait_for(server, id, &owner, &res), "done");
    CHECK_EQ_INT(res.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(res.json, "result"), "n")), 20);
    json_decref(res.json);

    get_job(server, id, &other, &res);
    CHECK_EQ_INT(res.status, 403);
    json_decref(res.json);
    get_job(server, id, NULL, &res);
    CHECK_EQ_INT(res.status, 401);
    json_decref(res.json);
    get_job(server, "00000000000000000000000000000000", &owner, &res);
    CHECK_EQ_INT(res.status, 404);
    json_decref(res.json);

    dorf_ctx_free(ctx);
    dorf_server_stop(server);
}

static void test_a_failed_job_reports_the_message(void) {
    dorf_server *server = start();
    if (!server) {
        return;
    }
    dorf_ctx *ctx = dorf_ctx_new();
    api_request req = {0};
    req.server = api_server_of(server);
    req.ctx = ctx;
    char id[API_JOB_ID_SIZE] = "";
    CHECK_EQ_INT(api_job_submit(&req, failing_job, NULL, NULL, id), DORF_OK);
    api_response res = {0};
    CHECK_STR(wait_for(server, id, NULL, &res), "failed");
    json_t *err = json_object_get(json_object_get(res.json, "result"), "error");
    CHECK_STR(json_string_value(json_object_get(err, "code")), "job_failed");
    CHECK_STR(json_string_value(json_object_get(err, "message")), "no volunteers on that day");
    json_decref(res.json);
    dorf_ctx_free(ctx);
    dorf_server_stop(server);
}

static void test_stopping_runs_every_accepted_job(void) {
    dorf_server *server = start();
    if (!server) {
        return;
    }
    atomic_store(&jobs_run, 0);
    atomic_store(&args_freed, 0);
    dorf_ctx *ctx = dorf_ctx_new();
    api_request req = {0};
    req.server = api_server_of(server);
    req.ctx = ctx;
    char id[API_JOB_ID_SIZE];
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(api_job_submit(&req, slow_job, new_int(50), free_int, id), DORF_OK);
    }
    dorf_server_stop(server);
    CHECK_EQ_INT(atomic_load(&jobs_run), 6);
    CHECK_EQ_INT(atomic_load(&args_freed), 6);
    dorf_ctx_free(ctx);
}

static void test_a_full_queue_refuses_with_503(void) {
    dorf_server *server = start();
    if (!server) {
        return;
    }
    atomic_store(&args_freed, 0);
    dorf_ctx *ctx = dorf_ctx_new();
    api_request req = {0};
    req.server = api_server_of(server);
    req.ctx = ctx;
    char id[API_JOB_ID_SIZE];
    int refused = 0;
    int submitted = 0;
    for (int i = 0; i < API_JOBS_QUEUED + API_JOBS_WORKERS + 5; i++) {
        dorf_status st = api_job_submit(&req, slow_job, new_int(i < 2 ? 300 : 1), free_int, id);
        if (st == DORF_ECONFLICT) {
            refused++;
        } else {
            CHECK_EQ_INT(st, DORF_OK);
            submitted++;
        }
    }
    CHECK(refused > 0);
    CHECK_EQ_INT(atomic_load(&args_freed) >= refused, 1);
    api_response res = {0};
    api_job_refused(&res, DORF_ECONFLICT);
    CHECK_EQ_INT(res.status, 503);
    json_decref(res.json);
    dorf_server_stop(server);
    CHECK_EQ_INT(atomic_load(&args_freed), submitted + refused);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    snprintf(db_path, sizeof db_path, "/tmp/dorf-test-jobs-%ld.dorf", (long)getpid());
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    if (dorf_store_open(ctx, db_path, DORF_STORE_CREATE, &store) != DORF_OK) {
        fprintf(stderr, "cannot create %s: %s\n", db_path, dorf_ctx_errmsg(ctx));
        return 1;
    }
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    RUN(test_a_job_runs_and_its_owner_gets_the_result);
    RUN(test_a_failed_job_reports_the_message);
    RUN(test_stopping_runs_every_accepted_job);
    RUN(test_a_full_queue_refuses_with_503);
    char path[96];
    unlink(db_path);
    snprintf(path, sizeof path, "%s-wal", db_path);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db_path);
    unlink(path);
    return check_summary();
}
