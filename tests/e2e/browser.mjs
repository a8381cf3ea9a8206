// Browser helpers for the end-to-end tests: Debian's Chromium (never a downloaded browser)
// driven by playwright-core, axe-core on every page, screenshots at 360 and 1280 px.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { sourceDir } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Where screenshots go: docs/screenshots when UPDATE_SCREENSHOTS=1 (then commit them),
// otherwise a temporary directory, so a test run leaves the checkout unchanged.
export const screenshotDir = process.env.UPDATE_SCREENSHOTS === '1'
  ? resolve(sourceDir, 'docs/screenshots')
  : join(tmpdir(), 'redress-e2e-screenshots');
mkdirSync(screenshotDir, { recursive: true });

// Fails on any axe violation of impact serious or critical, printing them all.
export async function checkA11y(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = bad.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.slice(0, 5)
      .map((n) => `      ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`).join('\n')}`);
    console.error(`axe on ${label} (${page.url()}):\n${lines.join('\n')}`);
  }
  assert.equal(bad.length, 0, `axe found ${bad.length} serious or critical violation(s) on ${label}`);
  return results;
}

// NAME-360.png and NAME-1280.png, the page's top 2400 px at each width.
export async function screenshots(page, name) {
  const original = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150);  // reflow, charts resize
    const [height, scrollWidth] = await page.evaluate(() =>
      [document.documentElement.scrollHeight, document.documentElement.scrollWidth]);
    // Nothing wider than the screen: wide tables scroll inside their own region.
    assert.ok(scrollWidth <= width, `${name} is ${scrollWidth} px wide at ${width} px`);
    await page.screenshot({
      path: join(screenshotDir, `${name}-${width}.png`),
      fullPage: true,
      clip: { x: 0, y: 0, width, height: Math.min(height, 2400) },
      animations: 'disabled',
    });
  }
  if (original) await page.setViewportSize(original);
}

// Records script errors, console errors and HTTP errors (with their URLs); assertNoErrors()
// fails the test on any that `keep` keeps (the tests provoke some 4xx answers on purpose).
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A failed load is reported below, with its URL.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !new URL(res.url()).pathname.endsWith('/favicon.ico')) {
      errors.push(`HTTP ${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    }
  });
  return {
    errors,
    assertNoErrors(keep = () => true) {
      const real = errors.filter(keep);
      assert.deepEqual(real, [], `the page reported errors:\n${real.join('\n')}`);
    },
  };
}

export async function signIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/console/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL(/\/console(#.*)?$/),
    page.click('form.login-form button[type="submit"]'),
  ]);
  await page.waitForSelector('#nav-list a');
}

// A date N days ago, YYYY-MM-DD.
export function daysAgo(n) {
  return new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
}

// axe needs JavaScript in the page. For a page seen with JavaScript off, the same HTML is
// served again, at the same address (so its stylesheets load), in a context with JavaScript
// on, and checked there.
export async function checkA11yOfSnapshot(browser, page, label) {
  const html = await page.content();
  const url = page.url();
  const context = await browser.newContext({ viewport: page.viewportSize() || undefined });
  try {
    const copy = await context.newPage();
    await copy.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await copy.goto(url);
    return await checkA11y(copy, label);
  } finally {
    await context.close();
  }
}
