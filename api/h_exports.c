/*
 * h_exports.c: research exports over HTTP (dorf/export.h, docs/export.md): a researcher asks
 * for one with POST /api/exports, which runs as a job; the job's result names the files,
 * fetched with GET /api/exports/{id}/{file}.
 *
 * Exports go into the server's export directory (dorf_server_options.export_dir), one
 * directory each named u<user>-<128 random bits in hex>: only the researcher who asked can
 * fetch the files, and only by the unguessable id the job returned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"
#include "dorf/export.h"
#include "dorf/platform.h"
#include "jobs.h"
#include "json_util.h"
#include "routes.h"

#define EXPORT_ID_HEX 32

struct export_job {
    dorf_export_options opt;
    char format[16];
    dorf_tables_write_fn write;
    char db[PATH_MAX];
    char dir[PATH_MAX + 64]; /* the export's own directory */
    char id[EXPORT_ID_HEX + 1];
};

static dorf_status run_export_job(void *arg, dorf_store *store, dorf_ctx *ctx, json_t **result) {
    struct export_job *job = arg;
    job->opt.format = job->format;
    dorf_export_summary sum;
    dorf_status st = dorf_export_run(ctx, store, job->db, &job->opt, job->write, job->dir, &sum);
    if (st != DORF_OK) {
        return st;
    }
    char path[sizeof job->dir + 16];
    snprintf(path, sizeof path, "%s/manifest.json", job->dir);
    json_error_t error;
    json_t *manifest = json_load_file(path, 0, &error);
    json_t *files = json_array();
    DIR *d = opendir(job->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char href[400];
        snprintf(href, sizeof href, "/api/exports/%s/%s", job->id, e->d_name);
        json_array_append_new(files, json_pack("{s:s, s:s}", "name", e->d_name, "href", href));
    }
    if (d) {
        closedir(d);
    }
    *result = json_pack("{s:s, s:o, s:o?}", "id", job->id, "files", files, "manifest", manifest);
    return *result ? DORF_OK : dorf_fail(ctx, DORF_ENOMEM, "out of memory");
}

