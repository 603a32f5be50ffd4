/**
 * Two nodes of one process pinning each other in their directories — what
 * two operators do with `sb peers add` after exchanging keys and endpoints.
 * The demo and the tests use it; `policy` is what each node does with the
 * other's proposals (`accept`: countersign at once; `approve`: hold them).
 */
import type { PeerPolicy } from '../node/index.ts';
import type { RunningNode } from './server.ts';

export async function introduce(
  a: Pick<RunningNode, 'node'>,
  b: Pick<RunningNode, 'node'>,
  policy: { readonly a?: PeerPolicy; readonly b?: PeerPolicy } = {},
): Promise<void> {
  await a.node.peering.pin({
    party: b.node.party,
    key: b.node.publicKey,
    endpoint: b.node.endpoint,
    policy: policy.a ?? 'accept',
  });
  await b.node.peering.pin({
    party: a.node.party,
    key: a.node.publicKey,
    endpoint: a.node.endpoint,
    policy: policy.b ?? 'accept',
  });
}
