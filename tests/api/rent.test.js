// Rent standards, quotes and the billing run over HTTP (issue 7 §1, §2,
// part A) against a real server, on either engine: the bureau alone makes
// standards (operators 403 bureau_only), with their reductions checked and
// named by place; a version in force is never withdrawn (409) while one to
// come is; quotes with the household's reduction, and 422
// rent_standard_missing where no standard is in force; a new lease without
// a standard refused; billing next month from the console's route as a job
// (202), the run's progress and counts, the charge's amount and its
// rent_line inputs, the household's account page showing only its own lines
// of the batch journal, a second run a no-op; the period checks (malformed
// 400, too far 422, earlier without chains 422, a catch-up with chains);
// who may bill (finance, operator managers) and read; and the ledger sound
// at the end.  Every answer is checked against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, ledgerCheck } from './lib/server.js';

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

// Dates and months in Asia/Shanghai.
function shanghai() {
  return new Date(Date.now() + 8 * 3600e3);
}
function day(n = 0) {
  const d = shanghai();
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function month(n = 0) {
  const d = shanghai();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
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

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');

async function vacantUnit(building, number, layout, area) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 2, number, layout, floor_area: area, usable_area: area - 500,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A paper lease of household on unit from starts, signed: its chain.
async function paperLease(household, unit, starts, rent) {
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: household, unit_id: unit, starts_on: starts, term_months: 36,
    monthly_rent_fen: rent, deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }), 201);
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(l.id), category: 'contract' });
  const sig = await ok(s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys.staff, raw: PNG, headers: { 'Content-Type': 'application/octet-stream' },
  }), 201);
  const signed = await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'onscreen', signature_attachment_id: sig.id, signed_on: starts }));
  return signed.chain_id;
}

async function runToEnd(run) {
  const job = await s.waitJob(run.job_id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  return ok(as('finance', 'GET', `/api/v1/billing-runs/${run.id}`));
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '1', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'rent-bureau', ['--all-communities']);
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房', district: '咸安区' }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'rent-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'rent-staff', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'rent-staff-b', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'rent-finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'rent-assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'rent-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '3', floors: 6, entrances: 1 }), 201);
  ids.u1 = await vacantUnit(b.id, '3-1-201', '两室一厅', 6025);
  ids.u2 = await vacantUnit(b.id, '3-1-202', '一室一厅', 4317);
  ids.u3 = await vacantUnit(b.id, '3-1-203', '两室一厅', 6025);
  r = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true, monthly_income_fen: 300000,
    members: [
      { name: '张三丰', id_number: idNumber('19850307', 1), relationship: 'head' },
      { name: '李芳', id_number: idNumber('19901231', 2), relationship: 'spouse' },
    ],
  }), 201);
  ids.h1 = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'new_employee', local_hukou: true, monthly_income_fen: 500000,
    members: [{ name: '王五', id_number: idNumber('19700101', 3), relationship: 'head' }],
  }), 201);
  ids.h2 = r.id;
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); }
});

