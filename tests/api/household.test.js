// Households, members, people and the household dossier: every route, 403
// for a role not allowed, 404 outside the scope, a tenant who sees only its
// own household, masked personal data everywhere (the OpenAPI patterns check
// every answer), and the audited, rate-limited reveal (429 after the limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, run } from './lib/server.js';

const LIMIT = 3; // reveal_per_hour for this server
let s;
const keys = {};
const ids = {};

// A resident ID number that passes the check (region 99: nobody's).
function idNumber(birth, seq) {
  const d17 = '990101' + birth + String(seq).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const P = {
  head: idNumber('19850307', 11), // male
  spouse: idNumber('19901231', 22), // female
  child: idNumber('20150601', 31),
  other: idNumber('19700101', 41),
  tenantless: idNumber('19800202', 51),
};

// A browser-like client of a tenant account: cookie and CSRF token.
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
  async call(method, path, body) {
    const headers = { Cookie: `anju_session=${this.cookie}` };
    if (method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, headers, token: null });
  }
}

// A tenant account for the person with that ID number, signed in with a
// changed password.
async function tenant(username, idnum) {
  const out = run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', 'tenant',
    '--person-id-number', idnum, '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const t = new Session(s);
  assert.equal((await t.login(username, pw)).status, 201);
  assert.equal((await t.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Tenant-Home-88' })).status, 200);
  assert.equal((await t.login(username, 'Tenant-Home-88')).status, 201);
  return t;
}

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

function household(community, members, extra = {}) {
  return { community_id: community, category: 'low_income', hukou: '咸宁市咸安区', employer: '咸宁市某公司',
    monthly_income_fen: 250000, assets_fen: 0, current_housing: '租住', members, ...extra };
}

before(async () => {
  // Keys are made on the command line between requests: keep-alive outlives it.
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60', reveal_per_hour: String(LIMIT) });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  assert.equal(r.status, 201, r.text);
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.staff = apikey(s.data.dir, 'operator_staff', 'staff-a', ['--community', String(ids.a)]);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.inspector = apikey(s.data.dir, 'inspector', 'inspector-a', ['--community', String(ids.a)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  keys.admin = s.data.token;
});
after(async () => { await s.stop(); cleanup(s); });

test('household categories: anyone in business reads, the bureau adds and changes', async () => {
  let r = await as('staff', 'GET', '/api/v1/household-categories');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((c) => c.code), ['low_income', 'new_employee', 'migrant_worker']);
  const cat = { code: 'veteran', name: '优抚对象', priority: 5 };
  assert.equal((await as('staff', 'POST', '/api/v1/household-categories', cat)).status, 403);
  assert.equal((await as('auditor', 'GET', '/api/v1/household-categories')).status, 403);
  r = await as('bureau', 'POST', '/api/v1/household-categories', cat);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.active, true);
  r = await as('bureau', 'POST', '/api/v1/household-categories', cat);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'category_exists');
  r = await as('bureau', 'POST', '/api/v1/household-categories', { ...cat, code: 'veteran2' });
  assert.equal(r.json.error.code, 'category_name_taken');
  r = await as('bureau', 'PATCH', '/api/v1/household-categories/veteran', { priority: 40, active: false });
  assert.equal(r.status, 200);
  assert.equal(r.json.priority, 40);
  assert.equal(r.json.active, false);
  assert.equal((await as('bureau', 'PATCH', '/api/v1/household-categories/nothing', { priority: 1 })).status, 404);
  assert.equal((await as('manager', 'PATCH', '/api/v1/household-categories/veteran', { priority: 1 })).status, 403);
  r = await as('staff', 'GET', '/api/v1/household-categories');
  assert.equal(r.json.items.at(-1).code, 'veteran');
  // An inactive category takes no new household.
  r = await as('staff', 'POST', '/api/v1/households',
    household(ids.a, [{ name: '周八', id_number: idNumber('19750505', 91), relationship: 'head' }], { category: 'veteran' }));
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'category_inactive');
});

