/*
 * cmd_vrp.c: `dorf vrp solve FILE`: plans routes for a benchmark instance (Li & Lim PDPTW or
 * Solomon VRPTW, read by dorf_vrp_read) with the LieferBar optimiser (dorf/vrp.h), and prints
 * the plan in a form that can be compared with published best-known solutions:
 *
 *   instance lc101 (Li & Lim, 106 tasks, 53 requests, 25 vehicles of capacity 200)
 *   vehicles 10
 *   distance 828.9369
 *   unserved 0
 *   Route 1 : 5 3 7 ...
 *
 * The first four lines always come in this order; "distance" is the total travel time,
 * which equals the Euclidean distance for these instances; "unserved N" lists, when N > 0,
 * the task ids of the requests left out after a colon ("unserved 1 : 3 75"). The routes
 * follow in SINTEF's form. What the search did goes to stderr unless --quiet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dorf/vrp.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf vrp solve [--time S] [--seed N] [--iterations N]\n"
            "                      [--no-set-partitioning] [--exact] [--quiet] FILE\n\n"
            "Plans routes for a benchmark instance: pickups and deliveries with time\n"
            "windows (Li & Lim's format) or customers with time windows (Solomon's format,\n"
            "as Gehring & Homberger's sets). Prints the instance, the vehicles used, the\n"
            "total distance, the requests left unserved and one line per route in SINTEF's\n"
            "form (\"Route 1 : 5 3 7\"); what the search did goes to stderr. Ctrl-C stops\n"
            "the search and prints the best plan found so far (exit code 130).\n\n"
            "options:\n"
            "  --time S                 search time in seconds (default 1); with --exact, a\n"
            "                           limit for the solver (default none)\n"
            "  --seed N                 seed of the search's random choices (default 0)\n"
            "  --iterations N           stop after N moves (default: no limit); with --seed,\n"
            "                           runs are reproducible\n"
            "  --no-set-partitioning    skip the final recombination of routes with GLPK\n"
            "  --exact                  prove the optimum (small instances only, at most %d\n"
            "                           requests)\n"
            "  --quiet                  print nothing on stderr unless something fails\n"
            "  --help                   show this help\n",
            DORF_VRP_EXACT_MAX_REQUESTS);
}

/* A whole number in [0, 2^64); -1 when malformed. */
static int parse_count(const char *text, uint64_t *out) {
    char *end = NULL;
    if (*text < '0' || *text > '9') {
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno != 0) {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The plan on stdout; nonzero on a write error (the context then holds a message). */
static int print_plan(dorf_ctx *ctx, const dorf_vrp_instance *inst, int32_t capacity,
                      const dorf_vrp_solution *sol) {
    const dorf_vrp_problem *p = &inst->problem;
    printf("instance %s (%s, %zu tasks, %zu requests, %zu vehicles of capacity %d)\n", inst->name,
           inst->format == DORF_VRP_LI_LIM ? "Li & Lim" : "Solomon", p->task_count,
           p->request_count, p->vehicle_count, (int)capacity);
    printf("vehicles %zu\n", sol->vehicles_used);
    printf("distance %.4f\n", sol->travel);
    printf("unserved %zu", sol->unserved_count);
    for (size_t i = 0; i < sol->unserved_count; i++) {
        const dorf_vrp_request *req = &p->requests[sol->unserved[i]];
        printf("%s %u", i == 0 ? " :" : "", p->tasks[req->pickup].id);
        if (req->delivery != DORF_VRP_NONE) {
            printf(" %u", p->tasks[req->delivery].id);
        }
    }
    printf("\n");
    if (ferror(stdout)) {
        dorf_fail(ctx, DORF_EIO, "cannot write the plan to standard output");
        return 1;
    }
    return dorf_vrp_write_sintef(ctx, stdout, p, sol) != DORF_OK;
}

static void print_stats(const dorf_vrp_stats *s, int set_partitioning) {
    fprintf(stderr, "search: %llu iterations in %.2f s, best plan found after %.2f s%s\n",
            (unsigned long long)s->iterations, s->seconds, s->best_found_s,
            s->interrupted ? " (interrupted)" : "");
    if (set_partitioning) {
        fprintf(stderr,
                "set partitioning: %zu routes in the pool, %u runs, %u improved the search's "
                "plan; before the last: %zu vehicles, cost %.4f\n",
                s->pool_routes, s->set_partitioning_runs, s->set_partitioning_improvements,
                s->vehicles_before_set_partitioning, s->cost_before_set_partitioning);
    } else {
        fprintf(stderr, "set partitioning: skipped (%zu routes in the pool)\n", s->pool_routes);
    }
}

static int solve(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"time", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"iterations", required_argument, NULL, 'i'},
        {"no-set-partitioning", no_argument, NULL, 'n'},
        {"exact", no_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dorf_vrp_stats stats;
    memset(&stats, 0, sizeof stats);
    dorf_vrp_options opts = {0};
    opts.stats = &stats;
    int exact = 0;
    int quiet = 0;
    int search_options = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 't':
            if (cli_parse_number(optarg, 1e-3, 1e7, &opts.time_limit_s) != 0) {
                return cli_usage_error(
                    "vrp solve", "--time takes seconds from 0.001 to 10000000, not '%s'", optarg);
            }
            break;
        case 's':
            if (parse_count(optarg, &opts.seed) != 0) {
                return cli_usage_error("vrp solve", "--seed takes a whole number >= 0, not '%s'",
                                       optarg);
            }
            search_options = 1;
            break;
        case 'i':
            if (parse_count(optarg, &opts.max_iterations) != 0 || opts.max_iterations == 0) {
                return cli_usage_error("vrp solve",
                                       "--iterations takes a whole number >= 1, not '%s'", optarg);
            }
            search_options = 1;
            break;
        case 'n':
            opts.no_set_partitioning = 1;
            search_options = 1;
            break;
        case 'e':
            exact = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("vrp solve", "unknown option");
        }
    }
    if (exact && search_options) {
        return cli_usage_error("vrp solve",
                               "--exact takes no --seed, --iterations or --no-set-partitioning");
    }
    if (optind != argc - 1) {
        return cli_usage_error("vrp solve", "expected exactly one instance FILE, got %d",
                               argc - optind);
    }
    const char *path = argv[optind];

    dorf_vrp_instance *inst = NULL;
    dorf_status st = dorf_vrp_read(ctx, path, &inst);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dorf_vrp_solution sol;
    memset(&sol, 0, sizeof sol);
    cli_progress_attach(ctx);
    if (exact) {
        st = dorf_vrp_solve_exact(ctx, &inst->problem, opts.time_limit_s, &sol);
    } else {
        st = dorf_vrp_solve(ctx, &inst->problem, &opts, &sol);
    }
    cli_progress_done();
    int rc = EXIT_OK;
    if (st != DORF_OK) {
        rc = cli_report_failure(ctx, st);
    } else {
        int32_t capacity = inst->problem.vehicle_count ? inst->problem.vehicles[0].capacity : 0;
        if (print_plan(ctx, inst, capacity, &sol) != 0) {
            rc = cli_report_failure(ctx, DORF_EIO);
        } else {
            if (!quiet && exact) {
                fprintf(stderr, "exact: optimal plan proven in %.2f s\n", seconds_since(&t0));
            } else if (!quiet) {
                print_stats(&stats, !opts.no_set_partitioning);
            }
            if (stats.interrupted || dorf_ctx_interrupted(ctx)) {
                fprintf(stderr, "dorf: interrupted; the plan above is the best found so far\n");
                rc = EXIT_INTERRUPTED;
            }
        }
    }
    dorf_vrp_solution_release(&sol);
    dorf_vrp_instance_free(inst);
    return rc;
}

int cmd_vrp(dorf_ctx *ctx, int argc, char **argv) {
    if (argc < 2) {
        return cli_usage_error("vrp", "expected an action: solve");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "solve") != 0) {
        return cli_usage_error("vrp", "unknown action '%s'; expected solve", argv[1]);
    }
    return solve(ctx, argc - 1, argv + 1);
}
