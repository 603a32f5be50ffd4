/**
 * Writing the audit log around a change: `audited` runs the change and
 * appends who asked, when, what, and what resulted, or, when the change is
 * refused (a `BilateralError`), the refusal and its code, then rethrows.
 * Anything else (a crash, a lost database) is not a decision of ours and is
 * not recorded as one. The record is written after the change: a change that
 * committed and then lost its audit record to a crash is the rare case,
 * and the entries themselves remain the durable record of what happened.
 */
import { BilateralError } from '../../core/index.ts';
import type { AuditInput, Store } from '../../store/index.ts';

export interface AuditAction extends Pick<AuditInput, 'actor' | 'action' | 'bilateral' | 'request'> {
  /** The clock the record's time comes from. */
  readonly now: () => Date;
}

/**
 * @example
 * const fact = await audited(
 *   store,
 *   { actor: credential.id, action: 'facts.record', bilateral: id, request: { kind: 'order' }, now },
 *   () => node.recordFact(id, body),
 *   ({ entry }) => ({ author: entry.signed.entry.author, seq: entry.signed.entry.seq }),
 * );
 */
export async function audited<T>(
  store: Store,
  action: AuditAction,
  work: () => Promise<T>,
  result: (value: T) => unknown = () => null,
): Promise<T> {
  const { now, ...what } = action;
  let value: T;
  try {
    value = await work();
  } catch (error) {
    if (error instanceof BilateralError) {
      await store.appendAudit({
        ...what,
        at: now().toISOString(),
        result: null,
        outcome: 'refused',
        code: error.code,
      });
    }
    throw error;
  }
  await store.appendAudit({
    ...what,
    at: now().toISOString(),
    result: result(value),
    outcome: 'ok',
    code: null,
  });
  return value;
}
