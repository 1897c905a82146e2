/*
 * The benchmarks' large fixture: fills a data directory made by `anju init`
 * with N generated units and N households (each a head and, for one in three,
 * a spouse), or writes a household import CSV.  It measures nothing itself.
 *
 *   fill db DATA UNITS HOUSEHOLDS     rows straight into the tables, one
 *                                     transaction per 50,000, sealed and
 *                                     indexed personal data as the server
 *                                     writes it, but no audit rows: a
 *                                     fixture, not history
 *   fill csv FILE HOUSEHOLDS COMMUNITY  a households CSV for `anju import`
 *
 * Deterministic: the same arguments give the same rows.  ID numbers begin
 * with region code 99 (no province uses it) and phones with 100, so nothing
 * generated belongs to anyone.  Prints "sample KIND VALUE" lines that the
 * bench's request scripts use (unit ids, names, phones, ID numbers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "core/date.h"
#include "core/err.h"
#include "core/idnum.h"
#include "store/datadir.h"
#include "store/db.h"
#include "store/keys.h"

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵",
					"吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
					"何", "高", "林", "罗", "郑", "梁", "谢", "宋" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",
				     "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
				     "霞", "平", "刚", "桂", "英", "华", "建", "国", "文",
				     "辉", "玲", "红", "鹏", "飞", "波", "宇", "浩", "琴" };
static const char *const layouts[] = { "一室一厅", "两室一厅", "一室零厅", "两室两厅" };
static const char *const categories[] = { "low_income", "new_employee", "migrant_worker" };
static const char *const now = "2026-11-28T00:00:00.000000Z";

#define NS (sizeof surnames / sizeof surnames[0])
#define NG (sizeof given / sizeof given[0])

static uint64_t rng = 88172645463325252ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
die(const char *what, struct db *db)
{
	fprintf(stderr, "fill: %s%s%s\n", what, db ? ": " : "", db ? db_errmsg(db) : "");
	exit(1);
}

/* Person i's name, ID number and phone; stable for i. */
static void
person_of(int64_t i, char name[32], char id[19], char phone[24])
{
	uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
	int y = 1950 + (int)(h % 50), m = 1 + (int)((h >> 8) % 12), d = 1 + (int)((h >> 16) % 28);

	snprintf(name, 32, "%s%s%s", surnames[h % NS], given[(h >> 24) % NG],
		 (h >> 32) % 2 ? given[(h >> 40) % NG] : "");
	/* 99 + 4 digits of the index's high part, the birth date, then 3 of its low part. */
	snprintf(id, 19, "99%04lld%04d%02d%02d%03lld", (long long)(i / 1000 % 10000), y, m, d,
		 (long long)(i % 1000));
	id[17] = idnum_check_char(id);
	id[18] = '\0';
	snprintf(phone, 24, "100%08lld", (long long)(i % 100000000));
}

static void
step_done(struct db *db, struct db_stmt *st, int64_t *id)
{
	int rc = db_step(st);

	if (rc == DB_ROW && id != NULL)
		*id = db_col_int64(st, 0);
	else if (rc < 0)
		die("insert", db);
	db_reset(st);
}

