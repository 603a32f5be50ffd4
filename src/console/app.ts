/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web console's browser code (docs/console.md). Plain DOM through the
 * helper in dom.ts; pages by the location's hash:
 *
 * - `#/login`: paste a credential token (kept in sessionStorage);
 * - `#/overview`: the party's bilaterals, their health, open amounts and
 *   disputes, and what needs a decision today;
 * - `#/record/<id>`: a bilateral's timeline of entries, filtered and
 *   virtualised, and each service's life drawn as an SVG timeline;
 * - `#/statement/<id>`: the bilateral's statement (money: invoices.read).
 *
 * What a role may not see gets no link; the API's 403 is shown as a message.
 * New events arrive over `GET /events/stream` and refresh the page shown.
 */
import { ApiError, api, setToken, stream, token } from './api.ts';
import { h, table } from './dom.ts';
import { disputesPage, invoicePage, invoicesPage, statementPage, tabs } from './money.ts';
import { nettingPage } from './netting.ts';
import { poolPage, poolsPage } from './pools.ts';
import { serviceLives, VirtualList } from './record.ts';
import { main, may, page, problem, say, session, type Whoami } from './shell.ts';
import { usagePage } from './usage.ts';

let live: AbortController | undefined;

interface Bilateral {
  id: string;
  role?: string;
  agreement: { genesis: { seller: { id: string }; buyer: { id: string } }; terms?: { id?: string } };
}
interface StoredEntry {
  hash: string;
  entry: {
    author: string;
    seq: number;
    kind: string;
    recordedAt: string;
    body: unknown;
    seen: { seq: number } | null;
  };
  /** The author's signature; the node verified it before storing the entry. */
  sig?: string;
}

function nav(current: string): void {
  const links: [string, string][] = [];
  if (session.me !== undefined) {
    if (may('bilaterals.read')) links.push(['#/overview', 'Overview']);
    if (may('resources.read')) links.push(['#/pools', 'Pools']);
    if (may('invoices.read') && session.me.bilaterals === null) links.push(['#/netting', 'Netting']);
    links.push(['#/logout', 'Log out']);
  } else links.push(['#/login', 'Log in']);
  document
    .getElementById('nav')!
    .replaceChildren(
      ...links.map(([href, text]) =>
        h('a', { href, 'aria-current': href === current ? 'page' : undefined }, text),
      ),
    );
  document.getElementById('who')!.textContent =
    session.me === undefined
      ? ''
      : `${session.me.party} · ${session.me.credential.name} (${session.me.credential.role})`;
}

function loginPage(message?: string): void {
  const input = h('input', {
    id: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
  }) as HTMLInputElement;
  const form = h(
    'form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        setToken(input.value.trim());
        void login();
      },
    },
    h('label', { for: 'token' }, 'Credential token'),
    input,
    ' ',
    h('button', { type: 'submit' }, 'Log in'),
  );
  page(
    'Log in',
    message === undefined ? null : h('p', { class: 'error', role: 'alert' }, message),
    h('p', {}, 'Paste the token `sb credentials issue` gave you. It is kept in this tab only.'),
    form,
  );
  input.focus();
}

async function login(): Promise<void> {
  try {
    session.me = await api<Whoami>('/whoami');
  } catch (error) {
    setToken(null);
    session.me = undefined;
    nav('#/login');
    loginPage(error instanceof ApiError ? `Not accepted (${error.code}): ${error.message}` : String(error));
    return;
  }
  startLive();
  if (location.hash === '' || location.hash === '#/login') location.hash = '#/overview';
  else void route();
}

function startLive(): void {
  live?.abort();
  if (!may('events.read')) return;
  const controller = new AbortController();
  live = controller;
  let last = '';
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        await stream(
          `/events/stream?after=${last === '' ? 'latest' : last}`,
          (event) => {
            last = event.id;
            const data = JSON.parse(event.data) as { bilateral?: string };
            say(
              `New: ${event.type}${data.bilateral === undefined ? '' : ` on ${data.bilateral.slice(0, 8)}`}`,
            );
            scheduleRefresh();
          },
          controller.signal,
        );
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
}

