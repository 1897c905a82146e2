/*
 * The export jobs ("export_units", "export_households"): an xlsx of the
 * units or households the maker may see, written with libxlsxwriter from the
 * modules' own iterators (unit_each, household_each: their JSON, masked per
 * the maker's role; never their SQL), then sealed and kept for its maker
 * (transfer.h).
 *
 * The sheet has the import's columns, so an export can be corrected and
 * imported again (a household's rows: one per member, the household's
 * columns on every row).  Areas are numbers in m² and money numbers in yuan,
 * both shown with two decimals: a spreadsheet can sum them.  The number is
 * the integer hundredths divided by 100, a presentation the spreadsheet
 * rounds back exactly; nothing is computed with it here.
 *
 * The workbook is written in libxlsxwriter's constant-memory mode to a
 * private temporary file, which is read back, sealed into the database in
 * one transaction, and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/date.h"
#include "core/mem.h"
#include "household/household.h"
#include "housing/housing.h"
#include "http/http.h"
#include "jobs/job.h"
#include "store/db.h"
#include "transfer/transfer_store.h"
#include "transfer/xlsx.h"

/* Progress is committed every this many rows. */
#define PROGRESS_ROWS 2000

static const struct field params[] = {
	{ "community_id", F_INT, false, 1, INT64_MAX,
	  .desc = "只导出这个小区（默认：可见的全部小区）" },
	{ NULL },
};

struct writer {
	struct job_ctx *ctx;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *hundredths;
	lxw_row_t row;
	int64_t records;
	struct anju_err *e;
};

static const char *
text(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? s : "";
}

static void
put_text(struct writer *w, lxw_col_t col, const char *s)
{
	if (s[0] != '\0')
		worksheet_write_string(w->ws, w->row, col, s, NULL);
}

static void
put_int(struct writer *w, lxw_col_t col, json_t *v)
{
	if (json_is_integer(v))
		worksheet_write_number(w->ws, w->row, col, (double)json_integer_value(v), NULL);
}

static void
put_hundredths(struct writer *w, lxw_col_t col, json_t *v)
{
	if (json_is_integer(v))
		xlsx_write_fen(w->ws, w->row, col, json_integer_value(v), w->hundredths);
}

static void
header(struct writer *w, const char *const *titles, const double *widths)
{
	for (lxw_col_t c = 0; titles[c] != NULL; c++) {
		worksheet_set_column(w->ws, c, c, widths[c], NULL);
		worksheet_write_string(w->ws, 0, c, titles[c], w->bold);
	}
	worksheet_freeze_panes(w->ws, 1, 0);
	w->row = 1;
}

/* Commits progress now and then; the iterators hold no statement open
 * while they call back. */
static int
progress(struct writer *w)
{
	if (++w->records % PROGRESS_ROWS != 0)
		return 0;
	return job_progress(w->ctx, w->records, 0, "导出中", w->e);
}

static int
unit_row(void *ud, json_t *u)
{
	struct writer *w = ud;

	put_text(w, 0, text(u, "community_name"));
	put_text(w, 1, text(u, "building_name"));
	put_int(w, 2, json_object_get(u, "entrance"));
	put_int(w, 3, json_object_get(u, "floor"));
	put_text(w, 4, text(u, "number"));
	put_text(w, 5, text(u, "layout"));
	put_hundredths(w, 6, json_object_get(u, "floor_area"));
	put_hundredths(w, 7, json_object_get(u, "usable_area"));
	put_text(w, 8, text(u, "orientation"));
	put_text(w, 9, text(u, "status_title"));
	w->row++;
	return progress(w);
}

static const char *
relationship_title(const char *code)
{
	static const char *const map[][2] = {
		{ "head", "户主" },   { "spouse", "配偶" },      { "child", "子女" },
		{ "parent", "父母" }, { "sibling", "兄弟姐妹" }, { "other", "其他" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], code) == 0)
			return map[i][1];
	return code;
}

static int
household_row(void *ud, json_t *h)
{
	struct writer *w = ud;
	json_t *m;
	size_t i;

	json_array_foreach (json_object_get(h, "members"), i, m) {
		json_t *p = json_object_get(m, "person");
		char key[24];

		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(h, "id")));
		put_text(w, 0, key);
		put_text(w, 1, text(h, "community_name"));
		put_text(w, 2, text(h, "category_name"));
		put_text(w, 3, text(h, "hukou"));
		put_text(w, 4, text(h, "employer"));
		put_hundredths(w, 5, json_object_get(h, "monthly_income_fen"));
		put_hundredths(w, 6, json_object_get(h, "assets_fen"));
		put_text(w, 7, text(h, "assets_note"));
		put_text(w, 8, text(h, "current_housing"));
		put_text(w, 9, text(p, "name"));
		put_text(w, 10, text(p, "id_number"));
		put_text(w, 11, text(p, "phone"));
		put_text(w, 12, relationship_title(text(m, "relationship")));
		w->row++;
	}
	return progress(w);
}

static const char *const unit_titles[] = {
	"小区",           "楼栋",           "单元", "楼层", "房号", "户型",
	"建筑面积（㎡）", "使用面积（㎡）", "朝向", "状态", NULL
};
static const double unit_widths[] = { 16, 10, 6, 6, 12, 12, 14, 14, 8, 10 };

