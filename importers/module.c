/*
 * module.c: the importer as a loadable module (dorf-import.so), so that only `dorf import`
 * loads GDAL. Everything in the module is hidden but this one entry point; the module carries
 * its own copy of the engine, which is safe because the engine keeps no global state and the
 * executable and the module share the C library's heap.
 */
#include "dorf/importers.h"

__attribute__((visibility("default"))) dorf_status
dorf_import_module_osm(dorf_ctx *ctx, const char *path, const dorf_import_options *options,
                       dorf_region **out, dorf_import_report *report);

dorf_status dorf_import_module_osm(dorf_ctx *ctx, const char *path,
                                   const dorf_import_options *options, dorf_region **out,
                                   dorf_import_report *report) {
    return dorf_import_osm(ctx, path, options, out, report);
}
