/**
 * Holds the layer rule of DESIGN.md: imports point down only. A file in one
 * layer may import only the layers listed for it here; the test reads every
 * source file and fails naming the file and the offending import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const allowed: Record<string, readonly string[]> = {
  core: [],
  ledger: ['core'],
  chain: ['ledger', 'core'],
  store: ['ledger', 'core'],
  kinds: ['ledger', 'core'],
  node: ['kinds', 'store', 'chain', 'ledger', 'core'],
  // Routes reach the store, chain and ledger only through the node (DESIGN.md); the API also
  // serves the console's bundle (src/console/build.ts).
  api: ['node', 'console'],
  // The web console: browser code, talking to the node over HTTP only.
  console: [],
  // The CLI is the exception on purpose: `sb rate` and `sb verify` run offline from core, kinds
  // and ledger alone (loading the node would start nothing but cost the store and chain
  // modules' load time), and `sb credentials|peers|chain` work on a store or chain directly.
  cli: ['api', 'node', 'kinds', 'store', 'chain', 'ledger', 'core'],
};

const srcRoot = resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every layer a file reaches through a relative import. */
function importedLayers(file: string, text: string): { specifier: string; layer: string }[] {
  const found: { specifier: string; layer: string }[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    const specifier = match[1]!;
    const target = relative(srcRoot, resolve(join(file, '..'), specifier));
    const layer = target.split(sep)[0]!;
    found.push({ specifier, layer });
  }
  return found;
}

describe('layering', () => {
  it('finds an upward import when there is one', () => {
    const file = join(srcRoot, 'core', 'rate.ts');
    const hits = importedLayers(file, "import { x } from '../node/node.ts';");
    expect(hits).toEqual([{ specifier: '../node/node.ts', layer: 'node' }]);
  });

  it('every source file imports only the layers below it', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(srcRoot)) {
      const layer = relative(srcRoot, file).split(sep)[0]!;
      const may = allowed[layer];
      if (may === undefined) {
        violations.push(`${relative(srcRoot, file)}: unknown layer ${layer}`);
        continue;
      }
      for (const hit of importedLayers(file, readFileSync(file, 'utf8'))) {
        if (hit.layer !== layer && !may.includes(hit.layer)) {
          violations.push(`${relative(srcRoot, file)} imports ${hit.specifier} (${hit.layer})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('`sb usage import` loads no store, API or chain module, so it starts in a fraction of a second', () => {
    const reached = runtimeImports(join(srcRoot, 'cli', 'usage.ts')).map((f) => relative(srcRoot, f));
    expect(reached).toContain(join('node', 'usage', 'sources.ts'));
    const heavy = reached.filter((f) => /^(store|api|chain)\b/.test(f) || f === join('node', 'index.ts'));
    expect(heavy).toEqual([]);
  });

  it('follows runtime imports and skips type-only ones', () => {
    const text =
      "import type { A } from './a.ts';\nimport {\n  type B,\n  c,\n} from './b.ts';\nexport type { D } from './d.ts';";
    expect(runtimeSpecifiers(text)).toEqual(['./b.ts']);
  });
});

/** Relative specifiers a module loads when it runs: `import type` and `export type` leave nothing behind. */
function runtimeSpecifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+['"](\.[^'"]+)['"]/gms)) {
    if (match[1] === undefined) found.push(match[2]!);
  }
  return found;
}

/** Every source file `entry` loads at run time, itself included, following relative imports. */
function runtimeImports(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeSpecifiers(readFileSync(file, 'utf8')))
      visit(resolve(join(file, '..'), specifier));
  };
  visit(entry);
  return [...seen];
}