test('a household is registered with its members, masked in every answer', async () => {
  const members = [
    { name: '王伟', id_number: P.head, phone: '138-0013-8000', relationship: 'head' },
    { name: '李芳', id_number: P.spouse, relationship: 'spouse' },
  ];
  // Bad input: the member's field; one head; roles; scope.
  const bad = structuredClone(members);
  bad[1].id_number = P.spouse.slice(0, 17) + (P.spouse[17] === '0' ? '1' : '0');
  let r = await as('staff', 'POST', '/api/v1/households', household(ids.a, bad));
  assert.equal(r.status, 422, 'a number failing GB 11643 is a 422');
  assert.equal(r.json.error.field, 'members[1].id_number');
  r = await as('staff', 'POST', '/api/v1/households', household(ids.a, members.map((m) => ({ ...m, relationship: 'head' }))));
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'members[1].relationship');
  r = await as('staff', 'POST', '/api/v1/households', household(ids.a, [{ ...members[0], relationship: 'spouse' }]));
  assert.equal(r.json.error.code, 'head_required');
  r = await as('staff', 'POST', '/api/v1/households', household(ids.a, [{ ...members[0], relationship: 'uncle' }]));
  assert.equal(r.status, 400);
  for (const role of ['finance', 'inspector', 'assessor', 'auditor', 'admin']) {
    assert.equal((await as(role, 'POST', '/api/v1/households', household(ids.a, members))).status, 403, role);
  }
  r = await as('staff', 'POST', '/api/v1/households', household(ids.b, members));
  assert.equal(r.status, 404, 'a community outside the scope does not exist');
  r = await as('staff', 'POST', '/api/v1/households', household(999999, members));
  assert.equal(r.status, 404);

  r = await as('staff', 'POST', '/api/v1/households', household(ids.a, members));
  assert.equal(r.status, 201, r.text);
  ids.h = r.json.id;
  assert.equal(r.json.member_count, 2);
  assert.equal(r.json.community_name, '南苑公租房');
  assert.equal(r.json.category_name, '城镇中等偏下收入住房困难家庭');
  const head = r.json.members[0];
  assert.equal(head.relationship, 'head');
  assert.equal(r.json.head_member_id, head.id);
  assert.equal(head.person.id_number, P.head.slice(0, 3) + '*'.repeat(11) + P.head.slice(14));
  assert.equal(head.person.phone, '138****8000');
  assert.equal(head.person.birth_date, '1985-03-07');
  assert.equal(head.person.sex, 'male');
  assert.equal(r.json.members[1].person.sex, 'female');
  assert.ok(!r.text.includes(P.head) && !r.text.includes('13800138000'), 'nothing in clear');
  ids.headPerson = head.person_id;
  ids.headMember = head.id;
  ids.spousePerson = r.json.members[1].person_id;
  ids.spouseMember = r.json.members[1].id;

  // The same person in a second household: 409 with the member's field.
  r = await as('staffB', 'POST', '/api/v1/households', household(ids.b, [{ name: '李芳', id_number: P.spouse, relationship: 'head' }]));
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'member_active_elsewhere');
  assert.equal(r.json.error.field, 'members[0].id_number');
  r = await as('staffB', 'POST', '/api/v1/households', household(ids.b, [{ name: '张三', id_number: P.other, phone: '13900001111', relationship: 'head' }]));
  assert.equal(r.status, 201);
  ids.hb = r.json.id;
  ids.otherPerson = r.json.members[0].person_id;
});

