// Move-in and move-out over HTTP (issue 6 §5): a paper lease entered and
// signed, the move-in checklist prefilled from the unit's asset register,
// refused until the deposit is paid (paid at the counter by a clerk with an
// Idempotency-Key), the unit allocated → occupied; the move-out checklist
// compared with the move-in, a damage deduction, the tenant's agreement,
// the lease ended and the unit vacant; the deposit settlement approved by
// another person (never the one who asked), the refund right to the fen,
// and the ledger check passing after it all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, cleanup, apikey, run, sleep, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};
let clerk;

const day = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);
const as = (role, method, path, body, headers) => s.api(method, path, { body, headers, token: keys[role] });
function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

// A session-authenticated client: the counter clerk signs in.
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

async function clerkAccount(username, community) {
  const out = run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', 'operator_staff',
    '--name', '收款员甲', '--community', String(community), '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const u = new Session(s);
  assert.equal((await u.login(username, pw)).status, 201);
  const r = await u.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Counter-Clerk-2026' });
  assert.ok(r.status < 300, r.text);
  const again = await u.login(username, 'Counter-Clerk-2026');
  assert.equal(again.status, 201, again.text);
  return { session: u, id: again.json.account.id };
}

function upload(role, ownerType, ownerId, bytes, category) {
  const q = new URLSearchParams({ owner_type: ownerType, owner_id: String(ownerId), category });
  return s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys[role], raw: bytes, headers: { 'Content-Type': 'application/octet-stream' },
  });
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'ho-bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'ho-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'ho-staff', ['--community', String(ids.a)]);
  keys.staff2 = apikey(s.data.dir, 'operator_staff', 'ho-staff-2', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'ho-staff-b', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'ho-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'ho-auditor');
  const c = await clerkAccount('counter1', ids.a);
  clerk = c.session;
  await sleep(200);
  // A receipt book handed to the counter clerk.
  r = await as('finance', 'POST', '/api/v1/receipt-books', { series: 'H2026', first_no: 1, last_no: 50, received_on: day(), received_by: '财务 王五' });
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'POST', `/api/v1/receipt-books/${r.json.id}/hand`, { account_id: c.id });
  assert.equal(r.status, 200, r.text);

  // The unit, its assets and its acceptance check: vacant.
  r = await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '1', floors: 6, entrances: 1 });
  r = await as('bureau', 'POST', '/api/v1/units', { building_id: r.json.id, entrance: 1, floor: 1, number: '1-1-101', layout: '一室一厅', floor_area: 5000, usable_area: 4000 });
  assert.equal(r.status, 201, r.text);
  ids.unit = r.json.id;
  r = await as('staff', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.unit, place: '客厅', type: '空调', brand: '格力', model: 'KFR-35', condition: 'good' });
  assert.equal(r.status, 201, r.text);
  ids.aircon = r.json.id;
  r = await as('staff', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.unit, place: '卫生间', type: '热水器', condition: 'good' });
  ids.heater = r.json.id;
  r = await as('staff', 'POST', `/api/v1/units/${ids.unit}/acceptance`, { items: [
    { room: '客厅', item: '墙面', condition: 'good' },
    { room: '卫生间', asset_id: ids.heater, condition: 'fair', notes: '外壳划痕' },
  ] });
  assert.equal(r.status, 201, r.text);
  assert.equal((await as('staff', 'POST', `/api/v1/acceptance-checks/${r.json.id}/sign`)).status, 200);
  assert.equal((await as('bureau', 'POST', `/api/v1/acceptance-checks/${r.json.id}/confirm`)).status, 200);

  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income',
    members: [{ name: '王伟', id_number: idNumber(11), relationship: 'head' }],
  });
  assert.equal(r.status, 201, r.text);
  ids.hh = r.json.id;

  // A paper lease entered afterwards (存量合同录入) and signed from its scan.
  r = await as('manager', 'POST', '/api/v1/leases', {
    household_id: ids.hh, unit_id: ids.unit, starts_on: day(-10), term_months: 24,
    monthly_rent_fen: 50000, deposit_fen: 200000, existing: true, existing_reason: '试点前已签纸质合同',
  });
  assert.equal(r.status, 201, r.text);
  ids.lease = r.json.id;
  r = await upload('staff', 'lease', ids.lease, PDF, 'contract');
  assert.equal(r.status, 201, r.text);
  r = await as('staff', 'POST', `/api/v1/leases/${ids.lease}/sign`, { signature_kind: 'scan', signature_attachment_id: r.json.id, signed_on: day(-10) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'in_force');
});
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('move-in: prefilled from the asset register, refused until the deposit is paid, then the unit is occupied', async () => {
  expectError(await as('bureau', 'POST', `/api/v1/leases/${ids.lease}/move-in`), 403);
  expectError(await as('staffB', 'POST', `/api/v1/leases/${ids.lease}/move-in`), 404, 'lease_not_found');
  expectError(await as('staff', 'POST', '/api/v1/leases/999999/move-in'), 404, 'lease_not_found');
  let r = await as('staff', 'POST', `/api/v1/leases/${ids.lease}/move-in`);
  assert.equal(r.status, 201, r.text);
  ids.moveIn = r.json.id;
  assert.equal(r.json.kind, 'move_in');
  assert.equal(r.json.state, 'draft');
  assert.equal(r.json.unit_number, '1-1-101');
  assert.deepEqual(r.json.items.map((i) => [i.asset_id, i.condition]),
    [[ids.aircon, 'good'], [ids.heater, 'worn'], [null, 'good']]);
  assert.equal(r.json.items[1].note, '外壳划痕');
  assert.equal(r.json.settlement, null);
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/move-in`), 409, 'handover_exists');
  expectError(await as('staffB', 'GET', `/api/v1/handovers/${ids.moveIn}`), 404, 'handover_not_found');
  expectError(await as('auditor', 'GET', `/api/v1/handovers/${ids.moveIn}`), 403);

  // Bad input: a 400 naming the field, never a 500.
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { meters: { water: '12,5' } }), 400, 'invalid_value', 'meters');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { meters: { steam: '1' } }), 400, 'unknown_field', 'meters.steam');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { keys_handed: 100 }), 400, 'out_of_range', 'keys_handed');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { tenant_agrees: true }), 400, 'move_out_only', 'tenant_agrees');
  expectError(await as('staff', 'PUT', `/api/v1/handovers/${ids.moveIn}/items`, { items: [{ name: '门', condition: 'broken' }] }), 400, 'invalid_value', 'items[0].condition');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}/items/${r.json.items[0].id}`, { deduction_fen: 100 }), 400, 'move_out_only', 'deduction_fen');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}/items/999999`, { note: 'x' }), 404, 'item_not_found');

  r = await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { meters: { water: '123.4', electricity: '5678', gas: null }, keys_handed: 3, note: '承租人已验收' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.meters, { water: '123.4', electricity: '5678' });
  r = await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}/items/${r.json.items[2].id}`, { note: '无裂缝' });
  assert.equal(r.json.items[2].note, '无裂缝');
  // A photo of the checklist's state, readable by the bureau, not by another community.
  r = await upload('staff', 'handover', ids.moveIn, PNG, 'photo');
  assert.equal(r.status, 201, r.text);
  assert.equal((await as('bureau', 'GET', `/api/v1/attachments?owner_type=handover&owner_id=${ids.moveIn}`)).json.items.length, 1);
  expectError(await upload('staffB', 'handover', ids.moveIn, PNG, 'photo'), 404);

  expectError(await as('staff', 'POST', `/api/v1/handovers/${ids.moveIn}/complete`, {}), 409, 'deposit_unpaid');
  // The deposit at the counter, exactly once.
  const key = randomUUID();
  const body = { household_id: ids.hh, amount_fen: 200000, channel: 'cash' };
  r = await clerk.call('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.receipt.number, /^H2026-/);
  const again = await clerk.call('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
  assert.equal(again.json.id, r.json.id);
  expectError(await as('staff', 'POST', `/api/v1/handovers/${ids.moveIn}/complete`, { done_on: day(1) }), 400, 'future_date', 'done_on');
  r = await as('staff', 'POST', `/api/v1/handovers/${ids.moveIn}/complete`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.handover.state, 'done');
  assert.equal(r.json.handover.done_on, day());
  assert.equal(r.json.approval, null);
  assert.equal((await as('bureau', 'GET', `/api/v1/units/${ids.unit}`)).json.status, 'occupied');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveIn}`, { note: 'x' }), 409, 'handover_done');
});

test('move-out: compared with the move-in, a deduction, the lease ends, the unit is vacant, the settlement needs a second person', async () => {
  // Rent owed before the move-out.
  let r = await as('manager', 'POST', '/api/v1/charges', { household_id: ids.hh, kind: 'rent', amount_fen: 50000, due_on: day(-5), period: day(-5).slice(0, 7) });
  assert.equal(r.status, 201, r.text);
  ids.rent = r.json.id;

  r = await as('staff', 'POST', `/api/v1/leases/${ids.lease}/move-out`);
  assert.equal(r.status, 201, r.text);
  ids.moveOut = r.json.id;
  assert.deepEqual(r.json.items.map((i) => [i.asset_id, i.before_condition, i.condition]),
    [[ids.aircon, 'good', 'good'], [ids.heater, 'worn', 'worn'], [null, 'good', 'good']]);
  assert.equal(r.json.items[2].before_note, '无裂缝');
  // Opening again gives the same checklist.
  assert.equal((await as('staff2', 'POST', `/api/v1/leases/${ids.lease}/move-out`)).json.id, ids.moveOut);
  r = await as('staff', 'GET', '/api/v1/handovers?state=draft');
  assert.deepEqual(r.json.items.map((h) => [h.id, h.kind, h.unit_number]), [[ids.moveOut, 'move_out', '1-1-101']]);
  r = await as('bureau', 'GET', `/api/v1/handovers?community_id=${ids.a}&kind=move_in`);
  assert.deepEqual(r.json.items.map((h) => h.id), [ids.moveIn]);
  assert.equal((await as('staffB', 'GET', '/api/v1/handovers')).json.items.length, 0);
  expectError(await as('staff', 'GET', '/api/v1/handovers?kind=moving'), 400, 'invalid_value', 'kind');
  r = await as('staff', 'GET', `/api/v1/leases/${ids.lease}/handovers`);
  assert.deepEqual(r.json.items.map((h) => h.kind), ['move_in', 'move_out']);

  r = await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveOut}/items/${r.json.items[1].items[0].id}`, { condition: 'damaged', note: '外机撞坏', deduction_fen: 30000 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.deductions_fen, 30000);
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveOut}/items/${r.json.items[0].id}`, { deduction_fen: -1 }), 400, 'out_of_range', 'deduction_fen');
  // The preview: deposit 2000.00, rent 500.00 owed, deduction 300.00.
  let st = r.json.settlement;
  assert.equal(st.state, 'preview');
  assert.equal(st.deposit_fen, 200000);
  assert.equal(st.open_fen, 50000);
  assert.equal(st.refund_if_agrees_fen, 120000);
  assert.equal(st.refund_if_not_fen, 170000);
  expectError(await as('staff', 'POST', `/api/v1/handovers/${ids.moveOut}/complete`, {}), 400, 'missing_field', 'tenant_agrees');
  r = await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveOut}`, { tenant_agrees: true, refund_channel: 'cash', keys_handed: 3, meters: { water: '150.2' } });
  assert.equal(r.status, 200, r.text);
  expectError(await as('staff', 'POST', `/api/v1/handovers/${ids.moveOut}/complete`, { done_on: '2026-02-30' }), 400, 'invalid_date', 'done_on');

  r = await as('staff', 'POST', `/api/v1/handovers/${ids.moveOut}/complete`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.handover.settlement.state, 'requested');
  assert.equal(r.json.handover.settlement.refund_fen, 120000);
  const approval = r.json.approval;
  assert.equal(approval.kind, 'deposit.settle');
  assert.equal(approval.state, 'pending');
  assert.equal(approval.payload.refund_fen, 120000);
  assert.equal(approval.payload.deductions_fen, 30000);
  assert.equal((await as('bureau', 'GET', `/api/v1/units/${ids.unit}`)).json.status, 'vacant');
  r = await as('bureau', 'GET', `/api/v1/leases/${ids.lease}`);
  assert.equal(r.json.state, 'ended');
  // Nothing is refunded yet.
  r = await as('finance', 'GET', `/api/v1/households/${ids.hh}/account`);
  assert.equal(r.json.refunds.length, 0);

  // Never the one who asked; another operator does not decide (nor see it).
  expectError(await as('staff', 'POST', `/api/v1/approvals/${approval.id}/approve`, { note: '同意' }), 403, 'self_approval');
  expectError(await as('staff2', 'POST', `/api/v1/approvals/${approval.id}/approve`, { note: '同意' }), 404);
  expectError(await as('staff', 'POST', `/api/v1/handovers/${ids.moveOut}/settlement`, { reason: '再申请' }), 409, 'settlement_pending');
  r = await as('finance', 'POST', `/api/v1/approvals/${approval.id}/approve`, { note: '核对无误' });
  assert.equal(r.status, 200, r.text);

  r = await as('finance', 'GET', `/api/v1/households/${ids.hh}/account`);
  assert.deepEqual(r.json.refunds.map((x) => [x.amount_fen, x.channel]), [[120000, 'cash']]);
  assert.equal(r.json.credit_fen, 0);
  assert.equal(r.json.owed_fen, 0);
  const byKind = Object.fromEntries(r.json.charges.map((c) => [c.kind, c]));
  assert.equal(byKind.deposit.state, 'released');
  assert.equal(byKind.deposit.owed_fen, 0);
  assert.equal(byKind.rent.state, 'paid');
  assert.equal(byKind.repair.amount_fen, 30000);
  assert.equal(byKind.repair.source_type, 'handover');
  assert.equal(byKind.repair.state, 'paid');
  r = await as('staff', 'GET', `/api/v1/handovers/${ids.moveOut}`);
  st = r.json.settlement;
  assert.equal(st.state, 'approved');
  assert.equal(st.owed_after_fen, 0);
  expectError(await as('finance', 'POST', `/api/v1/handovers/${ids.moveOut}/settlement`, { reason: '再申请' }), 409, 'settlement_done');
  expectError(await as('staff', 'PATCH', `/api/v1/handovers/${ids.moveOut}`, { note: 'x' }), 409, 'handover_done');
});
