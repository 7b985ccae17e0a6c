import type { BrokerDeps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import type { Delivery } from '../store/store.js';

/**
 * The admin view of a delivery: its state and attempts, and the event exactly as the receiver gets it
 * (the full number included: whoever holds the admin key is the customer's backend). Never a secret or URL.
 */
export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    applicationId: d.applicationId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt,
    nextAttemptAt: d.nextAttemptAt,
    ...(d.lastStatus !== undefined && { lastStatus: d.lastStatus }),
    ...(d.lastError && { lastError: d.lastError }),
    ...(d.deliveredAt && { deliveredAt: d.deliveredAt }),
    event: JSON.parse(d.payload) as unknown,
  };
}

/**
 * Sends a finished delivery (delivered or failed) again, due now, with the same `webhook-id`. The store
 * leaves any other delivery as it is; one being sent, or waiting for a later retry slot, is refused (409)
 * rather than raced with the worker. One already due now is simply confirmed: it is about to be sent.
 */
export async function replayDelivery(deps: BrokerDeps, id: string): Promise<Delivery> {
  const delivery = await deps.store.outbox.replay(id, deps.now());
  if (!delivery) throw new NotFound('No such delivery.');
  if (delivery.status !== 'pending' || Date.parse(delivery.nextAttemptAt) > deps.now().getTime()) {
    throw new Conflict(`The delivery is ${delivery.status}; only a delivered or failed delivery can be replayed.`);
  }
  return delivery;
}
