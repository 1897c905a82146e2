// The monthly use report (月度使用情况, issue 8 §4) and the dossier timeline
// source "upkeep" (§6) over HTTP against a real server, on either engine:
// a day's round walked by an inspector who scans the printed labels (a
// blocked fire passage and a suspected sublet found at a tenant's unit,
// which open a work order and a case by themselves), a public report taken
// to the bureau's dismissal, a renovation request approved; then the
// report's figures per community and in total, last month's, the xlsx, the
// operator's manager kept to its community (404 outside it), the roles
// refused, a bad month; and the unit's and household's dossiers telling
// those records newest first, without the reporter's contact, 404 to a
// manager of another community.  Every answer is checked against the
// OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServer, cleanup, apikey, run } from './lib/server.js';

let s;
const keys = {};
const ids = {};
let inspector;

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });
const shanghai = (offsetDays = 0) => new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3);
const day = (n = 0) => shanghai(n).toISOString().slice(0, 10);
const month = () => day().slice(0, 7);
function lastMonth() {
  const d = shanghai();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}
function monthsAgo(m) {
  const d = shanghai();
  d.setUTCMonth(d.getUTCMonth() - m);
  return d.toISOString().slice(0, 10);
}

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

async function ok(p, status = 200) {
  const r = await p;
  assert.equal(r.status, status, r.text);
  return r.json;
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: { Authorization: 'Bearer ' + token } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

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
  call(method, path, body, headers = {}) {
    const h = { ...headers, Cookie: `anju_session=${this.cookie}` };
    if (method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, headers: h, token: null });
  }
}

async function inspectorAccount(username, community) {
  const out = run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', 'inspector',
    '--name', '巡查员甲', '--community', String(community), '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const u = new Session(s);
  assert.equal((await u.login(username, pw)).status, 201);
  const r = await u.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Patrol-Walker-2026' });
  assert.ok(r.status < 300, r.text);
  const again = await u.login(username, 'Patrol-Walker-2026');
  assert.equal(again.status, 201, again.text);
  return { session: u, id: again.json.account.id };
}

// The QR codes of a label sheet, as the camera would read them.
function qrCodes(pdf) {
  const dir = mkdtempSync(join(tmpdir(), 'anju-labels-'));
  try {
    writeFileSync(join(dir, 'l.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '150', '-png', join(dir, 'l.pdf'), join(dir, 'p')]);
    const out = execFileSync('sh', ['-c', `zbarimg -q --raw '${dir}'/p-*.png 2>/dev/null || true`]).toString('utf8');
    return out.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 3, number, layout: '一室一厅', floor_area: 6500, usable_area: 5200,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A household of two with its existing paper lease of the unit.
async function tenancy(name, n, unitId) {
  const h = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true, monthly_income_fen: 100000,
    members: [
      { name, id_number: idNumber('19800101', n), relationship: 'head' },
      { name: name + '妻', id_number: idNumber('19820101', n), relationship: 'spouse' },
    ],
  }), 201);
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: h.id, unit_id: unitId, starts_on: monthsAgo(11), term_months: 24,
    monthly_rent_fen: 45000, deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }), 201);
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(l.id), category: 'contract' });
  const scan = await ok(s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys.staff, raw: PDF, headers: { 'Content-Type': 'application/octet-stream' },
  }), 201);
  await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, {
    signature_kind: 'scan', signature_attachment_id: scan.id, signed_on: monthsAgo(11),
  }));
  return h.id;
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'uu-bureau', ['--all-communities']);
  ids.a = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 201)).id;
  ids.b = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201)).id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'uu-manager', ['--community', String(ids.a)]);
  keys.managerB = apikey(s.data.dir, 'operator_manager', 'uu-manager-b', ['--community', String(ids.b)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'uu-staff', ['--community', String(ids.a)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'uu-assessor', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'uu-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'uu-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '3', floors: 6, entrances: 1 }), 201);
  ids.unit = await vacantUnit(b.id, '3-1-101');
  ids.unit2 = await vacantUnit(b.id, '3-1-102');
  ids.hh = await tenancy('张建国', 41, ids.unit);
  inspector = await inspectorAccount('xuncha-uu', ids.a);

  // Patrol: a point at the tenant's unit, one at the entrance; a daily plan.
  const items = (await ok(as('bureau', 'GET', '/api/v1/patrol-items'))).items;
  const item = (n) => items.find((i) => i.name === n).id;
  ids.fire = item('消防通道堵塞');
  ids.sublet = item('疑似转租转借');
  ids.junk = item('楼道堆物');
  ids.pu = (await ok(as('manager', 'POST', '/api/v1/patrol-points', { name: '3-1-101 门前', location: 'unit', unit_id: ids.unit, items: [ids.fire, ids.sublet] }), 201)).id;
  ids.pe = (await ok(as('manager', 'POST', '/api/v1/patrol-points', { name: '3栋1单元楼道', location: 'entrance', building_id: b.id, entrance: 1, items: [ids.junk] }), 201)).id;
  const pdf = await bytes(`/api/v1/communities/${ids.a}/patrol-labels.pdf`, keys.manager);
  assert.equal(pdf.status, 200);
  const labels = {};
  for (const c of qrCodes(pdf.body)) labels[/^anju:p:(\d+):/.exec(c)[1]] = c;
  await ok(as('manager', 'POST', '/api/v1/patrol-plans', { community_id: ids.a, name: '日常巡查', frequency: 'daily', points: [ids.pu, ids.pe], inspectors: [inspector.id] }), 201);
  await ok(as('bureau', 'POST', '/api/v1/patrol-rounds/generate', { due_on: day() }));
  const rounds = await ok(inspector.session.call('GET', `/api/v1/patrol-rounds?mine=true&due_on=${day()}`));
  const round = rounds.items[0].id;
  const put = (p, i, outcome, note) => inspector.session.call('PUT', `/api/v1/patrol-rounds/${round}/points/${p}/items/${i}`,
    { outcome, note }, { 'Idempotency-Key': randomUUID() });
  await ok(inspector.session.call('POST', `/api/v1/patrol-rounds/${round}/visits`, { token: labels[ids.pu] }), 201);
  await ok(put(ids.pu, ids.fire, 'not_fine', '电动车堵住消防通道'));
  await ok(put(ids.pu, ids.sublet, 'not_fine', '住户称房屋由亲戚居住'));
  await ok(inspector.session.call('POST', `/api/v1/patrol-rounds/${round}/visits`, { token: labels[ids.pe] }), 201);
  await ok(put(ids.pe, ids.junk, 'fine'));

  // A public report of the unit, dismissed by the bureau.
  const v = await ok(as('staff', 'POST', '/api/v1/violations', {
    type: 'change_of_use', source: 'public', location: 'unit', unit_id: ids.unit, summary: '邻居反映房屋被改作仓库',
    reporter_name: '李小明', reporter_contact: '13912345678',
  }), 201);
  ids.case = v.id;
  await ok(as('staff', 'POST', `/api/v1/violations/${v.id}/actions`, { action: 'investigate' }));
  await ok(as('manager', 'POST', `/api/v1/violations/${v.id}/actions`, { action: 'propose', proposal: 'dismiss', reason: '现场为正常居住' }));
  await ok(as('bureau', 'POST', `/api/v1/violations/${v.id}/actions`, { action: 'dismiss', reason: '经核查不构成改变用途' }));

  // A renovation request, checked and approved.
  const r = await ok(as('staff', 'POST', '/api/v1/renovations', { unit_id: ids.unit, description: '更换卫生间防水层', planned_from: day(5), planned_to: day(15) }), 201);
  await ok(as('manager', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'check', note: '不涉及承重结构' }));
  await ok(as('bureau', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'approve', note: '同意' }));
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  await s.stop();
  cleanup(s);
});

