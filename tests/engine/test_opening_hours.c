/*
 * test_opening_hours.c: tests of engine/opening_hours_parse.c and engine/opening_hours.c.
 *
 * Every expectation is an exact answer on a real date. The week used most is 23..29 November
 * 2026 (Monday..Sunday; 27 November 2026 is a Friday); Easter 2026 is 5 April, so Good Friday
 * is 3 April and Easter Monday 6 April. Values marked "OSM" are as mapped in Germany.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/context.h"
#include "dorf/opening_hours.h"

/* U+2013, which word processors put in place of "-". */
#define EN_DASH "\xE2\x80\x93"
/* U+00A0, which comes along when values are copied from web pages. */
#define NO_BREAK_SPACE "\xC2\xA0"

static dorf_local_time at(int year, int month, int day, int hour, int minute) {
    dorf_local_time t = {year, month, day, hour * 60 + minute};
    return t;
}

/* Parses `value` and returns its state at the given time: 1 open, 0 closed, -1 not parsed. */
static int state(const char *value, const char *region, int year, int month, int day, int hour,
                 int minute) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_opening_hours *oh = NULL;
    int result = -1;
    if (dorf_opening_hours_parse(ctx, value, &oh) == DORF_OK) {
        result = dorf_opening_hours_is_open(oh, region, at(year, month, day, hour, minute));
    } else {
        fprintf(stderr, "  unexpected parse error: %s\n", dorf_ctx_errmsg(ctx));
    }
    dorf_opening_hours_free(oh);
    dorf_ctx_free(ctx);
    return result;
}

static int open_at(const char *value, int year, int month, int day, int hour, int minute) {
    return state(value, NULL, year, month, day, hour, minute);
}

/* The next change after the given time as "2026-11-27 18:00 closes", or "none". */
static const char *next_change(const char *value, const char *region, int year, int month, int day,
                               int hour, int minute) {
    static char buf[128];
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_opening_hours *oh = NULL;
    if (dorf_opening_hours_parse(ctx, value, &oh) != DORF_OK) {
        snprintf(buf, sizeof buf, "parse error: %s", dorf_ctx_errmsg(ctx));
    } else {
        dorf_local_time next = {0, 0, 0, 0};
        bool opens = false;
        dorf_status st = dorf_opening_hours_next_change(
            oh, region, at(year, month, day, hour, minute), &next, &opens);
        if (st == DORF_ENOTFOUND) {
            snprintf(buf, sizeof buf, "none");
        } else if (st != DORF_OK) {
            snprintf(buf, sizeof buf, "status %d", (int)st);
        } else {
            snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d %s", next.year, next.month,
                     next.day, next.minute / 60, next.minute % 60, opens ? "opens" : "closes");
        }
    }
    dorf_opening_hours_free(oh);
    dorf_ctx_free(ctx);
    return buf;
}

/* The message of a refused value, or "(parsed)" / "(status N)" when it was not an EPARSE. */
static const char *parse_error(const char *value) {
    static char buf[1100];
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_opening_hours *oh = NULL;
    dorf_status st = dorf_opening_hours_parse(ctx, value, &oh);
    if (st == DORF_OK) {
        snprintf(buf, sizeof buf, "(parsed)");
    } else if (st != DORF_EPARSE) {
        snprintf(buf, sizeof buf, "(status %d)", (int)st);
    } else {
        snprintf(buf, sizeof buf, "%s", dorf_ctx_errmsg(ctx));
    }
    if ((st == DORF_OK) != (oh != NULL)) {
        snprintf(buf, sizeof buf, "(out set wrongly)");
    }
    dorf_opening_hours_free(oh);
    dorf_ctx_free(ctx);
    return buf;
}

/* ---- calendar ---- */

static void test_weekday_of_known_dates(void) {
    CHECK_EQ_INT(dorf_weekday(2026, 11, 27), 4); /* Friday */
    CHECK_EQ_INT(dorf_weekday(2026, 11, 23), 0); /* Monday */
    CHECK_EQ_INT(dorf_weekday(2026, 4, 5), 6);   /* Easter Sunday */
    CHECK_EQ_INT(dorf_weekday(1970, 1, 1), 3);   /* Thursday */
    CHECK_EQ_INT(dorf_weekday(2000, 1, 1), 5);   /* Saturday */
    CHECK_EQ_INT(dorf_weekday(2024, 2, 29), 3);  /* Thursday */
    CHECK_EQ_INT(dorf_weekday(1900, 3, 1), 3);   /* 1900 was not a leap year: Thursday */
}

/* ---- weekdays and times ---- */

static void test_weekday_range_is_open_inside_its_hours_only(void) {
    const char *v = "Mo-Fr 08:00-18:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 9, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 7, 59), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 8, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 17, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 18, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 8, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 10, 0), 0);
}

static void test_weekday_list_selects_only_listed_days(void) {
    const char *v = "Tu,Th 15:00-18:00"; /* OSM */
    CHECK_EQ_INT(open_at(v, 2026, 11, 24, 16, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 16, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 26, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 16, 0), 0);
    CHECK_EQ_INT(open_at("Mo,We,Fr 10:00-11:00", 2026, 11, 25, 10, 30), 1);
    CHECK_EQ_INT(open_at("Mo,We,Fr 10:00-11:00", 2026, 11, 24, 10, 30), 0);
    CHECK_EQ_INT(open_at("Mo-We,Sa 10:00-11:00", 2026, 11, 28, 10, 30), 1);
    CHECK_EQ_INT(open_at("Mo-We,Sa 10:00-11:00", 2026, 11, 26, 10, 30), 0);
}

