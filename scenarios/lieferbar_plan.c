/*
 * lieferbar_plan.c: plans a LieferBar day (dorf/lieferbar.h) with the pickup-and-delivery
 * optimiser of dorf/vrp.h on the region's real travel times.
 *
 * Every distinct point of the day (homes, trip destinations, shops, households) becomes one
 * location. For each mode some volunteer uses, the locations are snapped to the mode's graph
 * and a full travel-time matrix comes from the contraction hierarchy (dorf_ch_matrix: n + n
 * bucket searches). The day then maps onto a dorf_vrp_problem as docs/routing.md describes
 * ("LieferBar on a region"): a volunteer is a vehicle starting and ending at home within
 * their availability, with their bag as capacity and their mode's matrix as profile; the trip
 * they make anyway is a single-task request bound to them; its travel plus the detour they
 * accept is their travel limit; a parcel is a required pickup-and-delivery request. The
 * optimiser's solution becomes routes in lieferbar_routes.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "lieferbar_internal.h"

#define DEFAULT_MAX_SNAP_M 500.0

/* A point of the day before deduplication: where, and which location it becomes. */
struct raw_point {
    double lon;
    double lat;
    uint32_t *location; /* where to write the location's index */
};

static int compare_raw(const void *a, const void *b) {
    const struct raw_point *p = a, *q = b;
    if (p->lon != q->lon) {
        return p->lon < q->lon ? -1 : 1;
    }
    if (p->lat != q->lat) {
        return p->lat < q->lat ? -1 : 1;
    }
    /* Ties in the order the points were listed, so that the numbering is reproducible. */
    return p->location < q->location ? -1 : p->location > q->location;
}

/* One location per distinct point of the day. */
static dorf_status collect_locations(struct planner *p) {
    const dorf_lieferbar_day *d = p->day;
    size_t n = 2 * d->parcel_count + 2 * d->volunteer_count;
    p->pickup_loc = dorf_malloc((d->parcel_count + 1) * sizeof *p->pickup_loc);
    p->dropoff_loc = dorf_malloc((d->parcel_count + 1) * sizeof *p->dropoff_loc);
    p->home_loc = dorf_malloc((d->volunteer_count + 1) * sizeof *p->home_loc);
    p->trip_loc = dorf_malloc((d->volunteer_count + 1) * sizeof *p->trip_loc);
    p->locs = dorf_malloc((n + 1) * sizeof *p->locs);
    struct raw_point *raw = dorf_malloc((n + 1) * sizeof *raw);
    if (!p->pickup_loc || !p->dropoff_loc || !p->home_loc || !p->trip_loc || !p->locs || !raw) {
        dorf_free(raw);
        return dorf_fail(p->ctx, DORF_ENOMEM, "out of memory listing places");
    }
    size_t k = 0;
    for (size_t i = 0; i < d->volunteer_count; i++) {
        const dorf_lieferbar_volunteer *v = &d->volunteers[i];
        raw[k++] = (struct raw_point){v->home_lon_deg, v->home_lat_deg, &p->home_loc[i]};
        p->trip_loc[i] = UINT32_MAX;
        if (v->has_trip) {
            raw[k++] = (struct raw_point){v->trip_lon_deg, v->trip_lat_deg, &p->trip_loc[i]};
        }
    }
    for (size_t i = 0; i < d->parcel_count; i++) {
        const dorf_lieferbar_parcel *pc = &d->parcels[i];
        raw[k++] = (struct raw_point){pc->pickup_lon_deg, pc->pickup_lat_deg, &p->pickup_loc[i]};
        raw[k++] = (struct raw_point){pc->dropoff_lon_deg, pc->dropoff_lat_deg, &p->dropoff_loc[i]};
    }
    qsort(raw, k, sizeof *raw, compare_raw);
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || raw[i].lon != raw[i - 1].lon || raw[i].lat != raw[i - 1].lat) {
            p->locs[p->loc_count++] = (dorf_point){raw[i].lon, raw[i].lat};
        }
        *raw[i].location = (uint32_t)(p->loc_count - 1);
    }
    dorf_free(raw);
    return DORF_OK;
}

