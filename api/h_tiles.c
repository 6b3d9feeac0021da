/*
 * h_tiles.c: the vector tiles over HTTP (docs/api.md, "Vector tiles"): the base map, the live
 * layers of events and news, open LieferBar parcels for volunteers, their TileJSON documents
 * and a MapLibre style.
 *
 * Base tiles come from the server's tile state (tiles.h: the region in memory, a cache) with
 * an ETag of the region's stamp and the tile's address, so a client revalidates with
 * If-None-Match and gets 304 until a new import; they may be cached for five minutes. Live
 * and parcel tiles are made from the store at each request and never cached. Every tile
 * path is checked by tile_path_parse() first: a malformed one is 400 bad_request. Tiles hold
 * only what the public lists (/api/news, /api/events) and a volunteer's /api/parcels show, and
 * less: ids, titles, the start of events, parcels' state and their two ends.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "dorf/alloc.h"
#include "dorf/arena.h"
#include "dorf/lieferbar_store.h"
#include "dorf/posts.h"
#include "json_util.h"
#include "routes.h"
#include "tile_geom.h"
#include "tile_path.h"
#include "tile_style.h"
#include "tiles.h"

#define MVT_TYPE "application/vnd.mapbox-vector-tile"
#define BASE_CACHE_CONTROL "public, max-age=300"
#define LIVE_MAX_POSTS 500 /* per layer and tile: the newest */

/* Reads the tile address of the path; 0, or -1 after a 400. */
static int tile_of(const api_request *req, api_response *res, tile_addr *t) {
    char msg[160];
    if (req->param_count != 3 ||
        tile_path_parse(req->params[0], req->params[1], req->params[2], t, msg, sizeof msg) != 0) {
        api_error(res, 400, "bad_request", "%s (tiles are /tiles/SOURCE/{z}/{x}/{y}.mvt)",
                  req->param_count == 3 ? msg : "malformed tile path");
        return -1;
    }
    return 0;
}

/* Hands the encoder's bytes to the response as a tile. 0, or -1 after a 503. */
static int answer_tile(api_response *res, mvt_encoder *enc, const char *cache_control) {
    const uint8_t *bytes;
    size_t n;
    if (mvt_encoder_finish(enc, &bytes, &n) != 0 || (n && !(res->text = malloc(n)))) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return -1;
    }
    if (n) {
        memcpy(res->text, bytes, n);
    }
    res->text_size = n;
    res->status = 200;
    res->content_type = MVT_TYPE;
    res->cache_control = cache_control;
    return 0;
}

/* ---- the base map ---- */

