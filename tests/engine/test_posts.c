/*
 * test_posts.c: DorfNews and DorfFunk in the store (engine/store_posts.c): creating and
 * listing posts, paging, bbox and radius searches ordered by distance, hidden and blocked
 * posts, reports (a second report by the same person fails inside its savepoint and leaves
 * the store usable), replies and the events window. Runs on SpatiaLite, and on PostGIS when
 * DORF_TEST_PG names a server (tests/test_store.h; ctest's engine/test_posts@postgis).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/platform.h"
#include "dorf/posts.h"
#include "dorf/store.h"
#include "test_store.h"

typedef struct fixture {
    dorf_ctx *ctx;
    dorf_store *store;
    int64_t anna;
    int64_t bob;
    int64_t mod;
} fixture;

static fixture setup(const char *name) {
    fixture f;
    memset(&f, 0, sizeof f);
    f.ctx = dorf_ctx_new();
    dorf_status st = dorf_store_open(f.ctx, test_store_location(name), DORF_STORE_CREATE, &f.store);
    if (st != DORF_OK) {
        fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(f.ctx));
        exit(1);
    }
    f.anna = test_store_add_user(f.store, "anna@example.org", DORF_ROLE_CITIZEN);
    f.bob = test_store_add_user(f.store, "bob@example.org", DORF_ROLE_CITIZEN);
    f.mod = test_store_add_user(f.store, "mod@example.org", DORF_ROLE_MODERATOR);
    return f;
}

static void teardown(fixture *f) {
    dorf_store_close(f->store);
    dorf_ctx_free(f->ctx);
}

static dorf_post news(int64_t author, const char *title, const char *body) {
    dorf_post p;
    memset(&p, 0, sizeof p);
    p.kind = DORF_POST_NEWS;
    p.author_id = author;
    p.title = (char *)title;
    p.body = (char *)body;
    return p;
}

static int64_t create(fixture *f, const dorf_post *p, int64_t now) {
    int64_t id = 0;
    dorf_status st = dorf_store_post_create(f->store, p, now, &id);
    if (st != DORF_OK) {
        fprintf(stderr, "  create: %s\n", dorf_ctx_errmsg(f->ctx));
    }
    CHECK_EQ_INT(st, DORF_OK);
    return id;
}

static dorf_post_query query(dorf_post_kind kind, size_t limit) {
    dorf_post_query q;
    memset(&q, 0, sizeof q);
    q.kind = kind;
    q.limit = limit;
    return q;
}

static void test_news_are_stored_verbatim_and_listed_newest_first(void) {
    fixture f = setup("news.dorf");
    const char *evil = "Robert'); DROP TABLE post;-- <b>ß</b>";
    dorf_post p = news(f.anna, evil, "line 1\nline 2");
    p.official = 1;
    int64_t a = create(&f, &p, 100);
    int64_t b = create(
        &f,
        &(dorf_post){.kind = DORF_POST_NEWS, .author_id = f.bob, .title = "Second", .body = "b"},
        200);
    CHECK(b > a);
    dorf_post_query q = query(DORF_POST_NEWS, 10);
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 2);
    if (list.count == 2) {
        CHECK_EQ_INT(list.posts[0].id, b);
        CHECK_EQ_INT(list.posts[1].id, a);
        CHECK_STR(list.posts[1].title, evil);
        CHECK_STR(list.posts[1].body, "line 1\nline 2");
        CHECK_EQ_INT(list.posts[1].official, 1);
        CHECK_STR(list.posts[1].author_name, "Name of anna@example.org");
        CHECK_EQ_INT(list.posts[1].created_at, 100);
        CHECK(!list.posts[1].has_location);
    }
    dorf_post_list_free(&list);
    /* Other kinds are not mixed in. */
    q.kind = DORF_POST_FUNK;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 0);
    dorf_post_list_free(&list);
    teardown(&f);
}

static void test_bad_posts_are_refused_and_nothing_is_stored(void) {
    fixture f = setup("bad.dorf");
    int64_t id = 0;
    dorf_post p = news(f.anna, "", "body");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna, "t", "");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    char *long_title = calloc(DORF_POST_TITLE_MAX + 2, 1);
    memset(long_title, 'x', DORF_POST_TITLE_MAX + 1);
    p = news(f.anna, long_title, "b");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    long_title[DORF_POST_TITLE_MAX] = '\0';
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_OK);
    free(long_title);
    p = news(f.anna, "t", "b");
    p.has_location = 1;
    p.lon_deg = 181;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna, "t", "b");
    snprintf(p.channel, sizeof p.channel, "help");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna, "t", "b");
    p.kind = DORF_POST_FUNK;
    snprintf(p.channel, sizeof p.channel, "gossip");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna, "t", "b");
    p.kind = DORF_POST_EVENT;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(f.ctx), "start");
    p.has_starts = 1;
    p.starts_at = 5000;
    p.has_ends = 1;
    p.ends_at = 4999;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna, "t", "b");
    p.has_starts = 1;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_EINVAL);
    p = news(f.anna + 100, "t", "b");
    CHECK_EQ_INT(dorf_store_post_create(f.store, &p, 1, &id), DORF_ENOTFOUND);

    dorf_post_query q = query(DORF_POST_NEWS, 100);
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1); /* only the title of exactly 200 bytes */
    dorf_post_list_free(&list);
    q.limit = 0;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_EINVAL);
    q.limit = 101;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_EINVAL);
    q.limit = 10;
    q.sort = DORF_POST_SORT_DISTANCE;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_EINVAL);
    teardown(&f);
}

