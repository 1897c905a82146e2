// Leases over HTTP (issue 6 §4, part D) against a real server, on either
// engine: an existing paper lease (存量合同录入) drafted by the operator
// manager (staff 403), signed from an uploaded scan, in force at once, its
// deposit charged once; overlaps refused for the unit (409 lease_overlaps)
// and the term limit (422); the contract PDF with its text checked by
// pdftotext, the same bytes on every download; the public verification page
// and JSON, which show no personal data and are rate-limited; filing and
// the filing list; the renewals-due list, a renewal drafted the day after
// the old end and signed with the deposit's increase; a change of tenant
// splitting the lease; the unit swap kept for the bureau (operator 403);
// scope (404 outside it) and the roles each route refuses; rent: a new
// lease drafted from an accepted offer without an amount takes the rent
// standard's (with its version), a renewal likewise, while a paper lease
// must state its paper's amount; and the ledger sound at the end.  Every
// answer is checked against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// Today and days around it in Asia/Shanghai.
function day(n = 0) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function dayAfter(date, n) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function monthsAgo(m) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCMonth(d.getUTCMonth() - m);
  return d.toISOString().slice(0, 10);
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

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');

function upload(role, leaseId, bytes, category = 'contract') {
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(leaseId), category });
  return s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys[role], raw: bytes, headers: { 'Content-Type': 'application/octet-stream' },
  });
}

async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function pdfText(buf) {
  const dir = mkdtempSync(join(tmpdir(), 'anju-lease-'));
  try {
    writeFileSync(join(dir, 'c.pdf'), buf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'c.pdf'), '-']).toString('utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 2, number, layout: '两室一厅', floor_area: 6025, usable_area: 5200,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

before(async () => {
  // One job worker: the new lease's household needs its publicity closed.
  s = await startServer({ schedules: 'false', job_workers: '1', connection_timeout: '60', public_url: 'https://anju.example.test/' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'lease-bureau', ['--all-communities']);
  keys.bureau2 = apikey(s.data.dir, 'bureau', 'lease-bureau-2', ['--all-communities']);
  const owner = await ok(as('bureau', 'POST', '/api/v1/owners', { name: '咸宁市城市建设投资集团', credit_code: '91310115591693856A' }), 201);
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房', district: '咸安区', owner_id: owner.id }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'lease-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'lease-staff', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'lease-staff-b', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'lease-finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'lease-assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'lease-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '3', floors: 6, entrances: 1 }), 201);
  ids.u1 = await vacantUnit(b.id, '3-1-201');
  ids.u2 = await vacantUnit(b.id, '3-1-202');
  ids.u3 = await vacantUnit(b.id, '3-1-203');
  ids.building = b.id;
  r = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true,
    members: [
      { name: '张三丰', id_number: idNumber('19850307', 1), relationship: 'head' },
      { name: '李芳', id_number: idNumber('19901231', 2), relationship: 'spouse' },
    ],
  }), 201);
  ids.h1 = r.id;
  ids.spouseMember = r.members.find((m) => m.relationship === 'spouse').id;
  r = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true,
    members: [{ name: '王五', id_number: idNumber('19700101', 3), relationship: 'head' }],
  }), 201);
  ids.h2 = r.id;
  // New leases and renewals take their rent from the standard in force
  // (the rent issue): 9 yuan a m², low-income households half.
  r = await ok(as('bureau', 'POST', '/api/v1/rent-standards', {
    community_id: ids.a, layout: '*', effective_from: day(0), mode: 'per_m2', price_fen_m2: 900,
    reductions: [{ code: 'low', name: '低收入家庭减半', kind: 'category', match: 'low_income', share_ppm: 500000 }],
  }), 201);
  ids.standard = r.id;
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); }
});

