/*
 * module.c: the GDAL side of dorf as a loadable module (dorf-gdal.so): the OSM import and the
 * writing of result tables, so that only the commands that need GDAL load it. Everything in
 * the module is hidden but these entry points; the module carries
 * its own copy of the engine, which is safe because the engine keeps no global state and the
 * executable and the module share the C library's heap.
 */
#include "dorf/importers.h"
#include "dorf/tables.h"

__attribute__((visibility("default"))) dorf_status
dorf_import_module_osm(dorf_ctx *ctx, const char *path, const dorf_import_options *options,
                       dorf_region **out, dorf_import_report *report);

dorf_status dorf_import_module_osm(dorf_ctx *ctx, const char *path,
                                   const dorf_import_options *options, dorf_region **out,
                                   dorf_import_report *report) {
    return dorf_import_osm(ctx, path, options, out, report);
}

__attribute__((visibility("default"))) dorf_status
dorf_gdal_module_write_tables(dorf_ctx *ctx, const char *path, const char *format,
                              const dorf_table *tables, size_t count);

dorf_status dorf_gdal_module_write_tables(dorf_ctx *ctx, const char *path, const char *format,
                                          const dorf_table *tables, size_t count) {
    return dorf_tables_write(ctx, path, format, tables, count);
}
