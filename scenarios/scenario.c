/*
 * scenario.c: reading a scenario file (dorf_scenario_parse) and applying its edits to a copy
 * of the parts of the baseline region they touch (dorf_scenario_apply); dorf/scenario.h
 * describes the file.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/opening_hours.h"
#include "dorf/scenario.h"

#define MAX_SCENARIO_BYTES (1u << 20)
#define MAX_EDITS 1000
#define MAX_NAME 200
#define MAX_TEXT 2000

void dorf_scenario_free(dorf_scenario *s) {
    if (!s) {
        return;
    }
    dorf_arena_free(s->arena);
    dorf_free(s);
}

/* Fails with "SOURCE: PATH: message". */
static dorf_status refuse(dorf_ctx *ctx, const char *source, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static dorf_status refuse(dorf_ctx *ctx, const char *source, const char *path, const char *fmt,
                          ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dorf_fail(ctx, DORF_EPARSE, "%s: %s%s%s", source, path, *path ? ": " : "", msg);
}

/* A string member: 1..max bytes of UTF-8 (jansson checks) without control characters. */
static const char *text_member(dorf_scenario *s, json_t *v, size_t max, int *bad) {
    const char *t = json_string_value(v);
    size_t n = t ? json_string_length(v) : 0;
    *bad = !t || n == 0 || n > max;
    for (size_t i = 0; !*bad && i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        *bad = c < 0x20 || c == 0x7f;
    }
    return *bad ? NULL : dorf_arena_strdup(s->arena, t);
}

/* "n123", "w123" or "r123" into type and id; -1 when malformed. */
static int parse_ref(const char *t, char *type, int64_t *id) {
    if (!t || (t[0] != 'n' && t[0] != 'w' && t[0] != 'r') || t[1] < '1' || t[1] > '9' ||
        strlen(t) > 20) {
        return -1;
    }
    int64_t v = 0;
    for (const char *p = t + 1; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    *type = t[0];
    *id = v;
    return 0;
}

/* Checks that `obj` has only the members listed (NULL-terminated); the first other, or NULL. */
static const char *unknown_member(json_t *obj, const char *const *known) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++) {
            ok = strcmp(*k, key) == 0;
        }
        if (!ok) {
            return key;
        }
    }
    return NULL;
}

