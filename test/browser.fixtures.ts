/**
 * Debian's Chromium, headless, driven by playwright-core: the browser the
 * report, printable-document and console tests look with. Screenshots go
 * under test-results/ (not committed) so a person can look at them after a run.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';

/** The browser launch `sb print` uses, shared so the tests look with the same Chromium. */
export { launchChromium } from '../src/cli/print.ts';

/** The folder a test writes its screenshots to (created), printed by the caller. */
export function screenshotDir(name: string): string {
  const dir = resolve(import.meta.dirname, '..', 'test-results', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new page (laptop size) logged in to the console at `nodeUrl` with `token`, on the Overview. */
export async function consoleLogIn(browser: Browser, nodeUrl: string, token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (error) => console.error('console page error:', error));
  await page.goto(new URL('/console', nodeUrl).href);
  await page.getByLabel('Credential token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
}
