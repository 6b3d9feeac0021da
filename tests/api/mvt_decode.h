/*
 * mvt_decode.h: a small Mapbox Vector Tile decoder for the tests of the encoder and the base
 * map (test_mvt.c, test_tile_base.c), written from the specification (MVT 2.1 and the
 * protocol buffers wire format) independently of api/mvt.c, so that a test reads back what
 * the encoder wrote instead of trusting it. It decodes into fixed-size arrays and marks a
 * tile it cannot read (or that overflows them) as bad; it is for tests only.
 */
#ifndef DORF_TESTS_MVT_DECODE_H
#define DORF_TESTS_MVT_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DEC_MAX_LAYERS 12
#define DEC_MAX_FEATURES 2048
#define DEC_MAX_KEYS 64
#define DEC_MAX_VALUES 512
#define DEC_MAX_TAGS 32
#define DEC_MAX_POINTS 4096
#define DEC_MAX_PARTS 64

typedef struct dec_value {
    int kind; /* protobuf field: 1 string, 2 float, 3 double, 4 int, 5 uint, 6 sint, 7 bool */
    char s[128];
    double d;
    int64_t i;
} dec_value;

typedef struct dec_feature {
    int type;
    int has_id;
    uint64_t id;
    uint32_t tags[DEC_MAX_TAGS];
    size_t ntags;
    int32_t xy[2 * DEC_MAX_POINTS]; /* absolute positions */
    size_t npts;
    size_t part_start[DEC_MAX_PARTS]; /* first point of each MoveTo */
    size_t nparts;
    int closed[DEC_MAX_PARTS]; /* a ClosePath ended the part */
} dec_feature;

typedef struct dec_layer {
    char name[64];
    uint32_t version;
    uint32_t extent;
    char keys[DEC_MAX_KEYS][64];
    size_t nkeys;
    dec_value values[DEC_MAX_VALUES];
    size_t nvalues;
    dec_feature *features; /* points into the tile's pool */
    size_t nfeatures;
} dec_layer;

typedef struct dec_tile {
    int bad;
    dec_layer layers[DEC_MAX_LAYERS];
    size_t nlayers;
    dec_feature pool[DEC_MAX_FEATURES];
    size_t pool_used;
} dec_tile;

struct dec_reader {
    const uint8_t *p, *end;
    int *bad;
};

static inline uint64_t dec_varint(struct dec_reader *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            *r->bad = 1;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            return v;
        }
    }
    *r->bad = 1;
    return 0;
}

static inline struct dec_reader dec_sub(struct dec_reader *r) {
    uint64_t n = dec_varint(r);
    struct dec_reader s = {r->p, r->p, r->bad};
    if (n > (uint64_t)(r->end - r->p)) {
        *r->bad = 1;
        return s;
    }
    s.end = r->p + n;
    r->p += n;
    return s;
}

static inline void dec_skip(struct dec_reader *r, int wire) {
    if (wire == 0) {
        dec_varint(r);
    } else if (wire == 1) {
        r->p += 8;
    } else if (wire == 2) {
        dec_sub(r);
    } else if (wire == 5) {
        r->p += 4;
    } else {
        *r->bad = 1;
    }
    if (r->p > r->end) {
        *r->bad = 1;
    }
}

static inline int32_t dec_unzig(uint32_t v) {
    return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

static inline void dec_geometry(struct dec_reader g, dec_feature *f) {
    int32_t x = 0, y = 0;
    while (g.p < g.end && !*g.bad) {
        uint32_t c = (uint32_t)dec_varint(&g);
        uint32_t id = c & 7, count = c >> 3;
        if (id == 7) {
            if (f->nparts == 0) {
                *g.bad = 1;
                return;
            }
            f->closed[f->nparts - 1] = 1;
            continue;
        }
        if (id != 1 && id != 2) {
            *g.bad = 1;
            return;
        }
        for (uint32_t k = 0; k < count; k++) {
            if (id == 1 || f->nparts == 0) {
                if (id != 1 || f->nparts >= DEC_MAX_PARTS) {
                    *g.bad = 1;
                    return;
                }
                f->part_start[f->nparts] = f->npts;
                f->closed[f->nparts] = 0;
                f->nparts++;
            }
            x += dec_unzig((uint32_t)dec_varint(&g));
            y += dec_unzig((uint32_t)dec_varint(&g));
            if (f->npts >= DEC_MAX_POINTS) {
                *g.bad = 1;
                return;
            }
            f->xy[2 * f->npts] = x;
            f->xy[2 * f->npts + 1] = y;
            f->npts++;
        }
    }
}

static inline void dec_feature_read(struct dec_reader r, dec_feature *f) {
    memset(f, 0, sizeof *f);
    while (r.p < r.end && !*r.bad) {
        uint64_t key = dec_varint(&r);
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 1 && wire == 0) {
            f->has_id = 1;
            f->id = dec_varint(&r);
        } else if (field == 2 && wire == 2) {
            struct dec_reader t = dec_sub(&r);
            while (t.p < t.end && !*t.bad) {
                if (f->ntags >= DEC_MAX_TAGS) {
                    *r.bad = 1;
                    break;
                }
                f->tags[f->ntags++] = (uint32_t)dec_varint(&t);
            }
        } else if (field == 3 && wire == 0) {
            f->type = (int)dec_varint(&r);
        } else if (field == 4 && wire == 2) {
            dec_geometry(dec_sub(&r), f);
        } else {
            dec_skip(&r, wire);
        }
    }
}

