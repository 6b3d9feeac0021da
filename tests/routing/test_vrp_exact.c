/*
 * test_vrp_exact.c: the exact pickup-and-delivery solver (routing/vrp_exact.c). Tiny problems
 * on a line whose optimum is worked out by hand (in the comments), one per rule of the ranking
 * and per kind of constraint; then random small problems on a grid whose optimum a brute
 * force finds by trying every assignment of requests to vehicles and every order of every
 * route. Every plan the solver returns must pass the independent checker.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/context.h"
#include "dorf/vrp.h"
#include "vrp_checker.c"

#define MAX_LOC 24
#define MAX_REQ 16
#define MAX_VEH 4

/* A problem under construction: locations, tasks, requests and vehicles in fixed arrays. */
typedef struct inst {
    size_t nloc;
    double x[MAX_LOC];
    double y[MAX_LOC];
    double matrix[2][MAX_LOC * MAX_LOC];
    const double *travel[2];
    dorf_vrp_task tasks[2 * MAX_REQ];
    dorf_vrp_request requests[MAX_REQ];
    dorf_vrp_vehicle vehicles[MAX_VEH];
    uint32_t fixed[MAX_VEH][4];
    dorf_vrp_problem p;
} inst;

/* Locations at x = 0, 1, ..., n - 1 on a line; travel time |a - b|. */
static void inst_line(inst *in, size_t n) {
    memset(in, 0, sizeof *in);
    in->nloc = n;
    for (size_t i = 0; i < n; i++) {
        in->x[i] = (double)i;
    }
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++) {
            in->matrix[0][a * n + b] = fabs(in->x[a] - in->x[b]);
            in->matrix[1][a * n + b] = 2 * fabs(in->x[a] - in->x[b]);
        }
    }
}

static uint32_t add_task(inst *in, uint32_t loc, int32_t demand) {
    uint32_t t = (uint32_t)in->p.task_count++;
    dorf_vrp_task task = {100 + t, loc, demand, 0, INFINITY, 0};
    in->tasks[t] = task;
    return t;
}

static uint32_t add_parcel(inst *in, uint32_t from, uint32_t to, int32_t size, double penalty) {
    uint32_t r = (uint32_t)in->p.request_count++;
    in->requests[r].pickup = add_task(in, from, size);
    in->requests[r].delivery = add_task(in, to, -size);
    in->requests[r].penalty = penalty;
    in->requests[r].vehicle = DORF_VRP_NONE;
    return r;
}

static uint32_t add_single(inst *in, uint32_t loc, int32_t demand, double penalty) {
    uint32_t r = (uint32_t)in->p.request_count++;
    in->requests[r].pickup = add_task(in, loc, demand);
    in->requests[r].delivery = DORF_VRP_NONE;
    in->requests[r].penalty = penalty;
    in->requests[r].vehicle = DORF_VRP_NONE;
    return r;
}

static uint32_t add_vehicle(inst *in, uint32_t start, uint32_t end, int32_t capacity) {
    uint32_t v = (uint32_t)in->p.vehicle_count++;
    dorf_vrp_vehicle veh = {10 + v, start, end, 0, INFINITY, capacity, 0, INFINITY, NULL, 0};
    in->vehicles[v] = veh;
    return v;
}

static void set_window(inst *in, uint32_t task, double earliest, double latest) {
    in->tasks[task].earliest = earliest;
    in->tasks[task].latest = latest;
}

/* Points the problem at the arrays; call after the last add_*(). */
static dorf_vrp_problem *inst_problem(inst *in) {
    in->travel[0] = in->matrix[0];
    in->travel[1] = in->matrix[1];
    in->p.location_count = in->nloc;
    in->p.profile_count = 2;
    in->p.travel = in->travel;
    in->p.tasks = in->tasks;
    in->p.requests = in->requests;
    in->p.vehicles = in->vehicles;
    return &in->p;
}

/* Solves exactly, expecting success and a plan the checker accepts. */
static dorf_status solve(inst *in, dorf_vrp_solution *out) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_problem *p = inst_problem(in);
    dorf_status st = dorf_vrp_solve_exact(ctx, p, 0, out);
    if (st != DORF_OK) {
        fprintf(stderr, "  exact: %s: %s\n", dorf_strerror(st), dorf_ctx_errmsg(ctx));
    } else {
        char why[512];
        int ok = vrp_check_solution(p, out, why, sizeof why);
        if (!ok) {
            fprintf(stderr, "  checker: %s\n", why);
        }
        CHECK(ok);
    }
    dorf_ctx_free(ctx);
    return st;
}

