/*
 * fuzz_ical.c: libFuzzer target for the iCalendar writer (api/ical.c), which escapes and
 * folds the text people give their events. The input is one property value. Checks, beyond
 * "no crash": every line ends in CRLF (no bare CR or LF), no line exceeds 75 octets, and for
 * input that is valid UTF-8, every physical line is valid UTF-8 (no sequence split by a
 * fold) and unfolding and unescaping gives back the input without its control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s[0 .. n) is valid UTF-8 (RFC 3629: no overlongs, surrogates or values > 10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned min;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *value = malloc(size + 1);
    if (!value) {
        return 0;
    }
    memcpy(value, data, size);
    value[size] = '\0'; /* a NUL in the input ends the value, as in a C string */
    size_t n = strlen(value);
    int utf8 = valid_utf8((const unsigned char *)value, n);

    api_ical cal = {0};
    api_ical_property(&cal, "DESCRIPTION", value, 1);
    if (cal.failed) {
        goto done;
    }
    const unsigned char *out = (const unsigned char *)cal.data;
    if (cal.len < 2 || out[cal.len - 2] != '\r' || out[cal.len - 1] != '\n') {
        abort();
    }
    /* Lines, their lengths, and the unfolded text after "DESCRIPTION:". */
    char *unfolded = malloc(cal.len + 1);
    if (!unfolded) {
        goto done;
    }
    size_t u = 0;
    size_t start = 0;
    for (size_t i = 0; i < cal.len; i++) {
        if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) {
            abort(); /* bare LF */
        }
        if (out[i] == '\r') {
            if (i + 1 >= cal.len || out[i + 1] != '\n') {
                abort(); /* bare CR */
            }
            size_t line_len = i - start;
            if (line_len > API_ICAL_LINE_MAX) {
                abort();
            }
            if (utf8 && !valid_utf8(out + start, line_len)) {
                abort(); /* a fold split a sequence */
            }
            /* A continuation line starts with one space that unfolding removes. */
            size_t from = start == 0 ? 0 : start + 1;
            if (start > 0 && out[start] != ' ') {
                abort();
            }
            memcpy(unfolded + u, out + from, i - from);
            u += i - from;
            start = i + 2;
            i++;
        }
    }
    unfolded[u] = '\0';
    static const char prefix[] = "DESCRIPTION:";
    if (strncmp(unfolded, prefix, sizeof prefix - 1) != 0) {
        abort();
    }
    if (utf8) {
        /* Unescape and compare with the input minus the controls TEXT cannot hold. */
        const char *e = unfolded + sizeof prefix - 1;
        size_t k = 0;
        for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
            if ((*c < 0x20 && *c != '\t' && *c != '\n') || *c == 0x7f) {
                continue;
            }
            char want = (char)*c;
            if (*e == '\\') {
                e++;
                char got = *e == 'n' ? '\n' : *e;
                if (got != want || !strchr("\\;,\n", want)) {
                    abort();
                }
            } else if (*e != want || strchr("\\;,\n", want)) {
                abort(); /* missing or unescaped special character */
            }
            e++;
            k++;
        }
        if (*e != '\0') {
            abort();
        }
        (void)k;
    }
    free(unfolded);
done:
    api_ical_free(&cal);
    free(value);
    return 0;
}
