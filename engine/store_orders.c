/*
 * store_orders.c: BestellBar's orders (dorf/market.h), on either store (SpatiaLite or PostGIS,
 * through sql.h): placing an order, reading and listing orders with their items, and moving an
 * order through its state machine (market.c says who may make which move). Placing and moving
 * run in write transactions, which hold the database's single writer lock from their start
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock, every statement seeing what was
 * committed before it), so what a move checks cannot change before it writes. Stock is taken
 * with `UPDATE ... SET stock = stock - q WHERE id = ? AND stock >= q`, which is atomic by
 * itself on both (PostgreSQL re-checks the condition on the newest row version): a product
 * short of stock changes no row, the order is rolled back as a whole, and stock can never go
 * negative (the table's CHECK would refuse it anyway). Cancelling or rejecting puts the items
 * back; handing over creates the order's LieferBar parcel, whose delivery (store_parcels.c)
 * then moves the order to delivered.
 */
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "store_market_internal.h"

/* ---- orders ------------------------------------------------------------------------------ */

static dorf_status check_order_request(dorf_ctx *ctx, const dorf_order_request *req) {
    if (req->line_count == 0 || req->line_count > DORF_MARKET_MAX_ITEMS || !req->lines) {
        return dorf_fail(ctx, DORF_EINVAL, "an order has 1 to %d items", DORF_MARKET_MAX_ITEMS);
    }
    for (size_t i = 0; i < req->line_count; i++) {
        const dorf_order_line *l = &req->lines[i];
        if (l->quantity < 1 || l->quantity > DORF_MARKET_MAX_QUANTITY) {
            return dorf_fail(ctx, DORF_EINVAL, "the quantity of product %lld is not 1 to %lld",
                             (long long)l->product_id, DORF_MARKET_MAX_QUANTITY);
        }
        for (size_t j = 0; j < i; j++) {
            if (req->lines[j].product_id == l->product_id) {
                return dorf_fail(ctx, DORF_EINVAL, "product %lld is listed twice",
                                 (long long)l->product_id);
            }
        }
    }
    if (req->delivery &&
        (!market_valid_lon(req->dropoff_lon_deg) || !market_valid_lat(req->dropoff_lat_deg))) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "a delivery needs a drop-off within lon -180..180 and "
                         "lat -90..90");
    }
    return DORF_OK;
}

