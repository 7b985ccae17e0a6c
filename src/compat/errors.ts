import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { BrokerError } from '../errors.js';

/**
 * Each facade answers errors in the format of the system it imitates, so a client never sees the broker's
 * CAMARA body. This turns whatever reached a facade's error handler into a BrokerError first: ours as they
 * are, body-parser's client mistakes as 4xx, anything else as a 500 whose details go to the log only.
 */
export function asBrokerError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  const http = (err ?? {}) as { status?: number; type?: string };
  if (http.type === 'entity.parse.failed') return new BrokerError(400, 'INVALID_ARGUMENT', 'The request body could not be read.');
  if (http.type === 'entity.too.large') return new BrokerError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500) return new BrokerError(http.status, 'INVALID_ARGUMENT', 'The request could not be read.');
  return new BrokerError(500, 'INTERNAL', 'The server encountered an internal error.');
}

/** What a facade endpoint gives the route table: its parsers, guards and handler, then its error handler. */
export type FacadeRoute = Array<RequestHandler | ErrorRequestHandler>;

/**
 * A route-level error handler: `render` writes the facade's own error body. Server faults are logged
 * (with the correlator and path only: no query, body or headers, which may hold numbers, codes and keys).
 */
export function facadeErrors(logger: Logger, facade: string, render: (err: BrokerError, res: Response) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = asBrokerError(err);
    if (known.status >= 500) logger.error({ err: known === err ? undefined : err, code: known.code, facade, correlator: req.correlator, path: req.path }, 'compat request failed');
    if (res.headersSent) return res.end();
    res.set('Cache-Control', 'no-store').set(known.headers);
    render(known, res);
  };
}
