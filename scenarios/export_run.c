/*
 * export_run.c: a whole export run (dorf_export_run in dorf/export.h): read the store,
 * compute coverage and the volunteers' distances, build the tables, write them and the
 * manifest into a temporary directory and rename it into place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dorf/alloc.h"
#include "dorf/export.h"
#include "export_internal.h"

const char *const export_formats[4] = {"gpkg", "csv", "geojson", "fgb"};

#define RECORD_SECRET_NAME "export-record-keys"
#define MAX_SNAP_M 500.0

void dorf_export_options_init(dorf_export_options *o, dorf_local_time today) {
    memset(o, 0, sizeof *o);
    o->cell_m = 1000;
    o->k = 5;
    o->format = "gpkg";
    o->time_grain = DORF_EXPORT_DAY;
    /* The next Tuesday at 10:00: an ordinary working morning. */
    int64_t days = dorf_days_from_civil(today.year, today.month, today.day);
    int wd = dorf_weekday(today.year, today.month, today.day);
    int64_t year;
    int month, day;
    dorf_civil_from_days(days + (1 - wd + 7) % 7, &year, &month, &day);
    o->coverage.at = (dorf_local_time){(int)year, month, day, 600};
    o->coverage.limit_s = 3600;
    o->thresholds_s[0] = 300;
    o->thresholds_s[1] = 600;
    o->thresholds_s[2] = 900;
    o->thresholds_s[3] = 1800;
    o->threshold_count = 4;
}

static int known_format(const char *format) {
    for (size_t i = 0; format && i < sizeof export_formats / sizeof *export_formats; i++) {
        if (strcasecmp(format, export_formats[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

dorf_status dorf_export_check_options(dorf_ctx *ctx, const dorf_export_options *o) {
    if (o->k < 2) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "k must be at least 2 (a published cell of 1 household is that "
                         "household); 5 or more is usual, e.g. --k 5");
    }
    if (o->cell_m != 1000 && o->cell_m != 100) {
        return dorf_fail(ctx, DORF_EINVAL, "the grid is 1km or 100m");
    }
    if (!isfinite(o->epsilon) || o->epsilon < 0) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "epsilon must be a positive number (e.g. 1), or absent for the "
                         "cell-key method");
    }
    if (!known_format(o->format)) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown format '%s': gpkg, csv, geojson or fgb",
                         o->format ? o->format : "");
    }
    if (o->threshold_count < 1 || o->threshold_count > DORF_COVERAGE_MAX_THRESHOLDS) {
        return dorf_fail(ctx, DORF_EINVAL, "between 1 and %d coverage thresholds",
                         DORF_COVERAGE_MAX_THRESHOLDS);
    }
    return DORF_OK;
}

/* ---- the directory ---- */

