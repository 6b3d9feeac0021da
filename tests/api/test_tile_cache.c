/*
 * test_tile_cache.c: tests of api/tile_cache.c: what is put is got back as a copy, empty
 * tiles too; another generation misses; the bound on bytes holds by evicting the least
 * recently used; clearing empties it.
 */
#include <stdlib.h>

#include "check.h"
#include "dorf/alloc.h"
#include "tile_cache.h"

static void test_put_then_get_gives_a_copy(void) {
    tile_cache *c = tile_cache_new(1 << 20);
    uint8_t bytes[100];
    for (int i = 0; i < 100; i++) {
        bytes[i] = (uint8_t)i;
    }
    tile_cache_put(c, 1, 14, 8717, 5557, bytes, sizeof bytes);
    tile_cache_put(c, 1, 14, 8717, 5558, NULL, 0);
    uint8_t *data;
    size_t size;
    CHECK_EQ_INT(tile_cache_get(c, 1, 14, 8717, 5557, &data, &size), 1);
    CHECK_EQ_INT(size, 100);
    CHECK(data && memcmp(data, bytes, 100) == 0 && data != bytes);
    dorf_free(data);
    CHECK_EQ_INT(tile_cache_get(c, 1, 14, 8717, 5558, &data, &size), 1);
    CHECK(data == NULL && size == 0);
    CHECK_EQ_INT(tile_cache_get(c, 2, 14, 8717, 5557, &data, &size), 0); /* other generation */
    CHECK_EQ_INT(tile_cache_get(c, 1, 14, 5557, 8717, &data, &size), 0);
    CHECK_EQ_INT(tile_cache_get(c, 1, 13, 8717, 5557, &data, &size), 0);
    tile_cache_clear(c);
    CHECK_EQ_INT(tile_cache_get(c, 1, 14, 8717, 5557, &data, &size), 0);
    size_t entries, held;
    tile_cache_usage(c, &entries, &held);
    CHECK(entries == 0 && held == 0);
    tile_cache_free(c);
}

static void test_the_bound_holds_and_the_least_recently_used_go_first(void) {
    const size_t bound = 64 * 1024;
    tile_cache *c = tile_cache_new(bound);
    uint8_t bytes[1000] = {0};
    uint8_t *data;
    size_t size, entries, held;
    for (uint32_t i = 0; i < 1000; i++) {
        tile_cache_put(c, 1, 16, i, 0, bytes, sizeof bytes);
        /* Tile 0 is used all the time: it must stay. */
        CHECK_EQ_INT(tile_cache_get(c, 1, 16, 0, 0, &data, &size), 1);
        dorf_free(data);
        tile_cache_usage(c, &entries, &held);
        CHECK(held <= bound);
    }
    CHECK(entries > 10);
    CHECK_EQ_INT(tile_cache_get(c, 1, 16, 999, 0, &data, &size), 1); /* the newest */
    dorf_free(data);
    CHECK_EQ_INT(tile_cache_get(c, 1, 16, 1, 0, &data, &size), 0); /* long gone */
    /* A tile larger than the bound is not kept, and does not empty the cache. */
    uint8_t *big = calloc(1, bound + 1);
    tile_cache_put(c, 1, 0, 0, 0, big, bound + 1);
    free(big);
    CHECK_EQ_INT(tile_cache_get(c, 1, 0, 0, 0, &data, &size), 0);
    CHECK_EQ_INT(tile_cache_get(c, 1, 16, 0, 0, &data, &size), 1);
    dorf_free(data);
    /* Replacing an entry keeps one entry. */
    tile_cache_usage(c, &entries, &held);
    tile_cache_put(c, 1, 16, 0, 0, bytes, 10);
    size_t entries2, held2;
    tile_cache_usage(c, &entries2, &held2);
    CHECK_EQ_INT(entries2, entries);
    CHECK_EQ_INT(held2, held - 990);
    tile_cache_free(c);
}

static void test_many_entries_grow_the_table(void) {
    tile_cache *c = tile_cache_new((size_t)64 << 20);
    uint8_t b = 7;
    for (uint32_t i = 0; i < 20000; i++) {
        tile_cache_put(c, 3, 16, i, i, &b, 1);
    }
    int all = 1;
    for (uint32_t i = 0; i < 20000; i++) {
        uint8_t *data;
        size_t size;
        all &= tile_cache_get(c, 3, 16, i, i, &data, &size) == 1 && size == 1 && *data == 7;
        dorf_free(data);
    }
    CHECK(all);
    tile_cache_free(c);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_put_then_get_gives_a_copy);
    RUN(test_the_bound_holds_and_the_least_recently_used_go_first);
    RUN(test_many_entries_grow_the_table);
    return check_summary();
}
