/*
 * export.c: the tables of an anonymised export, built in memory (dorf_export_build in
 * dorf/export.h); export_run.c writes them.
 *
 * Every household and every located event gets its INSPIRE cell. Cells are summed, then
 * suppressed (fewer than k households), then perturbed; everything published afterwards
 * (weekly counts, coverage, totals, the cells named in event rows) only ever looks at
 * published cells, which is what keeps suppressed cells out of every sum.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/arena.h"
#include "dorf/export.h"
#include "export_internal.h"
#include "inspire_grid.h"

#define NO_CELL SIZE_MAX

/* One cell's true figures and what is published of them. */
struct cell {
    uint64_t key;
    uint32_t households;
    double persons;
    uint64_t household_keys; /* sums of record keys, modulo 2^64 */
    int64_t orders_pickup, orders_delivery, parcels_delivered;
    uint64_t pickup_keys, delivery_keys, parcel_keys;
    double volunteer_km;
    int published;
    int64_t pub_households, pub_persons, pub_pickup, pub_delivery, pub_parcels;
};

/* One order counted in the weekly table. */
struct weekly_entry {
    size_t cell;
    int32_t week; /* ISO year * 100 + week */
    int16_t category;
    int16_t delivery;
    uint64_t record_key;
};

/* A growing table: its columns, values, geometry and the strings it points to. */
struct table_builder {
    dorf_table table;
    dorf_value *values;
    double *coords;
    size_t cap;
};

struct dorf_export {
    dorf_arena *arena;
    dorf_ctx *ctx;
    const dorf_export_options *opt;
    const uint8_t *record_secret;
    const uint8_t *pseudonym_key;
    struct cell *cells;
    size_t cell_count;
    struct table_builder tables[EXPORT_TABLE_COUNT];
    dorf_table plain[EXPORT_TABLE_COUNT];
    size_t table_count;
    dorf_export_summary counts;
};

/* ---- keys and pseudonyms ---- */

/* A record's key for the cell-key method: 64 bits of HMAC-SHA256(secret, label). */
static uint64_t record_key(const dorf_export *x, const char *label) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)label, strlen(label), x->record_secret);
    uint64_t k = 0;
    for (int i = 0; i < 8; i++) {
        k = k << 8 | mac[i];
    }
    return k;
}

/* "kind:id" under the export's own key, 128 bits in hex; NULL for id 0 (nobody). */
static const char *pseudonym(dorf_export *x, const char *kind, int64_t id) {
    if (id == 0) {
        return NULL;
    }
    char label[64];
    snprintf(label, sizeof label, "%s:%lld", kind, (long long)id);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)label, strlen(label), x->pseudonym_key);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    return dorf_arena_strdup(x->arena, hex);
}

/* Laplace noise of scale 1/epsilon, from libsodium's generator. */
static double laplace(double epsilon) {
    uint64_t bits;
    randombytes_buf(&bits, sizeof bits);
    double u = ((double)(bits >> 11) + 0.5) * 0x1p-53 - 0.5; /* (-0.5, 0.5), never 0.5 */
    return -(u < 0 ? -1.0 : 1.0) * log(1 - 2 * fabs(u)) / epsilon;
}

/* A count as published: perturbed by its cell key, or with Laplace noise (never below 0). */
static int64_t publish(const dorf_export *x, int64_t n, uint64_t cell_key) {
    if (x->opt->epsilon > 0) {
        double v = nearbyint((double)n + laplace(x->opt->epsilon));
        return v < 0 ? 0 : (int64_t)v;
    }
    return dorf_export_ckm_perturb(n, cell_key);
}

/* ---- tables ---- */

static void table_init(dorf_export *x, const char *name, const dorf_column *columns,
                       size_t column_count, dorf_table_geometry geometry) {
    struct table_builder *b = &x->tables[x->table_count++];
    b->table.name = name;
    b->table.columns = columns;
    b->table.column_count = column_count;
    b->table.geometry = geometry;
    b->table.epsg = geometry == DORF_TABLE_NO_GEOMETRY ? 0 : 3035;
}

