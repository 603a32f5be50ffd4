/**
 * Key rotation: the party replaces its Ed25519 signing key. The old key
 * signs the statement `{party, oldKey, newKey}` (the `key-rotation`
 * domain), which goes into every bilateral as a `party.key` entry — the old
 * key's last signature in that stream — and onto the chain's party
 * registry. Entries signed before keep verifying with the key they name;
 * every later entry, checkpoint and peer request uses the new key.
 *
 * Crash safety, in order: the new key and the pending rotation (with the old
 * key pair) are written to the key file before anything is signed with the
 * new key; each stream gets its `party.key` entry; only then is the pending
 * rotation cleared. A node restarted in between finishes the rotation
 * (`resume`) before it serves anything.
 */
import { generateKeyPair, type KeyPair, SIGNATURE_PREFIX, verifyKeyRotation } from '../../ledger/index.ts';
import { KEY_ROTATION_KIND } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';

/** A rotation as recorded: the statement and the old key's signature of it. */
export interface RotationRecord {
  readonly oldKey: string;
  readonly newKey: string;
  readonly sig: string;
}

/** A rotation begun and not yet in every stream: the key pair being retired and the statement's signature. */
export interface PendingRotation {
  readonly from: KeyPair;
  readonly sig: string;
}

/** Where the node keeps its keys (the `party.json` file of its data folder). */
export interface KeyFile {
  save(state: {
    keys: KeyPair;
    pendingRotation?: PendingRotation;
    rotations: readonly RotationRecord[];
  }): void;
  readonly rotations: readonly RotationRecord[];
}

export class PartyKeys {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #file: KeyFile | undefined;
  readonly #rotated: ((rotation: RotationRecord) => Promise<void>)[] = [];
  #rotations: RotationRecord[];
  #running: Promise<unknown> = Promise.resolve();

  constructor(core: NodeCore, replication: Replication, file?: KeyFile) {
    this.#core = core;
    this.#replication = replication;
    this.#file = file;
    this.#rotations = [...(file?.rotations ?? [])];
    core.peerHeaders(() =>
      this.#rotations.length === 0 ? {} : { [KEY_CHAIN_HEADER]: encodeChain(this.#rotations) },
    );
  }

  /** The rotations this party made, oldest first. */
  get rotations(): readonly RotationRecord[] {
    return this.#rotations;
  }

  /** Calls `handler` after each rotation is in every stream (the chain link registers it). */
  onRotated(handler: (rotation: RotationRecord) => Promise<void>): void {
    this.#rotated.push(handler);
  }

  /** Rotates to a fresh key pair; answers the rotation and the bilaterals it was recorded in. */
  rotate(): Promise<RotationRecord & { bilaterals: string[] }> {
    const next = this.#running.then(() => this.#rotate());
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #rotate(): Promise<RotationRecord & { bilaterals: string[] }> {
    const core = this.#core;
    const nextKeys = generateKeyPair();
    const { statement, sig, previous } = core.rotationTo(nextKeys);
    const rotation: RotationRecord = { oldKey: statement.oldKey, newKey: statement.newKey, sig };
    this.#rotations = [...this.#rotations, rotation];
    this.#file?.save({
      keys: nextKeys,
      pendingRotation: { from: previous, sig },
      rotations: this.#rotations,
    });
    core.useKeys(nextKeys, previous);
    const bilaterals = await this.#record(rotation);
    core.log(
      `key rotated from ${short(rotation.oldKey)} to ${short(rotation.newKey)} in ${bilaterals.length} bilateral(s)`,
    );
    return { ...rotation, bilaterals };
  }

  /** Finishes a rotation a crash interrupted: `keys` are the new keys, `pending` the old ones. */
  async resume(keys: KeyPair, pending: PendingRotation): Promise<void> {
    const rotation = this.#rotations.at(-1);
    if (
      rotation === undefined ||
      rotation.newKey !== keys.publicKey ||
      rotation.oldKey !== pending.from.publicKey
    ) {
      throw new NodeError('BAD_REQUEST', 'the key file names a pending rotation that is not its last one');
    }
    this.#core.useKeys(keys, pending.from);
    await this.#record(rotation);
  }

  /** Writes the `party.key` entry into every stream still naming the old key, then clears the pending rotation. */
  async #record(rotation: RotationRecord): Promise<string[]> {
    const core = this.#core;
    const done: string[] = [];
    for (const record of await core.store.listBilaterals()) {
      const context = await core.context(record.id);
      const wrote = await core.serially(record.id, async () => {
        if (context.keys.get(core.party) !== rotation.oldKey) return false;
        const body = {
          party: core.party,
          oldKey: rotation.oldKey,
          newKey: rotation.newKey,
          sig: rotation.sig,
        };
        await core.appendOwn(context, KEY_ROTATION_KIND, body);
        context.keys.set(core.party, rotation.newKey);
        return true;
      });
      if (wrote) done.push(record.id);
    }
    // Delivered now where the counterparty is reachable; a later sync delivers the rest.
    await Promise.all(done.map((id) => this.#replication.push(id)));
    core.useKeys(core.currentKeys());
    this.#file?.save({ keys: core.currentKeys(), rotations: this.#rotations });
    for (const handler of this.#rotated) {
      await handler(rotation).catch((error: unknown) =>
        core.log(`key rotation not registered: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    return done;
  }
}

/**
 * Every peer request carries the party's latest rotations, so a counterparty
 * that has not yet received a `party.key` entry (say it was offline) can
 * still check a request signed with the new key: it follows the chain of
 * statements from the key it knows, each signed by the key before.
 */
export const KEY_CHAIN_HEADER = 'x-sb-key-chain';
const CHAIN_LENGTH = 8;

function encodeChain(rotations: readonly RotationRecord[]): string {
  return Buffer.from(JSON.stringify(rotations.slice(-CHAIN_LENGTH))).toString('base64url');
}

/**
 * The key `party` signs with now, following the rotation chain of a request
 * from `known`; undefined when the chain is absent, malformed, or does not
 * start from `known` with every statement verifying.
 */
export function followKeyChain(header: unknown, party: string, known: string): string | undefined {
  if (typeof header !== 'string' || header.length > 4096) return undefined;
  let chain: unknown;
  try {
    chain = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(chain) || chain.length > CHAIN_LENGTH) return undefined;
  let key = known;
  let moved = false;
  for (const link of chain as Partial<RotationRecord>[]) {
    if (link?.oldKey !== key) {
      if (moved) return undefined;
      continue;
    }
    const statement = { party, oldKey: key, newKey: String(link.newKey) };
    if (typeof link.sig !== 'string' || !verifyKeyRotation(statement, link.sig)) return undefined;
    key = statement.newKey;
    moved = true;
  }
  return moved ? key : undefined;
}

/** The rotation signature as the chain's registry holds it: the 64 bytes, without the version prefix. */
export function registrySig(sig: string): string {
  return sig.startsWith(SIGNATURE_PREFIX) ? sig.slice(SIGNATURE_PREFIX.length) : sig;
}
