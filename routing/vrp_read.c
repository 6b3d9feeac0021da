/*
 * vrp_read.c: benchmark instances of the pickup-and-delivery optimiser (dorf/vrp.h): Li & Lim's
 * PDPTW files and Solomon's VRPTW files (as in Gehring & Homberger's extended sets), turned
 * into a dorf_vrp_problem with one location per task and Euclidean travel times.
 *
 * The text is read line by line (LF or CRLF; blank lines are skipped anywhere) without
 * relying on a terminating NUL, and every field is checked before anything is built, so that
 * any input, however damaged, ends in DORF_OK or in a message "<name>:<line>: what is wrong;
 * what was expected". Numbers are plain decimals ("12", "-3.5", "1e3"; no "inf", "nan" or
 * hex), at most 1e15 in magnitude; fields that count (ids, demands, capacities) must be
 * whole. Task ids must be 0, 1, 2 ... in file order, the depot (0) first: both formats are
 * written that way, and it makes an id its own location index and a duplicate id an error
 * that names the line of its first use. A file holds at most MAX_TASKS tasks besides the
 * depot, since the travel-time matrix grows with their square (8 bytes per pair).
 *
 * Li & Lim: "vehicles capacity speed", then "id x y demand earliest latest service pickup
 * delivery". A task with pickup 0 and a delivery is a pickup (demand >= 0); one with a pickup
 * and delivery 0 is a delivery (demand <= 0); the two must name each other and move the same
 * amount. The speed field is read (a number >= 0) but not used: travel time equals Euclidean
 * distance, as the best-known solutions assume, and five published files say speed 0.
 * Solomon: a name line, "VEHICLE", "NUMBER CAPACITY" and its values, "CUSTOMER", a header
 * line, then "id x y demand ready due service"; each customer is a single-task request
 * loading its demand (>= 0). The formats are told apart by the first non-blank line: two or
 * more numbers and nothing else make it Li & Lim (which requires exactly three); anything
 * else is a Solomon name line.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dorf/alloc.h"
#include "dorf/vrp.h"

#define MAX_TASKS 10000    /* besides the depot: a 10001 x 10001 matrix is 800 MB */
#define MAX_VEHICLES 10000 /* more than any instance needs with MAX_TASKS tasks */
#define MAX_FILE_BYTES ((size_t)64 << 20)
#define MAX_MAGNITUDE 1e15 /* coordinates, times: their squares and sums stay finite */
#define MAX_FIELDS 9

/* Walks the text line by line. */
struct reader {
    dorf_ctx *ctx;
    const char *name; /* for messages */
    const char *p;
    const char *end;
    long line; /* number of the line last read, 1-based */
};

/* A non-blank line split at blanks. `count` is MAX_FIELDS + 1 when there are more fields. */
struct line {
    long number;
    int count;
    const char *field[MAX_FIELDS];
    size_t len[MAX_FIELDS];
};

/* One task line of either format, checked. */
struct row {
    double x, y, earliest, latest, service;
    int32_t demand;
    uint32_t pickup, delivery; /* Li & Lim only */
    long line;
};

static const char *const li_lim_task_fields[] = {
    "id", "x", "y", "demand", "earliest", "latest", "service", "pickup", "delivery"};
static const char *const li_lim_header_fields[] = {"vehicles", "capacity", "speed"};
static const char *const solomon_task_fields[] = {"id",    "x",   "y",      "demand",
                                                  "ready", "due", "service"};
static const char *const solomon_vehicle_fields[] = {"number", "capacity"};

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The number of the last line, for errors at the end of the text. */
static long last_line(const struct reader *r) {
    return r->line > 0 ? r->line : 1;
}

/* Nothing but blanks and newlines left. */
static int at_end(const struct reader *r) {
    for (const char *q = r->p; q < r->end; q++) {
        if (!is_blank(*q) && *q != '\n') {
            return 0;
        }
    }
    return 1;
}

