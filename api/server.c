/*
 * server.c: `dorf serve`'s HTTP server (dorf/api.h) on libmicrohttpd.
 *
 * libmicrohttpd runs a pool of threads, each polling its share of the connections (epoll
 * where available) and calling on_request() for each request; the limits on connections,
 * per-address connections and idle time are libmicrohttpd's own options. on_request() is
 * called first when the headers are in (the body's size is checked there, so an oversized
 * upload is refused before it is read), then once per piece of the body, and a last time
 * when the body is complete: only then does the request run, in this order: route (404,
 * 405), size (413), authentication (401, 403), content type (415), JSON (400), handler.
 * Each running request borrows one store connection and its context from a pool of as many
 * as there are threads, so a connection is never used by two requests at once.
 * The access log line is written when libmicrohttpd reports the request completed.
 * HTTP semantics follow RFC 9110 (status codes, Allow on 405, WWW-Authenticate on 401).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "dorf/api.h"
#include "dorf/notify.h"
#include "events_hub.h"
#include "jobs.h"
#include "json_util.h"
#include "openapi.h"
#include "ratelimit.h"
#include "router.h"
#include "routes.h"
#include "static.h"
#include "tiles.h"
#include "travel.h"

/* libmicrohttpd's memory per connection, where the request line and headers must fit. */
#define CONNECTION_MEMORY_BYTES (32u * 1024u)

/* One store connection with the context its errors go to. */
struct pool_slot {
    dorf_store *store;
    dorf_store *read_store; /* on the read replica (--read-db); NULL until opened */
    unsigned read_epoch;    /* the replica's epoch when read_store was opened */
    dorf_ctx *ctx;
    int busy;
};

/* The PostgreSQL topic on which the nodes of one database tell each other of live updates. */
#define NODES_TOPIC "dorf_events"

/* The Retry-After of a 503 while the database does not answer. */
#define DATABASE_RETRY_S 5

/* How often a replica that stopped answering is tried again. */
#define REPLICA_RETRY_MS 1000

struct api_server {
    dorf_server_options opt;
    char *db;
    char *host;
    struct sockaddr_storage addr;
    struct MHD_Daemon *daemon;
    unsigned port;

    pthread_mutex_t pool_lock;
    pthread_cond_t pool_free;
    struct pool_slot *slots;
    unsigned slot_count;

    pthread_mutex_t log_lock;

    /* Requests between their first call and their completion, for the graceful stop. */
    pthread_mutex_t flight_lock;
    pthread_cond_t flight_done;
    unsigned in_flight;

    api_jobs *jobs;
    api_events_hub *events; /* DorfFunk live updates (events_hub.h) */
    api_ratelimit *limits;  /* logins and writes per address (ratelimit.h) */
    json_t *openapi;        /* the document GET /api serves (openapi.c) */
    api_travel *travel;     /* road graphs for sort=travel_time (travel.h) */
    api_static *web;        /* the portal's files, for paths no route takes (static.h) */
    api_tiles *tiles;       /* vector tiles: the base map in memory, a cache (tiles.h) */

    /* Open TCP connections, counted by on_connection(); the global limit is ours, not
     * libmicrohttpd's (see accept_policy()). */
    atomic_uint open_connections;

    /* Several nodes on one PostgreSQL database (docs/scaling.md). Each node tells the others
     * of its live updates through dorf/notify.h, with its random id in every message so that
     * it skips its own; the listener's thread reads the rows named with a store of its own. */
    char node_id[17];
    dorf_notify_listener *listener;
    dorf_store *relay_store;
    dorf_ctx *relay_ctx;

    /* The read replica: public GETs read from it while replica_up; a watcher thread tries
     * it again every REPLICA_RETRY_MS while it is down. */
    char *read_db;
    atomic_int replica_up;
    atomic_uint replica_epoch; /* +1 each time the replica answers again after a failure */
    pthread_mutex_t watch_lock;
    pthread_cond_t watch_wake;
    int watch_stop;
    int watch_started;
    pthread_t watch_thread;
};

struct dorf_server {
    struct api_server core;
};

/* What the server remembers about one request between libmicrohttpd's calls. */
struct request {
    struct timespec started; /* CLOCK_MONOTONIC */
    struct timespec arrived; /* CLOCK_REALTIME, for the log */
    int64_t now;
    char method[16];
    char *path;
    char *query; /* for the log, with secret values redacted; NULL when none */
    char ip[INET6_ADDRSTRLEN];
    char *body;
    size_t body_len;
    size_t body_cap;
    int too_large;
    size_t dropped; /* body bytes read and dropped after too_large */
    int responded;
    unsigned status; /* as sent, for the log */
    size_t bytes;
    int64_t user_id;        /* 0: no session */
    unsigned retry_after_s; /* sent as Retry-After with a 429 or 503 */
};

api_jobs *api_server_jobs(api_server *server) {
    return server->jobs;
}

api_events_hub *api_server_events(api_server *server) {
    return server->events;
}

api_travel *api_server_travel(api_server *server) {
    return server->travel;
}

api_tiles *api_server_tiles(api_server *server) {
    return server->tiles;
}

const dorf_server_options *api_server_options(const api_server *server) {
    return &server->opt;
}

const char *api_server_db(const api_server *server) {
    return server->db;
}

/* ---- several nodes: live updates between them, and the read replica ---- */

