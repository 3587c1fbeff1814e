/*
 * attachments.h - files on listings (a brochure: public or verified
 * organizations only), on organizations (a business licence, for verification)
 * and on contracts (signed scans): PDF, PNG or JPEG, checked by their first
 * bytes, at most 10 MiB each, kept in PostgreSQL with their SHA-256, within a
 * quota per organization. An attachment is seen exactly as its parent is;
 * anyone else gets 404.
 */
#ifndef TECHEX_ATTACHMENTS_H
#define TECHEX_ATTACHMENTS_H

#include "../../server/router.h"

extern const struct route attachments_routes[];
extern const size_t attachments_routes_count;

/* The file types taken, NULL-terminated: application/pdf, image/png, image/jpeg. */
extern const char *const attachment_types[];

/* The type of attachment_types (a static string) whose first bytes start data,
 * or NULL when none does. Pure. */
const char *attachment_sniff(const unsigned char *data, size_t len);

/* Whether name is a file name an attachment may carry: 1 to 255 characters of
 * valid UTF-8, no path separator ('/', '\\'), no control character, not "." or
 * "..". Pure. */
bool attachment_filename_valid(const char *name);

/* Writes a Content-Disposition value for name ("attachment; filename=...;
 * filename*=UTF-8''<percent-encoded>", RFC 6266 and 8187) into out (at least
 * 1100 bytes for a valid name). Pure. */
void attachment_disposition(const char *name, char *out, size_t len);

/* Stores a file as an attachment of parent_type ("listing", "org", "contract")
 * parent_id, uploaded by the caller's organization with visibility, in r's
 * transaction, after the same checks as the upload route (who may attach,
 * type, quota); id gets its id. Used by the route and the demo loader. */
enum rc attachment_store(struct req *r, const char *parent_type, const char *parent_id,
			 const char *filename, const char *content_type, const char *visibility,
			 const unsigned char *data, size_t len, char id[37]) MUSTCHECK;

#endif
