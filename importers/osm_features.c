/*
 * osm_features.c: buildings, places and addresses from an OSM extract, read through GDAL/OGR.
 *
 * OGR's OSM driver assembles areas (closed ways and multipolygon relations) into geometries,
 * which is the hard part of reading buildings. Its "points" and "multipolygons" layers are
 * read in one interleaved pass (GDALDatasetGetNextFeature, as the driver requires); every
 * feature's tags are gathered from its columns plus its "other_tags" string. The driver runs
 * with dorf's own configuration (osm_config below, handed over as an in-memory file), which
 * decides which closed ways are areas: GDAL's default list plus healthcare, railway stations
 * and public transport stations, so that a surgery or a station mapped as an area is a place.
 * Footprint areas are computed after transforming to the region's metric CRS; a point on the
 * surface stands for the building's location.
 */
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/opening_hours.h"
#include "import_internal.h"

#define FEATURES_PER_TICK 4096

/* The OSM driver's configuration (GDAL's osmconf.ini format): tags not named as attributes go
 * to other_tags, whose keys keep their colons. */
static const char osm_config[] =
    "closed_ways_are_polygons=aeroway,amenity,boundary,building,craft,geological,healthcare,"
    "historic,landuse,leisure,military,natural,office,place,shop,sport,tourism,"
    "highway=platform,public_transport=platform,public_transport=station,railway=station,"
    "railway=halt,waterway=riverbank\n"
    "report_all_nodes=no\n"
    "report_all_ways=no\n"
    "attribute_name_laundering=no\n"
    "[points]\nosm_id=yes\nother_tags=yes\nattributes=name,highway\n"
    "[lines]\nosm_id=yes\nother_tags=yes\nattributes=name,highway\n"
    "[multipolygons]\nosm_id=yes\nosm_way_id=yes\nother_tags=yes\n"
    "attributes=name,building,landuse,shop,amenity\n"
    "[multilinestrings]\nosm_id=yes\nother_tags=yes\nattributes=name\n"
    "[other_relations]\nosm_id=yes\nother_tags=yes\nattributes=name\n";

#define OSM_CONFIG_PATH "/vsimem/dorf/osmconf.ini"

struct features_state {
    dorf_ctx *ctx;
    dorf_region *region;
    dorf_import_report *report;
    OGRCoordinateTransformationH to_metric;
    struct osm_tags tags;
    dorf_arena *scratch; /* per-feature tag strings, reset per feature */
    struct feature_extras *extra;
    struct outer_tags *outer;
    char gdal_error[512];
};

static void CPL_STDCALL on_gdal_error(CPLErr level, CPLErrorNum num, const char *msg) {
    struct features_state *s = CPLGetErrorHandlerUserData();
    (void)num;
    if (level >= CE_Failure && s) {
        snprintf(s->gdal_error, sizeof s->gdal_error, "%s", msg);
    }
}

/* Gathers a feature's tags into s->tags, from its columns and its other_tags. */
static dorf_status gather_tags(struct features_state *s, OGRFeatureH f, int64_t osm_id) {
    s->tags.count = 0;
    int n = OGR_F_GetFieldCount(f);
    for (int i = 0; i < n; i++) {
        if (!OGR_F_IsFieldSetAndNotNull(f, i)) {
            continue;
        }
        const char *name = OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, i));
        const char *value = OGR_F_GetFieldAsString(f, i);
        if (strcmp(name, "osm_id") == 0 || strcmp(name, "osm_way_id") == 0 ||
            strcmp(name, "z_order") == 0) {
            continue;
        }
        if (strcmp(name, "other_tags") == 0 || strcmp(name, "all_tags") == 0) {
            dorf_status st = osm_parse_other_tags(s->ctx, s->scratch, value, &s->tags);
            if (st != DORF_OK) {
                return dorf_fail_prefix(s->ctx, st, "OSM object %lld", (long long)osm_id);
            }
            continue;
        }
        char *k = dorf_arena_strdup(s->scratch, name);
        char *v = dorf_arena_strdup(s->scratch, value);
        if (!k || !v || osm_tags_add(&s->tags, k, v) != 0) {
            return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading features");
        }
    }
    return DORF_OK;
}

/* A copy in the region's arena of tag `key`, or NULL; sets *oom when the copy fails. */
static const char *keep(struct features_state *s, const char *key, int *oom) {
    const char *v = osm_tag(&s->tags, key);
    if (!v) {
        return NULL;
    }
    const char *copy = dorf_arena_strdup(s->region->arena, v);
    if (!copy) {
        *oom = 1;
    }
    return copy;
}

