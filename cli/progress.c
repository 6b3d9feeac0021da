/*
 * progress.c: the progress line `dorf` draws on a terminal during long work.
 *
 * The state is the terminal's: one progress line per process, so it lives in this file
 * rather than in a context.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct progress_line {
    struct timespec last;
    char phase[64];
    int drawn;
};

static struct progress_line line;

static double since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void draw(void *user, const char *phase, uint64_t done, uint64_t total) {
    (void)user;
    int new_phase = strcmp(phase, line.phase) != 0;
    if (!new_phase && since(&line.last) < 0.1 && (total == 0 || done < total)) {
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &line.last);
    snprintf(line.phase, sizeof line.phase, "%s", phase);
    if (total > 0) {
        fprintf(stderr, "\r\033[K%s: %llu of %llu (%.0f%%)", phase, (unsigned long long)done,
                (unsigned long long)total, 100.0 * (double)done / (double)total);
    } else {
        fprintf(stderr, "\r\033[K%s: %llu", phase, (unsigned long long)done);
    }
    fflush(stderr);
    line.drawn = 1;
}

void cli_progress_attach(dorf_ctx *ctx) {
    if (isatty(STDERR_FILENO)) {
        dorf_ctx_set_progress(ctx, draw, NULL);
    }
}

void cli_progress_done(void) {
    if (line.drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
        line.drawn = 0;
        line.phase[0] = '\0';
    }
}
