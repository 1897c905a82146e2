// Violation cases (违规), their evidence, the bureau's decisions, the
// evidence package and renovation requests over HTTP (issue 8 §2, §3,
// part B) against a real server, on either engine: a report from the
// public keeps the reporter sealed and shows it masked; bad input is a 4xx
// naming the field, a place outside the caller's communities 404; evidence
// keeps its hash and times, a photo that is not JPEG or PNG is 415 and one
// too big 413, and nothing changes or removes evidence (PUT and DELETE
// 405, the attachment's removal 409); operators propose and get 403
// bureau_only when they decide; illegal transitions are 409 naming the
// state; the bureau's confirm stores exactly the previewed back charge,
// fine and bans; the package is a zip whose hash is the one audited;
// renovation requests are checked by the operator's manager and decided by
// the bureau.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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

function day(n = 0) {
  const d = new Date(Date.now() + 8 * 3600e3);
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
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('evidence-photo-bytes')]);

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 3, number, layout: '一室一厅', floor_area: 6500, usable_area: 5200,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A household of a head and a spouse with its existing paper lease of the
// unit, in force since eleven months ago.
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
  return { household: h.id, unit: unitId };
}

function upload(role, caseId, kind, bytes, extra = {}) {
  const q = new URLSearchParams({ kind, ...extra });
  return s.api('POST', `/api/v1/violations/${caseId}/evidence?${q}`, {
    token: keys[role], raw: bytes, headers: { 'Content-Type': 'application/octet-stream' },
  });
}

before(async () => {
  s = await startServer({ schedules: 'false', upload_max_bytes: '65536' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'v-bureau', ['--all-communities']);
  keys.admin = s.data.token;
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '长安花苑公租房' }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'v-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'v-staff', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'v-staff-b', ['--community', String(ids.b)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'v-assessor', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'v-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'v-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '7', floors: 6, entrances: 2 }), 201);
  ids.building = b.id;
  ids.t = await tenancy('王一', 31, await vacantUnit(b.id, '7-1-301'));
  ids.t2 = await tenancy('赵二', 32, await vacantUnit(b.id, '7-1-302'));
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try {
    await ledgerCheck(s);
  } finally {
    await s.stop();
    cleanup(s);
  }
});

test('reports: public with the reporter sealed and masked, staff on a common part; bad input; scope', async () => {
  const v = await ok(as('staff', 'POST', '/api/v1/violations', {
    type: 'sublet', source: 'public', location: 'unit', unit_id: ids.t.unit, summary: '邻居反映该房屋已转租他人',
    started_on: day(-40), reporter_name: '李小明', reporter_contact: '13912345678',
  }), 201);
  assert.equal(v.state, 'suspected');
  assert.equal(v.household_id, ids.t.household);
  assert.equal(v.reporter_contact, '139****5678');
  assert.equal(v.reporter_name, '李**');
  assert.equal(v.events.length, 1);
  ids.case = v.id;
  const c = await ok(as('manager', 'POST', '/api/v1/violations', {
    type: 'change_of_use', source: 'staff', location: 'entrance', building_id: ids.building, entrance: 2,
    place: '2单元一楼楼道', summary: '楼道被改作仓库',
  }), 201);
  assert.equal(c.household_id, null);
  assert.equal(c.entrance, 2);
  expectError(await as('staff', 'POST', '/api/v1/violations', { type: 'noise', source: 'staff', location: 'unit', unit_id: ids.t.unit, summary: 'x' }), 400, undefined, 'type');
  expectError(await as('staff', 'POST', '/api/v1/violations', { type: 'idle', source: 'staff', location: 'unit', unit_id: ids.t.unit, summary: '' }), 400, undefined, 'summary');
  expectError(await as('staff', 'POST', '/api/v1/violations', { type: 'idle', source: 'staff', location: 'unit', unit_id: ids.t.unit, summary: '闲置', started_on: day(3) }), 400, undefined, 'started_on');
  expectError(await as('staff', 'POST', '/api/v1/violations', { type: 'idle', source: 'staff', location: 'unit', unit_id: 999999, summary: '闲置' }), 404, undefined, 'unit_id');
  // Staff of another community: the unit is not theirs (404), nor the case.
  expectError(await as('staffB', 'POST', '/api/v1/violations', { type: 'idle', source: 'staff', location: 'unit', unit_id: ids.t.unit, summary: '闲置' }), 404);
  expectError(await as('staffB', 'GET', `/api/v1/violations/${ids.case}`), 404);
  // Finance and the auditor do not reach the board.
  expectError(await as('finance', 'GET', '/api/v1/violations'), 403);
  expectError(await as('auditor', 'GET', '/api/v1/violations'), 403);
  const board = await ok(as('assessor', 'GET', `/api/v1/violations?state=suspected&community_id=${ids.a}`));
  assert.deepEqual(board.items.map((x) => x.id).sort(), [ids.case, c.id].sort());
  const counts = await ok(as('manager', 'GET', '/api/v1/violations/counts'));
  assert.equal(counts.by_state.suspected, 2);
  assert.equal(counts.by_type.sublet, 1);
  assert.equal(counts.total, 2);
  const other = await ok(as('staffB', 'GET', '/api/v1/violations'));
  assert.equal(other.items.length, 0);
});

