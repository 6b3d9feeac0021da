/*
 * events_hub.h: live updates for DorfFunk, sent to browsers as Server-Sent Events (the
 * "text/event-stream" format of the WHATWG HTML standard, section 9.2).
 *
 * The hub is one broadcaster per server, shared by every request thread: handlers publish
 * an event when a funk post or reply is created, and each open stream waits for the events
 * after the last one it has sent. The hub keeps the newest API_EVENTS_KEEP events in a ring
 * buffer with increasing ids (from 1), so a client that reconnects with Last-Event-ID gets
 * what it missed, as long as it is still kept. All functions are thread-safe (one mutex).
 *
 * A stream must not hold a server thread while it has nothing to send, so besides the
 * blocking api_events_wait the hub offers waiters: a stream registers a wake-up callback
 * once (api_events_waiter_new), and whenever it has nothing to send it arms its waiter
 * (api_events_arm) and gives its thread back (libmicrohttpd: suspends its connection). The
 * hub calls the callback once per arming: at the first wanted event, when the hub closes,
 * or at the arming's timeout (the hub's own timer thread, which sleeps until the earliest
 * timeout; the stream uses it for its keepalive). The stream then polls with
 * api_events_wait(..., 0, ...) and arms again.
 */
#ifndef DORF_API_EVENTS_HUB_H
#define DORF_API_EVENTS_HUB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api_internal.h"

#define API_EVENTS_KEEP 256

typedef struct api_events_hub api_events_hub;

/* A new, empty hub, or NULL when out of memory. Free with api_events_hub_free. */
api_events_hub *api_events_hub_new(void);

/* Frees the hub; no thread may still use it. Accepts NULL. */
void api_events_hub_free(api_events_hub *hub);

/*
 * Closes the hub: every waiter returns at once with -1, and so does every later wait, so
 * that streams end when the server stops. Publishing after closing does nothing.
 */
void api_events_hub_close(api_events_hub *hub);

/*
 * Publishes an event of `type` ("post", "reply": an SSE event name, [a-z_]+) in `channel`
 * (may be NULL) by `author_id`, whose data is the JSON text of {"id": N, "type", "channel",
 * "post": post}. `post` is borrowed. Returns the new id, or 0 when out of memory or closed.
 */
uint64_t api_events_publish(api_events_hub *hub, const char *type, const char *channel,
                            int64_t author_id, const json_t *post);

/*
 * Forgets the kept events by `author_id` (an erased person, dorf/erase.h): their text is
 * freed and streams skip them, also after Last-Event-ID. Returns how many were forgotten.
 */
size_t api_events_forget_author(api_events_hub *hub, int64_t author_id);

/* The id of the newest event (0 when none was published). */
uint64_t api_events_last_id(api_events_hub *hub);

/* Which events a stream wants: those of one channel (NULL: all), not by blocked authors. */
typedef struct api_events_filter {
    const char *channel;
    const int64_t *blocked; /* ascending ids, or NULL */
    size_t blocked_count;
} api_events_filter;

/*
 * Waits up to timeout_ms for events with an id above *after that pass `filter`, then formats
 * those kept as SSE text ("id: N\nevent: TYPE\ndata: JSON\n\n" each) into a new malloc'ed
 * string *out of *out_len bytes, and advances *after past every event looked at (also the
 * filtered ones). Returns 1 with *out set when there is text, 0 on timeout (*out NULL), -1
 * when the hub is closed or out of memory (*out NULL).
 */
int api_events_wait(api_events_hub *hub, uint64_t *after, const api_events_filter *filter,
                    unsigned timeout_ms, char **out, size_t *out_len);

/* One registered wake-up (api_events_waiter_new). */
typedef struct api_events_waiter api_events_waiter;

/*
 * The wake-up callback. It runs on whichever thread published, closed the hub or ran the
 * timer, with the hub's lock held: it must be quick and must not call the hub (resuming a
 * libmicrohttpd connection is fine).
 */
typedef void (*api_events_wake_fn)(void *cls);

/*
 * Registers a waiter that calls wake(cls) when armed and woken. Returns NULL when out of
 * memory. Free it with api_events_waiter_free before `cls` goes away.
 */
api_events_waiter *api_events_waiter_new(api_events_hub *hub, api_events_wake_fn wake, void *cls);

/*
 * Unregisters and frees the waiter. Once it returns, its callback runs no more and is not
 * running (a callback in progress on another thread is waited for, since it holds the
 * lock). Accepts NULL.
 */
void api_events_waiter_free(api_events_waiter *waiter);

/*
 * Arms the waiter: its callback will run once, at the first event published with an id above
 * `after` that passes `filter` (borrowed until the callback ran or the waiter is freed; NULL:
 * every event), when the hub is closed, or after timeout_ms (0: no timeout), whichever comes
 * first; then the waiter is unarmed again. Arming an armed waiter replaces the arming.
 * Returns 0 when armed; 1, not armed, when a wanted event above `after` is already kept (it
 * came after the caller's last poll: poll again); -1, not armed, when the hub is closed.
 */
int api_events_arm(api_events_waiter *waiter, uint64_t after, const api_events_filter *filter,
                   unsigned timeout_ms);

/*
 * The server's hub (server.c creates it at start, closes it before stopping libmicrohttpd
 * and frees it after).
 */
api_events_hub *api_server_events(api_server *server);

#endif
