/*
 * vrp_exact.c: optimal plans for small pickup-and-delivery problems (dorf_vrp_solve_exact in
 * dorf/vrp.h), the oracle the heuristic is tested against. It is a route-enumeration
 * (set-packing) method in two steps: this file enumerates the routes and builds the plan;
 * vrp_exact_mip.c chooses among the routes with GLPK.
 *
 * 1. Routes. Vehicles that cannot be told apart (same start, end, window, capacity, profile and
 * travel limit, no fixed tasks, no requests bound to them) form one class and are enumerated
 * once. For each class a labelling search, breadth first by number of stops, builds every
 * feasible partial route: a label is (requests picked up, requests finished, last stop,
 * earliest time it may leave that stop, travel so far); the load follows from the two sets.
 * A label is extended to the pickup (or single stop) of a request not yet taken or to the
 * delivery of one on board, and dropped when a window, the capacity or the travel limit is
 * broken, or would be by the time it could reach its end or an on-board delivery even along
 * shortest paths (Floyd-Warshall over the stops; waiting only makes things later). A label
 * with the same sets and last stop that is no later and has travelled no more dominates it:
 * since waiting is allowed and travel is the cost, it can do everything the other can, at no
 * more cost. A label with nothing on board closes at the vehicle's end and gives a route for
 * its set of requests; the cheapest route per (class, set) is kept. Fixed tasks are a forced
 * prefix: their vehicle's search starts after them. This is the elementary labelling of
 * Dumas, Desrosiers and Soumis, "The pickup and delivery problem with time windows", EJOR 54
 * (1991), without its column generation: every column is generated up front, hence the size
 * limit DORF_VRP_EXACT_MAX_REQUESTS (sets as bitmasks).
 *
 * 2. Choice (vrp_exact_mip.c): a lexicographic GLPK MIP picks the best set of kept routes.
 * The chosen routes of a class go to its vehicles in index order; each route's schedule is its
 * earliest one. A problem whose bound requests or fixed tasks cannot all be served is refused
 * with DORF_EINVAL: no plan obeys it. The time limit covers both steps.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "dorf/vrp.h"
#include "vrp_exact_internal.h"

/* Partial routes kept over all classes before the problem counts as too large. */
#define MAX_LABELS 5000000u
/* Nodes of a class's search: the tasks (at most two per request), its start and its end. */
#define MAX_NODES (2 * DORF_VRP_EXACT_MAX_REQUESTS + 2)
#define NONE UINT32_MAX

/* A partial route of the labelling search. */
typedef struct label {
    double ready;    /* earliest time it may leave its last node */
    double travel;   /* travel so far */
    uint32_t self;   /* its entry in the history, NONE for an empty route */
    uint32_t parent; /* the history entry it extends (in the layer being built) */
    uint32_t next;   /* next label with the same key in the layer being built, or NONE */
    int32_t load;
    uint16_t picked;   /* requests whose pickup (or single stop) is done */
    uint16_t finished; /* requests done */
    uint8_t last;      /* node: a task index, or the class's start */
    uint8_t dead;      /* dominated by a later label of its layer */
} label;

/* The class's view of the problem: nodes 0..ntask-1 are tasks, then start, then end. */
typedef struct cview {
    const dorf_vrp_vehicle *veh;
    uint32_t start;
    uint32_t end;
    double d[MAX_NODES][MAX_NODES];  /* travel between nodes */
    double sp[MAX_NODES][MAX_NODES]; /* shortest paths over the nodes: lower bounds */
} cview;

double vrp_exact_now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

dorf_status vrp_exact_time_is_up(exact *x, const char *during) {
    return dorf_fail(x->ctx, DORF_EIO,
                     "exact VRP: time limit of %g s exceeded while %s (%zu requests, %zu "
                     "vehicles)",
                     x->time_limit_s, during, x->nreq, x->p->vehicle_count);
}

static int out_of_time(const exact *x) {
    return x->time_limit_s > 0 && vrp_exact_now_s() - x->started_s > x->time_limit_s;
}

dorf_status vrp_exact_no_memory(exact *x) {
    return dorf_fail(x->ctx, DORF_ENOMEM, "exact VRP: out of memory");
}

