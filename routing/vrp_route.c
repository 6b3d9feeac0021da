/*
 * vrp_route.c: routes of the LieferBar optimiser: their schedules, the feasibility of
 * inserting a request, and the bookkeeping of a plan (vrp_internal.h).
 *
 * Feasibility of an insertion follows Savelsbergh's forward-time-slack idea: every node keeps
 * its earliest service start and the latest start that keeps the rest of the route feasible,
 * so a pickup inserted after node i and its delivery after node j >= i need only the nodes
 * between them re-timed; the rest is checked against the stored latest starts in O(1).
 * For each i the loop over j stops at the first node that can no longer be kept on time or
 * within capacity, since a later delivery only adds delay and load there.
 */
#include <math.h>
#include <string.h>

#include "dorf/alloc.h"
#include "vrp_internal.h"

dorf_status vrp_model_init(dorf_ctx *ctx, const dorf_vrp_problem *p, vrp_model *m) {
    memset(m, 0, sizeof *m);
    dorf_status st = dorf_vrp_problem_check(ctx, p);
    if (st)
        return st;
    m->problem = p;
    m->task_count = (uint32_t)p->task_count;
    m->request_count = (uint32_t)p->request_count;
    m->vehicle_count = (uint32_t)p->vehicle_count;
    m->location_count = p->location_count;
    size_t nt = p->task_count + 1, nr = p->request_count + 1, nv = p->vehicle_count + 1;
    m->loc = dorf_malloc(nt * sizeof *m->loc);
    m->demand = dorf_malloc(nt * sizeof *m->demand);
    m->early = dorf_malloc(nt * sizeof *m->early);
    m->late = dorf_malloc(nt * sizeof *m->late);
    m->service = dorf_malloc(nt * sizeof *m->service);
    m->request_of = dorf_malloc(nt * sizeof *m->request_of);
    m->pickup = dorf_malloc(nr * sizeof *m->pickup);
    m->delivery = dorf_malloc(nr * sizeof *m->delivery);
    m->penalty = dorf_malloc(nr * sizeof *m->penalty);
    m->bound = dorf_malloc(nr * sizeof *m->bound);
    m->fixed = dorf_calloc(nr, sizeof *m->fixed);
    m->must = dorf_malloc(nr * sizeof *m->must);
    m->keep = dorf_calloc(nr, 1);
    m->has_bound = dorf_calloc(nv, 1);
    m->vclass = dorf_malloc(nv * sizeof *m->vclass);
    m->class_size = dorf_calloc(nv, sizeof *m->class_size);
    if (!m->loc || !m->demand || !m->early || !m->late || !m->service || !m->request_of ||
        !m->pickup || !m->delivery || !m->penalty || !m->bound || !m->fixed || !m->must ||
        !m->keep || !m->has_bound || !m->vclass || !m->class_size) {
        vrp_model_release(m);
        return dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
    }
    for (uint32_t t = 0; t < m->task_count; t++) {
        m->loc[t] = p->tasks[t].location;
        m->demand[t] = p->tasks[t].demand;
        m->early[t] = p->tasks[t].earliest;
        m->late[t] = p->tasks[t].latest;
        m->service[t] = p->tasks[t].service;
    }
    for (uint32_t r = 0; r < m->request_count; r++) {
        const dorf_vrp_request *req = &p->requests[r];
        m->pickup[r] = req->pickup;
        m->delivery[r] = req->delivery;
        m->penalty[r] = req->penalty;
        m->bound[r] = req->vehicle;
        m->request_of[req->pickup] = r;
        if (req->delivery != DORF_VRP_NONE)
            m->request_of[req->delivery] = r;
    }
    /*
     * A request with a task already served belongs to that vehicle for good. When only its
     * pickup is served (the parcel is on board), what is left to plan is its delivery alone:
     * a single task that unloads.
     */
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const dorf_vrp_vehicle *veh = &p->vehicles[v];
        for (size_t i = 0; i < veh->fixed_count; i++) {
            uint32_t t = veh->fixed[i];
            uint32_t r = m->request_of[t];
            m->bound[r] = v;
            m->keep[r] = 1;
            if (t == p->requests[r].pickup && p->requests[r].delivery != DORF_VRP_NONE) {
                m->pickup[r] = p->requests[r].delivery;
                m->delivery[r] = DORF_VRP_NONE;
            } else {
                m->fixed[r] = 1;
                m->pickup[r] = p->requests[r].pickup;
                m->delivery[r] = p->requests[r].delivery;
            }
        }
    }
    for (uint32_t r = 0; r < m->request_count; r++) {
        m->must[r] = m->penalty[r] > 0              ? 0
                     : m->bound[r] != DORF_VRP_NONE ? m->request_count + 1
                                                    : 1;
        if (m->bound[r] != DORF_VRP_NONE)
            m->has_bound[m->bound[r]] = 1;
    }
    /* Classes of interchangeable vehicles, for the route pool. */
    uint8_t *special = dorf_calloc(nv, 1);
    if (!special) {
        vrp_model_release(m);
        return dorf_fail(ctx, DORF_ENOMEM, "optimiser: out of memory");
    }
    for (uint32_t r = 0; r < m->request_count; r++)
        if (m->bound[r] != DORF_VRP_NONE)
            special[m->bound[r]] = 1;
    m->class_count = 0;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const dorf_vrp_vehicle *a = &p->vehicles[v];
        uint32_t cls = DORF_VRP_NONE;
        if (!special[v] && a->fixed_count == 0) {
            for (uint32_t u = 0; u < v && cls == DORF_VRP_NONE; u++) {
                const dorf_vrp_vehicle *b = &p->vehicles[u];
                if (!special[u] && b->fixed_count == 0 && a->start == b->start &&
                    a->end == b->end && a->earliest == b->earliest && a->latest == b->latest &&
                    a->capacity == b->capacity && a->profile == b->profile &&
                    a->max_travel == b->max_travel)
                    cls = m->vclass[u];
            }
        }
        if (cls == DORF_VRP_NONE)
            cls = m->class_count++;
        m->vclass[v] = cls;
        m->class_size[cls]++;
    }
    dorf_free(special);
    /* Leaving a required request unserved must cost more than any route could save by it. */
    double longest = 0;
    for (size_t pr = 0; pr < p->profile_count; pr++)
        for (size_t i = 0; i < p->location_count * p->location_count; i++)
            if (isfinite(p->travel[pr][i]) && p->travel[pr][i] > longest)
                longest = p->travel[pr][i];
    m->unserved_weight = 10 * longest + 1000;
    return DORF_OK;
}

