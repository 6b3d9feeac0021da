/*
 * coverage_table.c: a coverage summary as a table for GIS users (dorf_coverage_table_build).
 *
 * Long format, one row per zone, category and mode, so that a GIS user filters by category
 * and mode instead of picking among dozens of columns.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/coverage.h"

void dorf_coverage_table_release(dorf_coverage_table *t) {
    if (!t) {
        return;
    }
    dorf_free(t->columns);
    dorf_free(t->values);
    dorf_free(t->coords);
    dorf_free(t->names);
    memset(t, 0, sizeof *t);
}

/* "10min", or "450s" for a threshold that is not whole minutes. */
static void threshold_label(double s, char *buf, size_t size) {
    if (fmod(s, 60.0) == 0) {
        snprintf(buf, size, "%.0fmin", s / 60.0);
    } else {
        snprintf(buf, size, "%.0fs", s);
    }
}

static const char *table_name(dorf_zone_kind kind) {
    switch (kind) {
    case DORF_ZONE_REGION:
        return "coverage_region";
    case DORF_ZONE_SETTLEMENT:
        return "coverage_settlement";
    case DORF_ZONE_GRID_1KM:
        return "coverage_grid_1km";
    default:
        return "coverage_grid_100m";
    }
}

dorf_status dorf_coverage_table_build(dorf_ctx *ctx, const dorf_coverage *cov,
                                      const dorf_coverage_summary *s, dorf_coverage_table *out) {
    memset(out, 0, sizeof *out);
    const size_t T = s->threshold_count, C = s->category_count;
    enum { FIXED = 6 };
    /* A change summary adds, per threshold: before, lost and gained persons. */
    const size_t change = s->before_within ? 3 : 0;
    const size_t ncol = FIXED + (2 + change) * T + 2;
    size_t modes = 0;
    for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
        modes += (cov->modes >> m) & 1u;
    }
    const size_t rows = s->zone_count * C * modes;
    out->columns = dorf_calloc(ncol, sizeof *out->columns);
    out->values = dorf_calloc(rows * ncol + 1, sizeof *out->values);
    out->names = dorf_calloc((2 + change) * T, 32);
    int geometry = s->kind == DORF_ZONE_SETTLEMENT ? 2 : s->cell_m > 0 ? 4 : 0;
    if (geometry) {
        out->coords = dorf_calloc(rows * (size_t)geometry + 1, sizeof *out->coords);
    }
    if (!out->columns || !out->values || !out->names || (geometry && !out->coords)) {
        dorf_coverage_table_release(out);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the coverage table");
    }
    static const dorf_column fixed[FIXED] = {
        {"zone", DORF_COLUMN_TEXT},          {"name", DORF_COLUMN_TEXT},
        {"category", DORF_COLUMN_TEXT},      {"mode", DORF_COLUMN_TEXT},
        {"households", DORF_COLUMN_INTEGER}, {"persons", DORF_COLUMN_REAL},
    };
    memcpy(out->columns, fixed, sizeof fixed);
    const size_t per = 2 + change; /* columns per threshold */
    static const char *const prefixes[5] = {"persons_", "share_", "before_", "lost_", "gained_"};
    for (size_t t = 0; t < T; t++) {
        char label[16];
        threshold_label(s->thresholds_s[t], label, sizeof label);
        for (size_t k = 0; k < per; k++) {
            char *name = out->names + 32 * (per * t + k);
            snprintf(name, 32, "%s%s", prefixes[k], label);
            out->columns[FIXED + per * t + k] = (dorf_column){name, DORF_COLUMN_REAL};
        }
    }
    out->columns[FIXED + per * T] = (dorf_column){"reached_persons", DORF_COLUMN_REAL};
    out->columns[FIXED + per * T + 1] = (dorf_column){"mean_min", DORF_COLUMN_REAL};

    size_t row = 0;
    for (size_t z = 0; z < s->zone_count; z++) {
        const dorf_coverage_zone *zone = &s->zones[z];
        for (size_t c = 0; c < C; c++) {
            for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
                if (!(cov->modes & (1u << m))) {
                    continue;
                }
                dorf_value *v = out->values + row * ncol;
                v[0].s = zone->id;
                v[1].s = zone->name;
                v[2].s = dorf_category_name(cov->categories[c]);
                v[3].s = dorf_coverage_access_name((unsigned)m);
                v[4].i = zone->households;
                v[5].r = zone->persons;
                for (size_t t = 0; t < T; t++) {
                    size_t w = dorf_coverage_within_index(s, z, c, m, t);
                    double p = s->persons_within[w];
                    dorf_value *col = v + FIXED + per * t;
                    col[0].r = p;
                    col[1].r = zone->persons > 0 ? p / zone->persons : NAN;
                    if (change) {
                        col[2].r = s->before_within[w];
                        col[3].r = s->persons_lost[w];
                        col[4].r = s->persons_gained[w];
                    }
                }
                size_t i = dorf_coverage_cell_index(s, z, c, (unsigned)m);
                double reached = s->persons_reached[i];
                v[FIXED + per * T].r = reached;
                v[FIXED + per * T + 1].r = reached > 0 ? s->time_person_s[i] / reached / 60.0 : NAN;
                if (geometry == 2) {
                    out->coords[2 * row] = zone->x;
                    out->coords[2 * row + 1] = zone->y;
                } else if (geometry == 4) {
                    double *b = out->coords + 4 * row;
                    b[0] = zone->x;
                    b[1] = zone->y;
                    b[2] = zone->x + s->cell_m;
                    b[3] = zone->y + s->cell_m;
                }
                row++;
            }
        }
    }
    out->table = (dorf_table){
        .name = table_name(s->kind),
        .columns = out->columns,
        .column_count = ncol,
        .row_count = row,
        .values = out->values,
        .geometry = geometry == 2   ? DORF_TABLE_POINT
                    : geometry == 4 ? DORF_TABLE_BOX
                                    : DORF_TABLE_NO_GEOMETRY,
        .epsg = geometry == 2   ? 4326
                : geometry == 4 ? 3035
                                : 0,
        .coords = out->coords,
    };
    return DORF_OK;
}
