// The housing stock over HTTP: owners, operators and agreements, communities
// with their occupancy, buildings and the grid (楼盘表), units and their
// status operations, assets, acceptance checks, and the unit dossier (一房一档).
// Roles (403 for a role not allowed), scope (404 for a unit of another
// community) and bad input (422 credit code, 409 duplicate number, 400 with
// the field) on every route; every response is checked against the OpenAPI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey } from './lib/server.js';

let s;
const keys = {};
const ids = {};

// A valid unified social credit code (GB 32100) from 17 symbols.
const SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function creditCode(prefix17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += SYMBOLS.indexOf(prefix17[i]) * WEIGHTS[i];
  return prefix17 + SYMBOLS[(31 - (sum % 31)) % 31];
}

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

function expectError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  if (code) assert.equal(r.json.error.code, code);
  if (field !== undefined) assert.equal(r.json.error.field, field);
}

before(async () => {
  // Idle connections outlive the pauses while keys are made on the command
  // line, so no request goes out on a socket the server is just closing.
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '30' });
  keys.admin = s.data.token;
  keys.bureau = apikey(s.data.dir, 'bureau', 'housing-bureau', ['--all-communities']);
  keys.security = apikey(s.data.dir, 'security', 'housing-security');
  keys.auditor = apikey(s.data.dir, 'auditor', 'housing-auditor');
  keys.finance = apikey(s.data.dir, 'finance', 'housing-finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'housing-assessor', ['--all-communities']);

  // The pilot's parties and two communities, made by the bureau.
  let r = await as('bureau', 'POST', '/api/v1/owners', { name: '咸宁市城市建设投资集团', credit_code: '91310115591693856A', contact: '张经理 0715-1234567' });
  assert.equal(r.status, 201);
  ids.owner = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/operators', { name: '安居物业服务有限公司', credit_code: creditCode('91421200731123456') });
  assert.equal(r.status, 201);
  ids.operator = r.json.id;
  for (const name of ['南苑公租房', '肖桥公租房']) {
    r = await as('bureau', 'POST', '/api/v1/communities', { name, address: '咸安区', district: '咸安区', owner_id: ids.owner, operator_id: ids.operator });
    assert.equal(r.status, 201);
    ids[name] = r.json.id;
  }
  ids.c1 = ids['南苑公租房'];
  ids.c2 = ids['肖桥公租房'];
  // The operator's people and an inspector see the first community only;
  // other staff the second.
  const one = ['--community', String(ids.c1)];
  keys.operator_manager = apikey(s.data.dir, 'operator_manager', 'housing-opm', one);
  keys.operator_staff = apikey(s.data.dir, 'operator_staff', 'housing-staff', one);
  keys.inspector = apikey(s.data.dir, 'inspector', 'housing-inspector', one);
  keys.other_staff = apikey(s.data.dir, 'operator_staff', 'housing-staff-2', ['--community', String(ids.c2)]);
});
after(async () => { await s.stop(); cleanup(s); });

test('owners and operators: credit codes checked (422), unique (409), bureau only', async () => {
  let r = await as('bureau', 'POST', '/api/v1/owners', { name: '某公司', credit_code: '91310115591693856B' });
  expectError(r, 422, 'credit_code_check_digit', 'credit_code');
  r = await as('bureau', 'POST', '/api/v1/operators', { name: '某公司', credit_code: '9131011559' });
  expectError(r, 422, 'credit_code_length', 'credit_code');
  r = await as('bureau', 'POST', '/api/v1/owners', { name: '某公司', credit_code: '9131011559169385IA' });
  expectError(r, 422, null, 'credit_code');
  r = await as('bureau', 'POST', '/api/v1/owners', { name: '重复', credit_code: '91310115591693856a' });
  expectError(r, 409, 'credit_code_taken', 'credit_code');
  r = await as('bureau', 'POST', '/api/v1/owners', { credit_code: '91310115591693856A' });
  expectError(r, 400, 'missing_field', 'name');
  expectError(await as('operator_manager', 'POST', '/api/v1/owners', { name: 'x', credit_code: creditCode('91421200731123457') }), 403, 'forbidden');

  r = await as('operator_staff', 'GET', '/api/v1/owners');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].credit_code, '91310115591693856A');
  assert.equal(r.json.next, null);
  r = await as('finance', 'GET', '/api/v1/operators?limit=1');
  assert.equal(r.json.items[0].name, '安居物业服务有限公司');
  for (const role of ['admin', 'security', 'auditor']) expectError(await as(role, 'GET', '/api/v1/owners'), 403, 'forbidden');
});

