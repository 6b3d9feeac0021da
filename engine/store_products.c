/*
 * store_products.c: BestellBar's products (dorf/market.h), on either store (SpatiaLite or
 * PostGIS, through sql.h): adding and changing a shop's products (only by its owner, each with
 * its audit row in one write transaction), reading one, and listing a shop's products in one
 * read transaction. Names, units, prices and stock are checked against the limits of
 * dorf/market.h before anything is written; all values are bound parameters. Flags are bound
 * as integers and compared with 1, since PostgreSQL takes no integer where it wants a boolean.
 */
#include <stdio.h>
#include <string.h>

#include "store_market_internal.h"

/* ---- products ---------------------------------------------------------------------------- */

static dorf_status check_text(dorf_ctx *ctx, const char *what, const char *v, size_t max) {
    if (!v || !*v || strlen(v) > max) {
        return dorf_fail(ctx, DORF_EINVAL, "a product's %s has 1 to %zu bytes", what, max);
    }
    return DORF_OK;
}

static dorf_status check_range(dorf_ctx *ctx, const char *what, int64_t v, int64_t max) {
    if (v < 0 || v > max) {
        return dorf_fail(ctx, DORF_EINVAL, "a product's %s is 0 to %lld", what, (long long)max);
    }
    return DORF_OK;
}

/* 1 when `user_id` owns shop `shop_id`, 0 when not (or no such shop); -1 on error. */
static int owns_shop(struct sql_store *s, int64_t user_id, int64_t shop_id) {
    sql_stmt *stmt = NULL;
    if (sql_store_prepare(s, "SELECT owner_id FROM shop WHERE id = ?", &stmt) != DORF_OK) {
        return -1;
    }
    sql_bind_int64(stmt, 1, shop_id);
    int rc = sql_step(stmt);
    int result = -1;
    if (rc == SQL_ROW) {
        result = sql_column_int64(stmt, 0) == user_id && user_id > 0;
    } else if (rc == SQL_DONE) {
        result = 0;
    } else {
        sql_store_fail(s, "looking up a shop");
    }
    sql_finalize(stmt);
    return result;
}

