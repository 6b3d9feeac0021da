/*
 * test_vrp_read.c: benchmark instances (routing/vrp_read.c) and SINTEF output
 * (routing/vrp_write.c). Every Li & Lim and Homberger file in ../shared/data/vrp is read, its
 * counts compared with a count made here from the text, its matrix symmetric with a zero
 * diagonal; exact numbers on hand-made instances and on lc101 and c1_2_1; dozens of damaged
 * texts each refused with DORF_EPARSE and a message naming the right line; every allocation
 * failing in turn; routes written as "Route 1 : 5 3 7", and a failing stream reported.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dorf/alloc.h"
#include "dorf/vrp.h"

/* Pickups 1 -> 2 and 3 -> 4 around a depot at the origin; travel 0 -> 1 is 5 (3-4-5). */
static const char li_lim_tiny[] = "2\t50\t1\r\n"
                                  "0\t0\t0\t0\t0\t100\t0\t0\t0\r\n"
                                  "1\t3\t4\t10\t0\t50\t5\t0\t2\r\n"
                                  "2\t6\t8\t-10\t10\t60\t5\t1\t0\r\n"
                                  "3 -3 -4 7 0 80 5 0 4\n"
                                  "4 0 1.5 -7 0 90 5 3 0\n"
                                  "\n";

static const char solomon_tiny[] = "tiny\n"
                                   "\n"
                                   "VEHICLE\n"
                                   "NUMBER     CAPACITY\n"
                                   "  3          100\n"
                                   "\n"
                                   "CUSTOMER\n"
                                   "CUST NO.  XCOORD.  YCOORD.  DEMAND  READY TIME  DUE DATE  "
                                   "SERVICE TIME\n"
                                   " \r\n"
                                   "    0   0   0   0   0   200   0\n"
                                   "    1   3   4  10   0   100  10\n"
                                   "    2   6   8  20   5   150  10\n";

static dorf_status read_text(dorf_ctx *ctx, const char *name, const char *text,
                             dorf_vrp_instance **out) {
    /* An exact-size copy without a NUL, so that ASan sees any read past the end. */
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, text, n);
    dorf_status st = dorf_vrp_read_buffer(ctx, name, copy, n, out);
    free(copy);
    return st;
}

static double travel(const dorf_vrp_instance *inst, uint32_t a, uint32_t b) {
    return inst->problem.travel[0][a * inst->problem.location_count + b];
}

