/*
 * ical.h: writing an iCalendar feed of DorfNews events (RFC 5545).
 *
 * The writer produces a VCALENDAR (VERSION:2.0, PRODID) with one VEVENT per event: UID,
 * DTSTAMP, DTSTART and DTEND in UTC ("YYYYMMDDTHHMMSSZ"), SUMMARY, DESCRIPTION, GEO when the
 * event has a place, and URL when given. TEXT values are escaped (backslash, semicolon,
 * comma, newline; RFC 5545 section 3.3.11); other control characters, which TEXT does not
 * allow, are dropped. Lines end in CRLF and are folded so that no line exceeds 75 octets
 * (section 3.1), never inside a UTF-8 sequence. Bytes that are not valid UTF-8 are passed
 * through one at a time, so the writer is total on any input.
 */
#ifndef DORF_API_ICAL_H
#define DORF_API_ICAL_H

#include <stddef.h>
#include <stdint.h>

#define API_ICAL_LINE_MAX 75 /* octets per line, without the CRLF */

/* A growing text buffer; `failed` is set (and stays set) when an allocation fails. */
typedef struct api_ical {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} api_ical;

typedef struct api_ical_event {
    int64_t id;        /* UID "event-ID@dorf" */
    int64_t stamp;     /* DTSTAMP: when the event was last revised (seconds since the epoch) */
    int64_t starts_at; /* DTSTART */
    int has_ends;      /* DTEND when set */
    int64_t ends_at;
    const char *title; /* SUMMARY (UTF-8) */
    const char *body;  /* DESCRIPTION (UTF-8), may be NULL */
    int has_location;  /* GEO:lat;lon */
    double lon_deg;
    double lat_deg;
    const char *url; /* URL, may be NULL */
} api_ical_event;

/* Starts a calendar into `cal` (zero-initialised by the caller) with the given PRODID. */
void api_ical_begin(api_ical *cal, const char *prodid, const char *name);

/* Appends one VEVENT. */
void api_ical_event_add(api_ical *cal, const api_ical_event *event);

/* Ends the calendar. Returns 0, or -1 when an allocation failed somewhere on the way. */
int api_ical_end(api_ical *cal);

/*
 * Appends the content line "NAME:VALUE" with VALUE escaped as TEXT when `text` is set (else
 * written as it is), folded and ended with CRLF.
 */
void api_ical_property(api_ical *cal, const char *name, const char *value, int text);

/* Frees the buffer. Accepts a zeroed or freed api_ical. */
void api_ical_free(api_ical *cal);

#endif
