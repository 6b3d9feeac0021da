/*
 * points_csv.h: reading lists of points from CSV files, as `dorf matrix` takes them.
 *
 * The first non-empty line names the columns: `id,lon,lat` (in any order) or `lon,lat`; each
 * further non-empty line is one point, coordinates in WGS84 degrees. Without an id column a
 * point's id is its row number, 1 for the first point. Fields are separated by commas and may
 * be padded with blanks; quoting is not supported (ids cannot contain commas).
 */
#ifndef DORF_CLI_POINTS_CSV_H
#define DORF_CLI_POINTS_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "dorf/context.h"

struct cli_point {
    char *id;
    double lon_deg;
    double lat_deg;
    long line; /* 1-based line in the file, for messages */
};

struct cli_points {
    struct cli_point *items;
    size_t count, cap;
};

/*
 * Reads all points from `f`; `name` names the file in messages ("points.csv:7: ..."). On
 * failure DORF_EPARSE (malformed header or row), DORF_EEMPTY (no points), DORF_EIO or
 * DORF_ENOMEM; `out` then holds what was read so far and must still be released.
 */
dorf_status cli_points_read(dorf_ctx *ctx, FILE *f, const char *name, struct cli_points *out);

/* Frees the points' memory. */
void cli_points_release(struct cli_points *points);

#endif
