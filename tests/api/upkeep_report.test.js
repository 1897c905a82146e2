// The bureau's reports on the housing's use (issue 8 §4, upkeep part D)
// over HTTP against a real server, on either engine: units made vacant by
// the bureau's acceptance, one repaired, one disabled; a household whose
// members come and go, whose head changes and whose phone changes; then the
// vacant units (order, days, reason, counts, pages), the unit changes and
// the household changes (masked), the vacated units' period, the xlsx
// workbooks; the operator's manager kept to its community (404 outside
// it); the roles each route refuses; bad input a 400 naming its field.
// Every answer is checked against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey } from './lib/server.js';

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

function idNumber(birth, n) {
  const d17 = '110101' + birth + String(n).padStart(3, '0');
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

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 2, number, layout: '一室一厅', floor_area: 5000, usable_area: 4200,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

before(async () => {
  s = await startServer({ schedules: 'false' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'ur-bureau', ['--all-communities']);
  ids.a = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 201)).id;
  ids.b = (await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201)).id;
  keys.assessor = apikey(s.data.dir, 'assessor', 'ur-assessor', ['--all-communities']);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'ur-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'ur-staff', ['--community', String(ids.a), '--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'ur-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'ur-auditor');
  const ba = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '1', floors: 6, entrances: 1 }), 201);
  const bb = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.b, name: '1', floors: 6, entrances: 1 }), 201);
  ids.u1 = await vacantUnit(ba.id, '1-1-201');
  ids.u2 = await vacantUnit(ba.id, '1-1-202');
  ids.u3 = await vacantUnit(bb.id, '1-1-301');
  ids.u4 = await vacantUnit(bb.id, '1-1-302');
  await ok(as('staff', 'POST', `/api/v1/units/${ids.u2}/repair`, { reason: '卫生间漏水' }));
  await ok(as('staff', 'POST', `/api/v1/units/${ids.u2}/repair-done`, { reason: '防水已重做' }));
  await ok(as('bureau', 'POST', `/api/v1/units/${ids.u4}/disable`, { reason: '结构检测' }));
  // A household of 南苑: a spouse and a child join, the spouse becomes the
  // head, the child leaves.
  const h = await ok(as('staff', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true,
    members: [{ name: '王伟', id_number: idNumber('19800101', 1), relationship: 'head', phone: '13900001111' }],
  }), 201);
  ids.h = h.id;
  await ok(as('staff', 'POST', `/api/v1/households/${h.id}/members`, { name: '李芳', id_number: idNumber('19820202', 2), relationship: 'spouse', phone: '13812345678' }), 201);
  await ok(as('staff', 'POST', `/api/v1/households/${h.id}/members`, { name: '王小明', id_number: idNumber('20150303', 3), relationship: 'child' }), 201);
  const full = await ok(as('staff', 'GET', `/api/v1/households/${h.id}`));
  const spouse = full.members.find((m) => m.relationship === 'spouse');
  const child = full.members.find((m) => m.relationship === 'child');
  await ok(as('staff', 'POST', `/api/v1/households/${h.id}/head`, { member_id: spouse.id, former_head_relationship: 'spouse' }));
  await ok(as('staff', 'POST', `/api/v1/households/${h.id}/members/${child.id}/leave`));
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  await s.stop();
  cleanup(s);
});

test('vacant units: vacant now, oldest first, days, the reason, counts per community, pages', async () => {
  let r = await ok(as('bureau', 'GET', '/api/v1/reports/vacant-units'));
  // u4 is disabled; the repaired u2 became vacant last.
  assert.deepEqual(r.items.map((x) => x.unit_id), [ids.u1, ids.u3, ids.u2]);
  assert.equal(r.total, 3);
  assert.deepEqual(r.by_community.map((x) => [x.community_id, x.vacant]), [[ids.a, 2], [ids.b, 1]]);
  assert.equal(r.as_of, today());
  assert.equal(r.items[0].reason, '分户核验已确认');
  assert.equal(r.items[0].from_status, 'pending_acceptance');
  assert.equal(r.items[0].days_vacant, 0);
  assert.equal(r.items[0].vacant_on, today());
  assert.equal(r.items[2].reason, '防水已重做');
  assert.equal(r.items[2].from_status_title, '维修中');
  assert.equal(r.next, null);
  // One a page, in the same order.
  const seen = [];
  let cursor = '';
  do {
    r = await ok(as('assessor', 'GET', `/api/v1/reports/vacant-units?limit=1${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`));
    seen.push(...r.items.map((x) => x.unit_id));
    cursor = r.next;
  } while (cursor);
  assert.deepEqual(seen, [ids.u1, ids.u3, ids.u2]);
  // The manager of 南苑 sees 南苑's.
  r = await ok(as('manager', 'GET', '/api/v1/reports/vacant-units'));
  assert.deepEqual(r.items.map((x) => x.unit_id), [ids.u1, ids.u2]);
  assert.deepEqual(r.by_community.map((x) => x.community_id), [ids.a]);
  r = await ok(as('bureau', 'GET', `/api/v1/reports/vacant-units?community_id=${ids.b}`));
  assert.deepEqual(r.items.map((x) => x.unit_id), [ids.u3]);
});

