/*
 * mvt.c: the Mapbox Vector Tile encoder (mvt.h), after the MVT specification 2.1 and the
 * protocol buffers encoding (varints, wire types 0, 1 and 2, packed repeated fields).
 *
 * The tile's bytes grow in one buffer. A layer collects its encoded features, its keys and its
 * values in three buffers of its own and is copied into the tile when it ends, once its length
 * is known. Keys and values are interned through an open-addressing hash table per kind that
 * stores positions in those buffers, so a repeated value ("residential") costs one lookup and
 * no copy. A feature's properties and geometry are staged as plain arrays until the feature
 * ends: only a feature that is written interns its properties, so a dropped feature leaves no
 * unused key or value behind. The cursor of the geometry commands (relative coordinates) is
 * per feature and moves only when a part is kept.
 */
#include "mvt.h"

#include <string.h>

#include "dorf/alloc.h"

/* A growable byte buffer. */
struct bytes {
    uint8_t *p;
    size_t n, cap;
};

/* An interned key or value: where its bytes are in the layer's buffer. */
struct entry {
    uint32_t off; /* of the payload (after the field's tag and length) */
    uint32_t len;
};

/* A table of interned byte strings (keys, or encoded Value messages). */
struct intern {
    struct bytes buf;      /* the layer's field bytes: tag, length, payload, ... */
    struct entry *entries; /* index -> payload */
    size_t count, entry_cap;
    uint32_t *slots; /* hash slots holding index + 1; 0 is empty */
    size_t slot_cap; /* a power of two, kept at most half full */
};

enum tag_kind { TAG_STRING, TAG_BOOL, TAG_INT, TAG_DOUBLE };

struct pending_tag {
    const char *key;
    enum tag_kind kind;
    const char *s;
    int64_t i;
    double d;
};

struct mvt_encoder {
    int failed;
    struct bytes tile;

    /* the open layer */
    int layer_open;
    char *layer_name;
    size_t layer_name_len;
    uint32_t extent;
    struct bytes features;
    size_t layer_features;
    struct intern keys;
    struct intern values;
    size_t total_features;

    /* the open feature */
    int feature_open;
    mvt_geom_type type;
    int has_id;
    uint64_t id;
    struct pending_tag *tags;
    size_t tag_count, tag_cap;
    uint32_t *geom; /* command integers */
    size_t geom_n, geom_cap;
    int32_t cx, cy;  /* the cursor */
    int32_t *points; /* point features: collected, written as one MoveTo at the end */
    size_t point_n, point_cap;
    int32_t *scratch; /* a part without its repeated points */
    size_t scratch_cap;
    uint32_t *tag_ids;
    size_t tag_id_cap;
};

/* ---- buffers and varints ---- */

