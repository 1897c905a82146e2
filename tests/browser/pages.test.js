// The pages of the other two powers: the auditor reads and verifies the audit
// trail (and sees nothing else); the security officer issues an API key, sees
// it once, and revokes it after confirming.
import assert from 'node:assert/strict';
import { shot, firstSignIn, navTitles, pageErrors, chooseCommunities, chosenCommunities } from './lib/browser.js';
import { useConsole, pageTest } from './lib/suite.js';

const env = useConsole({ communities: 1 });

pageTest('the auditor filters the audit trail and verifies the chain', env, async (page) => {
  await firstSignIn(page, 'auditor', env.server.data.passwords.auditor);
  assert.deepEqual(await navTitles(page), ['首页', '审计日志']);
  await page.getByRole('menuitem', { name: '审计日志' }).click();
  const table = page.getByTestId('audit-table');
  await table.getByText('修改密码').first().waitFor();

  await page.getByPlaceholder('如 account.create 或 session.*').fill('session.*');
  const listed = page.waitForResponse((r) => r.url().includes('/api/v1/audit?') && r.url().includes('action=session.*'));
  await page.getByRole('button', { name: '查询' }).click();
  assert.equal((await listed).status(), 200);
  await table.getByText('登录', { exact: true }).first().waitFor();
  assert.equal(await table.getByText('修改密码').count(), 0);
  await shot(page, 'audit');

  await page.getByRole('button', { name: '校验审计链' }).click();
  await page.getByRole('button', { name: '开始校验' }).click();
  const result = page.getByTestId('verify-result');
  await result.waitFor();
  assert.match(await result.innerText(), /审计链完整：共校验 \d+ 条记录/);
  await shot(page, 'audit-verify');
  assert.deepEqual(pageErrors(page), []);
});

pageTest('the security officer issues an API key, sees it once, and revokes it', env, async (page) => {
  await firstSignIn(page, 'security', env.server.data.passwords.security);
  await page.getByRole('menuitem', { name: 'API 密钥' }).click();
  await page.getByRole('button', { name: '签发密钥' }).click();
  const dialog = page.getByRole('dialog', { name: '签发 API 密钥' });
  // The form says what is missing before asking the server.
  await dialog.getByRole('button', { name: '签发' }).click();
  await dialog.getByRole('alert').filter({ hasText: '请输入密钥名称' }).waitFor();
  await dialog.getByRole('alert').filter({ hasText: '请选择角色' }).waitFor();
  await dialog.getByPlaceholder('如：南苑小区门禁控制器').fill('南苑门禁');
  await dialog.getByTestId('role-select').click();
  await page.getByRole('option', { name: '运营人员' }).click();
  await dialog.getByRole('alert').filter({ hasText: '请选择可访问的小区' }).waitFor();
  // The security officer picks communities by name; a name that is none is not taken.
  await chooseCommunities(page, dialog, ['x', 1]);
  assert.deepEqual(await chosenCommunities(dialog), ['小区1']);
  await dialog.getByRole('button', { name: '签发' }).click();

  const secret = page.getByTestId('one-time-secret');
  const key = await secret.getByTestId('secret').inputValue();
  assert.match(key, /^ak_/);
  await secret.getByRole('button', { name: /我已妥善保存/ }).click();

  const row = page.locator('tr', { hasText: '南苑门禁' });
  await row.getByText('有效').waitFor();
  await row.getByRole('button', { name: '吊销' }).click();
  await page.getByRole('dialog', { name: '吊销 API 密钥' }).getByRole('button', { name: '吊销' }).click();
  await row.getByText('已吊销').waitFor();
  await shot(page, 'api-keys');
  assert.deepEqual(pageErrors(page), []);
});
