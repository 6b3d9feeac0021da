/*
 * test_store.h: where a store test keeps its databases, so that one test runs on both stores.
 *
 * Without DORF_TEST_PG, test_store_location("life") is a file in a temporary directory of the
 * test's own (made on first use, removed by test_store_cleanup). With DORF_TEST_PG set to a
 * PostgreSQL URI (the ctest variants named "...@postgis" set it to the throwaway server that
 * the fixture test pg/start runs), it is a schema of its own on that server, created empty on
 * first use and dropped by test_store_cleanup, reached through a URI whose search_path puts it
 * first (PostGIS stays reachable in public).
 *
 * The same name gives the same location for the whole run. test_store_query_int runs a query
 * of one integer on a location, through the same SQL layer the store uses (sql.h), so a test's
 * own checks on the tables run on both databases too.
 *
 * Header-only, like check.h; link the test with dorf_engine (and libpq through it).
 */
#ifndef DORF_TESTS_TEST_STORE_H
#define DORF_TESTS_TEST_STORE_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/platform.h"
#include "dorf/store.h"
#include "sql.h"

#define TEST_STORE_MAX 256

__attribute__((unused)) static char test_store_dir[512];
__attribute__((unused)) static char *test_store_names[TEST_STORE_MAX];
__attribute__((unused)) static char *test_store_locations[TEST_STORE_MAX];
__attribute__((unused)) static int test_store_count;

/* The PostgreSQL server the run uses, or NULL when it runs on SpatiaLite files. */
__attribute__((unused)) static const char *test_store_pg(void) {
    const char *uri = getenv("DORF_TEST_PG");
    return uri && *uri ? uri : NULL;
}

/* "spatialite" or "postgis", for messages. */
__attribute__((unused)) static const char *test_store_backend(void) {
    return test_store_pg() ? "postgis" : "spatialite";
}

/* Runs SQL without results on the server's default database; exits the test on failure. */
__attribute__((unused)) static void test_store_pg_exec(const char *sql) {
    char err[512];
    sql_conn *c = sql_connect_postgres(test_store_pg(), err, sizeof err);
    if (!c) {
        fprintf(stderr, "test_store: %s (DORF_TEST_PG=%s)\n", err, test_store_pg());
        exit(1);
    }
    if (sql_exec(c, sql) != SQL_OK) {
        fprintf(stderr, "test_store: %s: %s\n", sql, sql_errmsg(c));
        exit(1);
    }
    sql_close(c);
}

/* The schema a name gets: t<pid>_<name with everything but letters and digits as _>. */
__attribute__((unused)) static void test_store_schema(const char *name, char *out, size_t size) {
    int n = snprintf(out, size, "t%ld_", (long)getpid());
    for (const char *p = name; *p && (size_t)n + 1 < size; p++) {
        out[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    }
    out[n] = '\0';
}

/* The location for `name` (stable for the run); never NULL (exits on failure). */
__attribute__((unused)) static const char *test_store_location(const char *name) {
    for (int i = 0; i < test_store_count; i++) {
        if (strcmp(test_store_names[i], name) == 0) {
            return test_store_locations[i];
        }
    }
    if (test_store_count == TEST_STORE_MAX) {
        fprintf(stderr, "test_store: more than %d stores in one test\n", TEST_STORE_MAX);
        exit(1);
    }
    char location[1024];
    if (test_store_pg()) {
        char schema[128];
        char sql[512];
        test_store_schema(name, schema, sizeof schema);
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
                 schema);
        test_store_pg_exec(sql);
        snprintf(location, sizeof location, "%s%coptions=-csearch_path%%3D%s%%2Cpublic",
                 test_store_pg(), strchr(test_store_pg(), '?') ? '&' : '?', schema);
    } else {
        if (!test_store_dir[0]) {
            /* In memory when there is /dev/shm: every commit syncs, and disks make that slow. */
            snprintf(test_store_dir, sizeof test_store_dir, "%s/dorf-test-store-XXXXXX",
                     access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
            if (!mkdtemp(test_store_dir)) {
                perror("mkdtemp");
                exit(1);
            }
        }
        snprintf(location, sizeof location, "%s/%s", test_store_dir, name);
    }
    test_store_names[test_store_count] = strdup(name);
    test_store_locations[test_store_count] = strdup(location);
    if (!test_store_names[test_store_count] || !test_store_locations[test_store_count]) {
        fprintf(stderr, "test_store: out of memory\n");
        exit(1);
    }
    return test_store_locations[test_store_count++];
}

/* Opens a location through sql.h; exits the test on failure. Close with test_store_close. */
__attribute__((unused)) static sql_conn *test_store_connect(const char *location) {
    char err[512];
    if (strncmp(location, "postgres", 8) == 0) {
        sql_conn *c = sql_connect_postgres(location, err, sizeof err);
        if (!c) {
            fprintf(stderr, "test_store: %s\n", err);
            exit(1);
        }
        return c;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(location, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "test_store: cannot open %s\n", location);
        exit(1);
    }
    sqlite3_busy_timeout(db, 5000);
    sql_conn *c = sql_wrap_sqlite(db);
    if (!c) {
        fprintf(stderr, "test_store: out of memory\n");
        exit(1);
    }
    return c;
}

__attribute__((unused)) static void test_store_close(sql_conn *c) {
    sqlite3 *db = sql_sqlite_db(c);
    sql_close(c);
    if (db) {
        sqlite3_close(db);
    }
}

/*
 * The first column of the first row of `sql` on the store at `location` (a name given to
 * test_store_location, or a location), as an integer; -1 when there is no row, -2 on error.
 */
__attribute__((unused)) static long long test_store_query_int(const char *name, const char *sql) {
    const char *location = test_store_location(name);
    sql_conn *c = test_store_connect(location);
    sql_stmt *stmt = NULL;
    long long v = -2;
    if (sql_prepare(c, sql, &stmt) == SQL_OK) {
        int rc = sql_step(stmt);
        v = rc == SQL_ROW ? (long long)sql_column_int64(stmt, 0) : rc == SQL_DONE ? -1 : -2;
    }
    if (v == -2) {
        fprintf(stderr, "test_store: %s: %s\n", sql, sql_errmsg(c));
    }
    sql_finalize(stmt);
    test_store_close(c);
    return v;
}

/*
 * Creates an account `email` with `roles` (named "Name of EMAIL", created at 1000, with a
 * placeholder password hash) and returns its id; a failure fails the running test.
 */
__attribute__((unused)) static int64_t test_store_add_user(dorf_store *s, const char *email,
                                                           unsigned roles) {
    dorf_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "Name of %s", email);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$not-a-real-hash");
    u.roles = roles;
    u.created_at = 1000;
    int64_t id = 0;
    CHECK_EQ_INT(dorf_store_user_create(s, &u, &id), DORF_OK);
    return id;
}

/* Removes every database the run made (files and their WAL, or schemas). */
__attribute__((unused)) static void test_store_cleanup(void) {
    for (int i = 0; i < test_store_count; i++) {
        if (test_store_pg()) {
            char schema[128];
            char sql[256];
            test_store_schema(test_store_names[i], schema, sizeof schema);
            snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
            test_store_pg_exec(sql);
        } else {
            static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
            for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
                char path[1100];
                snprintf(path, sizeof path, "%s%s", test_store_locations[i], suffixes[k]);
                unlink(path);
            }
        }
        free(test_store_names[i]);
        free(test_store_locations[i]);
    }
    test_store_count = 0;
    if (test_store_dir[0]) {
        rmdir(test_store_dir);
        test_store_dir[0] = '\0';
    }
}

#endif
