/*
 * Online payments: orders (what a household is asked to pay online, by an
 * order number the payment platform carries back), the channels (payment
 * platforms, each with its own secret), and their callbacks
 * POST /api/v1/payments/callbacks/{channel}.
 *
 * A callback carries no session: the channel authenticates it.  Its
 * headers X-Anju-Timestamp (Unix seconds) and X-Anju-Signature (lower-case
 * hex HMAC-SM3 under the channel's secret of timestamp "\n" body, the body's
 * exact bytes) are checked first: the timestamp within the channel's window
 * either way, the signature compared in constant time (ct_equal).  Then,
 * once per (channel, transaction id), the order must be open and the amount
 * equal to the order's; the payment is taken (channel online, channel_ref
 * "<channel>:<transaction id>", an electronic receipt), the order paid and
 * the answer stored, all in one transaction.  A repeated callback gets the
 * stored answer and makes no second payment; the same transaction with
 * another amount or order is a 409.  Every attempt, accepted or not, is
 * logged in payment_callback_attempt (never the secret or the signature).
 * See collection.h and docs/rent-collection.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/account.h"
#include "access/pii.h"
#include "access/role.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "household/household.h"
#include "http/http.h"
#include "money/money.h"
#include "rent/collection.h"
#include "store/rows.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

#define SECRET_BYTES 32
#define WINDOW_MIN   30
#define WINDOW_MAX   3600

static bool
token_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static json_t *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *
int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

static int
exec_done(struct db_stmt *st)
{
	int rc = db_step(st);

	db_reset(st);
	return rc == DB_DONE ? 0 : rc;
}

/* ---- orders ---- */

#define ORDER_COLS                                                                                 \
	"id, number, household_id, amount_fen, state, payment_id, channel_code, created_at,"       \
	" created_by, paid_at, cancelled_at"

static json_t *
order_json(struct db_stmt *st, void *ud)
{
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)db_col_int64(st, 0),
		      "number", db_col_text(st, 1), "household_id", (json_int_t)db_col_int64(st, 2),
		      "amount_fen", (json_int_t)db_col_int64(st, 3), "state", db_col_text(st, 4),
		      "created_at", db_col_text(st, 7), "created_by", db_col_text(st, 8));
	json_object_set_new(j, "payment_id", int_or_null(st, 5));
	json_object_set_new(j, "channel_code", text_or_null(st, 6));
	json_object_set_new(j, "paid_at", text_or_null(st, 9));
	json_object_set_new(j, "cancelled_at", text_or_null(st, 10));
	return j;
}

/* An order without scope: 0 or ANJU_ENOTFOUND. */
static int
order_load(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " ORDER_COLS " FROM online_order WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	return db_row_json(db, st, order_json, out, "order_not_found", "没有这个线上支付订单", e);
}

int
online_order_get(struct db *db, const struct caller *c, int64_t id, json_t **out,
		 struct anju_err *e)
{
	int64_t community;
	int rc;

	if ((rc = order_load(db, id, out, e)) != 0)
		return rc;
	rc = household_community(db, c, json_integer_value(json_object_get(*out, "household_id")),
				 &community, e);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
		if (rc == ANJU_ENOTFOUND)
			return anju_fail(e, ANJU_ENOTFOUND, "order_not_found", NULL,
					 "没有这个线上支付订单");
	}
	return rc;
}

