/*
 * test_router.c: tests of api/router.c (path patterns, the route tables, Allow lists) and of
 * the request validation in api/json_util.c (body parsing with the depth limit, field checks,
 * error bodies).
 */
#include <jansson.h>
#include <string.h>

#include "check.h"
#include "json_util.h"
#include "router.h"

/* The text of parameter i of a match. */
static const char *param(const char *path, const api_span *spans, size_t i, char *buf,
                         size_t size) {
    snprintf(buf, size, "%.*s", (int)spans[i].len, path + spans[i].start);
    return buf;
}

static void test_literal_patterns_match_only_the_same_path(void) {
    api_span s[API_MAX_PARAMS];
    CHECK_EQ_INT(api_pattern_match("/health", "/health", s), 0);
    CHECK_EQ_INT(api_pattern_match("/health", "/health/", s), -1);
    CHECK_EQ_INT(api_pattern_match("/health", "/healthz", s), -1);
    CHECK_EQ_INT(api_pattern_match("/health", "/heal", s), -1);
    CHECK_EQ_INT(api_pattern_match("/health", "//health", s), -1);
    CHECK_EQ_INT(api_pattern_match("/health", "health", s), -1);
    CHECK_EQ_INT(api_pattern_match("/health", "", s), -1);
    CHECK_EQ_INT(api_pattern_match("/api/me", "/api/me", s), 0);
}

static void test_parameters_match_one_nonempty_segment(void) {
    api_span s[API_MAX_PARAMS];
    char buf[64];
    const char *path = "/api/shops/17/products";
    CHECK_EQ_INT(api_pattern_match("/api/shops/{id}/products", path, s), 1);
    CHECK_STR(param(path, s, 0, buf, sizeof buf), "17");
    CHECK_EQ_INT(api_pattern_match("/api/shops/{id}/products", "/api/shops//products", s), -1);
    CHECK_EQ_INT(api_pattern_match("/api/shops/{id}/products", "/api/shops/1/2/products", s), -1);
    CHECK_EQ_INT(api_pattern_match("/api/shops/{id}", "/api/shops/", s), -1);
    path = "/a/x/b/y";
    CHECK_EQ_INT(api_pattern_match("/a/{p}/b/{q}", path, s), 2);
    CHECK_STR(param(path, s, 0, buf, sizeof buf), "x");
    CHECK_STR(param(path, s, 1, buf, sizeof buf), "y");
}

static void test_more_parameters_than_the_limit_do_not_match(void) {
    api_span s[API_MAX_PARAMS];
    CHECK_EQ_INT(api_pattern_match("/{a}/{b}/{c}/{d}", "/1/2/3/4", s), 4);
    CHECK_EQ_INT(api_pattern_match("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", s), -1);
}

