/*
 * graph.c: building a mode's graph from a region, saving it as a cache file and mapping it
 * back.
 *
 * Every road segment the mode may use yields one arc per allowed direction, weighted with
 * its travel time in milliseconds (length / profile speed, at least 1 ms); junctions with
 * turn restrictions for the mode are then expanded (turns.c). Arcs are sorted by tail into
 * CSR form and indexed again by head. The cache file is the graph's block as it is
 * in memory, behind a header carrying a magic string, the layout version, the mode, the
 * region's fingerprint and the offset of every array; loading checks all of them and every
 * index against the file's size and the counts before use, so a damaged or foreign cache is
 * refused (and rebuilt by dorf_graph_open) rather than trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dorf/alloc.h"
#include "graph_internal.h"

static const size_t elem_size[GA_COUNT] = {
    [GA_FIRST_OUT] = 4,       [GA_HEAD] = 4,       [GA_WEIGHT] = 4,
    [GA_ARC_SEGMENT] = 4,     [GA_TAIL] = 4,       [GA_FIRST_IN] = 4,
    [GA_IN_ARC] = 4,          [GA_NODE_LON] = 8,   [GA_NODE_LAT] = 8,
    [GA_SEG_ARC] = 4,         [GA_SEG_LENGTH] = 8, [GA_SEG_POINT_FIRST] = 4,
    [GA_SEG_POINT_COUNT] = 4, [GA_POINTS] = 8,
};

static uint64_t array_length(const struct graph_header *h, int a) {
    switch (a) {
    case GA_FIRST_OUT:
    case GA_FIRST_IN:
        return (uint64_t)h->node_count + 1;
    case GA_NODE_LON:
    case GA_NODE_LAT:
        return h->node_count;
    case GA_SEG_ARC:
        return 2 * (uint64_t)h->segment_count;
    case GA_SEG_LENGTH:
    case GA_SEG_POINT_FIRST:
    case GA_SEG_POINT_COUNT:
        return h->segment_count;
    case GA_POINTS:
        return 2 * (uint64_t)h->point_count;
    default:
        return h->arc_count;
    }
}

/* Lays the arrays out after the header, each 8-byte aligned; returns the total size. */
static uint64_t layout(struct graph_header *h) {
    uint64_t at = (sizeof *h + 7) & ~(uint64_t)7;
    for (int a = 0; a < GA_COUNT; a++) {
        h->offset[a] = at;
        at += (array_length(h, a) * elem_size[a] + 7) & ~(uint64_t)7;
    }
    h->total_size = at;
    return at;
}

void graph_bind_arrays(dorf_graph *g) {
    struct graph_header *h = g->hdr;
    const char *base = (const char *)h;
    g->mode = (dorf_mode)h->mode;
    g->node_count = h->node_count;
    g->arc_count = h->arc_count;
    g->segment_count = h->segment_count;
    g->first_out = (const uint32_t *)(base + h->offset[GA_FIRST_OUT]);
    g->head = (const uint32_t *)(base + h->offset[GA_HEAD]);
    g->weight = (const uint32_t *)(base + h->offset[GA_WEIGHT]);
    g->arc_segment = (const uint32_t *)(base + h->offset[GA_ARC_SEGMENT]);
    g->tail = (const uint32_t *)(base + h->offset[GA_TAIL]);
    g->first_in = (const uint32_t *)(base + h->offset[GA_FIRST_IN]);
    g->in_arc = (const uint32_t *)(base + h->offset[GA_IN_ARC]);
    g->node_lon = (const double *)(base + h->offset[GA_NODE_LON]);
    g->node_lat = (const double *)(base + h->offset[GA_NODE_LAT]);
    g->seg_arc = (const uint32_t *)(base + h->offset[GA_SEG_ARC]);
    g->seg_length = (const double *)(base + h->offset[GA_SEG_LENGTH]);
    g->seg_point_first = (const uint32_t *)(base + h->offset[GA_SEG_POINT_FIRST]);
    g->seg_point_count = (const uint32_t *)(base + h->offset[GA_SEG_POINT_COUNT]);
    g->points = (const double *)(base + h->offset[GA_POINTS]);
}