test('a purchase agreement keeps its service items and breach clauses', async () => {
  const body = {
    code: 'XNZJ-2026-001', operator_id: ids.operator, owner_id: ids.owner,
    starts_on: '2026-01-01', ends_on: '2026-12-31', annual_fee_fen: 120000000,
    assessment_rules: '咸宁市公租房运营管理考核办法',
    services: [{ name: '房屋巡查', standard: '每日巡查' }, { name: '租金收缴', standard: '收缴率不低于95%' }],
    breaches: [{ name: '巡查缺失', standard: '每缺一次', deduction_fen: 50000 }, { name: '投诉超时' }],
  };
  let r = await as('bureau', 'POST', '/api/v1/agreements', body);
  assert.equal(r.status, 201);
  ids.agreement = r.json.id;
  assert.equal(r.json.services.length, 2);
  assert.equal(r.json.breaches[0].deduction_fen, 50000);
  assert.equal(r.json.breaches[1].deduction_fen, null);
  assert.equal(r.json.owner_name, '咸宁市城市建设投资集团');

  expectError(await as('bureau', 'POST', '/api/v1/agreements', body), 409, 'agreement_code_taken', 'code');
  expectError(await as('bureau', 'POST', '/api/v1/agreements', { ...body, code: 'X2', ends_on: '2025-01-01' }), 400, null, 'ends_on');
  expectError(await as('bureau', 'POST', '/api/v1/agreements', { ...body, code: 'X2', operator_id: 9999 }), 404, 'operator_not_found', 'operator_id');
  expectError(await as('bureau', 'POST', '/api/v1/agreements', { ...body, code: 'X2', annual_fee_fen: -1 }), 400, 'out_of_range', 'annual_fee_fen');
  expectError(await as('operator_manager', 'POST', '/api/v1/agreements', body), 403);

  r = await as('assessor', 'GET', `/api/v1/agreements/${ids.agreement}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.services.map((x) => x.name), ['房屋巡查', '租金收缴']);
  r = await as('assessor', 'GET', '/api/v1/agreements');
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].services, undefined);
  expectError(await as('assessor', 'GET', '/api/v1/agreements/9999'), 404, 'agreement_not_found');
});

test('buildings and units: created in scope, numbers unique in a community (409), facts checked', async () => {
  // The operator's manager builds in its own community only.
  let r = await as('operator_manager', 'POST', '/api/v1/buildings', { community_id: ids.c1, name: '3', floors: 18, entrances: 2, has_lift: true });
  assert.equal(r.status, 201);
  assert.equal(r.json.units, 0);
  assert.equal(r.json.community_name, '南苑公租房');
  ids.b1 = r.json.id;
  expectError(await as('operator_manager', 'POST', '/api/v1/buildings', { community_id: ids.c2, name: '1', floors: 6, entrances: 1 }), 404, 'community_not_found', 'community_id');
  expectError(await as('operator_staff', 'POST', '/api/v1/buildings', { community_id: ids.c1, name: '4', floors: 6, entrances: 1 }), 403, 'forbidden');
  expectError(await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.c1, name: '3', floors: 6, entrances: 1 }), 409, 'building_name_taken', 'name');
  expectError(await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.c1, name: '4', floors: 0, entrances: 1 }), 400, 'out_of_range', 'floors');
  r = await as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.c2, name: '1', floors: 6, entrances: 1 });
  ids.b2 = r.json.id;

  const unit = { building_id: ids.b1, entrance: 2, floor: 15, number: '3-2-1502', layout: '一室一厅', floor_area: 4520, usable_area: 3610, orientation: '南' };
  r = await as('operator_manager', 'POST', '/api/v1/units', unit);
  assert.equal(r.status, 201);
  assert.equal(r.json.status, 'pending_acceptance');
  assert.equal(r.json.status_title, '待核验');
  assert.equal(r.json.community_id, ids.c1);
  assert.equal(r.json.building_name, '3');
  ids.u1 = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/units', { ...unit, number: '3-2-1501' });
  ids.u2 = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/units', { ...unit, entrance: 1, number: '3-1-1501' });
  ids.u3 = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/units', { ...unit, building_id: ids.b2, entrance: 1, floor: 3, number: '3-2-1502' });
  assert.equal(r.status, 201, 'the same number in another community');
  ids.u4 = r.json.id;

  expectError(await as('bureau', 'POST', '/api/v1/units', unit), 409, 'unit_number_taken', 'number');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', floor: 19 }), 400, 'out_of_range', 'floor');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', entrance: 3 }), 400, 'out_of_range', 'entrance');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', usable_area: 4521 }), 400, 'out_of_range', 'usable_area');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', floor: 0 }), 400, null, 'floor');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', floor_area: '45' }), 400, 'invalid_type', 'floor_area');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, number: 'x', status: 'vacant' }), 400, 'unknown_field', 'status');
  expectError(await as('operator_manager', 'POST', '/api/v1/units', { ...unit, building_id: ids.b2, number: 'y' }), 404, 'building_not_found', 'building_id');
  expectError(await as('bureau', 'POST', '/api/v1/units', { ...unit, building_id: 9999 }), 404, 'building_not_found', 'building_id');
  expectError(await as('operator_staff', 'POST', '/api/v1/units', { ...unit, number: 'z' }), 403);

  r = await as('inspector', 'GET', `/api/v1/buildings?community_id=${ids.c1}`);
  assert.deepEqual(r.json.items.map((b) => [b.name, b.units]), [['3', 3]]);
  expectError(await as('inspector', 'GET', `/api/v1/buildings?community_id=${ids.c2}`), 404, null, 'community_id');
  r = await as('bureau', 'GET', '/api/v1/buildings?limit=1');
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.next, String(ids.b1));
  r = await as('bureau', `GET`, `/api/v1/buildings?limit=1&cursor=${r.json.next}`);
  assert.equal(r.json.items[0].id, ids.b2);
});

test('units are read within the scope: another community\'s unit does not exist (404)', async () => {
  let r = await as('operator_staff', 'GET', `/api/v1/units/${ids.u1}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.number, '3-2-1502');
  assert.equal(r.json.floor_area, 4520);
  expectError(await as('other_staff', 'GET', `/api/v1/units/${ids.u1}`), 404, 'unit_not_found');
  expectError(await as('operator_staff', 'GET', `/api/v1/units/${ids.u4}`), 404, 'unit_not_found');
  expectError(await as('operator_staff', 'GET', '/api/v1/units/999999'), 404, 'unit_not_found');
  expectError(await as('operator_staff', 'GET', '/api/v1/units/abc'), 404);
  for (const role of ['admin', 'security', 'auditor']) expectError(await as(role, 'GET', `/api/v1/units/${ids.u1}`), 403, 'forbidden');

  r = await as('operator_staff', 'GET', '/api/v1/units');
  assert.deepEqual(r.json.items.map((u) => u.id), [ids.u1, ids.u2, ids.u3]);
  r = await as('bureau', 'GET', '/api/v1/units?limit=2');
  assert.equal(r.json.items.length, 2);
  r = await as('bureau', 'GET', `/api/v1/units?limit=2&cursor=${r.json.next}`);
  assert.deepEqual(r.json.items.map((u) => u.id), [ids.u3, ids.u4]);
  assert.equal(r.json.next, null);
  r = await as('bureau', 'GET', `/api/v1/units?building_id=${ids.b2}`);
  assert.deepEqual(r.json.items.map((u) => u.id), [ids.u4]);
  r = await as('bureau', 'GET', `/api/v1/units?community_id=${ids.c1}&status=pending_acceptance`);
  assert.equal(r.json.items.length, 3);
  r = await as('bureau', 'GET', `/api/v1/units?community_id=${ids.c1}&status=vacant`);
  assert.equal(r.json.items.length, 0);
  expectError(await as('other_staff', 'GET', `/api/v1/units?community_id=${ids.c1}`), 404, 'community_not_found', 'community_id');
  expectError(await as('other_staff', 'GET', `/api/v1/units?building_id=${ids.b1}`), 404, 'building_not_found', 'building_id');
  expectError(await as('bureau', 'GET', '/api/v1/units?status=rented'), 400, null, 'status');
  expectError(await as('bureau', 'GET', '/api/v1/units?community_id=x'), 400, null, 'community_id');
  expectError(await as('bureau', 'GET', '/api/v1/units?limit=201'), 400, null, 'limit');
  expectError(await as('bureau', 'GET', '/api/v1/units?cursor=-3'), 400, 'invalid_cursor', 'cursor');
});

