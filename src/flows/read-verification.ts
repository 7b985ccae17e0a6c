import type { Config } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';
import type { Verification } from '../domain/verification.js';
import { NotFound, PermissionDenied } from '../errors.js';
import { maskPhoneNumber } from '../phone.js';
import { expired, isPastExpiry } from './outcomes.js';

/**
 * Reads a verification for the session bound to it. Another session learns nothing: not even whether the
 * id exists (both answers are 403/404 without details). An unfinished verification past its expiry is
 * moved to `expired` on the way (the sweeper does the same for ones nobody reads).
 */
export async function readVerification(deps: BrokerDeps, id: string, ownerId: string | undefined): Promise<Verification> {
  let verification = await deps.store.getVerification(id);
  if (!verification) throw new NotFound('The verification does not exist.');
  if (!ownerId || verification.ownerId !== ownerId) throw new PermissionDenied('This verification belongs to another session.');
  if (isPastExpiry(verification, deps.now())) {
    verification = (await deps.store.updateVerification(id, expired(deps.now(), deps.config.webhooks.expiredEvents))) ?? verification;
  }
  return verification;
}

/** The public shape of a verification: the number masked, nothing from the operator, no code. */
export function verificationView(v: Verification, otp?: Readonly<Config['otp']>) {
  return {
    id: v.id,
    status: v.status,
    method: v.method,
    phoneNumber: maskPhoneNumber(v.phoneNumber),
    network: v.network,
    ...(v.operatorId && { operator: v.operatorId }),
    ...(v.reason && { reason: v.reason }),
    createdAt: v.createdAt,
    expiresAt: v.expiresAt,
    ...(v.verifiedAt && { verifiedAt: v.verifiedAt }),
    ...(v.otp && otp && { otp: otpView(v, otp) }),
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
