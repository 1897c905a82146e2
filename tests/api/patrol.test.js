// Patrols over HTTP (issue 8 §1): the library (operator manager writes,
// others read, an item retired not deleted), points with a place, the label
// sheet whose QR codes are read back from the PDF with pdftoppm and zbarimg
// (a reprint voids the old label), a plan with an inspector account, the
// day's rounds made once, and the inspector's round on the phone: refused
// with a wrong or another point's label, items refused before the
// check-in, an item sent twice with the same Idempotency-Key saved once, a
// photo that is not JPEG or PNG refused (415), findings that opened a work
// order and a suspected violation case, and the round done.
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

const day = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);
const as = (role, method, path, body, headers) => s.api(method, path, { body, headers, token: keys[role] });
function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
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
  raw(method, path, bytes) {
    return this.s.api(method, path, {
      raw: bytes, token: null,
      headers: { Cookie: `anju_session=${this.cookie}`, 'X-CSRF-Token': this.csrf, 'Content-Type': 'application/octet-stream' },
    });
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

async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: { Authorization: 'Bearer ' + token } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
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
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'pt-bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'pt-manager', ['--community', String(ids.a)]);
  keys.managerB = apikey(s.data.dir, 'operator_manager', 'pt-manager-b', ['--community', String(ids.b)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'pt-staff', ['--community', String(ids.a)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'pt-assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'pt-auditor');
  r = await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '1', floors: 6, entrances: 2 });
  ids.building = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/units', { building_id: ids.building, entrance: 1, floor: 1, number: '1-1-101', layout: '一室一厅', floor_area: 5000, usable_area: 4000 });
  assert.equal(r.status, 201, r.text);
  ids.unit = r.json.id;
  inspector = await inspectorAccount('xuncha1', ids.a);
});

after(async () => { await s.stop(); cleanup(s); });

