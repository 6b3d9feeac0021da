/*
 * fnv.h: FNV-1a over 64 bits, for checksums and file names that need no cryptography
 * (dorf migrate's table checksums, the PostgreSQL cache names, the driver's statement cache).
 *
 * DORF_FNV_START is the start value the engine has always used. It is one digit short of
 * FNV's published offset basis (14695981039346656037); the hash is as good either way, and
 * keeping it keeps every checksum printed and cache file named so far.
 */
#ifndef DORF_FNV_H
#define DORF_FNV_H

#include <stddef.h>
#include <stdint.h>

#define DORF_FNV_START 1469598103934665603ull

/* Continues hash `h` over the `n` bytes at `p`. */
static inline uint64_t dorf_fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

#endif
