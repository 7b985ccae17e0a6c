import type { RequestHandler } from 'express';
import { BrokerError } from '../errors.js';

/** JSON endpoints say so: a body of another type is a 415, not a confusing "field is required". */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    return next(new BrokerError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json.'));
  }
  next();
};
