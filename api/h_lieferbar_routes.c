/*
 * h_lieferbar_routes.c: POST /api/routes, an optimised route for one volunteer over open
 * parcels, proposed by a job (jobs.h) because planning takes seconds.
 *
 * The request is checked and the parcels chosen on the request's thread (the volunteer's
 * availability, and either the listed parcels, which must be open, or the open parcels
 * within reach of home); the job then builds a LieferBar day with this one volunteer and
 * these parcels (dorf/lieferbar.h), plans it on the region's travel times with the store's
 * graph and hierarchy caches, and keeps the plan's GeoJSON as its result, with the parcels
 * of the proposed route and how to claim them (POST /api/parcels/claim: all or none).
 * A LieferBar day counts time from local midnight (Germany) of the availability's start.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/lieferbar.h"
#include "h_lieferbar.h"
#include "jobs.h"
#include "json_util.h"

#define MAX_ROUTE_PARCELS 200 /* planned at once: the travel-time matrix grows with the square */
#define MAX_REACH_M 50000.0

struct route_parcel {
    dorf_parcel p;
    char shop_name[128];
};

struct route_job {
    dorf_availability a;
    double time_limit_s;
    size_t count;
    struct route_parcel parcels[];
};

/* Metres a volunteer covers per second, roughly, for choosing the parcels within reach. */
static double mode_speed(const char *mode) {
    if (strcmp(mode, "walk") == 0) {
        return 1.4;
    }
    return strcmp(mode, "bike") == 0 ? 4.2 : 13.9;
}

static dorf_mode mode_of(const char *mode) {
    if (strcmp(mode, "walk") == 0) {
        return DORF_MODE_WALK;
    }
    return strcmp(mode, "bike") == 0 ? DORF_MODE_BIKE : DORF_MODE_CAR;
}

static double flat_distance_m(double lon0, double lat0, double lon, double lat) {
    const double k = 3.14159265358979323846 / 180.0 * 6371008.8;
    double x = (lon - lon0) * k * cos(lat0 * 3.14159265358979323846 / 180.0);
    double y = (lat - lat0) * k;
    return sqrt(x * x + y * y);
}

/* Seconds from the local midnight (Germany) before `t` to `t`. */
static int64_t seconds_since_local_midnight(int64_t t, dorf_local_time *date) {
    *date = dorf_market_local_time(t);
    int64_t second = ((t % 60) + 60) % 60;
    int64_t since = (int64_t)date->minute * 60 + second;
    date->minute = 0;
    return since;
}

static json_t *proposed_ids(const dorf_lieferbar_plan *plan) {
    json_t *ids = json_array();
    for (size_t r = 0; ids && r < plan->route_count; r++) {
        const dorf_lieferbar_route *route = &plan->routes[r];
        for (size_t k = 0; k < route->stop_count; k++) {
            const dorf_lieferbar_stop *s = &route->stops[k];
            if (s->kind == DORF_LIEFERBAR_PICKUP && s->parcel != DORF_LIEFERBAR_NONE) {
                json_array_append_new(ids, json_integer(plan->day->parcels[s->parcel].id));
            }
        }
    }
    return ids;
}

/* The plan as GeoJSON, with the proposal's own members beside "features". */
static dorf_status plan_json(dorf_ctx *ctx, const dorf_lieferbar_plan *plan,
                             const struct route_job *job, int64_t origin, json_t **out) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory writing the route");
    }
    dorf_status st = dorf_lieferbar_plan_write_geojson(ctx, plan, f);
    if (fclose(f) != 0 && st == DORF_OK) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory writing the route");
    }
    json_t *root = NULL;
    if (st == DORF_OK && !(root = json_loadb(text, size, 0, NULL))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory reading the route back");
    }
    free(text);
    if (st != DORF_OK) {
        return st;
    }
    json_t *ids = proposed_ids(plan);
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", plan->day->date.year, plan->day->date.month,
             plan->day->date.day);
    int bad = !ids;
    bad = bad || json_object_set_new(root, "availability_id", json_integer(job->a.id));
    bad = bad || json_object_set_new(root, "date", json_string(date));
    bad = bad || json_object_set_new(root, "day_start", json_integer(origin));
    bad = bad || json_object_set_new(root, "considered", json_integer((json_int_t)job->count));
    bad = bad || json_object_set_new(root, "parcels", json_incref(ids));
    bad = bad || json_object_set_new(root, "accept",
                                     json_pack("{s:s, s:s, s:{s:O}}", "method", "POST", "href",
                                               "/api/parcels/claim", "body", "parcels", ids));
    json_decref(ids);
    if (bad) {
        json_decref(root);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory writing the route");
    }
    *out = root;
    return DORF_OK;
}

