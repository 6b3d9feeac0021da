/*
 * tile_base.c: the base map's features, projected and indexed, and the cutting of one tile
 * (tile_base.h).
 *
 * Building: every feature of the region goes into a group by layer and smallest zoom, with its
 * geometry projected to world coordinates (tile_geom.h) as parts (lines, or rings marked
 * exterior or hole) in the group's flat point array, and its box into the group's packed
 * Hilbert R-tree (tile_index.h). Geometry comes from the region's WKB blobs (OGC Simple
 * Features; ISO and EWKB type codes, either byte order, Z and M dropped), from the road
 * segments' shape points and from the places' positions.
 *
 * Rendering a tile: for each layer, each of its groups whose zoom has come searches its index
 * with the buffered tile; each feature found is moved to tile units, clipped to the buffer
 * (tile_clip_line / tile_clip_ring), simplified (Douglas-Peucker, one unit; none from
 * TILE_BASE_MAX_ZOOM on), rounded and written with its properties (mvt.h). A polygon smaller
 * than TILE_BASE_MIN_AREA at the tile's zoom is skipped before any of that; an exterior ring
 * that collapses takes its holes with it.
 */
#include "tile_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/arena.h"
#include "tile_geom.h"
#include "tile_index.h"

#define MAX_FIELDS 4
#define WKB_MAX_DEPTH 8 /* nesting of geometry collections */

static const char *const layer_names[TILE_BASE_LAYER_COUNT] = {
    "landcover", "water", "waterway", "railway", "roads", "buildings", "places",
};

/* Property names by layer; a feature keeps the values in the same order. */
static const char *const fields_landcover[] = {"class", NULL};
static const char *const fields_water[] = {"class", "name", NULL};
static const char *const fields_waterway[] = {"class", "name", NULL};
static const char *const fields_railway[] = {"class", NULL};
static const char *const fields_roads[] = {"class", "name", "oneway", NULL};
static const char *const fields_buildings[] = {"kind", NULL};
static const char *const fields_places[] = {"id", "name", "category", "subclass", NULL};

static const char *const *const layer_fields[TILE_BASE_LAYER_COUNT] = {
    fields_landcover, fields_water,     fields_waterway, fields_railway,
    fields_roads,     fields_buildings, fields_places,
};

static const mvt_geom_type layer_types[TILE_BASE_LAYER_COUNT] = {
    MVT_POLYGON,    MVT_POLYGON, MVT_LINESTRING, MVT_LINESTRING,
    MVT_LINESTRING, MVT_POLYGON, MVT_POINT,
};

const char *tile_base_layer_name(tile_base_layer layer) {
    return layer < TILE_BASE_LAYER_COUNT ? layer_names[layer] : "unknown";
}

const char *const *tile_base_layer_fields(tile_base_layer layer) {
    static const char *const none[] = {NULL};
    return layer < TILE_BASE_LAYER_COUNT ? layer_fields[layer] : none;
}

