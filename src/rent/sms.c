/*
 * The outbox: messages to people (today SMS), written in the transaction of
 * whatever caused them and sent after it commits, by the job
 * "outbox_send", through a pluggable sender: an HTTP webhook (libcurl).
 * Owns outbox_message and outbox_sender (sql/021_dunning.sql).
 *
 * Exactly what leaves: a POST of application/json
 *     {"id": 12, "channel": "sms", "to": "13800000000", "text": "...",
 *      "source_type": "dunning_case", "source_id": 3, "attempt": 1}
 * with X-Anju-Message-Id (the id: a receiver drops repeats, since a send
 * cut short by a crash is sent again), X-Anju-Timestamp (Unix seconds) and,
 * when a secret is set, X-Anju-Signature: "sha256=" and the hex
 * HMAC-SHA256 under the secret of the timestamp, "\n" and the body.  Any
 * 2xx is delivered; anything else (another status, no answer within the
 * timeout, no connection) is a failed attempt, retried after
 * backoff_seconds × 2^(attempt - 1) (at most an hour) until max_attempts,
 * then the message is failed and waits for a person's retry.
 *
 * The phone is the person's own, sealed (access/person.h): it is opened
 * only to build the request, never stored here nor written to a log, and
 * the request's bytes are wiped after the send.  The webhook's secret is
 * sealed too, and never shown after it is set.
 *
 * A send is never inside a transaction: a short one claims the message
 * (its next attempt moved past the send's timeout, so no other worker
 * takes it meanwhile), the request runs, another records the outcome.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/person.h"
#include "access/pii.h"
#include "access/role.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/date.h"
#include "core/idnum.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"
#include "http/http.h"
#include "jobs/job.h"
#include "rent/dunning.h"
#include "rent/rent.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

#define TEXT_MAX       500 /* bytes of a message */
#define URL_MAX        500
#define SECRET_MIN     16
#define SECRET_MAX     200
#define BACKOFF_CAP_S  3600                     /* the longest wait between attempts */
#define LINGER_US      (120 * INT64_C(1000000)) /* the job waits this long for a retry */
#define CLAIM_MARGIN_S 30
#define ERROR_MAX      300
#define US             INT64_C(1000000)

const char *const outbox_states[] = { "pending", "sent", "failed", NULL };

static void
now_str(char out[TIME_FMT_LEN])
{
	time_format_utc(time_now_us(), out);
}

static int
audit_outbox(struct db *db, const struct audit_actor *who, const char *action, const char *type,
	     const char *id, json_t *before, json_t *after, struct anju_err *e)
{
	return audit_write(db, who, action, type, id, before, after, e);
}

int
outbox_kick(struct db *db, const char *created_by, int64_t *job_id, struct anju_err *e)
{
	struct db_stmt *st;
	json_t *params;
	int rc;

	*job_id = 0;
	rc = db_prepare(
		db, "SELECT id FROM job WHERE state = 'queued' AND kind = 'outbox_send' LIMIT 1",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc == DB_ROW)
		return 0; /* one is waiting already: it will see this message too */
	params = json_object();
	rc = job_create(db, "outbox_send", params, created_by ? created_by : "outbox", job_id, e);
	json_decref(params);
	return rc;
}

