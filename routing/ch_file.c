/*
 * ch_file.c: the contraction hierarchy's block, its cache file `<db>.<mode>.ch` and opening
 * (load, or build and save).
 *
 * The file is the block as it is in memory (as the graph cache, graph.c): a header with a
 * magic string, the layout version, the mode, the fingerprint of the graph's region and the
 * graph's node and arc counts, then the arrays at the offsets the header gives. Loading maps
 * it and checks everything a search or an unpacking relies on before use: the ranks form a
 * permutation, every edge points upwards within range, every graph arc named matches its
 * ends and time, and every shortcut's two halves exist, skip a lower node and add up to its
 * time. A file that fails any check is refused, never trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ch_internal.h"
#include "dorf/alloc.h"

static const size_t elem_size[CA_COUNT] = {
    [CA_RANK] = 4,       [CA_UP_FIRST] = 4,  [CA_UP_EDGE] = 8,  [CA_UP_MID] = 4,
    [CA_DOWN_FIRST] = 4, [CA_DOWN_EDGE] = 8, [CA_DOWN_MID] = 4,
};

static uint64_t array_length(const struct ch_header *h, int a) {
    switch (a) {
    case CA_RANK:
        return h->node_count;
    case CA_UP_FIRST:
    case CA_DOWN_FIRST:
        return (uint64_t)h->node_count + 1;
    case CA_UP_EDGE:
    case CA_UP_MID:
        return h->up_count;
    default:
        return h->down_count;
    }
}

uint64_t ch_layout(struct ch_header *h) {
    uint64_t at = (sizeof *h + 7) & ~(uint64_t)7;
    for (int a = 0; a < CA_COUNT; a++) {
        h->offset[a] = at;
        at += (array_length(h, a) * elem_size[a] + 7) & ~(uint64_t)7;
    }
    h->total_size = at;
    return at;
}

void ch_bind_arrays(dorf_ch *ch) {
    const char *base = (const char *)ch->hdr;
    const struct ch_header *h = ch->hdr;
    ch->node_count = h->node_count;
    ch->rank = (const uint32_t *)(base + h->offset[CA_RANK]);
    ch->up_first = (const uint32_t *)(base + h->offset[CA_UP_FIRST]);
    ch->up = (const struct ch_edge *)(base + h->offset[CA_UP_EDGE]);
    ch->up_mid = (const uint32_t *)(base + h->offset[CA_UP_MID]);
    ch->down_first = (const uint32_t *)(base + h->offset[CA_DOWN_FIRST]);
    ch->down = (const struct ch_edge *)(base + h->offset[CA_DOWN_EDGE]);
    ch->down_mid = (const uint32_t *)(base + h->offset[CA_DOWN_MID]);
}

void dorf_ch_free(dorf_ch *ch) {
    if (!ch) {
        return;
    }
    if (ch->mapped) {
        munmap(ch->hdr, ch->block_size);
    } else {
        dorf_free(ch->hdr);
    }
    dorf_free(ch);
}

uint32_t dorf_ch_shortcut_count(const dorf_ch *ch) {
    return ch->hdr->shortcut_count;
}

size_t dorf_ch_memory_bytes(const dorf_ch *ch) {
    return ch->block_size;
}

dorf_status dorf_ch_save(dorf_ctx *ctx, const dorf_ch *ch, const char *path) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        return dorf_fail(ctx, DORF_EINVAL, "hierarchy cache path too long");
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot write the hierarchy cache: %s", tmp,
                         strerror(errno));
    }
    /* The header goes out with the payload's checksum; the block in memory stays as it is. */
    struct ch_header h = *ch->hdr;
    const unsigned char *payload = (const unsigned char *)ch->hdr + sizeof h;
    h.payload_crc = (uint32_t)crc32_z(0, payload, ch->block_size - sizeof h);
    int ok = fwrite(&h, 1, sizeof h, f) == sizeof h &&
             fwrite(payload, 1, ch->block_size - sizeof h, f) == ch->block_size - sizeof h;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        dorf_status st = dorf_fail(ctx, DORF_EIO, "%s: cannot write the hierarchy cache: %s", path,
                                   strerror(errno));
        unlink(tmp);
        return st;
    }
    return DORF_OK;
}

/* Checks the index of one side and the ends of its edges: `up` edges leave node x upwards,
 * `down` ones arrive at it from above. */
static int bad_index(const dorf_ch *ch, int up) {
    const uint32_t *first = up ? ch->up_first : ch->down_first;
    const struct ch_edge *edges = up ? ch->up : ch->down;
    uint32_t count = up ? ch->hdr->up_count : ch->hdr->down_count;
    if (first[0] != 0 || first[ch->node_count] != count) {
        return 1;
    }
    for (uint32_t x = 0; x < ch->node_count; x++) {
        if (first[x] > first[x + 1]) {
            return 1;
        }
        for (uint32_t e = first[x]; e < first[x + 1]; e++) {
            if (edges[e].other <= x || edges[e].other >= ch->node_count) {
                return 1;
            }
        }
    }
    return 0;
}

