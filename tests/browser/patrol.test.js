// The inspector's round on a phone (issue 8 §1, §6): the operator's manager
// sets up two points and a daily plan over the API, the day's round is
// made, and each point's label is printed; the test cuts the QR code out of
// each printed sheet (pdftoppm) and feeds it to Chromium's fake camera as
// an MJPEG stream, one browser per point, as an inspector walking from one
// label to the next.  On the phone (390×844) the inspector opens today's
// round, scans the label with the camera, marks the items, adds a photo to
// a finding, loses the connection while marking the last item (kept on
// the phone, sent again with the same key when it is back), and the round
// is done with each result saved once.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { apikey, run } from '../api/lib/server.js';
import {
  CHROMIUM, NEW_PASSWORD, PHONE, TIMEOUT, firstSignIn, launch, navTitles, newPage, pageErrors, shot, startConsole, stopConsole, submitLogin,
} from './lib/browser.js';

const TEST_TIMEOUT = 180000;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');

let server;
let dir;
const ids = {};
let initial;

async function api(method, path, body, token = ids.bureau) {
  const r = await server.api(method, path, { body, token });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

// The label of one point as the camera sees it: the QR code cut out of the
// printed sheet (the label is the first on its page), as an MJPEG stream of
// repeated frames.
async function labelStream(pointId, name) {
  const res = await fetch(`${server.base}/api/v1/communities/${ids.community}/patrol-labels.pdf?point_id=${pointId}`, {
    headers: { Authorization: 'Bearer ' + ids.manager },
  });
  assert.equal(res.status, 200);
  const pdf = join(dir, `${name}.pdf`);
  writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
  // 150 dpi: the QR code (40 mm with its quiet zone) starts 23 mm from the
  // page's left edge and 19 mm from its top.
  execFileSync('pdftoppm', ['-jpeg', '-r', '150', '-x', '110', '-y', '90', '-W', '288', '-H', '288', '-singlefile', pdf, join(dir, name)]);
  const frame = readFileSync(join(dir, `${name}.jpg`));
  const stream = join(dir, `${name}.mjpeg`);
  writeFileSync(stream, Buffer.concat(Array(30).fill(frame)));
  return stream;
}

// A phone whose camera films file.
async function phone(file) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    args: [
      '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`,
    ],
  });
  const context = await browser.newContext({
    ...PHONE, baseURL: server.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', permissions: ['camera'],
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  return { browser, context, page };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'anju-patrol-'));
  server = await startConsole();
  ids.bureau = apikey(server.data.dir, 'bureau', 'patrol-b', ['--all-communities']);
  const c = await api('POST', '/api/v1/communities', { name: '桃源公租房' });
  ids.community = c.id;
  ids.manager = apikey(server.data.dir, 'operator_manager', 'patrol-m', ['--community', String(c.id)]);
  const b = await api('POST', '/api/v1/buildings', { community_id: c.id, name: '3', floors: 6, entrances: 1 });
  const out = run(['user', 'add', '--data', server.data.dir, '--username', 'xuncha-li', '--role', 'inspector',
    '--name', '巡查员李', '--community', String(c.id), '--generate-password']);
  initial = /initial password.*: (\S+)/.exec(out)[1];
  const accounts = await api('GET', `/api/v1/communities/${c.id}/patrol-inspectors`, undefined, ids.manager);
  const items = (await api('GET', '/api/v1/patrol-items')).items;
  const item = (n) => items.find((i) => i.name === n).id;
  ids.fire = item('消防通道堵塞');
  ids.stuff = item('楼道堆物');
  ids.light = item('公共照明损坏');
  const p1 = await api('POST', '/api/v1/patrol-points', { name: '3栋1单元楼道', location: 'entrance', building_id: b.id, entrance: 1, items: [ids.fire, ids.stuff] }, ids.manager);
  const p2 = await api('POST', '/api/v1/patrol-points', { name: '小区北门', location: 'community', community_id: c.id, items: [ids.light] }, ids.manager);
  ids.p1 = p1.id;
  ids.p2 = p2.id;
  await api('POST', '/api/v1/patrol-plans', { community_id: c.id, name: '每日巡查', frequency: 'daily', points: [p1.id, p2.id], inspectors: [accounts.items[0].id] }, ids.manager);
  const g = await api('POST', '/api/v1/patrol-rounds/generate', {}, ids.manager);
  assert.equal(g.made, 1);
  ids.round = (await api('GET', '/api/v1/patrol-rounds')).items[0].id;
  ids.stream1 = await labelStream(p1.id, 'label-1');
  ids.stream2 = await labelStream(p2.id, 'label-2');
});

