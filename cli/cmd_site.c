/*
 * cmd_site.c: `dorf site`: where k new places of a category should go (dorf/siting.h), by the
 * p-median or the maximal covering model solved with GLPK, among candidates from a CSV file or
 * generated from the region; prints the chosen sites, the indicators before and after and
 * the gap GLPK proved, and writes the candidates for GIS users.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dorf/alloc.h"
#include "dorf/coverage.h"
#include "dorf/siting.h"
#include "dorf/store.h"
#include "points_csv.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf site --db FILE --category CAT --add K --model p-median|max-cover\n"
            "                 [options]\n\n"
            "Chooses K new sites for places of a category among candidate locations, with the\n"
            "existing places of the category staying open, solved exactly with GLPK:\n"
            "  p-median   least person-weighted travel time to the nearest place\n"
            "  max-cover  most persons within the threshold of a place\n\n"
            "options:\n"
            "  --db FILE            the region database (made by `dorf import`)\n"
            "  --category CAT       e.g. grocery, post, doctor (`dorf info` lists them)\n"
            "  --add K              how many new places (1 or more)\n"
            "  --model MODEL        p-median or max-cover\n"
            "  --mode MODE          walk, bike or car (default walk)\n"
            "  --threshold MIN      max-cover: covered within MIN minutes; also the share\n"
            "                       printed for p-median (default 10)\n"
            "  --limit MIN          longest search; farther counts as not reached, and as MIN\n"
            "                       minutes in the p-median objective (default 60)\n"
            "  --at WHEN            only places open then exist: \"Tue 10:00\" or\n"
            "                       \"2026-12-01 10:00\" (default: every place of the category)\n"
            "  --holidays CODE      public holidays for --at, e.g. DE-BY\n"
            "  --strict-hours       with --at: places without understood hours count as shut\n"
            "  --candidates FILE    candidates as CSV: id,lon,lat (WGS84 degrees)\n"
            "  --generate N         generate at most N candidates from buildings with households\n"
            "                       within 50 m of a road (default, with N = 50)\n"
            "  --time-limit S       GLPK's time in seconds (default 60); when it runs out the\n"
            "                       best choice found is printed with the gap GLPK proved\n"
            "  --out FILE           write the candidates with chosen and served_persons\n"
            "                       (.gpkg, .csv, .geojson or .fgb)\n"
            "  --quiet              print nothing but errors\n"
            "  --help               show this help\n\n"
            "Times are measured as `dorf coverage` measures them (docs/scenarios.md, Siting).\n");
}

/* A whole number in [min, max]; -1 otherwise. */
static int parse_count(const char *text, double min, double max, size_t *out) {
    double v;
    if (cli_parse_number(text, min, max, &v) != 0 || v != floor(v)) {
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* Reads the candidates of a CSV file (points_csv.h) into *out (free with dorf_free). */
static dorf_status read_candidates(dorf_ctx *ctx, const char *path, dorf_siting_candidate **out,
                                   size_t *count) {
    *out = NULL;
    *count = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    }
    struct cli_points pts = {0};
    dorf_status st = cli_points_read(ctx, f, path, &pts);
    fclose(f);
    if (st == DORF_OK) {
        *out = dorf_calloc(pts.count, sizeof **out);
        if (!*out) {
            st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading %s", path);
        }
    }
    for (size_t i = 0; i < pts.count && st == DORF_OK; i++) {
        const struct cli_point *pt = &pts.items[i];
        if (strlen(pt->id) >= DORF_SITING_ID_SIZE) {
            st = dorf_fail(ctx, DORF_EPARSE, "%s:%ld: the id '%.20s...' is longer than %d bytes",
                           path, pt->line, pt->id, DORF_SITING_ID_SIZE - 1);
            break;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp((*out)[j].id, pt->id) == 0) {
                st = dorf_fail(ctx, DORF_EPARSE,
                               "%s:%ld: the id '%s' is used twice; give each candidate its own",
                               path, pt->line, pt->id);
                break;
            }
        }
        snprintf((*out)[i].id, sizeof(*out)[i].id, "%s", pt->id);
        (*out)[i].lon_deg = pt->lon_deg;
        (*out)[i].lat_deg = pt->lat_deg;
    }
    if (st == DORF_OK) {
        *count = pts.count;
    } else {
        dorf_free(*out);
        *out = NULL;
    }
    cli_points_release(&pts);
    return st;
}

static void print_share(double part, double whole) {
    if (whole > 0) {
        printf(" %9.1f%%", 100.0 * part / whole);
    } else {
        printf(" %10s", "-");
    }
}

/* The objective in the units people read: person-minutes or persons. */
static double objective_shown(dorf_siting_model model, double v) {
    return model == DORF_SITING_P_MEDIAN ? v / 60 : v;
}

