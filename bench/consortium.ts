import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { introduce } from '../src/api/index.ts';
import type { IssuedInvoice } from '../src/node/index.ts';
import { MemoryNetwork, type MemoryNode } from '../test/in-memory.ts';
import { exampleTerms } from '../test/support.ts';
import { log, machine, positive, printReport, prng, writeResult } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    providers: { type: 'string', default: '20' },
    bilaterals: { type: 'string', default: '100' },
    services: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '7' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});
const PROVIDERS = positive('providers', flags.providers);
const BILATERALS = positive('bilaterals', flags.bilaterals);
const SERVICES = positive('services', flags.services);
const random = prng(positive('seed', flags.seed));
const COMMAND = ['npx tsx bench/consortium.ts', ...process.argv.slice(2)].join(' ');
const PERIOD = '2026-01';
const AS_OF = '2026-03-15';
const PLANS = ['100M', '1G', '10G'] as const;

async function main(): Promise<void> {
  if (PROVIDERS < 2) throw new Error('--providers: at least 2');
  const date = new Date().toISOString();
  const box = machine();
  const network = new MemoryNetwork();
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    phases[name] = Math.round(performance.now() - start);
    log(`${name}: ${phases[name]} ms`);
    return result;
  };
  try {
    const nodes: MemoryNode[] = [];
    for (let i = 0; i < PROVIDERS; i++)
      nodes.push(await network.add(`carrier-${String(i + 1).padStart(2, '0')}`));
    const pairs: [MemoryNode, MemoryNode][] = [];
    for (let b = 0; b < BILATERALS; b++) {
      const s = Math.floor(random() * PROVIDERS);
      const t = (s + 1 + Math.floor(random() * (PROVIDERS - 1))) % PROVIDERS;
      pairs.push([nodes[s]!, nodes[t]!]);
    }
    // A consortium: every member knows every other (a round's coordinator calls each of them).
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) await introduce(nodes[i]!, nodes[j]!);
    }

    const ids: string[] = [];
    await timed('agree and record', async () => {
      for (const [b, [seller, buyer]] of pairs.entries()) {
        const terms = {
          ...exampleTerms(),
          id: `msa-${b + 1}`,
          seller: { id: seller.node.party },
          buyer: { id: buyer.node.party },
        };
        const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
          terms,
          peer: buyer.node.endpoint,
        });
        if (created.status !== 201)
          throw new Error(`bilateral ${b}: ${created.status} ${JSON.stringify(created.body)}`);
        ids.push(created.body.id);
      }
      const perBilateral = new Map<number, unknown[]>();
      for (let s = 0; s < SERVICES; s++) {
        const b = s % BILATERALS;
        const service = `S${s + 1}`;
        const facts = perBilateral.get(b) ?? [];
        facts.push(
          {
            type: 'service.ordered',
            service,
            offering: 'dia',
            plan: PLANS[Math.floor(random() * PLANS.length)],
            termMonths: 12,
            at: '2025-12-01T00:00:00Z',
          },
          { type: 'service.activated', service, at: '2025-12-15T00:00:00Z' },
        );
        if (random() < 0.2) {
          const day = 1 + Math.floor(random() * 28);
          facts.push({
            type: 'outage',
            service,
            from: `2026-01-${String(day).padStart(2, '0')}T02:00:00Z`,
            to: `2026-01-${String(day).padStart(2, '0')}T${String(3 + Math.floor(random() * 10)).padStart(2, '0')}:00:00Z`,
            maintenance: false,
          });
        }
        perBilateral.set(b, facts);
      }
      for (const [b, facts] of perBilateral) {
        const [seller] = pairs[b]!;
        const recorded = await seller.call('POST', `/bilaterals/${ids[b]}/facts?wait=replicated`, facts);
        if (recorded.status !== 201)
          throw new Error(`facts of ${b}: ${recorded.status} ${JSON.stringify(recorded.body)}`);
      }
    });

    await timed('invoices issued and accepted', async () => {
      for (const [b, [seller]] of pairs.entries()) {
        const issued = await seller.call('POST', `/bilaterals/${ids[b]}/invoices`, { period: PERIOD });
        if (issued.status !== 201) throw new Error(`invoice of ${b}: ${issued.status}`);
      }
      for (const node of nodes) await node.node.idle();
      for (const [b, [seller]] of pairs.entries()) {
        const list = (await seller.call<IssuedInvoice[]>('GET', `/bilaterals/${ids[b]}/invoices`)).body;
        if (list[0]?.status !== 'accepted') throw new Error(`invoice of ${b} is ${list[0]?.status}`);
      }
    });

    type Totals = {
      totals: { open: string; disputed: string };
      invoices: { open: string; disputed: string; state: string }[];
    };
    const statements = await timed('statements on both nodes', async () => {
      const out: Totals[] = [];
      for (const [b, [seller, buyer]] of pairs.entries()) {
        const path = `/bilaterals/${ids[b]}/statement?asOf=${AS_OF}`;
        const [a, c] = [await seller.call<Totals>('GET', path), await buyer.call<Totals>('GET', path)];
        if (JSON.stringify(a.body) !== JSON.stringify(c.body)) throw new Error(`statements of ${b} differ`);
        out.push(a.body);
      }
      return out;
    });

    const cents = (t: string) => BigInt(t.replace('.', ''));
    const members = [...new Set(pairs.flatMap(([a, b]) => [a.node.party, b.node.party]))];
    type Round = { document: { statements: unknown[]; payments: { amount: string }[] }; signatures: object };
    const round = await timed('netting round signed by every member', async () => {
      const made = await nodes[0]!.call<Round>('POST', '/netting-rounds', {
        members,
        currency: 'EUR',
        period: PERIOD,
      });
      if (made.status !== 201) throw new Error(`round: ${made.status} ${JSON.stringify(made.body)}`);
      if (Object.keys(made.body.signatures).length !== members.length)
        throw new Error('round: not signed by all');
      return made.body;
    });
    await timed('round recorded and every invoice settled on both nodes', async () => {
      for (const node of nodes) await node.node.idle();
      for (const node of nodes) await node.node.idle();
      for (const [b, [seller, buyer]] of pairs.entries()) {
        const path = `/bilaterals/${ids[b]}/statement`;
        type Lines = { invoices: { period: string; open: string }[] };
        const [a, c] = [await seller.call<Lines>('GET', path), await buyer.call<Lines>('GET', path)];
        if (JSON.stringify(a.body) !== JSON.stringify(c.body)) throw new Error(`statements of ${b} differ`);
        const january = a.body.invoices.find((i) => i.period === PERIOD);
        if (january?.open !== '0.00') throw new Error(`bilateral ${b}: January open ${january?.open}`);
      }
    });
    const gross = statements
      .map((s) => cents(s.totals.open) - cents(s.totals.disputed))
      .filter((a) => a > 0n);
    const netting = {
      gross: gross.length,
      net: round.document.payments.length,
      members: members.length,
      statements: round.document.statements.length,
      movedGross: String(gross.reduce((t, a) => t + a, 0n)),
      movedNet: String(round.document.payments.reduce((t, p) => t + cents(p.amount), 0n)),
    };

    const total = Object.values(phases).reduce((a, b) => a + b, 0);
    const report = {
      benchmark: 'consortium',
      command: COMMAND,
      date,
      machine: box,
      providers: PROVIDERS,
      bilaterals: BILATERALS,
      services: SERVICES,
      phasesMs: phases,
      wallMs: total,
      payments: { beforeNetting: netting.gross, afterNetting: netting.net, members: netting.members },
      coSignedStatements: netting.statements,
      minorUnitsMoved: { gross: netting.movedGross, net: netting.movedNet },
    };
    printReport(report);
    if (!flags['no-json']) {
      writeResult('consortium', date, report);
    }
  } finally {
    await network.close();
  }
}

await main();
