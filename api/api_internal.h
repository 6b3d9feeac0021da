/*
 * api_internal.h: how the HTTP server (server.c) and the endpoint modules (h_*.c) meet.
 *
 * The server owns libmicrohttpd, the limits, the JSON parsing of bodies, authentication of the
 * session token and the access log. An endpoint module exports a table of routes; each route
 * names a method, a path pattern with {parameters}, the roles that may call it and a handler.
 * A handler reads an api_request and fills an api_response, and never writes to the socket
 * itself. Every handler runs on one of the server's threads with a store connection of its
 * own (req->store), so it may block on the database but must not keep state between calls
 * other than through req->server's documented shared parts.
 */
#ifndef DORF_API_INTERNAL_H
#define DORF_API_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/platform.h"
#include "dorf/store.h"

struct MHD_Connection;
typedef struct api_server api_server;

/* The caller, when a valid session token came with the request ("Authorization: Bearer"). */
typedef struct api_user {
    int64_t id;
    unsigned roles; /* DORF_ROLE_* bits */
    char name[128];
} api_user;

#define API_MAX_PARAMS 4

typedef struct api_request {
    const char *method;                 /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;                   /* without the query string */
    const char *params[API_MAX_PARAMS]; /* the {parameters} of the route's pattern, in order */
    size_t param_count;
    json_t *body;         /* the parsed JSON body (object or array), or NULL when there was none */
    const api_user *user; /* NULL when the request carries no valid session */
    const char *token;    /* the session token as sent ("Authorization: Bearer"), or NULL */
    const char *client_ip;
    dorf_store *store; /* this request's connection */
    dorf_ctx *ctx;     /* this request's context (error messages) */
    api_server *server;
    struct MHD_Connection *connection; /* for api_query() */
    int64_t now;                       /* seconds since the epoch when the request arrived */
} api_request;

typedef struct api_response {
    unsigned status; /* HTTP status; 0 means 500 */
    json_t *json;    /* body, owned by the response (the server dumps and frees it) */
    char *text;      /* or a text body, malloc'ed, owned by the response */
    size_t text_size;
    const char *content_type; /* for json: default application/json */
    char location[256];       /* Location header when not empty (201, 202) */
    /*
     * Caching: Cache-Control when set (else "no-store" under /api and /health, nothing
     * elsewhere), and an entity tag sent as ETag when not empty (quoted, as in RFC 9110).
     * A handler that finds the client's copy current answers 304 through api_not_modified().
     */
    const char *cache_control;
    char etag[72];
    /*
     * A streamed body (Server-Sent Events): when `stream` is set, the server answers with
     * libmicrohttpd's MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, ...) and ignores
     * json and text. The callback runs on a server thread after the handler has returned;
     * it writes at most `max` bytes to `buf` and returns how many, or API_STREAM_END to end
     * the body, and must never block: that thread serves other connections too. When it has
     * nothing to send it returns 0, having called MHD_suspend_connection(req->connection) and
     * arranged for MHD_resume_connection to be called when it has (h_posts.c does both with
     * an events hub waiter, events_hub.h); a 0 without suspending is called again at once, a
     * busy loop. Nothing may resume the connection once the response is freed.
     * `stream_free(stream_cls)` is called once when the response is destroyed (also when it
     * was never sent).
     */
    size_t (*stream)(void *cls, uint64_t pos, char *buf, size_t max);
    void *stream_cls;
    void (*stream_free)(void *cls);
    /*
     * A file as the body, when `file_open` is set: libmicrohttpd sends `file_size` bytes of
     * `file_fd` from offset 0 (with sendfile where it can) instead of a copy in memory. The
     * response owns the descriptor from then on and closes it once sent or discarded.
     */
    int file_open;
    int file_fd;
    uint64_t file_size;
} api_response;

/* Returned by api_response.stream to end the body (like MHD_CONTENT_READER_END_OF_STREAM). */
#define API_STREAM_END ((size_t)-1)

typedef void (*api_handler)(api_request *req, api_response *res);

typedef struct api_route {
    const char *method;
    const char *pattern; /* "/api/shops/{id}/products": {x} matches one path segment */
    unsigned roles;      /* 0: anyone, even without a session; else one of these roles */
    api_handler handler;
    const char *summary; /* one line for the OpenAPI document */
} api_route;

/* Sets a JSON error body {"error": {"code": code, "message": ...}} and the status. */
void api_error(api_response *res, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the JSON body (taking the reference) and the status. */
void api_json(api_response *res, unsigned status, json_t *json);

/* A query-string argument, or NULL. */
const char *api_query(const api_request *req, const char *name);

/* A request header (case-insensitive name), or NULL. */
const char *api_header(const api_request *req, const char *name);

/*
 * Sets res->etag to `etag` (quoted, e.g. "\"r1-12-2154-1394\"") and, when the request's
 * If-None-Match names it (or is "*"), answers 304 without a body and returns 1. Else returns
 * 0 and the handler goes on to fill the body.
 */
int api_not_modified(const api_request *req, api_response *res, const char *etag);

/* Parses the path parameter `i` as a positive integer id; 0 when it is not one. */
int64_t api_param_id(const api_request *req, size_t i);

/*
 * Several nodes on one PostgreSQL database (server.c, docs/scaling.md). A handler that made a
 * live update tells the other nodes with api_server_tell_nodes(req, message): `message` is a
 * small JSON object with a "type" ("post", "reply": a post's id in "id"; "forget": an erased
 * author's id in "author"), borrowed; the server adds its node id and sends it after the
 * request's commit. Does nothing on SpatiaLite. Each node's listener hands the messages of
 * the other nodes to api_posts_relay (h_posts.c), on the listener's thread, with a store and a
 * context of its own: it reads the post named and publishes it to this node's hub.
 */
void api_server_tell_nodes(api_request *req, json_t *message);
void api_posts_relay(api_server *server, dorf_store *store, dorf_ctx *ctx, const json_t *message);

#endif
