import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A fresh Standard Webhooks secret, as an operator would configure one. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface ReceivedWebhook {
  /** the webhook-id header */
  id: string;
  headers: Record<string, string>;
  body: string;
  /** when it arrived (ms since epoch, receiver clock) */
  at: number;
  /** the parsed event when `new Webhook(secret).verify(body, headers)` accepted it; undefined when refused */
  event?: { type: string; timestamp: string; data: Record<string, unknown> };
  verifyError?: string;
  /** the status this receiver answered with (undefined: never answered) */
  answered?: number;
}

/** What the receiver answers to its n-th request (0-based); `hang` keeps the request open without answering. */
export type Responder = (n: number, hook: ReceivedWebhook) => { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  respond: Responder;
  /** resolves with the received webhooks once `count` of them match `match` */
  waitFor(match: (hook: ReceivedWebhook) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A customer's webhook endpoint on loopback: it records every request and checks its signature with the
 * standardwebhooks library, exactly as a backend would, then answers as the test tells it to.
 */
export async function startReceiver(secret: string, options: { port?: number; respond?: Responder } = {}): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    respond: options.respond ?? (() => ({ status: 204 })),
    async waitFor(match, count = 1, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.received.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} matching webhooks within ${timeoutMs} ms, got ${found.length} (of ${receiver.received.length})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const hook: ReceivedWebhook = { id: headers['webhook-id'], headers, body, at: Date.now() };
      try {
        hook.event = verifier.verify(body, headers) as ReceivedWebhook['event'];
      } catch (err) {
        hook.verifyError = (err as Error).message;
      }
      const n = receiver.received.length;
      receiver.received.push(hook);
      const answer = receiver.respond(n, hook);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const reply = () => {
        hook.answered = answer.status;
        res.writeHead(answer.status, answer.headers).end();
      };
      // without a delay, answer in the same tick that records the hook: a waiter never sees one half-done
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}

/** Reads the admin deliveries API of a broker. */
export async function deliveries(brokerUrl: string, adminKey: string, query = ''): Promise<any[]> {
  const res = await fetch(`${brokerUrl}/v1/webhooks/deliveries${query}`, { headers: { authorization: `Bearer ${adminKey}` } });
  if (res.status !== 200) throw new Error(`deliveries API answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { deliveries: any[] }).deliveries;
}

/** Polls the deliveries API until `match` finds one. */
export async function waitForDelivery(brokerUrl: string, adminKey: string, match: (d: any) => boolean, timeoutMs = 15000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await deliveries(brokerUrl, adminKey, '?limit=200')).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching delivery within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
