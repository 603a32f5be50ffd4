/**
 * Notifications: each party learns of every new fact, payment, invoice,
 * note and answer concerning it — an event feed (`GET /events?after=`) and
 * webhooks after the MEF hub/listener pattern (`POST /hub {callback,
 * query}`), each delivery HMAC-signed and delivered at least once.
 *
 * Design rationale:
 * - Events are derived from the entries the node holds, one per entry, in
 *   the order the node came to hold them: the entries are the durable
 *   record, so the outbox is the event table plus each subscription's
 *   cursor (the last event delivered). A crash at any moment loses nothing:
 *   entries not yet derived are derived at the next look (the unique key
 *   per entry keeps a second derivation from doubling one), and a delivery
 *   not yet recorded as done is made again (at least once; receivers
 *   deduplicate by `x-sb-delivery`).
 * - Derivation runs when the feed is read, when entries arrive from the
 *   counterparty and on the node's schedule; delivery runs on the schedule
 *   (`--notify-interval`), in event order per subscription, one event per
 *   request as a MEF listener takes them. A failing callback backs off
 *   (1 s doubling to 5 min) and resumes where it stopped.
 * - The body is signed with the subscription's secret (HMAC-SHA256, hex, in
 *   `x-sb-signature: sha256=…`), shown once when subscribing.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type Fact, formatInstant } from '../../core/index.ts';
import { entryKinds, type InvoiceIssuedBody, type NoteIssuedBody } from '../../kinds/index.ts';
import type { EventInput, EventRecord, StoredEntry, SubscriptionRecord } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { SerialQueue } from '../core/serial.ts';
import { NodeError } from '../errors.ts';

/** The event types, one per entry kind (a fact entry of payments only is `payment.recorded`). */
export const EVENT_TYPES = [
  'fact.recorded',
  'payment.recorded',
  'invoice.issued',
  'invoice.accepted',
  'invoice.rejected',
  'note.issued',
  'note.accepted',
  'note.rejected',
  'usage.batch',
  'key.rotated',
  'dispute.raised',
  'dispute.accepted',
  'dispute.rejected',
  'payment.received',
  'payment.missing',
  'netting.settled',
  'invoice.assigned',
  'invoice.assignment.acknowledged',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A subscription as it is shown (never its secret). */
export type SubscriptionView = Omit<SubscriptionRecord, 'secret'>;

/** One listener call an event makes in a format: `path` is appended to the callback. */
export interface FormattedDelivery {
  readonly path: string;
  /** Names the call to the receiver (the `x-sb-event` header). */
  readonly type: string;
  readonly body: string;
  /** Stable across retries, for the receiver to deduplicate (the `x-sb-delivery` header). */
  readonly id: string;
}

/**
 * A delivery format (a Sonata hub's, src/node/sonata/hub.ts): the listener
 * calls one event makes for a subscription, in order; none when the
 * subscription does not take that event.
 */
export type NotificationFormat = (
  subscription: SubscriptionRecord,
  event: EventRecord,
) => Promise<readonly FormattedDelivery[]>;

export interface SubscribeRequest {
  readonly callback: unknown;
  readonly query?: unknown;
  /** A registered format and the event names it delivers (set by the capability that owns the format). */
  readonly format?: { readonly name: string; readonly events: readonly string[] };
  /** The credential subscribing. */
  readonly createdBy: string;
  /** A scoped credential's bilaterals: the subscription sees only these. */
  readonly scope?: readonly string[];
}

const MAX_BACKOFF_MS = 300_000;
const PER_ROUND = 100;
const DELIVERY_TIMEOUT_MS = 10_000;

export class Notifications {
  readonly #core: NodeCore;
  readonly #fetch: typeof fetch;
  readonly #serial = new SerialQueue();
  /** Per stream, the last entry seq with an event (from the store on the first look, then kept here). */
  #heads: Map<string, number> | undefined;
  readonly #formats = new Map<string, NotificationFormat>();

  constructor(core: NodeCore, options: { fetch?: typeof fetch } = {}) {
    this.#core = core;
    this.#fetch = options.fetch ?? fetch;
    for (const kind of entryKinds)
      core.onReceived(kind, () => core.schedule(async () => void (await this.derive())));
  }

  /** Lets subscriptions of format `name` be delivered by `format` (a capability registers its own at start). */
  registerFormat(name: string, format: NotificationFormat): void {
    this.#formats.set(name, format);
  }

  /** Derives the events of every entry stored since the last look; answers how many are new. */
  derive(): Promise<number> {
    return this.#serial.run('derive', () => this.#derive());
  }

  async #derive(): Promise<number> {
    const store = this.#core.store;
    // Read once, then kept: a grouped scan of every event on each delivery round grew with the feed.
    this.#heads ??= await store.eventHeads();
    const heads = this.#heads;
    let added = 0;
    for (const record of await store.listBilaterals()) {
      const { seller, buyer } = record.agreement.genesis;
      const fresh: StoredEntry[] = [];
      for (const author of [seller.id, buyer.id]) {
        const after = heads.get(`${record.id}\n${author}`) ?? 0;
        fresh.push(...(await store.listEntries(record.id, { author, fromSeq: after + 1 })));
      }
      // In the order this node came to hold them (each stream keeps its own order).
      fresh.sort(
        (a, b) =>
          a.receivedAt.localeCompare(b.receivedAt) ||
          (a.signed.entry.author === b.signed.entry.author ? a.signed.entry.seq - b.signed.entry.seq : 0),
      );
      if (fresh.length === 0) continue;
      // Announced (webhooks, the feed) only once on disk: a commit is readable a moment before its fsync ends.
      await store.durable();
      added += await store.appendEvents(fresh.map(eventOf));
      for (const { signed } of fresh) {
        const stream = `${record.id}\n${signed.entry.author}`;
        if (signed.entry.seq > (heads.get(stream) ?? 0)) heads.set(stream, signed.entry.seq);
      }
    }
    return added;
  }

  /** The feed: events after `after`, of the given types and bilaterals, derived up to now. */
  async feed(query: {
    after?: number;
    limit?: number;
    types?: readonly string[];
    bilaterals?: readonly string[];
  }): Promise<EventRecord[]> {
    if (query.types !== undefined) for (const t of query.types) eventType(t, 'types');
    await this.derive();
    return this.#core.store.listEvents({
      limit: query.limit ?? 100,
      ...(query.after === undefined ? {} : { after: query.after }),
      ...(query.types === undefined ? {} : { types: query.types }),
      ...(query.bilaterals === undefined ? {} : { bilaterals: query.bilaterals }),
    });
  }

  /** Adds a webhook; its secret is in the answer and nowhere else shown. Delivery starts after the last event now. */
  async subscribe(request: SubscribeRequest): Promise<{ subscription: SubscriptionView; secret: string }> {
    const callback = callbackOf(request.callback);
    const query = {
      ...queryOf(request.query, request.scope),
      ...(request.format === undefined
        ? {}
        : { format: request.format.name, events: [...request.format.events] }),
    };
    if (request.format !== undefined && !this.#formats.has(request.format.name)) {
      throw new Error(`no notification format ${request.format.name}`);
    }
    await this.derive();
    const now = this.#core.now().toISOString();
    const secret = randomBytes(32).toString('base64url');
    const record: SubscriptionRecord = {
      id: `sub_${randomBytes(9).toString('base64url')}`,
      callback,
      query,
      secret,
      createdAt: now,
      createdBy: request.createdBy,
      cursor: await this.#core.store.lastEventSeq(),
      failures: 0,
      nextAt: now,
      lastError: null,
    };
    await this.#core.store.putSubscription(record);
    return { subscription: view(record), secret };
  }

  async subscriptions(scope?: readonly string[]): Promise<SubscriptionView[]> {
    const all = (await this.#core.store.listSubscriptions()).map(view);
    if (scope === undefined) return all;
    return all.filter((s) => s.query.bilaterals?.every((b) => scope.includes(b)) === true);
  }

  async unsubscribe(id: string, scope?: readonly string[]): Promise<void> {
    const visible = await this.subscriptions(scope);
    if (!visible.some((s) => s.id === id) || !(await this.#core.store.deleteSubscription(id))) {
      throw new NodeError('NOT_FOUND', `no subscription ${id}`);
    }
  }

  /** Delivers what each due subscription has not had yet; answers how many events were delivered. */
  deliver(): Promise<number> {
    return this.#serial.run('deliver', async () => {
      await this.derive();
      let delivered = 0;
      const now = this.#core.now().getTime();
      for (const subscription of await this.#core.store.listSubscriptions()) {
        if (Date.parse(subscription.nextAt) > now) continue;
        delivered += await this.#deliverTo(subscription);
      }
      return delivered;
    });
  }

  async #deliverTo(subscription: SubscriptionRecord): Promise<number> {
    const store = this.#core.store;
    const events = await store.listEvents({
      after: subscription.cursor,
      limit: PER_ROUND,
      ...(subscription.query.types === undefined ? {} : { types: subscription.query.types }),
      ...(subscription.query.bilaterals === undefined ? {} : { bilaterals: subscription.query.bilaterals }),
    });
    let cursor = subscription.cursor;
    for (const event of events) {
      const error = await this.#send(subscription, event);
      if (error !== undefined) {
        const failures = subscription.failures + 1;
        const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures - 1, 20));
        await store.updateSubscription(subscription.id, {
          cursor,
          failures,
          nextAt: formatInstant(this.#core.now().getTime() + wait),
          lastError: error,
        });
        this.#core.log(`webhook ${subscription.id}: ${error}; next try in ${wait / 1000} s`);
        return events.indexOf(event);
      }
      cursor = event.seq;
      // Recorded after each delivery: a crash re-sends at most the one in flight.
      await store.updateSubscription(subscription.id, {
        cursor,
        failures: 0,
        nextAt: this.#core.now().toISOString(),
        lastError: null,
      });
    }
    return events.length;
  }

  /** Delivers one event as the subscription's format says; undefined when every call answered 2xx, else why not. */
  async #send(subscription: SubscriptionRecord, event: EventRecord): Promise<string | undefined> {
    const name = subscription.query.format;
    if (name === undefined) {
      return this.#post(subscription, {
        path: '',
        type: event.type,
        body: JSON.stringify(event),
        id: `${subscription.id}:${event.seq}`,
      });
    }
    const format = this.#formats.get(name);
    if (format === undefined) return `no notification format ${name} on this node`;
    let calls: readonly FormattedDelivery[];
    try {
      calls = await format(subscription, event);
    } catch (error) {
      return `event ${event.seq} could not be formatted: ${error instanceof Error ? error.message : String(error)}`;
    }
    // In order; a failed call stops here and the whole event is sent again (receivers deduplicate by id).
    for (const call of calls) {
      const error = await this.#post(subscription, call);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** POSTs one call; undefined when the callback answered 2xx, else why not. */
  async #post(subscription: SubscriptionRecord, call: FormattedDelivery): Promise<string | undefined> {
    const { body } = call;
    const signature = createHmac('sha256', subscription.secret).update(body).digest('hex');
    const url =
      call.path === '' ? subscription.callback : `${subscription.callback.replace(/\/+$/, '')}${call.path}`;
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: {
          'content-type':
            subscription.query.format === undefined ? 'application/json' : 'application/json;charset=utf-8',
          'x-sb-event': call.type,
          'x-sb-delivery': call.id,
          'x-sb-signature': `sha256=${signature}`,
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? undefined : `callback answered ${response.status}`;
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return `callback unreachable${cause || `: ${String(error)}`}`;
    }
  }
}

