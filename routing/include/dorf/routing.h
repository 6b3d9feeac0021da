/*
 * dorf/routing.h: routing on the region's road graph (walk, bike, car): snapping, shortest
 * paths, matrices, isochrones and the LieferBar optimiser.
 *
 * Not built yet: see the routing issue. The graph it will route on is stored by the importer
 * (dorf/region.h: road nodes and edges with per-direction access for each mode).
 */
#ifndef DORF_ROUTING_H
#define DORF_ROUTING_H

#include "dorf/region.h"

#endif
