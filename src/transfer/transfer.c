/*
 * The transfer records (sql/011_transfer.sql): an import's sealed input, its
 * error report, an export's sealed xlsx, who may read them and when they go.
 * See transfer.h.  The jobs themselves are in import.c and export.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/account.h"
#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "core/mem.h"
#include "housing/housing.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/page.h"
#include "transfer/transfer_store.h"

static const char *const what_names[] = { "units", "households" };

int
transfer_what_parse(const char *name, enum transfer_what *out)
{
	for (int i = 0; i < 2; i++)
		if (name != NULL && strcmp(name, what_names[i]) == 0) {
			*out = (enum transfer_what)i;
			return 0;
		}
	return -1;
}

const char *
transfer_what_name(enum transfer_what w)
{
	return (unsigned)w < 2 ? what_names[w] : NULL;
}

bool
transfer_may_import(const struct caller *c)
{
	return c->kind == CALLER_SYSTEM || c->role == ROLE_BUREAU ||
	       c->role == ROLE_OPERATOR_MANAGER;
}

bool
transfer_may_export(const struct caller *c, enum transfer_what what)
{
	if (what == TRANSFER_HOUSEHOLDS)
		return c->role == ROLE_BUREAU || c->role == ROLE_OPERATOR_MANAGER;
	return role_scoped(c->role) && c->role != ROLE_TENANT;
}

/* The pieces of kind ("input", "output") of a job's transfer. */
static struct pii_parts
parts_of(int64_t job_id, const char *kind)
{
	return (struct pii_parts){
		"INSERT INTO transfer_part (job_id, kind, seq, sealed) VALUES (?, ?, ?, ?)",
		"SELECT sealed FROM transfer_part WHERE job_id = ? AND kind = ? ORDER BY seq",
		"DELETE FROM transfer_part WHERE job_id = ? AND kind = ?",
		job_id,
		kind,
		"transfer",
	};
}

int
transfer_parts_put(struct db *db, int64_t job_id, const char *kind, const char *data, size_t n,
		   struct anju_err *e)
{
	const struct pii_parts parts = parts_of(job_id, kind);

	return pii_parts_put(db, &parts, data, n, e);
}

/* Where transfer_parts_get sends each opened piece. */
struct parts_sink {
	struct buf *out;
	int fd;
};

static int
take_piece(void *arg, const char *plain, size_t n, struct anju_err *e)
{
	const struct parts_sink *to = arg;
	size_t done = 0;
	int rc = 0;

	if (to->out != NULL && buf_add(to->out, plain, n) != 0)
		rc = anju_fail(e, ANJU_ETOOBIG, "too_large", NULL, "数据过大");
	while (to->fd >= 0 && rc == 0 && done < n) {
		ssize_t w = write(to->fd, plain + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = anju_fail(e, ANJU_EIO, NULL, NULL, "write: %s", strerror(errno));
		else
			done += (size_t)w;
	}
	return rc;
}

int
transfer_parts_get(struct db *db, int64_t job_id, const char *kind, struct buf *out, int fd,
		   struct anju_err *e)
{
	const struct pii_parts parts = parts_of(job_id, kind);
	struct parts_sink to = { out, fd };

	return pii_parts_each(db, &parts, take_piece, &to, e);
}

/* What transfer_input_lend() lends: per thread, so that only the thread
 * that stored the input and runs its job sees it. */
static _Thread_local struct {
	int64_t job_id;
	const char *data;
	size_t n;
} loan;

void
transfer_input_lend(int64_t job_id, const char *data, size_t n)
{
	loan.job_id = data != NULL ? job_id : 0;
	loan.data = data;
	loan.n = data != NULL ? n : 0;
}

bool
transfer_input_lent(int64_t job_id, const char **data, size_t *n)
{
	if (job_id <= 0 || loan.job_id != job_id)
		return false;
	*data = loan.data;
	*n = loan.n;
	return true;
}

int
transfer_parts_drop(struct db *db, int64_t job_id, const char *kind, struct anju_err *e)
{
	const struct pii_parts parts = parts_of(job_id, kind);

	return pii_parts_drop(db, &parts, e);
}

int
transfer_get(struct db *db, int64_t job_id, struct arena *a, struct transfer_row *out,
	     struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "SELECT direction, what, owner, format, filename, size FROM transfer"
			    " WHERE job_id = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->job_id = job_id;
		out->export = strcmp(db_col_text(st, 0), "export") == 0;
		out->what = strcmp(db_col_text(st, 1), "households") == 0 ? TRANSFER_HOUSEHOLDS
									  : TRANSFER_UNITS;
		out->owner = arena_strdup(a, db_col_text(st, 2));
		out->format =
			strcmp(db_col_text(st, 3), "rows") == 0 ? TRANSFER_ROWS : TRANSFER_CSV;
		out->filename = arena_strdup(a, db_col_text(st, 4));
		out->size = db_col_int64(st, 5);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "transfer_not_found", NULL,
				 "没有这个导入或导出");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

/* The caller's own transfer of that direction: 0 or ANJU_ENOTFOUND. */
static int
own_transfer(struct db *db, const struct caller *c, int64_t job_id, bool export, struct arena *a,
	     struct transfer_row *t, struct anju_err *e)
{
	int rc = transfer_get(db, job_id, a, t, e);

	if (rc == 0 && (t->export != export || c == NULL || strcmp(t->owner, c->principal) != 0))
		rc = ANJU_ENOTFOUND;
	if (rc == ANJU_ENOTFOUND)
		return anju_fail(e, ANJU_ENOTFOUND,
				 export ? "export_not_found" : "import_not_found", NULL,
				 export ? "没有这个导出" : "没有这个导入");
	return rc;
}

static int
insert_transfer(struct db *db, int64_t job_id, bool export, enum transfer_what what,
		const char *owner, const char *format, int64_t size, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], until[TIME_FMT_LEN];
	int64_t t = time_now_us();
	int rc;

	time_format_utc(t, now);
	time_format_utc(t + config_int("export_keep_hours") * 3600 * INT64_C(1000000), until);
	rc = db_prepare(db,
			"INSERT INTO transfer (job_id, direction, what, owner, format, size,"
			" created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	db_bind_cstr(st, 2, export ? "export" : "import");
	db_bind_cstr(st, 3, transfer_what_name(what));
	db_bind_cstr(st, 4, owner);
	db_bind_cstr(st, 5, format);
	db_bind_int64(st, 6, size);
	db_bind_cstr(st, 7, now);
	db_bind_cstr(st, 8, until);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
audit_job(struct db *db, const struct audit_actor *who, const char *action, int64_t job_id,
	  json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)job_id);
	rc = audit_write(db, who, action, "job", oid, NULL, after, e);
	json_decref(after);
	return rc;
}

