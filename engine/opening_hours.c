/*
 * opening_hours.c: answers "is it open at t?" and "when does that change?" for a parsed
 * opening_hours value (opening_hours_parse.c reads it).
 *
 * Evaluation follows the precedence of the OSM specification
 * (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification): rules apply in order;
 * a normal rule (the first, or after ";") that selects a day and opens replaces what earlier
 * rules said about that day; an additional rule (after ",") only adds or removes its own spans;
 * a fallback rule (after "||") applies only to days that no earlier rule selected; "off" and
 * "closed" remove their spans, or the whole day when they have none; "unknown" is not open; a
 * bare comment changes nothing. A span past midnight belongs to the day it starts on and is not
 * cut short by the next day's rules. A day is evaluated into a bitset of minutes (the day and the
 * night it spills into), written span by span and searched a 64-minute word at a time, so
 * next_change never steps minute by minute. Dates are proleptic Gregorian day counts
 * (calendar.c).
 */
#include <stdint.h>
#include <string.h>

#include "opening_hours_internal.h"

#define MIN_PER_DAY DORF_OH_MIN_PER_DAY
#define HORIZON_DAYS 366
/* Own schedule of a day: 2880 minutes, the day itself and the night after it. */
#define OWN_WORDS 45
/* The state of one calendar day: 1440 minutes in 22.5 words. */
#define DAY_WORDS 23

static long days_from_civil(int year, int month, int day) {
    return (long)dorf_days_from_civil(year, month, day);
}

static void civil_from_days(long days, int *year, int *month, int *day) {
    int64_t y;
    dorf_civil_from_days(days, &y, month, day);
    *year = (int)y;
}

