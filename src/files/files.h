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
 *
 * Writing bytes: a temporary file in files/ (its name starts with a dot, so
 * backups skip it), fsync, rename to its hash's name, fsync the folder.  A
 * file already there is kept.  Files are never changed or deleted: removing
 * an attachment marks its row, and other rows may share the bytes.  A
 * transaction that rolls back after the file was written leaves a harmless
 * file no row names.
 */
#ifndef ANJU_FILES_FILES_H
#define ANJU_FILES_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct caller;
struct audit_actor;

/* Sets the data directory whose files/ holds the bytes (copied; files/ is
 * made if missing), process-wide: the command that opens the data directory
 * calls it once, before threads start.  Until then storing and opening fail
 * with ANJU_EINTERNAL. */
void files_set_root(const char *data_dir);

/* The media type told by the first bytes: "image/jpeg" (FF D8 FF),
 * "image/png" (89 50 4E 47 0D 0A 1A 0A), "application/pdf" ("%PDF-"), or
 * NULL for anything else. */
const char *files_sniff(const void *p, size_t n);

/* Stores n bytes once under their SHA-256 (see above) and records the blob
 * row, in the caller's transaction.  sha256 receives 64 lower-case hex
 * digits, *media_type the sniffed type (static).  0, ANJU_EUNPROCESSABLE
 * ("empty_file"), ANJU_EMEDIATYPE ("unsupported_media_type"), ANJU_EIO or a
 * database error. */
int files_store(struct db *db, const void *p, size_t n, char sha256[65], const char **media_type,
		struct anju_err *e);

/*
 * The owner registry (owners.c): the kinds of record attachments hang on.
 * community() finds the record if the caller may see it (and its
 * community): 0, or ANJU_ENOTFOUND when it does not exist or is outside the
 * caller's scope.  Every role whose community() finds the record may read
 * its attachments; write_roles (ROLE_BIT()s) may also add and remove them.
 * A later issue adds an owner type with one line in files_owners[]:
 *     { "lease", "租赁合同", lease_community, ROLE_BIT(ROLE_OPERATOR_STAFF) | ... },
 * where lease_community() is the lease module's own scoped lookup; the
 * attachment routes take the new owner_type at once, and their role
 * contract (who may upload and remove) is the union of write_roles, computed
 * at start-up (api_files_configure()).
 */
struct files_owner {
	const char *type;  /* the attachment's owner_type: "unit" */
	const char *title; /* zh-CN: "房屋" */
	int (*community)(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
			 struct anju_err *e);
	unsigned write_roles;
	/* Evidence: attachments are added only through the owner's own route
	 * (the generic upload answers 409 "append_only") and never removed
	 * (attachment_remove answers ANJU_ECONFLICT "append_only"). */
	bool append_only;
};

/* {NULL}-terminated, in owners.c. */
extern const struct files_owner files_owners[];

/* The entry of type, or NULL. */
const struct files_owner *files_owner_find(const char *type);
/* Every role that may add or remove some owner's attachments: for the
 * routes' role contracts. */
unsigned files_owner_write_roles(void);
/* Whether c may see (write false) or also add and remove (write true) the
 * attachments of record (type, id): 0, ANJU_EINVAL ("unknown_owner_type",
 * field owner_type), ANJU_ENOTFOUND (no such record, or outside c's scope:
 * decided first, so a refusal tells nothing about records c cannot see),
 * ANJU_EFORBIDDEN (c's role may not change this type's attachments). */
int files_owner_check(struct db *db, const struct caller *c, const char *type, int64_t id,
		      bool write, struct anju_err *e);

/* The categories of attachment, NULL-terminated: id_card, hukou_book,
 * income_proof, contract, photo, other (身份证, 户口簿, 收入证明, 合同, 照片,
 * 其他: attachment_category_title()). */
extern const char *const attachment_categories[];
/* The zh-CN title of a category, or NULL for a bad one. */
const char *attachment_category_title(const char *category);

struct attachment_in {
	const char *owner_type;
	int64_t owner_id;
	const char *category; /* one of attachment_categories */
	const char *filename; /* as the client named it, folders dropped; NULL: "附件.jpg" ... */
	const char *note;     /* may be NULL */
	const void *data;
	size_t size; /* at most the upload_max_bytes setting */
};

/* Adds an attachment for c: checks the category and the filename (ANJU_EINVAL
 * with the field), the owner (files_owner_check, write), the size
 * (ANJU_ETOOBIG), stores the bytes (files_store: empty 422, not JPEG/PNG/PDF
 * 415) and writes the row and the audit row "attachment.add" (object: the
 * owner; after: attachment_id, category, filename, sha256, size) in the
 * caller's transaction.  *id receives the new row's id. */
int attachment_add(struct db *db, const struct caller *c, const struct attachment_in *in,
		   const struct audit_actor *who, int64_t *id, struct anju_err *e);

/* One attachment c may see (its owner visible to c, not removed), as
 * Attachment JSON into *out (new).  ANJU_ENOTFOUND ("attachment_not_found")
 * otherwise. */
int attachment_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		   struct anju_err *e);

/* Marks an attachment c may see removed (removed_at, removed_by = c) and
 * writes the audit row "attachment.remove" (object: the owner; after as for
 * "attachment.add"), in the caller's transaction; the bytes stay.  *out
 * (new, may be NULL) receives the Attachment JSON with removed_at and
 * removed_by.  ANJU_ENOTFOUND, ANJU_EFORBIDDEN (the role may not change the
 * owner's attachments), ANJU_ECONFLICT ("append_only": the owner keeps
 * evidence, which is never removed). */
int attachment_remove(struct db *db, const struct caller *c, int64_t id,
		      const struct audit_actor *who, json_t **out, struct anju_err *e);

/* Opens the bytes of an attachment c may see: *fd (read-only; the caller
 * closes it), *size, and *meta (new) its Attachment JSON, whose filename and
 * media_type a download names.  ANJU_ENOTFOUND as attachment_get(); ANJU_EIO
 * when the file is missing or its size is not the recorded one. */
int attachment_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
		    json_t **meta, struct anju_err *e);

/* The attachments of an owner record (not removed), oldest first, as
 * Attachment JSON (id, owner_type, owner_id, category, filename, size,
 * media_type, note, created_by, created_at) into *out (new array).  The
 * caller has already decided that the owner may be seen. */
int attachment_list(struct db *db, const char *owner_type, int64_t owner_id, json_t **out,
		    struct anju_err *e);

/* A keyset page of the same, oldest first: attachments with an id above
 * after_id, at most limit, into *items (new); *next is the cursor of the
 * next page, 0 when this is the last.  The caller has decided as above. */
int attachment_page(struct db *db, const char *owner_type, int64_t owner_id, int64_t after_id,
		    int limit, json_t **items, int64_t *next, struct anju_err *e);

#endif
