// End to end, in Chromium: the console's clause 8 pages. Six complaints are made and taken
// through their lifecycle over the API (three closed: upheld with a 25.00 refund, partly upheld,
// not upheld; one survey answered), then a manager reads the analytics (figures checked against
// what was seeded) and records known events; an investigator records a root cause linked to two
// complaints; the manager plans actions and runs an effectiveness check; an auditor draws a
// sample and records a finding; the review report opens for a period; a handler sees none of it.
// axe-core runs on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer } from './server.mjs';
import { launch, checkA11y, screenshots, watchErrors, signIn, daysAgo } from './browser.mjs';

const MANAGER = { name: 'mona', role: 'manager', password: 'manager-password-1', displayName: 'Mona Manager' };
const INVESTIGATOR = { name: 'ivan', role: 'investigator', password: 'investigator-password-1', displayName: 'Ivan Investigator' };
const AUDITOR = { name: 'audrey', role: 'auditor', password: 'auditor-password-12', displayName: 'Audrey Auditor' };
const HANDLER = { name: 'hana', role: 'handler', password: 'handler-password-1', displayName: 'Hana Handler' };

const LEARNING_NAV = ['#/analytics', '#/root-causes', '#/corrective-actions', '#/audits', '#/review'];
const today = daysAgo(0);
const tomorrow = daysAgo(-1);
const weekAgo = daysAgo(7);

let server;
let browser;
const tokens = {};
const refs = [];  // six references: 0-2 closed, 3 assessed, 4-5 acknowledged