static void test_weekday_range_wraps_over_the_weekend(void) {
    const char *v = "Sa-Mo 10:00-12:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 30, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 24, 11, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 11, 0), 0);
}

static void test_several_spans_leave_a_lunch_break(void) {
    const char *v = "Mo-Fr 07:00-12:30,14:30-18:00; Sa 07:00-12:00"; /* OSM */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 12, 29), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 12, 30), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 14, 29), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 14, 30), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 11, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 12, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 15, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 9, 0), 0);
}

static void test_span_past_midnight_is_open_next_morning(void) {
    const char *v = "Fr 22:00-02:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 21, 59), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 23, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 0, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 1, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 2, 0), 0);
    /* Thursday is not selected, so Friday morning is closed. */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 1, 0), 0);
    /* Over a month and a year end. */
    CHECK_EQ_INT(open_at("Th 22:00-02:00", 2027, 1, 1, 1, 0), 1);
    CHECK_EQ_INT(open_at("Mo 22:00-02:00", 2026, 12, 1, 1, 0), 1);
}

static void test_span_past_midnight_is_not_cut_by_the_next_days_rules(void) {
    CHECK_EQ_INT(open_at("Fr 22:00-03:00; Sa 10:00-12:00", 2026, 11, 28, 1, 0), 1);
    CHECK_EQ_INT(open_at("Fr 22:00-03:00; Sa 10:00-12:00", 2026, 11, 28, 9, 0), 0);
    CHECK_EQ_INT(open_at("Fr 22:00-03:00; Sa off", 2026, 11, 28, 1, 0), 1);
    /* But a day that is switched off has no night either. */
    CHECK_EQ_INT(open_at("Mo-Su 20:00-02:00; Fr off", 2026, 11, 28, 1, 0), 0);
    CHECK_EQ_INT(open_at("Mo-Su 20:00-02:00; Fr off", 2026, 11, 27, 1, 0), 1);
}

static void test_24_00_closes_at_midnight(void) {
    const char *v = "Mo-Su 11:30-14:00,16:30-24:00; Tu off"; /* OSM */
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 23, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 24, 0, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 24, 12, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 12, 0), 1);
    CHECK_STR(next_change(v, NULL, 2026, 11, 23, 20, 0), "2026-11-24 00:00 closes");
}

static void test_24_7_is_always_open(void) {
    CHECK_EQ_INT(open_at("24/7", 2026, 11, 27, 3, 0), 1);
    CHECK_EQ_INT(open_at("24/7", 2026, 12, 25, 0, 0), 1);
    CHECK_EQ_INT(open_at("24/7", 2028, 2, 29, 23, 59), 1);
    CHECK_STR(next_change("24/7", NULL, 2026, 11, 27, 3, 0), "none");
    CHECK_STR(next_change("Mo-Su 00:00-24:00", NULL, 2026, 11, 27, 3, 0), "none");
}

static void test_open_alone_is_always_open_and_weekdays_alone_all_day(void) {
    CHECK_EQ_INT(open_at("open", 2026, 11, 29, 4, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr", 2026, 11, 23, 0, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr open", 2026, 11, 27, 23, 59), 1);
    CHECK_EQ_INT(open_at("Mo-Fr open", 2026, 11, 28, 0, 0), 0);
    CHECK_STR(next_change("Mo-Fr", NULL, 2026, 11, 25, 12, 0), "2026-11-28 00:00 closes");
}

static void test_rule_without_weekday_applies_every_day(void) {
    CHECK_EQ_INT(open_at("08:00-12:00", 2026, 11, 29, 9, 0), 1);
    CHECK_EQ_INT(open_at("08:00-12:00", 2026, 11, 25, 9, 0), 1);
    CHECK_EQ_INT(open_at("08:00-12:00", 2026, 11, 25, 13, 0), 0);
}

static void test_off_and_closed_close_the_whole_day(void) {
    CHECK_EQ_INT(open_at("Mo-Su 09:00-22:00; We off", 2026, 11, 25, 10, 0), 0); /* OSM */
    CHECK_EQ_INT(open_at("Mo-Su 09:00-22:00; We off", 2026, 11, 26, 10, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Su 09:00-22:00; We closed", 2026, 11, 25, 10, 0), 0);
    CHECK_EQ_INT(open_at("Mo-Su off", 2026, 11, 25, 10, 0), 0); /* OSM */
    CHECK_EQ_INT(open_at("off", 2026, 11, 25, 10, 0), 0);
    CHECK_STR(next_change("off", NULL, 2026, 11, 25, 10, 0), "none");
}

static void test_off_with_times_closes_only_those_times(void) {
    const char *v = "Mo-Fr 08:00-18:00; 12:00-13:00 off";
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 11, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 12, 30), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 13, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 12, 30), 0);
}

static void test_unknown_is_not_open(void) {
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-18:00; We unknown", 2026, 11, 25, 10, 0), 0);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-18:00; We unknown", 2026, 11, 26, 10, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00 unknown", 2026, 11, 25, 10, 0), 0);
}

/* ---- precedence of ";", "," and "||" ---- */

static void test_later_normal_rule_overrides_earlier_for_its_days(void) {
    const char *v = "Mo-Fr 08:00-18:00; We 10:00-12:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 9, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 15, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 26, 9, 0), 1);
}

