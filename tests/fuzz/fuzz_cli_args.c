/*
 * fuzz_cli_args.c: libFuzzer target for the command line, dorf's configuration: the option
 * value parsers the subcommands share (cli/args.c: modes, mode lists, coordinates, numbers,
 * minute lists, coverage thresholds) and those of `dorf serve` (cli/cmd_serve.c: --listen
 * HOST:PORT or [ADDR]:PORT, and the whole-number options such as --threads).
 *
 * Input: one byte choosing the parser, then the option's text (up to a NUL, as argv gives it).
 * cmd_serve.c is included here, not linked, because its parsers are static (private to the
 * command); the three functions of the CLI it calls besides them are stubbed below.
 *
 * Checks, beyond "no crash": what a parser accepts lies within the bounds its contract in
 * cli/cli.h names (finite, in range, counts within the cap, thresholds increasing), a mode
 * accepted is spelled as the mode's name, and a host of --listen fits its buffer, is not
 * empty and is a part of the text.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "cmd_serve.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rest of the CLI, as far as cmd_serve.c needs it (never called by this target). */
int cli_usage_error(const char *command, const char *fmt, ...) {
    (void)command;
    (void)fmt;
    return EXIT_USAGE;
}

int cli_report_failure(dorf_ctx *ctx, dorf_status status) {
    (void)ctx;
    (void)status;
    return EXIT_RUNTIME;
}

dorf_status cli_load_table_writer(dorf_ctx *ctx, dorf_tables_write_fn *out) {
    *out = NULL;
    return dorf_fail(ctx, DORF_ENOTFOUND, "not in the fuzz target");
}

static void check_minutes(const double *m, int n, int cap) {
    if (n < -1 || n == 0 || n > cap) {
        abort();
    }
    for (int i = 0; i < n; i++) {
        if (!(m[i] > 0 && m[i] <= 1440)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    char *text = malloc(size);
    if (!text) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0'; /* argv ends at the first NUL, as here */

    switch (data[0] % 8) {
    case 0: {
        dorf_mode m;
        if (cli_parse_mode(text, &m) == 0 &&
            ((int)m < 0 || (int)m >= DORF_MODE_COUNT || strcmp(dorf_mode_name(m), text) != 0)) {
            abort();
        }
        break;
    }
    case 1: {
        double lon, lat;
        if (cli_parse_lonlat(text, &lon, &lat) == 0 &&
            !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
            abort();
        }
        break;
    }
    case 2: {
        double v;
        if (cli_parse_number(text, -1e6, 1e6, &v) == 0 && !(v >= -1e6 && v <= 1e6)) {
            abort();
        }
        break;
    }
    case 3: {
        double m[8];
        int cap = 1 + data[0] / 8 % 8;
        check_minutes(m, cli_parse_minutes(text, m, cap), cap);
        break;
    }
    case 4: {
        double s[DORF_COVERAGE_MAX_THRESHOLDS];
        int n = cli_parse_thresholds(text, s, DORF_COVERAGE_MAX_THRESHOLDS);
        if (n < -1 || n == 0 || n > DORF_COVERAGE_MAX_THRESHOLDS) {
            abort();
        }
        for (int i = 0; i < n; i++) {
            if (!(s[i] >= 6 && s[i] <= 1440 * 60) || (i > 0 && !(s[i] > s[i - 1]))) {
                abort();
            }
        }
        break;
    }
    case 5: {
        unsigned modes = 0;
        if (cli_parse_modes(text, &modes) == 0 &&
            (modes == 0 || modes >= (1u << DORF_MODE_COUNT))) {
            abort();
        }
        break;
    }
    case 6: {
        char host[64];
        unsigned port = 0;
        if (parse_listen(text, host, sizeof host, &port) == 0 &&
            (port > 65535 || host[0] == '\0' || strlen(host) >= sizeof host ||
             !strstr(text, host))) {
            abort();
        }
        break;
    }
    default: {
        unsigned long n = 0;
        if (parse_count(text, 1, 1e6, &n) == 0 && !(n >= 1 && n <= 1000000)) {
            abort();
        }
        break;
    }
    }
    free(text);
    return 0;
}
