// The server's life and surroundings: graceful SIGTERM, client addresses
// behind trusted proxies, what the access log records, the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, cleanup, sleep, BIN, initData, ENGINE, newPgDatabase } from './lib/server.js';

test('SIGTERM lets the request in flight finish, then exits 0', async () => {
  const s = await startServer({ schedules: 'false', job_workers: '0' });
  try {
    const body = JSON.stringify({ kind: 'selftest', params: { rows: 1 } });
    const sock = net.connect(s.port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => { answer += d; });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${s.data.token}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n` + body.slice(0, 5));
    await sleep(300);
    s.proc.kill('SIGTERM');
    await sleep(300);
    sock.write(body.slice(5));
    await Promise.race([closed, sleep(10000)]);
    assert.match(answer, /^HTTP\/1\.1 202/);
    const { code } = await s.exited;
    assert.equal(code, 0);
    assert.match(s.log, /received SIGTERM/);
  } finally { await s.stop(); cleanup(s); }
});

test('X-Forwarded-For is believed only from trusted proxies', async () => {
  const plain = await startServer({ schedules: 'false' });
  try {
    await plain.api('GET', '/api/v1/health', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.ok(await plain.waitLog(/GET \/api\/v1\/health 200 .* client=127\.0\.0\.1/), plain.log);
    assert.doesNotMatch(plain.log, /203\.0\.113\.9/);
  } finally { await plain.stop(); cleanup(plain); }
  const proxied = await startServer({ schedules: 'false', trusted_proxies: '127.0.0.1' });
  try {
    await proxied.api('GET', '/api/v1/health', { headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' } });
    await proxied.api('GET', '/api/v1/health', { headers: { 'X-Forwarded-For': 'not-an-address' } });
    // Each request's line is written just after its response: wait for both
    // (the server's own start-up request also logs client=127.0.0.1).
    assert.ok(await proxied.waitLog(/GET \/api\/v1\/health 200 .* client=203\.0\.113\.9/), proxied.log);
    assert.ok(await proxied.waitLog(/GET \/api\/v1\/health 200 .* client=127\.0\.0\.1/), proxied.log);
    assert.doesNotMatch(proxied.log, /client=198\.51\.100\.7/);
    assert.match(proxied.log, /client=127\.0\.0\.1/);
  } finally { await proxied.stop(); cleanup(proxied); }
});

test('the access log leaves query strings out, except at debug on ordinary routes', async () => {
  const s = await startServer({ schedules: 'false' });
  try {
    await s.api('GET', '/api/v1/jobs?limit=7&state=failed');
    assert.ok(await s.waitLog(/GET \/api\/v1\/jobs\?… 200/), s.log);
    assert.doesNotMatch(s.log, /state=failed/);
  } finally { await s.stop(); cleanup(s); }
  const d = await startServer({ schedules: 'false', log_level: 'debug' });
  try {
    await d.api('GET', '/api/v1/jobs?limit=7&state=failed');
    assert.ok(await d.waitLog(/query limit=7&state=failed/), d.log);
  } finally { await d.stop(); cleanup(d); }
});

test('the command line: help, init refusing to overwrite, migrate, jobs, selftest', async () => {
  let r = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const c of ['init', 'serve', 'migrate', 'backup', 'restore', 'jobs', 'selftest', 'user', 'apikey', 'audit', 'keys']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  for (const c of ['init', 'serve', 'migrate', 'backup', 'restore', 'jobs', 'selftest']) {
    r = spawnSync(BIN, [c, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, /--data DIR/);
  }
  r = spawnSync(BIN, ['frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  r = spawnSync(BIN, ['serve'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--data DIR is required/);

  const data = initData();
  try {
    assert.equal(statSync(join(data.dir, 'keys')).mode & 0o777, 0o700);
    assert.equal(statSync(join(data.dir, 'keys/audit.key')).mode & 0o777, 0o600);
    assert.ok(existsSync(join(data.dir, 'files')));
    r = spawnSync(BIN, ['init', '--data', data.dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /refusing to overwrite/);
    r = spawnSync(BIN, ['migrate', '--data', data.dir], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /schema version \d+ \(0 applied now\)/);
    r = spawnSync(BIN, ['serve', '--data', data.dir, '--threads', '257'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /threads must be a whole number from 0 to 256/);
    r = spawnSync(BIN, ['selftest', '--data', data.dir, '--rows', '2500', '--chunk', '500'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /系统自检: 100% 2500\/2500/);
    const job = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    assert.equal(job.state, 'succeeded');
    assert.equal(job.result.rows, 2500);
    r = spawnSync(BIN, ['jobs', 'list', '--data', data.dir], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`${job.id}\\s+selftest\\s+succeeded`));
    r = spawnSync(BIN, ['jobs', 'show', String(job.id), '--data', data.dir], { encoding: 'utf8' });
    assert.equal(JSON.parse(r.stdout).id, job.id);
    r = spawnSync(BIN, ['jobs', 'cancel', String(job.id), '--data', data.dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /已结束/);
    r = spawnSync(BIN, ['jobs', 'show', '999', '--data', data.dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
  } finally { rmSync(join(data.dir, '..'), { recursive: true, force: true }); }
});

test('a setting in anju.conf is read, and a bad one stops the start with its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anju-conf-'));
  try {
    const data = join(dir, 'd');
    spawnSync(BIN, ['init', '--data', data], { encoding: 'utf8' });
    const fs = await import('node:fs');
    fs.appendFileSync(join(data, 'anju.conf'), '\nthreads = many\n');
    const r = spawnSync(BIN, ['serve', '--data', data], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /anju\.conf:\d+: threads must be a whole number/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('an online backup restores into a fresh data directory with the same data', async () => {
  const s = await startServer({ schedules: 'false' });
  const dir = mkdtempSync(join(tmpdir(), 'anju-backup-'));
  try {
    const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows: 1500, chunk: 100 } } });
    await s.waitJob(r.json.id);
    const before = (await s.api('GET', '/api/v1/jobs?limit=200')).json.items;
    const archive = join(dir, 'backup.tar');
    // While the server keeps serving.
    let out = spawnSync(BIN, ['backup', '--data', s.data.dir, '--to', archive], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /keys are not inside/);
    assert.equal((await s.api('GET', '/api/v1/health')).status, 200);
    out = spawnSync(BIN, ['backup', '--data', s.data.dir, '--to', archive], { encoding: 'utf8' });
    assert.equal(out.status, 1, 'an existing archive is never overwritten');
    out = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
    assert.match(out.stdout, /manifest\.json/);
    assert.doesNotMatch(out.stdout, /keys\//);

    const target = { dir: join(dir, 'restored'), token: s.data.token };
    {
      // dir (and the restored folder in it) is removed below.
      const args = ['restore', '--data', target.dir, '--from', archive, '--keys', join(s.data.dir, 'keys')];
      if (ENGINE === 'postgresql') args.push('--db', newPgDatabase());
      out = spawnSync(BIN, args, { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const t = new (s.constructor)(target, { schedules: 'false', job_workers: '0' });
      await t.start();
      try {
        // The same key works: the keys came along, the rows are the same.
        const after = (await t.api('GET', '/api/v1/jobs?limit=200')).json.items;
        assert.deepEqual(after, before);
      } finally { await t.stop(); }
      out = spawnSync(BIN, args, { encoding: 'utf8' });
      assert.equal(out.status, 1, 'a second restore into the same directory is refused');
      assert.match(out.stderr, /refusing to overwrite/);
      out = spawnSync(BIN, ['audit', 'verify', '--data', target.dir], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stdout + out.stderr);
    }
  } finally {
    await s.stop();
    cleanup(s);
    rmSync(dir, { recursive: true, force: true });
  }
});