static void
fill_db(const char *dir, int64_t nunits, int64_t nhouseholds)
{
	struct anju_err e = { 0 };
	struct keyring *kr;
	struct db *db;
	struct db_stmt *c, *b, *u, *p, *h, *m;
	int64_t ncomm = nunits / 10000 > 3 ? nunits / 10000 : 3, comm0 = 0, bld = 0;
	int64_t per_building = 200; /* 4 entrances × 25 floors × 2 doors */

	if (keys_load(dir, &kr, &e) != 0 || datadir_open(dir, &e) != 0)
		die(e.msg, NULL);
	keys_set_current(kr);
	if (db_open(datadir_db_url(dir), &db, &e) != 0)
		die(e.msg, NULL);
	if (strcmp(db_engine_name(db), "sqlite") == 0)
		db_exec(db, "PRAGMA cache_size = -262144");
	if (db_prepare(db,
		       "INSERT INTO community (name, address, district, created_at, updated_at)"
		       " VALUES (?, '', '咸安区', ?, ?) RETURNING id",
		       &c) ||
	    db_prepare(db,
		       "INSERT INTO building (community_id, name, floors, entrances, has_lift,"
		       " created_at) VALUES (?, ?, 25, 4, 1, ?) RETURNING id",
		       &b) ||
	    db_prepare(
		    db,
		    "INSERT INTO unit (community_id, building_id, entrance, floor, number, layout,"
		    " floor_area, usable_area, orientation, status, status_since, created_at,"
		    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '南北', 'vacant', ?, ?, ?)",
		    &u) ||
	    db_prepare(db,
		       "INSERT INTO person (name, id_number_sealed, id_number_index, phone_sealed,"
		       " phone_index, created_at, birth_date, sex, name_key, id_number_masked,"
		       " phone_masked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		       &p) ||
	    db_prepare(db,
		       "INSERT INTO household (community_id, category, hukou, employer,"
		       " monthly_income_fen, state, created_at, updated_at)"
		       " VALUES (?, ?, '咸宁市', '', ?, 'active', ?, ?) RETURNING id",
		       &h) ||
	    db_prepare(db,
		       "INSERT INTO member (household_id, person_id, relationship, joined_at)"
		       " VALUES (?, ?, ?, ?)",
		       &m))
		die("prepare", db);

	if (db_begin(db) != 0)
		die("begin", db);
	for (int64_t k = 0; k < ncomm; k++) {
		char name[64];
		int64_t id;

		snprintf(name, sizeof name, "基准小区%03lld", (long long)k + 1);
		db_bind_cstr(c, 1, name);
		db_bind_cstr(c, 2, now);
		db_bind_cstr(c, 3, now);
		step_done(db, c, &id);
		if (k == 0)
			comm0 = id;
	}
	for (int64_t i = 0; i < nunits; i++) {
		int64_t k = i / per_building, r = i % per_building;
		int64_t community = comm0 + k % ncomm;
		int entrance = (int)(r / 50) + 1, floor = (int)(r % 50) / 2 + 1,
		    door = (int)(r % 2) + 1;
		char number[48], bname[24];
		int64_t area = 3000 + (int64_t)(next() % 3000);

		if (r == 0) {
			snprintf(bname, sizeof bname, "%lld", (long long)(k / ncomm + 1));
			db_bind_int64(b, 1, community);
			db_bind_cstr(b, 2, bname);
			db_bind_cstr(b, 3, now);
			step_done(db, b, &bld);
		}
		snprintf(number, sizeof number, "%lld-%d-%d%02d", (long long)(k / ncomm + 1),
			 entrance, floor, door);
		db_bind_int64(u, 1, community);
		db_bind_int64(u, 2, bld);
		db_bind_int64(u, 3, entrance);
		db_bind_int64(u, 4, floor);
		db_bind_cstr(u, 5, number);
		db_bind_cstr(u, 6, layouts[next() % 4]);
		db_bind_int64(u, 7, area);
		db_bind_int64(u, 8, area * 78 / 100);
		db_bind_cstr(u, 9, now);
		db_bind_cstr(u, 10, now);
		db_bind_cstr(u, 11, now);
		step_done(db, u, NULL);
		if ((i + 1) % 50000 == 0 && (db_commit(db) != 0 || db_begin(db) != 0))
			die("commit", db);
	}
	for (int64_t i = 0; i < nhouseholds; i++) {
		int64_t hid, pid, who = i * 2;
		int members = i % 3 == 0 ? 2 : 1;

		db_bind_int64(h, 1, comm0 + i % ncomm);
		db_bind_cstr(h, 2, categories[i % 3]);
		db_bind_int64(h, 3, 150000 + (int64_t)(next() % 300000));
		db_bind_cstr(h, 4, now);
		db_bind_cstr(h, 5, now);
		step_done(db, h, &hid);
		for (int j = 0; j < members; j++) {
			char name[32], id[19], phone[24], idx[PII_INDEX_LEN + 1],
				pidx[PII_INDEX_LEN + 1], birth[11], im[40], pm[40];
			char *ids = NULL, *ps = NULL;

			person_of(who + j, name, id, phone);
			pii_index(kr, "id_number", id, idx);
			pii_index(kr, "phone", phone, pidx);
			if (pii_seal(kr, id, 18, &ids) != 0 || pii_seal(kr, phone, 11, &ps) != 0)
				die("seal", NULL);
			snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
			db_bind_cstr(p, 1, name);
			db_bind_cstr(p, 2, ids);
			db_bind_cstr(p, 3, idx);
			db_bind_cstr(p, 4, ps);
			db_bind_cstr(p, 5, pidx);
			db_bind_cstr(p, 6, now);
			db_bind_cstr(p, 7, birth);
			db_bind_cstr(p, 8, (id[16] - '0') % 2 ? "male" : "female");
			db_bind_cstr(p, 9, name);
			/* The masks person_add() stores beside the sealed values. */
			idnum_mask(id, im, sizeof im);
			mask_middle(phone, 3, 4, pm, sizeof pm);
			db_bind_cstr(p, 10, im);
			db_bind_cstr(p, 11, pm);
			step_done(db, p, &pid);
			free(ids);
			free(ps);
			db_bind_int64(m, 1, hid);
			db_bind_int64(m, 2, pid);
			db_bind_cstr(m, 3, j == 0 ? "head" : "spouse");
			db_bind_cstr(m, 4, now);
			step_done(db, m, NULL);
			if (i % 99991 == 7 && j == 0)
				printf("sample person %s %s %s\n", name, phone, id);
		}
		if ((i + 1) % 50000 == 0 && (db_commit(db) != 0 || db_begin(db) != 0))
			die("commit", db);
	}
	if (db_commit(db) != 0)
		die("commit", db);
	/* Statistics for the tables filled, not for the others: SQLite's
	 * planner trusts a table's row count as of ANALYZE, and the audit
	 * trail, three rows then, grows by the import's every row after (its
	 * newest-row lookup turned into a scan: an import that never ended). */
	db_exec(db, "ANALYZE community; ANALYZE building; ANALYZE unit; ANALYZE household;"
		    " ANALYZE person; ANALYZE member");
	printf("filled %lld communities, %lld units, %lld households\n", (long long)ncomm,
	       (long long)nunits, (long long)nhouseholds);
	db_close(db);
	keys_free(kr);
}

