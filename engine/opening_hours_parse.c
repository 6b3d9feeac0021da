/*
 * opening_hours_parse.c: reads an OpenStreetMap opening_hours value into its parsed form.
 *
 * The grammar is the part of the OSM specification
 * (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification) that mappers use:
 * month and date ranges, weekdays with an optional [n]th-of-month, PH, time spans, 24/7, the
 * modifiers open/closed/off/unknown and quoted comments, joined by ";", "," and "||". Years,
 * week numbers, easter, school holidays, day offsets, sunrise/sunset and repeating spans are
 * refused with DORF_EPARSE instead of being guessed at, and so is anything
 * else outside the grammar; the message names the character where reading stopped and what
 * could have stood there. Leniency is limited to forms with one possible meaning: any letter
 * case, blanks (also no-break spaces) around "-" and ",", one-digit hours ("8:00"), an en dash for
 * "-", a ':' after the weekdays, a missing comma between time spans and a trailing ";". A ","
 * continues the list it stands in (dates, weekdays, times) when the next item fits that list;
 * otherwise it starts an additional rule. The parser collects rules, spans and dates in growing
 * arrays and moves them into one block at the end (see opening_hours_internal.h).
 *
 * Open ends are the one guess: "18:00+" (closing time unknown) counts as open until the end of
 * that day, and "10:00-18:00+" (open at least until 18:00) as open until 18:00. Mappers use
 * them for shops that close "when the last customer leaves"; refusing them would drop real
 * places from coverage, and midnight is the reading opening_hours.js also gives for the
 * open-ended span's day.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dorf/alloc.h"
#include "opening_hours_internal.h"

/* Error excerpts show this many bytes of long values around the failing position. */
#define EXCERPT_MAX 60
#define MIN_PER_DAY DORF_OH_MIN_PER_DAY

static const char *const weekday_names[7] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
/* Longest month lengths: a date selector may name Feb 29, which then matches in leap years. */
static const int month_max_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct parser {
    dorf_ctx *ctx;
    const char *text;
    size_t pos;
    struct oh_rule *rules;
    size_t n_rules;
    size_t cap_rules;
    struct oh_span *spans;
    size_t n_spans;
    size_t cap_spans;
    struct oh_date_range *dates;
    size_t n_dates;
    size_t cap_dates;
};

static bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static bool is_continuation(char c) {
    return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t word_len(const char *s) {
    size_t n = 0;
    while (is_alpha(s[n])) {
        n++;
    }
    return n;
}

static size_t digit_len(const char *s) {
    size_t n = 0;
    while (is_digit(s[n])) {
        n++;
    }
    return n;
}

/* Value of the n (at most 4) digits at s. */
static int digits_value(const char *s, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n && i < 4; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* True when the word s[0..len) is `keyword`, ignoring ASCII case (mappers write "mo-fr", "OFF"). */
static bool word_is(const char *s, size_t len, const char *keyword) {
    if (strlen(keyword) != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((s[i] | 0x20) != (keyword[i] | 0x20)) {
            return false;
        }
    }
    return true;
}

static int find_name(const char *s, const char *const *names, int count) {
    size_t len = word_len(s);
    for (int i = 0; i < count; i++) {
        if (word_is(s, len, names[i])) {
            return i;
        }
    }
    return -1;
}

static int weekday_at(const char *s) {
    return find_name(s, weekday_names, 7);
}

static int month_at(const char *s) {
    return find_name(s, month_names, 12);
}

static bool keyword_at(const char *s, const char *keyword) {
    return word_is(s, word_len(s), keyword);
}

/* Length of a range dash at s: "-", or the en dash U+2013 that word processors put there. */
static size_t dash_len(const char *s) {
    if (s[0] == '-') {
        return 1;
    }
    if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x93) {
        return 3;
    }
    return 0;
}

/* True when a day of the month stands at s: digits not followed by ':' (that is an hour). */
static bool day_number_at(const char *s) {
    size_t n = digit_len(s);
    return n > 0 && s[n] != ':';
}

static bool variable_time_at(const char *s) {
    size_t n = word_len(s);
    return s[0] == '(' || word_is(s, n, "sunrise") || word_is(s, n, "sunset") ||
           word_is(s, n, "dawn") || word_is(s, n, "dusk");
}

static const char *cur(const struct parser *p) {
    return p->text + p->pos;
}

/* Skips blanks, including the no-break space (U+00A0) that copying from web pages brings in. */
static void skip_ws(struct parser *p) {
    for (;;) {
        const char *s = cur(p);
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            p->pos++;
        } else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) {
            p->pos += 2;
        } else {
            return;
        }
    }
}

