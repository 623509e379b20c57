// The shared part of every browser test: launch Debian's Chromium through playwright-core, read the
// command line, save screenshots, bound the whole run in time and turn the outcome into an exit code.
// A test script is `node <example>.test.mjs <baseUrl> <screenshotDir>`; exit code 0 means it passed.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Chromium's flags on a headless CI machine (see /work/shared/STACK.md): no sandbox, no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Where Chromium lives; ROOMCAST_CHROMIUM overrides it (never downloaded: no `playwright install`). */
export const CHROMIUM_PATH = process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium';

/**
 * Runs `body({ browser, baseUrl, screenshot, step })` and exits the process: 0 when it resolves, 1 when it
 * throws or exceeds `timeoutMs`. `screenshot(name, page)` writes `<screenshotDir>/<name>.png`; `step(text)`
 * logs progress, so a failure's output says how far the test got.
 * @param {string} name the test's name, for the log
 * @param {(t: {browser: import('playwright-core').Browser, baseUrl: string,
 *   screenshot: (name: string, page: import('playwright-core').Page) => Promise<void>,
 *   step: (text: string) => void}) => Promise<void>} body
 * @param {{timeoutMs?: number}} [options]
 */
export async function browserTest(name, body, { timeoutMs = 60_000 } = {}) {
  const [baseUrl, screenshotDir = 'target/screenshots'] = process.argv.slice(2);
  if (!baseUrl) {
    console.error(`usage: node ${process.argv[1]} <baseUrl> [screenshotDir]`);
    process.exit(2);
  }
  mkdirSync(screenshotDir, { recursive: true });
  const step = (text) => console.log(`[${name}] ${text}`);
  let browser;
  const timer = setTimeout(() => {
    console.error(`[${name}] FAILED: timed out after ${timeoutMs} ms`);
    process.exit(1);
  }, timeoutMs);
  let code = 0;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const screenshot = async (shot, page) => {
      await page.screenshot({ path: join(screenshotDir, `${shot}.png`), fullPage: true });
    };
    await body({ browser, baseUrl: baseUrl.replace(/\/$/, ''), screenshot, step });
    step('passed');
  } catch (e) {
    console.error(`[${name}] FAILED:`, e && e.stack ? e.stack : e);
    code = 1;
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close().catch(() => {});
  }
  process.exit(code);
}

/**
 * Waits for a line from the Java side on stdin (the IT writes one, e.g. `restarted`, after acting on the
 * server) and resolves with it. Lets a test ask the JVM to restart the server and wait until it has.
 * Ask by printing `@@<request>` on stdout; see BrowserTestRun#onRequest.
 * @param {string} request what to ask for, e.g. `restart`
 * @param {number} [timeoutMs]
 * @returns {Promise<string>}
 */
export function askJava(request, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to @@${request} within ${timeoutMs} ms`)), timeoutMs);
    let buffered = '';
    const onData = (chunk) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        process.stdin.off('data', onData);
        process.stdin.pause();
        clearTimeout(timer);
        resolve(buffered.slice(0, nl).trim());
      }
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.resume();
    console.log(`@@${request}`);
  });
}

/** Throws `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}
