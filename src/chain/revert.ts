/**
 * Reads the contract's named error out of whatever viem threw. viem decodes a
 * revert against the ABI it was given and buries the result a few causes
 * deep (ContractFunctionExecutionError → ContractFunctionRevertedError); the
 * callers — the anchoring loop deciding whether a seq was already anchored,
 * the API mapping `AlreadyPledged` to 409 — want just the name and arguments.
 */
import { BaseError, ContractFunctionRevertedError } from 'viem';

export interface ContractRevert {
  /** The Solidity error name, e.g. `SequenceNotIncreasing`. */
  readonly name: string;
  readonly args: readonly unknown[];
  /** The selector when the error is not in the ABI used for the call. */
  readonly signature?: string;
}

/**
 * The named revert inside `error`, or undefined when it is not a decoded contract revert.
 *
 * @example
 * try { await wallet.writeContract(…) } catch (e) { if (contractRevert(e)?.name === 'AlreadyPledged') … }
 */
export function contractRevert(error: unknown): ContractRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const data = reverted.data;
  if (data !== undefined) return { name: data.errorName, args: data.args ?? [] };
  if (reverted.signature !== undefined) return { name: 'unknown', args: [], signature: reverted.signature };
  return undefined;
}
