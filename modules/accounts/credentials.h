/*
 * credentials.h - argon2id password hashes and session tokens.
 */
#ifndef TECHEX_CREDENTIALS_H
#define TECHEX_CREDENTIALS_H

#include "../../server/common.h"

/* argon2id parameters: 19 MiB, 2 passes, 1 lane, 16-byte salt, 32-byte hash. */
#define PASSWORD_M_COST 19456
#define PASSWORD_T_COST 2
#define PASSWORD_LANES 1
#define PASSWORD_HASH_MAX 128

/* Hashes a password into a PHC string "$argon2id$v=19$m=19456,t=2,p=1$...". */
enum rc password_hash(const char *password, char out[PASSWORD_HASH_MAX]) MUSTCHECK;

/* True when password matches the PHC string. Takes the same time whether or
 * not encoded is NULL (an unknown account is checked against a dummy hash). */
bool password_verify(const char *encoded, const char *password);

#define TOKEN_BYTES 32
#define TOKEN_TEXT 44 /* base64url of 32 bytes (43 characters) and a NUL */

/* A new session token from RAND_bytes, as base64url text. */
void token_new(char out[TOKEN_TEXT]);

/* The SHA-256 of a token as a bytea parameter ("\x" and 64 hex digits). */
void token_digest_param(const char *token, char out[67]);

/* Extracts the token from "Bearer <token>"; NULL when the header is malformed. */
const char *token_from_header(const char *authorization);

#endif