static int is_one_of(const char *s, const char *const *list) {
    for (; s && *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

unsigned tile_base_minzoom(tile_base_layer layer, const char *kind) {
    static const char *const roads6[] = {"motorway", "motorway_link", "trunk", "trunk_link", NULL};
    static const char *const roads8[] = {"primary", "primary_link", NULL};
    static const char *const roads9[] = {"secondary", "secondary_link", NULL};
    static const char *const roads10[] = {"tertiary", "tertiary_link", NULL};
    static const char *const roads12[] = {"unclassified", "residential", "living_street",
                                          "road",         "pedestrian",  NULL};
    static const char *const roads13[] = {"service", "track", NULL};
    static const char *const rail8[] = {"rail", NULL};
    static const char *const rail10[] = {"light_rail", "narrow_gauge", "subway", "tram",
                                         "monorail",   "funicular",    NULL};
    static const char *const river8[] = {"river", "canal", NULL};
    static const char *const river11[] = {"stream", NULL};
    switch (layer) {
    case TILE_ROADS:
        return is_one_of(kind, roads6)    ? 6
               : is_one_of(kind, roads8)  ? 8
               : is_one_of(kind, roads9)  ? 9
               : is_one_of(kind, roads10) ? 10
               : is_one_of(kind, roads12) ? 12
               : is_one_of(kind, roads13) ? 13
                                          : 14;
    case TILE_RAILWAY:
        return is_one_of(kind, rail8) ? 8 : is_one_of(kind, rail10) ? 10 : 13;
    case TILE_WATERWAY:
        return is_one_of(kind, river8) ? 8 : is_one_of(kind, river11) ? 11 : 13;
    case TILE_LANDCOVER:
    case TILE_WATER:
        return 8;
    case TILE_BUILDINGS:
        return 13;
    case TILE_PLACES:
        return 12;
    default:
        return TILE_BASE_MAX_ZOOM;
    }
}

/* ---- the model ---- */

struct part {
    uint32_t first; /* into the group's points */
    uint32_t count;
    uint8_t exterior; /* rings: 1 exterior, 0 hole */
};

struct feature {
    uint32_t part_first; /* into the group's parts */
    uint32_t part_count;
    double area;                   /* polygons: in world units squared; else 0 */
    const char *props[MAX_FIELDS]; /* in the order of the layer's fields; NULL: absent */
    uint8_t oneway;                /* roads */
};

struct group {
    tile_base_layer layer;
    unsigned minzoom;
    struct feature *features;
    size_t n, cap;
    struct part *parts;
    size_t part_n, part_cap;
    double *pts; /* world coordinates, 2 per point */
    size_t pt_n, pt_cap;
    double *boxes; /* while building: one box per feature */
    size_t box_cap;
    tile_index *index;
};

struct tile_base {
    dorf_region *region;
    dorf_arena *arena; /* the places' id strings */
    struct group *groups;
    size_t group_n, group_cap;
    size_t counts[TILE_BASE_LAYER_COUNT];
    double world_box[4]; /* of all features */
    int has_box;
};

struct tile_work {
    tile_hits hits;
    tile_xy in;      /* a part in tile units */
    tile_xy clipped; /* its clipped pieces */
    tile_xy tmp[2];
    int32_t *ints;
    size_t int_cap;
    unsigned char *keep;
    size_t keep_cap;
};

/* ---- building ---- */

static struct group *group_for(tile_base *b, tile_base_layer layer, unsigned minzoom) {
    for (size_t i = 0; i < b->group_n; i++) {
        if (b->groups[i].layer == layer && b->groups[i].minzoom == minzoom) {
            return &b->groups[i];
        }
    }
    if (dorf_grow((void **)&b->groups, &b->group_cap, b->group_n + 1, sizeof *b->groups) != 0) {
        return NULL;
    }
    struct group *g = &b->groups[b->group_n++];
    memset(g, 0, sizeof *g);
    g->layer = layer;
    g->minzoom = minzoom;
    return g;
}

/* A feature being added: its group and where its parts begin. */
struct adding {
    struct group *g;
    size_t part_first;
    size_t pt_first;
    int failed;
};

static void add_begin(struct adding *a, struct group *g) {
    a->g = g;
    a->part_first = g->part_n;
    a->pt_first = g->pt_n;
    a->failed = 0;
}

static int add_part(struct adding *a, int exterior) {
    struct group *g = a->g;
    if (dorf_grow((void **)&g->parts, &g->part_cap, g->part_n + 1, sizeof *g->parts) != 0) {
        a->failed = 1;
        return -1;
    }
    g->parts[g->part_n++] = (struct part){(uint32_t)g->pt_n, 0, (uint8_t)exterior};
    return 0;
}

static int add_point(struct adding *a, double lon, double lat) {
    struct group *g = a->g;
    if (!isfinite(lon) || !isfinite(lat)) {
        return 0;
    }
    if (dorf_grow((void **)&g->pts, &g->pt_cap, 2 * (g->pt_n + 1), sizeof *g->pts) != 0) {
        a->failed = 1;
        return -1;
    }
    tile_project(lon, lat, &g->pts[2 * g->pt_n], &g->pts[2 * g->pt_n + 1]);
    g->pt_n++;
    g->parts[g->part_n - 1].count++;
    return 0;
}

/* Drops the parts of the feature being added that have too few points for their kind. */
static void add_prune(struct adding *a, size_t min_points) {
    struct group *g = a->g;
    size_t kept = a->part_first;
    for (size_t i = a->part_first; i < g->part_n; i++) {
        if (g->parts[i].count >= min_points) {
            g->parts[kept++] = g->parts[i];
        }
    }
    g->part_n = kept;
}

/*
 * Ends the feature: records it with its box when it kept any part, else forgets its points.
 * Returns the feature, or NULL when it was dropped or out of memory (a->failed).
 */
static struct feature *add_end(tile_base *b, struct adding *a) {
    struct group *g = a->g;
    if (a->failed) {
        return NULL;
    }
    if (g->part_n == a->part_first) {
        g->pt_n = a->pt_first;
        return NULL;
    }
    if (dorf_grow((void **)&g->features, &g->cap, g->n + 1, sizeof *g->features) != 0 ||
        dorf_grow((void **)&g->boxes, &g->box_cap, 4 * (g->n + 1), sizeof *g->boxes) != 0) {
        a->failed = 1;
        return NULL;
    }
    struct feature *f = &g->features[g->n];
    memset(f, 0, sizeof *f);
    f->part_first = (uint32_t)a->part_first;
    f->part_count = (uint32_t)(g->part_n - a->part_first);
    double *box = &g->boxes[4 * g->n];
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t i = a->pt_first; i < g->pt_n; i++) {
        double x = g->pts[2 * i], y = g->pts[2 * i + 1];
        box[0] = x < box[0] ? x : box[0];
        box[1] = y < box[1] ? y : box[1];
        box[2] = x > box[2] ? x : box[2];
        box[3] = y > box[3] ? y : box[3];
    }
    if (layer_types[g->layer] == MVT_POLYGON) {
        for (size_t i = a->part_first; i < g->part_n; i++) {
            const struct part *p = &g->parts[i];
            double area = fabs(tile_ring_area2(g->pts + 2 * (size_t)p->first, p->count)) / 2;
            f->area += p->exterior ? area : -area;
        }
    }
    if (!b->has_box) {
        memcpy(b->world_box, box, sizeof b->world_box);
        b->has_box = 1;
    } else {
        b->world_box[0] = fmin(b->world_box[0], box[0]);
        b->world_box[1] = fmin(b->world_box[1], box[1]);
        b->world_box[2] = fmax(b->world_box[2], box[2]);
        b->world_box[3] = fmax(b->world_box[3], box[3]);
    }
    g->n++;
    b->counts[g->layer]++;
    return f;
}

/* A reader of one WKB blob. */
struct wkb {
    const unsigned char *p;
    size_t n, pos;
};

static int wkb_u32(struct wkb *w, int little, uint32_t *out) {
    if (w->n - w->pos < 4) {
        return -1;
    }
    const unsigned char *b = w->p + w->pos;
    *out = little
               ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
               : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    w->pos += 4;
    return 0;
}

static int wkb_f64(struct wkb *w, int little, double *out) {
    if (w->n - w->pos < 8) {
        return -1;
    }
    uint64_t v = 0;
    const unsigned char *b = w->p + w->pos;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)b[little ? i : 7 - i] << (8 * i);
    }
    memcpy(out, &v, sizeof *out);
    w->pos += 8;
    return 0;
}