test('PATCH changes a unit\'s facts, never its status', async () => {
  let r = await as('operator_manager', 'PATCH', `/api/v1/units/${ids.u2}`, { layout: '两室一厅', floor_area: 5600, usable_area: 4400 });
  assert.equal(r.status, 200);
  assert.equal(r.json.layout, '两室一厅');
  assert.equal(r.json.usable_area, 4400);
  expectError(await as('operator_manager', 'PATCH', `/api/v1/units/${ids.u2}`, { usable_area: 5601 }), 400, 'out_of_range', 'usable_area');
  expectError(await as('operator_manager', 'PATCH', `/api/v1/units/${ids.u2}`, { status: 'vacant' }), 400, 'unknown_field', 'status');
  expectError(await as('operator_manager', 'PATCH', `/api/v1/units/${ids.u4}`, { layout: 'x' }), 404, 'unit_not_found');
  expectError(await as('operator_staff', 'PATCH', `/api/v1/units/${ids.u2}`, { layout: 'x' }), 403);
});

test('assets in a unit and in common parts; condition and warranty updated', async () => {
  let r = await as('operator_staff', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.u1, type: '热水器', brand: '美的', model: 'F60-21', condition: 'good', warranty_end: '2029-06-30' });
  assert.equal(r.status, 201);
  assert.equal(r.json.community_id, ids.c1);
  assert.equal(r.json.building_id, ids.b1);
  assert.equal(r.json.quantity, 1);
  ids.a1 = r.json.id;
  r = await as('operator_staff', 'POST', '/api/v1/assets', { location: 'entrance', building_id: ids.b1, entrance: 2, place: '2单元', type: '电梯', condition: 'good' });
  assert.equal(r.status, 201);
  assert.equal(r.json.unit_id, null);
  ids.a2 = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/assets', { location: 'community', community_id: ids.c2, type: '消防栓', quantity: 12, condition: 'fair' });
  assert.equal(r.status, 201);
  ids.a3 = r.json.id;

  expectError(await as('operator_staff', 'POST', '/api/v1/assets', { location: 'unit', type: '空调', condition: 'good' }), 400, 'missing_field', 'unit_id');
  expectError(await as('operator_staff', 'POST', '/api/v1/assets', { location: 'entrance', building_id: ids.b1, entrance: 3, type: '电梯', condition: 'good' }), 400, 'out_of_range', 'entrance');
  expectError(await as('operator_staff', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.u4, type: '空调', condition: 'good' }), 404, 'unit_not_found', 'unit_id');
  expectError(await as('operator_staff', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.u1, type: '空调', condition: 'new' }), 400, null, 'condition');
  expectError(await as('finance', 'POST', '/api/v1/assets', { location: 'unit', unit_id: ids.u1, type: '空调', condition: 'good' }), 403);

  r = await as('operator_staff', 'PATCH', `/api/v1/assets/${ids.a1}`, { condition: 'poor', quantity: 2 });
  assert.equal(r.status, 200);
  assert.equal(r.json.condition, 'poor');
  assert.equal(r.json.warranty_end, '2029-06-30');
  r = await as('operator_staff', 'PATCH', `/api/v1/assets/${ids.a1}`, { warranty_end: null });
  assert.equal(r.json.warranty_end, null);
  assert.equal(r.json.quantity, 2);
  expectError(await as('operator_staff', 'PATCH', `/api/v1/assets/${ids.a3}`, { condition: 'good' }), 404, 'asset_not_found');
  expectError(await as('operator_staff', 'PATCH', `/api/v1/assets/${ids.a1}`, { type: '空调' }), 400, 'unknown_field', 'type');

  r = await as('inspector', 'GET', `/api/v1/assets?unit_id=${ids.u1}`);
  assert.deepEqual(r.json.items.map((a) => a.id), [ids.a1]);
  r = await as('inspector', 'GET', `/api/v1/assets?building_id=${ids.b1}`);
  assert.deepEqual(r.json.items.map((a) => a.id), [ids.a1, ids.a2]);
  r = await as('inspector', 'GET', '/api/v1/assets');
  assert.deepEqual(r.json.items.map((a) => a.id), [ids.a1, ids.a2]);
  r = await as('bureau', 'GET', `/api/v1/assets?community_id=${ids.c2}`);
  assert.deepEqual(r.json.items.map((a) => a.id), [ids.a3]);
  expectError(await as('inspector', 'GET', `/api/v1/assets?community_id=${ids.c2}`), 404);
  r = await as('inspector', 'GET', `/api/v1/assets/${ids.a2}`);
  assert.equal(r.json.type, '电梯');
  expectError(await as('inspector', 'GET', `/api/v1/assets/${ids.a3}`), 404, 'asset_not_found');
});

