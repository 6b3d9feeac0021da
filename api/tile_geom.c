/*
 * tile_geom.c: projection, tile grid, clipping, simplification and rounding for vector tiles
 * (tile_geom.h).
 *
 * The projection is spherical Web Mercator (EPSG:3857) scaled to the unit square. Lines are
 * clipped segment by segment with the parametric algorithm of Liang and Barsky (1984), which
 * gives the entry and exit points of each segment exactly, so the pieces of a line that leaves
 * and re-enters the tile stay separate parts. Rings are clipped with Sutherland-Hodgman (1974)
 * against the four sides in turn: the result is one ring, closed, with the input's winding;
 * where a concave ring leaves the tile twice the clipped ring runs along the border between
 * the two pieces (zero-width edges), which renderers fill correctly and which is what PostGIS'
 * ST_AsMVTGeom and geojson-vt produce too. Both have a fast path for geometry wholly inside.
 * Douglas-Peucker (1973) runs with an explicit stack, never recursion, so a ring of any size is
 * safe.
 */
#include "tile_geom.h"

#include <math.h>
#include <string.h>

#include "dorf/alloc.h"

#define PI 3.14159265358979323846

void tile_project(double lon_deg, double lat_deg, double *wx, double *wy) {
    if (lat_deg > TILE_MAX_LAT_DEG) {
        lat_deg = TILE_MAX_LAT_DEG;
    } else if (lat_deg < -TILE_MAX_LAT_DEG) {
        lat_deg = -TILE_MAX_LAT_DEG;
    }
    double s = sin(lat_deg * PI / 180.0);
    *wx = (lon_deg + 180.0) / 360.0;
    *wy = 0.5 - log((1.0 + s) / (1.0 - s)) / (4.0 * PI);
}

void tile_unproject(double wx, double wy, double *lon_deg, double *lat_deg) {
    *lon_deg = wx * 360.0 - 180.0;
    *lat_deg = atan(sinh(PI * (1.0 - 2.0 * wy))) * 180.0 / PI;
}

void tile_bounds_deg(unsigned z, uint32_t x, uint32_t y, double out[4]) {
    double n = ldexp(1.0, (int)z);
    tile_unproject(x / n, (y + 1) / n, &out[0], &out[1]);
    tile_unproject((x + 1) / n, y / n, &out[2], &out[3]);
}

void tile_range(unsigned z, const double bbox_deg[4], uint32_t *x0, uint32_t *y0, uint32_t *x1,
                uint32_t *y1) {
    double n = ldexp(1.0, (int)z);
    double ax, ay, bx, by;
    tile_project(bbox_deg[0], bbox_deg[3], &ax, &ay); /* north-west */
    tile_project(bbox_deg[2], bbox_deg[1], &bx, &by); /* south-east */
    double max = n - 1;
    *x0 = (uint32_t)fmin(fmax(floor(ax * n), 0), max);
    *y0 = (uint32_t)fmin(fmax(floor(ay * n), 0), max);
    *x1 = (uint32_t)fmin(fmax(floor(bx * n), 0), max);
    *y1 = (uint32_t)fmin(fmax(floor(by * n), 0), max);
}

/* ---- growable point arrays ---- */

void tile_xy_free(tile_xy *a) {
    dorf_free(a->pts);
    dorf_free(a->start);
    memset(a, 0, sizeof *a);
}

void tile_xy_clear(tile_xy *a) {
    a->n = 0;
    a->parts = 0;
}

size_t tile_xy_part_size(const tile_xy *a, size_t i) {
    return (i + 1 < a->parts ? a->start[i + 1] : a->n) - a->start[i];
}

static int reserve_points(tile_xy *a, size_t more) {
    return dorf_grow((void **)&a->pts, &a->cap, 2 * (a->n + more), sizeof *a->pts);
}

static int begin_part(tile_xy *a) {
    if (dorf_grow((void **)&a->start, &a->part_cap, a->parts + 1, sizeof *a->start) != 0) {
        return -1;
    }
    a->start[a->parts++] = a->n;
    return 0;
}

static void push(tile_xy *a, double x, double y) {
    a->pts[2 * a->n] = x;
    a->pts[2 * a->n + 1] = y;
    a->n++;
}

