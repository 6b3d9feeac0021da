/*
 * store_accounts.c: users, sessions and the audit log (dorf/platform.h), on either store
 * (SpatiaLite or PostGIS, through sql.h). Sessions are stored only by the hash of their token;
 * checking one is a single indexed lookup that also checks its expiry.
 */
#include <stdio.h>
#include <string.h>

#include "dorf/platform.h"
#include "store_sql.h"

static const char *const role_names[] = {"citizen",    "shop",      "volunteer", "planner",
                                         "researcher", "moderator", "admin"};

const char *dorf_role_name(unsigned role) {
    for (unsigned i = 0; i < sizeof role_names / sizeof *role_names; i++) {
        if (role == 1u << i) {
            return role_names[i];
        }
    }
    return NULL;
}

unsigned dorf_role_from_name(const char *name) {
    for (unsigned i = 0; name && i < sizeof role_names / sizeof *role_names; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

static void copy_text(char *dst, size_t size, const unsigned char *src) {
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

/* Reads a user row (id, email, name, password_hash, roles, created_at) from `stmt`. */
static void read_user(sql_stmt *stmt, dorf_user *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    copy_text(out->email, sizeof out->email, sql_column_text(stmt, 1));
    copy_text(out->name, sizeof out->name, sql_column_text(stmt, 2));
    copy_text(out->password_hash, sizeof out->password_hash, sql_column_text(stmt, 3));
    out->roles = (unsigned)sql_column_int(stmt, 4);
    out->created_at = sql_column_int64(stmt, 5);
}

#define USER_COLUMNS "id, email, name, password_hash, roles, created_at"

static dorf_status insert_user(struct sql_store *s, const dorf_user *user, int64_t *id);

dorf_status dorf_store_user_create(dorf_store *store, const dorf_user *user, int64_t *id) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (!user->email[0] || !user->name[0] || !user->password_hash[0] ||
        (user->roles & ~(unsigned)DORF_ROLE_ALL)) {
        return dorf_fail(store->ctx, DORF_EINVAL,
                         "a user needs an e-mail, a name, a password "
                         "and known roles");
    }
    /* The account and its audit row in one transaction: a crash between the two must not
       leave an account the audit log never saw. */
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    st = insert_user(s, user, id);
    if (st == DORF_OK) {
        st = dorf_store_audit(store, user->created_at, *id, "register", "user", NULL);
    }
    if (st == DORF_OK) {
        st = sql_store_commit(s);
    }
    if (st != DORF_OK && sql_in_transaction(s->conn)) {
        sql_store_rollback(s);
    }
    return st;
}

static dorf_status insert_user(struct sql_store *s, const dorf_user *user, int64_t *id) {
    dorf_store *store = &s->base;
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "INSERT INTO app_user (email, name, password_hash, roles, created_at)"
                          " VALUES (?, ?, ?, ?, ?)",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_text(stmt, 1, user->email, -1, SQL_STATIC);
    sql_bind_text(stmt, 2, user->name, -1, SQL_STATIC);
    sql_bind_text(stmt, 3, user->password_hash, -1, SQL_STATIC);
    sql_bind_int(stmt, 4, (int)user->roles);
    sql_bind_int64(stmt, 5, user->created_at);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    sql_error_kind kind = sql_error_kind_of(s->conn);
    if (rc != SQL_DONE &&
        (kind == SQL_ERR_UNIQUE || kind == SQL_ERR_CHECK || kind == SQL_ERR_FOREIGN_KEY)) {
        if (kind == SQL_ERR_UNIQUE) {
            return dorf_fail(store->ctx, DORF_ECONFLICT, "the e-mail address %s is taken",
                             user->email);
        }
        return dorf_fail(store->ctx, DORF_EINVAL, "the user was refused: %s", sql_errmsg(s->conn));
    }
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "creating a user");
    }
    *id = sql_last_insert_rowid(s->conn);
    return DORF_OK;
}

static dorf_status user_query(dorf_store *store, const char *sql, const char *text, int64_t id,
                              dorf_user *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (text) {
        sql_bind_text(stmt, 1, text, -1, SQL_STATIC);
    } else {
        sql_bind_int64(stmt, 1, id);
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        read_user(stmt, out);
        st = DORF_OK;
    } else if (rc == SQL_DONE) {
        st = DORF_ENOTFOUND;
    } else {
        st = sql_store_fail(s, "reading a user");
    }
    sql_finalize(stmt);
    return st;
}

/*
 * E-mail addresses match regardless of the case of ASCII letters on both stores, each the way
 * its unique index compares them, so a lookup finds exactly the account that would collide:
 * SQLite's column is COLLATE NOCASE, PostgreSQL's index is on lower(email COLLATE "C"), which
 * folds ASCII letters only (not Ä to ä, whatever the database's locale), and the lookup is
 * spelt as the index is, so that it uses it.
 */
static const char user_by_email_sqlite[] = "SELECT " USER_COLUMNS " FROM app_user WHERE email = ?";
static const char user_by_email_pg[] =
    "SELECT " USER_COLUMNS " FROM app_user WHERE lower(email COLLATE \"C\") ="
    " lower(? COLLATE \"C\")";