after(async () => {
  await stopConsole(server);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an inspector walks the round on a phone, scanning each label with the camera', { timeout: TEST_TIMEOUT }, async () => {
  // The first label: sign in, open today's round, scan, mark, a photo.
  let p = await phone(ids.stream1);
  try {
    const page = p.page;
    await firstSignIn(page, 'xuncha-li', initial);
    await page.goto('/m/patrol');
    await page.getByTestId('round').first().click();
    await page.waitForURL(/\/m\/patrol\/\d+/);
    const first = page.getByTestId('point-1');
    await first.getByTestId('scan').click();
    await first.getByText('已签到').waitFor();
    const fire = first.getByTestId(`item-${ids.fire}`);
    await fire.getByTestId('note').locator('textarea').fill('电动车堵住消防通道');
    const saved = page.waitForResponse((r) => r.url().includes(`/items/${ids.fire}`) && r.request().method() === 'PUT');
    await fire.getByTestId('not-fine').click();
    assert.equal((await saved).status(), 200);
    await fire.getByText('有问题 ✓').waitFor();
    await fire.getByTestId('photo').setInputFiles({ name: 'fire.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('照片已上传').first().waitFor();
    await fire.getByText('拍照（1）').waitFor();
    await first.getByTestId(`item-${ids.stuff}`).getByTestId('fine').click();
    await first.getByTestId(`item-${ids.stuff}`).getByText('正常 ✓').waitFor();
    await shot(page, 'patrol-phone-point-1');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await p.browser.close();
  }

  // The second label, and a dropped connection while marking its item.
  p = await phone(ids.stream2);
  try {
    const page = p.page;
    await page.goto('/login');
    await submitLogin(page, 'xuncha-li', NEW_PASSWORD);
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(`/m/patrol/${ids.round}`);
    const second = page.getByTestId('point-2');
    await second.getByTestId('scan').click();
    await second.getByText('已签到').waitFor();
    const light = second.getByTestId(`item-${ids.light}`);
    await p.context.setOffline(true);
    await light.getByTestId('fine').click();
    await page.getByTestId('unsent').waitFor();
    await light.getByText('待发送').waitFor();
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('anju.patrol.outbox')).length), 1);
    await p.context.setOffline(false);
    await light.getByText('正常 ✓').waitFor({ timeout: 20000 });
    await page.getByTestId('round-state').getByText('已完成').waitFor();
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('anju.patrol.outbox')).length), 0);
    await shot(page, 'patrol-phone-done');
    assert.deepEqual(pageErrors(page).filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), []);
  } finally {
    await p.browser.close();
  }

  // What the server kept: every point checked in by its label, each item
  // once, the finding with its photo and its work order.
  const r = await api('GET', `/api/v1/patrol-rounds/${ids.round}`);
  assert.equal(r.state, 'done');
  assert.ok(r.points.every((pt) => pt.checked_in_at && pt.label_generation === 1));
  const results = r.points.flatMap((pt) => pt.items.map((i) => i.result));
  assert.equal(results.length, 3);
  assert.ok(results.every(Boolean));
  const fire = r.points[0].items.find((i) => i.item_id === ids.fire).result;
  assert.equal(fire.outcome, 'not_fine');
  assert.equal(fire.photos, 1);
  assert.ok(fire.work_order_id);
});

test('the operator manager reads the library, the points, the rounds and the finding on the console', { timeout: TEST_TIMEOUT }, async () => {
  const out = run(['user', 'add', '--data', server.data.dir, '--username', 'patrol-mgr', '--role', 'operator_manager',
    '--name', '运营主管', '--community', String(ids.community), '--generate-password']);
  const browser = await launch();
  try {
    const page = await newPage(browser, server);
    await firstSignIn(page, 'patrol-mgr', /initial password.*: (\S+)/.exec(out)[1]);
    const nav = await navTitles(page);
    for (const t of ['巡查任务', '巡查计划', '巡查点与标签', '巡查项目库']) assert.ok(nav.includes(t), nav.join());
    await page.getByText('房屋使用与维护').first().waitFor();

    await page.getByRole('menuitem', { name: '巡查项目库' }).click();
    await page.getByText('消防通道堵塞').first().waitFor();
    await page.getByTestId('new-item').waitFor();

    await page.getByRole('menuitem', { name: '巡查点与标签' }).click();
    await page.getByTestId('community').locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: '桃源公租房' }).click();
    await page.getByText('3栋1单元楼道').first().waitFor();
    await page.getByTestId('print-labels').waitFor();
    await shot(page, 'patrol-points');
    // A new point through the place picker: the page's community, a
    // building chosen by name, its entrance.
    await page.getByTestId('new-point').click();
    const dialog = page.getByRole('dialog', { name: '新增巡查点' });
    await dialog.getByTestId('point-name').fill('3栋1单元电表间');
    await dialog.getByTestId('location').getByText('单元（楼门）').click();
    await dialog.getByTestId('building').locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: '3号楼', exact: true }).click();
    await dialog.getByTestId('place').fill('一楼电表间');
    await dialog.getByTestId('point-items').locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: /^消防设施缺损/ }).click();
    await dialog.getByTestId('point-name').click();
    await dialog.getByTestId('save-point').click();
    await page.getByText('3栋1单元电表间').first().waitFor();

    await page.getByRole('menuitem', { name: '巡查任务' }).click();
    await page.getByText('每日巡查').first().click();
    await page.waitForURL(/\/patrol\/rounds\/\d+/);
    await page.locator('.finding-row').getByText('消防通道堵塞').waitFor();
    await page.getByText('电动车堵住消防通道').first().waitFor();
    await page.getByText(/维修工单 #\d+/).first().waitFor();
    await shot(page, 'patrol-round');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await browser.close();
  }
});
