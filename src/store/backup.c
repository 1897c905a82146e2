/*
 * Online backup and restore (backup.h): the archive and both directions.
 *
 * A table is written to db/<table>.jsonl as a header line
 *   {"columns":["id","kind",...],"types":["int","text",...]}
 * and then one JSON array per row, in primary key order.  A column's type
 * comes from the schema (db_table_describe), never from the values: PostgreSQL
 * hands every value over as text, and SQLite lets one row of a column differ
 * from the next.  An integer column is written as JSON integers and restored
 * as int64; every other value is written as its text and restored as text,
 * which each engine turns into the column's type; NULL is null.  The file is
 * therefore the same whichever engine wrote it, and a SQLite pilot restores
 * onto PostgreSQL.
 *
 * db_pg.c fetches a whole result before it returns the first row, so a table
 * is read in pages of PAGE_ROWS by its primary key (each page starts after the
 * last key of the one before), which bounds memory on both engines whatever
 * the table's size.  The rows go to an unlinked temporary file beside the
 * output first, because a tar header needs the size before the data and the
 * manifest needs the SHA-256.
 *
 * files/ is added after the tables, outside the snapshot: files are stored
 * once under their content hash and never changed, so every row of the
 * snapshot finds its file, and a file newer than the snapshot is a harmless
 * extra.  manifest.json comes last, so an archive cut short has none and is
 * refused.
 *
 * Restoring reads the archive three times from one open descriptor: first
 * to verify everything (names, checksums, row counts, the manifest, that no
 * existing file would be replaced) while writing nothing; then to insert the
 * rows in one transaction; then to extract the files.  Our foreign keys are
 * not DEFERRABLE, so PostgreSQL checks each one at its INSERT: tables are
 * inserted so that every table comes after the tables it references (from
 * the target's own foreign keys), which works on both engines.  A table that
 * references itself relies on its primary key order (parents first).
 *
 * Progress: a backup counts rows and files; a restore counts bytes of the
 * archive's entries, once for verifying and once for writing.
 */
#include "store/backup.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/migrate.h"

#define FORMAT_NAME    "anju-backup-1"
#define MANIFEST_NAME  "manifest.json"
#define MANIFEST_MAX   (1 << 20)  /* bytes of manifest.json */
#define JSON_LINE_MAX  (16 << 20) /* bytes of one row's line */
#define PAGE_ROWS      1000       /* rows per keyset page */
#define BATCH_ROWS     100        /* rows per INSERT */
#define BATCH_PARAMS   30000      /* under SQLite's 32766 and PostgreSQL's 65535 */
#define BATCH_BYTES    (4 << 20)  /* JSON bytes held for one INSERT */
#define TABLES_MAX     4096
#define COLUMNS_MAX    1600 /* PostgreSQL's own limit */
#define DEPTH_MAX      32   /* folders under files/ */
#define NAME_PART_MAX  255  /* bytes of one path component */
#define PATH_MAX_BYTES 4096 /* bytes of an entry name */
#define BLOCK          (64 << 10)
#define PROGRESS_ROWS  1000
#define PROGRESS_BYTES (1 << 20)
#define SKIP_TABLE     "schema_migrations" /* the target has its own */

/*
 * Shared by both directions.
 */

/* Only after db_identifier_ok(). */
static void
add_ident(struct buf *b, const char *name)
{
	buf_addc(b, '"');
	buf_adds(b, name);
	buf_addc(b, '"');
}

/* One component of a path under files/.  Printable ASCII keeps names the
 * same in every locale and tar dialect (stored files are named by their
 * hash); a leading dot marks a writer's temporary file, never content. */
static bool
name_part_ok(const char *p, size_t n)
{
	if (n == 0 || n > NAME_PART_MAX || p[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '/' || p[i] == '\\')
			return false;
	}
	return true;
}