static void print_result(const dorf_siting_options *opt, const dorf_siting_problem *p,
                         const dorf_siting_solution *s, dorf_mode mode, double load_s) {
    printf("siting %zu new %s place%s by %s (%s)", opt->add, dorf_category_name(opt->category),
           opt->add == 1 ? "" : "s", dorf_mode_name(mode), dorf_siting_model_name(opt->model));
    if (opt->use_hours) {
        printf(", existing: open on %04d-%02d-%02d at %02d:%02d\n", opt->at.year, opt->at.month,
               opt->at.day, opt->at.minute / 60, opt->at.minute % 60);
    } else {
        printf(", existing: every place of the category\n");
    }
    uint32_t households = p->unsnapped_households;
    for (size_t i = 0; i < p->demand_count; i++) {
        households += p->households[i];
    }
    size_t usable = 0;
    for (size_t j = 0; j < p->candidate_count; j++) {
        usable += p->usable[j];
    }
    printf("demand: %u households (%.0f persons) at %zu demand points (%zu buildings); %u "
           "households farther than 500 m from a road\n",
           households, s->before.persons, p->demand_count, p->buildings, p->unsnapped_households);
    printf("existing places: %zu of the %zu in the region\n", p->existing_places,
           p->category_places);
    printf("candidates: %zu (%zu within 500 m of a road); %llu searches in %.3f s (region and "
           "graph loaded in %.3f s)\n",
           p->candidate_count, usable, (unsigned long long)p->searches, p->search_s, load_s);
    printf("model: %zu demand points, %zu columns, %zu rows (%zu cuts), %zu nonzeros; GLPK "
           "%.3f s: %s\n",
           s->model_demand, s->columns, s->rows, s->cuts, s->nonzeros, s->solve_s,
           s->optimal ? "optimal" : "time limit reached");
    const char *unit = opt->model == DORF_SITING_P_MEDIAN ? "person-minutes" : "persons covered";
    printf("objective (%s): before %.1f, after %.1f, bound ", unit,
           objective_shown(opt->model, s->before.objective),
           objective_shown(opt->model, s->objective));
    if (isnan(s->bound)) {
        printf("none proven in time\n\n");
    } else {
        printf("%.1f, gap %.4f%%\n\n", objective_shown(opt->model, s->bound), 100 * s->gap);
    }
    printf("chosen sites:\n%-20s %11s %11s %15s %16s\n", "id", "lon", "lat", "served persons",
           "within persons");
    for (size_t k = 0; k < s->add; k++) {
        const dorf_siting_candidate *c = &p->candidates[s->chosen[k]];
        printf("%-20s %11.6f %11.6f %15.1f %16.1f\n", c->id, c->lon_deg, c->lat_deg,
               s->served_persons[s->chosen[k]], s->covered_persons[s->chosen[k]]);
    }
    printf("\n%-22s %10s %10s\n", "", "before", "after");
    printf("%-22s", "mean minutes");
    const dorf_siting_indicators *ind[2] = {&s->before, &s->after};
    for (int b = 0; b < 2; b++) {
        if (isnan(ind[b]->mean_s)) {
            printf(" %10s", "-");
        } else {
            printf(" %10.2f", ind[b]->mean_s / 60);
        }
    }
    char label[48];
    snprintf(label, sizeof label, "within %g min", opt->threshold_s / 60);
    printf("\n%-22s", label);
    for (int b = 0; b < 2; b++) {
        print_share(ind[b]->within_persons, ind[b]->persons);
    }
    printf("\n%-22s", "not reached");
    for (int b = 0; b < 2; b++) {
        print_share(ind[b]->persons - ind[b]->reached_persons, ind[b]->persons);
    }
    printf("\n");
}

static dorf_status write_candidates(dorf_ctx *ctx, const char *path, const dorf_siting_problem *p,
                                    const dorf_siting_solution *s) {
    dorf_siting_table table;
    dorf_status st = dorf_siting_table_build(ctx, p, s, &table);
    dorf_tables_write_fn write = NULL;
    if (st == DORF_OK) {
        st = cli_load_table_writer(ctx, &write);
    }
    if (st == DORF_OK) {
        st = write(ctx, path, NULL, &table.table, 1);
    }
    dorf_siting_table_release(&table);
    return st;
}

