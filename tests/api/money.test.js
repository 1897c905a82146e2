// The money core over HTTP: charges raised by hand, payments that require an
// Idempotency-Key and settle the oldest charge first, the rest kept as
// credit, electronic receipts, the household's account and ledger lines,
// and the two-person actions (cancel a charge, reverse a payment, refund
// credit, close a period) that run only when a second person approves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};
let seq = 0;

const as = (role, method, path, body, headers = {}) => s.api(method, path, { body, token: keys[role], headers });
const pay = (role, body, key = `pay-${++seq}`) =>
  s.api('POST', '/api/v1/payments', { body, token: keys[role], headers: { 'Idempotency-Key': key } });

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

async function household(community, name, n) {
  const r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: community, category: 'low_income',
    members: [{ name, id_number: idNumber('19800101', n), relationship: 'head' }],
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function approve(role, approvalId) {
  const r = await as(role, 'POST', `/api/v1/approvals/${approvalId}/approve`, { note: '同意' });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.finance2 = apikey(s.data.dir, 'finance', 'finance-2', ['--all-communities']);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  keys.inspector = apikey(s.data.dir, 'inspector', 'inspector-a', ['--community', String(ids.a)]);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  ids.h1 = await household(ids.a, '王伟', 11);
  ids.h2 = await household(ids.a, '李芳', 12);
});
// The book is proved whole after the tests, on its own.
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('charges: raised by finance and the operator manager, validated, scoped', async () => {
  const body = { household_id: ids.h1, kind: 'rent', amount_fen: 30000, due_on: '2026-01-05', period: '2026-01' };
  let r = await as('manager', 'POST', '/api/v1/charges', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.owed_fen, 30000);
  assert.equal(r.json.state, 'open');
  assert.equal(r.json.source_type, 'manual');
  ids.jan = r.json.id;
  r = await as('finance', 'POST', '/api/v1/charges', { ...body, due_on: '2026-02-05', period: '2026-02' });
  ids.feb = r.json.id;
  // Roles: the inspector and the auditor may not; staff of another community do not see it.
  assert.equal((await as('inspector', 'POST', '/api/v1/charges', body)).status, 403);
  assert.equal((await as('auditor', 'GET', `/api/v1/charges/${ids.jan}`)).status, 403);
  assert.equal((await as('staffB', 'GET', `/api/v1/charges/${ids.jan}`)).status, 404);
  // Bad input.
  for (const [patch, field] of [[{ amount_fen: 0 }, 'amount_fen'], [{ amount_fen: -100 }, 'amount_fen'],
    [{ amount_fen: 1.5 }, 'amount_fen'], [{ amount_fen: 10000000001 }, 'amount_fen'],
    [{ due_on: '2026-02-30' }, 'due_on'],
    [{ kind: 'gift' }, 'kind'], [{ period: '2026-13' }, 'period']]) {
    r = await as('finance', 'POST', '/api/v1/charges', { ...body, ...patch });
    assert.equal(r.status, 400, `${JSON.stringify(patch)}: ${r.text}`);
    assert.equal(r.json.error.field, field, `${JSON.stringify(patch)}: ${r.text}`);
  }
  // An amount beyond 64 bits never reaches the handler.
  r = await s.api('POST', '/api/v1/charges', { token: keys.finance,
    raw: JSON.stringify(body).replace('30000', '92233720368547758070'), headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_json');
  r = await as('finance', 'POST', '/api/v1/charges', { ...body, household_id: 999999 });
  assert.equal(r.status, 404);
});

test('payments: Idempotency-Key required, oldest charge first, the rest is credit', async () => {
  const body = { household_id: ids.h1, amount_fen: 40000, channel: 'bank_transfer', channel_ref: 'BT-2026-0001' };
  let r = await as('finance', 'POST', '/api/v1/payments', body);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'idempotency_key_required');
  r = await pay('finance', body, 'first-payment');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.allocated_fen, 40000);
  assert.deepEqual(r.json.allocations.map((a) => [a.charge_id, a.amount_fen, a.policy]),
    [[ids.jan, 30000, 'oldest_due_first'], [ids.feb, 10000, 'oldest_due_first']]);
  assert.match(r.json.receipt.number, /^E\d{4}YH-00000001$/);
  ids.p1 = r.json.id;
  // The same key and body replays; another body with it is refused.
  const again = await pay('finance', body, 'first-payment');
  assert.equal(again.status, 201);
  assert.equal(again.json.id, ids.p1);
  r = await pay('finance', { ...body, amount_fen: 1 }, 'first-payment');
  assert.equal(r.status, 422);
  // A channel reference is taken once; non-cash needs one.
  r = await pay('finance', body);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'channel_ref_taken');
  r = await pay('finance', { ...body, channel_ref: undefined });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'channel_ref');
  // Time: not in the future, in UTC form.
  r = await pay('finance', { ...body, channel_ref: 'BT-X', received_at: '2099-01-01T00:00:00Z' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'received_at');
  r = await pay('finance', { ...body, channel_ref: 'BT-Y', received_at: 'yesterday at noon' });
  assert.equal(r.status, 400);
  // An API key has no receipt book: cash at the counter needs a clerk's book.
  r = await pay('finance', { household_id: ids.h1, amount_fen: 100, channel: 'cash' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'no_receipt_book');
  // 500 yuan: February's remaining 200 and 300 of credit.
  r = await pay('manager', { household_id: ids.h1, amount_fen: 50000, channel: 'online', channel_ref: 'WX-1' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.credit_fen, 30000);
  ids.p2 = r.json.id;
  r = await as('manager', 'GET', `/api/v1/households/${ids.h1}/account`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.owed_fen, 0);
  assert.equal(r.json.credit_fen, 30000);
  assert.equal(r.json.payments.length, 2);
  // The next charge takes the credit by itself.
  r = await as('finance', 'POST', '/api/v1/charges', { household_id: ids.h1, kind: 'rent', amount_fen: 30000, due_on: '2026-03-05', period: '2026-03' });
  assert.equal(r.json.state, 'paid');
  ids.mar = r.json.id;
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/ledger?limit=2`);
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 2);
  assert.equal(r.json.items[0].event, 'charge');
  for (const j of r.json.items) assert.equal(j.lines.reduce((sum, l) => sum + l.amount_fen, 0), 0);
  assert.ok(r.json.next);
  assert.equal((await as('staffB', 'GET', `/api/v1/households/${ids.h1}/account`)).status, 404);
});

test('two-person actions: nothing happens until a second person approves', async () => {
  // Reversing the first payment: asked by finance, not approvable by the same key.
  let r = await as('finance', 'POST', `/api/v1/payments/${ids.p1}/reverse`, { reason: '银行退回' });
  assert.equal(r.status, 202, r.text);
  const rev = r.json.approval.id;
  assert.equal((await as('finance', 'GET', `/api/v1/payments/${ids.p1}`)).json.state, 'posted');
  r = await as('finance', 'POST', `/api/v1/approvals/${rev}/approve`, {});
  assert.equal(r.status, 403);
  await approve('finance2', rev);
  r = await as('finance', 'GET', `/api/v1/payments/${ids.p1}`);
  assert.equal(r.json.state, 'reversed');
  assert.equal(r.json.receipt.state, 'voided');
  assert.equal(r.json.reverse_reason, '银行退回');
  // January and February reopened; the second payment's money settled January.
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/account`);
  assert.equal(r.json.owed_fen, 40000);
  assert.equal(r.json.credit_fen, 0);
  // Cancel March (paid from credit): its 300 yuan go back and settle February.
  r = await as('manager', 'POST', `/api/v1/charges/${ids.mar}/cancel`, { reason: '三月未入住' });
  assert.equal(r.status, 202);
  await approve('bureau', r.json.approval.id);
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/account`);
  assert.equal(r.json.owed_fen, 10000);
  assert.equal(r.json.charges.find((c) => c.id === ids.mar).state, 'cancelled');
  // A refund beyond the credit is refused at once; within it, paid on approval.
  await pay('finance', { household_id: ids.h2, amount_fen: 8000, channel: 'bank_transfer', channel_ref: 'BT-H2' });
  r = await as('finance', 'POST', '/api/v1/refunds', { household_id: ids.h2, amount_fen: 8001, channel: 'cash', reason: '退预收' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'refund_exceeds_credit');
  r = await as('finance', 'POST', '/api/v1/refunds', { household_id: ids.h2, amount_fen: 5000, channel: 'bank_transfer', reason: '退预收' });
  assert.equal(r.status, 202, r.text);
  await approve('bureau', r.json.approval.id);
  r = await as('finance', 'GET', `/api/v1/households/${ids.h2}/account`);
  assert.equal(r.json.credit_fen, 3000);
  assert.equal(r.json.refunds[0].amount_fen, 5000);
  // Closing the current period is refused when asked.
  const now = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
  r = await as('finance', 'POST', `/api/v1/ledger/periods/${now}/close`, { reason: '月结' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'period_not_ended');
  assert.equal((await as('manager', 'POST', `/api/v1/ledger/periods/${now}/close`, { reason: '月结' })).status, 403);
});
