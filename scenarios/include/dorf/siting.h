/*
 * dorf/siting.h: where new places of a category should go (facility siting).
 *
 * Given candidate locations, siting chooses k of them for new places of one category (a
 * pickup point, a grocery, a doctor's surgery) with one of two classic location models, solved
 * exactly as a mixed-integer program with GLPK:
 *
 * - p-median (Hakimi 1964; ReVelle and Swain 1970): minimise the population-weighted travel
 *   time from every household to its nearest place, the existing open places of the category
 *   included: min sum_i w_i sum_j t_ij x_ij, sum_j x_ij = 1, x_ij <= y_j, sum_j y_j = k
 *   (solved in an exact, smaller form with the x projected out: see siting_model.c);
 * - maximal covering (Church and ReVelle 1974): maximise the persons within a threshold time
 *   of a place: max sum_i w_i z_i, z_i <= sum_{j covers i} y_j, z_i <= 1, sum_j y_j = k.
 *
 * Demand is measured as dorf/coverage.h measures access: households stand at their building's
 * point, snapped to the nearest road the mode may use (at most max_snap_m away), weighted by
 * their persons; buildings that snap to the same road position form one demand point. Times
 * are on the road network from the demand point to the place (one backward search per
 * candidate, one multi-source search for the existing places), up to a search limit.
 *
 * Unreachable pairs take no part in the model. A demand point that reaches neither an existing
 * place nor a chosen site within the limit counts with the limit itself as its time (the
 * penalty), so reaching it is always better than not; households too far from any road count
 * the same way, in every solution alike. Because the existing places stay open, a demand point
 * is only ever assigned to a candidate faster than its nearest existing place, and the model
 * keeps only those pairs (an exact reduction: the others cannot be in any optimum). The result
 * reports the objective GLPK reached, the best bound it proved and the relative gap between
 * them: 0 when the choice is proven optimal.
 *
 * The problem (the times) and the solution are two steps, so that one problem can be solved
 * for several k or models, and so that a problem may also be filled by hand.
 */
#ifndef DORF_SITING_H
#define DORF_SITING_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/opening_hours.h"
#include "dorf/routing.h"
#include "dorf/tables.h"

/* Longest candidate id, with its NUL. */
#define DORF_SITING_ID_SIZE 64

typedef enum dorf_siting_model {
    DORF_SITING_P_MEDIAN = 0, /* least population-weighted travel time */
    DORF_SITING_MAX_COVER,    /* most persons within the threshold */
} dorf_siting_model;

/* "p-median", "max-cover". */
const char *dorf_siting_model_name(dorf_siting_model model);

/* The inverse of dorf_siting_model_name(); DORF_EINVAL (no message) for another name. */
dorf_status dorf_siting_model_from_name(const char *name, dorf_siting_model *out);

/* A candidate location for a new place. */
typedef struct dorf_siting_candidate {
    char id[DORF_SITING_ID_SIZE]; /* the caller's name for it, e.g. from a CSV file */
    double lon_deg;
    double lat_deg;
} dorf_siting_candidate;

/* What to site and how; zeroes mean the defaults given. */
typedef struct dorf_siting_options {
    dorf_category category;     /* the category of the new places and of the existing ones */
    int use_hours;              /* 1: only places open at `at` exist; 0: every place counts */
    dorf_local_time at;         /* with use_hours */
    const char *holiday_region; /* with use_hours: "DE-BY" ...; NULL: all of Germany's */
    int strict_hours;  /* with use_hours: places without understood hours count as closed */
    double limit_s;    /* searches stop here and it is the penalty time; 0: 3600 */
    double max_snap_m; /* households, places and candidates farther from a road; 0: 500 */
    dorf_siting_model model;
    size_t add;          /* k: how many new places, 1 <= k <= the usable candidates */
    double threshold_s;  /* max-cover: covered within this; both: the share reported; 0: 600 */
    double time_limit_s; /* GLPK's time, seconds; 0: 60 */
} dorf_siting_options;

