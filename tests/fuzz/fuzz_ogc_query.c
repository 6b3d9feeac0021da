/*
 * fuzz_ogc_query.c: libFuzzer target for the query parameters of OGC API Features
 * (api/ogc_query.c), the code every /ogc request runs on its arguments. The input is a query
 * string "name=value&name=value..." (split here as libmicrohttpd splits it, without percent
 * decoding, which is libmicrohttpd's part); it is parsed as an endpoint of items with times
 * (events), one without (places, roads) and one that takes only f. Checks, beyond "no crash":
 * a refusal comes with a message; an accepted query is in range (limit 1..10000, offset >= 0,
 * a box inside the world with min <= max, an interval that does not end before it starts);
 * what one endpoint accepts the endpoint that takes more accepts alike; and every bounded
 * end of an interval, written back as RFC 3339 and parsed again, gives the same second. The
 * whole input is also parsed as a datetime on its own, with the same round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ogc_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

/* An instant written as RFC 3339 and parsed again is the same second. */
static void check_round_trip(int64_t t) {
    char buf[32];
    int64_t from;
    int64_t until;
    ogc_time_format(t, buf, sizeof buf);
    /* Only times RFC 3339 can write (years 0000..9999) come back unchanged. */
    if (t < -62167219200LL || t > 253402300799LL) {
        return;
    }
    if (ogc_datetime_parse(buf, &from, &until) != 0 || from != t || until != t) {
        abort();
    }
}

static void check_query(const ogc_query *q, unsigned accepted) {
    if (q->limit < 1 || q->limit > OGC_MAX_LIMIT || q->offset < 0) {
        abort();
    }
    if (q->has_bbox) {
        const double *b = q->bbox;
        if (!(b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90 && b[0] <= b[2] &&
              b[1] <= b[3]) ||
            !q->bbox_text) {
            abort();
        }
    }
    if (q->has_datetime) {
        if (!(accepted & OGC_PARAM_DATETIME) || q->time_from > q->time_until || !q->datetime_text) {
            abort();
        }
        if (q->time_from != INT64_MIN) {
            check_round_trip(q->time_from);
        }
        if (q->time_until != INT64_MAX) {
            check_round_trip(q->time_until);
        }
    }
    if ((q->has_bbox && !(accepted & OGC_PARAM_BBOX)) || (q->has_f && !(accepted & OGC_PARAM_F))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    char *whole = malloc(size + 1);
    if (!text || !whole) {
        free(text);
        free(whole);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL in the input ends it, as in the C strings the server passes */
    memcpy(whole, text, size + 1);

    ogc_arg args[MAX_ARGS];
    size_t count = 0;
    for (char *part = text; part && count < MAX_ARGS;) {
        char *amp = strchr(part, '&');
        if (amp) {
            *amp = '\0';
        }
        char *eq = strchr(part, '=');
        if (eq) {
            *eq = '\0';
        }
        args[count++] = (ogc_arg){part, eq ? eq + 1 : NULL};
        part = amp ? amp + 1 : NULL;
    }

    static const unsigned endpoints[] = {OGC_PARAMS_TIMED_ITEMS, OGC_PARAMS_ITEMS, OGC_PARAM_F};
    ogc_query q[3];
    int rc[3];
    for (size_t e = 0; e < 3; e++) {
        char msg[256];
        msg[0] = '\0';
        rc[e] = ogc_query_parse(args, count, endpoints[e], &q[e], msg, sizeof msg);
        if (rc[e] == 0) {
            check_query(&q[e], endpoints[e]);
        } else if (rc[e] != -1 || msg[0] == '\0' || !memchr(msg, '\0', sizeof msg)) {
            abort();
        }
        /* A tiny message buffer truncates, never overflows. */
        char tiny[4];
        ogc_query t;
        if (ogc_query_parse(args, count, endpoints[e], &t, tiny, sizeof tiny) != rc[e]) {
            abort();
        }
    }
    /* The endpoints take ever fewer parameters: what a narrower one accepts, a wider one
       accepts with the same meaning. */
    for (size_t e = 1; e < 3; e++) {
        if (rc[e] == 0 && (rc[e - 1] != 0 || q[e].limit != q[e - 1].limit ||
                           q[e].offset != q[e - 1].offset || q[e].has_bbox != q[e - 1].has_bbox)) {
            abort();
        }
    }

    int64_t from;
    int64_t until;
    if (ogc_datetime_parse(whole, &from, &until) == 0) {
        if (from > until) {
            abort();
        }
        if (from != INT64_MIN) {
            check_round_trip(from);
        }
        if (until != INT64_MAX) {
            check_round_trip(until);
        }
    }
    free(text);
    free(whole);
    return 0;
}
