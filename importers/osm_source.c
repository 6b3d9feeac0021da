/*
 * osm_source.c: recognising an OSM extract by its content and unpacking gzip.
 *
 * readosm chooses its parser by file name (".osm" or ".pbf") and cannot read gzip, and a
 * user's file may be named anything. So the first bytes decide: gzip (1f 8b) is unpacked with
 * zlib into a private temporary directory; a PBF file starts with a 4-byte header length and
 * the blob type "OSMHeader"; an XML extract starts (after an optional BOM and whitespace)
 * with "<?xml" or "<osm". A file whose name does not match its content is linked under a
 * matching name in the temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dorf/alloc.h"
#include "import_internal.h"

static char *join_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = dorf_malloc(n);
    if (p) {
        snprintf(p, n, "%s/%s", dir, name);
    }
    return p;
}

static dorf_status make_temp_dir(dorf_ctx *ctx, const char *base, char **out) {
    if (!base) {
        base = getenv("TMPDIR");
    }
    if (!base || !*base) {
        base = "/tmp";
    }
    char *tmpl = join_path(base, "dorf-import-XXXXXX");
    if (!tmpl) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    if (!mkdtemp(tmpl)) {
        dorf_status st = dorf_fail(ctx, DORF_EIO, "cannot make a temporary directory in %s: %s",
                                   base, strerror(errno));
        dorf_free(tmpl);
        return st;
    }
    *out = tmpl;
    return DORF_OK;
}

/* Looks at the first bytes: 0 XML, 1 PBF, -1 neither. */
static int sniff(const unsigned char *buf, size_t n) {
    if (n >= 13 && memcmp(buf + 4 + 2, "OSMHeader", 9) == 0 && buf[4] == 0x0a) {
        return OSM_PBF;
    }
    size_t i = 0;
    if (n >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
        i = 3;
    }
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) {
        i++;
    }
    if (n - i >= 5 && (memcmp(buf + i, "<?xml", 5) == 0 || memcmp(buf + i, "<osm", 4) == 0)) {
        return OSM_XML;
    }
    return -1;
}

/* Unpacks `path` (gzip) to `dest`. */
static dorf_status gunzip(dorf_ctx *ctx, const char *path, const char *dest) {
    gzFile in = gzopen(path, "rb");
    if (!in) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    FILE *out = fopen(dest, "wb");
    if (!out) {
        gzclose(in);
        return dorf_fail(ctx, DORF_EIO, "%s: cannot write: %s", dest, strerror(errno));
    }
    dorf_status st = DORF_OK;
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        int n = gzread(in, buf, sizeof buf);
        if (n < 0) {
            int errnum = 0;
            const char *msg = gzerror(in, &errnum);
            st = dorf_fail(ctx, DORF_EPARSE,
                           "%s: corrupt gzip data after %llu bytes (%s); download the extract "
                           "again",
                           path, (unsigned long long)total, msg);
            break;
        }
        if (n == 0) {
            /* gzread reports a truncated stream as a clean end; gzclose_r tells the truth. */
            break;
        }
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
            st = dorf_fail(ctx, DORF_EIO, "%s: cannot write: %s", dest, strerror(errno));
            break;
        }
        total += (uint64_t)n;
        dorf_progress(ctx, "unpacking", total, 0);
        if (dorf_ctx_interrupted(ctx)) {
            st = dorf_fail(ctx, DORF_EINTR, "interrupted while unpacking %s", path);
            break;
        }
    }
    int gz_rc = gzclose_r(in);
    if (st == DORF_OK && gz_rc == Z_BUF_ERROR) {
        st = dorf_fail(ctx, DORF_EPARSE,
                       "%s: the gzip file is truncated (ends after %llu unpacked bytes); "
                       "download the extract again",
                       path, (unsigned long long)total);
    } else if (st == DORF_OK && gz_rc != Z_OK) {
        st = dorf_fail(ctx, DORF_EPARSE, "%s: corrupt gzip data", path);
    }
    if (fclose(out) != 0 && st == DORF_OK) {
        st = dorf_fail(ctx, DORF_EIO, "%s: cannot write: %s", dest, strerror(errno));
    }
    return st;
}

