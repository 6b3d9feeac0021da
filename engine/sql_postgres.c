/*
 * sql_postgres.c: sql.h's calls on a PostgreSQL connection (libpq).
 *
 * A statement's SQL is rewritten once, at prepare, from SQLite's placeholders to $N. When it is
 * first stepped, its bound values are sent with their types (bigint, double precision, text,
 * bytea, or unknown for NULL) and the server-side prepared statement for that text and those
 * types is reused, or made once per connection. Results arrive whole and are stepped through in
 * memory, so statements can be nested as on SQLite.
 *
 * A lost connection fails the call in hand with SQL_ERR_CONNECTION and a message naming the
 * server; the next call outside a transaction reconnects (and forgets the prepared statements,
 * which died with the old session). Inside a transaction nothing reconnects until the caller
 * has rolled back, so a transaction is never silently split in two.
 */
#include "sql_postgres.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dorf/alloc.h"
#include "fnv.h"

/* Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

/* The key of dorf's writer lock (pg_advisory_xact_lock): "dorf" in ASCII. */
#define WRITER_LOCK_KEY "1685025382"

/* Server-side prepared statements kept per connection; more run unprepared. */
#define PREPARED_MAX 1024

struct prepared {
    uint64_t hash;
    char *key; /* SQL, then the parameters' type OIDs */
    size_t key_len;
    char name[24];
};

struct pg_conn {
    PGconn *conn;
    char errmsg[1024];
    sql_error_kind error_kind;
    int64_t changes;
    int tx_open;
    int fault_pending; /* the last call failed by injection; its message is set */
    char doomed[512];  /* why the open transaction must not commit ("" when it may) */
    unsigned next_name;
    struct prepared *prepared;
    size_t prepared_count;
};

struct param {
    int kind;
    char *value; /* owned; text form, or the bytes of a blob */
    size_t len;
    char number[32];
};

struct named {
    char *name;
    int index;
};

struct blob_cache {
    int row;
    unsigned char *bytes;
    size_t len;
};

struct pg_stmt {
    pg_conn *c;
    char *sql;
    int nparams;
    struct param *params;
    struct named *names;
    int name_count;
    PGresult *res;
    int executed;
    int bind_error; /* a bind that failed (no memory, NUL in text): the next step fails with it */
    int row;
    int ntuples;
    struct blob_cache *blobs; /* per column, decoded bytea */
    int blob_cols;
    /* What execute() hands libpq, one per parameter. */
    Oid *types;
    const char **values;
    int *lengths;
    int *formats;
};

/* ---- fault injection (DORF_FAULT_INJECTION builds) ---- */

#ifdef DORF_FAULT_INJECTION
static unsigned long fault_count;
static unsigned long fault_at;
static int fault_disconnect;

unsigned long sql_fault_postgres_fail_after(unsigned long n, int disconnect) {
    unsigned long counted = fault_count;
    fault_count = 0;
    fault_at = n;
    fault_disconnect = disconnect;
    return counted;
}
#endif

/*
 * Counts a call that talks to the server. 1 when it must fail without reaching the server (its
 * message is set); with `disconnect` the connection is cut instead and the real call then
 * fails the way a dropped network does.
 */
static int fault_before_call(pg_conn *c);

/* ---- errors and connections ---- */

/*
 * libpq's messages span lines ("FATAL: ...\nserver closed the connection ...", "...failed:
 * Connection refused\n\tIs the server running ..."): a log line and the CLI's one-line
 * errors keep them on one, each run of white space with a line break in it as one space.
 */
void pg_one_line(char *text) {
    char *out = text;
    for (const char *p = text; *p;) {
        if (*p == '\n' || ((*p == ' ' || *p == '\t') && (p[1] == '\n' || p[1] == '\t'))) {
            while (*p == '\n' || *p == '\t' || *p == ' ') {
                p++;
            }
            if (*p) {
                *out++ = ' ';
            }
        } else {
            *out++ = *p++;
        }
    }
    *out = '\0';
}