/* Names what stands at s for an error message: 'Montag', '25', '@', the end of the value. */
static void describe(const char *s, char *buf, size_t size) {
    unsigned char c = (unsigned char)s[0];
    size_t n = word_len(s);
    if (n == 0) {
        n = digit_len(s);
    }
    if (c == 0) {
        snprintf(buf, size, "the end of the value");
        return;
    }
    if (c < 0x20 || c == 0x7F) {
        snprintf(buf, size, "control character 0x%02X", c);
        return;
    }
    if (n == 0) {
        /* One character, all of its UTF-8 bytes. */
        n = 1;
        while (n < 4 && is_continuation(s[n])) {
            n++;
        }
    }
    snprintf(buf, size, "'%.*s'", (int)(n > 20 ? 20 : n), s);
}

static dorf_status fail_at(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Records "opening_hours "<value>": at character N: <what>", N counted in characters (not
 * bytes) from 1. Long values are cut to a window around N; control characters are masked so
 * that the message stays printable.
 */
static dorf_status fail_at(struct parser *p, size_t at, const char *fmt, ...) {
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);

    const char *text = p->text;
    size_t len = strlen(text);
    size_t from = 0;
    size_t to = len;
    if (len > EXCERPT_MAX) {
        from = at > EXCERPT_MAX / 2 ? at - EXCERPT_MAX / 2 : 0;
        to = from + EXCERPT_MAX;
        if (to > len) {
            to = len;
            from = len - EXCERPT_MAX;
        }
        /* Keep whole UTF-8 characters, but never walk far through malformed input. */
        for (int i = 0; i < 3 && from > 0 && is_continuation(text[from]); i++) {
            from--;
        }
        for (int i = 0; i < 3 && to < len && is_continuation(text[to]); i++) {
            to++;
        }
    }
    char excerpt[EXCERPT_MAX + 16];
    size_t n = 0;
    if (from > 0) {
        memcpy(excerpt, "...", 3);
        n = 3;
    }
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        excerpt[n++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
    }
    if (to < len) {
        memcpy(excerpt + n, "...", 3);
        n += 3;
    }
    excerpt[n] = '\0';

    size_t column = 1;
    for (size_t i = 0; i < at && text[i]; i++) {
        column += !is_continuation(text[i]);
    }
    return dorf_fail(p->ctx, DORF_EPARSE, "opening_hours \"%s\": at character %zu: %s", excerpt,
                     column, what);
}

static dorf_status out_of_memory(struct parser *p) {
    return dorf_fail(p->ctx, DORF_ENOMEM, "opening_hours: out of memory");
}

static dorf_status push_span(struct parser *p, int start_min, int end_min) {
    void *items = p->spans;
    if (dorf_grow(&items, &p->cap_spans, p->n_spans + 1, sizeof *p->spans) != 0) {
        return out_of_memory(p);
    }
    p->spans = items;
    p->spans[p->n_spans++] = (struct oh_span){(int16_t)start_min, (int16_t)end_min};
    return DORF_OK;
}

static dorf_status push_date(struct parser *p, struct oh_date_range d) {
    void *items = p->dates;
    if (dorf_grow(&items, &p->cap_dates, p->n_dates + 1, sizeof *p->dates) != 0) {
        return out_of_memory(p);
    }
    p->dates = items;
    p->dates[p->n_dates++] = d;
    return DORF_OK;
}