static void test_pages_follow_the_before_cursor(void) {
    fixture f = setup("paging.dorf");
    int64_t ids[7];
    for (int i = 0; i < 7; i++) {
        char title[16];
        snprintf(title, sizeof title, "n%d", i);
        dorf_post p = news(f.anna, title, "b");
        ids[i] = create(&f, &p, 100 + i);
    }
    dorf_post_query q = query(DORF_POST_NEWS, 3);
    int64_t seen[7];
    size_t n = 0;
    for (int page = 0; page < 4; page++) {
        dorf_post_list list;
        CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
        for (size_t i = 0; i < list.count && n < 7; i++) {
            seen[n++] = list.posts[i].id;
        }
        if (list.count > 0) {
            q.before_id = list.posts[list.count - 1].id;
        }
        CHECK_EQ_INT(list.count, page < 2 ? 3 : page == 2 ? 1 : 0);
        dorf_post_list_free(&list);
    }
    CHECK_EQ_INT(n, 7);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(seen[i], ids[6 - i]);
    }
    teardown(&f);
}

static void test_near_orders_by_distance_and_bbox_filters(void) {
    fixture f = setup("near.dorf");
    /* Along a parallel at 50 N: 0.01 degree of longitude is about 715 m. */
    double lons[4] = {9.60, 9.57, 9.50, 9.58};
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        dorf_post p = news(f.anna, "located", "b");
        p.kind = DORF_POST_FUNK;
        snprintf(p.channel, sizeof p.channel, "%s", i == 3 ? "rides" : "help");
        p.has_location = 1;
        p.lon_deg = lons[i];
        p.lat_deg = 50.0;
        ids[i] = create(&f, &p, 100 + i);
    }
    dorf_post unlocated = news(f.anna, "nowhere", "b");
    unlocated.kind = DORF_POST_FUNK;
    snprintf(unlocated.channel, sizeof unlocated.channel, "help");
    create(&f, &unlocated, 200);

    dorf_post_query q = query(DORF_POST_FUNK, 10);
    q.has_near = 1;
    q.near_lon_deg = 9.57;
    q.near_lat_deg = 50.0;
    q.radius_m = 3000;
    q.sort = DORF_POST_SORT_DISTANCE;
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 3); /* 9.50 lies 5 km away, the unlocated post nowhere */
    if (list.count == 3) {
        CHECK_EQ_INT(list.posts[0].id, ids[1]);
        CHECK_EQ_INT(list.posts[1].id, ids[3]);
        CHECK_EQ_INT(list.posts[2].id, ids[0]);
        CHECK_NEAR(list.posts[0].distance_m, 0, 1e-6);
        CHECK_NEAR(list.posts[1].distance_m, 715, 5);
        CHECK_NEAR(list.posts[2].distance_m, 2145, 10);
    }
    dorf_post_list_free(&list);

    q.channel = "help";
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 2);
    dorf_post_list_free(&list);
    q.channel = "gossip";
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_EINVAL);

    dorf_post_query box = query(DORF_POST_FUNK, 10);
    box.has_bbox = 1;
    box.bbox[0] = 9.49;
    box.bbox[1] = 49.9;
    box.bbox[2] = 9.575;
    box.bbox[3] = 50.1;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &box, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 2);
    if (list.count == 2) {
        CHECK_EQ_INT(list.posts[0].id, ids[2]); /* newest first */
        CHECK_EQ_INT(list.posts[1].id, ids[1]);
    }
    dorf_post_list_free(&list);
    teardown(&f);
}

