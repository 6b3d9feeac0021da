/*
 * events_hub.h: live updates for DorfFunk, sent to browsers as Server-Sent Events (the
 * "text/event-stream" format of the WHATWG HTML standard, section 9.2).
 *
 * The hub is one broadcaster per server, shared by every request thread: handlers publish
 * an event when a funk post or reply is created, and each open stream waits for the events
 * after the last one it has sent. The hub keeps the newest API_EVENTS_KEEP events in a ring
 * buffer with increasing ids (from 1), so a client that reconnects with Last-Event-ID gets
 * what it missed, as long as it is still kept. All functions are thread-safe (one mutex and
 * one condition variable).
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

/*
 * The server's hub (server.c creates it at start, closes it before stopping libmicrohttpd
 * and frees it after).
 */
api_events_hub *api_server_events(api_server *server);

#endif