void vrp_model_release(vrp_model *m) {
    dorf_free(m->loc);
    dorf_free(m->demand);
    dorf_free(m->early);
    dorf_free(m->late);
    dorf_free(m->service);
    dorf_free(m->request_of);
    dorf_free(m->pickup);
    dorf_free(m->delivery);
    dorf_free(m->penalty);
    dorf_free(m->bound);
    dorf_free(m->fixed);
    dorf_free(m->must);
    dorf_free(m->keep);
    dorf_free(m->has_bound);
    dorf_free(m->vclass);
    dorf_free(m->class_size);
    memset(m, 0, sizeof *m);
}

static int route_reserve(vrp_route *r, uint32_t nodes) {
    if (nodes <= r->alloc)
        return 0;
    uint32_t cap = r->alloc ? r->alloc : 8;
    while (cap < nodes)
        cap *= 2;
    uint32_t *node = dorf_realloc(r->node, cap * sizeof *node);
    if (!node)
        return -1;
    r->node = node;
    uint32_t *loc = dorf_realloc(r->loc, cap * sizeof *loc);
    if (!loc)
        return -1;
    r->loc = loc;
    double *start = dorf_realloc(r->start, cap * sizeof *start);
    if (!start)
        return -1;
    r->start = start;
    double *latest = dorf_realloc(r->latest, cap * sizeof *latest);
    if (!latest)
        return -1;
    r->latest = latest;
    int32_t *load = dorf_realloc(r->load, cap * sizeof *load);
    if (!load)
        return -1;
    r->load = load;
    int32_t *maxload = dorf_realloc(r->maxload, cap * sizeof *maxload);
    if (!maxload)
        return -1;
    r->maxload = maxload;
    r->alloc = cap;
    return 0;
}

