import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { SANDBOX_OPERATOR_ID } from '../operator/sandbox-operator.js';
import { webhookTargetOf } from '../webhooks/targets.js';
import { SANDBOX_WEBHOOKS_PATH } from './sandbox-webhooks.js';

/**
 * GET /sandbox/info (sandbox only): what the sample pages need to offer the sandbox's helpers, namely the
 * operator's SIM picker (so a desktop browser can play a phone on mobile data), the simulated SIMs and
 * the SMS inbox. Production pages ask for it, get 404 and show none of this.
 */
export function sandboxInfo(deps: BrokerDeps): RequestHandler {
  return (_req, res) => {
    const issuer = deps.operators.byId(SANDBOX_OPERATOR_ID)?.issuer;
    const numbers = [...new Set(Object.values(deps.config.sandbox.sims))];
    res.set('Cache-Control', 'no-store').json({
      sandbox: true,
      simPickerUrl: issuer ? `${issuer.replace(/\/$/, '')}/sim` : null,
      sims: numbers.map((number) => ({ number })),
      inboxUrl: '/sandbox/inbox',
      // the pages compare it with their own address: a phone on the LAN at another host is told why the silent leg fails
      publicUrl: deps.config.publicUrl,
      webhookUrlConfigured: webhookTargetOf(deps.config, deps.secrets, deps.config.verification.applicationId) !== undefined,
      webhookReceiverUrl: `${deps.config.publicUrl.replace(/\/$/, '')}${SANDBOX_WEBHOOKS_PATH}`,
    });
  };
}