static int
audit_order(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	    json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];
	int rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = audit_write(db, who, action, "online_order", oid, before, after, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
online_order_create(struct db *db, const struct caller *c, int64_t household_id, int64_t amount_fen,
		    const struct audit_actor *who, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], tmp[40], number[40], today[DATE_FMT_LEN];
	unsigned char r[8];
	int64_t community, owed = 0, id = 0;
	int rc;

	*out = NULL;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0 ||
	    (rc = money_owed(db, household_id, &owed, e)) != 0)
		return rc;
	if (owed <= 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "nothing_owed", "household_id",
				 "该家庭目前没有欠费，无需线上缴费");
	if (amount_fen == 0)
		amount_fen = owed;
	if (amount_fen < 0 || amount_fen > owed)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "amount_exceeds_owed", "amount_fen",
				 "缴费金额应在 0.01 元到欠费金额之间");
	random_bytes(r, sizeof(r));
	hex_encode(r, sizeof(r), tmp);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO online_order (number, household_id, amount_fen, state,"
			" created_at, created_by) VALUES (?, ?, ?, 'open', ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, tmp);
	db_bind_int64(st, 2, household_id);
	db_bind_int64(st, 3, amount_fen);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, who->principal ? who->principal : "anonymous");
	rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* "OL" + the day (Asia/Shanghai) + the id: unique, and readable on
	 * the phone of a tenant calling about it. */
	date_format(date_today_shanghai(), today);
	snprintf(number, sizeof(number), "OL%.4s%.2s%.2s%08lld", today, today + 5, today + 8,
		 (long long)id);
	rc = db_prepare(db, "UPDATE online_order SET number = ? WHERE id = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, number);
	db_bind_int64(st, 2, id);
	if ((rc = exec_done(st)) != 0)
		return db_fail(db, rc, e);
	if ((rc = audit_order(db, who, "online_order.create", id, NULL,
			      json_pack("{s:s, s:I, s:I}", "number", number, "household_id",
					(json_int_t)household_id, "amount_fen",
					(json_int_t)amount_fen),
			      e)) != 0)
		return rc;
	return order_load(db, id, out, e);
}

int
online_order_list(struct db *db, const struct caller *c, int64_t household_id, const char *state,
		  int64_t before_id, int limit, json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int64_t community;
	int rc;

	*items = NULL;
	*next = 0;
	if ((rc = household_community(db, c, household_id, &community, e)) != 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " ORDER_COLS " FROM online_order WHERE household_id = ?"
			" AND (? = 0 OR id < ?) AND (CAST(? AS TEXT) IS NULL OR state = ?)"
			" ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, household_id);
	db_bind_int64(st, 2, before_id);
	db_bind_int64(st, 3, before_id);
	db_bind_cstr(st, 4, state);
	db_bind_cstr(st, 5, state);
	db_bind_int64(st, 6, limit + 1);
	rc = page_collect(st, limit, order_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

int
online_order_cancel(struct db *db, const struct caller *c, int64_t id,
		    const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], state[16];
	json_t *o = NULL;
	int rc;

	if ((rc = online_order_get(db, c, id, &o, e)) != 0)
		return rc;
	snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(o, "state")));
	json_decref(o);
	if (strcmp(state, "open") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "invalid_state", "state",
				 "订单当前状态为 %s，只有待支付（open）的订单可以取消", state);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE online_order SET state = 'cancelled', cancelled_at = ? WHERE id = ?"
			" AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	if ((rc = exec_done(st)) != 0)
		return db_fail(db, rc, e);
	return audit_order(db, who, "online_order.cancel", id, json_pack("{s:s}", "state", "open"),
			   json_pack("{s:s}", "state", "cancelled"), e);
}

/* ---- channels ---- */

#define CHANNEL_COLS "code, name, window_seconds, enabled, secret_set_at, created_at, updated_at"

static json_t *
channel_json(struct db_stmt *st, void *ud)
{
	char path[96];

	(void)ud;
	snprintf(path, sizeof(path), "/api/v1/payments/callbacks/%s", db_col_text(st, 0));
	return json_pack("{s:s, s:s, s:I, s:b, s:s, s:s, s:s, s:s}", "code", db_col_text(st, 0),
			 "name", db_col_text(st, 1), "window_seconds",
			 (json_int_t)db_col_int64(st, 2), "enabled", db_col_int64(st, 3) != 0,
			 "secret_set_at", db_col_text(st, 4), "created_at", db_col_text(st, 5),
			 "updated_at", db_col_text(st, 6), "callback_path", path);
}

int
payment_channel_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	rc = db_prepare(db, "SELECT " CHANNEL_COLS " FROM payment_channel ORDER BY code", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	return db_rows_json(db, st, channel_json, items, e);
}

int
payment_channel_get(struct db *db, const char *code, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT " CHANNEL_COLS " FROM payment_channel WHERE code = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	return db_row_json(db, st, channel_json, out, "channel_not_found", "没有这个支付渠道", e);
}

