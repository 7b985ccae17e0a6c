import type { RequestHandler } from 'express';
import { BrokerError } from '../errors.js';

/**
 * JSON endpoints say so. Rules:
 * - the request carries `Content-Type: application/json` (any parameters, e.g. a charset), whether or not it
 *   has a body: a POST with no body, with text/plain, a form or multipart is what a foreign web page can send
 *   cross-origin without a CORS preflight, so refusing it keeps other sites from starting verifications or
 *   sending SMS with a visitor's session;
 * - anything else is a 415 UNSUPPORTED_MEDIA_TYPE, never a confusing "field is required".
 * @see https://fetch.spec.whatwg.org/#cors-safelisted-request-header (the simple content types)
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!/^application\/json\s*(;|$)/i.test(req.get('content-type') ?? '')) {
    return next(new BrokerError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request must be sent as application/json.'));
  }
  next();
};
