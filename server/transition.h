/*
 * transition.h - a business object's state machine as a table.
 *
 * Each module that moves an object from state to state (a listing, a bid, a
 * contract, a payment) declares one table of transitions: the action, the
 * states it may leave, the state it enters, who may take it, and the name its
 * audit row (and event) carries. The handler asks transition_find() whether
 * this caller may take this action from the object's present state, and turns
 * the answer into its own 403 or 409. A new state or a new action is a new row,
 * not a new branch; tests/unit/test_transition.c walks every module's table.
 *
 * Who may act is a mask of roles the module defines for its object (the bid's
 * owner, its bidder, a platform admin, ...); the caller's roles come from the
 * module, which knows how the caller relates to the object.
 */
#ifndef TECHEX_TRANSITION_H
#define TECHEX_TRANSITION_H

#include "common.h"

struct transition {
	const char *action;      /* what the caller asks for: "counter", "accept", ... */
	const char *const *from; /* the states it may leave, NULL-terminated */
	const char *to;          /* the state it enters; NULL: it stays (a hold) */
	unsigned actors;         /* who may take it: a mask of the module's roles */
	const char *audit;       /* the audit action (and event) it writes: "bid.counter" */
};

enum transition_check {
	TR_OK,          /* *row is the transition to take */
	TR_NO_ACTION,   /* the table has no such action (a programmer's error) */
	TR_FORBIDDEN,   /* the caller may never take it, or not from this state (403) */
	TR_WRONG_STATE, /* no row leaves this state (409) */
};

/* Looks up action in table (terminated by a row whose action is NULL) for an
 * object in state and a caller holding roles. The refusals come in the order
 * the handlers answer them: a caller who may take the action from no state at
 * all is TR_FORBIDDEN; then a state no row of the action leaves is
 * TR_WRONG_STATE; then, when rows leave the state but none for these roles
 * (an open bid is the owner's to accept, a countered one the bidder's),
 * TR_FORBIDDEN. Pure. */
enum transition_check transition_find(const struct transition *table, const char *action,
				      const char *state, unsigned roles,
				      const struct transition **row);

/* The transition's row for action whose from holds state, whoever acts; NULL
 * when none. For code that must know where an action leads (a listing that
 * leaves published releases its bids). Pure. */
const struct transition *transition_row(const struct transition *table, const char *action,
					const char *state);

/* A condition beside the object's state that refuses an action for a while (a
 * contract on hold refuses signatures): the action, the conditions (a mask the
 * module defines) under which it is refused, and the problem it is refused
 * with (always a 409: the object may take the action again once the condition
 * ends). A module keeps one table of them next to its transitions, ended by a
 * row whose action is NULL, so that a new condition is a row, not a branch. */
struct transition_guard {
	const char *action; /* the action it refuses: "sign", "report", ... */
	unsigned when;      /* refused while any of these conditions holds */
	const char *type;   /* the problem type: "contract-on-hold" */
	const char *detail; /* the problem's detail */
};

/* The first guard of table that refuses action under conditions; NULL when
 * none does. Pure. */
const struct transition_guard *transition_guard_find(const struct transition_guard *table,
						     const char *action, unsigned conditions);

#endif
