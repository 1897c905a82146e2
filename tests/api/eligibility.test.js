// Policy and eligibility rules, department datasets, cross-checks and bans
// over HTTP: the seeded versions; only the bureau adds one, never in the
// past, every key checked; a household's new facts; its eligibility
// explained in words with the numbers; a department CSV (GB18030 and
// UTF-8) imported as a job with its refused rows listed; the cross-check's
// conflicts; a newer dataset superseding the older; bans; roles and scope
// (operators 403 on deciding, 404 outside their communities); bad uploads 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, cleanup, apikey, sleep } from './lib/server.js';

let s, bureau, manager, staff, finance, admin, nanyuan, xiaoqiao;

function idNumber(d17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const gb18030 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const addDays = (d, n) => new Date(Date.parse(d + 'T00:00:00Z') + n * 86400e3).toISOString().slice(0, 10);

async function call(method, path, token, opts = {}) {
  return s.api(method, path, { token, ...opts });
}

async function household(community, category, extra, ids) {
  const r = await call('POST', '/api/v1/households', bureau, {
    body: {
      community_id: community, category, monthly_income_fen: 300000, assets_fen: 0,
      members: [
        { name: '张三', id_number: ids[0], relationship: 'head' },
        { name: '李四', id_number: ids[1], relationship: 'spouse' },
      ],
      ...extra,
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function upload(query, bytes, token = bureau, type = 'text/csv') {
  return call('POST', `/api/v1/datasets?${query}`, token, { raw: bytes, headers: { 'Content-Type': type } });
}

// Uploads and follows the import until it ends.
async function importDataset(query, bytes) {
  const r = await upload(query, bytes);
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 600; i++) {
    const d = await call('GET', `/api/v1/datasets/${r.json.id}`, bureau);
    assert.equal(d.status, 200, d.text);
    if (d.json.state !== 'importing') return d.json;
    await sleep(50);
  }
  throw new Error('the import did not end');
}

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  admin = s.data.token;
  bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  for (const name of ['南苑公租房', '肖桥公租房']) {
    const r = await call('POST', '/api/v1/communities', bureau, { body: { name } });
    assert.equal(r.status, 201, r.text);
  }
  const list = (await call('GET', '/api/v1/communities', bureau)).json.items;
  nanyuan = list.find((c) => c.name === '南苑公租房').id;
  xiaoqiao = list.find((c) => c.name === '肖桥公租房').id;
  manager = apikey(s.data.dir, 'operator_manager', 'mgr', ['--community', String(nanyuan)]);
  staff = apikey(s.data.dir, 'operator_staff', 'staff', ['--community', String(nanyuan)]);
});
after(async () => { await s.stop(); cleanup(s); });

test('policy and rule versions: seeded, in force on a date, added only by the bureau', async () => {
  let r = await call('GET', '/api/v1/tenancy-policy', staff);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ban_years, 5);
  assert.equal(r.json.lease_max_months, 60);
  assert.ok(r.json.special_groups.some((g) => g.code === 'veteran' && g.name === '优抚对象'));

  r = await call('GET', '/api/v1/tenancy-rules/current?kind=eligibility&category=low_income', staff);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.body.income_per_person_max_fen, 150000);
  assert.equal(r.json.effective_from, '2000-01-01');
  r = await call('GET', '/api/v1/tenancy-rules/current?kind=eligibility&category=low_income&on=1999-01-01', staff);
  assert.equal(r.status, 404);

  const future = addDays(today(), 10);
  const body = { kind: 'eligibility', category: 'low_income', effective_from: future,
    body: { income_per_person_max_fen: 180000, assets_max_fen: 20000000, area_per_person_max_centi: 1500,
      local_hukou_required: true, owns_housing_allowed: true }, note: '咸政发〔2026〕1号' };
  // Operators collect facts; only the bureau sets the standard.
  for (const t of [manager, staff]) {
    r = await call('POST', '/api/v1/tenancy-rules', t, { body });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, 'bureau_only');
  }
  r = await call('POST', '/api/v1/tenancy-rules', finance, { body });
  assert.equal(r.status, 403);
  r = await call('POST', '/api/v1/tenancy-rules', admin, { body });
  assert.equal(r.status, 403);
  // Never the past; every key checked.
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { ...body, effective_from: addDays(today(), -1) } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'effective_in_past');
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { ...body, body: { income_per_person_max_fen: -5 } } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'body.income_per_person_max_fen');
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { ...body, body: { colour: 1 } } });
  assert.equal(r.status, 400);
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { ...body, category: 'nobody' } });
  assert.equal(r.status, 404);
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { ...body, effective_from: '2026-02-30' } });
  assert.equal(r.status, 400);
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.body.income_per_person_max_fen, 180000);
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'rule_exists');

  r = await call('GET', '/api/v1/tenancy-rules?kind=eligibility&category=low_income', staff);
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 2);
  assert.equal(r.json.items[0].upcoming, true);
  assert.equal(r.json.items[1].in_force, true);
  r = await call('GET', `/api/v1/tenancy-rules/current?kind=eligibility&category=low_income&on=${future}`, staff);
  assert.equal(r.json.body.income_per_person_max_fen, 180000);

  // A policy version too, with its special groups.
  r = await call('POST', '/api/v1/tenancy-rules', bureau, { body: { kind: 'policy', effective_from: future,
    body: { publicity_days: 10, special_groups: [{ code: 'veteran', name: '优抚对象', priority: 1 }] } } });
  assert.equal(r.status, 201, r.text);
  r = await call('GET', `/api/v1/tenancy-policy?on=${future}`, staff);
  assert.equal(r.json.publicity_days, 10);
  assert.equal(r.json.special_groups.length, 1);
  r = await call('GET', '/api/v1/tenancy-policy?on=2026-13-01', staff);
  assert.equal(r.status, 400);
});

