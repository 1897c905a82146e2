/*
 * People: a name, a resident ID number and a phone, the last two sealed at
 * rest with a blind index for exact look-up (access/pii.h), shown masked.
 * The birth date and sex are derived from the ID number when the person is
 * recorded, and the name is kept again as name_key, compared byte by byte,
 * for prefix search.  A tenant account belongs to one person; households
 * (household/household.h) group people and decide who may see whom.
 */
#ifndef ANJU_ACCESS_PERSON_H
#define ANJU_ACCESS_PERSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/pii.h"
#include "core/err.h"

struct db;
struct db_stmt;
struct audit_actor;
struct jw;
struct buf;

/* The longest name, in bytes. */
#define PERSON_NAME_MAX 64
/* Room for a masked ID number or phone. */
#define PERSON_MASK_MAX 40

/* Checks a person's data without the database: name 1..PERSON_NAME_MAX
 * bytes, id_number per GB 11643 (normalised into id_out, which may be NULL),
 * phone (may be NULL or "") 7 to 15 digits.  0 or ANJU_EINVAL with field
 * "name", "id_number" or "phone". */
int person_validate(const char *name, const char *id_number, const char *phone, char id_out[19],
		    struct anju_err *e);
/* A phone's digits as the blind index sees them: spaces, '-' and '+' are
 * dropped; 7 to 15 digits must remain.  0 or ANJU_EINVAL (field "phone"). */
int person_phone_digits(const char *phone, char digits[16], struct anju_err *e);

/* Creates a person in the caller's transaction.  id_number is validated
 * (GB 11643) and normalised; phone (may be NULL) must be 7 to 15 digits.
 * 0, ANJU_EINVAL, or ANJU_ECONFLICT ("person_exists") when someone has that
 * ID number already.  Audited "person.create". */
int person_create(struct db *db, const char *name, const char *id_number, const char *phone,
		  const struct audit_actor *who, int64_t *id, struct anju_err *e);
/* person_create() without the audit row: the after-image of the
 * "person.create" row the caller writes once its other writes are done
 * (audit.h: the audit append should be a transaction's last statements) is
 * appended to after as the trail stores it (audit_write_text()).
 * id_index: NULL, or person_id_index() of id_number.  ANJU_ETOOBIG when
 * after's cap is reached. */
int person_add(struct db *db, const char *name, const char *id_number, const char *phone,
	       const char *id_index, int64_t *id, struct buf *after, struct anju_err *e);
/* What person_add() makes of an ID number and a phone before it writes:
 * both sealed, the phone's blind index, the masks, birth date and sex.  It
 * touches no database, so an import can make the next people's on another
 * thread while it writes this one's (person_seal()). */
struct person_sealed {
	char *id_sealed, *phone_sealed; /* phone_sealed NULL: no phone */
	char phone_index[PII_INDEX_LEN + 1];
	char id_masked[PERSON_MASK_MAX], phone_masked[PERSON_MASK_MAX];
	char birth[11]; /* YYYY-MM-DD */
	bool male;
	char id_number[19]; /* normalised */
};
/* id_number validated and normalised (as person_add()) and phone (may be
 * NULL) into *s, which person_sealed_free() wipes; 0 or ANJU_EINVAL /
 * ANJU_EUNPROCESSABLE with the field.  Safe on any thread. */
int person_seal(const char *id_number, const char *phone, struct person_sealed *s,
		struct anju_err *e);
void person_sealed_free(struct person_sealed *s);
/* person_add() of what person_seal() made. */
int person_add_sealed(struct db *db, const char *name, const struct person_sealed *s,
		      const char *id_index, int64_t *id, struct buf *after, struct anju_err *e);
/* The person with that ID number (exact, through the blind index). */
int person_find(struct db *db, const char *id_number, int64_t *id, struct anju_err *e);
/* The blind index of an ID number as person_validate() normalises it: for
 * a caller that looks a person up and then adds it, so that the keyed hash
 * is computed once (person_find_index(), then person_add()). */
