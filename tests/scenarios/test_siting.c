/*
 * test_siting.c: facility siting (scenarios/siting*.c). The oracle is brute force: every
 * k-subset of the usable candidates, scored by this file's own code. On random hand-made
 * problems, on the hand-made village with travel times of its own (single-source routes,
 * dorf_route_find, not the reach searches siting uses) and on random candidate subsets of the
 * real extract, GLPK's choice scores the brute-force optimum and its gap is 0, for p-median
 * and maximal covering and k = 1 to 3. Bad input is refused with a message; a choice stopped
 * by the time limit is still a valid choice with an honest bound; generated candidates are
 * eligible, distinct and spread out; every failed allocation comes back as DORF_ENOMEM.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/importers.h"
#include "dorf/siting.h"
#include "routing/shared_extract.h"

static dorf_region *village(dorf_ctx *ctx) {
    const char *dir = getenv("DORF_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/village.osm", dir ? dir : "tests/data");
    dorf_region *r = NULL;
    if (dorf_import_osm(ctx, path, NULL, &r, NULL) != DORF_OK) {
        fprintf(stderr, "  importing the village: %s\n", dorf_ctx_errmsg(ctx));
    }
    return r;
}

/* xorshift64*: the same random problems on every machine. */
static uint64_t next_random(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static double uniform(uint64_t *s, double lo, double hi) {
    return lo + (hi - lo) * (double)(next_random(s) >> 11) / 9007199254740992.0;
}

/*
 * Times of one demand point: to the existing places and to each candidate (INFINITY: not
 * reached), with its persons. The test's own view of a problem, so that brute force does not
 * share code with what it checks.
 */
struct point {
    double persons;
    double base_s;
    double *time_s; /* [candidates] */
};

struct instance {
    size_t points, candidates;
    struct point *p;
    double *times;
    uint8_t *usable;
    double limit_s;
    double lost_persons; /* never reached, whatever is chosen */
};

static void instance_free(struct instance *in) {
    free(in->p);
    free(in->times);
    free(in->usable);
    memset(in, 0, sizeof *in);
}

static void instance_alloc(struct instance *in, size_t points, size_t candidates) {
    memset(in, 0, sizeof *in);
    in->points = points;
    in->candidates = candidates;
    in->p = calloc(points, sizeof *in->p);
    in->times = malloc(points * candidates * sizeof *in->times);
    in->usable = malloc(candidates);
    memset(in->usable, 1, candidates);
    for (size_t i = 0; i < points; i++) {
        in->p[i].time_s = in->times + i * candidates;
    }
}

/* The score of open set `set` (k candidate indices): p-median or max-cover. */
static double score(const struct instance *in, dorf_siting_model model, double threshold_s,
                    const size_t *set, size_t k) {
    double sum = model == DORF_SITING_P_MEDIAN ? in->lost_persons * in->limit_s : 0;
    for (size_t i = 0; i < in->points; i++) {
        double t = in->p[i].base_s;
        for (size_t s = 0; s < k; s++) {
            if (in->p[i].time_s[set[s]] < t) {
                t = in->p[i].time_s[set[s]];
            }
        }
        if (model == DORF_SITING_P_MEDIAN) {
            sum += in->p[i].persons * (t <= in->limit_s ? t : in->limit_s);
        } else {
            sum += t <= threshold_s ? in->p[i].persons : 0;
        }
    }
    return sum;
}

/* The best score over all k-subsets of the usable candidates (recursively, from `from`). */
static double brute_force(const struct instance *in, dorf_siting_model model, double threshold_s,
                          size_t *set, size_t depth, size_t k, size_t from) {
    if (depth == k) {
        return score(in, model, threshold_s, set, k);
    }
    double best = model == DORF_SITING_P_MEDIAN ? INFINITY : -INFINITY;
    for (size_t j = from; j < in->candidates; j++) {
        if (!in->usable[j]) {
            continue;
        }
        set[depth] = j;
        double v = brute_force(in, model, threshold_s, set, depth + 1, k, j + 1);
        best = model == DORF_SITING_P_MEDIAN ? fmin(best, v) : fmax(best, v);
    }
    return best;
}

/* The test's view of a problem the library built (its times, read back). */
static void instance_from_problem(const dorf_siting_problem *p, struct instance *in) {
    instance_alloc(in, p->demand_count, p->candidate_count);
    in->limit_s = p->limit_s;
    in->lost_persons = p->unsnapped_persons;
    memcpy(in->usable, p->usable, p->candidate_count);
    for (size_t i = 0; i < p->demand_count; i++) {
        in->p[i].persons = p->persons[i];
        in->p[i].base_s = p->base_s[i];
        memcpy(in->p[i].time_s, p->time_s + i * p->candidate_count,
               p->candidate_count * sizeof(double));
    }
}

/* A random problem: some points reach no existing place, some candidates are unusable. */
static void random_problem(dorf_ctx *ctx, uint64_t *rng, dorf_siting_problem *p) {
    size_t D = 15 + next_random(rng) % 40, C = 6 + next_random(rng) % 5;
    CHECK_EQ_INT(dorf_siting_problem_init(ctx, D, C, p), DORF_OK);
    p->limit_s = 3600;
    p->unsnapped_persons = floor(uniform(rng, 0, 4));
    for (size_t j = 0; j < C; j++) {
        p->usable[j] = next_random(rng) % 10 != 0;
        snprintf(p->candidates[j].id, sizeof p->candidates[j].id, "c%zu", j);
    }
    for (size_t i = 0; i < D; i++) {
        p->persons[i] = 0.5 * (double)(1 + next_random(rng) % 12);
        p->households[i] = 1;
        p->base_s[i] =
            next_random(rng) % 10 < 3 ? INFINITY : round(uniform(rng, 60, 3000) * 1000) / 1000;
        for (size_t j = 0; j < C; j++) {
            if (p->usable[j] && next_random(rng) % 4 != 0) {
                p->time_s[i * C + j] = round(uniform(rng, 30, 3600) * 1000) / 1000;
            }
        }
    }
}

static size_t usable_count(const dorf_siting_problem *p) {
    size_t n = 0;
    for (size_t j = 0; j < p->candidate_count; j++) {
        n += p->usable[j];
    }
    return n;
}

/*
 * Solves `p` for k = 1..3 with both models and checks the choice against brute force:
 * optimal, gap 0, its score the optimum; the chosen sites are k distinct usable candidates.
 */
static void check_against_brute_force(dorf_ctx *ctx, const dorf_siting_problem *p,
                                      const struct instance *in, double threshold_s,
                                      const char *what) {
    for (int model = 0; model < 2; model++) {
        for (size_t k = 1; k <= 3 && k <= usable_count(p); k++) {
            dorf_siting_options opt = {.model = (dorf_siting_model)model,
                                       .add = k,
                                       .threshold_s = threshold_s,
                                       .limit_s = p->limit_s};
            dorf_siting_solution s;
            dorf_status st = dorf_siting_solve(ctx, p, &opt, &s);
            CHECK_EQ_INT(st, DORF_OK);
            if (st != DORF_OK) {
                fprintf(stderr, "  %s: %s\n", what, dorf_ctx_errmsg(ctx));
                continue;
            }
            size_t set[3];
            double best = brute_force(in, opt.model, threshold_s, set, 0, k, 0);
            double got = score(in, opt.model, threshold_s, s.chosen, k);
            double tol = 1e-7 * fmax(1, fabs(best));
            if (!(fabs(got - best) <= tol) || !s.optimal || s.gap != 0) {
                fprintf(stderr, "  %s, %s, k %zu: chose %.6f, brute force %.6f, gap %g\n", what,
                        dorf_siting_model_name(opt.model), k, got, best, s.gap);
            }
            CHECK_NEAR(got, best, tol);
            CHECK_NEAR(s.after.objective, best, tol);
            CHECK_NEAR(s.objective, best, 1e-6 * fmax(1, fabs(best)));
            CHECK(s.optimal);
            CHECK(s.gap == 0);
            CHECK_NEAR(s.bound, s.objective, 1e-9 * fmax(1, fabs(best)));
            CHECK_NEAR(s.before.objective, score(in, opt.model, threshold_s, NULL, 0), tol);
            for (size_t a = 0; a < k; a++) {
                CHECK(s.chosen[a] < p->candidate_count && p->usable[s.chosen[a]]);
                CHECK(a == 0 || s.chosen[a - 1] < s.chosen[a]);
            }
            dorf_siting_solution_release(&s);
        }
    }
}

static void test_random_problems_match_brute_force(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    uint64_t rng = 20261201;
    for (int round = 0; round < 40; round++) {
        dorf_siting_problem p;
        random_problem(ctx, &rng, &p);
        struct instance in;
        instance_from_problem(&p, &in);
        char what[32];
        snprintf(what, sizeof what, "random problem %d", round);
        check_against_brute_force(ctx, &p, &in, 900, what);
        instance_free(&in);
        dorf_siting_problem_release(&p);
    }
    dorf_ctx_free(ctx);
}

/* The village's road nodes as candidates, and one far out in the fields (not usable). */
static const dorf_siting_candidate village_candidates[] = {
    {"n1", 11.500, 50.000}, {"n2", 11.501, 50.000}, {"n3", 11.502, 50.000},
    {"n4", 11.503, 50.000}, {"n5", 11.501, 50.001}, {"n6", 11.501, 49.999},
    {"n7", 11.502, 50.001}, {"n8", 11.504, 50.000}, {"far", 11.600, 50.100},
};
#define VILLAGE_CANDIDATES (sizeof village_candidates / sizeof village_candidates[0])

/* Seconds by a single-source route between two points, INFINITY when not within `limit`. */
static double route_time(dorf_ctx *ctx, dorf_router *router, const dorf_graph *g, double lon0,
                         double lat0, double lon1, double lat1, double limit) {
    dorf_snap a, b;
    if (dorf_graph_snap(ctx, g, lon0, lat0, 500, &a) != DORF_OK ||
        dorf_graph_snap(ctx, g, lon1, lat1, 500, &b) != DORF_OK) {
        dorf_ctx_clear_error(ctx);
        return INFINITY;
    }
    double t;
    if (dorf_route_find(router, DORF_ALG_DIJKSTRA, &a, &b, &t, NULL) != DORF_OK) {
        dorf_ctx_clear_error(ctx);
        return INFINITY;
    }
    return t <= limit ? t : INFINITY;
}

/*
 * The village per building, with times from single-source routes: the existing places of
 * `cat` (all count) and the candidates.
 */
static void village_instance(dorf_ctx *ctx, const dorf_region *r, const dorf_graph *g,
                             dorf_category cat, double limit, struct instance *in) {
    dorf_router *router = NULL;
    CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
    size_t n = 0;
    double *persons = calloc(r->building_count, sizeof *persons);
    for (size_t h = 0; h < r->household_count; h++) {
        persons[r->households[h].building] += r->households[h].persons;
    }
    for (size_t b = 0; b < r->building_count; b++) {
        n += persons[b] > 0;
    }
    instance_alloc(in, n, VILLAGE_CANDIDATES);
    in->limit_s = limit;
    size_t i = 0;
    for (size_t b = 0; b < r->building_count; b++) {
        if (persons[b] == 0) {
            continue;
        }
        const dorf_building *bd = &r->buildings[b];
        struct point *pt = &in->p[i++];
        pt->persons = persons[b];
        pt->base_s = INFINITY;
        for (size_t p = 0; p < r->place_count; p++) {
            if (r->places[p].category == cat) {
                pt->base_s =
                    fmin(pt->base_s, route_time(ctx, router, g, bd->lon_deg, bd->lat_deg,
                                                r->places[p].lon_deg, r->places[p].lat_deg, limit));
            }
        }
        for (size_t j = 0; j < VILLAGE_CANDIDATES; j++) {
            pt->time_s[j] =
                route_time(ctx, router, g, bd->lon_deg, bd->lat_deg, village_candidates[j].lon_deg,
                           village_candidates[j].lat_deg, limit);
        }
    }
    for (size_t j = 0; j < VILLAGE_CANDIDATES; j++) {
        dorf_snap s;
        in->usable[j] = dorf_graph_snap(ctx, g, village_candidates[j].lon_deg,
                                        village_candidates[j].lat_deg, 500, &s) == DORF_OK;
        dorf_ctx_clear_error(ctx);
    }
    free(persons);
    dorf_router_free(router);
}

static void test_the_village_matches_brute_force_on_route_times(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    CHECK(r != NULL);
    /* The bakery exists; nobody has a post office, so everyone starts at the penalty. */
    const dorf_category cats[] = {DORF_CAT_BAKERY, DORF_CAT_POST};
    for (int m = 0; r && m < DORF_MODE_COUNT; m += 2) {
        dorf_graph *g = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, (dorf_mode)m, &g), DORF_OK);
        for (size_t c = 0; g && c < 2; c++) {
            /* A short limit, so that some candidates are out of reach on foot. */
            const double limit = m == DORF_MODE_WALK ? 240 : 3600;
            dorf_siting_options opt = {
                .category = cats[c], .add = 1, .limit_s = limit, .threshold_s = 120};
            dorf_siting_problem p;
            dorf_status st = dorf_siting_problem_build(ctx, r, g, village_candidates,
                                                       VILLAGE_CANDIDATES, &opt, &p);
            CHECK_EQ_INT(st, DORF_OK);
            if (st != DORF_OK) {
                fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
                continue;
            }
            struct instance own;
            village_instance(ctx, r, g, cats[c], limit, &own);
            CHECK(!p.usable[VILLAGE_CANDIDATES - 1] && !own.usable[VILLAGE_CANDIDATES - 1]);
            CHECK_EQ_INT(p.existing_places, cats[c] == DORF_CAT_BAKERY ? 1 : 0);
            double total = 0;
            for (size_t i = 0; i < p.demand_count; i++) {
                total += p.persons[i];
            }
            double own_total = 0;
            for (size_t i = 0; i < own.points; i++) {
                own_total += own.p[i].persons;
            }
            CHECK_NEAR(total + p.unsnapped_persons, own_total, 1e-9);
            char what[64];
            snprintf(what, sizeof what, "village %s %s", dorf_mode_name((dorf_mode)m),
                     dorf_category_name(cats[c]));
            check_against_brute_force(ctx, &p, &own, 120, what);
            dorf_siting_problem_release(&p);
            instance_free(&own);
        }
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

static void test_random_candidates_on_the_real_extract_match_brute_force(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    uint64_t rng = 4711;
    static const dorf_mode modes[] = {DORF_MODE_WALK, DORF_MODE_CAR};
    for (size_t m = 0; r && m < 2; m++) {
        dorf_graph *g = NULL;
        CHECK_EQ_INT(dorf_graph_build(ctx, r, modes[m], &g), DORF_OK);
        dorf_siting_candidate *pool = NULL;
        size_t pool_count = 0;
        CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, r, g, 200, 0, &pool, &pool_count),
                     DORF_OK);
        CHECK(pool_count >= 50);
        dorf_router *router = NULL;
        CHECK_EQ_INT(dorf_router_new(ctx, g, &router), DORF_OK);
        for (int round = 0; pool_count >= 10 && round < 3; round++) {
            /* 8 distinct random candidates of the pool. */
            dorf_siting_candidate cands[8];
            size_t picked[8];
            for (size_t a = 0; a < 8; a++) {
                size_t x;
                int again;
                do {
                    x = next_random(&rng) % pool_count;
                    again = 0;
                    for (size_t b = 0; b < a; b++) {
                        again |= picked[b] == x;
                    }
                } while (again);
                picked[a] = x;
                cands[a] = pool[x];
            }
            const dorf_category cat = round % 2 ? DORF_CAT_BAKERY : DORF_CAT_GROCERY;
            dorf_siting_options opt = {.category = cat, .add = 1, .threshold_s = 600};
            dorf_siting_problem p;
            CHECK_EQ_INT(dorf_siting_problem_build(ctx, r, g, cands, 8, &opt, &p), DORF_OK);
            CHECK(p.demand_count > 1000);
            struct instance in;
            instance_from_problem(&p, &in);
            char what[64];
            snprintf(what, sizeof what, "extract %s round %d", dorf_mode_name(modes[m]), round);
            check_against_brute_force(ctx, &p, &in, 600, what);
            /* The times are those of single-source routes from the demand point. */
            int differ = 0;
            for (int probe = 0; probe < 20; probe++) {
                size_t i = next_random(&rng) % p.demand_count, j = next_random(&rng) % 8;
                double t = route_time(ctx, router, g, p.lon_deg[i], p.lat_deg[i], cands[j].lon_deg,
                                      cands[j].lat_deg, p.limit_s);
                double got = p.time_s[i * 8 + j];
                if (isinf(t) != isinf(got) || (isfinite(t) && fabs(t - got) > 0.01)) {
                    fprintf(stderr, "  demand %zu -> %s: %.3f s by route, %.3f s in the problem\n",
                            i, cands[j].id, t, got);
                    differ++;
                }
            }
            CHECK_EQ_INT(differ, 0);
            instance_free(&in);
            dorf_siting_problem_release(&p);
        }
        dorf_router_free(router);
        dorf_free(pool);
        dorf_graph_free(g);
    }
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* Straight-line metres between two points (haversine). */
static double metres(double lon0, double lat0, double lon1, double lat1) {
    const double k = M_PI / 180;
    double a = pow(sin((lat1 - lat0) * k / 2), 2) +
               cos(lat0 * k) * cos(lat1 * k) * pow(sin((lon1 - lon0) * k / 2), 2);
    return 2 * 6371008.8 * asin(sqrt(a));
}

