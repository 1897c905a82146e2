// The housing screens of a clerk (operator staff of one community): finding a
// household by phone in the header's search box and opening its dossier,
// uploading a photo to it and previewing it, and walking from the
// communities to a building's 楼盘表 and on to a unit's dossier.  The data
// is made through the API (lib/housing.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  shot,
  firstSignIn,
  submitLogin,
  pageErrors,
  navTitles,
  startConsole,
  stopConsole,
  newPage,
  NEW_PASSWORD,
  PHONE,
  WEB_ROOT,
} from './lib/browser.js';
import { useConsole, pageTest, TEST_TIMEOUT } from './lib/suite.js';
import { account, png, seedHousing } from './lib/housing.js';

// The console's own exceljs (web/node_modules, there once the console is
// built) writes the sheet a user would pick.
const ExcelJS = createRequire(join(WEB_ROOT, '..', 'package.json'))('exceljs');

const env = useConsole();
const clerk = { username: 'zhangli', password: '', changed: false };
let world;
let seeded;

// The data and the clerk's account, made once, by the first test to run
// (the file's server starts in a before hook of its own).
async function seed() {
  seeded ??= (async () => {
    world = await seedHousing(env.server);
    clerk.password = account(env.server, clerk.username, 'operator_staff', [
      '--name',
      '张丽',
      '--community',
      String(world.community.id),
    ]);
  })();
  return seeded;
}

// The first test to run changes the initial password; the others sign in.
async function signIn(page) {
  await seed();
  if (!clerk.changed) {
    await firstSignIn(page, clerk.username, clerk.password);
    clerk.changed = true;
    return;
  }
  await page.goto('/login');
  await submitLogin(page, clerk.username, NEW_PASSWORD);
  await page.getByTestId('role-title').waitFor();
}