let refreshTimer: number | undefined;
function scheduleRefresh(): void {
  if (refreshTimer !== undefined) clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void route(true), 200);
}

async function overviewPage(): Promise<void> {
  if (!may('bilaterals.read')) {
    page('Overview', h('p', { class: 'error', role: 'alert' }, 'Your role may not read the bilaterals.'));
    return;
  }
  const bilaterals = await api<Bilateral[]>('/bilaterals');
  const rows: HTMLElement[] = [];
  const decisions: HTMLElement[] = [];
  for (const b of bilaterals) {
    const { seller, buyer } = b.agreement.genesis;
    const counterparty = seller.id === session.me!.party ? buyer.id : seller.id;
    const detail = await api<{ heads?: unknown }>(`/bilaterals/${b.id}`);
    const evidence = await api<unknown[] | { refused?: unknown[] }>(`/bilaterals/${b.id}/evidence`).catch(
      () => [],
    );
    const refused = Array.isArray(evidence) ? evidence.length : (evidence.refused?.length ?? 0);
    const disputes = await api<{ id: string; state: string; entry: { author: string } }[]>(
      `/bilaterals/${b.id}/disputes`,
    ).catch(() => []);
    const open = disputes.filter((d) => d.state === 'raised' || d.state === 'escalated');
    for (const d of open) {
      const withUs = d.entry.author !== session.me!.party;
      decisions.push(
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/disputes/${b.id}` },
            `Dispute ${d.id} ${withUs ? `raised by ${counterparty}: answer it` : `raised with ${counterparty}: awaiting their answer`}${d.state === 'escalated' ? ' (escalated)' : ''}`,
          ),
        ),
      );
    }
    let amount = '—';
    if (may('invoices.read')) {
      try {
        const statement = await api<{ currency: string; totals: { open: string; disputed: string } }>(
          `/bilaterals/${b.id}/statement`,
        );
        amount = `${statement.totals.open} ${statement.currency}`;
        if (statement.totals.disputed !== '0' && statement.totals.disputed !== '0.00')
          amount += ` (disputed ${statement.totals.disputed})`;
      } catch (error) {
        amount = error instanceof ApiError ? error.code : '?';
      }
    }
    // Anchoring: the latest checkpoint's anchor, and how many wait (queued or sent; a covered one waits for nothing).
    type Anchor = { seq: number; status: string; coveredBy: number | null; finalAt: string | null };
    const anchors = await api<Anchor[]>(`/bilaterals/${b.id}/anchors`).catch(() => undefined);
    const latest = anchors?.reduce<Anchor | undefined>(
      (best, a) => (best === undefined || a.seq > best.seq ? a : best),
      undefined,
    );
    const waiting = anchors?.filter((a) => a.status !== 'mined' && a.coveredBy === null).length ?? 0;
    const anchoring =
      anchors === undefined
        ? ['muted', '—']
        : latest === undefined
          ? ['muted', 'nothing anchored yet']
          : latest.status === 'mined' && waiting === 0
            ? ['ok', `anchored to ${latest.seq}${latest.finalAt === null ? ' (confirming)' : ', final'}`]
            : ['warn', `${waiting} waiting (latest ${latest.status})`];
    const heads = (detail.heads ?? {}) as Record<string, { seq: number } | null>;
    // In sync when the counterparty's latest entry had seen our latest one; else how far it had got.
    const ours = heads[session.me!.party]?.seq ?? 0;
    const theirs = heads[counterparty]?.seq;
    let seen = 0;
    if (theirs !== undefined) {
      const [last] = await api<StoredEntry[]>(
        `/bilaterals/${b.id}/entries?author=${encodeURIComponent(counterparty)}&from=${theirs}&limit=1`,
      ).catch(() => []);
      seen = last?.entry.seen?.seq ?? 0;
    }
    if (may('invoices.read')) {
      const invoices = await api<{ period: string; status: string }[]>(`/bilaterals/${b.id}/invoices`).catch(
        () => [],
      );
      for (const i of invoices.filter((x) => x.status === 'pending')) {
        decisions.push(
          h(
            'li',
            {},
            h(
              'a',
              { href: `#/invoice/${b.id}/${i.period}` },
              `Invoice ${i.period} with ${counterparty} awaits acceptance`,
            ),
          ),
        );
      }
    }
    const health =
      refused > 0
        ? ['bad', `${refused} refused entr${refused === 1 ? 'y' : 'ies'}`]
        : seen >= ours
          ? ['ok', 'in sync']
          : ['warn', `unconfirmed: ${counterparty} has confirmed ${seen} of our ${ours} entries`];
    rows.push(
      h(
        'tr',
        {},
        h('td', {}, h('a', { href: `#/record/${b.id}` }, b.agreement.terms?.id ?? b.id.slice(0, 12))),
        h('td', {}, counterparty),
        h('td', {}, b.role ?? ''),
        h('td', { class: health[0] }, health[1]),
        h('td', { class: anchoring[0] }, anchoring[1]),
        h('td', { class: 'num' }, amount),
        h('td', { class: 'num' }, String(open.length)),
        h(
          'td',
          {},
          may('invoices.read') ? h('a', { href: `#/statement/${b.id}` }, 'Statement') : null,
          ' ',
          may('sync')
            ? h(
                'button',
                {
                  type: 'button',
                  onclick: async () => {
                    try {
                      await api(`/bilaterals/${b.id}/sync`, { method: 'POST' });
                      say(`Synchronised ${b.id.slice(0, 8)}`);
                    } catch (error) {
                      main().append(problem(error));
                    }
                  },
                },
                'Sync now',
              )
            : null,
        ),
      ),
    );
  }
  page(
    'Overview',
    h('h2', {}, 'Needs a decision today'),
    decisions.length === 0 ? h('p', {}, 'Nothing waits for a decision.') : h('ul', {}, decisions),
    h('h2', {}, 'Bilaterals'),
    table(
      `${bilaterals.length} bilateral(s) of ${session.me!.party}`,
      [
        'Bilateral',
        'Counterparty',
        'Our role',
        'Health',
        'Anchoring',
        'Open amount',
        'Open disputes',
        'Actions',
      ],
      rows,
    ),
  );
}