static void test_normal_rule_without_weekday_overrides_every_day(void) {
    /* As the specification says, though the mapper may have meant a lunch break. */
    const char *v = "Mo-Fr 08:00-12:00; 14:00-18:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 9, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 15, 0), 1);
}

static void test_additional_rule_adds_instead_of_overriding(void) {
    const char *v = "Mo-Fr 08:00-12:00, We 14:00-18:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 9, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 26, 15, 0), 0);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00; We 14:00-18:00", 2026, 11, 25, 9, 0), 0);
}

static void test_additional_off_rule_removes_only_its_span(void) {
    const char *v = "Mo-Fr 08:00-18:00, We 12:00-14:00 off";
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 13, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 26, 13, 0), 1);
}

static void test_fallback_applies_only_to_days_no_rule_selected(void) {
    const char *v = "Mo-Fr 08:00-12:00 || 14:00-16:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 9, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 15, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 9, 0), 0);
    const char *appointment = "Mo-Fr 08:00-12:00 || \"nach Vereinbarung\"";
    CHECK_EQ_INT(open_at(appointment, 2026, 11, 23, 9, 0), 1);
    CHECK_EQ_INT(open_at(appointment, 2026, 11, 28, 9, 0), 0);
}

static void test_semicolon_comma_and_fallback_combine_in_order(void) {
    const char *v = "Mo-Sa 08:00-12:00; We 14:00-16:00, Fr 16:00-18:00 || 10:00-11:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 9, 0), 0);   /* We overridden by ";" */
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 15, 0), 1);  /* the We rule */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 9, 0), 1);   /* "," adds to Friday */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 17, 0), 1);  /* the added span */
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 10, 30), 1); /* Saturday from the first rule */
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 12, 30), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 10, 30), 1); /* Sunday only from the fallback */
    CHECK_EQ_INT(open_at(v, 2026, 11, 29, 11, 30), 0);
}

/* ---- months and dates ---- */

static void test_month_ranges_select_their_season(void) {
    const char *v = "Apr-Oct Mo-Fr 08:00-18:00; Nov-Mar Mo-Fr 09:00-16:00";
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 8, 30), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 9, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 16, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 6, 5, 8, 30), 1);
    CHECK_EQ_INT(open_at(v, 2026, 6, 5, 17, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 6, 6, 10, 0), 0);
    CHECK_EQ_INT(open_at("Jan,Mar 10:00-12:00", 2026, 3, 10, 11, 0), 1);
    CHECK_EQ_INT(open_at("Jan,Mar 10:00-12:00", 2026, 2, 10, 11, 0), 0);
}

static void test_month_range_wraps_over_new_year(void) {
    const char *v = "Nov-Feb 10:00-16:00";
    CHECK_EQ_INT(open_at(v, 2026, 12, 15, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2027, 1, 15, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 2, 28, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 3, 1, 11, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 10, 31, 11, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 1, 11, 0), 1);
}

static void test_single_date_overrides_the_weekday_rule(void) {
    const char *v = "Mo-Fr 08:00-18:00; Dec 24 off";
    CHECK_EQ_INT(open_at(v, 2026, 12, 24, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 23, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2027, 12, 24, 10, 0), 0);
    CHECK_EQ_INT(open_at("Dec 24 10:00-12:00", 2026, 12, 24, 11, 0), 1);
    CHECK_EQ_INT(open_at("Dec 24 10:00-12:00", 2026, 12, 25, 11, 0), 0);
}

static void test_date_range_within_a_month(void) {
    const char *v = "Mo-Sa 08:00-18:00; Dec 24-26 off";
    CHECK_EQ_INT(open_at(v, 2026, 12, 23, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 12, 24, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 25, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 26, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 28, 10, 0), 1);
}

static void test_date_range_over_new_year(void) {
    const char *v = "Mo-Fr 08:00-18:00; Dec 24-Jan 06 off";
    CHECK_EQ_INT(open_at(v, 2026, 12, 23, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 12, 28, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 31, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2027, 1, 6, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2027, 1, 7, 10, 0), 1);
    CHECK_STR(next_change(v, NULL, 2026, 12, 23, 18, 0), "2027-01-07 08:00 opens");
}

static void test_date_lists_carry_the_month_over(void) {
    const char *v = "Mo-Su 10:00-18:00; Dec 24,Dec 31 10:00-14:00; Jan 01,Dec 25,26 off";
    CHECK_EQ_INT(open_at(v, 2026, 12, 24, 11, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 12, 24, 15, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 31, 15, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 25, 11, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 26, 11, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 12, 27, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2027, 1, 1, 11, 0), 0);
}

static void test_feb_29_matches_only_in_leap_years(void) {
    const char *v = "Mo-Su 08:00-18:00; Feb 29 off";
    CHECK_EQ_INT(open_at(v, 2028, 2, 29, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2028, 2, 28, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2027, 3, 1, 10, 0), 1);
}

/* ---- public holidays ---- */

static void test_ph_off_closes_on_good_friday_and_easter_monday(void) {
    const char *v = "Mo-Fr 08:00-18:00; Sa 08:00-13:00; PH off"; /* OSM */
    CHECK_EQ_INT(open_at(v, 2026, 4, 2, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 4, 3, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 4, 4, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 4, 6, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 4, 7, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 10, 3, 10, 0), 0); /* German Unity Day, a Saturday */
    CHECK_STR(next_change(v, NULL, 2026, 4, 2, 19, 0), "2026-04-04 08:00 opens");
    CHECK_STR(next_change(v, NULL, 2026, 4, 4, 13, 0), "2026-04-07 08:00 opens");
}

