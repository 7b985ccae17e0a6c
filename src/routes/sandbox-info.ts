import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';

/**
 * GET /sandbox/info (sandbox only): what the sample pages need to offer the sandbox's helpers, namely the
 * operator's SIM picker (so a desktop browser can play a phone on mobile data), the simulated SIMs and
 * the SMS inbox. Production pages ask for it, get 404 and show none of this.
 */
export function sandboxInfo(deps: BrokerDeps): RequestHandler {
  return (_req, res) => {
    const issuer = deps.operators.byId('sandbox')?.issuer;
    const numbers = [...new Set(Object.values(deps.config.sandbox.sims))];
    res.set('Cache-Control', 'no-store').json({
      sandbox: true,
      simPickerUrl: issuer ? `${issuer.replace(/\/$/, '')}/sim` : null,
      sims: numbers.map((number) => ({ number })),
      inboxUrl: '/sandbox/inbox',
    });
  };
}
