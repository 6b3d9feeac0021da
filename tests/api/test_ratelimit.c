/*
 * test_ratelimit.c: fixed-window rate limits (api/ratelimit.c).
 */
#include <pthread.h>
#include <stdio.h>

#include "check.h"
#include "ratelimit.h"

static void test_a_key_gets_its_limit_per_window(void) {
    api_ratelimit *r = api_ratelimit_new(1024);
    CHECK(r != NULL);
    unsigned retry = 0;
    for (int i = 0; i < 5; i++)
        CHECK(api_ratelimit_allow(r, "login 10.0.0.1", 5, 60, 120, &retry));
    CHECK(!api_ratelimit_allow(r, "login 10.0.0.1", 5, 60, 130, &retry));
    CHECK_EQ_INT(retry, 50); /* the window 120..180 ends in 50 s */
    CHECK(api_ratelimit_allow(r, "login 10.0.0.2", 5, 60, 130, &retry)); /* another key */
    CHECK(api_ratelimit_allow(r, "login 10.0.0.1", 5, 60, 180, &retry)); /* a new window */
    api_ratelimit_free(r);
}

typedef struct worker {
    api_ratelimit *r;
    int allowed;
} worker;

static void *hammer(void *arg) {
    worker *w = arg;
    for (int i = 0; i < 1000; i++)
        w->allowed += api_ratelimit_allow(w->r, "writes 192.0.2.7", 300, 60, 600, NULL);
    return NULL;
}

static void test_concurrent_callers_never_exceed_the_limit(void) {
    api_ratelimit *r = api_ratelimit_new(64);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i].r = r;
        w[i].allowed = 0;
        pthread_create(&t[i], NULL, hammer, &w[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        total += w[i].allowed;
    }
    CHECK_EQ_INT(total, 300);
    api_ratelimit_free(r);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_a_key_gets_its_limit_per_window);
    RUN(test_concurrent_callers_never_exceed_the_limit);
    return check_summary();
}