int
outbox_enqueue(struct db *db, const char *channel, int64_t person_id, const char *text,
	       const char *source_type, int64_t source_id, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *probe;
	int64_t community = 0, job = 0;
	bool has_phone = false, community_known = false;
	int rc;

	*id = 0;
	if (channel == NULL || strcmp(channel, "sms") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_channel", "channel",
				 "消息渠道只能是 sms（短信）");
	probe = text ? json_string(text) : NULL;
	json_decref(probe);
	if (probe == NULL || text[0] == '\0' || strlen(text) > TEXT_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_text", "text",
				 "短信内容应为 1 到 %d 字节的 UTF-8 文字", TEXT_MAX);
	if (!text_is_code(source_type) || source_id <= 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_source", "source_type",
				 "消息来源应为小写英文代码和正整数编号");
	rc = db_prepare(db,
			"SELECT CASE WHEN p.phone_sealed IS NULL THEN 0 ELSE 1 END, h.community_id "
			"FROM person p"
			" LEFT JOIN member m ON m.person_id = p.id AND m.left_at IS NULL"
			" LEFT JOIN household h ON h.id = m.household_id WHERE p.id = ?"
			" ORDER BY m.id DESC LIMIT 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, person_id);
	if ((rc = db_step(st)) == DB_ROW) {
		has_phone = db_col_int64(st, 0) != 0;
		community_known = !db_col_null(st, 1);
		community = db_col_int64(st, 1);
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_ENOTFOUND, "person_not_found", "person_id",
				 "没有这个人员");
	if (!has_phone)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "phone_not_recorded", "person_id",
				 "该人员没有登记手机号");
	now_str(now);
	rc = db_prepare(
		db,
		"INSERT INTO outbox_message (channel, person_id, community_id, text, state,"
		" attempts, next_attempt_at, source_type, source_id, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, channel);
	db_bind_int64(st, 2, person_id);
	if (community_known)
		db_bind_int64(st, 3, community);
	else
		db_bind_null(st, 3);
	db_bind_cstr(st, 4, text);
	db_bind_cstr(st, 5, now);
	db_bind_cstr(st, 6, source_type);
	db_bind_int64(st, 7, source_id);
	db_bind_cstr(st, 8, now);
	db_bind_cstr(st, 9, now);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc < 0 ? rc : ANJU_EDB, e);
	return outbox_kick(db, "outbox", &job, e);
}

/*
 * Reading and retrying.
 */

#define OUTBOX_SELECT                                                                              \
	"SELECT o.id, o.channel, o.person_id, p.name, o.community_id, o.text, o.state,"            \
	" o.attempts, o.next_attempt_at, o.last_error, o.source_type, o.source_id, o.created_at,"  \
	" o.sent_at, o.failed_at, o.updated_at FROM outbox_message o"                              \
	" JOIN person p ON p.id = o.person_id"

static json_t *
opt_text(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
outbox_row(struct db_stmt *st, void *ud)
{
	char name[PERSON_NAME_MAX * 2] = "";
	json_t *j;

	(void)ud;
	mask_middle(db_col_text(st, 3), 1, 0, name, sizeof(name));
	j = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:I}", "id",
		      (json_int_t)db_col_int64(st, 0), "channel", db_col_text(st, 1), "person_id",
		      (json_int_t)db_col_int64(st, 2), "person_name", name, "text",
		      db_col_text(st, 5), "state", db_col_text(st, 6), "attempts",
		      (json_int_t)db_col_int64(st, 7), "source_type", db_col_text(st, 10),
		      "source_id", (json_int_t)db_col_int64(st, 11));
	json_object_set_new(j, "community_id",
			    db_col_null(st, 4) ? json_null() : json_integer(db_col_int64(st, 4)));
	json_object_set_new(j, "next_attempt_at",
			    strcmp(db_col_text(st, 6), "pending") == 0 ? opt_text(st, 8)
								       : json_null());
	json_object_set_new(j, "last_error", opt_text(st, 9));
	json_object_set_new(j, "created_at", json_string(db_col_text(st, 12)));
	json_object_set_new(j, "sent_at", opt_text(st, 13));
	json_object_set_new(j, "failed_at", opt_text(st, 14));
	json_object_set_new(j, "updated_at", json_string(db_col_text(st, 15)));
	return j;
}

