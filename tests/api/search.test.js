// The search box: POST /api/v1/search {"q"} by name prefix, phone, ID number
// and unit number, at most 20 of each, within the caller's scope; tenants
// and the three powers do not search; the query never reaches the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey } from './lib/server.js';

let s;
const keys = {};
const ids = {};

function idNumber(birth, seq) {
  const d17 = '990101' + birth + String(seq).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });
const search = async (role, q) => {
  const r = await as(role, 'POST', '/api/v1/search', { q });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

const HEAD_A = idNumber('19850307', 11);
const HEAD_B = idNumber('19700101', 41);

before(async () => {
  // Keys are made on the command line between requests: keep-alive outlives it.
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60', log_level: 'debug' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  for (const [k, name] of [['a', '南苑公租房'], ['b', '肖桥公租房']]) {
    const r = await as('bureau', 'POST', '/api/v1/communities', { name });
    assert.equal(r.status, 201, r.text);
    ids[k] = r.json.id;
  }
  keys.staff = apikey(s.data.dir, 'operator_staff', 'staff-a', ['--community', String(ids.a)]);
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  keys.admin = s.data.token;
  // Units 3-2-1501, 3-2-1502 and 3-1-0101 in each community.
  for (const k of ['a', 'b']) {
    let r = await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids[k], name: '3', floors: 18, entrances: 2 });
    assert.equal(r.status, 201, r.text);
    const building = r.json.id;
    for (const [entrance, floor, number] of [[2, 15, '3-2-1501'], [2, 15, '3-2-1502'], [1, 1, '3-1-0101']]) {
      r = await as('bureau', 'POST', '/api/v1/units', { building_id: building, entrance, floor, number, layout: '一室一厅', floor_area: 4500, usable_area: 3600 });
      assert.equal(r.status, 201, r.text);
    }
  }
  // Households: 王伟 (a, with 李芳), 王小二 (b, the same phone as 王伟).
  let r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', members: [
      { name: '王伟', id_number: HEAD_A, phone: '13800138000', relationship: 'head' },
      { name: '李芳', id_number: idNumber('19901231', 22), relationship: 'spouse' },
    ],
  });
  assert.equal(r.status, 201, r.text);
  ids.ha = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.b, category: 'migrant_worker', members: [
      { name: '王小二', id_number: HEAD_B, phone: '138 0013 8000', relationship: 'head' },
    ],
  });
  assert.equal(r.status, 201, r.text);
  ids.hb = r.json.id;
  // 25 more 赵 in community a, for the cap of 20.
  for (let i = 0; i < 25; i++) {
    r = await as('bureau', 'POST', '/api/v1/households', {
      community_id: ids.a, category: 'new_employee',
      members: [{ name: `赵${String.fromCharCode(0x4e00 + i)}`, id_number: idNumber('19950101', 100 + i), relationship: 'head' }],
    });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await s.stop(); cleanup(s); });

test('by name prefix, scoped, with the households of the people found', async () => {
  let r = await search('bureau', '王');
  assert.equal(r.kind, 'name');
  assert.deepEqual(r.persons.map((p) => p.name).sort(), ['王伟', '王小二']);
  assert.deepEqual(r.households.map((h) => h.id).sort((x, y) => x - y), [ids.ha, ids.hb]);
  const h = r.households.find((x) => x.id === ids.ha);
  assert.equal(h.head_name, '王伟');
  assert.equal(h.community_name, '南苑公租房');
  assert.equal(h.category_name, '城镇中等偏下收入住房困难家庭');
  assert.equal(h.head_phone, '138****8000');
  // The head was found too: the household shows the same masked values as the person.
  const head = r.persons.find((p) => p.name === '王伟');
  assert.equal(h.head_id_number, head.id_number);
  assert.equal(h.head_phone, head.phone);
  r = await search('staff', '王');
  assert.deepEqual(r.persons.map((p) => p.name), ['王伟']);
  assert.deepEqual(r.households.map((x) => x.id), [ids.ha]);
  r = await search('bureau', '王小');
  assert.deepEqual(r.persons.map((p) => p.name), ['王小二']);
  r = await search('staff', '王小');
  assert.equal(r.persons.length, 0);
  r = await search('bureau', '李');
  assert.equal(r.persons.length, 1);
  assert.equal(r.households[0].id, ids.ha, 'a member leads to the household');
  assert.equal(r.households[0].head_phone, '138****8000', 'a head not among the people found');
  assert.match(r.households[0].head_id_number, /^\d{3}\*+\d{3}[\dX]$/);
  r = await search('bureau', '钱');
  assert.equal(r.persons.length + r.households.length + r.units.length, 0);
  // At most 20 of a kind.
  r = await search('staff', '赵');
  assert.equal(r.persons.length, 20);
  assert.equal(r.households.length, 20);
});

