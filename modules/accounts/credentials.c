/*
 * credentials.c - argon2id through libargon2, tokens through OpenSSL.
 */
#include "credentials.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../server/unicode.h"

enum rc password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[16];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return RC_ERR;
	/* NIST SP 800-63B: the NFKC form is hashed, so every spelling of it verifies */
	char *nfkc = unicode_nfkc(password);
	const char *text = nfkc ? nfkc : password;
	int rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST, PASSWORD_LANES, text,
				       strlen(text), salt, sizeof salt, 32, out, PASSWORD_HASH_MAX);
	free_secret(nfkc);
	OPENSSL_cleanse(salt, sizeof salt);
	return rc == ARGON2_OK ? RC_OK : RC_ERR;
}

static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	if (password_hash("techex-timing-equalizer", dummy_hash) != RC_OK)
		dummy_hash[0] = '\0';
}

bool password_verify(const char *encoded, const char *password)
{
	bool known = encoded != NULL && strncmp(encoded, "$argon2id$", 10) == 0;
	if (!known) {
		pthread_once(&dummy_once, make_dummy);
		encoded = dummy_hash;
	}
	/* the NFKC form first; a hash made before passwords were normalized holds the
	 * password as typed, so when that differs it is tried too */
	char *nfkc = unicode_nfkc(password);
	const char *text = nfkc ? nfkc : password;
	bool ok = argon2id_verify(encoded, text, strlen(text)) == ARGON2_OK;
	if (!ok && nfkc != NULL && strcmp(nfkc, password) != 0)
		ok = argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
	free_secret(nfkc);
	return known && ok;
}

void token_new(char out[TOKEN_TEXT])
{
	unsigned char raw[TOKEN_BYTES];
	unsigned char b64[48];
	if (RAND_bytes(raw, sizeof raw) != 1)
		abort();
	int n = EVP_EncodeBlock(b64, raw, sizeof raw); /* 44 chars with one '=' */
	OPENSSL_cleanse(raw, sizeof raw);
	int j = 0;
	for (int i = 0; i < n && j < TOKEN_TEXT - 1; i++) {
		char c = (char)b64[i];
		if (c == '=')
			break;
		out[j++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[j] = '\0';
	OPENSSL_cleanse(b64, sizeof b64);
}

void token_digest_param(const char *token, char out[67])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	out[0] = '\\';
	out[1] = 'x';
	hex_encode(md, 32, out + 2);
}

const char *token_from_header(const char *authorization)
{
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	size_t len = strlen(t);
	if (len < 16 || len > 256)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return NULL;
	}
	return t;
}