static void test_ph_listed_with_weekdays_opens_on_holidays_too(void) {
    CHECK_EQ_INT(open_at("PH,Sa 10:00-12:00", 2026, 11, 28, 11, 0), 1);
    CHECK_EQ_INT(open_at("PH,Sa 10:00-12:00", 2026, 4, 3, 11, 0), 1);
    CHECK_EQ_INT(open_at("PH,Sa 10:00-12:00", 2026, 11, 27, 11, 0), 0);
    CHECK_EQ_INT(open_at("Mo-Fr,PH 08:00-12:00", 2026, 10, 3, 9, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr,PH 08:00-12:00", 2026, 11, 28, 9, 0), 0);
    CHECK_EQ_INT(open_at("PH 10:00-12:00", 2026, 12, 25, 11, 0), 1);
    CHECK_EQ_INT(open_at("PH 10:00-12:00", 2026, 12, 24, 11, 0), 0);
}

static void test_ph_uses_the_regional_calendar(void) {
    const char *v = "Mo-Fr 08:00-18:00; PH off";
    /* Corpus Christi, Thursday 4 June 2026. */
    CHECK_EQ_INT(state(v, "DE-BY", 2026, 6, 4, 10, 0), 0);
    CHECK_EQ_INT(state(v, "DE-NW", 2026, 6, 4, 10, 0), 0);
    CHECK_EQ_INT(state(v, "DE-BE", 2026, 6, 4, 10, 0), 1);
    CHECK_EQ_INT(state(v, "DE", 2026, 6, 4, 10, 0), 1);
    CHECK_EQ_INT(state(v, NULL, 2026, 6, 4, 10, 0), 1);
    /* Epiphany, Tuesday 6 January 2026. */
    CHECK_EQ_INT(state(v, "DE-BW", 2026, 1, 6, 10, 0), 0);
    CHECK_EQ_INT(state(v, "DE-NI", 2026, 1, 6, 10, 0), 1);
    /* Repentance Day, Wednesday 18 November 2026, only in Saxony. */
    CHECK_EQ_INT(state(v, "DE-SN", 2026, 11, 18, 10, 0), 0);
    CHECK_EQ_INT(state(v, "DE-TH", 2026, 11, 18, 10, 0), 1);
    CHECK_STR(next_change(v, "DE-BY", 2026, 6, 3, 18, 0), "2026-06-05 08:00 opens");
    CHECK_STR(next_change(v, "DE-BE", 2026, 6, 3, 18, 0), "2026-06-04 08:00 opens");
}

static void test_easter_sunday_closes_only_where_it_is_a_holiday(void) {
    const char *v = "Mo-Sa 06:00-12:00; Su 07:30-10:30; PH off"; /* OSM */
    CHECK_EQ_INT(state(v, NULL, 2026, 4, 5, 8, 0), 1);
    CHECK_EQ_INT(state(v, "DE-BB", 2026, 4, 5, 8, 0), 0);
    CHECK_EQ_INT(state(v, NULL, 2026, 4, 6, 8, 0), 0);
    CHECK_EQ_INT(state(v, NULL, 2026, 11, 29, 8, 0), 1);
    CHECK_EQ_INT(state(v, NULL, 2026, 11, 29, 11, 0), 0);
}

static void test_ph_before_a_weekday_rule_is_overridden_by_it(void) {
    /* Order matters: the later weekday rule selects Good Friday again. */
    CHECK_EQ_INT(open_at("PH off; Mo-Fr 08:00-18:00", 2026, 4, 3, 10, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-18:00; PH off", 2026, 4, 3, 10, 0), 0);
}

/* ---- n-th weekday ---- */

static void test_nth_weekday_selects_that_week_of_the_month(void) {
    const char *v = "Mo-Fr 08:00-12:00; Th[1] off";
    CHECK_EQ_INT(open_at(v, 2026, 11, 5, 10, 0), 0);
    CHECK_EQ_INT(open_at(v, 2026, 11, 12, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 12, 3, 10, 0), 0);
    CHECK_EQ_INT(open_at("Sa[-1] 09:00-12:00", 2026, 11, 28, 10, 0), 1);
    CHECK_EQ_INT(open_at("Sa[-1] 09:00-12:00", 2026, 11, 21, 10, 0), 0);
    CHECK_EQ_INT(open_at("Mo[1-2] 10:00-11:00", 2026, 11, 2, 10, 30), 1);
    CHECK_EQ_INT(open_at("Mo[1-2] 10:00-11:00", 2026, 11, 9, 10, 30), 1);
    CHECK_EQ_INT(open_at("Mo[1-2] 10:00-11:00", 2026, 11, 16, 10, 30), 0);
    const char *library = "Mo,Tu,Th,Fr 12:00-18:00; Sa 12:00-17:00; Th[3],Th[-1] off";
    CHECK_EQ_INT(open_at(library, 2026, 11, 19, 13, 0), 0);
    CHECK_EQ_INT(open_at(library, 2026, 11, 26, 13, 0), 0);
    CHECK_EQ_INT(open_at(library, 2026, 11, 12, 13, 0), 1);
}

/* ---- comments ---- */

static void test_comment_does_not_change_the_times(void) {
    const char *v = "Mo 08:00-12:00; We 14:00-18:00 \"nach Vereinbarung\""; /* OSM */
    CHECK_EQ_INT(open_at(v, 2026, 11, 23, 9, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 25, 15, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 24, 9, 0), 0);
    const char *hotel =
        "Tu-Fr 17:30-22:00; Sa-Su 11:30-22:00; Mo off; \"HOTEL DURCHGEHEND GEÖFFNET\""; /* OSM */
    CHECK_EQ_INT(open_at(hotel, 2026, 11, 27, 18, 0), 1);
    CHECK_EQ_INT(open_at(hotel, 2026, 11, 23, 18, 0), 0);
}

static void test_open_end_counts_as_open_until_midnight(void) {
    const char *v = "Tu-Fr 10:00+; Sa-Su 09:30+; Mo off"; /* OSM, north of Bayreuth */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 9, 59), 0);     /* Friday */
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 10, 0), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 27, 23, 59), 1);
    CHECK_EQ_INT(open_at(v, 2026, 11, 28, 9, 30), 1); /* Saturday */
    CHECK_EQ_INT(open_at(v, 2026, 11, 30, 12, 0), 0); /* Monday */
    CHECK_STR(next_change(v, NULL, 2026, 11, 27, 12, 0), "2026-11-28 00:00 closes");
    /* Open at least until 18:00: the known part counts, nothing after it. */
    CHECK_EQ_INT(open_at("Sa 10:00-18:00+", 2026, 11, 28, 17, 59), 1);
    CHECK_EQ_INT(open_at("Sa 10:00-18:00+", 2026, 11, 28, 18, 0), 0);
}