/* Reads `count` points of `dims` coordinates into the current part (no part: skipped). */
static int wkb_points(struct wkb *w, int little, uint32_t count, unsigned dims, struct adding *a,
                      int keep) {
    if (count > (w->n - w->pos) / (8 * dims)) {
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        double x, y, skip;
        if (wkb_f64(w, little, &x) || wkb_f64(w, little, &y)) {
            return -1;
        }
        for (unsigned d = 2; d < dims; d++) {
            if (wkb_f64(w, little, &skip)) {
                return -1;
            }
        }
        if (keep && add_point(a, x, y) != 0) {
            return -1;
        }
    }
    return 0;
}

/*
 * Reads one geometry into the feature being added: rings of polygons when `want` is
 * MVT_POLYGON, lines when MVT_LINESTRING; other kinds are read past and ignored.
 */
static int wkb_geometry(struct wkb *w, mvt_geom_type want, struct adding *a, int depth) {
    if (depth > WKB_MAX_DEPTH || w->pos >= w->n) {
        return -1;
    }
    int little = w->p[w->pos++] == 1;
    uint32_t code;
    if (wkb_u32(w, little, &code)) {
        return -1;
    }
    unsigned dims = 2;
    if (code & 0x20000000u) { /* EWKB: an SRID follows */
        uint32_t srid;
        if (wkb_u32(w, little, &srid)) {
            return -1;
        }
    }
    dims += (code & 0x80000000u) ? 1 : 0;
    dims += (code & 0x40000000u) ? 1 : 0;
    code &= 0x0fffffffu;
    if (code >= 1000 && code < 4000) { /* ISO: 1000 Z, 2000 M, 3000 ZM */
        dims = code >= 3000 ? 4 : 3;
        code %= 1000;
    }
    uint32_t count, rings, points;
    switch (code) {
    case 1: /* Point */
        return wkb_points(w, little, 1, dims, a, 0);
    case 2: /* LineString */
        if (wkb_u32(w, little, &points)) {
            return -1;
        }
        if (want == MVT_LINESTRING && add_part(a, 0) != 0) {
            return -1;
        }
        return wkb_points(w, little, points, dims, a, want == MVT_LINESTRING);
    case 3: /* Polygon */
        if (wkb_u32(w, little, &rings)) {
            return -1;
        }
        for (uint32_t r = 0; r < rings; r++) {
            if (wkb_u32(w, little, &points)) {
                return -1;
            }
            if (want == MVT_POLYGON && add_part(a, r == 0) != 0) {
                return -1;
            }
            if (wkb_points(w, little, points, dims, a, want == MVT_POLYGON) != 0) {
                return -1;
            }
        }
        return 0;
    case 4: /* MultiPoint */
    case 5: /* MultiLineString */
    case 6: /* MultiPolygon */
    case 7: /* GeometryCollection */
        if (wkb_u32(w, little, &count) || count > w->n - w->pos) {
            return -1;
        }
        for (uint32_t i = 0; i < count; i++) {
            if (wkb_geometry(w, want, a, depth + 1) != 0) {
                return -1;
            }
        }
        return 0;
    default:
        return -1;
    }
}

