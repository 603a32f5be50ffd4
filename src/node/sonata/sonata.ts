/**
 * MEF LSO Sonata views of a bilateral's shared record (docs/sonata.md):
 * Product Ordering v10 orders become service facts, Product Inventory v7
 * products are the services as the facts say. Nothing is kept outside the
 * record: every view is computed from the fact entries, so both nodes answer
 * the same. Sonata ids map to the record deterministically: a product order
 * is minted once and kept in its facts' `ext` (`PO-<digest>`), an added product
 * is the service `<order>.<item>`.
 */
import { createHash } from 'node:crypto';
import type { Fact } from '../../core/index.ts';
import { FACT_KINDS } from '../../kinds/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Facts } from '../facts/facts.ts';
import { bad, instant, isObject, text } from './input.ts';

/** The `productConfiguration['@type']` an added item carries: the plan and term of the agreed offering. */
export const PLAN_CONFIGURATION = 'urn:smart-bilaterals:sonata:plan';

type Json = Record<string, unknown>;

interface Located {
  readonly ref: string;
  readonly hash: string;
  readonly author: string;
  readonly seq: number;
  readonly fact: Fact;
}

export interface SonataContact {
  readonly name: string;
  readonly emailAddress: string;
  readonly number: string;
  readonly role: string;
}

const ITEM_ID = /^[A-Za-z0-9_-]{1,40}$/;

/** The ledger reference a Sonata resource carries (an extension the spec's open objects allow). */
function ledgerRef(at: Located): Json {
  return { entry: at.ref, hash: at.hash };
}

export class Sonata {
  readonly #core: NodeCore;
  readonly #facts: Facts;
  #minted = 0;

  constructor(core: NodeCore, facts: Facts) {
    this.#core = core;
    this.#facts = facts;
  }

