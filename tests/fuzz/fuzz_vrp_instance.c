/*
 * fuzz_vrp_instance.c: libFuzzer target for the benchmark instance reader
 * (routing/vrp_read.c), Li & Lim and Solomon formats. Beyond "no crash, no read past the
 * buffer" (the input is not NUL-terminated): a refusal is DORF_EPARSE or DORF_ENOMEM, and a
 * parse error names a line ("fuzz.txt:<line>: ..."), so that nothing reaches the final
 * consistency check that the reader's own checks should have caught; an accepted instance has
 * tasks, a symmetric matrix with a zero diagonal, and every task id equal to its location.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/vrp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_instance(const dorf_vrp_instance *inst) {
    const dorf_vrp_problem *p = &inst->problem;
    size_t n = p->location_count;
    if (n < 2 || p->task_count != n - 1 || p->request_count == 0 || p->vehicle_count == 0 ||
        p->profile_count != 1) {
        abort();
    }
    for (size_t a = 0; a < n; a++) {
        if (p->travel[0][a * n + a] != 0) {
            abort();
        }
        for (size_t b = 0; b < a; b++) {
            double t = p->travel[0][a * n + b];
            if (!(t >= 0) || t != p->travel[0][b * n + a] || isinf(t)) {
                abort();
            }
        }
    }
    for (size_t t = 0; t < p->task_count; t++) {
        if (p->tasks[t].id != t + 1 || p->tasks[t].location != t + 1) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dorf_ctx *ctx = dorf_ctx_new();
    if (!ctx) {
        return 0;
    }
    /* An exact-size copy, so that ASan catches any read beyond `size`. */
    char *text = malloc(size ? size : 1);
    if (text) {
        memcpy(text, data, size);
        dorf_vrp_instance *inst = NULL;
        dorf_status st = dorf_vrp_read_buffer(ctx, "fuzz.txt", text, size, &inst);
        if (st == DORF_OK) {
            check_instance(inst);
        } else if (inst != NULL || (st != DORF_EPARSE && st != DORF_ENOMEM)) {
            abort();
        } else if (st == DORF_EPARSE) {
            const char *msg = dorf_ctx_errmsg(ctx);
            if (strncmp(msg, "fuzz.txt:", 9) != 0 || msg[9] < '1' || msg[9] > '9') {
                abort();
            }
        }
        dorf_vrp_instance_free(inst);
        free(text);
    }
    dorf_ctx_free(ctx);
    return 0;
}