/* Solves exactly, expecting failure `want` with `message` in the context's message. */
static void expect_failure(inst *in, double time_limit_s, dorf_status want, const char *message) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_solution out;
    memset(&out, 0xab, sizeof out);
    dorf_status st = dorf_vrp_solve_exact(ctx, inst_problem(in), time_limit_s, &out);
    CHECK_EQ_INT(st, want);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), message);
    CHECK(out.routes == NULL && out.route_count == 0 && out.unserved == NULL);
    dorf_vrp_solution_release(&out);
    dorf_ctx_free(ctx);
}

static void check_tasks(const dorf_vrp_route *r, const uint32_t *want, size_t n) {
    CHECK_EQ_INT(r->task_count, n);
    for (size_t i = 0; i < n && i < r->task_count; i++) {
        CHECK_EQ_INT(r->tasks[i], want[i]);
    }
}

/*
 * Line 0..4, one vehicle at 0. Parcel A 1 -> 3, parcel B 2 -> 4. Capacity 2: 0 1 2 3 4 0,
 * travel 8. Capacity 1: A first, then B: 0 1 3 2 4 0 = 1+2+1+2+4 = 10 (B first costs 12).
 */
static void test_one_vehicle_two_parcels_on_a_line(void) {
    for (int32_t cap = 2; cap >= 1; cap--) {
        inst in;
        inst_line(&in, 5);
        add_parcel(&in, 1, 3, 1, 0);
        add_parcel(&in, 2, 4, 1, 0);
        add_vehicle(&in, 0, 0, cap);
        dorf_vrp_solution s;
        CHECK_EQ_INT(solve(&in, &s), DORF_OK);
        CHECK_EQ_INT(s.route_count, 1);
        CHECK_EQ_INT(s.vehicles_used, 1);
        CHECK_EQ_INT(s.unserved_count, 0);
        CHECK_NEAR(s.cost, cap == 2 ? 8 : 10, 1e-9);
        if (cap == 1 && s.route_count == 1) {
            static const uint32_t order[4] = {0, 1, 2, 3};
            check_tasks(&s.routes[0], order, 4);
        }
        dorf_vrp_solution_release(&s);
    }
}

/*
 * Two single stops at 1 and 2, each loading 1, and two vehicles of capacity 1 at 0: a single
 * stop's load stays on board, so each vehicle takes one: travel 2 + 4 = 6. Serving both
 * (rank 1) beats using one vehicle (rank 2).
 */
static void test_capacity_forces_a_second_vehicle(void) {
    inst in;
    inst_line(&in, 3);
    add_single(&in, 1, 1, 0);
    add_single(&in, 2, 1, 0);
    add_vehicle(&in, 0, 0, 1);
    add_vehicle(&in, 0, 0, 1);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.vehicles_used, 2);
    CHECK_EQ_INT(s.unserved_count, 0);
    CHECK_NEAR(s.cost, 6, 1e-9);
    dorf_vrp_solution_release(&s);
}

/*
 * Identical vehicles are one class; its routes go to the lowest-numbered vehicles. Three
 * vehicles of capacity 1, two stops: vehicles 0 and 1 drive.
 */
static void test_identical_vehicles_are_used_in_index_order(void) {
    inst in;
    inst_line(&in, 3);
    add_single(&in, 1, 1, 0);
    add_single(&in, 2, 1, 0);
    for (int v = 0; v < 3; v++) {
        add_vehicle(&in, 0, 0, 1);
    }
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 2);
    if (s.route_count == 2) {
        CHECK_EQ_INT(s.routes[0].vehicle, 0);
        CHECK_EQ_INT(s.routes[1].vehicle, 1);
    }
    dorf_vrp_solution_release(&s);
}

/*
 * A vehicle from 0 to 4 and stops at 1 and 3: in the order 1, 3 it travels 4. But the stop
 * at 3 closes at 3 and the one at 1 opens at 5: 3 first, then 1 (waiting till 5), then to 4:
 * 3 + 2 + 3 = 8.
 */
static void test_time_windows_force_the_order(void) {
    inst in;
    inst_line(&in, 5);
    add_single(&in, 1, 1, 0);
    add_single(&in, 3, 1, 0);
    set_window(&in, 0, 5, 10);
    set_window(&in, 1, 0, 3);
    add_vehicle(&in, 0, 4, 5);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_NEAR(s.cost, 8, 1e-9);
    if (s.route_count == 1) {
        static const uint32_t order[2] = {1, 0};
        check_tasks(&s.routes[0], order, 2);
        CHECK_NEAR(s.routes[0].service_start[0], 3, 1e-9);
        CHECK_NEAR(s.routes[0].service_start[1], 5, 1e-9);
        CHECK_NEAR(s.routes[0].arrival, 8, 1e-9);
    }
    dorf_vrp_solution_release(&s);
}

