/*
 * Department datasets for cross-checks (联审数据): property registration,
 * vehicles, business registration, social insurance and wages, assistance
 * status.  An import stores the file sealed (dataset_part) and queues the
 * job "import_dataset", which reads it row by row, keeps of each good row
 * only the blind index of the ID number and the facts the rules need
 * (dataset_record), lists each bad row with why (dataset_error), and at the
 * end makes the newest import of the source (latest as_of, then id) the
 * active one; older ones stay, superseded.  The file is dropped when read.
 *
 * The job works in chunks of rows, each a transaction with its checkpoint
 * "r:<line>:<records>:<errors>", so a job taken over after a crash resumes
 * after the last committed row with nothing kept twice.  A file that cannot
 * be read at all (encoding, a broken quote, a header without the needed
 * columns) fails the import: its records are removed, the dataset is
 * 'failed' with the reason as its one error row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/money.h"
#include "core/text.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"
#include "tenancy/eligibility.h"

#define CHUNK_ROWS  5000
#define NAME_MAX_CH 100
#define NOTE_MAX_CH 500
/* Ten million square metres, or a trillion yuan: beyond is a typing error. */
#define AREA_MAX   INT64_C(1000000000)
#define AMOUNT_MAX INT64_C(100000000000000)

static const struct {
	const char *name, *title;
} sources[DATASET_NSOURCES] = {
	[DATASET_PROPERTY] = { "property", "不动产登记（自然资源和规划局）" },
	[DATASET_VEHICLE] = { "vehicle", "机动车登记（公安）" },
	[DATASET_BUSINESS] = { "business", "市场主体登记（市场监管）" },
	[DATASET_INSURANCE] = { "insurance", "社会保险与工资（人社）" },
	[DATASET_ASSISTANCE] = { "assistance", "低保特困救助（民政）" },
};

int
dataset_source_parse(const char *name, enum dataset_source *out)
{
	for (int i = 0; name != NULL && i < DATASET_NSOURCES; i++)
		if (strcmp(sources[i].name, name) == 0) {
			*out = (enum dataset_source)i;
			return 0;
		}
	return -1;
}

const char *
dataset_source_name(enum dataset_source s)
{
	return (unsigned)s < DATASET_NSOURCES ? sources[s].name : NULL;
}

const char *
dataset_source_title(enum dataset_source s)
{
	return (unsigned)s < DATASET_NSOURCES ? sources[s].title : NULL;
}

bool
dataset_may_import(const struct caller *c)
{
	return c != NULL && (c->kind == CALLER_SYSTEM || c->role == ROLE_BUREAU ||
			     c->role == ROLE_OPERATOR_MANAGER);
}

/* ---- columns ---- */

enum column {
	COL_ID_NUMBER,
	COL_AREA,
	COL_VALUE,
	COL_COMPANY,
	COL_CAPITAL,
	COL_MONTHS,
	COL_WAGE,
	COL_STATUS,
	COL_COUNT,
};

/* The names a column goes by (after header_key()), its title for errors. */
static const struct {
	const char *title;
	const char *names[6];
} columns[COL_COUNT] = {
	[COL_ID_NUMBER] = { "身份证号", { "身份证号", "身份证号码", "证件号码", "id_number" } },
	[COL_AREA] = { "面积", { "面积", "建筑面积", "房屋面积", "area_m2", "area" } },
	[COL_VALUE] = { "价值", { "价值", "车辆价值", "value_yuan", "value" } },
	[COL_COMPANY] = { "企业名称", { "企业名称", "名称", "市场主体名称", "company" } },
	[COL_CAPITAL] = { "注册资本", { "注册资本", "capital_yuan", "capital" } },
	[COL_MONTHS] = { "缴费月数", { "缴费月数", "参保月数", "months" } },
	[COL_WAGE] = { "月工资", { "月工资", "缴费工资", "monthly_wage_yuan", "monthly_wage" } },
	[COL_STATUS] = { "救助类型", { "救助类型", "类型", "status" } },
};

/* Required (2) and optional (1) columns of each source. */
static const char needs[DATASET_NSOURCES][COL_COUNT] = {
	[DATASET_PROPERTY] = { [COL_ID_NUMBER] = 2, [COL_AREA] = 2 },
	[DATASET_VEHICLE] = { [COL_ID_NUMBER] = 2, [COL_VALUE] = 2 },
	[DATASET_BUSINESS] = { [COL_ID_NUMBER] = 2, [COL_COMPANY] = 2, [COL_CAPITAL] = 1 },
	[DATASET_INSURANCE] = { [COL_ID_NUMBER] = 2, [COL_MONTHS] = 2, [COL_WAGE] = 2 },
	[DATASET_ASSISTANCE] = { [COL_ID_NUMBER] = 2, [COL_STATUS] = 2 },
};

