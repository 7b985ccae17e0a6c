import type { Config } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';
import { expired, fallbackRequired, isPastExpiry, isSilentLegOver } from '../domain/lifecycle.js';
import type { Verification } from '../domain/verification.js';
import { maskPhoneNumber } from '../phone.js';
import { issueSessionToken } from '../tokens/session-token.js';
import { applyOrReadLatest, loadOwnedVerification } from './verifications.js';

/**
 * GET /v1/verifications/{id}: the verification, for the session bound to it (another session learns nothing:
 * verifications.ts loadOwnedVerification), with its session token once verified (for SESSION_TOKEN_TTL_SECONDS).
 * An unfinished verification past its expiry is moved to `expired` on the way (the sweeper does the same for the
 * ones nobody reads). An application's silent leg past its workflow's timeout ends the same way (fallback_required,
 * reason `silent_timeout`): the backend then moves to the next channel.
 */
export async function readVerification(
  deps: Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'now' | 'keys'>,
  id: string,
  ownerId: string | undefined,
): Promise<{ verification: Verification; sessionToken?: string }> {
  let verification = await loadOwnedVerification(deps, id, ownerId);
  if (isPastExpiry(verification, deps.now())) verification = await applyOrReadLatest(deps, id, expired(deps.now(), deps.config.webhooks.expiredEvents));
  else if (isSilentLegOver(verification, deps.now())) verification = await applyOrReadLatest(deps, id, fallbackRequired(deps.now(), 'silent_timeout'));
  return { verification, sessionToken: await issueSessionToken(deps, verification) };
}

/**
 * The public shape of a verification: nothing from the operator, no code, no token. The number is masked for a
 * browser or app session; an application's backend (`fullNumber`) chose the number and gets it whole.
 */
export function verificationView(v: Verification, otp?: Readonly<Config['otp']>, options: { fullNumber?: boolean } = {}) {
  return {
    id: v.id,
    status: v.status,
    method: v.method,
    phoneNumber: options.fullNumber ? v.phoneNumber : maskPhoneNumber(v.phoneNumber),
    network: v.network,
    ...(v.backend && { workflow: v.backend.workflow.map((channel) => ({ channel })) }),
    ...(v.backend?.clientRef && { clientRef: v.backend.clientRef }),
    ...(v.operatorId && { operator: v.operatorId }),
    ...(v.reason && { reason: v.reason }),
    createdAt: v.createdAt,
    expiresAt: v.expiresAt,
    ...(v.verifiedAt && { verifiedAt: v.verifiedAt }),
    ...(v.otp && otp && { otp: otpView(v, otp) }),
    ...(v.risk && { risk: v.risk }),
    events: v.events,
  };
}

/** What the app needs to drive the code screen: attempts left, when the code dies, when a resend is allowed. */
function otpView(v: Verification, settings: Readonly<Config['otp']>) {
  const { otp } = v;
  return {
    attemptsRemaining: Math.max(0, settings.maxAttempts - otp!.attempts),
    sendsRemaining: Math.max(0, settings.maxSends - otp!.sends),
    expiresAt: otp!.expiresAt,
    nextResendAt: new Date(Date.parse(otp!.lastSentAt) + settings.resendCooldownSeconds * 1000).toISOString(),
  };
}
