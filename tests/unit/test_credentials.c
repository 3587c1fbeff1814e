#include <string.h>

#include "../../modules/accounts/credentials.h"
#include "unit.h"

void test_credentials(void)
{
	char a[TOKEN_TEXT], b[TOKEN_TEXT], da[67], db[67];
	token_new(a);
	token_new(b);
	CHECK("a token is 43 base64url characters (256 bits)", strlen(a) == 43);
	CHECK("two tokens differ", strcmp(a, b) != 0);
	CHECK("a token has no padding or URL-unsafe characters", strpbrk(a, "+/=") == NULL);
	token_digest_param(a, da);
	token_digest_param(a, db);
	CHECK("the digest is a bytea literal of 32 bytes",
	      strncmp(da, "\\x", 2) == 0 && strlen(da) == 66);
	CHECK("the digest is stable", strcmp(da, db) == 0);
	CHECK("the digest is not the token", strstr(da, a) == NULL);

	static const struct {
		const char *name, *header;
		bool ok;
	} headers[] = {
	    {"Bearer with a token parses", "Bearer abcdefghijklmnopqrstuvwxyz012345", true},
	    {"the scheme is case-insensitive", "bearer abcdefghijklmnopqrstuvwxyz012345", true},
	    {"Basic is refused", "Basic abcdefghijklmnopqrstuvwxyz012345", false},
	    {"a short token is refused", "Bearer abc", false},
	    {"a token with spaces inside is refused", "Bearer abcdefghijkl mnopqrstuvwxyz", false},
	    {"a missing header is refused", NULL, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(headers); i++)
		CHECK(headers[i].name,
		      (token_from_header(headers[i].header) != NULL) == headers[i].ok);

	char hash[PASSWORD_HASH_MAX];
	CHECK("a password hashes", password_hash("红泥综合利用-2026", hash) == RC_OK);
	CHECK("the hash is an argon2id PHC string with m=19456,t=2",
	      strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	CHECK("the right password verifies", password_verify(hash, "红泥综合利用-2026"));
	CHECK("a wrong password does not", !password_verify(hash, "红泥综合利用-2027"));
	CHECK("an unknown account never verifies", !password_verify(NULL, "anything at all"));
	char hash2[PASSWORD_HASH_MAX];
	CHECK("salts differ",
	      password_hash("红泥综合利用-2026", hash2) == RC_OK && strcmp(hash, hash2) != 0);
}