static dorf_status push_rule(struct parser *p, const struct oh_rule *r) {
    void *items = p->rules;
    if (dorf_grow(&items, &p->cap_rules, p->n_rules + 1, sizeof *p->rules) != 0) {
        return out_of_memory(p);
    }
    p->rules = items;
    p->rules[p->n_rules++] = *r;
    return DORF_OK;
}

/* Refuses the selectors this parser does not evaluate, where a rule or its weekdays begin. */
static dorf_status refuse_unsupported(struct parser *p) {
    const char *s = cur(p);
    size_t nd = digit_len(s);
    if (nd >= 3 && s[nd] != ':') {
        return fail_at(p, p->pos, "years (such as '2026 Dec 24') are not supported");
    }
    if (keyword_at(s, "week")) {
        return fail_at(p, p->pos, "week numbers (such as 'week 01-26') are not supported");
    }
    if (keyword_at(s, "easter")) {
        return fail_at(p, p->pos, "'easter' dates are not supported");
    }
    return DORF_OK;
}

/* A day of `month` (0..11) at the current position. */
static dorf_status parse_day_number(struct parser *p, int month, int *day) {
    const char *s = cur(p);
    size_t n = digit_len(s);
    int v = digits_value(s, n);
    if (n > 2 || v < 1 || v > month_max_days[month]) {
        return fail_at(p, p->pos, "day %.*s does not exist in %s", (int)(n > 6 ? 6 : n), s,
                       month_names[month]);
    }
    p->pos += n;
    *day = v;
    return DORF_OK;
}

/* "Jan", "Jan-Mar", "Dec 24", "Dec 24-26", "Dec 24-Jan 06" and lists of them ("Dec 24,26"). */
static dorf_status parse_dates(struct parser *p) {
    int month = 0;
    for (;;) {
        int m = month_at(cur(p));
        if (m >= 0) {
            month = m;
            p->pos += 3;
        }
        /* Otherwise a bare day continues the previous item's month ("Dec 24,26"). */
        struct oh_date_range d = {(uint8_t)(month + 1), 0, (uint8_t)(month + 1), 0};
        size_t save = p->pos;
        skip_ws(p);
        dorf_status st;
        if (day_number_at(cur(p))) {
            int day;
            if ((st = parse_day_number(p, month, &day)) != DORF_OK) {
                return st;
            }
            d.from_day = d.to_day = (uint8_t)day;
            save = p->pos;
            skip_ws(p);
            size_t dash = dash_len(cur(p));
            if (dash) {
                p->pos += dash;
                skip_ws(p);
                int to_month = month_at(cur(p));
                if (to_month >= 0) {
                    p->pos += 3;
                    skip_ws(p);
                } else {
                    to_month = month;
                }
                if (!day_number_at(cur(p))) {
                    return fail_at(p, p->pos, "expected the day the date range ends on");
                }
                size_t at = p->pos;
                if ((st = parse_day_number(p, to_month, &day)) != DORF_OK) {
                    return st;
                }
                d.to_month = (uint8_t)(to_month + 1);
                d.to_day = (uint8_t)day;
                if (d.to_month == d.from_month && d.to_day < d.from_day) {
                    return fail_at(p, at, "the date range ends before it starts");
                }
                month = to_month;
            } else {
                p->pos = save;
            }
        } else {
            skip_ws(p);
            size_t dash = dash_len(cur(p));
            if (dash) {
                p->pos += dash;
                skip_ws(p);
                int to_month = month_at(cur(p));
                if (to_month < 0) {
                    char tok[48];
                    describe(cur(p), tok, sizeof tok);
                    return fail_at(p, p->pos, "expected a month (Jan..Dec) after '-', found %s",
                                   tok);
                }
                p->pos += 3;
                save = p->pos;
                skip_ws(p);
                if (day_number_at(cur(p))) {
                    return fail_at(p, p->pos,
                                   "a month range cannot end on a day: write it as "
                                   "'Jan 01-Mar 15'");
                }
                p->pos = save;
                d.to_month = (uint8_t)(to_month + 1);
                month = to_month;
            } else {
                p->pos = save;
            }
        }
        if ((st = push_date(p, d)) != DORF_OK) {
            return st;
        }
        save = p->pos;
        skip_ws(p);
        if (*cur(p) == ',') {
            p->pos++;
            skip_ws(p);
            if (month_at(cur(p)) >= 0 || (d.from_day && day_number_at(cur(p)))) {
                continue;
            }
        }
        /* Whatever follows belongs to the rest of the rule, or is the next rule after ",". */
        p->pos = save;
        return DORF_OK;
    }
}

