/*
 * The dunning notice (催缴通知书), A4 portrait: the operator tells a
 * household how much rent it owes, for which months, in figures and in
 * words (人民币大写), what the level's text says, and what article 29 means
 * for six months owed.  The caller hands over display values (personal
 * data already masked); this file checks them and draws.  The document's
 * date is the day it is issued, so the same values give the same bytes.
 *
 * One face, Noto Serif CJK SC (an official document), regular and bold.
 */
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "pdf/pdf.h"
#include "rent/dunning.h"

#define MARGIN      25.0
#define WIDTH       (PDF_A4_W - 2 * MARGIN)
#define BODY_PT     12.0
#define SMALL_PT    10.0
#define TITLE_PT    22.0
#define FIELD_MAX   200  /* bytes of a short value */
#define TEXT_MAX    2000 /* bytes of the level's text */
#define PERIODS_MAX 600  /* rows of the table: fifty years of months */

#define ART_29                                                                                                                               \
	"《公共租赁住房管理办法》第二十九条：承租人累计6个月以上拖欠租金的，应当腾退所承租的公共" \
	"租赁住房。"

static int
need(const char *s, size_t max, const char *field, const char *title, struct anju_err *e)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	if (n == 0)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "催缴通知书缺少%s", title);
	if (n > max)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "催缴通知书的%s过长",
				 title);
	return 0;
}

static int
need_date(const char *s, const char *field, const char *title, struct anju_err *e)
{
	struct date d;

	if (s == NULL || date_parse(str_c(s), &d) != 0)
		return anju_fail(e, ANJU_EINVAL, "notice_field", field, "催缴通知书的%s无效",
				 title);
	return 0;
}