/* 1 when every point of xy lies in the square. */
static int all_inside(const double *xy, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!(x >= lo && x <= hi && y >= lo && y <= hi)) {
            return 0;
        }
    }
    return 1;
}

/* ---- lines ---- */

/* One side's test of Liang-Barsky: narrows [t0, t1]; 0 when the segment misses. */
static int lb_side(double p, double q, double *t0, double *t1) {
    if (p == 0) {
        return q >= 0;
    }
    double r = q / p;
    if (p < 0) {
        if (r > *t1) {
            return 0;
        }
        if (r > *t0) {
            *t0 = r;
        }
    } else {
        if (r < *t0) {
            return 0;
        }
        if (r < *t1) {
            *t1 = r;
        }
    }
    return 1;
}

int tile_clip_line(const double *xy, size_t n, double lo, double hi, tile_xy *out) {
    if (n < 2) {
        return 0;
    }
    if (all_inside(xy, n, lo, hi)) {
        if (begin_part(out) != 0 || reserve_points(out, n) != 0) {
            return -1;
        }
        memcpy(out->pts + 2 * out->n, xy, 2 * n * sizeof *xy);
        out->n += n;
        return 0;
    }
    int open = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double ax = xy[2 * i], ay = xy[2 * i + 1];
        double dx = xy[2 * i + 2] - ax, dy = xy[2 * i + 3] - ay;
        double t0 = 0, t1 = 1;
        if (!lb_side(-dx, ax - lo, &t0, &t1) || !lb_side(dx, hi - ax, &t0, &t1) ||
            !lb_side(-dy, ay - lo, &t0, &t1) || !lb_side(dy, hi - ay, &t0, &t1)) {
            open = 0;
            continue;
        }
        if (reserve_points(out, 2) != 0) {
            return -1;
        }
        if (!open || t0 > 0) {
            if (begin_part(out) != 0) {
                return -1;
            }
            push(out, ax + t0 * dx, ay + t0 * dy);
            open = 1;
        }
        push(out, t1 < 1 ? ax + t1 * dx : xy[2 * i + 2], t1 < 1 ? ay + t1 * dy : xy[2 * i + 3]);
        if (t1 < 1) {
            open = 0;
        }
    }
    return 0;
}

/* ---- rings ---- */

/* Which side of the square an edge of Sutherland-Hodgman keeps: x >= v, x <= v, y >= v ... */
enum side { KEEP_X_GE, KEEP_X_LE, KEEP_Y_GE, KEEP_Y_LE };

static int inside(enum side s, double v, double x, double y) {
    switch (s) {
    case KEEP_X_GE:
        return x >= v;
    case KEEP_X_LE:
        return x <= v;
    case KEEP_Y_GE:
        return y >= v;
    default:
        return y <= v;
    }
}

/* The crossing of segment a-b with the side's line. */
static void cross(enum side s, double v, double ax, double ay, double bx, double by, double *x,
                  double *y) {
    if (s == KEEP_X_GE || s == KEEP_X_LE) {
        *x = v;
        *y = ay + (by - ay) * (v - ax) / (bx - ax);
    } else {
        *x = ax + (bx - ax) * (v - ay) / (by - ay);
        *y = v;
    }
}

/* Clips the open ring in[0 .. n) against one side into out (emptied first). */
static int clip_side(const double *in, size_t n, enum side s, double v, tile_xy *out) {
    tile_xy_clear(out);
    if (n == 0 || reserve_points(out, 2 * n) != 0) {
        return n == 0 ? 0 : -1;
    }
    double px = in[2 * n - 2], py = in[2 * n - 1];
    int pin = inside(s, v, px, py);
    for (size_t i = 0; i < n; i++) {
        double x = in[2 * i], y = in[2 * i + 1];
        int cin = inside(s, v, x, y);
        if (cin != pin) {
            double ix, iy;
            cross(s, v, px, py, x, y, &ix, &iy);
            push(out, ix, iy);
        }
        if (cin) {
            push(out, x, y);
        }
        px = x;
        py = y;
        pin = cin;
    }
    return 0;
}

