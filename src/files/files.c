/*
 * Files: content-addressed bytes and the attachment rows that name them.
 * See files.h.
 */
#include "files/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/role.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/date.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/page.h"

/* DATA/files, set once at start-up (files_set_root). */
static char *files_root;

#define FILENAME_MAX_BYTES 600 /* 200 characters of Chinese */
#define NOTE_MAX_BYTES     1500

#define ATTACHMENT_COLS                                                                            \
	"id, owner_type, owner_id, category, filename, size, media_type, note, created_by,"        \
	" created_at, removed_at, removed_by, sha256"

static const struct {
	const char *name, *title;
} categories[] = {
	{ "id_card", "身份证" }, { "hukou_book", "户口簿" }, { "income_proof", "收入证明" },
	{ "contract", "合同" },  { "photo", "照片" },        { "other", "其他" },
};

const char *const attachment_categories[] = {
	"id_card", "hukou_book", "income_proof", "contract", "photo", "other", NULL,
};

const char *
attachment_category_title(const char *category)
{
	for (size_t i = 0; category != NULL && i < sizeof(categories) / sizeof(categories[0]); i++)
		if (strcmp(categories[i].name, category) == 0)
			return categories[i].title;
	return NULL;
}

void
files_set_root(const char *data_dir)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s/files", data_dir);
	free(files_root);
	files_root = buf_take(&b, NULL);
	/* Data directories made by anju init have it; an older copy may not. */
	if (mkdir(files_root, 0700) != 0 && errno != EEXIST)
		log_warn("files: cannot create %s: %s", files_root, strerror(errno));
}

const char *
files_sniff(const void *p, size_t n)
{
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff };
	static const unsigned char png[] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a };

	if (p == NULL)
		return NULL;
	if (n >= sizeof(jpeg) && memcmp(p, jpeg, sizeof(jpeg)) == 0)
		return "image/jpeg";
	if (n >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0)
		return "image/png";
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

static const char *
extension(const char *media_type)
{
	if (strcmp(media_type, "image/jpeg") == 0)
		return ".jpg";
	if (strcmp(media_type, "image/png") == 0)
		return ".png";
	return ".pdf";
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	/* Only a lack of memory fails here, which is fatal everywhere (mem.h). */
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, p, n) != 1 || EVP_DigestFinal_ex(md, d, &len) != 1)
		abort();
	EVP_MD_CTX_free(md);
	hex_encode(d, 32, out);
}

static int
io_fail(struct anju_err *e, const char *what, const char *path)
{
	int err = errno;

	log_error("files: %s %s: %s", what, path, strerror(err));
	return anju_fail(e, ANJU_EIO, "io_error", NULL, "文件存储失败：%s", strerror(err));
}

/* Makes folder path unless it exists; a new folder's entry is made durable
 * in its parent. */
static int
make_folder(const char *path, const char *parent, struct anju_err *e)
{
	int fd;

	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? 0 : io_fail(e, "mkdir", path);
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		return io_fail(e, "fsync", parent);
	}
	close(fd);
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
path_printf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 0);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_take(&b, NULL);
}

/* Writes files/ab/cd/<sha> unless a complete copy is there: a temporary
 * file beside the others (a dot name: never content, never backed up),
 * fsync, rename, fsync the folder.  A concurrent writer of the same bytes
 * renames an identical file over it, which changes nothing. */
static int
write_blob(const void *p, size_t n, const char *sha, struct anju_err *e)
{
	char *top = path_printf("%s/%.2s", files_root, sha);
	char *dir = path_printf("%s/%.2s/%.2s", files_root, sha, sha + 2);
	char *final = path_printf("%s/%s", dir, sha);
	char *tmp = NULL;
	unsigned char rnd[8];
	char rhex[17];
	struct stat st;
	int fd = -1, rc;

	if (lstat(final, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == n) {
		rc = 0;
		goto out;
	}
	if ((rc = make_folder(top, files_root, e)) != 0 || (rc = make_folder(dir, top, e)) != 0)
		goto out;
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), rhex);
	tmp = path_printf("%s/.tmp-%s", files_root, rhex);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = io_fail(e, "create", tmp);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write_all(fd, p, n) != 0) {
		rc = io_fail(e, "write", tmp);
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = io_fail(e, "fsync", tmp);
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, final) != 0) {
		rc = io_fail(e, "rename", final);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = io_fail(e, "fsync", dir);
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(final);
	free(dir);
	free(top);
	return rc;
}

