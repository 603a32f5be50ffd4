/**
 * Builds the web console (docs/console.md): the browser code in app.ts,
 * bundled by esbuild's JS API from the TypeScript source, in memory, the
 * first time a node is asked for it; the page and its stylesheet are
 * static files next to it. Nothing is downloaded: esbuild is a direct
 * dependency, and the bundle pulls in no package.
 *
 * Run as a script (`npx tsx src/console/build.ts out-dir`) it writes the
 * three files to a folder, to look at or to serve from elsewhere.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface ConsoleFiles {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

const here = import.meta.dirname;

/** Bundles app.ts (ES2022, minified, no source map) and reads the page and the stylesheet. */
export async function buildConsole(): Promise<ConsoleFiles> {
  const result = await build({
    entryPoints: [join(here, 'app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no console bundle');
  return {
    html: readFileSync(join(here, 'index.html'), 'utf8'),
    js,
    css: readFileSync(join(here, 'console.css'), 'utf8'),
  };
}

let cached: Promise<ConsoleFiles> | undefined;

/** The console, built once per process (the first call builds; a failed build is retried next time). */
export function consoleFiles(): Promise<ConsoleFiles> {
  cached ??= buildConsole().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const out = process.argv[2] ?? 'console-dist';
  const files = await buildConsole();
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'index.html'), files.html);
  writeFileSync(join(out, 'app.js'), files.js);
  writeFileSync(join(out, 'console.css'), files.css);
  process.stdout.write(`console written to ${out} (${files.js.length} bytes of script)\n`);
}
