/*
 * migrate.h - the numbered SQL files of migrations/, embedded in the binary at
 * build time, applied in order, each once, in a transaction, under an advisory
 * lock, each recorded with its SHA-256.
 */
#ifndef TECHEX_MIGRATE_H
#define TECHEX_MIGRATE_H

#include <libpq-fe.h>

#include "common.h"

struct migration {
	const char *name; /* "0001_create_accounts" */
	const char *sql;
};

/* Generated from the files in migrations/ by the Makefile. */
extern const struct migration migrations[];
extern const size_t migrations_count;

/* SHA-256 (hex) of migration i; computed once. */
const char *migrate_checksum(size_t i);

/* Applies pending migrations; prints what it does to stdout and why it fails to
 * stderr. Refuses an applied migration whose file has changed. */
enum rc migrate_apply(PGconn *conn) MUSTCHECK;

/* Counts migrations not yet applied; -1 when one was applied with another
 * checksum (the file was edited) or the state cannot be read. */
int migrate_pending(PGconn *conn, char *why, size_t whylen);

/* What is applied: rows of version, checksum (a missing schema_migrations
 * table, SQLSTATE 42P01, means nothing is). */
#define MIGRATE_APPLIED_SQL "SELECT version, checksum FROM schema_migrations"
enum { APPLIED_VERSION, APPLIED_CHECKSUM };

/* Compares applied (the rows of MIGRATE_APPLIED_SQL, read on any connection)
 * with the embedded migrations: returns how many are not applied with their
 * present checksum; *first is the first of them and *changed the first applied
 * with another checksum (its file was edited), each NULL when none (names from
 * migrations[], static).
 * Pure. */
size_t migrate_unapplied(const PGresult *applied, const char **first, const char **changed);

#endif
