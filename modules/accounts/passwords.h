/*
 * passwords.h - changing a password, and resetting a forgotten one by a
 * token sent by mail (API.md "Organizations and people").
 */
#ifndef TECHEX_PASSWORDS_H
#define TECHEX_PASSWORDS_H

#include "../../server/router.h"

extern const struct route passwords_routes[];
extern const size_t passwords_routes_count;

#endif