/* A fresh secret: its hex into *secret (new), sealed into *sealed (new). */
static int
secret_new(char **secret, char **sealed, struct anju_err *e)
{
	unsigned char raw[SECRET_BYTES];
	int rc;

	*secret = xmalloc(2 * SECRET_BYTES + 1);
	*sealed = NULL;
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), *secret);
	explicit_bzero(raw, sizeof(raw));
	if (keys_current() == NULL)
		rc = anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "no keyring loaded");
	else if ((rc = pii_seal(keys_current(), *secret, 2 * SECRET_BYTES, sealed)) != 0)
		rc = anju_fail(e, rc, NULL, NULL, "cannot seal");
	if (rc != 0) {
		explicit_bzero(*secret, 2 * SECRET_BYTES);
		free(*secret);
		*secret = NULL;
	}
	return rc;
}

static int
audit_channel(struct db *db, const struct audit_actor *who, const char *action, const char *code,
	      json_t *before, json_t *after, struct anju_err *e)
{
	int rc = audit_write(db, who, action, "payment_channel", code, before, after, e);

	json_decref(before);
	json_decref(after);
	return rc;
}

static void
secret_free(char **secret)
{
	if (*secret != NULL) {
		explicit_bzero(*secret, strlen(*secret));
		free(*secret);
		*secret = NULL;
	}
}

int
payment_channel_create(struct db *db, const char *code, const char *name, int64_t window_seconds,
		       const struct audit_actor *who, char **secret, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *sealed = NULL;
	size_t n = text_chars(name);
	int rc;

	*secret = NULL;
	if (!text_is_code(code))
		return anju_fail(e, ANJU_EINVAL, "invalid_value", "code",
				 "渠道代码应为 2 到 32 个小写字母、数字或下划线，以字母开头");
	if (n < 1 || n > 64)
		return anju_fail(e, ANJU_EINVAL, "invalid_length", "name",
				 "请填写渠道名称（1 到 64 个字）");
	if (window_seconds == 0)
		window_seconds = 300;
	if (window_seconds < WINDOW_MIN || window_seconds > WINDOW_MAX)
		return anju_fail(e, ANJU_EINVAL, "out_of_range", "window_seconds",
				 "时间窗应在 %d 到 %d 秒之间", WINDOW_MIN, WINDOW_MAX);
	rc = db_prepare(db, "SELECT 1 FROM payment_channel WHERE code = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return anju_fail(e, ANJU_ECONFLICT, "channel_exists", "code", "渠道代码 %s 已存在",
				 code);
	if (rc != DB_DONE)
		return db_fail(db, rc, e);
	if ((rc = secret_new(secret, &sealed, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"INSERT INTO payment_channel (code, name, secret_sealed, window_seconds,"
			" enabled, secret_set_at, created_at, updated_at)"
			" VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, code);
		db_bind_cstr(st, 2, name);
		db_bind_cstr(st, 3, sealed);
		db_bind_int64(st, 4, window_seconds);
		db_bind_cstr(st, 5, now);
		db_bind_cstr(st, 6, now);
		db_bind_cstr(st, 7, now);
		rc = exec_done(st);
	}
	free(sealed);
	if (rc == 0)
		rc = audit_channel(db, who, "payment_channel.create", code, NULL,
				   json_pack("{s:s, s:s, s:I, s:b}", "code", code, "name", name,
					     "window_seconds", (json_int_t)window_seconds,
					     "enabled", 1),
				   e);
	else
		rc = db_fail(db, rc, e);
	if (rc != 0)
		secret_free(secret);
	return rc;
}

int
payment_channel_rotate(struct db *db, const char *code, const struct audit_actor *who,
		       char **secret, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], *sealed = NULL;
	json_t *ch = NULL;
	int rc;

	*secret = NULL;
	if ((rc = payment_channel_get(db, code, &ch, e)) != 0)
		return rc;
	json_decref(ch);
	if ((rc = secret_new(secret, &sealed, e)) != 0)
		return rc;
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE payment_channel SET secret_sealed = ?, secret_set_at = ?,"
			" updated_at = ? WHERE code = ?",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, sealed);
		db_bind_cstr(st, 2, now);
		db_bind_cstr(st, 3, now);
		db_bind_cstr(st, 4, code);
		rc = exec_done(st);
	}
	free(sealed);
	if (rc == 0)
		rc = audit_channel(db, who, "payment_channel.rotate_secret", code, NULL,
				   json_pack("{s:s}", "secret_set_at", now), e);
	else
		rc = db_fail(db, rc, e);
	if (rc != 0)
		secret_free(secret);
	return rc;
}

