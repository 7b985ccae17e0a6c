import type { BrokerDeps } from '../deps.js';

/** deliveries deleted per store call, so one purge never holds the store (or Redis) for long */
const BATCH = 500;
/** batches per round; whatever is left waits for the next round */
const MAX_BATCHES = 20;

/**
 * Deletes finished webhook deliveries older than the retention (WEBHOOK_RETENTION_HOURS).
 *
 * Rules:
 * - only delivered deliveries, and failed ones with no attempt left, whose last attempt is older than the
 *   retention; pending and delivering ones are never deleted, whatever their age, and a replay makes a
 *   finished delivery pending again (so it is kept until it finishes anew);
 * - after that a delivery can no longer be listed or replayed: the retention bounds how long an outage of
 *   the receiver can go unnoticed and still be replayed, and how long the outbox keeps phone numbers;
 * - batches of BATCH, at most MAX_BATCHES per round. Returns how many it deleted.
 */
export async function purgeFinishedDeliveries(deps: Pick<BrokerDeps, 'config' | 'store' | 'now'>): Promise<number> {
  const finishedBefore = new Date(deps.now().getTime() - deps.config.webhooks.retentionMs);
  let purged = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await deps.store.outbox.purgeFinished(finishedBefore, BATCH);
    purged += deleted;
    if (deleted < BATCH) break;
  }
  return purged;
}
