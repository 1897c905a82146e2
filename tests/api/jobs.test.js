// Jobs over HTTP: start, follow, result, list with paging, cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, sleep } from './lib/server.js';
import { expectedSum } from './lib/selftest.js';

let s;
before(async () => { s = await startServer({ schedules: 'false' }); });
after(async () => { await s.stop(); cleanup(s); });


test('a self-test job runs in chunks and its result is exact', async () => {
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 3000, chunk: 250 } } });
  assert.equal(r.status, 202);
  assert.equal(r.json.state, 'queued');
  assert.match(r.json.created_by, /^apikey:\d+$/);
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'succeeded');
  assert.deepEqual(job.result, { rows: 3000, sum: expectedSum(3000), mode: 'fill' });
  assert.deepEqual(job.progress, { done: 3000, total: 3000, percent: 100, note: '写入中' });
  assert.ok(job.started_at <= job.finished_at);
});

test('a staged job publishes all rows at once', async () => {
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 1200, chunk: 100, mode: 'staged' } } });
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'succeeded');
  assert.deepEqual(job.result, { rows: 1200, sum: expectedSum(1200), mode: 'staged' });
});

test('progress is visible while a job runs, and a running job can be cancelled', async () => {
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 100000, chunk: 100, pause_ms: 20 } } });
  let seen;
  for (let i = 0; i < 200; i++) {
    seen = (await s.api('GET', `/api/v1/jobs/${r.json.id}`)).json;
    if (seen.state === 'running' && seen.progress.done > 0) break;
    await sleep(50);
  }
  assert.equal(seen.state, 'running');
  assert.ok(seen.progress.done > 0 && seen.progress.done < 100000);
  assert.equal(seen.progress.total, 100000);
  const c = await s.api('POST', `/api/v1/jobs/${r.json.id}/cancel`);
  assert.equal(c.status, 200);
  assert.equal(c.json.cancel_requested, true);
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'canceled');
  const again = await s.api('POST', `/api/v1/jobs/${r.json.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'job_finished');
});

test('a queued job cancels at once', async () => {
  // With no job workers the job stays queued.
  const q = await startServer({ job_workers: '0', schedules: 'false' });
  try {
    const r = await q.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 10 } } });
    const c = await q.api('POST', `/api/v1/jobs/${r.json.id}/cancel`);
    assert.equal(c.json.state, 'canceled');
    assert.ok(c.json.finished_at);
  } finally { await q.stop(); cleanup(q); }
});

test('job parameters are validated by the job kind', async () => {
  let r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 0 } } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'params.rows');
  r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 5, colour: 'red' } } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'unknown_field');
  r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: {} } });
  assert.equal(r.json.error.code, 'missing_field');
  r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'no-such-kind' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'unknown_job_kind');
});

test('jobs list newest first, page by cursor, filter by state', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 1 } } })).json.id);
  }
  for (const id of ids) await s.waitJob(id);
  const seen = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const r = await s.api('GET', `/api/v1/jobs?limit=2${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 2);
    seen.push(...r.json.items.map((j) => j.id));
    cursor = r.json.next;
    if (!cursor) break;
  }
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  for (const id of ids) assert.ok(seen.includes(id));
  assert.equal(new Set(seen).size, seen.length);
  const ok = await s.api('GET', '/api/v1/jobs?state=succeeded&limit=200');
  assert.ok(ok.json.items.every((j) => j.state === 'succeeded'));
  assert.equal((await s.api('GET', '/api/v1/jobs?state=bogus')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/jobs?limit=0')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/jobs?limit=201')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/jobs?cursor=abc')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/jobs?page=2')).json.error.code, 'unknown_parameter');
});

test('unknown jobs are 404', async () => {
  for (const p of ['/api/v1/jobs/999999', '/api/v1/jobs/abc', '/api/v1/jobs/0', '/api/v1/jobs/-1', '/api/v1/jobs/01', '/api/v1/jobs/99999999999999999999']) {
    const r = await s.api('GET', p);
    assert.equal(r.status, 404, p);
  }
  assert.equal((await s.api('POST', '/api/v1/jobs/424242/cancel')).status, 404);
});