static int same_class(const dorf_vrp_vehicle *a, const dorf_vrp_vehicle *b) {
    return a->start == b->start && a->end == b->end && a->earliest == b->earliest &&
           a->latest == b->latest && a->capacity == b->capacity && a->profile == b->profile &&
           a->max_travel == b->max_travel;
}

/* Requests per task, masks, and the vehicle classes. */
static dorf_status prepare(exact *x) {
    const dorf_vrp_problem *p = x->p;
    size_t nveh = p->vehicle_count;
    x->req_of_task = dorf_malloc((x->ntask ? x->ntask : 1) * sizeof *x->req_of_task);
    x->class_of = dorf_malloc((nveh ? nveh : 1) * sizeof *x->class_of);
    x->classes = dorf_malloc((nveh ? nveh : 1) * sizeof *x->classes);
    uint32_t *bound = dorf_calloc(nveh ? nveh : 1, sizeof *bound); /* requests bound to v */
    if (!x->req_of_task || !x->class_of || !x->classes || !bound) {
        free(bound);
        return vrp_exact_no_memory(x);
    }
    uint32_t everything = (uint32_t)((1u << x->nreq) - 1);
    uint32_t bound_any = 0;
    for (size_t r = 0; r < x->nreq; r++) {
        const dorf_vrp_request *q = &p->requests[r];
        x->req_of_task[q->pickup] = (uint32_t)r;
        if (q->delivery != DORF_VRP_NONE) {
            x->req_of_task[q->delivery] = (uint32_t)r;
            x->parcels |= 1u << r;
        }
        if (q->penalty == 0) {
            x->required |= 1u << r;
        }
        if (q->vehicle != DORF_VRP_NONE) {
            bound[q->vehicle] |= 1u << r;
            bound_any |= 1u << r;
        }
    }
    for (size_t v = 0; v < nveh; v++) {
        for (size_t k = 0; k < p->vehicles[v].fixed_count; k++) {
            x->fixed |= 1u << x->req_of_task[p->vehicles[v].fixed[k]];
        }
    }
    for (size_t v = 0; v < nveh; v++) {
        const dorf_vrp_vehicle *veh = &p->vehicles[v];
        int alone = veh->fixed_count > 0 || bound[v] != 0;
        size_t c = x->class_count;
        if (!alone) {
            for (c = 0; c < x->class_count; c++) {
                vclass *k = &x->classes[c];
                if (!k->forced && k->avail == (everything & ~bound_any & ~x->fixed) &&
                    bound[k->first] == 0 && same_class(&p->vehicles[k->first], veh)) {
                    break;
                }
            }
        }
        if (c == x->class_count) {
            vclass *k = &x->classes[x->class_count++];
            memset(k, 0, sizeof *k);
            k->first = (uint32_t)v;
            k->forced = veh->fixed_count > 0;
            k->avail = (everything & ~bound_any & ~x->fixed) | (bound[v] & ~x->fixed);
        }
        x->classes[c].count++;
        x->class_of[v] = (uint32_t)c;
    }
    free(bound);
    return DORF_OK;
}

static void make_view(const exact *x, const vclass *k, cview *w) {
    const dorf_vrp_problem *p = x->p;
    w->veh = &p->vehicles[k->first];
    const double *m = p->travel[w->veh->profile];
    size_t n = p->location_count;
    w->start = (uint32_t)x->ntask;
    w->end = (uint32_t)x->ntask + 1;
    uint32_t loc[MAX_NODES];
    for (size_t t = 0; t < x->ntask; t++) {
        loc[t] = p->tasks[t].location;
    }
    loc[w->start] = w->veh->start;
    loc[w->end] = w->veh->end;
    size_t nn = x->ntask + 2;
    for (size_t a = 0; a < nn; a++) {
        for (size_t b = 0; b < nn; b++) {
            w->d[a][b] = m[(size_t)loc[a] * n + loc[b]];
            w->sp[a][b] = a == b ? 0 : w->d[a][b];
        }
    }
    for (size_t via = 0; via < nn; via++) {
        for (size_t a = 0; a < nn; a++) {
            for (size_t b = 0; b < nn; b++) {
                double alt = w->sp[a][via] + w->sp[via][b];
                if (alt < w->sp[a][b]) {
                    w->sp[a][b] = alt;
                }
            }
        }
    }
}

