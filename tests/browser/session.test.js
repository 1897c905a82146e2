// A session that ends while the user is typing loses nothing: the console
// goes to the login page keeping the route, and after signing in again the
// open form comes back with what was typed.  The CSRF token survives a reload
// of the tab, so changes still go through after one.
import assert from 'node:assert/strict';
import { shot, submitLogin, firstSignIn, pageErrors, NEW_PASSWORD, chooseCommunities, chosenCommunities } from './lib/browser.js';
import { useConsole, pageTest } from './lib/suite.js';

const env = useConsole({ communities: 3 });

pageTest('an expired session keeps the open form and the route', env, async (page) => {
  await firstSignIn(page, 'admin', env.server.data.passwords.admin);
  await page.goto('/accounts');
  await page.getByRole('button', { name: '新建账号' }).click();
  let dialog = page.getByTestId('create-account');
  await dialog.locator('input[name=username]').fill('lisi');
  await dialog.locator('input[name=display_name]').fill('李四');
  await dialog.getByTestId('role-select').click();
  await page.getByRole('option', { name: '巡查人员' }).click();
  await chooseCommunities(page, dialog, [2, 3]);

  // The session ends on the server's side (as after 30 idle minutes).
  await page.context().clearCookies();
  await dialog.getByRole('button', { name: '提交审批' }).click();
  await page.waitForURL(/\/login\?.*notice=expired/);
  assert.match(decodeURIComponent(page.url()), /redirect=\/accounts/);
  await page.getByTestId('login-notice').getByText('登录已超时').waitFor();
  await shot(page, 'login-expired');

  await submitLogin(page, 'admin', NEW_PASSWORD);
  await page.waitForURL(/\/accounts$/);
  dialog = page.getByTestId('create-account');
  await dialog.getByText('已恢复您上次未提交的内容').waitFor();
  assert.equal(await dialog.locator('input[name=username]').inputValue(), 'lisi');
  assert.equal(await dialog.locator('input[name=display_name]').inputValue(), '李四');
  assert.deepEqual(await chosenCommunities(dialog), ['小区2', '小区3']);

  // A reload keeps both the draft and the CSRF token: the request goes through.
  await page.reload();
  dialog = page.getByTestId('create-account');
  await dialog.getByText('已恢复您上次未提交的内容').waitFor();
  const asked = page.waitForResponse((r) => r.url().endsWith('/api/v1/accounts') && r.request().method() === 'POST');
  await dialog.getByRole('button', { name: '提交审批' }).click();
  const res = await asked;
  assert.equal(res.status(), 202, await res.text());
  const body = JSON.parse(await res.request().postData());
  assert.deepEqual(body, { username: 'lisi', display_name: '李四', role: 'inspector', all_communities: false, communities: [2, 3] });
  await page.getByRole('button', { name: '知道了' }).click();

  // Submitted: the draft is gone.
  await page.reload();
  await page.getByTestId('accounts-table').waitFor();
  assert.equal(await page.getByTestId('create-account').isVisible(), false);
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a tab without the CSRF token is sent to sign in again, keeping the form', env, async (page) => {
  await page.goto('/login');
  await submitLogin(page, 'admin', NEW_PASSWORD);
  await page.getByTestId('role-title').waitFor();
  // As in a tab opened by hand: the cookie is there, the token is not.
  await page.evaluate(() => sessionStorage.removeItem('anju.csrf'));
  await page.goto('/accounts');
  await page.getByRole('button', { name: '新建账号' }).click();
  const dialog = page.getByTestId('create-account');
  await dialog.locator('input[name=username]').fill('zhaoliu');
  await dialog.getByTestId('role-select').click();
  await page.getByRole('option', { name: '财务人员' }).click();
  await chooseCommunities(page, dialog, [1]);
  await dialog.getByRole('button', { name: '提交审批' }).click();
  await page.waitForURL(/\/login\?.*notice=csrf/);
  await submitLogin(page, 'admin', NEW_PASSWORD);
  await page.waitForURL(/\/accounts$/);
  assert.equal(await page.getByTestId('create-account').locator('input[name=username]').inputValue(), 'zhaoliu');
  assert.deepEqual(pageErrors(page), []);
});
