/**
 * Debian's Chromium, headless, driven by playwright-core: the browser the
 * report, printable-document and console tests look with. Screenshots go
 * under test-results/ (not committed) so a person can look at them after a run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

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

/**
 * The text on `page` whose contrast with what is behind it is below WCAG 2.1
 * AA (4.5:1, or 3:1 for large text: 24 px, or 18.66 px bold): each as
 * `ratio text`. The colours are the computed ones; the background is the
 * first opaque one up the tree (white at the top).
 */
export async function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (m === null) return [0, 0, 0, 1];
      const [r, g, b, a = '1'] = m[1]!.split(/[\s,/]+/).filter((x) => x !== '');
      return [Number(r), Number(g), Number(b), Number(a)];
    };
    const luminance = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (e: Element | null): number[] => {
      for (let x = e; x !== null; x = x.parentElement) {
        const c = parse(getComputedStyle(x).backgroundColor);
        if (c[3] >= 1) return c;
      }
      return [255, 255, 255, 1];
    };
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const e = n.parentElement;
      if (e === null || seen.has(e) || (n.textContent ?? '').trim() === '') continue;
      seen.add(e);
      const style = getComputedStyle(e);
      if (style.visibility === 'hidden' || style.display === 'none' || e.closest('svg') !== null) continue;
      const rect = e.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const fg = luminance(parse(style.color));
      const bg = luminance(background(e));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        out.push(`${ratio.toFixed(2)} ${(n.textContent ?? '').trim().slice(0, 40)}`);
    }
    return out;
  });
}

/** Two real nodes (the worked example's Seller and Buyer) holding its bilateral and its first facts. */
export interface ExamplePair {
  readonly root: string;
  readonly seller: RunningNode;
  readonly buyer: RunningNode;
  readonly id: string;
  /** Stops both nodes and removes their folder. */
  close(): Promise<void>;
}

/**
 * Starts the pair in a new folder named `prefix…`, agrees the worked
 * example's terms and records its first `facts` facts on the Seller,
 * replicated. `chain`: false, or the embedded chain anchoring every `anchorIntervalMs`.
 */
export async function startExamplePair(
  prefix: string,
  facts: number,
  chain: false | { anchorIntervalMs: number },
): Promise<ExamplePair> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const options = {
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain: chain === false ? (false as const) : { embeddedDir: join(root, 'chain'), ...chain },
  };
  const seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...options });
  const buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...options });
  await introduce(seller, buyer);
  const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', {
    terms: exampleTerms(),
    peer: buyer.peerUrl,
  });
  if (created.status !== 201)
    throw new Error(`POST /bilaterals: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  for (const fact of exampleFacts().slice(0, facts)) {
    const recorded = await call(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    if (recorded.status !== 201)
      throw new Error(`POST facts: ${recorded.status} ${JSON.stringify(recorded.body)}`);
  }
  return {
    root,
    seller,
    buyer,
    id,
    async close() {
      await buyer.close();
      await seller.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
