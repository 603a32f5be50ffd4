/**
 * Debian's Chromium, headless, driven by playwright-core: the browser the
 * report, printable-document and console tests look with. Screenshots go
 * under test-results/ (not committed) so a person can look at them after a run.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The folder a test writes its screenshots to (created), printed by the caller. */
export function screenshotDir(name: string): string {
  const dir = resolve(import.meta.dirname, '..', 'test-results', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
