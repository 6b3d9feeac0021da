/*
 * jobs.c: the job queue of the server (jobs.h) and its route GET /api/jobs/{id}.
 *
 * One mutex guards the queue and the list of jobs; a condition variable wakes the workers.
 * A job moves queued -> running -> done | failed. Its result is written once, under the
 * mutex, and copied out under the mutex when asked for, so request threads never share a
 * json_t with a worker.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "json_util.h"
#include "routes.h"

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;

static const char *const state_names[] = {"queued", "running", "done", "failed"};

struct job {
    char id[API_JOB_ID_SIZE];
    int64_t owner; /* user id; 0: submitted without a session */
    job_state state;
    json_t *result;
    api_job_fn fn;
    void *arg;
    void (*free_arg)(void *);
    struct job *next; /* in the list of all jobs, oldest first */
};

struct worker {
    pthread_t thread;
    int started;
    dorf_ctx *ctx;
    dorf_store *store;
    api_jobs *jobs;
};

struct api_jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *head; /* every job, oldest first */
    struct job *tail;
    size_t queued;
    size_t finished;
    int stopping;
    unsigned worker_count;
    struct worker *workers;
};

static void job_free(struct job *job) {
    if (job->free_arg) {
        job->free_arg(job->arg);
    }
    json_decref(job->result);
    free(job);
}

/* The oldest queued job, or NULL. Called with the lock held. */
static struct job *next_queued(api_jobs *jobs) {
    for (struct job *j = jobs->head; j; j = j->next) {
        if (j->state == JOB_QUEUED) {
            return j;
        }
    }
    return NULL;
}

/* Forgets the oldest finished jobs beyond API_JOBS_KEEP. Called with the lock held. */
static void trim_finished(api_jobs *jobs) {
    struct job **link = &jobs->head;
    struct job *prev = NULL;
    while (jobs->finished > API_JOBS_KEEP && *link) {
        struct job *j = *link;
        if (j->state == JOB_DONE || j->state == JOB_FAILED) {
            *link = j->next;
            if (jobs->tail == j) {
                jobs->tail = prev;
            }
            jobs->finished--;
            job_free(j);
        } else {
            prev = j;
            link = &j->next;
        }
    }
}

static void *worker_main(void *user) {
    struct worker *w = user;
    api_jobs *jobs = w->jobs;
    pthread_mutex_lock(&jobs->lock);
    for (;;) {
        struct job *job = next_queued(jobs);
        if (!job) {
            if (jobs->stopping) {
                break;
            }
            pthread_cond_wait(&jobs->wake, &jobs->lock);
            continue;
        }
        job->state = JOB_RUNNING;
        jobs->queued--;
        pthread_mutex_unlock(&jobs->lock);

        dorf_ctx_clear_error(w->ctx);
        json_t *result = NULL;
        dorf_status st = job->fn(job->arg, w->store, w->ctx, &result);
        if (st != DORF_OK) {
            json_decref(result);
            const char *msg = dorf_ctx_errmsg(w->ctx);
            result = json_pack("{s:{s:s, s:s}}", "error", "code", "job_failed", "message",
                               msg && *msg ? msg : dorf_strerror(st));
        }
        if (job->free_arg) {
            job->free_arg(job->arg);
            job->free_arg = NULL;
        }

        pthread_mutex_lock(&jobs->lock);
        job->result = result;
        job->state = st == DORF_OK ? JOB_DONE : JOB_FAILED;
        jobs->finished++;
        trim_finished(jobs);
    }
    pthread_mutex_unlock(&jobs->lock);
    return NULL;
}

dorf_status api_jobs_start(dorf_ctx *ctx, const char *db, unsigned workers, api_jobs **out) {
    *out = NULL;
    api_jobs *jobs = calloc(1, sizeof *jobs);
    if (!jobs) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the job workers");
    }
    jobs->workers = calloc(workers, sizeof *jobs->workers);
    if (!jobs->workers) {
        free(jobs);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the job workers");
    }
    pthread_mutex_init(&jobs->lock, NULL);
    pthread_cond_init(&jobs->wake, NULL);
    jobs->worker_count = workers;
    dorf_status st = DORF_OK;
    for (unsigned i = 0; i < workers; i++) {
        struct worker *w = &jobs->workers[i];
        w->jobs = jobs;
        if (!(w->ctx = dorf_ctx_new())) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the job workers");
            goto fail;
        }
        if ((st = dorf_store_open(w->ctx, db, 0, &w->store)) != DORF_OK) {
            st = dorf_fail(ctx, st, "%s", dorf_ctx_errmsg(w->ctx));
            goto fail;
        }
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            st = dorf_fail(ctx, DORF_ENOMEM, "cannot start a job worker thread");
            goto fail;
        }
        w->started = 1;
    }
    *out = jobs;
    return DORF_OK;

