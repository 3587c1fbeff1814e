/*
 * unit.h - a tiny table-driven test harness: each check names the behaviour it
 * proves; the run ends with "unit: N passed, N failed".
 */
#ifndef TECHEX_UNIT_H
#define TECHEX_UNIT_H

#include <stdio.h>

extern int unit_passed, unit_failed;

#define CHECK(name, cond)                                                       \
	do {                                                                    \
		if (cond) {                                                     \
			unit_passed++;                                          \
		} else {                                                        \
			unit_failed++;                                          \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, (name)); \
		}                                                               \
	} while (0)

void test_router(void);
void test_config(void);
void test_json(void);
void test_problem(void);
void test_credentials(void);
void test_filter(void);
void test_transition(void);
void test_payments_states(void);
void test_contracts_states(void);
void test_metrics_access(void);
void test_patent(void);
void test_credit_code(void);
void test_cursor(void);
void test_contracts(void);
void test_revenue(void);
void test_identity(void);
void test_throttle(void);
void test_proxy(void);
void test_csv(void);
void test_mail(void);
void test_seed(void);
void test_bids_states(void);
void test_listings_states(void);
void test_i18n(void);
void test_webhooks(void);
void test_waste(void);
void test_attachments(void);

#endif