test('by phone: exact through the blind index, however it is written', async () => {
  let r = await search('bureau', '138-0013-8000');
  assert.equal(r.kind, 'phone');
  assert.deepEqual(r.persons.map((p) => p.name).sort(), ['王伟', '王小二']);
  assert.equal(r.households.length, 2);
  r = await search('staff', '13800138000');
  assert.deepEqual(r.persons.map((p) => p.name), ['王伟']);
  r = await search('bureau', '13800138001');
  assert.equal(r.persons.length, 0);
});

test('by ID number: exact, in scope, never echoed in clear', async () => {
  let r = await as('bureau', 'POST', '/api/v1/search', { q: HEAD_B });
  assert.equal(r.json.kind, 'id_number');
  assert.deepEqual(r.json.persons.map((p) => p.name), ['王小二']);
  assert.deepEqual(r.json.households.map((h) => h.id), [ids.hb]);
  assert.ok(!r.text.includes(HEAD_B));
  r = await as('staff', 'POST', '/api/v1/search', { q: HEAD_B });
  assert.equal(r.json.persons.length, 0, 'outside the scope');
  r = await as('staff', 'POST', '/api/v1/search', { q: HEAD_A.toLowerCase() });
  assert.deepEqual(r.json.persons.map((p) => p.name), ['王伟']);
  assert.equal((await search('finance', HEAD_A)).persons.length, 1);
  // Neither the body nor the value is ever logged.
  await s.waitLog(/POST \/api\/v1\/search/);
  assert.ok(!s.log.includes(HEAD_B) && !s.log.includes('13800138000'));
});

test('by unit number prefix, scoped', async () => {
  let r = await search('bureau', '3-2-150');
  assert.equal(r.kind, 'unit_number');
  assert.equal(r.units.length, 4);
  r = await search('staff', '3-2-150');
  assert.deepEqual(r.units.map((u) => u.number).sort(), ['3-2-1501', '3-2-1502']);
  assert.ok(r.units.every((u) => u.community_id === ids.a));
  r = await search('staff', '3-1-0101');
  assert.equal(r.units.length, 1);
  r = await search('staff', '3');
  assert.equal(r.units.length, 3);
  r = await search('staff', '9-9');
  assert.equal(r.units.length, 0);
});

test('who may search, and bad queries', async () => {
  for (const role of ['auditor', 'admin']) {
    assert.equal((await as(role, 'POST', '/api/v1/search', { q: '王' })).status, 403, role);
  }
  assert.equal((await as('assessor', 'POST', '/api/v1/search', { q: '王' })).status, 200);
  let r = await as('bureau', 'POST', '/api/v1/search', { q: '' });
  assert.equal(r.status, 400);
  r = await as('bureau', 'POST', '/api/v1/search', { q: '   ' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'q');
  r = await as('bureau', 'POST', '/api/v1/search', { q: 'x'.repeat(65) });
  assert.equal(r.status, 400);
  r = await as('bureau', 'POST', '/api/v1/search', {});
  assert.equal(r.status, 400);
  r = await as('bureau', 'POST', '/api/v1/search', { q: '王', extra: 1 });
  assert.equal(r.status, 400);
  r = await s.api('GET', '/api/v1/search', { token: keys.bureau });
  assert.equal(r.status, 405);
});
