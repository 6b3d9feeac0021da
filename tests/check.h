/*
 * check.h: the tiny test runner every dorf unit test uses.
 *
 * A test file defines `static void test_something(void)` functions and a main that runs them
 * with RUN(test_something) and ends with `return check_summary();`, which prints
 * "N passed, N failed" and returns the exit code. A CHECK failure marks the running test as
 * failed, prints file:line and the expression, and continues with the next check, so one run
 * shows every broken expectation. Header-only, so each test is one self-contained program.
 */
#ifndef DORF_TESTS_CHECK_H
#define DORF_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Unused in a test file whose tests are all compiled out (e.g. without fault injection). */
__attribute__((unused)) static int check_tests_passed;
__attribute__((unused)) static int check_tests_failed;
__attribute__((unused)) static int check_current_failed;
__attribute__((unused)) static const char *check_filter;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            check_current_failed = 1;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ != check_b_) {                                                                \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,    \
                    #b, check_a_, check_b_);                                                       \
            check_current_failed = 1;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double check_a_ = (double)(a), check_b_ = (double)(b);                                     \
        if (!(fabs(check_a_ - check_b_) <= (tol))) {                                               \
            fprintf(stderr, "  %s:%d: %s ~= %s failed: %.9g vs %.9g (tol %g)\n", __FILE__,         \
                    __LINE__, #a, #b, check_a_, check_b_, (double)(tol));                          \
            check_current_failed = 1;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                           \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,    \
                    #a, #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");       \
            check_current_failed = 1;                                                              \
        }                                                                                          \
    } while (0)

/* True when `haystack` contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
    do {                                                                                           \
        const char *check_h_ = (haystack), *check_n_ = (needle);                                   \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                            \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,       \
                    check_h_ ? check_h_ : "(null)", check_n_);                                     \
            check_current_failed = 1;                                                              \
        }                                                                                          \
    } while (0)

#define RUN(test)                                                                                  \
    do {                                                                                           \
        if (check_filter && !strstr(#test, check_filter)) {                                        \
            break;                                                                                 \
        }                                                                                          \
        check_current_failed = 0;                                                                  \
        test();                                                                                    \
        if (check_current_failed) {                                                                \
            fprintf(stderr, "FAIL %s\n", #test);                                                   \
            check_tests_failed++;                                                                  \
        } else {                                                                                   \
            printf("ok   %s\n", #test);                                                            \
            check_tests_passed++;                                                                  \
        }                                                                                          \
    } while (0)

/* Optional: `./test_x name` runs only tests whose function name contains `name`. */
#define CHECK_INIT(argc, argv) (check_filter = (argc) > 1 ? (argv)[1] : NULL)

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed);
    fflush(stdout);
    return check_tests_failed ? 1 : 0;
}

#endif
