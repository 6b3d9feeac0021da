/*
 * cli.h: what the subcommands of the `dorf` executable share: their entry points, the exit
 * codes, error printing and the terminal progress display.
 */
#ifndef DORF_CLI_H
#define DORF_CLI_H

#include "dorf/context.h"
#include "dorf/coverage.h"
#include "dorf/importers.h"
#include "dorf/region.h"
#include "dorf/tables.h"

/* Exit codes of every subcommand. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

/* Subcommands: argv[0] is the subcommand's name. They return an exit code. */
int cmd_import(dorf_ctx *ctx, int argc, char **argv);
int cmd_info(dorf_ctx *ctx, int argc, char **argv);
int cmd_route(dorf_ctx *ctx, int argc, char **argv);
int cmd_matrix(dorf_ctx *ctx, int argc, char **argv);
int cmd_isochrone(dorf_ctx *ctx, int argc, char **argv);
int cmd_coverage(dorf_ctx *ctx, int argc, char **argv);
int cmd_site(dorf_ctx *ctx, int argc, char **argv);
int cmd_scenario(dorf_ctx *ctx, int argc, char **argv);
int cmd_vrp(dorf_ctx *ctx, int argc, char **argv);
int cmd_lieferbar(dorf_ctx *ctx, int argc, char **argv);
int cmd_account(dorf_ctx *ctx, int argc, char **argv);
int cmd_erase(dorf_ctx *ctx, int argc, char **argv);
int cmd_export(dorf_ctx *ctx, int argc, char **argv);
int cmd_serve(dorf_ctx *ctx, int argc, char **argv);
int cmd_migrate(dorf_ctx *ctx, int argc, char **argv);

/* Load the GDAL module beside the executable (gdal_module.c) and hand out an entry point. */
dorf_status cli_load_importer(dorf_ctx *ctx, dorf_import_osm_fn *out);
dorf_status cli_load_table_writer(dorf_ctx *ctx, dorf_tables_write_fn *out);

/* Coverage summaries (n of them, at most 8) as tables through the GDAL module (gdal_module.c). */
dorf_status cli_write_coverage_tables(dorf_ctx *ctx, const char *path, const dorf_coverage *cov,
                                      const dorf_coverage_summary *sums, size_t n);

/* "walk", "bike", "car" to a mode; -1 when it is none of them. */
int cli_parse_mode(const char *text, dorf_mode *out);

/*
 * "5,10,15": comma-separated minutes, each above 0 and at most 1440 (a blank may follow a
 * comma, not precede it); the count, or -1 when malformed, an item is empty, or there are more
 * than `cap`.
 */
int cli_parse_minutes(const char *text, double *minutes, int cap);

/*
 * Thresholds for coverage and scenarios: cli_parse_minutes, each at least 0.1 minutes and
 * larger than the one before, into seconds; the count, or -1 (at most `cap`, and at most 16).
 */
int cli_parse_thresholds(const char *text, double *seconds, size_t cap);

/* The usage error of a bad --thresholds (a printf format taking the text given). */
#define THRESHOLDS_USAGE                                                                           \
    "--thresholds takes 1 to 8 comma-separated minutes from 0.1 to 1440, each larger than the "    \
    "one before (e.g. 5,10,15,30), not '%s'"

/*
 * "walk,car": one to three comma-separated modes into DORF_ACCESS_* bits (a mode named twice
 * counts once); -1 when an item is empty or not a mode.
 */
int cli_parse_modes(const char *text, unsigned *modes);

/* "LON,LAT" in degrees; -1 when malformed or out of range. */
int cli_parse_lonlat(const char *text, double *lon, double *lat);

/* A decimal number in [min, max] (NaN never is); -1 when malformed or out of range. */
int cli_parse_number(const char *text, double min, double max, double *out);

/* Prints `text` cut or padded to `width` columns (UTF-8: one column per character). */
void cli_print_padded(const char *text, int width);

/* Today in the machine's local time (minute 0), what "Tue 10:00" and the like count from. */
dorf_local_time cli_today(void);

/* Prints "dorf: <message>" for the context's last failure to stderr; returns the exit code. */
int cli_report_failure(dorf_ctx *ctx, dorf_status status);

/* Prints a usage error and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Shows progress of long work on stderr when it is a terminal (a line redrawn at most ten
 * times a second), and nothing otherwise. cli_progress_done() ends the line.
 */
void cli_progress_attach(dorf_ctx *ctx);
void cli_progress_done(void);

#endif