int
transfer_import_create(struct db *db, enum transfer_what what, enum transfer_format format,
		       const char *data, size_t n, const struct caller *c,
		       const struct audit_actor *who, int64_t *job_id, struct anju_err *e)
{
	const char *fmt = format == TRANSFER_ROWS ? "rows" : "csv";
	json_t *params = json_object();
	int rc;

	if (n == 0) {
		json_decref(params);
		return anju_fail(e, ANJU_EINVAL, "empty_file", NULL, "文件是空的");
	}
	if (n > TRANSFER_MAX_INPUT) {
		json_decref(params);
		return anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "文件超过 %d MiB 的上限",
				 TRANSFER_MAX_INPUT >> 20);
	}
	rc = job_create(db, what == TRANSFER_UNITS ? "import_units" : "import_households", params,
			c->principal, job_id, e);
	json_decref(params);
	if (rc == 0)
		rc = insert_transfer(db, *job_id, false, what, c->principal, fmt, (int64_t)n, e);
	if (rc == 0)
		rc = transfer_parts_put(db, *job_id, "input", data, n, e);
	if (rc == 0)
		rc = audit_job(db, who, "transfer.import", *job_id,
			       json_pack("{s:s, s:s, s:I}", "what", transfer_what_name(what),
					 "format", fmt, "size", (json_int_t)n),
			       e);
	return rc;
}

int
transfer_export_create(struct db *db, enum transfer_what what, int64_t community_id,
		       const struct caller *c, const struct audit_actor *who, int64_t *job_id,
		       struct anju_err *e)
{
	json_t *params;
	int rc = 0;

	if (!transfer_may_export(c, what))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL, "%s无权导出%s",
				 role_title(c->role), what == TRANSFER_UNITS ? "房源" : "住户");
	params = json_object();
	if (community_id > 0 && (rc = housing_community_visible(db, c, community_id, e)) != 0) {
		json_decref(params);
		if (rc != ANJU_ENOTFOUND)
			return rc;
		return anju_fail(e, ANJU_ENOTFOUND, "community_not_found", "community_id",
				 "没有这个小区");
	}
	if (community_id > 0)
		json_object_set_new(params, "community_id", json_integer(community_id));
	rc = job_create(db, what == TRANSFER_UNITS ? "export_units" : "export_households", params,
			c->principal, job_id, e);
	json_decref(params);
	if (rc == 0)
		rc = insert_transfer(db, *job_id, true, what, c->principal, "xlsx", 0, e);
	if (rc == 0)
		rc = audit_job(db, who, "transfer.export", *job_id,
			       json_pack("{s:s, s:I}", "what", transfer_what_name(what),
					 "community_id", (json_int_t)community_id),
			       e);
	return rc;
}

