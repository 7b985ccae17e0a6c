import { randomToken } from '../random.js';
import type { Verification } from '../domain/verification.js';
import type { OutboxMessage } from '../store/store.js';

export type WebhookEventType = 'verification.succeeded' | 'verification.failed' | 'verification.expired' | 'verification.cancelled' | 'phone_number.updated';

/**
 * The event a finished verification sends to the customer's backend. The id is made once, here, and
 * is the Standard Webhooks `webhook-id` of every attempt, so receivers can de-duplicate retries.
 */
export function verificationEvent(type: Exclude<WebhookEventType, 'phone_number.updated'>, v: Verification, now: Date): OutboxMessage {
  const data = {
    verificationId: v.id,
    phoneNumber: v.phoneNumber,
    method: v.method,
    operator: v.operatorId ?? null,
    verifiedAt: v.verifiedAt ?? null,
    ...(v.reason && type !== 'verification.succeeded' && { reason: v.reason }),
    ...(v.backend?.clientRef && { clientRef: v.backend.clientRef }),
    // the fraud signals checked (issue 17), the same object as the session token's `risk` claim
    ...(v.risk && { risk: v.risk }),
  };
  return outboxMessage(v.applicationId, type, data, now);
}

export function outboxMessage(applicationId: string, type: WebhookEventType, data: unknown, now: Date): OutboxMessage {
  return {
    id: `msg_${randomToken(16)}`,
    applicationId,
    eventType: type,
    payload: JSON.stringify({ type, timestamp: now.toISOString(), data }),
    createdAt: now.toISOString(),
  };
}