/* A header as people write it ("建筑面积（㎡）", "*身份证号", "Area m2"): the
 * part in brackets and asterisks dropped, English lower-cased with spaces
 * and hyphens as underscores. */
static void
header_key(struct str h, char *out, size_t cap)
{
	size_t n = h.n, k = 0;
	const char *p = h.p;

	while (n > 0 && (*p == '*' || *p == ' ')) {
		p++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] == '(' || (i + 3 <= n && memcmp(p + i, "（", 3) == 0)) {
			n = i;
			break;
		}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '*'))
		n--;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		char ch = p[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (ch == ' ' || ch == '-')
			ch = '_';
		out[k++] = ch;
	}
	out[k] = '\0';
}

/* Where each needed column is in the header; -1 with a reason when one is
 * missing or given twice. */
static int
map_header(enum dataset_source src, const struct csv_row *h, int at[COL_COUNT], char *why,
	   size_t cap)
{
	for (int c = 0; c < COL_COUNT; c++)
		at[c] = -1;
	for (size_t i = 0; i < h->n; i++) {
		char key[128];

		header_key(h->fields[i], key, sizeof(key));
		for (int c = 0; c < COL_COUNT; c++) {
			if (needs[src][c] == 0)
				continue;
			for (int k = 0; k < 6 && columns[c].names[k] != NULL; k++)
				if (strcmp(key, columns[c].names[k]) == 0) {
					if (at[c] >= 0) {
						snprintf(why, cap, "表头中“%s”列出现两次",
							 columns[c].title);
						return -1;
					}
					at[c] = (int)i;
				}
		}
	}
	for (int c = 0; c < COL_COUNT; c++)
		if (needs[src][c] == 2 && at[c] < 0) {
			snprintf(why, cap, "表头缺少“%s”列（%s数据需要：%s）", columns[c].title,
				 sources[src].title, columns[c].names[0]);
			return -1;
		}
	return 0;
}

/* ---- creating an import ---- */

/* The uploaded file of dataset id, kept sealed until its job has read it. */
static struct pii_parts
input_parts(int64_t id)
{
	return (struct pii_parts){
		"INSERT INTO dataset_part (dataset_id, seq, sealed) VALUES (?, ?, ?)",
		"SELECT sealed FROM dataset_part WHERE dataset_id = ? ORDER BY seq",
		"DELETE FROM dataset_part WHERE dataset_id = ?",
		id,
		NULL,
		"dataset",
	};
}

