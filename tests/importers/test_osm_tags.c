/*
 * test_osm_tags.c: tests of osm_parse_other_tags() in importers/osm_tags.c, the parser of the
 * "other_tags" strings GDAL's OSM driver writes.
 *
 * The form is `"key"=>"value"` pairs separated by commas, with `"` and `\` escaped by a
 * backslash, and nothing looser: each malformed form must give DORF_EPARSE with a message that
 * says at which character (1-based) the text went wrong.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dorf/arena.h"
#include "dorf/context.h"
#include "import_internal.h"

/* One parse with its own context, arena and tag list; release with parse_done(). */
struct parse {
    dorf_ctx *ctx;
    dorf_arena *arena;
    struct osm_tags tags;
    dorf_status status;
};

static struct parse parse(const char *text) {
    struct parse p = {dorf_ctx_new(), dorf_arena_new(), {0}, DORF_EINVAL};
    CHECK(p.ctx != NULL);
    CHECK(p.arena != NULL);
    if (p.ctx && p.arena) {
        p.status = osm_parse_other_tags(p.ctx, p.arena, text, &p.tags);
    }
    return p;
}

static void parse_done(struct parse *p) {
    osm_tags_release(&p->tags);
    dorf_arena_free(p->arena);
    dorf_ctx_free(p->ctx);
}

/* Checks that `text` is refused as malformed, with `detail` in the message. */
static void check_refused(const char *text, const char *detail) {
    struct parse p = parse(text);
    CHECK_EQ_INT(p.status, DORF_EPARSE);
    CHECK_EQ_INT(dorf_ctx_status(p.ctx), DORF_EPARSE);
    CHECK_CONTAINS(dorf_ctx_errmsg(p.ctx), "at character");
    CHECK_CONTAINS(dorf_ctx_errmsg(p.ctx), detail);
    if (p.status != DORF_EPARSE) {
        fprintf(stderr, "    input: %s\n", text);
    }
    parse_done(&p);
}