static void set_error(pg_conn *c, sql_error_kind kind, const char *fmt, const char *a,
                      const char *b) {
    c->error_kind = kind;
    snprintf(c->errmsg, sizeof c->errmsg, fmt, a ? a : "", b ? b : "");
    pg_one_line(c->errmsg);
}

#ifdef DORF_FAULT_INJECTION
static int fault_before_call(pg_conn *c) {
    fault_count++;
    if (fault_at == 0 || fault_count != fault_at) {
        return 0;
    }
    if (fault_disconnect) {
        shutdown(PQsocket(c->conn), SHUT_RDWR);
        return 0;
    }
    set_error(c, SQL_ERR_OTHER, "injected libpq fault%s%s", NULL, NULL);
    c->fault_pending = 1;
    return 1;
}
#else
static int fault_before_call(pg_conn *c) {
    (void)c;
    return 0;
}
#endif

/* The libpq calls that talk to the server, each counted for fault injection. */
static PGresult *call_exec(pg_conn *c, const char *sql) {
    return fault_before_call(c) ? NULL : PQexec(c->conn, sql);
}

static PGresult *call_prepare(pg_conn *c, const char *name, const char *sql, int n,
                              const Oid *types) {
    return fault_before_call(c) ? NULL : PQprepare(c->conn, name, sql, n, types);
}

static PGresult *call_exec_prepared(pg_conn *c, const char *name, const char *sql, int n,
                                    const Oid *types, const char *const *values, const int *lengths,
                                    const int *formats) {
    if (fault_before_call(c)) {
        return NULL;
    }
    return *name ? PQexecPrepared(c->conn, name, n, values, lengths, formats, 0)
                 : PQexecParams(c->conn, sql, n, types, values, lengths, formats, 0);
}

static void where_server(const PGconn *conn, char *out, size_t size) {
    const char *host = PQhost(conn);
    const char *port = PQport(conn);
    const char *db = PQdb(conn);
    snprintf(out, size, "%s:%s/%s", host && *host ? host : "localhost", port ? port : "",
             db ? db : "");
}

/* Forgets the server-side prepared statements: they live only as long as the session. */
static void forget_prepared(pg_conn *c) {
    for (size_t i = 0; i < c->prepared_count; i++) {
        dorf_free(c->prepared[i].key);
    }
    c->prepared_count = 0;
}

static void connection_lost(pg_conn *c) {
    char where[300];
    where_server(c->conn, where, sizeof where);
    set_error(c, SQL_ERR_CONNECTION,
              "lost the connection to PostgreSQL at %s (%s); it is retried on the next call", where,
              PQerrorMessage(c->conn));
    forget_prepared(c);
}

/* The SQLite-style result code of a failure of `kind`. */
static int code_of(sql_error_kind kind) {
    switch (kind) {
    case SQL_ERR_UNIQUE:
    case SQL_ERR_FOREIGN_KEY:
    case SQL_ERR_CHECK:
        return SQLITE_CONSTRAINT;
    case SQL_ERR_BUSY:
        return SQLITE_BUSY;
    case SQL_ERR_NOMEM:
        return SQLITE_NOMEM;
    default:
        return SQL_ERROR;
    }
}

/* Records a failed result's message and kind; returns the SQLite-style code for it. */
static int result_error(pg_conn *c, const PGresult *res) {
    if (!res && c->fault_pending) {
        c->fault_pending = 0;
        return SQL_ERROR;
    }
    if (PQstatus(c->conn) == CONNECTION_BAD) {
        connection_lost(c);
        return SQL_ERROR;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    sql_error_kind kind = SQL_ERR_OTHER;
    if (state && strncmp(state, "23", 2) == 0) {
        kind = strcmp(state, "23505") == 0   ? SQL_ERR_UNIQUE
               : strcmp(state, "23503") == 0 ? SQL_ERR_FOREIGN_KEY
                                             : SQL_ERR_CHECK;
    } else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                         strcmp(state, "55P03") == 0)) {
        kind = SQL_ERR_BUSY;
    }
    if (msg) {
        set_error(c, kind, detail ? "%s (%s)" : "%s%s", msg, detail ? detail : "");
    } else {
        set_error(c, kind, "%s%s", PQerrorMessage(c->conn), NULL);
    }
    return code_of(kind);
}

