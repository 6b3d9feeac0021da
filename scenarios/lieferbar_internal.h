/*
 * lieferbar_internal.h: what the planner of a LieferBar day (lieferbar_plan.c) shares with
 * the code that turns the optimiser's solution into routes (lieferbar_routes.c).
 */
#ifndef DORF_LIEFERBAR_INTERNAL_H
#define DORF_LIEFERBAR_INTERNAL_H

#include "dorf/lieferbar.h"
#include "dorf/routing.h"

/* A day being planned: its locations, per-mode travel times and the optimiser's problem. */
struct planner {
    dorf_ctx *ctx;
    dorf_store *store;
    const char *db_path;
    const dorf_lieferbar_day *day;
    dorf_lieferbar_plan_options opt;
    dorf_lieferbar_plan *plan;

    /* Locations: distinct points, and where the day's points lie among them. */
    dorf_point *locs;
    size_t loc_count;
    uint32_t *pickup_loc;  /* [parcel_count] */
    uint32_t *dropoff_loc; /* [parcel_count] */
    uint32_t *home_loc;    /* [volunteer_count] */
    uint32_t *trip_loc;    /* [volunteer_count]; UINT32_MAX without a trip */

    /* Per mode some volunteer uses: its graph, hierarchy, snaps and matrix. */
    int profile_of[DORF_MODE_COUNT]; /* -1: mode not in use */
    size_t profile_count;
    dorf_mode mode_of[DORF_MODE_COUNT];
    dorf_graph *graph[DORF_MODE_COUNT];
    dorf_ch *ch[DORF_MODE_COUNT];
    dorf_snap *snap[DORF_MODE_COUNT];        /* [loc_count], by profile */
    unsigned char *snapped[DORF_MODE_COUNT]; /* [loc_count] */
    double *travel[DORF_MODE_COUNT];         /* [loc_count^2] */

    /* The problem. */
    unsigned char *usable;  /* [volunteer_count] */
    double *base_travel;    /* [volunteer_count] */
    unsigned char *no_road; /* [parcel_count] */
    dorf_vrp_task *tasks;
    uint32_t *task_parcel; /* [task_count]: parcel index, UINT32_MAX for a trip */
    dorf_vrp_request *requests;
    dorf_vrp_vehicle *vehicles;
    uint32_t *vehicle_volunteer; /* [vehicle_count] */
    dorf_vrp_problem problem;
};

/* Travel time in seconds from location a to b for profile `prof` (INFINITY: no way). */
static inline double lieferbar_travel(const struct planner *p, int prof, uint32_t a, uint32_t b) {
    return p->travel[prof][(size_t)a * p->loc_count + b];
}

/*
 * Fills p->plan from the optimiser's solution: a route with stops, times, detour and road
 * geometry for each volunteer who carries a parcel, and the parcels left unserved.
 * DORF_ENOMEM, or the errors of dorf_ch_route.
 */
dorf_status lieferbar_build_plan(struct planner *p, const dorf_vrp_solution *sol);

#endif
