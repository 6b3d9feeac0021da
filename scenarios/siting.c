/*
 * siting.c: the times of a siting problem (dorf/siting.h): demand points, the time from each
 * to the nearest existing place of the category, and to each candidate; the objective of any
 * choice, and the candidates as a table.
 *
 * Access is measured as coverage measures it (coverage_internal.h shares which places are open
 * and the snapping). Demand: the households of a building stand at its point; buildings whose
 * points snap to the same road position (segment and fraction) have equal times to everything
 * and form one demand point. Times: one backward multi-source search seeded with the existing
 * places, then one backward single-source search per candidate; each reads the time of every
 * demand point off the result (dorf_reach_time_at, equal to dorf_route_find's time).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage_internal.h"
#include "dorf/alloc.h"
#include "dorf/siting.h"
#include "siting_internal.h"

const char *dorf_siting_model_name(dorf_siting_model model) {
    return model == DORF_SITING_MAX_COVER ? "max-cover" : "p-median";
}

dorf_status dorf_siting_model_from_name(const char *name, dorf_siting_model *out) {
    if (strcmp(name, "p-median") == 0) {
        *out = DORF_SITING_P_MEDIAN;
        return DORF_OK;
    }
    if (strcmp(name, "max-cover") == 0) {
        *out = DORF_SITING_MAX_COVER;
        return DORF_OK;
    }
    return DORF_EINVAL;
}

void dorf_siting_problem_release(dorf_siting_problem *p) {
    if (!p) {
        return;
    }
    dorf_free(p->persons);
    dorf_free(p->households);
    dorf_free(p->lon_deg);
    dorf_free(p->lat_deg);
    dorf_free(p->base_s);
    dorf_free(p->candidates);
    dorf_free(p->usable);
    dorf_free(p->snap_m);
    dorf_free(p->time_s);
    memset(p, 0, sizeof *p);
}

dorf_status dorf_siting_problem_init(dorf_ctx *ctx, size_t demand_count, size_t candidate_count,
                                     dorf_siting_problem *out) {
    memset(out, 0, sizeof *out);
    if (candidate_count == 0 || demand_count == 0 || candidate_count > (size_t)UINT32_MAX ||
        demand_count > SIZE_MAX / sizeof(double) / candidate_count) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "a siting problem needs 1 or more demand points and candidates, not "
                         "%zu and %zu",
                         demand_count, candidate_count);
    }
    const size_t D = demand_count, C = candidate_count;
    out->demand_count = D;
    out->candidate_count = C;
    out->limit_s = 3600;
    out->persons = dorf_calloc(D, sizeof *out->persons);
    out->households = dorf_calloc(D, sizeof *out->households);
    out->lon_deg = dorf_calloc(D, sizeof *out->lon_deg);
    out->lat_deg = dorf_calloc(D, sizeof *out->lat_deg);
    out->base_s = dorf_malloc(D * sizeof *out->base_s);
    out->candidates = dorf_calloc(C, sizeof *out->candidates);
    out->usable = dorf_malloc(C);
    out->snap_m = dorf_calloc(C, sizeof *out->snap_m);
    out->time_s = dorf_malloc(D * C * sizeof *out->time_s);
    if (!out->persons || !out->households || !out->lon_deg || !out->lat_deg || !out->base_s ||
        !out->candidates || !out->usable || !out->snap_m || !out->time_s) {
        dorf_siting_problem_release(out);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory for a siting problem of %zu x %zu", D, C);
    }
    for (size_t i = 0; i < D; i++) {
        out->base_s[i] = INFINITY;
    }
    for (size_t i = 0; i < D * C; i++) {
        out->time_s[i] = INFINITY;
    }
    memset(out->usable, 1, C);
    return DORF_OK;
}

dorf_status siting_check_options(dorf_ctx *ctx, const dorf_siting_options *in,
                                 dorf_siting_options *opt) {
    *opt = *in;
    if (opt->limit_s == 0) {
        opt->limit_s = 3600;
    }
    if (opt->max_snap_m == 0) {
        opt->max_snap_m = 500;
    }
    if (opt->threshold_s == 0) {
        opt->threshold_s = 600;
    }
    if (opt->time_limit_s == 0) {
        opt->time_limit_s = 60;
    }
    if ((unsigned)opt->category >= DORF_CAT_COUNT) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown category %d for siting", (int)opt->category);
    }
    if (opt->model != DORF_SITING_P_MEDIAN && opt->model != DORF_SITING_MAX_COVER) {
        return dorf_fail(ctx, DORF_EINVAL, "unknown siting model %d", (int)opt->model);
    }
    if (opt->add == 0) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "the number of new places to site must be at least 1, not 0");
    }
    if (!(opt->limit_s > 0) || isinf(opt->limit_s) || !(opt->max_snap_m > 0) ||
        !(opt->time_limit_s > 0)) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "the search limit, snap distance and time limit must be > 0");
    }
    if (!(opt->threshold_s > 0) || opt->threshold_s > opt->limit_s) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "the threshold (%g min) must be > 0 and at most the search limit "
                         "(%g min)",
                         opt->threshold_s / 60, opt->limit_s / 60);
    }
    if (opt->use_hours) {
        const dorf_local_time *t = &opt->at;
        if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->minute < 0 ||
            t->minute > 1439) {
            return dorf_fail(ctx, DORF_EINVAL, "siting time %04d-%02d-%02d minute %d is not valid",
                             t->year, t->month, t->day, t->minute);
        }
    }
    return DORF_OK;
}

/* A building with households, snapped; sorted by road position to form demand points. */
struct site_building {
    dorf_snap snap;
    double persons;
    uint32_t households;
};

