/*
 * vrp_checker.h: an independent judge of pickup-and-delivery plans (dorf/vrp.h), used by every
 * VRP test. It is written from the header's contract alone, not from any optimiser's code, so
 * that a plan that passes it is valid whatever produced it.
 *
 * tests/CMakeLists.txt builds each test_*.c as a program of one source file, so a test that
 * uses the checker includes vrp_checker.c itself (#include "vrp_checker.c"), once.
 */
#ifndef DORF_TESTS_VRP_CHECKER_H
#define DORF_TESTS_VRP_CHECKER_H

#include <stddef.h>

#include "dorf/vrp.h"

/* Relative and absolute tolerance of every time and cost comparison of the checker. */
#define VRP_CHECK_TOLERANCE 1e-6

/*
 * Returns 1 when `s` is a valid plan for `p` (which must pass dorf_vrp_problem_check), else 0
 * with the first violation found written to `why` (which route, which task, which rule, the
 * numbers). The rules:
 *   - each route's vehicle is in range and has no other route; routes ordered by vehicle;
 *   - every task appears at most once; each request is either served whole on one route
 *     (pickup before delivery) or listed in `unserved` exactly once, never both;
 *   - a request bound to a vehicle is served, and by that vehicle (the header says that
 *     vehicle "must serve it": leaving it unserved is a violation, not a rank-1 count);
 *   - a vehicle's fixed tasks open its route, in their order (so it must have a route);
 *   - the load, from 0 at the start plus each task's demand, stays within [0, capacity];
 *   - the earliest schedule: departure = vehicle.earliest, arrival at a task = previous service
 *     start + its service + travel, service start = max(arrival, task.earliest), must reach
 *     every task by its latest and the end by the vehicle's latest over finite travel times;
 *     the route's travel stays within max_travel. A route without tasks is the trip from
 *     start to end;
 *   - the route's reported departure, service starts, arrival and travel are that schedule's;
 *   - the totals: travel = sum of the routes', cost = travel + penalties of the unserved,
 *     vehicles_used = routes with tasks, unserved_required = unserved with penalty 0.
 */
int vrp_check_solution(const dorf_vrp_problem *p, const dorf_vrp_solution *s, char *why,
                       size_t why_size);

/*
 * Returns 1 when `a` and `b` have the same rank (dorf/vrp.h): the same unserved required
 * requests count, the same vehicles used and costs within VRP_CHECK_TOLERANCE (relative to
 * the larger), else 0 with both ranks in `why`.
 */
int vrp_check_same_rank(const dorf_vrp_solution *a, const dorf_vrp_solution *b, char *why,
                        size_t why_size);

/*
 * Returns 1 when `s` is not better than `optimum` by rank (equal counts as not better), else 0
 * with both ranks in `why`: a heuristic that beats the exact optimum shows a bug in one of
 * them.
 */
int vrp_check_not_better(const dorf_vrp_solution *s, const dorf_vrp_solution *optimum, char *why,
                         size_t why_size);

#endif
