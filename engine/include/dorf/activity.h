/*
 * dorf/activity.h: the platform's activity as a research export reads it.
 *
 * Orders and parcels with only what aggregates and pseudonymised event tables need: ids (to
 * be pseudonymised, never published), positions (to be snapped to a grid cell), times (to be
 * coarsened) and states. Nothing here carries a name, an e-mail address or free text; the
 * export (dorf/export.h) decides what of the rest leaves the machine, and how coarsely.
 *
 * Beside it, the store keeps named secrets for the export: random keys that must stay the
 * same from one export to the next (the cell-key method's record keys, docs/export.md) and
 * never leave the database.
 */
#ifndef DORF_ACTIVITY_H
#define DORF_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/market.h"
#include "dorf/store.h"

/* One BestellBar order. */
typedef struct dorf_activity_order {
    int64_t id;
    int64_t citizen_id; /* 0 when the person who ordered has been erased */
    char shop_osm_type; /* the shop's place: 'n', 'w', 'r' */
    int64_t shop_osm_id;
    double shop_lon_deg;
    double shop_lat_deg;
    int delivery;           /* 1: brought by LieferBar; 0: collected at the shop */
    double dropoff_lon_deg; /* where a delivery goes; NAN for pickups and erased persons */
    double dropoff_lat_deg;
    dorf_order_state state;
    int64_t items; /* the sum of the items' quantities */
    int64_t total_cents;
    int64_t created_at; /* seconds since the epoch */
} dorf_activity_order;

/* One LieferBar parcel (the delivery of one order). */
typedef struct dorf_activity_parcel {
    int64_t id;
    int64_t order_id;
    int64_t volunteer_id; /* 0: nobody has it (open, or its volunteer has been erased) */
    char state[12];       /* "open", "claimed", "picked_up", "delivered", "cancelled" */
    double pickup_lon_deg;
    double pickup_lat_deg;
    double dropoff_lon_deg;
    double dropoff_lat_deg;
    int32_t size;
    /* The volunteer's mode ("walk", "bike", "car") from their availability covering the
       parcel's last change, "" when none does. */
    char mode[8];
    int64_t created_at;
    int64_t updated_at; /* the last change: for a delivered parcel, its delivery */
} dorf_activity_parcel;

typedef struct dorf_activity {
    dorf_activity_order *orders; /* by id */
    size_t order_count;
    dorf_activity_parcel *parcels; /* by id */
    size_t parcel_count;
} dorf_activity;

/*
 * Reads every order and parcel into *out, allocated from `arena` (one read transaction, so
 * the two agree). Errors: DORF_EIO, DORF_ENOMEM.
 */
dorf_status dorf_store_load_activity(dorf_store *store, dorf_arena *arena, dorf_activity *out);

#define DORF_STORE_SECRET_SIZE 32

/*
 * The store's secret named `name` (e.g. "export-record-keys") in out. The first call for a
 * name keeps `candidate` (fresh random bytes from the caller) as the secret; later calls
 * return what was kept and ignore theirs. Needs a writable store the first time. Errors:
 * DORF_EIO (e.g. read-only on first use).
 */
dorf_status dorf_store_secret(dorf_store *store, const char *name,
                              const uint8_t candidate[DORF_STORE_SECRET_SIZE],
                              uint8_t out[DORF_STORE_SECRET_SIZE]);

#endif
