// The quarterly recheck (动态复核) and eviction (清退) over HTTP (issue 6 §6,
// part E) against a real server, on either engine: a run started by the
// operator's manager (staff 403), refused while another waits (409), run by
// the job workers to its end; results listed per outcome, masked and
// scoped; only the bureau confirms or overturns (operators 403
// bureau_only); a confirmation opens the eviction; the notice served with
// its PDF (text checked by pdftotext); the household leaves: the lease ends
// and the move-out checklist opens; the board lists the overdue case with
// its days; cancel and close are the bureau's; the events on the
// household's and unit's dossier timelines.  Every answer is checked
// against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cleanup, apikey, dbExec } from './lib/server.js';

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

async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function pdfText(buf) {
  const dir = mkdtempSync(join(tmpdir(), 'anju-notice-'));
  try {
    writeFileSync(join(dir, 'n.pdf'), buf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'n.pdf'), '-']).toString('utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 3, number, layout: '一室一厅', floor_area: 4800, usable_area: 3900,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A household of one head with its existing paper lease, in force since
// eleven months ago for a year.
async function tenancy(name, n, income, unitId) {
  const h = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true, monthly_income_fen: income,
    members: [{ name, id_number: idNumber('19800101', n), relationship: 'head' }],
  }), 201);
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: h.id, unit_id: unitId, starts_on: monthsAgo(11), term_months: 12,
    monthly_rent_fen: 45000, deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }), 201);
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(l.id), category: 'contract' });
  const scan = await ok(s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys.staff, raw: PDF, headers: { 'Content-Type': 'application/octet-stream' },
  }), 201);
  const signed = await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, {
    signature_kind: 'scan', signature_attachment_id: scan.id, signed_on: monthsAgo(11),
  }));
  assert.equal(signed.state, 'in_force');
  return { household: h.id, lease: l.id, unit: unitId };
}

before(async () => {
  // No job workers at first: a queued run stays queued (the 409 below).
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'recheck-bureau', ['--all-communities']);
  const owner = await ok(as('bureau', 'POST', '/api/v1/owners', { name: '咸宁市城市建设投资集团', credit_code: '91310115591693856A' }), 201);
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '长安花苑公租房', owner_id: owner.id }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'recheck-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'recheck-staff', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'recheck-staff-b', ['--community', String(ids.b)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'recheck-assessor', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'recheck-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'recheck-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '5', floors: 6, entrances: 1 }), 201);
  ids.ok = await tenancy('刘一', 11, 100000, await vacantUnit(b.id, '5-1-301'));
  ids.rich = await tenancy('陈二', 12, 900000, await vacantUnit(b.id, '5-1-302'));
  ids.rich2 = await tenancy('杨三', 13, 950000, await vacantUnit(b.id, '5-1-303'));
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  await s.stop();
  cleanup(s);
});

