/*
 * test_events_hub.c: the broadcaster of DorfFunk's live updates (api/events_hub.c): ids,
 * SSE formatting, channel and block filters, the ring of the last 256 events, waiting with a
 * timeout, waking a waiter from another thread, and closing; and the wake-up callbacks that
 * let streams give their thread back (api_events_arm): once per arming, only for wanted
 * events, at the timeout from the hub's timer thread, at close, and never after the waiter
 * is freed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "events_hub.h"

static json_t *post(int id) {
    return json_pack("{s:i, s:s}", "id", id, "title", "line\nbreak");
}

static uint64_t publish(api_events_hub *hub, const char *type, const char *channel, int64_t who,
                        int id) {
    json_t *p = post(id);
    uint64_t n = api_events_publish(hub, type, channel, who, p);
    json_decref(p);
    return n;
}

static void test_events_are_formatted_as_sse_with_increasing_ids(void) {
    api_events_hub *hub = api_events_hub_new();
    CHECK_EQ_INT(api_events_last_id(hub), 0);
    CHECK_EQ_INT(publish(hub, "post", "help", 1, 10), 1);
    CHECK_EQ_INT(publish(hub, "reply", "help", 2, 11), 2);
    uint64_t after = 0;
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 0, &text, &len), 1);
    CHECK_EQ_INT(after, 2);
    CHECK_STR(text, "id: 1\nevent: post\ndata: {\"id\":1,\"type\":\"post\",\"channel\":\"help\","
                    "\"post\":{\"id\":10,\"title\":\"line\\nbreak\"}}\n\n"
                    "id: 2\nevent: reply\ndata: {\"id\":2,\"type\":\"reply\",\"channel\":\"help\","
                    "\"post\":{\"id\":11,\"title\":\"line\\nbreak\"}}\n\n");
    CHECK_EQ_INT(len, strlen(text));
    free(text);
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 10, &text, &len), 0);
    CHECK(text == NULL);
    api_events_hub_free(hub);
}

static void test_filters_leave_out_other_channels_and_blocked_authors(void) {
    api_events_hub *hub = api_events_hub_new();
    publish(hub, "post", "help", 1, 10);
    publish(hub, "post", "rides", 1, 11);
    publish(hub, "post", "help", 7, 12);
    publish(hub, "post", "help", 3, 13);
    int64_t blocked[] = {2, 7, 9};
    api_events_filter f = {"help", blocked, 3};
    uint64_t after = 0;
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ_INT(api_events_wait(hub, &after, &f, 0, &text, &len), 1);
    CHECK_EQ_INT(after, 4);
    CHECK(text && strstr(text, "id: 1\n") && strstr(text, "id: 4\n"));
    CHECK(text && !strstr(text, "id: 2\n") && !strstr(text, "id: 3\n"));
    free(text);
    /* Only filtered events arrive: a timeout, but the cursor moves on. */
    publish(hub, "post", "rides", 1, 14);
    CHECK_EQ_INT(api_events_wait(hub, &after, &f, 10, &text, &len), 0);
    CHECK_EQ_INT(after, 5);
    api_events_hub_free(hub);
}

static void test_the_ring_keeps_the_last_256_events(void) {
    api_events_hub *hub = api_events_hub_new();
    for (int i = 1; i <= 300; i++) {
        publish(hub, "post", "general", 1, i);
    }
    uint64_t after = 10; /* long gone: starts with the oldest kept, 45 */
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 0, &text, &len), 1);
    CHECK(text && strncmp(text, "id: 45\n", 7) == 0);
    size_t n = 0;
    for (const char *c = text; c && (c = strstr(c, "\n\n")); c += 2) {
        n++;
    }
    CHECK_EQ_INT(n, API_EVENTS_KEEP);
    free(text);
    after = 1000; /* from before a restart: what is kept */
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 0, &text, &len), 1);
    CHECK(text && strncmp(text, "id: 45\n", 7) == 0);
    free(text);
    api_events_hub_free(hub);
}

static void *publish_later(void *arg) {
    usleep(100 * 1000);
    publish(arg, "post", "help", 1, 99);
    return NULL;
}

static void *close_later(void *arg) {
    usleep(100 * 1000);
    api_events_hub_close(arg);
    return NULL;
}

static void test_a_waiter_wakes_on_publish_and_on_close(void) {
    api_events_hub *hub = api_events_hub_new();
    pthread_t t;
    pthread_create(&t, NULL, publish_later, hub);
    uint64_t after = 0;
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 5000, &text, &len), 1);
    CHECK(text && strstr(text, "\"id\":99"));
    free(text);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, close_later, hub);
    CHECK_EQ_INT(api_events_wait(hub, &after, NULL, 5000, &text, &len), -1);
    pthread_join(t, NULL);
    CHECK_EQ_INT(publish(hub, "post", "help", 1, 100), 0);
    api_events_hub_free(hub);
}

/* A wake-up callback's record: how often it ran, and when last (CLOCK_MONOTONIC ms). */
typedef struct wakes {
    atomic_int count;
    atomic_llong at_ms;
} wakes;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_wake(void *cls) {
    wakes *w = cls;
    atomic_store(&w->at_ms, now_ms());
    atomic_fetch_add(&w->count, 1);
}

