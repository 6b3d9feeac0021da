/*
 * ogc_query.h: the query parameters of OGC API Features (OGC 17-069r4, Part 1: Core), checked
 * and parsed without any server around them, so that a fuzz target (tests/fuzz/
 * fuzz_ogc_query.c) reaches exactly the code the handlers in h_ogc.c run.
 *
 * The parameters are f (only "json"), bbox (CRS84: minlon,minlat,maxlon,maxlat, min <= max),
 * bbox-crs (only CRS84), limit (1 to 10000, default 10), offset (0 to 2^63 - 1) and datetime
 * (an RFC 3339 date-time or date, or an interval of two of them separated by '/', either end
 * open as ".." or empty). Every parameter may appear once; one that the endpoint does not take
 * is refused by name, so that a misspelt filter never silently returns everything.
 */
#ifndef DORF_API_OGC_QUERY_H
#define DORF_API_OGC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#define OGC_DEFAULT_LIMIT 10
#define OGC_MAX_LIMIT 10000
#define OGC_CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

/* The parameters an endpoint takes (bits). */
enum ogc_param {
    OGC_PARAM_F = 1u << 0,
    OGC_PARAM_BBOX = 1u << 1,
    OGC_PARAM_BBOX_CRS = 1u << 2,
    OGC_PARAM_LIMIT = 1u << 3,
    OGC_PARAM_OFFSET = 1u << 4,
    OGC_PARAM_DATETIME = 1u << 5,
};

/* The items of a collection without times, and with them. */
#define OGC_PARAMS_ITEMS                                                                           \
    (OGC_PARAM_F | OGC_PARAM_BBOX | OGC_PARAM_BBOX_CRS | OGC_PARAM_LIMIT | OGC_PARAM_OFFSET)
#define OGC_PARAMS_TIMED_ITEMS (OGC_PARAMS_ITEMS | OGC_PARAM_DATETIME)

/* One query argument as libmicrohttpd decoded it; value is NULL for "?name" without '='. */
typedef struct ogc_arg {
    const char *name;
    const char *value;
} ogc_arg;

/* What the arguments ask for. The text pointers point into the arguments. */
typedef struct ogc_query {
    int has_f;
    int has_bbox;
    double bbox[4];        /* minlon, minlat, maxlon, maxlat, degrees */
    const char *bbox_text; /* as given, for links */
    int has_bbox_crs;
    int64_t limit;  /* OGC_DEFAULT_LIMIT when not given */
    int64_t offset; /* 0 when not given */
    int has_datetime;
    int64_t time_from;         /* seconds since the epoch; INT64_MIN for an open start */
    int64_t time_until;        /* INT64_MAX for an open end; from <= until */
    const char *datetime_text; /* as given, for links */
} ogc_query;

/*
 * Checks the `count` arguments against the parameters in `accepted` (OGC_PARAM_* bits) and
 * fills *out. Returns 0, or -1 with a message for the 400 answer in msg[0 .. msg_size) that
 * names the parameter, what is wrong with it and what would be right.
 */
int ogc_query_parse(const ogc_arg *args, size_t count, unsigned accepted, ogc_query *out, char *msg,
                    size_t msg_size);

/*
 * Parses an OGC datetime: an instant (RFC 3339 date-time, e.g. "2026-05-01T18:00:00Z" or
 * with an offset "+02:00", fractions of seconds allowed; or a full date "2026-05-01", meaning
 * that whole day in UTC; a space stands for the '+' of an offset, which query-string decoding
 * turns into one) or an interval "START/END" of two such, either open as ".." or
 * empty. *from and *until are seconds since the epoch, inclusive, rounded inwards to whole
 * seconds (INT64_MIN / INT64_MAX for open ends). Returns 0, or -1 (malformed, a date that
 * does not exist, or an interval that ends before it starts).
 */
int ogc_datetime_parse(const char *text, int64_t *from, int64_t *until);

/*
 * Writes `t` (seconds since the epoch) as an RFC 3339 UTC date-time "YYYY-MM-DDTHH:MM:SSZ"
 * into buf (at least 21 bytes; years outside 0..9999 are clamped to them). Returns buf.
 */
char *ogc_time_format(int64_t t, char *buf, size_t size);

#endif
