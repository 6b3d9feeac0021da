/*
 * store_parcels.c: LieferBar's availabilities and parcels in either store
 * (dorf/lieferbar_store.h).
 *
 * Every change of a parcel is one conditional UPDATE whose WHERE clause names the state it
 * leaves (and, after claiming, the volunteer): of concurrent claims exactly one sees the
 * parcel still open and changes a row (sql_changes() == 1); the others change nothing and
 * look up why, to answer DORF_ENOTFOUND or DORF_ECONFLICT. Each change runs in a write
 * transaction with its audit row (and, on delivery, with the order's change) that takes the
 * writer lock up front (SQLite: BEGIN IMMEDIATE; PostgreSQL: dorf's advisory lock, sql.h), so
 * claims are serialised, no transaction has to be retried half-way, and a loser never meets
 * a serialization failure. On PostgreSQL the UPDATE alone would also be safe: under READ
 * COMMITTED a second UPDATE of the same row waits for the first and re-checks its WHERE
 * clause on the committed row. Lists filter on the pickup's position in SQL (a box around
 * the query) and compute distances on the local tangent plane, as the marketplace does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/lieferbar_store.h"
#include "dorf/platform.h"
#include "store_sql.h"

#define EARTH_RADIUS_M 6371008.8
#define DEG_TO_RAD (3.14159265358979323846 / 180.0)
#define MAX_RADIUS_M 50000.0

static const char *const parcel_states[DORF_PARCEL_STATE_COUNT] = {
    "open", "claimed", "picked_up", "delivered", "cancelled",
};

const char *dorf_parcel_state_name(dorf_parcel_state state) {
    if ((unsigned)state >= DORF_PARCEL_STATE_COUNT) {
        return "unknown";
    }
    return parcel_states[state];
}

static dorf_parcel_state parcel_state_from(const unsigned char *text) {
    for (int i = 0; text && i < DORF_PARCEL_STATE_COUNT; i++) {
        if (strcmp((const char *)text, parcel_states[i]) == 0) {
            return (dorf_parcel_state)i;
        }
    }
    return DORF_PARCEL_STATE_COUNT;
}

static int valid_position(double lon, double lat) {
    return isfinite(lon) && isfinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}

static void rollback(struct sql_store *s) {
    sql_store_rollback(s);
}

/* Ends a transaction: COMMIT when st is DORF_OK (a failing commit becomes the status). */
static dorf_status finish(struct sql_store *s, dorf_status st) {
    if (st == DORF_OK) {
        st = sql_store_commit(s);
    }
    if (st != DORF_OK && sql_in_transaction(s->conn)) {
        rollback(s);
    }
    return st;
}

/* ---- availability ---- */

static dorf_status check_availability(dorf_ctx *ctx, const dorf_availability *a) {
    const char *why = NULL;
    if (strcmp(a->mode, "walk") != 0 && strcmp(a->mode, "bike") != 0 &&
        strcmp(a->mode, "car") != 0) {
        why = "mode must be walk, bike or car";
    } else if (a->capacity < 1 || a->capacity > DORF_AVAILABILITY_MAX_CAPACITY) {
        why = "capacity must be 1 to 20";
    } else if (a->max_detour_s < 0 || a->max_detour_s > DORF_AVAILABILITY_MAX_DETOUR_S) {
        why = "max_detour_s must be 0 to 7200";
    } else if (a->until_at <= a->from_at ||
               a->until_at - a->from_at > DORF_AVAILABILITY_MAX_SPAN_S) {
        why = "until_at must lie after from_at, within 24 hours";
    } else if (!valid_position(a->home_lon_deg, a->home_lat_deg)) {
        why = "home is not a position on the globe";
    } else if (a->has_trip && !valid_position(a->trip_lon_deg, a->trip_lat_deg)) {
        why = "trip is not a position on the globe";
    }
    return why ? dorf_fail(ctx, DORF_EINVAL, "availability: %s", why) : DORF_OK;
}

