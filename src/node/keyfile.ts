/**
 * The party's identity on disk: `party.json` in the node's data folder holds its
 * id, its Ed25519 entry key pair and the secp256k1 key of the EVM account that
 * sends its chain transactions. Created on first start with owner-only
 * permissions, written to a temporary file and renamed so a crash never leaves
 * half a key. A file from before the EVM key (or the resource salt) existed
 * gains one on next start.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrivateKey } from 'viem/accounts';
import { generateKeyPair, type KeyPair } from '../ledger/index.ts';
import { NodeError } from './errors.ts';
import type { KeyFile, PendingRotation, RotationRecord } from './keys/party-keys.ts';

export interface PartyFile {
  readonly party: string;
  readonly keys: KeyPair;
  /** 0x-prefixed 32-byte hex private key of the party's EVM account. */
  readonly evmKey: `0x${string}`;
  /**
   * 0x-prefixed 32 random bytes: the secret a Seller's unique resources are
   * fingerprinted with on the chain (resources.ts). Every node of the party
   * holds the same (copy `party.json`), so they commit the same fingerprints.
   */
  readonly resourceSalt: `0x${string}`;
  /** Every rotation of the entry key, oldest first (`sb` / `POST /party/rotate-key`). */
  readonly rotations?: readonly RotationRecord[];
  /** A rotation not yet recorded in every bilateral: the key pair being retired. Finished on start. */
  readonly pendingRotation?: PendingRotation;
}

function write(path: string, file: PartyFile): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function loadOrCreatePartyFile(dataDir: string, party: string): PartyFile {
  const path = join(dataDir, 'party.json');
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<PartyFile>;
    if (stored.party !== party || stored.keys === undefined) {
      throw new NodeError('PARTY_MISMATCH', `${path} belongs to party ${stored.party}, not ${party}`);
    }
    if (stored.evmKey !== undefined && stored.resourceSalt !== undefined) return stored as PartyFile;
    const upgraded: PartyFile = {
      ...stored,
      party,
      keys: stored.keys,
      evmKey: stored.evmKey ?? generatePrivateKey(),
      resourceSalt: stored.resourceSalt ?? generatePrivateKey(),
    };
    write(path, upgraded);
    return upgraded;
  }
  mkdirSync(dataDir, { recursive: true });
  const created: PartyFile = {
    party,
    keys: generateKeyPair(),
    evmKey: generatePrivateKey(),
    resourceSalt: generatePrivateKey(),
  };
  write(path, created);
  return created;
}

/** The key file of a node: `save` rewrites `party.json` atomically with the new keys and rotations. */
export function partyKeyFile(dataDir: string, file: PartyFile): KeyFile {
  const path = join(dataDir, 'party.json');
  return {
    rotations: file.rotations ?? [],
    save(state) {
      const { pendingRotation: _, ...rest } = file;
      write(path, {
        ...rest,
        keys: state.keys,
        rotations: state.rotations,
        ...(state.pendingRotation === undefined ? {} : { pendingRotation: state.pendingRotation }),
      });
    },
  };
}
