/*
 * dorf/importers.h: building a region from OpenStreetMap extracts.
 *
 * dorf_import_osm() reads an extract (.osm, .osm.pbf, or either compressed with gzip) and
 * builds the region model of dorf/region.h: the routable road graph split at shared nodes,
 * with per-direction access for walking, cycling and driving; turn restrictions; buildings
 * with estimated households; addresses; and places (shops and services) in categories, with
 * their opening hours checked. Nothing is written anywhere: the caller stores the region
 * (dorf_store_replace_region), so a failed or interrupted import never touches a database.
 *
 * The road graph comes from the ways with their node lists (which OGR does not expose), read
 * by readosm (PBF) or dorf's own expat reader (XML); GDAL/OGR's OSM driver supplies buildings,
 * places and addresses as assembled geometries (multipolygon relations included); GEOS puts
 * addresses into buildings; PROJ projects to the region's metric CRS.
 * How households are estimated and which tags map to which category is in docs/import.md.
 */
#ifndef DORF_IMPORTERS_H
#define DORF_IMPORTERS_H

#include <stdint.h>

#include "dorf/context.h"
#include "dorf/region.h"

typedef struct dorf_import_options {
    double persons_per_household; /* persons per estimated household; 0: default 2.0 */
    const char *temp_dir;         /* where a gzip extract is unpacked; NULL: $TMPDIR or /tmp */
} dorf_import_options;

/* What an import read, built and left out. */
typedef struct dorf_import_report {
    uint64_t osm_nodes, osm_ways, osm_relations;
    uint64_t highway_ways;          /* ways with a highway tag */
    uint64_t road_ways;             /* of those, routable and imported */
    uint64_t skipped_not_routable;  /* highway=proposed, construction, platform, areas ... */
    uint64_t skipped_missing_nodes; /* ways cut where the extract lacks their nodes */
    uint64_t restrictions;
    uint64_t skipped_restrictions;
    uint64_t ogr_features; /* features OGR delivered */
    uint64_t buildings;
    uint64_t residential_buildings;
    uint64_t households;
    double persons;
    uint64_t addresses;
    uint64_t places;
    uint64_t map_features; /* land cover, water, waterways and railways for the base map */
    uint64_t settlements;  /* named cities, towns, villages, hamlets ... */
    uint64_t opening_hours, opening_hours_unparsed;
    double seconds_roads, seconds_features, seconds_households;
} dorf_import_report;

/*
 * Imports the extract at `path` into a new region (*out, freed with dorf_region_free).
 * `options` may be NULL for defaults; `report` may be NULL. Polls the context's interrupt
 * flag and reports progress. Errors: DORF_ENOTFOUND (no such file), DORF_EPARSE (not an OSM
 * extract, or truncated/corrupt, with what and where), DORF_EEMPTY (valid but holds no roads,
 * buildings or places), DORF_EINTR, DORF_ENOMEM, DORF_EIO.
 */
dorf_status dorf_import_osm(dorf_ctx *ctx, const char *path, const dorf_import_options *options,
                            dorf_region **out, dorf_import_report *report);

/*
 * The `dorf` executable does not link the importer: GDAL and the libraries it pulls in take
 * longer to load than most commands take to run. `dorf import` loads the importer as part of
 * the module dorf-gdal.so (DORF_GDAL_MODULE_FILE in dorf/tables.h), installed beside the
 * executable, and calls this entry point of it (the same function as dorf_import_osm).
 */
#define DORF_IMPORT_MODULE_ENTRY "dorf_import_module_osm"
typedef dorf_status (*dorf_import_osm_fn)(dorf_ctx *ctx, const char *path,
                                          const dorf_import_options *options, dorf_region **out,
                                          dorf_import_report *report);

#endif
