// A repair through the console on a phone (issue 8 §5, §6): the operator's
// staff raise a work order for a tenant's unit with the place picker, take
// it, start it, add a photo and finish it; the bureau opens it and confirms
// it as its call-back (回访) with a score.  Set-up that is not the point is
// made through the API and the command line.
import assert from 'node:assert/strict';
import { apikey, run } from '../api/lib/server.js';
import { PHONE, firstSignIn, pageErrors, shot } from './lib/browser.js';
import { pageTest, useConsole } from './lib/suite.js';

const env = useConsole();
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3a1a80000000049454e44ae426082', 'hex');
let seeded = null;
let orderPath = null;

async function seed() {
  if (seeded) return seeded;
  const s = env.server;
  const bureau = apikey(s.data.dir, 'bureau', 'wo-b', ['--all-communities']);
  const api = async (method, path, body) => {
    const r = await s.api(method, path, { body, token: bureau });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const c = await api('POST', '/api/v1/communities', { name: '南苑公租房' });
  const b = await api('POST', '/api/v1/buildings', { community_id: c.id, name: '3', floors: 18, entrances: 2 });
  await api('POST', '/api/v1/units', {
    building_id: b.id, entrance: 2, floor: 15, number: '3-2-1502', layout: '一室一厅', floor_area: 4550, usable_area: 3600,
  });
  const password = (role, username, scope) => {
    const out = run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', role, '--name', username, ...scope, '--generate-password']);
    return /initial password.*: (\S+)/.exec(out)[1];
  };
  seeded = {
    staff: password('operator_staff', 'wo-staff', ['--community', String(c.id)]),
    bureau: password('bureau', 'wo-boss', ['--all-communities']),
  };
  return seeded;
}

async function choose(page, testId, option) {
  await page.getByTestId(testId).locator('.el-select__wrapper').first().click();
  await page.getByRole('option', { name: option }).click();
}

pageTest('staff raise a repair on a phone and finish it with a photo', env, PHONE, async (page) => {
  const pw = await seed();
  await firstSignIn(page, 'wo-staff', pw.staff);
  await page.goto('/upkeep/work-orders');
  await page.getByTestId('raise').click();
  await page.waitForURL(/\/upkeep\/work-orders\/new/);
  await choose(page, 'community', '南苑公租房');
  await choose(page, 'building', '3号楼');
  await choose(page, 'unit', '3-2-1502');
  await page.getByTestId('place').fill('厨房');
  await page.getByTestId('description').fill('厨房水龙头漏水，关不紧');
  await page.getByTestId('contact').fill('13912345678');
  await shot(page, 'work-order-new-phone');
  await page.getByTestId('submit').tap();
  await page.waitForURL(/\/upkeep\/work-orders\/\d+$/);
  orderPath = new URL(page.url()).pathname;
  await page.getByTestId('state').getByText('已报修').waitFor();
  await page.getByText('139****5678').waitFor();

  await page.getByTestId('assign-me').tap();
  await page.getByTestId('state').getByText('已派单').waitFor();
  await page.getByTestId('start').tap();
  await page.getByTestId('state').getByText('维修中').waitFor();
  await page.getByTestId('photo-input').setInputFiles({ name: '现场.png', mimeType: 'image/png', buffer: PNG });
  await page.getByTestId('photo').first().waitFor();
  await page.getByTestId('cost').fill('80');
  await page.getByTestId('done-note').fill('更换水龙头阀芯');
  await page.getByTestId('done').tap();
  await page.getByTestId('state').getByText('已完工').waitFor();
  await page.getByText('80.00 元').waitFor();
  // The operator's people have no call-back to make.
  assert.equal(await page.getByTestId('confirm').count(), 0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide`);
  await shot(page, 'work-order-done-phone');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('the bureau confirms the repair as its call-back', env, PHONE, async (page) => {
  const pw = await seed();
  assert.ok(orderPath, 'the first test raised the order');
  await firstSignIn(page, 'wo-boss', pw.bureau);
  await page.goto(orderPath);
  await page.getByTestId('state').getByText('已完工').waitFor();
  await page.getByTestId('photo').first().waitFor();
  await page.getByTestId('satisfaction').locator('.el-rate__item').nth(3).tap();
  await page.getByTestId('confirm-note').fill('电话回访：已修好，满意');
  await page.getByTestId('confirm').tap();
  await page.getByTestId('state').getByText('已确认').waitFor();
  await page.getByText(/满意度 4 分/).waitFor();
  await page.getByText('电话回访：已修好，满意').first().waitFor();
  await shot(page, 'work-order-confirmed-phone');
  assert.deepEqual(pageErrors(page), []);
});
