/*
 * test_tile_path.c: tests of api/tile_path.c, reading /tiles/SOURCE/{z}/{x}/{y}.mvt: valid
 * addresses at the limits of each zoom, and every kind of malformed one refused with a
 * message naming the part.
 */
#include "check.h"
#include "tile_path.h"

static void test_valid_addresses_are_read(void) {
    tile_addr t;
    char msg[160];
    CHECK_EQ_INT(tile_path_parse("0", "0", "0.mvt", &t, msg, sizeof msg), 0);
    CHECK(t.z == 0 && t.x == 0 && t.y == 0);
    CHECK_EQ_INT(tile_path_parse("14", "8717", "5557.mvt", &t, msg, sizeof msg), 0);
    CHECK(t.z == 14 && t.x == 8717 && t.y == 5557);
    CHECK_EQ_INT(tile_path_parse("22", "4194303", "4194303.mvt", &t, msg, sizeof msg), 0);
    CHECK(t.x == 4194303 && t.y == 4194303);
    CHECK_EQ_INT(tile_path_parse("1", "1", "1.mvt", &t, msg, sizeof msg), 0);
}

static void test_malformed_addresses_are_refused_with_a_reason(void) {
    static const char *const bad[][4] = {
        {"23", "0", "0.mvt", "zoom"},
        {"-1", "0", "0.mvt", "zoom"},
        {"", "0", "0.mvt", "zoom"},
        {"a", "0", "0.mvt", "zoom"},
        {"01", "0", "0.mvt", "zoom"},
        {"+1", "0", "0.mvt", "zoom"},
        {"1 ", "0", "0.mvt", "zoom"},
        {"99999999999999999999", "0", "0.mvt", "zoom"},
        {"1", "2", "0.mvt", "column"},
        {"1", "-0", "0.mvt", "column"},
        {"1", "", "0.mvt", "column"},
        {"1", "0x1", "0.mvt", "column"},
        {"0", "1", "0.mvt", "column"},
        {"1", "0", "2.mvt", "row"},
        {"1", "0", ".mvt", "row"},
        {"1", "0", "0", "{y}.mvt"},
        {"1", "0", "0.png", "{y}.mvt"},
        {"1", "0", "0.mvt.gz", "{y}.mvt"},
        {"1", "0", "0.MVT", "{y}.mvt"},
        {"1", "0", "00.mvt", "row"},
        {"22", "4194304", "0.mvt", "column"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tile_addr t;
        char msg[160];
        int rc = tile_path_parse(bad[i][0], bad[i][1], bad[i][2], &t, msg, sizeof msg);
        if (rc != -1 || !strstr(msg, bad[i][3])) {
            fprintf(stderr, "  %s/%s/%s: rc %d, '%s'\n", bad[i][0], bad[i][1], bad[i][2], rc, msg);
        }
        CHECK_EQ_INT(rc, -1);
        CHECK_CONTAINS(msg, bad[i][3]);
    }
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_valid_addresses_are_read);
    RUN(test_malformed_addresses_are_refused_with_a_reason);
    return check_summary();
}
