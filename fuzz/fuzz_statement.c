/*
 * libFuzzer target for bank statements (rent/statement.c): the import of a
 * statement file as the API and its job do it, on an in-memory SQLite
 * database migrated once, with a keyring in a temporary folder.  Each input
 * runs in one transaction that is rolled back, so every run starts from the
 * same database.
 *
 * The first byte of the input picks the layout, the rest is the file:
 *
 *   bits 0-1  one of four fixed formats (column mappings; see formats[])
 *   bit  2    the mapping is fuzzed too: the rest is a JSON format body up
 *             to the first NUL byte, then the file.  The body goes the way
 *             of POST /api/v1/bank-formats: json_parse_body(), the route's
 *             own field list (found with router_match()), bank_format_save()
 *   bits 3-4  the encoding asked for at import: the format's, auto, utf8,
 *             gb18030
 *   bit  5    the account's ledger kind: special_rent, or bank
 *
 * (The seeds in fuzz/corpus/statement/ start with a letter: '@' is format
 * 0, 'A' format 1, 'B' format 2, 'C' format 3, 'D' a fuzzed mapping.)
 *
 * The file is stored with statement_import_create() and read with
 * statement_publish(), the import job's first step.  Besides the
 * sanitizers, it checks the contracts of reconcile.h and the report: the
 * result is 0 or ANJU_EUNPROCESSABLE ("statement_rows_invalid") and nothing
 * else; a file with bad rows adds no line, and its report keeps
 * min(errors, STATEMENT_MAX_ERRORS) rows, each with a reason in UTF-8 and a
 * line that is not negative; a good file adds every line once (rows =
 * added, known 0 on a new account), line_seq a permutation of 1..rows, each
 * line dated no later than today with an amount of 1 to MONEY_AMOUNT_MAX fen
 * either way, an identity of its kind, a counterparty's index only with its
 * sealed number and mask, its name and remark in UTF-8 within their limits,
 * a state that follows its sign and the account's kind, and tokens of its
 * remark (3 to 64 characters with a digit, at most 8); and the statement's
 * figures say the same.
 */
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/date.h"
#include "core/mem.h"
#include "http/http.h"
#include "http/router.h"
#include "money/money.h"
#include "rent/reconcile.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/migrate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed formats, as the API would receive them. */
static const char *const formats[4] = {
	/* 交易日期,贷方金额,借方金额,对方账号,对方户名,摘要,余额 */
	"{\"bank_code\":\"plain\",\"bank_name\":\"测试银行\",\"encoding\":\"auto\","
	"\"skip_rows\":1,\"date_format\":\"YYYY-MM-DD\",\"col_date\":1,\"col_credit\":2,"
	"\"col_debit\":3,\"col_counterparty_account\":4,\"col_counterparty_name\":5,"
	"\"col_remark\":6,\"col_balance\":7}",
	/* 流水号,交易日期(YYYYMMDD),金额,对方账号,摘要 */
	"{\"bank_code\":\"serial\",\"bank_name\":\"流水银行\",\"encoding\":\"utf8\","
	"\"skip_rows\":1,\"date_format\":\"YYYYMMDD\",\"col_serial\":1,\"col_date\":2,"
	"\"col_amount\":3,\"col_counterparty_account\":4,\"col_remark\":5}",
	/* a title and a header, then 流水号,交易日期(YYYY/MM/DD),摘要,借方,贷方,对方账号,
	 * 对方户名,余额 */
	"{\"bank_code\":\"gbk_bank\",\"bank_name\":\"农村信用社\",\"encoding\":\"gb18030\","
	"\"skip_rows\":2,\"date_format\":\"YYYY/MM/DD\",\"col_serial\":1,\"col_date\":2,"
	"\"col_remark\":3,\"col_debit\":4,\"col_credit\":5,\"col_counterparty_account\":6,"
	"\"col_counterparty_name\":7,\"col_balance\":8}",
	/* no header: 交易日期,金额,摘要 */
	("{\"bank_code\":\"bare\",\"bank_name\":\"极简银行\",\"skip_rows\":0,"
	 "\"date_format\":\"YYYY-MM-DD\",\"col_date\":1,\"col_amount\":2,\"col_remark\":3}"),
};