test('a household\'s facts and its eligibility explained; scope and roles', async () => {
  const ids = [idNumber('99010119850307001'), idNumber('99010119861231002')];
  const h = await household(nanyuan, 'low_income', {
    housing_area_centi: 3000, local_hukou: true, special_groups: 'veteran,elderly',
  }, ids);
  assert.equal(h.housing_area_centi, 3000);
  assert.equal(h.local_hukou, true);
  assert.deepEqual(h.special_groups, ['veteran', 'elderly']);

  let r = await call('GET', `/api/v1/households/${h.id}/eligibility`, staff);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.eligible, false);
  const area = r.json.rules.find((x) => x.rule === 'area_per_person');
  assert.equal(area.passed, false);
  assert.equal(area.text, '自有住房 30.00 平方米，2 人，人均 15.00 平方米，不低于 15.00 平方米的标准：不符合');
  const income = r.json.rules.find((x) => x.rule === 'income_per_person');
  assert.equal(income.text, '家庭月收入 3,000.00 元，2 人，人均 1,500.00 元，不高于 1,500.00 元的标准：符合');

  // The clerk corrects the area: eligible.
  r = await call('PATCH', `/api/v1/households/${h.id}`, staff, { body: { housing_area_centi: 2000 } });
  assert.equal(r.status, 200, r.text);
  r = await call('GET', `/api/v1/households/${h.id}/eligibility?on=${today()}`, staff);
  assert.equal(r.json.eligible, true, JSON.stringify(r.json.rules));
  assert.ok(r.json.rule_version > 0);

  // Bad facts.
  r = await call('PATCH', `/api/v1/households/${h.id}`, staff, { body: { special_groups: 'martian' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'special_groups');
  r = await call('PATCH', `/api/v1/households/${h.id}`, staff, { body: { housing_area_centi: -1 } });
  assert.equal(r.status, 400);
  r = await call('PATCH', `/api/v1/households/${h.id}`, staff, { body: { local_hukou: 'yes' } });
  assert.equal(r.status, 400);
  r = await call('GET', `/api/v1/households/${h.id}/eligibility?on=tomorrow`, staff);
  assert.equal(r.status, 400);

  // Outside the operator's communities the household does not exist.
  const other = await household(xiaoqiao, 'new_employee', {}, [idNumber('99010119850307011'), idNumber('99010119861231012')]);
  for (const path of ['eligibility', 'crosscheck', 'bans']) {
    r = await call('GET', `/api/v1/households/${other.id}/${path}`, staff);
    assert.equal(r.status, 404, path);
  }
  r = await call('GET', '/api/v1/households/999999/eligibility', bureau);
  assert.equal(r.status, 404);
  r = await call('GET', `/api/v1/households/${h.id}/eligibility`, admin);
  assert.equal(r.status, 403);
  r = await call('GET', `/api/v1/households/${h.id}/crosscheck`, finance);
  assert.equal(r.status, 403);
});

test('datasets: GB18030 and UTF-8 imports, refused rows, conflicts, a newer version supersedes', async () => {
  const a = [idNumber('99010119850307021'), idNumber('99010119861231022')];
  const h = await household(nanyuan, 'new_employee', { insurance_months: 24 }, a);

  // Property in GB18030, told nothing about the encoding.
  const bad = a[0].slice(0, 17) + (a[0][17] === '0' ? '1' : '0');
  const csv = '身份证号,建筑面积（㎡）,地址\r\n' +
    `${a[1]},85.30,咸宁市某小区\r\n` +
    `${bad},50,咸宁市\r\n` +
    `${a[0]},abc,咸宁市\r\n`;
  const d = await importDataset('source=property&as_of=2026-01-01', gb18030(csv));
  assert.equal(d.state, 'active', JSON.stringify(d));
  assert.equal(d.encoding, 'gb18030');
  assert.equal(d.rows, 1);
  assert.equal(d.error_rows, 2);
  assert.deepEqual(d.errors, [
    { row: 3, column: '身份证号', reason: '身份证号校验位错误' },
    { row: 4, column: '面积', reason: '面积应为大于 0 的平方米数，最多两位小数' },
  ]);
  assert.ok(!JSON.stringify(d).includes(a[0].slice(6, 14)), 'no ID number in the report');
  let r = await call('GET', `/api/v1/datasets/${d.id}/errors?limit=1`, manager);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.total, 2);
  assert.equal(r.json.next, '3');
  r = await call('GET', `/api/v1/datasets/${d.id}/errors?cursor=3`, manager);
  assert.equal(r.json.items[0].row, 4);

  // Wages in UTF-8: above the declared income.
  const wages = await importDataset('source=insurance&as_of=2026-01-01&encoding=utf8&name=' + encodeURIComponent('人社 1 月'),
    Buffer.from(`id_number,months,monthly_wage_yuan\n${a[0]},30,5000\n`));
  assert.equal(wages.state, 'active');
  assert.equal(wages.name, '人社 1 月');

  r = await call('GET', `/api/v1/households/${h.id}/crosscheck`, staff);
  assert.equal(r.status, 200, r.text);
  const rules = r.json.conflicts.map((c) => c.rule).sort();
  assert.deepEqual(rules, ['income_understated', 'owns_housing']);
  const own = r.json.conflicts.find((c) => c.rule === 'owns_housing');
  assert.equal(own.member, '配偶 李四');
  assert.equal(own.text, '配偶 李四 在不动产登记（2026-01-01）中有住房 1 处，共 85.30 平方米；本类别要求无自有住房');
  assert.equal(r.json.datasets.length, 2);

  // A newer property import supersedes the older one: the conflict goes.
  const newer = await importDataset('source=property&as_of=2026-02-01', Buffer.from(`id_number,area_m2\n${idNumber('99010119700101033')},60\n`));
  assert.equal(newer.state, 'active');
  r = await call('GET', `/api/v1/datasets/${d.id}`, bureau);
  assert.equal(r.json.state, 'superseded');
  r = await call('GET', `/api/v1/households/${h.id}/crosscheck`, staff);
  assert.deepEqual(r.json.conflicts.map((c) => c.rule), ['income_understated']);
  r = await call('GET', '/api/v1/datasets?source=property', manager);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((x) => x.state), ['active', 'superseded']);

  // A file that cannot be read fails whole, with the reason.
  const failed = await importDataset('source=vehicle&as_of=2026-01-01', Buffer.from('身份证号,号牌\n1,2\n'));
  assert.equal(failed.state, 'failed');
  assert.match(failed.errors[0].reason, /价值/);
});

