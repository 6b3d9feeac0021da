/*
 * dorf/opening_hours.h: OpenStreetMap `opening_hours` values, parsed and evaluated.
 *
 * Understands the syntax used in practice (https://wiki.openstreetmap.org/wiki/Key:opening_hours
 * /specification): weekday ranges and lists ("Mo-Fr", "Mo,We,Fr"), several time spans
 * ("08:00-12:00,14:00-18:00"), spans past midnight ("22:00-02:00"), "off"/"closed", "24/7",
 * month and date ranges ("Jan-Mar", "Dec 24-Dec 26", "Dec 24"), public holidays ("PH"),
 * rule separators ";" (later rules override earlier ones on the days they name), "," between
 * rules (additional rules) and "||" (fallback rules), quoted comments, and open ends
 * ("18:00+", counted as open until midnight). A value outside
 * that grammar is refused with a message that says where it stops making sense; callers
 * count and report such values, they never drop them silently.
 *
 * Times are local civil times of the region; the caller converts from UTC.
 */
#ifndef DORF_OPENING_HOURS_H
#define DORF_OPENING_HOURS_H

#include <stdbool.h>
#include <stdint.h>

#include "dorf/context.h"

typedef struct dorf_opening_hours dorf_opening_hours;

/* A local date and time of day. */
typedef struct dorf_local_time {
    int year;   /* e.g. 2026 */
    int month;  /* 1..12 */
    int day;    /* 1..31 */
    int minute; /* minutes since midnight, 0..1439 */
} dorf_local_time;

/*
 * Parses `text` (NUL-terminated, UTF-8). On success *out holds a new schedule the caller
 * frees with dorf_opening_hours_free(). On failure returns DORF_EPARSE with a message in
 * `ctx` naming the character position and what was expected there, or DORF_ENOMEM.
 */
dorf_status dorf_opening_hours_parse(dorf_ctx *ctx, const char *text, dorf_opening_hours **out);

/* Frees a schedule. Accepts NULL. */
void dorf_opening_hours_free(dorf_opening_hours *oh);

/*
 * True when the place is open at `t`. `holiday_region` selects the public-holiday calendar
 * used for "PH": an ISO 3166-2 subdivision such as "DE-BY", or "DE" or NULL for the holidays
 * common to all of Germany.
 */
bool dorf_opening_hours_is_open(const dorf_opening_hours *oh, const char *holiday_region,
                                dorf_local_time t);

/*
 * The first minute after `t` (strictly later) at which the open/closed state differs from the
 * state at `t`, searched up to 366 days ahead. Writes it to *next and whether the place opens
 * (true) or closes (false) then to *opens. Returns DORF_ENOTFOUND if the state never changes
 * in that horizon (e.g. "24/7" or "off").
 */
dorf_status dorf_opening_hours_next_change(const dorf_opening_hours *oh, const char *holiday_region,
                                           dorf_local_time t, dorf_local_time *next, bool *opens);

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and the date of a day count (calendar.c,
 * after H. Hinnant). Exact for any input; month and day are not range-checked.
 */
int64_t dorf_days_from_civil(int64_t year, int month, int day);
void dorf_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Days in `month` (1 to 12) of `year`, proleptic Gregorian; 0 for another month. */
int dorf_days_in_month(int64_t year, int month);

/* Day of the week of a date: 0 = Monday ... 6 = Sunday (ISO 8601 order, as OSM's Mo..Su). */
int dorf_weekday(int year, int month, int day);

/* True when the date is a public holiday in `holiday_region` (see dorf_opening_hours_is_open). */
bool dorf_is_public_holiday(const char *holiday_region, int year, int month, int day);

#endif
