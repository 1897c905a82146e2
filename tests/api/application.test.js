// Applications (tenancy part B) against a real server, on either engine:
// the whole path draft → approved with the second bureau person's approval
// and the publicity_close job, return and resubmit, a refusal, an
// objection upheld, illegal transitions (409 naming the state), the
// operator's 403 on decisions, the public notice without personal data and
// the public objection's rate limit.  Every answer is checked against the
// OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey } from './lib/server.js';

const PUBLIC_OBJECTIONS_PER_HOUR = 5; // api_application.c
let s;
const keys = {};
const ids = {};
let seq = 0;
let publicObjections = 0;

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

// A household of community a that meets the default low_income rules.
async function household(name = '张三') {
  seq++;
  const head = idNumber('19850307', seq);
  const r = await as('staff', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', hukou: '咸宁市咸安区', monthly_income_fen: 240000,
    assets_fen: 0, local_hukou: true, current_housing: '租住',
    members: [
      { name, id_number: head, relationship: 'head' },
      { name: '李芳', id_number: idNumber('19901231', seq), relationship: 'spouse' },
    ],
  });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.id, head };
}

async function created() {
  const h = await household();
  const r = await as('staff', 'POST', '/api/v1/applications', { household_id: h.id, note: '窗口受理' });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function step(role, id, action, body, status = 200) {
  const r = await as(role, 'POST', `/api/v1/applications/${id}/${action}`, body);
  assert.equal(r.status, status, `${action}: ${r.text}`);
  return r.json;
}

async function reviewed() {
  const a = await created();
  await step('staff', a.id, 'submit');
  await step('manager', a.id, 'first-review', { pass: true, reason: '材料齐全' });
  return a.id;
}

// Proposed by bureau A, approved by bureau B.
async function decided(grant) {
  const id = await reviewed();
  const d = await step('bureau', id, 'decide', { grant, reason: grant ? '符合条件' : '收入超标' }, 202);
  const r = await as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {});
  assert.equal(r.status, 200, r.text);
  return id;
}

async function closeJob(today) {
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'publicity_close', params: { today } } });
  assert.equal(r.status, 202, r.text);
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  return job.result;
}

function dayAfter(date, n) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau-a', ['--all-communities']);
  keys.bureau2 = apikey(s.data.dir, 'bureau', 'bureau-b', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  assert.equal(r.status, 201, r.text);
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.staff = apikey(s.data.dir, 'operator_staff', 'staff-a', ['--community', String(ids.a)]);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  keys.assessor = apikey(s.data.dir, 'assessor', 'assessor', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
});
after(async () => { await s.stop(); cleanup(s); });

