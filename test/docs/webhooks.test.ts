import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';
import { fencedBlocks, printedLineMatching, runBlocks } from './runnable-blocks.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ADMIN_API_KEY = 'docs-admin-key-0123456789abcdef';

/**
 * docs/webhooks.md's receiver and admin calls, run as written: the receiver block as a file of its own
 * (inside the repository, so its imports resolve), the curl blocks in bash against a broker that sends to it.
 */
describe('docs/webhooks.md, run as written', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiverFile = path.resolve(`test-results/docs-receiver-${process.pid}.mjs`);
  let receiver: ChildProcess;
  let receiverOut = '';
  let receiverUrl: string;
  let broker: ChildBroker;

  beforeAll(async () => {
    const [block] = fencedBlocks('docs/webhooks.md', 'js', 'receiver');
    mkdirSync(path.dirname(receiverFile), { recursive: true });
    writeFileSync(receiverFile, block.code);
    const port = await freePort();
    receiverUrl = `http://127.0.0.1:${port}/hooks/verify`;
    receiver = spawn(process.execPath, [receiverFile], { env: { PATH: process.env.PATH ?? '', PORT: String(port), WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    receiver.stdout!.on('data', (d) => (receiverOut += d));
    receiver.stderr!.on('data', (d) => (receiverOut += d));
    await until(() => receiverOut.includes('receiver listening') || receiver.exitCode !== null);
    if (!receiverOut.includes('receiver listening')) throw new Error(`the receiver did not start:\n${receiverOut}`);
    broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: tempDataDir(), WEBHOOK_URL: receiverUrl, WEBHOOK_SECRET: secret, WEBHOOK_POLL_MS: '20', ADMIN_API_KEY });
  });
  afterAll(async () => {
    receiver?.kill('SIGKILL');
    await broker?.kill('SIGKILL');
    rmSync(receiverFile, { force: true });
  });

  it('the receiver accepts the broker\'s signed event and refuses an unsigned one', async () => {
    const forged = await fetch(receiverUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' }, body: '{"type":"verification.succeeded","data":{}}' });
    expect(forged.status).toBe(401);

    const phone = new Device('127.0.0.2');
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
    const verified = (await phone.get(location.href, { accept: 'application/json' })).json();
    expect(verified.status).toBe('verified');
    await until(() => receiverOut.includes(verified.id));
    expect(receiverOut).toContain(`verification.succeeded ${verified.id} silent_auth`);
  });

  it('the admin API blocks list that delivery and replay it', async () => {
    const blocks = fencedBlocks('docs/webhooks.md', 'sh', 'admin-api');
    expect(blocks).toHaveLength(2);
    const printed = await runBlocks(blocks, { BROKER: broker.url, ADMIN_API_KEY });
    for (const [i, block] of blocks.entries()) {
      expect(block.expected.length).toBeGreaterThan(0);
      for (const expected of block.expected) {
        if (!printedLineMatching(printed[i], expected)) throw new Error(`block ${i + 1} printed no line like\n  ${expected}\nit printed:\n${printed[i]}`);
      }
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(20);
}
