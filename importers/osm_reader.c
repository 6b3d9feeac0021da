/*
 * osm_reader.c: one way to read the elements of an extract, whatever its format.
 *
 * PBF is read by readosm, whose callbacks are turned into the importer's element structs
 * here; OSM XML is read by osm_xml.c. Either way the handler sees the same elements.
 */
#include <errno.h>
#include <readosm.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

struct pbf_state {
    dorf_ctx *ctx;
    const struct osm_handler *h;
    dorf_status status;
    struct osm_tags tags;
    struct osm_member *members;
    size_t member_cap;
    int64_t *refs;
    size_t ref_cap;
};

static int load_tags(struct pbf_state *s, int count, const readosm_tag *tags) {
    s->tags.count = 0;
    for (int i = 0; i < count; i++) {
        if (osm_tags_add(&s->tags, tags[i].key ? tags[i].key : "",
                         tags[i].value ? tags[i].value : "") != 0) {
            s->status = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading tags");
            return READOSM_ABORT;
        }
    }
    return READOSM_OK;
}

static int on_node(const void *user, const readosm_node *node) {
    struct pbf_state *s = (struct pbf_state *)user;
    if (!s->h->node) {
        return READOSM_OK;
    }
    if (load_tags(s, node->tag_count, node->tags) != READOSM_OK) {
        return READOSM_ABORT;
    }
    struct osm_node_elem n = {node->id, node->longitude, node->latitude, &s->tags};
    if (!(n.lon_deg >= -180 && n.lon_deg <= 180 && n.lat_deg >= -90 && n.lat_deg <= 90)) {
        s->status =
            dorf_fail(s->ctx, DORF_EPARSE, "node %lld has no valid position", (long long)node->id);
        return READOSM_ABORT;
    }
    s->status = s->h->node(s->h->user, &n);
    return s->status == DORF_OK ? READOSM_OK : READOSM_ABORT;
}

static int on_way(const void *user, const readosm_way *way) {
    struct pbf_state *s = (struct pbf_state *)user;
    if (!s->h->way) {
        return READOSM_OK;
    }
    if (load_tags(s, way->tag_count, way->tags) != READOSM_OK) {
        return READOSM_ABORT;
    }
    size_t n = way->node_refs ? (size_t)way->node_ref_count : 0;
    if (dorf_grow((void **)&s->refs, &s->ref_cap, n, sizeof *s->refs) != 0) {
        s->status = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading a way");
        return READOSM_ABORT;
    }
    for (size_t i = 0; i < n; i++) {
        s->refs[i] = way->node_refs[i];
    }
    struct osm_way_elem w = {way->id, s->refs, n, &s->tags};
    s->status = s->h->way(s->h->user, &w);
    return s->status == DORF_OK ? READOSM_OK : READOSM_ABORT;
}

static int on_relation(const void *user, const readosm_relation *rel) {
    struct pbf_state *s = (struct pbf_state *)user;
    if (!s->h->relation) {
        return READOSM_OK;
    }
    if (load_tags(s, rel->tag_count, rel->tags) != READOSM_OK) {
        return READOSM_ABORT;
    }
    size_t n = rel->members ? (size_t)rel->member_count : 0;
    if (dorf_grow((void **)&s->members, &s->member_cap, n, sizeof *s->members) != 0) {
        s->status = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading a relation");
        return READOSM_ABORT;
    }
    for (size_t i = 0; i < n; i++) {
        const readosm_member *m = &rel->members[i];
        s->members[i] = (struct osm_member){m->member_type == READOSM_MEMBER_NODE  ? 'n'
                                            : m->member_type == READOSM_MEMBER_WAY ? 'w'
                                                                                   : 'r',
                                            m->id, m->role ? m->role : ""};
    }
    struct osm_relation_elem r = {rel->id, s->members, n, &s->tags};
    s->status = s->h->relation(s->h->user, &r);
    return s->status == DORF_OK ? READOSM_OK : READOSM_ABORT;
}

static const char *readosm_message(int rc) {
    switch (rc) {
    case READOSM_INSUFFICIENT_MEMORY:
        return "out of memory";
    case READOSM_READ_ERROR:
        return "read error (is the file truncated?)";
    case READOSM_INVALID_PBF_HEADER:
        return "malformed or truncated PBF data";
    case READOSM_UNZIP_ERROR:
        return "corrupt compressed block in the PBF data";
    default:
        return "cannot read it as OSM PBF";
    }
}

/* Limits from the PBF format's specification (wiki.openstreetmap.org/wiki/PBF_Format). */
#define PBF_MAX_HEADER_SIZE (64 * 1024)
#define PBF_MAX_BLOB_SIZE (32 * 1024 * 1024)

