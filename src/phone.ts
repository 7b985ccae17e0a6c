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

/** Number types that cannot receive a text (or that only cost money when texted: premium, shared cost). */
const NOT_TEXTABLE = new Set(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL']);

/**
 * Whether an SMS to this number can arrive, per libphonenumber-js's max metadata. Rules: a number known to be a
 * landline (e.g. +34 91…), toll-free, premium-rate, shared-cost, UAN or voicemail number cannot; a mobile, a
 * "fixed line or mobile" (the US and Canada do not tell them apart), a personal, VoIP or pager number, or one
 * whose type is unknown, can: refusing what we cannot classify would lock real people out.
 */
export function canReceiveSms(e164: string): boolean {
  const type = parsePhoneNumberFromString(e164)?.getType();
  return type === undefined || !NOT_TEXTABLE.has(type);
}
