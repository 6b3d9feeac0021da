/*
 * vrp_write.c: plans in SINTEF's text form (dorf/vrp.h), the form in which best-known
 * solutions of the Li & Lim and Solomon benchmarks are published and checked: one line
 * "Route 1 : 5 3 7" per used vehicle, routes numbered from 1 in the plan's order, the tasks'
 * own ids (problem->tasks[t].id) in visiting order, the depot left out.
 */
#include <errno.h>
#include <string.h>

#include "dorf/vrp.h"

dorf_status dorf_vrp_write_sintef(dorf_ctx *ctx, FILE *out, const dorf_vrp_problem *problem,
                                  const dorf_vrp_solution *solution) {
    if (!out || !problem || !solution || (solution->route_count && !solution->routes)) {
        return dorf_fail(ctx, DORF_EINVAL, "dorf_vrp_write_sintef: missing argument");
    }
    for (size_t r = 0; r < solution->route_count; r++) {
        const dorf_vrp_route *route = &solution->routes[r];
        for (size_t i = 0; i < route->task_count; i++) {
            if (!route->tasks || route->tasks[i] >= problem->task_count) {
                return dorf_fail(
                    ctx, DORF_EINVAL, "dorf_vrp_write_sintef: route %zu holds task %u of %zu", r,
                    route->tasks ? route->tasks[i] : DORF_VRP_NONE, problem->task_count);
            }
        }
    }
    size_t number = 0;
    int bad = 0;
    errno = 0;
    for (size_t r = 0; r < solution->route_count && !bad; r++) {
        const dorf_vrp_route *route = &solution->routes[r];
        if (route->task_count == 0) {
            continue;
        }
        bad = fprintf(out, "Route %zu :", ++number) < 0;
        for (size_t i = 0; i < route->task_count && !bad; i++) {
            bad = fprintf(out, " %u", problem->tasks[route->tasks[i]].id) < 0;
        }
        bad = bad || fputc('\n', out) == EOF;
    }
    if (bad || ferror(out) || fflush(out) != 0) {
        return dorf_fail(ctx, DORF_EIO, "writing the routes: %s",
                         errno ? strerror(errno) : "write error");
    }
    return DORF_OK;
}
