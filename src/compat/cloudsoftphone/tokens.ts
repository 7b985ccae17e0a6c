import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { BrokerDeps } from '../../deps.js';
import type { RecordKind } from '../../store/store.js';

/** authToken digest → the verification it was issued for */
const TOKENS: RecordKind<{ verificationId: string }> = { namespace: 'cloudsoftphone-token', schema: z.object({ verificationId: z.string() }) };

/**
 * The authToken that binds a PIN to the app that asked for it (seed 000: "guessing the right PIN code
 * [is] impossible without also knowing the token").
 *
 * Rules:
 * - 256 random bits, hex (safe in any query string or form the app substitutes `%authToken%` into);
 * - the broker keeps only its SHA-256: the verification's ownerId is derived from it, and a record maps it
 *   to the verification for as long as the verification lives;
 * - the token travels back only in the 200 answer; it is never logged.
 */
export function newAuthToken(): { authToken: string; digest: string } {
  const authToken = randomBytes(32).toString('hex');
  return { authToken, digest: digestOf(authToken) };
}

export function ownerIdFor(digest: string): string {
  return `cloudsoftphone:${digest}`;
}

export async function rememberToken(deps: BrokerDeps, digest: string, verificationId: string): Promise<void> {
  await deps.store.records.put(TOKENS, digest, { verificationId }, deps.config.verification.ttlSeconds);
}

/** The verification an authToken was issued for, if the token is one of ours and still alive. */
export async function verificationIdFor(deps: BrokerDeps, authToken: unknown): Promise<{ verificationId: string; digest: string } | undefined> {
  if (typeof authToken !== 'string' || !/^[0-9a-f]{64}$/.test(authToken)) return undefined;
  const digest = digestOf(authToken);
  const record = await deps.store.records.get(TOKENS, digest);
  return record && { verificationId: record.verificationId, digest };
}

export async function forgetToken(deps: BrokerDeps, digest: string): Promise<void> {
  await deps.store.records.delete(TOKENS, digest);
}

function digestOf(authToken: string): string {
  return createHash('sha256').update(authToken).digest('hex');
}
