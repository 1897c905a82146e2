// Rent reports over HTTP (issue 7 §6, part E) against a real server, on
// either engine: two communities with paper leases in force, the month's
// rent billed by a billing run (and the month before caught up for one
// chain), payments at the counter's API; then the rent ledger, the
// collection report, arrears with their ageing, the bureau's monthly
// report, the bank's report and the dashboard, each figure exact; the
// xlsx exports (a zip with the sheet); the operator's manager sees its
// community only (404 outside it); the roles each route refuses; bad input
// a 4xx with its field; the rent events on the household's and the unit's
// dossier timelines; and the ledger sound at the end.  Every answer is
// checked against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};
let seq = 0;

const as = (role, method, path, body, headers = {}) => s.api(method, path, { body, token: keys[role], headers });
const pay = (role, body) =>
  s.api('POST', '/api/v1/payments', { body, token: keys[role], headers: { 'Idempotency-Key': `rep-${++seq}` } });

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

// Dates in Asia/Shanghai.
function shanghai(monthsBack = 0, day = null) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return day === null ? d.toISOString().slice(0, 7) : `${d.toISOString().slice(0, 7)}-${String(day).padStart(2, '0')}`;
}
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

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

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 2, number, layout: '一室一厅', floor_area: 5000, usable_area: 4200,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A household with its head, a paper lease from three months ago for two
// years at rent fen a month, signed from its scan: a chain in force.
async function tenancy(community, building, unitNumber, head, n, rent) {
  const unit = await vacantUnit(building, unitNumber);
  const h = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: community, category: 'low_income', local_hukou: true,
    members: [{ name: head, id_number: idNumber('19800101', n), relationship: 'head' }],
  }), 201);
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: h.id, unit_id: unit, starts_on: shanghai(3, 1), term_months: 24,
    monthly_rent_fen: rent, deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }), 201);
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(l.id), category: 'contract' });
  const scan = await ok(s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys.staff, raw: PDF, headers: { 'Content-Type': 'application/octet-stream' },
  }), 201);
  await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: scan.id, signed_on: shanghai(3, 1) }));
  return { unit, household: h.id, chain: l.chain_id };
}

async function billingRun(body) {
  const r = await ok(as('finance', 'POST', '/api/v1/billing-runs', body), 202);
  const job = await s.waitJob(r.job_id ?? r.job?.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '1', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'rep-bureau', ['--all-communities']);
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.finance = apikey(s.data.dir, 'finance', 'rep-finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'rep-assessor', ['--all-communities']);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'rep-manager', ['--community', String(ids.a), '--community', String(ids.b)]);
  keys.managerA = apikey(s.data.dir, 'operator_manager', 'rep-manager-a', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'rep-staff', ['--community', String(ids.a), '--community', String(ids.b)]);
  keys.inspector = apikey(s.data.dir, 'inspector', 'rep-inspector', ['--community', String(ids.a)]);
  keys.auditor = apikey(s.data.dir, 'auditor', 'rep-auditor');
  const ba = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '1', floors: 6, entrances: 1 }), 201);
  const bb = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.b, name: '1', floors: 6, entrances: 1 }), 201);
  ids.t1 = await tenancy(ids.a, ba.id, '1-1-201', '王伟', 1, 50000);
  ids.t2 = await tenancy(ids.a, ba.id, '1-1-202', '李芳', 2, 30000);
  ids.t3 = await tenancy(ids.b, bb.id, '1-1-301', '张三丰', 3, 40000);
  // This month for every chain; last month for chain 2 only (a catch-up).
  ids.p0 = shanghai(0);
  ids.p1 = shanghai(1);
  await billingRun({ period: ids.p0 });
  await billingRun({ period: ids.p1, chain_ids: [ids.t2.chain] });
  // Household 1 pays 700 yuan: its 500 and 200 of credit; household 3 pays 400.
  r = await ok(pay('finance', { household_id: ids.t1.household, amount_fen: 70000, channel: 'bank_transfer', channel_ref: 'REP-BT-1' }), 201);
  ids.pay1 = r.id;
  r = await ok(pay('finance', { household_id: ids.t3.household, amount_fen: 40000, channel: 'online', channel_ref: 'REP-WX-1' }), 201);
  ids.pay3 = r.id;
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); }
});