/* Reads a protobuf varint from [*p, end); 0 when it runs past the end or over 64 bits. */
static int read_varint(const unsigned char **p, const unsigned char *end, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

/*
 * Finds varint field `field` of a protobuf message, skipping the others. Returns 1 and the
 * value, 0 when absent, -1 when the message is malformed.
 */
static int find_varint_field(const unsigned char *p, const unsigned char *end, uint64_t field,
                             uint64_t *value) {
    int found = 0;
    while (p < end) {
        uint64_t key, v;
        if (!read_varint(&p, end, &key)) {
            return -1;
        }
        switch (key & 7) {
        case 0:
            if (!read_varint(&p, end, &v)) {
                return -1;
            }
            if ((key >> 3) == field) {
                *value = v;
                found = 1;
            }
            break;
        case 2:
            if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p)) {
                return -1;
            }
            p += v;
            break;
        case 1:
            if (end - p < 8) {
                return -1;
            }
            p += 8;
            break;
        case 5:
            if (end - p < 4) {
                return -1;
            }
            p += 4;
            break;
        default:
            return -1;
        }
    }
    return found;
}

/*
 * Walks the file's blob headers and blobs and checks the sizes they declare against the
 * format's limits and the file's length, before readosm trusts them: readosm allocates
 * whatever a (possibly corrupt) size field says and reads past truncated files.
 */
static dorf_status check_pbf_framing(dorf_ctx *ctx, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "cannot open: %s", strerror(errno));
    }
    unsigned char *buf = dorf_malloc(PBF_MAX_BLOB_SIZE);
    dorf_status st = DORF_OK;
    uint64_t offset = 0;
    if (!buf) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory checking the PBF file");
    }
    while (st == DORF_OK) {
        unsigned char len_be[4];
        size_t n = fread(len_be, 1, 4, f);
        if (n == 0 && feof(f)) {
            break;
        }
        uint32_t header_len = (uint32_t)len_be[0] << 24 | (uint32_t)len_be[1] << 16 |
                              (uint32_t)len_be[2] << 8 | len_be[3];
        uint64_t datasize = 0, raw_size = 0;
        if (n != 4 || header_len == 0 || header_len > PBF_MAX_HEADER_SIZE ||
            fread(buf, 1, header_len, f) != header_len) {
            st = dorf_fail(ctx, DORF_EPARSE,
                           "PBF block header at byte %llu is damaged or cut short (truncated "
                           "file?); download the extract again",
                           (unsigned long long)offset);
            break;
        }
        if (find_varint_field(buf, buf + header_len, 3, &datasize) != 1 || datasize == 0 ||
            datasize > PBF_MAX_BLOB_SIZE || fread(buf, 1, datasize, f) != datasize) {
            st = dorf_fail(ctx, DORF_EPARSE,
                           "PBF block at byte %llu is damaged or cut short (truncated file?); "
                           "download the extract again",
                           (unsigned long long)offset);
            break;
        }
        int has_raw_size = find_varint_field(buf, buf + datasize, 2, &raw_size);
        if (has_raw_size < 0 || raw_size > PBF_MAX_BLOB_SIZE) {
            st = dorf_fail(ctx, DORF_EPARSE,
                           "PBF block at byte %llu declares an impossible size; the file is "
                           "damaged",
                           (unsigned long long)offset);
            break;
        }
        offset += 4 + header_len + datasize;
    }
    dorf_free(buf);
    fclose(f);
    return st;
}

static dorf_status read_pbf(dorf_ctx *ctx, const char *path, const struct osm_handler *h) {
    struct pbf_state s = {.ctx = ctx, .h = h};
    const void *handle = NULL;
    dorf_status st = check_pbf_framing(ctx, path);
    if (st != DORF_OK) {
        return st;
    }
    int rc = readosm_open(path, &handle);
    if (rc != READOSM_OK) {
        st = dorf_fail(ctx, DORF_EIO, "readosm cannot open it (%s)", readosm_message(rc));
    } else {
        rc = readosm_parse(handle, &s, on_node, on_way, on_relation);
        if (s.status != DORF_OK) {
            st = s.status;
        } else if (rc != READOSM_OK) {
            st = dorf_fail(ctx, rc == READOSM_INSUFFICIENT_MEMORY ? DORF_ENOMEM : DORF_EPARSE,
                           "%s; the file is damaged or cut short: download the extract again",
                           readosm_message(rc));
        }
    }
    if (handle) {
        readosm_close(handle);
    }
    osm_tags_release(&s.tags);
    dorf_free(s.members);
    dorf_free(s.refs);
    return st;
}

dorf_status osm_read(dorf_ctx *ctx, const struct osm_source *src, const struct osm_handler *h) {
    if (src->format == OSM_PBF) {
        return read_pbf(ctx, src->path, h);
    }
    return osm_read_xml(ctx, src->path, h);
}
