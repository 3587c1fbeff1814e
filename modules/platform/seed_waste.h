/*
 * seed_waste.h - the needs, proposals and waste streams of `techex seed-demo`
 * (the "waste" key of data/demo.json, described in data/README.md).
 */
#ifndef TECHEX_SEED_WASTE_H
#define TECHEX_SEED_WASTE_H

#include <jansson.h>

#include "../../server/db.h"

/* Loads root's "waste" (root is the whole data/demo.json, whose organizations
 * name the actors) on db's connection, inside seed-demo's transaction, after
 * its organizations, listings and deals: needs, proposals (one accepted through
 * the needs module), and waste streams with their entries and transfers. What
 * exists already is skipped. Prints a summary; returns how many objects it
 * added, or -1 on error (reported on stderr). */
int seed_demo_waste(struct db *db, const json_t *root);

#endif
