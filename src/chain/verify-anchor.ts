/**
 * Confirms on a chain that a proof's anchor is really there: the part of
 * `sb verify` that needs the network. Offline checks (`verifyProof`) already
 * tied the anchor's bilateral, seq and value to the proof's checkpoint; here
 * the chain confirms that transaction `txHash` succeeded in block
 * (`blockNumber`, `blockHash`) on chain `chainId`, that it emitted
 * `Anchored(bilateral, seq, value, by)` from the registry `contract`, and that
 * the registry's `anchorOf(bilateral, seq)` still holds `value`.
 *
 * Design rationale:
 * - The ABI fragment is inline and minimal: this check must work against any
 *   AnchorRegistry deployment with that event and view, with no artifacts.
 * - Network and RPC errors become failed checks with a short reason, never a
 *   throw: the caller prints a report. The first failure that makes the rest
 *   meaningless (unreachable RPC, wrong chain, no receipt) ends the list.
 * - The block is fetched by number and its hash compared, so a reorganised
 *   chain that dropped the anchor's block fails even if the receipt lingers.
 */
import {
  BaseError,
  createPublicClient,
  decodeEventLog,
  type Hex,
  http,
  type Log,
  type PublicClient,
  parseAbi,
  TransactionReceiptNotFoundError,
} from 'viem';
import type { Check, ProofAnchor } from '../ledger/index.ts';

/** The part of the AnchorRegistry interface a verifier needs. */
export const anchorRegistryAbi = parseAbi([
  'event Anchored(bytes32 indexed bilateralId, uint64 indexed seq, bytes32 root, address by)',
  'function anchorOf(bytes32 bilateralId, uint64 seq) view returns (bytes32 root, uint64 blockNumber, uint64 timestamp)',
]);

export interface VerifyAnchorOptions {
  /** Milliseconds per RPC request; default 10 000. */
  readonly timeout?: number;
}

/**
 * `verifyAnchor` against the JSON-RPC endpoint `rpcUrl`.
 *
 * @example
 * const checks = await verifyAnchorOnChain('http://127.0.0.1:8545', proof.anchor);
 * const ok = checks.every((c) => c.ok);
 */
export async function verifyAnchorOnChain(
  rpcUrl: string,
  anchor: ProofAnchor,
  options: VerifyAnchorOptions = {},
): Promise<Check[]> {
  let client: PublicClient;
  try {
    client = createPublicClient({
      transport: http(rpcUrl, { timeout: options.timeout ?? 10_000, retryCount: 0 }),
    });
  } catch (error) {
    return [
      { name: 'chain: id', ok: false, detail: `cannot use ${rpcUrl} as a JSON-RPC URL: ${reason(error)}` },
    ];
  }
  return verifyAnchor(client, anchor, rpcUrl);
}