pageTest('a clerk finds a household by phone in the header search and opens its dossier', env, async (page) => {
  await signIn(page);
  const head = world.people[0];
  const asked = page.waitForResponse((r) => r.url().endsWith('/api/v1/search') && r.request().method() === 'POST');
  await page.getByTestId('header-search').fill(head.phone);
  const res = await asked;
  assert.equal(res.status(), 200, await res.text());
  // The phone travels in the body, never in an address.
  assert.ok(!res.url().includes(head.phone));

  const panel = page.getByTestId('search-panel');
  await panel.getByText('住户', { exact: true }).waitFor();
  const hit = panel.getByRole('option').filter({ hasText: `${head.name} 户` });
  await hit.waitFor();
  await shot(page, 'search-panel');
  await hit.click();

  await page.waitForURL(new RegExp(`/households/${world.household.id}$`));
  await page.getByTestId('dossier-title').getByText(`${head.name} 户`).waitFor();
  const members = page.getByTestId('members-table');
  for (const p of world.people) await members.getByText(p.name, { exact: true }).waitFor();
  // ID numbers are masked: first 3 and last 4 only.
  const shown = await members.getByTestId('pii-id_number').first().innerText();
  assert.notEqual(shown, head.id_number);
  assert.ok(shown.startsWith(head.id_number.slice(0, 3)) && shown.endsWith(head.id_number.slice(-4)), shown);
  await page.getByTestId('timeline').getByText('登记住户').first().waitFor();
  await shot(page, 'household-dossier');

  // 查看 asks for a reason, shows the full number for a while, and the
  // reveal is in the household's history.
  const first = members.getByRole('row').filter({ hasText: head.name });
  await first.getByRole('button', { name: '查看完整身份证号' }).click();
  const box = page.getByRole('dialog', { name: '查看完整身份证号' });
  await box.getByRole('textbox').fill('核对');
  await box.getByRole('button', { name: '查看' }).click();
  await box.getByText('原因至少 4 个字').waitFor();
  await box.getByRole('textbox').fill('办理入住核对身份');
  const revealed = page.waitForResponse((r) => r.url().includes('/reveal') && r.request().method() === 'POST');
  await box.getByRole('button', { name: '查看' }).click();
  assert.equal((await revealed).status(), 200);
  await first.getByTestId('pii-id_number').getByText(head.id_number).waitFor();
  await first.getByText(/秒后隐藏/).waitFor();
  await shot(page, 'household-reveal');
  await first.getByRole('button', { name: '隐藏' }).click();
  assert.equal(await first.getByTestId('pii-id_number').innerText(), shown);
  await page.getByRole('button', { name: '刷新' }).click();
  await page.getByTestId('timeline').getByText('查看完整个人信息').first().waitFor();
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a clerk uploads a photo to the household and previews it', env, async (page) => {
  await signIn(page);
  await page.goto(`/households/${world.household.id}`);
  const docs = page.getByTestId('attachments');
  await docs.getByText('暂无资料').waitFor();

  await docs.getByTestId('attachment-category').click();
  await page.getByRole('option', { name: '照片', exact: true }).click();
  const uploaded = page.waitForResponse((r) => r.url().includes('/api/v1/attachments?') && r.request().method() === 'POST');
  await docs.getByTestId('attachment-file').setInputFiles({ name: '门牌照片.png', mimeType: 'image/png', buffer: png() });
  const res = await uploaded;
  assert.equal(res.status(), 201, await res.text());
  assert.match(res.url(), /owner_type=household/);
  assert.match(res.url(), /category=photo/);

  const item = docs.getByTestId('attachment').filter({ hasText: '门牌照片.png' });
  await item.waitFor();
  await item.getByText('照片', { exact: true }).waitFor();
  // The thumbnail is the file itself, read with the session cookie.
  const img = item.locator('img');
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  assert.equal(await img.evaluate((el) => el.naturalWidth), 24);

  await item.getByRole('button', { name: /预览/ }).click();
  const viewer = page.locator('.el-image-viewer__wrapper');
  await viewer.waitFor();
  await page.waitForFunction(() => {
    const el = document.querySelector('.el-image-viewer__canvas img');
    return el && el.complete && el.naturalWidth === 24;
  });
  await shot(page, 'household-photo-preview');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });

  // It is in the household's history, and still there after a reload.
  await page.getByTestId('timeline').getByText('上传资料').first().waitFor();
  await page.reload();
  await page.getByTestId('attachment').filter({ hasText: '门牌照片.png' }).waitFor();
  await shot(page, 'household-documents');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a clerk opens a building grid from the communities and clicks through to a unit', env, async (page) => {
  await signIn(page);
  await page.getByRole('menuitem', { name: '小区' }).click();
  const card = page.getByTestId('community-card').filter({ hasText: '丹桂苑公租房' });
  await card.waitFor();
  assert.match(await card.innerText(), /24\s*房屋/);
  await shot(page, 'communities');
  await card.getByRole('button', { name: '楼盘表' }).click();

  await page.waitForURL(new RegExp(`/grid\\?community=${world.community.id}&building=${world.building.id}$`));
  const grid = page.getByTestId('building-grid');
  await grid.waitFor();
  assert.equal(await grid.locator('button.cell').count(), 24);
  // Floors top first, the ground floor last.
  const floors = await grid.locator('tbody th').allInnerTexts();
  assert.deepEqual(floors, ['6层', '5层', '4层', '3层', '2层', '1层']);
  // The legend counts this building's units by status.
  const legend = page.getByTestId('status-legend');
  assert.match(await legend.getByRole('button', { name: /待核验/ }).innerText(), /4$/);
  assert.match(await legend.getByRole('button', { name: /维修中/ }).innerText(), /1$/);
  assert.match(await legend.getByRole('button', { name: /空置/ }).innerText(), /19$/);
  await shot(page, 'building-grid');

  await grid.locator('[data-unit="1-1-0302"]').click();
  await page.waitForURL(new RegExp(`/units/${world.units['1-1-0302']}$`));
  const title = page.getByTestId('dossier-title');
  await title.getByText('1-1-0302').waitFor();
  assert.equal(await page.getByTestId('unit-status').innerText(), '维修中');
  await page.getByTestId('acceptance').getByText('已确认').waitFor();
  await page.getByTestId('timeline').getByText('房屋状态变更').first().waitFor();
  await page.getByTestId('timeline').getByText(/卫生间渗水/).first().waitFor();
  // Operator staff may end the repair, not disable the unit (the bureau's).
  await page.getByRole('button', { name: '维修完成' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '停用' }).count(), 0);
  await shot(page, 'unit-dossier');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('the building grid on a phone', env, PHONE, async (page) => {
  await signIn(page);
  await page.goto(`/grid?community=${world.community.id}&building=${world.building.id}`);
  const grid = page.getByTestId('building-grid');
  await grid.waitFor();
  await grid.locator('[data-unit="1-2-0601"]').tap();
  await page.waitForURL(new RegExp(`/units/${world.units['1-2-0601']}$`));
  await page.getByTestId('dossier-title').getByText('1-2-0601').waitFor();
  assert.equal(await page.getByTestId('unit-status').innerText(), '空置');
  await shot(page, 'unit-dossier-phone');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('the bureau imports units from an Excel sheet, gets the report of a bad CSV, and exports', env, async (page) => {
  await seed();
  await firstSignIn(page, 'wangju', account(env.server, 'wangju', 'bureau', ['--all-communities']));
  await page.getByRole('menuitem', { name: '导入' }).click();

  // An .xlsx is read in the browser and sent as rows.
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('房源');
  ws.addRow(['小区', '楼栋', '单元', '楼层', '房号', '户型', '建筑面积', '使用面积', '朝向']);
  ws.addRow(['丹桂苑公租房', '2', 1, 1, '2-1-0101', '一室一厅', 45.5, 36.2, '南']);
  ws.addRow(['丹桂苑公租房', '2', 1, 2, '2-1-0201', '一室一厅', 45.5, 36.2, '南']);
  const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
  await page.getByTestId('import-file').setInputFiles({
    name: '房源.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx,
  });
  await page.getByTestId('import-chosen').getByText('共 2 行数据').waitFor();
  const sent = page.waitForResponse((r) => r.url().endsWith('/api/v1/imports/units/rows'));
  await page.getByRole('button', { name: '开始导入' }).click();
  const res = await sent;
  assert.equal(res.status(), 202, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()).rows[0], ['丹桂苑公租房', '2', '1', '1', '2-1-0101', '一室一厅', '45.5', '36.2', '南']);
  const result = page.getByTestId('import-result');
  await result.getByText('导入完成').waitFor();
  assert.match(await result.innerText(), /新增 2/);
  await shot(page, 'import-done');

  // A CSV with bad rows: nothing is imported, every error is listed and the
  // report downloads.
  await page.getByRole('button', { name: '继续导入' }).click();
  const csv = '小区,楼栋,单元,楼层,房号,户型,建筑面积,使用面积,朝向\r\n' +
    '丹桂苑公租房,2,1,3,2-1-0301,一室一厅,四十,36.2,南\r\n' +
    '没有这个小区,2,1,4,2-1-0401,一室一厅,45.5,36.2,南\r\n';
  await page.getByTestId('import-file').setInputFiles({ name: '房源.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: '开始导入' }).click();
  const errors = page.getByTestId('import-errors');
  await errors.getByText('没有这个小区').waitFor();
  assert.match(await result.innerText(), /发现 2 处错误，本次没有导入任何数据/);
  const rows = await errors.locator('tbody tr').allInnerTexts();
  assert.match(rows[0], /^2\s+建筑面积\s+\S/);
  assert.match(rows[1], /^3\s+小区\s+\S/);
  await shot(page, 'import-errors');
  const report = page.waitForEvent('download');
  await page.getByRole('button', { name: '下载错误报告' }).click();
  const file = await report;
  assert.match(readFileSync(await file.path(), 'utf8'), /没有这个小区/);

  // The units list exports to Excel: a job, then the file.
  await page.getByRole('menuitem', { name: '房源' }).click();
  await page.getByTestId('units-table').getByText('2-1-0201').waitFor();
  const exported = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const x = await exported;
  assert.match(x.suggestedFilename(), /\.xlsx$/);
  assert.equal(readFileSync(await x.path()).subarray(0, 2).toString(), 'PK');
  assert.deepEqual(pageErrors(page), []);
});

// The pilot as anju init --demo loads it, on a server of its own.
test("the demo: the pilot's three communities with 2936 units, and a tenant's own household", { timeout: TEST_TIMEOUT }, async () => {
  const demo = await startConsole(['--demo']);
  const pages = [];
  try {
    const bureau = await newPage(env.browser, demo);
    pages.push(bureau);
    await firstSignIn(bureau, 'bureau', demo.data.passwords.bureau);
    await bureau.getByRole('menuitem', { name: '小区' }).click();
    const cards = bureau.getByTestId('community-card');
    await cards.first().waitFor();
    assert.equal(await cards.count(), 3);
    for (const name of ['南苑公租房', '肖桥公租房', '长安花苑公租房']) await cards.filter({ hasText: name }).waitFor();
    await bureau.getByText('共 3 个小区、2936 套房屋').waitFor();
    await shot(bureau, 'demo-communities');
    await cards.filter({ hasText: '南苑公租房' }).getByRole('button', { name: '楼盘表' }).click();
    const grid = bureau.getByTestId('building-grid');
    await grid.waitFor();
    assert.ok((await grid.locator('button.cell').count()) > 20);
    await shot(bureau, 'demo-grid');

    // The tenant has only its own household, without 查看, and its own
    // household's work orders (it may confirm their repairs).
    const tenant = await newPage(env.browser, demo);
    pages.push(tenant);
    await firstSignIn(tenant, 'tenant', demo.data.passwords.tenant);
    assert.deepEqual(await navTitles(tenant), ['首页', '我的家庭', '维修工单']);
    await tenant.getByRole('menuitem', { name: '我的家庭' }).click();
    await tenant.getByTestId('members-table').getByText('户主').waitFor();
    assert.match(await tenant.getByTestId('dossier-title').innerText(), /\S 户/);
    assert.equal(await tenant.getByRole('button', { name: /查看完整/ }).count(), 0);
    // Its documents to read, nothing to upload.
    await tenant.getByTestId('attachments').waitFor();
    assert.equal(await tenant.getByRole('button', { name: '上传文件' }).count(), 0);
    assert.equal(await tenant.getByTestId('header-search').count(), 0);
    await shot(tenant, 'demo-tenant-household');
    for (const p of pages) assert.deepEqual(pageErrors(p), []);
  } finally {
    for (const p of pages) await p.context().close();
    await stopConsole(demo);
  }
});