static int by_road_position(const void *a, const void *b) {
    const struct site_building *x = a, *y = b;
    if (x->snap.segment != y->snap.segment) {
        return x->snap.segment < y->snap.segment ? -1 : 1;
    }
    return (x->snap.fraction > y->snap.fraction) - (x->snap.fraction < y->snap.fraction);
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/*
 * Groups the buildings with households into demand points: allocates the problem's arrays
 * (through dorf_siting_problem_init) and *snaps, one per demand point.
 */
static dorf_status build_demand(dorf_ctx *ctx, const dorf_region *region, const dorf_graph *g,
                                const dorf_siting_options *opt, size_t candidate_count,
                                dorf_siting_problem *out, dorf_snap **snaps) {
    const size_t B = region->building_count;
    double *persons = dorf_calloc(B ? B : 1, sizeof *persons);
    uint32_t *households = dorf_calloc(B ? B : 1, sizeof *households);
    struct site_building *sb = dorf_malloc((B ? B : 1) * sizeof *sb);
    dorf_status st = DORF_OK;
    if (!persons || !households || !sb) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for the siting demand");
        goto done;
    }
    for (size_t h = 0; h < region->household_count; h++) {
        persons[region->households[h].building] += region->households[h].persons;
        households[region->households[h].building]++;
    }
    double unsnapped = 0;
    uint32_t unsnapped_households = 0;
    size_t n = 0;
    for (size_t b = 0; b < B && st == DORF_OK; b++) {
        if (households[b] == 0) {
            continue;
        }
        uint8_t ok = 0;
        st = coverage_snap_point(ctx, g, region->buildings[b].lon_deg, region->buildings[b].lat_deg,
                                 opt->max_snap_m, &sb[n].snap, &ok);
        if (ok) {
            sb[n].persons = persons[b];
            sb[n].households = households[b];
            n++;
        } else {
            unsnapped += persons[b];
            unsnapped_households += households[b];
        }
    }
    if (st != DORF_OK) {
        goto done;
    }
    if (n == 0) {
        st = dorf_fail(ctx, DORF_EEMPTY,
                       "no household lies within %g m of a road for %s: nothing to site for "
                       "(is the region imported with its buildings?)",
                       opt->max_snap_m, dorf_mode_name(dorf_graph_mode(g)));
        goto done;
    }
    qsort(sb, n, sizeof *sb, by_road_position);
    size_t D = 0;
    for (size_t i = 0; i < n; i++) {
        D += i == 0 || by_road_position(&sb[i - 1], &sb[i]) != 0;
    }
    if ((st = dorf_siting_problem_init(ctx, D, candidate_count, out)) != DORF_OK) {
        goto done;
    }
    *snaps = dorf_malloc(D * sizeof **snaps);
    if (!*snaps) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for the siting demand");
        goto done;
    }
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && by_road_position(&sb[i - 1], &sb[i]) != 0) {
            d++;
        }
        (*snaps)[d] = sb[i].snap;
        out->persons[d] += sb[i].persons;
        out->households[d] += sb[i].households;
        out->lon_deg[d] = sb[i].snap.lon_deg;
        out->lat_deg[d] = sb[i].snap.lat_deg;
    }
    out->buildings = n;
    out->unsnapped_persons = unsnapped;
    out->unsnapped_households = unsnapped_households;