static void route_release(vrp_route *r) {
    dorf_free(r->node);
    dorf_free(r->loc);
    dorf_free(r->start);
    dorf_free(r->latest);
    dorf_free(r->load);
    dorf_free(r->maxload);
    memset(r, 0, sizeof *r);
}

static void route_reset(const vrp_model *m, vrp_route *r, uint32_t vehicle) {
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[vehicle];
    r->vehicle = vehicle;
    r->n = 0;
    r->fixed = 0;
    r->node[0] = DORF_VRP_NONE;
    r->node[1] = DORF_VRP_NONE;
    r->loc[0] = veh->start;
    r->loc[1] = veh->end;
    vrp_route_update(m, r);
}

int vrp_route_update(const vrp_model *m, vrp_route *r) {
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[r->vehicle];
    const double *T = m->problem->travel[veh->profile];
    size_t L = m->location_count;
    uint32_t last = r->n + 1;
    int feasible = 1;
    double travel = 0;
    r->start[0] = veh->earliest;
    r->load[0] = 0;
    for (uint32_t k = 1; k <= last; k++) {
        uint32_t prev = r->node[k - 1];
        double leave = r->start[k - 1] + (prev == DORF_VRP_NONE ? 0 : m->service[prev]);
        double t = T[(size_t)r->loc[k - 1] * L + r->loc[k]];
        travel += t;
        double s = leave + t;
        uint32_t task = r->node[k];
        if (task != DORF_VRP_NONE) {
            if (s < m->early[task])
                s = m->early[task];
            if (s > m->late[task])
                feasible = 0;
            r->load[k] = r->load[k - 1] + m->demand[task];
        } else {
            r->load[k] = r->load[k - 1];
        }
        if (r->load[k] > veh->capacity)
            feasible = 0;
        r->start[k] = s;
    }
    if (r->start[last] > veh->latest)
        feasible = 0;
    r->latest[last] = veh->latest;
    r->maxload[last] = r->load[last];
    for (uint32_t k = last; k-- > 0;) {
        uint32_t task = r->node[k];
        double svc = task == DORF_VRP_NONE ? 0 : m->service[task];
        double l = r->latest[k + 1] - T[(size_t)r->loc[k] * L + r->loc[k + 1]] - svc;
        if (task != DORF_VRP_NONE && m->late[task] < l)
            l = m->late[task];
        r->latest[k] = l;
        r->maxload[k] = r->load[k] > r->maxload[k + 1] ? r->load[k] : r->maxload[k + 1];
    }
    r->travel = travel;
    if (!(travel <= veh->max_travel + 1e-9) || !isfinite(travel))
        feasible = 0;
    return feasible;
}

dorf_status vrp_plan_init(const vrp_model *m, vrp_plan *plan) {
    memset(plan, 0, sizeof *plan);
    plan->routes = dorf_calloc(m->vehicle_count + 1, sizeof *plan->routes);
    plan->route_of = dorf_malloc((m->request_count + 1) * sizeof *plan->route_of);
    if (!plan->routes || !plan->route_of)
        goto fail;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        if (route_reserve(&plan->routes[v], 8))
            goto fail;
        route_reset(m, &plan->routes[v], v);
    }
    for (uint32_t r = 0; r < m->request_count; r++)
        plan->route_of[r] = DORF_VRP_NONE;
    vrp_plan_totals(m, plan);
    return DORF_OK;
fail:
    vrp_plan_release(m, plan);
    return DORF_ENOMEM;
}

void vrp_plan_release(const vrp_model *m, vrp_plan *plan) {
    if (plan->routes)
        for (uint32_t v = 0; v < m->vehicle_count; v++)
            route_release(&plan->routes[v]);
    dorf_free(plan->routes);
    dorf_free(plan->route_of);
    memset(plan, 0, sizeof *plan);
}

