/*
 * outer_tags.c: tags of old-style multipolygons, which GDAL's OSM driver loses.
 *
 * Older OSM data maps an area with a hole as a multipolygon relation that carries no tags of
 * its own (type=multipolygon, perhaps a name) and leaves the area's tags on its outer way.
 * Reading all layers interleaved, as it must be read, GDAL emits such a relation with only
 * its own tags and does not emit the outer way, so a building mapped this way (the Prince's
 * Palace in the Monaco extract) would vanish. The element pass therefore remembers the tags
 * of closed ways that could describe an area, and the relations of that old form with a
 * single outer way; the features pass then reads the relation with its outer way's tags.
 */
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

/* Keys that make a closed way a building or a place worth keeping. */
static const char *const area_keys[] = {"building", "shop",    "amenity", "healthcare", "craft",
                                        "office",   "tourism", "leisure", "landuse"};

struct kept_way {
    int64_t id;
    struct osm_tags tags; /* strings in the arena */
};

struct old_relation {
    int64_t id;
    int64_t outer_way;
};

struct outer_tags {
    dorf_arena *arena;
    struct kept_way *ways;
    size_t way_count, way_cap;
    int ways_sorted;
    struct old_relation *relations;
    size_t relation_count, relation_cap;
};

dorf_status outer_tags_new(dorf_ctx *ctx, struct outer_tags **out) {
    struct outer_tags *o = dorf_calloc(1, sizeof *o);
    if (!o || !(o->arena = dorf_arena_new())) {
        dorf_free(o);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    o->ways_sorted = 1;
    *out = o;
    return DORF_OK;
}

void outer_tags_free(struct outer_tags *o) {
    if (!o) {
        return;
    }
    for (size_t i = 0; i < o->way_count; i++) {
        osm_tags_release(&o->ways[i].tags);
    }
    dorf_free(o->ways);
    dorf_free(o->relations);
    dorf_arena_free(o->arena);
    dorf_free(o);
}

static int describes_area(const struct osm_tags *tags) {
    for (size_t i = 0; i < sizeof area_keys / sizeof area_keys[0]; i++) {
        if (osm_tag(tags, area_keys[i])) {
            return 1;
        }
    }
    return 0;
}

dorf_status outer_tags_way(struct outer_tags *o, dorf_ctx *ctx, const struct osm_way_elem *way) {
    if (way->ref_count < 4 || way->refs[0] != way->refs[way->ref_count - 1] ||
        !describes_area(way->tags)) {
        return DORF_OK;
    }
    if (dorf_grow((void **)&o->ways, &o->way_cap, o->way_count + 1, sizeof *o->ways) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading areas");
    }
    struct kept_way *k = &o->ways[o->way_count];
    memset(k, 0, sizeof *k);
    k->id = way->id;
    for (size_t i = 0; i < way->tags->count; i++) {
        char *key = dorf_arena_strdup(o->arena, way->tags->keys[i]);
        char *value = dorf_arena_strdup(o->arena, way->tags->values[i]);
        if (!key || !value || osm_tags_add(&k->tags, key, value) != 0) {
            osm_tags_release(&k->tags);
            return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading areas");
        }
    }
    if (o->way_count && o->ways[o->way_count - 1].id >= way->id) {
        o->ways_sorted = 0;
    }
    o->way_count++;
    return DORF_OK;
}

dorf_status outer_tags_relation(struct outer_tags *o, dorf_ctx *ctx,
                                const struct osm_relation_elem *rel) {
    const char *type = osm_tag(rel->tags, "type");
    if (!type || strcmp(type, "multipolygon") != 0) {
        return DORF_OK;
    }
    for (size_t i = 0; i < rel->tags->count; i++) {
        if (strcmp(rel->tags->keys[i], "type") != 0 && strcmp(rel->tags->keys[i], "name") != 0) {
            return DORF_OK; /* the relation describes the area itself */
        }
    }
    int64_t outer = 0;
    int outers = 0;
    for (size_t i = 0; i < rel->member_count; i++) {
        const struct osm_member *m = &rel->members[i];
        if (m->type == 'w' && (strcmp(m->role, "outer") == 0 || m->role[0] == '\0')) {
            outer = m->id;
            outers++;
        }
    }
    if (outers != 1) {
        return DORF_OK;
    }
    if (dorf_grow((void **)&o->relations, &o->relation_cap, o->relation_count + 1,
                  sizeof *o->relations) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading areas");
    }
    o->relations[o->relation_count++] = (struct old_relation){rel->id, outer};
    return DORF_OK;
}

static int by_id(const void *a, const void *b) {
    int64_t x = ((const struct kept_way *)a)->id, y = ((const struct kept_way *)b)->id;
    return (x > y) - (x < y);
}

const struct osm_tags *outer_tags_for(struct outer_tags *o, int64_t relation_id) {
    if (!o->ways_sorted) {
        qsort(o->ways, o->way_count, sizeof *o->ways, by_id);
        o->ways_sorted = 1;
    }
    for (size_t i = 0; i < o->relation_count; i++) {
        if (o->relations[i].id != relation_id) {
            continue;
        }
        struct kept_way key = {.id = o->relations[i].outer_way};
        const struct kept_way *k = bsearch(&key, o->ways, o->way_count, sizeof *o->ways, by_id);
        return k ? &k->tags : NULL;
    }
    return NULL;
}
