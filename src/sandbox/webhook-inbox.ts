// The sandbox's own webhook receiver: what the broker sent to WEBHOOK_URL, kept in memory for the developer page.
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  webhookId: string;
  eventType: string;
  receivedAt: string;
  /** the Standard Webhooks signature checked out with the default application's secret */
  signatureValid: boolean;
  /** the event as received (the developer route masks numbers before showing it) */
  event: unknown;
}

/** how many received webhooks are kept: enough to follow a few verifications, bounded so nothing grows */
const KEEP = 50;

/**
 * A bounded, newest-first list of received webhooks, owned by whoever creates it (the route table, once per
 * app), so the sandbox needs no module-level state. Development only: one instance, lost on restart.
 */
export function createWebhookInbox(secret: string, now: () => Date) {
  const received: ReceivedWebhook[] = [];
  const verifier = new Webhook(secret);
  return {
    /** checks the signature (never trusting an unsigned body) and keeps the event either way, flagged */
    receive(rawBody: string, headers: Record<string, string | undefined>): ReceivedWebhook {
      let signatureValid = true;
      try {
        verifier.verify(rawBody, {
          'webhook-id': headers['webhook-id'] ?? '',
          'webhook-timestamp': headers['webhook-timestamp'] ?? '',
          'webhook-signature': headers['webhook-signature'] ?? '',
        });
      } catch {
        signatureValid = false;
      }
      let event: unknown;
      try {
        event = JSON.parse(rawBody);
      } catch {
        event = undefined;
      }
      const type = (event as { type?: unknown } | undefined)?.type;
      const entry: ReceivedWebhook = {
        webhookId: String(headers['webhook-id'] ?? ''),
        eventType: typeof type === 'string' ? type : 'unknown',
        receivedAt: now().toISOString(),
        signatureValid,
        event,
      };
      received.unshift(entry);
      received.length = Math.min(received.length, KEEP);
      return entry;
    },
    list(): readonly ReceivedWebhook[] {
      return received;
    },
  };
}

export type WebhookInbox = ReturnType<typeof createWebhookInbox>;
