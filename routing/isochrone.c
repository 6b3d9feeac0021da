/*
 * isochrone.c: the areas reached from a point within several time limits, as polygons.
 *
 * One reach search (reach.c) runs to the largest limit. For each limit, in increasing order,
 * every stretch of road reached within it (dorf_reach_segment_parts) becomes a line in a local
 * equirectangular frame around the source (metres east and north; the same spherical metres
 * per degree as snapping uses, so lengths agree with the graph's to well under 1 % within a
 * few tens of kilometres); GEOS buffers all lines at once (which unions the buffers), the
 * outline is simplified without changing its topology, united with the previous limit's
 * polygon so that the isochrones nest even after simplifying, holes smaller than a threshold
 * are filled, and the rings are turned back to degrees in RFC 7946 orientation. The buffer
 * stands for the way from a road to the doors along it: 50 m for walking (a village house
 * and its yard), 100 m for bike and car (farmsteads set back from the lane). GEOS is used
 * through its reentrant API, one handle per call.
 */
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "search_internal.h"

#define M_PER_DEG 111195.0 /* metres per degree of latitude, as snap.c uses */
#define QUADRANT_SEGMENTS 8

/* The local metric frame: x east and y north of (lon0, lat0), in metres. */
struct frame {
    double lon0, lat0, m_per_lon, m_per_lat;
};

struct geos {
    GEOSContextHandle_t h;
    char msg[256];
};

static void on_geos_error(const char *message, void *user) {
    struct geos *gs = user;
    snprintf(gs->msg, sizeof gs->msg, "%s", message);
}

/* Working memory for one segment's points in the frame and the stretch cut from them. */
struct scratch {
    double *xy;  /* the segment's points, then the stretch's */
    double *cum; /* length from the first point */
    size_t xy_cap, cum_cap;
};

/* The position at fraction `f` of segment `s` (by length in the frame), in degrees. */
static void segment_point(const dorf_graph *g, uint32_t s, double f, double *lon, double *lat) {
    const double *p = &g->points[2 * (size_t)g->seg_point_first[s]];
    uint32_t n = g->seg_point_count[s];
    double m_per_lon = cos(p[1] * M_PI / 180.0);
    double total = 0;
    for (uint32_t i = 1; i < n; i++) {
        total += hypot((p[2 * i] - p[2 * i - 2]) * m_per_lon, p[2 * i + 1] - p[2 * i - 1]);
    }
    double want = f * total, cum = 0;
    for (uint32_t i = 1; i < n; i++) {
        double len = hypot((p[2 * i] - p[2 * i - 2]) * m_per_lon, p[2 * i + 1] - p[2 * i - 1]);
        if (cum + len >= want || i == n - 1) {
            double u = len > 0 ? (want - cum) / len : 0;
            u = u < 0 ? 0 : u > 1 ? 1 : u;
            *lon = p[2 * i - 2] + u * (p[2 * i] - p[2 * i - 2]);
            *lat = p[2 * i - 1] + u * (p[2 * i + 1] - p[2 * i - 1]);
            return;
        }
        cum += len;
    }
    *lon = p[0];
    *lat = p[1];
}

/*
 * The stretch [lo, hi] of segment `s` as a GEOS LineString in the frame, into *out; *out is
 * NULL (and DORF_OK returned) when the segment has no length.
 */
