/*
 * h_accounts.c: registering, logging in and out, and roles (docs/api.md, "Accounts").
 *
 * Anyone may register as citizen, shop or volunteer; the other roles (planner, researcher,
 * moderator, admin) are granted by an admin. Login answers the same way for an unknown
 * address and a wrong password, and takes the same time for both (a dummy hash is checked
 * when the address is unknown), so it does not tell which addresses exist.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "auth.h"
#include "dorf/erase.h"
#include "events_hub.h"
#include "json_util.h"

/* Roles a person may choose when registering. */
#define SELF_ROLES (DORF_ROLE_CITIZEN | DORF_ROLE_SHOP | DORF_ROLE_VOLUNTEER)

static json_t *user_json(int64_t id, const char *email, const char *name, unsigned roles) {
    json_t *list = json_array();
    for (unsigned bit = 1; bit <= DORF_ROLE_ADMIN; bit <<= 1) {
        if (roles & bit) {
            json_array_append_new(list, json_string(dorf_role_name(bit)));
        }
    }
    json_t *u = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "name", name, "roles", list);
    if (email) {
        json_object_set_new(u, "email", json_string(email));
    }
    return u;
}

/* A required string field of min..max bytes without control characters (json_util.h),
   or NULL after a 400. */
static const char *text_field(const api_request *req, api_response *res, const char *name,
                              size_t min, size_t max) {
    const char *s = NULL;
    if (api_body_string(req, name, API_REQUIRED | API_PLAIN_TEXT, max, &s, res) != 0) {
        return NULL;
    }
    if (strlen(s) < min) {
        api_error(res, 400, "bad_field", "the field '%s' needs at least %zu characters", name, min);
        return NULL;
    }
    return s;
}

/* Roles from a JSON array of names; 0 and a 400 response when one is unknown. */
static int roles_field(const api_request *req, api_response *res, unsigned *roles) {
    json_t *v = json_object_get(req->body, "roles");
    *roles = 0;
    if (!v) {
        return 1;
    }
    if (!json_is_array(v) || json_array_size(v) > 7) {
        api_error(res, 400, "bad_field", "\"roles\" must be a list of role names");
        return 0;
    }
    size_t i;
    json_t *r;
    json_array_foreach(v, i, r) {
        unsigned bit = json_is_string(r) ? dorf_role_from_name(json_string_value(r)) : 0;
        if (!bit) {
            api_error(res, 400, "bad_field",
                      "\"roles\" holds an unknown role; roles are citizen, shop, volunteer, "
                      "planner, researcher, moderator and admin");
            return 0;
        }
        *roles |= bit;
    }
    return 1;
}

static int plausible_email(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@')) {
        return 0;
    }
    for (const char *c = s; *c; c++) {
        if (isspace((unsigned char)*c)) {
            return 0;
        }
    }
    return 1;
}

static void store_failed(api_request *req, api_response *res, dorf_status st) {
    if (st == DORF_ECONFLICT) {
        api_error(res, 409, "conflict", "%s", dorf_ctx_errmsg(req->ctx));
    } else if (st == DORF_EINVAL) {
        api_error(res, 400, "bad_request", "%s", dorf_ctx_errmsg(req->ctx));
    } else {
        fprintf(stderr, "dorf serve: %s\n", dorf_ctx_errmsg(req->ctx));
        api_error(res, 500, "internal", "the request could not be completed");
    }
}