static void get_base_tile(api_request *req, api_response *res) {
    tile_addr t;
    if (tile_of(req, res, &t) != 0) {
        return;
    }
    api_tiles *tiles = api_server_tiles(req->server);
    api_tiles_ref ref;
    dorf_status st = api_tiles_acquire(tiles, req->store, req->ctx, req->now, &ref);
    if (st == DORF_ENOTFOUND) {
        /* Nothing imported yet: an empty tile, not to be kept, as a region may come. */
        res->status = 200;
        res->content_type = MVT_TYPE;
        res->cache_control = "no-store";
        return;
    }
    if (st != DORF_OK) {
        fprintf(stderr, "dorf serve: %s: loading the region for tiles: %s\n", req->path,
                dorf_ctx_errmsg(req->ctx));
        api_error(res, 503, "unavailable", "the region cannot be loaded; try again");
        return;
    }
    char etag[72];
    snprintf(etag, sizeof etag, "\"%s-%u-%u-%u\"", ref.stamp, t.z, (unsigned)t.x, (unsigned)t.y);
    res->cache_control = BASE_CACHE_CONTROL;
    if (api_not_modified(req, res, etag)) {
        api_tiles_release(tiles, &ref);
        return;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = api_tiles_base_tile(tiles, &ref, t, &data, &size);
    api_tiles_release(tiles, &ref);
    if (rc != 0) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    res->text = (char *)data;
    res->text_size = size;
    res->status = 200;
    res->content_type = MVT_TYPE;
}

/* ---- points from the store ---- */

/* Where a tile and its buffer lie in lon/lat, and the scale to tile units. */
struct tile_frame {
    tile_addr t;
    double scale;
    double box[4]; /* the buffered tile: west, south, east, north */
};

static void frame_of(tile_addr t, struct tile_frame *f) {
    f->t = t;
    f->scale = ldexp((double)TILE_EXTENT, (int)t.z);
    double lo = (double)TILE_BUFFER / TILE_EXTENT;
    double n = ldexp(1.0, (int)t.z);
    tile_unproject((t.x - lo) / n, (t.y + 1 + lo) / n, &f->box[0], &f->box[1]);
    tile_unproject((t.x + 1 + lo) / n, (t.y - lo) / n, &f->box[2], &f->box[3]);
    f->box[0] = fmax(f->box[0], -180);
    f->box[2] = fmin(f->box[2], 180);
}

/* Adds the point to the open feature when it lies in the buffered tile; 1 when it did. */
static int add_point(mvt_encoder *enc, const struct tile_frame *f, double lon, double lat) {
    double wx, wy;
    tile_project(lon, lat, &wx, &wy);
    double x = wx * f->scale - (double)f->t.x * TILE_EXTENT;
    double y = wy * f->scale - (double)f->t.y * TILE_EXTENT;
    if (!(x >= -TILE_BUFFER && x <= TILE_EXTENT + TILE_BUFFER && y >= -TILE_BUFFER &&
          y <= TILE_EXTENT + TILE_BUFFER)) {
        return 0;
    }
    mvt_feature_add_point(enc, (int32_t)lrint(x), (int32_t)lrint(y));
    return 1;
}

/*
 * Writes the located posts of `kind` in the buffered tile as layer `layer`, as the public
 * list shows them to someone without a session (no hidden posts), newest first, at most
 * LIVE_MAX_POSTS. Events are those not ended before `now`. 0, or -1 after an error answer.
 */
static int post_layer(api_request *req, api_response *res, mvt_encoder *enc,
                      const struct tile_frame *f, dorf_post_kind kind, const char *layer) {
    dorf_post_query q = {.kind = kind, .has_bbox = 1, .limit = DORF_POST_LIST_MAX};
    memcpy(q.bbox, f->box, sizeof q.bbox);
    if (kind == DORF_POST_EVENT) {
        q.has_from = 1;
        q.from_at = req->now;
    }
    mvt_layer_begin(enc, layer, TILE_EXTENT);
    size_t seen = 0;
    for (;;) {
        dorf_post_list list;
        dorf_status st = dorf_store_post_list(req->store, &q, &list);
        if (st != DORF_OK) {
            dorf_post_list_free(&list);
            fprintf(stderr, "dorf serve: %s: %s\n", req->path, dorf_ctx_errmsg(req->ctx));
            api_error(res, 500, "internal", "the request could not be completed");
            return -1;
        }
        for (size_t i = 0; i < list.count && seen < LIVE_MAX_POSTS; i++, seen++) {
            const dorf_post *p = &list.posts[i];
            if (!p->has_location) {
                continue;
            }
            mvt_feature_begin(enc, MVT_POINT);
            mvt_feature_set_id(enc, (uint64_t)p->id);
            mvt_feature_add_int(enc, "id", p->id);
            if (kind == DORF_POST_EVENT) {
                mvt_feature_add_string(enc, "title", p->title);
                mvt_feature_add_int(enc, "starts_at", p->starts_at);
            } else {
                mvt_feature_add_string(enc, "kind", dorf_post_kind_name(p->kind));
                mvt_feature_add_string(enc, "title", p->title);
            }
            add_point(enc, f, p->lon_deg, p->lat_deg);
            mvt_feature_end(enc); /* strings are interned here, before the list is freed */
        }
        size_t count = list.count;
        int64_t last = count ? list.posts[count - 1].id : 0;
        dorf_post_list_free(&list);
        if (count < q.limit || seen >= LIVE_MAX_POSTS) {
            break;
        }
        q.before_id = last;
    }
    mvt_layer_end(enc);
    return 0;
}

static void get_live_tile(api_request *req, api_response *res) {
    tile_addr t;
    if (tile_of(req, res, &t) != 0) {
        return;
    }
    struct tile_frame f;
    frame_of(t, &f);
    api_tiles *tiles = api_server_tiles(req->server);
    api_tiles_worker *w = api_tiles_worker_get(tiles);
    if (!w) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    mvt_encoder_reset(w->enc);
    if (post_layer(req, res, w->enc, &f, DORF_POST_EVENT, "events") == 0 &&
        post_layer(req, res, w->enc, &f, DORF_POST_NEWS, "posts") == 0) {
        answer_tile(res, w->enc, "no-store");
    }
    api_tiles_worker_put(tiles, w);
}

/*
 * GET /tiles/parcels: the open parcels, as GET /api/parcels lists them to any volunteer (the
 * first DORF_MARKET_MAX_LIST by id), with a point at each end that lies in the tile.
 */
static void get_parcel_tile(api_request *req, api_response *res) {
    tile_addr t;
    if (tile_of(req, res, &t) != 0) {
        return;
    }
    struct tile_frame f;
    frame_of(t, &f);
    dorf_arena *arena = dorf_arena_new();
    dorf_geo_query q = {.kind = DORF_GEO_ANY, .limit = DORF_MARKET_MAX_LIST};
    dorf_parcel *list = NULL;
    size_t n = 0;
    dorf_status st =
        arena ? dorf_store_list_parcels(req->store, arena, 0, &q, &list, &n) : DORF_ENOMEM;
    if (st != DORF_OK) {
        dorf_arena_free(arena);
        if (st == DORF_ENOMEM) {
            api_error(res, 503, "unavailable", "out of memory; try again");
        } else {
            fprintf(stderr, "dorf serve: %s: %s\n", req->path, dorf_ctx_errmsg(req->ctx));
            api_error(res, 500, "internal", "the request could not be completed");
        }
        return;
    }
    api_tiles *tiles = api_server_tiles(req->server);
    api_tiles_worker *w = api_tiles_worker_get(tiles);
    if (!w) {
        dorf_arena_free(arena);
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    mvt_encoder_reset(w->enc);
    mvt_layer_begin(w->enc, "parcels", TILE_EXTENT);
    for (size_t i = 0; i < n; i++) {
        const dorf_parcel *p = &list[i];
        for (int end = 0; end < 2; end++) {
            mvt_feature_begin(w->enc, MVT_POINT);
            mvt_feature_add_int(w->enc, "id", p->id);
            mvt_feature_add_string(w->enc, "state", dorf_parcel_state_name(p->state));
            mvt_feature_add_string(w->enc, "end", end == 0 ? "pickup" : "dropoff");
            add_point(w->enc, &f, end == 0 ? p->pickup_lon_deg : p->dropoff_lon_deg,
                      end == 0 ? p->pickup_lat_deg : p->dropoff_lat_deg);
            mvt_feature_end(w->enc);
        }
    }
    answer_tile(res, w->enc, "no-store");
    api_tiles_worker_put(tiles, w);
    dorf_arena_free(arena);
}

/* ---- TileJSON and the style ---- */

/* The request's origin into out; 0, or -1 after a 400. */
static int origin_of(const api_request *req, api_response *res, char *out, size_t size) {
    if (api_origin_of_host(api_header(req, "Host"), api_header(req, "X-Forwarded-Proto"), out,
                           size) != 0) {
        api_error(res, 400, "bad_request",
                  "the Host header is missing or not a host name or address with an optional "
                  "port; the tile URLs are made from it");
        return -1;
    }
    return 0;
}

/* The region's bounds into b (loading the base map if needed); 1, or 0 when none. */
static int region_bounds(api_request *req, double b[4]) {
    api_tiles *tiles = api_server_tiles(req->server);
    api_tiles_ref ref;
    if (api_tiles_acquire(tiles, req->store, req->ctx, req->now, &ref) != DORF_OK) {
        return 0;
    }
    int ok = tile_base_bounds(ref.base, b);
    api_tiles_release(tiles, &ref);
    return ok;
}

static void answer_document(api_request *req, api_response *res, json_t *doc) {
    (void)req;
    if (!doc) {
        api_error(res, 503, "unavailable", "out of memory; try again");
        return;
    }
    api_json(res, 200, doc);
    /* The documents name this server by the Host it was asked as: revalidate each time. */
    res->cache_control = "no-cache";
}

static void tilejson(api_request *req, api_response *res, tile_source source) {
    char origin[300];
    double b[4];
    if (origin_of(req, res, origin, sizeof origin) != 0) {
        return;
    }
    int has = region_bounds(req, b);
    answer_document(req, res, tile_style_tilejson(source, origin, has ? b : NULL));
}

static void get_base_json(api_request *req, api_response *res) {
    tilejson(req, res, TILE_SOURCE_BASE);
}

static void get_live_json(api_request *req, api_response *res) {
    tilejson(req, res, TILE_SOURCE_LIVE);
}

static void get_parcels_json(api_request *req, api_response *res) {
    tilejson(req, res, TILE_SOURCE_PARCELS);
}

static void get_style(api_request *req, api_response *res) {
    char origin[300];
    double b[4];
    if (origin_of(req, res, origin, sizeof origin) != 0) {
        return;
    }
    int has = region_bounds(req, b);
    answer_document(req, res, tile_style_document(origin, has ? b : NULL));
}

const api_route api_routes_tiles[] = {
    {"GET", "/tiles/base/{z}/{x}/{y}", 0, get_base_tile,
     "a vector tile (MVT) of the region's base map, {y} as ROW.mvt"},
    {"GET", "/tiles/live/{z}/{x}/{y}", 0, get_live_tile,
     "a vector tile (MVT) of located events and news"},
    {"GET", "/tiles/parcels/{z}/{x}/{y}", DORF_ROLE_VOLUNTEER, get_parcel_tile,
     "a vector tile (MVT) of open LieferBar parcels"},
    {"GET", "/tiles/base.json", 0, get_base_json, "TileJSON of the base map's tiles"},
    {"GET", "/tiles/live.json", 0, get_live_json, "TileJSON of the live tiles"},
    {"GET", "/tiles/parcels.json", 0, get_parcels_json, "TileJSON of the parcel tiles"},
    {"GET", "/tiles/style.json", 0, get_style, "a MapLibre style drawing the base map and live"},
};
const size_t api_routes_tiles_count = sizeof api_routes_tiles / sizeof api_routes_tiles[0];
