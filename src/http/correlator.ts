import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { InvalidArgument } from '../errors.js';

/** CAMARA Commonalities XCorrelator pattern */
const X_CORRELATOR = /^[a-zA-Z0-9-_:;./<>{}]{0,256}$/;

declare module 'express-serve-static-core' {
  interface Request {
    correlator: string;
  }
}

/**
 * x-correlator rules (CAMARA): a valid header is echoed on the response and passed to the operator;
 * an invalid one is a 400; when absent, one is generated so every answer and log line carries one.
 */
export const correlator: RequestHandler = (req, res, next) => {
  const given = req.get('x-correlator');
  const valid = given !== undefined && X_CORRELATOR.test(given);
  req.correlator = valid && given ? given : randomUUID();
  res.setHeader('x-correlator', req.correlator);
  if (given !== undefined && !valid) return next(new InvalidArgument('x-correlator header does not match the CAMARA pattern.'));
  next();
};
