/*
 * ratelimit.h: how often one client may do something (ratelimit.c): logins per address and
 * account, writes per address. Fixed windows counted in a table of a fixed size, so memory
 * does not grow with the number of clients; two keys that share a slot share a count, which
 * errs on the side of refusing.
 */
#ifndef DORF_API_RATELIMIT_H
#define DORF_API_RATELIMIT_H

#include <stdint.h>

typedef struct api_ratelimit api_ratelimit;

/* A table of `slots` counters (rounded up to a power of two); NULL out of memory. */
api_ratelimit *api_ratelimit_new(unsigned slots);
void api_ratelimit_free(api_ratelimit *limits);

/*
 * Counts one event for `key` at `now` (seconds) and returns 1 when it is within `limit`
 * events in the current window of `window_s` seconds, else 0 with *retry_after_s set to the
 * seconds until the window ends. Thread-safe.
 */
int api_ratelimit_allow(api_ratelimit *limits, const char *key, unsigned limit, unsigned window_s,
                        int64_t now, unsigned *retry_after_s);

#endif
