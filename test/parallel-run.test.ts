/**
 * `sb parallel-run` on the shipped sample (examples/parallel-run): the real
 * command as a child process, its JSON naming every error planted in the
 * legacy data with its cause, and its HTML looked at in headless Chromium.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParallelRunReport } from '../src/core/index.ts';
import { launchChromium, screenshotDir } from './browser.fixtures.ts';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** The errors planted in examples/parallel-run/legacy (its README lists them). */
const PLANTED = [
  {
    contract: 'msa-acme-initech-2026',
    period: '2026-01',
    service: 'E1',
    kind: 'recurring',
    cause: 'missed-proration',
    difference: '261.29',
  },
  {
    contract: 'msa-acme-initech-2026',
    period: '2026-02',
    service: 'E2',
    kind: 'recurring',
    cause: 'missed-termination',
    difference: '125.00',
  },
  {
    contract: 'msa-acme-initech-2026',
    period: '2026-03',
    service: 'E2',
    kind: 'recurring',
    cause: 'missed-termination',
    difference: '250.00',
  },
  {
    contract: 'msa-acme-initech-2026',
    period: '2026-03',
    service: 'E1',
    kind: 'recurring',
    cause: 'wrong-rate',
    difference: '50.00',
  },
  {
    contract: 'msa-acme-globex-2026',
    period: '2026-02',
    service: 'S1',
    kind: 'sla-credit',
    cause: 'outage-not-credited',
    difference: '189.00',
  },
  {
    contract: 'msa-acme-umbrella-2026',
    period: '2026-02',
    service: 'I1',
    kind: 'nrc',
    cause: 'nrc-billed-twice',
    difference: '250.00',
  },
  {
    contract: 'msa-acme-umbrella-2026',
    period: '2026-03',
    service: 'I1',
    kind: 'usage',
    cause: 'rounding',
    difference: '-0.01',
  },
];

async function sb(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/sb.js', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('sb parallel-run on the sample legacy data', () => {
  const out = mkdtempSync(join(tmpdir(), 'sb-parallel-'));
  let report: ParallelRunReport;
  let browser: Browser;

  beforeAll(async () => {
    const result = await sb([
      'parallel-run',
      '--manifest',
      'examples/parallel-run/manifest.json',
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Missed proration: 1');
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ParallelRunReport;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('finds every planted error, with its probable cause, and nothing else', () => {
    const found = report.differences.map(({ contract, period, service, kind, cause, difference }) => ({
      contract,
      period,
      service,
      kind,
      cause,
      difference,
    }));
    expect(new Set(found.map((f) => JSON.stringify(f)))).toEqual(
      new Set(PLANTED.map((p) => JSON.stringify(p))),
    );
    // Each of the causes is among them.
    for (const cause of [
      'wrong-rate',
      'missed-proration',
      'missed-termination',
      'outage-not-credited',
      'nrc-billed-twice',
      'rounding',
    ])
      expect(report.kpis.causes).toHaveProperty(cause);
  });

  it('reports the KPIs a finance team decides on', () => {
    const { kpis } = report;
    // Globex January and March, and Umbrella January agree line for line.
    expect(kpis.invoices).toEqual({ compared: 9, agreeing: 3, share: '0.3333' });
    expect(kpis.lines.compared - kpis.lines.agreeing).toBe(PLANTED.length);
    expect(kpis.amountInDifference.EUR).toEqual({ absolute: '1125.30', net: '1125.28' });
    // Every invoice with a planted error but the rounding one is beyond the terms' tolerance.
    expect(kpis.disputesWouldBeRaised).toBe(5);
    expect(
      report.invoices.filter((i) => i.disputeWouldBeRaised).map((i) => `${i.contract} ${i.period}`),
    ).not.toContain('msa-acme-umbrella-2026 2026-03');
    expect(kpis.timeToAgreedInvoice.smartBilateral).toEqual({
      agreed: 9,
      notAgreed: 0,
      meanDays: '0.0',
      maxDays: 0,
    });
    expect(kpis.timeToAgreedInvoice.legacy.notAgreed).toBe(1);
    expect(Number(kpis.timeToAgreedInvoice.legacy.meanDays)).toBeGreaterThan(5);
    expect(kpis.dso.EUR).toMatchObject({ days: 151 });
  });

  it('renders an HTML report a person can read in Chromium', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${join(out, 'report.html')}`);
    expect(await page.locator('h1').textContent()).toContain('Parallel run');
    // The charts: one bar per cause found, each visible and of positive width.
    const bars = page.locator('svg g[data-cause] rect');
    expect(await bars.count()).toBe(Object.keys(report.kpis.causes).length);
    for (let i = 0; i < (await bars.count()); i++) {
      const box = await bars.nth(i).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(0);
    }
    expect(await page.locator('svg g[data-invoice]').count()).toBe(report.invoices.length);
    // Every planted error is a visible row naming its cause.
    for (const p of PLANTED) {
      const row = page
        .locator(`tbody tr[data-cause="${p.cause}"]`, { hasText: p.service })
        .filter({ hasText: p.period });
      expect(await row.count()).toBeGreaterThan(0);
      expect(await row.first().isVisible()).toBe(true);
    }
    // Self-contained: nothing fetched from anywhere.
    expect(requests).toEqual([]);
    const dir = screenshotDir('parallel-run');
    await page.screenshot({ path: join(dir, 'report-laptop.png'), fullPage: true });
    // Readable on a phone: the page does not scroll sideways, its tables do.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(dir, 'report-phone.png'), fullPage: true });
    console.log(`parallel-run report screenshots: ${dir}`);
    await page.close();
  }, 60_000);

  it('refuses bad legacy input naming the file, line and field (exit 2, nothing written)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-parallel-bad-'));
    cpSync(join(root, 'examples', 'parallel-run'), join(dir, 'run'), { recursive: true });
    cpSync(join(root, 'examples', 'dia-acme-globex'), join(dir, 'dia-acme-globex'), { recursive: true });
    const csv = join(dir, 'run', 'legacy', 'lines.csv');
    writeFileSync(
      csv,
      readFileSync(csv, 'utf8').replace(
        'INV-I-2601,msa-acme-initech-2026,2026-01,2026-02-06,E1,nrc,,Ethernet Access: install,1,300.00,300.00,EUR',
        'INV-I-2601,msa-acme-initech-2026,2026-1,2026-02-06,E1,nrc,,"Ethernet, install,1,300.00,3OO,EUR',
      ),
    );
    const result = await sb([
      'parallel-run',
      '--manifest',
      join(dir, 'run', 'manifest.json'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/legacy\/lines\.csv:\d+: /);
    const xml = join(dir, 'run', 'legacy', 'LEG-GLX-2026-02.xml');
    copyFileSync(join(root, 'examples', 'parallel-run', 'legacy', 'lines.csv'), csv);
    writeFileSync(
      xml,
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${readFileSync(xml, 'utf8').replace(/^<\?xml[^>]*>/, '')}`,
    );
    const entity = await sb([
      'parallel-run',
      '--manifest',
      join(dir, 'run', 'manifest.json'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(entity.code).toBe(2);
    expect(entity.stderr).toContain('legacy/LEG-GLX-2026-02.xml:1: a DOCTYPE or other declaration: refused');
    expect(() => readFileSync(join(dir, 'out', 'report.json'))).toThrow();
  }, 60_000);
});
