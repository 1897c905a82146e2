/*
 * The contract PDF (公共租赁住房租赁合同), template v1: A4 portrait, drawn
 * from the document JSON lease.c builds (contract_doc: display values only,
 * personal data already masked), so this file reads no database and the
 * same document gives the same bytes (the PDF's date is the issue date).
 *
 * Page 1: the QR code to the verification page top right, the title, the
 * contract number and version, the parties and the members; then the
 * articles flow over as many pages as they need, each page numbered at
 * its foot with the contract number; the signature block closes it.  The
 * articles follow Order No. 11: the term (art. 18), rent and deposit in
 * figures and in 人民币大写, the five returns of art. 27 and their
 * consequences (art. 36), arrears (art. 29), renewal (art. 30), filing
 * (art. 17).
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/money.h"
#include "pdf/pdf.h"
#include "tenancy/lease.h"

#define PAGE_W  PDF_A4_W
#define PAGE_H  PDF_A4_H
#define MARGIN  20.0
#define BODY_PT 10.5
#define HEAD_PT 11.5
#define QR_SIZE 26.0
#define CONTENT (PAGE_W - 2 * MARGIN)

static const char *
s_of(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const char *
or_blank(const char *s, const char *blank)
{
	return s && s[0] ? s : blank;
}

struct foot {
	char number[96];
};

static void
footer(struct pdf *p, void *arg)
{
	struct foot *f = arg;
	char text[160];

	snprintf(text, sizeof(text), "合同编号 %s　　第 %d 页", f->number, pdf_page_count(p));
	pdf_text(p, MARGIN, PAGE_H - 12.0, CONTENT, 8, PDF_CENTER | PDF_ONE_LINE, text);
	pdf_set_y(p, MARGIN);
}

/* An article: its heading, then its paragraphs. */
static void
heading(struct pdf *p, const char *text)
{
	pdf_need(p, 14.0);
	pdf_para(p, HEAD_PT, PDF_BOLD, 1.5, text);
}

static void
para(struct pdf *p, struct buf *b)
{
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.8, b->p);
	buf_reset(b);
}

static void
amount_line(struct buf *b, const char *title, int64_t fen)
{
	char fig[MONEY_FMT_MAX], words[MONEY_WORDS_MAX];

	money_format(fen, fig);
	money_in_words(fen, words);
	buf_printf(b, "%s：人民币 ¥%s 元（大写：%s）", title, fig, words);
}

static void
parties(struct pdf *p, json_t *d, struct buf *b)
{
	json_t *tenant = json_object_get(d, "tenant"), *members = json_object_get(d, "members"), *m;
	static const struct pdf_col cols[] = {
		{ 12.0, PDF_CENTER },
		{ 50.0, PDF_LEFT },
		{ 40.0, PDF_CENTER },
		{ CONTENT - 12.0 - 50.0 - 40.0, PDF_CENTER },
	};
	const struct pdf_table t = { cols, 4, MARGIN, 9.5, 1.2, 0.25 };
	static const char *const head[] = { "序号", "姓名", "与承租人关系", "身份证号码" };
	double y;
	size_t i;

	buf_printf(b, "出租人（甲方）：%s", or_blank(s_of(d, "lessor"), "（产权单位）"));
	para(p, b);
	buf_printf(b, "运营管理单位：%s", or_blank(s_of(d, "operator"), "（运营管理单位）"));
	para(p, b);
	buf_printf(b, "承租人（乙方）：%s　　身份证号码：%s", s_of(tenant, "name"),
		   or_blank(s_of(tenant, "id_number"), "—"));
	para(p, b);
	pdf_para(p, BODY_PT, 0, 1.5, "乙方家庭成员（共同居住人）：");
	pdf_need(p, 8.0);
	y = pdf_y(p);
	y += pdf_table_row(p, &t, y, head, PDF_SHADE);
	json_array_foreach (members, i, m) {
		char idx[24];
		const char *cells[4];
		double h;

		snprintf(idx, sizeof(idx), "%zu", i + 1);
		cells[0] = idx;
		cells[1] = s_of(m, "name");
		cells[2] = s_of(m, "relationship");
		cells[3] = or_blank(s_of(m, "id_number"), "—");
		h = pdf_table_row_height(p, &t, cells, 0);
		if (y + h > PAGE_H - MARGIN) {
			pdf_new_page(p);
			y = pdf_y(p);
		}
		y += pdf_table_row(p, &t, y, cells, 0);
	}
	pdf_set_y(p, y + 3.0);
	pdf_para(
		p, BODY_PT, PDF_JUSTIFY, 3.0,
		"根据《公共租赁住房管理办法》（住房和城乡建设部令第11号）等规定，甲、乙双方在平等、"
		"自愿的基础上，就乙方承租公共租赁住房事宜订立本合同，共同遵守。");
}

