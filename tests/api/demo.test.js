// `anju init --demo`: the pilot's demo data and its accounts, whose initial
// passwords are printed once; a demo account signs in and sees the three
// communities with their 2936 units; the tenant sees its own household; a
// second load is refused.  The tenancy: leases, applications in every
// stage, a waitlist and a closed lottery batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup } from './lib/server.js';

const DEMO = ['bureau', 'bureau2', 'operator_manager', 'operator_staff', 'finance', 'inspector', 'assessor', 'tenant'];
const NAMES = ['南苑公租房', '肖桥公租房', '长安花苑公租房'];
const NEW_PASSWORD = 'Demo-Pass-2026!';

let s, bureau;
before(async () => { s = await startServer({ schedules: 'false' }, ['--demo']); });
after(async () => { await s.stop(); cleanup(s); });

// A browser-like client: keeps the session cookie and the CSRF token.
class Session {
  constructor(server) { this.s = server; this.cookie = null; this.csrf = null; }
  async login(username, password) {
    const r = await this.s.api('POST', '/api/v1/session', { body: { username, password }, token: null });
    if (r.status === 201) {
      this.cookie = /anju_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1];
      this.csrf = r.json.csrf_token;
    }
    return r;
  }
  async call(method, path, body) {
    const headers = { Cookie: `anju_session=${this.cookie}` };
    if (method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, headers, token: null });
  }
}

// Signs in with the printed initial password, changes it as the console
// forces, and signs in again.
const signedIn = {};
async function signIn(name) {
  if (signedIn[name]) return signedIn[name];
  const u = new Session(s);
  signedIn[name] = u;
  let r = await u.login(name, s.data.passwords[name]);
  assert.equal(r.status, 201, `${name}: ${r.text}`);
  assert.equal(r.json.account.must_change_password, true);
  assert.equal(r.json.account.role, name.replace(/2$/, ''));
  r = await u.call('POST', '/api/v1/me/password', { old_password: s.data.passwords[name], new_password: NEW_PASSWORD });
  assert.equal(r.status, 200, r.text);
  r = await u.login(name, NEW_PASSWORD);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.account.must_change_password, false);
  return u;
}

test('init --demo prints one initial password per account, each different', () => {
  const all = ['admin', 'security', 'auditor', ...DEMO];
  for (const name of all) assert.match(s.data.passwords[name] || '', /^\S{12,}$/, name);
  assert.equal(new Set(all.map((n) => s.data.passwords[n])).size, all.length);
});

test('the bureau signs in and sees the three communities with 2936 units, 85% let', async () => {
  bureau = await signIn('bureau');
  const r = await bureau.call('GET', '/api/v1/communities');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((c) => c.name).sort(), [...NAMES].sort());
  assert.equal(r.json.items.reduce((n, c) => n + c.units.total, 0), 2936);
  for (const c of r.json.items) {
    assert.equal(c.units.vacant + c.units.allocated + c.units.occupied, c.units.total, c.name);
    assert.ok(c.occupancy_permille >= 840 && c.occupancy_permille <= 860, `${c.name}: ${c.occupancy_permille}`);
    assert.ok(c.owner_name && c.operator_name, c.name);
  }
  const split = Object.fromEntries(r.json.items.map((c) => [c.name, c.units.total]));
  assert.deepEqual(split, { 南苑公租房: 1100, 肖桥公租房: 916, 长安花苑公租房: 920 });
});

test('the operator staff see the three communities they are scoped to', async () => {
  const u = await signIn('operator_staff');
  const r = await u.call('GET', '/api/v1/communities');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 3);
});

test('the tenant sees its own household, with itself as the head', async () => {
  const u = await signIn('tenant');
  const me = await u.call('GET', '/api/v1/me');
  assert.equal(me.status, 200);
  const r = await u.call('GET', '/api/v1/my/household');
  assert.equal(r.status, 200, r.text);
  const head = r.json.members.find((m) => m.relationship === 'head');
  assert.ok(head, 'the household has a head');
  assert.equal(head.person_id, me.json.person_id);
  assert.match(head.person.id_number, /^99\d\*+\d{3}[\dX]$/, 'masked, region 99');
  assert.equal((await u.call('GET', '/api/v1/communities')).status, 403);
});

test('the demo tenancy: applications in every stage, a waitlist, a closed lottery, leases and renewals due', async () => {
  const counts = await bureau.call('GET', '/api/v1/applications/counts');
  assert.equal(counts.status, 200, counts.text);
  for (const st of ['draft', 'submitted', 'returned', 'first_reviewed', 'deciding', 'publicity', 'approved', 'housed', 'rejected']) {
    assert.ok(counts.json[st] > 0, `${st}: ${JSON.stringify(counts.json)}`);
  }
  const w = await bureau.call('GET', '/api/v1/waitlist?limit=5');
  assert.equal(w.status, 200, w.text);
  assert.equal(w.json.items.length, 5);
  const b = await bureau.call('GET', '/api/v1/allocations');
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.json.items.map((x) => x.state), ['closed']);
  const due = await bureau.call('GET', '/api/v1/leases/renewals-due');
  assert.equal(due.status, 200, due.text);
  assert.ok(due.json.items.length > 0, 'some leases are in their renewal window');
  // A paper lease's printed form is issued when the operator's staff first
  // print it; the same bytes come back afterwards.
  const staff = await signIn('operator_staff');
  const l = await staff.call('GET', '/api/v1/leases?limit=1');
  assert.equal(l.status, 200, l.text);
  const id = l.json.items[0].id;
  const p1 = await staff.call('GET', `/api/v1/leases/${id}/contract.pdf`);
  assert.equal(p1.status, 200, p1.text);
  const p2 = await staff.call('GET', `/api/v1/leases/${id}/contract.pdf`);
  assert.ok(p1.text.startsWith('%PDF-'));
  assert.equal(p2.status, 200);
  assert.equal(p2.text, p1.text);
});

test('a second demo load is refused and changes nothing', async () => {
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'demo', params: {} } });
  assert.equal(r.status, 202, r.text);
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'failed');
  assert.match(job.error, /演示数据已经载入/);
  const c = await bureau.call('GET', '/api/v1/communities');
  assert.equal(c.json.items.length, 3);
  assert.equal(c.json.items.reduce((n, x) => n + x.units.total, 0), 2936);
});