static inline void dec_value_read(struct dec_reader r, dec_value *v) {
    memset(v, 0, sizeof *v);
    while (r.p < r.end && !*r.bad) {
        uint64_t key = dec_varint(&r);
        int field = (int)(key >> 3), wire = (int)(key & 7);
        v->kind = field;
        if (field == 1 && wire == 2) {
            struct dec_reader s = dec_sub(&r);
            size_t n = (size_t)(s.end - s.p);
            if (n >= sizeof v->s) {
                *r.bad = 1;
                return;
            }
            memcpy(v->s, s.p, n);
            v->s[n] = '\0';
        } else if (field == 3 && wire == 1) {
            uint64_t bits = 0;
            if (r.end - r.p < 8) {
                *r.bad = 1;
                return;
            }
            for (int k = 0; k < 8; k++) {
                bits |= (uint64_t)r.p[k] << (8 * k);
            }
            r.p += 8;
            memcpy(&v->d, &bits, sizeof v->d);
        } else if ((field == 4 || field == 5 || field == 7) && wire == 0) {
            v->i = (int64_t)dec_varint(&r);
        } else if (field == 6 && wire == 0) {
            uint64_t z = dec_varint(&r);
            v->i = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        } else {
            *r.bad = 1;
        }
    }
}

static inline void dec_layer_read(struct dec_reader r, dec_tile *t, dec_layer *l) {
    memset(l, 0, sizeof *l);
    l->extent = 4096; /* the specification's default */
    l->features = t->pool + t->pool_used;
    while (r.p < r.end && !*r.bad) {
        uint64_t key = dec_varint(&r);
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 15 && wire == 0) {
            l->version = (uint32_t)dec_varint(&r);
        } else if (field == 1 && wire == 2) {
            struct dec_reader s = dec_sub(&r);
            size_t n = (size_t)(s.end - s.p);
            if (n >= sizeof l->name) {
                *r.bad = 1;
                return;
            }
            memcpy(l->name, s.p, n);
            l->name[n] = '\0';
        } else if (field == 2 && wire == 2) {
            if (t->pool_used >= DEC_MAX_FEATURES) {
                *r.bad = 1;
                return;
            }
            dec_feature_read(dec_sub(&r), &t->pool[t->pool_used++]);
            l->nfeatures++;
        } else if (field == 3 && wire == 2) {
            struct dec_reader s = dec_sub(&r);
            size_t n = (size_t)(s.end - s.p);
            if (l->nkeys >= DEC_MAX_KEYS || n >= sizeof l->keys[0]) {
                *r.bad = 1;
                return;
            }
            memcpy(l->keys[l->nkeys], s.p, n);
            l->keys[l->nkeys++][n] = '\0';
        } else if (field == 4 && wire == 2) {
            if (l->nvalues >= DEC_MAX_VALUES) {
                *r.bad = 1;
                return;
            }
            dec_value_read(dec_sub(&r), &l->values[l->nvalues++]);
        } else if (field == 5 && wire == 0) {
            l->extent = (uint32_t)dec_varint(&r);
        } else {
            dec_skip(&r, wire);
        }
    }
}

/* Decodes `size` bytes into *t (large: allocate it statically or on the heap). */
static inline void dec_tile_read(const uint8_t *data, size_t size, dec_tile *t) {
    t->bad = 0;
    t->nlayers = 0;
    t->pool_used = 0;
    struct dec_reader r = {data, data + size, &t->bad};
    while (r.p < r.end && !t->bad) {
        uint64_t key = dec_varint(&r);
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 3 && wire == 2) {
            if (t->nlayers >= DEC_MAX_LAYERS) {
                t->bad = 1;
                return;
            }
            dec_layer_read(dec_sub(&r), t, &t->layers[t->nlayers++]);
        } else {
            dec_skip(&r, wire);
        }
    }
}

/* The layer named `name`, or NULL. */
static inline const dec_layer *dec_find_layer(const dec_tile *t, const char *name) {
    for (size_t i = 0; i < t->nlayers; i++) {
        if (strcmp(t->layers[i].name, name) == 0) {
            return &t->layers[i];
        }
    }
    return NULL;
}

/* The value of property `key` of feature f of layer l, or NULL. */
static inline const dec_value *dec_prop(const dec_layer *l, const dec_feature *f, const char *key) {
    for (size_t k = 0; k + 1 < f->ntags; k += 2) {
        if (f->tags[k] < l->nkeys && f->tags[k + 1] < l->nvalues &&
            strcmp(l->keys[f->tags[k]], key) == 0) {
            return &l->values[f->tags[k + 1]];
        }
    }
    return NULL;
}

/* Twice the signed area of part p of f (surveyor's formula, tile coordinates). */
static inline int64_t dec_ring_area2(const dec_feature *f, size_t p) {
    size_t a = f->part_start[p];
    size_t b = p + 1 < f->nparts ? f->part_start[p + 1] : f->npts;
    int64_t s = 0;
    for (size_t i = a; i < b; i++) {
        size_t j = i + 1 < b ? i + 1 : a;
        s += (int64_t)f->xy[2 * i] * f->xy[2 * j + 1] - (int64_t)f->xy[2 * j] * f->xy[2 * i + 1];
    }
    return s;
}

#endif
