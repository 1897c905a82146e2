/*
 * Unit tests of src/store/backup.c: a backup restored into a fresh database
 * and files folder gives every row and every byte back, and a restore that
 * must fail (target not empty, archive corrupt or hostile, files in the way)
 * fails before it writes anything.
 *
 * Like test_store.c they run against the PostgreSQL URL in ANJU_TEST_DB_URL
 * (tests/pg.sh starts a private cluster), or when it is unset against SQLite
 * files.  Each database of a test is a fresh SQLite file, or on PostgreSQL a
 * fresh schema that the URL puts on the search_path and teardown drops
 * (testdb.h); the files and archives of a test share a folder of its own.  On
 * PostgreSQL one more test restores a SQLite backup there, since the format
 * promises to be the same for both engines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define MAX_DBS      4
#define STAGING_ROWS 2500 /* more than two pages of backup.c's keyset reads */
#define IDEM_ROWS    1200
#define NEEDLE       "needle-中文-针"

struct ctx {
	char dir[256]; /* this test's folder: files and archives */
	char src_files[400], dst_files[400], archive[400];
	struct db *src, *dst;
	struct db *dbs[MAX_DBS];
	struct testdb t[MAX_DBS];
	int ndb;
};

/* A fresh, migrated database: PostgreSQL (a new schema) or SQLite. */
static struct db *
new_db(struct ctx *c, bool pg)
{
	struct anju_err e;
	int i = c->ndb;

	assert_true(i < MAX_DBS);
	assert_int_equal(testdb_create_engine(&c->t[i], pg), 0);
	c->ndb++;
	anju_err_clear(&e);
	if (db_open(c->t[i].url, &c->dbs[i], &e) != 0)
		fail_msg("db_open: %s", e.msg);
	if (db_migrate(c->dbs[i], NULL, &e) != 0)
		fail_msg("db_migrate: %s", e.msg);
	return c->dbs[i];
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	if (testdb_mkdtemp(c->dir, sizeof(c->dir), "anju-backup") != 0)
		return -1;
	snprintf(c->src_files, sizeof(c->src_files), "%s/src-files", c->dir);
	snprintf(c->dst_files, sizeof(c->dst_files), "%s/dst-files", c->dir);
	snprintf(c->archive, sizeof(c->archive), "%s/backup.tar", c->dir);
	if (mkdir(c->src_files, 0700) != 0 || mkdir(c->dst_files, 0700) != 0)
		return -1;
	c->src = new_db(c, testdb_is_pg());
	c->dst = new_db(c, testdb_is_pg());
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	for (int i = 0; i < c->ndb; i++) {
		db_close(c->dbs[i]);
		testdb_drop(&c->t[i]);
	}
	testdb_rmtree(c->dir);
	free(c);
	return 0;
}

/*
 * Files.
 */

static void
write_file(const char *dir, const char *rel, const void *p, size_t n)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
make_dir(const char *dir, const char *rel)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* The whole file, to be freed; NULL when it cannot be read. */
static char *
read_file(const char *path, size_t *n)
{
	struct stat sb;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = xmalloc((size_t)sb.st_size + 1);
	assert_int_equal(read(fd, p, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*n = (size_t)sb.st_size;
	return p;
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Every folder and regular file of a (a backup takes: no links, no dot
 * names) is in b with the same bytes; with exact, b has nothing else, not
 * even a temporary file. */
static void
tree_in(const char *a, const char *b, bool exact, int *nfiles)
{
	DIR *d = opendir(a);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char pa[600], pb[600];
		struct stat sa, sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
		assert_int_equal(lstat(pa, &sa), 0);
		if (!exact &&
		    (de->d_name[0] == '.' || !(S_ISDIR(sa.st_mode) || S_ISREG(sa.st_mode))))
			continue;
		if (lstat(pb, &sb) != 0)
			fail_msg("%s is missing", pb);
		if (S_ISDIR(sa.st_mode)) {
			assert_true(S_ISDIR(sb.st_mode));
			tree_in(pa, pb, exact, nfiles);
		} else {
			size_t na = 0, nb = 0;
			char *ca, *cb;

			assert_true(S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode));
			ca = read_file(pa, &na);
			cb = read_file(pb, &nb);
			assert_non_null(ca);
			assert_non_null(cb);
			assert_int_equal(na, nb);
			assert_memory_equal(ca, cb, na);
			free(ca);
			free(cb);
			if (nfiles != NULL)
				(*nfiles)++;
		}
	}
	closedir(d);
}

/*
 * Rows.
 */

static const char *const texts[] = {
	"it's \"quoted\" 'twice'\nsecond line\r\n\ttab \\ backslash",
	"中文：公共租赁住房 安居 🏠",
	"",
	"{\"json\": [1, 2, {\"x\": null}]}",
	"?",
	"-- not a comment; DROP TABLE job",
	NEEDLE,
};

static int64_t
add_job(struct db *db, const char *kind, const char *note, const char *result, int64_t done,
	int64_t total)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db,
			  "INSERT INTO job (kind, state, params, progress_done, progress_total,"
			  " progress_note, result, error, created_at, started_at)"
			  " VALUES (?, 'queued', ?, ?, ?, ?, ?, NULL, ?, NULL) RETURNING id",
			  &st));
	db_bind_cstr(st, 1, kind);
	db_bind_cstr(st, 2, "{\"a\":\"\\u00e9\"}");
	db_bind_int64(st, 3, done);
	db_bind_int64(st, 4, total);
	db_bind_cstr(st, 5, note);
	db_bind_cstr(st, 6, result);
	db_bind_cstr(st, 7, "2026-11-28T07:03:11.123456Z");
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* The tenancy tables (014_eligibility.sql to 019_recheck.sql), as one
 * household's story on the rows fill_db() made before: person 1 heads
 * household 1 of community 1, unit 1 is 3-2-1502 with asset 1.  The
 * household applied, was approved after publicity (one objection,
 * dismissed), won unit 1 in a lottery, signed a lease, moved in; the
 * quarterly recheck found it no longer eligible, the bureau confirmed, the
 * eviction ran past its vacate date, the household moved out and its deposit
 * was settled.  tenancy_rule is seeded by its migration: the source gets one
 * more version, and a restore must replace the target's seeded rows with the
 * backup's. */
