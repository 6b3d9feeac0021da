/*
 * points_csv.c: the CSV point lists of points_csv.h. Every row is checked completely (field
 * count, numbers in range, non-empty id) and a failure names the file and line.
 */
#include "points_csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dorf/alloc.h"

void cli_points_release(struct cli_points *p) {
    for (size_t i = 0; i < p->count; i++) {
        dorf_free(p->items[i].id);
    }
    dorf_free(p->items);
    memset(p, 0, sizeof *p);
}

/* Splits `line` at commas in place into at most `max` fields; returns the field count, or
 * max + 1 when there are more. */
static int split(char *line, char **fields, int max) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            return max + 1;
        }
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) {
            return n;
        }
        *comma = '\0';
        p = comma + 1;
    }
}

static void trim(char **s) {
    while (**s == ' ' || **s == '\t') {
        (*s)++;
    }
    size_t n = strlen(*s);
    while (n && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' || (*s)[n - 1] == '\r' ||
                 (*s)[n - 1] == '\n')) {
        (*s)[--n] = '\0';
    }
}

static int parse_degrees(const char *text, double lo, double hi, double *out) {
    char *end = NULL;
    errno = 0;
    *out = strtod(text, &end);
    return end != text && *end == '\0' && errno == 0 && *out >= lo && *out <= hi ? 0 : -1;
}

dorf_status cli_points_read(dorf_ctx *ctx, FILE *f, const char *name, struct cli_points *pts) {
    char *line = NULL;
    size_t line_cap = 0;
    long lineno = 0;
    int col_id = -1, col_lon = -1, col_lat = -1, columns = 0;
    dorf_status st = DORF_OK;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: a NUL byte; is this a text file?", name,
                           lineno);
            goto done;
        }
        char *fields[4];
        char *text = line;
        trim(&text);
        if (*text == '\0') {
            continue;
        }
        int n = split(text, fields, 3);
        for (int i = 0; i < n && i < 3; i++) {
            trim(&fields[i]);
        }
        if (columns == 0) {
            for (int i = 0; i < n && i < 3; i++) {
                if (strcasecmp(fields[i], "id") == 0) {
                    col_id = i;
                } else if (strcasecmp(fields[i], "lon") == 0) {
                    col_lon = i;
                } else if (strcasecmp(fields[i], "lat") == 0) {
                    col_lat = i;
                }
            }
            if (n > 3 || col_lon < 0 || col_lat < 0 || (n == 3 && col_id < 0)) {
                st = dorf_fail(ctx, DORF_EPARSE,
                               "%s:%ld: expected a header line naming the columns id,lon,lat "
                               "(or lon,lat)",
                               name, lineno);
                goto done;
            }
            columns = n;
            continue;
        }
        if (n != columns) {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: expected %d columns (%s), found %s%d", name,
                           lineno, columns, columns == 3 ? "id,lon,lat" : "lon,lat",
                           n > 3 ? "more than " : "", n > 3 ? 3 : n);
            goto done;
        }
        double lon, lat;
        if (parse_degrees(fields[col_lon], -180, 180, &lon) != 0) {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: '%.40s' is not a longitude in degrees", name,
                           lineno, fields[col_lon]);
            goto done;
        }
        if (parse_degrees(fields[col_lat], -90, 90, &lat) != 0) {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: '%.40s' is not a latitude in degrees", name,
                           lineno, fields[col_lat]);
            goto done;
        }
        char number[32];
        snprintf(number, sizeof number, "%zu", pts->count + 1);
        const char *id = col_id >= 0 ? fields[col_id] : number;
        if (*id == '\0') {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: the id is empty", name, lineno);
            goto done;
        }
        if (dorf_grow((void **)&pts->items, &pts->cap, pts->count + 1, sizeof *pts->items) != 0 ||
            !(pts->items[pts->count].id = dorf_strdup(id))) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", name);
            goto done;
        }
        pts->items[pts->count].lon_deg = lon;
        pts->items[pts->count].lat_deg = lat;
        pts->items[pts->count].line = lineno;
        pts->count++;
    }
    if (ferror(f)) {
        st = dorf_fail(ctx, DORF_EIO, "%s: %s", name, strerror(errno));
    } else if (columns == 0) {
        st = dorf_fail(ctx, DORF_EPARSE, "%s: empty; expected a header line id,lon,lat", name);
    } else if (pts->count == 0) {
        st = dorf_fail(ctx, DORF_EEMPTY, "%s: no points after the header line", name);
    }
done:
    free(line);
    return st;
}
