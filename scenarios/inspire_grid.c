/*
 * inspire_grid.c: cells of the INSPIRE grid through PROJ (inspire_grid.h).
 */
#include <math.h>
#include <stdio.h>

#include "inspire_grid.h"

dorf_status inspire_grid_open(dorf_ctx *ctx, double cell_m, inspire_grid *grid) {
    grid->cell_m = cell_m;
    grid->pc = proj_context_create();
    PJ *p = grid->pc ? proj_create_crs_to_crs(grid->pc, "EPSG:4326", "EPSG:3035", NULL) : NULL;
    /* Normalised so that coordinates go in as (lon, lat) and come out as (east, north). */
    grid->to_grid = p ? proj_normalize_for_visualization(grid->pc, p) : NULL;
    proj_destroy(p);
    if (!grid->to_grid) {
        inspire_grid_close(grid);
        return dorf_fail(ctx, DORF_EIO, "cannot set up the transformation to EPSG:3035 (PROJ)");
    }
    return DORF_OK;
}

void inspire_grid_close(inspire_grid *grid) {
    proj_destroy(grid->to_grid);
    proj_context_destroy(grid->pc);
    grid->to_grid = NULL;
    grid->pc = NULL;
}

dorf_status inspire_grid_cell(dorf_ctx *ctx, const inspire_grid *grid, double lon_deg,
                              double lat_deg, uint64_t *key) {
    PJ_COORD c = proj_trans(grid->to_grid, PJ_FWD, proj_coord(lon_deg, lat_deg, 0, 0));
    double e = floor(c.xy.x / grid->cell_m), n = floor(c.xy.y / grid->cell_m);
    if (!isfinite(e) || !isfinite(n) || e < 0 || n < 0 || e >= 4294967295.0 || n >= 4294967295.0) {
        return dorf_fail(ctx, DORF_EINVAL, "the point %.6f,%.6f lies outside the EPSG:3035 grid",
                         lon_deg, lat_deg);
    }
    *key = ((uint64_t)n << 32) | (uint64_t)e;
    return DORF_OK;
}

void inspire_cell_corner(double cell_m, uint64_t key, double *east, double *north) {
    *east = (double)(key & 0xffffffffu) * cell_m;
    *north = (double)(key >> 32) * cell_m;
}

void inspire_cell_name(double cell_m, uint64_t key, char name[INSPIRE_CELL_NAME_SIZE]) {
    double e, n;
    inspire_cell_corner(cell_m, key, &e, &n);
    snprintf(name, INSPIRE_CELL_NAME_SIZE, "CRS3035RES%lldmN%lldE%lld", (long long)cell_m,
             (long long)n, (long long)e);
}