static void
fill_tenancy(struct db *db)
{
	add_job(db, "import_dataset", "导入联审数据", "{\"rows\":1}", 2, 2);
	add_job(db, "recheck", "动态复核", "{\"checked\":1}", 1, 1);
	exec_ok(db, "INSERT INTO tenancy_rule (kind, category, effective_from, body, note,"
		    " created_by, created_at) VALUES ('eligibility', 'low_income', '2026-07-01',"
		    " '{\"income_per_person_max_fen\":160000,\"assets_max_fen\":20000000,"
		    "\"area_per_person_max_centi\":1500,\"local_hukou_required\":true,"
		    "\"owns_housing_allowed\":true,\"ban_applies\":true}', '2026年标准调整',"
		    " 'account:1', '2026-06-01T02:00:00.000000Z')");

	/* Cross-check data (联审): one property import, a record, a refused row
	 * and a piece of the sealed file. */
	exec_ok(db, "INSERT INTO dataset (source, as_of, name, note, encoding, state, rows,"
		    " error_rows, size, job_id, created_by, created_at, finished_at) VALUES"
		    " ('property', '2025-06-30', '不动产登记 2025年6月', '', 'gb18030', 'active',"
		    " 1, 1, 2048, (SELECT MAX(id) FROM job WHERE kind = 'import_dataset'),"
		    " 'account:1', '2025-07-01T01:00:00.000000Z', '2025-07-01T01:00:05.250000Z')");
	exec_ok(db, "INSERT INTO dataset_record (dataset_id, id_index, kind, value_int,"
		    " value_text) VALUES (1, 'idx1', 'area', 9000, '')");
	exec_ok(db, "INSERT INTO dataset_error (dataset_id, row_no, col, reason) VALUES (1, 3,"
		    " '证件号码', '证件号码校验位不对')");
	exec_ok(db, "INSERT INTO dataset_part (dataset_id, seq, sealed) VALUES (1, 1,"
		    " 'v1.1.CCCC')");

	/* The application, decided by two bureau people, and its publicity. */
	exec_ok(db, "INSERT INTO approval (kind, object_type, object_id, payload, reason, state,"
		    " requested_by, requested_by_name, requested_role, requested_at, decided_by,"
		    " decided_by_name, decided_at, note, result) VALUES ('application.decide',"
		    " 'application', '1', '{\"application_id\":1,\"grant\":true,"
		    "\"reason\":\"符合低保家庭条件\"}', '符合低保家庭条件', 'approved',"
		    " 'account:3', '住房保障局甲', 'bureau', '2025-01-10T02:00:00.000000Z',"
		    " 'account:4', '住房保障局乙', '2025-01-10T06:00:00.000000Z', '同意',"
		    " '{\"state\":\"publicity\"}')");
	exec_ok(db, "INSERT INTO application (household_id, community_id, category, state,"
		    " state_at, note, head_masked_name, head_masked_id, facts, eligible,"
		    " rule_version, policy_version, eligibility, crosscheck, decision,"
		    " decision_reason, approval_id, submitted_at, first_reviewed_at,"
		    " first_reviewed_by, decided_at, decided_by, publicity_from, publicity_until,"
		    " approved_at, queue_at, refusals, returned_reason, rejected_reason,"
		    " withdrawn_reason, created_by, created_at, updated_at) VALUES (1, 1,"
		    " 'low_income', 'housed', '2025-03-20T03:00:00.000000Z', '', '张*',"
		    " '420***********001X', '{\"members\":1,\"income_per_person_fen\":120000}',"
		    " 1, 2, 1, '{\"eligible\":true,\"checks\":[]}', '{\"conflicts\":[]}',"
		    " 'grant', '符合低保家庭条件', 2, '2025-01-02T01:00:00.000000Z',"
		    " '2025-01-06T01:00:00.000000Z', 'account:1', '2025-01-10T06:00:00.000000Z',"
		    " 'account:4', '2025-01-11', '2025-01-17', '2025-01-18T16:00:00.000000Z',"
		    " '2025-01-18T16:00:00.000000Z', 0, NULL, NULL, NULL, 'account:1',"
		    " '2025-01-02T00:30:00.000000Z', '2025-03-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO objection (application_id, objector, contact, content, state,"
		    " resolution, created_at, created_by, resolved_at, resolved_by) VALUES (1,"
		    " 'anonymous', NULL, '该户名下有车辆', 'dismissed',"
		    " '车辆已于2024年转让，经核查属实', '2025-01-13T02:00:00.000000Z',"
		    " 'anonymous', '2025-01-15T02:00:00.000000Z', 'account:3')");

	/* The lottery batch that offered unit 1, and the accepted offer. */
	exec_ok(db, "INSERT INTO allocation_batch (community_id, title, method, category, state,"
		    " invite_count, parties, choice_window_hours, offer_response_days,"
		    " publicity_days, policy_version, note, list_text, list_hash, seed,"
		    " result_text, published_at, published_by, drawn_at, publicity_from,"
		    " publicity_until, offering_at, closed_at, close_reason, created_by,"
		    " created_at, updated_at) VALUES (1, '南苑2025年第一批摇号', 'lottery',"
		    " 'low_income', 'closed', 1, '[\"住房保障局\",\"承接主体\",\"公证处\"]', 48,"
		    " 7, 7, 1, '', '{\"entries\":[1],\"units\":[1]}',"
		    " 'a3f1c9e2b4d6f8a0c2e4f6a8b0d2f4a6c8e0f2a4b6d8f0a2c4e6f8a0b2d4f6a8',"
		    " '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',"
		    " '{\"order\":[1],\"unit_order\":[1]}', '2025-02-01T02:00:00.000000Z',"
		    " 'account:1', '2025-02-10T02:00:00.000000Z', '2025-02-10', '2025-02-16',"
		    " '2025-02-17T01:00:00.000000Z', '2025-03-20T03:00:00.000000Z',"
		    " '全部房源已选定', 'account:1', '2025-01-25T02:00:00.000000Z',"
		    " '2025-03-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO batch_unit (batch_id, unit_id, position, number, layout,"
		    " floor_area, draw_rank, state, reserved) VALUES (1, 1, 1, '3-2-1502',"
		    " '两室一厅', 4550, 1, 'taken', NULL)");
	exec_ok(db, "INSERT INTO batch_entry (batch_id, position, application_id, household_id,"
		    " name_masked, category, queue_at, draw_rank, state, turn_until) VALUES (1,"
		    " 1, 1, 1, '张*', 'low_income', '2025-01-18T16:00:00.000000Z', 1, 'accepted',"
		    " NULL)");
	exec_ok(db, "INSERT INTO commitment (batch_id, seq, party, commit_hash, committed_at,"
		    " committed_by, value, revealed_at, revealed_by) VALUES (1, 1, '公证处',"
		    " '5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592',"
		    " '2025-02-05T02:00:00.000000Z', 'account:1', '7e3a9c0b5f1d',"
		    " '2025-02-10T02:00:00.000000Z', 'account:1')");
	exec_ok(db, "INSERT INTO offer (batch_id, entry_id, application_id, household_id,"
		    " unit_id, community_id, state, offered_at, respond_by, responded_at,"
		    " responded_by, reason, updated_at) VALUES (1, 1, 1, 1, 1, 1, 'accepted',"
		    " '2025-02-17T01:00:00.000000Z', '2025-02-24', '2025-02-18T03:00:00.000000Z',"
		    " 'account:1', '', '2025-02-18T03:00:00.000000Z')");

	/* The lease and its chain, ended by the eviction below. */
	exec_ok(db, "INSERT INTO lease_chain (household_id, unit_id, community_id, state,"
		    " started_on, ended_on, created_at) VALUES (1, 1, 1, 'ended', '2025-04-01',"
		    " '2026-01-20', '2025-03-18T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id,"
		    " tenant_person_id, community_name, unit_number, state, starts_on, ends_on,"
		    " ended_on, end_reason, monthly_rent_fen, rent_rule_version, deposit_fen,"
		    " policy_version, existing, existing_reason, offer_id, application_id,"
		    " previous_id, change_kind, change_detail, members, signed_on,"
		    " signature_kind, signature_attachment_id, witness_principal, witness_name,"
		    " filed_on, filing_ref, filing_due_on, contract_template, contract_version,"
		    " contract_hash, contract_attachment_id, contract_doc, contract_issued_on,"
		    " verify_token, created_by, created_at, updated_at) VALUES (1, 1, 'new', 1,"
		    " 1, 1, 1, '南苑', '3-2-1502', 'ended', '2025-04-01', '2028-03-31',"
		    " '2026-01-20', 'eviction', 68250, NULL, 136500, 1, 0, NULL, 1, 1, NULL,"
		    " NULL, NULL, '[{\"person_id\":1,\"relationship\":\"head\"}]', '2025-03-20',"
		    " 'scan', 1, 'account:1', '王五', '2025-04-10', '备字2025第0001号',"
		    " '2025-04-19', 'v1', 1,"
		    " '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 1,"
		    " '{\"tenant\":\"张*\",\"unit\":\"3-2-1502\"}', '2025-03-18',"
		    " '0123456789abcdef0123456789abcdef', 'account:1',"
		    " '2025-03-18T02:00:00.000000Z', '2026-01-20T08:00:00.000000Z')");

	/* Move-in and move-out checklists; the deposit settled by a second
	 * person, its deduction a repair charge and the rest refunded. */
	exec_ok(db, "INSERT INTO handover (lease_id, chain_id, household_id, unit_id,"
		    " community_id, kind, state, meters, keys_handed, note, tenant_agrees,"
		    " repair, refund_channel, done_on, done_by, created_by, created_at,"
		    " updated_at) VALUES (1, 1, 1, 1, 1, 'move_in', 'done',"
		    " '{\"water\":\"123.4\",\"electricity\":\"5678.9\",\"gas\":\"12.0\"}', 2, '',"
		    " NULL, 0, NULL, '2025-04-02', 'account:1', 'account:1',"
		    " '2025-04-02T01:00:00.000000Z', '2025-04-02T02:00:00.000000Z'), (1, 1, 1, 1,"
		    " 1, 'move_out', 'done', '{\"water\":\"301.0\",\"electricity\":\"7012.5\","
		    "\"gas\":\"88.3\"}', 2, '热水器外壳破损', 1, 1, 'bank_transfer',"
		    " '2026-01-20', 'account:1', 'account:1', '2026-01-20T01:00:00.000000Z',"
		    " '2026-01-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO handover_item (handover_id, seq, asset_id, name, condition,"
		    " before_condition, before_note, note, deduction_fen) VALUES (1, 1, 1,"
		    " '热水器', 'good', NULL, '', '', 0), (2, 1, 1, '热水器', 'damaged', 'good',"
		    " '', '外壳破损', 20000)");
	exec_ok(db, "INSERT INTO approval (kind, object_type, object_id, payload, reason, state,"
		    " requested_by, requested_by_name, requested_role, requested_at, decided_by,"
		    " decided_by_name, decided_at) VALUES ('deposit.settle', 'handover', '2',"
		    " '{\"settlement_id\":1,\"handover_id\":2,\"household_id\":1,"
		    "\"deposit_fen\":136500,\"deductions_fen\":20000,\"open_fen\":0,"
		    "\"credit_fen\":0,\"refund_fen\":116500,\"owed_after_fen\":0,"
		    "\"tenant_agrees\":true,\"channel\":\"bank_transfer\"}', '退房结算',"
		    " 'approved', 'account:1', '王五', 'operator_staff',"
		    " '2026-01-20T03:00:00.000000Z', 'account:5', '财务赵六',"
		    " '2026-01-21T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on,"
		    " period, source_type, source_id, state, note, created_at, created_by) VALUES"
		    " (1, 'repair', 20000, 20000, '2026-01-20', '', 'handover', 2, 'paid',"
		    " '退房交接损坏扣款', '2026-01-21T02:00:00.000000Z', 'account:5')");
	exec_ok(db, "INSERT INTO refund (household_id, amount_fen, channel, reason, paid_at,"
		    " paid_by) VALUES (1, 116500, 'bank_transfer', '退房退还履约保证金',"
		    " '2026-01-21T02:00:00.000000Z', 'account:5')");
	exec_ok(db, "INSERT INTO deposit_settlement (handover_id, chain_id, household_id,"
		    " deposit_fen, deductions_fen, open_fen, credit_fen, tenant_agrees,"
		    " refund_fen, owed_after_fen, channel, state, approval_id,"
		    " deduction_charge_id, refund_id, requested_by, requested_at, settled_by,"
		    " settled_at) VALUES (2, 1, 1, 136500, 20000, 0, 0, 1, 116500, 0,"
		    " 'bank_transfer', 'approved', 3, 2, 2, 'account:1',"
		    " '2026-01-20T03:00:00.000000Z', 'account:5', '2026-01-21T02:00:00.000000Z')");

	/* The recheck that proposed the exit, a signal, and the eviction. */
	exec_ok(db, "INSERT INTO recheck_run (job_id, as_of, quarter, state, total, eligible,"
		    " propose_exit, investigate, policy_version, started_at, finished_at,"
		    " created_by, created_at) VALUES ((SELECT MAX(id) FROM job WHERE kind ="
		    " 'recheck'), '2025-09-30', '2025-Q3', 'finished', 1, 0, 1, 0, 1,"
		    " '2025-10-01T01:00:00.000000Z', '2025-10-01T01:00:02.500000Z',"
		    " 'schedule:quarterly_recheck', '2025-10-01T01:00:00.000000Z')");
	exec_ok(db, "INSERT INTO recheck_result (run_id, chain_id, lease_id, household_id,"
		    " unit_id, community_id, outcome, reasons, eligibility, crosscheck,"
		    " rule_version, decision, decided_by, decided_by_name, decided_at,"
		    " decision_note, eviction_id, created_at) VALUES (1, 1, 1, 1, 1, 1,"
		    " 'propose_exit', '[{\"code\":\"income\",\"weight\":100,"
		    "\"text\":\"人均月收入超过标准\"}]', '{\"eligible\":false}',"
		    " '{\"conflicts\":[]}', 2, 'confirmed', 'account:3', '住房保障局甲',"
		    " '2025-10-10T02:00:00.000000Z', '核实无误，确认清退', 1,"
		    " '2025-10-01T01:00:01.000000Z')");
	exec_ok(db, "INSERT INTO tenancy_signal (household_id, source_type, source_id, summary,"
		    " raised_at, raised_by, updated_at, cleared_at, cleared_by) VALUES (1,"
		    " 'arrears', 1, '欠缴租金 3 个月，共 2047.50 元',"
		    " '2025-08-05T01:00:00.000000Z', 'system', '2025-09-01T01:00:00.000000Z',"
		    " '2025-09-01T01:00:00.000000Z', 'account:5')");
	exec_ok(db, "INSERT INTO eviction (chain_id, lease_id, household_id, unit_id,"
		    " community_id, basis, basis_id, reason, state, decided_at, decided_on,"
		    " decided_by, decided_by_name, policy_version, notice_served_on,"
		    " notice_pdf_hash, notice_attachment_id, vacate_days, vacate_by, vacated_on,"
		    " handover_id, overstay_from, overstay_to, cancel_reason, ended_at,"
		    " created_at, updated_at) VALUES (1, 1, 1, 1, 1, 'recheck', 1,"
		    " '收入超过保障标准，不再符合条件', 'closed', '2025-10-10T02:00:00.000000Z',"
		    " '2025-10-10', 'account:3', '住房保障局甲', 1, '2025-10-15',"
		    " 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1, 90,"
		    " '2026-01-13', '2026-01-20', 2, '2026-01-14', '2026-01-20', NULL,"
		    " '2026-01-21T02:00:00.000000Z', '2025-10-10T02:00:00.000000Z',"
		    " '2026-01-21T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO application_ban (person_id, from_on, until_on, source_type,"
		    " source_id, reason, created_by, created_at) VALUES (1, '2026-01-21',"
		    " '2031-01-20', 'manual', 1, '隐瞒收入骗取保障资格（第三十六条）',"
		    " 'account:3', '2026-01-21T03:00:00.000000Z')");
}

/* The rent tables (020_rent.sql to 023_reconciliation.sql), going on with
 * household 1's story on lease chain 1: its rent of 682.50 元 a month was
 * quoted from the community's standard (a later version corrected once);
 * it fell three months behind in 2025, was reminded by SMS, called and sent
 * a final notice, was proposed for referral (the local threshold is three
 * months) and paid before the bureau decided.  December's rent was raised
 * by a billing run and withheld from its bank account (one result file
 * refused, the next applied); January's part month was paid online.  The
 * special account's statement has the withholding, a cash deposit remitted
 * from the counter, a transfer in suspense with a suggestion, an exact
 * match waiting for its payment and the operator's fee paid out.  The
 * seeded tables get a changed or an added row each, which a restore must
 * bring back instead of the target's defaults. */
