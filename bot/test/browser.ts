/**
 * Real-browser test helpers: Debian's Chromium driven by playwright-core (no browser download), pages
 * at the 375 px width of WeCom's in-app browser, the back-office sign-in form, and screenshots in
 * test-artifacts/ (ignored by git) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where browser tests leave their screenshots. */
export const TEST_ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** Launches headless Chromium from /usr/bin/chromium, after making sure the screenshot folder exists. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(TEST_ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A new page as on a phone in WeCom: 375 × 740, Chinese; `userAgent` to look like WeCom's own browser. */
export function openPhonePage(browser: Browser, options: { userAgent?: string } = {}): Promise<Page> {
  return browser.newPage({ viewport: { width: 375, height: 740 }, locale: 'zh-CN', ...options });
}

/**
 * Signs in through the back office's login form on `page`, with `next` as the page to come back to
 * (the home page when absent), and waits until the browser has landed there.
 */
export async function signInOnPage(
  page: Page,
  base: string,
  credentials: { staffNo: string; password: string; next?: string },
): Promise<void> {
  const { staffNo, password, next } = credentials;
  await page.goto(`${base}/admin/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
  await page.fill('input[name=staffNo]', staffNo);
  await page.fill('input[name=password]', password);
  await Promise.all([
    page.waitForURL(`${base}${next ?? '/admin'}`),
    page.click('#login-form button[type=submit]'),
  ]);
}

/**
 * Expects the page not to scroll sideways (nothing wider than the screen), then saves a full-page
 * screenshot as test-artifacts/<name>.png; `name` also labels a failure.
 */
export async function expectFitsScreen(page: Page, name: string): Promise<void> {
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect([name, overflow]).toEqual([name, 0]);
  await page.screenshot({ path: path.join(TEST_ARTIFACTS, `${name}.png`), fullPage: true });
}
