/*
 * fuzz_coverage_time.c: libFuzzer target for the coverage time parser ("Tue 10:00",
 * "2026-12-01 10:00"; dorf_coverage_parse_time).
 *
 * The input, NUL-terminated, is parsed against a "today" taken from its first bytes. A refused
 * input must come back as DORF_EINVAL with a message; an accepted one must be a real date and
 * minute, and a weekday form must land on that weekday within the coming week. Any violation
 * aborts, so the fuzzer reports it like a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/coverage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_date(const dorf_local_time *t) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (t->month < 1 || t->month > 12 || t->day < 1) {
        return 0;
    }
    int leap = (t->year % 4 == 0 && t->year % 100 != 0) || t->year % 400 == 0;
    return t->day <= len[t->month - 1] + (t->month == 2 && leap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    /* A "today" between 2000-01-01 and 2099-12-28 from the first bytes. */
    dorf_local_time today = {2000 + (size > 0 ? data[0] % 100 : 0),
                             1 + (size > 1 ? data[1] % 12 : 0), 1 + (size > 2 ? data[2] % 28 : 0),
                             0};
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_local_time t;
    dorf_status st = ctx ? dorf_coverage_parse_time(ctx, text, today, &t) : DORF_ENOMEM;
    if (st == DORF_OK) {
        if (!valid_date(&t) || t.minute < 0 || t.minute > 1439) {
            abort();
        }
        if (strchr(text, '-') == NULL) {
            /* A weekday form: at most six days ahead of today. */
            long diff = (long)(t.year - today.year) * 372 + (t.month - today.month) * 31 +
                        (t.day - today.day);
            if (diff < 0 ||
                (t.year == today.year && t.month == today.month && t.day - today.day > 6)) {
                abort();
            }
        }
    } else if (st == DORF_EINVAL) {
        if (!*dorf_ctx_errmsg(ctx)) {
            abort();
        }
    } else if (st != DORF_ENOMEM) {
        abort();
    }
    dorf_ctx_free(ctx);
    free(text);
    return 0;
}
