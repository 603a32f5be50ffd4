/**
 * Connects a party node to the shared ledger. With no chain configured it
 * starts (or joins) the embedded Anvil in a folder of the data directory; with
 * `rpcUrl` it uses any EVM JSON-RPC chain and the contract addresses it is
 * given — the same code path from there on: the node's EVM account registers
 * the party (id, Ed25519 entry key, endpoint), and the anchoring loop runs.
 */
import { join } from 'node:path';
import type { Hex } from 'viem';
import {
  type ContractAddresses,
  createAnchorChain,
  createChainPublicClient,
  createChainWalletClient,
  createResourceChain,
  type EmbeddedChain,
  ensureParty,
  fetchChainId,
  readContractAddresses,
  readParty,
  rotatePartyKey,
  startEmbeddedChain,
} from '../chain/index.ts';
import { BilateralError } from '../core/index.ts';
import type { Store } from '../store/index.ts';
import { Anchorer } from './anchoring.ts';
import { registrySig } from './keys/party-keys.ts';
import type { PartyNode } from './party-node.ts';

export interface ChainConfig {
  /** An external chain's JSON-RPC URL; absent: the embedded Anvil. */
  readonly rpcUrl?: string;
  /** Expected chain id of `rpcUrl` (checked); default: whatever it reports. */
  readonly chainId?: number;
  /** JSON file of contract addresses (as `sb chain deploy` writes it), required with `rpcUrl`. */
  readonly addressesFile?: string;
  /** Folder of the embedded chain (state, addresses); nodes given the same folder share one chain. */
  readonly embeddedDir?: string;
  /** Milliseconds between anchoring rounds (default 2000). */
  readonly anchorIntervalMs?: number;
  /** Blocks, the anchor's own included, before an anchor is final (default 1; more on a chain that reorganises). */
  readonly confirmations?: number;
}

export interface ChainLink {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly addresses: ContractAddresses;
  /** The node's EVM account, which pays for its transactions (fund it on an external chain). */
  readonly account: string;
  readonly anchorer: Anchorer;
  stop(): Promise<void>;
}

export interface ConnectOptions {
  readonly node: PartyNode;
  readonly store: Store;
  readonly dataDir: string;
  readonly evmKey: Hex;
  /** The party's secret salt for unique resources' fingerprints (party.json); absent: none are committed. */
  readonly resourceSalt?: Hex;
  readonly config: ChainConfig;
  readonly log?: (line: string) => void;
}

/** A development chain's balance for a node account: plenty of test ether. */
const DEV_BALANCE = '0x3635c9adc5dea00000';

