// Work orders (维修养护), preventive plans and the maintenance ledger over
// HTTP (issue 8 §5, part C) against a real server, on either engine: staff
// raise an order for a tenant (the contact sealed and shown masked, the
// deadline from the urgency's configured hours), assign, start and finish
// it with a photo (JPEG or PNG only: 415; too big: 413), materials and a
// tenant-paid cost that becomes a repair charge; the operator's people get
// 403 when they confirm, the bureau's call-back confirms with a score;
// illegal steps are 409 naming the state; other communities' staff see
// nothing (404); overdue orders are listed and counted; the bureau sets
// the deadlines; plans are kept by the manager; the ledger sums the month
// by responsibility, also as xlsx.  The ledger check passes at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, run, ledgerCheck, dbExec } from './lib/server.js';

const UPLOAD_MAX = 65536;

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function ok(p, status = 200) {
  const r = await p;
  assert.equal(r.status, status, r.text);
  return r.json;
}

function photo(role, id, bytes) {
  return s.api('POST', `/api/v1/work-orders/${id}/photos?filename=a.png`, {
    token: keys[role], raw: bytes, headers: { 'Content-Type': 'application/octet-stream' },
  });
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

function thisMonth() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
}

before(async () => {
  s = await startServer({ schedules: 'false', upload_max_bytes: String(UPLOAD_MAX) });
  keys.bureau = apikey(s.data.dir, 'bureau', 'wo-bureau', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'wo-assessor', ['--all-communities']);
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'wo-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'wo-staff', ['--community', String(ids.a)]);
  keys.staff2 = apikey(s.data.dir, 'operator_staff', 'wo-staff2', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'wo-finance', ['--all-communities']);
  run(['user', 'add', '--data', s.data.dir, '--username', 'repairer', '--role', 'operator_staff',
    '--name', '维修员王五', '--community', String(ids.a), '--generate-password']);
  ids.repairer = Number(/^(\d+)\s+repairer\s/m.exec(run(['user', 'list', '--data', s.data.dir]))[1]);
  r = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '3', floors: 18, entrances: 2, has_lift: true }), 201);
  ids.building = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: ids.building, entrance: 2, floor: 15, number: '3-2-1502', layout: '一室一厅', floor_area: 4550, usable_area: 3600,
  }), 201);
  ids.unit = r.id;
  r = await ok(as('staff', 'POST', '/api/v1/assets', { location: 'entrance', building_id: ids.building, entrance: 1, place: '1单元电梯', type: '电梯', condition: 'good' }), 201);
  ids.lift = r.id;
  r = await ok(as('staff', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true, monthly_income_fen: 100000,
    members: [{ name: '张三', id_number: idNumber('19800101', 1), phone: '13900001111', relationship: 'head' }],
  }), 201);
  ids.household = r.id;
});

after(async () => {
  try {
    if (s) await ledgerCheck(s);
  } finally {
    await s?.stop();
    cleanup(s);
  }
});

