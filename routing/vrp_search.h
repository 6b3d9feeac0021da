/*
 * vrp_search.h: the large neighbourhood search of the LieferBar optimiser (vrp_search.c),
 * driven by vrp_solve.c.
 */
#ifndef DORF_VRP_SEARCH_H
#define DORF_VRP_SEARCH_H

#include "vrp_internal.h"

typedef struct vrp_search vrp_search;

typedef struct vrp_search_run_options {
    double deadline;         /* vrp_now() seconds at which to stop */
    uint64_t max_iterations; /* 0: until the deadline */
    int (*should_stop)(void *user);
    void *user;
} vrp_search_run_options;

/* A search over `m`, putting the routes it accepts into `pool`; seeded for reproducibility. */
dorf_status vrp_search_new(const vrp_model *m, vrp_pool *pool, uint64_t seed, vrp_search **out);
void vrp_search_free(vrp_search *s);

/* Builds a first plan: fixed tasks, then regret insertion of everything else. */
dorf_status vrp_search_construct(vrp_search *s);

/* Continues from `plan` (taken as current, and as best when better), placing what it leaves
   unserved. */
dorf_status vrp_search_start_from(vrp_search *s, const vrp_plan *plan);

/* Improves the current plan until the options say stop. */
dorf_status vrp_search_run(vrp_search *s, const vrp_search_run_options *o);

/* One attempt to serve everything with one vehicle fewer; *reduced 1 when it worked. */
dorf_status vrp_search_reduce(vrp_search *s, const vrp_search_run_options *o, int *reduced);

/* Makes the best plan the current one again (after set partitioning changed it). */
dorf_status vrp_search_restart_from_best(vrp_search *s);

/* The best plan so far (owned by the search; may be replaced in place). */
vrp_plan *vrp_search_best(vrp_search *s);
uint64_t vrp_search_iterations(const vrp_search *s);
double vrp_search_best_found_at(const vrp_search *s);

#endif