static int parse_count(const char *v) {
    if (!v) {
        return -1;
    }
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (end == v || n < 0 || n > 10000) {
        return -1;
    }
    return (int)n;
}

static dorf_status add_place(struct features_state *s, char osm_type, int64_t osm_id, double lon,
                             double lat) {
    dorf_place p = {.osm_type = osm_type, .osm_id = osm_id, .lon_deg = lon, .lat_deg = lat};
    const char *key = NULL;
    const char *value = NULL;
    if (!classify_place(&s->tags, &p.category, &key, &value)) {
        return DORF_OK;
    }
    int oom = 0;
    p.osm_key = dorf_arena_strdup(s->region->arena, key);
    p.osm_value = dorf_arena_strdup(s->region->arena, value);
    p.shop = keep(s, "shop", &oom);
    p.name = keep(s, "name", &oom);
    p.opening_hours = keep(s, "opening_hours", &oom);
    p.phone = keep(s, "phone", &oom);
    if (!p.phone) {
        p.phone = keep(s, "contact:phone", &oom);
    }
    p.website = keep(s, "website", &oom);
    if (!p.website) {
        p.website = keep(s, "contact:website", &oom);
    }
    p.street = keep(s, "addr:street", &oom);
    p.housenumber = keep(s, "addr:housenumber", &oom);
    p.postcode = keep(s, "addr:postcode", &oom);
    p.city = keep(s, "addr:city", &oom);
    if (oom || !p.osm_key || !p.osm_value) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading places");
    }
    if (p.opening_hours) {
        s->report->opening_hours++;
        dorf_opening_hours *oh = NULL;
        dorf_status st = dorf_opening_hours_parse(s->ctx, p.opening_hours, &oh);
        dorf_opening_hours_free(oh);
        if (st == DORF_ENOMEM) {
            return st;
        }
        if (st != DORF_OK) {
            s->report->opening_hours_unparsed++;
            p.opening_hours_error = dorf_arena_strdup(s->region->arena, dorf_ctx_errmsg(s->ctx));
            dorf_import_issue issue = {"opening_hours", osm_type, osm_id, p.opening_hours_error};
            dorf_ctx_clear_error(s->ctx);
            if (!p.opening_hours_error ||
                dorf_region_add_issue(s->ctx, s->region, &issue) != DORF_OK) {
                return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading places");
            }
        }
    }
    s->report->places++;
    return dorf_region_add_place(s->ctx, s->region, &p);
}

static dorf_status add_address(struct features_state *s, int64_t osm_id, double lon, double lat,
                               int32_t building) {
    int oom = 0;
    dorf_address a = {.osm_id = osm_id, .lon_deg = lon, .lat_deg = lat, .building = building};
    a.street = keep(s, "addr:street", &oom);
    if (!a.street) {
        a.street = keep(s, "addr:place", &oom);
    }
    a.housenumber = keep(s, "addr:housenumber", &oom);
    a.postcode = keep(s, "addr:postcode", &oom);
    a.city = keep(s, "addr:city", &oom);
    if (oom) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading addresses");
    }
    s->report->addresses++;
    return dorf_region_add_address(s->ctx, s->region, &a);
}

static dorf_status add_building(struct features_state *s, OGRGeometryH g, int64_t osm_id,
                                int is_relation, double lon, double lat) {
    dorf_building b = {.osm_id = osm_id, .osm_is_relation = is_relation};
    b.lon_deg = lon;
    b.lat_deg = lat;
    b.kind = dorf_arena_strdup(s->region->arena, osm_tag(&s->tags, "building"));
    b.levels = parse_count(osm_tag(&s->tags, "building:levels"));
    if (b.levels < 0) {
        b.levels = 0;
    }
    b.wkb_size = (size_t)OGR_G_WkbSize(g);
    unsigned char *wkb = dorf_arena_alloc(s->region->arena, b.wkb_size);
    if (!wkb || !b.kind) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading buildings");
    }
    if (OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) != OGRERR_NONE) {
        return dorf_fail(s->ctx, DORF_EIO, "building %lld: cannot encode its footprint",
                         (long long)osm_id);
    }
    b.wkb = wkb;
    OGRGeometryH metric = OGR_G_Clone(g);
    if (!metric || OGR_G_Transform(metric, s->to_metric) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(metric);
        return dorf_fail(s->ctx, DORF_EIO, "building %lld: cannot project its footprint (%s)",
                         (long long)osm_id, s->gdal_error);
    }
    b.area_m2 = OGR_G_Area(metric);
    OGR_G_DestroyGeometry(metric);

    uint32_t index = 0;
    dorf_status st = dorf_region_add_building(s->ctx, s->region, &b, &index);
    if (st != DORF_OK) {
        return st;
    }
    struct feature_extras *x = s->extra;
    if (dorf_grow((void **)&x->buildings, &x->buildings_cap, (size_t)index + 1,
                  sizeof *x->buildings) != 0) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading buildings");
    }
    x->buildings[index].flats = parse_count(osm_tag(&s->tags, "building:flats"));
    s->report->buildings++;
    if (osm_tag(&s->tags, "addr:housenumber")) {
        return add_address(s, osm_id, lon, lat, (int32_t)index);
    }
    return DORF_OK;
}