dorf_status dorf_store_product_add(dorf_store *store, int64_t user_id, int64_t shop_id,
                                   const dorf_product *p, int64_t now, int64_t *id) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st;
    if ((st = check_text(store->ctx, "name", p->name, DORF_MARKET_MAX_NAME)) != DORF_OK ||
        (st = check_text(store->ctx, "unit", p->unit, DORF_MARKET_MAX_UNIT)) != DORF_OK ||
        (st = check_range(store->ctx, "price", p->price_cents, DORF_MARKET_MAX_PRICE_CENTS)) !=
            DORF_OK ||
        (st = check_range(store->ctx, "stock", p->stock, DORF_MARKET_MAX_STOCK)) != DORF_OK) {
        return st;
    }
    if ((st = market_begin(s, 1)) != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    int owner = owns_shop(s, user_id, shop_id);
    if (owner < 0) {
        st = DORF_EIO;
        goto fail;
    }
    if (!owner) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no shop %lld", (long long)shop_id);
        goto fail;
    }
    if ((st = sql_store_prepare(s,
                                "INSERT INTO product (shop_id, name, price_cents, unit, stock,"
                                " active) VALUES (?, ?, ?, ?, ?, ?)",
                                &stmt)) != DORF_OK) {
        goto fail;
    }
    sql_bind_int64(stmt, 1, shop_id);
    sql_bind_text(stmt, 2, p->name, -1, SQL_STATIC);
    sql_bind_int64(stmt, 3, p->price_cents);
    sql_bind_text(stmt, 4, p->unit, -1, SQL_STATIC);
    sql_bind_int64(stmt, 5, p->stock);
    sql_bind_int(stmt, 6, p->active ? 1 : 0);
    if ((st = market_step_done(s, stmt, "adding a product")) != DORF_OK) {
        goto fail;
    }
    const int64_t product_id = sql_last_insert_rowid(s->conn);
    char object[32];
    snprintf(object, sizeof object, "product/%lld", (long long)product_id);
    if ((st = market_audit(s, now, user_id, "product.add", object, NULL)) != DORF_OK ||
        (st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    sql_finalize(stmt);
    *id = product_id;
    return DORF_OK;

fail:
    sql_finalize(stmt);
    market_rollback(s);
    return st;
}

dorf_status dorf_store_product_update(dorf_store *store, int64_t user_id, int64_t product_id,
                                      const dorf_product_change *c, int64_t now) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    dorf_status st = DORF_OK;
    if (!(c->fields & (DORF_PRODUCT_NAME | DORF_PRODUCT_UNIT | DORF_PRODUCT_PRICE |
                       DORF_PRODUCT_STOCK | DORF_PRODUCT_ACTIVE))) {
        return dorf_fail(store->ctx, DORF_EINVAL, "nothing to change");
    }
    if (((c->fields & DORF_PRODUCT_NAME) &&
         (st = check_text(store->ctx, "name", c->name, DORF_MARKET_MAX_NAME)) != DORF_OK) ||
        ((c->fields & DORF_PRODUCT_UNIT) &&
         (st = check_text(store->ctx, "unit", c->unit, DORF_MARKET_MAX_UNIT)) != DORF_OK) ||
        ((c->fields & DORF_PRODUCT_PRICE) &&
         (st = check_range(store->ctx, "price", c->price_cents, DORF_MARKET_MAX_PRICE_CENTS)) !=
             DORF_OK) ||
        ((c->fields & DORF_PRODUCT_STOCK) &&
         (st = check_range(store->ctx, "stock", c->stock, DORF_MARKET_MAX_STOCK)) != DORF_OK)) {
        return st;
    }
    if ((st = market_begin(s, 1)) != DORF_OK) {
        return st;
    }
    sql_stmt *stmt = NULL;
    if ((st = sql_store_prepare(
             s,
             "UPDATE product SET"
             " name = CASE WHEN :set_name = 1 THEN :name ELSE name END,"
             " unit = CASE WHEN :set_unit = 1 THEN :unit ELSE unit END,"
             " price_cents = CASE WHEN :set_price = 1 THEN :price ELSE price_cents END,"
             " stock = CASE WHEN :set_stock = 1 THEN :stock ELSE stock END,"
             " active = CASE WHEN :set_active = 1 THEN :active ELSE active END"
             " WHERE id = :id AND shop_id IN (SELECT id FROM shop WHERE owner_id = :user)",
             &stmt)) != DORF_OK) {
        goto fail;
    }
    market_bind_int(stmt, ":set_name", (c->fields & DORF_PRODUCT_NAME) != 0);
    market_bind_text(stmt, ":name", (c->fields & DORF_PRODUCT_NAME) ? c->name : NULL);
    market_bind_int(stmt, ":set_unit", (c->fields & DORF_PRODUCT_UNIT) != 0);
    market_bind_text(stmt, ":unit", (c->fields & DORF_PRODUCT_UNIT) ? c->unit : NULL);
    market_bind_int(stmt, ":set_price", (c->fields & DORF_PRODUCT_PRICE) != 0);
    market_bind_int(stmt, ":price", c->price_cents);
    market_bind_int(stmt, ":set_stock", (c->fields & DORF_PRODUCT_STOCK) != 0);
    market_bind_int(stmt, ":stock", c->stock);
    market_bind_int(stmt, ":set_active", (c->fields & DORF_PRODUCT_ACTIVE) != 0);
    market_bind_int(stmt, ":active", c->active ? 1 : 0);
    market_bind_int(stmt, ":id", product_id);
    market_bind_int(stmt, ":user", user_id);
    if ((st = market_step_done(s, stmt, "changing a product")) != DORF_OK) {
        goto fail;
    }
    if (sql_changes(s->conn) != 1) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no product %lld", (long long)product_id);
        goto fail;
    }
    char object[32];
    char detail[64];
    snprintf(object, sizeof object, "product/%lld", (long long)product_id);
    snprintf(detail, sizeof detail, "fields %#x", c->fields);
    if ((st = market_audit(s, now, user_id, "product.update", object, detail)) != DORF_OK ||
        (st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    sql_finalize(stmt);
    return DORF_OK;

fail:
    sql_finalize(stmt);
    market_rollback(s);
    return st;
}

#define PRODUCT_COLUMNS "id, shop_id, name, unit, price_cents, stock, active"

static void read_product(struct reader *r, sql_stmt *stmt, dorf_product *out) {
    out->id = sql_column_int64(stmt, 0);
    out->shop_id = sql_column_int64(stmt, 1);
    out->name = market_col_text(r, stmt, 2);
    out->unit = market_col_text(r, stmt, 3);
    out->price_cents = sql_column_int64(stmt, 4);
    out->stock = sql_column_int64(stmt, 5);
    out->active = sql_column_int(stmt, 6);
}

dorf_status dorf_store_product_get(dorf_store *store, dorf_arena *arena, int64_t id,
                                   dorf_product *out) {
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s, "SELECT " PRODUCT_COLUMNS " FROM product WHERE id = ?", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    sql_bind_int64(stmt, 1, id);
    struct reader r = {arena, 0};
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        read_product(&r, stmt, out);
        if (r.oom) {
            st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory reading a product");
        }
    } else if (rc == SQL_DONE) {
        st = dorf_fail(store->ctx, DORF_ENOTFOUND, "no product %lld", (long long)id);
    } else {
        st = sql_store_fail(s, "reading a product");
    }
    sql_finalize(stmt);
    return st;
}

dorf_status dorf_store_list_products(dorf_store *store, dorf_arena *arena, int64_t shop_id, int all,
                                     dorf_product **out, size_t *count) {
    *out = NULL;
    *count = 0;
    struct sql_store *s = sql_store_of(store);
    if (!s) {
        return DORF_EINVAL;
    }
    sql_stmt *stmt = NULL;
    dorf_status st = market_begin(s, 0);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = market_shop_exists(s, shop_id)) != DORF_OK ||
        (st = sql_store_prepare(s,
                                "SELECT " PRODUCT_COLUMNS " FROM product WHERE shop_id = ?"
                                " AND (? = 1 OR active = 1) ORDER BY id",
                                &stmt)) != DORF_OK) {
        goto fail;
    }
    sql_bind_int64(stmt, 1, shop_id);
    sql_bind_int(stmt, 2, all ? 1 : 0);
    struct reader r = {arena, 0};
    dorf_product *items = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(stmt)) == SQL_ROW) {
        if (market_arena_grow(arena, (void **)&items, &cap, n + 1, sizeof *items) != 0) {
            r.oom = 1;
            break;
        }
        read_product(&r, stmt, &items[n++]);
    }
    if (r.oom) {
        st = dorf_fail(store->ctx, DORF_ENOMEM, "out of memory listing products");
        goto fail;
    }
    if (rc != SQL_DONE) {
        st = sql_store_fail(s, "listing products");
        goto fail;
    }
    sql_finalize(stmt);
    stmt = NULL;
    if ((st = market_commit(s)) != DORF_OK) {
        goto fail;
    }
    *out = items;
    *count = n;
    return DORF_OK;

fail:
    sql_finalize(stmt);
    market_rollback(s);
    return st;
}
