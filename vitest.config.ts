import { defineConfig } from 'vitest/config';

/**
 * The suite in four projects, so a developer runs the fast part alone
 * (`npm run test:unit`, seconds) and CI runs all of them (`npm test`):
 *
 * - unit: pure code and in-process nodes on in-memory SQLite;
 * - postgres: the store conformance suite on both engines, PostgreSQL's own paths;
 * - chain: the contracts and anchoring against a real Anvil;
 * - e2e: live nodes over HTTP, `sb` processes, the demo.
 */
const postgres = [
  'src/store/store.test.ts',
  'src/store/postgres-copy.test.ts',
  'src/store/usage-migration.test.ts',
];
const chain = ['src/chain/**/*.test.ts', 'src/node/anchoring.test.ts', 'src/cli/verify.test.ts'];
const e2e = ['test/**/*.test.ts', 'src/cli/usage.test.ts'];
const unitAlso = [
  'test/layers.test.ts',
  'test/rate-audit.test.ts',
  'test/errors.test.ts',
  'test/in-memory.test.ts',
  'test/key-rotation.test.ts',
  'test/statements.test.ts',
  'test/invoice-schedule.test.ts',
  'test/notes.test.ts',
  'test/notifications.test.ts',
  'test/disputes.test.ts',
  'test/netting.test.ts',
];

const shared = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    ...shared,
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', ...unitAlso],
          exclude: [...postgres, ...chain, 'src/cli/usage.test.ts', '**/node_modules/**'],
        },
      },
      { test: { ...shared, name: 'postgres', include: postgres } },
      { test: { ...shared, name: 'chain', include: chain } },
      { test: { ...shared, name: 'e2e', include: e2e, exclude: [...unitAlso, '**/node_modules/**'] } },
    ],
  },
});
