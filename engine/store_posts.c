/*
 * store_posts.c: DorfNews and DorfFunk posts, replies, reports, hiding and block lists
 * in either store (dorf/posts.h), on the tables post, report, user_block and audit_log of
 * migration 3.
 *
 * Every statement is prepared with bound parameters; a list's WHERE clause is put together
 * from fixed fragments only. Positions are plain lon/lat columns: a radius search filters and
 * sorts by the equirectangular distance (longitude differences scaled by the cosine of the
 * centre's latitude), which differs from the great circle by far less than a metre at the
 * scale of a region; the distance handed out is the haversine one. Changes that write more
 * than one row run in a savepoint, so they also nest inside a caller's transaction (on
 * PostgreSQL a failed statement spoils the whole transaction, so a change that fails, such
 * as a second report of a post, is rolled back to its savepoint before anything else runs).
 * The SQL is the portable subset of sql.h: flags are compared with "<> 0" rather than used as
 * booleans, ON CONFLICT DO NOTHING replaces INSERT OR IGNORE.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/platform.h"
#include "dorf/posts.h"
#include "store_sql.h"

#define EARTH_RADIUS_M 6371008.8
#define DEG_TO_RAD (3.14159265358979323846 / 180.0)

static const char *const kind_names[] = {"news", "event", "funk"};
static const char *const channel_names[] = {"lending", "rides", "help", "general"};

const char *dorf_post_kind_name(dorf_post_kind kind) {
    return (unsigned)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : NULL;
}

int dorf_post_channel_valid(const char *channel) {
    for (size_t i = 0; channel && i < sizeof channel_names / sizeof *channel_names; i++) {
        if (strcmp(channel, channel_names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int kind_from_name(const char *name, dorf_post_kind *out) {
    for (size_t i = 0; name && i < sizeof kind_names / sizeof *kind_names; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (dorf_post_kind)i;
            return 1;
        }
    }
    return 0;
}

double dorf_distance_m(double lon1_deg, double lat1_deg, double lon2_deg, double lat2_deg) {
    double dlat = (lat2_deg - lat1_deg) * DEG_TO_RAD;
    double dlon = (lon2_deg - lon1_deg) * DEG_TO_RAD;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1_deg * DEG_TO_RAD) *
                                                   cos(lat2_deg * DEG_TO_RAD) * sin(dlon / 2) *
                                                   sin(dlon / 2);
    if (a > 1) {
        a = 1;
    }
    return 2 * EARTH_RADIUS_M * asin(sqrt(a));
}

void dorf_post_clear(dorf_post *post) {
    if (!post) {
        return;
    }
    dorf_free(post->title);
    dorf_free(post->body);
    post->title = NULL;
    post->body = NULL;
}

void dorf_post_list_free(dorf_post_list *list) {
    if (!list) {
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        dorf_post_clear(&list->posts[i]);
    }
    dorf_free(list->posts);
    list->posts = NULL;
    list->count = 0;
}

/* Savepoints let a multi-row change nest inside a caller's transaction. */
static dorf_status begin(struct sql_store *s) {
    return sql_savepoint(s->conn) == SQL_OK ? DORF_OK : sql_store_fail(s, "starting a change");
}

static dorf_status commit(struct sql_store *s) {
    return sql_release(s->conn) == SQL_OK ? DORF_OK : sql_store_fail(s, "committing a change");
}

static void rollback(struct sql_store *s) {
    /* Keeps the message of the failure that made us roll back. */
    sql_rollback_to(s->conn);
}

/* Runs a statement that returns no rows; DORF_OK or the failure recorded as `what`. */
static dorf_status step_done(struct sql_store *s, sql_stmt *stmt, const char *what) {
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    return rc == SQL_DONE ? DORF_OK : sql_store_fail(s, what);
}

