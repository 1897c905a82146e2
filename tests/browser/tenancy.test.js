// The whole tenancy path through the console, as the people who do it use
// it (issue 6 §7): the operator's clerk takes an application at the counter,
// submits it and passes the first review; bureau person A proposes the grant
// and bureau person B approves it in the approvals inbox; once the publicity
// is over (the daily publicity_close job, run for the day after it ends) the
// household waits on the list; bureau A runs a lottery batch in the
// allocation wizard (units chosen, list published with its SM3, three
// parties' commitments, a wrong value refused, the values revealed and the
// draw, draw.json downloaded and recomputed by `anju lottery verify`, result
// publicity of 0 days, offers); the clerk records the household's
// acceptance, drafts the lease from the accepted offer and has the tenant
// sign on the screen; finance takes the deposit at the 收款台; the lease page
// then shows the deposit paid, the contract PDF downloaded from it reads
// right (pdftotext: the parties, ID numbers masked, the unit, the term, rent
// and deposit in figures and in 人民币大写, art. 27 and 29), and the page its
// QR code leads to confirms the lease in force without personal data.
// Set-up that is not the point (the community, units, households, two other
// households already in publicity, accounts, a receipt book) is made through
// the API and the command line; no state is written in SQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { apikey, run } from '../api/lib/server.js';
import { shot, firstSignIn, newPage, pageErrors } from './lib/browser.js';
import { useConsole } from './lib/suite.js';
import { account, idNumber } from './lib/housing.js';
import { accountId, caller, pdfText, today } from './lib/money.js';

const env = useConsole();

const sm3 = (v) => createHash('sm3').update(v, 'utf8').digest('hex');
const dayAfter = (date, n) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

// A valid unified social credit code (GB 32100) from 17 symbols.
function creditCode(prefix17) {
  const symbols = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += symbols.indexOf(prefix17[i]) * weights[i];
  return prefix17 + symbols[(31 - (sum % 31)) % 31];
}

