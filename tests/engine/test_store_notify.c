/*
 * test_store_notify.c: messages between nodes (engine/store_notify.c, dorf/notify.h), run as
 * engine/test_store_notify (SpatiaLite: publishing does nothing, listening is refused) and
 * engine/test_store_notify@postgis: a message published outside a transaction arrives at once,
 * one published inside a transaction only at its commit and never after a rollback; messages
 * arrive in order, the longest allowed whole; bad topics and too long texts are refused; a
 * listener whose connection the server kills says so, reconnects by itself and receives the
 * messages sent after; stopping a listener waits for its thread; a replica's lost connection
 * is reported by dorf_store_unreachable.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dorf/context.h"
#include "dorf/notify.h"
#include "dorf/store.h"
#include "store_sql.h" /* the store's connection, to hold a transaction open around a message */
#include "test_store.h"

/* What a listener's callback saw, in order. */
#define LOG_MAX 64
static struct {
    pthread_mutex_t lock;
    int count;
    dorf_notify_event event[LOG_MAX];
    char text[LOG_MAX][DORF_NOTIFY_MAX_BYTES + 1];
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_message(void *user, dorf_notify_event event, const char *text) {
    (void)user;
    pthread_mutex_lock(&seen.lock);
    if (seen.count < LOG_MAX) {
        seen.event[seen.count] = event;
        snprintf(seen.text[seen.count], sizeof seen.text[0], "%s", text ? text : "");
        seen.count++;
    }
    pthread_mutex_unlock(&seen.lock);
}

static int seen_count(void) {
    pthread_mutex_lock(&seen.lock);
    int n = seen.count;
    pthread_mutex_unlock(&seen.lock);
    return n;
}

static void seen_clear(void) {
    pthread_mutex_lock(&seen.lock);
    seen.count = 0;
    pthread_mutex_unlock(&seen.lock);
}

/* Waits up to ms for at least n callbacks; returns how many there were. */
static int wait_seen(int n, int ms) {
    for (int waited = 0; waited < ms && seen_count() < n; waited += 10) {
        usleep(10 * 1000);
    }
    return seen_count();
}

static char topic[32];
static dorf_ctx *ctx;
static dorf_store *store;

static void test_spatialite_publishes_nothing_and_cannot_listen(void) {
    if (test_store_pg()) {
        return;
    }
    CHECK_EQ_INT(dorf_notify_publish(store, topic, "{\"x\":1}"), DORF_OK);
    CHECK_EQ_INT(dorf_store_unreachable(store), 0);
    dorf_notify_listener *l = NULL;
    CHECK_EQ_INT(
        dorf_notify_listen(ctx, test_store_location("notify"), topic, on_message, NULL, &l),
        DORF_EINVAL);
    CHECK(l == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "PostgreSQL");
}

static void test_bad_topics_and_long_texts_are_refused(void) {
    static const char *const bad[] = {
        "",          "1abc",
        "Upper",     "has-dash",
        "has space", "a234567890123456789012345678901234567890123456789012345678901234"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(dorf_notify_publish(store, bad[i], "x"), DORF_EINVAL);
    }
    CHECK_EQ_INT(dorf_notify_publish(store, NULL, "x"), DORF_EINVAL);
    char *text = malloc(DORF_NOTIFY_MAX_BYTES + 2);
    memset(text, 'x', DORF_NOTIFY_MAX_BYTES + 1);
    text[DORF_NOTIFY_MAX_BYTES + 1] = '\0';
    CHECK_EQ_INT(dorf_notify_publish(store, topic, text), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "send ids");
    free(text);
    dorf_notify_listener *l = NULL;
    if (test_store_pg()) {
        CHECK_EQ_INT(dorf_notify_listen(ctx, test_store_location("notify"), "Bad-Topic", on_message,
                                        NULL, &l),
                     DORF_EINVAL);
        CHECK(l == NULL);
    }
}

static void test_a_wrong_location_fails_at_once_with_the_reason(void) {
    if (!test_store_pg()) {
        return;
    }
    dorf_notify_listener *l = NULL;
    /* Port 1 on loopback refuses at once. */
    CHECK_EQ_INT(dorf_notify_listen(ctx, "postgresql://postgres@127.0.0.1:1/none", topic,
                                    on_message, NULL, &l),
                 DORF_EIO);
    CHECK(l == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "cannot listen");
    CHECK(strchr(dorf_ctx_errmsg(ctx), '\n') == NULL);
}

static void test_messages_arrive_in_order_and_at_commit_only(void) {
    if (!test_store_pg()) {
        return;
    }
    seen_clear();
    dorf_notify_listener *l = NULL;
    CHECK_EQ_INT(
        dorf_notify_listen(ctx, test_store_location("notify"), topic, on_message, NULL, &l),
        DORF_OK);
    if (!l) {
        return;
    }
    CHECK_EQ_INT(dorf_notify_publish(store, topic, "one"), DORF_OK);
    CHECK_EQ_INT(dorf_notify_publish(store, topic, "two"), DORF_OK);
    CHECK_EQ_INT(wait_seen(2, 2000), 2);
    CHECK_EQ_INT(seen.event[0], DORF_NOTIFY_MESSAGE);
    CHECK_STR(seen.text[0], "one");
    CHECK_STR(seen.text[1], "two");

    /* Inside a transaction: nothing until the commit; nothing at all after a rollback. */
    dorf_store *tx = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, test_store_location("notify"), 0, &tx), DORF_OK);
    struct sql_store *s = (struct sql_store *)tx;
    CHECK_EQ_INT(sql_begin(s->conn, 1), SQL_OK);
    CHECK_EQ_INT(dorf_notify_publish(tx, topic, "rolled back"), DORF_OK);
    sql_rollback(s->conn);
    CHECK_EQ_INT(sql_begin(s->conn, 1), SQL_OK);
    CHECK_EQ_INT(dorf_notify_publish(tx, topic, "committed"), DORF_OK);
    usleep(200 * 1000);
    CHECK_EQ_INT(seen_count(), 2); /* neither has arrived: one rolled back, one not committed */
    CHECK_EQ_INT(sql_commit(s->conn), SQL_OK);
    CHECK_EQ_INT(wait_seen(3, 2000), 3);
    CHECK_STR(seen.text[2], "committed");
    dorf_store_close(tx);

    /* The longest text allowed arrives whole. */
    char *text = malloc(DORF_NOTIFY_MAX_BYTES + 1);
    for (int i = 0; i < DORF_NOTIFY_MAX_BYTES; i++) {
        text[i] = (char)('a' + i % 26);
    }
    text[DORF_NOTIFY_MAX_BYTES] = '\0';
    CHECK_EQ_INT(dorf_notify_publish(store, topic, text), DORF_OK);
    CHECK_EQ_INT(wait_seen(4, 2000), 4);
    CHECK_STR(seen.text[3], text);
    free(text);
    dorf_notify_stop(l);
    /* Stopped: nothing more is called back. */
    CHECK_EQ_INT(dorf_notify_publish(store, topic, "after stop"), DORF_OK);
    usleep(200 * 1000);
    CHECK_EQ_INT(seen_count(), 4);
}

