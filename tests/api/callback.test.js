// Online payments over HTTP: payment channels (admin; the secret shown once
// and sealed at rest), online orders for what a household owes, and the
// signed callbacks POST /api/v1/payments/callbacks/{channel}: a good one
// makes one payment with its receipt, a repeat gets the same answer and no
// second payment, and a bad signature, a stale timestamp, a wrong amount,
// an unknown order or another amount for the same transaction is a 4xx that
// writes nothing but its attempt log.  The ledger check passes afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, cleanup, apikey, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body, headers = {}) => s.api(method, path, { body, token: keys[role], headers });

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

// What a payment platform sends: HMAC-SM3 under the secret of
// timestamp "\n" body, in hex.
function callback(channel, secret, body, { skew = 0, tamper = false, ts } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = ts ?? String(Math.floor(Date.now() / 1000) + skew);
  let sig = createHmac('sm3', secret).update(`${timestamp}\n${raw}`).digest('hex');
  if (tamper) sig = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
  return s.api('POST', `/api/v1/payments/callbacks/${channel}`, {
    token: null, raw, headers: { 'X-Anju-Timestamp': timestamp, 'X-Anju-Signature': sig, 'Content-Type': 'application/json' },
  });
}

async function payments(hh) {
  const r = await as('finance', 'GET', `/api/v1/households/${hh}/account`);
  return r.json.payments;
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.admin = s.data.token;
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'staff-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', members: [{ name: '王伟', id_number: idNumber(31), relationship: 'head' }] });
  ids.h1 = r.json.id;
  r = await as('finance', 'POST', '/api/v1/charges', { household_id: ids.h1, kind: 'rent', amount_fen: 52300, due_on: '2026-01-05', period: '2026-01' });
  assert.equal(r.status, 201, r.text);
});
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('channels: admin only, the secret shown once and never again', async () => {
  let r = await as('admin', 'POST', '/api/v1/payment-channels', { code: 'wxpay', name: '微信支付' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.secret, /^[0-9a-f]{64}$/);
  assert.equal(r.json.window_seconds, 300);
  assert.equal(r.json.callback_path, '/api/v1/payments/callbacks/wxpay');
  ids.secret = r.json.secret;
  r = await as('admin', 'GET', '/api/v1/payment-channels');
  assert.equal(r.json.items.length, 1);
  assert.ok(!('secret' in r.json.items[0]));
  assert.ok(!r.text.includes(ids.secret));
  assert.equal((await as('admin', 'POST', '/api/v1/payment-channels', { code: 'wxpay', name: 'x' })).status, 409);
  assert.equal((await as('admin', 'POST', '/api/v1/payment-channels', { code: 'Bad-Code', name: 'x' })).status, 400);
  assert.equal((await as('admin', 'POST', '/api/v1/payment-channels', { code: 'alipay', name: 'x', window_seconds: 5 })).status, 400);
  assert.equal((await as('finance', 'POST', '/api/v1/payment-channels', { code: 'alipay', name: 'x' })).status, 403);
  assert.equal((await as('finance', 'GET', '/api/v1/payment-channels')).status, 200);
  // The audit trail never holds the secret.
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  r = await as('auditor', 'GET', '/api/v1/audit?object_type=payment_channel');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length >= 1);
  assert.ok(!r.text.includes(ids.secret));
});

test('orders: for what is owed, scoped, by staff, finance and the tenant', async () => {
  let r = await as('staff', 'POST', '/api/v1/online-orders', { household_id: ids.h1, amount_fen: 52301 });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'amount_exceeds_owed');
  assert.equal((await as('staffB', 'POST', '/api/v1/online-orders', { household_id: ids.h1 })).status, 404);
  r = await as('staff', 'POST', '/api/v1/online-orders', { household_id: ids.h1 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.amount_fen, 52300);
  assert.equal(r.json.state, 'open');
  ids.order = r.json;
  r = await as('finance', 'GET', `/api/v1/online-orders?household_id=${ids.h1}`);
  assert.equal(r.json.items.length, 1);
});

