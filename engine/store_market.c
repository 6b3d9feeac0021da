/*
 * store_market.c: what BestellBar's store files share (store_shops.c,
 * store_products.c, store_orders.c; declared in store_market_internal.h), on SpatiaLite and
 * PostGIS alike: transactions, binding by parameter name, copying text into the caller's arena,
 * growing arena arrays, the audit log, and turning a dorf_geo_query into the box, reference
 * point and radius the list statements bind. Every write of the marketplace is one transaction;
 * those that check and then write begin it as a write transaction, which takes the database's
 * single writer lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock held to the
 * commit), so no other connection, thread or node can change what was checked before the write
 * commits. Reads of a record with its parts run in one read transaction, one consistent snapshot
 * that does not block writers (SQLite in WAL mode; PostgreSQL REPEATABLE READ). Distances are
 * on the local tangent plane at the reference point.
 */
#include <math.h>
#include <string.h>

#include "store_market_internal.h"

/* ---- small helpers ---------------------------------------------------------------------- */

dorf_status market_begin(struct sql_store *s, int immediate) {
    return sql_store_begin(s, immediate);
}

dorf_status market_commit(struct sql_store *s) {
    return sql_store_commit(s);
}

void market_rollback(struct sql_store *s) {
    if (sql_in_transaction(s->conn)) {
        sql_store_rollback(s);
    }
}

void market_bind_int(sql_stmt *stmt, const char *name, int64_t v) {
    int i = sql_bind_parameter_index(stmt, name);
    if (i > 0) {
        sql_bind_int64(stmt, i, v);
    }
}

void market_bind_double(sql_stmt *stmt, const char *name, double v) {
    int i = sql_bind_parameter_index(stmt, name);
    if (i > 0) {
        sql_bind_double(stmt, i, v);
    }
}

void market_bind_text(sql_stmt *stmt, const char *name, const char *v) {
    int i = sql_bind_parameter_index(stmt, name);
    if (i > 0) {
        if (v) {
            sql_bind_text(stmt, i, v, -1, SQL_STATIC);
        } else {
            sql_bind_null(stmt, i);
        }
    }
}

const char *market_col_text(struct reader *r, sql_stmt *stmt, int col) {
    const unsigned char *t = sql_column_text(stmt, col);
    if (!t) {
        return NULL;
    }
    char *copy = dorf_arena_strndup(r->arena, (const char *)t, (size_t)sql_column_bytes(stmt, col));
    if (!copy) {
        r->oom = 1;
    }
    return copy;
}

/* Makes room for `need` elements in an arena array, doubling; 0 on success. */
int market_arena_grow(dorf_arena *arena, void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) {
        return 0;
    }
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) {
        n *= 2;
    }
    void *bigger = dorf_arena_alloc(arena, n * size);
    if (!bigger) {
        return -1;
    }
    if (*items) {
        memcpy(bigger, *items, *cap * size);
    }
    *items = bigger;
    *cap = n;
    return 0;
}

dorf_status market_audit(struct sql_store *s, int64_t now, int64_t user_id, const char *action,
                         const char *object, const char *detail) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "INSERT INTO audit_log (at, user_id, action, object,"
                                       " detail) VALUES (?, ?, ?, ?, ?)",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, now);
    if (user_id > 0) {
        sql_bind_int64(stmt, 2, user_id);
    } else {
        sql_bind_null(stmt, 2);
    }
    sql_bind_text(stmt, 3, action, -1, SQL_STATIC);
    sql_bind_text(stmt, 4, object, -1, SQL_STATIC);
    sql_bind_text(stmt, 5, detail, -1, SQL_STATIC);
    if (sql_step(stmt) != SQL_DONE) {
        st = sql_store_fail(s, "writing the audit log");
    }
    sql_finalize(stmt);
    return st;
}

/* Runs a statement that returns nothing; `what` names it in the error. */
dorf_status market_step_done(struct sql_store *s, sql_stmt *stmt, const char *what) {
    int rc = sql_step(stmt);
    if (rc != SQL_DONE) {
        return sql_store_fail(s, what);
    }
    return DORF_OK;
}

/* ---- where a list looks ------------------------------------------------------------------ */

int market_valid_lon(double v) {
    return isfinite(v) && v >= -180 && v <= 180;
}

int market_valid_lat(double v) {
    return isfinite(v) && v >= -90 && v <= 90;
}