static void test_li_lim_tiny_exact(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    CHECK_EQ_INT(read_text(ctx, "/some/dir/tiny.txt", li_lim_tiny, &inst), DORF_OK);
    if (!inst) {
        fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_free(ctx);
        return;
    }
    const dorf_vrp_problem *p = &inst->problem;
    CHECK_STR(inst->name, "tiny");
    CHECK_EQ_INT(inst->format, DORF_VRP_LI_LIM);
    CHECK_EQ_INT(p->location_count, 5);
    CHECK_EQ_INT(p->profile_count, 1);
    CHECK_EQ_INT(p->task_count, 4);
    CHECK_EQ_INT(p->request_count, 2);
    CHECK_EQ_INT(p->vehicle_count, 2);
    CHECK_NEAR(travel(inst, 0, 1), 5.0, 0);
    CHECK_NEAR(travel(inst, 1, 2), 5.0, 0);
    CHECK_NEAR(travel(inst, 2, 0), 10.0, 0);
    CHECK_NEAR(travel(inst, 4, 0), 1.5, 0);
    CHECK_NEAR(travel(inst, 1, 3), 10.0, 1e-12);
    CHECK_NEAR(inst->x[3], -3, 0);
    CHECK_NEAR(inst->y[4], 1.5, 0);
    CHECK_EQ_INT(p->tasks[1].id, 2);
    CHECK_EQ_INT(p->tasks[1].location, 2);
    CHECK_EQ_INT(p->tasks[1].demand, -10);
    CHECK_NEAR(p->tasks[1].earliest, 10, 0);
    CHECK_NEAR(p->tasks[1].latest, 60, 0);
    CHECK_NEAR(p->tasks[1].service, 5, 0);
    CHECK_EQ_INT(p->requests[0].pickup, 0);
    CHECK_EQ_INT(p->requests[0].delivery, 1);
    CHECK_EQ_INT(p->requests[1].pickup, 2);
    CHECK_EQ_INT(p->requests[1].delivery, 3);
    CHECK_NEAR(p->requests[1].penalty, 0, 0);
    CHECK_EQ_INT(p->requests[1].vehicle, DORF_VRP_NONE);
    for (size_t v = 0; v < p->vehicle_count; v++) {
        const dorf_vrp_vehicle *veh = &p->vehicles[v];
        CHECK_EQ_INT(veh->start, 0);
        CHECK_EQ_INT(veh->end, 0);
        CHECK_NEAR(veh->earliest, 0, 0);
        CHECK_NEAR(veh->latest, 100, 0);
        CHECK_EQ_INT(veh->capacity, 50);
        CHECK_EQ_INT(veh->profile, 0);
        CHECK(isinf(veh->max_travel));
        CHECK_EQ_INT(veh->fixed_count, 0);
    }
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

/* Five published files say speed 0; the best-known solutions take travel time = distance. */
static void test_li_lim_speed_is_ignored(void) {
    static const char *const headers[] = {"1 10 0\n", "1 10 2\n", "1 10 1.5\n"};
    dorf_ctx *ctx = dorf_ctx_new();
    for (size_t i = 0; i < 3; i++) {
        char text[200];
        snprintf(text, sizeof text,
                 "%s0 0 0 0 0 100 0 0 0\n1 3 4 1 0 50 0 0 2\n"
                 "2 6 8 -1 0 60 0 1 0\n",
                 headers[i]);
        dorf_vrp_instance *inst = NULL;
        CHECK_EQ_INT(read_text(ctx, "fast", text, &inst), DORF_OK);
        if (inst) {
            CHECK_STR(inst->name, "fast");
            CHECK_NEAR(travel(inst, 0, 1), 5, 0);
            CHECK_NEAR(travel(inst, 0, 2), 10, 0);
        }
        dorf_vrp_instance_free(inst);
    }
    dorf_ctx_free(ctx);
}

static void test_solomon_tiny_exact(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    CHECK_EQ_INT(read_text(ctx, "tiny.vrp", solomon_tiny, &inst), DORF_OK);
    if (!inst) {
        fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_free(ctx);
        return;
    }
    const dorf_vrp_problem *p = &inst->problem;
    CHECK_EQ_INT(inst->format, DORF_VRP_SOLOMON);
    CHECK_STR(inst->name, "tiny");
    CHECK_EQ_INT(p->location_count, 3);
    CHECK_EQ_INT(p->task_count, 2);
    CHECK_EQ_INT(p->request_count, 2);
    CHECK_EQ_INT(p->vehicle_count, 3);
    CHECK_EQ_INT(p->vehicles[2].capacity, 100);
    CHECK_NEAR(p->vehicles[2].latest, 200, 0);
    CHECK_NEAR(travel(inst, 1, 0), 5, 0);
    CHECK_NEAR(travel(inst, 2, 1), 5, 0);
    CHECK_EQ_INT(p->requests[1].pickup, 1);
    CHECK_EQ_INT(p->requests[1].delivery, DORF_VRP_NONE);
    CHECK_EQ_INT(p->tasks[1].id, 2);
    CHECK_EQ_INT(p->tasks[1].demand, 20);
    CHECK_NEAR(p->tasks[1].earliest, 5, 0);
    CHECK_NEAR(p->tasks[1].latest, 150, 0);
    CHECK_NEAR(p->tasks[1].service, 10, 0);
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

static void test_names_lose_directory_and_extension_and_are_cut(void) {
    char name[200];
    snprintf(name, sizeof name, "/data/x.y/%0100d.txt", 7);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    CHECK_EQ_INT(read_text(ctx, name, li_lim_tiny, &inst), DORF_OK);
    if (inst) {
        CHECK_EQ_INT(strlen(inst->name), sizeof inst->name - 1);
        CHECK(strncmp(inst->name, "0000", 4) == 0);
    }
    dorf_vrp_instance_free(inst);
    inst = NULL;
    CHECK_EQ_INT(read_text(ctx, ".hidden", li_lim_tiny, &inst), DORF_OK);
    if (inst) {
        CHECK_STR(inst->name, ".hidden");
    }
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

/* The path of a file in ../shared/data/vrp, or NULL (saying "skipped") when it is missing. */
static const char *shared_vrp(void) {
    static char dir[4096];
    const char *shared = getenv("DORF_SHARED_DATA");
    if (!shared) {
        printf("  (no DORF_SHARED_DATA: skipped)\n");
        return NULL;
    }
    snprintf(dir, sizeof dir, "%s/vrp", shared);
    return dir;
}

/* Counts made from the text alone: task lines, pickups, vehicles, capacity. */
struct counts {
    size_t tasks;
    size_t pickups;
    long vehicles;
    long capacity;
};

static int count_file(const char *path, dorf_vrp_format format, struct counts *c) {
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    memset(c, 0, sizeof *c);
    char line[512];
    int lineno = 0;
    int in_table = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        double v[9];
        if (format == DORF_VRP_LI_LIM) {
            if (lineno == 1) {
                sscanf(line, "%ld %ld", &c->vehicles, &c->capacity);
            } else if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
                              &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9 &&
                       v[0] > 0) {
                c->tasks++;
                c->pickups += v[3] > 0;
            }
        } else if (lineno == 5) {
            sscanf(line, "%ld %ld", &c->vehicles, &c->capacity);
        } else if (strncmp(line, "CUST NO.", 8) == 0) {
            in_table = 1;
        } else if (in_table &&
                   sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4],
                          &v[5], &v[6]) == 7 &&
                   v[0] > 0) {
            c->tasks++;
            c->pickups++;
        }
    }
    fclose(f);
    return 0;
}

