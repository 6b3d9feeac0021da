/*
 * cmd_serve.c: `dorf serve`: runs the platform's HTTP server until SIGTERM or SIGINT.
 *
 * The signals are blocked before the server starts its threads, which inherit the mask, so
 * only this thread receives them, through sigwait(); then the server stops gracefully
 * (dorf_server_stop: requests in flight and accepted jobs finish) and the command exits 0.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dorf/api.h"
#include "dorf/store.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf serve --db FILE [--listen HOST:PORT] [options]\n\n"
            "Serves the village platform's HTTP API for the region in FILE until it receives\n"
            "SIGTERM or SIGINT (Ctrl-C), then finishes the requests and jobs in flight and\n"
            "exits. Prints \"listening on http://HOST:PORT\" to stderr once it accepts\n"
            "connections. docs/api.md describes the protocol.\n\n"
            "options:\n"
            "  --db FILE                   the region database (made by `dorf import`)\n"
            "  --read-db URI               a streaming replica of a PostgreSQL --db: GETs open\n"
            "                              to anyone read from it, falling back to --db while\n"
            "                              it does not answer (docs/scaling.md)\n"
            "  --listen HOST:PORT          address to listen on (default 127.0.0.1:8080);\n"
            "                              port 0 picks a free port; [ADDR]:PORT for IPv6\n"
            "  --threads N                 request threads (default 4)\n"
            "  --access-log FILE|-         append one JSON line per request to FILE, or\n"
            "                              write them to stdout with - (default: none)\n"
            "  --max-connections N         open connections in all (default 4096, or what\n"
            "                              the limit on open files allows)\n"
            "  --max-connections-per-ip N  open connections from one address (default 32)\n"
            "  --max-body BYTES            largest request body (default 1048576)\n"
            "  --max-json-depth N          deepest nesting in a JSON body (default 32)\n"
            "  --timeout SECONDS           idle connections are closed after this (default 30)\n"
            "  --login-limit N             logins per minute from one address (default 10)\n"
            "  --write-limit N             changes per minute from one address (default 600;\n"
            "                              0: no limit)\n"
            "  --exports DIR               where research exports go (default: the database's\n"
            "                              name with .exports; for PostgreSQL a folder in\n"
            "                              the cache folder; docs/export.md, docs/cli.md)\n"
            "  --web DIR                   serve the map portal from DIR (default: the\n"
            "                              environment variable DORF_WEB_DIR, else the\n"
            "                              source tree's web/ folder; docs/portal.md)\n"
            "  --openapi                   print the OpenAPI 3 document of the API and exit\n"
            "  --help                      show this help\n");
}

/* "HOST:PORT" or "[ADDR]:PORT" into host (of host_size bytes) and port. -1 when malformed. */
static int parse_listen(const char *text, char *host, size_t host_size, unsigned *port) {
    const char *colon;
    size_t host_len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':') {
            return -1;
        }
        host_len = (size_t)(close - text - 1);
        text++;
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon) {
            return -1;
        }
        host_len = (size_t)(colon - text);
    }
    if (host_len == 0 || host_len >= host_size) {
        return -1;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    double p;
    if (cli_parse_number(colon + 1, 0, 65535, &p) != 0 || p != (double)(unsigned)p) {
        return -1;
    }
    *port = (unsigned)p;
    return 0;
}

/* A whole number in [min, max]; -1 otherwise. */
static int parse_count(const char *text, double min, double max, unsigned long *out) {
    double v;
    if (cli_parse_number(text, min, max, &v) != 0 || v != (double)(unsigned long)v) {
        return -1;
    }
    *out = (unsigned long)v;
    return 0;
}

/* Refuses a database that does not exist or holds no region yet, with the reason. */
static dorf_status check_region(dorf_ctx *ctx, const char *db) {
    dorf_store *store = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    if (st != DORF_OK) {
        return st;
    }
    dorf_region_stamp stamp;
    st = dorf_store_stamp(store, &stamp);
    dorf_store_close(store);
    if (st == DORF_ENOTFOUND) {
        char label[4096]; /* a PostgreSQL location without its password */
        dorf_store_redact_location(db, label, sizeof label);
        return dorf_fail(ctx, DORF_ENOTFOUND,
                         "%s holds no region yet; import one with `dorf import --db %s EXTRACT`",
                         label, label);
    }
    return st;
}

