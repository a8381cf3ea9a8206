// End to end, in Chromium: the console's dashboard (as a manager) and administration pages
// (as an admin: users, roles, policies), with axe-core on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, checkA11y, screenshots, watchErrors, signIn, daysAgo } from './browser.mjs';

const MANAGER = { name: 'mona', role: 'manager', password: 'manager-password-1', displayName: 'Mona Manager' };
const ADMIN = { name: 'ada', role: 'admin', password: 'admin-password-12', displayName: 'Ada Admin' };

let server;
let browser;
const refs = [];

before(async () => {
  server = await startServer({ users: [MANAGER, ADMIN] });
  browser = await launch();
  // A few complaints through the public API, so that the charts have something to show.
  const products = ['Current account', 'Credit card', 'Mortgage', 'Savings account', 'Mobile app'];
  for (let i = 0; i < products.length; i += 1) {
    const res = await fetch(`${server.url}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        complainant: { name: `Complainant ${i + 1}`, email: `person${i + 1}@example.org` },
        product: products[i],
        event_date: daysAgo(3 + i),
        description: `Complaint number ${i + 1} about the ${products[i].toLowerCase()}.`,
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    refs.push(JSON.parse(text).reference);
  }
  // The manager assesses three of them (through the API with a bearer token), so the
  // categories and states vary.
  const session = await (await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: MANAGER.name, password: MANAGER.password }),
  })).json();
  const categories = ['banking/current-account/fees', 'banking/current-account/fees', 'banking/current-account/opening-closing'];
  for (let i = 0; i < categories.length; i += 1) {
    const res = await fetch(`${server.url}/api/v1/complaints/${refs[i]}/assess`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ category: categories[i], severity: i + 1 }),
    });
    assert.equal(res.status, 200, await res.text());
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a manager sees the dashboard: five charts, each named, each with its data table', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const watch = watchErrors(page);
  await signIn(page, server.url, MANAGER.name, MANAGER.password);
  await page.waitForURL(/#\/queue/);
  await page.locator('tbody tr').first().waitFor();
  assert.equal(await page.locator('tbody tr').count(), 5);
  await checkA11y(page, 'queue (manager)');

  // Cursor pagination, two rows a page: forward to the last page and back.
  await page.goto(`${server.url}/console#/queue?limit=2`);
  const refsOnPage = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.reference));
  await page.locator('.result-status', { hasText: 'Page 1: 2 complaints' }).waitFor();
  const first = await refsOnPage();
  await page.click('text=Next page');
  await page.locator('.result-status', { hasText: 'Page 2: 2 complaints' }).waitFor();
  const second = await refsOnPage();
  assert.equal(new Set([...first, ...second]).size, 4);
  await page.click('text=Next page');
  await page.locator('.result-status', { hasText: 'Page 3: 1 complaint.' }).waitFor();
  assert.ok(await page.locator('button', { hasText: 'Next page' }).isDisabled());
  await page.click('text=Previous page');
  await page.click('text=Previous page');
  await page.locator('.result-status', { hasText: 'Page 1: 2 complaints' }).waitFor();
  assert.deepEqual(await refsOnPage(), first);
  // Sorting the page by reference, both ways.
  await page.click('th button.sort:has-text("Reference")');
  assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'Reference ▲');
  const asc = await refsOnPage();
  assert.deepEqual(asc, [...first].sort());
  await page.click('th button.sort:has-text("Reference")');
  assert.deepEqual(await refsOnPage(), [...asc].reverse());
  // The Order filter sorts the whole list on the server: oldest first is newest first reversed.
  await page.goto(`${server.url}/console#/queue`);
  await page.locator('.result-status', { hasText: 'Page 1: 5 complaints' }).waitFor();
  const newest = await refsOnPage();
  await page.selectOption('#sort', 'oldest');
  await page.click('button:has-text("Apply filters")');
  await page.waitForURL(/sort=oldest/);
  await page.waitForFunction((want) => [...document.querySelectorAll('tbody tr')]
    .map((r) => r.dataset.reference).join() === want, [...newest].reverse().join());

  await page.click('#nav-list a[href="#/dashboard"]');
  await page.locator('h1', { hasText: 'Dashboard' }).waitFor();
  const canvases = page.locator('canvas[role="img"]');
  await page.waitForFunction(() => document.querySelectorAll('canvas[role="img"]').length === 5 &&
    [...document.querySelectorAll('canvas')].every((c) => c.width > 0));
  for (const label of await canvases.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))) {
    assert.ok(label && label.length > 20, `chart name: ${label}`);
  }
  assert.equal(await page.locator('figure.chart .visually-hidden table').count(), 5);
  const stateRows = await page.locator('#by-state-h ~ .visually-hidden tbody tr').count();
  assert.ok(stateRows >= 1, 'open-by-state table has rows');
  assert.match(await page.locator('#by-state-canvas').getAttribute('aria-label'), /5 open/);
  await checkA11y(page, 'dashboard');
  await screenshots(page, 'console-dashboard');

  // A manager may read users but not add them.
  await page.click('#nav-list a[href="#/admin/users"]');
  await page.locator('h1', { hasText: 'Users' }).waitFor();
  assert.equal(await page.locator('form.user-form').count(), 0);
  await checkA11y(page, 'users (manager)');
  watch.assertNoErrors();
  await context.close();
});