fail:
    api_jobs_stop(jobs);
    return st;
}

void api_jobs_stop(api_jobs *jobs) {
    if (!jobs) {
        return;
    }
    pthread_mutex_lock(&jobs->lock);
    jobs->stopping = 1;
    pthread_cond_broadcast(&jobs->wake);
    pthread_mutex_unlock(&jobs->lock);
    for (unsigned i = 0; i < jobs->worker_count; i++) {
        struct worker *w = &jobs->workers[i];
        if (w->started) {
            pthread_join(w->thread, NULL);
        }
        dorf_store_close(w->store);
        dorf_ctx_free(w->ctx);
    }
    /* Jobs still queued here had no worker to run them (a failed start): drop them. */
    while (jobs->head) {
        struct job *j = jobs->head;
        jobs->head = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&jobs->wake);
    pthread_mutex_destroy(&jobs->lock);
    free(jobs->workers);
    free(jobs);
}

dorf_status api_job_submit(const api_request *req, api_job_fn fn, void *arg,
                           void (*free_arg)(void *), char job_id[API_JOB_ID_SIZE]) {
    api_jobs *jobs = api_server_jobs(req->server);
    struct job *job = calloc(1, sizeof *job);
    if (!job) {
        if (free_arg) {
            free_arg(arg);
        }
        return dorf_fail(req->ctx, DORF_ENOMEM, "out of memory queueing a job");
    }
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(job->id, sizeof job->id, raw, sizeof raw);
    job->owner = req->user ? req->user->id : 0;
    job->state = JOB_QUEUED;
    job->fn = fn;
    job->arg = arg;
    job->free_arg = free_arg;

    pthread_mutex_lock(&jobs->lock);
    if (jobs->stopping || jobs->queued >= API_JOBS_QUEUED) {
        int stopping = jobs->stopping;
        pthread_mutex_unlock(&jobs->lock);
        job_free(job);
        return dorf_fail(req->ctx, DORF_ECONFLICT,
                         stopping ? "the server is shutting down"
                                  : "too many jobs are waiting; try again later");
    }
    if (jobs->tail) {
        jobs->tail->next = job;
    } else {
        jobs->head = job;
    }
    jobs->tail = job;
    jobs->queued++;
    memcpy(job_id, job->id, API_JOB_ID_SIZE);
    pthread_cond_signal(&jobs->wake);
    pthread_mutex_unlock(&jobs->lock);
    return DORF_OK;
}

void api_job_accepted(api_response *res, const char *job_id) {
    char href[64];
    snprintf(href, sizeof href, "/api/jobs/%s", job_id);
    snprintf(res->location, sizeof res->location, "%s", href);
    api_json(res, 202, json_pack("{s:s, s:s, s:s}", "id", job_id, "state", "queued", "href", href));
}

void api_job_refused(api_response *res, dorf_status status) {
    if (status == DORF_ECONFLICT) {
        api_error(res, 503, "busy", "too many jobs are waiting; try again later");
    } else {
        api_error(res, 500, "internal", "the job could not be queued");
    }
}

/* GET /api/jobs/{id}: the state of a job and, once finished, its result. */
static void get_job(api_request *req, api_response *res) {
    api_jobs *jobs = api_server_jobs(req->server);
    const char *id = req->params[0];
    /* A job submitted without a session is read by whoever holds its id, so the id is a
       secret: compared in constant time (sodium_memcmp), never by strcmp, whose time tells
       how long a prefix matched. */
    size_t id_len = strlen(id);
    pthread_mutex_lock(&jobs->lock);
    struct job *job = jobs->head;
    while (job && (id_len != API_JOB_ID_SIZE - 1 ||
                   sodium_memcmp(job->id, id, API_JOB_ID_SIZE - 1) != 0)) {
        job = job->next;
    }
    if (!job) {
        pthread_mutex_unlock(&jobs->lock);
        api_error(res, 404, "not_found", "no such job (finished jobs are kept for a while only)");
        return;
    }
    int64_t owner = job->owner;
    if (owner != 0 && (!req->user || req->user->id != owner)) {
        pthread_mutex_unlock(&jobs->lock);
        if (!req->user) {
            api_error(res, 401, "unauthorized", "this job needs the session that submitted it");
        } else {
            api_error(res, 403, "forbidden", "this job belongs to another user");
        }
        return;
    }
    json_t *result = job->result ? json_deep_copy(job->result) : json_null();
    json_t *body = json_pack("{s:s, s:s, s:o}", "id", job->id, "state", state_names[job->state],
                             "result", result);
    pthread_mutex_unlock(&jobs->lock);
    api_json(res, 200, body);
}

const api_route api_routes_jobs[] = {
    {"GET", "/api/jobs/{id}", 0, get_job, "the state and result of a job"},
};
const size_t api_routes_jobs_count = sizeof api_routes_jobs / sizeof api_routes_jobs[0];
