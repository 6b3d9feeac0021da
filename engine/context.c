/*
 * context.c: the dorf_ctx object: last error message, logging, progress and interruption.
 */
#include "dorf/context.h"

#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"

#define DORF_ERRMSG_MAX 1024

struct dorf_ctx {
    dorf_status status;
    char errmsg[DORF_ERRMSG_MAX];
    dorf_log_level log_threshold;
    dorf_log_fn log_fn;
    void *log_user;
    dorf_progress_fn progress_fn;
    void *progress_user;
    const volatile sig_atomic_t *interrupt_flag;
};

dorf_ctx *dorf_ctx_new(void) {
    dorf_ctx *ctx = dorf_calloc(1, sizeof *ctx);
    if (ctx) {
        ctx->log_threshold = DORF_LOG_WARN;
    }
    return ctx;
}

void dorf_ctx_free(dorf_ctx *ctx) {
    dorf_free(ctx);
}

static void set_message(dorf_ctx *ctx, dorf_status status, const char *fmt, va_list ap) {
    char buf[DORF_ERRMSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    ctx->status = status;
    memcpy(ctx->errmsg, buf, sizeof buf);
}

dorf_status dorf_fail(dorf_ctx *ctx, dorf_status status, const char *fmt, ...) {
    if (!ctx) {
        return status;
    }
    va_list ap;
    va_start(ap, fmt);
    set_message(ctx, status, fmt, ap);
    va_end(ap);
    return status;
}

dorf_status dorf_fail_prefix(dorf_ctx *ctx, dorf_status status, const char *fmt, ...) {
    if (!ctx) {
        return status;
    }
    char prefix[DORF_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[DORF_ERRMSG_MAX];
    memcpy(old, ctx->errmsg, sizeof old);
    const char *detail = old[0] ? old : dorf_strerror(status);
    /* A message too long for the buffer is cut; the start (the outermost context) stays. */
    if (snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s: %s", prefix, detail) < 0) {
        ctx->errmsg[0] = '\0';
    }
    ctx->status = status;
    return status;
}

const char *dorf_ctx_errmsg(const dorf_ctx *ctx) {
    return ctx ? ctx->errmsg : "";
}

dorf_status dorf_ctx_status(const dorf_ctx *ctx) {
    return ctx ? ctx->status : DORF_OK;
}

void dorf_ctx_clear_error(dorf_ctx *ctx) {
    ctx->status = DORF_OK;
    ctx->errmsg[0] = '\0';
}

void dorf_ctx_set_log(dorf_ctx *ctx, dorf_log_level threshold, dorf_log_fn fn, void *user) {
    ctx->log_threshold = threshold;
    ctx->log_fn = fn;
    ctx->log_user = user;
}

void dorf_log(dorf_ctx *ctx, dorf_log_level level, const char *fmt, ...) {
    if (!ctx || level < ctx->log_threshold || level >= DORF_LOG_QUIET) {
        return;
    }
    char line[DORF_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (ctx->log_fn) {
        ctx->log_fn(ctx->log_user, level, line);
        return;
    }
    static const char *const names[] = {"debug", "info", "warning", "error"};
    fprintf(stderr, "dorf: %s: %s\n", names[level], line);
}

void dorf_ctx_set_progress(dorf_ctx *ctx, dorf_progress_fn fn, void *user) {
    ctx->progress_fn = fn;
    ctx->progress_user = user;
}

void dorf_progress(dorf_ctx *ctx, const char *phase, uint64_t done, uint64_t total) {
    if (ctx && ctx->progress_fn) {
        ctx->progress_fn(ctx->progress_user, phase, done, total);
    }
}

void dorf_ctx_set_interrupt_flag(dorf_ctx *ctx, const volatile sig_atomic_t *flag) {
    ctx->interrupt_flag = flag;
}

bool dorf_ctx_interrupted(const dorf_ctx *ctx) {
    return ctx && ctx->interrupt_flag && *ctx->interrupt_flag;
}
