/*
 * test_vrp_checker.c: the independent plan checker (tests/routing/vrp_checker.c) that every VRP
 * test relies on. A hand-made problem on a line with a valid plan worked out by hand; the
 * checker accepts the plan, and each test breaks one rule (in the plan or in the problem)
 * and expects the checker to refuse it for that reason.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dorf/context.h"
#include "dorf/vrp.h"
#include "vrp_checker.c"

/*
 * Six locations on a line, travel time |a - b|. Parcel A: task 0 at 1 (service 1) -> task 1 at
 * 3 (service 1); parcel B: task 2 at 2 -> task 3 at 4 (not before 10); single stop C: task 4
 * at 5, optional (penalty 7). Two vehicles at 0, window [0, 100], capacity 2, travel limit 50.
 *
 * The plan: vehicle 0 does 0 2 1 3: arrives at 1 at 1 (ready 2), at 2 at 3, at 3 at 4 (ready
 * 5), at 4 at 6 and waits till 10, back at 0 at 14; travel 1+1+1+1+4 = 8, loads 1 2 1 0.
 * C unserved: cost 8 + 7 = 15.
 */
typedef struct fx {
    double matrix[36];
    const double *travel[1];
    dorf_vrp_task tasks[5];
    dorf_vrp_request requests[3];
    dorf_vrp_vehicle vehicles[2];
    uint32_t fixed[2];
    dorf_vrp_problem p;
    uint32_t route_tasks[2][8];
    double route_starts[2][8];
    dorf_vrp_route routes[2];
    uint32_t unserved[4];
    dorf_vrp_solution s;
    char why[512];
} fx;

static void fx_init(fx *f) {
    memset(f, 0, sizeof *f);
    for (int a = 0; a < 6; a++) {
        for (int b = 0; b < 6; b++) {
            f->matrix[a * 6 + b] = fabs((double)(a - b));
        }
    }
    f->travel[0] = f->matrix;
    static const dorf_vrp_task tasks[5] = {
        {101, 1, 1, 0, 100, 1},   {102, 3, -1, 0, 100, 1}, {103, 2, 1, 0, 100, 0},
        {104, 4, -1, 10, 100, 0}, {105, 5, 1, 0, 100, 0},
    };
    memcpy(f->tasks, tasks, sizeof tasks);
    dorf_vrp_request requests[3] = {
        {0, 1, 0, DORF_VRP_NONE}, {2, 3, 0, DORF_VRP_NONE}, {4, DORF_VRP_NONE, 7, DORF_VRP_NONE}};
    memcpy(f->requests, requests, sizeof requests);
    for (int v = 0; v < 2; v++) {
        dorf_vrp_vehicle veh = {(uint32_t)(10 + v), 0, 0, 0, 100, 2, 0, 50, NULL, 0};
        f->vehicles[v] = veh;
    }
    f->p.location_count = 6;
    f->p.profile_count = 1;
    f->p.travel = f->travel;
    f->p.tasks = f->tasks;
    f->p.task_count = 5;
    f->p.requests = f->requests;
    f->p.request_count = 3;
    f->p.vehicles = f->vehicles;
    f->p.vehicle_count = 2;

    static const uint32_t order[4] = {0, 2, 1, 3};
    static const double starts[4] = {1, 3, 4, 10};
    memcpy(f->route_tasks[0], order, sizeof order);
    memcpy(f->route_starts[0], starts, sizeof starts);
    for (int i = 0; i < 2; i++) {
        f->routes[i].tasks = f->route_tasks[i];
        f->routes[i].service_start = f->route_starts[i];
    }
    f->routes[0].vehicle = 0;
    f->routes[0].task_count = 4;
    f->routes[0].departure = 0;
    f->routes[0].arrival = 14;
    f->routes[0].travel = 8;
    f->unserved[0] = 2;
    f->s.routes = f->routes;
    f->s.route_count = 1;
    f->s.unserved = f->unserved;
    f->s.unserved_count = 1;
    f->s.unserved_required = 0;
    f->s.vehicles_used = 1;
    f->s.travel = 8;
    f->s.cost = 15;
}

/* The problem is still well formed, and the checker refuses the plan saying `reason`. */
static void expect_refused(fx *f, const char *reason) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_status st = dorf_vrp_problem_check(ctx, &f->p);
    if (st != DORF_OK) {
        fprintf(stderr, "  problem not well formed: %s\n", dorf_ctx_errmsg(ctx));
    }
    CHECK_EQ_INT(st, DORF_OK);
    dorf_ctx_free(ctx);
    CHECK_EQ_INT(vrp_check_solution(&f->p, &f->s, f->why, sizeof f->why), 0);
    CHECK_CONTAINS(f->why, reason);
}

