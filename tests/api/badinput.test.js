// Bad input on every endpoint: whatever arrives, the answer is a 4xx error
// envelope, the server stays up, and nothing is written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, cleanup, sleep, apikey } from './lib/server.js';

let s;
const keys = {};
before(async () => {
  // The slow-client test below counts on a short connection timeout.
  s = await startServer({ schedules: 'false', job_workers: '0', max_body: '65536', connection_timeout: '3' });
  keys.admin = s.data.token;
  keys.security = apikey(s.data.dir, 'security', 'badinput-security');
  keys.auditor = apikey(s.data.dir, 'auditor', 'badinput-auditor');
  // The business roles, so that a business route judges the body, not the role.
  for (const role of ['bureau', 'finance', 'assessor'])
    keys[role] = apikey(s.data.dir, role, `badinput-${role}`, ['--all-communities']);
  for (const role of ['operator_manager', 'operator_staff', 'inspector'])
    keys[role] = apikey(s.data.dir, role, `badinput-${role}`, ['--community', '1']);
});

// A key whose role may call op, so the body is what gets judged.
function tokenFor(op) {
  const role = (op['x-roles'] || ['admin']).find((r) => keys[r]);
  return keys[role] || keys.admin;
}
after(async () => { await s.stop(); cleanup(s); });

async function jobCount() {
  const r = await s.api('GET', '/api/v1/jobs?limit=200');
  return r.json.items.length;
}

// Every documented operation, with its path parameters filled in.
function operations() {
  const ops = [];
  for (const [path, item] of Object.entries(s.openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      ops.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '1'), op });
    }
  }
  return ops;
}

// Sends raw bytes over a socket and returns the response head and body.
function rawRequest(text, { timeout = 5000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(s.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve({ timedOut: true, text: data.toString() }); }, timeout);
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('close', () => { clearTimeout(timer); resolve({ text: data.toString(), closed: true }); });
    sock.on('error', () => {});
    sock.write(text);
  });
}

const bad = [
  ['malformed JSON', '{"kind": "selftest",', 'invalid_json'],
  ['not an object', '[1,2,3]', 'invalid_json'],
  ['a bare string', '"selftest"', 'invalid_json'],
  ['duplicate keys', '{"kind":"selftest","kind":"purge"}', 'invalid_json'],
  ['deep nesting', '{"kind":"selftest","params":' + '{"a":'.repeat(40) + '1' + '}'.repeat(40) + '}', 'invalid_json'],
  ['very deep nesting', '['.repeat(100000) + ']'.repeat(100000), null],
  ['wrong type', '{"kind":42}', 'invalid_type'],
  ['unknown field', '{"kind":"selftest","colour":"red"}', 'unknown_field'],
  ['missing field', '{"params":{}}', 'missing_field'],
  ['NUL in a string', '{"kind":"self\\u0000test"}', null],
  ['control character', '{"kind":"self\\u0001test"}', 'invalid_value'],
  ['too long', JSON.stringify({ kind: 'x'.repeat(65) }), 'invalid_length'],
  ['number too big', '{"kind":"selftest","params":{"rows":99999999999999999999999}}', null],
  ['trailing garbage', '{"kind":"selftest"} x', 'invalid_json'],
];

test('malformed bodies on every mutation get 400 and write nothing', async () => {
  const before = await jobCount();
  // Uploads take raw bytes, not JSON: their own suites judge them.
  const json = (o) => !o.op.requestBody || o.op.requestBody.content['application/json'];
  for (const { method, path, op } of operations().filter((o) => o.method !== 'GET' && json(o))) {
    for (const [what, body, code] of bad) {
      const r = await s.api(method, path, { raw: body, headers: { 'Content-Type': 'application/json' }, token: tokenFor(op) });
      assert.ok(r.status === 400 || r.status === 413, `${method} ${path} ${what}: ${r.status} ${r.text}`);
      // The fields of these bodies are the jobs route's; elsewhere any field error fits.
      const fieldErrors = ['invalid_type', 'unknown_field', 'missing_field', 'invalid_value', 'invalid_length', 'out_of_range'];
      if (code === 'invalid_json' || (code && path === '/api/v1/jobs')) assert.equal(r.json.error.code, code, `${method} ${path} ${what}`);
      else if (code) assert.ok(fieldErrors.includes(r.json.error.code), `${method} ${path} ${what}: ${r.json.error.code}`);
    }
  }
  assert.equal(await jobCount(), before);
});

