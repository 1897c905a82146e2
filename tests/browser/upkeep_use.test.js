// The monthly use report (月度使用情况, issue 8 §4) in the console: on the
// pilot as `anju init --demo` loads it, with a case reported by the
// operator's staff this month, the bureau opens 房屋使用报表, takes the
// 月度使用情况 tab and sees a row per community and the total as the API
// gives them, with the chart beside; downloads the month's workbook; on a
// phone the same tab shows the same total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apikey } from '../api/lib/server.js';
import { NEW_PASSWORD, PHONE, firstSignIn, submitLogin, launch, newPage, pageErrors, shot, startConsole, stopConsole } from './lib/browser.js';
import { TEST_TIMEOUT } from './lib/suite.js';

test('the bureau reads the month\'s use per community with its chart and downloads it; on a phone too', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const demo = await startConsole(['--demo']);
  const browser = await launch();
  try {
    const key = apikey(demo.data.dir, 'bureau', 'uu-browser', ['--all-communities']);
    const get = async (path) => (await fetch(demo.base + path, { headers: { Authorization: 'Bearer ' + key } })).json();
    const community = (await get('/api/v1/communities')).items[0];
    const staff = apikey(demo.data.dir, 'operator_staff', 'uu-browser-staff', ['--community', String(community.id)]);
    const res = await fetch(demo.base + '/api/v1/violations', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + staff, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'other', source: 'staff', location: 'community', community_id: community.id, place: '东门', summary: '东门私搭雨棚' }),
    });
    assert.equal(res.status, 201, await res.text());
    const api = await get('/api/v1/reports/monthly-use');
    const mine = api.items.find((x) => x.community_id === community.id);
    assert.ok(mine.violations.opened >= 1);

    const page = await newPage(browser, demo);
    await firstSignIn(page, 'bureau', demo.data.passwords.bureau);
    await page.getByText('房屋使用与维护').waitFor();
    await page.getByRole('menuitem', { name: '房屋使用报表' }).click();
    await page.waitForURL(/\/upkeep\/reports/);
    await page.getByRole('tab', { name: '月度使用情况' }).click();
    const rows = page.getByTestId('monthly-use').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), api.items.length + 1);
    // The community's row: its cases opened this month, as the API counts.
    const row = rows.filter({ hasText: community.name }).first();
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0].trim(), community.name);
    assert.equal(cells[5].trim(), String(mine.violations.opened));
    assert.equal(cells[1].trim(), `${mine.rounds.done}/${mine.rounds.planned}`);
    assert.match(await rows.last().innerText(), /合计/);
    assert.match(await page.getByTestId('monthly-use-totals').innerText(),
      new RegExp(`计划 ${api.total.rounds.planned} 次，完成 ${api.total.rounds.done}`));
    assert.match(await page.getByTestId('monthly-use-totals').innerText(), /其他 \d+/);
    await page.getByTestId('monthly-use-chart').locator('canvas').first().waitFor();
    await shot(page, 'upkeep-monthly-use');

    const download = page.waitForEvent('download');
    await page.getByTestId('upkeep-report-export').click();
    const x = await download;
    assert.equal(x.suggestedFilename(), `monthly-use-${api.month}.xlsx`);
    assert.equal(readFileSync(await x.path()).subarray(0, 2).toString(), 'PK');
    assert.deepEqual(pageErrors(page), []);
    await page.context().close();

    const phone = await newPage(browser, demo, PHONE);
    await phone.goto('/');
    await phone.waitForURL(/\/login/);
    await submitLogin(phone, 'bureau', NEW_PASSWORD);
    await phone.waitForURL((u) => u.pathname === '/');
    await phone.goto('/upkeep/reports?report=monthly-use');
    const totals = phone.getByTestId('monthly-use-totals');
    await totals.waitFor();
    assert.match(await totals.innerText(), new RegExp(`计划 ${api.total.rounds.planned} 次`));
    await phone.getByTestId('monthly-use-chart').locator('canvas').first().waitFor();
    await shot(phone, 'upkeep-monthly-use-phone');
    assert.deepEqual(pageErrors(phone), []);
    await phone.context().close();
  } finally {
    await browser.close();
    await stopConsole(demo);
  }
});
