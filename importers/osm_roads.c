/*
 * osm_roads.c: the road graph, from the ways of an OSM extract (read through osm_read).
 *
 * One pass (osm_read) collects every node's position, every highway way that some mode may use
 * (with its node list and routing attributes, see road_profile.c) and every turn restriction. Then
 * the graph is built: a node becomes a graph node where a road ends or where two roads (or one road
 * twice) pass through it, and each way is split into one segment per stretch between graph nodes,
 * with its shape and its length in the region's metric CRS (PROJ). Where an extract cuts a way (its
 * nodes lie outside), the way is split at the gap and the cut is recorded as an import issue; such
 * ways stay usable up to the edge of the extract.
 */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "import_internal.h"

#define NO_INDEX UINT32_MAX
#define ELEMENTS_PER_TICK 65536

struct osm_node {
    int64_t id;
    double lon;
    double lat;
};

struct road_way {
    int64_t id;
    struct road_attrs attrs;
    size_t ref_first;
    uint32_t ref_count;
    const char *name;
    const char *surface;
};

struct pending_restriction {
    int64_t relation_id;
    int64_t from_way;
    int64_t via_node;
    int64_t to_way;
    const char *kind;
    int only;
    uint8_t modes;
};

struct roads_state {
    dorf_ctx *ctx;
    dorf_region *region;
    dorf_import_report *report;
    struct osm_node *nodes;
    size_t node_count, node_cap;
    int nodes_sorted;
    struct road_way *ways;
    size_t way_count, way_cap;
    int64_t *refs;
    size_t ref_count, ref_cap;
    struct pending_restriction *restrictions;
    size_t restriction_count, restriction_cap;
    struct outer_tags *outer;
    uint64_t elements;
};

static dorf_status tick(struct roads_state *s) {
    if (++s->elements % ELEMENTS_PER_TICK == 0) {
        dorf_progress(s->ctx, "reading roads", s->elements, 0);
        if (dorf_ctx_interrupted(s->ctx)) {
            return dorf_fail(s->ctx, DORF_EINTR, "interrupted while reading roads");
        }
    }
    return DORF_OK;
}

static dorf_status fail_oom(struct roads_state *s) {
    return dorf_fail(s->ctx, DORF_ENOMEM, "out of memory reading roads");
}

static dorf_status on_node(void *user, const struct osm_node_elem *node) {
    struct roads_state *s = user;
    s->report->osm_nodes++;
    if (dorf_grow((void **)&s->nodes, &s->node_cap, s->node_count + 1, sizeof *s->nodes) != 0) {
        return fail_oom(s);
    }
    if (s->node_count && s->nodes[s->node_count - 1].id >= node->id) {
        s->nodes_sorted = 0;
    }
    s->nodes[s->node_count++] = (struct osm_node){node->id, node->lon_deg, node->lat_deg};
    return tick(s);
}

static dorf_status on_way(void *user, const struct osm_way_elem *way) {
    struct roads_state *s = user;
    s->report->osm_ways++;
    dorf_status st = outer_tags_way(s->outer, s->ctx, way);
    if (st != DORF_OK) {
        return st;
    }
    if (!osm_tag(way->tags, "highway")) {
        return tick(s);
    }
    s->report->highway_ways++;
    struct road_way w = {.id = way->id};
    const char *why = NULL;
    if (!road_attrs_from_tags(way->tags, &w.attrs, &why) || way->ref_count < 2 ||
        way->ref_count > UINT32_MAX) {
        s->report->skipped_not_routable++;
        return tick(s);
    }
    if (dorf_grow((void **)&s->refs, &s->ref_cap, s->ref_count + way->ref_count, sizeof *s->refs) !=
            0 ||
        dorf_grow((void **)&s->ways, &s->way_cap, s->way_count + 1, sizeof *s->ways) != 0) {
        return fail_oom(s);
    }
    memcpy(s->refs + s->ref_count, way->refs, way->ref_count * sizeof *s->refs);
    w.ref_first = s->ref_count;
    w.ref_count = (uint32_t)way->ref_count;
    s->ref_count += way->ref_count;
    const char *name = osm_tag(way->tags, "name");
    const char *surface = osm_tag(way->tags, "surface");
    w.name = name ? dorf_arena_strdup(s->region->arena, name) : NULL;
    w.surface = surface ? dorf_arena_strdup(s->region->arena, surface) : NULL;
    if ((name && !w.name) || (surface && !w.surface)) {
        return fail_oom(s);
    }
    s->ways[s->way_count++] = w;
    return tick(s);
}

