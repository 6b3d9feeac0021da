/*
 * store_copy.c: copying a whole store into another and verifying the copy (dorf/store_copy.h).
 *
 * Both sides are sql_conn (sql.h), so one piece of code copies SpatiaLite to PostgreSQL,
 * PostgreSQL to SpatiaLite, or either to its own kind. The tables and their columns are the
 * list below, in foreign-key order; it is checked against the database's own catalogue before
 * anything is copied (and a new migration must extend it: see the static assertion).
 *
 * Reading goes page by page in key order (keyset pagination: WHERE key > last key ORDER BY key
 * LIMIT n), because the PostgreSQL driver holds a whole result in memory; text keys compare
 * bytewise on both sides (COLLATE "C" on PostgreSQL, SQLite's BINARY), so both deliver rows in
 * the same order. Geometries travel as WKB (AsBinary / ST_AsBinary, GeomFromWKB /
 * ST_GeomFromWKB). Writing into SQLite is one prepared INSERT per row; writing into PostgreSQL
 * sends a batch of rows as one INSERT ... SELECT FROM unnest() of one array per column, each
 * array bound as text in PostgreSQL's array syntax, so that the statement's text and its
 * parameters' types are the same for every batch (one server-side prepared statement per
 * table) and a batch costs one round trip instead of one per row.
 *
 * Identity sequences on a PostgreSQL target are moved with ALTER TABLE ... RESTART, which is
 * transactional (setval is not), so an interrupted or failed copy leaves them as they were.
 * Checksums are 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/) over a canonical
 * encoding of each value, computed in C so that both databases' rows are hashed alike.
 */
#include "dorf/store_copy.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dorf/alloc.h"
#include "fnv.h"
#include "store_sql.h"

/* Rows per page read, and at most per batch written to PostgreSQL. */
#define PAGE_ROWS 4096
/* A PostgreSQL batch is sent when its arrays hold this many bytes. */
#define BATCH_BYTES (8u << 20)
/* How often (rows) progress is reported and the interrupt flag polled. */
#define ROWS_PER_TICK 4096
#define MAX_COLUMNS 20
#define MAX_KEYS 2

_Static_assert(DORF_SCHEMA_VERSION == 7,
               "a new schema version: bring the table list of store_copy.c up to date");

/*
 * Every table of the schema, parents before children. `keys`: how many of the first columns
 * form the primary key (the copy's order). Column types: i integer, r real, t text, b blob,
 * g geometry (WKB in EPSG:4326), s the row's insertion order (an integer: SQLite's rowid,
 * PostgreSQL's identity column seq).
 */
static const struct table_spec {
    const char *name;
    int keys;
    const char *columns;
} specs[] = {
    {"region_meta", 1, "key:t value:t"},
    {"road_node", 1, "id:i osm_id:i lon:r lat:r"},
    {"road_edge", 1,
     "id:i from_node:i to_node:i osm_way_id:i highway:t length_m:r maxspeed_kmh:r "
     "access_forward:i access_backward:i name:t surface:t geom:g"},
    {"turn_restriction", 1,
     "id:i osm_relation_id:i from_way_id:i via_node:i to_way_id:i kind:t only_turn:i modes:i"},
    {"building", 1,
     "id:i osm_type:t osm_id:i kind:t lon:r lat:r area_m2:r levels:i households:i "
     "household_source:t geom:g"},
    {"household", 1, "id:i building_id:i persons:r"},
    {"address", 1, "id:i osm_id:i street:t housenumber:t postcode:t city:t building_id:i geom:g"},
    {"place", 1,
     "id:i osm_type:t osm_id:i category:t osm_key:t osm_value:t shop:t name:t opening_hours:t "
     "opening_hours_error:t phone:t website:t street:t housenumber:t postcode:t city:t geom:g"},
    {"map_feature", 1, "id:i osm_type:t osm_id:i layer:t kind:t name:t geom:g"},
    {"settlement", 1, "id:i osm_type:t osm_id:i kind:t name:t population:i geom:g"},
    {"import_issue", 1, "id:i kind:t osm_type:t osm_id:i detail:t"},
    {"store_secret", 1, "name:t value:b"},
    {"app_user", 1, "id:i email:t name:t password_hash:t roles:i created_at:i"},
    {"session", 1, "token_hash:b user_id:i created_at:i expires_at:i"},
    {"shop", 1, "id:i osm_type:t osm_id:i owner_id:i name:t lon:r lat:r created_at:i"},
    {"product", 1, "id:i shop_id:i name:t price_cents:i unit:t stock:i active:i"},
    {"shop_order", 1,
     "id:i citizen_id:i shop_id:i state:t delivery:i dropoff_lon:r dropoff_lat:r total_cents:i "
     "created_at:i updated_at:i"},
    /* Items keep their insertion order: SQLite's rowid, PostgreSQL's column seq (type s). */
    {"order_item", 1, "seq:s order_id:i product_id:i quantity:i price_cents:i"},
    {"parcel", 1,
     "id:i order_id:i state:t volunteer_id:i pickup_lon:r pickup_lat:r dropoff_lon:r "
     "dropoff_lat:r ready_at:i due_from:i due_until:i size:i created_at:i updated_at:i"},
    {"availability", 1,
     "id:i volunteer_id:i mode:t capacity:i from_at:i until_at:i max_detour_s:i home_lon:r "
     "home_lat:r trip_lon:r trip_lat:r"},
    /* Replies refer to posts with smaller ids, so id order puts parents first. */
    {"post", 1,
     "id:i kind:t channel:t author_id:i official:i parent_id:i title:t body:t lon:r lat:r "
     "starts_at:i ends_at:i hidden:i created_at:i"},
    {"report", 1, "id:i post_id:i reporter_id:i reason:t created_at:i"},
    {"user_block", 2, "user_id:i blocked_id:i"},
    {"audit_log", 1, "id:i at:i user_id:i action:t object:t detail:t"},
};

