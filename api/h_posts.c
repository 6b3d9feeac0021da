/*
 * h_posts.c: DorfNews (news, events, the iCalendar feed) and DorfFunk (the citizens' board
 * with channels, replies and live updates), with reports, moderators' hiding and each
 * person's block list (docs/api.md, "DorfNews" and "DorfFunk").
 *
 * News and events are public to read; DorfFunk is for logged-in people only. Every list
 * takes bbox= or near=lon,lat&radius= and sort=time|distance, or sort=travel_time&mode= with
 * near= (travel.h), and pages with limit= and the before= id cursor (sort=time only). Input is
 * checked completely before anything is stored, and text is kept byte for byte (the portal escapes
 * it when it shows it). New funk posts and replies are published to the server's events hub
 * (events_hub.h), which the stream endpoint relays as Server-Sent Events.
 */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "dorf/alloc.h"
#include "dorf/posts.h"
#include "events_hub.h"
#include "ical.h"
#include "json_util.h"
#include "travel.h"

#define MODERATORS (DORF_ROLE_MODERATOR | DORF_ROLE_ADMIN)
#define FIVE_YEARS_S ((int64_t)5 * 365 * 86400 + 2 * 86400)
#define DEFAULT_LIMIT 20
#define DEFAULT_RADIUS_M 5000.0
#define MAX_RADIUS_M 500000.0
#define ICAL_MAX_EVENTS 1000
#define ICAL_PAST_S ((int64_t)90 * 86400) /* the feed shows events ended up to 90 days ago */
/* A comment line this often keeps idle connections open and finds clients that went away;
 * DORF_STREAM_KEEPALIVE_S (1 to 3600) changes it, for tests (docs/api.md). */
#define STREAM_KEEPALIVE_S 15

static int moderates(const api_request *req) {
    return req->user && (req->user->roles & MODERATORS);
}

static void store_failed(const api_request *req, api_response *res, dorf_status st) {
    if (st == DORF_EINVAL) {
        api_error(res, 400, "bad_request", "%s", dorf_ctx_errmsg(req->ctx));
    } else if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "%s", dorf_ctx_errmsg(req->ctx));
    } else if (st == DORF_ECONFLICT) {
        api_error(res, 409, "conflict", "%s", dorf_ctx_errmsg(req->ctx));
    } else {
        fprintf(stderr, "dorf serve: %s %s: %s\n", req->method, req->path,
                dorf_ctx_errmsg(req->ctx));
        api_error(res, 500, "internal", "the request could not be completed");
    }
}

/* The JSON of a post as `req`'s caller may see it. */
static json_t *post_json(const api_request *req, const dorf_post *p, int with_distance) {
    json_t *o =
        json_pack("{s:I, s:s, s:{s:I, s:s}, s:b, s:s, s:s, s:I}", "id", (json_int_t)p->id, "kind",
                  dorf_post_kind_name(p->kind), "author", "id", (json_int_t)p->author_id, "name",
                  p->author_name, "official", p->official, "title", p->title, "body", p->body,
                  "created_at", (json_int_t)p->created_at);
    if (!o) {
        return NULL;
    }
    if (p->channel[0]) {
        json_object_set_new(o, "channel", json_string(p->channel));
    }
    if (p->parent_id) {
        json_object_set_new(o, "parent_id", json_integer(p->parent_id));
        json_object_del(o, "title");
    } else {
        json_object_set_new(o, "reply_count", json_integer(p->reply_count));
    }
    json_object_set_new(o, "location",
                        p->has_location
                            ? json_pack("{s:f, s:f}", "lon", p->lon_deg, "lat", p->lat_deg)
                            : json_null());
    if (p->kind == DORF_POST_EVENT) {
        json_object_set_new(o, "starts_at", json_integer(p->starts_at));
        json_object_set_new(o, "ends_at", p->has_ends ? json_integer(p->ends_at) : json_null());
    }
    if (with_distance) {
        json_object_set_new(o, "distance_m", json_real(round(p->distance_m * 10) / 10));
    }
    if (p->hidden) {
        json_object_set_new(o, "hidden", json_true());
    }
    if (moderates(req)) {
        json_object_set_new(o, "hidden", json_boolean(p->hidden));
        json_object_set_new(o, "report_count", json_integer(p->report_count));
    }
    return o;
}