dorf_status vrp_plan_copy(const vrp_model *m, vrp_plan *dst, const vrp_plan *src) {
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *a = &src->routes[v];
        vrp_route *b = &dst->routes[v];
        if (route_reserve(b, a->n + 2))
            return DORF_ENOMEM;
        uint32_t nodes = a->n + 2;
        b->vehicle = a->vehicle;
        b->n = a->n;
        b->fixed = a->fixed;
        b->travel = a->travel;
        b->requests = a->requests;
        memcpy(b->node, a->node, nodes * sizeof *b->node);
        memcpy(b->loc, a->loc, nodes * sizeof *b->loc);
        memcpy(b->start, a->start, nodes * sizeof *b->start);
        memcpy(b->latest, a->latest, nodes * sizeof *b->latest);
        memcpy(b->load, a->load, nodes * sizeof *b->load);
        memcpy(b->maxload, a->maxload, nodes * sizeof *b->maxload);
    }
    memcpy(dst->route_of, src->route_of, m->request_count * sizeof *dst->route_of);
    dst->missing = src->missing;
    dst->used = src->used;
    dst->travel = src->travel;
    dst->penalty = src->penalty;
    return DORF_OK;
}

void vrp_plan_totals(const vrp_model *m, vrp_plan *plan) {
    plan->travel = 0;
    plan->used = 0;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *r = &plan->routes[v];
        if (r->n > 0) {
            plan->used++;
            plan->travel += r->travel;
        }
    }
    plan->missing = 0;
    plan->penalty = 0;
    for (uint32_t q = 0; q < m->request_count; q++) {
        if (plan->route_of[q] != DORF_VRP_NONE)
            continue;
        plan->penalty += m->penalty[q];
        plan->missing += m->must[q];
    }
}

double vrp_plan_cost(const vrp_model *m, const vrp_plan *plan) {
    return plan->travel + plan->penalty + m->unserved_weight * plan->missing;
}

int vrp_plan_better(const vrp_plan *a, const vrp_plan *b, double tolerance) {
    if (a->missing != b->missing)
        return a->missing < b->missing;
    if (a->used != b->used)
        return a->used < b->used;
    return a->travel + a->penalty < b->travel + b->penalty - tolerance;
}

int vrp_route_place_fixed(const vrp_model *m, vrp_plan *plan, uint32_t vehicle) {
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[vehicle];
    vrp_route *r = &plan->routes[vehicle];
    if (route_reserve(r, (uint32_t)veh->fixed_count + 2))
        return -1;
    r->n = (uint32_t)veh->fixed_count;
    r->fixed = r->n;
    r->requests = 0;
    for (uint32_t k = 0; k < r->n; k++) {
        uint32_t t = veh->fixed[k];
        r->node[k + 1] = t;
        r->loc[k + 1] = m->loc[t];
        uint32_t q = m->request_of[t];
        if (m->fixed[q] && plan->route_of[q] == DORF_VRP_NONE) {
            plan->route_of[q] = vehicle;
            r->requests++;
        }
    }
    r->node[r->n + 1] = DORF_VRP_NONE;
    r->loc[r->n + 1] = veh->end;
    int ok = vrp_route_update(m, r);
    vrp_plan_totals(m, plan);
    return ok;
}

/* The cost a candidate is compared by: its own, or with noise. */
static inline double noisy(vrp_noise *noise, double delta) {
    if (!noise)
        return delta;
    uint64_t x = noise->state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    noise->state = x;
    return delta + noise->amplitude * ((double)(x >> 11) * 0x1.0p-52 - 1);
}

