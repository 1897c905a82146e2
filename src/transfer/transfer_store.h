/*
 * The transfer module's storage, shared by its files (transfer.c, import.c,
 * export.c) and nobody else: the transfer row, its sealed pieces, its error
 * rows, and the caller a job acts for.
 */
#ifndef ANJU_TRANSFER_TRANSFER_STORE_H
#define ANJU_TRANSFER_TRANSFER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "access/role.h"
#include "transfer/transfer_int.h"

struct db;
struct arena;
struct audit_actor;

struct transfer_row {
	int64_t job_id;
	bool export;
	enum transfer_what what;
	const char *owner; /* principal */
	enum transfer_format format;
	const char *filename; /* "" until an export is written */
	int64_t size;
};

/* The transfer of a job (strings from a): 0 or ANJU_ENOTFOUND. */
int transfer_get(struct db *db, int64_t job_id, struct arena *a, struct transfer_row *out,
		 struct anju_err *e);

/* Stores n bytes as sealed pieces of kind ("input", "output"). */
int transfer_parts_put(struct db *db, int64_t job_id, const char *kind, const char *data, size_t n,
		       struct anju_err *e);
/* Opens the pieces of kind in order, appending to out (when not NULL) and
 * writing to fd (when >= 0). */
int transfer_parts_get(struct db *db, int64_t job_id, const char *kind, struct buf *out, int fd,
		       struct anju_err *e);
int transfer_parts_drop(struct db *db, int64_t job_id, const char *kind, struct anju_err *e);
/* The input this thread lent to its run of job_id (transfer_input_lend()):
 * true with *data and *n, or false. */
bool transfer_input_lent(int64_t job_id, const char **data, size_t *n);

/* One error row, idempotent by seq (a chunk redone after a takeover). */
int transfer_error_put(struct db *db, int64_t job_id, int64_t seq, const struct report_item *it,
		       struct anju_err *e);
int transfer_error_count(struct db *db, int64_t job_id, int64_t *n, struct anju_err *e);
/* Records an export's file name and size once its bytes are stored. */
int transfer_set_output(struct db *db, int64_t job_id, const char *filename, int64_t size,
			struct anju_err *e);

/* The caller a job acts for, from the principal that made it, as it is now
 * (role and scope; strings from a): "system" is the command line, every
 * community.  ANJU_EFORBIDDEN ("principal_gone") when the account is
 * disabled or the key revoked. */
int transfer_caller(struct db *db, const char *principal, struct arena *a, struct caller *c,
		    struct anju_err *e);
/* The audit actor of a job acting for c. */
void transfer_actor(const struct caller *c, struct audit_actor *who, const char *request_id);

#endif
