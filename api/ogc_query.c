/*
 * ogc_query.c: the query parameters of OGC API Features (ogc_query.h): f, bbox, bbox-crs,
 * limit, offset and datetime, checked one by one with a message that names the parameter.
 *
 * Pure functions of their input: no server, no locale, no time zone database. Dates are
 * converted with Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar),
 * date-times follow RFC 3339 section 5.6 (with 'T'/'t', 'Z'/'z' and numeric offsets), and
 * intervals follow OGC API Features Part 1, 7.15.4 ("start/end", ".." or empty for open).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/opening_hours.h"
#include "ogc_query.h"

/* ---- dates and times --------------------------------------------------------------------- */

/* Exactly `n` decimal digits at *p (advanced past them) as *out; -1 when not. */
static int digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        const char c = (*p)[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/*
 * One instant of `len` bytes at `s`: a date-time or a date. *start is the first whole second
 * in it and *end the last: a date spans its day; a date-time with a fraction of a second
 * (12:00:00.5) holds none, and gets *start = 12:00:01, *end = 12:00:00, so that as the start
 * of an interval it rounds up and as the end down. -1 when malformed or impossible.
 */
static int instant_parse(const char *s, size_t len, int64_t *start, int64_t *end) {
    const char *p = s;
    const char *stop = s + len;
    int y;
    int mo;
    int d;
    if (len < 10 || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d)) {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > dorf_days_in_month(y, (int)mo)) {
        return -1;
    }
    const int64_t day = dorf_days_from_civil(y, (int)mo, (int)d) * 86400;
    if (p == stop) {
        *start = day;
        *end = day + 86399;
        return 0;
    }
    int h;
    int mi;
    int sec;
    if (stop - p < 9 || (*p != 'T' && *p != 't') || (++p, digits(&p, 2, &h)) || *p++ != ':' ||
        digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &sec)) {
        return -1;
    }
    /* 60 is a leap second (RFC 3339, 5.7); POSIX time counts it as the next minute's first. */
    if (h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    int fraction = 0;
    if (p < stop && *p == '.') {
        const char *f = ++p;
        while (p < stop && *p >= '0' && *p <= '9') {
            fraction |= *p != '0';
            p++;
        }
        if (p == f) {
            return -1;
        }
    }
    int64_t offset = 0;
    if (p < stop && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < stop && (*p == '+' || *p == '-' || *p == ' ')) {
        /* ' ' is a '+' that was not percent-encoded: form decoding turned it into a space. */
        const int sign = *p++ == '-' ? -1 : 1;
        int oh;
        int om;
        if (stop - p < 5 || digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 ||
            om > 59) {
            return -1;
        }
        offset = sign * ((int64_t)oh * 3600 + om * 60);
    } else {
        return -1; /* RFC 3339 requires the offset */
    }
    if (p != stop) {
        return -1;
    }
    const int64_t t = day + (int64_t)h * 3600 + mi * 60 + sec - offset;
    *start = t + fraction;
    *end = t;
    return 0;
}

int ogc_datetime_parse(const char *text, int64_t *from, int64_t *until) {
    const char *slash = strchr(text, '/');
    int64_t start;
    int64_t end;
    if (!slash) {
        if (instant_parse(text, strlen(text), &start, &end) != 0) {
            return -1;
        }
        /* An instant with a fraction of a second holds no whole second; take the one it is in. */
        *from = start > end ? end : start;
        *until = end;
        return 0;
    }
    if (strchr(slash + 1, '/')) {
        return -1;
    }
    const size_t first_len = (size_t)(slash - text);
    const char *second = slash + 1;
    const size_t second_len = strlen(second);
    *from = INT64_MIN;
    *until = INT64_MAX;
    if (!(first_len == 0 || (first_len == 2 && strncmp(text, "..", 2) == 0))) {
        if (instant_parse(text, first_len, &start, &end) != 0) {
            return -1;
        }
        *from = start;
    }
    if (!(second_len == 0 || strcmp(second, "..") == 0)) {
        if (instant_parse(second, second_len, &start, &end) != 0) {
            return -1;
        }
        *until = end;
    }
    return *from <= *until ? 0 : -1;
}

char *ogc_time_format(int64_t t, char *buf, size_t size) {
    /* 0000-01-01 and 9999-12-31T23:59:59, the years RFC 3339 can write. */
    const int64_t lo = -62167219200LL;
    const int64_t hi = 253402300799LL;
    if (t < lo) {
        t = lo;
    } else if (t > hi) {
        t = hi;
    }
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    int m;
    int d;
    dorf_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}

/* ---- the parameters ---------------------------------------------------------------------- */

