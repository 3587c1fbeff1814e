#include "unit.h"

int unit_passed, unit_failed;

int main(void)
{
	test_router();
	test_config();
	test_json();
	test_problem();
	test_credentials();
	test_filter();
	test_transition();
	test_payments_states();
	test_contracts_states();
	test_metrics_access();
	test_patent();
	test_credit_code();
	test_cursor();
	test_contracts();
	test_revenue();
	test_identity();
	test_throttle();
	test_proxy();
	test_webhooks();
	test_csv();
	test_mail();
	test_seed();
	test_bids_states();
	test_listings_states();
	test_i18n();
	test_waste();
	test_attachments();
	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}