/* FNV-1a over the import time and the counts: a re-import always changes the time. */
static uint64_t fingerprint_of(const char *imported_at, uint64_t nodes, uint64_t segments,
                               uint64_t restrictions) {
    uint64_t h = 1469598103934665603ull;
    const char *t = imported_at ? imported_at : "";
    for (; *t; t++) {
        h = (h ^ (unsigned char)*t) * 1099511628211ull;
    }
    const uint64_t counts[] = {nodes, segments, restrictions};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        for (int b = 0; b < 8; b++) {
            h = (h ^ ((counts[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
        }
    }
    return h;
}

uint64_t dorf_region_fingerprint(const dorf_region *r) {
    return fingerprint_of(r->meta.imported_at, r->node_count, r->edge_count, r->restriction_count);
}

dorf_status dorf_store_fingerprint(dorf_ctx *ctx, dorf_store *store, uint64_t *out) {
    dorf_region_stamp stamp;
    dorf_status st = dorf_store_stamp(store, &stamp);
    (void)ctx; /* the store reports into the context it was opened with */
    if (st != DORF_OK) {
        return st;
    }
    *out = fingerprint_of(stamp.imported_at, stamp.road_nodes, stamp.road_edges,
                          stamp.turn_restrictions);
    return DORF_OK;
}

static uint32_t travel_ms(dorf_mode mode, const dorf_road_edge *e) {
    double kmh = dorf_profile_speed_kmh(mode, e);
    double ms = e->length_m / (kmh / 3.6) * 1000.0;
    if (!(ms >= 1)) {
        return 1;
    }
    return ms > 1e9 ? 1000000000u : (uint32_t)lround(ms);
}

void raw_graph_release(struct raw_graph *rg) {
    dorf_free(rg->arcs);
    dorf_free(rg->lon);
    dorf_free(rg->lat);
    memset(rg, 0, sizeof *rg);
}

/* The segment arcs of `mode` and the region's nodes, before turn expansion and sorting. */
static dorf_status raw_graph_from_region(dorf_ctx *ctx, const dorf_region *r, dorf_mode mode,
                                         struct raw_graph *rg) {
    const uint8_t bit = (uint8_t)(1u << mode);
    size_t arcs = 0;
    for (size_t i = 0; i < r->edge_count; i++) {
        arcs += (r->edges[i].access_forward & bit) != 0;
        arcs += (r->edges[i].access_backward & bit) != 0;
    }
    if (dorf_grow((void **)&rg->arcs, &rg->arc_cap, arcs, sizeof *rg->arcs) != 0 ||
        dorf_grow((void **)&rg->lon, &rg->node_cap, r->node_count, sizeof *rg->lon) != 0 ||
        !(rg->lat = dorf_malloc(rg->node_cap * sizeof *rg->lat))) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the %s graph",
                         dorf_mode_name(mode));
    }
    for (size_t v = 0; v < r->node_count; v++) {
        rg->lon[v] = r->nodes[v].lon_deg;
        rg->lat[v] = r->nodes[v].lat_deg;
    }
    rg->node_count = r->node_count;
    for (size_t i = 0; i < r->edge_count; i++) {
        const dorf_road_edge *e = &r->edges[i];
        uint32_t w = travel_ms(mode, e);
        if (e->access_forward & bit) {
            rg->arcs[rg->arc_count++] = (struct raw_arc){e->from, e->to, w, (uint32_t)i << 1};
        }
        if (e->access_backward & bit) {
            rg->arcs[rg->arc_count++] = (struct raw_arc){e->to, e->from, w, (uint32_t)i << 1 | 1};
        }
    }
    return DORF_OK;
}

/* Lays out the block of a graph from its raw arcs: CSR by tail, index by head. */
static dorf_status graph_from_raw(dorf_ctx *ctx, const dorf_region *r, dorf_mode mode,
                                  const struct raw_graph *rg, dorf_graph **out) {
    if (rg->node_count >= UINT32_MAX / 2 || rg->arc_count >= UINT32_MAX / 2) {
        return dorf_fail(ctx, DORF_EINVAL, "the region is too large for one graph");
    }
    struct graph_header h = {0};
    memcpy(h.magic, GRAPH_MAGIC, sizeof GRAPH_MAGIC);
    h.layout_version = GRAPH_LAYOUT_VERSION;
    h.mode = (uint32_t)mode;
    h.fingerprint = dorf_region_fingerprint(r);
    h.node_count = (uint32_t)rg->node_count;
    h.arc_count = (uint32_t)rg->arc_count;
    h.segment_count = (uint32_t)r->edge_count;
    h.point_count = (uint32_t)r->point_count;
    uint64_t size = layout(&h);
    dorf_graph *g = dorf_calloc(1, sizeof *g);
    void *block = dorf_calloc(1, (size_t)size);
    uint32_t *degree = dorf_calloc((size_t)h.node_count + 1, sizeof *degree);
    if (!g || !block || !degree) {
        dorf_free(g);
        dorf_free(block);
        dorf_free(degree);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the %s graph",
                         dorf_mode_name(mode));
    }
    memcpy(block, &h, sizeof h);
    g->hdr = block;
    g->block_size = (size_t)size;
    graph_bind_arrays(g);
    uint32_t *first_out = (uint32_t *)g->first_out, *head = (uint32_t *)g->head;
    uint32_t *weight = (uint32_t *)g->weight, *arc_segment = (uint32_t *)g->arc_segment;
    uint32_t *tail = (uint32_t *)g->tail, *first_in = (uint32_t *)g->first_in;
    uint32_t *in_arc = (uint32_t *)g->in_arc, *seg_arc = (uint32_t *)g->seg_arc;

    /* Counting sort by tail; it keeps the raw order within a node, so builds are stable. */
    for (size_t i = 0; i < rg->arc_count; i++) {
        first_out[rg->arcs[i].tail + 1]++;
    }
    for (uint32_t v = 0; v < h.node_count; v++) {
        first_out[v + 1] += first_out[v];
    }
    memcpy(degree, first_out, ((size_t)h.node_count + 1) * sizeof *degree);
    memset(seg_arc, 0xff, 2 * (size_t)h.segment_count * sizeof *seg_arc);
    for (size_t i = 0; i < rg->arc_count; i++) {
        const struct raw_arc *ra = &rg->arcs[i];
        uint32_t a = degree[ra->tail]++;
        head[a] = ra->head;
        tail[a] = ra->tail;
        weight[a] = ra->weight;
        arc_segment[a] = ra->segment;
        if (ra->segment != DORF_GRAPH_TURN) {
            seg_arc[ra->segment] = a; /* segment << 1 | against indexes the pair directly */
        }
    }
    memset(degree, 0, ((size_t)h.node_count + 1) * sizeof *degree);
    for (uint32_t a = 0; a < h.arc_count; a++) {
        first_in[head[a] + 1]++;
    }
    for (uint32_t v = 0; v < h.node_count; v++) {
        first_in[v + 1] += first_in[v];
    }
    memcpy(degree, first_in, ((size_t)h.node_count + 1) * sizeof *degree);
    for (uint32_t a = 0; a < h.arc_count; a++) {
        in_arc[degree[head[a]]++] = a;
    }
    dorf_free(degree);

    memcpy((double *)g->node_lon, rg->lon, h.node_count * sizeof *rg->lon);
    memcpy((double *)g->node_lat, rg->lat, h.node_count * sizeof *rg->lat);
    double *len = (double *)g->seg_length, *pts = (double *)g->points;
    uint32_t *pfirst = (uint32_t *)g->seg_point_first, *pcount = (uint32_t *)g->seg_point_count;
    for (size_t i = 0; i < r->edge_count; i++) {
        len[i] = r->edges[i].length_m;
        pfirst[i] = r->edges[i].point_first;
        pcount[i] = r->edges[i].point_count;
    }
    for (size_t i = 0; i < r->point_count; i++) {
        pts[2 * i] = r->points[i].lon_deg;
        pts[2 * i + 1] = r->points[i].lat_deg;
    }
    dorf_status st = graph_build_snap_grid(ctx, g);
    if (st != DORF_OK) {
        dorf_graph_free(g);
        return st;
    }
    *out = g;
    return DORF_OK;
}