test('acceptance: operator staff sign, the bureau confirms or returns; only then is the unit vacant', async () => {
  const items = [
    { room: '客厅', item: '墙面', condition: 'good' },
    { room: '卫生间', asset_id: ids.a1, condition: 'fair', notes: '外壳划痕' },
  ];
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/acceptance`, { items: [] }), 400, null, 'items');
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/acceptance`, { items: [{ room: '厨房', condition: 'good' }] }), 400, 'missing_field', 'items[0].item');
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u2}/acceptance`, { items: [{ room: '厨房', asset_id: ids.a1, condition: 'good' }] }), 400, 'asset_not_in_unit', 'items[0].asset_id');
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u4}/acceptance`, { items }), 404, 'unit_not_found');
  expectError(await as('bureau', 'POST', `/api/v1/units/${ids.u1}/acceptance`, { items }), 403);

  let r = await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/acceptance`, { notes: '交付核验', items });
  assert.equal(r.status, 201);
  assert.equal(r.json.state, 'draft');
  assert.equal(r.json.items[1].item, '热水器');
  assert.equal(r.json.unit_number, '3-2-1502');
  ids.k1 = r.json.id;
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/acceptance`, { items }), 409, 'acceptance_exists');

  r = await as('bureau', 'GET', '/api/v1/acceptance-checks?state=draft');
  assert.deepEqual(r.json.items.map((k) => k.id), [ids.k1]);
  r = await as('operator_staff', 'GET', `/api/v1/acceptance-checks?community_id=${ids.c1}`);
  assert.equal(r.json.items.length, 1);
  r = await as('other_staff', 'GET', '/api/v1/acceptance-checks');
  assert.equal(r.json.items.length, 0);
  expectError(await as('other_staff', 'GET', `/api/v1/acceptance-checks/${ids.k1}`), 404, 'acceptance_not_found');
  expectError(await as('other_staff', 'POST', `/api/v1/acceptance-checks/${ids.k1}/sign`), 404, 'acceptance_not_found');

  expectError(await as('bureau', 'POST', `/api/v1/acceptance-checks/${ids.k1}/confirm`), 409, 'acceptance_state');
  expectError(await as('bureau', 'POST', `/api/v1/acceptance-checks/${ids.k1}/sign`), 403);
  r = await as('operator_staff', 'POST', `/api/v1/acceptance-checks/${ids.k1}/sign`);
  assert.equal(r.status, 200);
  assert.equal(r.json.state, 'signed');
  assert.equal(r.json.signed_by, 'housing-staff');
  expectError(await as('operator_staff', 'POST', `/api/v1/acceptance-checks/${ids.k1}/confirm`), 403);
  expectError(await as('bureau', 'POST', `/api/v1/acceptance-checks/${ids.k1}/return`, {}), 400, 'missing_field', 'note');
  r = await as('bureau', 'POST', `/api/v1/acceptance-checks/${ids.k1}/return`, { note: '缺卫生间照片' });
  assert.equal(r.json.state, 'draft');
  assert.equal(r.json.returned_note, '缺卫生间照片');
  assert.equal((await as('bureau', 'GET', `/api/v1/units/${ids.u1}`)).json.status, 'pending_acceptance');
  await as('operator_manager', 'POST', `/api/v1/acceptance-checks/${ids.k1}/sign`);
  assert.equal((await as('bureau', 'GET', `/api/v1/units/${ids.u1}`)).json.status, 'pending_acceptance');
  r = await as('bureau', 'POST', `/api/v1/acceptance-checks/${ids.k1}/confirm`);
  assert.equal(r.status, 200);
  assert.equal(r.json.state, 'confirmed');
  assert.ok(r.json.confirmed_at);
  r = await as('bureau', 'GET', `/api/v1/units/${ids.u1}`);
  assert.equal(r.json.status, 'vacant');
  r = await as('finance', 'GET', `/api/v1/acceptance-checks/${ids.k1}`);
  assert.equal(r.json.items.length, 2);
  expectError(await as('finance', 'GET', '/api/v1/acceptance-checks?state=closed'), 400, null, 'state');
});