dorf_status dorf_store_user_by_email(dorf_store *store, const char *email, dorf_user *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    return user_query(store, s->dialect == SQL_POSTGRES ? user_by_email_pg : user_by_email_sqlite,
                      email, 0, out);
}

dorf_status dorf_store_user_get(dorf_store *store, int64_t id, dorf_user *out) {
    return user_query(store, "SELECT " USER_COLUMNS " FROM app_user WHERE id = ?", NULL, id, out);
}

dorf_status dorf_store_user_set_roles(dorf_store *store, int64_t id, unsigned roles) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (roles & ~(unsigned)DORF_ROLE_ALL) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown roles %#x", roles);
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "UPDATE app_user SET roles = ? WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int(stmt, 1, (int)roles);
    sql_bind_int64(stmt, 2, id);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "changing a user's roles");
    }
    return sql_changes(s->conn) == 1 ? DORF_OK : DORF_ENOTFOUND;
}

dorf_status dorf_store_user_count(dorf_store *store, int64_t *count) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "SELECT count(*) FROM app_user", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sql_step(stmt) == SQL_ROW) {
        *count = sql_column_int64(stmt, 0);
    } else {
        st = sql_store_fail(s, "counting users");
    }
    sql_finalize(stmt);
    return st;
}

/* Runs one write statement with its parameters bound by `bind`; DORF_EIO on failure. */
static dorf_status exec_bound(struct sql_store *s, const char *sql, const char *what,
                              void (*bind)(sql_stmt *stmt, const void *arg), const void *arg) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    bind(stmt, arg);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    return rc == SQL_DONE ? DORF_OK : sql_store_fail(s, what);
}

struct session_args {
    const unsigned char *hash;
    int64_t user_id;
    int64_t now;
    int64_t expires_at;
};

static void bind_session_insert(sql_stmt *stmt, const void *arg) {
    const struct session_args *a = arg;
    sql_bind_blob(stmt, 1, a->hash, 32, SQL_STATIC);
    sql_bind_int64(stmt, 2, a->user_id);
    sql_bind_int64(stmt, 3, a->now);
    sql_bind_int64(stmt, 4, a->expires_at);
}

static void bind_session_expired(sql_stmt *stmt, const void *arg) {
    const struct session_args *a = arg;
    sql_bind_int64(stmt, 1, a->user_id);
    sql_bind_int64(stmt, 2, a->now);
}

dorf_status dorf_store_session_create(dorf_store *store, const unsigned char token_hash[32],
                                      int64_t user_id, int64_t now, int64_t expires_at) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct session_args a = {token_hash, user_id, now, expires_at};
    dorf_status st = exec_bound(s, "DELETE FROM session WHERE user_id = ? AND expires_at <= ?",
                                "ending expired sessions", bind_session_expired, &a);
    if (st == DORF_OK) {
        st = exec_bound(s,
                        "INSERT INTO session (token_hash, user_id, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?)",
                        "starting a session", bind_session_insert, &a);
    }
    return st;
}

dorf_status dorf_store_session_user(dorf_store *store, const unsigned char token_hash[32],
                                    int64_t now, dorf_user *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "SELECT u.id, u.email, u.name, u.password_hash, u.roles, u.created_at"
                          " FROM session AS x JOIN app_user AS u ON u.id = x.user_id"
                          " WHERE x.token_hash = ? AND x.expires_at > ?",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_blob(stmt, 1, token_hash, 32, SQL_STATIC);
    sql_bind_int64(stmt, 2, now);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        read_user(stmt, out);
        st = DORF_OK;
    } else if (rc == SQL_DONE) {
        st = DORF_ENOTFOUND;
    } else {
        st = sql_store_fail(s, "checking a session");
    }
    sql_finalize(stmt);
    return st;
}

static void bind_hash(sql_stmt *stmt, const void *arg) {
    sql_bind_blob(stmt, 1, arg, 32, SQL_STATIC);
}

dorf_status dorf_store_session_delete(dorf_store *store, const unsigned char token_hash[32]) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    return exec_bound(s, "DELETE FROM session WHERE token_hash = ?", "ending a session", bind_hash,
                      token_hash);
}

struct audit_args {
    int64_t now;
    int64_t user_id;
    const char *action;
    const char *object;
    const char *detail;
};

static void bind_audit(sql_stmt *stmt, const void *arg) {
    const struct audit_args *a = arg;
    sql_bind_int64(stmt, 1, a->now);
    if (a->user_id > 0) {
        sql_bind_int64(stmt, 2, a->user_id);
    } else {
        sql_bind_null(stmt, 2);
    }
    sql_bind_text(stmt, 3, a->action, -1, SQL_STATIC);
    sql_bind_text(stmt, 4, a->object, -1, SQL_STATIC);
    if (a->detail) {
        sql_bind_text(stmt, 5, a->detail, -1, SQL_STATIC);
    } else {
        sql_bind_null(stmt, 5);
    }
}

dorf_status dorf_store_audit(dorf_store *store, int64_t now, int64_t user_id, const char *action,
                             const char *object, const char *detail) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct audit_args a = {now, user_id, action, object, detail};
    return exec_bound(s,
                      "INSERT INTO audit_log (at, user_id, action, object, detail)"
                      " VALUES (?, ?, ?, ?, ?)",
                      "writing the audit log", bind_audit, &a);
}
