// The web UI's files: types, caching, the app fallback, and no way out of the web root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cleanup } from './lib/server.js';

let s, top;
before(async () => {
  top = mkdtempSync(join(tmpdir(), 'anju-web-'));
  const web = join(top, 'dist');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>安居</title>');
  writeFileSync(join(web, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(join(web, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(top, 'secret.txt'), 'TOP-SECRET');
  symlinkSync(join(top, 'secret.txt'), join(web, 'link.txt'));
  s = await startServer({ web_root: web, schedules: 'false' });
});
after(async () => { await s.stop(); cleanup(s); rmSync(top, { recursive: true, force: true }); });

function raw(path) {
  return new Promise((resolve) => {
    const sock = net.connect(s.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    setTimeout(() => sock.destroy(), 5000);
  });
}

test('files come with their content type and caching headers', async () => {
  let r = await fetch(s.base + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.match(await r.text(), /安居/);
  r = await fetch(s.base + '/assets/app-1a2b.js');
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  assert.match(r.headers.get('cache-control'), /immutable/);
  r = await fetch(s.base + '/assets/style.css');
  assert.match(r.headers.get('content-type'), /^text\/css/);
});

test('an unchanged file answers 304 to its ETag', async () => {
  const r = await fetch(s.base + '/assets/style.css');
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(s.base + '/assets/style.css', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
});

test('application paths get index.html; missing files do not', async () => {
  let r = await fetch(s.base + '/housing/units/42');
  assert.equal(r.status, 200);
  assert.match(await r.text(), /安居/);
  r = await fetch(s.base + '/assets/missing.js');
  assert.equal(r.status, 404);
  r = await fetch(s.base + '/api/v1/not-a-route');
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'not_found');
});

test('no path leaves the web root', async () => {
  const attempts = ['/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%5c..%5csecret.txt', '/assets/../../secret.txt',
    '/.%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/link.txt', '//secret.txt', '/assets//../../secret.txt',
    '/%00/secret.txt', '/index.html%00.js', '/./index.html', '/.env'];
  for (const p of attempts) {
    const text = await raw(p);
    assert.doesNotMatch(text, /TOP-SECRET/, p);
    assert.match(text, /^HTTP\/1\.1 (400|404)/, p);
  }
});

test('only GET and HEAD reach files', async () => {
  const r = await fetch(s.base + '/index.html', { method: 'POST' });
  assert.equal(r.status, 404);
  const h = await fetch(s.base + '/index.html', { method: 'HEAD' });
  assert.equal(h.status, 200);
});
