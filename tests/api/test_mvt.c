/*
 * test_mvt.c: tests of the vector tile encoder (api/mvt.c): tiles read back with the
 * independent decoder of mvt_decode.h give the layers, features, properties (each key and
 * value stored once per layer), geometry (relative coordinates, command counts) and ring
 * winding the specification asks for; collapsed geometry and empty layers leave nothing; and
 * every allocation failure is reported, never a broken tile.
 */
#include <stdlib.h>

#include "check.h"
#include "dorf/alloc.h"
#include "mvt.h"
#include "mvt_decode.h"

static dec_tile tile; /* large: static */

/* Finishes the encoder and decodes its tile into `tile`; returns the size in bytes. */
static size_t finish(mvt_encoder *enc) {
    const uint8_t *data;
    size_t size;
    CHECK_EQ_INT(mvt_encoder_finish(enc, &data, &size), 0);
    dec_tile_read(data, size, &tile);
    CHECK(!tile.bad);
    return size;
}

static void test_an_empty_tile_is_zero_bytes(void) {
    mvt_encoder *enc = mvt_encoder_new();
    CHECK_EQ_INT(finish(enc), 0);
    mvt_layer_begin(enc, "roads", 4096);
    mvt_layer_end(enc);
    CHECK_EQ_INT(finish(enc), 0);
    mvt_layer_begin(enc, "roads", 4096);
    mvt_feature_begin(enc, MVT_LINESTRING);
    mvt_feature_add_string(enc, "class", "primary");
    mvt_feature_end(enc); /* no geometry: dropped */
    CHECK_EQ_INT(finish(enc), 0);
    CHECK_EQ_INT(mvt_encoder_feature_count(enc), 0);
    mvt_encoder_free(enc);
}

static void test_points_lines_and_properties_read_back(void) {
    mvt_encoder *enc = mvt_encoder_new();
    mvt_layer_begin(enc, "places", 4096);
    mvt_feature_begin(enc, MVT_POINT);
    mvt_feature_set_id(enc, 42);
    mvt_feature_add_string(enc, "name", "Bäckerei");
    mvt_feature_add_string(enc, "category", "bakery");
    mvt_feature_add_point(enc, 100, 200);
    mvt_feature_end(enc);
    mvt_feature_begin(enc, MVT_POINT);
    mvt_feature_add_string(enc, "category", "bakery"); /* same value: stored once */
    mvt_feature_add_string(enc, "name", NULL);         /* absent */
    mvt_feature_add_point(enc, -5, 4100);
    mvt_feature_add_point(enc, 7, 8);
    mvt_feature_end(enc);
    mvt_layer_begin(enc, "roads", 512); /* ends "places" */
    mvt_feature_begin(enc, MVT_LINESTRING);
    mvt_feature_add_bool(enc, "oneway", 1);
    mvt_feature_add_int(enc, "n", -3);
    mvt_feature_add_int(enc, "m", 300);
    mvt_feature_add_double(enc, "w", 2.5);
    int32_t line[] = {0, 0, 10, 0, 10, 0, 10, 10}; /* a repeated point is dropped */
    CHECK_EQ_INT(mvt_feature_add_line(enc, line, 4), 1);
    int32_t line2[] = {20, 20, 30, 25};
    CHECK_EQ_INT(mvt_feature_add_line(enc, line2, 2), 1);
    mvt_feature_end(enc);
    CHECK(finish(enc) > 0);
    CHECK_EQ_INT(mvt_encoder_feature_count(enc), 3);

    CHECK_EQ_INT(tile.nlayers, 2);
    const dec_layer *l = dec_find_layer(&tile, "places");
    CHECK(l != NULL);
    if (!l) {
        return;
    }
    CHECK_EQ_INT(l->version, 2);
    CHECK_EQ_INT(l->extent, 4096);
    CHECK_EQ_INT(l->nfeatures, 2);
    CHECK_EQ_INT(l->nkeys, 2);
    CHECK_EQ_INT(l->nvalues, 2);
    const dec_feature *f = &l->features[0];
    CHECK_EQ_INT(f->type, MVT_POINT);
    CHECK(f->has_id && f->id == 42);
    CHECK_STR(dec_prop(l, f, "name")->s, "Bäckerei");
    CHECK_STR(dec_prop(l, f, "category")->s, "bakery");
    CHECK_EQ_INT(f->npts, 1);
    CHECK_EQ_INT(f->xy[0], 100);
    CHECK_EQ_INT(f->xy[1], 200);
    f = &l->features[1];
    CHECK(!f->has_id);
    CHECK(dec_prop(l, f, "name") == NULL);
    CHECK_EQ_INT(f->ntags, 2);
    CHECK_EQ_INT(f->npts, 2);
    CHECK_EQ_INT(f->xy[0], -5);
    CHECK_EQ_INT(f->xy[1], 4100);
    CHECK_EQ_INT(f->xy[2], 7);
    CHECK_EQ_INT(f->xy[3], 8);

    l = dec_find_layer(&tile, "roads");
    CHECK(l != NULL);
    if (!l) {
        return;
    }
    CHECK_EQ_INT(l->extent, 512);
    f = &l->features[0];
    CHECK_EQ_INT(f->type, MVT_LINESTRING);
    CHECK_EQ_INT(dec_prop(l, f, "oneway")->kind, 7);
    CHECK_EQ_INT(dec_prop(l, f, "oneway")->i, 1);
    CHECK_EQ_INT(dec_prop(l, f, "n")->kind, 6);
    CHECK_EQ_INT(dec_prop(l, f, "n")->i, -3);
    CHECK_EQ_INT(dec_prop(l, f, "m")->kind, 5);
    CHECK_EQ_INT(dec_prop(l, f, "m")->i, 300);
    CHECK_NEAR(dec_prop(l, f, "w")->d, 2.5, 0);
    CHECK_EQ_INT(f->nparts, 2);
    CHECK_EQ_INT(f->npts, 5);
    int32_t want[] = {0, 0, 10, 0, 10, 10, 20, 20, 30, 25};
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_INT(f->xy[i], want[i]);
    }
    mvt_encoder_free(enc);
}