dorf_status dorf_graph_build(dorf_ctx *ctx, const dorf_region *r, dorf_mode mode,
                             dorf_graph **out) {
    *out = NULL;
    if ((unsigned)mode >= DORF_MODE_COUNT) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown travel mode %d", (int)mode);
    }
    if (r->node_count >= UINT32_MAX / 4 || r->edge_count >= UINT32_MAX / 4 ||
        r->point_count >= UINT32_MAX / 2) {
        return dorf_fail(ctx, DORF_EINVAL, "the region is too large for one graph");
    }
    struct raw_graph rg = {0};
    dorf_status st = raw_graph_from_region(ctx, r, mode, &rg);
    if (st == DORF_OK) {
        st = graph_expand_turns(ctx, r, mode, &rg);
    }
    if (st == DORF_OK) {
        st = graph_from_raw(ctx, r, mode, &rg, out);
    }
    raw_graph_release(&rg);
    return st;
}

void dorf_graph_free(dorf_graph *g) {
    if (!g) {
        return;
    }
    if (g->mapped) {
        munmap(g->hdr, g->block_size);
    } else {
        dorf_free(g->hdr);
    }
    dorf_free(g->grid.cell_first);
    dorf_free(g->grid.items);
    dorf_free(g);
}

dorf_status dorf_graph_save(dorf_ctx *ctx, const dorf_graph *g, const char *path) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        return dorf_fail(ctx, DORF_EINVAL, "graph cache path too long");
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot write the graph cache: %s", tmp,
                         strerror(errno));
    }
    int ok = fwrite(g->hdr, 1, g->block_size, f) == g->block_size;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        dorf_status st =
            dorf_fail(ctx, DORF_EIO, "%s: cannot write the graph cache: %s", path, strerror(errno));
        unlink(tmp);
        return st;
    }
    return DORF_OK;
}

