// The counter and money screens as finance and a clerk use them: finance
// finds a household at the 收款台, sees its open charges, takes a cash
// payment on a paper receipt book handed to it (the allocation shown before
// it is sent, one Idempotency-Key per payment), prints the receipt (its PDF's
// text checked with pdftotext: amount in figures and in words, number), and
// sees the household's account updated; a clerk without a book is told to
// fetch one, and pays by bank transfer instead; finance receives a book on
// the 票据管理 page, hands it to the clerk picked by name (one disabled
// since the picker was filled is refused, the reason shown beside it),
// takes it back and writes it off with its sheet; a reversal asked for on
// the account page reads well in the approvals inbox and, once approved,
// voids the receipt.  The data is made through the API (lib/money.js).
import assert from 'node:assert/strict';
import { apikey } from '../api/lib/server.js';
import { shot, firstSignIn, submitLogin, pageErrors, NEW_PASSWORD } from './lib/browser.js';
import { useConsole, pageTest } from './lib/suite.js';
import { account } from './lib/housing.js';
import { accountId, caller, pdfText, seedHouseholds, today } from './lib/money.js';

const env = useConsole();
const users = {
  finance: { username: 'hemin', role: 'finance', name: '何敏', password: '', changed: false },
  clerk: { username: 'zhaolei', role: 'operator_staff', name: '赵磊', password: '', changed: false },
  // Never signed in: one more clerk to pick (and disable), and the bureau's
  // account, which may not hold a book.
  other: { username: 'chenxy', role: 'operator_staff', name: '陈晓燕' },
  boss: { username: 'wangjun', role: 'bureau', name: '王军' },
};
const world = {};
let seeded;

// Three households of 金桂苑: 吴建华 owes two months of rent (300 yuan each),
// 孙丽 owes one, 钱勇 paid 450 yuan by bank transfer.  Finance's account has a
// paper book B2026 (numbers 101 to 150); the clerk's has none.
async function seed() {
  seeded ??= (async () => {
    const s = env.server;
    const { community, households } = await seedHouseholds(s, ['吴建华', '孙丽', '钱勇']);
    world.community = community;
    [world.wu, world.sun, world.qian] = households;
    users.finance.password = account(s, users.finance.username, 'finance', ['--name', users.finance.name, '--all-communities']);
    users.clerk.password = account(s, users.clerk.username, 'operator_staff', [
      '--name',
      users.clerk.name,
      '--community',
      String(community.id),
    ]);
    account(s, users.other.username, 'operator_staff', ['--name', users.other.name, '--community', String(community.id)]);
    account(s, users.boss.username, 'bureau', ['--name', users.boss.name, '--all-communities']);
    for (const u of Object.values(users)) u.id = await accountId(s, u.username);

    const finance = caller(s, apikey(s.data.dir, 'finance', 'money-seed-finance', ['--all-communities']));
    world.financeKey = finance;
    const rent = (h, month, amount = 30000) =>
      finance('POST', '/api/v1/charges', {
        household_id: h.id,
        kind: 'rent',
        amount_fen: amount,
        due_on: `2026-${month}-05`,
        period: `2026-${month}`,
      });
    world.wuOct = await rent(world.wu, '10');
    world.wuNov = await rent(world.wu, '11');
    await rent(world.sun, '11', 25000);
    await rent(world.qian, '11', 45000);
    world.qianPayment = await finance(
      'POST',
      '/api/v1/payments',
      { household_id: world.qian.id, amount_fen: 45000, channel: 'bank_transfer', channel_ref: 'BT-20261120-0001' },
      { 'Idempotency-Key': 'money-browser-qian' },
    );
    const book = await finance('POST', '/api/v1/receipt-books', {
      series: 'B2026',
      first_no: 101,
      last_no: 150,
      received_on: today(),
      received_by: '何敏',
    });
    await finance('POST', `/api/v1/receipt-books/${book.id}/hand`, { account_id: users.finance.id });
    world.bureau = caller(s, apikey(s.data.dir, 'bureau', 'money-seed-approver', ['--all-communities']));
  })();
  return seeded;
}

// The first test of each account changes its initial password; later ones
// sign in.
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

