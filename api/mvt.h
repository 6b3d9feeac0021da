/*
 * mvt.h: an encoder of Mapbox Vector Tiles (MVT specification 2.1), written by hand: protocol
 * buffer varints, zigzag coordinates, geometry command integers and per-layer tables of keys
 * and values with each distinct key and value stored once.
 *
 * One encoder builds one tile at a time: mvt_layer_begin(), then for each feature
 * mvt_feature_begin(), its properties and its geometry in integer tile coordinates (x right,
 * y down, 0 .. extent over the tile, beyond that in the buffer), mvt_feature_end(); then
 * mvt_layer_end(), and after the last layer mvt_encoder_finish() hands out the bytes. A
 * feature whose geometry collapsed (a line of one distinct point, a ring without area) is left
 * out with its properties, and a layer without features is left out too, so an empty tile is
 * zero bytes (a valid tile). Rings are written with the winding the specification requires:
 * exterior rings with positive area by the surveyor's formula in tile coordinates (clockwise
 * on screen, y down), holes negative; the encoder reverses a ring that winds the other way.
 *
 * Allocation failures are sticky: every call after one does nothing, and
 * mvt_encoder_finish() reports it. An encoder is reused with mvt_encoder_reset() and keeps its
 * buffers, so a thread that renders many tiles allocates only while its buffers grow.
 */
#ifndef DORF_API_MVT_H
#define DORF_API_MVT_H

#include <stddef.h>
#include <stdint.h>

typedef struct mvt_encoder mvt_encoder;

/* The geometry type of a feature (the specification's GeomType). */
typedef enum mvt_geom_type {
    MVT_POINT = 1,
    MVT_LINESTRING = 2,
    MVT_POLYGON = 3,
} mvt_geom_type;

/* A new encoder, ready for its first layer; NULL when out of memory. */
mvt_encoder *mvt_encoder_new(void);

/* Frees the encoder. Accepts NULL. */
void mvt_encoder_free(mvt_encoder *enc);

/* Forgets the tile built so far (and a past allocation failure), keeping the memory. */
void mvt_encoder_reset(mvt_encoder *enc);

/*
 * Starts a layer named `name` (copied) with `extent` units across the tile (4096 here). A
 * layer that is still open is ended first.
 */
void mvt_layer_begin(mvt_encoder *enc, const char *name, uint32_t extent);

/* Ends the layer: writes it to the tile when it has at least one feature. */
void mvt_layer_end(mvt_encoder *enc);

/* Starts a feature of `type` in the open layer (a feature still open is ended first). */
void mvt_feature_begin(mvt_encoder *enc, mvt_geom_type type);

/* Gives the feature an id (the specification's optional `id`, unique within the layer). */
void mvt_feature_set_id(mvt_encoder *enc, uint64_t id);

/*
 * Properties. `key` must stay valid until mvt_feature_end(); string values too. A NULL
 * string value adds nothing (the property is absent, as MVT has no null).
 */
void mvt_feature_add_string(mvt_encoder *enc, const char *key, const char *value);
void mvt_feature_add_bool(mvt_encoder *enc, const char *key, int value);
void mvt_feature_add_int(mvt_encoder *enc, const char *key, int64_t value);
void mvt_feature_add_double(mvt_encoder *enc, const char *key, double value);

/* A point of a point feature (several make a multipoint). */
void mvt_feature_add_point(mvt_encoder *enc, int32_t x, int32_t y);

/*
 * A line of `n` points xy[2 * i], xy[2 * i + 1] of a line feature (several make a
 * multilinestring). Repeated consecutive points are dropped; a line left with fewer than two
 * points is not added. Returns 1 when the line was added, else 0.
 */
int mvt_feature_add_line(mvt_encoder *enc, const int32_t *xy, size_t n);

/*
 * A ring of a polygon feature: `n` points, closed or not (a last point equal to the first is
 * dropped, the ring is closed by the encoder). `exterior` 1 starts a new polygon, 0 is a hole
 * of the last one. Repeated consecutive points are dropped; a ring with fewer than three
 * points or no area is not added, and the caller should then leave out the holes of an
 * exterior ring that was not added. The ring is reversed when it winds against the
 * specification. Returns 1 when the ring was added, else 0.
 */
int mvt_feature_add_ring(mvt_encoder *enc, const int32_t *xy, size_t n, int exterior);

/* Ends the feature: writes it to the layer when it has a geometry, else drops it. */
void mvt_feature_end(mvt_encoder *enc);

/*
 * Ends what is open and sets *data and *size to the tile's bytes (owned by the encoder, valid
 * until its next use; *size may be 0). Returns 0, or -1 when an allocation failed on the way.
 */
int mvt_encoder_finish(mvt_encoder *enc, const uint8_t **data, size_t *size);

/* Number of features written to the tile so far (in ended layers and the open one). */
size_t mvt_encoder_feature_count(const mvt_encoder *enc);

#endif
