import { randomUUID } from 'node:crypto';
import { signCompactJwt } from '../keys/compact-jwt.js';
import type { BrokerDeps } from '../deps.js';
import type { Verification } from '../domain/verification.js';

/**
 * Authentication methods (RFC 8176 style values): network-based authentication, a code sent by SMS, or the
 * carrier-issued TS.43 credential presented over the Digital Credentials API (issue 18; `ts43` is not an RFC 8176
 * value: no registered one names it).
 */
const AMR: Record<Verification['method'], string> = { silent_auth: 'nba', sms_otp: 'sms', digital_credential: 'ts43' };

/**
 * The proof a backend receives from the app: a JWT saying which number a verification proved, how and when.
 *
 * Rules:
 * - only a `verified` verification has one, and only within SESSION_TOKEN_TTL_SECONDS of `verifiedAt`:
 *   `exp` counts from the verification, not from the read, so reading the verification again later never
 *   stretches the proof. Outside that window this returns undefined.
 * - signed ES256 with the active 'session-token' key, whose `kid` is in the header and whose public half
 *   is in /.well-known/jwks.json, so `jose.createRemoteJWKSet` alone verifies it.
 * - claims: iss (PUBLIC_URL), sub (E.164 number), aud (application id), verification_id, amr, operator
 *   when one proved it, risk (the fraud signals checked, issue 17: `{simSwap?, numberRecycling?}`), auth_time (the verification, OIDC style), iat, exp, jti (new on every issue;
 *   a backend that accepts each verification once keys on verification_id).
 * Callers return it in a JSON body to the session bound to the verification, never in a URL.
 * @see RFC 7519 (JWT), RFC 8176 (amr values), OpenID Connect Core §2 (auth_time)
 */
export async function issueSessionToken(deps: Pick<BrokerDeps, 'config' | 'keys' | 'now'>, verification: Verification): Promise<string | undefined> {
  if (verification.status !== 'verified' || !verification.verifiedAt) return undefined;
  const verifiedAt = Math.floor(Date.parse(verification.verifiedAt) / 1000);
  const exp = verifiedAt + deps.config.sessionTokens.ttlSeconds;
  const now = Math.floor(deps.now().getTime() / 1000);
  if (exp <= now) return undefined;

  const key = deps.keys.active('session-token');
  // the claims in jose's order, so a token reads as before (compact-jwt.ts says why not jose here)
  return signCompactJwt(
    key,
    { kid: key.kid, typ: 'JWT' },
    {
      verification_id: verification.id,
      amr: [AMR[verification.method]],
      ...(verification.operatorId && { operator: verification.operatorId }),
      ...(verification.risk && { risk: verification.risk }),
      auth_time: verifiedAt,
      iss: deps.config.publicUrl,
      sub: verification.phoneNumber,
      aud: verification.applicationId,
      iat: now,
      exp,
      jti: randomUUID(),
    },
  );
}
