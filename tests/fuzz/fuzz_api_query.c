/*
 * fuzz_api_query.c: libFuzzer target for the query strings of the map-aware lists, through
 * the real server: a `dorf serve` (api/server.c) on an empty platform database on a loopback
 * port, sent "GET <path>?<input>" for each public list (places, shops, news, events), so
 * libmicrohttpd's decoding and every module's bbox=, near=, radius=, sort=, limit=, before=,
 * from= and until= parsing see the input. Checks, beyond "no crash": every answer is an HTTP
 * response with status 200 or 400 (never 500, never a dropped connection), and the server
 * still answers /health afterwards.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dorf/api.h"
#include "dorf/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static dorf_server *server;
static unsigned port;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    static char dir[] = "/tmp/dorf-fuzz-query-XXXXXX";
    static char db[64];
    if (!mkdtemp(dir)) {
        abort();
    }
    snprintf(db, sizeof db, "%s/p.dorf", dir);
    dorf_ctx *ctx = dorf_ctx_new();
    dorf_store *store = NULL;
    if (dorf_store_open(ctx, db, DORF_STORE_CREATE, &store) != DORF_OK) {
        fprintf(stderr, "%s\n", dorf_ctx_errmsg(ctx));
        abort();
    }
    dorf_store_close(store);
    dorf_server_options opt;
    dorf_server_options_init(&opt);
    opt.db = db;
    opt.port = 0;
    opt.threads = 2;
    /* This harness opens thousands of connections a second from one address; the limits
       (closing a connection without an answer) are test_server.sh's business, not this. */
    opt.max_connections = 4096;
    opt.max_connections_per_ip = 4096;
    if (dorf_server_start(ctx, &opt, &server) != DORF_OK) {
        fprintf(stderr, "%s\n", dorf_ctx_errmsg(ctx));
        abort();
    }
    port = dorf_server_port(server);
    dorf_ctx_free(ctx);
    return 0;
}

/* Sends one request and returns its status, or -1 when the answer is not HTTP. */
static int request(const char *path, const uint8_t *query, size_t size) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0) {
        abort();
    }
    /* Closing with a reset leaves no TIME_WAIT behind: at thousands of connections a second
       the client would otherwise run out of local ports. */
    struct linger reset = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char head[256];
    int n = snprintf(head, sizeof head, "GET %s?", path);
    char tail[] = " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n";
    /* Spaces, CR and LF would end the request line: send them percent-encoded. */
    char *line = malloc((size_t)n + 3 * size + sizeof tail);
    size_t len = (size_t)n;
    memcpy(line, head, len);
    for (size_t i = 0; i < size; i++) {
        if (query[i] <= ' ' || query[i] >= 0x7f || query[i] == '#') {
            len += (size_t)sprintf(line + len, "%%%02X", query[i]);
        } else {
            line[len++] = (char)query[i];
        }
    }
    memcpy(line + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;
    if (write(fd, line, len) != (ssize_t)len) {
        abort();
    }
    free(line);
    /* The status line may come in pieces: read until it is whole or the server closes. */
    char buf[64] = {0};
    ssize_t got = 0, n_read;
    while (got < (ssize_t)sizeof buf - 1 &&
           (n_read = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0) {
        got += n_read;
    }
    char rest[4096];
    while (read(fd, rest, sizeof rest) > 0) {
    }
    close(fd);
    int status = -1;
    if (got > 12 && sscanf(buf, "HTTP/1.1 %d", &status) != 1) {
        status = -1;
    }
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 2048) {
        return 0;
    }
    static const char *const paths[] = {"/api/places", "/api/shops", "/api/news", "/api/events"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        int status = request(paths[i], data, size);
        /* A connection closed without an answer is the server shedding load (thousands of
           connections a second from here); ask again before calling it a fault. */
        for (int again = 0; status == -1 && again < 5; again++) {
            usleep(20000);
            status = request(paths[i], data, size);
        }
        /* 414 when libmicrohttpd finds the line too long; anything else is a fault. */
        if (status != 200 && status != 400 && status != 414) {
            fprintf(stderr, "GET %s?%.*s answered %d\n", paths[i], (int)size, (const char *)data,
                    status);
            abort();
        }
    }
    int health = request("/health", (const uint8_t *)"", 0);
    for (int again = 0; health == -1 && again < 5; again++) {
        usleep(20000);
        health = request("/health", (const uint8_t *)"", 0);
    }
    if (health != 200) {
        abort();
    }
    return 0;
}