static bool
rel_path_ok(const char *p, size_t n)
{
	size_t start = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (!name_part_ok(p + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

static EVP_MD_CTX *
sha_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	/* Only a lack of memory fails here, which is fatal everywhere (mem.h). */
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		abort();
	return md;
}

/* Finishes md into 64 hex digits and frees it. */
static void
sha_done(EVP_MD_CTX *md, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(md, d, &n);
	hex_encode(d, 32, out);
	EVP_MD_CTX_free(md);
}

/* files_sha256 of the manifest covers each regular file under files/ in
 * archive order: its name, its size and then its bytes, so that a file
 * dropped, renamed or cut short is found as surely as a changed one. */
static void
files_hash_head(EVP_MD_CTX *md, const char *rel, int64_t size)
{
	char num[24];

	EVP_DigestUpdate(md, rel, strlen(rel) + 1);
	snprintf(num, sizeof(num), "%" PRId64, size);
	EVP_DigestUpdate(md, num, strlen(num) + 1);
}

static void
report(backup_progress_fn fn, void *ud, int64_t done, int64_t total, const char *note)
{
	if (fn != NULL)
		fn(ud, done, total, note);
}

/* A name from an archive, safe to print: what is not printable ASCII shows
 * as '?'. */
static void
printable(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < n; i++)
		out[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	out[i] = '\0';
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads up to n bytes, fewer only at the end of the file; -1 on error. */
static ssize_t
read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The folder part of path ("." when none), to be freed. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* Best effort: some file systems refuse fsync on a folder. */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Writing a backup.
 */

struct bk_table {
	const char *name;
	struct db_table_desc desc;
	int64_t count; /* COUNT(*) in the snapshot */
	int64_t rows;  /* rows written */
	char sha[65];
};

struct bk {
	struct db *db;
	struct arena *a;
	struct archive *ar;
	backup_progress_fn progress;
	void *ud;
	struct anju_err *e;
	const char *tmpdir; /* where table files are staged: the output's folder */
	int64_t done, total;
	int64_t nfiles, files_bytes;
	EVP_MD_CTX *files_md;
	char *blk; /* BLOCK bytes */
	struct buf note;
};

static int
bk_io(struct bk *b, const char *what)
{
	return anju_fail(b->e, ANJU_EIO, "backup_io", NULL, "写备份失败（%s）：%s", what,
			 strerror(errno));
}

static int
bk_db(struct bk *b, const char *what)
{
	return anju_fail(b->e, ANJU_EDB, "backup_db", NULL, "读数据库失败（%s）：%s", what,
			 db_errmsg(b->db));
}

static int
bk_ar(struct bk *b)
{
	const char *msg = archive_error_string(b->ar);

	return anju_fail(b->e, ANJU_EIO, "backup_io", NULL, "写备份失败：%s",
			 msg ? msg : "libarchive");
}

static void
bk_report(struct bk *b, const char *note)
{
	report(b->progress, b->ud, b->done, b->total, note);
}

static int
bk_data(struct bk *b, const void *p, size_t n)
{
	la_ssize_t w = archive_write_data(b->ar, p, n);

	if (w < 0 || (size_t)w != n)
		return bk_ar(b);
	return 0;
}

static int
bk_header(struct bk *b, const char *name, mode_t type, int64_t size, time_t mtime)
{
	struct archive_entry *ent = archive_entry_new();
	int rc = 0;

	if (ent == NULL)
		abort();
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, type == AE_IFDIR ? 0700 : 0600);
	archive_entry_set_size(ent, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(ent, mtime, 0);
	if (archive_write_header(b->ar, ent) != ARCHIVE_OK)
		rc = bk_ar(b);
	archive_entry_free(ent);
	return rc;
}

static int
bk_memory(struct bk *b, const char *name, const char *p, size_t n)
{
	int rc = bk_header(b, name, AE_IFREG, (int64_t)n, time(NULL));

	return rc != 0 ? rc : bk_data(b, p, n);
}

/* An unlinked temporary file beside the output: nothing is left behind by
 * a crash, and it lives on the file system that has room for the backup. */
static int
stage_open(struct bk *b, FILE **out)
{
	struct buf path;
	int fd, rc = 0;

	*out = NULL;
	buf_init(&path, 0);
	buf_printf(&path, "%s/.anju-backup-XXXXXX", b->tmpdir);
	fd = mkostemp(path.p, O_CLOEXEC);
	if (fd < 0) {
		rc = bk_io(b, "临时文件");
		goto out;
	}
	unlink(path.p);
	*out = fdopen(fd, "w+");
	if (*out == NULL) {
		rc = bk_io(b, "临时文件");
		close(fd);
	}
out:
	buf_free(&path);
	return rc;
}

/* Copies the staged file f (size bytes) into the archive as name. */
static int
stage_add(struct bk *b, const char *name, FILE *f, int64_t size)
{
	int64_t copied = 0;
	size_t n;
	int rc;

	rc = bk_header(b, name, AE_IFREG, size, time(NULL));
	if (rc != 0)
		return rc;
	if (fseeko(f, 0, SEEK_SET) != 0)
		return bk_io(b, "临时文件");
	while ((n = fread(b->blk, 1, BLOCK, f)) > 0) {
		rc = bk_data(b, b->blk, n);
		if (rc != 0)
			return rc;
		copied += (int64_t)n;
	}
	if (ferror(f))
		return bk_io(b, "临时文件");
	if (copied != size)
		return anju_fail(b->e, ANJU_EIO, "backup_io", NULL,
				 "写备份失败：临时文件应有 %" PRId64 " 字节，读到 %" PRId64, size,
				 copied);
	return 0;
}

static int
count_rows(struct bk *b, struct bk_table *t)
{
	struct db_stmt *st = NULL;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT COUNT(*) FROM ");
	add_ident(&sql, t->name);
	rc = db_prepare(b->db, sql.p, &st);
	if (rc == 0)
		rc = db_step(st);
	if (rc != DB_ROW) {
		rc = bk_db(b, t->name);
		goto out;
	}
	t->count = db_col_int64(st, 0);
	rc = 0;
out:
	db_reset(st);
	buf_free(&sql);
	return rc;
}

/* The JSON line of the current row of st, to be freed. */
static int
row_line(struct bk *b, const struct bk_table *t, struct db_stmt *st, char **out)
{
	json_t *row = json_array(), *v;
	int rc = 0;

	*out = NULL;
	for (size_t c = 0; c < t->desc.ncol; c++) {
		const struct db_column *col = &t->desc.cols[c];
		const char *text;
		int64_t n;

		if (db_col_null(st, (int)c)) {
			v = json_null();
		} else if (col->integer) {
			/* Read as text on both engines, so that a value SQLite kept
			 * as text in an integer column is refused, not read as 0. */
			text = db_col_text(st, (int)c);
			if (str_to_int64((struct str){ text, db_col_len(st, (int)c) }, INT64_MIN,
					 INT64_MAX, &n) != 0) {
				rc = anju_fail(b->e, ANJU_EDB, "backup_bad_value", NULL,
					       "表 %s 的整数列 %s 有非整数的值", t->name,
					       col->name);
				goto out;
			}
			v = json_integer(n);
		} else {
			v = json_stringn(db_col_text(st, (int)c), db_col_len(st, (int)c));
			if (v == NULL) {
				rc = anju_fail(b->e, ANJU_EDB, "backup_bad_value", NULL,
					       "表 %s 的列 %s 有不是 UTF-8 的文本", t->name,
					       col->name);
				goto out;
			}
		}
		json_array_append_new(row, v);
	}
	*out = json_dumps(row, JSON_COMPACT);
	if (*out == NULL)
		abort();
	/* A restore refuses longer lines, so a backup must not make them. */
	if (strlen(*out) >= JSON_LINE_MAX) {
		rc = anju_fail(b->e, ANJU_ETOOBIG, "backup_row_too_large", NULL,
			       "表 %s 有一行超过 %d 字节", t->name, JSON_LINE_MAX);
		goto out;
	}
out:
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	json_decref(row);
	return rc;
}

static int
stage_line(struct bk *b, FILE *f, EVP_MD_CTX *md, const char *line)
{
	size_t n = strlen(line);

	EVP_DigestUpdate(md, line, n);
	EVP_DigestUpdate(md, "\n", 1);
	if (fwrite(line, 1, n, f) != n || fputc('\n', f) == EOF)
		return bk_io(b, "临时文件");
	return 0;
}

/* The header line: the columns and whether each is an integer. */
static char *
header_line(const struct bk_table *t)
{
	json_t *h = json_object(), *cols = json_array(), *types = json_array();
	char *s;

	for (size_t c = 0; c < t->desc.ncol; c++) {
		json_array_append_new(cols, json_string(t->desc.cols[c].name));
		json_array_append_new(types, json_string(t->desc.cols[c].integer ? "int" : "text"));
	}
	json_object_set_new(h, "columns", cols);
	json_object_set_new(h, "types", types);
	s = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	if (s == NULL)
		abort();
	return s;
}

/*
 * The two statements that read a table a page at a time: the first page,
 * and the page after a given key.  A table without a primary key is read
 * by OFFSET instead, ordered by every column; inside the snapshot that is
 * stable, only slower.
 */
static void
page_sql(const struct bk_table *t, const int *kcol, size_t nkey, struct buf *first,
	 struct buf *next)
{
	struct buf cols, order;

	buf_init(&cols, 0);
	buf_init(&order, 0);
	for (size_t c = 0; c < t->desc.ncol; c++) {
		if (c > 0)
			buf_adds(&cols, ", ");
		add_ident(&cols, t->desc.cols[c].name);
	}
	if (nkey == 0) {
		buf_add(&order, cols.p, cols.n);
	} else {
		for (size_t k = 0; k < nkey; k++) {
			if (k > 0)
				buf_adds(&order, ", ");
			add_ident(&order, t->desc.cols[kcol[k]].name);
		}
	}
	buf_printf(first, "SELECT %s FROM ", cols.p);
	add_ident(first, t->name);
	buf_printf(first, " ORDER BY %s LIMIT ?%s", order.p, nkey == 0 ? " OFFSET ?" : "");
	if (nkey > 0) {
		/* A row value: both engines compare it key by key, in index order. */
		buf_printf(next, "SELECT %s FROM ", cols.p);
		add_ident(next, t->name);
		buf_printf(next, " WHERE (%s) > (", order.p);
		for (size_t k = 0; k < nkey; k++)
			buf_adds(next, k > 0 ? ", ?" : "?");
		buf_printf(next, ") ORDER BY %s LIMIT ?", order.p);
	}
	buf_free(&cols);
	buf_free(&order);
}

/* Writes table t to db/<t>.jsonl: staged, hashed, counted, then archived. */
static int
dump_table(struct bk *b, struct bk_table *t)
{
	struct db_stmt *st = NULL;
	struct buf first, next, name, *keys = NULL;
	EVP_MD_CTX *md = NULL;
	FILE *f = NULL;
	char *line = NULL;
	int *kcol = NULL;
	size_t nkey = 0, ncol = t->desc.ncol;
	int64_t offset = 0, got, size;
	int rc;

	buf_init(&first, 0);
	buf_init(&next, 0);
	buf_init(&name, 0);
	kcol = xcalloc(ncol, sizeof(*kcol));
	keys = xcalloc(ncol, sizeof(*keys));
	for (size_t c = 0; c < ncol; c++) {
		buf_init(&keys[c], 0);
		if (!db_identifier_ok(t->desc.cols[c].name)) {
			rc = anju_fail(b->e, ANJU_EDB, "backup_bad_column", NULL,
				       "表 %s 有名称不受支持的列", t->name);
			goto out;
		}
	}
	/* The primary key's columns in key order; positions run 1..nkey. */
	for (int pos = 1;; pos++) {
		size_t c;

		for (c = 0; c < ncol && t->desc.cols[c].pk != pos; c++)
			;
		if (c == ncol)
			break;
		kcol[nkey++] = (int)c;
	}
	page_sql(t, kcol, nkey, &first, &next);
	buf_printf(&b->note, "导出 %s", t->name);

	rc = stage_open(b, &f);
	if (rc != 0)
		goto out;
	md = sha_new();
	line = header_line(t);
	rc = stage_line(b, f, md, line);
	free(line);
	line = NULL;
	if (rc != 0)
		goto out;
	for (bool more = true; more;) {
		int p = 1;

		rc = db_prepare(b->db, offset == 0 || nkey == 0 ? first.p : next.p, &st);
		if (rc != 0) {
			rc = bk_db(b, t->name);
			goto out;
		}
		for (size_t k = 0; offset > 0 && k < nkey; k++) {
			const struct db_column *col = &t->desc.cols[kcol[k]];
			const char *v = keys[k].p ? keys[k].p : "";
			int64_t n = 0;

			if (col->integer) {
				str_to_int64((struct str){ v, keys[k].n }, INT64_MIN, INT64_MAX,
					     &n);
				db_bind_int64(st, p++, n);
			} else {
				db_bind_text(st, p++, v, keys[k].n);
			}
		}
		db_bind_int64(st, p++, PAGE_ROWS);
		if (nkey == 0)
			db_bind_int64(st, p++, offset);
		got = 0;
		while ((rc = db_step(st)) == DB_ROW) {
			rc = row_line(b, t, st, &line);
			if (rc == 0)
				rc = stage_line(b, f, md, line);
			free(line);
			line = NULL;
			if (rc != 0)
				goto out;
			for (size_t k = 0; k < nkey; k++) {
				int c = kcol[k];

				/* A NULL would stop the paging silently (SQLite lets a
				 * key that is not the rowid be NULL). */
				if (db_col_null(st, c)) {
					rc = anju_fail(b->e, ANJU_EDB, "backup_null_key", NULL,
						       "表 %s 的主键有空值", t->name);
					goto out;
				}
				buf_reset(&keys[k]);
				buf_add(&keys[k], db_col_text(st, c), db_col_len(st, c));
			}
			got++;
			t->rows++;
			if (++b->done % PROGRESS_ROWS == 0)
				bk_report(b, b->note.p);
		}
		if (rc != DB_DONE) {
			rc = bk_db(b, t->name);
			goto out;
		}
		db_reset(st);
		st = NULL;
		offset += got;
		more = got == PAGE_ROWS;
	}
	/* Both counts come from one snapshot: a difference is a paging bug. */
	if (t->rows != t->count) {
		rc = anju_fail(b->e, ANJU_EINTERNAL, "backup_rows_mismatch", NULL,
			       "表 %s 导出 %" PRId64 " 行，应为 %" PRId64 " 行", t->name, t->rows,
			       t->count);
		goto out;
	}
	if (fflush(f) != 0 || (size = ftello(f)) < 0) {
		rc = bk_io(b, "临时文件");
		goto out;
	}
	sha_done(md, t->sha);
	md = NULL;
	buf_printf(&name, "db/%s.jsonl", t->name);
	rc = stage_add(b, name.p, f, size);
	if (rc != 0)
		goto out;
	bk_report(b, b->note.p);
out:
	db_reset(st);
	if (md != NULL)
		EVP_MD_CTX_free(md);
	if (f != NULL)
		fclose(f);
	for (size_t c = 0; keys != NULL && c < ncol; c++)
		buf_free(&keys[c]);
	free(keys);
	free(kcol);
	buf_free(&first);
	buf_free(&next);
	buf_free(&name);
	buf_reset(&b->note);
	return rc;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Adds the regular file name of folder dfd as files/<rel>. */
static int
add_file(struct bk *b, int dfd, const char *name, const char *rel)
{
	struct buf path;
	struct stat sb;
	int64_t left;
	int fd, rc = 0;

	buf_init(&path, 0);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? 0 : bk_io(b, rel);
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		rc = bk_io(b, rel);
		goto out;
	}
	if (!S_ISREG(sb.st_mode))
		goto out;
	buf_printf(&path, "files/%s", rel);
	rc = bk_header(b, path.p, AE_IFREG, (int64_t)sb.st_size, sb.st_mtime);
	if (rc != 0)
		goto out;
	files_hash_head(b->files_md, rel, (int64_t)sb.st_size);
	for (left = (int64_t)sb.st_size; left > 0;) {
		ssize_t n = read_full(fd, b->blk, left < BLOCK ? (size_t)left : BLOCK);

		if (n <= 0) {
			/* The header promised st_size bytes: a file cut meanwhile
			 * cannot be archived honestly. */
			if (n == 0)
				errno = EIO;
			rc = bk_io(b, rel);
			goto out;
		}
		EVP_DigestUpdate(b->files_md, b->blk, (size_t)n);
		rc = bk_data(b, b->blk, (size_t)n);
		if (rc != 0)
			goto out;
		left -= n;
	}
	b->nfiles++;
	b->files_bytes += (int64_t)sb.st_size;
	if (++b->done % 100 == 0)
		bk_report(b, "打包文件");
out:
	if (fd >= 0)
		close(fd);
	buf_free(&path);
	return rc;
}

/*
 * Walks folder dfd (files/<rel>) in name order, folders and regular files
 * only, never following a symbolic link.  With add false it only counts the
 * regular files into b->total, for the progress bar.
 */
static int
walk_files(struct bk *b, int dfd, struct buf *rel, int depth, bool add)
{
	struct dirent *de;
	struct buf path;
	DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0, base = rel->n;
	int fd, rc = 0;

	buf_init(&path, 0);
	if (depth > DEPTH_MAX) {
		rc = anju_fail(b->e, ANJU_EIO, "backup_files_too_deep", NULL, "文件目录层级超过 %d",
			       DEPTH_MAX);
		goto out;
	}
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		rc = bk_io(b, "files");
		goto out;
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (errno != 0) {
		rc = bk_io(b, "files");
		goto out;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat sb;

		rel->n = base;
		rel->p[base] = '\0';
		buf_printf(rel, "%s%s", base > 0 ? "/" : "", names[i]);
		if (fstatat(dfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue; /* removed meanwhile */
			rc = bk_io(b, rel->p);
			goto out;
		}
		if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode)) {
			if (add)
				log_warn("backup: skipped files/%s: not a regular file or folder",
					 rel->p);
			continue;
		}
		/* A restore refuses what it could not recreate exactly. */
		if (!name_part_ok(names[i], strlen(names[i]))) {
			rc = anju_fail(b->e, ANJU_EINVAL, "backup_bad_file_name", NULL,
				       "文件名不受支持（只允许可打印 ASCII）：files/%s", rel->p);
			goto out;
		}
		if (S_ISREG(sb.st_mode)) {
			if (!add) {
				b->total++;
				continue;
			}
			rc = add_file(b, dfd, names[i], rel->p);
			if (rc != 0)
				goto out;
			continue;
		}
		if (add) {
			buf_reset(&path);
			buf_printf(&path, "files/%s/", rel->p);
			rc = bk_header(b, path.p, AE_IFDIR, 0, sb.st_mtime);
			if (rc != 0)
				goto out;
		}
		fd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			rc = bk_io(b, rel->p);
			goto out;
		}
		rc = walk_files(b, fd, rel, depth + 1, add);
		close(fd);
		if (rc != 0)
			goto out;
	}
out:
	rel->n = base;
	if (rel->p != NULL)
		rel->p[base] = '\0';
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	return rc;
}

/* Counts (add false) or archives the files folder; a missing one is empty. */
static int
files_pass(struct bk *b, const char *files_dir, bool add)
{
	struct buf rel;
	int fd, rc;

	/* The folder itself may be a link to a shared mount; inside, nothing is
	 * followed. */
	fd = open(files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : bk_io(b, files_dir);
	buf_init(&rel, 0);
	buf_adds(&rel, "");
	rc = walk_files(b, fd, &rel, 0, add);
	close(fd);
	buf_free(&rel);
	return rc;
}

static int
write_manifest(struct bk *b, const struct bk_table *tabs, size_t ntab, int version)
{
	json_t *m = json_object(), *list = json_array();
	char now[TIME_FMT_LEN], files_sha[65];
	char *text = NULL;
	int rc;

	time_format_utc(time_now_us(), now);
	sha_done(b->files_md, files_sha);
	b->files_md = NULL;
	for (size_t i = 0; i < ntab; i++) {
		json_t *t = json_object(), *cols = json_array();

		for (size_t c = 0; c < tabs[i].desc.ncol; c++)
			json_array_append_new(cols, json_string(tabs[i].desc.cols[c].name));
		json_object_set_new(t, "name", json_string(tabs[i].name));
		json_object_set_new(t, "rows", json_integer(tabs[i].rows));
		json_object_set_new(t, "sha256", json_string(tabs[i].sha));
		json_object_set_new(t, "columns", cols);
		json_array_append_new(list, t);
	}
	json_object_set_new(m, "format", json_string(FORMAT_NAME));
	json_object_set_new(m, "anju_version", json_string(ANJU_VERSION));
	json_object_set_new(m, "schema_version", json_integer(version));
	json_object_set_new(m, "engine", json_string(db_engine_name(b->db)));
	json_object_set_new(m, "created_at", json_string(now));
	json_object_set_new(m, "tables", list);
	json_object_set_new(m, "files", json_integer(b->nfiles));
	json_object_set_new(m, "files_bytes", json_integer(b->files_bytes));
	json_object_set_new(m, "files_sha256", json_string(files_sha));
	text = json_dumps(m, JSON_INDENT(2));
	if (text == NULL)
		abort();
	if (strlen(text) > MANIFEST_MAX) {
		rc = anju_fail(b->e, ANJU_ETOOBIG, "backup_manifest_too_large", NULL,
			       "备份清单超过 %d 字节（表太多）", MANIFEST_MAX);
		goto out;
	}
	rc = bk_memory(b, MANIFEST_NAME, text, strlen(text));
out:
	free(text);
	json_decref(m);
	return rc;
}

int
backup_write(struct db *db, const char *files_dir, const char *path, backup_progress_fn progress,
	     void *ud, struct anju_err *e)
{
	struct bk b = { .db = db, .progress = progress, .ud = ud, .e = e };
	struct bk_table *tabs = NULL;
	char **names = NULL, *tmpdir = NULL;
	size_t ntab = 0;
	int fd = -1, version = 0, rc;
	bool created = false, tx = false;

	b.a = arena_new();
	b.blk = xmalloc(BLOCK);
	buf_init(&b.note, 0);
	b.files_md = sha_new();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			rc = anju_fail(e, ANJU_ECONFLICT, "backup_exists", "to",
				       "%s 已存在，备份不会覆盖它", path);
		else
			rc = bk_io(&b, path);
		goto out;
	}
	created = true;
	tmpdir = dir_of(path);
	b.tmpdir = tmpdir;

	/* Everything below, up to the rollback, sees one snapshot. */
	if (db_begin_snapshot(db) != 0) {
		rc = bk_db(&b, "开始快照");
		goto out;
	}
	tx = true;
	rc = db_schema_version(db, &version, e);
	if (rc != 0)
		goto out;
	if (db_tables(db, &names, &ntab) != 0) {
		rc = bk_db(&b, "列出表");
		goto out;
	}
	tabs = arena_alloc(b.a, (ntab ? ntab : 1) * sizeof(*tabs));
	for (size_t i = 0; i < ntab; i++) {
		tabs[i].name = names[i];
		if (!db_identifier_ok(names[i])) {
			rc = anju_fail(e, ANJU_EDB, "backup_bad_table", NULL, "表名不受支持：%.64s",
				       names[i]);
			goto out;
		}
		if (db_table_describe(db, names[i], b.a, &tabs[i].desc) != 0) {
			rc = bk_db(&b, names[i]);
			goto out;
		}
		rc = count_rows(&b, &tabs[i]);
		if (rc != 0)
			goto out;
		b.total += tabs[i].count;
	}
	rc = files_pass(&b, files_dir, false);
	if (rc != 0)
		goto out;
	bk_report(&b, "开始");

	b.ar = archive_write_new();
	if (b.ar == NULL)
		abort();
	/* pax: no limit on a member's size or its name's length. */
	if (archive_write_set_format_pax_restricted(b.ar) != ARCHIVE_OK ||
	    archive_write_add_filter_none(b.ar) != ARCHIVE_OK ||
	    archive_write_open_fd(b.ar, fd) != ARCHIVE_OK) {
		rc = bk_ar(&b);
		goto out;
	}
	for (size_t i = 0; i < ntab; i++) {
		rc = dump_table(&b, &tabs[i]);
		if (rc != 0)
			goto out;
	}
	/* The rows are all read: the files need no snapshot (see the top). */
	db_rollback(db);
	tx = false;
	rc = files_pass(&b, files_dir, true);
	if (rc != 0)
		goto out;
	rc = write_manifest(&b, tabs, ntab, version);
	if (rc != 0)
		goto out;
	if (archive_write_close(b.ar) != ARCHIVE_OK) {
		rc = bk_ar(&b);
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = bk_io(&b, path);
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = bk_io(&b, path);
		goto out;
	}
	fsync_dir(tmpdir);
	b.done = b.total;
	bk_report(&b, "完成");
out:
	if (tx)
		db_rollback(db);
	if (b.ar != NULL)
		archive_write_free(b.ar);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && created)
		unlink(path);
	if (b.files_md != NULL)
		EVP_MD_CTX_free(b.files_md);
	buf_free(&b.note);
	free(b.blk);
	free(names);
	free(tmpdir);
	arena_free(b.a);
	return rc;
}