static dorf_status push_hist(exact *x, uint32_t parent, uint32_t task, uint32_t *id) {
    if (x->hist_count >= MAX_LABELS) {
        return dorf_fail(x->ctx, DORF_ENOMEM,
                         "exact VRP: problem too large for the exact solver (more than %u "
                         "partial routes; %zu requests)",
                         MAX_LABELS, x->nreq);
    }
    if (dorf_grow((void **)&x->hist, &x->hist_cap, x->hist_count + 1, sizeof *x->hist) != 0) {
        return vrp_exact_no_memory(x);
    }
    *id = (uint32_t)x->hist_count;
    x->hist[x->hist_count++] = (parent == NONE ? 0 : (parent + 1) << 5) | task;
    return DORF_OK;
}

static uint32_t hist_parent(const exact *x, uint32_t id) {
    uint32_t up = x->hist[id] >> 5;
    return up == 0 ? NONE : up - 1;
}

static uint32_t hist_task(const exact *x, uint32_t id) {
    return x->hist[id] & 31u;
}

static uint64_t label_key(const label *l) {
    return (uint64_t)l->picked | (uint64_t)l->finished << 16 | (uint64_t)l->last << 32;
}

/* The slot of `key` in the layer's table, or the free slot where it would go. */
static size_t slot_of(const exact *x, uint64_t key) {
    size_t mask = x->tcap - 1;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (x->tgen[i] == x->gen && x->tkeys[i] != key) {
        i = (i + 1) & mask;
    }
    return i;
}

/* Empties the table for a new layer: a slot is in use only when stamped with this layer. */
static dorf_status table_reset(exact *x) {
    if (x->tcap == 0) {
        size_t cap = 1024;
        x->tkeys = dorf_malloc(cap * sizeof *x->tkeys);
        x->theads = dorf_malloc(cap * sizeof *x->theads);
        x->tgen = dorf_calloc(cap, sizeof *x->tgen);
        if (!x->tkeys || !x->theads || !x->tgen) {
            return vrp_exact_no_memory(x);
        }
        x->tcap = cap;
    }
    if (++x->gen == 0) {
        memset(x->tgen, 0, x->tcap * sizeof *x->tgen);
        x->gen = 1;
    }
    x->tused = 0;
    return DORF_OK;
}

static dorf_status table_grow(exact *x) {
    size_t old_cap = x->tcap;
    uint64_t *old_keys = x->tkeys;
    uint32_t *old_heads = x->theads;
    uint32_t *old_gen = x->tgen;
    uint64_t *keys = dorf_malloc(2 * old_cap * sizeof *keys);
    uint32_t *heads = dorf_malloc(2 * old_cap * sizeof *heads);
    uint32_t *gen = dorf_calloc(2 * old_cap, sizeof *gen);
    if (!keys || !heads || !gen) {
        free(keys);
        free(heads);
        free(gen);
        return vrp_exact_no_memory(x);
    }
    x->tkeys = keys;
    x->theads = heads;
    x->tgen = gen;
    x->tcap = 2 * old_cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old_gen[i] == x->gen) {
            size_t s = slot_of(x, old_keys[i]);
            keys[s] = old_keys[i];
            heads[s] = old_heads[i];
            gen[s] = x->gen;
        }
    }
    free(old_keys);
    free(old_heads);
    free(old_gen);
    return DORF_OK;
}

