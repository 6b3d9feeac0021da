/*
 * store_sqlite.c: the SpatiaLite store: opening a region file, its connection settings and
 * the numbered schema migrations.
 *
 * A region file is an SQLite database with SpatiaLite's metadata, so that GIS tools (QGIS,
 * ogrinfo) open it as it is. It runs in WAL mode with synchronous=FULL (an acknowledged
 * commit survives a crash or power loss), foreign keys on, and SQLITE_DBCONFIG_DEFENSIVE
 * (no SQL can corrupt the file through writable_schema or shadow tables). PRAGMA
 * application_id marks the file as dorf's and PRAGMA user_version holds its schema version;
 * each migration runs in its own transaction together with the version bump, so a file is
 * always at exactly one version.
 */
#include "store_sql.h"

#include <errno.h>
#include <limits.h>
#include <spatialite.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dorf/alloc.h"
#include "fault_vfs.h"

/*
 * The migrations, in order: migrations[i] brings a file from version i to version i + 1.
 * Never edit one that has shipped; add a new one.
 */
static const char *const migrations[DORF_SCHEMA_VERSION] = {
    /* 1: the region model. */
    "SELECT InitSpatialMetadata(0, 'NONE');"
    "SELECT InsertEpsgSrid(4326), InsertEpsgSrid(3035), InsertEpsgSrid(25832),"
    "       InsertEpsgSrid(25833);"
    "CREATE TABLE region_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE road_node ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_id INTEGER NOT NULL,"
    "  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),"
    "  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90));"
    "CREATE TABLE road_edge ("
    "  id INTEGER PRIMARY KEY,"
    "  from_node INTEGER NOT NULL REFERENCES road_node(id),"
    "  to_node INTEGER NOT NULL REFERENCES road_node(id),"
    "  osm_way_id INTEGER NOT NULL,"
    "  highway TEXT NOT NULL,"
    "  length_m REAL NOT NULL CHECK (length_m >= 0),"
    "  maxspeed_kmh REAL,"
    "  access_forward INTEGER NOT NULL CHECK (access_forward BETWEEN 0 AND 7),"
    "  access_backward INTEGER NOT NULL CHECK (access_backward BETWEEN 0 AND 7),"
    "  name TEXT,"
    "  surface TEXT);"
    "SELECT AddGeometryColumn('road_edge', 'geom', 4326, 'LINESTRING', 'XY', 1);"
    "SELECT CreateSpatialIndex('road_edge', 'geom');"
    "CREATE INDEX road_edge_from ON road_edge(from_node);"
    "CREATE INDEX road_edge_to ON road_edge(to_node);"
    "CREATE TABLE building ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('w', 'r')),"
    "  osm_id INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  lon REAL NOT NULL,"
    "  lat REAL NOT NULL,"
    "  area_m2 REAL NOT NULL CHECK (area_m2 >= 0),"
    "  levels INTEGER NOT NULL DEFAULT 0,"
    "  households INTEGER NOT NULL CHECK (households >= 0),"
    "  household_source TEXT NOT NULL);"
    "SELECT AddGeometryColumn('building', 'geom', 4326, 'MULTIPOLYGON', 'XY', 1);"
    "SELECT CreateSpatialIndex('building', 'geom');"
    "CREATE TABLE household ("
    "  id INTEGER PRIMARY KEY,"
    "  building_id INTEGER NOT NULL REFERENCES building(id),"
    "  persons REAL NOT NULL CHECK (persons >= 0));"
    "CREATE INDEX household_building ON household(building_id);"
    "CREATE TABLE address ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_id INTEGER NOT NULL,"
    "  street TEXT,"
    "  housenumber TEXT,"
    "  postcode TEXT,"
    "  city TEXT,"
    "  building_id INTEGER REFERENCES building(id));"
    "SELECT AddGeometryColumn('address', 'geom', 4326, 'POINT', 'XY', 1);"
    "SELECT CreateSpatialIndex('address', 'geom');"
    "CREATE TABLE place ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
    "  osm_id INTEGER NOT NULL,"
    "  category TEXT NOT NULL,"
    "  osm_key TEXT NOT NULL,"
    "  osm_value TEXT NOT NULL,"
    "  shop TEXT,"
    "  name TEXT,"
    "  opening_hours TEXT,"
    "  opening_hours_error TEXT,"
    "  phone TEXT,"
    "  website TEXT,"
    "  street TEXT,"
    "  housenumber TEXT,"
    "  postcode TEXT,"
    "  city TEXT);"
    "SELECT AddGeometryColumn('place', 'geom', 4326, 'POINT', 'XY', 1);"
    "SELECT CreateSpatialIndex('place', 'geom');"
    "CREATE INDEX place_category ON place(category);",

    /* 2: turn restrictions and the import's record of what it skipped. */
    "CREATE TABLE turn_restriction ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_relation_id INTEGER NOT NULL,"
    "  from_way_id INTEGER NOT NULL,"
    "  via_node INTEGER NOT NULL REFERENCES road_node(id),"
    "  to_way_id INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  only_turn INTEGER NOT NULL CHECK (only_turn IN (0, 1)),"
    "  modes INTEGER NOT NULL CHECK (modes BETWEEN 0 AND 7));"
    "CREATE TABLE import_issue ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  osm_type TEXT NOT NULL,"
    "  osm_id INTEGER NOT NULL,"
    "  detail TEXT NOT NULL);"
    "CREATE INDEX import_issue_kind ON import_issue(kind);",

    /*
     * 3: the platform: accounts and sessions, the BestellBar marketplace, LieferBar parcels
     * and volunteers' availability, DorfNews and DorfFunk posts, reports and the audit log.
     * Places are referred to by OSM type and id (row ids change on re-import); positions of
     * platform objects are plain lon/lat columns, filtered by range.
     */
    "CREATE TABLE app_user ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 127),"
    "  password_hash TEXT NOT NULL,"
    "  roles INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 127),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE session ("
    "  token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
    "  user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX session_user ON session(user_id);"
    "CREATE TABLE shop ("
    "  id INTEGER PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
    "  osm_id INTEGER NOT NULL,"
    "  owner_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  name TEXT NOT NULL,"
    "  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),"
    "  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (osm_type, osm_id));"
    "CREATE INDEX shop_owner ON shop(owner_id);"
    "CREATE TABLE product ("
    "  id INTEGER PRIMARY KEY,"
    "  shop_id INTEGER NOT NULL REFERENCES shop(id),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),"
    "  unit TEXT NOT NULL,"
    "  stock INTEGER NOT NULL CHECK (stock >= 0),"
    "  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)));"
    "CREATE INDEX product_shop ON product(shop_id);"
    "CREATE TABLE shop_order ("
    "  id INTEGER PRIMARY KEY,"
    "  citizen_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  shop_id INTEGER NOT NULL REFERENCES shop(id),"
    "  state TEXT NOT NULL CHECK (state IN ('placed', 'accepted', 'ready', 'collected',"
    "    'handed_over', 'delivered', 'cancelled', 'rejected')),"
    "  delivery INTEGER NOT NULL CHECK (delivery IN (0, 1)),"
    "  dropoff_lon REAL CHECK (dropoff_lon BETWEEN -180 AND 180),"
    "  dropoff_lat REAL CHECK (dropoff_lat BETWEEN -90 AND 90),"
    "  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX shop_order_citizen ON shop_order(citizen_id);"
    "CREATE INDEX shop_order_shop ON shop_order(shop_id);"
    "CREATE TABLE order_item ("
    "  order_id INTEGER NOT NULL REFERENCES shop_order(id),"
    "  product_id INTEGER NOT NULL REFERENCES product(id),"
    "  quantity INTEGER NOT NULL CHECK (quantity > 0),"
    "  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),"
    "  PRIMARY KEY (order_id, product_id));"
    "CREATE TABLE parcel ("
    "  id INTEGER PRIMARY KEY,"
    "  order_id INTEGER NOT NULL UNIQUE REFERENCES shop_order(id),"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'picked_up', 'delivered',"
    "    'cancelled')),"
    "  volunteer_id INTEGER REFERENCES app_user(id),"
    "  pickup_lon REAL NOT NULL, pickup_lat REAL NOT NULL,"
    "  dropoff_lon REAL NOT NULL, dropoff_lat REAL NOT NULL,"
    "  ready_at INTEGER NOT NULL,"
    "  due_from INTEGER NOT NULL, due_until INTEGER NOT NULL CHECK (due_until >= due_from),"
    "  size INTEGER NOT NULL CHECK (size > 0),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX parcel_state ON parcel(state);"
    "CREATE TABLE availability ("
    "  id INTEGER PRIMARY KEY,"
    "  volunteer_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  mode TEXT NOT NULL CHECK (mode IN ('walk', 'bike', 'car')),"
    "  capacity INTEGER NOT NULL CHECK (capacity > 0),"
    "  from_at INTEGER NOT NULL, until_at INTEGER NOT NULL CHECK (until_at > from_at),"
    "  max_detour_s INTEGER NOT NULL CHECK (max_detour_s >= 0),"
    "  home_lon REAL NOT NULL, home_lat REAL NOT NULL,"
    "  trip_lon REAL, trip_lat REAL);"
    "CREATE TABLE post ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('news', 'event', 'funk')),"
    "  channel TEXT CHECK (channel IN ('lending', 'rides', 'help', 'general')),"
    "  author_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  official INTEGER NOT NULL DEFAULT 0 CHECK (official IN (0, 1)),"
    "  parent_id INTEGER REFERENCES post(id),"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  lon REAL CHECK (lon BETWEEN -180 AND 180),"
    "  lat REAL CHECK (lat BETWEEN -90 AND 90),"
    "  starts_at INTEGER, ends_at INTEGER,"
    "  hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX post_kind ON post(kind, created_at);"
    "CREATE TABLE report ("
    "  id INTEGER PRIMARY KEY,"
    "  post_id INTEGER NOT NULL REFERENCES post(id),"
    "  reporter_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  reason TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (post_id, reporter_id));"
    "CREATE TABLE user_block ("
    "  user_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  blocked_id INTEGER NOT NULL REFERENCES app_user(id),"
    "  PRIMARY KEY (user_id, blocked_id));"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  user_id INTEGER,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  detail TEXT);",
    /* 4: indexes for looking up a place by its OSM object and a post's replies. */
    ("CREATE INDEX place_osm ON place(osm_type, osm_id);"
     "CREATE INDEX post_parent ON post(parent_id);"),

    /* 5: what the base map draws beside roads and buildings (land cover, water, railways). */
    ("CREATE TABLE map_feature ("
     "  id INTEGER PRIMARY KEY,"
     "  osm_type TEXT NOT NULL CHECK (osm_type IN ('w', 'r')),"
     "  osm_id INTEGER NOT NULL,"
     "  layer TEXT NOT NULL CHECK (layer IN ('landcover', 'water', 'waterway', 'railway')),"
     "  kind TEXT NOT NULL,"
     "  name TEXT);"
     "SELECT AddGeometryColumn('map_feature', 'geom', 4326, 'GEOMETRY', 'XY', 1);"
     "SELECT CreateSpatialIndex('map_feature', 'geom');"
     "CREATE INDEX map_feature_layer ON map_feature(layer);"),

    /* 6: named settlements, for coverage figures per village. */
    ("CREATE TABLE settlement ("
     "  id INTEGER PRIMARY KEY,"
     "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
     "  osm_id INTEGER NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  population INTEGER);"
     "SELECT AddGeometryColumn('settlement', 'geom', 4326, 'POINT', 'XY', 1);"),

    /* 7: secrets that must outlive re-imports and never leave the database (dorf/activity.h). */
    ("CREATE TABLE store_secret ("
     "  name TEXT PRIMARY KEY,"
     "  value BLOB NOT NULL CHECK (length(value) = 32));"),
};