static dorf_status stretch_line(dorf_ctx *ctx, struct geos *gs, const dorf_graph *g,
                                const struct frame *fr, uint32_t s, double lo, double hi,
                                struct scratch *sc, GEOSGeometry **out) {
    *out = NULL;
    uint32_t n = g->seg_point_count[s];
    const double *p = &g->points[2 * (size_t)g->seg_point_first[s]];
    /* The stretch has at most n + 2 points; the segment's points come first in xy. */
    if (dorf_grow((void **)&sc->xy, &sc->xy_cap, 2 * ((size_t)2 * n + 2), sizeof *sc->xy) != 0 ||
        dorf_grow((void **)&sc->cum, &sc->cum_cap, n, sizeof *sc->cum) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
    }
    double *seg = sc->xy, *line = sc->xy + 2 * (size_t)n;
    for (uint32_t i = 0; i < n; i++) {
        seg[2 * i] = (p[2 * i] - fr->lon0) * fr->m_per_lon;
        seg[2 * i + 1] = (p[2 * i + 1] - fr->lat0) * fr->m_per_lat;
        sc->cum[i] =
            i ? sc->cum[i - 1] + hypot(seg[2 * i] - seg[2 * i - 2], seg[2 * i + 1] - seg[2 * i - 1])
              : 0;
    }
    double total = sc->cum[n - 1];
    if (!(total > 0)) {
        return DORF_OK;
    }
    double a = lo * total, b = hi * total;
    size_t m = 0;
    for (uint32_t i = 1; i < n; i++) {
        double c0 = sc->cum[i - 1], c1 = sc->cum[i], len = c1 - c0;
        if (c1 < a || c0 > b) {
            continue;
        }
        if (m == 0) { /* the stretch starts on this piece */
            double u = len > 0 ? (a - c0) / len : 0;
            line[m++] = seg[2 * i - 2] + u * (seg[2 * i] - seg[2 * i - 2]);
            line[m++] = seg[2 * i - 1] + u * (seg[2 * i + 1] - seg[2 * i - 1]);
        }
        if (c1 < b) {
            line[m++] = seg[2 * i];
            line[m++] = seg[2 * i + 1];
        } else {
            double u = len > 0 ? (b - c0) / len : 0;
            line[m++] = seg[2 * i - 2] + u * (seg[2 * i] - seg[2 * i - 2]);
            line[m++] = seg[2 * i - 1] + u * (seg[2 * i + 1] - seg[2 * i - 1]);
            break;
        }
    }
    if (m < 4) {
        return DORF_OK;
    }
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(gs->h, line, (unsigned)(m / 2), 0, 0);
    *out = cs ? GEOSGeom_createLineString_r(gs->h, cs) : NULL;
    if (!*out) {
        return dorf_fail(ctx, DORF_EIO, "GEOS cannot make a line of an isochrone: %s", gs->msg);
    }
    return DORF_OK;
}

/*
 * The roads reached within `limit_s` and the source point, as one GEOS geometry collection
 * in the frame, into *out.
 */
static dorf_status reached_lines(dorf_ctx *ctx, struct geos *gs, const dorf_reach_result *res,
                                 const struct frame *fr, double source_x, double source_y,
                                 double limit_s, struct scratch *sc, GEOSGeometry **out) {
    const dorf_graph *g = res->graph;
    GEOSGeometry **geoms = NULL;
    size_t count = 0, cap = 0;
    dorf_reach_part parts_local[8], *parts = parts_local;
    size_t parts_cap = sizeof parts_local / sizeof parts_local[0];
    dorf_status st = DORF_OK;
    *out = NULL;
    if (dorf_grow((void **)&geoms, &cap, 64, sizeof *geoms) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
    }
    geoms[count] = GEOSGeom_createPointFromXY_r(gs->h, source_x, source_y);
    if (!geoms[count]) {
        st = dorf_fail(ctx, DORF_EIO, "GEOS cannot make a point: %s", gs->msg);
        goto fail;
    }
    count++;
    for (uint32_t s = 0; s < g->segment_count; s++) {
        size_t np = dorf_reach_segment_parts(res, s, limit_s, parts, parts_cap);
        if (np > parts_cap) { /* many sources on one segment */
            dorf_reach_part *more = dorf_malloc(np * sizeof *more);
            if (!more) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
                goto fail;
            }
            if (parts != parts_local) {
                dorf_free(parts);
            }
            parts = more;
            parts_cap = np;
            np = dorf_reach_segment_parts(res, s, limit_s, parts, parts_cap);
        }
        for (size_t i = 0; i < np; i++) {
            GEOSGeometry *line = NULL;
            st = stretch_line(ctx, gs, g, fr, s, parts[i].from_fraction, parts[i].to_fraction, sc,
                              &line);
            if (st != DORF_OK) {
                goto fail;
            }
            if (!line) {
                continue;
            }
            if (dorf_grow((void **)&geoms, &cap, count + 1, sizeof *geoms) != 0) {
                GEOSGeom_destroy_r(gs->h, line);
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
                goto fail;
            }
            geoms[count++] = line;
        }
    }
    /* The collection takes the geometries (not the array). */
    *out = GEOSGeom_createCollection_r(gs->h, GEOS_GEOMETRYCOLLECTION, geoms, (unsigned)count);
    if (!*out) {
        st = dorf_fail(ctx, DORF_EIO, "GEOS cannot collect the reached roads: %s", gs->msg);
        goto fail;
    }
    count = 0;
fail:
    for (size_t i = 0; i < count; i++) {
        GEOSGeom_destroy_r(gs->h, geoms[i]);
    }
    dorf_free(geoms);
    if (parts != parts_local) {
        dorf_free(parts);
    }
    return st;
}

