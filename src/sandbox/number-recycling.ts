// The CAMARA Number Recycling API v0.2, mounted at `{apiRoot}/number-recycling/v0.2` where the apiRoot is the
// sandbox's issuer URL.
import { Router } from 'express';

import { authorizeScopedCall, type ApiAccessDependencies } from './api-access.js';
import { handleCorrelator } from './correlator.js';
import { handleCamaraErrors, InvalidArgument, NotFound, OutOfRange } from './errors.js';
import { injectFaults } from './faults.js';
import { parseJsonObject, readBodyAsText } from './json-body.js';
import { identifyLine, type SubjectMessages } from './line-subject.js';
import { isCalendarDate, recycledAfter } from './lines.js';
import { SCOPES_ALLOWING_NUMBER_RECYCLING } from './resource-server.js';
import type { SandboxSettings } from './settings.js';

export const NUMBER_RECYCLING_PATH = '/number-recycling/v0.2';

interface NumberRecyclingDependencies extends ApiAccessDependencies {
  faults: SandboxSettings['faults'];
  lines: SandboxSettings['lines'];
}

const MESSAGES: SubjectMessages = {
  missing: 'The phone number cannot be identified',
  unnecessary: 'The phone number is already identified by the access token',
  notApplicable: 'The service is not available for the provided phone number',
};

/**
 * `POST /check {specifiedDate}` answers `{ phoneNumberRecycled }`: true when the number's subscriber changed
 * after that day (a number never marked recycled answers false).
 *
 * @see number-recycling.yaml v0.2.0 (checkNumberRecycling)
 */
export function createNumberRecyclingRouter({ faults, lines, ...access }: NumberRecyclingDependencies): Router {
  const router = Router();
  router.use(handleCorrelator, injectFaults(faults, 'number-recycling'));

  router.post('/check', readBodyAsText, async (req, res) => {
    const grant = await authorizeScopedCall(access, req, SCOPES_ALLOWING_NUMBER_RECYCLING);
    const body = parseJsonObject(req.body);
    const specifiedDate = parseSpecifiedDate(body.specifiedDate);
    const phoneNumber = identifyLine(grant, body.phoneNumber, lines, MESSAGES);
    res.json({ phoneNumberRecycled: recycledAfter(lines, phoneNumber, specifiedDate) });
  });

  router.use((_req, _res, next) => next(new NotFound()));
  router.use(handleCamaraErrors);
  return router;
}

/** Rules: required, an RFC 3339 full-date → else 400 INVALID_ARGUMENT; not after today (UTC) → else 400 OUT_OF_RANGE. */
function parseSpecifiedDate(value: unknown): string {
  if (!isCalendarDate(value)) throw new InvalidArgument('specifiedDate is required, as a date YYYY-MM-DD');
  if (value > new Date().toISOString().slice(0, 10)) throw new OutOfRange('specifiedDate must not be in the future');
  return value;
}