static dorf_status query_int(struct sql_store *s, const char *sql, int *out) {
    int64_t v = 0;
    dorf_status st = sql_store_query_int64(s, sql, "reading the schema", &v);
    if (st == DORF_OK && v < 0) {
        st = dorf_fail(s->base.ctx, DORF_EIO, "%s: reading the schema: %s gave no row", s->path,
                       sql);
    }
    *out = (int)v;
    return st;
}

static void sqlite_store_close(dorf_store *store) {
    struct sql_store *s = (struct sql_store *)store;
    if (s->db && sqlite3_close(s->db) == SQLITE_BUSY) {
        /*
         * A statement is still open: SpatiaLite 5.0 leaks one of its own when it runs out of
         * memory inside its index functions. Nobody can use it any more; finalize it, or the
         * connection (with its memory and its lock on the WAL) would never be released.
         */
        sqlite3_stmt *stmt;
        while ((stmt = sqlite3_next_stmt(s->db, NULL)) != NULL) {
            sqlite3_finalize(stmt);
        }
        sqlite3_close(s->db);
    }
    if (s->spatialite_cache) {
        spatialite_cleanup_ex(s->spatialite_cache);
    }
    sql_close(s->conn);
    dorf_free(s->path);
    dorf_free(s);
}

static int sqlite_store_version(const dorf_store *store) {
    return ((const struct sql_store *)store)->version;
}

