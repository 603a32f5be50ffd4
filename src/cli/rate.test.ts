import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.fixtures.ts';

const fixtures = new URL('../core/fixtures/dia-acme-globex/', import.meta.url);
const TERMS = new URL('terms.json', fixtures).pathname;
const FACTS = new URL('facts.jsonl', fixtures).pathname;
const root = new URL('../../', import.meta.url).pathname;

const run = (...args: string[]) => runCli(['rate', ...args]);

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-rate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('sb rate', () => {
  it.each(['2026-01', '2026-02', '2026-03'])(
    'prints the %s invoice of the worked example as JSON',
    async (period) => {
      const { code, out, err } = await run('--terms', TERMS, '--events', FACTS, '--period', period, '--json');
      expect(err).toBe('');
      expect(code).toBe(0);
      const invoice = JSON.parse(out);
      const expected = JSON.parse(readFileSync(new URL(`invoice-${period}.json`, fixtures), 'utf8'));
      expect(invoice).toMatchObject({
        ...expected,
        lines: expected.lines.map((l: object) => expect.objectContaining(l)),
      });
      expect(invoice.lines[0].refs[0]).toBe('facts.jsonl:1');
    },
  );

  it('prints a readable table without --json', async () => {
    const { code, out } = await run(`--terms=${TERMS}`, `--events=${FACTS}`, '--period=2026-02');
    expect(code).toBe(0);
    expect(out).toMatch(/sla-credit\s+S1\s+SLA credit 10%.*-189\.00/);
    expect(out).toMatch(/total\s+2041\.20/);
  });

  it('names file, line and field for invalid terms', async () => {
    const lines = readFileSync(TERMS, 'utf8').replace('"mrc": "1200.00"', '"mrc": 1200').split('\n');
    const dir = scratch({ 'terms.json': lines.join('\n') });
    const line = lines.findIndex((l) => l.includes('"mrc": 1200')) + 1;
    const { code, err } = await run(
      '--terms',
      join(dir, 'terms.json'),
      '--events',
      FACTS,
      '--period',
      '2026-02',
    );
    expect(code).toBe(2);
    expect(err).toBe(
      `${join(dir, 'terms.json')}:${line}: offerings[0].plans.1G.mrc: expected a decimal string\n`,
    );
  });

  it('names file, line and field for every invalid fact, skipping blank lines', async () => {
    const facts = readFileSync(FACTS, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    facts[1] = facts[1]!.replace('2026-01-15T09:30:00Z', '2026-01-15 09:30');
    const dir = scratch({
      'facts.jsonl': `${facts[0]}\n\n${facts[1]}\n{"type":"outage",\n${facts.slice(2).join('\n')}\n`,
    });
    const { code, err } = await run(
      '--terms',
      TERMS,
      '--events',
      join(dir, 'facts.jsonl'),
      '--period',
      '2026-02',
    );
    expect(code).toBe(2);
    expect(err).toContain('facts.jsonl:3: at: expected an RFC 3339 UTC time\n');
    expect(err).toMatch(/facts\.jsonl:4: invalid JSON: unexpected end of input/);
  });

  it('exits 2 naming the ref of inconsistent facts', async () => {
    const facts = readFileSync(FACTS, 'utf8').trim().split('\n');
    const dir = scratch({ 'events.jsonl': [...facts, facts[1]!.replace('09:30', '10:30')].join('\n') });
    const { code, err } = await run(
      '--terms',
      TERMS,
      '--events',
      join(dir, 'events.jsonl'),
      '--period',
      '2026-02',
    );
    expect(code).toBe(2);
    // The file as the user named it, as for a malformed fact; the ref inside the message is the fact's own.
    expect(err).toBe(
      `${join(dir, 'events.jsonl')}:6: service S1 is activated twice (first at events.jsonl:2) (FACTS_INCONSISTENT)\n`,
    );
  });

  it('reports invalid JSON in terms with its line', async () => {
    const dir = scratch({ 'terms.json': '{\n  "schema": "smart-bilateral/terms@1",\n  "id": \n}' });
    const { code, err } = await run(
      '--terms',
      join(dir, 'terms.json'),
      '--events',
      FACTS,
      '--period',
      '2026-02',
    );
    expect(code).toBe(2);
    expect(err).toMatch(/terms\.json:4: invalid JSON/);
  });

  it.each([
    [['--events', FACTS, '--period', '2026-02'], /missing --terms/],
    [['--terms', TERMS, '--events', FACTS, '--period', '2026-13'], /--period: expected YYYY-MM/],
    [
      ['--terms', TERMS, '--events', FACTS, '--period', '2026-02', '--verbose'],
      /unknown argument '--verbose'/,
    ],
    [['--terms', TERMS, '--events', FACTS, '--period'], /--period needs a value/],
    [
      ['--terms', '/nonexistent/terms.json', '--events', FACTS, '--period', '2026-02'],
      /cannot read \/nonexistent\/terms\.json: ENOENT/,
    ],
  ])('rejects bad arguments %#', async (args, message) => {
    const { code, err, out } = await run(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });

  it('prints usage with --help', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: sb rate/);
  });

  it('runs as a child process through bin/sb.js', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/sb.js', 'rate', '--terms', TERMS, '--events', FACTS, '--period', '2026-03', '--json'],
      { cwd: root },
    );
    expect(JSON.parse(stdout).total).toBe('85393.55');
    const failed = await promisify(execFile)(process.execPath, ['bin/sb.js', 'rate', '--period', 'x'], {
      cwd: root,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('missing --terms') });
  });
});
