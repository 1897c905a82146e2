/*
 * Resident ID numbers (GB 11643-1999) and unified social credit codes
 * (GB 32100-2015), as RULES.md "Identifiers" states: what is validated
 * (check character, real birth date not in the future) and what is not
 * (the region code).  Also the masking used wherever personal data is shown.
 */
#ifndef ANJU_CORE_IDNUM_H
#define ANJU_CORE_IDNUM_H

#include <stddef.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"

struct idnum {
	char number[19]; /* normalised 18 characters, check 'X' upper-case */
	struct date birth;
	int male; /* 1 male, 0 female (digit 17 odd = male) */
};

/* The check character for the first 17 characters of digits17 ('0'..'9' or
 * 'X'); 0 if they are not 17 digits. */
char idnum_check_char(const char *digits17);

/* Validates an 18-character number, or converts a legacy 15-digit one (adds
 * "19" after digit 6 and the check character).  Surrounding spaces are
 * trimmed and a lower-case 'x' accepted.  today bounds the birth date.
 * 0, or ANJU_EINVAL with e->key one of "id_number_length", "id_number_chars",
 * "id_number_birth_date", "id_number_check_digit" and field "id_number". */
int idnum_parse(struct str in, struct date today, struct idnum *out, struct anju_err *e);

/* The check character for the first 17 symbols of a credit code (either
 * case); 0 if invalid symbols. */
char credit_code_check_char(const char *symbols17);
/* Validates an 18-character credit code (upper-cased, spaces trimmed) into
 * out.  0, or ANJU_EINVAL with e->key "credit_code_length",
 * "credit_code_chars" or "credit_code_check_digit", field "credit_code". */
int credit_code_parse(struct str in, char out[19], struct anju_err *e);

/* Masks s into out keeping head leading and tail trailing characters (UTF-8
 * aware), one '*' per hidden character: mask("421...1234", 3, 4) gives
 * "421***********1234".  Strings of at most head + tail characters are fully
 * masked.  out is truncated at cap between whole characters and always
 * NUL-terminated (nothing is written when cap is 0).  A byte that does not
 * start well-formed UTF-8 counts as one character. */
void mask_middle(const char *s, size_t head, size_t tail, char *out, size_t cap);
/* An ID number shown masked: first 3 and last 4. */
void idnum_mask(const char *number, char *out, size_t cap);

#endif
