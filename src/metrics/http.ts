import type { RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Times every request for `broker_http_request_duration_seconds`, labelled with the route pattern from the
 * route table (`/v1/verifications/:id`, never the id itself, so the label set stays small); requests that
 * matched no route (static files, 404s, refused before routing) share the route label `(no route)`.
 */
export function countRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : '(no route)';
      metrics.httpRequest(req.method, route, res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