/* Opens the graph and hierarchy of each mode in use, snaps the locations, fills the matrix. */
static dorf_status prepare_mode(struct planner *p, int prof) {
    dorf_ctx *ctx = p->ctx;
    dorf_mode mode = p->mode_of[prof];
    size_t n = p->loc_count;
    dorf_status st = dorf_graph_open(ctx, p->store, p->db_path, mode, &p->graph[prof]);
    if (st == DORF_OK) {
        st = dorf_ch_open(ctx, p->graph[prof], p->db_path, &p->ch[prof]);
    }
    if (st != DORF_OK) {
        return st;
    }
    if (n > 0 && n > SIZE_MAX / sizeof(double) / n) {
        return dorf_fail(ctx, DORF_EINVAL, "%zu places are too many for a travel-time matrix", n);
    }
    p->snap[prof] = dorf_malloc((n + 1) * sizeof *p->snap[prof]);
    p->snapped[prof] = dorf_calloc(n + 1, 1);
    p->travel[prof] = dorf_malloc((n * n + 1) * sizeof(double));
    dorf_snap *sub = dorf_malloc((n + 1) * sizeof *sub);
    uint32_t *sub_loc = dorf_malloc((n + 1) * sizeof *sub_loc);
    double *times = NULL;
    if (!p->snap[prof] || !p->snapped[prof] || !p->travel[prof] || !sub || !sub_loc) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for the %s travel times",
                       dorf_mode_name(mode));
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        st = dorf_graph_snap(ctx, p->graph[prof], p->locs[i].lon_deg, p->locs[i].lat_deg,
                             p->opt.max_snap_m, &p->snap[prof][i]);
        if (st == DORF_ENOTFOUND) {
            dorf_ctx_clear_error(ctx);
            st = DORF_OK;
            continue;
        }
        if (st != DORF_OK) {
            goto done;
        }
        p->snapped[prof][i] = 1;
        sub[m] = p->snap[prof][i];
        sub_loc[m++] = (uint32_t)i;
    }
    for (size_t i = 0; i < n * n; i++) {
        p->travel[prof][i] = INFINITY;
    }
    for (size_t i = 0; i < n; i++) {
        p->travel[prof][i * n + i] = 0;
    }
    if (m > 0) {
        if (!(times = dorf_malloc(m * m * sizeof *times))) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for the %s travel times",
                           dorf_mode_name(mode));
            goto done;
        }
        if ((st = dorf_ch_matrix(ctx, p->ch[prof], sub, m, sub, m, times)) != DORF_OK) {
            goto done;
        }
        for (size_t i = 0; i < m; i++) {
            for (size_t j = 0; j < m; j++) {
                p->travel[prof][(size_t)sub_loc[i] * n + sub_loc[j]] =
                    i == j ? 0 : times[i * m + j];
            }
        }
    }
done:
    dorf_free(times);
    dorf_free(sub);
    dorf_free(sub_loc);
    return st;
}

/* Decides which volunteers can take part, and the travel of their own trips. */
static void check_volunteers(struct planner *p) {
    const dorf_lieferbar_day *d = p->day;
    for (size_t i = 0; i < d->volunteer_count; i++) {
        const dorf_lieferbar_volunteer *v = &d->volunteers[i];
        int prof = p->profile_of[v->mode];
        uint32_t home = p->home_loc[i], trip = p->trip_loc[i];
        const char *why = NULL;
        if (!p->snapped[prof][home]) {
            why = "their home is not near a road";
        } else if (v->has_trip && !p->snapped[prof][trip]) {
            why = "the destination of their trip is not near a road";
        } else if (v->has_trip) {
            double out = lieferbar_travel(p, prof, home, trip),
                   back = lieferbar_travel(p, prof, trip, home);
            double arrive = fmax(v->available_from_s + out, v->trip_from_s);
            if (isinf(out) || isinf(back)) {
                why = "the destination of their trip cannot be reached";
            } else if (arrive > v->trip_until_s ||
                       arrive + v->trip_stay_s + back > v->available_until_s) {
                why = "their trip does not fit into their time";
            } else {
                p->base_travel[i] = out + back;
            }
        }
        if (why) {
            dorf_log(p->ctx, DORF_LOG_WARN, "volunteer %u (%s) cannot take part: %s", v->id,
                     dorf_mode_name(v->mode), why);
            p->plan->volunteers_unusable++;
        } else {
            p->usable[i] = 1;
        }
    }
}