int
files_store(struct db *db, const void *p, size_t n, char sha256[65], const char **media_type,
	    struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	const char *mt;
	int rc;

	if (n == 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "empty_file", NULL, "文件为空");
	if ((mt = files_sniff(p, n)) == NULL)
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "只接受 JPEG、PNG 图片和 PDF 文件");
	if (files_root == NULL)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "files: no data directory set");
	sha256_hex(p, n, sha256);
	if ((rc = write_blob(p, n, sha256, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(
		db,
		"INSERT INTO blob (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (sha256) DO NOTHING",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, sha256);
	db_bind_int64(st, 2, (int64_t)n);
	db_bind_cstr(st, 3, mt);
	db_bind_cstr(st, 4, now);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	*media_type = mt;
	return 0;
}

/* An attachment row: its JSON, and what access and the audit need. */
struct row {
	json_t *json;
	char owner_type[64];
	int64_t owner_id;
	int64_t size;
	char sha256[65];
};

static json_t *
row_json(struct db_stmt *st)
{
	json_t *j = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "owner_type", db_col_text(st, 1),
			      "owner_id", (json_int_t)db_col_int64(st, 2), "category",
			      db_col_text(st, 3), "filename", db_col_text(st, 4), "size",
			      (json_int_t)db_col_int64(st, 5), "media_type", db_col_text(st, 6),
			      "note", db_col_text(st, 7), "created_by", db_col_text(st, 8),
			      "created_at", db_col_text(st, 9));

	if (j != NULL && !db_col_null(st, 10)) {
		json_object_set_new(j, "removed_at", json_string(db_col_text(st, 10)));
		json_object_set_new(j, "removed_by", json_string(db_col_text(st, 11)));
	}
	return j;
}

static json_t *
page_item(struct db_stmt *st, void *ud)
{
	(void)ud;
	return row_json(st);
}

static int
not_found(struct anju_err *e)
{
	return anju_fail(e, ANJU_ENOTFOUND, "attachment_not_found", NULL, "没有这个附件");
}

/* Loads attachment id (not removed) and decides c's access through its
 * owner.  An owner c cannot see makes the attachment not found, whatever
 * else shares its bytes. */
static int
load(struct db *db, const struct caller *c, int64_t id, bool write, struct row *r,
     struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = db_prepare(db,
			"SELECT " ATTACHMENT_COLS
			" FROM attachment WHERE id = ? AND removed_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		r->json = row_json(st);
		snprintf(r->owner_type, sizeof(r->owner_type), "%s", db_col_text(st, 1));
		r->owner_id = db_col_int64(st, 2);
		r->size = db_col_int64(st, 5);
		snprintf(r->sha256, sizeof(r->sha256), "%s", db_col_text(st, 12));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_DONE || r->json == NULL)
		return not_found(e);
	rc = files_owner_check(db, c, r->owner_type, r->owner_id, write, e);
	if (rc == ANJU_ENOTFOUND || rc == ANJU_EINVAL)
		rc = not_found(e);
	if (rc != 0) {
		json_decref(r->json);
		r->json = NULL;
	}
	return rc;
}

static int
audit_attachment(struct db *db, const struct audit_actor *who, const char *action,
		 const char *owner_type, int64_t owner_id, int64_t id, const char *category,
		 const char *filename, const char *sha256, int64_t size, struct anju_err *e)
{
	char oid[24];
	json_t *after;
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)owner_id);
	after = json_pack("{s:I, s:s, s:s, s:s, s:I}", "attachment_id", (json_int_t)id, "category",
			  category, "filename", filename, "sha256", sha256, "size",
			  (json_int_t)size);
	rc = audit_write(db, who, action, owner_type, oid, NULL, after, e);
	json_decref(after);
	return rc;
}

/* The name to keep: the last part of a path the client may have sent,
 * trimmed; NULL with e for one that cannot be kept; "" for none. */
static char *
clean_filename(const char *name, struct anju_err *e)
{
	struct str s;
	const char *slash;
	json_t *check;

	if (name == NULL)
		return xstrdup("");
	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	slash = strrchr(name, '\\');
	if (slash != NULL)
		name = slash + 1;
	s = str_trim(str_c(name));
	if (s.n > FILENAME_MAX_BYTES) {
		anju_fail(e, ANJU_EINVAL, "invalid_length", "filename", "文件名过长");
		return NULL;
	}
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f) {
			anju_fail(e, ANJU_EINVAL, "invalid_value", "filename",
				  "文件名含有控制字符");
			return NULL;
		}
	check = json_stringn(s.p, s.n);
	if (check == NULL) {
		anju_fail(e, ANJU_EINVAL, "invalid_utf8", "filename", "文件名不是有效的 UTF-8");
		return NULL;
	}
	json_decref(check);
	if (str_eq_c(s, ".") || str_eq_c(s, ".."))
		return xstrdup("");
	return xstrndup(s.p, s.n);
}

