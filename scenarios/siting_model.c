/*
 * siting_model.c: choosing the sites (dorf_siting_solve): the p-median or maximal covering
 * model of dorf/siting.h as a GLPK mixed-integer program, and what the choice achieves.
 *
 * Columns y_u (binary) for the usable candidates and one row sum_u y_u = k. Then:
 *
 * - p-median: with b_i the time to the nearest existing place (the penalty, the search limit,
 *   when there is none within it), demand point i only gains from candidates with
 *   t_iu < b_i; points no candidate improves are a constant. The assignment variables x_iu of
 *   the textbook model are projected out (Benders decomposition; the radius formulation of
 *   Elloumi, Discrete Applied Mathematics 2010, and Cornuejols, Nemhauser and Wolsey 1980):
 *   theta_i, the time of point i, in [min_u t_iu, b_i], min sum_i w_i theta_i, and for every
 *   level L among point i's times and b_i the closest-assignment cut
 *       theta_i + sum_{u: t_iu < L} (L - t_iu) y_u >= L
 *   (if a site faster than L is open, the sum alone reaches L - t_i*; if none is, theta_i is
 *   at least L). All cuts together are exact, and their LP relaxation equals the strong
 *   formulation's (x_iu <= y_u). Cuts are added only when the LP solution violates them: the
 *   most violated one per point, at the root until none is, and in the branch and bound
 *   through GLPK's row generation callback, which sees every LP solution before GLPK accepts
 *   it as integer. On the German extract with 60 candidates this replaces an LP of 50,000
 *   rows that GLPK needed 30 to 60 s for by a few thousand cuts solved in well under a second.
 * - maximal covering: demand points already within the threshold of an existing place, and
 *   those no candidate covers, are constants; the others with the same set of covering
 *   candidates are merged (summing their persons), and each group g gets z_g in [0, 1] with
 *   z_g <= sum_{u covers g} y_u. For a 0/1 choice of y, z is 0/1 at the optimum.
 *
 * GLPK solves the LP relaxation first (its value is the first bound), then branches and
 * bounds without its presolver (the LP's basis is the start), offered a greedy choice (add the
 * candidate that gains most, k times) as the first incumbent. A callback keeps the best bound
 * of the open nodes, so that a run stopped by the time limit still reports the gap it proved.
 */
#include <float.h>
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "dorf/siting.h"
#include "siting_internal.h"

typedef struct model {
    dorf_ctx *ctx;
    const dorf_siting_problem *p;
    const dorf_siting_options *opt;
    size_t nu;       /* usable candidates: the y columns 1 .. nu */
    uint32_t *cand;  /* [nu]: candidate index of column u + 1 */
    uint8_t *greedy; /* [nu]: the greedy choice */
    double *start;   /* [1 + columns]: the greedy choice as a full GLPK solution */
    int *ind;        /* [nu + 2]: scratch for one row, 1-based as GLPK takes it */
    double *val;
    int offered;        /* the greedy choice was offered to the branch and bound */
    int interrupted;    /* the callback saw the interrupt flag */
    int have_bound;     /* bound holds a node bound from the tree */
    double bound;       /* the best bound of the open nodes, last seen */
    dorf_status failed; /* a failure inside the callback */
    /* p-median: the points some candidate improves, one theta column each (nu + 1 + g). */
    size_t groups;
    uint32_t *g_demand; /* [groups]: the demand point */
    size_t *g_first;    /* [groups + 1]: its run in `order` */
    struct faster {
        double t;
        uint32_t u;
    } * order;     /* per group: the candidates faster than b_i, by increasing time */
    double *ystar; /* [nu]: scratch, the LP's y */
    size_t cuts;   /* cuts added */
} model;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Time from demand i to the candidate of column u. */
static double t_iu(const model *m, size_t i, size_t u) {
    return m->p->time_s[i * m->p->candidate_count + m->cand[u]];
}

/* b_i of p-median: the nearest existing place, or the penalty. */
static double base_time(const dorf_siting_problem *p, size_t i) {
    return p->base_s[i] < p->limit_s ? p->base_s[i] : p->limit_s;
}

/*
 * The greedy choice: k times the candidate that gains most (p-median: person-seconds saved;
 * max-cover: persons newly covered), ties to the lower index.
 */
