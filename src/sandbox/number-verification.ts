// The CAMARA Number Verification API v2, mounted at `{apiRoot}/number-verification/v2` where the
// apiRoot is the sandbox's issuer URL.
import { Router } from 'express';

import { authorizeApiCall, type ApiAccessDependencies } from './api-access.js';
import { handleCorrelator } from './correlator.js';
import { handleCamaraErrors, NotFound } from './errors.js';
import { injectFaults } from './faults.js';
import { readBodyAsText } from './json-body.js';
import type { SandboxSettings } from './settings.js';
import { SCOPES_ALLOWING_DEVICE_PHONE_NUMBER, SCOPES_ALLOWING_VERIFY } from './resource-server.js';
import { matchesSubscriber, parseVerifyRequest } from './verify-request.js';

interface NumberVerificationDependencies extends ApiAccessDependencies {
  faults: SandboxSettings['faults'];
}

/**
 * `POST /verify` answers `{ devicePhoneNumberVerified }`; `GET /device-phone-number` answers
 * `{ devicePhoneNumber }`. Both for the subscriber named by the access token.
 *
 * @see https://github.com/camaraproject/NumberVerification (v2.1.0: phoneNumberVerify, phoneNumberShare)
 */
export function createNumberVerificationRouter({ faults, ...access }: NumberVerificationDependencies): Router {
  const router = Router();
  router.use(handleCorrelator);

  router.post('/verify', injectFaults(faults, 'verify'), readBodyAsText, async (req, res) => {
    const subscriber = await authorizeApiCall(access, req, SCOPES_ALLOWING_VERIFY);
    const numberToVerify = parseVerifyRequest(typeof req.body === 'string' ? req.body : '');
    res.json({ devicePhoneNumberVerified: matchesSubscriber(numberToVerify, subscriber.phoneNumber) });
  });

  router.get('/device-phone-number', injectFaults(faults, 'device-phone-number'), async (req, res) => {
    const subscriber = await authorizeApiCall(access, req, SCOPES_ALLOWING_DEVICE_PHONE_NUMBER);
    res.json({ devicePhoneNumber: subscriber.phoneNumber });
  });

  router.use((_req, _res, next) => next(new NotFound()));
  router.use(handleCamaraErrors);
  return router;
}
