/**
 * Sonata hub/listener notifications (docs/sonata.md): a Buyer's or Seller's
 * system registers a callback at an API's `POST hub` (`{callback, query:
 * "eventType=a,b"}`), and the node calls
 * `callback + <notification API base path> + /listener/<eventType>` with the
 * spec's event (`{eventId, eventTime, eventType, event: {id, href}}`) as the
 * record changes. Subscriptions are the node's webhooks (notifications.ts)
 * with a format of this module: delivery is at least once, in the record's
 * order, resumed after a restart, backing off while the listener fails; the
 * event id is stable across retries, so a listener deduplicates by it.
 *
 * What makes which event:
 * - ordering: a fact of a product order (ordered, modified, terminated,
 *   its item completed by the service's activation) → the item's
 *   `productOrderItemStateChangeEvent`, then the order's
 *   `productOrderStateChangeEvent`;
 * - trouble ticket: an outage fact → `incidentCreateEvent`;
 * - billing: an issued invoice → `customerBillCreateEvent`; its acceptance,
 *   and a payment, receipt or netting applied to it →
 *   `customerBillStateChangeEvent` (the state or the applied payments moved).
 */
import type { Fact } from '../../core/index.ts';
import type { EventRecord, SubscriptionRecord } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { FormattedDelivery, Notifications, SubscriptionView } from '../notifications/notifications.ts';
import type { SonataBilling } from './billing.ts';
import type { Sonata } from './sonata.ts';

type Json = Record<string, unknown>;

export type SonataApi = 'ordering' | 'troubleTicket' | 'billing';

interface ApiSpec {
  /** The management API's base path (after the bilateral's serverBase). */
  readonly base: string;
  /** The notification API's base path, appended to the callback. */
  readonly listenerBase: string;
  readonly events: readonly string[];
}

export const SONATA_HUBS: Readonly<Record<SonataApi, ApiSpec>> = {
  ordering: {
    base: 'mefApi/sonata/productOrderingManagement/v10',
    listenerBase: '/mefApi/sonata/productOrderingNotification/v10',
    events: [
      'productOrderStateChangeEvent',
      'productOrderItemStateChangeEvent',
      'cancelProductOrderStateChangeEvent',
    ],
  },
  troubleTicket: {
    base: 'mefApi/sonata/troubleTicket/v4',
    listenerBase: '/mefApi/sonata/troubleTicketNotification/v4',
    events: ['incidentCreateEvent'],
  },
  billing: {
    base: 'mefApi/sonata/customerBillManagement/v2',
    listenerBase: '/mefApi/sonata/customerBillNotification/v2',
    events: ['customerBillCreateEvent', 'customerBillStateChangeEvent'],
  },
};

const formatName = (api: SonataApi) => `sonata:${api}`;

interface Raised {
  readonly type: string;
  readonly event: Json;
}

export class SonataHub {
  readonly #core: NodeCore;
  readonly #notifications: Notifications;
  readonly #sonata: Sonata;
  readonly #billing: SonataBilling;