static dorf_status parse_edit(dorf_ctx *ctx, const char *source, dorf_scenario *s, json_t *e,
                              size_t i, dorf_edit *out) {
    char path[96];
    snprintf(path, sizeof path, "edits[%zu]", i);
    if (!json_is_object(e) || json_object_size(e) != 1) {
        return refuse(ctx, source, path,
                      "an edit is an object with one member: close, open, hours or close_road");
    }
    const char *kind = json_object_iter_key(json_object_iter(e));
    json_t *v = json_object_iter_value(json_object_iter(e));
    snprintf(path, sizeof path, "edits[%zu].%.32s", i, kind);
    memset(out, 0, sizeof *out);
    int bad = 0;
    if (strcmp(kind, "close") == 0) {
        out->kind = DORF_EDIT_CLOSE_PLACE;
        if (parse_ref(json_string_value(v), &out->osm_type, &out->osm_id) != 0) {
            return refuse(ctx, source, path, "name the place by OSM type and id, e.g. \"n123456\"");
        }
        return DORF_OK;
    }
    if (strcmp(kind, "hours") == 0) {
        static const char *const known[] = {"place", "opening_hours", NULL};
        const char *other = json_is_object(v) ? unknown_member(v, known) : NULL;
        out->kind = DORF_EDIT_SET_HOURS;
        if (!json_is_object(v) || other) {
            return refuse(ctx, source, path, "%s%s%s",
                          other ? "unknown member '" : "an object with place and opening_hours",
                          other ? other : "", other ? "'" : "");
        }
        if (parse_ref(json_string_value(json_object_get(v, "place")), &out->osm_type,
                      &out->osm_id) != 0) {
            return refuse(ctx, source, path, "place: name it by OSM type and id, e.g. \"n123\"");
        }
        out->opening_hours = text_member(s, json_object_get(v, "opening_hours"), 500, &bad);
        if (bad) {
            return refuse(ctx, source, path,
                          "opening_hours: a value as OSM writes it, e.g. "
                          "\"Mo-Fr 08:00-18:00\"");
        }
        return DORF_OK;
    }
    if (strcmp(kind, "open") == 0) {
        static const char *const known[] = {"name", "category",      "lon",
                                            "lat",  "opening_hours", NULL};
        const char *other = json_is_object(v) ? unknown_member(v, known) : NULL;
        out->kind = DORF_EDIT_ADD_PLACE;
        if (!json_is_object(v) || other) {
            return refuse(ctx, source, path, "%s%s%s",
                          other ? "unknown member '" : "an object with name, category, lon, lat",
                          other ? other : "", other ? "'" : "");
        }
        out->name = text_member(s, json_object_get(v, "name"), MAX_NAME, &bad);
        if (bad) {
            return refuse(ctx, source, path, "name: 1 to %d characters of text", MAX_NAME);
        }
        if (dorf_category_from_name(json_string_value(json_object_get(v, "category")),
                                    &out->category) != DORF_OK) {
            return refuse(ctx, source, path,
                          "category: one of dorf's categories, e.g. \"grocery\", \"post\"");
        }
        json_t *lon = json_object_get(v, "lon"), *lat = json_object_get(v, "lat");
        out->lon_deg = json_number_value(lon);
        out->lat_deg = json_number_value(lat);
        if (!json_is_number(lon) || !json_is_number(lat) || !(fabs(out->lon_deg) <= 180) ||
            !(fabs(out->lat_deg) <= 90)) {
            return refuse(ctx, source, path, "lon and lat: numbers in degrees (WGS84)");
        }
        if (json_object_get(v, "opening_hours")) {
            out->opening_hours = text_member(s, json_object_get(v, "opening_hours"), 500, &bad);
            if (bad) {
                return refuse(ctx, source, path, "opening_hours: a value as OSM writes it");
            }
        }
        return DORF_OK;
    }
    if (strcmp(kind, "close_road") == 0) {
        static const char *const known[] = {"way", "modes", NULL};
        const char *other = json_is_object(v) ? unknown_member(v, known) : NULL;
        out->kind = DORF_EDIT_CLOSE_ROAD;
        out->osm_type = 'w';
        json_t *way = json_is_object(v) ? json_object_get(v, "way") : NULL;
        if (!json_is_object(v) || other || !json_is_integer(way) || json_integer_value(way) <= 0) {
            return refuse(ctx, source, path, "%s%s%s",
                          other ? "unknown member '" : "an object with way: a positive OSM way id",
                          other ? other : "", other ? "'" : "");
        }
        out->osm_id = (int64_t)json_integer_value(way);
        json_t *modes = json_object_get(v, "modes");
        if (!modes) {
            out->modes = DORF_ACCESS_WALK | DORF_ACCESS_BIKE | DORF_ACCESS_CAR;
            return DORF_OK;
        }
        size_t k;
        json_t *m;
        json_array_foreach(modes, k, m) {
            const char *name = json_string_value(m);
            for (int mode = 0; name && mode < DORF_MODE_COUNT; mode++) {
                if (strcmp(name, dorf_mode_name((dorf_mode)mode)) == 0) {
                    out->modes |= 1u << mode;
                }
            }
        }
        if (!json_is_array(modes) || out->modes == 0 ||
            (size_t)__builtin_popcount(out->modes) != json_array_size(modes)) {
            return refuse(ctx, source, path, "modes: a list of \"walk\", \"bike\", \"car\"");
        }
        return DORF_OK;
    }
    if (strcmp(kind, "volunteers") == 0) {
        static const char *const known[] = {"count", "mode", "round_trip_min", NULL};
        const char *other = json_is_object(v) ? unknown_member(v, known) : NULL;
        out->kind = DORF_EDIT_VOLUNTEERS;
        json_t *count = json_is_object(v) ? json_object_get(v, "count") : NULL;
        if (!json_is_object(v) || other || !json_is_integer(count) ||
            json_integer_value(count) < 0 || json_integer_value(count) > 100000) {
            return refuse(ctx, source, path, "%s%s%s",
                          other ? "unknown member '"
                                : "an object with count: 0 to 100000 volunteers",
                          other ? other : "", other ? "'" : "");
        }
        out->pool.volunteers = (size_t)json_integer_value(count);
        out->pool.mode = DORF_MODE_BIKE;
        out->pool.round_trip_s = 1800;
        json_t *mode = json_object_get(v, "mode");
        if (mode) {
            int found = 0;
            for (int m = 0; m < DORF_MODE_COUNT && json_is_string(mode); m++) {
                if (strcmp(json_string_value(mode), dorf_mode_name((dorf_mode)m)) == 0) {
                    out->pool.mode = (dorf_mode)m;
                    found = 1;
                }
            }
            if (!found) {
                return refuse(ctx, source, path, "mode: \"walk\", \"bike\" or \"car\"");
            }
        }
        json_t *rt = json_object_get(v, "round_trip_min");
        if (rt) {
            if (!json_is_number(rt) || !(json_number_value(rt) >= 1) ||
                json_number_value(rt) > 1440) {
                return refuse(ctx, source, path, "round_trip_min: 1 to 1440 minutes");
            }
            out->pool.round_trip_s = json_number_value(rt) * 60;
        }
        return DORF_OK;
    }
    return refuse(ctx, source, path,
                  "unknown edit; use close, open, hours, close_road or volunteers");
}