/* 1 when `sql` (one int64 parameter) returns a row, 0 when not, -1 on failure. */
static int exists(struct sql_store *s, const char *sql, int64_t id) {
    sql_stmt *stmt = NULL;
    if (sql_store_prepare(s, sql, &stmt) != DORF_OK) {
        return -1;
    }
    sql_bind_int64(stmt, 1, id);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc == SQL_ROW) {
        return 1;
    }
    if (rc == SQL_DONE) {
        return 0;
    }
    sql_store_fail(s, "reading a post");
    return -1;
}

static dorf_status check_text(dorf_ctx *ctx, const char *what, const char *text, size_t max) {
    size_t n = text ? strlen(text) : 0;
    if (n == 0) {
        return dorf_fail(ctx, DORF_EINVAL, "a post needs a %s", what);
    }
    if (n > max) {
        return dorf_fail(ctx, DORF_EINVAL, "the %s of a post is longer than %zu bytes", what, max);
    }
    return DORF_OK;
}

/* Checks the shape of a new post or reply (not its parent, which needs the database). */
static dorf_status check_post(dorf_ctx *ctx, const dorf_post *p) {
    dorf_status st;
    if (!dorf_post_kind_name(p->kind) && !p->parent_id) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown kind of post");
    }
    if ((st = check_text(ctx, "body", p->body, DORF_POST_BODY_MAX)) != DORF_OK) {
        return st;
    }
    if (p->parent_id) {
        if ((p->title && p->title[0]) || p->has_location || p->has_starts || p->has_ends ||
            p->official) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "a reply has only a body: no title, location, times or official "
                             "flag");
        }
        return DORF_OK;
    }
    if ((st = check_text(ctx, "title", p->title, DORF_POST_TITLE_MAX)) != DORF_OK) {
        return st;
    }
    if (p->kind == DORF_POST_FUNK ? !dorf_post_channel_valid(p->channel) : p->channel[0] != 0) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "only funk posts have a channel, which is lending, rides, help or "
                         "general");
    }
    if (p->has_location &&
        !(p->lon_deg >= -180 && p->lon_deg <= 180 && p->lat_deg >= -90 && p->lat_deg <= 90)) {
        return dorf_fail(ctx, DORF_EINVAL, "the location lies outside lon -180..180, lat -90..90");
    }
    if (p->kind == DORF_POST_EVENT) {
        if (!p->has_starts) {
            return dorf_fail(ctx, DORF_EINVAL, "an event needs a start time");
        }
        if (p->has_ends && p->ends_at < p->starts_at) {
            return dorf_fail(ctx, DORF_EINVAL, "an event cannot end before it starts");
        }
    } else if (p->has_starts || p->has_ends) {
        return dorf_fail(ctx, DORF_EINVAL, "only events have start and end times");
    }
    return DORF_OK;
}