void api_server_tell_nodes(api_request *req, json_t *message) {
    api_server *s = req->server;
    if (!s->listener || !message) {
        return; /* one node: SpatiaLite */
    }
    json_object_set_new(message, "node", json_string(s->node_id));
    char *text = json_dumps(message, JSON_COMPACT);
    dorf_status st = text ? dorf_notify_publish(req->store, NODES_TOPIC, text) : DORF_ENOMEM;
    if (st != DORF_OK) {
        /* The request itself succeeded; only the other nodes' clients miss the update. */
        fprintf(stderr, "dorf serve: could not tell the other nodes of a live update: %s\n",
                text ? dorf_ctx_errmsg(req->ctx) : "out of memory");
        dorf_ctx_clear_error(req->ctx);
    }
    free(text);
}

/* The listener's callback (dorf/notify.h), on its thread: another node's live update. */
static void on_node_message(void *user, dorf_notify_event event, const char *text) {
    api_server *s = user;
    if (event == DORF_NOTIFY_LOST) {
        fprintf(stderr, "dorf serve: lost the other nodes' live updates (%s); reconnecting\n",
                text);
        return;
    }
    if (event == DORF_NOTIFY_BACK) {
        fprintf(stderr, "dorf serve: receiving the other nodes' live updates again (those sent "
                        "meanwhile are lost)\n");
        return;
    }
    json_t *m = json_loads(text, 0, NULL);
    const char *node = json_string_value(json_object_get(m, "node"));
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!node || !type) {
        fprintf(stderr, "dorf serve: ignoring a malformed message from another node: %.200s\n",
                text);
    } else if (strcmp(node, s->node_id) != 0) {
        if (strcmp(type, "forget") == 0) {
            api_events_forget_author(s->events, json_integer_value(json_object_get(m, "author")));
        } else {
            api_posts_relay(s, s->relay_store, s->relay_ctx, m);
        }
    }
    json_decref(m);
}

/* Records that the replica stopped (up 0) or started (1) answering; logs each change once. */
static void replica_set(api_server *s, int up, const char *why) {
    if (atomic_exchange(&s->replica_up, up) == up) {
        return;
    }
    if (up) {
        atomic_fetch_add(&s->replica_epoch, 1);
        fprintf(stderr, "dorf serve: the read replica answers again; public reads go to it\n");
        return;
    }
    fprintf(stderr,
            "dorf serve: the read replica does not answer (%s); reads go to the primary until it "
            "does\n",
            why && *why ? why : "no reason given");
    pthread_mutex_lock(&s->watch_lock);
    pthread_cond_signal(&s->watch_wake);
    pthread_mutex_unlock(&s->watch_lock);
}

