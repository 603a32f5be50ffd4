/**
 * The demo as a user runs it (`sb demo --out DIR`): it must finish by itself,
 * show the Buyer accepting every month, and write each invoice as each node
 * computed it, equal to the worked example of TERMS.md §4.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/cli.fixtures.ts';

const example = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');

describe('sb demo', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-demo-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs two nodes, agrees every invoice and writes what each node computed', async () => {
    const { code, out, err } = await runCli([
      'demo',
      '--data',
      join(root, 'data'),
      '--out',
      join(root, 'out'),
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.match(/globex accepted it in entry globex\/\d+/g)).toHaveLength(3);
    expect(out.match(/invoice 2026-0\d: VERIFIED/g)).toHaveLength(3);
    expect(out).not.toContain('✗');
    expect(out).toContain('countersigned by globex');
    expect(out).toMatch(
      /credit note for 2026-03 \(entry acme-fiber\/\d+\): -[\d.]+ — sla-credit -[\d.]+; globex accepted it/,
    );
    expect(out).toMatch(
      /globex\/\d+ on acme-fiber\/\d+: service\.terminated at 2026-03-09T08:00:00Z, not 2026-03-10T08:00:00Z/,
    );
    expect(out).toMatch(/acme-fiber accepted it: correction acme-fiber\/\d+/);
    expect(out.match(/credit note for 2026-03/g)).toHaveLength(2);
    expect(out).toContain('Statement as of 2026-07-15 (identical on both nodes)');
    expect(out).toMatch(/invoice\s+2026-01\s+total\s+1310\.70\s+applied\s+1310\.70\s+open\s+0\.00\s+settled/);
    // Financing: the March invoice packaged, verified, pledged once; a second pledge refused; assigned.
    expect(out).toContain(
      "36434.75 EUR open of 85393.55, due 2026-05-01, not disputed; acme-fiber's Buyer paid 1 of 3 invoices on time (0.3333)",
    );
    expect(out).toMatch(/the financier checks it: VERIFIED \(\d+ checks, offline and on the chain\)/);
    expect(out).toMatch(/northbank pledges it on the chain \(key 0x[0-9a-f]{16}…\): pledged/);
    expect(out).toContain(
      'a second financier pledges the same invoice: refused by the chain (AlreadyPledged)',
    );
    expect(out).toMatch(/the package checked again: already pledged to 0x[0-9a-fA-F]{40}/);
    expect(out).toMatch(/notice of assignment acme-fiber\/\d+: acknowledged by globex/);
    const pkg = JSON.parse(readFileSync(join(root, 'data', 'financing-2026-03.json'), 'utf8'));
    expect(pkg.subject.kind).toBe('receivable');
    // Resource pools: the order signed, the boost beyond the port and the second claim on its VLAN refused.
    expect(out).toContain('order P1, 1G on ams-1 with VLAN 101 (committed on the chain): signed');
    expect(out).toMatch(/boost P1 to 10G for two hours: refused, CAPACITY_EXCEEDED: .*8000 Mbps short/);
    expect(out).toMatch(/order P2 with VLAN 101 too: refused, RESOURCE_TAKEN/);
    expect(out).toContain('ams-1 on 2026-02-10: 1000 Mbps in use at the peak, 1000 free');
    // The netting round: signed by the three, its positions summing to zero, at most two payments
    // (the March invoice is assigned to the financier, so it is not set off).
    expect(out).toMatch(
      /round [0-9a-f]{16}…: \d co-signed bilateral statements, signed by acme-fiber, globex, initech/,
    );
    const positions = [...out.matchAll(/position\s+\S+\s+(-?\d+)\.(\d\d)/g)].map(
      (m) => BigInt(`${m[1]}${m[2]}`.replace('-', '')) * (m[1]!.startsWith('-') ? -1n : 1n),
    );
    expect(positions).toHaveLength(3);
    expect(positions.reduce((a, b) => a + b, 0n)).toBe(0n);
    expect(out.match(/payment\s+\S+\s+→/g)?.length ?? 0).toBeLessThanOrEqual(2);
    // The round's entry is in the anchored checkpoint, proven as an auditor would.
    expect(out).toMatch(
      /netting round entry acme-fiber\/\d+: VERIFIED \(\d+ checks, anchored in block \d+\)/,
    );

    const files = readdirSync(join(root, 'out')).sort();
    expect(files).toEqual([
      '2026-01.acme-fiber.json',
      '2026-01.globex.json',
      '2026-01.proof.json',
      '2026-02.acme-fiber.json',
      '2026-02.globex.json',
      '2026-02.proof.json',
      '2026-03.acme-fiber.json',
      '2026-03.globex.json',
      '2026-03.proof.json',
    ]);
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      const expected = JSON.parse(readFileSync(join(example, `invoice-${period}.json`), 'utf8'));
      const bySeller = readFileSync(join(root, 'out', `${period}.acme-fiber.json`), 'utf8');
      const byBuyer = readFileSync(join(root, 'out', `${period}.globex.json`), 'utf8');
      expect(byBuyer).toBe(bySeller);
      const invoice = JSON.parse(bySeller);
      expect(invoice.period).toMatchObject(expected.period);
      expect(invoice.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual(
        expected.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount]),
      );
      expect([invoice.subtotal, invoice.tax, invoice.total]).toEqual([
        expected.subtotal,
        expected.tax,
        expected.total,
      ]);
      expect(out).toContain(`${expected.total}`);

      // The written proof verifies offline with `sb verify`; changing one amount makes it fail.
      const proofFile = join(root, 'out', `${period}.proof.json`);
      const verified = await runCli(['verify', proofFile]);
      expect(verified.code).toBe(0);
      expect(verified.out).toContain('VERIFIED');
      const proof = JSON.parse(readFileSync(proofFile, 'utf8'));
      const issued = proof.entries[0].signed.entry.body.invoice;
      issued.lines[0].amount = '1.00';
      const tampered = join(root, `${period}.tampered.json`);
      writeFileSync(tampered, JSON.stringify(proof));
      const refused = await runCli(['verify', tampered]);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/✗ invoice: hash/);
    }
  }, 90_000);
});
