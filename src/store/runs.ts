/**
 * Multi-row inserts in runs of a few fixed lengths.
 *
 * A statement is prepared once per distinct SQL text (sqlite.ts keeps 256),
 * and a multi-row insert's text depends on its row count: writing whatever
 * a burst held (3 rows, then 41, then 17…) prepared a new statement almost
 * every time — preparing a 40-row insert costs more than running it, and
 * audit writes took a tenth of a node's time when facts arrive one per
 * request. Runs of 4^k rows need at most a handful of texts, and at most
 * three statements of each shorter length.
 */

/** [start, end) runs covering `count` rows, each 4^k rows long and at most `max`, longest first. */
export function* insertRuns(count: number, max: number): Generator<[number, number]> {
  let size = 1;
  while (size * 4 <= max) size *= 4;
  for (let start = 0; start < count; ) {
    while (size > count - start) size /= 4;
    yield [start, start + size];
    start += size;
  }
}