test('lists, details and changes follow the scope', async () => {
  let r = await as('staff', 'GET', '/api/v1/households');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((h) => h.id), [ids.h]);
  const item = r.json.items[0];
  assert.equal(item.head_name, '王伟');
  assert.equal(item.head_phone, '138****8000');
  assert.equal(item.member_count, 2);
  assert.equal(item.category_name, '城镇中等偏下收入住房困难家庭');
  r = await as('bureau', 'GET', '/api/v1/households?limit=1');
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.next, String(ids.h));
  r = await as('bureau', 'GET', `/api/v1/households?limit=1&cursor=${r.json.next}`);
  assert.deepEqual(r.json.items.map((h) => h.id), [ids.hb]);
  r = await as('bureau', 'GET', `/api/v1/households?community_id=${ids.b}&state=active&category=low_income`);
  assert.deepEqual(r.json.items.map((h) => h.id), [ids.hb]);
  r = await as('bureau', 'GET', '/api/v1/households?category=new_employee');
  assert.equal(r.json.items.length, 0);
  for (const role of ['finance', 'inspector', 'assessor']) {
    assert.equal((await as(role, 'GET', `/api/v1/households/${ids.h}`)).status, 200, role);
  }
  for (const role of ['auditor', 'admin']) {
    assert.equal((await as(role, 'GET', '/api/v1/households')).status, 403, role);
    assert.equal((await as(role, 'GET', `/api/v1/households/${ids.h}`)).status, 403, role);
  }
  assert.equal((await as('staff', 'GET', `/api/v1/households/${ids.hb}`)).status, 404);
  assert.equal((await as('inspector', 'GET', `/api/v1/households/${ids.hb}`)).status, 404);
  assert.equal((await as('staff', 'GET', '/api/v1/households/999999')).status, 404);
  assert.equal((await as('staff', 'GET', '/api/v1/households/abc')).status, 404);

  r = await as('staff', 'PATCH', `/api/v1/households/${ids.h}`, { employer: '咸宁市新单位', monthly_income_fen: 300000, category: 'new_employee' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.employer, '咸宁市新单位');
  assert.equal(r.json.category, 'new_employee');
  assert.equal((await as('staff', 'PATCH', `/api/v1/households/${ids.hb}`, { employer: 'x' })).status, 404);
  assert.equal((await as('finance', 'PATCH', `/api/v1/households/${ids.h}`, { employer: 'x' })).status, 403);
  r = await as('staff', 'PATCH', `/api/v1/households/${ids.h}`, { category: 'nothing' });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.field, 'category');
  r = await as('staff', 'PATCH', `/api/v1/households/${ids.h}`, { monthly_income_fen: -5 });
  assert.equal(r.status, 400);
});

test('members join, the head changes, members leave', async () => {
  const child = { name: '王小明', id_number: P.child, relationship: 'child' };
  let r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members`, child);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.member_count, 3);
  const childMember = r.json.members.find((m) => m.relationship === 'child');
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members`, child);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'member_exists');
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members`, { name: '张三', id_number: P.other, relationship: 'other' });
  assert.equal(r.json.error.code, 'member_active_elsewhere');
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members`, { ...child, relationship: 'head' });
  assert.equal(r.status, 400, 'the head changes only through /head');
  assert.equal((await as('staffB', 'POST', `/api/v1/households/${ids.h}/members`, child)).status, 404);
  assert.equal((await as('assessor', 'POST', `/api/v1/households/${ids.h}/members`, child)).status, 403);

  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members/${ids.headMember}/leave`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'head_cannot_leave');
  r = await as('manager', 'POST', `/api/v1/households/${ids.h}/head`, { member_id: ids.spouseMember, former_head_relationship: 'spouse' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.head_member_id, ids.spouseMember);
  assert.equal(r.json.members[0].person.name, '李芳');
  r = await as('manager', 'POST', `/api/v1/households/${ids.h}/head`, { member_id: ids.spouseMember });
  assert.equal(r.json.error.code, 'already_head');
  r = await as('manager', 'POST', `/api/v1/households/${ids.h}/head`, { member_id: 999999 });
  assert.equal(r.status, 404);
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members/${childMember.id}/leave`);
  assert.equal(r.status, 200);
  assert.equal(r.json.member_count, 2);
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members/${childMember.id}/leave`);
  assert.equal(r.json.error.code, 'member_left');
  // Back again: a person who left may join.
  r = await as('staff', 'POST', `/api/v1/households/${ids.h}/members`, child);
  assert.equal(r.status, 201);
  assert.equal(r.json.member_count, 3);
});

test('people: masked, scoped, changed with an audit row', async () => {
  let r = await as('staff', 'GET', `/api/v1/persons/${ids.headPerson}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.household_id, ids.h);
  assert.equal(r.json.phone, '138****8000');
  assert.equal((await as('staff', 'GET', `/api/v1/persons/${ids.otherPerson}`)).status, 404);
  assert.equal((await as('auditor', 'GET', `/api/v1/persons/${ids.headPerson}`)).status, 403);
  r = await as('staff', 'PATCH', `/api/v1/persons/${ids.headPerson}`, { phone: '13911112222' });
  assert.equal(r.status, 200);
  assert.equal(r.json.phone, '139****2222');
  r = await as('staff', 'PATCH', `/api/v1/persons/${ids.headPerson}`, { phone: 'abc' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'phone');
  assert.equal((await as('staff', 'PATCH', `/api/v1/persons/${ids.otherPerson}`, { name: 'x' })).status, 404);
  assert.equal((await as('finance', 'PATCH', `/api/v1/persons/${ids.headPerson}`, { name: 'x' })).status, 403);
  r = await as('auditor', 'GET', `/api/v1/audit?action=person.update&object_type=person&object_id=${ids.headPerson}`);
  assert.equal(r.json.items.length, 1);
  assert.deepEqual(r.json.items[0].after, { phone: '139****2222' });
});

