/*
 * store_pg.c: the PostGIS store: connecting to a PostgreSQL server, and the numbered schema
 * migrations in PostgreSQL's dialect.
 *
 * The tables, columns and constraints are those of the SpatiaLite store (store_sqlite.c),
 * spelt for PostgreSQL: integers are bigint, reals double precision, blobs bytea, geometries
 * PostGIS columns in EPSG:4326 with GiST indexes, and ids identity columns. E-mail addresses
 * are unique regardless of the case of ASCII letters through an index on
 * lower(email COLLATE "C"), as SQLite's NOCASE makes them. order_item has an identity column
 * seq that keeps the items' insertion order, which SQLite's rowid keeps.
 *
 * The table dorf_schema holds the schema version (SQLite keeps it in PRAGMA user_version).
 * Each migration runs in its own transaction together with the version bump, holding the
 * writer lock (sql_begin), so that two nodes starting at once migrate a database exactly once.
 * The database must have the postgis extension, or the user must be allowed to create it.
 */
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "store_sql.h"

/*
 * The migrations, in order: migrations[i] brings a database from version i to version i + 1,
 * as the SpatiaLite migration of the same number does. Never edit one that has shipped.
 */
static const char *const migrations[DORF_SCHEMA_VERSION] = {
    /* 1: the region model. */
    "CREATE TABLE region_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE road_node ("
    "  id BIGINT PRIMARY KEY,"
    "  osm_id BIGINT NOT NULL,"
    "  lon DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),"
    "  lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90));"
    "CREATE TABLE road_edge ("
    "  id BIGINT PRIMARY KEY,"
    "  from_node BIGINT NOT NULL REFERENCES road_node(id),"
    "  to_node BIGINT NOT NULL REFERENCES road_node(id),"
    "  osm_way_id BIGINT NOT NULL,"
    "  highway TEXT NOT NULL,"
    "  length_m DOUBLE PRECISION NOT NULL CHECK (length_m >= 0),"
    "  maxspeed_kmh DOUBLE PRECISION,"
    "  access_forward BIGINT NOT NULL CHECK (access_forward BETWEEN 0 AND 7),"
    "  access_backward BIGINT NOT NULL CHECK (access_backward BETWEEN 0 AND 7),"
    "  name TEXT,"
    "  surface TEXT,"
    "  geom geometry(LINESTRING, 4326) NOT NULL);"
    "CREATE INDEX road_edge_geom ON road_edge USING GIST (geom);"
    "CREATE INDEX road_edge_from ON road_edge(from_node);"
    "CREATE INDEX road_edge_to ON road_edge(to_node);"
    "CREATE TABLE building ("
    "  id BIGINT PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('w', 'r')),"
    "  osm_id BIGINT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  lon DOUBLE PRECISION NOT NULL,"
    "  lat DOUBLE PRECISION NOT NULL,"
    "  area_m2 DOUBLE PRECISION NOT NULL CHECK (area_m2 >= 0),"
    "  levels BIGINT NOT NULL DEFAULT 0,"
    "  households BIGINT NOT NULL CHECK (households >= 0),"
    "  household_source TEXT NOT NULL,"
    "  geom geometry(MULTIPOLYGON, 4326) NOT NULL);"
    "CREATE INDEX building_geom ON building USING GIST (geom);"
    "CREATE TABLE household ("
    "  id BIGINT PRIMARY KEY,"
    "  building_id BIGINT NOT NULL REFERENCES building(id),"
    "  persons DOUBLE PRECISION NOT NULL CHECK (persons >= 0));"
    "CREATE INDEX household_building ON household(building_id);"
    "CREATE TABLE address ("
    "  id BIGINT PRIMARY KEY,"
    "  osm_id BIGINT NOT NULL,"
    "  street TEXT,"
    "  housenumber TEXT,"
    "  postcode TEXT,"
    "  city TEXT,"
    "  building_id BIGINT REFERENCES building(id),"
    "  geom geometry(POINT, 4326) NOT NULL);"
    "CREATE INDEX address_geom ON address USING GIST (geom);"
    /* Deleting a region checks each building against address: without it, a scan per row. */
    "CREATE INDEX address_building ON address(building_id);"
    "CREATE TABLE place ("
    "  id BIGINT PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
    "  osm_id BIGINT NOT NULL,"
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
    "  city TEXT,"
    "  geom geometry(POINT, 4326) NOT NULL);"
    "CREATE INDEX place_geom ON place USING GIST (geom);"
    "CREATE INDEX place_category ON place(category);",

    /* 2: turn restrictions and the import's record of what it skipped. */
    "CREATE TABLE turn_restriction ("
    "  id BIGINT PRIMARY KEY,"
    "  osm_relation_id BIGINT NOT NULL,"
    "  from_way_id BIGINT NOT NULL,"
    "  via_node BIGINT NOT NULL REFERENCES road_node(id),"
    "  to_way_id BIGINT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  only_turn BIGINT NOT NULL CHECK (only_turn IN (0, 1)),"
    "  modes BIGINT NOT NULL CHECK (modes BETWEEN 0 AND 7));"
    "CREATE TABLE import_issue ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  osm_type TEXT NOT NULL,"
    "  osm_id BIGINT NOT NULL,"
    "  detail TEXT NOT NULL);"
    "CREATE INDEX turn_restriction_via ON turn_restriction(via_node);" /* as address_building */
    "CREATE INDEX import_issue_kind ON import_issue(kind);",

    /* 3: the platform (see the SpatiaLite migration 3). */
    "CREATE TABLE app_user ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 127),"
    "  password_hash TEXT NOT NULL,"
    "  roles BIGINT NOT NULL CHECK (roles BETWEEN 0 AND 127),"
    "  created_at BIGINT NOT NULL);"
    "CREATE UNIQUE INDEX app_user_email ON app_user (lower(email COLLATE \"C\"));"
    "CREATE TABLE session ("
    "  token_hash BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),"
    "  user_id BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL);"
    "CREATE INDEX session_by_user ON session(user_id);"
    "CREATE TABLE shop ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
    "  osm_id BIGINT NOT NULL,"
    "  owner_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  name TEXT NOT NULL,"
    "  lon DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),"
    "  lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),"
    "  created_at BIGINT NOT NULL,"
    "  UNIQUE (osm_type, osm_id));"
    "CREATE INDEX shop_owner ON shop(owner_id);"
    "CREATE TABLE product ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  shop_id BIGINT NOT NULL REFERENCES shop(id),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    "  price_cents BIGINT NOT NULL CHECK (price_cents >= 0),"
    "  unit TEXT NOT NULL,"
    "  stock BIGINT NOT NULL CHECK (stock >= 0),"
    "  active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)));"
    "CREATE INDEX product_shop ON product(shop_id);"
    "CREATE TABLE shop_order ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  citizen_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  shop_id BIGINT NOT NULL REFERENCES shop(id),"
    "  state TEXT NOT NULL CHECK (state IN ('placed', 'accepted', 'ready', 'collected',"
    "    'handed_over', 'delivered', 'cancelled', 'rejected')),"
    "  delivery BIGINT NOT NULL CHECK (delivery IN (0, 1)),"
    "  dropoff_lon DOUBLE PRECISION CHECK (dropoff_lon BETWEEN -180 AND 180),"
    "  dropoff_lat DOUBLE PRECISION CHECK (dropoff_lat BETWEEN -90 AND 90),"
    "  total_cents BIGINT NOT NULL CHECK (total_cents >= 0),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL);"
    "CREATE INDEX shop_order_citizen ON shop_order(citizen_id);"
    "CREATE INDEX shop_order_shop ON shop_order(shop_id);"
    "CREATE TABLE order_item ("
    "  order_id BIGINT NOT NULL REFERENCES shop_order(id),"
    "  product_id BIGINT NOT NULL REFERENCES product(id),"
    "  quantity BIGINT NOT NULL CHECK (quantity > 0),"
    "  price_cents BIGINT NOT NULL CHECK (price_cents >= 0),"
    "  seq BIGINT GENERATED BY DEFAULT AS IDENTITY," /* insertion order, SQLite's rowid */
    "  PRIMARY KEY (order_id, product_id));"
    "CREATE TABLE parcel ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  order_id BIGINT NOT NULL UNIQUE REFERENCES shop_order(id),"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'picked_up', 'delivered',"
    "    'cancelled')),"
    "  volunteer_id BIGINT REFERENCES app_user(id),"
    "  pickup_lon DOUBLE PRECISION NOT NULL, pickup_lat DOUBLE PRECISION NOT NULL,"
    "  dropoff_lon DOUBLE PRECISION NOT NULL, dropoff_lat DOUBLE PRECISION NOT NULL,"
    "  ready_at BIGINT NOT NULL,"
    "  due_from BIGINT NOT NULL, due_until BIGINT NOT NULL CHECK (due_until >= due_from),"
    "  size BIGINT NOT NULL CHECK (size > 0),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL);"
    "CREATE INDEX parcel_state ON parcel(state);"
    "CREATE TABLE availability ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  volunteer_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  mode TEXT NOT NULL CHECK (mode IN ('walk', 'bike', 'car')),"
    "  capacity BIGINT NOT NULL CHECK (capacity > 0),"
    "  from_at BIGINT NOT NULL, until_at BIGINT NOT NULL CHECK (until_at > from_at),"
    "  max_detour_s BIGINT NOT NULL CHECK (max_detour_s >= 0),"
    "  home_lon DOUBLE PRECISION NOT NULL, home_lat DOUBLE PRECISION NOT NULL,"
    "  trip_lon DOUBLE PRECISION, trip_lat DOUBLE PRECISION);"
    "CREATE TABLE post ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('news', 'event', 'funk')),"
    "  channel TEXT CHECK (channel IN ('lending', 'rides', 'help', 'general')),"
    "  author_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  official BIGINT NOT NULL DEFAULT 0 CHECK (official IN (0, 1)),"
    "  parent_id BIGINT REFERENCES post(id),"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  lon DOUBLE PRECISION CHECK (lon BETWEEN -180 AND 180),"
    "  lat DOUBLE PRECISION CHECK (lat BETWEEN -90 AND 90),"
    "  starts_at BIGINT, ends_at BIGINT,"
    "  hidden BIGINT NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),"
    "  created_at BIGINT NOT NULL);"
    "CREATE INDEX post_kind ON post(kind, created_at);"
    "CREATE TABLE report ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  post_id BIGINT NOT NULL REFERENCES post(id),"
    "  reporter_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  reason TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  UNIQUE (post_id, reporter_id));"
    "CREATE TABLE user_block ("
    "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  blocked_id BIGINT NOT NULL REFERENCES app_user(id),"
    "  PRIMARY KEY (user_id, blocked_id));"
    "CREATE TABLE audit_log ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  at BIGINT NOT NULL,"
    "  user_id BIGINT,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  detail TEXT);",

    /* 4: indexes for looking up a place by its OSM object and a post's replies. */
    ("CREATE INDEX place_osm ON place(osm_type, osm_id);"
     "CREATE INDEX post_parent ON post(parent_id);"),

    /* 5: what the base map draws beside roads and buildings. */
    ("CREATE TABLE map_feature ("
     "  id BIGINT PRIMARY KEY,"
     "  osm_type TEXT NOT NULL CHECK (osm_type IN ('w', 'r')),"
     "  osm_id BIGINT NOT NULL,"
     "  layer TEXT NOT NULL CHECK (layer IN ('landcover', 'water', 'waterway', 'railway')),"
     "  kind TEXT NOT NULL,"
     "  name TEXT,"
     "  geom geometry(GEOMETRY, 4326) NOT NULL);"
     "CREATE INDEX map_feature_geom ON map_feature USING GIST (geom);"
     "CREATE INDEX map_feature_layer ON map_feature(layer);"),

    /* 6: named settlements, for coverage figures per village. */
    ("CREATE TABLE settlement ("
     "  id BIGINT PRIMARY KEY,"
     "  osm_type TEXT NOT NULL CHECK (osm_type IN ('n', 'w', 'r')),"
     "  osm_id BIGINT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  population BIGINT,"
     "  geom geometry(POINT, 4326) NOT NULL);"),

    /* 7: secrets that must outlive re-imports and never leave the database. */
    ("CREATE TABLE store_secret ("
     "  name TEXT PRIMARY KEY,"
     "  value BYTEA NOT NULL CHECK (octet_length(value) = 32));"),
};