test('an existing paper lease: drafted, refused where it must be, signed from its scan, in force, deposit charged once', async () => {
  const body = {
    household_id: ids.h1, unit_id: ids.u1, starts_on: monthsAgo(11), term_months: 12,
    monthly_rent_fen: 52300, deposit_fen: 123450, existing: true, existing_reason: '试点前已签纸质合同',
  };
  // Staff may not enter existing leases; the auditor sees no business; scope.
  expectError(await as('staff', 'POST', '/api/v1/leases', body), 403, 'forbidden');
  expectError(await as('auditor', 'POST', '/api/v1/leases', body), 403);
  expectError(await as('finance', 'POST', '/api/v1/leases', body), 403);
  expectError(await as('staffB', 'GET', '/api/v1/leases?household_id=' + ids.h1), 200);
  // Bad input: 4xx, never 500.
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, term_months: 61 }), 422, 'term_too_long', 'term_months');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, term_months: undefined }), 400, 'term_required');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, starts_on: '2026-02-30' }), 400, undefined, 'starts_on');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, monthly_rent_fen: 0 }), 400, undefined, 'monthly_rent_fen');
  // A paper lease keeps the amount printed on it: it must be given.
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, monthly_rent_fen: undefined }), 400, 'missing_field', 'monthly_rent_fen');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, monthly_rent_fen: null }), 400, 'missing_field', 'monthly_rent_fen');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, existing_reason: undefined }), 400, 'required', 'reason');
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, unit_id: 999999 }), 404, 'unit_not_found');
  // A new tenancy needs an accepted offer (the unit is vacant, not allocated).
  expectError(await as('staff', 'POST', '/api/v1/leases', { ...body, existing: false, existing_reason: undefined, starts_on: day(0) }), 409, 'unit_status');

  const l = await ok(as('manager', 'POST', '/api/v1/leases', body), 201);
  assert.equal(l.state, 'draft');
  assert.equal(l.kind, 'new');
  assert.equal(l.existing, true);
  assert.equal(l.term_months, 12);
  assert.equal(l.contract_version, 0);
  assert.equal(l.tenant_name, '张**');
  assert.equal(l.members.length, 2);
  ids.lease = l.id;
  ids.chain = l.chain_id;
  expectError(await as('staffB', 'GET', `/api/v1/leases/${l.id}`), 404, 'lease_not_found');
  expectError(await as('manager', 'POST', '/api/v1/leases', body), 409, 'tenancy_open', 'household_id');

  // Signing: the signature must be an attachment of this lease.
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: 999999 }), 422, 'signature_invalid');
  const onscreenPdf = await ok(upload('staff', l.id, PDF), 201);
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'onscreen', signature_attachment_id: onscreenPdf.id }), 422, 'signature_invalid');
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: onscreenPdf.id, signed_on: day(1) }), 400, 'invalid_date', 'signed_on');
  const signed = await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: onscreenPdf.id, signed_on: body.starts_on }));
  assert.equal(signed.state, 'in_force');
  assert.equal(signed.in_force_today, true);
  assert.equal(signed.signed_on, body.starts_on);
  assert.equal(signed.witness_name, 'lease-staff');
  // A paper lease's record is its scan: the printed form waits for its first print.
  assert.equal(signed.contract_version, 0);
  assert.equal(signed.charges.length, 1);
  assert.equal(signed.charges[0].kind, 'deposit');
  assert.equal(signed.charges[0].amount_fen, 123450);
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: onscreenPdf.id }), 409, 'lease_state');
  // The unit is taken for the whole term.
  expectError(await as('manager', 'POST', '/api/v1/leases', { ...body, household_id: ids.h2, starts_on: day(-5), term_months: 6 }), 409, 'lease_overlaps', 'unit_id');
  // The list, per role and scope.
  let r = await ok(as('assessor', 'GET', `/api/v1/leases?community_id=${ids.a}&state=in_force`));
  assert.deepEqual(r.items.map((x) => x.id), [l.id]);
  r = await ok(as('staffB', 'GET', '/api/v1/leases'));
  assert.deepEqual(r.items, []);
  expectError(await as('auditor', 'GET', '/api/v1/leases'), 403);
});