dorf_status market_geo_from_query(dorf_ctx *ctx, const dorf_geo_query *q, struct geo *g) {
    memset(g, 0, sizeof *g);
    g->min_lon = -180;
    g->min_lat = -90;
    g->max_lon = 180;
    g->max_lat = 90;
    g->max_d2 = HUGE_VAL;
    g->ky = M_PER_DEG;
    g->kx = M_PER_DEG;
    g->limit = DORF_MARKET_DEFAULT_LIST;
    if (!q) {
        return DORF_OK;
    }
    if (q->limit > DORF_MARKET_MAX_LIST) {
        return dorf_fail(ctx, DORF_EINVAL, "a list holds at most %d rows", DORF_MARKET_MAX_LIST);
    }
    if (q->limit) {
        g->limit = (int64_t)q->limit;
    }
    switch (q->kind) {
    case DORF_GEO_ANY:
        if (q->by_distance) {
            return dorf_fail(ctx, DORF_EINVAL, "sorting by distance needs a point or a box");
        }
        return DORF_OK;
    case DORF_GEO_BBOX:
        if (!market_valid_lon(q->min_lon_deg) || !market_valid_lon(q->max_lon_deg) ||
            !market_valid_lat(q->min_lat_deg) || !market_valid_lat(q->max_lat_deg) ||
            q->min_lon_deg >= q->max_lon_deg || q->min_lat_deg >= q->max_lat_deg) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "a box needs min < max within lon -180..180 and lat -90..90");
        }
        g->min_lon = q->min_lon_deg;
        g->min_lat = q->min_lat_deg;
        g->max_lon = q->max_lon_deg;
        g->max_lat = q->max_lat_deg;
        g->lon0 = (q->min_lon_deg + q->max_lon_deg) / 2;
        g->lat0 = (q->min_lat_deg + q->max_lat_deg) / 2;
        break;
    case DORF_GEO_NEAR:
        if (!market_valid_lon(q->lon_deg) || !market_valid_lat(q->lat_deg) ||
            !isfinite(q->radius_m) || q->radius_m <= 0 || q->radius_m > 1e6) {
            return dorf_fail(ctx, DORF_EINVAL,
                             "a point needs lon -180..180, lat -90..90 and a radius of 0..1000 km");
        }
        g->lon0 = q->lon_deg;
        g->lat0 = q->lat_deg;
        g->max_d2 = q->radius_m * q->radius_m;
        break;
    default:
        return dorf_fail(ctx, DORF_EINVAL, "unknown kind of area");
    }
    g->has_ref = 1;
    g->by_distance = q->by_distance != 0;
    g->kx = cos(g->lat0 * M_PI / 180) * M_PER_DEG;
    if (q->kind == DORF_GEO_NEAR) {
        /* The circle's bounding box, for the index; near the poles it is every longitude. */
        const double dlat = q->radius_m / g->ky;
        const double dlon = g->kx > 1 ? q->radius_m / g->kx : 360;
        g->min_lat = fmax(-90, g->lat0 - dlat);
        g->max_lat = fmin(90, g->lat0 + dlat);
        g->min_lon = fmax(-180, g->lon0 - dlon);
        g->max_lon = fmin(180, g->lon0 + dlon);
    }
    return DORF_OK;
}

void market_bind_geo(sql_stmt *stmt, const struct geo *g) {
    market_bind_double(stmt, ":minlon", g->min_lon);
    market_bind_double(stmt, ":minlat", g->min_lat);
    market_bind_double(stmt, ":maxlon", g->max_lon);
    market_bind_double(stmt, ":maxlat", g->max_lat);
    market_bind_double(stmt, ":lon0", g->lon0);
    market_bind_double(stmt, ":lat0", g->lat0);
    market_bind_double(stmt, ":kx", g->kx);
    market_bind_double(stmt, ":ky", g->ky);
    /* SQLite has no infinity literal for binding; a huge finite value does, on both. */
    market_bind_double(stmt, ":maxd2", isfinite(g->max_d2) ? g->max_d2 : 1e300);
    market_bind_int(stmt, ":bydist", g->by_distance);
    market_bind_int(stmt, ":limit", g->limit);
}

double market_geo_distance(const struct geo *g, double d2) {
    return g->has_ref ? sqrt(d2) : -1;
}

/* DORF_OK when shop `shop_id` exists, DORF_ENOTFOUND (with a message) when not. */
dorf_status market_shop_exists(struct sql_store *s, int64_t shop_id) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "SELECT 1 FROM shop WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, shop_id);
    int rc = sql_step(stmt);
    if (rc == SQL_DONE) {
        st = dorf_fail(s->base.ctx, DORF_ENOTFOUND, "no shop %lld", (long long)shop_id);
    } else if (rc != SQL_ROW) {
        st = sql_store_fail(s, "looking up a shop");
    }
    sql_finalize(stmt);
    return st;
}
