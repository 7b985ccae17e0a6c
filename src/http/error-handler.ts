import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { BrokerError, NotFound, toErrorInfo } from '../errors.js';

/** body-parser and friends signal client mistakes with `status`/`type`; they are 4xx, never 5xx */
function fromHttpError(err: { status?: number; type?: string }): BrokerError | undefined {
  if (err.type === 'entity.parse.failed') return new BrokerError(400, 'INVALID_ARGUMENT', 'The request body is not valid JSON.');
  if (err.type === 'entity.too.large') return new BrokerError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return new BrokerError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding.');
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return new BrokerError(err.status, 'INVALID_ARGUMENT', 'The request could not be read.');
  return undefined;
}

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFound('No such endpoint.'));

/** The one place an error becomes a response: CAMARA {status, code, message}; 5xx details go to the log only. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof BrokerError ? err : (fromHttpError(err ?? {}) ?? err);
    const { info, headers } = toErrorInfo(known);
    if (info.status >= 500) logger.error({ err, correlator: req.correlator, path: req.path }, 'request failed');
    if (res.headersSent) return res.end();
    res.status(info.status).set(headers).json(info);
  };
}