dorf_status dorf_store_post_create(dorf_store *store, const dorf_post *post, int64_t now,
                                   int64_t *id) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = check_post(store->ctx, post);
    if (st != DORF_OK) {
        return st;
    }
    dorf_post_kind kind = post->kind;
    char channel[sizeof post->channel];
    snprintf(channel, sizeof channel, "%s", post->channel);
    sql_stmt *stmt = NULL;
    if (post->parent_id) {
        if ((st = sql_store_prepare(s, "SELECT kind, channel, parent_id FROM post WHERE id = ?",
                                    &stmt)) != DORF_OK) {
            return st;
        }
        sql_bind_int64(stmt, 1, post->parent_id);
        int rc = sql_step(stmt);
        if (rc != SQL_ROW) {
            sql_finalize(stmt);
            return rc == SQL_DONE ? dorf_fail(store->ctx, DORF_ENOTFOUND, "no post %lld",
                                              (long long)post->parent_id)
                                  : sql_store_fail(s, "reading a post");
        }
        int ok = kind_from_name((const char *)sql_column_text(stmt, 0), &kind) &&
                 kind == DORF_POST_FUNK && sql_column_type(stmt, 2) == SQL_NULL;
        snprintf(channel, sizeof channel, "%s",
                 sql_column_text(stmt, 1) ? (const char *)sql_column_text(stmt, 1) : "");
        sql_finalize(stmt);
        if (!ok) {
            return dorf_fail(store->ctx, DORF_EINVAL,
                             "only funk posts take replies, and replies take none");
        }
    }
    st = sql_store_prepare(s,
                           "INSERT INTO post (kind, channel, author_id, official, parent_id,"
                           " title, body, lon, lat, starts_at, ends_at, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_text(stmt, 1, kind_names[kind], -1, SQL_STATIC);
    if (channel[0]) {
        sql_bind_text(stmt, 2, channel, -1, SQL_STATIC);
    }
    sql_bind_int64(stmt, 3, post->author_id);
    sql_bind_int(stmt, 4, post->official ? 1 : 0);
    if (post->parent_id) {
        sql_bind_int64(stmt, 5, post->parent_id);
    }
    sql_bind_text(stmt, 6, post->parent_id || !post->title ? "" : post->title, -1, SQL_STATIC);
    sql_bind_text(stmt, 7, post->body, -1, SQL_STATIC);
    if (post->has_location) {
        sql_bind_double(stmt, 8, post->lon_deg);
        sql_bind_double(stmt, 9, post->lat_deg);
    }
    if (post->has_starts) {
        sql_bind_int64(stmt, 10, post->starts_at);
    }
    if (post->has_ends) {
        sql_bind_int64(stmt, 11, post->ends_at);
    }
    sql_bind_int64(stmt, 12, now);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        if (sql_error_kind_of(s->conn) == SQL_ERR_FOREIGN_KEY) {
            return dorf_fail(store->ctx, DORF_ENOTFOUND, "no user %lld",
                             (long long)post->author_id);
        }
        return sql_store_fail(s, "creating a post");
    }
    *id = sql_last_insert_rowid(s->conn);
    return DORF_OK;
}

/* The columns read_post expects; `?1` in the distance term is bound by the caller. */
#define POST_COLUMNS                                                                               \
    "p.id, p.kind, p.channel, p.author_id, u.name, p.official, p.parent_id, p.title, p.body,"      \
    " p.lon, p.lat, p.starts_at, p.ends_at, p.hidden, p.created_at,"                               \
    " (SELECT count(*) FROM post r WHERE r.parent_id = p.id AND r.hidden = 0),"                    \
    " (SELECT count(*) FROM report WHERE report.post_id = p.id)"
#define POST_FROM " FROM post p JOIN app_user u ON u.id = p.author_id"

static dorf_status read_post(struct sql_store *s, sql_stmt *stmt, dorf_post *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    kind_from_name((const char *)sql_column_text(stmt, 1), &out->kind);
    const unsigned char *channel = sql_column_text(stmt, 2);
    snprintf(out->channel, sizeof out->channel, "%s", channel ? (const char *)channel : "");
    out->author_id = sql_column_int64(stmt, 3);
    const unsigned char *name = sql_column_text(stmt, 4);
    snprintf(out->author_name, sizeof out->author_name, "%s", name ? (const char *)name : "");
    out->official = sql_column_int(stmt, 5);
    out->parent_id = sql_column_int64(stmt, 6);
    const unsigned char *title = sql_column_text(stmt, 7);
    const unsigned char *body = sql_column_text(stmt, 8);
    out->title = dorf_strdup(title ? (const char *)title : "");
    out->body = dorf_strdup(body ? (const char *)body : "");
    if (!out->title || !out->body) {
        dorf_post_clear(out);
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading a post");
    }
    if (sql_column_type(stmt, 9) != SQL_NULL && sql_column_type(stmt, 10) != SQL_NULL) {
        out->has_location = 1;
        out->lon_deg = sql_column_double(stmt, 9);
        out->lat_deg = sql_column_double(stmt, 10);
    }
    if (sql_column_type(stmt, 11) != SQL_NULL) {
        out->has_starts = 1;
        out->starts_at = sql_column_int64(stmt, 11);
    }
    if (sql_column_type(stmt, 12) != SQL_NULL) {
        out->has_ends = 1;
        out->ends_at = sql_column_int64(stmt, 12);
    }
    out->hidden = sql_column_int(stmt, 13);
    out->created_at = sql_column_int64(stmt, 14);
    out->reply_count = sql_column_int64(stmt, 15);
    out->report_count = sql_column_int64(stmt, 16);
    return DORF_OK;
}