test('unit changes: status changes, acceptance, repair and disabling, with who and why', async () => {
  const r = await ok(as('bureau', 'GET', '/api/v1/reports/unit-changes?limit=100'));
  const kinds = r.items.map((x) => [x.unit_id, x.kind]);
  assert.ok(kinds.some(([u, k]) => u === ids.u2 && k === 'repair'));
  assert.ok(kinds.some(([u, k]) => u === ids.u2 && k === 'repair_done'));
  assert.ok(kinds.some(([u, k]) => u === ids.u4 && k === 'disable'));
  assert.equal(r.items.filter((x) => x.kind === 'acceptance').length, 4);
  const rep = r.items.find((x) => x.kind === 'repair');
  assert.deepEqual([rep.before, rep.after, rep.note, rep.unit_number], ['空置', '维修中', '卫生间漏水', '1-1-202']);
  assert.equal(rep.actor_name, 'ur-staff');
  assert.equal(r.from, today().slice(0, 8) + '01');
  assert.equal(r.to, today());
  // Newest first; the manager sees 南苑 only.
  assert.ok(r.items.every((x, i) => i === 0 || x.id < r.items[i - 1].id));
  const m = await ok(as('manager', 'GET', '/api/v1/reports/unit-changes?limit=100'));
  assert.ok(m.items.length > 0 && m.items.every((x) => x.community_id === ids.a));
  // A period long ago has none.
  const old = await ok(as('bureau', 'GET', '/api/v1/reports/unit-changes?from=2020-01-01&to=2020-12-31'));
  assert.equal(old.items.length, 0);
});

test('household changes: in and out, the new head, masked', async () => {
  const r = await ok(as('assessor', 'GET', `/api/v1/reports/household-changes?community_id=${ids.a}`));
  assert.deepEqual(r.items.map((x) => x.kind), ['member_out', 'head_change', 'member_in', 'member_in']);
  assert.ok(r.items.every((x) => x.household_id === ids.h));
  assert.equal(r.items[0].before, '王**（子女）');
  assert.deepEqual([r.items[1].before, r.items[1].after], ['户主 王*', '户主 李*']);
  assert.match(r.items[3].after, /^李\*（配偶） 110\*+\d{4}$/);
  const text = JSON.stringify(r);
  assert.ok(!text.includes('李芳') && !text.includes('13812345678') && !text.includes(idNumber('19820202', 2)));
  const b = await ok(as('bureau', 'GET', `/api/v1/reports/household-changes?community_id=${ids.b}`));
  assert.equal(b.items.length, 0);
});

test('vacated units: none this month, the period is checked', async () => {
  const r = await ok(as('bureau', 'GET', '/api/v1/reports/vacated-units'));
  assert.deepEqual(r.items, []);
  assert.equal(r.to, today());
});

test('xlsx: every row, the scope kept', async () => {
  for (const name of ['vacant-units', 'vacated-units', 'unit-changes', 'household-changes']) {
    const x = await bytes(`/api/v1/reports/${name}.xlsx`, keys.bureau);
    assert.equal(x.status, 200, name);
    assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(x.headers.get('content-disposition'), new RegExp(`attachment; filename="${name}-`));
    assert.equal(x.body.subarray(0, 4).toString('binary'), 'PK\x03\x04');
  }
  const m = await bytes(`/api/v1/reports/vacant-units.xlsx?community_id=${ids.b}`, keys.manager);
  assert.equal(m.status, 404);
});

test('roles and bad input', async () => {
  for (const role of ['staff', 'finance', 'auditor']) {
    const r = await as(role, 'GET', '/api/v1/reports/vacant-units');
    expectError(r, 403);
    expectError(await as(role, 'GET', '/api/v1/reports/household-changes.xlsx'), 403);
  }
  expectError(await as('manager', 'GET', `/api/v1/reports/vacant-units?community_id=${ids.b}`), 404, 'community_not_found');
  expectError(await as('manager', 'GET', `/api/v1/reports/unit-changes?community_id=${ids.b}`), 404, 'community_not_found');
  expectError(await as('bureau', 'GET', '/api/v1/reports/vacant-units?cursor=junk'), 400, 'invalid_cursor', 'cursor');
  expectError(await as('bureau', 'GET', '/api/v1/reports/unit-changes?cursor=junk'), 400, 'invalid_cursor', 'cursor');
  expectError(await as('bureau', 'GET', '/api/v1/reports/unit-changes?from=2026-13-01'), 400, undefined, 'from');
  expectError(await as('bureau', 'GET', '/api/v1/reports/unit-changes?from=2026-05-02&to=2026-05-01'), 400, 'invalid_period', 'to');
  expectError(await as('bureau', 'GET', '/api/v1/reports/household-changes?from=2024-01-01&to=2025-06-01'), 400, 'period_too_long', 'to');
  expectError(await as('bureau', 'GET', '/api/v1/reports/vacant-units?limit=0'), 400, undefined, 'limit');
  expectError(await as('bureau', 'GET', '/api/v1/reports/vacant-units?from=2026-01-01'), 400, undefined, 'from');
});