static void h_register(api_request *req, api_response *res) {
    static const char *const fields[] = {"email", "name", "password", "roles", NULL};
    if (api_body_only(req, fields, res) != 0) {
        return;
    }
    const char *email = text_field(req, res, "email", 3, 254);
    const char *name = email ? text_field(req, res, "name", 1, 127) : NULL;
    const char *password = name ? text_field(req, res, "password", 10, 256) : NULL;
    unsigned roles = 0;
    if (!password || !roles_field(req, res, &roles)) {
        return;
    }
    if (!plausible_email(email)) {
        api_error(res, 400, "bad_field", "\"email\" is not an e-mail address");
        return;
    }
    if (roles & ~(unsigned)SELF_ROLES) {
        api_error(res, 403, "forbidden",
                  "only citizen, shop and volunteer can be chosen; an admin grants the others");
        return;
    }
    dorf_user user;
    memset(&user, 0, sizeof user);
    snprintf(user.email, sizeof user.email, "%s", email);
    snprintf(user.name, sizeof user.name, "%s", name);
    user.roles = roles ? roles : DORF_ROLE_CITIZEN;
    user.created_at = req->now;
    if (api_auth_hash_password(password, user.password_hash) != 0) {
        api_error(res, 500, "internal", "the password could not be hashed");
        return;
    }
    int64_t id = 0;
    dorf_status st = dorf_store_user_create(req->store, &user, &id);
    if (st != DORF_OK) {
        if (st == DORF_ECONFLICT) {
            api_error(res, 409, "email_taken", "an account with this e-mail address exists");
        } else {
            store_failed(req, res, st);
        }
        return;
    }
    snprintf(res->location, sizeof res->location, "/api/users/%lld", (long long)id);
    api_json(res, 201, user_json(id, user.email, user.name, user.roles));
}

