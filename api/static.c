/*
 * static.c: serving the portal's static files (static.h).
 *
 * libmicrohttpd hands the handler the URL path already percent-decoded, so "%2e%2e" arrives
 * as ".." and "%5c" as a backslash; api_static_map_path() then allows only plain segments
 * (an allow-list of bytes, no empty, dot or dot-dot segment, no hidden name), which leaves
 * no way to climb out of the directory by name. Opening walks the segments with
 * openat(O_NOFOLLOW) from a descriptor of the portal directory, so no symbolic link below
 * it is followed (a link to elsewhere cannot leak a file), and only regular files are read
 * (O_NONBLOCK keeps a FIFO from blocking the thread). Entity tags are built from the file's
 * inode, size and modification time, as most web servers do (RFC 9110, 8.8.3); a match of
 * If-None-Match answers 304 through api_not_modified().
 */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DORF_WEB_DIR
#define DORF_WEB_DIR "web"
#endif

#define MAX_FILE_BYTES (64u << 20) /* the largest file served (MapLibre's source map: ~4 MB) */
#define MAX_SEGMENTS 16

struct api_static {
    char *dir; /* NULL: no portal configured */
    int ready; /* the directory exists and holds index.html */
};

const char *api_static_default_dir(void) {
    const char *env = getenv("DORF_WEB_DIR");
    return env && *env ? env : DORF_WEB_DIR;
}

api_static *api_static_new(const char *dir) {
    api_static *st = calloc(1, sizeof *st);
    if (!st) {
        return NULL;
    }
    if (!dir || !*dir) {
        return st;
    }
    if (!(st->dir = strdup(dir))) {
        free(st);
        return NULL;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && fstatat(fd, "index.html", &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(sb.st_mode)) {
        st->ready = 1;
    } else {
        fprintf(stderr,
                "dorf serve: warning: no portal in %s (no index.html there); the API works "
                "without it. Build dorf (it runs npm ci in web/) or pass --web DIR\n",
                dir);
    }
    if (fd >= 0) {
        close(fd);
    }
    return st;
}

void api_static_free(api_static *st) {
    if (st) {
        free(st->dir);
        free(st);
    }
}

static int segment_byte_ok(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '@' || c == '+' || c == '-';
}

api_static_kind api_static_map_path(const char *path, char *out, size_t out_size) {
    api_static_kind kind = API_STATIC_FILE;
    size_t used = 0;
    if (!path || path[0] != '/' || out_size == 0) {
        return API_STATIC_BAD;
    }
    const char *p = path;
    static const char vendor[] = API_STATIC_VENDOR_PREFIX;
    if (strncmp(path, vendor, sizeof vendor - 1) == 0) {
        kind = API_STATIC_VENDOR;
        used = sizeof API_STATIC_VENDOR_DIR - 1;
        if (used >= out_size) {
            return API_STATIC_BAD;
        }
        memcpy(out, API_STATIC_VENDOR_DIR, used);
        p = path + sizeof vendor - 2; /* at the '/' that ends the prefix */
    }
    /* p points at a '/': each round takes the segment after it. */
    while (*p == '/') {
        const char *seg = p + 1;
        size_t len = 0;
        while (seg[len] && seg[len] != '/') {
            if (!segment_byte_ok((unsigned char)seg[len])) {
                return API_STATIC_BAD;
            }
            len++;
        }
        if (len == 0 && seg[0] == '\0') {
            /* A trailing '/' (or the bare "/"): that folder's index page. */
            static const char index[] = "index.html";
            if (used + sizeof index > out_size) {
                return API_STATIC_BAD;
            }
            memcpy(out + used, index, sizeof index);
            return kind;
        }
        if (len == 0 || seg[0] == '.' || (len == 12 && memcmp(seg, "node_modules", 12) == 0)) {
            return API_STATIC_BAD; /* "//", ".", "..", hidden names, packages by their path */
        }
        size_t sep = used > 0 && out[used - 1] != '/' ? 1 : 0;
        if (used + sep + len + 1 > out_size) {
            return API_STATIC_BAD;
        }
        if (sep) {
            out[used++] = '/';
        }
        memcpy(out + used, seg, len);
        used += len;
        p = seg + len;
    }
    if (*p != '\0' || used == 0) {
        return API_STATIC_BAD;
    }
    out[used] = '\0';
    return kind;
}

const char *api_static_content_type(const char *file) {
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"txt", "text/plain; charset=utf-8"},
    };
    const char *slash = strrchr(file, '/');
    const char *dot = strrchr(slash ? slash : file, '.');
    if (!dot) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot + 1, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return NULL;
}

/* Whether `path` belongs to the machine-facing endpoints, which answer errors in JSON. */
static int is_api_path(const char *path) {
    static const char *const prefixes[] = {"/api", "/ogc", "/tiles", "/health"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
            return 1;
        }
    }
    return 0;
}