test('callbacks: refused without writing when signed badly, stale, for another amount or order', async () => {
  const body = { transaction_id: 'T100', order_number: ids.order.number, amount_fen: 52300 };
  let r = await callback('wxpay', ids.secret, body, { tamper: true });
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json.error.code, 'signature_invalid');
  r = await callback('wxpay', ids.secret, body, { skew: -301 });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'timestamp_stale');
  r = await callback('wxpay', ids.secret, body, { skew: 400 });
  assert.equal(r.json.error.code, 'timestamp_stale');
  r = await callback('wxpay', ids.secret, body, { ts: 'yesterday' });
  assert.equal(r.json.error.code, 'timestamp_invalid');
  r = await callback('wxpay', 'a'.repeat(64), body);
  assert.equal(r.status, 401);
  r = await callback('nopay', ids.secret, body);
  assert.equal(r.status, 404);
  r = await callback('wxpay', ids.secret, { ...body, amount_fen: 52299 });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'amount_mismatch');
  r = await callback('wxpay', ids.secret, { ...body, order_number: 'OL0000000000000000' });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'order_not_found');
  r = await callback('wxpay', ids.secret, '{"transaction_id":"T1"');
  assert.equal(r.status, 400);
  r = await callback('wxpay', ids.secret, { ...body, amount_fen: 'lots' });
  assert.equal(r.status, 400);
  assert.deepEqual(await payments(ids.h1), []);
  r = await as('finance', 'GET', `/api/v1/online-orders/${ids.order.id}`);
  assert.equal(r.json.state, 'open');
  // Each attempt is logged, without the signature.
  r = await as('finance', 'GET', '/api/v1/payment-callbacks?channel=wxpay');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length >= 9);
  assert.ok(r.json.items.every((a) => a.status >= 400));
  assert.ok(r.json.items.some((a) => a.outcome === 'signature_invalid'));
});

test('callbacks: a good one pays once; a repeat gets the same answer; another amount is 409', async () => {
  const body = { transaction_id: 'T100', order_number: ids.order.number, amount_fen: 52300 };
  const first = await callback('wxpay', ids.secret, body);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.result, 'accepted');
  assert.match(first.json.receipt_number, /^E/);
  const again = await callback('wxpay', ids.secret, body);
  assert.equal(again.status, 200);
  assert.deepEqual(again.json, first.json);
  // Two at once: still one payment.
  const both = await Promise.all([callback('wxpay', ids.secret, body), callback('wxpay', ids.secret, body)]);
  for (const r of both) assert.deepEqual(r.json, first.json);
  const p = await payments(ids.h1);
  assert.equal(p.length, 1);
  assert.equal(p[0].channel, 'online');
  assert.equal(p[0].channel_ref, 'wxpay:T100');
  assert.equal(p[0].amount_fen, 52300);
  let r = await callback('wxpay', ids.secret, { ...body, amount_fen: 100 });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'transaction_conflict');
  r = await callback('wxpay', ids.secret, { ...body, transaction_id: 'T101' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'order_not_open');
  r = await as('finance', 'GET', `/api/v1/online-orders/${ids.order.id}`);
  assert.equal(r.json.state, 'paid');
  assert.equal(r.json.payment_id, p[0].id);
  assert.equal((await as('finance', 'POST', `/api/v1/online-orders/${ids.order.id}/cancel`)).status, 409);
  assert.equal((await payments(ids.h1)).length, 1);
});

test('channels: a rotated secret replaces the old one; a disabled channel takes nothing', async () => {
  await as('finance', 'POST', '/api/v1/charges', { household_id: ids.h1, kind: 'rent', amount_fen: 1000, due_on: '2026-02-05', period: '2026-02' });
  let r = await as('staff', 'POST', '/api/v1/online-orders', { household_id: ids.h1 });
  const order = r.json;
  r = await as('admin', 'POST', '/api/v1/payment-channels/wxpay/secret');
  assert.equal(r.status, 200, r.text);
  const fresh = r.json.secret;
  assert.notEqual(fresh, ids.secret);
  const body = { transaction_id: 'T200', order_number: order.number, amount_fen: 1000 };
  assert.equal((await callback('wxpay', ids.secret, body)).status, 401);
  r = await as('admin', 'PATCH', '/api/v1/payment-channels/wxpay', { enabled: false });
  assert.equal(r.status, 200);
  assert.equal((await callback('wxpay', fresh, body)).status, 404);
  await as('admin', 'PATCH', '/api/v1/payment-channels/wxpay', { enabled: true });
  r = await callback('wxpay', fresh, body);
  assert.equal(r.status, 200, r.text);
  assert.equal((await payments(ids.h1)).length, 2);
});