/*
 * A point standing for an area: a point on its surface, or where GEOS cannot find one (some
 * valid outlines make it fail), the centre of its bounding box, with an import issue saying
 * so. An area is never dropped for want of a point.
 */
static dorf_status area_location(struct features_state *s, OGRGeometryH g, char osm_type,
                                 int64_t osm_id, double *lon, double *lat) {
    OGRGeometryH inside = OGR_G_PointOnSurface(g);
    if (inside && !OGR_G_IsEmpty(inside)) {
        *lon = OGR_G_GetX(inside, 0);
        *lat = OGR_G_GetY(inside, 0);
        OGR_G_DestroyGeometry(inside);
        return DORF_OK;
    }
    OGR_G_DestroyGeometry(inside);
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    *lon = (env.MinX + env.MaxX) / 2;
    *lat = (env.MinY + env.MaxY) / 2;
    dorf_import_issue issue = {"area", osm_type, osm_id,
                               "no point on its surface could be found; located at the centre "
                               "of its bounding box"};
    s->gdal_error[0] = '\0'; /* GEOS's complaint is answered by the fallback */
    return dorf_region_add_issue(s->ctx, s->region, &issue);
}

/* Keeps a copy of a residential area's footprint for the household estimate. */
static dorf_status keep_residential_area(struct features_state *s, OGRGeometryH g) {
    struct feature_extras *x = s->extra;
    size_t cap = x->residential_cap;
    size_t size = (size_t)OGR_G_WkbSize(g);
    unsigned char *wkb = dorf_arena_alloc(x->arena, size);
    if (!wkb ||
        dorf_grow((void **)&x->residential_wkb, &cap, x->residential_count + 1,
                  sizeof *x->residential_wkb) != 0 ||
        dorf_grow((void **)&x->residential_size, &x->residential_cap, x->residential_count + 1,
                  sizeof *x->residential_size) != 0) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading residential areas");
    }
    if (OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) != OGRERR_NONE) {
        return dorf_fail(s->ctx, DORF_EIO, "cannot encode a residential area");
    }
    x->residential_wkb[x->residential_count] = wkb;
    x->residential_size[x->residential_count] = size;
    x->residential_count++;
    return DORF_OK;
}

void feature_extras_release(struct feature_extras *x) {
    dorf_free(x->buildings);
    dorf_free((void *)x->residential_wkb);
    dorf_free(x->residential_size);
    dorf_arena_free(x->arena);
    memset(x, 0, sizeof *x);
}

/* Adds to an old-style multipolygon relation's tags those of its outer way (outer_tags.c). */
static dorf_status add_outer_tags(struct features_state *s, int64_t relation_id) {
    const struct osm_tags *outer = outer_tags_for(s->outer, relation_id);
    for (size_t i = 0; outer && i < outer->count; i++) {
        if (!osm_tag(&s->tags, outer->keys[i]) &&
            osm_tags_add(&s->tags, outer->keys[i], outer->values[i]) != 0) {
            return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading features");
        }
    }
    return DORF_OK;
}

/* Keeps an area or line the base map draws (map_classes.c decides which) in the region. */
static dorf_status add_map_feature(struct features_state *s, OGRGeometryH g, char osm_type,
                                   int64_t osm_id, dorf_map_layer layer, const char *kind) {
    int oom = 0;
    dorf_map_feature m = {.osm_id = osm_id, .osm_type = osm_type, .layer = layer, .kind = kind};
    m.name = keep(s, "name", &oom);
    m.wkb_size = (size_t)OGR_G_WkbSize(g);
    unsigned char *wkb = dorf_arena_alloc(s->region->arena, m.wkb_size);
    if (oom || !wkb) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading map features");
    }
    if (OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) != OGRERR_NONE) {
        return dorf_fail(s->ctx, DORF_EIO, "map feature %c%lld: cannot encode its geometry",
                         osm_type, (long long)osm_id);
    }
    m.wkb = wkb;
    s->report->map_features++;
    return dorf_region_add_map_feature(s->ctx, s->region, &m);
}