/* Checks a mapped block before any of it is used. */
static dorf_status validate(dorf_ctx *ctx, const char *path, const struct graph_header *h,
                            size_t size, dorf_mode mode, uint64_t fingerprint) {
    if (size < sizeof *h || memcmp(h->magic, GRAPH_MAGIC, sizeof GRAPH_MAGIC) != 0) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is not a dorf graph cache", path);
    }
    if (h->layout_version != GRAPH_LAYOUT_VERSION || h->fingerprint != fingerprint) {
        return dorf_fail(ctx, DORF_EVERSION, "%s belongs to another region or dorf version", path);
    }
    if (h->mode != (uint32_t)mode) {
        return dorf_fail(ctx, DORF_EVERSION, "%s is a graph for another travel mode", path);
    }
    struct graph_header expect = *h;
    if (h->total_size != size || layout(&expect) != size ||
        memcmp(expect.offset, h->offset, sizeof h->offset) != 0) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is damaged (sizes do not match)", path);
    }
    dorf_graph g = {.hdr = (struct graph_header *)h};
    graph_bind_arrays(&g);
    int bad = g.first_out[0] != 0 || g.first_in[0] != 0 ||
              g.first_out[g.node_count] != g.arc_count || g.first_in[g.node_count] != g.arc_count;
    for (uint32_t v = 0; v < g.node_count && !bad; v++) {
        bad = g.first_out[v] > g.first_out[v + 1] || g.first_in[v] > g.first_in[v + 1];
    }
    for (uint32_t a = 0; a < g.arc_count && !bad; a++) {
        int turn = g.arc_segment[a] == DORF_GRAPH_TURN;
        bad = g.head[a] >= g.node_count || g.tail[a] >= g.node_count ||
              g.in_arc[a] >= g.arc_count ||
              (!turn && ((g.arc_segment[a] >> 1) >= g.segment_count || g.weight[a] == 0));
    }
    /* The two indexes must describe the same arcs: searches follow tails and heads. */
    for (uint32_t v = 0; v < g.node_count && !bad; v++) {
        for (uint32_t a = g.first_out[v]; a < g.first_out[v + 1] && !bad; a++) {
            bad = g.tail[a] != v;
        }
        for (uint32_t k = g.first_in[v]; k < g.first_in[v + 1] && !bad; k++) {
            bad = g.in_arc[k] >= g.arc_count || g.head[g.in_arc[k]] != v;
        }
    }
    for (uint32_t s = 0; s < g.segment_count && !bad; s++) {
        for (uint32_t dir = 0; dir < 2 && !bad; dir++) {
            uint32_t a = g.seg_arc[2 * s + dir];
            bad = a != NO_ARC && (a >= g.arc_count || g.arc_segment[a] != (s << 1 | dir));
        }
        bad = bad || g.seg_point_count[s] < 2 ||
              (uint64_t)g.seg_point_first[s] + g.seg_point_count[s] > h->point_count;
    }
    for (uint64_t i = 0; i < (uint64_t)h->point_count && !bad; i++) {
        bad = !(fabs(g.points[2 * i]) <= 180 && fabs(g.points[2 * i + 1]) <= 90);
    }
    for (uint32_t v = 0; v < g.node_count && !bad; v++) {
        bad = !(fabs(g.node_lon[v]) <= 180 && fabs(g.node_lat[v]) <= 90);
    }
    if (bad) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is damaged (an index is out of range)", path);
    }
    return DORF_OK;
}

