/**
 * Invoices as collateral, end to end: two in-process nodes (HTTP over
 * loopback) on one embedded Anvil run the worked example (January to March,
 * the Buyer's payments). The Seller's finance team packages the March
 * invoice with `sb financing package`; a financier verifies it with `sb
 * financing verify` (offline and on the chain) and pledges it with its own
 * chain key; a second financier's pledge of the same invoice is refused by
 * the chain, and the package then shows "already pledged". Tampered packages
 * — an amount, the acceptance, the payment record, a left-out payment — are
 * refused with the reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { devPrivateKey } from '../src/chain/index.ts';
import { runCli } from '../src/cli/cli.fixtures.ts';
import { checkPackage } from '../src/cli/financing.ts';
import type { ReceivableSubject } from '../src/kinds/index.ts';
import type { Proof } from '../src/ledger/index.ts';
import { call, callOk, exampleDir, exampleFacts, exampleTerms } from './support.ts';

const terms = { ...exampleTerms(), disputes: { windowDays: 3650, responseDays: 15 } };

const sb = runCli;

// biome-ignore lint/suspicious/noExplicitAny: a package taken apart by hand, as a forger would
type Tampered = any;

describe('an accepted invoice as collateral, financed once', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-financing-'));
  let seller: RunningNode;
  let buyer: RunningNode;
  let id: string;
  let file: string;
  let pkg: Proof;
  let addresses: string;
  const financier = join(root, 'financier.key');
  const rival = join(root, 'rival.key');

  beforeAll(async () => {
    const chain = { embeddedDir: join(root, 'chain'), anchorIntervalMs: 200 };
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain };
    seller = await startServer({ ...options, dataDir: join(root, 'seller'), party: terms.seller.id });
    buyer = await startServer({ ...options, dataDir: join(root, 'buyer'), party: terms.buyer.id });
    await introduce(seller, buyer, { a: 'approve', b: 'accept' });
    id = (await callOk<{ id: string }>(seller, 'POST', '/bilaterals', { terms, peer: buyer.peerUrl })).id;
    for (const fact of exampleFacts()) {
      const by = fact.type === 'outage' ? buyer : seller;
      await callOk(by, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    }
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      await callOk(seller, 'POST', `/bilaterals/${id}/invoices`, { period });
      await buyer.node.idle();
      await seller.node.idle();
    }
    const payments = readFileSync(join(exampleDir, 'payments.jsonl'), 'utf8').trim().split('\n');
    for (const line of payments) {
      await callOk(buyer, 'POST', `/bilaterals/${id}/facts?wait=replicated`, JSON.parse(line));
    }
    await seller.node.idle();
    addresses = join(root, 'chain', 'addresses.json');
    writeFileSync(financier, devPrivateKey(8));
    writeFileSync(rival, devPrivateKey(9));
    file = join(root, 'march.json');
  }, 120_000);

  afterAll(async () => {
    await buyer?.close();
    await seller?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('packages the March invoice through the node, with the account as of a day', async () => {
    const made = await sb([
      'financing',
      'package',
      '--node',
      seller.url,
      '--token',
      seller.adminToken!,
      '--bilateral',
      id,
      '--period',
      '2026-03',
      '--as-of',
      '2026-07-15',
      '--out',
      file,
    ]);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Proof;
    const subject = pkg.subject as unknown as ReceivableSubject;
    expect(subject.kind).toBe('receivable');
    expect(pkg.anchor).not.toBeNull();
    // The statement's figures (examples/…/statement-2026-07-15.json): March open 36,434.75.
    const statement = (
      await callOk<{ invoices: { period: string; open: string }[] }>(
        seller,
        'GET',
        `/bilaterals/${id}/statement?asOf=2026-07-15`,
      )
    ).invoices;
    expect(subject.account.invoice.open).toBe(statement.find((i) => i.period === '2026-03')!.open);
    // January paid before its due date; February and March late.
    expect(subject.account.history.map((h) => [h.period, h.onTime])).toEqual([
      ['2026-01', true],
      ['2026-02', false],
      ['2026-03', false],
    ]);
    expect(subject.account.onTime).toEqual({ due: 3, paid: 1, ratio: '0.3333' });
    expect(made.out).toContain('on the chain: not pledged');
  });

  it('refuses the Buyer, an invoice not issued and a malformed day, before anything is made', async () => {
    const asBuyer = await call<{ code: string }>(buyer, 'POST', `/bilaterals/${id}/financing/packages`, {
      period: '2026-03',
    });
    expect([asBuyer.status, asBuyer.body.code]).toEqual([403, 'NOT_PERMITTED']);
    const none = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/financing/packages`, {
      period: '2026-09',
    });
    expect([none.status, none.body.code]).toEqual([404, 'NOT_FOUND']);
    const day = await call<{ code: string; details: { path: string }[] }>(
      seller,
      'POST',
      `/bilaterals/${id}/financing/packages`,
      { period: '2026-03', asOf: '2026-13-40' },
    );
    expect([day.status, day.body.code, day.body.details?.[0]?.path]).toEqual([
      422,
      'PACKAGE_INVALID',
      'asOf',
    ]);
  });

  it('verifies offline and on the chain, then pledges once; a second financier is refused', async () => {
    const onChain = ['--package', file, '--chain-rpc', seller.chain!.rpcUrl, '--addresses', addresses];
    const verified = await sb(['financing', 'verify', ...onChain]);
    expect(verified.out).toContain('✓ receivable: complete');
    expect(verified.out).toContain('✓ chain: pledge — not pledged');
    expect(verified.code).toBe(0);

    const pledged = await sb(['financing', 'pledge', ...onChain, '--key-file', financier]);
    expect(pledged.out).toMatch(/^pledged: the 2026-03 invoice/);
    expect(pledged.code).toBe(0);

    const again = await sb(['financing', 'pledge', ...onChain, '--key-file', rival]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('✗ chain: pledge — already pledged to');
    expect(again.out).toContain('not pledged');

    // Straight to the chain, skipping the check: the contract refuses it too.
    const {
      readContractAddresses,
      createChainPublicClient,
      createChainWalletClient,
      writePledge,
      pledgeKeyOf,
    } = await import('../src/chain/index.ts');
    const deployed = readContractAddresses(addresses)!;
    const endpoint = { rpcUrl: seller.chain!.rpcUrl, chainId: deployed.chainId };
    const direct = await writePledge(
      createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(9) }),
      createChainPublicClient(endpoint),
      deployed,
      'pledge',
      pledgeKeyOf((pkg.subject as unknown as ReceivableSubject).invoiceHash),
    );
    expect([direct.done, direct.reason]).toEqual([false, 'AlreadyPledged']);

    // The Seller packaging it again sees it pledged.
    const made = await callOk<{ pledge: { status: string } }>(
      seller,
      'POST',
      `/bilaterals/${id}/financing/packages`,
      {
        period: '2026-03',
      },
    );
    expect(made.pledge.status).toBe('pledged');
  });

  it('assigns the pledged invoice; the Buyer acknowledges; the financier sees it, then settles once paid', async () => {
    const northbank = privateKeyToAccount(devPrivateKey(8)).address;
    const notice = {
      period: '2026-03',
      financier: { id: 'northbank', account: northbank },
      payTo: 'IBAN NL00 NBNK 0123 4567 89',
    };
    // To an account that pledged nothing, or an invoice nobody pledged: refused, nothing written.
    const wrong = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/assignments`, {
      ...notice,
      financier: { id: 'rival', account: privateKeyToAccount(devPrivateKey(9)).address },
    });
    expect([wrong.status, wrong.body.code]).toEqual([409, 'PLEDGE_MISSING']);
    const unpledged = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/assignments`, {
      ...notice,
      period: '2026-02',
    });
    expect([unpledged.status, unpledged.body.code]).toEqual([409, 'PLEDGE_MISSING']);
    const malformed = await call<{ code: string; details: { path: string }[] }>(
      seller,
      'POST',
      `/bilaterals/${id}/assignments`,
      { period: '2026-03', financier: { id: '', account: '0x12' } },
    );
    expect(malformed.status).toBe(422);
    expect(malformed.body.details.map((d) => d.path)).toEqual(['financier.id', 'financier.account', 'payTo']);
    expect(await callOk<unknown[]>(seller, 'GET', `/bilaterals/${id}/assignments`)).toEqual([]);

    await callOk(seller, 'POST', `/bilaterals/${id}/assignments`, notice);
    await buyer.node.idle();
    await seller.node.idle();
    const [assignment] = await callOk<
      { acknowledged?: { at: string }; body: { financier: { account: string } } }[]
    >(seller, 'GET', `/bilaterals/${id}/assignments`);
    expect(assignment?.acknowledged).toBeDefined();
    expect(assignment?.body.financier.account).toBe(northbank.toLowerCase());
    const twice = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/assignments`, notice);
    expect([twice.status, twice.body.code]).toEqual([409, 'INVOICE_ASSIGNED']);

    // The financier's own credential: its pledges and exposure, nothing of anyone else's.
    const credential = async (party: string) =>
      (
        await callOk<{ token: string }>(seller, 'POST', '/credentials', {
          name: party,
          role: 'financier',
          party,
        })
      ).token;
    const asNorthbank = { url: seller.url, adminToken: await credential('northbank') };
    const asRival = { url: seller.url, adminToken: await credential('rival') };
    type Pledged = { period: string; state: string; open: string; chain?: { status: string } };
    const [pledged] = await callOk<Pledged[]>(asNorthbank, 'GET', '/financing/pledges');
    expect(pledged).toMatchObject({ period: '2026-03', state: 'overdue', chain: { status: 'pledged' } });
    expect(await callOk(asNorthbank, 'GET', '/financing/exposure')).toEqual([
      {
        buyer: terms.buyer.id,
        currency: 'EUR',
        invoices: 1,
        open: pledged!.open,
        overdue: pledged!.open,
        disputed: '0.00',
      },
    ]);
    expect(await callOk(asRival, 'GET', '/financing/pledges')).toEqual([]);
    expect(await callOk(asRival, 'GET', `/bilaterals/${id}/assignments`)).toEqual([]);
    const denied = await call<{ code: string }>(asNorthbank, 'GET', `/bilaterals/${id}/statement`);
    expect([denied.status, denied.body.code]).toEqual([403, 'ACCESS_DENIED']);

    // The Buyer pays the rest: the statement shows it paid to the financier; the financier settles.
    const at = new Date().toISOString();
    await callOk(buyer, 'POST', `/bilaterals/${id}/facts?wait=replicated`, {
      type: 'payment',
      id: 'P4',
      amount: pledged!.open,
      at,
      allocations: [{ period: '2026-03', amount: pledged!.open }],
    });
    await seller.node.idle();
    const statement = await callOk<{
      invoices: { period: string; assignedTo?: { financier: { id: string } } }[];
      payments: { id: string; applied: { period: string; payee?: string }[] }[];
    }>(seller, 'GET', `/bilaterals/${id}/statement`);
    expect(statement.invoices.find((i) => i.period === '2026-03')?.assignedTo?.financier.id).toBe(
      'northbank',
    );
    expect(statement.payments.find((p) => p.id === 'P4')?.applied).toEqual([
      { period: '2026-03', amount: pledged!.open, payee: 'northbank' },
    ]);
    expect((await callOk<Pledged[]>(asNorthbank, 'GET', '/financing/pledges'))[0]?.state).toBe('paid');

    const onChain = ['--package', file, '--chain-rpc', seller.chain!.rpcUrl, '--addresses', addresses];
    const byRival = await sb(['financing', 'settle', ...onChain, '--key-file', rival]);
    expect(byRival.code).toBe(1);
    expect(byRival.out).toContain('refused by the chain (NotFinancier)');
    const settled = await sb(['financing', 'settle', ...onChain, '--key-file', financier]);
    expect(settled.out).toMatch(/^settled: the pledge of the 2026-03 invoice/);
    expect((await callOk<Pledged[]>(asNorthbank, 'GET', '/financing/pledges'))[0]?.chain?.status).toBe(
      'settled',
    );
    const view = await sb(['financing', 'pledges', '--node', seller.url, '--token', asNorthbank.adminToken]);
    expect(view.code).toBe(0);
    expect(view.out).toMatch(new RegExp(`${terms.buyer.id}\\s+2026-03\\s+paid\\s+open\\s+0\\.00 EUR`));
    expect(view.out).toContain('settled');
  });

  describe('a tampered package is refused with the reason', () => {
    const tampered = async (change: (p: Tampered) => void) => {
      const copy = JSON.parse(JSON.stringify(pkg)) as Tampered;
      change(copy);
      const result = await checkPackage(copy);
      return { ok: result.ok, failed: result.checks.filter((c) => !c.ok) };
    };

    it('is whole as made', async () => {
      expect((await checkPackage(pkg)).ok).toBe(true);
    });

    it('an amount: the open amount stated', async () => {
      const { ok, failed } = await tampered((p) => {
        p.subject.account.invoice.open = '85393.55';
      });
      expect(ok).toBe(false);
      expect(failed[0]!.name).toBe('receivable: account');
      expect(failed[0]!.detail).toContain(
        'account.invoice.open: the package says "85393.55" but the record gives "36434.75"',
      );
    });

    it("an amount: the invoice's own lines", async () => {
      const { ok, failed } = await tampered((p) => {
        p.entries[0].signed.entry.body.invoice.total = '95393.55';
      });
      expect(ok).toBe(false);
      expect(failed.map((c) => c.name)).toContain('invoice: hash');
    });

    it('the acceptance: left out', async () => {
      const { ok, failed } = await tampered((p) => {
        p.entries.splice(1, 1);
      });
      expect(ok).toBe(false);
      expect(failed.map((c) => c.name)).toContain('receivable: accepted');
    });

    it('the acceptance: turned into a rejection', async () => {
      const { ok, failed } = await tampered((p) => {
        p.entries[1].signed.entry.kind = 'invoice.rejected';
      });
      expect(ok).toBe(false);
      expect(failed.length).toBeGreaterThan(0);
    });

    it('the payment record: a late invoice stated as paid on time', async () => {
      const { ok, failed } = await tampered((p) => {
        p.subject.account.history[1].onTime = true;
        p.subject.account.onTime = { due: 3, paid: 2, ratio: '0.6667' };
      });
      expect(ok).toBe(false);
      expect(failed[0]!.detail).toContain(
        'account.history.1.onTime: the package says true but the record gives false',
      );
    });

    it('the payment record: a payment left out of the entries', async () => {
      const { ok, failed } = await tampered((p) => {
        const index = p.entries.findIndex(
          (e: Tampered) => e.signed.entry.kind === 'fact' && e.signed.entry.body.type === 'payment',
        );
        p.entries.splice(index, 1);
      });
      expect(ok).toBe(false);
      expect(failed.map((c) => c.detail).join('\n')).toMatch(
        /the record holds \d+ facts entries but the package carries \d+/,
      );
    });

    it('the state: one stated other than the co-signed one', async () => {
      const { ok, failed } = await tampered((p) => {
        p.subject.state.facts += 1;
      });
      expect(ok).toBe(false);
      expect(failed.map((c) => c.name)).toContain('receivable: state');
    });

    it('the pledge key: another invoice’s', async () => {
      const { ok, failed } = await tampered((p) => {
        p.subject.pledgeKey = `0x${'ab'.repeat(32)}`;
      });
      expect(ok).toBe(false);
      expect(failed.map((c) => c.name)).toEqual(['financing: pledge key']);
    });
  });
});
