/*
 * holidays.c: the German public-holiday calendar behind the "PH" selector of opening_hours.
 *
 * Holidays are the nationwide ones plus those of the 16 states, chosen by ISO 3166-2 code
 * ("DE-BY"); "DE", NULL and any unknown code mean the nationwide list. Rules hold from 1995 on,
 * the year Repentance Day stopped being nationwide; earlier dates are answered by the same rules
 * and are not historically exact. Holidays that only some municipalities keep are simplified:
 * Assumption Day counts for all of Bavaria (by law only for its mostly Catholic municipalities),
 * Corpus Christi is not counted for the Catholic parts of Saxony and Thuringia, and Augsburg's
 * Peace Festival (8 August) is left out. Easter Sunday is computed with the Anonymous Gregorian
 * algorithm (published anonymously in Nature, 1876; as given by J. Meeus, Astronomical
 * Algorithms, 2nd ed., 1998, chapter 8), valid for every Gregorian year from 1583.
 */
#include "dorf/opening_hours.h"

#include <stddef.h>

enum holiday {
    NEW_YEAR,
    EPIPHANY,
    WOMENS_DAY,
    GOOD_FRIDAY,
    EASTER_SUNDAY,
    EASTER_MONDAY,
    LABOUR_DAY,
    LIBERATION_DAY,
    ASCENSION,
    WHIT_SUNDAY,
    WHIT_MONDAY,
    CORPUS_CHRISTI,
    ASSUMPTION,
    CHILDRENS_DAY,
    GERMAN_UNITY,
    REFORMATION_DAY,
    ALL_SAINTS,
    REPENTANCE_DAY,
    CHRISTMAS_DAY,
    BOXING_DAY
};

/* Where and in which years a holiday is kept; region "DE" is everywhere. */
static const struct observance {
    const char *region;
    enum holiday holiday;
    int first_year;
    int last_year;
} observances[] = {
    {"DE", NEW_YEAR, 0, 9999},
    {"DE", GOOD_FRIDAY, 0, 9999},
    {"DE", EASTER_MONDAY, 0, 9999},
    {"DE", LABOUR_DAY, 0, 9999},
    {"DE", ASCENSION, 0, 9999},
    {"DE", WHIT_MONDAY, 0, 9999},
    {"DE", GERMAN_UNITY, 1990, 9999},
    {"DE", CHRISTMAS_DAY, 0, 9999},
    {"DE", BOXING_DAY, 0, 9999},
    /* The 500th anniversary of the Reformation was a one-off nationwide holiday. */
    {"DE", REFORMATION_DAY, 2017, 2017},
    {"DE", REPENTANCE_DAY, 0, 1994},

    {"DE-BW", EPIPHANY, 0, 9999},
    {"DE-BY", EPIPHANY, 0, 9999},
    {"DE-ST", EPIPHANY, 0, 9999},

    {"DE-BE", WOMENS_DAY, 2019, 9999},
    {"DE-MV", WOMENS_DAY, 2023, 9999},

    /* Brandenburg and Hesse name Easter Sunday and Whit Sunday in their holiday laws. */
    {"DE-BB", EASTER_SUNDAY, 0, 9999},
    {"DE-HE", EASTER_SUNDAY, 0, 9999},
    {"DE-BB", WHIT_SUNDAY, 0, 9999},
    {"DE-HE", WHIT_SUNDAY, 0, 9999},

    /* Berlin's one-off holidays on the 75th and 80th anniversaries of the end of the war. */
    {"DE-BE", LIBERATION_DAY, 2020, 2020},
    {"DE-BE", LIBERATION_DAY, 2025, 2025},

    {"DE-BW", CORPUS_CHRISTI, 0, 9999},
    {"DE-BY", CORPUS_CHRISTI, 0, 9999},
    {"DE-HE", CORPUS_CHRISTI, 0, 9999},
    {"DE-NW", CORPUS_CHRISTI, 0, 9999},
    {"DE-RP", CORPUS_CHRISTI, 0, 9999},
    {"DE-SL", CORPUS_CHRISTI, 0, 9999},

    {"DE-SL", ASSUMPTION, 0, 9999},
    {"DE-BY", ASSUMPTION, 0, 9999},

    {"DE-TH", CHILDRENS_DAY, 2019, 9999},

    {"DE-BB", REFORMATION_DAY, 0, 9999},
    {"DE-MV", REFORMATION_DAY, 0, 9999},
    {"DE-SN", REFORMATION_DAY, 0, 9999},
    {"DE-ST", REFORMATION_DAY, 0, 9999},
    {"DE-TH", REFORMATION_DAY, 0, 9999},
    {"DE-HB", REFORMATION_DAY, 2018, 9999},
    {"DE-HH", REFORMATION_DAY, 2018, 9999},
    {"DE-NI", REFORMATION_DAY, 2018, 9999},
    {"DE-SH", REFORMATION_DAY, 2018, 9999},

    {"DE-BW", ALL_SAINTS, 0, 9999},
    {"DE-BY", ALL_SAINTS, 0, 9999},
    {"DE-NW", ALL_SAINTS, 0, 9999},
    {"DE-RP", ALL_SAINTS, 0, 9999},
    {"DE-SL", ALL_SAINTS, 0, 9999},

    {"DE-SN", REPENTANCE_DAY, 1995, 9999},
};

