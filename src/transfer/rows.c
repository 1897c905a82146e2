/*
 * From sheet rows to records: the columns of each import, the header
 * mapping, the parsing of every cell, and the checks that need no database
 * (the domain modules' own unit_validate and household_validate, one head
 * per household, a unit number or an ID number given twice in one file).
 * Every error is reported with its row and column and the import goes on
 * to the next row, so one pass finds them all.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/idnum.h"
#include "core/mem.h"
#include "core/money.h"
#include "transfer/transfer_int.h"

const struct column_def unit_columns[UC_COUNT] = {
	[UC_COMMUNITY] = { "小区", "community", true },
	[UC_BUILDING] = { "楼栋", "building", true },
	[UC_ENTRANCE] = { "单元", "entrance", true },
	[UC_FLOOR] = { "楼层", "floor", true },
	[UC_NUMBER] = { "房号", "number", true },
	[UC_LAYOUT] = { "户型", "layout", false },
	[UC_FLOOR_AREA] = { "建筑面积", "floor_area", true },
	[UC_USABLE_AREA] = { "使用面积", "usable_area", true },
	[UC_ORIENTATION] = { "朝向", "orientation", false },
};

const struct column_def household_columns[HC_COUNT] = {
	[HC_KEY] = { "户号", "household", true },
	[HC_COMMUNITY] = { "小区", "community", true },
	[HC_CATEGORY] = { "类别", "category", true },
	[HC_HUKOU] = { "户籍", "hukou", false },
	[HC_EMPLOYER] = { "工作单位", "employer", false },
	[HC_INCOME] = { "月收入", "monthly_income", false },
	[HC_ASSETS] = { "资产", "assets", false },
	[HC_ASSETS_NOTE] = { "资产说明", "assets_note", false },
	[HC_HOUSING] = { "现住房情况", "current_housing", false },
	[HC_NAME] = { "姓名", "name", true },
	[HC_ID_NUMBER] = { "身份证号", "id_number", true },
	[HC_PHONE] = { "电话", "phone", false },
	[HC_RELATIONSHIP] = { "与户主关系", "relationship", true },
};

static const struct {
	const char *zh, *code;
} relationships[] = {
	{ "户主", "head" },   { "配偶", "spouse" },      { "子女", "child" },
	{ "父母", "parent" }, { "兄弟姐妹", "sibling" }, { "其他", "other" },
};

/* Household members at most (household.h). */
#define MEMBERS_MAX 20

int
hundredths_parse(const char *s, int64_t *out)
{
	return money_parse(str_c(s), out) == 0 ? 0 : -1;
}

/*
 * A header as people write it: "建筑面积（㎡）", "月收入(元)", "*姓名",
 * "Floor area".  The part in brackets and a required-marker asterisk are
 * dropped; English is compared without case, with spaces and hyphens as
 * underscores.
 */
static void
header_key(const char *h, char *out, size_t cap)
{
	size_t n = strlen(h), k = 0;
	const char *cut;

	while (n > 0 && h[0] == '*') {
		h++;
		n--;
	}
	if ((cut = strstr(h, "（")) != NULL || (cut = strchr(h, '(')) != NULL)
		n = (size_t)(cut - h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '*'))
		n--;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		char c = h[i];

		out[k++] = c == ' ' || c == '-' ? '_' : (char)tolower((unsigned char)c);
	}
	out[k] = '\0';
}

/* Maps the header onto defs; reports unknown, repeated and missing columns.
 * 0, or -1 when a required column is missing or a column is unusable. */
static int
map_columns(const struct sheet *s, const struct column_def *defs, int ndefs, struct column_map *m,
	    struct report *r)
{
	int rc = 0;

	m->defs = defs;
	m->ndefs = ndefs;
	for (int d = 0; d < ndefs; d++) {
		m->at[d] = -1;
		m->title[d] = defs[d].zh;
	}
	for (size_t i = 0; i < s->header.n; i++) {
		char key[128];
		int found = -1;

		if (s->header.cells[i][0] == '\0')
			continue; /* an empty column: its cells must be empty (sheet.c) */
		header_key(s->header.cells[i], key, sizeof(key));
		for (int d = 0; d < ndefs && found < 0; d++)
			if (strcmp(key, defs[d].zh) == 0 || strcmp(key, defs[d].en) == 0)
				found = d;
		if (found < 0) {
			report_add(r, -1, s->header.line, s->header.cells[i], "不认识的列");
			rc = -1;
		} else if (m->at[found] >= 0) {
			report_add(r, -1, s->header.line, s->header.cells[i], "列重复");
			rc = -1;
		} else {
			m->at[found] = (int)i;
			m->title[found] = s->header.cells[i];
		}
	}
	for (int d = 0; d < ndefs; d++)
		if (defs[d].required && m->at[d] < 0) {
			report_add(r, -1, s->header.line, defs[d].zh, "缺少必需的列");
			rc = -1;
		}
	if (rc == 0 && s->nrows == 0) {
		report_add(r, -1, 0, "", "文件中没有数据行");
		rc = -1;
	}
	return rc;
}