static dorf_status run_route_job(void *arg, dorf_store *store, dorf_ctx *ctx, json_t **result) {
    const struct route_job *job = arg;
    char path[4096];
    dorf_status st = dorf_store_file_path(store, path, sizeof path);
    if (st != DORF_OK) {
        return st;
    }
    dorf_lieferbar_day *day = dorf_calloc(1, sizeof *day);
    dorf_lieferbar_plan *plan = NULL;
    if (!day || !(day->arena = dorf_arena_new()) ||
        !(day->volunteers = dorf_arena_alloc(day->arena, sizeof *day->volunteers)) ||
        !(day->parcels = dorf_arena_alloc(day->arena, (job->count + 1) * sizeof *day->parcels))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory planning a route");
        goto done;
    }
    const dorf_availability *a = &job->a;
    int64_t origin = a->from_at - seconds_since_local_midnight(a->from_at, &day->date);
    dorf_lieferbar_volunteer *v = &day->volunteers[0];
    memset(v, 0, sizeof *v);
    v->id = (uint32_t)a->volunteer_id;
    v->home_household = UINT32_MAX;
    v->home_lon_deg = a->home_lon_deg;
    v->home_lat_deg = a->home_lat_deg;
    v->mode = mode_of(a->mode);
    v->capacity = a->capacity;
    v->available_from_s = (double)(a->from_at - origin);
    v->available_until_s = (double)(a->until_at - origin);
    v->max_detour_s = a->max_detour_s;
    if (a->has_trip) {
        v->has_trip = 1;
        v->trip_place = UINT32_MAX;
        v->trip_name = "trip";
        v->trip_lon_deg = a->trip_lon_deg;
        v->trip_lat_deg = a->trip_lat_deg;
        v->trip_from_s = v->available_from_s;
        v->trip_until_s = v->available_until_s;
    }
    day->volunteer_count = 1;
    for (size_t i = 0; i < job->count; i++) {
        const dorf_parcel *p = &job->parcels[i].p;
        dorf_lieferbar_parcel *d = &day->parcels[i];
        memset(d, 0, sizeof *d);
        d->id = (uint32_t)p->id;
        d->size = p->size;
        d->shop_place = UINT32_MAX;
        d->shop_osm_type = 'n';
        d->shop_name = job->parcels[i].shop_name;
        d->pickup_lon_deg = p->pickup_lon_deg;
        d->pickup_lat_deg = p->pickup_lat_deg;
        d->ready_s = fmax(0, (double)(p->ready_at - origin));
        d->pickup_until_s = (double)(p->due_until - origin);
        d->household = UINT32_MAX;
        d->dropoff_lon_deg = p->dropoff_lon_deg;
        d->dropoff_lat_deg = p->dropoff_lat_deg;
        d->dropoff_from_s = fmax(0, (double)(p->due_from - origin));
        d->dropoff_until_s = (double)(p->due_until - origin);
    }
    day->parcel_count = job->count;
    dorf_lieferbar_plan_options opt = {0};
    opt.time_limit_s = job->time_limit_s;
    opt.seed = 1;
    if ((st = dorf_lieferbar_plan_day(ctx, store, path, day, &opt, &plan)) == DORF_OK) {
        st = plan_json(ctx, plan, job, origin, result);
    }
done:
    dorf_lieferbar_plan_free(plan);
    dorf_lieferbar_day_free(day);
    return st;
}

/* Keeps the parcels whose windows meet the availability and that lie within reach of home. */
static int within_reach(const dorf_availability *a, const dorf_parcel *p) {
    double reach = mode_speed(a->mode) * (double)(a->until_at - a->from_at) / 2;
    reach = fmin(reach, MAX_REACH_M);
    return p->ready_at < a->until_at && p->due_until > a->from_at &&
           flat_distance_m(a->home_lon_deg, a->home_lat_deg, p->pickup_lon_deg,
                           p->pickup_lat_deg) <= reach &&
           flat_distance_m(a->home_lon_deg, a->home_lat_deg, p->dropoff_lon_deg,
                           p->dropoff_lat_deg) <= reach;
}

static struct route_job *new_job(size_t count) {
    struct route_job *job = calloc(1, sizeof *job + (count + 1) * sizeof job->parcels[0]);
    return job;
}