done:
    dorf_free(persons);
    dorf_free(households);
    dorf_free(sb);
    return st;
}

/* Reads every demand point's time off a reverse search into times[i * stride]. */
static void read_times(const dorf_reach_result *reach, const dorf_snap *snaps, size_t D,
                       double *times, size_t stride) {
    for (size_t i = 0; i < D; i++) {
        double t;
        times[i * stride] =
            dorf_reach_time_at(reach, &snaps[i], &t) == DORF_OK ? t : (double)INFINITY;
    }
}

dorf_status dorf_siting_problem_build(dorf_ctx *ctx, const dorf_region *region,
                                      const dorf_graph *graph,
                                      const dorf_siting_candidate *candidates,
                                      size_t candidate_count, const dorf_siting_options *options,
                                      dorf_siting_problem *out) {
    memset(out, 0, sizeof *out);
    dorf_siting_options opt;
    dorf_status st = siting_check_options(ctx, options, &opt);
    if (st != DORF_OK) {
        return st;
    }
    if (!graph) {
        return dorf_fail(ctx, DORF_EINVAL, "no road graph given for siting");
    }
    if (candidate_count == 0) {
        return dorf_fail(ctx, DORF_EINVAL, "no candidate locations given for siting");
    }
    if (opt.add > candidate_count) {
        return dorf_fail(ctx, DORF_EINVAL,
                         "cannot site %zu new places among %zu candidates; give more candidates "
                         "or a smaller number",
                         opt.add, candidate_count);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const size_t C = candidate_count, P = region->place_count;
    dorf_snap *snaps = NULL, *sources = NULL;
    dorf_router *router = NULL;
    dorf_reach_result reach = {0};
    if ((st = build_demand(ctx, region, graph, &opt, C, out, &snaps)) != DORF_OK) {
        goto done;
    }
    const size_t D = out->demand_count;
    out->limit_s = opt.limit_s;
    memcpy(out->candidates, candidates, C * sizeof *candidates);
    for (size_t j = 0; j < C; j++) {
        out->candidates[j].id[DORF_SITING_ID_SIZE - 1] = '\0';
    }
    sources = dorf_malloc((P > C ? P : C) * sizeof *sources + 1);
    if (!sources) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory for siting");
        goto done;
    }
    if ((st = dorf_router_new(ctx, graph, &router)) != DORF_OK) {
        goto done;
    }

    /* The existing places: open ones of the category, snapped like households. */
    dorf_coverage_options hours = {
        .at = opt.at, .holiday_region = opt.holiday_region, .strict_hours = opt.strict_hours};
    size_t n = 0;
    for (size_t p = 0; p < P && st == DORF_OK; p++) {
        const dorf_place *place = &region->places[p];
        if (place->category != opt.category) {
            continue;
        }
        out->category_places++;
        int open = 1;
        if (opt.use_hours && (st = coverage_place_is_open(ctx, place, &hours, &open)) != DORF_OK) {
            break;
        }
        uint8_t ok = 0;
        if (open) {
            st = coverage_snap_point(ctx, graph, place->lon_deg, place->lat_deg, opt.max_snap_m,
                                     &sources[n], &ok);
        }
        n += ok;
    }
    if (st != DORF_OK) {
        goto done;
    }
    out->existing_places = n;
    const uint64_t total = 1 + C;
    if (n > 0) {
        if ((st = dorf_reach(router, sources, n, opt.limit_s, 1, &reach)) != DORF_OK) {
            goto done;
        }
        out->searches++;
        read_times(&reach, snaps, D, out->base_s, 1);
    }
    dorf_progress(ctx, "siting searches", 1, total);

    for (size_t j = 0; j < C && st == DORF_OK; j++) {
        const dorf_siting_candidate *c = &out->candidates[j];
        if (!(fabs(c->lat_deg) <= 90) || !(fabs(c->lon_deg) <= 180)) {
            st = dorf_fail(ctx, DORF_EINVAL,
                           "candidate '%s' lies at %g,%g: not a longitude,latitude", c->id,
                           c->lon_deg, c->lat_deg);
            break;
        }
        if ((st = coverage_snap_point(ctx, graph, c->lon_deg, c->lat_deg, opt.max_snap_m,
                                      &sources[0], &out->usable[j])) != DORF_OK) {
            break;
        }
        out->snap_m[j] = out->usable[j] ? sources[0].distance_m : NAN;
        if (out->usable[j]) {
            if ((st = dorf_reach(router, sources, 1, opt.limit_s, 1, &reach)) != DORF_OK) {
                break;
            }
            out->searches++;
            read_times(&reach, snaps, D, out->time_s + j, C);
        }
        dorf_progress(ctx, "siting searches", 2 + j, total);
        if (dorf_ctx_interrupted(ctx)) {
            st = dorf_fail(ctx, DORF_EINTR, "interrupted while computing the siting times");
        }
    }
    out->search_s = seconds_since(&t0);
done:
    dorf_reach_release(&reach);
    dorf_router_free(router);
    dorf_free(snaps);
    dorf_free(sources);
    if (st != DORF_OK) {
        dorf_siting_problem_release(out);
    }
    return st;
}

