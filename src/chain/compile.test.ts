import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as abi from './abi.ts';
import { ARTIFACTS_DIR, camelName } from './build.ts';
import * as bytecode from './bytecode.ts';
import {
  artifactText,
  CONTRACT_NAMES,
  type CompileResult,
  compileContracts,
  evmVersionFromEnv,
  isEvmVersion,
} from './compile.ts';
import { ChainError } from './errors.ts';

const committed = (name: string): string => readFileSync(join(ARTIFACTS_DIR, `${name}.json`), 'utf8');

// Compile once, for the EVM version the committed artifacts record, so the check
// holds whichever target the repository was built for.
let result: CompileResult;
let seconds: number;
beforeAll(() => {
  const { evmVersion } = (JSON.parse(committed('PartyRegistry')) as { compiler: { evmVersion: unknown } })
    .compiler;
  if (!isEvmVersion(evmVersion)) throw new Error(`artifact evmVersion ${String(evmVersion)}`);
  const started = performance.now();
  result = compileContracts({ evmVersion });
  seconds = (performance.now() - started) / 1000;
});

describe('compiled artifacts', () => {
  it('compile without warnings, in seconds', () => {
    expect(result.warnings).toEqual([]);
    expect(seconds).toBeLessThan(20);
  });

  it.each(CONTRACT_NAMES)('artifacts/%s.json is byte-identical to what the sources compile to', (name) => {
    expect(committed(name), 'run npm run build:contracts and commit').toBe(
      artifactText(result.contracts[name]),
    );
  });

  it.each(CONTRACT_NAMES)('abi.ts and bytecode.ts hold the compiled %s', (name) => {
    const key = camelName(name);
    expect((abi as Record<string, unknown>)[`${key}Abi`]).toEqual(result.contracts[name].abi);
    expect((bytecode as Record<string, unknown>)[`${key}Bytecode`]).toBe(result.contracts[name].bytecode);
    expect(bytecode.compilerSettings).toEqual(result.contracts[name].compiler);
  });

  it('records the pinned compiler and settings', () => {
    const artifact = result.contracts.AnchorRegistry;
    expect(artifact.compiler.version).toMatch(/^0\.8\.37\+commit\./);
    expect(artifact.compiler.optimizer).toEqual({ enabled: true, runs: 200 });
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]+$/);
  });
});

describe('compileContracts', () => {
  it('takes the EVM version from SB_EVM_VERSION, refusing unknown names', () => {
    expect(evmVersionFromEnv({})).toBe('cancun');
    expect(evmVersionFromEnv({ SB_EVM_VERSION: 'london' })).toBe('london');
    expect(() => evmVersionFromEnv({ SB_EVM_VERSION: 'frontier' })).toThrow(ChainError);
  });

  it('lists every compiler error', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sb-solc-'));
    writeFileSync(
      join(dir, 'A.sol'),
      'pragma solidity ^0.8.24;\ncontract A { function f() external { uint x = ; } }\n',
    );
    writeFileSync(
      join(dir, 'B.sol'),
      'pragma solidity ^0.8.24;\ncontract B { function g() external { uint y = ; } }\n',
    );
    let error: unknown;
    try {
      compileContracts({ contractsDir: dir, evmVersion: 'cancun' });
    } catch (e) {
      error = e;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).code).toBe('CHAIN_COMPILE_FAILED');
    const errors = (error as ChainError).details.errors as string[];
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(/A\.sol:2.*\n[\s\S]*B\.sol:2/);
  });
});