dorf_status dorf_scenario_parse(dorf_ctx *ctx, const char *source, const char *text, size_t size,
                                dorf_scenario **out) {
    *out = NULL;
    source = source ? source : "scenario";
    if (size > MAX_SCENARIO_BYTES) {
        return refuse(ctx, source, "", "larger than %u bytes", MAX_SCENARIO_BYTES);
    }
    json_error_t err;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        return dorf_fail(ctx, DORF_EPARSE, "%s:%d:%d: not JSON: %s", source, err.line, err.column,
                         err.text);
    }
    dorf_scenario *s = dorf_calloc(1, sizeof *s);
    dorf_status st = DORF_OK;
    if (!s || !(s->arena = dorf_arena_new())) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", source);
        goto done;
    }
    static const char *const known[] = {"name", "description", "at", "categories", "edits", NULL};
    const char *other = json_is_object(root) ? unknown_member(root, known) : NULL;
    if (!json_is_object(root)) {
        st = refuse(ctx, source, "", "a scenario is a JSON object with name and edits");
        goto done;
    }
    if (other) {
        st = refuse(ctx, source, other,
                    "unknown member (known: name, description, at, "
                    "categories, edits)");
        goto done;
    }
    int bad = 0;
    s->name = text_member(s, json_object_get(root, "name"), MAX_NAME, &bad);
    if (bad) {
        st = refuse(ctx, source, "name", "required: 1 to %d characters of text", MAX_NAME);
        goto done;
    }
    if (json_object_get(root, "description")) {
        s->description = text_member(s, json_object_get(root, "description"), MAX_TEXT, &bad);
        if (bad) {
            st = refuse(ctx, source, "description", "1 to %d characters of text", MAX_TEXT);
            goto done;
        }
    }
    if (json_object_get(root, "at")) {
        s->at = text_member(s, json_object_get(root, "at"), 64, &bad);
        if (bad) {
            st = refuse(ctx, source, "at", "a time such as \"Tue 10:00\"");
            goto done;
        }
    }
    json_t *cats = json_object_get(root, "categories");
    if (cats) {
        size_t i;
        json_t *c;
        if (!json_is_array(cats) || json_array_size(cats) == 0 ||
            json_array_size(cats) > DORF_CAT_COUNT) {
            st = refuse(ctx, source, "categories", "a list of 1 to %d category names",
                        DORF_CAT_COUNT);
            goto done;
        }
        json_array_foreach(cats, i, c) {
            dorf_category cat;
            int dup = 0;
            if (dorf_category_from_name(json_string_value(c), &cat) != DORF_OK) {
                st = refuse(ctx, source, "categories", "item %zu is not a category dorf knows", i);
                goto done;
            }
            for (size_t j = 0; j < s->category_count; j++) {
                dup |= s->categories[j] == cat;
            }
            if (dup) {
                st = refuse(ctx, source, "categories", "'%s' is named twice",
                            dorf_category_name(cat));
                goto done;
            }
            s->categories[s->category_count++] = cat;
        }
    }
    json_t *edits = json_object_get(root, "edits");
    if (!json_is_array(edits) || json_array_size(edits) == 0 ||
        json_array_size(edits) > MAX_EDITS) {
        st = refuse(ctx, source, "edits", "required: a list of 1 to %d edits", MAX_EDITS);
        goto done;
    }
    s->edit_count = json_array_size(edits);
    if (!(s->edits = dorf_arena_alloc(s->arena, s->edit_count * sizeof *s->edits))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", source);
        goto done;
    }
    for (size_t i = 0; i < s->edit_count && st == DORF_OK; i++) {
        st = parse_edit(ctx, source, s, json_array_get(edits, i), i, &s->edits[i]);
        if (st == DORF_OK &&
            (s->edits[i].name == NULL && s->edits[i].kind == DORF_EDIT_ADD_PLACE)) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", source);
        }
    }