/*
 * Restoring.
 */

struct rs_table {
	const char *name;
	char sha[65]; /* of the whole file, header line included */
	int64_t rows;
	int64_t bytes;
	const char **cols; /* from the file's header line */
	bool *isint;
	size_t ncol;
	bool listed;               /* in the manifest */
	bool placed;               /* in the insert order */
	struct db_table_desc desc; /* the target's own table */
};

struct rs {
	struct db *db;
	struct arena *a;
	const char *files_dir;
	int fd;   /* the archive */
	int root; /* files_dir, or -1 while it does not exist */
	backup_progress_fn progress;
	void *ud;
	struct anju_err *e;
	int64_t done, total, reported;
	struct rs_table *tabs;
	size_t ntab, cap;
	char *manifest;
	size_t manifest_n;
	int64_t nfiles, files_bytes;
	char files_sha[65];
	int version;
	char *blk, *blk2; /* BLOCK bytes each */
	struct buf rel, note;
};

static int
rs_corrupt(struct rs *r, const char *fmt, const char *arg)
{
	return anju_fail(r->e, ANJU_EINVAL, "backup_corrupt", NULL, fmt, arg);
}

static int
rs_ar(struct rs *r, struct archive *ar)
{
	const char *msg = archive_error_string(ar);

	return anju_fail(r->e, ANJU_EINVAL, "backup_corrupt", NULL, "备份文件损坏或不是 tar：%s",
			 msg ? msg : "libarchive");
}