dorf_status dorf_store_availability_add(dorf_store *store, const dorf_availability *a, int64_t now,
                                        int64_t *id) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = check_availability(store->ctx, a);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *count = NULL;
    sql_stmt *ins = NULL;
    if ((st = sql_store_begin(s, 1)) != DORF_OK) {
        return st;
    }
    if ((st =
             sql_store_prepare(s,
                               "SELECT (SELECT count(*) FROM availability WHERE volunteer_id = ?1),"
                               " EXISTS (SELECT 1 FROM app_user WHERE id = ?1)",
                               &count)) != DORF_OK) {
        goto done;
    }
    sql_bind_int64(count, 1, a->volunteer_id);
    if (sql_step(count) != SQL_ROW) {
        st = sql_store_fail(s, "counting availabilities");
        goto done;
    }
    if (!sql_column_int(count, 1)) {
        st = dorf_fail(store->ctx, DORF_EINVAL, "availability: no volunteer %lld",
                       (long long)a->volunteer_id);
        goto done;
    }
    if (sql_column_int64(count, 0) >= DORF_AVAILABILITY_MAX_PER_VOLUNTEER) {
        st = dorf_fail(store->ctx, DORF_ECONFLICT,
                       "a volunteer may publish at most %d availabilities; delete old ones",
                       DORF_AVAILABILITY_MAX_PER_VOLUNTEER);
        goto done;
    }
    if ((st = sql_store_prepare(s,
                                "INSERT INTO availability (volunteer_id, mode, capacity, from_at,"
                                " until_at, max_detour_s, home_lon, home_lat, trip_lon, trip_lat)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                &ins)) != DORF_OK) {
        goto done;
    }
    sql_bind_int64(ins, 1, a->volunteer_id);
    sql_bind_text(ins, 2, a->mode, -1, SQL_STATIC);
    sql_bind_int(ins, 3, a->capacity);
    sql_bind_int64(ins, 4, a->from_at);
    sql_bind_int64(ins, 5, a->until_at);
    sql_bind_int(ins, 6, a->max_detour_s);
    sql_bind_double(ins, 7, a->home_lon_deg);
    sql_bind_double(ins, 8, a->home_lat_deg);
    if (a->has_trip) {
        sql_bind_double(ins, 9, a->trip_lon_deg);
        sql_bind_double(ins, 10, a->trip_lat_deg);
    }
    if (sql_step(ins) != SQL_DONE) {
        st = sql_store_fail(s, "adding an availability");
        goto done;
    }
    *id = sql_last_insert_rowid(s->conn);
    char object[48];
    snprintf(object, sizeof object, "availability/%lld", (long long)*id);
    st = dorf_store_audit(store, now, a->volunteer_id, "availability.add", object, a->mode);
done:
    sql_finalize(count);
    sql_finalize(ins);
    return finish(s, st);
}

#define AVAILABILITY_COLUMNS                                                                       \
    "id, volunteer_id, mode, capacity, from_at, until_at, max_detour_s, home_lon, home_lat,"       \
    " trip_lon, trip_lat"

static void read_availability(sql_stmt *stmt, dorf_availability *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    out->volunteer_id = sql_column_int64(stmt, 1);
    const unsigned char *mode = sql_column_text(stmt, 2);
    snprintf(out->mode, sizeof out->mode, "%s", mode ? (const char *)mode : "");
    out->capacity = sql_column_int(stmt, 3);
    out->from_at = sql_column_int64(stmt, 4);
    out->until_at = sql_column_int64(stmt, 5);
    out->max_detour_s = sql_column_int(stmt, 6);
    out->home_lon_deg = sql_column_double(stmt, 7);
    out->home_lat_deg = sql_column_double(stmt, 8);
    out->has_trip = sql_column_type(stmt, 9) != SQL_NULL;
    if (out->has_trip) {
        out->trip_lon_deg = sql_column_double(stmt, 9);
        out->trip_lat_deg = sql_column_double(stmt, 10);
    }
}

dorf_status dorf_store_availability_list(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                         dorf_availability **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "SELECT " AVAILABILITY_COLUMNS " FROM availability"
                                       " WHERE volunteer_id = ? ORDER BY from_at, id",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, volunteer_id);
    size_t cap = DORF_AVAILABILITY_MAX_PER_VOLUNTEER;
    dorf_availability *list = dorf_arena_alloc(arena, cap * sizeof *list);
    if (!list) {
        sql_finalize(stmt);
        return dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing availabilities");
    }
    size_t n = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW && n < cap) {
        read_availability(stmt, &list[n++]);
    }
    if (rc != SQL_ROW && rc != SQL_DONE) {
        st = sql_store_fail(s, "listing availabilities");
    }
    sql_finalize(stmt);
    if (st == DORF_OK) {
        *out = list;
        *count = n;
    }
    return st;
}

