// The CAMARA SIM Swap API v2, mounted at `{apiRoot}/sim-swap/v2` where the apiRoot is the sandbox's issuer URL.
import { Router } from 'express';

import { authorizeScopedCall, type ApiAccessDependencies } from './api-access.js';
import { handleCorrelator } from './correlator.js';
import { handleCamaraErrors, InvalidArgument, NotFound, OutOfRange } from './errors.js';
import { injectFaults } from './faults.js';
import { parseJsonObject, readBodyAsText } from './json-body.js';
import { identifyLine, type SubjectMessages } from './line-subject.js';
import { latestSimChange } from './lines.js';
import { SCOPES_ALLOWING_SIM_SWAP_CHECK, SCOPES_ALLOWING_SIM_SWAP_RETRIEVE_DATE } from './resource-server.js';
import type { SandboxSettings } from './settings.js';

export const SIM_SWAP_PATH = '/sim-swap/v2';

interface SimSwapDependencies extends ApiAccessDependencies {
  faults: SandboxSettings['faults'];
  lines: SandboxSettings['lines'];
}

/** CreateCheckSimSwap.maxAge: hours, 1–2400, default 240. */
const DEFAULT_MAX_AGE_HOURS = 240;
const MAX_AGE_LIMIT_HOURS = 2400;
const HOUR_MS = 3_600_000;

const MESSAGES: SubjectMessages = {
  missing: 'The device cannot be identified.',
  unnecessary: 'The device is already identified by the access token.',
  notApplicable: 'The service is not available for the provided identifier.',
};

/**
 * `POST /retrieve-date` answers `{ latestSimChange }` (the activation date when the SIM was never swapped:
 * the sandbox monitors without limit, so never `null`); `POST /check {maxAge}` answers `{ swapped }`: whether
 * the latest SIM change is within the last `maxAge` hours.
 *
 * @see sim-swap.yaml v2.1.0 (retrieveSimSwapDate, checkSimSwap)
 */
export function createSimSwapRouter({ faults, lines, ...access }: SimSwapDependencies): Router {
  const router = Router();
  router.use(handleCorrelator, injectFaults(faults, 'sim-swap'));

  router.post('/retrieve-date', readBodyAsText, async (req, res) => {
    const grant = await authorizeScopedCall(access, req, SCOPES_ALLOWING_SIM_SWAP_RETRIEVE_DATE);
    const body = parseJsonObject(req.body);
    const phoneNumber = identifyLine(grant, body.phoneNumber, lines, MESSAGES);
    res.json({ latestSimChange: latestSimChange(lines, phoneNumber).toISOString() });
  });

  router.post('/check', readBodyAsText, async (req, res) => {
    const grant = await authorizeScopedCall(access, req, SCOPES_ALLOWING_SIM_SWAP_CHECK);
    const body = parseJsonObject(req.body);
    const maxAge = parseMaxAge(body.maxAge);
    const phoneNumber = identifyLine(grant, body.phoneNumber, lines, MESSAGES);
    res.json({ swapped: latestSimChange(lines, phoneNumber).getTime() > Date.now() - maxAge * HOUR_MS });
  });

  router.use((_req, _res, next) => next(new NotFound()));
  router.use(handleCamaraErrors);
  return router;
}

/**
 * Rules: absent → 240; not an integer → 400 INVALID_ARGUMENT; outside 1–2400 → 400 OUT_OF_RANGE (the spec's
 * code for a period the operator does not monitor; the sandbox monitors the whole range the schema allows).
 */
function parseMaxAge(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_AGE_HOURS;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidArgument('maxAge must be an integer number of hours');
  if (value < 1 || value > MAX_AGE_LIMIT_HOURS) throw new OutOfRange(`maxAge must be between 1 and ${MAX_AGE_LIMIT_HOURS} hours`);
  return value;
}
