import express, { type RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { BrokerError } from '../errors.js';
import type { WebhookInbox } from '../sandbox/webhook-inbox.js';
import { webhookTargetOf } from '../webhooks/targets.js';
import { redactForScreen } from './sandbox-deliveries.js';

/** the receiver's path; WEBHOOK_URL=<PUBLIC_URL>/sandbox/webhooks closes the loop without writing a server */
export const SANDBOX_WEBHOOKS_PATH = '/sandbox/webhooks';

/**
 * POST /sandbox/webhooks (sandbox only): a webhook receiver like the one a customer writes. It checks the
 * Standard Webhooks signature with the default application's secret and answers 204 when it holds, 401
 * otherwise (as a real receiver should: the broker's delivery then shows the failure). The body is read raw:
 * the signature is over the exact bytes.
 */
export function receiveSandboxWebhook(inbox: WebhookInbox): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit: '64kb' }),
    (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const entry = inbox.receive(raw, {
        'webhook-id': req.get('webhook-id'),
        'webhook-timestamp': req.get('webhook-timestamp'),
        'webhook-signature': req.get('webhook-signature'),
      });
      if (!entry.signatureValid) throw new BrokerError(401, 'UNAUTHENTICATED', 'The webhook signature does not verify with the webhook secret.');
      res.status(204).end();
    },
  ];
}

/** GET /sandbox/webhooks (sandbox only): what the receiver got, newest first, numbers masked for a shared screen. */
export function listSandboxWebhooks(deps: BrokerDeps, inbox: WebhookInbox): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      receiverPath: SANDBOX_WEBHOOKS_PATH,
      webhookUrlConfigured: webhookTargetOf(deps.config, deps.secrets, deps.config.verification.applicationId) !== undefined,
      received: inbox.list().map((w) => ({ ...w, event: redactForScreen(w.event) })),
    });
  };
}
