/*
 * vrp_search.c: adaptive large neighbourhood search for pickup and delivery with time windows
 * (Ropke & Pisinger, Transportation Science 40(4), 2006), the optimiser's improving heuristic.
 *
 * Each iteration removes some requests from the current plan (at random, the costliest, ones
 * related to each other in place and time, a whole route, or requests close along a route)
 * and inserts them again (cheapest first in random order, or by regret: the request that
 * would lose most by waiting goes first). Operators are chosen by roulette with weights that
 * adapt to how often each has paid off. A worse plan is accepted as in simulated annealing,
 * with a temperature falling over the time budget. Vehicles are reduced first: the search
 * takes a route away and tries to serve its requests with the others, keeping the smaller
 * fleet when it succeeds. Every accepted route goes into the pool for set partitioning.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "vrp_internal.h"
#include "vrp_search.h"

double vrp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t s[4]) {
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n). */
static uint32_t rng_below(uint64_t s[4], uint32_t n) {
    return (uint32_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t s[4]) {
    return (rng_next(s) >> 11) * 0x1.0p-53;
}

/* Destroy sizes: 4 to 40 % of the served requests, at most 60 (Ropke & Pisinger's range). */
#define DESTROY_PERCENT 40
#define DESTROY_MAX 60
/* Annealing: a plan 2 % worse is accepted with probability 1/2 at first; the temperature
   falls to 1/200 of that over the run. */
#define TEMPERATURE_START 0.02
#define TEMPERATURE_END 0.005

enum { DESTROY_RANDOM, DESTROY_WORST, DESTROY_RELATED, DESTROY_ROUTE, DESTROY_STRING, DESTROY_N };
enum { REPAIR_GREEDY, REPAIR_REGRET2, REPAIR_REGRET3, REPAIR_N };

struct vrp_search {
    const vrp_model *m;
    vrp_pool *pool;
    uint64_t rng[4];
    vrp_plan cur;
    vrp_plan work;
    vrp_plan best;
    uint32_t limit; /* routes the plan may use */
    vrp_noise noise_state;
    vrp_noise *noise; /* &noise_state during a noisy repair, else NULL */
    int reducing;     /* in vrp_search_reduce: the fleet may not grow */
    /* In a thrifty repair, required requests go first and an optional one only where it
       costs less than its penalty; otherwise all are placed alike and the acceptance judges
       (an optional request served at a loss may be the way to a cheaper order). */
    int thrifty;
    /* scratch, by request */
    uint32_t *pending;
    uint32_t pending_count;
    uint32_t *order;
    double *key;
    uint8_t *mark;
    uint8_t *touched;     /* per vehicle: its route changed in this step */
    double *weight;       /* per request: how long it has stayed out during vehicle reduction */
    vrp_insertion *cache; /* [request][vehicle] for regret insertion */
    uint32_t *candidates;
    uint32_t candidate_count;
    /* adaptive operator weights */
    double destroy_weight[DESTROY_N], destroy_score[DESTROY_N];
    double repair_weight[REPAIR_N], repair_score[REPAIR_N];
    uint32_t destroy_uses[DESTROY_N], repair_uses[REPAIR_N];
    double horizon;
    double max_travel;
    uint64_t iterations;
    double best_found_at;
    double started;
};

dorf_status vrp_search_new(const vrp_model *m, vrp_pool *pool, uint64_t seed, vrp_search **out) {
    vrp_search *s = dorf_calloc(1, sizeof *s);
    if (!s)
        return DORF_ENOMEM;
    s->m = m;
    s->pool = pool;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&x);
    size_t nr = m->request_count + 1, nv = m->vehicle_count + 1;
    s->pending = dorf_malloc(nr * sizeof *s->pending);
    s->order = dorf_malloc(nr * sizeof *s->order);
    s->key = dorf_malloc(nr * sizeof *s->key);
    s->mark = dorf_calloc(nr, 1);
    s->touched = dorf_calloc(nv, 1);
    s->weight = dorf_malloc(nr * sizeof *s->weight);
    s->cache = dorf_malloc(nr * nv * sizeof *s->cache);
    s->candidates = dorf_malloc(nv * sizeof *s->candidates);
    if (!s->pending || !s->order || !s->key || !s->mark || !s->touched || !s->weight || !s->cache ||
        !s->candidates || vrp_plan_init(m, &s->cur) || vrp_plan_init(m, &s->work) ||
        vrp_plan_init(m, &s->best)) {
        vrp_search_free(s);
        return DORF_ENOMEM;
    }
    for (int i = 0; i < DESTROY_N; i++)
        s->destroy_weight[i] = 1;
    for (int i = 0; i < REPAIR_N; i++)
        s->repair_weight[i] = 1;
    /* Scales for relatedness: the longest trip and the widest window. */
    double hmin = INFINITY, hmax = -INFINITY;
    for (uint32_t t = 0; t < m->task_count; t++) {
        if (m->early[t] < hmin)
            hmin = m->early[t];
        if (isfinite(m->late[t]) && m->late[t] > hmax)
            hmax = m->late[t];
    }
    s->horizon = hmax > hmin ? hmax - hmin : 1;
    s->max_travel = (m->unserved_weight - 1000) / 10;
    if (s->max_travel <= 0)
        s->max_travel = 1;
    s->noise_state.amplitude = 0.025 * s->max_travel;
    s->noise_state.state = splitmix64(&x) | 1;
    s->started = vrp_now();
    *out = s;
    return DORF_OK;
}

