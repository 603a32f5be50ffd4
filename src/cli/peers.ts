/**
 * `sb peers`: the directory of counterparties this node trusts (DESIGN.md
 * decision 8), on the node's store directly (see node-store.ts).
 *
 *   sb peers add --data DIR [--store URL] --party P --key K --endpoint URL
 *       [--policy approve|accept] [--replace] [--json]
 *   sb peers list   --data DIR [--store URL] [--json]
 *   sb peers remove P --data DIR [--store URL]
 *   sb peers policy P accept|approve --data DIR [--store URL]
 *
 * A pinned entry is a trust root: a proposal from P is checked against this
 * key and endpoint, never against what the message claims. Changing a pinned
 * party's key or endpoint therefore takes `--replace`, so a typo in a party
 * name cannot silently overwrite another party's key. Every change is
 * written to the audit log by `cli:<user>`. Bad input exits 2 naming the flag.
 */
import { isPublicKey } from '../ledger/index.ts';
import { audited } from '../node/access/index.ts';
import { type PeerPolicy, type PeerRecord, peerPolicies, type Store } from '../store/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command, Io } from './main.ts';
import { cliActor, splitArgs, storeFlags, withNodeStore } from './node-store.ts';

const USAGE = 'expected: sb peers add|list|remove P|policy P accept|approve --data DIR [--store URL]';

export const peers: Command = async (args, io) => {
  const [sub, ...rest] = args;
  const now = () => new Date();
  switch (sub) {
    case 'add':
      return add(rest, io, now);
    case 'list':
      return list(rest, io);
    case 'remove':
      return remove(rest, io, now);
    case 'policy':
      return policy(rest, io, now);
    default:
      throw new UsageError(USAGE);
  }
};

async function add(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const flags = parseFlags(args, {
    ...storeFlags,
    party: 'string',
    key: 'string',
    endpoint: 'string',
    policy: 'string',
    replace: 'boolean',
  });
  if (flags.party === undefined || flags.party.trim() === '') throw new UsageError('--party is required');
  if (flags.key === undefined || !isPublicKey(flags.key)) {
    throw new UsageError(`--key ${flags.key ?? ''}: expected the base64url of a 32-byte Ed25519 public key`);
  }
  if (flags.endpoint === undefined || !isHttpUrl(flags.endpoint)) {
    throw new UsageError(`--endpoint ${flags.endpoint ?? ''}: expected an http(s) URL`);
  }
  const chosen = parsePolicy(flags.policy ?? 'approve', '--policy');
  const { party, key, endpoint } = flags;
  const peer = await withNodeStore(flags, async (store) => {
    const existing = await store.getPeer(party);
    const moved = existing !== undefined && (existing.key !== key || existing.endpoint !== endpoint);
    if (moved && flags.replace !== true) {
      throw new UsageError(
        `--party ${party}: already in the directory with key ${existing.key} at ${existing.endpoint}; pass --replace to change them`,
      );
    }
    const record: PeerRecord = {
      party,
      key,
      endpoint,
      source: 'pinned',
      policy: chosen,
      addedAt: now().toISOString(),
    };
    return change(store, 'peers.add', { party, key, endpoint, policy: chosen }, now, async () => {
      await store.putPeer(record);
      return record;
    });
  });
  io.stdout(flags.json === true ? `${JSON.stringify(peer, null, 2)}\n` : `pinned ${describe(peer)}\n`);
  return 0;
}

async function list(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, storeFlags);
  const all = await withNodeStore(flags, (store) => store.listPeers());
  if (flags.json === true) io.stdout(`${JSON.stringify(all, null, 2)}\n`);
  else if (all.length === 0)
    io.stdout('no peers (pin one with: sb peers add --party P --key K --endpoint URL)\n');
  else for (const peer of all) io.stdout(`${describe(peer)}\n`);
  return 0;
}

async function remove(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const { party, flags } = partyAnd(args, 0, 'remove P');
  await withNodeStore(flags, async (store) => {
    await known(store, party);
    await change(store, 'peers.remove', { party }, now, () => store.removePeer(party));
  });
  io.stdout(`removed ${party}\n`);
  return 0;
}

async function policy(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const { party, more, flags } = partyAnd(args, 1, 'policy P accept|approve');
  const chosen = parsePolicy(more[0]!, 'policy');
  const peer = await withNodeStore(flags, async (store) => {
    const existing = await known(store, party);
    const record: PeerRecord = { ...existing, policy: chosen };
    return change(store, 'peers.policy', { party, policy: chosen }, now, async () => {
      await store.putPeer(record);
      return record;
    });
  });
  io.stdout(flags.json === true ? `${JSON.stringify(peer, null, 2)}\n` : `${describe(peer)}\n`);
  return 0;
}

/** `P` and `count` more positionals, then the store flags. */
function partyAnd(args: readonly string[], count: number, shape: string) {
  const { positionals, rest } = splitArgs(args);
  const [party, ...more] = positionals;
  if (party === undefined || more.length !== count)
    throw new UsageError(`expected: sb peers ${shape} --data DIR`);
  return { party, more, flags: parseFlags(rest, storeFlags) };
}

async function known(store: Store, party: string): Promise<PeerRecord> {
  const peer = await store.getPeer(party);
  if (peer === undefined) throw new UsageError(`no peer ${party} in the directory`);
  return peer;
}

/** Runs a directory change and writes its audit record (the resulting entry, or the refusal). */
function change<T>(store: Store, action: string, request: unknown, now: () => Date, work: () => Promise<T>) {
  return audited(store, { actor: cliActor(), action, bilateral: null, request, now }, work, (value) => value);
}

function parsePolicy(value: string, flag: string): PeerPolicy {
  if (!(peerPolicies as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} ${value}: expected ${peerPolicies.join(' or ')}`);
  }
  return value as PeerPolicy;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function describe(peer: PeerRecord): string {
  const policy = peer.policy === 'accept' ? 'accepts proposals' : 'proposals wait for approval';
  return `${peer.party}  ${peer.endpoint}  key ${peer.key}  ${peer.source}, ${policy}`;
}
