/*
 * dorf/api.h: `dorf serve`, the HTTP server of the village platform.
 *
 * The server runs libmicrohttpd with its own pool of threads, answers JSON (jansson) on the
 * endpoints of the platform and runs long work on worker threads reached by a job URL
 * (docs/api.md describes the protocol: limits, error bodies, authentication, access log).
 * Every request gets a store connection of its own from a pool opened at start, so handlers
 * never share a database connection.
 */
#ifndef DORF_API_H
#define DORF_API_H

#include <stddef.h>
#include <stdio.h>

#include "dorf/context.h"
#include "dorf/scenarios.h"
#include "dorf/tables.h"

typedef struct dorf_server dorf_server;

/* How the server listens and what it allows. Zero fields take the defaults named here. */
typedef struct dorf_server_options {
    const char *db;                  /* the region database (required): path or URI */
    const char *host;                /* address to bind; NULL: "127.0.0.1" */
    unsigned port;                   /* TCP port; 0: any free port (see dorf_server_port) */
    unsigned threads;                /* request threads; 0: 4 */
    unsigned max_connections;        /* open connections in all; 0: 4096, or fewer to fit
                                        the hard limit on open files (ulimit -Hn) */
    unsigned max_connections_per_ip; /* open connections from one address; 0: 32 */
    size_t max_body_bytes;           /* largest request body; 0: 1 MiB (1048576) */
    unsigned max_json_depth;         /* deepest nesting of arrays and objects; 0: 32 */
    unsigned connection_timeout_s;   /* idle connections are closed after this; 0: 30 */
    FILE *access_log;                /* one JSON line per request; NULL: no access log */
    unsigned login_limit;            /* logins per minute from one address; 0: 10 */
    unsigned write_limit; /* writes (POST, PUT, PATCH, DELETE) per minute from one address;
                             0: 600; UINT_MAX: no limit */
    const char *web_dir;  /* the portal's files (docs/portal.md), served on paths no route
                             takes; NULL: $DORF_WEB_DIR, else the source tree's web/; "": none */
    /* Research exports (POST /api/exports, docs/export.md): the GDAL table writer, the
       dorf-gdal.so module's (NULL: exports answer 503), and where they go (NULL: the
       database's path with ".exports"; the string is kept, not copied, like web_dir's: it must
       stay valid until dorf_server_stop). */
    dorf_tables_write_fn write_tables;
    const char *export_dir;
    /* A streaming replica of db (PostgreSQL only, docs/scaling.md) for the GETs that anyone may
       make, or NULL; those reads go to db while it does not answer. */
    const char *read_db;
} dorf_server_options;

/* Sets every field of *options to its default (db NULL, access_log NULL). */
void dorf_server_options_init(dorf_server_options *options);

/*
 * Opens the store connections (one per request thread and one per job worker, each with
 * a context of its own), binds the address and starts serving in background threads. On
 * PostgreSQL it also listens for the live updates of other nodes on the same database and, with
 * read_db, opens a replica connection per request thread (a replica that does not answer is
 * no error: its reads go to db until it does).
 * `ctx` receives the error message of a failure and is not kept. `options` is copied; the
 * access log FILE stays the caller's and must stay open until dorf_server_stop returns.
 * *out is stopped and freed with dorf_server_stop(). Errors: DORF_EINVAL (bad options or
 * an address that does not resolve), DORF_ENOTFOUND (no such database), DORF_EVERSION,
 * DORF_EIO (cannot open the store or bind the address), DORF_ENOMEM.
 */
dorf_status dorf_server_start(dorf_ctx *ctx, const dorf_server_options *options, dorf_server **out);

/* The TCP port the server listens on (the one chosen when 0 was asked). */
unsigned dorf_server_port(const dorf_server *server);

/*
 * Stops gracefully: stops accepting connections, lets the requests in flight finish (for
 * at most the connection timeout), runs every job already accepted to its end, then closes
 * the store connections and frees the server. Accepts NULL.
 */
void dorf_server_stop(dorf_server *server);

/*
 * The OpenAPI 3 document of the API (every route the server answers, with the roles it
 * needs), as indented JSON with sorted keys: what GET /api serves and docs/openapi.json
 * holds. malloc'ed, free() it; NULL out of memory.
 */
char *dorf_api_openapi(void);

#endif