/* Adds `l` to the layer being built unless a label of its key dominates it. */
static dorf_status insert_label(exact *x, const label *l) {
    if (2 * (x->tused + 1) > x->tcap) {
        dorf_status st = table_grow(x);
        if (st) {
            return st;
        }
    }
    uint64_t key = label_key(l);
    size_t s = slot_of(x, key);
    int known = x->tgen[s] == x->gen;
    uint32_t head = NONE;
    if (known) {
        head = x->theads[s];
        for (uint32_t i = head; i != NONE; i = x->nxt[i].next) {
            label *o = &x->nxt[i];
            if (o->dead) {
                continue;
            }
            if (o->ready <= l->ready && o->travel <= l->travel) {
                return DORF_OK;
            }
            if (l->ready <= o->ready && l->travel <= o->travel) {
                o->dead = 1;
            }
        }
    }
    if (x->hist_count + x->nxt_count >= MAX_LABELS) {
        return dorf_fail(x->ctx, DORF_ENOMEM,
                         "exact VRP: problem too large for the exact solver (more than %u "
                         "partial routes; %zu requests)",
                         MAX_LABELS, x->nreq);
    }
    if (dorf_grow((void **)&x->nxt, &x->nxt_cap, x->nxt_count + 1, sizeof *x->nxt) != 0) {
        return vrp_exact_no_memory(x);
    }
    uint32_t id = (uint32_t)x->nxt_count++;
    x->nxt[id] = *l;
    x->nxt[id].next = head;
    if (!known) {
        x->tkeys[s] = key;
        x->tgen[s] = x->gen;
        x->tused++;
    }
    x->theads[s] = id;
    return DORF_OK;
}

/* Tries to go from `from` to task `j`, leaving the sets `picked` and `finished`. */
static dorf_status extend(exact *x, const cview *w, const label *from, uint32_t j, uint32_t picked,
                          uint32_t finished) {
    const dorf_vrp_task *t = &x->p->tasks[j];
    const dorf_vrp_vehicle *veh = w->veh;
    double leg = w->d[from->last][j];
    if (!isfinite(leg)) {
        return DORF_OK;
    }
    double start = fmax(from->ready + leg, t->earliest);
    if (start > t->latest) {
        return DORF_OK;
    }
    int64_t load = (int64_t)from->load + t->demand;
    if (load < 0 || load > veh->capacity) {
        return DORF_OK;
    }
    double travel = from->travel + leg;
    double ready = start + t->service;
    double home = w->sp[j][w->end];
    if (isinf(home) || travel + home > veh->max_travel || ready + home > veh->latest) {
        return DORF_OK;
    }
    uint32_t onboard = picked & ~finished;
    while (onboard) {
        uint32_t r = (uint32_t)__builtin_ctz(onboard);
        onboard &= onboard - 1;
        uint32_t dk = x->p->requests[r].delivery;
        double to_dk = w->sp[j][dk];
        if (isinf(to_dk) || ready + to_dk > x->p->tasks[dk].latest ||
            travel + to_dk + w->sp[dk][w->end] > veh->max_travel) {
            return DORF_OK;
        }
    }
    label l = {0};
    l.ready = ready;
    l.travel = travel;
    l.self = NONE;
    l.parent = from->self;
    l.next = NONE;
    l.load = (int32_t)load;
    l.picked = (uint16_t)picked;
    l.finished = (uint16_t)finished;
    l.last = (uint8_t)j;
    return insert_label(x, &l);
}

/* A label with nothing on board ends its route at the vehicle's end. */
static void close_label(exact *x, const cview *w, const label *l) {
    double leg = w->d[l->last][w->end];
    double travel = l->travel + leg;
    if (!isfinite(leg) || l->ready + leg > w->veh->latest || travel > w->veh->max_travel) {
        return;
    }
    if (travel < x->best_travel[l->picked]) {
        x->best_travel[l->picked] = travel;
        x->best_hist[l->picked] = l->self;
    }
}

/*
 * The search's first label: the empty route, or, for a vehicle with fixed tasks, the route of
 * those tasks, which must themselves be feasible.
 */
static dorf_status root_label(exact *x, const cview *w, size_t v, label *root) {
    const dorf_vrp_vehicle *veh = w->veh;
    memset(root, 0, sizeof *root);
    root->ready = veh->earliest;
    root->self = NONE;
    root->next = NONE;
    root->last = (uint8_t)w->start;
    for (size_t k = 0; k < veh->fixed_count; k++) {
        uint32_t j = veh->fixed[k];
        const dorf_vrp_task *t = &x->p->tasks[j];
        uint32_t r = x->req_of_task[j];
        double leg = w->d[root->last][j];
        double start = fmax(root->ready + leg, t->earliest);
        int64_t load = (int64_t)root->load + t->demand;
        const char *fault = NULL;
        if (!isfinite(leg)) {
            fault = "cannot be reached";
        } else if (start > t->latest) {
            fault = "is reached after its window closes";
        } else if (load < 0 || load > veh->capacity) {
            fault = "breaks the capacity";
        } else if (root->travel + leg > veh->max_travel) {
            fault = "exceeds the travel limit";
        }
        if (fault) {
            return dorf_fail(x->ctx, DORF_EINVAL,
                             "exact VRP: vehicle %zu (id %u): fixed task %u (id %u) %s", v, veh->id,
                             j, t->id, fault);
        }
        dorf_status st = push_hist(x, root->self, j, &root->self);
        if (st) {
            return st;
        }
        root->ready = start + t->service;
        root->travel += leg;
        root->load = (int32_t)load;
        root->last = (uint8_t)j;
        if (x->p->requests[r].pickup == j) {
            root->picked |= (uint16_t)(1u << r);
        }
        if (x->p->requests[r].pickup != j || !(x->parcels & (1u << r))) {
            root->finished |= (uint16_t)(1u << r);
        }
    }
    return DORF_OK;
}

