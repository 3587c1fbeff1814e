/*
 * document.h - the printable contract, internal to modules/contracts: the route
 * table in contracts.c names its handler. contract_markdown, the renderer, is
 * part of the module's interface (contracts.h).
 */
#ifndef TECHEX_CONTRACT_DOCUMENT_H
#define TECHEX_CONTRACT_DOCUMENT_H

#include "../../server/req.h"

/* GET /v1/contracts/{id}/document: the contract as Markdown, for its two
 * parties and platform admins (404 for anyone else). */
enum rc contracts_document(struct req *r);

#endif