void pg_quiet_notices(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

/* Reconnects a lost connection, unless a transaction was open on it. 0 when usable. */
static int ensure_connected(pg_conn *c) {
    if (PQstatus(c->conn) == CONNECTION_OK) {
        return 0;
    }
    if (c->tx_open) {
        char where[300];
        where_server(c->conn, where, sizeof where);
        set_error(c, SQL_ERR_CONNECTION,
                  "lost the connection to PostgreSQL at %s inside a transaction; it was "
                  "rolled back by the server%s",
                  where, NULL);
        return -1;
    }
    PQreset(c->conn);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        connection_lost(c);
        return -1;
    }
    forget_prepared(c);
    c->error_kind = SQL_ERR_NONE; /* the loss is over: the next failure is news */
    c->errmsg[0] = '\0';
    PQsetNoticeProcessor(c->conn, pg_quiet_notices, NULL);
    return 0;
}

pg_conn *pg_connect(const char *conninfo, char *err, size_t err_size) {
    pg_conn *c = dorf_calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    /* Defaults first: what the URI or the PG* environment says wins over them. */
    const char *const keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *const values[] = {"dorf", "10", conninfo, NULL};
    c->conn = PQconnectdbParams(keys, values, 1);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        const char *why = c->conn ? PQerrorMessage(c->conn) : "out of memory";
        snprintf(err, err_size, "cannot connect to PostgreSQL: %s", why);
        pg_one_line(err);
        PQfinish(c->conn);
        dorf_free(c);
        return NULL;
    }
    PQsetNoticeProcessor(c->conn, pg_quiet_notices, NULL);
    c->prepared = dorf_calloc(PREPARED_MAX, sizeof *c->prepared);
    if (!c->prepared) {
        snprintf(err, err_size, "out of memory");
        PQfinish(c->conn);
        dorf_free(c);
        return NULL;
    }
    return c;
}

void pg_close(pg_conn *c) {
    if (!c) {
        return;
    }
    forget_prepared(c);
    dorf_free(c->prepared);
    PQfinish(c->conn);
    dorf_free(c);
}

char *pg_describe(const pg_conn *c) {
    char where[300];
    char buf[400];
    where_server(c->conn, where, sizeof where);
    const char *user = PQuser(c->conn);
    snprintf(buf, sizeof buf, "postgresql://%s%s%s", user ? user : "", user ? "@" : "", where);
    return dorf_strdup(buf);
}

const char *pg_errmsg(pg_conn *c) {
    return c->errmsg[0] ? c->errmsg : "not an error";
}

sql_error_kind pg_error_kind(pg_conn *c) {
    return c->error_kind;
}

int64_t pg_changes(pg_conn *c) {
    return c->changes;
}

static void note_changes(pg_conn *c, const PGresult *res) {
    const char *status = PQcmdStatus((PGresult *)res);
    if (strncmp(status, "INSERT", 6) == 0 || strncmp(status, "UPDATE", 6) == 0 ||
        strncmp(status, "DELETE", 6) == 0 || strncmp(status, "MERGE", 5) == 0) {
        c->changes = strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
    }
}

/* Runs simple-protocol SQL; returns the result (to be cleared) or NULL after recording why. */
static PGresult *run_simple(pg_conn *c, const char *sql) {
    if (ensure_connected(c) != 0) {
        return NULL;
    }
    PGresult *res = call_exec(c, sql);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        result_error(c, res);
        PQclear(res);
        return NULL;
    }
    note_changes(c, res);
    return res;
}

