/**
 * Public surface of the chain layer: the registries' ABIs and bytecode, viem
 * clients, ids as the contracts key them, deployment, the embedded Anvil, and
 * reading a contract's named revert; the anchoring loop's chain port
 * (`createAnchorChain`), a party's self-registration (`ensureParty`) and the
 * party registry as a trust root (`readParty`, the registrar's
 * `approveParty`/`revokeParty`, signed `rotatePartyKey`).
 *
 * The compiler (`compile.ts`, `build.ts`) is deliberately not exported: loading
 * soljson costs about a second, and only the build and its test need it.
 */

export * from './abi.ts';
export {
  type AnchorChain,
  type AnchorChainOptions,
  type AnchorItem,
  type BilateralTerms,
  createAnchorChain,
  type MinedTx,
} from './anchor-chain.ts';
export {
  ANVIL_DEFAULT_CHAIN_ID,
  type AnvilInstance,
  type AnvilOptions,
  anvilArgs,
  anvilBinary,
  startAnvil,
} from './anvil.ts';
export {
  anchorRegistryBytecode,
  bilateralRegistryBytecode,
  compilerSettings,
  invoicePledgesBytecode,
  partyRegistryBytecode,
  resourceCommitmentsBytecode,
} from './bytecode.ts';
export {
  type ChainEndpoint,
  type ChainPublicClient,
  type ChainWalletClient,
  chainOf,
  createChainPublicClient,
  createChainWalletClient,
  DEFAULT_POLLING_INTERVAL,
  fetchChainId,
} from './client.ts';
export {
  CONTRACT_KEYS,
  type ContractAddresses,
  type DeployOptions,
  deployContracts,
  ensureDeployed,
  isDeployed,
  parseContractAddresses,
  readContractAddresses,
  writeContractAddresses,
} from './deploy.ts';
export { DEV_ACCOUNT_COUNT, DEV_MNEMONIC, devPrivateKey } from './dev-keys.ts';
export { type EmbeddedChain, type EmbeddedChainOptions, startEmbeddedChain } from './embedded.ts';
export {
  type EnsurePartyOptions,
  type EnsurePartyResult,
  ensureParty,
  type PartyRecord,
} from './ensure-party.ts';
export { chainErrorStatus } from './error-status.ts';
export { CHAIN_ERROR_CODES, ChainError, type ChainErrorCode, isChainErrorCode } from './errors.ts';
export {
  bytes32FromHash,
  entryKeyBytes32,
  entryKeyFromBytes32,
  hashFromBytes32,
  isBytes32,
  partyIdOf,
  resourceIdOf,
  signatureBytes,
  signatureFromBytes,
} from './ids.ts';
export { type PledgeState, pledgeKeyOf, readPledge, writePledge } from './pledge-chain.ts';
export { type RegisteredKey, type RegisteredParty, readParty } from './read-party.ts';
export { approveParty, revokeParty } from './registrar.ts';
export {
  createResourceChain,
  type ResourceChain,
  type ResourceChainOptions,
  resourceFingerprint,
} from './resource-chain.ts';
export { type ContractRevert, contractRevert } from './revert.ts';
export { type KeyRotation, rotatePartyKey } from './rotate-party-key.ts';
export { verifyAnchor, verifyAnchorOnChain } from './verify-anchor.ts';