test('invalid UTF-8 is refused', async () => {
  const body = Buffer.concat([Buffer.from('{"kind":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
  const r = await s.api('POST', '/api/v1/jobs', { raw: body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_json');
});

test('a body needs the JSON content type', async () => {
  const r = await s.api('POST', '/api/v1/jobs', { raw: '{"kind":"selftest"}', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 415);
  assert.equal(r.json.error.code, 'unsupported_media_type');
});

test('an oversized body is refused with 413, by Content-Length or counted in chunks', async () => {
  const big = JSON.stringify({ kind: 'selftest', params: { rows: 1, pad: 'x'.repeat(70000) } });
  let r = await s.api('POST', '/api/v1/jobs', { raw: big, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'body_too_large');
  // Chunked: no Content-Length, the bytes are counted as they arrive.
  const chunks = [];
  for (let i = 0; i < 20; i++) chunks.push('1000\r\n' + 'x'.repeat(0x1000) + '\r\n');
  const res = await rawRequest('POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Authorization: Bearer ${s.data.token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` + chunks.join('') + '0\r\n\r\n');
  assert.match(res.text, /^HTTP\/1\.1 413/);
  assert.match(res.text, /"body_too_large"/);
});

test('query strings are checked too', async () => {
  for (const q of ['?limit=abc', '?limit=-5', '?limit=1&limit=2', '?limit=%zz', '?state=%00', '?x=1']) {
    const r = await s.api('GET', '/api/v1/jobs' + q);
    assert.equal(r.status, 400, q);
  }
  const many = Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&');
  assert.equal((await s.api('GET', '/api/v1/jobs?' + many)).status, 400);
});

test('a GET with a body is refused', async () => {
  // fetch will not send a GET body; a socket will.
  const res = await rawRequest('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
  assert.match(res.text, /^HTTP\/1\.1 400/);
  assert.match(res.text, /unexpected_body/);
});

test('huge headers get 431 (or the transport\'s own 4xx) and the server stays up', async () => {
  const h = 'X-Pad: ' + 'a'.repeat(20000); // over max_header (16 KiB), within the connection's pool
  let res = await rawRequest(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\n${h}\r\nConnection: close\r\n\r\n`);
  assert.match(res.text, /^HTTP\/1\.1 431/);
  assert.match(res.text, /headers_too_large/);
  res = await rawRequest(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'b'.repeat(200000)}\r\nConnection: close\r\n\r\n`);
  assert.match(res.text, /^HTTP\/1\.1 4\d\d/);
  assert.equal((await s.api('GET', '/api/v1/health')).status, 200);
});

test('slow clients are cut off by the connection timeout and others are served meanwhile', async () => {
  const sock = net.connect(s.port, '127.0.0.1');
  sock.on('error', () => {});
  sock.write('POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ki');
  const closed = new Promise((r) => sock.on('close', r));
  const t0 = Date.now();
  assert.equal((await s.api('GET', '/api/v1/health')).status, 200);
  await Promise.race([closed, sleep(15000)]);
  assert.ok(sock.destroyed || sock.readyState === 'closed', 'the slow connection was closed');
  assert.ok(Date.now() - t0 < 15000);
  assert.equal((await s.api('GET', '/api/v1/health')).status, 200);
});

test('garbage on the socket does not hurt the server', async () => {
  for (const g of ['\x00\x01\x02\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'G'.repeat(100000) + '\r\n\r\n',
    'POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
    await rawRequest(g, { timeout: 4000 });
  }
  assert.equal((await s.api('GET', '/api/v1/health')).status, 200);
});

test('after all of it nothing was written', async () => {
  assert.equal(await jobCount(), 0);
});
