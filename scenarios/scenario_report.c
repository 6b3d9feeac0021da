/*
 * scenario_report.c: a scenario's effect as one self-contained HTML page
 * (dorf_scenario_report_html). Everything is inline: the styles, the chart and the map as SVG,
 * so the file can be mailed, archived and printed. The map shows the INSPIRE 1 km cells in
 * their own projection (EPSG:3035, metres), so no tiles are needed; the edited places are
 * projected there with PROJ.
 */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/alloc.h"
#include "dorf/scenario.h"

#define MAP_WIDTH 640.0

static void esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* A whole number with thin spaces between thousands: 12 345. */
static void num(FILE *f, double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f", fabs(v) < 0.5 ? 0.0 : v);
    size_t n = strlen(buf), lead = buf[0] == '-' ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (i > lead && (n - i) % 3 == 0) {
            fputs("&#8239;", f);
        }
        fputc(buf[i], f);
    }
}

static const char *place_name(const dorf_region *r, char type, int64_t id) {
    for (size_t i = 0; i < r->place_count; i++) {
        if (r->places[i].osm_type == type && r->places[i].osm_id == id) {
            return r->places[i].name ? r->places[i].name
                                     : dorf_category_name(r->places[i].category);
        }
    }
    return NULL;
}

static const char style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2327;"
    "max-width:62rem;margin:2rem auto;padding:0 1rem}"
    "h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;"
    "border-bottom:1px solid #ccd;padding-bottom:.2rem}"
    ".meta{color:#555}table{border-collapse:collapse;width:100%;margin:.5rem 0}"
    "th,td{padding:.25rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".lost{color:#b3261e;font-weight:600}.gain{color:#1a5fb4;font-weight:600}"
    ".key{display:flex;gap:1rem;flex-wrap:wrap;margin:.8rem 0}"
    ".key div{border:1px solid #ccd;border-radius:6px;padding:.5rem .8rem}"
    ".key b{display:block;font-size:1.4rem}svg{max-width:100%;height:auto}"
    "figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}"
    "footer{margin-top:2rem;color:#666;font-size:.85rem}"
    "@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}"
    "table,figure{break-inside:avoid}a{color:inherit}}";

/* The category and mode whose persons lost (else gained) within threshold t are largest. */
static void focus(const dorf_coverage *cov, const dorf_coverage_summary *s, size_t t, size_t *fc,
                  unsigned *fm) {
    double best = -1;
    *fc = 0;
    *fm = DORF_MODE_WALK;
    for (int pass = 0; pass < 2 && best <= 0; pass++) {
        best = -1;
        for (size_t c = 0; c < cov->category_count; c++) {
            for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
                if (!(cov->modes & (1u << m))) {
                    continue;
                }
                size_t i = dorf_coverage_within_index(s, 0, c, (unsigned)m, t);
                double v = pass == 0 ? s->persons_lost[i] : s->persons_gained[i];
                if (v > best) {
                    best = v;
                    *fc = c;
                    *fm = (unsigned)m;
                }
            }
        }
    }
}

static void write_edits(FILE *f, const dorf_scenario *s, const dorf_region *base) {
    fputs("<h2>Edits</h2><ol>", f);
    for (size_t i = 0; i < s->edit_count; i++) {
        const dorf_edit *e = &s->edits[i];
        fputs("<li>", f);
        const char *name = place_name(base, e->osm_type, e->osm_id);
        switch (e->kind) {
        case DORF_EDIT_CLOSE_PLACE:
            fputs("Close ", f);
            esc(f, name);
            fprintf(f, " (%c%lld)", e->osm_type, (long long)e->osm_id);
            break;
        case DORF_EDIT_SET_HOURS:
            fputs("New opening hours for ", f);
            esc(f, name);
            fputs(": <code>", f);
            esc(f, e->opening_hours);
            fputs("</code>", f);
            break;
        case DORF_EDIT_ADD_PLACE:
            fputs("Open ", f);
            esc(f, e->name);
            fprintf(f, " (%s) at %.5f, %.5f", dorf_category_name(e->category), e->lat_deg,
                    e->lon_deg);
            if (e->opening_hours) {
                fputs(", <code>", f);
                esc(f, e->opening_hours);
                fputs("</code>", f);
            }
            break;
        case DORF_EDIT_CLOSE_ROAD:
            fprintf(f, "Close road (OSM way %lld) for%s%s%s", (long long)e->osm_id,
                    e->modes & DORF_ACCESS_WALK ? " walking" : "",
                    e->modes & DORF_ACCESS_BIKE ? " cycling" : "",
                    e->modes & DORF_ACCESS_CAR ? " driving" : "");
            break;
        case DORF_EDIT_VOLUNTEERS:
            fprintf(f, "A LieferBar pool of %zu volunteers going by %s, errands of at most %g min",
                    e->pool.volunteers, dorf_mode_name(e->pool.mode), e->pool.round_trip_s / 60);
            break;
        }
        fputs("</li>", f);
    }
    fputs("</ol>", f);
}

