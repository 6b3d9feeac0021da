/*
 * dorf/store_copy.h: copying a whole store into another, verified (`dorf migrate`).
 *
 * The copy takes every table of the schema, the region and the platform data alike, in the
 * order of their foreign keys, with their ids, geometries as WKB. It works between any two
 * stores (SpatiaLite file to PostgreSQL, PostgreSQL to file, ...), both at this build's schema
 * version. The target receives everything in one write transaction: after a failure, an
 * interrupt or a difference found by the verification nothing of the copy remains. The source
 * is only read, inside one read transaction (one snapshot).
 *
 * Verification reads both sides again, table by table in key order, and compares them value
 * by value; it also computes for each side and table a checksum over the typed values of every
 * row (64-bit FNV-1a over a tag and the bytes of each value: an integer's 8 bytes, a real's
 * IEEE 754 bits, a text's or blob's length and bytes, a geometry's WKB), so that the figures
 * can be compared by eye and with other tools.
 */
#ifndef DORF_STORE_COPY_H
#define DORF_STORE_COPY_H

#include <stdint.h>

#include "dorf/context.h"
#include "dorf/store.h"

/* The most tables a schema has (the report's capacity). */
#define DORF_COPY_MAX_TABLES 40

enum dorf_copy_flags {
    /* Delete what the target holds first (inside the copy's transaction), instead of
       refusing a target that is not empty. */
    DORF_COPY_REPLACE = 1u << 0,
};

/* One table's figures on both sides. */
typedef struct dorf_copy_table {
    const char *name; /* static */
    uint64_t source_rows;
    uint64_t target_rows;
    uint64_t source_checksum;
    uint64_t target_checksum;
} dorf_copy_table;

/* What a copy did. Filled as far as it got, also when it fails. */
typedef struct dorf_copy_report {
    size_t table_count; /* tables in foreign-key order */
    dorf_copy_table tables[DORF_COPY_MAX_TABLES];
    uint64_t rows;          /* copied, all tables together */
    uint64_t replaced_rows; /* deleted from the target first (DORF_COPY_REPLACE) */
    double copy_s;          /* seconds spent copying (and replacing) */
    double verify_s;        /* seconds spent verifying */
    int verified;           /* 1 when every table matched */
} dorf_copy_report;

/*
 * Copies everything `from` holds into `to` (both open; `from` may be read-only) and verifies
 * it before committing; `to`'s identity sequences (PostgreSQL) are moved past the copied ids.
 * Polls the context's interrupt flag and reports progress as "copying" and "verifying".
 * Errors, each with a message: DORF_EINVAL when `to` is not empty and DORF_COPY_REPLACE is
 * not set, or when a table's columns are not the ones this build knows; DORF_EVERSION when
 * the two are at different schema versions; DORF_EIO for a database failure or when the
 * verification finds a difference (the message names the first: table, row key, column);
 * DORF_EINTR when interrupted. After any error the target holds what it held before.
 */
dorf_status dorf_store_copy(dorf_store *from, dorf_store *to, unsigned flags,
                            dorf_copy_report *out);

/*
 * Where a store is, for messages: a file path, or postgresql://USER@HOST:PORT/DATABASE of the
 * actual connection (never a password). Valid while the store is open.
 */
const char *dorf_store_describe(const dorf_store *store);

#endif