/* The place=* values that name a settlement households can belong to. */
static int is_settlement_kind(const char *place) {
    static const char *const kinds[] = {"city",    "town",    "village",       "hamlet",
                                        "suburb",  "quarter", "neighbourhood", "isolated_dwelling",
                                        "borough", NULL};
    for (int i = 0; place && kinds[i]; i++) {
        if (strcmp(place, kinds[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Keeps a named settlement (a place=* node, or an area standing for one). */
static dorf_status add_settlement(struct features_state *s, char osm_type, int64_t osm_id,
                                  double lon, double lat) {
    int oom = 0;
    dorf_settlement t = {.osm_id = osm_id, .osm_type = osm_type, .lon_deg = lon, .lat_deg = lat};
    t.kind = keep(s, "place", &oom);
    t.name = keep(s, "name", &oom);
    const char *pop = osm_tag(&s->tags, "population");
    char *end = NULL;
    long long n = pop ? strtoll(pop, &end, 10) : -1;
    t.population = pop && end != pop && *end == '\0' && n >= 0 ? n : -1;
    if (oom) {
        return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading settlements");
    }
    s->report->settlements++;
    return dorf_region_add_settlement(s->ctx, s->region, &t);
}

/* A way (OGR's "lines") or relation ("multilinestrings") the map draws as a line. */
static dorf_status read_line(struct features_state *s, OGRFeatureH f, OGRGeometryH g,
                             int is_relation) {
    int64_t osm_id = strtoll(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "osm_id")), NULL, 10);
    dorf_status st = gather_tags(s, f, osm_id);
    dorf_map_layer layer;
    const char *kind;
    if (st != DORF_OK || !classify_map_line(&s->tags, &layer, &kind)) {
        return st;
    }
    return add_map_feature(s, g, is_relation ? 'r' : 'w', osm_id, layer, kind);
}

static dorf_status read_feature(struct features_state *s, OGRLayerH layer, OGRFeatureH f) {
    const char *layer_name = OGR_L_GetName(layer);
    int is_points = strcmp(layer_name, "points") == 0;
    int is_areas = strcmp(layer_name, "multipolygons") == 0;
    int is_lines = strcmp(layer_name, "lines") == 0;
    int is_multilines = strcmp(layer_name, "multilinestrings") == 0;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if ((!is_points && !is_areas && !is_lines && !is_multilines) || !g || OGR_G_IsEmpty(g)) {
        return DORF_OK;
    }
    if (is_lines || is_multilines) {
        return read_line(s, f, g, is_multilines);
    }
    int64_t osm_id = 0;
    char osm_type = 'n';
    int is_relation = 0;
    if (is_points) {
        osm_id = strtoll(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "osm_id")), NULL, 10);
    } else {
        int way_field = OGR_F_GetFieldIndex(f, "osm_way_id");
        if (way_field >= 0 && OGR_F_IsFieldSetAndNotNull(f, way_field)) {
            osm_id = strtoll(OGR_F_GetFieldAsString(f, way_field), NULL, 10);
            osm_type = 'w';
        } else {
            osm_id = strtoll(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "osm_id")), NULL, 10);
            osm_type = 'r';
            is_relation = 1;
        }
    }
    dorf_status st = gather_tags(s, f, osm_id);
    if (st != DORF_OK) {
        return st;
    }
    if (is_relation && (st = add_outer_tags(s, osm_id)) != DORF_OK) {
        return st;
    }
    double lon = 0, lat = 0;
    if (is_points) {
        lon = OGR_G_GetX(g, 0);
        lat = OGR_G_GetY(g, 0);
    } else {
        if ((st = area_location(s, g, osm_type, osm_id, &lon, &lat)) != DORF_OK) {
            return st;
        }
    }
    const char *building = osm_tag(&s->tags, "building");
    if (is_areas && building && strcmp(building, "no") != 0) {
        if ((st = add_building(s, g, osm_id, is_relation, lon, lat)) != DORF_OK) {
            return st;
        }
    } else if (osm_tag(&s->tags, "addr:housenumber")) {
        if ((st = add_address(s, osm_id, lon, lat, -1)) != DORF_OK) {
            return st;
        }
    }
    dorf_map_layer map_layer;
    const char *map_kind;
    if (is_areas && !(building && strcmp(building, "no") != 0) &&
        classify_map_area(&s->tags, &map_layer, &map_kind) &&
        (st = add_map_feature(s, g, osm_type, osm_id, map_layer, map_kind)) != DORF_OK) {
        return st;
    }
    if (is_settlement_kind(osm_tag(&s->tags, "place")) && osm_tag(&s->tags, "name") &&
        (st = add_settlement(s, osm_type, osm_id, lon, lat)) != DORF_OK) {
        return st;
    }
    const char *landuse = osm_tag(&s->tags, "landuse");
    if (is_areas && landuse && strcmp(landuse, "residential") == 0 &&
        (st = keep_residential_area(s, g)) != DORF_OK) {
        return st;
    }
    return add_place(s, osm_type, osm_id, lon, lat);
}