/* "[1]", "[-1]", "[1,3]", "[1-2]" after a single weekday w. */
static dorf_status parse_nth(struct parser *p, struct oh_rule *r, int w) {
    p->pos++;
    for (;;) {
        skip_ws(p);
        bool last = *cur(p) == '-';
        if (last) {
            p->pos++;
        }
        int from = 0;
        int to = 0;
        for (int i = 0; i < 2; i++) {
            const char *s = cur(p);
            if (digit_len(s) != 1 || s[0] < '1' || s[0] > '5') {
                return fail_at(p, p->pos,
                               "expected a week of the month 1..5 (or -1..-5 counting "
                               "from the end) inside [...]");
            }
            to = s[0] - '0';
            from = i == 0 ? to : from;
            p->pos++;
            if (i == 1 || last || *cur(p) != '-') {
                break;
            }
            p->pos++;
        }
        if (to < from) {
            return fail_at(p, p->pos - 1, "the range inside [...] ends before it starts");
        }
        for (int k = from; k <= to; k++) {
            r->weekday[w] |= (uint16_t)(last ? OH_NTH_LAST(k) : OH_NTH_FIRST(k));
        }
        skip_ws(p);
        if (*cur(p) == ',') {
            p->pos++;
            continue;
        }
        if (*cur(p) != ']') {
            return fail_at(p, p->pos, "expected ',' or ']' to close the [...] after %s",
                           weekday_names[w]);
        }
        p->pos++;
        break;
    }
    size_t save = p->pos;
    skip_ws(p);
    if (*cur(p) == '+' || (*cur(p) == '-' && is_digit(cur(p)[1]))) {
        return fail_at(p, p->pos, "day offsets (such as 'Su[-1] -1 day') are not supported");
    }
    p->pos = save;
    return DORF_OK;
}

/* "Mo-Fr", "Sa-Mo", "Mo,We,Fr", "Th[3]", "PH", "Mo-Fr,PH". */
static dorf_status parse_days(struct parser *p, struct oh_rule *r) {
    r->has_days = true;
    for (;;) {
        const char *s = cur(p);
        size_t at = p->pos;
        int w = weekday_at(s);
        dorf_status st;
        char tok[48];
        if (keyword_at(s, "PH")) {
            r->holidays = true;
            p->pos += 2;
            size_t save = p->pos;
            skip_ws(p);
            if (*cur(p) == '+' || (*cur(p) == '-' && is_digit(cur(p)[1]))) {
                return fail_at(p, p->pos, "day offsets (such as 'PH +1 day') are not supported");
            }
            p->pos = save;
        } else if (keyword_at(s, "SH")) {
            return fail_at(p, at, "school holidays (SH) are not supported");
        } else if (w >= 0) {
            p->pos += 2;
            size_t save = p->pos;
            skip_ws(p);
            size_t dash = dash_len(cur(p));
            if (dash) {
                p->pos += dash;
                skip_ws(p);
                int last = weekday_at(cur(p));
                if (last < 0) {
                    describe(cur(p), tok, sizeof tok);
                    return fail_at(p, p->pos, "expected a weekday (Mo..Su) after '-', found %s",
                                   tok);
                }
                p->pos += 2;
                /* Ranges wrap over the weekend: Sa-Mo is Sa, Su, Mo. */
                for (int d = w;; d = (d + 1) % 7) {
                    r->weekday[d] |= OH_NTH_EVERY;
                    if (d == last) {
                        break;
                    }
                }
                if (*cur(p) == '[') {
                    return fail_at(p, p->pos,
                                   "[n] can only follow a single weekday (such as Mo[1]), not a "
                                   "range");
                }
            } else if (*cur(p) == '[') {
                if ((st = parse_nth(p, r, w)) != DORF_OK) {
                    return st;
                }
            } else {
                p->pos = save;
                r->weekday[w] |= OH_NTH_EVERY;
            }
        } else {
            describe(s, tok, sizeof tok);
            return fail_at(p, at, "expected a weekday (Mo..Su) or PH, found %s", tok);
        }
        size_t save = p->pos;
        skip_ws(p);
        if (*cur(p) == ',') {
            p->pos++;
            skip_ws(p);
            s = cur(p);
            if (weekday_at(s) >= 0 || keyword_at(s, "PH") || keyword_at(s, "SH")) {
                continue;
            }
        } else if (weekday_at(cur(p)) >= 0 || keyword_at(cur(p), "PH")) {
            return fail_at(p, p->pos,
                           "weekdays and holidays are listed with ',' (\"PH Mo-Fr\", holidays "
                           "that fall on weekdays, is not supported)");
        }
        p->pos = save;
        return DORF_OK;
    }
}

