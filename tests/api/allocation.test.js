// The waitlist, allocation batches, the verifiable lottery and offers
// (tenancy part C) against a real server, on either engine.  Approved
// applications come through part B's routes (counter → first review →
// the bureau's decision with a second person's approval → the publicity_close
// job); vacant units through the housing stock's acceptance checks.  The
// lottery path with three parties, a mismatched reveal refused, the public
// record recomputed by `anju lottery verify` (exit 0) and a tampered copy
// refused (exit 1); offers accepted, refused (the unit passes on) and
// no-shows; a choice batch with a no-show; the operator's 403 on bureau
// steps and 404 outside its scope.  Every answer is checked against the
// OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, cleanup, apikey, BIN } from './lib/server.js';

let s;
const keys = {};
const ids = { units: [], households: [], applications: [] };
let seq = 0;

const sm3 = (v) => createHash('sm3').update(v, 'utf8').digest('hex');
const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

function dayAfter(date, n) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function ok(p, status = 200) {
  const r = await p;
  assert.equal(r.status, status, r.text);
  return r.json;
}

function expectError(r, status, code) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
}

// A vacant unit of building b: created, checked by the operator, confirmed
// by the bureau.
async function vacantUnit(building, number) {
  const u = await ok(as('manager', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 3, number, layout: '一室一厅', floor_area: 4520,
    usable_area: 3610, orientation: '南',
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`,
    { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

// A household of community a with an application in publicity.
async function inPublicity(name) {
  seq++;
  const h = await ok(as('staff', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', hukou: '咸宁市咸安区', monthly_income_fen: 120000,
    assets_fen: 0, local_hukou: true, current_housing: '租住',
    members: [{ name, id_number: idNumber('19850307', seq), relationship: 'head' }],
  }), 201);
  const a = await ok(as('staff', 'POST', '/api/v1/applications', { household_id: h.id }), 201);
  await ok(as('staff', 'POST', `/api/v1/applications/${a.id}/submit`));
  await ok(as('manager', 'POST', `/api/v1/applications/${a.id}/first-review`, { pass: true, reason: '材料齐全' }));
  const d = await ok(as('bureau', 'POST', `/api/v1/applications/${a.id}/decide`, { grant: true, reason: '符合条件' }), 202);
  await ok(as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {}));
  const got = await ok(as('staff', 'GET', `/api/v1/applications/${a.id}`));
  assert.equal(got.state, 'publicity');
  return { household: h.id, application: a.id, until: got.publicity_until };
}

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau-a', ['--all-communities']);
  keys.bureau2 = apikey(s.data.dir, 'bureau', 'bureau-b', ['--all-communities']);
  ids.a = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 201)).id;
  ids.b = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201)).id;
  keys.staff = apikey(s.data.dir, 'operator_staff', 'staff-a', ['--community', String(ids.a)]);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  const b = await ok(as('manager', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '1', floors: 6, entrances: 1 }), 201);
  for (let i = 1; i <= 4; i++) ids.units.push(await vacantUnit(b.id, `1-1-${i}01`));
  let until = '';
  for (const name of ['张一', '王二', '李三', '赵四', '钱五', '孙六', '周七']) {
    const x = await inPublicity(name);
    ids.households.push(x.household);
    ids.applications.push(x.application);
    if (x.until > until) until = x.until;
  }
  const j = await ok(s.api('POST', '/api/v1/jobs', { body: { kind: 'publicity_close', params: { today: dayAfter(until, 1) } } }), 202);
  const job = await s.waitJob(j.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
});
after(async () => { await s.stop(); cleanup(s); });

test('the waitlist: city-wide positions, the household\'s place, scope', async () => {
  const r = await ok(as('staff', 'GET', '/api/v1/waitlist?limit=3'));
  assert.equal(r.items.length, 3);
  assert.deepEqual(r.items.map((x) => x.position), [1, 2, 3]);
  assert.equal(r.next, '3');
  assert.equal(r.items[0].application_id, ids.applications[0]);
  assert.equal(r.items[0].name, '张*');
  assert.equal(r.items[0].warning, null);
  const page2 = await ok(as('staff', 'GET', `/api/v1/waitlist?limit=50&cursor=${r.next}`));
  assert.equal(page2.items[0].position, 4);
  assert.equal(page2.items.length, 4);
  // Another community's operator sees none of them, and not their places.
  assert.equal((await ok(as('staffB', 'GET', '/api/v1/waitlist'))).items.length, 0);
  expectError(await as('staffB', 'GET', `/api/v1/households/${ids.households[2]}/waitlist`), 404, 'household_not_found');
  const p = await ok(as('staff', 'GET', `/api/v1/households/${ids.households[2]}/waitlist`));
  assert.equal(p.on_waitlist, true);
  assert.equal(p.entry.position, 3);
  assert.equal(p.total, 7);
  expectError(await as('auditor', 'GET', '/api/v1/waitlist'), 403);
  expectError(await as('staff', 'GET', '/api/v1/waitlist?community_id=abc'), 400);
});

const parties = ['市住房保障局', '运营单位', '公证处'];
const values = ['bureau-7f3a9c2e51', 'operator-19be04d7aa', 'notary-c0ffee4242'];

test('the lottery: list published first, three commitments, reveals, the draw verified by anju lottery verify', async () => {
  const body = {
    community_id: ids.a, title: '2026年第一批摇号配租', method: 'lottery',
    unit_ids: ids.units.slice(0, 3), parties, invite_count: 5, publicity_days: 0,
  };
  expectError(await as('staff', 'POST', '/api/v1/allocations', body), 403);
  expectError(await as('manager', 'POST', '/api/v1/allocations', { ...body, unit_ids: [] }), 400);
  expectError(await as('manager', 'POST', '/api/v1/allocations', { ...body, parties: ['一方'] }), 400);
  let b = await ok(as('manager', 'POST', '/api/v1/allocations', body), 201);
  assert.equal(b.state, 'draft');
  assert.equal(b.units.length, 3);
  assert.ok(b.units.every((u) => u.reserved && u.state === 'open'));
  const id = b.id;
  // The units are the batch's: no other batch may offer them.
  expectError(await as('bureau', 'POST', '/api/v1/allocations', { ...body, unit_ids: [ids.units[0]] }), 409, 'unit_reserved');
  // Scope: another community's operator does not find the batch.
  expectError(await as('staffB', 'GET', `/api/v1/allocations/${id}`), 404, 'allocation_not_found');
  // Publishing is the bureau's.
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/publish`), 403, 'bureau_only');
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/commitments`, { party: parties[0], commit_hash: sm3(values[0]) }), 409, 'allocation_state');
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/publish`));
  assert.equal(b.state, 'published');
  assert.equal(b.entries.length, 5);
  assert.deepEqual(b.entries.map((e) => e.application_id), ids.applications.slice(0, 5));
  assert.match(b.list_hash, /^[0-9a-f]{64}$/);
  expectError(await as('bureau', 'POST', `/api/v1/allocations/${id}/publish`), 409, 'allocation_state');

  // Commitments: the operator's manager may record them; a bad hash is 400.
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/commitments`, { party: parties[0], commit_hash: 'x'.repeat(64) }), 400, 'invalid_hash');
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/commitments`, { party: '路人', commit_hash: sm3('x') }), 404, 'party_not_found');
  for (let k = 0; k < 3; k++) {
    b = await ok(as(k === 1 ? 'manager' : 'bureau', 'POST', `/api/v1/allocations/${id}/commitments`, { party: parties[k], commit_hash: sm3(values[k]) }));
  }
  assert.equal(b.state, 'committed');
  expectError(await as('bureau', 'POST', `/api/v1/allocations/${id}/commitments`, { party: parties[0], commit_hash: sm3('again') }), 409);
  // Reveals: the bureau's; a value that is not the committed one is refused.
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/reveals`, { party: parties[0], value: values[0] }), 403, 'bureau_only');
  expectError(await as('bureau', 'POST', `/api/v1/allocations/${id}/reveals`, { party: parties[1], value: values[1] + 'x' }), 422, 'commitment_mismatch');
  for (let k = 0; k < 3; k++) {
    b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/reveals`, { party: parties[k], value: values[k] }));
    if (k < 2) {
      assert.equal(b.state, 'committed');
      assert.equal(b.seed, null);
    }
  }
  assert.equal(b.state, 'drawn');
  assert.match(b.seed, /^[0-9a-f]{64}$/);
  assert.deepEqual([...b.order].sort(), [1, 2, 3, 4, 5]);

  // The public record, downloaded and recomputed by the command line.
  const rec = await s.api('GET', `/api/v1/allocations/${id}/draw.json`, { token: keys.staff });
  assert.equal(rec.status, 200, rec.text);
  assert.match(rec.headers.get('content-disposition'), /draw-\d+\.json/);
  assert.equal(sm3(rec.json.list_text), rec.json.list_hash);
  assert.ok(!rec.text.includes(idNumber('19850307', 1)), 'no ID number in the record');
  assert.equal(rec.json.matches.length, 3);
  const pub = await s.api('GET', `/api/v1/public/allocations/${id}`, { token: null });
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual(pub.json.order, rec.json.order);
  const dir = join(s.data.dir, '..');
  const good = join(dir, 'draw.json');
  writeFileSync(good, rec.text);
  const out = execFileSync(BIN, ['lottery', 'verify', good], { encoding: 'utf8' });
  assert.match(out, /OK/);
  const verify = (record) => {
    const f = join(dir, 'tampered.json');
    writeFileSync(f, JSON.stringify(record));
    try {
      execFileSync(BIN, ['lottery', 'verify', f], { encoding: 'utf8', stdio: 'pipe' });
      return 0;
    } catch (err) {
      return err.status;
    }
  };
  const orig = rec.json;
  // One list entry changed (and its hash with it), one value, the parties'
  // order, one place of the result: each fails.
  const list = JSON.parse(orig.list_text);
  list.entries[0].name = '王*';
  const listText = JSON.stringify(list);
  assert.equal(verify({ ...orig, list_text: listText, list_hash: sm3(listText) }), 1);
  assert.equal(verify({ ...orig, list_text: orig.list_text.replace('"position":1', '"position":9') }), 1);
  const p2 = structuredClone(orig.parties);
  p2[2].value = 'notary-c0ffee4243';
  p2[2].commit_hash = sm3(p2[2].value);
  assert.equal(verify({ ...orig, parties: p2 }), 1);
  assert.equal(verify({ ...orig, parties: [orig.parties[1], orig.parties[0], orig.parties[2]] }), 1);
  const o2 = [...orig.order];
  [o2[0], o2[1]] = [o2[1], o2[0]];
  assert.equal(verify({ ...orig, order: o2 }), 1);
  assert.equal(verify(orig), 0);

  // Publicity (0 days in this batch), then offers in drawn order.
  expectError(await as('bureau', 'POST', `/api/v1/allocations/${id}/open-offers`), 409, 'allocation_state');
  expectError(await as('staff', 'POST', `/api/v1/allocations/${id}/publicity`), 403, 'bureau_only');
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/publicity`));
  assert.equal(b.state, 'publicity');
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/open-offers`));
  assert.equal(b.state, 'offering');
  assert.equal(b.offers.length, 3);
  const byRank = (k) => b.entries.find((e) => e.draw_rank === k);
  const offerOf = (hh) => b.offers.find((o) => o.household_id === hh && o.state === 'offered');
  const o1 = offerOf(byRank(1).household_id);
  const o2id = offerOf(byRank(2).household_id);
  const o3 = offerOf(byRank(3).household_id);
  assert.equal(o1.unit_id, b.units.find((u) => u.draw_rank === 1).unit_id);

  // Accept: the unit is allocated, the application leaves the waitlist.
  let o = await ok(as('staff', 'POST', `/api/v1/offers/${o1.id}/accept`));
  assert.equal(o.state, 'accepted');
  assert.equal((await ok(as('staff', 'GET', `/api/v1/units/${o1.unit_id}`))).status, 'allocated');
  assert.equal((await ok(as('staff', 'GET', `/api/v1/applications/${o1.application_id}`))).state, 'allocated');
  expectError(await as('staff', 'POST', `/api/v1/offers/${o1.id}/accept`), 409, 'offer_state');
  expectError(await as('staffB', 'POST', `/api/v1/offers/${o2id.id}/accept`), 404, 'offer_not_found');
  // Refuse: counted; the unit goes to rank 4.
  expectError(await as('staff', 'POST', `/api/v1/offers/${o2id.id}/refuse`, {}), 400);
  o = await ok(as('staff', 'POST', `/api/v1/offers/${o2id.id}/refuse`, { reason: '离工作地太远' }));
  assert.equal(o.state, 'refused');
  b = await ok(as('staff', 'GET', `/api/v1/allocations/${id}`));
  const next = b.offers.find((x) => x.unit_id === o2id.unit_id && x.state === 'offered');
  assert.equal(next.household_id, byRank(4).household_id);
  // A no-show: counted like a refusal; the unit goes to rank 5, the last.
  o = await ok(as('staff', 'POST', `/api/v1/offers/${o3.id}/no-show`, {}));
  assert.equal(o.state, 'no_show');
  const list3 = await ok(as('staff', 'GET', `/api/v1/offers?household_id=${o3.household_id}`));
  assert.equal(list3.items[0].state, 'no_show');
  b = await ok(as('staff', 'GET', `/api/v1/allocations/${id}`));
  assert.equal(b.offers.find((x) => x.unit_id === o3.unit_id && x.state === 'offered').household_id, byRank(5).household_id);
  // Withdrawing is the bureau's: the accepted unit is vacant again, and
  // open in the batch (nobody is left to offer it to).
  expectError(await as('manager', 'POST', `/api/v1/offers/${o1.id}/withdraw`, { reason: '核查' }), 403, 'bureau_only');
  o = await ok(as('bureau', 'POST', `/api/v1/offers/${o1.id}/withdraw`, { reason: '资格复查' }));
  assert.equal(o.state, 'withdrawn');
  assert.equal((await ok(as('staff', 'GET', `/api/v1/applications/${o1.application_id}`))).state, 'approved');
  assert.equal((await ok(as('staff', 'GET', `/api/v1/units/${o1.unit_id}`))).status, 'vacant');
  b = await ok(as('staff', 'GET', `/api/v1/allocations/${id}`));
  assert.equal(b.state, 'offering');
  assert.equal(b.units.find((u) => u.unit_id === o1.unit_id).state, 'open');
  // The bureau closes the batch: open offers withdrawn, units released.
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/close`, { reason: '本批结束' }), 403, 'bureau_only');
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/close`, { reason: '本批结束' }));
  assert.equal(b.state, 'closed');
  assert.ok(b.units.every((u) => !u.reserved));
  // Audit rows on the offers.
  const au = await ok(as('auditor', 'GET', `/api/v1/audit?object_type=offer&object_id=${o1.id}&limit=50`));
  assert.deepEqual(au.items.map((x) => x.action).sort(), ['offer.accept', 'offer.create', 'offer.withdraw']);
});