/* A required (or optional) text field without NUL bytes; 0, or -1 with a 400 on `res`. */
static int text_field(const api_request *req, const char *key, unsigned flags, size_t max,
                      const char **out, api_response *res) {
    if (api_body_string(req, key, flags, max, out, res) != 0) {
        return -1;
    }
    if (*out && strlen(*out) != json_string_length(json_object_get(req->body, key))) {
        api_error(res, 400, "bad_field", "the field '%s' must not contain NUL characters", key);
        return -1;
    }
    return 0;
}

/* The optional "location": {"lon": x, "lat": y}. */
static int location_field(const api_request *req, dorf_post *p, api_response *res) {
    json_t *v = json_object_get(req->body, "location");
    if (!v || json_is_null(v)) {
        return 0;
    }
    json_t *lon = json_object_get(v, "lon");
    json_t *lat = json_object_get(v, "lat");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(lon) ||
        !json_is_number(lat)) {
        api_error(res, 400, "bad_field",
                  "the field 'location' must be an object {\"lon\": number, \"lat\": number}");
        return -1;
    }
    double x = json_number_value(lon);
    double y = json_number_value(lat);
    if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
        api_error(res, 400, "bad_field",
                  "the field 'location' must have lon in [-180, 180] and lat in [-90, 90]");
        return -1;
    }
    p->has_location = 1;
    p->lon_deg = x;
    p->lat_deg = y;
    return 0;
}

/* A time field within five years of now. */
static int time_field(const api_request *req, const char *key, unsigned flags, int64_t *out,
                      int *has, api_response *res) {
    if (!json_object_get(req->body, key) || json_is_null(json_object_get(req->body, key))) {
        return api_body_int(req, key, flags, 0, 0, out, res);
    }
    if (api_body_int(req, key, API_REQUIRED, req->now - FIVE_YEARS_S, req->now + FIVE_YEARS_S, out,
                     res) != 0) {
        return -1;
    }
    *has = 1;
    return 0;
}

/* Reads and checks a new post's fields; `kind` says which apply. 0, or -1 with a 400. */
static int post_fields(const api_request *req, dorf_post_kind kind, dorf_post *p,
                       api_response *res) {
    static const char *const news_fields[] = {"title", "body", "location", "official", NULL};
    static const char *const event_fields[] = {"title",     "body",    "location", "official",
                                               "starts_at", "ends_at", NULL};
    static const char *const funk_fields[] = {"title", "body", "location", NULL};
    const char *const *allowed = kind == DORF_POST_NEWS    ? news_fields
                                 : kind == DORF_POST_EVENT ? event_fields
                                                           : funk_fields;
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->author_id = req->user->id;
    const char *title = NULL;
    const char *body = NULL;
    if (api_body_only(req, allowed, res) != 0 ||
        text_field(req, "title", API_REQUIRED, DORF_POST_TITLE_MAX, &title, res) != 0 ||
        text_field(req, "body", API_REQUIRED, DORF_POST_BODY_MAX, &body, res) != 0 ||
        location_field(req, p, res) != 0) {
        return -1;
    }
    p->title = (char *)title;
    p->body = (char *)body;
    if (kind != DORF_POST_FUNK &&
        api_body_bool(req, "official", API_OPTIONAL, &p->official, res) != 0) {
        return -1;
    }
    if (kind == DORF_POST_EVENT) {
        if (time_field(req, "starts_at", API_REQUIRED, &p->starts_at, &p->has_starts, res) != 0 ||
            time_field(req, "ends_at", API_OPTIONAL, &p->ends_at, &p->has_ends, res) != 0) {
            return -1;
        }
        if (p->has_ends && p->ends_at < p->starts_at) {
            api_error(res, 400, "bad_field", "the field 'ends_at' lies before 'starts_at'");
            return -1;
        }
    }
    if (p->official && !moderates(req)) {
        api_error(res, 403, "forbidden",
                  "only moderators and admins post for the town hall "
                  "(official)");
        return -1;
    }
    return 0;
}

/* Creates the post, answers 201 with it, and returns it in *out (cleared by the caller). */
static int create_post(api_request *req, api_response *res, const dorf_post *p, dorf_post *out) {
    int64_t id = 0;
    dorf_status st = dorf_store_post_create(req->store, p, req->now, &id);
    if (st == DORF_OK) {
        st = dorf_store_post_get(req->store, id, req->user->id, 1, out);
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return -1;
    }
    snprintf(res->location, sizeof res->location, "/api/posts/%lld", (long long)id);
    api_json(res, 201, post_json(req, out, 0));
    return 0;
}

