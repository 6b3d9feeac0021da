/*
 * vrp_exact_internal.h: what the two halves of the exact solver share: vrp_exact.c (route
 * enumeration, the plan, dorf_vrp_solve_exact) and vrp_exact_mip.c (the lexicographic GLPK MIP
 * that chooses among the routes): the solver's state, its vehicle classes and kept routes, and
 * the messages both report failures with.
 */
#ifndef DORF_VRP_EXACT_INTERNAL_H
#define DORF_VRP_EXACT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/vrp.h"

struct label; /* a partial route of the labelling search (vrp_exact.c) */

/* Vehicles that cannot be told apart, enumerated once. */
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

/* The solver's state for one call of dorf_vrp_solve_exact. */
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
    struct label *cur;
    size_t cur_count;
    size_t cur_cap;
    struct label *nxt;
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

/* Seconds on the monotonic clock. */
double vrp_exact_now_s(void);

/* DORF_EIO: the time limit ran out while `during` ("enumerating routes"). */
dorf_status vrp_exact_time_is_up(exact *x, const char *during);

/* DORF_ENOMEM with the solver's message. */
dorf_status vrp_exact_no_memory(exact *x);

/* DORF_EINVAL: no plan serves every bound request together with every fixed task. */
dorf_status vrp_exact_infeasible(exact *x);

/*
 * The MIP over x's columns (x->col_count > 0), rank by rank; sets chosen[j] = 1 for the routes
 * of the optimum (chosen has x->col_count entries, zeroed by the caller). DORF_EINVAL when no
 * plan obeys the bound requests and fixed tasks, DORF_EIO on a GLPK failure or when the time
 * limit runs out, DORF_ENOMEM.
 */
dorf_status vrp_exact_choose(exact *x, unsigned char *chosen);

#endif