#define TABLE_COUNT (sizeof specs / sizeof specs[0])
_Static_assert(TABLE_COUNT <= DORF_COPY_MAX_TABLES, "the report has room for every table");

struct table {
    const char *name;
    int keys;
    int ncols;
    char col[MAX_COLUMNS][24];
    char type[MAX_COLUMNS];
    unsigned identity; /* PostgreSQL target: bit c set when column c is an identity column */
};

/* A growing byte buffer (dorf_grow), NUL-terminated when text is appended. */
struct buf {
    char *p;
    size_t len;
    size_t cap;
};

static int buf_put(struct buf *b, const void *bytes, size_t n) {
    if (dorf_grow((void **)&b->p, &b->cap, b->len + n + 1, 1) != 0) {
        return -1;
    }
    memcpy(b->p + b->len, bytes, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_str(struct buf *b, const char *s) {
    return buf_put(b, s, strlen(s));
}

struct copy {
    dorf_ctx *ctx;
    struct sql_store *from;
    struct sql_store *to;
    struct table tables[TABLE_COUNT];
    dorf_copy_report *report;
    uint64_t total; /* rows to go through in the current phase, for progress */
    uint64_t done;
    const char *phase;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *side_name(const struct copy *cp, const struct sql_store *s) {
    return s == cp->from ? "source" : "target";
}

/* Counts a row; reports progress and polls the interrupt flag every ROWS_PER_TICK rows. */
static dorf_status tick(struct copy *cp) {
    if (++cp->done % ROWS_PER_TICK != 0) {
        return DORF_OK;
    }
    dorf_progress(cp->ctx, cp->phase, cp->done, cp->total);
    if (dorf_ctx_interrupted(cp->ctx)) {
        return dorf_fail(cp->ctx, DORF_EINTR, "interrupted while %s; the target is left as it was",
                         cp->phase);
    }
    return DORF_OK;
}

/* ---- the table list ---- */

static int is_int(char type) {
    return type == 'i' || type == 's';
}

/* A column's name in SQL on one side: the insertion order is rowid on SQLite. */
static const char *col_sql(const struct sql_store *s, const struct table *t, int c) {
    return t->type[c] == 's' && s->dialect == SQL_SQLITE ? "rowid" : t->col[c];
}

static dorf_status parse_specs(struct copy *cp) {
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        struct table *t = &cp->tables[i];
        t->name = specs[i].name;
        t->keys = specs[i].keys;
        for (const char *p = specs[i].columns; *p;) {
            size_t n = strcspn(p, ":");
            if (t->ncols == MAX_COLUMNS || n >= sizeof t->col[0] || p[n] != ':') {
                return dorf_fail(cp->ctx, DORF_EINVAL, "store_copy.c: bad table list at %s",
                                 t->name);
            }
            memcpy(t->col[t->ncols], p, n);
            t->col[t->ncols][n] = '\0';
            t->type[t->ncols++] = p[n + 1];
            p += n + 2;
            p += *p == ' ';
        }
    }
    return DORF_OK;
}

static int column_index(const struct table *t, const char *name) {
    for (int c = 0; c < t->ncols; c++) {
        if (strcmp(t->col[c], name) == 0) {
            return c;
        }
    }
    return -1;
}

static const struct table *table_named(const struct copy *cp, const char *name) {
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        if (strcmp(cp->tables[i].name, name) == 0) {
            return &cp->tables[i];
        }
    }
    return NULL;
}

/*
 * Checks one side's catalogue against the list: the same columns in every table, and on
 * PostgreSQL no table of its own that the list lacks. Notes the identity columns.
 */
static dorf_status check_schema(struct copy *cp, struct sql_store *s) {
    const int pg = s->dialect == SQL_POSTGRES;
    sql_stmt *stmt = NULL;
    dorf_status st =
        sql_store_prepare(s,
                          pg ? "SELECT column_name, is_identity FROM information_schema.columns"
                               " WHERE table_schema = current_schema() AND table_name = ?"
                             : "SELECT name, 'NO' FROM pragma_table_info(?)",
                          &stmt);
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        struct table *t = &cp->tables[i];
        int seen = 0;
        int rc;
        sql_bind_text(stmt, 1, t->name, -1, SQL_STATIC);
        while (st == DORF_OK && (rc = sql_step(stmt)) == SQL_ROW) {
            const char *col = (const char *)sql_column_text(stmt, 0);
            int c = col ? column_index(t, col) : -1;
            if (c < 0) {
                st = dorf_fail(cp->ctx, DORF_EINVAL,
                               "%s: table %s has a column %s that this dorf does not copy; use "
                               "the dorf that made the database",
                               s->path, t->name, col ? col : "(null)");
            } else {
                seen++;
                const char *identity = (const char *)sql_column_text(stmt, 1);
                if (pg && s == cp->to && identity && strcmp(identity, "YES") == 0) {
                    t->identity |= 1u << c;
                }
            }
        }
        if (st == DORF_OK && rc != SQL_DONE) {
            st = sql_store_fail(s, "reading the schema");
        }
        int want = t->ncols;
        for (int c = 0; c < t->ncols && !pg; c++) {
            want -= t->type[c] == 's'; /* SQLite's rowid is no column of its catalogue */
        }
        if (st == DORF_OK && seen != want) {
            st = dorf_fail(cp->ctx, DORF_EINVAL,
                           "%s: table %s %s; it is not a dorf database of schema version %d",
                           s->path, t->name, seen ? "lacks columns dorf copies" : "is missing",
                           DORF_SCHEMA_VERSION);
        }
        sql_reset(stmt);
        sql_clear_bindings(stmt);
    }
    sql_finalize(stmt);
    if (st != DORF_OK || !pg) {
        return st;
    }
    if ((st =
             sql_store_prepare(s,
                               "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                               " AND tablename NOT IN ('dorf_schema', 'spatial_ref_sys')",
                               &stmt)) != DORF_OK) {
        return st;
    }
    int rc;
    while (st == DORF_OK && (rc = sql_step(stmt)) == SQL_ROW) {
        const char *name = (const char *)sql_column_text(stmt, 0);
        if (!name || !table_named(cp, name)) {
            st = dorf_fail(cp->ctx, DORF_EINVAL,
                           "%s: table %s is not one this dorf copies; give dorf a database (or "
                           "schema) of its own, or use the dorf that made it",
                           s->path, name ? name : "(null)");
        }
    }
    if (st == DORF_OK && rc != SQL_DONE) {
        st = sql_store_fail(s, "reading the schema");
    }
    sql_finalize(stmt);
    return st;
}

