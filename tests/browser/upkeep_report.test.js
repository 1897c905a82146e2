// The bureau's reports on the housing's use (issue 8 §4) in the console:
// on the pilot as `anju init --demo` loads it, the bureau opens 房屋使用报表
// from the 房屋使用与维护 group, sees the demo's vacant units (the total the
// API gives, per community, the longest vacant first with the reason) and
// downloads them as xlsx; the unit changes' tab lists the demo's status
// changes; on a phone the same page shows the same total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apikey } from '../api/lib/server.js';
import { NEW_PASSWORD, PHONE, firstSignIn, submitLogin, launch, newPage, pageErrors, shot, startConsole, stopConsole } from './lib/browser.js';
import { TEST_TIMEOUT } from './lib/suite.js';

test('the bureau reads the demo\'s vacant units and downloads them; on a phone too', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const demo = await startConsole(['--demo']);
  const browser = await launch();
  try {
    const key = apikey(demo.data.dir, 'bureau', 'ur-browser', ['--all-communities']);
    const api = await (await fetch(demo.base + '/api/v1/reports/vacant-units?limit=1', { headers: { Authorization: 'Bearer ' + key } })).json();
    assert.ok(api.total > 0, 'the demo has vacant units');

    const page = await newPage(browser, demo);
    await firstSignIn(page, 'bureau', demo.data.passwords.bureau);
    await page.getByText('房屋使用与维护').waitFor();
    await page.getByRole('menuitem', { name: '房屋使用报表' }).click();
    await page.waitForURL(/\/upkeep\/reports/);
    const total = page.getByTestId('vacant-total');
    await total.waitFor();
    assert.equal(Number(await total.innerText()), api.total);
    for (const c of api.by_community) await page.getByText(c.community_name).first().waitFor();
    const rows = page.getByTestId('vacant-units').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), Math.min(api.total, 100));
    assert.match(await rows.first().innerText(), new RegExp(api.items[0].unit_number));
    if (api.items[0].reason) assert.match(await rows.first().innerText(), new RegExp(api.items[0].reason));
    await shot(page, 'upkeep-vacant-units');

    // The workbook, every vacant unit.
    const download = page.waitForEvent('download');
    await page.getByTestId('upkeep-report-export').click();
    const x = await download;
    assert.match(x.suggestedFilename(), /^vacant-units-.*\.xlsx$/);
    assert.equal(readFileSync(await x.path()).subarray(0, 2).toString(), 'PK');

    // The unit changes of this month: the demo's allocations among them.
    await page.getByRole('tab', { name: '房屋异动' }).click();
    const changes = page.getByTestId('unit-changes').locator('tbody tr');
    await changes.first().waitFor();
    assert.match(await changes.first().innerText(), /已分配|空置|维修中|停用/);
    await shot(page, 'upkeep-unit-changes');
    assert.deepEqual(pageErrors(page), []);
    await page.context().close();

    // On a phone: the same page, its table in the narrow layout.
    const phone = await newPage(browser, demo, PHONE);
    await phone.goto('/');
    await phone.waitForURL(/\/login/);
    await submitLogin(phone, 'bureau', NEW_PASSWORD);
    await phone.waitForURL((u) => u.pathname === '/');
    await phone.goto('/upkeep/reports');
    await phone.getByTestId('vacant-total').waitFor();
    assert.equal(Number(await phone.getByTestId('vacant-total').innerText()), api.total);
    await shot(phone, 'upkeep-vacant-units-phone');
    assert.deepEqual(pageErrors(phone), []);
    await phone.context().close();
  } finally {
    await browser.close();
    await stopConsole(demo);
  }
});