static void test_generated_candidates_are_eligible_and_spread_out(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = real_region(ctx);
    dorf_graph *g = NULL;
    if (r) {
        CHECK_EQ_INT(dorf_graph_build(ctx, r, DORF_MODE_WALK, &g), DORF_OK);
    }
    dorf_siting_candidate *c = NULL, *again = NULL;
    size_t n = 0, n_again = 0;
    if (g) {
        CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, r, g, 40, 0, &c, &n), DORF_OK);
        CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, r, g, 40, 0, &again, &n_again), DORF_OK);
        CHECK_EQ_INT(n, 40);
        CHECK(n == n_again && memcmp(c, again, n * sizeof *c) == 0);
    }
    double min_pair = INFINITY;
    for (size_t a = 0; a < n; a++) {
        dorf_snap s;
        CHECK_EQ_INT(dorf_graph_snap(ctx, g, c[a].lon_deg, c[a].lat_deg, 50, &s), DORF_OK);
        for (size_t b = 0; b < a; b++) {
            CHECK(strcmp(c[a].id, c[b].id) != 0);
            min_pair =
                fmin(min_pair, metres(c[a].lon_deg, c[a].lat_deg, c[b].lon_deg, c[b].lat_deg));
        }
    }
    /*
     * Farthest-point thinning: no eligible building lies farther from every candidate than
     * the two closest candidates lie from each other (up to the metric's approximation).
     */
    uint8_t *has = r ? calloc(r->building_count + 1, 1) : NULL;
    for (size_t h = 0; r && h < r->household_count; h++) {
        has[r->households[h].building] = 1;
    }
    double worst = 0;
    for (size_t b = 0; g && n > 0 && b < r->building_count; b++) {
        dorf_snap s;
        const dorf_building *bd = &r->buildings[b];
        if (!has[b] || dorf_graph_snap(ctx, g, bd->lon_deg, bd->lat_deg, 50, &s) != DORF_OK) {
            dorf_ctx_clear_error(ctx);
            continue;
        }
        double nearest = INFINITY;
        for (size_t a = 0; a < n; a++) {
            nearest = fmin(nearest, metres(bd->lon_deg, bd->lat_deg, c[a].lon_deg, c[a].lat_deg));
        }
        worst = fmax(worst, nearest);
    }
    if (g) {
        CHECK(min_pair > 100);
        CHECK(worst <= min_pair * 1.01);
    }
    /* Asking for more than there are eligible buildings gives them all, once each. */
    dorf_region *v = village(ctx);
    dorf_graph *vg = NULL;
    CHECK(v && dorf_graph_build(ctx, v, DORF_MODE_WALK, &vg) == DORF_OK);
    dorf_siting_candidate *vc = NULL;
    size_t vn = 0;
    CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, v, vg, 10, 500, &vc, &vn), DORF_OK);
    CHECK_EQ_INT(vn, 4); /* the four residential buildings */
    /* Within the default 50 m none is eligible: a clear error. */
    dorf_siting_candidate *none = NULL;
    CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, v, vg, 10, 0, &none, &vn), DORF_EEMPTY);
    CHECK(strstr(dorf_ctx_errmsg(ctx), "CSV") != NULL);
    CHECK(none == NULL && vn == 0);
    CHECK_EQ_INT(dorf_siting_generate_candidates(ctx, v, vg, 0, 0, &none, &vn), DORF_EINVAL);
    dorf_free(vc);
    dorf_graph_free(vg);
    dorf_region_free(v);
    free(has);
    dorf_free(c);
    dorf_free(again);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/* Expects `st` to be `want` with a message containing `needle`. */