async function call(user, method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (user) headers.Authorization = `Bearer ${tokens[user]}`;
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

async function ok(user, method, path, body, status = 200) {
  const r = await call(user, method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  return r.body;
}

before(async () => {
  server = await startServer({ users: [MANAGER, INVESTIGATOR, AUDITOR, HANDLER] });
  browser = await launch();
  for (const u of [MANAGER, INVESTIGATOR, AUDITOR]) {
    tokens[u.name] = (await ok(null, 'POST', '/api/v1/session', { username: u.name, password: u.password })).token;
  }
  const products = ['Credit card', 'Credit card', 'Credit card', 'Credit card', 'Mortgage', 'Mortgage'];
  const secrets = [];
  for (let i = 0; i < products.length; i += 1) {
    const c = await ok(null, 'POST', '/api/v1/complaints', {
      complainant: { name: `Complainant ${i + 1}`, email: `person${i + 1}@example.org` },
      channel: i % 2 ? 'web' : 'api',
      product: products[i],
      event_date: daysAgo(3),
      description: `Complaint number ${i + 1} about the ${products[i].toLowerCase()}.`,
    }, 201);
    refs.push(c.reference);
    secrets.push(c.secret);
  }
  for (let i = 0; i < 4; i += 1) {
    await ok(MANAGER.name, 'POST', `/api/v1/complaints/${refs[i]}/assess`, { category: 'banking/current-account/fees', severity: 2 });
  }
  const decisions = [
    { outcome: 'upheld', reasons: 'We charged the fee twice.', remedy: { type: 'refund', amount_minor: 2500, currency: 'GBP', paid_at: new Date().toISOString() } },
    { outcome: 'partly_upheld', reasons: 'The second fee was an error; the first was due.' },
    { outcome: 'not_upheld', reasons: 'The fee was charged as agreed.' },
  ];
  const closures = [
    { cause: 'process', acceptance: 'accepts' },
    { cause: 'system', acceptance: 'rejects' },
    { cause: 'process', acceptance: 'rejects' },
  ];
  for (let i = 0; i < 3; i += 1) {
    await ok(MANAGER.name, 'POST', `/api/v1/complaints/${refs[i]}/investigate`, { investigator: INVESTIGATOR.name });
    await ok(INVESTIGATOR.name, 'POST', `/api/v1/complaints/${refs[i]}/propose_decision`, decisions[i]);
    await ok(MANAGER.name, 'POST', `/api/v1/complaints/${refs[i]}/communicate_decision`, {});
    await ok(MANAGER.name, 'POST', `/api/v1/complaints/${refs[i]}/close`, closures[i]);
  }
  await ok(null, 'POST', `/api/v1/status/${refs[0]}/survey`, { secret: secrets[0], handling: 4, outcome: 5 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(user, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const watch = watchErrors(page);
  await signIn(page, server.url, user.name, user.password);
  return { context, page, watch };
}

const navHrefs = (page) => page.locator('#nav-list a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
const kpi = (page, id) => page.locator(`[data-kpi="${id}"] .kpi-value`).textContent();
const kpiSub = (page, id) => page.locator(`[data-kpi="${id}"] .kpi-sub`).textContent();

test('a manager reads the analytics: the seeded figures, filters, breakdowns, CSV, known events', async () => {
  const { context, page, watch } = await newPage(MANAGER);
  const nav = await navHrefs(page);
  for (const href of LEARNING_NAV) assert.ok(nav.includes(href), `manager nav has ${href}: ${nav}`);

  await page.click('#nav-list a[href="#/analytics"]');
  await page.locator('h1', { hasText: 'Analytics' }).waitFor();
  await page.locator('.kpi-tiles').waitFor();
  assert.equal(await page.locator('#nav-list a[href="#/analytics"]').getAttribute('aria-current'), 'page');
  // All dates: the six complaints, three closed, one of each outcome.
  assert.equal(await kpi(page, 'received'), '6');
  assert.equal(await kpi(page, 'open'), '3');
  assert.equal(await kpi(page, 'closed'), '3');
  assert.equal(await kpi(page, 'ack_on_time'), '100.0%');
  assert.equal(await kpi(page, 'final_on_time'), '100.0%');
  // The objectives table (policies/objectives.toml): 100 % against at least 95 %.
  const objective = page.locator('table.objectives tr[data-kpi="final_on_time"]');
  assert.match(await objective.textContent(), /at least 95\.0%.*100\.0%.*Met/);
  assert.match(await page.locator('table.objectives tr[data-kpi="reopen_rate"]').textContent(), /at most 5\.0%/);
  assert.equal(await kpi(page, 'upheld'), '33.3%');
  assert.equal(await kpi(page, 'partly_upheld'), '33.3%');
  assert.equal(await kpi(page, 'not_upheld'), '33.3%');
  assert.equal(await kpiSub(page, 'upheld'), 'of 3 decisions communicated');
  assert.equal(await kpi(page, 'resolve_p50'), '0 days');
  assert.equal(await kpiSub(page, 'resolve_p50'), '3 complaints resolved');
  assert.equal(await kpi(page, 'redress'), '25.00');
  assert.match(await kpiSub(page, 'redress'), /^1 complaint with redress, mean 25\.00/);
  assert.equal(await kpi(page, 'reopen_rate'), '0.0%');
  assert.equal(await kpi(page, 'satisfaction'), '4 of 5');
  assert.match(await kpiSub(page, 'satisfaction'), /outcome 5 of 5; 1 survey answer \(33\.3% of closed\)/);
  // The trend, the Pareto and the open table say the same.
  await page.waitForFunction(() => [...document.querySelectorAll('canvas[role="img"]')].every((c) => c.width > 0));
  assert.match(await page.locator('#trend-canvas').getAttribute('aria-label'), /6 complaints received over 1 week/);
  const pareto = await page.locator('#pareto-canvas').getAttribute('aria-label');
  assert.match(pareto, /Process 2 \(66\.7%, cumulative 66\.7%\), System 1 \(33\.3%, cumulative 100\.0%\)/);
  assert.match(pareto, /vital few: Process, System/);
  assert.equal(await page.locator('#pareto-h ~ .visually-hidden tbody tr').count(), 2);
  assert.deepEqual(await page.locator('.open-table tfoot td').allTextContents(), ['3', '0', '0', '0', '3']);
  assert.equal(await page.locator('.open-table tbody tr', { hasText: 'Acknowledged' }).locator('td').last().textContent(), '2');
  // The default breakdown is by product.
  assert.equal(await page.locator('.breakdown-table tbody tr', { hasText: 'Credit card' }).locator('td').first().textContent(), '4');
  assert.equal(await page.locator('.breakdown-table tbody tr', { hasText: 'Mortgage' }).locator('td').first().textContent(), '2');
  await checkA11y(page, 'analytics');

  // The key figures as CSV, through the page's own link (the session cookie goes with it).
  const csvHref = await page.locator('a.csv-link', { hasText: 'Download the key figures' }).getAttribute('href');
  const csv = await page.request.get(`${server.url}${csvHref}`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  const csvText = await csv.text();
  assert.match(csvText, /^kpi,value\n/);
  assert.match(csvText, /\nreceived,6\n/);
  assert.match(csvText, /\nclosed,3\n/);

  // A period and a filter, kept in the route: the mortgages, none closed.
  await page.fill('#af-from', weekAgo);
  await page.fill('#af-to', today);
  await page.fill('#af-product', 'Mortgage');
  await page.click('form[role="search"] button[type="submit"]');
  await page.waitForURL(new RegExp(`#/analytics\\?from=${weekAgo}&to=${today}&product=Mortgage$`));
  await page.locator('#analytics-status', { hasText: `Showing complaints received from ${weekAgo} to ${today}; product Mortgage.` }).waitFor();
  assert.equal(await kpi(page, 'received'), '2');
  assert.equal(await kpi(page, 'closed'), '0');
  assert.equal(await kpi(page, 'upheld'), '—no data');
  assert.equal(await page.locator('[data-kpi="upheld"] .kpi-value .visually-hidden').textContent(), 'no data');
  // Both dates given: each figure beside the previous period of the same length (nothing then).
  assert.equal(await kpiSub(page, 'received'), 'Previous period: 0');
  assert.equal(await page.locator('.breakdown-table tbody tr').count(), 1);
  assert.equal(await page.locator('#af-product').inputValue(), 'Mortgage');
  // The CSV links carry the same filters.
  assert.match(await page.locator('a.csv-link', { hasText: 'Download the key figures' }).getAttribute('href'), /product=Mortgage/);

  // Breakdown by channel, all dates again.
  await page.goto(`${server.url}/console#/analytics`);
  await page.locator('#analytics-status', { hasText: 'Showing complaints received on any date.' }).waitFor();
  await page.selectOption('#breakdown-by', 'channel');
  await page.click('button:has-text("Show breakdown")');
  await page.waitForURL(/#\/analytics\?by=channel$/);
  await page.locator('.breakdown-table caption', { hasText: 'by channel' }).waitFor();
  const channels = await page.locator('.breakdown-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.querySelector('th').textContent, r.querySelector('td').textContent]));
  assert.deepEqual(channels, [['api', '3'], ['web', '3']]);

  // Known events: a half-filled form is refused with a message, then two are added and one
  // deleted.
  const form = page.locator('form.annotation-form');
  await form.locator('[name="day"]').fill(today);
  await form.locator('[name="kind"]').selectOption('launch');
  await form.locator('[name="label"]').fill('New credit card launched');
  await form.locator('[name="scope_dim"]').selectOption('product');
  await form.locator('button[type="submit"]').click();
  await form.locator('[role="alert"]', { hasText: 'Give both what the event concerns and which one' }).waitFor();
  await checkA11y(page, 'analytics, known-event form with a problem');
  await form.locator('[name="scope_value"]').fill('Credit card');
  await form.locator('button[type="submit"]').click();
  const row = page.locator('.annotations-table tbody tr', { hasText: 'New credit card launched' });
  await row.waitFor();
  assert.deepEqual(await row.locator('th, td').allTextContents().then((t) => t.slice(0, 5)),
    [today, 'Launch', 'New credit card launched', 'Product: Credit card', MANAGER.name]);
  // It is drawn on the trend: in the chart's name and its table.
  await page.locator('#trend-h ~ .visually-hidden td', { hasText: 'New credit card launched' }).waitFor();
  assert.match(await page.locator('#trend-canvas').getAttribute('aria-label'), /1 known event marked/);

  await page.locator('form.annotation-form [name="day"]').fill(today);
  await page.locator('form.annotation-form [name="kind"]').selectOption('incident');
  await page.locator('form.annotation-form [name="label"]').fill('Entered by mistake');
  await page.locator('form.annotation-form button[type="submit"]').click();
  await page.locator('.annotations-table tbody tr', { hasText: 'Entered by mistake' }).waitFor();
  assert.equal(await page.locator('.annotations-table tbody tr').count(), 2);
  await page.getByRole('button', { name: `Delete the event “Entered by mistake” of ${today}` }).click();
  await page.locator('.annotations-table tbody tr', { hasText: 'Entered by mistake' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('.annotations-table tbody tr').count(), 1);
  const listed = await ok(MANAGER.name, 'GET', '/api/v1/analytics/annotations');
  assert.deepEqual(listed.annotations.map((a) => a.label), ['New credit card launched']);
  // Nor is it drawn on the trend any more.
  await page.locator('.kpi-tiles').waitFor();
  assert.equal(await page.locator('#trend-h ~ .visually-hidden td', { hasText: 'Entered by mistake' }).count(), 0);
  assert.deepEqual(await page.locator('section[aria-labelledby="trend-h"] .columns ol li').allTextContents(), [`${today} — Launch: New credit card launched`]);
  await checkA11y(page, 'analytics with a known event');
  await screenshots(page, 'console-analytics');
  watch.assertNoErrors();
  await context.close();
});

test('an investigator records a root cause linked to two complaints and sees them listed', async () => {
  const { context, page, watch } = await newPage(INVESTIGATOR);
  const nav = await navHrefs(page);
  assert.ok(nav.includes('#/root-causes') && nav.includes('#/corrective-actions'), `investigator nav: ${nav}`);
  for (const href of ['#/analytics', '#/audits', '#/review']) assert.ok(!nav.includes(href), `investigator nav lacks ${href}`);

  await page.click('#nav-list a[href="#/root-causes"]');
  await page.locator('h1', { hasText: 'Root causes' }).waitFor();
  await page.locator('p', { hasText: 'No root causes recorded yet.' }).waitFor();
  const form = page.locator('form.root-cause-form');
  await form.getByLabel('Title').fill('The fee batch ran twice');
  await form.getByLabel('Method').selectOption('five_whys');
  await form.getByLabel('Cause category (fishbone)').selectOption('system');
  await form.getByLabel('Five whys').fill('The fee was charged twice\nThe batch ran twice\nThe batch has no lock');
  await form.getByLabel('Description').fill('The nightly fee batch was restarted by hand after a timeout.');
  // A complaint the investigator does not investigate is refused: the problem names it and
  // the field says which item.
  await form.getByLabel('Linked complaints').fill(`${refs[0]} ${refs[4]}`);
  await form.locator('button[type="submit"]').click();
  await form.locator('[role="alert"]', { hasText: `No complaint ${refs[4]} that you can see` }).waitFor();
  assert.equal(await form.locator('.field[data-name="complaints"] .field-error').textContent(), 'item 2: unknown complaint');
  assert.equal(await form.getByLabel('Linked complaints').getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'root-cause form with a problem');

  await form.getByLabel('Linked complaints').fill(`${refs[0]}, ${refs[2]}`);
  await form.locator('button[type="submit"]').click();
  await page.waitForURL(/#\/root-causes\/\d+$/);
  await page.locator('h1', { hasText: 'Root cause: The fee batch ran twice' }).waitFor();
  assert.equal(await page.locator('#nav-list a[href="#/root-causes"]').getAttribute('aria-current'), 'page');
  assert.deepEqual(await page.locator('ol.whys li').allTextContents(),
    ['The fee was charged twice', 'The batch ran twice', 'The batch has no lock']);
  await page.locator('#linked-h', { hasText: 'Linked complaints (2)' }).waitFor();
  const links = page.locator('.linked-complaints a');
  assert.deepEqual(await links.allTextContents(), [refs[0], refs[2]]);
  assert.deepEqual(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    [`#/complaints/${refs[0]}`, `#/complaints/${refs[2]}`]);
  await page.locator('.linked-complaints li', { hasText: 'Closed, Credit card' }).first().waitFor();
  await checkA11y(page, 'root cause');
  await screenshots(page, 'console-root-cause');
  // The server has it, with both complaints.
  const saved = await ok(MANAGER.name, 'GET', '/api/v1/root-causes');
  assert.deepEqual(saved.root_causes.map((r) => [r.title, r.method, r.category, r.complaints, r.created_by]),
    [['The fee batch ran twice', 'five_whys', 'system', [refs[0], refs[2]], INVESTIGATOR.name]]);

  // A link goes to the complaint.
  await links.first().click();
  await page.locator('h1', { hasText: refs[0] }).waitFor();
  // The list shows it; investigators read actions but may not plan them.
  await page.click('#nav-list a[href="#/root-causes"]');
  await page.locator('.root-causes-table tbody tr', { hasText: 'The fee batch ran twice' }).locator('td', { hasText: '2' }).first().waitFor();
  await checkA11y(page, 'root causes');
  await page.click('#nav-list a[href="#/corrective-actions"]');
  await page.locator('h1', { hasText: 'Corrective and preventive actions' }).waitFor();
  assert.equal(await page.locator('form.action-plan-form').count(), 0);
  watch.assertNoErrors((e) => e !== 'HTTP 422 POST /api/v1/root-causes');
  await context.close();
});

test('a manager plans actions, runs an effectiveness check and filters what needs attention', async () => {
  const { context, page, watch } = await newPage(MANAGER);
  await page.click('#nav-list a[href="#/corrective-actions"]');
  await page.locator('h1', { hasText: 'Corrective and preventive actions' }).waitFor();
  await page.locator('p', { hasText: 'No actions yet.' }).waitFor();
  const form = page.locator('form.action-plan-form');
  await form.getByLabel('Root cause').selectOption({ label: 'The fee batch ran twice' });
  await form.getByLabel('What will be done').fill('Lock the fee batch');
  await form.getByLabel('Owner').selectOption(MANAGER.name);
  await form.getByLabel('Due by').fill(tomorrow);
  await form.locator('[name="check.measure"]').selectOption('volume');
  await form.locator('[name="where0_dim"]').selectOption('product');
  await form.locator('[name="where0_value"]').fill('Credit card');
  await form.locator('[name="check.window"]').selectOption('month');
  await form.locator('[name="check.below"]').selectOption('below');
  await form.getByLabel('Threshold').fill('10');
  await form.getByLabel('Check on').fill(tomorrow);
  await checkA11y(page, 'actions, plan form');
  await form.locator('button[type="submit"]').click();
  await page.waitForURL(/#\/corrective-actions\/\d+$/);
  await page.locator('h1', { hasText: 'Action: Lock the fee batch' }).waitFor();
  const result = page.locator('#check-result');
  assert.match(await result.textContent(),
    new RegExp(`Complaints received where product = Credit card, over the 30 days before ${tomorrow}; effective when below 10 complaints`));
  assert.match(await result.textContent(), /Not yet evaluated/);
  await checkA11y(page, 'action');

  // Run now: the four credit-card complaints of the 30 days before tomorrow; 4 < 10.
  await page.click('button:has-text("Run the check now")');
  await result.locator('dd', { hasText: 'Effective: measured 4 complaints' }).waitFor();
  await page.locator('#live', { hasText: 'Check run. Effective: measured 4 complaints' }).waitFor();
  const [stored] = (await ok(MANAGER.name, 'GET', '/api/v1/actions')).actions;
  assert.equal(stored.check.measured, 4);
  assert.equal(stored.check.effective, true);
  assert.deepEqual(stored.check.where, { product: 'Credit card' });
  await screenshots(page, 'console-action');

  // A second action, already overdue: the only one that needs attention, said in words.
  await page.click('a:has-text("All actions")');
  await page.locator('.actions-table tbody tr', { hasText: 'Lock the fee batch' }).waitFor();
  assert.match(await page.locator('.actions-table tbody tr', { hasText: 'Lock the fee batch' }).textContent(), /Effective: measured 4 complaints.*None$/);
  const plan = page.locator('form.action-plan-form');
  await plan.getByLabel('Root cause').selectOption({ label: 'The fee batch ran twice' });
  await plan.getByLabel('Kind').selectOption('preventive');
  await plan.getByLabel('What will be done').fill('Alert on a batch run twice');
  await plan.getByLabel('Owner').selectOption(MANAGER.name);
  await plan.getByLabel('Due by').fill(daysAgo(2));
  await plan.getByLabel('Threshold').fill('5');
  await plan.getByLabel('Check on').fill(daysAgo(-30));
  await plan.locator('button[type="submit"]').click();
  await page.locator('h1', { hasText: 'Action: Alert on a batch run twice' }).waitFor();
  await page.locator('.summary-line .badge-overdue', { hasText: 'Overdue' }).waitFor();
  await page.click('a:has-text("All actions")');
  await page.locator('.actions-table tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('.actions-table tbody tr').count(), 2);
  await page.check('#attention-only');
  await page.click('form[aria-label="Filter actions"] button[type="submit"]');
  await page.waitForURL(/#\/corrective-actions\?attention=true$/);
  await page.locator('.result-status', { hasText: '1 action needing attention.' }).waitFor();
  const rows = page.locator('.actions-table tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /Alert on a batch run twice/);
  assert.equal(await rows.first().locator('td').last().textContent(), 'Overdue');
  await checkA11y(page, 'actions needing attention');
  await screenshots(page, 'console-actions');
  watch.assertNoErrors();
  await context.close();
});

test('an auditor draws a sample, reads the automatic checks and records a finding', async () => {
  const { context, page, watch } = await newPage(AUDITOR, 360);
  const nav = await navHrefs(page);
  for (const href of LEARNING_NAV) assert.ok(nav.includes(href), `auditor nav has ${href}: ${nav}`);
  await page.goto(`${server.url}/console#/audits`);
  await page.locator('h1', { hasText: 'Internal audits' }).waitFor();
  const form = page.locator('form.audit-form');
  await form.getByLabel('Closed from').fill(daysAgo(1));
  await form.getByLabel('Closed to').fill(today);
  await form.getByLabel('Sample size').fill('5');
  await form.getByLabel('Seed (optional)').fill('42');
  await checkA11y(page, 'audits');
  await form.locator('button[type="submit"]').click();
  await page.waitForURL(/#\/audits\/\d+$/);
  await page.locator('h1', { hasText: /^Audit \d+$/ }).waitFor();
  // The three closed complaints (the auditor handled none), each with its checks in words.
  const items = page.locator('section.audit-item');
  assert.equal(await items.count(), 3);
  assert.deepEqual((await items.evaluateAll((s) => s.map((x) => x.dataset.reference))).sort(), refs.slice(0, 3).sort());
  for (let i = 0; i < 3; i += 1) {
    const item = items.nth(i);
    assert.equal(await item.locator('tr[data-check="acknowledged_on_time"] td').first().textContent(), 'Pass');
    assert.equal(await item.locator('tr[data-check="decision_reasoned"] td').first().textContent(), 'Pass');
    // No final response went out through Redress here (no mail configured): checked by hand.
    assert.equal(await item.locator('tr[data-check="referral_rights"] td').first().textContent(), 'Fail');
    assert.match(await item.locator('h2 .badge').textContent(), /^1 check failed$/);
  }
  assert.match(await page.locator('dl.details').first().textContent(), /Seed42/);
  assert.match(await page.locator('dl.details').first().textContent(), /Reviewed0 of 3/);
  await checkA11y(page, 'audit sample');

  const first = items.first();
  const reference = await first.getAttribute('data-reference');
  const finding = first.locator('form.finding-form');
  await finding.getByLabel('Severity').selectOption('minor');
  await finding.getByLabel('Note').fill('The final response letter is not on file.');
  await finding.locator('button[type="submit"]').click();
  const saved = page.locator(`section.audit-item[data-reference="${reference}"] dl.finding`);
  await saved.waitFor();
  assert.match(await saved.textContent(), /SeverityMinor/);
  assert.match(await saved.textContent(), /The final response letter is not on file\./);
  assert.match(await saved.textContent(), new RegExp(`Recorded by${AUDITOR.name}`));
  assert.match(await page.locator('dl.details').first().textContent(), /Reviewed1 of 3/);
  await page.locator('#live', { hasText: `Finding on ${reference} saved.` }).waitFor();
  await screenshots(page, 'console-audit');
  const audits = await ok(AUDITOR.name, 'GET', '/api/v1/audits');
  const item = audits.audits[0].items.find((x) => x.reference === reference);
  assert.deepEqual([item.severity, item.note, item.reviewed_by], ['minor', 'The final response letter is not on file.', AUDITOR.name]);

  // The list of samples; an auditor may read actions but not plan them.
  await page.click('a:has-text("All audits")');
  await page.locator('.audits-table tbody tr').first().waitFor();
  assert.match(await page.locator('.audits-table tbody tr').first().textContent(), /3 of 5 asked.*1 of 3/);
  await page.goto(`${server.url}/console#/corrective-actions`);
  await page.locator('.actions-table').waitFor();
  assert.equal(await page.locator('form.action-plan-form').count(), 0);
  watch.assertNoErrors();
  await context.close();
});

test('the review page opens the management review report for the period', async () => {
  const { context, page, watch } = await newPage(MANAGER);
  await page.click('#nav-list a[href="#/review"]');
  await page.locator('h1', { hasText: 'Management review' }).waitFor();
  await page.locator('form.review-form').getByLabel('From').fill(weekAgo);
  await page.locator('form.review-form').getByLabel('To').fill(today);
  await page.click('form.review-form button[type="submit"]');
  await page.waitForURL(new RegExp(`#/review\\?from=${weekAgo}&to=${today}$`));
  await page.locator('.review-summary', { hasText: 'In this period: 6 received, 3 closed, 3 still open.' }).waitFor();
  await checkA11y(page, 'review');
  await screenshots(page, 'console-review');

  // The HTML report opens in a new tab and names the period, written out.
  const words = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const [tab] = await Promise.all([context.waitForEvent('page'), page.click('a.review-html')]);
  await tab.waitForLoadState();
  assert.match(tab.url(), new RegExp(`/api/v1/reports/review\\?from=${weekAgo}&to=${today}&format=html$`));
  const report = await tab.content();
  assert.ok(report.includes(`${words(weekAgo)} – ${words(today)}`), `the report names the period ${words(weekAgo)} – ${words(today)}`);
  assert.ok(report.includes('The fee batch ran twice'), 'the report lists the root cause');
  await tab.close();

  // The PDF: downloaded when weasyprint is installed, else the API's problem is shown.
  if (spawnSync('sh', ['-c', 'command -v weasyprint']).status === 0) {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.click('button:has-text("Download the PDF")')]);
    assert.equal(download.suggestedFilename(), `review-${weekAgo}-to-${today}.pdf`);
    await page.locator('.result-status', { hasText: 'The PDF has been downloaded.' }).waitFor();
  } else {
    await page.click('button:has-text("Download the PDF")');
    await page.locator('[role="alert"]').filter({ hasText: /weasyprint/i }).waitFor();
  }

  // A period the wrong way round is refused before anything is asked.
  await page.locator('form.review-form').getByLabel('From').fill(today);
  await page.locator('form.review-form').getByLabel('To').fill(weekAgo);
  await page.click('form.review-form button[type="submit"]');
  await page.locator('form.review-form [role="alert"]', { hasText: 'The first day must not be after the last.' }).waitFor();
  watch.assertNoErrors((e) => !/HTTP 503 GET \/api\/v1\/reports\/review/.test(e));
  await context.close();
});

test('a handler sees none of the clause 8 pages', async () => {
  const { context, page, watch } = await newPage(HANDLER, 360);
  const nav = await navHrefs(page);
  for (const href of LEARNING_NAV) assert.ok(!nav.includes(href), `handler nav lacks ${href}: ${nav}`);
  assert.ok(nav.includes('#/queue'));
  // Typed in by hand, the page says it is not allowed.
  await page.goto(`${server.url}/console#/analytics`);
  await page.locator('h1', { hasText: 'Not allowed' }).waitFor();
  await page.locator('[role="alert"]').first().waitFor();
  await checkA11y(page, 'analytics refused to a handler');
  watch.assertNoErrors((e) => !/^HTTP 403 GET \/api\/v1\/analytics\//.test(e));
  await context.close();
});

test('a handler finds a follow-up due in the queue and records it from the complaint page', async () => {
  // Closed early today with today as its follow-up date (over the API, as a manager). Today in
  // the default policy's zone (policies/iso-default.toml: Europe/London), taken now: the
  // server refuses a follow-up date before its today, and a run may pass midnight.
  const policyToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  const c = await ok(null, 'POST', '/api/v1/complaints', {
    complainant: { name: 'Complainant 7', email: 'person7@example.org' },
    product: 'Credit card',
    description: 'A card payment was taken twice.',
  }, 201);
  await ok(MANAGER.name, 'POST', `/api/v1/complaints/${c.reference}/close_early`,
    { summary: 'Refunded on the call.', cause: 'process', follow_up_on: policyToday });

  const { context, page, watch } = await newPage(HANDLER);
  await page.goto(`${server.url}/console#/queue?follow_up_due=true`);
  // The filtered page replaces the unfiltered queue shown at sign-in: wait for its checkbox.
  await page.locator('#follow_up_due:checked').waitFor();
  const link = page.locator(`a[href="#/complaints/${c.reference}"]`);
  await link.waitFor();
  // Only complaints whose follow-up is due: the six seeded ones are not.
  assert.equal(await page.locator('tbody tr[data-reference]').count(), 1);
  await link.click();
  await page.locator('h1', { hasText: c.reference }).waitFor();
  await page.click('button[data-action="follow_up"]');
  await page.selectOption('select[name="satisfied"]', 'false');
  await page.fill('textarea[name="note"]', 'Still unhappy about the second payment.');
  await checkA11y(page, 'complaint, follow-up form');
  await page.click('form.action-follow_up button[type="submit"]');
  await page.locator('button[data-action="follow_up"]').waitFor({ state: 'detached' });
  assert.match(await page.locator('main').textContent(), /by hana: not satisfied/);
  const after = await ok(MANAGER.name, 'GET', `/api/v1/complaints/${c.reference}`);
  assert.equal(after.closure.follow_up_satisfied, false);
  assert.equal(after.closure.follow_up_note, 'Still unhappy about the second payment.');
  watch.assertNoErrors();
  await context.close();
});