/* Checks what the edges of one side stand for: a graph arc, or two edges via a lower node. */
static int bad_edges(const dorf_ch *ch, int up) {
    const dorf_graph *g = ch->g;
    const uint32_t *first = up ? ch->up_first : ch->down_first;
    const struct ch_edge *edges = up ? ch->up : ch->down;
    const uint32_t *mids = up ? ch->up_mid : ch->down_mid;
    for (uint32_t x = 0; x < ch->node_count; x++) {
        for (uint32_t e = first[x]; e < first[x + 1]; e++) {
            uint32_t y = edges[e].other, mid = mids[e];
            uint32_t from = up ? x : y, to = up ? y : x;
            if (!(mid & CH_SHORTCUT)) {
                if (mid >= g->arc_count || ch->rank[g->tail[mid]] != from ||
                    ch->rank[g->head[mid]] != to || g->weight[mid] != edges[e].weight) {
                    return 1;
                }
                continue;
            }
            /* The middle lies below both ends, so unpacking always ends; that the halves exist
             * and add up is left to the checksum (unpacking reports a missing half anyway),
             * since looking them up for every shortcut costs more than the search. */
            if ((mid & ~CH_SHORTCUT) >= x) {
                return 1;
            }
        }
    }
    return 0;
}

/* Checks a mapped block, bound to `ch`, before any of it is used. */
static dorf_status validate(dorf_ctx *ctx, const char *path, dorf_ch *ch, size_t size) {
    const struct ch_header *h = ch->hdr;
    const dorf_graph *g = ch->g;
    if (size < sizeof *h || memcmp(h->magic, CH_MAGIC, sizeof CH_MAGIC) != 0) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is not a dorf hierarchy cache", path);
    }
    if (h->layout_version != CH_LAYOUT_VERSION || h->fingerprint != g->hdr->fingerprint ||
        h->mode != (uint32_t)g->mode || h->node_count != g->node_count ||
        h->arc_count != g->arc_count) {
        return dorf_fail(ctx, DORF_EVERSION, "%s belongs to another graph, region or dorf version",
                         path);
    }
    struct ch_header expect = *h;
    if (h->total_size != size || ch_layout(&expect) != size ||
        memcmp(expect.offset, h->offset, sizeof h->offset) != 0) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is damaged (sizes do not match)", path);
    }
    const unsigned char *payload = (const unsigned char *)h + sizeof *h;
    if ((uint32_t)crc32_z(0, payload, size - sizeof *h) != h->payload_crc) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is damaged (its checksum does not match)", path);
    }
    ch_bind_arrays(ch);
    uint8_t *seen = dorf_calloc(ch->node_count ? ch->node_count : 1, 1);
    if (!seen) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory checking %s", path);
    }
    int bad = 0;
    for (uint32_t v = 0; v < ch->node_count && !bad; v++) {
        bad = ch->rank[v] >= ch->node_count || seen[ch->rank[v]];
        if (!bad) {
            seen[ch->rank[v]] = 1;
        }
    }
    dorf_free(seen);
    if (bad || bad_index(ch, 1) || bad_index(ch, 0) || bad_edges(ch, 1) || bad_edges(ch, 0)) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is damaged (an edge or index is invalid)", path);
    }
    return DORF_OK;
}

dorf_status dorf_ch_load(dorf_ctx *ctx, const dorf_graph *graph, const char *path, dorf_ch **out) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return dorf_fail(ctx, errno == ENOENT ? DORF_ENOTFOUND : DORF_EIO, "%s: %s", path,
                         strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < (off_t)sizeof(struct ch_header)) {
        close(fd);
        return dorf_fail(ctx, DORF_EPARSE, "%s is not a dorf hierarchy cache", path);
    }
    size_t size = (size_t)sb.st_size;
    void *block = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (block == MAP_FAILED) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot map: %s", path, strerror(errno));
    }
    dorf_ch *ch = dorf_calloc(1, sizeof *ch);
    if (!ch) {
        munmap(block, size);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    ch->g = graph;
    ch->hdr = block;
    ch->block_size = size;
    ch->mapped = 1;
    dorf_status st = validate(ctx, path, ch, size);
    if (st != DORF_OK) {
        dorf_ch_free(ch);
        return st;
    }
    *out = ch;
    return DORF_OK;
}

dorf_status dorf_ch_open(dorf_ctx *ctx, const dorf_graph *graph, const char *db_path,
                         dorf_ch **out) {
    *out = NULL;
    char path[4096];
    int cached = 0;
    dorf_status st = graph_cache_path(ctx, db_path, graph->mode, "ch", path, sizeof path, &cached);
    if (st != DORF_OK) {
        return st;
    }
    st = cached ? dorf_ch_load(ctx, graph, path, out) : DORF_ENOTFOUND;
    if (st == DORF_OK || st == DORF_ENOMEM) {
        return st;
    }
    if (st != DORF_ENOTFOUND) {
        dorf_log(ctx, DORF_LOG_INFO, "rebuilding the hierarchy cache: %s", dorf_ctx_errmsg(ctx));
    }
    dorf_ctx_clear_error(ctx);
    st = dorf_ch_build(ctx, graph, out);
    if (st == DORF_OK && cached && dorf_ch_save(ctx, *out, path) != DORF_OK) {
        dorf_log(ctx, DORF_LOG_WARN, "%s", dorf_ctx_errmsg(ctx));
        dorf_ctx_clear_error(ctx);
    }
    return st;
}