/** One check per fact the chain confirms, in order; never throws. */
export async function verifyAnchor(
  client: PublicClient,
  anchor: ProofAnchor,
  where = 'the RPC',
): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const bilateral = anchor.bilateral.toLowerCase() as Hex;
  const value = anchor.value.toLowerCase() as Hex;
  const seq = BigInt(anchor.seq);

  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (error) {
    add('chain: id', false, `cannot reach the chain at ${where}: ${reason(error)}`);
    return checks;
  }
  const sameChain = chainId === anchor.chainId;
  if (
    !add(
      'chain: id',
      sameChain,
      sameChain
        ? `${where} serves chain ${chainId}, as the anchor says`
        : `${where} serves chain ${chainId}, but the anchor was written on chain ${anchor.chainId}`,
    )
  ) {
    return checks;
  }

  let receipt: Awaited<ReturnType<PublicClient['getTransactionReceipt']>>;
  try {
    receipt = await client.getTransactionReceipt({ hash: anchor.txHash });
  } catch (error) {
    const detail =
      error instanceof TransactionReceiptNotFoundError
        ? `chain ${chainId} has no transaction ${anchor.txHash} — the transaction hash is wrong, or the chain was reset`
        : `cannot read transaction ${anchor.txHash}: ${reason(error)}`;
    add('chain: transaction', false, detail);
    return checks;
  }
  if (
    !add(
      'chain: transaction',
      receipt.status === 'success',
      receipt.status === 'success'
        ? `transaction ${short(anchor.txHash)} succeeded`
        : `transaction ${short(anchor.txHash)} reverted: it anchored nothing`,
    )
  ) {
    return checks;
  }

  await guarded(add, 'chain: block', async () => {
    if (receipt.blockNumber !== BigInt(anchor.blockNumber)) {
      return [false, `the transaction is in block ${receipt.blockNumber}, not block ${anchor.blockNumber}`];
    }
    if (receipt.blockHash.toLowerCase() !== anchor.blockHash.toLowerCase()) {
      return [
        false,
        `the transaction's block has hash ${short(receipt.blockHash)}, not ${short(anchor.blockHash)}`,
      ];
    }
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    if (block.hash?.toLowerCase() !== anchor.blockHash.toLowerCase()) {
      return [
        false,
        `block ${anchor.blockNumber} of the chain is now ${short(String(block.hash))}: the anchor's block was reorganised away`,
      ];
    }
    const at = new Date(Number(block.timestamp) * 1000).toISOString();
    return [true, `in block ${anchor.blockNumber} (${short(anchor.blockHash)}) of ${at}`];
  });

  await guarded(add, 'chain: event', async () => {
    const events = anchoredEvents(receipt.logs, anchor.contract);
    if (events.length === 0)
      return [false, `the transaction emitted no Anchored event from ${anchor.contract}`];
    const match = events.find((e) => e.bilateralId.toLowerCase() === bilateral && e.seq === seq);
    if (match === undefined) {
      const seen = events.map((e) => `${short(e.bilateralId)}/${e.seq}`).join(', ');
      return [false, `the transaction anchored ${seen}, not bilateral ${short(bilateral)} seq ${seq}`];
    }
    if (match.root.toLowerCase() !== value) {
      return [
        false,
        `the transaction anchored ${short(match.root)} for this bilateral and seq, not the proof's ${short(value)} — the proof's checkpoint is not the one anchored`,
      ];
    }
    return [
      true,
      `${anchor.contract} emitted Anchored(${short(bilateral)}, ${seq}, ${short(value)}) from ${match.by}`,
    ];
  });

  await guarded(add, 'chain: registry', async () => {
    const [root, blockNumber] = await client.readContract({
      address: anchor.contract,
      abi: anchorRegistryAbi,
      functionName: 'anchorOf',
      args: [bilateral, seq],
    });
    if (/^0x0{64}$/.test(root))
      return [false, `${anchor.contract} holds no anchor for bilateral ${short(bilateral)} seq ${seq}`];
    if (root.toLowerCase() !== value) {
      return [
        false,
        `${anchor.contract} holds ${short(root)} for bilateral ${short(bilateral)} seq ${seq}, not the proof's ${short(value)}`,
      ];
    }
    if (blockNumber !== BigInt(anchor.blockNumber)) {
      return [
        false,
        `${anchor.contract} recorded the anchor in block ${blockNumber}, not ${anchor.blockNumber}`,
      ];
    }
    return [
      true,
      `anchorOf(${short(bilateral)}, ${seq}) = ${short(value)}, recorded in block ${blockNumber}`,
    ];
  });
  return checks;
}

interface AnchoredEvent {
  readonly bilateralId: Hex;
  readonly seq: bigint;
  readonly root: Hex;
  readonly by: Hex;
}

/** The `Anchored` events `contract` emitted among `logs` (other logs are ignored). */
function anchoredEvents(logs: readonly Log[], contract: Hex): AnchoredEvent[] {
  const found: AnchoredEvent[] = [];
  for (const log of logs) {
    if (log.address.toLowerCase() !== contract.toLowerCase()) continue;
    try {
      const decoded = decodeEventLog({ abi: anchorRegistryAbi, data: log.data, topics: log.topics });
      if (decoded.eventName === 'Anchored') found.push(decoded.args);
    } catch {
      // another event of the same contract
    }
  }
  return found;
}

async function guarded(
  add: (name: string, ok: boolean, detail: string) => boolean,
  name: string,
  fn: () => Promise<[boolean, string]>,
): Promise<void> {
  try {
    const [ok, detail] = await fn();
    add(name, ok, detail);
  } catch (error) {
    add(name, false, `could not be checked: ${reason(error)}`);
  }
}

/** viem's one-line reason when it has one; its full messages span many lines. */
function reason(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

function short(hex: string): string {
  return hex.length > 18 ? `${hex.slice(0, 14)}…` : hex;
}