dorf_status dorf_store_availability_get(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        dorf_availability *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "SELECT " AVAILABILITY_COLUMNS " FROM availability"
                                       " WHERE id = ? AND volunteer_id = ?",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    sql_bind_int64(stmt, 2, volunteer_id);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        read_availability(stmt, out);
    } else if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no availability %lld of yours", (long long)id);
    } else {
        st = sql_store_fail(s, "reading an availability");
    }
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_availability_delete(dorf_store *store, int64_t volunteer_id, int64_t id,
                                           int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, "DELETE FROM availability WHERE id = ? AND volunteer_id = ?",
                                &stmt)) != DORF_OK) {
        goto done;
    }
    sql_bind_int64(stmt, 1, id);
    sql_bind_int64(stmt, 2, volunteer_id);
    if (sql_step(stmt) != SQL_DONE) {
        st = sql_store_fail(s, "deleting an availability");
        goto done;
    }
    if (sql_changes(s->conn) != 1) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no availability %lld of yours", (long long)id);
        goto done;
    }
    char object[48];
    snprintf(object, sizeof object, "availability/%lld", (long long)id);
    st = dorf_store_audit(store, now, volunteer_id, "availability.delete", object, NULL);
done:
    sql_finalize(stmt);
    return finish(s, st);
}

/* ---- parcels: reading ---- */

#define PARCEL_COLUMNS                                                                             \
    "p.id, p.order_id, o.shop_id, s.name, p.state, p.volunteer_id, p.pickup_lon, p.pickup_lat,"    \
    " p.dropoff_lon, p.dropoff_lat, p.ready_at, p.due_from, p.due_until, p.size, p.created_at,"    \
    " p.updated_at"
#define PARCEL_FROM                                                                                \
    " FROM parcel AS p LEFT JOIN shop_order AS o ON o.id = p.order_id"                             \
    " LEFT JOIN shop AS s ON s.id = o.shop_id"

static int read_parcel(sql_stmt *stmt, dorf_arena *arena, dorf_parcel *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    out->order_id = sql_column_int64(stmt, 1);
    out->shop_id = sql_column_int64(stmt, 2);
    const unsigned char *name = sql_column_text(stmt, 3);
    out->shop_name = dorf_arena_strdup(arena, name ? (const char *)name : "");
    out->state = parcel_state_from(sql_column_text(stmt, 4));
    out->volunteer_id = sql_column_int64(stmt, 5);
    out->pickup_lon_deg = sql_column_double(stmt, 6);
    out->pickup_lat_deg = sql_column_double(stmt, 7);
    out->dropoff_lon_deg = sql_column_double(stmt, 8);
    out->dropoff_lat_deg = sql_column_double(stmt, 9);
    out->ready_at = sql_column_int64(stmt, 10);
    out->due_from = sql_column_int64(stmt, 11);
    out->due_until = sql_column_int64(stmt, 12);
    out->size = sql_column_int(stmt, 13);
    out->created_at = sql_column_int64(stmt, 14);
    out->updated_at = sql_column_int64(stmt, 15);
    out->distance_m = -1;
    return out->shop_name != NULL;
}

