import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';
import { newWebhookSecret, sleep, startReceiver, waitForDelivery, type Receiver } from './support/receiver.js';

const ADMIN_API_KEY = 'adm_restart-test-key-0123456789abcdef';

/** Runs the broker process with the sandbox and a webhook receiver on `receiverPort` (which may be down). */
async function brokerFor(dataDir: string, receiverPort: number, secret: string, extra: Record<string, string> = {}): Promise<ChildBroker> {
  return spawnBroker({
    SANDBOX: 'on',
    SANDBOX_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    ADMIN_API_KEY,
    WEBHOOK_URL: `http://127.0.0.1:${receiverPort}/hooks`,
    WEBHOOK_SECRET: secret,
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1,1,1',
    ...extra,
  });
}

async function verifyOn(broker: ChildBroker): Promise<string> {
  const phone = new Device('127.0.0.2');
  const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
  const res = await phone.get(location.href, { accept: 'application/json' });
  expect(res.json()).toMatchObject({ status: 'verified' });
  return res.json().id;
}

describe('webhook delivery survives the broker process being killed', () => {
  const running: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
  });
  const track = <T extends ChildBroker | Receiver>(thing: T): T => {
    running.push('process' in thing ? { close: () => thing.kill('SIGKILL') } : thing);
    return thing;
  };

  it('receiver down, broker killed with SIGKILL and restarted, receiver up → the event arrives exactly once', async () => {
    const dataDir = tempDataDir();
    const secret = newWebhookSecret();
    const receiverPort = await freePort();

    const first = track(await brokerFor(dataDir, receiverPort, secret));
    const verificationId = await verifyOn(first);
    // the first attempt found nobody listening and was put back for a retry
    const pending = await waitForDelivery(first.url, ADMIN_API_KEY, (d) => d.event.data.verificationId === verificationId && d.attempts >= 1 && d.status === 'pending');
    expect(pending.lastError).toMatch(/ECONNREFUSED/);
    await first.kill('SIGKILL');

    const receiver = track(await startReceiver(secret, { port: receiverPort }));
    const second = track(await brokerFor(dataDir, receiverPort, secret));
    const [hook] = await receiver.waitFor((h) => h.body.includes(verificationId), 1, 20000);
    expect(hook.id).toBe(pending.id);
    expect(hook.verifyError).toBeUndefined();
    expect(hook.event).toMatchObject({ type: 'verification.succeeded', data: { verificationId, phoneNumber: '+34600000002' } });

    await waitForDelivery(second.url, ADMIN_API_KEY, (d) => d.id === pending.id && d.status === 'delivered');
    // several retry slots later, still exactly one request for this webhook-id
    await sleep(2500);
    expect(receiver.received.filter((h) => h.id === pending.id)).toHaveLength(1);
  }, 60000);

  it('killed while the receiver holds the request, the restarted broker sends it again once the claim lapses', async () => {
    const dataDir = tempDataDir();
    const secret = newWebhookSecret();
    // the first request is left hanging: the broker is mid-delivery when it dies
    const receiver = track(await startReceiver(secret, { respond: (n) => (n === 0 ? 'hang' : { status: 200 }) }));
    const env = { WEBHOOK_TIMEOUT_MS: '1000' };

    const first = track(await brokerFor(dataDir, receiver.port, secret, env));
    const verificationId = await verifyOn(first);
    const [held] = await receiver.waitFor((h) => h.body.includes(verificationId));
    await first.kill('SIGKILL');

    const second = track(await brokerFor(dataDir, receiver.port, secret, env));
    const resent = await receiver.waitFor((h) => h.id === held.id, 2, 20000);
    expect(resent[1].answered).toBe(200);
    expect(resent[1].verifyError).toBeUndefined();
    expect(resent[1].body).toBe(held.body);
    const delivery = await waitForDelivery(second.url, ADMIN_API_KEY, (d) => d.id === held.id && d.status === 'delivered');
    expect(delivery.attempts).toBe(2);
    await sleep(1500);
    expect(receiver.received.filter((h) => h.id === held.id && h.answered === 200)).toHaveLength(1);
  }, 60000);
});