/* Waits up to timeout_ms for w->count to reach n; returns the count. */
static int wait_wakes(wakes *w, int n, int timeout_ms) {
    for (int waited = 0; atomic_load(&w->count) < n && waited < timeout_ms; waited += 5) {
        usleep(5 * 1000);
    }
    return atomic_load(&w->count);
}

static void test_an_armed_waiter_is_woken_once_by_a_wanted_event(void) {
    api_events_hub *hub = api_events_hub_new();
    wakes w = {0};
    api_events_waiter *waiter = api_events_waiter_new(hub, on_wake, &w);
    CHECK(waiter != NULL);
    api_events_filter f = {"help", NULL, 0};
    CHECK_EQ_INT(api_events_arm(waiter, api_events_last_id(hub), &f, 0), 0);
    publish(hub, "post", "rides", 1, 10); /* another channel: no wake-up */
    CHECK_EQ_INT(atomic_load(&w.count), 0);
    publish(hub, "post", "help", 1, 11);
    CHECK_EQ_INT(atomic_load(&w.count), 1);
    publish(hub, "post", "help", 1, 12); /* no longer armed */
    CHECK_EQ_INT(atomic_load(&w.count), 1);
    /* The stream then polls: both help events, once. */
    uint64_t after = 1;
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ_INT(api_events_wait(hub, &after, &f, 0, &text, &len), 1);
    CHECK(text && strstr(text, "\"id\":11") && strstr(text, "\"id\":12"));
    free(text);
    CHECK_EQ_INT(after, 3);
    api_events_waiter_free(waiter);
    api_events_hub_free(hub);
}

static void test_arming_behind_a_kept_event_says_poll_again(void) {
    api_events_hub *hub = api_events_hub_new();
    wakes w = {0};
    api_events_waiter *waiter = api_events_waiter_new(hub, on_wake, &w);
    int64_t blocked[] = {7};
    api_events_filter f = {"help", blocked, 1};
    publish(hub, "post", "help", 7, 10); /* id 1, by a blocked author */
    CHECK_EQ_INT(api_events_arm(waiter, 0, &f, 0), 0);
    publish(hub, "post", "help", 7, 11); /* blocked: no wake-up */
    CHECK_EQ_INT(atomic_load(&w.count), 0);
    publish(hub, "post", "help", 8, 12); /* id 3 */
    CHECK_EQ_INT(atomic_load(&w.count), 1);
    /* Arming behind id 3 (published after the caller's last poll) does not arm. */
    CHECK_EQ_INT(api_events_arm(waiter, 2, &f, 0), 1);
    publish(hub, "post", "help", 8, 13);
    CHECK_EQ_INT(atomic_load(&w.count), 1);
    CHECK_EQ_INT(api_events_arm(waiter, 4, &f, 0), 0);
    api_events_waiter_free(waiter);
    api_events_hub_free(hub);
}

static void test_the_timer_wakes_an_armed_waiter_at_its_timeout(void) {
    api_events_hub *hub = api_events_hub_new();
    wakes a = {0};
    wakes b = {0};
    api_events_waiter *wa = api_events_waiter_new(hub, on_wake, &a);
    api_events_waiter *wb = api_events_waiter_new(hub, on_wake, &b);
    long long armed = now_ms();
    /* The later one first: the timer must notice the earlier deadline that comes next. */
    CHECK_EQ_INT(api_events_arm(wb, 0, NULL, 400), 0);
    CHECK_EQ_INT(api_events_arm(wa, 0, NULL, 100), 0);
    CHECK_EQ_INT(wait_wakes(&a, 1, 2000), 1);
    long long took = atomic_load(&a.at_ms) - armed;
    CHECK(took >= 100 && took < 350);
    CHECK_EQ_INT(atomic_load(&b.count), 0);
    CHECK_EQ_INT(wait_wakes(&b, 1, 2000), 1);
    took = atomic_load(&b.at_ms) - armed;
    CHECK(took >= 400 && took < 900);
    /* Once per arming: nothing more without arming again. */
    usleep(200 * 1000);
    CHECK_EQ_INT(atomic_load(&a.count), 1);
    CHECK_EQ_INT(atomic_load(&b.count), 1);
    api_events_waiter_free(wa);
    api_events_waiter_free(wb);
    api_events_hub_free(hub);
}

static void test_closing_wakes_armed_waiters_and_refuses_arming(void) {
    api_events_hub *hub = api_events_hub_new();
    wakes a = {0};
    wakes idle = {0};
    api_events_waiter *wa = api_events_waiter_new(hub, on_wake, &a);
    api_events_waiter *wi = api_events_waiter_new(hub, on_wake, &idle);
    CHECK_EQ_INT(api_events_arm(wa, 0, NULL, 0), 0);
    api_events_hub_close(hub);
    CHECK_EQ_INT(atomic_load(&a.count), 1);
    CHECK_EQ_INT(atomic_load(&idle.count), 0); /* not armed: not called */
    CHECK_EQ_INT(api_events_arm(wa, 0, NULL, 0), -1);
    CHECK_EQ_INT(api_events_arm(wi, 0, NULL, 50), -1);
    usleep(100 * 1000);
    CHECK_EQ_INT(atomic_load(&a.count), 1);
    CHECK_EQ_INT(atomic_load(&idle.count), 0);
    api_events_waiter_free(wa);
    api_events_waiter_free(wi);
    api_events_hub_free(hub);
}