/* A stop at 5 that closes at 1 cannot be reached: unserved, and counted as required. */
static void test_a_request_no_vehicle_can_serve_is_unserved(void) {
    inst in;
    inst_line(&in, 6);
    add_single(&in, 1, 1, 0);
    add_single(&in, 5, 1, 0);
    set_window(&in, 1, 0, 1);
    add_vehicle(&in, 0, 0, 5);
    add_vehicle(&in, 0, 0, 5);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.unserved_count, 1);
    if (s.unserved_count == 1) {
        CHECK_EQ_INT(s.unserved[0], 1);
    }
    CHECK_EQ_INT(s.unserved_required, 1);
    CHECK_EQ_INT(s.vehicles_used, 1);
    CHECK_NEAR(s.cost, 2, 1e-9);
    dorf_vrp_solution_release(&s);
}

/*
 * A required stop at 1 (travel 2) and an optional one at 5, which adds 8 to the route: left
 * out at penalty 3 (cost 2 + 3), served at penalty 20 (cost 10).
 */
static void test_an_optional_request_is_served_when_its_penalty_exceeds_the_detour(void) {
    double penalties[2] = {3, 20};
    for (int i = 0; i < 2; i++) {
        inst in;
        inst_line(&in, 6);
        add_single(&in, 1, 1, 0);
        add_single(&in, 5, 1, penalties[i]);
        add_vehicle(&in, 0, 0, 5);
        dorf_vrp_solution s;
        CHECK_EQ_INT(solve(&in, &s), DORF_OK);
        CHECK_EQ_INT(s.unserved_required, 0);
        CHECK_EQ_INT(s.unserved_count, i == 0 ? 1 : 0);
        CHECK_NEAR(s.travel, i == 0 ? 2 : 10, 1e-9);
        CHECK_NEAR(s.cost, i == 0 ? 5 : 10, 1e-9);
        dorf_vrp_solution_release(&s);
    }
}

/*
 * The ranking puts vehicles before cost: an optional request that would need a vehicle of its
 * own stays unserved whatever its penalty.
 */
static void test_an_optional_request_alone_is_not_worth_a_vehicle(void) {
    inst in;
    inst_line(&in, 2);
    add_single(&in, 1, 1, 100);
    add_vehicle(&in, 0, 0, 5);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 0);
    CHECK_EQ_INT(s.vehicles_used, 0);
    CHECK_EQ_INT(s.unserved_count, 1);
    CHECK_EQ_INT(s.unserved_required, 0);
    CHECK_NEAR(s.cost, 100, 1e-9);
    dorf_vrp_solution_release(&s);
}

/*
 * Vehicles at 0 and at 10, stops at 1 and 9: each serving its neighbour travels 2 + 2 = 4,
 * but one vehicle doing both (0 1 9 0, travel 18) uses fewer vehicles, which ranks first.
 */
static void test_fewer_vehicles_beat_less_travel(void) {
    inst in;
    inst_line(&in, 11);
    add_single(&in, 1, 1, 0);
    add_single(&in, 9, 1, 0);
    add_vehicle(&in, 0, 0, 5);
    add_vehicle(&in, 10, 10, 5);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.vehicles_used, 1);
    CHECK_NEAR(s.cost, 18, 1e-9);
    dorf_vrp_solution_release(&s);
}

/*
 * The same vehicles, one stop at 1 bound to the vehicle at 10: it drives 18 though the one at
 * 0 would drive 2. Bound where that vehicle cannot go in time: no plan obeys the problem.
 */
static void test_a_bound_request_is_served_by_its_vehicle(void) {
    inst in;
    inst_line(&in, 11);
    uint32_t r = add_single(&in, 1, 1, 0);
    add_vehicle(&in, 0, 0, 5);
    add_vehicle(&in, 10, 10, 5);
    in.requests[r].vehicle = 1;
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 1);
    if (s.route_count == 1) {
        CHECK_EQ_INT(s.routes[0].vehicle, 1);
    }
    CHECK_NEAR(s.cost, 18, 1e-9);
    dorf_vrp_solution_release(&s);

    set_window(&in, in.requests[r].pickup, 0, 5);
    expect_failure(&in, 0, DORF_EINVAL, "request 0 is bound to vehicle 1 (id 11), which cannot");
}