/* ---- reading in key order ---- */

struct cursor {
    struct copy *cp;
    struct sql_store *s;
    const struct table *t;
    sql_stmt *first;
    sql_stmt *next;
    sql_stmt *cur; /* the page being stepped, or NULL between pages */
    int started;
    int exhausted;
    int page_rows;
    uint64_t rows; /* delivered so far */
    int64_t key_int[MAX_KEYS];
    struct buf key_bytes[MAX_KEYS];
};

/* A key column as it is ordered: bytewise on both sides. */
static int key_sql(struct buf *b, const struct sql_store *s, const struct table *t, int k) {
    if (buf_str(b, col_sql(s, t, k)) != 0) {
        return -1;
    }
    return s->dialect == SQL_POSTGRES && t->type[k] == 't' ? buf_str(b, " COLLATE \"C\"") : 0;
}

/* SELECT <columns> FROM t [WHERE (keys) > (?, ?)] ORDER BY keys LIMIT n */
static int page_sql(struct buf *b, const struct sql_store *s, const struct table *t, int after) {
    const int pg = s->dialect == SQL_POSTGRES;
    int bad = buf_str(b, "SELECT ");
    for (int c = 0; c < t->ncols && !bad; c++) {
        if (c) {
            bad |= buf_str(b, ", ");
        }
        if (t->type[c] == 'g') {
            bad |= buf_str(b, pg ? "ST_AsBinary(" : "AsBinary(");
            bad |= buf_str(b, t->col[c]);
            bad |= buf_str(b, ")");
        } else {
            bad |= buf_str(b, col_sql(s, t, c));
        }
    }
    bad |= buf_str(b, " FROM ");
    bad |= buf_str(b, t->name);
    if (after) {
        bad |= buf_str(b, " WHERE (");
        for (int k = 0; k < t->keys && !bad; k++) {
            bad |= (k ? buf_str(b, ", ") : 0) | key_sql(b, s, t, k);
        }
        bad |= buf_str(b, t->keys == 2 ? ") > (?, ?)" : ") > (?)");
    }
    bad |= buf_str(b, " ORDER BY ");
    for (int k = 0; k < t->keys && !bad; k++) {
        bad |= (k ? buf_str(b, ", ") : 0) | key_sql(b, s, t, k);
    }
    char limit[32];
    snprintf(limit, sizeof limit, " LIMIT %d", PAGE_ROWS);
    bad |= buf_str(b, limit);
    return bad ? -1 : 0;
}

static void cursor_close(struct cursor *c) {
    sql_finalize(c->first);
    sql_finalize(c->next);
    for (int k = 0; k < MAX_KEYS; k++) {
        dorf_free(c->key_bytes[k].p);
    }
    memset(c, 0, sizeof *c);
}

static dorf_status cursor_open(struct cursor *c, struct copy *cp, struct sql_store *s,
                               const struct table *t) {
    memset(c, 0, sizeof *c);
    c->cp = cp;
    c->s = s;
    c->t = t;
    struct buf a = {0};
    struct buf b = {0};
    dorf_status st = DORF_OK;
    if (page_sql(&a, s, t, 0) != 0 || page_sql(&b, s, t, 1) != 0) {
        st = dorf_fail(cp->ctx, DORF_ENOMEM, "out of memory");
    }
    if (st == DORF_OK) {
        st = sql_store_prepare(s, a.p, &c->first);
    }
    if (st == DORF_OK) {
        st = sql_store_prepare(s, b.p, &c->next);
    }
    dorf_free(a.p);
    dorf_free(b.p);
    if (st != DORF_OK) {
        cursor_close(c);
    }
    return st;
}

