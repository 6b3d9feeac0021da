/*
 * siting_internal.h: what the siting files share (siting.c builds the problem, siting_model.c
 * solves it with GLPK).
 */
#ifndef DORF_SCENARIOS_SITING_INTERNAL_H
#define DORF_SCENARIOS_SITING_INTERNAL_H

#include "dorf/siting.h"

/*
 * Copies `in` to `opt` with the defaults of dorf/siting.h filled in, and checks what building
 * and solving both need (category, model, k >= 1, limits, threshold, time). DORF_EINVAL with a
 * message otherwise.
 */
dorf_status siting_check_options(dorf_ctx *ctx, const dorf_siting_options *in,
                                 dorf_siting_options *opt);

#endif