/* Twice the signed area of a ring (positive when counter-clockwise), and its point count. */
static double ring_area2(struct geos *gs, const GEOSGeometry *ring, unsigned *size) {
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gs->h, ring);
    *size = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(gs->h, cs, size)) {
        *size = 0;
        return 0;
    }
    double sum = 0, x0 = 0, y0 = 0, px = 0, py = 0;
    for (unsigned i = 0; i < *size; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(gs->h, cs, i, &x, &y);
        if (i == 0) {
            x0 = x;
            y0 = y;
        } else {
            sum += (px - x0) * (y - y0) - (x - x0) * (py - y0);
        }
        px = x;
        py = y;
    }
    return sum;
}

/* The polygons of a polygonal geometry (a Polygon is its own only part). */
static int polygon_count(struct geos *gs, const GEOSGeometry *geom) {
    int type = GEOSGeomTypeId_r(gs->h, geom);
    if (type == GEOS_POLYGON) {
        return 1;
    }
    return type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION
               ? GEOSGetNumGeometries_r(gs->h, geom)
               : 0;
}

static const GEOSGeometry *polygon_n(struct geos *gs, const GEOSGeometry *geom, int i) {
    return GEOSGeomTypeId_r(gs->h, geom) == GEOS_POLYGON ? geom
                                                         : GEOSGetGeometryN_r(gs->h, geom, i);
}

/* `geom` with every hole smaller than min_hole_m2 filled, into *out. */
static dorf_status fill_small_holes(dorf_ctx *ctx, struct geos *gs, const GEOSGeometry *geom,
                                    double min_hole_m2, GEOSGeometry **out) {
    int np = polygon_count(gs, geom);
    GEOSGeometry **polys = dorf_calloc(np > 0 ? (size_t)np : 1, sizeof *polys);
    GEOSGeometry **holes = NULL;
    size_t holes_cap = 0;
    int made = 0, filled = 0;
    dorf_status st = DORF_OK;
    *out = NULL;
    if (!polys) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
    }
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *poly = polygon_n(gs, geom, i);
        if (GEOSGeomTypeId_r(gs->h, poly) != GEOS_POLYGON || GEOSisEmpty_r(gs->h, poly)) {
            continue;
        }
        int nh = GEOSGetNumInteriorRings_r(gs->h, poly);
        if (dorf_grow((void **)&holes, &holes_cap, nh > 0 ? (size_t)nh : 1, sizeof *holes) != 0) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory drawing an isochrone");
            goto fail;
        }
        unsigned kept = 0, filled_here = 0, size;
        for (int k = 0; k < nh; k++) {
            const GEOSGeometry *ring = GEOSGetInteriorRingN_r(gs->h, poly, k);
            if (fabs(ring_area2(gs, ring, &size)) / 2 < min_hole_m2) {
                filled = 1;
                filled_here++;
                continue;
            }
            if (!(holes[kept] = GEOSGeom_clone_r(gs->h, ring))) {
                break;
            }
            kept++;
        }
        GEOSGeometry *shell = GEOSGeom_clone_r(gs->h, GEOSGetExteriorRing_r(gs->h, poly));
        if (!shell || (int)kept + (int)filled_here < nh) {
            GEOSGeom_destroy_r(gs->h, shell);
            for (unsigned k = 0; k < kept; k++) {
                GEOSGeom_destroy_r(gs->h, holes[k]);
            }
            st = dorf_fail(ctx, DORF_EIO, "GEOS cannot copy an isochrone's rings: %s", gs->msg);
            goto fail;
        }
        /* The polygon takes the shell and the holes (not the array). */
        polys[made] = GEOSGeom_createPolygon_r(gs->h, shell, holes, kept);
        if (!polys[made]) {
            st = dorf_fail(ctx, DORF_EIO, "GEOS cannot rebuild an isochrone: %s", gs->msg);
            goto fail;
        }
        made++;
    }
    GEOSGeometry *multi =
        GEOSGeom_createCollection_r(gs->h, GEOS_MULTIPOLYGON, polys, (unsigned)made);
    if (!multi) {
        st = dorf_fail(ctx, DORF_EIO, "GEOS cannot rebuild an isochrone: %s", gs->msg);
        goto fail;
    }
    made = 0;
    /* A filled hole may now cover an island of the multipolygon: dissolve it. */
    if (filled && GEOSisValid_r(gs->h, multi) != 1) {
        GEOSGeometry *dissolved = GEOSUnaryUnion_r(gs->h, multi);
        GEOSGeom_destroy_r(gs->h, multi);
        multi = dissolved;
        if (!multi) {
            st = dorf_fail(ctx, DORF_EIO, "GEOS cannot dissolve an isochrone: %s", gs->msg);
            goto fail;
        }
    }
    *out = multi;