static void html_page(api_response *res, unsigned status, const char *title, const char *text) {
    static const char format[] =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s</title></head>\n<body style=\"font-family: sans-serif; max-width: 40em; "
        "margin: 3em auto; padding: 0 1em; line-height: 1.5\">\n<h1>%s</h1>\n<p>%s</p>\n"
        "<p><a href=\"/\">dorf</a> &middot; <a href=\"/api\">API</a></p>\n</body></html>\n";
    int n = snprintf(NULL, 0, format, title, title, text);
    char *body = n > 0 ? malloc((size_t)n + 1) : NULL;
    res->status = status;
    res->cache_control = "no-cache";
    if (!body) {
        return; /* the status alone still answers */
    }
    snprintf(body, (size_t)n + 1, format, title, title, text);
    res->text = body;
    res->text_size = (size_t)n;
    res->content_type = "text/html; charset=utf-8";
}

static void not_found_page(api_response *res) {
    html_page(res, 404, "Nicht gefunden / Not found",
              "Diese Seite gibt es nicht. / There is no such page.");
}

/*
 * Opens `rel` below the directory `dir` without following any symbolic link. Returns the
 * descriptor, or -1 with errno set (ELOOP for a link, ENOENT, ENOTDIR ...).
 */
static int open_beneath(const char *dir, const char *rel) {
    int at = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (at < 0) {
        return -1;
    }
    char part[1024];
    const char *p = rel;
    for (int depth = 0;; depth++) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= sizeof part || depth >= MAX_SEGMENTS) {
            close(at);
            errno = ENOENT;
            return -1;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK);
        int fd = openat(at, part, flags);
        int saved = errno;
        close(at);
        if (fd < 0 || !slash) {
            errno = saved;
            return fd;
        }
        at = fd;
        p = slash + 1;
    }
}

/* Reads the regular file open as `fd` (of `size` bytes) into a malloc'ed buffer. */
static char *read_all(int fd, size_t size) {
    char *buf = malloc(size ? size : 1);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            free(buf); /* an error, or the file shrank while we read it */
            return NULL;
        }
        got += (size_t)n;
    }
    return buf;
}

void api_static_answer(const api_static *st, const api_request *req, api_response *res) {
    int readable = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (!readable || is_api_path(req->path)) {
        api_error(res, 404, "not_found", "no such resource");
        return;
    }
    if (!st || !st->ready) {
        html_page(res, strcmp(req->path, "/") == 0 ? 503 : 404, "dorf: no portal here",
                  "This server answers the village platform's API (see <a href=\"/api\">/api</a>)"
                  " but has no portal files. Build dorf with CMake (its build runs "
                  "<code>npm ci</code> in <code>web/</code>), or start it with "
                  "<code>dorf serve --web DIR</code> or the environment variable "
                  "<code>DORF_WEB_DIR</code> naming the portal directory.");
        return;
    }
    char rel[1024];
    api_static_kind kind = api_static_map_path(req->path, rel, sizeof rel);
    if (kind == API_STATIC_BAD) {
        html_page(res, 400, "Ungültiger Pfad / Bad path",
                  "Dieser Pfad kann keine Datei des Portals sein. / This path cannot name a file "
                  "of the portal.");
        return;
    }
    const char *type = api_static_content_type(rel);
    int fd = type ? open_beneath(st->dir, rel) : -1;
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (unsigned long long)sb.st_size > MAX_FILE_BYTES) {
        if (fd >= 0) {
            close(fd);
        }
        not_found_page(res);
        return;
    }
    if (kind == API_STATIC_VENDOR && api_query(req, "v")) {
        /* The page names the package version in ?v=, so a new version is a new URL. */
        res->cache_control = "public, max-age=31536000, immutable";
    } else {
        res->cache_control = "no-cache"; /* revalidated with the ETag on every use */
    }
    res->content_type = type;
    char etag[72];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%llx-%lx\"", (unsigned long long)sb.st_ino,
             (unsigned long long)sb.st_size, (unsigned long long)sb.st_mtim.tv_sec,
             (unsigned long)sb.st_mtim.tv_nsec);
    if (api_not_modified(req, res, etag)) {
        close(fd);
        return;
    }
    char *body = read_all(fd, (size_t)sb.st_size);
    close(fd);
    if (!body) {
        fprintf(stderr, "dorf serve: %s/%s: cannot read the file\n", st->dir, rel);
        res->cache_control = NULL;
        res->content_type = NULL;
        res->etag[0] = '\0';
        api_error(res, 500, "internal", "the file could not be read");
        return;
    }
    res->status = 200;
    res->text = body;
    res->text_size = (size_t)sb.st_size;
}