/* Marks parcels whose shop or household no usable volunteer's mode reaches. */
static void check_parcels(struct planner *p) {
    const dorf_lieferbar_day *d = p->day;
    int mode_usable[DORF_MODE_COUNT] = {0};
    for (size_t i = 0; i < d->volunteer_count; i++) {
        mode_usable[d->volunteers[i].mode] |= p->usable[i];
    }
    for (size_t i = 0; i < d->parcel_count; i++) {
        int reachable = 0, any_mode = 0;
        for (int m = 0; m < DORF_MODE_COUNT; m++) {
            int prof = p->profile_of[m];
            if (prof < 0 || !mode_usable[m]) {
                continue;
            }
            any_mode = 1;
            reachable |= p->snapped[prof][p->pickup_loc[i]] && p->snapped[prof][p->dropoff_loc[i]];
        }
        if (any_mode && !reachable) {
            const dorf_lieferbar_parcel *pc = &d->parcels[i];
            dorf_log(p->ctx, DORF_LOG_WARN,
                     "parcel %u (%s to household %u): the shop or the household lies more than "
                     "%.0f m from the roads of every mode in use; left unserved",
                     pc->id, pc->shop_name, pc->household, p->opt.max_snap_m);
            p->no_road[i] = 1;
        }
    }
}