/* The cell of column d in row, "" when the column or the cell is absent. */
static const char *
cell(const struct column_map *m, const struct sheet_row *row, int d)
{
	int at = m->at[d];

	return at >= 0 && (size_t)at < row->n ? row->cells[at] : "";
}

static const char *
or_null(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/* An integer cell, allowing a unit word after it ("2单元", "15层"). */
static int
int_cell(const char *s, const char *suffix, int64_t min, int64_t max, int64_t *out)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (k > 0 && n > k && strcmp(s + n - k, suffix) == 0)
		n -= k;
	return str_to_int64((struct str){ s, n }, min, max, out) == 0 ? 0 : -1;
}

/* Sorting rows by a text key, then by line, to find repeats and groups. */
struct keyed {
	const char *k1, *k2;
	int64_t line;
	size_t rec;
};

static int
keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = strcmp(a->k1, b->k1);

	if (c == 0)
		c = strcmp(a->k2, b->k2);
	if (c == 0)
		c = a->line < b->line ? -1 : a->line > b->line;
	return c;
}

/* ---- units ---- */

static const struct {
	const char *field;
	int col;
} unit_fields[] = {
	{ "building_id", UC_BUILDING },
	{ "entrance", UC_ENTRANCE },
	{ "floor", UC_FLOOR },
	{ "number", UC_NUMBER },
	{ "layout", UC_LAYOUT },
	{ "floor_area", UC_FLOOR_AREA },
	{ "usable_area", UC_USABLE_AREA },
	{ "orientation", UC_ORIENTATION },
};

const char *
unit_field_column(const struct unit_sheet *u, const char *field)
{
	for (size_t i = 0; i < sizeof(unit_fields) / sizeof(unit_fields[0]); i++)
		if (strcmp(unit_fields[i].field, field) == 0)
			return u->cols.title[unit_fields[i].col];
	return "";
}

static void
unit_error(struct unit_sheet *u, struct report *r, size_t i, int col, const char *reason)
{
	u->recs[i].errors++;
	report_add(r, (int64_t)i, u->recs[i].line, col >= 0 ? u->cols.title[col] : "", "%s",
		   reason);
}

static void
unit_row(struct unit_sheet *u, const struct sheet_row *row, size_t i, struct report *r)
{
	const struct column_map *m = &u->cols;
	struct unit_rec *rec = &u->recs[i];
	struct anju_err e;
	int64_t v = 0;

	rec->line = row->line;
	rec->community = cell(m, row, UC_COMMUNITY);
	rec->building = cell(m, row, UC_BUILDING);
	rec->in.building_id = 1; /* looked up later; unit_validate sees a real one */
	rec->in.number = cell(m, row, UC_NUMBER);
	rec->in.layout = or_null(cell(m, row, UC_LAYOUT));
	rec->in.orientation = or_null(cell(m, row, UC_ORIENTATION));
	if (rec->community[0] == '\0')
		unit_error(u, r, i, UC_COMMUNITY, "必填");
	if (rec->building[0] == '\0')
		unit_error(u, r, i, UC_BUILDING, "必填");
	if (int_cell(cell(m, row, UC_ENTRANCE), "单元", -1000, 1000, &v) != 0)
		unit_error(u, r, i, UC_ENTRANCE, "应为整数");
	rec->in.entrance = (int)v;
	v = 0;
	if (int_cell(cell(m, row, UC_FLOOR), "层", -1000, 1000, &v) != 0)
		unit_error(u, r, i, UC_FLOOR, "应为整数");
	rec->in.floor = (int)v;
	if (rec->in.number[0] == '\0')
		unit_error(u, r, i, UC_NUMBER, "必填");
	if (hundredths_parse(cell(m, row, UC_FLOOR_AREA), &rec->in.floor_area) != 0)
		unit_error(u, r, i, UC_FLOOR_AREA, "应为平方米数，最多两位小数");
	if (hundredths_parse(cell(m, row, UC_USABLE_AREA), &rec->in.usable_area) != 0)
		unit_error(u, r, i, UC_USABLE_AREA, "应为平方米数，最多两位小数");
	if (rec->errors > 0)
		return;
	anju_err_clear(&e);
	if (unit_validate(&rec->in, &e) != 0) {
		rec->errors++;
		report_add(r, (int64_t)i, rec->line, unit_field_column(u, e.field), "%s", e.msg);
	}
}