static void write_table(FILE *f, const dorf_coverage *cov, const dorf_coverage_summary *s,
                        size_t t) {
    double persons = s->zones[0].persons;
    fprintf(f,
            "<h2>Who reaches what within %g minutes</h2><table><thead><tr><th>category</th>"
            "<th>mode</th><th class=n>before</th><th class=n>after</th><th class=n>persons "
            "losing access</th><th class=n>persons gaining access</th></tr></thead><tbody>",
            s->thresholds_s[t] / 60);
    for (size_t c = 0; c < cov->category_count; c++) {
        for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
            if (!(cov->modes & (1u << m))) {
                continue;
            }
            size_t i = dorf_coverage_within_index(s, 0, c, (unsigned)m, t);
            fprintf(f, "<tr><td>%s</td><td>%s</td><td class=n>%.1f %%</td><td class=n>%.1f %%</td>",
                    dorf_category_name(cov->categories[c]), dorf_coverage_access_name((unsigned)m),
                    persons > 0 ? 100 * s->before_within[i] / persons : 0,
                    persons > 0 ? 100 * s->persons_within[i] / persons : 0);
            fprintf(f, "<td class=\"n%s\">", s->persons_lost[i] >= 0.5 ? " lost" : "");
            num(f, s->persons_lost[i]);
            fprintf(f, "</td><td class=\"n%s\">", s->persons_gained[i] >= 0.5 ? " gain" : "");
            num(f, s->persons_gained[i]);
            fputs("</td></tr>", f);
        }
    }
    fputs("</tbody></table>", f);
}

/* Bars: the share within threshold t before (grey) and after (dark) per category and mode. */
static void write_chart(FILE *f, const dorf_coverage *cov, const dorf_coverage_summary *s,
                        size_t t) {
    size_t rows = 0;
    for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
        rows += ((cov->modes >> m) & 1u) * cov->category_count;
    }
    const double row_h = 22, label_w = 170, bar_w = 420;
    double h = rows * row_h + 30;
    double persons = s->zones[0].persons;
    fprintf(f,
            "<figure><svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 %.0f %.0f' "
            "width='%.0f' height='%.0f' role='img' aria-label='share of persons within %g "
            "minutes, before and after'><style>text{font:12px system-ui,sans-serif;fill:#333}"
            "</style>",
            label_w + bar_w + 60, h, label_w + bar_w + 60, h, s->thresholds_s[t] / 60);
    size_t r = 0;
    for (size_t c = 0; c < cov->category_count; c++) {
        for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
            if (!(cov->modes & (1u << m))) {
                continue;
            }
            size_t i = dorf_coverage_within_index(s, 0, c, (unsigned)m, t);
            double before = persons > 0 ? s->before_within[i] / persons : 0;
            double after = persons > 0 ? s->persons_within[i] / persons : 0;
            double y = 10 + r * row_h;
            fprintf(f, "<text x='%.0f' y='%.1f' text-anchor='end'>%s, %s</text>", label_w - 8,
                    y + 12, dorf_category_name(cov->categories[c]),
                    dorf_coverage_access_name((unsigned)m));
            fprintf(f, "<rect x='%.0f' y='%.1f' width='%.1f' height='8' fill='#b8c0c8'/>", label_w,
                    y + 2, bar_w * before);
            fprintf(f, "<rect x='%.0f' y='%.1f' width='%.1f' height='8' fill='%s'/>", label_w,
                    y + 10, bar_w * after, after < before ? "#b3261e" : "#1a5fb4");
            fprintf(f, "<text x='%.1f' y='%.1f'>%.0f %%</text>", label_w + bar_w * after + 4,
                    y + 18, 100 * after);
            r++;
        }
    }
    fprintf(f,
            "<rect x='%.0f' y='%.0f' width='10' height='8' fill='#b8c0c8'/><text x='%.0f' "
            "y='%.0f'>before</text><rect x='%.0f' y='%.0f' width='10' height='8' "
            "fill='#1a5fb4'/><text x='%.0f' y='%.0f'>after (red: less than before)</text>",
            label_w, h - 14, label_w + 14, h - 6, label_w + 70, h - 14, label_w + 84, h - 6);
    fprintf(f,
            "</svg><figcaption>Share of persons reaching the nearest open place within %g "
            "minutes, before (grey) and after the edits.</figcaption></figure>",
            s->thresholds_s[t] / 60);
}

