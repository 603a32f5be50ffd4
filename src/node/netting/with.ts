/**
 * The bilaterals this party holds with a counterparty, in id order: what
 * the netting position, its statements and their syncs all range over.
 */
import type { BilateralRecord } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';

export async function bilateralsWith(core: NodeCore, counterparty: string): Promise<BilateralRecord[]> {
  if (counterparty === core.party) return [];
  return (await core.store.listBilaterals())
    .filter((record) => {
      const { seller, buyer } = record.agreement.genesis;
      return seller.id === counterparty || buyer.id === counterparty;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
