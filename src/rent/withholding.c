/*
 * Batch withholding (代扣): for a bank and a period, a file of what each
 * household with a withholding account at that bank owes, in the bank's
 * own column layout (configured as data: withholding_bank), and the bank's
 * result file read back.  A batch's items are stored when it is exported
 * (with the account sealed again and the layout used), so the file can be
 * made again byte for byte and checked against the stored hash.
 *
 * A result file is read whole and every row validated before anything is
 * written; one bad row refuses the file with every row's problem listed.
 * A good file is applied row by row: a success becomes a payment of the
 * money core (channel withholding, channel_ref the bank's reference, an
 * electronic receipt), a failure a dunning note (part B's dunning_note()).
 * An item that already has its result is left alone, so importing the same
 * file again adds nothing.  Large files are applied by the job
 * "withholding_import" in chunks, each row idempotent by its item's state.
 * See collection.h and docs/rent-collection.md.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "access/pii.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/text.h"
#include "http/http.h"
#include "jobs/job.h"
#include "money/money.h"
#include "rent/collection.h"
#include "rent/rent.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

#define CHUNK_ROWS 200
/* The most row errors a refusal lists. */
#define ERRORS_MAX 1000

static const struct {
	const char *name, *title;
	bool export_ok, result_ok;
} fields[WH_FIELD_COUNT] = {
	[WH_ACCOUNT_NUMBER] = { "account_number", "账号", true, true },
	[WH_HOLDER_NAME] = { "holder_name", "户名", true, true },
	[WH_AMOUNT_YUAN] = { "amount_yuan", "金额（元）", true, true },
	[WH_AMOUNT_FEN] = { "amount_fen", "金额（分）", true, true },
	[WH_REFERENCE] = { "reference", "业务编号", true, true },
	[WH_HOUSEHOLD_ID] = { "household_id", "家庭编号", true, true },
	[WH_PERIOD] = { "period", "期间", true, true },
	[WH_SEQ] = { "seq", "序号", true, true },
	[WH_CONSTANT] = { "constant", "", true, false },
	[WH_STATUS] = { "status", "处理结果", false, true },
	[WH_REASON] = { "reason", "失败原因", false, true },
	[WH_BANK_REF] = { "bank_ref", "银行流水号", false, true },
	[WH_IGNORE] = { "ignore", "", false, true },
};

const char *const wh_field_names[] = {
	"account_number", "holder_name", "amount_yuan", "amount_fen", "reference",
	"household_id",   "period",      "seq",         "constant",   "status",
	"reason",         "bank_ref",    "ignore",      NULL,
};

static bool
utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

/* Converts n bytes with iconv into out (appended).  0, or -1 when the
 * bytes are not valid in from (or not representable in to). */
static int
convert(const char *to, const char *from, const char *p, size_t n, struct buf *out)
{
	iconv_t cd = iconv_open(to, from);
	char tmp[4096];
	char *in = (char *)p;
	size_t left = n;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (left > 0) {
		char *o = tmp;
		size_t room = sizeof(tmp);
		size_t r = iconv(cd, &in, &left, &o, &room);

		if (buf_add(out, tmp, sizeof(tmp) - room) != 0) {
			rc = -1;
			break;
		}
		if (r == (size_t)-1 && errno != E2BIG) {
			rc = -1;
			break;
		}
	}
	iconv_close(cd);
	return rc;
}

/* ---- layouts ---- */

static int
field_parse(const char *name, enum wh_field *out)
{
	for (int i = 0; name != NULL && i < WH_FIELD_COUNT; i++)
		if (strcmp(fields[i].name, name) == 0) {
			*out = (enum wh_field)i;
			return 0;
		}
	return -1;
}

static bool
has_field(const struct wh_layout *l, enum wh_field f)
{
	for (int i = 0; i < l->ncolumns; i++)
		if (l->columns[i].field == f)
			return true;
	return false;
}

static bool
value_ok(const char *s)
{
	/* No line breaks or quotes inside a configured value. */
	for (; s != NULL && *s; s++)
		if (*s == '\r' || *s == '\n' || *s == '"')
			return false;
	return true;
}

int
wh_layout_parse(json_t *j, bool result, const char *name, struct wh_layout *out, struct anju_err *e)
{
	json_t *cols, *col, *succ, *v;
	const char *enc, *delim;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return anju_fail(e, ANJU_EINVAL, "invalid_layout", name, "文件格式应为一个对象");
	enc = json_string_value(json_object_get(j, "encoding"));
	if (enc == NULL || strcmp(enc, "utf8") == 0)
		out->encoding = WH_ENC_UTF8;
	else if (strcmp(enc, "gb18030") == 0)
		out->encoding = WH_ENC_GB18030;
	else if (result && strcmp(enc, "auto") == 0)
		out->encoding = WH_ENC_AUTO;
	else
		return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
				 result ? "编码应为 utf8、gb18030 或 auto"
					: "编码应为 utf8 或 gb18030");
	delim = json_string_value(json_object_get(j, "delimiter"));
	if (delim == NULL || strcmp(delim, ",") == 0)
		out->delimiter = ',';
	else if (strcmp(delim, "|") == 0 || strcmp(delim, ";") == 0)
		out->delimiter = delim[0];
	else if (strcmp(delim, "tab") == 0 || strcmp(delim, "\t") == 0)
		out->delimiter = '\t';
	else
		return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
				 "分隔符应为 ,、|、; 或 tab");
	v = json_object_get(j, "header");
	out->header = v == NULL || json_is_true(v);
	if (v != NULL && !json_is_boolean(v))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
				 "header 应为 true 或 false");
	cols = json_object_get(j, "columns");
	if (!json_is_array(cols) || json_array_size(cols) < 1 ||
	    json_array_size(cols) > WH_COLUMNS_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_layout", name, "应有 1 到 %d 列",
				 WH_COLUMNS_MAX);
	json_array_foreach (cols, i, col) {
		struct wh_column *c = &out->columns[i];
		const char *f = json_string_value(json_object_get(col, "field"));
		const char *val = json_string_value(json_object_get(col, "value"));
		const char *title = json_string_value(json_object_get(col, "title"));

		if (f == NULL || field_parse(f, &c->field) != 0 ||
		    !(result ? fields[c->field].result_ok : fields[c->field].export_ok))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
					 "第 %zu 列的字段“%s”不能用于%s", i + 1, f ? f : "",
					 result ? "结果文件" : "代扣文件");
		if (title != NULL) {
			if (strlen(title) > WH_VALUE_MAX || !value_ok(title))
				return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
						 "第 %zu 列的标题过长或含引号、换行", i + 1);
			snprintf(c->title, sizeof(c->title), "%s", title);
		}
		if (c->field == WH_CONSTANT) {
			if (val == NULL || strlen(val) > WH_VALUE_MAX || !value_ok(val))
				return anju_fail(
					e, ANJU_EINVAL, "invalid_value", name,
					"第 %zu 列的固定值应为 0 到 %d 个字符，不含引号和换行",
					i + 1, WH_VALUE_MAX);
			snprintf(c->value, sizeof(c->value), "%s", val);
		}
		out->ncolumns++;
	}
	if (!result && (!has_field(out, WH_ACCOUNT_NUMBER) ||
			(!has_field(out, WH_AMOUNT_YUAN) && !has_field(out, WH_AMOUNT_FEN))))
		return anju_fail(e, ANJU_EINVAL, "invalid_layout", name,
				 "代扣文件至少要有账号和金额两列");
	if (result) {
		if (!has_field(out, WH_REFERENCE) || !has_field(out, WH_STATUS) ||
		    !has_field(out, WH_BANK_REF) ||
		    (!has_field(out, WH_AMOUNT_YUAN) && !has_field(out, WH_AMOUNT_FEN)))
			return anju_fail(e, ANJU_EINVAL, "invalid_layout", name,
					 "结果文件至少要有业务编号、金额、处理结果和银行流水号");
		succ = json_object_get(j, "success_values");
		if (!json_is_array(succ) || json_array_size(succ) < 1 ||
		    json_array_size(succ) > WH_SUCCESS_MAX)
			return anju_fail(e, ANJU_EINVAL, "invalid_layout", name,
					 "请填写 1 到 %d 个表示成功的处理结果值", WH_SUCCESS_MAX);
		json_array_foreach (succ, i, v) {
			const char *s = json_string_value(v);

			if (s == NULL || s[0] == '\0' || strlen(s) > WH_VALUE_MAX || !value_ok(s))
				return anju_fail(e, ANJU_EINVAL, "invalid_value", name,
						 "表示成功的处理结果值不正确");
			snprintf(out->success[i], sizeof(out->success[i]), "%s", s);
			out->nsuccess++;
		}
	}
	return 0;
}