test('the rent ledger: each household of a community and month, paid and owed, totals, pages', async () => {
  let r = await ok(as('finance', 'GET', `/api/v1/reports/rent-ledger?community_id=${ids.a}&period=${ids.p0}`));
  assert.equal(r.period, ids.p0);
  assert.equal(r.as_of, today());
  assert.deepEqual(r.items.map((x) => [x.chain_id, x.unit_number, x.head_name, x.due_fen, x.paid_fen, x.owed_fen, x.state]), [
    [ids.t1.chain, '1-1-201', '王*', 50000, 50000, 0, 'paid'],
    [ids.t2.chain, '1-1-202', '李*', 30000, 0, 30000, 'open'],
  ]);
  assert.deepEqual(r.totals, { charges: 2, due_fen: 80000, paid_fen: 50000, owed_fen: 30000, rate_bp: 6250 });
  // One a page; the totals are the month's.
  r = await ok(as('assessor', 'GET', `/api/v1/reports/rent-ledger?community_id=${ids.a}&period=${ids.p0}&limit=1`));
  assert.equal(r.items.length, 1);
  assert.equal(r.totals.due_fen, 80000);
  r = await ok(as('assessor', 'GET', `/api/v1/reports/rent-ledger?community_id=${ids.a}&period=${ids.p0}&limit=1&cursor=${r.next}`));
  assert.equal(r.items[0].chain_id, ids.t2.chain);
  assert.equal(r.next, null);
  // Every community: the catch-up month has chain 2 alone.
  r = await ok(as('bureau', 'GET', `/api/v1/reports/rent-ledger?period=${ids.p1}`));
  assert.deepEqual(r.items.map((x) => [x.chain_id, x.due_fen]), [[ids.t2.chain, 30000]]);
});

test('collection: due, collected and rate by community and month', async () => {
  const r = await ok(as('finance', 'GET', `/api/v1/reports/collection?from=${ids.p1}&to=${ids.p0}`));
  assert.deepEqual(r.rows.map((x) => [x.community_name, x.period, x.due_fen, x.collected_fen, x.rate_bp]), [
    ['南苑公租房', ids.p1, 30000, 0, 0],
    ['南苑公租房', ids.p0, 80000, 50000, 6250],
    ['肖桥公租房', ids.p1, 0, 0, null],
    ['肖桥公租房', ids.p0, 40000, 40000, 10000],
  ]);
  assert.deepEqual(r.by_period.map((x) => [x.period, x.due_fen, x.collected_fen, x.rate_bp]),
    [[ids.p1, 30000, 0, 0], [ids.p0, 120000, 90000, 7500]]);
  assert.equal(r.total.due_fen, 150000);
  assert.equal(r.total.collected_fen, 90000);
  assert.equal(r.total.rate_bp, 6000);
  // Before today nothing had been collected.
  const d = new Date(Date.now() + 8 * 3600e3 - 86400e3).toISOString().slice(0, 10);
  if (d.slice(0, 7) === ids.p0) {
    const y = await ok(as('finance', 'GET', `/api/v1/reports/collection?from=${ids.p0}&as_of=${d}`));
    assert.equal(y.total.collected_fen, 0);
  }
});