static void test_plain_pairs_are_read_in_order(void) {
    struct parse p = parse("\"shop\"=>\"bakery\",\"name\"=>\"Beck\",\"opening_hours\"=>\"Mo-Sa "
                           "06:00-12:00\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 3);
    if (p.tags.count == 3) {
        CHECK_STR(p.tags.keys[0], "shop");
        CHECK_STR(p.tags.values[0], "bakery");
        CHECK_STR(p.tags.keys[1], "name");
        CHECK_STR(p.tags.values[1], "Beck");
        CHECK_STR(p.tags.keys[2], "opening_hours");
        CHECK_STR(p.tags.values[2], "Mo-Sa 06:00-12:00");
    }
    CHECK_STR(osm_tag(&p.tags, "name"), "Beck");
    CHECK(osm_tag(&p.tags, "amenity") == NULL);
    CHECK_STR(dorf_ctx_errmsg(p.ctx), "");
    parse_done(&p);
}

static void test_single_pair(void) {
    struct parse p = parse("\"building:levels\"=>\"2\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 1);
    CHECK_STR(osm_tag(&p.tags, "building:levels"), "2");
    parse_done(&p);
}

static void test_empty_string_gives_no_tags(void) {
    struct parse p = parse("");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 0);
    parse_done(&p);
}

static void test_empty_value_is_kept(void) {
    struct parse p = parse("\"note\"=>\"\",\"a\"=>\"b\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 2);
    CHECK_STR(osm_tag(&p.tags, "note"), "");
    CHECK_STR(osm_tag(&p.tags, "a"), "b");
    parse_done(&p);
}

static void test_escaped_quotes_are_unescaped(void) {
    struct parse p = parse("\"name\"=>\"Gasthof \\\"Zur Linde\\\"\",\"x\"=>\"y\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 2);
    CHECK_STR(osm_tag(&p.tags, "name"), "Gasthof \"Zur Linde\"");
    CHECK_STR(osm_tag(&p.tags, "x"), "y");
    parse_done(&p);
}

static void test_escaped_backslashes_are_unescaped(void) {
    /* Text: "path"=>"C:\\dorf\\", "k\"ey"=>"v" */
    struct parse p = parse("\"path\"=>\"C:\\\\dorf\\\\\",\"k\\\"ey\"=>\"v\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 2);
    CHECK_STR(osm_tag(&p.tags, "path"), "C:\\dorf\\");
    CHECK_STR(osm_tag(&p.tags, "k\"ey"), "v");
    parse_done(&p);
}

static void test_commas_and_arrows_inside_strings_do_not_split(void) {
    struct parse p = parse("\"note\"=>\"a,b=>c\",\"ref\"=>\"1,2\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 2);
    CHECK_STR(osm_tag(&p.tags, "note"), "a,b=>c");
    CHECK_STR(osm_tag(&p.tags, "ref"), "1,2");
    parse_done(&p);
}

static void test_utf8_keys_and_values_are_kept_byte_for_byte(void) {
    struct parse p = parse("\"name:ru\"=>\"Байройт\",\"name\"=>\"Bäckerei Müller\","
                           "\"straße\"=>\"日本\"");
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 3);
    CHECK_STR(osm_tag(&p.tags, "name:ru"), "Байройт");
    CHECK_STR(osm_tag(&p.tags, "name"), "Bäckerei Müller");
    CHECK_STR(osm_tag(&p.tags, "straße"), "日本");
    parse_done(&p);
}

static void test_strings_are_copied_into_the_arena(void) {
    char text[] = "\"amenity\"=>\"pharmacy\"";
    struct parse p = parse(text);
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK(dorf_arena_used(p.arena) > 0);
    memset(text, 'x', sizeof text - 1); /* the parse must not point into the input */
    CHECK_STR(osm_tag(&p.tags, "amenity"), "pharmacy");
    parse_done(&p);
}

static void test_pairs_are_appended_to_existing_tags(void) {
    struct parse p = {dorf_ctx_new(), dorf_arena_new(), {0}, DORF_EINVAL};
    CHECK(p.ctx && p.arena);
    CHECK_EQ_INT(osm_tags_add(&p.tags, "building", "yes"), 0);
    p.status = osm_parse_other_tags(p.ctx, p.arena, "\"shop\"=>\"farm\"", &p.tags);
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 2);
    CHECK_STR(osm_tag(&p.tags, "building"), "yes");
    CHECK_STR(osm_tag(&p.tags, "shop"), "farm");
    parse_done(&p);
}

static void test_many_pairs_grow_the_list(void) {
    char text[4096];
    size_t len = 0;
    text[0] = '\0';
    for (int i = 0; i < 100; i++) {
        len += (size_t)snprintf(text + len, sizeof text - len, "%s\"k%d\"=>\"v%d\"", i ? "," : "",
                                i, i);
    }
    CHECK(len < sizeof text);
    struct parse p = parse(text);
    CHECK_EQ_INT(p.status, DORF_OK);
    CHECK_EQ_INT(p.tags.count, 100);
    CHECK_STR(osm_tag(&p.tags, "k0"), "v0");
    CHECK_STR(osm_tag(&p.tags, "k57"), "v57");
    CHECK_STR(osm_tag(&p.tags, "k99"), "v99");
    parse_done(&p);
}

/* ---- malformed text ---- */

static void test_missing_arrow_is_a_parse_error(void) {
    check_refused("\"a\"=\"b\"", "at character 4: expected '=>'");
    check_refused("\"a\"\"b\"", "at character 4: expected '=>'");
    check_refused("\"a\"", "at character 4: expected '=>'");
    check_refused("\"a\",\"b\"=>\"c\"", "expected '=>'");
}

static void test_unterminated_string_is_a_parse_error(void) {
    check_refused("\"a\"=>\"b", "at character 6: unterminated string");
    check_refused("\"a", "at character 1: unterminated string");
    check_refused("\"a\"=>\"b\",\"c", "at character 10: unterminated string");
}

static void test_escaped_closing_quote_leaves_string_unterminated(void) {
    check_refused("\"a\"=>\"b\\\"", "unterminated string");
    check_refused("\"a\"=>\"b\\", "unterminated string");
}

static void test_trailing_comma_is_a_parse_error(void) {
    check_refused("\"a\"=>\"b\",", "at character 9: trailing ','");
}

static void test_junk_between_pairs_is_a_parse_error(void) {
    check_refused("\"a\"=>\"b\" \"c\"=>\"d\"", "at character 9: expected ','");
    check_refused("\"a\"=>\"b\";\"c\"=>\"d\"", "at character 9: expected ','");
    check_refused("\"a\"=>\"b\"x", "at character 9: expected ','");
}

static void test_double_comma_is_a_parse_error(void) {
    check_refused("\"a\"=>\"b\",,\"c\"=>\"d\"", "at character 10: expected '\"'");
}

static void test_unquoted_keys_and_values_are_parse_errors(void) {
    check_refused("a=>\"b\"", "at character 1: expected '\"'");
    check_refused("\"a\"=>b", "at character 6: expected '\"'");
    check_refused("\"a\"=>NULL", "at character 6: expected '\"'");
}

static void test_missing_value_is_a_parse_error(void) {
    check_refused("\"a\"=>", "at character 6: expected '\"'");
    check_refused("\"a\"=>,\"b\"=>\"c\"", "at character 6: expected '\"'");
}

static void test_spaces_around_the_arrow_are_refused(void) {
    /* Valid hstore, but not what GDAL writes: the parser accepts nothing looser. */
    check_refused("\"a\" => \"b\"", "at character 4: expected '=>'");
    check_refused(" \"a\"=>\"b\"", "at character 1: expected '\"'");
    check_refused("\"a\"=>\"b\", \"c\"=>\"d\"", "at character 10: expected '\"'");
}

static void test_parse_error_message_names_other_tags(void) {
    struct parse p = parse("\"a\"=>\"b\",");
    CHECK_EQ_INT(p.status, DORF_EPARSE);
    CHECK_CONTAINS(dorf_ctx_errmsg(p.ctx), "other_tags");
    parse_done(&p);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_plain_pairs_are_read_in_order);
    RUN(test_single_pair);
    RUN(test_empty_string_gives_no_tags);
    RUN(test_empty_value_is_kept);
    RUN(test_escaped_quotes_are_unescaped);
    RUN(test_escaped_backslashes_are_unescaped);
    RUN(test_commas_and_arrows_inside_strings_do_not_split);
    RUN(test_utf8_keys_and_values_are_kept_byte_for_byte);
    RUN(test_strings_are_copied_into_the_arena);
    RUN(test_pairs_are_appended_to_existing_tags);
    RUN(test_many_pairs_grow_the_list);
    RUN(test_missing_arrow_is_a_parse_error);
    RUN(test_unterminated_string_is_a_parse_error);
    RUN(test_escaped_closing_quote_leaves_string_unterminated);
    RUN(test_trailing_comma_is_a_parse_error);
    RUN(test_junk_between_pairs_is_a_parse_error);
    RUN(test_double_comma_is_a_parse_error);
    RUN(test_unquoted_keys_and_values_are_parse_errors);
    RUN(test_missing_value_is_a_parse_error);
    RUN(test_spaces_around_the_arrow_are_refused);
    RUN(test_parse_error_message_names_other_tags);
    return check_summary();
}
