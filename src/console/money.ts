/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console's money pages (docs/console.md): a bilateral's invoices, one
 * invoice explained line by line with both parties' hashes, its downloads
 * (UBL, printable page, proof) and a verify action; the statement with its
 * aging chart and the payments (the Seller marks them received or missing);
 * the disputes (raise from an observation, accept, reject with a reason).
 * Amounts are the API's decimal strings, shown as they are; a chart's bar
 * lengths are the only place they become numbers.
 */
import { api, download } from './api.ts';
import { figures, h, s, table } from './dom.ts';
import { may, page, problem, say, session } from './shell.ts';

interface Line {
  kind: string;
  service: string;
  description: string;
  amount: string;
}
interface Issued {
  number: number;
  period: string;
  status: 'pending' | 'accepted' | 'rejected';
  entry: { author: string; seq: number; hash: string };
  body: {
    invoiceHash: string;
    invoice: { total: string; currency: string; issueDate: string; dueDate: string };
  };
}
interface Explained {
  period: string;
  number: number;
  status: string;
  termsHash: string;
  entry: { author: string; seq: number; hash: string };
  sellerHash: string;
  answer?: { entry: { author: string; seq: number }; computedHash: string };
  invoice: {
    currency: string;
    subtotal: string;
    tax: string;
    total: string;
    issueDate: string;
    dueDate: string;
  };
  lines: { line: Line; steps: string[]; recomputed: string | null; agrees: boolean | null }[];
}
interface StatementInvoice {
  document: string;
  period: string;
  dueDate: string;
  total: string;
  applied: string;
  open: string;
  daysPastDue: number;
  interest: string;
  disputed: string;
  state: string;
}
interface Statement {
  asOf: string;
  currency: string;
  invoices: StatementInvoice[];
  payments: {
    id: string;
    at: string;
    amount: string;
    applied: { period: string; amount: string }[];
    unapplied: string;
    receipt?: string;
  }[];
  totals: Record<string, string>;
  aging: Record<string, string>;
}
interface Dispute {
  id: string;
  entry: { author: string; seq: number };
  raisedAt: string;
  state: string;
  body: { reason: string; period: string; fact: string | null; atStake: { total: string } };
  answer?: { body: { reason?: string; correction?: string } };
}

const base = (id: string) => `/bilaterals/${encodeURIComponent(id)}`;

/** The bilateral's sub-pages, as links. */
export function tabs(id: string, current: string): HTMLElement {
  const links: [string, string, boolean][] = [
    [`#/record/${id}`, 'Record', may('bilaterals.read')],
    [`#/invoices/${id}`, 'Invoices', may('invoices.read')],
    [`#/statement/${id}`, 'Statement and payments', may('invoices.read')],
    [`#/disputes/${id}`, 'Disputes', may('bilaterals.read')],
    [`#/usage/${id}`, 'Usage', may('bilaterals.read')],
  ];
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'This bilateral' },
    links
      .filter(([, , shown]) => shown)
      .map(([href, text]) => h('a', { href, 'aria-current': href === current ? 'page' : undefined }, text)),
  );
}

async function role(id: string): Promise<'seller' | 'buyer'> {
  const b = await api<{ agreement: { genesis: { seller: { id: string } } } }>(base(id));
  return b.agreement.genesis.seller.id === session.me!.party ? 'seller' : 'buyer';
}

/** `#/invoices/<id>`: the issued invoices; the Seller's finance issues a period's invoice from here. */
export async function invoicesPage(id: string): Promise<void> {
  const [invoices, statement, side] = await Promise.all([
    api<Issued[]>(`${base(id)}/invoices`),
    api<Statement>(`${base(id)}/statement`).catch(() => undefined),
    role(id),
  ]);
  const state = (period: string) =>
    statement?.invoices.find((i) => i.document === 'invoice' && i.period === period)?.state ?? '—';
  const issue =
    side === 'seller' && may('invoices.issue')
      ? (() => {
          const input = h('input', { id: 'issue-period', type: 'month', required: true }) as HTMLInputElement;
          return h(
            'form',
            {
              class: 'inline',
              onsubmit: async (event: Event) => {
                event.preventDefault();
                try {
                  await api(`${base(id)}/invoices`, { method: 'POST', body: { period: input.value } });
                  say(`Invoice ${input.value} issued`);
                  await invoicesPage(id);
                } catch (error) {
                  document.getElementById('main')!.append(problem(error));
                }
              },
            },
            h('label', { for: 'issue-period' }, 'Issue the invoice of'),
            input,
            ' ',
            h('button', { type: 'submit' }, 'Issue'),
          );
        })()
      : null;
  page(
    'Invoices',
    tabs(id, `#/invoices/${id}`),
    issue,
    invoices.length === 0
      ? h('p', {}, 'No invoice issued yet.')
      : table(
          `${invoices.length} invoice(s) issued in this bilateral`,
          ['No.', 'Period', 'Total', 'Due', 'Buyer', 'State', ''],
          invoices.map((i) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, String(i.number)),
              h('td', {}, i.period),
              h('td', { class: 'num' }, `${i.body.invoice.total} ${i.body.invoice.currency}`),
              h('td', {}, i.body.invoice.dueDate),
              h(
                'td',
                { class: i.status === 'accepted' ? 'ok' : i.status === 'rejected' ? 'bad' : 'warn' },
                i.status,
              ),
              h('td', {}, state(i.period)),
              h('td', {}, h('a', { href: `#/invoice/${id}/${i.period}` }, `Explain ${i.period}`)),
            ),
          ),
        ),
  );
}

