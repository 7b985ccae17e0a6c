import { setTimeout as sleep } from 'node:timers/promises';

import type { RequestHandler } from 'express';

import { ServerFailure } from './errors.js';
import type { FaultyEndpoint, SandboxSettings } from './options.js';

/**
 * Fault injection, for tests of how the broker copes with a slow or failing operator.
 *
 * Rules:
 * - only the endpoints listed in `faults.endpoints` are affected;
 * - `delayMs` holds the response back that long, then the request is handled normally;
 * - `failStatus` answers that 5xx status with a CAMARA error body instead of handling the request.
 *   At the token endpoint the body also carries OAuth's `error` and `error_description`, since OAuth
 *   clients read those there.
 */
export function injectFaults(faults: SandboxSettings['faults'], endpoint: FaultyEndpoint): RequestHandler {
  const { delayMs, failStatus, endpoints } = faults;
  if (!endpoints.includes(endpoint) || (delayMs === undefined && failStatus === undefined)) {
    return (_req, _res, next) => next();
  }
  return async (_req, res, next) => {
    if (delayMs) await sleep(delayMs);
    if (failStatus === undefined) return next();
    const failure = new ServerFailure(failStatus).toErrorInfo();
    res.status(failStatus).json(endpoint === 'token' ? { ...failure, error: 'server_error', error_description: failure.message } : failure);
  };
}