static void check_instance_file(const char *path, dorf_vrp_format format, size_t *files) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    struct counts want;
    dorf_status st = dorf_vrp_read(ctx, path, &inst);
    CHECK_EQ_INT(st, DORF_OK);
    CHECK_EQ_INT(count_file(path, format, &want), 0);
    if (st != DORF_OK || !inst) {
        fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
        dorf_ctx_free(ctx);
        return;
    }
    (*files)++;
    const dorf_vrp_problem *p = &inst->problem;
    CHECK_EQ_INT(inst->format, format);
    CHECK_EQ_INT(p->task_count, want.tasks);
    CHECK_EQ_INT(p->location_count, want.tasks + 1);
    CHECK_EQ_INT(p->request_count, want.pickups);
    CHECK_EQ_INT(p->vehicle_count, want.vehicles);
    CHECK_EQ_INT(p->vehicles[0].capacity, want.capacity);
    CHECK_EQ_INT(dorf_vrp_problem_check(ctx, p), DORF_OK);
    const char *base = strrchr(path, '/') + 1;
    CHECK(strncmp(inst->name, base, strlen(inst->name)) == 0);
    CHECK_STR(base + strlen(inst->name), ".txt");
    size_t n = p->location_count;
    size_t asymmetric = 0;
    size_t diagonal = 0;
    for (size_t a = 0; a < n; a++) {
        diagonal += p->travel[0][a * n + a] != 0;
        for (size_t b = 0; b < a; b++) {
            asymmetric += p->travel[0][a * n + b] != p->travel[0][b * n + a];
        }
    }
    CHECK_EQ_INT(asymmetric, 0);
    CHECK_EQ_INT(diagonal, 0);
    for (size_t t = 0; t < p->task_count; t++) {
        CHECK_EQ_INT(p->tasks[t].id, t + 1);
    }
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

static void test_every_benchmark_file_is_read(void) {
    const char *vrp = shared_vrp();
    if (!vrp) {
        return;
    }
    static const struct {
        const char *dir;
        dorf_vrp_format format;
    } sets[] = {{"li_lim/100", DORF_VRP_LI_LIM},
                {"li_lim/200", DORF_VRP_LI_LIM},
                {"li_lim/1000", DORF_VRP_LI_LIM},
                {"homberger/200", DORF_VRP_SOLOMON}};
    size_t files = 0;
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/%s", vrp, sets[s].dir);
        DIR *d = opendir(dir);
        CHECK(d != NULL);
        if (!d) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
                char path[4500];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                check_instance_file(path, sets[s].format, &files);
            }
        }
        closedir(d);
    }
    printf("  %zu benchmark files read\n", files);
    CHECK(files >= 47);
}