/* Metres between two points on the local tangent plane at the first. */
static double distance_m(double lon0, double lat0, double lon, double lat) {
    double x = (lon - lon0) * DEG_TO_RAD * cos(lat0 * DEG_TO_RAD) * EARTH_RADIUS_M;
    double y = (lat - lat0) * DEG_TO_RAD * EARTH_RADIUS_M;
    return sqrt(x * x + y * y);
}

/* The box the SQL filters on and the point distances are measured from (has_point 0: none). */
static dorf_status query_box(dorf_ctx *ctx, const dorf_geo_query *q, double box[4], double point[2],
                             int *has_point) {
    box[0] = -180;
    box[1] = -90;
    box[2] = 180;
    box[3] = 90;
    *has_point = 0;
    if (!q || q->kind == DORF_GEO_ANY) {
        if (q && q->by_distance) {
            return dorf_fail(ctx, DORF_EINVAL, "sorting by distance needs bbox or near");
        }
        return DORF_OK;
    }
    if (q->kind == DORF_GEO_BBOX) {
        if (!valid_position(q->min_lon_deg, q->min_lat_deg) ||
            !valid_position(q->max_lon_deg, q->max_lat_deg) || q->min_lon_deg > q->max_lon_deg ||
            q->min_lat_deg > q->max_lat_deg) {
            return dorf_fail(ctx, DORF_EINVAL, "bbox must be minlon,minlat,maxlon,maxlat");
        }
        box[0] = q->min_lon_deg;
        box[1] = q->min_lat_deg;
        box[2] = q->max_lon_deg;
        box[3] = q->max_lat_deg;
        point[0] = (box[0] + box[2]) / 2;
        point[1] = (box[1] + box[3]) / 2;
        *has_point = 1;
        return DORF_OK;
    }
    if (q->kind != DORF_GEO_NEAR || !valid_position(q->lon_deg, q->lat_deg) ||
        !(q->radius_m > 0 && q->radius_m <= MAX_RADIUS_M)) {
        return dorf_fail(ctx, DORF_EINVAL, "near needs a position and a radius of up to 50 km");
    }
    double dlat = q->radius_m / (EARTH_RADIUS_M * DEG_TO_RAD);
    double c = cos(q->lat_deg * DEG_TO_RAD);
    double dlon = c > 1e-6 ? dlat / c : 360;
    box[0] = q->lon_deg - dlon;
    box[1] = q->lat_deg - dlat;
    box[2] = q->lon_deg + dlon;
    box[3] = q->lat_deg + dlat;
    point[0] = q->lon_deg;
    point[1] = q->lat_deg;
    *has_point = 1;
    return DORF_OK;
}

static int compare_distance(const void *a, const void *b) {
    const dorf_parcel *p = a, *q = b;
    if (p->distance_m != q->distance_m) {
        return p->distance_m < q->distance_m ? -1 : 1;
    }
    return p->id < q->id ? -1 : p->id > q->id;
}