test('the library: seeded, written by the operator manager only, retired not deleted', async () => {
  let r = await as('assessor', 'GET', '/api/v1/patrol-items');
  assert.equal(r.status, 200, r.text);
  const names = r.json.items.map((i) => i.name);
  for (const n of ['消防通道堵塞', '楼道堆物', '电梯运行异常', '疑似转租转借', '房屋闲置']) assert.ok(names.includes(n), n);
  const fire = r.json.items.find((i) => i.name === '消防通道堵塞');
  assert.equal(fire.severity, 'high');
  assert.equal(fire.finding_action, 'work_order');
  ids.fire = fire.id;
  ids.stuff = r.json.items.find((i) => i.name === '楼道堆物').id;
  ids.sublet = r.json.items.find((i) => i.name === '疑似转租转借').id;
  expectError(await as('bureau', 'POST', '/api/v1/patrol-items', { name: '高空抛物', severity: 'high' }), 403);
  expectError(await as('auditor', 'GET', '/api/v1/patrol-items'), 403);
  expectError(await as('manager', 'POST', '/api/v1/patrol-items', { name: '高空抛物', severity: 'huge' }), 400, undefined, 'severity');
  r = await as('manager', 'POST', '/api/v1/patrol-items', { name: '高空抛物隐患', severity: 'medium', finding_action: 'violation', violation_type: 'other' });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  expectError(await as('manager', 'POST', '/api/v1/patrol-items', { name: '高空抛物隐患', severity: 'low' }), 409, 'patrol_item_exists');
  r = await as('manager', 'POST', `/api/v1/patrol-items/${id}/retire`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.retired, true);
  expectError(await as('manager', 'POST', `/api/v1/patrol-items/${id}/retire`), 409, 'patrol_item_retired');
  r = await as('manager', 'GET', '/api/v1/patrol-items?all=true');
  assert.ok(r.json.items.some((i) => i.id === id));
  r = await as('manager', 'PUT', '/api/v1/patrol-severity-actions/low', { action: 'none' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 3);
});

test('points, the label sheet, a reprint voids the old label', async () => {
  expectError(await as('staff', 'POST', '/api/v1/patrol-points', { name: 'x', location: 'community', community_id: ids.a, items: [ids.fire] }), 403);
  expectError(await as('managerB', 'POST', '/api/v1/patrol-points', { name: 'x', location: 'community', community_id: ids.a, items: [ids.fire] }), 404, 'community_not_found');
  expectError(await as('manager', 'POST', '/api/v1/patrol-points', { name: 'x', location: 'unit', unit_id: 999999, items: [ids.fire] }), 404, undefined, 'unit_id');
  expectError(await as('manager', 'POST', '/api/v1/patrol-points', { name: 'x', location: 'roof', items: [ids.fire] }), 400, undefined, 'location');
  let r = await as('manager', 'POST', '/api/v1/patrol-points', { name: '1栋1单元楼道', location: 'entrance', building_id: ids.building, entrance: 1, items: [ids.fire, ids.stuff] });
  assert.equal(r.status, 201, r.text);
  ids.p1 = r.json.id;
  assert.equal(r.json.short_no, 1);
  assert.equal(r.json.label.generation, 0);
  r = await as('manager', 'POST', '/api/v1/patrol-points', { name: '1-1-101', location: 'unit', unit_id: ids.unit, items: [ids.sublet] });
  ids.p2 = r.json.id;
  r = await as('manager', 'POST', '/api/v1/patrol-points', { name: '小区东门', location: 'community', community_id: ids.a, place: '东门岗亭', items: [ids.stuff] });
  ids.p3 = r.json.id;
  r = await as('staff', 'GET', `/api/v1/communities/${ids.a}/patrol-points`);
  assert.equal(r.json.items.length, 3);
  expectError(await as('managerB', 'GET', `/api/v1/communities/${ids.a}/patrol-points`), 404);

  expectError(await as('staff', 'GET', `/api/v1/communities/${ids.a}/patrol-labels.pdf`), 403);
  let pdf = await bytes(`/api/v1/communities/${ids.a}/patrol-labels.pdf`, keys.manager);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  let codes = qrCodes(pdf.body);
  assert.equal(codes.length, 3, codes.join(','));
  ids.labels = {};
  for (const c of codes) {
    const m = /^anju:p:(\d+):([A-Z2-7]{39})$/.exec(c);
    assert.ok(m, c);
    ids.labels[m[1]] = c;
  }
  const first = ids.labels[ids.p1];
  // Reprinting one point's label gives it a new token and voids the old one.
  pdf = await bytes(`/api/v1/communities/${ids.a}/patrol-labels.pdf?point_id=${ids.p1}`, keys.bureau);
  codes = qrCodes(pdf.body);
  assert.equal(codes.length, 1);
  assert.notEqual(codes[0], first);
  ids.labels[ids.p1] = codes[0];
  ids.voided = first;
  r = await as('manager', 'GET', `/api/v1/patrol-points/${ids.p1}`);
  assert.equal(r.json.label.generation, 2);
  // Printing is audited, never with the token.
  r = await as('auditor', 'GET', '/api/v1/audit?action=patrol.labels_print');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 2);
  assert.ok(!r.text.includes(first.split(':')[3]) && !r.text.includes(codes[0].split(':')[3]));
});

