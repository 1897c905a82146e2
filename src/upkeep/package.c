/*
 * The evidence package of a violation case: a PDF summary and the files,
 * with a manifest of their SHA-256, in one zip written with libarchive.
 * The package's own hash is audited when it is made (downloaded).  See
 * violation.h.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/money.h"
#include "files/files.h"
#include "pdf/pdf.h"
#include "store/db.h"
#include "upkeep/violation.h"

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "—";
}

static const char *
type_title(const char *t)
{
	static const char *const names[][2] = {
		{ "sublet", "转借、转租或擅自调换" },
		{ "change_of_use", "改变用途" },
		{ "damage", "破坏或擅自装修且拒不恢复原状" },
		{ "illegal_activity", "从事违法活动" },
		{ "idle", "无正当理由连续 6 个月以上闲置" },
		{ "other", "其他" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], t) == 0)
			return names[i][1];
	return t;
}

static void
yuan(const json_t *o, const char *k, char *out, size_t cap)
{
	json_t *v = json_object_get(o, k);
	int64_t fen = json_is_integer(v) ? json_integer_value(v) : 0;

	snprintf(out, cap, "%s%lld.%02lld 元", fen < 0 ? "-" : "",
		 (long long)(fen < 0 ? -fen : fen) / 100, (long long)(fen < 0 ? -fen : fen) % 100);
}

int
violation_summary_pdf(const json_t *v, struct buf *out, struct anju_err *e)
{
	static const struct pdf_col ev_cols[] = {
		{ 10, PDF_CENTER }, { 16, PDF_CENTER }, { 52, PDF_LEFT },
		{ 44, PDF_LEFT },   { 24, PDF_LEFT },   { 24, PDF_LEFT },
	};
	static const struct pdf_col hist_cols[] = {
		{ 38, PDF_LEFT },
		{ 30, PDF_LEFT },
		{ 30, PDF_LEFT },
		{ 72, PDF_LEFT },
	};
	struct pdf_table ev = { ev_cols, 6, 20, 7.5, 1.2, 0.2 };
	struct pdf_table hist = { hist_cols, 4, 20, 8, 1.2, 0.2 };
	struct pdf *p = pdf_new(PDF_A4_W, PDF_A4_H);
	const json_t *d = json_object_get(v, "decision"), *x;
	char line[2048], a[64], b[64], c[64];
	size_t i;
	int rc;

	snprintf(line, sizeof(line), "违规案件证据包 · 案件 %lld",
		 (long long)json_integer_value(json_object_get(v, "id")));
	pdf_set_title(p, line);
	pdf_set_date(p, "2026-01-01");
	pdf_para(p, 16, PDF_BOLD | PDF_CENTER, 4, line);
	snprintf(line, sizeof(line),
		 "类型：%s\n小区：%s　位置：%s %s %s\n住户：%s\n情况：%s\n违规开始：%s\n"
		 "来源：%s（%s 由 %s 登记）\n当前状态：%s",
		 type_title(str(v, "type")), str(v, "community_name"), str(v, "location"),
		 json_is_string(json_object_get(v, "unit_number")) ? str(v, "unit_number") : "",
		 str(v, "place"),
		 json_is_integer(json_object_get(v, "household_id")) ? "已关联" : "无",
		 str(v, "summary"), str(v, "started_on"), str(v, "source"), str(v, "reported_at"),
		 str(v, "reported_by_name"), str(v, "state"));
	pdf_para(p, 10, 0, 4, line);
	pdf_para(p, 12, PDF_BOLD, 2, "办理经过（服务器时间）");
	{
		const char *head[] = { "时间", "操作", "状态", "经办人及说明" };

		pdf_set_y(p, pdf_y(p) + pdf_table_row(p, &hist, pdf_y(p), head, PDF_SHADE));
	}
	json_array_foreach (json_object_get(v, "events"), i, x) {
		char who[512];
		const char *cells[4];

		snprintf(who, sizeof(who), "%s（%s）%s", str(x, "actor_name"), str(x, "actor"),
			 str(x, "note"));
		cells[0] = str(x, "at");
		cells[1] = str(x, "action");
		cells[2] = str(x, "to_state");
		cells[3] = who;
		pdf_need(p, pdf_table_row_height(p, &hist, cells, 0));
		pdf_set_y(p, pdf_y(p) + pdf_table_row(p, &hist, pdf_y(p), cells, 0));
	}
	pdf_set_y(p, pdf_y(p) + 4);
	pdf_para(p, 12, PDF_BOLD, 2, "决定");
	if (json_is_object(d)) {
		yuan(d, "back_charge_fen", a, sizeof(a));
		yuan(d, "penalty_fen", b, sizeof(b));
		yuan(d, "market_fen", c, sizeof(c));
		snprintf(line, sizeof(line),
			 "%s 由 %s（%s）决定：%s\n补缴期间：%s 至 %s，市场租金 %s，已计租金已扣除；"
			 "补缴 %s\n罚款：%s\n禁止申请人数：%lld",
			 str(d, "decided_at"), str(d, "decided_by_name"), str(d, "decided_by"),
			 str(d, "reason"), str(d, "breach_from"), str(d, "breach_to"), c, a, b,
			 (long long)json_integer_value(json_object_get(d, "bans")));
		pdf_para(p, 10, 0, 4, line);
	} else {
		pdf_para(p, 10, 0, 4, "尚未作出决定。");
	}
	pdf_para(p, 12, PDF_BOLD, 2, "证据（不可修改、不可删除）");
	{
		const char *head[] = { "序号",    "类型",     "文件或陈述",
				       "SHA-256", "拍摄时间", "存入时间" };

		pdf_set_y(p, pdf_y(p) + pdf_table_row(p, &ev, pdf_y(p), head, PDF_SHADE));
	}
	json_array_foreach (json_object_get(v, "evidence"), i, x) {
		char no[16];
		const char *cells[6];

		snprintf(no, sizeof(no), "%lld",
			 (long long)json_integer_value(json_object_get(x, "id")));
		cells[0] = no;
		cells[1] = str(x, "kind");
		cells[2] = json_is_string(json_object_get(x, "statement")) ? str(x, "statement")
									   : str(x, "filename");
		cells[3] = str(x, "sha256");
		cells[4] = str(x, "taken_at");
		cells[5] = str(x, "stored_at");
		pdf_need(p, pdf_table_row_height(p, &ev, cells, 0));
		pdf_set_y(p, pdf_y(p) + pdf_table_row(p, &ev, pdf_y(p), cells, 0));
	}
	rc = pdf_finish(p, out, e);
	pdf_free(p);
	return rc;
}

static la_ssize_t
zip_write(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	return buf_add(arg, p, n) == 0 ? (la_ssize_t)n : -1;
}

static int
zip_entry(struct archive *ar, const char *name, const void *p, size_t n, struct anju_err *e)
{
	struct archive_entry *ent = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, (la_int64_t)n);
	archive_entry_set_mtime(ent, 1767225600, 0); /* 2026-01-01: same input, same bytes */
	if (archive_write_header(ar, ent) != ARCHIVE_OK ||
	    (n > 0 && archive_write_data(ar, p, n) != (la_ssize_t)n))
		rc = anju_fail(e, ANJU_EIO, "package_write", NULL, "证据包写入失败：%s",
			       archive_error_string(ar) ? archive_error_string(ar) : "");
	archive_entry_free(ent);
	return rc;
}