int
transfer_job(struct db *db, const struct caller *c, int64_t job_id, bool export, json_t **out,
	     struct anju_err *e)
{
	struct arena *a = arena_new();
	struct transfer_row t;
	int rc = own_transfer(db, c, job_id, export, a, &t, e);

	arena_free(a);
	if (rc != 0)
		return rc;
	return job_get(db, job_id, out, e);
}

static json_t *
error_item(struct db_stmt *st, void *ud)
{
	(void)ud;
	return json_pack("{s:I, s:s, s:s}", "row", (json_int_t)db_col_int64(st, 1), "column",
			 db_col_text(st, 2), "reason", db_col_text(st, 3));
}

int
transfer_errors(struct db *db, const struct caller *c, int64_t job_id, int64_t after_seq, int limit,
		json_t **items, int64_t *next, int64_t *total, struct anju_err *e)
{
	struct arena *a = arena_new();
	struct transfer_row t;
	struct db_stmt *st;
	int rc = own_transfer(db, c, job_id, false, a, &t, e);

	arena_free(a);
	if (rc != 0)
		return rc;
	if ((rc = db_prepare(db, "SELECT COUNT(*) FROM transfer_error WHERE job_id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	rc = db_step(st);
	*total = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	rc = db_prepare(db,
			"SELECT seq, row_no, col, reason FROM transfer_error WHERE job_id = ?"
			" AND seq > ? ORDER BY seq LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	db_bind_int64(st, 2, after_seq);
	db_bind_int64(st, 3, limit + 1);
	if ((rc = page_collect(st, limit, error_item, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

/* One CSV cell: quoted when it must be, and never read by a spreadsheet as
 * a formula (a cell from the user's own header could start with '='). */
static int
csv_cell(struct buf *b, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int rc = 0;

	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		rc |= buf_addc(b, '\'');
	if (quote)
		rc |= buf_addc(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			rc |= buf_addc(b, '"');
		rc |= buf_addc(b, *p);
	}
	if (quote)
		rc |= buf_addc(b, '"');
	return rc;
}

int
transfer_errors_csv(struct db *db, const struct caller *c, int64_t job_id, struct buf *out,
		    struct anju_err *e)
{
	struct arena *a = arena_new();
	struct transfer_row t;
	struct db_stmt *st;
	int rc = own_transfer(db, c, job_id, false, a, &t, e), brc = 0;

	arena_free(a);
	if (rc != 0)
		return rc;
	brc |= buf_adds(out, "\xEF\xBB\xBF行号,列,原因\r\n");
	rc = db_prepare(
		db, "SELECT row_no, col, reason FROM transfer_error WHERE job_id = ? ORDER BY seq",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	while ((rc = db_step(st)) == DB_ROW) {
		brc |= buf_printf(out, "%lld,", (long long)db_col_int64(st, 0));
		brc |= csv_cell(out, db_col_text(st, 1));
		brc |= buf_addc(out, ',');
		brc |= csv_cell(out, db_col_text(st, 2));
		brc |= buf_adds(out, "\r\n");
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (brc != 0)
		return anju_fail(e, ANJU_ETOOBIG, "report_too_large", NULL, "错误报告过大");
	return 0;
}

int
transfer_export_open(struct db *db, const struct caller *c, int64_t job_id, struct arena *a,
		     int *fd, int64_t *size, const char **filename, struct anju_err *e)
{
	struct transfer_row t;
	const char *tmp = getenv("TMPDIR");
	char *path;
	int rc = own_transfer(db, c, job_id, true, a, &t, e);

	*fd = -1;
	if (rc != 0)
		return rc;
	if (t.filename[0] == '\0')
		return anju_fail(e, ANJU_ENOTFOUND, "export_not_ready", NULL, "导出文件尚未生成");
	path = arena_printf(a, "%s/anju-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((*fd = mkstemp(path)) < 0)
		return anju_fail(e, ANJU_EIO, NULL, NULL, "mkstemp: %s", strerror(errno));
	unlink(path);
	if ((rc = transfer_parts_get(db, job_id, "output", NULL, *fd, e)) != 0 ||
	    lseek(*fd, 0, SEEK_SET) != 0) {
		close(*fd);
		*fd = -1;
		return rc != 0 ? rc : anju_fail(e, ANJU_EIO, NULL, NULL, "lseek failed");
	}
	*size = t.size;
	*filename = t.filename;
	return 0;
}

int
transfer_purge(struct db *db, int64_t now_us, int64_t *n, struct anju_err *e)
{
	static const char *const sql[] = {
		"DELETE FROM transfer_part WHERE job_id IN (SELECT job_id FROM transfer"
		" WHERE expires_at <= ?)",
		"DELETE FROM transfer_error WHERE job_id IN (SELECT job_id FROM transfer"
		" WHERE expires_at <= ?)",
		"DELETE FROM transfer WHERE expires_at <= ?",
	};
	char now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	*n = 0;
	time_format_utc(now_us, now);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = db_prepare(db, sql[i], &st)) != 0)
			return db_fail(db, rc, e);
		db_bind_cstr(st, 1, now);
		rc = db_step(st);
		if (i == 2)
			*n = db_changes(st);
		db_reset(st);
		if (rc < 0)
			return db_fail(db, rc, e);
	}
	return 0;
}

int
transfer_error_put(struct db *db, int64_t job_id, int64_t seq, const struct report_item *it,
		   struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
			    "INSERT INTO transfer_error (job_id, seq, row_no, col, reason)"
			    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, seq) DO NOTHING",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, it->row);
	db_bind_cstr(st, 4, it->col);
	db_bind_cstr(st, 5, it->reason);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
transfer_error_count(struct db *db, int64_t job_id, int64_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT COUNT(*) FROM transfer_error WHERE job_id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, job_id);
	rc = db_step(st);
	*n = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
}

int
transfer_set_output(struct db *db, int64_t job_id, const char *filename, int64_t size,
		    struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "UPDATE transfer SET filename = ?, size = ? WHERE job_id = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, filename);
	db_bind_int64(st, 2, size);
	db_bind_int64(st, 3, job_id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

/* The command line's importer: every community, recorded as the system. */
static const struct caller system_importer = {
	.kind = CALLER_SYSTEM,
	.role = ROLE_BUREAU,
	.name = "system",
	.principal = "system",
	.all_communities = true,
};

int
transfer_caller(struct db *db, const char *principal, struct arena *a, struct caller *c,
		struct anju_err *e)
{
	json_t *j = NULL, *scope = NULL, *found = NULL, *item;
	int64_t id = 0;
	const char *colon = strchr(principal, ':');
	enum role role;
	size_t i;
	int rc;

	if (strcmp(principal, "system") == 0) {
		*c = system_importer;
		return 0;
	}
	if (colon == NULL || str_to_int64(str_c(colon + 1), 1, INT64_MAX, &id) != 0)
		goto gone;
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->principal = arena_strdup(a, principal);
	if (strncmp(principal, "account:", 8) == 0) {
		if ((rc = account_get(db, id, &j, e)) == ANJU_ENOTFOUND)
			goto gone;
		if (rc != 0)
			return rc;
		if (strcmp(json_string_value(json_object_get(j, "state")), "active") != 0)
			goto gone_free;
		c->kind = CALLER_ACCOUNT;
		c->name = arena_strdup(a, json_string_value(json_object_get(j, "username")));
		c->person_id = json_integer_value(json_object_get(j, "person_id"));
		found = j;
	} else if (strncmp(principal, "apikey:", 7) == 0) {
		if ((rc = apikey_list(db, &j, e)) != 0)
			return rc;
		json_array_foreach (j, i, item)
			if (json_integer_value(json_object_get(item, "id")) == id &&
			    json_is_null(json_object_get(item, "revoked_at")))
				found = item;
		if (found == NULL)
			goto gone_free;
		c->kind = CALLER_API_KEY;
		c->name = arena_strdup(a, json_string_value(json_object_get(found, "name")));
	} else {
		goto gone;
	}
	if (role_parse(json_string_value(json_object_get(found, "role")), &role) != 0)
		goto gone_free;
	c->role = role;
	scope = json_object_get(found, "scope");
	c->all_communities = json_is_true(json_object_get(scope, "all"));
	json_decref(j);
	return 0;
gone_free:
	json_decref(j);
gone:
	return anju_fail(e, ANJU_EFORBIDDEN, "principal_gone", NULL,
			 "发起人的账号或密钥已停用，任务不再执行");
}

void
transfer_actor(const struct caller *c, struct audit_actor *who, const char *request_id)
{
	audit_actor_of(who, c->kind == CALLER_SYSTEM ? caller_system() : c, NULL, request_id);
}
