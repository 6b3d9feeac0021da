/*
 * store_activity.c: the platform's orders and parcels as a research export reads them,
 * and the store's secrets (dorf/activity.h).
 *
 * The queries name the columns they need and no others: no e-mail, name, address or text
 * column of any table is read, so none can reach an export by mistake. They are the same on
 * both stores; the read transaction is SQLite's deferred BEGIN or PostgreSQL's REPEATABLE
 * READ, one snapshot either way.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dorf/activity.h"
#include "dorf/alloc.h"
#include "dorf/erase.h"
#include "store_sql.h"

static const char orders_sql[] =
    "SELECT o.id, CASE WHEN u.email = '" DORF_ERASED_EMAIL "' THEN 0 ELSE o.citizen_id END,"
    " s.osm_type, s.osm_id, s.lon, s.lat, o.delivery, o.dropoff_lon, o.dropoff_lat, o.state,"
    " (SELECT coalesce(sum(i.quantity), 0) FROM order_item i WHERE i.order_id = o.id),"
    " o.total_cents, o.created_at"
    " FROM shop_order o JOIN shop s ON s.id = o.shop_id JOIN app_user u ON u.id = o.citizen_id"
    " ORDER BY o.id";

static const char parcels_sql[] =
    "SELECT p.id, p.order_id, coalesce(p.volunteer_id, 0), p.state, p.pickup_lon, p.pickup_lat,"
    " p.dropoff_lon, p.dropoff_lat, p.size, p.created_at, p.updated_at"
    " FROM parcel p ORDER BY p.id";

/* Volunteers' windows, read once and searched per parcel: a correlated subquery per parcel
   scanned the whole (unindexed) availability table each time, 9 s for 20,000 parcels. */
static const char windows_sql[] = "SELECT volunteer_id, from_at, until_at, mode FROM availability"
                                  " ORDER BY volunteer_id, from_at";

struct window {
    int64_t volunteer_id, from_at, until_at;
    char mode[8];
};

static double column_real_or_nan(sql_stmt *stmt, int i) {
    return sql_column_type(stmt, i) == SQL_NULL ? NAN : sql_column_double(stmt, i);
}

static void column_copy(sql_stmt *stmt, int i, char *out, size_t size) {
    const unsigned char *text = sql_column_text(stmt, i);
    size_t n = text ? strlen((const char *)text) : 0;
    n = n < size - 1 ? n : size - 1;
    memcpy(out, text ? (const char *)text : "", n);
    out[n] = '\0';
}

/* Rows of `sql` counted first, so that each array is allocated once from the arena. */
static dorf_status count_rows(struct sql_store *s, const char *table, size_t *out) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    int64_t n = 0;
    dorf_status st = sql_store_query_int64(s, sql, "counting the platform's activity", &n);
    *out = n > 0 ? (size_t)n : 0;
    return st;
}

static dorf_status read_orders(struct sql_store *s, dorf_arena *arena, dorf_activity *out) {
    size_t cap = 0;
    dorf_status st = count_rows(s, "shop_order", &cap);
    if (st != DORF_OK) {
        return st;
    }
    out->orders = dorf_arena_alloc(arena, (cap ? cap : 1) * sizeof *out->orders);
    if (!out->orders) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading the orders");
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, orders_sql, &stmt)) != DORF_OK) {
        return st;
    }
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW && out->order_count < cap) {
        dorf_activity_order *o = &out->orders[out->order_count++];
        memset(o, 0, sizeof *o);
        o->id = sql_column_int64(stmt, 0);
        o->citizen_id = sql_column_int64(stmt, 1);
        const unsigned char *type = sql_column_text(stmt, 2);
        o->shop_osm_type = type ? (char)type[0] : '?';
        o->shop_osm_id = sql_column_int64(stmt, 3);
        o->shop_lon_deg = sql_column_double(stmt, 4);
        o->shop_lat_deg = sql_column_double(stmt, 5);
        o->delivery = sql_column_int(stmt, 6) != 0;
        o->dropoff_lon_deg = column_real_or_nan(stmt, 7);
        o->dropoff_lat_deg = column_real_or_nan(stmt, 8);
        const unsigned char *state = sql_column_text(stmt, 9);
        if (dorf_order_state_from_name((const char *)state, &o->state) != DORF_OK) {
            st = dorf_fail(s->base.ctx, DORF_EIO, "%s: order %lld has an unknown state", s->path,
                           (long long)o->id);
            break;
        }
        o->items = sql_column_int64(stmt, 10);
        o->total_cents = sql_column_int64(stmt, 11);
        o->created_at = sql_column_int64(stmt, 12);
    }
    if (st == DORF_OK && rc != SQL_DONE && rc != SQL_ROW) {
        st = sql_store_fail(s, "reading the orders");
    }
    sql_finalize(stmt);
    return st;
}

