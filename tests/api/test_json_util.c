/*
 * test_json_util.c: api_copy_utf8 cuts a text that does not fit at a character boundary, so
 * that names copied into fixed buffers (a route proposal's shop name) stay valid UTF-8 and
 * can still be written as JSON.
 */
#include <jansson.h>
#include <string.h>

#include "check.h"
#include "json_util.h"

/* 1 when `s` is valid UTF-8 as jansson checks it. */
static int valid_utf8(const char *s) {
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static void test_short_texts_are_copied_whole(void) {
    char out[8];
    CHECK_STR(api_copy_utf8(out, sizeof out, "Laden"), "Laden");
    CHECK_STR(api_copy_utf8(out, sizeof out, "1234567"), "1234567"); /* exactly fits */
    CHECK_STR(api_copy_utf8(out, sizeof out, ""), "");
    CHECK_STR(api_copy_utf8(out, sizeof out, "M\xc3\xbchle"), "M\xc3\xbchle");
}

static void test_long_texts_are_cut_before_a_character_that_does_not_fit(void) {
    char out[8];
    CHECK_STR(api_copy_utf8(out, sizeof out, "abcdefghij"), "abcdefg");
    /* "abcdef" + ä (2 bytes): only one byte of ä would fit. */
    CHECK_STR(api_copy_utf8(out, sizeof out, "abcdef\xc3\xa4x"), "abcdef");
    /* "abcde" + € (3 bytes): two of its bytes would fit. */
    CHECK_STR(api_copy_utf8(out, sizeof out, "abcde\xe2\x82\xac"), "abcde");
    /* "abcd" + a bicycle (4 bytes): three of its bytes would fit. */
    CHECK_STR(api_copy_utf8(out, sizeof out, "abcd\xf0\x9f\x9a\xb2"), "abcd");
    /* A character that ends exactly at the limit stays. */
    CHECK_STR(api_copy_utf8(out, sizeof out, "abcde\xc3\xa4xyz"), "abcde\xc3\xa4");
    char one[1];
    CHECK_STR(api_copy_utf8(one, sizeof one, "\xc3\xa4"), "");
}

static void test_every_cut_of_a_long_german_name_is_valid_utf8(void) {
    const char *name = "B\xc3\xa4"
                       "ckerei M\xc3\xbcller & S\xc3\xb6hne \xe2\x80\x93 "
                       "Stra\xc3\x9f"
                       "e der Einheit \xf0\x9f\xa5\xa8";
    size_t len = strlen(name);
    CHECK(valid_utf8(name));
    for (size_t size = 1; size <= len + 1; size++) {
        char out[128];
        api_copy_utf8(out, size, name);
        CHECK(strlen(out) < size);
        CHECK(strncmp(out, name, strlen(out)) == 0);
        CHECK(valid_utf8(out));
        /* Never more than a character (at most 3 bytes) shorter than what fitted. */
        CHECK(strlen(out) + 3 >= (len < size - 1 ? len : size - 1));
    }
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_short_texts_are_copied_whole);
    RUN(test_long_texts_are_cut_before_a_character_that_does_not_fit);
    RUN(test_every_cut_of_a_long_german_name_is_valid_utf8);
    return check_summary();
}