// Finds a household at the counter by its head's phone and opens it.
async function findAtCounter(page, h) {
  const picker = page.getByTestId('household-picker');
  await picker.getByTestId('household-search').fill(h.phone);
  const hit = picker.getByTestId('household-results').locator(`[data-household="${h.id}"]`);
  await hit.getByText(`${h.head} 户`).waitFor();
  await hit.click();
  await page.getByTestId('counter-household').getByText(`${h.head} 户`).waitFor();
}

// Picks a clerk in the 发放 dialog's picker: types what finds them (a name
// or a username) and clicks the option that shows their name.
async function pickClerk(page, dialog, typed, name) {
  await dialog.getByTestId('clerk-select').locator('.el-select__wrapper').click();
  await page.keyboard.type(typed);
  await page.getByRole('option', { name: new RegExp(`^${name}（`) }).click();
  assert.match(await dialog.getByTestId('clerk-select').innerText(), new RegExp(`${name}（`));
}

pageTest('finance takes a cash payment at the counter, prints the receipt and sees the account', env, async (page) => {
  await signIn(page, 'finance');
  await page.getByRole('menuitem', { name: '收款台' }).click();
  await page.waitForURL(/\/counter$/);
  // Its own paper book, with the next number.
  await page.getByTestId('my-book').getByText('下一张 B2026-00000101').waitFor();

  await findAtCounter(page, world.wu);
  assert.equal(await page.getByTestId('counter-owed').innerText(), '¥600.00');
  assert.equal(await page.getByTestId('counter-credit').innerText(), '¥0.00');
  const rows = page.getByTestId('open-charges').locator('tbody tr');
  assert.equal(await rows.count(), 2);
  // Oldest due first.
  assert.match(await rows.nth(0).innerText(), /租金\s+2026-10\s+2026-10-05\s+¥300\.00\s+¥0\.00\s+¥300\.00/);
  assert.match(await rows.nth(1).innerText(), /2026-11/);

  // An amount with three decimals is refused in the browser.
  const amount = page.getByTestId('payment-amount');
  await amount.fill('300.005');
  await amount.press('Tab');
  await page.getByText('收款金额应为数字，最多两位小数').waitFor();
  assert.ok(await page.getByTestId('payment-submit').isDisabled());

  // 350 yuan: October settled, 50 of November.
  await amount.fill('350');
  const preview = page.getByTestId('allocation-preview');
  await preview.getByText('本次收款 ¥350.00 将：').waitFor();
  assert.match(await preview.innerText(), /冲抵 租金 2026-10（应缴 2026-10-05）¥300\.00，\s*结清/);
  assert.match(await preview.innerText(), /冲抵 租金 2026-11（应缴 2026-11-05）¥50\.00，\s*仍欠 ¥250\.00/);
  // 300 yuan exactly: October only, nothing left over.
  await amount.fill('300.00');
  await preview.getByText('本次收款 ¥300.00 将：').waitFor();
  assert.doesNotMatch(await preview.innerText(), /2026-11|预收款/);
  await shot(page, 'counter-preview');

  // A double click takes the money once: every request carries the same key.
  const posted = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/payments') posted.push(r);
  });
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/payments');
  await page.getByTestId('payment-submit').dblclick();
  const res = await answered;
  assert.equal(res.status(), 201, await res.text());
  const payment = await res.json();
  assert.ok(posted.length >= 1);
  const keys = new Set(posted.map((r) => r.headers()['idempotency-key']));
  assert.equal(keys.size, 1);
  assert.match([...keys][0], /^[0-9a-f]{32}$/);
  assert.deepEqual(posted[0].postDataJSON(), { household_id: world.wu.id, amount_fen: 30000, channel: 'cash' });

  // The receipt: the next number of finance's own book.
  const done = page.getByTestId('payment-done');
  await done.getByText('已收款 ¥300.00').waitFor();
  assert.equal(await page.getByTestId('receipt-number').innerText(), 'B2026-00000101');
  assert.equal(payment.receipt.number, 'B2026-00000101');
  await page.getByTestId('my-book').getByText('下一张 B2026-00000102').waitFor();
  // Ready for the next household.
  assert.equal(await page.getByTestId('household-search').inputValue(), '');
  await shot(page, 'counter-paid');

  // 打印票据 opens the receipt's PDF in a new tab; read with the session, its
  // text has the amount in figures and in words and the number.
  const print = page.getByTestId('print-receipt');
  const href = await print.getAttribute('href');
  assert.equal(href, `/api/v1/receipts/${payment.receipt.id}/pdf`);
  assert.equal(await print.getAttribute('target'), '_blank');
  const pdf = await page.context().request.get(href);
  assert.equal(pdf.status(), 200, await pdf.text());
  assert.match(pdf.headers()['content-type'] || '', /^application\/pdf/);
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = pdfText(bytes);
  assert.ok(text.includes('300.00'), text);
  assert.ok(text.includes('叁佰元整'), text);
  assert.ok(text.includes('B2026-00000101'), text);
  // Without the session the PDF is not given.
  const anonymous = await fetch(env.server.base + href);
  assert.equal(anonymous.status, 401);

  // The household's account: the payment with its receipt, October settled,
  // 300 yuan still owed.
  await done.getByRole('button', { name: '查看家庭账户' }).click();
  await page.waitForURL(new RegExp(`/households/${world.wu.id}/account$`));
  await page.getByTestId('account-title').getByText('吴建华 户').waitFor();
  assert.equal(await page.getByTestId('account-owed').innerText(), '¥300.00');
  assert.equal(await page.getByTestId('account-credit').innerText(), '¥0.00');
  const paid = page.getByTestId('payments-table').locator('tbody tr');
  assert.equal(await paid.count(), 1);
  const line = await paid.first().innerText();
  assert.match(line, /¥300\.00/);
  assert.match(line, /现金/);
  assert.match(line, /租金 2026-10 ¥300\.00/);
  assert.match(line, /B2026-00000101/);
  assert.match(line, /有效/);
  const oct = page.getByTestId('charges-table').locator('tbody tr', { hasText: '2026-10-05' });
  assert.match(await oct.innerText(), /已结清/);
  const nov = page.getByTestId('charges-table').locator('tbody tr', { hasText: '2026-11-05' });
  assert.match(await nov.innerText(), /未结清/);
  // The ledger: the payment's journal, cash on hand against the receivable.
  const journal = page.getByTestId('ledger').locator('.journal').first();
  assert.match(await journal.innerText(), /收款/);
  assert.match(await journal.innerText(), /库存现金\s+¥300\.00/);
  await shot(page, 'household-account');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a clerk without a receipt book is told to fetch one and takes a bank transfer', env, async (page) => {
  await signIn(page, 'clerk');
  await page.goto('/counter');
  const warn = page.getByTestId('my-book');
  await warn.getByText('您名下没有使用中的纸质票据').waitFor();
  assert.match(await warn.innerText(), /财务发放时按姓名选择您：\S+/);

  await findAtCounter(page, world.sun);
  assert.equal(await page.getByTestId('counter-owed').innerText(), '¥250.00');
  await page.getByRole('button', { name: '填入欠缴合计 ¥250.00' }).click();
  assert.equal(await page.getByTestId('payment-amount').inputValue(), '250.00');
  const refused = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/payments');
  await page.getByTestId('payment-submit').click();
  const r1 = await refused;
  assert.equal(r1.status(), 409);
  const problem = page.getByTestId('payment-problem');
  await problem.getByText('查看票据管理').waitFor();
  const key1 = r1.request().headers()['idempotency-key'];
  await shot(page, 'counter-no-book');

  // A bank transfer needs its reference, and gets an electronic receipt;
  // another payment is another key.
  await page.getByTestId('payment-channel').getByText('银行转账').click();
  await page.getByTestId('payment-submit').click();
  await page.getByText('请输入银行流水号').waitFor();
  await page.locator('input[name=channel_ref]').fill('BT-20261128-0042');
  const taken = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/payments');
  await page.getByTestId('payment-submit').click();
  const r2 = await taken;
  assert.equal(r2.status(), 201, await r2.text());
  assert.notEqual(r2.request().headers()['idempotency-key'], key1);
  assert.match(await page.getByTestId('receipt-number').innerText(), /^E\d{4}YH-\d{8}$/);
  await page.getByTestId('payment-done').getByText('冲抵 租金 2026-11 ¥250.00').waitFor();
  assert.deepEqual(pageErrors(page), []);
});

