#include <stdlib.h>
#include <string.h>

#include "../../modules/revenue/csv.h"
#include "../../server/common.h"
#include "unit.h"

static const struct {
	const char *name, *in, *want;
} csv_cases[] = {
    {"plain text stays plain", "工行转账 2025-0415", "工行转账 2025-0415,"},
    {"a negative integer (a reversal) is untouched", "-500", "-500,"},
    {"a positive integer is untouched", "1000000000000000", "1000000000000000,"},
    {"a comma is quoted", "a,b", "\"a,b\","},
    {"a semicolon is quoted and the formula after it neutralized", "INV-2;=1+1",
     "\"INV-2;'=1+1\","},
    {"a pipe is quoted and neutralized", "x|@SUM(A1)", "\"x|'@SUM(A1)\","},
    {"a tab is quoted and neutralized after it", "a\t+1", "\"a\t'+1\","},
    {"a formula start is neutralized", "=HYPERLINK(\"http://x.test\")",
     "\"'=HYPERLINK(\"\"http://x.test\"\")\","},
    {"a leading minus that is no integer", "-1+2", "\"'-1+2\","},
    {"a lone minus", "-", "\"'-\","},
    {"a leading tab, and the formula after it", "\t=1", "\"'\t'=1\","},
    {"a leading CR", "\r=1", "\"'\r=1\","},
    {"a newline is quoted", "a\nb", "\"a\nb\","},
    {"quotes are doubled", "say \"hi\"", "\"say \"\"hi\"\"\","},
    {"a hyphen inside is plain", "INV-2", "INV-2,"},
    {"empty", "", ","},
};

void test_csv(void)
{
	for (size_t i = 0; i < ARRAY_LEN(csv_cases); i++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		csv_field(f, csv_cases[i].in, false);
		fclose(f);
		CHECK(csv_cases[i].name, strcmp(out, csv_cases[i].want) == 0);
		if (strcmp(out, csv_cases[i].want) != 0)
			printf("  got [%s] want [%s]\n", out, csv_cases[i].want);
		free(out);
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	csv_field(f, "last", true);
	fclose(f);
	CHECK("the last field ends the row with CRLF", strcmp(out, "last\r\n") == 0);
	free(out);
}