/* A new row of the last table begun, zeroed (text null); *coords gets its box when given. */
static dorf_value *table_row(dorf_export *x, uint64_t cell_key) {
    struct table_builder *b = &x->tables[x->table_count - 1];
    size_t ncol = b->table.column_count;
    if (b->table.row_count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        dorf_value *v = dorf_realloc(b->values, cap * ncol * sizeof *v);
        if (!v) {
            return NULL;
        }
        b->values = v;
        if (b->table.geometry == DORF_TABLE_BOX) {
            double *c = dorf_realloc(b->coords, cap * 4 * sizeof *c);
            if (!c) {
                return NULL;
            }
            b->coords = c;
        }
        b->cap = cap;
    }
    size_t r = b->table.row_count++;
    dorf_value *row = &b->values[r * ncol];
    memset(row, 0, ncol * sizeof *row);
    if (b->table.geometry == DORF_TABLE_BOX) {
        double e, n;
        inspire_cell_corner(x->opt->cell_m, cell_key, &e, &n);
        double *c = &b->coords[r * 4];
        c[0] = e;
        c[1] = n;
        c[2] = e + x->opt->cell_m;
        c[3] = n + x->opt->cell_m;
    }
    b->table.values = b->values;
    b->table.coords = b->coords;
    return row;
}

static dorf_status out_of_memory(dorf_export *x) {
    return dorf_fail(x->ctx, DORF_ENOMEM, "out of memory building the export");
}

static const char *cell_name(dorf_export *x, size_t cell) {
    if (cell == NO_CELL || !x->cells[cell].published) {
        return NULL;
    }
    char name[INSPIRE_CELL_NAME_SIZE];
    inspire_cell_name(x->opt->cell_m, x->cells[cell].key, name);
    return dorf_arena_strdup(x->arena, name);
}

/* ---- times ---- */

/* The ISO week of a local date as 202648: the week of its Thursday, in that Thursday's year. */
static int32_t iso_week_of(dorf_local_time t) {
    int64_t days = dorf_days_from_civil(t.year, t.month, t.day);
    int64_t thursday = days - dorf_weekday(t.year, t.month, t.day) + 3;
    int64_t iso_year;
    int month, day;
    dorf_civil_from_days(thursday, &iso_year, &month, &day);
    int64_t week = (thursday - dorf_days_from_civil(iso_year, 1, 1)) / 7 + 1;
    return (int32_t)(iso_year * 100 + week);
}

/* "2026-11-27" or "2026-11-27T10" in German local time, and the ISO week as 202648. */
static const char *period(dorf_export *x, int64_t utc_s, int32_t *iso_week) {
    dorf_local_time t = dorf_market_local_time(utc_s);
    *iso_week = iso_week_of(t);
    char text[32];
    if (x->opt->time_grain == DORF_EXPORT_HOUR) {
        snprintf(text, sizeof text, "%04d-%02d-%02dT%02d", t.year, t.month, t.day, t.minute / 60);
    } else {
        snprintf(text, sizeof text, "%04d-%02d-%02d", t.year, t.month, t.day);
    }
    return dorf_arena_strdup(x->arena, text);
}

static const char *week_name(dorf_export *x, int32_t iso_week) {
    char text[16];
    snprintf(text, sizeof text, "%04d-W%02d", iso_week / 100, iso_week % 100);
    return dorf_arena_strdup(x->arena, text);
}

/* ---- cells ---- */

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t find_cell(const dorf_export *x, uint64_t key) {
    size_t lo = 0, hi = x->cell_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->cells[mid].key < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < x->cell_count && x->cells[lo].key == key ? lo : NO_CELL;
}

/* Cell keys of every household's building, order drop-off and shop, parcel end. */
struct located {
    uint64_t *building; /* per building; UINT64_MAX without households */
    uint64_t *order_shop, *order_dropoff;
    uint64_t *parcel_pickup, *parcel_dropoff;
};

static dorf_status locate(dorf_export *x, const inspire_grid *grid, double lon, double lat,
                          uint64_t *key) {
    if (!isfinite(lon) || !isfinite(lat)) {
        *key = UINT64_MAX;
        return DORF_OK;
    }
    return inspire_grid_cell(x->ctx, grid, lon, lat, key);
}