/* Adds a feature from a WKB blob; *out is the feature or NULL (dropped). -1 out of memory. */
static int add_wkb(tile_base *b, tile_base_layer layer, unsigned minzoom, const unsigned char *blob,
                   size_t size, struct feature **out) {
    *out = NULL;
    struct group *g = group_for(b, layer, minzoom);
    if (!g) {
        return -1;
    }
    struct adding a;
    add_begin(&a, g);
    struct wkb w = {blob, size, 0};
    mvt_geom_type want = layer_types[layer];
    if (!blob || wkb_geometry(&w, want, &a, 0) != 0) {
        if (a.failed) {
            return -1;
        }
        g->part_n = a.part_first; /* malformed: skip the feature */
        g->pt_n = a.pt_first;
        return 0;
    }
    add_prune(&a, want == MVT_POLYGON ? 3 : 2);
    /* A hole whose exterior was pruned has nothing to be a hole of. */
    if (want == MVT_POLYGON && g->part_n > a.part_first && !g->parts[a.part_first].exterior) {
        g->part_n = a.part_first;
    }
    *out = add_end(b, &a);
    return a.failed ? -1 : 0;
}

static int build_map_features(tile_base *b) {
    const dorf_region *r = b->region;
    for (size_t i = 0; i < r->map_feature_count; i++) {
        const dorf_map_feature *m = &r->map_features[i];
        tile_base_layer layer;
        switch (m->layer) {
        case DORF_MAP_LANDCOVER:
            layer = TILE_LANDCOVER;
            break;
        case DORF_MAP_WATER:
            layer = TILE_WATER;
            break;
        case DORF_MAP_WATERWAY:
            layer = TILE_WATERWAY;
            break;
        case DORF_MAP_RAILWAY:
            layer = TILE_RAILWAY;
            break;
        default:
            continue;
        }
        struct feature *f;
        if (add_wkb(b, layer, tile_base_minzoom(layer, m->kind), m->wkb, m->wkb_size, &f) != 0) {
            return -1;
        }
        if (f) {
            f->props[0] = m->kind;
            f->props[1] = layer == TILE_WATER || layer == TILE_WATERWAY ? m->name : NULL;
        }
    }
    return 0;
}