test('the whole path: draft → submitted → first review → decision → publicity → approved', async () => {
  const a = await created();
  assert.equal(a.state, 'draft');
  assert.equal(a.state_title, '草稿');
  assert.equal(a.head_name, '张*');
  assert.match(a.head_id_number, /^990\*+\d{3}[\dX]$/);
  assert.deepEqual(a.allowed_actions, ['submit', 'upload_documents', 'withdraw']);
  assert.equal(a.eligibility_live, true);
  assert.equal(a.eligible, true, JSON.stringify(a.eligibility));
  assert.ok(a.eligibility.rules.length > 0);

  let r = await step('staff', a.id, 'submit');
  assert.equal(r.state, 'submitted');
  assert.equal(r.facts.members.length, 2);
  assert.ok(!JSON.stringify(r.facts).includes(idNumber('19850307', seq)), 'no full ID number in the facts');
  r = await step('manager', a.id, 'first-review', { pass: true });
  assert.equal(r.state, 'first_reviewed');
  assert.equal((await as('bureau', 'GET', `/api/v1/applications/${a.id}`)).json.allowed_actions.includes('decide'), true);
  const d = await step('bureau', a.id, 'decide', { grant: true, reason: '经审核符合保障条件' }, 202);
  assert.equal(d.approval.kind, 'application.decide');
  assert.equal(d.approval.state, 'pending');
  assert.equal(d.application.state, 'deciding');
  assert.equal(d.application.eligibility_live, false);
  assert.ok(Number.isInteger(d.application.rule_version));
  // The proposer cannot approve it; another bureau person does.
  r = await as('bureau', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {});
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'self_approval');
  r = await as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {});
  assert.equal(r.status, 200, r.text);
  r = await as('staff', 'GET', `/api/v1/applications/${a.id}`);
  assert.equal(r.json.state, 'publicity');
  assert.equal(r.json.decision, 'grant');
  assert.equal(r.json.approval.state, 'approved');
  assert.equal(r.json.publicity_days_left, 7);
  const until = r.json.publicity_until;
  assert.equal(until, dayAfter(r.json.publicity_from, 6));
  // Shown on the staff's publicity list with its days left.
  r = await as('staff', 'GET', '/api/v1/publicity');
  assert.ok(r.json.items.some((x) => x.id === a.id && x.days_left === 7 && x.open_objections === 0));
  // Not before the period has ended.
  r = await as('bureau', 'POST', `/api/v1/applications/${a.id}/close-publicity`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'publicity_not_ended');
  let result = await closeJob(until);
  assert.equal((await as('staff', 'GET', `/api/v1/applications/${a.id}`)).json.state, 'publicity');
  result = await closeJob(dayAfter(until, 1));
  assert.ok(result.approved >= 1);
  r = await as('staff', 'GET', `/api/v1/applications/${a.id}`);
  assert.equal(r.json.state, 'approved');
  assert.ok(r.json.queue_at && r.json.approved_at);
  assert.deepEqual(r.json.allowed_actions, []);
  // Every transition is in the audit trail.
  r = await as('auditor', 'GET', `/api/v1/audit?object_type=application&object_id=${a.id}&limit=50`);
  assert.equal(r.status, 200, r.text);
  const actions = r.json.items.map((x) => x.action).sort();
  for (const x of ['application.create', 'application.submit', 'application.first_review',
    'application.propose', 'application.grant', 'application.approve']) assert.ok(actions.includes(x), x);
  // The same history on the application, for whoever sees it.
  r = await as('staff', 'GET', `/api/v1/applications/${a.id}/history`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.action).sort(), actions);
  assert.equal((await as('staffB', 'GET', `/api/v1/applications/${a.id}/history`)).status, 404);
});

test('returned for correction and submitted again; the inbox by stage', async () => {
  const a = await created();
  await step('staff', a.id, 'submit');
  let r = await as('staff', 'POST', `/api/v1/applications/${a.id}/first-review`, { pass: false });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'reason');
  r = await step('staff', a.id, 'first-review', { pass: false, reason: '缺少收入证明' });
  assert.equal(r.state, 'returned');
  assert.equal(r.returned_reason, '缺少收入证明');
  r = await as('staff', 'GET', '/api/v1/applications?state=returned');
  assert.ok(r.json.items.some((x) => x.id === a.id && x.days_in_state === 0));
  r = await as('staff', 'GET', '/api/v1/applications/counts');
  assert.ok(r.json.returned >= 1);
  r = await step('staff', a.id, 'submit');
  assert.equal(r.state, 'submitted');
  assert.equal(r.returned_reason, null);
  // Search by the head's name and by the application number.
  r = await as('staff', 'GET', `/api/v1/applications?q=${encodeURIComponent('张三')}`);
  assert.ok(r.json.items.some((x) => x.id === a.id));
  r = await as('staff', 'GET', `/api/v1/applications?q=${a.id}`);
  assert.ok(r.json.items.some((x) => x.id === a.id));
  // Other communities' staff do not see it.
  assert.equal((await as('staffB', 'GET', `/api/v1/applications/${a.id}`)).status, 404);
  r = await as('staffB', 'GET', '/api/v1/applications');
  assert.equal(r.json.items.length, 0);
});

