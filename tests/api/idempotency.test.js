// Idempotency-Key: the first success is stored and replayed; a different body is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup } from './lib/server.js';

let s;
before(async () => { s = await startServer({ schedules: 'false', job_workers: '0' }); });
after(async () => { await s.stop(); cleanup(s); });

const body = { kind: 'selftest', params: { rows: 10 } };

async function count() {
  return (await s.api('GET', '/api/v1/jobs?limit=200')).json.items.length;
}

test('a repeat with the same key and body replays the first response', async () => {
  const h = { 'Idempotency-Key': 'create-1' };
  const a = await s.api('POST', '/api/v1/jobs', { body, headers: h });
  const b = await s.api('POST', '/api/v1/jobs', { body, headers: h });
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  assert.deepEqual(b.json, a.json);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(a.headers.get('idempotent-replayed'), null);
  assert.equal(await count(), 1);
});

test('the same key with a different body is a 422', async () => {
  const h = { 'Idempotency-Key': 'create-2' };
  await s.api('POST', '/api/v1/jobs', { body, headers: h });
  const r = await s.api('POST', '/api/v1/jobs', { body: { ...body, params: { rows: 11 } }, headers: h });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'idempotency_key_reused');
  assert.equal(await count(), 2);
});

test('the same key on another endpoint is a different request', async () => {
  const h = { 'Idempotency-Key': 'create-3' };
  const a = await s.api('POST', '/api/v1/jobs', { body, headers: h });
  const r = await s.api('POST', `/api/v1/jobs/${a.json.id}/cancel`, { headers: h });
  assert.equal(r.status, 422);
});

test('a failed request stores nothing, so the key can be used again', async () => {
  const h = { 'Idempotency-Key': 'create-4' };
  const bad = await s.api('POST', '/api/v1/jobs', { body: { kind: 'nope' }, headers: h });
  assert.equal(bad.status, 400);
  const before = await count();
  const ok = await s.api('POST', '/api/v1/jobs', { body, headers: h });
  assert.equal(ok.status, 202);
  assert.equal(await count(), before + 1);
});

test('concurrent repeats create one job', async () => {
  const h = { 'Idempotency-Key': 'create-5' };
  const before = await count();
  const rs = await Promise.all(Array.from({ length: 8 }, () => s.api('POST', '/api/v1/jobs', { body, headers: h })));
  for (const r of rs) assert.equal(r.status, 202);
  assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
  assert.equal(await count(), before + 1);
});

test('malformed keys are refused', async () => {
  for (const k of ['x'.repeat(129), 'has space', 'tab\tkey']) {
    const r = await s.api('POST', '/api/v1/jobs', { body, headers: { 'Idempotency-Key': k } });
    assert.equal(r.status, 400, k);
    assert.equal(r.json.error.code, 'invalid_idempotency_key');
  }
});