/* Which modes a restriction binds: vehicles, narrowed by restriction:<mode> and except=. */
static uint8_t restriction_modes(const struct osm_tags *tags, const char **kind) {
    uint8_t modes = DORF_ACCESS_CAR | DORF_ACCESS_BIKE;
    *kind = osm_tag(tags, "restriction");
    if (!*kind && (*kind = osm_tag(tags, "restriction:motorcar")) != NULL) {
        modes = DORF_ACCESS_CAR;
    } else if (!*kind && (*kind = osm_tag(tags, "restriction:bicycle")) != NULL) {
        modes = DORF_ACCESS_BIKE;
    }
    const char *except = osm_tag(tags, "except");
    if (except && strstr(except, "bicycle")) {
        modes &= (uint8_t)~DORF_ACCESS_BIKE;
    }
    if (except && (strstr(except, "motorcar") || strstr(except, "motor_vehicle"))) {
        modes &= (uint8_t)~DORF_ACCESS_CAR;
    }
    return modes;
}

static int add_issue(struct roads_state *s, const char *kind, char type, int64_t id,
                     const char *detail) {
    dorf_import_issue issue = {kind, type, id, dorf_arena_strdup(s->region->arena, detail)};
    if (!issue.detail || dorf_region_add_issue(s->ctx, s->region, &issue) != DORF_OK) {
        return -1;
    }
    return 0;
}

static dorf_status on_relation(void *user, const struct osm_relation_elem *rel) {
    struct roads_state *s = user;
    s->report->osm_relations++;
    dorf_status st = outer_tags_relation(s->outer, s->ctx, rel);
    if (st != DORF_OK) {
        return st;
    }
    const char *type = osm_tag(rel->tags, "type");
    if (!type || strcmp(type, "restriction") != 0) {
        return tick(s);
    }
    struct pending_restriction r = {.relation_id = rel->id};
    r.modes = restriction_modes(rel->tags, &r.kind);
    int from = 0, via = 0, to = 0, via_way = 0;
    for (size_t i = 0; i < rel->member_count; i++) {
        const struct osm_member *m = &rel->members[i];
        if (strcmp(m->role, "from") == 0 && m->type == 'w') {
            r.from_way = m->id;
            from++;
        } else if (strcmp(m->role, "to") == 0 && m->type == 'w') {
            r.to_way = m->id;
            to++;
        } else if (strcmp(m->role, "via") == 0) {
            if (m->type == 'n') {
                r.via_node = m->id;
                via++;
            } else {
                via_way++;
            }
        }
    }
    const char *problem = NULL;
    if (!r.kind || (strncmp(r.kind, "no_", 3) != 0 && strncmp(r.kind, "only_", 5) != 0)) {
        problem = "no restriction=no_* or only_* value";
    } else if (via_way) {
        problem = "via ways are not supported, only via nodes";
    } else if (from != 1 || to != 1 || via != 1) {
        problem = "needs exactly one from way, one via node and one to way";
    } else if (r.modes == 0) {
        problem = "applies to no mode dorf routes (except= covers all)";
    }
    if (problem) {
        s->report->skipped_restrictions++;
        if (add_issue(s, "restriction", 'r', rel->id, problem) != 0) {
            return fail_oom(s);
        }
        return tick(s);
    }
    r.only = strncmp(r.kind, "only_", 5) == 0;
    r.kind = dorf_arena_strdup(s->region->arena, r.kind);
    if (!r.kind || dorf_grow((void **)&s->restrictions, &s->restriction_cap,
                             s->restriction_count + 1, sizeof *s->restrictions) != 0) {
        return fail_oom(s);
    }
    s->restrictions[s->restriction_count++] = r;
    return tick(s);
}

static int compare_nodes(const void *a, const void *b) {
    int64_t x = ((const struct osm_node *)a)->id, y = ((const struct osm_node *)b)->id;
    return (x > y) - (x < y);
}