dorf_status dorf_store_order_place(dorf_store *store, const dorf_order_request *req, int64_t now,
                                   int64_t *id, int64_t *short_product) {
    if (short_product) {
        *short_product = 0;
    }
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = check_order_request(store->ctx, req);
    if (st != DORF_OK) {
        return st;
    }
    sql_stmt *product = NULL;
    sql_stmt *take = NULL;
    sql_stmt *ins = NULL;
    if ((st = market_begin(s, 1)) != DORF_OK) {
        return st;
    }
    if ((st = market_shop_exists(s, req->shop_id)) != DORF_OK) {
        goto fail;
    }
    if ((st = sql_store_prepare(s,
                                "SELECT shop_id, active, price_cents, name, stock FROM product"
                                " WHERE id = ?",
                                &product)) != DORF_OK ||
        (st = sql_store_prepare(s,
                                "UPDATE product SET stock = stock - ?1 WHERE id = ?2"
                                " AND stock >= ?1",
                                &take)) != DORF_OK) {
        goto fail;
    }
    int64_t total = 0;
    int64_t *prices = dorf_calloc(req->line_count, sizeof *prices);
    if (!prices) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory placing an order");
        goto fail;
    }
    for (size_t i = 0; i < req->line_count && st == DORF_OK; i++) {
        const dorf_order_line *l = &req->lines[i];
        sql_reset(product);
        sql_bind_int64(product, 1, l->product_id);
        int rc = sql_step(product);
        if (rc != SQL_ROW && rc != SQL_DONE) {
            st = sql_store_fail(s, "looking up a product");
        } else if (rc == SQL_DONE || sql_column_int64(product, 0) != req->shop_id) {
            st = dorf_fail(store->ctx, DORF_EINVAL, "shop %lld sells no product %lld",
                           (long long)req->shop_id, (long long)l->product_id);
        } else if (!sql_column_int(product, 1)) {
            st = dorf_fail(store->ctx, DORF_EINVAL, "product %lld (%s) is not on sale",
                           (long long)l->product_id, (const char *)sql_column_text(product, 3));
        } else {
            prices[i] = sql_column_int64(product, 2);
            total += prices[i] * l->quantity;
            sql_reset(take);
            sql_bind_int64(take, 1, l->quantity);
            sql_bind_int64(take, 2, l->product_id);
            if ((st = market_step_done(s, take, "taking stock")) == DORF_OK &&
                sql_changes(s->conn) != 1) {
                /* `product` still holds the row as it was read in this transaction. */
                st = dorf_fail(store->ctx, DORF_ECONFLICT,
                               "product %lld (%s) is short: %lld in stock, %lld ordered",
                               (long long)l->product_id, (const char *)sql_column_text(product, 3),
                               (long long)sql_column_int64(product, 4), (long long)l->quantity);
                if (short_product) {
                    *short_product = l->product_id;
                }
            }
        }
    }
    if (st != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    if ((st = sql_store_prepare(s,
                                "INSERT INTO shop_order (citizen_id, shop_id, state, delivery,"
                                " dropoff_lon, dropoff_lat, total_cents, created_at, updated_at)"
                                " VALUES (?, ?, 'placed', ?, ?, ?, ?, ?, ?)",
                                &ins)) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    sql_bind_int64(ins, 1, req->citizen_id);
    sql_bind_int64(ins, 2, req->shop_id);
    sql_bind_int(ins, 3, req->delivery ? 1 : 0);
    if (req->delivery) {
        sql_bind_double(ins, 4, req->dropoff_lon_deg);
        sql_bind_double(ins, 5, req->dropoff_lat_deg);
    } else {
        sql_bind_null(ins, 4);
        sql_bind_null(ins, 5);
    }
    sql_bind_int64(ins, 6, total);
    sql_bind_int64(ins, 7, now);
    sql_bind_int64(ins, 8, now);
    if ((st = market_step_done(s, ins, "placing an order")) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    const int64_t order_id = sql_last_insert_rowid(s->conn);
    sql_finalize(ins);
    ins = NULL;
    if ((st = sql_store_prepare(s,
                                "INSERT INTO order_item (order_id, product_id, quantity,"
                                " price_cents) VALUES (?, ?, ?, ?)",
                                &ins)) != DORF_OK) {
        dorf_free(prices);
        goto fail;
    }
    for (size_t i = 0; i < req->line_count && st == DORF_OK; i++) {
        sql_reset(ins);
        sql_bind_int64(ins, 1, order_id);
        sql_bind_int64(ins, 2, req->lines[i].product_id);
        sql_bind_int64(ins, 3, req->lines[i].quantity);
        sql_bind_int64(ins, 4, prices[i]);
        st = market_step_done(s, ins, "recording an order's items");
    }
    dorf_free(prices);
    if (st != DORF_OK) {
        goto fail;
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "order/%lld", (long long)order_id);
    snprintf(detail, sizeof detail, "placed at shop %lld, %lld cents", (long long)req->shop_id,
             (long long)total);
    if ((st = market_audit(s, now, req->citizen_id, "order.place", object, detail)) != DORF_OK ||
        (st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    sql_finalize(product);
    sql_finalize(take);
    sql_finalize(ins);
    *id = order_id;
    return DORF_OK;

fail:
    sql_finalize(product);
    sql_finalize(take);
    sql_finalize(ins);
    market_rollback(s);
    return st;
}

#define ORDER_SELECT_SQL                                                                           \
    "SELECT o.id, o.citizen_id, o.shop_id, s.owner_id, s.name, o.state, o.delivery,"               \
    " o.dropoff_lon, o.dropoff_lat, o.total_cents, o.created_at, o.updated_at,"                    \
    " (SELECT id FROM parcel WHERE order_id = o.id) AS parcel_id, s.lon AS lon, s.lat AS lat"      \
    " FROM shop_order AS o JOIN shop AS s ON s.id = o.shop_id"

static const char get_order_sql[] =
    ORDER_SELECT_SQL " WHERE o.id = :id AND (o.citizen_id = :user OR s.owner_id = :user)";

static const char list_orders_sql[] =
    "SELECT * FROM (SELECT *, " D2_SQL " AS d2 FROM (" ORDER_SELECT_SQL
    " WHERE (o.citizen_id = :user OR s.owner_id = :user)"
    " AND (CAST(:state AS TEXT) IS NULL OR o.state = :state)) AS visible) AS measured"
    " WHERE" GEO_WHERE_SQL " ORDER BY CASE WHEN :bydist = 1 THEN d2 END, id DESC LIMIT :limit";

/*
 * An order's items in the order they were placed (one INSERT each, in the request's order):
 * SQLite's rowid counts insertions; PostgreSQL has no rowid, so its order_item has an identity
 * column `seq` that does.
 */
#define ORDER_ITEMS_SQL(position)                                                                  \
    "SELECT i.product_id, i.quantity, i.price_cents, p.name, p.unit FROM order_item AS i"          \
    " JOIN product AS p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY " position

static const char order_items_sqlite[] = ORDER_ITEMS_SQL("i.rowid");
static const char order_items_pg[] = ORDER_ITEMS_SQL("i.seq");

static const char *order_items_sql(const struct sql_store *s) {
    return s->dialect == SQL_POSTGRES ? order_items_pg : order_items_sqlite;
}

static void read_order(struct reader *r, sql_stmt *stmt, dorf_order *out) {
    memset(out, 0, sizeof *out);
    out->id = sql_column_int64(stmt, 0);
    out->citizen_id = sql_column_int64(stmt, 1);
    out->shop_id = sql_column_int64(stmt, 2);
    out->shop_owner_id = sql_column_int64(stmt, 3);
    out->shop_name = market_col_text(r, stmt, 4);
    dorf_order_state state = DORF_ORDER_PLACED;
    dorf_order_state_from_name((const char *)sql_column_text(stmt, 5), &state);
    out->state = state;
    out->delivery = sql_column_int(stmt, 6);
    out->dropoff_lon_deg = sql_column_double(stmt, 7);
    out->dropoff_lat_deg = sql_column_double(stmt, 8);
    out->total_cents = sql_column_int64(stmt, 9);
    out->created_at = sql_column_int64(stmt, 10);
    out->updated_at = sql_column_int64(stmt, 11);
    out->parcel_id = sql_column_int64(stmt, 12);
}

/* Reads the items of `order` with a prepared order_items_sql() statement. */
static dorf_status read_items(struct sql_store *s, struct reader *r, sql_stmt *stmt,
                              dorf_order *order) {
    sql_reset(stmt);
    sql_bind_int64(stmt, 1, order->id);
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(r->arena, (void **)&order->items, &cap, order->item_count + 1,
                              sizeof *order->items) != 0) {
            return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading an order");
        }
        dorf_order_item *it = &order->items[order->item_count++];
        it->product_id = sql_column_int64(stmt, 0);
        it->quantity = sql_column_int64(stmt, 1);
        it->price_cents = sql_column_int64(stmt, 2);
        it->name = market_col_text(r, stmt, 3);
        it->unit = market_col_text(r, stmt, 4);
    }
    if (rc != SQL_DONE) {
        return sql_store_fail(s, "reading an order's items");
    }
    if (r->oom) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory reading an order");
    }
    return DORF_OK;
}

dorf_status dorf_store_order_get(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                 int64_t order_id, dorf_order *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    sql_stmt *items = NULL;
    dorf_status st = market_begin(s, 0);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, get_order_sql, &stmt)) != DORF_OK ||
        (st = sql_store_prepare(s, order_items_sql(s), &items)) != DORF_OK) {
        goto fail;
    }
    market_bind_int(stmt, ":id", order_id);
    market_bind_int(stmt, ":user", user_id);
    struct reader r = {arena, 0};
    int rc = sql_step(stmt);
    if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
        goto fail;
    }
    if (rc != SQL_ROW) {
        st = sql_store_fail(s, "reading an order");
        goto fail;
    }
    read_order(&r, stmt, out);
    if ((st = read_items(s, &r, items, out)) != DORF_OK) {
        goto fail;
    }
    sql_finalize(stmt);
    sql_finalize(items);
    return market_commit(s);

