/*
 * test_attachments.c - the pure rules of attachments: a file's type by its
 * first bytes, the file names taken, and the Content-Disposition made of one.
 */
#include <string.h>

#include "../../modules/attachments/attachments.h"
#include "unit.h"

void test_attachments(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
		const char *want;
	} sniffs[] = {
	    {"a PDF", "%PDF-1.7\n", 9, "application/pdf"},
	    {"a PNG", "\x89PNG\r\n\x1a\n\0\0", 10, "image/png"},
	    {"a JPEG", "\xff\xd8\xff\xe0", 4, "image/jpeg"},
	    {"HTML", "<html>", 6, NULL},
	    {"a PDF cut short", "%PDF", 4, NULL},
	    {"a PNG without its line ends", "\x89PNG\n\n\x1a\n", 8, NULL},
	    {"two bytes of a JPEG", "\xff\xd8", 2, NULL},
	    {"nothing", "", 0, NULL},
	    {"a PDF after a blank", " %PDF-1.4", 9, NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(sniffs); i++) {
		const char *got =
		    attachment_sniff((const unsigned char *)sniffs[i].bytes, sniffs[i].len);
		CHECK(sniffs[i].name, got == sniffs[i].want || (got && sniffs[i].want &&
								strcmp(got, sniffs[i].want) == 0));
	}

	static const struct {
		const char *name;
		bool ok;
	} names[] = {
	    {"赤泥路基材料技术简介.pdf", true},
	    {"report v2 (final).PDF", true},
	    {"a", true},
	    {"", false},
	    {".", false},
	    {"..", false},
	    {"../etc/passwd", false},
	    {"a/b.pdf", false},
	    {"a\\b.pdf", false},
	    {"a\nb.pdf", false},
	    {"a\x7f.pdf", false},
	    {"\xff\xfe.pdf", false},
	    {"\xc0\xaf.pdf", false},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		CHECK("a file name is taken or refused as the rules say",
		      attachment_filename_valid(names[i].name) == names[i].ok);
	char long_name[300];
	memset(long_name, 'a', 255);
	long_name[255] = '\0';
	CHECK("255 characters are taken", attachment_filename_valid(long_name));
	long_name[255] = 'a';
	long_name[256] = '\0';
	CHECK("256 characters are not", !attachment_filename_valid(long_name));

	char cd[1200];
	attachment_disposition("赤泥 \"简介\";.pdf", cd, sizeof cd);
	CHECK("the disposition is an attachment with an ASCII fallback and the UTF-8 name",
	      strcmp(cd, "attachment; filename=\"__ ____;.pdf\"; filename*=UTF-8''"
			 "%E8%B5%A4%E6%B3%A5%20%22%E7%AE%80%E4%BB%8B%22%3B.pdf") == 0);
	attachment_disposition("brochure-2026_v1.pdf", cd, sizeof cd);
	CHECK("a plain ASCII name is left as it is",
	      strcmp(cd, "attachment; filename=\"brochure-2026_v1.pdf\"; "
			 "filename*=UTF-8''brochure-2026_v1.pdf") == 0);
}