/* Parses "lon,lat". */
static int parse_point(const char *s, double *lon, double *lat) {
    char *end;
    errno = 0;
    *lon = strtod(s, &end);
    if (end == s || *end != ',') {
        return -1;
    }
    const char *t = end + 1;
    *lat = strtod(t, &end);
    if (end == t || *end != '\0' || errno == ERANGE) {
        return -1;
    }
    return *lon >= -180 && *lon <= 180 && *lat >= -90 && *lat <= 90 ? 0 : -1;
}

/* sort=travel_time: what to time, and the list's limit (the store is asked for more). */
struct travel_sort {
    api_travel_args args;
    size_t limit;
};

/* Reads bbox, near, radius, sort, mode, limit and before into `q`. 0, or -1 with a 400. */
static int list_query(const api_request *req, dorf_post_query *q, struct travel_sort *t,
                      api_response *res) {
    api_travel_args *travel = &t->args;
    if (api_query_bbox(req, "bbox", API_OPTIONAL, q->bbox, res) != 0) {
        return -1;
    }
    q->has_bbox = api_query(req, "bbox") != NULL;
    const char *near = api_query(req, "near");
    const char *radius = api_query(req, "radius");
    if (near) {
        if (parse_point(near, &q->near_lon_deg, &q->near_lat_deg) != 0) {
            api_error(res, 400, "bad_query",
                      "the query argument 'near' must be lon,lat in degrees");
            return -1;
        }
        q->has_near = 1;
        q->radius_m = DEFAULT_RADIUS_M;
    }
    if (radius) {
        char *end;
        double r = strtod(radius, &end);
        if (!near || end == radius || *end != '\0' || !(r > 0 && r <= MAX_RADIUS_M)) {
            api_error(res, 400, "bad_query",
                      "the query argument 'radius' must be metres in (0, %.0f], with 'near'",
                      MAX_RADIUS_M);
            return -1;
        }
        q->radius_m = r;
    }
    const char *sort = api_query(req, "sort");
    if (sort && strcmp(sort, "distance") == 0) {
        if (!near) {
            api_error(res, 400, "bad_query", "the query argument 'sort=distance' needs 'near'");
            return -1;
        }
        q->sort = DORF_POST_SORT_DISTANCE;
    } else if (sort && strcmp(sort, "time") != 0 && strcmp(sort, "travel_time") != 0) {
        api_error(res, 400, "bad_query",
                  "the query argument 'sort' must be time, distance or travel_time");
        return -1;
    }
    if (api_travel_args_read(req, sort, near != NULL, travel, res) != 0) {
        return -1;
    }
    int64_t limit = DEFAULT_LIMIT;
    int64_t before = 0;
    if (api_query_int(req, "limit", API_OPTIONAL, 1, DORF_POST_LIST_MAX, &limit, res) != 0 ||
        api_query_int(req, "before", API_OPTIONAL, 1, INT64_MAX, &before, res) != 0) {
        return -1;
    }
    if (before && (q->sort == DORF_POST_SORT_DISTANCE || travel->on)) {
        api_error(res, 400, "bad_query", "the query argument 'before' pages only sort=time");
        return -1;
    }
    q->limit = (size_t)limit;
    if (travel->on) {
        /* The nearest by straight line, as many as a list may hold, then by travel time. */
        q->sort = DORF_POST_SORT_DISTANCE;
        q->limit = DORF_POST_LIST_MAX;
        t->limit = (size_t)limit;
    }
    q->before_id = before;
    q->viewer_id = req->user ? req->user->id : 0;
    q->viewer_moderates = moderates(req);
    return 0;
}

/*
 * Answers {"posts": [...], "next_before": ID or null}; with sort=travel_time the posts fetched
 * nearest first are put in order of travel time, each with its "travel_time_s".
 */