static uint32_t find_node(const struct roads_state *s, int64_t id) {
    size_t lo = 0, hi = s->node_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->nodes[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < s->node_count && s->nodes[lo].id == id ? (uint32_t)lo : NO_INDEX;
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Projects every node to the metric CRS (x, y in metres), in one PROJ call. */
static dorf_status project_nodes(struct roads_state *s, int epsg, double **xs, double **ys) {
    char target[32];
    snprintf(target, sizeof target, "EPSG:%d", epsg);
    PJ_CONTEXT *pj_ctx = proj_context_create();
    if (pj_ctx) {
        proj_log_level(pj_ctx, PJ_LOG_NONE); /* failures are reported per node below */
    }
    PJ *raw = pj_ctx ? proj_create_crs_to_crs(pj_ctx, "EPSG:4326", target, NULL) : NULL;
    PJ *pj = raw ? proj_normalize_for_visualization(pj_ctx, raw) : NULL;
    proj_destroy(raw);
    dorf_status st = DORF_OK;
    *xs = dorf_malloc((s->node_count ? s->node_count : 1) * sizeof **xs);
    *ys = dorf_malloc((s->node_count ? s->node_count : 1) * sizeof **ys);
    if (!pj) {
        st = dorf_fail(s->ctx, DORF_EIO, "PROJ cannot transform to %s: %s", target,
                       pj_ctx ? proj_context_errno_string(pj_ctx, proj_context_errno(pj_ctx))
                              : "no context");
    } else if (!*xs || !*ys) {
        st = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory projecting nodes");
    } else {
        for (size_t i = 0; i < s->node_count; i++) {
            (*xs)[i] = s->nodes[i].lon;
            (*ys)[i] = s->nodes[i].lat;
        }
        size_t n = proj_trans_generic(pj, PJ_FWD, *xs, sizeof **xs, s->node_count, *ys, sizeof **ys,
                                      s->node_count, NULL, 0, 0, NULL, 0, 0);
        if (n != s->node_count) {
            st = dorf_fail(s->ctx, DORF_EIO, "PROJ failed to project road nodes to %s", target);
        }
    }
    proj_destroy(pj);
    proj_context_destroy(pj_ctx);
    return st;
}

/* The graph node for OSM node `i`, made on first use. */
static dorf_status graph_node(struct roads_state *s, uint32_t *graph_of, uint32_t i,
                              uint32_t *out) {
    if (graph_of[i] == NO_INDEX) {
        dorf_road_node n = {s->nodes[i].id, s->nodes[i].lon, s->nodes[i].lat};
        dorf_status st = dorf_region_add_node(s->ctx, s->region, &n, &graph_of[i]);
        if (st != DORF_OK) {
            return st;
        }
    }
    *out = graph_of[i];
    return DORF_OK;
}

/* Emits the segments of one run of present nodes idx[0..n) of way w. */
static dorf_status emit_run(struct roads_state *s, const struct road_way *w, const uint32_t *idx,
                            size_t n, const uint8_t *use, uint32_t *graph_of, const double *xs,
                            const double *ys) {
    dorf_road_edge e = {0};
    dorf_status st = graph_node(s, graph_of, idx[0], &e.from);
    if (st != DORF_OK) {
        return st;
    }
    e.point_first = (uint32_t)s->region->point_count;
    if ((st = dorf_region_add_point(s->ctx, s->region,
                                    (dorf_point){s->nodes[idx[0]].lon, s->nodes[idx[0]].lat},
                                    NULL)) != DORF_OK) {
        return st;
    }
    e.point_count = 1;
    for (size_t k = 1; k < n; k++) {
        uint32_t a = idx[k - 1], b = idx[k];
        if (a == b) {
            continue; /* the same node twice in a row: no segment */
        }
        e.length_m += hypot(xs[b] - xs[a], ys[b] - ys[a]);
        if ((st = dorf_region_add_point(s->ctx, s->region,
                                        (dorf_point){s->nodes[b].lon, s->nodes[b].lat}, NULL)) !=
            DORF_OK) {
            return st;
        }
        e.point_count++;
        if (use[b] >= 2 || k == n - 1) {
            if ((st = graph_node(s, graph_of, b, &e.to)) != DORF_OK) {
                return st;
            }
            e.osm_way_id = w->id;
            e.highway = w->attrs.highway;
            e.access_forward = w->attrs.access_forward;
            e.access_backward = w->attrs.access_backward;
            e.maxspeed_kmh = w->attrs.maxspeed_kmh;
            e.name = w->name;
            e.surface = w->surface;
            if ((st = dorf_region_add_edge(s->ctx, s->region, &e)) != DORF_OK) {
                return st;
            }
            /* The next segment starts where this one ends, sharing the point. */
            e.from = e.to;
            e.length_m = 0;
            e.point_first = (uint32_t)s->region->point_count;
            if ((st = dorf_region_add_point(s->ctx, s->region,
                                            (dorf_point){s->nodes[b].lon, s->nodes[b].lat},
                                            NULL)) != DORF_OK) {
                return st;
            }
            e.point_count = 1;
        }
    }
    /* Drop the dangling start point of a segment that never began. */
    s->region->point_count = e.point_first;
    return DORF_OK;
}

static dorf_status build_graph(struct roads_state *s) {
    dorf_region *r = s->region;
    uint32_t *ref_index = dorf_malloc((s->ref_count ? s->ref_count : 1) * sizeof *ref_index);
    uint8_t *use = dorf_calloc(s->node_count ? s->node_count : 1, 1);
    uint32_t *graph_of = dorf_malloc((s->node_count ? s->node_count : 1) * sizeof *graph_of);
    double *xs = NULL, *ys = NULL;
    dorf_status st = DORF_OK;
    if (!ref_index || !use || !graph_of) {
        st = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory building the road graph");
        goto done;
    }
    memset(graph_of, 0xff, (s->node_count ? s->node_count : 1) * sizeof *graph_of);
    for (size_t i = 0; i < s->ref_count; i++) {
        ref_index[i] = find_node(s, s->refs[i]);
        if (ref_index[i] != NO_INDEX && use[ref_index[i]] < 2) {
            use[ref_index[i]]++;
        }
    }
    if ((st = project_nodes(s, r->meta.crs_epsg, &xs, &ys)) != DORF_OK) {
        goto done;
    }
    for (size_t i = 0; i < s->node_count; i++) {
        if (use[i] && !(isfinite(xs[i]) && isfinite(ys[i]))) {
            st = dorf_fail(s->ctx, DORF_EINVAL,
                           "road node %lld at %.6f,%.6f cannot be projected to EPSG:%d; is the "
                           "extract a single region (not polar, not spanning the globe)?",
                           (long long)s->nodes[i].id, s->nodes[i].lon, s->nodes[i].lat,
                           r->meta.crs_epsg);
            goto done;
        }
    }
    for (size_t wi = 0; wi < s->way_count; wi++) {
        const struct road_way *w = &s->ways[wi];
        const uint32_t *idx = ref_index + w->ref_first;
        size_t run_start = 0;
        int cut = 0;
        size_t edges_before = r->edge_count;
        for (size_t k = 0; k <= w->ref_count; k++) {
            if (k < w->ref_count && idx[k] != NO_INDEX) {
                continue;
            }
            if (k < w->ref_count) {
                cut = 1;
            }
            if (k - run_start >= 2) {
                if ((st = emit_run(s, w, idx + run_start, k - run_start, use, graph_of, xs, ys)) !=
                    DORF_OK) {
                    goto done;
                }
            }
            run_start = k + 1;
        }
        if (cut) {
            s->report->skipped_missing_nodes++;
            if (add_issue(s, "way", 'w', w->id,
                          "refers to nodes missing from the extract; kept the parts inside") != 0) {
                st = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory");
                goto done;
            }
        }
        if (r->edge_count > edges_before) {
            s->report->road_ways++;
        }
        if (wi % 4096 == 0) {
            dorf_progress(s->ctx, "building road graph", wi, s->way_count);
            if (dorf_ctx_interrupted(s->ctx)) {
                st = dorf_fail(s->ctx, DORF_EINTR, "interrupted while building the road graph");
                goto done;
            }
        }
    }

    /* Turn restrictions whose ways are roads here and whose via node is a junction. */
    int64_t *way_ids = dorf_malloc((s->way_count ? s->way_count : 1) * sizeof *way_ids);
    if (!way_ids) {
        st = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->way_count; i++) {
        way_ids[i] = s->ways[i].id;
    }
    qsort(way_ids, s->way_count, sizeof *way_ids, compare_i64);
    for (size_t i = 0; i < s->restriction_count && st == DORF_OK; i++) {
        const struct pending_restriction *p = &s->restrictions[i];
        uint32_t via = find_node(s, p->via_node);
        const char *problem = NULL;
        if (!bsearch(&p->from_way, way_ids, s->way_count, sizeof *way_ids, compare_i64) ||
            !bsearch(&p->to_way, way_ids, s->way_count, sizeof *way_ids, compare_i64)) {
            problem = "its from or to way is not a road in this extract";
        } else if (via == NO_INDEX || graph_of[via] == NO_INDEX) {
            problem = "its via node is not a junction of the road graph";
        }
        if (problem) {
            s->report->skipped_restrictions++;
            if (add_issue(s, "restriction", 'r', p->relation_id, problem) != 0) {
                st = dorf_fail(s->ctx, DORF_ENOMEM, "out of memory");
            }
            continue;
        }
        dorf_turn_restriction t = {p->relation_id, p->from_way, graph_of[via], p->to_way,
                                   p->only,        p->modes,    p->kind};
        st = dorf_region_add_restriction(s->ctx, r, &t);
        s->report->restrictions++;
    }
    dorf_free(way_ids);

done:
    dorf_free(ref_index);
    dorf_free(use);
    dorf_free(graph_of);
    dorf_free(xs);
    dorf_free(ys);
    return st;
}

dorf_status import_roads(dorf_ctx *ctx, const struct osm_source *src, dorf_region *region,
                         dorf_import_report *report, struct outer_tags *outer) {
    struct roads_state s = {
        .ctx = ctx, .region = region, .report = report, .nodes_sorted = 1, .outer = outer};
    struct osm_handler h = {&s, on_node, on_way, on_relation};
    dorf_status st = osm_read(ctx, src, &h);
    if (st != DORF_OK) {
        if (st == DORF_EPARSE) {
            dorf_fail_prefix(ctx, st, "after %llu nodes, %llu ways and %llu relations",
                             (unsigned long long)report->osm_nodes,
                             (unsigned long long)report->osm_ways,
                             (unsigned long long)report->osm_relations);
        }
        goto done;
    }
    if (!s.nodes_sorted) {
        qsort(s.nodes, s.node_count, sizeof *s.nodes, compare_nodes);
    }
    if (s.node_count == 0) {
        st = dorf_fail(ctx, DORF_EEMPTY, "the extract holds no nodes; nothing to import");
        goto done;
    }
    dorf_region_meta *m = &region->meta;
    m->min_lon_deg = m->min_lat_deg = INFINITY;
    m->max_lon_deg = m->max_lat_deg = -INFINITY;
    for (size_t i = 0; i < s.node_count; i++) {
        m->min_lon_deg = fmin(m->min_lon_deg, s.nodes[i].lon);
        m->max_lon_deg = fmax(m->max_lon_deg, s.nodes[i].lon);
        m->min_lat_deg = fmin(m->min_lat_deg, s.nodes[i].lat);
        m->max_lat_deg = fmax(m->max_lat_deg, s.nodes[i].lat);
    }
    m->crs_epsg = metric_crs_for((m->min_lon_deg + m->max_lon_deg) / 2,
                                 (m->min_lat_deg + m->max_lat_deg) / 2);
    st = build_graph(&s);

done:
    dorf_free(s.nodes);
    dorf_free(s.ways);
    dorf_free(s.refs);
    dorf_free(s.restrictions);
    return st;
}

int metric_crs_for(double lon_deg, double lat_deg) {
    int zone = (int)floor((lon_deg + 180.0) / 6.0) + 1;
    if (zone < 1) {
        zone = 1;
    } else if (zone > 60) {
        zone = 60;
    }
    /* ETRS89 / UTM (EPSG:258zz) where ETRS89 is the datum in use: Europe, zones 28-38. */
    if (lat_deg >= 34 && lat_deg <= 72 && zone >= 28 && zone <= 38) {
        return 25800 + zone;
    }
    return (lat_deg >= 0 ? 32600 : 32700) + zone;
}
