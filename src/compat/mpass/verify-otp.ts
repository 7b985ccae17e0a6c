import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { isOwnedBy } from '../../domain/lifecycle.js';
import { checkOwnedCode } from '../../flows/otp/check-code.js';
import type { FacadeRoute } from '../errors.js';
import { answer, MpassRefusal, mpassErrors } from './answer.js';
import { latestFor, ownerIdFor } from './destinations.js';
import { readCall } from './params.js';

/**
 * GET /mpass-web/rest/mv/verify?apikey&dest&otp[&app]: "Verify OTP" (seed 003, 5.1.2).
 *
 * Rules:
 * - the code checked is the latest one this channel had sent to `dest`; none → 3 Reject;
 * - `app` must be the one the send carried (both absent counts as the same) → else 3 Reject, without
 *   costing an attempt: the code is not looked at, so nothing about it is learnt;
 * - the code is checked by the same flow as the native API (attempts limited per verification, single
 *   use, expiry), whose outcomes answer.ts translates: wrong → 3 Reject, expired → 4 Expired.
 */
export function verifyOtp(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const { channel, dest, app, values } = await readCall(deps, req, ['apikey', 'dest', 'otp'] as const);
    const latest = await latestFor(deps, channel, dest);
    if (!latest || !isOwnedBy(latest, ownerIdFor(channel))) throw new MpassRefusal('REJECT');
    if (latest.otp?.app !== app) throw new MpassRefusal('REJECT');
    await checkOwnedCode(deps, latest, values.otp);
    answer(res, 'ACCEPT');
  };
  return [handler, mpassErrors(deps)];
}