static void h_login(api_request *req, api_response *res) {
    static const char *const fields[] = {"email", "password", NULL};
    if (api_body_only(req, fields, res) != 0) {
        return;
    }
    const char *email = text_field(req, res, "email", 1, 254);
    const char *password = email ? text_field(req, res, "password", 1, 256) : NULL;
    if (!password) {
        return;
    }
    dorf_user user;
    dorf_status st = dorf_store_user_by_email(req->store, email, &user);
    if (st != DORF_OK && st != DORF_ENOTFOUND) {
        store_failed(req, res, st);
        return;
    }
    /* Same work whether or not the address exists. */
    static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$uMv4HRzCpNHECEhE4E6xfg$"
                                "dPe7J42EiSxxbA6D/I6Bqf79r4yFe4PJ8QNGhHK/FFI";
    int ok = api_auth_check_password(st == DORF_OK ? user.password_hash : dummy, password);
    if (st != DORF_OK || !ok) {
        dorf_store_audit(req->store, req->now, st == DORF_OK ? user.id : 0, "login_failed", "user",
                         req->client_ip);
        api_error(res, 401, "bad_credentials", "the e-mail address or the password is wrong");
        return;
    }
    char token[API_TOKEN_CHARS + 1];
    unsigned char hash[32];
    api_auth_new_token(token, hash);
    int64_t expires = req->now + API_SESSION_LIFETIME_S;
    if ((st = dorf_store_session_create(req->store, hash, user.id, req->now, expires)) != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    json_t *body = json_pack("{s:s, s:I, s:o}", "token", token, "expires_at", (json_int_t)expires,
                             "user", user_json(user.id, user.email, user.name, user.roles));
    api_json(res, 200, body);
}

static void h_logout(api_request *req, api_response *res) {
    const char *token = req->token;
    if (token) {
        unsigned char hash[32];
        api_auth_token_hash(token, hash);
        dorf_status st = dorf_store_session_delete(req->store, hash);
        if (st != DORF_OK) {
            store_failed(req, res, st);
            return;
        }
    }
    res->status = 204;
}

static void h_me(api_request *req, api_response *res) {
    dorf_user user;
    dorf_status st = dorf_store_user_get(req->store, req->user->id, &user);
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    api_json(res, 200, user_json(user.id, user.email, user.name, user.roles));
}

static void h_set_roles(api_request *req, api_response *res) {
    static const char *const fields[] = {"roles", NULL};
    int64_t id = api_param_id(req, 0);
    unsigned roles = 0;
    if (!id) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    if (api_body_only(req, fields, res) != 0 || !roles_field(req, res, &roles)) {
        return;
    }
    dorf_status st = dorf_store_user_set_roles(req->store, id, roles);
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "user %lld roles %#x", (long long)id, roles);
    dorf_store_audit(req->store, req->now, req->user->id, "set_roles", "user", detail);
    dorf_user user;
    if ((st = dorf_store_user_get(req->store, id, &user)) != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    api_json(res, 200, user_json(user.id, NULL, user.name, user.roles));
}

/* The counts of an erasure (dorf/erase.h) as JSON. */
static json_t *erase_json(const dorf_erase_report *r) {
    return json_pack("{s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I},"
                     " s:b}",
                     "deleted", "sessions", (json_int_t)r->sessions, "availability",
                     (json_int_t)r->availability, "blocks", (json_int_t)r->blocks, "reports",
                     (json_int_t)r->reports, "anonymised", "posts", (json_int_t)r->posts,
                     "orders", (json_int_t)r->orders, "orders_cancelled",
                     (json_int_t)r->orders_cancelled, "parcels", (json_int_t)r->parcels,
                     "shops", (json_int_t)r->shops, "audit_rows", (json_int_t)r->audit_rows,
                     "volunteer", "parcels_reopened", (json_int_t)r->parcels_reopened,
                     "parcels_delivered", (json_int_t)r->parcels_delivered, "wal_truncated",
                     r->checkpointed);
}

/* Erases user `id` and forgets their live DorfFunk events; answers 200 with the counts. */
static void erase_user(api_request *req, api_response *res, int64_t id) {
    dorf_erase_report r;
    dorf_status st = dorf_store_user_erase(req->store, id, req->now, &r);
    if (st == DORF_ENOTFOUND) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    api_events_hub *hub = api_server_events(req->server);
    if (hub) {
        api_events_forget_author(hub, id);
    }
    /* The other nodes keep their own copies of the live updates (api_server_tell_nodes). */
    json_t *forget = json_pack("{s:s, s:I}", "type", "forget", "author", (json_int_t)id);
    api_server_tell_nodes(req, forget);
    json_decref(forget);
    api_json(res, 200, erase_json(&r));
}

/* The person erases themselves: the current password proves it is them, not a stolen session. */
static void h_erase_me(api_request *req, api_response *res) {
    static const char *const fields[] = {"password", NULL};
    if (api_body_only(req, fields, res) != 0) {
        return;
    }
    const char *password = text_field(req, res, "password", 1, 256);
    if (!password) {
        return;
    }
    dorf_user user;
    dorf_status st = dorf_store_user_get(req->store, req->user->id, &user);
    if (st != DORF_OK) {
        store_failed(req, res, st);
        return;
    }
    if (!api_auth_check_password(user.password_hash, password)) {
        api_error(res, 403, "forbidden",
                  "the password is wrong; erasing an account needs its current password");
        return;
    }
    erase_user(req, res, user.id);
}

static void h_erase_user(api_request *req, api_response *res) {
    int64_t id = api_param_id(req, 0);
    if (!id) {
        api_error(res, 404, "not_found", "no such user");
        return;
    }
    erase_user(req, res, id);
}

const api_route api_routes_accounts[] = {
    {"POST", "/api/register", 0, h_register, "Create an account (citizen, shop, volunteer)"},
    {"POST", "/api/login", 0, h_login, "Log in: a session token for the Authorization header"},
    {"POST", "/api/logout", DORF_ROLE_ALL, h_logout, "End this session"},
    {"GET", "/api/me", DORF_ROLE_ALL, h_me, "The logged-in user"},
    {"DELETE", "/api/me", DORF_ROLE_ALL, h_erase_me,
     "Erase the logged-in user's data (needs the current password)"},
    {"DELETE", "/api/users/{id}", DORF_ROLE_ADMIN, h_erase_user, "Erase a user's data (admin)"},
    {"PUT", "/api/users/{id}/roles", DORF_ROLE_ADMIN, h_set_roles, "Set a user's roles (admin)"},
};
const size_t api_routes_accounts_count = sizeof api_routes_accounts / sizeof *api_routes_accounts;