static void expect_refused(dorf_ctx *ctx, dorf_status st, dorf_status want, const char *needle) {
    CHECK_EQ_INT(st, want);
    if (!strstr(dorf_ctx_errmsg(ctx), needle)) {
        fprintf(stderr, "  message '%s' lacks '%s'\n", dorf_ctx_errmsg(ctx), needle);
        CHECK(0);
    }
    dorf_ctx_clear_error(ctx);
}

static void test_bad_input_is_refused_clearly(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    dorf_graph *g = NULL;
    CHECK(r && dorf_graph_build(ctx, r, DORF_MODE_WALK, &g) == DORF_OK);
    if (!g) {
        dorf_region_free(r);
        dorf_ctx_free(ctx);
        return;
    }
    const size_t C = VILLAGE_CANDIDATES;
    dorf_siting_problem p;
    dorf_siting_options opt = {.category = DORF_CAT_BAKERY, .add = 0};
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p),
                   DORF_EINVAL, "at least 1");
    opt.add = C + 1;
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p),
                   DORF_EINVAL, "among 9 candidates");
    opt.add = 1;
    opt.category = DORF_CAT_COUNT;
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p),
                   DORF_EINVAL, "unknown category");
    opt.category = DORF_CAT_BAKERY;
    opt.threshold_s = 7200;
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p),
                   DORF_EINVAL, "at most the search limit");
    opt.threshold_s = 0;
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, 0, &opt, &p),
                   DORF_EINVAL, "no candidate");
    opt.model = (dorf_siting_model)7;
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p),
                   DORF_EINVAL, "unknown siting model");
    opt.model = DORF_SITING_MAX_COVER;
    dorf_siting_candidate nowhere = {"x", 200, 50};
    expect_refused(ctx, dorf_siting_problem_build(ctx, r, g, &nowhere, 1, &opt, &p), DORF_EINVAL,
                   "not a longitude,latitude");

    /* All 9 candidates, but one lies too far from a road: 9 cannot be sited. */
    CHECK_EQ_INT(dorf_siting_problem_build(ctx, r, g, village_candidates, C, &opt, &p), DORF_OK);
    dorf_siting_solution s;
    opt.add = C;
    expect_refused(ctx, dorf_siting_solve(ctx, &p, &opt, &s), DORF_EINVAL, "only 8 of the 9");
    opt.add = 0;
    expect_refused(ctx, dorf_siting_solve(ctx, &p, &opt, &s), DORF_EINVAL, "at least 1");
    opt.add = C - 1;
    CHECK_EQ_INT(dorf_siting_solve(ctx, &p, &opt, &s), DORF_OK);
    CHECK_EQ_INT(s.add, C - 1);
    dorf_siting_solution_release(&s);
    dorf_siting_problem_release(&p);

    dorf_siting_model model;
    CHECK_EQ_INT(dorf_siting_model_from_name("p-median", &model), DORF_OK);
    CHECK_EQ_INT(model, DORF_SITING_P_MEDIAN);
    CHECK_EQ_INT(dorf_siting_model_from_name("max-cover", &model), DORF_OK);
    CHECK_EQ_INT(model, DORF_SITING_MAX_COVER);
    CHECK_EQ_INT(dorf_siting_model_from_name("pmedian", &model), DORF_EINVAL);
    CHECK_EQ_INT(dorf_siting_problem_init(ctx, 0, 3, &p), DORF_EINVAL);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
}