/* While the replica is down, tries it every REPLICA_RETRY_MS on a connection of its own. */
static void *replica_watch(void *arg) {
    api_server *s = arg;
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *probe = NULL;
    pthread_mutex_lock(&s->watch_lock);
    while (!s->watch_stop) {
        if (atomic_load(&s->replica_up) || !ctx) {
            pthread_cond_wait(&s->watch_wake, &s->watch_lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += REPLICA_RETRY_MS / 1000;
        until.tv_nsec += (long)(REPLICA_RETRY_MS % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->watch_wake, &s->watch_lock, &until);
        if (s->watch_stop || atomic_load(&s->replica_up)) {
            continue;
        }
        pthread_mutex_unlock(&s->watch_lock);
        dorf_status st =
            probe ? DORF_OK : dorf_store_open(ctx, s->read_db, DORF_STORE_READONLY, &probe);
        dorf_region_stamp stamp;
        if (st == DORF_OK) {
            st = dorf_store_stamp(probe, &stamp);
        }
        if (st == DORF_OK || st == DORF_ENOTFOUND) {
            /* The request slots reconnect their own connections on their next call. */
            dorf_store_close(probe);
            probe = NULL;
            replica_set(s, 1, NULL);
        }
        dorf_ctx_clear_error(ctx);
        pthread_mutex_lock(&s->watch_lock);
    }
    pthread_mutex_unlock(&s->watch_lock);
    dorf_store_close(probe);
    dorf_ctx_free(ctx);
    return NULL;
}

/* The slot's replica connection when the replica is configured and up, else NULL. */
static dorf_store *replica_store(api_server *s, struct pool_slot *slot) {
    if (!s->read_db || !atomic_load(&s->replica_up)) {
        return NULL;
    }
    /* A connection from before the replica went away was cut by its stop, and libpq learns
     * that only by failing a query: open a new one instead of failing a request with it. */
    unsigned epoch = atomic_load(&s->replica_epoch);
    if (slot->read_store && slot->read_epoch != epoch) {
        dorf_store_close(slot->read_store);
        slot->read_store = NULL;
    }
    slot->read_epoch = epoch;
    if (!slot->read_store &&
        dorf_store_open(slot->ctx, s->read_db, DORF_STORE_READONLY, &slot->read_store) != DORF_OK) {
        replica_set(s, 0, dorf_ctx_errmsg(slot->ctx));
        dorf_ctx_clear_error(slot->ctx);
        return NULL;
    }
    return slot->read_store;
}

/*
 * Whether a request may read from the replica: GETs that anyone may make (places, shops,
 * news, events, features, tiles). Everything that writes, and everything behind a session
 * (a person's orders, parcels, DorfFunk), reads from the primary, so that a person always sees
 * their own changes at once; /health asks the primary, which is what it reports on.
 */
static int replica_may_answer(const api_route *route, const struct request *r) {
    return (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) && route->roles == 0 &&
           strcmp(route->pattern, "/health") != 0;
}

/* Frees what a response holds and empties it, for answering again. */
static void response_clear(api_response *res) {
    json_decref(res->json);
    free(res->text);
    if (res->file_open) {
        close(res->file_fd);
    }
    if (res->stream && res->stream_free) {
        res->stream_free(res->stream_cls);
    }
    memset(res, 0, sizeof *res);
}

/* A streamed body (api_response.stream) as libmicrohttpd's content reader. */
struct body_stream {
    size_t (*read)(void *cls, uint64_t pos, char *buf, size_t max);
    void *cls;
    void (*free)(void *cls);
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct body_stream *b = cls;
    size_t n = b->read(b->cls, pos, buf, max);
    return n == API_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls) {
    struct body_stream *b = cls;
    if (b->free) {
        b->free(b->cls);
    }
    free(b);
}

api_server *api_server_of(struct dorf_server *server) {
    return &server->core;
}

void dorf_server_options_init(dorf_server_options *options) {
    memset(options, 0, sizeof *options);
    options->host = "127.0.0.1";
    options->threads = 4;
    /* An idle connection costs about 4 KiB and a descriptor: 4096 of them hold out a flood of
     * idle connections from 128 addresses at 32 each, for 17 MiB. */
    options->max_connections = 4096;
    options->max_connections_per_ip = 32;
    options->max_body_bytes = 1u << 20;
    options->max_json_depth = 32;
    options->connection_timeout_s = 30;
    options->login_limit = 10;
    options->write_limit = 600;
}

/* ---- the store pool ---- */

static struct pool_slot *pool_acquire(api_server *s) {
    pthread_mutex_lock(&s->pool_lock);
    for (;;) {
        for (unsigned i = 0; i < s->slot_count; i++) {
            if (!s->slots[i].busy) {
                s->slots[i].busy = 1;
                pthread_mutex_unlock(&s->pool_lock);
                dorf_ctx_clear_error(s->slots[i].ctx);
                return &s->slots[i];
            }
        }
        pthread_cond_wait(&s->pool_free, &s->pool_lock);
    }
}

static void pool_release(api_server *s, struct pool_slot *slot) {
    pthread_mutex_lock(&s->pool_lock);
    slot->busy = 0;
    pthread_cond_signal(&s->pool_free);
    pthread_mutex_unlock(&s->pool_lock);
}

/* ---- the access log ---- */

/* 1 when a query argument's value must not be logged (tokens, passwords, keys). */
static int is_secret_name(const char *name) {
    static const char *const secret[] = {"token", "password", "secret", "key", "auth", NULL};
    char lower[64];
    size_t n = 0;
    for (; name[n] && n < sizeof lower - 1; n++) {
        lower[n] = (char)((name[n] >= 'A' && name[n] <= 'Z') ? name[n] + 32 : name[n]);
    }
    lower[n] = '\0';
    for (size_t i = 0; secret[i]; i++) {
        if (strstr(lower, secret[i])) {
            return 1;
        }
    }
    return 0;
}

struct query_buf {
    char text[1024];
    size_t used;
};

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
    (void)kind;
    struct query_buf *q = cls;
    const char *shown = !value ? "" : is_secret_name(key) ? "REDACTED" : value;
    int n = snprintf(q->text + q->used, sizeof q->text - q->used, "%s%s%s%s", q->used ? "&" : "",
                     key, value ? "=" : "", shown);
    if (n < 0 || (size_t)n >= sizeof q->text - q->used) {
        q->used = sizeof q->text - 1;
        return MHD_NO;
    }
    q->used += (size_t)n;
    return MHD_YES;
}

/* A JSON string of outside text (a path, a query), with the bytes of invalid UTF-8 as '?'. */
static json_t *log_string(const char *text) {
    json_t *v = json_string(text);
    if (v || !text) {
        return v;
    }
    char *copy = strdup(text);
    if (!copy) {
        return NULL;
    }
    for (char *c = copy; *c; c++) {
        if ((unsigned char)*c >= 0x80) {
            *c = '?';
        }
    }
    v = json_string(copy);
    free(copy);
    return v;
}

static void write_access_log(api_server *s, const struct request *r) {
    FILE *log = s->opt.access_log;
    if (!log) {
        return;
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - r->started.tv_sec) * 1e3 +
                (double)(end.tv_nsec - r->started.tv_nsec) / 1e6;
    struct tm tm;
    time_t secs = r->arrived.tv_sec;
    gmtime_r(&secs, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             r->arrived.tv_nsec / 1000000);
    json_t *line =
        json_pack("{s:s, s:s, s:o, s:o, s:o*, s:i, s:I, s:f, s:o}", "time", when, "ip", r->ip,
                  "method", log_string(r->method), "path", log_string(r->path ? r->path : ""),
                  "query", log_string(r->query), "status", (int)r->status, "bytes",
                  (json_int_t)r->bytes, "duration_ms", (double)(long long)(ms * 1000) / 1000,
                  "user", r->user_id ? json_integer(r->user_id) : json_null());
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    if (text) {
        pthread_mutex_lock(&s->log_lock);
        fputs(text, log);
        fputc('\n', log);
        fflush(log);
        pthread_mutex_unlock(&s->log_lock);
    }
    free(text);
    json_decref(line);
}

/* ---- requests ---- */

static void request_free(struct request *r) {
    if (r) {
        free(r->path);
        free(r->query);
        free(r->body);
        free(r);
    }
}

static struct request *request_new(struct MHD_Connection *conn, const char *url,
                                   const char *method) {
    struct request *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(url))) {
        free(r);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &r->started);
    clock_gettime(CLOCK_REALTIME, &r->arrived);
    r->now = (int64_t)r->arrived.tv_sec;
    snprintf(r->method, sizeof r->method, "%s", method);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->ip, sizeof r->ip, "unknown");
    if (info && info->client_addr) {
        const struct sockaddr *sa = info->client_addr;
        if (sa->sa_family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->ip,
                      sizeof r->ip);
        } else if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->ip,
                      sizeof r->ip);
        }
    }
    struct query_buf q = {.used = 0};
    q.text[0] = '\0';
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &q);
    if (q.used > 0) {
        r->query = strdup(q.text); /* the log goes without it when this fails */
    }
    return r;
}