static const char *const household_titles[] = {
	"户号",     "小区",       "类别", "户籍",     "工作单位", "月收入（元）", "资产（元）",
	"资产说明", "现住房情况", "姓名", "身份证号", "电话",     "与户主关系",   NULL
};
static const double household_widths[] = { 8, 16, 24, 16, 20, 12, 12, 16, 16, 10, 22, 16, 10 };

/* Reads the finished file into the database, sealed. */
static int
store(struct job_ctx *ctx, int fd, const char *filename, int64_t *size, struct anju_err *e)
{
	struct buf b;
	char chunk[65536];
	ssize_t r;
	int rc;

	buf_init(&b, (size_t)1 << 30);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_free(&b);
			return anju_fail(e, ANJU_EIO, NULL, NULL, "read: %s", strerror(errno));
		}
		if (buf_add(&b, chunk, (size_t)r) != 0) {
			buf_free(&b);
			return anju_fail(e, ANJU_ETOOBIG, "export_too_large", NULL,
					 "导出文件超过 1 GiB，请按小区分别导出");
		}
	}
	*size = (int64_t)b.n;
	if ((rc = job_chunk_begin(ctx, e)) != 0) {
		buf_free(&b);
		return rc;
	}
	rc = transfer_parts_drop(job_db(ctx), job_id(ctx), "output", e);
	if (rc == 0)
		rc = transfer_parts_put(job_db(ctx), job_id(ctx), "output", b.p, b.n, e);
	if (rc == 0)
		rc = transfer_set_output(job_db(ctx), job_id(ctx), filename, (int64_t)b.n, e);
	buf_free(&b);
	if (rc != 0) {
		job_chunk_abort(ctx);
		return rc;
	}
	return job_chunk_end(ctx, 1, 1, "done", "已完成", e);
}

static int
run(struct job_ctx *ctx, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct transfer_row t;
	struct caller c;
	struct writer w = { .ctx = ctx, .e = e };
	json_t *cid_j = json_object_get(job_params(ctx), "community_id");
	int64_t cid = json_is_integer(cid_j) ? json_integer_value(cid_j) : 0, size = 0;
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	const char *tmp = getenv("TMPDIR");
	char *path = NULL, *filename, day[DATE_FMT_LEN];
	int fd = -1, rc;

	if ((rc = transfer_get(job_db(ctx), job_id(ctx), a, &t, e)) != 0)
		goto out;
	if (!t.export) {
		rc = anju_fail(e, ANJU_EINVAL, "not_an_export", NULL, "这个任务不是导出");
		goto out;
	}
	if (strcmp(job_resume_at(ctx), "done") == 0)
		goto result;
	if ((rc = transfer_caller(job_db(ctx), t.owner, a, &c, e)) != 0)
		goto out;
	if (!transfer_may_export(&c, t.what)) {
		rc = anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "%s无权导出%s",
			       role_title(c.role), t.what == TRANSFER_UNITS ? "房源" : "住户");
		goto out;
	}
	if (cid > 0 && (rc = housing_community_visible(job_db(ctx), &c, cid, e)) != 0)
		goto out;
	if ((rc = job_progress(ctx, 0, 0, "导出中", e)) != 0)
		goto out;
	path = arena_printf(a, "%s/anju-xlsx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "mkstemp: %s", strerror(errno));
		goto out;
	}
	opt.tmpdir = tmp && *tmp ? (char *)tmp : NULL;
	if ((w.wb = workbook_new_opt(path, &opt)) == NULL) {
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "cannot start the workbook");
		goto out;
	}
	w.bold = workbook_add_format(w.wb);
	format_set_bold(w.bold);
	w.hundredths = workbook_add_format(w.wb);
	format_set_num_format(w.hundredths, "0.00");
	if (t.what == TRANSFER_UNITS) {
		w.ws = workbook_add_worksheet(w.wb, "房源");
		header(&w, unit_titles, unit_widths);
		rc = unit_each(job_db(ctx), &c, cid, unit_row, &w, e);
	} else {
		w.ws = workbook_add_worksheet(w.wb, "住户");
		header(&w, household_titles, household_widths);
		rc = household_each(job_db(ctx), &c, cid, household_row, &w, e);
	}
	if (workbook_close(w.wb) != LXW_NO_ERROR && rc == 0)
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "the workbook could not be written");
	w.wb = NULL;
	if (rc != 0)
		goto out;
	/* libxlsxwriter wrote the file by its name: read what is there now. */
	close(fd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = anju_fail(e, ANJU_EIO, NULL, NULL, "open: %s", strerror(errno));
		goto out;
	}
	date_format(date_today_shanghai(), day);
	filename = arena_printf(a, "%s-%s-%lld.xlsx",
				t.what == TRANSFER_UNITS ? "units" : "households", day,
				(long long)job_id(ctx));
	if ((rc = store(ctx, fd, filename, &size, e)) != 0)
		goto out;
result:
	if ((rc = transfer_get(job_db(ctx), job_id(ctx), a, &t, e)) != 0)
		goto out;
	job_set_result(ctx, json_pack("{s:s, s:s, s:I, s:I}", "what", transfer_what_name(t.what),
				      "filename", t.filename, "size", (json_int_t)t.size, "rows",
				      (json_int_t)w.records));
out:
	if (fd >= 0)
		close(fd);
	if (path != NULL)
		unlink(path);
	arena_free(a);
	return rc;
}

const struct job_kind job_kind_export_units = { "export_units", "导出房源", params, run };
const struct job_kind job_kind_export_households = { "export_households", "导出住户", params, run };