void vrp_search_free(vrp_search *s) {
    if (!s)
        return;
    vrp_plan_release(s->m, &s->cur);
    vrp_plan_release(s->m, &s->work);
    vrp_plan_release(s->m, &s->best);
    dorf_free(s->pending);
    dorf_free(s->order);
    dorf_free(s->key);
    dorf_free(s->mark);
    dorf_free(s->touched);
    dorf_free(s->weight);
    dorf_free(s->cache);
    dorf_free(s->candidates);
    dorf_free(s);
}

vrp_plan *vrp_search_best(vrp_search *s) {
    return &s->best;
}

uint64_t vrp_search_iterations(const vrp_search *s) {
    return s->iterations;
}

double vrp_search_best_found_at(const vrp_search *s) {
    return s->best_found_at;
}

/* The vehicles an insertion may go to: every used route, and one empty vehicle per class
   while the plan may still use another. */
static void collect_candidates(vrp_search *s, const vrp_plan *plan) {
    const vrp_model *m = s->m;
    s->candidate_count = 0;
    int may_open = plan->used < s->limit;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *r = &plan->routes[v];
        if (r->n > 0) {
            s->candidates[s->candidate_count++] = v;
            continue;
        }
        /* A vehicle with a trip of its own may always take it (serving ranks above vehicles). */
        if (!may_open && !m->has_bound[v])
            continue;
        int seen = 0;
        for (uint32_t c = 0; c < s->candidate_count && !seen; c++) {
            uint32_t u = s->candidates[c];
            seen = plan->routes[u].n == 0 && m->vclass[u] == m->vclass[v];
        }
        if (!seen)
            s->candidates[s->candidate_count++] = v;
    }
}

/* Removes request `q` from the working plan and puts it in the pending list. */
static void take_out(vrp_search *s, uint32_t q) {
    vrp_plan_remove(s->m, &s->work, q);
    s->mark[q] = 1;
    s->pending[s->pending_count++] = q;
}

/* Requests that may be removed: served, and not fixed. Writes them to s->order. */
static uint32_t removable(vrp_search *s) {
    const vrp_model *m = s->m;
    uint32_t k = 0;
    for (uint32_t q = 0; q < m->request_count; q++)
        if (s->work.route_of[q] != DORF_VRP_NONE && !m->keep[q] && !s->mark[q])
            s->order[k++] = q;
    return k;
}

static void destroy_random(vrp_search *s, uint32_t count) {
    uint32_t k = removable(s);
    for (uint32_t i = 0; i < count && k > 0; i++) {
        uint32_t j = rng_below(s->rng, k);
        take_out(s, s->order[j]);
        s->order[j] = s->order[--k];
    }
}

/* Sorts s->order[0 .. k) by s->key ascending (insertion sort on small k, else shell sort). */
static void sort_by_key(vrp_search *s, uint32_t k) {
    static const uint32_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
        uint32_t gap = gaps[g];
        for (uint32_t i = gap; i < k; i++) {
            uint32_t item = s->order[i];
            double key = s->key[item];
            uint32_t j = i;
            while (j >= gap && s->key[s->order[j - gap]] > key) {
                s->order[j] = s->order[j - gap];
                j -= gap;
            }
            s->order[j] = item;
        }
    }
}

