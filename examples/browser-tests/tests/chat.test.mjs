// The chat example's page in two browser contexts (alice and bob): messages, presence, typing, and a
// server restart on the same port that shows the reconnect banner, then reconnects and re-joins.
// Run by ChatPageBrowserIT (examples/chat), which answers @@stop and @@start.
import { browserTest, askJava, check } from '../lib/harness.mjs';

const WAIT = { timeout: 20_000 };

async function signIn(browser, baseUrl, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  await page.goto(baseUrl + '/');
  await page.getByTestId('name').fill(name);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('status').filter({ hasText: /^open$/ }).waitFor(WAIT);
  return page;
}

async function say(page, text) {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('send').click();
}

const seesMessage = (page, from, text) =>
  page.getByTestId('messages').locator('li', { hasText: text }).filter({ hasText: from }).waitFor(WAIT);

await browserTest('chat', async ({ browser, baseUrl, screenshot, step }) => {
  const alice = await signIn(browser, baseUrl, 'alice');
  const bob = await signIn(browser, baseUrl, 'bob');
  step('both signed in and joined lobby');

  await alice.getByTestId('member-bob').waitFor(WAIT);
  await bob.getByTestId('member-alice').waitFor(WAIT);
  step('presence lists the other member');

  await bob.getByTestId('message-input').pressSequentially('hel');
  await alice.getByTestId('typing').filter({ hasText: 'bob is typing' }).waitFor(WAIT);
  step('alice sees bob typing');

  await say(bob, 'hello from bob');
  await seesMessage(alice, 'bob', 'hello from bob');
  await say(alice, 'hi bob');
  await seesMessage(bob, 'alice', 'hi bob');
  check(await alice.getByTestId('typing').textContent() === '', 'the typing indicator clears when bob\'s message arrives');
  step('messages go both ways');
  await screenshot('chat-alice', alice);
  await screenshot('chat-bob', bob);

  await bob.getByTestId('leave-lobby').click();
  await alice.getByTestId('member-bob').waitFor({ state: 'detached', ...WAIT });
  await bob.getByTestId('room-input').fill('lobby');
  await bob.getByTestId('join').click();
  await alice.getByTestId('member-bob').waitFor(WAIT);
  step('presence follows bob leaving and re-joining');

  check(await askJava('stop') === 'stopped', 'the IT stops the server');
  await alice.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  await bob.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  check(await alice.getByTestId('status').textContent() === 'reconnecting', 'the state shows reconnecting');
  step('the reconnect banner is shown while the server is down');
  await screenshot('chat-reconnecting', alice);

  check(await askJava('start') === 'started', 'the IT starts the server again on the same port');
  await alice.getByTestId('status').filter({ hasText: /^open$/ }).waitFor({ timeout: 40_000 });
  await bob.getByTestId('status').filter({ hasText: /^open$/ }).waitFor({ timeout: 40_000 });
  await alice.getByTestId('banner').waitFor({ state: 'hidden', ...WAIT });
  await alice.getByTestId('member-bob').waitFor(WAIT);
  await bob.getByTestId('member-alice').waitFor(WAIT);
  step('both reconnected and re-joined lobby');

  await say(bob, 'back again');
  await seesMessage(alice, 'bob', 'back again');
  step('messages flow after the reconnect');
  await screenshot('chat-reconnected', alice);
}, { timeoutMs: 150_000 });
