import type { BrokerDeps } from '../../deps.js';
import { readPhoneNumber } from '../phone-input.js';
import { ScimError } from './errors.js';
import type { MobileNumber } from './users.js';

/**
 * A mobile number as a WSO2 client writes it. WSO2 stores whatever the claim holds, and its own examples
 * are national ("0123456789"); the broker must know the country to send an SMS, so national numbers are
 * read in COMPAT_WSO2_DEFAULT_REGION (phone-input.ts) and, without one, only international numbers are
 * accepted. The text as written is kept for the SCIM resource, so the client reads back what it wrote.
 */
export function mobileNumberFrom(deps: BrokerDeps, value: unknown, attribute: string): MobileNumber {
  if (typeof value !== 'string' || value.trim() === '') throw new ScimError(400, 'invalidValue', `${attribute} must be a phone number.`);
  const region = deps.config.compat.wso2.defaultRegion;
  const e164 = readPhoneNumber(value, region);
  if (!e164) {
    const shown = /^[+0-9 ().-]{1,24}$/.test(value) ? `"${value.trim()}"` : 'The value';
    const hint = region ? ` (numbers without a country code are read as ${region} numbers)` : ' (write it with its country code, +…)';
    throw new ScimError(400, 'invalidValue', `${shown} in ${attribute} is not a valid mobile number${hint}.`);
  }
  return { value: value.trim(), e164 };
}
