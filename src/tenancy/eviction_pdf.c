/*
 * The eviction notice (清退通知书), A4 portrait: the bureau tells a
 * household that its tenancy ends, why, under which articles, and by which
 * day the unit must be handed back.  The caller hands over display values
 * (personal data already masked); this file checks them and draws.  The
 * document's date is the day of service, so the same values give the same
 * bytes (recheck.h).
 *
 * One face, Noto Serif CJK SC (an official document), regular and bold.
 */
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "pdf/pdf.h"
#include "tenancy/recheck.h"

#define MARGIN    25.0
#define WIDTH     (PDF_A4_W - 2 * MARGIN)
#define BODY_PT   12.0
#define SMALL_PT  10.0
#define TITLE_PT  22.0
#define FIELD_MAX 200   /* bytes of a short value */
#define LONG_MAX  16000 /* bytes of the reasons or the articles */

static int
need(const char *s, size_t max, const char *field, const char *title, struct anju_err *e)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	if (n == 0)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "清退通知书缺少%s", title);
	if (n > max)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "清退通知书的%s过长",
				 title);
	return 0;
}

static int
need_date(const char *s, const char *field, const char *title, struct anju_err *e)
{
	struct date d;

	if (s == NULL || date_parse(str_c(s), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "清退通知书的%s无效",
				 title);
	return 0;
}

static int
check(const struct eviction_notice *n, struct anju_err *e)
{
	int rc;

	if ((rc = need(n->number, FIELD_MAX, "number", "文号", e)) != 0 ||
	    (rc = need(n->household, FIELD_MAX, "household", "承租人", e)) != 0 ||
	    (rc = need(n->community, FIELD_MAX, "community", "小区", e)) != 0 ||
	    (rc = need(n->unit, FIELD_MAX, "unit", "房号", e)) != 0 ||
	    (rc = need(n->lease, FIELD_MAX, "lease", "合同期限", e)) != 0 ||
	    (rc = need(n->basis, FIELD_MAX, "basis", "清退依据", e)) != 0 ||
	    (rc = need(n->reasons, LONG_MAX, "reasons", "清退事由", e)) != 0 ||
	    (rc = need(n->articles, LONG_MAX, "articles", "法规条款", e)) != 0 ||
	    (rc = need(n->issuer, FIELD_MAX, "issuer", "作出决定的机关", e)) != 0 ||
	    (rc = need_date(n->decided_on, "decided_on", "决定日期", e)) != 0 ||
	    (rc = need_date(n->served_on, "served_on", "送达日期", e)) != 0 ||
	    (rc = need_date(n->vacate_by, "vacate_by", "腾退期限", e)) != 0)
		return rc;
	if (n->id_number != NULL && strlen(n->id_number) > FIELD_MAX)
		return anju_fail(e, ANJU_EINVAL, "notice_field", "id_number",
				 "清退通知书的身份证号过长");
	if (n->vacate_days < 1 || n->vacate_days > 3650)
		return anju_fail(e, ANJU_EINVAL, "notice_field", "vacate_days",
				 "搬迁期应为 1 到 3650 日");
	return 0;
}

/* "2026-11-28" as "2026年11月28日". */
static void
date_cn(const char *d, char out[32])
{
	snprintf(out, 32, "%.4s年%.2s月%.2s日", d, d + 5, d + 8);
}

static void
page_number(struct pdf *p, void *arg)
{
	char s[32];

	(void)arg;
	snprintf(s, sizeof(s), "第 %d 页", pdf_page_count(p));
	pdf_text(p, MARGIN, PDF_A4_H - 15.0, WIDTH, 9.0, PDF_CENTER | PDF_SERIF, s);
}

int
eviction_notice_pdf(const struct eviction_notice *n, struct buf *out, struct anju_err *e)
{
	struct arena *a = NULL;
	struct pdf *p;
	char served[32], vacate[32], decided[32], from[DATE_FMT_LEN] = "", from_cn[32];
	struct date d;
	int rc;

	if ((rc = check(n, e)) != 0)
		return rc;
	a = arena_new();
	if (date_parse(str_c(n->vacate_by), &d) == 0)
		date_format(date_add_days(d, 1), from);
	date_cn(n->served_on, served);
	date_cn(n->vacate_by, vacate);
	date_cn(n->decided_on, decided);
	date_cn(from, from_cn);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_title(p, "清退通知书");
	pdf_set_date(p, n->served_on);
	pdf_set_margins(p, MARGIN, MARGIN, 25.0, MARGIN);
	pdf_on_page(p, page_number, NULL);

	pdf_set_y(p, 30.0);
	pdf_para(p, TITLE_PT, PDF_CENTER | PDF_SERIF | PDF_BOLD, 4.0, "清退通知书");
	pdf_para(p, SMALL_PT, PDF_RIGHT | PDF_SERIF, 8.0, n->number);

	pdf_para(p, BODY_PT, PDF_LEFT | PDF_SERIF | PDF_BOLD, 3.0,
		 arena_printf(a, "%s（身份证号 %s）及其家庭：", n->household,
			      n->id_number && n->id_number[0] ? n->id_number : "—"));
	pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 3.0,
		 arena_printf(a,
			      "　　你户承租的%s %s 号公共租赁住房（租赁合同期限 %s），"
			      "经本机关于%s决定，因%s，依法予以清退。事由如下：",
			      n->community, n->unit, n->lease, decided, n->basis));
	pdf_para(p, BODY_PT, PDF_LEFT | PDF_SERIF, 3.0, n->reasons);

	pdf_para(p, BODY_PT, PDF_LEFT | PDF_SERIF | PDF_BOLD, 2.0, "依据：");
	pdf_para(p, SMALL_PT, PDF_JUSTIFY | PDF_SERIF, 4.0, n->articles);

	pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 3.0,
		 arena_printf(a,
			      "　　请你户自本通知送达之日（%s）起 %d 日内，即于%s前腾退上述住房，"
			      "结清租金等费用，交还钥匙，并与运营单位办理退房交接手续。搬迁期内"
			      "租金按照合同约定的数额缴纳；逾期不腾退的，自%s起按照市场价格计收"
			      "租金，并依法追究责任。",
			      served, n->vacate_days, vacate, from_cn));
	pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 12.0,
		 "　　如对本决定不服，可以自收到本通知之日起六十日内依法申请行政复议，"
		 "或者在六个月内依法提起行政诉讼。");

	pdf_need(p, 40.0);
	pdf_para(p, BODY_PT, PDF_RIGHT | PDF_SERIF, 2.0, n->issuer);
	pdf_para(p, BODY_PT, PDF_RIGHT | PDF_SERIF, 10.0, served);

	pdf_line(p, MARGIN, pdf_y(p), PDF_A4_W - MARGIN, pdf_y(p), 0.3);
	pdf_set_y(p, pdf_y(p) + 3.0);
	pdf_para(p, SMALL_PT, PDF_LEFT | PDF_SERIF, 2.0,
		 arena_printf(a, "送达日期：%s　　　　腾退期限：%s", served, vacate));
	pdf_para(p, SMALL_PT, PDF_LEFT | PDF_SERIF, 2.0,
		 "受送达人签收：＿＿＿＿＿＿＿＿　　　　送达人：＿＿＿＿＿＿＿＿");

	rc = pdf_finish(p, out, e);
	pdf_free(p);
	arena_free(a);
	return rc;
}
