import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { BrokerError } from '../errors.js';
import { bearerTokenOf, digest } from '../http/api-key-auth.js';

/**
 * GET /metrics (only with METRICS=on): this broker's Prometheus metrics, in the text exposition format.
 *
 * Rules:
 * - with METRICS_TOKEN set, the scraper sends `Authorization: Bearer <METRICS_TOKEN>`, compared in constant
 *   time; anything else is a 401 with `WWW-Authenticate: Bearer`;
 * - without it the endpoint is open, and the broker says so at start: keep /metrics off the public
 *   network (the reverse proxy does not route it) or set a token.
 */
export function metricsEndpoint(deps: BrokerDeps): RequestHandler {
  const { token } = deps.config.metrics;
  const expected = token ? digest(token) : undefined;
  if (!expected) deps.logger.warn('GET /metrics is served without METRICS_TOKEN: keep it off the public network');
  return async (req, res, next) => {
    if (expected) {
      const presented = bearerTokenOf(req.get('authorization'));
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        return next(
          new BrokerError(401, 'UNAUTHENTICATED', 'This endpoint needs METRICS_TOKEN as a bearer token.', {
            headers: { 'WWW-Authenticate': 'Bearer realm="broker-metrics"' },
          }),
        );
      }
    }
    const body = await deps.metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(deps.metrics.registry.contentType).send(body);
  };
}