/* Removes the files in `dir` (made by this run; no subdirectories) and the directory. */
static void remove_partial(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                unlinkat(dirfd(d), e->d_name, 0);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* The temporary directory beside out_dir: "<out_dir>.partial-XXXXXX". */
static dorf_status make_partial(dorf_ctx *ctx, const char *out_dir, char *tmp, size_t size) {
    struct stat sb;
    if (lstat(out_dir, &sb) == 0) {
        return dorf_fail(ctx, DORF_ECONFLICT,
                         "%s already exists; an export goes into a new directory: choose "
                         "another name or remove it",
                         out_dir);
    }
    if (snprintf(tmp, size, "%s.partial-XXXXXX", out_dir) >= (int)size) {
        return dorf_fail(ctx, DORF_EINVAL, "the output path is too long");
    }
    if (!mkdtemp(tmp)) {
        return dorf_fail(ctx, DORF_EIO,
                         "cannot make a directory beside %s: %s (is its parent directory there "
                         "and writable?)",
                         out_dir, strerror(errno));
    }
    return DORF_OK;
}

/* ---- the manifest ---- */

static json_t *ptable_json(void) {
    json_t *rows = json_array();
    for (int64_t n = 0; n <= DORF_EXPORT_CKM_MAX_DEVIATION + 1; n++) {
        json_t *p = json_object();
        for (int d = -DORF_EXPORT_CKM_MAX_DEVIATION; d <= DORF_EXPORT_CKM_MAX_DEVIATION; d++) {
            char key[8];
            snprintf(key, sizeof key, d > 0 ? "+%d" : "%d", d);
            double v = dorf_export_ckm_probability(n, d);
            json_object_set_new(p, key, json_real(nearbyint(v * 1e6) / 1e6));
        }
        char count[24];
        snprintf(count, sizeof count, n == DORF_EXPORT_CKM_MAX_DEVIATION + 1 ? ">=%lld" : "%lld",
                 (long long)n);
        json_array_append_new(rows, json_pack("{s:s, s:o}", "count", count, "p", p));
    }
    return rows;
}

static json_t *noise_json(const dorf_export_options *o) {
    if (o->epsilon > 0) {
        return json_pack(
            "{s:s, s:f, s:f, s:s}", "method", "laplace", "epsilon", o->epsilon, "scale",
            1 / o->epsilon, "description",
            "each published count plus Laplace noise of scale 1/epsilon, drawn afresh for this "
            "export, rounded to a whole number and raised to 0 when below; epsilon applies to "
            "each count separately (k counts of one cell spend k times epsilon), and repeating "
            "the export spends it again");
    }
    return json_pack(
        "{s:s, s:i, s:f, s:o, s:s}", "method", "cell-key", "max_deviation",
        DORF_EXPORT_CKM_MAX_DEVIATION, "variance", DORF_EXPORT_CKM_VARIANCE, "ptable",
        ptable_json(), "description",
        "each record (household, order, parcel) has a fixed key in [0,1) derived with "
        "HMAC-SHA256 from a secret kept in the source database; a count's cell key is the sum "
        "of its records' keys modulo 1 and selects its deviation from the perturbation table "
        "(ptable, probabilities of each deviation by count); the same records always give "
        "the same figure. Persons use the households' cell key.");
}

static json_t *coverage_json(const dorf_export_options *o, const dorf_coverage *cov) {
    json_t *cats = json_array(), *modes = json_array(), *thresholds = json_array();
    for (size_t c = 0; c < cov->category_count; c++) {
        json_array_append_new(cats, json_string(dorf_category_name(cov->categories[c])));
    }
    for (unsigned m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
        if (cov->modes & (1u << m)) {
            json_array_append_new(modes, json_string(dorf_coverage_access_name(m)));
        }
    }
    for (size_t t = 0; t < o->threshold_count; t++) {
        json_array_append_new(thresholds, json_real(o->thresholds_s[t] / 60));
    }
    char at[32];
    snprintf(at, sizeof at, "%04d-%02d-%02dT%02d:%02d", cov->at.year, cov->at.month, cov->at.day,
             cov->at.minute / 60, cov->at.minute % 60);
    return json_pack("{s:s, s:o, s:o, s:o, s:b}", "at_local_time", at, "categories", cats, "modes",
                     modes, "thresholds_min", thresholds, "strict_hours", o->coverage.strict_hours);
}

/* dorf_tables_write's rule: a GeoPackage holds every table, other formats one table a file. */
static int writes_one_file(const char *format, size_t tables) {
    return strcasecmp(format, "gpkg") == 0 || tables == 1;
}

/* The file(s) dorf_tables_write made for `path` ("export.gpkg", or export-<table>.<ext>). */
static json_t *tables_json(const dorf_table *tables, size_t n, const char *format) {
    json_t *out = json_array();
    int one_file = writes_one_file(format, n);
    for (size_t t = 0; t < n; t++) {
        char file[96];
        if (one_file) {
            snprintf(file, sizeof file, "export.%s", format);
        } else {
            snprintf(file, sizeof file, "export-%s.%s", tables[t].name, format);
        }
        json_t *columns = json_array();
        for (size_t c = 0; c < tables[t].column_count; c++) {
            json_array_append_new(columns, json_string(tables[t].columns[c].name));
        }
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:I, s:o, s:s?}", "name", tables[t].name, "file", file,
                           "rows", (json_int_t)tables[t].row_count, "columns", columns, "crs",
                           tables[t].geometry == DORF_TABLE_NO_GEOMETRY ? NULL : "EPSG:3035"));
    }
    return out;
}

static const char *base_name(const char *path) {
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "";
}

