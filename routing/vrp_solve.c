/*
 * vrp_solve.c: dorf_vrp_solve(), the optimiser's driver (dorf/vrp.h).
 *
 * The budget is spent in three parts. First a plan is built (or taken from the caller for
 * re-optimisation) and the search tries to serve everything with fewer vehicles, one route
 * at a time, for up to half the budget. Then it lowers travel with the vehicle count fixed,
 * pausing twice to let GLPK recombine the pooled routes (vrp_pool.c) and continuing from the
 * result. The last slice of the budget is a final recombination. With an iteration limit
 * instead of a time limit every step is counted in iterations, so a seed gives one result.
 */
#include <math.h>
#include <string.h>

#include "dorf/alloc.h"
#include "vrp_internal.h"
#include "vrp_search.h"

/* Routes kept for set partitioning: enough for the recombination to matter, few enough for
   GLPK to branch over in a second or two. */
#define POOL_ROUTES 40000

typedef struct solve_state {
    dorf_ctx *ctx;
    double started;
    double budget;
    int interrupted;
    double last_progress;
} solve_state;

static int should_stop(void *user) {
    solve_state *st = user;
    double now = vrp_now();
    if (now - st->last_progress >= 0.2) {
        st->last_progress = now;
        double done = (now - st->started) * 1000, total = st->budget * 1000;
        dorf_progress(st->ctx, "optimising", (uint64_t)(done < total ? done : total),
                      (uint64_t)total);
    }
    if (dorf_ctx_interrupted(st->ctx))
        st->interrupted = 1;
    return st->interrupted;
}

/* The caller's plan as a starting point: each route as far as it is still feasible. */
static dorf_status plan_from_solution(dorf_ctx *ctx, const vrp_model *m,
                                      const dorf_vrp_solution *sol, vrp_plan *plan) {
    uint8_t *seen = dorf_calloc(m->task_count + 1, 1);
    uint32_t *tasks = dorf_malloc((m->task_count + 1) * sizeof *tasks);
    dorf_status st = DORF_OK;
    if (!seen || !tasks) {
        st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
        goto done;
    }
    for (uint32_t v = 0; v < m->vehicle_count; v++)
        if (vrp_route_place_fixed(m, plan, v) < 0) {
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
            goto done;
        }
    for (size_t i = 0; i < sol->route_count; i++) {
        const dorf_vrp_route *route = &sol->routes[i];
        if (route->vehicle >= m->vehicle_count) {
            st = dorf_fail(ctx, DORF_EINVAL, "initial plan: route %zu has no vehicle %u", i + 1,
                           route->vehicle);
            goto done;
        }
        const dorf_vrp_vehicle *veh = &m->problem->vehicles[route->vehicle];
        uint32_t n = 0;
        for (size_t k = 0; k < veh->fixed_count; k++) {
            tasks[n++] = veh->fixed[k];
            seen[veh->fixed[k]] = 1;
        }
        for (size_t k = 0; k < route->task_count; k++) {
            uint32_t t = route->tasks[k];
            if (t >= m->task_count) {
                st =
                    dorf_fail(ctx, DORF_EINVAL, "initial plan: route %zu has no task %u", i + 1, t);
                goto done;
            }
            if (seen[t])
                continue; /* a fixed task, placed first already */
            uint32_t q = m->request_of[t];
            /* Keep a request only whole and where it is allowed. */
            if (m->bound[q] != DORF_VRP_NONE && m->bound[q] != route->vehicle)
                continue;
            int whole = 1;
            uint32_t other = m->problem->requests[q].pickup == t ? m->problem->requests[q].delivery
                                                                 : m->problem->requests[q].pickup;
            if (other != DORF_VRP_NONE && !seen[other]) {
                whole = 0;
                for (size_t j = 0; j < route->task_count; j++)
                    whole |= route->tasks[j] == other;
            }
            if (!whole)
                continue;
            seen[t] = 1;
            tasks[n++] = t;
        }
        int ok = vrp_plan_set_route(m, plan, route->vehicle, tasks, n);
        if (ok < 0) {
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
            goto done;
        }
        if (!ok) /* no longer feasible (new windows, a new limit): keep only the fixed part */
            vrp_route_place_fixed(m, plan, route->vehicle);
    }
    vrp_plan_reindex(m, plan);
done:
    dorf_free(seen);
    dorf_free(tasks);
    return st;
}