static dorf_status locate_all(dorf_export *x, const dorf_region *r, const dorf_activity *a,
                              struct located *at, uint64_t **keys, size_t *key_count) {
    size_t B = r->building_count, O = a->order_count, P = a->parcel_count;
    at->building = dorf_malloc((B + 1) * sizeof *at->building);
    at->order_shop = dorf_malloc((O + 1) * sizeof *at->order_shop);
    at->order_dropoff = dorf_malloc((O + 1) * sizeof *at->order_dropoff);
    at->parcel_pickup = dorf_malloc((P + 1) * sizeof *at->parcel_pickup);
    at->parcel_dropoff = dorf_malloc((P + 1) * sizeof *at->parcel_dropoff);
    *keys = dorf_malloc((B + 2 * O + 2 * P + 1) * sizeof **keys);
    if (!at->building || !at->order_shop || !at->order_dropoff || !at->parcel_pickup ||
        !at->parcel_dropoff || !*keys) {
        return out_of_memory(x);
    }
    inspire_grid grid = {0};
    dorf_status st = inspire_grid_open(x->ctx, x->opt->cell_m, &grid);
    for (size_t b = 0; b < B; b++) {
        at->building[b] = UINT64_MAX;
    }
    for (size_t h = 0; h < r->household_count && st == DORF_OK; h++) {
        const dorf_building *bd = &r->buildings[r->households[h].building];
        st = locate(x, &grid, bd->lon_deg, bd->lat_deg, &at->building[r->households[h].building]);
    }
    for (size_t i = 0; i < O && st == DORF_OK; i++) {
        const dorf_activity_order *o = &a->orders[i];
        st = locate(x, &grid, o->shop_lon_deg, o->shop_lat_deg, &at->order_shop[i]);
        if (st == DORF_OK) {
            st = locate(x, &grid, o->delivery ? o->dropoff_lon_deg : NAN, o->dropoff_lat_deg,
                        &at->order_dropoff[i]);
        }
    }
    for (size_t i = 0; i < P && st == DORF_OK; i++) {
        const dorf_activity_parcel *p = &a->parcels[i];
        st = locate(x, &grid, p->pickup_lon_deg, p->pickup_lat_deg, &at->parcel_pickup[i]);
        if (st == DORF_OK) {
            st = locate(x, &grid, p->dropoff_lon_deg, p->dropoff_lat_deg, &at->parcel_dropoff[i]);
        }
    }
    inspire_grid_close(&grid);
    if (st != DORF_OK) {
        return dorf_fail_prefix(x->ctx, st, "placing the region on the grid");
    }
    size_t n = 0;
    for (size_t b = 0; b < B; b++) {
        (*keys)[n++] = at->building[b];
    }
    for (size_t i = 0; i < O; i++) {
        (*keys)[n++] = at->order_shop[i];
        (*keys)[n++] = at->order_dropoff[i];
    }
    for (size_t i = 0; i < P; i++) {
        (*keys)[n++] = at->parcel_pickup[i];
        (*keys)[n++] = at->parcel_dropoff[i];
    }
    *key_count = n;
    return DORF_OK;
}

static void release_located(struct located *at) {
    dorf_free(at->building);
    dorf_free(at->order_shop);
    dorf_free(at->order_dropoff);
    dorf_free(at->parcel_pickup);
    dorf_free(at->parcel_dropoff);
}

/* The distinct cells, sorted by key. */
static dorf_status make_cells(dorf_export *x, uint64_t *keys, size_t n) {
    qsort(keys, n, sizeof *keys, compare_u64);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i] != UINT64_MAX && (distinct == 0 || keys[i] != keys[distinct - 1])) {
            keys[distinct++] = keys[i];
        }
    }
    x->cells = dorf_calloc(distinct ? distinct : 1, sizeof *x->cells);
    if (!x->cells) {
        return out_of_memory(x);
    }
    for (size_t i = 0; i < distinct; i++) {
        x->cells[i].key = keys[i];
    }
    x->cell_count = distinct;
    return DORF_OK;
}

static size_t cell_of(const dorf_export *x, uint64_t key) {
    return key == UINT64_MAX ? NO_CELL : find_cell(x, key);
}

/* Where an order happens: a delivery at its drop-off, a pickup at its shop. */
static size_t order_cell(const dorf_export *x, const dorf_activity *a, const struct located *at,
                         size_t i) {
    return cell_of(x, a->orders[i].delivery ? at->order_dropoff[i] : at->order_shop[i]);
}

static const char *category_name(int16_t category) {
    return category < 0 ? "unknown" : dorf_category_name((dorf_category)category);
}

