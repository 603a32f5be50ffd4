/**
 * viem clients for one EVM JSON-RPC endpoint — the embedded Anvil or any
 * production chain (Besu QBFT, a public network). The chain functions of this
 * layer take these clients as their first argument (STYLE.md habit 6).
 *
 * Why a short polling interval: receipts on Anvil (automine) and on a QBFT
 * network (1–2 s blocks) arrive quickly; viem's 4 s default would make every
 * confirmed write wait seconds for nothing.
 */
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  type HttpTransport,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { nonceManager, privateKeyToAccount } from 'viem/accounts';

export const DEFAULT_POLLING_INTERVAL = 50;

export type ChainPublicClient = PublicClient<HttpTransport, Chain>;
export type ChainWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;

export interface ChainEndpoint {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Milliseconds between polls for receipts and filters; default 50. */
  readonly pollingInterval?: number;
}

/** A viem `Chain` describing an endpoint we only know by URL and id. */
export function chainOf(endpoint: ChainEndpoint): Chain {
  return defineChain({
    id: endpoint.chainId,
    name: `chain-${endpoint.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [endpoint.rpcUrl] } },
  });
}

export function createChainPublicClient(endpoint: ChainEndpoint): ChainPublicClient {
  return createPublicClient({
    chain: chainOf(endpoint),
    transport: http(endpoint.rpcUrl),
    pollingInterval: endpoint.pollingInterval ?? DEFAULT_POLLING_INTERVAL,
  });
}

/**
 * A wallet client that signs locally with `privateKey` (the node's EVM account).
 * Nonces come from viem's nonce manager: counted locally after the first
 * lookup, so back-to-back transactions do not each wait on `eth_getTransactionCount`.
 */
export function createChainWalletClient(
  endpoint: ChainEndpoint & { readonly privateKey: Hex },
): ChainWalletClient {
  return createWalletClient({
    account: privateKeyToAccount(endpoint.privateKey, { nonceManager }),
    chain: chainOf(endpoint),
    transport: http(endpoint.rpcUrl),
    pollingInterval: endpoint.pollingInterval ?? DEFAULT_POLLING_INTERVAL,
  });
}

/** Asks the endpoint for its chain id (`eth_chainId`), for a chain configured by URL alone. */
export async function fetchChainId(rpcUrl: string): Promise<number> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return client.getChainId();
}
