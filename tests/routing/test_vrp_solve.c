/*
 * test_vrp_solve.c: the LieferBar optimiser (routing/vrp_solve.c, vrp_search.c, vrp_route.c,
 * vrp_pool.c). Every plan it returns must pass the independent checker; on small problems it
 * must reach the exact solver's optimum (the oracle); with a seed and an iteration limit it
 * must repeat itself; re-optimisation must keep the stops already made where they were; and
 * it must reach the best-known solutions of a few benchmark instances within a fixed number
 * of iterations (the quality floor CI keeps; the timed comparison is tests/bench/vrp/run).
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/context.h"
#include "dorf/vrp.h"
#include "vrp_checker.c"
#include "vrp_internal.h"
#include "vrp_search.h"

#define MAX_LOC 40
#define MAX_REQ 16
#define MAX_VEH 4

typedef struct inst {
    size_t nloc;
    double x[MAX_LOC], y[MAX_LOC];
    double matrix[2][MAX_LOC * MAX_LOC];
    const double *travel[2];
    dorf_vrp_task tasks[2 * MAX_REQ];
    dorf_vrp_request requests[MAX_REQ];
    dorf_vrp_vehicle vehicles[MAX_VEH];
    uint32_t fixed[MAX_VEH][2 * MAX_REQ];
    dorf_vrp_problem p;
} inst;

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

static void inst_points(inst *in, size_t n) {
    for (size_t i = 0; i < n; i++) {
        in->x[i] = rnd(100);
        in->y[i] = rnd(100);
    }
    in->nloc = n;
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++) {
            double d = hypot(in->x[a] - in->x[b], in->y[a] - in->y[b]);
            in->matrix[0][a * n + b] = d;     /* driving */
            in->matrix[1][a * n + b] = 3 * d; /* cycling */
        }
    }
}

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

static uint32_t add_task(inst *in, uint32_t loc, int32_t demand, double e, double l, double s) {
    uint32_t t = (uint32_t)in->p.task_count++;
    dorf_vrp_task task = {t + 1, loc, demand, e, l, s};
    in->tasks[t] = task;
    return t;
}

/*
 * A random small problem with everything LieferBar has: vehicles with their own start and end,
 * capacity, window, profile and travel limit; parcels with windows; single stops; optional
 * requests with a penalty; and a trip bound to a vehicle.
 */
static void random_problem(inst *in, uint32_t requests, uint32_t vehicles) {
    memset(in, 0, sizeof *in);
    inst_points(in, vehicles + 2 * requests + 1);
    uint32_t loc = 0;
    for (uint32_t v = 0; v < vehicles; v++) {
        dorf_vrp_vehicle veh = {v + 1,
                                loc,
                                rnd(3) ? loc : loc + 1,
                                0,
                                600 + rnd(400),
                                2 + (int32_t)rnd(4),
                                rnd(4) == 0,
                                INFINITY,
                                NULL,
                                0};
        if (rnd(3) == 0)
            veh.max_travel = 150 + rnd(200);
        in->vehicles[in->p.vehicle_count++] = veh;
        loc++;
    }
    loc++;
    for (uint32_t r = 0; r < requests; r++) {
        dorf_vrp_request *req = &in->requests[in->p.request_count++];
        double e = rnd(300);
        if (r == 0 && vehicles > 1) { /* a trip vehicle 1 makes anyway */
            req->pickup = add_task(in, loc++, 0, e, e + 200, 5);
            req->delivery = DORF_VRP_NONE;
            req->vehicle = 1;
            continue;
        }
        req->vehicle = DORF_VRP_NONE;
        req->penalty = rnd(4) == 0 ? 20 + rnd(200) : 0;
        int32_t size = 1 + (int32_t)rnd(2);
        if (rnd(5) == 0) {
            req->pickup = add_task(in, loc++, size, e, e + 150 + rnd(300), 5);
            req->delivery = DORF_VRP_NONE;
        } else {
            req->pickup = add_task(in, loc++, size, e, e + 100 + rnd(300), 5);
            double e2 = e + rnd(200);
            req->delivery = add_task(in, loc++, -size, e2, e2 + 150 + rnd(300), 5);
        }
    }
    inst_problem(in);
}

static int solve(const dorf_vrp_problem *p, uint64_t seed, uint64_t iterations,
                 const dorf_vrp_solution *initial, dorf_vrp_solution *out) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_options o = {0};
    o.seed = seed;
    o.max_iterations = iterations;
    o.initial = initial;
    dorf_status st = dorf_vrp_solve(ctx, p, &o, out);
    if (st != DORF_OK)
        fprintf(stderr, "  solve: %s: %s\n", dorf_strerror(st), dorf_ctx_errmsg(ctx));
    dorf_ctx_free(ctx);
    CHECK_EQ_INT(st, DORF_OK);
    if (st != DORF_OK)
        return 0;
    char why[512];
    int ok = vrp_check_solution(p, out, why, sizeof why);
    if (!ok)
        fprintf(stderr, "  checker: %s\n", why);
    CHECK(ok);
    return ok;
}

