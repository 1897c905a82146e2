/*
 * Evidence of violation cases: photos, documents and statements, each with
 * its hash, its taken and stored times and who added it.  Append-only:
 * this file inserts and reads violation_evidence, and nothing anywhere
 * updates or deletes it; the files are attachments of an owner that
 * refuses removal (files/owners.c).  See violation.h.
 */
#include <stdio.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/text.h"
#include "files/files.h"
#include "store/db.h"
#include "upkeep/violation.h"
#include "upkeep/violation_int.h"

const char *const violation_evidence_kinds[] = { "photo", "document", "statement", NULL };

static unsigned
rd16(const unsigned char *p, bool le)
{
	return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const unsigned char *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[3] << 24
		  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
			       (uint32_t)p[3];
}

/* The value offset of tag in the IFD at off of the TIFF block t (n bytes):
 * its entry's 4-byte value field (count and value offset as the entry
 * gives), or 0 when absent. */
static size_t
ifd_find(const unsigned char *t, size_t n, bool le, size_t off, unsigned tag, uint32_t *count)
{
	unsigned entries;

	if (off + 2 > n)
		return 0;
	entries = rd16(t + off, le);
	for (unsigned i = 0; i < entries; i++) {
		size_t ent = off + 2 + 12 * (size_t)i;

		if (ent + 12 > n)
			return 0;
		if (rd16(t + ent, le) == tag) {
			*count = rd32(t + ent + 4, le);
			return ent + 8;
		}
	}
	return 0;
}

int
violation_exif_taken(const void *data, size_t n, char out[28])
{
	const unsigned char *p = data;
	size_t i = 2;

	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return -1;
	while (i + 4 <= n && p[i] == 0xFF) {
		unsigned marker = p[i + 1];
		size_t len = (size_t)p[i + 2] << 8 | p[i + 3];

		if (marker == 0xDA || marker == 0xD9 || len < 2 || i + 2 + len > n)
			return -1;
		if (marker == 0xE1 && len >= 8 + 8 && memcmp(p + i + 4, "Exif\0\0", 6) == 0) {
			const unsigned char *t = p + i + 10;
			size_t tn = len - 8, at;
			bool le = t[0] == 'I';
			uint32_t count = 0, ifd;
			struct date d;
			int hh, mm, ss;
			char text[20];

			if ((t[0] != 'I' && t[0] != 'M') || rd16(t + 2, le) != 42)
				return -1;
			ifd = rd32(t + 4, le);
			at = ifd_find(t, tn, le, ifd, 0x8769, &count); /* the Exif IFD */
			if (at == 0)
				return -1;
			at = ifd_find(t, tn, le, rd32(t + at, le), 0x9003, &count);
			if (at == 0 || count < 19)
				return -1;
			at = rd32(t + at, le);
			if (at + 19 > tn)
				return -1;
			memcpy(text, t + at, 19);
			text[19] = '\0';
			if (sscanf(text, "%4d:%2d:%2d %2d:%2d:%2d", &d.y, &d.m, &d.d, &hh, &mm,
				   &ss) != 6 ||
			    !date_valid(d) || hh > 23 || mm > 59 || ss > 59 || hh < 0 || mm < 0 ||
			    ss < 0)
				return -1;
			time_format_utc(shanghai_to_utc_us(d, hh, mm) + (int64_t)ss * 1000000, out);
			return 0;
		}
		i += 2 + len;
	}
	return -1;
}

