/*
 * dorf/api.h: `dorf serve`, the HTTP server of the platform, its portal and open standards.
 *
 * Not built yet: see the platform API and portal issues.
 */
#ifndef DORF_API_H
#define DORF_API_H

#include "dorf/scenarios.h"

#endif
