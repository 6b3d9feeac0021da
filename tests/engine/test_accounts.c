/*
 * test_accounts.c: users, sessions and the audit log (engine/store_accounts.c), on the
 * SpatiaLite store, or on PostGIS when DORF_TEST_PG names a server (tests/test_store.h; ctest
 * runs both as engine/test_accounts and engine/test_accounts@postgis).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dorf/platform.h"
#include "dorf/store.h"
#include "test_store.h"

static dorf_store *open_new(dorf_ctx *ctx, const char *name) {
    dorf_store *s = NULL;
    dorf_status st = dorf_store_open(ctx, test_store_location(name), DORF_STORE_CREATE, &s);
    if (st != DORF_OK)
        fprintf(stderr, "  open: %s\n", dorf_ctx_errmsg(ctx));
    CHECK_EQ_INT(st, DORF_OK);
    return s;
}

static dorf_user make_user(const char *email, unsigned roles) {
    dorf_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "Name of %s", email);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$not-a-real-hash");
    u.roles = roles;
    u.created_at = 1000;
    return u;
}

static void test_users_are_created_and_found_by_email_in_any_case(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_new(ctx, "users");
    dorf_user u = make_user("Anna@Example.org", DORF_ROLE_CITIZEN | DORF_ROLE_VOLUNTEER);
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &u, &id), DORF_OK);
    CHECK(id > 0);
    dorf_user got;
    CHECK_EQ_INT(dorf_store_user_by_email(s, "anna@example.ORG", &got), DORF_OK);
    CHECK_EQ_INT(got.id, id);
    CHECK_STR(got.email, "Anna@Example.org"); /* kept as given, found in any case */
    CHECK_STR(got.name, "Name of Anna@Example.org");
    CHECK_EQ_INT(dorf_store_user_by_email(s, "ANNA@EXAMPLE.ORG", &got), DORF_OK);
    CHECK_EQ_INT(got.id, id);
    CHECK_EQ_INT(got.roles, DORF_ROLE_CITIZEN | DORF_ROLE_VOLUNTEER);
    CHECK_EQ_INT(dorf_store_user_get(s, id, &got), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_get(s, id + 1, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_by_email(s, "bob@example.org", &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_by_email(s, "anna@example.or", &got), DORF_ENOTFOUND);

    dorf_user dup = make_user("anna@example.org", DORF_ROLE_SHOP);
    int64_t other = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &dup, &other), DORF_ECONFLICT);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "taken");
    dup = make_user("ANNA@example.Org", DORF_ROLE_SHOP);
    CHECK_EQ_INT(dorf_store_user_create(s, &dup, &other), DORF_ECONFLICT);
    int64_t count = 0;
    CHECK_EQ_INT(dorf_store_user_count(s, &count), DORF_OK);
    CHECK_EQ_INT(count, 1);

    dorf_user bad = make_user("", DORF_ROLE_CITIZEN);
    CHECK_EQ_INT(dorf_store_user_create(s, &bad, &other), DORF_EINVAL);
    bad = make_user("x@y.z", 1u << 9);
    CHECK_EQ_INT(dorf_store_user_create(s, &bad, &other), DORF_EINVAL);
    /* Refused by the table's CHECK (an address of 3 to 254 bytes), not by the code above. */
    bad = make_user("ab", DORF_ROLE_CITIZEN);
    CHECK_EQ_INT(dorf_store_user_create(s, &bad, &other), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "refused");
    /* A refused account leaves neither a row nor an audit entry, and the store stays usable
       (on PostgreSQL the failed INSERT aborted its transaction, which was rolled back). */
    CHECK_EQ_INT(test_store_query_int("users", "SELECT count(*) FROM app_user"), 1);
    CHECK_EQ_INT(test_store_query_int("users", "SELECT count(*) FROM audit_log"
                                               " WHERE action = 'register'"),
                 1);
    dorf_user second = make_user("bob@example.org", DORF_ROLE_CITIZEN);
    int64_t bob = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &second, &bob), DORF_OK);
    CHECK(bob > id);
    CHECK_EQ_INT(dorf_store_user_by_email(s, "Bob@Example.org", &got), DORF_OK);
    CHECK_EQ_INT(got.id, bob);

    CHECK_EQ_INT(dorf_store_user_set_roles(s, id, DORF_ROLE_ADMIN), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_get(s, id, &got), DORF_OK);
    CHECK_EQ_INT(got.roles, DORF_ROLE_ADMIN);
    CHECK_EQ_INT(dorf_store_user_set_roles(s, bob + 7, DORF_ROLE_ADMIN), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_set_roles(s, id, 1u << 12), DORF_EINVAL);
    /* Only ASCII letters fold, on both stores alike: Ä and ä are different addresses. */
    CHECK_EQ_INT(dorf_store_user_count(s, &count), DORF_OK);
    int64_t before = count;
    dorf_user upper = make_user("\xc3\x84nne@example.org", DORF_ROLE_CITIZEN);
    dorf_user lower = make_user("\xc3\xa4nne@example.org", DORF_ROLE_CITIZEN);
    CHECK_EQ_INT(dorf_store_user_create(s, &upper, &other), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_by_email(s, "\xc3\xa4NNE@example.org", &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_user_create(s, &lower, &other), DORF_OK);
    CHECK_EQ_INT(dorf_store_user_by_email(s, "\xc3\xa4NNE@example.org", &got), DORF_OK);
    CHECK_EQ_INT(got.id, other);
    CHECK_EQ_INT(dorf_store_user_count(s, &count), DORF_OK);
    CHECK_EQ_INT(count, before + 2);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_sessions_expire_and_end(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *s = open_new(ctx, "sessions");
    dorf_user u = make_user("c@example.org", DORF_ROLE_CITIZEN);
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &u, &id), DORF_OK);
    unsigned char a[32], b[32], unknown[32];
    memset(a, 1, sizeof a);
    memset(b, 2, sizeof b);
    memset(unknown, 3, sizeof unknown);
    CHECK_EQ_INT(dorf_store_session_create(s, a, id, 100, 200), DORF_OK);
    CHECK_EQ_INT(dorf_store_session_create(s, b, id, 150, 1000), DORF_OK);
    dorf_user got;
    CHECK_EQ_INT(dorf_store_session_user(s, a, 199, &got), DORF_OK);
    CHECK_EQ_INT(got.id, id);
    CHECK_EQ_INT(dorf_store_session_user(s, a, 200, &got), DORF_ENOTFOUND); /* expired */
    CHECK_EQ_INT(dorf_store_session_user(s, unknown, 150, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_session_user(s, b, 999, &got), DORF_OK);
    CHECK_EQ_INT(dorf_store_session_delete(s, b), DORF_OK);
    CHECK_EQ_INT(dorf_store_session_user(s, b, 300, &got), DORF_ENOTFOUND);
    CHECK_EQ_INT(dorf_store_session_delete(s, b), DORF_OK); /* twice is fine */
    /* The same token hash twice is refused, not silently shared; once it has expired, the
       user's next login clears it away. */
    CHECK_EQ_INT(dorf_store_session_create(s, b, id, 150, 1000), DORF_OK);
    CHECK_EQ_INT(dorf_store_session_create(s, b, id, 160, 1000), DORF_EIO);
    CHECK_EQ_INT(dorf_store_session_create(s, a, id, 300, 400), DORF_OK);
    /* a (expired at 200) was cleared and made anew; b is kept once. */
    CHECK_EQ_INT(test_store_query_int("sessions", "SELECT count(*) FROM session"), 2);
    CHECK_EQ_INT(test_store_query_int("sessions", "SELECT count(*) FROM session"
                                                  " WHERE created_at = 300 AND expires_at = 400"),
                 1);
    CHECK_EQ_INT(dorf_store_session_user(s, a, 399, &got), DORF_OK);
    CHECK_EQ_INT(dorf_store_audit(s, 5, id, "login", "user", "from 127.0.0.1"), DORF_OK);
    CHECK_EQ_INT(dorf_store_audit(s, 6, 0, "login_failed", "user", NULL), DORF_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'login' AND user_id = %lld"
             " AND detail = 'from 127.0.0.1' AND at = 5",
             (long long)id);
    CHECK_EQ_INT(test_store_query_int("sessions", sql), 1);
    CHECK_EQ_INT(test_store_query_int("sessions", "SELECT count(*) FROM audit_log"
                                                  " WHERE action = 'login_failed'"
                                                  " AND user_id IS NULL AND detail IS NULL"),
                 1);
    dorf_store_close(s);
    dorf_ctx_free(ctx);
}

static void test_role_names_round_trip(void) {
    for (unsigned bit = 1; bit <= DORF_ROLE_ADMIN; bit <<= 1) {
        const char *name = dorf_role_name(bit);
        CHECK(name != NULL);
        CHECK_EQ_INT(dorf_role_from_name(name), bit);
    }
    CHECK(dorf_role_name(3) == NULL);
    CHECK_EQ_INT(dorf_role_from_name("king"), 0);
    CHECK_EQ_INT(dorf_role_from_name(NULL), 0);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    printf("backend: %s\n", test_store_backend());
    RUN(test_users_are_created_and_found_by_email_in_any_case);
    RUN(test_sessions_expire_and_end);
    RUN(test_role_names_round_trip);
    test_store_cleanup();
    return check_summary();
}
