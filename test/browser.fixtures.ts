/**
 * Debian's Chromium, headless, driven by playwright-core: the browser the
 * report, printable-document and console tests look with. Screenshots go
 * under test-results/ (not committed) so a person can look at them after a run.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The browser launch `sb print` uses, shared so the tests look with the same Chromium. */
export { launchChromium } from '../src/cli/print.ts';

/** The folder a test writes its screenshots to (created), printed by the caller. */
export function screenshotDir(name: string): string {
  const dir = resolve(import.meta.dirname, '..', 'test-results', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
