/*
 * Files: documents and photos attached to records (units, households,
 * assets, acceptance checks; later leases, cases, work orders).
 *
 * Bytes are stored once by content hash (SHA-256) under the data directory's
 * files/ (files/ab/cd/<sha256>; a shared mount when several servers run);
 * every attachment is its own row (sql/007_files.sql) and who may read or
 * add one is decided by its owner record through the owner registry
 * (owners.c), never by the hash.  Only JPEG, PNG and PDF are accepted, told
 * by their magic bytes, never by a name or a declared type.
 */
#ifndef ANJU_FILES_FILES_H
#define ANJU_FILES_FILES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* The attachments of an owner record (not removed), oldest first, as
 * Attachment JSON (id, owner_type, owner_id, category, filename, size,
 * media_type, note, created_by, created_at) into *out (new array).  The
 * caller has already decided that the owner may be seen. */
int attachment_list(struct db *db, const char *owner_type, int64_t owner_id, json_t **out,
		    struct anju_err *e);

#endif