test('standards: the bureau makes versions; reductions checked; nothing in force withdrawn', async () => {
  const body = {
    community_id: ids.a, layout: '*', effective_from: day(0), mode: 'per_m2', price_fen_m2: 1234, rounding: 'down',
    reductions: [
      { code: 'low', name: '低收入家庭减半', kind: 'category', match: 'low_income', share_ppm: 500000 },
      { code: 'tier', name: '人均 800 元以下六折', kind: 'income_tier', income_max_fen: 80000, share_ppm: 600000 },
    ],
  };
  // Only the bureau; auditors see no business data.
  expectError(await as('manager', 'POST', '/api/v1/rent-standards', body), 403, 'bureau_only');
  expectError(await as('finance', 'POST', '/api/v1/rent-standards', body), 403, 'bureau_only');
  expectError(await as('auditor', 'GET', '/api/v1/rent-standards'), 403);
  // Bad input, by field.
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', { ...body, effective_from: day(-1) }), 400, 'effective_in_past', 'effective_from');
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', { ...body, price_fen_m2: undefined }), 400, undefined, 'price_fen_m2');
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', { ...body, mode: 'per_room' }), 400, undefined, 'mode');
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', {
    ...body, reductions: [{ code: 'x', name: '甲', kind: 'special_group', match: 'nobody', share_ppm: 500000 }],
  }), 400, 'special_group_unknown', 'reductions[0]');
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', {
    ...body, reductions: [{ code: 'x', name: '甲', kind: 'category', match: 'low_income', share_ppm: 0 }],
  }), 400, undefined, 'reductions[0].share_ppm');
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', { ...body, community_id: 999999 }), 404, 'community_not_found');
  const st = await ok(as('bureau', 'POST', '/api/v1/rent-standards', body), 201);
  assert.equal(st.status, 'in_force');
  assert.equal(st.in_force, true);
  assert.equal(st.reductions.length, 2);
  assert.equal(st.due_day, 5);
  ids.standard = st.id;
  expectError(await as('bureau', 'POST', '/api/v1/rent-standards', body), 409, 'standard_exists');
  // Nothing in force is withdrawn or corrected.
  expectError(await as('bureau', 'POST', `/api/v1/rent-standards/${st.id}/withdraw`, { reason: '标准有误' }), 409, 'standard_in_force');
  // A version to come: corrected by a new row, which withdraws it.
  const later = await ok(as('bureau', 'POST', '/api/v1/rent-standards', { ...body, effective_from: day(40), price_fen_m2: 1300 }), 201);
  assert.equal(later.status, 'future');
  const fixed = await ok(as('bureau', 'POST', '/api/v1/rent-standards', { ...body, effective_from: day(40), replaces_id: later.id, price_fen_m2: 1310 }), 201);
  assert.equal(fixed.replaces_id, later.id);
  let r = await ok(as('finance', 'GET', `/api/v1/rent-standards/${later.id}`));
  assert.equal(r.status, 'withdrawn');
  expectError(await as('manager', 'POST', `/api/v1/rent-standards/${fixed.id}/withdraw`, { reason: '暂缓' }), 403, 'bureau_only');
  r = await ok(as('bureau', 'POST', `/api/v1/rent-standards/${fixed.id}/withdraw`, { reason: '暂缓执行' }));
  assert.equal(r.status, 'withdrawn');
  expectError(await as('bureau', 'POST', `/api/v1/rent-standards/${fixed.id}/withdraw`, { reason: '暂缓执行' }), 409, 'standard_withdrawn');
  // Readers: the in-force one names its successor (none active now).
  r = await ok(as('staff', 'GET', `/api/v1/rent-standards?community_id=${ids.a}`));
  assert.deepEqual(r.items.map((x) => x.id), [st.id]);
  r = await ok(as('assessor', 'GET', `/api/v1/rent-standards?community_id=${ids.a}&include_withdrawn=true`));
  assert.equal(r.items.length, 3);
  // Outside an operator's scope a standard does not exist.
  expectError(await as('staffB', 'GET', `/api/v1/rent-standards/${st.id}`), 404);
});

test('quotes: the reduction the household matches, rounded by the rule; none without a standard', async () => {
  // 60.25 m² × 12.34 = 743.485 → 743.48 (down); low-income half: 371.74.
  let q = await ok(as('finance', 'GET', `/api/v1/rent-quote?unit_id=${ids.u1}&household_id=${ids.h1}`));
  assert.deepEqual(q, {
    standard_id: ids.standard, area_centi: 6025, price_fen_m2: 1234, fixed_fen: 0, base_fen: 74348,
    share_ppm: 500000, reduction: 'low', rounding: 'down', monthly_fen: 37174,
  });
  q = await ok(as('staff', 'GET', `/api/v1/rent-quote?unit_id=${ids.u2}&household_id=${ids.h2}`));
  assert.equal(q.reduction, '');
  assert.equal(q.monthly_fen, 53271);
  expectError(await as('finance', 'GET', `/api/v1/rent-quote?unit_id=${ids.u1}&household_id=${ids.h1}&on=${day(-1)}`), 422, 'rent_standard_missing');
  expectError(await as('finance', 'GET', '/api/v1/rent-quote?unit_id=abc'), 400, undefined, 'unit_id');
  expectError(await as('staffB', 'GET', `/api/v1/rent-quote?unit_id=${ids.u1}`), 404, 'unit_not_found');
  expectError(await as('auditor', 'GET', `/api/v1/rent-quote?unit_id=${ids.u1}`), 403);
});