int
units_parse(const struct sheet *s, struct unit_sheet *out, struct report *r)
{
	struct keyed *keys;
	size_t nk = 0;

	memset(out, 0, sizeof(*out));
	if (map_columns(s, unit_columns, UC_COUNT, &out->cols, r) != 0)
		return -1;
	out->n = s->nrows;
	out->recs = arena_alloc(s->a, out->n * sizeof(*out->recs));
	for (size_t i = 0; i < s->nrows; i++)
		unit_row(out, &s->rows[i], i, r);
	/* A number twice in one community of the file. */
	keys = xcalloc(out->n ? out->n : 1, sizeof(*keys));
	for (size_t i = 0; i < out->n; i++)
		if (out->recs[i].in.number[0] != '\0')
			keys[nk++] = (struct keyed){ out->recs[i].community, out->recs[i].in.number,
						     out->recs[i].line, i };
	qsort(keys, nk, sizeof(*keys), keyed_cmp);
	for (size_t k = 1, first = 0; k < nk; k++) {
		size_t i = keys[k].rec;

		if (strcmp(keys[k].k1, keys[first].k1) != 0 ||
		    strcmp(keys[k].k2, keys[first].k2) != 0) {
			first = k;
			continue;
		}
		out->recs[i].errors++;
		report_add(r, (int64_t)i, out->recs[i].line, out->cols.title[UC_NUMBER],
			   "房号与第%lld行重复", (long long)keys[first].line);
	}
	free(keys);
	return 0;
}

/* ---- households ---- */

static const struct {
	const char *field;
	int col;
} household_fields[] = {
	{ "community_id", HC_COMMUNITY },
	{ "category", HC_CATEGORY },
	{ "hukou", HC_HUKOU },
	{ "employer", HC_EMPLOYER },
	{ "monthly_income_fen", HC_INCOME },
	{ "assets_fen", HC_ASSETS },
	{ "assets_note", HC_ASSETS_NOTE },
	{ "current_housing", HC_HOUSING },
	{ "members", HC_RELATIONSHIP },
	{ "nmembers", HC_RELATIONSHIP },
	{ "name", HC_NAME },
	{ "id_number", HC_ID_NUMBER },
	{ "phone", HC_PHONE },
	{ "relationship", HC_RELATIONSHIP },
};

static int
household_field_col(const char *name)
{
	for (size_t i = 0; i < sizeof(household_fields) / sizeof(household_fields[0]); i++)
		if (strcmp(household_fields[i].field, name) == 0)
			return household_fields[i].col;
	return -1;
}

void
household_field_place(const struct household_sheet *h, const struct household_rec *rec,
		      const char *field, const char **col, int64_t *row)
{
	const char *last = strrchr(field, '.');
	int c;

	*row = rec->lines[0];
	/* "members[2].id_number" or "members[2].person.id_number" */
	if (strncmp(field, "members[", 8) == 0) {
		char *end;
		long i = strtol(field + 8, &end, 10);

		if (end != field + 8 && *end == ']' && i >= 0 && i < rec->in.nmembers)
			*row = rec->lines[i];
	}
	c = household_field_col(last ? last + 1 : field);
	*col = c >= 0 ? h->cols.title[c] : "";
}

static void
hh_error(struct household_sheet *h, struct report *r, size_t i, int64_t row, int col,
	 const char *reason)
{
	h->recs[i].errors++;
	report_add(r, (int64_t)i, row, col >= 0 ? h->cols.title[col] : "", "%s", reason);
}

static const char *
relationship_code(const char *s)
{
	for (size_t i = 0; i < sizeof(relationships) / sizeof(relationships[0]); i++)
		if (strcmp(s, relationships[i].zh) == 0 || strcmp(s, relationships[i].code) == 0)
			return relationships[i].code;
	return NULL;
}

/* The household-level columns: taken from the head's row; another row may
 * leave them empty or repeat them, never say something else. */
static const int household_level[] = { HC_COMMUNITY, HC_CATEGORY,    HC_HUKOU,  HC_EMPLOYER,
				       HC_INCOME,    HC_ASSETS_NOTE, HC_ASSETS, HC_HOUSING };