static void add_parcel(struct route_job *job, const dorf_parcel *p) {
    struct route_parcel *rp = &job->parcels[job->count++];
    rp->p = *p;
    api_copy_utf8(rp->shop_name, sizeof rp->shop_name, p->shop_name ? p->shop_name : "");
    rp->p.shop_name = NULL;
}

/* The listed parcels, each of which must be open: else 404 or 409 naming them. */
static struct route_job *listed_parcels(api_request *req, api_response *res, dorf_arena *arena,
                                        const int64_t *ids, size_t n) {
    struct route_job *job = new_job(n);
    json_t *taken = json_array();
    if (!job || !taken) {
        api_error(res, 500, "internal", "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        dorf_parcel p;
        dorf_status st = dorf_store_parcel_get(req->store, arena, req->user->id, ids[i], &p);
        if (st != DORF_OK) {
            lieferbar_store_error(res, st, req->ctx);
            goto fail;
        }
        if (p.state != DORF_PARCEL_OPEN) {
            json_array_append_new(taken, json_integer(ids[i]));
        } else if (p.id > UINT32_MAX) {
            api_error(res, 400, "bad_field", "parcel %lld cannot be planned", (long long)p.id);
            goto fail;
        }
        add_parcel(job, &p);
    }
    if (json_array_size(taken) > 0) {
        api_json(res, 409,
                 json_pack("{s:{s:s, s:s, s:O}}", "error", "code", "conflict", "message",
                           "some of the parcels are not open any more", "parcels", taken));
        goto fail;
    }
    json_decref(taken);
    return job;
fail:
    json_decref(taken);
    free(job);
    return NULL;
}

/* The open parcels within reach of the volunteer, nearest first. */
static struct route_job *parcels_in_reach(api_request *req, api_response *res, dorf_arena *arena,
                                          const dorf_availability *a) {
    dorf_geo_query q = {0};
    q.kind = DORF_GEO_NEAR;
    q.lon_deg = a->home_lon_deg;
    q.lat_deg = a->home_lat_deg;
    q.radius_m = fmin(MAX_REACH_M, mode_speed(a->mode) * (double)(a->until_at - a->from_at) / 2);
    if (!(q.radius_m >= 1)) {
        q.radius_m = 1;
    }
    q.by_distance = 1;
    q.limit = DORF_MARKET_MAX_LIST;
    dorf_parcel *list = NULL;
    size_t n = 0;
    dorf_status st = dorf_store_list_parcels(req->store, arena, 0, &q, &list, &n);
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return NULL;
    }
    struct route_job *job = new_job(MAX_ROUTE_PARCELS);
    if (!job) {
        api_error(res, 500, "internal", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n && job->count < MAX_ROUTE_PARCELS; i++) {
        if (within_reach(a, &list[i]) && list[i].id <= UINT32_MAX) {
            add_parcel(job, &list[i]);
        }
    }
    return job;
}

void lieferbar_post_route(api_request *req, api_response *res) {
    static const char *const fields[] = {"availability_id", "parcels", "time_limit_s", NULL};
    int64_t availability_id = 0;
    double time_limit_s = 1.0;
    if (api_body_only(req, fields, res) ||
        api_body_int(req, "availability_id", API_REQUIRED, 1, INT64_MAX, &availability_id, res) ||
        api_body_number(req, "time_limit_s", API_OPTIONAL, 0.1, 10, &time_limit_s, res)) {
        return;
    }
    int64_t ids[DORF_PARCELS_MAX_CLAIM];
    size_t n = 0;
    json_t *listed = json_object_get(req->body, "parcels");
    if (listed && !json_is_null(listed) && lieferbar_body_ids(req, "parcels", ids, &n, res)) {
        return;
    }
    dorf_availability a;
    dorf_status st = dorf_store_availability_get(req->store, req->user->id, availability_id, &a);
    if (st != DORF_OK) {
        lieferbar_store_error(res, st, req->ctx);
        return;
    }
    dorf_arena *arena = dorf_arena_new();
    if (!arena) {
        api_error(res, 500, "internal", "out of memory");
        return;
    }
    struct route_job *job =
        n > 0 ? listed_parcels(req, res, arena, ids, n) : parcels_in_reach(req, res, arena, &a);
    dorf_arena_free(arena);
    if (!job) {
        return;
    }
    job->a = a;
    job->time_limit_s = time_limit_s;
    char job_id[API_JOB_ID_SIZE];
    st = api_job_submit(req, run_route_job, job, free, job_id);
    if (st != DORF_OK) {
        api_job_refused(res, st);
        return;
    }
    api_job_accepted(res, job_id);
}