int
outbox_list(struct db *db, const struct caller *c, const struct outbox_filter *f, json_t **items,
	    int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int i = 1, rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			OUTBOX_SELECT " WHERE (? = 0 OR o.id < ?) AND (CAST(? AS TEXT) = ''"
				      " OR o.state = ?) AND " SCOPE_SQL(
					      "o.community_id") " ORDER BY o.id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, i++, f->after_id);
	db_bind_int64(st, i++, f->after_id);
	db_bind_cstr(st, i++, f->state ? f->state : "");
	db_bind_cstr(st, i++, f->state ? f->state : "");
	i = scope_bind(st, i, c);
	db_bind_int64(st, i, f->limit + 1);
	if ((rc = page_collect(st, f->limit, outbox_row, NULL, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
outbox_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e)
{
	return db_json_by_id(db, OUTBOX_SELECT " WHERE o.id = ? AND " SCOPE_SQL("o.community_id"),
			     id, c, scope_bind, outbox_row, out, "message_not_found",
			     "没有这条消息", e);
}

static const char *
state_title(const char *s)
{
	if (strcmp(s, "pending") == 0)
		return "待发送";
	if (strcmp(s, "sent") == 0)
		return "已发送";
	return "发送失败";
}

int
outbox_retry(struct db *db, const struct caller *c, const struct audit_actor *who, int64_t id,
	     struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	json_t *m = NULL, *before, *after;
	const char *state;
	int64_t job;
	int rc;

	if ((rc = outbox_get(db, c, id, &m, e)) != 0)
		return rc;
	state = json_string_value(json_object_get(m, "state"));
	if (strcmp(state, "failed") != 0) {
		rc = anju_fail(e, ANJU_ECONFLICT, "outbox_not_failed", "state",
			       "这条消息当前状态为“%s”（%s），只有发送失败的消息可以重发",
			       state_title(state), state);
		json_decref(m);
		return rc;
	}
	now_str(now);
	rc = db_prepare(db,
			"UPDATE outbox_message SET state = 'pending', attempts = 0,"
			" next_attempt_at = ?, failed_at = NULL, updated_at = ?"
			" WHERE id = ? AND state = 'failed'",
			&st);
	if (rc != 0) {
		json_decref(m);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, now);
	db_bind_cstr(st, 2, now);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		json_decref(m);
		return db_fail(db, rc, e);
	}
	before = json_pack("{s:s, s:O, s:O}", "state", "failed", "attempts",
			   json_object_get(m, "attempts"), "last_error",
			   json_object_get(m, "last_error"));
	after = json_pack("{s:s, s:i}", "state", "pending", "attempts", 0);
	json_decref(m);
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_outbox(db, who, "outbox.retry", "outbox_message", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	if (rc != 0)
		return rc;
	return outbox_kick(db, who && who->principal ? who->principal : "outbox", &job, e);
}

/*
 * The sender's settings.
 */

struct sender {
	char url[URL_MAX + 1];
	char *secret; /* opened; wiped and freed by sender_free */
	size_t secret_len;
	bool secret_set;
	int timeout_s, max_attempts, backoff_s;
	bool enabled;
};

static void
sender_free(struct sender *s)
{
	pii_plain_free(s->secret, s->secret_len);
	s->secret = NULL;
	s->secret_len = 0;
}

static int
sender_load(struct db *db, bool open_secret, struct sender *s, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_prepare(db,
			"SELECT url, secret_sealed, timeout_seconds, max_attempts, backoff_seconds,"
			" enabled FROM outbox_sender WHERE channel = 'sms'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW) {
		snprintf(s->url, sizeof(s->url), "%s", db_col_text(st, 0));
		s->secret_set = !db_col_null(st, 1);
		if (s->secret_set && open_secret &&
		    pii_open(keys_current(), db_col_text(st, 1), &s->secret, &s->secret_len) != 0)
			rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL,
				       "the SMS sender's secret cannot be opened");
		s->timeout_s = (int)db_col_int64(st, 2);
		s->max_attempts = (int)db_col_int64(st, 3);
		s->backoff_s = (int)db_col_int64(st, 4);
		s->enabled = db_col_int64(st, 5) != 0;
	}
	db_reset(st);
	if (rc == ANJU_EINTERNAL)
		return rc;
	if (rc < 0)
		return db_fail(db, rc, e);
	if (rc != DB_ROW)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "outbox_sender has no sms row");
	return 0;
}

int
outbox_sender_get(struct db *db, json_t **out, struct anju_err *e)
{
	struct sender s;
	struct db_stmt *st;
	int64_t pending = 0, failed = 0;
	char at[TIME_FMT_LEN] = "", by[128] = "";
	int rc;

	*out = NULL;
	if ((rc = sender_load(db, false, &s, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT (SELECT COUNT(*) FROM outbox_message WHERE state = 'pending'),"
			" (SELECT COUNT(*) FROM outbox_message WHERE state = 'failed'),"
			" updated_at, updated_by FROM outbox_sender WHERE channel = 'sms'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW) {
		pending = db_col_int64(st, 0);
		failed = db_col_int64(st, 1);
		snprintf(at, sizeof(at), "%s", db_col_text(st, 2));
		snprintf(by, sizeof(by), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	*out = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:b, s:s, s:s, s:I, s:I}", "channel",
			 "sms", "url", s.url, "secret_set", s.secret_set, "timeout_seconds",
			 s.timeout_s, "max_attempts", s.max_attempts, "backoff_seconds",
			 s.backoff_s, "enabled", s.enabled, "updated_at", at, "updated_by", by,
			 "pending", (json_int_t)pending, "failed", (json_int_t)failed);
	return 0;
}

static bool
url_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0)
		return true;
	if (n > URL_MAX || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7F)
			return false;
	return n > 8;
}

int
outbox_sender_set(struct db *db, const struct outbox_sender_in *in, const struct audit_actor *who,
		  struct anju_err *e)
{
	struct sender s;
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	char *sealed = NULL;
	json_t *before = NULL, *after = NULL, *diff;
	bool secret_change = in->secret != NULL;
	int64_t job = 0;
	int rc;

	if ((rc = sender_load(db, false, &s, e)) != 0)
		return rc;
	if (in->url != NULL && !url_ok(in->url))
		return anju_fail(
			e, ANJU_EINVAL, "invalid_url", "url",
			"网关地址应为 http:// 或 https:// 开头、不含空格的网址（至多 %d 字符）",
			URL_MAX);
	if (in->secret != NULL && in->secret[0] != '\0' &&
	    (strlen(in->secret) < SECRET_MIN || strlen(in->secret) > SECRET_MAX))
		return anju_fail(e, ANJU_EINVAL, "invalid_secret", "secret",
				 "签名密钥应为 %d 到 %d 个字符", SECRET_MIN, SECRET_MAX);
	if (in->timeout_seconds >= 0 && (in->timeout_seconds < 1 || in->timeout_seconds > 60))
		return anju_fail(e, ANJU_EINVAL, "invalid_timeout", "timeout_seconds",
				 "超时应为 1 到 60 秒");
	if (in->max_attempts >= 0 && (in->max_attempts < 1 || in->max_attempts > 20))
		return anju_fail(e, ANJU_EINVAL, "invalid_attempts", "max_attempts",
				 "最多尝试次数应为 1 到 20");
	if (in->backoff_seconds >= 0 && (in->backoff_seconds < 1 || in->backoff_seconds > 3600))
		return anju_fail(e, ANJU_EINVAL, "invalid_backoff", "backoff_seconds",
				 "重试间隔应为 1 到 3600 秒");
	before = json_pack("{s:s, s:b, s:i, s:i, s:i, s:b}", "url", s.url, "secret_set",
			   s.secret_set, "timeout_seconds", s.timeout_s, "max_attempts",
			   s.max_attempts, "backoff_seconds", s.backoff_s, "enabled", s.enabled);
	if (in->url != NULL)
		snprintf(s.url, sizeof(s.url), "%s", in->url);
	if (in->timeout_seconds >= 0)
		s.timeout_s = in->timeout_seconds;
	if (in->max_attempts >= 0)
		s.max_attempts = in->max_attempts;
	if (in->backoff_seconds >= 0)
		s.backoff_s = in->backoff_seconds;
	if (in->enabled >= 0)
		s.enabled = in->enabled != 0;
	if (secret_change && in->secret[0] != '\0' &&
	    (rc = pii_seal(keys_current(), in->secret, strlen(in->secret), &sealed)) != 0) {
		rc = anju_fail(e, rc, NULL, "secret", "签名密钥无法加密保存");
		goto out;
	}
	if (secret_change)
		s.secret_set = sealed != NULL;
	now_str(now);
	rc = db_prepare(db,
			secret_change ? "UPDATE outbox_sender SET url = ?, timeout_seconds = ?,"
					" max_attempts = ?, backoff_seconds = ?, enabled = ?,"
					" updated_at = ?, updated_by = ?, secret_sealed = ?"
					" WHERE channel = 'sms'"
				      : "UPDATE outbox_sender SET url = ?, timeout_seconds = ?,"
					" max_attempts = ?, backoff_seconds = ?, enabled = ?,"
					" updated_at = ?, updated_by = ? WHERE channel = 'sms'",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, s.url);
	db_bind_int64(st, 2, s.timeout_s);
	db_bind_int64(st, 3, s.max_attempts);
	db_bind_int64(st, 4, s.backoff_s);
	db_bind_int64(st, 5, s.enabled ? 1 : 0);
	db_bind_cstr(st, 6, now);
	db_bind_cstr(st, 7, who && who->principal ? who->principal : "system");
	if (secret_change)
		db_bind_cstr(st, 8, sealed);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	after = json_pack("{s:s, s:b, s:i, s:i, s:i, s:b}", "url", s.url, "secret_set",
			  s.secret_set, "timeout_seconds", s.timeout_s, "max_attempts",
			  s.max_attempts, "backoff_seconds", s.backoff_s, "enabled", s.enabled);
	if (secret_change)
		json_object_set_new(after, "secret_changed", json_true());
	diff = audit_diff(before, after);
	rc = 0;
	if (diff != NULL)
		rc = audit_outbox(db, who, "outbox_sender.update", "outbox_sender", "sms",
				  json_object_get(diff, "before"), json_object_get(diff, "after"),
				  e);
	json_decref(diff);
	/* Messages that waited for a sender leave now. */
	if (rc == 0 && s.enabled && s.url[0] != '\0')
		rc = outbox_kick(db, who && who->principal ? who->principal : "outbox", &job, e);
out:
	free(sealed);
	json_decref(before);
	json_decref(after);
	return rc;
}

/*
 * Sending.
 */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The answer's body is not needed: read and drop at most 64 KiB. */
static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	size_t *seen = ud;

	(void)p;
	*seen += size * n;
	return *seen > 65536 ? 0 : size * n;
}