/* The next non-blank line: 1, or 0 at the end of the text, or -1 (failed) at a NUL byte. */
static int next_line(struct reader *r, struct line *ln) {
    while (r->p < r->end) {
        const char *start = r->p;
        const char *nl = memchr(start, '\n', (size_t)(r->end - start));
        const char *stop = nl ? nl : r->end;
        r->p = nl ? nl + 1 : r->end;
        r->line++;
        if (memchr(start, '\0', (size_t)(stop - start))) {
            dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: a NUL byte; expected a text file", r->name,
                      r->line);
            return -1;
        }
        ln->number = r->line;
        ln->count = 0;
        for (const char *q = start; q < stop;) {
            if (is_blank(*q)) {
                q++;
                continue;
            }
            const char *tok = q;
            while (q < stop && !is_blank(*q)) {
                q++;
            }
            if (ln->count == MAX_FIELDS) {
                ln->count = MAX_FIELDS + 1;
                break;
            }
            ln->field[ln->count] = tok;
            ln->len[ln->count] = (size_t)(q - tok);
            ln->count++;
        }
        if (ln->count > 0) {
            return 1;
        }
    }
    return 0;
}

/* Parses a plain decimal number; -1 when the text is anything else or not finite. */
static int parse_number(const char *s, size_t len, double *out) {
    char buf[64];
    if (len == 0 || len >= sizeof buf) {
        return -1;
    }
    size_t i = 0;
    size_t digits = 0;
    if (s[i] == '+' || s[i] == '-') {
        i++;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        digits++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            digits++;
        }
    }
    if (digits == 0) {
        return -1;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            exp_digits++;
        }
        if (exp_digits == 0) {
            return -1;
        }
    }
    if (i != len) {
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v)) {
        return -1;
    }
    *out = v;
    return 0;
}

/* `s` fit for a message: at most 24 characters, unprintable bytes as '?'. */
static const char *quote(char *buf, size_t size, const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size && i < 24; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (len > 24 && n + 4 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* The line's fields, exactly `want` of them, as numbers within MAX_MAGNITUDE. */
static dorf_status numbers(struct reader *r, const struct line *ln, int want,
                           const char *const *names, double *values) {
    if (ln->count != want) {
        char list[128] = "";
        size_t used = 0;
        for (int i = 0; i < want; i++) {
            int n = snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "", names[i]);
            used += n > 0 ? (size_t)n : 0;
            used = used < sizeof list ? used : sizeof list - 1;
        }
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: expected %d fields (%s), found %s%d%s",
                         r->name, ln->number, want, list,
                         ln->count > MAX_FIELDS ? "more than " : "",
                         ln->count > MAX_FIELDS ? MAX_FIELDS : ln->count,
                         ln->count < want && at_end(r) ? "; is the file truncated?" : "");
    }
    for (int i = 0; i < want; i++) {
        char q[32];
        if (parse_number(ln->field[i], ln->len[i], &values[i]) != 0) {
            return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: %s '%s' is not a number", r->name,
                             ln->number, names[i], quote(q, sizeof q, ln->field[i], ln->len[i]));
        }
        if (fabs(values[i]) > MAX_MAGNITUDE) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: %s %g is out of range; expected at most %g in magnitude",
                             r->name, ln->number, names[i], values[i], MAX_MAGNITUDE);
        }
    }
    return DORF_OK;
}

/* `v` as a whole number in [min, max]. */
static dorf_status whole(struct reader *r, long line, const char *field, double v, double min,
                         double max, long long *out) {
    if (v != floor(v) || v < min || v > max) {
        return dorf_fail(r->ctx, DORF_EPARSE,
                         "%s:%ld: %s is %.15g; expected a whole number from %.0f to %.0f", r->name,
                         line, field, v, min, max);
    }
    *out = (long long)v;
    return DORF_OK;
}

/* The next non-blank line, which must exist: `expected` says what it should hold. */
static dorf_status require_line(struct reader *r, struct line *ln, const char *expected) {
    int got = next_line(r, ln);
    if (got < 0) {
        return DORF_EPARSE;
    }
    if (got == 0) {
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: the file ends here; expected %s", r->name,
                         last_line(r), expected);
    }
    return DORF_OK;
}

/* The first field is `keyword` (any case). */
static int starts_with_keyword(const struct line *ln, const char *keyword) {
    size_t n = strlen(keyword);
    return ln->len[0] == n && strncasecmp(ln->field[0], keyword, n) == 0;
}

/*
 * Reads task lines up to the end, 9 numbers each for Li & Lim and 7 for Solomon, with ids
 * 0, 1, 2 ... Fills *rows (allocated; the caller frees it) and *count.
 */
