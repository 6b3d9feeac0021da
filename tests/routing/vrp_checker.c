/*
 * vrp_checker.c: the independent plan checker of vrp_checker.h. It recomputes everything a
 * plan claims (loads, the earliest schedule, travel, the totals) from the problem and the
 * routes' task sequences alone, and stops at the first rule broken, saying where and by how
 * much. It uses the C library's allocator, not dorf_malloc, so that fault-injection tests
 * count only the allocations of the code under test.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vrp_checker.h"

static int fail(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_size, const char *fmt, ...) {
    if (why && why_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static int near(double a, double b) {
    if (a == b) {
        return 1; /* also INFINITY == INFINITY */
    }
    double scale = fmax(1.0, fmax(fabs(a), fabs(b)));
    return fabs(a - b) <= VRP_CHECK_TOLERANCE * scale;
}

/* a <= b within the tolerance. */
static int not_above(double a, double b) {
    return a <= b || near(a, b);
}

static double travel_time(const dorf_vrp_problem *p, uint32_t profile, uint32_t from, uint32_t to) {
    return p->travel[profile][(size_t)from * p->location_count + to];
}

/* Where each task is served: route index and position, or UINT32_MAX. */
typedef struct place {
    uint32_t route;
    uint32_t pos;
} place;

static int check_routes_and_vehicles(const dorf_vrp_problem *p, const dorf_vrp_solution *s,
                                     char *why, size_t why_size) {
    if (s->route_count > p->vehicle_count) {
        return fail(why, why_size, "%zu routes for %zu vehicles", s->route_count, p->vehicle_count);
    }
    if (s->route_count > 0 && !s->routes) {
        return fail(why, why_size, "route_count %zu but no routes array", s->route_count);
    }
    for (size_t i = 0; i < s->route_count; i++) {
        const dorf_vrp_route *r = &s->routes[i];
        if (r->vehicle >= p->vehicle_count) {
            return fail(why, why_size, "route %zu: vehicle %u out of range (%zu vehicles)", i,
                        r->vehicle, p->vehicle_count);
        }
        if (r->task_count > 0 && (!r->tasks || !r->service_start)) {
            return fail(why, why_size, "route %zu: %zu tasks but no tasks or service_start array",
                        i, r->task_count);
        }
        for (size_t j = 0; j < i; j++) {
            if (s->routes[j].vehicle == r->vehicle) {
                return fail(why, why_size, "vehicle %u has two routes (%zu and %zu)", r->vehicle, j,
                            i);
            }
        }
        if (i > 0 && s->routes[i - 1].vehicle > r->vehicle) {
            return fail(why, why_size,
                        "routes not ordered by vehicle: route %zu has vehicle %u, route %zu "
                        "vehicle %u",
                        i - 1, s->routes[i - 1].vehicle, i, r->vehicle);
        }
    }
    return 1;
}

/* Fills `where` and checks that every task appears at most once. */
static int check_tasks_once(const dorf_vrp_problem *p, const dorf_vrp_solution *s, place *where,
                            char *why, size_t why_size) {
    for (size_t t = 0; t < p->task_count; t++) {
        where[t].route = UINT32_MAX;
        where[t].pos = UINT32_MAX;
    }
    for (size_t i = 0; i < s->route_count; i++) {
        const dorf_vrp_route *r = &s->routes[i];
        for (size_t k = 0; k < r->task_count; k++) {
            uint32_t t = r->tasks[k];
            if (t >= p->task_count) {
                return fail(why, why_size,
                            "route %zu (vehicle %u), position %zu: task %u out of "
                            "range (%zu tasks)",
                            i, r->vehicle, k, t, p->task_count);
            }
            if (where[t].route != UINT32_MAX) {
                return fail(why, why_size,
                            "task %u (id %u) appears twice: route %u position %u and route %zu "
                            "position %zu",
                            t, p->tasks[t].id, where[t].route, where[t].pos, i, k);
            }
            where[t].route = (uint32_t)i;
            where[t].pos = (uint32_t)k;
        }
    }
    return 1;
}