/* Remembers the keys of the row in hand, for the next page's WHERE. */
static dorf_status save_keys(struct cursor *c) {
    for (int k = 0; k < c->t->keys; k++) {
        if (is_int(c->t->type[k])) {
            c->key_int[k] = sql_column_int64(c->cur, k);
            continue;
        }
        const void *p = c->t->type[k] == 't' ? (const void *)sql_column_text(c->cur, k)
                                             : sql_column_blob(c->cur, k);
        int n = sql_column_bytes(c->cur, k);
        c->key_bytes[k].len = 0;
        if (buf_put(&c->key_bytes[k], p ? p : "", p ? (size_t)n : 0) != 0) {
            return dorf_fail(c->cp->ctx, DORF_ENOMEM, "out of memory");
        }
    }
    return DORF_OK;
}

/* SQL_ROW with a row in c->cur, SQL_DONE at the end; a dorf_status error as DORF_E* < 0. */
static dorf_status cursor_step(struct cursor *c, int *row) {
    *row = 0;
    for (;;) {
        if (!c->cur) {
            if (c->exhausted) {
                return DORF_OK;
            }
            if (!c->started) {
                c->cur = c->first;
                c->started = 1;
            } else {
                c->cur = c->next;
                for (int k = 0; k < c->t->keys; k++) {
                    char type = c->t->type[k];
                    if (is_int(type)) {
                        sql_bind_int64(c->cur, k + 1, c->key_int[k]);
                    } else if (type == 't') {
                        sql_bind_text(c->cur, k + 1, c->key_bytes[k].p ? c->key_bytes[k].p : "",
                                      (int)c->key_bytes[k].len, SQL_TRANSIENT);
                    } else {
                        sql_bind_blob(c->cur, k + 1, c->key_bytes[k].p ? c->key_bytes[k].p : "",
                                      (int)c->key_bytes[k].len, SQL_TRANSIENT);
                    }
                }
            }
            c->page_rows = 0;
        }
        int rc = sql_step(c->cur);
        if (rc == SQL_ROW) {
            c->page_rows++;
            c->rows++;
            *row = 1;
            return save_keys(c);
        }
        if (rc != SQL_DONE) {
            char what[96];
            snprintf(what, sizeof what, "reading table %s", c->t->name);
            return sql_store_fail(c->s, what);
        }
        sql_reset(c->cur);
        c->cur = NULL;
        if (c->page_rows < PAGE_ROWS) {
            c->exhausted = 1;
        }
    }
}

/* The row in hand's key, for messages: "id 17", "key 'crs_epsg'", or its place in key order. */
static void describe_key(const struct cursor *c, char *out, size_t size) {
    const struct table *t = c->t;
    size_t n = 0;
    for (int k = 0; k < t->keys && n < size; k++) {
        const char *sep = k ? ", " : "";
        if (is_int(t->type[k])) {
            n += (size_t)snprintf(out + n, size - n, "%s%s %lld", sep, t->col[k],
                                  (long long)c->key_int[k]);
        } else if (t->type[k] == 't') {
            n += (size_t)snprintf(out + n, size - n, "%s%s '%.40s'", sep, t->col[k],
                                  c->key_bytes[k].p ? c->key_bytes[k].p : "");
        } else {
            /* A session's key is a token's hash: not shown, the row's place instead. */
            n += (size_t)snprintf(out + n, size - n, "%srow %llu in key order", sep,
                                  (unsigned long long)c->rows);
        }
    }
}

static const char *type_word(int sql_type) {
    switch (sql_type) {
    case SQL_INTEGER:
        return "an integer";
    case SQL_FLOAT:
        return "a real";
    case SQL_TEXT:
        return "text";
    case SQL_BLOB:
        return "a blob";
    default:
        return "NULL";
    }
}

static int expected_type(char type) {
    switch (type) {
    case 'i':
    case 's':
        return SQL_INTEGER;
    case 'r':
        return SQL_FLOAT;
    case 't':
        return SQL_TEXT;
    default:
        return SQL_BLOB;
    }
}

/* Refuses a value of another type than its column's (SQLite lets a column hold any). */
static dorf_status check_row_types(struct cursor *c) {
    for (int col = 0; col < c->t->ncols; col++) {
        int have = sql_column_type(c->cur, col);
        int want = expected_type(c->t->type[col]);
        if (have != SQL_NULL && have != want) {
            char key[160];
            describe_key(c, key, sizeof key);
            return dorf_fail(c->cp->ctx, DORF_EINVAL,
                             "%s: table %s, %s, column %s holds %s where %s belongs; mend the "
                             "row before migrating",
                             c->s->path, c->t->name, key, c->t->col[col], type_word(have),
                             type_word(want));
        }
    }
    return DORF_OK;
}

/* ---- checksums and comparison ---- */

