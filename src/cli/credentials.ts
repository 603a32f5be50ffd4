/**
 * `sb credentials`: owner API credentials, on the node's store directly (see
 * node-store.ts), so the first admin credential exists before the node runs.
 *
 *   sb credentials create --data DIR [--store URL] --name N --role R
 *       [--bilateral ID ...] [--party P] [--expires RFC3339] [--json]
 *   sb credentials list    --data DIR [--store URL] [--json]
 *   sb credentials revoke ID --data DIR [--store URL] [--json]
 *   sb credentials expire ID --data DIR [--store URL] [--at RFC3339] [--json]
 *
 * `create` prints the token once: only its hash is stored. Every change is
 * written to the audit log by `cli:<user>`. Bad input exits 2 naming the flag.
 */
import { audited, isRole, issueCredential, roles } from '../node/access/index.ts';
import type { CredentialRecord, Store } from '../store/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command, Io } from './main.ts';
import { asUsageError, cliActor, parseTime, splitArgs, storeFlags, withNodeStore } from './node-store.ts';

const USAGE = 'expected: sb credentials create|list|revoke ID|expire ID --data DIR [--store URL]';

export const credentials: Command = async (args, io) => {
  const [sub, ...rest] = args;
  const now = () => new Date();
  switch (sub) {
    case 'create':
      return create(rest, io, now);
    case 'list':
      return list(rest, io, now);
    case 'revoke':
    case 'expire':
      return change(sub, rest, io, now);
    default:
      throw new UsageError(USAGE);
  }
};

async function create(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const { positionals, values, rest } = splitArgs(args, ['bilateral']);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const flags = parseFlags(rest, {
    ...storeFlags,
    name: 'string',
    role: 'string',
    party: 'string',
    expires: 'string',
  });
  if (flags.name === undefined) throw new UsageError('--name is required');
  if (!isRole(flags.role)) {
    const given = flags.role === undefined ? 'is required' : `${flags.role}: not a role`;
    throw new UsageError(`--role ${given} (one of ${roles.join(', ')})`);
  }
  const role = flags.role;
  const bilaterals = values.get('bilateral')!;
  const expiresAt = flags.expires === undefined ? null : parseTime(flags.expires, '--expires');
  const request = {
    name: flags.name,
    role,
    bilaterals: bilaterals.length === 0 ? null : bilaterals,
    party: flags.party ?? null,
    expiresAt,
  };
  const { credential, token } = await withNodeStore(flags, (store) =>
    audited(
      store,
      {
        actor: cliActor(),
        action: 'credentials.create',
        bilateral: null,
        request: { ...request, expiresAt: expiresAt?.toISOString() ?? null },
        now,
      },
      () => issueCredential(store, { ...request, createdBy: cliActor(), now: now() }),
      (issued) => shown(issued.credential),
    ).catch((error: unknown) => {
      throw asUsageError(error, (issue) => flagOf(issue.path, issue.value));
    }),
  );
  if (flags.json === true) {
    io.stdout(`${JSON.stringify({ credential: shown(credential), token }, null, 2)}\n`);
    return 0;
  }
  io.stdout(
    `credential ${credential.id} created: ${describe(credential, now())}\n` +
      'token (shown once; keep it secret, give it with --token or SB_TOKEN):\n' +
      `${token}\n`,
  );
  return 0;
}

async function list(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const flags = parseFlags(args, storeFlags);
  const all = await withNodeStore(flags, (store) => store.listCredentials());
  if (flags.json === true) {
    io.stdout(`${JSON.stringify(all.map(shown), null, 2)}\n`);
    return 0;
  }
  if (all.length === 0) {
    io.stdout('no credentials (create one with: sb credentials create --role admin --name NAME)\n');
    return 0;
  }
  for (const credential of all) io.stdout(`${credential.id}  ${describe(credential, now())}\n`);
  return 0;
}

async function change(
  sub: 'revoke' | 'expire',
  args: readonly string[],
  io: Io,
  now: () => Date,
): Promise<number> {
  const { positionals, rest } = splitArgs(args);
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined)
    throw new UsageError(`expected: sb credentials ${sub} ID --data DIR`);
  const flags = parseFlags(rest, { ...storeFlags, at: 'string' });
  // Revoking is always now; only an expiry may be set for another time.
  if (sub === 'revoke' && flags.at !== undefined) throw new UsageError('unknown flag --at');
  const at = flags.at === undefined ? now() : parseTime(flags.at, '--at');
  const credential = await withNodeStore(flags, async (store: Store) => {
    if ((await store.getCredential(id)) === undefined) throw new UsageError(`no credential ${id}`);
    return audited(
      store,
      {
        actor: cliActor(),
        action: `credentials.${sub}`,
        bilateral: null,
        request: { id, at: at.toISOString() },
        now,
      },
      async () =>
        (sub === 'revoke'
          ? await store.revokeCredential(id, at.toISOString())
          : await store.expireCredential(id, at.toISOString()))!,
      shown,
    );
  });
  io.stdout(
    flags.json === true
      ? `${JSON.stringify(shown(credential), null, 2)}\n`
      : `${credential.id}  ${describe(credential, now())}\n`,
  );
  return 0;
}

/** A credential as printed and audited: everything but its token's hash. */
function shown(credential: CredentialRecord): Omit<CredentialRecord, 'tokenHash'> {
  const { tokenHash: _, ...rest } = credential;
  return rest;
}

/** One line for people: role, name, scope, and state at `now`. */
function describe(credential: CredentialRecord, now: Date): string {
  const scope = credential.bilaterals === null ? 'all bilaterals' : credential.bilaterals.join(',');
  const party = credential.party === null ? '' : ` for ${credential.party}`;
  let state = 'active';
  if (credential.revokedAt !== null) state = `revoked ${credential.revokedAt}`;
  else if (credential.expiresAt !== null) {
    state = `${Date.parse(credential.expiresAt) <= now.getTime() ? 'expired' : 'expires'} ${credential.expiresAt}`;
  }
  return `${credential.role}${party}  ${JSON.stringify(credential.name)}  ${scope}  ${state}`;
}

/** The flag an `issueCredential` issue is about, with the value given. */
function flagOf(path: string, value: unknown): string {
  if (path.startsWith('bilaterals[')) return `--bilateral ${String(value)}`;
  if (path === 'bilaterals') return '--bilateral';
  if (path === 'expiresAt') return '--expires';
  return `--${path}`;
}