/* Whether the request's Content-Type is JSON ("application/json", any parameters). */
static int is_json_type(struct MHD_Connection *conn) {
    const char *ct =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    static const char json_type[] = "application/json";
    if (!ct) {
        return 0;
    }
    ct += strspn(ct, " \t");
    size_t n = sizeof json_type - 1;
    return strncasecmp(ct, json_type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* Serialises `res` and queues it; frees what `res` owns. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct request *r,
                                     api_response *res, const char *allow) {
    if (res->status < 100 || res->status > 599) {
        fprintf(stderr, "dorf serve: %s %s: handler left status %u; answering 500\n", r->method,
                r->path, res->status);
        api_error(res, 500, "internal", "internal error");
    }
    char *buf = NULL;
    size_t len = 0;
    const char *type = res->content_type;
    struct MHD_Response *resp = NULL;
    if (res->stream) {
        struct body_stream *b = malloc(sizeof *b);
        if (b) {
            *b = (struct body_stream){res->stream, res->stream_cls, res->stream_free};
            resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, b,
                                                     stream_free);
            if (!resp) {
                stream_free(b);
            }
        } else if (res->stream_free) {
            res->stream_free(res->stream_cls);
        }
        res->stream = NULL;
        json_decref(res->json);
        res->json = NULL;
        free(res->text);
        res->text = NULL;
        if (!resp) {
            return MHD_NO;
        }
    } else if (res->file_open) {
        /* From here on libmicrohttpd owns the descriptor (closed when the response goes). */
        res->file_open = 0;
        resp = MHD_create_response_from_fd64(res->file_size, res->file_fd);
        json_decref(res->json);
        res->json = NULL;
        free(res->text);
        res->text = NULL;
        if (!resp) {
            close(res->file_fd);
            return MHD_NO;
        }
        len = (size_t)res->file_size;
        if (!type) {
            type = "application/octet-stream";
        }
    } else if (res->json) {
        /* 15 significant digits: coordinates as given, not 49.950000000000003. */
        buf = json_dumps(res->json, JSON_COMPACT | JSON_REAL_PRECISION(15));
        if (!buf) {
            fprintf(stderr, "dorf serve: %s %s: cannot serialise the answer\n", r->method, r->path);
            static const char fallback[] =
                "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
            buf = strdup(fallback);
            res->status = 500;
            type = NULL;
        }
        len = buf ? strlen(buf) : 0;
        if (!type) {
            type = "application/json";
        }
    } else if (res->text) {
        buf = res->text;
        len = res->text_size;
        res->text = NULL;
        if (!type) {
            type = "text/plain; charset=utf-8";
        }
    }
    json_decref(res->json);
    res->json = NULL;
    free(res->text);
    res->text = NULL;

    if (!resp) {
        resp = buf ? MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE)
                   : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    int ok = 1;
    if (type) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES;
    }
    ok &= MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES;
    if (res->cache_control) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, res->cache_control) ==
              MHD_YES;
    } else if (strncmp(r->path, "/api", 4) == 0 || strcmp(r->path, "/health") == 0) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
    }
    if (res->etag[0]) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, res->etag) == MHD_YES;
    }
    if (res->location[0]) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, res->location) == MHD_YES;
    }
    if (allow && *allow) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES;
    }
    if (res->status == 401) {
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer") == MHD_YES;
    }
    if ((res->status == 429 || res->status == 503) && r->retry_after_s) {
        /* RFC 9110, 10.2.3: so that clients (and brute-force scripts) know the wait. */
        char secs[16];
        snprintf(secs, sizeof secs, "%u", r->retry_after_s);
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs) == MHD_YES;
    }
    enum MHD_Result rc = ok ? MHD_queue_response(conn, res->status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    if (rc == MHD_YES) {
        r->responded = 1;
        r->status = res->status;
        r->bytes = len;
    }
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, struct request *r, unsigned status,
                                  const char *code, const char *message) {
    api_response res = {0};
    api_error(&res, status, code, "%s", message);
    return send_response(conn, r, &res, NULL);
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer_token(struct MHD_Connection *conn) {
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    h += 7;
    return h + strspn(h, " ");
}

/* Runs a request whose body is complete: the order of checks is in the file comment. */
static enum MHD_Result run_request(api_server *s, struct MHD_Connection *conn, struct request *r) {
    const api_route *route = NULL;
    api_span spans[API_MAX_PARAMS];
    size_t span_count = 0;
    char allow[128];
    api_match m =
        api_router_find(r->method, r->path, &route, spans, &span_count, allow, sizeof allow);
    if (m == API_MATCH_NO_PATH) {
        /* The portal's files, or the 404 (JSON under the API's prefixes). */
        api_response res = {0};
        api_request req = {.method = r->method,
                           .path = r->path,
                           .client_ip = r->ip,
                           .server = s,
                           .connection = conn,
                           .now = r->now};
        api_static_answer(s->web, &req, &res);
        return send_response(conn, r, &res, NULL);
    }
    if (m == API_MATCH_NO_METHOD) {
        api_response res = {0};
        api_error(&res, 405, "method_not_allowed", "%s is not allowed here; allowed: %s", r->method,
                  allow);
        return send_response(conn, r, &res, allow);
    }
    if (r->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", s->opt.max_body_bytes);
        return send_error(conn, r, 413, "too_large", msg);
    }

    /* Rate limits: logins and writes per address (a shared address shares them). */
    int is_write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
    int is_login = is_write && strcmp(r->path, "/api/login") == 0;
    unsigned retry = 0;
    char key[96];
    snprintf(key, sizeof key, "%s %s", is_login ? "login" : "write", r->ip);
    if ((is_login &&
         !api_ratelimit_allow(s->limits, key, s->opt.login_limit, 60, r->now, &retry)) ||
        (is_write && !is_login && s->opt.write_limit != UINT_MAX &&
         !api_ratelimit_allow(s->limits, key, s->opt.write_limit, 60, r->now, &retry))) {
        char msg[128];
        r->retry_after_s = retry ? retry : 1;
        snprintf(msg, sizeof msg, "too many %s from your address; try again in %u s",
                 is_login ? "logins" : "changes", r->retry_after_s);
        return send_error(conn, r, 429, "too_many_requests", msg);
    }

    api_response res = {0};
    api_request req = {0};
    api_user user;
    char *params = NULL;
    struct pool_slot *slot = pool_acquire(s);
    req.method = r->method;
    req.path = r->path;
    req.client_ip = r->ip;
    req.store = slot->store;
    req.ctx = slot->ctx;
    req.server = s;
    req.connection = conn;
    req.now = r->now;

    const char *token = bearer_token(conn);
    req.token = token;
    if (token) {
        memset(&user, 0, sizeof user);
        dorf_status st = api_auth_session_user(slot->store, token, r->now, &user);
        if (st == DORF_OK) {
            req.user = &user;
            r->user_id = user.id;
        } else if (st != DORF_ENOTFOUND) {
            fprintf(stderr, "dorf serve: %s %s: checking the session: %s\n", r->method, r->path,
                    dorf_ctx_errmsg(slot->ctx));
            api_error(&res, 503, "unavailable", "the database is not answering; try again");
            goto done;
        }
    }
    if (route->roles) {
        if (!req.user) {
            api_error(&res, 401, "unauthorized",
                      token ? "the session token is unknown or expired; log in again"
                            : "this needs a session: send Authorization: Bearer TOKEN");
            goto done;
        }
        if (!(req.user->roles & route->roles)) {
            api_error(&res, 403, "forbidden", "your roles do not allow this");
            goto done;
        }
    }
    if (r->body_len > 0) {
        if (!is_json_type(conn)) {
            api_error(&res, 415, "unsupported_media_type",
                      "the body must be JSON, sent as Content-Type: application/json");
            goto done;
        }
        if (api_parse_body(r->body, r->body_len, s->opt.max_json_depth, &req.body, &res) != 0) {
            goto done;
        }
    }
    if (span_count > 0) {
        if (!(params = strdup(r->path))) {
            api_error(&res, 500, "internal", "out of memory");
            goto done;
        }
        for (size_t i = 0; i < span_count; i++) {
            params[spans[i].start + spans[i].len] = '\0';
            req.params[i] = params + spans[i].start;
        }
        req.param_count = span_count;
    }

    dorf_store *replica = replica_may_answer(route, r) ? replica_store(s, slot) : NULL;
    if (replica) {
        req.store = replica;
        route->handler(&req, &res);
        if (res.status >= 500) {
            /* The read answers the same from the primary: a replica that went away, or that
             * cancelled the query for a conflict with recovery, costs the client nothing. */
            if (dorf_store_unreachable(replica)) {
                replica_set(s, 0, dorf_ctx_errmsg(slot->ctx));
            }
            response_clear(&res);
            dorf_ctx_clear_error(slot->ctx);
            req.store = slot->store;
            route->handler(&req, &res);
        }
    } else {
        route->handler(&req, &res);
    }
    if (res.status == 500 && req.store && dorf_store_unreachable(req.store)) {
        /* The database server is down or restarting, not the request broken: say so, and
         * when to try again; the store reconnects on its next call (engine/sql.h). */
        response_clear(&res);
        api_error(&res, 503, "unavailable", "the database is not answering; try again shortly");
        r->retry_after_s = DATABASE_RETRY_S;
    }
    if (res.status == 0) {
        fprintf(stderr, "dorf serve: %s %s: the handler gave no answer%s%s\n", r->method, r->path,
                *dorf_ctx_errmsg(slot->ctx) ? ": " : "", dorf_ctx_errmsg(slot->ctx));
        api_error(&res, 500, "internal", "internal error");
    }

done:
    pool_release(s, slot);
    json_decref(req.body);
    free(params);
    return send_response(conn, r, &res, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    api_server *s = cls;
    struct request *r = *con_cls;
    if (!r) {
        if (!(r = request_new(conn, url, method))) {
            return MHD_NO;
        }
        *con_cls = r;
        pthread_mutex_lock(&s->flight_lock);
        s->in_flight++;
        pthread_mutex_unlock(&s->flight_lock);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == ERANGE || n > s->opt.max_body_bytes) {
                /* Refused before it is read: libmicrohttpd closes the connection after. */
                char msg[96];
                snprintf(msg, sizeof msg, "the body is larger than %zu bytes",
                         s->opt.max_body_bytes);
                return send_error(conn, r, 413, "too_large", msg);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large || r->responded) {
            /* Read and dropped, so that a chunked upload a little over the limit still gets
             * its 413 when it ends. libmicrohttpd 0.9.75 cannot answer before the body is
             * in, so a body that goes on past twice the limit (one that never ends, say) is
             * cut off here: MHD_NO closes the connection without an answer. */
            r->dropped += n;
            return r->dropped > s->opt.max_body_bytes ? MHD_NO : MHD_YES;
        }
        if (n > s->opt.max_body_bytes - r->body_len) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            r->dropped = n;
            return MHD_YES;
        }
        if (r->body_len + n > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 4096;
            while (cap < r->body_len + n) {
                cap *= 2;
            }
            char *grown = realloc(r->body, cap);
            if (!grown) {
                return MHD_NO;
            }
            r->body = grown;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        return MHD_YES;
    }
    if (r->responded) {
        return MHD_YES;
    }
    return run_request(s, conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)conn;
    (void)toe;
    api_server *s = cls;
    struct request *r = *con_cls;
    if (!r) {
        return;
    }
    *con_cls = NULL;
    write_access_log(s, r);
    request_free(r);
    pthread_mutex_lock(&s->flight_lock);
    s->in_flight--;
    pthread_cond_broadcast(&s->flight_done);
    pthread_mutex_unlock(&s->flight_lock);
}

/*
 * The global connection limit. libmicrohttpd's own MHD_OPTION_CONNECTION_LIMIT stops
 * accepting when it is reached: further connections, a normal client's among them, then
 * wait in the kernel's listen queue until an idle one times out (30 s), which is what a flood
 * of idle connections wants. Counted here instead, a connection beyond the limit is accepted
 * and closed at once, so a client learns in a round trip that the server is full.
 */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len) {
    (void)addr;
    (void)len;
    api_server *s = cls;
    return atomic_load(&s->open_connections) < s->opt.max_connections ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    (void)conn;
    (void)socket_context;
    api_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&s->open_connections, 1);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&s->open_connections, 1);
    }
}