/*
 * A large random problem with a time limit far too short to prove anything: the answer is
 * still k usable candidates, scored as the problem's times say, with a bound on the right
 * side of it and the gap between them.
 */
static void test_a_choice_stopped_by_the_time_limit_is_valid(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    uint64_t rng = 99;
    dorf_siting_problem p;
    const size_t D = 1000, C = 80;
    CHECK_EQ_INT(dorf_siting_problem_init(ctx, D, C, &p), DORF_OK);
    for (size_t i = 0; i < D; i++) {
        p.persons[i] = (double)(1 + next_random(&rng) % 5);
        p.base_s[i] = next_random(&rng) % 3 ? uniform(&rng, 300, 3000) : INFINITY;
        for (size_t j = 0; j < C; j++) {
            p.time_s[i * C + j] = uniform(&rng, 10, 3600);
        }
    }
    /* The last run has time for the LP relaxation (and some cuts): a bound, not a proof. */
    static const struct {
        dorf_siting_model model;
        double time_limit_s;
    } runs[] = {
        {DORF_SITING_P_MEDIAN, 0.02}, {DORF_SITING_MAX_COVER, 0.02}, {DORF_SITING_P_MEDIAN, 1}};
    for (size_t run = 0; run < sizeof runs / sizeof runs[0]; run++) {
        const int model = (int)runs[run].model;
        dorf_siting_options opt = {.model = runs[run].model,
                                   .add = 7,
                                   .time_limit_s = runs[run].time_limit_s,
                                   .threshold_s = 600};
        dorf_siting_solution s;
        CHECK_EQ_INT(dorf_siting_solve(ctx, &p, &opt, &s), DORF_OK);
        double own = dorf_siting_evaluate(&p, opt.model, 600, s.is_chosen, NULL);
        CHECK_NEAR(s.after.objective, own, 1e-9 * own);
        size_t chosen = 0;
        for (size_t j = 0; j < C; j++) {
            chosen += s.is_chosen[j];
        }
        CHECK_EQ_INT(chosen, 7);
        if (!isnan(s.bound)) {
            if (model == DORF_SITING_P_MEDIAN) {
                CHECK(s.bound <= s.objective * (1 + 1e-9));
            } else {
                CHECK(s.bound >= s.objective * (1 - 1e-9));
            }
            CHECK(s.gap >= 0 && (s.optimal || s.gap > 0 || s.bound == s.objective));
        } else {
            CHECK(!s.optimal && isnan(s.gap));
        }
        printf("  %s, limit %g s, in %.3f s: %s, gap %g\n", dorf_siting_model_name(opt.model),
               opt.time_limit_s, s.solve_s, s.optimal ? "optimal" : "stopped", s.gap);
        dorf_siting_solution_release(&s);
    }
    dorf_siting_problem_release(&p);
    dorf_ctx_free(ctx);
}