static dorf_status read_head(dorf_ctx *ctx, const char *path, unsigned char *buf, size_t cap,
                             size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return dorf_fail(ctx, errno == ENOENT ? DORF_ENOTFOUND : DORF_EIO, "%s: %s", path,
                         strerror(errno));
    }
    *n = fread(buf, 1, cap, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        return dorf_fail(ctx, DORF_EIO, "%s: cannot read", path);
    }
    return DORF_OK;
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

dorf_status osm_source_open(dorf_ctx *ctx, const char *path, const char *temp_dir,
                            struct osm_source *out) {
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        return dorf_fail(ctx, errno == ENOENT ? DORF_ENOTFOUND : DORF_EIO,
                         "%s: %s; pass the path of an .osm, .osm.pbf or .osm.gz extract", path,
                         strerror(errno));
    }
    if (!S_ISREG(sb.st_mode)) {
        return dorf_fail(ctx, DORF_EINVAL, "%s is not a file; pass an OSM extract", path);
    }
    unsigned char head[64];
    size_t n = 0;
    dorf_status st = read_head(ctx, path, head, sizeof head, &n);
    if (st != DORF_OK) {
        return st;
    }
    if (n == 0) {
        return dorf_fail(ctx, DORF_EPARSE, "%s is empty; pass an OSM extract", path);
    }
    const char *readable = path;
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        if ((st = make_temp_dir(ctx, temp_dir, &out->temp_dir)) != DORF_OK) {
            return st;
        }
        char *unpacked = join_path(out->temp_dir, "extract.unpacked");
        if (!unpacked) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
            goto fail;
        }
        st = gunzip(ctx, path, unpacked);
        if (st == DORF_OK) {
            st = read_head(ctx, unpacked, head, sizeof head, &n);
        }
        out->path = unpacked;
        if (st != DORF_OK) {
            goto fail;
        }
        readable = unpacked;
    }
    int format = sniff(head, n);
    if (format < 0) {
        st = dorf_fail(ctx, DORF_EPARSE,
                       "%s is not an OpenStreetMap extract (neither OSM XML nor PBF); pass an "
                       ".osm, .osm.pbf or .osm.gz file",
                       path);
        goto fail;
    }
    out->format = (enum osm_format)format;
    const char *want = format == OSM_PBF ? ".pbf" : ".osm";
    if (has_suffix(readable, want)) {
        if (!(out->path = dorf_strdup(readable))) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
            goto fail;
        }
        return DORF_OK;
    }
    /* Give the file the name its content calls for, as readosm and OGR choose by name. */
    if (!out->temp_dir && (st = make_temp_dir(ctx, temp_dir, &out->temp_dir)) != DORF_OK) {
        goto fail;
    }
    char *named = join_path(out->temp_dir, format == OSM_PBF ? "extract.osm.pbf" : "extract.osm");
    if (!named) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory");
        goto fail;
    }
    char *target = readable == path ? realpath(path, NULL) : NULL;
    int rc = readable == path ? (target ? symlink(target, named) : -1) : rename(readable, named);
    free(target);
    if (rc != 0) {
        st = dorf_fail(ctx, DORF_EIO, "cannot prepare %s for reading: %s", path, strerror(errno));
        dorf_free(named);
        goto fail;
    }
    dorf_free(out->path);
    out->path = named;
    return DORF_OK;

fail:
    osm_source_close(out);
    return st;
}

void osm_source_close(struct osm_source *src) {
    if (src->temp_dir) {
        static const char *const names[] = {"extract.unpacked", "extract.osm", "extract.osm.pbf"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char *p = join_path(src->temp_dir, names[i]);
            if (p) {
                unlink(p);
                dorf_free(p);
            }
        }
        rmdir(src->temp_dir);
        dorf_free(src->temp_dir);
    }
    dorf_free(src->path);
    memset(src, 0, sizeof *src);
}