static void test_router_finds_routes_and_lists_allowed_methods(void) {
    const api_route *route = NULL;
    api_span s[API_MAX_PARAMS];
    size_t n = 99;
    char allow[128];
    CHECK_EQ_INT(api_router_find("GET", "/health", &route, s, &n, allow, sizeof allow),
                 API_MATCH_FOUND);
    CHECK(route && strcmp(route->pattern, "/health") == 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(api_router_find("HEAD", "/health", &route, s, &n, allow, sizeof allow),
                 API_MATCH_FOUND);
    CHECK_EQ_INT(api_router_find("POST", "/health", &route, s, &n, allow, sizeof allow),
                 API_MATCH_NO_METHOD);
    CHECK_STR(allow, "GET, HEAD");
    CHECK_EQ_INT(api_router_find("GET", "/nothing/here", &route, s, &n, allow, sizeof allow),
                 API_MATCH_NO_PATH);
    CHECK_EQ_INT(api_router_find("GET", "/api/jobs/abc", &route, s, &n, allow, sizeof allow),
                 API_MATCH_FOUND);
    CHECK_EQ_INT(n, 1);
}

/* The error code of a response, or "". */
static const char *error_code(const api_response *res) {
    const char *code =
        json_string_value(json_object_get(json_object_get(res->json, "error"), "code"));
    return code ? code : "";
}

static void test_bodies_are_parsed_with_a_depth_limit(void) {
    api_response res = {0};
    json_t *body = NULL;
    const char *ok = "{\"a\": [[1, 2], {\"b\": \"[[[[\\\"[\"}]}";
    CHECK_EQ_INT(api_parse_body(ok, strlen(ok), 3, &body, &res), 0);
    CHECK(json_is_object(body));
    json_decref(body);
    CHECK_EQ_INT(api_json_depth(ok, strlen(ok), 32), 3);
    CHECK_EQ_INT(api_parse_body(ok, strlen(ok), 2, &body, &res), -1);
    CHECK_EQ_INT(res.status, 400);
    CHECK_STR(error_code(&res), "too_deep");
    CHECK(body == NULL);

    const char *bad = "{\"a\": 1,\n \"b\" 2}";
    CHECK_EQ_INT(api_parse_body(bad, strlen(bad), 32, &body, &res), -1);
    CHECK_STR(error_code(&res), "bad_json");
    CHECK_CONTAINS(
        json_string_value(json_object_get(json_object_get(res.json, "error"), "message")),
        "line 2");
    const char *dup = "{\"a\": 1, \"a\": 2}";
    CHECK_EQ_INT(api_parse_body(dup, strlen(dup), 32, &body, &res), -1);
    CHECK_STR(error_code(&res), "bad_json");
    CHECK_EQ_INT(api_parse_body("42", 2, 32, &body, &res), -1);
    CHECK_STR(error_code(&res), "bad_json");
    /* Invalid UTF-8 quoted in the parser's message still gives a valid error body. */
    const char *latin1 = "{\"a\": \"\xe4\"}";
    CHECK_EQ_INT(api_parse_body(latin1, strlen(latin1), 32, &body, &res), -1);
    CHECK_STR(error_code(&res), "bad_json");
    json_decref(res.json);
}

static void test_fields_are_validated_with_messages_naming_them(void) {
    api_request req = {0};
    api_response res = {0};
    req.body = json_pack("{s:s, s:i, s:f, s:[f,f], s:b, s:s}", "name", "Bäckerei", "count", 7,
                         "price", 2.5, "at", 11.5, 50.0, "open", 1, "empty", "");
    const char *name = NULL;
    CHECK_EQ_INT(api_body_string(&req, "name", API_REQUIRED, 64, &name, &res), 0);
    CHECK_STR(name, "Bäckerei");
    CHECK_EQ_INT(api_body_string(&req, "name", API_REQUIRED, 3, &name, &res), -1);
    CHECK_STR(error_code(&res), "bad_field");
    CHECK_EQ_INT(api_body_string(&req, "empty", API_REQUIRED, 3, &name, &res), -1);
    CHECK_EQ_INT(api_body_string(&req, "empty", API_ALLOW_EMPTY, 3, &name, &res), 0);
    CHECK_EQ_INT(api_body_string(&req, "missing", API_REQUIRED, 3, &name, &res), -1);
    CHECK_STR(error_code(&res), "missing_field");
    CHECK_CONTAINS(
        json_string_value(json_object_get(json_object_get(res.json, "error"), "message")),
        "'missing'");
    name = "default";
    CHECK_EQ_INT(api_body_string(&req, "missing", API_OPTIONAL, 3, &name, &res), 0);
    CHECK_STR(name, "default");
    CHECK_EQ_INT(api_body_string(&req, "count", API_REQUIRED, 3, &name, &res), -1);

    int64_t count = 0;
    CHECK_EQ_INT(api_body_int(&req, "count", API_REQUIRED, 1, 10, &count, &res), 0);
    CHECK_EQ_INT(count, 7);
    CHECK_EQ_INT(api_body_int(&req, "count", API_REQUIRED, 8, 10, &count, &res), -1);
    CHECK_EQ_INT(api_body_int(&req, "price", API_REQUIRED, 0, 10, &count, &res), -1);
    double price = 0;
    CHECK_EQ_INT(api_body_number(&req, "price", API_REQUIRED, 0, 10, &price, &res), 0);
    CHECK_NEAR(price, 2.5, 0);
    CHECK_EQ_INT(api_body_number(&req, "count", API_REQUIRED, 0, 5, &price, &res), -1);
    double lon = 0, lat = 0;
    CHECK_EQ_INT(api_body_lonlat(&req, "at", API_REQUIRED, &lon, &lat, &res), 0);
    CHECK_NEAR(lon, 11.5, 0);
    CHECK_NEAR(lat, 50.0, 0);
    CHECK_EQ_INT(api_body_lonlat(&req, "name", API_REQUIRED, &lon, &lat, &res), -1);
    int open = 0;
    CHECK_EQ_INT(api_body_bool(&req, "open", API_REQUIRED, &open, &res), 0);
    CHECK_EQ_INT(open, 1);

    static const char *const allowed[] = {"name", "count", "price", "at", "open", NULL};
    CHECK_EQ_INT(api_body_only(&req, allowed, &res), -1);
    CHECK_STR(error_code(&res), "unknown_field");
    CHECK_CONTAINS(
        json_string_value(json_object_get(json_object_get(res.json, "error"), "message")),
        "'empty'");
    json_decref(req.body);
    json_decref(res.json);
}

static void test_lonlat_outside_the_globe_is_refused(void) {
    api_request req = {0};
    api_response res = {0};
    double lon, lat;
    req.body =
        json_pack("{s:[f,f], s:[f,f], s:[f]}", "far", 181.0, 0.0, "pole", 0.0, 90.5, "one", 1.0);
    CHECK_EQ_INT(api_body_lonlat(&req, "far", API_REQUIRED, &lon, &lat, &res), -1);
    CHECK_EQ_INT(api_body_lonlat(&req, "pole", API_REQUIRED, &lon, &lat, &res), -1);
    CHECK_EQ_INT(api_body_lonlat(&req, "one", API_REQUIRED, &lon, &lat, &res), -1);
    CHECK_STR(error_code(&res), "bad_field");
    json_decref(req.body);
    json_decref(res.json);
}

static void test_param_ids_are_positive_decimal_integers(void) {
    api_request req = {0};
    req.param_count = 1;
    static const struct {
        const char *text;
        long long id;
    } cases[] = {{"1", 1},
                 {"42", 42},
                 {"0", 0},
                 {"-1", 0},
                 {"1e3", 0},
                 {"", 0},
                 {"x", 0},
                 {"999999999999999999", 999999999999999999LL},
                 {"9999999999999999999", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req.params[0] = cases[i].text;
        CHECK_EQ_INT(api_param_id(&req, 0), cases[i].id);
    }
    CHECK_EQ_INT(api_param_id(&req, 1), 0);
}

int main(int argc, char **argv) {
    CHECK_INIT(argc, argv);
    RUN(test_literal_patterns_match_only_the_same_path);
    RUN(test_parameters_match_one_nonempty_segment);
    RUN(test_more_parameters_than_the_limit_do_not_match);
    RUN(test_router_finds_routes_and_lists_allowed_methods);
    RUN(test_bodies_are_parsed_with_a_depth_limit);
    RUN(test_fields_are_validated_with_messages_naming_them);
    RUN(test_lonlat_outside_the_globe_is_refused);
    RUN(test_param_ids_are_positive_decimal_integers);
    return check_summary();
}
