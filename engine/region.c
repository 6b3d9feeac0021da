/*
 * region.c: the in-memory region model: growing its arrays and naming its enumerations.
 */
#include "dorf/region.h"

#include <string.h>

#include "dorf/alloc.h"

static const char *const mode_names[DORF_MODE_COUNT] = {"walk", "bike", "car"};

static const char *const highway_names[DORF_HW_COUNT] = {
    "motorway",      "motorway_link",  "trunk",     "trunk_link",    "primary",      "primary_link",
    "secondary",     "secondary_link", "tertiary",  "tertiary_link", "unclassified", "residential",
    "living_street", "service",        "track",     "road",          "pedestrian",   "footway",
    "path",          "cycleway",       "bridleway", "steps",
};

static const char *const category_names[DORF_CAT_COUNT] = {
    "grocery",
    "bakery",
    "butcher",
    "pharmacy",
    "doctor",
    "dentist",
    "hospital",
    "post",
    "post_box",
    "bank",
    "atm",
    "school",
    "kindergarten",
    "bus_stop",
    "rail_station",
    "restaurant",
    "cafe",
    "pub",
    "town_hall",
    "fuel",
    "library",
    "community",
    "place_of_worship",
    "fire_station",
    "police",
    "shop_other",
    "other",
};

static const char *const household_source_names[] = {
    "none", "flats", "addresses", "floor_area", "default", "residential_area",
};

const char *dorf_mode_name(dorf_mode mode) {
    return (unsigned)mode < DORF_MODE_COUNT ? mode_names[mode] : "?";
}

const char *dorf_highway_name(dorf_highway hw) {
    return (unsigned)hw < DORF_HW_COUNT ? highway_names[hw] : "?";
}

dorf_status dorf_highway_from_osm(const char *value, dorf_highway *out) {
    if (!value) {
        return DORF_EINVAL;
    }
    for (int i = 0; i < DORF_HW_COUNT; i++) {
        if (strcmp(value, highway_names[i]) == 0) {
            *out = (dorf_highway)i;
            return DORF_OK;
        }
    }
    return DORF_EINVAL;
}

const char *dorf_category_name(dorf_category cat) {
    return (unsigned)cat < DORF_CAT_COUNT ? category_names[cat] : "?";
}

dorf_status dorf_category_from_name(const char *name, dorf_category *out) {
    for (int i = 0; name && i < DORF_CAT_COUNT; i++) {
        if (strcmp(name, category_names[i]) == 0) {
            *out = (dorf_category)i;
            return DORF_OK;
        }
    }
    return DORF_EINVAL;
}

static const char *const map_layer_names[DORF_MAP_LAYER_COUNT] = {
    [DORF_MAP_LANDCOVER] = "landcover",
    [DORF_MAP_WATER] = "water",
    [DORF_MAP_WATERWAY] = "waterway",
    [DORF_MAP_RAILWAY] = "railway",
};

const char *dorf_map_layer_name(dorf_map_layer layer) {
    return (unsigned)layer < DORF_MAP_LAYER_COUNT ? map_layer_names[layer] : "?";
}

dorf_status dorf_map_layer_from_name(const char *name, dorf_map_layer *out) {
    for (int i = 0; name && i < DORF_MAP_LAYER_COUNT; i++) {
        if (strcmp(name, map_layer_names[i]) == 0) {
            *out = (dorf_map_layer)i;
            return DORF_OK;
        }
    }
    return DORF_EINVAL;
}

const char *dorf_household_source_name(dorf_household_source src) {
    return (unsigned)src <= DORF_HH_RESIDENTIAL_AREA ? household_source_names[src] : "?";
}

dorf_status dorf_region_new(dorf_ctx *ctx, dorf_region **out) {
    dorf_region *r = dorf_calloc(1, sizeof *r);
    if (!r || !(r->arena = dorf_arena_new())) {
        dorf_free(r);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory creating a region");
    }
    r->meta.persons_per_household = 2.0;
    *out = r;
    return DORF_OK;
}