/* Moves the surviving labels of the layer just built into the history: the next layer. */
static dorf_status next_layer(exact *x) {
    size_t kept = 0;
    for (size_t i = 0; i < x->nxt_count; i++) {
        if (x->nxt[i].dead) {
            continue;
        }
        label l = x->nxt[i];
        dorf_status st = push_hist(x, l.parent, l.last, &l.self);
        if (st) {
            return st;
        }
        x->nxt[kept++] = l;
    }
    label *swap = x->cur;
    size_t swap_cap = x->cur_cap;
    x->cur = x->nxt;
    x->cur_cap = x->nxt_cap;
    x->cur_count = kept;
    x->nxt = swap;
    x->nxt_cap = swap_cap;
    x->nxt_count = 0;
    return DORF_OK;
}

/* Every route of class `c` worth keeping: the cheapest per set of requests, as columns. */
static dorf_status enumerate_class(exact *x, size_t c) {
    vclass *k = &x->classes[c];
    cview w;
    make_view(x, k, &w);
    size_t nsets = (size_t)1 << x->nreq;
    for (size_t s = 0; s < nsets; s++) {
        x->best_travel[s] = INFINITY;
        x->best_hist[s] = NONE;
    }
    label root;
    dorf_status st = root_label(x, &w, k->first, &root);
    if (st) {
        return st;
    }
    if (dorf_grow((void **)&x->cur, &x->cur_cap, 1, sizeof *x->cur) != 0) {
        return vrp_exact_no_memory(x);
    }
    x->cur[0] = root;
    x->cur_count = 1;
    unsigned long steps = 0;
    while (x->cur_count > 0) {
        st = table_reset(x);
        if (st) {
            return st;
        }
        x->nxt_count = 0;
        for (size_t i = 0; i < x->cur_count; i++) {
            const label *l = &x->cur[i];
            if (l->self != NONE && l->picked == l->finished) {
                close_label(x, &w, l);
            }
            uint32_t open = k->avail & ~(uint32_t)l->picked;
            while (open) {
                uint32_t r = (uint32_t)__builtin_ctz(open);
                open &= open - 1;
                uint32_t bit = 1u << r;
                uint32_t finished = l->finished | ((x->parcels & bit) ? 0 : bit);
                st = extend(x, &w, l, x->p->requests[r].pickup, l->picked | bit, finished);
                if (st) {
                    return st;
                }
            }
            uint32_t onboard = (uint32_t)l->picked & ~(uint32_t)l->finished;
            while (onboard) {
                uint32_t r = (uint32_t)__builtin_ctz(onboard);
                onboard &= onboard - 1;
                st = extend(x, &w, l, x->p->requests[r].delivery, l->picked,
                            l->finished | (1u << r));
                if (st) {
                    return st;
                }
            }
            if ((++steps & 1023) == 0 && out_of_time(x)) {
                return vrp_exact_time_is_up(x, "enumerating routes");
            }
        }
        st = next_layer(x);
        if (st) {
            return st;
        }
    }
    k->col_begin = x->col_count;
    for (size_t s = 0; s < nsets; s++) {
        if (x->best_hist[s] == NONE) {
            continue;
        }
        if (dorf_grow((void **)&x->cols, &x->col_cap, x->col_count + 1, sizeof *x->cols) != 0) {
            return vrp_exact_no_memory(x);
        }
        column *col = &x->cols[x->col_count++];
        col->cls = (uint32_t)c;
        col->set = (uint32_t)s;
        col->hist = x->best_hist[s];
        col->travel = x->best_travel[s];
    }
    k->col_end = x->col_count;
    return DORF_OK;
}