/* The tables whose ids the database assigns (identity columns). */
static const char *const identity_tables[] = {
    "import_issue", "app_user",     "shop", "product", "shop_order",
    "parcel",       "availability", "post", "report",  "audit_log",
};

static void pg_store_close(dorf_store *store) {
    struct sql_store *s = (struct sql_store *)store;
    sql_close(s->conn);
    dorf_free(s->path);
    dorf_free(s->location);
    dorf_free(s);
}

static int pg_store_version(const dorf_store *store) {
    return ((const struct sql_store *)store)->version;
}

/* Runs a query of one integer; -1 when it returned no row. */
static dorf_status query_int(struct sql_store *s, const char *sql, int64_t *out) {
    return sql_store_query_int64(s, sql, "reading the schema", out);
}

/* The tables whose geometries a spatial (GiST) index serves, as SpatiaLite's R*Trees do. */
static const char *const spatial_tables[] = {"road_edge", "building", "address", "place",
                                             "map_feature"};

/*
 * The rows of one foreign key that refer to nothing: PostgreSQL enforces foreign keys by
 * triggers, which a restore with --disable-triggers or session_replication_role = replica
 * skips. `fk` is one row of the catalog query in pg_store_check (quoted names).
 */
static dorf_status check_foreign_key(struct sql_store *s, sql_stmt *fk) {
    const char *table = (const char *)sql_column_text(fk, 0);
    const char *column = (const char *)sql_column_text(fk, 1);
    const char *parent = (const char *)sql_column_text(fk, 2);
    const char *key = (const char *)sql_column_text(fk, 3);
    char sql[768];
    snprintf(sql, sizeof sql,
             "SELECT t.%s FROM %s AS t WHERE t.%s IS NOT NULL AND NOT EXISTS"
             " (SELECT 1 FROM %s AS p WHERE p.%s = t.%s) LIMIT 1",
             column, table, column, parent, key, column);
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(s, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        st = dorf_fail(s->base.ctx, DORF_EIO,
                       "%s: table %s has a row whose %s %s refers to a missing %s row; its foreign "
                       "key was not enforced (restored with triggers disabled?)",
                       s->path, table, column, (const char *)sql_column_text(stmt, 0), parent);
    } else if (rc != SQL_DONE) {
        st = sql_store_fail(s, "checking a foreign key");
    }
    sql_finalize(stmt);
    return st;
}

