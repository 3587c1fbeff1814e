/*
 * migrate.c - forward-only migrations.
 */
#include "migrate.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The advisory lock key: any constant that nothing else in the database uses. */
#define MIGRATE_LOCK_KEY "7364226153"

static char (*checksums)[65];
static pthread_once_t checksums_once = PTHREAD_ONCE_INIT;

static void compute_checksums(void)
{
	checksums = xcalloc(migrations_count ? migrations_count : 1, sizeof *checksums);
	for (size_t i = 0; i < migrations_count; i++) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		EVP_Digest(migrations[i].sql, strlen(migrations[i].sql), md, &mdlen, EVP_sha256(),
			   NULL);
		hex_encode(md, 32, checksums[i]);
	}
}

const char *migrate_checksum(size_t i)
{
	pthread_once(&checksums_once, compute_checksums);
	return checksums[i];
}

static bool command_ok(PGconn *conn, PGresult *res, const char *what)
{
	ExecStatusType s = PQresultStatus(res);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		PQclear(res);
		return true;
	}
	fprintf(stderr, "techex migrate: %s failed: %s", what,
		res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	PQclear(res);
	return false;
}

enum rc migrate_apply(PGconn *conn)
{
	enum rc rc = RC_ERR;
	int applied = 0;

	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	if (!command_ok(conn, PQexec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")"),
			"taking the migration lock"))
		return RC_ERR;
	if (!command_ok(conn,
			PQexec(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
				     " version text PRIMARY KEY,"
				     " checksum text NOT NULL,"
				     " applied_at timestamptz NOT NULL DEFAULT now())"),
			"creating schema_migrations"))
		goto out;

	for (size_t i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		const char *sum = migrate_checksum(i);
		const char *version_params[1] = {m->name};
		PGresult *res = PQexecParams(conn, MIGRATE_APPLIED_SQL " WHERE version = $1", 1,
					     NULL, version_params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			command_ok(conn, res, "reading schema_migrations");
			goto out;
		}
		if (PQntuples(res) == 1) {
			bool unchanged = strcmp(PQgetvalue(res, 0, APPLIED_CHECKSUM), sum) == 0;
			PQclear(res);
			if (!unchanged) {
				fprintf(stderr,
					"techex migrate: %s.sql was changed after it was applied; "
					"write a new migration instead\n",
					m->name);
				goto out;
			}
			continue;
		}
		PQclear(res);

		if (!command_ok(conn, PQexec(conn, "BEGIN"), "BEGIN"))
			goto out;
		/* The migration text is trusted: it is compiled into this binary. */
		if (!command_ok(conn, PQexec(conn, m->sql), m->name)) {
			PQclear(PQexec(conn, "ROLLBACK"));
			goto out;
		}
		const char *record_params[2] = {m->name, sum};
		if (!command_ok(
			conn,
			PQexecParams(
			    conn,
			    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", 2,
			    NULL, record_params, NULL, NULL, 0),
			"recording the migration") ||
		    !command_ok(conn, PQexec(conn, "COMMIT"), "COMMIT")) {
			PQclear(PQexec(conn, "ROLLBACK"));
			goto out;
		}
		printf("applied %s\n", m->name);
		applied++;
	}
	printf("migrations are current (%zu in all, %d applied now)\n", migrations_count, applied);
	rc = RC_OK;
out:
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	return rc;
}

size_t migrate_unapplied(const PGresult *applied, const char **first, const char **changed)
{
	size_t unapplied = 0;
	*first = *changed = NULL;
	for (size_t i = 0; i < migrations_count; i++) {
		bool current = false;
		for (int row = 0; row < PQntuples(applied); row++) {
			if (strcmp(PQgetvalue(applied, row, APPLIED_VERSION), migrations[i].name) !=
			    0)
				continue;
			current = strcmp(PQgetvalue(applied, row, APPLIED_CHECKSUM),
					 migrate_checksum(i)) == 0;
			if (!current && *changed == NULL)
				*changed = migrations[i].name;
		}
		if (!current && unapplied++ == 0)
			*first = migrations[i].name;
	}
	return unapplied;
}

int migrate_pending(PGconn *conn, char *why, size_t whylen)
{
	PGresult *res = PQexec(conn, MIGRATE_APPLIED_SQL);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		PQclear(res);
		if (state != NULL && strcmp(state, "42P01") == 0) {
			snprintf(why, whylen, "no migrations have been applied");
			return (int)migrations_count;
		}
		snprintf(why, whylen, "cannot read schema_migrations");
		return -1;
	}
	const char *first, *changed;
	size_t pending = migrate_unapplied(res, &first, &changed);
	if (changed != NULL)
		snprintf(why, whylen, "%s was changed after it was applied", changed);
	else if (first != NULL)
		snprintf(why, whylen, "%s is not applied", first);
	PQclear(res);
	return changed != NULL ? -1 : (int)pending;
}