void person_id_index(const char *id_number, char out[PII_INDEX_LEN + 1]);
/* The blind index of an ID number as given (normalised first, per
 * GB 11643): 0 or ANJU_EINVAL (field "id_number"). */
int person_index_of(const char *id_number, char out[PII_INDEX_LEN + 1], struct anju_err *e);
/* person_find() by person_id_index(). */
int person_find_index(struct db *db, const char index[PII_INDEX_LEN + 1], int64_t *id,
		      struct anju_err *e);

/* Changes a person's name and phone (NULL: unchanged; phone "": removed).
 * *before and *after (new, NULL when nothing changed) are the masked
 * images of what changed, for a "person.update" audit row the caller
 * writes.  0, ANJU_EINVAL (field "name" or "phone"), ANJU_ENOTFOUND. */
int person_change(struct db *db, int64_t id, const char *name, const char *phone, json_t **before,
		  json_t **after, struct anju_err *e);
/* person_change() and its "person.update" audit row (none when nothing
 * changed). */
int person_update(struct db *db, int64_t id, const char *name, const char *phone,
		  const struct audit_actor *who, struct anju_err *e);

/* A person's ID number and phone as lists show them, of a person aliased a:
 * the stored mask (sql/031), or the sealed value of a row written before
 * masks were stored; person_mask_sealed() takes either. */
#define PERSON_ID_SHOWN(a)    "COALESCE(" a ".id_number_masked, " a ".id_number_sealed)"
#define PERSON_PHONE_SHOWN(a) "COALESCE(" a ".phone_masked, " a ".phone_sealed)"
/* The columns person_json_row() reads, of a person aliased p. */
#define PERSON_COLS                                                                                \
	"p.id, p.name, " PERSON_ID_SHOWN("p") ", " PERSON_PHONE_SHOWN("p") ", p.birth_date, p.sex"
#define PERSON_NCOLS 6
/* The Person JSON of the PERSON_COLS of st's row from column col: id, name,
 * id_number and phone masked (first 3 and last 4; null when absent or not
 * readable with the loaded keys), birth_date, sex.  New reference.  Made
 * from the text person_write_members() writes, the one definition. */
json_t *person_json_row(struct db_stmt *st, int col);

/* A person's masked ID number and phone as person_write_members() wrote
 * them ("" for null), for a reply that shows them again (a household's
 * head among the people found). */
struct person_masks {
	int64_t id;
	char id_number[PERSON_MASK_MAX];
	char phone[PERSON_MASK_MAX];
};
/* The Person's members (as person_json_row()) into the object open in w;
 * *m, when m is not NULL, gets the person's id and masks. */
void person_write_members(struct jw *w, struct db_stmt *st, int col, struct person_masks *m);
/* The masked form of shown (as person_mask_shown()) into w, or null when
 * absent or unreadable; a copy ("" for null) into copy (cap bytes) when copy
 * is not NULL. */
void person_write_masked(struct jw *w, const char *shown, char *copy, size_t cap);
/* The masked Person JSON of person id into *out (new).  0 or
 * ANJU_ENOTFOUND.  No scope: the caller has decided the person is seen. */
int person_json(struct db *db, int64_t id, json_t **out, struct anju_err *e);
/* A sealed value opened and masked into out (first 3, last 4): 0, or -1
 * when it cannot be opened (out is then ""). */
int person_mask_sealed(const char *sealed, char *out, size_t cap);
/* A PERSON_ID_SHOWN or PERSON_PHONE_SHOWN column into out: a stored mask
 * as it is, a sealed value as person_mask_sealed(). */
int person_mask_shown(const char *shown, char *out, size_t cap);

/* The clear value of a person's "id_number" or "phone" into *plain (free
 * with pii_plain_free(*plain, *n)).  0, ANJU_ENOTFOUND ("person_not_found",
 * or "phone_not_recorded"), ANJU_EINVAL (another field).  It checks nothing
 * about who asks: household_person_reveal() does, and audits. */
int person_open(struct db *db, int64_t id, const char *field, char **plain, size_t *n,
		struct anju_err *e);

#endif