/*
 * Checks what the server can check about itself: every constraint is validated and every
 * index usable, the spatial indexes are there, no row refers to a missing row (the analogue
 * of SQLite's foreign_key_check), and the identity sequences are ahead of the ids in use (a
 * copy that forgot to move them would make the next insert collide).
 */
static dorf_status pg_store_check(dorf_store *store) {
    struct sql_store *s = (struct sql_store *)store;
    int64_t n = 0;
    dorf_status st = query_int(s,
                               "SELECT count(*) FROM pg_constraint c"
                               " JOIN pg_namespace n ON n.oid = c.connamespace"
                               " WHERE n.nspname = current_schema() AND NOT c.convalidated",
                               &n);
    if (st != DORF_OK) {
        return st;
    }
    if (n > 0) {
        return dorf_fail(s->base.ctx, DORF_EIO,
                         "%s: %lld constraints are not validated; run ALTER TABLE ... VALIDATE "
                         "CONSTRAINT",
                         s->path, (long long)n);
    }
    sql_stmt *stmt = NULL;
    st =
        sql_store_prepare(s,
                          "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                          " JOIN pg_namespace n ON n.oid = c.relnamespace"
                          " WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND"
                          " i.indisready) ORDER BY c.relname LIMIT 1",
                          &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int rc = sql_step(stmt);
    if (rc == SQL_ROW) {
        st = dorf_fail(s->base.ctx, DORF_EIO,
                       "%s: index %s is not usable (an interrupted CREATE INDEX CONCURRENTLY?); "
                       "run REINDEX INDEX %s",
                       s->path, (const char *)sql_column_text(stmt, 0),
                       (const char *)sql_column_text(stmt, 0));
    } else if (rc != SQL_DONE) {
        st = sql_store_fail(s, "checking the indexes");
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    for (size_t i = 0; i < sizeof spatial_tables / sizeof spatial_tables[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
                 " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                 " WHERE t.oid = to_regclass('%s') AND a.amname = 'gist'",
                 spatial_tables[i]);
        if ((st = query_int(s, sql, &n)) != DORF_OK) {
            return st;
        }
        if (n < 1) {
            return dorf_fail(s->base.ctx, DORF_EIO,
                             "%s: the spatial index of %s is missing; make it with CREATE INDEX "
                             "ON %s USING GIST (geom)",
                             s->path, spatial_tables[i], spatial_tables[i]);
        }
    }
    /* Every single-column foreign key of the schema (dorf's are all single-column). */
    st = sql_store_prepare(
        s,
        "SELECT format('%I', t.relname), format('%I', a.attname), format('%I', p.relname),"
        " format('%I', k.attname) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " JOIN pg_attribute k ON k.attrelid = c.confrelid AND k.attnum = c.confkey[1]"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() AND c.contype = 'f'"
        " AND cardinality(c.conkey) = 1 ORDER BY t.relname, a.attname",
        &stmt);
    if (st != DORF_OK) {
        return st;
    }
    while (st == DORF_OK && (rc = sql_step(stmt)) == SQL_ROW) {
        st = check_foreign_key(s, stmt);
    }
    if (st == DORF_OK && rc != SQL_DONE) {
        st = sql_store_fail(s, "listing the foreign keys");
    }
    sql_finalize(stmt);
    if (st != DORF_OK) {
        return st;
    }
    for (size_t i = 0; i < sizeof identity_tables / sizeof identity_tables[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT CASE WHEN coalesce(max(id), 0) <= (SELECT CASE WHEN is_called THEN"
                 " last_value ELSE last_value - 1 END FROM %s_id_seq) THEN 1 ELSE 0 END FROM %s",
                 identity_tables[i], identity_tables[i]);
        if ((st = query_int(s, sql, &n)) != DORF_OK) {
            return st;
        }
        if (n != 1) {
            return dorf_fail(s->base.ctx, DORF_EIO,
                             "%s: table %s has ids beyond its identity sequence; new rows would "
                             "collide (SELECT setval('%s_id_seq', max(id)) FROM %s mends it)",
                             s->path, identity_tables[i], identity_tables[i], identity_tables[i]);
        }
    }
    return DORF_OK;
}

static const struct dorf_store_ops pg_ops = {
    .name = "postgis",
    .close = pg_store_close,
    .version = pg_store_version,
    .replace_region = sql_store_replace_region,
    .load_region = sql_store_load_region,
    .summarize = sql_store_summarize,
    .stamp = sql_store_stamp,
    .each_issue = sql_store_each_issue,
    .check = pg_store_check,
};

/* The schema version recorded in the database (0: none yet), read inside the caller's tx. */
static dorf_status read_version(struct sql_store *s, int *version, int *foreign) {
    int64_t have = 0;
    *foreign = 0;
    dorf_status st = query_int(s,
                               "SELECT count(*) FROM pg_tables"
                               " WHERE schemaname = current_schema() AND tablename = 'dorf_schema'",
                               &have);
    if (st != DORF_OK) {
        return st;
    }
    if (have == 0) {
        int64_t tables = 0;
        st = query_int(s,
                       "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                       " AND tablename <> 'spatial_ref_sys'",
                       &tables);
        *foreign = tables > 0;
        *version = 0;
        return st;
    }
    int64_t v = 0;
    if ((st = query_int(s, "SELECT version FROM dorf_schema WHERE application = 'dorf'", &v)) !=
        DORF_OK) {
        return st;
    }
    *foreign = v < 0;
    *version = v < 0 ? 0 : (int)v;
    return DORF_OK;
}

static dorf_status ensure_postgis(struct sql_store *s) {
    int64_t have = 0;
    dorf_status st =
        query_int(s, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", &have);
    if (st != DORF_OK || have > 0) {
        return st;
    }
    if (sql_exec(s->conn, "CREATE EXTENSION IF NOT EXISTS postgis") != SQL_OK) {
        return dorf_fail(s->base.ctx, DORF_EIO,
                         "%s: the database has no PostGIS and this user may not add it (%s); "
                         "ask its administrator to run CREATE EXTENSION postgis",
                         s->path, sql_errmsg(s->conn));
    }
    return DORF_OK;
}

/* Brings the schema to `target`, one migration per transaction under the writer lock. */
static dorf_status migrate(struct sql_store *s, int target) {
    dorf_status st = ensure_postgis(s);
    if (st != DORF_OK) {
        return st;
    }
    for (;;) {
        if ((st = sql_store_begin(s, 1)) != DORF_OK) {
            return st;
        }
        int version = 0;
        int foreign = 0;
        /* Read again under the lock: another node may have migrated meanwhile. */
        if ((st = read_version(s, &version, &foreign)) != DORF_OK) {
            sql_store_rollback(s);
            return st;
        }
        if (version >= target || foreign) {
            sql_store_rollback(s);
            s->version = version;
            return DORF_OK;
        }
        if (version == 0) {
            st = sql_store_exec(s, "CREATE TABLE dorf_schema ("
                                   "  application TEXT PRIMARY KEY CHECK (application = 'dorf'),"
                                   "  version BIGINT NOT NULL);"
                                   "INSERT INTO dorf_schema VALUES ('dorf', 0)");
        }
        char bump[96];
        snprintf(bump, sizeof bump, "UPDATE dorf_schema SET version = %d", version + 1);
        if (st == DORF_OK) {
            st = sql_store_exec(s, migrations[version]);
        }
        if (st == DORF_OK) {
            st = sql_store_exec(s, bump);
        }
        if (st == DORF_OK) {
            st = sql_store_commit(s);
        }
        if (st != DORF_OK) {
            sql_store_rollback(s);
            return dorf_fail_prefix(s->base.ctx, st, "migrating the schema to version %d",
                                    version + 1);
        }
        s->version = version + 1;
    }
}

dorf_status dorf_store_pg_open(dorf_ctx *ctx, const char *location, unsigned flags,
                               dorf_store **out) {
    *out = NULL;
    char err[768];
    struct sql_store *s = dorf_calloc(1, sizeof *s);
    if (!s) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory opening a PostgreSQL store");
    }
    s->base.ops = &pg_ops;
    s->base.ctx = ctx;
    s->dialect = SQL_POSTGRES;
    s->readonly = (flags & DORF_STORE_READONLY) != 0;
    if (!(s->conn = sql_connect_postgres(location, err, sizeof err))) {
        dorf_free(s);
        return dorf_fail(ctx, DORF_EIO,
                         "%s; check --db (postgresql://USER@HOST:PORT/DATABASE) and that the "
                         "server is running",
                         err);
    }
    dorf_status st = DORF_OK;
    if (!(s->path = sql_describe(s->conn)) || !(s->location = dorf_strdup(location))) {
        st = dorf_fail(ctx, DORF_ENOMEM, "out of memory opening a PostgreSQL store");
        goto fail;
    }
    int foreign = 0;
    if ((st = read_version(s, &s->version, &foreign)) != DORF_OK) {
        goto fail;
    }
    if (foreign) {
        st = dorf_fail(ctx, DORF_EVERSION,
                       "%s holds tables that are not dorf's; give dorf a database (or schema) of "
                       "its own",
                       s->path);
        goto fail;
    }
    if (s->version > DORF_SCHEMA_VERSION) {
        st = dorf_fail(ctx, DORF_EVERSION,
                       "%s was written by a newer dorf (schema version %d, this dorf knows up to "
                       "%d); upgrade dorf to open it",
                       s->path, s->version, DORF_SCHEMA_VERSION);
        goto fail;
    }
    if (s->version < DORF_SCHEMA_VERSION) {
        if (s->readonly) {
            st = dorf_fail(ctx, DORF_EVERSION,
                           "%s has schema version %d and needs migrating to %d; open it once "
                           "without read-only access",
                           s->path, s->version, DORF_SCHEMA_VERSION);
            goto fail;
        }
        if ((st = migrate(s, DORF_SCHEMA_VERSION)) != DORF_OK) {
            goto fail;
        }
        if (s->version != DORF_SCHEMA_VERSION) {
            st = dorf_fail(ctx, DORF_EVERSION,
                           "%s holds tables that are not dorf's; give dorf a database (or "
                           "schema) of its own",
                           s->path);
            goto fail;
        }
    }
    if (s->readonly && sql_exec(s->conn, "SET default_transaction_read_only = on") != SQL_OK) {
        st = sql_store_fail(s, "making the session read-only");
        goto fail;
    }
    *out = &s->base;
    return DORF_OK;

fail:
    pg_store_close(&s->base);
    return st;
}