test('a run: who may start it, one at a time, run by the job workers, counted', async () => {
  expectError(await as('staff', 'POST', '/api/v1/rechecks', {}), 403);
  expectError(await as('auditor', 'POST', '/api/v1/rechecks', {}), 403);
  expectError(await as('manager', 'POST', '/api/v1/rechecks', { as_of: day(1) }), 400, 'invalid_date', 'as_of');
  expectError(await as('manager', 'POST', '/api/v1/rechecks', { as_of: '2026-02-30' }), 400, undefined, 'as_of');
  const started = await ok(as('manager', 'POST', '/api/v1/rechecks', {}), 202);
  assert.equal(started.run.state, 'queued');
  assert.equal(started.run.as_of, day(0));
  assert.match(started.run.quarter, /^\d{4}-Q[1-4]$/);
  assert.equal(started.job.kind, 'recheck');
  ids.run = started.run.id;
  expectError(await as('bureau', 'POST', '/api/v1/rechecks', {}), 409, 'recheck_running');

  // The job workers take it.
  await s.stop();
  s.settings.job_workers = '1';
  await s.start();
  const job = await s.waitJob(started.job.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const run = await ok(as('assessor', 'GET', `/api/v1/rechecks/${ids.run}`));
  assert.equal(run.state, 'finished');
  assert.equal(run.total, 3);
  assert.equal(run.eligible, 1);
  assert.equal(run.propose_exit, 2);
  assert.equal(run.investigate, 0);
  assert.deepEqual(run.decisions, { pending: 2, confirmed: 0, overturned: 0 });
  assert.equal(run.job.progress.percent, 100);
  const list = await ok(as('staff', 'GET', '/api/v1/rechecks'));
  assert.deepEqual(list.items.map((x) => x.id), [ids.run]);
  expectError(await as('auditor', 'GET', '/api/v1/rechecks'), 403);
  expectError(await as('staff', 'GET', '/api/v1/rechecks/999999'), 404, 'recheck_not_found');
});

test('results: by outcome, masked, scoped; bad filters are 400', async () => {
  const exits = await ok(as('bureau', 'GET', `/api/v1/rechecks/${ids.run}/results?outcome=propose_exit`));
  assert.equal(exits.items.length, 2);
  const rich = exits.items.find((x) => x.household_id === ids.rich.household);
  assert.equal(rich.head_name, '陈*');
  assert.match(rich.head_id_number, /^990\*+\d{3}[\dX]$/);
  assert.equal(rich.unit_number, '5-1-302');
  assert.equal(rich.decision, 'pending');
  assert.ok(rich.reasons.some((x) => x.code === 'ineligible' && x.weight === 'exit' && x.text.length > 0), JSON.stringify(rich.reasons));
  ids.richResult = rich.id;
  ids.rich2Result = exits.items.find((x) => x.household_id === ids.rich2.household).id;
  const okr = await ok(as('staff', 'GET', `/api/v1/rechecks/${ids.run}/results?outcome=eligible`));
  assert.equal(okr.items.length, 1);
  assert.equal(okr.items[0].decision, null);
  ids.okResult = okr.items[0].id;
  const one = await ok(as('assessor', 'GET', `/api/v1/recheck-results/${ids.richResult}`));
  assert.equal(one.eligibility.eligible, false);
  assert.ok(Array.isArray(one.crosscheck.conflicts));
  const paged = await ok(as('bureau', 'GET', `/api/v1/rechecks/${ids.run}/results?limit=2`));
  assert.equal(paged.items.length, 2);
  assert.ok(paged.next);
  const rest = await ok(as('bureau', 'GET', `/api/v1/rechecks/${ids.run}/results?limit=2&cursor=${paged.next}`));
  assert.equal(rest.items.length, 1);
  assert.equal(rest.next, null);
  // Another community's staff see none of them.
  assert.deepEqual((await ok(as('staffB', 'GET', `/api/v1/rechecks/${ids.run}/results`))).items, []);
  expectError(await as('staffB', 'GET', `/api/v1/recheck-results/${ids.richResult}`), 404, 'recheck_result_not_found');
  expectError(await as('bureau', 'GET', `/api/v1/rechecks/${ids.run}/results?outcome=maybe`), 400, undefined, 'outcome');
  expectError(await as('bureau', 'GET', `/api/v1/rechecks/${ids.run}/results?community_id=x`), 400, undefined, 'community_id');
  expectError(await as('auditor', 'GET', `/api/v1/rechecks/${ids.run}/results`), 403);
});

test('decisions are the bureau\'s: operators 403, a confirmation opens the eviction', async () => {
  expectError(await as('manager', 'POST', `/api/v1/recheck-results/${ids.richResult}/confirm`, { note: '同意清退' }), 403, 'bureau_only');
  expectError(await as('staff', 'POST', `/api/v1/recheck-results/${ids.richResult}/overturn`, { note: '继续承租' }), 403, 'bureau_only');
  expectError(await as('finance', 'POST', `/api/v1/recheck-results/${ids.richResult}/confirm`, { note: '同意' }), 403);
  expectError(await as('bureau', 'POST', `/api/v1/recheck-results/${ids.richResult}/confirm`, {}), 400, undefined, 'note');
  expectError(await as('bureau', 'POST', `/api/v1/recheck-results/${ids.okResult}/confirm`, { note: '确认' }), 409, 'recheck_result_eligible');
  expectError(await as('bureau', 'POST', '/api/v1/recheck-results/999999/confirm', { note: '确认' }), 404);
  assert.deepEqual((await ok(as('bureau', 'GET', '/api/v1/evictions'))).items, []);

  const r = await ok(as('bureau', 'POST', `/api/v1/recheck-results/${ids.richResult}/confirm`, { note: '人均收入超过标准，确认清退' }));
  assert.equal(r.result.decision, 'confirmed');
  assert.equal(r.result.decided_by, 'recheck-bureau');
  assert.equal(r.eviction.state, 'decided');
  assert.equal(r.eviction.basis, 'recheck');
  assert.equal(r.eviction.basis_id, ids.richResult);
  assert.equal(r.eviction.lease_id, ids.rich.lease);
  assert.equal(r.result.eviction_id, r.eviction.id);
  ids.ev = r.eviction.id;
  expectError(await as('bureau', 'POST', `/api/v1/recheck-results/${ids.richResult}/overturn`, { note: '改判' }), 409, 'recheck_result_decided');
  const r2 = await ok(as('bureau', 'POST', `/api/v1/recheck-results/${ids.rich2Result}/confirm`, { note: '收入超标，确认清退' }));
  ids.ev2 = r2.eviction.id;
  const run = await ok(as('bureau', 'GET', `/api/v1/rechecks/${ids.run}`));
  assert.deepEqual(run.decisions, { pending: 0, confirmed: 2, overturned: 0 });
});

test('the notice: served, its PDF, the vacate period; the household leaves', async () => {
  expectError(await as('staff', 'POST', `/api/v1/evictions/${ids.ev}/notice`, { served_on: day(1) }), 400, 'invalid_date', 'served_on');
  expectError(await as('staff', 'POST', `/api/v1/evictions/${ids.ev}/notice`, {}), 400, undefined, 'served_on');
  expectError(await as('staffB', 'POST', `/api/v1/evictions/${ids.ev}/notice`, { served_on: day(0) }), 404, 'eviction_not_found');
  expectError(await as('finance', 'POST', `/api/v1/evictions/${ids.ev}/notice`, { served_on: day(0) }), 403);
  let pdf = await bytes(`/api/v1/evictions/${ids.ev}/notice.pdf`, keys.staff);
  assert.equal(pdf.status, 404);
  const ev = await ok(as('staff', 'POST', `/api/v1/evictions/${ids.ev}/notice`, { served_on: day(0) }));
  assert.equal(ev.state, 'notice_served');
  assert.equal(ev.notice_served_on, day(0));
  assert.equal(ev.vacate_days, 90);
  assert.equal(ev.vacate_by, day(90));
  assert.equal(ev.days_left, 90);
  assert.equal(ev.notice_pdf, true);
  expectError(await as('bureau', 'POST', `/api/v1/evictions/${ids.ev}/notice`, { served_on: day(0) }), 409, 'eviction_state');

  pdf = await bytes(`/api/v1/evictions/${ids.ev}/notice.pdf`, keys.assessor);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  const again = await bytes(`/api/v1/evictions/${ids.ev}/notice.pdf`, keys.staff);
  assert.ok(pdf.body.equals(again.body), 'the stored notice, the same bytes each time');
  const text = pdfText(pdf.body);
  const by = day(90);
  for (const want of ['清退通知书', '陈*', '长安花苑公租房', '5-1-302', '第三十一条', '第三十二条',
    '人均收入超过标准', '市住房和城乡建设局', `${by.slice(0, 4)}年${by.slice(5, 7)}月${by.slice(8, 10)}日`]) {
    assert.ok(text.includes(want), `notice text has ${want}:\n${text}`);
  }
  assert.ok(!text.includes('陈二'), 'the name is masked');

  // The household leaves: the lease ends, the move-out opens.
  expectError(await as('staff', 'POST', `/api/v1/evictions/${ids.ev}/vacated`, { vacated_on: day(1) }), 400, 'invalid_date', 'vacated_on');
  const left = await ok(as('staff', 'POST', `/api/v1/evictions/${ids.ev}/vacated`, { vacated_on: day(0) }));
  assert.equal(left.state, 'vacated');
  assert.equal(left.vacated_on, day(0));
  assert.equal(left.overstay_from, null);
  assert.ok(left.handover_id > 0);
  const lease = await ok(as('bureau', 'GET', `/api/v1/leases/${ids.rich.lease}`));
  assert.equal(lease.state, 'ended');
  assert.equal(lease.ended_on, day(0));
  const ho = await ok(as('staff', 'GET', `/api/v1/handovers/${left.handover_id}`));
  assert.equal(ho.kind, 'move_out');
  assert.equal(ho.lease_id, ids.rich.lease);

  expectError(await as('bureau', 'POST', `/api/v1/evictions/${ids.ev}/cancel`, { reason: '撤销清退决定' }), 409, 'eviction_state');
  expectError(await as('manager', 'POST', `/api/v1/evictions/${ids.ev}/close`, {}), 403, 'bureau_only');
  const closed = await ok(as('bureau', 'POST', `/api/v1/evictions/${ids.ev}/close`, { note: '退房交接已完成' }));
  assert.equal(closed.state, 'closed');
});

test('the board: an overdue case with its days; cancel is the bureau\'s', async () => {
  await ok(as('staff', 'POST', `/api/v1/evictions/${ids.ev2}/notice`, { served_on: day(0) }));
  // The notice was served a hundred days ago: ten days past its 90.
  dbExec(s, `UPDATE eviction SET decided_on = '${day(-120)}', notice_served_on = '${day(-100)}', vacate_by = '${day(-10)}' WHERE id = ${ids.ev2}`);
  let board = await ok(as('staff', 'GET', '/api/v1/evictions?overdue=true'));
  assert.deepEqual(board.items.map((x) => x.id), [ids.ev2]);
  const late = board.items[0];
  assert.equal(late.state, 'overdue');
  assert.equal(late.overdue_days, 10);
  assert.equal(late.days_left, null);
  assert.equal(late.overstay_from, day(-9));
  board = await ok(as('bureau', 'GET', '/api/v1/evictions?state=overdue'));
  assert.deepEqual(board.items.map((x) => x.id), [ids.ev2]);
  board = await ok(as('bureau', 'GET', '/api/v1/evictions?state=closed'));
  assert.deepEqual(board.items.map((x) => x.id), [ids.ev]);
  board = await ok(as('bureau', 'GET', '/api/v1/evictions?open=true'));
  assert.deepEqual(board.items.map((x) => x.id), [ids.ev2]);
  assert.deepEqual((await ok(as('staffB', 'GET', '/api/v1/evictions'))).items, []);
  expectError(await as('bureau', 'GET', '/api/v1/evictions?state=gone'), 400, undefined, 'state');
  expectError(await as('bureau', 'GET', '/api/v1/evictions?overdue=yes'), 400, undefined, 'overdue');
  expectError(await as('auditor', 'GET', '/api/v1/evictions'), 403);

  expectError(await as('manager', 'POST', `/api/v1/evictions/${ids.ev2}/cancel`, { reason: '已结清' }), 403, 'bureau_only');
  expectError(await as('bureau', 'POST', `/api/v1/evictions/${ids.ev2}/cancel`, {}), 400, undefined, 'reason');
  const c = await ok(as('bureau', 'POST', `/api/v1/evictions/${ids.ev2}/cancel`, { reason: '经复查收入已下降，撤销清退' }));
  assert.equal(c.state, 'cancelled');
  assert.equal(c.cancel_reason, '经复查收入已下降，撤销清退');
  expectError(await as('staff', 'POST', `/api/v1/evictions/${ids.ev2}/vacated`, { vacated_on: day(0) }), 409, 'eviction_state');
});

test('signals and the dossiers\' timelines', async () => {
  const sig = await ok(as('staff', 'GET', `/api/v1/households/${ids.rich.household}/signals`));
  assert.deepEqual(sig.items, []);
  expectError(await as('staffB', 'GET', `/api/v1/households/${ids.rich.household}/signals`), 404);
  const d = await ok(as('bureau', 'GET', `/api/v1/households/${ids.rich.household}/dossier`));
  const actions = d.timeline.filter((x) => x.source === 'tenancy').map((x) => x.action);
  for (const a of ['recheck_result.record', 'recheck_result.confirm', 'eviction.open', 'eviction.notice', 'eviction.vacated', 'lease.end']) {
    assert.ok(actions.includes(a), `household timeline has ${a}: ${actions}`);
  }
  const u = await ok(as('bureau', 'GET', `/api/v1/units/${ids.rich.unit}/dossier`));
  const ua = u.timeline.filter((x) => x.source === 'tenancy').map((x) => x.action);
  assert.ok(ua.includes('eviction.notice'), ua.join());
  assert.ok(!ua.includes('recheck_result.record'), ua.join());
  const other = await ok(as('bureau', 'GET', `/api/v1/households/${ids.ok.household}/dossier`));
  assert.ok(!other.timeline.some((x) => x.action.startsWith('eviction.')));
});
