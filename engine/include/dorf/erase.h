/*
 * dorf/erase.h: erasing a person's data from the village platform (the "right to erasure").
 *
 * Erasure removes what belongs only to the person (account, sessions, availability, blocks,
 * reports they filed) and anonymises what others rely on: orders stay in the shops' books,
 * posts and replies stay as empty tombstones so that the replies of others remain readable,
 * and delivered parcels stay counted. Everything that stays is re-pointed at one shared
 * account named "deleted" (e-mail "(deleted)", no password, no roles), because the schema's
 * foreign keys need an account behind every post, order and shop; since all erased persons
 * share it, nothing left behind links one erased person's records to each other.
 * On SpatiaLite, freed database pages are zeroed (SQLite's secure_delete) and the write-ahead
 * log is checkpointed and truncated, so no copy of the person's text stays in either file.
 * On PostgreSQL the old row versions stay in the tables' files, the write-ahead log and any
 * backups until an operator removes them (DORF_ERASE_VACUUM_SQL, docs/operations.md).
 */
#ifndef DORF_ERASE_H
#define DORF_ERASE_H

#include <stdint.h>

#include "dorf/context.h"
#include "dorf/store.h"

/* The e-mail address of the shared "deleted" account (not an address: it cannot register). */
#define DORF_ERASED_EMAIL "(deleted)"
/* The name shown as the author of an erased person's posts. */
#define DORF_ERASED_NAME "deleted"

/* What an erasure removed (deleted rows) or anonymised (kept rows, personal fields wiped). */
typedef struct dorf_erase_report {
    int64_t sessions;          /* deleted */
    int64_t availability;      /* volunteer time windows, deleted */
    int64_t blocks;            /* blocks by or of the person, deleted */
    int64_t reports;           /* reports the person filed, deleted */
    int64_t posts;             /* posts and replies, kept as empty tombstones */
    int64_t orders;            /* orders as citizen, anonymised */
    int64_t orders_cancelled;  /* of those, still open and therefore cancelled (stock back) */
    int64_t parcels;           /* parcels of those orders, drop-off wiped */
    int64_t parcels_reopened;  /* claimed or picked up by the person as volunteer: open again */
    int64_t parcels_delivered; /* delivered by the person: volunteer removed */
    int64_t shops;             /* shops the person owned: kept without owner, products off */
    int64_t audit_rows;        /* audit rows of the person: actor and detail removed */
    int checkpointed;          /* 1 when the write-ahead log was checkpointed and truncated;
                                  always 0 on PostgreSQL (see DORF_ERASE_VACUUM_SQL) */
} dorf_erase_report;

/*
 * What an operator runs on PostgreSQL after erasures, outside any transaction, followed by
 * CHECKPOINT: it rewrites every table an erasure changes and their indexes, so the erased
 * row versions leave the database's files (plain VACUUM only marks their space reusable).
 * It locks each table while rewriting it; run it when the platform is quiet. Copies in the
 * write-ahead log, its archive, replicas' logs and backups go only as those are recycled.
 */
#define DORF_ERASE_VACUUM_SQL                                                                      \
    "VACUUM FULL app_user, session, availability, user_block, report, post, shop_order,"           \
    " parcel, shop, product, audit_log"

/*
 * Erases user `user_id` at `now` (seconds since the epoch) in one transaction (all or
 * nothing). On SpatiaLite with secure_delete on, then checkpointing the write-ahead log with
 * TRUNCATE (retrying for up to ~5 s while other connections read; when they still do, the
 * erasure stands and out->checkpointed is 0: the next checkpoint overwrites the old pages).
 * On PostgreSQL the transaction is all; out->checkpointed is 0 and the old row versions stay
 * on disk until DORF_ERASE_VACUUM_SQL runs.
 * Appends one audit row ("erase", "user", the counts; no id, name or address). *out receives
 * the counts. DORF_ENOTFOUND (no message) when there is no such user, DORF_EINVAL for the
 * shared "deleted" account, DORF_EIO.
 */
dorf_status dorf_store_user_erase(dorf_store *store, int64_t user_id, int64_t now,
                                  dorf_erase_report *out);

#endif