/* The export directory's path; -1 when it does not fit. */
static int export_root(const api_request *req, char *out, size_t size) {
    const dorf_server_options *o = api_server_options(req->server);
    int n = o->export_dir && *o->export_dir
                ? snprintf(out, size, "%s", o->export_dir)
                : snprintf(out, size, "%s.exports", api_server_db(req->server));
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* POST /api/exports {"grid", "k", "epsilon", "format", "time", "at"} */
static void post_export(api_request *req, api_response *res) {
    static const char *const fields[] = {"grid", "k", "epsilon", "format", "time", "at", NULL};
    const dorf_server_options *o = api_server_options(req->server);
    if (!o->write_tables) {
        api_error(res, 503, "unavailable",
                  "this server cannot write exports: start it with the GDAL module "
                  "(dorf-gdal.so) beside dorf");
        return;
    }
    struct export_job *job = calloc(1, sizeof *job);
    if (!job) {
        api_error(res, 500, "internal", "out of memory");
        return;
    }
    dorf_local_time today = dorf_market_local_time(req->now);
    today.minute = 0;
    dorf_export_options_init(&job->opt, today);
    const char *grid = "1km", *format = "gpkg", *grain = "day", *at = NULL;
    int64_t k = job->opt.k;
    if (api_body_only(req, fields, res) ||
        api_body_string(req, "grid", API_OPTIONAL, 8, &grid, res) ||
        api_body_int(req, "k", API_OPTIONAL, 2, 1000000, &k, res) ||
        api_body_number(req, "epsilon", API_OPTIONAL, 1e-6, 1e6, &job->opt.epsilon, res) ||
        api_body_string(req, "format", API_OPTIONAL, 8, &format, res) ||
        api_body_string(req, "time", API_OPTIONAL, 8, &grain, res) ||
        api_body_string(req, "at", API_OPTIONAL, 32, &at, res)) {
        free(job);
        return;
    }
    job->opt.k = (unsigned)k;
    if (strcmp(grid, "1km") != 0 && strcmp(grid, "100m") != 0) {
        api_error(res, 400, "bad_request", "grid: 1km or 100m");
    } else if (strcmp(grain, "day") != 0 && strcmp(grain, "hour") != 0) {
        api_error(res, 400, "bad_request", "time: day or hour");
    } else if (at && dorf_coverage_parse_time(req->ctx, at, today, &job->opt.coverage.at)) {
        api_error(res, 400, "bad_request", "at: %s", dorf_ctx_errmsg(req->ctx));
    } else {
        job->opt.cell_m = grid[0] == '1' && grid[1] == 'k' ? 1000 : 100;
        job->opt.time_grain = grain[0] == 'h' ? DORF_EXPORT_HOUR : DORF_EXPORT_DAY;
        snprintf(job->format, sizeof job->format, "%s", format);
        job->opt.format = job->format;
        if (dorf_export_check_options(req->ctx, &job->opt) != DORF_OK) {
            api_error(res, 400, "bad_request", "%s", dorf_ctx_errmsg(req->ctx));
        }
    }
    char root[PATH_MAX];
    /* Made on the first export, readable by the server's user only. */
    if (res->status == 0 &&
        (export_root(req, root, sizeof root) != 0 || (mkdir(root, 0700) != 0 && errno != EEXIST))) {
        api_error(res, 500, "internal", "the export directory cannot be made");
    }
    if (res->status != 0) {
        free(job);
        return;
    }
    unsigned char random[EXPORT_ID_HEX / 2];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(job->id, sizeof job->id, random, sizeof random);
    snprintf(job->dir, sizeof job->dir, "%s/u%lld-%s", root, (long long)req->user->id, job->id);
    snprintf(job->db, sizeof job->db, "%s", api_server_db(req->server));
    job->write = o->write_tables;
    char job_id[API_JOB_ID_SIZE];
    dorf_status st = api_job_submit(req, run_export_job, job, free, job_id);
    if (st != DORF_OK) {
        api_job_refused(res, st);
        return;
    }
    api_job_accepted(res, job_id);
}

static const char *content_type_of(const char *name) {
    static const char *const types[][2] = {
        {".gpkg", "application/geopackage+sqlite3"},
        {".csv", "text/csv; charset=utf-8"},
        {".geojson", "application/geo+json"},
        {".fgb", "application/octet-stream"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++) {
        if (strcmp(dot, types[i][0]) == 0) {
            return types[i][1];
        }
    }
    return "application/octet-stream";
}

/* An export id is 32 lower-case hex digits; a file name plain [a-z0-9_.-], not hidden. */
static int valid_id(const char *s) {
    size_t n = strspn(s, "0123456789abcdef");
    return n == EXPORT_ID_HEX && s[n] == '\0';
}

static int valid_file(const char *s) {
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
    return n > 0 && n < 128 && s[n] == '\0' && s[0] != '.';
}

/* GET /api/exports/{id}/{file} */
static void get_export_file(api_request *req, api_response *res) {
    const char *id = req->params[0], *file = req->params[1];
    char root[PATH_MAX], path[PATH_MAX * 2];
    if (!valid_id(id) || !valid_file(file) || export_root(req, root, sizeof root) != 0) {
        api_error(res, 404, "not_found", "no such export file");
        return;
    }
    snprintf(path, sizeof path, "%s/u%lld-%s/%s", root, (long long)req->user->id, id, file);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        api_error(res, 404, "not_found", "no such export file");
        return;
    }
    /* Sent from the descriptor, never read into memory: exports of years can be large. */
    res->status = 200;
    res->file_open = 1;
    res->file_fd = fd;
    res->file_size = (uint64_t)sb.st_size;
    res->content_type = content_type_of(file);
}

#define RESEARCH (DORF_ROLE_RESEARCHER | DORF_ROLE_ADMIN)

const api_route api_routes_exports[] = {
    {"POST", "/api/exports", RESEARCH, post_export,
     "start an anonymised export for researchers (a job)"},
    {"GET", "/api/exports/{id}/{file}", RESEARCH, get_export_file,
     "a file of an export the caller made"},
};
const size_t api_routes_exports_count = sizeof api_routes_exports / sizeof *api_routes_exports;