/* Households, orders and parcels summed per cell, with their records' keys. */
static dorf_status sum_cells(dorf_export *x, const dorf_region *r, const dorf_activity *a,
                             const double *parcel_km, const struct located *at) {
    uint32_t *nth = dorf_calloc(r->building_count + 1, sizeof *nth);
    if (!nth) {
        return out_of_memory(x);
    }
    char label[96];
    for (size_t h = 0; h < r->household_count; h++) {
        uint32_t b = r->households[h].building;
        struct cell *c = &x->cells[cell_of(x, at->building[b])];
        const dorf_building *bd = &r->buildings[b];
        /* OSM identifies the household across re-imports: building and its rank in it. */
        snprintf(label, sizeof label, "household:%c%lld:%u", bd->osm_is_relation ? 'r' : 'w',
                 (long long)bd->osm_id, nth[b]++);
        c->households++;
        c->persons += r->households[h].persons;
        c->household_keys += record_key(x, label);
    }
    dorf_free(nth);
    for (size_t i = 0; i < a->order_count; i++) {
        const dorf_activity_order *o = &a->orders[i];
        size_t cell = order_cell(x, a, at, i);
        if (cell == NO_CELL) {
            continue; /* a delivery whose person was erased: its place is gone */
        }
        snprintf(label, sizeof label, "order:%lld", (long long)o->id);
        uint64_t k = record_key(x, label);
        if (o->delivery) {
            x->cells[cell].orders_delivery++;
            x->cells[cell].delivery_keys += k;
        } else {
            x->cells[cell].orders_pickup++;
            x->cells[cell].pickup_keys += k;
        }
    }
    for (size_t i = 0; i < a->parcel_count; i++) {
        const dorf_activity_parcel *p = &a->parcels[i];
        size_t cell = cell_of(x, at->parcel_dropoff[i]);
        if (cell == NO_CELL || strcmp(p->state, "delivered") != 0) {
            continue;
        }
        snprintf(label, sizeof label, "parcel:%lld", (long long)p->id);
        x->cells[cell].parcels_delivered++;
        x->cells[cell].parcel_keys += record_key(x, label);
        if (parcel_km && isfinite(parcel_km[i])) {
            x->cells[cell].volunteer_km += parcel_km[i];
        }
    }
    return DORF_OK;
}

/* Distances are published in half kilometres. */
static double half_km(double km) {
    return nearbyint(km * 2) / 2;
}

static void suppress_and_perturb(dorf_export *x) {
    for (size_t i = 0; i < x->cell_count; i++) {
        struct cell *c = &x->cells[i];
        x->counts.cells_with_households++;
        if (c->households < x->opt->k) {
            x->counts.cells_suppressed++;
            x->counts.households_suppressed += c->households;
            continue;
        }
        c->published = 1;
        x->counts.cells_published++;
        c->pub_households = publish(x, c->households, c->household_keys);
        c->pub_persons = publish(x, (int64_t)nearbyint(c->persons), c->household_keys);
        c->pub_pickup = publish(x, c->orders_pickup, c->pickup_keys);
        c->pub_delivery = publish(x, c->orders_delivery, c->delivery_keys);
        c->pub_parcels = publish(x, c->parcels_delivered, c->parcel_keys);
    }
}

static const dorf_column cell_columns[] = {
    {"cell", DORF_COLUMN_TEXT},
    {"households", DORF_COLUMN_INTEGER},
    {"persons", DORF_COLUMN_INTEGER},
    {"orders_pickup", DORF_COLUMN_INTEGER},
    {"orders_delivery", DORF_COLUMN_INTEGER},
    {"parcels_delivered", DORF_COLUMN_INTEGER},
    {"volunteer_km", DORF_COLUMN_REAL},
};

static dorf_status cells_table(dorf_export *x) {
    table_init(x, "cells", cell_columns, sizeof cell_columns / sizeof *cell_columns,
               DORF_TABLE_BOX);
    for (size_t i = 0; i < x->cell_count; i++) {
        const struct cell *c = &x->cells[i];
        if (!c->published) {
            continue;
        }
        dorf_value *row = table_row(x, c->key);
        if (!row || !(row[0].s = cell_name(x, i))) {
            return out_of_memory(x);
        }
        row[1].i = c->pub_households;
        row[2].i = c->pub_persons;
        row[3].i = c->pub_pickup;
        row[4].i = c->pub_delivery;
        row[5].i = c->pub_parcels;
        row[6].r = half_km(c->volunteer_km);
    }
    return DORF_OK;
}

/* ---- totals: sums of published cells only ---- */

static const dorf_column total_columns[] = {
    {"level", DORF_COLUMN_TEXT},
    {"zone", DORF_COLUMN_TEXT},
    {"cells", DORF_COLUMN_INTEGER},
    {"households", DORF_COLUMN_INTEGER},
    {"persons", DORF_COLUMN_INTEGER},
    {"orders_pickup", DORF_COLUMN_INTEGER},
    {"orders_delivery", DORF_COLUMN_INTEGER},
    {"parcels_delivered", DORF_COLUMN_INTEGER},
    {"volunteer_km", DORF_COLUMN_REAL},
};

