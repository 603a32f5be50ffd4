/**
 * Which Ed25519 key signs which entry, once parties rotate their keys.
 *
 * A rotation is an entry of kind `party.key` in the rotating party's own
 * stream, body `{ party, oldKey, newKey, sig }` (`sig`: the old key's
 * `key-rotation` statement, `key-rotation.ts`). The entry itself is signed
 * with the old key — the last entry that key signs in that stream — and every
 * later entry of that author with `newKey`.
 *
 * Design rationale:
 * - The rotation lives in the record, not beside it: both parties hold it in
 *   order, a checkpoint covers it, and a proof can carry it with its Merkle
 *   path. So "which key signs seq n" has one answer, derived from the genesis
 *   keys and the stream itself, for a node, an audit and a third party alike.
 * - The key changes *after* the rotation entry (from seq + 1): the old key
 *   signs its own retirement, which any holder of the genesis can check, and
 *   a rotation is never signed by the key it introduces.
 * - A key once retired never comes back (nor may a party take the
 *   counterparty's key): a leaked old key cannot be re-armed by a later
 *   rotation, and a signature names exactly one party and one span of seqs.
 */
import { LedgerError } from './errors.ts';
import { type KeyRotation, verifyKeyRotation } from './key-rotation.ts';
import { isPublicKey } from './keys.ts';
import type { Entry, JsonValue, PartyKey, SignedEntry, StreamContext } from './types.ts';

/** The entry kind of a key rotation. */
export const KEY_ROTATION_KIND = 'party.key';

/** The body of a `party.key` entry: the rotation statement and the old key's signature of it. */
export interface KeyRotationBody extends KeyRotation {
  /** `signKeyRotation({ party, oldKey, newKey }, oldKeys)`. */
  readonly sig: string;
}

const BODY_FIELDS: readonly string[] = ['party', 'oldKey', 'newKey', 'sig'];

/**
 * The body of a `party.key` entry by `author`, checked: exactly the four
 * fields, `party` = `author`, both keys well formed and different, and `sig`
 * the old key's rotation signature. Says nothing of continuity (whether
 * `oldKey` is current): that is `KeySchedule.apply`.
 *
 * Throws `LedgerError` `ENTRY_MALFORMED_BODY` whose message starts with the
 * field (`newKey: …`), also in `details.field`.
 *
 * @example const rotation = checkKeyRotationBody(signed.entry.body, signed.entry.author);
 */
export function checkKeyRotationBody(body: JsonValue, author: string): KeyRotationBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    bad('body', 'expected { party, oldKey, newKey, sig }');
  }
  const b = body as Readonly<Record<string, JsonValue>>;
  const extra = Object.keys(b).find((k) => !BODY_FIELDS.includes(k));
  if (extra !== undefined) bad(extra, 'unexpected field');
  if (typeof b.party !== 'string') bad('party', 'expected a string');
  if (b.party !== author) bad('party', `is ${b.party}, but the entry's author is ${author}`);
  if (!isPublicKey(b.oldKey)) bad('oldKey', 'expected base64url of 32 bytes');
  if (!isPublicKey(b.newKey)) bad('newKey', 'expected base64url of 32 bytes');
  if (b.newKey === b.oldKey) bad('newKey', 'must differ from oldKey');
  if (typeof b.sig !== 'string') bad('sig', 'expected a string');
  const rotation: KeyRotationBody = { party: b.party, oldKey: b.oldKey, newKey: b.newKey, sig: b.sig };
  if (!verifyKeyRotation(rotation, rotation.sig)) {
    bad('sig', "is not oldKey's key-rotation signature of { party, oldKey, newKey }");
  }
  return rotation;
}

/** One key of a party and the first seq it signs. */
interface KeySpan {
  readonly from: number;
  readonly key: string;
}

/**
 * Each party's keys over its stream: the genesis key from seq 1, then each
 * rotation's `newKey` from the seq after its `party.key` entry. Apply a
 * party's rotations in seq order; entries of other kinds are ignored.
 *
 * @example
 * const keys = KeySchedule.fromEntries(ctx, storedEntries);
 * checkSignedEntry({ ...ctx, keys }, incoming);
 */
