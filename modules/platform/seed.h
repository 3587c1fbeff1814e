/*
 * seed.h - `techex seed-demo`: the demo data of data/demo.json, drawn from the
 * Zibo plan, loaded through the modules' own functions.
 */
#ifndef TECHEX_SEED_H
#define TECHEX_SEED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* data/demo.json, embedded at build time (build/demo-data.c, made by
 * scripts/embed-data.sh), NUL-terminated. */
extern const char seed_demo_json[];

/* Demo data parsed and checked: organizations, listings, deals. */
struct demo;

/* Parses text (data/demo.json's format, described in data/README.md) and checks
 * every entry: each organization, each listing against the listing validator of
 * POST /v1/listings (listing_create_spec) and its patent number, each deal
 * against its listing and stage. Returns the data (free with seed_demo_free), or
 * NULL with why (naming the entry, e.g. "listings[3] (赤泥基透水砖...): ...")
 * written to why (len bytes). */
struct demo *seed_demo_parse(const char *text, char *why, size_t len);
void seed_demo_free(struct demo *d);

/* Loads the demo organizations and their published listings (tagged 演示数据)
 * in one transaction, with a few deals on those listings: offers from demo
 * enterprises, a countered one, and accepted ones with their contracts (a
 * draft, and active ones signed by both owners, with royalty reports, payments
 * and ledger entries), each acting party through the modules' own functions.
 * Safe to run twice: an organization's demo listing with the same title is
 * skipped, and so is a deal whose listing has a bid already. Prints what it
 * did; returns the exit status. */
int seed_demo(PGconn *conn);

struct db;

/* Loads data/demo.json's "negotiation" (seed_negotiation.c), after the
 * organizations and listings: a bid with three offers (bidder, owner, bidder),
 * a conversation on a listing, and a public PDF brochure on a listing, each
 * skipped when already there. False, having said why on stderr, on failure. */
bool seed_negotiation(struct db *db, const char *json_text);

#endif
