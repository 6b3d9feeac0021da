/*
 * auth.c: argon2id password hashes and hashed session tokens (auth.h), with libsodium.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"

int api_auth_init(void) {
    return sodium_init() < 0 ? -1 : 0;
}

int api_auth_hash_password(const char *password, char out[128]) {
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return -1;
    }
    snprintf(out, 128, "%s", hash);
    return 0;
}

int api_auth_check_password(const char *hash, const char *password) {
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void api_auth_token_hash(const char *token, unsigned char hash[32]) {
    crypto_generichash(hash, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void api_auth_new_token(char token[API_TOKEN_CHARS + 1], unsigned char hash[32]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, API_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    api_auth_token_hash(token, hash);
}

dorf_status api_auth_session_user(dorf_store *store, const char *token, int64_t now,
                                  api_user *out) {
    /* Only well-formed tokens reach the database. */
    if (!token || strlen(token) != API_TOKEN_CHARS) {
        return DORF_ENOTFOUND;
    }
    for (const char *c = token; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_')) {
            return DORF_ENOTFOUND;
        }
    }
    unsigned char hash[32];
    api_auth_token_hash(token, hash);
    dorf_user user;
    dorf_status st = dorf_store_session_user(store, hash, now, &user);
    if (st != DORF_OK) {
        return st;
    }
    memset(out, 0, sizeof *out);
    out->id = user.id;
    out->roles = user.roles;
    snprintf(out->name, sizeof out->name, "%s", user.name);
    return DORF_OK;
}
