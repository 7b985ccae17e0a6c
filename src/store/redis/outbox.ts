import type { Redis } from 'ioredis';
import type { Delivery, DeliveryResult, DeliveryStatus, OutboxMessage } from '../store.js';
import type { KeyLayout } from './keys.js';
import { outboxKeysOf, type Scripts } from './scripts.js';

/**
 * How long Redis keeps a delivered or failed webhook if nothing purges it first. A background job purges
 * finished deliveries after WEBHOOK_RETENTION_HOURS (purge below), so this is only a backstop for data
 * no broker looks after any more: the longest retention the setting allows.
 */
export const DELIVERY_RETENTION_MS = 365 * 24 * 3600 * 1000;

/**
 * The webhook outbox as a queue of leases over sorted sets: `ob:due` scores each waiting delivery with the
 * time it may next be claimed (its nextAttemptAt, or the end of the lease of the worker holding it). Claiming
 * is one Lua script that takes what is due and pushes its score to the end of the lease, so exactly one worker
 * holds a delivery at a time, and a worker that dies simply lets its lease run out: the delivery is due again
 * and another instance claims it (at-least-once; receivers de-duplicate by the stable webhook-id).
 *
 * Why not Redis streams with consumer groups: the queue needs scheduled retries (nextAttemptAt with backoff),
 * listing by status and replay of finished deliveries, none of which a stream does, so a stream would sit
 * beside the same records and a delay set anyway; and XAUTOCLAIM measures idleness on Redis's clock, while
 * the Store contract passes `now` and `leaseMs` explicitly (as SQLite implements them). Why not BullMQ: a
 * second job model with its own workers and retry policy, where the broker already owns both.
 * Durability is Redis's: run it with AOF (appendonly yes) so a Redis restart keeps the queue.
 */
export function createRedisOutbox(client: Redis, keys: KeyLayout, scripts: Scripts) {
  const outboxKeys = outboxKeysOf(keys);

  const list = async (index: string, limit: number): Promise<Delivery[]> => {
    const found: Delivery[] = [];
    // an index entry can outlive its delivery (expired after the retention): skip and drop such entries
    for (let start = 0; found.length < limit; ) {
      const ids = await client.zrevrange(index, start, start + limit - found.length - 1);
      if (ids.length === 0) break;
      const rows = await Promise.all(ids.map((id) => client.hgetall(keys.delivery(id))));
      rows.forEach((row, i) => {
        if (row.id) found.push(toDelivery(row));
        else void client.zrem(index, ids[i]).catch(() => undefined);
      });
      start += ids.length;
    }
    return found;
  };

  return {
    async enqueue(messages: OutboxMessage[]): Promise<void> {
      if (messages.length === 0) return;
      await scripts.enqueue([...outboxKeys, ...messages.map((m) => keys.delivery(m.id))], Date.now(), messages.length, ...messageArgs(messages));
    },
    async claim(now: Date, max: number, leaseMs: number): Promise<Delivery[]> {
      const rows = (await scripts.claim(outboxKeys, keys.deliveryPrefix, now.getTime(), max, leaseMs)) as string[][];
      return rows.map((flat) => toDelivery(fromFlat(flat)));
    },
    async complete(id: string, result: DeliveryResult, now: Date): Promise<void> {
      const outcome = result.ok ? 'delivered' : result.nextAttemptAt ? 'pending' : 'failed';
      const error = result.ok ? '' : result.error.slice(0, 500);
      const next = result.ok ? now : (result.nextAttemptAt ?? now);
      await scripts.complete([...outboxKeys, keys.delivery(id)], id, outcome, result.status ?? '', error, next.getTime(), now.toISOString(), DELIVERY_RETENTION_MS);
    },
    list(filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]> {
      return list(filter.status ? keys.deliveriesIn(filter.status) : keys.deliveriesAll, filter.limit);
    },
    async replay(id: string, now: Date): Promise<Delivery | undefined> {
      const flat = (await scripts.replay([...outboxKeys, keys.delivery(id)], id, now.getTime())) as string[] | null;
      return flat ? toDelivery(fromFlat(flat)) : undefined;
    },
    countPending(): Promise<number> {
      return client.zcard(keys.deliveriesDue);
    },
    /** deletes finished deliveries that finished before the cutoff (OutboxStore.purgeFinished) */
    async purge(finishedBefore: Date, limit: number): Promise<number> {
      return Number(await scripts.purgeDeliveries(outboxKeys, keys.deliveryPrefix, finishedBefore.getTime(), limit));
    },
    /** drops listing entries of deliveries that expired; run from the store's periodic sweep */
    async sweep(now: Date): Promise<void> {
      await scripts.sweepDeliveries(outboxKeys, keys.deliveryPrefix, `${now.getTime() - DELIVERY_RETENTION_MS}000`);
    },
  };
}

/** the message fields in the order the enqueue function of the scripts reads them */
export function messageArgs(messages: OutboxMessage[]): string[] {
  return messages.flatMap((m) => [m.id, m.applicationId, m.eventType, m.payload, m.createdAt, String(Date.parse(m.createdAt))]);
}

function fromFlat(flat: string[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) row[flat[i]] = flat[i + 1];
  return row;
}

function toDelivery(row: Record<string, string>): Delivery {
  return {
    id: row.id,
    applicationId: row.applicationId,
    eventType: row.eventType,
    payload: row.payload,
    createdAt: row.createdAt,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(Number(row.nextAttemptAt)).toISOString(),
    ...(row.leaseUntil !== undefined && { leaseUntil: new Date(Number(row.leaseUntil)).toISOString() }),
    ...(row.lastStatus !== undefined && { lastStatus: Number(row.lastStatus) }),
    ...(row.lastError !== undefined && { lastError: row.lastError }),
    ...(row.deliveredAt !== undefined && { deliveredAt: row.deliveredAt }),
  };
}
