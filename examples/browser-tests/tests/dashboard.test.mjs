// The live-dashboard example's page in two browser contexts: both see the feed's ticks and join feed
// and alerts through the browser client; a publish from the page is refused (viewers only receive);
// the server is restarted on the same port, the page shows the reconnect banner, reconnects, re-joins
// both rooms (a fresh snapshot) and ticks resume. Run by DashboardPageBrowserIT, which answers @@stop
// and @@start.
import { browserTest, askJava, check } from '../lib/harness.mjs';

const WAIT = { timeout: 20_000 };

async function open(browser, baseUrl, name) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  await page.goto(baseUrl + '/');
  await page.getByTestId('status').filter({ hasText: /^open$/ }).waitFor(WAIT);
  return page;
}

const count = async (page, testId) => Number(await page.getByTestId(testId).textContent());

/** Waits until the number shown at `testId` is at least `atLeast`. */
async function reaches(page, testId, atLeast) {
  await page.waitForFunction(([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`).textContent) >= n,
    [testId, atLeast], WAIT);
}

async function joinedBoth(page) {
  await page.locator('[data-testid="room-feed"].joined').waitFor(WAIT);
  await page.locator('[data-testid="room-alerts"].joined').waitFor(WAIT);
}

await browserTest('dashboard', async ({ browser, baseUrl, screenshot, step }) => {
  const first = await open(browser, baseUrl, 'first');
  const second = await open(browser, baseUrl, 'second');
  await joinedBoth(first);
  await joinedBoth(second);
  step('both pages connected and joined feed and alerts');

  await reaches(first, 'snapshots', 1);
  await reaches(second, 'snapshots', 1);
  await reaches(first, 'ticks', 20);
  await reaches(second, 'ticks', 20);
  await first.getByTestId('series-EURUSD').waitFor(WAIT);
  check(await first.getByTestId('series').locator('tr').count() === 6, 'the table shows the six series');
  step('both pages see a snapshot and ticks arrive');
  await screenshot('dashboard-first', first);
  await screenshot('dashboard-second', second);

  await first.evaluate(() => window.roomcast.publish('feed', { fake: 'price' }));
  await first.getByTestId('error').filter({ hasText: 'PUBLISH_FORBIDDEN' }).waitFor(WAIT);
  check(await second.getByTestId('error').textContent() === '', 'the other page saw no error and no message');
  step('a publish from the page is refused with PUBLISH_FORBIDDEN');

  check(await askJava('stop') === 'stopped', 'the IT stops the server');
  await first.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  await second.getByTestId('banner').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
  check(await first.getByTestId('status').textContent() === 'reconnecting', 'the state shows reconnecting');
  step('the reconnect banner is shown while the server is down');
  await screenshot('dashboard-reconnecting', first);

  const ticksBefore = [await count(first, 'ticks'), await count(second, 'ticks')];
  const snapshotsBefore = [await count(first, 'snapshots'), await count(second, 'snapshots')];
  check(await askJava('start') === 'started', 'the IT starts the server again on the same port');
  for (const [i, page] of [first, second].entries()) {
    await page.getByTestId('status').filter({ hasText: /^open$/ }).waitFor({ timeout: 40_000 });
    await page.getByTestId('banner').waitFor({ state: 'hidden', ...WAIT });
    await joinedBoth(page);
    await reaches(page, 'connections', 2);
    await reaches(page, 'snapshots', snapshotsBefore[i] + 1); // the re-join of feed brought a new snapshot
    await reaches(page, 'ticks', ticksBefore[i] + 20);
  }
  step('both pages reconnected, re-joined feed and alerts, and ticks resumed');
  await screenshot('dashboard-reconnected', first);
}, { timeoutMs: 150_000 });