static int check_requests(const dorf_vrp_problem *p, const dorf_vrp_solution *s, const place *where,
                          unsigned char *listed, char *why, size_t why_size) {
    if (s->unserved_count > 0 && !s->unserved) {
        return fail(why, why_size, "unserved_count %zu but no unserved array", s->unserved_count);
    }
    if (s->unserved_count > p->request_count) {
        return fail(why, why_size, "%zu unserved requests listed of %zu", s->unserved_count,
                    p->request_count);
    }
    for (size_t r = 0; r < p->request_count; r++) {
        listed[r] = 0;
    }
    for (size_t i = 0; i < s->unserved_count; i++) {
        uint32_t r = s->unserved[i];
        if (r >= p->request_count) {
            return fail(why, why_size, "unserved[%zu]: request %u out of range (%zu requests)", i,
                        r, p->request_count);
        }
        if (listed[r]) {
            return fail(why, why_size, "request %u listed as unserved twice", r);
        }
        listed[r] = 1;
    }
    for (size_t r = 0; r < p->request_count; r++) {
        const dorf_vrp_request *q = &p->requests[r];
        place pu = where[q->pickup];
        int has_delivery = q->delivery != DORF_VRP_NONE;
        place de = has_delivery ? where[q->delivery] : pu;
        int picked = pu.route != UINT32_MAX;
        int delivered = de.route != UINT32_MAX;
        if (picked != delivered) {
            return fail(why, why_size,
                        "request %zu: pickup (task %u, id %u) %s but delivery (task %u, id %u) %s",
                        r, q->pickup, p->tasks[q->pickup].id, picked ? "served" : "not served",
                        q->delivery, p->tasks[q->delivery].id, delivered ? "served" : "not served");
        }
        if (picked) {
            if (listed[r]) {
                return fail(why, why_size,
                            "request %zu is served on route %u and listed as "
                            "unserved",
                            r, pu.route);
            }
            if (pu.route != de.route) {
                return fail(why, why_size,
                            "request %zu: pickup on route %u (vehicle %u) but delivery on route "
                            "%u (vehicle %u)",
                            r, pu.route, s->routes[pu.route].vehicle, de.route,
                            s->routes[de.route].vehicle);
            }
            if (has_delivery && pu.pos >= de.pos) {
                return fail(why, why_size,
                            "request %zu: delivery (task %u) at position %u of route %u comes "
                            "before its pickup (task %u) at position %u",
                            r, q->delivery, de.pos, de.route, q->pickup, pu.pos);
            }
            uint32_t v = s->routes[pu.route].vehicle;
            if (q->vehicle != DORF_VRP_NONE && q->vehicle != v) {
                return fail(why, why_size,
                            "request %zu is bound to vehicle %u but served by vehicle %u "
                            "(route %u)",
                            r, q->vehicle, v, pu.route);
            }
        } else {
            if (!listed[r]) {
                return fail(why, why_size, "request %zu is neither served nor listed as unserved",
                            r);
            }
            if (q->vehicle != DORF_VRP_NONE) {
                return fail(why, why_size,
                            "request %zu is bound to vehicle %u, which must serve it, but it is "
                            "unserved",
                            r, q->vehicle);
            }
        }
    }
    return 1;
}

static int check_fixed(const dorf_vrp_problem *p, const dorf_vrp_solution *s, char *why,
                       size_t why_size) {
    for (size_t v = 0; v < p->vehicle_count; v++) {
        const dorf_vrp_vehicle *veh = &p->vehicles[v];
        if (veh->fixed_count == 0) {
            continue;
        }
        const dorf_vrp_route *r = NULL;
        size_t ri = 0;
        for (size_t i = 0; i < s->route_count; i++) {
            if (s->routes[i].vehicle == v) {
                r = &s->routes[i];
                ri = i;
            }
        }
        if (!r) {
            return fail(why, why_size, "vehicle %zu has %zu fixed tasks but no route", v,
                        veh->fixed_count);
        }
        for (size_t k = 0; k < veh->fixed_count; k++) {
            if (k >= r->task_count || r->tasks[k] != veh->fixed[k]) {
                return fail(why, why_size,
                            "route %zu (vehicle %zu): position %zu should be fixed task %u (id "
                            "%u), is %s%u",
                            ri, v, k, veh->fixed[k], p->tasks[veh->fixed[k]].id,
                            k >= r->task_count ? "past the end, length " : "task ",
                            k >= r->task_count ? (unsigned)r->task_count : r->tasks[k]);
            }
        }
    }
    return 1;
}