test('a repair from report to the call-back, with a photo and the tenant paying', async () => {
  const o = await ok(as('staff', 'POST', '/api/v1/work-orders', {
    location: 'unit', unit_id: ids.unit, place: '厨房', category: 'water', urgency: 'emergency',
    description: '厨房水管爆裂，正在漏水', household_id: ids.household, contact: '13912345678',
  }), 201);
  assert.equal(o.state, 'reported');
  assert.equal(o.source, 'api');
  assert.equal(o.place.community_id, ids.a);
  assert.equal(o.contact, '139****5678');
  assert.equal(Date.parse(o.deadline_at) - Date.parse(o.reported_at), 24 * 3600e3);
  assert.equal(o.overdue, false);
  assert.equal(o.history.length, 1);

  // Other communities' staff see nothing; steps out of order are 409.
  expectError(await as('staff2', 'GET', `/api/v1/work-orders/${o.id}`), 404, 'work_order_not_found');
  expectError(await as('staff', 'POST', `/api/v1/work-orders/${o.id}/start`, {}), 409, 'work_order_state');
  expectError(await as('staff', 'POST', `/api/v1/work-orders/${o.id}/assign`, { assignee_id: 1 }), 400, 'assignee_invalid', 'assignee_id');
  let r = await ok(as('manager', 'POST', `/api/v1/work-orders/${o.id}/assign`, { assignee_id: ids.repairer, note: '请今天处理' }));
  assert.equal(r.state, 'assigned');
  assert.equal(r.assignee_name, '维修员王五');
  r = await ok(as('staff', 'POST', `/api/v1/work-orders/${o.id}/start`, {}));
  assert.equal(r.state, 'in_progress');

  // Photos: JPEG or PNG only, within the size.
  expectError(await photo('staff', o.id, PDF), 415, 'unsupported_media_type');
  // Over the configured upload_max_bytes: refused on its Content-Length.
  const big = Buffer.alloc(UPLOAD_MAX + 1, 0);
  PNG.copy(big);
  expectError(await photo('staff', o.id, big), 413, 'body_too_large');
  expectError(await photo('bureau', o.id, PNG), 403);
  const p = await ok(photo('staff', o.id, PNG), 201);
  assert.equal(p.media_type, 'image/png');

  expectError(await as('staff', 'POST', `/api/v1/work-orders/${o.id}/done`, { responsibility: 'tenant', cost_fen: 100, materials: [{ name: '阀芯', quantity: 1, amount_fen: 3000 }] }), 400, 'materials_exceed_cost', 'cost_fen');
  expectError(await as('staff', 'POST', `/api/v1/work-orders/${o.id}/done`, { responsibility: 'nobody', cost_fen: 100 }), 400, null, 'responsibility');
  r = await ok(as('staff', 'POST', `/api/v1/work-orders/${o.id}/done`, {
    responsibility: 'tenant', cost_fen: 8000, note: '更换阀芯',
    materials: [{ name: '阀芯', quantity: 1, unit: '个', amount_fen: 3000 }, { name: '生料带', quantity: 2, unit: '卷', amount_fen: 400 }],
  }));
  assert.equal(r.state, 'done');
  assert.equal(r.materials.length, 2);
  assert.equal(r.photos.length, 1);
  assert.ok(r.charge_id > 0);
  const repair = await ok(as('finance', 'GET', `/api/v1/charges/${r.charge_id}`));
  assert.equal(repair.household_id, ids.household);
  assert.equal(repair.source_type, 'work_order');
  assert.equal(repair.kind, 'repair');
  assert.equal(repair.amount_fen, 8000);

  // Never confirmed by the operator's people; the bureau's call-back does.
  expectError(await as('staff', 'POST', `/api/v1/work-orders/${o.id}/confirm`, { satisfaction: 5 }), 403, 'callback_only');
  expectError(await as('manager', 'POST', `/api/v1/work-orders/${o.id}/confirm`, { satisfaction: 5 }), 403, 'callback_only');
  expectError(await as('manager', 'POST', `/api/v1/work-orders/${o.id}/reopen`, { note: '没修好' }), 403, 'callback_only');
  expectError(await as('bureau', 'POST', `/api/v1/work-orders/${o.id}/confirm`, { satisfaction: 9 }), 400, null, 'satisfaction');
  r = await ok(as('assessor', 'POST', `/api/v1/work-orders/${o.id}/reopen`, { note: '回访：仍有滴水' }));
  assert.equal(r.state, 'assigned');
  assert.equal(r.reopened, 1);
  await ok(as('staff', 'POST', `/api/v1/work-orders/${o.id}/start`, {}));
  await ok(as('staff', 'POST', `/api/v1/work-orders/${o.id}/done`, { responsibility: 'tenant', cost_fen: 8000 }));
  r = await ok(as('bureau', 'POST', `/api/v1/work-orders/${o.id}/confirm`, { satisfaction: 5, note: '回访：已修好，满意' }));
  assert.equal(r.state, 'confirmed');
  assert.equal(r.satisfaction, 5);
  assert.equal(r.confirm_channel, 'callback');
  assert.deepEqual(r.history.map((h) => h.to_state),
    ['reported', 'assigned', 'in_progress', 'done', 'assigned', 'in_progress', 'done', 'confirmed']);
  const e = await as('bureau', 'POST', `/api/v1/work-orders/${o.id}/confirm`, { satisfaction: 4 });
  expectError(e, 409, 'work_order_state');
  assert.match(e.json.error.message, /confirmed/);

  // The contact in clear only when asked, and the asking is audited.
  r = await ok(as('bureau', 'POST', `/api/v1/work-orders/${o.id}/reveal-contact`));
  assert.equal(r.contact, '13912345678');
  expectError(await as('assessor', 'POST', `/api/v1/work-orders/${o.id}/reveal-contact`), 403);
});

test('bad input, scope and roles', async () => {
  const base = { location: 'unit', unit_id: ids.unit, category: 'water', urgency: 'normal', description: '漏水' };
  expectError(await as('staff', 'POST', '/api/v1/work-orders', { ...base, category: 'plumbing' }), 400, null, 'category');
  expectError(await as('staff', 'POST', '/api/v1/work-orders', { ...base, description: '' }), 400, null, 'description');
  expectError(await as('staff', 'POST', '/api/v1/work-orders', { ...base, unit_id: 999999 }), 404, null, 'unit_id');
  expectError(await as('staff2', 'POST', '/api/v1/work-orders', base), 404, 'community_not_found');
  expectError(await as('bureau', 'POST', '/api/v1/work-orders', base), 403);
  expectError(await as('finance', 'GET', '/api/v1/work-orders'), 403);
  expectError(await as('staff', 'GET', '/api/v1/work-orders?state=lost'), 400, null, 'state');
  expectError(await as('staff', 'GET', '/api/v1/work-orders/abc'), 404, 'work_order_not_found');
});

