/*
 * dorf/export.h: an anonymised export of a region's platform activity for researchers.
 *
 * Researchers study rural supply, mobility and neighbourly help; they get figures on the
 * INSPIRE grid (EPSG:3035, 1 km or 100 m cells) and pseudonymised event tables, never a
 * name, an e-mail address, an exact position, an exact time or a text someone wrote. What
 * protects the residents (docs/export.md explains each choice):
 *
 * - Suppression: a cell with fewer than k households is published nowhere: not in the cell
 *   table, not in the weekly or coverage tables, and an event located in it carries no cell.
 *   Totals are sums of the published cells only, so subtracting published cells from a
 *   published total gives nothing but zero.
 * - Noise on every published count: by default the cell-key method (as used for the 2022
 *   German census): each record (household, order, parcel) has a fixed random key derived
 *   from a secret kept in the database; a count's cell key is the sum of its records' keys
 *   modulo 1, and a published perturbation table turns (count, cell key) into a deviation of
 *   at most DORF_EXPORT_CKM_MAX_DEVIATION. The same records always give the same figure, so
 *   repeating an export reveals nothing new. Alternatively Laplace noise of scale 1/epsilon
 *   on each count, drawn afresh each time.
 * - Pseudonyms: ids become HMAC-SHA256 values under a key drawn for this export and never
 *   stored: rows of one export join among themselves, two exports cannot be joined.
 * - Coarsening: events carry their cell (or none), the hour or day and the ISO week in
 *   German local time, sums rounded to whole euros and distances to half kilometres.
 *
 * The export is written as one directory: the tables through GDAL (GeoPackage, CSV, GeoJSON
 * or FlatGeobuf) and manifest.json with the parameters, the source region, the date and the
 * number of suppressed cells. The directory appears complete or not at all.
 */
#ifndef DORF_EXPORT_H
#define DORF_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dorf/activity.h"
#include "dorf/coverage.h"
#include "dorf/tables.h"

/* The cell-key method's perturbation table: deviations of at most 2, variance 1. */
#define DORF_EXPORT_CKM_MAX_DEVIATION 2
#define DORF_EXPORT_CKM_VARIANCE 1.0

/* How finely event times are published. */
typedef enum dorf_export_time_grain {
    DORF_EXPORT_DAY = 0, /* "2026-11-27" */
    DORF_EXPORT_HOUR,    /* "2026-11-27T10" */
} dorf_export_time_grain;

typedef struct dorf_export_options {
    double cell_m;  /* 1000 or 100 */
    unsigned k;     /* at least 2: cells with fewer households are suppressed */
    double epsilon; /* > 0: Laplace noise with this epsilon; 0: cell-key */
    dorf_export_time_grain time_grain;
    const char *format; /* "gpkg", "csv", "geojson" or "fgb" */
    /* Coverage indicators per published cell: when (and what) as dorf_coverage_compute
       takes them; thresholds in seconds, increasing. */
    dorf_coverage_options coverage;
    double thresholds_s[DORF_COVERAGE_MAX_THRESHOLDS];
    size_t threshold_count;
} dorf_export_options;

/* Sets the defaults: 1 km cells, k = 5, cell-key noise, days, GeoPackage, coverage on the
   next Tuesday from `today` at 10:00 for the default categories, walking, cycling, driving,
   thresholds 5, 10, 15 and 30 minutes. */
void dorf_export_options_init(dorf_export_options *options, dorf_local_time today);

/*
 * Checks options before any work, with a message naming the option and what it takes:
 * k below 2, a cell size other than 100 or 1000, a negative or non-finite epsilon, an
 * unknown format. DORF_EINVAL.
 */
dorf_status dorf_export_check_options(dorf_ctx *ctx, const dorf_export_options *options);

/* What an export published, for the caller's report (the manifest has it all). */
typedef struct dorf_export_summary {
    size_t cells_with_households; /* cells holding at least one household or event */
    size_t cells_published;
    size_t cells_suppressed;
    size_t households_suppressed; /* not published; for the operator's terminal only */
    size_t orders;                /* rows of the event tables */
    size_t parcels;
    size_t files; /* written beside manifest.json */
    char directory[4096];
} dorf_export_summary;

/*
 * The cell-key method's lookup: the published value of a count `n` whose cell key (the sum
 * of its records' keys, modulo 2^64, read as a fraction of 2^64) is `cell_key`. Zero stays
 * zero; a positive count stays positive; above DORF_EXPORT_CKM_MAX_DEVIATION the deviation
 * has mean 0 and variance DORF_EXPORT_CKM_VARIANCE over uniform cell keys, and below it
 * deviations that would reach zero are reflected (so small counts lean upwards).
 */
int64_t dorf_export_ckm_perturb(int64_t n, uint64_t cell_key);

/* The probability of deviation d (-MAX..MAX) for count n under the table above. */
double dorf_export_ckm_probability(int64_t n, int d);

/*
 * The tables of an export, built in memory: "cells", "totals", "orders_weekly", "coverage"
 * (when coverage is given), "orders" and "deliveries" (docs/export.md lists their columns).
 * `record_secret` derives the records' keys; `pseudonym_key` the pseudonyms (the caller
 * draws it, uses it once and wipes it). `parcel_km[i]` is the road distance of parcel i in
 * kilometres (NAN when unknown), `coverage` may be NULL. *out is freed with
 * dorf_export_free(). Errors: DORF_EINVAL (options, a point outside the grid), DORF_EIO
 * (PROJ), DORF_ENOMEM.
 */
typedef struct dorf_export dorf_export;

dorf_status dorf_export_build(dorf_ctx *ctx, const dorf_region *region,
                              const dorf_activity *activity, const double *parcel_km,
                              const dorf_coverage *coverage, const dorf_export_options *options,
                              const uint8_t record_secret[32], const uint8_t pseudonym_key[32],
                              dorf_export **out);

/* The built tables, and what was suppressed. Valid until dorf_export_free(). */
const dorf_table *dorf_export_tables(const dorf_export *export, size_t *count);
void dorf_export_counts(const dorf_export *export, dorf_export_summary *summary);

void dorf_export_free(dorf_export *export);

/*
 * Exports the region in `store` (opened on `db_path`, whose routing graphs are used for
 * coverage and volunteers' distances) into the new directory `out_dir`, which must not
 * exist; `write` is the GDAL table writer (dorf/tables.h). The directory is built under a
 * temporary name beside it and renamed when complete: after any failure or an interrupt
 * nothing new exists. Reports progress; polls the context's interrupt flag. The first
 * export of a store keeps its record-key secret in the store (dorf_store_secret), so the
 * store must be writable then. Errors: DORF_EINVAL (options), DORF_ECONFLICT (out_dir
 * exists), DORF_EIO (the directory cannot be made or written, the store cannot be read),
 * DORF_ENOTFOUND (no region imported), DORF_EINTR, DORF_ENOMEM.
 */
dorf_status dorf_export_run(dorf_ctx *ctx, dorf_store *store, const char *db_path,
                            const dorf_export_options *options, dorf_tables_write_fn write,
                            const char *out_dir, dorf_export_summary *summary);

#endif