/*
 * The candidates generated from the region for `graph`'s mode, when the user gives none:
 * every building with households whose point lies within `max_road_m` (0: 50) of a road the
 * mode may use is eligible (new places go where people live and the road is near); of these,
 * at most `max_count` are kept, spread over the region by farthest-point thinning: first the
 * eligible building nearest to the persons-weighted centre of all households, then again and
 * again the eligible building farthest (straight line) from all kept so far, ties to the lower
 * building index. Deterministic. Each candidate is at its building's point, named "w<id>" or
 * "r<id>" after the building's OSM way or relation. *out (free with dorf_free) holds *count
 * candidates. Errors: DORF_EINVAL (max_count 0, bad distance), DORF_EEMPTY (no eligible
 * building), DORF_ENOMEM.
 */
dorf_status dorf_siting_generate_candidates(dorf_ctx *ctx, const dorf_region *region,
                                            const dorf_graph *graph, size_t max_count,
                                            double max_road_m, dorf_siting_candidate **out,
                                            size_t *count);

/*
 * The times of a siting problem. Demand point i is a road position where households live;
 * candidate j a candidate location. Arrays are owned by the problem.
 */
typedef struct dorf_siting_problem {
    size_t demand_count;
    double *persons;      /* [demand]: persons of the households at the point (> 0) */
    uint32_t *households; /* [demand] */
    double *lon_deg;      /* [demand]: the road position */
    double *lat_deg;      /* [demand] */
    double *base_s;       /* [demand]: to the nearest existing place; INFINITY: none in limit */
    size_t candidate_count;
    dorf_siting_candidate *candidates; /* [candidate]: a copy of those given */
    uint8_t *usable;                   /* [candidate]: 1 when within max_snap_m of a road */
    double *snap_m;                    /* [candidate]: distance to that road; NAN if unusable */
    double *time_s; /* [i * candidate_count + j]: demand i to candidate j; INFINITY: beyond */
    double limit_s; /* the search limit and penalty time */
    double unsnapped_persons;      /* of households farther than max_snap_m from a road */
    uint32_t unsnapped_households; /* ditto */
    size_t buildings;              /* buildings with households that were snapped */
    size_t existing_places;        /* places of the category that exist (open) and snapped */
    size_t category_places;        /* places of the category in the region */
    uint64_t searches;             /* reach searches run */
    double search_s;               /* wall-clock seconds of snapping and searching */
} dorf_siting_problem;

/*
 * Builds the problem for `region` on `graph` (its mode is the travel mode): demand, times to
 * the existing places of options->category, and times to each of the `candidate_count`
 * candidates (copied). Reports progress ("siting searches", done, total) and polls the
 * interrupt flag between searches. Candidates farther than max_snap_m from a road stay in the
 * problem but are not usable. *out is released with dorf_siting_problem_release(). Errors:
 * DORF_EINVAL (no candidates, options out of range: unknown category, k = 0 or larger than the
 * candidates, a bad time, limit or threshold), DORF_EEMPTY (no household within max_snap_m of
 * a road), DORF_EINTR, DORF_ENOMEM.
 */
dorf_status dorf_siting_problem_build(dorf_ctx *ctx, const dorf_region *region,
                                      const dorf_graph *graph,
                                      const dorf_siting_candidate *candidates,
                                      size_t candidate_count, const dorf_siting_options *options,
                                      dorf_siting_problem *out);

/*
 * A problem of the given size to fill by hand (tests, other sources of times): every array
 * allocated, persons and households zero, times INFINITY, candidates usable, limit_s 3600.
 * Errors: DORF_EINVAL (a size of zero or too large), DORF_ENOMEM.
 */
dorf_status dorf_siting_problem_init(dorf_ctx *ctx, size_t demand_count, size_t candidate_count,
                                     dorf_siting_problem *out);