test('evidence: hash and times kept, 415 and 413, never changed nor removed', async () => {
  const photo = await ok(upload('staff', ids.case, 'photo', PNG, { filename: '门口.png', taken_at: '2026-01-02T02:20:30.000000Z', note: '门口' }), 201);
  assert.equal(photo.sha256, createHash('sha256').update(PNG).digest('hex'));
  assert.equal(photo.taken_at, '2026-01-02T02:20:30.000000Z');
  assert.equal(photo.taken_source, 'given');
  assert.ok(Date.parse(photo.stored_at) > Date.now() - 60000);
  ids.photo = photo;
  const doc = await ok(upload('manager', ids.case, 'document', PDF, { filename: '询问笔录.pdf' }), 201);
  assert.equal(doc.taken_at, null);
  const st = await ok(as('staff', 'POST', `/api/v1/violations/${ids.case}/statements`, { statement: '现住户称每月付给承租人 1500 元' }), 201);
  assert.equal(st.sha256, createHash('sha256').update('现住户称每月付给承租人 1500 元').digest('hex'));
  expectError(await upload('staff', ids.case, 'photo', PDF, { filename: 'a.pdf' }), 415);
  expectError(await upload('staff', ids.case, 'photo', Buffer.concat([PNG, Buffer.alloc(70000)]), { filename: 'big.png' }), 413);
  expectError(await upload('staff', ids.case, 'video', PNG), 400, undefined, 'kind');
  expectError(await upload('assessor', ids.case, 'photo', PNG), 403);
  // No route changes or removes evidence.
  for (const m of ['PUT', 'DELETE', 'PATCH']) {
    const r = await s.api(m, `/api/v1/violations/${ids.case}/evidence/${photo.id}`, { token: keys.bureau, body: { note: 'x' }, check: false });
    assert.equal(r.status, 405, `${m}: ${r.text}`);
    const r2 = await s.api(m, `/api/v1/violations/${ids.case}/evidence`, { token: keys.bureau, body: {}, check: false });
    assert.equal(r2.status, 405, `${m}: ${r2.text}`);
  }
  expectError(await as('manager', 'DELETE', `/api/v1/attachments/${photo.attachment_id}`), 409, 'append_only');
  // Nor does a plain attachment slip in beside the evidence.
  const plain = new URLSearchParams({ owner_type: 'violation_case', owner_id: String(ids.case), category: 'photo', filename: 'x.png' });
  expectError(await s.api('POST', `/api/v1/attachments?${plain}`, {
    token: keys.staff, raw: PNG, headers: { 'Content-Type': 'application/octet-stream' }, check: false,
  }), 409, 'append_only');
  const list = await ok(as('assessor', 'GET', `/api/v1/violations/${ids.case}/evidence`));
  assert.equal(list.items.length, 3);
  assert.deepEqual(list.items[0], photo);
});

