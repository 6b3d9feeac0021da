/*
 * cmd_migrate.c: `dorf migrate --from DB --to DB`: copies a whole dorf database, the region
 * and the platform's data, into another (dorf/store_copy.h), typically a SpatiaLite file into
 * PostgreSQL, and prints per table the rows and checksums of both sides.
 *
 * The source is opened read-only and never changed. The target must be empty (or --replace);
 * everything goes into it in one transaction that is committed only after the verification
 * found both sides equal, so a failure, a difference or Ctrl-C leaves it as it was, and a
 * target file this run created is removed again.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dorf/store.h"
#include "dorf/store_copy.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dorf migrate --from DB --to DB [--replace] [--quiet]\n\n"
            "Copies everything a dorf database holds, the region and the platform's data\n"
            "(accounts, shops, orders, parcels, posts, audit log ...), into another: a\n"
            "SpatiaLite file into PostgreSQL/PostGIS, or back, with every id kept. The copy is\n"
            "one transaction on the target, verified before it is committed: the rows of every\n"
            "table and a checksum of their values must be equal on both sides. Ctrl-C or a\n"
            "failure leaves the target as it was. The source is only read.\n\n"
            "DB is a file path or a PostgreSQL location: postgresql://USER@HOST:PORT/DATABASE,\n"
            "or libpq keywords (\"host=... dbname=...\"); PG* environment variables fill in\n"
            "what it leaves out.\n\n"
            "options:\n"
            "  --from DB      the database to copy (opened read-only)\n"
            "  --to DB        where to copy it: an empty dorf database, a PostgreSQL database\n"
            "                 without dorf's tables yet, or a file that does not exist yet\n"
            "  --replace      overwrite a target that already holds data\n"
            "  --quiet        print nothing on success\n"
            "  --help         show this help\n");
}

/* Checks up front that a new file could be created at `path`. */
static int can_create(const char *path) {
    char *copy = strdup(path);
    if (!copy) {
        fprintf(stderr, "dorf: out of memory\n");
        return 0;
    }
    const char *dir = dirname(copy);
    int ok = access(dir, W_OK | X_OK) == 0;
    if (!ok) {
        fprintf(stderr, "dorf: cannot create %s: directory %s is %s\n", path, dir,
                errno == ENOENT ? "missing" : "not writable");
    }
    free(copy);
    return ok;
}

static void remove_file_store(const char *path) {
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char name[4096];
        if (snprintf(name, sizeof name, "%s%s", path, suffixes[i]) < (int)sizeof name) {
            unlink(name);
        }
    }
}

static void print_report(FILE *out, const char *from, const char *to, const dorf_copy_report *r) {
    if (r->verified) {
        fprintf(out, "migrated %s to %s: %llu rows in %.2f s (copy %.2f s, verify %.2f s)\n", from,
                to, (unsigned long long)r->rows, r->copy_s + r->verify_s, r->copy_s, r->verify_s);
    } else {
        fprintf(out, "migrating %s to %s: the copy differs (nothing was committed)\n", from, to);
    }
    if (r->replaced_rows) {
        fprintf(out, "  (replaced %llu rows the target held before)\n",
                (unsigned long long)r->replaced_rows);
    }
    fprintf(out, "%-18s %12s %12s  %-16s  %s\n", "table", "source rows", "target rows",
            "source checksum", "target checksum");
    uint64_t source = 0;
    uint64_t target = 0;
    for (size_t i = 0; i < r->table_count; i++) {
        const dorf_copy_table *t = &r->tables[i];
        fprintf(out, "%-18s %12llu %12llu  %016llx  %016llx%s\n", t->name,
                (unsigned long long)t->source_rows, (unsigned long long)t->target_rows,
                (unsigned long long)t->source_checksum, (unsigned long long)t->target_checksum,
                t->source_rows != t->target_rows || t->source_checksum != t->target_checksum
                    ? "  differs"
                    : "");
        source += t->source_rows;
        target += t->target_rows;
    }
    fprintf(out, "%-18s %12llu %12llu\n", "all tables", (unsigned long long)source,
            (unsigned long long)target);
}

/* 1 when both locations are files and the same one. */
static int same_file(const char *a, const char *b) {
    struct stat sa;
    struct stat sb;
    return !dorf_store_is_postgres(a) && !dorf_store_is_postgres(b) && stat(a, &sa) == 0 &&
           stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cmd_migrate(dorf_ctx *ctx, int argc, char **argv) {
    static const struct option options[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"replace", no_argument, NULL, 'r'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *from = NULL;
    const char *to = NULL;
    unsigned flags = 0;
    int quiet = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'r':
            flags |= DORF_COPY_REPLACE;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("migrate", "unknown option");
        }
    }
    if (optind != argc) {
        return cli_usage_error("migrate", "unexpected argument '%s'", argv[optind]);
    }
    if (!from || !to || !*from || !*to) {
        return cli_usage_error("migrate", "--from DB and --to DB are both required");
    }
    if (strcmp(from, to) == 0 || same_file(from, to)) {
        return cli_usage_error("migrate", "--from and --to name the same database");
    }

    dorf_store *source = NULL;
    dorf_status st = dorf_store_open(ctx, from, DORF_STORE_READONLY, &source);
    if (st != DORF_OK) {
        return cli_report_failure(ctx, st);
    }
    const int to_file = !dorf_store_is_postgres(to);
    struct stat sb;
    const int created = to_file && stat(to, &sb) != 0;
    if (created && !can_create(to)) {
        dorf_store_close(source);
        return EXIT_RUNTIME;
    }
    dorf_store *target = NULL;
    if ((st = dorf_store_open(ctx, to, to_file ? DORF_STORE_CREATE : 0, &target)) != DORF_OK) {
        dorf_store_close(source);
        if (created) {
            remove_file_store(to);
        }
        return cli_report_failure(ctx, st);
    }
    cli_progress_attach(ctx);
    dorf_copy_report report;
    st = dorf_store_copy(source, target, flags, &report);
    cli_progress_done();
    char from_label[512];
    char to_label[512];
    snprintf(from_label, sizeof from_label, "%s", dorf_store_describe(source));
    snprintf(to_label, sizeof to_label, "%s", dorf_store_describe(target));
    dorf_store_close(target);
    dorf_store_close(source);
    if (st != DORF_OK) {
        if (created) {
            remove_file_store(to);
        }
        /* A difference found by the verification: show the figures that found it. */
        if (st == DORF_EIO && report.verify_s > 0) {
            print_report(stderr, from_label, to_label, &report);
        }
        return cli_report_failure(ctx, st);
    }
    if (!quiet) {
        print_report(stdout, from_label, to_label, &report);
    }
    return EXIT_OK;
}