static void test_comment_alone_parses_and_is_never_open(void) {
    CHECK_EQ_INT(open_at("\"nach Vereinbarung\"", 2026, 11, 27, 10, 0), 0); /* OSM */
    CHECK_STR(next_change("\"nach Vereinbarung\"", NULL, 2026, 11, 27, 10, 0), "none");
    CHECK_EQ_INT(open_at("Mo-Fr off \"Betriebsferien\"", 2026, 11, 27, 10, 0), 0);
}

/* ---- leniency ---- */

static void test_lenient_spellings_mean_the_same(void) {
    const char *same[] = {
        "Mo-Fr 08:00-12:00",
        "Mo - Fr 08:00 - 12:00",
        "mo-fr 08:00-12:00",
        "MO-FR 8:00-12:00",
        "Mo-Fr: 08:00-12:00",
        "Mo-Fr 08:00-12:00;",
        "Mo-Fr 08:00" EN_DASH "12:00",
        "  Mo-Fr 08:00-12:00  ",
        "Mo-Fr 08:00-12:00;;",
        "Mo-Fr\t08:00-12:00",
        "Mo-Fr 08:00-12:00 open",
        "Mo-Fr 08:00-12:00 OPEN",
        "Mo-Fr" NO_BREAK_SPACE "08:00-12:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        CHECK_EQ_INT(open_at(same[i], 2026, 11, 27, 8, 0), 1);
        CHECK_EQ_INT(open_at(same[i], 2026, 11, 27, 12, 0), 0);
        CHECK_EQ_INT(open_at(same[i], 2026, 11, 28, 9, 0), 0);
    }
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00 14:00-18:00", 2026, 11, 27, 15, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00, 14:00-18:00", 2026, 11, 27, 15, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00, 14:00-18:00", 2026, 11, 28, 15, 0), 0);
    CHECK_EQ_INT(open_at("Sa, Su 10:00-12:00", 2026, 11, 29, 11, 0), 1);
    CHECK_EQ_INT(open_at("Mo-Fr 08:00-12:00 OFF", 2026, 11, 27, 9, 0), 0);
}

/* ---- real values ---- */

static void test_real_osm_values_from_germany_parse(void) {
    const char *values[] = {
        "Mo-Fr 07:00-12:30,14:30-18:00; Sa 07:00-12:00",
        "Mo-Sa 06:00-12:00; Su 07:30-10:30; PH off",
        "Tu,Th 15:00-18:00",
        "24/7",
        "Mo-Fr 08:00-18:00; Sa 08:00-13:00; PH off",
        "Mo 08:00-12:00; We 14:00-18:00 \"nach Vereinbarung\"",
        "\"nach Vereinbarung\"",
        "Mo,Fr 10:00-12:00,16:00-18:30; Tu,Th 16:00-18:30; We 10:00-12:00",
        "Mo-Fr 09:30-19:00; Sa 09:00-18:00; PH off",
        "Mo-Fr 14:00-23:00; Sa,Su 10:00-23:00; Tu off",
        "Mo-Sa 05:30-12:30",
        "Mo-Su 09:00-22:00; We off",
        "Mo-Su 11:00-14:00,17:00-22:00; Tu off",
        "Mo-Su 11:30-14:00,16:30-24:00; Tu off",
        "Mo-Su off",
        "Mo-Th 07:45-17:00; Fr 07:45-15:45; PH off",
        "Mo-Th 09:00-12:30,13:30-18:00; Fr 09:00-18:00; Sa 08:00-13:00",
        "Tu-Fr 08:00-19:00; Sa 07:00-13:00; PH off",
        "Tu-Fr 17:30-22:00; Sa-Su 11:30-22:00; Mo off; \"HOTEL DURCHGEHEND GEÖFFNET\"",
        "Tu-Su 10:00-22:00",
        "Mo-Fr 08:00-12:00,13:00-17:00; Sa 09:00-12:00; Su,PH off",
        "Mo-Fr 06:00-18:00; Sa 06:00-12:00; Su 08:00-11:00; Dec 24,Dec 31 06:00-12:00",
        "Mo-Fr 17:00-01:00; Sa,Su 11:00-01:00",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        CHECK_STR(parse_error(values[i]), "(parsed)");
    }
    const char *pub = "Mo-Fr 17:00-01:00; Sa,Su 11:00-01:00";
    CHECK_EQ_INT(open_at(pub, 2026, 11, 28, 0, 30), 1); /* Friday night */
    CHECK_EQ_INT(open_at(pub, 2026, 11, 23, 0, 30), 1); /* Sunday night */
    CHECK_EQ_INT(open_at(pub, 2026, 11, 23, 1, 0), 0);
    CHECK_STR(next_change(pub, NULL, 2026, 11, 27, 23, 0), "2026-11-28 01:00 closes");
    CHECK_STR(next_change(pub, NULL, 2026, 11, 28, 1, 0), "2026-11-28 11:00 opens");
}