/* Hashes a row's values: per value a tag, then its 8 bytes, or its length and bytes. */
static uint64_t hash_row(uint64_t h, struct cursor *c) {
    for (int col = 0; col < c->t->ncols; col++) {
        int type = sql_column_type(c->cur, col);
        unsigned char tag = (unsigned char)type;
        h = dorf_fnv(h, &tag, 1);
        if (type == SQL_INTEGER) {
            int64_t v = sql_column_int64(c->cur, col);
            h = dorf_fnv(h, &v, sizeof v);
        } else if (type == SQL_FLOAT) {
            double v = sql_column_double(c->cur, col);
            h = dorf_fnv(h, &v, sizeof v);
        } else if (type == SQL_TEXT || type == SQL_BLOB) {
            const void *p = type == SQL_TEXT ? (const void *)sql_column_text(c->cur, col)
                                             : sql_column_blob(c->cur, col);
            uint64_t n = (uint64_t)sql_column_bytes(c->cur, col);
            h = dorf_fnv(h, &n, sizeof n);
            h = dorf_fnv(h, p, (size_t)n);
        }
    }
    return h;
}

/* The first column in which the two rows differ, or -1. */
static int first_difference(struct cursor *a, struct cursor *b) {
    for (int col = 0; col < a->t->ncols; col++) {
        int ta = sql_column_type(a->cur, col);
        int tb = sql_column_type(b->cur, col);
        if (ta != tb) {
            return col;
        }
        if (ta == SQL_INTEGER) {
            if (sql_column_int64(a->cur, col) != sql_column_int64(b->cur, col)) {
                return col;
            }
        } else if (ta == SQL_FLOAT) {
            double x = sql_column_double(a->cur, col);
            double y = sql_column_double(b->cur, col);
            if (memcmp(&x, &y, sizeof x) != 0) {
                return col;
            }
        } else if (ta != SQL_NULL) {
            const void *p = ta == SQL_TEXT ? (const void *)sql_column_text(a->cur, col)
                                           : sql_column_blob(a->cur, col);
            const void *q = ta == SQL_TEXT ? (const void *)sql_column_text(b->cur, col)
                                           : sql_column_blob(b->cur, col);
            int n = sql_column_bytes(a->cur, col);
            if (n != sql_column_bytes(b->cur, col) || (n > 0 && memcmp(p, q, (size_t)n) != 0)) {
                return col;
            }
        }
    }
    return -1;
}

/*
 * Reads a table on both sides in key order, hashing each, and records the first difference
 * (values are not shown: they may be personal data).
 */
static dorf_status verify_table(struct copy *cp, size_t i, int *differs) {
    const struct table *t = &cp->tables[i];
    dorf_copy_table *rt = &cp->report->tables[i];
    struct cursor a;
    struct cursor b;
    dorf_status st = cursor_open(&a, cp, cp->from, t);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = cursor_open(&b, cp, cp->to, t)) != DORF_OK) {
        cursor_close(&a);
        return st;
    }
    uint64_t ha = DORF_FNV_START;
    uint64_t hb = DORF_FNV_START;
    int ra = 1;
    int rb = 1;
    while (st == DORF_OK && (ra || rb)) {
        if (ra && (st = cursor_step(&a, &ra)) != DORF_OK) {
            break;
        }
        if (rb && (st = cursor_step(&b, &rb)) != DORF_OK) {
            break;
        }
        if (ra) {
            ha = hash_row(ha, &a);
        }
        if (rb) {
            hb = hash_row(hb, &b);
        }
        if (!*differs && ra != rb) {
            char key[160];
            describe_key(ra ? &a : &b, key, sizeof key);
            *differs = 1;
            dorf_fail(cp->ctx, DORF_EIO,
                      "verification failed: table %s: the %s has a row (%s) beyond the %s's "
                      "last",
                      t->name, ra ? "source" : "target", key, ra ? "target" : "source");
        } else if (!*differs && ra && rb) {
            int col = first_difference(&a, &b);
            char ka[160];
            char kb[160];
            describe_key(&a, ka, sizeof ka);
            describe_key(&b, kb, sizeof kb);
            if (col >= 0 || strcmp(ka, kb) != 0) {
                *differs = 1;
                if (col < 0 || col < t->keys) {
                    dorf_fail(cp->ctx, DORF_EIO,
                              "verification failed: table %s: row %llu in key order is (%s) in "
                              "the source but (%s) in the target",
                              t->name, (unsigned long long)a.rows, ka, kb);
                } else {
                    dorf_fail(cp->ctx, DORF_EIO,
                              "verification failed: table %s, %s, column %s: the source holds "
                              "%s (%d bytes), the target %s (%d bytes)",
                              t->name, ka, t->col[col], type_word(sql_column_type(a.cur, col)),
                              sql_column_bytes(a.cur, col), type_word(sql_column_type(b.cur, col)),
                              sql_column_bytes(b.cur, col));
                }
            }
        }
        if (ra || rb) {
            st = tick(cp);
        }
    }
    rt->source_rows = a.rows;
    rt->target_rows = b.rows;
    rt->source_checksum = ha;
    rt->target_checksum = hb;
    cursor_close(&a);
    cursor_close(&b);
    return st;
}

/* ---- writing ---- */

struct writer {
    struct copy *cp;
    const struct table *t;
    sql_stmt *stmt;
    struct buf arrays[MAX_COLUMNS]; /* PostgreSQL: one array literal per column */
    int rows;                       /* in the batch */
    size_t bytes;
};

/* PostgreSQL's type for a column's array. */
static const char *pg_array_type(char type) {
    switch (type) {
    case 'i':
    case 's':
        return "bigint[]";
    case 'r':
        return "double precision[]";
    case 't':
        return "text[]";
    default:
        return "bytea[]";
    }
}

