// The Jakarta example's page (a servlet's page, Roomcast's Jakarta endpoint) in two browser contexts:
// alice and bob sign in with development tokens from the servlet, join lobby and exchange messages.
// Run by JakartaPageBrowserIT (examples/jakarta).
import { browserTest } from '../lib/harness.mjs';

const WAIT = { timeout: 20_000 };

async function signIn(browser, baseUrl, name) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  await page.goto(baseUrl + '/');
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.getByTestId('status').filter({ hasText: `in lobby as ${name}` }).waitFor(WAIT);
  return page;
}

async function say(page, text) {
  await page.getByTestId('text').fill(text);
  await page.getByTestId('send').click();
}

const sees = (page, line) => page.getByTestId('log').locator('p', { hasText: line }).waitFor(WAIT);

await browserTest('jakarta', async ({ browser, baseUrl, screenshot, step }) => {
  const alice = await signIn(browser, baseUrl, 'alice');
  const bob = await signIn(browser, baseUrl, 'bob');
  step('both tabs signed in and joined lobby over the Jakarta endpoint');

  await say(alice, 'hello from alice');
  await sees(bob, 'alice: hello from alice');
  await sees(alice, 'alice: hello from alice');
  await say(bob, 'hi alice');
  await sees(alice, 'bob: hi alice');
  step('messages go both ways');
  await screenshot('jakarta-alice', alice);
  await screenshot('jakarta-bob', bob);
}, { timeoutMs: 60_000 });