static int
rs_io(struct rs *r, const char *what)
{
	return anju_fail(r->e, ANJU_EIO, "restore_io", NULL, "恢复失败（%s）：%s", what,
			 strerror(errno));
}

static void
rs_advance(struct rs *r, size_t n)
{
	r->done += (int64_t)n;
	if (r->done - r->reported >= PROGRESS_BYTES) {
		r->reported = r->done;
		report(r->progress, r->ud, r->done, r->total, r->note.p);
	}
}

static void
rs_note(struct rs *r, const char *prefix, const char *name)
{
	buf_reset(&r->note);
	buf_printf(&r->note, "%s%s", prefix, name);
	report(r->progress, r->ud, r->done, r->total, r->note.p);
}

/* Starts reading the archive from its beginning. */
static int
ar_open(struct rs *r, struct archive **out)
{
	struct archive *ar;

	*out = NULL;
	if (lseek(r->fd, 0, SEEK_SET) != 0)
		return rs_io(r, "读取备份");
	ar = archive_read_new();
	if (ar == NULL)
		abort();
	/* tar only, uncompressed: no decoder runs over outside input that the
	 * format does not need. */
	if (archive_read_support_format_tar(ar) != ARCHIVE_OK ||
	    archive_read_open_fd(ar, r->fd, BLOCK) != ARCHIVE_OK) {
		int rc = rs_ar(r, ar);

		archive_read_free(ar);
		return rc;
	}
	*out = ar;
	return 0;
}

/* The next header, or 1 at the end of the archive. */
static int
ar_next(struct rs *r, struct archive *ar, struct archive_entry **ent)
{
	int rc = archive_read_next_header(ar, ent);

	if (rc == ARCHIVE_EOF)
		return 1;
	/* A warning (a name that cannot be converted, say) is refused too. */
	if (rc != ARCHIVE_OK)
		return rs_ar(r, ar);
	return 0;
}

/* The next block of the current entry's data into r->blk, hashed into md
 * (when not NULL): 1 with its size in *n, 0 at the end of the entry, or an
 * error.  The caller counts it for progress once it has used it. */
static int
entry_block(struct rs *r, struct archive *ar, EVP_MD_CTX *md, size_t *n)
{
	la_ssize_t got = archive_read_data(ar, r->blk, BLOCK);

	*n = 0;
	if (got < 0)
		return rs_ar(r, ar);
	if (got == 0)
		return 0;
	*n = (size_t)got;
	if (md != NULL)
		EVP_DigestUpdate(md, r->blk, *n);
	return 1;
}

/* entry_block() for the regular file files/<r->rel>, size bytes by its
 * header: *seen counts what was read, and the end is an error unless that
 * is size. */
static int
file_block(struct rs *r, struct archive *ar, EVP_MD_CTX *md, int64_t size, int64_t *seen, size_t *n)
{
	int rc = entry_block(r, ar, md, n);

	if (rc == 1)
		*seen += (int64_t)*n;
	else if (rc == 0 && *seen != size)
		rc = rs_corrupt(r, "files/%s 不完整", r->rel.p);
	return rc;
}

enum entry_kind {
	ENT_MANIFEST,
	ENT_TABLE, /* r->rel: the table's name */
	ENT_DIR,   /* r->rel: the path under files/ ("" for files/ itself) */
	ENT_FILE,  /* r->rel: the path under files/ */
};

/* What an entry is, from its name and type.  Everything else is refused, so
 * that nothing can be written outside files_dir: absolute names, "..",
 * links, devices. */
static int
classify(struct rs *r, struct archive_entry *ent, enum entry_kind *kind)
{
	const char *name = archive_entry_pathname(ent);
	mode_t type = archive_entry_filetype(ent);
	char shown[128];
	size_t n;

	buf_reset(&r->rel);
	buf_adds(&r->rel, "");
	if (name == NULL || archive_entry_hardlink(ent) != NULL ||
	    archive_entry_symlink(ent) != NULL || (type != AE_IFREG && type != AE_IFDIR) ||
	    archive_entry_sparse_count(ent) > 0)
		goto bad;
	n = strlen(name);
	if (n == 0 || n > PATH_MAX_BYTES || name[0] == '/')
		goto bad;
	if (type == AE_IFDIR && name[n - 1] == '/')
		n--;
	if (type == AE_IFREG && strcmp(name, MANIFEST_NAME) == 0) {
		*kind = ENT_MANIFEST;
		return 0;
	}
	if (type == AE_IFREG && n > 9 && strncmp(name, "db/", 3) == 0 &&
	    strcmp(name + n - 6, ".jsonl") == 0) {
		buf_add(&r->rel, name + 3, n - 9);
		if (!db_identifier_ok(r->rel.p))
			goto bad;
		*kind = ENT_TABLE;
		return 0;
	}
	if (type == AE_IFDIR && ((n == 5 && strncmp(name, "files", 5) == 0) ||
				 (n == 2 && strncmp(name, "db", 2) == 0))) {
		*kind = ENT_DIR;
		return 0;
	}
	if (n > 6 && strncmp(name, "files/", 6) == 0 && rel_path_ok(name + 6, n - 6)) {
		buf_add(&r->rel, name + 6, n - 6);
		*kind = type == AE_IFDIR ? ENT_DIR : ENT_FILE;
		return 0;
	}
bad:
	printable(name, shown, sizeof(shown));
	return anju_fail(r->e, ANJU_EINVAL, "backup_bad_entry", NULL, "备份中有不允许的条目：%s",
			 name ? shown : "(无名)");
}

