/*
 * cmd_erase.c: `dorf erase`: an operator erases a person's data from the village platform
 * (dorf/erase.h), for a request that reaches them outside the platform (a letter, a phone
 * call). Without --yes it asks for confirmation on a terminal and refuses when there is
 * none to ask, so a script cannot erase someone by a slip of the arguments.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/erase.h"
#include "dorf/platform.h"

static void usage(FILE *out) {
    fprintf(out, "usage: dorf erase --db FILE (--user ID | --email ADDRESS) [--yes]\n\n"
                 "Erases a person's data: the account, sessions, availability, blocks and the\n"
                 "reports they filed are deleted; their posts and replies stay as empty posts by\n"
                 "\"deleted\" so that others' replies stay readable; their orders stay in the\n"
                 "shops' books without citizen or drop-off (open ones are cancelled); parcels\n"
                 "they carried go back to open; shops they owned stay without owner and stop\n"
                 "selling. The database file and its write-ahead log keep no copy of their\n"
                 "text (see docs/operations.md, \"Erasure\"). On PostgreSQL the old row\n"
                 "versions stay in its files until VACUUM FULL (\"Erasure on PostgreSQL\").\n\n"
                 "options:\n"
                 "  --db FILE          the region database\n"
                 "  --user ID          the account's id\n"
                 "  --email ADDRESS    or its e-mail address (any case)\n"
                 "  --yes              do not ask for confirmation (needed without a terminal)\n"
                 "  --help             show this help\n");
}

/* 1 when the person at the terminal types "yes". */
static int confirmed(const dorf_user *u) {
    fprintf(stderr,
            "Erase account %lld (%s, %s) and all its data? This cannot be undone.\n"
            "Type yes to erase: ",
            (long long)u->id, u->name, u->email);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) {
        return 0;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

static void print_report(int64_t id, const dorf_erase_report *r, int pg) {
    printf("erased account %lld\n"
           "  deleted: %lld sessions, %lld availability windows, %lld blocks, %lld reports\n"
           "  kept anonymised: %lld posts and replies, %lld orders (%lld open ones cancelled),\n"
           "    %lld parcels without drop-off, %lld shops without owner, %lld audit rows\n"
           "  as volunteer: %lld parcels open again, %lld delivered parcels without volunteer\n"
           "  %s: %s\n",
           (long long)id, (long long)r->sessions, (long long)r->availability, (long long)r->blocks,
           (long long)r->reports, (long long)r->posts, (long long)r->orders,
           (long long)r->orders_cancelled, (long long)r->parcels, (long long)r->shops,
           (long long)r->audit_rows, (long long)r->parcels_reopened,
           (long long)r->parcels_delivered, pg ? "PostgreSQL" : "write-ahead log",
           /* PostgreSQL cannot zero old row versions: say so, and what the operator does. */
           pg ? "old row versions stay in the table files, the write-ahead log and backups "
                "until VACUUM FULL rewrites the platform's tables (docs/operations.md, "
                "\"Erasure on PostgreSQL\")"
           : r->checkpointed ? "checkpointed and truncated"
                             : "still in use by another connection; old pages are overwritten "
                               "at its next checkpoint");
}

int cmd_erase(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},    {"user", required_argument, NULL, 'u'},
        {"email", required_argument, NULL, 'e'}, {"yes", no_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    const char *email = NULL;
    int64_t id = 0;
    int yes = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'u': {
            char *end = NULL;
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end || v <= 0) {
                return cli_usage_error("erase",
                                       "--user takes an account id (a positive "
                                       "integer), not '%s'",
                                       optarg);
            }
            id = v;
            break;
        }
        case 'e':
            email = optarg;
            break;
        case 'y':
            yes = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("erase", "unknown option");
        }
    }
    if (optind != argc) {
        return cli_usage_error("erase", "unexpected argument '%s'", argv[optind]);
    }
    if (!db || (!id) == (!email)) {
        return cli_usage_error("erase", "--db and one of --user or --email are required");
    }
    if (!yes && !isatty(STDIN_FILENO)) {
        return cli_usage_error("erase", "no terminal to confirm on; pass --yes to erase "
                                        "without asking");
    }
    dorf_store *store = NULL;
    dorf_status st = dorf_store_open(ctx, db, 0, &store);
    dorf_user user;
    memset(&user, 0, sizeof user);
    if (st == DORF_OK) {
        st = email ? dorf_store_user_by_email(store, email, &user)
                   : dorf_store_user_get(store, id, &user);
        char label[4096]; /* a PostgreSQL location without its password */
        dorf_store_redact_location(db, label, sizeof label);
        if (st == DORF_ENOTFOUND && email) {
            dorf_fail(ctx, st, "%s: no account with the e-mail address %s; check the address",
                      label, email);
        } else if (st == DORF_ENOTFOUND) {
            dorf_fail(ctx, st, "%s: no account %lld; check the id", label, (long long)id);
        }
    }
    if (st != DORF_OK) {
        dorf_store_close(store);
        return cli_report_failure(ctx, st);
    }
    if (!yes && !confirmed(&user)) {
        dorf_store_close(store);
        fprintf(stderr, "dorf: not erased\n");
        return EXIT_RUNTIME;
    }
    dorf_erase_report r;
    st = dorf_store_user_erase(store, user.id, (int64_t)time(NULL), &r);
    dorf_store_close(store);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    print_report(user.id, &r, dorf_store_is_postgres(db));
    return EXIT_OK;
}
