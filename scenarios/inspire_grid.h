/*
 * inspire_grid.h: the INSPIRE statistical grid (EPSG:3035, the ETRS89 Lambert equal-area
 * projection), as coverage summaries and research exports use it.
 *
 * A cell is named after its lower-left corner in metres, as the INSPIRE and Eurostat grids
 * name theirs: CRS3035RES1000mN2984000E4433000 (1 km) or CRS3035RES100mN29843E... (100 m,
 * the corner still in metres). Cells are keyed as row << 32 | column, so that keys sort
 * north to south by row and then by column, and equal keys are equal cells.
 */
#ifndef DORF_INSPIRE_GRID_H
#define DORF_INSPIRE_GRID_H

#include <proj.h>
#include <stdint.h>

#include "dorf/context.h"

#define INSPIRE_CELL_NAME_SIZE 80

typedef struct inspire_grid {
    PJ_CONTEXT *pc;
    PJ *to_grid; /* EPSG:4326 (lon, lat) to EPSG:3035 (east, north) */
    double cell_m;
} inspire_grid;

/* Sets up the transformation for cells of `cell_m` metres (100 or 1000). DORF_EIO. */
dorf_status inspire_grid_open(dorf_ctx *ctx, double cell_m, inspire_grid *grid);

/* Releases what inspire_grid_open set up. Accepts a zeroed grid. */
void inspire_grid_close(inspire_grid *grid);

/* The key of the cell holding (lon, lat). DORF_EINVAL (with the point) outside the grid. */
dorf_status inspire_grid_cell(dorf_ctx *ctx, const inspire_grid *grid, double lon_deg,
                              double lat_deg, uint64_t *key);

/* The cell's lower-left corner in EPSG:3035 metres. */
void inspire_cell_corner(double cell_m, uint64_t key, double *east, double *north);

/* The cell's INSPIRE name. */
void inspire_cell_name(double cell_m, uint64_t key, char name[INSPIRE_CELL_NAME_SIZE]);

#endif
