/**
 * The completion code: how a verification proved on one device is completed by the session that asked.
 *
 * Rules:
 * - 32 random bytes (256 bits), base64url: unguessable, and never typed by people (it travels in a redirect
 *   to the app's returnUrl, or in the JSON answer of the callback);
 * - what is stored is HMAC-SHA256(secret, verificationId + ':' + code), as for SMS codes, so a code is worthless
 *   for any other verification and a stolen record cannot be turned back into a code;
 * - a guess is checked in constant time; anything that is not the code's shape is simply "no match".
 * @see Vonage Verify v2 silent authentication: the device gets a `code` after `check_url`, the backend presents it
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../random.js';

const SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function generateCompletionCode(): string {
  return randomToken(32);
}

/** Whether a submitted value looks like a completion code (rather than an SMS code). */
export function isCompletionCodeShaped(value: string): boolean {
  return SHAPE.test(value);
}

export function hashCompletionCode(secret: Buffer, verificationId: string, code: string): string {
  return mac(secret, verificationId, code).toString('hex');
}

export function completionCodeMatches(secret: Buffer, verificationId: string, code: string, storedHash: string): boolean {
  if (typeof code !== 'string' || !SHAPE.test(code) || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(mac(secret, verificationId, code), Buffer.from(storedHash, 'hex'));
}

function mac(secret: Buffer, verificationId: string, code: string): Buffer {
  return createHmac('sha256', secret).update(`completion:${verificationId}:${code}`, 'utf8').digest();
}