int64_t pg_last_insert_rowid(pg_conn *c) {
    PGresult *res = run_simple(c, "SELECT lastval()");
    int64_t id = 0;
    if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    } else if (c->tx_open) {
        /*
         * The caller cannot tell 0 from an id, as with SQLite's call; so the transaction that
         * made the row must not commit with whatever it wrote using 0.
         */
        snprintf(c->doomed, sizeof c->doomed, "could not read the new row's id: %.400s", c->errmsg);
    }
    PQclear(res);
    return id;
}

int pg_exec(pg_conn *c, const char *sql) {
    PGresult *res = run_simple(c, sql);
    if (!res) {
        return code_of(c->error_kind);
    }
    PQclear(res);
    return SQL_OK;
}

int pg_begin(pg_conn *c, int write) {
    if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        /* A rollback that failed left the server's transaction open: end it first. */
        PQclear(call_exec(c, "ROLLBACK"));
    }
    const char *sql = write ? "BEGIN ISOLATION LEVEL READ COMMITTED;"
                              " SELECT pg_advisory_xact_lock(" WRITER_LOCK_KEY ")"
                            : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    PGresult *res = run_simple(c, sql);
    if (!res) {
        if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
            PQclear(call_exec(c, "ROLLBACK"));
        }
        return SQL_ERROR;
    }
    PQclear(res);
    c->tx_open = 1;
    c->doomed[0] = '\0';
    return SQL_OK;
}

int pg_commit(pg_conn *c) {
    if (c->doomed[0]) {
        char why[sizeof c->doomed];
        snprintf(why, sizeof why, "%s", c->doomed);
        pg_rollback(c);
        set_error(c, c->error_kind == SQL_ERR_NONE ? SQL_ERR_OTHER : c->error_kind,
                  "%s; the transaction was rolled back%s", why, NULL);
        return SQL_ERROR;
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
        c->tx_open = 0;
        char where[300];
        where_server(c->conn, where, sizeof where);
        set_error(c, SQL_ERR_CONNECTION,
                  "lost the connection to PostgreSQL at %s before the commit; nothing of the "
                  "transaction was kept%s",
                  where, NULL);
        return SQL_ERROR;
    }
    PGresult *res = call_exec(c, "COMMIT");
    c->tx_open = 0;
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = SQL_OK;
    if (status != PGRES_COMMAND_OK) {
        rc = result_error(c, res);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* The server answers ROLLBACK to a COMMIT of a transaction that had failed. */
        set_error(c, SQL_ERR_OTHER,
                  "the transaction had failed and was rolled back instead of committed%s%s", NULL,
                  NULL);
        rc = SQL_ERROR;
    }
    PQclear(res);
    return rc;
}

void pg_rollback(pg_conn *c) {
    c->doomed[0] = '\0';
    if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        PQclear(call_exec(c, "ROLLBACK"));
    }
    c->tx_open = 0;
}

int pg_in_transaction(pg_conn *c) {
    return c->tx_open;
}

/* ---- statements ---- */