static dorf_status choose_greedily(model *m) {
    const dorf_siting_problem *p = m->p;
    const size_t D = p->demand_count;
    double *cur = dorf_malloc(D * sizeof *cur);
    if (!cur) {
        return dorf_fail(m->ctx, DORF_ENOMEM, "out of memory for siting");
    }
    const int cover = m->opt->model == DORF_SITING_MAX_COVER;
    const double T = m->opt->threshold_s;
    for (size_t i = 0; i < D; i++) {
        cur[i] = cover ? p->base_s[i] : base_time(p, i);
    }
    for (size_t round = 0; round < m->opt->add; round++) {
        size_t best = SIZE_MAX;
        double best_gain = -1;
        for (size_t u = 0; u < m->nu; u++) {
            if (m->greedy[u]) {
                continue;
            }
            double gain = 0;
            for (size_t i = 0; i < D; i++) {
                double t = t_iu(m, i, u);
                if (cover) {
                    gain += cur[i] > T && t <= T ? p->persons[i] : 0;
                } else if (t < cur[i]) {
                    gain += p->persons[i] * (cur[i] - t);
                }
            }
            if (gain > best_gain) {
                best_gain = gain;
                best = u;
            }
        }
        m->greedy[best] = 1;
        for (size_t i = 0; i < D; i++) {
            double t = t_iu(m, i, best);
            cur[i] = t < cur[i] ? t : cur[i];
        }
    }
    dorf_free(cur);
    return DORF_OK;
}

/* The y columns and the row sum_u y_u = k (row 1), shared by both models. */
static void add_choice(model *m, glp_prob *lp, size_t extra_columns) {
    glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, 1, GLP_FX, (double)m->opt->add, (double)m->opt->add);
    glp_add_cols(lp, (int)(m->nu + extra_columns));
    for (size_t u = 0; u < m->nu; u++) {
        glp_set_col_kind(lp, (int)u + 1, GLP_BV);
        m->start[u + 1] = m->greedy[u];
        m->ind[u + 1] = (int)u + 1;
        m->val[u + 1] = 1.0;
    }
    glp_set_mat_row(lp, 1, (int)m->nu, m->ind, m->val);
}

/* Checks that a model of `columns` columns fits GLPK's int indices; allocates the start. */
static dorf_status alloc_model(model *m, size_t columns) {
    if (columns >= (size_t)INT_MAX / 2) {
        return dorf_fail(m->ctx, DORF_EINVAL,
                         "the siting model (%zu columns) is too large for GLPK; give fewer "
                         "candidates or a shorter search limit",
                         columns);
    }
    m->start = dorf_calloc(columns + 1, sizeof *m->start);
    if (!m->start) {
        return dorf_fail(m->ctx, DORF_ENOMEM, "out of memory for the siting model");
    }
    return DORF_OK;
}

static int by_time(const void *a, const void *b) {
    const struct faster *x = a, *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return (x->u > y->u) - (x->u < y->u);
}

/* Adds the cut of group g at level `level` (its first `level` faster candidates). */
static void add_cut(model *m, glp_prob *lp, size_t g, size_t level) {
    const struct faster *f = m->order + m->g_first[g];
    const size_t K = m->g_first[g + 1] - m->g_first[g];
    const double L = level < K ? f[level].t : base_time(m->p, m->g_demand[g]);
    int n = 0;
    m->ind[++n] = (int)(m->nu + 1 + g);
    m->val[n] = 1.0;
    for (size_t q = 0; q < level; q++) {
        if (L > f[q].t) {
            m->ind[++n] = (int)f[q].u + 1;
            m->val[n] = L - f[q].t;
        }
    }
    int row = glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, row, GLP_LO, L, 0);
    glp_set_mat_row(lp, row, n, m->ind, m->val);
    m->cuts++;
}

/*
 * Adds, for each group whose theta the LP solution of `lp` underestimates, its most violated
 * cut; returns how many were added. The right-hand side at level L is
 * L (1 - S(L)) + sum_{t_u < L} t_u y_u with S(L) the sum of y over the faster candidates.
 */
