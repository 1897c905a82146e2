// An application from the counter to publicity, as three people do it: the
// operator's clerk takes it (新建申请, the household found by its head's
// name), submits it and passes the first review; bureau person A proposes
// the grant with a reason; bureau person B approves it in the approvals
// inbox; the application is then in publicity, on the 公示 page with its
// days left.  The household is made through the API.
import assert from 'node:assert/strict';
import { apikey } from '../api/lib/server.js';
import { shot, firstSignIn, navTitles, pageErrors } from './lib/browser.js';
import { useConsole, pageTest, withPage } from './lib/suite.js';
import { account, idNumber } from './lib/housing.js';
import { caller } from './lib/money.js';

const env = useConsole();

async function seed() {
  const s = env.server;
  const bureau = caller(s, apikey(s.data.dir, 'bureau', 'application-seed', ['--all-communities']));
  const community = await bureau('POST', '/api/v1/communities', { name: '温泉花苑公租房', district: '咸安区' });
  const household = await bureau('POST', '/api/v1/households', {
    community_id: community.id,
    category: 'low_income',
    hukou: '咸宁市咸安区',
    monthly_income_fen: 180000,
    local_hukou: true,
    members: [
      { name: '钟晓梅', id_number: idNumber('19820412', 71), relationship: 'head' },
      { name: '钟磊', id_number: idNumber('20100908', 72), relationship: 'child' },
    ],
  });
  return {
    community,
    household,
    clerk: account(s, 'liuyang', 'operator_staff', ['--name', '刘洋', '--community', String(community.id)]),
    bureauA: account(s, 'zhoujie', 'bureau', ['--name', '周杰', '--all-communities']),
    bureauB: account(s, 'sunli', 'bureau', ['--name', '孙莉', '--all-communities']),
  };
}

// Waits until the application page shows state.
async function stateIs(page, title) {
  await page.getByTestId('application-state').filter({ hasText: title }).waitFor();
}

pageTest('an application goes from the counter to publicity through two bureau people', env, async (clerk) => {
  const w = await seed();
  let id;

  // The clerk takes the application and passes the first review.
  await firstSignIn(clerk, 'liuyang', w.clerk);
  assert.ok((await navTitles(clerk)).includes('申请受理'));
  await clerk.getByRole('menuitem', { name: '申请受理' }).click();
  await clerk.waitForURL(/\/applications$/);
  await clerk.getByTestId('new-application').click();
  const form = clerk.getByTestId('application-form');
  await form.getByTestId('household-picker').click();
  await form.getByTestId('household-picker').locator('input').fill('钟晓梅');
  await clerk.getByRole('option', { name: /钟晓梅/ }).click();
  await shot(clerk, 'application-new');
  await form.getByTestId('application-save').click();
  await clerk.waitForURL(/\/applications\/\d+$/);
  id = Number(/\/applications\/(\d+)$/.exec(clerk.url())[1]);
  await stateIs(clerk, '草稿');
  // The live eligibility explanation is shown before submission.
  await clerk.getByTestId('eligibility').getByText('符合').first().waitFor();
  await clerk.getByTestId('application-actions').getByRole('button', { name: '提交' }).click();
  await stateIs(clerk, '已提交');
  await clerk.getByTestId('application-actions').getByRole('button', { name: '初审' }).click();
  const review = clerk.getByTestId('action-dialog');
  await review.getByTestId('action-reason').fill('材料齐全，情况属实');
  await review.getByTestId('action-confirm').click();
  await stateIs(clerk, '初审通过');
  // The operator's clerk is offered no decision.
  assert.equal(await clerk.getByRole('button', { name: '复审意见' }).count(), 0);
  await shot(clerk, 'application-first-reviewed');

  // Bureau person A proposes the grant.
  await withPage(env, async (a) => {
    await firstSignIn(a, 'zhoujie', w.bureauA);
    await a.goto(`/applications/${id}`);
    await stateIs(a, '初审通过');
    await a.getByTestId('application-actions').getByRole('button', { name: '复审意见' }).click();
    const d = a.getByTestId('action-dialog');
    await d.getByText('核准（进入公示）').click();
    await d.getByTestId('action-reason').fill('收入、住房均符合低收入家庭标准');
    await d.getByTestId('action-confirm').click();
    await stateIs(a, '复审审批中');
    await a.getByText(/等待第二人审批/).first().waitFor();
    await shot(a, 'application-deciding');
    assert.deepEqual(pageErrors(a), []);
  });

  // Bureau person B approves it in the approvals inbox.
  await withPage(env, async (b) => {
    await firstSignIn(b, 'sunli', w.bureauB);
    await b.getByRole('menuitem', { name: '审批' }).click();
    await b.waitForURL(/\/approvals$/);
    const card = b.getByTestId('approvals-list').locator('.el-card', { hasText: '保障资格审核决定' });
    await card.first().waitFor();
    await shot(b, 'application-approval-inbox');
    await card.first().getByRole('button', { name: '批准' }).click();
    const decide = b.getByTestId('decide-dialog');
    await decide.locator('textarea').fill('同意');
    const approved = b.waitForResponse((r) => /\/api\/v1\/approvals\/\d+\/approve$/.test(r.url()));
    await decide.getByRole('button', { name: '确认批准' }).click();
    assert.equal((await approved).status(), 200);

    // In publicity now: on the 公示 page with its days left, and on its page.
    await b.getByRole('menuitem', { name: '公示' }).click();
    await b.waitForURL(/\/publicity$/);
    const row = b.getByTestId('publicity-table').locator('tr', { hasText: '钟**' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /温泉花苑公租房[\s\S]*7 天[\s\S]*无/);
    await shot(b, 'publicity-page');
    await row.first().click();
    await b.waitForURL(new RegExp(`/applications/${id}$`));
    await stateIs(b, '公示中');
    await b.getByTestId('publicity-banner').waitFor();
    await shot(b, 'application-publicity');
    assert.deepEqual(pageErrors(b), []);
  });
  assert.deepEqual(pageErrors(clerk), []);
});