/*
 * INSERT INTO t (a, b, geom) VALUES (?, ?, GeomFromWKB(?, 4326)) on SQLite;
 * INSERT INTO t (a, b, geom) SELECT u.c0, u.c1, ST_GeomFromWKB(u.c2, 4326)
 *   FROM unnest(?::bigint[], ?::text[], ?::bytea[]) AS u(c0, c1, c2) on PostgreSQL.
 */
static int insert_sql(struct buf *b, const struct sql_store *s, const struct table *t) {
    const int pg = s->dialect == SQL_POSTGRES;
    int bad = buf_str(b, "INSERT INTO ");
    bad |= buf_str(b, t->name);
    bad |= buf_str(b, " (");
    for (int c = 0; c < t->ncols; c++) {
        bad |= (c ? buf_str(b, ", ") : 0) | buf_str(b, col_sql(s, t, c));
    }
    bad |= buf_str(b, pg ? ") SELECT " : ") VALUES (");
    for (int c = 0; c < t->ncols; c++) {
        char item[64];
        if (pg) {
            snprintf(item, sizeof item, t->type[c] == 'g' ? "ST_GeomFromWKB(u.c%d, 4326)" : "u.c%d",
                     c);
        } else {
            snprintf(item, sizeof item, "%s", t->type[c] == 'g' ? "GeomFromWKB(?, 4326)" : "?");
        }
        bad |= (c ? buf_str(b, ", ") : 0) | buf_str(b, item);
    }
    if (pg) {
        bad |= buf_str(b, " FROM unnest(");
        for (int c = 0; c < t->ncols; c++) {
            bad |= (c ? buf_str(b, ", ") : 0) | buf_str(b, "?::") |
                   buf_str(b, pg_array_type(t->type[c]));
        }
        bad |= buf_str(b, ") AS u(");
        for (int c = 0; c < t->ncols; c++) {
            char item[16];
            snprintf(item, sizeof item, "%sc%d", c ? ", " : "", c);
            bad |= buf_str(b, item);
        }
    }
    bad |= buf_str(b, ")");
    return bad ? -1 : 0;
}

static dorf_status writer_open(struct writer *w, struct copy *cp, const struct table *t) {
    memset(w, 0, sizeof *w);
    w->cp = cp;
    w->t = t;
    struct buf sql = {0};
    if (insert_sql(&sql, cp->to, t) != 0) {
        dorf_free(sql.p);
        return dorf_fail(cp->ctx, DORF_ENOMEM, "out of memory");
    }
    dorf_status st = sql_store_prepare(cp->to, sql.p, &w->stmt);
    dorf_free(sql.p);
    return st;
}

static void writer_close(struct writer *w) {
    sql_finalize(w->stmt);
    for (int c = 0; c < MAX_COLUMNS; c++) {
        dorf_free(w->arrays[c].p);
    }
}

static dorf_status insert_failed(struct writer *w) {
    char what[96];
    snprintf(what, sizeof what, "writing table %s", w->t->name);
    return sql_store_fail(w->cp->to, what);
}

/* Sends the batch of a PostgreSQL target. */
static dorf_status writer_flush(struct writer *w) {
    if (w->rows == 0) {
        return DORF_OK;
    }
    int bad = 0;
    for (int c = 0; c < w->t->ncols; c++) {
        bad |= buf_str(&w->arrays[c], "}");
        bad |= sql_bind_text(w->stmt, c + 1, w->arrays[c].p, (int)w->arrays[c].len, SQL_STATIC) !=
               SQL_OK;
    }
    if (bad) {
        return dorf_fail(w->cp->ctx, DORF_ENOMEM, "out of memory");
    }
    int rc = sql_step(w->stmt);
    sql_reset(w->stmt);
    sql_clear_bindings(w->stmt);
    for (int c = 0; c < w->t->ncols; c++) {
        w->arrays[c].len = 0;
    }
    w->rows = 0;
    w->bytes = 0;
    return rc == SQL_DONE ? DORF_OK : insert_failed(w);
}

/* Appends one value to a column's array literal: NULL, a number, or a quoted element. */
static int append_element(struct buf *b, sql_stmt *row, int col, char type) {
    int bad = b->len == 0 ? buf_str(b, "{") : buf_str(b, ",");
    int have = sql_column_type(row, col);
    if (have == SQL_NULL) {
        return bad | buf_str(b, "NULL");
    }
    char num[40];
    if (is_int(type)) {
        snprintf(num, sizeof num, "%lld", (long long)sql_column_int64(row, col));
        return bad | buf_str(b, num);
    }
    if (type == 'r') {
        double v = sql_column_double(row, col);
        if (v != v) {
            return bad | buf_str(b, "NaN");
        }
        if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
            return bad | buf_str(b, v > 0 ? "Infinity" : "-Infinity");
        }
        snprintf(num, sizeof num, "%.17g", v);
        return bad | buf_str(b, num);
    }
    bad |= buf_str(b, "\"");
    if (type == 't') {
        const unsigned char *p = sql_column_text(row, col);
        int n = sql_column_bytes(row, col);
        for (int i = 0; i < n && !bad; i++) {
            if (p[i] == '"' || p[i] == '\\') {
                bad |= buf_str(b, "\\");
            }
            bad |= buf_put(b, &p[i], 1);
        }
    } else {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = sql_column_blob(row, col);
        int n = sql_column_bytes(row, col);
        /* bytea's hex form \x...; the backslash itself escaped inside the array element. */
        bad |= buf_str(b, "\\\\x");
        if (!bad && dorf_grow((void **)&b->p, &b->cap, b->len + 2 * (size_t)n + 2, 1) != 0) {
            bad = 1;
        }
        for (int i = 0; i < n && !bad; i++) {
            b->p[b->len++] = hex[p[i] >> 4];
            b->p[b->len++] = hex[p[i] & 15];
        }
        if (!bad) {
            b->p[b->len] = '\0';
        }
    }
    return bad | buf_str(b, "\"");
}