/** `#/invoice/<id>/<period>`: every line explained, both hashes, downloads and verify. */
export async function invoicePage(id: string, period: string): Promise<void> {
  const x = await api<Explained>(`${base(id)}/invoices/${period}/explain`);
  const agreed = x.answer !== undefined && x.answer.computedHash === x.sellerHash;
  const checks = h('div', { id: 'checks', 'aria-live': 'polite' });
  const verify = async () => {
    checks.replaceChildren(h('p', {}, 'Verifying…'));
    try {
      const proof = await api<unknown>(`${base(id)}/proof?invoice=${period}`);
      const report = await api<{
        ok: boolean;
        chainChecked: boolean;
        checks: { name: string; ok: boolean; detail: string }[];
      }>('/proofs/verify', { method: 'POST', body: proof });
      checks.replaceChildren(
        h(
          'p',
          { class: report.ok ? 'ok' : 'bad', role: 'status' },
          report.ok
            ? `Verified: every check passed${report.chainChecked ? ', the anchor included' : ''}.`
            : 'Not verified: a check failed.',
        ),
        h(
          'ul',
          { class: 'checks' },
          report.checks.map((c) =>
            h('li', { class: c.ok ? 'ok' : 'bad' }, `${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`),
          ),
        ),
      );
    } catch (error) {
      checks.replaceChildren(problem(error));
    }
  };
  const button = (text: string, action: () => Promise<void>) =>
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            await action();
          } catch (error) {
            checks.replaceChildren(problem(error));
          }
        },
      },
      text,
    );
  page(
    `Invoice ${x.number} — ${period}`,
    tabs(id, `#/invoices/${id}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, x.status),
      h('dt', {}, 'Total'),
      h(
        'dd',
        {},
        `${x.invoice.total} ${x.invoice.currency} (subtotal ${x.invoice.subtotal}, tax ${x.invoice.tax})`,
      ),
      h('dt', {}, 'Issued, due'),
      h('dd', {}, `${x.invoice.issueDate}, ${x.invoice.dueDate}`),
      h('dt', {}, "Seller's invoice hash"),
      h('dd', { class: 'hash' }, x.sellerHash),
      h('dt', {}, "Buyer's computed hash"),
      h(
        'dd',
        { class: `hash ${x.answer === undefined ? 'warn' : agreed ? 'ok' : 'bad'}` },
        x.answer === undefined
          ? 'no answer yet'
          : `${x.answer.computedHash} ${agreed ? '✓ the same: agreed' : '✗ differs: rejected'}`,
      ),
      h('dt', {}, 'Terms hash'),
      h('dd', { class: 'hash' }, x.termsHash),
      h('dt', {}, 'On the record'),
      h('dd', {}, `entry ${x.entry.author}/${x.entry.seq}`),
    ),
    h(
      'div',
      { class: 'actions', role: 'group', 'aria-label': 'Downloads and checks' },
      button('Download UBL', () => download(`${base(id)}/invoices/${period}/ubl`, `invoice-${period}.xml`)),
      button('Download printable invoice', () =>
        download(`${base(id)}/invoices/${period}/html`, `invoice-${period}.html`),
      ),
      may('proofs.read')
        ? button('Download proof', () =>
            download(`${base(id)}/proof?invoice=${period}`, `invoice-${period}.proof.json`),
          )
        : null,
      may('proofs.read') ? button('Verify', verify) : null,
    ),
    checks,
    h('h2', {}, 'Lines, explained'),
    h(
      'ol',
      { class: 'lines' },
      x.lines.map((l) =>
        h(
          'li',
          {},
          h(
            'details',
            {},
            h(
              'summary',
              {},
              h('span', {}, `${l.line.description} (${l.line.service})`),
              ' ',
              h('span', { class: 'num' }, `${l.line.amount} ${x.invoice.currency}`),
              ' ',
              h(
                'span',
                { class: l.agrees === true ? 'ok' : l.agrees === false ? 'bad' : 'muted' },
                l.agrees === true
                  ? '✓ recomputed'
                  : l.agrees === false
                    ? `✗ recomputed ${l.recomputed ?? '—'}`
                    : '',
              ),
            ),
            h(
              'ol',
              { class: 'steps' },
              l.steps.map((step) => h('li', {}, step)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The aging buckets as a bar chart (inline SVG, labelled for screen readers). */
function agingChart(statement: Statement): Element {
  const buckets = Object.entries(statement.aging);
  const values = buckets.map(([, v]) => Math.abs(Number(v)));
  const most = Math.max(1, ...values);
  const width = 400; // narrow enough that its 13-unit labels stay legible when a phone scales it down
  const label = buckets.map(([b, v]) => `${b}: ${v}`).join(', ');
  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${buckets.length * 30 + 10}`,
      role: 'img',
      'aria-label': `Aging in ${statement.currency}: ${label}`,
    },
    s('title', {}, `Aging in ${statement.currency}`),
  );
  buckets.forEach(([bucket, value], i) => {
    const y = 10 + i * 30;
    const length = (values[i]! / most) * (width - 190);
    svg.append(
      s(
        'text',
        { x: 0, y: y + 15, 'font-size': 13 },
        bucket === 'current' ? 'not yet due' : `${bucket} days late`,
      ),
      s('rect', {
        x: 120,
        y,
        width: Math.max(length, 1),
        height: 20,
        fill: i === 0 ? '#0550ae' : i < 3 ? '#9a6700' : '#a40e26',
      }),
      s('text', { x: 126 + length, y: y + 15, 'font-size': 13 }, value),
    );
  });
  return h('figure', {}, svg, h('figcaption', {}, `Open amounts by days past due, ${statement.currency}`));
}

