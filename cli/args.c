/*
 * args.c: parsing the option values the subcommands share (modes, coordinates, distances).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
