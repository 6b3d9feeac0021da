/*
 * ical.c: the iCalendar writer (ical.h; RFC 5545 sections 3.1 content lines and folding,
 * 3.3.5 DATE-TIME in UTC, 3.3.11 TEXT escaping, 3.8.1.6 GEO).
 *
 * A content line is built unit by unit: an escaped character ("\;") or a whole UTF-8
 * sequence is one unit that is never split, and before a unit that would not fit in the 75
 * octets of the current line, CRLF and a space start a continuation line (the space counts
 * towards that line's 75 octets).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "ical.h"

static void put(api_ical *cal, const char *s, size_t n) {
    if (cal->failed) {
        return;
    }
    if (cal->len + n + 1 > cal->cap) {
        size_t cap = cal->cap ? cal->cap : 1024;
        while (cal->len + n + 1 > cap) {
            cap *= 2;
        }
        char *data = dorf_realloc(cal->data, cap);
        if (!data) {
            cal->failed = 1;
            return;
        }
        cal->data = data;
        cal->cap = cap;
    }
    memcpy(cal->data + cal->len, s, n);
    cal->len += n;
    cal->data[cal->len] = '\0';
}

/* The length of the UTF-8 sequence at s (1 for a byte that does not start a valid one). */
static size_t utf8_len(const unsigned char *s) {
    size_t n;
    unsigned c = s[0];
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
    } else {
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 1;
        }
    }
    return n;
}

/* Appends one unbreakable unit to the current line, folding before it when needed. */
static void unit(api_ical *cal, size_t *line_len, const char *s, size_t n) {
    if (*line_len + n > API_ICAL_LINE_MAX) {
        put(cal, "\r\n ", 3);
        *line_len = 1;
    }
    put(cal, s, n);
    *line_len += n;
}

void api_ical_property(api_ical *cal, const char *name, const char *value, int text) {
    size_t line_len = 0;
    for (const char *c = name; *c; c++) {
        unit(cal, &line_len, c, 1);
    }
    unit(cal, &line_len, ":", 1);
    const unsigned char *s = (const unsigned char *)(value ? value : "");
    while (*s) {
        size_t n = utf8_len(s);
        if (text && n == 1) {
            unsigned char c = *s;
            if (c == '\\' || c == ';' || c == ',') {
                char esc[2] = {'\\', (char)c};
                unit(cal, &line_len, esc, 2);
            } else if (c == '\n') {
                unit(cal, &line_len, "\\n", 2);
            } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
                /* CR (of a CRLF) and other controls are not allowed in TEXT. */
            } else {
                unit(cal, &line_len, (const char *)s, 1);
            }
        } else if (!text && n == 1 && (*s < 0x20 || *s == 0x7f)) {
            /* Not TEXT: our own values never hold controls; keep lines intact regardless. */
        } else {
            unit(cal, &line_len, (const char *)s, n);
        }
        s += n;
    }
    put(cal, "\r\n", 2);
}

/* Formats `t` as DATE-TIME in UTC: YYYYMMDDTHHMMSSZ. */
static void utc_time(int64_t t, char out[64]) {
    time_t tt = (time_t)t;
    struct tm tm;
    /* DATE-TIME has four digits for the year. */
    if (!gmtime_r(&tt, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(out, 64, "19700101T000000Z");
        return;
    }
    snprintf(out, 64, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void api_ical_begin(api_ical *cal, const char *prodid, const char *name) {
    api_ical_property(cal, "BEGIN", "VCALENDAR", 0);
    api_ical_property(cal, "VERSION", "2.0", 0);
    api_ical_property(cal, "PRODID", prodid, 0);
    api_ical_property(cal, "CALSCALE", "GREGORIAN", 0);
    if (name) {
        /* RFC 7986's NAME and the widely read X-WR-CALNAME. */
        api_ical_property(cal, "NAME", name, 1);
        api_ical_property(cal, "X-WR-CALNAME", name, 1);
    }
}

void api_ical_event_add(api_ical *cal, const api_ical_event *e) {
    char buf[64];
    api_ical_property(cal, "BEGIN", "VEVENT", 0);
    snprintf(buf, sizeof buf, "event-%lld@dorf", (long long)e->id);
    api_ical_property(cal, "UID", buf, 0);
    utc_time(e->stamp, buf);
    api_ical_property(cal, "DTSTAMP", buf, 0);
    utc_time(e->starts_at, buf);
    api_ical_property(cal, "DTSTART", buf, 0);
    if (e->has_ends) {
        utc_time(e->ends_at, buf);
        api_ical_property(cal, "DTEND", buf, 0);
    }
    api_ical_property(cal, "SUMMARY", e->title, 1);
    if (e->body && e->body[0]) {
        api_ical_property(cal, "DESCRIPTION", e->body, 1);
    }
    if (e->has_location) {
        snprintf(buf, sizeof buf, "%.6f;%.6f", e->lat_deg, e->lon_deg);
        api_ical_property(cal, "GEO", buf, 0);
    }
    if (e->url) {
        api_ical_property(cal, "URL", e->url, 0);
    }
    api_ical_property(cal, "END", "VEVENT", 0);
}

int api_ical_end(api_ical *cal) {
    api_ical_property(cal, "END", "VCALENDAR", 0);
    return cal->failed ? -1 : 0;
}

void api_ical_free(api_ical *cal) {
    dorf_free(cal->data);
    cal->data = NULL;
    cal->len = 0;
    cal->cap = 0;
}
