/*
 * opening_hours_internal.h: the parsed form of an opening_hours value, shared by the parser
 * (opening_hours_parse.c) and the evaluator (opening_hours.c). Not part of the public API.
 *
 * A parsed value is one block: this header struct, then the rules, their time spans and date
 * ranges as flat arrays, then a copy of the text that comments point into.
 */
#ifndef DORF_OPENING_HOURS_INTERNAL_H
#define DORF_OPENING_HOURS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dorf/opening_hours.h"

#define DORF_OH_MIN_PER_DAY 1440

/* How a rule joins the rules before it: ";" (or first), "," or "||". */
enum oh_rule_kind { OH_RULE_NORMAL, OH_RULE_ADDITIONAL, OH_RULE_FALLBACK };
/* What a rule says about its spans: open (the default), closed/off, or unknown. */
enum oh_rule_state { OH_STATE_OPEN, OH_STATE_CLOSED, OH_STATE_UNKNOWN };

/*
 * Bits of rule.weekday[w]: OH_NTH_EVERY selects every such weekday; the others select it only as
 * the n-th (Mo[2]) or n-th last (Su[-1]) of its month.
 */
#define OH_NTH_EVERY 1u
#define OH_NTH_FIRST(n) (1u << (n))
#define OH_NTH_LAST(n) (1u << (5 + (n)))

/* Minutes from the start of the rule's day: start in 0..1439, end in start+1..start+1439. */
struct oh_span {
    int16_t start_min;
    int16_t end_min;
};

/* Months 1..12; day 0 stands for the whole month. from > to wraps over New Year. */
struct oh_date_range {
    uint8_t from_month;
    uint8_t from_day;
    uint8_t to_month;
    uint8_t to_day;
};

struct oh_rule {
    uint8_t kind;
    uint8_t state;
    bool has_days;     /* weekday or holiday selector given; without one every day is selected */
    bool holidays;     /* PH selected */
    bool comment_only; /* a bare comment: kept, but says nothing about times */
    uint16_t weekday[7];
    uint32_t first_span;
    uint32_t n_spans; /* 0: no time selector, i.e. the whole day */
    uint32_t first_date;
    uint32_t n_dates; /* 0: every date */
    uint32_t comment_at;
    uint32_t comment_len;
};

struct dorf_opening_hours {
    size_t n_rules;
    bool uses_holidays;
    const struct oh_rule *rules;
    const struct oh_span *spans;
    const struct oh_date_range *dates;
    const char *text;
};

#endif