static size_t separate(model *m, glp_prob *lp) {
    for (size_t u = 0; u < m->nu; u++) {
        m->ystar[u] = glp_get_col_prim(lp, (int)u + 1);
    }
    size_t added = 0;
    for (size_t g = 0; g < m->groups; g++) {
        const struct faster *f = m->order + m->g_first[g];
        const size_t K = m->g_first[g + 1] - m->g_first[g];
        const double theta = glp_get_col_prim(lp, (int)(m->nu + 1 + g));
        const double b = base_time(m->p, m->g_demand[g]);
        double sum_y = 0, sum_ty = 0, best = -INFINITY;
        size_t best_level = 0;
        for (size_t level = 1; level <= K; level++) {
            sum_y += m->ystar[f[level - 1].u];
            sum_ty += f[level - 1].t * m->ystar[f[level - 1].u];
            const double L = level < K ? f[level].t : b;
            const double rhs = L * (1 - sum_y) + sum_ty;
            if (rhs > best) {
                best = rhs;
                best_level = level;
            }
        }
        if (best > theta + 1e-6 * (1 + b)) {
            add_cut(m, lp, g, best_level);
            added++;
        }
    }
    return added;
}

static dorf_status build_p_median(model *m, glp_prob *lp, dorf_siting_solution *out) {
    const dorf_siting_problem *p = m->p;
    const size_t D = p->demand_count;
    size_t pairs = 0;
    for (size_t i = 0; i < D; i++) {
        size_t n = 0;
        for (size_t u = 0; u < m->nu; u++) {
            n += t_iu(m, i, u) < base_time(p, i);
        }
        pairs += n;
        m->groups += n > 0;
    }
    out->model_demand = m->groups;
    dorf_status st = alloc_model(m, m->nu + m->groups);
    if (st != DORF_OK) {
        return st;
    }
    m->g_demand = dorf_malloc((m->groups + 1) * sizeof *m->g_demand);
    m->g_first = dorf_malloc((m->groups + 1) * sizeof *m->g_first);
    m->order = dorf_malloc((pairs + 1) * sizeof *m->order);
    m->ystar = dorf_malloc((m->nu + 1) * sizeof *m->ystar);
    if (!m->g_demand || !m->g_first || !m->order || !m->ystar) {
        return dorf_fail(m->ctx, DORF_ENOMEM, "out of memory for the siting model");
    }
    glp_set_obj_dir(lp, GLP_MIN);
    add_choice(m, lp, m->groups);
    double constant = p->unsnapped_persons * p->limit_s;
    size_t g = 0, n = 0;
    for (size_t i = 0; i < D; i++) {
        const double b = base_time(p, i);
        const size_t first = n;
        for (size_t u = 0; u < m->nu; u++) {
            const double t = t_iu(m, i, u);
            if (t < b) {
                m->order[n++] = (struct faster){t, (uint32_t)u};
            }
        }
        if (n == first) {
            constant += p->persons[i] * b;
            continue;
        }
        qsort(m->order + first, n - first, sizeof *m->order, by_time);
        m->g_demand[g] = (uint32_t)i;
        m->g_first[g] = first;
        const int col = (int)(m->nu + 1 + g);
        glp_set_col_bnds(lp, col, GLP_DB, m->order[first].t, b);
        glp_set_obj_coef(lp, col, p->persons[i]);
        /* The greedy choice's theta: its fastest chosen candidate, or b_i. */
        m->start[col] = b;
        for (size_t q = first; q < n; q++) {
            if (m->greedy[m->order[q].u]) {
                m->start[col] = m->order[q].t;
                break;
            }
        }
        g++;
    }
    m->g_first[g] = n;
    glp_set_obj_coef(lp, 0, constant);
    /* To start, the cut at b_i: without any faster site open, theta_i = b_i. */
    for (g = 0; g < m->groups; g++) {
        add_cut(m, lp, g, m->g_first[g + 1] - m->g_first[g]);
    }
    return DORF_OK;
}

/* Demand point i of a covering group, with the set of candidates covering it as bits. */
typedef struct cover_entry {
    const uint64_t *bits;
    size_t words;
    double persons;
} cover_entry;

static int by_bits(const void *a, const void *b) {
    const cover_entry *x = a, *y = b;
    for (size_t w = 0; w < x->words; w++) {
        if (x->bits[w] != y->bits[w]) {
            return x->bits[w] < y->bits[w] ? -1 : 1;
        }
    }
    return 0;
}

