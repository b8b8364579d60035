// The lab's daily path in a real browser: the counter, the record typed with the keyboard only
// (decimal commas, one column pasted), the live verdict, the review returned once then approved,
// the certificate previewed and issued, downloaded by the customer and verified; axe-core on
// every page of the path. `cargo test` runs it (tests/api/browser.rs), passing:
//   CALAB_BASE, PASSWORD, TECH, SIGNATORY, CUSTOMER_A, CUSTOMER_A_ID
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { env, signIn, axeProblems } from './common.mjs';

const problems = [];
async function check(page) {
  for (const p of await axeProblems(page)) problems.push(`${new URL(page.url()).pathname}: ${p}`);
}

/** Focuses a field and types into it, replacing what it held. */
async function typeInto(page, selector, text) {
  await page.locator(selector).focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

/** Presses Enter on a focused control and waits for the address it leads to. */
async function enterTo(page, selector, url) {
  await page.locator(selector).focus();
  await Promise.all([page.waitForURL(url, { waitUntil: 'commit' }), page.keyboard.press('Enter')]);
  await page.locator('h1').waitFor();
}

test('from the counter to a verified certificate, by keyboard', async () => {
  // The counter: a new thermometer for the customer.
  const tech = await signIn(env('TECH'));
  let page = tech.page;
  await check(page);
  await page.goto(`/counter?customer=${env('CUSTOMER_A_ID')}`);
  await check(page);
  const description = page.locator('input[name$=".description"]').first();
  const line = (await description.getAttribute('name')).split('.')[0];
  const field = (name) => `[name="${line}.${name}"]`;
  await typeInto(page, field('description'), 'Nhiệt kế số / Digital thermometer');
  await typeInto(page, field('serial'), 'KB-2026-77');
  await typeInto(page, field('quantity'), 'temperature');
  await typeInto(page, field('range_min'), '0');
  await typeInto(page, field('range_max'), '150');
  await typeInto(page, field('unit'), '°C');
  await typeInto(page, field('resolution'), '0,1');
  await typeInto(page, field('mpe'), '0,3');
  await page.locator(field('rule')).selectOption('simple');
  await enterTo(page, 'form.counter button[type=submit]', /\/work-orders\/[0-9a-f-]+$/);
  await check(page);
  assert.equal(await page.locator('figure.label svg.qr').count(), 1);
  await enterTo(page, 'a[href^="/bench/items/"]', /\/bench\/items\/[0-9a-f-]+$/);
  const sheet = new URL(page.url()).pathname;

  // The record, typed: conditions, standards, then the grid with Enter and one pasted column.
  await typeInto(page, '#location', 'Phòng nhiệt / temperature room');
  await typeInto(page, '#temperature', '21,5');
  await typeInto(page, '#humidity', '55');
  await page.locator('#monitor').selectOption('E-TH-01');
  await typeInto(page, '#standards', 'T-REF-01');
  // Point 1 is the procedure's 50 °C; its reference and readings, Enter between them.
  await typeInto(page, '[name="p0.reference"]', '50,004');
  for (const r of ['50,0', '50,1', '50,0']) {
    await page.keyboard.press('Enter');
    await page.keyboard.type(r);
  }
  await page.keyboard.press('Enter'); // this point's standards: the record's
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'p1.nominal');
  await page.keyboard.type('20');
  await page.keyboard.press('Enter'); // unit, °C already
  await page.keyboard.press('Enter');
  await page.keyboard.type('20,002');
  await page.keyboard.press('Enter');
  // A column copied from a spreadsheet, pasted into the first reading.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/plain', '20,0\n20,1\n20,0\n');
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  assert.equal(await page.locator('[name="p1.r2"]').inputValue(), '20,0');
  await typeInto(page, '[name="p2.nominal"]', '80');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type('80,003');
  for (const r of ['80,0', '80,1', '80,0']) {
    await page.keyboard.press('Enter');
    await page.keyboard.type(r);
  }
  for (const n of [0, 1, 2]) {
    await page.locator(`#res-${n} .badge.ok`).waitFor();
  }
  // A reading that makes point 3 fail: the verdict changes live and is announced.
  await typeInto(page, '[name="p2.r2"]', '81,5');
  await page.locator('#res-2 .badge.bad').waitFor();
  assert.match(await page.locator('#live').textContent(), /Điểm 3: .*Không đạt/);
  assert.equal(await page.evaluate(() => document.activeElement.name), 'p2.r2', 'the field typed in keeps the focus');
  await typeInto(page, '[name="p2.r2"]', '80,0');
  await page.locator('#res-2 .badge.ok').waitFor();
  await check(page);
  await enterTo(page, 'button[value=submit]', /\/worklist/);
  await check(page);

  // The signatory scans the serial into the search box, returns the record once with a reason.
  const signatory = await signIn(env('SIGNATORY'));
  let review = signatory.page;
  await typeInto(review, '#global-search', 'KB-2026-77');
  await Promise.all([review.waitForURL(/\/review\/[0-9a-f-]+$/), review.keyboard.press('Enter')]);
  const reviewPath = new URL(review.url()).pathname;
  await check(review);
  await typeInto(review, '#reason', 'Ghi độ sâu nhúng đầu đo / state the immersion depth');
  await enterTo(review, 'form[action$="/return"] button', /\/worklist\?lane=awaiting_review/);

  // The technician reads why, adds the note, submits again; they are not offered the approval.
  await page.goto(sheet);
  assert.match(await page.locator('.alert').first().textContent(), /immersion depth/);
  await typeInto(page, '#notes', 'Nhúng 10 cm / immersed 10 cm');
  await enterTo(page, 'button[value=submit]', /\/worklist/);
  await page.goto(reviewPath);
  assert.equal(await page.locator('form[action$="/approve"]').count(), 0);
  await tech.context.close();

  // Approve with the password entered again, preview, issue.
  await review.goto(reviewPath);
  assert.match(await review.locator('section[aria-labelledby=who]').textContent(), /immersed 10 cm/);
  await typeInto(review, '#approve-password', env('PASSWORD'));
  await Promise.all([review.waitForURL(/done=approved/), review.keyboard.press('Enter')]);
  await check(review);
  const preview = await review.context().request.get(`${reviewPath}/preview.pdf`);
  assert.equal(preview.status(), 200);
  assert.equal(preview.headers()['content-type'], 'application/pdf');
  await typeInto(review, '#issue-password', env('PASSWORD'));
  await Promise.all([review.waitForURL(/done=issued/), review.keyboard.press('Enter')]);
  await check(review);
  const pdfLink = await review.locator('a[href^="/certificates/"][href$="/pdf"]').first().getAttribute('href');
  const verifyPath = await review.locator('a[href^="/verify/"]').first().getAttribute('href');
  await signatory.context.close();

  // The customer downloads it from the portal; the verification page vouches for those bytes.
  const customer = await signIn(env('CUSTOMER_A'));
  const portal = customer.page;
  await portal.goto('/certificates');
  const [download] = await Promise.all([
    portal.waitForEvent('download'),
    portal.locator(`a[href="${pdfLink}"]`).first().click(),
  ]);
  const sha = createHash('sha256').update(readFileSync(await download.path())).digest('hex');
  await portal.goto(verifyPath);
  assert.match(await portal.locator('.verify-status').first().getAttribute('class'), /ok/);
  assert.ok((await portal.content()).includes(sha), 'the verification page shows the SHA-256 of the downloaded PDF');
  await check(portal);
  await customer.context.close();

  assert.deepEqual(problems, []);
});
