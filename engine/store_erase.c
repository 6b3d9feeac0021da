/*
 * store_erase.c: erasing a person from the platform's tables (dorf/erase.h), on either store.
 *
 * One write transaction (sql_begin: SQLite's BEGIN IMMEDIATE, PostgreSQL's writer lock) runs
 * a fixed list of statements, each bound to the person's id (?1), the shared "deleted"
 * account's id (?2) and the time (?3), and counts the rows each changed. Order matters: open
 * orders are cancelled (stock back, parcels cancelled) before the person's orders lose their
 * citizen, and the parcels of those orders are cancelled before the person's claimed parcels
 * are reopened, so a parcel the person both ordered and carried ends cancelled, not open.
 *
 * SQLite: PRAGMA secure_delete makes SQLite zero every freed or overwritten cell and page
 * (https://sqlite.org/pragma.html#pragma_secure_delete); the checkpoint with TRUNCATE
 * afterwards moves the new pages into the database file and empties the write-ahead log,
 * which held the old pages (https://sqlite.org/wal.html).
 *
 * PostgreSQL has nothing like secure_delete, and this file does not pretend to. An UPDATE or
 * DELETE leaves the old row version in the table's pages and its keys in the indexes' pages
 * (MVCC: https://www.postgresql.org/docs/15/routine-vacuuming.html); plain VACUUM marks that
 * space reusable but does not overwrite it (checked: the bytes are still in the file after
 * VACUUM and CHECKPOINT). VACUUM FULL writes each table and its indexes anew and unlinks the
 * old files, but it cannot run inside a transaction and holds an ACCESS EXCLUSIVE lock on each
 * table while it runs, so a store call on a live server must not do it. The write-ahead log
 * also holds the old and new values until its segments are recycled, and WAL archives,
 * replicas and base backups keep theirs for as long as they are kept. So on PostgreSQL the
 * erasure is the transaction alone and reports checkpointed = 0; removing the old row
 * versions is the operator's job (docs/operations.md, "Erasure on PostgreSQL"): after
 * erasures, VACUUM FULL the platform's tables (DORF_ERASE_VACUUM_SQL in dorf/erase.h),
 * CHECKPOINT, and keep backups and WAL archives no longer than the privacy policy says.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dorf/erase.h"
#include "store_sql.h"

/* Where a statement's count goes in the report; -1: not counted. */
#define NO_COUNT ((size_t)-1)
#define COUNT(field) offsetof(dorf_erase_report, field)

struct erase_step {
    const char *sql;
    size_t count; /* offset of an int64_t in dorf_erase_report, or NO_COUNT */
    const char *what;
};

/* Orders that can still change: they are cancelled, for nobody will receive them. */
#define OPEN_ORDER "state IN ('placed', 'accepted', 'ready', 'handed_over')"