/*
 * Opens the folders of path[0..n) under files_dir one by one, never
 * following a link.  *out is the last one's descriptor, or -1 when a part
 * does not exist and create is false (created 0700 when it is true).
 * ANJU_ECONFLICT when something other than a folder stands in the way.
 */
static int
dir_open(struct rs *r, const char *path, size_t n, bool create, int *out)
{
	char part[NAME_PART_MAX + 1];
	size_t start = 0;
	int cur = r->root, rc = 0;

	*out = -1;
	if (cur < 0)
		return 0;
	cur = fcntl(r->root, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return rs_io(r, "files");
	for (size_t i = 0; i <= n && n > 0; i++) {
		int next;

		if (i < n && path[i] != '/')
			continue;
		/* Checked by classify(): 1..NAME_PART_MAX bytes. */
		memcpy(part, path + start, i - start);
		part[i - start] = '\0';
		start = i + 1;
		next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, part, 0700) != 0 && errno != EEXIST) {
				rc = rs_io(r, part);
				goto out;
			}
			next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			if (errno == ENOENT)
				goto out;
			if (errno == ENOTDIR || errno == ELOOP)
				rc = anju_fail(r->e, ANJU_ECONFLICT, "restore_file_conflict", NULL,
					       "files/%.*s 已存在且不是目录",
					       (int)(i < 200 ? i : 200), path);
			else
				rc = rs_io(r, part);
			goto out;
		}
		close(cur);
		cur = next;
	}
	*out = cur;
	cur = -1;
out:
	if (cur >= 0)
		close(cur);
	return rc;
}

/* Where rel's last component starts. */
static size_t
base_at(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? (size_t)(slash - rel) + 1 : 0;
}

/* Lines of the current entry, hashed and counted as they are read. */
struct lines {
	struct rs *r;
	struct archive *ar;
	EVP_MD_CTX *md;
	size_t len, pos;
	bool eof;
	struct buf line; /* the current line, without its newline */
	int64_t bytes;
};

static void
lines_init(struct lines *l, struct rs *r, struct archive *ar)
{
	memset(l, 0, sizeof(*l));
	l->r = r;
	l->ar = ar;
	l->md = sha_new();
	buf_init(&l->line, JSON_LINE_MAX);
}

static void
lines_free(struct lines *l)
{
	if (l->md != NULL)
		EVP_MD_CTX_free(l->md);
	buf_free(&l->line);
}

/* The next line into l->line: 1, 0 at the end of the entry, or an error. */
static int
lines_next(struct lines *l, const char *table)
{
	struct rs *r = l->r;

	buf_reset(&l->line);
	for (;;) {
		const char *p, *nl;
		size_t take;

		if (l->pos == l->len) {
			size_t n;
			int rc;

			if (l->eof)
				break;
			rc = entry_block(r, l->ar, l->md, &n);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				l->eof = true;
				continue;
			}
			l->bytes += (int64_t)n;
			l->len = n;
			l->pos = 0;
			rs_advance(r, n);
		}
		p = r->blk + l->pos;
		nl = memchr(p, '\n', l->len - l->pos);
		take = nl ? (size_t)(nl - p) : l->len - l->pos;
		if (buf_add(&l->line, p, take) != 0)
			return rs_corrupt(r, "表 %s 有超过 16 MiB 的一行", table);
		l->pos += take;
		if (nl != NULL) {
			l->pos++;
			return 1;
		}
	}
	if (l->line.n > 0)
		return rs_corrupt(r, "表 %s 的数据文件不完整", table);
	return 0;
}

/* Parses a table file's header line into cols/isint (from r->a). */
static int
parse_header(struct rs *r, const struct buf *line, const char *table, const char ***cols,
	     bool **isint, size_t *ncol)
{
	json_t *h = json_loadb(line->p ? line->p : "", line->n, JSON_REJECT_DUPLICATES, NULL);
	json_t *jc = json_object_get(h, "columns"), *jt = json_object_get(h, "types");
	size_t n = json_array_size(jc);
	int rc = 0;

	if (!json_is_array(jc) || !json_is_array(jt) || n == 0 || n > COLUMNS_MAX ||
	    json_array_size(jt) != n) {
		rc = rs_corrupt(r, "表 %s 的数据文件没有有效的表头", table);
		goto out;
	}
	*cols = arena_alloc(r->a, n * sizeof(**cols));
	*isint = arena_alloc(r->a, n * sizeof(**isint));
	for (size_t i = 0; i < n; i++) {
		const char *c = json_string_value(json_array_get(jc, i));
		const char *t = json_string_value(json_array_get(jt, i));

		if (!db_identifier_ok(c) || t == NULL ||
		    (strcmp(t, "int") != 0 && strcmp(t, "text") != 0)) {
			rc = rs_corrupt(r, "表 %s 的数据文件表头有无效的列", table);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp((*cols)[j], c) == 0) {
				rc = rs_corrupt(r, "表 %s 的数据文件表头有重复的列", table);
				goto out;
			}
		}
		(*cols)[i] = arena_strdup(r->a, c);
		(*isint)[i] = strcmp(t, "int") == 0;
	}
	*ncol = n;
out:
	json_decref(h);
	return rc;
}

static struct rs_table *
find_table(struct rs *r, const char *name)
{
	for (size_t i = 0; i < r->ntab; i++) {
		if (strcmp(r->tabs[i].name, name) == 0)
			return &r->tabs[i];
	}
	return NULL;
}

/* First pass over a table file: its header, row count and checksum. */
static int
scan_table(struct rs *r, struct archive *ar)
{
	struct rs_table *t;
	struct lines l;
	int rc;

	if (find_table(r, r->rel.p) != NULL)
		return rs_corrupt(r, "表 %s 在备份中出现两次", r->rel.p);
	if (r->ntab == TABLES_MAX)
		return anju_fail(r->e, ANJU_EINVAL, "backup_corrupt", NULL, "备份中的表多于 %d",
				 TABLES_MAX);
	if (r->ntab == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->tabs = xrealloc(r->tabs, r->cap * sizeof(*r->tabs));
	}
	t = &r->tabs[r->ntab++];
	memset(t, 0, sizeof(*t));
	t->name = arena_strdup(r->a, r->rel.p);
	lines_init(&l, r, ar);
	rc = lines_next(&l, t->name);
	if (rc == 0)
		rc = rs_corrupt(r, "表 %s 的数据文件是空的", t->name);
	if (rc < 0)
		goto out;
	rc = parse_header(r, &l.line, t->name, &t->cols, &t->isint, &t->ncol);
	if (rc != 0)
		goto out;
	while ((rc = lines_next(&l, t->name)) == 1)
		t->rows++;
	if (rc < 0)
		goto out;
	t->bytes = l.bytes;
	sha_done(l.md, t->sha);
	l.md = NULL;
out:
	lines_free(&l);
	return rc;
}

/* First pass over a regular file under files/: hashed into md, and compared
 * with a file of that name already in files_dir, which must be the same. */
static int
scan_file(struct rs *r, struct archive *ar, struct archive_entry *ent, EVP_MD_CTX *md)
{
	const char *rel = r->rel.p;
	size_t base = base_at(rel);
	int64_t size = archive_entry_size(ent), seen = 0;
	bool differs = false;
	int dfd = -1, fd = -1, rc;
	struct stat sb;
	size_t n;

	if (!archive_entry_size_is_set(ent) || size < 0)
		return rs_corrupt(r, "files/%s 没有大小", rel);
	rc = dir_open(r, rel, base > 0 ? base - 1 : 0, false, &dfd);
	if (rc != 0)
		goto out;
	if (dfd >= 0) {
		fd = openat(dfd, rel + base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT) {
			differs = true; /* a link, or something unreadable */
		} else if (fd >= 0) {
			if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size != size)
				differs = true;
		}
	}
	files_hash_head(md, rel, size);
	while ((rc = file_block(r, ar, md, size, &seen, &n)) == 1) {
		rs_advance(r, n);
		if (fd >= 0 && !differs &&
		    (read_full(fd, r->blk2, n) != (ssize_t)n || memcmp(r->blk, r->blk2, n) != 0))
			differs = true;
	}
	if (rc != 0)
		goto out;
	if (fd >= 0 && !differs && read_full(fd, r->blk2, 1) != 0)
		differs = true;
	if (differs) {
		rc = anju_fail(r->e, ANJU_ECONFLICT, "restore_file_conflict", NULL,
			       "files/%s 已存在且内容不同", rel);
		goto out;
	}
	r->nfiles++;
	r->files_bytes += size;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* First pass: reads and checks every entry, writing nothing. */
