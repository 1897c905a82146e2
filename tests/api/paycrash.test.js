// kill -9 while payments are being taken (issue 5 §6): after a restart each
// payment is either whole (payment, allocations, journal, receipt) or absent,
// and retrying every request with its own Idempotency-Key leaves exactly one
// payment per key.  20 times on SQLite, 5 on PostgreSQL, small data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initData, Server, cleanup, apikey, sleep, ENGINE, ledgerCheck } from './lib/server.js';

const ROUNDS = ENGINE === 'postgresql' ? 5 : 20;
const PAYMENTS = 12;

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

test(`a payment interrupted by kill -9 is whole or absent (${ROUNDS} rounds)`, async () => {
  const data = initData();
  const s = new Server(data, { schedules: 'false', job_workers: '0' });
  const key = apikey(data.dir, 'finance', 'crash-finance', ['--all-communities']);
  const bureau = apikey(data.dir, 'bureau', 'crash-bureau', ['--all-communities']);
  const as = (token, method, path, body, headers = {}) => s.api(method, path, { body, token, headers });
  try {
    await s.start();
    let r = await as(bureau, 'POST', '/api/v1/communities', { name: '南苑公租房' });
    const community = r.json.id;
    r = await as(bureau, 'POST', '/api/v1/households', { community_id: community, category: 'low_income',
      members: [{ name: '王伟', id_number: idNumber(1), relationship: 'head' }] });
    const household = r.json.id;
    let owedTotal = 0;
    for (let m = 1; m <= 6; m++) {
      r = await as(key, 'POST', '/api/v1/charges', { household_id: household, kind: 'rent', amount_fen: 23456,
        due_on: `2026-0${m}-05`, period: `2026-0${m}` });
      assert.equal(r.status, 201, r.text);
      owedTotal += 23456;
    }
    const attempts = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Fire a burst of payments and kill the server at a random moment in it.
      // The kill comes after a random number of answers, with the rest in
      // flight, and a random pause more.
      const burst = [];
      const killAfter = 1 + Math.floor(Math.random() * (PAYMENTS - 2));
      let answered = 0;
      for (let i = 0; i < PAYMENTS; i++) {
        const a = { key: `crash-${round}-${i}`, body: { household_id: household, amount_fen: 1000 + round * 100 + i,
          channel: 'bank_transfer', channel_ref: `CR-${round}-${i}` } };
        attempts.push(a);
        burst.push(as(key, 'POST', '/api/v1/payments', a.body, { 'Idempotency-Key': a.key })
          .then((res) => { answered++; return res; }, () => null));
      }
      for (let t = 0; t < 500 && answered < killAfter; t++) await sleep(2);
      await sleep(Math.floor(Math.random() * 3));
      const { signal } = await s.stop('SIGKILL');
      assert.equal(signal, 'SIGKILL');
      await Promise.all(burst);
      await s.start();
    }
    // Each payment that reached the database is whole.
    const acct = (await as(key, 'GET', `/api/v1/households/${household}/account`)).json;
    for (const p of acct.payments) {
      assert.ok(p.receipt, `payment ${p.id} has its receipt`);
      assert.equal(p.receipt.state, 'issued');
      const allocated = p.allocations.reduce((sum, x) => sum + x.amount_fen, 0);
      assert.equal(allocated, p.allocated_fen, `payment ${p.id}: allocations add up`);
      assert.equal(p.allocated_fen + p.credit_fen, p.amount_fen, `payment ${p.id}: allocated + credit = amount`);
    }
    // The kills fell inside the bursts: some payments landed, some did not.
    assert.ok(acct.payments.length > 0 && acct.payments.length < attempts.length,
      `${acct.payments.length} of ${attempts.length} payments landed before the retries`);
    // Retrying every attempt with its key: exactly one payment per key.
    for (const a of attempts) {
      r = await as(key, 'POST', '/api/v1/payments', a.body, { 'Idempotency-Key': a.key });
      assert.equal(r.status, 201, `${a.key}: ${r.text}`);
      assert.equal(r.json.channel_ref, a.body.channel_ref);
      assert.equal(r.json.amount_fen, a.body.amount_fen);
    }
    const final = (await as(key, 'GET', `/api/v1/households/${household}/account`)).json;
    assert.equal(final.payments.length, attempts.length);
    const paid = attempts.reduce((sum, a) => sum + a.body.amount_fen, 0);
    // What was paid settles what was owed; the rest is credit.
    assert.equal(final.owed_fen, Math.max(0, owedTotal - paid));
    assert.equal(final.credit_fen, Math.max(0, paid - owedTotal));
    // Electronic receipts: numbered 1..n without a gap.
    const numbers = final.payments.map((p) => Number(p.receipt.number.split('-')[1])).sort((x, y) => x - y);
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1));
    await s.stop();
    // And the ledger agrees, checked on its own.
    await ledgerCheck(s);
  } finally {
    await s.stop();
    cleanup(s);
  }
});
