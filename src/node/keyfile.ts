/**
 * The party's identity on disk: `party.json` in the node's data folder holds its
 * id and Ed25519 key pair. Created on first start with owner-only permissions,
 * written to a temporary file and renamed so a crash never leaves half a key.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BilateralError } from '../core/index.ts';
import { generateKeyPair, type KeyPair } from '../ledger/index.ts';

export interface PartyFile {
  readonly party: string;
  readonly keys: KeyPair;
}

export function loadOrCreatePartyFile(dataDir: string, party: string): PartyFile {
  const path = join(dataDir, 'party.json');
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as PartyFile;
    if (stored.party !== party) {
      throw new BilateralError('PARTY_MISMATCH', `${path} belongs to party ${stored.party}, not ${party}`);
    }
    return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const created: PartyFile = { party, keys: generateKeyPair() };
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  return created;
}
