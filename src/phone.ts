import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidArgument } from './errors.js';

/**
 * Parses a phone number that must already be in E.164 form (`+` then digits, no formatting) and be a
 * valid number per libphonenumber-js. The field name goes into the error so the caller knows what to fix.
 */
export function parseE164(value: unknown, field = 'phoneNumber'): string {
  if (typeof value !== 'string' || !/^\+[1-9][0-9]{4,14}$/.test(value)) {
    throw new InvalidArgument(`${field} must be a phone number in E.164 format, e.g. +34600000002.`);
  }
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed || !parsed.isValid() || parsed.number !== value) {
    throw new InvalidArgument(`${field} is not a valid phone number.`);
  }
  return parsed.number;
}

/** The number's region (ISO 3166 alpha-2), used for country allow/deny lists and message language. */
export function regionOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** `+34600000002` → `+3460*****02`: enough to recognise a number in logs and answers, not enough to use it. */
export function maskPhoneNumber(e164: string): string {
  if (e164.length <= 7) return e164.slice(0, 2) + '*'.repeat(Math.max(0, e164.length - 2));
  return e164.slice(0, 5) + '*'.repeat(e164.length - 7) + e164.slice(-2);
}