static dorf_status build_max_cover(model *m, glp_prob *lp, dorf_siting_solution *out) {
    const dorf_siting_problem *p = m->p;
    const size_t D = p->demand_count, W = (m->nu + 63) / 64;
    const double T = m->opt->threshold_s;
    uint64_t *bits = dorf_calloc(D * W + 1, sizeof *bits);
    cover_entry *entries = dorf_malloc((D + 1) * sizeof *entries);
    dorf_status st = DORF_OK;
    if (!bits || !entries) {
        st = dorf_fail(m->ctx, DORF_ENOMEM, "out of memory for the siting model");
        goto done;
    }
    double constant = 0; /* the persons an existing place already covers */
    size_t n = 0;
    for (size_t i = 0; i < D; i++) {
        if (p->base_s[i] <= T) {
            constant += p->persons[i];
            continue;
        }
        uint64_t *b = bits + n * W;
        int any = 0;
        for (size_t u = 0; u < m->nu; u++) {
            if (t_iu(m, i, u) <= T) {
                b[u / 64] |= 1ull << (u % 64);
                any = 1;
            }
        }
        if (any) {
            entries[n++] = (cover_entry){b, W, p->persons[i]};
        }
    }
    qsort(entries, n, sizeof *entries, by_bits);
    /* Merge equal sets into groups: entries[0 .. groups), persons summed. */
    size_t groups = 0;
    for (size_t e = 0; e < n; e++) {
        if (groups > 0 && by_bits(&entries[groups - 1], &entries[e]) == 0) {
            entries[groups - 1].persons += entries[e].persons;
        } else {
            entries[groups++] = entries[e];
        }
    }
    out->model_demand = groups;
    if ((st = alloc_model(m, m->nu + groups)) != DORF_OK) {
        goto done;
    }
    glp_set_obj_dir(lp, GLP_MAX);
    add_choice(m, lp, groups);
    if (groups > 0) {
        glp_add_rows(lp, (int)groups);
    }
    for (size_t g = 0; g < groups; g++) {
        const int row = (int)(2 + g), col = (int)(m->nu + 1 + g);
        glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
        glp_set_col_bnds(lp, col, GLP_DB, 0, 1);
        glp_set_obj_coef(lp, col, entries[g].persons);
        int len = 0;
        m->ind[++len] = col;
        m->val[len] = 1.0;
        for (size_t u = 0; u < m->nu; u++) {
            if (entries[g].bits[u / 64] >> (u % 64) & 1) {
                m->ind[++len] = (int)u + 1;
                m->val[len] = -1.0;
                m->start[col] = m->greedy[u] ? 1 : m->start[col];
            }
        }
        glp_set_mat_row(lp, row, len, m->ind, m->val);
    }
    glp_set_obj_coef(lp, 0, constant);
done:
    dorf_free(bits);
    dorf_free(entries);
    return st;
}

/*
 * GLPK's callback: adds the violated cuts of p-median to each LP solution (before GLPK may
 * accept it as integer), offers the greedy choice once, keeps the tree's best bound, and
 * stops on an interrupt.
 */
static void on_tree(glp_tree *tree, void *info) {
    model *m = info;
    if (dorf_ctx_interrupted(m->ctx)) {
        m->interrupted = 1;
        glp_ios_terminate(tree);
        return;
    }
    switch (glp_ios_reason(tree)) {
    case GLP_IROWGEN:
        if (m->groups > 0) {
            separate(m, glp_ios_get_prob(tree));
        }
        break;
    case GLP_IHEUR:
        if (!m->offered) {
            m->offered = 1;
            glp_ios_heur_sol(tree, m->start);
        }
        break;
    default:
        break;
    }
    int best = glp_ios_best_node(tree);
    if (best != 0) {
        m->bound = glp_ios_node_bound(tree, best);
        m->have_bound = 1;
    }
}

/* GLPK's time limit for what is left of `total_s` since `t0`, in ms, at least 1. */
static int ms_left(double t0, double total_s) {
    double left = (total_s - (now_s() - t0)) * 1000.0;
    return left < 1 ? 1 : left > INT_MAX ? INT_MAX : (int)ceil(left);
}

/*
 * Runs GLPK on the model; writes the chosen columns to chosen_u (1 per chosen y column), and
 * GLPK's objective (NAN when it found no integer solution in time: the greedy choice is
 * kept), its bound (NAN when not even the LP was solved in time) and optimality to `out`.
 */
