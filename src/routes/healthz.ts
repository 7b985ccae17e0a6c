import type { RequestHandler } from 'express';

/** GET /healthz: the process is up and serving HTTP (liveness). It checks nothing else, on purpose: a
 * restart cures neither a store outage nor an operator's, and /readyz reports those. */
export function healthz(): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  };
}