static void test_rings_wind_as_the_specification_requires(void) {
    mvt_encoder *enc = mvt_encoder_new();
    mvt_layer_begin(enc, "water", 4096);
    mvt_feature_begin(enc, MVT_POLYGON);
    /* Exterior given counter-clockwise on screen (negative area): reversed. */
    int32_t outer[] = {0, 0, 0, 100, 100, 100, 100, 0, 0, 0};
    /* Hole given clockwise on screen (positive area): reversed. */
    int32_t hole[] = {10, 10, 20, 10, 20, 20, 10, 20};
    CHECK_EQ_INT(mvt_feature_add_ring(enc, outer, 5, 1), 1);
    CHECK_EQ_INT(mvt_feature_add_ring(enc, hole, 4, 0), 1);
    /* A second polygon, already clockwise: kept as given. */
    int32_t second[] = {200, 200, 300, 200, 300, 300};
    CHECK_EQ_INT(mvt_feature_add_ring(enc, second, 3, 1), 1);
    mvt_feature_end(enc);
    finish(enc);
    const dec_layer *l = dec_find_layer(&tile, "water");
    CHECK(l && l->nfeatures == 1);
    if (!l) {
        return;
    }
    const dec_feature *f = &l->features[0];
    CHECK_EQ_INT(f->type, MVT_POLYGON);
    CHECK_EQ_INT(f->nparts, 3);
    CHECK(f->closed[0] && f->closed[1] && f->closed[2]);
    CHECK_EQ_INT(dec_ring_area2(f, 0), 2 * 100 * 100);
    CHECK_EQ_INT(dec_ring_area2(f, 1), -2 * 10 * 10);
    CHECK_EQ_INT(dec_ring_area2(f, 2), 100 * 100);
    /* Closed ring given with its last point: 4 distinct points, not 5. */
    CHECK_EQ_INT(f->part_start[1] - f->part_start[0], 4);
    CHECK_EQ_INT(f->xy[2 * f->part_start[2]], 200);
    CHECK_EQ_INT(f->xy[2 * f->part_start[2] + 1], 200);
    mvt_encoder_free(enc);
}

static void test_collapsed_parts_are_left_out(void) {
    mvt_encoder *enc = mvt_encoder_new();
    mvt_layer_begin(enc, "x", 4096);
    mvt_feature_begin(enc, MVT_LINESTRING);
    mvt_feature_add_string(enc, "only_in_dropped", "v");
    int32_t dot[] = {5, 5, 5, 5, 5, 5};
    CHECK_EQ_INT(mvt_feature_add_line(enc, dot, 3), 0);
    mvt_feature_end(enc);
    mvt_feature_begin(enc, MVT_POLYGON);
    int32_t flat[] = {0, 0, 10, 10, 20, 20, 0, 0}; /* no area */
    int32_t two[] = {0, 0, 10, 10};
    CHECK_EQ_INT(mvt_feature_add_ring(enc, flat, 4, 1), 0);
    CHECK_EQ_INT(mvt_feature_add_ring(enc, two, 2, 1), 0);
    mvt_feature_end(enc);
    mvt_feature_begin(enc, MVT_LINESTRING);
    mvt_feature_add_string(enc, "k", "kept");
    int32_t ok[] = {1, 1, 2, 2};
    CHECK_EQ_INT(mvt_feature_add_line(enc, ok, 2), 1);
    mvt_feature_end(enc);
    finish(enc);
    const dec_layer *l = dec_find_layer(&tile, "x");
    CHECK(l && l->nfeatures == 1 && l->nkeys == 1 && l->nvalues == 1);
    if (l) {
        CHECK_STR(l->keys[0], "k");
        /* The cursor starts at 0,0 for each feature: the first point is absolute. */
        CHECK_EQ_INT(l->features[0].xy[0], 1);
    }
    mvt_encoder_free(enc);
}