test('uploads: bad input is a clear 4xx; only the bureau and operator managers import', async () => {
  const csv = Buffer.from('id_number,area_m2\n');
  let r = await upload('source=property&as_of=2026-01-01', csv, staff);
  assert.equal(r.status, 403);
  r = await upload('source=property&as_of=2026-01-01', csv, manager);
  assert.equal(r.status, 202, r.text);
  r = await upload('source=planets&as_of=2026-01-01', csv);
  assert.equal(r.status, 400);
  r = await upload('as_of=2026-01-01', csv);
  assert.equal(r.status, 400);
  r = await upload('source=property&as_of=2026-01-01&encoding=latin1', csv);
  assert.equal(r.status, 400);
  r = await upload(`source=property&as_of=${addDays(today(), 3)}`, csv);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'as_of');
  r = await upload('source=property&as_of=2026-01-01', Buffer.alloc(0));
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'empty_file');
  r = await upload('source=property&as_of=2026-01-01', csv, bureau, 'application/json');
  assert.equal(r.status, 415);
  r = await upload('source=property&as_of=2026-01-01', Buffer.from('PK\x03\x04rest'), bureau);
  assert.equal(r.status, 415);
  r = await call('GET', '/api/v1/datasets/999999', bureau);
  assert.equal(r.status, 404);
  r = await call('GET', '/api/v1/datasets', staff);
  assert.equal(r.status, 403);
});

