/*
 * test_tile_index.c: tests of api/tile_index.c, the packed Hilbert R-tree: on random boxes of
 * many sizes and counts, every search answers exactly what a brute-force scan answers (in
 * ascending item order), including boxes that only touch; empty and one-item indexes work.
 */
#include <stdlib.h>

#include "check.h"
#include "tile_index.h"

static uint64_t rng_state = 88172645463325252ull;

/* xorshift64: deterministic, so a failure can be replayed. */
static double rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void random_box(double *b, double max_size) {
    double x = rnd(), y = rnd();
    b[0] = x;
    b[1] = y;
    b[2] = x + rnd() * max_size;
    b[3] = y + rnd() * max_size;
}

static int same_as_brute_force(const tile_index *index, const double *boxes, size_t n,
                               const double *q, tile_hits *hits) {
    if (tile_index_search(index, q[0], q[1], q[2], q[3], hits) != 0) {
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const double *b = boxes + 4 * i;
        int meets = !(b[2] < q[0] || b[0] > q[2] || b[3] < q[1] || b[1] > q[3]);
        if (meets) {
            if (k >= hits->n || hits->items[k] != i) {
                return 0;
            }
            k++;
        }
    }
    return k == hits->n;
}

static void test_search_equals_brute_force_on_random_boxes(void) {
    static const size_t sizes[] = {1, 2, 15, 16, 17, 255, 256, 257, 1000, 20000};
    tile_hits hits = {0};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        double *boxes = malloc(4 * n * sizeof *boxes);
        for (size_t i = 0; i < n; i++) {
            random_box(boxes + 4 * i, i % 10 == 0 ? 0.2 : 0.01);
            if (i % 7 == 0) { /* points too */
                boxes[4 * i + 2] = boxes[4 * i];
                boxes[4 * i + 3] = boxes[4 * i + 1];
            }
        }
        tile_index *index = NULL;
        CHECK_EQ_INT(tile_index_build(boxes, n, &index), 0);
        int all = 1;
        for (int q = 0; q < 300; q++) {
            double box[4];
            random_box(box, q % 3 == 0 ? 0.5 : 0.05);
            all &= same_as_brute_force(index, boxes, n, box, &hits);
        }
        /* A query box that only touches item 0's corner finds it. */
        double touch[4] = {boxes[2], boxes[3], boxes[2] + 1, boxes[3] + 1};
        all &= same_as_brute_force(index, boxes, n, touch, &hits);
        CHECK(hits.n >= 1);
        /* Everything, and nothing. */
        double world[4] = {-1, -1, 3, 3};
        all &= same_as_brute_force(index, boxes, n, world, &hits);
        CHECK_EQ_INT(hits.n, n);
        double none[4] = {5, 5, 6, 6};
        all &= same_as_brute_force(index, boxes, n, none, &hits);
        CHECK_EQ_INT(hits.n, 0);
        if (!all) {
            fprintf(stderr, "  with %zu boxes\n", n);
        }
        CHECK(all);
        tile_index_free(index);
        free(boxes);
    }
    tile_hits_free(&hits);
}

static void test_an_empty_index_finds_nothing(void) {
    tile_index *index = NULL;
    tile_hits hits = {0};
    CHECK_EQ_INT(tile_index_build(NULL, 0, &index), 0);
    CHECK(index != NULL);
    CHECK_EQ_INT(tile_index_search(index, -1e9, -1e9, 1e9, 1e9, &hits), 0);
    CHECK_EQ_INT(hits.n, 0);
    tile_index_free(index);
    tile_index_free(NULL);
    tile_hits_free(&hits);
}

static void test_identical_boxes_are_all_found(void) {
    double boxes[4 * 100];
    for (int i = 0; i < 100; i++) {
        boxes[4 * i] = boxes[4 * i + 1] = 0.5;
        boxes[4 * i + 2] = boxes[4 * i + 3] = 0.5;
    }
    tile_index *index = NULL;
    tile_hits hits = {0};
    CHECK_EQ_INT(tile_index_build(boxes, 100, &index), 0);
    CHECK_EQ_INT(tile_index_search(index, 0.5, 0.5, 0.5, 0.5, &hits), 0);
    CHECK_EQ_INT(hits.n, 100);
    CHECK_EQ_INT(hits.items[0], 0);
    CHECK_EQ_INT(hits.items[99], 99);
    tile_index_free(index);
    tile_hits_free(&hits);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_search_equals_brute_force_on_random_boxes);
    RUN(test_an_empty_index_finds_nothing);
    RUN(test_identical_boxes_are_all_found);
    return check_summary();
}