static dorf_status run_glpk(model *m, glp_prob *lp, double t0, uint8_t *chosen_u,
                            dorf_siting_solution *out) {
    const int minimize = m->opt->model == DORF_SITING_P_MEDIAN;
    memcpy(chosen_u, m->greedy, m->nu);
    out->objective = NAN;
    out->bound = NAN;
    glp_smcp lp_parm;
    glp_init_smcp(&lp_parm);
    lp_parm.msg_lev = GLP_MSG_OFF;
    /* Cuts keep the basis dual feasible: the dual simplex re-optimises after each round. */
    lp_parm.meth = GLP_DUALP;
    double lp_bound = NAN;
    for (;;) {
        lp_parm.tm_lim = ms_left(t0, m->opt->time_limit_s);
        int rc = glp_simplex(lp, &lp_parm);
        if (rc == GLP_ETMLIM) {
            out->bound = lp_bound; /* any LP solved so far is a relaxation */
            return DORF_OK;
        }
        if (rc != 0 || glp_get_status(lp) != GLP_OPT) {
            return dorf_fail(m->ctx, DORF_EIO,
                             "siting: GLPK did not solve the LP relaxation (glp_simplex %d, "
                             "status %d)",
                             rc, glp_get_status(lp));
        }
        lp_bound = glp_get_obj_val(lp);
        if (dorf_ctx_interrupted(m->ctx)) {
            return dorf_fail(m->ctx, DORF_EINTR, "interrupted while choosing the sites");
        }
        if (m->groups == 0 || separate(m, lp) == 0) {
            break;
        }
    }
    out->rows = (size_t)glp_get_num_rows(lp);
    out->nonzeros = (size_t)glp_get_num_nz(lp);
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    parm.cb_func = on_tree;
    parm.cb_info = m;
    parm.tm_lim = ms_left(t0, m->opt->time_limit_s);
    int rc = glp_intopt(lp, &parm);
    if (rc == GLP_ESTOP && m->interrupted) {
        return dorf_fail(m->ctx, DORF_EINTR, "interrupted while choosing the sites");
    }
    if (rc != 0 && rc != GLP_ETMLIM) {
        return dorf_fail(m->ctx, DORF_EIO, "siting: GLPK's branch and bound failed (glp_intopt %d)",
                         rc);
    }
    double bound = lp_bound;
    if (m->have_bound) {
        bound = minimize ? fmax(bound, m->bound) : fmin(bound, m->bound);
    }
    out->bound = bound;
    int status = glp_mip_status(lp);
    if (status != GLP_OPT && status != GLP_FEAS) {
        return DORF_OK; /* time ran out before any integer solution: the greedy one */
    }
    for (size_t u = 0; u < m->nu; u++) {
        chosen_u[u] = glp_mip_col_val(lp, (int)u + 1) > 0.5;
    }
    out->objective = glp_mip_obj_val(lp);
    if (status == GLP_OPT && rc == 0) {
        out->optimal = 1;
        out->bound = out->objective;
    } else {
        /* Stopped by the time limit: never a bound beyond the incumbent. */
        out->bound = minimize ? fmin(bound, out->objective) : fmax(bound, out->objective);
    }
    return DORF_OK;
}

void dorf_siting_solution_release(dorf_siting_solution *s) {
    if (!s) {
        return;
    }
    dorf_free(s->chosen);
    dorf_free(s->is_chosen);
    dorf_free(s->served_persons);
    dorf_free(s->covered_persons);
    memset(s, 0, sizeof *s);
}

/* Who the chosen sites serve and cover, and the indicators before and after. */
static void describe(const dorf_siting_problem *p, const dorf_siting_options *opt,
                     dorf_siting_solution *out) {
    const size_t C = p->candidate_count;
    for (size_t i = 0; i < p->demand_count; i++) {
        double t = base_time(p, i);
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < C; j++) {
            double tj = p->time_s[i * C + j];
            if (p->usable[j] && tj <= opt->threshold_s) {
                out->covered_persons[j] += p->persons[i];
            }
            if (out->is_chosen[j] && tj < t) {
                t = tj;
                best = j;
            }
        }
        if (best != SIZE_MAX) {
            out->served_persons[best] += p->persons[i];
        }
    }
    dorf_siting_evaluate(p, opt->model, opt->threshold_s, NULL, &out->before);
    dorf_siting_evaluate(p, opt->model, opt->threshold_s, out->is_chosen, &out->after);
}