/* POSTs body to the sender: 0 delivered, or -1 with why (no personal data
 * in it). */
static int
webhook_post(const struct sender *s, int64_t id, const char *body, size_t n, char *why, size_t cap)
{
	struct curl_slist *h = NULL;
	char line[256], ts[24], hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t seen = 0;
	long status = 0;
	CURLcode cc;
	CURL *curl;
	int rc = -1;

	pthread_once(&curl_once, curl_start);
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(why, cap, "curl_easy_init failed");
		return -1;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)(time_now_us() / US));
	h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
	snprintf(line, sizeof(line), "X-Anju-Message-Id: %lld", (long long)id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Anju-Timestamp: %s", ts);
	h = curl_slist_append(h, line);
	if (s->secret != NULL) {
		size_t tn = strlen(ts);
		unsigned char *msg = xmalloc(tn + 1 + n);

		memcpy(msg, ts, tn);
		msg[tn] = '\n';
		memcpy(msg + tn + 1, body, n);
		HMAC(EVP_sha256(), s->secret, (int)s->secret_len, msg, tn + 1 + n, mac, &maclen);
		explicit_bzero(msg, tn + 1 + n);
		free(msg);
		hex_encode(mac, maclen, hex);
		snprintf(line, sizeof(line), "X-Anju-Signature: sha256=%s", hex);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)n);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "anju-outbox/1");
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && seen > 65536)) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			rc = 0;
		else
			snprintf(why, cap, "网关返回 HTTP %ld", status);
	} else {
		snprintf(why, cap, "网关无法送达：%s", curl_easy_strerror(cc));
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return rc;
}