static dorf_status read_rows(struct reader *r, dorf_vrp_format format, struct row **rows,
                             size_t *count) {
    int li_lim = format == DORF_VRP_LI_LIM;
    const char *const *names = li_lim ? li_lim_task_fields : solomon_task_fields;
    int want = li_lim ? 9 : 7;
    size_t cap = 0;
    struct line ln;
    int got;
    while ((got = next_line(r, &ln)) > 0) {
        double v[MAX_FIELDS];
        long long id = 0;
        long long demand = 0;
        long long pickup = 0;
        long long delivery = 0;
        dorf_status st;
        if (*count > MAX_TASKS) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: more than %d tasks besides the depot; this reader takes "
                             "no more",
                             r->name, ln.number, MAX_TASKS);
        }
        if ((st = numbers(r, &ln, want, names, v)) != DORF_OK ||
            (st = whole(r, ln.number, "id", v[0], 0, MAX_TASKS, &id)) != DORF_OK) {
            return st;
        }
        if ((size_t)id < *count) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: id %lld appears twice (first on line %ld)", r->name,
                             ln.number, id, (*rows)[id].line);
        }
        if ((size_t)id != *count) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: id %lld; expected %zu (ids count up from 0, the depot, in "
                             "file order)",
                             r->name, ln.number, id, *count);
        }
        if ((st = whole(r, ln.number, "demand", v[3], -INT32_MAX, INT32_MAX, &demand)) != DORF_OK) {
            return st;
        }
        if (v[4] > v[5]) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: the time window [%g, %g] is inverted; expected %s <= %s",
                             r->name, ln.number, v[4], v[5], names[4], names[5]);
        }
        if (v[6] < 0) {
            return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: service time %g; expected a time >= 0",
                             r->name, ln.number, v[6]);
        }
        if (li_lim &&
            ((st = whole(r, ln.number, "pickup", v[7], 0, MAX_TASKS, &pickup)) != DORF_OK ||
             (st = whole(r, ln.number, "delivery", v[8], 0, MAX_TASKS, &delivery)) != DORF_OK)) {
            return st;
        }
        if (id == 0 && (demand != 0 || pickup != 0 || delivery != 0)) {
            return li_lim ? dorf_fail(r->ctx, DORF_EPARSE,
                                      "%s:%ld: the depot (id 0) has demand %lld, pickup %lld and "
                                      "delivery %lld; expected 0, 0 and 0",
                                      r->name, ln.number, demand, pickup, delivery)
                          : dorf_fail(r->ctx, DORF_EPARSE,
                                      "%s:%ld: the depot (id 0) has demand %lld; expected 0",
                                      r->name, ln.number, demand);
        }
        if (!li_lim && demand < 0) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: demand %lld; expected a customer's demand >= 0", r->name,
                             ln.number, demand);
        }
        if (dorf_grow((void **)rows, &cap, *count + 1, sizeof **rows) != 0) {
            return dorf_fail(r->ctx, DORF_ENOMEM, "%s: out of memory", r->name);
        }
        struct row *row = &(*rows)[*count];
        row->x = v[1];
        row->y = v[2];
        row->demand = (int32_t)demand;
        row->earliest = v[4];
        row->latest = v[5];
        row->service = v[6];
        row->pickup = (uint32_t)pickup;
        row->delivery = (uint32_t)delivery;
        row->line = ln.number;
        (*count)++;
    }
    if (got < 0) {
        return DORF_EPARSE;
    }
    if (*count < 2) {
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: the file ends here; expected %s (%s)",
                         r->name, last_line(r),
                         *count ? "tasks after the depot" : "the depot's line and tasks",
                         li_lim ? "id x y demand earliest latest service pickup delivery"
                                : "id x y demand ready due service");
    }
    return DORF_OK;
}

