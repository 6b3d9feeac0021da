/*
 * events_hub.c: the broadcaster behind DorfFunk's live updates (events_hub.h).
 *
 * Events live in a ring buffer of API_EVENTS_KEEP slots: event id n is in slot
 * (n - 1) % API_EVENTS_KEEP, so the ids kept are always last_id - count + 1 .. last_id.
 * Each event's SSE text is formatted once, when it is published; a waiter copies the
 * matching texts under the lock, which is short because the texts are small (a post's body
 * is at most 10,000 bytes). The data line holds compact JSON, which never contains a newline,
 * so one "data:" line is a complete SSE field.
 *
 * Waiters (api_events_arm) are a list under the same lock: publishing and closing wake the
 * armed ones they concern, and one timer thread per hub wakes those whose timeout passed.
 * Callbacks run under the lock, so api_events_waiter_free, which takes it, can never return
 * while its waiter's callback runs, and the callback never runs after it: the stream's
 * connection is only ever resumed while it exists.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "events_hub.h"

typedef struct hub_event {
    uint64_t id;
    char channel[16];
    int64_t author_id;
    char *text; /* "id: N\nevent: TYPE\ndata: JSON\n\n" */
    size_t text_len;
} hub_event;

struct api_events_waiter {
    api_events_hub *hub;
    api_events_waiter *prev, *next;
    api_events_wake_fn wake;
    void *cls;
    int armed;
    uint64_t after;
    const api_events_filter *filter;
    int has_deadline;
    struct timespec deadline; /* CLOCK_MONOTONIC */
};

struct api_events_hub {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    hub_event ring[API_EVENTS_KEEP];
    uint64_t last_id;
    size_t count; /* events kept, at most API_EVENTS_KEEP */
    int closed;
    api_events_waiter *waiters; /* all registered, armed or not */
    pthread_cond_t timer_wake;  /* the timer thread: a new deadline, or stop */
    pthread_t timer;
    int timer_stop;
};

static void *timer_main(void *arg);

/* A monotonic condition variable, so a clock change neither cuts nor stretches waits. */
static int cond_init_monotonic(pthread_cond_t *cond) {
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        return -1;
    }
    int ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(cond, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok ? 0 : -1;
}

api_events_hub *api_events_hub_new(void) {
    api_events_hub *hub = dorf_calloc(1, sizeof *hub);
    if (!hub) {
        return NULL;
    }
    if (cond_init_monotonic(&hub->changed) != 0) {
        dorf_free(hub);
        return NULL;
    }
    if (cond_init_monotonic(&hub->timer_wake) != 0) {
        pthread_cond_destroy(&hub->changed);
        dorf_free(hub);
        return NULL;
    }
    if (pthread_mutex_init(&hub->lock, NULL) != 0) {
        pthread_cond_destroy(&hub->timer_wake);
        pthread_cond_destroy(&hub->changed);
        dorf_free(hub);
        return NULL;
    }
    if (pthread_create(&hub->timer, NULL, timer_main, hub) != 0) {
        pthread_mutex_destroy(&hub->lock);
        pthread_cond_destroy(&hub->timer_wake);
        pthread_cond_destroy(&hub->changed);
        dorf_free(hub);
        return NULL;
    }
    return hub;
}

void api_events_hub_free(api_events_hub *hub) {
    if (!hub) {
        return;
    }
    pthread_mutex_lock(&hub->lock);
    hub->timer_stop = 1;
    pthread_cond_signal(&hub->timer_wake);
    pthread_mutex_unlock(&hub->lock);
    pthread_join(hub->timer, NULL);
    for (size_t i = 0; i < API_EVENTS_KEEP; i++) {
        dorf_free(hub->ring[i].text);
    }
    pthread_cond_destroy(&hub->timer_wake);
    pthread_cond_destroy(&hub->changed);
    pthread_mutex_destroy(&hub->lock);
    dorf_free(hub);
}

/* Runs an armed waiter's callback once; the hub's lock is held. */
static void wake(api_events_waiter *w) {
    w->armed = 0;
    w->filter = NULL;
    w->wake(w->cls);
}