  /** Every fact of bilateral `id` with where it is on the record. */
  async #located(id: string): Promise<Located[]> {
    await this.#core.context(id);
    const entries = await this.#core.store.listEntries(id, { kinds: FACT_KINDS });
    const out: Located[] = [];
    for (const held of entries) {
      const { author, seq, kind, body } = held.signed.entry;
      const list = kind === 'fact' ? [body as unknown as Fact] : (body as unknown as { facts: Fact[] }).facts;
      list.forEach((fact, i) => {
        const ref = kind === 'fact' ? `${author}/${seq}` : `${author}/${seq}#${i}`;
        out.push({ ref, hash: held.hash, author, seq, fact });
      });
    }
    return out;
  }

  /** Creates a product order (the Buyer's OSS): its items become service facts in one entry. */
  async createOrder(id: string, body: unknown): Promise<Json> {
    if (!isObject(body)) bad('', 'expected a ProductOrder_Create object');
    const contact = contactOf(body.relatedContactInformation);
    const externalId = body.externalId === undefined ? undefined : text(body.externalId, 'externalId');
    const items = body.productOrderItem;
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
      bad('productOrderItem', 'expected 1 to 100 items');
    }
    const now = this.#core
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const seen = new Set<string>();
    const drafts: { item: string; action: string; build: (order: string) => Json }[] = [];
    items.forEach((raw: unknown, i: number) => {
      const path = `productOrderItem[${i}]`;
      if (!isObject(raw)) bad(path, 'expected an object');
      const item = text(raw.id, `${path}.id`, 40);
      if (!ITEM_ID.test(item)) bad(`${path}.id`, 'expected letters, digits, _ or -, at most 40');
      if (seen.has(item)) bad(`${path}.id`, 'expected item ids unique within the order');
      seen.add(item);
      const product = raw.product;
      if (!isObject(product)) bad(`${path}.product`, 'expected a product');
      const at =
        raw.requestedCompletionDate === undefined
          ? now
          : instant(raw.requestedCompletionDate, `${path}.requestedCompletionDate`);
      const ext = (order: string): Json => ({
        sonata: {
          order,
          item,
          ...(externalId === undefined ? {} : { externalId }),
          contact: { ...contact },
        },
      });
      const configuration = product.productConfiguration;
      const plan = (): string => {
        if (!isObject(configuration) || configuration['@type'] !== PLAN_CONFIGURATION) {
          bad(`${path}.product.productConfiguration.@type`, `expected '${PLAN_CONFIGURATION}'`);
        }
        return text(configuration.plan, `${path}.product.productConfiguration.plan`, 60);
      };
      switch (raw.action) {
        case 'add': {
          if (product.id !== undefined) bad(`${path}.product.id`, 'must not be given when the action is add');
          const offering = product.productOffering;
          if (!isObject(offering)) bad(`${path}.product.productOffering`, 'expected the agreed offering');
          const offeringId = text(offering.id, `${path}.product.productOffering.id`, 60);
          const p = plan();
          const term = (configuration as Json).termMonths;
          if (typeof term !== 'number' || !Number.isInteger(term) || term < 1 || term > 600) {
            bad(
              `${path}.product.productConfiguration.termMonths`,
              'expected a whole number of months, 1 to 600',
            );
          }
          drafts.push({
            item,
            action: 'add',
            build: (order) => ({
              type: 'service.ordered',
              service: `${order}.${item}`,
              offering: offeringId,
              plan: p,
              termMonths: term,
              at: now,
              ext: ext(order),
            }),
          });
          break;
        }
        case 'modify': {
          const service = text(product.id, `${path}.product.id`, 120);
          const p = plan();
          drafts.push({
            item,
            action: 'modify',
            build: (order) => ({ type: 'service.modified', service, plan: p, at, ext: ext(order) }),
          });
          break;
        }
        case 'delete': {
          const service = text(product.id, `${path}.product.id`, 120);
          drafts.push({
            item,
            action: 'delete',
            build: (order) => ({ type: 'service.terminated', service, at, ext: ext(order) }),
          });
          break;
        }
        default:
          bad(`${path}.action`, "expected 'add', 'modify' or 'delete'");
      }
    });
    // The order id is minted once, here, and kept in each of its facts' `ext`: every view reads it from
    // the record. It digests the bilateral, this party, the instant and the request, with a counter.
    this.#minted += 1;
    const digest = createHash('sha256')
      .update(JSON.stringify([id, this.#core.party, now, this.#minted, body]))
      .digest('hex');
    const order = `PO-${digest.slice(0, 20)}`;
    await this.#facts.recordMany(
      id,
      drafts.map((d) => d.build(order)),
      'replicated',
    );
    return this.order(id, order);
  }

  /** Every product order on the record of bilateral `id`. */
  async orders(id: string): Promise<Json[]> {
    const located = await this.#located(id);
    const ids = new Set<string>();
    for (const at of located) {
      const s = sonataOf(at.fact);
      if (s !== undefined && s.complete !== true) ids.add(s.order);
    }
    return [...ids].map((order) => this.#orderView(id, order, located)!);
  }

  async order(id: string, order: string): Promise<Json> {
    const view = this.#orderView(id, order, await this.#located(id));
    if (view === undefined) throw new NodeError('SONATA_NOT_FOUND', `no product order ${order}`);
    return view;
  }

  #orderView(id: string, order: string, located: readonly Located[]): Json | undefined {
    const corrected = correctedRefs(located);
    const placed = located.filter((l) => {
      const s = sonataOf(l.fact);
      return s?.order === order && s.complete !== true && !corrected.has(l.ref);
    });
    if (placed.length === 0) return undefined;
    // An added item is completed by its service's activation, however it was recorded.
    const activation = (service: string) =>
      located.find(
        (d) =>
          d.fact.type === 'service.activated' && d.fact.service === service && d.fact.corrects === undefined,
      );
    const first = sonataOf(placed[0]!.fact)!;
    // An order recorded without Sonata names no contact: the party that recorded it stands in.
    const contact = first.contact ?? {
      name: placed[0]!.author,
      emailAddress: '',
      number: '',
      role: 'productOrderContact',
    };
    const items = placed.map((l) => {
      const s = sonataOf(l.fact)!;
      const completion = l.fact.type === 'service.ordered' ? activation(l.fact.service) : l;
      const action =
        l.fact.type === 'service.ordered' ? 'add' : l.fact.type === 'service.modified' ? 'modify' : 'delete';
      const product: Json = { id: (l.fact as { service: string }).service };
      if (l.fact.type === 'service.ordered') {
        product.productOffering = { id: l.fact.offering };
        product.productConfiguration = {
          '@type': PLAN_CONFIGURATION,
          plan: l.fact.plan,
          termMonths: l.fact.termMonths,
        };
      } else if (l.fact.type === 'service.modified') {
        product.productConfiguration = { '@type': PLAN_CONFIGURATION, plan: l.fact.plan };
      }
      const state =
        s.cancelled !== undefined ? 'cancelled' : completion === undefined ? 'inProgress' : 'completed';
      return {
        id: s.item,
        action,
        product,
        state,
        ...(state === 'completed' ? { completionDate: (completion!.fact as { at: string }).at } : {}),
        ledgerRef: ledgerRef(completion ?? l),
      };
    });
    const complete = items.every((i) => i.state === 'completed');
    const cancelled = items.every((i) => i.state === 'cancelled');
    const dates = items.map((i) => (i as { completionDate?: string }).completionDate ?? '').sort();
    const cancellation = sonataOf(placed[0]!.fact)?.cancelled;
    return {
      id: order,
      href: `/bilaterals/${id}/mefApi/sonata/productOrderingManagement/v10/productOrder/${order}`,
      ...(first.externalId === undefined ? {} : { externalId: first.externalId }),
      orderDate: factAt(placed[0]!.fact),
      state: complete ? 'completed' : cancelled ? 'cancelled' : 'inProgress',
      ...(complete ? { completionDate: dates[dates.length - 1] } : {}),
      ...(cancelled && cancellation !== undefined
        ? {
            cancellationDate: cancellation.at,
            cancellationReason: cancellation.reason ?? cancellation.reasonType,
          }
        : {}),
      relatedContactInformation: [contact],
      productOrderItem: items,
      ledgerRef: ledgerRef(placed[0]!),
    };
  }

  /** The Seller's fulfilment completes an added item: the service is activated at `at`. */
  async completeItem(id: string, order: string, item: string, body: unknown): Promise<Json> {
    const context = await this.#core.context(id);
    if (context.seller !== this.#core.party) {
      throw new NodeError('SONATA_SELLER_ONLY', 'only the Seller completes a product order item');
    }
    const at =
      isObject(body) && body.completionDate !== undefined
        ? instant(body.completionDate, 'completionDate')
        : this.#core
            .now()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z');
    const view = await this.order(id, order);
    const found = (view.productOrderItem as Json[]).find((i) => i.id === item);
    if (found === undefined)
      throw new NodeError('SONATA_NOT_FOUND', `no item ${item} in product order ${order}`);
    if (found.state === 'completed')
      throw new NodeError('SONATA_CONFLICT', `item ${item} is already completed`);
    if (found.state === 'cancelled') throw new NodeError('SONATA_CONFLICT', `item ${item} was cancelled`);
    await this.#facts.recordMany(
      id,
      [
        {
          type: 'service.activated',
          service: (found.product as Json).id as string,
          at,
          ext: { sonata: { order, item, complete: true } },
        },
      ],
      'replicated',
    );
    return this.order(id, order);
  }

  /**
   * Trouble Ticket & Incident v4: every outage fact is an incident, its id the
   * fact's place on the record (`<author>.<seq>` or `<author>.<seq>.<i>`); a
   * maintenance outage is a `maintenance` incident, any other a `repair`.
   */
  async incidents(id: string): Promise<Json[]> {
    const located = await this.#located(id);
    return located.filter((l) => l.fact.type === 'outage').map((l) => incidentView(id, l));
  }

  async incident(id: string, incident: string): Promise<Json> {
    const found = (await this.#located(id)).find(
      (l) => l.fact.type === 'outage' && incidentId(l) === incident,
    );
    if (found === undefined) throw new NodeError('SONATA_NOT_FOUND', `no incident ${incident}`);
    return incidentView(id, found);
  }

  /**
   * `cancelProductOrder`: the party that placed an order cancels it while
   * none of its items is completed. Nothing is deleted from the record: each
   * item's `service.ordered` fact is corrected by the same fact with the
   * cancellation in its `ext` (rating is unchanged — a service never
   * activated costs nothing), and the order, its items and its products read
   * `cancelled`. The cancellation's id is `CPO-<order>`.
   */
  async cancelOrder(id: string, body: unknown): Promise<Json> {
    if (!isObject(body)) bad('', 'expected a CancelProductOrder_Create object');
    if (!isObject(body.productOrder)) bad('productOrder', 'expected {productOrderId} of the product order');
    const order = text(body.productOrder.productOrderId, 'productOrder.productOrderId', 60);
    const contact = contactOf(body.relatedContactInformation);
    const type = body.cancellationReasonType ?? 'commercial';
    if (type !== 'technical' && type !== 'commercial') {
      bad('cancellationReasonType', "expected 'technical' or 'commercial'");
    }
    const reason =
      body.cancellationReason === undefined
        ? undefined
        : text(body.cancellationReason, 'cancellationReason', 1000);
    const located = await this.#located(id);
    const view = this.#orderView(id, order, located);
    if (view === undefined) throw new NodeError('SONATA_NOT_FOUND', `no product order ${order}`);
    const items = view.productOrderItem as Json[];
    if (view.state === 'cancelled')
      throw new NodeError('SONATA_UNPROCESSABLE', `product order ${order} is cancelled already`);
    if (items.some((i) => i.action !== 'add' || i.state !== 'inProgress')) {
      throw new NodeError(
        'SONATA_UNPROCESSABLE',
        `product order ${order} cannot be cancelled: only an order of added items none of which is completed can`,
      );
    }
    const corrected = correctedRefs(located);
    const originals = located.filter(
      (l) => l.fact.type === 'service.ordered' && sonataOf(l.fact)?.order === order && !corrected.has(l.ref),
    );
    if (originals.some((l) => l.author !== this.#core.party)) {
      throw new NodeError(
        'SONATA_UNPROCESSABLE',
        `product order ${order} is cancelled on the node of the party that placed it`,
      );
    }
    const cancelled: Cancellation = {
      at: this.#core
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      reasonType: type,
      ...(reason === undefined ? {} : { reason }),
    };
    await this.#facts.recordMany(
      id,
      originals.map((l) => {
        const ext = (l.fact.ext ?? {}) as Json;
        const sonata = sonataOf(l.fact)!;
        return {
          ...l.fact,
          corrects: l.ref,
          ext: {
            ...ext,
            sonata: {
              ...(ext.sonata as Json | undefined),
              order: sonata.order,
              item: sonata.item,
              cancelled,
              cancelContact: { ...contact },
            },
          },
        };
      }),
      'replicated',
    );
    return this.cancellation(id, `CPO-${order}`);
  }

  /** Every cancellation on the record (`CancelProductOrder_Find`), from one read of it. */
  async cancellations(id: string): Promise<Json[]> {
    const located = await this.#located(id);
    const orders = new Set(located.flatMap((l) => sonataOf(l.fact)?.order ?? []));
    return [...orders]
      .filter((order) => this.#orderView(id, order, located)?.state === 'cancelled')
      .flatMap((order) => {
        const c = this.#cancellationView(id, `CPO-${order}`, located);
        return c === undefined
          ? []
          : [
              {
                id: c.id,
                cancellationReasonType: c.cancellationReasonType,
                productOrder: c.productOrder,
                state: c.state,
              },
            ];
      });
  }

  async cancellation(id: string, cancellation: string): Promise<Json> {
    const view = this.#cancellationView(id, cancellation, await this.#located(id));
    if (view === undefined) throw new NodeError('SONATA_NOT_FOUND', `no cancellation ${cancellation}`);
    return view;
  }

  #cancellationView(id: string, cancellation: string, located: readonly Located[]): Json | undefined {
    const order = cancellation.startsWith('CPO-') ? cancellation.slice(4) : '';
    const corrected = correctedRefs(located);
    const found = located.find((l) => {
      const s = sonataOf(l.fact);
      return s?.order === order && s.cancelled !== undefined && !corrected.has(l.ref);
    });
    const ext = found === undefined ? undefined : sonataOf(found.fact);
    const c = ext?.cancelled;
    if (found === undefined || c === undefined) return undefined;
    const base = `/bilaterals/${id}/mefApi/sonata/productOrderingManagement/v10`;
    return {
      id: cancellation,
      href: `${base}/cancelProductOrder/${cancellation}`,
      productOrder: { productOrderId: order, productOrderHref: `${base}/productOrder/${order}` },
      state: 'done',
      cancellationReasonType: c.reasonType,
      ...(c.reason === undefined ? {} : { cancellationReason: c.reason }),
      relatedContactInformation: ext?.cancelContact === undefined ? [] : [ext.cancelContact],
      ledgerRef: ledgerRef(found),
    };
  }

  /**
   * Not in the spec (the Seller's monitoring creates incidents): the Seller's
   * systems report a closed incident, which becomes an `outage` fact of its
   * product — `maintenance` when `incidentType` says so, a repair otherwise.
   */
  async createIncident(id: string, body: unknown): Promise<Json> {
    const context = await this.#core.context(id);
    if (context.seller !== this.#core.party) {
      throw new NodeError('SONATA_SELLER_ONLY', 'only the Seller reports an incident');
    }
    if (!isObject(body)) bad('', 'expected an incident');
    const type = body.incidentType;
    if (type !== 'maintenance' && type !== 'repair')
      bad('incidentType', "expected 'maintenance' or 'repair'");
    const related = body.relatedEntity;
    const product = Array.isArray(related)
      ? related.find((r) => isObject(r) && r['@referredType'] === 'Product')
      : undefined;
    if (!isObject(product)) bad('relatedEntity', "expected an entity of '@referredType' 'Product'");
    const service = text(product.id, 'relatedEntity.id', 120);
    const from = instant(body.situationStartDate, 'situationStartDate');
    const to = instant(body.closedDate, 'closedDate');
    const externalId = body.externalId === undefined ? undefined : text(body.externalId, 'externalId');
    const { refs } = await this.#facts.recordMany(
      id,
      [
        {
          type: 'outage',
          service,
          from,
          to,
          maintenance: type === 'maintenance',
          ...(externalId === undefined ? {} : { ext: { sonata: { incident: externalId } } }),
        },
      ],
      'replicated',
    );
    return this.incident(id, refs[0]!.replace('/', '.').replace('#', '.'));
  }

  /** Each service's product order and item, from its `service.ordered` fact. */
  async orderItems(id: string): Promise<Map<string, { order: string; item: string }>> {
    const out = new Map<string, { order: string; item: string }>();
    for (const l of await this.#located(id)) {
      if (l.fact.type !== 'service.ordered' || l.fact.corrects !== undefined || out.has(l.fact.service))
        continue;
      const s = sonataOf(l.fact);
      if (s !== undefined) out.set(l.fact.service, { order: s.order, item: s.item });
    }
    return out;
  }

  /** Product Inventory: every service on the record, as its facts say. */
  async products(id: string): Promise<Json[]> {
    const located = await this.#located(id);
    const services = new Set<string>();
    for (const l of located) if (l.fact.type === 'service.ordered') services.add(l.fact.service);
    return [...services].map((s) => productView(id, s, located));
  }

  async product(id: string, service: string): Promise<Json> {
    const located = await this.#located(id);
    if (!located.some((l) => l.fact.type === 'service.ordered' && l.fact.service === service)) {
      throw new NodeError('SONATA_NOT_FOUND', `no product ${service}`);
    }
    return productView(id, service, located);
  }
}

