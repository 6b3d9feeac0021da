/*
 * export_noise.c: the cell-key method's perturbation table (dorf/export.h).
 *
 * The table is ours, built the way the method's literature describes (Fraser and Wooton
 * 2005; Giessing 2016 for its use in the German census): a discrete distribution of
 * deviations -D..D with mean 0 and a chosen variance V, here the discretised normal shape
 * p(d) ~ exp(-d^2 / (2 s^2)) with s found by bisection so that the variance is exactly V.
 * A count n <= D cannot take the deviations that would make it zero or negative; their
 * probability is moved to the mirrored positive deviation, so every published count of a
 * non-empty cell is at least 1 and small counts cannot be told from their neighbours.
 * The deviation is chosen by the cell key: the first d whose cumulative probability
 * exceeds it, so equal records give equal figures in every table and every export.
 */
#include <math.h>
#include <pthread.h>

#include "dorf/export.h"

#define D DORF_EXPORT_CKM_MAX_DEVIATION

static double symmetric[2 * D + 1]; /* p(d) at index d + D */
static pthread_once_t symmetric_once = PTHREAD_ONCE_INIT;

static double variance_for(double s, double *p) {
    double sum = 0, var = 0;
    for (int d = -D; d <= D; d++) {
        p[d + D] = exp(-(double)(d * d) / (2 * s * s));
        sum += p[d + D];
    }
    for (int d = -D; d <= D; d++) {
        p[d + D] /= sum;
        var += (double)(d * d) * p[d + D];
    }
    return var;
}

/* The variance grows with s from 0 towards D(D+1)/3 (uniform), which must exceed V. */
static void build_symmetric(void) {
    double lo = 1e-3, hi = 1e3;
    for (int i = 0; i < 200; i++) {
        double mid = sqrt(lo * hi);
        if (variance_for(mid, symmetric) < DORF_EXPORT_CKM_VARIANCE) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    variance_for(sqrt(lo * hi), symmetric);
}

double dorf_export_ckm_probability(int64_t n, int d) {
    if (d < -D || d > D || n < 0) {
        return 0;
    }
    if (n == 0) {
        return d == 0;
    }
    pthread_once(&symmetric_once, build_symmetric);
    if (n + d < 1) {
        return 0; /* moved to -d */
    }
    double p = symmetric[d + D];
    if (d > 0 && n - d < 1) {
        p += symmetric[-d + D];
    }
    return p;
}

int64_t dorf_export_ckm_perturb(int64_t n, uint64_t cell_key) {
    if (n <= 0) {
        return n;
    }
    /* The key as a fraction in [0, 1); 53 bits are all a double holds. */
    double u = (double)(cell_key >> 11) * 0x1p-53;
    double cumulative = 0;
    for (int d = -D; d <= D; d++) {
        cumulative += dorf_export_ckm_probability(n, d);
        if (u < cumulative) {
            return n + d;
        }
    }
    /* Rounding left the last few keys beyond the sum: the largest deviation. */
    for (int d = D; d >= -D; d--) {
        if (dorf_export_ckm_probability(n, d) > 0) {
            return n + d;
        }
    }
    return n;
}
