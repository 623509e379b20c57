// The Jakarta example's page (a servlet's page, Roomcast's Jakarta endpoint, the browser client) in two
// browser contexts: alice and bob sign in with development tokens from the servlet, join lobby, see
// each other arrive and exchange messages; the application is restarted on the same port, the pages
// show the reconnect banner, reconnect with fresh tokens, re-join lobby and messages flow again.
// Run by JakartaPageBrowserIT (examples/jakarta), which answers @@stop and @@start.
import { browserTest, askJava, check } from '../lib/harness.mjs';

const WAIT = { timeout: 20_000 };

async function signIn(browser, baseUrl, name) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  await page.goto(baseUrl + '/');
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.getByTestId('where').filter({ hasText: `in lobby as ${name}` }).waitFor(WAIT);
  check(await page.getByTestId('status').textContent() === 'open', 'the state shows open');
  return page;
}

async function say(page, text) {
  await page.getByTestId('send').waitFor({ state: 'visible', ...WAIT });
  await page.getByTestId('text').fill(text);
  await page.getByTestId('send').click();
}

const sees = (page, line) => page.getByTestId('log').locator('p', { hasText: line }).first().waitFor(WAIT);

await browserTest('jakarta', async ({ browser, baseUrl, screenshot, step }) => {
  const alice = await signIn(browser, baseUrl, 'alice');
  const bob = await signIn(browser, baseUrl, 'bob');
  step('both tabs signed in and joined lobby over the Jakarta endpoint');

  await sees(alice, 'bob joined');
  step('alice sees bob arrive (presence)');

  await say(alice, 'hello from alice');
  await sees(bob, 'alice: hello from alice');
  await sees(alice, 'alice: hello from alice');
  await say(bob, 'hi alice');
  await sees(alice, 'bob: hi alice');
  step('messages go both ways');
  await screenshot('jakarta-alice', alice);
  await screenshot('jakarta-bob', bob);

  check(await askJava('stop') === 'stopped', 'the IT stops the application');
  await alice.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  await bob.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  check(await alice.getByTestId('status').textContent() === 'reconnecting', 'the state shows reconnecting');
  step('the reconnect banner is shown while the application is down');
  await screenshot('jakarta-reconnecting', alice);

  check(await askJava('start') === 'started', 'the IT starts the application again on the same port');
  for (const [page, name] of [[alice, 'alice'], [bob, 'bob']]) {
    await page.getByTestId('status').filter({ hasText: /^open$/ }).waitFor({ timeout: 40_000 });
    await page.getByTestId('where').filter({ hasText: `in lobby as ${name}` }).waitFor(WAIT);
    await page.getByTestId('banner').waitFor({ state: 'hidden', ...WAIT });
  }
  step('both reconnected (fresh tokens from the restarted servlet) and re-joined lobby');

  await say(bob, 'back again');
  await sees(alice, 'bob: back again');
  await say(alice, 'welcome back');
  await sees(bob, 'alice: welcome back');
  step('messages flow after the reconnect');
  await screenshot('jakarta-reconnected', alice);
}, { timeoutMs: 150_000 });