/* Li & Lim: every pickup and its delivery name each other and move the same amount. */
static dorf_status check_pairs(struct reader *r, const struct row *rows, size_t n, size_t *pairs) {
    *pairs = 0;
    for (size_t k = 1; k < n; k++) {
        const struct row *t = &rows[k];
        int is_pickup = t->pickup == 0 && t->delivery != 0;
        int is_delivery = t->pickup != 0 && t->delivery == 0;
        uint32_t partner = is_pickup ? t->delivery : t->pickup;
        const char *role = is_pickup ? "pickup" : "delivery";
        const char *other = is_pickup ? "delivery" : "pickup";
        if (!is_pickup && !is_delivery) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: task %zu has pickup %u and delivery %u; expected a pickup "
                             "(pickup 0, delivery its delivery's id) or a delivery (pickup its "
                             "pickup's id, delivery 0)",
                             r->name, t->line, k, t->pickup, t->delivery);
        }
        if (is_pickup ? t->demand < 0 : t->demand > 0) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: %s %zu has demand %d; expected a pickup to load (demand "
                             ">= 0) and a delivery to unload (demand <= 0)",
                             r->name, t->line, role, k, (int)t->demand);
        }
        if (partner >= n) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: %s %zu names %s %u, but the file ends with task %zu "
                             "(line %ld); is it truncated?",
                             r->name, t->line, role, k, other, partner, n - 1, rows[n - 1].line);
        }
        if (partner == k) {
            return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: %s %zu names itself as its %s", r->name,
                             t->line, role, k, other);
        }
        const struct row *u = &rows[partner];
        uint32_t back = is_pickup ? u->pickup : u->delivery;
        uint32_t forth = is_pickup ? u->delivery : u->pickup;
        if (back != k || forth != 0) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: %s %zu names %s %u, but task %u (line %ld) has pickup %u "
                             "and delivery %u; expected it to name %zu back",
                             r->name, t->line, role, k, other, partner, partner, u->line, u->pickup,
                             u->delivery, k);
        }
        if ((int64_t)t->demand + u->demand != 0) {
            return dorf_fail(r->ctx, DORF_EPARSE,
                             "%s:%ld: %s %zu has demand %d but its %s %u (line %ld) has %d; "
                             "expected opposite amounts",
                             r->name, t->line, role, k, (int)t->demand, other, partner, u->line,
                             (int)u->demand);
        }
        *pairs += is_pickup;
    }
    return DORF_OK;
}

void dorf_vrp_instance_free(dorf_vrp_instance *instance) {
    if (!instance) {
        return;
    }
    dorf_free(instance->x);
    dorf_free(instance->y);
    dorf_free(instance->travel_matrix);
    dorf_free(instance->tasks);
    dorf_free(instance->requests);
    dorf_free(instance->vehicles);
    dorf_free(instance);
}

/* The file name without directory and extension, cut to fit. */
static void set_name(dorf_vrp_instance *inst, const char *name) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (len >= sizeof inst->name) {
        len = sizeof inst->name - 1;
    }
    memcpy(inst->name, base, len);
    inst->name[len] = '\0';
}