static void test_lc101_and_c1_2_1_exact(void) {
    const char *vrp = shared_vrp();
    if (!vrp) {
        return;
    }
    char path[4200];
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    snprintf(path, sizeof path, "%s/li_lim/100/lc101.txt", vrp);
    CHECK_EQ_INT(dorf_vrp_read(ctx, path, &inst), DORF_OK);
    if (inst) {
        const dorf_vrp_problem *p = &inst->problem;
        CHECK_STR(inst->name, "lc101");
        CHECK_EQ_INT(p->task_count, 106);
        CHECK_EQ_INT(p->request_count, 53);
        CHECK_EQ_INT(p->vehicle_count, 25);
        CHECK_EQ_INT(p->vehicles[24].capacity, 200);
        CHECK_NEAR(p->vehicles[0].latest, 1236, 0);
        /* Depot (40, 50), task 1 (45, 68): sqrt(5^2 + 18^2). */
        CHECK_NEAR(travel(inst, 0, 1), sqrt(349.0), 1e-12);
        CHECK_NEAR(travel(inst, 0, 1), 18.681541692269406, 1e-12);
        /* "3 42 66 10 65 146 90 0 75": the third pickup of the file, the first request. */
        CHECK_EQ_INT(p->requests[0].pickup, 2);
        CHECK_EQ_INT(p->requests[0].delivery, 74);
        CHECK_EQ_INT(p->tasks[2].demand, 10);
        CHECK_EQ_INT(p->tasks[74].demand, -10);
        CHECK_NEAR(p->tasks[0].earliest, 912, 0);
        CHECK_NEAR(p->tasks[0].latest, 967, 0);
        CHECK_NEAR(p->tasks[0].service, 90, 0);
    }
    dorf_vrp_instance_free(inst);
    inst = NULL;
    snprintf(path, sizeof path, "%s/homberger/200/c1_2_1.txt", vrp);
    CHECK_EQ_INT(dorf_vrp_read(ctx, path, &inst), DORF_OK);
    if (inst) {
        const dorf_vrp_problem *p = &inst->problem;
        CHECK_STR(inst->name, "c1_2_1");
        CHECK_EQ_INT(p->task_count, 200);
        CHECK_EQ_INT(p->request_count, 200);
        CHECK_EQ_INT(p->vehicle_count, 50);
        CHECK_EQ_INT(p->vehicles[0].capacity, 200);
        CHECK_NEAR(p->vehicles[0].latest, 1351, 0);
        /* Depot (70, 70), customer 1 (33, 78): sqrt(37^2 + 8^2). */
        CHECK_NEAR(travel(inst, 0, 1), sqrt(1433.0), 1e-12);
        CHECK_NEAR(travel(inst, 1, 0), 37.854986461495401, 1e-12);
        CHECK_EQ_INT(p->tasks[199].id, 200);
        CHECK_EQ_INT(p->tasks[199].demand, 20);
        CHECK_EQ_INT(p->requests[199].delivery, DORF_VRP_NONE);
    }
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

static void test_missing_file_is_an_io_error(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = (dorf_vrp_instance *)1;
    CHECK_EQ_INT(dorf_vrp_read(ctx, "/nonexistent/lc999.txt", &inst), DORF_EIO);
    CHECK(inst == NULL);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "/nonexistent/lc999.txt: No such file");
    CHECK_EQ_INT(dorf_vrp_read(ctx, "/", &inst), DORF_EIO);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "/: ");
    dorf_ctx_free(ctx);
}

static void test_blank_lines_tabs_and_crlf_are_accepted(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    CHECK_EQ_INT(read_text(ctx, "x",
                           "\r\n \t\n 1 10 1 \r\n\n0 0 0 0 0 100 0 0 0\r\n\t\n1 3 4 +1 0 5e1 0 0 "
                           "2\n2 6.0 8 -1 .5 60. 0 1 0",
                           &inst),
                 DORF_OK);
    if (inst) {
        CHECK_EQ_INT(inst->problem.task_count, 2);
        CHECK_NEAR(inst->problem.tasks[0].latest, 50, 0);
        CHECK_NEAR(inst->problem.tasks[1].earliest, 0.5, 0);
    } else {
        fprintf(stderr, "  %s\n", dorf_ctx_errmsg(ctx));
    }
    dorf_vrp_instance_free(inst);
    dorf_ctx_free(ctx);
}