static dorf_status solution_from_plan(dorf_ctx *ctx, const vrp_model *m, const vrp_plan *plan,
                                      dorf_vrp_solution *out) {
    memset(out, 0, sizeof *out);
    size_t routes = 0;
    for (uint32_t v = 0; v < m->vehicle_count; v++)
        routes += plan->routes[v].n > 0;
    out->routes = dorf_calloc(routes + 1, sizeof *out->routes);
    out->unserved = dorf_malloc((m->request_count + 1) * sizeof *out->unserved);
    if (!out->routes || !out->unserved)
        goto fail;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *r = &plan->routes[v];
        if (r->n == 0)
            continue;
        dorf_vrp_route *dst = &out->routes[out->route_count++];
        dst->vehicle = v;
        dst->task_count = r->n;
        dst->tasks = dorf_malloc(r->n * sizeof *dst->tasks);
        dst->service_start = dorf_malloc(r->n * sizeof *dst->service_start);
        if (!dst->tasks || !dst->service_start)
            goto fail;
        memcpy(dst->tasks, &r->node[1], r->n * sizeof *dst->tasks);
        memcpy(dst->service_start, &r->start[1], r->n * sizeof *dst->service_start);
        dst->departure = r->start[0];
        dst->arrival = r->start[r->n + 1];
        dst->travel = r->travel;
        out->travel += r->travel;
    }
    for (uint32_t q = 0; q < m->request_count; q++) {
        if (plan->route_of[q] != DORF_VRP_NONE)
            continue;
        out->unserved[out->unserved_count++] = q;
        if (m->penalty[q] > 0)
            out->cost += m->penalty[q];
        else
            out->unserved_required++;
    }
    out->vehicles_used = out->route_count;
    out->cost += out->travel;
    return DORF_OK;
fail:
    dorf_vrp_solution_release(out);
    return dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
}

static dorf_status recombine(dorf_ctx *ctx, vrp_pool *pool, vrp_search *search, double limit_s,
                             dorf_vrp_stats *stats) {
    int improved = 0;
    dorf_status st = vrp_pool_recombine(ctx, pool, vrp_search_best(search), limit_s, &improved);
    if (st)
        return st;
    stats->set_partitioning_runs++;
    if (improved) {
        stats->set_partitioning_improvements++;
        return vrp_search_restart_from_best(search) ? DORF_ENOMEM : DORF_OK;
    }
    return DORF_OK;
}

