/*
 * jobs.h: long work on worker threads, reached by a job URL.
 *
 * A handler whose work takes longer than a request should (an optimisation, a scenario run)
 * submits it as a job and answers 202 Accepted with Location /api/jobs/{id}; the client polls
 * that URL until the state is "done" or "failed". Jobs run in submission order on a few
 * worker threads, each with a store connection and a context of its own. Ids are 128 random
 * bits in hex, and a job submitted with a session is shown only to that user.
 * Finished jobs are kept in memory (the newest API_JOBS_KEEP of them) until the server stops.
 */
#ifndef DORF_API_JOBS_H
#define DORF_API_JOBS_H

#include <jansson.h>

#include "api_internal.h"
#include "dorf/api.h"

#define API_JOB_ID_SIZE 33 /* 32 hex digits and the NUL */
#define API_JOBS_WORKERS 2 /* worker threads */
#define API_JOBS_QUEUED 64 /* jobs waiting at most; more are refused (503 "busy") */
#define API_JOBS_KEEP 256  /* finished jobs kept for their owners to fetch */

typedef struct api_jobs api_jobs;

/*
 * The work of a job. Runs on a worker thread with its own `store` and `ctx`; `arg` is what
 * was submitted. On success returns DORF_OK and *result (a new reference, may be NULL for
 * "no result"); on failure returns the status with the message in `ctx`, and the job's
 * result becomes {"error": {"code": "job_failed", "message": ...}}.
 */
typedef dorf_status (*api_job_fn)(void *arg, dorf_store *store, dorf_ctx *ctx, json_t **result);

/* Opens `workers` store connections on `db` and starts the worker threads. */
dorf_status api_jobs_start(dorf_ctx *ctx, const char *db, unsigned workers, api_jobs **out);

/* Runs every queued job to its end, stops the workers, closes their stores. Accepts NULL. */
void api_jobs_stop(api_jobs *jobs);

/* The server's jobs (server.c). */
api_jobs *api_server_jobs(api_server *server);

/* The server's options as started (the defaults filled in) and its database's path. */
const dorf_server_options *api_server_options(const api_server *server);
const char *api_server_db(const api_server *server);

/* The endpoints' view of a running server (server.c), for tests that call handlers directly. */
struct dorf_server;
api_server *api_server_of(struct dorf_server *server);

/*
 * Queues `fn(arg)` for the caller of `req` (its user, or nobody when it has no session) and
 * writes the new id to job_id. `arg` passes to the job either way: `free_arg(arg)` (when not
 * NULL) is called after the job has run, or at once when it cannot be queued. Errors:
 * DORF_ECONFLICT (queue full, or the server is stopping), DORF_ENOMEM; the message is in
 * req->ctx.
 */
dorf_status api_job_submit(const api_request *req, api_job_fn fn, void *arg,
                           void (*free_arg)(void *), char job_id[API_JOB_ID_SIZE]);

/* Answers 202 with Location /api/jobs/{id} and the body {"id", "state": "queued", "href"}. */
void api_job_accepted(api_response *res, const char *job_id);

/* Answers a failed api_job_submit: 503 "busy" or 500 "internal". */
void api_job_refused(api_response *res, dorf_status status);

#endif
