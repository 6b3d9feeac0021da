/*
 * bench_reopt.c: re-optimisation during the day, measured on benchmark instances.
 *
 *   dorf_bench_reopt [--budget S] [--plan S] FILE...
 *
 * For each instance: plans the day (--plan seconds, default 2), then moves the clock to a third
 * of the depot's opening hours. Every stop whose service has started by then is fixed; a
 * parcel not yet picked up is cancelled (its tasks leave the problem) and a new one arrives
 * (a copy of another pair's locations and windows, moved to now). The optimiser then starts
 * from the old plan with --budget seconds (default 0.2). Prints per instance how many stops
 * were fixed and open, when the returned plan was found and when the run ended (seconds), the
 * travel before and after, whether the new parcel is served, and whether every fixed stop
 * stayed first in its route (it must: a "MOVED" line is a bug, and the exit code is 1).
 * A program, not a test: it never fails on timing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/vrp.h"

int main(int argc, char **argv) {
    double budget = 0.2, plan_s = 2;
    int first = 1;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--budget") == 0)
            budget = atof(argv[first + 1]);
        else if (strcmp(argv[first], "--plan") == 0)
            plan_s = atof(argv[first + 1]);
        else
            break;
        first += 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: dorf_bench_reopt [--budget S] [--plan S] FILE...\n");
        return 2;
    }
    printf("%-10s %6s %6s %9s %9s %10s %10s %s\n", "instance", "fixed", "open", "best_at_s",
           "total_s", "travel", "after", "new parcel");
    int bad = 0;
    for (int a = first; a < argc; a++) {
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_vrp_instance *in = NULL;
        if (dorf_vrp_read(ctx, argv[a], &in)) {
            fprintf(stderr, "%s\n", dorf_ctx_errmsg(ctx));
            return 1;
        }
        dorf_vrp_problem p = in->problem;
        dorf_vrp_options o = {0};
        o.time_limit_s = plan_s;
        o.seed = 1;
        dorf_vrp_solution day;
        if (dorf_vrp_solve(ctx, &p, &o, &day)) {
            fprintf(stderr, "%s\n", dorf_ctx_errmsg(ctx));
            return 1;
        }
        double now =
            in->vehicles[0].earliest + (in->vehicles[0].latest - in->vehicles[0].earliest) / 3;

        /* The new problem: all tasks but the cancelled pair, plus a new pair at the end. */
        size_t nt = p.task_count, nr = p.request_count;
        dorf_vrp_task *tasks = calloc(nt + 2, sizeof *tasks);
        dorf_vrp_request *reqs = calloc(nr + 1, sizeof *reqs);
        dorf_vrp_vehicle *veh = calloc(p.vehicle_count, sizeof *veh);
        uint32_t *fixed = calloc(nt + 2, sizeof *fixed);
        uint32_t *remap = malloc((nt + 2) * sizeof *remap);
        uint8_t *started = calloc(nt + 2, 1);
        for (size_t i = 0; i < day.route_count; i++)
            for (size_t j = 0; j < day.routes[i].task_count; j++)
                started[day.routes[i].tasks[j]] = day.routes[i].service_start[j] <= now;
        uint32_t cancel = DORF_VRP_NONE;
        for (uint32_t r = 0; r < nr && cancel == DORF_VRP_NONE; r++)
            if (!started[p.requests[r].pickup] && p.requests[r].delivery != DORF_VRP_NONE)
                cancel = r;
        size_t t2 = 0, r2 = 0;
        for (uint32_t r = 0; r < nr; r++) {
            const dorf_vrp_request *q = &p.requests[r];
            if (r == cancel) {
                remap[q->pickup] = remap[q->delivery] = DORF_VRP_NONE;
                continue;
            }
            reqs[r2] = *q;
            remap[q->pickup] = (uint32_t)t2;
            tasks[t2++] = p.tasks[q->pickup];
            reqs[r2].pickup = remap[q->pickup];
            if (q->delivery != DORF_VRP_NONE) {
                remap[q->delivery] = (uint32_t)t2;
                tasks[t2++] = p.tasks[q->delivery];
                reqs[r2].delivery = remap[q->delivery];
            }
            r2++;
        }
        /* The new parcel: the locations of the last pair, due from now on. */
        const dorf_vrp_request *model = &p.requests[nr - 1];
        dorf_vrp_task pick = p.tasks[model->pickup];
        dorf_vrp_task drop =
            p.tasks[model->delivery != DORF_VRP_NONE ? model->delivery : model->pickup];
        double width = pick.latest - pick.earliest;
        pick.earliest = now;
        pick.latest = now + (width > 60 ? width : 60);
        drop.earliest = now;
        drop.latest = in->vehicles[0].latest;
        if (pick.demand < 0)
            pick.demand = -pick.demand;
        drop.demand = -pick.demand;
        pick.id = drop.id = 0;
        reqs[r2].pickup = (uint32_t)t2;
        tasks[t2++] = pick;
        reqs[r2].delivery = (uint32_t)t2;
        tasks[t2++] = drop;
        reqs[r2].vehicle = DORF_VRP_NONE;
        uint32_t new_request = (uint32_t)r2++;

        /* Fixed prefixes and the old plan in the new indices. */
        size_t nf = 0;
        memcpy(veh, p.vehicles, p.vehicle_count * sizeof *veh);
        dorf_vrp_solution old = day;
        old.routes = calloc(day.route_count + 1, sizeof *old.routes);
        for (size_t i = 0; i < day.route_count; i++) {
            dorf_vrp_route *src = &day.routes[i], *dst = &old.routes[i];
            *dst = *src;
            dst->tasks = malloc((src->task_count + 1) * sizeof *dst->tasks);
            dst->task_count = 0;
            veh[src->vehicle].fixed = &fixed[nf];
            for (size_t j = 0; j < src->task_count; j++) {
                uint32_t t = remap[src->tasks[j]];
                if (t == DORF_VRP_NONE)
                    continue;
                dst->tasks[dst->task_count++] = t;
                if (started[src->tasks[j]]) {
                    fixed[nf++] = t;
                    veh[src->vehicle].fixed_count++;
                }
            }
        }
        dorf_vrp_problem np = p;
        np.tasks = tasks;
        np.task_count = t2;
        np.requests = reqs;
        np.request_count = r2;
        np.vehicles = veh;
        dorf_vrp_stats st;
        dorf_vrp_options ro = {0};
        ro.time_limit_s = budget;
        ro.seed = 2;
        ro.initial = &old;
        ro.stats = &st;
        dorf_vrp_solution again;
        if (dorf_vrp_solve(ctx, &np, &ro, &again)) {
            fprintf(stderr, "%s: %s\n", in->name, dorf_ctx_errmsg(ctx));
            return 1;
        }
        int moved = 0, served = 1;
        for (size_t i = 0; i < again.route_count; i++) {
            const dorf_vrp_route *r = &again.routes[i];
            const dorf_vrp_vehicle *v = &veh[r->vehicle];
            for (size_t j = 0; j < v->fixed_count; j++)
                moved |= j >= r->task_count || r->tasks[j] != v->fixed[j];
        }
        for (size_t i = 0; i < again.unserved_count; i++)
            served &= again.unserved[i] != new_request;
        printf("%-10s %6zu %6zu %9.3f %9.3f %10.2f %10.2f %s%s\n", in->name, nf, t2 - nf,
               st.best_found_s, st.seconds, day.travel, again.travel,
               served ? "served" : "unserved", moved ? "  MOVED" : "");
        bad |= moved;
        for (size_t i = 0; i < old.route_count; i++)
            free(old.routes[i].tasks);
        free(old.routes);
        dorf_vrp_solution_release(&again);
        dorf_vrp_solution_release(&day);
        free(tasks);
        free(reqs);
        free(veh);
        free(fixed);
        free(remap);
        free(started);
        dorf_vrp_instance_free(in);
        dorf_ctx_free(ctx);
    }
    return bad;
}