static int weekday_from_days(long days) {
    /* 1970-01-01 was a Thursday, day 3 counting from Monday. */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int dorf_weekday(int year, int month, int day) {
    return weekday_from_days(days_from_civil(year, month, day));
}

struct day {
    int year;
    int month;
    int day;
    int weekday;
    int month_len;
    bool holiday;
};

static void load_day(const dorf_opening_hours *oh, const char *region, long days, struct day *d) {
    civil_from_days(days, &d->year, &d->month, &d->day);
    d->weekday = weekday_from_days(days);
    d->month_len = dorf_days_in_month(d->year, d->month);
    d->holiday = oh->uses_holidays && dorf_is_public_holiday(region, d->year, d->month, d->day);
}

static bool dates_match(const dorf_opening_hours *oh, const struct oh_rule *r,
                        const struct day *d) {
    if (r->n_dates == 0) {
        return true;
    }
    int key = d->month * 32 + d->day;
    for (uint32_t i = 0; i < r->n_dates; i++) {
        const struct oh_date_range *dr = &oh->dates[r->first_date + i];
        int from = dr->from_month * 32 + (dr->from_day ? dr->from_day : 1);
        int to = dr->to_month * 32 + (dr->to_day ? dr->to_day : 31);
        if (from <= to ? (key >= from && key <= to) : (key >= from || key <= to)) {
            return true;
        }
    }
    return false;
}

static bool rule_selects(const dorf_opening_hours *oh, const struct oh_rule *r,
                         const struct day *d) {
    if (!dates_match(oh, r, d)) {
        return false;
    }
    if (!r->has_days || (r->holidays && d->holiday)) {
        return true;
    }
    unsigned bits = r->weekday[d->weekday];
    int nth = (d->day - 1) / 7 + 1;
    int nth_last = (d->month_len - d->day) / 7 + 1;
    return (bits & (OH_NTH_EVERY | OH_NTH_FIRST(nth) | OH_NTH_LAST(nth_last))) != 0;
}

/* Sets (open) or clears minutes [from, to) of a bitset, a word at a time. */
static void mark(uint64_t *bits, int from, int to, bool open) {
    while (from < to) {
        int bit = from % 64;
        int n = 64 - bit < to - from ? 64 - bit : to - from;
        uint64_t mask = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << bit;
        if (open) {
            bits[from / 64] |= mask;
        } else {
            bits[from / 64] &= ~mask;
        }
        from += n;
    }
}

/* The minutes a day's own rules open, from its midnight into the following night. */
static void own_schedule(const dorf_opening_hours *oh, const struct day *d,
                         uint64_t own[OWN_WORDS]) {
    memset(own, 0, OWN_WORDS * sizeof own[0]);
    bool selected = false;
    for (size_t i = 0; i < oh->n_rules; i++) {
        const struct oh_rule *r = &oh->rules[i];
        if (r->comment_only || (r->kind == OH_RULE_FALLBACK && selected) ||
            !rule_selects(oh, r, d)) {
            continue;
        }
        selected = true;
        bool replaces = r->kind != OH_RULE_ADDITIONAL;
        if (r->state == OH_STATE_OPEN) {
            if (replaces) {
                memset(own, 0, OWN_WORDS * sizeof own[0]);
            }
            if (r->n_spans == 0) {
                mark(own, 0, MIN_PER_DAY, true);
            }
        } else if (r->n_spans == 0 || (replaces && r->state == OH_STATE_UNKNOWN)) {
            /* "We off" closes the whole day; "We unknown" leaves nothing of it known open. */
            memset(own, 0, OWN_WORDS * sizeof own[0]);
            continue;
        }
        for (uint32_t k = 0; k < r->n_spans; k++) {
            const struct oh_span *sp = &oh->spans[r->first_span + k];
            mark(own, sp->start_min, sp->end_min, r->state == OH_STATE_OPEN);
        }
    }
}

/* A calendar day's state: its own first 1440 minutes, or'ed with the night before. */
static void day_state(const uint64_t prev[OWN_WORDS], const uint64_t own[OWN_WORDS],
                      uint64_t state[DAY_WORDS]) {
    for (int i = 0; i < DAY_WORDS; i++) {
        /* Minute 1440 of the previous day is bit 32 of its word 22. */
        uint64_t spill = prev[22 + i] >> 32;
        if (23 + i < OWN_WORDS) {
            spill |= prev[23 + i] << 32;
        }
        state[i] = own[i] | spill;
    }
    state[DAY_WORDS - 1] &= ((uint64_t)1 << 32) - 1;
}

static bool bit_at(const uint64_t *bits, int minute) {
    return (bits[minute / 64] >> (minute % 64)) & 1;
}

/* The first minute >= from whose state differs from `open`, or -1. */
static int find_change(const uint64_t state[DAY_WORDS], int from, bool open) {
    for (int i = from / 64; i < DAY_WORDS && from < MIN_PER_DAY; i++) {
        uint64_t w = open ? ~state[i] : state[i];
        if (i == from / 64) {
            w &= ~(uint64_t)0 << (from % 64);
        }
        if (i == DAY_WORDS - 1) {
            w &= ((uint64_t)1 << 32) - 1;
        }
        if (w) {
            return i * 64 + __builtin_ctzll(w);
        }
    }
    return -1;
}

static bool valid_time(dorf_local_time t) {
    return t.year >= 1 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
           t.day <= dorf_days_in_month(t.year, t.month) && t.minute >= 0 && t.minute < MIN_PER_DAY;
}

/* Evaluates day `days`, given the previous day's own schedule: its own schedule and its state. */
static void step_day(const dorf_opening_hours *oh, const char *region, long days,
                     const uint64_t prev[OWN_WORDS], uint64_t own[OWN_WORDS],
                     uint64_t state[DAY_WORDS], struct day *d) {
    load_day(oh, region, days, d);
    own_schedule(oh, d, own);
    day_state(prev, own, state);
}

/* Evaluates day `days` from scratch: the night before it comes from the day before. */
static void first_day(const dorf_opening_hours *oh, const char *region, long days,
                      uint64_t own[OWN_WORDS], uint64_t state[DAY_WORDS], struct day *d) {
    uint64_t prev[OWN_WORDS];
    load_day(oh, region, days - 1, d);
    own_schedule(oh, d, prev);
    step_day(oh, region, days, prev, own, state, d);
}

bool dorf_opening_hours_is_open(const dorf_opening_hours *oh, const char *holiday_region,
                                dorf_local_time t) {
    if (!oh || !valid_time(t)) {
        return false;
    }
    struct day d;
    uint64_t own[OWN_WORDS];
    uint64_t state[DAY_WORDS];
    first_day(oh, holiday_region, days_from_civil(t.year, t.month, t.day), own, state, &d);
    return bit_at(state, t.minute);
}

dorf_status dorf_opening_hours_next_change(const dorf_opening_hours *oh, const char *holiday_region,
                                           dorf_local_time t, dorf_local_time *next, bool *opens) {
    if (!oh || !next || !opens || !valid_time(t)) {
        return DORF_EINVAL;
    }
    long days = days_from_civil(t.year, t.month, t.day);
    struct day d;
    uint64_t prev[OWN_WORDS];
    uint64_t own[OWN_WORDS];
    uint64_t state[DAY_WORDS];
    first_day(oh, holiday_region, days, own, state, &d);
    bool open = bit_at(state, t.minute);
    int from = t.minute + 1;
    for (int k = 0; k <= HORIZON_DAYS; k++) {
        if (k > 0) {
            memcpy(prev, own, sizeof prev);
            step_day(oh, holiday_region, days + k, prev, own, state, &d);
            from = 0;
        }
        int minute = find_change(state, from, open);
        if (minute >= 0) {
            next->year = d.year;
            next->month = d.month;
            next->day = d.day;
            next->minute = minute;
            *opens = !open;
            return DORF_OK;
        }
    }
    return DORF_ENOTFOUND;
}