static void test_small_problems_reach_the_exact_optimum(void) {
    static inst in;
    int compared = 0, mismatched = 0;
    for (uint32_t k = 0; k < 60; k++) {
        rng_state = 1000 + k;
        uint32_t requests = 3 + k % 8; /* 3 .. 10 */
        random_problem(&in, requests, 1 + k % 3);
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_vrp_solution exact, heur;
        dorf_status st = dorf_vrp_solve_exact(ctx, &in.p, 60, &exact);
        dorf_ctx_free(ctx);
        if (st == DORF_EINVAL) /* bound trip infeasible for its vehicle: refused by both */
            continue;
        CHECK_EQ_INT(st, DORF_OK);
        if (st != DORF_OK)
            continue;
        if (solve(&in.p, k, 4000, NULL, &heur)) {
            char why[512];
            int same = vrp_check_same_rank(&heur, &exact, why, sizeof why);
            if (!same) {
                fprintf(stderr, "  problem %u (%u requests): %s\n", k, requests, why);
                mismatched++;
            }
            CHECK(vrp_check_not_better(&heur, &exact, why, sizeof why));
            compared++;
            dorf_vrp_solution_release(&heur);
        }
        dorf_vrp_solution_release(&exact);
    }
    fprintf(stderr, "  %d small problems compared with the exact optimum, %d differ\n", compared,
            mismatched);
    CHECK(compared >= 40);
    CHECK_EQ_INT(mismatched, 0);
}

static void test_same_seed_and_iterations_repeat_the_plan(void) {
    static inst in;
    rng_state = 77;
    random_problem(&in, 12, 3);
    dorf_vrp_solution a, b;
    if (!solve(&in.p, 5, 400, NULL, &a))
        return;
    if (solve(&in.p, 5, 400, NULL, &b)) {
        CHECK_EQ_INT(a.route_count, b.route_count);
        CHECK_EQ_INT(a.vehicles_used, b.vehicles_used);
        CHECK(a.cost == b.cost);
        for (size_t i = 0; i < a.route_count && i < b.route_count; i++) {
            CHECK_EQ_INT(a.routes[i].task_count, b.routes[i].task_count);
            if (a.routes[i].task_count == b.routes[i].task_count)
                CHECK(memcmp(a.routes[i].tasks, b.routes[i].tasks,
                             a.routes[i].task_count * sizeof(uint32_t)) == 0);
        }
        dorf_vrp_solution_release(&b);
    }
    dorf_vrp_solution_release(&a);
}

/* The bound trip of every vehicle is served by it, whatever else there is to do. */
static void test_trips_are_kept_among_many_parcels(void) {
    static inst in;
    for (uint32_t k = 0; k < 10; k++) {
        rng_state = 300 + k;
        memset(&in, 0, sizeof in);
        inst_points(&in, 36);
        for (uint32_t v = 0; v < 3; v++) {
            dorf_vrp_vehicle veh = {v, v, v, 0, 700, 2, 0, INFINITY, NULL, 0};
            in.vehicles[in.p.vehicle_count++] = veh;
            dorf_vrp_request *trip = &in.requests[in.p.request_count++];
            trip->pickup = add_task(&in, 3 + v, 0, 100, 400, 10);
            trip->delivery = DORF_VRP_NONE;
            trip->vehicle = v;
        }
        for (uint32_t r = 0; r < 13; r++) {
            dorf_vrp_request *req = &in.requests[in.p.request_count++];
            req->vehicle = DORF_VRP_NONE;
            req->pickup = add_task(&in, 6 + 2 * r, 1, 0, 500, 5);
            req->delivery = add_task(&in, 7 + 2 * r, -1, 0, 650, 5);
        }
        inst_problem(&in);
        dorf_vrp_solution s;
        if (solve(&in.p, k, 800, NULL, &s))
            dorf_vrp_solution_release(&s);
    }
}

/*
 * Re-optimisation: halfway through the day the stops already made become fixed, one parcel
 * is cancelled and a new one comes in. The new plan keeps every fixed stop first and in order
 * and serves the new parcel when the first plan left room.
 */
