// Signing in to the console: the forced change of an initial password, the
// shell with the role's navigation, signing out; a wrong password's message;
// the lock after five failures; the login page on a phone.
import assert from 'node:assert/strict';
import {
  shot,
  submitLogin,
  firstSignIn,
  forcedPasswordPage,
  changePassword,
  navTitles,
  pageErrors,
  NEW_PASSWORD,
  PHONE,
} from './lib/browser.js';
import { useConsole, pageTest } from './lib/suite.js';

const env = useConsole();

pageTest('admin signs in with the initial password, must change it, sees the shell, signs out', env, async (page) => {
  await page.goto('/accounts');
  // Not signed in: the login page, keeping where the user was going.
  await page.waitForURL(/\/login\?redirect=(%2F|\/)accounts$/);
  await shot(page, 'login');

  await firstSignIn(page, 'admin', env.server.data.passwords.admin);
  await shot(page, 'home-admin');
  assert.equal(await page.getByTestId('role-title').innerText(), '系统管理员');

  // The admin's navigation: accounts and approvals, never the audit trail
  // (三权分立) nor API keys (security's).
  const nav = await navTitles(page);
  assert.ok(nav.includes('首页'), nav.join());
  assert.ok(nav.includes('账号管理'), nav.join());
  assert.ok(!nav.includes('审计日志'), nav.join());
  assert.ok(!nav.includes('API 密钥'), nav.join());

  await page.getByRole('menuitem', { name: '账号管理' }).click();
  await page.waitForURL(/\/accounts$/);
  await page.getByTestId('accounts-table').getByText('admin', { exact: true }).first().waitFor();
  await shot(page, 'accounts-admin');

  // A page the role may not use, and one that does not exist.
  await page.goto('/audit');
  await page.getByText('无权访问').first().waitFor();
  await page.goto('/no/such/page');
  await page.getByText('页面不存在').first().waitFor();

  // Signing out from the user menu.
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: '退出登录' }).click();
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await page.waitForURL(/\/login/);
  await page.getByText('您已退出登录').first().waitFor();

  // The session is gone on the server too.
  await page.goto('/accounts');
  await page.waitForURL(/\/login/);
  assert.deepEqual(pageErrors(page), []);
});

pageTest('a wrong password shows the error message', env, async (page) => {
  await page.goto('/login');
  await submitLogin(page, 'security', 'not-the-password');
  const err = page.getByTestId('login-error');
  await err.waitFor();
  assert.match(await err.innerText(), /用户名或密码不正确/);
  assert.match(page.url(), /\/login/);
  assert.equal(await page.locator('input[name=password]').inputValue(), '');
});

pageTest('the sixth failure in a row shows the lock message', env, async (page) => {
  await page.goto('/login');
  const err = page.getByTestId('login-error');
  const answer = () =>
    page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
  for (let i = 1; i <= 5; i++) {
    const res = answer();
    await submitLogin(page, 'nobody-here', `wrong-${i}`);
    assert.equal((await res).status(), 401);
    await err.waitFor();
    assert.match(await err.innerText(), /用户名或密码不正确/);
  }
  const res = answer();
  await submitLogin(page, 'nobody-here', 'wrong-6');
  assert.equal((await res).status(), 429);
  await page.getByText(/已锁定\s*15\s*分钟/).first().waitFor();
  assert.match(await err.innerText(), /连续登录失败次数过多，账号已锁定 15 分钟/);
  await shot(page, 'login-locked');
});

pageTest('the login page is usable on a phone', env, PHONE, async (page) => {
  await page.goto('/login');
  const user = page.locator('input[name=username]');
  const button = page.getByRole('button', { name: '登录' });
  await user.waitFor();
  // Everything fits the width: no sideways scrolling, inputs and button wide enough to tap.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide`);
  const ub = await user.boundingBox();
  const bb = await button.boundingBox();
  assert.ok(ub.width >= 280 && ub.x >= 0 && ub.x + ub.width <= 390, JSON.stringify(ub));
  assert.ok(bb.height >= 36 && bb.x + bb.width <= 390, JSON.stringify(bb));
  assert.ok(bb.y + bb.height <= 844, 'the button is above the fold');
  await shot(page, 'login-phone');

  // Signing in works by touch too; the phone shell folds the navigation
  // into a drawer behind a button.
  await user.tap();
  await user.fill('security');
  await page.locator('input[name=password]').fill(env.server.data.passwords.security);
  await button.tap();
  await forcedPasswordPage(page);
  await shot(page, 'password-phone');
  await changePassword(page, env.server.data.passwords.security, NEW_PASSWORD, { tap: true });
  await submitLogin(page, 'security', NEW_PASSWORD);
  await page.getByTestId('role-title').waitFor();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
  await shot(page, 'home-phone');
  await page.getByRole('button', { name: '打开导航' }).tap();
  await page.getByRole('menuitem', { name: 'API 密钥' }).tap();
  await page.waitForURL(/\/api-keys$/);
  await shot(page, 'api-keys-phone');
});
