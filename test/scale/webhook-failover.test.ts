import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { Device } from '../support/device.js';
import { whyNoRedis } from '../store/support/redis.js';
import { startCluster, type Cluster, type ReceivedRequest } from './support/cluster.js';
import { eventually, sleep } from './support/eventually.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the scale-out webhook failover test: ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

describeIfRedis('a webhook whose instance dies mid-delivery', () => {
  let cluster: Cluster;
  // the receiver keeps the first attempt waiting, so instance A is killed while it holds the delivery
  let holdAttempts = true;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 1, webhookAnswer: () => (holdAttempts ? 'hold' : 204) });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('is delivered by instance B once A\'s lease lapses, and the receiver accepts that webhook-id once', async () => {
    const [A] = cluster.instances;
    const phone = new Device('127.0.0.2');
    const { location } = await phone.followUntil(`${A.url}/login?phoneNumber=%2B34600000002&network=cellular&redirect=true`, (next) => next.pathname === '/callback');
    const done = await phone.get(cluster.via(A, location.href), { accept: 'application/json' });
    expect(done.json()).toMatchObject({ status: 'verified' });

    const first = await eventually(async () => {
      expect(cluster.webhooks.received).toHaveLength(1);
      return cluster.webhooks.received[0];
    });
    const webhookId = first.headers['webhook-id'] as string;
    expect(webhookId).toBeTruthy();

    await A.kill('SIGKILL');
    holdAttempts = false;
    // B shares Redis, keys and secrets; it was not holding the delivery
    const B = await cluster.spawn();

    const accepted = await eventually(async () => {
      const ok = cluster.webhooks.received.filter((r) => r.answered === 204);
      expect(ok).toHaveLength(1);
      return ok[0];
    }, 20_000);
    expect(accepted.headers['webhook-id']).toBe(webhookId);
    expect(accepted.body).toBe(first.body);
    // B signs with the secret it was given (a copy of A's): the receiver's check passes
    expect(() => new Webhook(cluster.secrets.webhookSecret).verify(accepted.body, accepted.headers as Record<string, string>)).not.toThrow();
    expect(JSON.parse(accepted.body)).toMatchObject({ type: 'verification.succeeded' });

    // delivered means done: no further attempt, and B's admin API says so
    await sleep(1000);
    const byId = (r: ReceivedRequest) => r.headers['webhook-id'] === webhookId;
    expect(cluster.webhooks.received.filter(byId)).toHaveLength(2);
    expect(cluster.webhooks.received.filter((r) => !byId(r))).toEqual([]);
    const listed = await phone.get(`${B.url}/v1/webhooks/deliveries?status=delivered`, { authorization: `Bearer ${cluster.secrets.adminApiKey}` });
    expect(listed.status).toBe(200);
    expect(listed.json().deliveries).toEqual([expect.objectContaining({ id: webhookId, status: 'delivered', attempts: 2 })]);
  }, 60_000);
});