export async function connectChain(options: ConnectOptions): Promise<ChainLink> {
  const { node, store, config } = options;
  const log = options.log ?? (() => {});
  let embedded: EmbeddedChain | undefined;
  let rpcUrl: string;
  let addresses: ContractAddresses;
  if (config.rpcUrl === undefined) {
    embedded = await startEmbeddedChain({ dir: config.embeddedDir ?? join(options.dataDir, 'chain') });
    rpcUrl = embedded.rpcUrl;
    addresses = embedded.addresses;
  } else {
    if (config.addressesFile === undefined) {
      throw new BilateralError('CHAIN_CONFIG_INVALID', '--chain-addresses FILE is required with --chain-rpc');
    }
    rpcUrl = config.rpcUrl;
    const read = readContractAddresses(config.addressesFile);
    if (read === undefined) {
      throw new BilateralError(
        'CHAIN_CONFIG_INVALID',
        `no contract addresses file at ${config.addressesFile}`,
      );
    }
    addresses = read;
    const reported = await fetchChainId(rpcUrl);
    const expected = config.chainId ?? addresses.chainId;
    if (reported !== expected || reported !== addresses.chainId) {
      throw new BilateralError(
        'CHAIN_CONFIG_INVALID',
        `chain at ${rpcUrl} has id ${reported}; configuration expects ${expected}, addresses are for ${addresses.chainId}`,
      );
    }
  }
  const endpoint = { rpcUrl, chainId: addresses.chainId };
  const publicClient = createChainPublicClient(endpoint);
  const walletClient = createChainWalletClient({ ...endpoint, privateKey: options.evmKey });
  if (embedded !== undefined) {
    try {
      await publicClient.request({
        method: 'anvil_setBalance' as never,
        params: [walletClient.account.address, DEV_BALANCE] as never,
      });
    } catch (error) {
      // No link is returned, so nobody else would stop the Anvil this call started.
      await embedded.stop();
      throw error;
    }
  }

  const register = async (): Promise<boolean> => {
    try {
      // After a rotation the registry still names the old key: the last
      // rotation's signature (by that key) lets ensureParty move it on.
      const last = node.keys.rotations.at(-1);
      const result = await ensureParty(
        walletClient,
        publicClient,
        addresses,
        { party: node.party, entryKey: node.publicKey, endpoint: node.endpoint },
        last?.newKey === node.publicKey ? { rotationSig: registrySig(last.sig) } : {},
      );
      if (result !== 'unchanged') log(`party ${node.party} ${result} on chain ${addresses.chainId}`);
      return true;
    } catch (error) {
      // A key that differs from the registered one needs a signed rotation
      // (`sb party rotate-key`): retrying cannot fix it, so stop and say so.
      if (error instanceof BilateralError && error.code === 'CHAIN_KEY_MISMATCH') {
        log(`party registration on chain stopped: ${error.message}`);
        return true;
      }
      log(
        `party registration on chain failed, will retry: ${error instanceof Error ? error.message : error}`,
      );
      return false;
    }
  };
  const chain = createAnchorChain({
    publicClient,
    walletClient,
    addresses,
    bilateralTerms: storedBilateralTerms(store),
  });
  const anchorer = new Anchorer({
    store,
    chain,
    log,
    ...(config.confirmations === undefined ? {} : { confirmations: config.confirmations }),
  });
  // A restarted embedded Anvil may have lost its last second of blocks: check what was anchored.
  embedded?.onRestart(() => {
    log('the embedded chain was restarted: checking anchors again');
    anchorer.recheck();
    void anchorer.flush();
  });
  node.checkpoints.attachChain({ anchorer, chain });
  node.financing.attachChain({ publicClient, addresses });
  if (options.resourceSalt !== undefined) {
    const resources = createResourceChain({
      publicClient,
      walletClient,
      addresses,
      ensureBilateral: (bilateral) => chain.ensureBilateral(bilateral),
    });
    node.resources.attachChain({ chain: resources, salt: options.resourceSalt });
  }
  node.peering.attachRegistry({ read: (party) => readParty(publicClient, addresses, party) });
  node.keys.onRotated(async (rotation) => {
    await rotatePartyKey(walletClient, publicClient, addresses, {
      party: node.party,
      newKey: rotation.newKey,
      sig: registrySig(rotation.sig),
    });
    log(`key rotation of ${node.party} registered on chain ${addresses.chainId}`);
  });

  let registered = await register();
  let retry: NodeJS.Timeout | undefined;
  const retryRegistration = () => {
    retry = setTimeout(async () => {
      registered = await register();
      if (!registered && retry !== undefined) retryRegistration();
    }, 5000);
  };
  if (!registered) retryRegistration();
  anchorer.start(config.anchorIntervalMs ?? 2000);

  return {
    rpcUrl,
    chainId: addresses.chainId,
    addresses,
    account: walletClient.account.address,
    anchorer,
    async stop() {
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      await anchorer.stop();
      node.checkpoints.attachChain(undefined);
      node.resources.attachChain(undefined);
      node.peering.attachRegistry(undefined);
      await embedded?.stop();
    },
  };
}

/** What the bilateral registry needs of bilateral `id` (parties, terms hash), from the store's record. */
export function storedBilateralTerms(
  store: Store,
): (id: string) => Promise<{ seller: string; buyer: string; termsHash: string }> {
  return async (id) => {
    const record = await store.getBilateral(id);
    if (record === undefined) throw new BilateralError('NOT_FOUND', `no bilateral ${id}`);
    const { genesis } = record.agreement;
    return { seller: genesis.seller.id, buyer: genesis.buyer.id, termsHash: genesis.termsHash };
  };
}