int
dataset_import_create(struct db *db, const struct caller *c, const struct audit_actor *who,
		      const struct dataset_in *in, const char *data, size_t n, int64_t *dataset_id,
		      int64_t *job_id, struct anju_err *e)
{
	const struct keyring *kr = keys_current();
	const char *enc = in->encoding != NULL ? in->encoding : "auto";
	char today[DATE_FMT_LEN], now[TIME_FMT_LEN], name[400], oid[24];
	struct pii_parts parts;
	struct db_stmt *st;
	json_t *params, *after;
	struct date d;
	int rc;

	if (!dataset_may_import(c))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "无权导入联审数据");
	if ((unsigned)in->source >= DATASET_NSOURCES)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "source", "没有这种数据来源");
	if (in->as_of == NULL || date_parse(str_c(in->as_of), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_date", "as_of",
				 "数据日期应为 YYYY-MM-DD 格式");
	date_format(date_today_shanghai(), today);
	if (strcmp(in->as_of, today) > 0)
		return anju_fail(e, ANJU_EINVAL, "as_of_in_future", "as_of",
				 "数据日期不能晚于今天（%s）", today);
	if (strcmp(enc, "auto") != 0 && strcmp(enc, "utf8") != 0 && strcmp(enc, "gb18030") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "encoding",
				 "编码应为 auto、utf8 或 gb18030");
	if (in->name != NULL && text_chars(in->name) > NAME_MAX_CH)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "name", "名称不能超过 %d 个字符",
				 NAME_MAX_CH);
	if (in->note != NULL && text_chars(in->note) > NOTE_MAX_CH)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "note", "说明不能超过 %d 个字符",
				 NOTE_MAX_CH);
	if (n == 0)
		return anju_fail(e, ANJU_EINVAL, "empty_file", NULL, "文件是空的");
	if (n > DATASET_MAX_INPUT)
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "文件超过 %d MiB 的上限",
				 DATASET_MAX_INPUT >> 20);
	if (kr == NULL)
		return anju_fail(e, ANJU_EINTERNAL, "no_keyring", NULL,
				 "the personal-data keys are not loaded");
	if (in->name != NULL && in->name[0] != '\0')
		snprintf(name, sizeof(name), "%s", in->name);
	else
		snprintf(name, sizeof(name), "%s %s", sources[in->source].title, in->as_of);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO dataset (source, as_of, name, note, encoding, state, size,"
			" created_by, created_at) VALUES (?, ?, ?, ?, ?, 'importing', ?, ?, ?)"
			" RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, sources[in->source].name);
	db_bind_cstr(st, 2, in->as_of);
	db_bind_cstr(st, 3, name);
	db_bind_cstr(st, 4, in->note != NULL ? in->note : "");
	db_bind_cstr(st, 5, enc);
	db_bind_int64(st, 6, (int64_t)n);
	db_bind_cstr(st, 7, c->principal);
	db_bind_cstr(st, 8, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*dataset_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	parts = input_parts(*dataset_id);
	if ((rc = pii_parts_put(db, &parts, data, n, e)) != 0)
		return rc;
	params = json_pack("{s:I}", "dataset_id", (json_int_t)*dataset_id);
	rc = job_create(db, "import_dataset", params, c->principal, job_id, e);
	json_decref(params);
	if (rc != 0)
		return rc;
	if ((rc = db_prepare(db, "UPDATE dataset SET job_id = ? WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, *job_id);
	db_bind_int64(st, 2, *dataset_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	after = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "source", sources[in->source].name,
			  "as_of", in->as_of, "name", name, "encoding", enc, "size", (json_int_t)n,
			  "job_id", (json_int_t)*job_id);
	snprintf(oid, sizeof(oid), "%lld", (long long)*dataset_id);
	rc = audit_write(db, who, "dataset.import", "dataset", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

/* ---- the job ---- */

struct importer {
	struct job_ctx *ctx;
	struct db *db;
	int64_t id;
	enum dataset_source source;
	char source_name[16], as_of[DATE_FMT_LEN], created_by[128];
	int at[COL_COUNT];
	struct date today;
	int64_t line, records, errors; /* so far, committed; errors: rows refused */
	int64_t total_lines;
};

static const char *
cell(const struct csv_row *row, const int at[COL_COUNT], enum column c, char *buf, size_t cap)
{
	struct str s;

	if (at[c] < 0 || (size_t)at[c] >= row->n) {
		buf[0] = '\0';
		return buf;
	}
	s = str_trim(row->fields[at[c]]);
	snprintf(buf, cap, "%.*s", (int)s.n, s.p);
	return buf;
}

static int put_error(struct importer *im, int64_t line, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
put_error(struct importer *im, int64_t line, const char *col, const char *fmt, ...)
{
	struct db_stmt *st;
	char reason[300];
	va_list ap;
	int rc;

	/* Past the cap the rows are still counted, no longer listed. */
	if (im->errors >= DATASET_MAX_ERRORS)
		return 0;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	rc = db_prepare(im->db,
			"INSERT INTO dataset_error (dataset_id, row_no, col, reason)"
			" VALUES (?, ?, ?, ?) ON CONFLICT (dataset_id, row_no, col) DO NOTHING",
			&st);
	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, im->id);
	db_bind_int64(st, 2, line);
	db_bind_cstr(st, 3, col);
	db_bind_cstr(st, 4, reason);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? rc : 0;
}

static int
put_record(struct importer *im, const char *index, const char *kind, int64_t v, const char *text)
{
	struct db_stmt *st;
	int rc = db_prepare(im->db,
			    "INSERT INTO dataset_record (dataset_id, id_index, kind, value_int,"
			    " value_text) VALUES (?, ?, ?, ?, ?)",
			    &st);

	if (rc != 0)
		return rc;
	db_bind_int64(st, 1, im->id);
	db_bind_cstr(st, 2, index);
	db_bind_cstr(st, 3, kind);
	db_bind_int64(st, 4, v);
	db_bind_cstr(st, 5, text);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return rc;
	im->records++;
	return 0;
}

/* An amount in yuan with at most two decimals, within [min, max] fen. */
static bool
yuan_ok(const char *s, int64_t min, int64_t max, int64_t *fen)
{
	return s[0] != '\0' && money_parse(str_c(s), fen) == 0 && *fen >= min && *fen <= max;
}

static const char *
idnum_reason(const char *key)
{
	if (strcmp(key, "id_number_check_digit") == 0)
		return "身份证号校验位错误";
	if (strcmp(key, "id_number_birth_date") == 0)
		return "身份证号中的出生日期无效";
	if (strcmp(key, "id_number_length") == 0)
		return "身份证号应为 18 位（或 15 位旧号）";
	return "身份证号含有无效字符";
}

/* One data row: its records, or its errors. */
static int
import_row(struct importer *im, const struct csv_row *row)
{
	const struct keyring *kr = keys_current();
	char v[4096], index[PII_INDEX_LEN + 1], company[128];
	struct idnum idn;
	struct anju_err e;
	int64_t a = 0, b = 0;
	const char *text = "", *kind2 = NULL;
	const char *kind;
	int errs = 0, rc = 0;

	cell(row, im->at, COL_ID_NUMBER, v, sizeof(v));
	if (v[0] == '\0') {
		errs++;
		if ((rc = put_error(im, (int64_t)row->line, "身份证号", "身份证号为空")) != 0)
			return rc;
	} else if (idnum_parse(str_c(v), im->today, &idn, &e) != 0) {
		errs++;
		if ((rc = put_error(im, (int64_t)row->line, "身份证号", "%s",
				    idnum_reason(e.key))) != 0)
			return rc;
	}
	switch (im->source) {
	case DATASET_PROPERTY:
		kind = "area";
		if (!yuan_ok(cell(row, im->at, COL_AREA, v, sizeof(v)), 1, AREA_MAX, &a)) {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_AREA].title,
				       "面积应为大于 0 的平方米数，最多两位小数");
		}
		break;
	case DATASET_VEHICLE:
		kind = "vehicle";
		if (!yuan_ok(cell(row, im->at, COL_VALUE, v, sizeof(v)), 0, AMOUNT_MAX, &a)) {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_VALUE].title,
				       "价值应为不小于 0 的元数，最多两位小数");
		}
		break;
	case DATASET_BUSINESS: {
		size_t n;

		kind = "business";
		cell(row, im->at, COL_COMPANY, v, sizeof(v));
		if (v[0] == '\0') {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_COMPANY].title,
				       "企业名称为空");
			break;
		}
		/* A short name is all the rules need: cut at a character. */
		n = strlen(v);
		if (n > sizeof(company) - 1) {
			n = sizeof(company) - 1;
			while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(company, v, n);
		company[n] = '\0';
		text = company;
		cell(row, im->at, COL_CAPITAL, v, sizeof(v));
		if (v[0] != '\0' && !yuan_ok(v, 0, AMOUNT_MAX, &a)) {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_CAPITAL].title,
				       "注册资本应为不小于 0 的元数，最多两位小数");
		}
		break;
	}
	case DATASET_INSURANCE:
		kind = "insurance_months";
		kind2 = "monthly_wage";
		cell(row, im->at, COL_MONTHS, v, sizeof(v));
		if (str_to_int64(str_c(v), 0, 1200, &a) != 0) {
			errs++;
			if ((rc = put_error(im, (int64_t)row->line, columns[COL_MONTHS].title,
					    "缴费月数应为 0 到 1200 的整数")) != 0)
				return rc;
		}
		if (!yuan_ok(cell(row, im->at, COL_WAGE, v, sizeof(v)), 0, AMOUNT_MAX, &b)) {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_WAGE].title,
				       "月工资应为不小于 0 的元数，最多两位小数");
		}
		break;
	case DATASET_ASSISTANCE:
		kind = "assistance";
		cell(row, im->at, COL_STATUS, v, sizeof(v));
		if (strcmp(v, "dibao") == 0 || strcmp(v, "低保") == 0)
			text = "dibao";
		else if (strcmp(v, "tekun") == 0 || strcmp(v, "特困") == 0 ||
			 strcmp(v, "特困供养") == 0)
			text = "tekun";
		else {
			errs++;
			rc = put_error(im, (int64_t)row->line, columns[COL_STATUS].title,
				       "救助类型应为 低保（dibao）或 特困（tekun）");
		}
		break;
	default: return ANJU_EINTERNAL;
	}
	if (rc != 0 || errs > 0) {
		explicit_bzero(&idn, sizeof(idn));
		im->errors++;
		return rc;
	}
	pii_index(kr, "id_number", idn.number, index);
	explicit_bzero(&idn, sizeof(idn));
	if ((rc = put_record(im, index, kind, a, text)) != 0)
		return rc;
	if (kind2 != NULL && (rc = put_record(im, index, kind2, b, "")) != 0)
		return rc;
	/* Counted once per row, not per record. */
	return 0;
}