vrp_insertion vrp_best_insertion(const vrp_model *m, const vrp_route *r, uint32_t req,
                                 vrp_noise *noise) {
    vrp_insertion best = {INFINITY, 0, 0};
    if (m->bound[req] != DORF_VRP_NONE && m->bound[req] != r->vehicle)
        return best;
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[r->vehicle];
    const double *T = m->problem->travel[veh->profile];
    const size_t L = m->location_count;
    const double budget = veh->max_travel - r->travel + 1e-9;
    const int32_t cap = veh->capacity;
    const uint32_t p = m->pickup[req], d = m->delivery[req];
    const uint32_t lp = m->loc[p];
    const int32_t q = m->demand[p];
    const double ep = m->early[p], latep = m->late[p], sp = m->service[p];
    const uint32_t n = r->n;

    for (uint32_t i = r->fixed; i <= n; i++) {
        if (r->start[i] > latep)
            break; /* service starts only get later along the route */
        if (r->load[i] + q > cap)
            continue;
        const uint32_t li = r->loc[i], lnext = r->loc[i + 1];
        const double leave_i =
            r->start[i] + (r->node[i] == DORF_VRP_NONE ? 0 : m->service[r->node[i]]);
        const double t_ip = T[(size_t)li * L + lp];
        double ap = leave_i + t_ip;
        if (ap > latep)
            continue;
        if (ap < ep)
            ap = ep;
        const double t_in = T[(size_t)li * L + lnext];
        if (d == DORF_VRP_NONE) {
            if (q > 0 && r->maxload[i] + q > cap)
                continue;
            const double t_pn = T[(size_t)lp * L + lnext];
            if (ap + sp + t_pn > r->latest[i + 1])
                continue;
            double delta = t_ip + t_pn - t_in;
            double cmp = noisy(noise, delta);
            if (cmp < best.delta && delta <= budget) {
                best.delta = cmp;
                best.after_pickup = i;
                best.after_delivery = i;
            }
            continue;
        }
        const uint32_t ld = m->loc[d];
        const double ed = m->early[d], lated = m->late[d], sd = m->service[d];
        /* The delivery right after the pickup. */
        {
            const double t_pd = T[(size_t)lp * L + ld];
            double ad = ap + sp + t_pd;
            if (ad < ed)
                ad = ed;
            const double t_dn = T[(size_t)ld * L + lnext];
            if (ad <= lated && ad + sd + t_dn <= r->latest[i + 1]) {
                double delta = t_ip + t_pd + t_dn - t_in;
                double cmp = noisy(noise, delta);
                if (cmp < best.delta && delta <= budget) {
                    best.delta = cmp;
                    best.after_pickup = i;
                    best.after_delivery = i;
                }
            }
        }
        /* The delivery after a later node k: nodes i+1 .. k are delayed and carry q more. */
        const double t_pn = T[(size_t)lp * L + lnext];
        const double delta_p = t_ip + t_pn - t_in;
        if (!noise && delta_p >= best.delta)
            continue;
        double prev_start = ap, prev_svc = sp;
        uint32_t prev_loc = lp;
        for (uint32_t k = i + 1; k <= n; k++) {
            const uint32_t task = r->node[k];
            double sk = prev_start + prev_svc + T[(size_t)prev_loc * L + r->loc[k]];
            if (sk < m->early[task])
                sk = m->early[task];
            if (sk > r->latest[k] || r->load[k] + q > cap)
                break;
            const double svc_k = m->service[task];
            double ad = sk + svc_k + T[(size_t)r->loc[k] * L + ld];
            if (ad <= lated) {
                if (ad < ed)
                    ad = ed;
                const uint32_t lk1 = r->loc[k + 1];
                const double t_dn = T[(size_t)ld * L + lk1];
                if (ad + sd + t_dn <= r->latest[k + 1]) {
                    double delta = delta_p + T[(size_t)r->loc[k] * L + ld] + t_dn -
                                   T[(size_t)r->loc[k] * L + lk1];
                    double cmp = noisy(noise, delta);
                    if (cmp < best.delta && delta <= budget) {
                        best.delta = cmp;
                        best.after_pickup = i;
                        best.after_delivery = k;
                    }
                }
            } else if (sk + svc_k > lated) {
                break; /* every later position is later still */
            }
            prev_start = sk;
            prev_svc = svc_k;
            prev_loc = r->loc[k];
        }
    }
    return best;
}

/* Inserts task `t` so that it becomes node `at` (1 <= at <= n + 1). */
static void route_insert_node(const vrp_model *m, vrp_route *r, uint32_t at, uint32_t t) {
    uint32_t tail = r->n + 2 - at;
    memmove(&r->node[at + 1], &r->node[at], tail * sizeof *r->node);
    memmove(&r->loc[at + 1], &r->loc[at], tail * sizeof *r->loc);
    r->node[at] = t;
    r->loc[at] = m->loc[t];
    r->n++;
}