test('bans: recorded by the bureau only, shown in the explanation', async () => {
  const ids = [idNumber('99010119850307041'), idNumber('99010119861231042')];
  const h = await household(nanyuan, 'low_income', { local_hukou: true }, ids);
  const spouse = h.members.find((m) => m.relationship === 'spouse').person_id;
  let r = await call('POST', `/api/v1/persons/${spouse}/bans`, staff, { body: { from_on: '2025-05-02', reason: '转租公租房' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'bureau_only');
  r = await call('POST', `/api/v1/persons/${spouse}/bans`, bureau, { body: { from_on: '2025-05-02', reason: '转租公租房' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.until_on, '2030-05-01');
  r = await call('POST', `/api/v1/persons/${spouse}/bans`, bureau, { body: { from_on: '2025-05-02', reason: '' } });
  assert.equal(r.status, 400);
  r = await call('POST', '/api/v1/persons/999999/bans', bureau, { body: { from_on: '2025-05-02', reason: '转租公租房' } });
  assert.equal(r.status, 404);
  r = await call('GET', `/api/v1/households/${h.id}/bans`, staff);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].member, '配偶 李四');
  r = await call('GET', `/api/v1/households/${h.id}/eligibility?on=2026-06-01`, staff);
  assert.equal(r.json.eligible, false);
  assert.equal(r.json.rules.find((x) => x.rule === 'ban').text, '申请禁止期至 2030-05-01（转租公租房），期间不得申请：不符合');
  r = await call('GET', `/api/v1/households/${h.id}/eligibility?on=2030-05-02`, staff);
  assert.equal(r.json.rules.find((x) => x.rule === 'ban').passed, true);
});