/* A time of day "08:00" or "8:00"; 24:00 only when `closing`. */
static dorf_status parse_clock(struct parser *p, bool closing, int *minute) {
    const char *s = cur(p);
    size_t at = p->pos;
    size_t nh = digit_len(s);
    if (nh == 0 || nh > 2) {
        char tok[48];
        describe(s, tok, sizeof tok);
        return fail_at(p, at, "expected a time such as 08:00, found %s", tok);
    }
    if (s[nh] != ':') {
        return fail_at(p, at + nh, "expected ':' and two-digit minutes after the hour");
    }
    if (!is_digit(s[nh + 1]) || !is_digit(s[nh + 2]) || is_digit(s[nh + 3])) {
        return fail_at(p, at + nh + 1, "expected two-digit minutes after ':'");
    }
    int hour = digits_value(s, nh);
    int min = digits_value(s + nh + 1, 2);
    if (hour > 24) {
        return fail_at(p, at, "hour %d is out of range 0..24", hour);
    }
    if (min > 59) {
        return fail_at(p, at + nh + 1, "minute %d is out of range 0..59", min);
    }
    if (hour == 24 && min != 0) {
        return fail_at(
            p, at, "24:%02d is past the end of the day (the latest closing time is 24:00)", min);
    }
    if (hour == 24 && !closing) {
        return fail_at(p, at, "24:00 can end a time span but not begin one (use 00:00)");
    }
    p->pos += nh + 3;
    *minute = hour * 60 + min;
    return DORF_OK;
}

/* "24/7", or time spans "08:00-12:00,14:00-18:00", spans past midnight ("22:00-02:00"). */
static dorf_status parse_times(struct parser *p) {
    if (strncmp(cur(p), "24/7", 4) == 0) {
        p->pos += 4;
        return push_span(p, 0, MIN_PER_DAY);
    }
    for (;;) {
        size_t at = p->pos;
        int start;
        int end;
        dorf_status st;
        if (variable_time_at(cur(p))) {
            return fail_at(p, p->pos, "sunrise, sunset, dawn and dusk are not supported");
        }
        if ((st = parse_clock(p, false, &start)) != DORF_OK) {
            return st;
        }
        skip_ws(p);
        if (*cur(p) == '+') {
            /* Open end, closing time unknown: counted as open until the end of that day. */
            p->pos++;
            if ((st = push_span(p, start, MIN_PER_DAY)) != DORF_OK) {
                return st;
            }
            goto next_span;
        }
        size_t dash = dash_len(cur(p));
        if (!dash) {
            return fail_at(p, p->pos, "expected '-' and a closing time after %02d:%02d", start / 60,
                           start % 60);
        }
        p->pos += dash;
        skip_ws(p);
        if (variable_time_at(cur(p))) {
            return fail_at(p, p->pos, "sunrise, sunset, dawn and dusk are not supported");
        }
        if ((st = parse_clock(p, true, &end)) != DORF_OK) {
            return st;
        }
        if (*cur(p) == '+') {
            p->pos++; /* "10:00-18:00+": open at least until 18:00; the known part counts */
        }
        if (*cur(p) == '/') {
            return fail_at(p, p->pos,
                           "repeating times (such as '10:00-16:00/01:30') are not "
                           "supported");
        }
        if (end == start) {
            return fail_at(p, at,
                           "the time span begins and ends at %02d:%02d (write 00:00-24:00 for "
                           "the whole day)",
                           start / 60, start % 60);
        }
        if (end < start) {
            end += MIN_PER_DAY;
        }
        if ((st = push_span(p, start, end)) != DORF_OK) {
            return st;
        }
    next_span:;
        size_t save = p->pos;
        skip_ws(p);
        if (*cur(p) == ',') {
            p->pos++;
            skip_ws(p);
            if (is_digit(*cur(p)) || variable_time_at(cur(p))) {
                continue;
            }
        } else if (is_digit(*cur(p))) {
            /* "08:00-12:00 14:00-18:00": a missing comma; nothing else can start with a digit. */
            continue;
        }
        p->pos = save;
        return DORF_OK;
    }
}

