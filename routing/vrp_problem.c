/*
 * vrp_problem.c: what makes a pickup-and-delivery problem well formed, and the ranking and
 * release of plans (dorf/vrp.h). Everything the optimisers assume of a problem is checked
 * here once, so that they can index without checks of their own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/vrp.h"

static int valid_time(double t) {
    return !isnan(t) && t > -INFINITY;
}

static dorf_status check_task(dorf_ctx *ctx, const dorf_vrp_problem *p, size_t t) {
    const dorf_vrp_task *task = &p->tasks[t];
    if (task->location >= p->location_count)
        return dorf_fail(ctx, DORF_EINVAL, "task %zu (id %u): location %u out of range (%zu)", t,
                         task->id, task->location, p->location_count);
    if (!valid_time(task->earliest) || !valid_time(task->latest) || task->earliest > task->latest ||
        isinf(task->earliest))
        return dorf_fail(ctx, DORF_EINVAL, "task %zu (id %u): time window [%g, %g] is not valid", t,
                         task->id, task->earliest, task->latest);
    if (!(task->service >= 0) || isinf(task->service))
        return dorf_fail(ctx, DORF_EINVAL, "task %zu (id %u): service time %g is not valid", t,
                         task->id, task->service);
    return DORF_OK;
}

static dorf_status check_vehicle(dorf_ctx *ctx, const dorf_vrp_problem *p, size_t v) {
    const dorf_vrp_vehicle *veh = &p->vehicles[v];
    if (veh->start >= p->location_count || veh->end >= p->location_count)
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): start or end out of range", v,
                         veh->id);
    if (veh->profile >= p->profile_count)
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): profile %u out of range (%zu)", v,
                         veh->id, veh->profile, p->profile_count);
    if (!valid_time(veh->earliest) || !valid_time(veh->latest) || veh->earliest > veh->latest ||
        isinf(veh->earliest))
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): window [%g, %g] is not valid", v,
                         veh->id, veh->earliest, veh->latest);
    if (veh->capacity < 0)
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): negative capacity", v, veh->id);
    if (isnan(veh->max_travel) || veh->max_travel < 0)
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): travel limit %g is not valid", v,
                         veh->id, veh->max_travel);
    if (veh->fixed_count > 0 && !veh->fixed)
        return dorf_fail(ctx, DORF_EINVAL, "vehicle %zu (id %u): fixed tasks missing", v, veh->id);
    return DORF_OK;
}

dorf_status dorf_vrp_problem_check(dorf_ctx *ctx, const dorf_vrp_problem *p) {
    if (!p || (p->task_count && !p->tasks) || (p->request_count && !p->requests) ||
        (p->vehicle_count && !p->vehicles) || (p->profile_count && !p->travel))
        return dorf_fail(ctx, DORF_EINVAL, "problem: missing arrays");
    if (p->location_count == 0 || p->profile_count == 0)
        return dorf_fail(ctx, DORF_EINVAL, "problem: no locations or no travel-time matrix");
    if (p->task_count >= DORF_VRP_NONE || p->vehicle_count >= DORF_VRP_NONE ||
        p->location_count > 65536)
        return dorf_fail(ctx, DORF_EINVAL, "problem: too large");
    size_t n = p->location_count;
    for (size_t pr = 0; pr < p->profile_count; pr++) {
        if (!p->travel[pr])
            return dorf_fail(ctx, DORF_EINVAL, "problem: travel-time matrix %zu missing", pr);
        for (size_t i = 0; i < n * n; i++) {
            double t = p->travel[pr][i];
            if (isnan(t) || t < 0)
                return dorf_fail(ctx, DORF_EINVAL,
                                 "problem: travel time %g from location %zu to %zu (profile %zu) "
                                 "is not valid",
                                 t, i / n, i % n, pr);
        }
    }
    for (size_t t = 0; t < p->task_count; t++) {
        dorf_status s = check_task(ctx, p, t);
        if (s)
            return s;
    }
    for (size_t v = 0; v < p->vehicle_count; v++) {
        dorf_status s = check_vehicle(ctx, p, v);
        if (s)
            return s;
    }

    /* Every task in exactly one request; every fixed task in exactly one vehicle. */
    uint32_t *owner = dorf_malloc(p->task_count ? p->task_count * sizeof *owner : 1);
    uint32_t *fixed_by = dorf_malloc(p->task_count ? p->task_count * sizeof *fixed_by : 1);
    dorf_status status = DORF_OK;
    if (!owner || !fixed_by) {
        status = dorf_fail(ctx, DORF_ENOMEM, "checking the problem: out of memory");
        goto done;
    }
    memset(owner, 0xff, p->task_count * sizeof *owner);
    memset(fixed_by, 0xff, p->task_count * sizeof *fixed_by);
    for (size_t r = 0; r < p->request_count; r++) {
        const dorf_vrp_request *req = &p->requests[r];
        uint32_t ends[2] = {req->pickup, req->delivery};
        for (int k = 0; k < 2; k++) {
            if (k == 1 && ends[k] == DORF_VRP_NONE)
                continue;
            if (ends[k] >= p->task_count) {
                status =
                    dorf_fail(ctx, DORF_EINVAL, "request %zu: task %u out of range", r, ends[k]);
                goto done;
            }
            if (owner[ends[k]] != DORF_VRP_NONE) {
                status = dorf_fail(ctx, DORF_EINVAL,
                                   "request %zu: task %u (id %u) already belongs to request %u", r,
                                   ends[k], p->tasks[ends[k]].id, owner[ends[k]]);
                goto done;
            }
            owner[ends[k]] = (uint32_t)r;
        }
        if (req->delivery != DORF_VRP_NONE) {
            int32_t up = p->tasks[req->pickup].demand;
            int32_t down = p->tasks[req->delivery].demand;
            if (up < 0 || (int64_t)up + down != 0) {
                status =
                    dorf_fail(ctx, DORF_EINVAL,
                              "request %zu: pickup (id %u) loads %d but delivery (id %u) "
                              "unloads %d",
                              r, p->tasks[req->pickup].id, up, p->tasks[req->delivery].id, -down);
                goto done;
            }
        }
        if (isnan(req->penalty) || req->penalty < 0 || isinf(req->penalty)) {
            status = dorf_fail(ctx, DORF_EINVAL, "request %zu: penalty %g is not valid", r,
                               req->penalty);
            goto done;
        }
        if (req->vehicle != DORF_VRP_NONE && req->vehicle >= p->vehicle_count) {
            status = dorf_fail(ctx, DORF_EINVAL, "request %zu: vehicle %u out of range", r,
                               req->vehicle);
            goto done;
        }
    }
    for (size_t t = 0; t < p->task_count; t++) {
        if (owner[t] == DORF_VRP_NONE) {
            status = dorf_fail(ctx, DORF_EINVAL, "task %zu (id %u) belongs to no request", t,
                               p->tasks[t].id);
            goto done;
        }
    }
    for (size_t v = 0; v < p->vehicle_count; v++) {
        const dorf_vrp_vehicle *veh = &p->vehicles[v];
        for (size_t i = 0; i < veh->fixed_count; i++) {
            uint32_t t = veh->fixed[i];
            if (t >= p->task_count) {
                status =
                    dorf_fail(ctx, DORF_EINVAL, "vehicle %zu: fixed task %u out of range", v, t);
                goto done;
            }
            if (fixed_by[t] != DORF_VRP_NONE) {
                status = dorf_fail(ctx, DORF_EINVAL, "task %u (id %u) is fixed twice", t,
                                   p->tasks[t].id);
                goto done;
            }
            fixed_by[t] = (uint32_t)v;
            const dorf_vrp_request *req = &p->requests[owner[t]];
            if (req->vehicle != DORF_VRP_NONE && req->vehicle != v) {
                status = dorf_fail(ctx, DORF_EINVAL,
                                   "task %u (id %u) is fixed in vehicle %zu but its request is "
                                   "bound to vehicle %u",
                                   t, p->tasks[t].id, v, req->vehicle);
                goto done;
            }
            if (req->delivery == t && fixed_by[req->pickup] != v) {
                status = dorf_fail(ctx, DORF_EINVAL,
                                   "vehicle %zu: delivery %u (id %u) is fixed before its pickup", v,
                                   t, p->tasks[t].id);
                goto done;
            }
        }
    }
done:
    dorf_free(owner);
    dorf_free(fixed_by);
    return status;
}

void dorf_vrp_solution_release(dorf_vrp_solution *solution) {
    if (!solution)
        return;
    for (size_t i = 0; i < solution->route_count; i++) {
        dorf_free(solution->routes[i].tasks);
        dorf_free(solution->routes[i].service_start);
    }
    dorf_free(solution->routes);
    dorf_free(solution->unserved);
    memset(solution, 0, sizeof *solution);
}

int dorf_vrp_solution_compare(const dorf_vrp_solution *a, const dorf_vrp_solution *b,
                              double cost_tolerance) {
    if (a->unserved_required != b->unserved_required)
        return a->unserved_required < b->unserved_required ? -1 : 1;
    if (a->vehicles_used != b->vehicles_used)
        return a->vehicles_used < b->vehicles_used ? -1 : 1;
    if (fabs(a->cost - b->cost) <= cost_tolerance)
        return 0;
    return a->cost < b->cost ? -1 : 1;
}