dorf_status dorf_vrp_solve(dorf_ctx *ctx, const dorf_vrp_problem *problem,
                           const dorf_vrp_options *options, dorf_vrp_solution *out) {
    static const dorf_vrp_options defaults = {0};
    const dorf_vrp_options *o = options ? options : &defaults;
    dorf_vrp_stats stats_local, *stats = o->stats ? o->stats : &stats_local;
    memset(stats, 0, sizeof *stats);
    memset(out, 0, sizeof *out);
    if (isnan(o->time_limit_s) || o->time_limit_s < 0)
        return dorf_fail(ctx, DORF_EINVAL, "optimiser: time limit %g is not valid",
                         o->time_limit_s);

    vrp_model m;
    dorf_status st = vrp_model_init(ctx, problem, &m);
    if (st)
        return st;
    vrp_pool *pool = NULL;
    vrp_search *search = NULL;
    vrp_plan start = {0};
    solve_state ss = {ctx, vrp_now(), 0, 0, 0};
    uint64_t iters = o->max_iterations;
    double budget = o->time_limit_s > 0 ? o->time_limit_s : (iters ? INFINITY : 1.0);
    ss.budget = isfinite(budget) ? budget : 0;
    if (vrp_pool_new(&m, POOL_ROUTES, &pool) || vrp_search_new(&m, pool, o->seed, &search)) {
        st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
        goto done;
    }
    if (o->initial) {
        if (vrp_plan_init(&m, &start)) {
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
            goto done;
        }
        st = plan_from_solution(ctx, &m, o->initial, &start);
        if (!st && vrp_search_start_from(search, &start))
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
    } else if (vrp_search_construct(search)) {
        st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
    }
    if (st)
        goto done;

    /* The final recombination's share; GLPK is given at most 10 s of it. */
    double sp_time = o->no_set_partitioning ? 0 : fmin(0.1 * budget, 10);
    double t0 = ss.started;
    double end = t0 + budget - sp_time;
    vrp_search_run_options ro = {0};
    ro.should_stop = should_stop;
    ro.user = &ss;

    /* 1. Fewer vehicles, for up to half the budget. */
    double reduce_end = t0 + 0.5 * (budget - sp_time);
    int failures = 0;
    /* An attempt may take ten times as long as the last one that worked: the fleet size
       that cannot be reached should not eat the time the travel needs. */
    double last_success_s = 0;
    while (!ss.interrupted && failures < (iters ? 3 : 2)) {
        double now = vrp_now();
        if (now >= reduce_end)
            break;
        double cap = fmin(0.1 * budget, fmax(0.05 * budget, 10 * last_success_s));
        ro.deadline = fmin(reduce_end, now + cap);
        ro.max_iterations = iters ? iters / 6 + 1 : 0;
        int reduced = 0;
        if (vrp_search_reduce(search, &ro, &reduced)) {
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
            goto done;
        }
        if (reduced) {
            failures = 0;
            last_success_s = vrp_now() - now;
        } else {
            failures++;
        }
        if (vrp_search_best(search)->used <= 1)
            break;
    }

    /* 2. Less travel, with two recombinations on the way. */
    for (int part = 0; part < 3 && !ss.interrupted; part++) {
        double now = vrp_now();
        ro.deadline = now + (end - now) / (3 - part);
        ro.max_iterations = iters ? iters / 3 + 1 : 0;
        if (vrp_search_run(search, &ro)) {
            st = dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
            goto done;
        }
        if (part < 2 && !o->no_set_partitioning) {
            st = recombine(ctx, pool, search, fmin(sp_time / 4, 2), stats);
            if (st)
                goto done;
        }
    }

    /* 3. The final recombination. */
    const vrp_plan *best = vrp_search_best(search);
    stats->cost_before_set_partitioning = best->travel + best->penalty;
    stats->vehicles_before_set_partitioning = best->used;
    if (!o->no_set_partitioning && !ss.interrupted) {
        double left = t0 + budget - vrp_now();
        st = recombine(ctx, pool, search, fmax(fmin(left, sp_time), 0.05), stats);
        if (st)
            goto done;
    }
    st = solution_from_plan(ctx, &m, vrp_search_best(search), out);
    stats->iterations = vrp_search_iterations(search);
    stats->seconds = vrp_now() - t0;
    stats->best_found_s = vrp_search_best_found_at(search);
    stats->pool_routes = vrp_pool_size(pool);
    stats->interrupted = ss.interrupted;
    if (ss.budget > 0)
        dorf_progress(ctx, "optimising", (uint64_t)(ss.budget * 1000),
                      (uint64_t)(ss.budget * 1000));
done:
    if (start.routes)
        vrp_plan_release(&m, &start);
    vrp_search_free(search);
    vrp_pool_free(pool);
    vrp_model_release(&m);
    return st;
}
