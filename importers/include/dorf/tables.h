/*
 * dorf/tables.h: tables of results (coverage per village or grid cell, scenario differences,
 * exports) written for GIS users through GDAL: GeoPackage, CSV, GeoJSON or FlatGeobuf.
 *
 * A table is plain data: named, typed columns, rows of values, and optionally one geometry per
 * row (a point, or an axis-aligned box such as a grid cell) in one CRS. The layers above build
 * tables; writing them needs GDAL, which lives in the module dorf-gdal.so beside the dorf
 * executable (see dorf/importers.h for why), reached through DORF_GDAL_WRITE_ENTRY.
 */
#ifndef DORF_TABLES_H
#define DORF_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"

typedef enum dorf_column_type {
    DORF_COLUMN_INTEGER = 0,
    DORF_COLUMN_REAL,
    DORF_COLUMN_TEXT,
} dorf_column_type;

typedef struct dorf_column {
    const char *name; /* lower-case, [a-z0-9_] */
    dorf_column_type type;
} dorf_column;

/* One cell. A text cell with s == NULL, or a real cell holding NaN, is written as null. */
typedef union dorf_value {
    int64_t i;
    double r;
    const char *s;
} dorf_value;

typedef enum dorf_table_geometry {
    DORF_TABLE_NO_GEOMETRY = 0,
    DORF_TABLE_POINT, /* coords: x, y per row */
    DORF_TABLE_BOX,   /* coords: min x, min y, max x, max y per row (a polygon) */
} dorf_table_geometry;

typedef struct dorf_table {
    const char *name; /* the layer's name, [a-z0-9_] */
    const dorf_column *columns;
    size_t column_count;
    size_t row_count;
    const dorf_value *values; /* row-major: row_count * column_count cells */
    dorf_table_geometry geometry;
    int epsg;             /* the CRS of coords, e.g. 4326 (lon, lat) or 3035 (east, north) */
    const double *coords; /* 2 or 4 numbers per row, as `geometry` says; NULL without one */
} dorf_table;

/*
 * Writes `count` tables to `path` in `format`: "gpkg", "csv", "geojson" or "fgb"
 * (case-insensitive), or NULL to take it from the extension of `path`. A GeoPackage holds
 * them all as layers; the other formats hold one table per file, so with several tables each
 * goes to STEM-NAME.EXT beside `path` (STEM is `path` without its extension). Nothing is left
 * half-written: each file is written under a temporary name in the same directory and renamed
 * into place when complete; after a failure or an interrupt (polled between rows) no new
 * output file exists and files that existed before are unchanged. Errors: DORF_EINVAL
 * (unknown format or extension, a malformed table), DORF_EIO (the directory is not writable,
 * GDAL refuses), DORF_EINTR, DORF_ENOMEM.
 */
dorf_status dorf_tables_write(dorf_ctx *ctx, const char *path, const char *format,
                              const dorf_table *tables, size_t count);

#define DORF_GDAL_MODULE_FILE "dorf-gdal.so"
#define DORF_GDAL_WRITE_ENTRY "dorf_gdal_module_write_tables"
typedef dorf_status (*dorf_tables_write_fn)(dorf_ctx *ctx, const char *path, const char *format,
                                            const dorf_table *tables, size_t count);

#endif