/* ---- parsing a delimited file ---- */

struct splitter {
	const char *p;
	size_t n, pos, line;
	char delim;
};

/* The next record's fields (into *fields, reused; *nf), its first line.
 * 1 a record, 0 the end, -1 a broken quote (*line says where). */
static int
split_next(struct splitter *s, struct buf **fv, size_t *cap, size_t *nf, size_t *line)
{
	bool any = false;

	*nf = 0;
	/* Empty lines are skipped. */
	while (s->pos < s->n && (s->p[s->pos] == '\n' || s->p[s->pos] == '\r')) {
		if (s->p[s->pos] == '\n' ||
		    (s->p[s->pos] == '\r' && (s->pos + 1 >= s->n || s->p[s->pos + 1] != '\n')))
			s->line++;
		s->pos++;
	}
	if (s->pos >= s->n)
		return 0;
	*line = s->line;
	for (;;) {
		struct buf *f;

		if (*nf == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;

			if (nc > WH_COLUMNS_MAX * 4)
				return -1;
			*fv = xrealloc(*fv, nc * sizeof(**fv));
			for (size_t i = *cap; i < nc; i++)
				buf_init(&(*fv)[i], 4096);
			*cap = nc;
		}
		f = &(*fv)[(*nf)++];
		buf_reset(f);
		any = true;
		if (s->pos < s->n && s->p[s->pos] == '"') {
			s->pos++;
			for (;;) {
				if (s->pos >= s->n)
					return -1;
				if (s->p[s->pos] == '"') {
					if (s->pos + 1 < s->n && s->p[s->pos + 1] == '"') {
						buf_addc(f, '"');
						s->pos += 2;
						continue;
					}
					s->pos++;
					break;
				}
				if (s->p[s->pos] == '\n')
					s->line++;
				if (buf_addc(f, s->p[s->pos++]) != 0)
					return -1;
			}
			if (s->pos < s->n && s->p[s->pos] != s->delim && s->p[s->pos] != '\n' &&
			    s->p[s->pos] != '\r')
				return -1;
		} else {
			while (s->pos < s->n && s->p[s->pos] != s->delim && s->p[s->pos] != '\n' &&
			       s->p[s->pos] != '\r') {
				if (s->p[s->pos] == '"' || buf_addc(f, s->p[s->pos]) != 0)
					return -1;
				s->pos++;
			}
		}
		if (s->pos < s->n && s->p[s->pos] == s->delim) {
			s->pos++;
			continue;
		}
		break;
	}
	if (s->pos < s->n && s->p[s->pos] == '\r')
		s->pos++;
	if (s->pos < s->n && s->p[s->pos] == '\n')
		s->pos++;
	s->line++;
	return any ? 1 : 0;
}

static void row_error(json_t *errors, size_t line, int column, const char *field, const char *fmt,
		      ...) __attribute__((format(printf, 5, 6)));

static void
row_error(json_t *errors, size_t line, int column, const char *field, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (json_array_size(errors) >= ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(errors,
			      json_pack("{s:I, s:o, s:s, s:s}", "line", (json_int_t)line, "column",
					column > 0 ? json_integer(column) : json_null(), "field",
					field ? field : "", "reason", msg));
}

static bool
ref_ok(const char *s, size_t n)
{
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

int
wh_result_parse(const struct wh_layout *l, const char *data, size_t n, struct wh_result_row **rows,
		size_t *nrows, json_t *errors, struct anju_err *e)
{
	struct buf dec, *f = NULL;
	struct splitter s;
	size_t cap = 0, nf = 0, line = 0, rcap = 0, nr = 0;
	struct wh_result_row *out = NULL;
	bool first = true;
	size_t errors_before = json_array_size(errors);
	int rc = 0, got;

	*rows = NULL;
	*nrows = 0;
	buf_init(&dec, WH_FILE_MAX * 2);
	if (n > WH_FILE_MAX)
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "结果文件过大");
	if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 && l->encoding != WH_ENC_GB18030) {
		data += 3;
		n -= 3;
	}
	if (l->encoding == WH_ENC_UTF8 || (l->encoding == WH_ENC_AUTO && utf8_valid(data, n))) {
		if (!utf8_valid(data, n)) {
			buf_free(&dec);
			return anju_fail(e, ANJU_EINVAL, "file_encoding", NULL,
					 "结果文件不是有效的 UTF-8 编码（此银行配置为 UTF-8）");
		}
		buf_add(&dec, data, n);
	} else if (convert("UTF-8", "GB18030", data, n, &dec) != 0) {
		buf_free(&dec);
		return anju_fail(e, ANJU_EINVAL, "file_encoding", NULL,
				 "结果文件不是有效的 GB18030 编码");
	}
	s = (struct splitter){ dec.p ? dec.p : "", dec.n, 0, 1, l->delimiter };
	while ((got = split_next(&s, &f, &cap, &nf, &line)) == 1) {
		struct wh_result_row r = { .line = line };
		bool has_status = false, bad = false;

		if (first && l->header) {
			first = false;
			continue;
		}
		first = false;
		if (nr >= WH_ROWS_MAX) {
			rc = anju_fail(e, ANJU_ETOOBIG, "too_many_rows", NULL, "结果文件超过 %d 行",
				       WH_ROWS_MAX);
			goto out;
		}
		if (nf < (size_t)l->ncolumns) {
			row_error(errors, line, 0, NULL, "应有 %d 列，只有 %zu 列", l->ncolumns,
				  nf);
			continue;
		}
		for (int i = 0; i < l->ncolumns; i++) {
			struct str v = str_trim((struct str){ f[i].p ? f[i].p : "", f[i].n });
			char tmp[WH_VALUE_MAX * 4 + 1];
			enum wh_field fd = l->columns[i].field;
			int64_t x;

			switch (fd) {
			case WH_REFERENCE:
				if (!ref_ok(v.p, v.n)) {
					row_error(errors, line, i + 1, "reference",
						  "业务编号应为 1 到 64 个字母、数字或符号");
					bad = true;
					break;
				}
				memcpy(r.reference, v.p, v.n);
				r.reference[v.n] = '\0';
				break;
			case WH_ACCOUNT_NUMBER: {
				struct anju_err ae;
				char raw[PAYER_DIGITS_MAX * 2 + 1];

				if (v.n >= sizeof(raw) ||
				    (memcpy(raw, v.p, v.n), raw[v.n] = '\0',
				     payer_number_digits(raw, r.account, &ae) != 0)) {
					row_error(errors, line, i + 1, "account_number",
						  "账号应为 %d 到 %d 位数字", PAYER_DIGITS_MIN,
						  PAYER_DIGITS_MAX);
					bad = true;
				}
				break;
			}
			case WH_AMOUNT_YUAN:
				if (money_parse(v, &x) != 0 || x <= 0 || x > MONEY_AMOUNT_MAX) {
					row_error(errors, line, i + 1, "amount_yuan",
						  "金额应为大于 0 的元金额，如 1234.50");
					bad = true;
				} else {
					r.amount_fen = x;
				}
				break;
			case WH_AMOUNT_FEN:
				if (str_to_int64(v, 1, MONEY_AMOUNT_MAX, &x) != 0) {
					row_error(errors, line, i + 1, "amount_fen",
						  "金额应为大于 0 的整数（分）");
					bad = true;
				} else {
					r.amount_fen = x;
				}
				break;
			case WH_STATUS:
				if (v.n == 0 || v.n >= sizeof(tmp)) {
					row_error(errors, line, i + 1, "status", "处理结果为空");
					bad = true;
					break;
				}
				has_status = true;
				memcpy(tmp, v.p, v.n);
				tmp[v.n] = '\0';
				r.success = false;
				for (int k = 0; k < l->nsuccess; k++)
					if (strcmp(l->success[k], tmp) == 0)
						r.success = true;
				if (r.reason[0] == '\0' && !r.success)
					snprintf(r.reason, sizeof(r.reason), "%.200s", tmp);
				break;
			case WH_REASON:
				if (v.n > 0) {
					if (v.n < sizeof(r.reason)) {
						memcpy(tmp, v.p, v.n < sizeof(tmp) ? v.n : 0);
						tmp[v.n < sizeof(tmp) ? v.n : 0] = '\0';
					}
					if (v.n >= sizeof(r.reason) || v.n >= sizeof(tmp) ||
					    text_chars(tmp) > 100) {
						row_error(errors, line, i + 1, "reason",
							  "失败原因过长（至多 100 个字）");
						bad = true;
						break;
					}
					memcpy(r.reason, v.p, v.n);
					r.reason[v.n] = '\0';
				}
				break;
			case WH_BANK_REF:
				if (v.n > 0) {
					if (!ref_ok(v.p, v.n)) {
						row_error(errors, line, i + 1, "bank_ref",
							  "银行流水号应为 1 到 64 "
							  "个字母、数字或符号");
						bad = true;
						break;
					}
					memcpy(r.bank_ref, v.p, v.n);
					r.bank_ref[v.n] = '\0';
				}
				break;
			default: break;
			}
		}
		if (bad)
			continue;
		if (!has_status)
			continue;
		if (r.success && r.bank_ref[0] == '\0') {
			row_error(errors, line, 0, "bank_ref", "成功的代扣必须有银行流水号");
			continue;
		}
		if (!r.success && r.reason[0] == '\0')
			snprintf(r.reason, sizeof(r.reason), "代扣失败");
		if (nr == rcap) {
			rcap = rcap ? rcap * 2 : 64;
			out = xrealloc(out, rcap * sizeof(*out));
		}
		out[nr++] = r;
	}
	if (got < 0) {
		row_error(errors, s.line, 0, NULL, "引号不成对或引号后有多余内容，文件无法读取");
	} else if (nr == 0 && json_array_size(errors) == errors_before) {
		rc = anju_fail(e, ANJU_EINVAL, "file_empty", NULL, "结果文件中没有数据行");
		goto out;
	}
	*rows = out;
	*nrows = nr;
	out = NULL;
out:
	free(out);
	for (size_t i = 0; i < cap; i++)
		buf_free(&f[i]);
	free(f);
	buf_free(&dec);
	return rc;
}