/* Reads the attachment's bytes into b. */
static int
read_attachment(struct db *db, const struct caller *c, int64_t id, struct buf *b,
		struct anju_err *e)
{
	json_t *meta = NULL;
	int64_t size = 0;
	int fd = -1, rc;
	char chunk[65536];
	ssize_t got;

	if ((rc = attachment_open(db, c, id, &fd, &size, &meta, e)) != 0)
		return rc;
	json_decref(meta);
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(b, chunk, (size_t)got) != 0) {
			close(fd);
			return anju_fail(e, ANJU_ETOOBIG, "package_too_large", NULL, "证据包过大");
		}
	close(fd);
	if (got < 0 || (int64_t)b->n != size)
		return anju_fail(e, ANJU_EIO, "file_unreadable", NULL, "证据文件读取失败");
	return 0;
}

int
violation_package(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
		  struct buf *out, char sha[65], struct anju_err *e)
{
	struct archive *ar = NULL;
	struct buf pdf, manifest, file;
	json_t *v = NULL, *x, *after;
	char name[300], hash[65], oid[24];
	size_t i;
	int rc;

	buf_init(&pdf, 0);
	buf_init(&manifest, 0);
	buf_init(&file, 0);
	if ((rc = violation_get(db, c, id, &v, e)) != 0 ||
	    (rc = violation_summary_pdf(v, &pdf, e)) != 0)
		goto out;
	ar = archive_write_new();
	/* Stored, not deflated: photos and PDFs are compressed already, and
	 * the manifest stays readable in the bytes. */
	if (archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    archive_write_zip_set_compression_store(ar) != ARCHIVE_OK ||
	    archive_write_open2(ar, out, NULL, zip_write, NULL, NULL) != ARCHIVE_OK) {
		rc = anju_fail(e, ANJU_EIO, "package_write", NULL, "证据包写入失败");
		goto out;
	}
	if ((rc = zip_entry(ar, "summary.pdf", pdf.p, pdf.n, e)) != 0)
		goto out;
	sha256_hex(pdf.p, pdf.n, hash);
	buf_printf(&manifest, "%s  summary.pdf\n", hash);
	json_array_foreach (json_object_get(v, "evidence"), i, x) {
		const char *fn = json_string_value(json_object_get(x, "filename"));
		json_t *att = json_object_get(x, "attachment_id");

		buf_reset(&file);
		if (json_is_integer(att)) {
			if ((rc = read_attachment(db, c, json_integer_value(att), &file, e)) != 0)
				goto out;
			snprintf(name, sizeof(name), "files/%lld-%s",
				 (long long)json_integer_value(json_object_get(x, "id")),
				 fn != NULL ? fn : "file");
		} else {
			const char *s = json_string_value(json_object_get(x, "statement"));

			buf_adds(&file, s != NULL ? s : "");
			snprintf(name, sizeof(name), "files/%lld-statement.txt",
				 (long long)json_integer_value(json_object_get(x, "id")));
		}
		if ((rc = zip_entry(ar, name, file.p, file.n, e)) != 0)
			goto out;
		sha256_hex(file.p, file.n, hash);
		/* The stored hash is the one that counts: a file whose bytes
		 * no longer match it is named so. */
		buf_printf(&manifest, "%s  %s%s\n", hash, name,
			   strcmp(hash, str(x, "sha256")) == 0 ? ""
							       : "  (MISMATCH: not as recorded)");
	}
	if ((rc = zip_entry(ar, "manifest.txt", manifest.p, manifest.n, e)) != 0)
		goto out;
	if (archive_write_close(ar) != ARCHIVE_OK) {
		rc = anju_fail(e, ANJU_EIO, "package_write", NULL, "证据包写入失败");
		goto out;
	}
	sha256_hex(out->p, out->n, sha);
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	after = json_pack("{s:s, s:I, s:I}", "sha256", sha, "size", (json_int_t)out->n, "files",
			  (json_int_t)json_array_size(json_object_get(v, "evidence")));
	rc = audit_write(db, who, "violation.package", "violation_case", oid, NULL, after, e);
	json_decref(after);
out:
	if (ar != NULL)
		archive_write_free(ar);
	json_decref(v);
	buf_free(&pdf);
	buf_free(&manifest);
	buf_free(&file);
	return rc;
}