static void test_reoptimisation_keeps_the_stops_already_made(void) {
    static inst in, next;
    for (uint32_t k = 0; k < 8; k++) {
        rng_state = 500 + k;
        memset(&in, 0, sizeof in);
        inst_points(&in, 34);
        for (uint32_t v = 0; v < 3; v++) {
            dorf_vrp_vehicle veh = {v, 0, 0, 0, 1000, 4, 0, INFINITY, NULL, 0};
            in.vehicles[in.p.vehicle_count++] = veh;
        }
        for (uint32_t r = 0; r < 14; r++) {
            dorf_vrp_request *req = &in.requests[in.p.request_count++];
            req->vehicle = DORF_VRP_NONE;
            double e = rnd(400);
            req->pickup = add_task(&in, 1 + 2 * r, 1, e, e + 300, 5);
            req->delivery = add_task(&in, 2 + 2 * r, -1, e, e + 500, 5);
        }
        inst_problem(&in);
        dorf_vrp_solution first;
        if (!solve(&in.p, k, 600, NULL, &first))
            continue;
        /* The same problem plus one parcel; tasks served before t = 250 are fixed. */
        next = in;
        inst_problem(&next);
        dorf_vrp_request *add = &next.requests[next.p.request_count++];
        add->vehicle = DORF_VRP_NONE;
        add->pickup = add_task(&next, 30, 1, 300, 700, 5);
        add->delivery = add_task(&next, 31, -1, 300, 900, 5);
        for (size_t i = 0; i < first.route_count; i++) {
            const dorf_vrp_route *r = &first.routes[i];
            dorf_vrp_vehicle *veh = &next.vehicles[r->vehicle];
            veh->fixed = next.fixed[r->vehicle];
            veh->fixed_count = 0;
            for (size_t j = 0; j < r->task_count && r->service_start[j] < 250; j++)
                next.fixed[r->vehicle][veh->fixed_count++] = r->tasks[j];
        }
        /* Cancel a parcel not yet picked up: make it optional at no gain... by removing it is
           what the platform does; here its penalty makes leaving it out free of rank 1. */
        for (uint32_t q = 0; q < next.p.request_count - 1; q++) {
            int fixed = 0;
            for (uint32_t v = 0; v < 3; v++)
                for (size_t j = 0; j < next.vehicles[v].fixed_count; j++)
                    fixed |= next.fixed[v][j] == next.requests[q].pickup;
            if (!fixed) {
                next.requests[q].penalty = 1e-3;
                break;
            }
        }
        dorf_vrp_solution again;
        if (solve(&next.p, k, 300, &first, &again)) {
            for (uint32_t v = 0; v < 3; v++) {
                const dorf_vrp_vehicle *veh = &next.vehicles[v];
                const dorf_vrp_route *r = NULL;
                for (size_t i = 0; i < again.route_count; i++)
                    if (again.routes[i].vehicle == v)
                        r = &again.routes[i];
                if (veh->fixed_count == 0)
                    continue;
                CHECK(r != NULL);
                if (!r)
                    continue;
                CHECK(r->task_count >= veh->fixed_count);
                for (size_t j = 0; j < veh->fixed_count && j < r->task_count; j++)
                    CHECK_EQ_INT(r->tasks[j], veh->fixed[j]);
            }
            CHECK(again.unserved_required <= first.unserved_required + 1);
            dorf_vrp_solution_release(&again);
        }
        dorf_vrp_solution_release(&first);
    }
}

/* The quality floor: best-known solutions reached within a fixed number of iterations. */
static void test_benchmarks_reach_their_best_known_solutions(void) {
    static const struct {
        const char *file;
        size_t vehicles;
        double distance;
    } cases[] = {
        {"li_lim/100/lc101.txt", 10, 828.9369},
        {"li_lim/100/lr105.txt", 14, 1377.1110},
        {"li_lim/100/lrc201.txt", 4, 1406.9401},
        {"homberger/200/c1_2_1.txt", 20, 2704.5678},
    };
    const char *data = getenv("DORF_SHARED_DATA");
    if (!data) {
        fprintf(stderr, "  DORF_SHARED_DATA not set\n");
        CHECK(data != NULL);
        return;
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/vrp/%s", data, cases[i].file);
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_vrp_instance *instance = NULL;
        dorf_status st = dorf_vrp_read(ctx, path, &instance);
        dorf_ctx_free(ctx);
        CHECK_EQ_INT(st, DORF_OK);
        if (st)
            continue;
        dorf_vrp_solution s;
        if (solve(&instance->problem, 1, 6000, NULL, &s)) {
            double gap = (s.travel - cases[i].distance) / cases[i].distance * 100;
            fprintf(stderr, "  %s: %zu vehicles (best known %zu), %.4f (%.2f%% above)\n",
                    instance->name, s.vehicles_used, cases[i].vehicles, s.travel, gap);
            CHECK_EQ_INT(s.vehicles_used, cases[i].vehicles);
            CHECK(gap < 1.0);
            dorf_vrp_solution_release(&s);
        }
        dorf_vrp_instance_free(instance);
    }
}