/* One rule: [dates] [weekdays/PH] [times] [modifier] ["comment"]. */
static dorf_status parse_rule(struct parser *p, enum oh_rule_kind kind) {
    struct oh_rule r;
    memset(&r, 0, sizeof r);
    r.kind = (uint8_t)kind;
    r.state = OH_STATE_OPEN;
    r.first_span = (uint32_t)p->n_spans;
    r.first_date = (uint32_t)p->n_dates;
    size_t start = p->pos;
    bool says_something = false;
    dorf_status st;

    if ((st = refuse_unsupported(p)) != DORF_OK) {
        return st;
    }
    if (month_at(cur(p)) >= 0) {
        if ((st = parse_dates(p)) != DORF_OK) {
            return st;
        }
        skip_ws(p);
        if ((st = refuse_unsupported(p)) != DORF_OK) {
            return st;
        }
        says_something = true;
    }
    const char *s = cur(p);
    if (weekday_at(s) >= 0 || keyword_at(s, "PH") || keyword_at(s, "SH")) {
        if ((st = parse_days(p, &r)) != DORF_OK) {
            return st;
        }
        skip_ws(p);
        /* "Mo-Fr: 08:00-12:00" is a common slip; a ':' cannot mean anything else here. */
        if (*cur(p) == ':') {
            p->pos++;
            skip_ws(p);
        }
        says_something = true;
    }
    if (is_digit(*cur(p)) || variable_time_at(cur(p))) {
        if ((st = parse_times(p)) != DORF_OK) {
            return st;
        }
        skip_ws(p);
        says_something = true;
    }
    s = cur(p);
    size_t n = word_len(s);
    if (word_is(s, n, "open") || word_is(s, n, "closed") || word_is(s, n, "off") ||
        word_is(s, n, "unknown")) {
        r.state = word_is(s, n, "open")      ? OH_STATE_OPEN
                  : word_is(s, n, "unknown") ? OH_STATE_UNKNOWN
                                             : OH_STATE_CLOSED;
        p->pos += n;
        skip_ws(p);
        says_something = true;
    }
    if (*cur(p) == '"') {
        size_t at = p->pos;
        const char *close = strchr(cur(p) + 1, '"');
        if (!close) {
            return fail_at(p, at, "the comment that starts here is not closed with '\"'");
        }
        r.comment_at = (uint32_t)(at + 1);
        r.comment_len = (uint32_t)(close - (cur(p) + 1));
        p->pos = (size_t)(close - p->text) + 1;
        r.comment_only = !says_something;
        says_something = true;
    }
    if (!says_something) {
        char tok[48];
        describe(cur(p), tok, sizeof tok);
        return fail_at(p, start,
                       "expected a rule (a month, weekday, PH, time span such as 08:00-18:00, "
                       "24/7, open, off or a \"comment\"), found %s",
                       tok);
    }
    r.n_spans = (uint32_t)(p->n_spans - r.first_span);
    r.n_dates = (uint32_t)(p->n_dates - r.first_date);
    return push_rule(p, &r);
}

static size_t align_up(size_t n, size_t align) {
    return (n + align - 1) / align * align;
}