int
payment_channel_update(struct db *db, const char *code, const char *name, int64_t window_seconds,
		       int enabled, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *old = NULL, *cur = NULL, *d;
	int rc;

	if ((rc = payment_channel_get(db, code, &old, e)) != 0)
		return rc;
	if (name != NULL && (text_chars(name) < 1 || text_chars(name) > 64)) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_length", "name",
			       "请填写渠道名称（1 到 64 个字）");
		goto out;
	}
	if (window_seconds >= 0 && (window_seconds < WINDOW_MIN || window_seconds > WINDOW_MAX)) {
		rc = anju_fail(e, ANJU_EINVAL, "out_of_range", "window_seconds",
			       "时间窗应在 %d 到 %d 秒之间", WINDOW_MIN, WINDOW_MAX);
		goto out;
	}
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE payment_channel SET name = ?, window_seconds = ?, enabled = ?,"
			" updated_at = ? WHERE code = ?",
			&st);
	if (rc != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	db_bind_cstr(st, 1, name ? name : json_string_value(json_object_get(old, "name")));
	db_bind_int64(st, 2,
		      window_seconds >= 0
			      ? window_seconds
			      : json_integer_value(json_object_get(old, "window_seconds")));
	db_bind_int64(st, 3,
		      enabled >= 0 ? enabled > 0 : json_is_true(json_object_get(old, "enabled")));
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, code);
	if ((rc = exec_done(st)) != 0) {
		rc = db_fail(db, rc, e);
		goto out;
	}
	if ((rc = payment_channel_get(db, code, &cur, e)) != 0)
		goto out;
	json_object_del(old, "updated_at");
	json_object_del(cur, "updated_at");
	d = audit_diff(old, cur);
	if (d != NULL) {
		rc = audit_channel(db, who, "payment_channel.update", code,
				   json_incref(json_object_get(d, "before")),
				   json_incref(json_object_get(d, "after")), e);
		json_decref(d);
	}
out:
	json_decref(old);
	json_decref(cur);
	return rc;
}

static json_t *
attempt_json(struct db_stmt *st, void *ud)
{
	json_t *j;

	(void)ud;
	j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)db_col_int64(st, 0),
		      "channel_code", db_col_text(st, 1), "at", db_col_text(st, 2), "client",
		      db_col_text(st, 3), "status", (json_int_t)db_col_int64(st, 4), "outcome",
		      db_col_text(st, 5), "body_sha256", db_col_text(st, 9));
	json_object_set_new(j, "transaction_id", text_or_null(st, 6));
	json_object_set_new(j, "order_number", text_or_null(st, 7));
	json_object_set_new(j, "amount_fen", int_or_null(st, 8));
	return j;
}