/* Builds the instance from checked rows: task k of the file is task index k - 1. */
static dorf_status build(struct reader *r, dorf_vrp_format format, const struct row *rows, size_t n,
                         size_t requests, int32_t vehicles, int32_t capacity,
                         dorf_vrp_instance **out) {
    dorf_vrp_instance *inst = dorf_calloc(1, sizeof *inst);
    if (!inst || !(inst->x = dorf_malloc(n * sizeof *inst->x)) ||
        !(inst->y = dorf_malloc(n * sizeof *inst->y)) ||
        !(inst->travel_matrix = dorf_malloc(n * n * sizeof *inst->travel_matrix)) ||
        !(inst->tasks = dorf_malloc((n - 1) * sizeof *inst->tasks)) ||
        !(inst->requests = dorf_malloc(requests * sizeof *inst->requests)) ||
        !(inst->vehicles = dorf_malloc((size_t)vehicles * sizeof *inst->vehicles))) {
        dorf_vrp_instance_free(inst);
        return dorf_fail(r->ctx, DORF_ENOMEM, "%s: out of memory for %zu locations", r->name, n);
    }
    set_name(inst, r->name);
    inst->format = format;
    for (size_t a = 0; a < n; a++) {
        inst->x[a] = rows[a].x;
        inst->y[a] = rows[a].y;
    }
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++) {
            double dx = rows[a].x - rows[b].x;
            double dy = rows[a].y - rows[b].y;
            inst->travel_matrix[a * n + b] = sqrt(dx * dx + dy * dy);
        }
    }
    size_t req = 0;
    for (size_t k = 1; k < n; k++) {
        const struct row *row = &rows[k];
        inst->tasks[k - 1] = (dorf_vrp_task){
            .id = (uint32_t)k,
            .location = (uint32_t)k,
            .demand = row->demand,
            .earliest = row->earliest,
            .latest = row->latest,
            .service = row->service,
        };
        if (format == DORF_VRP_SOLOMON || row->delivery != 0) {
            inst->requests[req++] = (dorf_vrp_request){
                .pickup = (uint32_t)(k - 1),
                .delivery = format == DORF_VRP_SOLOMON ? DORF_VRP_NONE : row->delivery - 1,
                .penalty = 0,
                .vehicle = DORF_VRP_NONE,
            };
        }
    }
    for (int32_t v = 0; v < vehicles; v++) {
        inst->vehicles[v] = (dorf_vrp_vehicle){
            .id = (uint32_t)v,
            .start = 0,
            .end = 0,
            .earliest = rows[0].earliest,
            .latest = rows[0].latest,
            .capacity = capacity,
            .profile = 0,
            .max_travel = INFINITY,
            .fixed = NULL,
            .fixed_count = 0,
        };
    }
    inst->travel_profiles[0] = inst->travel_matrix;
    inst->problem = (dorf_vrp_problem){
        .location_count = n,
        .profile_count = 1,
        .travel = inst->travel_profiles,
        .tasks = inst->tasks,
        .task_count = n - 1,
        .requests = inst->requests,
        .request_count = requests,
        .vehicles = inst->vehicles,
        .vehicle_count = (size_t)vehicles,
    };
    /* Whatever the checks above let through, the optimisers must never see. */
    dorf_status st = dorf_vrp_problem_check(r->ctx, &inst->problem);
    if (st != DORF_OK) {
        dorf_vrp_instance_free(inst);
        return dorf_fail_prefix(r->ctx, st == DORF_ENOMEM ? st : DORF_EPARSE, "%s", r->name);
    }
    *out = inst;
    return DORF_OK;
}

/* Li & Lim: the header line is `first`; task lines follow. */
static dorf_status read_li_lim(struct reader *r, const struct line *first,
                               dorf_vrp_instance **out) {
    double v[3];
    long long vehicles = 0;
    long long capacity = 0;
    dorf_status st;
    if ((st = numbers(r, first, 3, li_lim_header_fields, v)) != DORF_OK ||
        (st = whole(r, first->number, "vehicles", v[0], 1, MAX_VEHICLES, &vehicles)) != DORF_OK ||
        (st = whole(r, first->number, "capacity", v[1], 0, INT32_MAX, &capacity)) != DORF_OK) {
        return st;
    }
    if (v[2] < 0) {
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: speed is %g; expected a number >= 0",
                         r->name, first->number, v[2]);
    }
    struct row *rows = NULL;
    size_t n = 0;
    size_t pairs = 0;
    if ((st = read_rows(r, DORF_VRP_LI_LIM, &rows, &n)) == DORF_OK &&
        (st = check_pairs(r, rows, n, &pairs)) == DORF_OK) {
        st = build(r, DORF_VRP_LI_LIM, rows, n, pairs, (int32_t)vehicles, (int32_t)capacity, out);
    }
    dorf_free(rows);
    return st;
}