dorf_status dorf_store_list_parcels(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                    const dorf_geo_query *q, dorf_parcel **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    double box[4];
    double point[2] = {0, 0};
    int has_point = 0;
    dorf_status st = query_box(store->ctx, q, box, point, &has_point);
    if (st != DORF_OK) {
        return st;
    }
    size_t limit = q && q->limit ? q->limit : DORF_MARKET_DEFAULT_LIST;
    if (limit > DORF_MARKET_MAX_LIST) {
        limit = DORF_MARKET_MAX_LIST;
    }
    int by_distance = q && q->by_distance;
    sql_stmt *stmt = NULL;
    st = sql_store_prepare(s,
                           "SELECT " PARCEL_COLUMNS PARCEL_FROM
                           " WHERE (CASE WHEN ?1 = 0 THEN p.state = 'open'"
                           " ELSE p.volunteer_id = ?1 AND p.state IN ('claimed', 'picked_up')"
                           " END) AND p.pickup_lon BETWEEN ?2 AND ?4"
                           " AND p.pickup_lat BETWEEN ?3 AND ?5 ORDER BY p.id",
                           &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, volunteer_id);
    for (int i = 0; i < 4; i++) {
        sql_bind_double(stmt, 2 + i, box[i]);
    }
    /* Sorting by distance needs every candidate; otherwise the first `limit` by id do. */
    size_t cap = 64;
    size_t n = 0;
    dorf_parcel *list = malloc(cap * sizeof *list);
    int rc = SQL_DONE;
    if (!list) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing parcels");
        goto done;
    }
    while ((by_distance || n < limit) && (rc = sql_step(stmt)) == SQL_ROW) {
        if (n == cap) {
            dorf_parcel *more = realloc(list, 2 * cap * sizeof *list);
            if (!more) {
                st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing parcels");
                goto done;
            }
            list = more;
            cap *= 2;
        }
        dorf_parcel *p = &list[n];
        if (!read_parcel(stmt, arena, p)) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing parcels");
            goto done;
        }
        if (has_point) {
            p->distance_m = distance_m(point[0], point[1], p->pickup_lon_deg, p->pickup_lat_deg);
            if (q->kind == DORF_GEO_NEAR && p->distance_m > q->radius_m) {
                continue;
            }
        }
        n++;
    }
    if (rc != SQL_ROW && rc != SQL_DONE) {
        st = sql_store_fail(s, "listing parcels");
        goto done;
    }
    if (by_distance) {
        qsort(list, n, sizeof *list, compare_distance);
    }
    if (n > limit) {
        n = limit;
    }
    dorf_parcel *result = dorf_arena_alloc(arena, (n + 1) * sizeof *result);
    if (!result) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing parcels");
        goto done;
    }
    memcpy(result, list, n * sizeof *result);
    *out = result;
    *count = n;
done:
    free(list);
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_parcel_get(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                  int64_t id, dorf_parcel *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "SELECT " PARCEL_COLUMNS PARCEL_FROM
                          " WHERE p.id = ? AND (p.state = 'open' OR p.volunteer_id = ?)",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    sql_bind_int64(stmt, 2, volunteer_id);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        if (!read_parcel(stmt, arena, out)) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a parcel");
        }
    } else if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no parcel %lld for you", (long long)id);
    } else {
        st = sql_store_fail(s, "reading a parcel");
    }
    sql_finalize(stmt);
    return st;
}

/* ---- parcels: moving ---- */

/* The state and volunteer of parcel `id`; DORF_ENOTFOUND (no message) when there is none. */
static dorf_status parcel_owner(struct sql_store *s, int64_t id, dorf_parcel_state *state,
                                int64_t *volunteer_id) {
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s, "SELECT state, volunteer_id FROM parcel WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        *state = parcel_state_from(sql_column_text(stmt, 0));
        *volunteer_id = sql_column_int64(stmt, 1);
    } else if (rc == SQL_DONE) {
        st = DORF_ENOTFOUND;
    } else {
        st = sql_store_fail(s, "reading a parcel");
    }
    sql_finalize(stmt);
    return st;
}

static dorf_status audit_parcel(dorf_store *store, int64_t now, int64_t volunteer_id,
                                const char *action, int64_t id) {
    char object[48];
    snprintf(object, sizeof object, "parcel/%lld", (long long)id);
    return dorf_store_audit(store, now, volunteer_id, action, object, NULL);
}