/*
 * Two requests bound to one vehicle of capacity 1 that can each be served alone but not both
 * (single stops keep their load): no plan serves every bound request.
 */
static void test_bound_requests_that_cannot_be_served_together_are_refused(void) {
    inst in;
    inst_line(&in, 3);
    uint32_t a = add_single(&in, 1, 1, 0);
    uint32_t b = add_single(&in, 2, 1, 0);
    add_vehicle(&in, 0, 0, 1);
    add_vehicle(&in, 0, 0, 1);
    in.requests[a].vehicle = 0;
    in.requests[b].vehicle = 0;
    expect_failure(&in, 0, DORF_EINVAL, "no plan serves every request bound to a vehicle");
}

/*
 * Line 0..4, vehicles at 0 with capacity 2. Parcel A 3 -> 1 (tasks 0, 1), parcel B 2 -> 4
 * (tasks 2, 3). Vehicle 0 has picked up A already. After 0 -> 3 (travel 3) it goes on best by
 * 2, 4, 1, 0 (1 + 2 + 3 + 1 = 7): cost 10, one vehicle; giving B to vehicle 1 would cost 14.
 */
static void test_fixed_tasks_stay_first(void) {
    inst in;
    inst_line(&in, 5);
    add_parcel(&in, 3, 1, 1, 0);
    add_parcel(&in, 2, 4, 1, 0);
    add_vehicle(&in, 0, 0, 2);
    add_vehicle(&in, 0, 0, 2);
    in.fixed[0][0] = 0;
    in.vehicles[0].fixed = in.fixed[0];
    in.vehicles[0].fixed_count = 1;
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 1);
    CHECK_NEAR(s.cost, 10, 1e-9);
    if (s.route_count == 1) {
        static const uint32_t order[4] = {0, 2, 3, 1};
        CHECK_EQ_INT(s.routes[0].vehicle, 0);
        check_tasks(&s.routes[0], order, 4);
    }
    dorf_vrp_solution_release(&s);

    /* With all of A fixed, and B optional and cheap to leave, vehicle 0 still drives A. */
    in.fixed[0][1] = 1;
    in.vehicles[0].fixed_count = 2;
    in.requests[1].penalty = 1;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 1);
    CHECK_NEAR(s.cost, 6 + 1, 1e-9); /* 0 3 1 0, B left out */
    if (s.route_count == 1) {
        static const uint32_t order[2] = {0, 1};
        check_tasks(&s.routes[0], order, 2);
    }
    dorf_vrp_solution_release(&s);

    /* A fixed prefix that breaks its own window is a problem no plan can obey. */
    set_window(&in, 0, 0, 2);
    expect_failure(&in, 0, DORF_EINVAL,
                   "vehicle 0 (id 10): fixed task 0 (id 100) is reached "
                   "after its window closes");
}

/* A vehicle whose fixed pickup cannot be delivered in time has no route at all. */
static void test_fixed_pickup_that_cannot_be_delivered_is_refused(void) {
    inst in;
    inst_line(&in, 5);
    add_parcel(&in, 1, 4, 1, 0);
    add_vehicle(&in, 0, 0, 2);
    set_window(&in, 1, 0, 3);
    in.fixed[0][0] = 0;
    in.vehicles[0].fixed = in.fixed[0];
    in.vehicles[0].fixed_count = 1;
    expect_failure(&in, 0, DORF_EINVAL, "vehicle 0 (id 10): no feasible route continues its fixed");
}

/* Travel limits, vehicle windows and profiles (profile 1 is twice as slow). */
static void test_vehicle_limits_and_profiles(void) {
    inst in;
    inst_line(&in, 6);
    add_single(&in, 5, 1, 0);
    add_vehicle(&in, 0, 0, 5);
    add_vehicle(&in, 0, 0, 5);
    in.vehicles[0].max_travel = 9; /* the round trip is 10 */
    in.vehicles[1].profile = 1;    /* 20 */
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 1);
    if (s.route_count == 1) {
        CHECK_EQ_INT(s.routes[0].vehicle, 1);
    }
    CHECK_NEAR(s.cost, 20, 1e-9);
    dorf_vrp_solution_release(&s);
    in.vehicles[1].latest = 19.5;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.unserved_required, 1);
    dorf_vrp_solution_release(&s);
}

