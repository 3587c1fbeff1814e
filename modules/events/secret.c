/*
 * secret.c - webhook signing secrets (secret.h), with OpenSSL's EVP.
 */
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static uint8_t seal_key[32];
static bool have_key;

void secret_configure(const char *key_text)
{
	static const char label[] = "techex webhook signing secrets v1";
	unsigned int len = sizeof seal_key;
	have_key = false;
	if (key_text == NULL || key_text[0] == '\0')
		return;
	have_key = HMAC(EVP_sha256(), key_text, (int)strlen(key_text), (const uint8_t *)label,
			sizeof label - 1, seal_key, &len) != NULL;
}

bool secret_available(void)
{
	return have_key;
}

/* AES-256-GCM one way or the other; in: the nonce is in[0..12) when opening. */
static bool gcm(bool seal, const uint8_t *nonce, const char *aad, const uint8_t *in, uint8_t *out,
		uint8_t *tag)
{
	bool ok = false;
	int len = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || !have_key)
		goto out;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, seal_key, nonce, seal ? 1 : 0) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) != 1 ||
	    EVP_CipherUpdate(ctx, out, &len, in, SECRET_BYTES) != 1)
		goto out;
	if (!seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &len) != 1)
		goto out;
	if (seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool secret_seal(const uint8_t secret[SECRET_BYTES], const char *id, uint8_t out[SEALED_BYTES])
{
	if (RAND_bytes(out, 12) != 1)
		return false;
	return gcm(true, out, id, secret, out + 12, out + 12 + SECRET_BYTES);
}

bool secret_open(const uint8_t sealed[SEALED_BYTES], const char *id, uint8_t secret[SECRET_BYTES])
{
	uint8_t tag[16];
	memcpy(tag, sealed + 12 + SECRET_BYTES, sizeof tag);
	bool ok = gcm(false, sealed, id, sealed + 12, secret, tag);
	if (!ok)
		OPENSSL_cleanse(secret, SECRET_BYTES);
	return ok;
}

bool secret_open_hex(const char *hex, const char *id, uint8_t secret[SECRET_BYTES])
{
	uint8_t sealed[SEALED_BYTES];
	size_t n = 0;
	return strlen(hex) == 2 * SEALED_BYTES &&
	       OPENSSL_hexstr2buf_ex(sealed, sizeof sealed, &n, hex, '\0') == 1 &&
	       n == SEALED_BYTES && secret_open(sealed, id, secret);
}

void secret_sign(const uint8_t secret[SECRET_BYTES], const char *msg_id, long long timestamp,
		 const char *body, size_t body_len, char *out, size_t outlen)
{
	uint8_t mac[32];
	char head[128];
	int n = snprintf(head, sizeof head, "%s.%lld.", msg_id, timestamp);
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
				OSSL_PARAM_construct_end()};
	size_t got = 0;
	bool ok = ctx && EVP_MAC_init(ctx, secret, SECRET_BYTES, params) == 1 &&
		  EVP_MAC_update(ctx, (const uint8_t *)head, (size_t)n) == 1 &&
		  EVP_MAC_update(ctx, (const uint8_t *)body, body_len) == 1 &&
		  EVP_MAC_final(ctx, mac, &got, sizeof mac) == 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	char b64[64];
	if (!ok || EVP_EncodeBlock((uint8_t *)b64, mac, (int)got) <= 0)
		b64[0] = '\0';
	snprintf(out, outlen, "v1,%s", b64);
	OPENSSL_cleanse(mac, sizeof mac);
}

void secret_format(const uint8_t secret[SECRET_BYTES], char *out, size_t outlen)
{
	char b64[64];
	EVP_EncodeBlock((uint8_t *)b64, secret, SECRET_BYTES);
	snprintf(out, outlen, "whsec_%s", b64);
}
