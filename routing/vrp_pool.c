/*
 * vrp_pool.c: the routes the search has met, and GLPK recombining them.
 *
 * Every route of every plan the search accepts is kept, once per vehicle class and set of
 * requests, in its cheapest known order. A set-partitioning model over these routes (one
 * binary column per route; each request served by exactly one chosen route; each class of
 * identical vehicles used at most as often as it has vehicles) then finds the best plan
 * that can be put together from them: often better than any single plan the search visited,
 * since good routes from different plans combine (Rochat & Taillard 1995; the "route
 * pool" step of hybrid solvers such as Subramanian et al. 2013). The objective weighs a
 * vehicle above any travel, so fewer vehicles always win, as in the ranking of dorf/vrp.h.
 * GLPK starts from the current best plan (given as its first incumbent), so it can only
 * improve on it, even when its time runs out.
 */
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "vrp_internal.h"

typedef struct pool_route {
    uint64_t hash;
    uint32_t cls;
    uint32_t request_count;
    uint32_t task_count;
    uint32_t vehicle; /* a vehicle of the class, whose fixed tasks the route starts with */
    size_t requests;  /* offset into pool->request_ids */
    size_t tasks;     /* offset into pool->task_ids */
    double travel;
} pool_route;

struct vrp_pool {
    const vrp_model *m;
    size_t max_routes;
    pool_route *routes;
    size_t count, cap;
    uint32_t *request_ids;
    size_t request_used, request_cap;
    uint32_t *task_ids;
    size_t task_used, task_cap;
    uint32_t *slots; /* open addressing: route index + 1, 0 empty */
    size_t slot_count;
    uint32_t *scratch; /* requests of the route being added */
    int failed;        /* out of memory once: stop growing */
};

dorf_status vrp_pool_new(const vrp_model *m, size_t max_routes, vrp_pool **out) {
    vrp_pool *pool = dorf_calloc(1, sizeof *pool);
    if (!pool)
        return DORF_ENOMEM;
    pool->m = m;
    pool->max_routes = max_routes;
    pool->slot_count = 1024;
    while (pool->slot_count < 2 * max_routes)
        pool->slot_count *= 2;
    pool->slots = dorf_calloc(pool->slot_count, sizeof *pool->slots);
    pool->scratch = dorf_malloc((m->task_count + 1) * sizeof *pool->scratch);
    if (!pool->slots || !pool->scratch) {
        vrp_pool_free(pool);
        return DORF_ENOMEM;
    }
    *out = pool;
    return DORF_OK;
}

void vrp_pool_free(vrp_pool *pool) {
    if (!pool)
        return;
    dorf_free(pool->routes);
    dorf_free(pool->request_ids);
    dorf_free(pool->task_ids);
    dorf_free(pool->slots);
    dorf_free(pool->scratch);
    dorf_free(pool);
}

size_t vrp_pool_size(const vrp_pool *pool) {
    return pool->count;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The requests of route r, sorted and each once, into pool->scratch; returns how many. */
static uint32_t request_set(vrp_pool *pool, const vrp_route *r) {
    const vrp_model *m = pool->m;
    uint32_t n = 0;
    for (uint32_t k = 1; k <= r->n; k++)
        pool->scratch[n++] = m->request_of[r->node[k]];
    qsort(pool->scratch, n, sizeof *pool->scratch, cmp_u32);
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w == 0 || pool->scratch[w - 1] != pool->scratch[i])
            pool->scratch[w++] = pool->scratch[i];
    return w;
}

/*
 * The hash slot of the route of class `cls` serving the request set in pool->scratch[0 ..
 * n): the slot holding it, or the empty slot where it would go. *hash receives its hash.
 */
static uint32_t *find_slot(vrp_pool *pool, uint32_t cls, uint32_t n, uint64_t *hash) {
    uint64_t h = 0xcbf29ce484222325ULL ^ cls;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ pool->scratch[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    *hash = h;
    size_t mask = pool->slot_count - 1;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
        uint32_t idx = pool->slots[slot];
        if (idx == 0)
            return &pool->slots[slot];
        const pool_route *pr = &pool->routes[idx - 1];
        if (pr->hash == h && pr->cls == cls && pr->request_count == n &&
            memcmp(&pool->request_ids[pr->requests], pool->scratch, n * sizeof(uint32_t)) == 0)
            return &pool->slots[slot];
    }
}