static dorf_status sqlite_store_check(dorf_store *store) {
    struct sql_store *s = (struct sql_store *)store;
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "PRAGMA integrity_check", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sql_step(stmt) != SQL_ROW) {
        st = sql_store_fail(s, "integrity check");
    } else if (strcmp((const char *)sql_column_text(stmt, 0), "ok") != 0) {
        st = dorf_fail(s->base.ctx, DORF_EIO, "%s: integrity check failed: %s", s->path,
                       (const char *)sql_column_text(stmt, 0));
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    /* The spatial indexes must hold exactly the rows' bounding boxes. */
    static const char *const indexed[] = {"road_edge", "building", "address", "place"};
    if ((st = sql_store_prepare(s, "SELECT CheckSpatialIndex(?, 'geom')", &stmt)) != DORF_OK) {
        return st;
    }
    for (size_t i = 0; i < sizeof indexed / sizeof indexed[0] && st == DORF_OK; i++) {
        sql_bind_text(stmt, 1, indexed[i], -1, SQL_STATIC);
        if (sql_step(stmt) != SQL_ROW) {
            st = sql_store_fail(s, "checking a spatial index");
        } else if (sql_column_type(stmt, 0) != SQL_NULL && sql_column_int(stmt, 0) != 1) {
            st = dorf_fail(s->base.ctx, DORF_EIO,
                           "%s: the spatial index of %s does not match its rows; rebuild it with "
                           "`dorf import` or SpatiaLite's RecoverSpatialIndex()",
                           s->path, indexed[i]);
        }
        sql_reset(stmt);
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = sql_store_prepare(s, "PRAGMA foreign_key_check", &stmt)) != DORF_OK) {
        return st;
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        st =
            dorf_fail(s->base.ctx, DORF_EIO, "%s: table %s row %lld refers to a missing %s row",
                      s->path, (const char *)sql_column_text(stmt, 0),
                      (long long)sql_column_int64(stmt, 1), (const char *)sql_column_text(stmt, 2));
    } else if (rc != SQL_DONE) {
        st = sql_store_fail(s, "foreign key check");
    }
    sql_finalize(stmt);
    return st;
}