static void answer_list(api_request *req, api_response *res, const dorf_post_query *q,
                        const struct travel_sort *travel) {
    dorf_post_list list;
    dorf_status st = dorf_store_post_list(req->store, q, &list);
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    size_t n = list.count;
    api_travel_item *order = NULL;
    if (travel->args.on) {
        if (!(order = calloc(n ? n : 1, sizeof *order))) {
            dorf_post_list_free(&list);
            api_error(res, 503, "unavailable", "out of memory; try again");
            return;
        }
        for (size_t i = 0; i < n; i++) {
            const dorf_post *p = &list.posts[i];
            order[i] = (api_travel_item){p->lon_deg, p->lat_deg, p->distance_m, i, NAN};
        }
        if (api_travel_order(req, res, &travel->args, q->near_lon_deg, q->near_lat_deg, q->radius_m,
                             order, n) != 0) {
            free(order);
            dorf_post_list_free(&list);
            return;
        }
        if (n > travel->limit) {
            n = travel->limit;
        }
    }
    json_t *posts = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = post_json(req, &list.posts[order ? order[i].index : i], q->has_near);
        if (o && order) {
            json_object_set_new(o, "travel_time_s", api_travel_time_json(order[i].time_s));
        }
        json_array_append_new(posts, o);
    }
    free(order);
    json_t *body = json_pack("{s:o}", "posts", posts);
    if (list.count == q->limit && q->sort == DORF_POST_SORT_TIME) {
        json_object_set_new(body, "next_before", json_integer(list.posts[list.count - 1].id));
    } else {
        json_object_set_new(body, "next_before", json_null());
    }
    dorf_post_list_free(&list);
    api_json(res, 200, body);
}

static void h_news_list(api_request *req, api_response *res) {
    dorf_post_query q = {.kind = DORF_POST_NEWS};
    struct travel_sort travel = {0};
    if (list_query(req, &q, &travel, res) == 0) {
        answer_list(req, res, &q, &travel);
    }
}

static void h_news_create(api_request *req, api_response *res) {
    dorf_post p;
    dorf_post out = {0};
    if (post_fields(req, DORF_POST_NEWS, &p, res) == 0) {
        create_post(req, res, &p, &out);
    }
    dorf_post_clear(&out);
}

/* Reads from= and until= (seconds since the epoch). */
static int window_query(const api_request *req, dorf_post_query *q, api_response *res) {
    if (api_query_int(req, "from", API_OPTIONAL, 0, INT64_MAX / 2, &q->from_at, res) != 0 ||
        api_query_int(req, "until", API_OPTIONAL, 0, INT64_MAX / 2, &q->until_at, res) != 0) {
        return -1;
    }
    q->has_from = api_query(req, "from") != NULL;
    q->has_until = api_query(req, "until") != NULL;
    if (q->has_from && q->has_until && q->until_at < q->from_at) {
        api_error(res, 400, "bad_query", "the query argument 'until' lies before 'from'");
        return -1;
    }
    return 0;
}

static void h_events_list(api_request *req, api_response *res) {
    dorf_post_query q = {.kind = DORF_POST_EVENT};
    struct travel_sort travel = {0};
    if (list_query(req, &q, &travel, res) == 0 && window_query(req, &q, res) == 0) {
        answer_list(req, res, &q, &travel);
    }
}

static void h_events_create(api_request *req, api_response *res) {
    dorf_post p;
    dorf_post out = {0};
    if (post_fields(req, DORF_POST_EVENT, &p, res) == 0) {
        create_post(req, res, &p, &out);
    }
    dorf_post_clear(&out);
}

static void h_events_ics(api_request *req, api_response *res) {
    dorf_post_query q = {.kind = DORF_POST_EVENT, .limit = DORF_POST_LIST_MAX};
    q.has_from = 1;
    q.from_at = req->now - ICAL_PAST_S;
    if (window_query(req, &q, res) != 0) {
        return;
    }
    if (!api_query(req, "from")) {
        q.has_from = 1;
        q.from_at = req->now - ICAL_PAST_S;
    }
    api_ical cal = {0};
    api_ical_begin(&cal, "-//dorf//DorfNews events//EN", "DorfNews");
    size_t total = 0;
    for (;;) {
        dorf_post_list list;
        dorf_status st = dorf_store_post_list(req->store, &q, &list);
        if (st != DORF_OK) {
            api_ical_free(&cal);
            store_failed(req, res, st);
            return;
        }
        for (size_t i = 0; i < list.count; i++) {
            const dorf_post *p = &list.posts[i];
            api_ical_event e = {
                .id = p->id,
                .stamp = p->created_at,
                .starts_at = p->starts_at,
                .has_ends = p->has_ends,
                .ends_at = p->ends_at,
                .title = p->title,
                .body = p->body,
                .has_location = p->has_location,
                .lon_deg = p->lon_deg,
                .lat_deg = p->lat_deg,
            };
            api_ical_event_add(&cal, &e);
        }
        total += list.count;
        int more = list.count == q.limit && total < ICAL_MAX_EVENTS;
        if (more) {
            q.before_id = list.posts[list.count - 1].id;
        }
        dorf_post_list_free(&list);
        if (!more) {
            break;
        }
    }
    if (api_ical_end(&cal) != 0) {
        api_ical_free(&cal);
        api_error(res, 500, "internal", "out of memory writing the calendar");
        return;
    }
    api_json(res, 200, NULL);
    res->text = cal.data;
    res->text_size = cal.len;
    res->content_type = "text/calendar; charset=utf-8";
}

