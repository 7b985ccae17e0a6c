import type { BrokerDeps } from '../deps.js';
import { expired } from '../domain/lifecycle.js';
import { applyTransition } from './verifications.js';

/**
 * Moves unfinished verifications past their expiresAt to `expired`, which writes `verification.expired`
 * to the outbox in the same transaction (for the ones WEBHOOK_EXPIRED_EVENTS announces: see `expired`),
 * so a backend hears of verifications nobody came back to read.
 * The change declines for one already finished (by a read, a callback or another instance), so sweeping
 * twice or racing another instance sends no second event. Returns how many it expired.
 */
export async function expireOverdueVerifications(deps: Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'now'>, batch = 100): Promise<number> {
  const now = deps.now();
  const ids = await deps.store.verifications.listExpiredIds(now, batch);
  let count = 0;
  for (const id of ids) if (await applyTransition(deps, id, expired(now, deps.config.webhooks.expiredEvents))) count++;
  return count;
}
