/**
 * `party.key`: a party rotates its signing key in one bilateral's record.
 * The entry is the old key's last signature in the party's stream; its body
 * carries the rotation statement `{party, oldKey, newKey}` signed by the old
 * key in the `key-rotation` domain — the same statement the party registers
 * on the chain. Every later entry of that party is signed with `newKey`;
 * earlier entries keep verifying with the key they were signed with.
 *
 * Whether `oldKey` is the key current at that point is the stream's to
 * check (the node as it receives, the ledger's key schedule in proofs).
 */
import { isPublicKey, type JsonValue, verifyKeyRotation } from '../ledger/index.ts';
import { type EntryKindSpec, objectBody } from './kind.ts';

export interface PartyKeyBody {
  readonly party: string;
  readonly oldKey: string;
  readonly newKey: string;
  readonly sig: string;
}

const FIELDS = ['party', 'oldKey', 'newKey', 'sig'];

/** The body as a rotation, or an `Error` naming the field. */
export function partyKeyBody(body: JsonValue, author: string): PartyKeyBody {
  const o = objectBody(body, 'party.key');
  const extra = Object.keys(o).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) throw new Error(`${extra}: unexpected field`);
  if (o.party !== author) throw new Error(`party: expected the entry's author ${author}`);
  if (!isPublicKey(o.oldKey)) throw new Error('oldKey: expected a base64url Ed25519 public key');
  if (!isPublicKey(o.newKey) || o.newKey === o.oldKey) {
    throw new Error('newKey: expected a base64url Ed25519 public key other than oldKey');
  }
  if (
    typeof o.sig !== 'string' ||
    !verifyKeyRotation({ party: author, oldKey: o.oldKey, newKey: o.newKey }, o.sig)
  ) {
    throw new Error('sig: not oldKey’s signature of the rotation to newKey');
  }
  return o as unknown as PartyKeyBody;
}

export const partyKeyKind: EntryKindSpec = {
  kind: 'party.key',
  author: 'either',
  validate(body, { author }) {
    partyKeyBody(body, author);
  },
};