test('the monthly use report: patrols, findings, cases, renovations, work orders per community and in total', async () => {
  const r = await ok(as('bureau', 'GET', '/api/v1/reports/monthly-use'));
  assert.equal(r.month, month());
  assert.equal(r.from, month() + '-01');
  assert.equal(r.community_id, null);
  assert.deepEqual(r.items.map((x) => x.community_id), [ids.a, ids.b]);
  const [a, b] = r.items;
  assert.equal(a.community_name, '南苑公租房');
  assert.deepEqual(a.rounds, { planned: 1, done: 1, missed: 0, open: 0, points: 2, points_checked: 2 });
  assert.deepEqual(a.findings, { low: 0, medium: 0, high: 2 });
  assert.equal(a.violations.opened, 2);
  assert.equal(a.violations.by_type.sublet, 1);
  assert.equal(a.violations.by_type.change_of_use, 1);
  assert.equal(a.violations.by_state.suspected, 1);
  assert.equal(a.violations.by_state.dismissed, 1);
  assert.deepEqual(a.renovations, { requested: 1, by_state: { requested: 0, checked: 0, approved: 1, refused: 0, done: 0 } });
  // The finding's work order, raised by the patrol, not yet due.
  assert.equal(a.work_orders.raised, 1);
  assert.equal(a.work_orders.by_state.reported, 1);
  assert.equal(a.work_orders.overdue, 0);
  assert.deepEqual(b.rounds, { planned: 0, done: 0, missed: 0, open: 0, points: 0, points_checked: 0 });
  assert.equal(b.violations.opened, 0);
  assert.deepEqual(r.total.findings, a.findings);
  assert.equal(r.total.violations.opened, 2);
  // The month asked for, and last month (nothing then).
  const same = await ok(as('assessor', 'GET', `/api/v1/reports/monthly-use?month=${month()}&community_id=${ids.a}`));
  assert.deepEqual(same.items, [a]);
  const last = await ok(as('bureau', 'GET', `/api/v1/reports/monthly-use?month=${lastMonth()}&community_id=${ids.a}`));
  assert.equal(last.month, lastMonth());
  assert.equal(last.items[0].rounds.planned, 0);
  assert.equal(last.items[0].violations.opened, 0);
  assert.equal(last.items[0].work_orders.raised, 0);
});

