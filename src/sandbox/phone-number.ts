import { createHash } from 'node:crypto';

/** E.164 with a leading '+', exactly as CAMARA's `PhoneNumber` schema spells it. */
const E164_PATTERN = /^\+[1-9][0-9]{4,14}$/;

export function isE164PhoneNumber(value: unknown): value is string {
  return typeof value === 'string' && E164_PATTERN.test(value);
}

/**
 * Lowercase hex SHA-256 of the number in `+E.164` form, as CAMARA defines `hashedPhoneNumber`.
 * @see https://github.com/camaraproject/NumberVerification (NumberVerificationRequestBody.hashedPhoneNumber)
 */
export function hashPhoneNumber(phoneNumber: string): string {
  return createHash('sha256').update(phoneNumber).digest('hex');
}

/** Keeps the country-code end and the last two digits, so logs help debugging without holding a number. */
export function maskPhoneNumber(phoneNumber: string): string {
  return `${phoneNumber.slice(0, 3)}${'*'.repeat(Math.max(0, phoneNumber.length - 5))}${phoneNumber.slice(-2)}`;
}
