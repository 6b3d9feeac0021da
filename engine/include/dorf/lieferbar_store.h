/*
 * dorf/lieferbar_store.h: LieferBar's platform data: volunteers' availability and the parcels
 * they carry, with the life cycle of a parcel
 *
 *     open -> claimed -> picked_up -> delivered        claimed -> open (released)
 *
 * A parcel comes into being when a shop hands a delivery order over (dorf/market.h). Any
 * volunteer may see the open parcels; a claimed or picked-up parcel is seen and moved only by
 * the volunteer who claimed it. Claiming is a single conditional UPDATE (state 'open' to
 * 'claimed'), so when several volunteers claim the same parcel at once exactly one wins and
 * the others get DORF_ECONFLICT. Delivering a parcel also marks its order delivered, in the
 * same transaction. Every change writes an audit row in its transaction.
 *
 * Object-level access is part of the contract: a parcel or availability that is not the
 * caller's answers DORF_ENOTFOUND, so nobody learns which ids exist. Times are seconds since
 * the epoch (UTC), positions WGS84 lon/lat in degrees. Lists take the map-aware query of
 * dorf/market.h (dorf_geo_query) and allocate from the caller's arena. Both stores keep them
 * (store_parcels.c).
 */
#ifndef DORF_LIEFERBAR_STORE_H
#define DORF_LIEFERBAR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/arena.h"
#include "dorf/context.h"
#include "dorf/market.h"
#include "dorf/store.h"

/* Limits of an availability (the API refuses other values before they get here). */
#define DORF_AVAILABILITY_MAX_CAPACITY 20
#define DORF_AVAILABILITY_MAX_DETOUR_S 7200
#define DORF_AVAILABILITY_MAX_SPAN_S (24 * 3600)
#define DORF_AVAILABILITY_MAX_PER_VOLUNTEER 100
#define DORF_PARCELS_MAX_CLAIM 100 /* parcels claimed together at most */

typedef enum dorf_parcel_state {
    DORF_PARCEL_OPEN = 0,
    DORF_PARCEL_CLAIMED,
    DORF_PARCEL_PICKED_UP,
    DORF_PARCEL_DELIVERED,
    DORF_PARCEL_CANCELLED,
    DORF_PARCEL_STATE_COUNT
} dorf_parcel_state;

/* The state's name as used in SQL and JSON ("picked_up"); "unknown" for other values. */
const char *dorf_parcel_state_name(dorf_parcel_state state);

/* A volunteer's offer to carry parcels within a window of time. */
typedef struct dorf_availability {
    int64_t id;
    int64_t volunteer_id;
    char mode[8];     /* "walk", "bike", "car" */
    int32_t capacity; /* parcel size units, 1 .. DORF_AVAILABILITY_MAX_CAPACITY */
    int64_t from_at;  /* the window, until_at > from_at, at most a day long */
    int64_t until_at;
    int32_t max_detour_s; /* 0 .. DORF_AVAILABILITY_MAX_DETOUR_S */
    double home_lon_deg;  /* where the volunteer starts and ends */
    double home_lat_deg;
    int has_trip; /* 1: a trip made anyway, to trip_lon/lat and back */
    double trip_lon_deg;
    double trip_lat_deg;
} dorf_availability;

/*
 * Adds an availability (all fields of `a` but id) and an audit row; *id receives its id.
 * DORF_EINVAL with a message naming the field for values outside the limits above (an
 * unknown mode, a window not in (0, 24 h], positions off the globe, an unknown volunteer),
 * DORF_ECONFLICT when the volunteer has DORF_AVAILABILITY_MAX_PER_VOLUNTEER already, DORF_EIO.
 */
dorf_status dorf_store_availability_add(dorf_store *store, const dorf_availability *a, int64_t now,
                                        int64_t *id);

/* The volunteer's availabilities by window start. *out (*count of them) from `arena`. */
dorf_status dorf_store_availability_list(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                         dorf_availability **out, size_t *count);

/* The availability `id` if it is the volunteer's; DORF_ENOTFOUND otherwise. */
dorf_status dorf_store_availability_get(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        dorf_availability *out);