dorf_status dorf_graph_load(dorf_ctx *ctx, const char *path, dorf_mode mode, uint64_t fingerprint,
                            dorf_graph **out) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return dorf_fail(ctx, errno == ENOENT ? DORF_ENOTFOUND : DORF_EIO, "%s: %s", path,
                         strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < (off_t)sizeof(struct graph_header)) {
        close(fd);
        return dorf_fail(ctx, DORF_EPARSE, "%s is not a dorf graph cache", path);
    }
    size_t size = (size_t)sb.st_size;
    void *block = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (block == MAP_FAILED) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot map: %s", path, strerror(errno));
    }
    dorf_status st = validate(ctx, path, block, size, mode, fingerprint);
    dorf_graph *g = st == DORF_OK ? dorf_calloc(1, sizeof *g) : NULL;
    if (st == DORF_OK && !g) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    if (st != DORF_OK) {
        munmap(block, size);
        return st;
    }
    g->hdr = block;
    g->block_size = size;
    g->mapped = 1;
    graph_bind_arrays(g);
    if ((st = graph_build_snap_grid(ctx, g)) != DORF_OK) {
        dorf_graph_free(g);
        return st;
    }
    *out = g;
    return DORF_OK;
}

dorf_status graph_cache_path(dorf_ctx *ctx, const char *db_path, dorf_mode mode, const char *ext,
                             char *path, size_t size, int *cached) {
    char suffix[32];
    snprintf(suffix, sizeof suffix, "%s.%s", dorf_mode_name(mode), ext);
    dorf_status st = dorf_store_derived_path(ctx, db_path, suffix, path, size);
    if (st == DORF_EINVAL) {
        return st;
    }
    *cached = st == DORF_OK;
    if (!*cached) {
        dorf_log(ctx, DORF_LOG_WARN, "%s", dorf_ctx_errmsg(ctx));
        dorf_ctx_clear_error(ctx);
    }
    return DORF_OK;
}

dorf_status dorf_graph_open(dorf_ctx *ctx, dorf_store *store, const char *db_path, dorf_mode mode,
                            dorf_graph **out) {
    *out = NULL;
    char path[4096];
    int cached = 0;
    dorf_status st = graph_cache_path(ctx, db_path, mode, "graph", path, sizeof path, &cached);
    if (st != DORF_OK) {
        return st;
    }
    /* The fingerprint comes from counts, so a valid cache is used without loading the region. */
    uint64_t fingerprint = 0;
    if ((st = dorf_store_fingerprint(ctx, store, &fingerprint)) != DORF_OK) {
        return st;
    }
    st = cached ? dorf_graph_load(ctx, path, mode, fingerprint, out) : DORF_ENOTFOUND;
    if (st == DORF_OK) {
        return DORF_OK;
    }
    if (st != DORF_ENOTFOUND) {
        dorf_log(ctx, DORF_LOG_INFO, "rebuilding the graph cache: %s", dorf_ctx_errmsg(ctx));
    }
    dorf_ctx_clear_error(ctx);
    dorf_region *region = NULL;
    if ((st = dorf_store_load_region(store, &region)) != DORF_OK) {
        return st;
    }
    st = dorf_graph_build(ctx, region, mode, out);
    dorf_region_free(region);
    if (st == DORF_OK && cached && dorf_graph_save(ctx, *out, path) != DORF_OK) {
        dorf_log(ctx, DORF_LOG_WARN, "%s", dorf_ctx_errmsg(ctx));
        dorf_ctx_clear_error(ctx);
    }
    return st;
}

dorf_mode dorf_graph_mode(const dorf_graph *g) {
    return g->mode;
}

uint32_t dorf_graph_node_count(const dorf_graph *g) {
    return g->node_count;
}

uint32_t dorf_graph_arc_count(const dorf_graph *g) {
    return g->arc_count;
}

size_t dorf_graph_memory_bytes(const dorf_graph *g) {
    return g->block_size + ((size_t)g->grid.cols * g->grid.rows + 1) * sizeof(uint32_t) +
           (g->grid.cell_first ? g->grid.cell_first[(size_t)g->grid.cols * g->grid.rows] : 0) *
               sizeof(struct snap_item);
}

void dorf_graph_arc(const dorf_graph *g, uint32_t arc, uint32_t *tail, uint32_t *head,
                    uint32_t *time_ms, uint32_t *segment, int *against) {
    *tail = g->tail[arc];
    *head = g->head[arc];
    *time_ms = g->weight[arc];
    if (g->arc_segment[arc] == DORF_GRAPH_TURN) {
        *segment = DORF_GRAPH_TURN;
        *against = 0;
        return;
    }
    *segment = g->arc_segment[arc] >> 1;
    *against = (int)(g->arc_segment[arc] & 1);
}

void dorf_graph_node_position(const dorf_graph *g, uint32_t node, double *lon_deg,
                              double *lat_deg) {
    *lon_deg = g->node_lon[node];
    *lat_deg = g->node_lat[node];
}

uint32_t dorf_graph_segment_count(const dorf_graph *g) {
    return g->segment_count;
}
