/*
 * dorf/posts.h: DorfNews and DorfFunk in the store: news and events (with place and time)
 * and the citizens' board (channels lending, rides, help, general) with replies, reports,
 * moderators' hiding and each person's block list.
 *
 * A post is news, an event (with a start and an optional end) or a funk post in one channel;
 * a reply is a funk post with a parent (replies to replies are refused). The store checks the
 * shape of a post, not who may write it: the caller decides who may set `official`. Lists
 * leave out replies, hidden posts (except for moderators) and posts by authors the viewer
 * has blocked. Text is stored and returned byte for byte. Positions are WGS84 lon/lat in
 * degrees; distances are metres on a sphere of radius 6,371,008.8 m. Times are seconds since
 * the epoch (UTC). Both stores keep them (store_posts.c).
 */
#ifndef DORF_POSTS_H
#define DORF_POSTS_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/store.h"

typedef enum dorf_post_kind {
    DORF_POST_NEWS = 0,
    DORF_POST_EVENT,
    DORF_POST_FUNK,
} dorf_post_kind;

#define DORF_POST_TITLE_MAX 200    /* bytes */
#define DORF_POST_BODY_MAX 10000   /* bytes */
#define DORF_REPORT_REASON_MAX 500 /* bytes */
#define DORF_POST_LIST_MAX 100     /* posts per page at most */
#define DORF_POST_REPLIES_MAX 500  /* replies returned with a post at most */

/* "news", "event", "funk"; NULL for another value. */
const char *dorf_post_kind_name(dorf_post_kind kind);

/* 1 when `channel` is one of DorfFunk's channels (lending, rides, help, general). */
int dorf_post_channel_valid(const char *channel);

typedef struct dorf_post {
    int64_t id;
    dorf_post_kind kind;
    char channel[16]; /* funk posts and replies: the channel; else "" */
    int64_t author_id;
    char author_name[128]; /* filled when read */
    int official;
    int64_t parent_id; /* a reply's post; 0 for a post */
    char *title;       /* malloc'ed when read (dorf_post_clear frees); "" for replies */
    char *body;
    int has_location;
    double lon_deg;
    double lat_deg;
    int has_starts; /* events: starts_at is required, ends_at optional */
    int64_t starts_at;
    int has_ends;
    int64_t ends_at;
    int hidden;
    int64_t created_at;
    int64_t reply_count;  /* filled when read */
    int64_t report_count; /* filled when read */
    double distance_m;    /* filled when read with a `near` point; else 0 */
} dorf_post;

/* Frees a read post's title and body (and sets them to NULL). Accepts NULL. */
void dorf_post_clear(dorf_post *post);

typedef struct dorf_post_list {
    dorf_post *posts;
    size_t count;
} dorf_post_list;

/* Frees every post of a list and the array. Accepts NULL. */
void dorf_post_list_free(dorf_post_list *list);

typedef enum dorf_post_sort {
    DORF_POST_SORT_TIME = 0, /* newest first (by id) */
    DORF_POST_SORT_DISTANCE, /* nearest to `near` first, then newest */
} dorf_post_sort;

/* What a list asks for. Zero-initialise, then set what applies. */
typedef struct dorf_post_query {
    dorf_post_kind kind;
    const char *channel;  /* funk: one channel, or NULL for all */
    int64_t viewer_id;    /* 0: anonymous (nobody's block list applies) */
    int viewer_moderates; /* 1: hidden posts are listed too */
    int has_bbox;         /* only located posts within [minlon, minlat, maxlon, maxlat] */
    double bbox[4];
    int has_near; /* only located posts within radius_m of (near_lon, near_lat) */
    double near_lon_deg;
    double near_lat_deg;
    double radius_m;
    dorf_post_sort sort; /* DISTANCE needs has_near */
    int has_from;        /* events: only those not ended before from_at... */
    int64_t from_at;
    int has_until; /* ... and not starting after until_at */
    int64_t until_at;
    int64_t before_id; /* paging cursor (time order only): posts with id < before_id; 0: none */
    size_t limit;      /* 1 .. DORF_POST_LIST_MAX */
} dorf_post_query;

