/*
 * test_tables_write.c: dorf_tables_write() writes what it is given in each format, read back
 * with OGR, and leaves nothing behind when it fails or is interrupted.
 */
#include <dirent.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dorf/tables.h"

static char tmpdir[64];

static const char *tmp_path(const char *name) {
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const dorf_column village_columns[] = {
    {"name", DORF_COLUMN_TEXT},
    {"households", DORF_COLUMN_INTEGER},
    {"share_10min", DORF_COLUMN_REAL},
};

/* Two villages as points (one without a share) and two 1 km grid cells as boxes. */
static dorf_value village_values[] = {
    {.s = "Beispieldorf"}, {.i = 120}, {.r = 0.75}, {.s = "Unterweiler"}, {.i = 7}, {.r = NAN},
};
static const double village_coords[] = {11.502, 50.001, 11.5045, 49.9975};
static const dorf_column cell_columns[] = {{"cell", DORF_COLUMN_TEXT},
                                           {"persons", DORF_COLUMN_REAL}};
static const dorf_value cell_values[] = {
    {.s = "CRS3035RES1000mN2984000E4433000"},
    {.r = 240.5},
    {.s = "CRS3035RES1000mN2985000E4433000"},
    {.r = 11.0},
};
static const double cell_coords[] = {4433000, 2984000, 4434000, 2985000,
                                     4433000, 2985000, 4434000, 2986000};

static void make_tables(dorf_table t[2]) {
    t[0] = (dorf_table){.name = "villages",
                        .columns = village_columns,
                        .column_count = 3,
                        .row_count = 2,
                        .values = village_values,
                        .geometry = DORF_TABLE_POINT,
                        .epsg = 4326,
                        .coords = village_coords};
    t[1] = (dorf_table){.name = "grid_1km",
                        .columns = cell_columns,
                        .column_count = 2,
                        .row_count = 2,
                        .values = cell_values,
                        .geometry = DORF_TABLE_BOX,
                        .epsg = 3035,
                        .coords = cell_coords};
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Files in tmpdir whose name contains `needle`. */
static int count_files(const char *needle) {
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        n += strstr(e->d_name, needle) != NULL;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void test_geopackage_holds_both_tables_as_written(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_table t[2];
    make_tables(t);
    const char *path = tmp_path("out.gpkg");
    CHECK_EQ_INT(dorf_tables_write(ctx, path, NULL, t, 2), DORF_OK);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    CHECK(ds != NULL);
    if (ds) {
        CHECK_EQ_INT(GDALDatasetGetLayerCount(ds), 2);
        OGRLayerH v = GDALDatasetGetLayerByName(ds, "villages");
        CHECK(v && OGR_L_GetFeatureCount(v, 1) == 2);
        OGRFeatureH f = v ? OGR_L_GetNextFeature(v) : NULL;
        CHECK(f != NULL);
        if (f) {
            CHECK_STR(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name")), "Beispieldorf");
            CHECK_EQ_INT(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "households")), 120);
            CHECK_NEAR(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "share_10min")), 0.75,
                       1e-12);
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            CHECK(g && OGR_G_GetX(g, 0) == 11.502 && OGR_G_GetY(g, 0) == 50.001);
            OGR_F_Destroy(f);
        }
        f = v ? OGR_L_GetNextFeature(v) : NULL;
        CHECK(f && !OGR_F_IsFieldSetAndNotNull(f, OGR_F_GetFieldIndex(f, "share_10min")));
        OGR_F_Destroy(f);
        OGRLayerH c = GDALDatasetGetLayerByName(ds, "grid_1km");
        CHECK(c && OGR_L_GetFeatureCount(c, 1) == 2);
        OGRSpatialReferenceH srs = c ? OGR_L_GetSpatialRef(c) : NULL;
        CHECK(srs && OSRGetAuthorityCode(srs, NULL) &&
              strcmp(OSRGetAuthorityCode(srs, NULL), "3035") == 0);
        f = c ? OGR_L_GetNextFeature(c) : NULL;
        if (f) {
            OGREnvelope env;
            OGR_G_GetEnvelope(OGR_F_GetGeometryRef(f), &env);
            CHECK(env.MinX == 4433000 && env.MaxX == 4434000 && env.MinY == 2984000 &&
                  env.MaxY == 2985000);
            CHECK_NEAR(OGR_G_Area(OGR_F_GetGeometryRef(f)), 1e6, 1e-6);
            OGR_F_Destroy(f);
        }
        GDALClose(ds);
    }
    CHECK_EQ_INT(count_files("dorf-tmp"), 0);
    dorf_ctx_free(ctx);
}

