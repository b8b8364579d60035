// The customer portal and the verification pages in a real browser (Debian's chromium through
// playwright-core), by keyboard where a person would use it, with axe-core on every page.
// `cargo test` runs this file against a test server (tests/api/browser.rs), passing:
//   CALAB_BASE, CUSTOMER_A, CUSTOMER_B, PASSWORD, INSTRUMENT, CERTIFICATE, PDF_SHA256, VERIFY_PATH
// (the shared setup is in common.mjs)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { env, signIn, axeProblems } from './common.mjs';

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