// An ID number as documents show it: the first 3 and the last 4 digits.
const masked = (id) => `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;

// The household whose path the test walks.
const HEAD = { name: '钟晓梅', id_number: idNumber('19820412', 81), phone: '10066600081' };
const CHILD = { name: '钟磊', id_number: idNumber('20100908', 82) };
// The lottery's parties (the wizard's defaults) and the values each keeps
// secret until the draw.
const PARTIES = ['市住房保障局', '运营单位', '公证处'];
const SECRETS = ['bureau-5c1e9a77d2b04f31', 'operator-0b9d33e6a8c2417f', 'notary-7e21f4c90d5a6b88'];

// 桂花园公租房: building 2 with three vacant units, our household and two
// others whose applications are already in publicity (all through the API);
// the people who sign in; finance's paper receipt book.
async function seed() {
  const s = env.server;
  const bureauKey = apikey(s.data.dir, 'bureau', 'tenancy-seed', ['--all-communities']);
  const bureau = caller(s, bureauKey);
  const bureau2 = caller(s, apikey(s.data.dir, 'bureau', 'tenancy-seed-2', ['--all-communities']));
  const owner = await bureau('POST', '/api/v1/owners', { name: '咸宁市城市建设投资集团', credit_code: creditCode('91421200591693856') });
  const operator = await bureau('POST', '/api/v1/operators', { name: '咸宁安居物业服务有限公司', credit_code: creditCode('91421200731123456') });
  const community = await bureau('POST', '/api/v1/communities', {
    name: '桂花园公租房',
    owner_id: owner.id,
    operator_id: operator.id,
    address: '咸宁市咸安区桂花路 18 号',
    district: '咸安区',
  });
  // The rent standard new leases take their rent from (the rent issue): a
  // fixed 523 yuan a month for every layout of the community.
  await bureau('POST', '/api/v1/rent-standards', {
    community_id: community.id, layout: '*', effective_from: today(), mode: 'fixed', fixed_fen: 52300,
  });
  const staff = caller(s, apikey(s.data.dir, 'operator_staff', 'tenancy-seed-staff', ['--community', String(community.id)]));
  const manager = caller(s, apikey(s.data.dir, 'operator_manager', 'tenancy-seed-mgr', ['--community', String(community.id)]));
  const building = await manager('POST', '/api/v1/buildings', { community_id: community.id, name: '2', floors: 6, entrances: 1 });
  const units = [];
  for (const [k, number] of ['2-1-0301', '2-1-0302', '2-1-0401'].entries()) {
    const u = await manager('POST', '/api/v1/units', {
      building_id: building.id,
      entrance: 1,
      floor: k < 2 ? 3 : 4,
      number,
      layout: k === 1 ? '两室一厅' : '一室一厅',
      floor_area: k === 1 ? 5680 : 4250,
      usable_area: k === 1 ? 4544 : 3400,
      orientation: '南北',
    });
    const check = await staff('POST', `/api/v1/units/${u.id}/acceptance`, {
      items: [
        { room: '客厅', item: '墙面', condition: 'good' },
        { room: '卫生间', item: '水电', condition: 'good' },
      ],
    });
    await staff('POST', `/api/v1/acceptance-checks/${check.id}/sign`, {});
    await bureau('POST', `/api/v1/acceptance-checks/${check.id}/confirm`, {});
    units.push({ id: u.id, number });
  }
  const household = await bureau('POST', '/api/v1/households', {
    community_id: community.id,
    category: 'low_income',
    hukou: '咸宁市咸安区',
    monthly_income_fen: 180000,
    assets_fen: 0,
    local_hukou: true,
    current_housing: '租住',
    members: [
      { ...HEAD, relationship: 'head' },
      { ...CHILD, relationship: 'child' },
    ],
  });
  // Two more households on their way to the list, so that the lottery
  // draws among several.
  for (const [k, name] of ['郑国强', '冯丽娟'].entries()) {
    const h = await staff('POST', '/api/v1/households', {
      community_id: community.id,
      category: 'low_income',
      hukou: '咸宁市咸安区',
      monthly_income_fen: 150000,
      assets_fen: 0,
      local_hukou: true,
      current_housing: '租住',
      members: [{ name, id_number: idNumber('19790101', 91 + k), relationship: 'head' }],
    });
    const a = await staff('POST', '/api/v1/applications', { household_id: h.id });
    await staff('POST', `/api/v1/applications/${a.id}/submit`, {});
    await staff('POST', `/api/v1/applications/${a.id}/first-review`, { pass: true, reason: '材料齐全' });
    const d = await bureau('POST', `/api/v1/applications/${a.id}/decide`, { grant: true, reason: '符合条件' });
    await bureau2('POST', `/api/v1/approvals/${d.approval.id}/approve`, {});
  }

  const w = {
    bureau,
    community,
    units,
    household,
    clerk: account(s, 'tangjing', 'operator_staff', ['--name', '唐静', '--community', String(community.id)]),
    bureauA: account(s, 'luoming', 'bureau', ['--name', '罗明', '--all-communities']),
    bureauB: account(s, 'xiafang', 'bureau', ['--name', '夏芳', '--all-communities']),
    finance: account(s, 'gaoyan', 'finance', ['--name', '高燕', '--all-communities']),
  };
  // Finance's own paper receipt book for the counter.
  const finance = caller(s, apikey(s.data.dir, 'finance', 'tenancy-seed-finance', ['--all-communities']));
  const book = await finance('POST', '/api/v1/receipt-books', {
    series: 'G2026',
    first_no: 1,
    last_no: 50,
    received_on: today(),
    received_by: '高燕',
  });
  await finance('POST', `/api/v1/receipt-books/${book.id}/hand`, { account_id: await accountId(s, 'gaoyan') });
  return w;
}

// Runs the daily publicity_close job for a day (the API's job route, as the
// schedule would run it); returns how many it approved.
async function closePublicity(day) {
  const s = env.server;
  const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'publicity_close', params: { today: day } } });
  assert.equal(r.status, 202, r.text);
  const job = await s.waitJob(r.json.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  return job.result.approved;
}

// Waits until the application page shows state.
const appStateIs = (page, title) => page.getByTestId('application-state').filter({ hasText: title }).waitFor();

// Confirms an ElMessageBox (确认 / prompt) with its primary button.
async function confirmBox(page) {
  const box = page.locator('.el-message-box');
  await box.waitFor();
  await box.locator('.el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

// Waits for the answer to the next request to path (a RegExp on the
// pathname) made by method while fn runs; asserts its status.
async function answered(page, method, path, status, fn) {
  const res = page.waitForResponse((r) => r.request().method() === method && path.test(new URL(r.url()).pathname));
  await fn();
  const r = await res;
  assert.equal(r.status(), status, await r.text());
  return r;
}

test('the tenancy path: application, approval, lottery, lease signed, deposit paid, contract PDF', { timeout: 180000 }, async () => {
  const w = await seed();
  const pages = [];
  const open = async () => {
    const p = await newPage(env.browser, env.server);
    pages.push(p);
    return p;
  };
  try {
    // ---- 1. The clerk takes the application and passes the first review.
    const clerk = await open();
    await firstSignIn(clerk, 'tangjing', w.clerk);
    await clerk.getByRole('menuitem', { name: '申请受理' }).click();
    await clerk.waitForURL(/\/applications$/);
    await clerk.getByTestId('new-application').click();
    const form = clerk.getByTestId('application-form');
    await form.getByTestId('household-picker').click();
    await form.getByTestId('household-picker').locator('input').fill(HEAD.name);
    await clerk.getByRole('option', { name: new RegExp(HEAD.name) }).click();
    await form.getByTestId('application-save').click();
    await clerk.waitForURL(/\/applications\/\d+$/);
    const appId = Number(/\/applications\/(\d+)$/.exec(clerk.url())[1]);
    await appStateIs(clerk, '草稿');
    await clerk.getByTestId('eligibility').getByText('符合').first().waitFor();
    await clerk.getByTestId('application-actions').getByRole('button', { name: '提交' }).click();
    await appStateIs(clerk, '已提交');
    await clerk.getByTestId('application-actions').getByRole('button', { name: '初审' }).click();
    const review = clerk.getByTestId('action-dialog');
    await review.getByTestId('action-reason').fill('材料齐全，收入与住房情况属实');
    await review.getByTestId('action-confirm').click();
    await appStateIs(clerk, '初审通过');
    assert.equal(await clerk.getByRole('button', { name: '复审意见' }).count(), 0);

    // ---- 2. Bureau person A proposes the grant.
    const a = await open();
    await firstSignIn(a, 'luoming', w.bureauA);
    await a.goto(`/applications/${appId}`);
    await appStateIs(a, '初审通过');
    await a.getByTestId('application-actions').getByRole('button', { name: '复审意见' }).click();
    const decide = a.getByTestId('action-dialog');
    await decide.getByText('核准（进入公示）').click();
    await decide.getByTestId('action-reason').fill('低收入家庭，无自有住房，符合保障条件');
    const proposed = await answered(a, 'POST', new RegExp(`^/api/v1/applications/${appId}/decide$`), 202, () =>
      decide.getByTestId('action-confirm').click(),
    );
    const approvalId = (await proposed.json()).approval.id;
    await appStateIs(a, '复审审批中');

    // ---- 3. Bureau person B approves it in the approvals inbox.
    const b = await open();
    await firstSignIn(b, 'xiafang', w.bureauB);
    await b.getByRole('menuitem', { name: '审批' }).click();
    await b.waitForURL(/\/approvals$/);
    const card = b.getByTestId('approvals-list').locator(`[data-approval="${approvalId}"]`);
    await card.getByText('保障资格审核决定').waitFor();
    await card.getByRole('button', { name: '批准' }).click();
    const approveDialog = b.getByTestId('decide-dialog');
    await approveDialog.locator('textarea').fill('同意');
    await answered(b, 'POST', new RegExp(`^/api/v1/approvals/${approvalId}/approve$`), 200, () =>
      approveDialog.getByRole('button', { name: '确认批准' }).click(),
    );
    await b.goto(`/applications/${appId}`);
    await appStateIs(b, '公示中');
    await b.getByTestId('publicity-banner').waitFor();
    // The publicity runs from today; it ends with the job below.
    const app = await w.bureau('GET', `/api/v1/applications/${appId}`);
    assert.ok(app.publicity_until >= today(), JSON.stringify(app));
    await b.close();

    // ---- 4. The publicity ends: the daily job, run for the day after it
    // (all three applications), puts the households on the waitlist.
    assert.equal(await closePublicity(dayAfter(app.publicity_until, 1)), 3);
    await a.reload();
    await appStateIs(a, '已核准轮候');
    await a.getByRole('menuitem', { name: '轮候名单' }).click();
    await a.waitForURL(/\/waitlist$/);
    await a.getByTestId('waitlist-table').locator('tbody tr', { hasText: '钟*' }).first().waitFor();
    assert.equal(await a.getByTestId('waitlist-table').locator('tbody tr').count(), 3);
    await shot(a, 'tenancy-waitlist');

    // ---- 5. Bureau A runs a lottery in the allocation wizard.
    await a.getByRole('menuitem', { name: '配租批次' }).click();
    await a.waitForURL(/\/allocations$/);
    await a.getByRole('button', { name: '新建批次' }).click();
    await a.waitForURL(/\/allocations\/new$/);
    const af = a.getByTestId('allocation-form');
    await af.getByTestId('community-select').locator('.el-select__wrapper').click();
    await a.getByRole('option', { name: '桂花园公租房', exact: true }).click();
    await af.getByPlaceholder('如：2026年第一批公租房配租').fill('桂花园2026年第一批摇号配租');
    // The parties are the wizard's defaults.
    const partyInputs = af.locator('.parties input');
    assert.deepEqual(await partyInputs.evaluateAll((xs) => xs.map((x) => x.value)), PARTIES);
    await af.locator('.el-form-item', { hasText: '结果公示天数' }).locator('input').fill('0');
    const vacant = af.getByTestId('vacant-units');
    await vacant.locator('tbody tr').nth(2).waitFor();
    assert.equal(await vacant.locator('tbody tr').count(), 3);
    await vacant.locator('thead .el-checkbox').click();
    await af.getByRole('button', { name: '建立草稿（锁定 3 套房源）' }).click();
    await a.waitForURL(/\/allocations\/\d+$/);
    const batchId = Number(/\/allocations\/(\d+)$/.exec(a.url())[1]);

    // The list is published first, with its SM3.
    await a.getByRole('button', { name: '公布名单' }).click();
    await confirmBox(a);
    const listHash = (await a.getByTestId('list-hash').innerText()).trim();
    assert.match(listHash, /^[0-9a-f]{64}$/);
    const entries = a.getByTestId('entries-table').locator('tbody tr');
    await entries.nth(2).waitFor();
    assert.equal(await entries.count(), 3);
    await a.getByTestId('entries-table').locator('tbody tr', { hasText: '钟*' }).getByText('城镇中等偏下收入住房困难家庭').waitFor();
    // Each party commits to the SM3 of its secret.
    const commitments = a.getByTestId('commitments-table');
    for (const [k, party] of PARTIES.entries()) {
      const row = commitments.locator('tbody tr', { hasText: party });
      await row.getByPlaceholder('64 位十六进制').fill(sm3(SECRETS[k]));
      await answered(a, 'POST', new RegExp(`^/api/v1/allocations/${batchId}/commitments$`), 200, () =>
        row.getByRole('button', { name: '提交' }).click(),
      );
      await row.getByText(sm3(SECRETS[k])).waitFor();
    }
    await shot(a, 'tenancy-lottery-committed');
    // A value that is not the one committed is refused; then each reveals.
    const first = commitments.locator('tbody tr', { hasText: PARTIES[0] });
    await first.getByPlaceholder('现场揭示的值').fill(SECRETS[0] + 'x');
    await answered(a, 'POST', new RegExp(`^/api/v1/allocations/${batchId}/reveals$`), 422, () =>
      first.getByRole('button', { name: '揭示' }).click(),
    );
    for (const [k, party] of PARTIES.entries()) {
      const row = commitments.locator('tbody tr', { hasText: party });
      await row.getByPlaceholder('现场揭示的值').fill(SECRETS[k]);
      await answered(a, 'POST', new RegExp(`^/api/v1/allocations/${batchId}/reveals$`), 200, () =>
        row.getByRole('button', { name: '揭示' }).click(),
      );
      // A value stays hidden until every party has revealed.
      if (k < PARTIES.length - 1) await row.getByText('已揭示，摇号后公布').waitFor();
    }
    // The last reveal drew: every value is public now.
    for (const [k, party] of PARTIES.entries()) {
      await commitments.locator('tbody tr', { hasText: party }).getByText(SECRETS[k], { exact: true }).waitFor();
    }
    // The seed and the drawn order: every household a unit.
    const seedText = (await a.getByTestId('seed').innerText()).trim();
    assert.match(seedText, /^[0-9a-f]{64}$/);
    const drawRows = a.getByTestId('draw-table').locator('tbody tr');
    assert.equal(await drawRows.count(), 3);
    const drawText = await a.getByTestId('draw-table').innerText();
    for (const u of w.units) assert.ok(drawText.includes(u.number), drawText);
    // The published record, downloaded from the wizard, agrees with the
    // screen, and anju lottery verify recomputes the draw from it.
    const download = a.waitForEvent('download');
    await a.getByRole('button', { name: '下载 draw.json' }).click();
    const recordFile = await (await download).path();
    const rec = JSON.parse(readFileSync(recordFile, 'utf8'));
    assert.equal(rec.list_hash, listHash);
    assert.equal(sm3(rec.list_text), listHash);
    assert.equal(rec.seed, seedText);
    assert.deepEqual(
      rec.parties.map((x) => [x.party, x.value]),
      PARTIES.map((party, k) => [party, SECRETS[k]]),
    );
    run(['lottery', 'verify', recordFile]);
    await shot(a, 'tenancy-lottery-drawn');
    // Result publicity of 0 days, then the offers.
    await a.getByRole('button', { name: '公示摇号结果' }).click();
    await a.getByRole('button', { name: '发出配租通知' }).click();
    const offers = a.getByTestId('offers-table').locator('tbody tr');
    await offers.nth(2).waitFor();
    assert.equal(await offers.count(), 3);
    // Ours: the unit the draw gave the household.
    const ourOffer = a.getByTestId('offers-table').locator('tbody tr', { hasText: '钟*' });
    const unitNumber = /(\d-\d-\d{4})/.exec(await ourOffer.innerText())[1];
    const unit = w.units.find((u) => u.number === unitNumber);
    assert.ok(unit, unitNumber);

    // ---- 6. The clerk records the household's acceptance.
    await clerk.getByRole('menuitem', { name: '配租批次' }).click();
    await clerk.getByTestId('allocations-table').locator('tbody tr', { hasText: '桂花园2026年第一批摇号配租' }).click();
    await clerk.waitForURL(new RegExp(`/allocations/${batchId}$`));
    const clerkOffer = clerk.getByTestId('offers-table').locator('tbody tr', { hasText: '钟*' });
    await clerkOffer.getByRole('button', { name: '接受' }).click();
    await answered(clerk, 'POST', /^\/api\/v1\/offers\/\d+\/accept$/, 200, () => confirmBox(clerk));
    await clerkOffer.getByText('已接受').waitFor();
    // The operator's clerk is offered no bureau step.
    assert.equal(await clerk.getByRole('button', { name: '结束批次' }).count(), 0);
    await shot(clerk, 'tenancy-offer-accepted');

    // ---- 7. The lease: drafted from the accepted offer, signed on the screen.
    await clerk.getByRole('menuitem', { name: '合同管理' }).click();
    await clerk.waitForURL(/\/leases$/);
    await clerk.getByTestId('new-lease').click();
    await clerk.waitForURL(/\/leases\/new$/);
    await clerk.locator('.el-form-item', { hasText: '已接受的配租' }).locator('.el-select__wrapper').click();
    await clerk.getByRole('option', { name: new RegExp(`${unitNumber}$`) }).click();
    assert.equal(await clerk.getByTestId('household-id').inputValue(), String(w.household.id));
    assert.equal(await clerk.getByTestId('unit-id').inputValue(), String(unit.id));
    // The rent comes from the standard: the form shows the quote, not an input.
    await clerk.getByTestId('rent-quote-amount').filter({ hasText: '¥523.00' }).waitFor();
    await clerk.getByTestId('deposit').fill('1569');
    await answered(clerk, 'POST', /^\/api\/v1\/leases$/, 201, () => clerk.getByTestId('create-draft').click());
    await clerk.getByText(/合同 #\d+（桂花园公租房/).waitFor();
    await clerk.getByText('屏幕签名', { exact: true }).click();
    const pad = clerk.getByTestId('signature-pad');
    await pad.waitFor();
    const box = await pad.boundingBox();
    await clerk.mouse.move(box.x + 40, box.y + 120);
    await clerk.mouse.down();
    for (const [dx, dy] of [[70, 40], [110, 90], [160, 50], [210, 110], [260, 60], [320, 100]]) {
      await clerk.mouse.move(box.x + dx, box.y + dy, { steps: 4 });
    }
    await clerk.mouse.up();
    await clerk.getByText('已签名').waitFor();
    await shot(clerk, 'tenancy-lease-signing');
    await answered(clerk, 'POST', /^\/api\/v1\/leases\/\d+\/sign$/, 200, () => clerk.getByTestId('sign').click());
    await clerk.waitForURL(/\/leases\/\d+$/);
    const leaseId = Number(/\/leases\/(\d+)$/.exec(clerk.url())[1]);
    await clerk.getByTestId('lease-state').filter({ hasText: '履行中' }).waitFor();
    const terms = await clerk.locator('.el-descriptions').first().innerText();
    const term = /租赁期限\s+(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})（36 个月）/.exec(terms);
    assert.ok(term && term[1] === today(), terms);
    assert.match(terms, /¥523\.00/);
    assert.match(terms, /¥1,569\.00/);
    assert.match(terms, /见证人 唐静（屏幕签名）/);
    const depositRow = clerk.locator('.el-card', { hasText: '履约保证金与费用' }).locator('tbody tr').first();
    assert.match(await depositRow.innerText(), /¥1,569\.00[\s\S]*¥0\.00[\s\S]*待缴/);

    // ---- 8. Finance takes the deposit at the counter.
    const f = await open();
    await firstSignIn(f, 'gaoyan', w.finance);
    await f.getByRole('menuitem', { name: '收款台' }).click();
    await f.waitForURL(/\/counter$/);
    await f.getByTestId('my-book').getByText('下一张 G2026-00000001').waitFor();
    const picker = f.getByTestId('household-picker');
    await picker.getByTestId('household-search').fill(HEAD.phone);
    await picker.getByTestId('household-results').locator(`[data-household="${w.household.id}"]`).click();
    await f.getByTestId('counter-household').getByText(`${HEAD.name} 户`).waitFor();
    assert.equal(await f.getByTestId('counter-owed').innerText(), '¥1,569.00');
    const charges = f.getByTestId('open-charges').locator('tbody tr');
    assert.equal(await charges.count(), 1);
    assert.match(await charges.first().innerText(), /履约保证金[\s\S]*¥1,569\.00/);
    await f.getByTestId('payment-amount').fill('1569');
    await f.getByTestId('allocation-preview').getByText('本次收款 ¥1,569.00 将：').waitFor();
    const paid = await answered(f, 'POST', /^\/api\/v1\/payments$/, 201, () => f.getByTestId('payment-submit').click());
    assert.deepEqual(paid.request().postDataJSON(), { household_id: w.household.id, amount_fen: 156900, channel: 'cash' });
    await f.getByTestId('payment-done').getByText('已收款 ¥1,569.00').waitFor();
    assert.equal(await f.getByTestId('receipt-number').innerText(), 'G2026-00000001');
    await shot(f, 'tenancy-deposit-paid');

    // ---- 9. The lease page shows the deposit paid; the contract PDF.
    await clerk.reload();
    await clerk.getByTestId('lease-state').filter({ hasText: '履行中' }).waitFor();
    const paidRow = clerk.locator('.el-card', { hasText: '履约保证金与费用' }).locator('tbody tr').first();
    await paidRow.getByText('已缴清').waitFor();
    assert.match(await paidRow.innerText(), /¥1,569\.00[\s\S]*¥1,569\.00/);
    await shot(clerk, 'tenancy-lease');
    const link = clerk.getByTestId('contract-download');
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/v1/leases/${leaseId}/contract.pdf`);
    assert.equal(await link.getAttribute('target'), '_blank');
    const pdf = await clerk.context().request.get(href);
    assert.equal(pdf.status(), 200, await pdf.text());
    assert.match(pdf.headers()['content-type'] || '', /^application\/pdf/);
    const bytes = await pdf.body();
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    // The text with its layout's line breaks taken out (a sentence may wrap).
    const text = pdfText(bytes)
      .replace(/[ \t]+/g, ' ')
      .replace(/ ?\n+ ?/g, '');
    const contract = (re) => assert.match(text, re, text);
    contract(/公共租赁住房租赁合同/);
    contract(/合同编号：GZF\d+-01（新签）/);
    contract(/出租人（甲方）：咸宁市城市建设投资集团/);
    contract(/运营管理单位：咸宁安居物业服务有限公司/);
    // The tenant named, the ID numbers masked, never whole.
    contract(new RegExp(`承租人（乙方）：${HEAD.name} 身份证号码：${masked(HEAD.id_number).replace(/\*/g, '\\*')}`));
    contract(new RegExp(`${CHILD.name} 子女 ${masked(CHILD.id_number).replace(/\*/g, '\\*')}`));
    assert.ok(!text.includes(HEAD.id_number) && !text.includes(CHILD.id_number), text);
    contract(new RegExp(`桂花园公租房（地址：咸宁市咸安区桂花路 18 号）、楼栋 2、房号 ${unitNumber}`));
    contract(new RegExp(`租赁期限自 ${term[1]} 起至 ${term[2]} 止，共 36 个月`));
    contract(/月租金：人民币 ¥523\.00 元（大写：伍佰贰拾叁元整）/);
    contract(/履约保证金：人民币 ¥1,?569\.00 元（大写：壹仟伍佰陆拾玖元整）/);
    contract(/第十一号令第二十七条/);
    contract(/第十一号令第二十九条/);
    // The QR code's page, opened by anyone: the lease exists and is in
    // force, without personal data.
    const lease = await (await clerk.context().request.get(`/api/v1/leases/${leaseId}`)).json();
    const visitor = await open();
    await visitor.goto(`/l/${lease.verify_token}`);
    const verified = await visitor.locator('body').innerText();
    assert.match(verified, /租赁合同验真/);
    assert.match(verified, /有效/);
    assert.ok(verified.includes(unitNumber), verified);
    assert.ok(!verified.includes(HEAD.name) && !verified.includes('990'), verified);
    // Without a session the contract is not given.
    assert.equal((await fetch(env.server.base + href)).status, 401);

    for (const p of pages) assert.deepEqual(pageErrors(p), [], p.url());
  } finally {
    for (const p of pages) await p.context().close();
  }
});
