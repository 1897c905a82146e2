// `anju ledger check` and `anju ledger close` beside a running server: the
// ledgerCheck helper every money test calls passes over a fresh data
// directory and over a book made through the API, and throws naming the row
// once a stored balance is changed behind the server's back; a period close
// asked for on the command line runs only when a second person approves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, run, ledgerCheck, dbExec } from './lib/server.js';

let s;
const keys = {};
const ids = {};

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const as = (role, method, path, body, headers = {}) => s.api(method, path, { body, token: keys[role], headers });

// The month before this one in Asia/Shanghai, "YYYY-MM": ended, so closable.
function lastMonth() {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
});
after(async () => {
  if (s) {
    await ledgerCheck(s);
    await s.stop();
  }
  cleanup(s);
});

test('the check passes over a fresh data directory', async () => {
  const out = await ledgerCheck(s);
  assert.match(out, /^ledger check: 0 entries in 0 journals, 0 periods: all balanced$/m);
});

test('a book made through the API balances; a changed balance is named', async () => {
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  assert.equal(r.status, 201, r.text);
  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: r.json.id, category: 'low_income',
    members: [{ name: '王伟', id_number: idNumber('19800101', 1), relationship: 'head' }],
  });
  assert.equal(r.status, 201, r.text);
  ids.hh = r.json.id;
  r = await as('finance', 'POST', '/api/v1/charges',
    { household_id: ids.hh, kind: 'rent', amount_fen: 60000, due_on: '2026-01-05', period: '2026-01' });
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'POST', '/api/v1/payments',
    { household_id: ids.hh, amount_fen: 100000, channel: 'bank_transfer', channel_ref: 'BT-LEDGER-1' },
    { 'Idempotency-Key': 'ledger-pay-1' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.credit_fen, 40000);

  const out = await ledgerCheck(s);
  assert.match(out, /^ledger check: \d+ entries in 2 journals, 1 period: all balanced$/m);

  // Behind the server's back: the household's receivable balance moves.
  const account = `(SELECT id FROM ledger_account WHERE code = 'receivable:${ids.hh}')`;
  dbExec(s, `UPDATE ledger_balance SET debit_fen = debit_fen + 1 WHERE account_id = ${account}`);
  await assert.rejects(ledgerCheck(s), (err) => {
    assert.match(err.message, /exit 1/);
    assert.match(err.message, new RegExp(`balance of account receivable:${ids.hh} \\(id \\d+\\) in \\d{4}-\\d{2}: stored debit 60001, entries 60000`));
    assert.match(err.message, /: \d+ failures? \(balance 1, household 1\)$/m);
    return true;
  });
  dbExec(s, `UPDATE ledger_balance SET debit_fen = debit_fen - 1 WHERE account_id = ${account}`);
  await ledgerCheck(s);
});

test('ledger close asks for a second person; the period closes on approval', async () => {
  const period = lastMonth();
  run(['user', 'add', '--data', s.data.dir, '--username', 'fin-wang', '--role', 'finance',
    '--all-communities', '--generate-password']);
  run(['user', 'add', '--data', s.data.dir, '--username', 'bu-li', '--role', 'bureau',
    '--all-communities', '--generate-password']);

  // Refused: not a finance account, no such account, a period not ended, a bad period.
  const refused = (args, re) => assert.throws(() => run(['ledger', 'close', '--data', s.data.dir, ...args]),
    (err) => { assert.equal(err.status, re === 'usage' ? 2 : 1); if (re !== 'usage') assert.match(err.stderr, re); return true; });
  refused(['--period', period, '--by', 'bu-li'], /a period close is asked for by a finance account/);
  refused(['--period', period, '--by', 'nobody'], /no account "nobody"/);
  const now = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
  refused(['--period', now, '--by', 'fin-wang'], /period_not_ended/);
  refused(['--period', '2026-13', '--by', 'fin-wang'], 'usage');
  refused(['--by', 'fin-wang'], 'usage');

  const out = run(['ledger', 'close', '--data', s.data.dir, '--period', period, '--by', 'fin-wang']);
  const m = /^approval request (\d+): close ledger period (\d{4}-\d{2}), asked by fin-wang \(finance\)$/m.exec(out);
  assert.ok(m, out);
  assert.equal(m[2], period);
  assert.match(out, /approvals inbox/);
  const id = Number(m[1]);
  let r = await as('bureau', 'GET', `/api/v1/approvals/${id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'ledger.close');
  assert.equal(r.json.state, 'pending');
  assert.deepEqual(r.json.payload, { period });
  // The one who asked may not approve it; a second person does.
  r = await as('bureau', 'POST', `/api/v1/approvals/${id}/approve`, { note: '同意' });
  assert.equal(r.status, 200, r.text);
  r = await as('bureau', 'GET', `/api/v1/approvals/${id}`);
  assert.equal(r.json.state, 'approved');
  assert.deepEqual(r.json.result, { period, state: 'closed' });
  // Closed: asking again is refused.
  refused(['--period', period, '--by', 'fin-wang'], /period_closed/);
});
