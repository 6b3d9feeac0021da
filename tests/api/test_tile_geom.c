/*
 * test_tile_geom.c: tests of api/tile_geom.c: the Web Mercator projection and tile grid,
 * clipping lines (crossing, leaving and coming back, outside) and rings (around, inside,
 * partly inside, holes, winding kept) to a square, Douglas-Peucker simplification and
 * rounding.
 */
#include "check.h"
#include "tile_geom.h"

static void test_projection_matches_web_mercator(void) {
    double x, y, lon, lat;
    tile_project(0, 0, &x, &y);
    CHECK_NEAR(x, 0.5, 1e-15);
    CHECK_NEAR(y, 0.5, 1e-15);
    tile_project(-180, TILE_MAX_LAT_DEG, &x, &y);
    CHECK_NEAR(x, 0, 1e-15);
    CHECK_NEAR(y, 0, 1e-12);
    tile_project(180, -89.9, &x, &y); /* clamped to the square */
    CHECK_NEAR(x, 1, 1e-15);
    CHECK_NEAR(y, 1, 1e-12);
    /* EPSG:3857 of 11.5, 50.0 is 1280174.1 m, 6446275.8 m; the square is 2 * 20037508.34 m. */
    tile_project(11.5, 50.0, &x, &y);
    CHECK_NEAR(x * 40075016.68557849 - 20037508.342789244, 1280174.1, 0.1);
    CHECK_NEAR(20037508.342789244 - y * 40075016.68557849, 6446275.8, 0.1);
    tile_unproject(x, y, &lon, &lat);
    CHECK_NEAR(lon, 11.5, 1e-12);
    CHECK_NEAR(lat, 50.0, 1e-12);
}

static void test_tile_bounds_and_ranges(void) {
    double b[4];
    tile_bounds_deg(0, 0, 0, b);
    CHECK_NEAR(b[0], -180, 1e-12);
    CHECK_NEAR(b[1], -TILE_MAX_LAT_DEG, 1e-9);
    CHECK_NEAR(b[2], 180, 1e-12);
    CHECK_NEAR(b[3], TILE_MAX_LAT_DEG, 1e-9);
    tile_bounds_deg(1, 1, 0, b); /* the north-east quarter */
    CHECK_NEAR(b[0], 0, 1e-12);
    CHECK_NEAR(b[1], 0, 1e-12);
    uint32_t x0, y0, x1, y1;
    double box[4] = {11.4, 49.88, 11.67, 50.1};
    tile_range(12, box, &x0, &y0, &x1, &y1);
    /* Every tile of the range meets the box, and the ones around it do not. */
    double t[4];
    tile_bounds_deg(12, x0, y0, t);
    CHECK(t[0] <= box[0] && t[2] > box[0] && t[3] >= box[3] && t[1] < box[3]);
    tile_bounds_deg(12, x1, y1, t);
    CHECK(t[2] >= box[2] && t[0] < box[2] && t[1] <= box[1] && t[3] > box[1]);
    CHECK(x1 >= x0 && y1 >= y0);
}

