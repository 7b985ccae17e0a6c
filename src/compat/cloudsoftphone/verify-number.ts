import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { sendCode } from '../../flows/otp/send-code.js';
import { startVerification } from '../../flows/start-verification.js';
import type { FacadeRoute } from '../errors.js';
import { fieldsOf, labelFrom, numberFrom, readBody } from './input.js';
import { cloudSoftphoneErrors } from './messages.js';
import { newAuthToken, ownerIdFor, rememberToken } from './tokens.js';

/**
 * GET|POST {COMPAT_CLOUDSOFTPHONE_PATH}/verify_number: Cloud Softphone's Phone Number Verifier (seed 000).
 *
 * Rules:
 * - the number comes from the query (GET), a form or a JSON body (POST), under any configured field name;
 *   `appid`/`appId` and `version` are accepted and recorded on the verification's timeline;
 * - the app cannot follow an operator redirect, so the verification goes straight to the SMS leg
 *   (`channel: sms`, with the app's details recorded in the same write) and the PIN is sent with the same
 *   flow, limits and providers as the native API;
 * - success is 200 `{"authToken": …}`: the app substitutes it as %authToken% for the provisioning backend,
 *   which checks PIN and token together (check.ts); the PIN alone proves nothing;
 * - any refusal is non-2xx `{"message": …}` (messages.ts), limits as 429 with Retry-After.
 */
export function verifyNumber(deps: BrokerDeps): FacadeRoute {
  const { numberFields } = deps.config.compat.cloudSoftphone;
  const handler: RequestHandler = async (req, res) => {
    const fields = fieldsOf(req);
    const phoneNumber = numberFrom(fields, numberFields);
    const appid = labelFrom(fields, ['appid', 'appId'], 'app id');
    const version = labelFrom(fields, ['version'], 'version');

    const { authToken, digest } = newAuthToken();
    const origin = { facade: 'cloudsoftphone', ...(appid && { appid }), ...(version && { version }) };
    const { verification } = await startVerification(deps, { phoneNumber, network: 'unknown', channel: 'sms', origin, ownerId: ownerIdFor(digest), clientIp: req.ip });
    await rememberToken(deps, digest, verification.id);
    await sendCode(deps, verification.id, { clientIp: req.ip ?? 'unknown' });

    res.set('Cache-Control', 'no-store').status(200).json({ authToken });
  };
  return [...readBody(deps), handler, cloudSoftphoneErrors(deps)];
}