int vrp_plan_insert(const vrp_model *m, vrp_plan *plan, uint32_t vehicle, uint32_t req,
                    vrp_insertion ins) {
    vrp_route *r = &plan->routes[vehicle];
    if (route_reserve(r, r->n + 4))
        return -1;
    double before = r->travel;
    int was_empty = r->n == 0;
    route_insert_node(m, r, ins.after_pickup + 1, m->pickup[req]);
    if (m->delivery[req] != DORF_VRP_NONE)
        route_insert_node(m, r, ins.after_delivery + 2, m->delivery[req]);
    vrp_route_update(m, r);
    r->requests++;
    plan->route_of[req] = vehicle;
    plan->travel += r->travel - (was_empty ? 0 : before); /* an empty route was not counted */
    if (was_empty)
        plan->used++;
    plan->penalty -= m->penalty[req];
    plan->missing -= m->must[req];
    return 0;
}

void vrp_plan_remove(const vrp_model *m, vrp_plan *plan, uint32_t req) {
    uint32_t vehicle = plan->route_of[req];
    vrp_route *r = &plan->routes[vehicle];
    double before = r->travel;
    uint32_t w = 1;
    for (uint32_t k = 1; k <= r->n + 1; k++) {
        uint32_t t = r->node[k];
        if (k > r->fixed && t != DORF_VRP_NONE && m->request_of[t] == req)
            continue;
        r->node[w] = t;
        r->loc[w] = r->loc[k];
        w++;
    }
    r->n = w - 2;
    vrp_route_update(m, r);
    r->requests--;
    plan->route_of[req] = DORF_VRP_NONE;
    plan->travel += r->travel - before;
    if (r->n == 0) {
        plan->used--;
        plan->travel -= r->travel; /* an empty route is not driven */
    }
    plan->penalty += m->penalty[req];
    plan->missing += m->must[req];
}

double vrp_removal_gain(const vrp_model *m, const vrp_plan *plan, uint32_t req) {
    const vrp_route *r = &plan->routes[plan->route_of[req]];
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[r->vehicle];
    const double *T = m->problem->travel[veh->profile];
    const size_t L = m->location_count;
    double gain = 0;
    uint32_t prev = 0;
    /* Walk the route, skipping the request's nodes: the gain is the old legs minus new ones. */
    for (uint32_t k = 1; k <= r->n + 1; k++) {
        uint32_t t = r->node[k];
        if (k > r->fixed && t != DORF_VRP_NONE && m->request_of[t] == req)
            continue;
        if (prev != k - 1) {
            for (uint32_t j = prev; j < k; j++)
                gain += T[(size_t)r->loc[j] * L + r->loc[j + 1]];
            gain -= T[(size_t)r->loc[prev] * L + r->loc[k]];
        }
        prev = k;
    }
    if (r->requests == 1) /* the whole route goes */
        gain = r->travel;
    return gain;
}

int vrp_plan_set_route(const vrp_model *m, vrp_plan *plan, uint32_t vehicle, const uint32_t *tasks,
                       uint32_t n) {
    const dorf_vrp_vehicle *veh = &m->problem->vehicles[vehicle];
    vrp_route *r = &plan->routes[vehicle];
    if (route_reserve(r, n + 2))
        return -1;
    r->vehicle = vehicle;
    r->n = n;
    r->fixed = (uint32_t)veh->fixed_count;
    r->node[0] = DORF_VRP_NONE;
    r->loc[0] = veh->start;
    for (uint32_t k = 0; k < n; k++) {
        r->node[k + 1] = tasks[k];
        r->loc[k + 1] = m->loc[tasks[k]];
    }
    r->node[n + 1] = DORF_VRP_NONE;
    r->loc[n + 1] = veh->end;
    return vrp_route_update(m, r);
}

void vrp_plan_reindex(const vrp_model *m, vrp_plan *plan) {
    for (uint32_t q = 0; q < m->request_count; q++)
        plan->route_of[q] = DORF_VRP_NONE;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        vrp_route *r = &plan->routes[v];
        r->requests = 0;
        for (uint32_t k = 1; k <= r->n; k++) {
            uint32_t q = m->request_of[r->node[k]];
            /* A parcel on board (pickup fixed) counts as served once its delivery is planned. */
            if (!m->fixed[q] && r->node[k] != m->pickup[q])
                continue;
            if (plan->route_of[q] == DORF_VRP_NONE) {
                plan->route_of[q] = v;
                r->requests++;
            }
        }
    }
    vrp_plan_totals(m, plan);
}
