/*
 * tables_write.c: dorf_tables_write(), result tables through GDAL/OGR (dorf/tables.h).
 *
 * Every output file is first written under a temporary name beside its final one (same
 * directory, so the rename is atomic) and only renamed into place once every file of the
 * call is complete: a failure or an interrupt leaves the temporary files removed and any
 * earlier outputs as they were.
 */
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dorf/tables.h"

#define ROWS_PER_TICK 4096

struct format_info {
    const char *name;      /* as given to dorf_tables_write */
    const char *extension; /* of the files written */
    const char *driver;    /* GDAL's short name */
    int multi_layer;       /* holds several tables in one file */
};

static const struct format_info formats[] = {
    {"gpkg", "gpkg", "GPKG", 1},
    {"csv", "csv", "CSV", 0},
    {"geojson", "geojson", "GeoJSON", 0},
    {"fgb", "fgb", "FlatGeobuf", 0},
};

static const struct format_info *format_by_name(const char *name) {
    for (size_t i = 0; name && i < sizeof formats / sizeof formats[0]; i++) {
        if (strcasecmp(name, formats[i].name) == 0 || strcasecmp(name, formats[i].extension) == 0) {
            return &formats[i];
        }
    }
    if (name && strcasecmp(name, "json") == 0) {
        return &formats[2];
    }
    return NULL;
}

struct gdal_errors {
    char message[512];
};

static void CPL_STDCALL on_gdal_error(CPLErr level, CPLErrorNum num, const char *msg) {
    struct gdal_errors *e = CPLGetErrorHandlerUserData();
    (void)num;
    if (level >= CE_Failure && e && !e->message[0]) {
        snprintf(e->message, sizeof e->message, "%s", msg);
    }
}

