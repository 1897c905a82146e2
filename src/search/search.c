/*
 * The search box.  See search.h.  This file only decides what a query is
 * and asks the modules that own the rows: households and people
 * (household/household.h), units (housing/housing.h).
 */
#include "search/search.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "access/person.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/jsonw.h"
#include "household/household.h"
#include "housing/housing.h"

static const char *const kind_names[] = { "id_number", "phone", "unit_number", "name" };

static bool
unit_like(struct str s)
{
	bool digit = false;

	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];

		if (ch >= '0' && ch <= '9')
			digit = true;
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-'))
			return false;
	}
	return digit;
}

enum search_kind
search_classify(const char *q, char norm[SEARCH_Q_MAX + 1])
{
	struct str s = str_trim(str_c(q));
	struct idnum idn;
	char digits[16];
	enum search_kind kind = SEARCH_NAME;

	if (s.n > SEARCH_Q_MAX)
		s.n = SEARCH_Q_MAX;
	snprintf(norm, SEARCH_Q_MAX + 1, "%.*s", (int)s.n, s.p);
	if ((s.n == 18 || s.n == 15) && idnum_parse(s, date_today_shanghai(), &idn, NULL) == 0) {
		snprintf(norm, SEARCH_Q_MAX + 1, "%s", idn.number);
		kind = SEARCH_ID_NUMBER;
	} else if (person_phone_digits(norm, digits, NULL) == 0) {
		snprintf(norm, SEARCH_Q_MAX + 1, "%s", digits);
		kind = SEARCH_PHONE;
	} else if (unit_like(s)) {
		kind = SEARCH_UNIT;
	}
	explicit_bzero(&idn, sizeof(idn));
	explicit_bzero(digits, sizeof(digits));
	return kind;
}

int
search_run(struct db *db, const struct caller *c, const char *q, struct buf *out,
	   struct anju_err *e)
{
	struct str s = str_trim(str_c(q));
	char norm[SEARCH_Q_MAX + 1], text[SEARCH_Q_MAX + 1];
	enum search_kind kind;
	enum household_search_by by = HOUSEHOLD_SEARCH_NAME;
	const char *value = norm;
	struct jw w;
	int rc = 0;

	if (s.n == 0 || s.n > SEARCH_Q_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "q",
				 "请输入 1 到 %d 字节的查询内容", SEARCH_Q_MAX);
	snprintf(text, sizeof(text), "%.*s", (int)s.n, s.p);
	kind = search_classify(text, norm);
	jw_init(&w, out);
	jw_object(&w);
	jw_key(&w, "kind");
	jw_string(&w, kind_names[kind]);
	switch (kind) {
	case SEARCH_ID_NUMBER: by = HOUSEHOLD_SEARCH_ID_NUMBER; break;
	case SEARCH_PHONE: by = HOUSEHOLD_SEARCH_PHONE; break;
	case SEARCH_UNIT: value = ""; break; /* no people: an empty value finds none */
	case SEARCH_NAME: value = text; break;
	}
	rc = household_search(db, c, by, value, SEARCH_LIMIT, &w, NULL, 0, NULL, e);
	explicit_bzero(norm, sizeof(norm));
	/* Only a phone or a unit number can begin a unit's number: an empty
	 * prefix finds none. */
	jw_key(&w, "units");
	if (rc == 0)
		rc = unit_search_number(db, c,
					kind == SEARCH_PHONE || kind == SEARCH_UNIT ? text : "",
					SEARCH_LIMIT, &w, e);
	jw_object_end(&w);
	if (rc == 0 && w.rc != 0)
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "search reply: %d", w.rc);
	return rc;
}