static void test_a_killed_listener_reconnects_and_hears_what_comes_after(void) {
    if (!test_store_pg()) {
        return;
    }
    seen_clear();
    dorf_notify_listener *l = NULL;
    CHECK_EQ_INT(
        dorf_notify_listen(ctx, test_store_location("notify"), topic, on_message, NULL, &l),
        DORF_OK);
    if (!l) {
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
             " WHERE application_name = 'dorf-listen' AND query = 'LISTEN %s'",
             topic);
    sql_conn *c = test_store_connect(test_store_location("notify"));
    CHECK_EQ_INT(sql_exec(c, sql), SQL_OK);
    test_store_close(c);
    CHECK(wait_seen(2, 5000) >= 2);
    CHECK_EQ_INT(seen.event[0], DORF_NOTIFY_LOST);
    CHECK(seen.text[0][0] != '\0');
    CHECK(strchr(seen.text[0], '\n') == NULL);
    CHECK_EQ_INT(seen.event[1], DORF_NOTIFY_BACK);
    CHECK_EQ_INT(dorf_notify_publish(store, topic, "after the break"), DORF_OK);
    CHECK_EQ_INT(wait_seen(3, 2000), 3);
    CHECK_EQ_INT(seen.event[2], DORF_NOTIFY_MESSAGE);
    CHECK_STR(seen.text[2], "after the break");
    dorf_notify_stop(l);
}

static void test_a_lost_connection_is_unreachable_until_it_answers(void) {
    if (!test_store_pg()) {
        return;
    }
    dorf_store *other = NULL;
    CHECK_EQ_INT(dorf_store_open(ctx, test_store_location("notify"), DORF_STORE_READONLY, &other),
                 DORF_OK);
    if (!other) {
        return;
    }
    dorf_region_stamp stamp;
    dorf_store_stamp(other, &stamp);
    CHECK_EQ_INT(dorf_store_unreachable(other), 0);
    struct sql_store *s = (struct sql_store *)other;
    sql_stmt *st = NULL;
    CHECK_EQ_INT(sql_prepare(s->conn, "SELECT pg_backend_pid()", &st), SQL_OK);
    CHECK_EQ_INT(sql_step(st), SQL_ROW);
    long long pid = (long long)sql_column_int64(st, 0);
    sql_finalize(st);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", pid);
    sql_conn *c = test_store_connect(test_store_location("notify"));
    CHECK_EQ_INT(sql_exec(c, sql), SQL_OK);
    test_store_close(c);
    usleep(100 * 1000);
    /* The first call finds the connection gone; the next one reconnects and works. */
    CHECK(dorf_store_stamp(other, &stamp) != DORF_OK);
    CHECK_EQ_INT(dorf_store_unreachable(other), 1);
    dorf_status st2 = dorf_store_stamp(other, &stamp);
    CHECK(st2 == DORF_OK || st2 == DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_unreachable(other), 0);
    dorf_store_close(other);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    snprintf(topic, sizeof topic, "t%ld_notify", (long)getpid());
    ctx = dorf_ctx_new();
    if (dorf_store_open(ctx, test_store_location("notify"), DORF_STORE_CREATE, &store) != DORF_OK) {
        fprintf(stderr, "cannot open the %s store: %s\n", test_store_backend(),
                dorf_ctx_errmsg(ctx));
        return 1;
    }
    RUN(test_spatialite_publishes_nothing_and_cannot_listen);
    RUN(test_bad_topics_and_long_texts_are_refused);
    RUN(test_a_wrong_location_fails_at_once_with_the_reason);
    RUN(test_messages_arrive_in_order_and_at_commit_only);
    RUN(test_a_killed_listener_reconnects_and_hears_what_comes_after);
    RUN(test_a_lost_connection_is_unreachable_until_it_answers);
    dorf_store_close(store);
    dorf_ctx_free(ctx);
    test_store_cleanup();
    return check_summary();
}