static void test_nothing_to_do_gives_an_empty_plan(void) {
    inst in;
    inst_line(&in, 2);
    add_vehicle(&in, 0, 0, 5);
    dorf_vrp_solution s;
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.route_count, 0);
    CHECK_EQ_INT(s.unserved_count, 0);
    CHECK_NEAR(s.cost, 0, 0);
    dorf_vrp_solution_release(&s);
    /* No vehicles: everything unserved. */
    inst_line(&in, 2);
    add_single(&in, 1, 1, 0);
    add_single(&in, 1, 1, 4);
    CHECK_EQ_INT(solve(&in, &s), DORF_OK);
    CHECK_EQ_INT(s.unserved_count, 2);
    CHECK_EQ_INT(s.unserved_required, 1);
    CHECK_NEAR(s.cost, 4, 0);
    dorf_vrp_solution_release(&s);
}

static void test_refuses_problems_it_cannot_take(void) {
    inst in;
    inst_line(&in, 2);
    for (int i = 0; i < DORF_VRP_EXACT_MAX_REQUESTS + 1; i++) {
        add_single(&in, 1, 0, 0);
    }
    add_vehicle(&in, 0, 0, 5);
    expect_failure(&in, 0, DORF_EINVAL, "15 requests, the exact solver takes at most 14");

    inst_line(&in, 2);
    add_single(&in, 2, 1, 0); /* location out of range */
    add_vehicle(&in, 0, 0, 5);
    expect_failure(&in, 0, DORF_EINVAL, "location 2 out of range");

    inst_line(&in, 2);
    add_single(&in, 1, 1, 0);
    add_vehicle(&in, 0, 0, 5);
    expect_failure(&in, -1, DORF_EINVAL, "time limit");
}

static void test_time_limit_is_reported_as_an_io_failure(void) {
    inst in;
    inst_line(&in, 3);
    add_parcel(&in, 1, 2, 1, 0);
    add_vehicle(&in, 0, 0, 5);
    expect_failure(&in, 1e-9, DORF_EIO, "time limit of 1e-09 s exceeded");
}

#ifdef DORF_FAULT_INJECTION
static void test_every_allocation_failure_is_reported(void) {
    inst in;
    inst_line(&in, 5);
    add_parcel(&in, 3, 1, 1, 0);
    add_parcel(&in, 2, 4, 1, 0);
    add_single(&in, 4, 1, 5);
    add_vehicle(&in, 0, 0, 2);
    add_vehicle(&in, 0, 0, 2);
    add_vehicle(&in, 0, 0, 2);
    in.fixed[0][0] = 0;
    in.vehicles[0].fixed = in.fixed[0];
    in.vehicles[0].fixed_count = 1;
    dorf_vrp_problem *p = inst_problem(&in);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_solution s;
    dorf_alloc_fail_after(0, 0);
    CHECK_EQ_INT(dorf_vrp_solve_exact(ctx, p, 0, &s), DORF_OK);
    unsigned long total = dorf_alloc_fail_after(0, 0);
    double cost = s.cost;
    dorf_vrp_solution_release(&s);
    CHECK(total > 10);
    for (unsigned long n = 1; n <= total; n++) {
        dorf_ctx_clear_error(ctx);
        dorf_alloc_fail_after(n, 0);
        dorf_status st = dorf_vrp_solve_exact(ctx, p, 0, &s);
        dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK_NEAR(s.cost, cost, 1e-9);
            dorf_vrp_solution_release(&s);
            continue;
        }
        if (st != DORF_ENOMEM || dorf_ctx_errmsg(ctx)[0] == '\0' || s.routes || s.unserved) {
            fprintf(stderr, "  allocation %lu of %lu: %s: '%s'\n", n, total, dorf_strerror(st),
                    dorf_ctx_errmsg(ctx));
            CHECK(0);
            break;
        }
    }
    dorf_ctx_free(ctx);
}
#endif

/*
 * Brute force. For every vehicle and every set of requests, the cheapest feasible order of
 * the set's tasks (all orders tried); then every assignment of requests to a vehicle or to
 * nobody, ranked as dorf/vrp.h ranks plans.
 */

typedef struct brute {
    const dorf_vrp_problem *p;
    uint32_t v;
    uint32_t order[2 * MAX_REQ];
    unsigned char used[2 * MAX_REQ];
    uint32_t tasks[2 * MAX_REQ]; /* the set's tasks */
    size_t n;
    double best;
} brute;

