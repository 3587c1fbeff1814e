/*
 * share.h - exact integer splits: a revenue-share plan over a payment, or a
 * share of the plan among several inventors.
 */
#ifndef TECHEX_SHARE_H
#define TECHEX_SHARE_H

#include <stddef.h>
#include <stdint.h>

/* Splits total into n parts in proportion to weights (each >= 0, their sum > 0)
 * by the largest remainder method: part i is floor(total * w[i] / sum), and the
 * units still missing go one each to the parts with the largest remainders, ties
 * to the earlier part. The parts sum to total exactly; a negative total (a
 * reversal) splits as the negation of its absolute value. Exact for every int64
 * total and weights summing to at most 2^31. Pure. */
void share_split(int64_t total, const int64_t *weights, size_t n, int64_t *out);

#endif