static void test_an_interrupted_search_returns_its_plan(void) {
    static inst in;
    rng_state = 9;
    random_problem(&in, 10, 2);
    static volatile sig_atomic_t flag = 1;
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_ctx_set_interrupt_flag(ctx, &flag);
    dorf_vrp_stats stats;
    dorf_vrp_options o = {0};
    o.time_limit_s = 60;
    o.stats = &stats;
    dorf_vrp_solution s;
    CHECK_EQ_INT(dorf_vrp_solve(ctx, &in.p, &o, &s), DORF_OK);
    CHECK(stats.interrupted);
    CHECK(stats.seconds < 30);
    char why[512];
    CHECK(vrp_check_solution(&in.p, &s, why, sizeof why));
    dorf_vrp_solution_release(&s);
    dorf_ctx_free(ctx);
}

static void test_bad_problems_and_options_are_refused(void) {
    static inst in;
    rng_state = 4;
    random_problem(&in, 4, 2);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_solution s;
    in.tasks[0].location = 999;
    CHECK_EQ_INT(dorf_vrp_solve(ctx, &in.p, NULL, &s), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "location 999 out of range");
    in.tasks[0].location = 3;
    dorf_vrp_options o = {0};
    o.time_limit_s = NAN;
    CHECK_EQ_INT(dorf_vrp_solve(ctx, &in.p, &o, &s), DORF_EINVAL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "time limit");
    dorf_ctx_free(ctx);
}

/* A pool that is full still takes the plan it recombines from, and never loses it. */
static void test_a_full_route_pool_still_recombines(void) {
    static inst in;
    rng_state = 31;
    random_problem(&in, 10, 3);
    dorf_ctx *ctx = dorf_ctx_new();
    vrp_model m;
    vrp_pool *pool = NULL;
    vrp_search *search = NULL;
    CHECK_EQ_INT(vrp_model_init(ctx, &in.p, &m), DORF_OK);
    CHECK_EQ_INT(vrp_pool_new(&m, 1, &pool), DORF_OK);
    CHECK_EQ_INT(vrp_search_new(&m, pool, 7, &search), DORF_OK);
    CHECK_EQ_INT(vrp_search_construct(search), DORF_OK);
    vrp_search_run_options ro = {0};
    ro.deadline = vrp_now() + 60;
    ro.max_iterations = 200;
    CHECK_EQ_INT(vrp_search_run(search, &ro), DORF_OK);
    vrp_plan *best = vrp_search_best(search);
    double before = best->travel + best->penalty;
    uint32_t used = best->used;
    int improved = -1;
    CHECK_EQ_INT(vrp_pool_recombine(ctx, pool, best, 1, &improved), DORF_OK);
    CHECK(improved == 0 || improved == 1);
    CHECK(best->used < used ||
          (best->used == used && best->travel + best->penalty <= before + 1e-9));
    vrp_search_free(search);
    vrp_pool_free(pool);
    vrp_model_release(&m);
    dorf_ctx_free(ctx);
}

#ifdef DORF_FAULT_INJECTION
static void test_every_allocation_failure_is_reported(void) {
    static inst in;
    rng_state = 21;
    random_problem(&in, 6, 2);
    dorf_vrp_options o = {0};
    o.max_iterations = 50;
    o.seed = 3;
    for (unsigned long n = 1;; n++) {
        dorf_ctx *ctx = dorf_ctx_new();
        dorf_vrp_solution s;
        dorf_alloc_fail_after(n, 0);
        dorf_status st = dorf_vrp_solve(ctx, &in.p, &o, &s);
        unsigned long made = dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            char why[512];
            CHECK(vrp_check_solution(&in.p, &s, why, sizeof why));
            dorf_vrp_solution_release(&s);
        } else {
            CHECK_EQ_INT(st, DORF_ENOMEM);
        }
        dorf_ctx_free(ctx);
        if (made < n)
            break; /* the run made fewer allocations than n: every site was tried */
    }
}
#endif

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_small_problems_reach_the_exact_optimum);
    RUN(test_same_seed_and_iterations_repeat_the_plan);
    RUN(test_trips_are_kept_among_many_parcels);
    RUN(test_reoptimisation_keeps_the_stops_already_made);
    RUN(test_benchmarks_reach_their_best_known_solutions);
    RUN(test_an_interrupted_search_returns_its_plan);
    RUN(test_bad_problems_and_options_are_refused);
    RUN(test_a_full_route_pool_still_recombines);
#ifdef DORF_FAULT_INJECTION
    RUN(test_every_allocation_failure_is_reported);
#endif
    return check_summary();
}
