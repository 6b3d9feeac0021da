/*
 * accounts.c: dorf_account_create() (dorf/accounts.h), the operators' way to make accounts.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "dorf/accounts.h"
#include "dorf/platform.h"

dorf_status dorf_account_create(dorf_ctx *ctx, dorf_store *store, const char *email,
                                const char *name, const char *password, unsigned roles, int64_t now,
                                int64_t *id) {
    size_t pw = password ? strlen(password) : 0;
    if (!email || !strchr(email, '@') || strlen(email) > 254) {
        return dorf_fail(ctx, DORF_EINVAL, "\"%s\" is not an e-mail address", email ? email : "");
    }
    if (!name || !name[0] || strlen(name) > 127) {
        return dorf_fail(ctx, DORF_EINVAL, "a name needs 1 to 127 characters");
    }
    if (pw < 10 || pw > 256) {
        return dorf_fail(ctx, DORF_EINVAL, "a password needs 10 to 256 characters (got %zu)", pw);
    }
    if (roles == 0 || (roles & ~(unsigned)DORF_ROLE_ALL)) {
        return dorf_fail(ctx, DORF_EINVAL, "an account needs at least one known role");
    }
    if (api_auth_init() != 0) {
        return dorf_fail(ctx, DORF_EIO, "libsodium could not be initialised");
    }
    dorf_user user;
    memset(&user, 0, sizeof user);
    snprintf(user.email, sizeof user.email, "%s", email);
    snprintf(user.name, sizeof user.name, "%s", name);
    user.roles = roles;
    user.created_at = now;
    if (api_auth_hash_password(password, user.password_hash) != 0) {
        return dorf_fail(ctx, DORF_ENOMEM, "hashing the password: out of memory");
    }
    dorf_status st = dorf_store_user_create(store, &user, id);
    if (st == DORF_OK) {
        dorf_store_audit(store, now, *id, "account_add", "user", "by an operator");
    }
    return st;
}
