/*
 * lieferbar_routes.c: a LieferBar plan from the optimiser's solution (dorf/lieferbar.h): the
 * stops of each volunteer's route with their times, the route's travel and detour, and its
 * road geometry, leg by leg from dorf_ch_route on the mode's hierarchy; the parcels left
 * unserved; and the names of stop kinds and reasons.
 */
#include <math.h>
#include <string.h>

#include "dorf/alloc.h"
#include "lieferbar_internal.h"

const char *dorf_lieferbar_stop_kind_name(dorf_lieferbar_stop_kind kind) {
    switch (kind) {
    case DORF_LIEFERBAR_PICKUP:
        return "pickup";
    case DORF_LIEFERBAR_DROPOFF:
        return "dropoff";
    case DORF_LIEFERBAR_TRIP:
        return "trip";
    }
    return "?";
}

const char *dorf_lieferbar_unserved_reason_name(dorf_lieferbar_unserved_reason reason) {
    return reason == DORF_LIEFERBAR_NO_ROAD ? "no road nearby" : "unserved";
}

/* Appends the road geometry from location a to b to the route's shape (grown in `buf`). */
static dorf_status append_leg(struct planner *p, int prof, dorf_ch_router *router, uint32_t a,
                              uint32_t b, dorf_point **buf, size_t *count, size_t *cap) {
    if (a == b) {
        return DORF_OK;
    }
    dorf_route leg = {0};
    dorf_status st = dorf_ch_route(router, &p->snap[prof][a], &p->snap[prof][b], NULL, &leg);
    if (st != DORF_OK) {
        return st;
    }
    size_t skip = *count > 0 && leg.point_count > 0 &&
                  (*buf)[*count - 1].lon_deg == leg.points[0].lon_deg &&
                  (*buf)[*count - 1].lat_deg == leg.points[0].lat_deg;
    if (dorf_grow((void **)buf, cap, *count + leg.point_count, sizeof **buf) != 0) {
        dorf_route_release(&leg);
        return dorf_fail(p->ctx, DORF_ENOMEM, "out of memory drawing routes");
    }
    memcpy(*buf + *count, leg.points + skip, (leg.point_count - skip) * sizeof **buf);
    *count += leg.point_count - skip;
    dorf_route_release(&leg);
    return DORF_OK;
}

/* Turns one route of the solution into stops and a shape. `out` is zeroed. */
static dorf_status make_route(struct planner *p, const dorf_vrp_route *vr, dorf_ch_router *router,
                              dorf_lieferbar_route *out) {
    const dorf_lieferbar_day *d = p->day;
    uint32_t vi = p->vehicle_volunteer[vr->vehicle];
    const dorf_lieferbar_volunteer *v = &d->volunteers[vi];
    int prof = p->profile_of[v->mode];
    dorf_arena *arena = p->plan->arena;
    out->volunteer = vi;
    out->stops = dorf_arena_alloc(arena, (vr->task_count + 1) * sizeof *out->stops);
    if (!out->stops) {
        return dorf_fail(p->ctx, DORF_ENOMEM, "out of memory building the plan");
    }
    uint32_t at = p->home_loc[vi];
    int32_t load = 0;
    /* The optimiser's schedule leaves as early as it may; no one wants to wait at the first
     * stop, so leave just in time for it (every service start stays as planned). */
    out->departure_s = vr->departure;
    if (vr->task_count > 0) {
        double first =
            vr->service_start[0] - lieferbar_travel(p, prof, at, p->tasks[vr->tasks[0]].location);
        out->departure_s = fmax(vr->departure, first);
    }
    double leave = out->departure_s;
    for (size_t k = 0; k < vr->task_count; k++) {
        const dorf_vrp_task *t = &p->tasks[vr->tasks[k]];
        uint32_t parcel = p->task_parcel[vr->tasks[k]];
        dorf_lieferbar_stop *s = &out->stops[out->stop_count++];
        double leg = lieferbar_travel(p, prof, at, t->location);
        out->travel_s += leg;
        s->arrival_s = leave + leg;
        s->service_start_s = vr->service_start[k];
        s->service_s = t->service;
        s->parcel = parcel;
        load += t->demand;
        s->load = load;
        if (parcel == UINT32_MAX) {
            s->kind = DORF_LIEFERBAR_TRIP;
            s->name = v->trip_name;
            s->lon_deg = v->trip_lon_deg;
            s->lat_deg = v->trip_lat_deg;
            out->base_travel_s = p->base_travel[vi];
        } else if (t->demand > 0) {
            s->kind = DORF_LIEFERBAR_PICKUP;
            s->name = d->parcels[parcel].shop_name;
            s->lon_deg = d->parcels[parcel].pickup_lon_deg;
            s->lat_deg = d->parcels[parcel].pickup_lat_deg;
            out->parcel_count++;
        } else {
            s->kind = DORF_LIEFERBAR_DROPOFF;
            s->lon_deg = d->parcels[parcel].dropoff_lon_deg;
            s->lat_deg = d->parcels[parcel].dropoff_lat_deg;
        }
        leave = s->service_start_s + s->service_s;
        at = t->location;
    }
    double back = lieferbar_travel(p, prof, at, p->home_loc[vi]);
    out->travel_s += back;
    out->return_s = leave + back;
    out->detour_s = out->travel_s - out->base_travel_s;

    /* The road geometry, leg by leg. */
    dorf_point *buf = NULL;
    size_t count = 0, cap = 0;
    dorf_status st = DORF_OK;
    at = p->home_loc[vi];
    for (size_t k = 0; k <= vr->task_count && st == DORF_OK; k++) {
        uint32_t next = k < vr->task_count ? p->tasks[vr->tasks[k]].location : p->home_loc[vi];
        st = append_leg(p, prof, router, at, next, &buf, &count, &cap);
        at = next;
    }
    if (st == DORF_OK && count > 0) {
        out->shape = dorf_arena_alloc(arena, count * sizeof *out->shape);
        if (!out->shape) {
            st = dorf_fail(p->ctx, DORF_ENOMEM, "out of memory building the plan");
        } else {
            memcpy(out->shape, buf, count * sizeof *buf);
            out->shape_count = count;
        }
    }
    dorf_free(buf);
    return st;
}

