/*
 * vrp_internal.h: the optimiser's working representation of a problem and of routes, shared
 * by vrp_route.c (schedules, feasibility, insertion), vrp_search.c (large neighbourhood
 * search), vrp_pool.c (route pool and GLPK set partitioning) and vrp_solve.c (the driver).
 *
 * A route of n tasks is seen as nodes 0 .. n+1: node 0 the vehicle's start, nodes 1 .. n its
 * tasks, node n+1 its end. For every node the route keeps the earliest service start (the
 * forward schedule), the latest service start that keeps the rest of the route feasible (the
 * backward slack, after Savelsbergh 1992) and the load after it, so that inserting a request
 * is checked in time proportional to the stretch it shifts, not to the whole route.
 */
#ifndef DORF_VRP_INTERNAL_H
#define DORF_VRP_INTERNAL_H

#include <stdint.h>

#include "dorf/vrp.h"

/* The problem, flattened into arrays indexed by task, request and vehicle. */
typedef struct vrp_model {
    const dorf_vrp_problem *problem;
    uint32_t task_count;
    uint32_t request_count;
    uint32_t vehicle_count;
    size_t location_count;
    /* per task */
    uint32_t *loc;
    int32_t *demand;
    double *early;
    double *late;
    double *service;
    uint32_t *request_of;
    /* per request */
    uint32_t *pickup;
    uint32_t *delivery; /* DORF_VRP_NONE for a single task */
    double *penalty;
    uint32_t *bound; /* vehicle it must be served by, or DORF_VRP_NONE */
    uint8_t *fixed;  /* 1: a task of it is fixed in a vehicle; never moved */
    uint8_t *keep;   /* 1: the search never takes it out again: fixed, or a parcel on board
                        (taking its delivery out would leave the load on the vehicle) */
    uint32_t *must;  /* weight when left unserved: 0 optional (it has a penalty), 1 required,
                        request_count + 1 bound to a vehicle (a trip the volunteer makes) */
    /* per vehicle */
    uint8_t *has_bound; /* per vehicle: some request is bound to it */
    uint32_t *vclass;   /* vehicles with equal start, end, window, capacity, profile, limit and
                           no fixed or bound tasks share a class */
    uint32_t class_count;
    uint32_t *class_size;
    /* the largest penalty-free insertion cost, used to weigh unserved required requests */
    double unserved_weight;
} vrp_model;

dorf_status vrp_model_init(dorf_ctx *ctx, const dorf_vrp_problem *problem, vrp_model *m);
void vrp_model_release(vrp_model *m);

static inline double vrp_travel(const vrp_model *m, uint32_t profile, uint32_t a, uint32_t b) {
    return m->problem->travel[profile][(size_t)a * m->location_count + b];
}

typedef struct vrp_route {
    uint32_t vehicle;
    uint32_t n;       /* tasks */
    uint32_t fixed;   /* leading tasks that may not move */
    uint32_t alloc;   /* capacity of the node arrays, >= n + 2 */
    uint32_t *node;   /* [n + 2]: task of node k (node 0 and n + 1: DORF_VRP_NONE) */
    uint32_t *loc;    /* [n + 2]: location of node k */
    double *start;    /* [n + 2]: earliest service start; node 0 departure, n + 1 arrival */
    double *latest;   /* [n + 2]: latest service start keeping the rest feasible */
    int32_t *load;    /* [n + 2]: load after node k */
    int32_t *maxload; /* [n + 2]: the largest load after any of nodes k .. n + 1 */
    double travel;
    uint32_t requests; /* requests with a task on the route */
} vrp_route;

/* A plan under construction: one route per vehicle (possibly empty), and where tasks are. */
typedef struct vrp_plan {
    vrp_route *routes;  /* [vehicle_count] */
    uint32_t *route_of; /* [request_count]: vehicle serving it, or DORF_VRP_NONE */
    uint32_t missing;   /* required requests unserved, weighted by vrp_model.must */
    uint32_t used;      /* routes with at least one task */
    double travel;
    double penalty; /* of unserved optional requests */
} vrp_plan;

dorf_status vrp_plan_init(const vrp_model *m, vrp_plan *plan);
void vrp_plan_release(const vrp_model *m, vrp_plan *plan);
/* Copies src into dst (both initialised for the same model). */
dorf_status vrp_plan_copy(const vrp_model *m, vrp_plan *dst, const vrp_plan *src);