test('an admin adds, disables and enables a user; roles and policies are read-only pages', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const watch = watchErrors(page);
  await signIn(page, server.url, ADMIN.name, ADMIN.password);
  // An admin has no queue: the console opens on the users page.
  await page.waitForURL(/#\/admin\/users/);
  await page.locator('h1', { hasText: 'Users' }).waitFor();
  assert.equal(await page.locator('#nav-list a[href="#/queue"]').count(), 0);
  await checkA11y(page, 'users (admin)');

  const form = page.locator('form.user-form');
  // Too short a password: the API's problem is shown next to the field.
  await form.getByLabel('Username').fill('ivan');
  await form.getByLabel('Display name').fill('Ivan Investigator');
  await form.getByLabel('Role').selectOption('investigator');
  await form.getByLabel('Initial password').fill('short');
  await form.locator('button[type="submit"]').click();
  await form.locator('.alert').waitFor();
  await form.locator('.field[data-name="password"].has-error').waitFor();
  await checkA11y(page, 'add-user form with a problem');
  await form.getByLabel('Initial password').fill('investigator-password-1');
  await form.locator('button[type="submit"]').click();
  const row = page.locator('tbody tr', { hasText: 'ivan' });
  await row.waitFor();
  assert.match(await row.textContent(), /Investigator/);

  await row.getByRole('button', { name: 'Disable ivan' }).click();
  await page.locator('tbody tr', { hasText: 'ivan' }).getByRole('button', { name: 'Enable ivan' }).waitFor();
  assert.match(await page.locator('tbody tr', { hasText: 'ivan' }).textContent(), /Disabled/);
  await screenshots(page, 'console-admin-users');
  await page.locator('tbody tr', { hasText: 'ivan' }).getByRole('button', { name: 'Enable ivan' }).click();
  await page.locator('tbody tr', { hasText: 'ivan' }).getByRole('button', { name: 'Disable ivan' }).waitFor();

  await page.click('#nav-list a[href="#/admin/roles"]');
  await page.locator('h1', { hasText: 'Roles' }).waitFor();
  assert.equal(await page.locator('section.role').count(), 5);
  await page.locator('section.role summary').first().click();
  await page.locator('.permissions code', { hasText: 'GET /api/v1/complaints' }).first().waitFor();
  await checkA11y(page, 'roles');

  await page.click('#nav-list a[href="#/admin/policies"]');
  await page.locator('h1', { hasText: 'Policies' }).waitFor();
  assert.ok(await page.locator('section.policy').count() >= 4);
  await page.locator('section.policy .badge', { hasText: 'Default' }).waitFor();
  assert.ok(await page.locator('section.policy tbody tr').count() >= 4);
  await checkA11y(page, 'policies');

  // Keyboard: the skip link moves the focus to the content without changing the route.
  await page.reload();
  await page.locator('h1', { hasText: 'Policies' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  assert.match(page.url(), /#\/admin\/policies$/);
  watch.assertNoErrors((e) => e !== 'HTTP 422 POST /api/v1/users');
  await context.close();

  // The new user is told to change the password an administrator set, and can.
  const ivan = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const p2 = await ivan.newPage();
  await signIn(p2, server.url, 'ivan', 'investigator-password-1');
  await p2.locator('.notice a', { hasText: 'Change it now' }).click();
  await p2.locator('h1', { hasText: 'Your account' }).waitFor();
  await checkA11y(p2, 'account page');
  await p2.getByLabel('Current password').fill('investigator-password-1');
  await p2.getByLabel('New password').fill('a-new-password-for-ivan');
  await p2.locator('form.password-form button[type="submit"]').click();
  await p2.locator('.notice', { hasText: 'has been changed' }).waitFor();
  await ivan.close();
});