/* The {channel} parameter; NULL after a 400. */
static const char *channel_param(const api_request *req, api_response *res) {
    const char *c = req->param_count > 0 ? req->params[0] : NULL;
    if (!dorf_post_channel_valid(c)) {
        api_error(res, 400, "bad_field",
                  "unknown channel '%.32s'; channels are lending, rides, help and general",
                  c ? c : "");
        return NULL;
    }
    return c;
}

static void h_funk_list(api_request *req, api_response *res) {
    dorf_post_query q = {.kind = DORF_POST_FUNK};
    struct travel_sort travel = {0};
    q.channel = channel_param(req, res);
    if (q.channel && list_query(req, &q, &travel, res) == 0) {
        answer_list(req, res, &q, &travel);
    }
}

/* Publishes post `p` (as `post`) to this node's hub; 0 when it could not. */
static uint64_t publish_here(api_server *server, const char *type, const dorf_post *p,
                             const json_t *post) {
    api_events_hub *hub = api_server_events(server);
    /* Everyone on the channel gets the same view: without what only moderators see. */
    json_t *copy = post ? json_deep_copy(post) : NULL;
    json_object_del(copy, "hidden");
    json_object_del(copy, "report_count");
    uint64_t id = hub && copy ? api_events_publish(hub, type, p->channel, p->author_id, copy) : 0;
    json_decref(copy);
    return id;
}

static void publish(api_request *req, const char *type, const dorf_post *p, json_t *post) {
    if (!publish_here(req->server, type, p, post)) {
        fprintf(stderr, "dorf serve: could not publish the live update of post %lld\n",
                (long long)p->id);
    }
    /* The other nodes read the post themselves: a body of 10,000 bytes would not fit. */
    json_t *message = json_pack("{s:s, s:I}", "type", type, "id", (json_int_t)p->id);
    api_server_tell_nodes(req, message);
    json_decref(message);
}

void api_posts_relay(api_server *server, dorf_store *store, dorf_ctx *ctx, const json_t *message) {
    const char *type = json_string_value(json_object_get(message, "type"));
    json_int_t id = json_integer_value(json_object_get(message, "id"));
    if (!type || (strcmp(type, "post") != 0 && strcmp(type, "reply") != 0) || id <= 0) {
        fprintf(stderr, "dorf serve: ignoring another node's live update of unknown type %.32s\n",
                type ? type : "(none)");
        return;
    }
    dorf_post p;
    /* As anyone sees it: a post deleted or hidden meanwhile is not shown any more. */
    dorf_status st = dorf_store_post_get(store, id, 0, 0, &p);
    if (st == DORF_ENOTFOUND) {
        return;
    }
    if (st != DORF_OK) {
        fprintf(stderr, "dorf serve: cannot read post %lld of another node's live update: %s\n",
                (long long)id, dorf_ctx_errmsg(ctx));
        dorf_ctx_clear_error(ctx);
        return;
    }
    if (p.kind == DORF_POST_FUNK) { /* only DorfFunk has live updates */
        api_request req = {.server = server, .store = store, .ctx = ctx};
        json_t *post = post_json(&req, &p, 0);
        publish_here(server, type, &p, post);
        json_decref(post);
    }
    dorf_post_clear(&p);
}

