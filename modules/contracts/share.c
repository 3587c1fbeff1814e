/*
 * share.c - largest-remainder splits in 128-bit integer arithmetic.
 */
#include "share.h"

#include <stdbool.h>
#include <stdlib.h>

#include "../../server/common.h"

void share_split(int64_t total, const int64_t *weights, size_t n, int64_t *out)
{
	unsigned __int128 sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned __int128)weights[i];
	if (n == 0)
		return;
	if (sum == 0) {
		for (size_t i = 0; i < n; i++)
			out[i] = 0;
		return;
	}
	/* |INT64_MIN| fits an unsigned 128-bit value */
	bool negative = total < 0;
	unsigned __int128 abs_total =
	    negative ? (unsigned __int128)(-(total + 1)) + 1 : (unsigned __int128)total;
	unsigned __int128 given = 0;
	unsigned __int128 *rem = xcalloc(n, sizeof *rem);
	bool *extra = xcalloc(n, sizeof *extra);
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 prod = abs_total * (unsigned __int128)weights[i];
		unsigned __int128 q = prod / sum;
		rem[i] = prod % sum;
		extra[i] = false;
		given += q;
		out[i] = (int64_t)q;
	}
	/* fewer than n units are left: one each to the largest remainders */
	for (unsigned __int128 left = abs_total - given; left > 0; left--) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!extra[i] && weights[i] > 0 && (best == n || rem[i] > rem[best]))
				best = i;
		if (best == n)
			break;
		extra[best] = true;
		out[best]++;
	}
	if (negative)
		for (size_t i = 0; i < n; i++)
			out[i] = -out[i];
	free(rem);
	free(extra);
}