/*
 * Percent-decoding of the path and the query arguments, as libmicrohttpd's own except that
 * "%00" stays as it is: decoded, the NUL would end the C string early, and
 * "/index.html%00.js" or "state=placed%00junk" would reach the router, the portal's files
 * and the handlers as something shorter than what was sent. Kept, the '%' makes such a path
 * unknown (404) or not a file name (400) and such an argument malformed (400).
 */
static int hex_digit(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static size_t unescape_keep_nul(void *cls, struct MHD_Connection *conn, char *text) {
    (void)cls;
    (void)conn;
    char *out = text;
    for (const char *in = text; *in;) {
        int hi = in[0] == '%' ? hex_digit(in[1]) : -1;
        int lo = hi >= 0 ? hex_digit(in[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *out++ = (char)(hi * 16 + lo);
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - text);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    /* A client that left while its body was being sent (a closed live-update stream, a
       download given up) is how connections end, not something for an operator to read. */
    static const char *const client_left[] = {"Failed to send the chunked response body",
                                              "Failed to send the response body"};
    for (size_t i = 0; i < sizeof client_left / sizeof client_left[0]; i++) {
        if (strncmp(fmt, client_left[i], strlen(client_left[i])) == 0) {
            return;
        }
    }
    fputs("dorf serve: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- GET /health ---- */

static void get_health(api_request *req, api_response *res) {
    dorf_region_stamp stamp;
    dorf_status st = dorf_store_stamp(req->store, &stamp);
    if (st != DORF_OK && st != DORF_ENOTFOUND) {
        fprintf(stderr, "dorf serve: /health: %s\n", dorf_ctx_errmsg(req->ctx));
        api_error(res, 503, "unavailable", "the database is not answering");
        return;
    }
    json_t *body =
        json_pack("{s:s, s:i}", "status", "ok", "schema_version", dorf_store_version(req->store));
    if (req->server->read_db) {
        json_object_set_new(body, "read_replica",
                            json_string(atomic_load(&req->server->replica_up) ? "up" : "down"));
    }
    api_json(res, 200, body);
}

/* GET /api: the OpenAPI 3 document, built once at start from the route tables. */
static void get_openapi(api_request *req, api_response *res) {
    api_json(res, 200, json_incref(req->server->openapi));
}

const api_route api_routes_server[] = {
    {"GET", "/health", 0, get_health, "whether the server and its database answer"},
    {"GET", "/api", 0, get_openapi, "this API's OpenAPI 3 document"},
};
const size_t api_routes_server_count = sizeof api_routes_server / sizeof api_routes_server[0];

/* ---- life cycle ---- */

/* Descriptors the server needs besides its connections: the store connections (SQLite's
 * database, WAL and shared-memory files each), libmicrohttpd's epoll and wake-up pipes per
 * thread, the job workers', the travel graphs' and the portal files being sent. */
static unsigned spare_files(const api_server *s) {
    return 64 + 8 * (s->opt.threads + API_JOBS_WORKERS);
}

/*
 * Raises the soft limit on open files (RLIMIT_NOFILE) when *connections (libmicrohttpd's
 * limit) and the server's other descriptors would not fit under it, up to the hard limit.
 * Without this, accept() would fail with EMFILE under a flood of connections and
 * libmicrohttpd would stop taking new ones, normal clients' included. When even the hard
 * limit is too low, a defaulted --max-connections is lowered to fit (with a note on stderr),
 * an explicit one is refused.
 */
static dorf_status ensure_open_files(dorf_ctx *ctx, api_server *s, int defaulted,
                                     unsigned *connections) {
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot read the limit on open files: %s", strerror(errno));
    }
    rlim_t margin = *connections - s->opt.max_connections;
    rlim_t overhead = spare_files(s) + margin;
    rlim_t need = (rlim_t)s->opt.max_connections + overhead;
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= need) {
        return DORF_OK;
    }
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) {
        rlim_t fits = lim.rlim_max > overhead + 16 ? lim.rlim_max - overhead : 0;
        if (!defaulted || fits == 0) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "%u connections need %llu open files, but this process may open "
                             "at most %llu (ulimit -Hn): lower --max-connections to %llu or "
                             "raise the limit",
                             s->opt.max_connections, (unsigned long long)need,
                             (unsigned long long)lim.rlim_max, (unsigned long long)fits);
        }
        fprintf(stderr,
                "dorf serve: at most %llu open files (ulimit -Hn): connections limited to %llu "
                "instead of %u\n",
                (unsigned long long)lim.rlim_max, (unsigned long long)fits, s->opt.max_connections);
        s->opt.max_connections = (unsigned)fits;
        *connections = (unsigned)(fits + margin);
        need = lim.rlim_max;
    }
    lim.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot raise the limit on open files to %llu: %s",
                         (unsigned long long)need, strerror(errno));
    }
    return DORF_OK;
}