  constructor(core: NodeCore, notifications: Notifications, sonata: Sonata, billing: SonataBilling) {
    this.#core = core;
    this.#notifications = notifications;
    this.#sonata = sonata;
    this.#billing = billing;
    for (const api of Object.keys(SONATA_HUBS) as SonataApi[]) {
      notifications.registerFormat(formatName(api), (s, e) => this.#deliveries(api, s, e));
    }
  }

  /** `POST hub`: registers `body.callback` for the events `body.query` names (all of the API's when empty). */
  async register(
    id: string,
    api: SonataApi,
    body: unknown,
    by: { readonly createdBy: string; readonly scope?: readonly string[] },
  ): Promise<Json> {
    await this.#core.context(id);
    const spec = SONATA_HUBS[api];
    const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Json;
    const events = eventsOf(input.query, spec.events);
    const { subscription, secret } = await this.#notifications.subscribe({
      callback: input.callback,
      query: { bilaterals: [id] },
      format: { name: formatName(api), events },
      createdBy: by.createdBy,
      ...(by.scope === undefined ? {} : { scope: by.scope }),
    });
    return { ...hubView(subscription), secret };
  }

  /** `GET hub/{id}`: a subscription of this API on bilateral `id`. */
  async get(id: string, api: SonataApi, hub: string, scope?: readonly string[]): Promise<Json> {
    return hubView(await this.#find(id, api, hub, scope));
  }

  /** `DELETE hub/{id}`. */
  async remove(id: string, api: SonataApi, hub: string, scope?: readonly string[]): Promise<void> {
    await this.#find(id, api, hub, scope);
    await this.#notifications.unsubscribe(hub, scope);
  }

  async #find(id: string, api: SonataApi, hub: string, scope?: readonly string[]): Promise<SubscriptionView> {
    await this.#core.context(id);
    const found = (await this.#notifications.subscriptions(scope)).find(
      (s) => s.id === hub && s.query.format === formatName(api) && s.query.bilaterals?.includes(id) === true,
    );
    if (found === undefined) throw new NodeError('SONATA_NOT_FOUND', `no hub ${hub}`);
    return found;
  }

  async #deliveries(
    api: SonataApi,
    subscription: SubscriptionRecord,
    event: EventRecord,
  ): Promise<FormattedDelivery[]> {
    const wanted = subscription.query.events ?? SONATA_HUBS[api].events;
    const raised = (await this.#raised(api, event)).filter((r) => wanted.includes(r.type));
    return raised.map((r, i) => {
      const eventId = `${event.author}.${event.entrySeq}.${i}`;
      return {
        path: `${SONATA_HUBS[api].listenerBase}/listener/${r.type}`,
        type: r.type,
        id: `${subscription.id}:${eventId}`,
        body: JSON.stringify({ eventId, eventTime: event.at, eventType: r.type, event: r.event }),
      };
    });
  }

  /** The Sonata events of one of the node's events, for `api`. */
  async #raised(api: SonataApi, event: EventRecord): Promise<Raised[]> {
    const id = event.bilateral;
    const base = `/bilaterals/${id}/${SONATA_HUBS[api].base}`;
    if (api === 'billing') {
      const data = event.data as Json;
      const bill = (period: string, type: string) => ({
        type,
        event: { id: period, href: `${base}/customerBill/${period}` },
      });
      switch (event.type) {
        case 'invoice.issued':
          return [bill(String(data.period), 'customerBillCreateEvent')];
        case 'invoice.accepted':
          return [bill(String(data.period), 'customerBillStateChangeEvent')];
        case 'fact.recorded':
        case 'payment.recorded': {
          const ids = ((data.facts ?? []) as { type?: string; id?: string }[]).flatMap((f) =>
            f.type === 'payment' && f.id !== undefined ? [f.id] : [],
          );
          if (ids.length === 0) return [];
          const periods = await this.#billing.billsPaidBy(id, ids);
          return periods.map((p) => bill(p, 'customerBillStateChangeEvent'));
        }
        case 'payment.received':
        case 'payment.missing': {
          const periods = await this.#billing.billsPaidBy(id, [String(data.payment)]);
          return periods.map((p) => bill(p, 'customerBillStateChangeEvent'));
        }
        case 'netting.settled': {
          const periods = await this.#billing.billsPaidBy(id, [`netting-${String(data.hash).slice(0, 16)}`]);
          return periods.map((p) => bill(p, 'customerBillStateChangeEvent'));
        }
        default:
          return [];
      }
    }
    if (event.type !== 'fact.recorded') return [];
    const stored = await this.#core.store.getEntry(id, event.author, event.entrySeq);
    if (stored === undefined) return [];
    const { kind, body } = stored.signed.entry;
    const facts = kind === 'fact' ? [body as unknown as Fact] : (body as unknown as { facts: Fact[] }).facts;
    if (api === 'troubleTicket') {
      return facts.flatMap((fact, i) => {
        if (fact.type !== 'outage') return [];
        const incident =
          kind === 'fact' ? `${event.author}.${event.entrySeq}` : `${event.author}.${event.entrySeq}.${i}`;
        return [
          { type: 'incidentCreateEvent', event: { id: incident, href: `${base}/incident/${incident}` } },
        ];
      });
    }
    // Read the record's orders only for a fact recorded outside Sonata (its ext names no order).
    let orders: Map<string, { order: string; item: string }> | undefined;
    const out: Raised[] = [];
    const seen = new Set<string>();
    const add = (type: string, event: Json) => {
      const key = `${type}\n${JSON.stringify(event)}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ type, event });
      }
    };
    const touched: string[] = [];
    for (const fact of facts) {
      const ext = (fact.ext as { sonata?: { order?: unknown; item?: unknown } } | undefined)?.sonata;
      let at: { order: string; item: string } | undefined;
      if (typeof ext?.order === 'string' && typeof ext.item === 'string')
        at = { order: ext.order, item: ext.item };
      else if ('service' in fact && (fact.type === 'service.ordered' || fact.type === 'service.activated')) {
        orders ??= await this.#sonata.orderItems(id);
        at = orders.get(fact.service);
      }
      if (at === undefined) continue;
      add('productOrderItemStateChangeEvent', {
        id: at.order,
        orderItemId: at.item,
        href: `${base}/productOrder/${at.order}`,
      });
      if (!touched.includes(at.order)) touched.push(at.order);
      if (
        fact.corrects !== undefined &&
        typeof (ext as { cancelled?: unknown } | undefined)?.cancelled === 'object'
      ) {
        add('cancelProductOrderStateChangeEvent', {
          id: `CPO-${at.order}`,
          href: `${base}/cancelProductOrder/CPO-${at.order}`,
        });
      }
    }
    for (const order of touched)
      add('productOrderStateChangeEvent', { id: order, href: `${base}/productOrder/${order}` });
    return out;
  }
}

/** The event types of a hub query (`eventType=a,b`; empty: all of the API's). */
function eventsOf(query: unknown, allowed: readonly string[]): string[] {
  if (query === undefined || query === '') return [...allowed];
  if (typeof query !== 'string' || query.length > 1000) {
    throw new NodeError('SONATA_INVALID', 'query: expected "eventType=<type>[,<type>…]"');
  }
  const match = /^\s*eventType\s*=\s*([A-Za-z,\s]+)$/.exec(query);
  if (match === null) throw new NodeError('SONATA_INVALID', 'query: expected "eventType=<type>[,<type>…]"');
  const types = match[1]!
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const unknown = types.find((t) => !allowed.includes(t));
  if (unknown !== undefined || types.length === 0) {
    throw new NodeError('SONATA_INVALID', `query: event types are among ${allowed.join(', ')}`);
  }
  return [...new Set(types)];
}

function hubView(s: SubscriptionView): Json {
  return {
    id: s.id,
    callback: s.callback,
    query: `eventType=${(s.query.events ?? []).join(',')}`,
  };
}