/** `#/statement/<id>`: totals, the aging chart, the invoices and the payments. */
export async function statementPage(id: string): Promise<void> {
  const [statement, side] = await Promise.all([api<Statement>(`${base(id)}/statement`), role(id)]);
  const mark = (payment: string, status: 'received' | 'missing') => async () => {
    try {
      const reason =
        status === 'missing' ? (prompt('Why is it missing (what the bank shows)?') ?? '') : undefined;
      await api(`${base(id)}/payments/${encodeURIComponent(payment)}/${status}`, {
        method: 'POST',
        body: reason === undefined ? {} : { reason },
      });
      say(`Payment ${payment} marked ${status}`);
      await statementPage(id);
    } catch (error) {
      document.getElementById('main')!.append(problem(error));
    }
  };
  const markable = side === 'seller' && may('settlement.manage');
  page(
    'Statement and payments',
    tabs(id, `#/statement/${id}`),
    h('p', {}, `As of the end of ${statement.asOf}, in ${statement.currency}.`),
    figures('Totals', Object.entries(statement.totals)),
    h('h2', {}, 'Aging'),
    agingChart(statement),
    h('h2', {}, 'Invoices'),
    table(
      'Invoices and debit notes',
      ['Period', 'Document', 'Due', 'Total', 'Paid', 'Open', 'Days late', 'Interest', 'Disputed', 'State'],
      statement.invoices.map((i) =>
        h(
          'tr',
          {},
          h('td', {}, i.period),
          h('td', {}, i.document),
          h('td', {}, i.dueDate),
          ...[i.total, i.applied, i.open, String(i.daysPastDue), i.interest, i.disputed].map((v) =>
            h('td', { class: 'num' }, v),
          ),
          h('td', { class: i.state === 'settled' ? 'ok' : 'warn' }, i.state),
        ),
      ),
    ),
    h('h2', {}, 'Payments'),
    statement.payments.length === 0
      ? h('p', {}, 'No payment recorded yet.')
      : table(
          "The Buyer's payments and where they went",
          ['Payment', 'At', 'Amount', 'Applied to', 'Receipt', ''],
          statement.payments.map((p) =>
            h(
              'tr',
              {},
              h('td', {}, p.id),
              h('td', {}, p.at),
              h('td', { class: 'num' }, p.amount),
              h('td', {}, p.applied.map((a) => `${a.period}: ${a.amount}`).join(', ') || '—'),
              h(
                'td',
                { class: p.receipt === 'received' ? 'ok' : p.receipt === 'missing' ? 'bad' : 'warn' },
                p.receipt ?? '—',
              ),
              h(
                'td',
                {},
                markable && p.receipt === 'pending'
                  ? [
                      h(
                        'button',
                        { type: 'button', onclick: mark(p.id, 'received') },
                        `Mark ${p.id} received`,
                      ),
                      ' ',
                      h('button', { type: 'button', onclick: mark(p.id, 'missing') }, `Mark ${p.id} missing`),
                    ]
                  : null,
              ),
            ),
          ),
        ),
  );
}

