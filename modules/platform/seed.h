/*
 * seed.h - demo data drawn from the Zibo plan (shared/seeds).
 */
#ifndef TECHEX_SEED_H
#define TECHEX_SEED_H

#include <libpq-fe.h>

/* Loads the demo organizations (and, as modules grow, their listings); safe to
 * run twice. Returns the exit status. */
int seed_demo(PGconn *conn);

#endif
