/**
 * `party.key`: a party rotates its signing key in one bilateral's record.
 * The entry is the old key's last signature in the party's stream; its body
 * carries the rotation statement `{party, oldKey, newKey}` signed by the old
 * key in the `key-rotation` domain — the same statement the party registers
 * on the chain. Every later entry of that party is signed with `newKey`;
 * earlier entries keep verifying with the key they were signed with.
 *
 * The body rule is the ledger's (`checkKeyRotationBody`); whether `oldKey` is
 * the key current at that point is the stream's to check (the node as it
 * receives, the ledger's `KeySchedule` in streams and proofs).
 */
import { checkKeyRotationBody, type KeyRotationBody } from '../ledger/index.ts';
import type { EntryKindSpec } from './kind.ts';

export type PartyKeyBody = KeyRotationBody;

export const partyKeyKind: EntryKindSpec = {
  kind: 'party.key',
  author: 'either',
  validate(body, { author }) {
    checkKeyRotationBody(body, author);
  },
};
