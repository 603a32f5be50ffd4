/**
 * The consortium registrar's two actions on the party registry: approve a
 * pending registration, revoke an approved one. Only the account the
 * registry was deployed with may call them; an open registry (no registrar)
 * refuses both with `NotRegistrar`.
 *
 * Why asking for the state the party is already in answers 'unchanged'
 * instead of failing: an operator re-running `sb chain approve` after a
 * timeout should not have to find out whether the first try landed. Every
 * other refusal (`NotRegistrar`, `UnknownParty`) stays the contract's named
 * revert, thrown as viem decoded it (read it with `contractRevert`).
 */
import { partyRegistryAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import { confirmTx } from './confirm.ts';
import type { ContractAddresses } from './deploy.ts';
import { partyIdOf } from './ids.ts';
import { contractRevert } from './revert.ts';

/**
 * Approves `party` from the registrar's wallet.
 *
 * @example
 * await approveParty(registrarWallet, client, addresses, 'Acme'); // 'approved'
 */
export async function approveParty(
  registrarWallet: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  party: string,
): Promise<'approved' | 'unchanged'> {
  const changed = await registrarCall(registrarWallet, publicClient, addresses, party, 'approve');
  return changed ? 'approved' : 'unchanged';
}

/**
 * Withdraws `party`'s approval from the registrar's wallet; its record stays
 * (nobody else can take the name) and `approveParty` restores it.
 *
 * @example
 * await revokeParty(registrarWallet, client, addresses, 'Acme'); // 'revoked'
 */
export async function revokeParty(
  registrarWallet: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  party: string,
): Promise<'revoked' | 'unchanged'> {
  const changed = await registrarCall(registrarWallet, publicClient, addresses, party, 'revoke');
  return changed ? 'revoked' : 'unchanged';
}

/** The revert that says the party is already in the state the call asks for. */
const ALREADY = { approve: 'PartyAlreadyApproved', revoke: 'PartyNotApproved' } as const;

/** Sends `functionName`; false when the party was already in the state asked for. */
async function registrarCall(
  wallet: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  party: string,
  functionName: keyof typeof ALREADY,
): Promise<boolean> {
  const partyId = partyIdOf(party);
  let hash: `0x${string}`;
  try {
    hash = await wallet.writeContract({
      address: addresses.partyRegistry,
      abi: partyRegistryAbi,
      functionName,
      args: [partyId],
    });
  } catch (error) {
    if (contractRevert(error)?.name === ALREADY[functionName]) return false;
    throw error;
  }
  await confirmTx(publicClient, hash, `party registry ${functionName}`, { party, partyId });
  return true;
}
