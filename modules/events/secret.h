/*
 * secret.h - webhook signing secrets: made, sealed at rest, opened to sign.
 *
 * A secret is 32 random bytes, shown once as "whsec_" + base64. At rest it is
 * AES-256-GCM with a key derived from TECHEX_SECRET_KEY (HMAC-SHA256 of a fixed
 * label under it), a random 96-bit nonce, and the webhook's id as associated
 * data (a sealed secret copied onto another webhook does not open).
 */
#ifndef TECHEX_SECRET_H
#define TECHEX_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_BYTES 32
#define SEALED_BYTES (12 + SECRET_BYTES + 16)

/* Derives the sealing key from key_text (borrowed; "" or NULL: no key, and
 * secret_available is false). Call once before any thread. */
void secret_configure(const char *key_text);
bool secret_available(void);

/* Seals secret for webhook id into out; false when no key is configured or
 * OpenSSL failed. */
bool secret_seal(const uint8_t secret[SECRET_BYTES], const char *id, uint8_t out[SEALED_BYTES]);
/* Opens what secret_seal made for webhook id; false when it does not open
 * (another key, another webhook, altered bytes). */
bool secret_open(const uint8_t sealed[SEALED_BYTES], const char *id, uint8_t secret[SECRET_BYTES]);
/* The same for the sealed bytes as 2 * SEALED_BYTES hex digits (hex borrowed);
 * false also when hex is not that. */
bool secret_open_hex(const char *hex, const char *id, uint8_t secret[SECRET_BYTES]);

/* The Standard Webhooks signature of body for message msg_id at unix time
 * timestamp: "v1," + base64 HMAC-SHA256(secret, "msg_id.timestamp.body"),
 * into out (at least 64 bytes). */
void secret_sign(const uint8_t secret[SECRET_BYTES], const char *msg_id, long long timestamp,
		 const char *body, size_t body_len, char *out, size_t outlen);

/* "whsec_" + base64 of secret into out (at least 64 bytes). */
void secret_format(const uint8_t secret[SECRET_BYTES], char *out, size_t outlen);

#endif