static int is_ident(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static int is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

/* Index of the named parameter `name` (len bytes), adding it as max + 1 when new; -1: OOM. */
static int name_index(pg_stmt *st, const char *name, size_t len, int *max) {
    for (int i = 0; i < st->name_count; i++) {
        if (strlen(st->names[i].name) == len && memcmp(st->names[i].name, name, len) == 0) {
            return st->names[i].index;
        }
    }
    struct named *grown = dorf_realloc(st->names, (size_t)(st->name_count + 1) * sizeof *grown);
    if (!grown) {
        return -1;
    }
    st->names = grown;
    char *copy = dorf_malloc(len + 1);
    if (!copy) {
        return -1;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    st->names[st->name_count].name = copy;
    st->names[st->name_count].index = ++*max;
    st->name_count++;
    return *max;
}

/*
 * Rewrites SQLite's placeholders to $N, as SQLite numbers them: ?NNN is NNN, a bare ? is one
 * more than the largest so far, and each distinct :name, @name or $name gets the next number
 * at its first use. Quoted text, quoted names, comments and :: casts are copied as they are.
 */
static int rewrite_placeholders(pg_stmt *st, const char *sql) {
    size_t len = strlen(sql);
    char *out = dorf_malloc(len * 7 + 1); /* "?" can become "$32766" */
    if (!out) {
        return -1;
    }
    size_t o = 0;
    int max = 0;
    for (size_t i = 0; i < len;) {
        char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            size_t j = i + 1;
            while (j < len && sql[j] != ch) {
                j++;
            }
            j = j < len ? j + 1 : len;
            memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == '-' && i + 1 < len && sql[i + 1] == '-') {
            size_t j = i;
            while (j < len && sql[j] != '\n') {
                j++;
            }
            memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == '/' && i + 1 < len && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            size_t j = end ? (size_t)(end - sql) + 2 : len;
            memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == ':' && i + 1 < len && sql[i + 1] == ':') {
            out[o++] = ':';
            out[o++] = ':';
            i += 2;
        } else if (ch == '?' || ((ch == '$') && i + 1 < len && is_digit(sql[i + 1]))) {
            size_t j = i + 1;
            int n = 0;
            while (j < len && is_digit(sql[j]) && n < 100000) {
                n = n * 10 + (sql[j] - '0');
                j++;
            }
            if (j == i + 1) {
                n = ++max;
            } else if (n > max) {
                max = n;
            }
            o += (size_t)sprintf(out + o, "$%d", n);
            i = j;
        } else if ((ch == ':' || ch == '@' || ch == '$') && i + 1 < len && is_ident(sql[i + 1])) {
            size_t j = i + 1;
            while (j < len && is_ident(sql[j])) {
                j++;
            }
            int n = name_index(st, sql + i, j - i, &max);
            if (n < 0) {
                dorf_free(out);
                return -1;
            }
            o += (size_t)sprintf(out + o, "$%d", n);
            i = j;
        } else {
            out[o++] = ch;
            i++;
        }
    }
    out[o] = '\0';
    st->sql = out;
    st->nparams = max;
    return 0;
}

int pg_prepare(pg_conn *c, const char *sql, pg_stmt **out) {
    *out = NULL;
    pg_stmt *st = dorf_calloc(1, sizeof *st);
    if (!st) {
        set_error(c, SQL_ERR_NOMEM, "out of memory%s%s", NULL, NULL);
        return SQLITE_NOMEM;
    }
    st->c = c;
    st->row = -1;
    size_t n = 0;
    if (rewrite_placeholders(st, sql) == 0) {
        n = st->nparams > 0 ? (size_t)st->nparams : 1;
        st->params = dorf_calloc(n, sizeof *st->params);
        st->types = dorf_calloc(n, sizeof *st->types);
        st->values = dorf_calloc(n, sizeof *st->values);
        st->lengths = dorf_calloc(n, sizeof *st->lengths);
        st->formats = dorf_calloc(n, sizeof *st->formats);
    }
    if (!n || !st->params || !st->types || !st->values || !st->lengths || !st->formats) {
        pg_finalize(st);
        set_error(c, SQL_ERR_NOMEM, "out of memory%s%s", NULL, NULL);
        return SQLITE_NOMEM;
    }
    *out = st;
    return SQL_OK;
}

static void clear_result(pg_stmt *st) {
    PQclear(st->res);
    st->res = NULL;
    st->executed = 0;
    st->row = -1;
    st->ntuples = 0;
    for (int i = 0; i < st->blob_cols; i++) {
        PQfreemem(st->blobs[i].bytes);
    }
    dorf_free(st->blobs);
    st->blobs = NULL;
    st->blob_cols = 0;
}

int pg_bind(pg_stmt *st, int i, int kind, const void *v, size_t n, int copy) {
    (void)copy; /* always copied: text must be NUL-terminated for libpq */
    if (i < 1 || i > st->nparams) {
        set_error(st->c, SQL_ERR_OTHER, "parameter index out of range%s%s", NULL, NULL);
        return SQLITE_RANGE;
    }
    if (st->executed) {
        clear_result(st);
    }
    struct param *p = &st->params[i - 1];
    dorf_free(p->value);
    p->value = NULL;
    p->len = 0;
    p->kind = kind;
    if (kind == PG_BIND_INT64) {
        int64_t x;
        memcpy(&x, v, sizeof x);
        snprintf(p->number, sizeof p->number, "%lld", (long long)x);
    } else if (kind == PG_BIND_DOUBLE) {
        double x;
        memcpy(&x, v, sizeof x);
        if (isnan(x)) {
            snprintf(p->number, sizeof p->number, "NaN");
        } else if (isinf(x)) {
            snprintf(p->number, sizeof p->number, x > 0 ? "Infinity" : "-Infinity");
        } else {
            snprintf(p->number, sizeof p->number, "%.17g", x);
        }
    } else if (kind == PG_BIND_TEXT || kind == PG_BIND_BLOB) {
        if (kind == PG_BIND_TEXT && memchr(v, '\0', n)) {
            p->kind = PG_BIND_NULL;
            set_error(st->c, SQL_ERR_CHECK, "text with a NUL byte cannot be stored%s%s", NULL,
                      NULL);
            return st->bind_error = SQLITE_MISMATCH;
        }
        if (!(p->value = dorf_malloc(n + 1))) {
            p->kind = PG_BIND_NULL;
            set_error(st->c, SQL_ERR_NOMEM, "out of memory binding a value%s%s", NULL, NULL);
            return st->bind_error = SQLITE_NOMEM;
        }
        memcpy(p->value, v, n);
        p->value[n] = '\0';
        p->len = n;
    }
    return SQL_OK;
}

int pg_bind_parameter_index(pg_stmt *st, const char *name) {
    for (int i = 0; i < st->name_count; i++) {
        if (strcmp(st->names[i].name, name) == 0) {
            return st->names[i].index;
        }
    }
    return 0;
}

int pg_bind_parameter_count(pg_stmt *st) {
    return st->nparams;
}

int pg_clear_bindings(pg_stmt *st) {
    for (int i = 0; i < st->nparams; i++) {
        dorf_free(st->params[i].value);
        memset(&st->params[i], 0, sizeof st->params[i]);
    }
    return SQL_OK;
}

static Oid param_type(int kind) {
    switch (kind) {
    case PG_BIND_INT64:
        return OID_INT8;
    case PG_BIND_DOUBLE:
        return OID_FLOAT8;
    case PG_BIND_TEXT:
        return OID_TEXT;
    case PG_BIND_BLOB:
        return OID_BYTEA;
    default:
        return 0; /* unknown: the server infers it */
    }
}

/*
 * The name of the server-side statement for this SQL with these types, preparing it when new;
 * "" (run unprepared) when the connection's table is full; NULL after an error.
 */
static const char *prepared_name(pg_stmt *st, const Oid *types) {
    pg_conn *c = st->c;
    size_t sql_len = strlen(st->sql);
    size_t key_len = sql_len + 1 + (size_t)st->nparams * sizeof(Oid);
    char *key = dorf_malloc(key_len);
    if (!key) {
        set_error(c, SQL_ERR_NOMEM, "out of memory%s%s", NULL, NULL);
        return NULL;
    }
    memcpy(key, st->sql, sql_len + 1);
    if (st->nparams > 0) {
        memcpy(key + sql_len + 1, types, (size_t)st->nparams * sizeof(Oid));
    }
    uint64_t h = dorf_fnv(DORF_FNV_START, key, key_len);
    for (size_t i = 0; i < c->prepared_count; i++) {
        struct prepared *p = &c->prepared[i];
        if (p->hash == h && p->key_len == key_len && memcmp(p->key, key, key_len) == 0) {
            dorf_free(key);
            return p->name;
        }
    }
    if (c->prepared_count == PREPARED_MAX) {
        dorf_free(key);
        return "";
    }
    struct prepared *p = &c->prepared[c->prepared_count];
    snprintf(p->name, sizeof p->name, "dorf_%u", c->next_name++);
    PGresult *res = call_prepare(c, p->name, st->sql, st->nparams, types);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        result_error(c, res);
        PQclear(res);
        dorf_free(key);
        return NULL;
    }
    PQclear(res);
    p->hash = h;
    p->key = key;
    p->key_len = key_len;
    c->prepared_count++;
    return p->name;
}