test('the contract PDF: Chinese text, amounts in words, masked ID, the same bytes each time; the public check', async () => {
  const a = await bytes(`/api/v1/leases/${ids.lease}/contract.pdf`, keys.staff);
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('content-type'), 'application/pdf');
  const b = await bytes(`/api/v1/leases/${ids.lease}/contract.pdf`, keys.finance);
  assert.equal(b.status, 200);
  assert.ok(a.body.equals(b.body), 'a re-download gives the same bytes');
  const text = pdfText(a.body);
  for (const want of ['公共租赁住房租赁合同', '咸宁市城市建设投资集团', '张三丰', '李芳', '伍佰贰拾叁元整',
    '壹仟贰佰叁拾肆元伍角整', '3-1-201', '累计 6 个月', '第1版'])
    assert.ok(text.includes(want), `the contract shows ${want}`);
  assert.match(text, /990\*{11}/);
  assert.ok(!text.includes(idNumber('19850307', 1)), 'never the full ID number');
  expectError(await as('staffB', 'GET', `/api/v1/leases/${ids.lease}/contract.pdf`), 404);

  const lease = await ok(as('staff', 'GET', `/api/v1/leases/${ids.lease}`));
  const token = lease.verify_token;
  assert.match(token, /^[0-9a-f]{32}$/);
  const v = await s.api('GET', `/api/v1/public/leases/${token}`, { token: null });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.community, '南苑公租房');
  assert.equal(v.json.unit_number, '3-1-201');
  assert.equal(v.json.in_force_today, true);
  assert.ok(!JSON.stringify(v.json).includes('张'), 'no names');
  assert.ok(!('household_id' in v.json));
  const page = await fetch(`${s.base}/l/${token}`);
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.match(html, /租赁合同验真/);
  assert.match(html, /有效/);
  assert.ok(!html.includes('张三丰') && !html.includes('990'), 'no personal data on the page');
  assert.equal((await fetch(`${s.base}/l/${'0'.repeat(32)}`)).status, 404);
  expectError(await s.api('GET', '/api/v1/public/leases/not-a-token', { token: null }), 404);
  // Rate-limited per client address.
  let limited = false;
  for (let i = 0; i < 40 && !limited; i++)
    limited = (await s.api('GET', `/api/v1/public/leases/${token}`, { token: null })).status === 429;
  assert.ok(limited, 'the public check is rate-limited');
});

test('filing: recorded once, between signing and today; the filing list', async () => {
  let r = await ok(as('finance', 'GET', '/api/v1/leases/filing-due'));
  assert.ok(r.items.some((x) => x.id === ids.lease && x.overdue === true), 'a lease signed 11 months ago is overdue');
  assert.ok(r.overdue >= 1);
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/file`, { filed_on: day(1) }), 400, 'invalid_date', 'filed_on');
  expectError(await as('finance', 'POST', `/api/v1/leases/${ids.lease}/file`, { filed_on: day(0) }), 403);
  const l = await ok(as('staff', 'POST', `/api/v1/leases/${ids.lease}/file`, { filed_on: day(0), reference: '咸住保备 2026-001' }));
  assert.equal(l.filed_on, day(0));
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/file`, { filed_on: day(0) }), 409, 'already_filed');
  r = await ok(as('finance', 'GET', '/api/v1/leases/filing-due'));
  assert.ok(!r.items.some((x) => x.id === ids.lease));
});

