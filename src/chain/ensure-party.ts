/**
 * Brings a party's on-chain record in line with its node's configuration:
 * registers it on first start, then moves the endpoint or rotates the entry
 * key when the configuration changed. Idempotent, so a node calls it on every
 * start.
 *
 * Design rationale:
 * - A taken id is an error, not a retry: if another account holds the party
 *   id, only an operator can sort that out (pick another name, or use the
 *   account that registered it).
 * - A changed key is an error unless the caller brings the old key's
 *   signature over the rotation: readers accept a new key only through a
 *   signed chain from the key the registrar approved, so rotating without one
 *   would cut the party off from every counterparty. Nothing is written then,
 *   not even a changed endpoint, because the configuration is not the party's.
 * - On a permissioned registry a fresh registration is pending until the
 *   registrar approves it; this function does not wait for that.
 */
import { isAddressEqual } from 'viem';
import { partyRegistryAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import { confirmTx } from './confirm.ts';
import type { ContractAddresses } from './deploy.ts';
import { ChainError } from './errors.ts';
import { entryKeyBytes32, partyIdOf, signatureBytes } from './ids.ts';
import { readParty } from './read-party.ts';
import { rotatePartyKey } from './rotate-party-key.ts';

export interface PartyRecord {
  /** The party's name; its id on chain is keccak256 of it. */
  readonly party: string;
  /** base64url Ed25519 public key that signs the party's entries. */
  readonly entryKey: string;
  /** URL of the party's node. */
  readonly endpoint: string;
}

export interface EnsurePartyOptions {
  /**
   * base64url signature, by the key current on chain, over the rotation to
   * `record.entryKey` (the ledger's `signKeyRotation`). Without it a
   * configured key that differs from the registered one throws `CHAIN_KEY_MISMATCH`.
   */
  readonly rotationSig?: string;
}

export type EnsurePartyResult = 'registered' | 'updated' | 'unchanged';

/**
 * Registers or updates `record` from `walletClient`'s account.
 *
 * @example
 * await ensureParty(wallet, client, addresses, { party: 'Acme', entryKey: keys.publicKey, endpoint: 'https://…' });
 */
export async function ensureParty(
  walletClient: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  record: PartyRecord,
  options: EnsurePartyOptions = {},
): Promise<EnsurePartyResult> {
  const registry = { address: addresses.partyRegistry, abi: partyRegistryAbi } as const;
  const partyId = partyIdOf(record.party);
  const entryKey = entryKeyBytes32(record.entryKey);
  if (options.rotationSig !== undefined) signatureBytes(options.rotationSig, 'rotationSig');
  const me = walletClient.account.address;
  const what = 'party registry';
  const details = { party: record.party, partyId };

  const current = await readParty(publicClient, addresses, record.party);
  if (current === undefined) {
    const hash = await walletClient.writeContract({
      ...registry,
      functionName: 'register',
      args: [partyId, entryKey, record.endpoint],
    });
    await confirmTx(publicClient, hash, `${what} register`, details);
    return 'registered';
  }
  if (!isAddressEqual(current.account, me)) {
    throw new ChainError(
      'CHAIN_PARTY_TAKEN',
      `party ${record.party} is registered to another account ${current.account}`,
      { details: { ...details, account: current.account, caller: me } },
    );
  }
  let changed = false;
  const registeredKey = current.keys.at(-1)?.key;
  if (registeredKey !== record.entryKey) {
    if (options.rotationSig === undefined) throw keyMismatch(record, current.keys, registeredKey);
    await rotatePartyKey(walletClient, publicClient, addresses, {
      party: record.party,
      newKey: record.entryKey,
      sig: options.rotationSig,
    });
    changed = true;
  }
  if (current.endpoint !== record.endpoint) {
    const hash = await walletClient.writeContract({
      ...registry,
      functionName: 'setEndpoint',
      args: [partyId, record.endpoint],
    });
    await confirmTx(publicClient, hash, `${what} setEndpoint`, details);
    changed = true;
  }
  return changed ? 'updated' : 'unchanged';
}

function keyMismatch(
  record: PartyRecord,
  keys: readonly { readonly key: string; readonly block: bigint }[],
  registeredKey: string | undefined,
): ChainError {
  const retired = keys.findIndex((k) => k.key === record.entryKey);
  const details = { party: record.party, configured: record.entryKey, registered: registeredKey };
  if (retired >= 0) {
    return new ChainError(
      'CHAIN_KEY_MISMATCH',
      `party ${record.party}: the configured entry key was rotated away at block ${keys[retired + 1]?.block}; configure the current key ${registeredKey}`,
      { details: { ...details, retired: true } },
    );
  }
  return new ChainError(
    'CHAIN_KEY_MISMATCH',
    `party ${record.party}: the configured entry key differs from the registered key ${registeredKey}; rotate it with a signature by the registered key (rotatePartyKey, or ensureParty's rotationSig)`,
    { details: { ...details, retired: false } },
  );
}