static int valid_name(const char *s) {
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

static dorf_status check_table(dorf_ctx *ctx, const dorf_table *t) {
    if (!valid_name(t->name)) {
        return dorf_fail(ctx, DORF_EINVAL, "table name '%s' must be lower-case letters, digits, _",
                         t->name ? t->name : "");
    }
    for (size_t c = 0; c < t->column_count; c++) {
        if (!valid_name(t->columns[c].name)) {
            return dorf_fail(ctx, DORF_EINVAL, "table %s: column name '%s' is not valid", t->name,
                             t->columns[c].name ? t->columns[c].name : "");
        }
    }
    if (t->row_count && t->column_count && !t->values) {
        return dorf_fail(ctx, DORF_EINVAL, "table %s has rows but no values", t->name);
    }
    if (t->geometry != DORF_TABLE_NO_GEOMETRY && t->row_count && (!t->coords || t->epsg <= 0)) {
        return dorf_fail(ctx, DORF_EINVAL, "table %s has a geometry but no coordinates or CRS",
                         t->name);
    }
    return DORF_OK;
}

/* The final file of table i: `path` itself, or STEM-NAME.EXT for one of several. */
static char *final_name(const char *path, const struct format_info *f, const dorf_table *tables,
                        size_t count, size_t i) {
    if (f->multi_layer || count == 1) {
        return strdup(path);
    }
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    size_t n = stem + strlen(tables[i].name) + strlen(f->extension) + 3;
    char *out = malloc(n);
    if (out) {
        snprintf(out, n, "%.*s-%s.%s", (int)stem, path, tables[i].name, f->extension);
    }
    return out;
}

/* A temporary name in the directory of `final`, ending in the same extension. */
static char *temp_name(const char *final, const struct format_info *f) {
    const char *slash = strrchr(final, '/');
    size_t dir = slash ? (size_t)(slash - final + 1) : 0;
    size_t n = dir + strlen(f->extension) + 32;
    char *out = malloc(n);
    if (!out) {
        return NULL;
    }
    snprintf(out, n, "%.*s.dorf-tmp-XXXXXX.%s", (int)dir, final, f->extension);
    int fd = mkstemps(out, (int)strlen(f->extension) + 1);
    if (fd < 0) {
        free(out);
        return NULL;
    }
    /* Only the name is wanted: GDAL creates the file itself and some drivers refuse to
     * overwrite one. */
    close(fd);
    unlink(out);
    return out;
}

static OGRGeometryH row_geometry(const dorf_table *t, size_t row) {
    const double *c = t->coords + row * (t->geometry == DORF_TABLE_POINT ? 2 : 4);
    if (t->geometry == DORF_TABLE_POINT) {
        OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
        if (g) {
            OGR_G_SetPoint_2D(g, 0, c[0], c[1]);
        }
        return g;
    }
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    if (!ring || !poly) {
        OGR_G_DestroyGeometry(ring);
        OGR_G_DestroyGeometry(poly);
        return NULL;
    }
    const double xs[5] = {c[0], c[2], c[2], c[0], c[0]};
    const double ys[5] = {c[1], c[1], c[3], c[3], c[1]};
    for (int k = 0; k < 5; k++) {
        OGR_G_AddPoint_2D(ring, xs[k], ys[k]);
    }
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

static dorf_status write_layer(dorf_ctx *ctx, GDALDatasetH ds, const struct format_info *f,
                               const dorf_table *t, struct gdal_errors *errors) {
    OGRSpatialReferenceH srs = NULL;
    OGRwkbGeometryType gtype = wkbNone;
    if (t->geometry != DORF_TABLE_NO_GEOMETRY) {
        gtype = t->geometry == DORF_TABLE_POINT ? wkbPoint : wkbPolygon;
        srs = OSRNewSpatialReference(NULL);
        if (!srs || OSRImportFromEPSG(srs, t->epsg) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return dorf_fail(ctx, DORF_EINVAL, "table %s: EPSG:%d is not a CRS GDAL knows", t->name,
                             t->epsg);
        }
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    char **options = NULL;
    if (strcmp(f->driver, "CSV") == 0 && gtype != wkbNone) {
        options = CSLSetNameValue(options, "GEOMETRY", "AS_WKT");
    }
    if (strcmp(f->driver, "GeoJSON") == 0) {
        /* RFC 7946: coordinates in WGS84, which GDAL reprojects to. */
        options = CSLSetNameValue(options, "RFC7946", "YES");
    }
    OGRLayerH layer = GDALDatasetCreateLayer(ds, t->name, srs, gtype, options);
    CSLDestroy(options);
    OSRDestroySpatialReference(srs);
    if (!layer) {
        return dorf_fail(ctx, DORF_EIO, "cannot create layer %s: %s", t->name, errors->message);
    }
    for (size_t c = 0; c < t->column_count; c++) {
        static const OGRFieldType types[] = {OFTInteger64, OFTReal, OFTString};
        OGRFieldDefnH fd = OGR_Fld_Create(t->columns[c].name, types[t->columns[c].type]);
        OGRErr err = OGR_L_CreateField(layer, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (err != OGRERR_NONE) {
            return dorf_fail(ctx, DORF_EIO, "layer %s: cannot create column %s: %s", t->name,
                             t->columns[c].name, errors->message);
        }
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int in_transaction = OGR_L_StartTransaction(layer) == OGRERR_NONE;
    dorf_status st = DORF_OK;
    for (size_t row = 0; row < t->row_count && st == DORF_OK; row++) {
        OGRFeatureH feat = OGR_F_Create(defn);
        if (!feat) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory writing %s", t->name);
            break;
        }
        const dorf_value *v = t->values + row * t->column_count;
        for (size_t c = 0; c < t->column_count; c++) {
            switch (t->columns[c].type) {
            case DORF_COLUMN_INTEGER:
                OGR_F_SetFieldInteger64(feat, (int)c, v[c].i);
                break;
            case DORF_COLUMN_REAL:
                if (v[c].r == v[c].r) {
                    OGR_F_SetFieldDouble(feat, (int)c, v[c].r);
                } else {
                    OGR_F_SetFieldNull(feat, (int)c);
                }
                break;
            case DORF_COLUMN_TEXT:
                if (v[c].s) {
                    OGR_F_SetFieldString(feat, (int)c, v[c].s);
                } else {
                    OGR_F_SetFieldNull(feat, (int)c);
                }
                break;
            }
        }
        const double *xy = t->coords + row * (t->geometry == DORF_TABLE_POINT ? 2 : 4);
        int located = gtype != wkbNone && isfinite(xy[0]) && isfinite(xy[1]) &&
                      (t->geometry == DORF_TABLE_POINT || (isfinite(xy[2]) && isfinite(xy[3])));
        if (located) { /* a row without finite coordinates has a null geometry */
            OGRGeometryH g = row_geometry(t, row);
            if (!g) {
                OGR_F_Destroy(feat);
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory writing %s", t->name);
                break;
            }
            OGR_F_SetGeometryDirectly(feat, g);
        }
        if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE) {
            st = dorf_fail(ctx, DORF_EIO, "layer %s, row %zu: %s", t->name, row + 1,
                           errors->message);
        }
        OGR_F_Destroy(feat);
        if (st == DORF_OK && (row + 1) % ROWS_PER_TICK == 0 && dorf_ctx_interrupted(ctx)) {
            st = dorf_fail(ctx, DORF_EINTR, "interrupted while writing %s", t->name);
        }
    }
    if (in_transaction) {
        if (st == DORF_OK && OGR_L_CommitTransaction(layer) != OGRERR_NONE) {
            st = dorf_fail(ctx, DORF_EIO, "layer %s: %s", t->name, errors->message);
        } else if (st != DORF_OK) {
            OGR_L_RollbackTransaction(layer);
        }
    }
    return st;
}

/* Writes tables [first, first + n) into a new file `temp` with driver `drv`. */
static dorf_status write_file(dorf_ctx *ctx, GDALDriverH drv, const struct format_info *f,
                              const char *temp, const dorf_table *tables, size_t n,
                              struct gdal_errors *errors) {
    GDALDatasetH ds = GDALCreate(drv, temp, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds) {
        return dorf_fail(ctx, DORF_EIO, "cannot create %s: %s", temp,
                         errors->message[0] ? errors->message : strerror(errno));
    }
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < n && st == DORF_OK; i++) {
        st = write_layer(ctx, ds, f, &tables[i], errors);
    }
    errors->message[0] = '\0';
    GDALClose(ds);
    if (st == DORF_OK && errors->message[0]) {
        st = dorf_fail(ctx, DORF_EIO, "finishing %s: %s", temp, errors->message);
    }
    return st;
}

/* The format named, or the one the extension of `path` says. */
static const struct format_info *choose_format(dorf_ctx *ctx, const char *path,
                                               const char *format) {
    const struct format_info *f = NULL;
    if (format) {
        if (!(f = format_by_name(format))) {
            dorf_fail(ctx, DORF_EINVAL, "unknown format '%s'; use gpkg, csv, geojson or fgb",
                      format);
        }
        return f;
    }
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash)) {
        f = format_by_name(dot + 1);
    }
    if (!f) {
        dorf_fail(ctx, DORF_EINVAL,
                  "%s: cannot tell the format from the extension; end the name in .gpkg, .csv, "
                  ".geojson or .fgb",
                  path);
    }
    return f;
}