test('the monthly use report: scope, roles, a bad month, the workbook', async () => {
  // The manager of 肖桥 sees 肖桥 alone; 南苑 is not found for it.
  let r = await ok(as('managerB', 'GET', '/api/v1/reports/monthly-use'));
  assert.deepEqual(r.items.map((x) => x.community_id), [ids.b]);
  assert.equal(r.total.violations.opened, 0);
  expectError(await as('managerB', 'GET', `/api/v1/reports/monthly-use?community_id=${ids.a}`), 404, 'community_not_found');
  r = await ok(as('manager', 'GET', '/api/v1/reports/monthly-use'));
  assert.deepEqual(r.items.map((x) => x.community_id), [ids.a]);
  for (const role of ['staff', 'finance', 'auditor']) {
    expectError(await as(role, 'GET', '/api/v1/reports/monthly-use'), 403);
  }
  for (const bad of ['2026-13', '2026-1', 'last', '2026-11-01']) {
    const res = await as('bureau', 'GET', `/api/v1/reports/monthly-use?month=${bad}`);
    assert.ok(res.status === 400 || res.status === 422, res.text);
    assert.equal(res.json.error.field, 'month', res.text);
  }
  const x = await bytes(`/api/v1/reports/monthly-use.xlsx?month=${month()}`, keys.bureau);
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(x.headers.get('content-disposition'), new RegExp(`monthly-use-${month()}\\.xlsx`));
  assert.equal(x.body.subarray(0, 2).toString(), 'PK');
  assert.equal((await bytes('/api/v1/reports/monthly-use.xlsx', keys.staff)).status, 403);
  assert.equal((await bytes(`/api/v1/reports/monthly-use.xlsx?community_id=${ids.a}`, keys.managerB)).status, 404);
});

function upkeepEvents(timeline) {
  const at = timeline.map((ev) => ev.at);
  assert.deepEqual(at, [...at].sort().reverse(), 'newest first');
  return timeline.filter((ev) => ev.source === 'upkeep');
}
const count = (evs, action, has) => evs.filter((ev) => ev.action === action && (!has || ev.detail.after.note.includes(has))).length;

test('the unit dossier tells its findings, cases, renovation and work order; not another community\'s manager', async () => {
  const r = await as('manager', 'GET', `/api/v1/units/${ids.unit}/dossier?timeline_limit=500`);
  assert.equal(r.status, 200, r.text);
  const evs = upkeepEvents(r.json.timeline);
  assert.equal(count(evs, 'patrol.finding'), 2);
  assert.equal(count(evs, 'patrol.finding', '消防通道堵塞（严重）'), 1);
  assert.equal(count(evs, 'patrol.finding', '楼道堆物'), 0);
  assert.equal(count(evs, 'violation.report'), 2);
  assert.equal(count(evs, 'violation.report', '群众举报登记'), 1);
  assert.equal(count(evs, 'violation.investigate'), 1);
  assert.equal(count(evs, 'violation.propose', '建议不予认定'), 1);
  assert.equal(count(evs, 'violation.dismiss', '经核查不构成改变用途'), 1);
  assert.equal(count(evs, 'renovation.request', '更换卫生间防水层'), 1);
  assert.equal(count(evs, 'renovation.check'), 1);
  assert.equal(count(evs, 'renovation.approve'), 1);
  assert.equal(count(evs, 'work_order.raise'), 1);
  for (const ev of evs) assert.deepEqual([ev.object_type, ev.object_id], ['unit', ids.unit]);
  // The public reporter is never told.
  assert.ok(!r.text.includes('13912345678') && !r.text.includes('李小明'));
  // The newest is the bureau's approval of the renovation.
  assert.equal(evs[0].action, 'renovation.approve');
  // Nothing on the unit next door.
  const next = await ok(as('bureau', 'GET', `/api/v1/units/${ids.unit2}/dossier`));
  assert.equal(upkeepEvents(next.timeline).length, 0);
  expectError(await as('managerB', 'GET', `/api/v1/units/${ids.unit}/dossier`), 404);
});

test('the household dossier tells its cases and renovation, no findings', async () => {
  const r = await as('staff', 'GET', `/api/v1/households/${ids.hh}/dossier`);
  assert.equal(r.status, 200, r.text);
  const evs = upkeepEvents(r.json.timeline);
  assert.equal(count(evs, 'patrol.finding'), 0);
  // The patrol's suspected sublet found the tenant household, and so did the public report.
  assert.equal(count(evs, 'violation.report'), 2);
  assert.equal(count(evs, 'violation.dismiss'), 1);
  assert.equal(count(evs, 'renovation.request'), 1);
  assert.equal(count(evs, 'renovation.approve'), 1);
  assert.ok(!r.text.includes('13912345678'));
  expectError(await as('managerB', 'GET', `/api/v1/households/${ids.hh}/dossier`), 404);
});