/** The HMAC a receiver computes to check a delivery: `sha256=` + hex of HMAC-SHA256(secret, body). */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function view(record: SubscriptionRecord): SubscriptionView {
  const { secret: _secret, ...rest } = record;
  return rest;
}

function eventType(value: unknown, path: string): EventType {
  if (typeof value !== 'string' || !(EVENT_TYPES as readonly string[]).includes(value)) {
    throw new NodeError('BAD_REQUEST', `${path}: expected event types among ${EVENT_TYPES.join(', ')}`);
  }
  return value as EventType;
}

function callbackOf(value: unknown): string {
  let url: URL;
  try {
    if (typeof value !== 'string' || value.length > 2048) throw new Error('not a string');
    url = new URL(value);
  } catch {
    throw new NodeError('BAD_REQUEST', 'callback: expected an http(s) URL of at most 2,048 characters');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError('BAD_REQUEST', 'callback: expected an http(s) URL of at most 2,048 characters');
  }
  if (url.username !== '' || url.password !== '') {
    throw new NodeError(
      'BAD_REQUEST',
      'callback: credentials in the URL are not kept; the signature authenticates',
    );
  }
  return url.toString();
}

function queryOf(value: unknown, scope: readonly string[] | undefined): SubscriptionRecord['query'] {
  const q = value ?? {};
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    throw new NodeError('BAD_REQUEST', 'query: expected an object');
  const { types, bilaterals, ...rest } = q as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0)
    throw new NodeError('BAD_REQUEST', `query.${extra[0]}: unexpected field (types, bilaterals)`);
  const list = (v: unknown, path: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      v.length > 100 ||
      v.some((x) => typeof x !== 'string' || x.length > 128)
    ) {
      throw new NodeError('BAD_REQUEST', `${path}: expected 1 to 100 strings`);
    }
    return v as string[];
  };
  const t = list(types, 'query.types');
  for (const [i, x] of (t ?? []).entries()) eventType(x, `query.types[${i}]`);
  let b = list(bilaterals, 'query.bilaterals');
  if (scope !== undefined) {
    if (b === undefined) b = [...scope];
    const outside = b.find((x) => !scope.includes(x));
    if (outside !== undefined) throw new NodeError('NOT_FOUND', `no bilateral ${outside}`);
  }
  return { ...(t === undefined ? {} : { types: t }), ...(b === undefined ? {} : { bilaterals: b }) };
}