static dorf_status resolve(dorf_ctx *ctx, api_server *s) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof port, "%u", s->opt.port);
    struct addrinfo *found = NULL;
    int rc = getaddrinfo(s->host, port, &hints, &found);
    if (rc != 0 || !found) {
        return dorf_fail(ctx, DORF_EINVAL, "cannot listen on %s: %s", s->host, gai_strerror(rc));
    }
    memcpy(&s->addr, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    return DORF_OK;
}

static void server_free(api_server *s) {
    /* The listener publishes into the hub and reads with the relay store: it goes first. */
    dorf_notify_stop(s->listener);
    if (s->watch_started) {
        pthread_mutex_lock(&s->watch_lock);
        s->watch_stop = 1;
        pthread_cond_signal(&s->watch_wake);
        pthread_mutex_unlock(&s->watch_lock);
        pthread_join(s->watch_thread, NULL);
    }
    dorf_store_close(s->relay_store);
    dorf_ctx_free(s->relay_ctx);
    api_jobs_stop(s->jobs);
    api_events_hub_free(s->events);
    api_ratelimit_free(s->limits);
    api_travel_free(s->travel);
    api_tiles_free(s->tiles);
    api_static_free(s->web);
    json_decref(s->openapi);
    for (unsigned i = 0; i < s->slot_count; i++) {
        dorf_store_close(s->slots[i].store);
        dorf_store_close(s->slots[i].read_store);
        dorf_ctx_free(s->slots[i].ctx);
    }
    free(s->slots);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_free);
    pthread_mutex_destroy(&s->log_lock);
    pthread_mutex_destroy(&s->flight_lock);
    pthread_cond_destroy(&s->flight_done);
    pthread_mutex_destroy(&s->watch_lock);
    pthread_cond_destroy(&s->watch_wake);
    free(s->read_db);
    free(s->db);
    free(s->host);
    free((struct dorf_server *)(void *)s);
}