static int
scan(struct rs *r)
{
	struct archive *ar = NULL;
	struct archive_entry *ent;
	EVP_MD_CTX *md = sha_new();
	enum entry_kind kind;
	struct buf m;
	size_t n;
	int rc, dfd;

	buf_init(&m, MANIFEST_MAX);
	rs_note(r, "", "校验备份");
	rc = ar_open(r, &ar);
	if (rc != 0)
		goto out;
	while ((rc = ar_next(r, ar, &ent)) == 0) {
		rc = classify(r, ent, &kind);
		if (rc != 0)
			goto out;
		switch (kind) {
		case ENT_MANIFEST:
			if (r->manifest != NULL) {
				rc = rs_corrupt(r, "%s 出现两次", MANIFEST_NAME);
				goto out;
			}
			while ((rc = entry_block(r, ar, NULL, &n)) == 1) {
				if (buf_add(&m, r->blk, n) != 0) {
					rc = rs_corrupt(r, "%s 超过 1 MiB", MANIFEST_NAME);
					goto out;
				}
				rs_advance(r, n);
			}
			if (rc < 0)
				goto out;
			r->manifest = buf_take(&m, &r->manifest_n);
			if (r->manifest == NULL)
				r->manifest = xstrdup("");
			break;
		case ENT_TABLE: rc = scan_table(r, ar); break;
		case ENT_DIR:
			/* Only that nothing but a folder stands where it goes. */
			rc = dir_open(r, r->rel.p, r->rel.n, false, &dfd);
			if (dfd >= 0)
				close(dfd);
			break;
		case ENT_FILE: rc = scan_file(r, ar, ent, md); break;
		}
		if (rc != 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	rc = 0;
	sha_done(md, r->files_sha);
	md = NULL;
out:
	if (md != NULL)
		EVP_MD_CTX_free(md);
	if (ar != NULL)
		archive_read_free(ar);
	buf_free(&m);
	return rc;
}

static bool
hex64_ok(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s != NULL && i == 64;
}

/* The manifest against what the first pass found, and against the target. */
static int
check_manifest(struct rs *r)
{
	json_t *m = NULL, *list, *v;
	const char *format;
	size_t i;
	int rc = 0;

	if (r->manifest == NULL) {
		rc = anju_fail(r->e, ANJU_EINVAL, "backup_not_anju", NULL,
			       "不是 anju 备份，或备份不完整（没有 %s）", MANIFEST_NAME);
		goto out;
	}
	m = json_loadb(r->manifest, r->manifest_n, JSON_REJECT_DUPLICATES, NULL);
	format = json_string_value(json_object_get(m, "format"));
	if (format == NULL || strcmp(format, FORMAT_NAME) != 0) {
		rc = anju_fail(r->e, ANJU_EINVAL, "backup_not_anju", NULL,
			       "不是 anju 备份（格式应为 %s）", FORMAT_NAME);
		goto out;
	}
	v = json_object_get(m, "schema_version");
	if (!json_is_integer(v)) {
		rc = rs_corrupt(r, "%s 没有 schema_version", MANIFEST_NAME);
		goto out;
	}
	if (json_integer_value(v) != r->version) {
		rc = anju_fail(r->e, ANJU_EINVAL, "backup_schema_mismatch", NULL,
			       "备份的数据库结构版本为 %" JSON_INTEGER_FORMAT "，本库为 %d",
			       json_integer_value(v), r->version);
		goto out;
	}
	list = json_object_get(m, "tables");
	if (!json_is_array(list)) {
		rc = rs_corrupt(r, "%s 没有 tables", MANIFEST_NAME);
		goto out;
	}
	json_array_foreach (list, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *sha = json_string_value(json_object_get(v, "sha256"));
		json_t *rows = json_object_get(v, "rows"), *cols = json_object_get(v, "columns");
		struct rs_table *t;

		if (!db_identifier_ok(name) || !hex64_ok(sha) || !json_is_integer(rows) ||
		    !json_is_array(cols)) {
			rc = rs_corrupt(r, "%s 的表清单无效", MANIFEST_NAME);
			goto out;
		}
		t = find_table(r, name);
		if (t == NULL || t->listed) {
			rc = rs_corrupt(r, "表 %s 的数据文件缺失或重复", name);
			goto out;
		}
		t->listed = true;
		if (strcmp(sha, t->sha) != 0 || json_integer_value(rows) != t->rows) {
			rc = rs_corrupt(r, "表 %s 的数据文件校验失败", name);
			goto out;
		}
		if (json_array_size(cols) != t->ncol) {
			rc = rs_corrupt(r, "表 %s 的列与清单不符", name);
			goto out;
		}
		for (size_t c = 0; c < t->ncol; c++) {
			const char *col = json_string_value(json_array_get(cols, c));

			if (col == NULL || strcmp(col, t->cols[c]) != 0) {
				rc = rs_corrupt(r, "表 %s 的列与清单不符", name);
				goto out;
			}
		}
	}
	for (i = 0; i < r->ntab; i++) {
		if (!r->tabs[i].listed) {
			rc = rs_corrupt(r, "表 %s 不在备份清单中", r->tabs[i].name);
			goto out;
		}
	}
	v = json_object_get(m, "files");
	if (!json_is_integer(v) || json_integer_value(v) != r->nfiles ||
	    !hex64_ok(json_string_value(json_object_get(m, "files_sha256"))) ||
	    strcmp(json_string_value(json_object_get(m, "files_sha256")), r->files_sha) != 0) {
		rc = rs_corrupt(r, "%s", "文件部分校验失败");
		goto out;
	}
out:
	json_decref(m);
	return rc;
}

/* Whether a migration put default rows in table (store/migrate.h). */
static bool
seeded(const char *table)
{
	for (const char *const *t = migrate_seeded_tables; *t != NULL; t++)
		if (strcmp(*t, table) == 0)
			return true;
	return false;
}

/* The backup's rows replace a seeded table's defaults: emptied in the
 * restore's transaction, before anything that refers to it is loaded. */
static int
clear_seeded(struct rs *r)
{
	for (size_t i = 0; i < r->ntab; i++) {
		struct buf sql;
		int rc;

		if (!seeded(r->tabs[i].name) || !db_identifier_ok(r->tabs[i].name))
			continue;
		buf_init(&sql, 0);
		buf_adds(&sql, "DELETE FROM ");
		add_ident(&sql, r->tabs[i].name);
		rc = db_exec(r->db, sql.p);
		buf_free(&sql);
		if (rc != 0)
			return anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "清空表 %s 失败：%s",
					 r->tabs[i].name, db_errmsg(r->db));
	}
	return 0;
}

/* ANJU_ECONFLICT unless every table but schema_migrations (and the seeded
 * tables' defaults) is empty. */
static int
check_empty(struct rs *r)
{
	struct db_stmt *st = NULL;
	struct buf sql;
	char **names = NULL;
	size_t n = 0;
	int rc;

	buf_init(&sql, 0);
	if (db_tables(r->db, &names, &n) != 0) {
		rc = anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "列出表失败：%s",
			       db_errmsg(r->db));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], SKIP_TABLE) == 0 || seeded(names[i]))
			continue;
		if (!db_identifier_ok(names[i])) {
			rc = anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "表名不受支持：%.64s",
				       names[i]);
			goto out;
		}
		buf_reset(&sql);
		buf_adds(&sql, "SELECT 1 FROM ");
		add_ident(&sql, names[i]);
		buf_adds(&sql, " LIMIT 1");
		rc = db_prepare(r->db, sql.p, &st);
		if (rc == 0)
			rc = db_step(st);
		db_reset(st);
		if (rc == DB_ROW) {
			rc = anju_fail(r->e, ANJU_ECONFLICT, "restore_target_not_empty", NULL,
				       "目标数据库不是空的（表 %s 有数据），只能恢复到新初始化的库",
				       names[i]);
			goto out;
		}
		if (rc != DB_DONE) {
			rc = anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "读取表 %s 失败：%s",
				       names[i], db_errmsg(r->db));
			goto out;
		}
	}
	rc = 0;
out:
	free(names);
	buf_free(&sql);
	return rc;
}

/* Every table (but schema_migrations) and column of the archive must exist
 * in the target; the target's foreign keys give the insert order. */
