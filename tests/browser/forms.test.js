// The console's entry forms, used as a clerk would: the bureau records a
// building and a unit through the 楼盘表's dialogs and sees the unit in the
// grid; operator staff add a facility to it and open its acceptance check;
// operator staff register a household of two (a wrong ID number is caught
// in the browser on its row, one the server refuses shows on its row too),
// add a member and see it in the household's history.  Every creation
// carries an Idempotency-Key.
import assert from 'node:assert/strict';
import { apikey } from '../api/lib/server.js';
import { shot, firstSignIn, submitLogin, pageErrors, NEW_PASSWORD } from './lib/browser.js';
import { useConsole, pageTest } from './lib/suite.js';
import { account, idNumber } from './lib/housing.js';

const env = useConsole();
const users = {
  bureau: { username: 'wangjun', role: 'bureau', password: '', changed: false },
  staff: { username: 'liuyan', role: 'operator_staff', password: '', changed: false },
};
const world = {};
let seeded;

async function ok(method, path, body) {
  const r = await env.server.api(method, path, { body, token: world.key });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

// A community of its own, a household already living there (whose member
// the form must refuse to register twice), and the two accounts.
async function seed() {
  seeded ??= (async () => {
    world.key = apikey(env.server.data.dir, 'bureau', 'forms-seed', ['--all-communities']);
    world.community = await ok('POST', '/api/v1/communities', { name: '桂花园公租房', district: '咸安区' });
    world.resident = { name: '陈立新', id_number: idNumber('19780203', 51) };
    await ok('POST', '/api/v1/households', {
      community_id: world.community.id,
      category: 'migrant_worker',
      members: [{ ...world.resident, relationship: 'head' }],
    });
    users.bureau.password = account(env.server, users.bureau.username, 'bureau', ['--name', '王军', '--all-communities']);
    users.staff.password = account(env.server, users.staff.username, 'operator_staff', [
      '--name',
      '刘艳',
      '--community',
      String(world.community.id),
    ]);
  })();
  return seeded;
}

async function signIn(page, who) {
  await seed();
  const u = users[who];
  if (!u.changed) {
    await firstSignIn(page, u.username, u.password);
    u.changed = true;
    return;
  }
  await page.goto('/login');
  await submitLogin(page, u.username, NEW_PASSWORD);
  await page.getByTestId('role-title').waitFor();
}

// Chooses an option of an Element Plus select (its options are in a popper
// at the end of the page), until the select shows it: on a loaded machine a
// click can land while the popper is still opening.
async function pick(page, select, option) {
  for (let i = 0; i < 3; i++) {
    await select.locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: option, exact: true }).click();
    try {
      await select.locator('.el-select__selected-item', { hasText: option }).first().waitFor({ timeout: 3000 });
      return;
    } catch { /* not taken: open it again */ }
  }
  throw new Error(`the select did not take "${option}"`);
}