test('renewal: due list, drafted the day after the old end, signed with the deposit increase charged once', async () => {
  let r = await ok(as('staff', 'GET', '/api/v1/leases/renewals-due'));
  const due = r.items.find((x) => x.id === ids.lease);
  assert.ok(due, 'the lease ending within 3 months is due');
  assert.ok(due.days_left > 0 && due.days_left <= 31, String(due.days_left));
  assert.equal(due.renewal_id, null);
  r = await ok(as('staff', 'GET', `/api/v1/leases/${ids.lease}/renewal-check`));
  assert.equal(r.in_window, true);
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/renew`, { term_months: 61 }), 422, 'term_too_long');
  const n = await ok(as('staff', 'POST', `/api/v1/leases/${ids.lease}/renew`, { term_months: 36, monthly_rent_fen: 55000, deposit_fen: 150000 }), 201);
  const old = await ok(as('staff', 'GET', `/api/v1/leases/${ids.lease}`));
  assert.equal(n.kind, 'renewal');
  assert.equal(n.chain_id, ids.chain);
  // The standard's rent (60.25 m² × 9 yuan, half: 271.125), not the figure typed.
  assert.equal(n.monthly_rent_fen, 27113);
  assert.equal(n.rent_rule_version, ids.standard);
  assert.equal(n.previous_id, ids.lease);
  const next = new Date(old.ends_on + 'T00:00:00Z');
  next.setUTCDate(next.getUTCDate() + 1);
  assert.equal(n.starts_on, next.toISOString().slice(0, 10));
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/renew`, { term_months: 12 }), 409, 'renewal_exists');
  r = await ok(as('staff', 'GET', '/api/v1/leases/renewals-due'));
  assert.equal(r.items.find((x) => x.id === ids.lease).renewal_id, n.id);
  const sig = await ok(upload('staff', n.id, PNG), 201);
  const s2 = await ok(as('staff', 'POST', `/api/v1/leases/${n.id}/sign`, { signature_kind: 'onscreen', signature_attachment_id: sig.id }));
  assert.equal(s2.state, 'signed');
  const deposits = s2.charges.filter((c) => c.kind === 'deposit');
  assert.deepEqual(deposits.map((c) => c.amount_fen).sort((x, y) => x - y), [26550, 123450]);
  assert.equal(s2.chain.length, 2);
  ids.renewal = n.id;
});

test('change: a new tenant splits the lease; a unit swap is the bureau\'s', async () => {
  // The renewal is not in force yet: the change goes on the lease in force,
  // which has a signed renewal after it.
  expectError(await as('staff', 'POST', `/api/v1/leases/${ids.lease}/change`, { kind: 'tenant', member_id: ids.spouseMember, former_relationship: 'spouse', reason: '原承租人外出务工' }), 409, 'renewal_exists');
  // A second household's lease, changed.
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: ids.h2, unit_id: ids.u2, starts_on: day(-40), term_months: 24,
    monthly_rent_fen: 40000, deposit_fen: 0, existing: true, existing_reason: '纸质合同',
  }), 201);
  const sig = await ok(upload('staff', l.id, PNG), 201);
  await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'onscreen', signature_attachment_id: sig.id, signed_on: day(-40) }));
  const swap = { kind: 'unit', unit_id: ids.u3, reason: '调换' };
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/change`, swap), 403, 'bureau_only');
  expectError(await as('manager', 'POST', `/api/v1/leases/${l.id}/change`, swap), 403, 'bureau_only');
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/change`, { kind: 'members', reason: '成员未变' }), 409, 'members_unchanged');
  expectError(await as('staff', 'POST', `/api/v1/leases/${l.id}/change`, { kind: 'tenant', reason: '换人承租' }), 400, 'required', 'member_id');
  const c = await ok(as('bureau', 'POST', `/api/v1/leases/${l.id}/change`, { ...swap, on_date: day(0) }), 201);
  assert.equal(c.kind, 'change');
  assert.equal(c.change_kind, 'unit');
  assert.equal(c.unit_id, ids.u3);
  assert.equal(c.starts_on, day(0));
  assert.equal(c.change_detail.before.unit_id, ids.u2);
  const sig2 = await ok(upload('staff', c.id, PNG), 201);
  const signed = await ok(as('staff', 'POST', `/api/v1/leases/${c.id}/sign`, { signature_kind: 'onscreen', signature_attachment_id: sig2.id }));
  assert.equal(signed.state, 'in_force');
  const prev = await ok(as('staff', 'GET', `/api/v1/leases/${l.id}`));
  assert.equal(prev.state, 'ended');
  assert.equal(prev.ended_on, day(-1));
  assert.equal(prev.end_reason, 'changed');
  assert.equal(signed.contract_version, prev.contract_version + 1);
  const unit = await ok(as('bureau', 'GET', `/api/v1/units/${ids.u3}`));
  assert.equal(unit.status, 'allocated');
  // Nobody terminates a lease over this API.
  expectError(await as('bureau', 'POST', `/api/v1/leases/${c.id}/terminate`, { reason: 'x' }), 404);
  // A draft can be voided, a signed lease cannot.
  expectError(await as('staff', 'POST', `/api/v1/leases/${c.id}/void`, { reason: '录错了' }), 409, 'lease_state');
});