fail:
    sql_finalize(stmt);
    sql_finalize(items);
    market_rollback(s);
    return st;
}

dorf_status dorf_store_list_orders(dorf_store *store, dorf_arena *arena, int64_t user_id,
                                   const dorf_order_state *state, const dorf_geo_query *q,
                                   dorf_order **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    struct geo g;
    dorf_status st = market_geo_from_query(store->ctx, q, &g);
    if (st != DORF_OK) {
        return st;
    }
    if (state && (unsigned)*state >= DORF_ORDER_STATE_COUNT) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown order state");
    }
    sql_stmt *stmt = NULL;
    sql_stmt *items_stmt = NULL;
    if ((st = market_begin(s, 0)) != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, list_orders_sql, &stmt)) != DORF_OK ||
        (st = sql_store_prepare(s, order_items_sql(s), &items_stmt)) != DORF_OK) {
        goto fail;
    }
    market_bind_geo(stmt, &g);
    market_bind_int(stmt, ":user", user_id > 0 ? user_id : -1);
    market_bind_text(stmt, ":state", state ? dorf_order_state_name(*state) : NULL);
    struct reader r = {arena, 0};
    dorf_order *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_order(&r, stmt, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing orders");
        goto fail;
    }
    if (rc != SQL_DONE) {
        st = sql_store_fail(s, "listing orders");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if ((st = read_items(s, &r, items_stmt, &items[i])) != DORF_OK) {
            goto fail;
        }
    }
    sql_finalize(stmt);
    sql_finalize(items_stmt);
    stmt = items_stmt = NULL;
    if ((st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    *out = items;
    *count = n;
    return DORF_OK;

fail:
    sql_finalize(stmt);
    sql_finalize(items_stmt);
    market_rollback(s);
    return st;
}

/* What a move needs to know about an order, read inside the move's transaction. */
struct order_row {
    dorf_order_state state;
    int64_t citizen_id;
    int64_t owner_id;
    int delivery;
    double dropoff_lon, dropoff_lat;
    double shop_lon, shop_lat;
};

static dorf_status read_order_row(struct sql_store *s, int64_t order_id, struct order_row *o) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s,
        "SELECT o.state, o.citizen_id, s.owner_id, o.delivery, o.dropoff_lon, o.dropoff_lat,"
        " s.lon, s.lat FROM shop_order AS o JOIN shop AS s ON s.id = o.shop_id WHERE o.id = ?",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, order_id);
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        o->state = DORF_ORDER_STATE_COUNT;
        dorf_order_state_from_name((const char *)sql_column_text(stmt, 0), &o->state);
        o->citizen_id = sql_column_int64(stmt, 1);
        o->owner_id = sql_column_int64(stmt, 2);
        o->delivery = sql_column_int(stmt, 3);
        o->dropoff_lon = sql_column_double(stmt, 4);
        o->dropoff_lat = sql_column_double(stmt, 5);
        o->shop_lon = sql_column_double(stmt, 6);
        o->shop_lat = sql_column_double(stmt, 7);
    } else if (rc == SQL_DONE) {
        st = dorf_fail(s->base.ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
    } else {
        st = sql_store_fail(s, "reading an order");
    }
    sql_finalize(stmt);
    return st;
}