static void h_funk_create(api_request *req, api_response *res) {
    const char *channel = channel_param(req, res);
    dorf_post p;
    dorf_post out = {0};
    if (channel && post_fields(req, DORF_POST_FUNK, &p, res) == 0) {
        snprintf(p.channel, sizeof p.channel, "%s", channel);
        if (create_post(req, res, &p, &out) == 0) {
            publish(req, "post", &out, res->json);
        }
    }
    dorf_post_clear(&out);
}

/* The post {id} as the caller may see it: 404 when hidden from them, 401 for funk posts
   without a session. 0 with *out filled (clear it), or -1 after answering. */
static int visible_post(api_request *req, api_response *res, dorf_post *out) {
    int64_t id = api_param_id(req, 0);
    memset(out, 0, sizeof *out);
    dorf_status st =
        id ? dorf_store_post_get(req->store, id, req->user ? req->user->id : 0, moderates(req), out)
           : DORF_ENOTFOUND;
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no such post");
        return -1;
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return -1;
    }
    if (out->kind == DORF_POST_FUNK && !req->user) {
        dorf_post_clear(out);
        api_error(res, 401, "unauthorized", "DorfFunk needs a session: log in first");
        return -1;
    }
    return 0;
}

static void h_post_get(api_request *req, api_response *res) {
    dorf_post p;
    if (visible_post(req, res, &p) != 0) {
        return;
    }
    json_t *body = post_json(req, &p, 0);
    if (p.kind == DORF_POST_FUNK && !p.parent_id) {
        dorf_post_list replies;
        dorf_status st =
            dorf_store_post_replies(req->store, p.id, req->user->id, moderates(req), &replies);
        if (st != DORF_OK) {
            json_decref(body);
            dorf_post_clear(&p);
            store_failed(req, res, st);
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < replies.count; i++) {
            json_array_append_new(list, post_json(req, &replies.posts[i], 0));
        }
        dorf_post_list_free(&replies);
        json_object_set_new(body, "replies", list);
    }
    dorf_post_clear(&p);
    api_json(res, 200, body);
}

static void h_post_delete(api_request *req, api_response *res) {
    dorf_post p;
    if (visible_post(req, res, &p) != 0) {
        return;
    }
    int own = p.author_id == req->user->id;
    dorf_post_clear(&p);
    if (!own && !moderates(req)) {
        api_error(res, 403, "forbidden", "only the author or a moderator deletes a post");
        return;
    }
    dorf_status st =
        dorf_store_post_delete(req->store, p.id, own ? req->user->id : 0, req->user->id, req->now);
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    res->status = 204;
}

static void h_reply_create(api_request *req, api_response *res) {
    static const char *const fields[] = {"body", NULL};
    dorf_post parent;
    if (visible_post(req, res, &parent) != 0) {
        return;
    }
    dorf_post_clear(&parent);
    const char *body = NULL;
    if (api_body_only(req, fields, res) != 0 ||
        text_field(req, "body", API_REQUIRED, DORF_POST_BODY_MAX, &body, res) != 0) {
        return;
    }
    if (parent.kind != DORF_POST_FUNK || parent.parent_id) {
        api_error(res, 400, "bad_request", "only DorfFunk posts take replies, replies take none");
        return;
    }
    dorf_post p = {.parent_id = parent.id, .author_id = req->user->id, .body = (char *)body};
    dorf_post out = {0};
    if (create_post(req, res, &p, &out) == 0) {
        publish(req, "reply", &out, res->json);
    }
    dorf_post_clear(&out);
}

static void h_post_report(api_request *req, api_response *res) {
    static const char *const fields[] = {"reason", NULL};
    dorf_post p;
    if (visible_post(req, res, &p) != 0) {
        return;
    }
    dorf_post_clear(&p);
    const char *reason = NULL;
    if (api_body_only(req, fields, res) != 0 ||
        text_field(req, "reason", API_REQUIRED, DORF_REPORT_REASON_MAX, &reason, res) != 0) {
        return;
    }
    dorf_status st = dorf_store_post_report(req->store, p.id, req->user->id, reason, req->now);
    if (st == DORF_ECONFLICT) {
        api_error(res, 409, "already_reported", "you have reported this post already");
        return;
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    res->status = 204;
}

static void set_hidden(api_request *req, api_response *res, int hidden) {
    int64_t id = api_param_id(req, 0);
    if (req->body && api_body_only(req, (const char *const[]){NULL}, res) != 0) {
        return;
    }
    dorf_status st =
        id ? dorf_store_post_set_hidden(req->store, id, req->user->id, hidden, req->now)
           : DORF_ENOTFOUND;
    dorf_post p = {0};
    if (st == DORF_OK) {
        st = dorf_store_post_get(req->store, id, req->user->id, 1, &p);
    }
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no such post");
    } else if (st != DORF_OK) {
        store_failed(req, res, st);
    } else {
        api_json(res, 200, post_json(req, &p, 0));
    }
    dorf_post_clear(&p);
}