dorf_status dorf_tables_write(dorf_ctx *ctx, const char *path, const char *format,
                              const dorf_table *tables, size_t count) {
    if (!path || !*path || count == 0) {
        return dorf_fail(ctx, DORF_EINVAL, "nothing to write: no output path or no tables");
    }
    const struct format_info *f = choose_format(ctx, path, format);
    if (!f) {
        return DORF_EINVAL;
    }
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < count && st == DORF_OK; i++) {
        st = check_table(ctx, &tables[i]);
    }
    if (st != DORF_OK) {
        return st;
    }
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName(f->driver);
    if (!drv) {
        return dorf_fail(ctx, DORF_EIO, "this GDAL has no %s driver", f->driver);
    }
    size_t files = f->multi_layer ? 1 : count;
    char **finals = calloc(files, sizeof *finals);
    char **temps = calloc(files, sizeof *temps);
    struct gdal_errors errors = {{0}};
    CPLPushErrorHandlerEx(on_gdal_error, &errors);
    if (!finals || !temps) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < files && st == DORF_OK; i++) {
        if (!(finals[i] = final_name(path, f, tables, count, i))) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
        } else if (!(temps[i] = temp_name(finals[i], f))) {
            st = dorf_fail(ctx, DORF_EIO,
                           "cannot write %s: cannot create a file in its directory (%s)", finals[i],
                           strerror(errno));
        } else {
            errors.message[0] = '\0';
            st = write_file(ctx, drv, f, temps[i], f->multi_layer ? tables : &tables[i],
                            f->multi_layer ? count : 1, &errors);
        }
    }
    for (size_t i = 0; i < files && st == DORF_OK; i++) {
        if (rename(temps[i], finals[i]) != 0) {
            st = dorf_fail(ctx, DORF_EIO, "cannot move the output to %s: %s", finals[i],
                           strerror(errno));
        } else {
            free(temps[i]);
            temps[i] = NULL;
        }
    }
    CPLPopErrorHandler();
    for (size_t i = 0; i < files; i++) {
        if (temps && temps[i]) {
            /* GDAL may have made side files too (a GeoPackage's -wal and -shm). */
            VSIUnlink(temps[i]);
            char side[4096];
            snprintf(side, sizeof side, "%s-wal", temps[i]);
            VSIUnlink(side);
            snprintf(side, sizeof side, "%s-shm", temps[i]);
            VSIUnlink(side);
            snprintf(side, sizeof side, "%s-journal", temps[i]);
            VSIUnlink(side);
            free(temps[i]);
        }
        if (finals) {
            free(finals[i]);
        }
    }
    free(finals);
    free(temps);
    return st;
}