/** The event an entry makes: its type and a short summary (never a whole invoice or record set). */
function eventOf(stored: StoredEntry): EventInput {
  const { bilateral, author, seq, kind, body } = stored.signed.entry;
  const base = { at: stored.receivedAt, bilateral, author, entrySeq: seq, hash: stored.hash };
  const b = body as Record<string, unknown>;
  switch (kind) {
    case 'fact':
    case 'facts': {
      const facts = kind === 'fact' ? [body as unknown as Fact] : (b.facts as Fact[]);
      const summary = facts.slice(0, 100).map((f, i) => ({
        ref: kind === 'fact' ? `${author}/${seq}` : `${author}/${seq}#${i}`,
        type: f.type,
        ...('service' in f ? { service: f.service } : {}),
        ...(f.type === 'payment' || f.type === 'usage' ? { id: f.id } : {}),
        ...(f.type === 'payment' ? { amount: f.amount } : {}),
      }));
      const type = facts.every((f) => f.type === 'payment') ? 'payment.recorded' : 'fact.recorded';
      return { ...base, type, data: { count: facts.length, facts: summary } };
    }
    case 'invoice.issued': {
      const issued = body as unknown as InvoiceIssuedBody;
      return {
        ...base,
        type: kind,
        data: {
          period: issued.period,
          total: issued.invoice.total,
          currency: issued.invoice.currency,
          invoiceHash: issued.invoiceHash,
        },
      };
    }
    case 'note.issued': {
      const note = body as unknown as NoteIssuedBody;
      return {
        ...base,
        type: kind,
        data: { period: note.period, type: note.note.type, total: note.note.total, invoice: note.invoice },
      };
    }
    case 'invoice.accepted':
    case 'invoice.rejected':
    case 'note.accepted':
    case 'note.rejected':
      return { ...base, type: kind, data: { period: b.period } };
    case 'usage.batch':
      return { ...base, type: kind, data: { count: b.count, from: b.from, to: b.to } };
    case 'dispute.raised':
      return {
        ...base,
        type: kind,
        data: {
          fact: b.fact,
          period: b.period,
          reason: b.reason,
          atStake: (b.atStake as { total?: unknown } | undefined)?.total,
        },
      };
    case 'dispute.accepted':
    case 'dispute.rejected':
      return { ...base, type: kind, data: { dispute: b.dispute } };
    case 'party.key':
      return { ...base, type: 'key.rotated', data: {} };
    case 'payment.received':
    case 'payment.missing':
      return {
        ...base,
        type: kind,
        data: { payment: b.payment, ref: b.ref, ...(b.reason === undefined ? {} : { reason: b.reason }) },
      };
    case 'netting.settled':
      return {
        ...base,
        type: kind,
        data: { agreement: b.agreement, hash: b.hash, at: b.at, items: b.items },
      };
    case 'invoice.assigned':
      return {
        ...base,
        type: kind,
        data: { period: b.period, invoiceHash: b.invoiceHash, financier: b.financier },
      };
    case 'invoice.assignment.acknowledged':
      return { ...base, type: kind, data: { period: b.period, assignment: b.assignment } };
    default:
      return { ...base, type: kind, data: {} };
  }
}