/* The plan's rank as one number for comparisons inside the search (see vrp_plan_better). */
double vrp_plan_cost(const vrp_model *m, const vrp_plan *plan);
/* 1 when a ranks strictly before b (unserved required, vehicles, cost). */
int vrp_plan_better(const vrp_plan *a, const vrp_plan *b, double tolerance);

/* Recomputes a route's schedule, slack, loads and travel from its nodes. Returns 1 when
   feasible. */
int vrp_route_update(const vrp_model *m, vrp_route *r);

/* Places `vehicle`'s fixed tasks in its route (initially empty). Returns 1 when feasible. */
int vrp_route_place_fixed(const vrp_model *m, vrp_plan *plan, uint32_t vehicle);

/* Best way to insert a request into a route. */
typedef struct vrp_insertion {
    double delta;            /* added travel; INFINITY when impossible */
    uint32_t after_pickup;   /* node after which the pickup goes */
    uint32_t after_delivery; /* node of the current route after which the delivery goes
                                (== after_pickup: right after the pickup) */
} vrp_insertion;

/*
 * Random noise on insertion costs (Ropke & Pisinger 2006, section 5.2): each candidate's cost
 * is compared with up to +-amplitude added, so that repairs do not always take the same
 * cheapest positions. amplitude 0: none.
 */
typedef struct vrp_noise {
    double amplitude;
    uint64_t state; /* xorshift64, never 0 */
} vrp_noise;

/* The cheapest feasible insertion of request `req` into route `r` (its vehicle allowed);
   with `noise` (may be NULL) the cheapest by the perturbed costs, whose delta it returns. */
vrp_insertion vrp_best_insertion(const vrp_model *m, const vrp_route *r, uint32_t req,
                                 vrp_noise *noise);

/* Inserts `req` as `ins` says and updates route and plan. Returns 0, or -1 out of memory. */
int vrp_plan_insert(const vrp_model *m, vrp_plan *plan, uint32_t vehicle, uint32_t req,
                    vrp_insertion ins);

/* Removes request `req` (not fixed) from its route and updates route and plan. */
void vrp_plan_remove(const vrp_model *m, vrp_plan *plan, uint32_t req);

/* Sets `vehicle`'s route to `tasks` (its fixed tasks first). Returns 1 when feasible, 0 when
   not, -1 out of memory. Call vrp_plan_reindex() after the last route is set. */
int vrp_plan_set_route(const vrp_model *m, vrp_plan *plan, uint32_t vehicle, const uint32_t *tasks,
                       uint32_t n);

/* Recomputes which route serves each request, and the totals, from the routes. */
void vrp_plan_reindex(const vrp_model *m, vrp_plan *plan);

/* Recounts the plan's totals from its routes. */
void vrp_plan_totals(const vrp_model *m, vrp_plan *plan);

/* The travel saved by removing request `req` from its route (for worst removal). */
double vrp_removal_gain(const vrp_model *m, const vrp_plan *plan, uint32_t req);

/*
 * Route pool (vrp_pool.c): distinct routes met during the search, keyed by vehicle class
 * and request set, each kept with its cheapest task order; GLPK picks the best combination.
 */
typedef struct vrp_pool vrp_pool;

dorf_status vrp_pool_new(const vrp_model *m, size_t max_routes, vrp_pool **out);
void vrp_pool_free(vrp_pool *pool);
/* Adds the routes of `plan` not yet there (or cheaper than there). */
void vrp_pool_add_plan(vrp_pool *pool, const vrp_plan *plan);
void vrp_pool_add_route(vrp_pool *pool, const vrp_route *route);
size_t vrp_pool_size(const vrp_pool *pool);

/*
 * Solves the set-partitioning model over the pool, starting from `plan` (whose routes are
 * in the pool), within `time_limit_s`. When it finds a better combination, rebuilds `plan`
 * from it and sets *improved. DORF_EIO when GLPK fails.
 */
dorf_status vrp_pool_recombine(dorf_ctx *ctx, vrp_pool *pool, vrp_plan *plan, double time_limit_s,
                               int *improved);

/*
 * The search (vrp_search.c).
 */
typedef struct vrp_search_limits {
    double deadline; /* monotonic seconds (vrp_now) */
    uint64_t max_iterations;
    uint64_t seed;
} vrp_search_limits;

double vrp_now(void);

#endif