/* ---- next_change ---- */

static void test_next_change_finds_the_closing_time_of_the_same_day(void) {
    CHECK_STR(next_change("Mo-Fr 08:00-18:00", NULL, 2026, 11, 27, 10, 0),
              "2026-11-27 18:00 closes");
}

static void test_next_change_is_strictly_later(void) {
    CHECK_STR(next_change("Mo-Fr 08:00-18:00", NULL, 2026, 11, 27, 8, 0),
              "2026-11-27 18:00 closes");
    CHECK_STR(next_change("Mo-Fr 08:00-18:00", NULL, 2026, 11, 27, 7, 59),
              "2026-11-27 08:00 opens");
    CHECK_STR(next_change("Mo-Fr 08:00-18:00", NULL, 2026, 11, 27, 17, 59),
              "2026-11-27 18:00 closes");
}

static void test_next_change_skips_the_weekend(void) {
    CHECK_STR(next_change("Mo-Fr 08:00-18:00", NULL, 2026, 11, 27, 18, 0),
              "2026-11-30 08:00 opens");
    const char *v = "Mo-Fr 07:00-12:30,14:30-18:00; Sa 07:00-12:00";
    CHECK_STR(next_change(v, NULL, 2026, 11, 27, 12, 30), "2026-11-27 14:30 opens");
    CHECK_STR(next_change(v, NULL, 2026, 11, 28, 11, 0), "2026-11-28 12:00 closes");
    CHECK_STR(next_change(v, NULL, 2026, 11, 28, 12, 0), "2026-11-30 07:00 opens");
}

static void test_next_change_crosses_midnight(void) {
    CHECK_STR(next_change("Fr 22:00-02:00", NULL, 2026, 11, 27, 23, 0), "2026-11-28 02:00 closes");
    CHECK_STR(next_change("Fr 22:00-02:00", NULL, 2026, 11, 28, 3, 0), "2026-12-04 22:00 opens");
    /* Spans that meet at midnight are one opening. */
    CHECK_STR(next_change("Mo-Su 22:00-24:00,00:00-06:00", NULL, 2026, 11, 27, 23, 0),
              "2026-11-28 06:00 closes");
    CHECK_STR(next_change("Mo-Su 08:00-24:00", NULL, 2026, 12, 31, 20, 0),
              "2027-01-01 00:00 closes");
}

static void test_next_change_finds_a_date_almost_a_year_ahead(void) {
    CHECK_STR(next_change("Dec 24 10:00-12:00", NULL, 2026, 12, 25, 0, 0),
              "2027-12-24 10:00 opens");
    CHECK_STR(next_change("Feb 29 10:00-12:00", NULL, 2026, 3, 1, 0, 0), "none");
    CHECK_STR(next_change("Feb 29 10:00-12:00", NULL, 2027, 3, 1, 0, 0), "2028-02-29 10:00 opens");
}

static void test_next_change_rejects_invalid_arguments(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_opening_hours *oh = NULL;
    CHECK_EQ_INT(dorf_opening_hours_parse(ctx, "Mo-Fr 08:00-18:00", &oh), DORF_OK);
    dorf_local_time next;
    bool opens;
    CHECK_EQ_INT(dorf_opening_hours_next_change(oh, NULL, at(2026, 2, 29, 10, 0), &next, &opens),
                 DORF_EINVAL);
    CHECK_EQ_INT(dorf_opening_hours_next_change(oh, NULL, at(2026, 13, 1, 10, 0), &next, &opens),
                 DORF_EINVAL);
    dorf_local_time late = {2026, 11, 27, 1440};
    CHECK_EQ_INT(dorf_opening_hours_next_change(oh, NULL, late, &next, &opens), DORF_EINVAL);
    CHECK_EQ_INT(dorf_opening_hours_next_change(NULL, NULL, at(2026, 11, 27, 9, 0), &next, &opens),
                 DORF_EINVAL);
    CHECK_EQ_INT(dorf_opening_hours_next_change(oh, NULL, at(2026, 11, 27, 9, 0), NULL, &opens),
                 DORF_EINVAL);
    CHECK(!dorf_opening_hours_is_open(oh, NULL, late));
    CHECK(!dorf_opening_hours_is_open(NULL, NULL, at(2026, 11, 27, 9, 0)));
    dorf_opening_hours_free(oh);
    dorf_ctx_free(ctx);
}

/* ---- refused values ---- */

static void test_hour_out_of_range_is_refused_with_its_position(void) {
    CHECK_STR(parse_error("Mo-Fr 8:00-25:00"),
              "opening_hours \"Mo-Fr 8:00-25:00\": at character 12: hour 25 is out of range 0..24");
}

