/*
 * store_notify.c: messages between the nodes of one PostgreSQL database (dorf/notify.h), and
 * whether a store's server went away (for falling back from a read replica to the primary).
 *
 * Publishing is `SELECT pg_notify(topic, text)` on the store's own connection, so it takes
 * part in the caller's transaction when there is one. Listening needs a connection that does
 * nothing else, because libpq hands out notifications only as it reads from the socket: the
 * listener owns a PGconn outside sql.h, and its thread waits with poll() on that socket and
 * on a pipe that dorf_notify_stop writes to; when the socket is readable, PQconsumeInput
 * reads what came and PQnotifies yields the messages (libpq's documentation, "Asynchronous
 * Notification"). Connecting and reconnecting are asynchronous too (PQconnectStartParams and
 * PQconnectPoll on the same poll()), so that stopping never waits for a server that does not
 * answer. TCP keepalives make a server that vanished without closing the socket show up as a
 * broken connection within about a minute.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dorf/alloc.h"
#include "dorf/notify.h"
#include "sql_postgres.h"
#include "store_sql.h"

#define RETRY_FIRST_MS 200
#define RETRY_MAX_MS 2000
#define CONNECT_TIMEOUT_MS 10000

struct dorf_notify_listener {
    pthread_t thread;
    int thread_started;
    int wake[2]; /* dorf_notify_stop writes to wake[1] */
    char *location;
    char topic[64];
    dorf_notify_fn fn;
    void *user;
    PGconn *conn; /* NULL while disconnected */
};

/* [a-z][a-z0-9_]{0,62}: safe to put into LISTEN unquoted, and lower case as PG folds it. */
static int topic_valid(const char *topic) {
    size_t n = topic ? strlen(topic) : 0;
    if (n == 0 || n > 63 || topic[0] < 'a' || topic[0] > 'z') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = topic[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

dorf_status dorf_notify_publish(dorf_store *store, const char *topic, const char *text) {
    struct sql_store *s = sql_store_of(store);
    if (!topic_valid(topic)) {
        return dorf_fail(store->ctx, DORF_EINVAL,
                         "notification topic '%.64s' is not 1 to 63 of [a-z0-9_] starting with "
                         "a letter",
                         topic ? topic : "");
    }
    size_t len = text ? strlen(text) : 0;
    if (!text || len > DORF_NOTIFY_MAX_BYTES) {
        return dorf_fail(store->ctx, DORF_EINVAL,
                         "a notification holds at most %d bytes, this one %zu; send ids instead",
                         DORF_NOTIFY_MAX_BYTES, len);
    }
    if (s->dialect != SQL_POSTGRES) {
        return DORF_OK; /* one node: nobody else to tell */
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "SELECT pg_notify(?, ?)", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_text(stmt, 1, topic, -1, SQL_STATIC);
    sql_bind_text(stmt, 2, text, (int)len, SQL_STATIC);
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
    }
    if (rc != SQL_DONE) {
        st = sql_store_fail(s, "notifying the other nodes");
    }
    sql_finalize(stmt);
    return st;
}

int dorf_store_unreachable(dorf_store *store) {
    struct sql_store *s = sql_store_of(store);
    return s && s->dialect == SQL_POSTGRES && sql_error_kind_of(s->conn) == SQL_ERR_CONNECTION;
}

/* ---- the listener ---- */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's message on one line (it may span several), into out. */
static void conn_error(PGconn *conn, const char *fallback, char *out, size_t size) {
    const char *why = conn ? PQerrorMessage(conn) : NULL;
    snprintf(out, size, "%s", why && *why ? why : fallback);
    pg_one_line(out);
}

/* Waits up to ms for the stop pipe; 1 when stopping. */
static int wait_stop(dorf_notify_listener *l, int ms) {
    struct pollfd p = {.fd = l->wake[0], .events = POLLIN};
    int64_t until = mono_ms() + ms;
    for (;;) {
        int left = (int)(until - mono_ms());
        if (left < 0) {
            left = 0;
        }
        int n = poll(&p, 1, left);
        if (n > 0) {
            return 1;
        }
        if (n == 0 || errno != EINTR) {
            return 0;
        }
    }
}

/*
 * Connects without blocking on the server (the stop pipe is watched throughout), then
 * LISTENs. 0 with l->conn set; -1 with why in `why`; 1 when asked to stop.
 */
static int connect_and_listen(dorf_notify_listener *l, char *why, size_t why_size) {
    /* Defaults first: the location's own settings win (expand_dbname). */
    const char *const keys[] = {"application_name", "keepalives_idle", "keepalives_interval",
                                "keepalives_count", "dbname",          NULL};
    const char *const values[] = {"dorf-listen", "20", "10", "3", l->location, NULL};
    PGconn *conn = PQconnectStartParams(keys, values, 1);
    if (!conn || PQstatus(conn) == CONNECTION_BAD) {
        conn_error(conn, "out of memory", why, why_size);
        PQfinish(conn);
        return -1;
    }
    int64_t deadline = mono_ms() + CONNECT_TIMEOUT_MS;
    PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
    while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
        struct pollfd p[2] = {
            {.fd = PQsocket(conn), .events = ps == PGRES_POLLING_READING ? POLLIN : POLLOUT},
            {.fd = l->wake[0], .events = POLLIN},
        };
        int left = (int)(deadline - mono_ms());
        if (left <= 0) {
            snprintf(why, why_size, "no answer within %d s", CONNECT_TIMEOUT_MS / 1000);
            PQfinish(conn);
            return -1;
        }
        int n = poll(p, 2, left);
        if (n < 0 && errno != EINTR) {
            snprintf(why, why_size, "poll: %s", strerror(errno));
            PQfinish(conn);
            return -1;
        }
        if (n > 0 && p[1].revents) {
            PQfinish(conn);
            return 1;
        }
        if (n > 0 && p[0].revents) {
            ps = PQconnectPoll(conn);
        }
    }
    if (ps == PGRES_POLLING_FAILED) {
        conn_error(conn, "cannot connect", why, why_size);
        PQfinish(conn);
        return -1;
    }
    /* The server's last words on a killed connection come as a notice: LOST reports it. */
    PQsetNoticeProcessor(conn, pg_quiet_notices, NULL);
    char sql[96];
    snprintf(sql, sizeof sql, "LISTEN %s", l->topic);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        conn_error(conn, "LISTEN failed", why, why_size);
        PQclear(res);
        PQfinish(conn);
        return -1;
    }
    PQclear(res);
    l->conn = conn;
    return 0;
}

