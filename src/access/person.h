/*
 * People: a name, a resident ID number and a phone, the last two sealed at
 * rest with a blind index for exact look-up (access/pii.h), shown masked.
 * A tenant account belongs to one person; households (a later module) group
 * people.
 */
#ifndef ANJU_ACCESS_PERSON_H
#define ANJU_ACCESS_PERSON_H

#include <stdint.h>

#include "core/err.h"

struct db;
struct audit_actor;

/* Creates a person in the caller's transaction.  id_number is validated
 * (GB 11643) and normalised; phone (may be NULL) must be 7 to 15 digits.
 * 0, ANJU_EINVAL, or ANJU_ECONFLICT ("person_exists") when someone has that
 * ID number already. */
int person_create(struct db *db, const char *name, const char *id_number, const char *phone,
		  const struct audit_actor *who, int64_t *id, struct anju_err *e);
/* The person with that ID number (exact, through the blind index). */
int person_find(struct db *db, const char *id_number, int64_t *id, struct anju_err *e);

#endif
