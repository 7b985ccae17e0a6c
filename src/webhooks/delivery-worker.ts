import type { BrokerDeps } from '../deps.js';
import { event } from '../domain/verification.js';
import { noted } from '../domain/lifecycle.js';
import type { Delivery, DeliveryResult } from '../store/store.js';
import { nextAttemptAt } from './retry.js';
import { sendWebhook } from './send.js';
import { webhookTargetFor } from './targets.js';

export interface DeliveryWorker {
  /** claims the due deliveries there is room for and starts sending them; resolves once they are started */
  poll(): Promise<void>;
  /** resolves when every delivery started so far has been sent and recorded */
  drain(): Promise<void>;
}

/** Deliveries sent at the same time by one broker; the rest wait in the outbox for the next poll. */
const CONCURRENCY = 8;
/**
 * A claim outlives the attempt's own deadline (WEBHOOK_TIMEOUT_MS, enforced by send.ts) by as long again,
 * and at least 5 s, so only a dead worker's claim ever lapses, and that one comes back soon after.
 */
const leaseMs = (timeoutMs: number) => timeoutMs + Math.max(5000, timeoutMs);

/**
 * Sends what the outbox holds, at least once, each event to its application's configured URL.
 *
 * Rules:
 * - a delivery is claimed with a lease (store.outbox.claim); a broker killed mid-delivery leaves the
 *   lease to lapse and any broker claims it again, so nothing is lost;
 * - a 2xx answer completes it as delivered, after which only an explicit replay sends it again;
 * - otherwise it is due again at the next slot of WEBHOOK_RETRY_SCHEDULE (or later, if the receiver's
 *   Retry-After asks for more), and failed when the schedule has no slot left;
 * - an application without a webhook URL gets its events completed as failed at once, with a lastError
 *   saying so. They are still written to the outbox (outcomes.ts does not know about receivers, and must
 *   not need to), and keeping them visible in GET /v1/webhooks/deliveries lets an operator who configures
 *   a URL later replay what the backend missed, instead of losing it silently or retrying forever.
 * The same event may reach a receiver twice only if the broker dies after the receiver answered and
 * before the result was recorded; `webhook-id` is stable so receivers de-duplicate.
 */
export function createDeliveryWorker(deps: BrokerDeps): DeliveryWorker {
  const { webhooks } = deps.config;
  const log = deps.logger.child({ component: 'webhooks' });
  const inFlight = new Set<Promise<void>>();

  async function deliver(delivery: Delivery): Promise<void> {
    const target = await webhookTargetFor(deps, delivery.applicationId);
    const at = deps.now();
    const result: DeliveryResult = target
      ? toDeliveryResult(await sendWebhook(deps.http, target, delivery, { now: at, timeoutMs: webhooks.timeoutMs }), delivery.attempts, webhooks.retrySchedule, deps.now())
      : { ok: false, error: `application "${delivery.applicationId}" has no webhook URL configured; configure one and replay` };
    await deps.store.outbox.complete(delivery.id, result, deps.now());
    deps.metrics.webhookAttempt(result.ok ? 'delivered' : result.nextAttemptAt ? 'retry' : 'failed');
    await noteOnVerification(delivery, result, Boolean(target));
    const fields = { deliveryId: delivery.id, applicationId: delivery.applicationId, eventType: delivery.eventType, attempt: delivery.attempts };
    if (result.ok) log.info({ ...fields, status: result.status }, 'webhook delivered');
    // said once at start (main.ts), not once per finished verification
    else if (!target) log.debug(fields, 'webhook event recorded as failed: no webhook URL configured');
    else if (result.nextAttemptAt) log.warn({ ...fields, status: result.status, error: result.error, nextAttemptAt: result.nextAttemptAt.toISOString() }, 'webhook attempt failed; will retry');
    else log.warn({ ...fields, status: result.status, error: result.error }, 'webhook delivery failed; no attempts left');
  }

  /**
   * The verification's timeline tells what became of its webhook, so the result page and the developer page
   * can show it (and stop waiting). Rules: the event holds the event type, the attempt and the receiver's
   * HTTP status only, never the URL (it may carry a token) nor the payload (the full number); a failure to
   * note it is logged and does not undo the delivery, which is already recorded.
   */
  async function noteOnVerification(delivery: Delivery, result: DeliveryResult, hasTarget: boolean): Promise<void> {
    const verificationId = verificationIdOf(delivery);
    if (!verificationId) return;
    const detail: Record<string, string | number> = { event: delivery.eventType, attempt: delivery.attempts };
    if (result.status !== undefined) detail.status = result.status;
    const type = result.ok ? 'webhook_delivered' : !hasTarget ? 'webhook_not_sent' : result.nextAttemptAt ? 'webhook_attempt_failed' : 'webhook_failed';
    if (!hasTarget) detail.reason = 'no_webhook_url';
    if (!result.ok && result.nextAttemptAt) detail.nextAttemptAt = result.nextAttemptAt.toISOString();
    const now = deps.now();
    try {
      await deps.store.verifications.update(verificationId, noted([event(type, detail, now)], now));
    } catch (err) {
      log.warn({ err, deliveryId: delivery.id, verificationId }, 'could not note the webhook outcome on its verification');
    }
  }

  function track(delivery: Delivery): void {
    const running = deliver(delivery)
      .catch((err) => log.error({ err, deliveryId: delivery.id }, 'could not record a webhook attempt; its lease will lapse and it will be retried'))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  return {
    async poll() {
      const room = CONCURRENCY - inFlight.size;
      if (room <= 0) return;
      const due = await deps.store.outbox.claim(deps.now(), room, leaseMs(webhooks.timeoutMs));
      for (const delivery of due) track(delivery);
    },
    async drain() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}

function toDeliveryResult(sent: Awaited<ReturnType<typeof sendWebhook>>, attempts: number, schedule: readonly number[], now: Date): DeliveryResult {
  if (sent.ok) return sent;
  return { ok: false, status: sent.status, error: sent.error, nextAttemptAt: nextAttemptAt(schedule, attempts, now, sent.retryAfterMs) };
}

/** the verification a delivery announces, when it announces one (phone_number.updated does not) */
function verificationIdOf(delivery: Delivery): string | undefined {
  try {
    const id = (JSON.parse(delivery.payload) as { data?: { verificationId?: unknown } }).data?.verificationId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