/* Steps `stmt` to its end, appending each row to `out` (at most `max`). Finalizes `stmt`. */
static dorf_status read_posts(struct sql_store *s, sql_stmt *stmt, size_t max,
                              dorf_post_list *out) {
    size_t cap = 0;
    dorf_status st = DORF_OK;
    int rc;
    while (out->count < max && (rc = sql_step(stmt)) == SQL_ROW) {
        if (dorf_grow((void **)&out->posts, &cap, out->count + 1, sizeof *out->posts) != 0) {
            st = dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory listing posts");
            break;
        }
        if ((st = read_post(s, stmt, &out->posts[out->count])) != DORF_OK) {
            break;
        }
        out->count++;
    }
    if (st == DORF_OK && out->count < max && rc != SQL_DONE) {
        st = sql_store_fail(s, "listing posts");
    }
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_post_get(dorf_store *store, int64_t id, int64_t viewer_id,
                                int viewer_moderates, dorf_post *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    memset(out, 0, sizeof *out);
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "SELECT " POST_COLUMNS POST_FROM
                          " WHERE p.id = ? AND (p.hidden = 0 OR ? <> 0 OR p.author_id = ?)",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    sql_bind_int(stmt, 2, viewer_moderates ? 1 : 0);
    sql_bind_int64(stmt, 3, viewer_id);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        st = read_post(s, stmt, out);
    } else if (rc == SQL_DONE) {
        st = DORF_ENOTFOUND;
    } else {
        st = sql_store_fail(s, "reading a post");
    }
    sql_finalize(stmt);
    return st;
}

/* Parameters of a list query, bound in the order the SQL fragments were appended. */
typedef struct binder {
    int n;
    char type[32]; /* 'i', 'd' or 't' */
    int64_t i[32];
    double d[32];
    const char *t[32]; /* not copied: lives as long as the query */
} binder;

static void bind_i(binder *b, int64_t v) {
    b->type[b->n] = 'i';
    b->i[b->n++] = v;
}

static void bind_d(binder *b, double v) {
    b->type[b->n] = 'd';
    b->d[b->n++] = v;
}

static void bind_t(binder *b, const char *v) {
    b->type[b->n] = 't';
    b->t[b->n++] = v;
}

/* The squared distance term and its six parameters (bind_distance2). */
#define DISTANCE2 "((p.lon - ?) * ?) * ((p.lon - ?) * ?) + (p.lat - ?) * (p.lat - ?)"

static void bind_distance2(binder *b, double lon, double lat, double k) {
    bind_d(b, lon);
    bind_d(b, k);
    bind_d(b, lon);
    bind_d(b, k);
    bind_d(b, lat);
    bind_d(b, lat);
}

/* Appends a fixed fragment to the SQL text. */
static void add_sql(char *sql, size_t size, const char *fragment) {
    size_t used = strlen(sql);
    snprintf(sql + used, size - used, "%s", fragment);
}