static OGRSpatialReferenceH new_srs(int epsg) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (srs && OSRImportFromEPSG(srs, epsg) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return NULL;
    }
    if (srs) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    return srs;
}

dorf_status import_features(dorf_ctx *ctx, const struct osm_source *src, dorf_region *region,
                            dorf_import_report *report, struct outer_tags *outer,
                            struct feature_extras *extra) {
    struct features_state s = {
        .ctx = ctx, .region = region, .report = report, .extra = extra, .outer = outer};
    GDALAllRegister();
    CPLPushErrorHandlerEx(on_gdal_error, &s);
    OGRSpatialReferenceH wgs84 = new_srs(4326);
    OGRSpatialReferenceH metric = new_srs(region->meta.crs_epsg);
    GDALDatasetH ds = NULL;
    dorf_status st = DORF_OK;
    if (!wgs84 || !metric || !(s.to_metric = OCTNewCoordinateTransformation(wgs84, metric))) {
        st = dorf_fail(ctx, DORF_EIO, "cannot set up the transformation to EPSG:%d: %s",
                       region->meta.crs_epsg, s.gdal_error);
        goto done;
    }
    const char *const drivers[] = {"OSM", NULL};
    const char *const open_options[] = {"CONFIG_FILE=" OSM_CONFIG_PATH, NULL};
    VSILFILE *conf =
        VSIFileFromMemBuffer(OSM_CONFIG_PATH, (GByte *)osm_config, sizeof osm_config - 1, FALSE);
    if (!conf) {
        st = dorf_fail(ctx, DORF_ENOMEM, "cannot hand GDAL its OSM configuration");
        goto done;
    }
    VSIFCloseL(conf);
    ds = GDALOpenEx(src->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, open_options, NULL);
    VSIUnlink(OSM_CONFIG_PATH);
    if (!ds) {
        st = dorf_fail(ctx, DORF_EPARSE, "GDAL cannot read it as OSM data: %s", s.gdal_error);
        goto done;
    }
    if (!(s.scratch = dorf_arena_new()) || !(extra->arena = dorf_arena_new())) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t seen = 0;
    for (;;) {
        OGRLayerH layer = NULL;
        OGRFeatureH f = GDALDatasetGetNextFeature(ds, &layer, NULL, NULL, NULL);
        if (!f) {
            break;
        }
        st = read_feature(&s, layer, f);
        OGR_F_Destroy(f);
        report->ogr_features++;
        if (st != DORF_OK) {
            goto done;
        }
        if (++seen % FEATURES_PER_TICK == 0) {
            dorf_arena_free(s.scratch);
            if (!(s.scratch = dorf_arena_new())) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
                goto done;
            }
            dorf_progress(ctx, "reading buildings and places", seen, 0);
            if (dorf_ctx_interrupted(ctx)) {
                st = dorf_fail(ctx, DORF_EINTR, "interrupted while reading buildings and places");
                goto done;
            }
        }
    }
    if (s.gdal_error[0]) {
        st = dorf_fail(ctx, DORF_EPARSE, "GDAL stopped reading: %s", s.gdal_error);
    }

done:
    if (ds) {
        GDALClose(ds);
    }
    OCTDestroyCoordinateTransformation(s.to_metric);
    OSRDestroySpatialReference(wgs84);
    OSRDestroySpatialReference(metric);
    CPLPopErrorHandler();
    dorf_arena_free(s.scratch);
    osm_tags_release(&s.tags);
    return st;
}
