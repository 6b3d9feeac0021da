/*
 * dorf/notify.h: short messages between the `dorf serve` nodes of one database, so that what
 * one node does (a new DorfFunk post) reaches the clients of every node.
 *
 * On PostgreSQL a message is sent with NOTIFY on a topic (a channel name) and each node
 * listens on a connection of its own, in a thread that waits on that connection's socket and
 * calls back once per message. PostgreSQL delivers a message when the transaction that sent it
 * commits (a message sent outside a transaction at once), to every listener, the sender's
 * node included: a node that has already handled its own event must recognise and skip it
 * (put a node id in the message). A message is at most DORF_NOTIFY_MAX_BYTES bytes of text
 * (PostgreSQL's limit is 8000): send ids and let the receiver read the rows.
 *
 * Delivery is at most once: messages sent while a listener is disconnected are lost. The
 * listener reconnects by itself and tells its callback when it lost the server and when it
 * is listening again, so that the node can log it (and resynchronise, if it cares).
 *
 * A SpatiaLite store is one node: publishing does nothing and there is nothing to listen to.
 */
#ifndef DORF_NOTIFY_H
#define DORF_NOTIFY_H

#include "dorf/context.h"
#include "dorf/store.h"

/* The longest message, in bytes, without the terminating NUL. */
#define DORF_NOTIFY_MAX_BYTES 7999

typedef struct dorf_notify_listener dorf_notify_listener;

/* What a listener's callback is told. */
typedef enum dorf_notify_event {
    DORF_NOTIFY_MESSAGE, /* a message arrived: `text` is it */
    DORF_NOTIFY_LOST,    /* the connection broke; `text` says why; reconnecting */
    DORF_NOTIFY_BACK,    /* listening again; messages sent in between are lost (`text` NULL) */
} dorf_notify_event;

/*
 * Called on the listener's own thread, one call at a time, in the order the messages were
 * committed. `text` is valid during the call only. The callback may block (it holds up only
 * the messages after it) and must not call dorf_notify_stop on its own listener.
 */
typedef void (*dorf_notify_fn)(void *user, dorf_notify_event event, const char *text);

/*
 * Sends `text` to every listener of `topic` on the store's database: at the commit of the
 * transaction the store is in, else at once. `topic` is 1 to 63 characters of [a-z0-9_],
 * starting with a letter; `text` at most DORF_NOTIFY_MAX_BYTES bytes of UTF-8 (JSON is).
 * On SpatiaLite returns DORF_OK and sends nothing. Errors: DORF_EINVAL (a bad topic or a text
 * too long), DORF_EIO (the server refused it or cannot be reached).
 */
dorf_status dorf_notify_publish(dorf_store *store, const char *topic, const char *text);

/*
 * Connects to the PostgreSQL database at `location` (as dorf_store_open takes it), listens
 * on `topic` and starts a thread that calls fn(user, ...) for every message until
 * dorf_notify_stop. The first connection is made here, so that a wrong location fails now
 * (DORF_EIO, with libpq's reason in ctx); later losses are reconnected in the thread, first
 * after 0.2 s, then at most every 2 s. DORF_EINVAL when `location` is not PostgreSQL or the
 * topic is malformed, DORF_ENOMEM, DORF_EIO. *out is stopped with dorf_notify_stop.
 */
dorf_status dorf_notify_listen(dorf_ctx *ctx, const char *location, const char *topic,
                               dorf_notify_fn fn, void *user, dorf_notify_listener **out);

/* Stops listening, waits for the thread (and a callback running on it) to end, frees. NULL ok. */
void dorf_notify_stop(dorf_notify_listener *listener);

/*
 * 1 when the store's last call failed because its server could not be reached (the connection
 * broke or the server refused it), so that a caller reading from a replica can go to the
 * primary instead; the store reconnects on its next call. Always 0 on SpatiaLite.
 */
int dorf_store_unreachable(dorf_store *store);

#endif