static dorf_status read_parcels(struct sql_store *s, dorf_arena *arena, dorf_activity *out) {
    size_t cap = 0;
    dorf_status st = count_rows(s, "parcel", &cap);
    if (st != DORF_OK) {
        return st;
    }
    out->parcels = dorf_arena_alloc(arena, (cap ? cap : 1) * sizeof *out->parcels);
    if (!out->parcels) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading the parcels");
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(s, parcels_sql, &stmt)) != DORF_OK) {
        return st;
    }
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW && out->parcel_count < cap) {
        dorf_activity_parcel *p = &out->parcels[out->parcel_count++];
        memset(p, 0, sizeof *p);
        p->id = sql_column_int64(stmt, 0);
        p->order_id = sql_column_int64(stmt, 1);
        p->volunteer_id = sql_column_int64(stmt, 2);
        column_copy(stmt, 3, p->state, sizeof p->state);
        p->pickup_lon_deg = sql_column_double(stmt, 4);
        p->pickup_lat_deg = sql_column_double(stmt, 5);
        p->dropoff_lon_deg = sql_column_double(stmt, 6);
        p->dropoff_lat_deg = sql_column_double(stmt, 7);
        p->size = sql_column_int(stmt, 8);
        p->created_at = sql_column_int64(stmt, 9);
        p->updated_at = sql_column_int64(stmt, 10);
    }
    if (rc != SQL_DONE && rc != SQL_ROW) {
        st = sql_store_fail(s, "reading the parcels");
    }
    sql_finalize(stmt);
    return st;
}

/* The mode of the latest window of the parcel's volunteer that covers its last change. */
static void match_mode(dorf_activity_parcel *p, const struct window *w, size_t n) {
    size_t lo = 0, hi = n; /* first window of a later volunteer, or later start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].volunteer_id < p->volunteer_id ||
            (w[mid].volunteer_id == p->volunteer_id && w[mid].from_at <= p->updated_at)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i-- > 0 && w[i].volunteer_id == p->volunteer_id;) {
        if (w[i].until_at >= p->updated_at) {
            memcpy(p->mode, w[i].mode, sizeof p->mode);
            return;
        }
    }
}

static dorf_status read_modes(struct sql_store *s, dorf_activity *out) {
    size_t cap = 0;
    dorf_status st = count_rows(s, "availability", &cap);
    struct window *w = st == DORF_OK ? dorf_malloc((cap ? cap : 1) * sizeof *w) : NULL;
    if (st == DORF_OK && !w) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading availability");
    }
    sql_stmt *stmt = NULL;
    if (st == DORF_OK) {
        st = sql_store_prepare(s, windows_sql, &stmt);
    }
    size_t n = 0;
    int rc = SQL_DONE;
    while (st == DORF_OK && n < cap && (rc = sql_step(stmt)) == SQL_ROW) {
        w[n].volunteer_id = sql_column_int64(stmt, 0);
        w[n].from_at = sql_column_int64(stmt, 1);
        w[n].until_at = sql_column_int64(stmt, 2);
        column_copy(stmt, 3, w[n].mode, sizeof w[n].mode);
        n++;
    }
    if (st == DORF_OK && rc != SQL_DONE && rc != SQL_ROW) {
        st = sql_store_fail(s, "reading availability");
    }
    sql_finalize(stmt);
    for (size_t i = 0; st == DORF_OK && i < out->parcel_count; i++) {
        if (out->parcels[i].volunteer_id != 0) {
            match_mode(&out->parcels[i], w, n);
        }
    }
    dorf_free(w);
    return st;
}

dorf_status dorf_store_load_activity(dorf_store *store, dorf_arena *arena, dorf_activity *out) {
    memset(out, 0, sizeof *out);
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    /* One snapshot for both tables: a parcel must not outrun its order. */
    dorf_status st = sql_store_begin(s, 0);
    if (st != DORF_OK) {
        return st;
    }
    st = read_orders(s, arena, out);
    if (st == DORF_OK) {
        st = read_parcels(s, arena, out);
    }
    if (st == DORF_OK) {
        st = read_modes(s, out);
    }
    sql_commit(s->conn);
    if (st != DORF_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

dorf_status dorf_store_secret(dorf_store *store, const char *name,
                              const uint8_t candidate[DORF_STORE_SECRET_SIZE],
                              uint8_t out[DORF_STORE_SECRET_SIZE]) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = DORF_OK;
    /* Read first, so that a read-only store with the secret already kept works. */
    for (int pass = 0; pass < 2 && st == DORF_OK; pass++) {
        if ((st = sql_store_prepare(s, "SELECT value FROM store_secret WHERE name = ?", &stmt)) !=
            DORF_OK) {
            return st;
        }
        sql_bind_text(stmt, 1, name, -1, SQL_STATIC);
        int rc = sql_step(stmt);
        if (rc == SQL_ROW && sql_column_bytes(stmt, 0) == DORF_STORE_SECRET_SIZE) {
            memcpy(out, sql_column_blob(stmt, 0), DORF_STORE_SECRET_SIZE);
            sql_finalize(stmt);
            return DORF_OK;
        }
        st = rc == SQL_DONE ? DORF_OK : sql_store_fail(s, "reading a secret");
        sql_finalize(stmt);
        if (st != DORF_OK || pass == 1) {
            break;
        }
        /* Two nodes keeping a first secret at once: the second keeps nothing, reads the first. */
        if ((st = sql_store_prepare(s,
                                    "INSERT INTO store_secret (name, value) VALUES (?, ?)"
                                    " ON CONFLICT DO NOTHING",
                                    &stmt)) != DORF_OK) {
            return st;
        }
        sql_bind_text(stmt, 1, name, -1, SQL_STATIC);
        sql_bind_blob(stmt, 2, candidate, DORF_STORE_SECRET_SIZE, SQL_STATIC);
        if (sql_step(stmt) != SQL_DONE) {
            st = sql_store_fail(s, "keeping a new secret");
        }
        sql_finalize(stmt);
    }
    return st == DORF_OK ? sql_store_fail(s, "reading a secret just kept") : st;
}