static int build_roads(tile_base *b) {
    const dorf_region *r = b->region;
    for (size_t i = 0; i < r->edge_count; i++) {
        const dorf_road_edge *e = &r->edges[i];
        if ((size_t)e->point_first + e->point_count > r->point_count || e->point_count < 2) {
            continue;
        }
        const char *cls = dorf_highway_name(e->highway);
        struct group *g = group_for(b, TILE_ROADS, tile_base_minzoom(TILE_ROADS, cls));
        if (!g) {
            return -1;
        }
        /* One way for cars: drawn in the direction of travel. */
        int fwd = (e->access_forward & DORF_ACCESS_CAR) != 0;
        int bwd = (e->access_backward & DORF_ACCESS_CAR) != 0;
        int reverse = bwd && !fwd;
        struct adding a;
        add_begin(&a, g);
        if (add_part(&a, 0) != 0) {
            return -1;
        }
        for (uint32_t k = 0; k < e->point_count; k++) {
            uint32_t j = e->point_first + (reverse ? e->point_count - 1 - k : k);
            if (add_point(&a, r->points[j].lon_deg, r->points[j].lat_deg) != 0) {
                return -1;
            }
        }
        add_prune(&a, 2);
        struct feature *f = add_end(b, &a);
        if (a.failed) {
            return -1;
        }
        if (f) {
            f->props[0] = cls;
            f->props[1] = e->name;
            f->oneway = fwd != bwd;
        }
    }
    return 0;
}

static int build_buildings(tile_base *b) {
    const dorf_region *r = b->region;
    unsigned minzoom = tile_base_minzoom(TILE_BUILDINGS, NULL);
    for (size_t i = 0; i < r->building_count; i++) {
        const dorf_building *bl = &r->buildings[i];
        struct feature *f;
        if (add_wkb(b, TILE_BUILDINGS, minzoom, bl->wkb, bl->wkb_size, &f) != 0) {
            return -1;
        }
        if (f) {
            f->props[0] = bl->kind;
        }
    }
    return 0;
}

static int build_places(tile_base *b) {
    const dorf_region *r = b->region;
    struct group *g = group_for(b, TILE_PLACES, tile_base_minzoom(TILE_PLACES, NULL));
    if (!g) {
        return -1;
    }
    for (size_t i = 0; i < r->place_count; i++) {
        const dorf_place *p = &r->places[i];
        char id[32];
        snprintf(id, sizeof id, "%c%lld", p->osm_type, (long long)p->osm_id);
        char *id_copy = dorf_arena_strdup(b->arena, id);
        struct adding a;
        add_begin(&a, g);
        if (!id_copy || add_part(&a, 0) != 0 || add_point(&a, p->lon_deg, p->lat_deg) != 0) {
            return -1;
        }
        add_prune(&a, 1);
        struct feature *f = add_end(b, &a);
        if (a.failed) {
            return -1;
        }
        if (f) {
            f->props[0] = id_copy;
            f->props[1] = p->name;
            f->props[2] = dorf_category_name(p->category);
            f->props[3] = p->osm_value;
        }
    }
    return 0;
}

static int cmp_group(const void *pa, const void *pb) {
    const struct group *a = pa, *b = pb;
    if (a->layer != b->layer) {
        return a->layer < b->layer ? -1 : 1;
    }
    return a->minzoom < b->minzoom ? -1 : a->minzoom > b->minzoom;
}

void tile_base_free(tile_base *b) {
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->group_n; i++) {
        struct group *g = &b->groups[i];
        dorf_free(g->features);
        dorf_free(g->parts);
        dorf_free(g->pts);
        dorf_free(g->boxes);
        tile_index_free(g->index);
    }
    dorf_free(b->groups);
    dorf_arena_free(b->arena);
    dorf_region_free(b->region);
    dorf_free(b);
}

dorf_status tile_base_build(dorf_ctx *ctx, dorf_region *region, tile_base **out) {
    *out = NULL;
    tile_base *b = dorf_calloc(1, sizeof *b);
    if (!b) {
        dorf_region_free(region);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the base map's tiles");
    }
    b->region = region;
    if (!(b->arena = dorf_arena_new()) || build_map_features(b) != 0 || build_roads(b) != 0 ||
        build_buildings(b) != 0 || build_places(b) != 0) {
        goto fail;
    }
    /* Within a layer the features of the smaller zooms (the major roads) come first. */
    if (b->group_n > 1) {
        qsort(b->groups, b->group_n, sizeof *b->groups, cmp_group);
    }
    for (size_t i = 0; i < b->group_n; i++) {
        struct group *g = &b->groups[i];
        if (tile_index_build(g->boxes, g->n, &g->index) != 0) {
            goto fail;
        }
        dorf_free(g->boxes);
        g->boxes = NULL;
    }
    *out = b;
    return DORF_OK;

fail:
    tile_base_free(b);
    return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the base map's tiles");
}