static int execute(pg_stmt *st) {
    pg_conn *c = st->c;
    if (st->bind_error) {
        /* Callers bind without checking, as SQLite lets them: refuse to run with a value lost. */
        int rc = st->bind_error;
        st->bind_error = 0;
        set_error(c, rc == SQLITE_NOMEM ? SQL_ERR_NOMEM : SQL_ERR_CHECK,
                  rc == SQLITE_NOMEM ? "out of memory binding a value%s%s"
                                     : "text with a NUL byte cannot be stored%s%s",
                  NULL, NULL);
        return rc;
    }
    if (ensure_connected(c) != 0) {
        return SQL_ERROR;
    }
    int n = st->nparams;
    Oid *types = st->types;
    const char **values = st->values;
    int *lengths = st->lengths;
    int *formats = st->formats;
    for (int i = 0; i < n; i++) {
        const struct param *p = &st->params[i];
        types[i] = param_type(p->kind);
        lengths[i] = (int)p->len;
        formats[i] = p->kind == PG_BIND_BLOB ? 1 : 0;
        values[i] = p->kind == PG_BIND_NULL                                   ? NULL
                    : (p->kind == PG_BIND_INT64 || p->kind == PG_BIND_DOUBLE) ? p->number
                                                                              : p->value;
    }
    const char *name = prepared_name(st, types);
    if (!name) {
        return code_of(c->error_kind);
    }
    PGresult *res = call_exec_prepared(c, name, st->sql, n, types, values, lengths, formats);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        int rc = result_error(c, res);
        PQclear(res);
        return rc;
    }
    note_changes(c, res);
    st->res = res;
    st->executed = 1;
    st->row = -1;
    st->ntuples = PQntuples(res);
    return SQL_OK;
}

