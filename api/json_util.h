/*
 * json_util.h: validating what a request brings (body fields, query arguments) and writing
 * the 400 answer that names the offending field, so that every endpoint rejects bad input
 * the same way (docs/api.md lists the error codes).
 *
 * Each api_body_* and api_query_* function returns 0 when the value is acceptable (and
 * writes it to *out), and -1 after it has set a 400 error on `res`; a handler simply returns
 * on -1. With API_OPTIONAL an absent field (or JSON null) is acceptable and leaves *out as it
 * was, so the caller presets the default.
 */
#ifndef DORF_API_JSON_UTIL_H
#define DORF_API_JSON_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api_internal.h"

enum api_field_flags {
    API_REQUIRED = 0,
    API_OPTIONAL = 1u << 0,    /* absent or null is fine; *out keeps its value */
    API_ALLOW_EMPTY = 1u << 1, /* strings: "" is accepted */
    API_PLAIN_TEXT = 1u << 2,  /* strings: no control characters (nor NUL) anywhere */
};

/*
 * Copies the UTF-8 text `text` into out (size > 0 bytes, always terminated); a text that does
 * not fit is cut before the character that would not fit whole, never inside it, so that the
 * copy stays valid UTF-8 (jansson refuses anything else). Returns out.
 */
char *api_copy_utf8(char *out, size_t size, const char *text);

/* The body must be a JSON object: else 400 "bad_request". */
int api_body_object(const api_request *req, api_response *res);

/*
 * The body must be an object whose keys are all in `allowed` (a NULL-terminated list):
 * else 400 "unknown_field" naming the first other key.
 */
int api_body_only(const api_request *req, const char *const *allowed, api_response *res);

/*
 * A string field of at most `max_len` bytes (UTF-8, as jansson guarantees, without NUL).
 * *out points into the request's body and lives as long as the request.
 * Errors: 400 "missing_field", "bad_field" (not a string, empty, too long).
 */
int api_body_string(const api_request *req, const char *key, unsigned flags, size_t max_len,
                    const char **out, api_response *res);

/* An integer field in [min, max] (a JSON number without fraction or exponent). */
int api_body_int(const api_request *req, const char *key, unsigned flags, int64_t min, int64_t max,
                 int64_t *out, api_response *res);

/* A number field in [min, max]. */
int api_body_number(const api_request *req, const char *key, unsigned flags, double min, double max,
                    double *out, api_response *res);

/* A boolean field. */
int api_body_bool(const api_request *req, const char *key, unsigned flags, int *out,
                  api_response *res);

/* A position field [lon, lat] in degrees (RFC 7946 order), lon in [-180, 180], lat in
   [-90, 90]. */
int api_body_lonlat(const api_request *req, const char *key, unsigned flags, double *lon_deg,
                    double *lat_deg, api_response *res);

/* An integer query argument in [min, max]; errors name the argument ("bad_query"). */
int api_query_int(const api_request *req, const char *name, unsigned flags, int64_t min,
                  int64_t max, int64_t *out, api_response *res);

/* A bbox query argument "minlon,minlat,maxlon,maxlat" in degrees, min <= max. */
int api_query_bbox(const api_request *req, const char *name, unsigned flags, double bbox[4],
                   api_response *res);

/*
 * The nesting depth of the JSON text data[0 .. size): the deepest level of arrays and
 * objects, counted without parsing (brackets inside strings do not count). Stops counting
 * and returns max_depth + 1 as soon as that is exceeded, so it is cheap on hostile input.
 */
unsigned api_json_depth(const char *data, size_t size, unsigned max_depth);

/*
 * Parses a request body: JSON with duplicate keys rejected, at most `max_depth` deep, an
 * object or an array. On success returns 0 and *out (a new reference). Otherwise returns -1
 * and writes the 400 error ("too_deep" or "bad_json", with jansson's line and column) to
 * `res`.
 */
int api_parse_body(const char *data, size_t size, unsigned max_depth, json_t **out,
                   api_response *res);

/*
 * Builds "http://HOST" or "https://HOST" into out (of size bytes) from a request's Host header
 * and X-Forwarded-Proto (NULL, "http" or "https"; anything else counts as http). HOST must be
 * a DNS name or IPv4 address (letters, digits, '.', '-') or a bracketed IPv6 address,
 * optionally followed by ':' and a port (at most 65535), at most 255 bytes. Returns 0, or -1
 * when the host is missing or not of that form.
 */
int api_origin_of_host(const char *host, const char *forwarded_proto, char *out, size_t size);

/*
 * Whether the OSM opening hours `hours` say open at the request's time (German local time,
 * dorf_market_local_time, national holidays): true, false, or null when there are none or they
 * do not parse.
 */
json_t *api_open_now_json(api_request *req, const char *hours);

#endif