/* Writes the source's row in hand into the target. */
static dorf_status writer_add(struct writer *w, struct cursor *src) {
    const struct table *t = w->t;
    if (w->cp->to->dialect == SQL_SQLITE) {
        for (int c = 0; c < t->ncols; c++) {
            int have = sql_column_type(src->cur, c);
            int rc;
            if (have == SQL_NULL) {
                rc = sql_bind_null(w->stmt, c + 1);
            } else if (is_int(t->type[c])) {
                rc = sql_bind_int64(w->stmt, c + 1, sql_column_int64(src->cur, c));
            } else if (t->type[c] == 'r') {
                rc = sql_bind_double(w->stmt, c + 1, sql_column_double(src->cur, c));
            } else if (t->type[c] == 't') {
                rc = sql_bind_text(w->stmt, c + 1, (const char *)sql_column_text(src->cur, c),
                                   sql_column_bytes(src->cur, c), SQL_TRANSIENT);
            } else {
                rc = sql_bind_blob(w->stmt, c + 1, sql_column_blob(src->cur, c),
                                   sql_column_bytes(src->cur, c), SQL_TRANSIENT);
            }
            if (rc != SQL_OK) {
                return insert_failed(w);
            }
        }
        int rc = sql_step(w->stmt);
        sql_reset(w->stmt);
        sql_clear_bindings(w->stmt);
        return rc == SQL_DONE ? DORF_OK : insert_failed(w);
    }
    int bad = 0;
    for (int c = 0; c < t->ncols; c++) {
        size_t before = w->arrays[c].len;
        bad |= append_element(&w->arrays[c], src->cur, c, t->type[c]);
        w->bytes += w->arrays[c].len - before;
    }
    if (bad) {
        return dorf_fail(w->cp->ctx, DORF_ENOMEM, "out of memory");
    }
    if (++w->rows >= PAGE_ROWS || w->bytes >= BATCH_BYTES) {
        return writer_flush(w);
    }
    return DORF_OK;
}

static dorf_status copy_table(struct copy *cp, size_t i) {
    const struct table *t = &cp->tables[i];
    struct cursor src;
    struct writer w;
    dorf_status st = cursor_open(&src, cp, cp->from, t);
    if (st != DORF_OK) {
        return st;
    }
    if ((st = writer_open(&w, cp, t)) != DORF_OK) {
        cursor_close(&src);
        return st;
    }
    int row = 1;
    while (st == DORF_OK && (st = cursor_step(&src, &row)) == DORF_OK && row) {
        if ((st = check_row_types(&src)) == DORF_OK && (st = writer_add(&w, &src)) == DORF_OK) {
            cp->report->rows++;
            st = tick(cp);
        }
    }
    if (st == DORF_OK) {
        st = writer_flush(&w);
    }
    writer_close(&w);
    cursor_close(&src);
    return st;
}

/* ---- the whole copy ---- */

static dorf_status count_rows(struct copy *cp, struct sql_store *s, const char *table,
                              uint64_t *out) {
    char sql[128];
    char what[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    snprintf(what, sizeof what, "counting the rows of %s in the %s", table, side_name(cp, s));
    int64_t n = 0;
    dorf_status st = sql_store_query_int64(s, sql, what, &n);
    *out = n > 0 ? (uint64_t)n : 0;
    return st;
}

/* Refuses a target that holds anything, or (DORF_COPY_REPLACE) empties it, children first. */
static dorf_status prepare_target(struct copy *cp, unsigned flags) {
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        uint64_t n = 0;
        if ((st = count_rows(cp, cp->to, cp->tables[i].name, &n)) != DORF_OK) {
            return st;
        }
        if (n > 0 && !(flags & DORF_COPY_REPLACE)) {
            return dorf_fail(cp->ctx, DORF_EINVAL,
                             "%s is not empty (table %s holds %llu rows); migrate copies into an "
                             "empty database, or pass --replace to overwrite everything in it",
                             cp->to->path, cp->tables[i].name, (unsigned long long)n);
        }
    }
    if (!(flags & DORF_COPY_REPLACE)) {
        return DORF_OK;
    }
    for (size_t i = TABLE_COUNT; i-- > 0 && st == DORF_OK;) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s", cp->tables[i].name);
        if (sql_exec(cp->to->conn, sql) != SQL_OK) {
            st = sql_store_fail(cp->to, "emptying the target");
        } else {
            cp->report->replaced_rows += (uint64_t)sql_changes(cp->to->conn);
        }
    }
    return st;
}

