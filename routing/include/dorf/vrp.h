/*
 * dorf/vrp.h: pickup-and-delivery routes with time windows, the planner behind LieferBar.
 *
 * A problem is a set of requests (a parcel: picked up at one stop, dropped off at another;
 * or a single stop, as a customer of the classic vehicle routing problem with time windows)
 * and a set of vehicles (volunteers), each with its own start and end, availability window,
 * capacity, travel-time matrix (walking, cycling, driving) and limit on travel time. A plan
 * gives each used vehicle a route; it is ranked, in this order, by
 *   1. requests left unserved that had to be served when possible (fewer is better),
 *   2. vehicles used (fewer is better),
 *   3. cost: total travel time plus the penalties of optional requests left unserved.
 * Hard constraints: a parcel's pickup comes before its drop-off on the same route; the load
 * never exceeds the capacity; service starts within each stop's window (waiting is allowed);
 * a vehicle leaves no earlier than its window opens and is back by the time it closes; its
 * route's travel time stays within its limit; stops a vehicle has already made stay first in
 * its route, in their order.
 *
 * dorf_vrp_solve() is a heuristic: construction, then adaptive large neighbourhood search,
 * and GLPK choosing the best combination of the routes the search found (set partitioning).
 * dorf_vrp_solve_exact() solves small problems to proven optimality and serves as the oracle
 * in tests. Instances in the Li & Lim (PDPTW) and Solomon (VRPTW) formats are read by
 * dorf_vrp_read(); plans are written in SINTEF's form ("Route 1 : 5 3 7").
 *
 * Times and travel times share one unit: seconds for a region, the instance's own unit for
 * benchmarks (whose travel time equals Euclidean distance).
 */
#ifndef DORF_VRP_H
#define DORF_VRP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dorf/context.h"

#define DORF_VRP_NONE UINT32_MAX /* no task, no vehicle */

/* A stop: where, what it does to the load, and when its service may start. */
typedef struct dorf_vrp_task {
    uint32_t id;       /* the caller's id, printed in routes (the task id of a benchmark file) */
    uint32_t location; /* index into the problem's travel-time matrices */
    int32_t demand;    /* > 0: loaded here; < 0: unloaded here; parcel size units */
    double earliest;   /* service starts no earlier (a vehicle arriving sooner waits) */
    double latest;     /* and no later; INFINITY: no limit */
    double service;    /* time spent at the stop, >= 0 */
} dorf_vrp_task;

/*
 * What must be served together: a parcel (pickup task, then delivery task on the same route)
 * or a single task (delivery DORF_VRP_NONE: a VRPTW customer, or a stop on a trip a volunteer
 * makes anyway). A single task's demand loads the vehicle from there to the end of its route.
 */
typedef struct dorf_vrp_request {
    uint32_t pickup;   /* task index */
    uint32_t delivery; /* task index, or DORF_VRP_NONE */
    double penalty;    /* 0: serve whenever possible (counted in rank 1); > 0: may be left
                          unserved at this cost (rank 3), worth a detour up to it */
    uint32_t vehicle;  /* DORF_VRP_NONE: any vehicle; else only this one, and it must serve it */
} dorf_vrp_request;

typedef struct dorf_vrp_vehicle {
    uint32_t id;         /* the caller's id */
    uint32_t start;      /* location it leaves from */
    uint32_t end;        /* location it returns to */
    double earliest;     /* leaves no earlier */
    double latest;       /* back no later; INFINITY: no limit */
    int32_t capacity;    /* >= 0 */
    uint32_t profile;    /* which travel-time matrix it uses */
    double max_travel;   /* limit on its route's travel time; INFINITY: none (a volunteer's
                            accepted detour is this minus the travel of their own trip) */
    const uint32_t *fixed; /* tasks it has already served, in order: they stay first in its route */
    size_t fixed_count;
} dorf_vrp_vehicle;

/*
 * A problem, as plain arrays owned by the caller. travel[p][a * location_count + b] is the
 * travel time from location a to location b for profile p (INFINITY: no way).
 */
typedef struct dorf_vrp_problem {
    size_t location_count;
    size_t profile_count;
    const double *const *travel;
    const dorf_vrp_task *tasks;
    size_t task_count;
    const dorf_vrp_request *requests;
    size_t request_count;
    const dorf_vrp_vehicle *vehicles;
    size_t vehicle_count;
} dorf_vrp_problem;

/*
 * Checks that a problem is well formed (indices in range, every task in exactly one request,
 * a pickup loads and its delivery unloads the same amount, windows not inverted, finite
 * non-negative travel times or INFINITY, fixed tasks of whole requests not bound elsewhere).
 * DORF_EINVAL with the first fault in the context's message.
 */
dorf_status dorf_vrp_problem_check(dorf_ctx *ctx, const dorf_vrp_problem *problem);

/* One vehicle's route: its tasks in visiting order (the fixed ones first). */
typedef struct dorf_vrp_route {
    uint32_t vehicle;      /* index into the problem's vehicles */
    uint32_t *tasks;       /* task indices */
    double *service_start; /* [task_count]: when service starts at each task (earliest schedule) */
    size_t task_count;
    double departure;      /* leaves its start */
    double arrival;        /* back at its end */
    double travel;         /* travel time of the route */
} dorf_vrp_route;

/* A plan: the routes of the used vehicles and the requests left unserved. */
typedef struct dorf_vrp_solution {
    dorf_vrp_route *routes; /* ordered by vehicle index */
    size_t route_count;
    uint32_t *unserved; /* request indices */
    size_t unserved_count;
    size_t unserved_required; /* of those, with penalty 0 (rank 1) */
    size_t vehicles_used;     /* rank 2: routes with at least one task */
    double travel;            /* total travel time */
    double cost;              /* rank 3: travel plus penalties of unserved optional requests */
} dorf_vrp_solution;