static void drop_connection(dorf_notify_listener *l, const char *fallback) {
    char why[512];
    conn_error(l->conn, fallback, why, sizeof why);
    PQfinish(l->conn);
    l->conn = NULL;
    l->fn(l->user, DORF_NOTIFY_LOST, why);
}

static void *listen_main(void *arg) {
    dorf_notify_listener *l = arg;
    int retry_ms = RETRY_FIRST_MS;
    for (;;) {
        if (!l->conn) {
            if (wait_stop(l, retry_ms)) {
                break;
            }
            char why[512];
            int rc = connect_and_listen(l, why, sizeof why);
            if (rc > 0) {
                break;
            }
            if (rc < 0) {
                retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
                continue;
            }
            retry_ms = RETRY_FIRST_MS;
            l->fn(l->user, DORF_NOTIFY_BACK, NULL);
        }
        /* libpq may have read messages already, along with LISTEN's answer. */
        PGnotify *note;
        while ((note = PQnotifies(l->conn)) != NULL) {
            l->fn(l->user, DORF_NOTIFY_MESSAGE, note->extra);
            PQfreemem(note);
        }
        struct pollfd p[2] = {
            {.fd = PQsocket(l->conn), .events = POLLIN},
            {.fd = l->wake[0], .events = POLLIN},
        };
        int n = poll(p, 2, -1);
        if (n < 0) {
            if (errno != EINTR) {
                drop_connection(l, "poll failed");
            }
            continue;
        }
        if (p[1].revents) {
            break;
        }
        if (!p[0].revents) {
            continue;
        }
        if (!PQconsumeInput(l->conn)) {
            drop_connection(l, "the server closed the connection");
            continue;
        }
        while ((note = PQnotifies(l->conn)) != NULL) {
            l->fn(l->user, DORF_NOTIFY_MESSAGE, note->extra);
            PQfreemem(note);
        }
        if (PQstatus(l->conn) == CONNECTION_BAD) {
            drop_connection(l, "the server closed the connection");
        }
    }
    return NULL;
}

static void listener_free(dorf_notify_listener *l) {
    if (l->wake[0] >= 0) {
        close(l->wake[0]);
    }
    if (l->wake[1] >= 0) {
        close(l->wake[1]);
    }
    PQfinish(l->conn);
    dorf_free(l->location);
    dorf_free(l);
}

dorf_status dorf_notify_listen(dorf_ctx *ctx, const char *location, const char *topic,
                               dorf_notify_fn fn, void *user, dorf_notify_listener **out) {
    *out = NULL;
    if (!location || !dorf_store_is_postgres(location)) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "listening to other nodes needs a PostgreSQL database, not '%.200s'",
                         location ? location : "");
    }
    if (!topic_valid(topic)) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "notification topic '%.64s' is not 1 to 63 of [a-z0-9_] starting with "
                         "a letter",
                         topic ? topic : "");
    }
    dorf_notify_listener *l = dorf_calloc(1, sizeof *l);
    if (!l) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting a listener");
    }
    l->wake[0] = l->wake[1] = -1;
    l->fn = fn;
    l->user = user;
    snprintf(l->topic, sizeof l->topic, "%s", topic);
    if (!(l->location = dorf_strdup(location))) {
        listener_free(l);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory starting a listener");
    }
    if (pipe(l->wake) != 0) {
        int e = errno;
        l->wake[0] = l->wake[1] = -1;
        listener_free(l);
        return dorf_fail(ctx, DORF_EIO, "cannot make the listener's pipe: %s", strerror(e));
    }
    fcntl(l->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(l->wake[1], F_SETFD, FD_CLOEXEC);
    char why[512];
    if (connect_and_listen(l, why, sizeof why) != 0) {
        listener_free(l);
        return dorf_fail(ctx, DORF_EIO,
                         "cannot listen for the other nodes' messages on PostgreSQL: %s; check "
                         "--db and that the server is running",
                         why);
    }
    if (pthread_create(&l->thread, NULL, listen_main, l) != 0) {
        listener_free(l);
        return dorf_fail(ctx, DORF_EIO, "cannot start the listener's thread");
    }
    l->thread_started = 1;
    *out = l;
    return DORF_OK;
}

void dorf_notify_stop(dorf_notify_listener *l) {
    if (!l) {
        return;
    }
    if (l->thread_started) {
        ssize_t w;
        do {
            w = write(l->wake[1], "x", 1);
        } while (w < 0 && errno == EINTR);
        pthread_join(l->thread, NULL);
    }
    listener_free(l);
}