export class KeySchedule {
  readonly #spans = new Map<string, KeySpan[]>();

  /** A schedule with no rotations: every party signs with its genesis key. */
  constructor(parties: readonly PartyKey[]) {
    for (const party of parties) this.#spans.set(party.id, [{ from: 1, key: party.key }]);
  }

  /**
   * The schedule after the `party.key` entries among `entries` (any order:
   * applied per author in seq order). The entries are trusted to be verified
   * already (e.g. read back from the store); a bad rotation still throws.
   */
  static fromEntries(
    ctx: Pick<StreamContext, 'parties'>,
    entries: Iterable<Entry | SignedEntry>,
  ): KeySchedule {
    const schedule = new KeySchedule(ctx.parties);
    const rotations = [...entries]
      .map((e) => ('entry' in e ? e.entry : e))
      .filter((e) => e.kind === KEY_ROTATION_KIND)
      .sort((a, b) => a.seq - b.seq);
    for (const entry of rotations) schedule.apply(entry);
    return schedule;
  }

  /** The key entry `seq` of `author` must be signed with; undefined for a stranger. */
  keyFor(author: string, seq: number): string | undefined {
    const spans = this.#spans.get(author);
    if (spans === undefined) return undefined;
    let key = spans[0]!.key;
    for (const span of spans) if (span.from <= seq) key = span.key;
    return key;
  }

  /** `author`'s latest key: what its next entry is signed with. */
  current(author: string): string | undefined {
    return this.#spans.get(author)?.at(-1)?.key;
  }

  /**
   * Records the rotation `entry` (a `party.key` entry; other kinds are a
   * no-op): its body must be valid (`checkKeyRotationBody`), come after the
   * author's previous rotation, retire the key current at its seq, and bring a
   * key no party has used. Throws `ENTRY_MALFORMED_BODY` naming the field.
   * Does not check the entry's own signature: `checkSignedEntry` does, with
   * `keyFor` — before this is called.
   */
  apply(entry: Entry): void {
    if (entry.kind !== KEY_ROTATION_KIND) return;
    const spans = this.#spans.get(entry.author);
    if (spans === undefined) {
      throw new LedgerError('ENTRY_UNKNOWN_AUTHOR', `author ${entry.author} is not a party`, {
        details: { author: entry.author, seq: entry.seq, parties: [...this.#spans.keys()] },
      });
    }
    const about = { author: entry.author, seq: entry.seq };
    const rotation = checkKeyRotationBody(entry.body, entry.author);
    const last = spans.at(-1)!;
    if (entry.seq < last.from) {
      bad('seq', `${entry.seq} is not after ${entry.author}'s previous rotation at ${last.from - 1}`, about);
    }
    if (rotation.oldKey !== last.key) {
      bad('oldKey', `is not ${entry.author}'s key at seq ${entry.seq} (${last.key})`, about);
    }
    for (const [party, used] of this.#spans) {
      if (used.some((span) => span.key === rotation.newKey)) {
        bad('newKey', `was already a key of ${party}; a retired or foreign key cannot be used`, about);
      }
    }
    spans.push({ from: entry.seq + 1, key: rotation.newKey });
  }

  /**
   * Each party's key current after its head in `heads` (its genesis key when
   * it has none): the keys a checkpoint at those heads is co-signed with, in
   * the order the parties were given.
   */
  keysAt(heads: Readonly<Record<string, { readonly seq: number } | undefined>>): PartyKey[] {
    return [...this.#spans.keys()].map((id) => {
      const head = Object.hasOwn(heads, id) ? heads[id] : undefined;
      return { id, key: this.keyFor(id, (head?.seq ?? 0) + 1)! };
    });
  }
}

function bad(field: string, rule: string, about: Record<string, unknown> = {}): never {
  throw new LedgerError('ENTRY_MALFORMED_BODY', `${field}: ${rule}`, {
    details: { ...about, kind: KEY_ROTATION_KIND, field, rule },
  });
}