static int route_has_parcel(const struct planner *p, const dorf_vrp_route *r) {
    for (size_t k = 0; k < r->task_count; k++) {
        if (p->task_parcel[r->tasks[k]] != UINT32_MAX) {
            return 1;
        }
    }
    return 0;
}

/*
 * A volunteer's own trip is bound to them and required, so the optimiser makes it whenever
 * it can, and it always can alone (check_volunteers). Should a plan still leave it out, the
 * route is a tour of its own besides the trip: kept when its whole travel is within the
 * detour accepted, else dropped (its parcels stay unserved), so that no route ever asks more
 * of a volunteer than they offered.
 */
static int keep_route(struct planner *p, const dorf_lieferbar_route *route) {
    const dorf_lieferbar_volunteer *v = &p->day->volunteers[route->volunteer];
    int trip = 0;
    for (size_t k = 0; k < route->stop_count; k++) {
        trip |= route->stops[k].kind == DORF_LIEFERBAR_TRIP;
    }
    if (!v->has_trip || trip) {
        return 1;
    }
    int keep = route->travel_s <= v->max_detour_s + 1e-6;
    dorf_log(p->ctx, DORF_LOG_WARN,
             "volunteer %u: the optimiser left out their own trip; %s their %zu parcels", v->id,
             keep ? "they carry" : "dropped", route->parcel_count);
    return keep;
}

/* Fills the plan from the optimiser's solution. */
dorf_status lieferbar_build_plan(struct planner *p, const dorf_vrp_solution *sol) {
    const dorf_lieferbar_day *d = p->day;
    dorf_lieferbar_plan *plan = p->plan;
    dorf_ch_router *routers[DORF_MODE_COUNT] = {NULL};
    unsigned char *served = dorf_calloc(d->parcel_count + 1, 1);
    plan->routes = dorf_arena_alloc(plan->arena, (sol->route_count + 1) * sizeof *plan->routes);
    plan->unserved = dorf_arena_alloc(plan->arena, (d->parcel_count + 1) * sizeof *plan->unserved);
    dorf_status st = DORF_OK;
    if (!served || !plan->routes || !plan->unserved) {
        st = dorf_fail(p->ctx, DORF_ENOMEM, "out of memory building the plan");
    }
    for (size_t r = 0; st == DORF_OK && r < sol->route_count; r++) {
        const dorf_vrp_route *vr = &sol->routes[r];
        if (!route_has_parcel(p, vr)) {
            continue;
        }
        dorf_progress(p->ctx, "drawing routes", r, sol->route_count);
        int prof = p->profile_of[d->volunteers[p->vehicle_volunteer[vr->vehicle]].mode];
        if (!routers[prof]) {
            st = dorf_ch_router_new(p->ctx, p->ch[prof], &routers[prof]);
        }
        dorf_lieferbar_route *route = &plan->routes[plan->route_count];
        memset(route, 0, sizeof *route); /* a dropped route may have left its slot used */
        if (st != DORF_OK || (st = make_route(p, vr, routers[prof], route)) != DORF_OK) {
            break;
        }
        if (!keep_route(p, route)) {
            continue;
        }
        plan->route_count++;
        for (size_t k = 0; k < route->stop_count; k++) {
            if (route->stops[k].kind == DORF_LIEFERBAR_DROPOFF) {
                served[route->stops[k].parcel] = 1;
            }
        }
        plan->travel_s += route->travel_s;
        plan->detour_s += route->detour_s;
    }
    for (size_t i = 0; st == DORF_OK && i < d->parcel_count; i++) {
        if (served[i]) {
            plan->parcels_served++;
        } else {
            plan->unserved[plan->unserved_count++] = (dorf_lieferbar_unserved){
                (uint32_t)i, p->no_road[i] ? DORF_LIEFERBAR_NO_ROAD : DORF_LIEFERBAR_NOT_PLANNED};
        }
    }
    plan->volunteers_used = plan->route_count;
    if (st == DORF_OK) {
        dorf_progress(p->ctx, "drawing routes", sol->route_count, sol->route_count);
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        dorf_ch_router_free(routers[m]);
    }
    dorf_free(served);
    return st;
}
