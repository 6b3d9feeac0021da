/*
 * test_ical.c: the iCalendar writer (api/ical.c): a whole calendar, TEXT escaping, folding at
 * 75 octets without splitting UTF-8 sequences, and UTC times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ical.h"

static void test_a_calendar_has_the_required_properties(void) {
    api_ical cal = {0};
    api_ical_begin(&cal, "-//dorf//test//EN", NULL);
    api_ical_event e = {.id = 7,
                        .stamp = 0,
                        .starts_at = 1767290400, /* 2026-01-01T18:00:00Z */
                        .has_ends = 1,
                        .ends_at = 1767297600,
                        .title = "Fest",
                        .body = "b",
                        .has_location = 1,
                        .lon_deg = 11.58,
                        .lat_deg = 49.95};
    api_ical_event_add(&cal, &e);
    CHECK_EQ_INT(api_ical_end(&cal), 0);
    CHECK_STR(cal.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dorf//test//EN\r\n"
                        "CALSCALE:GREGORIAN\r\nBEGIN:VEVENT\r\nUID:event-7@dorf\r\n"
                        "DTSTAMP:19700101T000000Z\r\nDTSTART:20260101T180000Z\r\n"
                        "DTEND:20260101T200000Z\r\nSUMMARY:Fest\r\nDESCRIPTION:b\r\n"
                        "GEO:49.950000;11.580000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    api_ical_free(&cal);
}

static void test_text_is_escaped(void) {
    api_ical cal = {0};
    api_ical_property(&cal, "SUMMARY", "a\\b;c,d\ne\r\nf\x01g\th", 1);
    CHECK_STR(cal.data, "SUMMARY:a\\\\b\\;c\\,d\\ne\\nfg\th\r\n");
    api_ical_free(&cal);
}

static void test_long_lines_fold_at_75_octets_between_utf8_sequences(void) {
    /* "SUMMARY:" is 8 octets; then 3-octet characters: 22 fit (74 octets), the 23rd folds. */
    char text[200] = "";
    for (int i = 0; i < 40; i++) {
        strcat(text, "\xe2\x82\xac"); /* the euro sign */
    }
    api_ical cal = {0};
    api_ical_property(&cal, "SUMMARY", text, 1);
    const char *first_end = strstr(cal.data, "\r\n");
    CHECK(first_end && first_end - cal.data == 8 + 22 * 3);
    CHECK(first_end && first_end[2] == ' ');
    /* The continuation: one space and 18 characters. */
    CHECK(first_end && strcmp(first_end + 2, " \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                             "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                             "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                             "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                             "\xe2\x82\xac\xe2\x82\xac\r\n") == 0);
    api_ical_free(&cal);

    /* Escapes are not split either: 66 x then "\;" would end at 76. */
    char plain[100];
    memset(plain, 'x', 66);
    strcpy(plain + 66, ";y");
    api_ical_property(&cal, "SUMMARY", plain, 1);
    CHECK(strstr(cal.data, "x\r\n \\;y\r\n") != NULL);
    api_ical_free(&cal);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_a_calendar_has_the_required_properties);
    RUN(test_text_is_escaped);
    RUN(test_long_lines_fold_at_75_octets_between_utf8_sequences);
    return check_summary();
}