static int fail(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t size, const char *fmt, ...) {
    if (size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The names, in the order the bits of enum ogc_param give them. */
static const char *const param_names[] = {"f", "bbox", "bbox-crs", "limit", "offset", "datetime"};
#define PARAM_COUNT (sizeof param_names / sizeof param_names[0])

/* "f, bbox, limit" for the bits of `accepted`, or "none". */
static void list_params(unsigned accepted, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        if (accepted & (1u << i)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", param_names[i]);
            if (n < 0 || (size_t)n >= size - used) {
                return;
            }
            used += (size_t)n;
        }
    }
    if (!used) {
        snprintf(buf, size, "none");
    }
}

/* A whole decimal number in [min, max] with nothing around it; -1 when not. */
static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out) {
    if (!s || *s < '0' || *s > '9') {
        return -1; /* no sign, no space: strtoll would take both */
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Four comma-separated finite numbers; -1 when not. */
static int parse_bbox(const char *s, double b[4]) {
    const char *c = s;
    for (int i = 0; i < 4; i++) {
        /* strtod would skip leading spaces and read "inf", "nan" and hex; allow plain decimals. */
        if (!strchr("+-.0123456789", *c) || *c == '\0') {
            return -1;
        }
        for (const char *k = c; *k && *k != ','; k++) {
            if (!strchr("+-.0123456789eE", *k)) {
                return -1;
            }
        }
        char *end;
        b[i] = strtod(c, &end);
        if (end == c || !isfinite(b[i]) || *end != (i < 3 ? ',' : '\0')) {
            return -1;
        }
        c = end + 1;
    }
    return 0;
}

int ogc_query_parse(const ogc_arg *args, size_t count, unsigned accepted, ogc_query *out, char *msg,
                    size_t msg_size) {
    memset(out, 0, sizeof *out);
    out->limit = OGC_DEFAULT_LIMIT;
    out->time_from = INT64_MIN;
    out->time_until = INT64_MAX;
    unsigned seen = 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = args[i].name ? args[i].name : "";
        const char *value = args[i].value;
        size_t p = 0;
        while (p < PARAM_COUNT && strcmp(name, param_names[p]) != 0) {
            p++;
        }
        if (p == PARAM_COUNT || !(accepted & (1u << p))) {
            char list[96];
            list_params(accepted, list, sizeof list);
            if (p == PARAM_COUNT) {
                return fail(msg, msg_size, "unknown query parameter '%.40s'; this takes: %s", name,
                            list);
            }
            if (1u << p == OGC_PARAM_DATETIME && (accepted & OGC_PARAM_BBOX)) {
                return fail(msg, msg_size,
                            "'datetime' is not supported by this collection (it has no times; "
                            "the events collection has)");
            }
            return fail(msg, msg_size,
                        "the query parameter '%s' does not apply here; this takes: %s", name, list);
        }
        if (seen & (1u << p)) {
            return fail(msg, msg_size, "the query parameter '%s' is given twice", name);
        }
        seen |= 1u << p;
        if (!value || !*value) {
            return fail(msg, msg_size, "the query parameter '%s' needs a value", name);
        }
        switch (1u << p) {
        case OGC_PARAM_F:
            if (strcmp(value, "json") != 0) {
                return fail(msg, msg_size,
                            "'f' must be 'json' (GeoJSON for features); no other format is served");
            }
            out->has_f = 1;
            break;
        case OGC_PARAM_BBOX:
            if (parse_bbox(value, out->bbox) != 0) {
                return fail(msg, msg_size,
                            "'bbox' must be four numbers minlon,minlat,maxlon,maxlat in degrees "
                            "(CRS84)");
            }
            if (out->bbox[0] < -180 || out->bbox[2] > 180 || out->bbox[1] < -90 ||
                out->bbox[3] > 90 || out->bbox[0] > out->bbox[2] || out->bbox[1] > out->bbox[3]) {
                return fail(msg, msg_size,
                            "'bbox' must lie within lon -180..180 and lat -90..90 with "
                            "minlon <= maxlon and minlat <= maxlat");
            }
            out->has_bbox = 1;
            out->bbox_text = value;
            break;
        case OGC_PARAM_BBOX_CRS:
            if (strcmp(value, OGC_CRS84) != 0) {
                return fail(msg, msg_size, "'bbox-crs' can only be " OGC_CRS84);
            }
            out->has_bbox_crs = 1;
            break;
        case OGC_PARAM_LIMIT:
            if (parse_int(value, 1, OGC_MAX_LIMIT, &out->limit) != 0) {
                return fail(msg, msg_size, "'limit' must be a whole number from 1 to %d",
                            OGC_MAX_LIMIT);
            }
            break;
        case OGC_PARAM_OFFSET:
            if (parse_int(value, 0, INT64_MAX, &out->offset) != 0) {
                return fail(msg, msg_size,
                            "'offset' must be a whole number from 0 to 9223372036854775807");
            }
            break;
        case OGC_PARAM_DATETIME:
            if (ogc_datetime_parse(value, &out->time_from, &out->time_until) != 0) {
                return fail(msg, msg_size,
                            "'datetime' must be an RFC 3339 date-time or date "
                            "(2026-05-01T18:00:00Z, 2026-05-01) or an interval START/END with "
                            "'..' for an open end, not ending before it starts");
            }
            out->has_datetime = 1;
            out->datetime_text = value;
            break;
        }
    }
    return 0;
}