/* Adds published cell c to a totals row (zeroed by table_row, so sums start at 0). */
static void add_to_total(dorf_value *row, const struct cell *c) {
    row[2].i += 1;
    row[3].i += c->pub_households;
    row[4].i += c->pub_persons;
    row[5].i += c->pub_pickup;
    row[6].i += c->pub_delivery;
    row[7].i += c->pub_parcels;
    row[8].r += half_km(c->volunteer_km);
}

/* Rows ("N...") or columns ("E..."): one totals row per distinct coordinate. */
static dorf_status line_totals(dorf_export *x, int rows) {
    uint64_t *lines = dorf_malloc((x->cell_count + 1) * sizeof *lines);
    if (!lines) {
        return out_of_memory(x);
    }
    size_t n = 0;
    for (size_t i = 0; i < x->cell_count; i++) {
        if (x->cells[i].published) {
            lines[n++] = rows ? x->cells[i].key >> 32 : x->cells[i].key & 0xffffffffu;
        }
    }
    qsort(lines, n, sizeof *lines, compare_u64);
    dorf_status st = DORF_OK;
    for (size_t j = 0; j < n && st == DORF_OK; j++) {
        if (j > 0 && lines[j] == lines[j - 1]) {
            continue;
        }
        dorf_value *row = table_row(x, 0);
        char zone[48];
        snprintf(zone, sizeof zone, "%c%lld", rows ? 'N' : 'E',
                 (long long)((double)lines[j] * x->opt->cell_m));
        if (!row || !(row[0].s = rows ? "row" : "column") ||
            !(row[1].s = dorf_arena_strdup(x->arena, zone))) {
            st = out_of_memory(x);
            break;
        }
        for (size_t i = 0; i < x->cell_count; i++) {
            const struct cell *c = &x->cells[i];
            uint64_t line = rows ? c->key >> 32 : c->key & 0xffffffffu;
            if (c->published && line == lines[j]) {
                add_to_total(row, c);
            }
        }
    }
    dorf_free(lines);
    return st;
}

static dorf_status totals_table(dorf_export *x) {
    table_init(x, "totals", total_columns, sizeof total_columns / sizeof *total_columns,
               DORF_TABLE_NO_GEOMETRY);
    dorf_value *row = table_row(x, 0);
    if (!row) {
        return out_of_memory(x);
    }
    row[0].s = "region";
    row[1].s = "region";
    for (size_t i = 0; i < x->cell_count; i++) {
        if (x->cells[i].published) {
            add_to_total(row, &x->cells[i]);
        }
    }
    dorf_status st = line_totals(x, 1);
    return st == DORF_OK ? line_totals(x, 0) : st;
}

/* ---- orders per cell, week, category and fulfilment ---- */

static int compare_weekly(const void *a, const void *b) {
    const struct weekly_entry *x = a, *y = b;
    if (x->cell != y->cell) {
        return x->cell < y->cell ? -1 : 1;
    }
    if (x->week != y->week) {
        return x->week < y->week ? -1 : 1;
    }
    if (x->category != y->category) {
        return x->category < y->category ? -1 : 1;
    }
    return (x->delivery > y->delivery) - (x->delivery < y->delivery);
}

static const dorf_column weekly_columns[] = {
    {"cell", DORF_COLUMN_TEXT},      {"week", DORF_COLUMN_TEXT},
    {"category", DORF_COLUMN_TEXT},  {"fulfilment", DORF_COLUMN_TEXT},
    {"orders", DORF_COLUMN_INTEGER},
};

static dorf_status weekly_table(dorf_export *x, const dorf_activity *a, const int16_t *category,
                                const struct located *at) {
    table_init(x, "orders_weekly", weekly_columns, sizeof weekly_columns / sizeof *weekly_columns,
               DORF_TABLE_BOX);
    struct weekly_entry *e = dorf_malloc((a->order_count + 1) * sizeof *e);
    if (!e) {
        return out_of_memory(x);
    }
    size_t n = 0;
    char label[48];
    for (size_t i = 0; i < a->order_count; i++) {
        const dorf_activity_order *o = &a->orders[i];
        size_t cell = order_cell(x, a, at, i);
        if (cell == NO_CELL || !x->cells[cell].published) {
            continue;
        }
        snprintf(label, sizeof label, "order:%lld", (long long)o->id);
        e[n].cell = cell;
        e[n].week = iso_week_of(dorf_market_local_time(o->created_at));
        e[n].category = category[i];
        e[n].delivery = (int16_t)o->delivery;
        e[n].record_key = record_key(x, label);
        n++;
    }
    qsort(e, n, sizeof *e, compare_weekly);
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < n && st == DORF_OK;) {
        size_t j = i;
        uint64_t keys = 0;
        for (; j < n && compare_weekly(&e[i], &e[j]) == 0; j++) {
            keys += e[j].record_key;
        }
        dorf_value *row = table_row(x, x->cells[e[i].cell].key);
        if (!row || !(row[0].s = cell_name(x, e[i].cell)) ||
            !(row[1].s = week_name(x, e[i].week))) {
            st = out_of_memory(x);
            break;
        }
        row[2].s = category_name(e[i].category);
        row[3].s = e[i].delivery ? "delivery" : "pickup";
        row[4].i = publish(x, (int64_t)(j - i), keys);
        i = j;
    }
    dorf_free(e);
    return st;
}

