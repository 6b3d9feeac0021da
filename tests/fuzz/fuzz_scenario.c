/*
 * fuzz_scenario.c: libFuzzer target for the scenario file parser (dorf_scenario_parse).
 *
 * The input is a scenario file's bytes. A refused file must come back as DORF_EPARSE with a
 * message naming the file; an accepted one must hold a name and 1 to 1000 edits, each of a
 * known kind with its fields in range. Any violation aborts, so the fuzzer reports it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dorf_ctx *ctx = dorf_ctx_new();
    if (!ctx) {
        return 0;
    }
    dorf_scenario *s = NULL;
    dorf_status st = dorf_scenario_parse(ctx, "fuzz.json", (const char *)data, size, &s);
    if (st == DORF_OK) {
        if (!s || !s->name || !*s->name || s->edit_count < 1 || s->edit_count > 1000 ||
            s->category_count > DORF_CAT_COUNT) {
            abort();
        }
        for (size_t i = 0; i < s->edit_count; i++) {
            const dorf_edit *e = &s->edits[i];
            switch (e->kind) {
            case DORF_EDIT_CLOSE_PLACE:
            case DORF_EDIT_SET_HOURS:
                if (e->osm_id <= 0 || !strchr("nwr", e->osm_type) ||
                    (e->kind == DORF_EDIT_SET_HOURS && !e->opening_hours)) {
                    abort();
                }
                break;
            case DORF_EDIT_ADD_PLACE:
                if (!e->name || !(fabs(e->lon_deg) <= 180) || !(fabs(e->lat_deg) <= 90) ||
                    (unsigned)e->category >= DORF_CAT_COUNT) {
                    abort();
                }
                break;
            case DORF_EDIT_CLOSE_ROAD:
                if (e->osm_id <= 0 || e->modes == 0 || e->modes > 7) {
                    abort();
                }
                break;
            default:
                abort();
            }
        }
    } else if (st == DORF_EPARSE) {
        if (s || !strstr(dorf_ctx_errmsg(ctx), "fuzz.json")) {
            abort();
        }
    } else if (st != DORF_ENOMEM) {
        abort();
    }
    dorf_scenario_free(s);
    dorf_ctx_free(ctx);
    return 0;
}
