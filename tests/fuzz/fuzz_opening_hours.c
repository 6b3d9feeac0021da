/*
 * fuzz_opening_hours.c: libFuzzer target for the opening_hours parser and evaluator.
 *
 * The input, NUL-terminated, is parsed. A refused value must come back as DORF_EPARSE with a
 * message naming the position. A parsed value is evaluated at a few times and in a few holiday
 * regions derived from the input, and the answers must agree with each other: next_change
 * reports the opposite of the current state, the state at the change is the reported one, and
 * the minute before it still has the state of the start. Any disagreement aborts, so the fuzzer
 * reports it like a crash. Also throws the input's bytes at dorf_weekday() and
 * dorf_is_public_holiday() as raw integers. Build with clang -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/context.h"
#include "dorf/opening_hours.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int month_len(int year, int month) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return len[month - 1] + (month == 2 && leap);
}

static dorf_local_time minute_before(dorf_local_time t) {
    if (t.minute > 0) {
        t.minute--;
        return t;
    }
    t.minute = 1439;
    if (--t.day == 0) {
        if (--t.month == 0) {
            t.month = 12;
            t.year--;
        }
        t.day = month_len(t.year, t.month);
    }
    return t;
}

static bool same_time(dorf_local_time a, dorf_local_time b) {
    return a.year == b.year && a.month == b.month && a.day == b.day && a.minute == b.minute;
}

/* FNV-1a: spreads every input byte over the derived times. */
static uint64_t hash(const uint8_t *data, size_t size) {
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < size; i++) {
        h = (h ^ data[i]) * 1099511628211u;
    }
    return h;
}

static void check_evaluation(const dorf_opening_hours *oh, uint64_t h) {
    static const char *const regions[] = {NULL, "DE", "DE-BY", "DE-SN", "de-be", "DE-BB", "XX"};
    for (int i = 0; i < 4; i++) {
        const char *region = regions[h % 7];
        dorf_local_time t;
        t.year = 2020 + (int)((h >> 3) % 12);
        t.month = 1 + (int)((h >> 7) % 12);
        t.day = 1 + (int)((h >> 11) % (uint64_t)month_len(t.year, t.month));
        t.minute = (int)((h >> 16) % 1440);
        h = h * 6364136223846793005u + 1442695040888963407u;

        bool open = dorf_opening_hours_is_open(oh, region, t);
        dorf_local_time next;
        bool opens;
        dorf_status st = dorf_opening_hours_next_change(oh, region, t, &next, &opens);
        if (st == DORF_ENOTFOUND) {
            continue;
        }
        if (st != DORF_OK || opens == open ||
            dorf_opening_hours_is_open(oh, region, next) != opens) {
            abort();
        }
        dorf_local_time before = minute_before(next);
        if (!same_time(before, t) && dorf_opening_hours_is_open(oh, region, before) != open) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = dorf_malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    uint64_t h = hash(data, size);

    (void)dorf_weekday((int)(uint32_t)h, (int)(uint32_t)(h >> 32), (int)(int16_t)(h >> 16));
    (void)dorf_is_public_holiday((h & 1) ? "DE-SN" : NULL, (int)(h % 12000) - 1000,
                                 (int)((h >> 20) % 15) - 1, (int)((h >> 30) % 34) - 1);

    dorf_ctx *ctx = dorf_ctx_new();
    if (!ctx) {
        dorf_free(text);
        return 0;
    }
    dorf_opening_hours *oh = NULL;
    dorf_status st = dorf_opening_hours_parse(ctx, text, &oh);
    if (st == DORF_OK) {
        if (!oh) {
            abort();
        }
        check_evaluation(oh, h);
    } else if (st != DORF_EPARSE || oh || !strstr(dorf_ctx_errmsg(ctx), ": at character ")) {
        abort();
    }
    dorf_opening_hours_free(oh);
    dorf_ctx_free(ctx);
    dorf_free(text);
    return 0;
}
