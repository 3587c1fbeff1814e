/*
 * fuzz_cursor.c - paging cursors: cursor_decode on any text, and
 * cursor_encode/cursor_decode on any positions.
 *
 * The input (up to a NUL) is decoded as a cursor of one, two and three parts;
 * then its first byte picks a number of parts and the rest, split at newlines,
 * are the positions of a cursor that is encoded and decoded.
 * Invariants (abort on violation):
 *  - a decoded cursor has the parts asked for, each a NUL-terminated text of
 *    printable bytes, and re-encodes to the very text it was read from;
 *  - a cursor of printable positions (at most CURSOR_PART_MAX - 1 bytes each)
 *    decodes back to the same positions; any other is refused when read back;
 *  - an encoded cursor is URL-safe base64 without padding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decode(const char *text)
{
	for (int nparts = 1; nparts <= CURSOR_MAX_PARTS; nparts++) {
		struct cursor c;
		if (cursor_decode(text, nparts, &c) != RC_OK)
			continue;
		if (c.nparts != nparts)
			abort();
		for (int k = 0; k < nparts; k++) {
			const char *end = memchr(c.parts[k], '\0', CURSOR_PART_MAX);
			if (end == NULL)
				abort();
			for (const char *p = c.parts[k]; p < end; p++)
				if ((unsigned char)*p < 0x20)
					abort();
		}
		char *again = cursor_encode(&c);
		if (strcmp(again, text) != 0)
			abort();
		free(again);
	}
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	struct cursor c, back;
	bool printable = true;
	size_t at = 1;

	if (size == 0)
		return;
	memset(&c, 0, sizeof c);
	c.nparts = data[0] % CURSOR_MAX_PARTS + 1;
	for (int k = 0; k < c.nparts; k++) {
		size_t len = 0;
		while (at < size && data[at] != '\n') {
			if (len + 1 < CURSOR_PART_MAX)
				c.parts[k][len++] = (char)data[at];
			at++;
		}
		at++; /* the newline */
	}
	char *text = cursor_encode(&c);
	if (strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(text))
		abort();
	/* a NUL inside a part ends it: compare as the C strings encode saw them */
	for (int k = 0; k < c.nparts; k++)
		for (const char *p = c.parts[k]; *p; p++)
			printable &= (unsigned char)*p >= 0x20;
	enum rc rc = cursor_decode(text, c.nparts, &back);
	if (printable != (rc == RC_OK))
		abort();
	for (int k = 0; rc == RC_OK && k < c.nparts; k++)
		if (strcmp(c.parts[k], back.parts[k]) != 0)
			abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	check_decode(text);
	free(text);
	check_round_trip(data, size);
	return 0;
}
