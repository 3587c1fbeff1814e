/*
 * transition.c - state machines as tables (transition.h).
 */
#include "transition.h"

#include <string.h>

enum transition_check transition_find(const struct transition *table, const char *action,
				      const char *state, unsigned roles,
				      const struct transition **row)
{
	bool known = false, may_ever = false, leaves = false;
	*row = NULL;
	for (const struct transition *t = table; t->action != NULL; t++) {
		if (strcmp(t->action, action) != 0)
			continue;
		known = true;
		may_ever |= (t->actors & roles) != 0;
		if (!str_in(t->from, state))
			continue;
		leaves = true;
		if ((t->actors & roles) != 0 && *row == NULL)
			*row = t;
	}
	if (!known)
		return TR_NO_ACTION;
	if (!may_ever)
		return TR_FORBIDDEN;
	if (!leaves)
		return TR_WRONG_STATE;
	return *row != NULL ? TR_OK : TR_FORBIDDEN;
}

const struct transition *transition_row(const struct transition *table, const char *action,
					const char *state)
{
	for (const struct transition *t = table; t->action != NULL; t++)
		if (strcmp(t->action, action) == 0 && str_in(t->from, state))
			return t;
	return NULL;
}

const struct transition_guard *transition_guard_find(const struct transition_guard *table,
						     const char *action, unsigned conditions)
{
	for (const struct transition_guard *g = table; g->action != NULL; g++)
		if (strcmp(g->action, action) == 0 && (g->when & conditions) != 0)
			return g;
	return NULL;
}
