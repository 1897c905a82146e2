/*
 * `anju keys rotate|reseal|status`: the personal-data keys of a data
 * directory.
 *
 *   rotate   adds a new pii key, makes it current, then re-seals every sealed
 *            value under it (the pii_rotate job, run here with a progress bar);
 *   reseal   runs that job again under the current key: after a rotation that
 *            was interrupted, or once servers that still sealed under the old
 *            key have been restarted;
 *   status   the keys present, the current one, and how many values each
 *            sealed column holds under each key.
 *
 * Each first creates key files missing from a data directory made by an
 * older version (keys_ensure).  Running servers keep the keyring they loaded
 * at start: restart them after a rotation, then run `anju keys reseal`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/pii.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "jobs/job.h"
#include "store/db.h"
#include "store/keys.h"

/* Creates missing key files, saying so, and loads the keyring. */
static int
load_keys(struct cli_args *a, struct keyring **kr, struct anju_err *e)
{
	int created = 0, rc;

	if ((rc = keys_ensure(a->data, &created, e)) != 0)
		return rc;
	if (created > 0)
		fprintf(stderr, "anju keys: created %d missing key file(s) in %s/keys\n", created,
			a->data);
	return keys_load(a->data, kr, e);
}

/* Runs the pii_rotate job to kid here: created and claimed in one
 * transaction, so no server's worker (whose keyring may be older) takes it. */
static int
reseal(struct db *db, int kid, int64_t chunk, struct anju_err *e)
{
	json_t *params = json_pack("{s:i}", "kid", kid), *j = NULL, *res;
	struct progress p;
	const char *state;
	int64_t id = 0, got = 0;
	int rc;

	if (chunk > 0)
		json_object_set_new(params, "chunk", json_integer(chunk));
	if ((rc = db_begin(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
		goto out;
	}
	if ((rc = job_create(db, "pii_rotate", params, "cli", &id, e)) != 0 ||
	    (rc = job_claim(db, job_worker_name(), id, &got, e)) < 0) {
		db_rollback(db);
		goto out;
	}
	if ((rc = db_commit(db)) != 0) {
		rc = anju_fail(e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
		goto out;
	}
	printf("job %lld re-seals personal data under key %d\n", (long long)id, kid);
	fflush(stdout);
	progress_init(&p, "重新加密");
	if ((rc = job_run(db, id, job_worker_name(), NULL, progress_update, &p, e)) != 0)
		goto out;
	if ((rc = job_get(db, id, &j, e)) != 0)
		goto out;
	state = json_string_value(json_object_get(j, "state"));
	progress_done(&p, state);
	if (strcmp(state, "succeeded") != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, "job_failed", NULL,
			       "job %lld %s: %s (the new key stays current; run `anju keys reseal` "
			       "to finish)",
			       (long long)id, state,
			       json_string_value(json_object_get(j, "error"))
				       ? json_string_value(json_object_get(j, "error"))
				       : "");
		goto out;
	}
	res = json_object_get(j, "result");
	printf("re-sealed %lld value(s) in %lld row(s)\n",
	       (long long)json_integer_value(json_object_get(res, "resealed")),
	       (long long)json_integer_value(json_object_get(res, "rows")));
out:
	json_decref(params);
	json_decref(j);
	return rc;
}

static int
print_status(struct db *db, const struct keyring *kr, struct anju_err *e)
{
	size_t npii = 0;
	const struct keys_pii *all = keys_pii_all(kr, &npii);
	int rc;

	printf("personal-data keys:");
	for (size_t i = 0; i < npii; i++)
		printf(" %d", all[i].kid);
	printf(" (current: %d)\n", keys_pii_current(kr));
	printf("%-32s %10s", "sealed column", "values");
	for (size_t i = 0; i < npii; i++) {
		char h[24];

		snprintf(h, sizeof(h), "key %d", all[i].kid);
		printf(" %10s", h);
	}
	printf(" %10s\n", "other");
	for (const struct pii_table *t = pii_tables; t->table != NULL; t++) {
		for (const char *const *c = t->columns; *c != NULL; c++) {
			int64_t total = 0, known = 0, n = 0;
			char name[128];

			if ((rc = pii_count(db, t, *c, 0, &total, e)) != 0)
				return rc;
			snprintf(name, sizeof(name), "%s.%s", t->table, *c);
			printf("%-32s %10lld", name, (long long)total);
			for (size_t i = 0; i < npii; i++) {
				if ((rc = pii_count(db, t, *c, all[i].kid, &n, e)) != 0)
					return rc;
				known += n;
				printf(" %10lld", (long long)n);
			}
			/* Under a key no longer in keys/pii, or not sealed at all. */
			printf(" %10lld\n", (long long)(total - known));
		}
	}
	return 0;
}

static int
run_keys(const struct cli_command *c, struct cli_args *a)
{
	const char *sub = a->pos[0], *v;
	const struct keyring *before = NULL;
	struct anju_err e;
	struct keyring *kr = NULL;
	struct db *db = NULL;
	int64_t chunk = 0;
	int kid = 0, rc = 0;

	anju_err_clear(&e);
	if (strcmp(sub, "rotate") != 0 && strcmp(sub, "reseal") != 0 &&
	    strcmp(sub, "status") != 0) {
		fprintf(stderr, "usage: %s\n", c->usage);
		return 2;
	}
	if ((v = cli_value(c, a, "chunk")) != NULL &&
	    str_to_int64(str_c(v), 1, 10000, &chunk) != 0) {
		fprintf(stderr, "anju keys: --chunk must be 1..10000\n");
		return 2;
	}
	/* The keys as they are (missing ones created), before anything else:
	 * a keyring others may read stops every subcommand here. */
	if ((rc = load_keys(a, &kr, &e)) != 0 || (rc = cli_open_db(a, true, &db, &e)) != 0)
		goto out;
	if (strcmp(sub, "rotate") == 0) {
		if ((rc = keys_rotate(a->data, &kid, &e)) != 0)
			goto out;
		printf("key %d created (keys/pii/%d.key) and made current\n", kid, kid);
		fflush(stdout);
		keys_free(kr);
		kr = NULL;
		if ((rc = keys_load(a->data, &kr, &e)) != 0)
			goto out;
	}
	/* The job seals under the keyring of this process: this one, until the
	 * end, when whatever was current before is again. */
	before = keys_current();
	keys_set_current(kr);
	if (strcmp(sub, "status") == 0) {
		rc = print_status(db, kr, &e);
		goto out;
	}
	if ((rc = reseal(db, keys_pii_current(kr), chunk, &e)) != 0)
		goto out;
	printf("current key: %d\n", keys_pii_current(kr));
out:
	if (kr != NULL && keys_current() == kr)
		keys_set_current(before);
	keys_free(kr);
	return rc != 0 ? cli_fail(&e) : 0;
}

static const struct cli_flag keys_flags[] = {
	{ "chunk", true, "rows per committed chunk when re-sealing (default 500)" },
	{ NULL },
};

const struct cli_command cmd_keys = {
	"keys",
	"anju keys rotate|reseal|status --data DIR [--chunk N]",
	"rotate the personal-data key and re-seal, or show the keys and what they seal",
	keys_flags,
	1,
	1,
	true,
	run_keys,
};
