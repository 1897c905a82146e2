// `anju init --demo`: the pilot's demo data and its accounts, whose initial
// passwords are printed once; a demo account signs in and sees the three
// communities with their 2936 units; the tenant sees its own household; a
// second load is refused.  The tenancy: leases, applications in every
// stage, a waitlist and a closed lottery batch.  The upkeep: patrol points
// and plans in every community, today's rounds (one walked, one half walked,
// the inspector's waiting), work orders in every state, violation cases up
// to the bureau's decision, renovation requests; and the bureau's call-back
// confirms a finished repair.
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

test('the demo upkeep: points and plans per community, today\'s rounds for the inspector', async () => {
  const inspector = await signIn('inspector');
  const c = await bureau.call('GET', '/api/v1/communities');
  const byName = Object.fromEntries(c.json.items.map((x) => [x.name, x.id]));
  const points = {};
  for (const name of NAMES) {
    const p = await inspector.call('GET', `/api/v1/communities/${byName[name]}/patrol-points`);
    assert.equal(p.status, 200, p.text);
    points[name] = p.json.items.length;
    const plans = await inspector.call('GET', `/api/v1/communities/${byName[name]}/patrol-plans`);
    assert.equal(plans.status, 200, plans.text);
    assert.deepEqual(plans.json.items.map((x) => x.name).sort(), ['楼道与消防通道日常巡查', '空置房巡查'].sort(), name);
  }
  // Entrances, three on the grounds, a lift and four vacant units (肖桥:
  // and the watched unit).
  assert.deepEqual(points, { 南苑公租房: 37, 肖桥公租房: 26, 长安花苑公租房: 24 });
  const r = await inspector.call('GET', '/api/v1/patrol-rounds?mine=true&limit=50');
  assert.equal(r.status, 200, r.text);
  const today = r.json.items.filter((x) => x.state !== 'missed');
  const missed = r.json.items.filter((x) => x.state === 'missed');
  assert.equal(today.length, 6, JSON.stringify(r.json.items));
  assert.equal(missed.length, 2 * 3, 'the last two days\' daily rounds were missed');
  assert.ok(missed.every((x) => x.due_on < today[0].due_on));
  const state = (community, plan) => today.find((x) => x.community_name === community && x.plan_name === plan).state;
  assert.equal(state('肖桥公租房', '楼道与消防通道日常巡查'), 'done');
  assert.equal(state('长安花苑公租房', '楼道与消防通道日常巡查'), 'in_progress');
  assert.equal(state('南苑公租房', '楼道与消防通道日常巡查'), 'assigned');
  assert.equal(state('南苑公租房', '空置房巡查'), 'assigned');
  const done = today.find((x) => x.state === 'done');
  assert.equal(done.points_checked, done.points_total);
  assert.equal(done.findings, 3);
});

test('the demo upkeep: work orders in every state, cases up to the bureau\'s decision, renovations', async () => {
  const wc = await bureau.call('GET', '/api/v1/work-order-counts');
  assert.equal(wc.status, 200, wc.text);
  for (const st of ['reported', 'assigned', 'in_progress', 'done', 'confirmed']) {
    assert.ok(wc.json.by_state[st] > 0, `${st}: ${wc.text}`);
  }
  const vc = await bureau.call('GET', '/api/v1/violations/counts');
  assert.equal(vc.status, 200, vc.text);
  assert.deepEqual(
    ['suspected', 'investigating', 'confirmed', 'dismissed'].map((st) => vc.json.by_state[st]),
    [1, 1, 1, 1], vc.text);
  const confirmed = await bureau.call('GET', '/api/v1/violations?state=confirmed');
  const v = await bureau.call('GET', `/api/v1/violations/${confirmed.json.items[0].id}`);
  assert.equal(v.status, 200, v.text);
  assert.ok(v.json.decision.back_charge_fen > 0 && v.json.decision.penalty_fen > 0, v.text);
  assert.ok(v.json.decision.bans > 0, v.text);
  assert.equal(v.json.evidence.length, 2);
  for (const st of ['approved', 'checked']) {
    const rr = await bureau.call('GET', `/api/v1/renovations?state=${st}`);
    assert.equal(rr.status, 200, rr.text);
    assert.equal(rr.json.items.length, 1, st);
  }
  // A finished repair is confirmed by the bureau's call-back, never by the
  // operator's staff.
  const d = await bureau.call('GET', '/api/v1/work-orders?state=done');
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.items.length, 2);
  const staff = await signIn('operator_staff');
  const id = d.json.items[0].id;
  assert.equal((await staff.call('POST', `/api/v1/work-orders/${id}/confirm`, { satisfaction: 5 })).status, 403);
  const ok = await bureau.call('POST', `/api/v1/work-orders/${id}/confirm`, { satisfaction: 4, note: '回访：满意' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.state, 'confirmed');
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