static dorf_status build_problem(struct planner *p) {
    const dorf_lieferbar_day *d = p->day;
    size_t np = d->parcel_count, nv = d->volunteer_count;
    p->tasks = dorf_calloc(2 * np + nv + 1, sizeof *p->tasks);
    p->task_parcel = dorf_calloc(2 * np + nv + 1, sizeof *p->task_parcel);
    p->requests = dorf_calloc(np + nv + 1, sizeof *p->requests);
    p->vehicles = dorf_calloc(nv + 1, sizeof *p->vehicles);
    p->vehicle_volunteer = dorf_calloc(nv + 1, sizeof *p->vehicle_volunteer);
    if (!p->tasks || !p->task_parcel || !p->requests || !p->vehicles || !p->vehicle_volunteer) {
        return dorf_fail(p->ctx, DORF_ENOMEM, "out of memory building the problem");
    }
    size_t nt = 0, nr = 0, nveh = 0;
    for (size_t i = 0; i < nv; i++) {
        const dorf_lieferbar_volunteer *v = &d->volunteers[i];
        if (!p->usable[i]) {
            continue;
        }
        dorf_vrp_vehicle *veh = &p->vehicles[nveh];
        veh->id = v->id;
        veh->start = veh->end = p->home_loc[i];
        veh->earliest = v->available_from_s;
        veh->latest = v->available_until_s;
        veh->capacity = v->capacity;
        veh->profile = (uint32_t)p->profile_of[v->mode];
        veh->max_travel = p->base_travel[i] + v->max_detour_s;
        p->vehicle_volunteer[nveh] = (uint32_t)i;
        if (v->has_trip) {
            p->tasks[nt] = (dorf_vrp_task){(uint32_t)nt,   p->trip_loc[i],  0,
                                           v->trip_from_s, v->trip_until_s, v->trip_stay_s};
            p->task_parcel[nt] = UINT32_MAX;
            p->requests[nr++] = (dorf_vrp_request){(uint32_t)nt, DORF_VRP_NONE, 0, (uint32_t)nveh};
            nt++;
        }
        nveh++;
    }
    for (size_t i = 0; i < np; i++) {
        const dorf_lieferbar_parcel *pc = &d->parcels[i];
        if (p->no_road[i]) {
            continue;
        }
        p->tasks[nt] =
            (dorf_vrp_task){(uint32_t)nt, p->pickup_loc[i],   pc->size,
                            pc->ready_s,  pc->pickup_until_s, DORF_LIEFERBAR_PICKUP_SERVICE_S};
        p->tasks[nt + 1] = (dorf_vrp_task){(uint32_t)nt + 1,    p->dropoff_loc[i],
                                           -pc->size,           pc->dropoff_from_s,
                                           pc->dropoff_until_s, DORF_LIEFERBAR_DROPOFF_SERVICE_S};
        p->task_parcel[nt] = p->task_parcel[nt + 1] = (uint32_t)i;
        p->requests[nr++] = (dorf_vrp_request){(uint32_t)nt, (uint32_t)nt + 1, 0, DORF_VRP_NONE};
        nt += 2;
    }
    p->problem.location_count = p->loc_count;
    p->problem.profile_count = p->profile_count;
    p->problem.travel = (const double *const *)p->travel;
    p->problem.tasks = p->tasks;
    p->problem.task_count = nt;
    p->problem.requests = p->requests;
    p->problem.request_count = nr;
    p->problem.vehicles = p->vehicles;
    p->problem.vehicle_count = nveh;
    return DORF_OK;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static dorf_status solve(struct planner *p) {
    dorf_vrp_solution sol = {0};
    dorf_status st = DORF_OK;
    if (p->problem.vehicle_count > 0 && p->problem.request_count > 0) {
        if (dorf_ctx_interrupted(p->ctx)) {
            return dorf_fail(p->ctx, DORF_EINTR, "interrupted");
        }
        dorf_vrp_options vo = {0};
        vo.time_limit_s = p->opt.time_limit_s;
        vo.max_iterations = p->opt.max_iterations;
        vo.seed = p->opt.seed;
        vo.stats = &p->plan->stats;
        double t0 = now_s();
        st = dorf_vrp_solve(p->ctx, &p->problem, &vo, &sol);
        p->plan->optimiser_s = now_s() - t0;
        p->plan->interrupted = p->plan->stats.interrupted;
    }
    if (st == DORF_OK) {
        st = lieferbar_build_plan(p, &sol);
    }
    dorf_vrp_solution_release(&sol);
    return st;
}

static void planner_release(struct planner *p) {
    for (size_t i = 0; i < p->profile_count; i++) {
        dorf_free(p->travel[i]);
        dorf_free(p->snap[i]);
        dorf_free(p->snapped[i]);
        dorf_ch_free(p->ch[i]);
        dorf_graph_free(p->graph[i]);
    }
    dorf_free(p->locs);
    dorf_free(p->pickup_loc);
    dorf_free(p->dropoff_loc);
    dorf_free(p->home_loc);
    dorf_free(p->trip_loc);
    dorf_free(p->usable);
    dorf_free(p->base_travel);
    dorf_free(p->no_road);
    dorf_free(p->tasks);
    dorf_free(p->task_parcel);
    dorf_free(p->requests);
    dorf_free(p->vehicles);
    dorf_free(p->vehicle_volunteer);
}

dorf_status dorf_lieferbar_plan_day(dorf_ctx *ctx, dorf_store *store, const char *db_path,
                                    const dorf_lieferbar_day *day,
                                    const dorf_lieferbar_plan_options *options,
                                    dorf_lieferbar_plan **out) {
    *out = NULL;
    struct planner p = {0};
    p.ctx = ctx;
    p.store = store;
    p.db_path = db_path;
    p.day = day;
    if (options) {
        p.opt = *options;
    }
    if (!(p.opt.max_snap_m > 0)) {
        p.opt.max_snap_m = DEFAULT_MAX_SNAP_M;
    }
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        p.profile_of[m] = -1;
    }
    /* One profile per mode in use, in the order walk, bike, car. */
    for (int m = 0; m < DORF_MODE_COUNT; m++) {
        for (size_t i = 0; i < day->volunteer_count && p.profile_of[m] < 0; i++) {
            if (day->volunteers[i].mode == (dorf_mode)m) {
                p.profile_of[m] = (int)p.profile_count;
                p.mode_of[p.profile_count++] = (dorf_mode)m;
            }
        }
    }
    dorf_status st = DORF_OK;
    dorf_lieferbar_plan *plan = dorf_calloc(1, sizeof *plan);
    if (!plan || !(plan->arena = dorf_arena_new())) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory planning");
        goto fail;
    }
    plan->day = day;
    p.plan = plan;
    p.usable = dorf_calloc(day->volunteer_count + 1, 1);
    p.base_travel = dorf_calloc(day->volunteer_count + 1, sizeof *p.base_travel);
    p.no_road = dorf_calloc(day->parcel_count + 1, 1);
    if (!p.usable || !p.base_travel || !p.no_road) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory planning");
        goto fail;
    }
    if ((st = collect_locations(&p)) != DORF_OK) {
        goto fail;
    }
    for (size_t prof = 0; prof < p.profile_count; prof++) {
        dorf_progress(ctx, "travel times", prof, p.profile_count);
        if ((st = prepare_mode(&p, (int)prof)) != DORF_OK) {
            goto fail;
        }
    }
    dorf_progress(ctx, "travel times", p.profile_count, p.profile_count);
    check_volunteers(&p);
    check_parcels(&p);
    if ((st = build_problem(&p)) != DORF_OK || (st = solve(&p)) != DORF_OK) {
        goto fail;
    }
    planner_release(&p);
    *out = plan;
    return DORF_OK;
fail:
    planner_release(&p);
    dorf_lieferbar_plan_free(plan);
    return st;
}

void dorf_lieferbar_plan_free(dorf_lieferbar_plan *plan) {
    if (plan) {
        dorf_arena_free(plan->arena);
        dorf_free(plan);
    }
}