// Waits until an input holds value (15 s at most).
async function holds(input, value) {
  const until = Date.now() + 15000;
  let v;
  while ((v = await input.inputValue()) !== value) {
    if (Date.now() > until) throw new Error(`input holds "${v}", not "${value}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Waits for the answer to a request the action sends; returns it.
async function sent(page, method, path, action) {
  const answer = page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === path);
  await action();
  return answer;
}

pageTest('the bureau records a building and a unit through the dialogs and sees it in the grid', env, async (page) => {
  await signIn(page, 'bureau');
  await page.goto(`/grid?community=${world.community.id}`);
  await page.getByText('请选择楼栋').first().waitFor();

  await page.getByRole('button', { name: '新建楼栋' }).click();
  const bd = page.getByRole('dialog', { name: '新建楼栋' });
  await bd.getByRole('button', { name: '保存' }).click();
  await bd.getByText('请输入楼栋名称').waitFor();
  await bd.locator('input[name=name]').fill('8');
  await bd.locator('input[name=floors]').fill('18');
  await bd.locator('input[name=entrances]').fill('2');
  await bd.locator('input[name=entrances]').press('Tab');
  await bd.locator('.el-switch').click();
  await shot(page, 'form-building');
  const br = await sent(page, 'POST', '/api/v1/buildings', () => bd.getByRole('button', { name: '保存' }).click());
  assert.equal(br.status(), 201, await br.text());
  assert.match(br.request().headers()['idempotency-key'] || '', /^[0-9a-f]{32}$/);
  assert.deepEqual(br.request().postDataJSON(), {
    community_id: world.community.id,
    name: '8',
    floors: 18,
    entrances: 2,
    has_lift: true,
  });
  await bd.waitFor({ state: 'hidden' });
  // The grid shows the new building, still empty.
  await page.getByText('这栋楼还没有登记房屋').waitFor();
  await page.locator('.sheet .el-tag', { hasText: '有电梯' }).waitFor();

  await page.getByRole('button', { name: '新建房屋' }).click();
  const ud = page.getByRole('dialog', { name: '新建房屋' });
  await ud.getByTestId('unit-building').getByText('8号楼').waitFor();
  await pick(page, ud.getByTestId('unit-entrance'), '2 单元');
  await ud.locator('input[name=floor]').fill('15');
  await ud.locator('input[name=floor]').press('Tab');
  // The number follows building, entrance and floor.
  await holds(ud.locator('input[name=number]'), '8-2-1501');
  await pick(page, ud.getByTestId('unit-layout'), '两室一厅');
  await ud.locator('input[name=floor_area]').fill('56.8');
  await ud.locator('input[name=usable_area]').fill('60');
  await ud.locator('input[name=usable_area]').press('Tab');
  await ud.getByText('使用面积不能大于建筑面积').waitFor();
  await ud.locator('input[name=usable_area]').fill('45.444');
  await ud.locator('input[name=usable_area]').press('Tab');
  await ud.getByText('使用面积应为数字，最多两位小数').waitFor();
  await ud.locator('input[name=usable_area]').fill('45.44');
  await pick(page, ud.getByTestId('unit-orientation'), '南北');
  await shot(page, 'form-unit');
  const ur = await sent(page, 'POST', '/api/v1/units', () => ud.getByRole('button', { name: '保存' }).click());
  assert.equal(ur.status(), 201, await ur.text());
  assert.match(ur.request().headers()['idempotency-key'] || '', /^[0-9a-f]{32}$/);
  const body = ur.request().postDataJSON();
  assert.equal(body.number, '8-2-1501');
  assert.equal(body.entrance, 2);
  assert.equal(body.floor, 15);
  assert.equal(body.floor_area, 5680);
  assert.equal(body.usable_area, 4544);
  assert.equal(body.layout, '两室一厅');
  world.unit = (await ur.json()).id;
  world.building = body.building_id;
  await ud.waitFor({ state: 'hidden' });

  // The unit is in the grid, pending acceptance; a second one with the same
  // number is refused on the number field.
  const cell = page.getByTestId('building-grid').locator('[data-unit="8-2-1501"]');
  await cell.getByText('待核验').waitFor();
  await page.getByRole('button', { name: '新建房屋' }).click();
  await pick(page, ud.getByTestId('unit-entrance'), '2 单元');
  await ud.locator('input[name=floor]').fill('15');
  await ud.locator('input[name=floor]').press('Tab');
  await holds(ud.locator('input[name=number]'), '8-2-1502');
  await ud.locator('input[name=number]').fill('8-2-1501');
  await ud.locator('input[name=floor_area]').fill('40');
  await ud.locator('input[name=usable_area]').fill('32');
  const dup = await sent(page, 'POST', '/api/v1/units', () => ud.getByRole('button', { name: '保存' }).click());
  assert.equal(dup.status(), 409);
  await ud.locator('.el-form-item', { has: page.locator('input[name=number]') }).getByText('该小区已有房号为 8-2-1501 的房屋').waitFor();
  await ud.getByRole('button', { name: '取消' }).click();
  await shot(page, 'form-unit-grid');

  // 编辑 on the dossier sends only what changed.
  await cell.click();
  await page.waitForURL(new RegExp(`/units/${world.unit}$`));
  await page.getByTestId('unit-edit').click();
  const ed = page.getByRole('dialog', { name: '编辑房屋：8-2-1501' });
  assert.equal(await ed.locator('input[name=floor_area]').inputValue(), '56.80');
  await ed.locator('input[name=floor_area]').fill('57.2');
  const pr = await sent(page, 'PATCH', `/api/v1/units/${world.unit}`, () => ed.getByRole('button', { name: '保存' }).click());
  assert.equal(pr.status(), 200, await pr.text());
  assert.deepEqual(pr.request().postDataJSON(), { floor_area: 5720 });
  await page.getByRole('cell', { name: '57.20 ㎡' }).waitFor();
  // The bureau does not open acceptance checks.
  assert.equal(await page.getByRole('button', { name: '发起分户核验' }).count(), 0);
  assert.deepEqual(pageErrors(page), []);
});

pageTest('operator staff add a facility to the unit and open its acceptance check', env, async (page) => {
  await signIn(page, 'staff');
  assert.ok(world.unit, 'the unit of the first test');
  await page.goto(`/units/${world.unit}`);
  await page.getByTestId('dossier-title').getByText('8-2-1501').waitFor();
  // Staff neither edit units nor make buildings.
  assert.equal(await page.getByTestId('unit-edit').count(), 0);

  await page.getByRole('button', { name: '添加设施设备' }).click();
  const ad = page.getByRole('dialog', { name: '添加设施设备' });
  await ad.getByRole('button', { name: '保存' }).click();
  await ad.getByText('请选择或输入设施设备名称').waitFor();
  await pick(page, ad.getByTestId('asset-type'), '空调');
  await ad.locator('input[name=place]').fill('主卧');
  await ad.locator('input[name=brand]').fill('格力');
  const ar = await sent(page, 'POST', '/api/v1/assets', () => ad.getByRole('button', { name: '保存' }).click());
  assert.equal(ar.status(), 201, await ar.text());
  assert.ok(ar.request().headers()['idempotency-key']);
  const asset = await ar.json();
  await page.getByTestId('assets-table').getByText('格力').waitFor();

  // 编辑 the asset: its condition.
  await page.getByTestId('assets-table').getByRole('button', { name: '编辑' }).click();
  const ae = page.getByRole('dialog', { name: '编辑设施设备：空调' });
  await pick(page, ae.getByTestId('asset-condition'), '一般');
  const pr = await sent(page, 'PATCH', `/api/v1/assets/${asset.id}`, () => ae.getByRole('button', { name: '保存' }).click());
  assert.equal(pr.status(), 200, await pr.text());
  assert.deepEqual(pr.request().postDataJSON(), { condition: 'fair' });
  await page.getByTestId('assets-table').getByText('一般').waitFor();

  await page.getByRole('button', { name: '发起分户核验' }).click();
  const drawer = page.getByRole('dialog', { name: '发起分户核验：8-2-1501' });
  const lines = drawer.getByTestId('check-line');
  await lines.first().waitFor();
  // 5 rooms × 3 items, and the air conditioner.
  assert.equal(await lines.count(), 16);
  await lines.last().getByText('空调 · 主卧').waitFor();
  // A line left without its item is refused on that line.
  await drawer.getByRole('button', { name: '增加一项' }).click();
  await drawer.getByRole('button', { name: /保存核验记录（17 项）/ }).click();
  await lines.nth(16).getByText('请填写核验项').waitFor();
  await lines.nth(16).getByRole('button', { name: '删除第 17 项' }).click();
  await lines.nth(1).getByRole('textbox', { name: '说明' }).fill('门框轻微掉漆');
  await shot(page, 'form-acceptance');
  const cr = await sent(page, 'POST', `/api/v1/units/${world.unit}/acceptance`, () =>
    drawer.getByRole('button', { name: /保存核验记录（16 项）/ }).click(),
  );
  assert.equal(cr.status(), 201, await cr.text());
  assert.ok(cr.request().headers()['idempotency-key']);
  const items = cr.request().postDataJSON().items;
  assert.equal(items.length, 16);
  assert.deepEqual(items[0], { room: '客厅', item: '墙面', condition: 'good' });
  assert.deepEqual(items[1], { room: '客厅', item: '门窗', condition: 'good', notes: '门框轻微掉漆' });
  assert.deepEqual(items[15], { room: '主卧', asset_id: asset.id, condition: 'fair' });
  await drawer.waitFor({ state: 'hidden' });

  const card = page.getByTestId('acceptance');
  await card.getByText('待签字').waitFor();
  await card.getByText('门框轻微掉漆').waitFor();
  await card.getByRole('button', { name: '签字' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '发起分户核验' }).count(), 0);
  await page.getByTestId('timeline').getByText('开始分户核验').first().waitFor();
  await shot(page, 'form-acceptance-done');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('operator staff register a household of two, then add a member', env, async (page) => {
  await signIn(page, 'staff');
  await page.goto('/households');
  await page.getByRole('button', { name: '新建住户' }).click();
  const drawer = page.getByRole('dialog', { name: '新建住户' });
  // The clerk's only community is chosen already.
  await drawer.getByTestId('community-select').getByText('桂花园公租房').waitFor();
  await pick(page, drawer.getByTestId('household-category'), '新就业无房职工');
  await drawer.locator('input[name=hukou]').fill('湖北省咸宁市咸安区');
  await drawer.locator('input[name=employer]').fill('咸宁市桂花园物业服务有限公司');
  await drawer.locator('input[name=monthly_income]').fill('5200.5');
  await drawer.locator('input[name=assets]').fill('30,000');
  await drawer.locator('input[name=current_housing]').fill('租住');

  const head = { name: '王海', id_number: idNumber('19900615', 61), phone: '10011112222' };
  const wife = { name: '李娟', id_number: idNumber('19920318', 72) };
  const rows = drawer.getByTestId('member-row');
  await rows.nth(0).getByRole('textbox', { name: '姓名' }).fill(head.name);
  await rows.nth(0).getByRole('textbox', { name: '身份证号' }).fill(head.id_number);
  await rows.nth(0).getByRole('textbox', { name: '电话' }).fill(head.phone);
  await drawer.getByRole('button', { name: '增加成员' }).click();
  await rows.nth(1).getByRole('textbox', { name: '姓名' }).fill(wife.name);
  // A wrong last digit: caught here, on the second row, and nothing is sent.
  const wrong = wife.id_number.slice(0, 17) + (wife.id_number[17] === '1' ? '2' : '1');
  await rows.nth(1).getByRole('textbox', { name: '身份证号' }).fill(wrong);
  let posted = 0;
  const count = (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/households') posted++;
  };
  page.on('request', count);
  await drawer.getByRole('button', { name: '登记住户' }).click();
  await rows.nth(1).getByText('身份证号码校验位不正确').waitFor();
  assert.equal(await rows.nth(0).getByText('身份证号码校验位不正确').count(), 0);
  await shot(page, 'form-household-bad-id');
  assert.equal(posted, 0);
  page.off('request', count);

  // Someone who already lives in another household: the server refuses, and
  // its answer shows on the same row.
  await rows.nth(1).getByRole('textbox', { name: '姓名' }).fill(world.resident.name);
  await rows.nth(1).getByRole('textbox', { name: '身份证号' }).fill(world.resident.id_number);
  const refused = await sent(page, 'POST', '/api/v1/households', () => drawer.getByRole('button', { name: '登记住户' }).click());
  assert.equal(refused.status(), 409);
  assert.equal((await refused.json()).error.field, 'members[1].id_number');
  const key = refused.request().headers()['idempotency-key'];
  assert.match(key || '', /^[0-9a-f]{32}$/);
  await rows.nth(1).getByText(/此人已是另一个家庭/).waitFor();
  assert.equal(await rows.nth(0).getByText(/此人已是另一个家庭/).count(), 0);

  await rows.nth(1).getByRole('textbox', { name: '姓名' }).fill(wife.name);
  await rows.nth(1).getByRole('textbox', { name: '身份证号' }).fill(wife.id_number);
  const created = await sent(page, 'POST', '/api/v1/households', () => drawer.getByRole('button', { name: '登记住户' }).click());
  assert.equal(created.status(), 201, await created.text());
  // The same form's retry carries the same key (the refused try stored none).
  assert.equal(created.request().headers()['idempotency-key'], key);
  const body = created.request().postDataJSON();
  assert.equal(body.monthly_income_fen, 520050);
  assert.equal(body.assets_fen, 3000000);
  assert.equal(body.category, 'new_employee');
  assert.deepEqual(body.members, [
    { name: head.name, id_number: head.id_number, relationship: 'head', phone: head.phone },
    { name: wife.name, id_number: wife.id_number, relationship: 'spouse' },
  ]);
  const household = await created.json();

  // Its dossier opens.
  await page.waitForURL(new RegExp(`/households/${household.id}$`));
  await page.getByTestId('dossier-title').getByText('王海 户').waitFor();
  await page.getByRole('cell', { name: '5,200.50 元' }).waitFor();
  const members = page.getByTestId('members-table');
  await members.getByText(wife.name, { exact: true }).waitFor();

  // 添加成员, and the member is in the household's history.
  await page.getByRole('button', { name: '添加成员' }).click();
  const md = page.getByRole('dialog', { name: '添加成员：王海 户' });
  const child = { name: '王小川', id_number: idNumber('20150101', 83) };
  await md.locator('input[name=name]').fill(child.name);
  await md.locator('input[name=id_number]').fill(child.id_number.slice(0, 17));
  await md.getByRole('button', { name: '添加' }).click();
  await md.getByText('身份证号码应为18位（或旧的15位）').waitFor();
  await md.getByText('请选择与户主关系').waitFor();
  await md.locator('input[name=id_number]').fill(child.id_number);
  await pick(page, md.getByTestId('member-relationship'), '子女');
  const ar = await sent(page, 'POST', `/api/v1/households/${household.id}/members`, () =>
    md.getByRole('button', { name: '添加' }).click(),
  );
  assert.equal(ar.status(), 201, await ar.text());
  assert.ok(ar.request().headers()['idempotency-key']);
  await members.getByText(child.name, { exact: true }).waitFor();
  const timeline = page.getByTestId('timeline');
  await timeline.getByText('新增家庭成员').first().waitFor();
  await timeline.getByText(child.name).first().waitFor();
  await shot(page, 'form-household-member');

  // 迁出, after a confirmation.
  await members.getByRole('row').filter({ hasText: child.name }).getByRole('button', { name: '迁出' }).click();
  const confirm = page.getByRole('dialog', { name: '成员迁出' });
  await confirm.getByText(`确定将 ${child.name} 从本户迁出吗`).waitFor();
  const memberId = (await ar.json()).members.find((m) => m.person.name === child.name).id;
  const lr = await sent(page, 'POST', `/api/v1/households/${household.id}/members/${memberId}/leave`, () =>
    confirm.getByRole('button', { name: '迁出' }).click(),
  );
  assert.equal(lr.status(), 200, await lr.text());
  await members.getByText(child.name, { exact: true }).waitFor({ state: 'detached' });
  await timeline.getByText('家庭成员迁出').first().waitFor();
  assert.deepEqual(pageErrors(page), []);
});