/* Sets the order's state and writes the audit row (inside the caller's transaction). */
static dorf_status set_state(struct sql_store *s, int64_t user_id, int64_t order_id,
                             dorf_order_state from, dorf_order_state to, int64_t now) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s,
                                       "UPDATE shop_order SET state = ?, updated_at = ?"
                                       " WHERE id = ? AND state = ?",
                                       &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_text(stmt, 1, dorf_order_state_name(to), -1, SQL_STATIC);
    sql_bind_int64(stmt, 2, now);
    sql_bind_int64(stmt, 3, order_id);
    sql_bind_text(stmt, 4, dorf_order_state_name(from), -1, SQL_STATIC);
    st = market_step_done(s, stmt, "changing an order's state");
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sql_changes(s->conn) != 1) {
        return dorf_fail(s->base.ctx, DORF_EIO, "order %lld changed under a write lock",
                         (long long)order_id);
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "order/%lld", (long long)order_id);
    snprintf(detail, sizeof detail, "%s -> %s", dorf_order_state_name(from),
             dorf_order_state_name(to));
    return market_audit(s, now, user_id, "order.transition", object, detail);
}

static dorf_status restore_stock(struct sql_store *s, int64_t order_id) {
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          "UPDATE product SET stock = stock + (SELECT quantity FROM order_item"
                          " WHERE order_id = ?1 AND product_id = product.id)"
                          " WHERE id IN (SELECT product_id FROM order_item WHERE order_id = ?1)",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, order_id);
    st = market_step_done(s, stmt, "putting items back into stock");
    sql_finalize(stmt);
    return st;
}

