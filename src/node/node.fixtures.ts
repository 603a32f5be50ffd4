/**
 * For tests and benchmarks: a bilateral both parties really signed (fresh
 * keys), stored as the seller's record. No test-runner imports.
 */
import {
  bilateralId,
  createAgreement,
  createGenesis,
  generateKeyPair,
  type Hash,
  type JsonValue,
  signAgreement,
} from '../ledger/index.ts';
import type { Store } from '../store/index.ts';

/** Stores the seller's record of a new bilateral between `parties` on `terms`; returns its id. */
export async function putSignedBilateral(
  store: Store,
  terms: JsonValue,
  parties: { readonly seller: string; readonly buyer: string },
  peerEndpoint = 'http://127.0.0.1:9',
): Promise<Hash> {
  const sellerKeys = generateKeyPair();
  const buyerKeys = generateKeyPair();
  const genesis = createGenesis(
    terms,
    { id: parties.seller, key: sellerKeys.publicKey },
    { id: parties.buyer, key: buyerKeys.publicKey },
  );
  const id = bilateralId(genesis);
  await store.putBilateral({
    id,
    agreement: createAgreement(genesis, {
      seller: signAgreement(id, sellerKeys),
      buyer: signAgreement(id, buyerKeys),
    }),
    role: 'seller',
    peerEndpoint,
    createdAt: new Date().toISOString(),
  });
  return id;
}