pageTest('finance receives a receipt book, hands it to the clerk, takes it back and writes it off', env, async (page) => {
  await signIn(page, 'finance');
  await page.getByRole('menuitem', { name: '票据管理' }).click();
  await page.waitForURL(/\/receipt-books$/);
  await page.getByTestId('books-table').getByText('B2026', { exact: true }).waitFor();

  await page.getByTestId('receive-book').click();
  const form = page.getByTestId('receive-form');
  await form.locator('input[name=series]').fill('C2026');
  await form.locator('input[name=first_no]').fill('1');
  await form.locator('input[name=last_no]').fill('20001');
  await form.locator('input[name=last_no]').press('Tab');
  await form.getByText('一本票据至多 10000 张').waitFor();
  await form.locator('input[name=last_no]').fill('20');
  await form.getByText('共 20 张').waitFor();
  const received = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/receipt-books');
  await form.getByRole('button', { name: '领入' }).click();
  const rr = await received;
  assert.equal(rr.status(), 201, await rr.text());
  assert.deepEqual(rr.request().postDataJSON(), {
    series: 'C2026',
    first_no: 1,
    last_no: 20,
    received_on: today(),
    received_by: '何敏',
  });
  const row = () => page.getByTestId('books-table').locator('tbody tr', { hasText: 'C2026' });
  await row().getByText('未领用').waitFor();

  // 发放 to the clerk, picked by name.  Nothing chosen: asked to choose.
  await row().getByRole('button', { name: '发放' }).click();
  const hand = page.getByTestId('hand-form');
  await hand.getByRole('button', { name: '发放' }).click();
  await hand.getByText('请选择收款员').waitFor();
  // The picker offers the active operator staff and finance (not the
  // bureau's account), found by username as well as by name.
  await pickClerk(page, hand, users.other.username, users.other.name);
  await hand.getByTestId('clerk-select').locator('.el-select__wrapper').click();
  await page.keyboard.type(users.boss.name);
  await page.getByText('没有匹配的收款员').waitFor();
  await page.keyboard.press('Tab');
  assert.match(await hand.getByTestId('clerk-select').innerText(), new RegExp(`${users.other.name}（${users.other.username} · 运营人员）`));
  // One disabled after the list was read: the server refuses it, and says
  // why beside the picker.
  const disabled = await env.server.api('POST', `/api/v1/accounts/${users.other.id}/disable`);
  assert.equal(disabled.status, 200, disabled.text);
  const refused = page.waitForResponse((r) => r.request().method() === 'POST' && /\/hand$/.test(new URL(r.url()).pathname));
  await hand.getByRole('button', { name: '发放' }).click();
  assert.equal((await refused).status(), 422);
  await hand.getByText('这个账号已停用').waitFor();
  await shot(page, 'receipt-book-hand');
  await pickClerk(page, hand, users.clerk.name, users.clerk.name);
  assert.equal(await hand.getByText('这个账号已停用').count(), 0);
  const handed = page.waitForResponse((r) => r.request().method() === 'POST' && /\/hand$/.test(new URL(r.url()).pathname));
  await hand.getByRole('button', { name: '发放' }).click();
  const hr = await handed;
  assert.equal(hr.status(), 200, await hr.text());
  assert.deepEqual(hr.request().postDataJSON(), { account_id: users.clerk.id });
  await hand.waitFor({ state: 'hidden' });
  await row().getByText('使用中').waitFor();
  assert.match(await row().innerText(), new RegExp(`${users.clerk.name}\\s*#${users.clerk.id}`));
  await shot(page, 'receipt-books');

  // 停用收回, then 核销 after reading the sheet: all 20 unused.
  await row().getByRole('button', { name: '停用收回' }).click();
  await page.getByRole('dialog', { name: '停用收回票据' }).getByRole('button', { name: '停用收回' }).click();
  await row().getByText('已用完').waitFor();
  await row().getByRole('button', { name: '核销' }).click();
  await page.waitForURL(/\/receipt-books\/\d+\/write-off$/);
  const totals = page.getByTestId('writeoff-totals');
  await totals.waitFor();
  assert.match(await totals.innerText(), /已开具 0 张/);
  assert.match(await totals.innerText(), /未使用 20 张/);
  assert.match(await page.getByTestId('writeoff-lines').innerText(), /C2026-00000001 至 C2026-00000020/);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-sheet').click();
  const xlsx = await download;
  const path = await xlsx.path();
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(path).subarray(0, 2).toString('latin1'), 'PK');
  await page.getByTestId('write-off').click();
  await page.getByRole('dialog', { name: '确认核销' }).getByRole('button', { name: '核销' }).click();
  await page.getByTestId('writeoff-title').locator('..').getByText('已核销').waitFor();
  assert.equal(await page.getByTestId('write-off').count(), 0);
  await shot(page, 'receipt-book-writeoff');
  // Printed, the console's frame is left out.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.el-aside').isVisible(), false);
  assert.equal(await page.getByTestId('print-sheet').isVisible(), false);
  assert.ok(await page.getByTestId('writeoff-lines').isVisible());
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a reversal asked for on the account reads well in the approvals and voids the receipt', env, async (page) => {
  await signIn(page, 'finance');
  await page.goto(`/households/${world.qian.id}`);
  await page.getByTestId('household-account').click();
  await page.waitForURL(new RegExp(`/households/${world.qian.id}/account$`));
  const row = page.getByTestId('payments-table').locator('tbody tr').first();
  await row.getByText('E2026YH').waitFor();
  await row.getByRole('button', { name: '申请冲正' }).click();
  const dialog = page.getByTestId('reason-dialog');
  assert.match(await dialog.getByTestId('reason-subject').innerText(), /银行转账 ¥450\.00/);
  await dialog.locator('textarea').fill('银行退票');
  const asked = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/reverse'));
  await dialog.getByRole('button', { name: '提交审批' }).click();
  const ar = await asked;
  assert.equal(ar.status(), 202, await ar.text());
  const approval = (await ar.json()).approval;
  await page.getByText('已提交审批').first().waitFor();
  // Nothing changed yet.
  assert.match(await row.innerText(), /已入账/);

  await page.getByRole('menuitem', { name: '审批' }).click();
  await page.getByRole('tab', { name: '我的申请' }).click();
  const card = page.getByTestId('approvals-list').locator(`[data-approval="${approval.id}"]`);
  await card.getByText('冲正收款并作废票据').waitFor();
  await card.getByText(/银行转账 ¥450\.00 · .* · 票据 E2026YH-\d{8}/).waitFor();
  const link = card.getByRole('link', { name: /钱勇 户（#\d+）/ });
  await link.waitFor();
  assert.match(await card.innerText(), /申请理由\s+银行退票/);
  await shot(page, 'approvals-money');

  // A second person approves it: the payment is reversed, its receipt void.
  await world.bureau('POST', `/api/v1/approvals/${approval.id}/approve`, { note: '同意' });
  await link.click();
  await page.waitForURL(new RegExp(`/households/${world.qian.id}/account$`));
  const after = page.getByTestId('payments-table').locator('tbody tr').first();
  await after.getByText('已冲正').waitFor();
  assert.match(await after.innerText(), /已作废/);
  assert.match(await after.innerText(), /银行退票/);
  assert.equal(await page.getByTestId('account-owed').innerText(), '¥450.00');
  await shot(page, 'household-account-reversed');

  // 登记费用: a charge raised by hand, in yuan, sent in fen.
  await page.getByTestId('add-charge').click();
  const form = page.getByTestId('charge-form');
  await form.locator('input[name=charge_amount]').fill('120.5');
  await form.locator('input[name=due_on]').fill('2026-12-05');
  await form.locator('input[name=due_on]').press('Enter');
  await form.locator('input[name=period]').fill('2026-12');
  await form.locator('input[name=period]').press('Enter');
  await form.locator('input[name=charge_note]').fill('补登十二月租金');
  const raised = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/charges');
  await form.getByRole('button', { name: '登记' }).click();
  const cr = await raised;
  assert.equal(cr.status(), 201, await cr.text());
  assert.match(cr.request().headers()['idempotency-key'] || '', /^[0-9a-f]{32}$/);
  assert.deepEqual(cr.request().postDataJSON(), {
    household_id: world.qian.id,
    kind: 'rent',
    amount_fen: 12050,
    due_on: '2026-12-05',
    period: '2026-12',
    note: '补登十二月租金',
  });
  const dec = page.getByTestId('charges-table').locator('tbody tr', { hasText: '2026-12-05' });
  await dec.getByText('补登十二月租金').waitFor();
  assert.match(await dec.innerText(), /¥120\.50/);
  await page.getByTestId('account-owed').getByText('¥570.50').waitFor();
  assert.deepEqual(pageErrors(page), []);
});
