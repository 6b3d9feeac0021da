/*
 * dorf/accounts.h: creating platform accounts outside HTTP, for operators: the first admin
 * of a new region, or moderators (`dorf account add`).
 */
#ifndef DORF_ACCOUNTS_H
#define DORF_ACCOUNTS_H

#include <stdint.h>

#include "dorf/context.h"
#include "dorf/store.h"

/*
 * Creates an account with `roles` (DORF_ROLE_* bits, dorf/platform.h), hashing `password`
 * with argon2id as registration over HTTP does. The password must have 10 to 256 bytes.
 * *id receives the new user's id. Errors: DORF_EINVAL (bad e-mail, name, password or roles),
 * DORF_ECONFLICT (the e-mail address is taken), DORF_ENOMEM, DORF_EIO.
 */
dorf_status dorf_account_create(dorf_ctx *ctx, dorf_store *store, const char *email,
                                const char *name, const char *password, unsigned roles, int64_t now,
                                int64_t *id);

#endif
