/**
 * The console's money pages (docs/console.md) in Debian's Chromium against
 * two real nodes on an embedded chain: the worked example's month followed
 * from the invoice issued in the browser to the invoice settled — each line
 * explained and recomputed, both hashes, the UBL and proof downloaded, the
 * proof verified with its anchor, the payment marked received, the aging
 * chart; a dispute raised from the Buyer's console and resolved from the
 * Seller's; and what each role may not see or do. Screenshots of every page
 * go to test-results/console-money/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../src/api/index.ts';
import {
  consoleLogIn,
  type ExamplePair,
  launchChromium,
  lowContrast,
  screenshotDir,
  startExamplePair,
} from './browser.fixtures.ts';
import { call, exampleTerms, reverseServiceFacts, swappedTerms } from './support.ts';

const shots = screenshotDir('console-money');
let pair: ExamplePair | undefined;
let seller: RunningNode;
let buyer: RunningNode;
let browser: Browser;
let id: string;
const tokens: Record<string, string> = {};

async function open(node: RunningNode, who: string, hash: string, heading: string | RegExp): Promise<Page> {
  const page = await consoleLogIn(browser, node.url, tokens[who]!);
  await page.goto(new URL(`/console${hash}`, node.url).href);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  return page;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  // The worked example's January: S1 ordered and activated.
  pair = await startExamplePair('sb-console-money-', 2, { anchorIntervalMs: 200 });
  ({ seller, buyer, id } = pair);
  for (const role of ['finance', 'auditor', 'operator'] as const) {
    tokens[`seller-${role}`] = (await seller.node.access.issue({ name: `acme ${role}`, role })).token;
    tokens[`buyer-${role}`] = (await buyer.node.access.issue({ name: `globex ${role}`, role })).token;
  }
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pair?.close();
});

describe("the console's money pages", () => {
  it('follows the month from the invoice issued in the browser to the invoice settled', async () => {
    // The month's facts first: S1 ordered, then active, on the record and drawn on its life line.
    const page = await open(seller, 'seller-finance', `#/record/${id}`, 'Record');
    const life = await page.getByRole('img', { name: /^Life of S1/ }).getAttribute('aria-label');
    expect(life).toMatch(/service\.ordered 2026-01-05, service\.activated 2026-01-15/);
    await page.getByRole('link', { name: 'Invoices' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    await page.getByLabel('Issue the invoice of').fill('2026-01');
    await page.getByRole('button', { name: 'Issue' }).click();
    const row = page.getByRole('row').filter({ hasText: '2026-01' });
    await row.waitFor();
    // The Buyer's node recomputes and agrees; the page shows it once reloaded.
    await until('the Buyer to accept', async () => {
      const invoices = (await call<{ status: string }[]>(seller, 'GET', `/bilaterals/${id}/invoices`)).body;
      return invoices[0]?.status === 'accepted' ? true : undefined;
    });
    await page.reload();
    await expect.poll(() => row.textContent()).toMatch(/accepted/);
    await page.screenshot({ path: join(shots, 'invoices.png'), fullPage: true });

    await row.getByRole('link', { name: 'Explain 2026-01' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoice 1 — 2026-01' }).waitFor();
    const invoice = (
      await call<{ lines: { amount: string }[]; total: string }>(
        seller,
        'GET',
        `/bilaterals/${id}/invoices/2026-01/preview`,
      )
    ).body;
    const lines = page.locator('ol.lines > li');
    expect(await lines.count()).toBe(invoice.lines.length);
    expect(await page.getByText('✓ recomputed').count()).toBe(invoice.lines.length);
    const recurring = lines.filter({ hasText: '17/31 days' });
    await recurring.locator('summary').click();
    await expect
      .poll(() => recurring.locator('ol.steps').textContent())
      .toMatch(/17 of the period's 31 days/);
    expect(await page.locator('dd.hash.ok').textContent()).toMatch(/✓ the same: agreed/);
    await page.screenshot({ path: join(shots, 'invoice-explained.png'), fullPage: true });

    // Downloads: the e-invoice and the proof, as files.
    const [ubl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download UBL' }).click(),
    ]);
    expect(ubl.suggestedFilename()).toBe('invoice-2026-01.xml');
    const xml = readFileSync((await ubl.path())!, 'utf8');
    expect(xml).toMatch(/<Invoice[\s>]/);
    expect(xml).toContain(invoice.total);

    // Anchored: a checkpoint over the accepted invoice, mined; then verify shows every check.
    const made = await call(seller, 'POST', `/bilaterals/${id}/checkpoints`);
    expect(made.status, JSON.stringify(made.body)).toBeLessThan(300);
    await until('the checkpoint to be anchored', async () => {
      const anchors = (await call<{ status: string }[]>(seller, 'GET', `/bilaterals/${id}/anchors`)).body;
      return anchors.some((a) => a.status === 'mined') ? true : undefined;
    });
    const [proof] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download proof' }).click(),
    ]);
    const downloaded = JSON.parse(readFileSync((await proof.path())!, 'utf8'));
    expect(downloaded.anchor).not.toBeNull();
    // The same route refuses a tampered proof: a total changed by a cent fails a named check, and
    // what is not a proof at all fails its first check — both answered, never an error.
    const tampered = JSON.parse(
      JSON.stringify(downloaded).replace(`"total":"${invoice.total}"`, '"total":"0.01"'),
    );
    expect(tampered).not.toEqual(downloaded);
    for (const body of [tampered, { schema: 'nothing' }]) {
      const report = await call<{ ok: boolean; checks: { name: string; ok: boolean }[] }>(
        { url: seller.url, adminToken: tokens['seller-finance']! },
        'POST',
        '/proofs/verify',
        body,
      );
      expect(report.status).toBe(200);
      expect(report.body.ok).toBe(false);
      expect(report.body.checks.some((c) => !c.ok)).toBe(true);
    }
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => page.locator('#checks').textContent(), { timeout: 15_000 })
      .toMatch(/Verified: every check passed, the anchor included/);
    const checks = await page.locator('ul.checks li').allTextContents();
    expect(checks.length).toBeGreaterThan(3);
    expect(checks.every((c) => c.startsWith('✓'))).toBe(true);
    expect(checks.join('\n')).toMatch(/chain: anchored value/);
    await page.screenshot({ path: join(shots, 'invoice-verified.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);
    // The check itself finds faint text: a grey probe on white is reported, then removed.
    await page.evaluate(() => {
      const probe = document.createElement('p');
      probe.id = 'probe';
      probe.textContent = 'faint probe';
      probe.style.color = '#bbbbbb';
      document.querySelector('main')!.append(probe);
    });
    expect(await lowContrast(page)).toEqual([expect.stringMatching(/^1\.\d+ faint probe$/)]);
    await page.evaluate(() => document.getElementById('probe')!.remove());

    // The overview says where anchoring stands: the checkpoint mined.
    await page.getByRole('link', { name: 'Overview' }).click();
    const bilateralRow = page.getByRole('row').filter({ hasText: 'globex' });
    await expect.poll(() => bilateralRow.textContent()).toMatch(/anchored to \d+/);
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    await page.goto(new URL(`/console#/invoice/${id}/2026-01`, seller.url).href);
    await page.getByRole('heading', { level: 1, name: 'Invoice 1 — 2026-01' }).waitFor();

    // The Buyer pays January; the Seller's finance marks the money received in the browser.
    const paid = await call(buyer, 'POST', `/bilaterals/${id}/facts?wait=replicated`, {
      type: 'payment',
      id: 'PAY-JAN',
      amount: invoice.total,
      at: '2026-02-20T10:00:00Z',
      allocations: [{ period: '2026-01', amount: invoice.total }],
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    await page.getByRole('link', { name: 'Statement and payments' }).click();
    await page.getByRole('heading', { level: 1, name: 'Statement and payments' }).waitFor();
    await page.getByRole('button', { name: 'Mark PAY-JAN received' }).click();
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: 'PAY-JAN' }).textContent())
      .toMatch(/received/);
    const january = page.getByRole('row').filter({ hasText: '2026-01' }).first();
    expect(await january.textContent()).toMatch(/settled/);
    expect(await page.getByRole('img', { name: /Aging in EUR/ }).count()).toBe(1);
    // The totals: one row a figure, labelled by its row header.
    const totals = page.getByRole('table', { name: 'Totals' });
    expect(await totals.getByRole('rowheader').allTextContents()).toEqual([
      'invoiced',
      'applied',
      'open',
      'unapplied',
      'interest',
      'disputed',
    ]);
    expect(await totals.getByRole('row').filter({ hasText: 'invoiced' }).textContent()).toMatch(
      /^invoiced\d+\.\d{2}$/,
    );
    await page.screenshot({ path: join(shots, 'statement.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, 'statement-phone.png'), fullPage: true });
    await page.close();
  });

  it("raises a dispute from the Buyer's console and resolves it from the Seller's", async () => {
    const raiser = await open(buyer, 'buyer-operator', `#/disputes/${id}`, 'Disputes');
    await raiser.getByLabel('Service').fill('S1');
    // February is not invoiced yet, so its dispute window is open (January's closed 60 days after its issue).
    await raiser.getByLabel('Down from (UTC)').fill('2026-02-10T01:00');
    await raiser.getByLabel('Up again (UTC)').fill('2026-02-10T05:00');
    await raiser.getByRole('button', { name: 'Raise a dispute if the record differs' }).click();
    await expect.poll(() => raiser.locator('#status').textContent()).toMatch(/Raised globex\/\d+/);
    const mine = raiser.getByRole('row').filter({ hasText: 'us' });
    await expect.poll(() => mine.textContent()).toMatch(/raised/);
    await raiser.screenshot({ path: join(shots, 'dispute-raised.png'), fullPage: true });
    await raiser.close();
    await until('the dispute to reach the Seller', async () => {
      const list = (await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/disputes`)).body;
      return list.length > 0 ? true : undefined;
    });

    // The Seller's auditor sees it and cannot answer it.
    const auditor = await open(seller, 'seller-auditor', `#/disputes/${id}`, 'Disputes');
    await auditor.getByRole('row').filter({ hasText: 'raised with us' }).waitFor();
    expect(await auditor.getByRole('button', { name: /^Accept|^Reject/ }).count()).toBe(0);
    await auditor.close();

    const answerer = await open(seller, 'seller-finance', `#/disputes/${id}`, 'Disputes');
    const theirs = answerer.getByRole('row').filter({ hasText: 'raised with us' });
    expect(await theirs.textContent()).toMatch(/outage/);
    await answerer.screenshot({ path: join(shots, 'dispute-inbox.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(answerer)).toEqual([]);
    await theirs.getByRole('button', { name: /^Accept/ }).click();
    await expect.poll(() => theirs.textContent()).toMatch(/accepted/);
    // Accepted: the outage is on the record now, and January rates differently (a credit note follows).
    const disputes = (
      await call<{ state: string; answer?: { body: { correction?: string } } }[]>(
        seller,
        'GET',
        `/bilaterals/${id}/disputes`,
      )
    ).body;
    expect(disputes[0]).toMatchObject({
      state: 'accepted',
      answer: { body: { correction: expect.any(String) } },
    });
    await answerer.screenshot({ path: join(shots, 'dispute-accepted.png'), fullPage: true });
    await answerer.close();
  });

  it('each role sees only what it may: no invoices for an operator, no issuing for an auditor', async () => {
    const operator = await open(seller, 'seller-operator', `#/record/${id}`, 'Record');
    expect(await operator.getByRole('link', { name: 'Invoices' }).count()).toBe(0);
    await operator.goto(new URL(`/console#/invoice/${id}/2026-01`, seller.url).href);
    await expect.poll(() => operator.getByRole('alert').textContent()).toMatch(/may not/);
    await operator.screenshot({ path: join(shots, 'invoice-refused-operator.png'), fullPage: true });
    await operator.close();

    const auditor = await open(seller, 'seller-auditor', `#/invoices/${id}`, 'Invoices');
    expect(await auditor.getByLabel('Issue the invoice of').count()).toBe(0);
    await auditor.goto(new URL(`/console#/statement/${id}`, seller.url).href);
    await auditor.getByRole('heading', { level: 1, name: 'Statement and payments' }).waitFor();
    expect(await auditor.getByRole('button', { name: /^Mark/ }).count()).toBe(0);
    await auditor.close();

    // The Buyer's finance reads the same invoice, explained the same, and cannot issue one.
    const buyerFinance = await open(buyer, 'buyer-finance', `#/invoice/${id}/2026-01`, 'Invoice 1 — 2026-01');
    expect(await buyerFinance.getByText('✓ recomputed').count()).toBeGreaterThan(0);
    await buyerFinance.goto(new URL(`/console#/invoices/${id}`, buyer.url).href);
    await buyerFinance.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    expect(await buyerFinance.getByLabel('Issue the invoice of').count()).toBe(0);
    await buyerFinance.close();
  });

  it('reconciles a year of daily usage as a chart by day, and prints how long it took', async () => {
    // Hourly records of S1 from its activation to the end of November: the Seller's mediation and
    // the Buyer's probe, the Buyer missing one day's records and reading five hours differently.
    const sellerLines: string[] = [];
    const buyerLines: string[] = [];
    const start = Date.parse('2026-01-16T00:00:00Z');
    const end = Date.parse('2026-12-01T00:00:00Z');
    for (let at = start, n = 0; at < end; at += 3_600_000, n++) {
      const record = {
        id: `h${n}`,
        service: 'S1',
        metric: 'gb',
        quantity: '1.5',
        at: new Date(at).toISOString(),
      };
      sellerLines.push(JSON.stringify(record));
      if (record.at.startsWith('2026-06-10')) continue;
      buyerLines.push(JSON.stringify(n % 1000 === 7 ? { ...record, quantity: '9.5' } : record));
    }
    for (const [node, token, lines] of [
      [seller, tokens['seller-operator']!, sellerLines],
      [buyer, tokens['buyer-operator']!, buyerLines],
    ] as const) {
      const imported = await fetch(new URL(`/bilaterals/${id}/usage`, node.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      expect(imported.status, await imported.clone().text()).toBe(200);
    }
    const page = await open(seller, 'seller-auditor', `#/usage/${id}`, 'Usage reconciliation');
    await page.getByLabel('Month').fill('2026-01');
    await page.getByLabel('Span').selectOption('12');
    const clicked = Date.now();
    await page.getByRole('button', { name: 'Reconcile' }).click();
    const chart = page.getByRole('img', { name: /S1, 2026-01 to 2026-12: records by day/ });
    await chart.waitFor({ timeout: 60_000 });
    const firstRender = Date.now() - clicked;
    const label = (await chart.getAttribute('aria-label'))!;
    expect(label).toMatch(/matched \d+/);
    expect(label).toMatch(/only the Seller's 24/);
    const table = await page.getByRole('table', { name: 'Records by class' }).textContent();
    expect(table).toContain(`Seller's records${sellerLines.length}`);
    expect(table).toContain(`Buyer's records${buyerLines.length}`);
    expect(await page.locator('svg.chart.daily rect').count()).toBeGreaterThan(300);
    await page.screenshot({ path: join(shots, 'usage-year.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);
    // The page stays responsive: a click on the Disputes tab answers at once.
    const tabbed = Date.now();
    await page.getByRole('link', { name: 'Disputes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Disputes' }).waitFor();
    console.log(
      `console: a year of hourly usage (${sellerLines.length} records a side, 12 monthly reconciliations) drawn ${firstRender} ms after the click; the next page ${Date.now() - tabbed} ms`,
    );
    await page.close();
  });

  it("draws a pool's occupancy over a month, a bandwidth-on-demand boost included", async () => {
    const admin = (await seller.node.access.issue({ name: 'acme admin', role: 'admin' })).token;
    const as = (token: string) => ({ url: seller.url, adminToken: token });
    const declared = await call(as(admin), 'PUT', '/resource-pools/ams-1', {
      kind: 'capacity',
      unit: 'Mbps',
      capacity: '11000',
    });
    expect(declared.status, JSON.stringify(declared.body)).toBe(200);
    const terms = exampleTerms();
    terms.id = 'msa-pools';
    terms.offerings[0].capacity = { '100M': '100', '1G': '1000', '10G': '10000' };
    const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', { terms, peer: buyer.peerUrl });
    expect(created.status).toBe(201);
    const pooled = created.body.id;
    for (const fact of [
      {
        type: 'service.ordered',
        service: 'P1',
        offering: 'dia',
        plan: '1G',
        termMonths: 12,
        at: '2026-03-02T00:00:00Z',
        pool: 'ams-1',
      },
      { type: 'service.activated', service: 'P1', at: '2026-03-03T00:00:00Z' },
      {
        type: 'bandwidth.boost',
        service: 'P1',
        plan: '10G',
        from: '2026-03-10T10:00:00Z',
        to: '2026-03-10T13:00:00Z',
      },
    ]) {
      const recorded = await call(seller, 'POST', `/bilaterals/${pooled}/facts?wait=replicated`, fact);
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    }
    const page = await open(seller, 'seller-operator', '#/pools', 'Resource pools');
    await page.getByRole('link', { name: 'ams-1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pool ams-1' }).waitFor();
    await page.getByLabel('Month (UTC)').fill('2026-03');
    await page.getByLabel('Month (UTC)').dispatchEvent('change');
    const chart = page.getByRole('img', { name: /Pool ams-1 in 2026-03/ });
    await expect
      .poll(() => chart.getAttribute('aria-label'))
      .toBe('Pool ams-1 in 2026-03: peak 10000 of 11000 Mbps');
    // The boost is the draw of 10G for its three hours, between two draws of 1G.
    const draws = await page.getByRole('row').filter({ hasText: 'P1' }).allTextContents();
    expect(draws).toEqual([
      'P12026-03-02T00:00:00Z2026-03-10T10:00:00Z1000 Mbps',
      'P12026-03-10T10:00:00Z2026-03-10T13:00:00Z10000 Mbps',
      'P12026-03-10T13:00:00Zon1000 Mbps',
    ]);
    await page.screenshot({ path: join(shots, 'pool.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);
    // A finance role has no resources.read: no Pools link.
    const finance = await open(seller, 'seller-finance', `#/invoices/${id}`, 'Invoices');
    expect(await finance.getByRole('link', { name: 'Pools' }).count()).toBe(0);
    await finance.close();
    await page.close();
  });

  it('starts a netting round in the browser: every member signs, and its payment is marked paid', async () => {
    // Globex sells Acme a 10G port (a second bilateral, the other way); both Februaries are invoiced.
    const reverse = await call<{ id: string }>(buyer, 'POST', '/bilaterals', {
      terms: swappedTerms('msa-reverse'),
      peer: seller.peerUrl,
    });
    let r = reverse.body.id;
    if (reverse.status === 202) {
      const admin = (await seller.node.access.issue({ name: 'acme admin 2', role: 'admin' })).token;
      const accepted = await call<{ id: string }>(
        { url: seller.url, adminToken: admin },
        'POST',
        `/proposals/${r}/accept`,
      );
      expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
      r = accepted.body.id;
    } else expect(reverse.status).toBe(201);
    for (const fact of reverseServiceFacts()) {
      expect((await call(buyer, 'POST', `/bilaterals/${r}/facts?wait=replicated`, fact)).status).toBe(201);
    }
    expect((await call(buyer, 'POST', `/bilaterals/${r}/invoices`, { period: '2026-02' })).status).toBe(201);
    expect((await call(seller, 'POST', `/bilaterals/${id}/invoices`, { period: '2026-02' })).status).toBe(
      201,
    );
    await until('both Februaries agreed', async () => {
      const mine = (
        await call<{ period: string; status: string }[]>(seller, 'GET', `/bilaterals/${id}/invoices`)
      ).body;
      const theirs = (
        await call<{ period: string; status: string }[]>(seller, 'GET', `/bilaterals/${r}/invoices`)
      ).body;
      const agreed = (list: { period: string; status: string }[]) =>
        list.some((i) => i.period === '2026-02' && i.status === 'accepted');
      return agreed(mine) && agreed(theirs) ? true : undefined;
    });

    const page = await open(seller, 'seller-finance', '#/netting', 'Netting');
    await page.getByLabel(/^Members/).fill('acme-fiber, globex');
    await page.getByLabel('Up to the invoices of').fill('2026-02');
    await page.getByRole('button', { name: 'Start the round' }).click();
    const round = page.locator('section.round').first();
    await round.waitFor({ timeout: 20_000 });
    expect(await round.textContent()).toMatch(/Signed by 2 of 2: acme-fiber ✓, globex ✓ — agreed/);
    // Each member's position, and the two cancel out.
    const positions = round.getByRole('table', { name: 'Positions (owed minus owing)' });
    expect((await positions.getByRole('rowheader').allTextContents()).sort()).toEqual([
      'acme-fiber',
      'globex',
    ]);
    const amounts = (await positions.getByRole('cell').allTextContents()).map((a) => a.replace('-', ''));
    expect(amounts[0]).toMatch(/^\d+\.\d{2}$/);
    expect(amounts[0]).toBe(amounts[1]);
    // Acme owes more (10G bought) than it is owed: it pays the one net payment, and marks it paid.
    const payment = round.getByRole('row').filter({ hasText: 'acme-fiber' }).filter({ hasText: 'globex' });
    expect(await payment.count()).toBe(1);
    await round.getByRole('button', { name: 'Mark payment 1 paid' }).click();
    await expect
      .poll(() =>
        page
          .locator('section.round')
          .first()
          .getByRole('row')
          .filter({ hasText: 'globex' })
          .last()
          .textContent(),
      )
      .toMatch(/\d{4}-\d{2}-\d{2}T/);
    await page.screenshot({ path: join(shots, 'netting.png'), fullPage: true });
    // Every text readable: WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);
    await page.close();
  });
});
