/*
 * dorf/scenarios.h: coverage, what-if scenarios, facility siting, reports and the anonymised
 * export for researchers.
 *
 * Not built yet: see the scenarios and export issues.
 */
#ifndef DORF_SCENARIOS_H
#define DORF_SCENARIOS_H

#include "dorf/routing.h"

#endif
