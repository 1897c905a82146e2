// Bank reconciliation through the console (issue 7 §7): finance imports a
// bank statement on 银行对账单 (a GB18030 CSV picked as a file), follows it
// to its summary (one line matched by a known payer account, the others in
// suspense), opens 对账匹配, sees the suggestion for 吴建华's transfer (the
// payer's name is the head's) with its rule and score, confirms it, and the
// household's rent is paid; then a line with no suggestion is given to 孙丽
// through the household search.  The bank layouts page lists the format,
// and an owner's statement takes a payment out of the special account.
// The set-up is made through the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { apikey } from '../api/lib/server.js';
import { firstSignIn, pageErrors, shot } from './lib/browser.js';
import { TEST_TIMEOUT, useConsole, withPage } from './lib/suite.js';
import { account } from './lib/housing.js';
import { caller, seedHouseholds, today } from './lib/money.js';

const env = useConsole();

test('finance imports a bank statement and confirms a suggested match', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const s = env.server;
  const { households } = await seedHouseholds(s, ['吴建华', '孙丽', '钱勇']);
  const [wu, sun, qian] = households;
  const finance = caller(s, apikey(s.data.dir, 'finance', 'reconcile-seed', ['--all-communities']));
  // 孙丽's month fell due long ago: no household's date is near the transfer's.
  const long = new Date(Date.now() + 8 * 3600e3 - 40 * 86400e3).toISOString().slice(0, 10);
  for (const [h, amount, due] of [[wu, 52300, today()], [sun, 41000, long], [qian, 30000, today()]])
    await finance('POST', '/api/v1/charges', { household_id: h.id, kind: 'rent', amount_fen: amount, due_on: due, period: due.slice(0, 7) });
  await finance('POST', `/api/v1/households/${qian.id}/payer-accounts`, { holder_name: '钱勇', bank_name: '农业银行', number: '6228480011112222' });
  const format = await finance('POST', '/api/v1/bank-formats', {
    bank_code: 'abc', bank_name: '中国农业银行', skip_rows: 1, date_format: 'YYYY-MM-DD', col_date: 1, col_credit: 2,
    col_debit: 3, col_counterparty_account: 4, col_counterparty_name: 5, col_remark: 6, col_balance: 7,
  });
  await finance('POST', '/api/v1/bank-accounts', { name: '保障房租金专户', account_no: '1812000000009999', format_id: format.id });
  const bureau = caller(s, apikey(s.data.dir, 'bureau', 'reconcile-owner', ['--all-communities']));
  await bureau('POST', '/api/v1/owners', { name: '咸宁市安居投资公司', credit_code: '91310115591693856A' });
  const csv =
    '交易日期,贷方金额,借方金额,对方账号,对方户名,摘要,余额\n' +
    `${today()},300.00,,6228480011112222,钱勇,房租,300.00\n` +
    `${today()},523.00,,6222000055556666,吴建华,转账,823.00\n` +
    `${today()},410.00,,6222000077778888,孙某某,代缴房租,1233.00\n`;
  const bytes = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: csv });
  const financePw = account(s, 'lixiaomei', 'finance', ['--name', '李晓梅', '--all-communities']);

  await withPage(env, async (page) => {
    await firstSignIn(page, 'lixiaomei', financePw);
    await page.getByRole('menuitem', { name: '银行对账单' }).click();
    await page.waitForURL(/\/rent\/bank-statements$/);
    await page.getByTestId('statement-file').setInputFiles({ name: '农行流水.csv', mimeType: 'text/csv', buffer: bytes });
    await page.getByTestId('statement-import').click();
    const summary = page.getByTestId('statement-summary');
    await summary.waitFor({ timeout: 60000 });
    assert.match(await summary.innerText(), /共 3 行，新增 3 行[\s\S]*自动入账 1 笔[\s\S]*转入待查明 933\.00 元/);
    assert.equal(await page.getByTestId('statement-progress').getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    await shot(page, 'bank-statement-imported');
    await page.getByTestId('statement-review').click();
    await page.waitForURL(/\/rent\/match-review/);

    // 吴建华's transfer: suggested by the payer's name.
    const table = page.getByTestId('bank-lines');
    const wuRow = table.locator('tbody tr', { hasText: '吴建华' }).first();
    await wuRow.waitFor();
    await wuRow.locator('.el-table__expand-icon').click();
    const suggestions = page.getByTestId('suggestions');
    await suggestions.waitFor();
    assert.match(await suggestions.innerText(), /吴建华 户[\s\S]*付款人为承租人[\s\S]*70/);
    await shot(page, 'match-review-suggestion');
    await suggestions.getByTestId('suggestion-confirm').first().click();
    await page.getByText('已确认：523.00 元入账').waitFor();
    // It leaves the suspense list.
    await page.waitForFunction(() => !document.querySelector('[data-testid="bank-lines"]')?.innerText.includes('吴建华'));

    // 孙某某 paid for 孙丽: no suggestion; found by search.
    const sunRow = page.getByTestId('bank-lines').locator('tbody tr', { hasText: '孙某某' }).first();
    await sunRow.locator('.el-table__expand-icon').click();
    await page.getByText('没有建议').waitFor();
    await page.getByTestId('line-pick').click();
    await page.getByPlaceholder('户主或成员姓名、电话、身份证号').fill('孙丽');
    await page.getByText('孙丽 户').first().click();
    await page.getByText('已确认：410.00 元入账').waitFor();

    // The layouts and accounts; an owner's statement with a payment out.
    await page.getByRole('menuitem', { name: '银行账户' }).click();
    await page.getByTestId('bank-formats').getByText('中国农业银行（abc）').waitFor();
    assert.match(await page.getByTestId('bank-formats').innerText(), /交易日期=第1列/);
    await page.getByRole('menuitem', { name: '产权单位对账' }).click();
    await page.getByTestId('owner-income').waitFor();
    await page.getByTestId('pay-add').click();
    await page.getByTestId('pay-payee').fill('安居物业服务公司');
    await page.getByTestId('pay-amount').fill('100');
    await page.getByTestId('pay-save').click();
    await page.getByTestId('disbursements').getByText('安居物业服务公司').waitFor();
    assert.match(await page.getByText(/运营服务费 100\.00 元/).innerText(), /合计 100\.00 元/);
    await shot(page, 'owner-statement');
    assert.deepEqual(pageErrors(page), []);
  });

  for (const h of [wu, sun, qian]) {
    const acc = await finance('GET', `/api/v1/households/${h.id}/account`);
    assert.equal(acc.owed_fen, 0, `${h.head} still owes`);
  }
  const lines = await finance('GET', '/api/v1/bank-lines?state=suspense');
  assert.equal(lines.items.length, 0);
});