static int reserve(mvt_encoder *enc, struct bytes *b, size_t more) {
    if (enc->failed) {
        return -1;
    }
    if (b->n + more <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more) {
        cap *= 2;
    }
    uint8_t *p = dorf_realloc(b->p, cap);
    if (!p) {
        enc->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes a varint; the caller reserved 10 bytes. */
static void put_varint(struct bytes *b, uint64_t v) {
    while (v >= 0x80) {
        b->p[b->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->p[b->n++] = (uint8_t)v;
}

static void put_raw(struct bytes *b, const void *p, size_t n) {
    if (n) {
        memcpy(b->p + b->n, p, n);
        b->n += n;
    }
}

static uint32_t zigzag32(int32_t v) {
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static uint64_t zigzag64(int64_t v) {
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* The protocol buffer key of field `field` with wire type `wire`. */
#define PB_KEY(field, wire) ((uint32_t)((field) << 3 | (wire)))
#define WIRE_VARINT 0
#define WIRE_64 1
#define WIRE_LEN 2

static uint32_t command(uint32_t id, uint32_t count) {
    return (id & 0x7) | (count << 3);
}

enum { CMD_MOVE_TO = 1, CMD_LINE_TO = 2, CMD_CLOSE_PATH = 7 };

static int grow(mvt_encoder *enc, void **items, size_t *cap, size_t need, size_t size) {
    if (enc->failed) {
        return -1;
    }
    if (need <= *cap) {
        return 0;
    }
    if (dorf_grow(items, cap, need, size) != 0) {
        enc->failed = 1;
        return -1;
    }
    return 0;
}

/* ---- interning ---- */

static uint32_t hash_bytes(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static void intern_clear(struct intern *t) {
    t->buf.n = 0;
    t->count = 0;
    if (t->slots) {
        memset(t->slots, 0, t->slot_cap * sizeof *t->slots);
    }
}

static void intern_free(struct intern *t) {
    dorf_free(t->buf.p);
    dorf_free(t->entries);
    dorf_free(t->slots);
}

static int intern_rehash(mvt_encoder *enc, struct intern *t) {
    size_t cap = t->slot_cap ? t->slot_cap * 2 : 64;
    uint32_t *slots = dorf_calloc(cap, sizeof *slots);
    if (!slots) {
        enc->failed = 1;
        return -1;
    }
    for (size_t i = 0; i < t->count; i++) {
        const struct entry *e = &t->entries[i];
        size_t h = hash_bytes(t->buf.p + e->off, e->len) & (cap - 1);
        while (slots[h]) {
            h = (h + 1) & (cap - 1);
        }
        slots[h] = (uint32_t)i + 1;
    }
    dorf_free(t->slots);
    t->slots = slots;
    t->slot_cap = cap;
    return 0;
}

/*
 * The index of the payload `p` (n bytes) in table `t`, adding it as field `field` of the layer
 * when it is new. -1 when out of memory.
 */
static int64_t intern(mvt_encoder *enc, struct intern *t, uint32_t field, const uint8_t *p,
                      size_t n) {
    if ((t->count + 1) * 2 > t->slot_cap && intern_rehash(enc, t) != 0) {
        return -1;
    }
    uint32_t h = hash_bytes(p, n);
    size_t mask = t->slot_cap - 1;
    size_t slot = h & mask;
    while (t->slots[slot]) {
        const struct entry *e = &t->entries[t->slots[slot] - 1];
        if (e->len == n && memcmp(t->buf.p + e->off, p, n) == 0) {
            return t->slots[slot] - 1;
        }
        slot = (slot + 1) & mask;
    }
    if (grow(enc, (void **)&t->entries, &t->entry_cap, t->count + 1, sizeof *t->entries) != 0 ||
        reserve(enc, &t->buf, n + 16) != 0) {
        return -1;
    }
    put_varint(&t->buf, PB_KEY(field, WIRE_LEN));
    put_varint(&t->buf, n);
    t->entries[t->count] = (struct entry){(uint32_t)t->buf.n, (uint32_t)n};
    put_raw(&t->buf, p, n);
    t->slots[slot] = (uint32_t)t->count + 1;
    return (int64_t)t->count++;
}

/* ---- life cycle ---- */

mvt_encoder *mvt_encoder_new(void) {
    return dorf_calloc(1, sizeof(mvt_encoder));
}

void mvt_encoder_free(mvt_encoder *enc) {
    if (!enc) {
        return;
    }
    dorf_free(enc->tile.p);
    dorf_free(enc->layer_name);
    dorf_free(enc->features.p);
    intern_free(&enc->keys);
    intern_free(&enc->values);
    dorf_free(enc->tags);
    dorf_free(enc->geom);
    dorf_free(enc->points);
    dorf_free(enc->scratch);
    dorf_free(enc->tag_ids);
    dorf_free(enc);
}

void mvt_encoder_reset(mvt_encoder *enc) {
    enc->failed = 0;
    enc->tile.n = 0;
    enc->layer_open = 0;
    enc->feature_open = 0;
    enc->total_features = 0;
}

size_t mvt_encoder_feature_count(const mvt_encoder *enc) {
    return enc->total_features;
}

/* ---- layers ---- */

void mvt_layer_begin(mvt_encoder *enc, const char *name, uint32_t extent) {
    mvt_layer_end(enc);
    if (enc->failed) {
        return;
    }
    size_t len = strlen(name);
    char *copy = dorf_realloc(enc->layer_name, len + 1);
    if (!copy) {
        enc->failed = 1;
        return;
    }
    memcpy(copy, name, len + 1);
    enc->layer_name = copy;
    enc->layer_name_len = len;
    enc->extent = extent;
    enc->features.n = 0;
    enc->layer_features = 0;
    intern_clear(&enc->keys);
    intern_clear(&enc->values);
    enc->layer_open = 1;
}

void mvt_layer_end(mvt_encoder *enc) {
    mvt_feature_end(enc);
    if (!enc->layer_open) {
        return;
    }
    enc->layer_open = 0;
    if (enc->failed || enc->layer_features == 0) {
        return;
    }
    /* version (15) = 2, name (1), features (2), keys (3), values (4), extent (5) */
    size_t body = 2 + 1 + varint_size(enc->layer_name_len) + enc->layer_name_len + enc->features.n +
                  enc->keys.buf.n + enc->values.buf.n + 1 + varint_size(enc->extent);
    if (reserve(enc, &enc->tile, body + 16) != 0) {
        return;
    }
    struct bytes *t = &enc->tile;
    put_varint(t, PB_KEY(3, WIRE_LEN));
    put_varint(t, body);
    put_varint(t, PB_KEY(15, WIRE_VARINT));
    put_varint(t, 2);
    put_varint(t, PB_KEY(1, WIRE_LEN));
    put_varint(t, enc->layer_name_len);
    put_raw(t, enc->layer_name, enc->layer_name_len);
    put_raw(t, enc->features.p, enc->features.n);
    put_raw(t, enc->keys.buf.p, enc->keys.buf.n);
    put_raw(t, enc->values.buf.p, enc->values.buf.n);
    put_varint(t, PB_KEY(5, WIRE_VARINT));
    put_varint(t, enc->extent);
}

/* ---- features ---- */

void mvt_feature_begin(mvt_encoder *enc, mvt_geom_type type) {
    mvt_feature_end(enc);
    if (enc->failed || !enc->layer_open) {
        return;
    }
    enc->feature_open = 1;
    enc->type = type;
    enc->has_id = 0;
    enc->tag_count = 0;
    enc->geom_n = 0;
    enc->point_n = 0;
    enc->cx = enc->cy = 0;
}

void mvt_feature_set_id(mvt_encoder *enc, uint64_t id) {
    enc->has_id = 1;
    enc->id = id;
}

static struct pending_tag *add_tag(mvt_encoder *enc, const char *key, enum tag_kind kind) {
    if (!enc->feature_open ||
        grow(enc, (void **)&enc->tags, &enc->tag_cap, enc->tag_count + 1, sizeof *enc->tags)) {
        return NULL;
    }
    struct pending_tag *t = &enc->tags[enc->tag_count++];
    t->key = key;
    t->kind = kind;
    return t;
}

void mvt_feature_add_string(mvt_encoder *enc, const char *key, const char *value) {
    struct pending_tag *t = value ? add_tag(enc, key, TAG_STRING) : NULL;
    if (t) {
        t->s = value;
    }
}

void mvt_feature_add_bool(mvt_encoder *enc, const char *key, int value) {
    struct pending_tag *t = add_tag(enc, key, TAG_BOOL);
    if (t) {
        t->i = value != 0;
    }
}

void mvt_feature_add_int(mvt_encoder *enc, const char *key, int64_t value) {
    struct pending_tag *t = add_tag(enc, key, TAG_INT);
    if (t) {
        t->i = value;
    }
}

void mvt_feature_add_double(mvt_encoder *enc, const char *key, double value) {
    struct pending_tag *t = add_tag(enc, key, TAG_DOUBLE);
    if (t) {
        t->d = value;
    }
}

void mvt_feature_add_point(mvt_encoder *enc, int32_t x, int32_t y) {
    if (!enc->feature_open || enc->type != MVT_POINT ||
        grow(enc, (void **)&enc->points, &enc->point_cap, 2 * enc->point_n + 2,
             sizeof *enc->points)) {
        return;
    }
    enc->points[2 * enc->point_n] = x;
    enc->points[2 * enc->point_n + 1] = y;
    enc->point_n++;
}

/* Copies xy into the scratch without repeated consecutive points; returns the count left. */
static size_t dedup(mvt_encoder *enc, const int32_t *xy, size_t n) {
    if (grow(enc, (void **)&enc->scratch, &enc->scratch_cap, 2 * n + 2, sizeof *enc->scratch)) {
        return 0;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t x = xy[2 * i], y = xy[2 * i + 1];
        if (m > 0 && enc->scratch[2 * m - 2] == x && enc->scratch[2 * m - 1] == y) {
            continue;
        }
        enc->scratch[2 * m] = x;
        enc->scratch[2 * m + 1] = y;
        m++;
    }
    return m;
}

/* Appends MoveTo(p0), LineTo(p1 .. pn-1) of the scratch, in order or reversed. */
static void put_path(mvt_encoder *enc, size_t n, int reversed) {
    const int32_t *s = enc->scratch;
    uint32_t *g = enc->geom + enc->geom_n;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = reversed ? (j == 0 ? 0 : n - j) : j;
        if (j == 0) {
            g[k++] = command(CMD_MOVE_TO, 1);
        } else if (j == 1) {
            g[k++] = command(CMD_LINE_TO, (uint32_t)(n - 1));
        }
        int32_t x = s[2 * i], y = s[2 * i + 1];
        g[k++] = zigzag32(x - enc->cx);
        g[k++] = zigzag32(y - enc->cy);
        enc->cx = x;
        enc->cy = y;
    }
    enc->geom_n += k;
}

int mvt_feature_add_line(mvt_encoder *enc, const int32_t *xy, size_t n) {
    if (!enc->feature_open || enc->type != MVT_LINESTRING) {
        return 0;
    }
    size_t m = dedup(enc, xy, n);
    if (m < 2 || grow(enc, (void **)&enc->geom, &enc->geom_cap, enc->geom_n + 2 * m + 2,
                      sizeof *enc->geom)) {
        return 0;
    }
    put_path(enc, m, 0);
    return 1;
}

int mvt_feature_add_ring(mvt_encoder *enc, const int32_t *xy, size_t n, int exterior) {
    if (!enc->feature_open || enc->type != MVT_POLYGON) {
        return 0;
    }
    size_t m = dedup(enc, xy, n);
    const int32_t *s = enc->scratch;
    if (m > 1 && s[0] == s[2 * m - 2] && s[1] == s[2 * m - 1]) {
        m--;
    }
    if (m < 3) {
        return 0;
    }
    /* Twice the signed area, by the surveyor's formula; exact in 64 bits for tile units. */
    int64_t area2 = 0;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + 1 == m ? 0 : i + 1;
        area2 += (int64_t)s[2 * i] * s[2 * j + 1] - (int64_t)s[2 * j] * s[2 * i + 1];
    }
    if (area2 == 0 || grow(enc, (void **)&enc->geom, &enc->geom_cap, enc->geom_n + 2 * m + 3,
                           sizeof *enc->geom)) {
        return 0;
    }
    put_path(enc, m, exterior ? area2 < 0 : area2 > 0);
    enc->geom[enc->geom_n++] = command(CMD_CLOSE_PATH, 1);
    return 1;
}

/* The payload of a Value message for a staged property, in `out` (at least 16 bytes). */
static size_t value_payload(const struct pending_tag *t, uint8_t *out, const uint8_t **big,
                            size_t *big_len) {
    struct bytes b = {out, 0, 16};
    *big = NULL;
    *big_len = 0;
    switch (t->kind) {
    case TAG_STRING:
        /* written by the caller: field 1, the string's bytes */
        *big = (const uint8_t *)t->s;
        *big_len = strlen(t->s);
        break;
    case TAG_BOOL:
        put_varint(&b, PB_KEY(7, WIRE_VARINT));
        put_varint(&b, (uint64_t)t->i);
        break;
    case TAG_INT:
        if (t->i >= 0) {
            put_varint(&b, PB_KEY(5, WIRE_VARINT));
            put_varint(&b, (uint64_t)t->i);
        } else {
            put_varint(&b, PB_KEY(6, WIRE_VARINT));
            put_varint(&b, zigzag64(t->i));
        }
        break;
    case TAG_DOUBLE: {
        put_varint(&b, PB_KEY(3, WIRE_64));
        uint64_t bits;
        memcpy(&bits, &t->d, sizeof bits);
        for (int k = 0; k < 8; k++) {
            b.p[b.n++] = (uint8_t)(bits >> (8 * k));
        }
        break;
    }
    }
    return b.n;
}

/* The index of a staged property's value in the layer; -1 when out of memory. */
static int64_t intern_value(mvt_encoder *enc, const struct pending_tag *t) {
    uint8_t small[16];
    const uint8_t *big;
    size_t big_len;
    size_t n = value_payload(t, small, &big, &big_len);
    if (!big) {
        return intern(enc, &enc->values, 4, small, n);
    }
    /* A string value: its payload is field 1 (LEN) with the string; built in the scratch. */
    size_t need = big_len + 16;
    if (grow(enc, (void **)&enc->scratch, &enc->scratch_cap, need / sizeof(int32_t) + 1,
             sizeof *enc->scratch)) {
        return -1;
    }
    struct bytes b = {(uint8_t *)enc->scratch, 0, need};
    put_varint(&b, PB_KEY(1, WIRE_LEN));
    put_varint(&b, big_len);
    put_raw(&b, big, big_len);
    return intern(enc, &enc->values, 4, b.p, b.n);
}

void mvt_feature_end(mvt_encoder *enc) {
    if (!enc->feature_open) {
        return;
    }
    enc->feature_open = 0;
    if (enc->failed) {
        return;
    }
    if (enc->type == MVT_POINT && enc->point_n > 0) {
        if (grow(enc, (void **)&enc->geom, &enc->geom_cap, 2 * enc->point_n + 1,
                 sizeof *enc->geom)) {
            return;
        }
        enc->geom[enc->geom_n++] = command(CMD_MOVE_TO, (uint32_t)enc->point_n);
        for (size_t i = 0; i < enc->point_n; i++) {
            int32_t x = enc->points[2 * i], y = enc->points[2 * i + 1];
            enc->geom[enc->geom_n++] = zigzag32(x - enc->cx);
            enc->geom[enc->geom_n++] = zigzag32(y - enc->cy);
            enc->cx = x;
            enc->cy = y;
        }
    }
    if (enc->geom_n == 0) {
        return;
    }
    if (grow(enc, (void **)&enc->tag_ids, &enc->tag_id_cap, 2 * enc->tag_count + 1,
             sizeof *enc->tag_ids)) {
        return;
    }
    size_t tag_n = 0;
    for (size_t i = 0; i < enc->tag_count; i++) {
        const struct pending_tag *t = &enc->tags[i];
        int64_t k = intern(enc, &enc->keys, 3, (const uint8_t *)t->key, strlen(t->key));
        int64_t v = k < 0 ? -1 : intern_value(enc, t);
        if (v < 0) {
            return;
        }
        enc->tag_ids[tag_n++] = (uint32_t)k;
        enc->tag_ids[tag_n++] = (uint32_t)v;
    }
    size_t tags_len = 0;
    for (size_t i = 0; i < tag_n; i++) {
        tags_len += varint_size(enc->tag_ids[i]);
    }
    size_t geom_len = 0;
    for (size_t i = 0; i < enc->geom_n; i++) {
        geom_len += varint_size(enc->geom[i]);
    }
    size_t body = (enc->has_id ? 1 + varint_size(enc->id) : 0) +
                  (tag_n ? 1 + varint_size(tags_len) + tags_len : 0) + 2 + 1 +
                  varint_size(geom_len) + geom_len;
    if (reserve(enc, &enc->features, body + 16) != 0) {
        return;
    }
    struct bytes *f = &enc->features;
    put_varint(f, PB_KEY(2, WIRE_LEN));
    put_varint(f, body);
    if (enc->has_id) {
        put_varint(f, PB_KEY(1, WIRE_VARINT));
        put_varint(f, enc->id);
    }
    if (tag_n) {
        put_varint(f, PB_KEY(2, WIRE_LEN));
        put_varint(f, tags_len);
        for (size_t i = 0; i < tag_n; i++) {
            put_varint(f, enc->tag_ids[i]);
        }
    }
    put_varint(f, PB_KEY(3, WIRE_VARINT));
    put_varint(f, (uint64_t)enc->type);
    put_varint(f, PB_KEY(4, WIRE_LEN));
    put_varint(f, geom_len);
    for (size_t i = 0; i < enc->geom_n; i++) {
        put_varint(f, enc->geom[i]);
    }
    enc->layer_features++;
    enc->total_features++;
}

int mvt_encoder_finish(mvt_encoder *enc, const uint8_t **data, size_t *size) {
    mvt_layer_end(enc);
    *data = enc->tile.p;
    *size = enc->failed ? 0 : enc->tile.n;
    return enc->failed ? -1 : 0;
}