static bool is_leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Day of the year, 1 = 1 January. */
static int day_of_year(int year, int month, int day) {
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    return before[month - 1] + day + (month > 2 && is_leap(year));
}

/* Easter Sunday as day of the year: the Anonymous Gregorian algorithm (Meeus, ch. 8). */
static int easter_day_of_year(int year) {
    int a = year % 19;
    int b = year / 100;
    int c = year % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return day_of_year(year, month, day);
}

/* The set of holidays (bit 1 << holiday) that fall on a date. Ascension can fall on 1 May. */
static unsigned holidays_on(int year, int month, int day) {
    unsigned found = 0;
    switch (day_of_year(year, month, day) - easter_day_of_year(year)) {
    case -2:
        found |= 1u << GOOD_FRIDAY;
        break;
    case 0:
        found |= 1u << EASTER_SUNDAY;
        break;
    case 1:
        found |= 1u << EASTER_MONDAY;
        break;
    case 39:
        found |= 1u << ASCENSION;
        break;
    case 49:
        found |= 1u << WHIT_SUNDAY;
        break;
    case 50:
        found |= 1u << WHIT_MONDAY;
        break;
    case 60:
        found |= 1u << CORPUS_CHRISTI;
        break;
    default:
        break;
    }
    static const struct {
        int month;
        int day;
        enum holiday holiday;
    } fixed[] = {
        {1, 1, NEW_YEAR},       {1, 6, EPIPHANY},        {3, 8, WOMENS_DAY},
        {5, 1, LABOUR_DAY},     {5, 8, LIBERATION_DAY},  {8, 15, ASSUMPTION},
        {9, 20, CHILDRENS_DAY}, {10, 3, GERMAN_UNITY},   {10, 31, REFORMATION_DAY},
        {11, 1, ALL_SAINTS},    {12, 25, CHRISTMAS_DAY}, {12, 26, BOXING_DAY},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (fixed[i].month == month && fixed[i].day == day) {
            found |= 1u << fixed[i].holiday;
        }
    }
    /* Repentance Day is the Wednesday before 23 November, i.e. within 16..22 November. */
    if (month == 11 && day >= 16 && day <= 22 && dorf_weekday(year, month, day) == 2) {
        found |= 1u << REPENTANCE_DAY;
    }
    return found;
}

static char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when `region` names `code` ("DE-BY"), ignoring ASCII case. */
static bool region_is(const char *region, const char *code) {
    size_t i = 0;
    for (; code[i]; i++) {
        if (ascii_lower(region[i]) != ascii_lower(code[i])) {
            return false;
        }
    }
    return region[i] == '\0';
}

bool dorf_is_public_holiday(const char *holiday_region, int year, int month, int day) {
    if (year < 1583 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > dorf_days_in_month(year, month)) {
        return false;
    }
    unsigned found = holidays_on(year, month, day);
    if (!found) {
        return false;
    }
    for (size_t i = 0; i < sizeof observances / sizeof observances[0]; i++) {
        const struct observance *o = &observances[i];
        if (!(found & (1u << o->holiday)) || year < o->first_year || year > o->last_year) {
            continue;
        }
        /* An unknown region still gets the nationwide holidays. */
        if (region_is(o->region, "DE") ||
            (holiday_region && region_is(holiday_region, o->region))) {
            return true;
        }
    }
    return false;
}