static void h_post_hide(api_request *req, api_response *res) {
    set_hidden(req, res, 1);
}

static void h_post_unhide(api_request *req, api_response *res) {
    set_hidden(req, res, 0);
}

static void set_block(api_request *req, api_response *res, int block) {
    int64_t id = api_param_id(req, 0);
    if (req->body && api_body_only(req, (const char *const[]){NULL}, res) != 0) {
        return;
    }
    if (!id) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    if (id == req->user->id) {
        api_error(res, 400, "bad_request", "nobody can block themselves");
        return;
    }
    dorf_status st = dorf_store_user_block(req->store, req->user->id, id, block);
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    res->status = 204;
}

static void h_user_block(api_request *req, api_response *res) {
    set_block(req, res, 1);
}

static void h_user_unblock(api_request *req, api_response *res) {
    set_block(req, res, 0);
}

/*
 * One open event stream: what it has sent and what is waiting to go out.
 *
 * A stream never waits on a server thread: when it has nothing to send, stream_read arms the
 * stream's hub waiter and suspends the connection (libmicrohttpd then leaves it out of its
 * polling), and the waiter's callback resumes it at the next event for the stream, when the
 * hub closes, or when the keepalive is due. A keepalive written to a client that went away
 * fails, which closes the connection and frees the stream; stream_free unregisters the waiter
 * first, so the connection is never resumed after it is gone (events_hub.h).
 */
typedef struct stream {
    api_events_hub *hub;
    api_events_waiter *waiter;
    struct MHD_Connection *connection;
    uint64_t after;
    char channel[16];
    int64_t *blocked;
    size_t blocked_count;
    api_events_filter filter; /* points into the above; the waiter borrows it while armed */
    char *pending;
    size_t pending_len;
    size_t pending_at;
    int64_t last_write_ms; /* CLOCK_MONOTONIC */
    int64_t keepalive_ms;
} stream;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t stream_keepalive_ms(void) {
    const char *v = getenv("DORF_STREAM_KEEPALIVE_S");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (v && end != v && *end == '\0' && n >= 1 && n <= 3600) {
        return (int64_t)n * 1000;
    }
    return (int64_t)STREAM_KEEPALIVE_S * 1000;
}

/* The waiter's callback (under the hub's lock): hand the connection back to its thread. */
static void stream_wake(void *cls) {
    stream *s = cls;
    MHD_resume_connection(s->connection);
}

/* The next text to send into s->pending; 1 when there is some, 0 after suspending, -1: end. */
static int stream_next(stream *s) {
    for (;;) {
        char *text = NULL;
        size_t len = 0;
        int r = api_events_wait(s->hub, &s->after, &s->filter, 0, &text, &len);
        if (r < 0) {
            return -1;
        }
        int64_t idle_ms = mono_ms() - s->last_write_ms;
        if (r == 0 && idle_ms >= s->keepalive_ms) {
            if (!(text = dorf_strdup(": keepalive\n\n"))) {
                return -1;
            }
            len = strlen(text);
        }
        if (text) {
            s->pending = text;
            s->pending_len = len;
            return 1;
        }
        int armed =
            api_events_arm(s->waiter, s->after, &s->filter, (unsigned)(s->keepalive_ms - idle_ms));
        if (armed < 0) {
            return -1;
        }
        if (armed == 0) {
            MHD_suspend_connection(s->connection);
            return 0;
        }
        /* An event came between the poll and the arming: poll again. */
    }
}

static size_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    stream *s = cls;
    if (s->pending_at >= s->pending_len) {
        dorf_free(s->pending);
        s->pending = NULL;
        s->pending_len = s->pending_at = 0;
        int r = stream_next(s);
        if (r <= 0) {
            return r < 0 ? API_STREAM_END : 0;
        }
    }
    size_t n = s->pending_len - s->pending_at;
    if (n > max) {
        n = max;
    }
    memcpy(buf, s->pending + s->pending_at, n);
    s->pending_at += n;
    s->last_write_ms = mono_ms();
    return n;
}