done:
    json_decref(root);
    if (st != DORF_OK) {
        dorf_scenario_free(s);
        return st;
    }
    *out = s;
    return DORF_OK;
}

int dorf_scenario_pool(const dorf_scenario *s, dorf_coverage_pool *pool) {
    int found = 0;
    for (size_t i = 0; i < s->edit_count; i++) {
        if (s->edits[i].kind == DORF_EDIT_VOLUNTEERS) {
            uint64_t seed = pool->seed;
            *pool = s->edits[i].pool;
            pool->seed = seed;
            found = 1;
        }
    }
    return found;
}

int dorf_scenario_changes_roads(const dorf_scenario *s) {
    for (size_t i = 0; i < s->edit_count; i++) {
        if (s->edits[i].kind == DORF_EDIT_CLOSE_ROAD) {
            return 1;
        }
    }
    return 0;
}

struct dorf_scenario_region {
    dorf_region region;    /* the view: the baseline's arrays, some replaced by those below */
    dorf_place *places;    /* owned */
    dorf_road_edge *edges; /* owned when a road is closed */
};

const dorf_region *dorf_scenario_region_get(const dorf_scenario_region *edited) {
    return &edited->region;
}

void dorf_scenario_region_free(dorf_scenario_region *edited) {
    if (!edited) {
        return;
    }
    dorf_free(edited->places);
    dorf_free(edited->edges);
    dorf_free(edited);
}

static long find_place(const dorf_place *places, size_t n, char type, int64_t id) {
    for (size_t i = 0; i < n; i++) {
        if (places[i].osm_type == type && places[i].osm_id == id) {
            return (long)i;
        }
    }
    return -1;
}

/* Fails unless `hours` parses; the message says which edit. */
static dorf_status check_hours(dorf_ctx *ctx, size_t i, const char *hours) {
    dorf_opening_hours *oh = NULL;
    dorf_status st = dorf_opening_hours_parse(ctx, hours, &oh);
    dorf_opening_hours_free(oh);
    if (st == DORF_EPARSE) {
        return dorf_fail_prefix(ctx, DORF_EINVAL, "edit %zu: opening_hours '%s'", i + 1, hours);
    }
    return st;
}

