// What the browser test files share: the browser, signing in by keyboard, axe-core.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set`);
  return value;
};
const BASE = env('CALAB_BASE');
export const PASSWORD = env('PASSWORD');

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});
after(async () => browser && browser.close());

/** A signed-in page, signing in with the keyboard only. */
export async function signIn(email, { lang = 'vi', bypassCSP = false, viewport } = {}) {
  const context = await browser.newContext({
    baseURL: BASE, acceptDownloads: true, bypassCSP, viewport,
    locale: lang === 'vi' ? 'vi-VN' : 'en-GB', extraHTTPHeaders: { 'Accept-Language': lang },
  });
  const page = await context.newPage();
  await page.goto('/login');
  // The e-mail field has the focus on arrival (once the page has applied it).
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL(BASE + '/', { waitUntil: 'commit' }), page.keyboard.press('Enter')]);
  await page.locator('h1').waitFor();
  return { context, page };
}

/** Serious and critical axe-core violations of the page, as readable lines. */
export async function axeProblems(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }));
  assert.ok(result.passes.length > 10, 'axe-core ran its rules');
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
