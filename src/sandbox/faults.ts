import { setTimeout as sleep } from 'node:timers/promises';

import type { RequestHandler } from 'express';

import { ServerFailure } from './errors.js';
import type { FaultyEndpoint } from './options.js';
import type { SandboxSettings } from './settings.js';

/**
 * Fault injection, for tests of how the broker copes with a slow or failing operator.
 *
 * Rules:
 * - only the endpoints listed in `faults.endpoints` are affected;
 * - `delayMs` holds the response back that long, then the request is handled normally;
 * - `failStatus` answers that 5xx status with a CAMARA error body instead of handling the request
 *   (the token endpoint too: OAuth defines no body for a 5xx, and OAuth clients do not read one).
 */
export function injectFaults(faults: SandboxSettings['faults'], endpoint: FaultyEndpoint): RequestHandler {
  const { delayMs, failStatus, endpoints } = faults;
  if (!endpoints.includes(endpoint) || (delayMs === undefined && failStatus === undefined)) {
    return (_req, _res, next) => next();
  }
  return async (_req, res, next) => {
    if (delayMs) await sleep(delayMs);
    if (failStatus === undefined) return next();
    res.status(failStatus).json(new ServerFailure(failStatus).toErrorInfo());
  };
}