struct claimed {
	int64_t id, person_id, source_id;
	int attempts;
	char source_type[40];
	char *text;
};

/* Claims the oldest due message: 1 claimed, 0 none. */
static int
claim_next(struct db *db, const struct sender *s, struct claimed *m, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], until[TIME_FMT_LEN], old[TIME_FMT_LEN] = "";
	int64_t changed = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = db_begin(db)) != 0)
		return db_fail(db, rc, e);
	now_str(now);
	rc = db_prepare(db,
			"SELECT id, person_id, text, attempts, source_type, source_id,"
			" next_attempt_at FROM outbox_message WHERE state = 'pending'"
			" AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1",
			&st);
	if (rc != 0)
		goto fail;
	db_bind_cstr(st, 1, now);
	if ((rc = db_step(st)) == DB_ROW) {
		m->id = db_col_int64(st, 0);
		m->person_id = db_col_int64(st, 1);
		m->text = xstrdup(db_col_text(st, 2));
		m->attempts = (int)db_col_int64(st, 3) + 1;
		snprintf(m->source_type, sizeof(m->source_type), "%s", db_col_text(st, 4));
		m->source_id = db_col_int64(st, 5);
		snprintf(old, sizeof(old), "%s", db_col_text(st, 6));
	}
	db_reset(st);
	if (rc < 0)
		goto fail;
	if (m->id == 0) {
		db_rollback(db);
		return 0;
	}
	time_format_utc(time_now_us() + (int64_t)(s->timeout_s + CLAIM_MARGIN_S) * US, until);
	rc = db_prepare(
		db,
		"UPDATE outbox_message SET attempts = ?, next_attempt_at = ?, updated_at = ?"
		" WHERE id = ? AND state = 'pending' AND next_attempt_at = ?",
		&st);
	if (rc != 0)
		goto fail;
	db_bind_int64(st, 1, m->attempts);
	db_bind_cstr(st, 2, until);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, m->id);
	db_bind_cstr(st, 5, old);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0)
		goto fail;
	if ((rc = db_commit(db)) != 0)
		goto fail;
	if (changed == 0) { /* another worker took it first */
		free(m->text);
		m->text = NULL;
		m->id = 0;
		return 2;
	}
	return 1;
