/*
 * tile_geom.h: the geometry of vector tiles: the Web Mercator projection (EPSG:3857) in
 * "world" coordinates, the tile grid, clipping of lines and polygon rings to a tile with its
 * buffer, Douglas-Peucker simplification and rounding to integer tile units.
 *
 * World coordinates put the whole Web Mercator square on [0, 1] x [0, 1], x to the east and y
 * to the south (as tiles count), so tile (z, x, y) covers [x, x + 1] / 2^z by [y, y + 1] / 2^z
 * and a point's tile coordinates are (wx * 2^z - x) * extent. Latitudes are clamped to the
 * square's +-85.0511287798 degrees. The functions work on flat arrays of doubles x0, y0, x1,
 * y1 ... and write into growable arrays the caller keeps for reuse (tile_xy), so clipping a
 * tile's features allocates only while those arrays grow.
 */
#ifndef DORF_API_TILE_GEOM_H
#define DORF_API_TILE_GEOM_H

#include <stddef.h>
#include <stdint.h>

#define TILE_MAX_LAT_DEG 85.0511287798066

/* lon/lat in degrees -> world coordinates in [0, 1]. */
void tile_project(double lon_deg, double lat_deg, double *wx, double *wy);

/* World coordinates -> lon/lat in degrees. */
void tile_unproject(double wx, double wy, double *lon_deg, double *lat_deg);

/* The tile's bounds in lon/lat degrees: west, south, east, north. */
void tile_bounds_deg(unsigned z, uint32_t x, uint32_t y, double out[4]);

/* The range of tiles at zoom z that covers a lon/lat box: x0..x1, y0..y1 inclusive. */
void tile_range(unsigned z, const double bbox_deg[4], uint32_t *x0, uint32_t *y0, uint32_t *x1,
                uint32_t *y1);

/* A growable array of points (pairs of doubles) with parts: part i is pts[start[i] ..). */
typedef struct tile_xy {
    double *pts; /* 2 * n doubles */
    size_t n, cap;
    size_t *start; /* first point of each part */
    size_t parts, part_cap;
} tile_xy;

/* Frees the arrays of `a` (not `a` itself). */
void tile_xy_free(tile_xy *a);

/* Empties `a`, keeping its memory. */
void tile_xy_clear(tile_xy *a);

/* The number of points of part i. */
size_t tile_xy_part_size(const tile_xy *a, size_t i);

/*
 * Clips the polyline xy (n points) to the square [lo, hi] x [lo, hi] and appends each piece
 * that lies inside as a part of `out` (a line that leaves and comes back gives several
 * parts; where it crosses the border the crossing point is added). Returns 0, or -1 when out
 * of memory.
 */
int tile_clip_line(const double *xy, size_t n, double lo, double hi, tile_xy *out);

/*
 * Clips the ring xy (n points, closed or not) to the square [lo, hi] x [lo, hi] with the
 * algorithm of Sutherland and Hodgman (1974) and appends the result as one part of `out`,
 * closed (last point equal to the first) and with the ring's winding, or nothing when no part
 * of the ring is inside. A ring around the whole square becomes the square. `tmp` is scratch
 * space (two arrays). Returns 0, or -1 when out of memory.
 */
int tile_clip_ring(const double *xy, size_t n, double lo, double hi, tile_xy tmp[2], tile_xy *out);

/*
 * Simplifies the polyline xy (n points) in place with the algorithm of Douglas and Peucker
 * (1973): keeps the first and last point and every point farther than `tolerance` from the
 * simplified line. For a closed ring (first point equal to the last) the distance of the
 * first split is taken from the first point. `keep` is scratch for n flags. Returns the number
 * of points left (at the start of xy).
 */
size_t tile_simplify(double *xy, size_t n, double tolerance, unsigned char *keep);

/*
 * Rounds xy (n points) to integers into out (2 * n int32s), clamped to +-2^30. Returns n.
 */
size_t tile_round(const double *xy, size_t n, int32_t *out);

/* Twice the signed area of the ring xy (n points), by the surveyor's formula. */
double tile_ring_area2(const double *xy, size_t n);

#endif
