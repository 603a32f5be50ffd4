/**
 * The party node: wiring and lifecycle only. A small core (src/node/core:
 * the bilateral's context, the one writer of own entries, replication) with
 * capabilities registered over it, each owning its entry kinds' behaviour,
 * derived state, store queries and what its routes call:
 *
 *   peering      who is calling on the peer API, and with which key; the directory
 *   access       credentials, roles and the audit log of the owner API
 *   keys         rotation of the party's signing key
 *   bilaterals   propose, countersign, read the record
 *   facts        record facts (checked against the record)
 *   usage        import, list and reconcile usage records
 *   invoices     compute, issue, answer
 *   checkpoints  co-signed checkpoints and their anchoring
 *   proofs       self-contained proofs of entries, invoices, usage records
 *   disputes     differences between a party's own observations and the counterparty's facts
 *   notes        credit and debit notes when a period rates differently after its invoice
 *   netting      what two providers selling to each other owe, net, in one payment;
 *                settlement statements they co-sign, and multilateral rounds
 *   notifications  the event feed and the webhooks of the hub
 *   payments     the Buyer's payments with the Seller's word on each (received, missing)
 *   statements   what the Buyer owes as of a day: invoices, payments, interest, aging
 *   resources    the Seller's pools (capacity, VLANs, prefixes) and the admission of
 *                facts that draw on them, before they are signed
 *   financing    accepted invoices offered to a financier as collateral: the package
 *                a financier checks, the notice of assignment, the financier's view
 *   documents    issued invoices and notes as UBL e-invoices and printable pages, and
 *                the ERP export, from the record (read only)
 *   sonata       MEF LSO Sonata ordering, inventory, incidents, bills and their hubs,
 *                TMF635 usage and TMF676 payments, all over the shared record
 *
 * A new capability is a new folder beside these and a line here.
 */
import type { KeyPair } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import { Access } from './access/access.ts';
import { Bilaterals } from './bilaterals/bilaterals.ts';
import { Checkpoints } from './checkpoints/checkpoints.ts';
import { NodeCore, type NodeCoreOptions } from './core/node-core.ts';
import { Replication } from './core/replication.ts';
import { Disputes } from './disputes/disputes.ts';
import { Documents } from './documents/documents.ts';
import { Facts } from './facts/facts.ts';
import { Financing } from './financing/financing.ts';
import { Invoices } from './invoices/invoices.ts';
import { type KeyFile, PartyKeys } from './keys/party-keys.ts';
import { NettingAgreements } from './netting/agreements.ts';
import { Netting } from './netting/netting.ts';
import { Notes } from './notes/notes.ts';
import { Notifications } from './notifications/notifications.ts';
import { Payments } from './payments/payments.ts';
import { Peering } from './peering/peering.ts';
import { Proofs } from './proofs/proofs.ts';
import { Resources } from './resources/resources.ts';
import { SonataBilling } from './sonata/billing.ts';
import { SonataHub } from './sonata/hub.ts';
import { Sonata } from './sonata/sonata.ts';
import { TmfFinance } from './sonata/tmf.ts';
import { Statements } from './statements/statements.ts';
import { Usage } from './usage/usage-capability.ts';

export interface PartyNodeOptions extends NodeCoreOptions {
  /** Where the keys are kept, so a rotation survives a restart (the data folder's `party.json`). */
  readonly keyFile?: KeyFile;
  /** How webhooks are delivered; default the global `fetch`. */
  readonly webhookFetch?: typeof fetch;
}

export class PartyNode {
  readonly core: NodeCore;
  readonly replication: Replication;
  readonly peering: Peering;
  readonly access: Access;
  readonly keys: PartyKeys;
  readonly bilaterals: Bilaterals;
  readonly facts: Facts;
  readonly usage: Usage;
  readonly checkpoints: Checkpoints;
  readonly invoices: Invoices;
  readonly proofs: Proofs;
  readonly notes: Notes;
  readonly disputes: Disputes;
  readonly notifications: Notifications;
  readonly payments: Payments;
  readonly statements: Statements;
  readonly netting: Netting;
  readonly nettingAgreements: NettingAgreements;
  readonly resources: Resources;
  readonly financing: Financing;
  readonly documents: Documents;
  readonly sonata: Sonata;
  readonly sonataBilling: SonataBilling;
  readonly sonataHub: SonataHub;
  readonly tmf: TmfFinance;

  constructor(options: PartyNodeOptions) {
    this.core = new NodeCore(options);
    this.replication = new Replication(this.core);
    this.peering = new Peering(this.core);
    this.access = new Access(this.core);
    this.keys = new PartyKeys(this.core, this.replication, options.keyFile);
    this.bilaterals = new Bilaterals(this.core, this.peering);
    this.facts = new Facts(this.core, this.replication);
    this.usage = new Usage(this.core, this.replication);
    this.checkpoints = new Checkpoints(this.core, this.replication);
    this.invoices = new Invoices(this.core, this.replication, this.checkpoints, this.usage);
    this.proofs = new Proofs(this.core, this.invoices, this.checkpoints);
    this.notes = new Notes(this.core, this.replication, this.invoices);
    this.disputes = new Disputes(this.core, this.replication, this.facts, this.invoices);
    this.notifications = new Notifications(
      this.core,
      options.webhookFetch === undefined ? {} : { fetch: options.webhookFetch },
    );
    this.payments = new Payments(this.core, this.replication);
    this.statements = new Statements(this.core, this.invoices, this.notes, this.disputes, this.payments);
    this.financing = new Financing(
      this.core,
      this.replication,
      this.invoices,
      this.checkpoints,
      this.statements,
    );
    this.documents = new Documents(this.core, this.invoices, this.notes, this.statements);
    this.netting = new Netting(this.core, this.statements);
    this.nettingAgreements = new NettingAgreements(
      this.core,
      this.replication,
      this.peering,
      this.statements,
      this.facts,
    );
    this.facts.addCheck((context, facts) => this.statements.checkPayments(context, facts));
    this.resources = new Resources(this.core);
    this.facts.setAdmission(this.resources);
    this.sonata = new Sonata(this.core, this.facts);
    this.sonataBilling = new SonataBilling(
      this.core,
      this.invoices,
      this.notes,
      this.statements,
      this.sonata,
    );
    this.sonataHub = new SonataHub(this.core, this.notifications, this.sonata, this.sonataBilling);
    this.tmf = new TmfFinance(this.core, this.facts, this.payments, this.usage);
  }

  get party(): string {
    return this.core.party;
  }

  get store(): Store {
    return this.core.store;
  }

  get endpoint(): string {
    return this.core.endpoint;
  }

  set endpoint(url: string) {
    this.core.endpoint = url;
  }

  get publicKey(): string {
    return this.core.publicKey;
  }

  identity(): { party: string; key: string; endpoint: string } {
    return { party: this.party, key: this.publicKey, endpoint: this.endpoint };
  }

  /** Resolves when background work (answering invoices, their pushes) has finished. */
  idle(): Promise<void> {
    return this.core.idle();
  }
}

export type { KeyPair };
