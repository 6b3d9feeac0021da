/*
 * vrp_exact.c: optimal plans for small pickup-and-delivery problems (dorf_vrp_solve_exact in
 * dorf/vrp.h), the oracle the heuristic is tested against. It is a route-enumeration
 * (set-packing) method in two steps.
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
 * 2. Choice. A GLPK MIP has a binary column per kept route; rows: each request covered at
 * most once (exactly once when bound to a vehicle or fixed), each class used at most as often
 * as it has vehicles (a vehicle with fixed tasks exactly once). The ranking of dorf/vrp.h is
 * solved lexicographically, each stage keeping the previous optimum as a constraint:
 * (1) most required requests served, (2) fewest routes, (3) least travel plus penalties of
 * the optional requests left out. Each stage starts from the previous one's optimum (see
 * run_stage for how GLPK is driven). The chosen routes of a class go to its vehicles in index
 * order; each route's schedule is its earliest one. A problem whose bound requests or fixed
 * tasks cannot all be served is refused with DORF_EINVAL: no plan obeys it. The time limit
 * covers both steps.
 */
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "dorf/vrp.h"

/* Partial routes kept over all classes before the problem counts as too large. */
#define MAX_LABELS 5000000u
/* Nodes of a class's search: the tasks (at most two per request), its start and its end. */
#define MAX_NODES (2 * DORF_VRP_EXACT_MAX_REQUESTS + 2)
#define NONE UINT32_MAX

typedef struct vclass {
    uint32_t first; /* its lowest vehicle index, whose data the search uses */
    uint32_t count;
    int forced;       /* the vehicle has fixed tasks: exactly one route */
    uint32_t avail;   /* requests its routes may serve, beyond those fixed in it */
    size_t col_begin; /* its columns in the column list */
    size_t col_end;
} vclass;

/* A kept route: the cheapest of its class for its set of requests. */
typedef struct column {
    uint32_t cls;
    uint32_t set;
    uint32_t hist; /* its last stop in the history */
    double travel;
} column;

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

typedef struct exact {
    dorf_ctx *ctx;
    const dorf_vrp_problem *p;
    size_t nreq;
    size_t ntask;
    double started_s;
    double time_limit_s;
    uint32_t *req_of_task; /* [ntask] */
    uint32_t parcels;      /* requests with a delivery */
    uint32_t required;     /* requests with penalty 0 */
    uint32_t fixed;        /* requests with a task fixed in some vehicle */
    uint32_t *class_of;    /* [vehicle_count] */
    vclass *classes;
    size_t class_count;
    /* The history of partial routes, all classes: (parent + 1) << 5 | task; parent + 1 == 0
       marks the first stop of a route. */
    uint32_t *hist;
    size_t hist_count;
    size_t hist_cap;
    column *cols;
    size_t col_count;
    size_t col_cap;
    /* the search's working memory */
    label *cur;
    size_t cur_count;
    size_t cur_cap;
    label *nxt;
    size_t nxt_count;
    size_t nxt_cap;
    uint64_t *tkeys; /* hash table: key of a layer's labels -> first label with it */
    uint32_t *theads;
    uint32_t *tgen; /* the layer that last used the slot */
    uint32_t gen;   /* the current layer's stamp */
    size_t tcap;
    size_t tused;
    double *best_travel; /* [1 << nreq] for the class being searched */
    uint32_t *best_hist;
} exact;

/* The class's view of the problem: nodes 0..ntask-1 are tasks, then start, then end. */
typedef struct cview {
    const dorf_vrp_vehicle *veh;
    uint32_t start;
    uint32_t end;
    double d[MAX_NODES][MAX_NODES];  /* travel between nodes */
    double sp[MAX_NODES][MAX_NODES]; /* shortest paths over the nodes: lower bounds */
} cview;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static dorf_status time_is_up(exact *x, const char *during) {
    return dorf_fail(x->ctx, DORF_EIO,
                     "exact VRP: time limit of %g s exceeded while %s (%zu requests, %zu "
                     "vehicles)",
                     x->time_limit_s, during, x->nreq, x->p->vehicle_count);
}

static int out_of_time(const exact *x) {
    return x->time_limit_s > 0 && now_s() - x->started_s > x->time_limit_s;
}

