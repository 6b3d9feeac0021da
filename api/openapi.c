/*
 * openapi.c: the OpenAPI 3.0 document of the HTTP API, built from the route tables
 * (routes.c), so that it lists exactly the endpoints the server answers. GET /api serves it;
 * `dorf serve --openapi` prints it, and docs/openapi.json is that output (a test keeps the
 * two equal). Each operation gets its summary, path parameters, the roles that may call it
 * (as the bearerAuth security requirement and an x-dorf-roles list) and the error responses
 * every endpoint shares; request and response bodies are described in docs/api.md.
 */
#include <stdio.h>
#include <string.h>

#include "dorf/api.h"
#include "openapi.h"
#include "routes.h"

static void lower(char *dst, const char *src, size_t size) {
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++) {
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
    }
    dst[i] = '\0';
}

static json_t *error_response(const char *description) {
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
                     "application/json", "schema", "$ref", "#/components/schemas/Error");
}

static json_t *operation(const api_route *route) {
    json_t *op = json_pack("{s:s}", "summary", route->summary ? route->summary : "");
    json_t *params = json_array();
    for (const char *p = strchr(route->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end) {
            break;
        }
        json_array_append_new(params, json_pack("{s:s#, s:s, s:b, s:{s:s}}", "name", p + 1,
                                                (int)(end - p - 1), "in", "path", "required", 1,
                                                "schema", "type", "string"));
    }
    if (json_array_size(params)) {
        json_object_set_new(op, "parameters", params);
    } else {
        json_decref(params);
    }
    json_t *responses = json_pack("{s:{s:s}}", "2XX", "description", "success");
    json_object_set_new(responses, "400", error_response("malformed or invalid request"));
    json_object_set_new(responses, "413", error_response("request body too large"));
    json_object_set_new(responses, "429", error_response("too many requests"));
    if (route->roles) {
        json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearerAuth"));
        json_t *roles = json_array();
        for (unsigned bit = 1; bit <= DORF_ROLE_ADMIN; bit <<= 1) {
            if (route->roles & bit) {
                json_array_append_new(roles, json_string(dorf_role_name(bit)));
            }
        }
        json_object_set_new(op, "x-dorf-roles", roles);
        json_object_set_new(responses, "401", error_response("no valid session"));
        json_object_set_new(responses, "403", error_response("the session's roles do not allow"));
    }
    json_object_set_new(op, "responses", responses);
    return op;
}

json_t *api_openapi_document(void) {
    json_t *paths = json_object();
    for (size_t t = 0; t < api_route_table_count; t++) {
        const api_route *table = api_route_tables[t];
        for (size_t i = 0; i < *api_route_table_sizes[t]; i++) {
            json_t *item = json_object_get(paths, table[i].pattern);
            if (!item) {
                item = json_object();
                json_object_set_new(paths, table[i].pattern, item);
            }
            char method[16];
            lower(method, table[i].method, sizeof method);
            json_object_set_new(item, method, operation(&table[i]));
        }
    }
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s}}, s:{s:{s:s, s:[s], s:{s:{s:s, s:[s, "
        "s], s:{s:{s:s}, s:{s:s}}}}}}}}",
        "openapi", "3.0.3", "info", "title", "dorf platform API", "version", "1", "description",
        "The village platform of dorf: accounts, the BestellBar marketplace, LieferBar, "
        "DorfNews and DorfFunk. Request and response bodies: docs/api.md.",
        "paths", paths, "components", "securitySchemes", "bearerAuth", "type", "http", "scheme",
        "bearer", "schemas", "Error", "type", "object", "required", "error", "properties", "error",
        "type", "object", "required", "code", "message", "properties", "code", "type", "string",
        "message", "type", "string");
    return doc;
}

char *dorf_api_openapi(void) {
    json_t *doc = api_openapi_document();
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    return text;
}
