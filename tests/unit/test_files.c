/*
 * Unit tests of src/files (both engines): magic bytes, bytes stored once by
 * their hash (temporary file, rename, an existing copy kept, a cut one
 * replaced), the owner registry's decisions for each role and scope, and
 * attachments: add, read, open, page, remove, and the audit rows that put
 * them on the owner's timeline.  Two owners sharing one file never reach
 * each other's rows.
 *
 * The records attachments hang on are inserted with plain SQL on the
 * committed schema, so these tests judge the files module and the housing,
 * household and tenancy modules' lookups, not their creation rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/config.h"
#include "files/files.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
	char dir[256]; /* the data directory: files/ under it */
	int64_t community[2], unit[2], asset, check, household[2], person;
	int64_t lease[2], handover[2]; /* household i's lease of unit i, its move-in */
};

static const struct audit_actor who = { "system", "test", "bureau", "::1", NULL };

static const unsigned char JPEG[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',
				      0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0xff, 0xd9 };
static const unsigned char PNG[] = { 0x89, 'P',  'N',  'G',  0x0d, 0x0a, 0x1a, 0x0a,
				     0x00, 0x00, 0x00, 0x0d, 'I',  'H',  'D',  'R' };
static const char PDF[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
static const char GIF[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("files-keys", false);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

/* Runs an INSERT ... RETURNING id with text parameters (NULL ends them). */
static int64_t
insert(struct db *db, const char *sql, ...)
{
	struct db_stmt *st;
	const char *s;
	va_list ap;
	int64_t id;
	int i = 1;

	ok(db, db_prepare(db, sql, &st));
	va_start(ap, sql);
	while ((s = va_arg(ap, const char *)) != NULL)
		db_bind_cstr(st, i++, s);
	va_end(ap);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

static const char *
num(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

/* Two communities, each with a building, a unit and a household; unit 0
 * has an asset and an acceptance check; a person is the head of household
 * 0 (the tenant below).  Each household rents its community's unit (a
 * lease in force, its chain) and has moved in (a move-in checklist). */
static void
make_records(struct ctx *c)
{
	const char *now = "2026-01-05T08:00:00.000000Z";
	char a[24], b[24], d[24];

	ok(c->db, db_begin(c->db));
	for (int i = 0; i < 2; i++) {
		int64_t building;

		c->community[i] = insert(c->db,
					 "INSERT INTO community (name, created_at, updated_at)"
					 " VALUES (?, ?, ?) RETURNING id",
					 i == 0 ? "南苑公租房" : "肖桥公租房", now, now, NULL);
		building =
			insert(c->db,
			       "INSERT INTO building (community_id, name, floors, entrances,"
			       " created_at) VALUES (CAST(? AS BIGINT), '1', 6, 2, ?) RETURNING id",
			       num(a, c->community[i]), now, NULL);
		c->unit[i] =
			insert(c->db,
			       "INSERT INTO unit (community_id, building_id, entrance, floor,"
			       " number, floor_area, usable_area, status, status_since,"
			       " created_at, updated_at) VALUES (CAST(? AS BIGINT),"
			       " CAST(? AS BIGINT), 1, 3, '1-1-301', 4500, 3800, 'vacant', ?, ?,"
			       " ?) RETURNING id",
			       num(a, c->community[i]), num(b, building), now, now, now, NULL);
		c->household[i] = insert(c->db,
					 "INSERT INTO household (community_id, category, state,"
					 " created_at, updated_at) VALUES (CAST(? AS BIGINT),"
					 " 'low_income', 'active', ?, ?) RETURNING id",
					 num(a, c->community[i]), now, now, NULL);
	}
	c->asset = insert(c->db,
			  "INSERT INTO asset (community_id, location, unit_id, type, condition,"
			  " created_at, updated_at) VALUES (CAST(? AS BIGINT), 'unit',"
			  " CAST(? AS BIGINT), '热水器', 'good', ?, ?) RETURNING id",
			  num(a, c->community[0]), num(b, c->unit[0]), now, now, NULL);
	c->check =
		insert(c->db,
		       "INSERT INTO acceptance_check (unit_id, community_id, state, created_at,"
		       " updated_at) VALUES (CAST(? AS BIGINT), CAST(? AS BIGINT), 'draft', ?, ?)"
		       " RETURNING id",
		       num(a, c->unit[0]), num(b, c->community[0]), now, now, NULL);
	c->person = insert(c->db,
			   "INSERT INTO person (name, created_at) VALUES ('张三', ?) RETURNING id",
			   now, NULL);
	insert(c->db,
	       "INSERT INTO member (household_id, person_id, relationship, joined_at)"
	       " VALUES (CAST(? AS BIGINT), CAST(? AS BIGINT), 'head', ?) RETURNING id",
	       num(a, c->household[0]), num(d, c->person), now, NULL);
	for (int i = 0; i < 2; i++) {
		char h[24], u[24], m[24], p[24], ch[24], l[24];
		int64_t tenant = c->person;

		if (i == 1) {
			tenant = insert(c->db,
					"INSERT INTO person (name, created_at) VALUES ('李四', ?)"
					" RETURNING id",
					now, NULL);
			insert(c->db,
			       "INSERT INTO member (household_id, person_id, relationship,"
			       " joined_at) VALUES (CAST(? AS BIGINT), CAST(? AS BIGINT),"
			       " 'head', ?) RETURNING id",
			       num(a, c->household[1]), num(d, tenant), now, NULL);
		}
		num(h, c->household[i]);
		num(u, c->unit[i]);
		num(m, c->community[i]);
		num(p, tenant);
		num(ch, insert(c->db,
			       "INSERT INTO lease_chain (household_id, unit_id, community_id,"
			       " state, started_on, created_at) VALUES (CAST(? AS BIGINT),"
			       " CAST(? AS BIGINT), CAST(? AS BIGINT), 'open', '2026-01-01', ?)"
			       " RETURNING id",
			       h, u, m, now, NULL));
		c->lease[i] = insert(c->db,
				     "INSERT INTO lease (chain_id, seq, kind, household_id,"
				     " unit_id, community_id, tenant_person_id, community_name,"
				     " unit_number, state, starts_on, ends_on, monthly_rent_fen,"
				     " deposit_fen, contract_template, verify_token, created_by,"
				     " created_at, updated_at) VALUES (CAST(? AS BIGINT), 1,"
				     " 'new', CAST(? AS BIGINT), CAST(? AS BIGINT),"
				     " CAST(? AS BIGINT), CAST(? AS BIGINT), ?, '1-1-301',"
				     " 'in_force', '2026-01-01', '2028-12-31', 68250, 136500,"
				     " 'v1', ?, 'system', ?, ?) RETURNING id",
				     ch, h, u, m, p, i == 0 ? "南苑公租房" : "肖桥公租房",
				     i == 0 ? "5f0c6b1e9d2a4c7e8b3f1a6d0e9c2b71"
					    : "a2d94e7c1b6f3085c7e2d9a14f6b0c38",
				     now, now, NULL);
		num(l, c->lease[i]);
		c->handover[i] = insert(c->db,
					"INSERT INTO handover (lease_id, chain_id, household_id,"
					" unit_id, community_id, kind, state, created_by,"
					" created_at, updated_at) VALUES (CAST(? AS BIGINT),"
					" CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
					" CAST(? AS BIGINT), 'move_in', 'draft', 'system', ?, ?)"
					" RETURNING id",
					l, ch, h, u, m, now, now, NULL);
	}
	ok(c->db, db_commit(c->db));
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
		return -1;
	if (testdb_mkdtemp(c->dir, sizeof(c->dir), "anju-files") != 0)
		return -1;
	files_set_root(c->dir);
	config_reset();
	make_records(c);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	testdb_rmtree(c->dir);
	free(c);
	return 0;
}

/* Callers: operator staff of community 0, an inspector of community 0,
 * finance and the bureau over every community, the tenant of household 0,
 * an admin. */
struct callers {
	struct caller staff, inspector, finance, bureau, tenant, admin;
};

static void
make_callers(struct ctx *c, struct callers *k)
{
	struct anju_err e;

	k->staff = (struct caller){ CALLER_API_KEY, 1, ROLE_OPERATOR_STAFF, "staff", "apikey:1" };
	k->inspector = (struct caller){ CALLER_API_KEY, 2, ROLE_INSPECTOR, "insp", "apikey:2" };
	k->finance = (struct caller){ CALLER_API_KEY, 3, ROLE_FINANCE, "fin", "apikey:3", true };
	k->bureau = (struct caller){ CALLER_API_KEY, 4, ROLE_BUREAU, "bureau", "apikey:4", true };
	k->tenant = (struct caller){ CALLER_ACCOUNT, 5, ROLE_TENANT, "tenant", "account:5" };
	k->tenant.person_id = c->person;
	k->admin = (struct caller){ CALLER_API_KEY, 6, ROLE_ADMIN, "admin", "apikey:6", true };
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, "apikey:1", &c->community[0], 1, &e));
	ok(c->db, scope_set(c->db, "apikey:2", &c->community[0], 1, &e));
	ok(c->db, db_commit(c->db));
}

static int
count_files(const char *dir, int *dots)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[600];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.' && dots != NULL)
			(*dots)++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n += count_files(path, dots);
		else if (S_ISREG(st.st_mode))
			n++;
	}
	closedir(d);
	return n;
}

