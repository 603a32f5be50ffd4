/**
 * Domain-separated signatures: every signature says what it signs.
 *
 * A party signs entries, checkpoints, agreements, peer requests, key
 * rotations and netting agreements with one Ed25519 key. Signed over bare canonical JSON, a signature
 * made for one purpose is a valid signature of the same bytes read as another;
 * today the object shapes happen to differ, but nothing holds that line as
 * shapes grow. So each purpose has a tag, and the signed message is a
 * pre-authentication encoding (the construction of DSSE's PAE):
 *
 *   "SB-SIG/2" SP len(tag) SP tag SP len(payload) SP payload
 *   tag = "smart-bilateral/<domain>", lengths as decimal ASCII byte counts
 *
 * Lengths make the split between tag and payload unambiguous, and the
 * `SB-SIG/2` prefix can never begin a canonical JSON text (which starts with
 * `{`, `[`, `"`, a digit, `-`, `t`, `f` or `n`), so a PAE message is never a
 * legacy message.
 *
 * Design rationale — the version lives in the signature text. A new signature
 * is `sb2.` + base64url of its 64 bytes and is checked over the PAE of its
 * domain only. A legacy signature (bare base64url, over the bare canonical
 * bytes) is accepted only when the caller says the record predates the change
 * (`legacy: true`, decided per bilateral by its genesis); otherwise its form
 * alone refuses it. Signing always writes `sb2.`.
 */
import { canonicalBytes } from './canonical.ts';
import { type KeyPair, SIGNATURE_PREFIX, sign, verify } from './keys.ts';

/** What a signature may be for; each has its own tag. */
export const signingDomains = [
  'entry',
  'checkpoint',
  'agreement',
  'peer-request',
  'key-rotation',
  'netting',
] as const;

export type SigningDomain = (typeof signingDomains)[number];

const PAE_VERSION = 'SB-SIG/2';

export function isSigningDomain(value: unknown): value is SigningDomain {
  return typeof value === 'string' && (signingDomains as readonly string[]).includes(value);
}

/** `smart-bilateral/<domain>`: the tag the PAE binds. */
export function signingTag(domain: SigningDomain): string {
  return `smart-bilateral/${domain}`;
}

/**
 * The bytes actually signed for `payload` in `domain` (the PAE above).
 *
 * @example new TextDecoder().decode(signingMessage('entry', new TextEncoder().encode('{}')))
 * // 'SB-SIG/2 21 smart-bilateral/entry 2 {}'
 */
export function signingMessage(domain: SigningDomain, payload: Uint8Array): Uint8Array {
  const tag = signingTag(assertDomain(domain));
  const header = Buffer.from(`${PAE_VERSION} ${tag.length} ${tag} ${payload.length} `, 'ascii');
  return Buffer.concat([header, payload]);
}

/**
 * `sb2.` + the Ed25519 signature of `signingMessage(domain, bytes)`, where
 * bytes are `payload` itself when it is already canonical bytes, else
 * `canonicalBytes(payload)`. Throws `KEY_INVALID` on a malformed key.
 *
 * @example const sig = signIn('checkpoint', checkpoint, keys); // 'sb2.…'
 */
export function signIn(domain: SigningDomain, payload: unknown, keys: KeyPair): string {
  const bytes = payload instanceof Uint8Array ? payload : canonicalBytes(payload);
  return SIGNATURE_PREFIX + sign(keys.privateKey, signingMessage(domain, bytes));
}

/**
 * True when `sig` signs `payloadBytes` in `domain` by `publicKey`: an `sb2.`
 * signature over the domain's PAE, or — only with `legacy: true` — a bare one
 * over the bare bytes. False, never a throw, on anything malformed.
 */
export function verifyIn(
  domain: SigningDomain,
  publicKey: string,
  payloadBytes: Uint8Array,
  sig: string,
  options: { readonly legacy: boolean },
): boolean {
  if (!isSigningDomain(domain) || typeof sig !== 'string') return false;
  if (sig.startsWith(SIGNATURE_PREFIX)) {
    return verify(publicKey, signingMessage(domain, payloadBytes), sig.slice(SIGNATURE_PREFIX.length));
  }
  return options.legacy === true && verify(publicKey, payloadBytes, sig);
}

function assertDomain(domain: SigningDomain): SigningDomain {
  if (!isSigningDomain(domain))
    throw new TypeError(`signing domain: expected one of ${signingDomains.join(', ')}`);
  return domain;
}
