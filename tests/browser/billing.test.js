// The month's billing through the console (issue 7 §7): finance opens 计租,
// bills next month for 300 lease chains (bench/billing_fixture.sh writes
// them), follows the run's progress bar to 100% and reads the run's counts
// and total in the list; a second run of the month raises nothing.  Then
// the bureau's 租金标准 page shows a standard made over the API, grouped by
// community and layout, and its quote preview prices a unit.  Set-up that
// is not the point is made through the API and the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { apikey, ROOT } from '../api/lib/server.js';
import { firstSignIn, pageErrors, shot } from './lib/browser.js';
import { TEST_TIMEOUT, useConsole, withPage } from './lib/suite.js';
import { account } from './lib/housing.js';
import { caller, today } from './lib/money.js';

const env = useConsole();
const CHAINS = 300;

function nextMonth() {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
}

test('finance bills next month and follows the progress; the bureau reads the standards', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const s = env.server;
  const period = nextMonth();
  execFileSync('sh', [resolve(ROOT, 'bench/billing_fixture.sh'), s.data.dir, String(CHAINS), `${period}-10`], { stdio: 'pipe' });
  const financePw = account(s, 'huliping', 'finance', ['--name', '胡丽萍', '--all-communities']);
  const bureauPw = account(s, 'zhoujp', 'bureau', ['--name', '周建平', '--all-communities']);

  await withPage(env, async (page) => {
    await firstSignIn(page, 'huliping', financePw);
    await page.getByRole('menuitem', { name: '计租' }).click();
    await page.waitForURL(/\/rent\/billing$/);
    await page.getByText('还没有计租记录').waitFor();
    // Next month is chosen already.
    assert.equal(await page.getByTestId('billing-period').locator('input').inputValue(), period);
    await page.getByTestId('billing-start-button').click();
    const progress = page.getByTestId('billing-progress');
    await progress.waitFor();
    assert.match(await progress.innerText(), new RegExp(`（${period}）`));
    // The bar ends at 100% with the run's counts.
    await page.getByTestId('billing-summary').waitFor({ timeout: 60000 });
    assert.equal(await progress.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    const summary = await page.getByTestId('billing-summary').innerText();
    assert.match(summary, new RegExp(`已完成：${CHAINS} 条合同链，新增应收 ${CHAINS} 笔`));
    const row = page.getByTestId('billing-runs').locator('tbody tr').first();
    assert.match(await row.innerText(), new RegExp(`${period}[\\s\\S]*已完成[\\s\\S]*全部在租[\\s\\S]*${CHAINS}`));
    await shot(page, 'billing-run-done');
    // Again: nothing new.
    await page.getByTestId('billing-start-button').click();
    await page.getByText(`已存在 ${CHAINS} 笔`).waitFor({ timeout: 60000 });
    assert.match(await page.getByTestId('billing-summary').innerText(), /新增应收 0 笔/);
    // An earlier month without chains named is refused, in words.
    await page.getByTestId('billing-period').locator('input').fill('2020-01');
    await page.keyboard.press('Enter');
    await page.getByTestId('billing-start-button').click();
    await page.getByTestId('billing-error').waitFor();
    assert.match(await page.getByTestId('billing-error').innerText(), /以前的月份|太远|结账/);
    assert.deepEqual(pageErrors(page), []);
  });

  // The bureau's standards page.
  const bureau = caller(s, apikey(s.data.dir, 'bureau', 'billing-seed', ['--all-communities']));
  const communities = await bureau('GET', '/api/v1/communities?limit=10');
  const community = communities.items.find((c) => c.name === '计租基准小区');
  await bureau('POST', '/api/v1/rent-standards', {
    community_id: community.id, layout: '两室一厅', effective_from: today(), mode: 'per_m2', price_fen_m2: 850,
    reductions: [{ code: 'low', name: '低收入家庭减半', kind: 'category', match: 'low_income', share_ppm: 500000 }],
  });
  const units = await bureau('GET', `/api/v1/units?community_id=${community.id}&limit=1`);
  await withPage(env, async (page) => {
    await firstSignIn(page, 'zhoujp', bureauPw);
    await page.getByRole('menuitem', { name: '租金标准' }).click();
    await page.waitForURL(/\/rent\/standards$/);
    const list = page.getByTestId('standards');
    await list.getByText('计租基准小区 · 两室一厅').waitFor();
    assert.match(await list.innerText(), /执行中[\s\S]*8\.50 元\/m²·月[\s\S]*低收入家庭减半/);
    await page.getByTestId('quote-unit').locator('input').fill(String(units.items[0].id));
    await page.getByTestId('quote-button').click();
    const result = page.getByTestId('quote-result');
    await result.waitFor();
    const area = units.items[0].floor_area;
    const fen = Math.round((850 * area) / 100);
    assert.match(await result.innerText(), new RegExp(`${(fen / 100).toFixed(2)} 元`));
    await shot(page, 'rent-standards');
    assert.deepEqual(pageErrors(page), []);
  });
});