/* Vehicle 1 serves C (task 4 at 5) alone: arrives at 5, back at 10, travel 10. */
static void add_route_for_c(fx *f) {
    f->routes[1].vehicle = 1;
    f->routes[1].task_count = 1;
    f->route_tasks[1][0] = 4;
    f->route_starts[1][0] = 5;
    f->routes[1].departure = 0;
    f->routes[1].arrival = 10;
    f->routes[1].travel = 10;
    f->s.route_count = 2;
    f->s.unserved_count = 0;
    f->s.vehicles_used = 2;
    f->s.travel = 18;
    f->s.cost = 18;
}

static void test_accepts_the_hand_made_plan(void) {
    fx f;
    fx_init(&f);
    int ok = vrp_check_solution(&f.p, &f.s, f.why, sizeof f.why);
    if (!ok) {
        fprintf(stderr, "  %s\n", f.why);
    }
    CHECK_EQ_INT(ok, 1);
    CHECK_STR(f.why, "");
    add_route_for_c(&f);
    ok = vrp_check_solution(&f.p, &f.s, f.why, sizeof f.why);
    if (!ok) {
        fprintf(stderr, "  %s\n", f.why);
    }
    CHECK_EQ_INT(ok, 1);
}

static void test_accepts_an_empty_route_as_the_trip_from_start_to_end(void) {
    fx f;
    fx_init(&f);
    f.vehicles[1].end = 2;
    f.routes[1].vehicle = 1;
    f.routes[1].task_count = 0;
    f.routes[1].departure = 0;
    f.routes[1].arrival = 2;
    f.routes[1].travel = 2;
    f.s.route_count = 2;
    f.s.travel = 10;
    f.s.cost = 17;
    CHECK_EQ_INT(vrp_check_solution(&f.p, &f.s, f.why, sizeof f.why), 1);
    f.s.vehicles_used = 2; /* the empty route does not count */
    expect_refused(&f, "vehicles_used 2, but 1 routes have tasks");
}

static void test_refuses_a_vehicle_out_of_range(void) {
    fx f;
    fx_init(&f);
    f.routes[0].vehicle = 2;
    expect_refused(&f, "route 0: vehicle 2 out of range");
}

static void test_refuses_two_routes_of_one_vehicle(void) {
    fx f;
    fx_init(&f);
    add_route_for_c(&f);
    f.routes[1].vehicle = 0;
    expect_refused(&f, "vehicle 0 has two routes (0 and 1)");
}

static void test_refuses_routes_out_of_vehicle_order(void) {
    fx f;
    fx_init(&f);
    add_route_for_c(&f);
    f.routes[0].vehicle = 1;
    f.routes[1].vehicle = 0;
    expect_refused(&f, "routes not ordered by vehicle");
}

static void test_refuses_more_routes_than_vehicles(void) {
    fx f;
    fx_init(&f);
    f.s.route_count = 3;
    expect_refused(&f, "3 routes for 2 vehicles");
}

static void test_refuses_a_task_out_of_range(void) {
    fx f;
    fx_init(&f);
    f.route_tasks[0][1] = 5;
    expect_refused(&f, "position 1: task 5 out of range");
}

static void test_refuses_a_task_served_twice(void) {
    fx f;
    fx_init(&f);
    add_route_for_c(&f);
    f.route_tasks[1][0] = 2; /* B's pickup again */
    expect_refused(&f, "task 2 (id 103) appears twice");
}

static void test_refuses_a_pickup_without_its_delivery(void) {
    fx f;
    fx_init(&f);
    f.routes[0].task_count = 3; /* drops B's delivery */
    expect_refused(&f, "request 1: pickup (task 2, id 103) served but delivery (task 3, id 104) "
                       "not served");
}

static void test_refuses_a_delivery_before_its_pickup(void) {
    fx f;
    fx_init(&f);
    f.route_tasks[0][0] = 1;
    f.route_tasks[0][2] = 0;
    expect_refused(&f, "request 0: delivery (task 1) at position 0 of route 0 comes before its "
                       "pickup (task 0) at position 2");
}

static void test_refuses_a_parcel_split_over_two_routes(void) {
    fx f;
    fx_init(&f);
    add_route_for_c(&f);
    f.route_tasks[1][0] = 3; /* B's delivery on vehicle 1 */
    f.route_tasks[0][3] = 4;
    expect_refused(&f, "request 1: pickup on route 0 (vehicle 0) but delivery on route 1");
}

