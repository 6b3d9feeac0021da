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
 *   5. everything else (barns, garages, churches, shops ...): none.
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
    "house",   "detached", "semidetached_house", "semi", "farm", "bungalow", "cabin",
    "static_caravan", "houseboat", "villa", "chalet", NULL};
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
    return 0;
}

struct candidates {
    uint32_t *items;
    size_t count, cap;
    int oom;
};

static void collect(void *item, void *user) {
    struct candidates *c = user;
    if (dorf_grow((void **)&c->items, &c->cap, c->count + 1, sizeof *c->items) != 0) {
        c->oom = 1;
        return;
    }
    c->items[c->count++] = (uint32_t)(uintptr_t)item;
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

/* Finds the building each free-standing address point lies in. */
static dorf_status locate_addresses(dorf_ctx *ctx, dorf_region *r) {
    GEOSContextHandle_t geos = GEOS_init_r();
    GEOSWKBReader *reader = geos ? GEOSWKBReader_create_r(geos) : NULL;
    GEOSSTRtree *tree = geos ? GEOSSTRtree_create_r(geos, 10) : NULL;
    GEOSGeometry **geoms = dorf_calloc(r->building_count ? r->building_count : 1, sizeof *geoms);
    const GEOSPreparedGeometry **prepared =
        dorf_calloc(r->building_count ? r->building_count : 1, sizeof *prepared);
    struct candidates c = {0};
    dorf_status st = DORF_OK;
    if (!geos || !reader || !tree || !geoms || !prepared) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory locating addresses");
        goto done;
    }
    for (size_t i = 0; i < r->building_count; i++) {
        const dorf_building *b = &r->buildings[i];
        geoms[i] = GEOSWKBReader_read_r(geos, reader, b->wkb, b->wkb_size);
        if (!geoms[i] || !(prepared[i] = GEOSPrepare_r(geos, geoms[i]))) {
            st = dorf_fail(ctx, DORF_EIO, "building %lld: GEOS cannot read its footprint",
                           (long long)b->osm_id);
            goto done;
        }
        GEOSSTRtree_insert_r(geos, tree, geoms[i], (void *)(uintptr_t)i);
    }
    for (size_t i = 0; i < r->address_count; i++) {
        dorf_address *a = &r->addresses[i];
        if (a->building >= 0) {
            continue;
        }
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geos, a->lon_deg, a->lat_deg);
        if (!pt) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory locating addresses");
            goto done;
        }
        c.count = 0;
        GEOSSTRtree_query_r(geos, tree, pt, collect, &c);
        for (size_t k = 0; k < c.count && !c.oom; k++) {
            if (GEOSPreparedContains_r(geos, prepared[c.items[k]], pt) == 1) {
                a->building = (int32_t)c.items[k];
                break;
            }
        }
        GEOSGeom_destroy_r(geos, pt);
        if (c.oom) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory locating addresses");
            goto done;
        }
    }

done:
    for (size_t i = 0; geoms && i < r->building_count; i++) {
        if (prepared[i]) {
            GEOSPreparedGeom_destroy_r(geos, prepared[i]);
        }
        if (geoms[i]) {
            GEOSGeom_destroy_r(geos, geoms[i]);
        }
    }
    dorf_free(geoms);
    dorf_free((void *)prepared);
    dorf_free(c.items);
    if (tree) {
        GEOSSTRtree_destroy_r(geos, tree);
    }
    if (reader) {
        GEOSWKBReader_destroy_r(geos, reader);
    }
    if (geos) {
        GEOS_finish_r(geos);
    }
    return st;
}

dorf_status build_households(dorf_ctx *ctx, dorf_region *r, const struct building_extra *extra,
                             dorf_import_report *report) {
    dorf_status st = locate_addresses(ctx, r);
    if (st != DORF_OK) {
        return st;
    }
    int *addresses = dorf_calloc(r->building_count ? r->building_count : 1, sizeof *addresses);
    struct address_ref *order =
        dorf_malloc((r->address_count ? r->address_count : 1) * sizeof *order);
    if (!addresses || !order) {
        dorf_free(addresses);
        dorf_free(order);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory estimating households");
    }
    for (size_t i = 0; i < r->address_count; i++) {
        order[i] = (struct address_ref){r->addresses[i].building, (uint32_t)i};
    }
    qsort(order, r->address_count, sizeof *order, by_building);
    /* Distinct (street, housenumber) per building: a shop and its building share one. */
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

    double persons = r->meta.persons_per_household;
    for (size_t i = 0; i < r->building_count && st == DORF_OK; i++) {
        dorf_building *b = &r->buildings[i];
        struct building_facts facts = {b->kind, b->area_m2, b->levels, extra[i].flats,
                                       addresses[i]};
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
    dorf_free(addresses);
    return st;
}