static void test_malformed_values_are_refused_with_position_and_expectation(void) {
    static const struct {
        const char *value;
        const char *message;
    } cases[] = {
        {"", "at character 1: the value is empty"},
        {"   ", "at character 4: the value is empty"},
        {"Mo-Fr 08:60-12:00", "at character 10: minute 60 is out of range 0..59"},
        {"Mo-Fr 24:00-02:00", "at character 7: 24:00 can end a time span but not begin one"},
        {"Mo-Fr 08:00-24:30", "at character 13: 24:30 is past the end of the day"},
        {"Mo-Fr 08:00", "at character 12: expected '-' and a closing time after 08:00"},
        {"Mo-Fr 08.00-12:00", "at character 9: expected ':' and two-digit minutes"},
        {"Mo-Fr 08:0-12:00", "at character 10: expected two-digit minutes after ':'"},
        {"Mo-Fr 123:00-14:00", "at character 7: expected a time such as 08:00, found '123'"},
        {"Mo-Fr 08:00-", "at character 13: expected a time such as 08:00, found the end"},
        {"Mo-Fr 08:00-08:00", "at character 7: the time span begins and ends at 08:00"},
        {"Montag 08:00-12:00", "at character 1: expected a rule"},
        {"Montag 08:00-12:00", "found 'Montag'"},
        {"Mo-Xy 08:00-12:00", "at character 4: expected a weekday (Mo..Su) after '-', found 'Xy'"},
        {"Mo-Fr 08:00-12:00 Uhr", "at character 19: unexpected 'Uhr': expected ';', ','"},
        {"Mo-Fr 08:00-12:00 \"offen", "at character 19: the comment that starts here is not"},
        {"Feb 30 off", "at character 5: day 30 does not exist in Feb"},
        {"Apr 31 off", "at character 5: day 31 does not exist in Apr"},
        {"Dec 26-24 off", "at character 8: the date range ends before it starts"},
        {"Dec 24- off", "at character 9: expected the day the date range ends on"},
        {"Jan-Xyz", "at character 5: expected a month (Jan..Dec) after '-', found 'Xyz'"},
        {"Jan-Mar 15 off", "at character 9: a month range cannot end on a day"},
        {"Mo[6] off", "at character 4: expected a week of the month 1..5"},
        {"Mo[1 off", "at character 6: expected ',' or ']' to close the [...] after Mo"},
        {"Mo[2-1] off", "at character 6: the range inside [...] ends before it starts"},
        {"Mo-Fr[1] off", "at character 6: [n] can only follow a single weekday"},
        {"PH Mo-Fr 10:00-12:00", "at character 4: weekdays and holidays are listed with ','"},
        {"Mo-Fr 08:00-12:00 ||", "at character 21: expected a rule"},
        {"Mo-Fr 08:00-12:00,", "at character 19: expected a rule"},
        {"; Mo-Fr 08:00-12:00", "at character 1: expected a rule"},
        {"Mo-Fr 08:00-12:00 | Sa", "at character 19: unexpected '|'"},
        {"Mo-Fr\x01", "at character 6: unexpected control character 0x01"},
        {"Mo-Fr 08:00-12:00 \"Gr\xC3\xBC\xC3\x9F"
         "e\" Sa",
         "at character 27: unexpected 'Sa'"},
        {"Mo-Fr 08:00-12:00 @", "at character 19: unexpected '@'"},
        {"Mo-Fr 08:00-12:00 \xE2\x82\xAC", "at character 19: unexpected '\xE2\x82\xAC'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *msg = parse_error(cases[i].value);
        CHECK_CONTAINS(msg, "opening_hours \"");
        CHECK_CONTAINS(msg, cases[i].message);
    }
}

static void test_control_characters_are_masked_in_the_excerpt(void) {
    CHECK_CONTAINS(parse_error("Mo-Fr\x01"), "opening_hours \"Mo-Fr?\"");
}

static void test_long_values_are_cut_to_an_excerpt_around_the_error(void) {
    char value[400];
    snprintf(value, sizeof value, "%s", "Mo 08:00-09:00");
    for (int i = 0; i < 12; i++) {
        strcat(value, "; Tu 08:00-09:00");
    }
    strcat(value, "; We 08:00-25:00");
    const char *msg = parse_error(value);
    CHECK_CONTAINS(msg, "at character 218: hour 25 is out of range 0..24");
    CHECK_CONTAINS(msg, "\"...");
    CHECK_CONTAINS(msg, "We 08:00-25:00\"");
    CHECK(strlen(msg) < 200);
}

static void test_unsupported_syntax_is_refused_as_not_supported(void) {
    static const struct {
        const char *value;
        const char *message;
    } cases[] = {
        {"Mo-Fr sunrise-sunset", "at character 7: sunrise, sunset, dawn and dusk are not"},
        {"Mo-Fr 08:00-sunset", "at character 13: sunrise, sunset, dawn and dusk are not"},
        {"Mo-Fr (sunrise+01:00)-18:00", "at character 7: sunrise, sunset"},
        {"Mo-Fr 08:00-12:00,dusk-22:00", "at character 19: sunrise, sunset"},
        {"SH off", "at character 1: school holidays (SH) are not supported"},
        {"Mo-Fr,SH 08:00-12:00", "at character 7: school holidays (SH) are not supported"},
        {"week 01-10 Mo 08:00-12:00", "at character 1: week numbers"},
        {"Jan week 01 off", "at character 5: week numbers"},
        {"2026 Dec 24 off", "at character 1: years (such as '2026 Dec 24') are not supported"},
        {"easter off", "at character 1: 'easter' dates are not supported"},
        {"Mo-Fr 10:00-16:00/01:30", "at character 18: repeating times"},
        {"PH +1 day off", "at character 4: day offsets (such as 'PH +1 day') are not supported"},
        {"Su[-1] -1 day off", "at character 8: day offsets"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *msg = parse_error(cases[i].value);
        CHECK_CONTAINS(msg, cases[i].message);
        CHECK_CONTAINS(msg, "not supported");
    }
}

static void test_parse_rejects_null_arguments(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_opening_hours *oh = (dorf_opening_hours *)ctx; /* must be reset to NULL */
    CHECK_EQ_INT(dorf_opening_hours_parse(ctx, NULL, &oh), DORF_EINVAL);
    CHECK(oh == NULL);
    CHECK_EQ_INT(dorf_opening_hours_parse(ctx, "24/7", NULL), DORF_EINVAL);
    /* Without a context the status still says what happened. */
    CHECK_EQ_INT(dorf_opening_hours_parse(NULL, "Mo-Fr 25:00-26:00", &oh), DORF_EPARSE);
    CHECK(oh == NULL);
    dorf_opening_hours_free(NULL);
    dorf_ctx_free(ctx);
}

static void test_allocation_failures_are_reported_as_enomem(void) {
    const char *v = "Mo-Fr 07:00-12:30,14:30-18:00; Sa 07:00-12:00; Dec 24-26 off; PH off";
    dorf_ctx *ctx = dorf_ctx_new();
    /* Walks every allocation of the parse; does nothing unless built with fault injection. */
    for (unsigned long n = 1; n < 100; n++) {
        dorf_opening_hours *oh = NULL;
        dorf_alloc_fail_after(n, 0);
        dorf_status st = dorf_opening_hours_parse(ctx, v, &oh);
        dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK(oh != NULL);
            CHECK_EQ_INT(dorf_opening_hours_is_open(oh, NULL, at(2026, 11, 27, 8, 0)), 1);
            dorf_opening_hours_free(oh);
            break;
        }
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(oh == NULL);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "out of memory");
    }
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_weekday_of_known_dates);
    RUN(test_weekday_range_is_open_inside_its_hours_only);
    RUN(test_weekday_list_selects_only_listed_days);
    RUN(test_weekday_range_wraps_over_the_weekend);
    RUN(test_several_spans_leave_a_lunch_break);
    RUN(test_span_past_midnight_is_open_next_morning);
    RUN(test_span_past_midnight_is_not_cut_by_the_next_days_rules);
    RUN(test_24_00_closes_at_midnight);
    RUN(test_24_7_is_always_open);
    RUN(test_open_alone_is_always_open_and_weekdays_alone_all_day);
    RUN(test_rule_without_weekday_applies_every_day);
    RUN(test_off_and_closed_close_the_whole_day);
    RUN(test_off_with_times_closes_only_those_times);
    RUN(test_unknown_is_not_open);
    RUN(test_later_normal_rule_overrides_earlier_for_its_days);
    RUN(test_normal_rule_without_weekday_overrides_every_day);
    RUN(test_additional_rule_adds_instead_of_overriding);
    RUN(test_additional_off_rule_removes_only_its_span);
    RUN(test_fallback_applies_only_to_days_no_rule_selected);
    RUN(test_semicolon_comma_and_fallback_combine_in_order);
    RUN(test_month_ranges_select_their_season);
    RUN(test_month_range_wraps_over_new_year);
    RUN(test_single_date_overrides_the_weekday_rule);
    RUN(test_date_range_within_a_month);
    RUN(test_date_range_over_new_year);
    RUN(test_date_lists_carry_the_month_over);
    RUN(test_feb_29_matches_only_in_leap_years);
    RUN(test_ph_off_closes_on_good_friday_and_easter_monday);
    RUN(test_ph_listed_with_weekdays_opens_on_holidays_too);
    RUN(test_ph_uses_the_regional_calendar);
    RUN(test_easter_sunday_closes_only_where_it_is_a_holiday);
    RUN(test_ph_before_a_weekday_rule_is_overridden_by_it);
    RUN(test_nth_weekday_selects_that_week_of_the_month);
    RUN(test_comment_does_not_change_the_times);
    RUN(test_open_end_counts_as_open_until_midnight);
    RUN(test_comment_alone_parses_and_is_never_open);
    RUN(test_lenient_spellings_mean_the_same);
    RUN(test_real_osm_values_from_germany_parse);
    RUN(test_next_change_finds_the_closing_time_of_the_same_day);
    RUN(test_next_change_is_strictly_later);
    RUN(test_next_change_skips_the_weekend);
    RUN(test_next_change_crosses_midnight);
    RUN(test_next_change_finds_a_date_almost_a_year_ahead);
    RUN(test_next_change_rejects_invalid_arguments);
    RUN(test_hour_out_of_range_is_refused_with_its_position);
    RUN(test_malformed_values_are_refused_with_position_and_expectation);
    RUN(test_control_characters_are_masked_in_the_excerpt);
    RUN(test_long_values_are_cut_to_an_excerpt_around_the_error);
    RUN(test_unsupported_syntax_is_refused_as_not_supported);
    RUN(test_parse_rejects_null_arguments);
    RUN(test_allocation_failures_are_reported_as_enomem);
    return check_summary();
}
