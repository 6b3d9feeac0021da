/*
 * dorf/platform.h: the village platform's own data: accounts and sessions (this header), the
 * BestellBar marketplace (dorf/market.h) and, later, LieferBar parcels, DorfNews and DorfFunk.
 *
 * The platform lives in the region's database beside the region, in tables the import never
 * touches, so re-importing the region keeps every account, shop and order. Places are referred
 * to by their OpenStreetMap type and id, which survive a re-import; row ids do not.
 * Times are seconds since the epoch (UTC). All SQL is in the store modules (engine/store_*.c).
 */
#ifndef DORF_PLATFORM_H
#define DORF_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/context.h"
#include "dorf/store.h"

/* Roles; a person may hold several. */
enum dorf_role {
    DORF_ROLE_CITIZEN = 1u << 0,
    DORF_ROLE_SHOP = 1u << 1,
    DORF_ROLE_VOLUNTEER = 1u << 2,
    DORF_ROLE_PLANNER = 1u << 3,
    DORF_ROLE_RESEARCHER = 1u << 4,
    DORF_ROLE_MODERATOR = 1u << 5,
    DORF_ROLE_ADMIN = 1u << 6,
    DORF_ROLE_ALL = (1u << 7) - 1,
};

/* The role's name as used in JSON ("citizen"), or NULL for a bit that is not one role. */
const char *dorf_role_name(unsigned role);
/* The role named `name`; 0 when there is none. */
unsigned dorf_role_from_name(const char *name);

typedef struct dorf_user {
    int64_t id;
    char email[256];
    char name[128];
    char password_hash[128]; /* argon2id, in libsodium's string form */
    unsigned roles;
    int64_t created_at;
} dorf_user;

/*
 * Creates a user and its "register" audit row, in one transaction; *id receives the new id.
 * DORF_ECONFLICT when the e-mail address is taken
 * (compared without case), DORF_EINVAL for an empty e-mail, name or hash or roles outside
 * DORF_ROLE_ALL, DORF_EIO.
 */
dorf_status dorf_store_user_create(dorf_store *store, const dorf_user *user, int64_t *id);

/* The user with this e-mail address (any case) or id. DORF_ENOTFOUND (no message) if none. */
dorf_status dorf_store_user_by_email(dorf_store *store, const char *email, dorf_user *out);
dorf_status dorf_store_user_get(dorf_store *store, int64_t id, dorf_user *out);

/* Replaces a user's roles. DORF_ENOTFOUND, DORF_EINVAL. */
dorf_status dorf_store_user_set_roles(dorf_store *store, int64_t id, unsigned roles);

/* The number of users (the first to register becomes admin). */
dorf_status dorf_store_user_count(dorf_store *store, int64_t *count);

/*
 * Sessions are known only by a hash of their token (32 bytes), so a copy of the database
 * does not let anyone in. Creating one also deletes the expired sessions of that user.
 */
dorf_status dorf_store_session_create(dorf_store *store, const unsigned char token_hash[32],
                                      int64_t user_id, int64_t now, int64_t expires_at);

/* The user of the session with this token hash, if it has not expired at `now`.
   DORF_ENOTFOUND (no message) otherwise. */
dorf_status dorf_store_session_user(dorf_store *store, const unsigned char token_hash[32],
                                    int64_t now, dorf_user *out);

/* Ends a session (no error when there is none). */
dorf_status dorf_store_session_delete(dorf_store *store, const unsigned char token_hash[32]);

/* Appends to the audit log: who (0: nobody) did what to which object. */
dorf_status dorf_store_audit(dorf_store *store, int64_t now, int64_t user_id, const char *action,
                             const char *object, const char *detail);

#endif