void vrp_pool_add_route(vrp_pool *pool, const vrp_route *r) {
    const vrp_model *m = pool->m;
    if (r->n == 0 || pool->failed)
        return;
    uint32_t nreq = request_set(pool, r);
    uint32_t cls = m->vclass[r->vehicle];
    uint64_t h;
    uint32_t *slot = find_slot(pool, cls, nreq, &h);
    if (*slot) {
        /* Known: keep the cheaper order. */
        pool_route *pr = &pool->routes[*slot - 1];
        if (r->travel < pr->travel - 1e-9 && pr->task_count == r->n) {
            pr->travel = r->travel;
            pr->vehicle = r->vehicle;
            memcpy(&pool->task_ids[pr->tasks], &r->node[1], r->n * sizeof(uint32_t));
        }
        return;
    }
    if (pool->count >= pool->max_routes)
        return;
    if (dorf_grow((void **)&pool->routes, &pool->cap, pool->count + 1, sizeof *pool->routes) ||
        dorf_grow((void **)&pool->request_ids, &pool->request_cap, pool->request_used + nreq,
                  sizeof *pool->request_ids) ||
        dorf_grow((void **)&pool->task_ids, &pool->task_cap, pool->task_used + r->n,
                  sizeof *pool->task_ids)) {
        pool->failed = 1;
        return;
    }
    pool_route *pr = &pool->routes[pool->count];
    pr->hash = h;
    pr->cls = cls;
    pr->request_count = nreq;
    pr->task_count = r->n;
    pr->vehicle = r->vehicle;
    pr->requests = pool->request_used;
    pr->tasks = pool->task_used;
    pr->travel = r->travel;
    memcpy(&pool->request_ids[pr->requests], pool->scratch, nreq * sizeof(uint32_t));
    memcpy(&pool->task_ids[pr->tasks], &r->node[1], r->n * sizeof(uint32_t));
    pool->request_used += nreq;
    pool->task_used += r->n;
    *slot = (uint32_t)++pool->count;
}

void vrp_pool_add_plan(vrp_pool *pool, const vrp_plan *plan) {
    for (uint32_t v = 0; v < pool->m->vehicle_count; v++)
        vrp_pool_add_route(pool, &plan->routes[v]);
}

/* The incumbent handed to GLPK's branch and bound as its first integer solution. */
typedef struct incumbent {
    double *x; /* [1 .. columns] */
    int given;
} incumbent;

static void give_incumbent(glp_tree *tree, void *info) {
    incumbent *inc = info;
    if (glp_ios_reason(tree) == GLP_IHEUR && !inc->given) {
        inc->given = 1;
        glp_ios_heur_sol(tree, inc->x);
    }
}

/* Index of the pool route equal to plan route r (it was added before), or SIZE_MAX. */
static size_t find_route(vrp_pool *pool, const vrp_route *r) {
    uint32_t n = request_set(pool, r);
    uint64_t h;
    uint32_t *slot = find_slot(pool, pool->m->vclass[r->vehicle], n, &h);
    return *slot ? *slot - 1 : SIZE_MAX;
}

