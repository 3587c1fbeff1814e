/*
 * seed_teams.h - the "teams" of data/demo.json: more people in a demo
 * organization (an admin, an inventor who shares in a licence's income) and
 * invitations still pending, whose mail `techex mail list` shows.
 */
#ifndef TECHEX_SEED_TEAMS_H
#define TECHEX_SEED_TEAMS_H

#include <jansson.h>
#include <stdbool.h>

#include "../../server/db.h"
#include "../../server/req.h"

/* Adds the members of teams (borrowed; NULL: none) to the organizations their
 * `owner` owns, each with password; an address already registered is kept.
 * Prints what it did; false (with a message on stderr) on error. */
bool seed_teams_members(PGconn *conn, const json_t *teams, const char *password);

/* Names the inventor members of the licensor's team in a freshly drafted
 * contract's plan (their user_id on the inventor entries with their name), with
 * the contract's new digest, in the database and in contract (the module's
 * JSON, updated in place). Nothing when the licensor has no such member. */
bool seed_teams_plan(const json_t *teams, struct req *licensor, json_t *contract);

/* Sends the pending invitations of teams as each organization's owner, unless
 * the address was invited already. */
bool seed_teams_invitations(struct db *db, const json_t *teams);

#endif