static char *
blob_path(struct ctx *c, const char *sha)
{
	char *p = xmalloc(600);

	snprintf(p, 600, "%s/files/%.2s/%.2s/%s", c->dir, sha, sha + 2, sha);
	return p;
}

static void
test_sniff(void **state)
{
	(void)state;
	assert_string_equal(files_sniff(JPEG, sizeof(JPEG)), "image/jpeg");
	assert_string_equal(files_sniff(PNG, sizeof(PNG)), "image/png");
	assert_string_equal(files_sniff(PDF, strlen(PDF)), "application/pdf");
	assert_null(files_sniff(GIF, sizeof(GIF) - 1));
	assert_null(files_sniff("hello, world", 12));
	/* Too short to carry the whole signature. */
	assert_null(files_sniff(JPEG, 2));
	assert_null(files_sniff(PNG, 7));
	assert_null(files_sniff("%PDF", 4));
	assert_null(files_sniff(NULL, 0));
	assert_string_equal(files_sniff("\xff\xd8\xff", 3), "image/jpeg");
	/* A PNG signature with one byte changed is not a PNG. */
	assert_null(files_sniff("\x89PNG\r\n\x1a\x0b", 8));
}

static void
test_store_once(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char sha1[65], sha2[65], sha3[65], files[400], *path;
	const char *mt = NULL;
	struct stat st1, st2;
	int dots = 0;

	snprintf(files, sizeof(files), "%s/files", c->dir);
	ok(c->db, db_begin(c->db));
	ok(c->db, files_store(c->db, JPEG, sizeof(JPEG), sha1, &mt, &e));
	assert_string_equal(mt, "image/jpeg");
	assert_int_equal(strlen(sha1), 64);
	/* SHA-256 of the bytes, lower-case hex. */
	for (int i = 0; i < 64; i++)
		assert_true((sha1[i] >= '0' && sha1[i] <= '9') ||
			    (sha1[i] >= 'a' && sha1[i] <= 'f'));
	path = blob_path(c, sha1);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_size, sizeof(JPEG));
	assert_int_equal(st1.st_mode & 0777, 0600);
	/* The same bytes again: the same file, untouched; one blob row. */
	ok(c->db, files_store(c->db, JPEG, sizeof(JPEG), sha2, &mt, &e));
	assert_string_equal(sha1, sha2);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	ok(c->db, files_store(c->db, PDF, strlen(PDF), sha3, &mt, &e));
	assert_string_equal(mt, "application/pdf");
	assert_string_not_equal(sha1, sha3);
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM blob"), 2);
	assert_int_equal(query_int(c->db, "SELECT size FROM blob WHERE media_type = 'image/jpeg'"),
			 sizeof(JPEG));
	assert_int_equal(count_files(files, &dots), 2);
	assert_int_equal(dots, 0); /* no temporary file left behind */

	/* A copy cut short (a crash of another writer, a bad disk) is replaced. */
	assert_int_equal(truncate(path, 5), 0);
	ok(c->db, db_begin(c->db));
	ok(c->db, files_store(c->db, JPEG, sizeof(JPEG), sha2, &mt, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_size, sizeof(JPEG));
	free(path);

	/* Refused before anything is written. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(files_store(c->db, "", 0, sha2, &mt, &e), ANJU_EUNPROCESSABLE);
	assert_string_equal(e.key, "empty_file");
	assert_int_equal(files_store(c->db, GIF, sizeof(GIF) - 1, sha2, &mt, &e), ANJU_EMEDIATYPE);
	assert_string_equal(e.key, "unsupported_media_type");
	assert_int_equal(files_store(c->db, "plain text, named .jpg", 22, sha2, &mt, &e),
			 ANJU_EMEDIATYPE);
	db_rollback(c->db);
	assert_int_equal(count_files(files, NULL), 2);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM blob"), 2);
}

/* What files_owner_check says, as a code. */
static int
decide(struct ctx *c, const struct caller *k, const char *type, int64_t id, bool write)
{
	struct anju_err e;

	anju_err_clear(&e);
	return files_owner_check(c->db, k, type, id, write, &e);
}

static void
test_registry(void **state)
{
	struct ctx *c = *state;
	const struct files_owner *lease = files_owner_find("lease");
	const struct files_owner *handover = files_owner_find("handover");
	struct callers k;
	struct anju_err e;

	make_callers(c, &k);
	assert_int_equal(files_owner_write_roles(),
			 ROLE_BIT(ROLE_BUREAU) | ROLE_BIT(ROLE_OPERATOR_MANAGER) |
				 ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_INSPECTOR));
	assert_non_null(files_owner_find("unit"));
	assert_non_null(files_owner_find("acceptance_check"));
	/* Leases (the signed scan, the contract) take a household's writers;
	 * handover checklists (photos on the spot) the operator's people. */
	assert_non_null(lease);
	assert_string_equal(lease->title, "租赁合同");
	assert_int_equal(lease->write_roles, files_owner_find("household")->write_roles);
	assert_non_null(handover);
	assert_string_equal(handover->title, "交接清单");
	assert_int_equal(handover->write_roles,
			 ROLE_BIT(ROLE_OPERATOR_MANAGER) | ROLE_BIT(ROLE_OPERATOR_STAFF));
	assert_null(files_owner_find("charge"));
	assert_null(files_owner_find(NULL));

	/* Operator staff: its community's records, read and write. */
	assert_int_equal(decide(c, &k.staff, "unit", c->unit[0], true), 0);
	assert_int_equal(decide(c, &k.staff, "asset", c->asset, true), 0);
	assert_int_equal(decide(c, &k.staff, "acceptance_check", c->check, true), 0);
	assert_int_equal(decide(c, &k.staff, "household", c->household[0], true), 0);
	/* ... and nothing of the other community: not found, read or write. */
	assert_int_equal(decide(c, &k.staff, "unit", c->unit[1], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "unit", c->unit[1], true), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "household", c->household[1], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "unit", 999999, false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "unit", 0, false), ANJU_ENOTFOUND);

	/* An inspector adds photos to the housing stock, not to households. */
	assert_int_equal(decide(c, &k.inspector, "unit", c->unit[0], true), 0);
	assert_int_equal(decide(c, &k.inspector, "asset", c->asset, true), 0);
	assert_int_equal(decide(c, &k.inspector, "household", c->household[0], true),
			 ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.inspector, "unit", c->unit[1], true), ANJU_ENOTFOUND);

	/* Finance reads everywhere, writes nowhere. */
	assert_int_equal(decide(c, &k.finance, "unit", c->unit[1], false), 0);
	assert_int_equal(decide(c, &k.finance, "household", c->household[1], false), 0);
	assert_int_equal(decide(c, &k.finance, "unit", c->unit[1], true), ANJU_EFORBIDDEN);
	anju_err_clear(&e);
	assert_int_equal(
		files_owner_check(c->db, &k.finance, "household", c->household[0], true, &e),
		ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "forbidden");

	/* The bureau: everything. */
	assert_int_equal(decide(c, &k.bureau, "household", c->household[1], true), 0);
	assert_int_equal(decide(c, &k.bureau, "acceptance_check", c->check, true), 0);

	/* A tenant: its own household, to read; nothing else exists for it. */
	assert_int_equal(decide(c, &k.tenant, "household", c->household[0], false), 0);
	assert_int_equal(decide(c, &k.tenant, "household", c->household[0], true), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.tenant, "household", c->household[1], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.tenant, "unit", c->unit[0], false), ANJU_ENOTFOUND);

	/* The three powers see no business records. */
	assert_int_equal(decide(c, &k.admin, "unit", c->unit[0], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.admin, "lease", c->lease[0], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.admin, "handover", c->handover[0], false), ANJU_ENOTFOUND);

	/* A lease (its signed scan, its contract PDF): the household's writers,
	 * in their scope; its tenant reads it. */
	assert_int_equal(decide(c, &k.staff, "lease", c->lease[0], true), 0);
	assert_int_equal(decide(c, &k.staff, "lease", c->lease[1], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "lease", c->lease[1], true), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "lease", 999999, false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.bureau, "lease", c->lease[1], true), 0);
	assert_int_equal(decide(c, &k.inspector, "lease", c->lease[0], false), 0);
	assert_int_equal(decide(c, &k.inspector, "lease", c->lease[0], true), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.finance, "lease", c->lease[1], false), 0);
	assert_int_equal(decide(c, &k.finance, "lease", c->lease[1], true), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.tenant, "lease", c->lease[0], false), 0);
	assert_int_equal(decide(c, &k.tenant, "lease", c->lease[0], true), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.tenant, "lease", c->lease[1], false), ANJU_ENOTFOUND);

	/* A handover checklist (photos taken on the spot): the operator's
	 * people write, in their scope; others with a scope read. */
	assert_int_equal(decide(c, &k.staff, "handover", c->handover[0], true), 0);
	assert_int_equal(decide(c, &k.staff, "handover", c->handover[1], false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "handover", c->handover[1], true), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.staff, "handover", 999999, false), ANJU_ENOTFOUND);
	assert_int_equal(decide(c, &k.bureau, "handover", c->handover[1], false), 0);
	assert_int_equal(decide(c, &k.bureau, "handover", c->handover[1], true), ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.inspector, "handover", c->handover[0], false), 0);
	assert_int_equal(decide(c, &k.inspector, "handover", c->handover[0], true),
			 ANJU_EFORBIDDEN);
	assert_int_equal(decide(c, &k.finance, "handover", c->handover[1], false), 0);
	assert_int_equal(decide(c, &k.finance, "handover", c->handover[1], true), ANJU_EFORBIDDEN);
	/* A tenant has no view of checklists, not even its own move-in's. */
	assert_int_equal(decide(c, &k.tenant, "handover", c->handover[0], false), ANJU_ENOTFOUND);

	/* An owner type nobody registered. */
	anju_err_clear(&e);
	assert_int_equal(files_owner_check(c->db, &k.bureau, "charge", 1, false, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "owner_type");
	assert_int_equal(decide(c, &k.bureau, NULL, 1, false), ANJU_EINVAL);
}

