/*
 * osm_tags.c: tag lists, and parsing the "other_tags" field of GDAL's OSM driver.
 *
 * GDAL writes the tags it has no column for as one string in PostgreSQL's hstore text form:
 * `"key"=>"value"` pairs separated by commas, with `"` and `\` inside keys and values escaped
 * by a backslash. The parser here reads exactly that form and nothing looser, because a
 * mis-split tag would silently misclassify a place.
 */
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

const char *osm_tag(const struct osm_tags *tags, const char *key) {
    for (size_t i = 0; i < tags->count; i++) {
        if (strcmp(tags->keys[i], key) == 0) {
            return tags->values[i];
        }
    }
    return NULL;
}

int osm_tag_is_yes(const struct osm_tags *tags, const char *key) {
    const char *v = osm_tag(tags, key);
    return v && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int osm_tags_add(struct osm_tags *tags, const char *key, const char *value) {
    size_t cap = tags->cap;
    if (tags->count + 1 > cap) {
        if (dorf_grow((void **)&tags->keys, &cap, tags->count + 1, sizeof *tags->keys) != 0) {
            return -1;
        }
        size_t vcap = tags->cap;
        if (dorf_grow((void **)&tags->values, &vcap, tags->count + 1, sizeof *tags->values) != 0) {
            return -1;
        }
        tags->cap = cap < vcap ? cap : vcap;
    }
    tags->keys[tags->count] = key;
    tags->values[tags->count] = value;
    tags->count++;
    return 0;
}

void osm_tags_release(struct osm_tags *tags) {
    dorf_free(tags->keys);
    dorf_free(tags->values);
    memset(tags, 0, sizeof *tags);
}

/* Reads one quoted string at *p into the arena; advances *p past the closing quote. */
static dorf_status read_quoted(dorf_ctx *ctx, dorf_arena *arena, const char *text, const char **p,
                               const char **out) {
    const char *s = *p;
    if (*s != '"') {
        return dorf_fail(ctx, DORF_EPARSE, "other_tags: at character %d: expected '\"'",
                         (int)(s - text) + 1);
    }
    s++;
    size_t len = 0;
    const char *q = s;
    while (*q && *q != '"') {
        if (*q == '\\') {
            q++;
            if (!*q) {
                break;
            }
        }
        q++;
        len++;
    }
    if (*q != '"') {
        return dorf_fail(ctx, DORF_EPARSE, "other_tags: at character %d: unterminated string",
                         (int)(s - text));
    }
    char *copy = dorf_arena_alloc(arena, len + 1);
    if (!copy) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading tags");
    }
    char *d = copy;
    while (s < q) {
        if (*s == '\\') {
            s++;
        }
        *d++ = *s++;
    }
    *d = '\0';
    *p = q + 1;
    *out = copy;
    return DORF_OK;
}

dorf_status osm_parse_other_tags(dorf_ctx *ctx, dorf_arena *arena, const char *text,
                                 struct osm_tags *tags) {
    const char *p = text;
    while (*p) {
        const char *key = NULL;
        const char *value = NULL;
        dorf_status st = read_quoted(ctx, arena, text, &p, &key);
        if (st != DORF_OK) {
            return st;
        }
        if (strncmp(p, "=>", 2) != 0) {
            return dorf_fail(ctx, DORF_EPARSE, "other_tags: at character %d: expected '=>'",
                             (int)(p - text) + 1);
        }
        p += 2;
        if ((st = read_quoted(ctx, arena, text, &p, &value)) != DORF_OK) {
            return st;
        }
        if (osm_tags_add(tags, key, value) != 0) {
            return dorf_fail(ctx, DORF_ENOMEM, "out of memory reading tags");
        }
        if (*p == ',') {
            p++;
            if (!*p) {
                return dorf_fail(ctx, DORF_EPARSE, "other_tags: at character %d: trailing ','",
                                 (int)(p - text));
            }
        } else if (*p) {
            return dorf_fail(ctx, DORF_EPARSE, "other_tags: at character %d: expected ','",
                             (int)(p - text) + 1);
        }
    }
    return DORF_OK;
}
