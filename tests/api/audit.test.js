// The audit trail over HTTP (the auditor's alone) and on the command line:
// paging and filters, verification with and without a head kept elsewhere.
// Tampering with rows is tested at the unit level (tests/unit/test_audit.c).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, cleanup, apikey, BIN } from './lib/server.js';

let s, auditor;
before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0' });
  auditor = apikey(s.data.dir, 'auditor', 'audit-tests');
});
after(async () => { await s.stop(); cleanup(s); });

const cli = (...args) => spawnSync(BIN, ['audit', ...args, '--data', s.data.dir], { encoding: 'utf8' });

test('only the auditor reads or verifies the trail', async () => {
  const security = apikey(s.data.dir, 'security', 'audit-tests-security');
  for (const path of ['/api/v1/audit', '/api/v1/audit/verify']) {
    assert.equal((await s.api('GET', path)).status, 403, 'admin ' + path);
    assert.equal((await s.api('GET', path, { token: security })).status, 403, 'security ' + path);
    assert.equal((await s.api('GET', path, { token: null })).status, 401, 'anonymous ' + path);
    assert.equal((await s.api('GET', path, { token: auditor })).status, 200, 'auditor ' + path);
  }
});

test('the auditor pages and filters the trail, newest first', async () => {
  let r = await s.api('GET', '/api/v1/audit?limit=200', { token: auditor });
  assert.equal(r.status, 200);
  const all = r.json.items;
  assert.ok(all.length >= 5, 'anju init and apikey create are audited');
  all.forEach((it, i) => assert.equal(it.id, all[0].id - i));
  const mine = all.find((it) => it.action === 'apikey.create' && it.after?.name === 'audit-tests');
  assert.ok(mine, 'the creation of the auditor key');
  assert.equal(mine.object_type, 'api_key');
  assert.ok(!JSON.stringify(all).includes(auditor), 'never the key itself');

  const paged = [];
  let next = null;
  do {
    r = await s.api('GET', '/api/v1/audit?limit=2' + (next ? '&cursor=' + next : ''), { token: auditor });
    assert.equal(r.status, 200);
    paged.push(...r.json.items);
    next = r.json.next;
  } while (next);
  assert.deepEqual(paged.map((it) => it.id), all.map((it) => it.id));

  r = await s.api('GET', '/api/v1/audit?action=apikey.*', { token: auditor });
  assert.ok(r.json.items.length >= 2);
  assert.ok(r.json.items.every((it) => it.action.startsWith('apikey.')));
  r = await s.api('GET', '/api/v1/audit?object_type=account&action=account.create', { token: auditor });
  assert.ok(r.json.items.length >= 3);
  assert.ok(r.json.items.every((it) => it.action === 'account.create' && it.object_type === 'account'));
  r = await s.api('GET', `/api/v1/audit?from=${encodeURIComponent(all[0].at)}`, { token: auditor });
  assert.ok(r.json.items.some((it) => it.id === all[0].id));
  r = await s.api('GET', '/api/v1/audit?from=2999-01-01T00:00:00Z', { token: auditor });
  assert.deepEqual(r.json, { items: [], next: null });

  for (const [q, field] of [['from=yesterday', 'from'], ['limit=0', 'limit'], ['cursor=abc', 'cursor']]) {
    r = await s.api('GET', '/api/v1/audit?' + q, { token: auditor });
    assert.equal(r.status, 400, q);
    assert.equal(r.json.error.field, field, q);
  }
});

test('verify with and without a head kept elsewhere; head prints one line', async () => {
  let r = await s.api('GET', '/api/v1/audit/verify', { token: auditor });
  assert.equal(r.json.intact, true);
  assert.equal(r.json.bad_id, null);
  const rows = r.json.rows;

  const head = cli('head');
  assert.equal(head.status, 0, head.stderr);
  assert.match(head.stdout, /^\d+ [0-9a-f]{64}\n$/);
  const [id, mac] = head.stdout.trim().split(' ');
  assert.equal(Number(id), rows);

  r = await s.api('GET', '/api/v1/audit/verify?expect_head=' + encodeURIComponent(head.stdout.trim()), { token: auditor });
  assert.deepEqual(r.json, { intact: true, rows, bad_id: null, reason: null });
  // A head newer than the trail: its tail was cut.
  const later = `${rows + 5} ${mac}`;
  r = await s.api('GET', '/api/v1/audit/verify?expect_head=' + encodeURIComponent(later), { token: auditor });
  assert.equal(r.json.intact, false);
  assert.equal(r.json.bad_id, rows + 1);
  assert.match(r.json.reason, /tail was cut/);
  r = await s.api('GET', '/api/v1/audit/verify?expect_head=' + 'x'.repeat(70), { token: auditor });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_expect_head');

  let v = cli('verify', '--expect-head', head.stdout.trim());
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(v.stdout, `audit chain intact: ${rows} rows\n`);
  v = cli('verify', '--expect-head', later);
  assert.equal(v.status, 1);
  assert.match(v.stdout, new RegExp(`^audit chain broken: row ${rows + 1}: .*tail was cut`));
  v = cli('verify', '--expect-head', 'not a head');
  assert.equal(v.status, 1);
  assert.match(v.stderr, /invalid_expect_head/);
});