dorf_status dorf_scenario_apply(dorf_ctx *ctx, const dorf_region *base, const dorf_scenario *s,
                                dorf_scenario_region **out) {
    *out = NULL;
    size_t adds = 0;
    for (size_t i = 0; i < s->edit_count; i++) {
        adds += s->edits[i].kind == DORF_EDIT_ADD_PLACE;
    }
    dorf_scenario_region *e = dorf_calloc(1, sizeof *e);
    size_t cap = base->place_count + adds;
    if (!e || !(e->places = dorf_malloc((cap ? cap : 1) * sizeof *e->places))) {
        dorf_scenario_region_free(e);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory applying the scenario");
    }
    e->region = *base;
    memcpy(e->places, base->places, base->place_count * sizeof *e->places);
    size_t n = base->place_count;
    uint8_t *closed = dorf_calloc(cap ? cap : 1, 1);
    dorf_status st = closed ? DORF_OK : dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->edit_count && st == DORF_OK; i++) {
        const dorf_edit *ed = &s->edits[i];
        long p;
        switch (ed->kind) {
        case DORF_EDIT_CLOSE_PLACE:
        case DORF_EDIT_SET_HOURS:
            p = find_place(e->places, n, ed->osm_type, ed->osm_id);
            if (p < 0 || closed[p]) {
                st = dorf_fail(ctx, DORF_EINVAL,
                               "edit %zu: the region has no %splace %c%lld (the portal's and "
                               "OGC API's place ids are these)",
                               i + 1, p >= 0 ? "open " : "", ed->osm_type, (long long)ed->osm_id);
            } else if (ed->kind == DORF_EDIT_CLOSE_PLACE) {
                closed[p] = 1;
            } else if ((st = check_hours(ctx, i, ed->opening_hours)) == DORF_OK) {
                e->places[p].opening_hours = ed->opening_hours;
                e->places[p].opening_hours_error = NULL;
            }
            break;
        case DORF_EDIT_ADD_PLACE: {
            const dorf_region_meta *m = &base->meta;
            const double margin = 0.01; /* about 1 km */
            if (ed->lon_deg < m->min_lon_deg - margin || ed->lon_deg > m->max_lon_deg + margin ||
                ed->lat_deg < m->min_lat_deg - margin || ed->lat_deg > m->max_lat_deg + margin) {
                st = dorf_fail(ctx, DORF_EINVAL,
                               "edit %zu: %.6f,%.6f lies outside the region (%.4f,%.4f to "
                               "%.4f,%.4f)",
                               i + 1, ed->lon_deg, ed->lat_deg, m->min_lon_deg, m->min_lat_deg,
                               m->max_lon_deg, m->max_lat_deg);
                break;
            }
            if (ed->opening_hours && (st = check_hours(ctx, i, ed->opening_hours)) != DORF_OK) {
                break;
            }
            /* Scenario places get negative ids, which no OSM object has. */
            e->places[n++] = (dorf_place){.osm_type = 'n',
                                          .osm_id = -(int64_t)(i + 1),
                                          .category = ed->category,
                                          .osm_key = "scenario",
                                          .osm_value = dorf_category_name(ed->category),
                                          .name = ed->name,
                                          .lon_deg = ed->lon_deg,
                                          .lat_deg = ed->lat_deg,
                                          .opening_hours = ed->opening_hours};
            break;
        }
        case DORF_EDIT_VOLUNTEERS:
            break; /* the pool is coverage's, not the region's (dorf_scenario_pool) */
        case DORF_EDIT_CLOSE_ROAD: {
            if (!e->edges && !(e->edges = dorf_malloc((base->edge_count ? base->edge_count : 1) *
                                                      sizeof *e->edges))) {
                st = dorf_fail(ctx, DORF_ENOMEM, "out of memory applying the scenario");
                break;
            }
            if (e->region.edges != e->edges) {
                memcpy(e->edges, base->edges, base->edge_count * sizeof *e->edges);
                e->region.edges = e->edges;
            }
            size_t hits = 0;
            for (size_t k = 0; k < base->edge_count; k++) {
                if (e->edges[k].osm_way_id == ed->osm_id) {
                    e->edges[k].access_forward &= (uint8_t)~ed->modes;
                    e->edges[k].access_backward &= (uint8_t)~ed->modes;
                    hits++;
                }
            }
            if (hits == 0) {
                st = dorf_fail(ctx, DORF_EINVAL, "edit %zu: no road of the region is way %lld",
                               i + 1, (long long)ed->osm_id);
            }
            break;
        }
        }
    }
    if (st == DORF_OK) {
        size_t kept = 0;
        for (size_t p = 0; p < n; p++) {
            if (!closed[p]) {
                e->places[kept++] = e->places[p];
            }
        }
        e->region.places = e->places;
        e->region.place_count = e->region.place_cap = kept;
        e->region.edge_cap = e->region.edge_count;
    }
    dorf_free(closed);
    if (st != DORF_OK) {
        dorf_scenario_region_free(e);
        return st;
    }
    *out = e;
    return DORF_OK;
}
