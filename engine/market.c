/*
 * market.c: the parts of BestellBar (dorf/market.h) that need no database: order states and
 * the table of legal moves between them, which places count as shops, and the local time in
 * Germany for opening hours.
 *
 * The local time follows the EU summer-time rule (Directive 2000/84/EC): CEST from 01:00 UTC
 * on the last Sunday of March to 01:00 UTC on the last Sunday of October, CET otherwise. Dates
 * are converted with Howard Hinnant's days-from-civil algorithm
 * (https://howardhinnant.github.io/date_algorithms.html), so no TZ database or global state
 * is involved.
 */
#include <string.h>

#include "dorf/market.h"

static const char *const state_names[DORF_ORDER_STATE_COUNT] = {
    "placed", "accepted", "ready", "collected", "handed_over", "delivered", "cancelled", "rejected",
};

const char *dorf_order_state_name(dorf_order_state state) {
    if ((unsigned)state >= DORF_ORDER_STATE_COUNT) {
        return "unknown";
    }
    return state_names[state];
}

dorf_status dorf_order_state_from_name(const char *name, dorf_order_state *out) {
    for (int i = 0; name && i < DORF_ORDER_STATE_COUNT; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (dorf_order_state)i;
            return DORF_OK;
        }
    }
    return DORF_EINVAL;
}

/* The legal moves and who may make them. Anything not listed is illegal. */
static const struct {
    dorf_order_state from;
    dorf_order_state to;
    unsigned parties;
    int delivery_only;
} transitions[] = {
    {DORF_ORDER_PLACED, DORF_ORDER_ACCEPTED, DORF_PARTY_SHOP, 0},
    {DORF_ORDER_PLACED, DORF_ORDER_REJECTED, DORF_PARTY_SHOP, 0},
    {DORF_ORDER_PLACED, DORF_ORDER_CANCELLED, DORF_PARTY_CITIZEN, 0},
    {DORF_ORDER_ACCEPTED, DORF_ORDER_READY, DORF_PARTY_SHOP, 0},
    {DORF_ORDER_ACCEPTED, DORF_ORDER_CANCELLED, DORF_PARTY_CITIZEN, 0},
    {DORF_ORDER_READY, DORF_ORDER_COLLECTED, DORF_PARTY_SHOP, 0},
    {DORF_ORDER_READY, DORF_ORDER_HANDED_OVER, DORF_PARTY_SHOP, 1},
    {DORF_ORDER_HANDED_OVER, DORF_ORDER_DELIVERED, DORF_PARTY_LIEFERBAR, 1},
};

unsigned dorf_order_transition_parties(dorf_order_state from, dorf_order_state to, int delivery) {
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
        if (transitions[i].from == from && transitions[i].to == to) {
            return transitions[i].delivery_only && !delivery ? 0 : transitions[i].parties;
        }
    }
    return 0;
}

int dorf_market_place_is_shop(const char *category, const char *shop_tag) {
    static const char *const selling[] = {"grocery", "bakery", "butcher", "pharmacy", "shop_other"};
    if (shop_tag && *shop_tag) {
        return 1;
    }
    for (size_t i = 0; category && i < sizeof selling / sizeof selling[0]; i++) {
        if (strcmp(category, selling[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static void civil_from_days(int64_t days, int *year, int *month, int *day) {
    int64_t y;
    dorf_civil_from_days(days, &y, month, day);
    *year = (int)y;
}

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* 01:00 UTC on the last Sunday of `month` (31 days long: March, October) of `year`. */
static int64_t last_sunday_0100_utc(int year, int month) {
    const int64_t days = dorf_days_from_civil(year, month, 31);
    /* 1970-01-01 was a Thursday: weekday (Monday 0) of day z is (z + 3) mod 7. */
    const int64_t weekday = ((days + 3) % 7 + 7) % 7;
    return (days - (weekday + 1) % 7) * 86400 + 3600;
}

dorf_local_time dorf_market_local_time(int64_t utc_s) {
    int year = 0;
    int month = 0;
    int day = 0;
    civil_from_days(floor_div(utc_s, 86400), &year, &month, &day);
    const int summer =
        utc_s >= last_sunday_0100_utc(year, 3) && utc_s < last_sunday_0100_utc(year, 10);
    const int64_t local = utc_s + (summer ? 7200 : 3600);
    const int64_t days = floor_div(local, 86400);
    dorf_local_time t;
    civil_from_days(days, &t.year, &t.month, &t.day);
    t.minute = (int)((local - days * 86400) / 60);
    return t;
}
