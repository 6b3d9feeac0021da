/*
 * households.c: how many households live in each building.
 *
 * OSM does not map households, so they are estimated per building, in this order of
 * evidence (docs/import.md gives the reasoning and the figures):
 *   1. building:flats, where mapped, is the number of households;
 *   2. apartment blocks: the larger of the distinct addresses and the floor area
 *      (footprint x levels, 3 levels when not mapped) divided by 75 m2 per dwelling;
 *      terraces likewise with one dwelling per 60 m2 of footprint;
 *   3. houses (house, detached, semidetached_house, farm, bungalow ...): one household per
 *      distinct address, at least one;
 *   4. buildings of unknown use (building=yes and the like) with an address: one household
 *      per distinct address, if the footprint is at least 30 m2 (a garage with a house number
 *      is not a home);
 *   5. buildings of unknown use without an address, inside a landuse=residential area, with
 *      a house-sized footprint (60 to 300 m2): one household. Rural OSM data often maps
 *      houses as building=yes without addresses; garages are smaller, barns mostly larger;
 *   6. everything else (barns, garages, churches, shops ...): none.
 * Addresses count for the building they lie in (GEOS point-in-polygon over an STR tree) or
 * the building that carries them. Persons per household is a region-wide figure.
 */
#include <geos_c.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

