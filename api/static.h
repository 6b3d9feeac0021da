/*
 * static.h: the portal's files (web/), served by `dorf serve` on every GET or HEAD path that
 * no API route takes (docs/portal.md).
 *
 * A path is mapped to a file by api_static_map_path(), a pure function over the decoded URL
 * path that accepts only plain segments (letters, digits and ._~@+-, none starting with a
 * dot), so ".." and its encodings, backslashes, NUL, hidden files and node_modules cannot be
 * named. The file is then opened one directory at a time below the portal directory with
 * O_NOFOLLOW, so a symbolic link anywhere below it is refused too, wherever it points.
 */
#ifndef DORF_API_STATIC_H
#define DORF_API_STATIC_H

#include <stddef.h>

#include "api_internal.h"

typedef struct api_static api_static;

/* URL prefix under which MapLibre GL JS's dist files are served, and where they lie. */
#define API_STATIC_VENDOR_PREFIX "/vendor/maplibre-gl/"
#define API_STATIC_VENDOR_DIR "node_modules/maplibre-gl/dist/"

/*
 * The portal directory used when `dorf serve` is given none: the environment variable
 * DORF_WEB_DIR when set and not empty, else the source tree's web/ folder compiled in.
 * The string is not to be freed.
 */
const char *api_static_default_dir(void);

/*
 * Prepares serving `dir` (copied; NULL or "" serves no portal). A directory that does not
 * exist or lacks index.html is not an error: the API works without it, `/` then answers a
 * page saying how to build the portal, and a warning goes to stderr. Returns NULL only when
 * out of memory. Free with api_static_free (accepts NULL).
 */
api_static *api_static_new(const char *dir);
void api_static_free(api_static *st);

/* What api_static_map_path found. */
typedef enum api_static_kind {
    API_STATIC_FILE,   /* one of the portal's own files */
    API_STATIC_VENDOR, /* a file of an npm package (long caching when versioned) */
    API_STATIC_BAD,    /* a path that can name no file: 400 */
} api_static_kind;

/*
 * Maps the decoded URL path `path` (without query string) to a file path relative to the
 * portal directory, written to `out` (of `out_size` bytes, NUL-terminated): "/" and any path
 * ending in "/" name that folder's index.html, API_STATIC_VENDOR_PREFIX maps to
 * API_STATIC_VENDOR_DIR. Returns API_STATIC_BAD for a path that does not start with '/',
 * has an empty, "." or ".." segment, a segment starting with '.', a byte outside
 * [A-Za-z0-9._~@+-] in a segment, a segment "node_modules", or does not fit `out`.
 */
api_static_kind api_static_map_path(const char *path, char *out, size_t out_size);

/*
 * The Content-Type of a file by its extension ("text/html; charset=utf-8" ...), or NULL for
 * an extension the portal does not serve.
 */
const char *api_static_content_type(const char *file);

/*
 * Answers a request for a path no API route matched. GET and HEAD outside /api, /ogc,
 * /tiles and /health are served from the portal directory, with Content-Type, Cache-Control
 * and an ETag (304 when If-None-Match names it); a missing file answers a small HTML 404
 * page. Everything else answers 404 with the API's JSON error body. Uses req->method,
 * req->path and req->connection (for headers) only.
 */
void api_static_answer(const api_static *st, const api_request *req, api_response *res);

#endif
