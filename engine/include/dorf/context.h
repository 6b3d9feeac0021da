/*
 * dorf/context.h: the context object passed to every dorf call that can fail or report.
 *
 * A dorf_ctx carries what would otherwise be global state: the message of the last error,
 * the log threshold and sink, a progress sink for long work and an interrupt flag that a
 * signal handler may set. One context belongs to one thread at a time (as PROJ's PJ_CONTEXT);
 * threads working in parallel each take their own.
 */
#ifndef DORF_CONTEXT_H
#define DORF_CONTEXT_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "dorf/error.h"

typedef struct dorf_ctx dorf_ctx;

typedef enum dorf_log_level {
    DORF_LOG_DEBUG = 0,
    DORF_LOG_INFO,
    DORF_LOG_WARN,
    DORF_LOG_ERROR,
    DORF_LOG_QUIET
} dorf_log_level;

/* Receives one log line (without trailing newline). */
typedef void (*dorf_log_fn)(void *user, dorf_log_level level, const char *line);

/*
 * Receives progress of long work: `phase` names the step ("reading ways"), `done` counts
 * units finished so far and `total` is the expected count, or 0 when unknown. Called often;
 * the sink decides how often to draw.
 */
typedef void (*dorf_progress_fn)(void *user, const char *phase, uint64_t done, uint64_t total);

/* A new context: no error, log level WARN to stderr, no progress sink. NULL when out of memory. */
dorf_ctx *dorf_ctx_new(void);

/* Frees a context. Accepts NULL. */
void dorf_ctx_free(dorf_ctx *ctx);

/*
 * Records a failure: formats the message (printf-style) into the context, replacing the
 * previous one, and returns `status` so that callers can write `return dorf_fail(ctx, ...)`.
 * Messages say what went wrong, where, and what to do about it.
 */
dorf_status dorf_fail(dorf_ctx *ctx, dorf_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like dorf_fail, but prefixes the current message with `fmt`: "importing x.osm: <old>". */
dorf_status dorf_fail_prefix(dorf_ctx *ctx, dorf_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The message of the last recorded failure, or "" if none. Owned by the context. */
const char *dorf_ctx_errmsg(const dorf_ctx *ctx);

/* The status of the last recorded failure, DORF_OK if none. */
dorf_status dorf_ctx_status(const dorf_ctx *ctx);

/* Forgets the last failure. */
void dorf_ctx_clear_error(dorf_ctx *ctx);

/* Sets where log lines go (NULL `fn`: stderr) and the lowest level that is written. */
void dorf_ctx_set_log(dorf_ctx *ctx, dorf_log_level threshold, dorf_log_fn fn, void *user);

/* Writes one log line at `level` if it passes the threshold. */
void dorf_log(dorf_ctx *ctx, dorf_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the progress sink (NULL: none). */
void dorf_ctx_set_progress(dorf_ctx *ctx, dorf_progress_fn fn, void *user);

/* Reports progress to the sink, if one is set. */
void dorf_progress(dorf_ctx *ctx, const char *phase, uint64_t done, uint64_t total);

/*
 * Points the context at a flag that a signal handler sets to ask running work to stop.
 * Long operations poll it and return DORF_EINTR, leaving stored data as it was. NULL clears.
 */
void dorf_ctx_set_interrupt_flag(dorf_ctx *ctx, const volatile sig_atomic_t *flag);

/* True when the interrupt flag is set. */
bool dorf_ctx_interrupted(const dorf_ctx *ctx);

#endif