test('a plan, the day\'s rounds made once, and the inspector\'s round', async () => {
  expectError(await as('manager', 'POST', '/api/v1/patrol-plans', { community_id: ids.a, name: '日常巡查', frequency: 'weekly', points: [ids.p1], inspectors: [inspector.id] }), 400, undefined, 'weekday');
  let r = await as('manager', 'GET', `/api/v1/communities/${ids.a}/patrol-inspectors`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((a) => a.username), ['xuncha1']);
  r = await as('manager', 'POST', '/api/v1/patrol-plans', { community_id: ids.a, name: '日常巡查', frequency: 'daily', points: [ids.p1, ids.p2], inspectors: [inspector.id] });
  assert.equal(r.status, 201, r.text);
  ids.plan = r.json.id;
  assert.deepEqual(r.json.points.map((p) => p.id), [ids.p1, ids.p2]);
  assert.equal(r.json.inspectors[0].username, 'xuncha1');

  r = await as('manager', 'POST', '/api/v1/patrol-rounds/generate', {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.made, 1);
  r = await as('bureau', 'POST', '/api/v1/patrol-rounds/generate', { due_on: day() });
  assert.equal(r.json.made, 0);
  expectError(await as('staff', 'POST', '/api/v1/patrol-rounds/generate', {}), 403);

  r = await inspector.session.call('GET', `/api/v1/patrol-rounds?mine=true&due_on=${day()}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  const round = r.json.items[0].id;
  r = await inspector.session.call('GET', `/api/v1/patrol-rounds/${round}`);
  assert.deepEqual(r.json.points.map((p) => p.point_id), [ids.p1, ids.p2]);
  assert.equal(r.json.state, 'assigned');

  const visits = `/api/v1/patrol-rounds/${round}/visits`;
  const item = (p, i) => `/api/v1/patrol-rounds/${round}/points/${p}/items/${i}`;
  expectError(await inspector.session.call('PUT', item(ids.p1, ids.fire), { outcome: 'fine' }), 409, 'not_checked_in');
  expectError(await inspector.session.call('POST', visits, { token: 'anju:p:1:NOTATOKEN' }), 403, 'label_invalid');
  expectError(await inspector.session.call('POST', visits, { token: ids.voided }), 403, 'label_invalid');
  expectError(await inspector.session.call('POST', visits, { token: ids.labels[ids.p3] }), 409, 'label_other_point');
  expectError(await inspector.session.call('POST', visits, { token: ids.labels[ids.p2], point_id: ids.p1 }), 409, 'label_other_point');
  expectError(await as('staff', 'POST', visits, { token: ids.labels[ids.p1] }), 403, 'not_round_inspector');
  expectError(await inspector.session.call('POST', visits, { token: ids.labels[ids.p1], lat: '91', lng: '121.47' }), 400, undefined, 'lat');
  r = await inspector.session.call('POST', visits, { token: ids.labels[ids.p1], point_id: ids.p1, lat: '31.2304', lng: '121.4737', accuracy: 15 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'in_progress');
  assert.ok(r.json.points[0].checked_in_at);
  assert.equal(r.json.points[0].lat, '31.2304');

  // An item sent twice with the same key (a dropped connection) is saved once.
  const key = randomUUID();
  r = await inspector.session.call('PUT', item(ids.p1, ids.fire), { outcome: 'not_fine', note: '电动车堵住消防通道' }, { 'Idempotency-Key': key });
  assert.equal(r.status, 200, r.text);
  const result = r.json.result_id;
  r = await inspector.session.call('PUT', item(ids.p1, ids.fire), { outcome: 'not_fine', note: '电动车堵住消防通道' }, { 'Idempotency-Key': key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('idempotent-replayed'), 'true');
  assert.equal(r.json.result_id, result);
  // A photo: not a PDF (415), a PNG.
  expectError(await inspector.session.raw('POST', `/api/v1/patrol-results/${result}/photos`, PDF), 415);
  r = await inspector.session.raw('POST', `/api/v1/patrol-results/${result}/photos?filename=fire.png`, PNG);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.owner_type, 'patrol_result');
  expectError(await as('managerB', 'GET', `/api/v1/attachments/${r.json.id}`), 404);

  r = await inspector.session.call('PUT', item(ids.p1, ids.stuff), { outcome: 'fine' }, { 'Idempotency-Key': randomUUID() });
  assert.equal(r.json.round_state, 'in_progress');
  r = await inspector.session.call('POST', visits, { token: ids.labels[ids.p2] });
  assert.equal(r.status, 201, r.text);
  r = await inspector.session.call('PUT', item(ids.p2, ids.sublet), { outcome: 'not_fine', note: '住户称房屋由亲戚居住' }, { 'Idempotency-Key': randomUUID() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.round_state, 'done');
  expectError(await inspector.session.call('POST', visits, { token: ids.labels[ids.p2] }), 409, 'round_state');

  r = await as('assessor', 'GET', `/api/v1/patrol-rounds/${round}`);
  assert.equal(r.json.findings, 2);
  const fire = r.json.points[0].items.find((i) => i.item_id === ids.fire);
  assert.equal(fire.result.outcome, 'not_fine');
  assert.equal(fire.result.photos, 1);
  assert.equal(fire.result.finding_action, 'work_order');
  assert.ok(fire.result.work_order_id, 'the finding opened a work order');
  const sublet = r.json.points[1].items[0];
  assert.ok(sublet.result.violation_id, 'the finding opened a suspected case');
  assert.equal(sublet.result.work_order_id, null);
  r = await as('bureau', 'GET', `/api/v1/patrol-findings?community_id=${ids.a}`);
  assert.equal(r.json.items.length, 2);
  assert.deepEqual(r.json.items.map((f) => f.finding_action).sort(), ['violation', 'work_order']);
  r = await as('managerB', 'GET', '/api/v1/patrol-findings');
  assert.equal(r.json.items.length, 0);
});