/* ---- coverage per published cell ---- */

static dorf_status coverage_table(dorf_export *x, const dorf_region *r, const dorf_coverage *cov,
                                  const struct located *at) {
    const dorf_export_options *opt = x->opt;
    size_t T = opt->threshold_count, C = cov->category_count, A = DORF_COVERAGE_ACCESS_COUNT;
    /* Columns: cell, category, mode, persons, share_<N>min..., reached_share, mean_min. */
    size_t ncol = 4 + T + 2;
    dorf_column *cols = dorf_arena_alloc(x->arena, ncol * sizeof *cols);
    if (!cols) {
        return out_of_memory(x);
    }
    cols[0] = (dorf_column){"cell", DORF_COLUMN_TEXT};
    cols[1] = (dorf_column){"category", DORF_COLUMN_TEXT};
    cols[2] = (dorf_column){"mode", DORF_COLUMN_TEXT};
    cols[3] = (dorf_column){"persons", DORF_COLUMN_INTEGER};
    for (size_t t = 0; t < T; t++) {
        char name[32];
        snprintf(name, sizeof name, "share_%gmin", opt->thresholds_s[t] / 60);
        if (!(cols[4 + t].name = dorf_arena_strdup(x->arena, name))) {
            return out_of_memory(x);
        }
        cols[4 + t].type = DORF_COLUMN_REAL;
    }
    cols[4 + T] = (dorf_column){"reached_share", DORF_COLUMN_REAL};
    cols[5 + T] = (dorf_column){"mean_min", DORF_COLUMN_REAL};
    table_init(x, "coverage", cols, ncol, DORF_TABLE_BOX);

    /* Per cell, category and access: persons, within each threshold, reached, time x persons. */
    size_t per = C * A * (T + 3);
    double *sum = dorf_calloc(x->cell_count * per + 1, sizeof *sum);
    if (!sum) {
        return out_of_memory(x);
    }
    for (size_t h = 0; h < r->household_count; h++) {
        size_t cell = cell_of(x, at->building[r->households[h].building]);
        if (cell == NO_CELL || !x->cells[cell].published) {
            continue;
        }
        double persons = r->households[h].persons;
        for (size_t c = 0; c < C; c++) {
            for (unsigned m = 0; m < A; m++) {
                double *s = &sum[cell * per + (c * A + m) * (T + 3)];
                float time = dorf_coverage_time(cov, h, c, m);
                s[0] += persons;
                if (!isfinite(time)) {
                    continue;
                }
                for (size_t t = 0; t < T; t++) {
                    s[1 + t] += time <= opt->thresholds_s[t] ? persons : 0;
                }
                s[1 + T] += persons;
                s[2 + T] += persons * time;
            }
        }
    }
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < x->cell_count && st == DORF_OK; i++) {
        if (!x->cells[i].published) {
            continue;
        }
        for (size_t c = 0; c < C && st == DORF_OK; c++) {
            for (unsigned m = 0; m < A; m++) {
                if (!(cov->modes & (1u << m))) {
                    continue;
                }
                const double *s = &sum[i * per + (c * A + m) * (T + 3)];
                dorf_value *row = table_row(x, x->cells[i].key);
                if (!row || !(row[0].s = cell_name(x, i))) {
                    st = out_of_memory(x);
                    break;
                }
                row[1].s = dorf_category_name(cov->categories[c]);
                row[2].s = dorf_coverage_access_name(m);
                row[3].i = x->cells[i].pub_persons;
                /* Shares of estimated persons, to three places: the model's precision. */
                for (size_t t = 0; t < T; t++) {
                    row[4 + t].r = s[0] > 0 ? nearbyint(1000 * s[1 + t] / s[0]) / 1000 : NAN;
                }
                row[4 + T].r = s[0] > 0 ? nearbyint(1000 * s[1 + T] / s[0]) / 1000 : NAN;
                row[5 + T].r = s[1 + T] > 0 ? nearbyint(10 * s[2 + T] / s[1 + T] / 60) / 10 : NAN;
            }
        }
    }
    dorf_free(sum);
    return st;
}

