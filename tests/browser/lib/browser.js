// The browser tests' harness: a real `anju serve` (tests/api/lib/server.js)
// serving the built console (web/dist), and Debian's Chromium driven by
// playwright-core with the flags that work as root on a closed network.
// Every wait is bounded; whoever starts a server or a browser closes it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, Server, initData, cleanup, apikey } from '../../api/lib/server.js';

// Cheap password hashing for tests, as tests/run.sh sets it.
process.env.ANJU_PASSWORD_MEMLIMIT_KIB ??= '8192';
process.env.ANJU_PASSWORD_OPSLIMIT ??= '1';

export const WEB_ROOT = join(ROOT, 'web/dist');
export const SHOTS = join(ROOT, 'build/screenshots');
export const CHROMIUM = process.env.ANJU_CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT = 15000;

// newPage's options for a phone.
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// A new password that passes the staff rules (10+ characters, 3 classes).
export const NEW_PASSWORD = 'Anju-Console-2026!';

// Starts anju serve on a fresh data directory with the built console;
// initArgs go to anju init (['--demo'] loads the pilot).
export async function startConsole(initArgs = []) {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error(`no built console at ${WEB_ROOT}: run "make web" first`);
  }
  const server = new Server(initData(initArgs), { web_root: WEB_ROOT, schedules: 'false' });
  try {
    await server.start();
  } catch (e) {
    await stopConsole(server);
    throw e;
  }
  return server;
}

export async function stopConsole(server) {
  if (!server) return;
  await server.stop();
  cleanup(server);
}

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)`);
  // playwright-core gives every launch a new empty profile directory and adds
  // --headless and --no-sandbox (chromiumSandbox is off by default).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A new context (its own cookies and sessionStorage) with a page on the console.
export async function newPage(browser, server, options = {}) {
  const context = await browser.newContext({
    baseURL: server.base,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  return page;
}

// Saves a full-page PNG once the page's transitions (dialogs fading in,
// messages sliding) have settled, waiting 3 s at most.
// What went wrong in the page's scripts; the browser's own lines about
// refused requests (401, 403, 422 ...) are the expected answers of the tests.
export function pageErrors(page) {
  return page.errors.filter((e) => !/^Failed to load resource: the server responded with a status of/.test(e));
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() =>
    Promise.race([
      Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))),
      new Promise((r) => setTimeout(r, 3000)),
    ]),
  );
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Fills the login form and submits it.
export async function submitLogin(page, username, password) {
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

// Waits for the forced change of an initial password.
export async function forcedPasswordPage(page) {
  await page.waitForURL(/\/password/);
  await page.getByRole('heading', { name: '请修改初始密码' }).waitFor();
}

// Fills the change of password form and submits it (by a tap on a phone);
// ends on the login page.
export async function changePassword(page, old, fresh = NEW_PASSWORD, { tap = false } = {}) {
  await page.locator('input[name=old_password]').fill(old);
  await page.locator('input[name=new_password]').fill(fresh);
  await page.locator('input[name=new_password_again]').fill(fresh);
  const button = page.getByRole('button', { name: '确认修改' });
  await (tap ? button.tap() : button.click());
  await page.waitForURL(/\/login/);
}

// Signs in with an initial password, changes it on the forced page, and signs
// in again with the new one; ends on the console's home page.
export async function firstSignIn(page, username, initial, fresh = NEW_PASSWORD) {
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await submitLogin(page, username, initial);
  await forcedPasswordPage(page);
  await changePassword(page, initial, fresh);
  await page.getByText('密码已修改，请使用新密码登录').first().waitFor();
  await submitLogin(page, username, fresh);
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByTestId('role-title').waitFor();
}

// The titles in the side navigation.
export async function navTitles(page) {
  const items = page.getByRole('menubar', { name: '主导航' }).getByRole('menuitem');
  await items.first().waitFor();
  return (await items.allInnerTexts()).map((t) => t.trim());
}

// Makes n communities "小区1" ... "小区n" (ids 1..n on a new server) with a
// bureau key made on the command line.
export async function seedCommunities(server, n) {
  const token = apikey(server.data.dir, 'bureau', 'browser-seed', ['--all-communities']);
  for (let i = 1; i <= n; i++) {
    const r = await server.api('POST', '/api/v1/communities', { body: { name: `小区${i}` }, token });
    if (r.status !== 201 || r.json.id !== i) throw new Error(`community ${i}: ${r.status} ${r.text}`);
  }
}

// Chooses communities in a form's community picker (scope: the dialog) by
// their names; a number n stands for "小区n" (seedCommunities).
export async function chooseCommunities(page, scope, choices) {
  const picker = scope.getByTestId('community-select');
  await picker.locator('.el-select__wrapper').click();
  for (const c of choices) {
    const name = typeof c === 'number' ? `小区${c}` : String(c);
    await page.keyboard.type(name);
    const option = page.getByRole('option', { name, exact: true });
    // Something that names no community offers nothing to choose.
    try {
      await option.waitFor({ timeout: 3000 });
    } catch {
      for (let i = 0; i < name.length; i++) await page.keyboard.press('Backspace');
      continue;
    }
    await option.click();
    // The select keeps what was typed: clear it for the next name.
    for (let i = 0; i < name.length; i++) await page.keyboard.press('Backspace');
  }
  // Leave the picker (Escape would close the dialog too).
  await page.keyboard.press('Tab');
}

// The communities a form's picker holds, as its tags read ("2" typed, or a
// name).
export async function chosenCommunities(scope) {
  return (await scope.getByTestId('community-select').locator('.el-tag').allInnerTexts()).map((t) => t.trim());
}