/* Solomon: the name line has been read; VEHICLE, NUMBER CAPACITY, CUSTOMER and rows follow. */
static dorf_status read_solomon(struct reader *r, const struct line *first,
                                dorf_vrp_instance **out) {
    struct line ln;
    double v[2];
    long long vehicles = 0;
    long long capacity = 0;
    dorf_status st;
    if ((st = require_line(r, &ln, "VEHICLE")) != DORF_OK) {
        return st;
    }
    if (!starts_with_keyword(&ln, "VEHICLE")) {
        return dorf_fail(r->ctx, DORF_EPARSE,
                         "%s:%ld: expected VEHICLE after the name on line %ld (Solomon's format), "
                         "or a first line 'vehicles capacity speed' (Li & Lim's)",
                         r->name, ln.number, first->number);
    }
    if ((st = require_line(r, &ln, "the header line NUMBER CAPACITY")) != DORF_OK) {
        return st;
    }
    if (!starts_with_keyword(&ln, "NUMBER")) {
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: expected the header line NUMBER CAPACITY",
                         r->name, ln.number);
    }
    if ((st = require_line(r, &ln, "the vehicles' number and capacity")) != DORF_OK ||
        (st = numbers(r, &ln, 2, solomon_vehicle_fields, v)) != DORF_OK ||
        (st = whole(r, ln.number, "number", v[0], 1, MAX_VEHICLES, &vehicles)) != DORF_OK ||
        (st = whole(r, ln.number, "capacity", v[1], 0, INT32_MAX, &capacity)) != DORF_OK ||
        (st = require_line(r, &ln, "CUSTOMER")) != DORF_OK) {
        return st;
    }
    if (!starts_with_keyword(&ln, "CUSTOMER")) {
        return dorf_fail(r->ctx, DORF_EPARSE, "%s:%ld: expected CUSTOMER", r->name, ln.number);
    }
    double ignored;
    if ((st = require_line(r, &ln, "the customer table's header line")) != DORF_OK) {
        return st;
    }
    if (parse_number(ln.field[0], ln.len[0], &ignored) == 0) {
        return dorf_fail(r->ctx, DORF_EPARSE,
                         "%s:%ld: expected the customer table's header line (CUST NO. XCOORD. "
                         "YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME) before the rows",
                         r->name, ln.number);
    }
    struct row *rows = NULL;
    size_t n = 0;
    if ((st = read_rows(r, DORF_VRP_SOLOMON, &rows, &n)) == DORF_OK) {
        st = build(r, DORF_VRP_SOLOMON, rows, n, n - 1, (int32_t)vehicles, (int32_t)capacity, out);
    }
    dorf_free(rows);
    return st;
}

dorf_status dorf_vrp_read_buffer(dorf_ctx *ctx, const char *name, const char *text, size_t size,
                                 dorf_vrp_instance **out) {
    if (!out || (!text && size)) {
        return dorf_fail(ctx, DORF_EINVAL, "dorf_vrp_read_buffer: no text or no result");
    }
    *out = NULL;
    struct reader r = {ctx, name ? name : "input", text, text + size, 0};
    struct line first;
    int got = next_line(&r, &first);
    if (got < 0) {
        return DORF_EPARSE;
    }
    if (got == 0) {
        return dorf_fail(ctx, DORF_EPARSE,
                         "%s:%ld: the file is empty; expected 'vehicles capacity speed' (Li & "
                         "Lim) or an instance name (Solomon)",
                         r.name, last_line(&r));
    }
    int numeric = 0;
    for (int i = 0; i < first.count && i < MAX_FIELDS; i++) {
        double v;
        numeric += parse_number(first.field[i], first.len[i], &v) == 0;
    }
    if (first.count >= 2 && numeric == first.count) {
        return read_li_lim(&r, &first, out);
    }
    return read_solomon(&r, &first, out);
}

dorf_status dorf_vrp_read(dorf_ctx *ctx, const char *path, dorf_vrp_instance **out) {
    if (!path || !out) {
        return dorf_fail(ctx, DORF_EINVAL, "dorf_vrp_read: no path or no result");
    }
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    }
    char *text = NULL;
    size_t size = 0;
    size_t cap = 0;
    dorf_status st = DORF_OK;
    for (;;) {
        if (size == cap && dorf_grow((void **)&text, &cap, size + 65536, 1) != 0) {
            st = dorf_fail(ctx, DORF_ENOMEM, "%s: out of memory", path);
            break;
        }
        size_t got = fread(text + size, 1, cap - size, f);
        size += got;
        if (got == 0 || size > MAX_FILE_BYTES) {
            break;
        }
    }
    if (st == DORF_OK && ferror(f)) {
        st = dorf_fail(ctx, DORF_EIO, "%s: %s", path, strerror(errno));
    } else if (st == DORF_OK && size > MAX_FILE_BYTES) {
        st = dorf_fail(ctx, DORF_EPARSE,
                       "%s: larger than %zu MB; expected a benchmark instance of a few MB", path,
                       MAX_FILE_BYTES >> 20);
    }
    fclose(f);
    if (st == DORF_OK) {
        st = dorf_vrp_read_buffer(ctx, path, text, size, out);
    }
    dorf_free(text);
    return st;
}