/* Travel of `order` for vehicle v, or INFINITY when it breaks a rule. */
static double route_travel(const dorf_vrp_problem *p, uint32_t v, const uint32_t *order, size_t n) {
    const dorf_vrp_vehicle *veh = &p->vehicles[v];
    const double *m = p->travel[veh->profile];
    size_t nl = p->location_count;
    double t = veh->earliest;
    double travel = 0;
    long load = 0;
    uint32_t at = veh->start;
    for (size_t i = 0; i < n; i++) {
        const dorf_vrp_task *task = &p->tasks[order[i]];
        double leg = m[at * nl + task->location];
        travel += leg;
        t = fmax(t + leg, task->earliest);
        load += task->demand;
        if (!isfinite(leg) || t > task->latest || load < 0 || load > veh->capacity) {
            return INFINITY;
        }
        t += task->service;
        at = task->location;
    }
    double leg = m[at * nl + veh->end];
    travel += leg;
    if (!isfinite(leg) || t + leg > veh->latest || travel > veh->max_travel) {
        return INFINITY;
    }
    return travel;
}

static int is_delivery(const dorf_vrp_problem *p, uint32_t task, uint32_t *pickup) {
    for (size_t r = 0; r < p->request_count; r++) {
        if (p->requests[r].delivery == task) {
            *pickup = p->requests[r].pickup;
            return 1;
        }
    }
    return 0;
}

static void permute(brute *b, size_t depth) {
    const dorf_vrp_vehicle *veh = &b->p->vehicles[b->v];
    if (depth == b->n) {
        double t = route_travel(b->p, b->v, b->order, b->n);
        if (t < b->best) {
            b->best = t;
        }
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        uint32_t task = b->tasks[i];
        if (b->used[i]) {
            continue;
        }
        if (depth < veh->fixed_count && task != veh->fixed[depth]) {
            continue;
        }
        uint32_t pickup;
        if (is_delivery(b->p, task, &pickup)) {
            int done = 0;
            for (size_t k = 0; k < depth; k++) {
                done |= b->order[k] == pickup;
            }
            if (!done) {
                continue;
            }
        }
        b->used[i] = 1;
        b->order[depth] = task;
        permute(b, depth + 1);
        b->used[i] = 0;
    }
}

static int fixed_in(const dorf_vrp_problem *p, uint32_t v, uint32_t r) {
    const dorf_vrp_vehicle *veh = &p->vehicles[v];
    for (size_t k = 0; k < veh->fixed_count; k++) {
        if (veh->fixed[k] == p->requests[r].pickup || veh->fixed[k] == p->requests[r].delivery) {
            return 1;
        }
    }
    return 0;
}

/* Cheapest travel of vehicle v serving exactly `set`; 0 for an unused vehicle; INFINITY. */
static double set_travel(const dorf_vrp_problem *p, uint32_t v, uint32_t set) {
    brute b;
    memset(&b, 0, sizeof b);
    b.p = p;
    b.v = v;
    b.best = INFINITY;
    for (uint32_t r = 0; r < p->request_count; r++) {
        int in_set = (set >> r) & 1;
        int mine = fixed_in(p, v, r);
        int elsewhere = 0;
        for (uint32_t w = 0; w < p->vehicle_count; w++) {
            elsewhere |= w != v && fixed_in(p, w, r);
        }
        uint32_t bound = p->requests[r].vehicle;
        if (in_set && (elsewhere || (bound != DORF_VRP_NONE && bound != v))) {
            return INFINITY;
        }
        if (!in_set && mine) {
            return INFINITY;
        }
        if (in_set) {
            b.tasks[b.n++] = p->requests[r].pickup;
            if (p->requests[r].delivery != DORF_VRP_NONE) {
                b.tasks[b.n++] = p->requests[r].delivery;
            }
        }
    }
    if (b.n == 0) {
        return 0;
    }
    permute(&b, 0);
    return b.best;
}

typedef struct rank {
    int feasible;
    size_t unserved_required;
    size_t vehicles;
    double cost;
} rank;