dorf_status vrp_exact_infeasible(exact *x) {
    return dorf_fail(x->ctx, DORF_EINVAL,
                     "exact VRP: no plan serves every request bound to a vehicle together with "
                     "every vehicle's fixed tasks");
}

/* Requests and vehicles that must be served or used but have no route at all. */
static dorf_status check_coverable(exact *x) {
    const dorf_vrp_problem *p = x->p;
    for (size_t c = 0; c < x->class_count; c++) {
        const vclass *k = &x->classes[c];
        if (k->forced && k->col_begin == k->col_end) {
            return dorf_fail(x->ctx, DORF_EINVAL,
                             "exact VRP: vehicle %u (id %u): no feasible route continues its "
                             "fixed tasks",
                             k->first, p->vehicles[k->first].id);
        }
    }
    for (size_t r = 0; r < x->nreq; r++) {
        const dorf_vrp_request *q = &p->requests[r];
        if (q->vehicle == DORF_VRP_NONE) {
            continue;
        }
        const vclass *k = &x->classes[x->class_of[q->vehicle]];
        size_t i = k->col_begin;
        while (i < k->col_end && !(x->cols[i].set & (1u << r))) {
            i++;
        }
        if (i == k->col_end) {
            return dorf_fail(x->ctx, DORF_EINVAL,
                             "exact VRP: request %zu is bound to vehicle %u (id %u), which "
                             "cannot serve it",
                             r, q->vehicle, p->vehicles[q->vehicle].id);
        }
    }
    return DORF_OK;
}

/* Fills route `out` of vehicle `v` from column `col`, with its earliest schedule. */
static dorf_status fill_route(exact *x, uint32_t v, const column *col, dorf_vrp_route *out) {
    const dorf_vrp_problem *p = x->p;
    const dorf_vrp_vehicle *veh = &p->vehicles[v];
    size_t n = 0;
    for (uint32_t h = col->hist; h != NONE; h = hist_parent(x, h)) {
        n++;
    }
    out->vehicle = v;
    out->tasks = dorf_malloc(n * sizeof *out->tasks);
    out->service_start = dorf_malloc(n * sizeof *out->service_start);
    if (!out->tasks || !out->service_start) {
        return vrp_exact_no_memory(x);
    }
    out->task_count = n;
    size_t i = n;
    for (uint32_t h = col->hist; h != NONE; h = hist_parent(x, h)) {
        out->tasks[--i] = hist_task(x, h);
    }
    const double *m = p->travel[veh->profile];
    size_t nloc = p->location_count;
    uint32_t at = veh->start;
    double ready = veh->earliest;
    double travel = 0;
    for (i = 0; i < n; i++) {
        const dorf_vrp_task *t = &p->tasks[out->tasks[i]];
        double leg = m[(size_t)at * nloc + t->location];
        travel += leg;
        out->service_start[i] = fmax(ready + leg, t->earliest);
        ready = out->service_start[i] + t->service;
        at = t->location;
    }
    double leg = m[(size_t)at * nloc + veh->end];
    out->departure = veh->earliest;
    out->arrival = ready + leg;
    out->travel = travel + leg;
    return DORF_OK;
}