static int kind_in(const char *kind, const char *const *list) {
    for (; *list; list++) {
        if (strcmp(kind, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *const house_kinds[] = {
    "house", "detached",       "semidetached_house", "semi",  "farm",   "bungalow",
    "cabin", "static_caravan", "houseboat",          "villa", "chalet", NULL};
static const char *const block_kinds[] = {"apartments", "residential", "dormitory", NULL};
static const char *const unknown_kinds[] = {"yes", "building", "unknown", "undefined", NULL};

int estimate_households(const struct building_facts *b, dorf_household_source *source) {
    const char *kind = b->kind ? b->kind : "yes";
    int addresses = b->addresses > 0 ? b->addresses : 0;
    *source = DORF_HH_NONE;
    if (b->flats > 0) {
        *source = DORF_HH_FLATS;
        return b->flats;
    }
    if (b->flats == 0) {
        return 0; /* mapped as having no dwellings */
    }
    if (kind_in(kind, block_kinds) || strcmp(kind, "terrace") == 0) {
        double per_dwelling_m2 = 75.0;
        double levels = b->levels > 0 ? b->levels : 3;
        if (strcmp(kind, "terrace") == 0) {
            per_dwelling_m2 = 60.0;
            levels = 1;
        }
        int by_area = (int)lround(b->area_m2 * levels / per_dwelling_m2);
        if (by_area < 1) {
            by_area = 1;
        }
        if (addresses >= by_area) {
            *source = DORF_HH_ADDRESSES;
            return addresses;
        }
        *source = DORF_HH_FLOOR_AREA;
        return by_area;
    }
    if (kind_in(kind, house_kinds)) {
        *source = addresses > 0 ? DORF_HH_ADDRESSES : DORF_HH_DEFAULT;
        return addresses > 0 ? addresses : 1;
    }
    if (kind_in(kind, unknown_kinds) && addresses > 0 && b->area_m2 >= 30.0) {
        *source = DORF_HH_ADDRESSES;
        return addresses;
    }
    if (kind_in(kind, unknown_kinds) && addresses == 0 && b->in_residential_area &&
        b->area_m2 >= 60.0 && b->area_m2 <= 300.0) {
        *source = DORF_HH_RESIDENTIAL_AREA;
        return 1;
    }
    return 0;
}

/* Polygons in an STR tree, asked which one contains a point (GEOS, prepared geometries). */
struct polygon_index {
    GEOSContextHandle_t geos;
    GEOSSTRtree *tree;
    GEOSGeometry **geoms;
    const GEOSPreparedGeometry **prepared;
    size_t count;
    uint32_t *hits; /* scratch for tree queries */
    size_t hit_count, hit_cap;
    int oom;
};

static void collect(void *item, void *user) {
    struct polygon_index *ix = user;
    if (dorf_grow((void **)&ix->hits, &ix->hit_cap, ix->hit_count + 1, sizeof *ix->hits) != 0) {
        ix->oom = 1;
        return;
    }
    ix->hits[ix->hit_count++] = (uint32_t)(uintptr_t)item;
}

static void polygon_index_free(struct polygon_index *ix) {
    for (size_t i = 0; i < ix->count; i++) {
        if (ix->prepared && ix->prepared[i]) {
            GEOSPreparedGeom_destroy_r(ix->geos, ix->prepared[i]);
        }
        if (ix->geoms && ix->geoms[i]) {
            GEOSGeom_destroy_r(ix->geos, ix->geoms[i]);
        }
    }
    dorf_free(ix->geoms);
    dorf_free((void *)ix->prepared);
    dorf_free(ix->hits);
    if (ix->tree) {
        GEOSSTRtree_destroy_r(ix->geos, ix->tree);
    }
    if (ix->geos) {
        GEOS_finish_r(ix->geos);
    }
    memset(ix, 0, sizeof *ix);
}

/* Builds the index over `count` WKB polygons; `what` names them in error messages. */
static dorf_status polygon_index_build(dorf_ctx *ctx, struct polygon_index *ix,
                                       const unsigned char *const *wkb, const size_t *size,
                                       size_t stride, size_t count, const char *what) {
    memset(ix, 0, sizeof *ix);
    ix->geos = GEOS_init_r();
    ix->tree = ix->geos ? GEOSSTRtree_create_r(ix->geos, 10) : NULL;
    ix->geoms = dorf_calloc(count ? count : 1, sizeof *ix->geoms);
    ix->prepared = dorf_calloc(count ? count : 1, sizeof *ix->prepared);
    GEOSWKBReader *reader = ix->geos ? GEOSWKBReader_create_r(ix->geos) : NULL;
    dorf_status st = DORF_OK;
    if (!ix->tree || !ix->geoms || !ix->prepared || !reader) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory indexing %s", what);
        goto done;
    }
    ix->count = count;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *w = *(const unsigned char *const *)((const char *)wkb + i * stride);
        size_t n = *(const size_t *)((const char *)size + i * stride);
        ix->geoms[i] = GEOSWKBReader_read_r(ix->geos, reader, w, n);
        if (!ix->geoms[i] || !(ix->prepared[i] = GEOSPrepare_r(ix->geos, ix->geoms[i]))) {
            st = dorf_fail(ctx, DORF_EIO, "GEOS cannot read one of the %s", what);
            goto done;
        }
        GEOSSTRtree_insert_r(ix->geos, ix->tree, ix->geoms[i], (void *)(uintptr_t)i);
    }
done:
    if (reader) {
        GEOSWKBReader_destroy_r(ix->geos, reader);
    }
    if (st != DORF_OK) {
        polygon_index_free(ix);
    }
    return st;
}

/* The first polygon containing (lon, lat) in *found, or -1. DORF_ENOMEM on failure. */
static dorf_status polygon_index_find(dorf_ctx *ctx, struct polygon_index *ix, double lon,
                                      double lat, int64_t *found) {
    *found = -1;
    if (ix->count == 0) {
        return DORF_OK;
    }
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(ix->geos, lon, lat);
    if (!pt) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    ix->hit_count = 0;
    GEOSSTRtree_query_r(ix->geos, ix->tree, pt, collect, ix);
    for (size_t k = 0; k < ix->hit_count && !ix->oom && *found < 0; k++) {
        if (GEOSPreparedContains_r(ix->geos, ix->prepared[ix->hits[k]], pt) == 1) {
            *found = ix->hits[k];
        }
    }
    GEOSGeom_destroy_r(ix->geos, pt);
    return ix->oom ? dorf_fail(ctx, DORF_ENOMEM, "out of memory") : DORF_OK;
}

static int same_text(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* An address by its building, sorted so that each building's addresses lie together. */
struct address_ref {
    int32_t building;
    uint32_t address;
};

static int by_building(const void *x, const void *y) {
    const struct address_ref *a = x, *b = y;
    if (a->building != b->building) {
        return (a->building > b->building) - (a->building < b->building);
    }
    return (a->address > b->address) - (a->address < b->address);
}

/* Puts each free-standing address into the building that contains it, if any. */
static dorf_status locate_addresses(dorf_ctx *ctx, dorf_region *r) {
    if (r->building_count == 0) {
        return DORF_OK; /* no footprints to put addresses in (and no array to point into) */
    }
    struct polygon_index ix;
    dorf_status st = polygon_index_build(
        ctx, &ix, (const unsigned char *const *)&r->buildings[0].wkb, &r->buildings[0].wkb_size,
        sizeof *r->buildings, r->building_count, "building footprints");
    for (size_t i = 0; i < r->address_count && st == DORF_OK; i++) {
        dorf_address *a = &r->addresses[i];
        int64_t b = -1;
        if (a->building < 0 &&
            (st = polygon_index_find(ctx, &ix, a->lon_deg, a->lat_deg, &b)) == DORF_OK) {
            a->building = (int32_t)b;
        }
    }
    polygon_index_free(&ix);
    return st;
}

/* Counts distinct (street, housenumber) per building: a shop and its building share one. */
static dorf_status count_addresses(dorf_ctx *ctx, const dorf_region *r, int *addresses) {
    struct address_ref *order =
        dorf_malloc((r->address_count ? r->address_count : 1) * sizeof *order);
    if (!order) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory counting addresses");
    }
    for (size_t i = 0; i < r->address_count; i++) {
        order[i] = (struct address_ref){r->addresses[i].building, (uint32_t)i};
    }
    qsort(order, r->address_count, sizeof *order, by_building);
    for (size_t i = 0; i < r->address_count;) {
        int32_t b = order[i].building;
        size_t j = i;
        while (j < r->address_count && order[j].building == b) {
            const dorf_address *a = &r->addresses[order[j].address];
            int seen = 0;
            for (size_t k = i; k < j && !seen; k++) {
                const dorf_address *o = &r->addresses[order[k].address];
                seen = same_text(a->street, o->street) && same_text(a->housenumber, o->housenumber);
            }
            if (!seen && b >= 0) {
                addresses[b]++;
            }
            j++;
        }
        i = j;
    }
    dorf_free(order);
    return DORF_OK;
}

dorf_status build_households(dorf_ctx *ctx, dorf_region *r, const struct feature_extras *extra,
                             dorf_import_report *report) {
    int *addresses = dorf_calloc(r->building_count ? r->building_count : 1, sizeof *addresses);
    if (!addresses) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory estimating households");
    }
    struct polygon_index areas = {0};
    dorf_status st = locate_addresses(ctx, r);
    if (st == DORF_OK) {
        st = count_addresses(ctx, r, addresses);
    }
    if (st == DORF_OK) {
        st = polygon_index_build(ctx, &areas, extra->residential_wkb, extra->residential_size,
                                 sizeof *extra->residential_wkb, extra->residential_count,
                                 "residential areas");
    }
    double persons = r->meta.persons_per_household;
    for (size_t i = 0; i < r->building_count && st == DORF_OK; i++) {
        dorf_building *b = &r->buildings[i];
        struct building_facts facts = {
            b->kind, b->area_m2, b->levels, extra->buildings[i].flats, addresses[i], 0};
        int64_t area = -1;
        if ((st = polygon_index_find(ctx, &areas, b->lon_deg, b->lat_deg, &area)) != DORF_OK) {
            break;
        }
        facts.in_residential_area = area >= 0;
        b->households = estimate_households(&facts, &b->household_source);
        if (b->households > 0) {
            report->residential_buildings++;
        }
        for (int h = 0; h < b->households && st == DORF_OK; h++) {
            dorf_household hh = {(uint32_t)i, persons};
            st = dorf_region_add_household(ctx, r, &hh);
            report->households++;
            report->persons += persons;
        }
    }
    polygon_index_free(&areas);
    dorf_free(addresses);
    return st;
}
