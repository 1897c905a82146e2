// Two people: the admin asks for a new operator_staff account on the accounts
// page; the security officer, in another browser context, finds the request in
// the approvals inbox, approves it and sees the initial password once; the
// account is then in the list.  The requester cannot approve their own request.
import assert from 'node:assert/strict';
import { shot, firstSignIn, navTitles, pageErrors, chooseCommunities } from './lib/browser.js';
import { useConsole, pageTest, withPage } from './lib/suite.js';

const env = useConsole({ communities: 1 });

pageTest('an account asked for by the admin is approved by the security officer', env, (admin) =>
  withPage(env, async (security) => {
    // The admin asks for the account.
    await firstSignIn(admin, 'admin', env.server.data.passwords.admin);
    await admin.getByRole('menuitem', { name: '账号管理' }).click();
    await admin.waitForURL(/\/accounts$/);
    await admin.getByRole('button', { name: '新建账号' }).click();
    const dialog = admin.getByTestId('create-account');
    await dialog.locator('input[name=username]').fill('wangfang');
    await dialog.locator('input[name=display_name]').fill('王芳');
    await dialog.getByTestId('role-select').click();
    await admin.getByRole('option', { name: '运营人员' }).click();
    await chooseCommunities(admin, dialog, [1]);
    await shot(admin, 'account-request');
    const asked = admin.waitForResponse(
      (r) => r.url().endsWith('/api/v1/accounts') && r.request().method() === 'POST',
    );
    await dialog.getByRole('button', { name: '提交审批' }).click();
    const res = await asked;
    assert.equal(res.status(), 202, `POST /api/v1/accounts answered ${res.status()}: ${await res.text()}`);
    await admin.getByText('已提交审批').first().waitFor();
    await admin.getByRole('button', { name: '知道了' }).click();

    // The admin sees it among their requests, and cannot decide it.
    await admin.getByRole('menuitem', { name: '审批' }).click();
    await admin.waitForURL(/\/approvals$/);
    await admin.getByRole('tab', { name: '我的申请' }).click();
    const mine = admin.getByTestId('approvals-list');
    await mine.getByText('wangfang').first().waitFor();
    assert.equal(await mine.getByRole('button', { name: '批准' }).count(), 0);

    // The security officer approves it.
    await firstSignIn(security, 'security', env.server.data.passwords.security);
    assert.ok((await navTitles(security)).includes('审批'));
    await security.getByRole('menuitem', { name: '审批' }).click();
    await security.waitForURL(/\/approvals$/);
    const inbox = security.getByTestId('approvals-list');
    const card = inbox.locator('.el-card', { hasText: 'wangfang' });
    await card.waitFor();
    assert.match(await card.innerText(), /运营人员/);
    assert.match(await card.innerText(), /#1/);
    await shot(security, 'approvals-inbox');
    await card.getByRole('button', { name: '批准' }).click();
    const decide = security.getByTestId('decide-dialog');
    await decide.locator('textarea').fill('已核实，同意开通');
    await decide.getByRole('button', { name: '确认批准' }).click();

    // The initial password, shown once.
    const secret = security.getByTestId('one-time-secret');
    await secret.getByText('只显示这一次').waitFor();
    const initial = await secret.getByTestId('secret').inputValue();
    assert.ok(initial.length >= 10, `initial password "${initial}"`);
    await shot(security, 'approval-initial-password');
    await secret.getByRole('button', { name: /我已妥善保存/ }).click();
    await inbox.getByText('没有等待您审批的申请').waitFor();

    // The account exists now, with its role and scope.
    await security.getByRole('menuitem', { name: '账号管理' }).click();
    const row = security.getByTestId('accounts-table').locator('tr', { hasText: 'wangfang' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /王芳[\s\S]*运营人员[\s\S]*#1/);
    await shot(security, 'accounts-after-approval');

    // And the new account can sign in with that password (and must change it).
    await withPage(env, async (staff) => {
      await firstSignIn(staff, 'wangfang', initial);
      assert.equal(await staff.getByTestId('role-title').innerText(), '运营人员');
    });
    assert.deepEqual(pageErrors(admin), []);
    assert.deepEqual(pageErrors(security), []);
  }),
);