static void
fill_rent(struct db *db)
{
	add_job(db, "rent_bill", "2025-12 计租", "{\"charges\":1}", 1, 1);
	add_job(db, "bank_statement_import", "导入银行流水", "{\"lines\":5}", 5, 5);

	/* The seeded tables: a stricter local referral threshold, a level
	 * added, the SMS gateway configured, a community's own rule and a
	 * wider tolerance. */
	exec_ok(db, "UPDATE dunning_policy SET referral_months = 3, updated_at ="
		    " '2025-04-01T02:00:00.000000Z', updated_by = 'account:3' WHERE id = 1");
	exec_ok(db, "INSERT INTO dunning_level (code, name, days_past_due, channel, template,"
		    " active, updated_at, updated_by) VALUES ('phone', '电话催缴', 60, 'phone',"
		    " '致电承租人：{community}{unit}，截至{as_of}欠缴租金{months}个月，合计{amount}"
		    "元，最早应缴日{oldest_due_on}。', 1, '2025-04-01T02:00:00.000000Z',"
		    " 'account:1')");
	exec_ok(db, "UPDATE outbox_sender SET url = 'https://sms.example.gov.cn/api/v2/send',"
		    " secret_sealed = 'v1.1.SMSsecretAAAA', timeout_seconds = 5, max_attempts = 3,"
		    " updated_at = '2025-04-01T02:00:00.000000Z', updated_by = 'account:1'"
		    " WHERE channel = 'sms'");
	exec_ok(db, "INSERT INTO match_rule (name, kind, community_id, score, active, created_at,"
		    " updated_at) VALUES ('南苑附言中的房号', 'unit', 1, 85, 1,"
		    " '2025-11-20T02:00:00.000000Z', '2025-11-20T02:00:00.000000Z')");
	exec_ok(db, "UPDATE match_policy SET tolerance_fen = 200, window_days = 20, updated_at ="
		    " '2025-11-20T02:00:00.000000Z', updated_by = 'account:5' WHERE id = 1");

	/* The ledger accounts the rent money moves through. */
	exec_ok(db, "INSERT INTO ledger_account (code, kind, name, household_id, created_at)"
		    " VALUES ('special_rent', 'special_rent', '保障房租金专户', NULL,"
		    " '2025-12-01T01:00:00.000000Z'), ('rent_income', 'rent_income', '租金收入',"
		    " NULL, '2025-12-01T01:00:00.000000Z'), ('suspense', 'suspense',"
		    " '待查明款项', NULL, '2026-01-06T02:00:00.000000Z'), ('operator_fees',"
		    " 'operator_fees', '应付运营服务费', NULL, '2026-01-05T06:00:00.000000Z'),"
		    " ('credit:1', 'credit', '住户预收款', 1, '2026-01-18T04:00:00.000000Z')");

	/* Rent standards: 15.00 元/m² for every layout of 南苑; the July 2026
	 * raise entered at 16.00 by mistake, withdrawn and replaced. */
	exec_ok(db, "INSERT INTO rent_standard (community_id, layout, effective_from, mode,"
		    " price_fen_m2, fixed_fen, rounding, due_day, reductions, note, state,"
		    " replaces_id, created_by, created_at, withdrawn_at, withdrawn_by,"
		    " withdraw_reason) VALUES (1, '*', '2025-01-01', 'per_m2', 1500, 0,"
		    " 'half_up', 5, '[{\"code\":\"low_income\",\"name\":\"低保家庭\","
		    "\"kind\":\"category\",\"match\":\"low_income\",\"share_ppm\":1000000},"
		    "{\"code\":\"disabled\",\"name\":\"残疾人家庭\",\"kind\":\"special_group\","
		    "\"match\":\"disabled\",\"share_ppm\":1000000}]', '2025年租金标准', 'active',"
		    " NULL, 'account:1', '2024-12-10T02:00:00.000000Z', NULL, NULL, NULL), (1,"
		    " '*', '2026-07-01', 'per_m2', 1600, 0, 'half_up', 5, '[]', '', 'withdrawn',"
		    " NULL, 'account:1', '2026-05-10T02:00:00.000000Z',"
		    " '2026-05-11T01:00:00.000000Z', 'account:1', '单价录入错误'), (1, '*',"
		    " '2026-07-01', 'per_m2', 1560, 0, 'half_up', 5, '[]', '按物价局批复调整',"
		    " 'active', 2, 'account:1', '2026-05-11T01:05:00.000000Z', NULL, NULL, NULL)");
	exec_ok(db, "INSERT INTO rent_lease_quote (lease_id, standard_id, quoted_on, area_centi,"
		    " price_fen_m2, fixed_fen, base_fen, share_ppm, reduction, rounding,"
		    " monthly_fen, created_at) VALUES (1, 1, '2025-03-18', 4550, 1500, 0, 68250,"
		    " 1000000, '', 'half_up', 68250, '2025-03-18T02:00:00.000000Z')");

	/* December's billing run: one charge, posted by one journal. */
	exec_ok(db, "INSERT INTO billing_run (job_id, period, chains, state, chains_seen,"
		    " chains_total, charges, total_fen, skipped, started_at, finished_at,"
		    " created_by, error) VALUES ((SELECT MAX(id) FROM job WHERE kind ="
		    " 'rent_bill'), '2025-12', NULL, 'done', 1, 1, 1, 68250, 0,"
		    " '2025-12-01T01:00:00.000000Z', '2025-12-01T01:00:00.750000Z',"
		    " 'schedule:monthly_billing', NULL)");
	exec_ok(db, "INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on,"
		    " period, source_type, source_id, state, note, created_at, created_by) VALUES"
		    " (1, 'rent', 68250, 68250, '2025-12-05', '2025-12', 'lease_chain', 1, 'paid',"
		    " '', '2025-12-01T01:00:00.500000Z', 'schedule:monthly_billing')");
	exec_ok(db, "INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
		    " memo, posted_at, posted_by) VALUES ('2025-12', 'charge.batch',"
		    " 'billing_run', 1, NULL, '2025-12 租金（计租批次 1）',"
		    " '2025-12-01T01:00:00.500000Z', 'schedule:monthly_billing')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		    " VALUES (2, 1, '2025-12', 68250), (2, 4, '2025-12', -68250)");
	exec_ok(db, "INSERT INTO rent_line (charge_id, run_id, journal_id, chain_id, lease_id,"
		    " household_id, unit_id, community_id, period, kind, amount_fen,"
		    " standard_id, days_billed, days_in_month, monthly_fen, area_centi,"
		    " price_fen_m2, share_ppm, reduction, rounding, segments) VALUES (3, 1, 2, 1,"
		    " 1, 1, 1, 1, '2025-12', 'rent', 68250, 1, 31, 31, 68250, 4550, 1500,"
		    " 1000000, '', 'half_up', NULL)");

	/* Dunning: the case of the 2025 arrears, what was done, the notice and
	 * the referral withdrawn once the household paid. */
	exec_ok(db, "INSERT INTO blob (sha256, size, media_type, created_at) VALUES"
		    " ('7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730', 48213,"
		    " 'application/pdf', '2025-08-04T02:00:00.000000Z'),"
		    " ('c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2', 183004,"
		    " 'application/pdf', '2025-03-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO attachment (owner_type, owner_id, category, filename, sha256,"
		    " size, media_type, note, created_by, created_at) VALUES ('dunning_case', 1,"
		    " 'other', '催缴通知书-1-1.pdf',"
		    " '7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730', 48213,"
		    " 'application/pdf', '催缴〔2025〕第 1 号，最后催告', 'account:6',"
		    " '2025-08-04T02:00:00.000000Z'), ('household', 1, 'other', '代扣授权书.pdf',"
		    " 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2', 183004,"
		    " 'application/pdf', '工行代扣授权', 'account:5',"
		    " '2025-03-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO dunning_case (chain_id, household_id, community_id, state,"
		    " level, level_at, opened_on, opened_at, closed_on, closed_at, close_reason,"
		    " months_owed, owed_fen, oldest_due_on, checked_on, updated_at) VALUES (1, 1,"
		    " 1, 'closed', 'final', '2025-08-03T01:00:00.000000Z', '2025-05-15',"
		    " '2025-05-15T01:00:00.000000Z', '2025-09-01', '2025-09-01T01:00:00.000000Z',"
		    " 'paid', 0, 0, NULL, '2025-09-01', '2025-09-01T01:00:00.000000Z')");
	exec_ok(db, "INSERT INTO outbox_message (channel, person_id, community_id, text, state,"
		    " attempts, next_attempt_at, last_error, source_type, source_id, created_at,"
		    " sent_at, failed_at, updated_at) VALUES ('sms', 1, 1,"
		    " '【公租房】您好，您承租的南苑3-2-1502号公租房截至2025-05-15尚欠租金1个月，"
		    "合计682.50元，请尽快缴纳。已缴纳的请忽略本短信。', 'sent', 2,"
		    " '2025-05-15T01:00:20.000000Z', 'HTTP 503', 'dunning_case', 1,"
		    " '2025-05-15T01:00:00.000000Z', '2025-05-15T01:00:21.125000Z', NULL,"
		    " '2025-05-15T01:00:21.125000Z')");
	exec_ok(db, "INSERT INTO dunning_notice (case_id, household_id, level, number,"
		    " issued_on, months_owed, owed_fen, sha256, attachment_id, created_at,"
		    " created_by) VALUES (1, 1, 'final', '催缴〔2025〕第 1 号', '2025-08-04', 3,"
		    " 204750, '7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730',"
		    " 2, '2025-08-04T02:00:00.000000Z', 'account:6')");
	exec_ok(db, "INSERT INTO dunning_action (case_id, household_id, channel, result, level,"
		    " note, acted_at, actor, actor_name, auto, attachment_id, outbox_id,"
		    " notice_id, created_at) VALUES (1, 1, 'sms',"
		    " '已排队发送催缴提醒短信（第 1 号消息）', 'reminder', '',"
		    " '2025-05-15T01:00:00.000000Z', 'system', NULL, 1, NULL, 1, NULL,"
		    " '2025-05-15T01:00:00.000000Z'), (1, 1, 'phone',"
		    " '已联系承租人，称近期资金周转困难', 'phone', '承诺8月底前缴清',"
		    " '2025-07-05T03:00:00.000000Z', 'account:6', '催缴专员孙七', 0, NULL, NULL,"
		    " NULL, '2025-07-05T03:10:00.000000Z'), (1, 1, 'letter',"
		    " '已送达最后催告（催缴〔2025〕第 1 号）', 'final', '',"
		    " '2025-08-04T06:00:00.000000Z', 'account:6', '催缴专员孙七', 0, 2, NULL, 1,"
		    " '2025-08-04T06:05:00.000000Z')");
	exec_ok(db, "INSERT INTO arrears_referral (chain_id, case_id, household_id,"
		    " community_id, state, months_owed, owed_fen, threshold, proposed_on,"
		    " proposed_at, decided_at, decided_by, decided_by_name, reason, eviction_id,"
		    " updated_at) VALUES (1, 1, 1, 1, 'withdrawn', 3, 204750, 3, '2025-08-05',"
		    " '2025-08-05T01:00:00.000000Z', '2025-09-01T01:00:00.000000Z', 'account:5',"
		    " '财务赵六', '欠缴月数已低于报请标准', NULL, '2025-09-01T01:00:00.000000Z')");

	/* Withholding: the household's account at 工行, December's batch, a
	 * result file refused for a bad row and the corrected one applied. */
	exec_ok(db, "INSERT INTO payer_account (household_id, holder_name, bank_name, bank_code,"
		    " number_sealed, number_index, withholding, authorized_on,"
		    " authorization_file_id, source, state, created_at, created_by, updated_at)"
		    " VALUES (1, '张三', '中国工商银行武汉南湖支行', 'icbc', 'v1.1.QUNDT1VOVA==',"
		    " 'bidx:9c1e5a77d0f3', 1, '2025-03-20', 3, 'manual', 'active',"
		    " '2025-03-20T03:00:00.000000Z', 'account:5', '2025-03-20T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO payer_reveal_count (principal, hour, n) VALUES ('account:5',"
		    " '2025-12-06T03', 2)");
	exec_ok(db, "INSERT INTO withholding_bank (code, name, export_layout, result_layout,"
		    " active, created_at, updated_at) VALUES ('icbc', '中国工商银行',"
		    " '{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":true,"
		    "\"columns\":[{\"field\":\"reference\"},{\"field\":\"account_number\","
		    "\"title\":\"账号\"},{\"field\":\"holder_name\"},{\"field\":\"amount_yuan\"},"
		    "{\"field\":\"constant\",\"value\":\"RENT\"}]}', '{\"encoding\":\"auto\","
		    "\"delimiter\":\"|\",\"header\":true,\"columns\":[{\"field\":\"reference\"},"
		    "{\"field\":\"ignore\"},{\"field\":\"amount_yuan\"},{\"field\":\"status\"},"
		    "{\"field\":\"reason\"},{\"field\":\"bank_ref\"}],"
		    "\"success_values\":[\"成功\",\"0000\"]}', 1, '2025-03-01T02:00:00.000000Z',"
		    " '2025-03-01T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO withholding_batch (bank_code, period, state, items, total_fen,"
		    " succeeded, succeeded_fen, failed, file_name, file_sha256, file_size,"
		    " encoding, layout, created_at, created_by, finished_at) VALUES ('icbc',"
		    " '2025-12', 'done', 1, 68250, 1, 68250, 0, '代扣-icbc-2025-12.txt',"
		    " '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 96,"
		    " 'gb18030', '{\"encoding\":\"gb18030\",\"delimiter\":\"|\",\"header\":true,"
		    "\"columns\":[{\"field\":\"reference\"},{\"field\":\"account_number\","
		    "\"title\":\"账号\"},{\"field\":\"holder_name\"},{\"field\":\"amount_yuan\"},"
		    "{\"field\":\"constant\",\"value\":\"RENT\"}]}', '2025-12-05T02:00:00.000000Z',"
		    " 'account:5', '2025-12-06T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO withholding_result (batch_id, file_sha256, file_size, data,"
		    " rows, succeeded, failed, unchanged, state, job_id, errors, error,"
		    " created_at, created_by, finished_at) VALUES (1,"
		    " '486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7', 71, NULL,"
		    " 1, 0, 0, 0, 'rejected', NULL, '[{\"line\":2,\"column\":3,"
		    "\"field\":\"amount_yuan\",\"reason\":\"金额格式不对\"}]', NULL,"
		    " '2025-12-06T02:50:00.000000Z', 'account:5', '2025-12-06T02:50:00.000000Z'),"
		    " (1, 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9', 72,"
		    " NULL, 1, 1, 0, 0, 'applied', NULL, '[]', NULL, '2025-12-06T03:00:00.000000Z',"
		    " 'account:5', '2025-12-06T03:00:00.250000Z')");
	exec_ok(db, "INSERT INTO payment (household_id, amount_fen, channel, channel_ref,"
		    " received_at, period, taken_by, allocated_fen, state, note) VALUES (1, 68250,"
		    " 'withholding', 'ICBC20251206000088', '2025-12-06T03:00:00.250000Z',"
		    " '2025-12', 'account:5', 68250, 'posted', '代扣 WH1-1')");
	exec_ok(db, "INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
		    " memo, posted_at, posted_by) VALUES ('2025-12', 'payment', 'payment', 2, NULL,"
		    " '代扣', '2025-12-06T03:00:00.250000Z', 'account:5')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		    " VALUES (3, 3, '2025-12', 68250), (3, 1, '2025-12', -68250)");
	exec_ok(db, "INSERT INTO allocation (payment_id, charge_id, refund_id, amount_fen, policy,"
		    " reverses_id, journal_id, created_at) VALUES (2, 3, NULL, 68250,"
		    " 'oldest_due_first', NULL, 3, '2025-12-06T03:00:00.250000Z')");
	exec_ok(db, "INSERT INTO withholding_item (batch_id, seq, reference, household_id,"
		    " payer_account_id, holder_name, number_sealed, number_index, amount_fen,"
		    " state, bank_ref, reason, payment_id, dunning_case_id, result_id,"
		    " settled_at) VALUES (1, 1, 'WH1-1', 1, 1, '张三', 'v1.1.QUNDT1VOVA==',"
		    " 'bidx:9c1e5a77d0f3', 68250, 'succeeded', 'ICBC20251206000088', NULL, 2,"
		    " NULL, 2, '2025-12-06T03:00:00.250000Z')");

	/* January's 20 days paid online: the order, the payment, the callback
	 * accepted and its attempts (one repeat, one with a bad signature). */
	exec_ok(db, "INSERT INTO payment_channel (code, name, secret_sealed, window_seconds,"
		    " enabled, secret_set_at, created_at, updated_at) VALUES ('wxpay',"
		    " '微信支付', 'v1.1.d3hwYXlzZWNyZXQ=', 300, 1, '2025-11-01T02:00:00.000000Z',"
		    " '2025-11-01T02:00:00.000000Z', '2025-11-01T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO payment (household_id, amount_fen, channel, channel_ref,"
		    " received_at, period, taken_by, allocated_fen, state, note) VALUES (1, 44032,"
		    " 'online', 'wxpay:4200002026011800000001', '2026-01-18T04:00:01.500000Z',"
		    " '2026-01', 'channel:wxpay', 0, 'posted',"
		    " '线上支付 订单 OL2026011800000001')");
	exec_ok(db, "INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
		    " memo, posted_at, posted_by) VALUES ('2026-01', 'payment', 'payment', 3, NULL,"
		    " '线上支付', '2026-01-18T04:00:01.500000Z', 'channel:wxpay')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		    " VALUES (4, 3, '2026-01', 44032), (4, 7, '2026-01', -44032)");
	exec_ok(db, "INSERT INTO online_order (number, household_id, amount_fen, state,"
		    " payment_id, channel_code, created_at, created_by, paid_at, cancelled_at)"
		    " VALUES ('OL2026011800000001', 1, 44032, 'paid', 3, 'wxpay',"
		    " '2026-01-18T03:58:00.000000Z', 'account:1', '2026-01-18T04:00:01.500000Z',"
		    " NULL)");
	exec_ok(db, "INSERT INTO payment_callback (channel_code, transaction_id, order_id,"
		    " amount_fen, payment_id, response, received_at) VALUES ('wxpay',"
		    " '4200002026011800000001', 1, 44032, 3, '{\"result\":\"accepted\","
		    "\"order_number\":\"OL2026011800000001\","
		    "\"transaction_id\":\"4200002026011800000001\",\"amount_fen\":44032,"
		    "\"payment_id\":3,\"receipt_number\":null}', '2026-01-18T04:00:01.500000Z')");
	exec_ok(db, "INSERT INTO payment_callback_attempt (channel_code, at, client, status,"
		    " outcome, transaction_id, order_number, amount_fen, body_sha256) VALUES"
		    " ('wxpay', '2026-01-18T04:00:01.500000Z', '203.0.113.7', 200, 'accepted',"
		    " '4200002026011800000001', 'OL2026011800000001', 44032,"
		    " '1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014'),"
		    " ('wxpay', '2026-01-18T04:00:31.000000Z', '203.0.113.7', 200, 'replayed',"
		    " '4200002026011800000001', 'OL2026011800000001', 44032,"
		    " '1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014'),"
		    " ('wxpay', '2026-01-18T05:12:00.000000Z', '198.51.100.23', 401,"
		    " 'signature_invalid', NULL, NULL, NULL,"
		    " '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752')");

	/* Reconciliation: the special account at 工行 and its statement
	 * (20251201 to 20260105), a refused export of the same account, the
	 * lines with their tokens, the match of each and the day's balance. */
	exec_ok(db, "INSERT INTO bank_format (bank_code, bank_name, encoding, skip_rows,"
		    " date_format, col_serial, col_date, col_amount, col_credit, col_debit,"
		    " col_counterparty_account, col_counterparty_name, col_remark, col_balance,"
		    " created_at, updated_at) VALUES ('icbc', '中国工商银行', 'gb18030', 1,"
		    " 'YYYYMMDD', 1, 2, NULL, 3, 4, 5, 6, 7, 8, '2025-11-20T02:00:00.000000Z',"
		    " '2025-11-20T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO bank_account (name, account_no, format_id, ledger_kind, active,"
		    " created_at, updated_at) VALUES ('保障房租金专户', '3202011509200123456', 1,"
		    " 'special_rent', 1, '2025-11-20T02:00:00.000000Z',"
		    " '2025-11-20T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO bank_statement (bank_account_id, file_name, encoding, state,"
		    " size, rows_read, lines_new, error_rows, matched, suspense_fen, first_on,"
		    " last_on, failure, job_id, created_by, created_by_name, created_at,"
		    " finished_at) VALUES (1, '专户流水20251201-20260105.csv', 'gb18030', 'done',"
		    " 1024, 5, 5, 0, 1, 30000, '2025-12-06', '2026-01-05', NULL, (SELECT MAX(id)"
		    " FROM job WHERE kind = 'bank_statement_import'), 'account:5', '财务赵六',"
		    " '2026-01-06T02:00:00.000000Z', '2026-01-06T02:00:01.750000Z'), (1,"
		    " '专户流水202601.xls', 'auto', 'failed', 20480, 0, 0, 1, 0, 0, NULL, NULL,"
		    " '文件有 1 行不能读取', NULL, 'account:5', '财务赵六',"
		    " '2026-01-06T01:50:00.000000Z', '2026-01-06T01:50:00.500000Z')");
	exec_ok(db, "INSERT INTO bank_statement_part (statement_id, seq, sealed) VALUES (1, 1,"
		    " 'v1.1.5Lqk5piT5pel5pyfLOS6pOaYk+mHkemineWFgw==')");
	exec_ok(db, "INSERT INTO bank_statement_error (statement_id, seq, row_no, col, reason)"
		    " VALUES (2, 1, 0, '', '不是文本格式的流水文件（可能是 Excel 文件）')");
	exec_ok(db, "INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
		    " memo, posted_at, posted_by) VALUES ('2026-01', 'bank_line.suspense',"
		    " 'bank_statement', 1, NULL, '流水待查明', '2026-01-06T02:00:01.500000Z',"
		    " 'account:5')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		    " VALUES (5, 3, '2026-01', 30000), (5, 5, '2026-01', -30000)");
	exec_ok(db, "INSERT INTO bank_line (bank_account_id, statement_id, identity, row_no,"
		    " line_seq, serial, posted_on, amount_fen, balance_fen, counterparty_sealed,"
		    " counterparty_index, counterparty_masked, counterparty_name, remark,"
		    " payer_household_id, state, tier, household_id, payment_id, linked,"
		    " remittance_id, in_suspense, undo_count, suspense_journal_id, matched_at,"
		    " matched_by, created_at) VALUES (1, 1, 's:ICBC20251206000088', 2, 1,"
		    " 'ICBC20251206000088', '2025-12-06', 68250, 120068250, NULL, NULL, '', '',"
		    " '代扣 WH1-1', NULL, 'matched', 'exact_reference', 1, 2, 1, NULL, 0, 0, NULL,"
		    " '2026-01-06T02:00:01.250000Z', 'system', '2026-01-06T02:00:01.000000Z'), (1,"
		    " 1, 's:ICBC20260104003117', 3, 2, 'ICBC20260104003117', '2026-01-04', 30000,"
		    " 120098250, 'v1.1.NjIxNyoqKio1Njc4', 'bidx:4f0b2c91a8e6', '6217****5678',"
		    " '李四', '3-2-1502 房租', NULL, 'suggested', NULL, NULL, NULL, 0, NULL, 1, 0,"
		    " 5, NULL, NULL, '2026-01-06T02:00:01.000000Z'), (1, 1,"
		    " 's:ICBC20260105000412', 4, 3, 'ICBC20260105000412', '2026-01-05', 500,"
		    " 120098750, NULL, NULL, '', '南苑管理处', '现金缴存', NULL, 'matched',"
		    " 'remittance', NULL, NULL, 0, 1, 0, 0, NULL, '2026-01-06T03:00:00.000000Z',"
		    " 'account:5', '2026-01-06T02:00:01.000000Z'), (1, 1, 's:ICBC20260105001020',"
		    " 5, 4, 'ICBC20260105001020', '2026-01-05', 68250, 120167000,"
		    " 'v1.1.QUNDT1VOVA==', 'bidx:9c1e5a77d0f3', '6222****1234', '张三',"
		    " '房租', 1, 'unmatched', NULL, NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL,"
		    " '2026-01-06T02:00:01.000000Z'), (1, 1, 's:ICBC20260105002233', 6, 5,"
		    " 'ICBC20260105002233', '2026-01-05', -25000000, 95167000, NULL, NULL, '',"
		    " '承接主体', '2025年第四季度运营服务费', NULL, 'ignored', NULL, NULL, NULL, 0,"
		    " NULL, 0, 0, NULL, NULL, NULL, '2026-01-06T02:00:01.000000Z')");
	exec_ok(db, "INSERT INTO bank_line_token (line_id, token) VALUES (1, 'WH1-1'), (2,"
		    " '3-2-1502')");
	exec_ok(db, "INSERT INTO bank_suggestion (line_id, household_id, tier, rule, rule_name,"
		    " score, open_fen) VALUES (2, 1, 'rule', 'unit', '南苑附言中的房号', 85, 0)");
	exec_ok(db, "INSERT INTO bank_match_pending (line_id, household_id, payment_id, rule,"
		    " created_at) VALUES (4, 1, NULL, 'payer_account',"
		    " '2026-01-06T02:00:01.000000Z')");
	exec_ok(db, "INSERT INTO bank_balance_day (bank_account_id, day, statement_fen,"
		    " ledger_fen, difference_fen, unmatched_lines, unmatched_fen, computed_at)"
		    " VALUES (1, '2026-01-05', 95167000, 95098750, 68250, 1, 30000,"
		    " '2026-01-06T18:00:00.000000Z')");

	/* The owner's side: the counter's cash deposited, the operator paid. */
	exec_ok(db, "INSERT INTO journal (period, event, object_type, object_id, reverses_id,"
		    " memo, posted_at, posted_by) VALUES ('2026-01', 'remittance', 'remittance',"
		    " 1, NULL, '现金缴存专户', '2026-01-06T03:00:00.000000Z', 'account:5'),"
		    " ('2026-01', 'disbursement', 'disbursement', 1, NULL, '支付运营服务费',"
		    " '2026-01-06T03:30:00.000000Z', 'account:5')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen)"
		    " VALUES (6, 3, '2026-01', 500), (6, 2, '2026-01', -500), (7, 6, '2026-01',"
		    " 25000000), (7, 3, '2026-01', -25000000)");
	exec_ok(db, "INSERT INTO remittance (owner_id, period, amount_fen, remitted_on,"
		    " reference, note, bank_line_id, journal_id, created_by, created_at) VALUES"
		    " (1, '2026-01', 500, '2026-01-05', '缴款单 0001', '', 3, 6, 'account:5',"
		    " '2026-01-06T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO disbursement (purpose, debit_kind, owner_id, payee, amount_fen,"
		    " paid_on, reference, note, journal_id, created_by, created_at) VALUES"
		    " ('operator_fee', 'operator_fees', 1, '承接主体', 25000000, '2026-01-05',"
		    " 'HT-1 2025Q4', '2025年第四季度运营服务费', 7, 'account:5',"
		    " '2026-01-06T03:30:00.000000Z')");
}

/* Violation cases (upkeep part B): a case confirmed by the bureau with its
 * history and evidence (a photo and a statement), the fines per type, and
 * a renovation request approved. */
static void
fill_violation(struct db *db)
{
	exec_ok(db, "INSERT INTO violation_penalty (type, effective_from, amount_fen, created_at,"
		    " created_by) VALUES ('sublet', '2026-07-01', 200000,"
		    " '2026-06-01T00:00:00.000000Z', 'account:2')");
	exec_ok(db, "INSERT INTO violation_case (type, state, source, source_type, source_id,"
		    " location, community_id, building_id, entrance, unit_id, place, household_id,"
		    " summary, started_on, reporter_name_sealed, reporter_contact_sealed, proposal,"
		    " proposal_reason, proposed_at, proposed_by, proposed_by_name, decided_at,"
		    " decided_on, decided_by, decided_by_name, decision_reason, policy_version,"
		    " market_rent_fen_m2, floor_area, breach_from, breach_to, market_fen,"
		    " rent_billed_fen, back_charge_fen, penalty_fen, back_charge_id,"
		    " penalty_charge_id, bans, rectify_by, rectified_at, eviction_id, reported_at,"
		    " reported_by, reported_by_name, updated_at) VALUES ('sublet', 'confirmed',"
		    " 'public', NULL, NULL, 'unit', 1, 1, 2, 1, '', 1, '邻居反映该房屋已转租他人',"
		    " '2025-12-01', 'v1.1.AAAA', 'v1.1.BBBB', 'confirm', '租客承认转租',"
		    " '2026-01-05T02:00:00.000000Z', 'account:3', '经理王五',"
		    " '2026-01-06T02:00:00.000000Z', '2026-01-06', 'account:2', '住建局李四',"
		    " '证据确凿', 1, 2000, 4550, '2025-12-01', '2026-01-06', 339000, 60000,"
		    " 279000, 100000, 1, 1, 1, NULL, NULL, NULL, '2026-01-04T02:00:00.000000Z',"
		    " 'account:4', '专员赵六', '2026-01-06T02:00:00.000000Z')");
	exec_ok(db, "INSERT INTO violation_event (case_id, action, from_state, to_state, note, at,"
		    " actor, actor_name, actor_role) VALUES (1, 'report', NULL, 'suspected',"
		    " '邻居反映该房屋已转租他人', '2026-01-04T02:00:00.000000Z', 'account:4',"
		    " '专员赵六', 'operator_staff'), (1, 'confirm', 'investigating', 'confirmed',"
		    " '证据确凿', '2026-01-06T02:00:00.000000Z', 'account:2', '住建局李四',"
		    " 'bureau')");
	exec_ok(db, "INSERT INTO attachment (owner_type, owner_id, category, filename, sha256,"
		    " size, media_type, created_by, created_at) VALUES ('violation_case', 1,"
		    " 'photo', '现场.png',"
		    " '0000000000000000000000000000000000000000000000000000000000000000', 3,"
		    " 'image/png', 'account:4', '2026-01-04T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO violation_evidence (case_id, kind, attachment_id, sha256,"
		    " statement, note, taken_at, taken_source, stored_at, added_by, added_by_name)"
		    " SELECT 1, 'photo', MAX(id),"
		    " '0000000000000000000000000000000000000000000000000000000000000000', NULL,"
		    " '门口照片', '2026-01-04T02:30:00.000000Z', 'exif',"
		    " '2026-01-04T03:00:00.000000Z', 'account:4', '专员赵六' FROM attachment"
		    " WHERE owner_type = 'violation_case'");
	exec_ok(db, "INSERT INTO violation_evidence (case_id, kind, attachment_id, sha256,"
		    " statement, note, taken_at, taken_source, stored_at, added_by, added_by_name)"
		    " VALUES (1, 'statement', NULL,"
		    " '5d41402abc4b2a76b9719d911017c592aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',"
		    " '现住户称每月付给承租人 1500 元', '', NULL, NULL,"
		    " '2026-01-04T03:05:00.000000Z', 'account:4', '专员赵六')");
	exec_ok(db, "INSERT INTO renovation_request (unit_id, community_id, household_id,"
		    " description, planned_from, planned_to, state, requested_at, requested_by,"
		    " requested_by_name, checked_at, checked_by, checked_by_name, check_note,"
		    " decided_at, decided_by, decided_by_name, decision_reason, done_on, done_at,"
		    " done_by, updated_at) VALUES (1, 1, 1, '更换卫生间防水层', '2026-02-01',"
		    " '2026-02-10', 'approved', '2026-01-10T02:00:00.000000Z', 'account:4',"
		    " '专员赵六', '2026-01-11T02:00:00.000000Z', 'account:3', '经理王五',"
		    " '不涉及承重结构', '2026-01-12T02:00:00.000000Z', 'account:2', '住建局李四',"
		    " '同意', NULL, NULL, NULL, '2026-01-12T02:00:00.000000Z')");
}

/* A patrol (issue 8 part A): the library's seeded rows changed and added
 * to, a point with its label's MAC and checklist, a weekly plan, and one
 * walked round with a finding. */
static void
fill_patrol(struct db *db)
{
	exec_ok(db, "UPDATE patrol_severity_action SET action = 'violation', updated_at ="
		    " '2026-02-01T00:00:00.000000Z', updated_by = 'account:1' WHERE severity ="
		    " 'medium'");
	exec_ok(db, "INSERT INTO patrol_item (name, severity, finding_action,"
		    " work_order_category, violation_type, retired_at, created_at, updated_at,"
		    " updated_by) VALUES ('电动车楼道充电', 'high', 'work_order', 'electricity',"
		    " NULL, NULL, '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:00.000000Z',"
		    " 'account:1')");
	exec_ok(db, "INSERT INTO patrol_point (community_id, short_no, name, location,"
		    " building_id, entrance, unit_id, asset_id, place, active, token_mac,"
		    " token_gen, token_at, created_at, updated_at, updated_by) VALUES (1, 1,"
		    " '1栋1单元楼道', 'entrance', 1, 1, NULL, NULL, '一楼', 1,"
		    " '4f1c0b5cf0d1f7a5c0d7e2b1a4c6e8f0123456789abcdef0123456789abcdef0', 2,"
		    " '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:00.000000Z',"
		    " '2026-02-01T00:00:00.000000Z', 'account:1')");
	exec_ok(db, "INSERT INTO patrol_point_item (point_id, seq, item_id) VALUES (1, 1, 1),"
		    " (1, 2, 3)");
	exec_ok(db, "INSERT INTO patrol_plan (community_id, name, frequency, weekday, month_day,"
		    " quarter_month, active, created_at, updated_at, updated_by) VALUES (1,"
		    " '每周一巡查', 'weekly', 1, NULL, NULL, 1, '2026-02-01T00:00:00.000000Z',"
		    " '2026-02-01T00:00:00.000000Z', 'account:1')");
	exec_ok(db, "INSERT INTO patrol_plan_point (plan_id, seq, point_id) VALUES (1, 1, 1)");
	exec_ok(db, "INSERT INTO patrol_plan_inspector (plan_id, account_id) VALUES (1, 1)");
	exec_ok(db, "INSERT INTO patrol_round (plan_id, community_id, plan_name, due_on, state,"
		    " started_at, finished_at, created_at, updated_at) VALUES (1, 1, '每周一巡查',"
		    " '2026-02-02', 'done', '2026-02-02T01:00:00.000000Z',"
		    " '2026-02-02T01:05:00.000000Z', '2026-02-01T16:20:00.000000Z',"
		    " '2026-02-02T01:05:00.000000Z')");
	exec_ok(db, "INSERT INTO patrol_round_inspector (round_id, account_id) VALUES (1, 1)");
	exec_ok(db, "INSERT INTO patrol_round_point (round_id, seq, point_id, name, checked_in_at,"
		    " checked_in_by, label_gen, lat, lng, accuracy) VALUES (1, 1, 1,"
		    " '1栋1单元楼道', '2026-02-02T01:00:00.000000Z', 'account:1', 2, '31.2304',"
		    " '121.4737', 12)");
	exec_ok(db, "INSERT INTO patrol_round_item (round_point_id, seq, item_id, name, severity)"
		    " VALUES (1, 1, 1, '消防通道堵塞', 'high'), (1, 2, 3, '楼道堆物', 'medium')");
	exec_ok(db, "INSERT INTO patrol_result (round_id, round_point_id, point_id, item_id,"
		    " community_id, outcome, note, severity, finding_action, work_order_id,"
		    " violation_id, saved_at, saved_by, updated_at, updated_by) VALUES (1, 1, 1, 1,"
		    " 1, 'not_fine', '电动车堵住消防通道', 'high', 'work_order', NULL, NULL,"
		    " '2026-02-02T01:01:00.000000Z', 'account:1', '2026-02-02T01:01:00.000000Z',"
		    " 'account:1'), (1, 1, 1, 3, 1, 'fine', '', 'medium', NULL, NULL, NULL,"
		    " '2026-02-02T01:02:00.000000Z', 'account:1', '2026-02-02T01:02:00.000000Z',"
		    " 'account:1')");
}

/* Rows in every table of every migration: 001_platform.sql and
 * 003_audit.sql with awkward values, the later ones with a realistic row or
 * two each, in the order their references need. */
/* Work orders (issue 8, part C): a tenant-paid repair done and confirmed
 * by a call-back, with its material, history and charge; a preventive plan
 * and its occurrence; a changed deadline in the seeded table. */
static void
fill_work_order(struct db *db)
{
	exec_ok(db, "UPDATE work_order_deadline SET hours = 12, updated_at ="
		    " '2025-04-01T02:00:00.000000Z', updated_by = 'account:1'"
		    " WHERE urgency = 'emergency'");
	exec_ok(db, "INSERT INTO work_order (community_id, location, building_id, entrance,"
		    " unit_id, asset_id, place, category, urgency, description, source,"
		    " source_type, source_id, household_id, contact_sealed, state, deadline_at,"
		    " reported_at, reported_by, assignee_id, assigned_at, started_at, done_at,"
		    " done_by, done_note, responsibility, cost_fen, charge_id, confirmed_at,"
		    " confirmed_by, confirm_channel, satisfaction, confirm_note, reopened,"
		    " updated_at) VALUES (1, 'unit', 1, 2, 1, NULL, '厨房', 'water', 'urgent',"
		    " '厨房水龙头漏水', 'staff', NULL, NULL, 1, 'v1.1.CCCC', 'confirmed',"
		    " '2026-01-04T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'account:1', 1,"
		    " '2026-01-01T01:00:00.000000Z', '2026-01-01T02:00:00.000000Z',"
		    " '2026-01-01T03:00:00.000000Z', 'account:1', '更换阀芯', 'tenant', 500, 1,"
		    " '2026-01-02T03:00:00.000000Z', 'account:2', 'callback', 5, '满意', 0,"
		    " '2026-01-02T03:00:00.000000Z')");
	exec_ok(db, "INSERT INTO work_order_material (work_order_id, name, quantity, unit,"
		    " amount_fen) VALUES (1, '阀芯', 1, '个', 300)");
	exec_ok(db, "INSERT INTO work_order_event (work_order_id, from_state, to_state, at, actor,"
		    " actor_name, note) VALUES (1, NULL, 'reported', '2026-01-01T00:00:00.000000Z',"
		    " 'account:1', 'staff1', ''), (1, 'done', 'confirmed',"
		    " '2026-01-02T03:00:00.000000Z', 'account:2', 'bureau1', '满意')");
	exec_ok(db, "INSERT INTO preventive_plan (community_id, asset_id, asset_type, name,"
		    " category, urgency, description, freq, day, active, created_at, created_by,"
		    " updated_at) VALUES (1, NULL, '热水器', '热水器季度检查', 'water', 'normal',"
		    " '检查热水器', 'quarterly', 5, 1, '2026-01-01T00:00:00.000000Z', 'account:1',"
		    " '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO preventive_occurrence (plan_id, due_on, asset_id, work_order_id,"
		    " created_at) VALUES (1, '2026-01-05', 1, 1, '2026-01-05T00:00:00.000000Z')");
}

static void
fill_db(struct db *db)
{
	struct db_stmt *st;
	int64_t ids[8];
	size_t nt = sizeof(texts) / sizeof(texts[0]);

	ok(db, db_begin(db));
	for (size_t i = 0; i < nt; i++)
		ids[i] = add_job(db, i % 2 ? "import" : "bill", texts[i], i % 3 ? NULL : texts[i],
				 i == 0 ? INT64_MIN : (int64_t)i, i == 1 ? INT64_MAX : 100);
	/* A gap in the ids, and the largest one gone: the sequence must still
	 * continue above every restored id. */
	ids[nt] = add_job(db, "gone", "deleted", NULL, 0, 0);
	assert_int_equal(run_int(db, "DELETE FROM job WHERE id = ?", ids[nt]), DB_DONE);

	ok(db,
	   db_prepare(db, "INSERT INTO job_staging (job_id, seq, payload) VALUES (?, ?, ?)", &st));
	for (int i = 0; i < STAGING_ROWS; i++) {
		char payload[64];

		snprintf(payload, sizeof(payload), "[%d,\"行 %d\"]", i, i);
		db_bind_int64(st, 1, ids[i % 3]);
		db_bind_int64(st, 2, i / 3 + (i % 3) * 1000000);
		db_bind_cstr(st, 3, payload);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
	ok(db, db_prepare(db,
			  "INSERT INTO idempotency_key (caller, idem_key, method, path,"
			  " body_hash, status, response, created_at)"
			  " VALUES (?, ?, 'POST', '/api/v1/x', 'h', ?, ?, 'now')",
			  &st));
	for (int i = 0; i < IDEM_ROWS; i++) {
		char key[64];

		/* Text keys with a shared prefix, across page boundaries. */
		snprintf(key, sizeof(key), "%s-%05d", i % 2 ? "k" : "键", i);
		db_bind_cstr(st, 1, i % 4 ? "user:1" : "user:2");
		db_bind_cstr(st, 2, key);
		db_bind_int64(st, 3, 200 + i % 5);
		db_bind_cstr(st, 4, texts[i % nt]);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
	ok(db, db_prepare(db,
			  "INSERT INTO schedule_run (schedule, due_at, claimed_by, claimed_at,"
			  " job_id) VALUES (?, ?, 'w1', 'now', ?)",
			  &st));
	for (int i = 0; i < 3; i++) {
		db_bind_cstr(st, 1, "nightly");
		db_bind_cstr(st, 2, i == 0 ? "2026-01-01" : i == 1 ? "2026-01-02" : "2026-01-03");
		if (i == 1)
			db_bind_null(st, 3);
		else
			db_bind_int64(st, 3, ids[i]);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
	ok(db, db_prepare(db, "INSERT INTO selftest_row (job_id, n, value) VALUES (?, ?, ?)", &st));
	for (int i = 0; i < 5; i++) {
		db_bind_int64(st, 1, ids[1]);
		db_bind_int64(st, 2, i);
		db_bind_int64(st, 3, i == 4 ? INT64_MAX - 1 : -i * INT64_C(1000000000000));
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
	/* The audit trail (003_audit.sql), written by its own writer. */
	for (size_t i = 0; i < nt; i++) {
		static const uint8_t key[32] = { 1, 2, 3 };
		struct audit_actor who = { "account:1", texts[1], "admin", "::1", NULL };
		struct anju_err e;
		json_t *after = json_pack("{s:s}", "text", texts[i]);

		audit_set_key(key, sizeof(key));
		ok(db, audit_write(db, &who, "test.fill", "job", texts[i], NULL, after, &e));
		json_decref(after);
	}
	/* The access tables: a sealed person, an account with a scope, a failure
	 * count, a session and an API key (values are opaque to the backup). */
	exec_ok(db, "INSERT INTO person (name, id_number_sealed, id_number_index, phone_sealed,"
		    " phone_index, created_at) VALUES ('张三', 'v1.1.AAAA', 'idx1', 'v1.1.BBBB',"
		    " 'idx2', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO account (username, display_name, role, state, password_hash,"
		    " all_communities, person_id, created_at, created_by, updated_at,"
		    " password_changed_at) VALUES ('tenant1', '张三', 'tenant', 'active', "
		    "'$argon2id$x',"
		    " 0, 1, '2026-01-01T00:00:00.000000Z', 'system', '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO scope_grant (principal, community_id) VALUES ('account:1', 7)");
	exec_ok(db, "INSERT INTO login_failure (username, failures, last_failure_at) VALUES"
		    " ('ghost', 2, '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO session (token_hash, csrf_token, account_id, client, created_at,"
		    " last_seen_at, expires_at) VALUES ('h1', 'c1', 1, '::1',"
		    " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T12:00:00.000000Z')");
	exec_ok(db, "INSERT INTO api_key (name, prefix, key_hash, role, created_at, created_by)"
		    " VALUES ('door', 'ak_00000001', 'h2', 'operator_staff',"
		    " '2026-01-01T00:00:00.000000Z', 'system')");
	exec_ok(db, "INSERT INTO approval (kind, payload, reason, state, requested_by,"
		    " requested_by_name, requested_role, requested_at) VALUES ('account.create',"
		    " '{\"username\":\"x\"}', '新员工', 'pending', 'account:1', 'admin', 'admin',"
		    " '2026-01-01T00:00:00.000000Z')");
	/* The housing stock, households and files (issue 4): one row each. */
	exec_ok(db, "INSERT INTO owner (name, credit_code, created_at) VALUES ('产权单位',"
		    " '91420000000000000X', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO operator (name, credit_code, created_at) VALUES ('承接主体',"
		    " '91420000000000001X', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO agreement (code, operator_id, owner_id, starts_on, ends_on,"
		    " annual_fee_fen, created_at) VALUES ('HT-1', 1, 1, '2026-01-01', '2028-12-31',"
		    " 100000000, '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO agreement_item (agreement_id, kind, seq, name, standard,"
		    " deduction_fen) VALUES (1, 'breach', 1, '未按时巡查', '每次', 50000)");
	exec_ok(db, "INSERT INTO community (name, owner_id, operator_id, agreement_id, created_at,"
		    " updated_at) VALUES ('南苑', 1, 1, 1, '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO building (community_id, name, floors, entrances, has_lift,"
		    " created_at) VALUES (1, '3', 18, 2, 1, '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO unit (community_id, building_id, entrance, floor, number,"
		    " floor_area, usable_area, status, status_since, created_at, updated_at)"
		    " VALUES (1, 1, 2, 15, '3-2-1502', 4550, 3600, 'vacant',"
		    " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO asset (community_id, location, building_id, unit_id, type,"
		    " condition, created_at, updated_at) VALUES (1, 'unit', 1, 1, '热水器', 'good',"
		    " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO acceptance_check (unit_id, community_id, state, created_at,"
		    " updated_at) VALUES (1, 1, 'confirmed', '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO acceptance_item (check_id, seq, room, item, asset_id, condition)"
		    " VALUES (1, 1, '厨房', '热水器', 1, 'good')");
	exec_ok(db, "INSERT INTO household (community_id, category, state, created_at, updated_at,"
		    " housing_area_centi, local_hukou, insurance_months, special_groups)"
		    " VALUES (1, 'low_income', 'active', '2026-01-01T00:00:00.000000Z',"
		    " '2026-01-01T00:00:00.000000Z', 2350, 1, 36, 'elderly,disabled')");
	exec_ok(db, "INSERT INTO member (household_id, person_id, relationship, joined_at)"
		    " VALUES (1, 1, 'head', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO reveal_count (principal, hour, n) VALUES ('account:1',"
		    " '2026-01-01T08', 1)");
	exec_ok(db, "INSERT INTO blob (sha256, size, media_type, created_at) VALUES ('"
		    "0000000000000000000000000000000000000000000000000000000000000000', 3,"
		    " 'image/png', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db,
		"INSERT INTO attachment (owner_type, owner_id, category, filename, sha256,"
		" size, media_type, created_by, created_at) VALUES ('unit', 1, 'photo', 'a.png',"
		" '0000000000000000000000000000000000000000000000000000000000000000', 3,"
		" 'image/png', 'account:1', '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO transfer (job_id, direction, what, owner, format, created_at,"
		    " expires_at) VALUES (1, 'import', 'units', 'account:1', 'csv',"
		    " '2026-01-01T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO transfer_part (job_id, kind, seq, sealed) VALUES (1, 'input', 1,"
		    " 'v1.1.AAAA')");
	exec_ok(db, "INSERT INTO transfer_error (job_id, seq, row_no, col, reason) VALUES (1, 1,"
		    " 2, '房号', '房号重复')");
	/* The money core: one charge paid by one payment, with its receipt. */
	exec_ok(db,
		"INSERT INTO ledger_account (code, kind, name, household_id, created_at) VALUES"
		" ('receivable:1', 'receivable', '应收住户款', 1, '2026-01-01T00:00:00.000000Z'),"
		" ('cash', 'cash', '库存现金', NULL, '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO ledger_period (period, state, closed_at, closed_by) VALUES"
		    " ('2025-12', 'closed', '2026-01-02T00:00:00.000000Z', 'account:1')");
	exec_ok(db,
		"INSERT INTO journal (period, event, object_type, object_id, reverses_id, memo,"
		" posted_at, posted_by) VALUES ('2026-01', 'payment', 'payment', 1, NULL, '现金',"
		" '2026-01-01T00:00:00.000000Z', 'account:1')");
	exec_ok(db, "INSERT INTO journal_entry (journal_id, account_id, period, amount_fen) VALUES"
		    " (1, 2, '2026-01', 500), (1, 1, '2026-01', -500)");
	exec_ok(db, "INSERT INTO ledger_balance (account_id, period, debit_fen, credit_fen) VALUES"
		    " (1, '2026-01', 0, 500), (2, '2026-01', 500, 0)");
	exec_ok(db,
		"INSERT INTO charge (household_id, kind, amount_fen, paid_fen, due_on, period,"
		" source_type, source_id, state, note, created_at, created_by) VALUES (1, 'rent',"
		" 500, 500, '2026-01-05', '2026-01', 'manual', NULL, 'paid', '',"
		" '2026-01-01T00:00:00.000000Z', 'account:1')");
	exec_ok(db,
		"INSERT INTO payment (household_id, amount_fen, channel, channel_ref,"
		" received_at, period, taken_by, allocated_fen, state, note) VALUES (1, 500, "
		"'cash',"
		" NULL, '2026-01-01T00:00:00.000000Z', '2026-01', 'account:1', 500, 'posted', '')");
	exec_ok(db,
		"INSERT INTO refund (household_id, amount_fen, channel, reason, paid_at, paid_by)"
		" VALUES (1, 1, 'cash', '退款', '2026-01-01T00:00:00.000000Z', 'account:1')");
	exec_ok(db,
		"INSERT INTO allocation (payment_id, charge_id, refund_id, amount_fen, policy,"
		" reverses_id, journal_id, created_at) VALUES (1, 1, NULL, 500, 'oldest_due_first',"
		" NULL, 1, '2026-01-01T00:00:00.000000Z')");
	exec_ok(db,
		"INSERT INTO receipt_book (kind, series, first_no, last_no, next_no, received_on,"
		" received_by, clerk_account_id, handed_at, state, created_at) VALUES ('paper',"
		" 'A2026', 1, 100, 2, '2026-01-01', '财务', 1, '2026-01-01T00:00:00.000000Z', "
		"'open',"
		" '2026-01-01T00:00:00.000000Z')");
	exec_ok(db, "INSERT INTO receipt (book_id, number, payment_id, token, state, issued_at,"
		    " issued_by) VALUES (1, 1, 1, '0123456789abcdef0123456789abcdef', 'issued',"
		    " '2026-01-01T00:00:00.000000Z', 'account:1')");
	fill_tenancy(db);
	fill_rent(db);
	fill_patrol(db);
	fill_violation(db);
	fill_work_order(db);
	ok(db, db_commit(db));
}

/* A files folder with nested folders, an empty folder, an empty file, a
 * binary one bigger than a block, and what a backup leaves out: a link and
 * a dot-named temporary file. */
static void
fill_files(const char *dir)
{
	char big[200000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	make_dir(dir, "ab");
	make_dir(dir, "ab/cd");
	make_dir(dir, "ab/cd/ef");
	make_dir(dir, "empty");
	write_file(dir, "ab/cd/ef/0123456789abcdef.pdf", "%PDF-1.7 deep", 13);
	write_file(dir, "ab/cd/x.jpg", big, sizeof(big));
	write_file(dir, "ab/zero", "", 0);
	write_file(dir, "top.txt", "top\n", 4);
	write_file(dir, "ab/.tmp-upload", "partial", 7);
	write_file(dir, "ab/needle.txt", NEEDLE, strlen(NEEDLE));
	{
		char link[600];

		snprintf(link, sizeof(link), "%s/ab/link", dir);
		assert_int_equal(symlink("/etc/passwd", link), 0);
	}
}

/* Every table but schema_migrations holds the same rows in a and b. */
static void
tables_equal(struct db *a, struct db *b)
{
	struct arena *ar = arena_new();
	char **na = NULL, **nb = NULL;
	size_t n = 0, m = 0;

	ok(a, db_tables(a, &na, &n));
	ok(b, db_tables(b, &nb, &m));
	assert_int_equal(n, m);
	for (size_t i = 0; i < n; i++) {
		struct db_table_desc d;
		struct db_stmt *sa, *sb;
		struct buf sql;
		int ra, rb;
		int64_t rows = 0;

		assert_string_equal(na[i], nb[i]);
		if (strcmp(na[i], "schema_migrations") == 0)
			continue;
		ok(a, db_table_describe(a, na[i], ar, &d));
		buf_init(&sql, 0);
		buf_printf(&sql, "SELECT * FROM %s ORDER BY ", na[i]);
		for (size_t c = 0; c < d.ncol; c++)
			buf_printf(&sql, "%s%zu", c ? ", " : "", c + 1);
		ok(a, db_prepare(a, sql.p, &sa));
		ok(b, db_prepare(b, sql.p, &sb));
		for (;;) {
			ra = db_step(sa);
			rb = db_step(sb);
			assert_int_equal(ra, rb);
			if (ra != DB_ROW)
				break;
			rows++;
			for (size_t c = 0; c < d.ncol; c++) {
				int col = (int)c;

				assert_int_equal(db_col_null(sa, col), db_col_null(sb, col));
				if (db_col_null(sa, col))
					continue;
				assert_int_equal(db_col_len(sa, col), db_col_len(sb, col));
				assert_memory_equal(db_col_text(sa, col), db_col_text(sb, col),
						    db_col_len(sa, col));
			}
		}
		assert_int_equal(ra, DB_DONE);
		if (rows == 0)
			fail_msg("table %s has no rows: fill_db() misses it", na[i]);
		db_reset(sa);
		db_reset(sb);
		buf_free(&sql);
	}
	free(na);
	free(nb);
	arena_free(ar);
}

struct prog {
	int calls;
	int64_t done, total;
	bool backwards, over;
};

static void
on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
	struct prog *p = ud;

	assert_non_null(note);
	p->backwards = p->backwards || done < p->done;
	p->over = p->over || done > total;
	p->calls++;
	p->done = done;
	p->total = total;
}

/* The names of the archive's entries in order, one per line. */
static char *
archive_names(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct buf b;

	buf_init(&b, 0);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK)
		buf_printf(&b, "%s\n", archive_entry_pathname(ent));
	archive_read_free(a);
	return buf_take(&b, NULL);
}

/* The manifest of the archive at path, parsed. */
static json_t *
archive_manifest(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	json_t *m = NULL;
	char buf[1 << 16];

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(ent), "manifest.json") == 0) {
			la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

			assert_true(n > 0);
			m = json_loadb(buf, (size_t)n, 0, NULL);
		}
	}
	archive_read_free(a);
	assert_non_null(m);
	return m;
}

static int64_t
count_rows(struct db *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return query_int(db, sql);
}

/* Nothing was written to dst: no rows, no files. */
static void
dst_untouched(struct ctx *c, int64_t jobs)
{
	assert_int_equal(count_rows(c->dst, "job"), jobs);
	assert_int_equal(count_rows(c->dst, "job_staging"), 0);
	assert_int_equal(count_rows(c->dst, "idempotency_key"), 0);
	assert_int_equal(count_entries(c->dst_files), 0);
}

static void
backup_ok(struct ctx *c)
{
	struct anju_err e;

	anju_err_clear(&e);
	if (backup_write(c->src, c->src_files, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_write: %s", e.msg);
}

/* Restores and checks everything came back; then a new job gets an id
 * above every restored one. */
static void
restore_and_compare(struct ctx *c, struct db *src, struct db *dst)
{
	struct anju_err e;
	struct prog p = { 0 };
	int nfiles = 0;
	int64_t max_id, id;

	anju_err_clear(&e);
	if (backup_restore(dst, c->dst_files, c->archive, on_progress, &p, &e) != 0)
		fail_msg("backup_restore: %s (%s)", e.msg, e.key);
	assert_true(p.calls > 0);
	assert_false(p.backwards);
	assert_false(p.over);
	assert_int_equal(p.done, p.total);
	tables_equal(src, dst);
	tree_in(c->src_files, c->dst_files, false, &nfiles);
	assert_int_equal(nfiles, 5);
	tree_in(c->dst_files, c->src_files, true, NULL);
	{
		char link[600];
		struct stat sb;

		snprintf(link, sizeof(link), "%s/ab/link", c->dst_files);
		assert_int_not_equal(lstat(link, &sb), 0);
	}
	max_id = query_int(dst, "SELECT MAX(id) FROM job");
	id = add_job(dst, "after", "new", NULL, 0, 0);
	assert_true(id > max_id);
}

/*
 * Tests.
 */

static void
test_roundtrip(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct prog p = { 0 };
	struct stat sb;
	char *names;
	json_t *m, *tables, *t;
	size_t i;
	bool saw_job = false;

	fill_db(c->src);
	fill_files(c->src_files);
	anju_err_clear(&e);
	if (backup_write(c->src, c->src_files, c->archive, on_progress, &p, &e) != 0)
		fail_msg("backup_write: %s", e.msg);
	assert_false(db_in_tx(c->src));
	assert_true(p.calls > 0);
	assert_false(p.backwards);
	assert_false(p.over);
	assert_int_equal(p.done, p.total);
	assert_int_equal(stat(c->archive, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Tables first, then files, the manifest last; no link, no dot file. */
	names = archive_names(c->archive);
	assert_non_null(strstr(names, "db/job.jsonl\n"));
	assert_non_null(strstr(names, "db/job_staging.jsonl\n"));
	assert_non_null(strstr(names, "files/ab/cd/ef/0123456789abcdef.pdf\n"));
	assert_non_null(strstr(names, "files/empty/\n"));
	assert_null(strstr(names, "link"));
	assert_null(strstr(names, ".tmp-upload"));
	assert_true(strstr(names, "db/selftest_row.jsonl") < strstr(names, "files/"));
	assert_int_equal(
		strcmp(names + strlen(names) - strlen("manifest.json\n"), "manifest.json\n"), 0);
	free(names);

	m = archive_manifest(c->archive);
	assert_string_equal(json_string_value(json_object_get(m, "format")), "anju-backup-1");
	assert_string_equal(json_string_value(json_object_get(m, "engine")),
			    testdb_is_pg() ? "postgresql" : "sqlite");
	assert_int_equal(json_integer_value(json_object_get(m, "schema_version")),
			 migrations[migration_count - 1].version);
	assert_int_equal(json_integer_value(json_object_get(m, "files")), 5);
	assert_non_null(json_string_value(json_object_get(m, "anju_version")));
	assert_int_equal(strlen(json_string_value(json_object_get(m, "created_at"))), 27);
	tables = json_object_get(m, "tables");
	json_array_foreach (tables, i, t) {
		if (strcmp(json_string_value(json_object_get(t, "name")), "job_staging") == 0)
			assert_int_equal(json_integer_value(json_object_get(t, "rows")),
					 STAGING_ROWS);
		if (strcmp(json_string_value(json_object_get(t, "name")), "job") == 0) {
			saw_job = true;
			assert_string_equal(
				json_string_value(json_array_get(json_object_get(t, "columns"), 0)),
				"id");
		}
		assert_int_equal(strlen(json_string_value(json_object_get(t, "sha256"))), 64);
	}
	assert_true(saw_job);
	json_decref(m);

	restore_and_compare(c, c->src, c->dst);
}

/* A SQLite pilot's backup restores onto PostgreSQL (run only there). */
static void
test_sqlite_to_pg(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct db *lite;

	if (!testdb_is_pg())
		skip();
	lite = new_db(c, false);
	fill_db(lite);
	fill_files(c->src_files);
	anju_err_clear(&e);
	if (backup_write(lite, c->src_files, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_write: %s", e.msg);
	restore_and_compare(c, lite, c->dst);
}

/* And a PostgreSQL backup restores onto SQLite. */
static void
test_pg_to_sqlite(void **state)
{
	struct ctx *c = *state;
	struct db *lite;

	if (!testdb_is_pg())
		skip();
	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	lite = new_db(c, false);
	restore_and_compare(c, c->src, lite);
}

static void
test_target_not_empty(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;

	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	add_job(c->dst, "already", "here", NULL, 0, 0);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "restore_target_not_empty");
	dst_untouched(c, 1);
	assert_false(db_in_tx(c->dst));
}

/* Flips one byte at the first place the archive holds what. */
static void
flip_at(const char *path, const char *what)
{
	size_t n = 0;
	char *p = read_file(path, &n), *at;
	int fd;

	assert_non_null(p);
	at = memmem(p, n, what, strlen(what));
	assert_non_null(at);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	at[0] ^= 0x20;
	assert_int_equal(pwrite(fd, at, 1, at - p), 1);
	close(fd);
	free(p);
}

static void
test_corrupt_table(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;

	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	/* In db/job.jsonl, which comes before files/ab/needle.txt. */
	flip_at(c->archive, NEEDLE);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "backup_corrupt");
	dst_untouched(c, 0);
	assert_false(db_in_tx(c->dst));
}

static void
test_corrupt_file(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;

	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	flip_at(c->archive, "%PDF-1.7 deep");
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "backup_corrupt");
	dst_untouched(c, 0);
}

static void
test_truncated(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct stat sb;

	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	assert_int_equal(stat(c->archive, &sb), 0);
	/* Cut before the manifest, at a block boundary: a well-formed tar
	 * with no manifest.json. */
	assert_int_equal(truncate(c->archive, sb.st_size / 2 / 512 * 512), 0);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_EINVAL);
	dst_untouched(c, 0);
	/* Not a tar at all. */
	write_file(c->dir, "junk.tar", "hello, this is not a tar archive", 32);
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/junk.tar", c->dir);
		anju_err_clear(&e);
		assert_int_equal(backup_restore(c->dst, c->dst_files, path, NULL, NULL, &e),
				 ANJU_EINVAL);
	}
	dst_untouched(c, 0);
}

/* An archive of one entry, which may be a link; a regular file holds
 * data[0..n), or "evil" when data is NULL. */
static void
make_archive_data(const char *path, const char *name, mode_t type, const char *target,
		  const char *data, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ent = archive_entry_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(ent, target);
	else if (target != NULL)
		archive_entry_set_hardlink(ent, target);
	if (data == NULL) {
		data = "evil";
		n = 4;
	}
	archive_entry_set_size(ent, type == AE_IFREG && target == NULL ? (la_int64_t)n : 0);
	assert_int_equal(archive_write_header(a, ent), ARCHIVE_OK);
	if (type == AE_IFREG && target == NULL)
		assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
	archive_entry_free(ent);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
make_archive(const char *path, const char *name, mode_t type, const char *target)
{
	make_archive_data(path, name, type, target, NULL, 0);
}

static void
test_hostile_entries(void **state)
{
	static const struct {
		const char *name;
		mode_t type;
		const char *target;
	} evil[] = {
		{ "../evil", AE_IFREG, NULL },
		{ "files/../../evil", AE_IFREG, NULL },
		{ "files/ab/../../../evil", AE_IFREG, NULL },
		{ "/tmp/anju-backup-evil", AE_IFREG, NULL },
		{ "files/link", AE_IFLNK, "/etc/passwd" },
		{ "files/hard", AE_IFREG, "files/../../evil" },
		{ "files/fifo", AE_IFIFO, NULL },
		{ "files//double", AE_IFREG, NULL },
		{ "files/.hidden", AE_IFREG, NULL },
		{ "db/job; DROP TABLE job.jsonl", AE_IFREG, NULL },
		{ "other.txt", AE_IFREG, NULL },
	};
	struct ctx *c = *state;
	char path[600], evil_path[600];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/evil.tar", c->dir);
	snprintf(evil_path, sizeof(evil_path), "%s/evil", c->dir);
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct anju_err e;

		unlink(path);
		make_archive(path, evil[i].name, evil[i].type, evil[i].target);
		anju_err_clear(&e);
		assert_int_equal(backup_restore(c->dst, c->dst_files, path, NULL, NULL, &e),
				 ANJU_EINVAL);
		assert_string_equal(e.key, "backup_bad_entry");
		assert_int_not_equal(lstat(evil_path, &sb), 0);
		assert_int_not_equal(lstat("/tmp/anju-backup-evil", &sb), 0);
		dst_untouched(c, 0);
	}
}

static void
test_backup_exists(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	size_t n = 0;
	char *p;

	fill_db(c->src);
	write_file(c->dir, "backup.tar", "keep me", 7);
	anju_err_clear(&e);
	assert_int_equal(backup_write(c->src, c->src_files, c->archive, NULL, NULL, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "backup_exists");
	p = read_file(c->archive, &n);
	assert_non_null(p);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "keep me", 7);
	free(p);
	assert_false(db_in_tx(c->src));
}

/* A failed backup leaves no file behind: here the files folder is
 * unreadable by name (a file where the folder should be). */
static void
test_backup_failure_removes_output(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char bad[600];
	struct stat sb;

	fill_db(c->src);
	fill_files(c->src_files);
	/* A name a restore could not recreate exactly. */
	write_file(c->src_files, "ab/bad\001name", "x", 1);
	anju_err_clear(&e);
	assert_int_equal(backup_write(c->src, c->src_files, c->archive, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_int_not_equal(stat(c->archive, &sb), 0);
	assert_false(db_in_tx(c->src));
	/* Into a folder that does not exist: nothing to remove, an I/O error. */
	snprintf(bad, sizeof(bad), "%s/no/such/dir/backup.tar", c->dir);
	anju_err_clear(&e);
	assert_int_equal(backup_write(c->src, c->src_files, bad, NULL, NULL, &e), ANJU_EIO);
}

/* A missing files folder is an empty one, on both sides. */
static void
test_no_files_dir(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char src_none[600], dst_none[600];
	json_t *m;

	fill_db(c->src);
	snprintf(src_none, sizeof(src_none), "%s/none", c->dir);
	snprintf(dst_none, sizeof(dst_none), "%s/dst-none", c->dir);
	anju_err_clear(&e);
	assert_int_equal(backup_write(c->src, src_none, c->archive, NULL, NULL, &e), 0);
	m = archive_manifest(c->archive);
	assert_int_equal(json_integer_value(json_object_get(m, "files")), 0);
	json_decref(m);
	anju_err_clear(&e);
	if (backup_restore(c->dst, dst_none, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_restore: %s", e.msg);
	tables_equal(c->src, c->dst);
	assert_int_equal(count_entries(dst_none), 0);
}

/* A file already in the target's folder is kept when it is the same and
 * refuses the restore (before any row) when it differs. */
static void
test_existing_files(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int nfiles = 0;

	fill_db(c->src);
	fill_files(c->src_files);
	backup_ok(c);
	write_file(c->dst_files, "top.txt", "TOP\n", 4);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "restore_file_conflict");
	assert_int_equal(count_rows(c->dst, "job"), 0);
	assert_int_equal(count_entries(c->dst_files), 1);

	/* A file where a folder goes is a conflict too. */
	{
		char top[600];

		snprintf(top, sizeof(top), "%s/top.txt", c->dst_files);
		unlink(top);
	}
	write_file(c->dst_files, "ab", "not a folder", 12);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_ECONFLICT);
	assert_int_equal(count_rows(c->dst, "job"), 0);

	/* The same bytes already there: fine. */
	{
		char ab[600];

		snprintf(ab, sizeof(ab), "%s/ab", c->dst_files);
		unlink(ab);
	}
	write_file(c->dst_files, "top.txt", "top\n", 4);
	anju_err_clear(&e);
	if (backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_restore: %s", e.msg);
	tables_equal(c->src, c->dst);
	tree_in(c->src_files, c->dst_files, false, &nfiles);
	assert_int_equal(nfiles, 5);
}

/* An archive of another schema version is refused before anything. */
static void
test_other_version(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;

	fill_db(c->src);
	backup_ok(c);
	/* The target claims a later schema than the archive's. */
	exec_ok(c->dst, "INSERT INTO schema_migrations (version, name, applied_at)"
			" VALUES (9999, 'future', 'now')");
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.key, "backup_schema_mismatch");
	dst_untouched(c, 0);
}

/* Writes from another connection while the backup runs (from its progress
 * callback) are not in it: every table comes from one snapshot. */
struct writer {
	struct db *db;
	int64_t job;
	bool wrote;
};

static void
write_meanwhile(void *ud, int64_t done, int64_t total, const char *note)
{
	struct writer *w = ud;
	struct db_stmt *st;

	(void)total;
	(void)note;
	/* Once the first table is being read. */
	if (w->wrote || done == 0)
		return;
	w->wrote = true;
	add_job(w->db, "meanwhile", "later", NULL, 0, 0);
	ok(w->db, db_prepare(w->db,
			     "INSERT INTO job_staging (job_id, seq, payload)"
			     " VALUES (?, ?, 'later')",
			     &st));
	for (int i = 0; i < 10; i++) {
		db_bind_int64(st, 1, w->job);
		db_bind_int64(st, 2, 5000000 + i);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
}

static void
test_snapshot(void **state)
{
	struct ctx *c = *state;
	struct writer w = { 0 };
	struct anju_err e;

	fill_db(c->src);
	anju_err_clear(&e);
	if (db_open(c->t[0].url, &w.db, &e) != 0)
		fail_msg("db_open: %s", e.msg);
	w.job = query_int(c->src, "SELECT MIN(id) FROM job");
	if (backup_write(c->src, c->src_files, c->archive, write_meanwhile, &w, &e) != 0)
		fail_msg("backup_write: %s", e.msg);
	assert_true(w.wrote);
	assert_int_equal(count_rows(c->src, "job_staging"), STAGING_ROWS + 10);
	anju_err_clear(&e);
	if (backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_restore: %s", e.msg);
	assert_int_equal(count_rows(c->dst, "job_staging"), STAGING_ROWS);
	assert_int_equal(count_rows(c->dst, "job"), count_rows(c->src, "job") - 1);
	db_close(w.db);
}

/* A row's line and the manifest are capped before they are held. */
static void
test_caps(void **state)
{
	struct ctx *c = *state;
	static const char head[] = "{\"columns\":[\"id\"],\"types\":[\"int\"]}\n[";
	size_t big = (16 << 20) + 100;
	char *data = xmalloc(big), path[600];
	struct anju_err e;

	snprintf(path, sizeof(path), "%s/big.tar", c->dir);
	memset(data, 'x', big);
	memcpy(data, head, strlen(head));
	make_archive_data(path, "db/job.jsonl", AE_IFREG, NULL, data, big);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, path, NULL, NULL, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "backup_corrupt");
	assert_non_null(strstr(e.msg, "16 MiB"));
	unlink(path);
	make_archive_data(path, "manifest.json", AE_IFREG, NULL, data, (1 << 20) + 1);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, path, NULL, NULL, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "backup_corrupt");
	/* A manifest of another format. */
	unlink(path);
	make_archive_data(path, "manifest.json", AE_IFREG, NULL, "{\"format\":\"zip\"}", 17);
	anju_err_clear(&e);
	assert_int_equal(backup_restore(c->dst, c->dst_files, path, NULL, NULL, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "backup_not_anju");
	free(data);
	dst_untouched(c, 0);
}

/* A table without a primary key that refers to itself and to two others. */
static const char tree_sql[] =
	"CREATE TABLE zz_tree (n INTEGER NOT NULL, parent INTEGER REFERENCES zz_tree (n),"
	" a BIGINT REFERENCES job (id), b BIGINT, bn BIGINT, s SMALLINT, t VARCHAR(10),"
	" UNIQUE (n), FOREIGN KEY (b, bn) REFERENCES selftest_row (job_id, n))";

/* A table that sorts before the one it references, with a text key. */
static const char pair_sql[] =
	"CREATE TABLE zz_parent (id {{ID}}, label TEXT NOT NULL);"
	"CREATE TABLE aa_child (code TEXT PRIMARY KEY, parent_id BIGINT NOT NULL"
	" REFERENCES zz_parent (id), note TEXT)";

/* Tables of any shape come back: no primary key (read by OFFSET), a text
 * key, a reference to a table that sorts after, a reference to itself. */
static void
test_generic_tables(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;
	struct anju_err e;
	int64_t job;

	for (int i = 0; i < 2; i++) {
		exec_ok(c->dbs[i], tree_sql);
		exec_ok(c->dbs[i], pair_sql);
	}
	fill_db(c->src);
	job = query_int(c->src, "SELECT MIN(id) FROM job");
	ok(c->src, db_begin(c->src));
	ok(c->src,
	   db_prepare(c->src, "INSERT INTO zz_tree (n, parent, a, s, t) VALUES (?, ?, ?, ?, ?)",
		      &st));
	for (int i = 0; i < 2345; i++) {
		db_bind_int64(st, 1, i);
		if (i == 0)
			db_bind_null(st, 2);
		else
			db_bind_int64(st, 2, i / 2);
		db_bind_int64(st, 3, job);
		db_bind_int64(st, 4, i % 100);
		db_bind_cstr(st, 5, i % 2 ? "奇" : "even");
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
	}
	exec_ok(c->src,
		"INSERT INTO zz_tree (n, b, bn) SELECT 100000 + n, job_id, n FROM selftest_row");
	ok(c->src,
	   db_prepare(c->src, "INSERT INTO zz_parent (label) VALUES (?) RETURNING id", &st));
	for (int i = 0; i < 1500; i++) {
		int64_t id;
		struct db_stmt *ch;
		char code[32];

		db_bind_cstr(st, 1, "p");
		assert_int_equal(db_step(st), DB_ROW);
		id = db_col_int64(st, 0);
		db_reset(st);
		ok(c->src, db_prepare(c->src,
				      "INSERT INTO aa_child (code, parent_id, note)"
				      " VALUES (?, ?, ?)",
				      &ch));
		snprintf(code, sizeof(code), "c-%d", 1500 - i);
		db_bind_cstr(ch, 1, code);
		db_bind_int64(ch, 2, id);
		db_bind_cstr(ch, 3, i % 7 ? NULL : "注");
		assert_int_equal(db_step(ch), DB_DONE);
		db_reset(ch);
	}
	ok(c->src, db_commit(c->src));
	backup_ok(c);
	anju_err_clear(&e);
	if (backup_restore(c->dst, c->dst_files, c->archive, NULL, NULL, &e) != 0)
		fail_msg("backup_restore: %s (%s)", e.msg, e.key);
	tables_equal(c->src, c->dst);
	assert_int_equal(count_rows(c->dst, "zz_tree"), 2345 + 5);
	assert_int_equal(count_rows(c->dst, "aa_child"), 1500);
	/* zz_parent's id sequence continues after the restored ids. */
	ok(c->dst,
	   db_prepare(c->dst, "INSERT INTO zz_parent (label) VALUES ('new') RETURNING id", &st));
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1501);
	db_reset(st);
}

/* db_table_describe(), which backup.c added to db.h for its generic reads. */
static void
test_describe(void **state)
{
	struct ctx *c = *state;
	struct arena *a = arena_new();
	struct db_table_desc d;

	ok(c->src, db_table_describe(c->src, "job", a, &d));
	assert_true(d.ncol >= 18);
	assert_string_equal(d.cols[0].name, "id");
	assert_true(d.cols[0].integer);
	assert_int_equal(d.cols[0].pk, 1);
	assert_true(d.cols[0].serial);
	assert_string_equal(d.cols[1].name, "kind");
	assert_false(d.cols[1].integer);
	assert_int_equal(d.cols[1].pk, 0);
	assert_false(d.cols[1].serial);
	assert_int_equal(d.nref, 0);

	ok(c->src, db_table_describe(c->src, "job_staging", a, &d));
	assert_int_equal(d.ncol, 3);
	assert_int_equal(d.cols[0].pk, 1); /* job_id */
	assert_int_equal(d.cols[1].pk, 2); /* seq */
	assert_int_equal(d.cols[2].pk, 0);
	assert_false(d.cols[0].serial);
	assert_int_equal(d.nref, 1);
	assert_string_equal(d.refs[0], "job");

	/* Several references, one to itself (left out), and no primary key. */
	exec_ok(c->src, tree_sql);
	ok(c->src, db_table_describe(c->src, "zz_tree", a, &d));
	assert_int_equal(d.ncol, 7);
	for (size_t i = 0; i < d.ncol; i++) {
		assert_int_equal(d.cols[i].pk, 0);
		assert_false(d.cols[i].serial);
		assert_int_equal(d.cols[i].integer, i < 6);
	}
	assert_int_equal(d.nref, 2);
	assert_string_equal(d.refs[0], "job");
	assert_string_equal(d.refs[1], "selftest_row");

	assert_int_equal(db_table_describe(c->src, "no_such_table", a, &d), ANJU_ENOTFOUND);
	assert_int_equal(db_table_describe(c->src, "job; DROP TABLE job", a, &d), ANJU_EINVAL);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_roundtrip),      T(test_sqlite_to_pg),
		T(test_pg_to_sqlite),   T(test_target_not_empty),
		T(test_corrupt_table),  T(test_corrupt_file),
		T(test_truncated),      T(test_hostile_entries),
		T(test_backup_exists),  T(test_backup_failure_removes_output),
		T(test_no_files_dir),   T(test_existing_files),
		T(test_other_version),  T(test_snapshot),
		T(test_caps),           T(test_describe),
		T(test_generic_tables),
#undef T
	};

	return cmocka_run_group_tests_name("backup", tests, NULL, NULL);
}