/* Frees what a problem holds and zeroes it. Accepts NULL. */
void dorf_siting_problem_release(dorf_siting_problem *problem);

/* Access indicators for one set of open places, over all persons of the problem. */
typedef struct dorf_siting_indicators {
    double persons;         /* all persons, unsnapped households included */
    double reached_persons; /* who reach a place within the search limit */
    double mean_s;          /* person-weighted mean time over those reached; NAN if nobody */
    double within_persons;  /* who reach one within threshold_s */
    double objective;       /* the model's: person-seconds (penalties counted) or persons */
} dorf_siting_indicators;

typedef struct dorf_siting_solution {
    dorf_siting_model model;
    size_t add;
    double threshold_s;
    size_t *chosen;                /* [add]: candidate indices, increasing */
    uint8_t *is_chosen;            /* [candidate_count] */
    double *served_persons;        /* [candidate_count]: persons whose nearest place it becomes */
    double *covered_persons;       /* [candidate_count]: persons within threshold_s of it */
    dorf_siting_indicators before; /* the existing places alone */
    dorf_siting_indicators after;  /* with the chosen sites */
    double objective;    /* GLPK's objective value of the choice (after.objective up to rounding) */
    double bound;        /* the best bound GLPK proved: lower (p-median) or upper (max-cover) */
    double gap;          /* |objective - bound| / |objective|, as GLPK measures it; 0: optimal */
    int optimal;         /* 1 when GLPK proved the choice optimal */
    size_t model_demand; /* demand points (groups) left in the model after the reductions */
    size_t columns;
    size_t rows;     /* at the root, after its cuts */
    size_t nonzeros; /* ditto */
    size_t cuts;     /* p-median: closest-assignment cuts added, at the root and in the tree */
    double solve_s;  /* wall-clock seconds of the model: building it and GLPK */
} dorf_siting_solution;

/*
 * Chooses options->add usable candidates of `problem` by options->model, with GLPK's branch
 * and bound (LP relaxation first, a greedy choice as the first incumbent) in at most
 * options->time_limit_s. When the time runs out the best choice found is returned with
 * optimal 0 and its gap. Polls the interrupt flag. Release *out with
 * dorf_siting_solution_release(). Errors: DORF_EINVAL (k = 0 or more than the usable
 * candidates, a bad threshold), DORF_EIO (GLPK failed), DORF_EINTR, DORF_ENOMEM.
 */
dorf_status dorf_siting_solve(dorf_ctx *ctx, const dorf_siting_problem *problem,
                              const dorf_siting_options *options, dorf_siting_solution *out);

/* Frees what a solution holds and zeroes it. Accepts NULL. */
void dorf_siting_solution_release(dorf_siting_solution *solution);

/*
 * The model's objective for any set of open candidates (open[j] = 1; NULL: none, the
 * existing places alone), computed directly from the times: for p-median the person-seconds
 * to the nearest place with the penalty for the unreached, for max-cover the persons within
 * threshold_s. The indicators are filled when `ind` is not NULL.
 */
double dorf_siting_evaluate(const dorf_siting_problem *problem, dorf_siting_model model,
                            double threshold_s, const uint8_t *open, dorf_siting_indicators *ind);

/*
 * The candidates as a table for GIS users (dorf/tables.h), "site_candidates", one row per
 * candidate at its point (EPSG:4326): id, usable, chosen, served_persons, covered_persons.
 * The table points into `problem`, `solution` and the storage here; release with
 * dorf_siting_table_release().
 */
typedef struct dorf_siting_table {
    dorf_table table;
    dorf_value *values;
    double *coords;
} dorf_siting_table;

dorf_status dorf_siting_table_build(dorf_ctx *ctx, const dorf_siting_problem *problem,
                                    const dorf_siting_solution *solution, dorf_siting_table *out);

void dorf_siting_table_release(dorf_siting_table *table);

#endif