static void test_hidden_posts_are_seen_only_by_moderators_and_authors(void) {
    fixture f = setup("hidden.dorf");
    dorf_post p = news(f.anna, "t", "b");
    int64_t id = create(&f, &p, 100);
    CHECK_EQ_INT(dorf_store_post_set_hidden(f.store, id, f.mod, 1, 101), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_set_hidden(f.store, id + 9, f.mod, 1, 101), DORF_ENOTFOUND);
    dorf_post_query q = query(DORF_POST_NEWS, 10);
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 0);
    dorf_post_list_free(&list);
    q.viewer_moderates = 1;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    if (list.count == 1) {
        CHECK_EQ_INT(list.posts[0].hidden, 1);
    }
    dorf_post_list_free(&list);

    dorf_post got;
    CHECK_EQ_INT(dorf_store_post_get(f.store, id, f.bob, 0, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_post_get(f.store, id, f.anna, 0, &got), DORF_OK);
    dorf_post_clear(&got);
    CHECK_EQ_INT(dorf_store_post_get(f.store, id, f.bob, 1, &got), DORF_OK);
    dorf_post_clear(&got);

    CHECK_EQ_INT(dorf_store_post_set_hidden(f.store, id, f.mod, 0, 102), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_get(f.store, id, 0, 0, &got), DORF_OK);
    CHECK_EQ_INT(got.hidden, 0);
    dorf_post_clear(&got);
    teardown(&f);
}

static void test_blocked_authors_are_left_out_for_the_blocker_only(void) {
    fixture f = setup("block.dorf");
    dorf_post p = news(f.bob, "by bob", "b");
    p.kind = DORF_POST_FUNK;
    snprintf(p.channel, sizeof p.channel, "general");
    int64_t post = create(&f, &p, 100);
    dorf_post r = news(f.bob, NULL, "bob replies");
    r.parent_id = post;
    create(&f, &r, 101);
    r.author_id = f.anna;
    r.body = "anna replies";
    create(&f, &r, 102);

    CHECK_EQ_INT(dorf_store_user_block(f.store, f.anna, f.anna, 1), DORF_EINVAL);
    CHECK_EQ_INT(dorf_store_user_block(f.store, f.anna, 999, 1), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_block(f.store, f.anna, f.bob, 1), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_block(f.store, f.anna, f.bob, 1), DORF_OK);
    int64_t *ids = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dorf_store_user_blocked(f.store, f.anna, &ids, &n), DORF_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(ids[0], f.bob);
    }
    free(ids);

    dorf_post_query q = query(DORF_POST_FUNK, 10);
    q.viewer_id = f.anna;
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 0);
    dorf_post_list_free(&list);
    CHECK_EQ_INT(dorf_store_post_replies(f.store, post, f.anna, 0, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    if (list.count == 1) {
        CHECK_STR(list.posts[0].body, "anna replies");
    }
    dorf_post_list_free(&list);
    q.viewer_id = f.mod;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    dorf_post_list_free(&list);

    CHECK_EQ_INT(dorf_store_user_block(f.store, f.anna, f.bob, 0), DORF_OK);
    q.viewer_id = f.anna;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    dorf_post_list_free(&list);
    teardown(&f);
}

static void test_a_post_is_reported_once_per_person(void) {
    fixture f = setup("report.dorf");
    dorf_post p = news(f.anna, "t", "b");
    int64_t id = create(&f, &p, 100);
    CHECK_EQ_INT(dorf_store_post_report(f.store, id, f.bob, "spam", 101), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_report(f.store, id, f.bob, "again", 102), DORF_ECONFLICT);
    CHECK_EQ_INT(dorf_store_post_report(f.store, id, f.mod, "", 102), DORF_EINVAL);
    CHECK_EQ_INT(dorf_store_post_report(f.store, id + 5, f.mod, "x", 102), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_post_report(f.store, id, f.mod, "offensive", 103), DORF_OK);
    /* An unknown reporter breaks the foreign key: not found, and nothing is kept of it. */
    CHECK_EQ_INT(dorf_store_post_report(f.store, id, f.mod + 100, "ghost", 104), DORF_ENOTFOUND);
    CHECK_EQ_INT(test_store_query_int("report.dorf", "SELECT count(*) FROM report"), 2);
    CHECK_EQ_INT(test_store_query_int("report.dorf",
                                      "SELECT count(*) FROM audit_log WHERE action = 'report'"),
                 2);
    dorf_post got;
    CHECK_EQ_INT(dorf_store_post_get(f.store, id, 0, 0, &got), DORF_OK);
    CHECK_EQ_INT(got.report_count, 2);
    dorf_post_clear(&got);
    teardown(&f);
}

static void test_replies_belong_to_funk_posts_only_and_one_level(void) {
    fixture f = setup("replies.dorf");
    dorf_post p = news(f.anna, "lend a ladder?", "b");
    p.kind = DORF_POST_FUNK;
    snprintf(p.channel, sizeof p.channel, "lending");
    int64_t post = create(&f, &p, 100);
    dorf_post r = news(f.bob, NULL, "I have one");
    r.parent_id = post;
    int64_t reply = create(&f, &r, 101);

    dorf_post got;
    CHECK_EQ_INT(dorf_store_post_get(f.store, reply, 0, 0, &got), DORF_OK);
    CHECK_EQ_INT(got.kind, DORF_POST_FUNK);
    CHECK_STR(got.channel, "lending");
    CHECK_EQ_INT(got.parent_id, post);
    CHECK_STR(got.title, "");
    dorf_post_clear(&got);
    CHECK_EQ_INT(dorf_store_post_get(f.store, post, 0, 0, &got), DORF_OK);
    CHECK_EQ_INT(got.reply_count, 1);
    dorf_post_clear(&got);

    int64_t id = 0;
    r.parent_id = reply;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &r, 102, &id), DORF_EINVAL);
    r.parent_id = post + 100;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &r, 102, &id), DORF_ENOTFOUND);
    dorf_post n = news(f.anna, "news", "b");
    int64_t news_id = create(&f, &n, 103);
    r.parent_id = news_id;
    CHECK_EQ_INT(dorf_store_post_create(f.store, &r, 104, &id), DORF_EINVAL);
    r.parent_id = post;
    r.title = "a title";
    CHECK_EQ_INT(dorf_store_post_create(f.store, &r, 104, &id), DORF_EINVAL);

    /* Lists hold posts, not replies. */
    dorf_post_query q = query(DORF_POST_FUNK, 10);
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    dorf_post_list_free(&list);

    /* Deleting the post takes its replies along; only the author (or 0: anyone) may. */
    CHECK_EQ_INT(dorf_store_post_report(f.store, reply, f.anna, "rude", 105), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_delete(f.store, post, f.bob, f.bob, 106), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_post_delete(f.store, post, f.anna, f.anna, 106), DORF_OK);
    CHECK_EQ_INT(dorf_store_post_get(f.store, reply, 0, 1, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_post_get(f.store, post, 0, 1, &got), DORF_ENOTFOUND);
    teardown(&f);
}