static void
articles(struct pdf *p, json_t *d, struct buf *b)
{
	json_t *u = json_object_get(d, "unit"), *prev = json_object_get(d, "previous"),
	       *change = json_object_get(d, "change");
	int window = (int)json_integer_value(json_object_get(d, "renewal_window_months"));
	int filing = (int)json_integer_value(json_object_get(d, "filing_days"));

	heading(p, "第一条　房屋基本情况");
	buf_printf(b, "甲方将位于%s", s_of(u, "community"));
	if (s_of(u, "address")[0])
		buf_printf(b, "（地址：%s）", s_of(u, "address"));
	buf_printf(b,
		   "、楼栋 %s、房号 %s 的公共租赁住房（以下简称该房屋）出租给乙方居住使用。"
		   "该房屋户型为%s，建筑面积 %s 平方米。",
		   or_blank(s_of(u, "building"), "—"), s_of(u, "number"),
		   or_blank(s_of(u, "layout"), "（见房屋档案）"), s_of(u, "floor_area"));
	para(p, b);

	heading(p, "第二条　租赁期限");
	buf_printf(b, "租赁期限自 %s 起至 %s 止，共 %lld 个月。", s_of(d, "starts_on"),
		   s_of(d, "ends_on"),
		   (long long)json_integer_value(json_object_get(d, "term_months")));
	if (prev != NULL && strcmp(s_of(d, "kind"), "renewal") == 0)
		buf_printf(b, "本合同为编号 %s 合同（%s 期满）的续签合同。", s_of(prev, "number"),
			   s_of(prev, "ends_on"));
	if (prev != NULL && change != NULL)
		buf_printf(b,
			   "本合同为编号 %s 合同的变更合同（%s：%s），自起始日起代替原合同，"
			   "原合同于起始日前一日终止。",
			   s_of(prev, "number"), s_of(change, "kind"), s_of(change, "reason"));
	para(p, b);

	heading(p, "第三条　租金及支付方式");
	amount_line(b, "月租金", json_integer_value(json_object_get(d, "monthly_rent_fen")));
	buf_adds(b, "。乙方应于每月 5 日前缴纳当月租金，可在运营管理单位服务窗口缴纳，或转账至"
		    "公共租赁住房租金专户；运营管理单位出具收款收据。租金标准调整的，按调整后的标准"
		    "执行。");
	para(p, b);

	heading(p, "第四条　履约保证金");
	amount_line(b, "履约保证金", json_integer_value(json_object_get(d, "deposit_fen")));
	buf_adds(b, "。乙方于签订本合同时缴纳。租赁关系终止、乙方腾退房屋并结清租金及其他费用后，"
		    "扣除应由乙方承担的损坏赔偿等费用，余额无息退还乙方。");
	para(p, b);

	heading(p, "第五条　甲方的权利和义务");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.8,
		 "（一）甲方委托运营管理单位负责该房屋及其附属设施的维修养护，保障房屋正常使用；"
		 "（二）运营管理单位对房屋使用情况进行巡查，发现违反本合同约定的行为，及时处理或者"
		 "报告住房保障部门；（三）甲方及运营管理单位不得擅自提高租金或者收取合同约定以外的"
		 "费用。");

	heading(p, "第六条　乙方应当退回房屋的情形（第十一号令第二十七条）");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.2, "乙方有下列行为之一的，应当退回该房屋：");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.0,
		 "（一）转借、转租或者擅自调换所承租公共租赁住房的；");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.0, "（二）改变所承租公共租赁住房用途的；");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.0,
		 "（三）破坏或者擅自装修所承租公共租赁住房，拒不恢复原状的；");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.0, "（四）在公共租赁住房内从事违法活动的；");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.2,
		 "（五）无正当理由连续 6 个月以上闲置公共租赁住房的。");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.8,
		 "乙方有前款行为之一的，由住房保障部门责令按市场价格补缴从违法违规行为发生之日起的"
		 "租金，依法处以罚款，记入公共租赁住房管理档案，自退回之日起 5 年内不得再次申请"
		 "公共租赁住房（第三十六条）。退回房屋由住房保障部门决定，运营管理单位不作决定。");

	heading(p, "第七条　拖欠租金（第十一号令第二十九条）");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.8,
		 "乙方累计 6 个月以上拖欠租金的（不要求连续），应当腾退所承租的公共租赁住房；"
		 "拒不腾退的，甲方或者运营管理单位可以依法向人民法院提起诉讼，要求乙方腾退。");

	heading(p, "第八条　续签");
	buf_printf(
		b,
		"租赁期满需要续租的，乙方应当在合同期满前 %d 个月内提出申请（第十一号令第三十条），"
		"经审核符合条件的续签合同；未按规定申请或者经审核不再符合条件的，乙方应当在合同期满"
		"时"
		"腾退房屋。",
		window > 0 ? window : 3);
	para(p, b);

	heading(p, "第九条　合同备案");
	buf_printf(b,
		   "本合同签订之日起 %d "
		   "日内，由运营管理单位报住房保障部门备案（第十一号令第十七条）。",
		   filing > 0 ? filing : 30);
	para(p, b);

	heading(p, "第十条　其他");
	pdf_para(p, BODY_PT, PDF_JUSTIFY, 1.8,
		 "本合同未尽事宜，按照国家和地方公共租赁住房管理规定执行。本合同一式三份，甲方、"
		 "运营管理单位、乙方各执一份，自签订之日起生效。扫描合同首页二维码可核验本合同的"
		 "真实性及是否在有效期内。");
}

