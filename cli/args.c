/*
 * args.c: parsing the option values the subcommands share (modes, coordinates, distances).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_parse_mode(const char *text, dorf_mode *out) {
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        if (strcmp(text, dorf_mode_name((dorf_mode)m)) == 0) {
            *out = (dorf_mode)m;
            return 0;
        }
    }
    return -1;
}

int cli_parse_lonlat(const char *text, double *lon, double *lat) {
    char *end = NULL;
    *lon = strtod(text, &end);
    if (end == text || *end != ',') {
        return -1;
    }
    const char *rest = end + 1;
    *lat = strtod(rest, &end);
    if (end == rest || *end != '\0' || !(*lon >= -180 && *lon <= 180) ||
        !(*lat >= -90 && *lat <= 90)) {
        return -1;
    }
    return 0;
}

int cli_parse_number(const char *text, double min, double max, double *out) {
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= min && v <= max)) {
        return -1;
    }
    *out = v;
    return 0;
}

void cli_print_padded(const char *text, int width) {
    int cols = 0;
    const char *p = text ? text : "";
    const char *start = p;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80) { /* not a continuation byte */
            if (cols == width) {
                break;
            }
            cols++;
        }
    }
    printf("%.*s%*s", (int)(p - start), start, width - cols, "");
}

int cli_parse_minutes(const char *text, double *minutes, int cap) {
    int n = 0;
    const char *p = text;
    for (;;) {
        char *end = NULL;
        double m = strtod(p, &end);
        if (end == p || !(m > 0 && m <= 1440) || n == cap) {
            return -1;
        }
        minutes[n++] = m;
        if (*end == '\0') {
            return n;
        }
        if (*end != ',') {
            return -1;
        }
        p = end + 1;
    }
}

int cli_parse_thresholds(const char *text, double *seconds, size_t cap) {
    double minutes[16];
    int n = cli_parse_minutes(text, minutes, cap < 16 ? (int)cap : 16);
    for (int i = 0; i < n; i++) {
        if (minutes[i] < 0.1 || (i > 0 && minutes[i] <= minutes[i - 1])) {
            return -1;
        }
        seconds[i] = minutes[i] * 60;
    }
    return n;
}

int cli_parse_modes(const char *text, unsigned *modes) {
    char item[16];
    unsigned bits = 0;
    int items = 0;
    for (const char *p = text;; items++) {
        size_t len = strcspn(p, ",");
        dorf_mode m;
        if (len == 0 || len >= sizeof item || items == 3) {
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (cli_parse_mode(item, &m) != 0) {
            return -1;
        }
        bits |= 1u << m;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    *modes = bits;
    return 0;
}

_Static_assert(DORF_COVERAGE_MAX_THRESHOLDS == 8, "THRESHOLDS_USAGE (cli.h) says 1 to 8");

dorf_local_time cli_today(void) {
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return (dorf_local_time){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0};
}
