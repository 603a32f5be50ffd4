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
import { InputError, loadTerms, offlineFlags, readJson, runOffline } from './offline-inputs.ts';
import { scheduleHtml, scheduleMarkdown, termsSchedule } from './terms-render.ts';

const USAGE = 'usage: sb terms render --terms TERMS.json [--format markdown|html] [--out FILE]\n';

export const terms: Command = async (args, io) =>
  runOffline('terms', USAGE, io, () => {
    const [action, ...rest] = args;
    if (action === undefined || action === '--help' || action === '-h') return undefined;
    if (action !== 'render') throw new InputError([`sb terms: unknown action '${action}'`]);
    const values = offlineFlags('terms', rest, { values: ['terms', 'format', 'out'], required: ['terms'] });
    if (values === 'help') return undefined;
    const format = (values.format as string | undefined) ?? 'markdown';
    if (format !== 'markdown' && format !== 'html') {
      throw new InputError([`sb terms: --format: expected markdown or html, got '${format}'`]);
    }
    const file = values.terms as string;
    const parsed = loadTerms(file);
    // The hash the genesis carries: of the document as written (canonical JSON), not of a parsed copy.
    const schedule = termsSchedule(parsed, hashJson(readJson(file) as JsonValue));
    const text = format === 'html' ? scheduleHtml(schedule) : scheduleMarkdown(schedule);
    if (typeof values.out !== 'string') return text;
    writeFileSync(resolve(values.out), text);
    return `schedule of ${parsed.id} written to ${resolve(values.out)}\n`;
  });