int tile_clip_ring(const double *xy, size_t n, double lo, double hi, tile_xy tmp[2], tile_xy *out) {
    if (n > 1 && xy[0] == xy[2 * n - 2] && xy[1] == xy[2 * n - 1]) {
        n--; /* work on the open ring */
    }
    if (n < 3) {
        return 0;
    }
    if (all_inside(xy, n, lo, hi)) {
        if (begin_part(out) != 0 || reserve_points(out, n + 1) != 0) {
            return -1;
        }
        memcpy(out->pts + 2 * out->n, xy, 2 * n * sizeof *xy);
        out->n += n;
        push(out, xy[0], xy[1]);
        return 0;
    }
    /* Alternate between the two scratch arrays as the input and output of each side. */
    static const enum side sides[4] = {KEEP_X_GE, KEEP_X_LE, KEEP_Y_GE, KEEP_Y_LE};
    const double *in = xy;
    size_t in_n = n;
    for (int k = 0; k < 4; k++) {
        tile_xy *dst = &tmp[k % 2];
        double v = (sides[k] == KEEP_X_GE || sides[k] == KEEP_Y_GE) ? lo : hi;
        if (clip_side(in, in_n, sides[k], v, dst) != 0) {
            return -1;
        }
        in = dst->pts;
        in_n = dst->n;
    }
    if (in_n >= 3) {
        if (begin_part(out) != 0 || reserve_points(out, in_n + 1) != 0) {
            return -1;
        }
        memcpy(out->pts + 2 * out->n, in, 2 * in_n * sizeof *in);
        out->n += in_n;
        push(out, in[0], in[1]);
    }
    return 0;
}

/* ---- simplification and rounding ---- */

/* Squared distance of p from the segment a-b. */
static double seg_dist2(double px, double py, double ax, double ay, double bx, double by) {
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    if (t < 0) {
        t = 0;
    } else if (t > 1) {
        t = 1;
    }
    double ex = ax + t * dx - px, ey = ay + t * dy - py;
    return ex * ex + ey * ey;
}

size_t tile_simplify(double *xy, size_t n, double tolerance, unsigned char *keep) {
    if (n < 3 || tolerance <= 0) {
        return n;
    }
    double tol2 = tolerance * tolerance;
    memset(keep, 0, n);
    keep[0] = keep[n - 1] = 1;
    /* The stack holds ranges [first, last]; at most one per level of splitting. */
    size_t stack_first[64], stack_last[64];
    size_t top = 0;
    stack_first[top] = 0;
    stack_last[top] = n - 1;
    top++;
    while (top > 0) {
        top--;
        size_t first = stack_first[top], last = stack_last[top];
        double ax = xy[2 * first], ay = xy[2 * first + 1];
        double bx = xy[2 * last], by = xy[2 * last + 1];
        double best = tol2;
        size_t index = 0;
        for (size_t i = first + 1; i < last; i++) {
            double d = seg_dist2(xy[2 * i], xy[2 * i + 1], ax, ay, bx, by);
            if (d > best) {
                best = d;
                index = i;
            }
        }
        if (index == 0) {
            continue;
        }
        keep[index] = 1;
        /* Push the larger half first, so the stack stays logarithmic in depth... */
        if (top + 2 > 64) {
            /* ...and past 64 levels keep every point of the range (never happens in practice). */
            for (size_t i = first; i <= last; i++) {
                keep[i] = 1;
            }
            continue;
        }
        if (index - first > last - index) {
            stack_first[top] = first;
            stack_last[top++] = index;
            stack_first[top] = index;
            stack_last[top++] = last;
        } else {
            stack_first[top] = index;
            stack_last[top++] = last;
            stack_first[top] = first;
            stack_last[top++] = index;
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) {
            xy[2 * m] = xy[2 * i];
            xy[2 * m + 1] = xy[2 * i + 1];
            m++;
        }
    }
    return m;
}

size_t tile_round(const double *xy, size_t n, int32_t *out) {
    const double lim = 1073741824.0;
    for (size_t i = 0; i < 2 * n; i++) {
        double v = xy[i];
        v = v > lim ? lim : v < -lim ? -lim : v;
        out[i] = (int32_t)lrint(v);
    }
    return n;
}

double tile_ring_area2(const double *xy, size_t n) {
    double a = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
    }
    if (n > 2) {
        a += xy[2 * n - 2] * xy[1] - xy[0] * xy[2 * n - 1];
    }
    return a;
}
