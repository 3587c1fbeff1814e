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
}