/** The first of a request's `relatedContactInformation`, the one kept on the record. */
function contactOf(contacts: unknown): SonataContact {
  if (!Array.isArray(contacts) || contacts.length === 0) {
    bad('relatedContactInformation', 'expected at least one contact');
  }
  const first = contacts[0];
  if (!isObject(first)) bad('relatedContactInformation[0]', 'expected an object');
  return {
    name: text(first.name, 'relatedContactInformation[0].name'),
    emailAddress: text(first.emailAddress, 'relatedContactInformation[0].emailAddress'),
    number: text(first.number, 'relatedContactInformation[0].number', 40),
    role: text(first.role, 'relatedContactInformation[0].role', 60),
  };
}

/** What a cancelled order's items carry in `ext.sonata.cancelled` (its contact in `ext.sonata.cancelContact`). */
interface Cancellation {
  readonly at: string;
  readonly reasonType: 'technical' | 'commercial';
  readonly reason?: string;
}

const corrections = new WeakMap<readonly Located[], Set<string>>();

/**
 * The refs of facts a later fact corrects: each view uses the latest version
 * of a fact. Computed once per read of the record (views of every order and
 * product of one read share it).
 */
function correctedRefs(located: readonly Located[]): Set<string> {
  let refs = corrections.get(located);
  if (refs === undefined) {
    refs = new Set(located.flatMap((l) => (l.fact.corrects === undefined ? [] : [l.fact.corrects])));
    corrections.set(located, refs);
  }
  return refs;
}