/* Every allocation of building and solving a problem, failed in turn: DORF_ENOMEM, no leak. */
static void test_failed_allocations_are_reported(void) {
#ifdef DORF_FAULT_INJECTION
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_region *r = village(ctx);
    dorf_graph *g = NULL;
    CHECK(r && dorf_graph_build(ctx, r, DORF_MODE_CAR, &g) == DORF_OK);
    dorf_siting_options opt = {.category = DORF_CAT_BAKERY, .add = 2};
    int failures = 0;
    for (unsigned long n = 1; g && n < 500; n++) {
        dorf_siting_problem p;
        dorf_siting_solution s;
        memset(&s, 0, sizeof s);
        dorf_alloc_fail_after(n, 0);
        dorf_status st =
            dorf_siting_problem_build(ctx, r, g, village_candidates, VILLAGE_CANDIDATES, &opt, &p);
        if (st == DORF_OK) {
            st = dorf_siting_solve(ctx, &p, &opt, &s);
        }
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        if (st == DORF_OK) {
            CHECK_EQ_INT(s.add, 2);
            dorf_siting_solution_release(&s);
            dorf_siting_problem_release(&p);
            if (calls < n) {
                break;
            }
            continue;
        }
        failures++;
        CHECK_EQ_INT(st, DORF_ENOMEM);
        CHECK(strlen(dorf_ctx_errmsg(ctx)) > 0);
        CHECK(s.chosen == NULL);
        dorf_siting_problem_release(&p);
        dorf_ctx_clear_error(ctx);
    }
    CHECK(failures > 10);
    dorf_graph_free(g);
    dorf_region_free(r);
    dorf_ctx_free(ctx);
#endif
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_random_problems_match_brute_force);
    RUN(test_the_village_matches_brute_force_on_route_times);
    RUN(test_random_candidates_on_the_real_extract_match_brute_force);
    RUN(test_generated_candidates_are_eligible_and_spread_out);
    RUN(test_bad_input_is_refused_clearly);
    RUN(test_a_choice_stopped_by_the_time_limit_is_valid);
    RUN(test_failed_allocations_are_reported);
    return check_summary();
}