/* Adds an attachment in its own transaction: the code, *id set on success. */
static int
add(struct ctx *c, const struct caller *k, const char *type, int64_t owner, const void *p, size_t n,
    const char *filename, int64_t *id, struct anju_err *e)
{
	struct attachment_in in = { type, owner, "photo", filename, "客厅", p, n };
	int rc;

	anju_err_clear(e);
	ok(c->db, db_begin(c->db));
	rc = attachment_add(c->db, k, &in, &who, id, e);
	if (rc == 0)
		ok(c->db, db_commit(c->db));
	else
		db_rollback(c->db);
	return rc;
}

static json_t *
last_audit(struct ctx *c, const char *action)
{
	struct db_stmt *st;
	json_t *row = NULL;

	ok(c->db, db_prepare(c->db,
			     "SELECT object_type, object_id, after_json FROM audit_log"
			     " WHERE action = ? ORDER BY id DESC LIMIT 1",
			     &st));
	db_bind_cstr(st, 1, action);
	if (db_step(st) == DB_ROW)
		row = json_pack("{s:s, s:s, s:o}", "object_type", db_col_text(st, 0), "object_id",
				db_col_text(st, 1), "after",
				json_loads(db_col_text(st, 2), 0, NULL));
	db_reset(st);
	assert_non_null(row);
	return row;
}