int
payment_callback_attempts(struct db *db, const char *channel, int64_t before_id, int limit,
			  json_t **items, int64_t *next, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	*items = NULL;
	*next = 0;
	rc = db_prepare(db,
			"SELECT id, channel_code, at, client, status, outcome, transaction_id,"
			" order_number, amount_fen, body_sha256 FROM payment_callback_attempt"
			" WHERE (CAST(? AS TEXT) IS NULL OR channel_code = ?) AND (? = 0 OR id < ?)"
			" ORDER BY id DESC LIMIT ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, channel);
	db_bind_cstr(st, 2, channel);
	db_bind_int64(st, 3, before_id);
	db_bind_int64(st, 4, before_id);
	db_bind_int64(st, 5, limit + 1);
	rc = page_collect(st, limit, attempt_json, NULL, items, next);
	return rc == 0 ? 0 : db_fail(db, rc, e);
}

/* ---- callbacks ---- */

void
callback_sign(const char *secret, const char *timestamp, const char *body, size_t n, char out[65])
{
	struct hmac_sm3_ctx *h = hmac_sm3_new(secret, strlen(secret));
	uint8_t mac[SM3_LEN];

	hmac_sm3_update(h, timestamp, strlen(timestamp));
	hmac_sm3_update(h, "\n", 1);
	hmac_sm3_update(h, body, n);
	hmac_sm3_final(h, mac);
	hex_encode(mac, sizeof(mac), out);
}

/* What one attempt claimed, for the log. */
struct attempt {
	char sha[65];
	const char *txn, *order;
	int64_t amount;
};

static int
attempt_log(struct db *db, const struct callback_in *in, const struct attempt *a, int status,
	    const char *outcome)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], channel[40];
	bool own = !db_in_tx(db);
	int rc;

	time_format_utc(time_now_us(), now);
	/* An unknown channel's code is logged only as far as it is one. */
	snprintf(channel, sizeof(channel), "%s", text_is_code(in->channel) ? in->channel : "?");
	if (own && db_begin(db) != 0)
		return ANJU_EDB;
	rc = db_prepare(db,
			"INSERT INTO payment_callback_attempt (channel_code, at, client, status,"
			" outcome, transaction_id, order_number, amount_fen, body_sha256)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, channel);
		db_bind_cstr(st, 2, now);
		db_bind_cstr(st, 3, in->client ? in->client : "");
		db_bind_int64(st, 4, status);
		db_bind_cstr(st, 5, outcome);
		db_bind_cstr(st, 6, a->txn);
		db_bind_cstr(st, 7, a->order);
		if (a->amount > 0)
			db_bind_int64(st, 8, a->amount);
		else
			db_bind_null(st, 8);
		db_bind_cstr(st, 9, a->sha);
		rc = exec_done(st);
	}
	if (own) {
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0)
			db_rollback(db);
	}
	return rc;
}

/* The channel's secret (new; wipe it) and window, if it exists and is
 * enabled. */
static int
channel_secret(struct db *db, const char *code, char **secret, int64_t *window, char *name,
	       size_t ncap, struct anju_err *e)
{
	struct db_stmt *st;
	char *sealed = NULL;
	size_t n = 0;
	int rc;

	*secret = NULL;
	rc = db_prepare(db,
			"SELECT secret_sealed, window_seconds, name FROM payment_channel"
			" WHERE code = ? AND enabled = 1",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, code);
	rc = db_step(st);
	if (rc == DB_ROW) {
		sealed = xstrdup(db_col_text(st, 0));
		*window = db_col_int64(st, 1);
		snprintf(name, ncap, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "channel_not_found", NULL,
				 "没有这个支付渠道，或渠道已停用");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	rc = keys_current() ? pii_open(keys_current(), sealed, secret, &n) : ANJU_ENOTFOUND;
	free(sealed);
	if (rc != 0)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "channel %s: secret unreadable",
				 code);
	return 0;
}

/* The callback's body: its three members. */
static const struct field callback_fields[] = {
	{ "transaction_id", F_STRING, true, 1, 64 },
	{ "order_number", F_STRING, true, 1, 32 },
	{ "amount_fen", F_INT, true, 1, MONEY_AMOUNT_MAX },
	{ "paid_at", F_STRING, false, 1, 40 },
	{ NULL },
};

/* The stored answer of (channel, transaction), if any: 1 found (*answer
 * new, *order_id, *amount), 0 none, or a negative error. */
static int
stored_answer(struct db *db, const char *channel, const char *txn, json_t **answer,
	      int64_t *order_id, int64_t *amount, struct anju_err *e)
{
	struct db_stmt *st;
	json_error_t jerr;
	int rc;

	*answer = NULL;
	rc = db_prepare(db,
			"SELECT response, order_id, amount_fen FROM payment_callback"
			" WHERE channel_code = ? AND transaction_id = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, channel);
	db_bind_cstr(st, 2, txn);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*answer = json_loads(db_col_text(st, 0), 0, &jerr);
		*order_id = db_col_int64(st, 1);
		*amount = db_col_int64(st, 2);
	}
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : db_fail(db, rc, e);
}

/* One try of the transaction that takes the payment.  *replayed when the
 * answer was stored already. */
static int
accept_once(struct db *db, const struct callback_in *in, const char *channel_name, const char *txn,
	    const char *order_number, int64_t amount, json_t **answer, bool *replayed,
	    struct anju_err *e)
{
	struct db_stmt *st;
	struct audit_actor who = { 0 };
	struct payment_in pin = { 0 };
	char principal[48], ref[128], now[TIME_FMT_LEN], note[96], *text = NULL;
	int64_t order_id = 0, stored_order = 0, stored_amount = 0, hh = 0, order_amount = 0,
		pid = 0;
	char order_state[16] = "";
	json_t *pay = NULL, *receipt;
	int rc;