int tile_base_bounds(const tile_base *b, double out[4]) {
    const dorf_region_meta *m = &b->region->meta;
    if (m->max_lon_deg > m->min_lon_deg && m->max_lat_deg > m->min_lat_deg) {
        out[0] = m->min_lon_deg;
        out[1] = m->min_lat_deg;
        out[2] = m->max_lon_deg;
        out[3] = m->max_lat_deg;
        return 1;
    }
    if (!b->has_box) {
        return 0;
    }
    tile_unproject(b->world_box[0], b->world_box[3], &out[0], &out[1]);
    tile_unproject(b->world_box[2], b->world_box[1], &out[2], &out[3]);
    return 1;
}

size_t tile_base_count(const tile_base *b, tile_base_layer layer) {
    return layer < TILE_BASE_LAYER_COUNT ? b->counts[layer] : 0;
}

/* ---- rendering ---- */

tile_work *tile_work_new(void) {
    return dorf_calloc(1, sizeof(tile_work));
}

void tile_work_free(tile_work *w) {
    if (!w) {
        return;
    }
    tile_hits_free(&w->hits);
    tile_xy_free(&w->in);
    tile_xy_free(&w->clipped);
    tile_xy_free(&w->tmp[0]);
    tile_xy_free(&w->tmp[1]);
    dorf_free(w->ints);
    dorf_free(w->keep);
    dorf_free(w);
}

/* Where the tile is in world coordinates, and how to get to tile units. */
struct frame {
    double scale;  /* world -> tile units: 2^z * extent */
    double ox, oy; /* the tile's corner in tile units of the world */
    double tolerance;
};

/* Moves part `p` of group `g` to tile units in w->in (one part). */
static int to_tile(tile_work *w, const struct group *g, const struct part *p,
                   const struct frame *fr) {
    tile_xy_clear(&w->in);
    if (dorf_grow((void **)&w->in.pts, &w->in.cap, 2 * (size_t)p->count, sizeof *w->in.pts)) {
        return -1;
    }
    const double *src = g->pts + 2 * (size_t)p->first;
    for (size_t i = 0; i < p->count; i++) {
        w->in.pts[2 * i] = src[2 * i] * fr->scale - fr->ox;
        w->in.pts[2 * i + 1] = src[2 * i + 1] * fr->scale - fr->oy;
    }
    w->in.n = p->count;
    return 0;
}

/* Simplifies and rounds the piece pts[0 .. n) into w->ints; returns the points left. */
static size_t finish_piece(tile_work *w, double *pts, size_t n, const struct frame *fr) {
    if (fr->tolerance > 0) {
        if (dorf_grow((void **)&w->keep, &w->keep_cap, n, 1) != 0) {
            return (size_t)-1;
        }
        n = tile_simplify(pts, n, fr->tolerance, w->keep);
    }
    if (dorf_grow((void **)&w->ints, &w->int_cap, 2 * n, sizeof *w->ints) != 0) {
        return (size_t)-1;
    }
    return tile_round(pts, n, w->ints);
}

static int render_lines(mvt_encoder *enc, tile_work *w, const struct group *g,
                        const struct feature *f, const struct frame *fr) {
    const double lo = -TILE_BUFFER, hi = TILE_EXTENT + TILE_BUFFER;
    for (uint32_t k = 0; k < f->part_count; k++) {
        if (to_tile(w, g, &g->parts[f->part_first + k], fr) != 0) {
            return -1;
        }
        tile_xy_clear(&w->clipped);
        if (tile_clip_line(w->in.pts, w->in.n, lo, hi, &w->clipped) != 0) {
            return -1;
        }
        for (size_t p = 0; p < w->clipped.parts; p++) {
            size_t n = tile_xy_part_size(&w->clipped, p);
            n = finish_piece(w, w->clipped.pts + 2 * w->clipped.start[p], n, fr);
            if (n == (size_t)-1) {
                return -1;
            }
            mvt_feature_add_line(enc, w->ints, n);
        }
    }
    return 0;
}