int pg_step(pg_stmt *st) {
    if (st->executed && st->row >= st->ntuples) {
        clear_result(st); /* stepping past the end runs the statement again, as in SQLite */
    }
    if (!st->executed) {
        int rc = execute(st);
        if (rc != SQL_OK) {
            return rc;
        }
    }
    for (int i = 0; i < st->blob_cols; i++) {
        PQfreemem(st->blobs[i].bytes);
        st->blobs[i].bytes = NULL;
        st->blobs[i].row = -1;
    }
    st->row++;
    return st->row < st->ntuples ? SQL_ROW : SQL_DONE;
}

int pg_column_count(pg_stmt *st) {
    return st->res ? PQnfields(st->res) : 0;
}

static int has_value(pg_stmt *st, int col) {
    return st->res && st->row >= 0 && st->row < st->ntuples && col >= 0 &&
           col < PQnfields(st->res) && !PQgetisnull(st->res, st->row, col);
}

int pg_column_type(pg_stmt *st, int col) {
    if (!has_value(st, col)) {
        return SQL_NULL;
    }
    switch (PQftype(st->res, col)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return SQL_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return SQL_FLOAT;
    case OID_BYTEA:
        return SQL_BLOB;
    default:
        return SQL_TEXT;
    }
}

const char *pg_column_raw(pg_stmt *st, int col) {
    return has_value(st, col) ? PQgetvalue(st->res, st->row, col) : NULL;
}

