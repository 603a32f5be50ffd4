/**
 * The anchoring loop's view of the chain (the `AnchorChain` port in
 * src/node/anchoring.ts), implemented over viem and the AnchorRegistry. The
 * shape is repeated here rather than imported because the chain layer may not
 * import the node layer; TypeScript checks the two structurally where the node
 * wires them together.
 *
 * Design rationale:
 * - `findAnchor` asks the registry first (`anchorOf` gives the block), then
 *   reads the `Anchored` event from that one block: no log scan from genesis,
 *   which public RPC providers refuse and which grows with the chain.
 * - `ensureBilateral` registers the bilateral on first use, from this party's
 *   account; a counterparty that won the race (`BilateralAlreadyRegistered`)
 *   is success. Known bilaterals are remembered for the life of the object.
 * - Sequence numbers are JavaScript numbers at this edge (the ledger's seq);
 *   they are checked to be safe non-negative integers before becoming uint64.
 */
import { BlockNotFoundError, type Hex, TransactionReceiptNotFoundError } from 'viem';
import { anchorRegistryAbi, bilateralRegistryAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import type { ContractAddresses } from './deploy.ts';
import { ChainError } from './errors.ts';
import { bytes32FromHash, hashFromBytes32, partyIdOf } from './ids.ts';

export interface MinedTx {
  readonly txHash: string;
  readonly status: 'success' | 'reverted';
  readonly blockNumber: number;
  readonly blockHash: string;
}

export interface AnchorItem {
  readonly bilateral: string;
  readonly seq: number;
  readonly value: string;
}

export interface AnchorChain {
  readonly chainId: number;
  readonly contract: string;
  ensureBilateral(bilateral: string): Promise<void>;
  latest(bilateral: string): Promise<number>;
  sendBatch(items: readonly AnchorItem[]): Promise<string>;
  waitMined(txHash: string): Promise<MinedTx>;
  receipt(txHash: string): Promise<MinedTx | undefined>;
  findAnchor(bilateral: string, seq: number): Promise<(MinedTx & { value: string }) | undefined>;
  head(): Promise<{ number: number; hash: string }>;
  blockHash(number: number): Promise<string | undefined>;
  forget(): void;
}

/** What the chain needs to register a bilateral: party names (as in the genesis) and the terms hash. */
export interface BilateralTerms {
  readonly seller: string;
  readonly buyer: string;
  readonly termsHash: string;
}

export interface AnchorChainOptions {
  readonly publicClient: ChainPublicClient;
  /** Signs as this party's account, which must be the seller's or buyer's account on chain. */
  readonly walletClient: ChainWalletClient;
  readonly addresses: ContractAddresses;
  /** Looks up a bilateral's parties and terms hash (from the node's store) for registration. */
  readonly bilateralTerms: (bilateral: string) => Promise<BilateralTerms>;
}

/**
 * @example
 * const chain = createAnchorChain({ publicClient, walletClient, addresses, bilateralTerms: (id) => store.terms(id) });
 * const anchorer = new Anchorer({ store, chain });
 */
export function createAnchorChain(options: AnchorChainOptions): AnchorChain {
  const { publicClient, walletClient, addresses } = options;
  const anchors = { address: addresses.anchorRegistry, abi: anchorRegistryAbi } as const;
  const bilaterals = { address: addresses.bilateralRegistry, abi: bilateralRegistryAbi } as const;
  const known = new Set<string>();

  const mined = (receipt: {
    transactionHash: Hex;
    status: 'success' | 'reverted';
    blockNumber: bigint;
    blockHash: Hex;
  }): MinedTx => ({
    txHash: receipt.transactionHash,
    status: receipt.status,
    blockNumber: Number(receipt.blockNumber),
    blockHash: receipt.blockHash,
  });

  return {
    chainId: addresses.chainId,
    contract: addresses.anchorRegistry,

    async ensureBilateral(bilateral) {
      if (known.has(bilateral)) return;
      const id = bytes32FromHash(bilateral);
      const exists = () => publicClient.readContract({ ...bilaterals, functionName: 'exists', args: [id] });
      if (!(await exists())) {
        const terms = await options.bilateralTerms(bilateral);
        const args = [
          id,
          partyIdOf(terms.seller),
          partyIdOf(terms.buyer),
          bytes32FromHash(terms.termsHash),
        ] as const;
        try {
          const hash = await walletClient.writeContract({ ...bilaterals, functionName: 'register', args });
          const receipt = await publicClient.waitForTransactionReceipt({ hash });
          if (receipt.status !== 'success') {
            throw new ChainError(
              'CHAIN_TX_REVERTED',
              `registering bilateral ${bilateral} reverted (tx ${hash})`,
              {
                details: { bilateral, hash },
              },
            );
          }
        } catch (error) {
          // The counterparty registered it first (before our estimate, or in the same block).
          if (!(await exists())) throw error;
        }
      }
      known.add(bilateral);
    },

    async latest(bilateral) {
      const [seq] = await publicClient.readContract({
        ...anchors,
        functionName: 'latest',
        args: [bytes32FromHash(bilateral)],
      });
      return Number(seq);
    },

    async sendBatch(items) {
      const seqs = items.map((item) => uint64(item.seq));
      return walletClient.writeContract({
        ...anchors,
        functionName: 'anchorBatch',
        args: [
          items.map((item) => bytes32FromHash(item.bilateral)),
          seqs,
          items.map((item) => bytes32FromHash(item.value)),
        ],
      });
    },

    async waitMined(txHash) {
      return mined(await publicClient.waitForTransactionReceipt({ hash: txHash as Hex }));
    },

    async receipt(txHash) {
      try {
        return mined(await publicClient.getTransactionReceipt({ hash: txHash as Hex }));
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) return undefined;
        throw error;
      }
    },

    async head() {
      const block = await publicClient.getBlock({ blockTag: 'latest' });
      return { number: Number(block.number), hash: block.hash };
    },

    async blockHash(number) {
      try {
        return (await publicClient.getBlock({ blockNumber: BigInt(number) })).hash;
      } catch (error) {
        if (error instanceof BlockNotFoundError) return undefined;
        throw error;
      }
    },

    forget() {
      known.clear();
      // The chain may have gone back: the next nonce is the chain's, not the one counted here.
      const account = walletClient.account;
      account.nonceManager?.reset({ address: account.address, chainId: addresses.chainId });
    },

    async findAnchor(bilateral, seq) {
      const id = bytes32FromHash(bilateral);
      const [root, blockNumber] = await publicClient.readContract({
        ...anchors,
        functionName: 'anchorOf',
        args: [id, uint64(seq)],
      });
      if (/^0x0+$/.test(root)) return undefined;
      const events = await publicClient.getContractEvents({
        ...anchors,
        eventName: 'Anchored',
        args: { bilateralId: id, seq: uint64(seq) },
        fromBlock: blockNumber,
        toBlock: blockNumber,
      });
      const event = events.at(-1);
      if (event === undefined || event.blockHash === null || event.transactionHash === null) return undefined;
      return {
        txHash: event.transactionHash,
        status: 'success',
        blockNumber: Number(blockNumber),
        blockHash: event.blockHash,
        value: hashFromBytes32(root),
      };
    },
  };
}

function uint64(seq: number): bigint {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new ChainError('CHAIN_INPUT_INVALID', 'seq: expected a non-negative safe integer', {
      details: { field: 'seq', value: seq },
    });
  }
  return BigInt(seq);
}