fail:
	free(m->text);
	m->text = NULL;
	db_rollback(db);
	return db_fail(db, rc, e);
}

static int
record_outcome(struct db *db, const struct sender *s, const struct claimed *m, bool ok,
	       const char *why, bool final, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], next[TIME_FMT_LEN];
	int64_t delay;
	int rc;

	if ((rc = db_begin(db)) != 0)
		return db_fail(db, rc, e);
	now_str(now);
	if (ok) {
		rc = db_prepare(db,
				"UPDATE outbox_message SET state = 'sent', sent_at = ?,"
				" last_error = NULL, updated_at = ? WHERE id = ?",
				&st);
		if (rc == 0) {
			db_bind_cstr(st, 1, now);
			db_bind_cstr(st, 2, now);
			db_bind_int64(st, 3, m->id);
		}
	} else if (final || m->attempts >= s->max_attempts) {
		rc = db_prepare(db,
				"UPDATE outbox_message SET state = 'failed', failed_at = ?,"
				" last_error = ?, updated_at = ? WHERE id = ?",
				&st);
		if (rc == 0) {
			db_bind_cstr(st, 1, now);
			db_bind_cstr(st, 2, why);
			db_bind_cstr(st, 3, now);
			db_bind_int64(st, 4, m->id);
		}
	} else {
		delay = (int64_t)s->backoff_s;
		for (int i = 1; i < m->attempts && delay < BACKOFF_CAP_S; i++)
			delay *= 2;
		if (delay > BACKOFF_CAP_S)
			delay = BACKOFF_CAP_S;
		time_format_utc(time_now_us() + delay * US, next);
		rc = db_prepare(db,
				"UPDATE outbox_message SET next_attempt_at = ?, last_error = ?,"
				" updated_at = ? WHERE id = ?",
				&st);
		if (rc == 0) {
			db_bind_cstr(st, 1, next);
			db_bind_cstr(st, 2, why);
			db_bind_cstr(st, 3, now);
			db_bind_int64(st, 4, m->id);
		}
	}
	if (rc == 0) {
		rc = db_step(st);
		db_reset(st);
	}
	if (rc >= 0 && (rc = db_commit(db)) == 0)
		return 0;
	db_rollback(db);
	return db_fail(db, rc, e);
}