async function recordPage(id: string): Promise<void> {
  const entries = await api<StoredEntry[]>(`/bilaterals/${encodeURIComponent(id)}/entries?limit=100000`);
  entries.sort((a, b) => a.entry.recordedAt.localeCompare(b.entry.recordedAt));
  const anchorState = await anchorStates(id);
  const kinds = [...new Set(entries.map((e) => e.entry.kind))].sort();
  const services = [...new Set(entries.flatMap((e) => serviceOf(e.entry.body)))].sort();
  const kind = h(
    'select',
    { id: 'f-kind' },
    h('option', { value: '' }, 'all kinds'),
    kinds.map((k) => h('option', { value: k }, k)),
  ) as HTMLSelectElement;
  const service = h(
    'select',
    { id: 'f-service' },
    h('option', { value: '' }, 'all services'),
    services.map((k) => h('option', { value: k }, k)),
  ) as HTMLSelectElement;
  const from = h('input', { id: 'f-from', type: 'date' }) as HTMLInputElement;
  const to = h('input', { id: 'f-to', type: 'date' }) as HTMLInputElement;
  const count = h('p', { id: 'count', 'aria-live': 'polite' });
  const list = new VirtualList(entries.length);
  const apply = () => {
    const shown = entries.filter(
      (e) =>
        (kind.value === '' || e.entry.kind === kind.value) &&
        (service.value === '' || serviceOf(e.entry.body).includes(service.value)) &&
        (from.value === '' || e.entry.recordedAt.slice(0, 10) >= from.value) &&
        (to.value === '' || e.entry.recordedAt.slice(0, 10) <= to.value),
    );
    count.textContent = `${shown.length} of ${entries.length} entries`;
    list.show(
      shown.map((e) => [
        String(e.entry.seq),
        e.entry.kind,
        e.entry.author,
        e.entry.recordedAt.replace('T', ' ').slice(0, 19),
        e.sig === undefined ? 'unsigned' : 'signed ✓',
        anchorState(e.entry.author, e.entry.seq),
      ]),
    );
  };
  for (const control of [kind, service, from, to]) control.addEventListener('change', apply);
  page(
    'Record',
    tabs(id, `#/record/${id}`),
    h('p', {}, `Bilateral ${id}`),
    h('h2', {}, 'Services'),
    serviceLives(entries.map((e) => e.entry)),
    h('h2', {}, 'Entries'),
    h(
      'div',
      { class: 'filters', role: 'group', 'aria-label': 'Filters' },
      h('div', {}, h('label', { for: 'f-service' }, 'Service'), service),
      h('div', {}, h('label', { for: 'f-kind' }, 'Kind'), kind),
      h('div', {}, h('label', { for: 'f-from' }, 'From'), from),
      h('div', {}, h('label', { for: 'f-to' }, 'To'), to),
    ),
    count,
    list.element,
  );
  apply();
}

function serviceOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const record = body as { service?: unknown; facts?: unknown };
  const found: string[] = [];
  if (typeof record.service === 'string') found.push(record.service);
  if (Array.isArray(record.facts)) for (const f of record.facts) found.push(...serviceOf(f));
  return [...new Set(found)];
}

/**
 * Where an entry stands towards the chain: inside a co-signed checkpoint or not, and if so that
 * checkpoint's anchor (queued, sent, mined) — the first checkpoint whose head covers it.
 */
async function anchorStates(id: string): Promise<(author: string, seq: number) => string> {
  const checkpoints = await api<{ checkpoint: { heads: Record<string, { seq: number }> } }[]>(
    `/bilaterals/${encodeURIComponent(id)}/checkpoints`,
  ).catch(() => []);
  const anchors = await api<{ seq: number; status: string }[]>(
    `/bilaterals/${encodeURIComponent(id)}/anchors`,
  ).catch(() => []);
  const status = new Map(anchors.map((a) => [a.seq, a.status]));
  const points = checkpoints
    .map((c) => ({
      heads: c.checkpoint.heads,
      height: Object.values(c.checkpoint.heads).reduce((t, h) => t + h.seq, 0),
    }))
    .sort((a, b) => a.height - b.height);
  return (author, seq) => {
    const point = points.find((p) => (p.heads[author]?.seq ?? 0) >= seq);
    if (point === undefined) return 'not checkpointed';
    return `checkpoint · ${status.get(point.height) ?? 'not anchored'}`;
  };
}

let routing = 0;
async function route(refresh = false): Promise<void> {
  const hash = location.hash || '#/login';
  const mine = ++routing;
  if (hash === '#/logout') {
    live?.abort();
    setToken(null);
    session.me = undefined;
    location.hash = '#/login';
    return;
  }
  if (session.me === undefined) {
    nav('#/login');
    loginPage();
    return;
  }
  nav(hash);
  const pool = /^#\/pool\/([^/]+)$/.exec(hash)?.[1];
  const [, name, id, period] = /^#\/([a-z]+)(?:\/([0-9a-f]+)(?:\/(\d{4}-\d{2}))?)?/.exec(hash) ?? [];
  const scroll = document.querySelector('.viewport')?.scrollTop;
  try {
    if (pool !== undefined) await poolPage(decodeURIComponent(pool));
    else if (name === 'pools') await poolsPage();
    else if (name === 'netting') await nettingPage();
    else if (name === 'record' && id !== undefined) await recordPage(id);
    else if (name === 'statement' && id !== undefined) await statementPage(id);
    else if (name === 'invoices' && id !== undefined) await invoicesPage(id);
    else if (name === 'invoice' && id !== undefined && period !== undefined) await invoicePage(id, period);
    else if (name === 'disputes' && id !== undefined) await disputesPage(id);
    else if (name === 'usage' && id !== undefined) await usagePage(id);
    else await overviewPage();
  } catch (error) {
    if (mine !== routing) return;
    page('Something went wrong', problem(error));
  }
  if (refresh && scroll !== undefined) {
    const viewport = document.querySelector('.viewport');
    if (viewport !== null) viewport.scrollTop = scroll;
  }
  if (!refresh) main().focus();
}

window.addEventListener('hashchange', () => void route());
if (token() === null) void route();
else void login();