/* Deletes the volunteer's availability `id` (with an audit row). DORF_ENOTFOUND, DORF_EIO. */
dorf_status dorf_store_availability_delete(dorf_store *store, int64_t volunteer_id, int64_t id,
                                           int64_t now);

typedef struct dorf_parcel {
    int64_t id;
    int64_t order_id;
    int64_t shop_id;
    const char *shop_name; /* from the caller's arena; "" when the shop is unknown */
    dorf_parcel_state state;
    int64_t volunteer_id; /* 0 while open */
    double pickup_lon_deg;
    double pickup_lat_deg;
    double dropoff_lon_deg;
    double dropoff_lat_deg;
    int64_t ready_at; /* may be picked up from then */
    int64_t due_from; /* to be delivered within this window */
    int64_t due_until;
    int32_t size;
    int64_t created_at;
    int64_t updated_at;
    double distance_m; /* of the pickup from the query's point or box centre; -1: none */
} dorf_parcel;

/*
 * Lists parcels whose pickup matches `q` (may be NULL: anywhere, by id): with volunteer_id 0
 * the open parcels, otherwise that volunteer's claimed and picked-up parcels. *out (*count of
 * them) from `arena`. DORF_EINVAL for an unusable query, DORF_EIO.
 */
dorf_status dorf_store_list_parcels(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                    const dorf_geo_query *q, dorf_parcel **out, size_t *count);

/*
 * The parcel `id` if it is open or the volunteer's (shop_name from `arena`); DORF_ENOTFOUND
 * otherwise.
 */
dorf_status dorf_store_parcel_get(dorf_store *store, dorf_arena *arena, int64_t volunteer_id,
                                  int64_t id, dorf_parcel *out);

/*
 * The volunteer claims the open parcel `id`. Exactly one of any number of concurrent claims
 * of one parcel succeeds. DORF_ENOTFOUND when there is no such parcel, DORF_ECONFLICT ("parcel
 * 7 was claimed by someone else") when it is not open any more, DORF_EIO.
 */
dorf_status dorf_store_parcel_claim(dorf_store *store, int64_t volunteer_id, int64_t id,
                                    int64_t now);

/*
 * Claims the parcels ids[0 .. n) (n <= DORF_PARCELS_MAX_CLAIM, no id twice) in one
 * transaction: all of them or, when any is missing or not open, none. Then DORF_ECONFLICT (or
 * DORF_ENOTFOUND when all that failed do not exist) and the failing ids in taken[0 ..
 * *taken_count) (taken holds n ids). DORF_EINVAL for n out of range or a repeated id.
 */
dorf_status dorf_store_parcels_claim_all(dorf_store *store, int64_t volunteer_id,
                                         const int64_t *ids, size_t n, int64_t now, int64_t *taken,
                                         size_t *taken_count);

/*
 * Moves the volunteer's parcel `id`: release (claimed -> open), picked up (claimed ->
 * picked_up), delivered (picked_up -> delivered, and its order handed_over -> delivered in
 * the same transaction). DORF_ENOTFOUND when the parcel is not the volunteer's, DORF_ECONFLICT
 * ("parcel 7 is 'open'; it cannot become 'delivered'") for any other move, DORF_EIO.
 */
dorf_status dorf_store_parcel_release(dorf_store *store, int64_t volunteer_id, int64_t id,
                                      int64_t now);
dorf_status dorf_store_parcel_picked_up(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        int64_t now);
dorf_status dorf_store_parcel_delivered(dorf_store *store, int64_t volunteer_id, int64_t id,
                                        int64_t now);

/*
 * The location the store was opened at (its file, or its PostgreSQL location as given, which
 * may hold a password: pass it on, never print it), as the graph and hierarchy caches are
 * named (dorf_graph_open), so that a worker can plan on the region of its store.
 * DORF_EINVAL for a location of `size` bytes or more.
 */
dorf_status dorf_store_file_path(dorf_store *store, char *buf, size_t size);

#endif