/* Finishes: the counts, the state of this import and the older ones, the
 * file dropped.  failed: why the file could not be read. */
static int
finish(struct importer *im, const char *failed, const char *encoding, struct anju_err *e)
{
	const struct pii_parts parts = input_parts(im->id);
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	const char *state = "active";
	json_t *after;
	int rc;

	time_format_utc(time_now_us(), now);
	if (failed != NULL) {
		state = "failed";
		im->records = 0;
		if ((rc = db_prepare(im->db, "DELETE FROM dataset_record WHERE dataset_id = ?",
				     &st)) != 0)
			return db_fail(im->db, rc, e);
		db_bind_int64(st, 1, im->id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(im->db, rc, e);
		/* The reason replaces whatever rows were listed. */
		if ((rc = db_prepare(im->db, "DELETE FROM dataset_error WHERE dataset_id = ?",
				     &st)) != 0)
			return db_fail(im->db, rc, e);
		db_bind_int64(st, 1, im->id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(im->db, rc, e);
		im->errors = 0;
		if ((rc = put_error(im, 0, "", "%s", failed)) != 0)
			return db_fail(im->db, rc, e);
		im->errors = 1;
	} else {
		/* Older active imports of the source give way; a newer one keeps
		 * this one from becoming active. */
		rc = db_prepare(im->db,
				"UPDATE dataset SET state = 'superseded' WHERE source = ?"
				" AND state = 'active' AND id <> ?"
				" AND (as_of < ? OR (as_of = ? AND id < ?))",
				&st);
		if (rc != 0)
			return db_fail(im->db, rc, e);
		db_bind_cstr(st, 1, im->source_name);
		db_bind_int64(st, 2, im->id);
		db_bind_cstr(st, 3, im->as_of);
		db_bind_cstr(st, 4, im->as_of);
		db_bind_int64(st, 5, im->id);
		rc = db_step(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(im->db, rc, e);
		rc = db_prepare(im->db,
				"SELECT COUNT(*) FROM dataset WHERE source = ? AND state = 'active'"
				" AND id <> ?",
				&st);
		if (rc != 0)
			return db_fail(im->db, rc, e);
		db_bind_cstr(st, 1, im->source_name);
		db_bind_int64(st, 2, im->id);
		rc = db_step(st);
		if (rc == DB_ROW && db_col_int64(st, 0) > 0)
			state = "superseded";
		db_reset(st);
		if (rc != DB_ROW)
			return db_fail(im->db, rc < 0 ? rc : ANJU_EDB, e);
	}
	rc = db_prepare(im->db,
			"UPDATE dataset SET state = ?, rows = ?, error_rows = ?, encoding = ?,"
			" finished_at = ? WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(im->db, rc, e);
	db_bind_cstr(st, 1, state);
	db_bind_int64(st, 2, im->records);
	db_bind_int64(st, 3, im->errors);
	db_bind_cstr(st, 4, encoding);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, im->id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(im->db, rc, e);
	if ((rc = pii_parts_drop(im->db, &parts, e)) != 0)
		return rc;
	{
		struct audit_actor who = { im->created_by, NULL, NULL, NULL, NULL };
		char rid[32];

		snprintf(rid, sizeof(rid), "job-%lld", (long long)job_id(im->ctx));
		who.request_id = rid;
		after = json_pack("{s:s, s:I, s:I, s:s}", "state", state, "rows",
				  (json_int_t)im->records, "error_rows", (json_int_t)im->errors,
				  "encoding", encoding);
		snprintf(oid, sizeof(oid), "%lld", (long long)im->id);
		rc = audit_write(im->db, &who, failed ? "dataset.fail" : "dataset.finish",
				 "dataset", oid, NULL, after, e);
		json_decref(after);
	}
	if (rc == 0)
		job_set_result(im->ctx, json_pack("{s:I, s:s, s:I, s:I, s:s}", "dataset_id",
						  (json_int_t)im->id, "state", state, "rows",
						  (json_int_t)im->records, "error_rows",
						  (json_int_t)im->errors, "encoding", encoding));
	return rc;
}

static int
load_dataset(struct importer *im, char *state, size_t scap, char *enc, size_t ecap,
	     struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(im->db,
			    "SELECT source, as_of, state, encoding, created_by FROM dataset"
			    " WHERE id = ?",
			    &st);

	if (rc != 0)
		return db_fail(im->db, rc, e);
	db_bind_int64(st, 1, im->id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(im->source_name, sizeof(im->source_name), "%s", db_col_text(st, 0));
		snprintf(im->as_of, sizeof(im->as_of), "%s", db_col_text(st, 1));
		snprintf(state, scap, "%s", db_col_text(st, 2));
		snprintf(enc, ecap, "%s", db_col_text(st, 3));
		snprintf(im->created_by, sizeof(im->created_by), "%s", db_col_text(st, 4));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "dataset_not_found", NULL, "没有这批数据");
	if (rc != DB_ROW)
		return db_fail(im->db, rc, e);
	if (dataset_source_parse(im->source_name, &im->source) != 0)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "unknown source %s",
				 im->source_name);
	return 0;
}

/* Fails the import in a chunk of its own, then the job. */
static int
fail_import(struct importer *im, const char *why, const char *encoding, struct anju_err *e)
{
	int rc;

	if ((rc = job_chunk_begin(im->ctx, e)) != 0)
		return rc;
	if ((rc = finish(im, why, encoding, e)) != 0) {
		job_chunk_abort(im->ctx);
		return rc;
	}
	if ((rc = job_chunk_end(im->ctx, im->total_lines, im->total_lines, "done", "导入失败",
				e)) != 0)
		return rc;
	return anju_fail(e, ANJU_EUNPROCESSABLE, "dataset_unreadable", NULL, "%s", why);
}

static int
run_import(struct job_ctx *ctx, struct anju_err *e)
{
	struct importer im = { .ctx = ctx, .db = job_db(ctx) };
	struct csv_limits lim = { 4096, 64, DATASET_MAX_ROWS + 1 };
	struct pii_parts parts;
	char state[24], enc_asked[16], why[300], resume[96];
	const char *encoding = "utf8";
	enum csv_encoding enc = CSV_AUTO;
	struct buf data;
	struct csv *csv = NULL;
	struct csv_row row;
	long long l, r, x;
	int rc;

	im.id = json_integer_value(json_object_get(job_params(ctx), "dataset_id"));
	im.today = date_today_shanghai();
	buf_init(&data, DATASET_MAX_INPUT + 1);
	if ((rc = load_dataset(&im, state, sizeof(state), enc_asked, sizeof(enc_asked), e)) != 0)
		goto out;
	if (strcmp(state, "importing") != 0)
		goto out; /* finished by an earlier run */
	if (sscanf(job_resume_at(ctx), "r:%lld:%lld:%lld", &l, &r, &x) == 3) {
		im.line = l;
		im.records = r;
		im.errors = x;
	}
	parts = input_parts(im.id);
	if ((rc = pii_parts_load(im.db, &parts, &data, e)) != 0)
		goto out;
	for (size_t i = 0; i < data.n; i++)
		if (data.p[i] == '\n')
			im.total_lines++;
	if (data.n > 0 && data.p[data.n - 1] != '\n')
		im.total_lines++;
	if (strcmp(enc_asked, "utf8") == 0)
		enc = CSV_UTF8;
	else if (strcmp(enc_asked, "gb18030") == 0)
		enc = CSV_GB18030;
	rc = csv_open(data.p, data.n, enc, &lim, &csv, e);
	buf_free(&data);
	if (rc != 0) {
		rc = fail_import(&im,
				 enc == CSV_UTF8
					 ? "文件不是有效的 UTF-8 编码：请选择 GB18030 或自动识别"
					 : "文件编码无法识别（应为 UTF-8 或 GB18030）",
				 enc_asked, e);
		goto out;
	}
	encoding = csv_encoding(csv) == CSV_GB18030 ? "gb18030" : "utf8";
	rc = csv_next(csv, &row, e);
	if (rc <= 0) {
		rc = fail_import(&im, rc == 0 ? "文件中没有表头和数据" : e->msg, encoding, e);
		goto out;
	}
	if (map_header(im.source, &row, im.at, why, sizeof(why)) != 0) {
		rc = fail_import(&im, why, encoding, e);
		goto out;
	}
	for (;;) {
		int n = 0, got = 1;

		if ((rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		while (n < CHUNK_ROWS && (got = csv_next(csv, &row, e)) == 1) {
			if ((int64_t)row.line <= im.line)
				continue; /* committed by an earlier run */
			if ((rc = import_row(&im, &row)) != 0) {
				job_chunk_abort(ctx);
				rc = db_fail(im.db, rc, e);
				goto out;
			}
			im.line = (int64_t)row.line;
			n++;
		}
		if (got < 0) {
			job_chunk_abort(ctx);
			snprintf(why, sizeof(why), "%s", e->msg);
			rc = fail_import(&im, why, encoding, e);
			goto out;
		}
		if (got == 0 && (rc = finish(&im, NULL, encoding, e)) != 0) {
			job_chunk_abort(ctx);
			goto out;
		}
		snprintf(resume, sizeof(resume), "r:%lld:%lld:%lld", (long long)im.line,
			 (long long)im.records, (long long)im.errors);
		rc = job_chunk_end(ctx, got == 0 ? im.total_lines : im.line, im.total_lines, resume,
				   got == 0 ? "导入完成" : "正在导入", e);
		if (rc != 0 || got == 0)
			goto out;
	}
out:
	csv_close(csv);
	buf_free(&data);
	return rc;
}

const struct job_kind job_kind_import_dataset = {
	"import_dataset",
	"导入联审数据",
	(const struct field[]){ { "dataset_id", F_INT, true, 1, INT64_MAX }, { NULL } },
	run_import,
};

/* ---- reading ---- */

#define DATASET_COLS                                                                               \
	"id, source, as_of, name, note, encoding, state, rows, error_rows, size, job_id,"          \
	" created_by, created_at, finished_at"

static json_t *
dataset_row(struct db_stmt *st, void *ud)
{
	enum dataset_source s = DATASET_PROPERTY;

	(void)ud;
	dataset_source_parse(db_col_text(st, 1), &s);
	return json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s, s:s, s:o}", "id",
		(json_int_t)db_col_int64(st, 0), "source", db_col_text(st, 1), "source_name",
		sources[s].title, "as_of", db_col_text(st, 2), "name", db_col_text(st, 3), "note",
		db_col_text(st, 4), "encoding", db_col_text(st, 5), "state", db_col_text(st, 6),
		"rows", (json_int_t)db_col_int64(st, 7), "error_rows",
		(json_int_t)db_col_int64(st, 8), "size", (json_int_t)db_col_int64(st, 9), "job_id",
		db_col_null(st, 10) ? json_null() : json_integer(db_col_int64(st, 10)),
		"created_by", db_col_text(st, 11), "created_at", db_col_text(st, 12), "finished_at",
		db_col_null(st, 13) ? json_null() : json_string(db_col_text(st, 13)));
}

/* An import whose job ended without finishing it (canceled, or failed on
 * something other than the file) is shown failed, with the job's error. */
static int
with_job(struct db *db, json_t *d, bool progress, struct anju_err *e)
{
	json_t *j = NULL;
	const char *js;
	int rc;

	if (!json_is_integer(json_object_get(d, "job_id")))
		return 0;
	rc = job_get(db, json_integer_value(json_object_get(d, "job_id")), &j, e);
	if (rc == ANJU_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	js = json_string_value(json_object_get(j, "state"));
	if (strcmp(json_string_value(json_object_get(d, "state")), "importing") == 0 && js &&
	    (strcmp(js, "failed") == 0 || strcmp(js, "canceled") == 0))
		json_object_set_new(d, "state", json_string("failed"));
	if (json_is_string(json_object_get(j, "error")))
		json_object_set(d, "error", json_object_get(j, "error"));
	if (progress)
		json_object_set_new(
			d, "progress",
			json_pack("{s:O, s:O, s:O}", "done",
				  json_object_get(json_object_get(j, "progress"), "done"), "total",
				  json_object_get(json_object_get(j, "progress"), "total"), "note",
				  json_object_get(json_object_get(j, "progress"), "note")));
	json_decref(j);
	return 0;
}

int
dataset_list(struct db *db, const char *source, int64_t before_id, int limit, json_t **items,
	     int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *d;
	size_t i;
	int rc;

	rc = db_prepare(db,
			"SELECT " DATASET_COLS " FROM dataset WHERE (? = 0 OR id < ?)"
			" AND (CAST(? AS TEXT) IS NULL OR source = ?) ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id);
	db_bind_int64(st, 2, before_id);
	db_bind_cstr(st, 3, source);
	db_bind_cstr(st, 4, source);
	db_bind_int64(st, 5, limit + 1);
	if ((rc = page_collect(st, limit, dataset_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	json_array_foreach (*items, i, d)
		if (strcmp(json_string_value(json_object_get(d, "state")), "importing") == 0 &&
		    (rc = with_job(db, d, true, e)) != 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	return 0;
}

static json_t *
error_row(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s}", "row", (json_int_t)db_col_int64(st, 0), "column",
			 db_col_text(st, 1), "reason", db_col_text(st, 2));
}

int
dataset_errors(struct db *db, int64_t id, int64_t after_row, int limit, json_t **items,
	       int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	/* A row with several bad cells comes as one item per cell; the cursor
	 * is a line, so they stay on one page (up to the page's size). */
	rc = db_prepare(db,
			"SELECT row_no, col, reason FROM dataset_error WHERE dataset_id = ?"
			" AND row_no > ? ORDER BY row_no, col LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, after_row > 0 ? after_row : -1);
	db_bind_int64(st, 3, limit + 1);
	if ((rc = page_collect(st, limit, error_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	/* A page that ends inside a row would skip the rest of it: end the
	 * page before that row instead, unless it is the page's only row. */
	if (*next > 0) {
		size_t n = json_array_size(*items);
		int64_t last = *next;
		size_t k = n;

		while (k > 0 && json_integer_value(json_object_get(json_array_get(*items, k - 1),
								   "row")) == last)
			k--;
		if (k > 0) {
			while (json_array_size(*items) > k)
				json_array_remove(*items, json_array_size(*items) - 1);
			*next = json_integer_value(
				json_object_get(json_array_get(*items, k - 1), "row"));
		}
	}
	return 0;
}

int
dataset_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *d = NULL, *errors = NULL;
	int64_t next = 0;
	int rc;

	if ((rc = db_prepare(db, "SELECT " DATASET_COLS " FROM dataset WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		d = dataset_row(st, NULL);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "dataset_not_found", NULL, "没有这批数据");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if ((rc = with_job(db, d, true, e)) != 0 ||
	    (rc = dataset_errors(db, id, 0, DATASET_ERRORS_SHOWN, &errors, &next, e)) != 0) {
		json_decref(d);
		return rc;
	}
	json_object_set_new(d, "errors", errors);
	json_object_set_new(d, "errors_next",
			    next > 0 ? json_sprintf("%lld", (long long)next) : json_null());
	*out = d;
	return 0;
}

int
dataset_active(struct db *db, int64_t ids[DATASET_NSOURCES], char as_of[][11], json_t **list,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	for (int i = 0; i < DATASET_NSOURCES; i++) {
		ids[i] = 0;
		as_of[i][0] = '\0';
	}
	if (list != NULL)
		*list = json_array();
	rc = db_prepare(db,
			"SELECT id, source, as_of, name FROM dataset WHERE state = 'active'"
			" ORDER BY source, as_of DESC, id DESC",
			&st);
	if (rc != 0)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW) {
		enum dataset_source s;

		if (dataset_source_parse(db_col_text(st, 1), &s) != 0 || ids[s] != 0)
			continue;
		ids[s] = db_col_int64(st, 0);
		snprintf(as_of[s], 11, "%s", db_col_text(st, 2));
		if (list != NULL)
			json_array_append_new(
				*list,
				json_pack("{s:s, s:s, s:I, s:s, s:s}", "source", db_col_text(st, 1),
					  "source_name", sources[s].title, "id", (json_int_t)ids[s],
					  "as_of", as_of[s], "name", db_col_text(st, 3)));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return 0;
fail:
	if (list != NULL) {
		json_decref(*list);
		*list = NULL;
	}
	return db_fail(db, rc, e);
}

int
dataset_facts(struct db *db, int64_t household_id, struct member_fact **facts, size_t *n,
	      struct anju_err *e)
{
	struct db_stmt *st;
	struct member_fact *f = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	/* From the members, through each person's blind index to the records
	 * (dataset_record_index), keeping those of active datasets. */
	rc = db_prepare(db,
			"SELECT m.person_id, m.relationship, p.name, d.source, r.kind,"
			" r.value_int, r.value_text FROM member m"
			" JOIN person p ON p.id = m.person_id"
			" JOIN dataset_record r ON r.id_index = p.id_number_index"
			" JOIN dataset d ON d.id = r.dataset_id"
			" WHERE m.household_id = ? AND m.left_at IS NULL AND d.state = 'active'"
			" ORDER BY CASE WHEN m.relationship = 'head' THEN 0 ELSE 1 END, m.id,"
			" d.source, r.kind, r.value_int DESC",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct member_fact *x;
		const char *t = db_col_text(st, 6);
		size_t tn = t ? strlen(t) : 0;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			f = realloc(f, cap * sizeof(*f));
			if (f == NULL)
				abort();
		}
		x = &f[(*n)++];
		x->person_id = db_col_int64(st, 0);
		tenancy_member_label(db_col_text(st, 1), db_col_text(st, 2), x->label,
				     sizeof(x->label));
		x->source = DATASET_PROPERTY;
		dataset_source_parse(db_col_text(st, 3), &x->source);
		snprintf(x->kind, sizeof(x->kind), "%s", db_col_text(st, 4));
		x->value_int = db_col_int64(st, 5);
		if (tn > sizeof(x->text) - 1) {
			tn = sizeof(x->text) - 1;
			while (tn > 0 && ((unsigned char)t[tn] & 0xC0) == 0x80)
				tn--;
		}
		memcpy(x->text, t ? t : "", tn);
		x->text[tn] = '\0';
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(f);
		return db_fail(db, rc, e);
	}
	*facts = f;
	return 0;
}