dorf_status vrp_pool_recombine(dorf_ctx *ctx, vrp_pool *pool, vrp_plan *plan, double time_limit_s,
                               int *improved) {
    const vrp_model *m = pool->m;
    *improved = 0;
    if (pool->count == 0 || pool->failed)
        return DORF_OK; /* nothing to choose from, or no memory to hold the plan's routes */
    /* The plan's own routes must be columns, so that GLPK can start from it: room for them
       even in a full pool. */
    size_t cap = pool->max_routes;
    pool->max_routes = pool->count + m->vehicle_count;
    vrp_pool_add_plan(pool, plan);
    pool->max_routes = cap > pool->count ? cap : pool->count;
    size_t n = pool->count;
    int rows_req = (int)m->request_count;
    int rows = rows_req + (int)m->class_count;
    double vehicle_weight = plan->travel + plan->penalty + 1;
    double serve_weight = vehicle_weight * (m->vehicle_count + 1);

    dorf_status status = DORF_OK;
    glp_prob *lp = glp_create_prob();
    int *ind = dorf_malloc((m->task_count + 2) * sizeof *ind);
    double *val = dorf_malloc((m->task_count + 2) * sizeof *val);
    incumbent inc = {dorf_calloc(n + 1, sizeof(double)), 0};
    vrp_plan rebuilt = {0};
    if (!ind || !val || !inc.x) {
        status = dorf_fail(ctx, DORF_ENOMEM, "set partitioning: out of memory");
        goto done;
    }
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_rows(lp, rows);
    for (int i = 1; i <= rows_req; i++) {
        uint32_t q = (uint32_t)(i - 1);
        /* Served now: exactly once. Unserved now: at most once, and serving it pays. */
        if (plan->route_of[q] != DORF_VRP_NONE)
            glp_set_row_bnds(lp, i, GLP_FX, 1, 1);
        else
            glp_set_row_bnds(lp, i, GLP_UP, 0, 1);
    }
    for (uint32_t c = 0; c < m->class_count; c++)
        glp_set_row_bnds(lp, rows_req + 1 + (int)c, GLP_UP, 0, m->class_size[c]);
    glp_add_cols(lp, (int)n);
    for (size_t j = 0; j < n; j++) {
        const pool_route *pr = &pool->routes[j];
        int col = (int)j + 1;
        double cost = pr->travel + vehicle_weight;
        int len = 0;
        for (uint32_t i = 0; i < pr->request_count; i++) {
            uint32_t q = pool->request_ids[pr->requests + i];
            ind[++len] = (int)q + 1;
            val[len] = 1;
            if (plan->route_of[q] == DORF_VRP_NONE)
                cost -= m->penalty[q] + m->must[q] * serve_weight;
        }
        ind[++len] = rows_req + 1 + (int)pr->cls;
        val[len] = 1;
        glp_set_mat_col(lp, col, len, ind, val);
        glp_set_col_kind(lp, col, GLP_BV);
        glp_set_obj_coef(lp, col, cost);
    }
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *r = &plan->routes[v];
        if (r->n == 0)
            continue;
        size_t j = find_route(pool, r);
        if (j == SIZE_MAX) {
            status = dorf_fail(ctx, DORF_EIO, "set partitioning: a route of the plan is missing");
            goto done;
        }
        inc.x[j + 1] = 1;
    }
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_OFF;
    sm.tm_lim = (int)(time_limit_s * 1000 / 2) + 1;
    int rc = glp_simplex(lp, &sm);
    if (rc != 0 && rc != GLP_ETMLIM) {
        status = dorf_fail(ctx, DORF_EIO, "set partitioning: GLPK simplex failed (code %d)", rc);
        goto done;
    }
    if (rc == GLP_ETMLIM || glp_get_status(lp) != GLP_OPT)
        goto done; /* no time left for branching: keep the plan */
    glp_iocp io;
    glp_init_iocp(&io);
    io.msg_lev = GLP_MSG_OFF;
    io.tm_lim = (int)(time_limit_s * 1000 / 2) + 1;
    io.cb_func = give_incumbent;
    io.cb_info = &inc;
    rc = glp_intopt(lp, &io);
    if (rc != 0 && rc != GLP_ETMLIM && rc != GLP_EMIPGAP && rc != GLP_ESTOP) {
        status = dorf_fail(ctx, DORF_EIO,
                           "set partitioning: GLPK branch and bound failed (code %d)", rc);
        goto done;
    }
    int mst = glp_mip_status(lp);
    if (mst != GLP_OPT && mst != GLP_FEAS)
        goto done;

    /* Hand the chosen routes to the vehicles of their class, in vehicle order. */
    if (vrp_plan_init(m, &rebuilt)) {
        status = dorf_fail(ctx, DORF_ENOMEM, "set partitioning: out of memory");
        goto done;
    }
    int feasible = 1;
    for (size_t j = 0; j < n && feasible; j++) {
        if (glp_mip_col_val(lp, (int)j + 1) < 0.5)
            continue;
        const pool_route *pr = &pool->routes[j];
        uint32_t vehicle = DORF_VRP_NONE;
        if (m->class_size[pr->cls] == 1) {
            vehicle = pr->vehicle;
        } else {
            for (uint32_t v = 0; v < m->vehicle_count; v++)
                if (m->vclass[v] == pr->cls && rebuilt.routes[v].n == 0) {
                    vehicle = v;
                    break;
                }
        }
        if (vehicle == DORF_VRP_NONE || rebuilt.routes[vehicle].n != 0) {
            feasible = 0;
            break;
        }
        int ok =
            vrp_plan_set_route(m, &rebuilt, vehicle, &pool->task_ids[pr->tasks], pr->task_count);
        if (ok < 0) {
            status = dorf_fail(ctx, DORF_ENOMEM, "set partitioning: out of memory");
            goto done;
        }
        feasible = ok;
    }
    /* Vehicles with fixed tasks that got no route keep just those. */
    for (uint32_t v = 0; v < m->vehicle_count && feasible; v++)
        if (rebuilt.routes[v].n == 0 && m->problem->vehicles[v].fixed_count > 0)
            feasible = vrp_route_place_fixed(m, &rebuilt, v) == 1;
    if (!feasible)
        goto done;
    vrp_plan_reindex(m, &rebuilt);
    if (vrp_plan_better(&rebuilt, plan, 1e-7)) {
        if (vrp_plan_copy(m, plan, &rebuilt)) {
            status = dorf_fail(ctx, DORF_ENOMEM, "set partitioning: out of memory");
            goto done;
        }
        *improved = 1;
    }
done:
    if (rebuilt.routes)
        vrp_plan_release(m, &rebuilt);
    dorf_free(inc.x);
    dorf_free(ind);
    dorf_free(val);
    glp_delete_prob(lp);
    return status;
}
