/**
 * Compiles the Solidity sources in `contracts/` with the pinned `solc` npm
 * package (soljson, in-process — never a downloaded compiler), through the
 * standard-JSON interface, into one artifact per contract.
 *
 * Design rationale:
 * - The EVM version is explicit and recorded in each artifact: a permissioned
 *   Besu network often runs an older fork (london, shanghai) than Anvil, and
 *   bytecode using a newer opcode (PUSH0, MCOPY) would fail there only at
 *   deploy time. `SB_EVM_VERSION` or an argument chooses it.
 * - Source unit names are the bare file names, sorted, so the metadata hash
 *   appended to the bytecode — and so the artifacts — do not depend on where
 *   the checkout lives.
 * - Every compiler error is reported at once, not just the first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import type { Abi, Hex } from 'viem';
import { ChainError } from './errors.ts';

export const CONTRACT_NAMES = [
  'PartyRegistry',
  'BilateralRegistry',
  'AnchorRegistry',
  'InvoicePledges',
  'ResourceCommitments',
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

/** EVM versions worth targeting; solc accepts older ones, the contracts need at least london. */
export const EVM_VERSIONS = ['london', 'paris', 'shanghai', 'cancun', 'prague', 'osaka'] as const;

export type EvmVersion = (typeof EVM_VERSIONS)[number];

/** Supported by Anvil 1.7 and by current public chains; override for older private networks. */
export const DEFAULT_EVM_VERSION: EvmVersion = 'cancun';

export const OPTIMIZER = { enabled: true, runs: 200 } as const;

export const CONTRACTS_DIR = join(import.meta.dirname, 'contracts');

export interface ContractArtifact {
  readonly contractName: ContractName;
  readonly abi: Abi;
  readonly bytecode: Hex;
  readonly deployedBytecode: Hex;
  readonly compiler: {
    readonly version: string;
    readonly evmVersion: EvmVersion;
    readonly optimizer: typeof OPTIMIZER;
  };
}

export type CompiledContracts = Readonly<Record<ContractName, ContractArtifact>>;

export interface CompileOptions {
  /** Defaults to `SB_EVM_VERSION` from the environment, else `DEFAULT_EVM_VERSION`. */
  readonly evmVersion?: EvmVersion;
  readonly contractsDir?: string;
}

export interface CompileResult {
  readonly contracts: CompiledContracts;
  /** Compiler warnings, formatted; compilation succeeded regardless. */
  readonly warnings: readonly string[];
}

export function isEvmVersion(value: unknown): value is EvmVersion {
  return typeof value === 'string' && (EVM_VERSIONS as readonly string[]).includes(value);
}

/** The EVM version named by `SB_EVM_VERSION`, else the default; a bad name throws. */
export function evmVersionFromEnv(env: NodeJS.ProcessEnv = process.env): EvmVersion {
  const value = env.SB_EVM_VERSION;
  if (value === undefined || value === '') return DEFAULT_EVM_VERSION;
  if (!isEvmVersion(value)) {
    throw new ChainError(
      'CHAIN_INPUT_INVALID',
      `SB_EVM_VERSION: expected one of ${EVM_VERSIONS.join(', ')}`,
      {
        details: { field: 'SB_EVM_VERSION', value },
      },
    );
  }
  return value;
}

interface SolcMessage {
  severity: 'error' | 'warning' | 'info';
  formattedMessage?: string;
  message: string;
}

interface SolcOutput {
  errors?: SolcMessage[];
  contracts?: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

/**
 * Compiles every `.sol` file in the contracts folder.
 *
 * @example
 * const { contracts } = compileContracts({ evmVersion: 'shanghai' });
 * contracts.AnchorRegistry.bytecode; // '0x6080…'
 */
export function compileContracts(options: CompileOptions = {}): CompileResult {
  const evmVersion = options.evmVersion ?? evmVersionFromEnv();
  if (!isEvmVersion(evmVersion)) {
    throw new ChainError('CHAIN_INPUT_INVALID', `evmVersion: expected one of ${EVM_VERSIONS.join(', ')}`, {
      details: { field: 'evmVersion', value: evmVersion },
    });
  }
  const dir = options.contractsDir ?? CONTRACTS_DIR;
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sol'))
    .sort();
  const sources = Object.fromEntries(
    files.map((name) => [name, { content: readFileSync(join(dir, name), 'utf8') }]),
  );
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion,
      optimizer: OPTIMIZER,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const messages = output.errors ?? [];
  const errors = messages.filter((m) => m.severity === 'error').map(formatMessage);
  if (errors.length > 0) {
    throw new ChainError('CHAIN_COMPILE_FAILED', `solc: ${errors.length} error(s)\n${errors.join('\n')}`, {
      details: { errors, evmVersion },
    });
  }
  const version = solc.version() as string;
  const contracts = {} as Record<ContractName, ContractArtifact>;
  for (const name of CONTRACT_NAMES) {
    const compiled = output.contracts?.[`${name}.sol`]?.[name];
    if (compiled === undefined) {
      throw new ChainError('CHAIN_COMPILE_FAILED', `solc: no contract ${name} in ${name}.sol`, {
        details: { contract: name, dir },
      });
    }
    contracts[name] = {
      contractName: name,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      compiler: { version, evmVersion, optimizer: OPTIMIZER },
    };
  }
  return {
    contracts,
    warnings: messages.filter((m) => m.severity === 'warning').map(formatMessage),
  };
}

/** The committed form of an artifact: two-space JSON with a final newline. */
export function artifactText(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

function formatMessage(message: SolcMessage): string {
  return (message.formattedMessage ?? message.message).trim();
}