void api_events_hub_close(api_events_hub *hub) {
    pthread_mutex_lock(&hub->lock);
    hub->closed = 1;
    pthread_cond_broadcast(&hub->changed);
    for (api_events_waiter *w = hub->waiters; w; w = w->next) {
        if (w->armed) {
            wake(w);
        }
    }
    pthread_mutex_unlock(&hub->lock);
}

uint64_t api_events_last_id(api_events_hub *hub) {
    pthread_mutex_lock(&hub->lock);
    uint64_t id = hub->last_id;
    pthread_mutex_unlock(&hub->lock);
    return id;
}

static int blocked(const api_events_filter *f, int64_t author_id) {
    size_t lo = 0;
    size_t hi = f->blocked_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->blocked[mid] == author_id) {
            return 1;
        }
        if (f->blocked[mid] < author_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

static int wanted(const api_events_filter *f, const hub_event *e) {
    if (!e->text) {
        return 0; /* forgotten (api_events_forget_author) */
    }
    if (!f) {
        return 1;
    }
    if (f->channel && strcmp(f->channel, e->channel) != 0) {
        return 0;
    }
    return !blocked(f, e->author_id);
}

uint64_t api_events_publish(api_events_hub *hub, const char *type, const char *channel,
                            int64_t author_id, const json_t *post) {
    /* Format outside the lock; the id is only known inside, so it is patched in there. */
    json_t *data = json_pack("{s:I, s:s, s:s?, s:O}", "id", (json_int_t)0, "type", type, "channel",
                             channel, "post", (json_t *)post);
    if (!data) {
        return 0;
    }
    pthread_mutex_lock(&hub->lock);
    uint64_t id = 0;
    if (hub->closed) {
        goto done;
    }
    id = hub->last_id + 1;
    json_object_set_new(data, "id", json_integer((json_int_t)id));
    char *json = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!json) {
        id = 0;
        goto done;
    }
    size_t size = strlen(json) + strlen(type) + 64;
    char *text = dorf_malloc(size);
    if (!text) {
        free(json);
        id = 0;
        goto done;
    }
    int n = snprintf(text, size, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id, type,
                     json);
    free(json);
    hub_event *slot = &hub->ring[(id - 1) % API_EVENTS_KEEP];
    dorf_free(slot->text);
    slot->id = id;
    snprintf(slot->channel, sizeof slot->channel, "%s", channel ? channel : "");
    slot->author_id = author_id;
    slot->text = text;
    slot->text_len = (size_t)n;
    hub->last_id = id;
    if (hub->count < API_EVENTS_KEEP) {
        hub->count++;
    }
    pthread_cond_broadcast(&hub->changed);
    for (api_events_waiter *w = hub->waiters; w; w = w->next) {
        if (w->armed && id > w->after && wanted(w->filter, slot)) {
            wake(w);
        }
    }
done:
    pthread_mutex_unlock(&hub->lock);
    json_decref(data);
    return id;
}

size_t api_events_forget_author(api_events_hub *hub, int64_t author_id) {
    size_t n = 0;
    pthread_mutex_lock(&hub->lock);
    for (size_t i = 0; i < API_EVENTS_KEEP; i++) {
        hub_event *e = &hub->ring[i];
        if (e->text && e->author_id == author_id) {
            dorf_free(e->text);
            e->text = NULL;
            e->text_len = 0;
            n++;
        }
    }
    pthread_mutex_unlock(&hub->lock);
    return n;
}

int api_events_wait(api_events_hub *hub, uint64_t *after, const api_events_filter *filter,
                    unsigned timeout_ms, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int result = 0;
    pthread_mutex_lock(&hub->lock);
    for (;;) {
        if (hub->closed) {
            result = -1;
            break;
        }
        /* An id from before a restart (above last_id) starts over with what is kept. */
        if (*after > hub->last_id) {
            *after = hub->last_id > hub->count ? hub->last_id - hub->count : 0;
        }
        uint64_t first = hub->last_id - hub->count + 1;
        if (*after + 1 > first) {
            first = *after + 1;
        }
        size_t len = 0;
        for (uint64_t id = first; id <= hub->last_id; id++) {
            const hub_event *e = &hub->ring[(id - 1) % API_EVENTS_KEEP];
            if (wanted(filter, e)) {
                len += e->text_len;
            }
        }
        if (len > 0) {
            char *text = dorf_malloc(len + 1);
            if (!text) {
                result = -1;
                break;
            }
            size_t at = 0;
            for (uint64_t id = first; id <= hub->last_id; id++) {
                const hub_event *e = &hub->ring[(id - 1) % API_EVENTS_KEEP];
                if (wanted(filter, e)) {
                    memcpy(text + at, e->text, e->text_len);
                    at += e->text_len;
                }
            }
            text[at] = '\0';
            *out = text;
            *out_len = at;
            result = 1;
        }
        *after = hub->last_id;
        if (result != 0) {
            break;
        }
        int rc = pthread_cond_timedwait(&hub->changed, &hub->lock, &deadline);
        if (rc == ETIMEDOUT) {
            result = hub->closed ? -1 : 0;
            break;
        }
    }
    pthread_mutex_unlock(&hub->lock);
    return result;
}