/* ---- banks ---- */

static json_t *
parse_text(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text ? text : "null", 0, &jerr);

	return j ? j : json_object();
}

static json_t *
bank_json(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:s, s:s}", "code", db_col_text(st, 0), "name",
			 db_col_text(st, 1), "export_layout", parse_text(db_col_text(st, 2)),
			 "result_layout", parse_text(db_col_text(st, 3)), "active",
			 db_col_int64(st, 4) != 0, "created_at", db_col_text(st, 5), "updated_at",
			 db_col_text(st, 6));
}

#define BANK_COLS "code, name, export_layout, result_layout, active, created_at, updated_at"

int
withholding_bank_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	rc = db_prepare(db, "SELECT " BANK_COLS " FROM withholding_bank ORDER BY code", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	return db_rows_json(db, st, bank_json, items, e);
}

int
withholding_bank_get(struct db *db, const char *code, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " BANK_COLS " FROM withholding_bank WHERE code = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	return db_row_json(db, st, bank_json, out, "bank_not_found", "没有这个代扣银行", e);
}

int
withholding_bank_put(struct db *db, const char *code, json_t *in, bool create,
		     const struct audit_actor *who, struct anju_err *e)
{
	const char *name = json_string_value(json_object_get(in, "name"));
	json_t *exp = json_object_get(in, "export_layout"),
	       *res = json_object_get(in, "result_layout");
	json_t *act = json_object_get(in, "active"), *old = NULL, *cur = NULL, *d;
	struct wh_layout l;
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *et = NULL, *rt = NULL;
	size_t nch = text_chars(name);
	int rc;

	if (!text_is_code(code))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "code",
				 "银行代码应为 2 到 32 个小写字母、数字或下划线，以字母开头");
	if (!create && (rc = withholding_bank_get(db, code, &old, e)) != 0)
		return rc;
	if (create || name != NULL)
		if (nch < 1 || nch > 64) {
			rc = anju_fail(e, ANJU_EINVAL, "invalid_length", "name",
				       "请填写银行名称（1 到 64 个字）");
			goto out;
		}
	if (create || exp != NULL)
		if ((rc = wh_layout_parse(exp, false, "export_layout", &l, e)) != 0)
			goto out;
	if (create || res != NULL)
		if ((rc = wh_layout_parse(res, true, "result_layout", &l, e)) != 0)
			goto out;
	et = json_dumps(exp ? exp : json_object_get(old, "export_layout"),
			JSON_COMPACT | JSON_SORT_KEYS);
	rt = json_dumps(res ? res : json_object_get(old, "result_layout"),
			JSON_COMPACT | JSON_SORT_KEYS);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		create ? "INSERT INTO withholding_bank (name, export_layout, result_layout,"
			 " active, created_at, updated_at, code) VALUES (?, ?, ?, ?, ?, ?, ?)"
		       : "UPDATE withholding_bank SET name = ?, export_layout = ?,"
			 " result_layout = ?, active = ?, created_at = ?, updated_at = ?"
			 " WHERE code = ?",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, name ? name : json_string_value(json_object_get(old, "name")));
	db_bind_cstr(st, 2, et);
	db_bind_cstr(st, 3, rt);
	db_bind_int64(st, 4,
		      act != NULL ? json_is_true(act)
		      : old       ? json_is_true(json_object_get(old, "active"))
				  : 1);
	db_bind_cstr(st, 5, old ? json_string_value(json_object_get(old, "created_at")) : now);
	db_bind_cstr(st, 6, now);
	db_bind_cstr(st, 7, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == ANJU_ECONFLICT) {
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_exists", "code", "银行代码 %s 已存在",
			       code);
		goto out;
	}
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if ((rc = withholding_bank_get(db, code, &cur, e)) != 0)
		goto out;
	json_object_del(cur, "updated_at");
	json_object_del(cur, "created_at");
	if (old != NULL) {
		json_object_del(old, "updated_at");
		json_object_del(old, "created_at");
	}
	d = audit_diff(old, cur);
	rc = 0;
	if (d != NULL) {
		rc = audit_write(db, who,
				 create ? "withholding_bank.create" : "withholding_bank.update",
				 "withholding_bank", code, json_object_get(d, "before"),
				 json_object_get(d, "after"), e);
		json_decref(d);
	}
out:
	free(et);
	free(rt);
	json_decref(old);
	json_decref(cur);
	return rc;
}

/* The bank's layout (export or result) as stored, parsed. */
static int
bank_layout(struct db *db, const char *code, bool result, struct wh_layout *l, char **text,
	    struct anju_err *e)
{
	struct db_stmt *st;
	json_error_t jerr;
	json_t *j = NULL;
	int rc, active = 0;