test('status operations: repair flag, disable and enable, each by its roles', async () => {
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u2}/repair`, { reason: '漏水' }), 409, 'unit_status');
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/repair`, {}), 400, 'missing_field', 'reason');
  let r = await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/repair`, { reason: '卫生间漏水' });
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'under_repair');
  assert.equal(r.json.status_before, 'vacant');
  r = await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/repair-done`, { reason: '已修复' });
  assert.equal(r.json.status, 'vacant');
  assert.equal(r.json.status_before, null);
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/repair-done`, { reason: '已修复' }), 409, 'unit_status');
  expectError(await as('operator_staff', 'POST', `/api/v1/units/${ids.u1}/disable`, { reason: '停用' }), 403);
  expectError(await as('other_staff', 'POST', `/api/v1/units/${ids.u1}/repair`, { reason: '漏水' }), 404, 'unit_not_found');
  r = await as('bureau', 'POST', `/api/v1/units/${ids.u2}/disable`, { reason: '结构安全检测' });
  assert.equal(r.json.status, 'disabled');
  assert.equal(r.json.status_before, 'pending_acceptance');
  expectError(await as('bureau', 'POST', `/api/v1/units/${ids.u2}/disable`, { reason: '再次' }), 409, 'unit_status');
  r = await as('bureau', 'POST', `/api/v1/units/${ids.u2}/enable`, { reason: '检测合格' });
  assert.equal(r.json.status, 'pending_acceptance');
  expectError(await as('bureau', 'POST', `/api/v1/units/${ids.u2}/enable`, { reason: '再次' }), 409, 'unit_status');
});

test('communities show units per status and the occupancy', async () => {
  let r = await as('bureau', 'GET', '/api/v1/communities');
  assert.equal(r.status, 200);
  const c1 = r.json.items.find((c) => c.id === ids.c1);
  assert.deepEqual(c1.units, { total: 3, pending_acceptance: 2, vacant: 1, allocated: 0, occupied: 0, under_repair: 0, disabled: 0 });
  assert.equal(c1.occupancy_permille, 0);
  assert.equal(c1.operator_name, '安居物业服务有限公司');
  r = await as('operator_staff', 'GET', '/api/v1/communities');
  assert.deepEqual(r.json.items.map((c) => c.id), [ids.c1]);
  r = await as('operator_staff', 'GET', `/api/v1/communities/${ids.c1}`);
  assert.deepEqual(r.json.buildings.map((b) => b.id), [ids.b1]);
  expectError(await as('operator_staff', 'GET', `/api/v1/communities/${ids.c2}`), 404, 'community_not_found');
  expectError(await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' }), 409, 'community_name_taken', 'name');
  expectError(await as('operator_manager', 'POST', '/api/v1/communities', { name: '长安花苑公租房' }), 403);
  expectError(await as('bureau', 'POST', '/api/v1/communities', { name: '长安花苑公租房', agreement_id: 999 }), 404, 'agreement_not_found', 'agreement_id');
});

test('community names: every one for admin and security (to grant scopes), the scope for others', async () => {
  for (const role of ['admin', 'security']) {
    const r = await as(role, 'GET', '/api/v1/community-names');
    assert.equal(r.status, 200);
    const names = r.json.items.map((c) => c.name);
    assert.ok(names.includes('南苑公租房') && names.includes('肖桥公租房'), `${role}: ${names}`);
    assert.deepEqual(Object.keys(r.json.items[0]).sort(), ['id', 'name'], 'names only, no business data');
  }
  const r = await as('operator_manager', 'GET', '/api/v1/community-names');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((c) => c.id), [ids.c1]);
  assert.equal((await as('auditor', 'GET', '/api/v1/community-names')).status, 403);
  assert.equal((await as('admin', 'GET', '/api/v1/communities')).status, 403);
});

test('the building grid: floors top first, units by entrance and number', async () => {
  let r = await as('operator_staff', 'GET', `/api/v1/buildings/${ids.b1}/grid`);
  assert.equal(r.status, 200);
  assert.equal(r.json.building.id, ids.b1);
  assert.equal(r.json.floors.length, 18);
  assert.deepEqual(r.json.floors.map((f) => f.floor).slice(0, 4), [18, 17, 16, 15]);
  const f15 = r.json.floors[3];
  assert.deepEqual(f15.units.map((u) => [u.number, u.entrance, u.column]), [['3-1-1501', 1, 0], ['3-2-1501', 2, 0], ['3-2-1502', 2, 1]]);
  assert.equal(f15.units.find((u) => u.id === ids.u1).status, 'vacant');
  assert.deepEqual(r.json.entrances, [{ entrance: 1, columns: 1 }, { entrance: 2, columns: 2 }]);
  assert.equal(r.json.floors[17].floor, 1);
  expectError(await as('other_staff', 'GET', `/api/v1/buildings/${ids.b1}/grid`), 404, 'building_not_found');
  expectError(await as('admin', 'GET', `/api/v1/buildings/${ids.b1}/grid`), 403);
});

test('the unit dossier: the unit, its building, assets, acceptance, attachments and timeline', async () => {
  // A photo attached to the unit shows up in its dossier.
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  let r = await s.api('POST', `/api/v1/attachments?owner_type=unit&owner_id=${ids.u1}&category=other&filename=${encodeURIComponent('核验表.pdf')}`,
    { raw: pdf, headers: { 'Content-Type': 'application/pdf' }, token: keys.operator_staff });
  assert.equal(r.status, 201, r.text);

  r = await as('operator_staff', 'GET', `/api/v1/units/${ids.u1}/dossier`);
  assert.equal(r.status, 200);
  const d = r.json;
  assert.equal(d.unit.id, ids.u1);
  assert.equal(d.building.id, ids.b1);
  assert.deepEqual(d.community, { id: ids.c1, name: '南苑公租房' });
  assert.deepEqual(d.assets.map((a) => a.id), [ids.a1]);
  assert.equal(d.acceptance.id, ids.k1);
  assert.equal(d.acceptance.items.length, 2);
  assert.equal(d.attachments.length, 1);
  assert.equal(d.attachments[0].filename, '核验表.pdf');
  const actions = d.timeline.map((ev) => ev.action);
  for (const a of ['unit.create', 'unit.status', 'asset.create', 'asset.update', 'acceptance.open', 'acceptance.sign', 'acceptance.return', 'acceptance.confirm', 'attachment.add']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  // Newest first.
  const at = d.timeline.map((ev) => ev.at);
  assert.deepEqual(at, [...at].sort().reverse());
  const confirm = d.timeline.find((ev) => ev.action === 'unit.status' && ev.detail.after.status === 'vacant' && ev.detail.before.status === 'pending_acceptance');
  assert.equal(confirm.detail.after.reason, '分户核验已确认');

  r = await as('operator_staff', 'GET', `/api/v1/units/${ids.u1}/dossier?timeline_limit=2`);
  assert.equal(r.json.timeline.length, 2);
  r = await as('bureau', 'GET', `/api/v1/units/${ids.u4}/dossier`);
  assert.equal(r.json.acceptance, null);
  assert.deepEqual(r.json.assets, []);
  expectError(await as('other_staff', 'GET', `/api/v1/units/${ids.u1}/dossier`), 404, 'unit_not_found');
  expectError(await as('bureau', 'GET', `/api/v1/units/${ids.u1}/dossier?timeline_limit=0`), 400, null, 'timeline_limit');
  expectError(await as('auditor', 'GET', `/api/v1/units/${ids.u1}/dossier`), 403);
});

test('every housing route refuses the roles outside its contract (403)', async () => {
  const roles = ['admin', 'security', 'auditor', 'bureau', 'operator_manager', 'operator_staff', 'finance', 'inspector', 'assessor'];
  const prefixes = ['/api/v1/owners', '/api/v1/operators', '/api/v1/agreements', '/api/v1/communities', '/api/v1/buildings', '/api/v1/units', '/api/v1/assets', '/api/v1/acceptance-checks'];
  let checked = 0;
  for (const [path, item] of Object.entries(s.openapi.paths)) {
    if (!prefixes.some((p) => path.startsWith(p))) continue;
    for (const [method, op] of Object.entries(item)) {
      assert.ok(op['x-roles'].length > 0);
      assert.ok(!op['x-roles'].includes('tenant'), `${method} ${path} is not a tenant's`);
      for (const role of roles.filter((x) => !op['x-roles'].includes(x))) {
        const r = await as(role, method.toUpperCase(), path.replace(/\{[^}]+\}/g, String(ids.u1)), method === 'get' ? undefined : {});
        assert.equal(r.status, 403, `${role} ${method} ${path}: ${r.status}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `${checked} combinations`);
  // Nothing was written by the refused calls.
  const r = await as('bureau', 'GET', `/api/v1/units/${ids.u1}`);
  assert.equal(r.json.status, 'vacant');
});

test('a unit created with an Idempotency-Key, repeated, is replayed and not made twice', async () => {
  // The unit's reply is written as JSON text, which is what is kept for the key.
  const once = { building_id: ids.b2, entrance: 1, floor: 4, number: '3-2-1602', layout: '一室一厅', floor_area: 4520, usable_area: 3610, orientation: '南' };
  const h = { 'Idempotency-Key': 'housing-unit-once' };
  const a = await s.api('POST', '/api/v1/units', { body: once, token: keys.bureau, headers: h });
  const b = await s.api('POST', '/api/v1/units', { body: once, token: keys.bureau, headers: h });
  assert.equal(a.status, 201, JSON.stringify(a.json));
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(b.json, a.json);
  const r = await as('bureau', 'GET', `/api/v1/units?building_id=${ids.b2}&limit=200`);
  assert.equal(r.json.items.filter((u) => u.number === '3-2-1602').length, 1);
});
