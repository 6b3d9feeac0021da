/*
 * test_households.c: tests of estimate_households() in importers/households.c.
 *
 * One test per rule of the file comment of households.c, in its order of evidence (flats;
 * apartment blocks and terraces by addresses or floor area; houses; buildings of unknown use
 * with an address; house-sized buildings of unknown use in residential areas; everything
 * else), with the boundaries of each rule and the household source it reports.
 */
#include <stddef.h>

#include "check.h"
#include "import_internal.h"

/* A building of `kind` with nothing else known: no levels, flats or addresses, not in an area. */
static struct building_facts building(const char *kind, double area_m2) {
    struct building_facts b = {kind, area_m2, 0, -1, 0, 0};
    return b;
}

/* Estimates `b`, checking the count and the source it reports. */
#define CHECK_HOUSEHOLDS(b, count, src)                                                            \
    do {                                                                                           \
        dorf_household_source check_src_ = (dorf_household_source)-1;                              \
        CHECK_EQ_INT(estimate_households(&(b), &check_src_), (count));                             \
        CHECK_STR(dorf_household_source_name(check_src_), dorf_household_source_name(src));        \
    } while (0)

/* ---- 1. building:flats ---- */

static void test_flats_are_the_households(void) {
    struct building_facts b = building("apartments", 400);
    b.flats = 7;
    b.addresses = 2;
    b.levels = 4;
    CHECK_HOUSEHOLDS(b, 7, DORF_HH_FLATS);
}

static void test_flats_count_on_a_building_of_any_kind(void) {
    struct building_facts b = building("commercial", 500);
    b.flats = 3;
    CHECK_HOUSEHOLDS(b, 3, DORF_HH_FLATS);
    b = building("house", 120);
    b.flats = 2;
    CHECK_HOUSEHOLDS(b, 2, DORF_HH_FLATS);
}

static void test_flats_one_on_a_house_is_one_household_from_flats(void) {
    struct building_facts b = building("house", 120);
    b.flats = 1;
    b.addresses = 3;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_FLATS);
}

static void test_flats_zero_means_no_households(void) {
    struct building_facts b = building("apartments", 400);
    b.flats = 0;
    b.addresses = 4;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
    b = building("house", 150);
    b.flats = 0;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
    b = building("yes", 150);
    b.flats = 0;
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
}

/* ---- 2. apartment blocks and terraces ---- */

static void test_apartments_without_levels_assume_three_levels(void) {
    /* 250 m2 x 3 levels / 75 m2 = 10 dwellings. */
    struct building_facts b = building("apartments", 250);
    CHECK_HOUSEHOLDS(b, 10, DORF_HH_FLOOR_AREA);
}

static void test_apartments_use_mapped_levels(void) {
    /* 250 m2 x 2 levels / 75 m2 = 6.67, rounded to 7. */
    struct building_facts b = building("apartments", 250);
    b.levels = 2;
    CHECK_HOUSEHOLDS(b, 7, DORF_HH_FLOOR_AREA);
    /* 300 m2 x 5 / 75 = 20. */
    b = building("apartments", 300);
    b.levels = 5;
    CHECK_HOUSEHOLDS(b, 20, DORF_HH_FLOOR_AREA);
}

static void test_apartments_take_addresses_when_there_are_more_than_by_area(void) {
    struct building_facts b = building("apartments", 100); /* 100 x 3 / 75 = 4 */
    b.addresses = 6;
    CHECK_HOUSEHOLDS(b, 6, DORF_HH_ADDRESSES);
}

static void test_apartments_take_floor_area_when_it_gives_more_than_addresses(void) {
    struct building_facts b = building("apartments", 500); /* 500 x 3 / 75 = 20 */
    b.addresses = 2;
    CHECK_HOUSEHOLDS(b, 20, DORF_HH_FLOOR_AREA);
}

static void test_apartments_with_as_many_addresses_as_by_area_report_addresses(void) {
    struct building_facts b = building("apartments", 100); /* 4 */
    b.addresses = 4;
    CHECK_HOUSEHOLDS(b, 4, DORF_HH_ADDRESSES);
}

static void test_tiny_apartment_block_has_at_least_one_household(void) {
    struct building_facts b = building("apartments", 10); /* 10 x 3 / 75 = 0.4 */
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_FLOOR_AREA);
}

static void test_residential_and_dormitory_count_as_apartment_blocks(void) {
    struct building_facts b = building("residential", 250);
    CHECK_HOUSEHOLDS(b, 10, DORF_HH_FLOOR_AREA);
    b = building("dormitory", 250);
    b.levels = 3;
    CHECK_HOUSEHOLDS(b, 10, DORF_HH_FLOOR_AREA);
}

static void test_terrace_has_one_dwelling_per_60_m2_of_footprint(void) {
    struct building_facts b = building("terrace", 300); /* 300 / 60 = 5 */
    CHECK_HOUSEHOLDS(b, 5, DORF_HH_FLOOR_AREA);
}

static void test_terrace_ignores_levels(void) {
    struct building_facts b = building("terrace", 300);
    b.levels = 3;
    CHECK_HOUSEHOLDS(b, 5, DORF_HH_FLOOR_AREA);
}

