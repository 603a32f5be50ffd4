/**
 * The benchmarks' load generator: raw HTTP/1.1 over one keep-alive socket per
 * client, each request written as bytes and its answer read by
 * content-length. A general HTTP client costs about 0.2 ms of CPU a request,
 * which on two cores would be taken from the nodes being measured.
 */
import { connect, type Socket } from 'node:net';
import type { Node } from './processes.ts';

/** One client: a keep-alive connection sending a request at a time and reading its answer. */
export class Connection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { done(status: number, body: string): void; fail(error: Error): void } | undefined;

  constructor(readonly node: Node) {
    const url = new URL(node.url);
    this.#socket = connect(Number(url.port), url.hostname);
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#socket.on('error', (error) => this.#waiting?.fail(error));
  }

  post(path: string, body: unknown): Promise<{ status: number; body: string }> {
    return this.send('POST', path, Buffer.from(JSON.stringify(body)));
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return this.send('GET', path);
  }

  send(method: string, path: string, payload?: Buffer): Promise<{ status: number; body: string }> {
    const type = payload === undefined ? '' : 'content-type: application/json\r\n';
    const head = `${method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${this.node.token}\r\n${type}content-length: ${payload?.length ?? 0}\r\n\r\n`;
    return new Promise((done, fail) => {
      this.#waiting = { done: (status, text) => done({ status, body: text }), fail };
      this.#socket.write(
        payload === undefined ? Buffer.from(head) : Buffer.concat([Buffer.from(head), payload]),
      );
    });
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(length)) throw new Error(`answer without content-length: ${head}`);
    if (this.#buffer.length < end + 4 + length) return;
    const text = this.#buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.done(Number(head.slice(9, 12)), text);
  }

  close(): void {
    this.#socket.destroy();
  }
}
