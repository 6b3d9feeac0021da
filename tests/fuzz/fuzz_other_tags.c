/*
 * fuzz_other_tags.c: libFuzzer target for the parser of GDAL's "other_tags" strings
 * (importers/osm_tags.c), which carry tags from any OSM extract a user imports.
 * Checks, beyond "no crash": a parse that succeeds yields NUL-terminated keys and values
 * no longer than the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_arena *arena = dorf_arena_new();
    struct osm_tags tags = {0};
    if (ctx && arena && osm_parse_other_tags(ctx, arena, text, &tags) == DORF_OK) {
        for (size_t i = 0; i < tags.count; i++) {
            if (strlen(tags.keys[i]) > size || strlen(tags.values[i]) > size) {
                abort();
            }
        }
    }
    osm_tags_release(&tags);
    dorf_arena_free(arena);
    dorf_ctx_free(ctx);
    free(text);
    return 0;
}
