/*
 * auth.h: passwords and session tokens (auth.c), with libsodium.
 *
 * Passwords are hashed with argon2id (crypto_pwhash_str, interactive limits: 2 passes over
 * 64 MiB), so a stolen database does not give them away cheaply. A session token is 32
 * random bytes in URL-safe base64 (43 characters), handed to the client once; the store
 * keeps only its BLAKE2b-256 hash. Tokens live SESSION_LIFETIME_S seconds.
 */
#ifndef DORF_API_AUTH_H
#define DORF_API_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "api_internal.h"

#define API_SESSION_LIFETIME_S (14 * 24 * 3600)
#define API_TOKEN_CHARS 43

/* Prepares libsodium; call once before any other function here. Returns 0, or -1. */
int api_auth_init(void);

/* Hashes `password` into `out` (libsodium's string form). Returns 0, or -1 out of memory. */
int api_auth_hash_password(const char *password, char out[128]);

/* 1 when `password` matches `hash`, else 0 (also for a malformed hash). */
int api_auth_check_password(const char *hash, const char *password);

/* A new random token (NUL-terminated) and the hash the store keeps of it. */
void api_auth_new_token(char token[API_TOKEN_CHARS + 1], unsigned char hash[32]);

/* The hash of a token as the client sends it. */
void api_auth_token_hash(const char *token, unsigned char hash[32]);

/*
 * The user of a session token at `now`. DORF_ENOTFOUND (no message) for a malformed,
 * unknown or expired token; DORF_EIO when the store fails.
 */
dorf_status api_auth_session_user(dorf_store *store, const char *token, int64_t now, api_user *out);

#endif
