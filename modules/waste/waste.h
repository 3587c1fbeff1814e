/*
 * waste.h - waste streams and their trail (固废源头追溯): a producer's streams,
 * the monthly ledger the Solid Waste Law (art. 36) asks of it, and each
 * handover to a receiver, which the receiver confirms (art. 37).
 */
#ifndef TECHEX_WASTE_H
#define TECHEX_WASTE_H

#include "../../server/router.h"

extern const struct route waste_routes[];
extern const size_t waste_routes_count;

/* The forms a stream's waste takes (waste_streams.form), NULL-terminated. */
extern const char *const waste_forms[];

/* Why a month's ledger does not balance, or NULL when it does: every kilogram
 * generated is stored, used by the producer, disposed of or transferred, so
 * generated = stored + self_used + disposed + transferred. Pure. */
const char *waste_balance_problem(long long generated, long long stored, long long self_used,
				  long long disposed, long long transferred);

/* Why period is not a month the ledger takes ("YYYY-MM" from 2000-01 to
 * current, the month now in China, "YYYY-MM"), or NULL. Pure. */
const char *waste_period_problem(const char *period, const char *current);

#endif
