/*
 * main.c: the `dorf` executable: git-style subcommands, each with --help.
 *
 * Exit codes: 0 success, 1 runtime error (the message says what, where and what to do),
 * 2 usage error, 130 interrupted by the user (nothing was changed).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dorf/store.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

static const struct command {
    const char *name;
    int (*run)(dorf_ctx *ctx, int argc, char **argv);
    const char *summary;
} commands[] = {
    {"import", cmd_import, "build a region from an OpenStreetMap extract"},
    {"info", cmd_info, "show what a region holds"},
    {"route", cmd_route, "the fastest route between two points, as GeoJSON"},
    {"matrix", cmd_matrix, "travel times from each of many points to each of many, as CSV"},
    {"isochrone", cmd_isochrone, "the areas reached from a point within given times, as GeoJSON"},
    {"coverage", cmd_coverage, "who reaches which open service in how many minutes"},
    {"site", cmd_site, "where new places of a category should go (p-median, max-cover)"},
    {"scenario", cmd_scenario,
     "what changes if a shop closes or a road is shut: coverage before and after"},
    {"vrp", cmd_vrp, "plan pickup-and-delivery routes for a benchmark instance"},
    {"lieferbar", cmd_lieferbar, "plan a LieferBar day: parcels carried by volunteers, as GeoJSON"},
    {"account", cmd_account, "create a platform account (the first admin, moderators)"},
    {"erase", cmd_erase, "erase a person's data from the platform (right to erasure)"},
    {"export", cmd_export, "an anonymised export of the platform's activity for researchers"},
    {"migrate", cmd_migrate, "copy a whole database into another (a file into PostgreSQL)"},
    {"serve", cmd_serve, "run the village platform's HTTP server"},
};

static void print_help(FILE *out) {
    fprintf(out, "usage: dorf <command> [options]\n\n"
                 "dorf is a digital twin of a rural region: roads, buildings, households,\n"
                 "shops and services, and the village platform built on them.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\nRun `dorf <command> --help` for a command's options.\n"
                 "`dorf --version` prints the version.\n");
}

int cli_report_failure(dorf_ctx *ctx, dorf_status status) {
    cli_progress_done();
    const char *msg = dorf_ctx_errmsg(ctx);
    fprintf(stderr, "dorf: %s\n", msg && *msg ? msg : dorf_strerror(status));
    return status == DORF_EINTR ? EXIT_INTERRUPTED : EXIT_RUNTIME;
}

int cli_usage_error(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dorf %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun `dorf %s --help` for usage.\n", command);
    va_end(ap);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dorf %s (region schema %d)\n", DORF_VERSION, dorf_store_schema_version());
        return EXIT_OK;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            cmd = &commands[i];
        }
    }
    if (!cmd) {
        fprintf(stderr, "dorf: unknown command '%s'\n\n", argv[1]);
        print_help(stderr);
        return EXIT_USAGE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    dorf_ctx *ctx = dorf_ctx_new();
    if (!ctx) {
        fprintf(stderr, "dorf: out of memory\n");
        return EXIT_RUNTIME;
    }
    dorf_ctx_set_interrupt_flag(ctx, &interrupted);
    int rc = cmd->run(ctx, argc - 1, argv + 1);
    dorf_ctx_free(ctx);
    return rc;
}
