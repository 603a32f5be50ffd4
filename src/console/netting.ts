/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Netting (docs/console.md): `#/netting` lists the settlement statements and
 * multilateral rounds this node took part in — members, who has signed,
 * positions and the payments that settle them — and lets finance start a
 * round (each member's node checks and signs it) and record a round payment
 * as paid (its payer) or received (its payee).
 */
import { api } from './api.ts';
import { figures, h, table } from './dom.ts';
import { may, page, problem, say, session } from './shell.ts';

interface Amount {
  from: string;
  to: string;
  amount: string;
}
interface Agreement {
  hash: string;
  type: 'settlement' | 'round';
  round: string | null;
  document: {
    id?: string;
    currency: string;
    period: string;
    members?: string[];
    parties?: string[];
    positions?: { member: string; position: string }[];
    payments?: Amount[];
    net?: Amount | null;
  };
  signatures: Record<string, string>;
  progress: { payments?: { paidAt?: string; receivedAt?: string; reference?: string }[] } | null;
  agreedAt: string | null;
}

export async function nettingPage(): Promise<void> {
  const agreements = await api<Agreement[]>('/netting-agreements');
  const me = session.me!.party;
  const canAct = may('settlement.manage');
  const confirm = (hash: string, index: number) => async () => {
    try {
      await api(`/netting-agreements/${hash}/payments/${index}`, { method: 'POST', body: {} });
      say(`Round payment ${index + 1} recorded`);
      await nettingPage();
    } catch (error) {
      document.getElementById('main')!.append(problem(error));
    }
  };
  const rounds = agreements.filter((a) => a.type === 'round');
  const statements = agreements.filter((a) => a.type === 'settlement');
  const roundSection = (a: Agreement) => {
    const d = a.document;
    const members = d.members ?? [];
    const signed = members.filter((m) => a.signatures[m] !== undefined);
    return h(
      'section',
      { class: 'round' },
      h('h3', {}, `Round ${d.id ?? a.hash.slice(0, 12)}: ${d.period}, ${d.currency}`),
      h(
        'p',
        { class: signed.length === members.length ? 'ok' : 'warn' },
        `Signed by ${signed.length} of ${members.length}: ${members.map((m) => `${m} ${a.signatures[m] === undefined ? '✗' : '✓'}`).join(', ')}${a.agreedAt === null ? '' : ` — agreed ${a.agreedAt}`}`,
      ),
      figures(
        'Positions (owed minus owing)',
        (d.positions ?? []).map((p) => [p.member, p.position] as const),
      ),
      table(
        'The payments that settle it',
        ['From', 'To', 'Amount', 'Paid', 'Received', ''],
        (d.payments ?? []).map((p, i) => {
          const progress = a.progress?.payments?.[i] ?? {};
          const mine =
            (p.from === me && progress.paidAt === undefined) ||
            (p.to === me && progress.receivedAt === undefined);
          return h(
            'tr',
            {},
            h('td', {}, p.from),
            h('td', {}, p.to),
            h('td', { class: 'num' }, p.amount),
            h('td', {}, progress.paidAt ?? '—'),
            h('td', {}, progress.receivedAt ?? '—'),
            h(
              'td',
              {},
              canAct && mine && a.agreedAt !== null
                ? h(
                    'button',
                    { type: 'button', onclick: confirm(a.hash, i) },
                    p.from === me ? `Mark payment ${i + 1} paid` : `Mark payment ${i + 1} received`,
                  )
                : null,
            ),
          );
        }),
      ),
    );
  };
  const start = canAct ? startForm() : null;
  page(
    'Netting',
    h('h2', {}, 'Rounds'),
    rounds.length === 0 ? h('p', {}, 'No round yet.') : h('div', {}, rounds.map(roundSection)),
    start,
    h('h2', {}, 'Settlement statements'),
    statements.length === 0
      ? h('p', {}, 'No settlement statement yet.')
      : table(
          `${statements.length} statement(s)`,
          ['Parties', 'Period', 'Net payment', 'Round', 'Signed'],
          statements.map((a) =>
            h(
              'tr',
              {},
              h('td', {}, (a.document.parties ?? []).join(' – ')),
              h('td', {}, a.document.period),
              h(
                'td',
                {},
                a.document.net === null || a.document.net === undefined
                  ? 'even'
                  : `${a.document.net.from} pays ${a.document.net.to} ${a.document.net.amount}`,
              ),
              h('td', {}, a.round ?? '—'),
              h(
                'td',
                { class: a.agreedAt === null ? 'warn' : 'ok' },
                a.agreedAt === null ? 'waiting' : `agreed ${a.agreedAt}`,
              ),
            ),
          ),
        ),
  );
}

function startForm(): HTMLElement {
  const field = (name: string, label: string, attributes: Record<string, string>) => [
    h('label', { for: `n-${name}` }, label),
    h('input', { id: `n-${name}`, required: true, ...attributes }),
  ];
  const value = (name: string) => (document.getElementById(`n-${name}`) as HTMLInputElement).value.trim();
  const result = h('div', { 'aria-live': 'polite' });
  return h(
    'section',
    {},
    h('h2', {}, 'Start a round'),
    h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          try {
            const round = await api<{ hash: string }>('/netting-rounds', {
              method: 'POST',
              body: {
                members: value('members')
                  .split(/[\s,]+/)
                  .filter((m) => m !== ''),
                currency: value('currency'),
                period: value('period'),
              },
            });
            say(`Round ${round.hash.slice(0, 12)} agreed by every member`);
            await nettingPage();
          } catch (error) {
            result.replaceChildren(problem(error));
          }
        },
      },
      ...field('members', 'Members (party ids, comma separated, this node included)', { type: 'text' }),
      ...field('currency', 'Currency', { type: 'text', value: 'EUR', maxlength: '3' }),
      ...field('period', 'Up to the invoices of', { type: 'month' }),
      h('button', { type: 'submit' }, 'Start the round'),
    ),
    result,
  );
}
