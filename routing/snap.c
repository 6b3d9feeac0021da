/*
 * snap.c: finding the nearest point of the road network to a coordinate.
 *
 * Each piece of each usable segment's shape is entered into every cell of a uniform grid
 * (100 m cells, coarser for very large regions) that its bounding box touches. A query
 * searches rings of cells around the coordinate's cell, nearest first, and stops once the
 * next ring cannot hold anything nearer than the best piece found.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "graph_internal.h"

#define CELL_M 100.0
#define MAX_CELLS (1u << 22)

static void to_xy(const struct snap_grid *gr, double lon, double lat, double *x, double *y) {
    *x = (lon - gr->lon0) * gr->m_per_lon;
    *y = (lat - gr->lat0) * gr->m_per_lat;
}

static uint32_t clamp_cell(double v, uint32_t n) {
    if (!(v >= 0)) {
        return 0;
    }
    return v >= n ? n - 1 : (uint32_t)v;
}

/* The range of cells (columns c0..c1, rows r0..r1) a piece's bounding box touches. */
static void piece_cells(const struct snap_grid *gr, const double *a, const double *b, uint32_t *c0,
                        uint32_t *c1, uint32_t *r0, uint32_t *r1) {
    double ax, ay, bx, by;
    to_xy(gr, a[0], a[1], &ax, &ay);
    to_xy(gr, b[0], b[1], &bx, &by);
    *c0 = clamp_cell(fmin(ax, bx) / gr->cell_m, gr->cols);
    *c1 = clamp_cell(fmax(ax, bx) / gr->cell_m, gr->cols);
    *r0 = clamp_cell(fmin(ay, by) / gr->cell_m, gr->rows);
    *r1 = clamp_cell(fmax(ay, by) / gr->cell_m, gr->rows);
}

dorf_status graph_build_snap_grid(dorf_ctx *ctx, dorf_graph *g) {
    struct snap_grid *gr = &g->grid;
    uint8_t *usable = dorf_malloc(g->segment_count ? g->segment_count : 1);
    if (!usable) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory indexing roads for snapping");
    }
    dorf_status st = graph_mark_snappable(ctx, g, usable);
    if (st != DORF_OK) {
        dorf_free(usable);
        return st;
    }
    double min_lon = INFINITY, min_lat = INFINITY, max_lon = -INFINITY, max_lat = -INFINITY;
    for (uint32_t s = 0; s < g->segment_count; s++) {
        if (!usable[s]) {
            continue;
        }
        for (uint32_t i = 0; i < g->seg_point_count[s]; i++) {
            const double *p = &g->points[2 * ((size_t)g->seg_point_first[s] + i)];
            min_lon = fmin(min_lon, p[0]);
            max_lon = fmax(max_lon, p[0]);
            min_lat = fmin(min_lat, p[1]);
            max_lat = fmax(max_lat, p[1]);
        }
    }
    if (!isfinite(min_lon)) {
        min_lon = max_lon = min_lat = max_lat = 0; /* no usable segment: an empty grid */
    }
    gr->lon0 = min_lon;
    gr->lat0 = min_lat;
    gr->m_per_lat = 111195.0;
    /* Near the poles a degree of longitude shrinks to nothing; keep the grid usable. */
    gr->m_per_lon = 111195.0 * fmax(cos((min_lat + max_lat) / 2 * M_PI / 180.0), 0.01);
    double w = (max_lon - min_lon) * gr->m_per_lon, h = (max_lat - min_lat) * gr->m_per_lat;
    gr->cell_m = CELL_M;
    while ((w / gr->cell_m + 1) * (h / gr->cell_m + 1) > MAX_CELLS) {
        gr->cell_m *= 2;
    }
    gr->cols = (uint32_t)(w / gr->cell_m) + 1;
    gr->rows = (uint32_t)(h / gr->cell_m) + 1;
    size_t cells = (size_t)gr->cols * gr->rows;
    gr->cell_first = dorf_calloc(cells + 1, sizeof *gr->cell_first);
    if (!gr->cell_first) {
        dorf_free(usable);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory indexing roads for snapping");
    }
    /* Two passes: count the pieces per cell, then place them. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t s = 0; s < g->segment_count; s++) {
            if (!usable[s]) {
                continue;
            }
            for (uint32_t i = 0; i + 1 < g->seg_point_count[s]; i++) {
                uint32_t piece = g->seg_point_first[s] + i;
                uint32_t c0, c1, r0, r1;
                piece_cells(gr, &g->points[2 * (size_t)piece], &g->points[2 * (size_t)piece + 2],
                            &c0, &c1, &r0, &r1);
                for (uint32_t r = r0; r <= r1; r++) {
                    for (uint32_t c = c0; c <= c1; c++) {
                        size_t cell = (size_t)r * gr->cols + c;
                        if (pass == 0) {
                            gr->cell_first[cell + 1]++;
                        } else {
                            gr->items[gr->cell_first[cell]++] = (struct snap_item){s, piece};
                        }
                    }
                }
            }
        }
        if (pass == 0) {
            for (size_t c = 0; c < cells; c++) {
                gr->cell_first[c + 1] += gr->cell_first[c];
            }
            gr->items = dorf_malloc((gr->cell_first[cells] + 1) * sizeof *gr->items);
            if (!gr->items) {
                dorf_free(usable);
                return dorf_fail(ctx, DORF_ENOMEM, "out of memory indexing roads for snapping");
            }
        } else {
            /* Placing advanced each cell's start to the next cell's; shift back. */
            memmove(gr->cell_first + 1, gr->cell_first, cells * sizeof *gr->cell_first);
            gr->cell_first[0] = 0;
        }
    }
    dorf_free(usable);
    return DORF_OK;
}