test('rent: a new lease without an amount takes the rent standard\'s, with its version', async () => {
  // A household through application, publicity and a choice batch to an
  // accepted offer of a vacant unit (60.25 m², the standard's 9 yuan a m²;
  // low income: half).
  const h = await ok(as('staff', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', hukou: '咸宁市咸安区', monthly_income_fen: 120000,
    assets_fen: 0, local_hukou: true, current_housing: '租住',
    members: [{ name: '赵六', id_number: idNumber('19880808', 4), relationship: 'head' }],
  }), 201);
  const a = await ok(as('staff', 'POST', '/api/v1/applications', { household_id: h.id }), 201);
  await ok(as('staff', 'POST', `/api/v1/applications/${a.id}/submit`));
  await ok(as('manager', 'POST', `/api/v1/applications/${a.id}/first-review`, { pass: true, reason: '材料齐全' }));
  const d = await ok(as('bureau', 'POST', `/api/v1/applications/${a.id}/decide`, { grant: true, reason: '符合条件' }), 202);
  await ok(as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {}));
  const got = await ok(as('staff', 'GET', `/api/v1/applications/${a.id}`));
  assert.equal(got.state, 'publicity');
  const j = await ok(s.api('POST', '/api/v1/jobs', { body: { kind: 'publicity_close', params: { today: dayAfter(got.publicity_until, 1) } } }), 202);
  assert.equal((await s.waitJob(j.id)).state, 'succeeded');
  const unit = await vacantUnit(ids.building, '3-1-204');
  let b = await ok(as('manager', 'POST', '/api/v1/allocations', {
    community_id: ids.a, title: '选房批次', method: 'choice', unit_ids: [unit], invite_count: 1,
  }), 201);
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${b.id}/publish`));
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${b.id}/open-offers`));
  assert.equal(b.turn.household_id, h.id);
  b = await ok(as('staff', 'POST', `/api/v1/allocations/${b.id}/choose`, { household_id: h.id, unit_id: unit }));
  assert.equal(b.offers[0].state, 'accepted');

  // What the console shows the clerk before drafting.
  const q = await ok(as('staff', 'GET', `/api/v1/rent-quote?unit_id=${unit}&household_id=${h.id}&on=${day(0)}`));
  assert.equal(q.standard_id, ids.standard);
  assert.equal(q.area_centi, 6025);
  assert.equal(q.price_fen_m2, 900);
  assert.equal(q.base_fen, 54225);
  assert.equal(q.share_ppm, 500000);
  assert.equal(q.reduction, 'low');
  assert.equal(q.monthly_fen, 27113);

  // The draft, with no monthly_rent_fen: the standard's amount and version.
  const l = await ok(as('staff', 'POST', '/api/v1/leases', {
    household_id: h.id, unit_id: unit, starts_on: day(0), term_months: 36, deposit_fen: 80000,
  }), 201);
  assert.equal(l.kind, 'new');
  assert.equal(l.existing, false);
  assert.equal(l.offer_id, b.offers[0].id);
  assert.equal(l.monthly_rent_fen, q.monthly_fen);
  assert.equal(l.rent_rule_version, ids.standard);
  const again = await ok(as('staff', 'GET', `/api/v1/leases/${l.id}`));
  assert.equal(again.monthly_rent_fen, 27113);
  assert.equal(again.rent_rule_version, ids.standard);
});
