/*
 * seed.h - demo data drawn from the Zibo plan (shared/seeds).
 */
#ifndef TECHEX_SEED_H
#define TECHEX_SEED_H

#include <libpq-fe.h>

/* Largest N for `seed-demo --synthetic N`. */
#define SEED_SYNTHETIC_MAX 1000000

/* Loads the demo organizations and their published listings (tagged 演示数据)
 * in one transaction, with a few deals on those listings: offers from demo
 * enterprises, a countered one, and accepted ones with their contracts (a
 * draft, and active ones signed by both owners). Safe to run twice: an
 * organization's demo listing with the same title is skipped, and so is a deal
 * whose listing has a bid already. With synthetic > 0 it then adds that many
 * generated published listings (tagged 合成数据) for benchmarks; these add up
 * on every run. Prints what it did; returns the exit status. */
int seed_demo(PGconn *conn, long synthetic);

#endif