static const struct dorf_store_ops sqlite_ops = {
    .name = "spatialite",
    .close = sqlite_store_close,
    .version = sqlite_store_version,
    .replace_region = sql_store_replace_region,
    .load_region = sql_store_load_region,
    .summarize = sql_store_summarize,
    .stamp = sql_store_stamp,
    .each_issue = sql_store_each_issue,
    .check = sqlite_store_check,
};

/* Runs migrations until the file is at `target`, each in its own transaction. */
static dorf_status migrate(struct sql_store *s, int target) {
    for (int v = s->version; v < target; v++) {
        char bump[96];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d; PRAGMA application_id = %d;", v + 1,
                 DORF_SQLITE_APPLICATION_ID);
        dorf_status st = sql_store_begin(s, 1);
        if (st == DORF_OK) {
            st = sql_store_exec(s, migrations[v]);
        }
        if (st == DORF_OK) {
            st = sql_store_exec(s, bump);
        }
        if (st == DORF_OK) {
            st = sql_store_commit(s);
        }
        if (st != DORF_OK) {
            sql_store_rollback(s);
            return dorf_fail_prefix(s->base.ctx, st, "migrating the schema to version %d", v + 1);
        }
        s->version = v + 1;
    }
    return DORF_OK;
}

/* Refuses files that are not dorf regions or that a newer dorf wrote. */
static dorf_status check_identity(struct sql_store *s) {
    int app_id = 0;
    int tables = 0;
    dorf_status st = query_int(s, "PRAGMA application_id", &app_id);
    if (st != DORF_OK) {
        return dorf_fail(s->base.ctx, DORF_EVERSION,
                         "%s is not a dorf region (not an SQLite database: %s); "
                         "pass the region file made by `dorf import`",
                         s->path, sqlite3_errmsg(s->db));
    }
    if ((st = query_int(s, "PRAGMA user_version", &s->version)) != DORF_OK ||
        (st = query_int(s, "SELECT count(*) FROM sqlite_master", &tables)) != DORF_OK) {
        return st;
    }
    if (app_id != DORF_SQLITE_APPLICATION_ID && (app_id != 0 || tables > 0)) {
        return dorf_fail(s->base.ctx, DORF_EVERSION,
                         "%s is an SQLite database but not a dorf region; "
                         "choose another --db path",
                         s->path);
    }
    if (s->version > DORF_SCHEMA_VERSION) {
        return dorf_fail(s->base.ctx, DORF_EVERSION,
                         "%s was written by a newer dorf (schema version %d, this dorf knows up "
                         "to %d); upgrade dorf to open it",
                         s->path, s->version, DORF_SCHEMA_VERSION);
    }
    return DORF_OK;
}