/*
 * What several nodes on one PostgreSQL database need (docs/scaling.md): the listener for the
 * other nodes' live updates, with a store for reading the posts they name, and the read
 * replica's connections and watcher. Nothing on SpatiaLite, which is one node.
 */
static dorf_status start_nodes(dorf_ctx *ctx, api_server *s, const char *read_db) {
    if (read_db && *read_db) {
        if (!dorf_store_is_postgres(s->db) || !dorf_store_is_postgres(read_db)) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "--read-db needs PostgreSQL for both --db and --read-db (a "
                             "streaming replica of the primary; docs/scaling.md)");
        }
        if (!(s->read_db = strdup(read_db))) {
            return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
        }
        /* A replica that is down at start is no reason not to serve: reads go to the primary
         * until the watcher finds it answering. */
        atomic_store(&s->replica_up, 1);
        for (unsigned i = 0; i < s->slot_count && atomic_load(&s->replica_up); i++) {
            replica_store(s, &s->slots[i]);
        }
        if (pthread_create(&s->watch_thread, NULL, replica_watch, s) != 0) {
            return dorf_fail(ctx, DORF_EIO, "cannot start the read replica's watcher");
        }
        s->watch_started = 1;
    }
    if (!dorf_store_is_postgres(s->db)) {
        return DORF_OK;
    }
    char token[API_TOKEN_CHARS + 1];
    unsigned char hash[32];
    api_auth_new_token(token, hash);
    /* 16 characters of a random token: 96 bits, unique among any number of nodes. */
    memcpy(s->node_id, token, sizeof s->node_id - 1);
    s->node_id[sizeof s->node_id - 1] = '\0';
    if (!(s->relay_ctx = dorf_ctx_new())) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
    }
    dorf_status st = dorf_store_open(s->relay_ctx, s->db, 0, &s->relay_store);
    if (st != DORF_OK) {
        return dorf_fail(ctx, st, "%s", dorf_ctx_errmsg(s->relay_ctx));
    }
    return dorf_notify_listen(ctx, s->db, NODES_TOPIC, on_node_message, s, &s->listener);
}

dorf_status dorf_server_start(dorf_ctx *ctx, const dorf_server_options *options,
                              dorf_server **out) {
    *out = NULL;
    dorf_server_options d;
    dorf_server_options_init(&d);
    if (!options->db || !*options->db) {
        return dorf_fail(ctx, DORF_EINVAL, "no database given; pass --db FILE");
    }
    if (options->threads > 1024 || options->max_json_depth > 10000 ||
        options->max_connections > 1000000) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "threads at most 1024, JSON depth at most 10000 and connections at "
                         "most 1000000");
    }
    if (api_auth_init() != 0) {
        return dorf_fail(ctx, DORF_EIO, "cannot initialise libsodium");
    }
    struct dorf_server *server = calloc(1, sizeof *server);
    if (!server) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
    }
    api_server *s = &server->core;
    s->opt = *options;
    s->opt.host = NULL;
    s->opt.db = NULL;