	rc = db_prepare(
		db,
		result ? "SELECT result_layout, active FROM withholding_bank WHERE code = ?"
		       : "SELECT export_layout, active FROM withholding_bank WHERE code = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	if (rc == DB_ROW) {
		j = json_loads(db_col_text(st, 0), 0, &jerr);
		active = (int)db_col_int64(st, 1);
		if (text != NULL)
			*text = xstrdup(db_col_text(st, 0));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "bank_not_found", "bank_code",
				 "没有这个代扣银行");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	rc = wh_layout_parse(j, result, result ? "result_layout" : "export_layout", l, e);
	json_decref(j);
	if (rc == 0 && !result && !active)
		rc = anju_fail(e, ANJU_ECONFLICT, "bank_inactive", "bank_code",
			       "该银行的代扣已停用");
	if (rc != 0 && text != NULL) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* ---- the file ---- */

static void
put_field(struct buf *b, const struct wh_layout *l, const char *v)
{
	bool quote = false;

	for (const char *p = v; *p; p++)
		if (*p == l->delimiter || *p == '"' || *p == '\r' || *p == '\n')
			quote = true;
	if (!quote) {
		buf_adds(b, v);
		return;
	}
	buf_addc(b, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			buf_addc(b, '"');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* Makes the file of a batch from its items under layout l: UTF-8 into
 * out, then converted when the layout says GB18030. */
static int
file_build(struct db *db, int64_t batch_id, const char *period, const struct wh_layout *l,
	   struct buf *out, struct anju_err *e)
{
	struct db_stmt *st;
	struct buf u;
	int rc;

	buf_init(&u, WH_FILE_MAX);
	if (l->header) {
		for (int i = 0; i < l->ncolumns; i++) {
			const struct wh_column *c = &l->columns[i];

			if (i > 0)
				buf_addc(&u, l->delimiter);
			put_field(&u, l,
				  c->title[0]               ? c->title
				  : c->field == WH_CONSTANT ? c->value
							    : fields[c->field].title);
		}
		buf_adds(&u, "\r\n");
	}
	rc = db_prepare(
		db,
		"SELECT seq, reference, household_id, holder_name, number_sealed, amount_fen"
		" FROM withholding_item WHERE batch_id = ? ORDER BY seq",
		&st);
	if (rc != 0) {
		buf_free(&u);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		char *plain = NULL, num[32], money[MONEY_FMT_MAX];
		size_t pn = 0;

		if (keys_current() == NULL ||
		    pii_open(keys_current(), db_col_text(st, 4), &plain, &pn) != 0) {
			db_reset(st);
			buf_free(&u);
			return anju_fail(e, ANJU_EINTERNAL, "unreadable", NULL,
					 "代扣明细的账号无法用当前密钥解密");
		}
		for (int i = 0; i < l->ncolumns; i++) {
			const struct wh_column *c = &l->columns[i];

			if (i > 0)
				buf_addc(&u, l->delimiter);
			switch (c->field) {
			case WH_ACCOUNT_NUMBER: put_field(&u, l, plain); break;
			case WH_HOLDER_NAME: put_field(&u, l, db_col_text(st, 3)); break;
			case WH_AMOUNT_YUAN:
				money_format_plain(db_col_int64(st, 5), money);
				buf_adds(&u, money);
				break;
			case WH_AMOUNT_FEN:
				buf_printf(&u, "%lld", (long long)db_col_int64(st, 5));
				break;
			case WH_REFERENCE: put_field(&u, l, db_col_text(st, 1)); break;
			case WH_HOUSEHOLD_ID:
				snprintf(num, sizeof(num), "%lld", (long long)db_col_int64(st, 2));
				buf_adds(&u, num);
				break;
			case WH_PERIOD: buf_adds(&u, period); break;
			case WH_SEQ: buf_printf(&u, "%lld", (long long)db_col_int64(st, 0)); break;
			case WH_CONSTANT: put_field(&u, l, c->value); break;
			default: break;
			}
		}
		buf_adds(&u, "\r\n");
		pii_plain_free(plain, pn);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		buf_free(&u);
		return db_fail(db, rc, e);
	}
	if (u.over) {
		buf_free(&u);
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "代扣文件过大");
	}
	if (l->encoding == WH_ENC_GB18030) {
		rc = convert("GB18030", "UTF-8", u.p ? u.p : "", u.n, out);
		buf_free(&u);
		if (rc != 0)
			return anju_fail(e, ANJU_EUNPROCESSABLE, "not_encodable", NULL,
					 "代扣文件含有 GB18030 无法表示的字符");
		return 0;
	}
	buf_add(out, u.p ? u.p : "", u.n);
	buf_free(&u);
	return 0;
}

/* ---- batches ---- */

struct candidate {
	int64_t account_id, household_id, owed;
	char *holder, *sealed, *index;
};

static int
audit_batch(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	    json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "withholding_batch", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

static int
open_batch(struct db *db, const char *bank, const char *period, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	rc = db_prepare(db,
			"SELECT id FROM withholding_batch WHERE bank_code = ? AND period = ?"
			" AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, bank);
	db_bind_cstr(st, 2, period);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
withholding_export(struct db *db, const struct caller *c, const char *bank_code, const char *period,
		   const struct audit_actor *who, int64_t *batch_id, bool *created,
		   struct anju_err *e)
{
	struct wh_layout l;
	struct period p;
	struct db_stmt *st;
	struct candidate *cand = NULL;
	struct buf file;
	char last[DATE_FMT_LEN], now[TIME_FMT_LEN], sha[65], name[96], *layout = NULL;
	size_t n = 0, cap = 0;
	int64_t total = 0;
	int rc;

	*batch_id = 0;
	*created = false;
	buf_init(&file, WH_FILE_MAX);
	if (period == NULL || period_parse(str_c(period), &p) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_period", "period", "期间应为 YYYY-MM");
	if (period_cmp(p, period_add(period_of(date_today_shanghai()), 1)) > 0)
		return anju_fail(e, ANJU_EINVAL, "period_too_far", "period",
				 "只能代扣本月、下月或以前的期间");
	if ((rc = bank_layout(db, bank_code, false, &l, &layout, e)) != 0)
		return rc;
	if ((rc = open_batch(db, bank_code, period, batch_id, e)) != 0 || *batch_id != 0)
		goto out;
	date_format(period_last_day(p), last);
	/* What each household with a withholding account at the bank owes on
	 * charges due by the period's end, unless an open batch already has
	 * it pending (it would be drawn twice). */
	rc = db_prepare(
		db,
		"SELECT a.id, a.household_id, a.holder_name, a.number_sealed, a.number_index, "
		"o.owed"
		" FROM payer_account a JOIN household h ON h.id = a.household_id"
		" JOIN (SELECT household_id, SUM(amount_fen - paid_fen) AS owed FROM charge"
		" WHERE state = 'open' AND due_on <= ? GROUP BY household_id) o"
		" ON o.household_id = a.household_id"
		" WHERE a.bank_code = ? AND a.withholding = 1 AND a.state = 'active' AND o.owed > 0"
		" AND " SCOPE_SQL(
			"h.community_id") " AND NOT EXISTS (SELECT 1 FROM withholding_item i"
					  " JOIN withholding_batch b ON b.id = i.batch_id"
					  " WHERE i.household_id = a.household_id"
					  " AND i.state = 'pending' AND b.state = 'open')"
					  " ORDER BY a.household_id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, last);
	db_bind_cstr(st, 2, bank_code);
	scope_bind(st, 3, c);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n >= WH_ROWS_MAX) {
			db_reset(st);
			rc = anju_fail(e, ANJU_ETOOBIG, "too_many_rows", NULL,
				       "一个代扣批次至多 %d 户", WH_ROWS_MAX);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			cand = xrealloc(cand, cap * sizeof(*cand));
		}
		cand[n].account_id = db_col_int64(st, 0);
		cand[n].household_id = db_col_int64(st, 1);
		cand[n].holder = xstrdup(db_col_text(st, 2));
		cand[n].sealed = xstrdup(db_col_text(st, 3));
		cand[n].index = xstrdup(db_col_text(st, 4));
		cand[n].owed = db_col_int64(st, 5);
		total += cand[n].owed;
		n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (n == 0) {
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "nothing_to_withhold", "period",
			       "没有需要代扣的家庭（无欠费或无此银行的代扣账户）");
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO withholding_batch (bank_code, period, state, items, total_fen,"
		" file_name, file_sha256, file_size, encoding, layout, created_at, created_by)"
		" VALUES (?, ?, 'open', ?, ?, '', '', 0, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, bank_code);
	db_bind_cstr(st, 2, period);
	db_bind_int64(st, 3, (int64_t)n);
	db_bind_int64(st, 4, total);
	db_bind_cstr(st, 5, l.encoding == WH_ENC_GB18030 ? "gb18030" : "utf8");
	db_bind_cstr(st, 6, layout);
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		*batch_id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == ANJU_ECONFLICT) {
		rc = anju_fail(e, ANJU_ECONFLICT, "batch_open", "period",
			       "该银行此期间的代扣批次正在生成，请刷新");
		goto out;
	}
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = db_prepare(db,
			"INSERT INTO withholding_item (batch_id, seq, reference, household_id,"
			" payer_account_id, holder_name, number_sealed, number_index, amount_fen,"
			" state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char ref[48];

		snprintf(ref, sizeof(ref), "WH%lld-%zu", (long long)*batch_id, i + 1);
		db_bind_int64(st, 1, *batch_id);
		db_bind_int64(st, 2, (int64_t)i + 1);
		db_bind_cstr(st, 3, ref);
		db_bind_int64(st, 4, cand[i].household_id);
		db_bind_int64(st, 5, cand[i].account_id);
		db_bind_cstr(st, 6, cand[i].holder);
		db_bind_cstr(st, 7, cand[i].sealed);
		db_bind_cstr(st, 8, cand[i].index);
		db_bind_int64(st, 9, cand[i].owed);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
	}
	if ((rc = file_build(db, *batch_id, period, &l, &file, e)) != 0)
		goto out;
	sha256_hex(file.p ? file.p : "", file.n, sha);
	snprintf(name, sizeof(name), "%s_%s_WH%lld.%s", bank_code, period, (long long)*batch_id,
		 l.delimiter == ',' ? "csv" : "txt");
	rc = db_prepare(db,
			"UPDATE withholding_batch SET file_name = ?, file_sha256 = ?, file_size = ?"
			" WHERE id = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, name);
	db_bind_cstr(st, 2, sha);
	db_bind_int64(st, 3, (int64_t)file.n);
	db_bind_int64(st, 4, *batch_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	*created = true;
	rc = audit_batch(db, who, "withholding_batch.create", *batch_id,
			 json_pack("{s:s, s:s, s:I, s:I, s:s}", "bank_code", bank_code, "period",
				   period, "items", (json_int_t)n, "total_fen", (json_int_t)total,
				   "file_sha256", sha),
			 e);
out:
	for (size_t i = 0; i < n; i++) {
		free(cand[i].holder);
		free(cand[i].sealed);
		free(cand[i].index);
	}
	free(cand);
	free(layout);
	buf_free(&file);
	return rc;
}

struct batch_row {
	char bank[40], period[8], state[16], sha[65], name[96];
	int64_t items;
	char *layout;
};

static int
batch_load(struct db *db, int64_t id, struct batch_row *b, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = db_prepare(db,
			"SELECT bank_code, period, state, file_sha256, file_name, items, layout"
			" FROM withholding_batch WHERE id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(b->bank, sizeof(b->bank), "%s", db_col_text(st, 0));
		snprintf(b->period, sizeof(b->period), "%s", db_col_text(st, 1));
		snprintf(b->state, sizeof(b->state), "%s", db_col_text(st, 2));
		snprintf(b->sha, sizeof(b->sha), "%s", db_col_text(st, 3));
		snprintf(b->name, sizeof(b->name), "%s", db_col_text(st, 4));
		b->items = db_col_int64(st, 5);
		b->layout = xstrdup(db_col_text(st, 6));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "batch_not_found", NULL, "没有这个代扣批次");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
withholding_file(struct db *db, int64_t batch_id, struct buf *out, char **name, struct anju_err *e)
{
	struct batch_row b;
	struct wh_layout l;
	json_error_t jerr;
	json_t *j;
	char sha[65];
	int rc;

	*name = NULL;
	if ((rc = batch_load(db, batch_id, &b, e)) != 0)
		return rc;
	j = json_loads(b.layout, 0, &jerr);
	rc = wh_layout_parse(j, false, "layout", &l, e);
	json_decref(j);
	free(b.layout);
	if (rc != 0 || (rc = file_build(db, batch_id, b.period, &l, out, e)) != 0)
		return rc;
	sha256_hex(out->p ? out->p : "", out->n, sha);
	if (strcmp(sha, b.sha) != 0)
		return anju_fail(e, ANJU_EINTERNAL, "file_changed", NULL,
				 "batch %lld: the file made again has another hash",
				 (long long)batch_id);
	*name = xstrdup(b.name);
	return 0;
}

#define BATCH_COLS                                                                                 \
	"b.id, b.bank_code, k.name, b.period, b.state, b.items, b.total_fen, b.succeeded,"         \
	" b.succeeded_fen, b.failed, b.file_name, b.file_sha256, b.file_size, b.encoding,"         \
	" b.created_at, b.created_by, b.finished_at"

static json_t *
batch_json(struct db_stmt *st, void *ud)
{
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:s,"
		      " s:s, s:s}",
		      "id", (json_int_t)db_col_int64(st, 0), "bank_code", db_col_text(st, 1),
		      "bank_name", db_col_text(st, 2), "period", db_col_text(st, 3), "state",
		      db_col_text(st, 4), "items", (json_int_t)db_col_int64(st, 5), "total_fen",
		      (json_int_t)db_col_int64(st, 6), "succeeded", (json_int_t)db_col_int64(st, 7),
		      "succeeded_fen", (json_int_t)db_col_int64(st, 8), "failed",
		      (json_int_t)db_col_int64(st, 9), "pending",
		      (json_int_t)(db_col_int64(st, 5) - db_col_int64(st, 7) - db_col_int64(st, 9)),
		      "file_name", db_col_text(st, 10), "file_sha256", db_col_text(st, 11),
		      "file_size", (json_int_t)db_col_int64(st, 12), "encoding",
		      db_col_text(st, 13), "created_at", db_col_text(st, 14), "created_by",
		      db_col_text(st, 15));
	json_object_set_new(j, "finished_at",
			    db_col_null(st, 16) ? json_null() : json_string(db_col_text(st, 16)));
	return j;
}

int
withholding_batch_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT " BATCH_COLS " FROM withholding_batch b JOIN withholding_bank k"
			" ON k.code = b.bank_code WHERE b.id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_row_json(db, st, batch_json, out, "batch_not_found", "没有这个代扣批次", e);
}

int
withholding_batch_list(struct db *db, const char *bank_code, const char *period, int64_t before_id,
		       int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			"SELECT " BATCH_COLS " FROM withholding_batch b JOIN withholding_bank k"
			" ON k.code = b.bank_code WHERE (? = 0 OR b.id < ?)"
			" AND (CAST(? AS TEXT) IS NULL OR b.bank_code = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR b.period = ?) ORDER BY b.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, before_id);
	db_bind_int64(st, 2, before_id);
	db_bind_cstr(st, 3, bank_code);
	db_bind_cstr(st, 4, bank_code);
	db_bind_cstr(st, 5, period);
	db_bind_cstr(st, 6, period);
	db_bind_int64(st, 7, limit + 1);
	rc = page_collect(st, limit, batch_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

static json_t *
item_json(struct db_stmt *st, void *ud)
{
	char masked[PAYER_DIGITS_MAX + 1];
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:I, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "seq", (json_int_t)db_col_int64(st, 1),
		      "reference", db_col_text(st, 2), "household_id",
		      (json_int_t)db_col_int64(st, 3), "payer_account_id",
		      (json_int_t)db_col_int64(st, 4), "holder_name", db_col_text(st, 5),
		      "amount_fen", (json_int_t)db_col_int64(st, 7), "state", db_col_text(st, 8));
	json_object_set_new(j, "number",
			    payer_mask_sealed(db_col_text(st, 6), masked, sizeof(masked)) == 0
				    ? json_string(masked)
				    : json_null());
	json_object_set_new(j, "bank_ref",
			    db_col_null(st, 9) ? json_null() : json_string(db_col_text(st, 9)));
	json_object_set_new(j, "reason",
			    db_col_null(st, 10) ? json_null() : json_string(db_col_text(st, 10)));
	json_object_set_new(j, "payment_id",
			    db_col_null(st, 11) ? json_null() : json_integer(db_col_int64(st, 11)));
	json_object_set_new(j, "dunning_case_id",
			    db_col_null(st, 12) || db_col_int64(st, 12) == 0
				    ? json_null()
				    : json_integer(db_col_int64(st, 12)));
	json_object_set_new(j, "settled_at",
			    db_col_null(st, 13) ? json_null() : json_string(db_col_text(st, 13)));
	return j;
}

int
withholding_item_list(struct db *db, int64_t batch_id, const char *state, int64_t after_id,
		      int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *b = NULL;
	int rc;

	*items = NULL;
	*next = 0;
	if ((rc = withholding_batch_get(db, batch_id, &b, e)) != 0)
		return rc;
	json_decref(b);
	rc = db_prepare(
		db,
		"SELECT id, seq, reference, household_id, payer_account_id, holder_name,"
		" number_sealed, amount_fen, state, bank_ref, reason, payment_id,"
		" dunning_case_id, settled_at FROM withholding_item WHERE batch_id = ?"
		" AND id > ? AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY id LIMIT ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, batch_id);
	db_bind_int64(st, 2, after_id);
	db_bind_cstr(st, 3, state);
	db_bind_cstr(st, 4, state);
	db_bind_int64(st, 5, limit + 1);
	rc = page_collect(st, limit, item_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

static int
exec_id(struct db *db, const char *sql, int64_t id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

int
withholding_cancel(struct db *db, int64_t batch_id, const struct audit_actor *who,
		   struct anju_err *e)
{
	struct batch_row b;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int64_t settled = 0;
	int rc;

	if ((rc = batch_load(db, batch_id, &b, e)) != 0)
		return rc;
	free(b.layout);
	if (strcmp(b.state, "open") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "invalid_state", "state",
				 "批次当前状态为 %s，只有未回盘的批次（open）可以作废", b.state);
	rc = db_prepare(db,
			"SELECT COUNT(*) FROM withholding_item WHERE batch_id = ?"
			" AND state <> 'pending'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, batch_id);
	if ((rc = db_step(st)) == DB_ROW)
		settled = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (settled > 0)
		return anju_fail(e, ANJU_ECONFLICT, "batch_has_results", NULL,
				 "批次已有 %lld 条回盘结果，不能作废", (long long)settled);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE withholding_batch SET state = 'cancelled', finished_at = ?"
			" WHERE id = ? AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, batch_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	return audit_batch(db, who, "withholding_batch.cancel", batch_id,
			   json_pack("{s:s}", "state", "cancelled"), e);
}

/* ---- results ---- */

struct item {
	int64_t id, household_id, amount_fen;
	char state[12];
	char bank_ref[65];
	char index[PII_INDEX_LEN + 1];
	bool seen;
};

/* The batch's items by seq (items[0] is seq 1). */
static int
items_load(struct db *db, int64_t batch_id, int64_t count, struct item **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct item *it = xcalloc(count > 0 ? (size_t)count : 1, sizeof(*it));
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT seq, id, household_id, amount_fen, state, bank_ref, number_index"
			" FROM withholding_item WHERE batch_id = ? ORDER BY seq",
			&st);
	if (rc != 0) {
		free(it);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t seq = db_col_int64(st, 0);
		struct item *x;

		if (seq < 1 || seq > count)
			continue;
		x = &it[seq - 1];
		x->id = db_col_int64(st, 1);
		x->household_id = db_col_int64(st, 2);
		x->amount_fen = db_col_int64(st, 3);
		snprintf(x->state, sizeof(x->state), "%s", db_col_text(st, 4));
		snprintf(x->bank_ref, sizeof(x->bank_ref), "%s",
			 db_col_null(st, 5) ? "" : db_col_text(st, 5));
		snprintf(x->index, sizeof(x->index), "%s", db_col_text(st, 6));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(it);
		return db_fail(db, rc, e);
	}
	*out = it;
	return 0;
}

static int
cmp_bank_ref(const void *a, const void *b)
{
	const struct wh_result_row *const *x = a, *const *y = b;

	return strcmp((*x)->bank_ref, (*y)->bank_ref);
}

/* Checks every row against the batch: errors appended; *todo[i] the item
 * row i settles (NULL: already applied, unchanged). */
static int
rows_validate(struct db *db, int64_t batch_id, int64_t count, struct item *items,
	      struct wh_result_row *rows, size_t nrows, struct item **todo, json_t *errors,
	      struct anju_err *e)
{
	const struct wh_result_row **succ = xcalloc(nrows ? nrows : 1, sizeof(*succ));
	struct db_stmt *st;
	size_t ns = 0;
	int rc = 0;

	for (size_t i = 0; i < nrows; i++) {
		struct wh_result_row *r = &rows[i];
		long long b = 0, seq = 0;
		char tail = 0, idx[PII_INDEX_LEN + 1];
		struct item *it;

		todo[i] = NULL;
		if (sscanf(r->reference, "WH%lld-%lld%c", &b, &seq, &tail) != 2 || b != batch_id ||
		    seq < 1 || seq > count || items[seq - 1].id == 0) {
			row_error(errors, r->line, 0, "reference",
				  "业务编号 %s 不是本批次的代扣明细", r->reference);
			continue;
		}
		it = &items[seq - 1];
		if (it->seen) {
			row_error(errors, r->line, 0, "reference", "业务编号 %s 在文件中重复",
				  r->reference);
			continue;
		}
		it->seen = true;
		if (r->amount_fen != it->amount_fen) {
			char want[MONEY_FMT_MAX], got[MONEY_FMT_MAX];

			money_format_plain(it->amount_fen, want);
			money_format_plain(r->amount_fen, got);
			row_error(errors, r->line, 0, "amount", "金额 %s 元与代扣金额 %s 元不符",
				  got, want);
			continue;
		}
		if (r->account[0] != '\0') {
			pii_index(keys_current(), "bank_account", r->account, idx);
			if (strcmp(idx, it->index) != 0) {
				row_error(errors, r->line, 0, "account_number",
					  "账号与代扣明细的账号不符");
				continue;
			}
		}
		if (strcmp(it->state, "succeeded") == 0) {
			if (!r->success || strcmp(r->bank_ref, it->bank_ref) != 0)
				row_error(errors, r->line, 0, "status",
					  "该笔已按银行流水号 %s 代扣成功，与本行结果矛盾",
					  it->bank_ref);
			continue;
		}
		if (strcmp(it->state, "failed") == 0) {
			if (r->success)
				row_error(errors, r->line, 0, "status",
					  "该笔已记为代扣失败，与本行结果矛盾");
			continue;
		}
		todo[i] = it;
		if (r->success)
			succ[ns++] = r;
	}
	/* A bank reference once in the file, and never taken before. */
	qsort(succ, ns, sizeof(*succ), cmp_bank_ref);
	for (size_t i = 1; i < ns; i++)
		if (strcmp(succ[i]->bank_ref, succ[i - 1]->bank_ref) == 0)
			row_error(errors, succ[i]->line, 0, "bank_ref",
				  "银行流水号 %s 在文件中重复", succ[i]->bank_ref);
	if (ns > 0) {
		rc = db_prepare(
			db,
			"SELECT 1 FROM payment WHERE channel = 'withholding' AND channel_ref = ?",
			&st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		for (size_t i = 0; i < ns; i++) {
			db_bind_cstr(st, 1, succ[i]->bank_ref);
			rc = db_step(st);
			db_reset(st);
			if (rc == DB_ROW)
				row_error(errors, succ[i]->line, 0, "bank_ref",
					  "银行流水号 %s 已经入账", succ[i]->bank_ref);
			else if (rc != DB_DONE) {
				rc = db_fail(db, rc, e);
				goto out;
			}
		}
		rc = 0;
	}
out:
	free(succ);
	return rc;
}

/* Applies one validated row to its pending item. */
static int
apply_row(struct db *db, struct item *it, const struct wh_result_row *r, int64_t result_id,
	  const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], note[96];
	int64_t pid = 0, case_id = 0;
	json_t *out = NULL;
	int rc;

	time_format_utc(time_now_us(), now);
	if (r->success) {
		struct payment_in in = { 0 };

		snprintf(note, sizeof(note), "批量代扣 %s", r->reference);
		in.household_id = it->household_id;
		in.amount_fen = r->amount_fen;
		in.channel = CHANNEL_WITHHOLDING;
		in.channel_ref = r->bank_ref;
		in.note = note;
		if ((rc = payment_take(db, caller_system(), &in, who, &pid, &out, e)) != 0)
			return rc;
		json_decref(out);
		rc = db_prepare(db,
				"UPDATE withholding_item SET state = 'succeeded', bank_ref = ?,"
				" payment_id = ?, result_id = ?, settled_at = ? WHERE id = ?"
				" AND state = 'pending'",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, r->bank_ref);
		db_bind_int64(st, 2, pid);
	} else {
		if ((rc = dunning_note(db, it->household_id, "withholding", r->reason, who,
				       &case_id, e)) != 0)
			return rc;
		rc = db_prepare(db,
				"UPDATE withholding_item SET state = 'failed', reason = ?,"
				" dunning_case_id = ?, result_id = ?, settled_at = ? WHERE id = ?"
				" AND state = 'pending'",
				&st);
		if (rc != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, r->reason);
		db_bind_int64(st, 2, case_id);
	}
	db_bind_int64(st, 3, result_id);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, it->id);
	rc = db_step(st);
	if (rc == DB_DONE && db_changes(st) != 1)
		rc = ANJU_ECONFLICT;
	db_reset(st);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "item_settled", NULL,
				 "代扣明细 %s 已有结果（另一次导入）", r->reference);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	snprintf(it->state, sizeof(it->state), "%s", r->success ? "succeeded" : "failed");
	return 0;
}

/* The batch's totals from its items; done when nothing is pending. */
static int
batch_refresh(struct db *db, int64_t batch_id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE withholding_batch SET"
		" succeeded = (SELECT COUNT(*) FROM withholding_item i WHERE i.batch_id = ?"
		" AND i.state = 'succeeded'),"
		" succeeded_fen = (SELECT COALESCE(SUM(i.amount_fen), 0) FROM withholding_item i"
		" WHERE i.batch_id = ? AND i.state = 'succeeded'),"
		" failed = (SELECT COUNT(*) FROM withholding_item i WHERE i.batch_id = ?"
		" AND i.state = 'failed'),"
		" finished_at = CASE WHEN state = 'open' AND NOT EXISTS (SELECT 1 FROM "
		"withholding_item"
		" i WHERE i.batch_id = ? AND i.state = 'pending') THEN ? ELSE finished_at END,"
		" state = CASE WHEN state = 'open' AND NOT EXISTS (SELECT 1 FROM withholding_item i"
		" WHERE i.batch_id = ? AND i.state = 'pending') THEN 'done' ELSE state END"
		" WHERE id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	for (int i = 1; i <= 4; i++)
		db_bind_int64(st, i, batch_id);
	db_bind_cstr(st, 5, now);
	db_bind_int64(st, 6, batch_id);
	db_bind_int64(st, 7, batch_id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

static int
result_finish(struct db *db, int64_t result_id, int64_t batch_id, int64_t succ, int64_t fail,
	      int64_t unchanged, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"UPDATE withholding_result SET state = 'applied', succeeded = ?, failed = ?,"
		" unchanged = ?, data = NULL, finished_at = ? WHERE id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, succ);
	db_bind_int64(st, 2, fail);
	db_bind_int64(st, 3, unchanged);
	db_bind_cstr(st, 4, now);
	db_bind_int64(st, 5, result_id);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = batch_refresh(db, batch_id, e)) != 0)
		return rc;
	return audit_batch(db, who, "withholding_result.apply", batch_id,
			   json_pack("{s:I, s:I, s:I, s:I}", "result_id", (json_int_t)result_id,
				     "succeeded", (json_int_t)succ, "failed", (json_int_t)fail,
				     "unchanged", (json_int_t)unchanged),
			   e);
}

/* Reads and checks a result file for a batch: the layout, the rows, the
 * items each settles. */
struct checked {
	struct batch_row b;
	struct wh_layout l;
	struct item *items;
	struct wh_result_row *rows;
	size_t nrows;
	struct item **todo;
};

static void
checked_free(struct checked *k)
{
	free(k->b.layout);
	free(k->items);
	free(k->rows);
	free(k->todo);
	memset(k, 0, sizeof(*k));
}

static int
check_file(struct db *db, int64_t batch_id, const char *data, size_t n, json_t *errors,
	   struct checked *k, struct anju_err *e)
{
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = batch_load(db, batch_id, &k->b, e)) != 0)
		return rc;
	if (strcmp(k->b.state, "cancelled") == 0)
		return anju_fail(e, ANJU_ECONFLICT, "batch_cancelled", "state",
				 "批次已作废（cancelled），不能导入回盘文件");
	if ((rc = bank_layout(db, k->b.bank, true, &k->l, NULL, e)) != 0 ||
	    (rc = wh_result_parse(&k->l, data, n, &k->rows, &k->nrows, errors, e)) != 0 ||
	    (rc = items_load(db, batch_id, k->b.items, &k->items, e)) != 0)
		return rc;
	k->todo = xcalloc(k->nrows ? k->nrows : 1, sizeof(*k->todo));
	return rows_validate(db, batch_id, k->b.items, k->items, k->rows, k->nrows, k->todo, errors,
			     e);
}

static int
result_insert(struct db *db, int64_t batch_id, const char *data, size_t n, size_t rows,
	      const char *state, const char *errors, bool keep, const struct audit_actor *who,
	      int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], sha[65], *b64 = NULL;
	int rc;

	sha256_hex(data, n, sha);
	time_format_utc(time_now_us(), now);
	if (keep) {
		b64 = xmalloc(BASE64_LEN(n));
		base64_encode(data, n, b64);
	}
	rc = db_prepare(
		db,
		"INSERT INTO withholding_result (batch_id, file_sha256, file_size, data, rows,"
		" state, errors, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
		" RETURNING id",
		&st);
	if (rc != 0) {
		free(b64);
		return db_fail(db, rc, e);
	}
	db_bind_int64(st, 1, batch_id);
	db_bind_cstr(st, 2, sha);
	db_bind_int64(st, 3, (int64_t)n);
	db_bind_cstr(st, 4, b64);
	db_bind_int64(st, 5, (int64_t)rows);
	db_bind_cstr(st, 6, state);
	db_bind_cstr(st, 7, errors);
	db_bind_cstr(st, 8, now);
	db_bind_cstr(st, 9, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	free(b64);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
withholding_import(struct db *db, const struct caller *c, int64_t batch_id, const char *data,
		   size_t n, const struct audit_actor *who, json_t **report, struct anju_err *e)
{
	struct checked k;
	struct db_stmt *st;
	json_t *errors = json_array();
	int64_t result_id = 0, job_id = 0, succ = 0, fail = 0, unchanged = 0;
	int rc;

	(void)c;
	*report = NULL;
	/* One import of a batch at a time: its row is locked to the end. */
	if ((rc = exec_id(db, "UPDATE withholding_batch SET items = items WHERE id = ?", batch_id,
			  e)) != 0)
		goto out0;
	rc = db_prepare(
		db, "SELECT id FROM withholding_result WHERE batch_id = ? AND state = 'applying'",
		&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out0;
	}
	db_bind_int64(st, 1, batch_id);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW) {
		rc = anju_fail(e, ANJU_ECONFLICT, "result_applying", NULL,
			       "该批次的上一个回盘文件正在入账，请稍后");
		goto out0;
	}
	if (rc != DB_DONE) {
		rc = db_fail(db, rc, e);
		goto out0;
	}
	rc = check_file(db, batch_id, data, n, errors, &k, e);
	if (rc == 0 && json_array_size(errors) > 0) {
		json_t *first = json_array_get(errors, 0);

		*report = json_pack("{s:I, s:O}", "rows", (json_int_t)k.nrows, "errors", errors);
		rc = anju_fail(e, ANJU_EUNPROCESSABLE, "result_rows_invalid", "file",
			       "回盘文件有 %zu 处错误，未入账（第一处：第 %lld 行，%s）",
			       json_array_size(errors),
			       (long long)json_integer_value(json_object_get(first, "line")),
			       json_string_value(json_object_get(first, "reason")));
	}
	if (rc != 0)
		goto out;
	if (k.nrows > WH_INLINE_ROWS) {
		json_t *params = json_pack("{s:I}", "result_id", (json_int_t)0);

		if ((rc = result_insert(db, batch_id, data, n, k.nrows, "applying", "[]", true, who,
					&result_id, e)) != 0) {
			json_decref(params);
			goto out;
		}
		json_object_set_new(params, "result_id", json_integer(result_id));
		rc = job_create(db, "withholding_import", params,
				who->principal ? who->principal : "anonymous", &job_id, e);
		json_decref(params);
		if (rc != 0)
			goto out;
		rc = db_prepare(db, "UPDATE withholding_result SET job_id = ? WHERE id = ?", &st);
		if (rc != 0) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		db_bind_int64(st, 1, job_id);
		db_bind_int64(st, 2, result_id);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE) {
			rc = db_fail(db, rc, e);
			goto out;
		}
		rc = audit_batch(db, who, "withholding_result.queue", batch_id,
				 json_pack("{s:I, s:I, s:I}", "result_id", (json_int_t)result_id,
					   "rows", (json_int_t)k.nrows, "job_id",
					   (json_int_t)job_id),
				 e);
	} else {
		if ((rc = result_insert(db, batch_id, data, n, k.nrows, "applying", "[]", false,
					who, &result_id, e)) != 0)
			goto out;
		for (size_t i = 0; i < k.nrows; i++) {
			if (k.todo[i] == NULL) {
				unchanged++;
				continue;
			}
			if ((rc = apply_row(db, k.todo[i], &k.rows[i], result_id, who, e)) != 0)
				goto out;
			if (k.rows[i].success)
				succ++;
			else
				fail++;
		}
		rc = result_finish(db, result_id, batch_id, succ, fail, unchanged, who, e);
	}
	if (rc == 0)
		rc = withholding_result_get(db, result_id, report, e);
out:
	checked_free(&k);
out0:
	json_decref(errors);
	return rc;
}

int
withholding_reject(struct db *db, int64_t batch_id, const char *data, size_t n, json_t *report,
		   const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	char *errors = json_dumps(json_object_get(report, "errors"), JSON_COMPACT);
	size_t rows = (size_t)json_integer_value(json_object_get(report, "rows"));
	int rc;

	rc = result_insert(db, batch_id, data, n, rows, "rejected", errors ? errors : "[]", false,
			   who, id, e);
	free(errors);
	if (rc != 0)
		return rc;
	return audit_batch(
		db, who, "withholding_result.reject", batch_id,
		json_pack("{s:I, s:I}", "result_id", (json_int_t)*id, "errors",
			  (json_int_t)json_array_size(json_object_get(report, "errors"))),
		e);
}

#define RESULT_COLS                                                                                \
	"id, batch_id, file_sha256, file_size, rows, succeeded, failed, unchanged, state, job_id," \
	" errors, error, created_at, created_by, finished_at"

static json_t *
result_json(struct db_stmt *st, void *ud)
{
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:s, s:s}", "id",
		      (json_int_t)db_col_int64(st, 0), "batch_id", (json_int_t)db_col_int64(st, 1),
		      "file_sha256", db_col_text(st, 2), "file_size",
		      (json_int_t)db_col_int64(st, 3), "rows", (json_int_t)db_col_int64(st, 4),
		      "succeeded", (json_int_t)db_col_int64(st, 5), "failed",
		      (json_int_t)db_col_int64(st, 6), "unchanged", (json_int_t)db_col_int64(st, 7),
		      "state", db_col_text(st, 8), "errors", parse_text(db_col_text(st, 10)),
		      "created_at", db_col_text(st, 12), "created_by", db_col_text(st, 13));
	json_object_set_new(j, "job_id",
			    db_col_null(st, 9) ? json_null() : json_integer(db_col_int64(st, 9)));
	json_object_set_new(j, "error",
			    db_col_null(st, 11) ? json_null() : json_string(db_col_text(st, 11)));
	json_object_set_new(j, "finished_at",
			    db_col_null(st, 14) ? json_null() : json_string(db_col_text(st, 14)));
	return j;
}

int
withholding_result_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " RESULT_COLS " FROM withholding_result WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_row_json(db, st, result_json, out, "result_not_found", "没有这个回盘记录", e);
}

int
withholding_result_list(struct db *db, int64_t batch_id, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *b = NULL;
	int rc;

	*items = NULL;
	if ((rc = withholding_batch_get(db, batch_id, &b, e)) != 0)
		return rc;
	json_decref(b);
	rc = db_prepare(db,
			"SELECT " RESULT_COLS " FROM withholding_result WHERE batch_id = ?"
			" ORDER BY id DESC LIMIT 50",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, batch_id);
	return db_rows_json(db, st, result_json, items, e);
}

/* ---- the job "withholding_import" ---- */

struct job_result {
	int64_t batch_id;
	char state[16], created_by[128];
	char *data;
};

static int
job_result_load(struct db *db, int64_t id, struct job_result *r, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = db_prepare(
		db, "SELECT batch_id, state, created_by, data FROM withholding_result WHERE id = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		r->batch_id = db_col_int64(st, 0);
		snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 1));
		snprintf(r->created_by, sizeof(r->created_by), "%s", db_col_text(st, 2));
		r->data = db_col_null(st, 3) ? NULL : xstrdup(db_col_text(st, 3));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "result_not_found", NULL, "没有这个回盘记录");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* Marks the result failed in a chunk of its own; the job then fails. */
static int
job_fail(struct job_ctx *ctx, int64_t result_id, const char *why, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	struct db_stmt *st;
	char now[TIME_FMT_LEN], msg[sizeof(e->msg)];
	int rc;

	snprintf(msg, sizeof(msg), "%s", why);
	if ((rc = job_chunk_begin(ctx, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE withholding_result SET state = 'failed', error = ?, data = NULL,"
			" finished_at = ? WHERE id = ?",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, msg);
		db_bind_cstr(st, 2, now);
		db_bind_int64(st, 3, result_id);
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE) {
		job_chunk_abort(ctx);
		return db_fail(db, rc, e);
	}
	if ((rc = job_chunk_end(ctx, 1, 1, "done", "入账失败", e)) != 0)
		return rc;
	return anju_fail(e, ANJU_EUNPROCESSABLE, "result_failed", NULL, "%s", msg);
}

static int
run_import(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	int64_t result_id = json_integer_value(json_object_get(job_params(ctx), "result_id"));
	struct job_result jr;
	struct checked k = { 0 };
	struct audit_actor who = { 0 };
	json_t *errors = json_array();
	char *raw = NULL, resume[96];
	long long pos = 0, succ = 0, fail = 0, unch = 0;
	long rawn;
	size_t i;
	int rc;

	if ((rc = job_result_load(db, result_id, &jr, e)) != 0)
		goto out;
	if (strcmp(jr.state, "applying") != 0 || jr.data == NULL)
		goto out; /* finished by an earlier run */
	who.principal = jr.created_by;
	who.name = jr.created_by;
	raw = xmalloc(strlen(jr.data) + 1);
	rawn = base64_decode(jr.data, strlen(jr.data), raw, strlen(jr.data));
	if (rawn < 0) {
		rc = job_fail(ctx, result_id, "保存的回盘文件已损坏", e);
		goto out;
	}
	sscanf(job_resume_at(ctx), "r:%lld:%lld:%lld:%lld", &pos, &succ, &fail, &unch);
	/* Checked again: rows an earlier run applied are now unchanged ones,
	 * and the counts of the checkpoint say how many of them it made. */
	rc = check_file(db, jr.batch_id, raw, (size_t)rawn, errors, &k, e);
	if (rc == 0 && json_array_size(errors) > 0) {
		rc = job_fail(
			ctx, result_id,
			json_string_value(json_object_get(json_array_get(errors, 0), "reason")), e);
		goto out;
	}
	if (rc != 0) {
		char why[sizeof(e->msg)];

		if (rc == ANJU_EBUSY || rc == ANJU_EDB)
			goto out;
		snprintf(why, sizeof(why), "%s", e->msg);
		rc = job_fail(ctx, result_id, why, e);
		goto out;
	}
	i = (size_t)pos;
	for (;;) {
		size_t end = i + CHUNK_ROWS < k.nrows ? i + CHUNK_ROWS : k.nrows;

		if ((rc = job_chunk_begin(ctx, e)) != 0)
			goto out;
		for (; i < end; i++) {
			if (k.todo[i] == NULL) {
				unch++;
				continue;
			}
			if ((rc = apply_row(db, k.todo[i], &k.rows[i], result_id, &who, e)) != 0) {
				job_chunk_abort(ctx);
				goto out;
			}
			if (k.rows[i].success)
				succ++;
			else
				fail++;
		}
		if (i >= k.nrows) {
			/* Rows an earlier run applied were counted there, not as unchanged. */
			if ((rc = result_finish(db, result_id, jr.batch_id, succ, fail,
						(int64_t)k.nrows - succ - fail, &who, e)) != 0) {
				job_chunk_abort(ctx);
				goto out;
			}
		}
		snprintf(resume, sizeof(resume), "r:%zu:%lld:%lld:%lld", i, succ, fail, unch);
		rc = job_chunk_end(ctx, (int64_t)i, (int64_t)k.nrows, resume,
				   i >= k.nrows ? "入账完成" : "正在入账", e);
		if (rc != 0 || i >= k.nrows)
			goto out;
	}
out:
	checked_free(&k);
	free(jr.data);
	free(raw);
	json_decref(errors);
	return rc;
}

const struct job_kind job_kind_withholding_import = {
	"withholding_import",
	"代扣回盘入账",
	(const struct field[]){ { "result_id", F_INT, true, 1, INT64_MAX }, { NULL } },
	run_import,
};