static void
household_group(struct household_sheet *h, const struct sheet *s, const size_t *rows, size_t n,
		size_t i, struct report *r)
{
	const struct column_map *m = &h->cols;
	struct household_rec *rec = &h->recs[i];
	const struct sheet_row *head = NULL;
	struct anju_err e;
	size_t nm = n < MEMBERS_MAX ? n : MEMBERS_MAX;
	int heads = 0;

	rec->members = arena_alloc(s->a, nm * sizeof(*rec->members));
	rec->lines = arena_alloc(s->a, nm * sizeof(*rec->lines));
	rec->key = cell(m, &s->rows[rows[0]], HC_KEY);
	for (size_t k = 0; k < n; k++) {
		const struct sheet_row *row = &s->rows[rows[k]];
		const char *rel = cell(m, row, HC_RELATIONSHIP);
		const char *code = relationship_code(rel);

		if (k >= MEMBERS_MAX) {
			hh_error(h, r, i, row->line, HC_KEY, "一户最多 20 人");
			continue;
		}
		rec->lines[k] = row->line;
		rec->members[k].person.name = cell(m, row, HC_NAME);
		rec->members[k].person.id_number = cell(m, row, HC_ID_NUMBER);
		rec->members[k].person.phone = or_null(cell(m, row, HC_PHONE));
		rec->members[k].relationship = code ? code : "other";
		if (rec->members[k].person.name[0] == '\0')
			hh_error(h, r, i, row->line, HC_NAME, "必填");
		if (rec->members[k].person.id_number[0] == '\0')
			hh_error(h, r, i, row->line, HC_ID_NUMBER, "必填");
		if (code == NULL)
			hh_error(h, r, i, row->line, HC_RELATIONSHIP,
				 "应为 户主、配偶、子女、父母、兄弟姐妹 或 其他");
		else if (strcmp(code, "head") == 0 && heads++ == 0)
			head = row;
		else if (strcmp(code, "head") == 0)
			hh_error(h, r, i, row->line, HC_RELATIONSHIP, "一户只能有一位户主");
	}
	rec->in.members = rec->members;
	rec->in.nmembers = (int)nm;
	if (head == NULL) {
		hh_error(h, r, i, rec->lines[0], HC_RELATIONSHIP, "该户没有户主");
		head = &s->rows[rows[0]];
	} else if (head != &s->rows[rows[0]]) {
		/* The head first, as household_create expects nothing else but reads
		 * naturally; keep each member's row beside it. */
		for (size_t k = 1; k < nm; k++)
			if (rec->lines[k] == head->line) {
				struct member_in tm = rec->members[k];
				int64_t tl = rec->lines[k];

				memmove(&rec->members[1], &rec->members[0], k * sizeof(tm));
				memmove(&rec->lines[1], &rec->lines[0], k * sizeof(tl));
				rec->members[0] = tm;
				rec->lines[0] = tl;
				break;
			}
	}
	rec->community = cell(m, head, HC_COMMUNITY);
	rec->category = cell(m, head, HC_CATEGORY);
	rec->in.hukou = cell(m, head, HC_HUKOU);
	rec->in.employer = cell(m, head, HC_EMPLOYER);
	rec->in.assets_note = cell(m, head, HC_ASSETS_NOTE);
	rec->in.current_housing = cell(m, head, HC_HOUSING);
	if (rec->community[0] == '\0')
		hh_error(h, r, i, head->line, HC_COMMUNITY, "必填");
	if (rec->category[0] == '\0')
		hh_error(h, r, i, head->line, HC_CATEGORY, "必填");
	if (hundredths_parse(cell(m, head, HC_INCOME)[0] ? cell(m, head, HC_INCOME) : "0",
			     &rec->in.monthly_income_fen) != 0 ||
	    rec->in.monthly_income_fen < 0)
		hh_error(h, r, i, head->line, HC_INCOME, "应为元，最多两位小数，不能为负");
	if (hundredths_parse(cell(m, head, HC_ASSETS)[0] ? cell(m, head, HC_ASSETS) : "0",
			     &rec->in.assets_fen) != 0 ||
	    rec->in.assets_fen < 0)
		hh_error(h, r, i, head->line, HC_ASSETS, "应为元，最多两位小数，不能为负");
	for (size_t k = 0; k < n; k++) {
		const struct sheet_row *row = &s->rows[rows[k]];

		if (row == head)
			continue;
		for (size_t c = 0; c < sizeof(household_level) / sizeof(household_level[0]); c++) {
			const char *v = cell(m, row, household_level[c]);

			if (v[0] != '\0' && strcmp(v, cell(m, head, household_level[c])) != 0)
				hh_error(h, r, i, row->line, household_level[c],
					 "与本户户主所在行不一致");
		}
	}
	if (rec->errors > 0)
		return;
	/* The database's part (community, category) is checked later; here a
	 * stand-in lets household_validate check the rest. */
	rec->in.community_id = 1;
	rec->in.category = "low_income";
	anju_err_clear(&e);
	if (household_validate(&rec->in, &e) != 0) {
		const char *col;
		int64_t row;

		household_field_place(h, rec, e.field, &col, &row);
		rec->errors++;
		report_add(r, (int64_t)i, row, col, "%s", e.msg);
	}
	rec->in.community_id = 0;
	rec->in.category = NULL;
}