static void test_reset_starts_a_new_tile(void) {
    mvt_encoder *enc = mvt_encoder_new();
    for (int round = 0; round < 3; round++) {
        mvt_encoder_reset(enc);
        mvt_layer_begin(enc, "p", 4096);
        mvt_feature_begin(enc, MVT_POINT);
        mvt_feature_add_int(enc, "round", round);
        mvt_feature_add_point(enc, round, round);
        mvt_layer_end(enc);
        finish(enc);
        CHECK_EQ_INT(tile.nlayers, 1);
        CHECK_EQ_INT(tile.layers[0].nfeatures, 1);
        CHECK_EQ_INT(tile.layers[0].values[0].i, round);
    }
    mvt_encoder_free(enc);
}

static void test_many_values_and_long_strings(void) {
    mvt_encoder *enc = mvt_encoder_new();
    mvt_layer_begin(enc, "many", 4096);
    char names[300][16];
    char long_text[100];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "v%d", i % 150);
        mvt_feature_begin(enc, MVT_POINT);
        mvt_feature_add_string(enc, "name", names[i]);
        mvt_feature_add_string(enc, "text", long_text);
        mvt_feature_add_point(enc, i, 2 * i);
        mvt_feature_end(enc);
    }
    finish(enc);
    const dec_layer *l = &tile.layers[0];
    CHECK_EQ_INT(l->nfeatures, 300);
    CHECK_EQ_INT(l->nvalues, 151); /* 150 names and the long text, each once */
    int right = 1;
    for (size_t i = 0; i < l->nfeatures; i++) {
        char want[16];
        snprintf(want, sizeof want, "v%d", (int)i % 150);
        const dec_value *v = dec_prop(l, &l->features[i], "name");
        right &= v && strcmp(v->s, want) == 0 && l->features[i].xy[1] == 2 * (int)i;
    }
    CHECK(right);
    mvt_encoder_free(enc);
}

#ifdef DORF_FAULT_INJECTION
/* Every allocation of a tile fails in turn: the encoder says so, or the tile is complete. */
static void test_every_allocation_failure_is_reported(void) {
    int32_t ring[] = {0, 0, 50, 0, 50, 50, 0, 50};
    for (unsigned long n = 1;; n++) {
        mvt_encoder *enc = NULL;
        dorf_alloc_fail_after(n, 1);
        enc = mvt_encoder_new();
        int done = 0;
        if (enc) {
            for (int layer = 0; layer < 3; layer++) {
                mvt_layer_begin(enc, layer == 0 ? "a" : layer == 1 ? "b" : "c", 4096);
                for (int i = 0; i < 40; i++) {
                    char v[16];
                    snprintf(v, sizeof v, "value %d", i);
                    mvt_feature_begin(enc, MVT_POLYGON);
                    mvt_feature_add_string(enc, "k", v);
                    mvt_feature_add_int(enc, "i", i);
                    mvt_feature_add_ring(enc, ring, 4, 1);
                    mvt_feature_end(enc);
                }
            }
            const uint8_t *data;
            size_t size;
            int rc = mvt_encoder_finish(enc, &data, &size);
            unsigned long used = dorf_alloc_fail_after(0, 0);
            if (rc == 0) {
                dec_tile_read(data, size, &tile);
                CHECK(!tile.bad && tile.nlayers == 3 && tile.layers[2].nfeatures == 40);
                done = used < n;
            } else {
                CHECK_EQ_INT(size, 0);
            }
        }
        dorf_alloc_fail_after(0, 0);
        mvt_encoder_free(enc);
        if (done) {
            break;
        }
        if (n > 10000) {
            CHECK(!"the loop over allocation failures did not end");
            break;
        }
    }
}
#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_an_empty_tile_is_zero_bytes);
    RUN(test_points_lines_and_properties_read_back);
    RUN(test_rings_wind_as_the_specification_requires);
    RUN(test_collapsed_parts_are_left_out);
    RUN(test_reset_starts_a_new_tile);
    RUN(test_many_values_and_long_strings);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    return check_summary();
}