int
attachment_add(struct db *db, const struct caller *c, const struct attachment_in *in,
	       const struct audit_actor *who, int64_t *id, struct anju_err *e)
{
	const char *note = in->note ? in->note : "", *media_type = NULL;
	char sha[65], now[TIME_FMT_LEN];
	char *filename = NULL;
	struct db_stmt *st;
	json_t *check;
	int rc;

	if (attachment_category_title(in->category) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "category", "附件类别不正确");
	check = json_string(note);
	if (check == NULL || strlen(note) > NOTE_MAX_BYTES) {
		json_decref(check);
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "note", "备注过长或不是有效文本");
	}
	json_decref(check);
	if ((filename = clean_filename(in->filename, e)) == NULL)
		return ANJU_EINVAL;
	if ((rc = files_owner_check(db, c, in->owner_type, in->owner_id, true, e)) != 0)
		goto out;
	if (in->size > (uint64_t)config_int("upload_max_bytes")) {
		rc = anju_fail(e, ANJU_ETOOBIG, "file_too_large", NULL, "文件超过 %lld 字节的上限",
			       (long long)config_int("upload_max_bytes"));
		goto out;
	}
	if ((rc = files_store(db, in->data, in->size, sha, &media_type, e)) != 0)
		goto out;
	if (filename[0] == '\0') {
		free(filename);
		filename = path_printf("附件%s", extension(media_type));
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO attachment (owner_type, owner_id, category, filename, sha256,"
			" size, media_type, note, created_by, created_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, in->owner_type);
	db_bind_int64(st, 2, in->owner_id);
	db_bind_cstr(st, 3, in->category);
	db_bind_cstr(st, 4, filename);
	db_bind_cstr(st, 5, sha);
	db_bind_int64(st, 6, (int64_t)in->size);
	db_bind_cstr(st, 7, media_type);
	db_bind_cstr(st, 8, note);
	db_bind_cstr(st, 9, c->principal);
	db_bind_cstr(st, 10, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	rc = audit_attachment(db, who, "attachment.add", in->owner_type, in->owner_id, *id,
			      in->category, filename, sha, (int64_t)in->size, e);
out:
	free(filename);
	return rc;
}

int
attachment_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	struct row r;
	int rc;

	if ((rc = load(db, c, id, false, &r, e)) != 0)
		return rc;
	*out = r.json;
	return 0;
}

int
attachment_remove(struct db *db, const struct caller *c, int64_t id, const struct audit_actor *who,
		  json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	struct row r;
	char now[TIME_FMT_LEN];
	int64_t changed = 0;
	int rc;

	if ((rc = load(db, c, id, true, &r, e)) != 0)
		return rc;
	if (files_owner_find(r.owner_type) != NULL && files_owner_find(r.owner_type)->append_only) {
		rc = anju_fail(e, ANJU_ECONFLICT, "append_only", NULL,
			       "%s的附件是证据，一经添加不能删除",
			       files_owner_find(r.owner_type)->title);
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE attachment SET removed_at = ?, removed_by = ?"
			" WHERE id = ? AND removed_at IS NULL",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, c->principal);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if (changed == 0) {
		rc = not_found(e);
		goto out;
	}
	rc = audit_attachment(db, who, "attachment.remove", r.owner_type, r.owner_id, id,
			      json_string_value(json_object_get(r.json, "category")),
			      json_string_value(json_object_get(r.json, "filename")), r.sha256,
			      r.size, e);
	if (rc != 0)
		goto out;
	json_object_set_new(r.json, "removed_at", json_string(now));
	json_object_set_new(r.json, "removed_by", json_string(c->principal));
	if (out != NULL) {
		*out = r.json;
		r.json = NULL;
	}
out:
	json_decref(r.json);
	return rc;
}

int
attachment_open(struct db *db, const struct caller *c, int64_t id, int *fd, int64_t *size,
		json_t **meta, struct anju_err *e)
{
	struct row r;
	struct stat st;
	char *path;
	int f, rc;

	if ((rc = load(db, c, id, false, &r, e)) != 0)
		return rc;
	if (files_root == NULL) {
		json_decref(r.json);
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "files: no data directory set");
	}
	path = path_printf("%s/%.2s/%.2s/%s", files_root, r.sha256, r.sha256 + 2, r.sha256);
	f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f >= 0 && (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != r.size)) {
		/* A row whose bytes are gone or cut: an operator must look. */
		close(f);
		f = -1;
		errno = EIO;
	}
	if (f < 0) {
		rc = io_fail(e, "open", path);
		json_decref(r.json);
		free(path);
		return rc;
	}
	free(path);
	*fd = f;
	*size = r.size;
	*meta = r.json;
	return 0;
}

int
attachment_list(struct db *db, const char *owner_type, int64_t owner_id, json_t **out,
		struct anju_err *e)
{
	struct db_stmt *st;
	json_t *items;
	int rc;

	rc = db_prepare(db,
			"SELECT " ATTACHMENT_COLS " FROM attachment WHERE owner_type = ?"
			" AND owner_id = ? AND removed_at IS NULL ORDER BY id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, owner_type);
	db_bind_int64(st, 2, owner_id);
	items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st));
	db_reset(st);
	if (rc < 0) {
		json_decref(items);
		return db_fail(db, rc, e);
	}
	*out = items;
	return 0;
}

int
attachment_page(struct db *db, const char *owner_type, int64_t owner_id, int64_t after_id,
		int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
			"SELECT " ATTACHMENT_COLS " FROM attachment WHERE owner_type = ?"
			" AND owner_id = ? AND removed_at IS NULL AND id > ? ORDER BY id LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, owner_type);
	db_bind_int64(st, 2, owner_id);
	db_bind_int64(st, 3, after_id);
	db_bind_int64(st, 4, limit + 1);
	if ((rc = page_collect(st, limit, page_item, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}