static dorf_status write_manifest(dorf_ctx *ctx, const char *dir, const dorf_region *region,
                                  const dorf_export_options *o, const dorf_coverage *cov,
                                  const dorf_export *x) {
    size_t n = 0;
    const dorf_table *tables = dorf_export_tables(x, &n);
    dorf_export_summary counts;
    dorf_export_counts(x, &counts);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    char grid[96];
    snprintf(grid, sizeof grid, "CRS3035RES%dmN<north>E<east>", (int)o->cell_m);
    json_t *m = json_pack(
        "{s:i, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}, s:{s:i, s:s, s:I, s:I, s:I}, s:o, "
        "s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o}",
        "manifest_version", 1, "generator", "dorf export", "date", date, "source", "extract",
        base_name(region->meta.source), "imported_at",
        region->meta.imported_at ? region->meta.imported_at : "", "grid", "crs", "EPSG:3035",
        "cell_m", (int)o->cell_m, "cell_id", grid, "suppression", "k", (int)o->k, "rule",
        "a cell with fewer than k households is published in no table, and an event located "
        "in it carries no cell; totals are sums of the published cells only",
        "cells", (json_int_t)counts.cells_with_households, "cells_published",
        (json_int_t)counts.cells_published, "cells_suppressed", (json_int_t)counts.cells_suppressed,
        "noise", noise_json(o), "pseudonyms", "method", "HMAC-SHA256 of kind:id, 128 bits in hex",
        "key",
        "drawn for this export from libsodium's generator and never stored: two exports "
        "cannot be joined on pseudonyms",
        "time", "zone", "Europe/Berlin (CET/CEST)", "grain",
        o->time_grain == DORF_EXPORT_HOUR ? "hour" : "day", "coverage",
        cov ? coverage_json(o, cov) : json_null(), "tables", tables_json(tables, n, o->format));
    if (!m) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory writing the manifest");
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = json_dump_file(m, path, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
    json_decref(m);
    if (rc != 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot write %s", path);
    }
    return DORF_OK;
}

/* ---- the run ---- */

struct run {
    dorf_ctx *ctx;
    dorf_store *store;
    const char *db;
    dorf_graph *graphs[DORF_MODE_COUNT];
};

static dorf_status graph_for(struct run *r, dorf_mode mode) {
    if (r->graphs[mode]) {
        return DORF_OK;
    }
    return dorf_graph_open(r->ctx, r->store, r->db, mode, &r->graphs[mode]);
}

/* The road distance of each parcel by its volunteer's mode (cycling when unknown). */
static dorf_status parcel_distances(struct run *r, const dorf_activity *a, double *km) {
    dorf_router *routers[DORF_MODE_COUNT] = {NULL};
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < a->parcel_count && st == DORF_OK; i++) {
        const dorf_activity_parcel *p = &a->parcels[i];
        km[i] = NAN;
        dorf_mode mode = DORF_MODE_BIKE;
        for (int m = 0; m < DORF_MODE_COUNT; m++) {
            if (strcmp(p->mode, dorf_mode_name((dorf_mode)m)) == 0) {
                mode = (dorf_mode)m;
            }
        }
        if ((st = graph_for(r, mode)) != DORF_OK) {
            break;
        }
        if (!routers[mode] && (st = dorf_router_new(r->ctx, r->graphs[mode], &routers[mode]))) {
            break;
        }
        dorf_snap from, to;
        if (dorf_graph_snap(r->ctx, r->graphs[mode], p->pickup_lon_deg, p->pickup_lat_deg,
                            MAX_SNAP_M, &from) != DORF_OK ||
            dorf_graph_snap(r->ctx, r->graphs[mode], p->dropoff_lon_deg, p->dropoff_lat_deg,
                            MAX_SNAP_M, &to) != DORF_OK) {
            continue; /* off the roads: no distance, not an error */
        }
        dorf_route route = {0};
        double time_s;
        if (dorf_route_find(routers[mode], DORF_ALG_BIDIJKSTRA, &from, &to, &time_s, &route) ==
            DORF_OK) {
            km[i] = route.length_m / 1000;
        }
        dorf_route_release(&route);
        dorf_progress(r->ctx, "volunteers' distances", i + 1, a->parcel_count);
        if (dorf_ctx_interrupted(r->ctx)) {
            st = dorf_fail(r->ctx, DORF_EINTR, "interrupted");
        }
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_router_free(routers[m]);
    }
    return st;
}