/* The plan of the chosen columns: each class's routes to its vehicles in index order. */
static dorf_status build_solution(exact *x, const unsigned char *chosen, dorf_vrp_solution *out) {
    const dorf_vrp_problem *p = x->p;
    size_t count = 0;
    uint32_t served = 0;
    for (size_t j = 0; j < x->col_count; j++) {
        if (chosen[j]) {
            count++;
            served |= x->cols[j].set;
        }
    }
    size_t *cursor = dorf_malloc((x->class_count ? x->class_count : 1) * sizeof *cursor);
    out->routes = dorf_calloc(count ? count : 1, sizeof *out->routes);
    if (!cursor || !out->routes) {
        free(cursor);
        return vrp_exact_no_memory(x);
    }
    for (size_t c = 0; c < x->class_count; c++) {
        cursor[c] = x->classes[c].col_begin;
    }
    dorf_status st = DORF_OK;
    for (size_t v = 0; v < p->vehicle_count && out->route_count < count; v++) {
        uint32_t c = x->class_of[v];
        size_t j = cursor[c];
        while (j < x->classes[c].col_end && !chosen[j]) {
            j++;
        }
        if (j == x->classes[c].col_end) {
            cursor[c] = j;
            continue;
        }
        cursor[c] = j + 1;
        dorf_vrp_route *route = &out->routes[out->route_count++];
        st = fill_route(x, (uint32_t)v, &x->cols[j], route);
        if (st) {
            break;
        }
        out->travel += route->travel;
        out->vehicles_used++;
    }
    free(cursor);
    if (st) {
        return st;
    }
    size_t unserved = x->nreq - (size_t)__builtin_popcount(served);
    if (unserved > 0) {
        out->unserved = dorf_malloc(unserved * sizeof *out->unserved);
        if (!out->unserved) {
            return vrp_exact_no_memory(x);
        }
    }
    out->cost = out->travel;
    for (size_t r = 0; r < x->nreq; r++) {
        if (served & (1u << r)) {
            continue;
        }
        out->unserved[out->unserved_count++] = (uint32_t)r;
        out->cost += p->requests[r].penalty;
        out->unserved_required += p->requests[r].penalty == 0;
    }
    return DORF_OK;
}

static void exact_free(exact *x) {
    free(x->req_of_task);
    free(x->class_of);
    free(x->classes);
    free(x->hist);
    free(x->cols);
    free(x->cur);
    free(x->nxt);
    free(x->tkeys);
    free(x->theads);
    free(x->tgen);
    free(x->best_travel);
    free(x->best_hist);
}

dorf_status dorf_vrp_solve_exact(dorf_ctx *ctx, const dorf_vrp_problem *problem,
                                 double time_limit_s, dorf_vrp_solution *out) {
    if (!out) {
        return dorf_fail(ctx, DORF_EINVAL, "exact VRP: no solution to fill");
    }
    memset(out, 0, sizeof *out);
    dorf_status st = dorf_vrp_problem_check(ctx, problem);
    if (st) {
        return st;
    }
    if (problem->request_count > DORF_VRP_EXACT_MAX_REQUESTS) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "exact VRP: %zu requests, the exact solver takes at most %d",
                         problem->request_count, DORF_VRP_EXACT_MAX_REQUESTS);
    }
    if (!(time_limit_s >= 0)) {
        return dorf_fail(ctx, DORF_EINVAL, "exact VRP: time limit %g s is not valid", time_limit_s);
    }
    exact x;
    memset(&x, 0, sizeof x);
    x.ctx = ctx;
    x.p = problem;
    x.nreq = problem->request_count;
    x.ntask = problem->task_count;
    x.started_s = vrp_exact_now_s();
    x.time_limit_s = time_limit_s;
    unsigned char *chosen = NULL;
    size_t nsets = (size_t)1 << x.nreq;
    st = prepare(&x);
    if (st) {
        goto fail;
    }
    x.best_travel = dorf_malloc(nsets * sizeof *x.best_travel);
    x.best_hist = dorf_malloc(nsets * sizeof *x.best_hist);
    if (!x.best_travel || !x.best_hist) {
        st = vrp_exact_no_memory(&x);
        goto fail;
    }
    for (size_t c = 0; c < x.class_count; c++) {
        st = enumerate_class(&x, c);
        if (st) {
            goto fail;
        }
    }
    st = check_coverable(&x);
    if (st) {
        goto fail;
    }
    chosen = dorf_calloc(x.col_count ? x.col_count : 1, 1);
    if (!chosen) {
        st = vrp_exact_no_memory(&x);
        goto fail;
    }
    if (x.col_count > 0) {
        st = vrp_exact_choose(&x, chosen);
        if (st) {
            goto fail;
        }
    }
    st = build_solution(&x, chosen, out);
    if (st) {
        goto fail;
    }
    free(chosen);
    exact_free(&x);
    return DORF_OK;
fail:
    free(chosen);
    exact_free(&x);
    dorf_vrp_solution_release(out);
    return st;
}