const void *pg_column_blob(pg_stmt *st, int col, int *bytes) {
    *bytes = 0;
    if (!has_value(st, col)) {
        return NULL;
    }
    const char *raw = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) != OID_BYTEA) {
        *bytes = PQgetlength(st->res, st->row, col);
        return raw;
    }
    if (!st->blobs) {
        int cols = PQnfields(st->res);
        if (!(st->blobs = dorf_calloc((size_t)cols, sizeof *st->blobs))) {
            return NULL;
        }
        st->blob_cols = cols;
        for (int i = 0; i < cols; i++) {
            st->blobs[i].row = -1;
        }
    }
    struct blob_cache *b = &st->blobs[col];
    if (b->row != st->row || !b->bytes) {
        PQfreemem(b->bytes);
        b->bytes = PQunescapeBytea((const unsigned char *)raw, &b->len);
        b->row = st->row;
        if (!b->bytes) {
            return NULL;
        }
    }
    *bytes = (int)b->len;
    return b->bytes;
}

int pg_reset(pg_stmt *st) {
    clear_result(st);
    return SQL_OK;
}

void pg_finalize(pg_stmt *st) {
    if (!st) {
        return;
    }
    clear_result(st);
    if (st->params) {
        pg_clear_bindings(st);
    }
    dorf_free(st->params);
    dorf_free(st->types);
    dorf_free(st->values);
    dorf_free(st->lengths);
    dorf_free(st->formats);
    for (int i = 0; i < st->name_count; i++) {
        dorf_free(st->names[i].name);
    }
    dorf_free(st->names);
    dorf_free(st->sql);
    dorf_free(st);
}

/* ---- COPY FROM STDIN ---- */

int pg_copy_begin(pg_conn *c, const char *sql) {
    if (ensure_connected(c) != 0) {
        return SQL_ERROR;
    }
    PGresult *res = call_exec(c, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        int rc = result_error(c, res);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    return SQL_OK;
}

int pg_copy_put(pg_conn *c, const char *data, size_t len) {
    while (len > 0) {
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        if (fault_before_call(c)) {
            c->fault_pending = 0;
            return SQL_ERROR;
        }
        if (PQputCopyData(c->conn, data, n) != 1) {
            if (PQstatus(c->conn) == CONNECTION_BAD) {
                connection_lost(c);
            } else {
                set_error(c, SQL_ERR_OTHER, "sending rows to COPY: %s%s", PQerrorMessage(c->conn),
                          NULL);
            }
            return SQL_ERROR;
        }
        data += n;
        len -= (size_t)n;
    }
    return SQL_OK;
}

int pg_copy_end(pg_conn *c, const char *abort_reason) {
    int rc = SQL_OK;
    if (!abort_reason && fault_before_call(c)) {
        /* An injected failure of the end: the server discards the rows, as on a bad row. */
        c->fault_pending = 0;
        abort_reason = "injected libpq fault";
        rc = SQL_ERROR;
    }
    if (PQputCopyEnd(c->conn, abort_reason) != 1) {
        if (PQstatus(c->conn) == CONNECTION_BAD) {
            connection_lost(c);
        } else {
            set_error(c, SQL_ERR_OTHER, "ending a COPY: %s%s", PQerrorMessage(c->conn), NULL);
        }
        rc = SQL_ERROR;
    }
    /* The COPY's own result, then NULL; an error is kept over a later one. */
    PGresult *res;
    while ((res = PQgetResult(c->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            note_changes(c, res);
        } else if (rc == SQL_OK) {
            rc = result_error(c, res);
        }
        PQclear(res);
    }
    return rc;
}