/* The 1 km cells coloured by the net change for (c, m), settlements and edited places. */
static void write_map(FILE *f, const dorf_scenario_report_input *in, size_t t, size_t c,
                      unsigned m) {
    const dorf_coverage_summary *g = in->grid;
    if (g->zone_count == 0) {
        return;
    }
    double min_e = INFINITY, min_n = INFINITY, max_e = -INFINITY, max_n = -INFINITY;
    double worst = 0;
    for (size_t z = 0; z < g->zone_count; z++) {
        min_e = fmin(min_e, g->zones[z].x);
        max_e = fmax(max_e, g->zones[z].x + g->cell_m);
        min_n = fmin(min_n, g->zones[z].y);
        max_n = fmax(max_n, g->zones[z].y + g->cell_m);
        size_t i = dorf_coverage_within_index(g, z, c, m, t);
        worst = fmax(worst, fabs(g->persons_gained[i] - g->persons_lost[i]));
    }
    min_e -= g->cell_m;
    min_n -= g->cell_m;
    max_e += g->cell_m;
    max_n += g->cell_m;
    double k = MAP_WIDTH / (max_e - min_e), h = (max_n - min_n) * k;
    fprintf(f,
            "<h2>Where it changes: %s by %s within %g minutes</h2><figure><svg "
            "xmlns='http://www.w3.org/2000/svg' viewBox='0 0 %.0f %.0f' width='%.0f' "
            "height='%.0f' role='img' aria-label='map of the change per 1 km cell'><style>"
            "text{font:11px system-ui,sans-serif;fill:#222;paint-order:stroke;stroke:#fff;"
            "stroke-width:3px}</style><rect width='100%%' height='100%%' fill='#f6f7f8'/>",
            dorf_category_name(in->coverage->categories[c]), dorf_coverage_access_name(m),
            g->thresholds_s[t] / 60, MAP_WIDTH, h + 40, MAP_WIDTH, h + 40);
    for (size_t z = 0; z < g->zone_count; z++) {
        size_t i = dorf_coverage_within_index(g, z, c, m, t);
        double net = g->persons_gained[i] - g->persons_lost[i];
        double a = worst > 0 ? 0.25 + 0.75 * fabs(net) / worst : 0;
        const char *fill = net < 0 ? "#b3261e" : net > 0 ? "#1a5fb4" : "#d5d9de";
        fprintf(f,
                "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' fill-opacity='%.2f' "
                "stroke='#fff' stroke-width='0.5'><title>%s: %.0f persons, net %+.0f</title>"
                "</rect>",
                (g->zones[z].x - min_e) * k, (max_n - g->zones[z].y - g->cell_m) * k, g->cell_m * k,
                g->cell_m * k, fill, net == 0 ? 1.0 : a, g->zones[z].id, g->zones[z].persons, net);
    }
    PJ_CONTEXT *pc = proj_context_create();
    PJ *p = pc ? proj_create_crs_to_crs(pc, "EPSG:4326", "EPSG:3035", NULL) : NULL;
    PJ *to = p ? proj_normalize_for_visualization(pc, p) : NULL;
    proj_destroy(p);
    for (size_t s = 0; to && s < in->settlements->zone_count; s++) {
        const dorf_coverage_zone *zn = &in->settlements->zones[s];
        if (!isfinite(zn->x) || zn->persons < 100) {
            continue; /* hamlets would crowd the map */
        }
        PJ_COORD xy = proj_trans(to, PJ_FWD, proj_coord(zn->x, zn->y, 0, 0));
        double x = (xy.xy.x - min_e) * k, y = (max_n - xy.xy.y) * k;
        fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2.5' fill='#222'/><text x='%.1f' y='%.1f'>", x,
                y, x + 4, y - 3);
        esc(f, zn->name);
        fputs("</text>", f);
    }
    for (size_t i = 0; to && i < in->scenario->edit_count; i++) {
        const dorf_edit *e = &in->scenario->edits[i];
        double lon = NAN, lat = NAN;
        if (e->kind == DORF_EDIT_ADD_PLACE) {
            lon = e->lon_deg;
            lat = e->lat_deg;
        }
        for (size_t q = 0; e->kind != DORF_EDIT_ADD_PLACE && e->kind != DORF_EDIT_CLOSE_ROAD &&
                           q < in->base->place_count;
             q++) {
            const dorf_place *pl = &in->base->places[q];
            if (pl->osm_type == e->osm_type && pl->osm_id == e->osm_id) {
                lon = pl->lon_deg;
                lat = pl->lat_deg;
            }
        }
        if (!isfinite(lon)) {
            continue;
        }
        PJ_COORD xy = proj_trans(to, PJ_FWD, proj_coord(lon, lat, 0, 0));
        double x = (xy.xy.x - min_e) * k, y = (max_n - xy.xy.y) * k;
        /* Drawn twice: a white halo, then dark, so the mark shows on any cell colour. */
        for (int pass = 0; pass < 2; pass++) {
            const char *ink = pass == 0 ? "#fff" : "#111";
            double w = pass == 0 ? 6 : 3;
            if (e->kind == DORF_EDIT_ADD_PLACE) {
                fprintf(f, "<path d='M%.1f %.1fh14M%.1f %.1fv14' stroke='%s' stroke-width='%g'/>",
                        x - 7, y, x, y - 7, ink, w);
            } else {
                fprintf(f,
                        "<path d='M%.1f %.1fl12 12M%.1f %.1fl-12 12' stroke='%s' "
                        "stroke-width='%g'/>",
                        x - 6, y - 6, x + 6, y - 6, ink, w);
            }
        }
    }
    proj_destroy(to);
    proj_context_destroy(pc);
    /* A scale bar of a round length, at most a third of the map's width. */
    static const double lengths_m[] = {50000, 20000, 10000, 5000, 2000, 1000, 500};
    double bar_m = 500;
    for (size_t b = 0; b < sizeof lengths_m / sizeof lengths_m[0]; b++) {
        if (lengths_m[b] * k <= MAP_WIDTH / 3) {
            bar_m = lengths_m[b];
            break;
        }
    }
    fprintf(f,
            "<path d='M10 %.1fh%.1f' stroke='#222' stroke-width='3'/><text x='10' y='%.1f'>%g "
            "%s</text></svg><figcaption>INSPIRE 1 km cells (EPSG:3035) with households: red "
            "where persons lose access, blue where they gain it, the stronger the more; grey: "
            "no change. &#x2715; a place closed or with new hours, + a place opened; "
            "settlements with at least 100 persons named.</figcaption></figure>",
            h + 30, bar_m * k, h + 22, bar_m >= 1000 ? bar_m / 1000 : bar_m,
            bar_m >= 1000 ? "km" : "m");
}