test('a reveal gives the full value, is audited and is limited per hour', async () => {
  for (const role of ['finance', 'inspector', 'assessor', 'auditor', 'admin']) {
    const r = await as(role, 'POST', `/api/v1/persons/${ids.headPerson}/reveal`, { field: 'id_number', reason: '核对身份证件' });
    assert.equal(r.status, 403, role);
  }
  let r = await as('staff', 'POST', `/api/v1/persons/${ids.headPerson}/reveal`, { field: 'id_number', reason: '短' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'reason');
  r = await as('staff', 'POST', `/api/v1/persons/${ids.otherPerson}/reveal`, { field: 'id_number', reason: '核对身份证件' });
  assert.equal(r.status, 404, 'outside the scope');
  r = await s.api('POST', `/api/v1/persons/${ids.headPerson}/reveal`, { body: { field: 'id_number', reason: '核对身份证件' }, token: keys.staff, headers: { 'Idempotency-Key': 'reveal-1' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.value, P.head);
  assert.match(r.headers.get('cache-control'), /no-store/);
  assert.equal(r.headers.get('idempotent-replayed'), null);
  r = await as('staff', 'POST', `/api/v1/persons/${ids.headPerson}/reveal`, { field: 'phone', reason: '电话回访住户' });
  assert.equal(r.json.value, '13911112222');
  r = await as('staff', 'POST', `/api/v1/persons/${ids.spousePerson}/reveal`, { field: 'phone', reason: '电话回访住户' });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'phone_not_recorded');
  r = await as('staff', 'POST', `/api/v1/persons/${ids.spousePerson}/reveal`, { field: 'id_number', reason: '核对身份证件' });
  assert.equal(r.json.value, P.spouse);
  // The limit: a fourth in the hour is refused; another principal has its own.
  r = await as('staff', 'POST', `/api/v1/persons/${ids.headPerson}/reveal`, { field: 'id_number', reason: '再次核对' });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.code, 'rate_limited');
  r = await as('manager', 'POST', `/api/v1/persons/${ids.headPerson}/reveal`, { field: 'id_number', reason: '主管复核' });
  assert.equal(r.status, 200);
  r = await as('bureau', 'POST', `/api/v1/persons/${ids.otherPerson}/reveal`, { field: 'id_number', reason: '复核申请材料' });
  assert.equal(r.json.value, P.other);
  // Audited with the field and the reason; the value never.
  r = await as('auditor', 'GET', '/api/v1/audit?action=person.reveal&limit=50');
  assert.equal(r.json.items.length, 5);
  const mine = r.json.items.find((a) => a.after.reason === '核对身份证件' && a.object_id === String(ids.headPerson));
  assert.equal(mine.after.field, 'id_number');
  assert.equal(mine.object_type, 'person');
  assert.ok(!r.text.includes(P.head) && !r.text.includes('13911112222'));
});

test('a tenant sees its own household and its members, nothing else', async () => {
  const t = await tenant('tenant-li', P.spouse);
  let r = await t.call('GET', '/api/v1/my/household');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, ids.h);
  assert.ok(!r.text.includes(P.spouse), 'masked for the tenant too');
  assert.equal((await t.call('GET', `/api/v1/households/${ids.h}`)).status, 200);
  assert.equal((await t.call('GET', `/api/v1/households/${ids.hb}`)).status, 404);
  assert.equal((await t.call('GET', `/api/v1/persons/${ids.headPerson}`)).status, 200);
  assert.equal((await t.call('GET', `/api/v1/persons/${ids.otherPerson}`)).status, 404);
  for (const [method, path] of [['GET', '/api/v1/households'], ['GET', `/api/v1/households/${ids.h}/dossier`],
    ['PATCH', `/api/v1/households/${ids.h}`], ['POST', `/api/v1/persons/${ids.headPerson}/reveal`], ['POST', '/api/v1/search']]) {
    r = await t.call(method, path, method === 'GET' ? undefined : {});
    assert.equal(r.status, 403, `${method} ${path}`);
  }
  assert.equal((await as('staff', 'GET', '/api/v1/my/household')).status, 403);
  // A tenant whose person is in no household: 404, and sees only itself.
  const out = run(['user', 'add', '--data', s.data.dir, '--username', 'tenant-zhou', '--role', 'tenant',
    '--name', '周九', '--id-number', P.tenantless, '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const u = new Session(s);
  await u.login('tenant-zhou', pw);
  await u.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Tenant-Home-99' });
  await u.login('tenant-zhou', 'Tenant-Home-99');
  r = await u.call('GET', '/api/v1/my/household');
  assert.equal(r.status, 404);
  assert.equal((await u.call('GET', `/api/v1/households/${ids.h}`)).status, 404);
  // A person without a household: only callers with every community see it.
  const zhou = await as('bureau', 'POST', '/api/v1/search', { q: '周九' });
  assert.equal(zhou.json.persons.length, 1);
  const pid = zhou.json.persons[0].id;
  assert.equal((await u.call('GET', `/api/v1/persons/${pid}`)).status, 200, 'itself');
  assert.equal((await as('staff', 'GET', `/api/v1/persons/${pid}`)).status, 404);
  assert.equal((await as('bureau', 'GET', `/api/v1/persons/${pid}`)).status, 200);
  // Linking an unknown ID number fails on the command line.
  assert.throws(() => run(['user', 'add', '--data', s.data.dir, '--username', 'tenant-x', '--role', 'tenant',
    '--person-id-number', idNumber('19990909', 99), '--generate-password']));
});

test('the household dossier: members past and present, documents, timeline', async () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  let r = await s.api('POST', `/api/v1/attachments?owner_type=household&owner_id=${ids.h}&category=income_proof&filename=income.pdf`,
    { raw: pdf, token: keys.staff, headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(r.status, 201, r.text);
  r = await as('staff', 'GET', `/api/v1/households/${ids.h}/dossier`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.household.id, ids.h);
  assert.equal(r.json.household.members.length, 3);
  assert.equal(r.json.members.length, 4, 'the child who left and came back twice over');
  assert.ok(r.json.members.some((m) => m.left_at !== null));
  assert.equal(r.json.attachments.length, 1);
  assert.equal(r.json.attachments[0].category, 'income_proof');
  const actions = r.json.timeline.map((ev) => ev.action);
  for (const a of ['household.create', 'household.update', 'member.add', 'member.leave', 'person.create', 'person.update', 'person.reveal']) {
    assert.ok(actions.includes(a), a);
  }
  const times = r.json.timeline.map((ev) => ev.at);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  assert.ok(!r.text.includes(P.head) && !r.text.includes('13911112222'), 'nothing in clear');
  r = await as('staff', 'GET', `/api/v1/households/${ids.h}/dossier?timeline_limit=2`);
  assert.equal(r.json.timeline.length, 2);
  assert.equal((await as('staff', 'GET', `/api/v1/households/${ids.h}/dossier?timeline_limit=0`)).status, 400);
  assert.equal((await as('staff', 'GET', `/api/v1/households/${ids.hb}/dossier`)).status, 404);
  assert.equal((await as('assessor', 'GET', `/api/v1/households/${ids.hb}/dossier`)).status, 200);
  assert.equal((await as('auditor', 'GET', `/api/v1/households/${ids.h}/dossier`)).status, 403);
});

test('the last member to leave, the head, closes the household', async () => {
  let r = await as('staffB', 'GET', `/api/v1/households/${ids.hb}`);
  const head = r.json.members[0].id;
  r = await as('staffB', 'POST', `/api/v1/households/${ids.hb}/members/${head}/leave`);
  assert.equal(r.status, 200);
  assert.equal(r.json.state, 'closed');
  assert.equal(r.json.member_count, 0);
  r = await as('bureau', 'GET', '/api/v1/households?state=closed');
  assert.deepEqual(r.json.items.map((h) => h.id), [ids.hb]);
  assert.equal(r.json.items[0].head_name, '张三', 'the last head still names it');
  r = await as('staffB', 'POST', `/api/v1/households/${ids.hb}/members`, { name: '张三', id_number: P.other, relationship: 'other' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'household_closed');
});