static void stream_free(void *cls) {
    stream *s = cls;
    if (s) {
        api_events_waiter_free(s->waiter);
        dorf_free(s->blocked);
        dorf_free(s->pending);
        dorf_free(s);
    }
}

static void h_funk_stream(api_request *req, api_response *res) {
    const char *channel = channel_param(req, res);
    if (!channel) {
        return;
    }
    api_events_hub *hub = api_server_events(req->server);
    stream *s = dorf_calloc(1, sizeof *s);
    if (s && hub && req->connection) {
        s->hub = hub;
        s->connection = req->connection;
        s->waiter = api_events_waiter_new(hub, stream_wake, s);
    }
    if (!s || !s->waiter) {
        stream_free(s);
        api_error(res, 503, "unavailable", "live updates are not available");
        return;
    }
    snprintf(s->channel, sizeof s->channel, "%s", channel);
    /* Resume after the last event the client saw (EventSource sends Last-Event-ID). */
    const char *last =
        req->connection
            ? MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Last-Event-ID")
            : NULL;
    if (!last) {
        last = api_query(req, "after");
    }
    char *end = NULL;
    unsigned long long after = last ? strtoull(last, &end, 10) : 0;
    s->after = last && end != last && *end == '\0' ? after : api_events_last_id(hub);
    dorf_status st =
        dorf_store_user_blocked(req->store, req->user->id, &s->blocked, &s->blocked_count);
    if (st != DORF_OK) {
        stream_free(s);
        store_failed(req, res, st);
        return;
    }
    s->filter = (api_events_filter){s->channel, s->blocked, s->blocked_count};
    s->keepalive_ms = stream_keepalive_ms();
    /* The first bytes tell the browser how soon to reconnect and let curl -N see a start. */
    s->pending = dorf_strdup("retry: 3000\n: connected\n\n");
    s->pending_len = s->pending ? strlen(s->pending) : 0;
    s->last_write_ms = mono_ms();
    res->status = 200;
    res->content_type = "text/event-stream";
    res->stream = stream_read;
    res->stream_cls = s;
    res->stream_free = stream_free;
}

#define LOGGED_IN DORF_ROLE_ALL

const api_route api_routes_posts[] = {
    {"GET", "/api/news", 0, h_news_list, "DorfNews: news, newest first (bbox, near, sort)"},
    {"POST", "/api/news", LOGGED_IN, h_news_create, "Post news (official: moderators)"},
    {"GET", "/api/events", 0, h_events_list, "Events (from, until, bbox, near, sort)"},
    {"POST", "/api/events", LOGGED_IN, h_events_create, "Post an event"},
    {"GET", "/api/events.ics", 0, h_events_ics, "The events as an iCalendar feed"},
    {"GET", "/api/funk/{channel}", LOGGED_IN, h_funk_list, "DorfFunk: a channel's posts"},
    {"POST", "/api/funk/{channel}", LOGGED_IN, h_funk_create, "Post to a DorfFunk channel"},
    {"GET", "/api/funk/{channel}/stream", LOGGED_IN, h_funk_stream,
     "A channel's new posts and replies as Server-Sent Events"},
    {"GET", "/api/posts/{id}", 0, h_post_get, "A post (funk posts: with their replies)"},
    {"DELETE", "/api/posts/{id}", LOGGED_IN, h_post_delete, "Delete a post (author, moderator)"},
    {"POST", "/api/posts/{id}/replies", LOGGED_IN, h_reply_create, "Reply to a DorfFunk post"},
    {"POST", "/api/posts/{id}/report", LOGGED_IN, h_post_report, "Report a post to moderators"},
    {"POST", "/api/posts/{id}/hide", MODERATORS, h_post_hide, "Hide a post (moderator)"},
    {"POST", "/api/posts/{id}/unhide", MODERATORS, h_post_unhide, "Show a post again (moderator)"},
    {"POST", "/api/users/{id}/block", LOGGED_IN, h_user_block, "Stop seeing a person's posts"},
    {"DELETE", "/api/users/{id}/block", LOGGED_IN, h_user_unblock, "See a person's posts again"},
};
const size_t api_routes_posts_count = sizeof api_routes_posts / sizeof *api_routes_posts;