test('arrears: months owed, ageing, totals per community and bucket', async () => {
  const r = await ok(as('finance', 'GET', '/api/v1/reports/arrears'));
  // Chain 1 paid; chain 2 owes two months; chain 3 paid.
  assert.deepEqual(r.items.map((x) => [x.chain_id, x.months_owed, x.owed_fen, x.unit_number, x.head_name]),
    [[ids.t2.chain, 2, 60000, '1-1-202', '李*']]);
  assert.equal(r.totals.chains, 1);
  assert.equal(r.totals.owed_fen, 60000);
  assert.equal(r.totals.households, 1);
  assert.equal(r.by_bucket.reduce((a, b) => a + b.owed_fen, 0), 60000);
  assert.deepEqual(r.by_community.map((x) => [x.community_id, x.owed_fen]), [[ids.a, 60000], [ids.b, 0]]);
  const three = await ok(as('finance', 'GET', '/api/v1/reports/arrears?min_months=3'));
  assert.equal(three.items.length, 0);
});

test('the bureau\'s monthly report and the bank\'s report', async () => {
  let r = await ok(as('bureau', 'GET', `/api/v1/reports/bureau-monthly?period=${ids.p0}`));
  assert.equal(r.rows.length, 2);
  assert.equal(r.total.due_fen, 120000);
  assert.equal(r.total.collected_fen, 90000);
  assert.equal(r.total.rate_bp, 7500);
  assert.equal(r.total.arrears_fen, 60000);
  assert.equal(r.total.receipts_issued, 2);
  assert.equal(r.total.receipts_issued_fen, 110000);
  assert.equal(r.total.receipts_voided, 0);
  assert.equal(r.rows[1].receipts_issued, 1);
  r = await ok(as('finance', 'GET', `/api/v1/reports/bank?period=${ids.p0}`));
  const by = Object.fromEntries(r.channels.map((c) => [c.channel, [c.payments, c.amount_fen]]));
  assert.deepEqual(by, { cash: [0, 0], pos: [0, 0], bank_transfer: [1, 70000], withholding: [0, 0], online: [1, 40000] });
  assert.deepEqual(r.total, { payments: 2, amount_fen: 110000 });
  assert.equal(r.withholding.succeeded, 0);
  assert.equal(r.suspense.lines, 0);
});

test('the dashboard: headline, collection by month and community, ageing', async () => {
  const r = await ok(as('manager', 'GET', '/api/v1/reports/dashboard?months=3'));
  assert.equal(r.headline.period, ids.p0);
  assert.equal(r.headline.due_fen, 120000);
  assert.equal(r.headline.collected_fen, 90000);
  assert.equal(r.headline.rate_bp, 7500);
  assert.equal(r.headline.arrears_fen, 60000);
  assert.equal(r.headline.chains_6plus, 0);
  assert.deepEqual(r.by_period.map((x) => x.period), [shanghai(2), ids.p1, ids.p0]);
  assert.equal(r.rows.length, 6);
  assert.deepEqual(r.ageing.map((x) => x.owed_fen), [60000, 0]);
});

test('xlsx exports: a workbook of every report', async () => {
  for (const path of [
    `/api/v1/reports/rent-ledger.xlsx?community_id=${ids.a}&period=${ids.p0}`,
    `/api/v1/reports/collection.xlsx?from=${ids.p1}&to=${ids.p0}`,
    '/api/v1/reports/arrears.xlsx',
    `/api/v1/reports/bureau-monthly.xlsx?period=${ids.p0}`,
    `/api/v1/reports/bank.xlsx?period=${ids.p0}`,
  ]) {
    const x = await bytes(path, keys.finance);
    assert.equal(x.status, 200, path);
    assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(x.headers.get('content-disposition'), /^attachment; filename="[a-z-]+-[0-9a-z-]+\.xlsx"$/);
    assert.equal(x.body.subarray(0, 4).toString('latin1'), 'PK\x03\x04', path);
    assert.ok(x.body.includes('xl/worksheets/sheet1.xml'), path);
  }
  const bad = await s.api('GET', '/api/v1/reports/rent-ledger.xlsx?period=2026-13', { token: keys.finance });
  expectError(bad, 400, 'invalid_period', 'period');
});