/* Claims one parcel inside the caller's transaction. */
static dorf_status claim_one(struct sql_store *s, sql_stmt *update, int64_t volunteer_id,
                             int64_t id, int64_t now) {
    sql_reset(update);
    sql_bind_int64(update, 1, volunteer_id);
    sql_bind_int64(update, 2, now);
    sql_bind_int64(update, 3, id);
    if (sql_step(update) != SQL_DONE) {
        return sql_store_fail(s, "claiming a parcel");
    }
    if (sql_changes(s->conn) == 1) {
        return audit_parcel(&s->base, now, volunteer_id, "parcel.claim", id);
    }
    dorf_parcel_state state;
    int64_t owner = 0;
    dorf_status st = parcel_owner(s, id, &state, &owner);
    if (st == DORF_ENOTFOUND) {
        return dorf_fail(s->base.ctx, DORF_ENOTFOUND, "there is no parcel %lld", (long long)id);
    }
    if (st != DORF_OK) {
        return st;
    }
    if (owner == volunteer_id && state == DORF_PARCEL_CLAIMED) {
        return dorf_fail(s->base.ctx, DORF_ECONFLICT, "parcel %lld is claimed by you already",
                         (long long)id);
    }
    return dorf_fail(s->base.ctx, DORF_ECONFLICT, "parcel %lld was claimed by someone else",
                     (long long)id);
}

#define CLAIM_SQL                                                                                  \
    "UPDATE parcel SET state = 'claimed', volunteer_id = ?, updated_at = ?"                        \
    " WHERE id = ? AND state = 'open'"

dorf_status dorf_store_parcel_claim(dorf_store *store, int64_t volunteer_id, int64_t id,
                                    int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *update = NULL;
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, CLAIM_SQL, &update)) == DORF_OK) {
        st = claim_one(s, update, volunteer_id, id, now);
    }
    sql_finalize(update);
    return finish(s, st);
}

dorf_status dorf_store_parcels_claim_all(dorf_store *store, int64_t volunteer_id,
                                         const int64_t *ids, size_t n, int64_t now, int64_t *taken,
                                         size_t *taken_count) {
    *taken_count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if (n < 1 || n > DORF_PARCELS_MAX_CLAIM) {
        return dorf_fail(store->ctx, DORF_EINVAL, "claim 1 to %d parcels at once",
                         DORF_PARCELS_MAX_CLAIM);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (ids[i] == ids[j]) {
                return dorf_fail(store->ctx, DORF_EINVAL, "parcel %lld is listed twice",
                                 (long long)ids[i]);
            }
        }
    }
    sql_stmt *update = NULL;
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, CLAIM_SQL, &update)) != DORF_OK) {
        goto done;
    }
    int conflict = 0;
    for (size_t i = 0; i < n; i++) {
        dorf_status one = claim_one(s, update, volunteer_id, ids[i], now);
        if (one == DORF_ECONFLICT || one == DORF_ENOTFOUND) {
            taken[(*taken_count)++] = ids[i];
            conflict |= one == DORF_ECONFLICT;
        } else if (one != DORF_OK) {
            st = one;
            goto done;
        }
    }
    if (*taken_count > 0) {
        dorf_ctx_clear_error(store->ctx);
        st = dorf_fail(store->ctx, conflict ? DORF_ECONFLICT : DORF_ENOTFOUND,
                       "%zu of the %zu parcels cannot be claimed (taken or unknown); none was",
                       *taken_count, n);
    }
done:
    sql_finalize(update);
    return finish(s, st);
}