/** `#/disputes/<id>`: the inbox — raise from what our systems saw, accept or reject what was raised with us. */
export async function disputesPage(id: string): Promise<void> {
  const disputes = await api<Dispute[]>(`${base(id)}/disputes`);
  const me = session.me!.party;
  const answer = (d: Dispute, verb: 'accept' | 'reject') => async () => {
    try {
      let body: unknown = {};
      if (verb === 'reject') {
        const reason =
          (document.getElementById(`reason-${d.entry.seq}`) as HTMLTextAreaElement | null)?.value ?? '';
        body = { reason };
      }
      await api(`${base(id)}/disputes/${encodeURIComponent(d.entry.author)}/${d.entry.seq}/${verb}`, {
        method: 'POST',
        body,
      });
      say(`Dispute ${d.id} ${verb === 'accept' ? 'accepted' : 'rejected'}`);
      await disputesPage(id);
    } catch (error) {
      document.getElementById('main')!.append(problem(error));
    }
  };
  const canAnswer = may('settlement.manage');
  const rows = disputes.map((d) => {
    const theirs = d.entry.author !== me;
    const open = d.state === 'raised' || d.state === 'escalated';
    return h(
      'tr',
      {},
      h('td', {}, d.id),
      h('td', {}, theirs ? `${d.entry.author} (raised with us)` : 'us'),
      h('td', {}, d.body.period),
      h('td', {}, d.body.reason),
      h('td', { class: 'num' }, d.body.atStake.total),
      h('td', { class: d.state === 'escalated' ? 'bad' : open ? 'warn' : 'ok' }, d.state),
      h(
        'td',
        {},
        theirs && open && canAnswer
          ? [
              h('button', { type: 'button', onclick: answer(d, 'accept') }, `Accept ${d.id}`),
              ' ',
              h('label', { for: `reason-${d.entry.seq}` }, 'Reason to reject'),
              h('textarea', { id: `reason-${d.entry.seq}`, rows: 2 }),
              h('button', { type: 'button', onclick: answer(d, 'reject') }, `Reject ${d.id}`),
            ]
          : (d.answer?.body.reason ?? d.answer?.body.correction ?? ''),
      ),
    );
  });
  const raise = may('facts.record') ? raiseForm(id) : null;
  page(
    'Disputes',
    tabs(id, `#/disputes/${id}`),
    disputes.length === 0
      ? h('p', {}, 'No dispute in this bilateral.')
      : table(
          `${disputes.length} dispute(s)`,
          ['Dispute', 'Raised by', 'Period', 'Reason', 'At stake', 'State', ''],
          rows,
        ),
    raise,
  );
}

/** An outage our NOC saw: sent as an observation, the node raises a dispute when the record differs. */
function raiseForm(id: string): HTMLElement {
  const field = (name: string, label: string, type: string) => [
    h('label', { for: `raise-${name}` }, label),
    h('input', { id: `raise-${name}`, name, type, required: true }),
  ];
  const value = (name: string) => (document.getElementById(`raise-${name}`) as HTMLInputElement).value;
  const result = h('div', { 'aria-live': 'polite' });
  return h(
    'section',
    {},
    h('h2', {}, 'Raise: an outage our systems saw'),
    h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          try {
            // A datetime-local value is minutes (or seconds) without a zone: the form says UTC.
            const instant = (v: string) => (v.length === 16 ? `${v}:00Z` : `${v}Z`);
            const raised = await api<{ raised: { id: string }[] }>(`${base(id)}/observations`, {
              method: 'POST',
              body: {
                source: 'console',
                facts: [
                  {
                    type: 'outage',
                    service: value('service'),
                    from: instant(value('from')),
                    to: instant(value('to')),
                    maintenance: false,
                  },
                ],
              },
            });
            say(
              raised.raised.length === 0
                ? 'The record already says so: nothing to dispute'
                : `Raised ${raised.raised.map((r) => r.id).join(', ')}`,
            );
            await disputesPage(id);
          } catch (error) {
            result.replaceChildren(problem(error));
          }
        },
      },
      ...field('service', 'Service', 'text'),
      ...field('from', 'Down from (UTC)', 'datetime-local'),
      ...field('to', 'Up again (UTC)', 'datetime-local'),
      h('button', { type: 'submit' }, 'Raise a dispute if the record differs'),
    ),
    result,
  );
}