/* Households of 1 to 4 members, one row per member, in the import's columns. */
static void
fill_csv(const char *path, int64_t nhouseholds, const char *community)
{
	static const char *const rel[] = { "户主", "配偶", "子女", "子女" };
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write the CSV", NULL);
	fputs("户号,小区,类别,户籍,工作单位,月收入,资产,现住房情况,姓名,身份证号,电话,与户主关系\n",
	      f);
	for (int64_t i = 0; i < nhouseholds; i++) {
		int members = 1 + (int)(i % 4);

		for (int j = 0; j < members; j++) {
			char name[32], id[19], phone[24];

			/* Far from fill_db's persons, so both can share a database. */
			person_of(5000000 + i * 4 + j, name, id, phone);
			fprintf(f,
				"B%lld,%s,%s,咸宁市,咸宁市某公司,%lld.%02lld,0,租住,%s,%s,%s,%s\n",
				(long long)i + 1, community, categories[i % 3],
				(long long)(1500 + i % 2000), (long long)(i % 100), name, id, phone,
				rel[j]);
		}
	}
	if (fclose(f) != 0)
		die("cannot write the CSV", NULL);
}

static int64_t
count_arg(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end != '\0' || v < 0 || v > 100000000)
		die("bad count", NULL);
	return v;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "db") == 0)
		fill_db(argv[2], count_arg(argv[3]), count_arg(argv[4]));
	else if (argc == 5 && strcmp(argv[1], "csv") == 0)
		fill_csv(argv[2], count_arg(argv[3]), argv[4]);
	else {
		fprintf(stderr, "usage: fill db DATA UNITS HOUSEHOLDS | fill csv FILE HOUSEHOLDS "
				"COMMUNITY\n");
		return 2;
	}
	return 0;
}
