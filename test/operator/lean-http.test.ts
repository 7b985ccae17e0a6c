import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LeanHttp, ResponseTooLarge } from '../../src/operator/lean-http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A local server standing in for an operator: each test sets how it answers; it counts connections and requests. */
async function startServer(): Promise<{ url: string; server: Server; connections: () => number; seen: string[]; answer: (h: Handler) => void }> {
  let handler: Handler = (_req, res) => res.end('{}');
  let connections = 0;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    connections: () => connections,
    seen,
    answer: (h) => (handler = h),
  };
}

describe('the lean HTTP client of operator calls', () => {
  let far: Awaited<ReturnType<typeof startServer>>;
  let http: LeanHttp;
  beforeAll(async () => {
    far = await startServer();
  });
  afterAll(() => new Promise<void>((r) => far.server.close(() => r())));
  afterEach(() => {
    http?.close();
    far.seen.length = 0;
  });

  it('sends method, headers and body, and returns status, headers and body', async () => {
    http = new LeanHttp();
    far.answer((req, res, body) => res.writeHead(201, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-correlator']) }).end(JSON.stringify({ got: body, type: req.headers['content-type'] })));
    const answer = await http.request(`${far.url}/verify`, { method: 'POST', headers: { 'x-correlator': 'c-1', 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 1000 });
    expect(answer.status).toBe(201);
    expect(answer.rawHeaders).toEqual(expect.arrayContaining(['x-echo', 'c-1']));
    expect(JSON.parse(answer.body.toString())).toEqual({ got: '{"a":1}', type: 'application/json' });
  });

  it('gives up when the whole answer takes longer than timeoutMs, with a TimeoutError', async () => {
    http = new LeanHttp();
    far.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"slow":');
      setTimeout(() => res.end('true}'), 600);
    });
    const started = Date.now();
    await expect(http.request(`${far.url}/slow`, { method: 'GET', headers: {}, timeoutMs: 150 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(500);
  });

  it('does not follow a redirect: the 3xx comes back as it is and its target is never asked', async () => {
    http = new LeanHttp();
    far.answer((req, res) => (req.url === '/token' ? res.writeHead(307, { location: `${far.url}/elsewhere` }).end() : res.end('{"access_token":"stolen"}')));
    const answer = await http.request(`${far.url}/token`, { method: 'POST', headers: {}, body: 'a=b', timeoutMs: 1000 });
    expect(answer.status).toBe(307);
    expect(far.seen).toEqual(['POST /token']);

    const response = await http.fetchWithin(1000)(`${far.url}/token`, { method: 'POST', headers: {}, body: 'a=b', redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(far.seen).toEqual(['POST /token', 'POST /token']);
  });

  it('refuses an answer larger than the bound, whether declared by content-length or streamed', async () => {
    http = new LeanHttp(1024);
    far.answer((req, res) => {
      if (req.url === '/declared') return res.writeHead(200, { 'content-length': 4096 }).end('x'.repeat(4096));
      res.writeHead(200); // chunked: no length announced
      for (let i = 0; i < 8; i++) res.write('y'.repeat(512));
      res.end();
    });
    await expect(http.request(`${far.url}/declared`, { method: 'GET', headers: {}, timeoutMs: 1000 })).rejects.toBeInstanceOf(ResponseTooLarge);
    await expect(http.request(`${far.url}/streamed`, { method: 'GET', headers: {}, timeoutMs: 1000 })).rejects.toBeInstanceOf(ResponseTooLarge);
    http.close();
    http = new LeanHttp(4096);
    expect((await http.request(`${far.url}/declared`, { method: 'GET', headers: {}, timeoutMs: 1000 })).body.length).toBe(4096);
  });

  it('keeps the connection alive between calls', async () => {
    http = new LeanHttp();
    far.answer((_req, res) => res.end('{}'));
    const before = far.connections();
    for (let i = 0; i < 5; i++) await http.request(`${far.url}/verify`, { method: 'POST', headers: {}, body: '{}', timeoutMs: 1000 });
    expect(far.connections() - before).toBe(1);
  });

  it("as openid-client's fetch: a WHATWG Response; unreachable is TypeError('fetch failed'); an aborted signal rejects", async () => {
    http = new LeanHttp();
    far.answer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
    const fetch = http.fetchWithin(1000);
    const response = await fetch(`${far.url}/jwks`, { method: 'GET', headers: { accept: 'application/json' }, body: undefined, redirect: 'manual' });
    expect(response).toBeInstanceOf(Response);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ keys: [] });

    await expect(fetch('http://127.0.0.1:9/', { method: 'GET', headers: {}, body: undefined, redirect: 'manual' })).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    await expect(fetch(`${far.url}/jwks`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
