/*
 * osm_xml.c: reading OSM XML (https://wiki.openstreetmap.org/wiki/OSM_XML) with expat.
 *
 * Only the elements the importer uses are read: node (id, lat, lon), way (id, nd refs),
 * relation (id, members) and their tags. Every attribute is checked before use, so a
 * malformed extract gives an error naming the line instead of a crash; a document that ends
 * early is reported as truncated. Strings of elements live in an arena that is reset every
 * 4096 elements, so memory stays flat however large the file.
 */
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

#define READ_CHUNK (256 * 1024)

enum element { NONE, NODE, WAY, RELATION };

struct xml_state {
    dorf_ctx *ctx;
    const struct osm_handler *h;
    XML_Parser parser;
    dorf_status status;
    enum element current;
    int depth_in_element; /* nesting below the current node/way/relation */
    int64_t id;
    double lon, lat;
    dorf_arena *arena;
    struct osm_tags tags;
    int64_t *refs;
    size_t ref_count, ref_cap;
    struct osm_member *members;
    size_t member_count, member_cap;
    uint64_t elements;
};

static dorf_status fail_at(struct xml_state *s, dorf_status st, const char *what) {
    if (s->status == DORF_OK) {
        s->status = dorf_fail(s->ctx, st, "line %lu: %s",
                              (unsigned long)XML_GetCurrentLineNumber(s->parser), what);
    }
    XML_StopParser(s->parser, XML_FALSE);
    return s->status;
}

static const char *attr(const XML_Char **atts, const char *name) {
    for (int i = 0; atts[i]; i += 2) {
        if (strcmp(atts[i], name) == 0) {
            return atts[i + 1];
        }
    }
    return NULL;
}

static int parse_id(const char *text, int64_t *out) {
    if (!text || !*text) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end) {
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_degrees(const char *text, double limit, double *out) {
    if (!text || !*text) {
        return 0;
    }
    char *end = NULL;
    double v = strtod(text, &end);
    if (*end || !isfinite(v) || v < -limit || v > limit) {
        return 0;
    }
    *out = v;
    return 1;
}

static void begin_element(struct xml_state *s, enum element e, const XML_Char **atts) {
    static const char *const names[] = {"", "<node>", "<way>", "<relation>"};
    char msg[96];
    if (!parse_id(attr(atts, "id"), &s->id)) {
        snprintf(msg, sizeof msg, "%s without a numeric id attribute", names[e]);
        fail_at(s, DORF_EPARSE, msg);
        return;
    }
    if (e == NODE) {
        const char *lat = attr(atts, "lat"), *lon = attr(atts, "lon");
        const char *visible = attr(atts, "visible");
        if (visible && strcmp(visible, "false") == 0) {
            s->current = NONE; /* a deleted node in a history extract: not part of the map */
            s->depth_in_element = 1;
            return;
        }
        if (!parse_degrees(lat, 90, &s->lat) || !parse_degrees(lon, 180, &s->lon)) {
            snprintf(msg, sizeof msg, "<node id=\"%lld\"> without a valid lat and lon",
                     (long long)s->id);
            fail_at(s, DORF_EPARSE, msg);
            return;
        }
    }
    s->current = e;
    s->depth_in_element = 1;
    s->tags.count = 0;
    s->ref_count = 0;
    s->member_count = 0;
}

static void add_child(struct xml_state *s, const XML_Char *name, const XML_Char **atts) {
    if (strcmp(name, "tag") == 0) {
        const char *k = attr(atts, "k"), *v = attr(atts, "v");
        if (!k || !v) {
            fail_at(s, DORF_EPARSE, "<tag> without both k and v attributes");
            return;
        }
        char *kc = dorf_arena_strdup(s->arena, k), *vc = dorf_arena_strdup(s->arena, v);
        if (!kc || !vc || osm_tags_add(&s->tags, kc, vc) != 0) {
            fail_at(s, DORF_ENOMEM, "out of memory reading tags");
        }
    } else if (strcmp(name, "nd") == 0 && s->current == WAY) {
        int64_t ref;
        if (!parse_id(attr(atts, "ref"), &ref)) {
            fail_at(s, DORF_EPARSE, "<nd> without a numeric ref attribute");
            return;
        }
        if (dorf_grow((void **)&s->refs, &s->ref_cap, s->ref_count + 1, sizeof *s->refs) != 0) {
            fail_at(s, DORF_ENOMEM, "out of memory reading a way");
            return;
        }
        s->refs[s->ref_count++] = ref;
    } else if (strcmp(name, "member") == 0 && s->current == RELATION) {
        const char *type = attr(atts, "type"), *role = attr(atts, "role");
        struct osm_member m = {0};
        if (!type ||
            (strcmp(type, "node") != 0 && strcmp(type, "way") != 0 &&
             strcmp(type, "relation") != 0) ||
            !parse_id(attr(atts, "ref"), &m.id)) {
            fail_at(s, DORF_EPARSE, "<member> without a type (node, way, relation) and ref");
            return;
        }
        m.type = type[0];
        m.role = dorf_arena_strdup(s->arena, role ? role : "");
        if (!m.role || dorf_grow((void **)&s->members, &s->member_cap, s->member_count + 1,
                                 sizeof *s->members) != 0) {
            fail_at(s, DORF_ENOMEM, "out of memory reading a relation");
            return;
        }
        s->members[s->member_count++] = m;
    }
}

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **atts) {
    struct xml_state *s = user;
    if (s->depth_in_element > 0) {
        s->depth_in_element++;
        if (s->current != NONE && s->depth_in_element == 2) {
            add_child(s, name, atts);
        }
        return;
    }
    if (strcmp(name, "node") == 0) {
        begin_element(s, NODE, atts);
    } else if (strcmp(name, "way") == 0) {
        begin_element(s, WAY, atts);
    } else if (strcmp(name, "relation") == 0) {
        begin_element(s, RELATION, atts);
    }
}

