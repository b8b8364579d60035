// The customer portal and the verification pages in a real browser (Debian's chromium through
// playwright-core), by keyboard where a person would use it, with axe-core on every page.
// `cargo test` runs this file against a test server (tests/api/browser.rs), passing:
//   CALAB_BASE, CUSTOMER_A, CUSTOMER_B, PASSWORD, INSTRUMENT, CERTIFICATE, PDF_SHA256, VERIFY_PATH
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set`);
  return value;
};
const BASE = env('CALAB_BASE');
const PASSWORD = env('PASSWORD');

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});
after(async () => browser && browser.close());

/** A signed-in page, signing in with the keyboard only. */
async function signIn(email, { lang = 'vi', bypassCSP = false } = {}) {
  const context = await browser.newContext({
    baseURL: BASE, acceptDownloads: true, bypassCSP,
    locale: lang === 'vi' ? 'vi-VN' : 'en-GB', extraHTTPHeaders: { 'Accept-Language': lang },
  });
  const page = await context.newPage();
  await page.goto('/login');
  // The e-mail field has the focus on arrival.
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL(BASE + '/'), page.keyboard.press('Enter')]);
  return { context, page };
}

/** Serious and critical axe-core violations of the page, as readable lines. */
async function axeProblems(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }));
  assert.ok(result.passes.length > 10, 'axe-core ran its rules');
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a customer finds an overdue instrument, reads its chart, downloads, complains and signs out', async () => {
  const { context, page } = await signIn(env('CUSTOMER_A'));
  assert.equal(await page.locator('h1').textContent(), 'Tổng quan');

  // The overdue card, reached by keyboard.
  await page.locator('a[href="/instruments?due=overdue"]').focus();
  await Promise.all([page.waitForURL(/due=overdue/), page.keyboard.press('Enter')]);
  await page.locator('td', { hasText: 'SA-RECALL-2' }).first().waitFor();

  // The instrument with certificates: its chart and the chart's numbers.
  await page.goto(`/instruments/${env('INSTRUMENT')}`);
  assert.equal(await page.locator('svg.chart').count(), 1);
  assert.ok(await page.locator('svg.chart title').textContent());
  assert.ok((await page.locator('table caption').count()) >= 1);

  // The PDF downloaded from the page is the one the lab issued.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(`a[href="/certificates/${env('CERTIFICATE')}/pdf"]`).first().click(),
  ]);
  const bytes = readFileSync(await download.path());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), env('PDF_SHA256'));

  // A complaint, typed and sent with the keyboard.
  await page.goto('/complaints/new');
  await page.locator('#subject').focus();
  await page.keyboard.type('Kết quả ở 1000 g');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Sai số khác với phép đo nội bộ của chúng tôi.');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForURL(/\/complaints\/[0-9a-f-]+$/), page.keyboard.press('Enter')]);
  assert.match(await page.locator('h1').textContent(), /Kết quả ở 1000 g/);

  // Sign out ends the session.
  await Promise.all([page.waitForURL(/\/login$/), page.locator('form[action="/logout"] button').click()]);
  const again = await page.goto('/instruments');
  assert.match(again.url(), /\/login\?next=/);
  await context.close();
});

test('another customer cannot reach those pages by URL, nor post without the form token', async () => {
  const { context, page } = await signIn(env('CUSTOMER_B'));
  for (const path of [`/instruments/${env('INSTRUMENT')}`, `/certificates/${env('CERTIFICATE')}/pdf`]) {
    const response = await page.goto(path).catch(() => null);
    // A download would not be a page; a refused one is the 404 page.
    assert.equal(response && response.status(), 404, path);
  }
  const forged = await context.request.post('/complaints', {
    form: { subject: 'forged', description: 'forged' }, maxRedirects: 0,
  });
  assert.equal(forged.status(), 403, 'no CSRF token');
  const csrf = await page.goto('/complaints/new').then(() => page.locator('form[action="/complaints"] input[name=csrf]').inputValue());
  const crossSite = await context.request.post('/complaints', {
    form: { csrf, subject: 'forged', description: 'forged' },
    headers: { Origin: 'https://evil.example' }, maxRedirects: 0,
  });
  assert.equal(crossSite.status(), 403, 'a post from another site');
  await context.close();
});

test('the skip link comes first and the main flows work without a mouse', async () => {
  const { context, page } = await signIn(env('CUSTOMER_A'));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await context.close();
});

for (const lang of ['vi', 'en']) {
  test(`axe-core finds nothing serious on the portal and verification pages (${lang})`, async () => {
    const { context, page } = await signIn(env('CUSTOMER_A'), { lang, bypassCSP: true });
    const pages = [
      '/', '/instruments', '/instruments?due=overdue&sort=due', `/instruments/${env('INSTRUMENT')}`,
      '/certificates', '/complaints', '/complaints/new', '/requests', '/requests/new',
      '/search?q=TB26', '/password', '/no-such-page',
      '/verify', env('VERIFY_PATH'),
    ];
    const problems = [];
    for (const path of pages) {
      await page.goto(path);
      for (const p of await axeProblems(page)) problems.push(`${path}: ${p}`);
    }
    // A complaint's and a request's page, and the sign-in page signed out.
    for (const list of ['/complaints', '/requests']) {
      await page.goto(list);
      const first = page.locator(`td a[href^="${list}/"]`).first();
      assert.ok(await first.count(), `the demo has ${list}`);
      await Promise.all([page.waitForURL(new RegExp(`${list}/[0-9a-f-]+$`)), first.click()]);
      for (const p of await axeProblems(page)) problems.push(`${page.url()}: ${p}`);
    }
    await page.locator('form[action="/logout"] button').click();
    await page.waitForURL(/\/login$/);
    for (const p of await axeProblems(page)) problems.push(`/login: ${p}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
