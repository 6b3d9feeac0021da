/*
 * cmd_account.c: `dorf account add`: an operator creates a platform account (the first admin
 * of a region, moderators, planners) without going through HTTP. The password is read from
 * the first line of standard input, so it never appears in the process list or the shell's
 * history.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dorf/accounts.h"
#include "dorf/platform.h"

static void usage(FILE *out) {
    fprintf(out, "usage: dorf account add --db FILE --email ADDRESS --name NAME\n"
                 "                        [--roles ROLE[,ROLE...]] < password\n\n"
                 "Creates a platform account. The password (10 to 256 characters) is the first\n"
                 "line of standard input. Roles: citizen, shop, volunteer, planner, researcher,\n"
                 "moderator, admin (default citizen); anyone may register the first three over\n"
                 "HTTP, the others are given here or by an admin.\n\n"
                 "options:\n"
                 "  --db FILE        the region database\n"
                 "  --email ADDRESS  the account's e-mail address (its login)\n"
                 "  --name NAME      the name shown to others\n"
                 "  --roles LIST     comma-separated roles (default citizen)\n"
                 "  --help           show this help\n");
}

/* "admin,moderator" to role bits; 0 when a name is unknown. */
static unsigned parse_roles(const char *text) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    unsigned roles = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned bit = dorf_role_from_name(tok);
        if (!bit) {
            return 0;
        }
        roles |= bit;
    }
    return roles;
}

int cmd_account(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},   {"email", required_argument, NULL, 'e'},
        {"name", required_argument, NULL, 'n'}, {"roles", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "add") != 0) {
        return cli_usage_error("account", "unknown action '%s' (the action is: add)", argv[1]);
    }
    const char *db = NULL, *email = NULL, *name = NULL;
    unsigned roles = DORF_ROLE_CITIZEN;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'e':
            email = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'r':
            if (!(roles = parse_roles(optarg))) {
                return cli_usage_error("account", "unknown role in '%s'", optarg);
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("account", "unknown option");
        }
    }
    if (!db || !email || !name) {
        return cli_usage_error("account", "--db, --email and --name are required");
    }
    if (optind != argc) {
        return cli_usage_error("account", "unexpected argument '%s'", argv[optind]);
    }
    char password[300];
    if (!fgets(password, sizeof password, stdin)) {
        fprintf(stderr, "dorf: no password on standard input; give it as the first line\n");
        return EXIT_RUNTIME;
    }
    password[strcspn(password, "\r\n")] = '\0';
    dorf_store *store = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    int64_t id = 0;
    if (st == DORF_OK) {
        st =
            dorf_account_create(ctx, store, email, name, password, roles, (int64_t)time(NULL), &id);
    }
    memset(password, 0, sizeof password);
    dorf_store_close(store);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    printf("account %lld: %s\n", (long long)id, email);
    return EXIT_OK;
}