/* ---- event tables ---- */

static const dorf_column order_columns[] = {
    {"order_id", DORF_COLUMN_TEXT}, {"citizen", DORF_COLUMN_TEXT},
    {"category", DORF_COLUMN_TEXT}, {"fulfilment", DORF_COLUMN_TEXT},
    {"cell", DORF_COLUMN_TEXT},     {"period", DORF_COLUMN_TEXT},
    {"week", DORF_COLUMN_TEXT},     {"state", DORF_COLUMN_TEXT},
    {"items", DORF_COLUMN_INTEGER}, {"total_eur", DORF_COLUMN_INTEGER},
};

static dorf_status orders_table(dorf_export *x, const dorf_activity *a, const int16_t *category,
                                const struct located *at) {
    table_init(x, "orders", order_columns, sizeof order_columns / sizeof *order_columns,
               DORF_TABLE_NO_GEOMETRY);
    for (size_t i = 0; i < a->order_count; i++) {
        const dorf_activity_order *o = &a->orders[i];
        size_t cell = order_cell(x, a, at, i);
        dorf_value *row = table_row(x, 0);
        int32_t week;
        if (!row || !(row[0].s = pseudonym(x, "order", o->id)) ||
            !(row[5].s = period(x, o->created_at, &week)) || !(row[6].s = week_name(x, week))) {
            return out_of_memory(x);
        }
        row[1].s = pseudonym(x, "user", o->citizen_id);
        if (o->citizen_id != 0 && !row[1].s) {
            return out_of_memory(x);
        }
        row[2].s = category_name(category[i]);
        row[3].s = o->delivery ? "delivery" : "pickup";
        row[4].s = cell_name(x, cell);
        row[7].s = dorf_order_state_name(o->state);
        row[8].i = o->items;
        row[9].i = (int64_t)nearbyint((double)o->total_cents / 100);
    }
    x->counts.orders = a->order_count;
    return DORF_OK;
}

static const dorf_column delivery_columns[] = {
    {"parcel", DORF_COLUMN_TEXT},       {"order_id", DORF_COLUMN_TEXT},
    {"volunteer", DORF_COLUMN_TEXT},    {"state", DORF_COLUMN_TEXT},
    {"mode", DORF_COLUMN_TEXT},         {"pickup_cell", DORF_COLUMN_TEXT},
    {"dropoff_cell", DORF_COLUMN_TEXT}, {"period", DORF_COLUMN_TEXT},
    {"week", DORF_COLUMN_TEXT},         {"distance_km", DORF_COLUMN_REAL},
    {"size", DORF_COLUMN_INTEGER},
};

static dorf_status deliveries_table(dorf_export *x, const dorf_activity *a, const double *parcel_km,
                                    const struct located *at) {
    table_init(x, "deliveries", delivery_columns,
               sizeof delivery_columns / sizeof *delivery_columns, DORF_TABLE_NO_GEOMETRY);
    for (size_t i = 0; i < a->parcel_count; i++) {
        const dorf_activity_parcel *p = &a->parcels[i];
        dorf_value *row = table_row(x, 0);
        int32_t week;
        if (!row || !(row[0].s = pseudonym(x, "parcel", p->id)) ||
            !(row[1].s = pseudonym(x, "order", p->order_id)) ||
            !(row[3].s = dorf_arena_strdup(x->arena, p->state)) ||
            !(row[7].s = period(x, p->updated_at, &week)) || !(row[8].s = week_name(x, week))) {
            return out_of_memory(x);
        }
        row[2].s = pseudonym(x, "user", p->volunteer_id);
        if (p->volunteer_id != 0 && !row[2].s) {
            return out_of_memory(x);
        }
        row[4].s = p->mode[0] ? dorf_arena_strdup(x->arena, p->mode) : NULL;
        row[5].s = cell_name(x, cell_of(x, at->parcel_pickup[i]));
        row[6].s = cell_name(x, cell_of(x, at->parcel_dropoff[i]));
        row[9].r = parcel_km && isfinite(parcel_km[i]) ? half_km(parcel_km[i]) : NAN;
        row[10].i = p->size;
    }
    x->counts.parcels = a->parcel_count;
    return DORF_OK;
}