test('scope, roles and bad input', async () => {
  // The manager of 南苑 sees 南苑 alone; 肖桥 does not exist for it.
  let r = await ok(as('managerA', 'GET', `/api/v1/reports/collection?from=${ids.p0}`));
  assert.deepEqual(r.rows.map((x) => x.community_id), [ids.a]);
  assert.equal(r.total.due_fen, 80000);
  r = await ok(as('managerA', 'GET', `/api/v1/reports/rent-ledger?period=${ids.p0}`));
  assert.equal(r.items.length, 2);
  r = await ok(as('managerA', 'GET', `/api/v1/reports/bank?period=${ids.p0}`));
  assert.equal(r.total.amount_fen, 70000);
  expectError(await as('managerA', 'GET', `/api/v1/reports/rent-ledger?community_id=${ids.b}&period=${ids.p0}`), 404, 'community_not_found');
  expectError(await as('managerA', 'GET', `/api/v1/reports/arrears.xlsx?community_id=${ids.b}`), 404, 'community_not_found');
  // Roles: staff, inspector and the auditor may not read reports.
  for (const role of ['staff', 'inspector', 'auditor']) {
    expectError(await as(role, 'GET', `/api/v1/reports/collection?from=${ids.p0}`), 403);
    expectError(await as(role, 'GET', '/api/v1/reports/dashboard'), 403);
  }
  // Bad input: each a 4xx naming its field.
  expectError(await as('finance', 'GET', '/api/v1/reports/rent-ledger'), 400, undefined, 'period');
  expectError(await as('finance', 'GET', '/api/v1/reports/rent-ledger?period=2026-1'), 400, 'invalid_period', 'period');
  expectError(await as('finance', 'GET', `/api/v1/reports/collection?from=${ids.p0}&to=${ids.p1}`), 422, 'range_reversed', 'to');
  expectError(await as('finance', 'GET', '/api/v1/reports/collection?from=2020-01&to=2023-12'), 422, 'range_too_long', 'to');
  expectError(await as('finance', 'GET', `/api/v1/reports/arrears?as_of=2999-01-01`), 422, 'as_of_future', 'as_of');
  expectError(await as('finance', 'GET', '/api/v1/reports/arrears?as_of=2026-02-30'), 400, undefined, 'as_of');
  expectError(await as('finance', 'GET', '/api/v1/reports/bureau-monthly?period=2999-01'), 422, 'period_future', 'period');
  expectError(await as('finance', 'GET', '/api/v1/reports/dashboard?months=0'), 400, undefined, 'months');
  expectError(await as('finance', 'GET', '/api/v1/reports/arrears?min_months=-1'), 400, undefined, 'min_months');
  expectError(await as('finance', 'GET', `/api/v1/reports/rent-ledger?period=${ids.p0}&cursor=abc`), 400, 'invalid_cursor');
  expectError(await as('finance', 'GET', `/api/v1/reports/rent-ledger?period=${ids.p0}&community_id=999999`), 404, 'community_not_found');
});

test('the dossiers\' timelines show rent charges, payments and their receipts', async () => {
  let r = await ok(as('staff', 'GET', `/api/v1/households/${ids.t1.household}/dossier`));
  const rent = r.timeline.filter((e) => e.source === 'rent');
  const charge = rent.find((e) => e.action === 'rent.charge');
  assert.ok(charge, JSON.stringify(rent));
  assert.equal(charge.detail.period, ids.p0);
  assert.equal(charge.detail.amount_fen, 50000);
  assert.equal(charge.detail.state, 'paid');
  const payment = rent.find((e) => e.action === 'payment.receive');
  assert.equal(payment.detail.payment_id, ids.pay1);
  assert.equal(payment.detail.channel, 'bank_transfer');
  assert.match(payment.detail.receipt_number, /-\d{8}$/);
  assert.match(payment.detail.after.note, /银行转账 收款 700\.00 元/);
  r = await ok(as('staff', 'GET', `/api/v1/units/${ids.t2.unit}/dossier`));
  const charges = r.timeline.filter((e) => e.source === 'rent' && e.action === 'rent.charge');
  assert.deepEqual(charges.map((e) => e.detail.period).sort(), [ids.p1, ids.p0]);
});