/*
 * Creates a post or a reply from `post` (kind, channel, author_id, official, parent_id, title,
 * body, location, times; id, author_name, hidden and the counts are ignored) at `now`, and
 * writes its id to *id. A reply (parent_id != 0) takes its parent's kind and channel, has no
 * title, location or times of its own. Errors: DORF_EINVAL (message says what: an unknown kind
 * or channel, a missing title or body, text too long, coordinates out of range, an event
 * without a start or ending before it starts, times on a non-event, a reply to a reply or to a
 * non-funk post), DORF_ENOTFOUND (no such parent or author), DORF_EIO.
 */
dorf_status dorf_store_post_create(dorf_store *store, const dorf_post *post, int64_t now,
                                   int64_t *id);

/*
 * The post `id` as `viewer_id` (0: anonymous) sees it: a hidden post is found only by
 * moderators (viewer_moderates) and its author. *out is filled (dorf_post_clear frees it).
 * DORF_ENOTFOUND (no message) when there is none to see; DORF_EIO.
 */
dorf_status dorf_store_post_get(dorf_store *store, int64_t id, int64_t viewer_id,
                                int viewer_moderates, dorf_post *out);

/*
 * Lists posts (never replies) for `q`; *out is filled (dorf_post_list_free frees it, also on
 * failure). DORF_EINVAL for a bad query (limit, bbox, radius, sort by distance without a point,
 * a channel on a non-funk list), DORF_EIO.
 */
dorf_status dorf_store_post_list(dorf_store *store, const dorf_post_query *q, dorf_post_list *out);

/*
 * The replies to post `parent_id`, oldest first, at most DORF_POST_REPLIES_MAX, without hidden
 * ones (unless viewer_moderates) and those of authors viewer_id blocked. DORF_EIO.
 */
dorf_status dorf_store_post_replies(dorf_store *store, int64_t parent_id, int64_t viewer_id,
                                    int viewer_moderates, dorf_post_list *out);

/*
 * Deletes post `id` of author `author_id` (0: any author, for moderators) with its replies
 * and their reports, and writes an audit row by `by_user_id`. DORF_ENOTFOUND, DORF_EIO.
 */
dorf_status dorf_store_post_delete(dorf_store *store, int64_t id, int64_t author_id,
                                   int64_t by_user_id, int64_t now);

/*
 * Records that `reporter_id` reported post `post_id` for `reason` (1 .. DORF_REPORT_REASON_MAX
 * bytes) and writes an audit row. DORF_ECONFLICT when this person reported it before,
 * DORF_ENOTFOUND (no such post), DORF_EINVAL, DORF_EIO.
 */
dorf_status dorf_store_post_report(dorf_store *store, int64_t post_id, int64_t reporter_id,
                                   const char *reason, int64_t now);

/*
 * Hides (hidden = 1) or shows again a post, as moderator `moderator_id`, with an audit row
 * ("hide" or "unhide"). DORF_ENOTFOUND, DORF_EIO.
 */
dorf_status dorf_store_post_set_hidden(dorf_store *store, int64_t post_id, int64_t moderator_id,
                                       int hidden, int64_t now);

/*
 * Adds (block = 1) or removes `blocked_id` from `user_id`'s block list; both are idempotent.
 * DORF_EINVAL (blocking oneself), DORF_ENOTFOUND (no such user to block), DORF_EIO.
 */
dorf_status dorf_store_user_block(dorf_store *store, int64_t user_id, int64_t blocked_id,
                                  int block);

/*
 * The ids `user_id` has blocked, ascending: *ids is dorf_malloc'ed (dorf_free it; NULL when
 * there are none) and *count set. DORF_ENOMEM, DORF_EIO.
 */
dorf_status dorf_store_user_blocked(dorf_store *store, int64_t user_id, int64_t **ids,
                                    size_t *count);

/* The great-circle distance in metres between two lon/lat points in degrees. */
double dorf_distance_m(double lon1_deg, double lat1_deg, double lon2_deg, double lat2_deg);

#endif
