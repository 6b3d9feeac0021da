/*
 * json_util.c: JSON answers and errors (api_internal.h) and the validation of request
 * bodies and query arguments (json_util.h).
 *
 * Error bodies always have the shape {"error": {"code": CODE, "message": TEXT}}: the code
 * is stable and meant for programs, the message is English and meant for people.
 */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/market.h"
#include "dorf/opening_hours.h"
#include "json_util.h"

void api_error(api_response *res, unsigned status, const char *code, const char *fmt, ...) {
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    json_decref(res->json);
    free(res->text);
    res->text = NULL;
    res->text_size = 0;
    res->content_type = NULL;
    json_t *text = json_string(message);
    if (!text) {
        /* Not UTF-8: it quotes outside input (a parser's "near '...'"); keep it ASCII. */
        for (char *c = message; *c; c++) {
            if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20) {
                *c = '?';
            }
        }
        text = json_string(message);
    }
    res->json = json_pack("{s:{s:s, s:o}}", "error", "code", code, "message", text);
    res->status = status;
}

void api_json(api_response *res, unsigned status, json_t *json) {
    if (res->json != json) {
        json_decref(res->json);
    }
    free(res->text);
    res->text = NULL;
    res->text_size = 0;
    res->json = json;
    res->status = status;
}

const char *api_query(const api_request *req, const char *name) {
    if (!req->connection) {
        return NULL;
    }
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *api_header(const api_request *req, const char *name) {
    if (!req->connection) {
        return NULL;
    }
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

/* Whether the If-None-Match list `list` names `etag` (weak tags compare equal, RFC 9110). */
static int etag_listed(const char *list, const char *etag) {
    size_t n = strlen(etag);
    const char *p = list;
    while (*p) {
        p += strspn(p, " \t,");
        if (*p == '*') {
            return 1;
        }
        if (strncmp(p, "W/", 2) == 0) {
            p += 2;
        }
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) {
            return 1;
        }
        p += strcspn(p, ",");
    }
    return 0;
}

int api_not_modified(const api_request *req, api_response *res, const char *etag) {
    snprintf(res->etag, sizeof res->etag, "%s", etag);
    const char *list = api_header(req, "If-None-Match");
    if (!list || !etag_listed(list, etag)) {
        return 0;
    }
    res->status = 304;
    return 1;
}

int64_t api_param_id(const api_request *req, size_t i) {
    if (i >= req->param_count || !req->params[i]) {
        return 0;
    }
    const char *s = req->params[i];
    int64_t id = 0;
    if (*s == '\0' || strlen(s) > 18) {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        id = id * 10 + (*s - '0');
    }
    return id;
}

/* The field `key` of an object body; NULL when absent or null. */
static json_t *body_field(const api_request *req, const char *key) {
    if (!req->body || !json_is_object(req->body)) {
        return NULL;
    }
    json_t *v = json_object_get(req->body, key);
    return json_is_null(v) ? NULL : v;
}

/* Handles an absent field: 0 when it may be absent, else -1 after writing the error. */
static int absent(const api_request *req, const char *key, unsigned flags, api_response *res) {
    if (flags & API_OPTIONAL) {
        if (req->body && !json_is_object(req->body)) {
            api_error(res, 400, "bad_request", "the body must be a JSON object");
            return -1;
        }
        return 0;
    }
    if (!req->body || !json_is_object(req->body)) {
        api_error(res, 400, "missing_field", "the body must be a JSON object with the field '%s'",
                  key);
    } else {
        api_error(res, 400, "missing_field", "the field '%s' is required", key);
    }
    return -1;
}

char *api_copy_utf8(char *out, size_t size, const char *text) {
    size_t n = strlen(text);
    if (n >= size) {
        n = size - 1;
        /* text[n] is the first byte left out: if it continues a character, that character
           starts before the cut and must go too (at most 3 continuation bytes in UTF-8). */
        for (int k = 0; k < 3 && n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80; k++) {
            n--;
        }
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return out;
}

int api_body_object(const api_request *req, api_response *res) {
    if (!req->body || !json_is_object(req->body)) {
        api_error(res, 400, "bad_request", "the body must be a JSON object");
        return -1;
    }
    return 0;
}

int api_body_only(const api_request *req, const char *const *allowed, api_response *res) {
    if (api_body_object(req, res) != 0) {
        return -1;
    }
    const char *key;
    json_t *value;
    json_object_foreach(req->body, key, value) {
        (void)value;
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0) {
            i++;
        }
        if (!allowed[i]) {
            /* The key may be long or hold control characters: show a bounded prefix. */
            api_error(res, 400, "unknown_field", "unknown field '%.64s'", key);
            return -1;
        }
    }
    return 0;
}

int api_body_string(const api_request *req, const char *key, unsigned flags, size_t max_len,
                    const char **out, api_response *res) {
    json_t *v = body_field(req, key);
    if (!v) {
        return absent(req, key, flags, res);
    }
    if (!json_is_string(v)) {
        api_error(res, 400, "bad_field", "the field '%s' must be a string", key);
        return -1;
    }
    size_t len = json_string_length(v);
    if (len == 0 && !(flags & API_ALLOW_EMPTY)) {
        api_error(res, 400, "bad_field", "the field '%s' must not be empty", key);
        return -1;
    }
    if (len > max_len) {
        api_error(res, 400, "bad_field", "the field '%s' is longer than %zu bytes", key, max_len);
        return -1;
    }
    const unsigned char *text = (const unsigned char *)json_string_value(v);
    for (size_t i = 0; (flags & API_PLAIN_TEXT) && i < len; i++) {
        if (text[i] < 0x20 || text[i] == 0x7f) {
            api_error(res, 400, "bad_field", "the field '%s' must not contain control characters",
                      key);
            return -1;
        }
    }
    *out = (const char *)text;
    return 0;
}

int api_body_int(const api_request *req, const char *key, unsigned flags, int64_t min, int64_t max,
                 int64_t *out, api_response *res) {
    json_t *v = body_field(req, key);
    if (!v) {
        return absent(req, key, flags, res);
    }
    if (!json_is_integer(v)) {
        api_error(res, 400, "bad_field", "the field '%s' must be an integer", key);
        return -1;
    }
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) {
        api_error(res, 400, "bad_field", "the field '%s' must lie between %lld and %lld", key,
                  (long long)min, (long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

int api_body_number(const api_request *req, const char *key, unsigned flags, double min, double max,
                    double *out, api_response *res) {
    json_t *v = body_field(req, key);
    if (!v) {
        return absent(req, key, flags, res);
    }
    if (!json_is_number(v)) {
        api_error(res, 400, "bad_field", "the field '%s' must be a number", key);
        return -1;
    }
    double x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max) {
        api_error(res, 400, "bad_field", "the field '%s' must lie between %g and %g", key, min,
                  max);
        return -1;
    }
    *out = x;
    return 0;
}

int api_body_bool(const api_request *req, const char *key, unsigned flags, int *out,
                  api_response *res) {
    json_t *v = body_field(req, key);
    if (!v) {
        return absent(req, key, flags, res);
    }
    if (!json_is_boolean(v)) {
        api_error(res, 400, "bad_field", "the field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int api_body_lonlat(const api_request *req, const char *key, unsigned flags, double *lon_deg,
                    double *lat_deg, api_response *res) {
    json_t *v = body_field(req, key);
    if (!v) {
        return absent(req, key, flags, res);
    }
    json_t *lon = json_array_get(v, 0);
    json_t *lat = json_array_get(v, 1);
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(lon) ||
        !json_is_number(lat)) {
        api_error(res, 400, "bad_field", "the field '%s' must be a position [lon, lat]", key);
        return -1;
    }
    double x = json_number_value(lon);
    double y = json_number_value(lat);
    if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
        api_error(res, 400, "bad_field",
                  "the field '%s' must be [lon, lat] in degrees, lon in [-180, 180] and lat in "
                  "[-90, 90]",
                  key);
        return -1;
    }
    *lon_deg = x;
    *lat_deg = y;
    return 0;
}

int api_query_int(const api_request *req, const char *name, unsigned flags, int64_t min,
                  int64_t max, int64_t *out, api_response *res) {
    const char *s = api_query(req, name);
    if (!s) {
        if (flags & API_OPTIONAL) {
            return 0;
        }
        api_error(res, 400, "bad_query", "the query argument '%s' is required", name);
        return -1;
    }
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno == ERANGE || x < min || x > max) {
        api_error(res, 400, "bad_query",
                  "the query argument '%s' must be an integer between %lld and %lld", name,
                  (long long)min, (long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

int api_query_bbox(const api_request *req, const char *name, unsigned flags, double bbox[4],
                   api_response *res) {
    const char *s = api_query(req, name);
    if (!s) {
        if (flags & API_OPTIONAL) {
            return 0;
        }
        api_error(res, 400, "bad_query", "the query argument '%s' is required", name);
        return -1;
    }
    double b[4];
    const char *c = s;
    int ok = 1;
    for (int i = 0; i < 4 && ok; i++) {
        char *end;
        b[i] = strtod(c, &end);
        ok = end != c && isfinite(b[i]) && *end == (i < 3 ? ',' : '\0');
        c = end + 1;
    }
    if (!ok || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3]) {
        api_error(res, 400, "bad_query",
                  "the query argument '%s' must be minlon,minlat,maxlon,maxlat in degrees", name);
        return -1;
    }
    memcpy(bbox, b, sizeof b);
    return 0;
}

unsigned api_json_depth(const char *data, size_t size, unsigned max_depth) {
    unsigned depth = 0;
    unsigned deepest = 0;
    int in_string = 0;
    for (size_t i = 0; i < size; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\') {
                i++; /* the escaped character can be neither '"' nor a bracket that counts */
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > max_depth) {
                    return max_depth + 1;
                }
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

int api_parse_body(const char *data, size_t size, unsigned max_depth, json_t **out,
                   api_response *res) {
    *out = NULL;
    if (api_json_depth(data, size, max_depth) > max_depth) {
        api_error(res, 400, "too_deep", "the JSON body nests arrays and objects deeper than %u",
                  max_depth);
        return -1;
    }
    json_error_t err;
    json_t *body = json_loadb(data, size, JSON_REJECT_DUPLICATES, &err);
    if (!body) {
        api_error(res, 400, "bad_json", "malformed JSON at line %d, column %d: %s", err.line,
                  err.column, err.text);
        return -1;
    }
    if (!json_is_object(body) && !json_is_array(body)) {
        json_decref(body);
        api_error(res, 400, "bad_json", "the body must be a JSON object or array");
        return -1;
    }
    *out = body;
    return 0;
}

static int host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

static int hex_char(char c) {
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
           c == '.';
}

int api_origin_of_host(const char *host, const char *forwarded_proto, char *out, size_t size) {
    if (!host) {
        return -1;
    }
    size_t len = strlen(host);
    if (len == 0 || len > 255) {
        return -1;
    }
    size_t i = 0;
    if (host[0] == '[') {
        for (i = 1; i < len && hex_char(host[i]); i++) {
        }
        if (i == 1 || i >= len || host[i] != ']') {
            return -1;
        }
        i++;
    } else {
        for (; i < len && host_char(host[i]); i++) {
        }
        if (i == 0 || host[0] == '-' || host[0] == '.') {
            return -1;
        }
    }
    if (i < len) {
        if (host[i] != ':') {
            return -1;
        }
        size_t digits = len - i - 1;
        if (digits < 1 || digits > 5) {
            return -1;
        }
        long port = 0;
        for (size_t k = i + 1; k < len; k++) {
            if (host[k] < '0' || host[k] > '9') {
                return -1;
            }
            port = port * 10 + (host[k] - '0');
        }
        if (port > 65535) {
            return -1;
        }
    }
    const char *scheme =
        forwarded_proto && strcmp(forwarded_proto, "https") == 0 ? "https" : "http";
    int n = snprintf(out, size, "%s://%s", scheme, host);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

json_t *api_open_now_json(api_request *req, const char *hours) {
    if (!hours) {
        return json_null();
    }
    dorf_opening_hours *oh = NULL;
    if (dorf_opening_hours_parse(req->ctx, hours, &oh) != DORF_OK) {
        dorf_ctx_clear_error(req->ctx);
        return json_null();
    }
    bool open = dorf_opening_hours_is_open(oh, "DE", dorf_market_local_time(req->now));
    dorf_opening_hours_free(oh);
    return json_boolean(open);
}
