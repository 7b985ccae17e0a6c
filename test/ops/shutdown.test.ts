import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';
import { startSmsGateway, type SmsGateway } from '../support/sms.js';

const ADMIN_API_KEY = 'admin-key-for-the-shutdown-tests-0123456789';
const BODY = JSON.stringify({ phoneNumber: '+34600000070', network: 'wifi' });

/** a POST /v1/verifications whose body is sent in two parts, so it is in flight for as long as the test likes */
function startSlowRequest(port: number): { socket: Socket; finish(): void; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  const head = `POST /v1/verifications HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n`;
  socket.write(head + BODY.slice(0, 10));
  let received = '';
  socket.on('data', (d) => (received += d));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { socket, finish: () => socket.write(BODY.slice(10)), response };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`);
    return false;
  } catch {
    return true;
  }
}

describe('graceful shutdown (the broker as a process)', () => {
  const started: ChildBroker[] = [];
  // the sandbox is off in these processes, so codes go to a gateway that answers
  let sms: SmsGateway;
  beforeAll(async () => {
    sms = await startSmsGateway();
  });
  afterAll(async () => {
    for (const b of started) await b.kill('SIGKILL');
    await sms.close();
  });

  it('on SIGTERM, ends within its hard limit even when its log reader has gone (stdout and stderr are closed pipes)', async () => {
    // hard limit: SHUTDOWN_TIMEOUT_MS + WEBHOOK_TIMEOUT_MS + 5 s
    const broker = await spawnBroker({ DATA_DIR: tempDataDir(), SHUTDOWN_TIMEOUT_MS: '300', WEBHOOK_TIMEOUT_MS: '1000', ...sms.env });
    started.push(broker);
    await new Device('127.0.0.1').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000071', network: 'wifi' });
    broker.process.stdout!.destroy();
    broker.process.stderr!.destroy();
    const began = Date.now();
    const exited = broker.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(300 + 1000 + 5000 + 1000).then(() => 'still running' as const)]);
    expect(code).not.toBe('still running');
    expect(Date.now() - began).toBeLessThan(300 + 1000 + 5000);
  });

  it('on SIGTERM, stops accepting, lets a request in flight finish, then exits 0', async () => {
    const broker = await spawnBroker({ DATA_DIR: tempDataDir(), SHUTDOWN_TIMEOUT_MS: '5000', ...sms.env });
    started.push(broker);
    const slow = startSlowRequest(broker.port);
    await sleep(200);
    const exited = broker.kill('SIGTERM');
    await sleep(300);
    expect(broker.process.exitCode).toBeNull();
    expect(await refused(broker.url)).toBe(true);

    slow.finish();
    const answer = await slow.response;
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(answer).toContain('"status":"otp_sent"');
    expect(await exited).toBe(0);
    expect(broker.output()).toContain('shutting down: finishing requests in flight');
    expect(broker.output()).toMatch(/"msg":"shut down"/);
  });

  it('an idle keep-alive connection does not hold the shutdown', async () => {
    const broker = await spawnBroker({ DATA_DIR: tempDataDir(), SHUTDOWN_TIMEOUT_MS: '10000', ...sms.env });
    started.push(broker);
    const agent = new Agent({ keepAlive: true });
    const res = await new Promise<IncomingMessage>((resolve, reject) => request(`${broker.url}/healthz`, { agent }, resolve).on('error', reject).end());
    res.resume();
    await new Promise((r) => res.on('end', r));
    const startedAt = Date.now();
    expect(await broker.kill('SIGTERM')).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    agent.destroy();
  });

  it('a request still in flight after SHUTDOWN_TIMEOUT_MS is cut, and the exit code says so', async () => {
    const broker = await spawnBroker({ DATA_DIR: tempDataDir(), SHUTDOWN_TIMEOUT_MS: '300', ...sms.env });
    started.push(broker);
    const slow = startSlowRequest(broker.port);
    await sleep(200);
    const startedAt = Date.now();
    expect(await broker.kill('SIGTERM')).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(await slow.response).toBe('');
    expect(broker.output()).toContain('cutting their connections');
  });

  it('a webhook delivery under way is answered and recorded before the exit: not lost, not sent again', async () => {
    const hits: string[] = [];
    let answered = 0;
    const receiver: Server = createServer((req, res) => {
      hits.push(String(req.headers['webhook-id']));
      req.resume();
      setTimeout(() => {
        answered++;
        res.writeHead(204).end();
      }, 1000);
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const dataDir = tempDataDir();
      const env = {
        DATA_DIR: dataDir,
        ADMIN_API_KEY,
        SANDBOX: 'on',
        SANDBOX_PORT: String(await freePort()),
        WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        WEBHOOK_POLL_MS: '20',
      };
      const broker = await spawnBroker(env);
      started.push(broker);
      const phone = new Device('127.0.0.2');
      const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
      expect((await phone.get(location.href, { accept: 'application/json' })).json().status).toBe('verified');
      const deadline = Date.now() + 5000;
      while (hits.length === 0 && Date.now() < deadline) await sleep(20);
      expect(hits).toHaveLength(1);
      expect(answered).toBe(0);

      expect(await broker.kill('SIGTERM')).toBe(0);
      expect(answered).toBe(1);

      // the next broker on the same data finds it delivered, and sends nothing again
      const next = await spawnBroker({ ...env, SANDBOX_PORT: String(await freePort()) });
      started.push(next);
      const list = await fetch(`${next.url}/v1/webhooks/deliveries`, { headers: { authorization: `Bearer ${ADMIN_API_KEY}` } });
      const { deliveries } = (await list.json()) as { deliveries: Array<{ id: string; status: string; attempts: number }> };
      expect(deliveries).toEqual([expect.objectContaining({ id: hits[0], status: 'delivered', attempts: 1 })]);
      await sleep(300);
      expect(hits).toHaveLength(1);
      expect(await next.kill('SIGTERM')).toBe(0);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