test('illegal transitions are 409 naming the state; bad input is 4xx', async () => {
  const a = await created();
  let r = await as('manager', 'POST', `/api/v1/applications/${a.id}/first-review`, { pass: true });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'application_state');
  assert.match(r.json.error.message, /草稿/);
  await step('staff', a.id, 'submit');
  r = await as('staff', 'POST', `/api/v1/applications/${a.id}/submit`);
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /已提交/);
  r = await as('bureau', 'POST', `/api/v1/applications/${a.id}/decide`, { grant: true, reason: '同意' });
  assert.equal(r.status, 409);
  // One open application per household.
  r = await as('staff', 'POST', '/api/v1/applications', { household_id: a.household_id });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'application_open');
  // Bad input.
  assert.equal((await as('bureau', 'POST', `/api/v1/applications/${a.id}/decide`, { grant: true })).status, 400);
  assert.equal((await as('bureau', 'POST', `/api/v1/applications/${a.id}/decide`, { grant: 'yes', reason: '同意' })).status, 400);
  assert.equal((await as('staff', 'POST', '/api/v1/applications', { household_id: 'x' })).status, 400);
  assert.equal((await as('staff', 'POST', '/api/v1/applications', { household_id: 999999 })).status, 404);
  assert.equal((await as('staff', 'GET', '/api/v1/applications/abc')).status, 404);
  assert.equal((await as('staff', 'GET', '/api/v1/applications?state=nothing')).status, 400);
  assert.equal((await as('staff', 'POST', `/api/v1/applications/${a.id}/withdraw`, {})).status, 400);
  // Roles: finance and the auditor see no applications.
  assert.equal((await as('finance', 'GET', '/api/v1/applications')).status, 403);
  assert.equal((await as('auditor', 'GET', `/api/v1/applications/${a.id}`)).status, 403);
  assert.equal((await as('assessor', 'GET', `/api/v1/applications/${a.id}`)).status, 200);
  r = await step('staff', a.id, 'withdraw', { reason: '家庭不再申请' });
  assert.equal(r.state, 'withdrawn');
  assert.equal(r.withdrawn_reason, '家庭不再申请');
  r = await as('staff', 'POST', `/api/v1/applications/${a.id}/withdraw`, { reason: '再次撤回' });
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /已撤回/);
});