	*answer = NULL;
	*replayed = false;
	rc = stored_answer(db, in->channel, txn, answer, &stored_order, &stored_amount, e);
	if (rc < 0)
		return rc;
	rc = db_prepare(
		db, "SELECT id, household_id, amount_fen, state FROM online_order WHERE number = ?",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, order_number);
	rc = db_step(st);
	if (rc == DB_ROW) {
		order_id = db_col_int64(st, 0);
		hh = db_col_int64(st, 1);
		order_amount = db_col_int64(st, 2);
		snprintf(order_state, sizeof(order_state), "%s", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(db, rc, e);
	if (*answer != NULL) {
		if (stored_amount != amount || stored_order != order_id) {
			json_decref(*answer);
			*answer = NULL;
			return anju_fail(e, ANJU_ECONFLICT, "transaction_conflict",
					 "transaction_id", "交易 %s 已按另一金额或订单入账", txn);
		}
		*replayed = true;
		return 0;
	}
	if (order_id == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "order_not_found", "order_number",
				 "没有订单 %s", order_number);
	if (strcmp(order_state, "open") != 0)
		return anju_fail(e, ANJU_ECONFLICT, "order_not_open", "order_number",
				 "订单 %s 当前状态为 %s，不能再支付", order_number, order_state);
	if (amount != order_amount)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "amount_mismatch", "amount_fen",
				 "支付金额 %lld 分与订单金额 %lld 分不符", (long long)amount,
				 (long long)order_amount);
	snprintf(principal, sizeof(principal), "channel:%s", in->channel);
	who.principal = principal;
	who.name = channel_name;
	who.client = in->client;
	who.request_id = in->request_id;
	snprintf(ref, sizeof(ref), "%s:%s", in->channel, txn);
	snprintf(note, sizeof(note), "线上支付 订单 %s", order_number);
	pin.household_id = hh;
	pin.amount_fen = amount;
	pin.channel = CHANNEL_ONLINE;
	pin.channel_ref = ref;
	pin.note = note;
	if ((rc = payment_take(db, caller_system(), &pin, &who, &pid, &pay, e)) != 0)
		return rc;
	receipt = json_object_get(pay, "receipt");
	*answer = json_pack("{s:s, s:s, s:s, s:I, s:I, s:O}", "result", "accepted", "order_number",
			    order_number, "transaction_id", txn, "amount_fen", (json_int_t)amount,
			    "payment_id", (json_int_t)pid, "receipt_number",
			    json_is_object(receipt) ? json_object_get(receipt, "number")
						    : json_null());
	json_decref(pay);
	time_format_utc(time_now_us(), now);
	rc = db_prepare(db,
			"UPDATE online_order SET state = 'paid', payment_id = ?, channel_code = ?,"
			" paid_at = ? WHERE id = ? AND state = 'open'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, pid);
	db_bind_cstr(st, 2, in->channel);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, order_id);
	if ((rc = exec_done(st)) != 0)
		return db_fail(db, rc, e);
	text = json_dumps(*answer, JSON_COMPACT | JSON_SORT_KEYS);
	rc = db_prepare(
		db,
		"INSERT INTO payment_callback (channel_code, transaction_id, order_id,"
		" amount_fen, payment_id, response, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, in->channel);
		db_bind_cstr(st, 2, txn);
		db_bind_int64(st, 3, order_id);
		db_bind_int64(st, 4, amount);
		db_bind_int64(st, 5, pid);
		db_bind_cstr(st, 6, text);
		db_bind_cstr(st, 7, now);
		rc = exec_done(st);
	}
	free(text);
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "callback_race", NULL, "concurrent callback");
	if (rc != 0)
		return db_fail(db, rc, e);
	return audit_order(db, &who, "online_order.pay", order_id,
			   json_pack("{s:s}", "state", "open"),
			   json_pack("{s:s, s:s, s:I}", "state", "paid", "transaction_id", txn,
				     "payment_id", (json_int_t)pid),
			   e);
}