/* ---- the whole ---- */

/* Places by OSM object, to find each order's shop. */
struct place_ref {
    char osm_type;
    int64_t osm_id;
    int16_t category;
};

static int compare_place_ref(const void *a, const void *b) {
    const struct place_ref *x = a, *y = b;
    if (x->osm_type != y->osm_type) {
        return x->osm_type < y->osm_type ? -1 : 1;
    }
    return (x->osm_id > y->osm_id) - (x->osm_id < y->osm_id);
}

/* Each order's shop category (a dorf_category; -1 when the place is no longer there). */
static int16_t *order_categories(const dorf_region *r, const dorf_activity *a) {
    int16_t *out = dorf_malloc((a->order_count + 1) * sizeof *out);
    struct place_ref *refs = dorf_malloc((r->place_count + 1) * sizeof *refs);
    if (!out || !refs) {
        dorf_free(out);
        dorf_free(refs);
        return NULL;
    }
    for (size_t p = 0; p < r->place_count; p++) {
        refs[p] = (struct place_ref){r->places[p].osm_type, r->places[p].osm_id,
                                     (int16_t)r->places[p].category};
    }
    qsort(refs, r->place_count, sizeof *refs, compare_place_ref);
    for (size_t i = 0; i < a->order_count; i++) {
        struct place_ref key = {a->orders[i].shop_osm_type, a->orders[i].shop_osm_id, 0};
        const struct place_ref *hit =
            bsearch(&key, refs, r->place_count, sizeof *refs, compare_place_ref);
        out[i] = hit ? hit->category : -1;
    }
    dorf_free(refs);
    return out;
}

dorf_status dorf_export_build(dorf_ctx *ctx, const dorf_region *region,
                              const dorf_activity *activity, const double *parcel_km,
                              const dorf_coverage *coverage, const dorf_export_options *options,
                              const uint8_t record_secret[32], const uint8_t pseudonym_key[32],
                              dorf_export **out) {
    *out = NULL;
    dorf_status st = dorf_export_check_options(ctx, options);
    if (st != DORF_OK) {
        return st;
    }
    if (sodium_init() < 0) {
        return dorf_fail(ctx, DORF_EIO, "libsodium cannot be initialised");
    }
    dorf_export *x = dorf_calloc(1, sizeof *x);
    if (!x || !(x->arena = dorf_arena_new())) {
        dorf_free(x);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory building the export");
    }
    x->ctx = ctx;
    x->opt = options;
    x->record_secret = record_secret;
    x->pseudonym_key = pseudonym_key;
    struct located at = {0};
    uint64_t *keys = NULL;
    size_t key_count = 0;
    int16_t *category = order_categories(region, activity);
    st = category ? locate_all(x, region, activity, &at, &keys, &key_count) : out_of_memory(x);
    if (st == DORF_OK) {
        st = make_cells(x, keys, key_count);
    }
    dorf_free(keys);
    if (st == DORF_OK) {
        st = sum_cells(x, region, activity, parcel_km, &at);
    }
    if (st == DORF_OK) {
        suppress_and_perturb(x);
        st = cells_table(x);
    }
    if (st == DORF_OK) {
        st = totals_table(x);
    }
    if (st == DORF_OK) {
        st = weekly_table(x, activity, category, &at);
    }
    if (st == DORF_OK && coverage) {
        st = coverage_table(x, region, coverage, &at);
    }
    if (st == DORF_OK) {
        st = orders_table(x, activity, category, &at);
    }
    if (st == DORF_OK) {
        st = deliveries_table(x, activity, parcel_km, &at);
    }
    release_located(&at);
    dorf_free(category);
    if (st != DORF_OK) {
        dorf_export_free(x);
        return st;
    }
    for (size_t t = 0; t < x->table_count; t++) {
        x->plain[t] = x->tables[t].table;
    }
    x->ctx = NULL; /* not kept beyond this call */
    *out = x;
    return DORF_OK;
}

const dorf_table *dorf_export_tables(const dorf_export *x, size_t *count) {
    *count = x->table_count;
    return x->plain;
}

void dorf_export_counts(const dorf_export *x, dorf_export_summary *summary) {
    *summary = x->counts;
}

void dorf_export_free(dorf_export *x) {
    if (!x) {
        return;
    }
    for (size_t t = 0; t < x->table_count; t++) {
        dorf_free(x->tables[t].values);
        dorf_free(x->tables[t].coords);
    }
    dorf_free(x->cells);
    dorf_arena_free(x->arena);
    dorf_free(x);
}
