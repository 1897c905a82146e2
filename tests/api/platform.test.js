// Health, the OpenAPI document, request ids and authentication.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, ENGINE } from './lib/server.js';

let s;
before(async () => { s = await startServer(); });
after(async () => { await s.stop(); cleanup(s); });

test('health answers with the engine in use', async () => {
  const r = await s.api('GET', '/api/v1/health', { token: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.db, ENGINE);
  assert.match(r.json.version, /^\d+\.\d+\.\d+/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('every response carries a distinct request id', async () => {
  const a = await s.api('GET', '/api/v1/health');
  const b = await s.api('GET', '/api/v1/health');
  assert.match(a.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  assert.ok(await s.waitLog(new RegExp(`req=${b.headers.get('x-request-id')} GET /api/v1/health 200`)), s.log);
});

test('the OpenAPI document describes every endpoint', async () => {
  const r = await s.api('GET', '/api/v1/openapi.json', { token: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.1.0');
  for (const p of ['/api/v1/health', '/api/v1/openapi.json', '/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/jobs/{id}/cancel']) {
    assert.ok(r.json.paths[p], `${p} is documented`);
  }
  for (const [path, item] of Object.entries(r.json.paths)) {
    for (const [method, op] of Object.entries(item)) {
      assert.ok(op.summary, `${method} ${path} has a summary`);
      assert.ok(op.responses.default, `${method} ${path} documents its errors`);
    }
  }
  assert.ok(r.json.components.schemas.Error);
});

test('authenticated routes need the bearer token', async () => {
  let r = await s.api('GET', '/api/v1/jobs', { token: null });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthenticated');
  r = await s.api('GET', '/api/v1/jobs', { token: 'x'.repeat(64) });
  assert.equal(r.status, 401);
  r = await s.api('GET', '/api/v1/jobs', { headers: { Authorization: 'Basic abc' }, token: null });
  assert.equal(r.status, 401);
  r = await s.api('GET', '/api/v1/jobs');
  assert.equal(r.status, 200);
});

test('unknown API paths and methods get the error envelope', async () => {
  let r = await s.api('GET', '/api/v1/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  r = await s.api('DELETE', '/api/v1/health');
  assert.equal(r.status, 405);
  assert.equal(r.json.error.code, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  r = await s.api('PUT', '/api/v1/jobs');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD, POST');
});
