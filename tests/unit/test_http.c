#include <string.h>

#include "../../server/http.h"
#include "unit.h"

void test_http(void)
{
	static const struct {
		const char *name, *text;
		size_t want;
	} cases[] = {
	    {"CRLF CRLF ends the headers", "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 27},
	    {"LF LF ends the headers", "GET / HTTP/1.1\nHost: a\n\nbody", 24},
	    {"an incomplete block is 0", "GET / HTTP/1.1\r\nHost: a\r\n", 0},
	    {"a lone CR is not an end", "GET / HTTP/1.1\r\r", 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(cases[i].name,
		      http_header_block_len(cases[i].text, strlen(cases[i].text)) == cases[i].want);

	static const struct {
		const char *name, *text;
		unsigned long long want;
	} lengths[] = {
	    {"Content-Length is read", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n",
	     1048577},
	    {"the name is case-insensitive", "POST / HTTP/1.1\r\ncontent-LENGTH:12\r\n\r\n", 12},
	    {"no Content-Length is 0", "POST / HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"an absurd length stays large",
	     "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 1ULL << 40},
	};
	for (size_t i = 0; i < ARRAY_LEN(lengths); i++)
		CHECK(lengths[i].name,
		      http_declared_length(lengths[i].text, strlen(lengths[i].text)) >=
			      lengths[i].want &&
			  (lengths[i].want != 0 ||
			   http_declared_length(lengths[i].text, strlen(lengths[i].text)) == 0));

	static const struct {
		const char *name, *text;
		enum refusal want;
		bool chunked;
	} heads[] = {
	    {"a plain GET passes", "GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n", RF_NONE, false},
	    {"HTTP/1.0 and LF line ends pass", "GET / HTTP/1.0\nA: b\n\n", RF_NONE, false},
	    {"UTF-8 in a header value passes",
	     "GET / HTTP/1.1\r\nX-Name: \xe8\xb5\xa4\xe6\xb3\xa5\r\n\r\n", RF_NONE, false},
	    {"chunked in any case", "POST / HTTP/1.1\r\nTransfer-Encoding: ChUnKeD \r\n\r\n",
	     RF_NONE, true},
	    {"equal repeated lengths",
	     "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", RF_NONE, false},
	    {"HTTP/2.0 is refused", "GET / HTTP/2.0\r\n\r\n", RF_REQUEST_LINE, false},
	    {"two spaces are refused", "GET  / HTTP/1.1\r\n\r\n", RF_REQUEST_LINE, false},
	    {"no version is refused", "GET /\r\n\r\n", RF_REQUEST_LINE, false},
	    {"a control byte in the target", "GET /\x01 HTTP/1.1\r\n\r\n", RF_REQUEST_LINE, false},
	    {"a folded line", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", RF_HEADER_LINE, false},
	    {"space before the colon", "GET / HTTP/1.1\r\nA : b\r\n\r\n", RF_HEADER_LINE, false},
	    {"a control byte in a value", "GET / HTTP/1.1\r\nA: \x01b\r\n\r\n", RF_HEADER_LINE,
	     false},
	    {"gzip is refused", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	     RF_TRANSFER_ENCODING, true},
	    {"chunked with a length",
	     "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	     RF_TRANSFER_ENCODING, true},
	    {"chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	     RF_TRANSFER_ENCODING, true},
	    {"two lengths", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
	     RF_CONTENT_LENGTH, false},
	    {"a signed length", "POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n", RF_CONTENT_LENGTH,
	     false},
	    {"an empty length", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", RF_CONTENT_LENGTH,
	     false},
	    {"over 1 MiB", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", RF_BODY_LARGE,
	     false},
	};
	static const char nul[] = "GET / HTTP/1.1\r\nA: \0b\r\n\r\n";
	bool nul_chunked;
	CHECK("a NUL in a value",
	      http_check_head(nul, sizeof nul - 1, &nul_chunked) == RF_HEADER_LINE);
	for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
		bool chunked = false;
		size_t len = strlen(heads[i].text);
		CHECK(heads[i].name,
		      http_check_head(heads[i].text, len, &chunked) == heads[i].want &&
			  (heads[i].want != RF_NONE || chunked == heads[i].chunked));
	}

	static const struct {
		const char *name, *text;
		enum refusal want;
		size_t used;
		bool done;
	} chunks[] = {
	    {"two chunks and the end", "3\r\nabc\r\n1\r\nd\r\n0\r\n\r\nNEXT", RF_NONE, 19, true},
	    {"LF line ends and a trailer", "2\nab\n0\nX: 1\n\nNEXT", RF_NONE, 13, true},
	    {"upper-case hex and spaces", "A  \r\n0123456789\r\n0\r\n\r\n", RF_NONE, 22, true},
	    {"an unfinished body", "5\r\nab", RF_NONE, 5, false},
	    {"no digits", "\r\n", RF_CHUNK, 0, false},
	    {"an extension", "2;x=1\r\nab\r\n", RF_CHUNK, 0, false},
	    {"a 0x prefix", "0x2\r\nab\r\n", RF_CHUNK, 0, false},
	    {"data longer than its size", "2\r\nabc\r\n", RF_CHUNK, 0, false},
	    {"one chunk past the limit", "100001\r\n", RF_BODY_LARGE, 0, false},
	    {"a size past 64 bits", "fffffffffffffffffffffff\r\n", RF_BODY_LARGE, 0, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		struct chunk_reader ck = {0};
		size_t used = 0;
		bool done = false;
		enum refusal got = http_chunk_step(&ck, (const unsigned char *)chunks[i].text,
						   strlen(chunks[i].text), &used, &done);
		CHECK(chunks[i].name,
		      got == chunks[i].want &&
			  (got != RF_NONE || (used == chunks[i].used && done == chunks[i].done)));
	}

	/* the limit counts data across chunks, fed one byte at a time */
	struct chunk_reader ck = {0};
	bool done = false;
	enum refusal got = RF_NONE;
	char piece[32];
	for (int k = 0; k < 20 && got == RF_NONE; k++) {
		int n = snprintf(piece, sizeof piece, "10000\r\n");
		for (int j = 0; j < n && got == RF_NONE; j++) {
			size_t used;
			got =
			    http_chunk_step(&ck, (const unsigned char *)piece + j, 1, &used, &done);
		}
		for (int j = 0; j < 0x10000 && got == RF_NONE; j += 4096) {
			static const unsigned char data[4096];
			size_t used;
			got = http_chunk_step(&ck, data, sizeof data, &used, &done);
		}
		for (int j = 0; j < 2 && got == RF_NONE; j++) {
			size_t used;
			got = http_chunk_step(&ck, (const unsigned char *)"\r\n" + j, 1, &used,
					      &done);
		}
	}
	CHECK("the 17th 64 KiB chunk passes the 1 MiB limit",
	      got == RF_BODY_LARGE && ck.total == 16 * 0x10000);
}