static int
check_target(struct rs *r)
{
	for (size_t i = 0; i < r->ntab; i++) {
		struct rs_table *t = &r->tabs[i];
		int rc;

		if (strcmp(t->name, SKIP_TABLE) == 0) {
			t->placed = true; /* never inserted */
			continue;
		}
		rc = db_table_describe(r->db, t->name, r->a, &t->desc);
		if (rc == ANJU_ENOTFOUND)
			return anju_fail(r->e, ANJU_EINVAL, "backup_schema_mismatch", NULL,
					 "本库没有备份中的表 %s", t->name);
		if (rc != 0)
			return anju_fail(r->e, ANJU_EDB, "restore_db", NULL,
					 "读取表 %s 的结构失败：%s", t->name, db_errmsg(r->db));
		for (size_t c = 0; c < t->ncol; c++) {
			size_t k;

			for (k = 0; k < t->desc.ncol && strcmp(t->desc.cols[k].name, t->cols[c]);
			     k++)
				;
			if (k == t->desc.ncol)
				return anju_fail(r->e, ANJU_EINVAL, "backup_schema_mismatch", NULL,
						 "本库的表 %s 没有备份中的列 %s", t->name,
						 t->cols[c]);
		}
	}
	return 0;
}

/* The next table to insert: the first by name whose referenced tables are
 * all in already.  A cycle (none of our schema has one) falls back to name
 * order, and the foreign key check then says what is wrong. */
static struct rs_table *
next_table(struct rs *r)
{
	struct rs_table *fallback = NULL;

	for (size_t i = 0; i < r->ntab; i++) {
		struct rs_table *t = &r->tabs[i];
		size_t k;

		if (t->placed)
			continue;
		if (fallback == NULL)
			fallback = t;
		for (k = 0; k < t->desc.nref; k++) {
			struct rs_table *dep = find_table(r, t->desc.refs[k]);

			if (dep != NULL && !dep->placed)
				break;
		}
		if (k == t->desc.nref)
			return t;
	}
	if (fallback != NULL)
		log_warn("restore: foreign keys of %s form a cycle; inserting in name order",
			 fallback->name);
	return fallback;
}

static int
cmp_tables(const void *x, const void *y)
{
	return strcmp(((const struct rs_table *)x)->name, ((const struct rs_table *)y)->name);
}

/* Binds one row's values from parameter p on; 0 or a corrupt-archive error. */
static int
bind_row(struct rs *r, struct db_stmt *st, int p, json_t *row, const struct rs_table *t,
	 int64_t line_no)
{
	char where[80];

	for (size_t c = 0; c < t->ncol; c++) {
		json_t *v = json_array_get(row, c);

		if (json_is_null(v)) {
			db_bind_null(st, p + (int)c);
		} else if (json_is_integer(v) && t->isint[c]) {
			db_bind_int64(st, p + (int)c, json_integer_value(v));
		} else if (json_is_string(v) && !t->isint[c]) {
			db_bind_text(st, p + (int)c, json_string_value(v), json_string_length(v));
		} else {
			snprintf(where, sizeof(where), "%s 第 %" PRId64 " 行", t->name, line_no);
			return rs_corrupt(r, "表 %s 的值与列类型不符", where);
		}
	}
	return 0;
}

static int
insert_fail(struct rs *r, const struct rs_table *t)
{
	return anju_fail(r->e, ANJU_EDB, "restore_insert_failed", NULL, "导入表 %s 失败：%s",
			 t->name, db_errmsg(r->db));
}

/* Inserts rows[0..n): one statement of `batch` rows when there are that
 * many, else row by row, so that each table needs two statements only. */
static int
flush_rows(struct rs *r, const struct rs_table *t, json_t **rows, size_t n, size_t batch,
	   const char *one_sql, const char *batch_sql, int64_t first_line)
{
	struct db_stmt *st = NULL;
	int rc = 0;

	for (size_t i = 0; i < n;) {
		size_t k = n - i >= batch ? batch : 1;

		rc = db_prepare(r->db, k == batch ? batch_sql : one_sql, &st);
		if (rc != 0) {
			rc = insert_fail(r, t);
			goto out;
		}
		for (size_t j = 0; j < k; j++) {
			rc = bind_row(r, st, 1 + (int)(j * t->ncol), rows[i + j], t,
				      first_line + (int64_t)(i + j));
			if (rc != 0)
				goto out;
		}
		rc = db_step(st);
		db_reset(st);
		st = NULL;
		if (rc != DB_DONE) {
			rc = insert_fail(r, t);
			goto out;
		}
		rc = 0;
		i += k;
	}
out:
	db_reset(st);
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i]);
	return rc;
}

/* "INSERT INTO t (c1, ...) VALUES (?, ...)" with n rows of values. */
static void
insert_sql(const struct rs_table *t, size_t n, struct buf *sql)
{
	buf_adds(sql, "INSERT INTO ");
	add_ident(sql, t->name);
	buf_adds(sql, " (");
	for (size_t c = 0; c < t->ncol; c++) {
		if (c > 0)
			buf_adds(sql, ", ");
		add_ident(sql, t->cols[c]);
	}
	buf_adds(sql, ") VALUES ");
	for (size_t i = 0; i < n; i++) {
		buf_adds(sql, i > 0 ? ", (" : "(");
		for (size_t c = 0; c < t->ncol; c++)
			buf_adds(sql, c > 0 ? ", ?" : "?");
		buf_addc(sql, ')');
	}
}

/* Second pass, for one table: finds its file again and inserts its rows,
 * checking the file is still the one the first pass verified. */
