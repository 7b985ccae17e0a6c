import type { BrokerDeps } from './deps.js';
import { expireOverdueVerifications } from './flows/expire-verifications.js';
import { createDeliveryWorker } from './webhooks/delivery-worker.js';
import { purgeFinishedDeliveries } from './webhooks/purge-deliveries.js';

export interface BackgroundOptions {
  /** how often overdue verifications are expired (default 5 s) */
  sweepIntervalMs?: number;
  /** how often keys.json is re-read for a rotation made elsewhere (default 30 s; SIGHUP reloads at once) */
  keyReloadIntervalMs?: number;
  /** how often finished webhook deliveries past WEBHOOK_RETENTION_HOURS are purged (default 60 s) */
  purgeIntervalMs?: number;
}

/**
 * The broker's background work: the webhook delivery worker (every WEBHOOK_POLL_MS), the expiry sweeper,
 * the signing-key reload and the purge of finished deliveries. `stop` lets a running round finish and waits for deliveries already sent to
 * be recorded, so a graceful shutdown neither loses an event nor sends it twice.
 */
export function startBackgroundJobs(deps: BrokerDeps, options: BackgroundOptions = {}): { stop(): Promise<void> } {
  const log = deps.logger.child({ component: 'background' });
  const worker = createDeliveryWorker(deps);
  const jobs = [
    repeat('webhook delivery', deps.config.webhooks.pollMs, () => worker.poll()),
    repeat('expiry sweep', options.sweepIntervalMs ?? 5000, async () => {
      const count = await expireOverdueVerifications(deps);
      if (count) log.info({ count }, 'expired overdue verifications');
    }),
    repeat('key reload', options.keyReloadIntervalMs ?? 30_000, () => reloadKeys(deps)),
    // with several instances each purges; a second purge finds nothing
    repeat('delivery purge', options.purgeIntervalMs ?? 60_000, async () => {
      const count = await purgeFinishedDeliveries(deps);
      if (count) log.info({ count }, 'purged finished webhook deliveries past their retention');
    }),
  ];

  function repeat(name: string, intervalMs: number, job: () => Promise<void>) {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const run = () => {
      running = job()
        .catch((err) => log.error({ err, job: name }, 'background job failed; it will run again'))
        .finally(() => {
          if (!stopped) timer = setTimeout(run, intervalMs).unref();
        });
    };
    timer = setTimeout(run, 0).unref();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }

  return {
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
      await worker.drain();
    },
  };
}

/**
 * Picks up keys.json as rotated by `npm run keys -- rotate …` (main.ts also calls it on SIGHUP). A bad
 * file is logged and the keys in use stay, so a half-edited file never stops the broker signing.
 */
export async function reloadKeys(deps: Pick<BrokerDeps, 'keys' | 'logger'>): Promise<void> {
  try {
    if (await deps.keys.reload()) {
      const active = (['session-token', 'client-assertion'] as const).map((p) => deps.keys.active(p).kid);
      deps.logger.info({ activeKids: active }, 'signing keys reloaded');
    }
  } catch (err) {
    deps.logger.error({ err: (err as Error).message }, 'could not reload signing keys; keeping the current ones');
  }
}
