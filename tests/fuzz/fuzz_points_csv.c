/*
 * fuzz_points_csv.c: libFuzzer target for the CSV point lists `dorf matrix` reads
 * (cli/points_csv.c). Beyond "no crash": every point read has an id and coordinates in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "points_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    FILE *f = fmemopen((void *)data, size, "r");
    dorf_ctx *ctx = dorf_ctx_new();
    if (f && ctx) {
        struct cli_points pts = {0};
        if (cli_points_read(ctx, f, "fuzz.csv", &pts) == DORF_OK) {
            for (size_t i = 0; i < pts.count; i++) {
                const struct cli_point *p = &pts.items[i];
                if (!p->id || !p->id[0] || !(p->lon_deg >= -180 && p->lon_deg <= 180) ||
                    !(p->lat_deg >= -90 && p->lat_deg <= 90)) {
                    abort();
                }
            }
        }
        cli_points_release(&pts);
    }
    if (f) {
        fclose(f);
    }
    dorf_ctx_free(ctx);
    return 0;
}