static const struct erase_step steps[] = {
    {"DELETE FROM session WHERE user_id = ?1", COUNT(sessions), "ending the sessions"},
    {"DELETE FROM availability WHERE volunteer_id = ?1", COUNT(availability),
     "deleting the availability"},
    {"DELETE FROM user_block WHERE user_id = ?1 OR blocked_id = ?1", COUNT(blocks),
     "deleting the blocks"},
    {"DELETE FROM report WHERE reporter_id = ?1", COUNT(reports), "deleting the reports"},
    /* Tombstones: the row (and its replies' parent_id) stays, the person's words go. */
    {"UPDATE post SET author_id = ?2, title = '', body = '', lon = NULL, lat = NULL"
     " WHERE author_id = ?1",
     COUNT(posts), "emptying the posts"},
    {"UPDATE product SET stock = stock + (SELECT sum(i.quantity) FROM order_item i"
     " JOIN shop_order o ON o.id = i.order_id"
     " WHERE i.product_id = product.id AND o.citizen_id = ?1 AND o." OPEN_ORDER ")"
     " WHERE id IN (SELECT i.product_id FROM order_item i JOIN shop_order o ON o.id = i.order_id"
     " WHERE o.citizen_id = ?1 AND o." OPEN_ORDER ")",
     NO_COUNT, "putting the open orders' items back into stock"},
    {"UPDATE parcel SET state = 'cancelled', updated_at = ?3"
     " WHERE state IN ('open', 'claimed', 'picked_up')"
     " AND order_id IN (SELECT id FROM shop_order WHERE citizen_id = ?1)",
     NO_COUNT, "cancelling the parcels of open orders"},
    {"UPDATE shop_order SET state = 'cancelled', updated_at = ?3"
     " WHERE citizen_id = ?1 AND " OPEN_ORDER,
     COUNT(orders_cancelled), "cancelling the open orders"},
    /* The drop-off was the person's home; the shop's own position is no one's. */
    {"UPDATE parcel SET dropoff_lon = pickup_lon, dropoff_lat = pickup_lat"
     " WHERE order_id IN (SELECT id FROM shop_order WHERE citizen_id = ?1)",
     COUNT(parcels), "wiping the parcels' drop-off"},
    {"UPDATE shop_order SET citizen_id = ?2, dropoff_lon = NULL, dropoff_lat = NULL"
     " WHERE citizen_id = ?1",
     COUNT(orders), "anonymising the orders"},
    {"UPDATE parcel SET state = 'open', volunteer_id = NULL, updated_at = ?3"
     " WHERE volunteer_id = ?1 AND state IN ('claimed', 'picked_up')",
     COUNT(parcels_reopened), "reopening the claimed parcels"},
    {"UPDATE parcel SET volunteer_id = NULL WHERE volunteer_id = ?1", COUNT(parcels_delivered),
     "removing the volunteer from delivered parcels"},
    /* Nobody would accept new orders of an ownerless shop: take its products off sale. */
    {"UPDATE product SET active = 0 WHERE shop_id IN (SELECT id FROM shop WHERE owner_id = ?1)",
     NO_COUNT, "taking the shops' products off sale"},
    {"UPDATE shop SET owner_id = ?2 WHERE owner_id = ?1", COUNT(shops), "releasing the shops"},
    {"UPDATE audit_log SET user_id = NULL, detail = NULL WHERE user_id = ?1", COUNT(audit_rows),
     "anonymising the audit log"},
    {"DELETE FROM app_user WHERE id = ?1", NO_COUNT, "deleting the account"},
};

/* Runs one statement with ?1 = user, ?2 = the "deleted" account, ?3 = now; *changes rows. */
static dorf_status run(struct sql_store *s, const char *sql, const char *what, int64_t user_id,
                       int64_t deleted_id, int64_t now, int64_t *changes) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int n = sql_bind_parameter_count(stmt);
    if ((n >= 1 && sql_bind_int64(stmt, 1, user_id) != SQL_OK) ||
        (n >= 2 && sql_bind_int64(stmt, 2, deleted_id) != SQL_OK) ||
        (n >= 3 && sql_bind_int64(stmt, 3, now) != SQL_OK)) {
        st = sql_store_fail(s, what);
    } else if (sql_step(stmt) != SQL_DONE) {
        st = sql_store_fail(s, what);
    } else if (changes) {
        *changes = sql_changes(s->conn);
    }
    sql_finalize(stmt);
    return st;
}

/* One integer from a query with ?1 (if any) bound to `arg`; DORF_ENOTFOUND (no message) when
   there is no row. */
static dorf_status query_id(struct sql_store *s, const char *sql, int64_t arg, int64_t *out) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sql_bind_parameter_count(stmt) >= 1) {
        sql_bind_int64(stmt, 1, arg);
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        *out = sql_column_int64(stmt, 0);
    } else if (rc == SQL_DONE) {
        st = DORF_ENOTFOUND;
    } else {
        st = sql_store_fail(s, "looking up a user");
    }
    sql_finalize(stmt);
    return st;
}

/* The shared "deleted" account's id, made on first use (inside the caller's transaction). */
static dorf_status deleted_account(struct sql_store *s, int64_t *id) {
    dorf_status st = run(s,
                         "INSERT INTO app_user (email, name, password_hash, roles, created_at)"
                         " VALUES ('" DORF_ERASED_EMAIL "', '" DORF_ERASED_NAME "', '!', 0, 0)"
                         " ON CONFLICT DO NOTHING",
                         "making the \"deleted\" account", 0, 0, 0, NULL);
    if (st == DORF_OK) {
        st = query_id(s, "SELECT id FROM app_user WHERE email = '" DORF_ERASED_EMAIL "'", 0, id);
    }
    return st == DORF_ENOTFOUND ? sql_store_fail(s, "finding the \"deleted\" account") : st;
}

