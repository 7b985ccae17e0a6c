/**
 * The one-time-code engine: make a code, keep only its keyed hash, check a guess against that hash.
 *
 * Rules:
 * - A code is 4 to 10 decimal digits drawn one by one with `crypto.randomInt` (uniform, no modulo bias);
 *   leading zeros are allowed, so a code is a string, never a number.
 * - What is stored is HMAC-SHA256(secret, bindingId + ':' + code), hex. The binding id (the verification
 *   the code was issued for) is part of the MAC input, so a code that leaks is worthless for any other
 *   verification, and a stolen table of hashes cannot be matched without the secret. The code is digits
 *   only and comes last, so `bindingId:code` is unambiguous even when the binding id contains ':'.
 * - A guess is checked in constant time (`crypto.timingSafeEqual` over equal-length digests). Anything that
 *   is not 4 to 10 digits, or a stored hash that is not 64 hex characters, is simply "no match": checking
 *   never throws on what a caller typed.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

const CODE_PATTERN = /^[0-9]{4,10}$/;
const HASH_PATTERN = /^[0-9a-fA-F]{64}$/;

/** A uniformly random code of `length` decimal digits (4..10); leading zeros are kept. */
export function generateCode(length: number): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be an integer from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}`);
  }
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** The value to store instead of the code: HMAC-SHA256(secret, `${bindingId}:${code}`) as lowercase hex. */
export function hashCode(secret: Buffer, bindingId: string, code: string): string {
  return mac(secret, bindingId, code).toString('hex');
}

/** Whether `code` is the code whose hash, bound to `bindingId`, is `storedHash`. Constant time; never throws. */
export function codeMatches(secret: Buffer, bindingId: string, code: string, storedHash: string): boolean {
  // typeof guards: the guess usually comes straight from a request body
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) return false;
  if (typeof storedHash !== 'string' || !HASH_PATTERN.test(storedHash)) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = mac(secret, bindingId, code);
  // both are 32 bytes here; the length check keeps timingSafeEqual from ever throwing
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function mac(secret: Buffer, bindingId: string, code: string): Buffer {
  return createHmac('sha256', secret).update(`${bindingId}:${code}`, 'utf8').digest();
}