static int
case_open_for_evidence(struct db *db, const struct caller *c, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	char state[32] = "";
	int64_t community;
	int rc;

	if ((rc = violation_case_community(db, c, id, &community, e)) != 0)
		return rc;
	if ((rc = db_prepare(db, "SELECT state FROM violation_case WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		snprintf(state, sizeof(state), "%s", db_col_text(st, 0));
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (strcmp(state, "dismissed") == 0 || strcmp(state, "rectified") == 0 ||
	    strcmp(state, "referred") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "violation_state", "state",
				 "案件当前状态为 %s，不能再添加证据", state);
	return 0;
}

int
violation_evidence_add(struct db *db, const struct caller *c, const struct audit_actor *who,
		       int64_t case_id, const struct violation_evidence_in *in, int64_t *id,
		       struct anju_err *e)
{
	struct db_stmt *st;
	char sha[65], taken[TIME_FMT_LEN], now[TIME_FMT_LEN], oid[24];
	const char *taken_source = NULL;
	int64_t attachment_id = 0, us;
	json_t *after;
	bool statement;
	int rc;

	*id = 0;
	if (!violation_in_list(violation_evidence_kinds, in->kind))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "kind",
				 "证据类型应为 photo、document 或 statement");
	statement = strcmp(in->kind, "statement") == 0;
	if (in->note != NULL && text_chars(in->note) > 200)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "备注不超过 200 个字符");
	taken[0] = '\0';
	if (in->taken_at != NULL && in->taken_at[0] != '\0') {
		if (time_parse_utc(str_c(in->taken_at), &us) != 0)
			return anju_fail(e, ANJU_EINVAL, "invalid_time", "taken_at",
					 "拍摄时间应为 ISO 8601 UTC 时间");
		if (us > time_now_us() + 5 * 60 * 1000000LL)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", "taken_at",
					 "拍摄时间不能晚于现在");
		time_format_utc(us, taken);
		taken_source = "given";
	}
	if (statement) {
		size_t n = in->statement != NULL ? text_chars(in->statement) : 0;

		if (n < 1 || n > VIOLATION_STATEMENT_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_length", "statement",
					 "陈述应为 1 到 %d 个字符", VIOLATION_STATEMENT_MAX);
		if ((rc = case_open_for_evidence(db, c, case_id, e)) != 0)
			return rc;
		sha256_hex(in->statement, strlen(in->statement), sha);
	} else {
		const char *type = files_sniff(in->data, in->size);
		struct attachment_in a = { "violation_case",
					   case_id,
					   strcmp(in->kind, "photo") == 0 ? "photo" : "other",
					   in->filename,
					   in->note,
					   in->data,
					   in->size };

		if ((rc = case_open_for_evidence(db, c, case_id, e)) != 0)
			return rc;
		if (in->size > 0 && strcmp(in->kind, "photo") == 0 &&
		    (type == NULL || strncmp(type, "image/", 6) != 0))
			return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
					 "照片应为 JPEG 或 PNG 格式");
		if ((rc = attachment_add(db, c, &a, who, &attachment_id, e)) != 0)
			return rc;
		sha256_hex(in->data, in->size, sha);
		if (taken_source == NULL && violation_exif_taken(in->data, in->size, taken) == 0)
			taken_source = "exif";
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO violation_evidence (case_id, kind, attachment_id, sha256,"
			" statement, note, taken_at, taken_source, stored_at, added_by,"
			" added_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, case_id);
	db_bind_cstr(st, 2, in->kind);
	violation_bind_id(st, 3, attachment_id);
	db_bind_cstr(st, 4, sha);
	db_bind_cstr(st, 5, statement ? in->statement : NULL);
	db_bind_cstr(st, 6, in->note != NULL ? in->note : "");
	db_bind_cstr(st, 7, taken_source != NULL ? taken : NULL);
	db_bind_cstr(st, 8, taken_source);
	db_bind_cstr(st, 9, now);
	db_bind_cstr(st, 10, violation_principal(who));
	db_bind_cstr(st, 11, who != NULL ? who->name : NULL);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)case_id);
	after = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s}", "evidence_id", (json_int_t)*id, "kind",
			  in->kind, "attachment_id",
			  attachment_id > 0 ? json_integer(attachment_id) : json_null(), "sha256",
			  sha, "taken_at", taken_source != NULL ? json_string(taken) : json_null(),
			  "stored_at", now);
	rc = audit_write(db, who, "violation.evidence_add", "violation_case", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
violation_evidence_list(struct db *db, int64_t case_id, json_t *out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(
		db,
		"SELECT v.id, v.kind, v.attachment_id, a.filename, a.media_type, a.size,"
		" v.sha256, v.statement, v.note, v.taken_at, v.taken_source, v.stored_at,"
		" v.added_by, v.added_by_name FROM violation_evidence v LEFT JOIN attachment a"
		" ON a.id = v.attachment_id WHERE v.case_id = ? ORDER BY v.id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, case_id);
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		static const char *const names[] = { "id",       "kind",         "attachment_id",
						     "filename", "media_type",   "size",
						     "sha256",   "statement",    "note",
						     "taken_at", "taken_source", "stored_at",
						     "added_by", "added_by_name" };

		for (int i = 0; i < 14; i++) {
			json_t *v;

			if (db_col_null(st, i))
				v = json_null();
			else if (i == 0 || i == 2 || i == 5)
				v = json_integer(db_col_int64(st, i));
			else
				v = json_string(db_col_text(st, i));
			json_object_set_new(o, names[i], v);
		}
		json_array_append_new(out, o);
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}