#define LL_HEAD "2 50 1\n0 0 0 0 0 100 0 0 0\n"
#define LL_PAIR "1 3 4 10 0 50 5 0 2\n2 6 8 -10 10 60 5 1 0\n"
#define SOL_HEAD "tiny\n\nVEHICLE\nNUMBER CAPACITY\n3 100\n\nCUSTOMER\nCUST NO. X Y\n\n"

static const struct bad {
    const char *text;
    const char *needle; /* "<name>:<line>: ..." */
} bad_texts[] = {
    {"", "bad.txt:1: the file is empty"},
    {" \n\t\r\n\n", "bad.txt:3: the file is empty"},
    {"2 50\n", "bad.txt:1: expected 3 fields (vehicles capacity speed), found 2"},
    {"2 50 1 1\n", "bad.txt:1: expected 3 fields"},
    {"2 -50 1\n", "bad.txt:1: capacity is -50; expected a whole number from 0"},
    {"0 50 1\n", "bad.txt:1: vehicles is 0; expected a whole number from 1"},
    {"2.5 50 1\n", "bad.txt:1: vehicles is 2.5"},
    {"2 50 -1\n" LL_PAIR, "bad.txt:1: speed is -1; expected a number >= 0"},
    {"2 50 1\n", "bad.txt:1: the file ends here; expected the depot's line"},
    {"2 50 1\n\n\n", "bad.txt:3: the file ends here"},
    {LL_HEAD, "bad.txt:2: the file ends here; expected tasks after the depot"},
    {LL_HEAD "1 3 x 10 0 50 5 0 2\n", "bad.txt:3: y 'x' is not a number"},
    {LL_HEAD "1 3 nan 10 0 50 5 0 2\n", "bad.txt:3: y 'nan' is not a number"},
    {LL_HEAD "1 3 4 10 0 inf 5 0 2\n", "bad.txt:3: latest 'inf' is not a number"},
    {LL_HEAD "1 3 4 10 0 1e999 5 0 2\n", "bad.txt:3: latest '1e999' is not a number"},
    {LL_HEAD "1 0x10 4 10 0 5 5 0 2\n", "bad.txt:3: x '0x10' is not a number"},
    {LL_HEAD "1 3 4 10 0 5 5 0 2e\n", "bad.txt:3: delivery '2e' is not a number"},
    {LL_HEAD "1 3 4 10 0 5 5 0 -\n", "bad.txt:3: delivery '-' is not a number"},
    {LL_HEAD "1 3 4 10 0 5 5 0 .\n", "bad.txt:3: delivery '.' is not a number"},
    {LL_HEAD "1 3 1e16 10 0 50 5 0 2\n", "bad.txt:3: y 1e+16 is out of range"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2\n2 6 8 -10 10 60 5 1 0\x01\n", "bad.txt:4: delivery '0?'"},
    {LL_HEAD "1 3 4 10 0 50 5 0\n2 6 8 -10 10 60 5 1 0\n",
     "bad.txt:3: expected 9 fields (id x y demand earliest latest service pickup delivery), "
     "found 8"},
    {LL_HEAD LL_PAIR "3 1 1 5 0", "bad.txt:5: expected 9 fields (id x y demand earliest latest "
                                  "service pickup delivery), found 5; is the file truncated?"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2 7 7 7 7\n", "bad.txt:3: expected 9 fields (id x y demand "
                                              "earliest latest service pickup delivery), found "
                                              "more than 9"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2\n1 6 8 -10 10 60 5 1 0\n",
     "bad.txt:4: id 1 appears twice (first on line 3)"},
    {LL_HEAD "2 3 4 10 0 50 5 0 2\n", "bad.txt:3: id 2; expected 1"},
    {"2 50 1\n1 0 0 0 0 100 0 0 0\n", "bad.txt:2: id 1; expected 0"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2\n", "bad.txt:3: pickup 1 names delivery 2, but the file ends "
                                      "with task 1 (line 3); is it truncated?"},
    {LL_HEAD LL_PAIR "3 3 4 10 0 50 5 0 6\n4 3 4 -10 0 50 5 3 0\n",
     "bad.txt:5: pickup 3 names delivery 6, but the file ends with task 4"},
    {LL_HEAD "1 3 4 10 0 50 5 0 3\n2 3 4 10 0 50 5 0 4\n3 3 4 -10 0 50 5 2 0\n"
             "4 3 4 -10 0 50 5 1 0\n",
     "bad.txt:3: pickup 1 names delivery 3, but task 3 (line 5) has pickup 2 and delivery 0; "
     "expected it to name 1 back"},
    {LL_HEAD "1 3 4 -10 0 50 5 2 0\n2 3 4 10 0 50 5 0 3\n3 3 4 -10 0 50 5 2 0\n",
     "bad.txt:3: delivery 1 names pickup 2, but task 2 (line 4) has pickup 0 and delivery 3"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2\n2 6 8 10 10 60 5 0 1\n",
     "bad.txt:3: pickup 1 names delivery 2, but task 2 (line 4) has pickup 0 and delivery 1"},
    {LL_HEAD "1 3 4 10 0 50 5 0 2\n2 6 8 -20 10 60 5 1 0\n",
     "bad.txt:3: pickup 1 has demand 10 but its delivery 2 (line 4) has -20; expected opposite"},
    {LL_HEAD "1 3 4 -10 0 50 5 0 2\n2 6 8 10 10 60 5 1 0\n",
     "bad.txt:3: pickup 1 has demand -10; expected a pickup to load"},
    {LL_HEAD "1 3 4 10 0 50 5 0 0\n", "bad.txt:3: task 1 has pickup 0 and delivery 0"},
    {LL_HEAD "1 3 4 10 0 50 5 2 2\n2 6 8 -10 10 60 5 1 0\n",
     "bad.txt:3: task 1 has pickup 2 and delivery 2"},
    {LL_HEAD "1 3 4 10 0 50 5 0 1\n", "bad.txt:3: pickup 1 names itself as its delivery"},
    {LL_HEAD "1 3 4 10 0 50 5 0 99999\n",
     "bad.txt:3: delivery is 99999; expected a whole number from 0 to 10000"},
    {LL_HEAD "1 3 4 10 60 50 5 0 2\n",
     "bad.txt:3: the time window [60, 50] is inverted; expected earliest <= latest"},
    {LL_HEAD "1 3 4 10 0 50 -5 0 2\n", "bad.txt:3: service time -5"},
    {LL_HEAD "1 3 4 10.5 0 50 5 0 2\n", "bad.txt:3: demand is 10.5; expected a whole number"},
    {LL_HEAD "1 3 4 3000000000 0 50 5 0 2\n", "bad.txt:3: demand is 3000000000"},
    {"2 50 1\n0 0 0 5 0 100 0 0 0\n" LL_PAIR,
     "bad.txt:2: the depot (id 0) has demand 5, pickup 0 and delivery 0; expected 0, 0 and 0"},
    {"2 50 1\n0 0 0 0 100 0 0 0 0\n" LL_PAIR, "bad.txt:2: the time window [100, 0] is inverted"},
    {LL_HEAD "1 3 4 10\0 0 50 5 0 2\n", "bad.txt:3: a NUL byte"},
    {"tiny\n", "bad.txt:1: the file ends here; expected VEHICLE"},
    {"tiny\nfoo\n", "bad.txt:2: expected VEHICLE after the name on line 1"},
    {"1 2 3 4 5 6 7\n", "bad.txt:1: expected 3 fields (vehicles capacity speed), found 7"},
    {"tiny\nVEHICLE\n3 100\n", "bad.txt:3: expected the header line NUMBER CAPACITY"},
    {"tiny\nVEHICLE\nNUMBER CAPACITY\n3\n", "bad.txt:4: expected 2 fields (number capacity), "
                                            "found 1; is the file truncated?"},
    {"tiny\nVEHICLE\nNUMBER CAPACITY\n3 -1\nCUSTOMER\n", "bad.txt:4: capacity is -1"},
    {"tiny\nVEHICLE\nNUMBER CAPACITY\n3 100\nCUSTOMERS\n", "bad.txt:5: expected CUSTOMER"},
    {"tiny\nVEHICLE\nNUMBER CAPACITY\n3 100\nCUSTOMER\n0 0 0 0 0 200 0\n",
     "bad.txt:6: expected the customer table's header line"},
    {"tiny\nVEHICLE\nNUMBER CAPACITY\n3 100\nCUSTOMER\n",
     "bad.txt:5: the file ends here; expected the customer table's header line"},
    {SOL_HEAD, "bad.txt:9: the file ends here; expected the depot's line and tasks (id x y "
               "demand ready due service)"},
    {SOL_HEAD "0 0 0 0 0 200 0\n1 3 4 -10 0 100 10\n",
     "bad.txt:11: demand -10; expected a customer's demand >= 0"},
    {SOL_HEAD "0 0 0 0 0 200 0\n1 3 4 10 0 100 10 0 0\n",
     "bad.txt:11: expected 7 fields (id x y demand ready due service), found 9"},
    {SOL_HEAD "0 0 0 3 0 200 0\n1 3 4 10 0 100 10\n",
     "bad.txt:10: the depot (id 0) has demand 3; expected 0"},
    {SOL_HEAD "0 0 0 0 0 200 0\n1 3 4 10 100 99 10\n",
     "bad.txt:11: the time window [100, 99] is inverted; expected ready <= due"},
    {SOL_HEAD "0 0 0 0 0 200 0\n1 3 4 10 0 100 10\n1 3 4 10 0 100 10\n",
     "bad.txt:12: id 1 appears twice (first on line 11)"},
};

static void test_damaged_texts_are_refused_naming_the_line(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
        const struct bad *b = &bad_texts[i];
        /* Texts with a NUL inside: the length runs to the end of the literal's last line. */
        size_t len = strlen(b->text);
        if (strstr(b->needle, "NUL")) {
            len += 1 + strlen(b->text + len + 1);
        }
        char *copy = malloc(len ? len : 1);
        memcpy(copy, b->text, len);
        dorf_vrp_instance *inst = (dorf_vrp_instance *)1;
        dorf_status st = dorf_vrp_read_buffer(ctx, "bad.txt", copy, len, &inst);
        free(copy);
        if (st != DORF_EPARSE || inst != NULL || !strstr(dorf_ctx_errmsg(ctx), b->needle)) {
            fprintf(stderr, "  case %zu: status %d, message \"%s\", expected \"%s\"\n", i, st,
                    dorf_ctx_errmsg(ctx), b->needle);
            check_current_failed = 1;
        }
        if (st == DORF_OK) {
            dorf_vrp_instance_free(inst);
        }
    }
    dorf_ctx_free(ctx);
}

/* Long lines and long fields are cut in messages, and more than the limit of tasks refused. */
static void test_absurd_sizes_are_refused(void) {
    size_t cap = 10003 * 40 + 100;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "2 50 1\n0 0 0 0 0 100 0 0 0\n");
    for (int id = 1; id <= 10001; id++) {
        n += (size_t)snprintf(text + n, cap - n, "%d 1 1 1 0 9 0 0 1\n", id);
    }
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    CHECK_EQ_INT(dorf_vrp_read_buffer(ctx, "big.txt", text, n, &inst), DORF_EPARSE);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "big.txt:10003: more than 10000 tasks");

    char field[200];
    memset(field, '9', sizeof field - 1);
    field[sizeof field - 1] = '\0';
    snprintf(text, cap, "2 50 1\n0 0 0 0 0 100 0 0 0\n1 %s 1 1 0 9 0 0 2\n", field);
    CHECK_EQ_INT(dorf_vrp_read_buffer(ctx, "long.txt", text, strlen(text), &inst), DORF_EPARSE);
    CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "long.txt:3: x '999999999999999999999999...' is not");
    CHECK(strlen(dorf_ctx_errmsg(ctx)) < 80);
    dorf_ctx_free(ctx);
    free(text);
}

