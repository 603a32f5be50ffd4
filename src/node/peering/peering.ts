/**
 * Who is calling on the peer API, and whom this node calls. Every peer
 * request is signed (peer-auth.ts) and carries a nonce; this capability
 * decides which key it must be signed with and refuses a nonce seen before
 * within the skew window (`PEER_REPLAYED`):
 *
 * - a bilateral's routes: the key the bilateral binds to its counterparty,
 *   and the counterparty must still be in the directory;
 * - a proposal or an agreement: the key the directory holds for the caller —
 *   never a key the message itself carries.
 *
 * Outgoing, the node calls a counterparty only at the endpoint its directory
 * entry names (`endpointOf`), so no request can make it call anywhere else.
 */
import { isPublicKey } from '../../ledger/index.ts';
import { KEY_ROTATION_KIND } from '../core/context.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import { followKeyChain, KEY_CHAIN_HEADER } from '../keys/party-keys.ts';
import { checkPeerRequest, PEER_PARTY_HEADER, type PeerRequest } from '../peer-auth.ts';
import { Directory, type KnownParty, type PartyRegistryReader } from './directory.ts';

/** A peer request as received: method, path with query, raw body, and its headers. */
export interface PeerCall {
  readonly request: PeerRequest;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export class Peering {
  readonly #core: NodeCore;
  readonly directory: Directory;

  constructor(core: NodeCore) {
    this.#core = core;
    this.directory = new Directory(core.store, core.now, core.log);
    core.resolveEndpoint(async (party) => (await this.directory.lookup(party))?.endpoint);
    core.onReceived(KEY_ROTATION_KIND, (id) => core.schedule(() => this.#followRotation(id)));
  }

  /**
   * A pinned counterparty rotated its key in bilateral `id`: the rotation
   * entry was signed by the key the pin trusts (or one it rotated to), so the
   * pin moves to the new key — the operator need not re-pin it.
   */
  async #followRotation(id: string): Promise<void> {
    const core = this.#core;
    const context = await core.context(id);
    const party = context.counterparty.id;
    const pinned = await core.store.getPeer(party);
    const current = context.keys.get(party);
    if (pinned?.source !== 'pinned' || current === undefined || pinned.key === current) return;
    const rotations = await core.store.listEntries(id, { author: party, kinds: [KEY_ROTATION_KIND] });
    const chain = [
      context.counterparty.key,
      ...rotations.map((e) => (e.signed.entry.body as { newKey: string }).newKey),
    ];
    if (!chain.includes(pinned.key)) return;
    await core.store.putPeer({ ...pinned, key: current });
    this.directory.forget(party);
    core.log(`pinned key of ${party} follows its rotation to ${current.slice(0, 12)}`);
  }

  /** Reads counterparties from the chain's party registry as well as the pinned directory. */
  attachRegistry(registry: PartyRegistryReader | undefined): void {
    this.directory.attachRegistry(registry);
  }

  /** The party a peer request claims to come from (unchecked). */
  claimed(call: PeerCall): string {
    const party = call.headers[PEER_PARTY_HEADER];
    if (typeof party !== 'string') throw new NodeError('PEER_UNAUTHENTICATED', 'peer request is not signed');
    return party;
  }

  /** The counterparty of bilateral `id`, when the call is signed by it (and not replayed). */
  async counterparty(call: PeerCall, id: string): Promise<string> {
    const claimed = this.claimed(call);
    const context = await this.#core.tryContext(id);
    const key = context?.counterparty.id === claimed ? context.keys.get(claimed) : undefined;
    const party = await this.#checked(call, () => key);
    if ((await this.directory.lookup(party)) === undefined) {
      throw new NodeError('PEER_UNKNOWN', `party ${party} is no longer in this node's directory`);
    }
    return party;
  }

  /** The caller as the directory knows it, when the call is signed with the key the directory holds. */
  async known(call: PeerCall): Promise<KnownParty> {
    const claimed = this.claimed(call);
    const known = await this.directory.lookup(claimed);
    if (known === undefined) {
      throw new NodeError(
        'PEER_UNKNOWN',
        `party ${claimed} is not in this node's directory: pin it (sb peers add) or have it registered on the chain`,
      );
    }
    await this.#checked(call, (party) => (party === known.party ? known.key : undefined));
    return known;
  }

  async #checked(call: PeerCall, keyOf: (party: string) => string | undefined): Promise<string> {
    const core = this.#core;
    const { party, nonce, expiresAt } = this.#signed(call, keyOf);
    if (!(await core.store.rememberNonce(party, nonce, expiresAt.toISOString()))) {
      throw new NodeError('PEER_REPLAYED', `peer request nonce ${nonce} of ${party} was already used`);
    }
    return party;
  }

  /** The directory as stored: pinned parties and those last read from the chain. */
  peers(): Promise<KnownParty[]> {
    return this.#core.store.listPeers();
  }

  /**
   * Pins a party: its key and endpoint are what this node trusts for it from
   * now on, over anything the chain says; `policy` says whether its
   * proposals are countersigned at once (`accept`) or wait (`approve`).
   */
  async pin(entry: {
    party: string;
    key: unknown;
    endpoint: unknown;
    policy: 'approve' | 'accept';
  }): Promise<KnownParty> {
    if (!isPublicKey(entry.key))
      throw new NodeError('BAD_REQUEST', 'key: expected a base64url Ed25519 public key');
    if (typeof entry.endpoint !== 'string' || !/^https?:\/\/[^\s]+$/.test(entry.endpoint))
      throw new NodeError('BAD_REQUEST', 'endpoint: expected an http(s) URL');
    if (entry.party === this.#core.party) throw new NodeError('BAD_REQUEST', 'party: this node itself');
    const known: KnownParty = {
      party: entry.party,
      key: entry.key,
      endpoint: entry.endpoint,
      source: 'pinned',
      policy: entry.policy,
      addedAt: this.#core.now().toISOString(),
    };
    await this.#core.store.putPeer(known);
    this.directory.forget(entry.party);
    return known;
  }

  async unpin(party: string): Promise<boolean> {
    const removed = await this.#core.store.removePeer(party);
    this.directory.forget(party);
    return removed;
  }

  /**
   * The request checked with the key this node knows for the caller, or —
   * when that fails and the caller rotated its key since — with the key its
   * rotation chain leads to from the known one (see party-keys.ts).
   */
  #signed(call: PeerCall, keyOf: (party: string) => string | undefined) {
    const now = this.#core.now();
    try {
      return checkPeerRequest(call.request, call.headers, keyOf, now);
    } catch (error) {
      const party = this.claimed(call);
      const known = keyOf(party);
      const rotated =
        known === undefined ? undefined : followKeyChain(call.headers[KEY_CHAIN_HEADER], party, known);
      if (rotated === undefined || !(error instanceof NodeError) || error.code !== 'PEER_UNAUTHENTICATED')
        throw error;
      return checkPeerRequest(call.request, call.headers, (p) => (p === party ? rotated : undefined), now);
    }
  }

  /** Drops nonces past their window (a scheduled round calls this). */
  async prune(): Promise<void> {
    await this.#core.store.pruneNonces(this.#core.now().toISOString());
  }
}