static dorf_status no_memory(exact *x) {
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
        return no_memory(x);
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
        return no_memory(x);
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
            return no_memory(x);
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
        return no_memory(x);
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
        return no_memory(x);
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
        return no_memory(x);
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
                return time_is_up(x, "enumerating routes");
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
            return no_memory(x);
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

static dorf_status infeasible(exact *x) {
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

/* A stage's MIP and what it may start from. */
typedef struct stage {
    const char *doing;   /* for messages: "using the fewest vehicles" */
    const double *start; /* [1 + columns]: a feasible 0/1 solution to offer, or NULL */
    int offered;
    int pump; /* run GLPK's feasibility pump */
} stage;

/* Offers the previous stage's optimum, still feasible, as the first incumbent. */
static void offer_incumbent(glp_tree *tree, void *info) {
    stage *sg = info;
    if (glp_ios_reason(tree) == GLP_IHEUR && sg->start && !sg->offered) {
        sg->offered = 1;
        glp_ios_heur_sol(tree, sg->start);
    }
}

/* GLPK's time limit for what is left of the budget, in ms; 0 when no time is left. */
static int time_left_ms(const exact *x) {
    if (x->time_limit_s <= 0) {
        return INT_MAX;
    }
    double left_ms = (x->time_limit_s - (now_s() - x->started_s)) * 1000.0;
    if (left_ms < 1) {
        return 0;
    }
    return left_ms >= INT_MAX ? INT_MAX : (int)ceil(left_ms);
}

/*
 * One stage of the lexicographic MIP; *obj is its optimum. GLPK's branch and bound struggles
 * with set packing (it branches on single routes), and on the first 14 parcels of Li & Lim's
 * lc2, lr2 and lrc2 instances the three stages took up to 45 s with its defaults. So: the MIP
 * presolver is off (it slowed these models down, and without it the previous stage's optimum
 * can be offered as the first incumbent, which prunes most of the tree); the previous optima
 * are equalities, not bounds with slack, which keeps the relaxations tight; and stage 2, whose
 * bound is easy but whose incumbent is weak, runs the feasibility pump to find a plan with
 * that few routes. The MIP now takes at most about 1 s on those instances.
 */
static dorf_status run_stage(exact *x, glp_prob *lp, stage *sg, double *obj) {
    glp_smcp lp_parm;
    glp_init_smcp(&lp_parm);
    lp_parm.msg_lev = GLP_MSG_OFF;
    lp_parm.tm_lim = time_left_ms(x);
    if (lp_parm.tm_lim == 0) {
        return time_is_up(x, sg->doing);
    }
    int rc = glp_simplex(lp, &lp_parm);
    if (rc == GLP_ETMLIM) {
        return time_is_up(x, sg->doing);
    }
    if (rc != 0) {
        return dorf_fail(x->ctx, DORF_EIO, "exact VRP: GLPK failed while %s (glp_simplex: %d)",
                         sg->doing, rc);
    }
    int status = glp_get_status(lp);
    if (status == GLP_NOFEAS) {
        return infeasible(x);
    }
    if (status != GLP_OPT) {
        return dorf_fail(x->ctx, DORF_EIO,
                         "exact VRP: GLPK found no LP optimum while %s (glp_get_status: %d)",
                         sg->doing, status);
    }
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    parm.cb_func = offer_incumbent;
    parm.cb_info = sg;
    parm.fp_heur = sg->pump ? GLP_ON : GLP_OFF;
    parm.tm_lim = time_left_ms(x);
    if (parm.tm_lim == 0) {
        return time_is_up(x, sg->doing);
    }
    rc = glp_intopt(lp, &parm);
    if (rc == GLP_ETMLIM) {
        return time_is_up(x, sg->doing);
    }
    if (rc == GLP_ENOPFS) {
        return infeasible(x);
    }
    if (rc != 0) {
        return dorf_fail(x->ctx, DORF_EIO, "exact VRP: GLPK failed while %s (glp_intopt: %d)",
                         sg->doing, rc);
    }
    status = glp_mip_status(lp);
    if (status == GLP_NOFEAS) {
        return infeasible(x);
    }
    if (status != GLP_OPT) {
        return dorf_fail(x->ctx, DORF_EIO,
                         "exact VRP: GLPK found no optimum while %s (glp_mip_status: %d)",
                         sg->doing, status);
    }
    *obj = glp_mip_obj_val(lp);
    return DORF_OK;
}

/* Keeps the MIP's solution in `sol` (1-based, as GLPK's columns). */
static void keep_solution(glp_prob *lp, size_t ncol, double *sol) {
    for (size_t j = 1; j <= ncol; j++) {
        sol[j] = glp_mip_col_val(lp, (int)j) > 0.5 ? 1 : 0;
    }
}

/* The MIP over the columns, rank by rank; chosen[j] = 1 for the routes of the optimum. */
static dorf_status choose(exact *x, unsigned char *chosen) {
    const dorf_vrp_problem *p = x->p;
    size_t nreq = x->nreq;
    size_t ncls = x->class_count;
    size_t ncol = x->col_count;
    int row_required = (int)(nreq + ncls + 1);
    int row_routes = row_required + 1;
    size_t max_nz = ncol * (nreq + 3) + 1;
    if (ncol >= (size_t)INT_MAX || max_nz >= (size_t)INT_MAX) {
        return dorf_fail(x->ctx, DORF_ENOMEM,
                         "exact VRP: problem too large for the exact solver (%zu routes)", ncol);
    }
    int *ia = dorf_malloc(max_nz * sizeof *ia);
    int *ja = dorf_malloc(max_nz * sizeof *ja);
    double *ar = dorf_malloc(max_nz * sizeof *ar);
    double *sol = dorf_malloc((ncol + 1) * sizeof *sol);
    glp_prob *lp = NULL;
    dorf_status st = DORF_OK;
    if (!ia || !ja || !ar || !sol) {
        st = no_memory(x);
        goto done;
    }
    lp = glp_create_prob();
    glp_add_rows(lp, row_routes);
    glp_add_cols(lp, (int)ncol);
    for (size_t r = 0; r < nreq; r++) {
        int must = p->requests[r].vehicle != DORF_VRP_NONE || (x->fixed & (1u << r));
        glp_set_row_bnds(lp, (int)r + 1, must ? GLP_FX : GLP_UP, must ? 1 : 0, 1);
    }
    for (size_t c = 0; c < ncls; c++) {
        const vclass *k = &x->classes[c];
        glp_set_row_bnds(lp, (int)(nreq + c) + 1, k->forced ? GLP_FX : GLP_UP, k->forced ? 1 : 0,
                         (double)k->count);
    }
    glp_set_row_bnds(lp, row_required, GLP_FR, 0, 0);
    glp_set_row_bnds(lp, row_routes, GLP_FR, 0, 0);
    int nz = 0;
    uint32_t coverable = 0;
    for (size_t j = 0; j < ncol; j++) {
        const column *col = &x->cols[j];
        int cj = (int)j + 1;
        coverable |= col->set;
        glp_set_col_kind(lp, cj, GLP_BV);
        for (uint32_t set = col->set; set; set &= set - 1) {
            nz++;
            ia[nz] = __builtin_ctz(set) + 1;
            ja[nz] = cj;
            ar[nz] = 1;
        }
        nz++;
        ia[nz] = (int)(nreq + col->cls) + 1;
        ja[nz] = cj;
        ar[nz] = 1;
        int served_required = __builtin_popcount(col->set & x->required);
        if (served_required > 0) {
            nz++;
            ia[nz] = row_required;
            ja[nz] = cj;
            ar[nz] = served_required;
        }
        nz++;
        ia[nz] = row_routes;
        ja[nz] = cj;
        ar[nz] = 1;
    }
    glp_load_matrix(lp, nz, ia, ja, ar);

    /* 1: most required requests served. */
    double best = 0;
    stage sg = {"serving the most required requests", NULL, 0, 0};
    glp_set_obj_dir(lp, GLP_MAX);
    for (size_t j = 0; j < ncol; j++) {
        glp_set_obj_coef(lp, (int)j + 1, __builtin_popcount(x->cols[j].set & x->required));
    }
    st = run_stage(x, lp, &sg, &best);
    if (st) {
        goto done;
    }
    keep_solution(lp, ncol, sol);
    int served = (int)floor(best + 0.5);
    /* The optima are whole numbers: stating them exactly keeps the relaxations tight. */
    glp_set_row_bnds(lp, row_required, GLP_FX, served, served);
    if (served == __builtin_popcount(x->required & coverable)) {
        /* Equivalent, but the branch and bound goes much faster with it spelt out. */
        for (uint32_t set = x->required & coverable; set; set &= set - 1) {
            glp_set_row_bnds(lp, __builtin_ctz(set) + 1, GLP_FX, 1, 1);
        }
    }

    /* 2: fewest routes. */
    sg.doing = "using the fewest vehicles";
    sg.start = sol;
    sg.offered = 0;
    sg.pump = 1;
    glp_set_obj_dir(lp, GLP_MIN);
    for (size_t j = 0; j < ncol; j++) {
        glp_set_obj_coef(lp, (int)j + 1, 1);
    }
    st = run_stage(x, lp, &sg, &best);
    if (st) {
        goto done;
    }
    keep_solution(lp, ncol, sol);
    double routes = floor(best + 0.5);
    glp_set_row_bnds(lp, row_routes, GLP_FX, routes, routes);

    /* 3: least travel plus penalties of the optional requests left out, that is least travel
       minus the penalties of those served (their sum is a constant). */
    sg.doing = "minimising the cost";
    sg.offered = 0;
    sg.pump = 0;
    for (size_t j = 0; j < ncol; j++) {
        double coef = x->cols[j].travel;
        for (uint32_t set = x->cols[j].set & ~x->required; set; set &= set - 1) {
            coef -= p->requests[__builtin_ctz(set)].penalty;
        }
        glp_set_obj_coef(lp, (int)j + 1, coef);
    }
    st = run_stage(x, lp, &sg, &best);
    if (st) {
        goto done;
    }
    for (size_t j = 0; j < ncol; j++) {
        chosen[j] = glp_mip_col_val(lp, (int)j + 1) > 0.5;
    }
done:
    if (lp) {
        glp_delete_prob(lp);
    }
    free(ia);
    free(ja);
    free(ar);
    free(sol);
    return st;
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
        return no_memory(x);
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
        return no_memory(x);
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
            return no_memory(x);
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
    x.started_s = now_s();
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
        st = no_memory(&x);
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
        st = no_memory(&x);
        goto fail;
    }
    if (x.col_count > 0) {
        st = choose(&x, chosen);
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