static void
signatures(struct pdf *p, json_t *d)
{
	double y, col = CONTENT / 3.0;
	char lessor[256], op[256];

	pdf_need(p, 42.0);
	y = pdf_y(p) + 6.0;
	snprintf(lessor, sizeof(lessor), "甲方（盖章）：\n%s", or_blank(s_of(d, "lessor"), ""));
	snprintf(op, sizeof(op), "运营管理单位（盖章）：\n%s", or_blank(s_of(d, "operator"), ""));
	pdf_text(p, MARGIN, y, col - 4, BODY_PT, 0, lessor);
	pdf_text(p, MARGIN + col, y, col - 4, BODY_PT, 0, op);
	pdf_text(p, MARGIN + 2 * col, y, col, BODY_PT, 0, "乙方（签字）：");
	y += 24.0;
	for (int i = 0; i < 3; i++)
		pdf_text(p, MARGIN + i * col, y, col, BODY_PT, 0, "日期：　　年　　月　　日");
	pdf_set_y(p, y + 10.0);
}

int
lease_contract_pdf(json_t *d, struct buf *out, struct anju_err *e)
{
	struct pdf *p = NULL;
	struct foot f;
	struct buf b;
	char title[160], line[256];
	int rc;

	if (!json_is_object(d) || !json_is_object(json_object_get(d, "tenant")) ||
	    !json_is_object(json_object_get(d, "unit")) ||
	    !json_is_array(json_object_get(d, "members")) || s_of(d, "issued_on")[0] == '\0' ||
	    s_of(d, "verify_url")[0] == '\0' || s_of(d, "starts_on")[0] == '\0')
		return anju_fail(e, ANJU_EINVAL, "contract_fields", NULL, "合同文本的内容不完整");
	buf_init(&b, 0);
	snprintf(f.number, sizeof(f.number), "%s", s_of(d, "number"));
	p = pdf_new(PAGE_W, PAGE_H);
	snprintf(title, sizeof(title), "公共租赁住房租赁合同 %s", f.number);
	pdf_set_title(p, title);
	pdf_set_date(p, s_of(d, "issued_on"));
	pdf_set_margins(p, MARGIN, MARGIN, MARGIN + 6.0, MARGIN);
	pdf_on_page(p, footer, &f);

	if ((rc = pdf_qr(p, PAGE_W - MARGIN - QR_SIZE, 12.0, QR_SIZE, s_of(d, "verify_url"), e)) !=
	    0)
		goto out;
	pdf_text(p, PAGE_W - MARGIN - QR_SIZE, 12.0 + QR_SIZE + 0.3, QR_SIZE, 8,
		 PDF_CENTER | PDF_ONE_LINE, "扫码验真");
	pdf_text(p, MARGIN, 22.0, CONTENT, 20, PDF_CENTER | PDF_BOLD, "公共租赁住房租赁合同");
	snprintf(line, sizeof(line), "合同编号：%s（%s）", f.number, s_of(d, "kind_title"));
	pdf_text(p, MARGIN, 34.0, CONTENT - QR_SIZE, 9.5, PDF_ONE_LINE, line);
	snprintf(line, sizeof(line), "合同文本：%s　第 %lld 版　出具日期：%s", s_of(d, "template"),
		 (long long)json_integer_value(json_object_get(d, "version")),
		 s_of(d, "issued_on"));
	pdf_text(p, MARGIN, 39.5, CONTENT - QR_SIZE, 9.5, PDF_ONE_LINE, line);
	footer(p, &f);
	pdf_set_y(p, 48.0);

	parties(p, d, &b);
	articles(p, d, &b);
	signatures(p, d);
	rc = pdf_finish(p, out, e);
out:
	buf_free(&b);
	pdf_free(p);
	return rc;
}