static void test_a_freed_waiter_is_never_called(void) {
    api_events_hub *hub = api_events_hub_new();
    /* Heap-allocated and freed with the waiter: ASan reports a call after the free. */
    wakes *w = calloc(1, sizeof *w);
    api_events_waiter *a = api_events_waiter_new(hub, on_wake, w);
    wakes kept = {0};
    api_events_waiter *b = api_events_waiter_new(hub, on_wake, &kept);
    CHECK_EQ_INT(api_events_arm(a, 0, NULL, 30), 0);
    CHECK_EQ_INT(api_events_arm(b, 0, NULL, 0), 0);
    api_events_waiter_free(a);
    free(w);
    usleep(100 * 1000); /* past a's timeout */
    publish(hub, "post", "help", 1, 10);
    CHECK_EQ_INT(atomic_load(&kept.count), 1);
    api_events_waiter_free(b);
    api_events_waiter_free(NULL);
    api_events_hub_free(hub);
}

/* Many streams arming and polling while events come: each sees every event exactly once. */
enum { RACERS = 8, RACE_EVENTS = 200 };

typedef struct racer {
    api_events_hub *hub;
    pthread_mutex_t lock;
    pthread_cond_t woken;
    int wake_pending;
    int seen[RACE_EVENTS + 1];
    int ok;
} racer;

static void racer_wake(void *cls) {
    racer *r = cls;
    pthread_mutex_lock(&r->lock);
    r->wake_pending = 1;
    pthread_cond_signal(&r->woken);
    pthread_mutex_unlock(&r->lock);
}

static void *racer_main(void *arg) {
    racer *r = arg;
    api_events_waiter *w = api_events_waiter_new(r->hub, racer_wake, r);
    uint64_t after = 0;
    for (;;) {
        char *text = NULL;
        size_t len = 0;
        int got = api_events_wait(r->hub, &after, NULL, 0, &text, &len);
        for (const char *c = text; c && (c = strstr(c, "\"post\":{\"id\":")); c++) {
            int id = atoi(c + 13);
            if (id >= 1 && id <= RACE_EVENTS) {
                r->seen[id]++;
            }
        }
        free(text);
        if (got < 0) {
            break;
        }
        if (got > 0) {
            continue;
        }
        int armed = api_events_arm(w, after, NULL, 0);
        if (armed < 0) {
            break;
        }
        if (armed == 0) {
            /* "Suspended" until the callback: as a connection waits for its resume. */
            pthread_mutex_lock(&r->lock);
            while (!r->wake_pending) {
                pthread_cond_wait(&r->woken, &r->lock);
            }
            r->wake_pending = 0;
            pthread_mutex_unlock(&r->lock);
        }
    }
    api_events_waiter_free(w);
    r->ok = 1;
    return NULL;
}

static void test_racing_streams_see_every_event_exactly_once(void) {
    api_events_hub *hub = api_events_hub_new();
    static racer r[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].hub = hub;
        pthread_mutex_init(&r[i].lock, NULL);
        pthread_cond_init(&r[i].woken, NULL);
        pthread_create(&t[i], NULL, racer_main, &r[i]);
    }
    usleep(20 * 1000);
    for (int id = 1; id <= RACE_EVENTS; id++) {
        publish(hub, "post", "help", 1, id);
        if (id % 16 == 0) {
            usleep(1000);
        }
    }
    usleep(100 * 1000);
    api_events_hub_close(hub);
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        CHECK(r[i].ok);
        int once = 0;
        for (int id = 1; id <= RACE_EVENTS; id++) {
            once += r[i].seen[id] == 1;
        }
        CHECK_EQ_INT(once, RACE_EVENTS);
        pthread_mutex_destroy(&r[i].lock);
        pthread_cond_destroy(&r[i].woken);
    }
    api_events_hub_free(hub);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_events_are_formatted_as_sse_with_increasing_ids);
    RUN(test_filters_leave_out_other_channels_and_blocked_authors);
    RUN(test_the_ring_keeps_the_last_256_events);
    RUN(test_a_waiter_wakes_on_publish_and_on_close);
    RUN(test_an_armed_waiter_is_woken_once_by_a_wanted_event);
    RUN(test_arming_behind_a_kept_event_says_poll_again);
    RUN(test_the_timer_wakes_an_armed_waiter_at_its_timeout);
    RUN(test_closing_wakes_armed_waiters_and_refuses_arming);
    RUN(test_a_freed_waiter_is_never_called);
    RUN(test_racing_streams_see_every_event_exactly_once);
    return check_summary();
}
