import { InvalidArgument } from './errors.js';
import { parseJsonObject } from './json-body.js';
import { hashPhoneNumber, isE164PhoneNumber } from './phone-number.js';

/** The number a `/verify` request asks about: in plain text, or as a lowercase SHA-256 hex hash. */
export type NumberToVerify = { phoneNumber: string } | { hashedPhoneNumber: string };

const SHA256_HEX_PATTERN = /^[a-fA-F0-9]{64}$/;
const EXACTLY_ONE = 'Exactly one of phoneNumber or hashedPhoneNumber must be provided';

/**
 * Parses a `/verify` body (raw text, so that "not JSON" is ours to answer).
 *
 * Rules (NumberVerificationRequestBody: minProperties 1, maxProperties 1):
 * - the body is a JSON object;
 * - it has exactly one property, `phoneNumber` or `hashedPhoneNumber`; none, both, or any other → 400;
 * - `phoneNumber` matches `^\+[1-9][0-9]{4,14}$`;
 * - `hashedPhoneNumber` is 64 hex characters, either case (normalised to lowercase).
 *
 * @see https://github.com/camaraproject/NumberVerification (components.schemas.NumberVerificationRequestBody)
 */
export function parseVerifyRequest(rawBody: string): NumberToVerify {
  const body = parseJsonObject(rawBody);
  const properties = Object.keys(body);
  if (properties.length !== 1) throw new InvalidArgument(EXACTLY_ONE);
  const { phoneNumber, hashedPhoneNumber } = body;
  if (properties[0] === 'phoneNumber') {
    if (!isE164PhoneNumber(phoneNumber)) throw new InvalidArgument('phoneNumber must be in E.164 format with a leading +');
    return { phoneNumber };
  }
  if (properties[0] === 'hashedPhoneNumber') {
    if (typeof hashedPhoneNumber !== 'string' || !SHA256_HEX_PATTERN.test(hashedPhoneNumber)) {
      throw new InvalidArgument('hashedPhoneNumber must be a SHA-256 hash in hexadecimal');
    }
    return { hashedPhoneNumber: hashedPhoneNumber.toLowerCase() };
  }
  throw new InvalidArgument(EXACTLY_ONE);
}

/** Whether the number asked about is the subscriber's. */
export function matchesSubscriber(request: NumberToVerify, subscriberPhoneNumber: string): boolean {
  return 'phoneNumber' in request
    ? request.phoneNumber === subscriberPhoneNumber
    : request.hashedPhoneNumber === hashPhoneNumber(subscriberPhoneNumber);
}
