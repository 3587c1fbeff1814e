/*
 * listings.h - patents and process know-how: drafts, moderation, publication.
 */
#ifndef TECHEX_LISTINGS_H
#define TECHEX_LISTINGS_H

#include "../../server/router.h"

extern const struct route listings_routes[];
extern const size_t listings_routes_count;

#endif
