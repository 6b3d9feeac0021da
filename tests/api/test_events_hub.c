/*
 * test_events_hub.c: the broadcaster of DorfFunk's live updates (api/events_hub.c): ids,
 * SSE formatting, channel and block filters, the ring of the last 256 events, waiting with a
 * timeout, waking a waiter from another thread, and closing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_events_are_formatted_as_sse_with_increasing_ids);
    RUN(test_filters_leave_out_other_channels_and_blocked_authors);
    RUN(test_the_ring_keeps_the_last_256_events);
    RUN(test_a_waiter_wakes_on_publish_and_on_close);
    return check_summary();
}
