/*
 * vrp_exact_mip.c: the choice step of the exact solver (vrp_exact.c): which of the enumerated
 * routes make the optimal plan, by a GLPK MIP. It has a binary column per kept route; rows:
 * each request covered at most once (exactly once when bound to a vehicle or fixed), each class
 * used at most as often as it has vehicles (a vehicle with fixed tasks exactly once). The
 * ranking of dorf/vrp.h is solved lexicographically, each stage keeping the previous optimum as
 * a constraint: (1) most required requests served, (2) fewest routes, (3) least travel plus
 * penalties of the optional requests left out. Each stage starts from the previous one's
 * optimum (see run_stage for how GLPK is driven), and every stage stays within what is left of
 * the solver's time limit.
 */
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dorf/alloc.h"
#include "dorf/vrp.h"
#include "vrp_exact_internal.h"

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
    double left_ms = (x->time_limit_s - (vrp_exact_now_s() - x->started_s)) * 1000.0;
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
        return vrp_exact_time_is_up(x, sg->doing);
    }
    int rc = glp_simplex(lp, &lp_parm);
    if (rc == GLP_ETMLIM) {
        return vrp_exact_time_is_up(x, sg->doing);
    }
    if (rc != 0) {
        return dorf_fail(x->ctx, DORF_EIO, "exact VRP: GLPK failed while %s (glp_simplex: %d)",
                         sg->doing, rc);
    }
    int status = glp_get_status(lp);
    if (status == GLP_NOFEAS) {
        return vrp_exact_infeasible(x);
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
        return vrp_exact_time_is_up(x, sg->doing);
    }
    rc = glp_intopt(lp, &parm);
    if (rc == GLP_ETMLIM) {
        return vrp_exact_time_is_up(x, sg->doing);
    }
    if (rc == GLP_ENOPFS) {
        return vrp_exact_infeasible(x);
    }
    if (rc != 0) {
        return dorf_fail(x->ctx, DORF_EIO, "exact VRP: GLPK failed while %s (glp_intopt: %d)",
                         sg->doing, rc);
    }
    status = glp_mip_status(lp);
    if (status == GLP_NOFEAS) {
        return vrp_exact_infeasible(x);
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
dorf_status vrp_exact_choose(exact *x, unsigned char *chosen) {
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
        st = vrp_exact_no_memory(x);
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
