/*
 * coverage_time.c: reading "Tue 10:00" or "2026-12-01 10:00" (dorf_coverage_parse_time).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dorf/coverage.h"

/* "HH:MM" exactly (H may be one digit) into minutes; -1 otherwise. */
static int parse_clock(const char *s) {
    int n = 0, h = 0, m = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' || !isdigit((unsigned char)*s) ||
        strlen(s) < 4 || s[strlen(s) - 3] != ':' || h < 0 || h > 23 || m < 0 || m > 59) {
        return -1;
    }
    return h * 60 + m;
}

/* 0 = Monday ... 6 = Sunday for a weekday word; -1 when it is none. */
static int parse_weekday(const char *s, size_t len) {
    static const char *const names[7][4] = {
        {"mo", "mon", "monday", NULL},    {"tu", "tue", "tuesday", "tues"},
        {"we", "wed", "wednesday", NULL}, {"th", "thu", "thursday", "thurs"},
        {"fr", "fri", "friday", NULL},    {"sa", "sat", "saturday", NULL},
        {"su", "sun", "sunday", NULL},
    };
    for (int d = 0; d < 7; d++) {
        for (int k = 0; k < 4 && names[d][k]; k++) {
            if (strlen(names[d][k]) == len && strncasecmp(s, names[d][k], len) == 0) {
                return d;
            }
        }
    }
    return -1;
}

dorf_status dorf_coverage_parse_time(dorf_ctx *ctx, const char *text, dorf_local_time today,
                                     dorf_local_time *out) {
    static const char expected[] =
        "expected a weekday and a time such as \"Tue 10:00\", or a date and time such as "
        "\"2026-12-01 10:00\"";
    if (!text || strlen(text) > 64) {
        return dorf_fail(ctx, DORF_EINVAL, "time '%.64s': %s", text ? text : "", expected);
    }
    int y, mo, d, n = 0;
    char sep;
    if (sscanf(text, "%4d-%2d-%2d%c%n", &y, &mo, &d, &sep, &n) == 4 && n == 11 &&
        (sep == ' ' || sep == 'T')) {
        int minute = parse_clock(text + n);
        if (minute < 0 || y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 ||
            d > dorf_days_in_month(y, mo)) {
            return dorf_fail(ctx, DORF_EINVAL, "time '%s': not a valid date and time; %s", text,
                             expected);
        }
        *out = (dorf_local_time){y, mo, d, minute};
        return DORF_OK;
    }
    const char *space = strchr(text, ' ');
    int weekday = space ? parse_weekday(text, (size_t)(space - text)) : -1;
    int minute = space ? parse_clock(space + 1) : -1;
    if (weekday < 0 || minute < 0) {
        return dorf_fail(ctx, DORF_EINVAL, "time '%s': %s", text, expected);
    }
    if (today.month < 1 || today.month > 12 || today.day < 1 ||
        today.day > dorf_days_in_month(today.year, today.month)) {
        return dorf_fail(ctx, DORF_EINVAL, "today's date is not valid");
    }
    int64_t days = dorf_days_from_civil(today.year, today.month, today.day);
    int today_weekday = dorf_weekday(today.year, today.month, today.day);
    days += (weekday - today_weekday + 7) % 7;
    int64_t year;
    dorf_civil_from_days(days, &year, &out->month, &out->day);
    out->year = (int)year;
    out->minute = minute;
    return DORF_OK;
}