static void write_settlements(FILE *f, const dorf_coverage *cov, const dorf_coverage_summary *s,
                              size_t t) {
    size_t n = s->zone_count;
    double *net = dorf_calloc(n ? n : 1, sizeof *net);
    size_t *order = dorf_calloc(n ? n : 1, sizeof *order);
    if (!net || !order) {
        dorf_free(net);
        dorf_free(order);
        return;
    }
    dorf_coverage_rank_change(s, t, order, net);
    fprintf(f,
            "<h2>Most affected settlements</h2><p>Persons gaining minus losing access within %g "
            "minutes, summed over categories and modes (a person losing the bakery on foot and "
            "by bike counts twice).</p><table><thead><tr><th>settlement</th><th class=n>persons"
            "</th><th class=n>net change</th><th>hardest hit</th></tr></thead><tbody>",
            s->thresholds_s[t] / 60);
    size_t shown = 0;
    for (size_t k = 0; k < n && shown < 15; k++) {
        size_t z = order[k];
        if (fabs(net[z]) < 0.5) {
            break;
        }
        double worst = 0;
        size_t wc = 0;
        int wm = 0;
        for (size_t c = 0; c < cov->category_count; c++) {
            for (int m = 0; m < DORF_COVERAGE_ACCESS_COUNT; m++) {
                size_t i = dorf_coverage_within_index(s, z, c, (unsigned)m, t);
                if (s->persons_lost[i] > worst) {
                    worst = s->persons_lost[i];
                    wc = c;
                    wm = m;
                }
            }
        }
        fputs("<tr><td>", f);
        esc(f, s->zones[z].name);
        fputs("</td><td class=n>", f);
        num(f, s->zones[z].persons);
        fprintf(f, "</td><td class=\"n %s\">%+.0f</td><td>", net[z] < 0 ? "lost" : "gain", net[z]);
        if (worst > 0) {
            num(f, worst);
            fprintf(f, " lose %s by %s", dorf_category_name(cov->categories[wc]),
                    dorf_coverage_access_name((unsigned)wm));
        }
        fputs("</td></tr>", f);
        shown++;
    }
    if (shown == 0) {
        fputs("<tr><td colspan=4>No settlement's access changes.</td></tr>", f);
    }
    fputs("</tbody></table>", f);
    dorf_free(net);
    dorf_free(order);
}