static void test_terrace_takes_addresses_when_more(void) {
    struct building_facts b = building("terrace", 240); /* 4 */
    b.addresses = 6;
    CHECK_HOUSEHOLDS(b, 6, DORF_HH_ADDRESSES);
}

static void test_small_terrace_has_at_least_one_household(void) {
    struct building_facts b = building("terrace", 20);
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_FLOOR_AREA);
}

/* ---- 3. houses ---- */

static void test_house_without_address_is_one_household(void) {
    static const char *const kinds[] = {"house", "detached", "semidetached_house",
                                        "farm",  "bungalow", "villa"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct building_facts b = building(kinds[i], 140);
        CHECK_HOUSEHOLDS(b, 1, DORF_HH_DEFAULT);
    }
}

static void test_house_has_one_household_per_distinct_address(void) {
    struct building_facts b = building("semidetached_house", 160);
    b.addresses = 2;
    CHECK_HOUSEHOLDS(b, 2, DORF_HH_ADDRESSES);
    b = building("house", 140);
    b.addresses = 1;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_ADDRESSES);
}

static void test_house_ignores_floor_area_and_residential_area(void) {
    /* A large house is still one household; the size rules are for unknown kinds only. */
    struct building_facts b = building("house", 900);
    b.levels = 3;
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_DEFAULT);
    b = building("detached", 15);
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_DEFAULT);
}

/* ---- 4. unknown use with an address ---- */

static void test_unknown_building_with_address_and_30_m2_has_households(void) {
    struct building_facts b = building("yes", 30.0);
    b.addresses = 1;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_ADDRESSES);
    b = building("yes", 200);
    b.addresses = 3;
    CHECK_HOUSEHOLDS(b, 3, DORF_HH_ADDRESSES);
}

static void test_unknown_building_with_address_under_30_m2_has_none(void) {
    struct building_facts b = building("yes", 29.9);
    b.addresses = 1;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
    /* Not even in a residential area: the address rule decides, and it says no. */
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
}

static void test_all_unknown_kinds_follow_the_address_rule(void) {
    static const char *const kinds[] = {"yes", "building", "unknown", "undefined"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct building_facts b = building(kinds[i], 120);
        b.addresses = 2;
        CHECK_HOUSEHOLDS(b, 2, DORF_HH_ADDRESSES);
    }
}

/* ---- 5. unknown use, no address, in a residential area ---- */

static void test_house_sized_unknown_building_in_residential_area_is_one_household(void) {
    struct building_facts b = building("yes", 120);
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_RESIDENTIAL_AREA);
}

static void test_residential_area_rule_includes_60_and_300_m2(void) {
    struct building_facts b = building("yes", 60.0);
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_RESIDENTIAL_AREA);
    b.area_m2 = 300.0;
    CHECK_HOUSEHOLDS(b, 1, DORF_HH_RESIDENTIAL_AREA);
}

static void test_residential_area_rule_excludes_garages_and_barns(void) {
    struct building_facts b = building("yes", 59.9);
    b.in_residential_area = 1;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
    b.area_m2 = 300.1;
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
}

static void test_unknown_building_outside_residential_area_has_none(void) {
    struct building_facts b = building("yes", 120);
    CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
}

/* ---- 6. everything else ---- */

static void test_non_residential_kinds_have_no_households(void) {
    static const char *const kinds[] = {"barn",       "garage", "church",         "retail",
                                        "industrial", "shed",   "farm_auxiliary", "school"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct building_facts b = building(kinds[i], 150);
        b.addresses = 1;
        b.levels = 2;
        b.in_residential_area = 1;
        CHECK_HOUSEHOLDS(b, 0, DORF_HH_NONE);
    }
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_flats_are_the_households);
    RUN(test_flats_count_on_a_building_of_any_kind);
    RUN(test_flats_one_on_a_house_is_one_household_from_flats);
    RUN(test_flats_zero_means_no_households);
    RUN(test_apartments_without_levels_assume_three_levels);
    RUN(test_apartments_use_mapped_levels);
    RUN(test_apartments_take_addresses_when_there_are_more_than_by_area);
    RUN(test_apartments_take_floor_area_when_it_gives_more_than_addresses);
    RUN(test_apartments_with_as_many_addresses_as_by_area_report_addresses);
    RUN(test_tiny_apartment_block_has_at_least_one_household);
    RUN(test_residential_and_dormitory_count_as_apartment_blocks);
    RUN(test_terrace_has_one_dwelling_per_60_m2_of_footprint);
    RUN(test_terrace_ignores_levels);
    RUN(test_terrace_takes_addresses_when_more);
    RUN(test_small_terrace_has_at_least_one_household);
    RUN(test_house_without_address_is_one_household);
    RUN(test_house_has_one_household_per_distinct_address);
    RUN(test_house_ignores_floor_area_and_residential_area);
    RUN(test_unknown_building_with_address_and_30_m2_has_households);
    RUN(test_unknown_building_with_address_under_30_m2_has_none);
    RUN(test_all_unknown_kinds_follow_the_address_rule);
    RUN(test_house_sized_unknown_building_in_residential_area_is_one_household);
    RUN(test_residential_area_rule_includes_60_and_300_m2);
    RUN(test_residential_area_rule_excludes_garages_and_barns);
    RUN(test_unknown_building_outside_residential_area_has_none);
    RUN(test_non_residential_kinds_have_no_households);
    return check_summary();
}
