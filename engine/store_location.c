/*
 * store_location.c: what dorf derives from a store's location without opening it: the
 * location as it may be shown (no password), and where files that belong to a store but are
 * not in it (the routing caches) are kept.
 *
 * A SpatiaLite store is a file, so its derived files go beside it (`<file>.<suffix>`), as they
 * always have. A PostgreSQL store has no folder of its own: its derived files go into the user's
 * cache folder ($DORF_CACHE_DIR, else $XDG_CACHE_HOME/dorf, else $HOME/.cache/dorf, else
 * /tmp/dorf-cache-<uid>), named `pg-<hash>.<suffix>` after a 64-bit FNV-1a hash of the location
 * without its password. Two spellings of one database get two names (and each its own cache);
 * two databases given by the same text (e.g. `postgresql://` with different PG* environment
 * variables) share one name, which is safe because every cache records the stamp of the region
 * it was built from (dorf_store_stamp) and is rebuilt when that does not match.
 *
 * Locations follow libpq's two forms (https://www.postgresql.org/docs/15/libpq-connect.html
 * section 34.1.1): a URI postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]
 * and a keyword string key=value key='quoted \' value' ...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dorf/store.h"
#include "fnv.h"

/* Appends bytes to out (size bytes, always NUL-terminated), cutting what does not fit. */
struct out_buf {
    char *p;
    size_t size;
    size_t len;
};

static void put(struct out_buf *o, const char *s, size_t n) {
    for (size_t i = 0; i < n && o->len + 1 < o->size; i++) {
        o->p[o->len++] = s[i];
    }
    o->p[o->len] = '\0';
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A URI: drops ":password" from the user part and "password=..." from the parameters. */
static void redact_uri(const char *loc, struct out_buf *o) {
    const char *auth = strstr(loc, "://") + 3;
    const char *auth_end = auth + strcspn(auth, "/?");
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++) {
        if (*p == '@') {
            at = p; /* the last one: a host never contains '@' */
        }
    }
    put(o, loc, (size_t)(auth - loc));
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        put(o, auth, (size_t)((colon ? colon : at) - auth));
        auth = at;
    }
    const char *query = strchr(auth_end, '?');
    put(o, auth, (size_t)((query ? query : auth_end + strlen(auth_end)) - auth));
    if (!query) {
        return;
    }
    char sep = '?';
    for (const char *p = query + 1; *p;) {
        size_t n = strcspn(p, "&");
        if (n > 0 && !(n >= 9 && strncmp(p, "password=", 9) == 0)) {
            put(o, &sep, 1);
            put(o, p, n);
            sep = '&';
        }
        p += n + (p[n] == '&');
    }
}

/*
 * A keyword string: drops every password=... item, quoted or not, with the blanks before it;
 * everything else is kept byte for byte.
 */
static void redact_keywords(const char *loc, struct out_buf *o) {
    const char *p = loc;
    int first = 1;
    int dropped = 0;
    while (*p) {
        const char *gap = p;
        while (is_space(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        const char *key = p;
        while (*p && *p != '=' && !is_space(*p)) {
            p++;
        }
        size_t key_len = (size_t)(p - key);
        while (is_space(*p)) {
            p++;
        }
        const int has_value = *p == '=';
        if (!has_value) {
            p = key + key_len; /* the blanks after a lone word belong to the next item */
        } else {
            p++;
            while (is_space(*p)) {
                p++;
            }
        }
        if (!has_value) {
            /* Not libpq's syntax (it refuses it): the word is kept as it is. */
        } else if (*p == '\'') {
            for (p++; *p && *p != '\''; p++) {
                if (*p == '\\' && p[1]) {
                    p++;
                }
            }
            if (*p == '\'') {
                p++;
            }
        } else {
            while (*p && !is_space(*p)) {
                if (*p == '\\' && p[1]) {
                    p++;
                }
                p++;
            }
        }
        if (key_len == 8 && strncmp(key, "password", 8) == 0) {
            dropped = 1;
            continue;
        }
        if (first) {
            gap = key;
        } else if (dropped && gap == key) {
            put(o, " ", 1); /* it followed the dropped item's quote: keep the two apart */
        }
        put(o, gap, (size_t)(p - gap));
        first = 0;
        dropped = 0;
    }
}

const char *dorf_store_redact_location(const char *location, char *out, size_t size) {
    if (size == 0) {
        return out;
    }
    struct out_buf o = {out, size, 0};
    out[0] = '\0';
    if (!location) {
        return out;
    }
    if (!dorf_store_is_postgres(location)) {
        put(&o, location, strlen(location));
    } else if (strstr(location, "://")) {
        redact_uri(location, &o);
    } else {
        redact_keywords(location, &o);
    }
    return out;
}

/* Makes `dir` (mode 0700) unless it is there; 0 when it is a folder now. */
static int make_dir(const char *dir) {
    if (mkdir(dir, 0700) == 0 || errno == EEXIST) {
        struct stat sb;
        return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
    }
    return -1;
}

/* The cache folder, made when missing (with its parent, for ~/.cache); -1 when none works. */
static int cache_dir(dorf_ctx *ctx, char *out, size_t size) {
    const char *env = getenv("DORF_CACHE_DIR");
    if (env && *env) {
        if (snprintf(out, size, "%s", env) >= (int)size || make_dir(out) != 0) {
            dorf_fail(ctx, DORF_EIO,
                      "DORF_CACHE_DIR=%s: cannot use it as the cache folder (%s); point it at a "
                      "writable folder",
                      env, strerror(errno));
            return -1;
        }
        return 0;
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg == '/' && snprintf(out, size, "%s/dorf", xdg) < (int)size &&
        (make_dir(xdg) == 0 && make_dir(out) == 0)) {
        return 0;
    }
    const char *home = getenv("HOME");
    char parent[4096];
    if (home && *home == '/' &&
        snprintf(parent, sizeof parent, "%s/.cache", home) < (int)sizeof parent &&
        snprintf(out, size, "%s/.cache/dorf", home) < (int)size && make_dir(parent) == 0 &&
        make_dir(out) == 0) {
        return 0;
    }
    /* /tmp is shared: the folder must be ours and private, or a stranger could plant caches. */
    snprintf(out, size, "/tmp/dorf-cache-%ld", (long)getuid());
    struct stat sb;
    if (make_dir(out) == 0 && lstat(out, &sb) == 0 && S_ISDIR(sb.st_mode) &&
        sb.st_uid == getuid() && (sb.st_mode & 077) == 0) {
        return 0;
    }
    dorf_fail(ctx, DORF_EIO,
              "no cache folder for the PostgreSQL store's routing caches: set DORF_CACHE_DIR to a "
              "writable folder");
    return -1;
}

dorf_status dorf_store_derived_path(dorf_ctx *ctx, const char *location, const char *suffix,
                                    char *out, size_t size) {
    if (!dorf_store_is_postgres(location)) {
        if (snprintf(out, size, "%s.%s", location, suffix) >= (int)size) {
            return dorf_fail(ctx, DORF_EINVAL, "database path too long");
        }
        return DORF_OK;
    }
    char dir[4096];
    if (cache_dir(ctx, dir, sizeof dir) != 0) {
        return DORF_EIO;
    }
    char safe[4096];
    dorf_store_redact_location(location, safe, sizeof safe);
    uint64_t h = dorf_fnv(DORF_FNV_START, safe, strlen(safe));
    if (snprintf(out, size, "%s/pg-%016llx.%s", dir, (unsigned long long)h, suffix) >= (int)size) {
        return dorf_fail(ctx, DORF_EINVAL, "cache path too long: %s", dir);
    }
    return DORF_OK;
}
