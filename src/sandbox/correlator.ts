import { randomUUID } from 'node:crypto';

import type { RequestHandler } from 'express';

import { InvalidArgument } from './errors.js';

/** CAMARA's `XCorrelator` schema pattern. */
const X_CORRELATOR_PATTERN = /^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$/;

/**
 * Handles the `x-correlator` header of the Number Verification API.
 *
 * Rules:
 * - a request's `x-correlator` must match CAMARA's pattern, or the request is a 400 INVALID_ARGUMENT;
 * - a valid one is echoed in the response, errors included;
 * - a request without one (or with an invalid one, which cannot be echoed) gets a fresh UUID, so every
 *   response can be correlated.
 *
 * @see https://github.com/camaraproject/NumberVerification (components.parameters.x-correlator)
 */
export const handleCorrelator: RequestHandler = (req, res, next) => {
  const correlator = req.get('x-correlator');
  if (correlator !== undefined && !X_CORRELATOR_PATTERN.test(correlator)) {
    res.setHeader('x-correlator', randomUUID());
    return next(new InvalidArgument('Invalid x-correlator header'));
  }
  // an empty header is valid but correlates nothing, so it is replaced like a missing one
  res.setHeader('x-correlator', correlator || randomUUID());
  next();
};