test('the life of a case: operators propose, the bureau decides, 409 for the rest', async () => {
  expectError(await as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'confirm', reason: '证据确凿' }), 409, 'violation_state');
  expectError(await as('bureau', 'GET', `/api/v1/violations/${ids.case}/preview`), 409, 'violation_state');
  let v = await ok(as('staff', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'investigate' }));
  assert.equal(v.state, 'investigating');
  v = await ok(as('manager', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'propose', proposal: 'confirm', reason: '租客承认转租' }));
  assert.equal(v.proposal, 'confirm');
  assert.equal(v.proposal_detail.reason, '租客承认转租');
  for (const action of ['confirm', 'dismiss']) {
    expectError(await as('manager', 'POST', `/api/v1/violations/${ids.case}/actions`, { action, reason: '证据确凿' }), 403, 'bureau_only');
    expectError(await as('staff', 'POST', `/api/v1/violations/${ids.case}/actions`, { action, reason: '证据确凿' }), 403, 'bureau_only');
  }
  expectError(await as('assessor', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'confirm', reason: '证据确凿' }), 403);
  expectError(await as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'confirm' }), 400, undefined, 'reason');
  expectError(await as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'refer', reason: '拒不改正' }), 409, 'violation_state');
  const p = await ok(as('bureau', 'GET', `/api/v1/violations/${ids.case}/preview`));
  assert.equal(p.sanctioned, true);
  assert.equal(p.breach_from, day(-40));
  assert.equal(p.breach_to, day(0));
  assert.equal(p.days, 41);
  assert.equal(p.market_rent_fen_m2, 2000);
  assert.equal(p.floor_area, 6500);
  assert.equal(p.penalty_fen, 100000);
  assert.equal(p.members.length, 2);
  assert.equal(p.back_charge_fen, p.market_fen - p.rent_billed_fen);
  assert.ok(p.back_charge_fen > 0);
  v = await ok(as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'confirm', reason: '证据确凿，认定转租' }));
  assert.equal(v.state, 'confirmed');
  assert.equal(v.decision.back_charge_fen, p.back_charge_fen);
  assert.equal(v.decision.penalty_fen, 100000);
  assert.equal(v.decision.bans, 2);
  assert.equal(v.decision.decided_by_name, 'v-bureau');
  const charges = await ok(as('finance', 'GET', `/api/v1/households/${ids.t.household}/account`));
  const kinds = Object.fromEntries(charges.charges.filter((c) => c.source_type === 'violation').map((c) => [c.kind, c.amount_fen]));
  assert.deepEqual(kinds, { back_charge: p.back_charge_fen, penalty: 100000 });
  expectError(await as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'confirm', reason: '再次认定' }), 409, 'violation_state');
  v = await ok(as('bureau', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'order_rectification', reason: '限期收回', rectify_by: day(30) }));
  assert.equal(v.rectify_by, day(30));
  v = await ok(as('staff', 'POST', `/api/v1/violations/${ids.case}/actions`, { action: 'rectify' }));
  assert.equal(v.state, 'rectified');
  assert.deepEqual(v.events.map((x) => x.action), ['report', 'investigate', 'propose', 'confirm', 'order_rectification', 'rectify']);
  assert.ok(v.events.every((x) => x.at && x.actor));
  // Dismissal raises nothing.
  const d = await ok(as('staff', 'POST', '/api/v1/violations', { type: 'idle', source: 'staff', location: 'unit', unit_id: ids.t2.unit, summary: '长期无人居住' }), 201);
  await ok(as('staff', 'POST', `/api/v1/violations/${d.id}/actions`, { action: 'investigate' }));
  const dd = await ok(as('bureau', 'POST', `/api/v1/violations/${d.id}/actions`, { action: 'dismiss', reason: '住户外出务工，有正当理由' }));
  assert.equal(dd.state, 'dismissed');
  assert.equal(dd.decision.back_charge_fen, null);
  assert.equal(dd.decision.reason, '住户外出务工，有正当理由');
  const c2 = await ok(as('finance', 'GET', `/api/v1/households/${ids.t2.household}/account`));
  assert.equal(c2.charges.filter((c) => c.source_type === 'violation').length, 0);
  expectError(await upload('staff', d.id, 'photo', PNG), 409, 'violation_state');
});

test('the evidence package: a zip of the summary, the files and their hashes, audited', async () => {
  const res = await fetch(`${s.base}/api/v1/violations/${ids.case}/package.zip`, { headers: { Authorization: 'Bearer ' + keys.assessor } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  const zip = Buffer.from(await res.arrayBuffer());
  assert.equal(zip.subarray(0, 4).toString('binary'), 'PK\x03\x04');
  const sha = createHash('sha256').update(zip).digest('hex');
  assert.equal(res.headers.get('x-package-sha256'), sha);
  const text = zip.toString('utf8');
  assert.ok(text.includes('summary.pdf'));
  assert.ok(text.includes(`${ids.photo.sha256}  files/${ids.photo.id}-门口.png`), 'manifest line of the photo');
  const audit = await ok(as('auditor', 'GET', '/api/v1/audit?action=violation.package'));
  assert.ok(audit.items.some((a) => JSON.stringify(a.after).includes(sha)), JSON.stringify(audit.items));
  const out = await fetch(`${s.base}/api/v1/violations/${ids.case}/package.zip`, { headers: { Authorization: 'Bearer ' + keys.staffB } });
  assert.equal(out.status, 404);
});

test('renovation requests: staff ask, the manager checks, the bureau decides', async () => {
  const body = { unit_id: ids.t2.unit, description: '更换卫生间防水层', planned_from: day(5), planned_to: day(15) };
  expectError(await as('staff', 'POST', '/api/v1/renovations', { ...body, planned_to: day(1) }), 400, undefined, 'planned_to');
  expectError(await as('staffB', 'POST', '/api/v1/renovations', body), 404);
  const r = await ok(as('staff', 'POST', '/api/v1/renovations', body), 201);
  assert.equal(r.state, 'requested');
  assert.equal(r.household_id, ids.t2.household);
  expectError(await as('staff', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'check', note: '可以' }), 403);
  expectError(await as('bureau', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'approve', note: '同意' }), 409, 'renovation_state');
  await ok(as('manager', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'check', note: '不涉及承重结构' }));
  expectError(await as('manager', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'approve', note: '同意' }), 403, 'bureau_only');
  expectError(await as('bureau', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'refuse' }), 400, undefined, 'note');
  const a = await ok(as('bureau', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'approve', note: '同意' }));
  assert.equal(a.state, 'approved');
  assert.equal(a.decided_by_name, 'v-bureau');
  const list = await ok(as('assessor', 'GET', '/api/v1/renovations?state=approved'));
  assert.deepEqual(list.items.map((x) => x.id), [r.id]);
  const done = await ok(as('staff', 'POST', `/api/v1/renovations/${r.id}/actions`, { action: 'done' }));
  assert.equal(done.state, 'done');
});