static void XMLCALL on_end(void *user, const XML_Char *name) {
    struct xml_state *s = user;
    (void)name;
    if (s->depth_in_element == 0 || --s->depth_in_element > 0) {
        return;
    }
    dorf_status st = DORF_OK;
    const struct osm_handler *h = s->h;
    if (s->current == NODE && h->node) {
        struct osm_node_elem n = {s->id, s->lon, s->lat, &s->tags};
        st = h->node(h->user, &n);
    } else if (s->current == WAY && h->way) {
        struct osm_way_elem w = {s->id, s->refs, s->ref_count, &s->tags};
        st = h->way(h->user, &w);
    } else if (s->current == RELATION && h->relation) {
        struct osm_relation_elem r = {s->id, s->members, s->member_count, &s->tags};
        st = h->relation(h->user, &r);
    }
    s->current = NONE;
    if (st != DORF_OK) {
        s->status = st;
        XML_StopParser(s->parser, XML_FALSE);
        return;
    }
    if (++s->elements % 4096 == 0) {
        dorf_arena_free(s->arena);
        if (!(s->arena = dorf_arena_new())) {
            fail_at(s, DORF_ENOMEM, "out of memory");
        }
    }
}

dorf_status osm_read_xml(dorf_ctx *ctx, const char *path, const struct osm_handler *h) {
    struct xml_state s = {.ctx = ctx, .h = h};
    FILE *f = fopen(path, "rb");
    char *buf = dorf_malloc(READ_CHUNK);
    s.arena = dorf_arena_new();
    s.parser = XML_ParserCreate(NULL);
    dorf_status st = DORF_OK;
    if (!f) {
        st = dorf_fail(ctx, DORF_EIO, "cannot open: %s", strerror(errno));
        goto done;
    }
    if (!buf || !s.arena || !s.parser) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading OSM XML");
        goto done;
    }
    XML_SetUserData(s.parser, &s);
    XML_SetElementHandler(s.parser, on_start, on_end);
    for (;;) {
        size_t n = fread(buf, 1, READ_CHUNK, f);
        if (ferror(f)) {
            st = dorf_fail(ctx, DORF_EIO, "read error: %s", strerror(errno));
            break;
        }
        int final = n < READ_CHUNK && feof(f);
        if (XML_Parse(s.parser, buf, (int)n, final) != XML_STATUS_OK) {
            if (s.status != DORF_OK) {
                st = s.status;
            } else if (final && (XML_GetErrorCode(s.parser) == XML_ERROR_NO_ELEMENTS ||
                                 XML_GetErrorCode(s.parser) == XML_ERROR_UNCLOSED_TOKEN ||
                                 XML_GetErrorCode(s.parser) == XML_ERROR_PARTIAL_CHAR)) {
                st =
                    dorf_fail(ctx, DORF_EPARSE, "line %lu: the OSM XML ends early (truncated?): %s",
                              (unsigned long)XML_GetCurrentLineNumber(s.parser),
                              XML_ErrorString(XML_GetErrorCode(s.parser)));
            } else {
                st = dorf_fail(ctx, DORF_EPARSE, "line %lu, column %lu: malformed OSM XML: %s",
                               (unsigned long)XML_GetCurrentLineNumber(s.parser),
                               (unsigned long)XML_GetCurrentColumnNumber(s.parser),
                               XML_ErrorString(XML_GetErrorCode(s.parser)));
            }
            break;
        }
        if (final) {
            break;
        }
    }

done:
    if (f) {
        fclose(f);
    }
    if (s.parser) {
        XML_ParserFree(s.parser);
    }
    dorf_free(buf);
    dorf_free(s.refs);
    dorf_free(s.members);
    osm_tags_release(&s.tags);
    dorf_arena_free(s.arena);
    return st;
}