/* Load, schedule and travel of one route, against the vehicle and the route's own figures. */
static int check_route(const dorf_vrp_problem *p, const dorf_vrp_route *r, size_t ri, char *why,
                       size_t why_size) {
    const dorf_vrp_vehicle *veh = &p->vehicles[r->vehicle];
    int64_t load = 0;
    double travel = 0;
    double ready = veh->earliest; /* when the vehicle may leave its current place */
    uint32_t at = veh->start;
    if (!near(r->departure, veh->earliest)) {
        return fail(why, why_size,
                    "route %zu (vehicle %u): departure %.9g, but the earliest schedule leaves at "
                    "%.9g",
                    ri, r->vehicle, r->departure, veh->earliest);
    }
    for (size_t k = 0; k < r->task_count; k++) {
        const dorf_vrp_task *t = &p->tasks[r->tasks[k]];
        load += t->demand;
        if (load > veh->capacity) {
            return fail(why, why_size,
                        "route %zu (vehicle %u), position %zu, task %u (id %u): load %lld exceeds "
                        "capacity %d",
                        ri, r->vehicle, k, r->tasks[k], t->id, (long long)load, veh->capacity);
        }
        if (load < 0) {
            return fail(why, why_size,
                        "route %zu (vehicle %u), position %zu, task %u (id %u): load %lld is "
                        "negative",
                        ri, r->vehicle, k, r->tasks[k], t->id, (long long)load);
        }
        double leg = travel_time(p, veh->profile, at, t->location);
        if (!isfinite(leg)) {
            return fail(why, why_size,
                        "route %zu (vehicle %u), position %zu, task %u (id %u): no way from "
                        "location %u to %u",
                        ri, r->vehicle, k, r->tasks[k], t->id, at, t->location);
        }
        travel += leg;
        double arrive = ready + leg;
        double start = fmax(arrive, t->earliest);
        if (!not_above(start, t->latest)) {
            return fail(why, why_size,
                        "route %zu (vehicle %u), position %zu, task %u (id %u): service starts at "
                        "%.9g, after its latest %.9g",
                        ri, r->vehicle, k, r->tasks[k], t->id, start, t->latest);
        }
        if (!near(r->service_start[k], start)) {
            return fail(why, why_size,
                        "route %zu (vehicle %u), position %zu, task %u (id %u): reported service "
                        "start %.9g, the earliest schedule gives %.9g",
                        ri, r->vehicle, k, r->tasks[k], t->id, r->service_start[k], start);
        }
        ready = start + t->service;
        at = t->location;
    }
    double leg = travel_time(p, veh->profile, at, veh->end);
    if (!isfinite(leg)) {
        return fail(why, why_size, "route %zu (vehicle %u): no way from location %u to its end %u",
                    ri, r->vehicle, at, veh->end);
    }
    travel += leg;
    double back = ready + leg;
    if (!not_above(back, veh->latest)) {
        return fail(why, why_size,
                    "route %zu (vehicle %u): back at its end at %.9g, after its latest %.9g", ri,
                    r->vehicle, back, veh->latest);
    }
    if (!not_above(travel, veh->max_travel)) {
        return fail(why, why_size,
                    "route %zu (vehicle %u): travel %.9g exceeds the vehicle's limit %.9g", ri,
                    r->vehicle, travel, veh->max_travel);
    }
    if (!near(r->arrival, back)) {
        return fail(why, why_size,
                    "route %zu (vehicle %u): reported arrival %.9g, the earliest schedule gives "
                    "%.9g",
                    ri, r->vehicle, r->arrival, back);
    }
    if (!near(r->travel, travel)) {
        return fail(why, why_size, "route %zu (vehicle %u): reported travel %.9g, recomputed %.9g",
                    ri, r->vehicle, r->travel, travel);
    }
    return 1;
}