/* The audit row: what was done, without the person's id, name or address. */
static dorf_status audit(struct sql_store *s, int64_t now, const dorf_erase_report *r) {
    char detail[320];
    snprintf(detail, sizeof detail,
             "sessions %lld, availability %lld, blocks %lld, reports %lld, posts %lld, "
             "orders %lld (cancelled %lld), parcels %lld, parcels reopened %lld, "
             "parcels delivered %lld, shops %lld, audit rows %lld",
             (long long)r->sessions, (long long)r->availability, (long long)r->blocks,
             (long long)r->reports, (long long)r->posts, (long long)r->orders,
             (long long)r->orders_cancelled, (long long)r->parcels, (long long)r->parcels_reopened,
             (long long)r->parcels_delivered, (long long)r->shops, (long long)r->audit_rows);
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "INSERT INTO audit_log (at, user_id, action, object,"
                                       " detail) VALUES (?, NULL, 'erase', 'user', ?)",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, now);
    sql_bind_text(stmt, 2, detail, -1, SQL_STATIC);
    if (sql_step(stmt) != SQL_DONE) {
        st = sql_store_fail(s, "writing the audit log");
    }
    sql_finalize(stmt);
    return st;
}

static dorf_status erase_in_transaction(struct sql_store *s, int64_t user_id, int64_t now,
                                        dorf_erase_report *out) {
    int64_t found = 0;
    int64_t deleted_id = 0;
    dorf_status st = query_id(s, "SELECT id FROM app_user WHERE id = ?1", user_id, &found);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = deleted_account(s, &deleted_id)) != DORF_OK) {
        return st;
    }
    if (deleted_id == user_id) {
        return dorf_fail(s->base.ctx, DORF_EINVAL,
                         "user %lld is the shared \"deleted\" account of erased persons; it "
                         "cannot be erased",
                         (long long)user_id);
    }
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        int64_t changes = 0;
        st = run(s, steps[i].sql, steps[i].what, user_id, deleted_id, now, &changes);
        if (st != DORF_OK) {
            return dorf_fail_prefix(s->base.ctx, st, "erasing user %lld", (long long)user_id);
        }
        if (steps[i].count != NO_COUNT) {
            *(int64_t *)((char *)out + steps[i].count) = changes;
        }
    }
    return audit(s, now, out);
}

/*
 * Moves the log into the file and truncates it. A checkpoint waits for readers through the
 * busy handler (5 s, store_sqlite.c), but a reader that stays busy makes it give up with
 * SQLITE_BUSY; then it is tried a few more times before giving up for good.
 */
static int checkpoint(struct sql_store *s) {
    for (int attempt = 0; attempt < 3; attempt++) {
        int log = -1;
        int done = -1;
        int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
        if (rc == SQL_OK) {
            return 1;
        }
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
            return 0;
        }
    }
    return 0;
}

dorf_status dorf_store_user_erase(dorf_store *store, int64_t user_id, int64_t now,
                                  dorf_erase_report *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (user_id <= 0) {
        return DORF_ENOTFOUND;
    }
    int lite = s->dialect == SQL_SQLITE;
    /* secure_delete is per connection: switched on for this erasure only. */
    int64_t secure_before = 1;
    dorf_status st = DORF_OK;
    if (lite) {
        st = query_id(s, "PRAGMA secure_delete", 0, &secure_before);
        if (st == DORF_ENOTFOUND) {
            st = sql_store_fail(s, "reading the secure_delete setting");
        }
        if (st != DORF_OK || (st = sql_store_exec(s, "PRAGMA secure_delete = ON")) != DORF_OK) {
            return st;
        }
    }
    if ((st = sql_store_begin(s, 1)) == DORF_OK) {
        st = erase_in_transaction(s, user_id, now, out);
        if (st == DORF_OK) {
            st = sql_store_commit(s);
        }
        if (st != DORF_OK && sql_in_transaction(s->conn)) {
            sql_store_rollback(s);
        }
    }
    if (st == DORF_OK && lite) {
        out->checkpointed = checkpoint(s);
    }
    /* Back to what it was; a failure here leaves the safer setting on, so it is not fatal. */
    if (lite && secure_before != 1) {
        sqlite3_exec(s->db,
                     secure_before == 2 ? "PRAGMA secure_delete = FAST"
                                        : "PRAGMA secure_delete = OFF",
                     NULL, NULL, NULL);
    }
    if (st != DORF_OK) {
        dorf_erase_report zero;
        memset(&zero, 0, sizeof zero);
        *out = zero;
    }
    return st;
}