int
households_parse(const struct sheet *s, struct household_sheet *out, struct report *r)
{
	struct keyed *keys = NULL, *ids = NULL;
	size_t *rows = NULL, nids = 0, g;
	struct date today = date_today_shanghai();

	memset(out, 0, sizeof(*out));
	if (map_columns(s, household_columns, HC_COUNT, &out->cols, r) != 0)
		return -1;
	/* Group the rows by 户号, groups in the order of their first row. */
	keys = xcalloc(s->nrows ? s->nrows : 1, sizeof(*keys));
	rows = xcalloc(s->nrows ? s->nrows : 1, sizeof(*rows));
	for (size_t i = 0; i < s->nrows; i++)
		keys[i] = (struct keyed){ cell(&out->cols, &s->rows[i], HC_KEY), "",
					  s->rows[i].line, i };
	qsort(keys, s->nrows, sizeof(*keys), keyed_cmp);
	out->recs = arena_alloc(s->a, (s->nrows ? s->nrows : 1) * sizeof(*out->recs));
	/* Groups sorted by key; order them by first line with a second sort. */
	{
		struct keyed *groups = xcalloc(s->nrows ? s->nrows : 1, sizeof(*groups));
		size_t ng = 0;

		for (size_t k = 0; k < s->nrows; k++)
			if (k == 0 || strcmp(keys[k].k1, keys[k - 1].k1) != 0)
				groups[ng++] = (struct keyed){ "", "", keys[k].line, k };
		qsort(groups, ng, sizeof(*groups), keyed_cmp);
		for (g = 0; g < ng; g++) {
			size_t from = groups[g].rec, to = from + 1, n = 0;

			while (to < s->nrows && strcmp(keys[to].k1, keys[from].k1) == 0)
				to++;
			for (size_t k = from; k < to; k++)
				rows[n++] = keys[k].rec;
			if (keys[from].k1[0] == '\0') {
				/* Rows without 户号: each is reported, none is grouped. */
				for (size_t k = 0; k < n; k++)
					report_add(r, -1, s->rows[rows[k]].line,
						   out->cols.title[HC_KEY], "必填");
				continue;
			}
			household_group(out, s, rows, n, out->n++, r);
		}
		free(groups);
	}
	/* An ID number in two households of the file. */
	ids = xcalloc(s->nrows ? s->nrows : 1, sizeof(*ids));
	for (size_t i = 0; i < out->n; i++) {
		const struct household_rec *rec = &out->recs[i];

		for (int k = 0; k < rec->in.nmembers; k++) {
			struct idnum id;
			struct anju_err e;

			if (idnum_parse(str_c(rec->members[k].person.id_number), today, &id, &e) !=
			    0)
				continue;
			ids[nids++] = (struct keyed){ arena_strdup(s->a, id.number), "",
						      rec->lines[k], i };
		}
	}
	qsort(ids, nids, sizeof(*ids), keyed_cmp);
	for (size_t k = 1, first = 0; k < nids; k++) {
		if (strcmp(ids[k].k1, ids[first].k1) != 0) {
			first = k;
			continue;
		}
		if (ids[first].rec == ids[k].rec)
			continue; /* within one household: household_validate said so */
		out->recs[ids[k].rec].errors++;
		report_add(r, (int64_t)ids[k].rec, ids[k].line, out->cols.title[HC_ID_NUMBER],
			   "身份证号与第%lld行重复（同一人不能在两户中）",
			   (long long)ids[first].line);
	}
	free(ids);
	free(rows);
	free(keys);
	return 0;
}
