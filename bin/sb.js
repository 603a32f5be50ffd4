#!/usr/bin/env node
// Entry point of the `sb` command: loads the TypeScript sources through tsx,
// so the project runs straight from a clone with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