static void test_a_line_crossing_the_tile_is_cut_at_its_border(void) {
    tile_xy out = {0};
    double line[] = {-100, 50, 200, 50};
    CHECK_EQ_INT(tile_clip_line(line, 2, 0, 100, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    CHECK_EQ_INT(out.n, 2);
    CHECK_NEAR(out.pts[0], 0, 1e-12);
    CHECK_NEAR(out.pts[1], 50, 1e-12);
    CHECK_NEAR(out.pts[2], 100, 1e-12);
    CHECK_NEAR(out.pts[3], 50, 1e-12);
    /* Diagonal through a corner region, partly inside. */
    tile_xy_clear(&out);
    double diag[] = {-50, 50, 50, -50};
    CHECK_EQ_INT(tile_clip_line(diag, 2, 0, 100, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    CHECK_NEAR(out.pts[0], 0, 1e-12);
    CHECK_NEAR(out.pts[1], 0, 1e-12);
    CHECK_EQ_INT(out.n, 2);
    tile_xy_free(&out);
}

static void test_a_line_that_leaves_and_comes_back_gives_two_parts(void) {
    tile_xy out = {0};
    double line[] = {10, 10, 50, 10, 50, 150, 80, 150, 80, 50, 90, 50};
    CHECK_EQ_INT(tile_clip_line(line, 6, 0, 100, &out), 0);
    CHECK_EQ_INT(out.parts, 2);
    CHECK_EQ_INT(tile_xy_part_size(&out, 0), 3); /* 10,10 50,10 50,100 */
    CHECK_NEAR(out.pts[5], 100, 1e-12);
    CHECK_EQ_INT(tile_xy_part_size(&out, 1), 3); /* 80,100 80,50 90,50 */
    CHECK_NEAR(out.pts[2 * out.start[1]], 80, 1e-12);
    CHECK_NEAR(out.pts[2 * out.start[1] + 1], 100, 1e-12);
    /* Wholly outside: nothing; wholly inside: the same points. */
    tile_xy_clear(&out);
    double away[] = {200, 200, 300, 300};
    CHECK_EQ_INT(tile_clip_line(away, 2, 0, 100, &out), 0);
    CHECK_EQ_INT(out.parts, 0);
    double in[] = {1, 1, 2, 3, 4, 5};
    CHECK_EQ_INT(tile_clip_line(in, 3, 0, 100, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    CHECK_EQ_INT(out.n, 3);
    CHECK_NEAR(out.pts[5], 5, 0);
    tile_xy_free(&out);
}

static void test_a_ring_around_the_tile_becomes_the_tile(void) {
    tile_xy out = {0}, tmp[2] = {{0}, {0}};
    double ring[] = {-50, -50, 150, -50, 150, 150, -50, 150, -50, -50};
    CHECK_EQ_INT(tile_clip_ring(ring, 5, 0, 100, tmp, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), 2 * 100 * 100, 1e-9);
    CHECK(out.pts[0] == out.pts[2 * out.n - 2] && out.pts[1] == out.pts[2 * out.n - 1]);
    tile_xy_free(&out);
    tile_xy_free(&tmp[0]);
    tile_xy_free(&tmp[1]);
}

static void test_rings_inside_outside_and_partly_inside(void) {
    tile_xy out = {0}, tmp[2] = {{0}, {0}};
    double inside[] = {10, 10, 20, 10, 20, 20, 10, 20};
    CHECK_EQ_INT(tile_clip_ring(inside, 4, 0, 100, tmp, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    CHECK_EQ_INT(out.n, 5); /* closed */
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), 2 * 10 * 10, 1e-9);

    tile_xy_clear(&out);
    double outside[] = {200, 200, 300, 200, 300, 300};
    CHECK_EQ_INT(tile_clip_ring(outside, 3, 0, 100, tmp, &out), 0);
    CHECK_EQ_INT(out.parts, 0);

    /* A square over the corner: a quarter inside; winding kept both ways. */
    tile_xy_clear(&out);
    double corner[] = {50, 50, 150, 50, 150, 150, 50, 150};
    CHECK_EQ_INT(tile_clip_ring(corner, 4, 0, 100, tmp, &out), 0);
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), 2 * 50 * 50, 1e-9);
    tile_xy_clear(&out);
    double reversed[] = {50, 150, 150, 150, 150, 50, 50, 50};
    CHECK_EQ_INT(tile_clip_ring(reversed, 4, 0, 100, tmp, &out), 0);
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), -2 * 50 * 50, 1e-9);

    /* A hole partly inside keeps the hole's (opposite) winding. */
    tile_xy_clear(&out);
    double hole[] = {90, 40, 90, 60, 110, 60, 110, 40};
    CHECK(tile_ring_area2(hole, 4) < 0);
    CHECK_EQ_INT(tile_clip_ring(hole, 4, 0, 100, tmp, &out), 0);
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), -2 * 10 * 20, 1e-9);

    /* A U shape leaving the square twice stays one ring with the inside area. */
    tile_xy_clear(&out);
    double u[] = {10, 10, 30, 10, 30, 150, 60, 150, 60, 10, 80, 10, 80, 200, 10, 200};
    CHECK_EQ_INT(tile_clip_ring(u, 8, 0, 100, tmp, &out), 0);
    CHECK_EQ_INT(out.parts, 1);
    /* inside: the two legs 20 x 90 each, and nothing of the bottom (y > 100) */
    CHECK_NEAR(tile_ring_area2(out.pts, out.n), 2 * (20 * 90 + 20 * 90), 1e-9);
    tile_xy_free(&out);
    tile_xy_free(&tmp[0]);
    tile_xy_free(&tmp[1]);
}

static void test_simplification_keeps_what_is_farther_than_the_tolerance(void) {
    unsigned char keep[16];
    double line[] = {0, 0, 1, 0.1, 2, -0.1, 3, 5, 4, 0, 5, 0};
    size_t n = tile_simplify(line, 6, 1.0, keep);
    /* 2,-0.1 is 1.77 from the line 0,0-3,5; 1,0.1 is 0.81 from it and 4,0 0.93 from 3,5-5,0 */
    CHECK_EQ_INT(n, 4);
    CHECK_NEAR(line[2], 2, 0);
    CHECK_NEAR(line[4], 3, 0);
    CHECK_NEAR(line[5], 5, 0);
    CHECK_NEAR(line[6], 5, 0);
    double again[] = {0, 0, 1, 0.1, 2, -0.1, 3, 5, 4, 0, 5, 0};
    CHECK_EQ_INT(tile_simplify(again, 6, 0, keep), 6); /* no tolerance: untouched */
    /* A closed ring keeps its first point and its shape. */
    double ring[] = {0, 0, 5, 0.2, 10, 0, 10, 10, 0, 10, 0, 0};
    n = tile_simplify(ring, 6, 1.0, keep);
    CHECK_EQ_INT(n, 5);
    CHECK_NEAR(tile_ring_area2(ring, n - 1), 2 * 100, 1e-9);
}

static void test_rounding_goes_to_the_nearest_unit(void) {
    double xy[] = {0.4, 0.6, -0.6, 4095.5, 1e12, -1e12};
    int32_t out[6];
    tile_round(xy, 3, out);
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(out[1], 1);
    CHECK_EQ_INT(out[2], -1);
    CHECK_EQ_INT(out[3], 4096); /* ties to even */
    CHECK_EQ_INT(out[4], 1073741824);
    CHECK_EQ_INT(out[5], -1073741824);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_projection_matches_web_mercator);
    RUN(test_tile_bounds_and_ranges);
    RUN(test_a_line_crossing_the_tile_is_cut_at_its_border);
    RUN(test_a_line_that_leaves_and_comes_back_gives_two_parts);
    RUN(test_a_ring_around_the_tile_becomes_the_tile);
    RUN(test_rings_inside_outside_and_partly_inside);
    RUN(test_simplification_keeps_what_is_farther_than_the_tolerance);
    RUN(test_rounding_goes_to_the_nearest_unit);
    return check_summary();
}
