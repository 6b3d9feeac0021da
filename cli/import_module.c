/*
 * import_module.c: finding and loading the importer module (dorf-import.so) beside the
 * running dorf executable (see dorf/importers.h for why it is a module).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

dorf_status cli_load_importer(dorf_ctx *ctx, dorf_import_osm_fn *out) {
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
    snprintf(path, sizeof path, "%s/%s", exe, DORF_IMPORT_MODULE_FILE);
    /* Kept loaded until exit: GDAL does not expect to be unloaded. */
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        return dorf_fail(ctx, DORF_EIO,
                         "cannot load the importer: %s; it belongs beside the dorf executable",
                         dlerror());
    }
    void *entry = dlsym(module, DORF_IMPORT_MODULE_ENTRY);
    if (!entry) {
        return dorf_fail(ctx, DORF_EIO, "%s is not a dorf importer (%s)", path, dlerror());
    }
    /* POSIX guarantees that a function's address survives the round trip through void *. */
    memcpy(out, &entry, sizeof *out);
    return DORF_OK;
}