fail:
    for (int i = 0; i < made; i++) {
        GEOSGeom_destroy_r(gs->h, polys[i]);
    }
    dorf_free(polys);
    dorf_free(holes);
    return st;
}

/* Copies the rings of a polygonal geometry in the frame to `iso` in degrees, oriented. */
static dorf_status put_rings(dorf_ctx *ctx, struct geos *gs, const struct frame *fr,
                             const GEOSGeometry *geom, dorf_isochrone *iso) {
    int np = polygon_count(gs, geom);
    size_t rings = 0, points = 0;
    unsigned size;
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *poly = polygon_n(gs, geom, i);
        if (GEOSGeomTypeId_r(gs->h, poly) != GEOS_POLYGON || GEOSisEmpty_r(gs->h, poly)) {
            continue;
        }
        int nh = GEOSGetNumInteriorRings_r(gs->h, poly);
        ring_area2(gs, GEOSGetExteriorRing_r(gs->h, poly), &size);
        points += size;
        for (int k = 0; k < nh; k++) {
            ring_area2(gs, GEOSGetInteriorRingN_r(gs->h, poly, k), &size);
            points += size;
        }
        rings += 1 + (size_t)(nh > 0 ? nh : 0);
        iso->polygon_count++;
    }
    iso->polygons =
        dorf_malloc((iso->polygon_count ? iso->polygon_count : 1) * sizeof *iso->polygons);
    iso->rings = dorf_malloc((rings ? rings : 1) * sizeof *iso->rings);
    iso->points = dorf_malloc((points ? points : 1) * sizeof *iso->points);
    if (!iso->polygons || !iso->rings || !iso->points) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory for an isochrone's polygons");
    }
    size_t pi = 0;
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *poly = polygon_n(gs, geom, i);
        if (GEOSGeomTypeId_r(gs->h, poly) != GEOS_POLYGON || GEOSisEmpty_r(gs->h, poly)) {
            continue;
        }
        int nh = GEOSGetNumInteriorRings_r(gs->h, poly);
        iso->polygons[pi++] = (dorf_iso_polygon){iso->ring_count, 1 + (size_t)nh};
        for (int k = -1; k < nh; k++) {
            const GEOSGeometry *ring =
                k < 0 ? GEOSGetExteriorRing_r(gs->h, poly) : GEOSGetInteriorRingN_r(gs->h, poly, k);
            double area2 = ring_area2(gs, ring, &size);
            int reverse = k < 0 ? area2 < 0 : area2 > 0; /* exterior ccw, holes cw */
            const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gs->h, ring);
            iso->rings[iso->ring_count++] = (dorf_iso_ring){iso->point_count, size};
            for (unsigned j = 0; j < size; j++) {
                double x = 0, y = 0;
                GEOSCoordSeq_getXY_r(gs->h, cs, reverse ? size - 1 - j : j, &x, &y);
                iso->points[iso->point_count++] =
                    (dorf_point){fr->lon0 + x / fr->m_per_lon, fr->lat0 + y / fr->m_per_lat};
            }
        }
    }
    return DORF_OK;
}

void dorf_isochrones_release(dorf_isochrone *iso, size_t n) {
    for (size_t i = 0; iso && i < n; i++) {
        dorf_free(iso[i].polygons);
        dorf_free(iso[i].rings);
        dorf_free(iso[i].points);
        memset(&iso[i], 0, sizeof iso[i]);
    }
}

struct limit_ref {
    double limit_s;
    size_t index;
};