/* Microseconds until the next pending message is due; -1 when none. */
static int
next_due(struct db *db, int64_t *wait_us, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t at = 0, now = time_now_us();
	int rc;

	*wait_us = -1;
	rc = db_prepare(
		db, "SELECT MIN(next_attempt_at) FROM outbox_message WHERE state = 'pending'", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	if ((rc = db_step(st)) == DB_ROW && !db_col_null(st, 0) &&
	    time_parse_utc(str_c(db_col_text(st, 0)), &at) == 0)
		*wait_us = at > now ? at - now : 0;
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

int
outbox_send_due(struct db *db, int max_messages, int *sent, int *failed, int64_t *wait_us,
		struct anju_err *e)
{
	struct sender s;
	int rc;

	*sent = *failed = 0;
	*wait_us = -1;
	if ((rc = sender_load(db, true, &s, e)) != 0)
		return rc;
	if (!s.enabled || s.url[0] == '\0') {
		/* Not configured: messages wait; saving the settings starts the job. */
		sender_free(&s);
		return 0;
	}
	for (int i = 0; i < max_messages; i++) {
		struct claimed m;
		char *phone = NULL, *body = NULL, why[ERROR_MAX] = "";
		size_t plen = 0, blen = 0;
		bool final = false, ok = false;
		json_t *j;

		rc = claim_next(db, &s, &m, e);
		if (rc < 0)
			break;
		if (rc == 0)
			break;
		if (rc == 2)
			continue;
		rc = person_open(db, m.person_id, "phone", &phone, &plen, e);
		if (rc == ANJU_ENOTFOUND) {
			snprintf(why, sizeof(why), "%s", e->msg);
			final = true;
		} else if (rc != 0) {
			free(m.text);
			break;
		} else {
			j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:i}", "id", (json_int_t)m.id,
				      "channel", "sms", "to", phone, "text", m.text, "source_type",
				      m.source_type, "source_id", (json_int_t)m.source_id,
				      "attempt", m.attempts);
			body = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			pii_plain_free(phone, plen);
			phone = NULL;
			blen = body ? strlen(body) : 0;
			ok = body != NULL &&
			     webhook_post(&s, m.id, body, blen, why, sizeof(why)) == 0;
			if (body == NULL)
				snprintf(why, sizeof(why), "消息无法编码");
			if (body != NULL) {
				explicit_bzero(body, blen);
				free(body);
			}
		}
		if (ok)
			log_info("outbox: message %lld sent (attempt %d)", (long long)m.id,
				 m.attempts);
		else
			log_warn("outbox: message %lld attempt %d failed: %s", (long long)m.id,
				 m.attempts, why);
		rc = record_outcome(db, &s, &m, ok, why, final, e);
		free(m.text);
		if (rc != 0)
			break;
		if (ok)
			(*sent)++;
		else if (final || m.attempts >= s.max_attempts)
			(*failed)++;
	}
	sender_free(&s);
	if (rc < 0)
		return rc;
	return next_due(db, wait_us, e);
}

/*
 * The job.  It sends what is due, then waits for retries due within
 * LINGER_US (checking for cancellation each second); later retries are
 * left to the next job: the next message enqueued, the settings saved, a
 * person's "send now", or the schedule.
 */

static const struct field send_params[] = { { NULL } };

static int
send_run(struct job_ctx *ctx, struct anju_err *e)
{
	struct db *db = job_db(ctx);
	int64_t done = 0, nfailed = 0, wait = -1;
	char note[128];
	int rc;

	for (;;) {
		int sent = 0, failed = 0;

		if ((rc = outbox_send_due(db, 50, &sent, &failed, &wait, e)) != 0)
			return rc;
		done += sent;
		nfailed += failed;
		snprintf(note, sizeof(note), "已发送 %lld 条，失败 %lld 条", (long long)done,
			 (long long)nfailed);
		if ((rc = job_progress(ctx, done, done, note, e)) != 0)
			return rc;
		if (wait < 0 || wait > LINGER_US)
			break;
		while (wait > 0) {
			int64_t step = wait > US ? US : wait;
			struct timespec ts = { (time_t)(step / US), (long)(step % US) * 1000 };

			nanosleep(&ts, NULL);
			wait -= step;
			if ((rc = job_chunk_begin(ctx, e)) != 0)
				return rc;
			job_chunk_abort(ctx);
		}
	}
	job_set_result(ctx, json_pack("{s:I, s:I, s:b}", "sent", (json_int_t)done, "failed",
				      (json_int_t)nfailed, "waiting", wait >= 0));
	return 0;
}

const struct job_kind job_kind_outbox_send = { "outbox_send", "发送短信（消息发件箱）", send_params,
					       send_run };