double dorf_siting_evaluate(const dorf_siting_problem *p, dorf_siting_model model,
                            double threshold_s, const uint8_t *open, dorf_siting_indicators *ind) {
    const size_t C = p->candidate_count;
    double persons = p->unsnapped_persons, reached = 0, time = 0, within = 0;
    double cost = p->unsnapped_persons * p->limit_s;
    for (size_t i = 0; i < p->demand_count; i++) {
        double t = p->base_s[i];
        for (size_t j = 0; open && j < C; j++) {
            if (open[j] && p->usable[j] && p->time_s[i * C + j] < t) {
                t = p->time_s[i * C + j];
            }
        }
        const double w = p->persons[i];
        persons += w;
        if (t <= p->limit_s) {
            reached += w;
            time += w * t;
            cost += w * t;
        } else {
            cost += w * p->limit_s;
        }
        within += t <= threshold_s ? w : 0;
    }
    double objective = model == DORF_SITING_MAX_COVER ? within : cost;
    if (ind) {
        ind->persons = persons;
        ind->reached_persons = reached;
        ind->mean_s = reached > 0 ? time / reached : NAN;
        ind->within_persons = within;
        ind->objective = objective;
    }
    return objective;
}

void dorf_siting_table_release(dorf_siting_table *t) {
    if (!t) {
        return;
    }
    dorf_free(t->values);
    dorf_free(t->coords);
    memset(t, 0, sizeof *t);
}

dorf_status dorf_siting_table_build(dorf_ctx *ctx, const dorf_siting_problem *p,
                                    const dorf_siting_solution *s, dorf_siting_table *out) {
    static const dorf_column columns[] = {
        {"id", DORF_COLUMN_TEXT},
        {"usable", DORF_COLUMN_INTEGER},
        {"chosen", DORF_COLUMN_INTEGER},
        {"served_persons", DORF_COLUMN_REAL},
        {"covered_persons", DORF_COLUMN_REAL},
    };
    enum { NCOL = sizeof columns / sizeof columns[0] };
    memset(out, 0, sizeof *out);
    const size_t C = p->candidate_count;
    out->values = dorf_calloc(C * NCOL + 1, sizeof *out->values);
    out->coords = dorf_calloc(2 * C + 1, sizeof *out->coords);
    if (!out->values || !out->coords) {
        dorf_siting_table_release(out);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the candidates table");
    }
    for (size_t j = 0; j < C; j++) {
        dorf_value *v = out->values + j * NCOL;
        v[0].s = p->candidates[j].id;
        v[1].i = p->usable[j];
        v[2].i = s->is_chosen[j];
        v[3].r = s->served_persons[j];
        v[4].r = s->covered_persons[j];
        out->coords[2 * j] = p->candidates[j].lon_deg;
        out->coords[2 * j + 1] = p->candidates[j].lat_deg;
    }
    out->table = (dorf_table){
        .name = "site_candidates",
        .columns = columns,
        .column_count = NCOL,
        .row_count = C,
        .values = out->values,
        .geometry = DORF_TABLE_POINT,
        .epsg = 4326,
        .coords = out->coords,
    };
    return DORF_OK;
}