static int limit_cmp(const void *pa, const void *pb) {
    const struct limit_ref *a = pa, *b = pb;
    if (a->limit_s != b->limit_s) {
        return a->limit_s < b->limit_s ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

dorf_status dorf_isochrones(dorf_ctx *ctx, dorf_router *router, const dorf_snap *source,
                            const double *limits_s, size_t n, const dorf_isochrone_options *options,
                            dorf_isochrone *out) {
    const dorf_graph *g = router->g;
    dorf_isochrone_options opt = options ? *options : (dorf_isochrone_options){0};
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
    }
    if (n == 0) {
        return dorf_fail(ctx, DORF_EINVAL, "an isochrone needs at least one time limit");
    }
    for (size_t i = 0; i < n; i++) {
        if (!(limits_s[i] > 0 && limits_s[i] <= 86400 * 7)) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "an isochrone's time limit must lie between 0 and a week, not %g s",
                             limits_s[i]);
        }
    }
    if (!(opt.buffer_m >= 0 && opt.buffer_m <= 10000) ||
        !(opt.simplify_m >= 0 && opt.simplify_m <= 10000) || !(opt.min_hole_m2 >= 0)) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "isochrone options out of range (buffer and simplification 0..10000 m, "
                         "holes >= 0 m2)");
    }
    if (source->segment >= g->segment_count || !(source->fraction >= 0 && source->fraction <= 1)) {
        return dorf_fail(ctx, DORF_EINVAL, "the isochrone's source is not a point of this graph");
    }
    if (opt.buffer_m == 0) {
        opt.buffer_m = g->mode == DORF_MODE_WALK ? 50 : 100;
    }
    if (opt.simplify_m == 0) {
        opt.simplify_m = opt.buffer_m / 5;
    }
    if (opt.min_hole_m2 == 0) {
        opt.min_hole_m2 = (4 * opt.buffer_m) * (4 * opt.buffer_m);
    }

    struct limit_ref *order = dorf_malloc(n * sizeof *order);
    if (!order) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory for isochrones");
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = (struct limit_ref){limits_s[i], i};
    }
    qsort(order, n, sizeof *order, limit_cmp);

    dorf_reach_result res = {0};
    struct scratch sc = {0};
    struct geos gs = {0};
    GEOSGeometry *prev = NULL;
    dorf_status st = dorf_reach(router, source, 1, order[n - 1].limit_s, opt.reverse, &res);
    if (st != DORF_OK) {
        if (ctx != router->ctx) {
            dorf_fail(ctx, st, "%s", dorf_ctx_errmsg(router->ctx));
        }
        goto done;
    }
    double lon = 0, lat = 0;
    segment_point(g, source->segment, source->fraction, &lon, &lat);
    struct frame fr = {lon, lat, M_PER_DEG * cos(lat * M_PI / 180.0), M_PER_DEG};
    gs.h = GEOS_init_r();
    if (!gs.h) {
        st = dorf_fail(ctx, DORF_ENOMEM, "cannot start GEOS");
        goto done;
    }
    GEOSContext_setErrorMessageHandler_r(gs.h, on_geos_error, &gs);

    for (size_t k = 0; k < n; k++) {
        GEOSGeometry *lines = NULL, *buffered = NULL, *simple = NULL, *united = NULL;
        GEOSGeometry *filled = NULL;
        dorf_isochrone *iso = &out[order[k].index];
        iso->limit_s = order[k].limit_s;
        st = reached_lines(ctx, &gs, &res, &fr, 0, 0, order[k].limit_s, &sc, &lines);
        if (st == DORF_OK) {
            buffered = GEOSBuffer_r(gs.h, lines, opt.buffer_m, QUADRANT_SEGMENTS);
            simple =
                buffered ? GEOSTopologyPreserveSimplify_r(gs.h, buffered, opt.simplify_m) : NULL;
            united = !simple || !prev ? simple : GEOSUnion_r(gs.h, simple, prev);
            if (!united) {
                st = dorf_fail(ctx, DORF_EIO, "GEOS cannot outline the reached roads: %s", gs.msg);
            }
        }
        if (st == DORF_OK) {
            st = fill_small_holes(ctx, &gs, united, opt.min_hole_m2, &filled);
        }
        if (st == DORF_OK) {
            double area = 0;
            if (!GEOSArea_r(gs.h, filled, &area)) {
                st = dorf_fail(ctx, DORF_EIO, "GEOS cannot measure an isochrone: %s", gs.msg);
            }
            iso->area_m2 = area;
        }
        if (st == DORF_OK) {
            st = put_rings(ctx, &gs, &fr, filled, iso);
        }
        GEOSGeom_destroy_r(gs.h, lines);
        GEOSGeom_destroy_r(gs.h, buffered);
        if (united != simple) {
            GEOSGeom_destroy_r(gs.h, united);
        }
        GEOSGeom_destroy_r(gs.h, simple);
        GEOSGeom_destroy_r(gs.h, prev);
        prev = filled;
        if (st != DORF_OK) {
            goto done;
        }
    }

done:
    if (gs.h) {
        GEOSGeom_destroy_r(gs.h, prev);
        GEOS_finish_r(gs.h);
    }
    if (st != DORF_OK) {
        dorf_isochrones_release(out, n);
    }
    dorf_free(sc.xy);
    dorf_free(sc.cum);
    dorf_reach_release(&res);
    dorf_free(order);
    return st;
}