/* The request of rank `nth` (0-based) by s->key among s->order[0 .. k), by quickselect
   (Hoare); reorders s->order. */
static uint32_t select_by_key(vrp_search *s, uint32_t k, uint32_t nth) {
    uint32_t lo = 0, hi = k - 1;
    uint32_t *a = s->order;
    while (lo < hi) {
        double pivot = s->key[a[lo + (hi - lo) / 2]];
        uint32_t i = lo, j = hi;
        while (i <= j) {
            while (s->key[a[i]] < pivot)
                i++;
            while (s->key[a[j]] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (nth <= j)
            hi = j;
        else if (nth >= i)
            lo = i;
        else
            break;
    }
    return a[nth];
}

static void destroy_worst(vrp_search *s, uint32_t count) {
    uint32_t k = removable(s);
    for (uint32_t i = 0; i < k; i++)
        s->key[s->order[i]] = -vrp_removal_gain(s->m, &s->work, s->order[i]);
    sort_by_key(s, k);
    for (uint32_t i = 0; i < count && k > 0; i++) {
        double y = rng_unit(s->rng);
        uint32_t j = (uint32_t)(y * y * y * k);
        take_out(s, s->order[j]);
        memmove(&s->order[j], &s->order[j + 1], (k - j - 1) * sizeof *s->order);
        k--;
    }
}

static double relatedness(const vrp_search *s, uint32_t a, uint32_t b) {
    const vrp_model *m = s->m;
    const double *T = m->problem->travel[0];
    size_t L = m->location_count;
    uint32_t pa = m->pickup[a], pb = m->pickup[b];
    uint32_t da = m->delivery[a] == DORF_VRP_NONE ? pa : m->delivery[a];
    uint32_t db = m->delivery[b] == DORF_VRP_NONE ? pb : m->delivery[b];
    double dist = T[(size_t)m->loc[pa] * L + m->loc[pb]] + T[(size_t)m->loc[da] * L + m->loc[db]];
    if (!isfinite(dist))
        dist = 4 * s->max_travel;
    double tw = fabs(m->early[pa] - m->early[pb]) + fabs(m->early[da] - m->early[db]);
    return 9 * dist / s->max_travel + 3 * tw / s->horizon +
           2 * fabs((double)m->demand[pa] - m->demand[pb]) /
               (1 + fabs((double)m->demand[pa]) + fabs((double)m->demand[pb]));
}

static void destroy_related(vrp_search *s, uint32_t count) {
    uint32_t k = removable(s);
    if (k == 0)
        return;
    uint32_t first = s->pending_count;
    uint32_t j = rng_below(s->rng, k);
    take_out(s, s->order[j]);
    while (s->pending_count - first < count) {
        uint32_t seed = s->pending[first + rng_below(s->rng, s->pending_count - first)];
        k = removable(s);
        if (k == 0)
            break;
        for (uint32_t i = 0; i < k; i++)
            s->key[s->order[i]] = relatedness(s, seed, s->order[i]);
        double y = rng_unit(s->rng);
        y = y * y * y * y * y * y;
        take_out(s, select_by_key(s, k, (uint32_t)(y * k)));
    }
}

static void destroy_route(vrp_search *s, uint32_t count) {
    const vrp_model *m = s->m;
    uint32_t removed = 0;
    for (int tries = 0; tries < 4 && removed < count; tries++) {
        /* A random used route; small routes more often, as they are the ones to empty. */
        uint32_t pick = DORF_VRP_NONE, picks = 0;
        for (uint32_t v = 0; v < m->vehicle_count; v++) {
            const vrp_route *r = &s->work.routes[v];
            if (r->n == 0 || r->n == r->fixed)
                continue;
            picks++;
            if (rng_below(s->rng, picks) == 0)
                pick = v;
        }
        if (pick == DORF_VRP_NONE)
            return;
        if (tries == 0) {
            uint32_t other = pick;
            for (int t = 0; t < 2; t++) {
                uint32_t v = rng_below(s->rng, m->vehicle_count);
                const vrp_route *r = &s->work.routes[v];
                if (r->n > r->fixed && r->requests < s->work.routes[other].requests)
                    other = v;
            }
            pick = other;
        }
        vrp_route *r = &s->work.routes[pick];
        for (uint32_t k = r->n; k > r->fixed && removed < count + count / 2; k--) {
            if (k > r->n)
                continue;
            uint32_t q = m->request_of[r->node[k]];
            if (m->keep[q] || s->mark[q] || s->work.route_of[q] == DORF_VRP_NONE)
                continue;
            take_out(s, q);
            removed++;
        }
    }
}

/* Removes runs of consecutive requests from routes near a random request (after the string
   removals of Christiaens & Vanden Berghe, 2020). */
static void destroy_string(vrp_search *s, uint32_t count) {
    const vrp_model *m = s->m;
    uint32_t k = removable(s);
    if (k == 0)
        return;
    uint32_t seed = s->order[rng_below(s->rng, k)];
    for (uint32_t i = 0; i < k; i++)
        s->key[s->order[i]] = relatedness(s, seed, s->order[i]);
    sort_by_key(s, k);
    uint32_t removed = 0;
    for (uint32_t i = 0; i < k && removed < count; i++) {
        uint32_t q = s->order[i];
        if (s->mark[q] || s->work.route_of[q] == DORF_VRP_NONE)
            continue;
        vrp_route *r = &s->work.routes[s->work.route_of[q]];
        /* The position of q's first task, then a string of up to 4 tasks around it. */
        uint32_t at = 0;
        for (uint32_t j = r->fixed + 1; j <= r->n && !at; j++)
            if (m->request_of[r->node[j]] == q)
                at = j;
        uint32_t len = 1 + rng_below(s->rng, 4);
        uint32_t from = at > len / 2 + r->fixed ? at - len / 2 : r->fixed + 1;
        uint32_t victims[8], nv = 0;
        for (uint32_t j = from; j <= r->n && j < from + len && nv < 8; j++) {
            uint32_t w = m->request_of[r->node[j]];
            if (!m->keep[w] && !s->mark[w])
                victims[nv++] = w;
        }
        for (uint32_t j = 0; j < nv && removed < count; j++) {
            if (s->mark[victims[j]] || s->work.route_of[victims[j]] == DORF_VRP_NONE)
                continue;
            take_out(s, victims[j]);
            removed++;
        }
    }
}

/* Inserts `q` at its cheapest place among the candidates; 0 when nowhere possible. */
static int insert_cheapest(vrp_search *s, uint32_t q) {
    if (s->reducing && !s->m->must[q])
        return 0; /* optional requests only take room from the ones to fit in */
    vrp_insertion best = {INFINITY, 0, 0};
    uint32_t best_v = DORF_VRP_NONE;
    for (uint32_t c = 0; c < s->candidate_count; c++) {
        uint32_t v = s->candidates[c];
        vrp_insertion ins = vrp_best_insertion(s->m, &s->work.routes[v], q, s->noise);
        if (ins.delta < best.delta) {
            best = ins;
            best_v = v;
        }
    }
    /* An optional request is worth serving only for less than its penalty. */
    if (best_v == DORF_VRP_NONE ||
        (s->thrifty && s->m->penalty[q] > 0 && best.delta >= s->m->penalty[q]))
        return 0;
    int opened = s->work.routes[best_v].n == 0;
    s->touched[best_v] = 1;
    if (vrp_plan_insert(s->m, &s->work, best_v, q, best))
        return -1;
    if (opened)
        collect_candidates(s, &s->work);
    return 1;
}

static int repair_greedy(vrp_search *s) {
    collect_candidates(s, &s->work);
    /* Random order, but requests bound to a vehicle or hard to place first. */
    for (uint32_t i = s->pending_count; i > 1; i--) {
        uint32_t j = rng_below(s->rng, i);
        uint32_t t = s->pending[i - 1];
        s->pending[i - 1] = s->pending[j];
        s->pending[j] = t;
    }
    for (int pass = 0; pass < 2; pass++) { /* required requests first */
        for (uint32_t i = 0; i < s->pending_count; i++) {
            uint32_t q = s->pending[i];
            if ((!s->thrifty || (s->m->must[q] != 0) == (pass == 0)) && pass + !s->thrifty < 2 &&
                insert_cheapest(s, q) < 0)
                return -1;
        }
    }
    return 0;
}

/* Regret-k insertion: repeatedly inserts the pending request whose best insertion is most
   ahead of its k-1 next best (in other routes); one with fewer options counts as far ahead. */
static int repair_regret(vrp_search *s, int k) {
    const vrp_model *m = s->m;
    const uint32_t nv = m->vehicle_count;
    collect_candidates(s, &s->work);
    uint32_t left = s->pending_count;
    uint32_t *todo = s->order;
    memcpy(todo, s->pending, left * sizeof *todo);
    for (uint32_t i = 0; i < left; i++)
        for (uint32_t c = 0; c < s->candidate_count; c++) {
            uint32_t v = s->candidates[c];
            s->cache[(size_t)todo[i] * nv + v] =
                vrp_best_insertion(m, &s->work.routes[v], todo[i], s->noise);
        }
    while (left > 0) {
        double best_regret = -INFINITY, best_cost = INFINITY;
        uint32_t best_i = DORF_VRP_NONE, best_v = DORF_VRP_NONE;
        for (uint32_t i = 0; i < left; i++) {
            uint32_t q = todo[i];
            double c1 = INFINITY, c2 = INFINITY, c3 = INFINITY;
            uint32_t v1 = DORF_VRP_NONE;
            for (uint32_t c = 0; c < s->candidate_count; c++) {
                uint32_t v = s->candidates[c];
                double d = s->cache[(size_t)q * nv + v].delta;
                if (d < c1) {
                    c3 = c2;
                    c2 = c1;
                    c1 = d;
                    v1 = v;
                } else if (d < c2) {
                    c3 = c2;
                    c2 = d;
                } else if (d < c3) {
                    c3 = d;
                }
            }
            if (v1 == DORF_VRP_NONE || (s->reducing && !m->must[q]) ||
                (s->thrifty && m->penalty[q] > 0 && c1 >= m->penalty[q]))
                continue;
            double big = 10 * s->max_travel;
            double regret =
                (isfinite(c2) ? c2 - c1 : big) + (k >= 3 ? (isfinite(c3) ? c3 - c1 : big) : 0);
            if (s->thrifty && !m->must[q]) /* required first: serving them ranks above cost */
                regret -= 1e6 * big;
            if (regret > best_regret || (regret == best_regret && c1 < best_cost)) {
                best_regret = regret;
                best_cost = c1;
                best_i = i;
                best_v = v1;
            }
        }
        if (best_i == DORF_VRP_NONE)
            break; /* the rest cannot be placed */
        uint32_t q = todo[best_i];
        int opened = s->work.routes[best_v].n == 0;
        s->touched[best_v] = 1;
        if (vrp_plan_insert(m, &s->work, best_v, q, s->cache[(size_t)q * nv + best_v]))
            return -1;
        todo[best_i] = todo[--left];
        if (opened) {
            collect_candidates(s, &s->work);
            for (uint32_t c = 0; c < s->candidate_count; c++) {
                uint32_t v = s->candidates[c];
                if (s->work.routes[v].n != 0 || v == best_v)
                    continue;
                for (uint32_t i = 0; i < left; i++)
                    s->cache[(size_t)todo[i] * nv + v] =
                        vrp_best_insertion(m, &s->work.routes[v], todo[i], s->noise);
            }
        }
        for (uint32_t i = 0; i < left; i++)
            s->cache[(size_t)todo[i] * nv + best_v] =
                vrp_best_insertion(m, &s->work.routes[best_v], todo[i], s->noise);
    }
    return 0;
}

/*
 * Serving ranks above vehicles: a request that fits nowhere may open a vehicle beyond the
 * current limit (the acceptance then weighs the plan by rank).
 */
static int repair_with_more_vehicles(vrp_search *s) {
    for (;;) {
        uint32_t left = 0;
        for (uint32_t i = 0; i < s->pending_count; i++)
            if (s->work.route_of[s->pending[i]] == DORF_VRP_NONE && s->m->must[s->pending[i]])
                s->pending[left++] = s->pending[i];
        s->pending_count = left;
        if (left == 0 || s->work.used >= s->m->vehicle_count)
            return 0;
        uint32_t saved = s->limit;
        s->limit = s->work.used + 1;
        collect_candidates(s, &s->work);
        int placed = 0;
        for (uint32_t i = 0; i < left && !placed; i++) {
            int rc = insert_cheapest(s, s->pending[i]);
            if (rc < 0) {
                s->limit = saved;
                return -1;
            }
            placed = rc;
        }
        s->limit = saved;
        if (!placed)
            return 0;
        /* The new route may take the others. */
        collect_candidates(s, &s->work);
        for (uint32_t i = 0; i < s->pending_count; i++)
            if (s->work.route_of[s->pending[i]] == DORF_VRP_NONE &&
                insert_cheapest(s, s->pending[i]) < 0)
                return -1;
    }
}

static int roulette(vrp_search *s, const double *weights, int n) {
    double total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    double x = rng_unit(s->rng) * total;
    for (int i = 0; i < n; i++) {
        x -= weights[i];
        if (x < 0)
            return i;
    }
    return n - 1;
}

static void update_weights(vrp_search *s) {
    const double reaction = 0.1;
    for (int i = 0; i < DESTROY_N; i++) {
        if (s->destroy_uses[i])
            s->destroy_weight[i] = s->destroy_weight[i] * (1 - reaction) +
                                   reaction * s->destroy_score[i] / s->destroy_uses[i];
        if (s->destroy_weight[i] < 0.05)
            s->destroy_weight[i] = 0.05;
        s->destroy_score[i] = 0;
        s->destroy_uses[i] = 0;
    }
    for (int i = 0; i < REPAIR_N; i++) {
        if (s->repair_uses[i])
            s->repair_weight[i] = s->repair_weight[i] * (1 - reaction) +
                                  reaction * s->repair_score[i] / s->repair_uses[i];
        if (s->repair_weight[i] < 0.05)
            s->repair_weight[i] = 0.05;
        s->repair_score[i] = 0;
        s->repair_uses[i] = 0;
    }
}

/* Starts the pending list with the unserved requests of the working plan. */
static void pend_unserved(vrp_search *s) {
    s->pending_count = 0;
    for (uint32_t q = 0; q < s->m->request_count; q++) {
        s->mark[q] = 0;
        if (s->work.route_of[q] == DORF_VRP_NONE)
            s->pending[s->pending_count++] = q;
    }
    for (uint32_t i = 0; i < s->pending_count; i++)
        s->mark[s->pending[i]] = 1;
}

dorf_status vrp_search_construct(vrp_search *s) {
    const vrp_model *m = s->m;
    s->limit = m->vehicle_count;
    for (uint32_t v = 0; v < m->vehicle_count; v++)
        if (vrp_route_place_fixed(m, &s->work, v) < 0)
            return DORF_ENOMEM;
    pend_unserved(s);
    if (repair_regret(s, 2))
        return DORF_ENOMEM;
    vrp_plan_totals(m, &s->work);
    if (vrp_plan_copy(m, &s->cur, &s->work) || vrp_plan_copy(m, &s->best, &s->work))
        return DORF_ENOMEM;
    s->limit = s->best.used;
    s->best_found_at = vrp_now() - s->started;
    vrp_pool_add_plan(s->pool, &s->best);
    return DORF_OK;
}

dorf_status vrp_search_start_from(vrp_search *s, const vrp_plan *plan) {
    if (vrp_plan_copy(s->m, &s->work, plan))
        return DORF_ENOMEM;
    /* Whatever the given plan leaves unserved gets another chance. */
    s->limit = s->m->vehicle_count;
    pend_unserved(s);
    if (repair_regret(s, 2))
        return DORF_ENOMEM;
    vrp_plan_totals(s->m, &s->work);
    if (vrp_plan_copy(s->m, &s->cur, &s->work))
        return DORF_ENOMEM;
    if (vrp_plan_better(&s->work, &s->best, 1e-9) || s->best.used == 0) {
        if (vrp_plan_copy(s->m, &s->best, &s->work))
            return DORF_ENOMEM;
        s->best_found_at = vrp_now() - s->started;
    }
    s->limit = s->best.used;
    vrp_pool_add_plan(s->pool, &s->work);
    return DORF_OK;
}

/* One destroy-and-repair step on a copy of the current plan; returns the new plan's rank
   relative to the current one via the outcome, and keeps it in s->work. */
static int step(vrp_search *s, int *destroy_op, int *repair_op) {
    const vrp_model *m = s->m;
    if (vrp_plan_copy(m, &s->work, &s->cur))
        return -1;
    memset(s->touched, 0, m->vehicle_count);
    pend_unserved(s);
    uint32_t served = m->request_count - s->pending_count;
    uint32_t lo = served < 10 ? 1 : 4;
    uint32_t hi = served * DESTROY_PERCENT / 100;
    if (hi > DESTROY_MAX)
        hi = DESTROY_MAX;
    if (served < 10)
        hi = served;
    if (hi < lo)
        hi = lo;
    uint32_t count = lo + rng_below(s->rng, hi - lo + 1);
    *destroy_op = roulette(s, s->destroy_weight, DESTROY_N);
    switch (*destroy_op) {
    case DESTROY_RANDOM:
        destroy_random(s, count);
        break;
    case DESTROY_WORST:
        destroy_worst(s, count);
        break;
    case DESTROY_RELATED:
        destroy_related(s, count);
        break;
    case DESTROY_ROUTE:
        destroy_route(s, count);
        break;
    default:
        destroy_string(s, count);
        break;
    }
    *repair_op = roulette(s, s->repair_weight, REPAIR_N);
    s->noise = rng_below(s->rng, 2) ? &s->noise_state : NULL;
    s->thrifty = rng_below(s->rng, 2);
    int rc = *repair_op == REPAIR_GREEDY ? repair_greedy(s)
                                         : repair_regret(s, *repair_op == REPAIR_REGRET2 ? 2 : 3);
    s->noise = NULL;
    if (rc == 0 && !s->reducing)
        rc = repair_with_more_vehicles(s);
    return rc;
}

/* Whether a run must stop before iteration `it`: its iterations are spent, or (looked at every
   16 iterations, as reading the clock costs) its deadline has passed or the caller asks. */
static int must_stop(const vrp_search_run_options *o, uint64_t it) {
    if (o->max_iterations && it >= o->max_iterations)
        return 1;
    return (it & 15) == 0 &&
           (vrp_now() >= o->deadline || (o->should_stop && o->should_stop(o->user)));
}

dorf_status vrp_search_run(vrp_search *s, const vrp_search_run_options *o) {
    const vrp_model *m = s->m;
    double t0 = vrp_now();
    double span = o->deadline - t0;
    if (span <= 0)
        span = 1e-3;
    double cost_cur = vrp_plan_cost(m, &s->cur);
    double temp0 = TEMPERATURE_START * (s->cur.travel + 1) / 0.6931;
    double temp_end = temp0 * TEMPERATURE_END;
    for (uint64_t it = 0; !must_stop(o, it); it++) {
        double frac = (vrp_now() - t0) / span;
        if (o->max_iterations)
            frac = (double)it / o->max_iterations;
        double temp = temp0 * pow(temp_end / temp0, frac > 1 ? 1 : frac);
        int dop, rop;
        if (step(s, &dop, &rop))
            return DORF_ENOMEM;
        s->iterations++;
        s->destroy_uses[dop]++;
        s->repair_uses[rop]++;
        double cost_new = vrp_plan_cost(m, &s->work);
        /* Good routes of plans near the best feed the set partitioning, accepted or not. */
        if (s->work.used <= s->best.used && s->work.missing <= s->best.missing &&
            cost_new <= 1.05 * vrp_plan_cost(m, &s->best))
            for (uint32_t v = 0; v < m->vehicle_count; v++)
                if (s->touched[v])
                    vrp_pool_add_route(s->pool, &s->work.routes[v]);
        double score = 0;
        int accept = 0;
        if (s->work.used > s->cur.used && s->work.missing >= s->cur.missing) {
            accept = 0;
        } else if (vrp_plan_better(&s->work, &s->best, 1e-9)) {
            if (vrp_plan_copy(m, &s->best, &s->work))
                return DORF_ENOMEM;
            s->best_found_at = vrp_now() - s->started;
            if (s->best.used > s->limit)
                s->limit = s->best.used;
            score = 33;
            accept = 1;
        } else if (s->work.used < s->cur.used || cost_new < cost_cur - 1e-9) {
            score = 9;
            accept = 1;
        } else if (rng_unit(s->rng) < exp((cost_cur - cost_new) / temp)) {
            score = 13;
            accept = 1;
        }
        if (accept) {
            vrp_plan tmp = s->cur;
            s->cur = s->work;
            s->work = tmp;
            cost_cur = cost_new;
        }
        s->destroy_score[dop] += score;
        s->repair_score[rop] += score;
        if (s->iterations % 100 == 0)
            update_weights(s);
    }
    return DORF_OK;
}

/* The weight of the required requests a plan leaves unserved. */
static double bank_weight(const vrp_search *s, const vrp_plan *plan) {
    double w = 0;
    for (uint32_t q = 0; q < s->m->request_count; q++)
        if (plan->route_of[q] == DORF_VRP_NONE)
            w += s->weight[q];
    return w;
}

/*
 * Vehicle reduction: takes the route with the fewest requests out of the best plan and runs
 * the search with one route fewer until its requests are all placed again, or it gives up.
 */
dorf_status vrp_search_reduce(vrp_search *s, const vrp_search_run_options *o, int *reduced) {
    const vrp_model *m = s->m;
    *reduced = 0;
    uint32_t pick = DORF_VRP_NONE;
    for (uint32_t v = 0; v < m->vehicle_count; v++) {
        const vrp_route *r = &s->best.routes[v];
        if (r->n == 0 || r->fixed > 0)
            continue;
        int bound = 0;
        for (uint32_t k = 1; k <= r->n && !bound; k++)
            bound = m->bound[m->request_of[r->node[k]]] != DORF_VRP_NONE;
        if (bound)
            continue;
        if (pick == DORF_VRP_NONE || r->requests < s->best.routes[pick].requests ||
            (r->requests == s->best.routes[pick].requests && rng_below(s->rng, 2)))
            pick = v;
    }
    if (pick == DORF_VRP_NONE || s->best.used <= 1)
        return DORF_OK;
    if (vrp_plan_copy(m, &s->work, &s->best))
        return DORF_ENOMEM;
    const vrp_route *r = &s->work.routes[pick];
    while (r->n > 0)
        vrp_plan_remove(m, &s->work, m->request_of[r->node[1]]);
    /* First try to place them straight away. */
    s->limit = s->best.used - 1;
    pend_unserved(s);
    if (repair_regret(s, 2))
        return DORF_ENOMEM;
    if (vrp_plan_copy(m, &s->cur, &s->work))
        return DORF_ENOMEM;
    uint32_t target = s->best.missing;
    s->reducing = 1;
    double t0 = vrp_now();
    /*
     * Requests that stay out longer weigh more (the penalty counters of Nagata & Braysy's
     * guided ejection search): the search is pushed to find room for the hard ones first,
     * trading them for easier ones that fit in later.
     */
    for (uint32_t q = 0; q < m->request_count; q++)
        s->weight[q] = m->must[q];
    double bank_cur = bank_weight(s, &s->cur);
    double temp0 = TEMPERATURE_START * (s->cur.travel + 1) / 0.6931;
    for (uint64_t it = 0; s->cur.missing > target && !must_stop(o, it); it++) {
        int dop, rop;
        if (step(s, &dop, &rop))
            return DORF_ENOMEM;
        s->iterations++;
        double bank_new = bank_weight(s, &s->work);
        double frac = (vrp_now() - t0) / (o->deadline - t0 > 0 ? o->deadline - t0 : 1);
        double temp = temp0 * pow(0.01, frac > 1 ? 1 : frac);
        /* (A vehicle with a trip of its own may open beyond the limit; not here.) */
        if (s->work.used <= s->limit &&
            (bank_new < bank_cur ||
             (bank_new == bank_cur &&
              rng_unit(s->rng) < exp((s->cur.travel - s->work.travel) / temp)))) {
            vrp_plan tmp = s->cur;
            s->cur = s->work;
            s->work = tmp;
        }
        for (uint32_t q = 0; q < m->request_count; q++)
            if (s->cur.route_of[q] == DORF_VRP_NONE && m->must[q])
                s->weight[q] += 1;
        bank_cur = bank_weight(s, &s->cur);
    }
    s->reducing = 0;
    if (s->cur.missing <= target && s->cur.used < s->best.used) {
        if (vrp_plan_copy(m, &s->best, &s->cur))
            return DORF_ENOMEM;
        s->best_found_at = vrp_now() - s->started;
        vrp_pool_add_plan(s->pool, &s->best);
        *reduced = 1;
    } else if (vrp_plan_copy(m, &s->cur, &s->best)) {
        return DORF_ENOMEM;
    }
    s->limit = s->best.used;
    return DORF_OK;
}

dorf_status vrp_search_restart_from_best(vrp_search *s) {
    if (vrp_plan_copy(s->m, &s->cur, &s->best))
        return DORF_ENOMEM;
    s->limit = s->best.used;
    return DORF_OK;
}