static int render_rings(mvt_encoder *enc, tile_work *w, const struct group *g,
                        const struct feature *f, const struct frame *fr) {
    const double lo = -TILE_BUFFER, hi = TILE_EXTENT + TILE_BUFFER;
    int exterior_kept = 0;
    for (uint32_t k = 0; k < f->part_count; k++) {
        const struct part *p = &g->parts[f->part_first + k];
        if (!p->exterior && !exterior_kept) {
            continue;
        }
        if (to_tile(w, g, p, fr) != 0) {
            return -1;
        }
        tile_xy_clear(&w->clipped);
        if (tile_clip_ring(w->in.pts, w->in.n, lo, hi, w->tmp, &w->clipped) != 0) {
            return -1;
        }
        int kept = 0;
        if (w->clipped.parts == 1) {
            size_t n = finish_piece(w, w->clipped.pts, w->clipped.n, fr);
            if (n == (size_t)-1) {
                return -1;
            }
            kept = mvt_feature_add_ring(enc, w->ints, n, p->exterior);
        }
        if (p->exterior) {
            exterior_kept = kept;
        }
    }
    return 0;
}

static int render_group(mvt_encoder *enc, tile_work *w, const struct group *g, unsigned z,
                        const struct frame *fr, const double world[4]) {
    if (tile_index_search(g->index, world[0], world[1], world[2], world[3], &w->hits) != 0) {
        return -1;
    }
    const char *const *fields = layer_fields[g->layer];
    mvt_geom_type type = layer_types[g->layer];
    double min_area = z < TILE_BASE_MAX_ZOOM ? TILE_BASE_MIN_AREA / (fr->scale * fr->scale) : 0;
    for (size_t h = 0; h < w->hits.n; h++) {
        const struct feature *f = &g->features[w->hits.items[h]];
        if (type == MVT_POLYGON && f->area < min_area) {
            continue;
        }
        mvt_feature_begin(enc, type);
        for (size_t k = 0; k < MAX_FIELDS && fields[k]; k++) {
            if (g->layer == TILE_ROADS && strcmp(fields[k], "oneway") == 0) {
                mvt_feature_add_bool(enc, fields[k], f->oneway);
            } else {
                mvt_feature_add_string(enc, fields[k], f->props[k]);
            }
        }
        int rc = 0;
        if (type == MVT_POINT) {
            const double lo = -TILE_BUFFER, hi = TILE_EXTENT + TILE_BUFFER;
            for (uint32_t k = 0; k < f->part_count; k++) {
                const struct part *p = &g->parts[f->part_first + k];
                for (uint32_t i = 0; i < p->count; i++) {
                    const double *pt = g->pts + 2 * ((size_t)p->first + i);
                    double x = pt[0] * fr->scale - fr->ox, y = pt[1] * fr->scale - fr->oy;
                    if (x >= lo && x <= hi && y >= lo && y <= hi) {
                        mvt_feature_add_point(enc, (int32_t)lrint(x), (int32_t)lrint(y));
                    }
                }
            }
        } else if (type == MVT_LINESTRING) {
            rc = render_lines(enc, w, g, f, fr);
        } else {
            rc = render_rings(enc, w, g, f, fr);
        }
        mvt_feature_end(enc);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

int tile_base_render(const tile_base *b, tile_work *w, unsigned z, uint32_t x, uint32_t y,
                     mvt_encoder *enc) {
    mvt_encoder_reset(enc);
    struct frame fr;
    fr.scale = ldexp((double)TILE_EXTENT, (int)z);
    fr.ox = (double)x * TILE_EXTENT;
    fr.oy = (double)y * TILE_EXTENT;
    fr.tolerance = z < TILE_BASE_MAX_ZOOM ? 1.0 : 0.0;
    /* The buffered tile in world coordinates. */
    double world[4] = {(fr.ox - TILE_BUFFER) / fr.scale, (fr.oy - TILE_BUFFER) / fr.scale,
                       (fr.ox + TILE_EXTENT + TILE_BUFFER) / fr.scale,
                       (fr.oy + TILE_EXTENT + TILE_BUFFER) / fr.scale};
    for (int layer = 0; layer < TILE_BASE_LAYER_COUNT; layer++) {
        int open = 0;
        for (size_t i = 0; i < b->group_n; i++) {
            const struct group *g = &b->groups[i];
            if ((int)g->layer != layer || g->minzoom > z || g->n == 0) {
                continue;
            }
            if (!open) {
                mvt_layer_begin(enc, layer_names[layer], TILE_EXTENT);
                open = 1;
            }
            if (render_group(enc, w, g, z, &fr, world) != 0) {
                return -1;
            }
        }
        if (open) {
            mvt_layer_end(enc);
        }
    }
    const uint8_t *data;
    size_t size;
    return mvt_encoder_finish(enc, &data, &size);
}
