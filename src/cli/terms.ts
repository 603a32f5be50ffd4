/**
 * `sb terms render --terms TERMS.json [--format markdown|html] [--out FILE]`:
 * the terms as a contract schedule people read (terms-render.ts), carrying
 * the terms hash both nodes sign. Offline; bad terms exit 2 naming each
 * problem as `file:line: field: rule`, as `sb rate` does.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import type { Command } from './main.ts';
import { InputError, loadTerms, readJson, runOffline } from './offline-inputs.ts';
import { scheduleHtml, scheduleMarkdown, termsSchedule } from './terms-render.ts';

const USAGE = 'usage: sb terms render --terms TERMS.json [--format markdown|html] [--out FILE]\n';

export const terms: Command = async (args, io) =>
  runOffline('terms', USAGE, io, () => {
    const [action, ...rest] = args;
    if (action === undefined || action === '--help' || action === '-h') return undefined;
    if (action !== 'render') throw new InputError([`sb terms: unknown action '${action}'`]);
    const values: Record<string, string> = {};
    for (let i = 0; i < rest.length; i++) {
      const flag = rest[i]!;
      if (flag === '--help' || flag === '-h') return undefined;
      if (!['--terms', '--format', '--out'].includes(flag))
        throw new InputError([`sb terms: unknown argument '${flag}'`]);
      const value = rest[++i];
      if (value === undefined || value === '') throw new InputError([`sb terms: ${flag} needs a value`]);
      values[flag.slice(2)] = value;
    }
    if (values.terms === undefined) throw new InputError(['sb terms: missing --terms']);
    const format = values.format ?? 'markdown';
    if (format !== 'markdown' && format !== 'html') {
      throw new InputError([`sb terms: --format: expected markdown or html, got '${format}'`]);
    }
    const parsed = loadTerms(values.terms);
    // The hash the genesis carries: of the document as written (canonical JSON), not of a parsed copy.
    const schedule = termsSchedule(parsed, hashJson(readJson(values.terms) as JsonValue));
    const text = format === 'html' ? scheduleHtml(schedule) : scheduleMarkdown(schedule);
    if (values.out === undefined) return text;
    writeFileSync(resolve(values.out), text);
    return `schedule of ${parsed.id} written to ${resolve(values.out)}\n`;
  });