static void test_refuses_a_request_neither_served_nor_unserved(void) {
    fx f;
    fx_init(&f);
    f.s.unserved_count = 0;
    expect_refused(&f, "request 2 is neither served nor listed as unserved");
}

static void test_refuses_a_served_request_listed_as_unserved(void) {
    fx f;
    fx_init(&f);
    f.unserved[1] = 0;
    f.s.unserved_count = 2;
    expect_refused(&f, "request 0 is served on route 0 and listed as unserved");
}

static void test_refuses_a_request_listed_unserved_twice(void) {
    fx f;
    fx_init(&f);
    f.unserved[1] = 2;
    f.s.unserved_count = 2;
    expect_refused(&f, "request 2 listed as unserved twice");
}

static void test_refuses_an_unserved_request_out_of_range(void) {
    fx f;
    fx_init(&f);
    f.unserved[0] = 3;
    expect_refused(&f, "unserved[0]: request 3 out of range");
}

static void test_refuses_a_bound_request_on_another_vehicle(void) {
    fx f;
    fx_init(&f);
    f.requests[0].vehicle = 1;
    expect_refused(&f, "request 0 is bound to vehicle 1 but served by vehicle 0");
}

static void test_refuses_a_bound_request_left_unserved(void) {
    fx f;
    fx_init(&f);
    f.requests[2].vehicle = 1;
    expect_refused(&f, "request 2 is bound to vehicle 1, which must serve it, but it is unserved");
}

static void test_refuses_fixed_tasks_out_of_place(void) {
    fx f;
    fx_init(&f);
    f.fixed[0] = 2; /* vehicle 0 has made B's pickup first */
    f.vehicles[0].fixed = f.fixed;
    f.vehicles[0].fixed_count = 1;
    expect_refused(&f, "route 0 (vehicle 0): position 0 should be fixed task 2 (id 103), is task "
                       "0");
}

static void test_refuses_a_vehicle_with_fixed_tasks_but_no_route(void) {
    fx f;
    fx_init(&f);
    f.fixed[0] = 4;
    f.vehicles[1].fixed = f.fixed;
    f.vehicles[1].fixed_count = 1;
    expect_refused(&f, "vehicle 1 has 1 fixed tasks but no route");
}

static void test_refuses_a_load_over_capacity(void) {
    fx f;
    fx_init(&f);
    f.vehicles[0].capacity = 1;
    expect_refused(&f, "position 1, task 2 (id 103): load 2 exceeds capacity 1");
}

static void test_refuses_a_negative_load(void) {
    fx f;
    fx_init(&f);
    add_route_for_c(&f);
    f.tasks[4].demand = -1; /* a single stop that unloads what was never loaded */
    expect_refused(&f, "route 1 (vehicle 1), position 0, task 4 (id 105): load -1 is negative");
}

static void test_refuses_a_service_after_the_window(void) {
    fx f;
    fx_init(&f);
    f.tasks[1].latest = 3.5; /* A's delivery is reached at 4 */
    expect_refused(&f, "position 2, task 1 (id 102): service starts at 4, after its latest 3.5");
}

static void test_tolerates_a_window_missed_by_a_rounding_error(void) {
    fx f;
    fx_init(&f);
    f.tasks[1].latest = 4 - 1e-9;
    CHECK_EQ_INT(vrp_check_solution(&f.p, &f.s, f.why, sizeof f.why), 1);
}

static void test_refuses_a_return_after_the_vehicle_window(void) {
    fx f;
    fx_init(&f);
    f.vehicles[0].latest = 13;
    expect_refused(&f, "route 0 (vehicle 0): back at its end at 14, after its latest 13");
}

static void test_refuses_travel_over_the_limit(void) {
    fx f;
    fx_init(&f);
    f.vehicles[0].max_travel = 7.5;
    expect_refused(&f, "route 0 (vehicle 0): travel 8 exceeds the vehicle's limit 7.5");
}

static void test_refuses_a_leg_without_a_way(void) {
    fx f;
    fx_init(&f);
    f.matrix[2 * 6 + 3] = INFINITY; /* B's pickup to A's delivery */
    expect_refused(&f, "position 2, task 1 (id 102): no way from location 2 to 3");
    fx_init(&f);
    f.matrix[4 * 6 + 0] = INFINITY;
    expect_refused(&f, "route 0 (vehicle 0): no way from location 4 to its end 0");
}

static void test_refuses_a_wrong_service_start(void) {
    fx f;
    fx_init(&f);
    f.route_starts[0][3] = 6; /* ignores the wait for B's window */
    expect_refused(&f, "position 3, task 3 (id 104): reported service start 6, the earliest "
                       "schedule gives 10");
}

