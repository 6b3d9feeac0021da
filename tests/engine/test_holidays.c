/*
 * test_holidays.c: tests of engine/holidays.c, the German public-holiday calendar.
 *
 * Easter dates are the published ones (e.g. 5 April 2026, 31 March 2024, 23 March 2008 and the
 * extremes 22 March 1818 / 2285 and 25 April 2038); state holidays follow the states' holiday
 * laws as of 2026.
 */
#include <stddef.h>

#include "check.h"
#include "dorf/opening_hours.h"

static const char *const all_states[] = {"DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH",
                                         "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL",
                                         "DE-SN", "DE-ST", "DE-SH", "DE-TH"};
#define N_STATES (sizeof all_states / sizeof all_states[0])

/* How many of the 16 states keep a holiday on the date. */
static int states_keeping(int year, int month, int day) {
    int n = 0;
    for (size_t i = 0; i < N_STATES; i++) {
        n += dorf_is_public_holiday(all_states[i], year, month, day);
    }
    return n;
}

static void test_good_friday_and_easter_monday_follow_easter_in_many_years(void) {
    static const struct {
        int year;
        int good_friday_month;
        int good_friday_day;
        int easter_monday_month;
        int easter_monday_day;
    } years[] = {
        {1818, 3, 20, 3, 23}, {2000, 4, 21, 4, 24}, {2008, 3, 21, 3, 24}, {2011, 4, 22, 4, 25},
        {2019, 4, 19, 4, 22}, {2024, 3, 29, 4, 1},  {2025, 4, 18, 4, 21}, {2026, 4, 3, 4, 6},
        {2027, 3, 26, 3, 29}, {2028, 4, 14, 4, 17}, {2038, 4, 23, 4, 26}, {2285, 3, 20, 3, 23},
    };
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        int y = years[i].year;
        CHECK(
            dorf_is_public_holiday(NULL, y, years[i].good_friday_month, years[i].good_friday_day));
        CHECK(dorf_is_public_holiday(NULL, y, years[i].easter_monday_month,
                                     years[i].easter_monday_day));
        /* Holy Saturday, between them, is no holiday anywhere. */
        int sat_month = years[i].good_friday_month;
        int sat_day = years[i].good_friday_day + 1;
        if (sat_day > 31 || (sat_month == 4 && sat_day > 30)) {
            sat_month++;
            sat_day = 1;
        }
        CHECK_EQ_INT(states_keeping(y, sat_month, sat_day), 0);
        CHECK_EQ_INT(dorf_weekday(y, sat_month, sat_day), 5);
    }
}

static void test_easter_sunday_is_a_holiday_only_in_brandenburg_and_hesse(void) {
    CHECK(!dorf_is_public_holiday(NULL, 2026, 4, 5));
    CHECK(dorf_is_public_holiday("DE-BB", 2026, 4, 5));
    CHECK(dorf_is_public_holiday("DE-HE", 2026, 4, 5));
    CHECK(!dorf_is_public_holiday("DE-BY", 2026, 4, 5));
    CHECK_EQ_INT(states_keeping(2026, 4, 5), 2);
    CHECK_EQ_INT(states_keeping(2026, 5, 24), 2); /* Whit Sunday */
}

static void test_nationwide_fixed_holidays_hold_in_every_state(void) {
    static const int dates[][2] = {{1, 1}, {5, 1}, {10, 3}, {12, 25}, {12, 26}};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        CHECK(dorf_is_public_holiday(NULL, 2026, dates[i][0], dates[i][1]));
        CHECK(dorf_is_public_holiday("DE", 2026, dates[i][0], dates[i][1]));
        CHECK_EQ_INT(states_keeping(2026, dates[i][0], dates[i][1]), 16);
    }
    CHECK(!dorf_is_public_holiday(NULL, 2026, 12, 24));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 12, 31));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 11, 27));
}

static void test_ascension_and_whit_monday_move_with_easter(void) {
    CHECK(dorf_is_public_holiday(NULL, 2026, 5, 14));
    CHECK(dorf_is_public_holiday(NULL, 2026, 5, 25));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 5, 15));
    CHECK(dorf_is_public_holiday(NULL, 2025, 5, 29));
    CHECK(dorf_is_public_holiday(NULL, 2025, 6, 9));
    /* In 2008 Ascension fell on 1 May; both are nationwide, the day counts once. */
    CHECK(dorf_is_public_holiday(NULL, 2008, 5, 1));
    CHECK(!dorf_is_public_holiday(NULL, 2008, 5, 8));
}