static rank brute_force(const dorf_vrp_problem *p) {
    size_t nreq = p->request_count, nveh = p->vehicle_count;
    double table[MAX_VEH][1 << 5];
    for (uint32_t v = 0; v < nveh; v++) {
        for (uint32_t set = 0; set < (1u << nreq); set++) {
            table[v][set] = set_travel(p, v, set);
        }
    }
    rank best = {0, 0, 0, 0};
    size_t combos = 1;
    for (size_t r = 0; r < nreq; r++) {
        combos *= nveh + 1;
    }
    for (size_t code = 0; code < combos; code++) {
        uint32_t sets[MAX_VEH] = {0};
        rank now = {1, 0, 0, 0};
        size_t c = code;
        for (size_t r = 0; r < nreq; r++, c /= nveh + 1) {
            size_t who = c % (nveh + 1);
            if (who == nveh) {
                if (p->requests[r].vehicle != DORF_VRP_NONE) {
                    now.feasible = 0;
                }
                now.unserved_required += p->requests[r].penalty == 0;
                now.cost += p->requests[r].penalty;
            } else {
                sets[who] |= 1u << r;
            }
        }
        for (uint32_t v = 0; v < nveh; v++) {
            double t = table[v][sets[v]];
            now.feasible &= isfinite(t);
            now.cost += t;
            now.vehicles += sets[v] != 0;
        }
        if (!now.feasible) {
            continue;
        }
        if (!best.feasible || now.unserved_required < best.unserved_required ||
            (now.unserved_required == best.unserved_required &&
             (now.vehicles < best.vehicles ||
              (now.vehicles == best.vehicles && now.cost < best.cost)))) {
            best = now;
        }
    }
    return best;
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

/*
 * 2-5 requests, 1-3 vehicles (some identical) on a 10 x 10 grid, Euclidean travel, sometimes with
 * detours; windows, penalties, profiles, bound requests and fixed tasks now and then.
 */
static void random_instance(inst *in) {
    memset(in, 0, sizeof *in);
    size_t nreq = 2 + rnd(4), nveh = 1 + rnd(3);
    in->nloc = 1; /* the depot */
    in->x[0] = rnd(11);
    in->y[0] = rnd(11);
    for (size_t v = 0; v < nveh; v++) {
        if (v > 0 && rnd(10) < 3) {
            in->vehicles[v] = in->vehicles[0];
            in->vehicles[v].id = 10 + (uint32_t)v;
            in->p.vehicle_count++;
            continue;
        }
        uint32_t start = 0, end = 0;
        if (rnd(10) < 3) {
            start = (uint32_t)in->nloc++;
            end = rnd(2) ? start : 0;
        }
        add_vehicle(in, start, end, (int32_t)(2 + rnd(4)));
        dorf_vrp_vehicle *veh = &in->vehicles[v];
        if (rnd(10) < 3) {
            veh->latest = 50 + rnd(60);
        }
        if (rnd(10) < 3) {
            veh->max_travel = 25 + rnd(30);
        }
        if (rnd(10) < 2) {
            veh->profile = 1;
        }
        if (rnd(10) < 2) {
            veh->earliest = rnd(10);
        }
    }
    for (size_t r = 0; r < nreq; r++) {
        double penalty = rnd(2) ? 0 : 1 + rnd(40) + 0.25;
        int32_t size = (int32_t)(1 + rnd(3));
        uint32_t a = (uint32_t)in->nloc++;
        if (rnd(4) > 0) {
            uint32_t b = (uint32_t)in->nloc++;
            add_parcel(in, a, b, size, penalty);
        } else {
            add_single(in, a, size, penalty);
        }
        if (rnd(10) == 0) {
            in->requests[r].vehicle = rnd((uint32_t)nveh);
        }
    }
    for (size_t t = 0; t < in->p.task_count; t++) {
        if (rnd(2)) {
            double e = rnd(40);
            set_window(in, (uint32_t)t, e, e + 5 + rnd(30));
        }
        in->tasks[t].service = rnd(3);
    }
    for (size_t i = 1; i < in->nloc; i++) {
        in->x[i] = rnd(11);
        in->y[i] = rnd(11);
    }
    for (size_t a = 0; a < in->nloc; a++) {
        for (size_t b = 0; b < in->nloc; b++) {
            double d = hypot(in->x[a] - in->x[b], in->y[a] - in->y[b]);
            in->matrix[0][a * in->nloc + b] = d;
            in->matrix[1][a * in->nloc + b] = 1.5 * d;
        }
    }
    if (rnd(10) < 3) {
        /* Detours and missing ways: travel times that break the triangle inequality. */
        for (size_t i = 0; i < in->nloc * in->nloc; i++) {
            uint32_t die = rnd(100);
            if (i % (in->nloc + 1) == 0 || die >= 25) {
                continue;
            }
            double f = die < 2 ? INFINITY : 1 + rnd(150) / 100.0;
            in->matrix[0][i] = isinf(f) ? f : in->matrix[0][i] * f;
            in->matrix[1][i] = isinf(f) ? f : in->matrix[1][i] * f;
        }
    }
    if (rnd(100) < 15 && in->requests[0].vehicle != 1) {
        /* vehicle 0 has made request 0's pickup, or all of it */
        in->requests[0].vehicle = DORF_VRP_NONE;
        in->fixed[0][0] = in->requests[0].pickup;
        in->vehicles[0].fixed = in->fixed[0];
        in->vehicles[0].fixed_count = 1;
        if (in->requests[0].delivery != DORF_VRP_NONE && rnd(2)) {
            in->fixed[0][1] = in->requests[0].delivery;
            in->vehicles[0].fixed_count = 2;
        }
    }
}

static void test_random_small_problems_match_brute_force(void) {
    rng_state = 20261127;
    int solved = 0, refused = 0, mismatches = 0;
    int left_out = 0, several = 0, fixed = 0, bound = 0; /* what the solved ones covered */
    double exact_s = 0;
    for (int i = 0; i < 1200 && mismatches < 5; i++) {
        inst in;
        random_instance(&in);
        dorf_vrp_problem *p = inst_problem(&in);
        rank want = brute_force(p);
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_vrp_solution s;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        dorf_status st = dorf_vrp_solve_exact(ctx, p, 0, &s);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        exact_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        int bad = 0;
        if (!want.feasible) {
            /* Bound requests or fixed tasks that no plan can serve. */
            bad = st != DORF_EINVAL;
            refused += !bad;
        } else if (st != DORF_OK) {
            bad = 1;
        } else {
            char why[512];
            if (!vrp_check_solution(p, &s, why, sizeof why)) {
                fprintf(stderr, "  instance %d: checker: %s\n", i, why);
                bad = 1;
            }
            if (s.unserved_required != want.unserved_required || s.vehicles_used != want.vehicles ||
                fabs(s.cost - want.cost) > 1e-6) {
                bad = 1;
            }
            solved++;
            left_out += s.unserved_count > s.unserved_required;
            several += s.vehicles_used > 1;
            fixed += p->vehicles[0].fixed_count > 0;
            for (size_t r = 0; r < p->request_count; r++) {
                if (p->requests[r].vehicle != DORF_VRP_NONE) {
                    bound++;
                    break;
                }
            }
        }
        if (bad) {
            fprintf(stderr,
                    "  instance %d (%zu requests, %zu vehicles): exact %s '%s' (%zu, %zu, %.9g), "
                    "brute force %s (%zu, %zu, %.9g)\n",
                    i, p->request_count, p->vehicle_count, dorf_strerror(st), dorf_ctx_errmsg(ctx),
                    st ? 0 : s.unserved_required, st ? 0 : s.vehicles_used, st ? 0 : s.cost,
                    want.feasible ? "feasible" : "infeasible", want.unserved_required,
                    want.vehicles, want.cost);
            mismatches++;
        }
        CHECK(!bad);
        if (st == DORF_OK) {
            dorf_vrp_solution_release(&s);
        }
        dorf_ctx_free(ctx);
    }
    printf("  %d optima equal the brute force's (%d leave optional requests out, %d use several "
           "vehicles, %d have fixed tasks, %d bound requests), %d infeasible problems refused, "
           "%.3f s in the exact solver\n",
           solved, left_out, several, fixed, bound, refused, exact_s);
    CHECK(solved > 1000);
    CHECK(left_out > 50 && several > 50 && fixed > 50 && bound > 50 && refused > 20);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_one_vehicle_two_parcels_on_a_line);
    RUN(test_capacity_forces_a_second_vehicle);
    RUN(test_identical_vehicles_are_used_in_index_order);
    RUN(test_time_windows_force_the_order);
    RUN(test_a_request_no_vehicle_can_serve_is_unserved);
    RUN(test_an_optional_request_is_served_when_its_penalty_exceeds_the_detour);
    RUN(test_an_optional_request_alone_is_not_worth_a_vehicle);
    RUN(test_fewer_vehicles_beat_less_travel);
    RUN(test_a_bound_request_is_served_by_its_vehicle);
    RUN(test_bound_requests_that_cannot_be_served_together_are_refused);
    RUN(test_fixed_tasks_stay_first);
    RUN(test_fixed_pickup_that_cannot_be_delivered_is_refused);
    RUN(test_vehicle_limits_and_profiles);
    RUN(test_nothing_to_do_gives_an_empty_plan);
    RUN(test_refuses_problems_it_cannot_take);
    RUN(test_time_limit_is_reported_as_an_io_failure);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    RUN(test_random_small_problems_match_brute_force);
    return check_summary();
}