int cmd_site(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"category", required_argument, NULL, 'c'},
        {"add", required_argument, NULL, 'k'},
        {"model", required_argument, NULL, 'M'},
        {"mode", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {"at", required_argument, NULL, 'a'},
        {"holidays", required_argument, NULL, 'H'},
        {"strict-hours", no_argument, NULL, 's'},
        {"candidates", required_argument, NULL, 'C'},
        {"generate", required_argument, NULL, 'g'},
        {"time-limit", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *at = NULL, *candidates_path = NULL, *out = NULL;
    int quiet = 0, have_category = 0, have_model = 0;
    size_t generate = 0;
    dorf_mode mode = DORF_MODE_WALK;
    dorf_siting_options opt;
    memset(&opt, 0, sizeof opt);
    opt.threshold_s = 600;
    opt.limit_s = 3600;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        double v;
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'c':
            if (dorf_category_from_name(optarg, &opt.category) != DORF_OK) {
                return cli_usage_error("site",
                                       "--category: unknown category '%s' (`dorf info` lists "
                                       "the region's categories)",
                                       optarg);
            }
            have_category = 1;
            break;
        case 'k':
            if (parse_count(optarg, 1, 1e6, &opt.add) != 0) {
                return cli_usage_error("site",
                                       "--add takes a whole number of new places, at least 1, "
                                       "not '%s'",
                                       optarg);
            }
            break;
        case 'M':
            if (dorf_siting_model_from_name(optarg, &opt.model) != DORF_OK) {
                return cli_usage_error("site", "--model takes p-median or max-cover, not '%s'",
                                       optarg);
            }
            have_model = 1;
            break;
        case 'm':
            if (cli_parse_mode(optarg, &mode) != 0) {
                return cli_usage_error("site", "--mode takes walk, bike or car, not '%s'", optarg);
            }
            break;
        case 't':
            if (cli_parse_number(optarg, 0.1, 1440, &v) != 0) {
                return cli_usage_error("site", "--threshold takes 0.1 to 1440 minutes");
            }
            opt.threshold_s = v * 60;
            break;
        case 'l':
            if (cli_parse_number(optarg, 1, 1440, &v) != 0) {
                return cli_usage_error("site", "--limit takes 1 to 1440 minutes");
            }
            opt.limit_s = v * 60;
            break;
        case 'a':
            at = optarg;
            break;
        case 'H':
            opt.holiday_region = optarg;
            break;
        case 's':
            opt.strict_hours = 1;
            break;
        case 'C':
            candidates_path = optarg;
            break;
        case 'g':
            if (parse_count(optarg, 1, 100000, &generate) != 0) {
                return cli_usage_error("site", "--generate takes 1 to 100000 candidates");
            }
            break;
        case 'T':
            if (cli_parse_number(optarg, 0.1, 86400, &opt.time_limit_s) != 0) {
                return cli_usage_error("site", "--time-limit takes 0.1 to 86400 seconds");
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("site", "unknown option");
        }
    }
    if (!db || !have_category || opt.add == 0 || !have_model) {
        return cli_usage_error("site", "--db FILE, --category CAT, --add K and --model MODEL "
                                       "are required");
    }
    if (optind < argc) {
        return cli_usage_error("site", "unexpected argument '%s'", argv[optind]);
    }
    if (candidates_path && generate) {
        return cli_usage_error("site", "give either --candidates FILE or --generate N, not both");
    }
    if (!candidates_path && !generate) {
        generate = 50;
    }
    if (generate && opt.add > generate) {
        return cli_usage_error("site", "--add %zu exceeds the %zu candidates to --generate",
                               opt.add, generate);
    }
    if (opt.threshold_s > opt.limit_s) {
        return cli_usage_error("site", "--threshold (%g min) exceeds --limit (%g min)",
                               opt.threshold_s / 60, opt.limit_s / 60);
    }
    if (at) {
        if (dorf_coverage_parse_time(ctx, at, cli_today(), &opt.at) != DORF_OK) {
            return cli_usage_error("site", "--at: %s", dorf_ctx_errmsg(ctx));
        }
        opt.use_hours = 1;
    } else if (opt.strict_hours || opt.holiday_region) {
        return cli_usage_error("site", "--strict-hours and --holidays need --at WHEN");
    }

    dorf_siting_candidate *cands = NULL;
    size_t cand_count = 0;
    dorf_store *store = NULL;
    dorf_region *region = NULL;
    dorf_graph *graph = NULL;
    dorf_siting_problem problem;
    memset(&problem, 0, sizeof problem);
    dorf_siting_solution solution;
    memset(&solution, 0, sizeof solution);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dorf_status st = DORF_OK;
    if (candidates_path) {
        st = read_candidates(ctx, candidates_path, &cands, &cand_count);
    }
    if (!quiet) {
        cli_progress_attach(ctx);
    }
    if (st == DORF_OK) {
        st = dorf_store_open(ctx, db, 0, &store);
    }
    if (st == DORF_OK) {
        st = dorf_store_load_region(store, &region);
    }
    if (st == DORF_OK) {
        st = dorf_graph_open(ctx, store, db, mode, &graph);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == DORF_OK && generate) {
        st = dorf_siting_generate_candidates(ctx, region, graph, generate, 0, &cands, &cand_count);
    }
    if (st == DORF_OK) {
        st = dorf_siting_problem_build(ctx, region, graph, cands, cand_count, &opt, &problem);
    }
    if (st == DORF_OK) {
        st = dorf_siting_solve(ctx, &problem, &opt, &solution);
    }
    cli_progress_done();
    if (st == DORF_OK && out) {
        st = write_candidates(ctx, out, &problem, &solution);
    }
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else if (!quiet) {
        print_result(&opt, &problem, &solution, mode,
                     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
        if (out) {
            printf("\nwritten: %s (%zu candidates)\n", out, problem.candidate_count);
        }
    }
    dorf_siting_solution_release(&solution);
    dorf_siting_problem_release(&problem);
    dorf_free(cands);
    dorf_graph_free(graph);
    dorf_region_free(region);
    dorf_store_close(store);
    return rc;
}