static int
check(const struct dunning_notice_doc *n, struct anju_err *e)
{
	int rc;

	if ((rc = need(n->number, FIELD_MAX, "number", "编号", e)) != 0 ||
	    (rc = need(n->household, FIELD_MAX, "household", "承租人", e)) != 0 ||
	    (rc = need(n->community, FIELD_MAX, "community", "小区", e)) != 0 ||
	    (rc = need(n->unit, FIELD_MAX, "unit", "房号", e)) != 0 ||
	    (rc = need(n->level, FIELD_MAX, "level", "催缴等级", e)) != 0 ||
	    (rc = need(n->issuer, FIELD_MAX, "issuer", "出具单位", e)) != 0 ||
	    (rc = need_date(n->as_of, "as_of", "截止日期", e)) != 0 ||
	    (rc = need_date(n->issued_on, "issued_on", "日期", e)) != 0 ||
	    (rc = need_date(n->oldest_due_on, "oldest_due_on", "最早欠缴日期", e)) != 0)
		return rc;
	if (n->text != NULL && strlen(n->text) > TEXT_MAX)
		return anju_fail(e, ANJU_EINVAL, "notice_field", "text", "催缴通知书的正文过长");
	if (n->months_owed < 1 || n->owed_fen < 1 || n->owed_fen > INT64_C(10000000000))
		return anju_fail(e, ANJU_EINVAL, "notice_field", "owed_fen",
				 "催缴通知书应载明欠缴的月数和金额");
	if (n->nperiods < 0 || n->nperiods > PERIODS_MAX ||
	    (n->nperiods > 0 && (n->periods == NULL || n->period_fen == NULL)))
		return anju_fail(e, ANJU_EINVAL, "notice_field", "periods",
				 "催缴通知书的欠缴明细无效");
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

static const struct pdf_col cols[] = {
	{ 20.0, PDF_CENTER },
	{ 60.0, PDF_CENTER },
	{ 80.0, PDF_RIGHT },
};

int
dunning_notice_pdf(const struct dunning_notice_doc *n, struct buf *out, struct anju_err *e)
{
	struct pdf_table t = { cols, 3, MARGIN, SMALL_PT, 1.5, 0.2 };
	struct arena *a = NULL;
	struct pdf *p;
	char as_of[32], issued[32], oldest[32], amount[MONEY_FMT_MAX], words[MONEY_WORDS_MAX];
	int rc;

	if ((rc = check(n, e)) != 0)
		return rc;
	a = arena_new();
	date_cn(n->as_of, as_of);
	date_cn(n->issued_on, issued);
	date_cn(n->oldest_due_on, oldest);
	money_format(n->owed_fen, amount);
	money_in_words(n->owed_fen, words);

	p = pdf_new(PDF_A4_W, PDF_A4_H);
	pdf_set_title(p, "催缴通知书");
	pdf_set_date(p, n->issued_on);
	pdf_set_margins(p, MARGIN, MARGIN, 25.0, MARGIN);
	pdf_on_page(p, page_number, NULL);

	pdf_set_y(p, 30.0);
	pdf_para(p, TITLE_PT, PDF_CENTER | PDF_SERIF | PDF_BOLD, 4.0, "催缴通知书");
	pdf_para(p, SMALL_PT, PDF_RIGHT | PDF_SERIF, 8.0,
		 arena_printf(a, "%s（%s）", n->number, n->level));

	pdf_para(p, BODY_PT, PDF_LEFT | PDF_SERIF | PDF_BOLD, 3.0,
		 arena_printf(a, "%s（承租人）：", n->household));
	pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 3.0,
		 arena_printf(a,
			      "　　你户承租的%s %s 号公共租赁住房，截至%s累计欠缴租金 %d 个月，"
			      "合计人民币 %s 元（大写：%s），最早一笔于%s到期。明细如下：",
			      n->community, n->unit, as_of, n->months_owed, amount, words, oldest));
	{
		const char *head[] = { "序号", "账期", "欠缴金额（元）" };
		double y = pdf_y(p);

		y += pdf_table_row(p, &t, y, head, PDF_SHADE | PDF_BOLD);
		for (int i = 0; i < n->nperiods; i++) {
			char fen[MONEY_FMT_MAX];
			const char *row[3];

			money_format(n->period_fen[i], fen);
			row[0] = arena_printf(a, "%d", i + 1);
			row[1] = arena_printf(a, "%.4s 年 %.2s 月", n->periods[i],
					      n->periods[i] + 5);
			row[2] = arena_strdup(a, fen);
			if (y + pdf_table_row_height(p, &t, row, 0) > PDF_A4_H - 30.0) {
				pdf_new_page(p);
				y = pdf_y(p);
			}
			y += pdf_table_row(p, &t, y, row, 0);
		}
		{
			const char *total[] = { "合计", arena_printf(a, "%d 个月", n->months_owed),
						amount };

			y += pdf_table_row(p, &t, y, total, PDF_BOLD);
		}
		pdf_set_y(p, y + 4.0);
	}
	if (n->text != NULL && n->text[0] != '\0')
		pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 3.0,
			 arena_printf(a, "　　%s", n->text));
	pdf_para(p, BODY_PT, PDF_JUSTIFY | PDF_SERIF, 3.0,
		 "　　请你户接到本通知后，尽快到运营服务窗口缴清欠缴租金，或通过银行代扣、"
		 "网上缴费等方式缴纳。如已缴纳，请携带缴费凭证与运营单位核对。");
	pdf_para(p, SMALL_PT, PDF_JUSTIFY | PDF_SERIF, 12.0, ART_29);

	pdf_need(p, 40.0);
	pdf_para(p, BODY_PT, PDF_RIGHT | PDF_SERIF, 2.0, n->issuer);
	pdf_para(p, BODY_PT, PDF_RIGHT | PDF_SERIF, 10.0, issued);

	pdf_line(p, MARGIN, pdf_y(p), PDF_A4_W - MARGIN, pdf_y(p), 0.3);
	pdf_set_y(p, pdf_y(p) + 3.0);
	pdf_para(p, SMALL_PT, PDF_LEFT | PDF_SERIF, 2.0,
		 "受送达人签收：＿＿＿＿＿＿＿＿　　　　送达人：＿＿＿＿＿＿＿＿　　　　送达日期："
		 "＿＿＿＿");

	rc = pdf_finish(p, out, e);
	pdf_free(p);
	arena_free(a);
	return rc;
}
