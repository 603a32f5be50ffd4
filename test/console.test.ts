/**
 * The web console (docs/console.md) in Debian's Chromium, driven by
 * playwright-core, against two real nodes over HTTP (each its own SQLite
 * store): log in per role, the overview and the record of a month of facts,
 * a fact recorded through the API appearing live, a read-only role without
 * action controls, keyboard reach, landmarks and labels; screenshots of each
 * page under test-results/console/. A second part measures a 10,000-entry
 * record: time to first render and to scroll through it, printed, not asserted.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningNode, startServer } from '../src/api/index.ts';
import {
  consoleLogIn,
  type ExamplePair,
  launchChromium,
  screenshotDir,
  startExamplePair,
} from './browser.fixtures.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

const shots = screenshotDir('console');

let pair: ExamplePair | undefined;
let root: string;
let seller: RunningNode;
let buyer: RunningNode;
let browser: Browser;
let id: string;
const tokens: Record<string, string> = {};

function open(role: string): Promise<Page> {
  return consoleLogIn(browser, seller.url, tokens[role]!);
}

/** The page's landmarks and labels: a <main>, an h1, every form control labelled. */
async function accessible(page: Page): Promise<void> {
  expect(await page.locator('main').count()).toBe(1);
  expect(await page.locator('main h1').count()).toBe(1);
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, button')]
      .filter((e) => {
        const label = (e as HTMLInputElement).labels?.length ?? 0;
        return label === 0 && (e.textContent ?? '').trim() === '' && !e.getAttribute('aria-label');
      })
      .map((e) => e.outerHTML),
  );
  expect(unlabelled).toEqual([]);
}