/* Frees what a solution holds and zeroes it. Accepts NULL. */
void dorf_vrp_solution_release(dorf_vrp_solution *solution);

/*
 * Compares two solutions by rank: < 0 when a is better, > 0 when b is, 0 when equal (costs
 * within `cost_tolerance`).
 */
int dorf_vrp_solution_compare(const dorf_vrp_solution *a, const dorf_vrp_solution *b,
                              double cost_tolerance);

/* What a search did; filled when dorf_vrp_options.stats is not NULL. */
typedef struct dorf_vrp_stats {
    uint64_t iterations;       /* large-neighbourhood moves tried */
    double seconds;            /* wall-clock time spent */
    double best_found_s;       /* when the returned plan was first found */
    size_t pool_routes;        /* distinct routes kept for set partitioning */
    unsigned set_partitioning_runs;
    unsigned set_partitioning_improvements; /* runs that found a better plan than the search's */
    double cost_before_set_partitioning;    /* the search's best cost before the final run */
    size_t vehicles_before_set_partitioning;
    int interrupted; /* 1: stopped by the context's interrupt flag */
} dorf_vrp_stats;

typedef struct dorf_vrp_options {
    double time_limit_s;     /* wall-clock budget; 0: 1 second */
    uint64_t max_iterations; /* 0: no limit; with a limit and a seed, runs are reproducible */
    uint64_t seed;           /* of the search's random choices */
    int no_set_partitioning; /* 1: skip the GLPK recombination (to measure what it adds) */
    const dorf_vrp_solution *initial; /* a plan to start from (re-optimisation), or NULL; its
                                         routes are kept as far as they are still feasible */
    dorf_vrp_stats *stats;   /* filled when not NULL */
} dorf_vrp_options;

/*
 * Plans routes for `problem` within the options' budget and fills *out (release with
 * dorf_vrp_solution_release()). Reports progress as "optimising" (done/total in
 * milliseconds of the budget) and stops early, with the best plan so far, when the
 * context's interrupt flag is set. `options` NULL means the defaults. Requests that cannot
 * be served by any vehicle even alone are left unserved. Errors: DORF_EINVAL (see
 * dorf_vrp_problem_check), DORF_ENOMEM, DORF_EIO when GLPK fails.
 */
dorf_status dorf_vrp_solve(dorf_ctx *ctx, const dorf_vrp_problem *problem,
                           const dorf_vrp_options *options, dorf_vrp_solution *out);

/* The largest problem dorf_vrp_solve_exact() accepts, in requests. */
#define DORF_VRP_EXACT_MAX_REQUESTS 14

/*
 * An optimal plan by the ranking above, for small problems: every feasible route of every
 * vehicle is enumerated (a labelling search whose dominance keeps only routes that may be
 * part of an optimum), then a GLPK MIP chooses among them, rank by rank. DORF_EINVAL when
 * the problem has more than DORF_VRP_EXACT_MAX_REQUESTS requests or fixed tasks;
 * DORF_ENOMEM; DORF_EIO when GLPK fails or exceeds `time_limit_s` (0: no limit).
 */
dorf_status dorf_vrp_solve_exact(dorf_ctx *ctx, const dorf_vrp_problem *problem,
                                 double time_limit_s, dorf_vrp_solution *out);

/*
 * Benchmark instances (vrp_read.c).
 */

typedef enum dorf_vrp_format {
    DORF_VRP_LI_LIM = 1, /* PDPTW: "vehicles capacity speed", then "id x y demand e l s p d" */
    DORF_VRP_SOLOMON,    /* VRPTW: name, VEHICLE NUMBER CAPACITY, CUSTOMER table */
} dorf_vrp_format;

/*
 * A benchmark instance and the problem built from it: one location per task (location 0 the
 * depot), Euclidean travel times (unrounded), the depot's window as every vehicle's window,
 * `vehicle_count` identical vehicles, every request required. Task ids are the file's ids.
 */
typedef struct dorf_vrp_instance {
    char name[64]; /* file name without directory and extension */
    dorf_vrp_format format;
    dorf_vrp_problem problem;
    double *x; /* [location_count] coordinates as given */
    double *y;
    /* owned arrays behind `problem` */
    double *travel_matrix;
    const double *travel_profiles[1];
    dorf_vrp_task *tasks;
    dorf_vrp_request *requests;
    dorf_vrp_vehicle *vehicles;
} dorf_vrp_instance;

/*
 * Reads an instance in either format (told apart by its first line) from `path`.
 * Errors: DORF_EIO (cannot read), DORF_EPARSE with "<path>:<line>: what is wrong" for a
 * malformed, truncated or inconsistent file, DORF_ENOMEM. Free with dorf_vrp_instance_free().
 */
dorf_status dorf_vrp_read(dorf_ctx *ctx, const char *path, dorf_vrp_instance **out);

/* The same from `size` bytes of text; `name` is used in messages and as the instance's name. */
dorf_status dorf_vrp_read_buffer(dorf_ctx *ctx, const char *name, const char *text, size_t size,
                                 dorf_vrp_instance **out);

void dorf_vrp_instance_free(dorf_vrp_instance *instance);

/*
 * Writes the routes in SINTEF's form, one line per used vehicle in the plan's order:
 * "Route 1 : 5 3 7" (task ids, without the depot). DORF_EIO when writing fails.
 */
dorf_status dorf_vrp_write_sintef(dorf_ctx *ctx, FILE *out, const dorf_vrp_problem *problem,
                                  const dorf_vrp_solution *solution);

#endif