interface SonataExt {
  readonly order: string;
  readonly item: string;
  readonly externalId?: string;
  readonly contact?: SonataContact;
  readonly complete?: boolean;
  readonly cancelled?: Cancellation;
  readonly cancelContact?: SonataContact;
}

/**
 * The Sonata ids of a fact: those its `ext` carries when it was recorded
 * through Sonata; a `service.ordered` fact recorded otherwise is order
 * `PO-<service>` of one item `1`, so every service on the record has its order.
 */
function sonataOf(fact: Fact): SonataExt | undefined {
  const s = (fact.ext as { sonata?: unknown } | undefined)?.sonata;
  if (isObject(s) && typeof s.order === 'string' && typeof s.item === 'string')
    return s as unknown as SonataExt;
  if (fact.type === 'service.ordered' && fact.corrects === undefined)
    return { order: `PO-${fact.service}`, item: '1' };
  return undefined;
}

function factAt(fact: Fact): string {
  return (fact as { at?: string }).at ?? '';
}

function productView(id: string, service: string, located: readonly Located[]): Json {
  const own = located.filter(
    (l) => 'service' in l.fact && l.fact.service === service && l.fact.corrects === undefined,
  );
  const ordered = own.find((l) => l.fact.type === 'service.ordered')!;
  const o = ordered.fact as Extract<Fact, { type: 'service.ordered' }>;
  const activated = own.find((l) => l.fact.type === 'service.activated');
  const terminated = own.find((l) => l.fact.type === 'service.terminated');
  let plan = o.plan;
  for (const l of own) if (l.fact.type === 'service.modified') plan = l.fact.plan;
  const corrected = correctedRefs(located);
  const cancelled = located.some(
    (l) =>
      l.fact.type === 'service.ordered' &&
      l.fact.service === service &&
      !corrected.has(l.ref) &&
      sonataOf(l.fact)?.cancelled !== undefined,
  );
  const status = cancelled
    ? 'cancelled'
    : terminated !== undefined
      ? 'terminated'
      : activated !== undefined
        ? 'active'
        : 'pendingActive';
  const s = sonataOf(o);
  return {
    id: service,
    href: `/bilaterals/${id}/mefApi/sonata/productInventory/v7/product/${service}`,
    status,
    productOffering: { id: o.offering },
    productConfiguration: { '@type': PLAN_CONFIGURATION, plan, termMonths: o.termMonths },
    ...(activated === undefined ? {} : { startDate: factAt(activated.fact) }),
    ...(terminated === undefined ? {} : { terminationDate: factAt(terminated.fact) }),
    ...(s === undefined
      ? {}
      : { productOrderItem: [{ productOrderId: s.order, productOrderItemId: s.item }] }),
    ledgerRef: ledgerRef(activated ?? ordered),
  };
}

function incidentId(l: Located): string {
  return l.ref.replace('/', '.').replace('#', '.');
}

function incidentView(id: string, l: Located): Json {
  const o = l.fact as Extract<Fact, { type: 'outage' }>;
  return {
    id: incidentId(l),
    href: `/bilaterals/${id}/mefApi/sonata/troubleTicket/v4/incident/${incidentId(l)}`,
    description: `outage of ${o.service} from ${o.from} to ${o.to}${o.maintenance === true ? ' (maintenance)' : ''}`,
    creationDate: o.from,
    situationStartDate: o.from,
    closedDate: o.to,
    status: 'closed',
    incidentType: o.maintenance === true ? 'maintenance' : 'repair',
    impact: 'down',
    priority: 'high',
    severity: 'significant',
    relatedEntity: [{ '@referredType': 'Product', id: o.service, role: 'impactedProduct' }],
    relatedContactInformation: [{ name: l.author, emailAddress: '', number: '', role: 'sellerContact' }],
    ledgerRef: ledgerRef(l),
  };
}