void dorf_region_free(dorf_region *r) {
    if (!r) {
        return;
    }
    dorf_free(r->nodes);
    dorf_free(r->edges);
    dorf_free(r->points);
    dorf_free(r->restrictions);
    dorf_free(r->buildings);
    dorf_free(r->households);
    dorf_free(r->addresses);
    dorf_free(r->places);
    dorf_free(r->map_features);
    dorf_free(r->settlements);
    dorf_free(r->issues);
    dorf_arena_free(r->arena);
    dorf_free(r);
}

/* Appends `item` to an array and returns its index through *index; the indices are 32-bit. */
static dorf_status append(dorf_ctx *ctx, void **items, size_t *count, size_t *cap, const void *item,
                          size_t size, uint32_t *index, const char *what) {
    if (*count >= UINT32_MAX) {
        return dorf_fail(ctx, DORF_EINVAL, "too many %s for one region (limit %u)", what,
                         (unsigned)UINT32_MAX);
    }
    if (dorf_grow(items, cap, *count + 1, size) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory adding %s", what);
    }
    memcpy((char *)*items + *count * size, item, size);
    if (index) {
        *index = (uint32_t)*count;
    }
    (*count)++;
    return DORF_OK;
}

#define APPEND(ctx, r, array, field, item, index, what)                                            \
    append((ctx), (void **)&(r)->array, &(r)->field##_count, &(r)->field##_cap, (item),            \
           sizeof *(r)->array, (index), (what))

dorf_status dorf_region_add_node(dorf_ctx *ctx, dorf_region *r, const dorf_road_node *n,
                                 uint32_t *index) {
    return APPEND(ctx, r, nodes, node, n, index, "road nodes");
}

dorf_status dorf_region_add_point(dorf_ctx *ctx, dorf_region *r, dorf_point p, uint32_t *index) {
    return APPEND(ctx, r, points, point, &p, index, "shape points");
}

dorf_status dorf_region_add_edge(dorf_ctx *ctx, dorf_region *r, const dorf_road_edge *e) {
    return APPEND(ctx, r, edges, edge, e, NULL, "road edges");
}

dorf_status dorf_region_add_restriction(dorf_ctx *ctx, dorf_region *r,
                                        const dorf_turn_restriction *t) {
    return APPEND(ctx, r, restrictions, restriction, t, NULL, "turn restrictions");
}

dorf_status dorf_region_add_building(dorf_ctx *ctx, dorf_region *r, const dorf_building *b,
                                     uint32_t *index) {
    return APPEND(ctx, r, buildings, building, b, index, "buildings");
}

dorf_status dorf_region_add_household(dorf_ctx *ctx, dorf_region *r, const dorf_household *h) {
    return APPEND(ctx, r, households, household, h, NULL, "households");
}

dorf_status dorf_region_add_address(dorf_ctx *ctx, dorf_region *r, const dorf_address *a) {
    return APPEND(ctx, r, addresses, address, a, NULL, "addresses");
}

dorf_status dorf_region_add_place(dorf_ctx *ctx, dorf_region *r, const dorf_place *p) {
    return APPEND(ctx, r, places, place, p, NULL, "places");
}

dorf_status dorf_region_add_map_feature(dorf_ctx *ctx, dorf_region *r, const dorf_map_feature *f) {
    return APPEND(ctx, r, map_features, map_feature, f, NULL, "map features");
}

dorf_status dorf_region_add_settlement(dorf_ctx *ctx, dorf_region *r, const dorf_settlement *s) {
    return APPEND(ctx, r, settlements, settlement, s, NULL, "settlements");
}

dorf_status dorf_region_add_issue(dorf_ctx *ctx, dorf_region *r, const dorf_import_issue *i) {
    return APPEND(ctx, r, issues, issue, i, NULL, "import issues");
}

double dorf_region_persons(const dorf_region *r) {
    double sum = 0;
    for (size_t i = 0; i < r->household_count; i++) {
        sum += r->households[i].persons;
    }
    return sum;
}