test('overdue orders are listed and counted; the bureau sets the deadlines', async () => {
  const o = await ok(as('staff', 'POST', '/api/v1/work-orders', {
    location: 'asset', asset_id: ids.lift, category: 'lift', urgency: 'urgent', description: '电梯异响',
  }), 201);
  assert.equal(o.place.location, 'asset');
  assert.equal(o.household_id, null);
  assert.equal(Date.parse(o.deadline_at) - Date.parse(o.reported_at), 72 * 3600e3);
  let list = await ok(as('staff', 'GET', '/api/v1/work-orders?overdue=true'));
  assert.ok(!list.items.some((x) => x.id === o.id));
  dbExec(s, `UPDATE work_order SET deadline_at = '2020-01-01T00:00:00.000000Z' WHERE id = ${o.id}`);
  list = await ok(as('staff', 'GET', '/api/v1/work-orders?overdue=true'));
  assert.deepEqual(list.items.map((x) => x.id), [o.id]);
  assert.equal(list.items[0].overdue, true);
  let c = await ok(as('staff', 'GET', `/api/v1/work-order-counts?community_id=${ids.a}`));
  assert.equal(c.overdue, 1);
  assert.ok(c.by_state.reported >= 1);
  c = await ok(as('staff2', 'GET', '/api/v1/work-order-counts'));
  assert.equal(c.overdue, 0);
  list = await ok(as('staff2', 'GET', '/api/v1/work-orders'));
  assert.equal(list.items.length, 0);

  expectError(await as('manager', 'PUT', '/api/v1/work-order-deadlines/emergency', { hours: 12 }), 403);
  expectError(await as('bureau', 'PUT', '/api/v1/work-order-deadlines/someday', { hours: 12 }), 400, null, 'urgency');
  expectError(await as('bureau', 'PUT', '/api/v1/work-order-deadlines/emergency', { hours: 0 }), 400, null, 'hours');
  const d = await ok(as('bureau', 'PUT', '/api/v1/work-order-deadlines/emergency', { hours: 12 }));
  assert.equal(d.items.find((x) => x.urgency === 'emergency').hours, 12);
  const n = await ok(as('staff', 'POST', '/api/v1/work-orders', {
    location: 'community', community_id: ids.a, place: '东门', category: 'door_lock', urgency: 'emergency', description: '小区门禁坏了',
  }), 201);
  assert.equal(Date.parse(n.deadline_at) - Date.parse(n.reported_at), 12 * 3600e3);
});

test('preventive plans are kept by the manager', async () => {
  expectError(await as('staff', 'POST', '/api/v1/preventive-plans', { asset_id: ids.lift, name: '电梯月检', category: 'lift', description: '月度保养', freq: 'monthly', day: 5 }), 403);
  expectError(await as('manager', 'POST', '/api/v1/preventive-plans', { name: '电梯月检', category: 'lift', description: '月度保养', freq: 'monthly', day: 5 }), 400, 'asset_or_type');
  expectError(await as('manager', 'POST', '/api/v1/preventive-plans', { asset_id: ids.lift, name: '电梯周检', category: 'lift', description: '周检', freq: 'weekly', day: 9 }), 400, null, 'day');
  const p = await ok(as('manager', 'POST', '/api/v1/preventive-plans', { community_id: ids.a, asset_type: '电梯', name: '电梯月检', category: 'lift', description: '月度保养', freq: 'monthly', day: 5 }), 201);
  assert.equal(p.active, true);
  assert.equal(p.asset_type, '电梯');
  const q = await ok(as('manager', 'PATCH', `/api/v1/preventive-plans/${p.id}`, { active: false }));
  assert.equal(q.active, false);
  const list = await ok(as('bureau', 'GET', '/api/v1/preventive-plans'));
  assert.ok(list.items.some((x) => x.id === p.id));
  expectError(await as('staff2', 'GET', `/api/v1/preventive-plans/${p.id}`), 404, 'plan_not_found');
});

test('the maintenance ledger sums the month by responsibility', async () => {
  const period = thisMonth();
  const l = await ok(as('finance', 'GET', `/api/v1/maintenance-ledger?community_id=${ids.a}&period=${period}`));
  assert.equal(l.count, 1);
  assert.equal(l.total_fen, 8000);
  assert.equal(l.by_responsibility.tenant, 8000);
  assert.equal(l.by_responsibility.operator, 0);
  expectError(await as('staff2', 'GET', `/api/v1/maintenance-ledger?community_id=${ids.a}&period=${period}`), 404);
  expectError(await as('bureau', 'GET', `/api/v1/maintenance-ledger?community_id=${ids.a}&period=2026-13`), 400, null, 'period');
  const res = await fetch(`${s.base}/api/v1/maintenance-ledger.xlsx?community_id=${ids.a}&period=${period}`, { headers: { Authorization: 'Bearer ' + keys.bureau } });
  assert.equal(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.subarray(0, 2).toString(), 'PK');
});
