import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { BrokerDeps } from '../deps.js';
import { event, type NetworkHint, type Verification } from '../domain/verification.js';
import { OperatorFailure } from '../operator/failure.js';
import { fallbackRequired } from './outcomes.js';
import { checkReturnUrl } from './return-url.js';
import { checkStartLimits } from './start-limits.js';

export interface StartInput {
  phoneNumber: string;
  network: NetworkHint;
  returnUrl?: string;
  lang?: string;
  ownerId: string;
  applicationId?: string;
  /** the client's address, for the per-network start limit; without it a start is limited per number only */
  clientIp?: string;
}

export interface Started {
  verification: Verification;
  /** where the device must go next, on cellular data; absent when the verification went straight to SMS */
  authUrl?: string;
}

/**
 * Starts a verification. On cellular (or unknown) network with an operator for the number, it prepares the
 * operator's authorization request and keeps state, nonce and PKCE verifier for the callback. On WiFi, with
 * no operator, or when the operator cannot be reached, the verification needs the SMS fallback instead.
 */
export async function startVerification(deps: BrokerDeps, input: StartInput): Promise<Started> {
  // input is checked before it costs the caller a start
  const returnUrl = checkReturnUrl(deps, input.returnUrl);
  await checkStartLimits(deps, { clientIp: input.clientIp, phoneNumber: input.phoneNumber });
  const now = deps.now();
  const operator = input.network === 'wifi' ? undefined : deps.operators.route(input.phoneNumber);
  const verification: Verification = {
    id: `vrf_${randomBytes(16).toString('base64url')}`,
    applicationId: input.applicationId ?? deps.config.verification.applicationId,
    phoneNumber: input.phoneNumber,
    status: 'pending',
    method: 'silent_auth',
    network: input.network,
    ownerId: input.ownerId,
    ...(operator && { operatorId: operator.id }),
    ...(returnUrl && { returnUrl }),
    ...(input.lang && { lang: input.lang }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.config.verification.ttlSeconds * 1000).toISOString(),
    events: [event('created', { network: input.network }, now)],
  };

  if (!operator) {
    await deps.store.createVerification(verification);
    const reason = input.network === 'wifi' ? 'network_wifi' : 'no_operator';
    return { verification: (await deps.store.updateVerification(verification.id, fallbackRequired(now, reason)))! };
  }

  const auth = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
  let authUrl: URL;
  try {
    authUrl = await deps.operators.authorizationUrl(operator, { phoneNumber: input.phoneNumber, ...auth });
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    deps.logger.warn({ verificationId: verification.id, operator: operator.id, reason: err.reason, err: err.message }, 'operator discovery failed');
    await deps.store.createVerification(verification);
    return { verification: (await deps.store.updateVerification(verification.id, fallbackRequired(now, err.reason, err.detail)))! };
  }

  await deps.store.saveAuthorizationState({ ...auth, verificationId: verification.id, operatorId: operator.id, expiresAt: verification.expiresAt });
  const inProgress: Verification = {
    ...verification,
    status: 'silent_auth_in_progress',
    events: [...verification.events, event('operator_redirect', { operator: operator.id }, now)],
  };
  await deps.store.createVerification(inProgress);
  return { verification: inProgress, authUrl: authUrl.href };
}