test('only the bureau decides: the operator gets 403 bureau_only', async () => {
  const id = await reviewed();
  for (const role of ['staff', 'manager']) {
    const r = await as(role, 'POST', `/api/v1/applications/${id}/decide`, { grant: true, reason: '同意' });
    assert.equal(r.status, 403, role);
    assert.equal(r.json.error.code, 'bureau_only');
  }
  assert.equal((await as('bureau', 'GET', `/api/v1/applications/${id}`)).json.state, 'first_reviewed');
  const pub = await decided(true);
  let r = await as('manager', 'POST', `/api/v1/applications/${pub}/close-publicity`);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'bureau_only');
  r = await as('staff', 'POST', `/api/v1/applications/${pub}/objections`, { objector: '王五', content: '该户有车辆' });
  assert.equal(r.status, 201, r.text);
  const oid = r.json.objections[0].id;
  r = await as('manager', 'POST', `/api/v1/objections/${oid}/resolve`, { upheld: false, resolution: '不属实' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'bureau_only');
  // The bureau dismisses it; the application stays in publicity.
  r = await as('bureau', 'POST', `/api/v1/objections/${oid}/resolve`, { upheld: false, resolution: '经核实不属实' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'publicity');
  assert.equal(r.json.objections[0].state, 'dismissed');
});

test('a refusal, and a rejected request back to first review', async () => {
  const id = await decided(false);
  let r = await as('staff', 'GET', `/api/v1/applications/${id}`);
  assert.equal(r.json.state, 'rejected');
  assert.equal(r.json.decision, 'refuse');
  assert.equal(r.json.rejected_reason, '收入超标');
  // The household may apply again.
  r = await as('staff', 'POST', '/api/v1/applications', { household_id: r.json.household_id });
  assert.equal(r.status, 201, r.text);

  const id2 = await reviewed();
  const d = await step('bureau', id2, 'decide', { grant: true, reason: '同意' }, 202);
  r = await as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/reject`, { note: '收入证明不全' });
  assert.equal(r.status, 200, r.text);
  r = await as('staff', 'GET', `/api/v1/applications/${id2}`);
  assert.equal(r.json.state, 'first_reviewed');
  assert.equal(r.json.approval.state, 'rejected');
  assert.equal(r.json.eligibility_live, true);
});

test('an objection upheld rejects the application', async () => {
  const id = await decided(true);
  let r = await s.api('POST', '/api/v1/public/objections', {
    token: null, body: { application_id: id, content: '该户在外地有房产', contact: '13800001234' } });
  publicObjections++;
  assert.equal(r.status, 201, r.text);
  r = await as('bureau', 'GET', `/api/v1/applications/${id}`);
  const o = r.json.objections[0];
  assert.equal(o.public, true);
  assert.equal(o.objector, 'anonymous');
  assert.equal(o.contact, '138****1234');
  assert.deepEqual(r.json.allowed_actions.sort(), ['add_objection', 'resolve_objection']);
  // Not closed while it is open.
  await closeJob(dayAfter(r.json.publicity_until, 1));
  assert.equal((await as('bureau', 'GET', `/api/v1/applications/${id}`)).json.state, 'publicity');
  r = await as('bureau', 'POST', `/api/v1/objections/${o.id}/resolve`, { upheld: true, resolution: '经核实属实' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'rejected');
  assert.match(r.json.rejected_reason, /该户在外地有房产/);
  r = await as('bureau', 'POST', `/api/v1/objections/${o.id}/resolve`, { upheld: false, resolution: '再议' });
  assert.equal(r.status, 409);
  // The public can no longer object to it.
  r = await s.api('POST', '/api/v1/public/objections', { token: null, body: { application_id: id, content: '再提异议' } });
  publicObjections++;
  assert.equal(r.status, 404);
});

test('the public notice shows no personal data', async () => {
  const h = await household('欧阳明');
  let r = await as('staff', 'POST', '/api/v1/applications', { household_id: h.id });
  const id = r.json.id;
  await step('staff', id, 'submit');
  await step('staff', id, 'first-review', { pass: true });
  const d = await step('bureau', id, 'decide', { grant: true, reason: '符合条件' }, 202);
  assert.equal((await as('bureau2', 'POST', `/api/v1/approvals/${d.approval.id}/approve`, {})).status, 200);
  r = await s.api('GET', '/api/v1/public/publicity', { token: null });
  assert.equal(r.status, 200);
  const mine = r.json.items.find((x) => x.application_id === id);
  assert.ok(mine);
  assert.equal(mine.head_name, '欧**');
  assert.equal(mine.community_name, '南苑公租房');
  assert.equal(mine.category_name, '城镇中等偏下收入住房困难家庭');
  assert.deepEqual(Object.keys(mine).sort(),
    ['application_id', 'category_name', 'community_name', 'head_name', 'publicity_from', 'publicity_until']);
  assert.ok(!r.text.includes('欧阳明'));
  assert.ok(!r.text.includes(h.head.slice(0, 10)));
  assert.ok(!/\d{11}/.test(r.text), 'no ID number or phone');
  // Without a login the staff list is closed.
  assert.equal((await s.api('GET', '/api/v1/publicity', { token: null })).status, 401);
});

test('public objections are limited per client address', async () => {
  const id = await decided(true);
  let accepted = 0;
  let limited = null;
  for (let i = 0; i < PUBLIC_OBJECTIONS_PER_HOUR + 2 && !limited; i++) {
    const r = await s.api('POST', '/api/v1/public/objections', { token: null, body: { application_id: id, content: `异议 ${i}` } });
    if (r.status === 201) accepted++;
    else limited = r;
  }
  assert.ok(limited, 'a 429 came');
  assert.equal(limited.status, 429);
  assert.equal(limited.json.error.code, 'rate_limited');
  assert.equal(accepted + publicObjections, PUBLIC_OBJECTIONS_PER_HOUR);
  // Bad input from the public is a 400, not a 500.
  const r = await s.api('POST', '/api/v1/public/objections', { token: null, raw: '{"application_id":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
});