static void test_epiphany_only_in_bw_by_and_st(void) {
    CHECK(dorf_is_public_holiday("DE-BW", 2026, 1, 6));
    CHECK(dorf_is_public_holiday("DE-BY", 2026, 1, 6));
    CHECK(dorf_is_public_holiday("DE-ST", 2026, 1, 6));
    CHECK(!dorf_is_public_holiday("DE-NI", 2026, 1, 6));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 1, 6));
    CHECK_EQ_INT(states_keeping(2026, 1, 6), 3);
}

static void test_corpus_christi_in_six_states(void) {
    CHECK(dorf_is_public_holiday("DE-BW", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("DE-BY", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("DE-HE", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("DE-NW", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("DE-RP", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("DE-SL", 2026, 6, 4));
    CHECK(!dorf_is_public_holiday("DE-SN", 2026, 6, 4));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 6, 4));
    CHECK_EQ_INT(states_keeping(2026, 6, 4), 6);
    CHECK(dorf_is_public_holiday("DE-BY", 2024, 5, 30));
}

static void test_assumption_in_saarland_and_bavaria(void) {
    CHECK(dorf_is_public_holiday("DE-SL", 2026, 8, 15));
    CHECK(dorf_is_public_holiday("DE-BY", 2026, 8, 15));
    CHECK(!dorf_is_public_holiday("DE-BW", 2026, 8, 15));
    CHECK_EQ_INT(states_keeping(2026, 8, 15), 2);
}

static void test_reformation_day_in_the_north_and_east(void) {
    CHECK_EQ_INT(states_keeping(2026, 10, 31), 9);
    CHECK(dorf_is_public_holiday("DE-SN", 2026, 10, 31));
    CHECK(dorf_is_public_holiday("DE-NI", 2026, 10, 31));
    CHECK(!dorf_is_public_holiday("DE-BY", 2026, 10, 31));
    CHECK(!dorf_is_public_holiday("DE-BE", 2026, 10, 31));
    /* The northern states added it in 2018; in 2017 it was a one-off nationwide holiday. */
    CHECK(!dorf_is_public_holiday("DE-NI", 2016, 10, 31));
    CHECK(dorf_is_public_holiday("DE-NI", 2018, 10, 31));
    CHECK(dorf_is_public_holiday(NULL, 2017, 10, 31));
    CHECK_EQ_INT(states_keeping(2017, 10, 31), 16);
    CHECK(!dorf_is_public_holiday(NULL, 2018, 10, 31));
}

static void test_all_saints_in_five_states(void) {
    CHECK_EQ_INT(states_keeping(2026, 11, 1), 5);
    CHECK(dorf_is_public_holiday("DE-NW", 2026, 11, 1));
    CHECK(!dorf_is_public_holiday("DE-BE", 2026, 11, 1));
}

static void test_repentance_day_only_in_saxony(void) {
    CHECK(dorf_is_public_holiday("DE-SN", 2026, 11, 18));
    CHECK(dorf_is_public_holiday("DE-SN", 2025, 11, 19));
    CHECK(dorf_is_public_holiday("DE-SN", 2024, 11, 20));
    CHECK(!dorf_is_public_holiday("DE-SN", 2026, 11, 19));
    CHECK(!dorf_is_public_holiday("DE-SN", 2026, 11, 25));
    CHECK(!dorf_is_public_holiday("DE-BY", 2026, 11, 18));
    CHECK_EQ_INT(states_keeping(2026, 11, 18), 1);
}

static void test_womens_day_in_berlin_since_2019_and_mv_since_2023(void) {
    CHECK(dorf_is_public_holiday("DE-BE", 2019, 3, 8));
    CHECK(!dorf_is_public_holiday("DE-BE", 2018, 3, 8));
    CHECK(dorf_is_public_holiday("DE-MV", 2023, 3, 8));
    CHECK(!dorf_is_public_holiday("DE-MV", 2022, 3, 8));
    CHECK_EQ_INT(states_keeping(2026, 3, 8), 2);
}

static void test_childrens_day_in_thuringia_since_2019(void) {
    CHECK(dorf_is_public_holiday("DE-TH", 2019, 9, 20));
    CHECK(!dorf_is_public_holiday("DE-TH", 2018, 9, 20));
    CHECK_EQ_INT(states_keeping(2026, 9, 20), 1);
}

static void test_berlin_liberation_day_one_offs(void) {
    CHECK(dorf_is_public_holiday("DE-BE", 2020, 5, 8));
    CHECK(dorf_is_public_holiday("DE-BE", 2025, 5, 8));
    CHECK(!dorf_is_public_holiday("DE-BE", 2026, 5, 8));
    CHECK(!dorf_is_public_holiday("DE-BY", 2020, 5, 8));
}

static void test_each_state_keeps_its_number_of_holidays_in_2026(void) {
    /* Counted by date, weekends included. */
    static const struct {
        const char *region;
        int count;
    } expected[] = {
        {NULL, 9},     {"DE", 9},     {"DE-BW", 12}, {"DE-BY", 13}, {"DE-BE", 10}, {"DE-BB", 12},
        {"DE-HB", 10}, {"DE-HH", 10}, {"DE-HE", 12}, {"DE-MV", 11}, {"DE-NI", 10}, {"DE-NW", 11},
        {"DE-RP", 11}, {"DE-SL", 12}, {"DE-SN", 11}, {"DE-ST", 11}, {"DE-SH", 10}, {"DE-TH", 11},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        int n = 0;
        for (int month = 1; month <= 12; month++) {
            for (int day = 1; day <= 31; day++) {
                n += dorf_is_public_holiday(expected[i].region, 2026, month, day);
            }
        }
        if (n != expected[i].count) {
            fprintf(stderr, "  region %s\n", expected[i].region ? expected[i].region : "NULL");
        }
        CHECK_EQ_INT(n, expected[i].count);
    }
}

static void test_region_codes_ignore_case_and_unknown_ones_mean_nationwide(void) {
    CHECK(dorf_is_public_holiday("de-by", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("De-By", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("AT", 2026, 1, 1));
    CHECK(!dorf_is_public_holiday("AT", 2026, 6, 4));
    CHECK(dorf_is_public_holiday("", 2026, 12, 25));
    CHECK(!dorf_is_public_holiday("DE-BYX", 2026, 6, 4));
    CHECK(!dorf_is_public_holiday("DE-B", 2026, 6, 4));
}

static void test_impossible_dates_are_not_holidays(void) {
    CHECK(!dorf_is_public_holiday(NULL, 2026, 2, 30));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 13, 1));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 0, 1));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 1, 0));
    CHECK(!dorf_is_public_holiday(NULL, 2026, 4, 31));
    CHECK(!dorf_is_public_holiday(NULL, 1500, 1, 1)); /* before the Gregorian calendar */
    CHECK(!dorf_is_public_holiday(NULL, -4, 1, 1));
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_good_friday_and_easter_monday_follow_easter_in_many_years);
    RUN(test_easter_sunday_is_a_holiday_only_in_brandenburg_and_hesse);
    RUN(test_nationwide_fixed_holidays_hold_in_every_state);
    RUN(test_ascension_and_whit_monday_move_with_easter);
    RUN(test_epiphany_only_in_bw_by_and_st);
    RUN(test_corpus_christi_in_six_states);
    RUN(test_assumption_in_saarland_and_bavaria);
    RUN(test_reformation_day_in_the_north_and_east);
    RUN(test_all_saints_in_five_states);
    RUN(test_repentance_day_only_in_saxony);
    RUN(test_womens_day_in_berlin_since_2019_and_mv_since_2023);
    RUN(test_childrens_day_in_thuringia_since_2019);
    RUN(test_berlin_liberation_day_one_offs);
    RUN(test_each_state_keeps_its_number_of_holidays_in_2026);
    RUN(test_region_codes_ignore_case_and_unknown_ones_mean_nationwide);
    RUN(test_impossible_dates_are_not_holidays);
    return check_summary();
}