dorf_status dorf_store_post_list(dorf_store *store, const dorf_post_query *q, dorf_post_list *out) {
    struct sql_store *s = sql_store_of(store);
    out->posts = NULL;
    out->count = 0;
    if (!s) {
        return DORF_EINVAL;
    }
    if (!dorf_post_kind_name(q->kind) || q->limit < 1 || q->limit > DORF_POST_LIST_MAX) {
        return dorf_fail(store->ctx, DORF_EINVAL, "a list needs a kind and a limit of 1 to %d",
                         DORF_POST_LIST_MAX);
    }
    if (q->channel && (q->kind != DORF_POST_FUNK || !dorf_post_channel_valid(q->channel))) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown channel");
    }
    if (q->has_bbox &&
        !(q->bbox[0] >= -180 && q->bbox[2] <= 180 && q->bbox[1] >= -90 && q->bbox[3] <= 90 &&
          q->bbox[0] <= q->bbox[2] && q->bbox[1] <= q->bbox[3])) {
        return dorf_fail(store->ctx, DORF_EINVAL, "the bbox is not minlon,minlat,maxlon,maxlat");
    }
    if (q->has_near &&
        !(q->near_lon_deg >= -180 && q->near_lon_deg <= 180 && q->near_lat_deg >= -90 &&
          q->near_lat_deg <= 90 && q->radius_m > 0 && isfinite(q->radius_m))) {
        return dorf_fail(store->ctx, DORF_EINVAL, "near needs a point and a positive radius");
    }
    if (q->sort == DORF_POST_SORT_DISTANCE && !q->has_near) {
        return dorf_fail(store->ctx, DORF_EINVAL, "sorting by distance needs a near point");
    }

    char sql[2048] = "SELECT " POST_COLUMNS;
    binder b = {0};
    /*
     * Squared equirectangular distance in degrees of latitude: ((dlon * k)^2 + dlat^2). It is
     * spelt out again in WHERE, for PostgreSQL (as standard SQL) lets only ORDER BY refer to a
     * result column by its alias; SQLite would accept "d2" there too.
     */
    double k = q->has_near ? cos(q->near_lat_deg * DEG_TO_RAD) : 1;
    if (q->has_near) {
        add_sql(sql, sizeof sql, ", " DISTANCE2 " AS d2");
        bind_distance2(&b, q->near_lon_deg, q->near_lat_deg, k);
    }
    add_sql(sql, sizeof sql, POST_FROM " WHERE p.kind = ? AND p.parent_id IS NULL");
    bind_t(&b, kind_names[q->kind]);
    if (q->channel) {
        add_sql(sql, sizeof sql, " AND p.channel = ?");
        bind_t(&b, q->channel);
    }
    if (!q->viewer_moderates) {
        add_sql(sql, sizeof sql, " AND p.hidden = 0");
    }
    if (q->viewer_id) {
        add_sql(sql, sizeof sql,
                " AND p.author_id NOT IN (SELECT blocked_id FROM user_block WHERE user_id = ?)");
        bind_i(&b, q->viewer_id);
    }
    if (q->has_bbox) {
        add_sql(sql, sizeof sql, " AND p.lon BETWEEN ? AND ? AND p.lat BETWEEN ? AND ?");
        bind_d(&b, q->bbox[0]);
        bind_d(&b, q->bbox[2]);
        bind_d(&b, q->bbox[1]);
        bind_d(&b, q->bbox[3]);
    }
    if (q->has_near) {
        double r_deg = q->radius_m / (EARTH_RADIUS_M * DEG_TO_RAD);
        add_sql(sql, sizeof sql,
                " AND p.lon IS NOT NULL AND p.lat IS NOT NULL AND " DISTANCE2 " <= ?");
        bind_distance2(&b, q->near_lon_deg, q->near_lat_deg, k);
        bind_d(&b, r_deg * r_deg);
    }
    if (q->kind == DORF_POST_EVENT && q->has_from) {
        add_sql(sql, sizeof sql, " AND coalesce(p.ends_at, p.starts_at) >= ?");
        bind_i(&b, q->from_at);
    }
    if (q->kind == DORF_POST_EVENT && q->has_until) {
        add_sql(sql, sizeof sql, " AND p.starts_at <= ?");
        bind_i(&b, q->until_at);
    }
    if (q->before_id && q->sort == DORF_POST_SORT_TIME) {
        add_sql(sql, sizeof sql, " AND p.id < ?");
        bind_i(&b, q->before_id);
    }
    add_sql(sql, sizeof sql,
            q->sort == DORF_POST_SORT_DISTANCE ? " ORDER BY d2, p.id DESC LIMIT ?"
                                               : " ORDER BY p.id DESC LIMIT ?");
    bind_i(&b, (int64_t)q->limit);

    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    for (int i = 0; i < b.n; i++) {
        if (b.type[i] == 'd') {
            sql_bind_double(stmt, i + 1, b.d[i]);
        } else if (b.type[i] == 't') {
            sql_bind_text(stmt, i + 1, b.t[i], -1, SQL_STATIC);
        } else {
            sql_bind_int64(stmt, i + 1, b.i[i]);
        }
    }
    st = read_posts(s, stmt, q->limit, out);
    if (st != DORF_OK) {
        dorf_post_list_free(out);
        return st;
    }
    for (size_t i = 0; q->has_near && i < out->count; i++) {
        dorf_post *p = &out->posts[i];
        p->distance_m = dorf_distance_m(q->near_lon_deg, q->near_lat_deg, p->lon_deg, p->lat_deg);
    }
    return DORF_OK;
}