static int check_totals(const dorf_vrp_problem *p, const dorf_vrp_solution *s, char *why,
                        size_t why_size) {
    double travel = 0;
    size_t used = 0;
    for (size_t i = 0; i < s->route_count; i++) {
        travel += s->routes[i].travel;
        used += s->routes[i].task_count > 0;
    }
    double penalties = 0;
    size_t required = 0;
    for (size_t i = 0; i < s->unserved_count; i++) {
        double pen = p->requests[s->unserved[i]].penalty;
        penalties += pen;
        required += pen == 0;
    }
    if (!near(s->travel, travel)) {
        return fail(why, why_size, "total travel %.9g, but the routes' travel sums to %.9g",
                    s->travel, travel);
    }
    if (!near(s->cost, travel + penalties)) {
        return fail(why, why_size,
                    "cost %.9g, but travel %.9g plus penalties %.9g of the unserved is %.9g",
                    s->cost, travel, penalties, travel + penalties);
    }
    if (s->vehicles_used != used) {
        return fail(why, why_size, "vehicles_used %zu, but %zu routes have tasks", s->vehicles_used,
                    used);
    }
    if (s->unserved_required != required) {
        return fail(why, why_size,
                    "unserved_required %zu, but %zu unserved requests have penalty 0",
                    s->unserved_required, required);
    }
    return 1;
}

int vrp_check_solution(const dorf_vrp_problem *p, const dorf_vrp_solution *s, char *why,
                       size_t why_size) {
    if (why && why_size > 0) {
        why[0] = '\0';
    }
    if (!p || !s) {
        return fail(why, why_size, "no problem or no solution");
    }
    place *where = malloc((p->task_count ? p->task_count : 1) * sizeof *where);
    unsigned char *listed = malloc(p->request_count ? p->request_count : 1);
    int ok = 0;
    if (!where || !listed) {
        fail(why, why_size, "checker: out of memory");
        goto done;
    }
    if (!check_routes_and_vehicles(p, s, why, why_size) ||
        !check_tasks_once(p, s, where, why, why_size) ||
        !check_requests(p, s, where, listed, why, why_size) || !check_fixed(p, s, why, why_size)) {
        goto done;
    }
    for (size_t i = 0; i < s->route_count; i++) {
        if (!check_route(p, &s->routes[i], i, why, why_size)) {
            goto done;
        }
    }
    ok = check_totals(p, s, why, why_size);
done:
    free(where);
    free(listed);
    return ok;
}

/* < 0 when a ranks better, > 0 when b does, 0 when equal. */
static int rank_order(const dorf_vrp_solution *a, const dorf_vrp_solution *b) {
    if (a->unserved_required != b->unserved_required) {
        return a->unserved_required < b->unserved_required ? -1 : 1;
    }
    if (a->vehicles_used != b->vehicles_used) {
        return a->vehicles_used < b->vehicles_used ? -1 : 1;
    }
    if (near(a->cost, b->cost)) {
        return 0;
    }
    return a->cost < b->cost ? -1 : 1;
}

static int fail_ranks(const dorf_vrp_solution *a, const dorf_vrp_solution *b, const char *what,
                      char *why, size_t why_size) {
    return fail(why, why_size,
                "%s: (unserved required %zu, vehicles %zu, cost %.9g) vs (unserved required "
                "%zu, vehicles %zu, cost %.9g)",
                what, a->unserved_required, a->vehicles_used, a->cost, b->unserved_required,
                b->vehicles_used, b->cost);
}

int vrp_check_same_rank(const dorf_vrp_solution *a, const dorf_vrp_solution *b, char *why,
                        size_t why_size) {
    if (rank_order(a, b) != 0) {
        return fail_ranks(a, b, "ranks differ", why, why_size);
    }
    return 1;
}

int vrp_check_not_better(const dorf_vrp_solution *s, const dorf_vrp_solution *optimum, char *why,
                         size_t why_size) {
    if (rank_order(s, optimum) < 0) {
        return fail_ranks(s, optimum, "better than the optimum", why, why_size);
    }
    return 1;
}
