// What every browser test file shares: one anju serve and one Chromium for
// the file's tests, and each test on a page of its own.
import { test, before, after } from 'node:test';
import { startConsole, stopConsole, launch, newPage, seedCommunities } from './browser.js';

export const TEST_TIMEOUT = 120000;

// Registers the file's before and after hooks; returns { server, browser },
// filled in once the tests run.  communities: how many communities to make
// first ("小区1", "小区2" ... with ids 1, 2 ...), for the scope pickers.
export function useConsole({ communities = 0 } = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startConsole();
    if (communities) await seedCommunities(env.server, communities);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await stopConsole(env.server);
  });
  return env;
}

// Runs fn with a new page (a context of its own; options as for newPage),
// closed after: withPage(env, [options,] fn).
export async function withPage(env, ...args) {
  const fn = args.pop();
  const page = await newPage(env.browser, env.server, args[0]);
  try {
    return await fn(page);
  } finally {
    await page.context().close();
  }
}

// A test on a page of its own: pageTest(name, env, [options,] fn).
export function pageTest(name, env, ...args) {
  test(name, { timeout: TEST_TIMEOUT }, () => withPage(env, ...args));
}
