import type { Application } from '../applications/application.js';
import type { BrokerDeps } from '../deps.js';
import { canReceiveSms } from '../phone.js';
import { isDestinationAllowed } from './otp/sms-limits.js';

export interface Coverage {
  silent_auth: { available: boolean; operator?: string; reason?: 'no_operator' | 'operator_unavailable' };
  sms: { available: boolean; reason?: 'not_a_mobile_number' | 'destination_blocked' };
}

/**
 * GET /v1/coverage?phoneNumber=: which channels can serve a number now, so an app can go straight to SMS.
 *
 * Rules:
 * - silent_auth: an operator serves the number (Telco Finder's answer, then its prefix: the same candidates as
 *   a start) and its discovery loads (a failed discovery is tried again here, within the operator timeout); it says nothing about the device's network (WiFi is only known
 *   when the device opens the checkUrl);
 * - sms: the number can receive SMS (not a landline) and its country is allowed by the broker and, for an
 *   application, by its own lists; rate limits and budgets are not predicted;
 * - it starts nothing, writes nothing and costs no limit of the number.
 */
export async function coverageOf(deps: Pick<BrokerDeps, 'operators' | 'config'>, phoneNumber: string, application?: Application): Promise<Coverage> {
  const candidates = await deps.operators.resolve(phoneNumber);
  let silent: Coverage['silent_auth'] = { available: false, reason: 'no_operator' };
  for (const operator of candidates) {
    if (await deps.operators.isAvailable(operator)) {
      silent = { available: true, operator: operator.id };
      break;
    }
    if (silent.reason === 'no_operator') silent = { available: false, operator: operator.id, reason: 'operator_unavailable' };
  }
  return { silent_auth: silent, sms: smsCoverage(deps, phoneNumber, application) };
}

function smsCoverage(deps: Pick<BrokerDeps, 'config'>, phoneNumber: string, application?: Application): Coverage['sms'] {
  if (!canReceiveSms(phoneNumber)) return { available: false, reason: 'not_a_mobile_number' };
  const lists = [deps.config.smsLimits, ...(application ? [{ countriesAllow: application.countries.allow, countriesDeny: application.countries.deny }] : [])];
  return lists.every((list) => isDestinationAllowed(phoneNumber, list)) ? { available: true } : { available: false, reason: 'destination_blocked' };
}
