/*
 * test_webhooks.c - where a webhook may point (ssrf.c), and the secrets that sign
 * its deliveries (secret.c): sealing, opening, the Standard Webhooks signature.
 */
#include <string.h>

#include "../../modules/events/secret.h"
#include "../../modules/events/ssrf.h"
#include "unit.h"

static const struct {
	const char *address;
	bool refused;
} addresses[] = {
    {"127.0.0.1", true},
    {"127.255.0.9", true},
    {"10.0.0.1", true},
    {"172.16.0.1", true},
    {"172.31.255.255", true},
    {"172.32.0.1", false},
    {"192.168.10.1", true},
    {"169.254.169.254", true},
    {"100.64.0.1", true},
    {"100.128.0.1", false},
    {"0.0.0.0", true},
    {"224.0.0.251", true},
    {"255.255.255.255", true},
    {"198.18.0.1", true},
    {"192.0.2.5", true},
    {"8.8.8.8", false},
    {"1.1.1.1", false},
    {"203.0.114.1", false},
    {"::1", true},
    {"::", true},
    {"::ffff:127.0.0.1", true},
    {"::ffff:8.8.8.8", true},
    {"::127.0.0.1", true},
    {"64:ff9b::a00:1", true},
    {"fe80::1", true},
    {"fc00::1", true},
    {"fd12:3456::1", true},
    {"ff02::1", true},
    {"2001:db8::1", true},
    {"2002:7f00:1::1", true},
    {"2001:0:4136::1", true},
    {"2400:cb00::1", false},
    {"2a00:1450:4001::200e", false},
    {"[::1]", true},
    {"[fe80::1%25eth0]", true},
};

static const struct {
	const char *url;
	bool allow_private, allowed;
} urls[] = {
    {"https://hooks.example.com/techex", false, true},
    {"https://hooks.example.com:8443/a?b=c", false, true},
    {"http://hooks.example.com/", false, false},
    {"http://hooks.example.com/", true, true},
    {"ftp://hooks.example.com/", true, false},
    {"https://user:pw@hooks.example.com/", true, false},
    {"https://hooks.example.com/#frag", false, false},
    {"https://127.0.0.1/", false, false},
    {"https://127.0.0.1/", true, true},
    {"https://[::1]:8443/", false, false},
    {"https://localhost/", false, false},
    {"https://LocalHost./", false, false},
    {"https://a.b.localhost/", false, false},
    {"https://notlocalhost.example/", false, true},
    {"https://169.254.169.254/latest", false, false},
    {"not a url", false, false},
    {"https://", false, false},
};

void test_webhooks(void)
{
	for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
		const char *why = NULL;
		bool refused = ssrf_literal_refused(addresses[i].address, &why);
		CHECK(addresses[i].address, refused == addresses[i].refused);
		CHECK("a refusal says what the address is", !refused || (why && why[0]));
	}
	const char *why = NULL;
	CHECK("a host name is not a literal address",
	      !ssrf_literal_refused("hooks.example.com", &why));
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		struct ssrf_why why_not = {0};
		char reason[160] = "";
		bool ok = ssrf_url_allowed(urls[i].url, urls[i].allow_private, SSRF_AT_CREATION,
					   &why_not);
		if (!ok)
			ssrf_why_text(&why_not, reason, sizeof reason);
		CHECK(urls[i].url, ok == urls[i].allowed);
		CHECK("a refused URL says why", ok || (reason[0] != '\0' && !strstr(reason, "%")));
	}
	struct ssrf_why why_not;
	char reason[160];
	CHECK("at delivery a loopback literal is left to the connection's check",
	      ssrf_url_allowed("https://127.0.0.1/", false, SSRF_AT_DELIVERY, &why_not));
	CHECK("at delivery http is still refused without allow_private",
	      !ssrf_url_allowed("http://hooks.example.com/", false, SSRF_AT_DELIVERY, &why_not));
	ssrf_why_text(&why_not, reason, sizeof reason);
	CHECK("the reason reads as English", strcmp(reason, "must use https") == 0);
	CHECK("a refused literal names what it is",
	      !ssrf_url_allowed("https://10.1.2.3/", false, SSRF_AT_CREATION, &why_not) &&
		  (ssrf_why_text(&why_not, reason, sizeof reason),
		   strcmp(reason, "must not point to a private address") == 0));

	/* sealing: only with a key, only for the same webhook, only unaltered */
	uint8_t secret[SECRET_BYTES], sealed[SEALED_BYTES], opened[SECRET_BYTES];
	for (int i = 0; i < SECRET_BYTES; i++)
		secret[i] = (uint8_t)(i * 7 + 1);
	secret_configure("");
	CHECK("no key: nothing is sealed",
	      !secret_available() && !secret_seal(secret, "w", sealed));
	secret_configure("unit-test-key-0123456789abcdefghijklmnop");
	CHECK("a key: sealed", secret_available() && secret_seal(secret, "webhook-a", sealed));
	CHECK("the sealed bytes are not the secret",
	      memmem(sealed, sizeof sealed, secret, 8) == NULL);
	CHECK("opens for its webhook", secret_open(sealed, "webhook-a", opened) &&
					   memcmp(opened, secret, SECRET_BYTES) == 0);
	CHECK("not for another webhook", !secret_open(sealed, "webhook-b", opened));
	sealed[20] ^= 1;
	CHECK("not once altered", !secret_open(sealed, "webhook-a", opened));
	sealed[20] ^= 1;
	secret_configure("another-key-0123456789abcdefghijklmnopq");
	CHECK("not under another key", !secret_open(sealed, "webhook-a", opened));
	secret_configure("");

	/* the signature of a known input, as Python's hmac and hashlib compute it:
	 * secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4Z5sFDdeVv4=, id
	 * msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, body {"test": 2432232314} */
	static const uint8_t vector_secret[SECRET_BYTES] = {
	    0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08,
	    0xd4, 0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d,
	    0xa4, 0xb0, 0xe1, 0x9e, 0x6c, 0x14, 0x37, 0x5e, 0x56, 0xfe};
	static const char body[] = "{\"test\": 2432232314}";
	char sig[80], shown[80];
	secret_sign(vector_secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body),
		    sig, sizeof sig);
	CHECK("v1, + base64 HMAC-SHA256 over id.timestamp.body",
	      strcmp(sig, "v1,G789GWP40+gToBIH6gbdew8IuM2A8LWv56eMEOjwt/Y=") == 0);
	secret_format(vector_secret, shown, sizeof shown);
	CHECK("whsec_ + base64",
	      strcmp(shown, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4Z5sFDdeVv4=") == 0);
}