static void
read_all(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_int_equal(read(fd, buf, 1), 0);
}

static void
test_attachments(void **state)
{
	struct ctx *c = *state;
	struct callers k;
	struct anju_err e;
	int64_t a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, size = 0;
	json_t *j = NULL, *au, *list = NULL;
	unsigned char got[sizeof(JPEG)];
	char files[400], oid[24];
	int fd = -1;

	make_callers(c, &k);
	snprintf(files, sizeof(files), "%s/files", c->dir);

	/* Staff add a photo to their unit; the name loses its folders. */
	ok(c->db,
	   add(c, &k.staff, "unit", c->unit[0], JPEG, sizeof(JPEG), "../../etc/客厅.jpg", &a1, &e));
	ok(c->db, attachment_get(c->db, &k.staff, a1, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "filename")), "客厅.jpg");
	assert_string_equal(json_string_value(json_object_get(j, "media_type")), "image/jpeg");
	assert_string_equal(json_string_value(json_object_get(j, "category")), "photo");
	assert_string_equal(json_string_value(json_object_get(j, "created_by")), "apikey:1");
	assert_string_equal(json_string_value(json_object_get(j, "owner_type")), "unit");
	assert_int_equal(json_integer_value(json_object_get(j, "size")), sizeof(JPEG));
	assert_null(json_object_get(j, "removed_at"));
	assert_null(json_object_get(j, "sha256")); /* access is never by hash */
	json_decref(j);
	au = last_audit(c, "attachment.add");
	assert_string_equal(json_string_value(json_object_get(au, "object_type")), "unit");
	assert_string_equal(json_string_value(json_object_get(au, "object_id")),
			    num(oid, c->unit[0]));
	j = json_object_get(au, "after");
	assert_int_equal(json_integer_value(json_object_get(j, "attachment_id")), a1);
	assert_string_equal(json_string_value(json_object_get(j, "category")), "photo");
	assert_string_equal(json_string_value(json_object_get(j, "filename")), "客厅.jpg");
	assert_int_equal(strlen(json_string_value(json_object_get(j, "sha256"))), 64);
	assert_int_equal(json_integer_value(json_object_get(j, "size")), sizeof(JPEG));
	json_decref(au);

	/* The bureau adds the same bytes to the other community's unit: two
	 * rows, one file. */
	ok(c->db, add(c, &k.bureau, "unit", c->unit[1], JPEG, sizeof(JPEG), NULL, &a2, &e));
	assert_true(a2 != a1);
	assert_int_equal(count_files(files, NULL), 1);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM attachment"), 2);
	ok(c->db, attachment_get(c->db, &k.bureau, a2, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "filename")), "附件.jpg");
	json_decref(j);
	/* The staff cannot reach it through the shared hash. */
	assert_int_equal(attachment_get(c->db, &k.staff, a2, &j, &e), ANJU_ENOTFOUND);
	assert_string_equal(e.key, "attachment_not_found");
	assert_int_equal(attachment_open(c->db, &k.staff, a2, &fd, &size, &j, &e), ANJU_ENOTFOUND);
	assert_int_equal(fd, -1);

	/* Open: the bytes, from a descriptor. */
	ok(c->db, attachment_open(c->db, &k.staff, a1, &fd, &size, &j, &e));
	assert_int_equal(size, sizeof(JPEG));
	read_all(fd, got, sizeof(got));
	assert_memory_equal(got, JPEG, sizeof(JPEG));
	close(fd);
	json_decref(j);

	/* Refusals write nothing. */
	assert_int_equal(add(c, &k.staff, "unit", c->unit[1], PNG, sizeof(PNG), NULL, &a3, &e),
			 ANJU_ENOTFOUND);
	assert_int_equal(add(c, &k.finance, "unit", c->unit[0], PNG, sizeof(PNG), NULL, &a3, &e),
			 ANJU_EFORBIDDEN);
	assert_int_equal(
		add(c, &k.tenant, "household", c->household[0], PNG, sizeof(PNG), NULL, &a3, &e),
		ANJU_EFORBIDDEN);
	assert_int_equal(add(c, &k.staff, "unit", c->unit[0], GIF, sizeof(GIF) - 1, NULL, &a3, &e),
			 ANJU_EMEDIATYPE);
	assert_int_equal(add(c, &k.staff, "unit", c->unit[0], "", 0, NULL, &a3, &e),
			 ANJU_EUNPROCESSABLE);
	assert_int_equal(
		add(c, &k.staff, "unit", c->unit[0], PNG, sizeof(PNG), "a\001b.png", &a3, &e),
		ANJU_EINVAL);
	assert_string_equal(e.field, "filename");
	{
		struct attachment_in in = { "unit", c->unit[0], "selfie",   NULL,
					    NULL,   PNG,        sizeof(PNG) };

		ok(c->db, db_begin(c->db));
		assert_int_equal(attachment_add(c->db, &k.staff, &in, &who, &a3, &e), ANJU_EINVAL);
		assert_string_equal(e.field, "category");
		db_rollback(c->db);
	}
	{
		static unsigned char big[2048];

		memcpy(big, PNG, sizeof(PNG));
		assert_int_equal(config_set("upload_max_bytes", "1024", "test", &e), 0);
		assert_int_equal(
			add(c, &k.staff, "unit", c->unit[0], big, sizeof(big), NULL, &a3, &e),
			ANJU_ETOOBIG);
		config_reset();
	}
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM attachment"), 2);
	assert_int_equal(count_files(files, NULL), 1);

	/* A household's papers, readable by its tenant. */
	ok(c->db, add(c, &k.staff, "household", c->household[0], PDF, strlen(PDF), "收入证明.pdf",
		      &a3, &e));
	ok(c->db, attachment_get(c->db, &k.tenant, a3, &j, &e));
	json_decref(j);
	assert_int_equal(attachment_get(c->db, &k.tenant, a1, &j, &e), ANJU_ENOTFOUND);

	/* A lease's signed contract, on the lease's timeline and readable by
	 * its tenant; a move-in photo, which the tenant does not see. */
	ok(c->db,
	   add(c, &k.staff, "lease", c->lease[0], PDF, strlen(PDF), "租赁合同.pdf", &a4, &e));
	au = last_audit(c, "attachment.add");
	assert_string_equal(json_string_value(json_object_get(au, "object_type")), "lease");
	assert_string_equal(json_string_value(json_object_get(au, "object_id")),
			    num(oid, c->lease[0]));
	json_decref(au);
	ok(c->db, attachment_get(c->db, &k.tenant, a4, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "owner_type")), "lease");
	json_decref(j);
	ok(c->db,
	   add(c, &k.staff, "handover", c->handover[0], JPEG, sizeof(JPEG), "厨房.jpg", &a5, &e));
	assert_int_equal(attachment_get(c->db, &k.tenant, a5, &j, &e), ANJU_ENOTFOUND);
	assert_int_equal(
		add(c, &k.staff, "handover", c->handover[1], JPEG, sizeof(JPEG), NULL, &a5, &e),
		ANJU_ENOTFOUND);
	assert_int_equal(
		add(c, &k.bureau, "handover", c->handover[1], JPEG, sizeof(JPEG), NULL, &a5, &e),
		ANJU_EFORBIDDEN);

	/* Remove: only who may write; the row stays, marked; the bytes stay. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(attachment_remove(c->db, &k.finance, a1, &who, NULL, &e), ANJU_EFORBIDDEN);
	assert_int_equal(attachment_remove(c->db, &k.staff, a2, &who, NULL, &e), ANJU_ENOTFOUND);
	ok(c->db, attachment_remove(c->db, &k.staff, a1, &who, &j, &e));
	ok(c->db, db_commit(c->db));
	assert_string_equal(json_string_value(json_object_get(j, "removed_by")), "apikey:1");
	assert_non_null(json_string_value(json_object_get(j, "removed_at")));
	json_decref(j);
	assert_int_equal(attachment_get(c->db, &k.staff, a1, &j, &e), ANJU_ENOTFOUND);
	assert_int_equal(attachment_open(c->db, &k.staff, a1, &fd, &size, &j, &e), ANJU_ENOTFOUND);
	ok(c->db, db_begin(c->db));
	assert_int_equal(attachment_remove(c->db, &k.staff, a1, &who, NULL, &e), ANJU_ENOTFOUND);
	db_rollback(c->db);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM attachment WHERE removed_at IS NOT"
					  " NULL"),
			 1);
	au = last_audit(c, "attachment.remove");
	assert_string_equal(json_string_value(json_object_get(au, "object_type")), "unit");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(au, "after"), "attachment_id")),
		a1);
	json_decref(au);
	/* The other row still reads its bytes. */
	ok(c->db, attachment_open(c->db, &k.bureau, a2, &fd, &size, &j, &e));
	read_all(fd, got, sizeof(got));
	close(fd);
	json_decref(j);

	/* Lists: the owner's rows, not removed ones. */
	ok(c->db, attachment_list(c->db, "unit", c->unit[0], &list, &e));
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	ok(c->db, attachment_list(c->db, "unit", c->unit[1], &list, &e));
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
}

