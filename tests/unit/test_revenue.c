#include <string.h>

#include "../../modules/revenue/revenue.h"
#include "unit.h"

/* Royalties due, rounded half up in integers, and the ledger's hash chain. */
static const struct {
	const char *name;
	int64_t gross;
	int bp;
	int64_t want;
} royalties[] = {
    {"a royalty rounds down below a half", 123456789, 300, 3703704},
    {"exactly a half rounds up", 50, 300, 2},
    {"just under a half rounds down", 16, 300, 0},
    {"no sales, no royalty", 0, 300, 0},
    {"10^15 fen at 100 % does not overflow", 1000000000000000LL, 10000, 1000000000000000LL},
    {"10^15 fen at 3 %", 1000000000000000LL, 300, 30000000000000LL},
};

void test_revenue(void)
{
	for (size_t i = 0; i < ARRAY_LEN(royalties); i++)
		CHECK(royalties[i].name,
		      royalty_due(royalties[i].gross, royalties[i].bp) == royalties[i].want);

	json_t *entry = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "amount_fen", (json_int_t)250000,
	    "beneficiary", "张三", "contract_id", "c1", "created_at", "2026-11-28T00:00:00Z",
	    "currency", "CNY", "payment_id", "p1", "role", "inventor", "seq", 1, "share_bp", 2500);
	char hash[65], again[65];
	ledger_hash("0000000000000000000000000000000000000000000000000000000000000000", entry,
		    hash);
	CHECK("a ledger hash is SHA-256 of prev_hash, a newline and the canonical entry",
	      strcmp(hash, "355b436be703ca38c8eeb5280c7c880fe087f4bc4ffaa911ea369e7e8c65d624") ==
		  0);
	ledger_hash(hash, entry, again);
	CHECK("the same entry after another link hashes differently", strcmp(hash, again) != 0);
	json_decref(entry);
}