static void test_events_window_selects_overlapping_events(void) {
    fixture f = setup("events.dorf");
    int64_t ids[3];
    int64_t starts[3] = {1000, 2000, 3000};
    for (int i = 0; i < 3; i++) {
        dorf_post p = news(f.anna, "event", "b");
        p.kind = DORF_POST_EVENT;
        p.has_starts = 1;
        p.starts_at = starts[i];
        p.has_ends = i == 0;
        p.ends_at = 2500; /* the first runs from 1000 to 2500 */
        ids[i] = create(&f, &p, 10 + i);
    }
    dorf_post_query q = query(DORF_POST_EVENT, 10);
    q.has_from = 1;
    q.from_at = 2200;
    q.has_until = 1;
    q.until_at = 2900;
    dorf_post_list list;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1); /* the first only: the second started and ended at 2000 */
    if (list.count == 1) {
        CHECK_EQ_INT(list.posts[0].id, ids[0]);
        CHECK_EQ_INT(list.posts[0].has_ends, 1);
        CHECK_EQ_INT(list.posts[0].ends_at, 2500);
    }
    dorf_post_list_free(&list);
    q.from_at = 2000;
    q.until_at = 3000;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 3);
    dorf_post_list_free(&list);
    q.has_until = 0;
    q.from_at = 2600;
    CHECK_EQ_INT(dorf_store_post_list(f.store, &q, &list), DORF_OK);
    CHECK_EQ_INT(list.count, 1);
    if (list.count == 1) {
        CHECK_EQ_INT(list.posts[0].id, ids[2]);
        CHECK_EQ_INT(list.posts[0].has_ends, 0);
    }
    dorf_post_list_free(&list);
    teardown(&f);
}

static void test_distance_is_the_great_circle(void) {
    /* One degree of latitude is 111.195 km on the mean sphere. */
    CHECK_NEAR(dorf_distance_m(9.5, 50.0, 9.5, 51.0), 111195.08, 0.1);
    CHECK_NEAR(dorf_distance_m(0, 0, 180, 0), 3.14159265358979 * 6371008.8, 1);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("store: %s\n", test_store_backend());
    RUN(test_news_are_stored_verbatim_and_listed_newest_first);
    RUN(test_bad_posts_are_refused_and_nothing_is_stored);
    RUN(test_pages_follow_the_before_cursor);
    RUN(test_near_orders_by_distance_and_bbox_filters);
    RUN(test_hidden_posts_are_seen_only_by_moderators_and_authors);
    RUN(test_blocked_authors_are_left_out_for_the_blocker_only);
    RUN(test_a_post_is_reported_once_per_person);
    RUN(test_replies_belong_to_funk_posts_only_and_one_level);
    RUN(test_events_window_selects_overlapping_events);
    RUN(test_distance_is_the_great_circle);
    test_store_cleanup();
    return check_summary();
}
