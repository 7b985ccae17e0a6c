import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../random.js';

/**
 * The checkUrl an application's backend hands to its app (issue 14): a broker URL the device opens over mobile
 * data, which binds the device and sends it on to the operator.
 *
 * Rules:
 * - it carries a token of 32 random bytes in its query (queries are never logged: http/request-logger.ts), so
 *   knowing a verification id (it shows in logs and webhook events) is not enough to open it;
 * - only HMAC-SHA256(secret, 'check:' + id + ':' + token) is stored, as for codes; a guess is compared in constant time.
 */
export function newCheckUrl(publicUrl: string, secret: Buffer, verificationId: string): { url: string; tokenHash: string } {
  const token = randomToken(32);
  const url = new URL(`${publicUrl}/v1/verifications/${verificationId}/check`);
  url.searchParams.set('token', token);
  return { url: url.href, tokenHash: mac(secret, verificationId, token).toString('hex') };
}

export function checkTokenMatches(secret: Buffer, verificationId: string, token: unknown, storedHash: string | undefined): boolean {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token) || !storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(mac(secret, verificationId, token), Buffer.from(storedHash, 'hex'));
}

function mac(secret: Buffer, verificationId: string, token: string): Buffer {
  return createHmac('sha256', secret).update(`check:${verificationId}:${token}`, 'utf8').digest();
}