dorf_status dorf_siting_solve(dorf_ctx *ctx, const dorf_siting_problem *problem,
                              const dorf_siting_options *options, dorf_siting_solution *out) {
    memset(out, 0, sizeof *out);
    dorf_siting_options opt;
    dorf_status st = siting_check_options(ctx, options, &opt);
    if (st != DORF_OK) {
        return st;
    }
    const double t0 = now_s();
    const dorf_siting_problem *p = problem;
    const size_t C = p->candidate_count;
    model m = {.ctx = ctx, .p = p, .opt = &opt};
    for (size_t j = 0; j < C; j++) {
        m.nu += p->usable[j] != 0;
    }
    if (opt.add > m.nu) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "cannot site %zu new places: only %zu of the %zu candidates lie within "
                         "the snap distance of a road the mode may use; give more candidates "
                         "or a smaller number",
                         opt.add, m.nu, C);
    }
    out->model = opt.model;
    out->add = opt.add;
    out->threshold_s = opt.threshold_s;
    glp_prob *lp = NULL;
    uint8_t *chosen_u = NULL;
    m.cand = dorf_malloc(m.nu * sizeof *m.cand);
    m.greedy = dorf_calloc(m.nu, 1);
    m.ind = dorf_malloc((m.nu + 2) * sizeof *m.ind);
    m.val = dorf_malloc((m.nu + 2) * sizeof *m.val);
    chosen_u = dorf_calloc(m.nu, 1);
    out->chosen = dorf_malloc(opt.add * sizeof *out->chosen);
    out->is_chosen = dorf_calloc(C, 1);
    out->served_persons = dorf_calloc(C, sizeof *out->served_persons);
    out->covered_persons = dorf_calloc(C, sizeof *out->covered_persons);
    if (!m.cand || !m.greedy || !m.ind || !m.val || !chosen_u || !out->chosen || !out->is_chosen ||
        !out->served_persons || !out->covered_persons) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for siting");
        goto done;
    }
    for (size_t j = 0, u = 0; j < C; j++) {
        if (p->usable[j]) {
            m.cand[u++] = (uint32_t)j;
        }
    }
    if ((st = choose_greedily(&m)) != DORF_OK) {
        goto done;
    }
    lp = glp_create_prob();
    st = opt.model == DORF_SITING_P_MEDIAN ? build_p_median(&m, lp, out)
                                           : build_max_cover(&m, lp, out);
    if (st != DORF_OK) {
        goto done;
    }
    out->columns = (size_t)glp_get_num_cols(lp);
    if ((st = run_glpk(&m, lp, t0, chosen_u, out)) != DORF_OK) {
        goto done;
    }
    size_t k = 0;
    for (size_t u = 0; u < m.nu; u++) {
        if (chosen_u[u] && k < opt.add) {
            out->chosen[k++] = m.cand[u];
            out->is_chosen[m.cand[u]] = 1;
        }
    }
    if (k != opt.add) {
        st = dorf_fail(ctx, DORF_EIO, "siting: GLPK chose %zu sites instead of %zu", k, opt.add);
        goto done;
    }
    describe(p, &opt, out);
    out->cuts = m.cuts;
    if (isnan(out->objective)) {
        out->objective = out->after.objective;
    }
    out->gap = out->optimal ? 0
               : isnan(out->bound)
                   ? NAN
                   : fabs(out->objective - out->bound) / (fabs(out->objective) + DBL_EPSILON);
    out->solve_s = now_s() - t0;
done:
    if (lp) {
        glp_delete_prob(lp);
    }
    dorf_free(m.cand);
    dorf_free(m.greedy);
    dorf_free(m.start);
    dorf_free(m.ind);
    dorf_free(m.val);
    dorf_free(m.g_demand);
    dorf_free(m.g_first);
    dorf_free(m.order);
    dorf_free(m.ystar);
    dorf_free(chosen_u);
    if (st != DORF_OK) {
        dorf_siting_solution_release(out);
    }
    return st;
}