#define DEFAULT(field)                                                                             \
    if (!s->opt.field)                                                                             \
    s->opt.field = d.field
    int connections_defaulted = !s->opt.max_connections;
    DEFAULT(threads);
    DEFAULT(max_connections);
    DEFAULT(max_connections_per_ip);
    DEFAULT(max_body_bytes);
    DEFAULT(max_json_depth);
    DEFAULT(connection_timeout_s);
    DEFAULT(login_limit);
    DEFAULT(write_limit);
#undef DEFAULT
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_free, NULL);
    pthread_mutex_init(&s->log_lock, NULL);
    pthread_mutex_init(&s->flight_lock, NULL);
    pthread_cond_init(&s->flight_done, NULL);
    pthread_mutex_init(&s->watch_lock, NULL);
    pthread_cond_init(&s->watch_wake, NULL);
    dorf_status st = DORF_OK;
    s->db = strdup(options->db);
    s->host = strdup(options->host && *options->host ? options->host : d.host);
    s->slots = calloc(s->opt.threads, sizeof *s->slots);
    if (!s->db || !s->host || !s->slots) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
        goto fail;
    }
    if ((st = resolve(ctx, s)) != DORF_OK) {
        goto fail;
    }
    for (unsigned i = 0; i < s->opt.threads; i++) {
        struct pool_slot *slot = &s->slots[i];
        s->slot_count = i + 1;
        if (!(slot->ctx = dorf_ctx_new())) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
            goto fail;
        }
        if ((st = dorf_store_open(slot->ctx, s->db, 0, &slot->store)) != DORF_OK) {
            st = dorf_fail(ctx, st, "%s", dorf_ctx_errmsg(slot->ctx));
            goto fail;
        }
    }
    if ((st = api_jobs_start(ctx, s->db, API_JOBS_WORKERS, &s->jobs)) != DORF_OK) {
        goto fail;
    }
    if (!(s->events = api_events_hub_new()) || !(s->limits = api_ratelimit_new(16384)) ||
        !(s->openapi = api_openapi_document()) || !(s->travel = api_travel_new(s->db)) ||
        !(s->tiles = api_tiles_new()) ||
        !(s->web =
              api_static_new(options->web_dir ? options->web_dir : api_static_default_dir()))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory starting the server");
        goto fail;
    }
    if ((st = start_nodes(ctx, s, options->read_db)) != DORF_OK) {
        goto fail;
    }

    /* Suspend/resume: an event stream with nothing to send gives its thread back (h_posts.c),
     * and the ITC makes a resumed connection's thread take it up at once. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (s->addr.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    /* libmicrohttpd's own limit sits above ours (accept_policy()) by a margin: between the
     * policy's check and the count's increment each pool thread may have one connection in
     * hand, and libmicrohttpd splits its limit evenly over the threads, so this keeps one of
     * them accepting (and the policy refusing) whenever ours is reached. */
    unsigned mhd_limit = s->opt.max_connections + 4 * s->opt.threads;
    if ((st = ensure_open_files(ctx, s, connections_defaulted, &mhd_limit)) != DORF_OK) {
        goto fail;
    }
    /* The logger comes first, so that libmicrohttpd's messages about the other options use it.
     * The limits, each against a kind of abusive client (docs/operations.md, "Load and abuse"):
     * - per address (default 32): one client, or a slowloris trickling a header byte every few
     *   seconds, which the idle timeout never catches, holds at most this many connections;
     *   the rest are closed at once. Behind a reverse proxy every client is the proxy's
     *   address, and a load test on loopback is one address too: raise it there.
     * - idle timeout (default 30 s): a connection that sends nothing is closed after it.
     * - connection memory, 32 KiB (libmicrohttpd's default, stated here): the request line
     *   and headers must fit, else 431 and the connection closes; bodies are not kept there
     *   (on_request() copies them out, up to --max-body).
     * - connections in all (default 4096): accept_policy(). */
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)s->opt.port, accept_policy, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&s->addr, MHD_OPTION_THREAD_POOL_SIZE,
        s->opt.threads > 1 ? s->opt.threads : 0u, MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->opt.max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, s->opt.connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_BYTES,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_END);
    if (!s->daemon) {
        st = dorf_fail(ctx, DORF_EIO,
                       "cannot listen on %s port %u (in use, or not an address of this "
                       "machine?)",
                       s->host, s->opt.port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info && info->port ? info->port : s->opt.port;
    *out = server;
    return DORF_OK;

fail:
    server_free(s);
    return st;
}

unsigned dorf_server_port(const dorf_server *server) {
    return server->core.port;
}

void dorf_server_stop(dorf_server *server) {
    if (!server) {
        return;
    }
    api_server *s = &server->core;
    if (s->daemon) {
        /* Stop accepting: new connections are refused from here on. */
        MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
        if (listen_fd != MHD_INVALID_SOCKET) {
            close(listen_fd);
        }
        /* Open event streams end now instead of holding the stop for the whole timeout. */
        if (s->events) {
            api_events_hub_close(s->events);
        }
        /* Let the requests already begun finish, for at most the connection timeout. */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += s->opt.connection_timeout_s;
        pthread_mutex_lock(&s->flight_lock);
        while (s->in_flight > 0) {
            if (pthread_cond_timedwait(&s->flight_done, &s->flight_lock, &deadline) == ETIMEDOUT) {
                break;
            }
        }
        pthread_mutex_unlock(&s->flight_lock);
        MHD_stop_daemon(s->daemon);
    }
    server_free(s);
}