static void test_single_layer_formats_write_one_file_per_table(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_table t[2];
    make_tables(t);
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("cov.csv"), NULL, t, 2), DORF_OK);
    CHECK(file_exists(tmp_path("cov-villages.csv")) && file_exists(tmp_path("cov-grid_1km.csv")));
    CHECK(!file_exists(tmp_path("cov.csv")));
    FILE *f = fopen(tmp_path("cov-grid_1km.csv"), "r");
    char line[256] = "";
    if (f) {
        CHECK(fgets(line, sizeof line, f) != NULL);
        fclose(f);
    }
    CHECK_CONTAINS(line, "WKT");
    CHECK_CONTAINS(line, "cell");
    /* One table: the file is the path itself; GeoJSON in WGS84 (RFC 7946). */
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("cells.json"), "geojson", &t[1], 1), DORF_OK);
    GDALDatasetH ds = GDALOpenEx(tmp_path("cells.json"), GDAL_OF_VECTOR, NULL, NULL, NULL);
    CHECK(ds != NULL);
    if (ds) {
        OGRLayerH l = GDALDatasetGetLayer(ds, 0);
        OGREnvelope env;
        CHECK(l && OGR_L_GetExtent(l, &env, 1) == OGRERR_NONE);
        CHECK(env.MinX > 5 && env.MaxX < 15 && env.MinY > 45 && env.MaxY < 55);
        GDALClose(ds);
    }
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("cells.fgb"), NULL, &t[1], 1), DORF_OK);
    CHECK(file_exists(tmp_path("cells.fgb")));
    dorf_ctx_free(ctx);
}

static void test_bad_requests_fail_clearly_and_leave_nothing(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_table t[2];
    make_tables(t);
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("out.xlsx"), NULL, t, 2), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), ".gpkg");
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("out.gpkg"), "shp", t, 2), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "unknown format 'shp'");
    CHECK_EQ_INT(dorf_tables_write(ctx, "/nonexistent-dir/out.gpkg", NULL, t, 2), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "/nonexistent-dir/out.gpkg");
    dorf_table bad = t[0];
    bad.name = "Villages; DROP";
    CHECK_EQ_INT(dorf_tables_write(ctx, tmp_path("bad.gpkg"), NULL, &bad, 1), DORF_EINVAL);
    CHECK(!file_exists(tmp_path("bad.gpkg")));
    CHECK_EQ_INT(count_files("dorf-tmp"), 0);
    dorf_ctx_free(ctx);
}

static void test_interrupt_leaves_the_previous_file(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    /* A table big enough to reach the interrupt poll. */
    enum { ROWS = 10000 };
    dorf_value *values = calloc(ROWS, sizeof *values);
    double *coords = calloc(2 * ROWS, sizeof *coords);
    static const dorf_column col = {"n", DORF_COLUMN_INTEGER};
    for (int i = 0; values && coords && i < ROWS; i++) {
        values[i].i = i;
        coords[2 * i] = 11 + i * 1e-5;
        coords[2 * i + 1] = 50;
    }
    dorf_table t = {.name = "many",
                    .columns = &col,
                    .column_count = 1,
                    .row_count = ROWS,
                    .values = values,
                    .geometry = DORF_TABLE_POINT,
                    .epsg = 4326,
                    .coords = coords};
    const char *path = tmp_path("keep.gpkg");
    CHECK_EQ_INT(dorf_tables_write(ctx, path, NULL, &t, 1), DORF_OK);
    struct stat before;
    CHECK(stat(path, &before) == 0);
    t.row_count = ROWS / 2; /* a different file, were it written */
    static volatile sig_atomic_t stop = 1;
    dorf_ctx_set_interrupt_flag(ctx, &stop);
    CHECK_EQ_INT(dorf_tables_write(ctx, path, NULL, &t, 1), DORF_EINTR);
    struct stat after;
    CHECK(stat(path, &after) == 0 && after.st_size == before.st_size &&
          after.st_mtime == before.st_mtime && after.st_ino == before.st_ino);
    CHECK_EQ_INT(count_files("dorf-tmp"), 0);
    free(values);
    free(coords);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    GDALAllRegister();
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/dorf-test-tables-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_geopackage_holds_both_tables_as_written);
    RUN(test_single_layer_formats_write_one_file_per_table);
    RUN(test_bad_requests_fail_clearly_and_leave_nothing);
    RUN(test_interrupt_leaves_the_previous_file);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_summary();
}