/* Squared distance from (px, py) to the piece a-b, and the position t in [0, 1] on it. */
static double piece_distance2(double px, double py, double ax, double ay, double bx, double by,
                              double *t) {
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    *t = u;
    double qx = ax + u * dx - px, qy = ay + u * dy - py;
    return qx * qx + qy * qy;
}

dorf_status dorf_graph_snap(dorf_ctx *ctx, const dorf_graph *g, double lon, double lat,
                            double max_distance_m, dorf_snap *out) {
    const struct snap_grid *gr = &g->grid;
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
        return dorf_fail(ctx, DORF_EINVAL, "%g,%g is not a WGS84 longitude,latitude", lon, lat);
    }
    double px, py;
    to_xy(gr, lon, lat, &px, &py);
    double best2 = INFINITY;
    struct snap_item best = {0, 0};
    double best_t = 0;
    long pc = (long)floor(px / gr->cell_m), pr = (long)floor(py / gr->cell_m);
    long cols = (long)gr->cols, rows = (long)gr->rows;
    /* Rings of cells around the point's cell, nearest first; start at the first ring that
     * touches the grid, stop when a ring lies beyond the best distance or the limit, or once
     * a ring's square covers the whole grid. */
    long dc = pc < 0 ? -pc : pc >= cols ? pc - cols + 1 : 0;
    long dr = pr < 0 ? -pr : pr >= rows ? pr - rows + 1 : 0;
    long first_ring = dc > dr ? dc : dr;
    long max_ring = (long)(max_distance_m / gr->cell_m) + 2;
    for (long ring = first_ring; ring <= max_ring; ring++) {
        double ring_near = (ring - 1) * gr->cell_m; /* nothing in this ring is nearer */
        if (ring > 0 && ring_near > 0 && ring_near * ring_near > best2) {
            break;
        }
        long r0 = pr - ring, r1 = pr + ring, c0 = pc - ring, c1 = pc + ring;
        for (long r = r0 < 0 ? 0 : r0; r <= r1 && r < rows; r++) {
            /* The whole row on the ring's top and bottom edges, else its two side cells. */
            int edge_row = r == r0 || r == r1;
            for (long c = edge_row ? (c0 < 0 ? 0 : c0) : c0; c <= c1 && c < cols;
                 c = edge_row || c == c1 ? c + 1 : c1) {
                if (c < 0) {
                    continue;
                }
                size_t cell = (size_t)r * gr->cols + (size_t)c;
                for (uint32_t k = gr->cell_first[cell]; k < gr->cell_first[cell + 1]; k++) {
                    const struct snap_item *it = &gr->items[k];
                    const double *a = &g->points[2 * (size_t)it->piece];
                    double ax, ay, bx, by, t;
                    to_xy(gr, a[0], a[1], &ax, &ay);
                    to_xy(gr, a[2], a[3], &bx, &by);
                    double d2 = piece_distance2(px, py, ax, ay, bx, by, &t);
                    if (d2 < best2) {
                        best2 = d2;
                        best = *it;
                        best_t = t;
                    }
                }
            }
        }
        if (r0 <= 0 && c0 <= 0 && r1 >= rows - 1 && c1 >= cols - 1) {
            break;
        }
    }
    if (!(best2 <= max_distance_m * max_distance_m)) {
        if (isfinite(best2)) {
            return dorf_fail(ctx, DORF_ENOTFOUND,
                             "%.6f,%.6f is %.0f m from the nearest road a %s route may use "
                             "(limit %.0f m)",
                             lon, lat, sqrt(best2), dorf_mode_name(g->mode), max_distance_m);
        }
        return dorf_fail(ctx, DORF_ENOTFOUND, "%.6f,%.6f: no road a %s route may use within %.0f m",
                         lon, lat, dorf_mode_name(g->mode), max_distance_m);
    }
    /* Fraction along the segment by metric length, to interpolate travel times. */
    uint32_t s = best.segment;
    double along = 0, total = 0;
    for (uint32_t i = 0; i + 1 < g->seg_point_count[s]; i++) {
        uint32_t piece = g->seg_point_first[s] + i;
        const double *a = &g->points[2 * (size_t)piece];
        double ax, ay, bx, by;
        to_xy(gr, a[0], a[1], &ax, &ay);
        to_xy(gr, a[2], a[3], &bx, &by);
        double len = hypot(bx - ax, by - ay);
        if (piece < best.piece) {
            along += len;
        } else if (piece == best.piece) {
            along += best_t * len;
            out->lon_deg = a[0] + best_t * (a[2] - a[0]);
            out->lat_deg = a[1] + best_t * (a[3] - a[1]);
        }
        total += len;
    }
    out->segment = s;
    out->fraction = total > 0 ? along / total : 0;
    out->distance_m = sqrt(best2);
    return DORF_OK;
}
