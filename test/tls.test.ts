/**
 * Both listeners over TLS: two `sb node` processes whose owner and peer APIs
 * serve HTTPS from certificate files, agreeing a bilateral over the HTTPS
 * peer API (each trusting the test's own CA, as a real deployment trusts its
 * certificate authority). Plain HTTP to a TLS port gets nothing.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNode } from './processes.fixtures.ts';
import { exampleTerms } from './support.ts';

/** A JSON request over HTTPS trusting `ca`; the status and parsed body. */
function httpsJson<T>(
  url: string,
  ca: Buffer,
  method: 'GET' | 'POST' | 'PUT',
  token?: string,
  body?: unknown,
) {
  return new Promise<{ status: number; body: T }>((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let data = '';
        response.on('data', (chunk) => {
          data += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(data) as T }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('owner and peer APIs over TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-tls-'));
  const key = join(root, 'tls.key');
  const cert = join(root, 'tls.crt');
  let ca: Buffer;
  const nodes: { party: string; port: number; peerPort: number; child?: ChildProcess }[] = [
    { party: 'acme-fiber', port: 0, peerPort: 0 },
    { party: 'globex', port: 0, peerPort: 0 },
  ];
  const owner = (n: (typeof nodes)[number]) => `https://127.0.0.1:${n.port}`;
  const token = (n: (typeof nodes)[number]) =>
    readFileSync(join(root, n.party, 'admin.token'), 'utf8').trim();

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    for (const n of nodes) {
      n.port = await freePort();
      n.peerPort = await freePort();
    }
    await Promise.all(
      nodes.map(async (n) => {
        n.child = await startNode(
          [
            '--data',
            join(root, n.party),
            '--party',
            n.party,
            '--no-chain',
            '--port',
            String(n.port),
            '--tls-key',
            key,
            '--tls-cert',
            cert,
            '--peer-port',
            String(n.peerPort),
            '--peer-tls-key',
            key,
            '--peer-tls-cert',
            cert,
          ],
          // The nodes trust the test's CA for each other's peer API, as production trusts its CA.
          { NODE_EXTRA_CA_CERTS: cert },
        );
      }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) {
      if (n.child !== undefined && n.child.exitCode === null) {
        const exited = new Promise((resolve) => n.child!.once('exit', resolve));
        n.child.kill('SIGTERM');
        await exited;
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('serves both APIs over HTTPS and nothing over plain HTTP', async () => {
    const [seller] = nodes;
    const party = await httpsJson<{ party: string; endpoint: string }>(
      `${owner(seller!)}/party`,
      ca,
      'GET',
      token(seller!),
    );
    expect(party.status).toBe(200);
    expect(party.body.endpoint).toBe(`https://127.0.0.1:${seller!.peerPort}`);
    const identity = await httpsJson<{ party: string }>(
      `https://127.0.0.1:${seller!.peerPort}/peer/identity`,
      ca,
      'GET',
    );
    expect(identity.body.party).toBe('acme-fiber');
    const plain = await fetch(`http://127.0.0.1:${seller!.port}/health`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain === 'refused' || (typeof plain === 'number' && plain >= 400)).toBe(true);
  });

  it('agrees a bilateral over the HTTPS peer API', async () => {
    const [seller, buyer] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const id = async (n: typeof seller) =>
      (
        await httpsJson<{ party: string; key: string; endpoint: string }>(
          `${owner(n)}/party`,
          ca,
          'GET',
          token(n),
        )
      ).body;
    const [s, b] = [await id(seller), await id(buyer)];
    await httpsJson(`${owner(seller)}/peers/${b.party}`, ca, 'PUT', token(seller), {
      key: b.key,
      endpoint: b.endpoint,
    });
    await httpsJson(`${owner(buyer)}/peers/${s.party}`, ca, 'PUT', token(buyer), {
      key: s.key,
      endpoint: s.endpoint,
      policy: 'accept',
    });
    const created = await httpsJson<{ id: string }>(
      `${owner(seller)}/bilaterals`,
      ca,
      'POST',
      token(seller),
      {
        terms: exampleTerms(),
      },
    );
    expect(created.status).toBe(201);
    const atBuyer = await httpsJson<{ role: string }>(
      `${owner(buyer)}/bilaterals/${created.body.id}`,
      ca,
      'GET',
      token(buyer),
    );
    expect(atBuyer.body.role).toBe('buyer');
  });
});