static void
test_pages(void **state)
{
	struct ctx *c = *state;
	struct callers k;
	struct anju_err e;
	int64_t ids[5], next = 0;
	json_t *items = NULL;

	make_callers(c, &k);
	for (int i = 0; i < 5; i++) {
		unsigned char b[sizeof(PNG) + 1];

		/* Different bytes each time: five files. */
		memcpy(b, PNG, sizeof(PNG));
		b[sizeof(PNG)] = (unsigned char)i;
		ok(c->db,
		   add(c, &k.staff, "asset", c->asset, b, sizeof(b), "铭牌.png", &ids[i], &e));
	}
	ok(c->db, attachment_page(c->db, "asset", c->asset, 0, 2, &items, &next, &e));
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
			 ids[0]);
	assert_int_equal(next, ids[1]);
	json_decref(items);
	ok(c->db, attachment_page(c->db, "asset", c->asset, next, 2, &items, &next, &e));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
			 ids[2]);
	json_decref(items);
	ok(c->db, attachment_page(c->db, "asset", c->asset, next, 2, &items, &next, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, 0);
	json_decref(items);
	/* Another owner type with the same id has none of them. */
	ok(c->db, attachment_page(c->db, "unit", c->asset, 0, 50, &items, &next, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	ok(c->db, attachment_list(c->db, "asset", c->asset, &items, &e));
	assert_int_equal(json_array_size(items), 5);
	json_decref(items);
}

static void
test_categories(void **state)
{
	(void)state;
	assert_string_equal(attachment_category_title("id_card"), "身份证");
	assert_string_equal(attachment_category_title("hukou_book"), "户口簿");
	assert_string_equal(attachment_category_title("income_proof"), "收入证明");
	assert_string_equal(attachment_category_title("contract"), "合同");
	assert_string_equal(attachment_category_title("photo"), "照片");
	assert_string_equal(attachment_category_title("other"), "其他");
	assert_null(attachment_category_title("selfie"));
	assert_null(attachment_category_title(NULL));
	for (const char *const *p = attachment_categories; *p; p++)
		assert_non_null(attachment_category_title(*p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_categories),
		cmocka_unit_test_setup_teardown(test_store_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
