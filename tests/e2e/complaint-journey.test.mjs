// End to end, in Chromium: a complaint from the public portal (with and without JavaScript)
// through the staff console's queue and lifecycle to closure, then the complainant's
// satisfaction survey. axe-core runs on every page visited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, checkA11y, checkA11yOfSnapshot, screenshots, watchErrors, signIn, daysAgo } from './browser.mjs';

const HANDLER = { name: 'hana', role: 'handler', password: 'handler-password-1', displayName: 'Hana Handler' };

let server;
let browser;
const shared = {};  // reference, secret: from one step to the next

// The errors these tests provoke on purpose: the portal's invalid form (422) and the refused
// investigator (422). Anything else fails the test.
const notProvoked = (e) => !/^HTTP 422 POST \/(complaint|api\/v1\/complaints\/[^/]+\/investigate)$/.test(e);

before(async () => {
  server = await startServer({ users: [HANDLER] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the portal checks the form in the browser, then files a complaint', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const watch = watchErrors(page);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('form.complaint-form[novalidate]');  // portal.js ran
  await checkA11y(page, 'complaint form');
  await screenshots(page, 'portal-form');

  const form = page.locator('form.complaint-form');
  const msg = {
    required: await form.getAttribute('data-msg-required'),
    email: await form.getAttribute('data-msg-email'),
    contact: await form.getAttribute('data-msg-contact'),
  };
  const errorOf = (name) => page.locator(`.field[data-field="${name}"] .field-error`);

  // Empty form: messages next to the fields, the first invalid field focused, nothing sent.
  await page.click('form.complaint-form button[type="submit"]');
  await assert.doesNotReject(errorOf('complainant.name').filter({ hasText: msg.required }).waitFor());
  assert.equal(await errorOf('description').textContent(), msg.required);
  assert.equal(await errorOf('complainant.email').textContent(), msg.contact);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'complainant.name');
  assert.equal(await page.locator('.field[data-field="complainant.name"]').getAttribute('class'), 'field has-error');
  assert.equal(await page.locator('#complainant-name').getAttribute('aria-invalid'), 'true');
  assert.equal(new URL(page.url()).pathname, '/');

  // A bad email is caught on blur; fixing it clears the message.
  await page.fill('#complainant-email', 'not-an-email');
  await page.locator('#complainant-email').blur();
  assert.equal(await errorOf('complainant.email').textContent(), msg.email);
  await checkA11y(page, 'complaint form with errors');
  await page.fill('#complainant-email', 'jane.doe@example.org');
  await page.locator('#complainant-email').blur();
  assert.equal(await errorOf('complainant.email').textContent(), '');

  await page.fill('#complainant-name', 'Jane Doe');
  await page.fill('#product', 'Current account');
  await page.fill('#event-date', daysAgo(10));
  await page.fill('#description', 'I was charged twice for one transfer on my current account.');
  await page.fill('#remedy', 'Refund the second fee.');
  await Promise.all([
    page.waitForSelector('.reference'),
    page.click('form.complaint-form button[type="submit"]'),
  ]);
  const reference = (await page.locator('.reference').first().textContent()).trim();
  const secret = (await page.locator('.secret').first().textContent()).trim();
  assert.match(reference, /^[A-Z]+-\d{4}-\d{6}-[A-Z]$/);
  assert.ok(secret.length >= 20, `secret ${secret}`);
  Object.assign(shared, { reference, secret });
  await checkA11y(page, 'confirmation');
  await screenshots(page, 'confirmation');

  // The status page: reference and secret, then the state.
  await page.goto(`${server.url}/status`);
  await checkA11y(page, 'status form');
  await page.fill('#reference', reference);
  await page.fill('#secret', secret);
  await Promise.all([page.waitForSelector('.state'), page.click('form.status-form button[type="submit"]')]);
  assert.equal(await page.locator('.state').getAttribute('data-state'), 'acknowledged');
  await checkA11y(page, 'status page');
  watch.assertNoErrors(notProvoked);
  await context.close();
});

test('without JavaScript the form still files a complaint (plain POST)', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/complaint`);
  assert.equal(await page.locator('form.complaint-form').getAttribute('novalidate'), null);
  // The browser's own checks (required) apply; what only the server knows it answers with
  // the form again: no way to reach the complainant.
  await page.fill('#complainant-name', 'Sam No-Script');
  await page.fill('#description', 'Filed with JavaScript turned off: the branch closed early.');
  await page.click('form.complaint-form button[type="submit"]');
  await page.waitForSelector('.alert');
  assert.ok((await page.locator('.field[data-field="complainant.email"] .field-error').textContent()).trim().length > 0);
  assert.equal(await page.inputValue('#complainant-name'), 'Sam No-Script');
  await checkA11yOfSnapshot(browser, page, 'form with server-side errors (no JavaScript)');
  // Valid.
  await page.fill('#complainant-phone', '+44 20 7946 0000');
  await page.click('form.complaint-form button[type="submit"]');
  await page.waitForSelector('.reference');
  assert.match((await page.locator('.reference').first().textContent()).trim(), /^[A-Z]+-\d{4}-\d{6}-[A-Z]$/);
  await checkA11yOfSnapshot(browser, page, 'confirmation (no JavaScript)');
  await context.close();
});

test('a handler takes the complaint from the queue to closure in the console', async () => {
  assert.ok(shared.reference, 'needs the complaint filed by the first test');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const watch = watchErrors(page);

  await page.goto(`${server.url}/console`);
  await page.waitForURL(/\/console\/login$/);  // not signed in: 303 to the login page
  await checkA11y(page, 'console login');
  await signIn(page, server.url, HANDLER.name, HANDLER.password);
  await page.waitForURL(/#\/queue/);
  const row = page.locator(`tr[data-reference="${shared.reference}"]`);
  await row.waitFor();
  await checkA11y(page, 'queue');
  await screenshots(page, 'console-queue');

  // Filters and saved views. The filtered queue is a new view: wait until it has replaced
  // the unfiltered one (which shows the same row) before saving the view in it.
  const unfiltered = await page.$('main > .view');
  await page.selectOption('#state', 'acknowledged');
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/#\/queue\?state=acknowledged/);
  await page.waitForFunction((view) => !view.isConnected, unfiltered);
  await row.waitFor();
  await page.fill('#view-name', 'Acknowledged');
  await page.click('.saved-views button[type="submit"]');
  await page.locator('#view-pick option', { hasText: 'Acknowledged' }).waitFor({ state: 'attached' });
  await page.selectOption('#state', 'closed');
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/#\/queue\?state=closed/);
  await page.locator('.result-status', { hasText: 'No complaints' }).waitFor();
  await page.selectOption('#view-pick', 'Acknowledged');
  await page.click('text=Open view');
  await page.waitForURL(/#\/queue\?state=acknowledged/);
  await row.waitFor();
  await page.selectOption('#view-pick', 'Acknowledged');
  await page.click('text=Delete view');
  await page.locator('#view-pick option', { hasText: 'Acknowledged' }).waitFor({ state: 'detached' });

  // The complaint page; its buttons are exactly my_actions and my_operations.
  await row.locator('a').click();
  await page.waitForURL(new RegExp(`#/complaints/${shared.reference}$`));
  await page.locator('h1', { hasText: shared.reference }).waitFor();
  const expected = await page.evaluate(async (ref) => {
    const r = await fetch(`/api/v1/complaints/${ref}`);
    const c = await r.json();
    return [...c.my_actions, ...(c.my_operations || [])].filter((a) => a !== 'note' && a !== 'attachment').sort();
  }, shared.reference);
  const shown = (await page.locator('[data-action]').evaluateAll((els) => els.map((e) => e.dataset.action))).sort();
  assert.deepEqual(shown, expected);
  assert.ok(shown.includes('assess'), `assess among ${shown}`);
  await checkA11y(page, 'complaint page');

  const stateBadge = page.locator('.summary-line .state');
  const act = async (action) => {
    await page.click(`[data-action="${action}"]`);
    await page.locator(`form.action-${action}`).waitFor();
  };
  const submitAction = async (action, state) => {
    await page.click(`form.action-${action} button[type="submit"]`);
    await stateBadge.filter({ hasText: state }).waitFor();
  };

  // Assess with the classification form.
  await act('assess');
  await page.click('form.action-assess button[type="submit"]');  // empty: required fields marked
  await page.locator('form.action-assess .field[data-name="category"].has-error').waitFor();
  await checkA11y(page, 'assessment form with errors');
  const assess = page.locator('form.action-assess');
  await assess.getByLabel('Category').fill('banking/current-account/fees');
  await assess.getByLabel('Severity').selectOption('2');
  await assess.getByLabel('Safety or health impact').selectOption('none');
  await assess.getByLabel('Complexity').selectOption('moderate');
  await assess.getByLabel('Impact on the complainant').selectOption('medium');
  await submitAction('assess', 'Assessed');

  // A note and an attachment.
  await page.locator('form.note-form textarea').fill('Called the complainant; the duplicate fee is visible on the statement.');
  await page.click('form.note-form button[type="submit"]');
  await page.locator('.notes li', { hasText: 'duplicate fee' }).waitFor();
  await page.setInputFiles('form.upload-form input[type="file"]',
    { name: 'statement.txt', mimeType: 'text/plain', buffer: Buffer.from('Statement extract: fee 2.50 charged twice.\n') });
  await page.click('form.upload-form button[type="submit"]');
  const link = page.locator('.attachments a', { hasText: 'statement.txt' });
  await link.waitFor();
  const download = await page.evaluate(async (href) => (await fetch(href)).text(), await link.getAttribute('href'));
  assert.match(download, /fee 2\.50 charged twice/);

  // Investigate: an unknown investigator is refused and the API's problem is shown.
  await act('investigate');
  await page.locator('form.action-investigate').getByLabel('Investigator').fill('nobody-such');
  await page.click('form.action-investigate button[type="submit"]');
  const problem = page.locator('form.action-investigate .alert');
  await problem.waitFor();
  assert.ok((await problem.textContent()).trim().length > 10);
  await checkA11y(page, 'action form with a problem from the API');
  await page.locator('form.action-investigate').getByLabel('Investigator').fill(HANDLER.name);
  await submitAction('investigate', 'Under investigation');

  // Propose the decision with the decision form.
  await act('propose_decision');
  const decision = page.locator('form.action-propose_decision');
  await decision.getByLabel('Outcome').selectOption('partly_upheld');
  await decision.getByLabel('Reasons').fill('The second fee was charged in error; the first was due under the tariff.');
  await decision.getByLabel('Remedy type').fill('apology');
  await submitAction('propose_decision', 'Response proposed');
  await page.locator('.details dd', { hasText: 'Partly upheld' }).waitFor();
  await checkA11y(page, 'complaint with a proposed decision');
  await screenshots(page, 'console-complaint');

  await act('communicate_decision');
  await submitAction('communicate_decision', 'Decision communicated');

  await act('close');
  const close = page.locator('form.action-close');
  await close.getByLabel('Root cause').selectOption('process');
  await close.getByLabel('Complainant’s reply').selectOption('accepts');
  await submitAction('close', 'Closed');
  await page.locator('.timeline li').first().waitFor();
  await checkA11y(page, 'closed complaint');

  // Sign out: the session ends and the console sends us to the login page.
  await Promise.all([page.waitForURL(/\/console\/login$/), page.click('#logout')]);
  await page.goto(`${server.url}/console#/queue`);
  await page.waitForURL(/\/console\/login(#.*)?$/);  // a redirect keeps the fragment
  watch.assertNoErrors(notProvoked);
  await context.close();
});

test('after closure the complainant answers the satisfaction survey', async () => {
  assert.ok(shared.secret, 'needs the complaint closed by the previous test');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/status?reference=${encodeURIComponent(shared.reference)}`);
  assert.equal(await page.inputValue('#reference'), shared.reference);
  await page.fill('#secret', shared.secret);
  await Promise.all([page.waitForSelector('.state'), page.click('form.status-form button[type="submit"]')]);
  assert.equal(await page.locator('.state').getAttribute('data-state'), 'closed');
  await page.locator('form.survey-form').waitFor();
  await checkA11y(page, 'status page with the survey');
  await screenshots(page, 'status-survey');
  await page.check('form.survey-form input[name="handling"][value="4"]');
  await page.check('form.survey-form input[name="outcome"][value="5"]');
  await page.fill('form.survey-form textarea[name="comment"]', 'Quick and fair.');
  await page.click('form.survey-form button[type="submit"]');
  await page.locator('.survey-thanks, .notice').first().waitFor();
  assert.equal(await page.locator('form.survey-form').count(), 0);
  await checkA11y(page, 'survey answered');
  await context.close();
});