static dorf_status compute_coverage(struct run *r, const dorf_region *region,
                                    const dorf_export_options *o, dorf_coverage *cov) {
    unsigned modes = o->coverage.modes ? o->coverage.modes : 7u;
    unsigned needed = modes | (o->coverage.pool.volunteers ? 1u << o->coverage.pool.mode : 0);
    dorf_status st = DORF_OK;
    for (int m = 0; m < DORF_MODE_COUNT && st == DORF_OK; m++) {
        if (needed & (1u << m)) {
            st = graph_for(r, (dorf_mode)m);
        }
    }
    if (st == DORF_OK) {
        st = dorf_coverage_compute(r->ctx, region, (const dorf_graph *const *)r->graphs,
                                   &o->coverage, cov);
    }
    return st;
}

dorf_status dorf_export_run(dorf_ctx *ctx, dorf_store *store, const char *db_path,
                            const dorf_export_options *o, dorf_tables_write_fn write,
                            const char *out_dir, dorf_export_summary *summary) {
    memset(summary, 0, sizeof *summary);
    dorf_status st = dorf_export_check_options(ctx, o);
    if (st != DORF_OK) {
        return st;
    }
    if (sodium_init() < 0) {
        return dorf_fail(ctx, DORF_EIO, "libsodium cannot be initialised");
    }
    char tmp[PATH_MAX];
    if ((st = make_partial(ctx, out_dir, tmp, sizeof tmp)) != DORF_OK) {
        return st;
    }
    struct run r = {ctx, store, db_path, {NULL}};
    dorf_region *region = NULL;
    dorf_arena *arena = dorf_arena_new();
    dorf_activity activity = {0};
    dorf_coverage cov = {0};
    double *km = NULL;
    dorf_export *x = NULL;
    uint8_t secret[DORF_STORE_SECRET_SIZE], candidate[DORF_STORE_SECRET_SIZE];
    uint8_t pseudonym_key[32];
    randombytes_buf(candidate, sizeof candidate);
    randombytes_buf(pseudonym_key, sizeof pseudonym_key);

    st = arena ? dorf_store_load_region(store, &region)
               : dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    if (st == DORF_OK) {
        st = dorf_store_load_activity(store, arena, &activity);
    }
    if (st == DORF_OK) {
        st = dorf_store_secret(store, RECORD_SECRET_NAME, candidate, secret);
    }
    if (st == DORF_OK) {
        st = compute_coverage(&r, region, o, &cov);
    }
    if (st == DORF_OK) {
        km = dorf_malloc((activity.parcel_count + 1) * sizeof *km);
        st =
            km ? parcel_distances(&r, &activity, km) : dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    if (st == DORF_OK) {
        st = dorf_export_build(ctx, region, &activity, km, &cov, o, secret, pseudonym_key, &x);
    }
    /* The pseudonyms are made: the key goes before anything is written. */
    sodium_memzero(pseudonym_key, sizeof pseudonym_key);
    sodium_memzero(secret, sizeof secret);
    if (st == DORF_OK && dorf_ctx_interrupted(ctx)) {
        st = dorf_fail(ctx, DORF_EINTR, "interrupted");
    }
    size_t n = 0;
    const dorf_table *tables = x ? dorf_export_tables(x, &n) : NULL;
    if (st == DORF_OK) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/export.%s", tmp, o->format);
        st = write(ctx, path, o->format, tables, n);
    }
    if (st == DORF_OK) {
        st = write_manifest(ctx, tmp, region, o, &cov, x);
    }
    if (st == DORF_OK && rename(tmp, out_dir) != 0) {
        st = dorf_fail(ctx, DORF_EIO, "cannot move the export into place at %s: %s", out_dir,
                       strerror(errno));
    }
    if (st == DORF_OK) {
        dorf_export_counts(x, summary);
        summary->files = writes_one_file(o->format, n) ? 1 : n;
        snprintf(summary->directory, sizeof summary->directory, "%s", out_dir);
    } else {
        remove_partial(tmp);
    }
    dorf_export_free(x);
    dorf_free(km);
    dorf_coverage_release(&cov);
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_graph_free(r.graphs[m]);
    }
    dorf_arena_free(arena);
    dorf_region_free(region);
    return st;
}