/* One move of a volunteer's own parcel, `from` -> `to`, inside the caller's transaction. */
static dorf_status move_own(struct sql_store *s, int64_t volunteer_id, int64_t id,
                            dorf_parcel_state from, dorf_parcel_state to, int64_t now) {
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "UPDATE parcel SET state = ?1, updated_at = ?2,"
                          " volunteer_id = CASE WHEN ?1 = 'open' THEN NULL ELSE volunteer_id END"
                          " WHERE id = ?3 AND volunteer_id = ?4 AND state = ?5",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_text(stmt, 1, parcel_states[to], -1, SQL_STATIC);
    sql_bind_int64(stmt, 2, now);
    sql_bind_int64(stmt, 3, id);
    sql_bind_int64(stmt, 4, volunteer_id);
    sql_bind_text(stmt, 5, parcel_states[from], -1, SQL_STATIC);
    int rc = sql_step(stmt);
    sql_finalize(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "moving a parcel");
    }
    if (sql_changes(s->conn) == 1) {
        return DORF_OK;
    }
    dorf_parcel_state state = DORF_PARCEL_OPEN;
    int64_t owner = 0;
    st = parcel_owner(s, id, &state, &owner);
    if (st == DORF_ENOTFOUND || (st == DORF_OK && owner != volunteer_id)) {
        return dorf_fail(s->base.ctx, DORF_ENOTFOUND, "no parcel %lld of yours", (long long)id);
    }
    if (st != DORF_OK) {
        return st;
    }
    return dorf_fail(s->base.ctx, DORF_ECONFLICT, "parcel %lld is '%s'; it cannot become '%s'",
                     (long long)id, dorf_parcel_state_name(state), parcel_states[to]);
}

static dorf_status move(dorf_store *store, int64_t volunteer_id, int64_t id, dorf_parcel_state from,
                        dorf_parcel_state to, const char *action, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = sql_store_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    st = move_own(s, volunteer_id, id, from, to, now);
    if (st == DORF_OK) {
        st = audit_parcel(store, now, volunteer_id, action, id);
    }
    if (st == DORF_OK && to == DORF_PARCEL_DELIVERED) {
        /* The order travels with its parcel: handed over becomes delivered. */
        sql_stmt *stmt = NULL;
        st = sql_store_prepare(s,
                               "UPDATE shop_order SET state = 'delivered', updated_at = ?"
                               " WHERE id = (SELECT order_id FROM parcel WHERE id = ?)"
                               " AND state = 'handed_over'",
                               &stmt);
        if (st == DORF_OK) {
            sql_bind_int64(stmt, 1, now);
            sql_bind_int64(stmt, 2, id);
            if (sql_step(stmt) != SQL_DONE) {
                st = sql_store_fail(s, "marking the order delivered");
            } else if (sql_changes(s->conn) != 1) {
                st = dorf_fail(store->ctx, DORF_ECONFLICT,
                               "the order of parcel %lld is not handed over; it cannot be "
                               "delivered",
                               (long long)id);
            }
        }
        sql_finalize(stmt);
        if (st == DORF_OK) {
            char object[48];
            snprintf(object, sizeof object, "parcel/%lld", (long long)id);
            st = dorf_store_audit(store, now, volunteer_id, "order.delivered", object, NULL);
        }
    }
    return finish(s, st);
}

dorf_status dorf_store_parcel_release(dorf_store *store, int64_t volunteer_id, int64_t id,
                                      int64_t now) {
    return move(store, volunteer_id, id, DORF_PARCEL_CLAIMED, DORF_PARCEL_OPEN, "parcel.release",
                now);
}

dorf_status dorf_store_parcel_picked_up(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        int64_t now) {
    return move(store, volunteer_id, id, DORF_PARCEL_CLAIMED, DORF_PARCEL_PICKED_UP,
                "parcel.picked_up", now);
}

dorf_status dorf_store_parcel_delivered(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        int64_t now) {
    return move(store, volunteer_id, id, DORF_PARCEL_PICKED_UP, DORF_PARCEL_DELIVERED,
                "parcel.delivered", now);
}

dorf_status dorf_store_file_path(dorf_store *store, char *buf, size_t size) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    /* PostgreSQL's as given (its schema in the options, too): caches are named by it. */
    const char *location = s->location ? s->location : s->path;
    int n = snprintf(buf, size, "%s", location ? location : "");
    if (!location || n < 0 || (size_t)n >= size) {
        return dorf_fail(store->ctx, DORF_EINVAL, "the store's path does not fit");
    }
    return DORF_OK;
}