static dorf_status configure(struct sql_store *s) {
    int on = 1;
    if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK ||
        sqlite3_extended_result_codes(s->db, 1) != SQLITE_OK ||
        sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK) {
        return sql_store_fail(s, "configuring the connection");
    }
    s->spatialite_cache = spatialite_alloc_connection();
    if (!s->spatialite_cache) {
        return dorf_fail(s->base.ctx, DORF_ENOMEM, "out of memory starting SpatiaLite");
    }
    spatialite_init_ex(s->db, s->spatialite_cache, 0);
    return DORF_OK;
}

static dorf_status configure_writable(struct sql_store *s) {
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, "PRAGMA journal_mode = WAL", &stmt);
    if (st != DORF_OK) {
        return st;
    }
    if (sql_step(stmt) != SQL_ROW || strcmp((const char *)sql_column_text(stmt, 0), "wal") != 0) {
        st = dorf_fail(s->base.ctx, DORF_EIO,
                       "%s: cannot switch to write-ahead logging (%s); is the file on a local, "
                       "writable file system?",
                       s->path, sqlite3_errmsg(s->db));
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    return sql_store_exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
}

dorf_status dorf_store_sqlite_open_at_version(dorf_ctx *ctx, const char *path, unsigned flags,
                                              int version, dorf_store **out) {
    *out = NULL;
    const int readonly = (flags & DORF_STORE_READONLY) != 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT) {
            return dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
        }
        if (!(flags & DORF_STORE_CREATE) || readonly) {
            return dorf_fail(ctx, DORF_ENOTFOUND,
                             "%s: no such region; make one with `dorf import --db %s EXTRACT`",
                             path, path);
        }
    } else if (S_ISDIR(sb.st_mode)) {
        return dorf_fail(ctx, DORF_EINVAL, "%s is a directory; --db takes a file path", path);
    }

    struct sql_store *s = dorf_calloc(1, sizeof *s);
    if (!s || !(s->path = dorf_strdup(path))) {
        dorf_free(s);
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory opening %s", path);
    }
    s->base.ops = &sqlite_ops;
    s->dialect = SQL_SQLITE;
    s->base.ctx = ctx;
    s->readonly = readonly;

    int open_flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & DORF_STORE_CREATE) {
        open_flags |= SQLITE_OPEN_CREATE;
    }
    dorf_status st;
    const char *vfs = NULL; /* SQLite's default */
#ifdef DORF_FAULT_INJECTION
    /* Test builds write through the shim that can fail the n-th write (fault_vfs.c). */
    if (!(vfs = dorf_fault_vfs())) {
        st = dorf_fail(ctx, DORF_EIO, "%s: cannot register the fault-injection VFS", path);
        goto fail;
    }
#endif
    if (sqlite3_open_v2(path, &s->db, open_flags | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
        st = dorf_fail(ctx, DORF_EIO, "%s: cannot open: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    if (!(s->conn = sql_wrap_sqlite(s->db))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory opening %s", path);
        goto fail;
    }
    if ((st = configure(s)) != DORF_OK || (st = check_identity(s)) != DORF_OK) {
        goto fail;
    }
    if (s->version < version) {
        if (readonly) {
            st = dorf_fail(ctx, DORF_EVERSION,
                           "%s has schema version %d and needs migrating to %d; open it once "
                           "without read-only access",
                           path, s->version, version);
            goto fail;
        }
    }
    if (!readonly) {
        if ((st = configure_writable(s)) != DORF_OK || (st = migrate(s, version)) != DORF_OK) {
            goto fail;
        }
    }
    *out = &s->base;
    return DORF_OK;

fail:
    sqlite_store_close(&s->base);
    return st;
}

dorf_status dorf_store_sqlite_open(dorf_ctx *ctx, const char *path, unsigned flags,
                                   dorf_store **out) {
    return dorf_store_sqlite_open_at_version(ctx, path, flags, DORF_SCHEMA_VERSION, out);
}
