/**
 * Test fixtures: plain objects of the ledger's shapes. Hashes are arbitrary
 * 64-hex strings and signatures are placeholders: the store checks neither.
 * No test-runner imports, so child processes can use these too.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agreement, SignedEntry } from '../ledger/index.ts';
import type { BilateralRecord, StoredEntry } from './types.ts';

export function hex(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export const SELLER = 'seller.example';
export const BUYER = 'buyer.example';

export function bilateralRecord(label: string, overrides: Partial<BilateralRecord> = {}): BilateralRecord {
  const id = hex(`bilateral/${label}`);
  const agreement: Agreement = {
    genesis: {
      schema: 'smart-bilateral/genesis@1',
      terms: { label, currency: 'EUR', plans: [{ name: '1G', mrc: '100.00' }] },
      termsHash: hex(`terms/${label}`),
      seller: { id: SELLER, key: 'k'.repeat(43) },
      buyer: { id: BUYER, key: 'K'.repeat(43) },
    },
    id,
    sigs: { seller: 's'.repeat(86), buyer: 'b'.repeat(86) },
  };
  return {
    id,
    agreement,
    role: 'seller',
    peerEndpoint: 'http://127.0.0.1:7002',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A stored entry; `variant` makes a different entry (and hash) at the same place. */
export function storedEntry(
  bilateral: string,
  author: string,
  seq: number,
  prev: string,
  variant = '',
  body: SignedEntry['entry']['body'] = { n: seq, variant },
  kind = 'fact',
): StoredEntry {
  const signed: SignedEntry = {
    entry: {
      bilateral,
      author,
      seq,
      prev,
      seen: null,
      kind,
      body,
      recordedAt: `2025-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    },
    key: 'k'.repeat(43),
    sig: 's'.repeat(86),
  };
  return {
    signed,
    hash: hex(`entry/${bilateral}/${author}/${seq}/${variant}`),
    receivedAt: '2025-01-02T00:00:00.000Z',
  };
}

/** `count` consecutive entries of one stream, correctly chained from the bilateral id. */
export function streamOf(bilateral: string, author: string, count: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prev = bilateral;
  for (let seq = 1; seq <= count; seq++) {
    const next = storedEntry(bilateral, author, seq, prev);
    entries.push(next);
    prev = next.hash;
  }
  return entries;
}

/** Temporary folders named `prefix…`: `make` one, `clear` them all (a test file's `afterEach`). */
export function tempDirs(prefix: string): { make(): string; clear(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    clear() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