dorf_status dorf_store_post_replies(dorf_store *store, int64_t parent_id, int64_t viewer_id,
                                    int viewer_moderates, dorf_post_list *out) {
    struct sql_store *s = sql_store_of(store);
    out->posts = NULL;
    out->count = 0;
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s,
        "SELECT " POST_COLUMNS POST_FROM " WHERE p.parent_id = ? AND (p.hidden = 0 OR ? <> 0)"
        " AND p.author_id NOT IN (SELECT blocked_id FROM user_block WHERE user_id = ?)"
        " ORDER BY p.id LIMIT ?",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, parent_id);
    sql_bind_int(stmt, 2, viewer_moderates ? 1 : 0);
    sql_bind_int64(stmt, 3, viewer_id);
    sql_bind_int(stmt, 4, DORF_POST_REPLIES_MAX);
    st = read_posts(s, stmt, DORF_POST_REPLIES_MAX, out);
    if (st != DORF_OK) {
        dorf_post_list_free(out);
    }
    return st;
}

static dorf_status delete_by_id(struct sql_store *s, const char *sql, int64_t id) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    return step_done(s, stmt, "deleting a post");
}

dorf_status dorf_store_post_delete(dorf_store *store, int64_t id, int64_t author_id,
                                   int64_t by_user_id, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "SELECT 1 FROM post WHERE id = ? AND (? = 0 OR "
                                       "author_id = ?)",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    sql_bind_int64(stmt, 2, author_id);
    sql_bind_int64(stmt, 3, author_id);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc == SQL_DONE) {
        return DORF_ENOTFOUND;
    }
    if (rc != SQL_ROW) {
        return sql_store_fail(s, "reading a post");
    }
    if ((st = begin(s)) != DORF_OK) {
        return st;
    }
    static const char *const steps[] = {
        "DELETE FROM report WHERE post_id IN (SELECT id FROM post WHERE parent_id = ?1)",
        "DELETE FROM report WHERE post_id = ?1",
        "DELETE FROM post WHERE parent_id = ?1",
        "DELETE FROM post WHERE id = ?1",
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps && st == DORF_OK; i++) {
        st = delete_by_id(s, steps[i], id);
    }
    char object[32];
    snprintf(object, sizeof object, "post:%lld", (long long)id);
    if (st == DORF_OK) {
        st = dorf_store_audit(store, now, by_user_id, "delete", object, NULL);
    }
    if (st == DORF_OK) {
        st = commit(s);
    }
    if (st != DORF_OK) {
        rollback(s);
    }
    return st;
}