static dorf_status create_parcel(struct sql_store *s, int64_t order_id, const struct order_row *o,
                                 int64_t now) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(
        s,
        "INSERT INTO parcel (order_id, state, pickup_lon, pickup_lat, dropoff_lon, dropoff_lat,"
        " ready_at, due_from, due_until, size, created_at, updated_at)"
        " VALUES (?1, 'open', ?2, ?3, ?4, ?5, ?6, ?6, ?7, 1, ?6, ?6)",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, order_id);
    sql_bind_double(stmt, 2, o->shop_lon);
    sql_bind_double(stmt, 3, o->shop_lat);
    sql_bind_double(stmt, 4, o->dropoff_lon);
    sql_bind_double(stmt, 5, o->dropoff_lat);
    sql_bind_int64(stmt, 6, now);
    sql_bind_int64(stmt, 7, now + DORF_MARKET_DELIVERY_WINDOW_S);
    st = market_step_done(s, stmt, "creating a parcel");
    sql_finalize(stmt);
    return st;
}

static dorf_status illegal(dorf_ctx *ctx, int64_t order_id, dorf_order_state from,
                           dorf_order_state to) {
    return dorf_fail(ctx, DORF_ECONFLICT, "order %lld is '%s'; it cannot become '%s'",
                     (long long)order_id, dorf_order_state_name(from), dorf_order_state_name(to));
}

dorf_status dorf_store_order_transition(dorf_store *store, int64_t user_id, int64_t order_id,
                                        dorf_order_state to, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    if ((unsigned)to >= DORF_ORDER_STATE_COUNT) {
        return dorf_fail(store->ctx, DORF_EINVAL, "unknown order state");
    }
    dorf_status st = market_begin(s, 1);
    if (st != DORF_OK) {
        return st;
    }
    struct order_row o;
    if ((st = read_order_row(s, order_id, &o)) != DORF_OK) {
        goto fail;
    }
    unsigned parties = 0;
    if (user_id > 0 && o.citizen_id == user_id) {
        parties |= DORF_PARTY_CITIZEN;
    }
    if (user_id > 0 && o.owner_id == user_id) {
        parties |= DORF_PARTY_SHOP;
    }
    if (!parties) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no order %lld", (long long)order_id);
        goto fail;
    }
    if (o.state >= DORF_ORDER_STATE_COUNT ||
        !(dorf_order_transition_parties(o.state, to, o.delivery) & parties)) {
        st = illegal(store->ctx, order_id, o.state, to);
        goto fail;
    }
    if ((st = set_state(s, user_id, order_id, o.state, to, now)) != DORF_OK) {
        goto fail;
    }
    if ((to == DORF_ORDER_CANCELLED || to == DORF_ORDER_REJECTED) &&
        (st = restore_stock(s, order_id)) != DORF_OK) {
        goto fail;
    }
    if (to == DORF_ORDER_HANDED_OVER && (st = create_parcel(s, order_id, &o, now)) != DORF_OK) {
        goto fail;
    }
    if ((st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    return DORF_OK;

fail:
    market_rollback(s);
    return st;
}