int
callback_handle(struct db *db, const struct callback_in *in, int *status, json_t **answer,
		struct anju_err *e)
{
	struct attempt a = { .amount = 0 };
	char *secret = NULL, expect[65], name[128] = "";
	uint8_t got[SM3_LEN], want[SM3_LEN];
	int64_t window = 300, ts = 0, now = time_now_us() / 1000000;
	json_t *body = NULL;
	bool replayed = false;
	int rc;

	*status = 0;
	*answer = NULL;
	sha256_hex(in->body ? in->body : "", in->n, a.sha);
	if (!text_is_code(in->channel)) {
		rc = anju_fail(e, ANJU_ENOTFOUND, "channel_not_found", NULL, "没有这个支付渠道");
		goto fail;
	}
	if ((rc = channel_secret(db, in->channel, &secret, &window, name, sizeof(name), e)) != 0)
		goto fail;
	if (in->timestamp == NULL ||
	    str_to_int64(str_c(in->timestamp), 1, INT64_C(99999999999), &ts) != 0) {
		rc = anju_fail(e, ANJU_EUNAUTH, "timestamp_invalid", "X-Anju-Timestamp",
			       "缺少时间戳或格式不正确（应为 Unix 秒）");
		goto fail;
	}
	if (ts < now - window || ts > now + window) {
		rc = anju_fail(e, ANJU_EUNAUTH, "timestamp_stale", "X-Anju-Timestamp",
			       "时间戳超出 %lld 秒的有效时间窗", (long long)window);
		goto fail;
	}
	callback_sign(secret, in->timestamp, in->body ? in->body : "", in->n, expect);
	hex_decode(expect, 64, want, sizeof(want));
	/* The signature's form is public; only its value is compared, in
	 * constant time. */
	if (in->signature == NULL || strlen(in->signature) != 64 ||
	    hex_decode(in->signature, 64, got, sizeof(got)) != 0 ||
	    !ct_equal(got, want, sizeof(want))) {
		rc = anju_fail(e, ANJU_EUNAUTH, "signature_invalid", "X-Anju-Signature",
			       "签名不正确");
		goto fail;
	}
	body = json_parse_body(in->body ? in->body : "", in->n, 4, e);
	if (body == NULL) {
		rc = ANJU_EINVAL;
		goto fail;
	}
	if ((rc = fields_validate(callback_fields, body, e)) != 0)
		goto fail;
	a.txn = json_string_value(json_object_get(body, "transaction_id"));
	a.order = json_string_value(json_object_get(body, "order_number"));
	a.amount = json_integer_value(json_object_get(body, "amount_fen"));
	if (!token_ok(a.txn, 64) || !token_ok(a.order, 32)) {
		rc = anju_fail(e, ANJU_EINVAL, "invalid_value",
			       token_ok(a.txn, 64) ? "order_number" : "transaction_id",
			       "交易号和订单号应为可见 ASCII 字符");
		goto fail;
	}
	/* Two tries: a concurrent duplicate that committed first makes ours
	 * conflict; the second try then finds its stored answer. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = db_begin(db)) != 0) {
			rc = db_fail(db, rc, e);
			goto fail;
		}
		rc = accept_once(db, in, name, a.txn, a.order, a.amount, answer, &replayed, e);
		if (rc == 0 &&
		    (rc = attempt_log(db, in, &a, 200, replayed ? "replayed" : "accepted")) != 0)
			rc = db_fail(db, rc, e);
		if (rc == 0 && (rc = db_commit(db)) != 0)
			rc = db_fail(db, rc, e);
		if (rc == 0) {
			*status = 200;
			goto out;
		}
		db_rollback(db);
		json_decref(*answer);
		*answer = NULL;
		if (rc != ANJU_ECONFLICT || attempt > 0 ||
		    (strcmp(e->key, "channel_ref_taken") != 0 &&
		     strcmp(e->key, "callback_race") != 0))
			break;
	}
fail:
	if (db_in_tx(db))
		db_rollback(db);
	attempt_log(db, in, &a, http_status_for(rc), e->key[0] ? e->key : "error");
out:
	if (secret != NULL)
		pii_plain_free(secret, strlen(secret));
	explicit_bzero(want, sizeof(want));
	explicit_bzero(expect, sizeof(expect));
	json_decref(body);
	return rc;
}