api_events_waiter *api_events_waiter_new(api_events_hub *hub, api_events_wake_fn wake_fn,
                                         void *cls) {
    api_events_waiter *w = dorf_calloc(1, sizeof *w);
    if (!w) {
        return NULL;
    }
    w->hub = hub;
    w->wake = wake_fn;
    w->cls = cls;
    pthread_mutex_lock(&hub->lock);
    w->next = hub->waiters;
    if (w->next) {
        w->next->prev = w;
    }
    hub->waiters = w;
    pthread_mutex_unlock(&hub->lock);
    return w;
}

void api_events_waiter_free(api_events_waiter *w) {
    if (!w) {
        return;
    }
    api_events_hub *hub = w->hub;
    pthread_mutex_lock(&hub->lock);
    if (w->prev) {
        w->prev->next = w->next;
    } else {
        hub->waiters = w->next;
    }
    if (w->next) {
        w->next->prev = w->prev;
    }
    pthread_mutex_unlock(&hub->lock);
    dorf_free(w);
}

int api_events_arm(api_events_waiter *w, uint64_t after, const api_events_filter *filter,
                   unsigned timeout_ms) {
    api_events_hub *hub = w->hub;
    int result = 0;
    pthread_mutex_lock(&hub->lock);
    w->armed = 0;
    w->filter = NULL;
    if (hub->closed) {
        result = -1;
        goto done;
    }
    /* An event may have come between the caller's poll and now: then it polls again. */
    uint64_t first = hub->last_id - hub->count + 1;
    if (after + 1 > first) {
        first = after + 1;
    }
    for (uint64_t id = first; id <= hub->last_id; id++) {
        if (wanted(filter, &hub->ring[(id - 1) % API_EVENTS_KEEP])) {
            result = 1;
            goto done;
        }
    }
    w->armed = 1;
    w->after = after;
    w->filter = filter;
    w->has_deadline = timeout_ms > 0;
    if (w->has_deadline) {
        clock_gettime(CLOCK_MONOTONIC, &w->deadline);
        w->deadline.tv_sec += timeout_ms / 1000;
        w->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (w->deadline.tv_nsec >= 1000000000L) {
            w->deadline.tv_sec++;
            w->deadline.tv_nsec -= 1000000000L;
        }
        /* The timer may be asleep until a later deadline. */
        pthread_cond_signal(&hub->timer_wake);
    }
done:
    pthread_mutex_unlock(&hub->lock);
    return result;
}

static int before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The timer thread: wakes the armed waiters whose timeout passed, sleeping in between. */
static void *timer_main(void *arg) {
    api_events_hub *hub = arg;
    pthread_mutex_lock(&hub->lock);
    while (!hub->timer_stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec next = {0, 0};
        int have_next = 0;
        for (api_events_waiter *w = hub->waiters; w; w = w->next) {
            if (!w->armed || !w->has_deadline) {
                continue;
            }
            if (!before(&now, &w->deadline)) {
                wake(w);
            } else if (!have_next || before(&w->deadline, &next)) {
                next = w->deadline;
                have_next = 1;
            }
        }
        if (have_next) {
            pthread_cond_timedwait(&hub->timer_wake, &hub->lock, &next);
        } else {
            pthread_cond_wait(&hub->timer_wake, &hub->lock);
        }
    }
    pthread_mutex_unlock(&hub->lock);
    return NULL;
}
