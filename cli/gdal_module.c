/*
 * gdal_module.c: finding and loading the GDAL module (dorf-gdal.so) beside the running dorf
 * executable, for the commands that import or write through GDAL (see dorf/importers.h for
 * why it is a module).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/coverage.h"
#include "dorf/tables.h"

/* The entry point `name` of the module, loaded once and kept until exit. */
static dorf_status load_entry(dorf_ctx *ctx, const char *name, void **out) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot find the dorf executable's directory");
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", exe, DORF_GDAL_MODULE_FILE);
    /* Kept loaded until exit: GDAL does not expect to be unloaded. */
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        return dorf_fail(ctx, DORF_EIO,
                         "cannot load the GDAL module: %s; it belongs beside the dorf executable",
                         dlerror());
    }
    if (!(*out = dlsym(module, name))) {
        return dorf_fail(ctx, DORF_EIO, "%s lacks %s (%s)", path, name, dlerror());
    }
    return DORF_OK;
}

dorf_status cli_load_importer(dorf_ctx *ctx, dorf_import_osm_fn *out) {
    void *entry = NULL;
    dorf_status st = load_entry(ctx, DORF_IMPORT_MODULE_ENTRY, &entry);
    /* POSIX guarantees that a function's address survives the round trip through void *. */
    if (st == DORF_OK) {
        memcpy(out, &entry, sizeof *out);
    }
    return st;
}

dorf_status cli_load_table_writer(dorf_ctx *ctx, dorf_tables_write_fn *out) {
    void *entry = NULL;
    dorf_status st = load_entry(ctx, DORF_GDAL_WRITE_ENTRY, &entry);
    if (st == DORF_OK) {
        memcpy(out, &entry, sizeof *out);
    }
    return st;
}

dorf_status cli_write_coverage_tables(dorf_ctx *ctx, const char *path, const dorf_coverage *cov,
                                      const dorf_coverage_summary *sums, size_t n) {
    dorf_coverage_table tables[8];
    dorf_table plain[8];
    if (n > 8) {
        return dorf_fail(ctx, DORF_EINVAL, "at most 8 summaries at once");
    }
    memset(tables, 0, sizeof tables);
    dorf_status st = DORF_OK;
    for (size_t k = 0; k < n && st == DORF_OK; k++) {
        st = dorf_coverage_table_build(ctx, cov, &sums[k], &tables[k]);
        plain[k] = tables[k].table;
    }
    dorf_tables_write_fn write = NULL;
    if (st == DORF_OK) {
        st = cli_load_table_writer(ctx, &write);
    }
    if (st == DORF_OK) {
        st = write(ctx, path, NULL, plain, n);
    }
    for (size_t k = 0; k < n; k++) {
        dorf_coverage_table_release(&tables[k]);
    }
    return st;
}