static void test_refuses_a_wrong_departure(void) {
    fx f;
    fx_init(&f);
    f.routes[0].departure = 1;
    expect_refused(&f, "route 0 (vehicle 0): departure 1, but the earliest schedule leaves at 0");
}

static void test_refuses_a_wrong_arrival(void) {
    fx f;
    fx_init(&f);
    f.routes[0].arrival = 13;
    expect_refused(&f, "reported arrival 13, the earliest schedule gives 14");
}

static void test_refuses_a_wrong_route_travel(void) {
    fx f;
    fx_init(&f);
    f.routes[0].travel = 8.001;
    expect_refused(&f, "route 0 (vehicle 0): reported travel 8.001, recomputed 8");
}

static void test_refuses_wrong_totals(void) {
    fx f;
    fx_init(&f);
    f.s.travel = 9;
    expect_refused(&f, "total travel 9, but the routes' travel sums to 8");
    fx_init(&f);
    f.s.cost = 8;
    expect_refused(&f, "cost 8, but travel 8 plus penalties 7 of the unserved is 15");
    fx_init(&f);
    f.s.vehicles_used = 0;
    expect_refused(&f, "vehicles_used 0, but 1 routes have tasks");
    fx_init(&f);
    f.requests[2].penalty = 0;
    f.s.cost = 8;
    expect_refused(&f, "unserved_required 0, but 1 unserved requests have penalty 0");
}

static void test_compares_ranks(void) {
    fx f;
    fx_init(&f);
    dorf_vrp_solution a = f.s, b = f.s;
    char why[256];
    CHECK_EQ_INT(vrp_check_same_rank(&a, &b, why, sizeof why), 1);
    CHECK_EQ_INT(vrp_check_not_better(&a, &b, why, sizeof why), 1);
    b.cost = 15 + 1e-8;
    CHECK_EQ_INT(vrp_check_same_rank(&a, &b, why, sizeof why), 1);
    b.cost = 14;
    CHECK_EQ_INT(vrp_check_same_rank(&a, &b, why, sizeof why), 0);
    CHECK_EQ_INT(vrp_check_not_better(&a, &b, why, sizeof why), 1);
    CHECK_EQ_INT(vrp_check_not_better(&b, &a, why, sizeof why), 0);
    CHECK_CONTAINS(why, "better than the optimum");
    b.cost = 100;
    b.vehicles_used = 0; /* fewer vehicles beat any cost */
    CHECK_EQ_INT(vrp_check_not_better(&b, &a, why, sizeof why), 0);
    b.unserved_required = 1; /* and more required requests served beat fewer vehicles */
    CHECK_EQ_INT(vrp_check_not_better(&b, &a, why, sizeof why), 1);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_accepts_the_hand_made_plan);
    RUN(test_accepts_an_empty_route_as_the_trip_from_start_to_end);
    RUN(test_refuses_a_vehicle_out_of_range);
    RUN(test_refuses_two_routes_of_one_vehicle);
    RUN(test_refuses_routes_out_of_vehicle_order);
    RUN(test_refuses_more_routes_than_vehicles);
    RUN(test_refuses_a_task_out_of_range);
    RUN(test_refuses_a_task_served_twice);
    RUN(test_refuses_a_pickup_without_its_delivery);
    RUN(test_refuses_a_delivery_before_its_pickup);
    RUN(test_refuses_a_parcel_split_over_two_routes);
    RUN(test_refuses_a_request_neither_served_nor_unserved);
    RUN(test_refuses_a_served_request_listed_as_unserved);
    RUN(test_refuses_a_request_listed_unserved_twice);
    RUN(test_refuses_an_unserved_request_out_of_range);
    RUN(test_refuses_a_bound_request_on_another_vehicle);
    RUN(test_refuses_a_bound_request_left_unserved);
    RUN(test_refuses_fixed_tasks_out_of_place);
    RUN(test_refuses_a_vehicle_with_fixed_tasks_but_no_route);
    RUN(test_refuses_a_load_over_capacity);
    RUN(test_refuses_a_negative_load);
    RUN(test_refuses_a_service_after_the_window);
    RUN(test_tolerates_a_window_missed_by_a_rounding_error);
    RUN(test_refuses_a_return_after_the_vehicle_window);
    RUN(test_refuses_travel_over_the_limit);
    RUN(test_refuses_a_leg_without_a_way);
    RUN(test_refuses_a_wrong_service_start);
    RUN(test_refuses_a_wrong_departure);
    RUN(test_refuses_a_wrong_arrival);
    RUN(test_refuses_a_wrong_route_travel);
    RUN(test_refuses_wrong_totals);
    RUN(test_compares_ranks);
    return check_summary();
}