int cmd_serve(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"read-db", required_argument, NULL, 'r'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"access-log", required_argument, NULL, 'a'},
        {"max-connections", required_argument, NULL, 'c'},
        {"max-connections-per-ip", required_argument, NULL, 'p'},
        {"max-body", required_argument, NULL, 'b'},
        {"max-json-depth", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 'o'},
        {"exports", required_argument, NULL, 'x'},
        {"login-limit", required_argument, NULL, 'L'},
        {"write-limit", required_argument, NULL, 'W'},
        {"web", required_argument, NULL, 'w'},
        {"openapi", no_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dorf_server_options opt;
    dorf_server_options_init(&opt);
    /* 0: the server's default, which it may lower to fit the limit on open files; a number
     * given with --max-connections is kept or refused, never lowered. */
    opt.max_connections = 0;
    char host[256] = "127.0.0.1";
    opt.port = 8080;
    const char *log_path = NULL;
    unsigned long n;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            opt.db = optarg;
            break;
        case 'r':
            opt.read_db = optarg;
            break;
        case 'l':
            if (parse_listen(optarg, host, sizeof host, &opt.port) != 0) {
                return cli_usage_error("serve", "--listen takes HOST:PORT, not '%s'", optarg);
            }
            break;
        case 't':
            if (parse_count(optarg, 1, 1024, &n) != 0) {
                return cli_usage_error("serve", "--threads takes a number from 1 to 1024");
            }
            opt.threads = (unsigned)n;
            break;
        case 'a':
            log_path = optarg;
            break;
        case 'w':
            opt.web_dir = optarg;
            break;
        case 'L':
            if (parse_count(optarg, 1, 1000000, &n) != 0) {
                return cli_usage_error("serve", "--login-limit takes a number from 1 to 1000000");
            }
            opt.login_limit = (unsigned)n;
            break;
        case 'W':
            if (parse_count(optarg, 0, 1000000000, &n) != 0) {
                return cli_usage_error("serve", "--write-limit takes a number from 0 (none) up");
            }
            opt.write_limit = n == 0 ? UINT_MAX : (unsigned)n;
            break;
        case 'O': {
            char *doc = dorf_api_openapi();
            int rc = doc && fputs(doc, stdout) != EOF && fputc('\n', stdout) != EOF ? EXIT_OK
                                                                                    : EXIT_RUNTIME;
            free(doc);
            return rc;
        }
        case 'c':
            if (parse_count(optarg, 1, 1000000, &n) != 0) {
                return cli_usage_error("serve", "--max-connections takes a positive number");
            }
            opt.max_connections = (unsigned)n;
            break;
        case 'p':
            if (parse_count(optarg, 1, 1000000, &n) != 0) {
                return cli_usage_error("serve", "--max-connections-per-ip takes a positive number");
            }
            opt.max_connections_per_ip = (unsigned)n;
            break;
        case 'b':
            if (parse_count(optarg, 1, 1u << 30, &n) != 0) {
                return cli_usage_error("serve", "--max-body takes a byte count up to 1 GiB");
            }
            opt.max_body_bytes = n;
            break;
        case 'j':
            if (parse_count(optarg, 1, 10000, &n) != 0) {
                return cli_usage_error("serve", "--max-json-depth takes a number from 1 to 10000");
            }
            opt.max_json_depth = (unsigned)n;
            break;
        case 'o':
            if (parse_count(optarg, 1, 86400, &n) != 0) {
                return cli_usage_error("serve", "--timeout takes seconds, from 1 to 86400");
            }
            opt.connection_timeout_s = (unsigned)n;
            break;
        case 'x':
            opt.export_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("serve", "unknown option");
        }
    }
    if (!opt.db) {
        return cli_usage_error("serve", "--db FILE is required");
    }
    if (optind != argc) {
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    }
    if (opt.read_db && (!dorf_store_is_postgres(opt.db) || !dorf_store_is_postgres(opt.read_db))) {
        return cli_usage_error("serve", "--read-db takes a PostgreSQL replica of a PostgreSQL --db "
                                        "(postgresql://...)");
    }
    opt.host = host;

    dorf_status st = check_region(ctx, opt.db);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    /* A PostgreSQL database has no folder to put "<db>.exports" beside: the cache folder. */
    char pg_exports[4096];
    if (!opt.export_dir && dorf_store_is_postgres(opt.db)) {
        st = dorf_store_derived_path(ctx, opt.db, "exports", pg_exports, sizeof pg_exports);
        if (st != DORF_OK) {
            return cli_report_failure(ctx, st);
        }
        opt.export_dir = pg_exports;
    }
    FILE *log = NULL;
    if (log_path && strcmp(log_path, "-") == 0) {
        log = stdout;
    } else if (log_path && !(log = fopen(log_path, "a"))) {
        dorf_fail(ctx, DORF_EIO, "%s: cannot open the access log for appending", log_path);
        return cli_report_failure(ctx, DORF_EIO);
    }
    opt.access_log = log;
    /* Research exports are written through GDAL; without its module the server runs, and
       POST /api/exports answers 503. */
    if (cli_load_table_writer(ctx, &opt.write_tables) != DORF_OK) {
        fprintf(stderr, "dorf serve: research exports are off: %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_clear_error(ctx);
        opt.write_tables = NULL;
    }

    /* Block the signals in every thread to come: only sigwait() below takes them. */
    sigset_t stop_signals;
    sigset_t old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

    dorf_server *server = NULL;
    st = dorf_server_start(ctx, &opt, &server);
    if (st != DORF_OK) {
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
        if (log && log != stdout) {
            fclose(log);
        }
        return cli_report_failure(ctx, st);
    }
    int ipv6 = strchr(host, ':') != NULL;
    fprintf(stderr, "dorf serve: listening on http://%s%s%s:%u\n", ipv6 ? "[" : "", host,
            ipv6 ? "]" : "", dorf_server_port(server));
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    fprintf(stderr, "dorf serve: %s received; finishing requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    dorf_server_stop(server);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    int rc = EXIT_OK;
    if (log && log != stdout && fclose(log) != 0) {
        fprintf(stderr, "dorf serve: %s: cannot write the access log\n", log_path);
        rc = EXIT_RUNTIME;
    }
    fprintf(stderr, "dorf serve: stopped\n");
    return rc;
}