/* PostgreSQL: the identity column c of t continues after the largest copied value. */
static dorf_status restart_identity(struct copy *cp, const struct table *t, int c) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(%s), 0) FROM %s", t->col[c], t->name);
    sql_stmt *stmt = NULL;
    dorf_status st = sql_store_prepare(cp->to, sql, &stmt);
    if (st != DORF_OK) {
        return st;
    }
    int64_t max = 0;
    if (sql_step(stmt) == SQL_ROW) {
        max = sql_column_int64(stmt, 0);
    } else {
        st = sql_store_fail(cp->to, "reading the largest id");
    }
    sql_finalize(stmt);
    if (st == DORF_OK) {
        snprintf(sql, sizeof sql, "ALTER TABLE %s ALTER COLUMN %s RESTART WITH %lld", t->name,
                 t->col[c], (long long)max + 1);
        if (sql_exec(cp->to->conn, sql) != SQL_OK) {
            st = sql_store_fail(cp->to, "moving an identity sequence");
        }
    }
    return st;
}

/* PostgreSQL: the next value of every identity column follows the largest copied one. */
static dorf_status move_sequences(struct copy *cp) {
    if (cp->to->dialect != SQL_POSTGRES) {
        return DORF_OK; /* SQLite takes max(rowid) + 1 by itself */
    }
    dorf_status st = DORF_OK;
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        const struct table *t = &cp->tables[i];
        for (int c = 0; c < t->ncols && st == DORF_OK; c++) {
            if (t->identity & (1u << c)) {
                st = restart_identity(cp, t, c);
            }
        }
    }
    return st;
}

static dorf_status copy_in_transactions(struct copy *cp, unsigned flags) {
    dorf_copy_report *r = cp->report;
    dorf_status st = DORF_OK;
    double t0 = now_s();
    cp->total = 0;
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        st = count_rows(cp, cp->from, cp->tables[i].name, &r->tables[i].source_rows);
        cp->total += r->tables[i].source_rows;
    }
    if (st == DORF_OK) {
        st = prepare_target(cp, flags);
    }
    cp->phase = "copying";
    cp->done = 0;
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        st = copy_table(cp, i);
    }
    if (st == DORF_OK) {
        st = move_sequences(cp);
    }
    r->copy_s = now_s() - t0;
    if (st == DORF_OK) {
        dorf_progress(cp->ctx, cp->phase, cp->total, cp->total);
    }
    double t1 = now_s();
    cp->phase = "verifying";
    cp->done = 0;
    int differs = 0;
    for (size_t i = 0; i < TABLE_COUNT && st == DORF_OK; i++) {
        st = verify_table(cp, i, &differs);
    }
    r->verify_s = now_s() - t1;
    if (st == DORF_OK && differs) {
        st = DORF_EIO; /* the message was recorded at the first difference */
    }
    if (st == DORF_OK) {
        dorf_progress(cp->ctx, cp->phase, cp->total, cp->total);
        r->verified = 1;
    }
    /* The last chance to stop: after the commit the copy stands. */
    if (st == DORF_OK && dorf_ctx_interrupted(cp->ctx)) {
        st = dorf_fail(cp->ctx, DORF_EINTR, "interrupted; the target is left as it was");
    }
    return st;
}

dorf_status dorf_store_copy(dorf_store *from, dorf_store *to, unsigned flags,
                            dorf_copy_report *out) {
    memset(out, 0, sizeof *out);
    struct copy *cp = dorf_calloc(1, sizeof *cp);
    dorf_ctx *ctx = to->ctx;
    if (!cp) {
        return dorf_fail(ctx, DORF_ENOMEM, "out of memory");
    }
    cp->ctx = ctx;
    cp->from = sql_store_of(from);
    cp->to = sql_store_of(to);
    cp->report = out;
    dorf_status st = parse_specs(cp);
    out->table_count = TABLE_COUNT;
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        out->tables[i].name = specs[i].name;
    }
    if (st == DORF_OK && cp->to->readonly) {
        st = dorf_fail(ctx, DORF_EINVAL, "%s is open read-only", cp->to->path);
    }
    if (st == DORF_OK &&
        (cp->from->version != DORF_SCHEMA_VERSION || cp->to->version != DORF_SCHEMA_VERSION)) {
        st = dorf_fail(ctx, DORF_EVERSION,
                       "the source is at schema version %d and the target at %d; both must be at "
                       "%d (open each once with this dorf)",
                       cp->from->version, cp->to->version, DORF_SCHEMA_VERSION);
    }
    if (st == DORF_OK) {
        st = check_schema(cp, cp->from);
    }
    if (st == DORF_OK) {
        st = check_schema(cp, cp->to);
    }
    if (st != DORF_OK) {
        dorf_free(cp);
        return st;
    }
    if ((st = sql_store_begin(cp->from, 0)) != DORF_OK) {
        dorf_free(cp);
        return st;
    }
    if ((st = sql_store_begin(cp->to, 1)) == DORF_OK) {
        st = copy_in_transactions(cp, flags);
        if (st == DORF_OK) {
            st = sql_store_commit(cp->to);
        }
        if (st != DORF_OK) {
            sql_store_rollback(cp->to);
            out->verified = 0;
        }
    }
    sql_store_rollback(cp->from); /* a read: nothing to keep */
    dorf_free(cp);
    return st;
}

const char *dorf_store_describe(const dorf_store *store) {
    const struct sql_store *s = (const struct sql_store *)store;
    return s->path ? s->path : "";
}
