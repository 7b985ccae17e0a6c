import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sandboxOperator, SANDBOX_CLIENT_ID } from '../../../src/operator/sandbox-operator.js';
import { startSandboxOperator, type RunningSandbox } from '../../../src/sandbox/index.js';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../../support/child-broker.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../store/support/redis.js';
import { startTcpProxy, type TcpProxy } from '../../store/support/tcp-proxy.js';

export const SIMS = { '127.0.0.2': '+34600000002', '127.0.0.3': '+34600000003' };

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  answered?: number;
}

/** A loopback HTTP endpoint that records requests and answers as `answer` says ('hold' keeps the request open). */
export async function startReceiver(answer: (req: ReceivedRequest) => number | 'hold') {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: ReceivedRequest = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const status = answer(entry);
      if (status === 'hold') return;
      entry.answered = status;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export interface Cluster {
  /**
   * PUBLIC_URL of every instance: the load balancer's address. The test plays the load balancer (without
   * sticky sessions) by choosing, request by request, the instance a URL at PUBLIC_URL goes to (`via`).
   */
  publicUrl: string;
  sandbox: RunningSandbox;
  /** the TCP proxy every instance reaches Redis through, so a test can take Redis away */
  redis: TcpProxy;
  /** the SMS gateway (SMS_PROVIDERS=http) every instance sends through */
  sms: Receiver;
  /** the customer's webhook receiver (WEBHOOK_URL) */
  webhooks: Receiver;
  /** secrets.json of the first instance, copied to every other one */
  secrets: { adminApiKey: string; webhookSecret: string };
  instances: ChildBroker[];
  /** starts one more instance: its own DATA_DIR holding copies of the first one's keys.json and secrets.json */
  spawn(): Promise<ChildBroker>;
  /** `url` (at PUBLIC_URL) as sent to one instance */
  via(instance: ChildBroker, url: string): string;
  /** the last code the SMS gateway received for a number, read from the SMS text as a person would */
  lastCodeFor(phoneNumber: string): string;
  close(): Promise<void>;
}

/**
 * N broker processes (dist/main.js) sharing one Redis, configured identically, as behind a load balancer:
 * the same PUBLIC_URL, REDIS_URL, REDIS_KEY_PREFIX, operators (BROKER_CONFIG), SMS gateway, webhook URL,
 * and the same keys and secrets: the first instance generates DATA_DIR/keys.json and secrets.json on start,
 * every other instance gets copies in its own DATA_DIR (as a deployment would distribute them).
 */
export async function startCluster(options: { instances: number; env?: Record<string, string>; webhookAnswer?: (req: ReceivedRequest) => number | 'hold' }): Promise<Cluster> {
  const publicUrl = `http://127.0.0.1:${await freePort()}`;
  const prefix = uniquePrefix('scale');
  const target = new URL(REDIS_URL);
  const redis = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const sms = await startReceiver(() => 200);
  const webhooks = await startReceiver(options.webhookAnswer ?? (() => 204));
  const dataDirs: string[] = [];
  const firstDataDir = tempDataDir();
  dataDirs.push(firstDataDir);

  // the operator knows the broker by one client id and one redirect URI (PUBLIC_URL/callback); it fetches
  // the broker's public keys from the first instance (every instance serves the same keys.json)
  const firstPort = await freePort();
  const sandbox = await startSandboxOperator({
    port: 0,
    clients: [{ clientId: SANDBOX_CLIENT_ID, jwksUri: `http://127.0.0.1:${firstPort}/.well-known/jwks.json`, redirectUris: [`${publicUrl}/callback`] }],
    sims: SIMS,
    logger: { warn: () => undefined, info: () => undefined },
  });
  const brokerConfig = path.join(firstDataDir, '..', `${path.basename(firstDataDir)}-broker.json`);
  writeFileSync(brokerConfig, JSON.stringify({ operators: [sandboxOperator(sandbox.issuer)] }));

  const env = {
    STORE: 'redis',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_URL: publicUrl,
    BROKER_CONFIG: brokerConfig,
    SANDBOX: 'off',
    SMS_PROVIDERS: 'http',
    SMS_HTTP_URL: `${sms.url}/sms`,
    SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}',
    WEBHOOK_URL: `${webhooks.url}/hooks`,
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_POLL_MS: '100',
    ...options.env,
  };

  const instances: ChildBroker[] = [];
  const spawn = async () => {
    let dataDir = firstDataDir;
    if (instances.length > 0) {
      dataDir = tempDataDir();
      dataDirs.push(dataDir);
      for (const file of ['keys.json', 'secrets.json']) copyFileSync(path.join(firstDataDir, file), path.join(dataDir, file));
    }
    const instance = await spawnBroker({ ...env, DATA_DIR: dataDir }, instances.length === 0 ? { port: firstPort } : {});
    instances.push(instance);
    return instance;
  };
  await spawn();
  for (let i = 1; i < options.instances; i++) await spawn();
  const secrets = JSON.parse(readFileSync(path.join(firstDataDir, 'secrets.json'), 'utf8')) as Cluster['secrets'];

  return {
    publicUrl,
    sandbox,
    redis,
    sms,
    webhooks,
    secrets,
    instances,
    spawn,
    via: (instance, url) => url.replace(publicUrl, instance.url),
    lastCodeFor(phoneNumber) {
      const texts = sms.received.map((r) => JSON.parse(r.body) as { to: string; text: string }).filter((m) => m.to === phoneNumber);
      const match = /#(\d{4,10})\s*$/.exec(texts.at(-1)?.text ?? '');
      if (!match) throw new Error(`no SMS with a code for ${phoneNumber}`);
      return match[1];
    },
    async close() {
      for (const instance of instances) await instance.kill('SIGKILL');
      await sandbox.close();
      await sms.close();
      await webhooks.close();
      await redis.close();
      await deleteKeys(prefix);
      rmSync(brokerConfig, { force: true });
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