dorf_status dorf_store_post_report(dorf_store *store, int64_t post_id, int64_t reporter_id,
                                   const char *reason, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    size_t n = reason ? strlen(reason) : 0;
    if (n == 0 || n > DORF_REPORT_REASON_MAX) {
        return dorf_fail(store->ctx, DORF_EINVAL, "a report needs a reason of 1 to %d bytes",
                         DORF_REPORT_REASON_MAX);
    }
    int found = exists(s, "SELECT 1 FROM post WHERE id = ?", post_id);
    if (found <= 0) {
        return found < 0
                   ? DORF_EIO
                   : dorf_fail(store->ctx, DORF_ENOTFOUND, "no post %lld", (long long)post_id);
    }
    dorf_status st = begin(s);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s,
                                "INSERT INTO report (post_id, reporter_id, reason, created_at)"
                                " VALUES (?, ?, ?, ?)",
                                &stmt)) != DORF_OK) {
        rollback(s);
        return st;
    }
    sql_bind_int64(stmt, 1, post_id);
    sql_bind_int64(stmt, 2, reporter_id);
    sql_bind_text(stmt, 3, reason, -1, SQL_STATIC);
    sql_bind_int64(stmt, 4, now);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        sql_error_kind kind = sql_error_kind_of(s->conn);
        if (kind == SQL_ERR_UNIQUE) {
            st = dorf_fail(store->ctx, DORF_ECONFLICT, "you have reported this post already");
        } else if (kind == SQL_ERR_FOREIGN_KEY) {
            st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no user %lld", (long long)reporter_id);
        } else {
            st = sql_store_fail(s, "reporting a post");
        }
        rollback(s);
        return st;
    }
    char object[32];
    snprintf(object, sizeof object, "post:%lld", (long long)post_id);
    st = dorf_store_audit(store, now, reporter_id, "report", object, reason);
    if (st == DORF_OK) {
        st = commit(s);
    }
    if (st != DORF_OK) {
        rollback(s);
    }
    return st;
}

dorf_status dorf_store_post_set_hidden(dorf_store *store, int64_t post_id, int64_t moderator_id,
                                       int hidden, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = begin(s);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, "UPDATE post SET hidden = ? WHERE id = ?", &stmt)) != DORF_OK) {
        rollback(s);
        return st;
    }
    sql_bind_int(stmt, 1, hidden ? 1 : 0);
    sql_bind_int64(stmt, 2, post_id);
    if ((st = step_done(s, stmt, "hiding a post")) == DORF_OK && sql_changes(s->conn) != 1) {
        st = DORF_ENOTFOUND;
    }
    char object[32];
    snprintf(object, sizeof object, "post:%lld", (long long)post_id);
    if (st == DORF_OK) {
        st = dorf_store_audit(store, now, moderator_id, hidden ? "hide" : "unhide", object, NULL);
    }
    if (st == DORF_OK) {
        st = commit(s);
    }
    if (st != DORF_OK) {
        rollback(s);
    }
    return st;
}

dorf_status dorf_store_user_block(dorf_store *store, int64_t user_id, int64_t blocked_id,
                                  int block) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (user_id == blocked_id) {
        return dorf_fail(store->ctx, DORF_EINVAL, "nobody can block themselves");
    }
    if (block) {
        int found = exists(s, "SELECT 1 FROM app_user WHERE id = ?", blocked_id);
        if (found <= 0) {
            return found < 0 ? DORF_EIO
                             : dorf_fail(store->ctx, DORF_ENOTFOUND, "no user %lld",
                                         (long long)blocked_id);
        }
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s,
        block ? "INSERT INTO user_block (user_id, blocked_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
              : "DELETE FROM user_block WHERE user_id = ? AND blocked_id = ?",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, user_id);
    sql_bind_int64(stmt, 2, blocked_id);
    return step_done(s, stmt, "changing a block list");
}

dorf_status dorf_store_user_blocked(dorf_store *store, int64_t user_id, int64_t **ids,
                                    size_t *count) {
    struct sql_store *s = sql_store_of(store);
    *ids = NULL;
    *count = 0;
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s, "SELECT blocked_id FROM user_block WHERE user_id = ? ORDER BY blocked_id", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, user_id);
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (dorf_grow((void **)ids, &cap, *count + 1, sizeof **ids) != 0) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a block list");
            break;
        }
        (*ids)[(*count)++] = sql_column_int64(stmt, 0);
    }
    if (st == DORF_OK && rc != SQL_DONE) {
        st = sql_store_fail(s, "reading a block list");
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        dorf_free(*ids);
        *ids = NULL;
        *count = 0;
    }
    return st;
}
