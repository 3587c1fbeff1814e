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
}