static void test_every_allocation_failure_is_reported(void) {
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_vrp_instance *inst = NULL;
    const char *texts[] = {li_lim_tiny, solomon_tiny};
    for (int k = 0; k < 2; k++) {
        dorf_alloc_fail_after(0, 0);
        CHECK_EQ_INT(read_text(ctx, "x", texts[k], &inst), DORF_OK);
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        dorf_vrp_instance_free(inst);
        for (unsigned long n = 1; calls && n <= calls; n++) {
            inst = (dorf_vrp_instance *)1;
            dorf_alloc_fail_after(n, 1);
            dorf_status st = read_text(ctx, "x", texts[k], &inst);
            dorf_alloc_fail_after(0, 0);
            CHECK_EQ_INT(st, DORF_ENOMEM);
            CHECK(inst == NULL);
        }
        if (calls) {
            printf("  %lu allocation sites failed in turn\n", calls);
        }
    }
    /* The same through a file, whose text is read into a growing buffer first. */
    char path[] = "/tmp/dorf-vrp-read-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        fputs(li_lim_tiny, f);
        fclose(f);
        dorf_alloc_fail_after(0, 0);
        CHECK_EQ_INT(dorf_vrp_read(ctx, path, &inst), DORF_OK);
        unsigned long calls = dorf_alloc_fail_after(0, 0);
        dorf_vrp_instance_free(inst);
        for (unsigned long n = 1; calls && n <= calls; n++) {
            dorf_alloc_fail_after(n, 0);
            dorf_status st = dorf_vrp_read(ctx, path, &inst);
            dorf_alloc_fail_after(0, 0);
            CHECK_EQ_INT(st, DORF_ENOMEM);
            CHECK(inst == NULL);
        }
    }
    unlink(path);
    dorf_ctx_free(ctx);
}

