/**
 * Corrections: facts are never changed, but a later fact may correct an
 * earlier one (`corrects: <ref>`), and rating then uses the correction in
 * its place — how an accepted dispute or a found mistake (a termination
 * recorded a day late) changes what a period costs without rewriting the
 * record. The rules: the corrected fact exists, a correction is of the same
 * type (and, for a service fact, about the same service), and a fact is
 * corrected at most once (a correction may itself be corrected).
 */
import type { FactRef } from './facts.ts';
import { inconsistent } from './history.ts';

/** `facts` without the ones a correction among them replaces. */
export function applyCorrections<T extends FactRef>(facts: readonly T[]): T[] {
  const byRef = new Map(facts.map((f) => [f.ref, f]));
  const replaced = new Map<string, string>();
  for (const { ref, fact } of facts) {
    const target = fact.corrects;
    if (target === undefined) continue;
    const service = 'service' in fact ? fact.service : '';
    const original = byRef.get(target);
    if (original === undefined || target === ref) {
      throw inconsistent(ref, service, `corrects ${target}: no such earlier fact`);
    }
    if (
      original.fact.type !== fact.type ||
      ('service' in original.fact ? original.fact.service : '') !== service
    ) {
      throw inconsistent(
        ref,
        service,
        `corrects ${target}: a correction is a ${original.fact.type} fact about the same service`,
      );
    }
    const earlier = replaced.get(target);
    if (earlier !== undefined)
      throw inconsistent(ref, service, `corrects ${target}: already corrected by ${earlier}`);
    replaced.set(target, ref);
  }
  return replaced.size === 0 ? [...facts] : facts.filter((f) => !replaced.has(f.ref));
}
