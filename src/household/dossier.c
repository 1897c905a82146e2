/*
 * The household dossier (一户一档): the household, every member it has had,
 * its documents and its timeline, in one answer.  The timeline comes from
 * the registered sources (dossier/timeline.h) about the household and each
 * member's person, so later modules add to it without changing this file.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "dossier/timeline.h"
#include "files/files.h"
#include "household/household.h"
#include "household/internal.h"

int
household_dossier(struct db *db, const struct caller *c, int64_t id, int timeline_limit,
		  json_t **out, struct anju_err *e)
{
	struct timeline_ref *refs = NULL;
	json_t *h = NULL, *members, *active, *m, *attachments = NULL, *timeline = NULL;
	int64_t community;
	size_t i;
	int nrefs = 0, rc;

	if (timeline_limit < 1 || timeline_limit > TIMELINE_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "timeline_limit",
				 "timeline_limit 应在 1 到 %d 之间", TIMELINE_MAX);
	if ((rc = household_community(db, c, id, &community, e)) != 0 ||
	    (rc = household_json(db, id, true, &h, e)) != 0)
		return rc;
	/* The household as household_get() shows it (active members); every
	 * member, former ones too, beside it. */
	members = json_incref(json_object_get(h, "members"));
	active = json_array();
	json_array_foreach (members, i, m)
		if (json_is_null(json_object_get(m, "left_at")))
			json_array_append(active, m);
	json_object_set_new(h, "members", active);
	refs = xcalloc(json_array_size(members) + 1, sizeof(*refs));
	refs[nrefs++] = (struct timeline_ref){ "household", id };
	json_array_foreach (members, i, m) {
		int64_t person = json_integer_value(json_object_get(m, "person_id"));
		bool seen = false;

		for (int k = 1; k < nrefs && !seen; k++)
			seen = refs[k].id == person;
		if (!seen)
			refs[nrefs++] = (struct timeline_ref){ "person", person };
	}
	if ((rc = attachment_list(db, "household", id, &attachments, e)) != 0 ||
	    (rc = timeline_build(db, c, refs, nrefs, timeline_limit, &timeline, e)) != 0)
		goto out;
	*out = json_pack("{s:O, s:O, s:O, s:O}", "household", h, "members", members, "attachments",
			 attachments, "timeline", timeline);
out:
	free(refs);
	json_decref(h);
	json_decref(members);
	json_decref(attachments);
	json_decref(timeline);
	return rc;
}