static void test_write_sintef(void) {
    static const dorf_vrp_task tasks[] = {
        {.id = 5},
        {.id = 3},
        {.id = 7},
        {.id = 12},
    };
    dorf_vrp_problem problem = {.tasks = tasks, .task_count = 4};
    uint32_t r0[] = {0, 1, 2};
    uint32_t r2[] = {3};
    dorf_vrp_route routes[] = {
        {.vehicle = 0, .tasks = r0, .task_count = 3},
        {.vehicle = 1, .tasks = NULL, .task_count = 0},
        {.vehicle = 4, .tasks = r2, .task_count = 1},
    };
    dorf_vrp_solution solution = {.routes = routes, .route_count = 3};
    dorf_ctx *ctx = dorf_ctx_new();
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    CHECK_EQ_INT(dorf_vrp_write_sintef(ctx, f, &problem, &solution), DORF_OK);
    fclose(f);
    CHECK_STR(text, "Route 1 : 5 3 7\nRoute 2 : 12\n");
    free(text);

    dorf_vrp_solution none = {0};
    f = open_memstream(&text, &size);
    CHECK_EQ_INT(dorf_vrp_write_sintef(ctx, f, &problem, &none), DORF_OK);
    fclose(f);
    CHECK_STR(text, "");
    free(text);

    f = fopen("/dev/full", "w");
    if (f) {
        CHECK_EQ_INT(dorf_vrp_write_sintef(ctx, f, &problem, &solution), DORF_EIO);
        CHECK_CONTAINS(dorf_ctx_errmsg(ctx), "writing the routes");
        fclose(f);
    }

    r2[0] = 4;
    f = open_memstream(&text, &size);
    CHECK_EQ_INT(dorf_vrp_write_sintef(ctx, f, &problem, &solution), DORF_EINVAL);
    fclose(f);
    CHECK_STR(text, "");
    free(text);
    dorf_ctx_free(ctx);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_li_lim_tiny_exact);
    RUN(test_li_lim_speed_is_ignored);
    RUN(test_solomon_tiny_exact);
    RUN(test_names_lose_directory_and_extension_and_are_cut);
    RUN(test_blank_lines_tabs_and_crlf_are_accepted);
    RUN(test_missing_file_is_an_io_error);
    RUN(test_damaged_texts_are_refused_naming_the_line);
    RUN(test_absurd_sizes_are_refused);
    RUN(test_every_allocation_failure_is_reported);
    RUN(test_write_sintef);
    RUN(test_every_benchmark_file_is_read);
    RUN(test_lc101_and_c1_2_1_exact);
    return check_summary();
}