dorf_status dorf_scenario_report_html(dorf_ctx *ctx, const dorf_scenario_report_input *in,
                                      FILE *f) {
    const dorf_coverage *cov = in->coverage;
    const dorf_coverage_summary *s = in->region;
    if (!s->before_within || !in->settlements->before_within || !in->grid->before_within ||
        s->zone_count != 1) {
        return dorf_fail(ctx, DORF_EINVAL, "the report needs change summaries");
    }
    static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                           "Friday", "Saturday", "Sunday"};
    size_t t = s->threshold_count / 2;
    fputs("<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
          "content='width=device-width,initial-scale=1'><title>",
          f);
    esc(f, in->scenario->name);
    fprintf(f, " · dorf scenario</title><style>%s</style></head><body><header><h1>", style);
    esc(f, in->scenario->name);
    fputs("</h1>", f);
    if (in->scenario->description) {
        fputs("<p>", f);
        esc(f, in->scenario->description);
        fputs("</p>", f);
    }
    fprintf(f, "<p class=meta>Coverage on %s %04d-%02d-%02d at %02d:%02d · ",
            weekdays[dorf_weekday(cov->at.year, cov->at.month, cov->at.day)], cov->at.year,
            cov->at.month, cov->at.day, cov->at.minute / 60, cov->at.minute % 60);
    num(f, (double)cov->household_count);
    fputs(" households, ", f);
    num(f, s->zones[0].persons);
    fputs(" persons · region ", f);
    esc(f, in->base->meta.source);
    fputs("</p></header>", f);

    size_t fc;
    unsigned fm;
    focus(cov, s, t, &fc, &fm);
    size_t fi = dorf_coverage_within_index(s, 0, fc, fm, t);
    fputs("<div class=key><div><b class=lost>", f);
    num(f, s->persons_lost[fi]);
    fprintf(f, "</b>persons lose %s by %s within %g min</div><div><b class=gain>",
            dorf_category_name(cov->categories[fc]), dorf_coverage_access_name(fm),
            s->thresholds_s[t] / 60);
    num(f, s->persons_gained[fi]);
    fprintf(f,
            "</b>gain it</div><div><b>%.1f %% &rarr; %.1f %%</b>of persons reach it</div>"
            "</div>",
            s->zones[0].persons > 0 ? 100 * s->before_within[fi] / s->zones[0].persons : 0,
            s->zones[0].persons > 0 ? 100 * s->persons_within[fi] / s->zones[0].persons : 0);
    write_edits(f, in->scenario, in->base);
    write_table(f, cov, s, t);
    write_chart(f, cov, s, t);
    write_map(f, in, t, fc, fm);
    write_settlements(f, cov, in->settlements, t);
    fprintf(f, "<h2>How this was computed</h2><p>For every household, the travel time on the road "
               "network to the nearest place of each category open at the time, walking, cycling "
               "and driving, before and after the edits (one multi-source search per category and "
               "mode); a household at its building, its persons estimated from OpenStreetMap. "
               "Places without opening hours count as open. The stored region was not changed. "
               "Thresholds: ");
    for (size_t k = 0; k < s->threshold_count; k++) {
        fprintf(f, "%s%g", k ? ", " : "", s->thresholds_s[k] / 60);
    }
    fputs(" minutes. Made with dorf (docs/scenarios.md).</p><footer>Map data © OpenStreetMap "
          "contributors, available under the Open Database License (ODbL).</footer></body>"
          "</html>\n",
          f);
    if (ferror(f)) {
        return dorf_fail(ctx, DORF_EIO, "writing the report failed");
    }
    return DORF_OK;
}