beforeAll(async () => {
  console.log(`console screenshots: ${shots}`);
  pair = await startExamplePair('sb-console-', 3, false);
  ({ root, seller, buyer, id } = pair);
  const checkpoint = await call(seller, 'POST', `/bilaterals/${id}/checkpoints`);
  expect(checkpoint.status, JSON.stringify(checkpoint.body)).toBeLessThan(300);
  for (const role of ['admin', 'operator', 'finance', 'auditor']) {
    tokens[role] = (await seller.node.access.issue({ name: `console ${role}`, role: role as 'admin' })).token;
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pair?.close();
});

describe('the console, served by the node', () => {
  it('serves its files publicly, and its data only with a credential', async () => {
    const page = await fetch(new URL('/console', seller.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const script = await fetch(new URL('/console/app.js', seller.url));
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await fetch(new URL('/whoami', seller.url))).status).toBe(401);
    const who = await fetch(new URL('/whoami', seller.url), {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    const body = (await who.json()) as { credential: { role: string }; permissions: string[] };
    expect(body.credential.role).toBe('operator');
    expect(body.permissions).toContain('facts.record');
    expect(body.permissions).not.toContain('invoices.read');
  });

  it('an admin sees the overview and the record, and a new fact appears live', async () => {
    const page = await open('admin');
    await accessible(page);
    const bilaterals = page.getByRole('table', { name: '1 bilateral(s) of acme-fiber' });
    const row = bilaterals.getByRole('row').filter({ hasText: 'globex' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await bilaterals.getByRole('columnheader').allTextContents()).toEqual([
      'Bilateral',
      'Counterparty',
      'Our role',
      'Health',
      'Anchoring',
      'Open amount',
      'Open disputes',
      'Actions',
    ]);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(1);
    expect(await row.textContent()).toContain('seller');
    expect(await row.textContent()).toMatch(
      /in sync|unconfirmed: globex has confirmed \d+ of our \d+ entries/,
    );
    await page.screenshot({ path: join(shots, 'overview-admin.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, 'overview-admin-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    await row.getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: 'Record' }).waitFor();
    await accessible(page);
    expect(await page.locator('svg.life').count()).toBe(1);
    const count = page.locator('#count');
    const before = Number((await count.textContent())!.split(' ')[0]);
    expect(before).toBeGreaterThanOrEqual(3);
    // Each entry with its signature and its place towards the chain (a checkpoint, no chain here).
    const first = await page.locator('.row').first().textContent();
    expect(first, first ?? '').toMatch(/signed ✓checkpoint · (not anchored|queued|sent|mined)$/);
    await page.screenshot({ path: join(shots, 'record-admin.png'), fullPage: true });

    // Filters narrow the list: only facts of the kind chosen.
    await page.getByLabel('Kind').selectOption({ index: 1 });
    expect(await page.locator('.row').count()).toBeGreaterThan(0);

    // Recorded through the API, shown without reloading.
    await page.getByLabel('Kind').selectOption('');
    const fact = exampleFacts()[3]!;
    const recorded = await call(seller, 'POST', `/bilaterals/${id}/facts`, fact);
    expect(recorded.status).toBe(201);
    await expect
      .poll(async () => Number((await page.locator('#count').textContent())!.split(' ')[0]), {
        timeout: 10_000,
      })
      .toBeGreaterThan(before);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/fact\.recorded/);
    await page.close();
  });

  it('an auditor has no action controls and cannot act; an operator is told it may not see money', async () => {
    const page = await open('auditor');
    await accessible(page);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Statement' }).count()).toBe(1);
    const refused = await page.evaluate(
      async ([path, token]) =>
        (await fetch(path!, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
      [`/bilaterals/${id}/sync`, tokens.auditor],
    );
    expect(refused).toBe(403);
    await page.screenshot({ path: join(shots, 'overview-auditor.png'), fullPage: true });
    await page.close();

    const operator = await open('operator');
    expect(await operator.getByRole('link', { name: 'Statement' }).count()).toBe(0);
    await operator.goto(new URL(`/console#/statement/${id}`, seller.url).href);
    await expect.poll(() => operator.getByRole('alert').textContent()).toMatch(/may not/);
    await operator.screenshot({ path: join(shots, 'statement-refused-operator.png'), fullPage: true });
    await operator.close();
  });

  it('keyboard navigation reaches the main controls', async () => {
    const page = await open('finance');
    const reached = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['Overview', 'Log out', 'Statement']));
    await page.close();
  });

  it('the event stream refuses a bad query with a 4xx naming it, and a caller without events.read', async () => {
    const get = (path: string, token?: string) =>
      fetch(new URL(path, seller.url), {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    expect((await get('/events/stream')).status).toBe(401);
    expect((await get('/events/stream', tokens.operator)).status).toBe(403);
    for (const query of ['after=-1', 'after=abc', 'follow=maybe', 'types=no.such']) {
      const answer = await get(`/events/stream?${query}`, tokens.admin);
      expect(answer.status, query).toBe(400);
      const body = (await answer.json()) as { code: string; message: string };
      expect(body.code, query).toMatch(/^[A-Z_]+$/);
    }
    // With follow=false the backlog comes and the stream ends: the facts recorded above are in it.
    const backlog = await (await get('/events/stream?after=0&follow=false', tokens.admin)).text();
    expect(backlog).toMatch(/event: fact\.recorded/);
    expect(backlog.match(/^id: \d+$/gm)?.length ?? 0).toBeGreaterThanOrEqual(3);
    // after=latest: nothing of the past.
    const latest = await (await get('/events/stream?after=latest&follow=false', tokens.admin)).text();
    expect(latest).not.toMatch(/^id: /m);
  });

  it('the event stream ends when the node closes', async () => {
    const third = await startServer({
      dataDir: join(root, 'third'),
      party: 'initech',
      syncIntervalMs: 0,
      checkpointIntervalMs: 0,
      chain: false,
    });
    const response = await fetch(new URL('/events/stream', third.url), {
      headers: { authorization: `Bearer ${third.adminToken}` },
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^: stream/);
    const closed = third.close();
    let done = false;
    while (!done) done = (await reader.read().catch(() => ({ done: true }))).done;
    await closed;
    expect(done).toBe(true);
  });
});

describe('a 10,000-entry record', () => {
  it('renders and scrolls to the last entry, and stays responsive', async () => {
    const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms: { ...exampleTerms(), id: 'msa-large' },
      peer: buyer.peerUrl,
    });
    expect(created.status).toBe(201);
    const large = created.body.id;
    const started = Date.now();
    const total = 10_000;
    for (const fact of exampleFacts().slice(0, 2)) {
      expect((await call(seller, 'POST', `/bilaterals/${large}/facts`, fact)).status).toBe(201);
    }
    // One at a time: requests arriving together are recorded as one `facts` entry.
    for (let n = 2; n < total; n += 1) {
      const answers = await Promise.all(
        Array.from({ length: 1 }, (_, k) => {
          const at = new Date(Date.parse('2026-01-16T00:00:00Z') + (n + k) * 60_000).toISOString();
          return call(seller, 'POST', `/bilaterals/${large}/facts`, {
            type: 'outage',
            service: 'S1',
            from: at,
            to: new Date(Date.parse(at) + 30_000).toISOString(),
            maintenance: true,
          });
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    }
    console.log(`recorded ${total} entries in ${Date.now() - started} ms`);

    const page = await open('admin');
    const t0 = Date.now();
    await page.goto(new URL(`/console#/record/${large}`, seller.url).href);
    await page.getByRole('heading', { level: 1, name: 'Record' }).waitFor({ timeout: 60_000 });
    await page.locator('.row').first().waitFor();
    const firstRender = Date.now() - t0;
    const shown = Number((await page.locator('#count').textContent())!.split(' ')[0]);
    expect(shown).toBeGreaterThanOrEqual(total);
    await page.screenshot({ path: join(shots, 'record-10000.png') });

    const viewport = page.locator('.viewport');
    const t1 = Date.now();
    for (let step = 0; step < 50; step++) await viewport.evaluate((v) => v.scrollBy(0, v.clientHeight * 7));
    await viewport.evaluate((v) => {
      v.scrollTop = v.scrollHeight;
    });
    const last = page.locator(`.row[data-index="${shown - 1}"]`);
    await last.waitFor();
    const scrolled = Date.now() - t1;
    // Still responsive: a click after the scroll is handled.
    const t2 = Date.now();
    await page.getByLabel('Kind').selectOption('fact');
    await expect.poll(() => page.locator('#count').textContent()).toMatch(/^\d+ of/);
    const click = Date.now() - t2;
    console.log(
      `10,000-entry record: first render ${firstRender} ms, scroll to the end ${scrolled} ms, filter after scroll ${click} ms; rows in the DOM: ${await page.locator('.row').count()}`,
    );
    expect(await page.locator('.row').count()).toBeLessThan(200);
    await page.close();
  }, 600_000);
});