static int
load_table(struct rs *r, const struct rs_table *t)
{
	struct archive *ar = NULL;
	struct archive_entry *ent;
	struct buf want, one, many;
	struct lines l;
	json_t **rows = NULL;
	const char **cols = NULL;
	bool *isint = NULL;
	char sha[65];
	size_t ncol = 0, batch, n = 0, held = 0;
	int64_t line_no = 1, count = 0, first_line = 2;
	int rc;

	buf_init(&want, 0);
	buf_init(&one, 0);
	buf_init(&many, 0);
	lines_init(&l, r, NULL);
	buf_printf(&want, "db/%s.jsonl", t->name);
	rs_note(r, "导入 ", t->name);
	rc = ar_open(r, &ar);
	if (rc != 0)
		goto out;
	l.ar = ar;
	while ((rc = ar_next(r, ar, &ent)) == 0) {
		const char *name = archive_entry_pathname(ent);

		if (name != NULL && strcmp(name, want.p) == 0 &&
		    archive_entry_filetype(ent) == AE_IFREG)
			break;
	}
	if (rc != 0) {
		if (rc > 0)
			rc = rs_corrupt(r, "备份在校验后被改动（表 %s）", t->name);
		goto out;
	}
	rc = lines_next(&l, t->name);
	if (rc == 1)
		rc = parse_header(r, &l.line, t->name, &cols, &isint, &ncol);
	else if (rc == 0)
		rc = rs_corrupt(r, "备份在校验后被改动（表 %s）", t->name);
	if (rc != 0)
		goto out;
	for (size_t c = 0; c < ncol && ncol == t->ncol; c++) {
		if (strcmp(cols[c], t->cols[c]) != 0 || isint[c] != t->isint[c])
			ncol = 0;
	}
	if (ncol != t->ncol) {
		rc = rs_corrupt(r, "备份在校验后被改动（表 %s）", t->name);
		goto out;
	}
	batch = BATCH_PARAMS / ncol;
	if (batch > BATCH_ROWS)
		batch = BATCH_ROWS;
	if (batch < 1)
		batch = 1;
	insert_sql(t, 1, &one);
	insert_sql(t, batch, &many);
	rows = xcalloc(batch, sizeof(*rows));
	while ((rc = lines_next(&l, t->name)) == 1) {
		json_t *row;

		line_no++;
		row = json_loadb(l.line.p ? l.line.p : "", l.line.n, JSON_ALLOW_NUL, NULL);
		if (!json_is_array(row) || json_array_size(row) != ncol) {
			json_decref(row);
			rc = rs_corrupt(r, "表 %s 有格式错误的行", t->name);
			goto out;
		}
		rows[n++] = row;
		held += l.line.n;
		count++;
		if (n == batch || held >= BATCH_BYTES) {
			rc = flush_rows(r, t, rows, n, batch, one.p, many.p, first_line);
			n = 0;
			held = 0;
			first_line = line_no + 1;
			if (rc != 0)
				goto out;
		}
	}
	if (rc < 0)
		goto out;
	rc = flush_rows(r, t, rows, n, batch, one.p, many.p, first_line);
	n = 0;
	if (rc != 0)
		goto out;
	/* Before the commit: a file changed since the first pass must not
	 * leave its rows behind. */
	sha_done(l.md, sha);
	l.md = NULL;
	if (strcmp(sha, t->sha) != 0 || count != t->rows) {
		rc = rs_corrupt(r, "备份在校验后被改动（表 %s）", t->name);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	lines_free(&l);
	if (ar != NULL)
		archive_read_free(ar);
	buf_free(&want);
	buf_free(&one);
	buf_free(&many);
	return rc;
}

/* Whether regular files a and b of folder dfd hold the same bytes. */
static bool
same_file(struct rs *r, int dfd, const char *a, const char *b)
{
	int fa = openat(dfd, a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int fb = openat(dfd, b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat sa, sb;
	bool same = false;

	if (fa < 0 || fb < 0 || fstat(fa, &sa) != 0 || fstat(fb, &sb) != 0 ||
	    !S_ISREG(sb.st_mode) || sa.st_size != sb.st_size)
		goto out;
	for (;;) {
		ssize_t na = read_full(fa, r->blk, BLOCK), nb = read_full(fb, r->blk2, BLOCK);

		if (na < 0 || na != nb || memcmp(r->blk, r->blk2, (size_t)na) != 0)
			goto out;
		if (na == 0)
			break;
	}
	same = true;
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* Gives the finished temporary file tmp its name, never replacing a file
 * that is there: an equal one is kept, a different one is a conflict.  tmp
 * is gone afterwards in every case. */
static int
place_file(struct rs *r, int dfd, const char *tmp, const char *name, const char *rel)
{
	int rc = renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE);

	/* Some file systems lack RENAME_NOREPLACE; link() refuses an existing
	 * name in the same way. */
	if (rc != 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
		rc = linkat(dfd, tmp, dfd, name, 0);
		if (rc == 0)
			unlinkat(dfd, tmp, 0);
	}
	if (rc == 0)
		return 0;
	if (errno != EEXIST)
		rc = rs_io(r, rel);
	else if (!same_file(r, dfd, tmp, name))
		rc = anju_fail(r->e, ANJU_ECONFLICT, "restore_file_conflict", NULL,
			       "files/%s 已存在且内容不同", rel);
	else
		rc = 0;
	unlinkat(dfd, tmp, 0);
	return rc;
}

/* Third pass, one regular file: written beside its place, synced, named. */
static int
extract_file(struct rs *r, struct archive *ar, struct archive_entry *ent, EVP_MD_CTX *md)
{
	const char *rel = r->rel.p;
	size_t base = base_at(rel);
	int64_t size = archive_entry_size(ent), seen = 0;
	unsigned char rnd[8];
	char tmp[40], hex[17];
	int dfd = -1, fd = -1, rc;
	bool made = false;
	size_t n;

	rc = dir_open(r, rel, base > 0 ? base - 1 : 0, true, &dfd);
	if (rc != 0)
		goto out;
	if (dfd < 0) {
		errno = ENOENT;
		rc = rs_io(r, rel);
		goto out;
	}
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(tmp, sizeof(tmp), ".anju-restore-%s", hex);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = rs_io(r, rel);
		goto out;
	}
	made = true;
	files_hash_head(md, rel, size);
	while ((rc = file_block(r, ar, md, size, &seen, &n)) == 1) {
		if (write_all(fd, r->blk, n) != 0) {
			rc = rs_io(r, rel);
			goto out;
		}
		rs_advance(r, n);
	}
	if (rc != 0)
		goto out;
	/* The data is on disk before the name points at it. */
	if (fsync(fd) != 0) {
		rc = rs_io(r, rel);
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = rs_io(r, rel);
		goto out;
	}
	rc = place_file(r, dfd, tmp, rel + base, rel);
	made = false;
	if (rc == 0)
		fsync(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Third pass: the files, after the rows are committed. */
static int
extract_files(struct rs *r)
{
	struct archive *ar = NULL;
	struct archive_entry *ent;
	EVP_MD_CTX *md = sha_new();
	enum entry_kind kind;
	char sha[65];
	int rc, dfd;

	rs_note(r, "", "恢复文件");
	if (r->root < 0) {
		if (mkdir(r->files_dir, 0700) != 0 && errno != EEXIST) {
			rc = rs_io(r, r->files_dir);
			goto out;
		}
		r->root = open(r->files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->root < 0) {
			rc = rs_io(r, r->files_dir);
			goto out;
		}
	}
	rc = ar_open(r, &ar);
	if (rc != 0)
		goto out;
	while ((rc = ar_next(r, ar, &ent)) == 0) {
		/* Checked again: this pass is the one that writes. */
		rc = classify(r, ent, &kind);
		if (rc == 0 && kind == ENT_DIR && r->rel.n > 0) {
			rc = dir_open(r, r->rel.p, r->rel.n, true, &dfd);
			if (dfd >= 0)
				close(dfd);
		} else if (rc == 0 && kind == ENT_FILE) {
			rc = extract_file(r, ar, ent, md);
		}
		if (rc != 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	sha_done(md, sha);
	md = NULL;
	rc = strcmp(sha, r->files_sha) == 0
		     ? 0
		     : anju_fail(r->e, ANJU_EIO, "restore_files_changed", NULL,
				 "备份在校验后被改动，恢复的文件可能不完整");
out:
	if (md != NULL)
		EVP_MD_CTX_free(md);
	if (ar != NULL)
		archive_read_free(ar);
	return rc;
}

/* Second pass: every row in one transaction, then the id sequences. */
static int
load_tables(struct rs *r)
{
	struct rs_table *t;
	int rc;

	/* Refused when the caller has a transaction open, which then stays its own. */
	if (db_begin(r->db) != 0)
		return anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "开始事务失败：%s",
				 db_errmsg(r->db));
	/* Again under the write lock, in case someone wrote since the check. */
	rc = check_empty(r);
	if (rc == 0)
		rc = clear_seeded(r);
	if (rc != 0)
		goto out;
	while ((t = next_table(r)) != NULL) {
		t->placed = true;
		rc = load_table(r, t);
		if (rc != 0)
			goto out;
	}
	for (size_t i = 0; i < r->ntab; i++) {
		t = &r->tabs[i];
		for (size_t c = 0; c < t->desc.ncol; c++) {
			if (strcmp(t->desc.cols[c].name, "id") != 0 || !t->desc.cols[c].serial)
				continue;
			if (db_sync_id_sequence(r->db, t->name) != 0) {
				rc = anju_fail(r->e, ANJU_EDB, "restore_db", NULL,
					       "设置表 %s 的编号序列失败：%s", t->name,
					       db_errmsg(r->db));
				goto out;
			}
		}
	}
	if (db_commit(r->db) != 0) {
		rc = anju_fail(r->e, ANJU_EDB, "restore_db", NULL, "提交失败：%s",
			       db_errmsg(r->db));
		goto out;
	}
out:
	db_rollback(r->db);
	return rc;
}

int
backup_restore(struct db *db, const char *files_dir, const char *path, backup_progress_fn progress,
	       void *ud, struct anju_err *e)
{
	struct rs r = { .db = db,
			.files_dir = files_dir,
			.fd = -1,
			.root = -1,
			.progress = progress,
			.ud = ud,
			.e = e };
	struct stat sb;
	int64_t tables_bytes = 0;
	int rc;

	r.a = arena_new();
	r.blk = xmalloc(BLOCK);
	r.blk2 = xmalloc(BLOCK);
	buf_init(&r.rel, 0);
	buf_init(&r.note, 0);
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0 || fstat(r.fd, &sb) != 0) {
		rc = anju_fail(e, errno == ENOENT ? ANJU_ENOTFOUND : ANJU_EIO, "restore_io", "from",
			       "无法读取备份 %s：%s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = anju_fail(e, ANJU_EINVAL, "backup_not_anju", "from", "%s 不是普通文件", path);
		goto out;
	}
	r.root = open(files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.root < 0 && errno != ENOENT) {
		rc = rs_io(&r, files_dir);
		goto out;
	}
	rc = db_schema_version(db, &r.version, e);
	if (rc != 0)
		goto out;
	rc = check_empty(&r);
	if (rc != 0)
		goto out;

	/* Verifying reads every entry once; writing reads tables and files once
	 * more.  The first figure is a guess from the archive's size. */
	r.total = 2 * (int64_t)sb.st_size;
	rc = scan(&r);
	if (rc == 0)
		rc = check_manifest(&r);
	if (rc == 0)
		rc = check_target(&r);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < r.ntab; i++)
		tables_bytes += r.tabs[i].bytes;
	r.total = r.done + tables_bytes + r.files_bytes;
	if (r.ntab > 0)
		qsort(r.tabs, r.ntab, sizeof(*r.tabs), cmp_tables);

	rc = load_tables(&r);
	if (rc == 0)
		rc = extract_files(&r);
	if (rc == 0) {
		r.done = r.total;
		report(progress, ud, r.done, r.total, "完成");
	}
out:
	if (r.root >= 0)
		close(r.root);
	if (r.fd >= 0)
		close(r.fd);
	free(r.tabs);
	free(r.manifest);
	free(r.blk);
	free(r.blk2);
	buf_free(&r.rel);
	buf_free(&r.note);
	arena_free(r.a);
	return rc;
}
