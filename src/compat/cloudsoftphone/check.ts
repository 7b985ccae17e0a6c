import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { isOwnedBy } from '../../domain/lifecycle.js';
import { checkOwnedCode } from '../../flows/otp/check-code.js';
import { apiKeyAuth } from '../../http/api-key-auth.js';
import type { FacadeRoute } from '../errors.js';
import { fieldsOf, numberFrom, readBody } from './input.js';
import { cloudSoftphoneErrors, CloudSoftphoneRefusal } from './messages.js';
import { forgetToken, ownerIdFor, verificationIdFor } from './tokens.js';

/**
 * POST {COMPAT_CLOUDSOFTPHONE_PATH}/check {phoneNumber, pin, authToken}: the provisioning backend asks
 * whether the PIN the user typed is the one sent to that number for that token (the provisioning key,
 * COMPAT_CLOUDSOFTPHONE_API_KEY or generated: not the admin key nor another facade's).
 *
 * Rules:
 * - all three are required; the token must be one the broker issued, for a verification bound to it
 *   (ownerId) and to this very number; otherwise 403, and nothing says which part was wrong;
 * - the PIN is checked by the same flow as the native API: attempts limited per verification, single use,
 *   expiry; a success fires verification.succeeded (the flow writes it to the outbox);
 * - success is 200 {"verified": true, "phoneNumber"}; anything else a 4xx {"message"}.
 */
export function checkPin(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const { phoneNumber, pin, authToken } = fieldsOf(req);
    if ([phoneNumber, pin, authToken].some((v) => typeof v !== 'string' || v === '')) {
      throw new CloudSoftphoneRefusal(400, 'The phone number, PIN and authToken are all required.');
    }
    const number = numberFrom({ phoneNumber }, ['phoneNumber']);
    const found = await verificationIdFor(deps, authToken);
    const verification = found && (await deps.store.verifications.get(found.verificationId));
    if (!found || !verification || !isOwnedBy(verification, ownerIdFor(found.digest)) || verification.phoneNumber !== number) {
      throw new CloudSoftphoneRefusal(403, 'The PIN cannot be checked: the token does not belong to this number.');
    }
    await checkOwnedCode(deps, verification, pin);
    await forgetToken(deps, found.digest);
    res.set('Cache-Control', 'no-store').status(200).json({ verified: true, phoneNumber: number });
  };
  const provisioningBackend = apiKeyAuth(deps.secrets.cloudSoftphoneApiKey, { realm: 'cloudsoftphone', keyName: 'Cloud Softphone provisioning key' });
  return [provisioningBackend, ...readBody(deps), handler, cloudSoftphoneErrors(deps)];
}

