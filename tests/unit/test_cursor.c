#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "unit.h"

void test_cursor(void)
{
	struct cursor c = {2,
			   {"2026-03-01T00:00:00.123456Z", "0b8f6a52-3c1e-4f0a-9b1d-2f4e5a6b7c8d"}};
	char *text = cursor_encode(&c);
	struct cursor back;
	CHECK("a cursor round-trips", cursor_decode(text, 2, &back) == RC_OK &&
					  strcmp(back.parts[0], c.parts[0]) == 0 &&
					  strcmp(back.parts[1], c.parts[1]) == 0);
	CHECK("a cursor is URL-safe", strpbrk(text, "+/=") == NULL);
	CHECK("a cursor with the wrong number of parts is refused",
	      cursor_decode(text, 3, &back) != RC_OK);
	text[3] = text[3] == 'A' ? 'B' : 'A';
	struct cursor tampered;
	(void)(cursor_decode(text, 2, &tampered) ==
	       RC_OK); /* may decode: positions are not secret */
	free(text);
	static const char *const bad[] = {
	    "",
	    "!!!",
	    "a b",
	    "eyJ0eXAiOiJKV1QifQ",
	    "MQ",
	    "====",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK("a malformed cursor is refused", cursor_decode(bad[i], 2, &back) != RC_OK);
	/* "MQ" is the cursor of one empty part; "MR" and "MQ" + junk spell it otherwise */
	CHECK("the one spelling of a cursor reads", cursor_decode("MQ", 1, &back) == RC_OK);
	CHECK("a cursor with stray bits after its last byte is refused",
	      cursor_decode("MR", 1, &back) != RC_OK);
	CHECK("a cursor with a dangling character is refused",
	      cursor_decode("MSAgM", 1, &back) != RC_OK);

	static const struct {
		const char *part;
		char kind;
		bool ok;
	} parts[] = {
	    {"2026-11-28T19:00:00.123456Z", 't', true},
	    {"2024-02-29T00:00:00.000000Z", 't', true},
	    {"2025-02-29T00:00:00.000000Z", 't', false},
	    {"2026-13-01T00:00:00.000000Z", 't', false},
	    {"2026-11-28T24:00:00.000000Z", 't', false},
	    {"2026-11-28T19:00:00.1234567Z", 't', false},
	    {"2026-11-28 19:00:00.123456Z", 't', false},
	    {"2026-11-28T19:00:00.123456+08:00", 't', false},
	    {"' OR '1'='1", 't', false},
	    {"9223372036854775807", 'n', true},
	    {"9223372036854775808", 'n', false},
	    {"-1", 'n', false},
	    {"-1", 'i', true},
	    {"007", 'n', false},
	    {"+5", 'i', false},
	    {"", 'n', false},
	    {"0b6f3c0e-1b2a-4c3d-8e4f-5a6b7c8d9e0f", 'u', true},
	    {"0b6f3c0e-1b2a-4c3d-8e4f-5a6b7c8d9e0", 'u', false},
	};
	for (size_t i = 0; i < ARRAY_LEN(parts); i++)
		CHECK(parts[i].part,
		      cursor_part_valid(parts[i].part, parts[i].kind) == parts[i].ok);
}