test('billing next month from the console: a job with progress, one charge per chain, a re-run a no-op', async () => {
  ids.c1 = await paperLease(ids.h1, ids.u1, day(-70), 45000);
  ids.c2 = await paperLease(ids.h2, ids.u2, day(-100), 38000);
  const next = month(1);
  // Who may start a run.
  for (const role of ['staff', 'bureau', 'assessor', 'auditor']) {
    expectError(await as(role, 'POST', '/api/v1/billing-runs', { period: next }), 403);
  }
  const started = await ok(as('finance', 'POST', '/api/v1/billing-runs', { period: next }), 202);
  assert.equal(started.run.period, next);
  assert.equal(started.run.job_id, started.job.id);
  assert.equal(started.job.kind, 'rent_bill');
  const run = await runToEnd(started.run);
  assert.equal(run.state, 'done');
  assert.equal(run.charges, 2);
  assert.equal(run.total_fen, 45000 + 38000);
  assert.equal(run.chains_seen, 2);
  assert.equal(run.job.progress.percent, 100);
  // The charge and why.
  const lease = await ok(as('finance', 'GET', `/api/v1/households/${ids.h1}/account`));
  const charge = lease.charges.find((c) => c.kind === 'rent' && c.period === next);
  assert.ok(charge, JSON.stringify(lease.charges));
  assert.equal(charge.amount_fen, 45000);
  assert.equal(charge.due_on, `${next}-05`);
  assert.equal(charge.source_type, 'lease_chain');
  assert.equal(charge.source_id, ids.c1);
  const p = await ok(as('finance', 'GET', `/api/v1/rent-preview?chain_id=${ids.c1}&period=${next}`));
  assert.equal(p.lines.length, 1);
  assert.equal(p.lines[0].amount_fen, 45000);
  assert.equal(p.lines[0].standard_id, null); // a paper lease: its own amount
  // The household's account page shows its own lines of the batch journal.
  const ledger = await ok(as('finance', 'GET', `/api/v1/households/${ids.h1}/ledger`));
  const j = ledger.items.find((x) => x.event === 'charge.batch');
  assert.ok(j, JSON.stringify(ledger.items));
  assert.deepEqual(j.lines.map((l) => [l.kind, l.amount_fen]), [['receivable', 45000], ['rent_income', -45000]]);
  // Again: nothing new.
  const again = await runToEnd((await ok(as('manager', 'POST', '/api/v1/billing-runs', { period: next }), 202)).run);
  assert.equal(again.charges, 0);
  assert.equal(again.skipped, 2);
  const list = await ok(as('bureau', 'GET', `/api/v1/billing-runs?period=${next}`));
  assert.deepEqual(list.items.map((x) => x.id), [again.id, run.id]);
  expectError(await as('finance', 'GET', '/api/v1/billing-runs/999999'), 404, 'billing_run_not_found');
});

test('periods: malformed, too far, earlier only for named chains', async () => {
  expectError(await as('finance', 'POST', '/api/v1/billing-runs', { period: '2026-13' }), 400, undefined, 'period');
  expectError(await as('finance', 'POST', '/api/v1/billing-runs', { period: 'next' }), 400, undefined, 'period');
  expectError(await as('finance', 'POST', '/api/v1/billing-runs', { period: month(2) }), 422, 'period_too_far', 'period');
  expectError(await as('finance', 'POST', '/api/v1/billing-runs', { period: month(-1) }), 422, 'period_past', 'period');
  expectError(await as('finance', 'POST', '/api/v1/billing-runs', { period: month(-1), chain_ids: [999999] }), 404, 'chain_not_found');
  // An operator manager catches up only chains in scope.
  expectError(await as('manager', 'POST', '/api/v1/billing-runs', { period: month(-1), chain_ids: [ids.c1, 999998] }), 404);
  const started = await ok(as('finance', 'POST', '/api/v1/billing-runs', { period: month(-1), chain_ids: [ids.c2] }), 202);
  const run = await runToEnd(started.run);
  assert.deepEqual(run.chains, [ids.c2]);
  assert.equal(run.charges, 1);
  const acct = await ok(as('finance', 'GET', `/api/v1/households/${ids.h2}/account`));
  assert.ok(acct.charges.some((c) => c.kind === 'rent' && c.period === month(-1) && c.amount_fen === 38000));
  // h1's chain was not named: nothing for it that month.
  const a1 = await ok(as('finance', 'GET', `/api/v1/households/${ids.h1}/account`));
  assert.ok(!a1.charges.some((c) => c.period === month(-1)));
});

test('a new lease takes its rent from the standard; without one it is refused', async () => {
  // Community b has no standard: a quote there is 422.
  const bb = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.b, name: '1', floors: 6, entrances: 1 }), 201);
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: bb.id, entrance: 1, floor: 1, number: '1-1-101', layout: '三室一厅', floor_area: 8000, usable_area: 7000,
  }), 201);
  const r = await as('bureau', 'GET', `/api/v1/rent-quote?unit_id=${u.id}`);
  expectError(r, 422, 'rent_standard_missing', 'unit_id');
  assert.match(r.json.error.message, /肖桥公租房/);
  assert.match(r.json.error.message, /三室一厅/);
});