static const char *const encodings[4] = { NULL, "auto", "utf8", "gb18030" };

static struct db *db;
static struct keyring *kr;
static char keydir[PATH_MAX];
static const struct field *format_body; /* POST /api/v1/bank-formats */
static int64_t format_ids[4];
static char today[DATE_FMT_LEN];

static const struct audit_actor who = { "account:1", "fuzz", "finance", "::1", NULL };
static const struct caller fin = {
	.kind = CALLER_ACCOUNT,
	.id = 1,
	.role = ROLE_FINANCE,
	.name = "fuzz",
	.principal = "account:1",
	.all_communities = true,
};

/* A broken contract: says which, then stops the run as a crash. */
static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_statement: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool
utf8_ok(const char *str, size_t *chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n = strlen(str);

	*chars = 0;
	while (i < n) {
		unsigned char b = s[i];
		size_t len = 0;
		uint32_t cp;

		if (b < 0x80)
			len = 1;
		else if (b >= 0xC2 && b <= 0xDF)
			len = 2;
		else if (b >= 0xE0 && b <= 0xEF)
			len = 3;
		else if (b >= 0xF0 && b <= 0xF4)
			len = 4;
		if (len == 0 || n - i < len)
			return false;
		cp = len == 1 ? b : b & (0x7F >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
		(*chars)++;
	}
	return true;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
at_exit(void)
{
	db_close(db);
	db = NULL;
	keys_set_current(NULL);
	keys_free(kr);
	kr = NULL;
	if (keydir[0] != '\0')
		nftw(keydir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Saves a format from its JSON body (validated as the route does); its id,
 * or 0 with e when refused. */
static int
save_format(const char *body, size_t n, int64_t *id, struct anju_err *e)
{
	json_t *j = json_parse_body(body, n, JSON_MAX_DEPTH, e);
	int rc;

	*id = 0;
	if (j == NULL)
		return ANJU_EINVAL;
	rc = fields_validate(format_body, j, e);
	if (rc == 0)
		rc = bank_format_save(db, 0, j, &who, id, e);
	json_decref(j);
	return rc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct arena *a = arena_new();
	const struct route *rt = NULL;
	const char *params[8];
	int np = 0;
	struct anju_err e;

	(void)argc;
	(void)argv;
	snprintf(keydir, sizeof(keydir), "%s/anju-fuzz-statement.XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(keydir) == NULL) {
		keydir[0] = '\0';
		broken("mkdtemp failed");
	}
	atexit(at_exit);
	if (keys_create(keydir, &e) != 0 || keys_load(keydir, &kr, &e) != 0)
		broken("keys: %s", e.msg);
	keys_set_current(kr);
	audit_set_key(keys_audit(kr), KEYS_LEN);
	config_reset();
	if (db_open("sqlite::memory:", &db, &e) != 0 || db_migrate(db, NULL, &e) != 0)
		broken("database: %s", e.msg);
	if (router_match("POST", "/api/v1/bank-formats", a, &rt, params, &np) != 0 ||
	    rt->body == NULL)
		broken("no route POST /api/v1/bank-formats with a body");
	format_body = rt->body;
	arena_free(a);
	if (db_begin(db) != 0)
		broken("begin: %s", db_errmsg(db));
	for (int i = 0; i < 4; i++)
		if (save_format(formats[i], strlen(formats[i]), &format_ids[i], &e) != 0)
			broken("format %d refused: %s %s", i, e.key, e.msg);
	if (db_commit(db) != 0)
		broken("commit: %s", db_errmsg(db));
	date_format(date_today_shanghai(), today);
	return 0;
}

/* The single integer a query with one integer parameter gives. */
static int64_t
q_int(const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v;

	if (db_prepare(db, sql, &st) != 0)
		broken("prepare %s: %s", sql, db_errmsg(db));
	db_bind_int64(st, 1, arg);
	if (db_step(st) != DB_ROW)
		broken("no row from %s: %s", sql, db_errmsg(db));
	v = db_col_null(st, 0) ? -1 : db_col_int64(st, 0);
	db_reset(st);
	return v;
}

/* The report of a refused file. */
static void
check_errors(int64_t sid, int64_t errors)
{
	struct db_stmt *st;
	int64_t kept = 0;

	if (db_prepare(db,
		       "SELECT seq, row_no, col, reason FROM bank_statement_error"
		       " WHERE statement_id = ? ORDER BY seq",
		       &st) != 0)
		broken("prepare: %s", db_errmsg(db));
	db_bind_int64(st, 1, sid);
	while (db_step(st) == DB_ROW) {
		const char *col = db_col_text(st, 2), *reason = db_col_text(st, 3);
		size_t nc;

		kept++;
		if (db_col_int64(st, 0) != kept)
			broken("error %lld has seq %lld", (long long)kept,
			       (long long)db_col_int64(st, 0));
		if (db_col_int64(st, 1) < 0)
			broken("error %lld names line %lld", (long long)kept,
			       (long long)db_col_int64(st, 1));
		if (reason == NULL || reason[0] == '\0' || !utf8_ok(reason, &nc))
			broken("error %lld has no reason in UTF-8", (long long)kept);
		if (col == NULL || !utf8_ok(col, &nc))
			broken("error %lld has no column in UTF-8", (long long)kept);
	}
	db_reset(st);
	if (kept != (errors < STATEMENT_MAX_ERRORS ? errors : STATEMENT_MAX_ERRORS))
		broken("%lld errors, %lld kept in the report", (long long)errors, (long long)kept);
}

/* The tokens of line id: of its remark, 3..64 of these with a digit, at most 8. */
static const char token_chars[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_:/.";

static void
check_tokens(int64_t id, const char *remark)
{
	struct db_stmt *st;
	int n = 0;

	if (db_prepare(db, "SELECT token FROM bank_line_token WHERE line_id = ?", &st) != 0)
		broken("prepare: %s", db_errmsg(db));
	db_bind_int64(st, 1, id);
	while (db_step(st) == DB_ROW) {
		const char *t = db_col_text(st, 0);
		size_t len = strlen(t);

		n++;
		if (len < 3 || len > 64 || strpbrk(t, "0123456789") == NULL ||
		    strspn(t, token_chars) != len || strstr(remark, t) == NULL)
			broken("line %lld has token \"%s\" of remark \"%s\"", (long long)id, t,
			       remark);
	}
	db_reset(st);
	if (n > 8)
		broken("line %lld has %d tokens", (long long)id, n);
}

/* The lines of a published file. */
static void
check_lines(int64_t sid, const struct statement_result *res, bool serial, bool special)
{
	struct db_stmt *st;
	int64_t n = 0;
	char first[DATE_FMT_LEN] = "9999-99-99", last[DATE_FMT_LEN] = "";
	struct db_stmt *ss;
	char *seen;

	if (res->rows < 1 || res->added != res->rows || res->known != 0 || res->errors != 0)
		broken("published with rows %lld added %lld known %lld errors %lld",
		       (long long)res->rows, (long long)res->added, (long long)res->known,
		       (long long)res->errors);
	if (strcmp(res->encoding, "utf8") != 0 && strcmp(res->encoding, "gb18030") != 0)
		broken("published in encoding \"%s\"", res->encoding);
	seen = xcalloc((size_t)res->rows + 1, 1);
	if (db_prepare(db,
		       "SELECT id, identity, row_no, line_seq, serial, posted_on, amount_fen,"
		       " counterparty_sealed, counterparty_index, counterparty_masked,"
		       " counterparty_name, remark, state FROM bank_line WHERE statement_id = ?"
		       " ORDER BY id",
		       &st) != 0)
		broken("prepare: %s", db_errmsg(db));
	db_bind_int64(st, 1, sid);
	while (db_step(st) == DB_ROW) {
		int64_t id = db_col_int64(st, 0), seq = db_col_int64(st, 3),
			fen = db_col_int64(st, 6);
		const char *identity = db_col_text(st, 1), *posted = db_col_text(st, 5);
		const char *name = db_col_text(st, 10), *remark = db_col_text(st, 11),
			   *state = db_col_text(st, 12), *masked = db_col_text(st, 9);
		struct date d;
		size_t nc;

		n++;
		if (seq < 1 || seq > res->rows || seen[seq])
			broken("line %lld has line_seq %lld of %lld", (long long)id, (long long)seq,
			       (long long)res->rows);
		seen[seq] = 1;
		if (db_col_int64(st, 2) < 1)
			broken("line %lld is on row %lld", (long long)id,
			       (long long)db_col_int64(st, 2));
		if (fen == 0 || fen > MONEY_AMOUNT_MAX || fen < -MONEY_AMOUNT_MAX)
			broken("line %lld has amount %lld fen", (long long)id, (long long)fen);
		if (strlen(posted) != 10 || date_parse(str_c(posted), &d) != 0 ||
		    strcmp(posted, today) > 0)
			broken("line %lld is dated \"%s\" (today %s)", (long long)id, posted,
			       today);
		if (strcmp(posted, first) < 0)
			snprintf(first, sizeof(first), "%s", posted);
		if (strcmp(posted, last) > 0)
			snprintf(last, sizeof(last), "%s", posted);
		if (serial ? db_col_null(st, 4) || strncmp(identity, "s:", 2) != 0 ||
				     strcmp(identity + 2, db_col_text(st, 4)) != 0
			   : !db_col_null(st, 4) || strncmp(identity, "h:", 2) != 0)
			broken("line %lld has identity \"%s\"", (long long)id, identity);
		if (db_col_null(st, 8) != db_col_null(st, 7) ||
		    db_col_null(st, 8) != (masked[0] == '\0') ||
		    strspn(masked, "0123456789*") != strlen(masked))
			broken("line %lld: counterparty index, sealed number and mask \"%s\" "
			       "disagree",
			       (long long)id, masked);
		if (!utf8_ok(name, &nc) || nc > 200)
			broken("line %lld: counterparty name not UTF-8 or %zu characters",
			       (long long)id, nc);
		if (!utf8_ok(remark, &nc) || nc > 500)
			broken("line %lld: remark not UTF-8 or %zu characters", (long long)id, nc);
		if (strcmp(state, special && fen > 0 ? "unmatched" : "ignored") != 0)
			broken("line %lld of %lld fen is %s", (long long)id, (long long)fen, state);
		check_tokens(id, remark);
	}
	db_reset(st);
	free(seen);
	if (n != res->rows)
		broken("%lld lines stored of %lld", (long long)n, (long long)res->rows);
	if (db_prepare(db,
		       "SELECT rows_read, lines_new, error_rows, first_on, last_on"
		       " FROM bank_statement WHERE id = ?",
		       &ss) != 0)
		broken("prepare: %s", db_errmsg(db));
	db_bind_int64(ss, 1, sid);
	if (db_step(ss) != DB_ROW)
		broken("statement %lld is gone", (long long)sid);
	/* first_on and last_on come from the file's first and last lines only
	 * (statement.c takes a file to be in date order), so for a file out of
	 * order they are not the least and the greatest date of its lines: they
	 * lie within those, in order. */
	if (db_col_int64(ss, 0) != res->rows || db_col_int64(ss, 1) != res->added ||
	    db_col_int64(ss, 2) != 0 || db_col_null(ss, 3) || db_col_null(ss, 4) ||
	    strcmp(db_col_text(ss, 3), first) < 0 || strcmp(db_col_text(ss, 4), last) > 0 ||
	    strcmp(db_col_text(ss, 3), db_col_text(ss, 4)) > 0)
		broken("the statement's figures (%lld rows, %lld new, %s..%s) do not fit its "
		       "lines' (%lld, %s..%s)",
		       (long long)db_col_int64(ss, 0), (long long)db_col_int64(ss, 1),
		       db_col_text(ss, 3), db_col_text(ss, 4), (long long)res->rows, first, last);
	db_reset(ss);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file = (const char *)data + 1, *enc;
	size_t n;
	int64_t format_id, account_id = 0, sid = 0, job = 0;
	struct statement_result res;
	struct anju_err e;
	json_t *acc;
	bool special, serial;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	enc = encodings[(data[0] >> 3) & 3];
	special = (data[0] & 0x20) == 0;
	if (db_begin(db) != 0)
		broken("begin: %s", db_errmsg(db));
	if (data[0] & 4) {
		const char *nul = memchr(file, '\0', n);
		size_t jn = nul != NULL ? (size_t)(nul - file) : n;

		anju_err_clear(&e);
		rc = save_format(file, jn, &format_id, &e);
		if (rc != 0) {
			/* Refused as the API would: a 400 or a code already taken. */
			if ((rc != ANJU_EINVAL && rc != ANJU_ECONFLICT) || e.key[0] == '\0')
				broken("a format body gave %d (%s: %s; %s)", rc, e.key, e.msg,
				       db_errmsg(db));
			db_rollback(db);
			return 0;
		}
		file += jn + (nul != NULL);
		n -= jn + (nul != NULL);
	} else {
		format_id = format_ids[data[0] & 3];
	}
	/* Whether the format has a serial column, from what was stored. */
	serial = q_int("SELECT col_serial FROM bank_format WHERE id = ?", format_id) > 0;
	/* A new account each time (rolled back with the rest, so the same number
	 * and the same identities on every run): every line of a good file is new. */
	acc = json_pack("{s:s, s:s, s:I, s:s}", "name", "专户", "account_no", "6222000011112222",
			"format_id", (json_int_t)format_id, "ledger_kind",
			special ? "special_rent" : "bank");
	if (bank_account_save(db, 0, acc, &who, &account_id, &e) != 0)
		broken("account refused: %s %s; %s", e.key, e.msg, db_errmsg(db));
	json_decref(acc);
	anju_err_clear(&e);
	rc = statement_import_create(db, &fin, &who, account_id, "statement.csv", enc, file, n,
				     &sid, &job, &e);
	if (rc != 0) {
		if (!(n == 0 && rc == ANJU_EINVAL && strcmp(e.key, "empty_file") == 0))
			broken("import refused: %d %s %s; %s", rc, e.key, e.msg, db_errmsg(db));
		db_rollback(db);
		return 0;
	}
	anju_err_clear(&e);
	memset(&res, 0xA5, sizeof(res));
	rc = statement_publish(db, sid, file, n, &res, &e);
	if (rc == 0) {
		check_lines(sid, &res, serial, special);
		if (enc != NULL && strcmp(enc, "auto") != 0 && strcmp(res.encoding, enc) != 0)
			broken("asked for %s, read as %s", enc, res.encoding);
	} else if (rc == ANJU_EUNPROCESSABLE && strcmp(e.key, "statement_rows_invalid") == 0) {
		if (res.errors < 1)
			broken("refused with %lld errors", (long long)res.errors);
		if (q_int("SELECT COUNT(*) FROM bank_line WHERE statement_id = ?", sid) != 0 ||
		    q_int("SELECT COUNT(*) FROM bank_line_token t JOIN bank_line l"
			  " ON l.id = t.line_id WHERE l.statement_id = ?",
			  sid) != 0)
			broken("a refused file added lines");
		if (q_int("SELECT error_rows FROM bank_statement WHERE id = ?", sid) != res.errors)
			broken("the statement's error_rows is not %lld", (long long)res.errors);
		check_errors(sid, res.errors);
	} else {
		broken("statement_publish() returned %d (%s: %s; %s)", rc, e.key, e.msg,
		       db_errmsg(db));
	}
	db_rollback(db);
	return 0;
}