/* Moves the parsed arrays and the text into one block. */
static dorf_status build(struct parser *p, dorf_opening_hours **out) {
    size_t text_len = strlen(p->text);
    size_t off_rules = align_up(sizeof(struct dorf_opening_hours), _Alignof(struct oh_rule));
    size_t off_spans =
        align_up(off_rules + p->n_rules * sizeof(struct oh_rule), _Alignof(struct oh_span));
    size_t off_dates =
        align_up(off_spans + p->n_spans * sizeof(struct oh_span), _Alignof(struct oh_date_range));
    size_t off_text = off_dates + p->n_dates * sizeof(struct oh_date_range);
    char *block = dorf_malloc(off_text + text_len + 1);
    if (!block) {
        return out_of_memory(p);
    }
    struct dorf_opening_hours *oh = (struct dorf_opening_hours *)(void *)block;
    struct oh_rule *rules = (struct oh_rule *)(void *)(block + off_rules);
    struct oh_span *spans = (struct oh_span *)(void *)(block + off_spans);
    struct oh_date_range *dates = (struct oh_date_range *)(void *)(block + off_dates);
    char *text = block + off_text;
    if (p->n_rules) {
        memcpy(rules, p->rules, p->n_rules * sizeof *rules);
    }
    if (p->n_spans) {
        memcpy(spans, p->spans, p->n_spans * sizeof *spans);
    }
    if (p->n_dates) {
        memcpy(dates, p->dates, p->n_dates * sizeof *dates);
    }
    memcpy(text, p->text, text_len + 1);
    oh->n_rules = p->n_rules;
    oh->uses_holidays = false;
    for (size_t i = 0; i < p->n_rules; i++) {
        oh->uses_holidays = oh->uses_holidays || rules[i].holidays;
    }
    oh->rules = rules;
    oh->spans = spans;
    oh->dates = dates;
    oh->text = text;
    *out = oh;
    return DORF_OK;
}

dorf_status dorf_opening_hours_parse(dorf_ctx *ctx, const char *text, dorf_opening_hours **out) {
    if (!out) {
        return dorf_fail(ctx, DORF_EINVAL, "dorf_opening_hours_parse: out is NULL");
    }
    *out = NULL;
    if (!text) {
        return dorf_fail(ctx, DORF_EINVAL, "dorf_opening_hours_parse: text is NULL");
    }
    struct parser p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.text = text;
    dorf_status st;
    enum oh_rule_kind kind = OH_RULE_NORMAL;

    skip_ws(&p);
    if (!*cur(&p)) {
        st = fail_at(&p, p.pos, "the value is empty (expected a rule such as Mo-Fr 08:00-18:00)");
        goto fail;
    }
    for (;;) {
        if ((st = parse_rule(&p, kind)) != DORF_OK) {
            goto fail;
        }
        skip_ws(&p);
        char c = *cur(&p);
        if (c == '\0') {
            break;
        }
        if (c == ';') {
            /* Lenient: a trailing ";" and empty rules (";;") say nothing and are skipped. */
            while (*cur(&p) == ';') {
                p.pos++;
                skip_ws(&p);
            }
            if (!*cur(&p)) {
                break;
            }
            kind = OH_RULE_NORMAL;
        } else if (c == '|' && cur(&p)[1] == '|') {
            p.pos += 2;
            skip_ws(&p);
            kind = OH_RULE_FALLBACK;
        } else if (c == ',') {
            p.pos++;
            skip_ws(&p);
            kind = OH_RULE_ADDITIONAL;
        } else {
            char tok[48];
            describe(cur(&p), tok, sizeof tok);
            st = fail_at(&p, p.pos,
                         "unexpected %s: expected ';', ',' or '||' before the next rule, or the "
                         "end of the value",
                         tok);
            goto fail;
        }
    }
    st = build(&p, out);

fail:
    dorf_free(p.rules);
    dorf_free(p.spans);
    dorf_free(p.dates);
    return st;
}

void dorf_opening_hours_free(dorf_opening_hours *oh) {
    dorf_free(oh);
}