test('choice: in list order, a no-show passes the turn, a pick allocates the unit', async () => {
  const body = { community_id: ids.a, title: '选房批次', method: 'choice', unit_ids: [ids.units[3]], invite_count: 3 };
  expectError(await as('manager', 'POST', '/api/v1/allocations', { ...body, parties }), 400);
  let b = await ok(as('manager', 'POST', '/api/v1/allocations', body), 201);
  const id = b.id;
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/publish`));
  assert.equal(b.entries.length, 3);
  expectError(await as('bureau', 'GET', `/api/v1/allocations/${id}/draw.json`), 404);
  expectError(await as('manager', 'POST', `/api/v1/allocations/${id}/open-offers`), 403, 'bureau_only');
  b = await ok(as('bureau', 'POST', `/api/v1/allocations/${id}/open-offers`));
  assert.equal(b.state, 'offering');
  assert.equal(b.turn.household_id, b.entries[0].household_id);
  // Not the second household's turn yet.
  expectError(await as('staff', 'POST', `/api/v1/allocations/${id}/choose`, { household_id: b.entries[1].household_id, unit_id: ids.units[3] }), 409, 'not_your_turn');
  b = await ok(as('staff', 'POST', `/api/v1/allocations/${id}/pass`, { household_id: b.entries[0].household_id, outcome: 'no_show' }));
  assert.equal(b.entries[0].state, 'no_show');
  assert.equal(b.turn.household_id, b.entries[1].household_id);
  expectError(await as('staff', 'POST', `/api/v1/allocations/${id}/choose`, { household_id: b.entries[1].household_id, unit_id: ids.units[0] }), 404, 'unit_not_in_batch');
  b = await ok(as('staff', 'POST', `/api/v1/allocations/${id}/choose`, { household_id: b.entries[1].household_id, unit_id: ids.units[3] }));
  assert.equal(b.state, 'closed');
  assert.equal(b.offers[0].state, 'accepted');
  assert.equal((await ok(as('staff', 'GET', `/api/v1/units/${ids.units[3]}`))).status, 'allocated');
  const w = await ok(as('staff', 'GET', `/api/v1/households/${b.entries[1].household_id}/waitlist`));
  assert.equal(w.on_waitlist, false);
  assert.equal(w.application_state, 'allocated');
  const list = await ok(as('bureau', 'GET', '/api/v1/allocations?state=closed'));
  assert.equal(list.items.length, 2);
  // The daily lapse job runs (nothing is overdue here).
  const j = await ok(s.api('POST', '/api/v1/jobs', { body: { kind: 'allocation_lapse', params: {} } }), 202);
  const job = await s.waitJob(j.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.result.lapsed, 0);
});
